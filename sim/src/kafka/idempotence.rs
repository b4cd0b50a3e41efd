//! Idempotent producers on the broker side (R6.5, KIP-98, KIP-360): every batch carries its
//! producer, the producer's epoch and the sequence number of its first record; the partition
//! remembers, per producer, the last sequence written and the last five batches, so that a
//! retried batch is written once and a gap is refused.
//!
//! Transactions (KIP-98) add to it what Kafka's `ProducerStateManager` keeps: per producer
//! id, the first offset of its open transaction; the completed transactions whose marker is
//! not yet replicated; and the aborted-transactions index. From them come the last stable
//! offset (LSO) and what a read_committed consumer must skip.

use std::collections::{BTreeMap, VecDeque};

use crate::engine::ids::{Offset, ProducerIdx};
use crate::kafka::log::{ControlType, StoredBatch};
use crate::kafka::message::{KafkaError, ProducerStamp, increment_sequence};
use crate::kafka::trace::{Why, why};

/// How many batches per producer the broker remembers to spot duplicates
/// (`ProducerStateEntry.NUM_BATCHES_TO_RETAIN`). A retry of an older batch can no longer be
/// told apart from a gap, which is why an idempotent producer keeps at most 5 requests in
/// flight.
pub const BATCH_WINDOW: usize = 5;

/// What the partition should do with a stamped batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Append,
    /// One of the last batches again: acknowledge it with its original offsets, write nothing.
    Duplicate {
        base: Offset,
        count: u32,
    },
    Reject {
        error: KafkaError,
        why: Why,
    },
}

#[derive(Clone, Debug, Default)]
struct ProducerEntry {
    epoch: u32,
    /// Set when a transaction marker bumped the epoch: no batch of the new epoch yet, so the
    /// next must start at sequence 0 (Kafka's `NO_SEQUENCE`).
    no_sequence: bool,
    last_sequence: u32,
    /// The last few batches written, oldest first.
    recent: VecDeque<RecentBatch>,
}

/// What the broker keeps of a batch to recognise its retry (Kafka's `BatchMetadata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RecentBatch {
    first_sequence: u32,
    last_sequence: u32,
    base: Offset,
    count: u32,
}

/// Per producer, what one replica of a partition knows of its batches.
#[derive(Clone, Debug, Default)]
pub struct ProducerStates {
    producers: BTreeMap<ProducerIdx, ProducerEntry>,
    /// Per producer id, the first offset of its open transaction (`ongoingTxns`).
    ongoing: BTreeMap<ProducerIdx, Offset>,
    /// Transactions whose marker is written but not yet below the high watermark
    /// (`unreplicatedTxns`): they hold the LSO back until it is.
    unreplicated: Vec<CompletedTxn>,
    /// The aborted-transactions index (Kafka's `.txnindex`): each aborted transaction's
    /// producer, first offset and marker offset.
    aborted: Vec<AbortedTxn>,
}

/// A transaction whose marker has been written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CompletedTxn {
    first: Offset,
    marker: Offset,
}

/// One entry of the aborted-transactions index, as a fetch response carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbortedTxn {
    pub producer: ProducerIdx,
    pub first: Offset,
    /// The offset of the abort marker.
    pub last: Offset,
}

impl ProducerStates {
    /// Kafka's `ProducerAppendInfo.checkSequence`, after `ProducerStateEntry.findDuplicateBatch`:
    /// a new producer may start anywhere; a new epoch must start at sequence 0; an older epoch
    /// is fenced; within an epoch a batch whose first *and* last sequence match one of the
    /// last five batches is a retry of it (acknowledged with the original offsets, not
    /// written again); any other batch must start right after the last sequence written
    /// (2147483647 is followed by 0), else OUT_OF_ORDER_SEQUENCE_NUMBER: a batch before it
    /// is missing (the producer resends in order), or it is a retry of a batch older than
    /// the window.
    pub fn check(&self, stamp: ProducerStamp, count: u32) -> Verdict {
        let Some(entry) = self.producers.get(&stamp.producer) else {
            return Verdict::Append;
        };
        if stamp.epoch < entry.epoch {
            return Verdict::Reject {
                error: KafkaError::InvalidProducerEpoch,
                why: why!(
                    "producer epoch {} is older than {}", stamp.epoch, entry.epoch ;
                    "프로듀서 에포크 {}이(가) {}보다 오래됨", stamp.epoch, entry.epoch
                ),
            };
        }
        if stamp.epoch == entry.epoch && entry.no_sequence {
            return if stamp.sequence == 0 {
                Verdict::Append
            } else {
                Verdict::Reject {
                    error: KafkaError::OutOfOrderSequenceNumber,
                    why: why!(
                        "the first batch of producer epoch {} must start at sequence 0", stamp.epoch ;
                        "프로듀서 에포크 {}의 첫 배치는 시퀀스 0에서 시작해야 함", stamp.epoch
                    ),
                }
            };
        }
        if stamp.epoch > entry.epoch {
            return if stamp.sequence == 0 {
                Verdict::Append
            } else {
                Verdict::Reject {
                    error: KafkaError::OutOfOrderSequenceNumber,
                    why: why!(
                        "a new producer epoch {} must start at sequence 0", stamp.epoch ;
                        "새 프로듀서 에포크 {}은(는) 시퀀스 0에서 시작해야 함", stamp.epoch
                    ),
                }
            };
        }
        let last_sequence = increment_sequence(stamp.sequence, count.saturating_sub(1));
        if let Some(batch) = entry
            .recent
            .iter()
            .find(|b| b.first_sequence == stamp.sequence && b.last_sequence == last_sequence)
        {
            return Verdict::Duplicate {
                base: batch.base,
                count: batch.count,
            };
        }
        if stamp.sequence == increment_sequence(entry.last_sequence, 1) {
            Verdict::Append
        } else {
            Verdict::Reject {
                error: KafkaError::OutOfOrderSequenceNumber,
                why: why!(
                    "Out of order sequence number: {} (incoming seq. number), {} (current end sequence number)",
                    stamp.sequence, entry.last_sequence ;
                    "순서가 어긋난 시퀀스 번호: {} (들어온 시퀀스 번호), {} (현재 끝 시퀀스 번호)",
                    stamp.sequence, entry.last_sequence
                ),
            }
        }
    }

    /// Records a batch written to the log.
    pub fn remember(&mut self, stamp: ProducerStamp, base: Offset, count: u32) {
        let entry = self.producers.entry(stamp.producer).or_default();
        if stamp.epoch != entry.epoch {
            *entry = ProducerEntry {
                epoch: stamp.epoch,
                ..ProducerEntry::default()
            };
        }
        entry.no_sequence = false;
        entry.last_sequence = increment_sequence(stamp.sequence, count.saturating_sub(1));
        entry.recent.push_back(RecentBatch {
            first_sequence: stamp.sequence,
            last_sequence: entry.last_sequence,
            base,
            count,
        });
        if entry.recent.len() > BATCH_WINDOW {
            entry.recent.pop_front();
        }
    }

    /// Rebuilds the state from a log, after a truncation or a power loss.
    pub fn rebuild<'a>(&mut self, batches: impl Iterator<Item = &'a std::sync::Arc<StoredBatch>>) {
        *self = ProducerStates::default();
        for batch in batches {
            self.apply(batch);
        }
    }

    /// What a batch written to the log (by the leader, or replicated to a follower) tells:
    /// its sequences, the transaction it opens, or the transaction its marker ends
    /// (`ProducerStateManager.update` and `completeTxn`).
    pub fn apply(&mut self, batch: &StoredBatch) {
        let Some(stamp) = batch.producer else {
            return;
        };
        match batch.control {
            Some(control) => self.end_transaction(stamp, control, batch.base_offset),
            None => {
                self.remember(stamp, batch.base_offset, batch.last_offset_delta + 1);
                if batch.transactional {
                    self.ongoing
                        .entry(stamp.producer)
                        .or_insert(batch.base_offset);
                }
            }
        }
    }

    /// Kafka's `ProducerStateManager.checkProducerEpoch` for a marker: one from an epoch older
    /// than the producer's current epoch comes from a coordinator that lost track
    /// (TRANSACTION_COORDINATOR_FENCED); a marker may carry a newer epoch (the coordinator
    /// bumped it to fence the producer).
    pub fn check_marker(&self, producer: ProducerIdx, epoch: u32) -> Result<(), KafkaError> {
        match self.producers.get(&producer) {
            Some(entry) if epoch < entry.epoch => Err(KafkaError::TransactionCoordinatorFenced),
            _ => Ok(()),
        }
    }

    /// The epoch check of a coordinator's transactional write (TxnOffsetCommit to
    /// `__consumer_offsets`): a producer older than the partition has seen is fenced
    /// (`ProducerStateManager.checkProducerEpoch`, INVALID_PRODUCER_EPOCH).
    pub fn check_epoch(&self, producer: ProducerIdx, epoch: u32) -> Result<(), KafkaError> {
        match self.producers.get(&producer) {
            Some(entry) if epoch < entry.epoch => Err(KafkaError::InvalidProducerEpoch),
            _ => Ok(()),
        }
    }

    /// A marker written at `marker`: the producer's open transaction, if any, is complete
    /// (held in `unreplicated` until the high watermark passes the marker) and, if aborted,
    /// indexed. A newer epoch in the marker becomes the producer's (`maybeUpdateProducerEpoch`).
    fn end_transaction(&mut self, stamp: ProducerStamp, control: ControlType, marker: Offset) {
        let entry = self.producers.entry(stamp.producer).or_default();
        if stamp.epoch != entry.epoch {
            *entry = ProducerEntry {
                epoch: stamp.epoch,
                no_sequence: true,
                ..ProducerEntry::default()
            };
        }
        let Some(first) = self.ongoing.remove(&stamp.producer) else {
            return;
        };
        self.unreplicated.push(CompletedTxn { first, marker });
        if control == ControlType::Abort {
            self.aborted.push(AbortedTxn {
                producer: stamp.producer,
                first,
                last: marker,
            });
        }
    }

    /// Kafka's `firstUnstableOffset`: the first offset of the oldest transaction that is open,
    /// or whose marker is not yet below `high_watermark`.
    pub fn first_unstable_offset(&self, high_watermark: Offset) -> Option<Offset> {
        let open = self.ongoing.values().copied().min();
        let unreplicated = self
            .unreplicated
            .iter()
            .filter(|t| t.marker >= high_watermark)
            .map(|t| t.first)
            .min();
        open.into_iter().chain(unreplicated).min()
    }

    /// The last stable offset: the high watermark, held back by the first unstable offset
    /// (`UnifiedLog.lastStableOffset`). A read_committed consumer reads below it only.
    pub fn last_stable_offset(&self, high_watermark: Offset) -> Offset {
        self.first_unstable_offset(high_watermark)
            .map_or(high_watermark, |first| first.min(high_watermark))
    }

    /// Forgets the completed transactions whose markers the high watermark has passed.
    pub fn on_high_watermark(&mut self, high_watermark: Offset) {
        self.unreplicated.retain(|t| t.marker >= high_watermark);
    }

    /// The aborted transactions a fetch of `[from, to)` must know of
    /// (`collectAbortedTransactions`): those that end at or after `from` and begin before `to`.
    pub fn aborted_between(&self, from: Offset, to: Offset) -> Vec<AbortedTxn> {
        self.aborted
            .iter()
            .filter(|t| t.last >= from && t.first < to)
            .copied()
            .collect()
    }

    /// Producer ids with an open transaction here, and where each began.
    pub fn open_transactions(&self) -> impl Iterator<Item = (ProducerIdx, Offset)> + '_ {
        self.ongoing.iter().map(|(p, o)| (*p, *o))
    }

    /// Whether the record at `offset` of `producer`'s transactional batch was aborted.
    pub fn is_aborted(&self, producer: ProducerIdx, offset: Offset) -> bool {
        self.aborted
            .iter()
            .any(|t| t.producer == producer && t.first <= offset && offset < t.last)
    }

    /// The producer's current epoch here, if it wrote anything.
    pub fn epoch_of(&self, producer: ProducerIdx) -> Option<u32> {
        self.producers.get(&producer).map(|e| e.epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::message::MAX_SEQUENCE;

    fn stamp(epoch: u32, sequence: u32) -> ProducerStamp {
        ProducerStamp {
            producer: ProducerIdx(0),
            epoch,
            sequence,
        }
    }

    // In order is written, a repeat is a duplicate, a gap is refused.
    #[test]
    fn sequences_within_an_epoch() {
        let mut states = ProducerStates::default();
        assert_eq!(states.check(stamp(0, 7), 1), Verdict::Append);
        states.remember(stamp(0, 0), Offset(0), 3);
        assert_eq!(states.check(stamp(0, 3), 2), Verdict::Append);
        assert_eq!(
            states.check(stamp(0, 0), 3),
            Verdict::Duplicate {
                base: Offset(0),
                count: 3
            }
        );
        assert!(matches!(
            states.check(stamp(0, 5), 1),
            Verdict::Reject {
                error: KafkaError::OutOfOrderSequenceNumber,
                ..
            }
        ));
    }

    // A bumped epoch starts again at 0; an older epoch is fenced.
    #[test]
    fn a_new_epoch_starts_at_zero() {
        let mut states = ProducerStates::default();
        states.remember(stamp(1, 0), Offset(0), 3);
        assert_eq!(states.check(stamp(2, 0), 1), Verdict::Append);
        assert!(matches!(
            states.check(stamp(2, 4), 1),
            Verdict::Reject { .. }
        ));
        assert!(matches!(
            states.check(stamp(0, 3), 1),
            Verdict::Reject {
                error: KafkaError::InvalidProducerEpoch,
                ..
            }
        ));
    }

    // Only the last five batches are remembered: the retry of the sixth-newest is no longer
    // recognised and is refused as out of order (it is not appended twice either).
    #[test]
    fn the_window_holds_five_batches() {
        let mut states = ProducerStates::default();
        for i in 0..6u32 {
            let verdict = states.check(stamp(0, i * 2), 2);
            assert_eq!(verdict, Verdict::Append, "batch {i}");
            states.remember(stamp(0, i * 2), Offset(u64::from(i) * 2), 2);
        }
        for i in 1..6u32 {
            assert_eq!(
                states.check(stamp(0, i * 2), 2),
                Verdict::Duplicate {
                    base: Offset(u64::from(i) * 2),
                    count: 2
                },
                "batch {i} is in the window"
            );
        }
        let Verdict::Reject { error, why } = states.check(stamp(0, 0), 2) else {
            panic!("the oldest batch fell out of the window");
        };
        assert_eq!(error, KafkaError::OutOfOrderSequenceNumber);
        assert_eq!(
            why.en(),
            "Out of order sequence number: 0 (incoming seq. number), 11 (current end sequence number)"
        );
    }

    // A duplicate must match the batch's whole sequence range, not only its first sequence.
    #[test]
    fn a_duplicate_matches_first_and_last_sequence() {
        let mut states = ProducerStates::default();
        states.remember(stamp(0, 0), Offset(0), 3);
        assert!(matches!(
            states.check(stamp(0, 0), 2),
            Verdict::Reject {
                error: KafkaError::OutOfOrderSequenceNumber,
                ..
            }
        ));
    }

    fn data(base: u64, count: u32, epoch: u32, sequence: u32, transactional: bool) -> StoredBatch {
        StoredBatch {
            transactional,
            ..StoredBatch::new(
                Offset(base),
                crate::engine::ids::LeaderEpoch(0),
                std::sync::Arc::new(
                    (0..count)
                        .map(|n| crate::engine::ids::RecordId {
                            producer: ProducerIdx(0),
                            n,
                        })
                        .collect(),
                ),
                100,
                Some(stamp(epoch, sequence)),
                crate::engine::time::SimTime::ZERO,
            )
        }
    }

    fn marker(offset: u64, epoch: u32, control: ControlType) -> StoredBatch {
        StoredBatch {
            control: Some(control),
            ..StoredBatch::new(
                Offset(offset),
                crate::engine::ids::LeaderEpoch(0),
                std::sync::Arc::new(vec![crate::engine::ids::RecordId::control_marker(0)]),
                70,
                Some(stamp(epoch, 0)),
                crate::engine::time::SimTime::ZERO,
            )
        }
    }

    // The LSO is the first offset of the oldest open transaction, else the high watermark.
    #[test]
    fn lso_is_the_first_offset_of_the_oldest_open_transaction() {
        let mut states = ProducerStates::default();
        states.apply(&data(0, 2, 0, 0, false));
        assert_eq!(states.last_stable_offset(Offset(2)), Offset(2));
        states.apply(&data(2, 3, 0, 2, true));
        assert_eq!(states.last_stable_offset(Offset(5)), Offset(2));
        assert_eq!(states.last_stable_offset(Offset(1)), Offset(1));
    }

    // After the marker the transaction holds the LSO until the high watermark passes the
    // marker (`unreplicatedTxns`).
    #[test]
    fn lso_waits_for_the_marker_to_be_replicated() {
        let mut states = ProducerStates::default();
        states.apply(&data(0, 3, 0, 0, true));
        states.apply(&marker(3, 0, ControlType::Commit));
        assert_eq!(states.last_stable_offset(Offset(3)), Offset(0));
        assert_eq!(states.last_stable_offset(Offset(4)), Offset(4));
        states.on_high_watermark(Offset(4));
        assert_eq!(states.first_unstable_offset(Offset(4)), None);
    }

    // An abort marker puts the transaction in the aborted-transactions index; a commit does not.
    #[test]
    fn an_abort_marker_indexes_the_transaction() {
        let mut states = ProducerStates::default();
        states.apply(&data(0, 2, 0, 0, true));
        states.apply(&marker(2, 0, ControlType::Commit));
        states.apply(&data(3, 2, 0, 2, true));
        states.apply(&marker(5, 0, ControlType::Abort));
        let aborted = states.aborted_between(Offset(0), Offset(6));
        assert_eq!(
            aborted,
            vec![AbortedTxn {
                producer: ProducerIdx(0),
                first: Offset(3),
                last: Offset(5)
            }]
        );
        assert!(states.is_aborted(ProducerIdx(0), Offset(4)));
        assert!(!states.is_aborted(ProducerIdx(0), Offset(1)));
        assert!(states.aborted_between(Offset(6), Offset(9)).is_empty());
    }

    // A marker with a bumped epoch fences the older epoch, and the new epoch starts at 0.
    #[test]
    fn a_marker_with_a_bumped_epoch_fences_the_old_epoch() {
        let mut states = ProducerStates::default();
        states.apply(&data(0, 3, 0, 0, true));
        states.apply(&marker(3, 1, ControlType::Abort));
        assert!(matches!(
            states.check(stamp(0, 3), 1),
            Verdict::Reject {
                error: KafkaError::InvalidProducerEpoch,
                ..
            }
        ));
        assert_eq!(states.check(stamp(2, 0), 1), Verdict::Append);
        assert!(matches!(
            states.check(stamp(1, 5), 1),
            Verdict::Reject {
                error: KafkaError::OutOfOrderSequenceNumber,
                ..
            }
        ));
        assert_eq!(
            states.check_marker(ProducerIdx(0), 0),
            Err(KafkaError::TransactionCoordinatorFenced)
        );
    }

    // Sequences are Java ints: after 2147483647 comes 0, on the producer and on the broker.
    #[test]
    fn sequences_wrap_after_int_max() {
        assert_eq!(increment_sequence(5, 3), 8);
        assert_eq!(increment_sequence(MAX_SEQUENCE, 1), 0);
        assert_eq!(increment_sequence(MAX_SEQUENCE - 1, 3), 1);
        let mut states = ProducerStates::default();
        states.remember(stamp(0, MAX_SEQUENCE - 1), Offset(0), 2);
        assert_eq!(states.check(stamp(0, 0), 1), Verdict::Append);
        assert!(matches!(
            states.check(stamp(0, 1), 1),
            Verdict::Reject { .. }
        ));
    }
}
