//! Plain words for the events that teach: why an ISR shrank, why a leader changed, why a
//! record was lost. The trace says what happened; these lines say what it means.

use ksim::trace::{HighWatermarkCause, TraceEvent};

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

/// One line on why a notable event happened and what follows from it.
pub fn why(event: &TraceEvent) -> Option<String> {
    use TraceEvent::*;
    let text = match event {
        Crash => "the broker process died: what it appended stays on disk, but it serves no one until it restarts".to_string(),
        PowerLoss { .. } => "the machine lost power: records not yet flushed to disk are gone from this replica".to_string(),
        Restart => "the broker comes back, truncates to what its leaders confirm, and catches up before rejoining the ISR".to_string(),
        Isolate { .. } => "every link of this broker is cut: it may still think it leads while the controller elects another".to_string(),
        NetworkPartition { .. } => "brokers on different sides cannot reach each other; followers cut off from a leader fall out of its ISR".to_string(),
        Heal => "every link works again: cut-off replicas fetch, truncate to the leader's log and catch up".to_string(),
        Slow { .. } => "the broker's links slow down: a follower this slow may fall behind replica.lag.time.max.ms".to_string(),
        HighWatermark { why, .. } => match why {
            HighWatermarkCause::LowestLogEnd { .. } => "the leader's HW is the lowest LEO in the ISR: every record below it is on every ISR replica, so it is committed and readable".to_string(),
            HighWatermarkCause::LeaderAlone { .. } => "the ISR is the leader alone, so its own LEO is the HW: one copy counts as committed".to_string(),
            HighWatermarkCause::FromLeader { .. } => "a follower learns the HW from the leader's fetch response, one round trip behind".to_string(),
        },
        IsrChanged { from, to, .. } if to.len() < from.len() => "a follower stopped keeping up within replica.lag.time.max.ms: it leaves the ISR, so acks=all and the HW no longer wait for it".to_string(),
        IsrChanged { .. } => "a follower caught up to the leader's log end: it rejoins the ISR and counts for acks=all again".to_string(),
        IsrProposed { .. } => "the leader asks the controller to change the ISR; it applies only once the controller agrees".to_string(),
        Election { leader: None, .. } => "no replica in the ISR is alive: the partition is offline until one returns (or an unclean election)".to_string(),
        Election { .. } => "the controller picks a live ISR replica as leader and bumps the leader epoch, so the old leader's writes are fenced".to_string(),
        BecameLeader { .. } => "this replica now takes writes; its log end decides what survives".to_string(),
        Truncate { .. } => "a replica cuts its log back to where the new leader's epoch ends: records the leader lacks are removed (KIP-279)".to_string(),
        RecordsLost { .. } => "records the producer was told were written are gone: the replica that leads now never had them".to_string(),
        RecordsRecovered { .. } => "a replica that kept the records leads again, so they are back".to_string(),
        Fenced { .. } => "no heartbeat within broker.session.timeout.ms: the controller fences the broker and moves its leaderships".to_string(),
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
