//! One replica's log: record batches with offsets and leader epochs, the log end offset, the
//! high watermark, the leader epoch cache, and what has reached the disk.
//!
//! Batches are immutable and shared (`Arc`) between the leader, its followers and every clone
//! of the world, so copying a log costs reference counts, not records.

use std::sync::Arc;

use crate::group::GroupRecord;
use crate::idempotence::ProducerStamp;
#[cfg(test)]
use crate::ids::ProducerIdx;
use crate::ids::{LeaderEpoch, Offset, RecordId};
use crate::time::SimTime;

/// The fixed part of a v2 record batch, in bytes.
pub const BATCH_HEADER_BYTES: u32 = 61;

/// A batch as stored in a log: the leader gave it offsets and stamped its epoch.
#[derive(Debug, PartialEq, Eq)]
pub struct StoredBatch {
    pub base_offset: Offset,
    pub leader_epoch: LeaderEpoch,
    pub records: Arc<Vec<RecordId>>,
    pub bytes: u32,
    /// The idempotent producer's stamp, if any.
    pub producer: Option<ProducerStamp>,
    /// Simulated time of the leader's append.
    pub append_time: SimTime,
    /// What a group coordinator wrote, one entry per record (`__consumer_offsets` only).
    pub group_records: Option<Arc<Vec<GroupRecord>>>,
}

impl StoredBatch {
    /// One past the last offset in the batch.
    pub fn end_offset(&self) -> Offset {
        Offset(self.base_offset.0 + self.records.len() as u64)
    }
}

#[derive(Clone, Debug, Default)]
pub struct ReplicaLog {
    batches: Vec<Arc<StoredBatch>>,
    log_end_offset: Offset,
    /// Offsets below it are committed. Only the leader computes it; followers copy it from
    /// fetch responses (R1.4).
    pub high_watermark: Offset,
    /// The last high watermark written to `replication-offset-checkpoint`; a restart resumes
    /// from it (R1.5). The checkpoint is fsynced, so it survives a power loss.
    pub checkpointed_high_watermark: Offset,
    /// Leader epoch cache: (epoch, start offset), ascending (KIP-101).
    epochs: Vec<(LeaderEpoch, Offset)>,
    /// Everything below it is on disk; the rest sits in the page cache (R12.3).
    flushed_offset: Offset,
}

impl ReplicaLog {
    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }

    pub fn log_start_offset(&self) -> Offset {
        Offset(0)
    }

    pub fn batches(&self) -> &[Arc<StoredBatch>] {
        &self.batches
    }

    pub fn flushed_offset(&self) -> Offset {
        self.flushed_offset
    }

    pub fn unflushed_records(&self) -> u64 {
        self.log_end_offset.0 - self.flushed_offset.0
    }

    pub fn epoch_cache(&self) -> &[(LeaderEpoch, Offset)] {
        &self.epochs
    }

    /// The epoch of the last batch, or of the cache's last entry for an empty tail.
    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.epochs.last().map(|&(epoch, _)| epoch)
    }

    /// Appends a batch whose offsets start at the log end offset, recording a new epoch in the
    /// cache when the batch is the first of its epoch.
    pub fn append(&mut self, batch: Arc<StoredBatch>) {
        assert_eq!(
            batch.base_offset, self.log_end_offset,
            "appends are contiguous"
        );
        self.assign_epoch(batch.leader_epoch, batch.base_offset);
        self.log_end_offset = batch.end_offset();
        self.batches.push(batch);
    }

    /// A new leader records (its epoch, its log end offset) before taking writes, so that
    /// followers can ask where its epoch began (KIP-101).
    pub fn assign_epoch(&mut self, epoch: LeaderEpoch, start: Offset) {
        match self.epochs.last() {
            Some(&(latest, _)) if latest >= epoch => {}
            _ => self.epochs.push((epoch, start)),
        }
    }

    /// Kafka's `LeaderEpochFileCache.endOffsetFor` (R5.2): for the latest epoch, the log end
    /// offset; for an older one, where the next larger epoch starts, reported under the largest
    /// epoch not above the one asked; below every epoch, the asked epoch and the earliest start.
    /// `None` (Kafka's UNDEFINED) when the cache is empty or the epoch is newer than any known.
    pub fn end_offset_for_epoch(&self, epoch: LeaderEpoch) -> Option<(LeaderEpoch, Offset)> {
        let &(latest, _) = self.epochs.last()?;
        if epoch == latest {
            return Some((latest, self.log_end_offset));
        }
        if epoch > latest {
            return None;
        }
        let next = self.epochs.iter().position(|&(e, _)| e > epoch)?;
        if next == 0 {
            return Some((epoch, self.epochs[0].1));
        }
        Some((self.epochs[next - 1].0, self.epochs[next].1))
    }

    /// Removes every record at or above `offset`, keeping the epoch cache and the high
    /// watermark consistent. Returns the records removed.
    ///
    /// Even when nothing is removed, epochs that would start at or past the log end are
    /// dropped, as Kafka's `UnifiedLog.truncateTo` does: a broker that became leader and
    /// recorded its epoch, but appended nothing before losing leadership, must not keep an
    /// epoch that no batch carries.
    pub fn truncate_to(&mut self, offset: Offset) -> Vec<(Offset, RecordId)> {
        let mut removed = Vec::new();
        if offset >= self.log_end_offset {
            let end = self.log_end_offset;
            self.epochs.retain(|&(_, start)| start < end);
            return removed;
        }
        while let Some(last) = self.batches.last() {
            if last.base_offset >= offset {
                let last = self.batches.pop().expect("just seen");
                removed.extend(batch_offsets(&last));
            } else {
                break;
            }
        }
        if let Some(last) = self.batches.last()
            && last.end_offset() > offset
        {
            let keep = (offset.0 - last.base_offset.0) as usize;
            removed.extend(batch_offsets(last).skip(keep));
            let trimmed = StoredBatch {
                base_offset: last.base_offset,
                leader_epoch: last.leader_epoch,
                records: Arc::new(last.records[..keep].to_vec()),
                bytes: BATCH_HEADER_BYTES
                    + (last.bytes - BATCH_HEADER_BYTES) * keep as u32
                        / last.records.len().max(1) as u32,
                producer: last.producer,
                append_time: last.append_time,
                group_records: last
                    .group_records
                    .as_ref()
                    .map(|g| Arc::new(g[..keep.min(g.len())].to_vec())),
            };
            *self.batches.last_mut().expect("just seen") = Arc::new(trimmed);
        }
        removed.sort();
        self.log_end_offset = offset;
        self.epochs.retain(|&(_, start)| start < offset);
        self.high_watermark = self.high_watermark.min(offset);
        self.flushed_offset = self.flushed_offset.min(offset);
        removed
    }

    /// Batches holding offsets from `from` on, up to about `max_bytes` (at least one batch),
    /// and not at or past `limit` (the high watermark for consumers).
    pub fn read(&self, from: Offset, max_bytes: u64, limit: Offset) -> Vec<Arc<StoredBatch>> {
        let mut out = Vec::new();
        if from >= limit {
            return out;
        }
        let start = self.batches.partition_point(|b| b.end_offset() <= from);
        let mut bytes = 0u64;
        for batch in &self.batches[start..] {
            if batch.base_offset >= limit
                || (!out.is_empty() && bytes + batch.bytes as u64 > max_bytes)
            {
                break;
            }
            bytes += batch.bytes as u64;
            out.push(batch.clone());
        }
        out
    }

    /// The record at an offset, if the log holds one there.
    pub fn record_at(&self, offset: Offset) -> Option<RecordId> {
        let index = self.batches.partition_point(|b| b.end_offset() <= offset);
        let batch = self.batches.get(index)?;
        let within = offset.0.checked_sub(batch.base_offset.0)? as usize;
        batch.records.get(within).copied()
    }

    /// Every (offset, record) with `from <= offset < to`, in offset order.
    pub fn records_between(
        &self,
        from: Offset,
        to: Offset,
    ) -> impl Iterator<Item = (Offset, RecordId)> + '_ {
        let start = self.batches.partition_point(|b| b.end_offset() <= from);
        self.batches[start..]
            .iter()
            .take_while(move |b| b.base_offset < to)
            .flat_map(move |b| {
                let skip = from.0.saturating_sub(b.base_offset.0) as usize;
                let end = (to.0 - b.base_offset.0).min(b.records.len() as u64) as usize;
                b.records[skip.min(end)..end]
                    .iter()
                    .enumerate()
                    .map(move |(i, &r)| (Offset(b.base_offset.0 + (skip + i) as u64), r))
            })
    }

    /// Every (offset, record) in offset order.
    pub fn records(&self) -> impl Iterator<Item = (Offset, RecordId)> + '_ {
        self.batches.iter().flat_map(|b| batch_offsets(b))
    }

    /// fsync: everything appended so far is now on disk.
    pub fn flush(&mut self) {
        self.flushed_offset = self.log_end_offset;
    }

    /// What survives a power loss: the flushed prefix. The epoch cache and the checkpointed
    /// high watermark are fsynced files and survive, trimmed to the log on load.
    pub fn lose_unflushed(&mut self) -> Vec<(Offset, RecordId)> {
        let flushed = self.flushed_offset;
        self.truncate_to(flushed)
    }

    /// A restart loads the log and resumes the high watermark from its checkpoint (R1.5).
    pub fn reload(&mut self) {
        self.high_watermark = self.checkpointed_high_watermark.min(self.log_end_offset);
    }

    pub fn checkpoint_high_watermark(&mut self) {
        self.checkpointed_high_watermark = self.high_watermark;
    }
}

fn batch_offsets(batch: &StoredBatch) -> impl Iterator<Item = (Offset, RecordId)> + '_ {
    batch
        .records
        .iter()
        .enumerate()
        .map(move |(i, &r)| (Offset(batch.base_offset.0 + i as u64), r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u32) -> RecordId {
        RecordId {
            producer: ProducerIdx(0),
            n,
        }
    }

    fn batch(base: u64, epoch: u32, count: u32) -> Arc<StoredBatch> {
        Arc::new(StoredBatch {
            base_offset: Offset(base),
            leader_epoch: LeaderEpoch(epoch),
            records: Arc::new((0..count).map(|i| record(base as u32 + i)).collect()),
            bytes: BATCH_HEADER_BYTES + 10 * count,
            producer: None,
            append_time: SimTime::ZERO,
            group_records: None,
        })
    }

    fn log_with_epochs(entries: &[(u32, u64)], end: u64) -> ReplicaLog {
        // The log starts where the first epoch does, as if older segments were deleted.
        let mut log = ReplicaLog {
            log_end_offset: Offset(entries[0].1),
            ..ReplicaLog::default()
        };
        for (i, &(epoch, start)) in entries.iter().enumerate() {
            let next = entries.get(i + 1).map_or(end, |&(_, s)| s);
            if next > start {
                log.append(batch(start, epoch, (next - start) as u32));
            } else {
                log.assign_epoch(LeaderEpoch(epoch), Offset(start));
            }
        }
        log
    }

    // The cases of Kafka's LeaderEpochFileCacheTest quoted in R5.2.
    #[test]
    fn end_offset_for_epoch_matches_kafka() {
        let log = log_with_epochs(&[(0, 10), (2, 13), (4, 17)], 20);
        let ask = |e| {
            log.end_offset_for_epoch(LeaderEpoch(e))
                .map(|(e, o)| (e.0, o.0))
        };
        assert_eq!(ask(1), Some((0, 13)));
        assert_eq!(ask(2), Some((2, 17)));
        assert_eq!(ask(3), Some((2, 17)));
        assert_eq!(ask(4), Some((4, 20)));

        let log = log_with_epochs(&[(5, 11), (6, 12), (7, 13)], 14);
        assert_eq!(
            log.end_offset_for_epoch(LeaderEpoch(4)),
            Some((LeaderEpoch(4), Offset(11)))
        );
        assert_eq!(
            ReplicaLog::default().end_offset_for_epoch(LeaderEpoch(0)),
            None
        );
    }

    // Truncating inside a batch keeps its prefix, and drops epochs that start past the cut.
    #[test]
    fn truncation_trims_batches_and_epochs() {
        let mut log = ReplicaLog::default();
        log.append(batch(0, 0, 3));
        log.append(batch(3, 1, 3));
        log.high_watermark = Offset(5);
        let removed = log.truncate_to(Offset(2));
        assert_eq!(removed.len(), 4);
        assert_eq!(log.log_end_offset(), Offset(2));
        assert_eq!(log.high_watermark, Offset(2));
        assert_eq!(log.epoch_cache(), &[(LeaderEpoch(0), Offset(0))]);
        assert_eq!(log.record_at(Offset(1)), Some(record(1)));
        assert_eq!(log.record_at(Offset(2)), None);
    }

    // A power loss keeps only what was flushed; a crash would keep everything.
    #[test]
    fn power_loss_keeps_the_flushed_prefix() {
        let mut log = ReplicaLog::default();
        log.append(batch(0, 0, 2));
        log.flush();
        log.append(batch(2, 0, 2));
        assert_eq!(log.unflushed_records(), 2);
        let lost = log.lose_unflushed();
        assert_eq!(lost.len(), 2);
        assert_eq!(log.log_end_offset(), Offset(2));
    }

    // Reads return whole batches from the one holding the offset, and stop at the limit.
    #[test]
    fn reads_stop_at_the_limit() {
        let mut log = ReplicaLog::default();
        log.append(batch(0, 0, 2));
        log.append(batch(2, 0, 2));
        assert_eq!(log.read(Offset(1), 1 << 20, Offset(4)).len(), 2);
        assert_eq!(log.read(Offset(1), 1 << 20, Offset(2)).len(), 1);
        assert!(log.read(Offset(2), 1 << 20, Offset(2)).is_empty());
    }
}
