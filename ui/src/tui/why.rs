//! Plain words for the events that teach: why an ISR shrank, why a leader changed, why a
//! record was lost. The trace says what happened; these lines say what it means.

use ksim::engine::ids::{BrokerId, TopicPartition};
use ksim::kafka::trace::{HighWatermarkCause, TraceEntry, TraceEvent};

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
        | PowerLoss { .. }
        | Restart
        | Isolate { .. }
        | NetworkPartition { .. }
        | Heal
        | Slow { .. } => Notable::Fault,
        Election { .. } => Notable::Election,
        IsrChanged { .. } | Truncate { .. } => Notable::Isr,
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
pub fn why(entries: &[TraceEntry], index: usize) -> Option<String> {
    use TraceEvent::*;
    let event = &entries.get(index)?.event;
    let text = match event {
        Crash => "the broker process died: what it appended stays on disk, but it serves no one until it restarts".to_string(),
        PowerLoss { .. } => "the machine lost power: records not yet flushed to disk are gone from this replica".to_string(),
        Restart => "the broker comes back, truncates to what its leaders confirm, catches up, and rejoins the ISR once its LEO reaches the leader's HW".to_string(),
        Isolate { .. } => "every link of this broker is cut: it may still think it leads while the controller elects another".to_string(),
        NetworkPartition { .. } => "brokers on different sides cannot reach each other; a follower cut off from its leader leaves the ISR after replica.lag.time.max.ms".to_string(),
        Heal => "every link works again: cut-off replicas fetch, truncate to the leader's log and catch up".to_string(),
        Slow { .. } => "the broker's links slow down: a follower this slow may fall behind replica.lag.time.max.ms".to_string(),
        HighWatermark { why, .. } => match why {
            HighWatermarkCause::LowestLogEnd { .. } => "the leader's HW is the lowest LEO in the ISR: every record below it is on every ISR replica, so it is committed and readable".to_string(),
            HighWatermarkCause::LeaderAlone { .. } => "the ISR is the leader alone, so its own LEO is the HW: one copy counts as committed".to_string(),
            HighWatermarkCause::FromLeader { .. } => "a follower learns the HW from the leader's fetch response, one round trip behind".to_string(),
        },
        IsrChanged { partition, from, to } if to.len() < from.len() => isr_shrink(entries, index, *partition, from, to),
        IsrChanged { .. } => "a follower's LEO reached the leader's HW: it rejoins the ISR and counts for acks=all and the HW again".to_string(),
        IsrProposed { .. } => "the leader asks the controller to change the ISR; it applies only once the controller agrees".to_string(),
        Election { leader: None, .. } => "no replica in the ISR is alive: the partition is offline until one returns (or an unclean election)".to_string(),
        Election { why, .. } if why.starts_with("topic created") || why.starts_with("partition added") => "a new partition: the controller makes the first replica of its assignment the leader, at epoch 0".to_string(),
        Election { why, .. } if why.contains("UNCLEAN") => "no ISR member is alive and unclean.leader.election.enable=true: a replica outside the ISR leads, and acknowledged records it lacks are lost".to_string(),
        Election { .. } => "the controller picks a live ISR replica as leader and bumps the leader epoch: followers now fetch from it, and what the old leader appends from now on will be truncated".to_string(),
        BecameLeader { .. } => "this replica now takes writes; its log end decides what survives".to_string(),
        Truncate { .. } => "a replica cuts its log back to where the new leader's epoch ends: records the leader lacks are removed (KIP-279)".to_string(),
        RecordsLost { .. } => "records the producer was told were written are gone: the replica that leads now never had them".to_string(),
        RecordsRecovered { .. } => "a replica that kept the records leads again, so they are back".to_string(),
        Fenced { .. } => "no heartbeat within broker.session.timeout.ms: the controller fences the broker, removes it from every ISR and moves its leaderships".to_string(),
        ProduceRejected { .. } => "the broker refused the write; the producer retries retriable errors until delivery.timeout.ms".to_string(),
        ProduceFailed { retry: true, .. } => "a retriable error: the batch goes back to the accumulator and is sent again".to_string(),
        ProduceFailed { .. } => "the producer gave up on these records: their send() callback gets the error".to_string(),
        SendFailed { .. } => "send() itself failed: the record never left the producer".to_string(),
        RebalanceStarted { .. } => "the group stops to hand out partitions again; members rejoin with JoinGroup".to_string(),
        CommitFailed { .. } => "the offsets were not committed: after a restart the group resumes from the last commit".to_string(),
        KeyMoved { .. } => "the partition count changed, so hash(key) % partitions points elsewhere: the key's order across partitions is lost".to_string(),
        Duplicate { .. } => "an idempotent producer's retry of a batch already written: the broker answers without writing it again".to_string(),
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
    entries: &[TraceEntry],
    index: usize,
    partition: TopicPartition,
    from: &[BrokerId],
    to: &[BrokerId],
) -> String {
    let removed: Vec<BrokerId> = from.iter().copied().filter(|b| !to.contains(b)).collect();
    let cause = entries[index.saturating_sub(CAUSE_WINDOW)..index]
        .iter()
        .rev()
        .find_map(|entry| match &entry.event {
            TraceEvent::Fenced { broker, .. } if removed.contains(broker) => {
                Some(format!("the controller fenced {broker} (no heartbeat within broker.session.timeout.ms) and removed it from every ISR: acks=all and the HW no longer wait for it"))
            }
            TraceEvent::IsrProposed {
                partition: p,
                to: proposed,
                why,
                ..
            } if *p == partition && proposed == to => Some(if why.contains("replica.lag.time.max.ms") {
                "the leader saw a follower not caught up for longer than replica.lag.time.max.ms: it leaves the ISR, so acks=all and the HW no longer wait for it".to_string()
            } else {
                format!("the leader asked the controller to shrink the ISR ({why}): acks=all and the HW no longer wait for the replicas it removed")
            }),
            _ => None,
        });
    cause.unwrap_or_else(|| {
        "replicas left the ISR: acks=all and the HW no longer wait for them".to_string()
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
            .filter_map(|i| why(&timeline.entries, i))
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
