//! Idempotent producers on the broker side (R6.5, KIP-98, KIP-360): every batch carries its
//! producer, the producer's epoch and the sequence number of its first record; the partition
//! remembers, per producer, the last sequence written and the last five batches, so that a
//! retried batch is written once and a gap is refused.

use std::collections::{BTreeMap, VecDeque};

use crate::ids::{Offset, ProducerIdx};
use crate::log::StoredBatch;
use crate::message::KafkaError;

/// How many batches per producer the broker remembers to spot duplicates.
const BATCH_WINDOW: usize = 5;

/// An idempotent producer's stamp on a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerStamp {
    pub producer: ProducerIdx,
    /// Bumped by the producer to start its sequences again from 0 (KIP-360).
    pub epoch: u32,
    /// The sequence number of the batch's first record.
    pub sequence: u32,
}

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
        why: String,
    },
}

#[derive(Clone, Debug, Default)]
struct ProducerEntry {
    epoch: u32,
    last_sequence: u32,
    /// (first sequence, base offset, record count) of the last few batches.
    recent: VecDeque<(u32, Offset, u32)>,
}

/// Per producer, what one replica of a partition knows of its batches.
#[derive(Clone, Debug, Default)]
pub struct ProducerStates {
    producers: BTreeMap<ProducerIdx, ProducerEntry>,
}

impl ProducerStates {
    /// Kafka's `ProducerAppendInfo.checkSequence`: a new producer may start anywhere; a new
    /// epoch must start at sequence 0; an older epoch is fenced; within an epoch the batch
    /// must follow the last sequence, unless it repeats one of the last five batches.
    pub fn check(&self, stamp: ProducerStamp) -> Verdict {
        let Some(entry) = self.producers.get(&stamp.producer) else {
            return Verdict::Append;
        };
        if stamp.epoch < entry.epoch {
            return Verdict::Reject {
                error: KafkaError::InvalidProducerEpoch,
                why: format!(
                    "producer epoch {} is older than {}",
                    stamp.epoch, entry.epoch
                ),
            };
        }
        if stamp.epoch > entry.epoch {
            return if stamp.sequence == 0 {
                Verdict::Append
            } else {
                Verdict::Reject {
                    error: KafkaError::OutOfOrderSequenceNumber,
                    why: format!(
                        "a new producer epoch {} must start at sequence 0",
                        stamp.epoch
                    ),
                }
            };
        }
        if let Some(&(_, base, count)) = entry
            .recent
            .iter()
            .find(|(first, _, _)| *first == stamp.sequence)
        {
            return Verdict::Duplicate { base, count };
        }
        let expected = entry.last_sequence.wrapping_add(1);
        if stamp.sequence == expected {
            Verdict::Append
        } else {
            Verdict::Reject {
                error: KafkaError::OutOfOrderSequenceNumber,
                why: format!("expected sequence {expected}, got {}", stamp.sequence),
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
        entry.last_sequence = stamp.sequence.wrapping_add(count.saturating_sub(1));
        entry.recent.push_back((stamp.sequence, base, count));
        if entry.recent.len() > BATCH_WINDOW {
            entry.recent.pop_front();
        }
    }

    /// Rebuilds the state from a log, after a truncation or a power loss.
    pub fn rebuild<'a>(&mut self, batches: impl Iterator<Item = &'a std::sync::Arc<StoredBatch>>) {
        self.producers.clear();
        for batch in batches {
            if let Some(stamp) = batch.producer {
                self.remember(stamp, batch.base_offset, batch.records.len() as u32);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(states.check(stamp(0, 7)), Verdict::Append);
        states.remember(stamp(0, 0), Offset(0), 3);
        assert_eq!(states.check(stamp(0, 3)), Verdict::Append);
        assert_eq!(
            states.check(stamp(0, 0)),
            Verdict::Duplicate {
                base: Offset(0),
                count: 3
            }
        );
        assert!(matches!(
            states.check(stamp(0, 5)),
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
        assert_eq!(states.check(stamp(2, 0)), Verdict::Append);
        assert!(matches!(states.check(stamp(2, 4)), Verdict::Reject { .. }));
        assert!(matches!(
            states.check(stamp(0, 3)),
            Verdict::Reject {
                error: KafkaError::InvalidProducerEpoch,
                ..
            }
        ));
    }
}
