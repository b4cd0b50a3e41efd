//! The ledger: the fate of every record a producer sent, computed from the run (the
//! producers' callbacks, the final logs, the losses the engine noticed), never asserted.
//!
//! A record is acknowledged when its callback succeeded, lost when it was acknowledged and
//! no longer appears in its partition's log, duplicated when the log holds it twice (a retry
//! after a lost response), reordered when it sits after a record its producer sent later.
//! Keys are followed too: a key moved when its producer hashed it to another partition than
//! before (partition growth), and a key is split when its records sit in more than one
//! partition, where no consumer is guaranteed to read them in send order; a keyed record is
//! reordered as consumed when a consumer received it after a record of its key sent later.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::clients::producer::Outcome;
use crate::engine::ids::{ProducerIdx, RecordId, TopicId, TopicPartition};
use crate::kafka::log::ReplicaLog;
use crate::world::World;

#[derive(Clone, Debug)]
pub struct Ledger {
    pub records: Vec<RecordFate>,
    pub summary: LedgerSummary,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerSummary {
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    /// Sent but neither acknowledged nor failed when the run ended.
    pub pending: u64,
    /// Below the high watermark of the partition at some point: replicated to the ISR.
    pub committed: u64,
    /// Acknowledged, then gone from the partition's log.
    pub acked_lost: u64,
    /// Acknowledged, then removed by the log cleanup its topic asks for: deleted by retention
    /// or compacted away (R10). Not a loss: the configuration said so.
    pub removed: u64,
    /// Present more than once in the final log.
    pub duplicated: u64,
    /// Placed in the final log after a record its producer sent later to the same partition:
    /// order in the log.
    pub reordered: u64,
    /// Keyed records a consumer received after a record of the same key that its producer sent
    /// later (each record's first delivery to each consumer, counted once per record): order
    /// per key as consumed, which keys spread over partitions break without any reordering in
    /// a log.
    pub reordered_as_consumed: u64,
    /// Keys a producer hashed to another partition than its earlier records of the key, once
    /// per producer, topic and key: what adding partitions does (R7.6).
    pub moved_keys: u64,
    /// Keys whose records sit in more than one partition of the final logs, once per producer,
    /// topic and key: their order across partitions is lost (a consumer may read a later
    /// record first).
    pub keys_split: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Pending,
    Acked,
    Failed,
    Lost,
    /// Removed by retention or compaction, as the topic's settings ask.
    Removed,
}

#[derive(Clone, Debug)]
pub struct RecordFate {
    pub id: RecordId,
    pub value: String,
    pub key: Option<String>,
    /// `None` for a record that failed before it was given a partition (no metadata).
    pub partition: Option<TopicPartition>,
    pub fate: Fate,
    /// The offset the producer was told (acks=1/all), if acknowledged.
    pub offset: Option<u64>,
    /// The error that failed it, by Kafka's name.
    pub error: Option<String>,
    pub committed: bool,
    pub duplicated: bool,
    pub reordered: bool,
    /// A consumer received it after a later-sent record of its key (`reordered_as_consumed`).
    pub reordered_as_consumed: bool,
    /// The trace line of the event that lost it.
    pub decided_by: Option<String>,
}

/// The log that holds a partition's data at the end: its leader's, or, while it is offline,
/// the log of the ISR member that will lead when it returns.
pub fn authoritative_log(world: &World, tp: TopicPartition) -> Option<&ReplicaLog> {
    let image = world.controller().image();
    let state = image.partition(tp)?;
    let broker = state.leader.or_else(|| {
        state
            .replicas
            .iter()
            .find(|b| state.isr.contains(b))
            .copied()
    })?;
    world.brokers()[broker.0 as usize - 1]
        .replicas
        .get(&tp)
        .map(|r| &r.log)
}

/// What the final logs say of each record, in compact per-producer arrays, and the counts the
/// summary needs.
struct FinalLogs {
    copies: Vec<Vec<u8>>,
    reordered: Vec<Vec<bool>>,
    keys_split: u64,
    /// Records present more than once, and records placed after a later-sent one.
    duplicated: u64,
    reordered_count: u64,
}

fn read_final_logs(world: &World) -> FinalLogs {
    let producers = world.producers();
    // How many times each record appears in the final logs, and whether it sits after a
    // record its producer sent later to the same partition.
    let mut copies: Vec<Vec<u8>> = producers.iter().map(|p| vec![0; p.records.len()]).collect();
    let mut reordered: Vec<Vec<bool>> = producers
        .iter()
        .map(|p| vec![false; p.records.len()])
        .collect();
    // Per (producer, topic, key), the first partition holding one of its records, and whether
    // another partition holds one too.
    let mut key_partitions: BTreeMap<(usize, TopicId, Arc<str>), (u32, bool)> = BTreeMap::new();
    let keyed: Vec<bool> = producers.iter().map(|p| p.sends_keys()).collect();
    let (mut duplicated, mut reordered_count) = (0, 0);
    let image = world.controller().image();
    for (tp, _) in image.partitions() {
        let Some(log) = authoritative_log(world, tp) else {
            continue;
        };
        // Per producer, the highest send number seen so far in this partition.
        let mut highest: Vec<Option<u32>> = vec![None; producers.len()];
        for batch in log.batches() {
            if let Some((p, run)) = fresh_run(&batch.records, &copies, &keyed) {
                // The common case, a batch of consecutive records none seen before, at once.
                copies[p][run.clone()].fill(1);
                let (first, end) = (run.start as u32, run.end as u32);
                match highest[p] {
                    Some(top) if first < top => {
                        let late = first..end.min(top);
                        reordered[p][late.start as usize..late.end as usize].fill(true);
                        reordered_count += u64::from(late.end - late.start);
                        if end - 1 > top {
                            highest[p] = Some(end - 1);
                        }
                    }
                    _ => highest[p] = Some(end - 1),
                }
                continue;
            }
            for r in batch.records.iter() {
                let (p, n) = (r.producer.0 as usize, r.n as usize);
                let Some(count) = copies.get_mut(p).and_then(|c| c.get_mut(n)) else {
                    continue;
                };
                *count = count.saturating_add(1);
                if *count == 2 {
                    duplicated += 1;
                }
                if *count > 1 {
                    continue;
                }
                if keyed[p]
                    && let Some(key) = producers[p].key_of(r.n)
                {
                    key_partitions
                        .entry((p, tp.topic, key.clone()))
                        .and_modify(|(first, split)| *split |= *first != tp.partition)
                        .or_insert((tp.partition, false));
                }
                match highest[p] {
                    Some(top) if r.n < top => {
                        reordered[p][n] = true;
                        reordered_count += 1;
                    }
                    _ => highest[p] = Some(r.n),
                }
            }
        }
    }
    let keys_split = key_partitions.values().filter(|(_, split)| *split).count() as u64;
    FinalLogs {
        copies,
        reordered,
        keys_split,
        duplicated,
        reordered_count,
    }
}

/// When a batch's records are consecutive sends of one producer that does not send keys, none
/// of them yet seen in a final log: the producer and the range of send numbers.
fn fresh_run(
    records: &[RecordId],
    copies: &[Vec<u8>],
    keyed: &[bool],
) -> Option<(usize, std::ops::Range<usize>)> {
    let (producer, run) = RecordId::consecutive_run(records)?;
    let (p, start, end) = (producer.0 as usize, run.start as usize, run.end as usize);
    let seen = copies.get(p)?.get(start..end)?;
    (!keyed[p] && seen.iter().all(|&c| c == 0)).then_some((p, start..end))
}

/// Per producer and record: whether some consumer received it after a record of the same key
/// that the producer sent later. Only each record's first delivery to a consumer counts: a
/// second one (after a rebalance or a reset) is a redelivery, not a reordering.
fn read_consumed_order(world: &World) -> Vec<Vec<bool>> {
    let producers = world.producers();
    let mut out_of_order: Vec<Vec<bool>> = producers
        .iter()
        .map(|p| vec![false; p.records.len()])
        .collect();
    for consumer in world.consumers() {
        let mut delivered: Vec<Vec<bool>> = producers
            .iter()
            .map(|p| vec![false; p.records.len()])
            .collect();
        // Per (producer, key), the highest send number received so far.
        let mut highest: BTreeMap<(usize, &Arc<str>), u32> = BTreeMap::new();
        for (_, _, r) in consumer.received.iter() {
            let (p, n) = (r.producer.0 as usize, r.n as usize);
            let Some(seen) = delivered.get_mut(p).and_then(|d| d.get_mut(n)) else {
                continue;
            };
            if std::mem::replace(seen, true) {
                continue;
            }
            let Some(key) = producers[p].key_of(r.n) else {
                continue;
            };
            match highest.get_mut(&(p, key)) {
                Some(top) if r.n < *top => out_of_order[p][n] = true,
                Some(top) => *top = r.n,
                None => {
                    highest.insert((p, key), r.n);
                }
            }
        }
    }
    out_of_order
}

fn fate_of(outcome: Outcome, present: bool, removed: bool) -> Fate {
    match outcome {
        Outcome::Pending => Fate::Pending,
        Outcome::Failed(_) => Fate::Failed,
        Outcome::Acked(_) if present => Fate::Acked,
        Outcome::Acked(_) if removed => Fate::Removed,
        Outcome::Acked(_) => Fate::Lost,
    }
}

/// The counts only, without naming each record: what expectations need. It reads the final
/// logs, the producers' outcome counts, and only those records that no final log holds (to
/// tell a loss from a removal); `ledger_adds_up` checks it against every record.
pub fn summarize(world: &World) -> LedgerSummary {
    let logs = read_final_logs(world);
    let consumed = read_consumed_order(world);
    let mut summary = LedgerSummary {
        duplicated: logs.duplicated,
        reordered: logs.reordered_count,
        ..LedgerSummary::default()
    };
    for (p, producer) in world.producers().iter().enumerate() {
        summary.reordered_as_consumed += consumed[p].iter().filter(|&&o| o).count() as u64;
        let outcomes = producer.outcome_counts();
        summary.sent += producer.records.len() as u64;
        summary.acked += outcomes.acked;
        summary.failed += outcomes.failed;
        summary.pending += outcomes.pending;
        summary.committed += producer.committed_count();
        let copies = &logs.copies[p];
        let mut from = 0;
        // The records absent from every final log: an acknowledged one was lost, or removed.
        while let Some(gap) = copies[from..].iter().position(|&c| c == 0) {
            let n = from + gap;
            from = n + 1;
            if let Outcome::Acked(_) = producer.records[n].outcome() {
                let id = RecordId {
                    producer: ProducerIdx(p as u32),
                    n: n as u32,
                };
                if world.tracker.removed.contains(&id) {
                    summary.removed += 1;
                } else {
                    summary.acked_lost += 1;
                }
            }
        }
    }
    count_keys(&mut summary, world, &logs);
    summary
}

fn count_keys(summary: &mut LedgerSummary, world: &World, logs: &FinalLogs) {
    summary.moved_keys = world.producers().iter().map(|p| p.moved_key_count()).sum();
    summary.keys_split = logs.keys_split;
}

fn count(
    summary: &mut LedgerSummary,
    fate: Fate,
    committed: bool,
    duplicated: bool,
    reordered: bool,
) {
    summary.sent += 1;
    match fate {
        Fate::Pending => summary.pending += 1,
        Fate::Failed => summary.failed += 1,
        Fate::Acked => summary.acked += 1,
        Fate::Lost => {
            summary.acked += 1;
            summary.acked_lost += 1;
        }
        Fate::Removed => {
            summary.acked += 1;
            summary.removed += 1;
        }
    }
    summary.committed += u64::from(committed);
    summary.duplicated += u64::from(duplicated);
    summary.reordered += u64::from(reordered);
}

/// Every record's fate, with its key and value, and the counts.
pub fn compute(world: &World) -> Ledger {
    walk(world, |_| true)
}

/// The counts, added up record by record as `compute` does, without keeping any record: what
/// `ledger_adds_up` checks `summarize` against.
pub fn summarize_by_record(world: &World) -> LedgerSummary {
    walk(world, |_| false).summary
}

/// The records acknowledged and then lost, with the counts: what `ksim run` reports, in memory
/// bounded by the losses rather than by the records sent.
pub fn lost(world: &World) -> Ledger {
    walk(world, |fate| fate == Fate::Lost)
}

/// Reads every record's fate, counting each, and keeps (with its key, value and the trace line
/// that decided it) those whose fate `keep` accepts.
fn walk(world: &World, keep: impl Fn(Fate) -> bool) -> Ledger {
    let logs = read_final_logs(world);
    let consumed = read_consumed_order(world);
    let mut summary = LedgerSummary::default();
    let mut records = Vec::new();
    for (p, producer) in world.producers().iter().enumerate() {
        for (n, sent) in producer.records.iter().enumerate() {
            let id = RecordId {
                producer: ProducerIdx(p as u32),
                n: n as u32,
            };
            let copies = logs.copies[p][n];
            let removed = copies == 0 && world.tracker.removed.contains(&id);
            let fate = fate_of(sent.outcome(), copies > 0, removed);
            let duplicated = copies > 1;
            count(
                &mut summary,
                fate,
                sent.committed,
                duplicated,
                logs.reordered[p][n],
            );
            summary.reordered_as_consumed += u64::from(consumed[p][n]);
            if !keep(fate) {
                continue;
            }
            let (key, value) = producer.key_and_value(n as u32);
            let (offset, error) = match sent.outcome() {
                Outcome::Acked(offset) => (offset.map(|o| o.0), None),
                Outcome::Failed(e) => (None, Some(e.name().to_string())),
                Outcome::Pending => (None, None),
            };
            let decided_by = (fate == Fate::Lost).then(|| match world.tracker.lost_by.get(&id) {
                Some(&(_, _, index)) => world.trace().line(index).trim().to_string(),
                None => "absent from the partition's final log".to_string(),
            });
            records.push(RecordFate {
                id,
                value,
                key: key.map(|k| k.to_string()),
                partition: producer.partition_of(n as u32),
                fate,
                offset,
                error,
                committed: sent.committed,
                duplicated,
                reordered: logs.reordered[p][n],
                reordered_as_consumed: consumed[p][n],
                decided_by,
            });
        }
    }
    count_keys(&mut summary, world, &logs);
    Ledger { records, summary }
}

impl World {
    /// The fate of every record so far.
    pub fn ledger(&self) -> Ledger {
        compute(self)
    }
}

/// The fates of transactional records, read from the final logs (KIP-98): each record written
/// inside a transaction is committed or aborted by the next marker of its producer id in the
/// partition, or still open (a hanging transaction when the run ends); and how many times a
/// consumer returned an aborted record (only a read_uncommitted consumer should).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransactionFates {
    pub committed: u64,
    pub aborted: u64,
    pub open: u64,
    pub read_aborted: u64,
}

/// `None` when no producer is transactional.
pub fn transaction_fates(world: &World) -> Option<TransactionFates> {
    if world.scenario().transactional_ids.is_empty() {
        return None;
    }
    let mut fates = TransactionFates::default();
    let image = world.controller().image();
    for (tp, _) in image.partitions() {
        let Some(log) = authoritative_log(world, tp) else {
            continue;
        };
        let batches = log.batches();
        for (i, batch) in batches.iter().enumerate() {
            let (true, Some(stamp)) = (batch.transactional, batch.producer) else {
                continue;
            };
            // A TxnOffsetCommit in __consumer_offsets is the coordinator's record, not a
            // client's: the fates count what producers sent.
            if batch.group_records.is_some() {
                continue;
            }
            let marker = batches.iter_from(i + 1).find(|b| {
                b.control.is_some() && b.producer.is_some_and(|s| s.producer == stamp.producer)
            });
            let count = batch.records.len() as u64;
            match marker.and_then(|b| b.control) {
                Some(crate::kafka::log::ControlType::Commit) => fates.committed += count,
                Some(_) => fates.aborted += count,
                None => fates.open += count,
            }
        }
    }
    for consumer in world.consumers() {
        fates.read_aborted += consumer
            .received
            .iter()
            .filter(|(tp, offset, r)| world.is_aborted(*tp, *offset, *r))
            .count() as u64;
    }
    Some(fates)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lesson F39: keys hashed over 3 partitions, then 4. The consumer reads partition 0 (where
    /// user-1 now goes) before partition 2 (where it went): user-1 arrives as shop-6, shop-9,
    /// shop-0, shop-3. No log is reordered, but two records are received out of key order.
    #[test]
    fn r7_6_keys_moved_by_partition_growth_are_consumed_out_of_order() {
        let text = include_str!("../../../scenarios/lessons/F39-adding-partitions-moves-keys.toml");
        let scenario = crate::scenario::parse(text, "F39.toml").expect("the lesson parses");
        let mut world = World::new(std::sync::Arc::new(scenario), 59);
        world.run_to_end();
        let ledger = compute(&world);
        assert_eq!(ledger.summary.reordered, 0);
        assert_eq!(ledger.summary.reordered_as_consumed, 2);
        assert_eq!(summarize(&world), ledger.summary);
        assert_eq!(summarize_by_record(&world), ledger.summary);
        let lost = super::lost(&world);
        assert_eq!(lost.summary, ledger.summary);
        assert!(lost.records.iter().all(|r| r.fate == Fate::Lost));
        let late: Vec<&str> = ledger
            .records
            .iter()
            .filter(|r| r.reordered_as_consumed)
            .map(|r| r.value.as_str())
            .collect();
        assert_eq!(late, ["shop-0", "shop-3"]);
    }
}
