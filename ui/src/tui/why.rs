//! Plain words for the events that teach: why an ISR shrank, why a leader changed, why a
//! record was lost. The trace says what happened; these lines say what it means.

use ksim::engine::ids::{BrokerId, TopicPartition};
use ksim::engine::shared::SharedVec;
use ksim::kafka::trace::{HighWatermarkCause, TraceEntry, TraceEvent};
use ksim::scenario::Lang;

/// What a marker on the timeline stands for; `[` and `]` jump between notable events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Notable {
    Say,
    Rebalance,
    Error,
    Isr,
    Election,
    Fault,
    Loss,
}

impl Notable {
    /// The timeline's mark, readable without colour.
    pub fn mark(self) -> char {
        match self {
            Notable::Say => '"',
            Notable::Rebalance => 'R',
            Notable::Error => '!',
            Notable::Isr => 'I',
            Notable::Election => 'E',
            Notable::Fault => 'F',
            Notable::Loss => 'X',
        }
    }
}

pub fn notable(event: &TraceEvent) -> Option<Notable> {
    use TraceEvent::*;
    Some(match event {
        Say { .. } => Notable::Say,
        Crash
        | Shutdown
        | PowerLoss { .. }
        | Restart
        | Isolate { .. }
        | NetworkPartition { .. }
        | Heal
        | Slow { .. } => Notable::Fault,
        Election { .. } => Notable::Election,
        IsrChanged { .. } | ElrChanged { .. } | Truncate { .. } => Notable::Isr,
        RecordsLost { .. } => Notable::Loss,
        ProduceRejected { .. }
        | ProduceFailed { .. }
        | SendFailed { .. }
        | CommitFailed { .. }
        | ConsumerError { .. } => Notable::Error,
        RebalanceStarted { .. } => Notable::Rebalance,
        _ => return None,
    })
}

/// One line on why the notable event at `index` happened and what follows from it. Some
/// events need what came before them: an ISR shrinks because the controller fenced a broker or
/// because the leader saw a follower lag, and only the earlier events say which.
pub fn why(entries: &SharedVec<TraceEntry>, index: usize, lang: Lang) -> Option<String> {
    use TraceEvent::*;
    let event = &entries.get(index)?.event;
    let ko = lang == Lang::Ko;
    // Each line in English and in Korean (Hangul for Kafka's concepts, config names as they are).
    let pick = |en: &str, ko_text: &str| {
        if ko {
            ko_text.to_string()
        } else {
            en.to_string()
        }
    };
    let text = match event {
        Crash => pick(
            "the broker process died: what it appended stays on disk, but it serves no one until it restarts",
            "브로커 프로세스가 죽었습니다. 추가한 데이터는 디스크에 남지만, 재시작할 때까지 아무 요청도 처리하지 않습니다",
        ),
        Shutdown => pick(
            "a controlled shutdown: the controller moved this broker's leaderships and ISR places away first, its logs were flushed, and its next registration counts as clean (KIP-966)",
            "제어된 종료: 컨트롤러가 이 브로커의 리더 역할과 ISR 자리를 먼저 옮기고, 로그를 flush했으며, 다음 등록은 정상 종료로 인정됩니다 (KIP-966)",
        ),
        PowerLoss { .. } => pick(
            "the machine lost power: records not yet flushed to disk are gone from this replica",
            "전원이 나갔습니다. 아직 디스크에 flush되지 않은 레코드는 이 레플리카에서 사라집니다",
        ),
        Restart => pick(
            "the broker comes back, truncates to what its leaders confirm, catches up, and rejoins the ISR once its LEO reaches the leader's HW",
            "브로커가 돌아와 리더가 확인해 주는 지점까지 로그를 잘라내고 따라잡은 뒤, LEO가 리더의 HW에 닿으면 ISR에 다시 들어갑니다",
        ),
        Isolate { .. } => pick(
            "every link of this broker is cut: it may still think it leads while the controller elects another",
            "이 브로커의 모든 링크가 끊겼습니다. 컨트롤러가 다른 리더를 선출하는 동안에도 자신이 리더라고 믿을 수 있습니다",
        ),
        NetworkPartition { .. } => pick(
            "brokers on different sides cannot reach each other; a follower cut off from its leader leaves the ISR after replica.lag.time.max.ms",
            "서로 다른 쪽의 브로커끼리는 통신할 수 없습니다. 리더와 끊긴 팔로워는 replica.lag.time.max.ms가 지나면 ISR에서 빠집니다",
        ),
        Heal => pick(
            "every link works again: cut-off replicas fetch, truncate to the leader's log and catch up",
            "모든 링크가 복구되었습니다. 끊겨 있던 레플리카가 페치하고, 리더의 로그에 맞춰 잘라낸 뒤 따라잡습니다",
        ),
        Slow { .. } => pick(
            "the broker's links slow down: a follower this slow may fall behind replica.lag.time.max.ms",
            "브로커의 링크가 느려졌습니다. 이렇게 느린 팔로워는 replica.lag.time.max.ms보다 뒤처질 수 있습니다",
        ),
        HighWatermark { why, .. } => match why {
            HighWatermarkCause::LowestLogEnd { .. } => pick(
                "the leader's HW is the lowest LEO in the ISR: every record below it is on every ISR replica, so it is committed and readable",
                "리더의 HW는 ISR 중 가장 낮은 LEO입니다. 그 아래의 레코드는 모든 ISR 레플리카에 있으므로 커밋된 것이고 읽을 수 있습니다",
            ),
            HighWatermarkCause::LeaderAlone { .. } => pick(
                "the ISR is the leader alone, so its own LEO is the HW: one copy counts as committed",
                "ISR에 리더만 남아 리더 자신의 LEO가 HW입니다. 복사본 하나만으로 커밋된 것으로 칩니다",
            ),
            HighWatermarkCause::FromLeader { .. } => pick(
                "a follower learns the HW from the leader's fetch response, one round trip behind",
                "팔로워는 리더의 페치 응답으로 HW를 알게 되므로 한 번의 왕복만큼 늦습니다",
            ),
        },
        IsrChanged {
            partition,
            from,
            to,
        } if to.len() < from.len() => isr_shrink(entries, index, *partition, from, to, lang),
        IsrChanged { .. } => pick(
            "a follower's LEO reached the leader's HW: it rejoins the ISR and counts for acks=all and the HW again",
            "팔로워의 LEO가 리더의 HW에 닿았습니다. ISR에 다시 들어가 acks=all과 HW 계산에 다시 포함됩니다",
        ),
        ElrChanged { .. } => pick(
            "the eligible leader replicas (KIP-966) left the ISR while it was below min.insync.replicas: the high watermark had stopped, so they hold every committed record and may lead when the ISR is empty",
            "적격 리더 레플리카(ELR, KIP-966)는 ISR이 min.insync.replicas보다 작을 때 ISR에서 빠진 레플리카입니다. HW가 멈춰 있었으므로 커밋된 레코드를 모두 가지고 있어, ISR이 비면 리더가 될 수 있습니다",
        ),
        IsrProposed { .. } => pick(
            "the leader asks the controller to change the ISR; it applies only once the controller agrees",
            "리더가 컨트롤러에 ISR 변경을 요청합니다. 컨트롤러가 승인해야 적용됩니다",
        ),
        Election { leader: None, .. } => pick(
            "no replica in the ISR is alive: the partition is offline until one returns (or an unclean election)",
            "살아 있는 ISR 레플리카가 없습니다. 하나가 돌아올 때까지(또는 언클린 선출 전까지) 파티션은 오프라인입니다",
        ),
        Election { why, .. }
            if why.starts_with("topic created") || why.starts_with("partition added") =>
        {
            pick(
                "a new partition: the controller makes the first replica of its assignment the leader, at epoch 0",
                "새 파티션입니다. 컨트롤러가 할당의 첫 레플리카를 에포크 0의 리더로 정합니다",
            )
        }
        Election { why, .. } if why.contains("UNCLEAN") => pick(
            "no ISR member is alive and unclean.leader.election.enable=true: a replica outside the ISR leads, and acknowledged records it lacks are lost",
            "살아 있는 ISR 멤버가 없고 unclean.leader.election.enable=true입니다. ISR 밖의 레플리카가 리더가 되고, 그 레플리카에 없는 확인된 레코드는 유실됩니다",
        ),
        Election { .. } => pick(
            "the controller picks a live ISR replica as leader and bumps the leader epoch: followers now fetch from it, and what the old leader appends from now on will be truncated",
            "컨트롤러가 살아 있는 ISR 레플리카를 리더로 고르고 리더 에포크를 올립니다. 이제 팔로워는 새 리더에서 페치하고, 옛 리더가 앞으로 추가하는 것은 잘려 나갑니다",
        ),
        BecameLeader { .. } => pick(
            "this replica now takes writes; its log end decides what survives",
            "이제 이 레플리카가 쓰기를 받습니다. 이 레플리카의 로그 끝이 무엇이 살아남는지 정합니다",
        ),
        Truncate { .. } => pick(
            "a replica cuts its log back to where the new leader's epoch ends: records the leader lacks are removed (KIP-279)",
            "레플리카가 새 리더의 에포크가 끝나는 지점까지 로그를 잘라냅니다. 리더에 없는 레코드는 지워집니다(KIP-279)",
        ),
        RecordsLost { .. } => pick(
            "records the producer was told were written are gone: the replica that leads now never had them",
            "프로듀서가 쓰였다고 응답받은 레코드가 사라졌습니다. 지금 리더인 레플리카는 그 레코드를 가진 적이 없습니다",
        ),
        RecordsRecovered { .. } => pick(
            "a replica that kept the records leads again, so they are back",
            "레코드를 가진 레플리카가 다시 리더가 되어 레코드가 돌아왔습니다",
        ),
        Fenced { .. } => pick(
            "no heartbeat within broker.session.timeout.ms: the controller fences the broker, removes it from every ISR and moves its leaderships",
            "broker.session.timeout.ms 안에 하트비트가 없었습니다. 컨트롤러가 브로커를 펜싱하고 모든 ISR에서 빼며 리더 역할을 옮깁니다",
        ),
        ProduceRejected { .. } => pick(
            "the broker refused the write; the producer retries retriable errors until delivery.timeout.ms",
            "브로커가 쓰기를 거부했습니다. 프로듀서는 재시도 가능한 오류를 delivery.timeout.ms까지 재시도합니다",
        ),
        ProduceFailed { retry: true, .. } => pick(
            "a retriable error: the batch goes back to the accumulator and is sent again",
            "재시도 가능한 오류입니다. 배치는 accumulator로 돌아가 다시 전송됩니다",
        ),
        ProduceFailed { .. } => pick(
            "the producer gave up on these records: their send() callback gets the error",
            "프로듀서가 이 레코드들을 포기했습니다. send() 콜백이 오류를 받습니다",
        ),
        SendFailed { .. } => pick(
            "send() itself failed: the record never left the producer",
            "send() 자체가 실패했습니다. 레코드는 프로듀서를 떠나지 못했습니다",
        ),
        RebalanceStarted { .. } => pick(
            "the group stops to hand out partitions again; members rejoin with JoinGroup",
            "그룹이 멈추고 파티션을 다시 나눕니다. 멤버들은 JoinGroup으로 다시 참여합니다",
        ),
        CommitFailed { .. } => pick(
            "the offsets were not committed: after a restart the group resumes from the last commit",
            "오프셋이 커밋되지 않았습니다. 재시작하면 그룹은 마지막 커밋부터 다시 읽습니다",
        ),
        KeyMoved { .. } => pick(
            "the partition count changed, so hash(key) % partitions points elsewhere: the key's order across partitions is lost",
            "파티션 수가 바뀌어 hash(key) % 파티션 수가 다른 곳을 가리킵니다. 파티션을 넘나드는 키의 순서는 지켜지지 않습니다",
        ),
        Duplicate { .. } => pick(
            "an idempotent producer's retry of a batch already written: the broker answers without writing it again",
            "멱등성 프로듀서가 이미 쓰인 배치를 재시도했습니다. 브로커는 다시 쓰지 않고 응답합니다",
        ),
        _ => return None,
    };
    Some(text)
}

/// How far back a shrink looks for its cause: the fencing or the leader's proposal comes a
/// few events before the change.
const CAUSE_WINDOW: usize = 256;

/// Why an ISR lost members: the nearest earlier fencing of a removed broker, or the leader's
/// proposal of exactly this ISR.
fn isr_shrink(
    entries: &SharedVec<TraceEntry>,
    index: usize,
    partition: TopicPartition,
    from: &[BrokerId],
    to: &[BrokerId],
    lang: Lang,
) -> String {
    let ko = lang == Lang::Ko;
    let removed: Vec<BrokerId> = from.iter().copied().filter(|b| !to.contains(b)).collect();
    let cause = (index.saturating_sub(CAUSE_WINDOW)..index)
        .rev()
        .find_map(|i| match &entries[i].event {
            TraceEvent::Fenced { broker, .. } if removed.contains(broker) => Some(if ko {
                format!("컨트롤러가 {broker}를 펜싱하고(broker.session.timeout.ms 안에 하트비트 없음) 모든 ISR에서 뺐습니다. acks=all과 HW는 더 이상 이 브로커를 기다리지 않습니다")
            } else {
                format!("the controller fenced {broker} (no heartbeat within broker.session.timeout.ms) and removed it from every ISR: acks=all and the HW no longer wait for it")
            }),
            TraceEvent::IsrProposed {
                partition: p,
                to: proposed,
                why,
                ..
            } if *p == partition && proposed == to => Some(match (why.contains("replica.lag.time.max.ms"), ko) {
                (true, false) => "the leader saw a follower not caught up for longer than replica.lag.time.max.ms: it leaves the ISR, so acks=all and the HW no longer wait for it".to_string(),
                (true, true) => "리더가 보기에 팔로워가 replica.lag.time.max.ms보다 오래 따라잡지 못했습니다. 팔로워는 ISR에서 빠지고, acks=all과 HW는 더 이상 기다리지 않습니다".to_string(),
                (false, false) => format!("the leader asked the controller to shrink the ISR ({why}): acks=all and the HW no longer wait for the replicas it removed"),
                (false, true) => format!("리더가 컨트롤러에 ISR 축소를 요청했습니다({}). acks=all과 HW는 빠진 레플리카를 더 이상 기다리지 않습니다", why.ko()),
            }),
            _ => None,
        });
    cause.unwrap_or_else(|| {
        if ko {
            "레플리카가 ISR에서 빠졌습니다. acks=all과 HW는 더 이상 이들을 기다리지 않습니다"
                .to_string()
        } else {
            "replicas left the ISR: acks=all and the HW no longer wait for them".to_string()
        }
    })
}

#[cfg(test)]
mod tests {
    use ksim::kafka::trace::TraceEvent;

    use super::why;

    /// The why of every ISR change, election and fencing in a shipped scenario's run.
    fn whys(file: &str) -> Vec<String> {
        let scenario = crate::tui::tests::shipped(file);
        let seed = scenario.seed.unwrap_or(1);
        let app = crate::tui::app::App::new(scenario, seed, 4096);
        let timeline = app.timeline();
        (0..timeline.entries.len())
            .filter(|&i| {
                matches!(
                    timeline.entries[i].event,
                    TraceEvent::IsrChanged { .. } | TraceEvent::Election { .. }
                )
            })
            .filter_map(|i| why(&timeline.entries, i, ksim::scenario::Lang::En))
            .collect()
    }

    // An ISR that shrinks because the controller fenced a broker says so, not lag; the first
    // leader of a new topic is not an election that fences anyone.
    #[test]
    fn a_fencing_shrink_is_not_blamed_on_lag() {
        let whys = whys("scenarios/lessons/F36-durable-writes.toml");
        assert!(whys[0].starts_with("a new partition"), "{whys:?}");
        assert!(
            whys.iter()
                .any(|w| w.starts_with("the controller fenced b2")),
            "{whys:?}"
        );
        assert!(
            !whys.iter().any(|w| w.contains("replica.lag.time.max.ms")),
            "{whys:?}"
        );
    }

    // A follower that stops fetching leaves the ISR by the leader's lag rule.
    #[test]
    fn a_lagging_follower_shrinks_by_the_lag_rule() {
        let whys = whys("scenarios/isr-shrink-and-rejoin.toml");
        assert!(
            whys.iter()
                .any(|w| w.starts_with("the leader saw a follower not caught up")),
            "{whys:?}"
        );
        assert!(
            whys.iter()
                .any(|w| w.contains("LEO reached the leader's HW")),
            "{whys:?}"
        );
    }
}
