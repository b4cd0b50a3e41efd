//! One replica's log: record batches with offsets and leader epochs in segments, the log start
//! and end offsets, the high watermark, the leader epoch cache, and what has reached the disk;
//! and the two ways old data leaves it: retention deletes whole old segments (R10.3), the
//! cleaner compacts closed segments to the latest record per key (R10.5-R10.6).
//!
//! Batches are immutable and shared (`Arc`) between the leader, its followers and every clone
//! of the world, so copying a log costs reference counts, not records.

use std::collections::BTreeMap;
use std::sync::Arc;

#[cfg(test)]
use crate::engine::ids::ProducerIdx;
use crate::engine::ids::{LeaderEpoch, Offset, RecordId};
use crate::engine::shared::SharedVec;
use crate::engine::time::SimTime;
use crate::kafka::group::GroupRecord;
use crate::kafka::message::{BATCH_HEADER_BYTES, ProducerStamp};
use crate::kafka::trace::why;

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
    /// The last offset minus the base offset, as written. Compaction keeps it, as a v2 batch
    /// keeps its base and last offsets, so a cleaned log never moves its end back.
    pub last_offset_delta: u32,
    /// After compaction, each kept record's offset minus the base offset; `None` while the
    /// records fill every offset of the batch.
    pub offset_deltas: Option<Arc<Vec<u32>>>,
    /// Set by the first cleaning that keeps a tombstone of this batch: a later cleaning after
    /// this time drops its tombstones (R10.6, KIP-534).
    pub delete_horizon: Option<SimTime>,
    /// Written inside a transaction (the batch's transactional attribute, KIP-98): a
    /// read_committed consumer sees it only once its transaction committed.
    pub transactional: bool,
    /// A control batch: the commit or abort marker of its producer's transaction.
    pub control: Option<ControlType>,
}

/// The two control records a transaction coordinator has written (Kafka's `ControlRecordType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlType {
    Commit,
    Abort,
}

impl ControlType {
    pub fn name(self) -> &'static str {
        match self {
            ControlType::Commit => "COMMIT",
            ControlType::Abort => "ABORT",
        }
    }
}

impl StoredBatch {
    /// A batch as a leader writes it: its records at consecutive offsets from `base_offset`.
    pub fn new(
        base_offset: Offset,
        leader_epoch: LeaderEpoch,
        records: Arc<Vec<RecordId>>,
        bytes: u32,
        producer: Option<ProducerStamp>,
        append_time: SimTime,
    ) -> StoredBatch {
        assert!(!records.is_empty(), "a batch holds at least one record");
        StoredBatch {
            base_offset,
            leader_epoch,
            last_offset_delta: records.len() as u32 - 1,
            records,
            bytes,
            producer,
            append_time,
            group_records: None,
            offset_deltas: None,
            delete_horizon: None,
            transactional: false,
            control: None,
        }
    }

    /// One past the last offset in the batch.
    pub fn end_offset(&self) -> Offset {
        Offset(self.base_offset.0 + self.last_offset_delta as u64 + 1)
    }

    /// The offset of the batch's `i`-th record.
    pub fn offset_of(&self, i: usize) -> Offset {
        let delta = self
            .offset_deltas
            .as_ref()
            .map_or(i as u64, |d| d[i] as u64);
        Offset(self.base_offset.0 + delta)
    }

    /// Every (offset, record) of the batch, in offset order.
    pub fn entries(&self) -> impl Iterator<Item = (Offset, RecordId)> + '_ {
        self.records
            .iter()
            .enumerate()
            .map(move |(i, &r)| (self.offset_of(i), r))
    }

    /// The index of the first record at or after `offset`.
    fn index_from(&self, offset: Offset) -> usize {
        let delta = offset.0.saturating_sub(self.base_offset.0);
        match &self.offset_deltas {
            None => (delta as usize).min(self.records.len()),
            Some(deltas) => deltas.partition_point(|&d| (d as u64) < delta),
        }
    }

    /// The record at `offset`, if this batch still holds one there.
    fn record_at(&self, offset: Offset) -> Option<RecordId> {
        let i = self.index_from(offset);
        (i < self.records.len() && self.offset_of(i) == offset).then(|| self.records[i])
    }

    /// The records at the given indices, for the cleaner: offsets, base and last offset stay.
    fn retaining(&self, kept: &[usize], delete_horizon: Option<SimTime>) -> StoredBatch {
        let per_record = (self.bytes - BATCH_HEADER_BYTES) / self.records.len().max(1) as u32;
        StoredBatch {
            base_offset: self.base_offset,
            leader_epoch: self.leader_epoch,
            records: Arc::new(kept.iter().map(|&i| self.records[i]).collect()),
            bytes: BATCH_HEADER_BYTES + per_record * kept.len() as u32,
            producer: self.producer,
            append_time: self.append_time,
            group_records: self
                .group_records
                .as_ref()
                .map(|g| Arc::new(kept.iter().filter_map(|&i| g.get(i).cloned()).collect())),
            last_offset_delta: self.last_offset_delta,
            offset_deltas: Some(Arc::new(
                kept.iter()
                    .map(|&i| (self.offset_of(i).0 - self.base_offset.0) as u32)
                    .collect(),
            )),
            delete_horizon: delete_horizon.or(self.delete_horizon),
            transactional: self.transactional,
            control: self.control,
        }
    }

    /// The first `keep` records (their offsets and bytes), for truncation inside a batch.
    /// Unlike compaction, truncation ends the batch at its last kept record.
    ///
    /// Only the releases before 0.11 cut inside a batch: their uncompressed message sets
    /// address each record on its own, and a fetch past the leader's end truncates to that
    /// end wherever it falls. From 0.11 every truncation point is a batch boundary (an epoch's
    /// start, a flushed or fetched end), so a v2 batch is never split; Kafka's
    /// `LogSegment.truncateTo` would drop the whole batch there instead.
    fn prefix(&self, keep: usize) -> StoredBatch {
        let kept: Vec<usize> = (0..keep).collect();
        StoredBatch {
            last_offset_delta: (self.offset_of(keep - 1).0 - self.base_offset.0) as u32,
            offset_deltas: self
                .offset_deltas
                .as_ref()
                .map(|d| Arc::new(d[..keep].to_vec())),
            ..self.retaining(&kept, None)
        }
    }
}

/// A segment: a run of the log from its base offset to the next segment's, which is deleted
/// and compacted as a whole. Only the last, the active segment, takes appends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub base_offset: Offset,
    pub bytes: u64,
    /// The first batch's timestamp: `segment.ms` counts from it.
    pub first_timestamp: Option<SimTime>,
    /// The newest record's timestamp: `retention.ms` counts from it.
    pub max_timestamp: SimTime,
}

impl Segment {
    fn empty(base_offset: Offset) -> Segment {
        Segment {
            base_offset,
            bytes: 0,
            first_timestamp: None,
            max_timestamp: SimTime::ZERO,
        }
    }

    fn add(&mut self, batch: &StoredBatch) {
        self.bytes += batch.bytes as u64;
        self.first_timestamp.get_or_insert(batch.append_time);
        self.max_timestamp = self.max_timestamp.max(batch.append_time);
    }
}

/// A new active segment, and why the old one closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roll {
    pub base_offset: Offset,
    pub why: crate::kafka::trace::Why,
}

/// When a log's active segment rolls (R10.4): `segment.bytes`, `segment.ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentPolicy {
    pub segment_bytes: u64,
    pub segment_ms: u64,
}

impl Default for SegmentPolicy {
    /// Kafka's defaults: 1 GiB, seven days.
    fn default() -> SegmentPolicy {
        SegmentPolicy {
            segment_bytes: 1 << 30,
            segment_ms: 7 * 24 * 3_600_000,
        }
    }
}

/// Why retention deleted segments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteReason {
    /// Their newest record is older than `retention.ms`.
    RetentionMs(u64),
    /// The partition is larger than `retention.bytes` without them.
    RetentionBytes(u64),
    /// The leader's log start offset passed them (a follower follows its leader).
    LogStartOffset,
}

/// What one retention pass removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deletion {
    pub segments: Vec<Offset>,
    pub records: Vec<(Offset, RecordId)>,
    pub log_start_offset: Offset,
    pub reason: DeleteReason,
    /// The active segment qualified too, so an empty one was rolled first.
    pub rolled: bool,
}

/// A record as the cleaner sees it: its key, and whether its value is null (a tombstone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordKey {
    pub key: Option<Arc<str>>,
    pub tombstone: bool,
}

/// The settings one cleaning uses (R10.5-R10.7).
#[derive(Clone, Copy, Debug)]
pub struct CleanerPolicy {
    pub min_cleanable_dirty_ratio: f64,
    pub delete_retention_ms: u64,
    pub min_compaction_lag_ms: u64,
}

/// What one cleaning did.
#[derive(Clone, Debug, PartialEq)]
pub struct Cleaning {
    /// The dirty share that started it.
    pub dirty_ratio: f64,
    /// The offsets cleaned, `[from, to)`: the log start up to the first uncleanable offset.
    pub from: Offset,
    pub to: Offset,
    /// Records removed because a later record has their key.
    pub superseded: Vec<(Offset, RecordId)>,
    /// Tombstones removed because their delete horizon passed.
    pub tombstones_removed: Vec<(Offset, RecordId)>,
    /// Tombstones kept, given a delete horizon by this cleaning.
    pub horizons_set: u32,
}

#[derive(Clone, Debug)]
pub struct ReplicaLog {
    batches: SharedVec<Arc<StoredBatch>>,
    /// Ascending base offsets; never empty. The last is the active segment.
    segments: Vec<Segment>,
    policy: SegmentPolicy,
    /// The first offset a reader may ask for; below it the data is deleted (R10.3).
    log_start_offset: Offset,
    /// The cleaner's checkpoint: offsets below it are clean (R10.5's first dirty offset).
    first_dirty_offset: Offset,
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

impl Default for ReplicaLog {
    fn default() -> ReplicaLog {
        ReplicaLog::new(SegmentPolicy::default())
    }
}

impl ReplicaLog {
    pub fn new(policy: SegmentPolicy) -> ReplicaLog {
        ReplicaLog {
            batches: SharedVec::new(),
            segments: vec![Segment::empty(Offset(0))],
            policy,
            log_start_offset: Offset(0),
            first_dirty_offset: Offset(0),
            log_end_offset: Offset(0),
            high_watermark: Offset(0),
            checkpointed_high_watermark: Offset(0),
            epochs: Vec::new(),
            flushed_offset: Offset(0),
        }
    }

    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }

    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn first_dirty_offset(&self) -> Offset {
        self.first_dirty_offset
    }

    pub fn batches(&self) -> &SharedVec<Arc<StoredBatch>> {
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
    /// cache when the batch is the first of its epoch. Says so when the append rolled the
    /// active segment first.
    ///
    /// Kafka's `LogSegment.shouldRoll` (R10.4): a non-empty active segment rolls when the batch
    /// would take it past `segment.bytes`, or when the batch's timestamp is more than
    /// `segment.ms` after the segment's first one. Time alone never rolls a segment: only an
    /// append does.
    pub fn append(&mut self, batch: Arc<StoredBatch>) -> Option<Roll> {
        assert_eq!(
            batch.base_offset, self.log_end_offset,
            "appends are contiguous"
        );
        let active = self.segments.last().expect("a log has a segment").clone();
        let full = active.bytes + batch.bytes as u64 > self.policy.segment_bytes;
        let old = active
            .first_timestamp
            .is_some_and(|t| batch.append_time - t > SimTime::from_millis(self.policy.segment_ms));
        let rolled = (active.bytes > 0 && (full || old)).then(|| {
            let roll = Roll {
                base_offset: batch.base_offset,
                why: if full {
                    why!(
                        "segment.bytes={}: the active segment holds {} bytes and the batch {}",
                        self.policy.segment_bytes, active.bytes, batch.bytes ;
                        "segment.bytes={}: 활성 세그먼트에 {}바이트, 배치에 {}바이트",
                        self.policy.segment_bytes, active.bytes, batch.bytes
                    )
                } else {
                    let after = crate::engine::time::format_duration(
                        batch.append_time - active.first_timestamp.unwrap_or_default(),
                    );
                    why!(
                        "segment.ms={}: the batch comes {after} after the active segment's first one",
                        self.policy.segment_ms ;
                        "segment.ms={}: 배치가 활성 세그먼트의 첫 배치보다 {after} 늦게 옴",
                        self.policy.segment_ms
                    )
                },
            };
            self.segments.push(Segment::empty(batch.base_offset));
            roll
        });
        self.segments.last_mut().expect("just seen").add(&batch);
        self.assign_epoch(batch.leader_epoch, batch.base_offset);
        self.log_end_offset = batch.end_offset();
        self.batches.push(batch);
        rolled
    }

    /// Sets when segments roll; a broker applies its topic's settings to a new replica.
    pub fn set_segment_policy(&mut self, policy: SegmentPolicy) {
        self.policy = policy;
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
        if offset < self.log_start_offset {
            return self.truncate_fully_and_start_at(offset);
        }
        while let Some(last) = self.batches.last() {
            if last.base_offset >= offset {
                let last = self.batches.pop().expect("just seen");
                removed.extend(last.entries());
            } else {
                break;
            }
        }
        if let Some(last) = self.batches.last()
            && last.end_offset() > offset
        {
            let keep = last.index_from(offset);
            removed.extend(last.entries().skip(keep));
            if keep == 0 {
                self.batches.pop();
            } else {
                let trimmed = last.prefix(keep);
                *self.batches.last_mut().expect("just seen") = Arc::new(trimmed);
            }
        }
        removed.sort();
        self.log_end_offset = offset;
        self.epochs.retain(|&(_, start)| start < offset);
        self.high_watermark = self.high_watermark.min(offset);
        self.flushed_offset = self.flushed_offset.min(offset);
        self.first_dirty_offset = self.first_dirty_offset.min(offset);
        // Segments that start past the cut go; the one holding it loses its tail (and one
        // that starts exactly there stays, empty, as the active segment).
        self.segments.retain(|s| s.base_offset <= offset);
        if self.segments.is_empty() {
            self.segments.push(Segment::empty(offset));
        }
        self.recount_segments();
        removed
    }

    /// Empties the log and starts it again at `offset`: what a follower does when its leader
    /// has deleted everything it would fetch next (Kafka's `truncateFullyAndStartAt`).
    /// Returns the records removed.
    pub fn truncate_fully_and_start_at(&mut self, offset: Offset) -> Vec<(Offset, RecordId)> {
        let removed = self.records().collect();
        self.batches.clear();
        self.segments = vec![Segment::empty(offset)];
        self.log_start_offset = offset;
        self.first_dirty_offset = offset;
        self.log_end_offset = offset;
        self.high_watermark = offset;
        self.flushed_offset = offset;
        self.epochs.clear();
        removed
    }

    /// Segment sizes and timestamps from the batches they hold, after batches changed.
    fn recount_segments(&mut self) {
        let mut next = 0;
        for i in 0..self.segments.len() {
            let end = self
                .segments
                .get(i + 1)
                .map_or(Offset(u64::MAX), |s| s.base_offset);
            let mut segment = Segment::empty(self.segments[i].base_offset);
            while next < self.batches.len() && self.batches[next].base_offset < end {
                segment.add(&self.batches[next]);
                next += 1;
            }
            self.segments[i] = segment;
        }
    }

    /// Kafka's `deleteOldSegments` for a topic whose `cleanup.policy` has `delete` (R10.3):
    /// first segments whose newest record is older than `retention.ms`, then the oldest while
    /// the partition is over `retention.bytes`, then segments wholly below the log start
    /// offset. Each pass returns what it removed. A policy without `delete` passes only
    /// `None`s and so removes only what the log start offset left behind.
    pub fn delete_old_segments(
        &mut self,
        now: SimTime,
        retention_ms: Option<u64>,
        retention_bytes: Option<u64>,
    ) -> Vec<Deletion> {
        let mut done = Vec::new();
        if let Some(ms) = retention_ms {
            let n = self.deletable_prefix(|s| now - s.max_timestamp > SimTime::from_millis(ms));
            done.extend(self.delete_segments(n, DeleteReason::RetentionMs(ms)));
        }
        if let Some(limit) = retention_bytes {
            let size: u64 = self.segments.iter().map(|s| s.bytes).sum();
            if size >= limit {
                let mut over = size - limit;
                let n = self.deletable_prefix(|s| {
                    let fits = over >= s.bytes;
                    if fits {
                        over -= s.bytes;
                    }
                    fits
                });
                done.extend(self.delete_segments(n, DeleteReason::RetentionBytes(limit)));
            }
        }
        let start = self.log_start_offset;
        let n = self
            .segments
            .windows(2)
            .take_while(|pair| pair[1].base_offset <= start)
            .count();
        done.extend(self.delete_segments(n, DeleteReason::LogStartOffset));
        done
    }

    /// Kafka's `deletableSegments`: how many segments from the oldest qualify, stopping at
    /// the first that does not. A segment qualifies only once the high watermark has passed
    /// its end (uncommitted data is never deleted) and never as an empty active segment.
    fn deletable_prefix(&self, mut qualifies: impl FnMut(&Segment) -> bool) -> usize {
        let mut n = 0;
        for (i, segment) in self.segments.iter().enumerate() {
            let next = self.segments.get(i + 1);
            let end = next.map_or(self.log_end_offset, |s| s.base_offset);
            let last_and_empty = next.is_none() && segment.bytes == 0;
            if self.high_watermark >= end && qualifies(segment) && !last_and_empty {
                n += 1;
            } else {
                break;
            }
        }
        n
    }

    /// Removes the `n` oldest segments; when that is all of them, an empty segment is rolled
    /// first, since a log always has one. The log start offset moves to the next segment.
    fn delete_segments(&mut self, n: usize, reason: DeleteReason) -> Option<Deletion> {
        if n == 0 {
            return None;
        }
        let rolled = n == self.segments.len();
        if rolled {
            self.segments.push(Segment::empty(self.log_end_offset));
        }
        let segments: Vec<Offset> = self.segments.drain(..n).map(|s| s.base_offset).collect();
        let next = self.segments[0].base_offset;
        let cut = self.batches.partition_point(|b| b.base_offset < next);
        let old_start = self.log_start_offset;
        let records = self
            .batches
            .drain_front(cut)
            .into_iter()
            .flat_map(|b| b.entries().collect::<Vec<_>>())
            .filter(|&(offset, _)| offset >= old_start)
            .collect();
        self.advance_log_start(next);
        Some(Deletion {
            segments,
            records,
            log_start_offset: self.log_start_offset,
            reason,
            rolled,
        })
    }

    /// Moves the log start offset forward (never back, never past the high watermark): after
    /// a deletion, or when a follower learns its leader's. The epoch cache forgets what lies
    /// before it, as Kafka's `truncateFromStart` does.
    pub fn advance_log_start(&mut self, offset: Offset) -> bool {
        let offset = offset.min(self.high_watermark.max(self.log_start_offset));
        if offset <= self.log_start_offset {
            return false;
        }
        self.log_start_offset = offset;
        self.first_dirty_offset = self.first_dirty_offset.max(offset);
        self.flushed_offset = self.flushed_offset.max(offset);
        if let Some(last_before) = self.epochs.iter().rposition(|&(_, start)| start <= offset) {
            self.epochs.drain(..last_before);
            self.epochs[0].1 = offset;
        }
        true
    }

    /// One pass of Kafka's log cleaner over this log (R10.5-R10.7), if it is dirty enough.
    ///
    /// The cleanable range runs from the log start to the first uncleanable offset: the
    /// active segment's base, the high watermark, or the first segment newer than
    /// `min.compaction.lag.ms`, whichever comes first. The dirty part starts at the cleaner's
    /// checkpoint. Cleaning starts only when dirty bytes are more than
    /// `min.cleanable.dirty.ratio` of the range. A map of each key's latest offset in the
    /// dirty part decides: a keyed record stays if no later record of its key is in the map;
    /// a tombstone stays until the delete horizon that its first cleaning set has passed.
    /// Offsets never change: kept records keep theirs, and the gaps stay gaps.
    pub fn clean(
        &mut self,
        now: SimTime,
        policy: CleanerPolicy,
        key_of: impl Fn(&StoredBatch, usize) -> RecordKey,
    ) -> Option<Cleaning> {
        let first_dirty = self.first_dirty_offset.max(self.log_start_offset);
        let active_base = self
            .segments
            .last()
            .expect("a log has a segment")
            .base_offset;
        let lag = SimTime::from_millis(policy.min_compaction_lag_ms);
        let too_recent = (policy.min_compaction_lag_ms > 0)
            .then(|| {
                self.segments[..self.segments.len() - 1]
                    .iter()
                    .filter(|s| self.segment_end(s) > first_dirty)
                    .find(|s| s.max_timestamp + lag > now)
                    .map(|s| s.base_offset)
            })
            .flatten();
        let first_uncleanable = [Some(active_base), Some(self.high_watermark), too_recent]
            .into_iter()
            .flatten()
            .min()
            .expect("the list has entries");
        if first_uncleanable <= first_dirty {
            return None;
        }
        let bytes_overlapping = |from: Offset, to: Offset| -> u64 {
            self.segments
                .iter()
                .filter(|s| s.base_offset < to && self.segment_end(s) > from)
                .map(|s| s.bytes)
                .sum()
        };
        let clean_bytes = bytes_overlapping(Offset(0), first_dirty);
        let dirty_bytes = bytes_overlapping(first_dirty, first_uncleanable);
        let total = clean_bytes + dirty_bytes;
        if total == 0 {
            return None;
        }
        let dirty_ratio = dirty_bytes as f64 / total as f64;
        if dirty_ratio <= policy.min_cleanable_dirty_ratio {
            return None;
        }

        // The offset map: each key's latest offset in the dirty range.
        let mut latest: BTreeMap<Arc<str>, Offset> = BTreeMap::new();
        let mut map_end = first_dirty;
        for batch in &self.batches {
            if batch.end_offset() <= first_dirty {
                continue;
            }
            if batch.base_offset >= first_uncleanable {
                break;
            }
            for (i, (offset, _)) in batch.entries().enumerate() {
                if offset < first_dirty || offset >= first_uncleanable {
                    continue;
                }
                if let Some(key) = key_of(batch, i).key {
                    latest.insert(key, offset);
                }
                map_end = Offset(offset.0 + 1);
            }
        }

        // Recopy every batch of the segments below the first uncleanable offset.
        let cleanable_end = self
            .segments
            .iter()
            .find(|s| self.segment_end(s) >= first_uncleanable)
            .map_or(self.log_end_offset, |s| self.segment_end(s));
        let mut cleaning = Cleaning {
            dirty_ratio,
            from: self.log_start_offset,
            to: first_uncleanable,
            superseded: Vec::new(),
            tombstones_removed: Vec::new(),
            horizons_set: 0,
        };
        let mut batches = SharedVec::new();
        for batch in std::mem::take(&mut self.batches).iter().cloned() {
            if batch.base_offset >= cleanable_end {
                batches.push(batch);
                continue;
            }
            let retain_deletes = batch.delete_horizon.is_none_or(|h| now < h);
            let mut kept = Vec::new();
            let mut has_tombstone = false;
            for (i, (offset, record)) in batch.entries().enumerate() {
                if offset >= map_end {
                    kept.push(i);
                    continue;
                }
                let key = key_of(&batch, i);
                let newest = key
                    .key
                    .as_ref()
                    .is_some_and(|k| latest.get(k).is_none_or(|&at| offset >= at));
                if !newest {
                    cleaning.superseded.push((offset, record));
                } else if key.tombstone && !retain_deletes {
                    cleaning.tombstones_removed.push((offset, record));
                } else {
                    has_tombstone |= key.tombstone;
                    kept.push(i);
                }
            }
            let set_horizon = has_tombstone && batch.delete_horizon.is_none();
            if kept.len() == batch.records.len() && !set_horizon {
                batches.push(batch);
                continue;
            }
            if kept.is_empty() {
                continue;
            }
            if set_horizon {
                cleaning.horizons_set += 1;
            }
            batches.push(Arc::new(batch.retaining(
                &kept,
                set_horizon.then(|| now + SimTime::from_millis(policy.delete_retention_ms)),
            )));
        }
        self.batches = batches;
        self.first_dirty_offset = first_uncleanable;
        self.merge_cleaned_segments(first_uncleanable);
        Some(cleaning)
    }

    /// One past a segment's last offset: the next segment's base, or the log end.
    fn segment_end(&self, segment: &Segment) -> Offset {
        let i = self
            .segments
            .partition_point(|s| s.base_offset <= segment.base_offset);
        self.segments
            .get(i)
            .map_or(self.log_end_offset, |s| s.base_offset)
    }

    /// Kafka's cleaner writes consecutive cleaned segments into one while their sizes before
    /// cleaning add up to at most `segment.bytes` (`groupSegmentsBySize`).
    fn merge_cleaned_segments(&mut self, first_uncleanable: Offset) {
        let mut merged: Vec<Segment> = Vec::with_capacity(self.segments.len());
        let mut group_bytes = 0;
        let last = self.segments.len() - 1;
        for (i, segment) in self.segments.iter().enumerate() {
            let cleaned = i < last && segment.base_offset < first_uncleanable;
            match merged.last() {
                Some(prev)
                    if cleaned
                        && prev.base_offset < first_uncleanable
                        && group_bytes + segment.bytes <= self.policy.segment_bytes => {}
                _ => {
                    merged.push(Segment::empty(segment.base_offset));
                    group_bytes = 0;
                }
            }
            group_bytes += segment.bytes;
        }
        self.segments = merged;
        self.recount_segments();
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
        for batch in self.batches.iter_from(start) {
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
        if offset < batch.base_offset {
            return None;
        }
        batch.record_at(offset)
    }

    /// The records at offsets in `from..to`, as one slice per batch (a compacted batch's
    /// records are those it kept).
    pub fn record_slices_between(
        &self,
        from: Offset,
        to: Offset,
    ) -> impl Iterator<Item = &[RecordId]> + '_ {
        let start = self.batches.partition_point(|b| b.end_offset() <= from);
        self.batches
            .iter_from(start)
            .take_while(move |b| b.base_offset < to)
            .map(move |b| {
                let first = b.index_from(from);
                let end = b.index_from(to);
                &b.records[first..end.max(first)]
            })
    }

    /// Every (offset, record) in offset order.
    pub fn records(&self) -> impl Iterator<Item = (Offset, RecordId)> + '_ {
        self.batches.iter().flat_map(|b| b.entries())
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
        self.high_watermark = self
            .checkpointed_high_watermark
            .clamp(self.log_start_offset, self.log_end_offset);
    }

    pub fn checkpoint_high_watermark(&mut self) {
        self.checkpointed_high_watermark = self.high_watermark;
    }
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
        Arc::new(StoredBatch::new(
            Offset(base),
            LeaderEpoch(epoch),
            Arc::new((0..count).map(|i| record(base as u32 + i)).collect()),
            BATCH_HEADER_BYTES + 10 * count,
            None,
            SimTime::ZERO,
        ))
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

    // The records a high-watermark move commits: from `from` up to, not including, `to`,
    // cut out of the batches that hold them, one slice per batch.
    #[test]
    fn record_slices_between_cover_exactly_the_range() {
        let mut log = ReplicaLog::default();
        log.append(batch(0, 0, 3));
        log.append(batch(3, 0, 3));
        log.append(batch(6, 0, 3));
        let slices = |from: u64, to: u64| -> Vec<Vec<u32>> {
            log.record_slices_between(Offset(from), Offset(to))
                .map(|s| s.iter().map(|r| r.n).collect())
                .collect()
        };
        assert_eq!(slices(1, 7), [vec![1, 2], vec![3, 4, 5], vec![6]]);
        assert_eq!(slices(3, 6), [vec![3, 4, 5]]);
        assert!(slices(4, 4).iter().all(Vec::is_empty));
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

    fn ms(n: u64) -> SimTime {
        SimTime::from_millis(n)
    }

    /// A batch of one keyed record (`key`, or a tombstone when `value` is None) at `at` ms.
    fn keyed(base: u64, at: u64) -> Arc<StoredBatch> {
        Arc::new(StoredBatch::new(
            Offset(base),
            LeaderEpoch(0),
            Arc::new(vec![record(base as u32)]),
            BATCH_HEADER_BYTES + 10,
            None,
            ms(at),
        ))
    }

    const POLICY: CleanerPolicy = CleanerPolicy {
        min_cleanable_dirty_ratio: 0.5,
        delete_retention_ms: 1_000,
        min_compaction_lag_ms: 0,
    };

    /// The log of R10.8: `0:k1=a 1:k2=b 2:k1=c 3:k3=d 4:k2=null` closed, `5:k1=e` active.
    fn r10_8() -> (ReplicaLog, impl Fn(&StoredBatch, usize) -> RecordKey) {
        let keys = ["k1", "k2", "k1", "k3", "k2", "k1"];
        let mut log = ReplicaLog::new(SegmentPolicy {
            segment_bytes: 1 << 20,
            segment_ms: 1_000,
        });
        for base in 0..5 {
            assert_eq!(log.append(keyed(base, base * 10)), None);
        }
        assert!(
            log.append(keyed(5, 2_000)).is_some(),
            "k1=e rolls the segment"
        );
        log.high_watermark = Offset(6);
        let key_of = move |batch: &StoredBatch, i: usize| {
            let n = batch.records[i].n as usize;
            RecordKey {
                key: Some(Arc::from(keys[n])),
                tombstone: n == 4,
            }
        };
        (log, key_of)
    }

    fn offsets(log: &ReplicaLog) -> Vec<u64> {
        log.records().map(|(o, _)| o.0).collect()
    }

    // The reference's worked example: the map covers only the closed segment, so k1@2 stays
    // although k1=e follows at 5; offsets keep their numbers and reads skip the gaps.
    #[test]
    fn compaction_matches_the_worked_example() {
        let (mut log, key_of) = r10_8();
        let cleaning = log.clean(ms(3_000), POLICY, &key_of).expect("100% dirty");
        assert_eq!(offsets(&log), [2, 3, 4, 5]);
        let superseded: Vec<u64> = cleaning.superseded.iter().map(|(o, _)| o.0).collect();
        assert_eq!(superseded, [0, 1]);
        assert_eq!(
            cleaning.horizons_set, 1,
            "the tombstone is kept, with a horizon"
        );
        assert_eq!(log.log_end_offset(), Offset(6));
        let read: Vec<u64> = log
            .read(Offset(0), 1 << 20, Offset(6))
            .iter()
            .flat_map(|b| b.entries().map(|(o, _)| o.0).collect::<Vec<_>>())
            .collect();
        assert_eq!(read, [2, 3, 4, 5], "a fetch at 0 starts at the next record");
        assert_eq!(log.record_at(Offset(1)), None);
        // Nothing new is dirty: no second cleaning, even after the tombstone's horizon.
        assert_eq!(log.clean(ms(60_000), POLICY, &key_of), None);
    }

    // A tombstone outlives its first cleaning and goes at the first cleaning after its horizon.
    #[test]
    fn tombstones_go_after_their_horizon() {
        let (mut log, key_of) = r10_8();
        log.clean(ms(3_000), POLICY, &key_of).expect("100% dirty");
        // More dirty data: offsets 6-9 rolled out of the active segment.
        for base in 6..10 {
            log.append(keyed(base, 3_500));
        }
        log.append(keyed(10, 5_000));
        log.high_watermark = Offset(11);
        let key_of = |batch: &StoredBatch, i: usize| {
            let n = batch.records[i].n;
            RecordKey {
                key: Some(Arc::from(format!(
                    "k{}",
                    if n < 6 {
                        [1, 2, 1, 3, 2, 1][n as usize]
                    } else {
                        n
                    }
                ))),
                tombstone: n == 4,
            }
        };
        let early = log.clone().clean(ms(3_900), POLICY, key_of).expect("dirty");
        assert!(
            early.tombstones_removed.is_empty(),
            "3.9 s is before the 4 s horizon"
        );
        let late = log.clean(ms(4_100), POLICY, key_of).expect("dirty");
        let gone: Vec<u64> = late.tombstones_removed.iter().map(|(o, _)| o.0).collect();
        assert_eq!(gone, [4]);
        // k1@2 goes too: k1=e at 5 is inside this cleaning's map.
        assert_eq!(offsets(&log), [3, 5, 6, 7, 8, 9, 10]);
    }

    // The active segment and everything at or above the high watermark stay uncleaned.
    #[test]
    fn the_active_segment_and_uncommitted_data_are_never_cleaned() {
        let (mut log, key_of) = r10_8();
        log.high_watermark = Offset(3);
        log.clean(ms(3_000), POLICY, &key_of)
            .expect("dirty below the high watermark");
        assert_eq!(
            offsets(&log),
            [1, 2, 3, 4, 5],
            "only 0..3 was cleanable: k1@0 went"
        );
        assert_eq!(log.first_dirty_offset(), Offset(3));
    }

    // Retention deletes whole closed segments past retention.ms, oldest first, never above
    // the high watermark; when every segment qualifies, an empty one is rolled first.
    #[test]
    fn retention_deletes_whole_old_segments() {
        let (mut log, _) = r10_8();
        assert!(
            log.delete_old_segments(ms(1_000), Some(1_000), None)
                .is_empty(),
            "too young"
        );
        log.high_watermark = Offset(4);
        assert!(
            log.delete_old_segments(ms(10_000), Some(1_000), None)
                .is_empty(),
            "the high watermark has not passed the first segment's end"
        );
        log.high_watermark = Offset(6);
        let deleted = log.delete_old_segments(ms(2_500), Some(1_000), None);
        assert_eq!(deleted.len(), 1);
        assert_eq!(deleted[0].segments, [Offset(0)]);
        assert_eq!(deleted[0].records.len(), 5);
        assert!(!deleted[0].rolled);
        assert_eq!(log.log_start_offset(), Offset(5));
        let deleted = log.delete_old_segments(ms(3_500), Some(1_000), None);
        assert!(
            deleted[0].rolled,
            "the active segment qualified: an empty one comes first"
        );
        assert_eq!(log.log_start_offset(), Offset(6));
        assert_eq!(log.segments().len(), 1);
        assert_eq!(log.segments()[0].base_offset, Offset(6));
        assert_eq!(log.log_end_offset(), Offset(6));
    }

    // retention.bytes deletes the oldest segments while the rest still reaches the limit.
    #[test]
    fn retention_bytes_keeps_the_newest_segments() {
        let (mut log, _) = r10_8();
        let total: u64 = log.segments().iter().map(|s| s.bytes).sum();
        let first = log.segments()[0].bytes;
        assert!(
            log.delete_old_segments(ms(0), None, Some(total - first + 1))
                .is_empty()
        );
        let deleted = log.delete_old_segments(ms(0), None, Some(total - first));
        assert_eq!(deleted[0].segments, [Offset(0)]);
        assert_eq!(log.log_start_offset(), Offset(5));
    }

    // Segments roll on an append past segment.bytes or more than segment.ms after their first
    // record, never by time alone and never while empty.
    #[test]
    fn segments_roll_on_size_or_age() {
        let mut log = ReplicaLog::new(SegmentPolicy {
            segment_bytes: 200,
            segment_ms: 1_000,
        });
        assert_eq!(log.append(keyed(0, 0)), None);
        assert_eq!(
            log.append(keyed(1, 1_000)),
            None,
            "exactly segment.ms is not more"
        );
        let roll = log.append(keyed(2, 1_001)).expect("older than segment.ms");
        assert_eq!(roll.base_offset, Offset(2));
        assert_eq!(log.append(keyed(3, 1_002)), None);
        assert!(
            log.append(keyed(4, 1_003))
                .expect("past 200 bytes")
                .why
                .contains("segment.bytes")
        );
        let bases: Vec<u64> = log.segments().iter().map(|s| s.base_offset.0).collect();
        assert_eq!(bases, [0, 2, 4]);
    }

    // R10.6: a tombstone is kept while now < its delete horizon and goes at a cleaning at
    // exactly the horizon (Kafka's Cleaner: `currentTime < batch.deleteHorizonMs()`).
    #[test]
    fn r10_6_tombstone_goes_at_exactly_its_delete_horizon() {
        let (mut log, key_of) = r10_8();
        log.clean(ms(3_000), POLICY, &key_of).expect("100% dirty");
        // The first cleaning set the horizon to 3 s + delete.retention.ms (1 s).
        for base in 6..10 {
            log.append(keyed(base, 3_500));
        }
        log.append(keyed(10, 5_000));
        log.high_watermark = Offset(11);
        let key_of = |batch: &StoredBatch, i: usize| {
            let n = batch.records[i].n;
            let key = match n {
                0..6 => format!("k{}", [1, 2, 1, 3, 2, 1][n as usize]),
                _ => format!("k{n}"),
            };
            RecordKey {
                key: Some(Arc::from(key)),
                tombstone: n == 4,
            }
        };
        let removed = |now: u64| -> Vec<u64> {
            let cleaning = log.clone().clean(ms(now), POLICY, key_of).expect("dirty");
            cleaning
                .tombstones_removed
                .iter()
                .map(|(o, _)| o.0)
                .collect()
        };
        assert_eq!(removed(3_999), Vec::<u64>::new(), "1 ms before the horizon");
        assert_eq!(removed(4_000), [4], "at the horizon");
    }

    // R10.5: min.compaction.lag.ms holds back the first dirty segment whose newest record is
    // younger than the lag, and every offset after it (Kafka's `cleanableOffsets`: the first
    // dirty, non-active segment with `largestTimestamp > now - minCompactionLagMs`). Here
    // k1 is written at 0, 10, 1100, 1110 and 2200 ms, a segment a second: at 2000 ms with a
    // lag of 1500 ms only the first segment may be cleaned, so k1@0 goes and k1@1 stays,
    // although later values of k1 follow.
    #[test]
    fn r10_5_min_compaction_lag_holds_back_recent_segments() {
        let mut log = ReplicaLog::new(SegmentPolicy {
            segment_bytes: 1 << 20,
            segment_ms: 1_000,
        });
        for (base, at) in [(0, 0), (1, 10), (2, 1_100), (3, 1_110), (4, 2_200)] {
            log.append(keyed(base, at));
        }
        assert_eq!(log.segments.len(), 3);
        log.high_watermark = Offset(5);
        let key_of = |_: &StoredBatch, _: usize| RecordKey {
            key: Some(Arc::from("k1")),
            tombstone: false,
        };
        let lagged = CleanerPolicy {
            min_compaction_lag_ms: 1_500,
            ..POLICY
        };
        let mut held_back = log.clone();
        let cleaning = held_back.clean(ms(2_000), lagged, key_of).expect("dirty");
        assert_eq!(cleaning.to, Offset(2), "the second segment is too recent");
        assert_eq!(offsets(&held_back), [1, 2, 3, 4]);
        // Without the lag, everything below the active segment is cleanable.
        log.clean(ms(2_000), POLICY, key_of).expect("dirty");
        assert_eq!(offsets(&log), [3, 4]);
    }
}
