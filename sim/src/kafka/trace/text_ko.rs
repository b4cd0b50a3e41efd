//! How each trace event reads in Korean, for the explorer under `--lang ko`: the same facts as
//! `text.rs` in the lessons' terms. Config, API and error names stay as Kafka spells them, and
//! the free-text reasons (`why`, `what`) take their Korean side. The canonical
//! trace, its hash and the JSON Lines output use the English lines only.

use std::fmt::Write as _;

use super::*;

impl TraceEvent {
    pub(super) fn render_ko(&self, names: &Names, out: &mut String) {
        use TraceEvent::*;
        let p = |tp: &TopicPartition| names.partition(*tp);
        let t = |topic: &TopicId| {
            names
                .topics
                .get(topic.0 as usize)
                .map_or("?", String::as_str)
                .to_string()
        };
        let _ = match self {
            Say { text } => write!(out, "설명: {}", text.text(crate::scenario::Lang::Ko)),
            Ask { question } => write!(out, "질문 {question}: 먼저 예측하고 지켜보세요"),
            Crash => write!(out, "프로세스 크래시 (디스크에 추가된 데이터는 남음)"),
            Shutdown => write!(
                out,
                "제어된 종료: 리더 역할을 옮기고 모든 로그를 flush한 뒤 정상 종료를 기록함"
            ),
            PowerLoss { lost } => {
                let _ = write!(out, "전원 끊김");
                if lost.is_empty() {
                    write!(out, " (모두 플러시되어 잃은 것 없음)")
                } else {
                    let parts: Vec<String> = lost
                        .iter()
                        .map(|(tp, from, to)| format!("{} {}..{}", p(tp), to, from))
                        .collect();
                    write!(out, ": 플러시되지 않은 오프셋 사라짐: {}", parts.join(", "))
                }
            }
            Restart => write!(out, "프로세스 재시작"),
            Isolate { broker } => write!(out, "네트워크: {broker} 모두와 격리됨"),
            NetworkPartition { groups } => {
                let groups: Vec<String> = groups.iter().map(|g| brokers(g)).collect();
                write!(out, "네트워크: {}(으)로 분할됨", groups.join(" | "))
            }
            Heal => write!(out, "네트워크: 복구됨, 모든 링크 회복"),
            Slow { broker, latency } => write!(
                out,
                "네트워크: {broker} 지연 {} 추가",
                format_duration(*latency)
            ),
            ClientStarted => write!(out, "시작"),
            ClientStopped => write!(out, "중지"),
            Append {
                partition,
                base,
                count,
                epoch,
                leo,
            } => write!(
                out,
                "{} {} 추가 (에포크 {epoch}), leo {}",
                p(partition),
                range(*base, *count),
                leo
            ),
            Replicate {
                partition,
                leader,
                base,
                count,
                leo,
            } => write!(
                out,
                "{} {leader}에서 {} 복제, leo {}",
                p(partition),
                range(*base, *count),
                leo
            ),
            HighWatermark {
                partition,
                from,
                to,
                why,
            } => {
                let why = match why {
                    HighWatermarkCause::LowestLogEnd { among } => {
                        format!("{} 중 가장 낮은 leo", brokers(among))
                    }
                    HighWatermarkCause::LeaderAlone { isr, leo } => {
                        format!("isr {}이 리더 혼자, leo {leo}", brokers(isr))
                    }
                    HighWatermarkCause::FromLeader { leader } => {
                        format!("리더 {leader}의 페치 응답 값")
                    }
                };
                write!(out, "{} hw {from}→{to} ({why})", p(partition))
            }
            ProduceRejected {
                partition,
                error,
                why,
            } => write!(out, "{} produce 거부: {error} ({})", p(partition), why.ko()),
            IsrProposed {
                partition,
                from,
                to,
                why,
            } => write!(
                out,
                "{} isr {}→{} 제안 ({why})",
                p(partition),
                brokers(from),
                brokers(to),
                why = why.ko()
            ),
            IsrChanged {
                partition,
                from,
                to,
            } => write!(
                out,
                "{} isr {}→{} 변경",
                p(partition),
                brokers(from),
                brokers(to)
            ),
            Election {
                partition,
                leader,
                epoch,
                isr,
                why,
            } => match leader {
                Some(leader) => write!(
                    out,
                    "{} 리더 {leader} 에포크 {epoch} isr {} ({why})",
                    p(partition),
                    brokers(isr),
                    why = why.ko()
                ),
                None => write!(
                    out,
                    "{} 오프라인, 리더 없음, 에포크 {epoch} isr {} ({why})",
                    p(partition),
                    brokers(isr),
                    why = why.ko()
                ),
            },
            BecameLeader {
                partition,
                epoch,
                high_watermark,
                leo,
            } => write!(
                out,
                "{} 리더가 됨, 에포크 {epoch}, hw {high_watermark} leo {leo}",
                p(partition)
            ),
            BecameFollower {
                partition,
                leader,
                epoch,
            } => match leader {
                Some(leader) => {
                    write!(out, "{} {leader}의 팔로워, 에포크 {epoch}", p(partition))
                }
                None => write!(out, "{} 리더 없음, 에포크 {epoch}", p(partition)),
            },
            Truncate {
                partition,
                from,
                to,
                why,
            } => write!(
                out,
                "{} leo {from}→{to}로 잘라냄 ({})",
                p(partition),
                why.ko()
            ),
            TopicCreated {
                topic,
                partitions,
                replication_factor,
                why,
            } => write!(
                out,
                "토픽 {} 생성 (파티션 {partitions}개, 복제 계수 {replication_factor}): {why}",
                t(topic),
                why = why.ko()
            ),
            TopicNotCreated { topic, error, why } => {
                write!(out, "토픽 {}: {error} ({})", t(topic), why.ko())
            }
            TopicDeleted { topic } => write!(
                out,
                "토픽 {} 삭제: 메타데이터에서 빠지고 각 브로커가 레플리카를 지움",
                t(topic)
            ),
            AutoCreateRequested { topic, client } => write!(
                out,
                "토픽 {}이 없음: 컨트롤러에 생성을 요청 ({}의 메타데이터 요청, auto.create.topics.enable=true); 지금은 UNKNOWN_TOPIC_OR_PARTITION으로 답함",
                t(topic),
                names.node(*client)
            ),
            TopicMissing { topic, error, why } => {
                write!(out, "메타데이터: 토픽 {} {error} ({})", t(topic), why.ko())
            }
            ReplicaDeleted { partition, records } => write!(
                out,
                "{} 토픽과 함께 레플리카 삭제 (레코드 {records}개)",
                p(partition)
            ),
            SegmentRolled {
                partition,
                base,
                why,
            } => write!(
                out,
                "{} 오프셋 {base}에서 새 세그먼트 시작 ({why})",
                p(partition),
                why = why.ko()
            ),
            SegmentsDeleted {
                partition,
                segments,
                records,
                log_start,
                why,
            } => {
                let bases: Vec<String> = segments.iter().map(|o| o.to_string()).collect();
                let _ = write!(
                    out,
                    "{} 세그먼트 [{}] 삭제 (레코드 {records}개), ",
                    p(partition),
                    bases.join(", ")
                );
                if log_start.0 == log_start.1 {
                    write!(out, "log start {} 그대로 ({})", log_start.1, why.ko())
                } else {
                    write!(
                        out,
                        "log start {}→{} ({})",
                        log_start.0,
                        log_start.1,
                        why.ko()
                    )
                }
            }
            LogCleaned {
                partition,
                from,
                to,
                superseded,
                tombstones,
                why,
            } => {
                let list = |offsets: &[Offset]| -> String {
                    let shown: Vec<String> =
                        offsets.iter().take(12).map(|o| o.to_string()).collect();
                    let more = offsets.len().saturating_sub(12);
                    if more > 0 {
                        format!("{}, … +{more}", shown.join(", "))
                    } else {
                        shown.join(", ")
                    }
                };
                let last = Offset(to.0.saturating_sub(1).max(from.0));
                let _ = write!(out, "{} 오프셋 {from}..{last} 컴팩션: ", p(partition));
                let _ = if superseded.is_empty() {
                    write!(out, "대체된 레코드 없음")
                } else {
                    write!(
                        out,
                        "{} 제거 (같은 키의 나중 레코드가 있음)",
                        list(superseded)
                    )
                };
                if !tombstones.is_empty() {
                    let _ = write!(
                        out,
                        ", 툼스톤 {} 제거 (delete horizon 지남)",
                        list(tombstones)
                    );
                }
                write!(out, " ({})", why.ko())
            }
            Fenced { broker, why } => write!(out, "{broker} 펜싱 ({})", why.ko()),
            Unfenced { broker } => write!(out, "{broker} 펜싱 해제 (메타데이터를 따라잡음)"),
            RegistrationRefused { broker } => write!(
                out,
                "{broker}의 새 등록 거부: 이전 세션이 아직 유효함 (DuplicateBrokerRegistrationException); 다시 시도함"
            ),
            BouncedBrokerKeptIsr { broker } => write!(
                out,
                "이전 세션이 만료되기 전에 {broker}를 다시 등록: 실패로 보지 않아 ISR 자리를 지킴 (KIP-380 이전, Kafka 2.2)"
            ),
            Loaded {
                partition,
                leo,
                high_watermark,
            } => write!(
                out,
                "{} 로그 적재, leo {leo}, hw {high_watermark} (체크포인트에서)",
                p(partition)
            ),
            Flush { partition, to } => {
                write!(out, "{} {to}까지 디스크에 플러시", p(partition))
            }
            Metadata { leaders } if leaders.is_empty() => {
                write!(out, "메타데이터: 시나리오의 토픽이 아직 하나도 없음")
            }
            Metadata { leaders } => write!(out, "메타데이터: {leaders}"),
            Duplicate {
                partition,
                base,
                count,
            } => write!(
                out,
                "{} 이미 기록된 {}의 중복: 다시 확인 응답하고 추가하지 않음 (멱등성)",
                p(partition),
                range(*base, *count)
            ),
            ProducerEpochBumped { epoch } => write!(
                out,
                "프로듀서 에포크가 {epoch}(으)로 올라감: 확인 응답받지 못한 배치는 시퀀스 0부터 다시 번호를 받음 (KIP-360)"
            ),
            KeyMoved {
                key,
                from,
                to,
                partitions_before,
                partitions_now,
            } => write!(
                out,
                "키 {key} 이동 {} → {}: murmur2 mod {partitions_before} 대신 mod {partitions_now}; 이전 레코드는 {}에 남아 두 파티션 사이의 순서가 사라짐",
                p(from),
                p(to),
                p(from)
            ),
            ConnectionRefused { broker, retry_at } => write!(
                out,
                "{broker} 연결 거부; 배치는 accumulator에서 기다리고 다음 시도는 {retry_at}, 이후 reconnect.backoff.max.ms까지 백오프"
            ),
            ConnectionAccepted { broker, sent_at } => {
                write!(out, "{broker} 연결 수락: 기다리던 배치가 {sent_at}에 나감")
            }
            ProduceSent {
                partition,
                to,
                count,
                first,
                attempt,
                compressed,
            } => {
                let _ = write!(
                    out,
                    "{} {}를 {to}에 보냄",
                    p(partition),
                    records(*count, *first)
                );
                if let Some((codec, before, after)) = compressed {
                    let _ = write!(out, " ({codec}: {before} → {after}바이트)");
                }
                if *attempt > 1 {
                    write!(out, " ({attempt}번째 시도)")
                } else {
                    Ok(())
                }
            }
            SendBlocked { since, why } => write!(out, "send()가 {since}부터 막힘: {}", why.ko()),
            SendFailed { record, error } => {
                write!(out, "레코드 #{record}의 send() 실패: {error}")
            }
            ProduceAcked {
                partition,
                base,
                count,
                first,
            } => write!(
                out,
                "{} {} 확인 응답, {}",
                p(partition),
                records(*count, *first),
                range(*base, *count)
            ),
            ProduceFailed {
                partition,
                count,
                first,
                error,
                retry,
            } => write!(
                out,
                "{} {} {error}, {}",
                p(partition),
                records(*count, *first),
                if *retry { "재시도 예정" } else { "실패" }
            ),
            RecordsLost {
                partition,
                count,
                values,
                why,
            } => write!(
                out,
                "{} 확인 응답받은 레코드 {count}개 유실 [{values}] ({why})",
                p(partition),
                why = why.ko()
            ),
            RecordsRecovered {
                partition,
                count,
                values,
                why,
            } => write!(
                out,
                "{} 유실로 보고된 확인 응답 레코드 {count}개가 돌아옴 [{values}] ({why})",
                p(partition),
                why = why.ko()
            ),
            Consumed {
                partition,
                from,
                to,
                values,
            } => write!(
                out,
                "{} 오프셋 {from}..{} 받음 [{values}]",
                p(partition),
                to.0.saturating_sub(1)
            ),
            OffsetReset { partition, to, why } => {
                write!(
                    out,
                    "{} 위치를 {to}(으)로 재설정 ({})",
                    p(partition),
                    why.ko()
                )
            }
            Assigned { partitions } => {
                let parts: Vec<String> = partitions.iter().map(p).collect();
                write!(out, "[{}] 할당받음", parts.join(", "))
            }
            ConsumerError { partition, error } => {
                write!(out, "{} 페치 오류 {error}", p(partition))
            }
            GroupMember {
                group,
                member,
                what,
            } => write!(out, "그룹 {group}: 멤버 {member} {}", what.ko()),
            RebalanceStarted {
                group,
                generation,
                why,
            } => write!(
                out,
                "그룹 {group}: 세대 {generation} 뒤 리밸런스 ({})",
                why.ko()
            ),
            JoinCompleted {
                group,
                generation,
                protocol,
                leader,
                members,
            } => write!(
                out,
                "그룹 {group}: 세대 {generation}에 멤버 {}명 참여 [{}], 프로토콜 {protocol}, 리더 {leader}가 할당을 계산",
                members.len(),
                members.join(", ")
            ),
            GroupStable {
                group,
                generation,
                protocol,
                assignment,
            } => {
                let parts: Vec<String> = assignment
                    .iter()
                    .map(|(m, tps)| {
                        let tps: Vec<String> = tps.iter().map(p).collect();
                        format!("{m}: [{}]", tps.join(", "))
                    })
                    .collect();
                write!(
                    out,
                    "그룹 {group}: 세대 {generation} 안정 ({protocol}) {}",
                    parts.join("; ")
                )
            }
            GroupEmpty { group, generation } => {
                write!(out, "그룹 {group}: 세대 {generation}에 멤버 없음 (Empty)")
            }
            GroupLoaded {
                group,
                generation,
                members,
                offsets,
            } => write!(
                out,
                "그룹 {group}: 새 코디네이터가 __consumer_offsets에서 적재: 세대 {generation}, 멤버 {members}명, 커밋된 오프셋 {offsets}개"
            ),
            OffsetsCommitted { group, offsets } => {
                let parts: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| format!("{}={o}", p(tp)))
                    .collect();
                write!(
                    out,
                    "그룹 {group}: 오프셋 커밋 [{}] (__consumer_offsets에 복제됨)",
                    parts.join(", ")
                )
            }
            Membership { what } => write!(out, "멤버십: {}", what.ko()),
            TxnState {
                txn,
                from,
                to,
                producer,
                epoch,
                why,
            } => write!(
                out,
                "트랜잭션 {txn}: {from} → {to} (프로듀서 id {producer}, 에포크 {epoch}; {why})",
                why = why.ko()
            ),
            TxnMarker {
                partition,
                control,
                producer,
                epoch,
                offset,
                last_stable_offset,
            } => write!(
                out,
                "{} 오프셋 {offset}에 프로듀서 id {producer} 에포크 {epoch}의 {control} 마커; lso {last_stable_offset}",
                p(partition)
            ),
            Transaction { what } => write!(out, "트랜잭션: {}", what.ko()),
            TxnOffsets {
                group,
                producer,
                outcome,
                offsets,
            } => {
                let parts: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| format!("{}={o}", p(tp)))
                    .collect();
                let what = match outcome.as_str() {
                    "pending" => "트랜잭션이 끝날 때까지 보류 (TxnOffsetCommit 복제됨)",
                    "committed" => "커밋 마커로 커밋됨",
                    _ => "중단 마커로 버려짐",
                };
                write!(
                    out,
                    "그룹 {group}: 프로듀서 id {producer}의 트랜잭션 오프셋 [{}] {what}",
                    parts.join(", ")
                )
            }
            Streams { what } => write!(out, "Kafka Streams: {}", what.ko()),
            ElrChanged {
                partition,
                from,
                to,
                why,
            } => write!(
                out,
                "{} elr {}→{} 변경 ({})",
                p(partition),
                brokers(from),
                brokers(to),
                why.ko()
            ),
            Revoked { partitions, why } => {
                let parts: Vec<String> = partitions.iter().map(p).collect();
                write!(out, "[{}] 회수됨 ({})", parts.join(", "), why.ko())
            }
            Processed { count, values } => {
                write!(out, "레코드 {count}개 처리 [{values}]")
            }
            CommitSent { offsets, how } => {
                let parts: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| format!("{}={o}", p(tp)))
                    .collect();
                write!(out, "커밋 요청 보냄 ({}) [{}]", how.ko(), parts.join(", "))
            }
            CommitFailed { error, why } => write!(out, "커밋 실패: {error} ({})", why.ko()),
        };
    }
}

fn range(base: Offset, count: u32) -> String {
    match count {
        0 => "없음".to_string(),
        1 => format!("오프셋 {base}"),
        _ => format!("오프셋 {}..{}", base, base.0 + count as u64 - 1),
    }
}

fn records(count: u32, first: u32) -> String {
    match count {
        1 => format!("레코드 #{first}"),
        _ => format!("레코드 {count}개 #{first}.."),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::engine::ids::{LeaderEpoch, ProducerIdx};
    use crate::scenario::Lang;

    /// Each variant's place in the enum. The match has no wildcard: a new variant does not
    /// compile here until it is given a number and a sample below.
    fn number(event: &TraceEvent) -> usize {
        use TraceEvent::*;
        match event {
            Say { .. } => 0,
            Ask { .. } => 1,
            Crash => 2,
            PowerLoss { .. } => 3,
            Restart => 4,
            Isolate { .. } => 5,
            NetworkPartition { .. } => 6,
            Heal => 7,
            Slow { .. } => 8,
            ClientStarted => 9,
            ClientStopped => 10,
            Append { .. } => 11,
            Replicate { .. } => 12,
            HighWatermark { .. } => 13,
            ProduceRejected { .. } => 14,
            IsrProposed { .. } => 15,
            IsrChanged { .. } => 16,
            Election { .. } => 17,
            BecameLeader { .. } => 18,
            BecameFollower { .. } => 19,
            Truncate { .. } => 20,
            TopicCreated { .. } => 21,
            TopicNotCreated { .. } => 22,
            TopicDeleted { .. } => 23,
            AutoCreateRequested { .. } => 24,
            TopicMissing { .. } => 25,
            ReplicaDeleted { .. } => 26,
            SegmentRolled { .. } => 27,
            SegmentsDeleted { .. } => 28,
            LogCleaned { .. } => 29,
            Fenced { .. } => 30,
            Unfenced { .. } => 31,
            RegistrationRefused { .. } => 32,
            BouncedBrokerKeptIsr { .. } => 33,
            Loaded { .. } => 34,
            Flush { .. } => 35,
            Metadata { .. } => 36,
            Duplicate { .. } => 37,
            ProducerEpochBumped { .. } => 38,
            KeyMoved { .. } => 39,
            ConnectionRefused { .. } => 40,
            ConnectionAccepted { .. } => 41,
            ProduceSent { .. } => 42,
            SendBlocked { .. } => 43,
            SendFailed { .. } => 44,
            ProduceAcked { .. } => 45,
            ProduceFailed { .. } => 46,
            RecordsLost { .. } => 47,
            RecordsRecovered { .. } => 48,
            Consumed { .. } => 49,
            OffsetReset { .. } => 50,
            Assigned { .. } => 51,
            ConsumerError { .. } => 52,
            GroupMember { .. } => 53,
            RebalanceStarted { .. } => 54,
            JoinCompleted { .. } => 55,
            GroupStable { .. } => 56,
            GroupEmpty { .. } => 57,
            GroupLoaded { .. } => 58,
            OffsetsCommitted { .. } => 59,
            Membership { .. } => 60,
            Revoked { .. } => 61,
            Processed { .. } => 62,
            CommitSent { .. } => 63,
            CommitFailed { .. } => 64,
            TxnState { .. } => 65,
            TxnMarker { .. } => 66,
            Transaction { .. } => 67,
            TxnOffsets { .. } => 68,
            Streams { .. } => 69,
            ElrChanged { .. } => 70,
            Shutdown => 71,
        }
    }
    const VARIANTS: usize = 72;

    /// One event of every variant, with the fields a line shows.
    fn samples() -> Vec<TraceEvent> {
        use TraceEvent::*;
        let tp = TopicPartition::new(TopicId(0), 1);
        let b = BrokerId;
        let s = |text: &str| text.to_string();
        vec![
            Say {
                text: crate::scenario::Narration {
                    en: s("The leader fails."),
                    ko: Some(s("리더가 죽습니다.")),
                },
            },
            Ask { question: s("q1") },
            Crash,
            PowerLoss {
                lost: vec![(tp, Offset(5), Offset(3))],
            },
            Restart,
            Isolate { broker: b(1) },
            NetworkPartition {
                groups: vec![vec![b(1)], vec![b(2), b(3)]],
            },
            Heal,
            Slow {
                broker: b(2),
                latency: SimTime::from_millis(200),
            },
            ClientStarted,
            ClientStopped,
            Append {
                partition: tp,
                base: Offset(0),
                count: 2,
                epoch: LeaderEpoch(1),
                leo: Offset(2),
            },
            Replicate {
                partition: tp,
                leader: b(1),
                base: Offset(0),
                count: 1,
                leo: Offset(1),
            },
            HighWatermark {
                partition: tp,
                from: Offset(0),
                to: Offset(2),
                why: HighWatermarkCause::LowestLogEnd {
                    among: vec![b(1), b(2)],
                },
            },
            ProduceRejected {
                partition: tp,
                error: s("NOT_ENOUGH_REPLICAS"),
                why: crate::kafka::trace::Why::verbatim("isr [1] < min.insync.replicas=2"),
            },
            IsrProposed {
                partition: tp,
                from: vec![b(1), b(2)],
                to: vec![b(1)],
                why: crate::kafka::trace::Why::verbatim("replica.lag.time.max.ms"),
            },
            IsrChanged {
                partition: tp,
                from: vec![b(1), b(2)],
                to: vec![b(1)],
            },
            Election {
                partition: tp,
                leader: Some(b(2)),
                epoch: LeaderEpoch(2),
                isr: vec![b(2)],
                why: crate::kafka::trace::Why::verbatim("b1 fenced"),
            },
            BecameLeader {
                partition: tp,
                epoch: LeaderEpoch(2),
                high_watermark: Offset(3),
                leo: Offset(4),
            },
            BecameFollower {
                partition: tp,
                leader: None,
                epoch: LeaderEpoch(2),
            },
            Truncate {
                partition: tp,
                from: Offset(5),
                to: Offset(3),
                why: crate::kafka::trace::Why::verbatim("leader epoch"),
            },
            TopicCreated {
                topic: TopicId(0),
                partitions: 3,
                replication_factor: 3,
                why: crate::kafka::trace::Why::verbatim("scenario"),
            },
            TopicNotCreated {
                topic: TopicId(0),
                error: s("INVALID_REPLICATION_FACTOR"),
                why: crate::kafka::trace::Why::verbatim("2 brokers"),
            },
            TopicDeleted { topic: TopicId(0) },
            AutoCreateRequested {
                topic: TopicId(0),
                client: NodeId::Producer(ProducerIdx(0)),
            },
            TopicMissing {
                topic: TopicId(0),
                error: s("UNKNOWN_TOPIC_OR_PARTITION"),
                why: crate::kafka::trace::Why::verbatim("not created"),
            },
            ReplicaDeleted {
                partition: tp,
                records: 4,
            },
            SegmentRolled {
                partition: tp,
                base: Offset(8),
                why: crate::kafka::trace::Why::verbatim("segment.bytes"),
            },
            SegmentsDeleted {
                partition: tp,
                segments: vec![Offset(0)],
                records: 8,
                log_start: (Offset(0), Offset(8)),
                why: crate::kafka::trace::Why::verbatim("retention.ms"),
            },
            LogCleaned {
                partition: tp,
                from: Offset(0),
                to: Offset(8),
                superseded: vec![Offset(1)],
                tombstones: vec![Offset(2)],
                why: crate::kafka::trace::Why::verbatim("min.cleanable.dirty.ratio"),
            },
            Fenced {
                broker: b(1),
                why: crate::kafka::trace::Why::verbatim("broker.session.timeout.ms"),
            },
            Unfenced { broker: b(1) },
            RegistrationRefused { broker: b(1) },
            BouncedBrokerKeptIsr { broker: b(1) },
            Loaded {
                partition: tp,
                leo: Offset(4),
                high_watermark: Offset(3),
            },
            Flush {
                partition: tp,
                to: Offset(4),
            },
            Metadata {
                leaders: s("orders-0 b1"),
            },
            Duplicate {
                partition: tp,
                base: Offset(0),
                count: 2,
            },
            ProducerEpochBumped { epoch: 1 },
            KeyMoved {
                key: s("user-1"),
                from: tp,
                to: TopicPartition::new(TopicId(0), 3),
                partitions_before: 2,
                partitions_now: 4,
            },
            ConnectionRefused {
                broker: b(1),
                retry_at: SimTime::from_millis(50),
            },
            ConnectionAccepted {
                broker: b(1),
                sent_at: SimTime::from_millis(60),
            },
            ProduceSent {
                partition: tp,
                to: b(1),
                count: 3,
                first: 0,
                attempt: 2,
                compressed: Some(("lz4", 300, 120)),
            },
            SendBlocked {
                since: SimTime::from_millis(5),
                why: crate::kafka::trace::Why::verbatim("buffer.memory"),
            },
            SendFailed {
                record: 4,
                error: s("TimeoutException"),
            },
            ProduceAcked {
                partition: tp,
                base: Offset(0),
                count: 1,
                first: 0,
            },
            ProduceFailed {
                partition: tp,
                count: 2,
                first: 1,
                error: s("NOT_LEADER_OR_FOLLOWER"),
                retry: true,
            },
            RecordsLost {
                partition: tp,
                count: 1,
                values: s("v3"),
                why: crate::kafka::trace::Why::verbatim("truncated"),
            },
            RecordsRecovered {
                partition: tp,
                count: 1,
                values: s("v3"),
                why: crate::kafka::trace::Why::verbatim("rewritten"),
            },
            Consumed {
                partition: tp,
                from: Offset(0),
                to: Offset(2),
                values: s("v0, v1"),
            },
            OffsetReset {
                partition: tp,
                to: Offset(0),
                why: crate::kafka::trace::Why::verbatim("auto.offset.reset=earliest"),
            },
            Assigned {
                partitions: vec![tp],
            },
            ConsumerError {
                partition: tp,
                error: s("FENCED_LEADER_EPOCH"),
            },
            GroupMember {
                group: s("g"),
                member: s("c1-1"),
                what: crate::kafka::trace::Why::verbatim("joined"),
            },
            RebalanceStarted {
                group: s("g"),
                generation: 1,
                why: crate::kafka::trace::Why::verbatim("a member joined"),
            },
            JoinCompleted {
                group: s("g"),
                generation: 2,
                protocol: s("range"),
                leader: s("c1-1"),
                members: vec![s("c1-1"), s("c2-1")],
            },
            GroupStable {
                group: s("g"),
                generation: 2,
                protocol: s("range"),
                assignment: vec![(s("c1-1"), vec![tp])],
            },
            GroupEmpty {
                group: s("g"),
                generation: 3,
            },
            GroupLoaded {
                group: s("g"),
                generation: 2,
                members: 2,
                offsets: 1,
            },
            OffsetsCommitted {
                group: s("g"),
                offsets: vec![(tp, Offset(2))],
            },
            Membership {
                what: crate::kafka::trace::Why::verbatim("left"),
            },
            Revoked {
                partitions: vec![tp],
                why: crate::kafka::trace::Why::verbatim("rebalance"),
            },
            Processed {
                count: 2,
                values: s("v0, v1"),
            },
            CommitSent {
                offsets: vec![(tp, Offset(2))],
                how: crate::kafka::trace::Why::verbatim("commitSync"),
            },
            CommitFailed {
                error: s("REBALANCE_IN_PROGRESS"),
                why: crate::kafka::trace::Why::verbatim("generation moved on"),
            },
            TxnState {
                txn: s("t1"),
                from: s("Ongoing"),
                to: s("PrepareCommit"),
                producer: 7,
                epoch: 0,
                why: crate::kafka::trace::Why::verbatim("EndTxn"),
            },
            TxnMarker {
                partition: tp,
                control: s("COMMIT"),
                producer: 7,
                epoch: 0,
                offset: Offset(4),
                last_stable_offset: Offset(5),
            },
            Transaction {
                what: crate::kafka::trace::Why::verbatim("begins"),
            },
            TxnOffsets {
                group: s("g"),
                producer: 7,
                outcome: s("pending"),
                offsets: vec![(tp, Offset(2))],
            },
            Streams {
                what: crate::kafka::trace::why!("task 0_1 assigned" ; "태스크 0_1 배정"),
            },
            ElrChanged {
                partition: tp,
                from: vec![],
                to: vec![b(2)],
                why: crate::kafka::trace::Why::verbatim("isr [1] below min.insync.replicas=2"),
            },
            Shutdown,
        ]
    }

    fn names() -> Names {
        Names {
            scenario: s("s"),
            seed: 1,
            topics: vec![s("orders")],
            producers: vec![s("p1")],
            consumers: vec![s("c1")],
        }
    }

    fn s(text: &str) -> String {
        text.to_string()
    }

    // Every variant has a sample, and its Korean line speaks Korean (some Hangul in it) while
    // keeping the English line's names and numbers: the partition, a config name.
    #[test]
    fn every_event_has_a_korean_line() {
        let samples = samples();
        let numbers: BTreeSet<usize> = samples.iter().map(number).collect();
        assert_eq!(numbers, (0..VARIANTS).collect(), "a variant has no sample");
        let trace = Trace::new(names());
        for event in &samples {
            let ko = trace.event_text_in(event, Lang::Ko);
            let en = trace.event_text_in(event, Lang::En);
            assert_eq!(
                en,
                trace.event_text(event),
                "English stays the canonical line"
            );
            assert!(
                ko.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
                "{} has no Korean line: {ko}",
                event.kind()
            );
            assert_ne!(ko, en);
            for word in [
                "orders-1",
                "min.insync.replicas",
                "broker.session.timeout.ms",
            ] {
                assert_eq!(
                    en.contains(word),
                    ko.contains(word),
                    "{word} in {en} / {ko}"
                );
            }
        }
    }

    // The Korean line of an entry keeps the English line's time and node columns.
    #[test]
    fn korean_lines_keep_the_columns() {
        let trace = Trace::new(names());
        let entry = TraceEntry {
            time: SimTime::from_millis(2),
            node: NodeId::Broker(BrokerId(1)),
            event: TraceEvent::Crash,
        };
        let en = trace.entry_line_in(&entry, Lang::En);
        let ko = trace.entry_line_in(&entry, Lang::Ko);
        assert_eq!(en, trace.entry_line(&entry));
        assert_eq!(en[..21], ko[..21]);
        assert!(ko.ends_with("프로세스 크래시 (디스크에 추가된 데이터는 남음)"));
    }
}
