//! Typed identifiers: brokers, topics, partitions, offsets, epochs and clients each get their
//! own type, so that one can never be passed where another belongs.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// A broker, numbered from 1 as in a scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct BrokerId(pub u32);

impl fmt::Display for BrokerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}", self.0)
    }
}

/// A topic's index in the scenario's (and later the cluster's) topic list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TopicId(pub u32);

/// One partition of one topic; partitions are numbered from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TopicPartition {
    pub topic: TopicId,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: TopicId, partition: u32) -> TopicPartition {
        TopicPartition { topic, partition }
    }
}

/// A position in a partition's log. Offsets are never negative in a log; Kafka's -1 ("none")
/// is an `Option<Offset>` here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Offset(pub u64);

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The number of leader changes a partition has seen; new partitions start at 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LeaderEpoch(pub u32);

impl fmt::Display for LeaderEpoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A producer's index in the scenario's `[[producers]]` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ProducerIdx(pub u32);

/// A consumer's index in the scenario's `[[consumers]]` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ConsumerIdx(pub u32);

/// One produced record: which producer sent it and its send number `n` (from 0, in send
/// order), the same `n` that names its default value `"<producer>-<n>"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RecordId {
    pub producer: ProducerIdx,
    pub n: u32,
}

impl RecordId {
    /// The producer index that marks a record written by a group coordinator to
    /// `__consumer_offsets`; its content travels with the batch (`StoredBatch::group_records`).
    pub const COORDINATOR: ProducerIdx = ProducerIdx(u32::MAX);

    /// The `n`th record of a coordinator's batch.
    pub fn group_record(n: u32) -> RecordId {
        RecordId {
            producer: RecordId::COORDINATOR,
            n,
        }
    }

    pub fn is_group_record(self) -> bool {
        self.producer == RecordId::COORDINATOR
    }

    /// The producer index that marks a control record: the commit or abort marker a
    /// transaction coordinator has a partition leader write (KIP-98). It takes an offset and
    /// no consumer ever returns it.
    pub const CONTROL: ProducerIdx = ProducerIdx(u32::MAX - 1);

    /// The marker record written for transaction `n` of a producer id.
    pub fn control_marker(n: u32) -> RecordId {
        RecordId {
            producer: RecordId::CONTROL,
            n,
        }
    }

    pub fn is_control(self) -> bool {
        self.producer == RecordId::CONTROL
    }

    /// The producer index that marks a record a real Kafka client produced in live mode
    /// (`ksim serve`): its `n` counts such records in the order they entered the simulation,
    /// and its key and value are kept by the world (`World::live_record`).
    pub const EXTERNAL: ProducerIdx = ProducerIdx(u32::MAX - 2);

    pub fn is_external(self) -> bool {
        self.producer == RecordId::EXTERNAL
    }

    /// When `records` are consecutive sends of one producer, as a producer's batch holds them
    /// until compaction thins it: that producer and the range of send numbers. The ledger,
    /// the producer and the world settle such a run in one pass instead of record by record.
    pub fn consecutive_run(records: &[RecordId]) -> Option<(ProducerIdx, Range<u32>)> {
        let first = records.first()?;
        let consecutive = records
            .iter()
            .zip(first.n..)
            .all(|(r, n)| r.n == n && r.producer == first.producer);
        consecutive.then(|| (first.producer, first.n..first.n + records.len() as u32))
    }

    /// Sent by a producer of the scenario: its `producer` indexes the scenario's producers.
    pub fn is_from_scenario(self) -> bool {
        !self.is_internal() && !self.is_external()
    }

    /// Written by Kafka itself (a coordinator's record or a transaction marker), not by a
    /// scenario's producer.
    pub fn is_internal(self) -> bool {
        self.is_group_record() || self.is_control()
    }
}

/// A `transactional.id`, by its index in the run's list of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TransactionalId(pub u32);

/// A consumer group, by its index in the run's list of group names (`group.id`s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GroupId(pub u32);

/// Every participant that sends or receives messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum NodeId {
    Controller,
    Broker(BrokerId),
    Producer(ProducerIdx),
    Consumer(ConsumerIdx),
    /// A real Kafka client's connection in live mode (`ksim serve`), by connection number.
    External(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    // A run is one producer's consecutive sends; a gap, another producer or nothing is not.
    #[test]
    fn consecutive_runs() {
        let r = |p: u32, n: u32| RecordId {
            producer: ProducerIdx(p),
            n,
        };
        assert_eq!(
            RecordId::consecutive_run(&[r(1, 4), r(1, 5), r(1, 6)]),
            Some((ProducerIdx(1), 4..7))
        );
        assert_eq!(RecordId::consecutive_run(&[r(1, 4), r(1, 6)]), None);
        assert_eq!(RecordId::consecutive_run(&[r(1, 4), r(2, 5)]), None);
        assert_eq!(
            RecordId::consecutive_run(&[r(1, 4), r(1, 5), r(1, 5)]),
            None
        );
        assert_eq!(RecordId::consecutive_run(&[]), None);
    }

    // Each record is of exactly one kind: a scenario producer's, Kafka's own, or a real
    // client's in live mode.
    #[test]
    fn record_kinds() {
        let scenario = RecordId {
            producer: ProducerIdx(2),
            n: 5,
        };
        let external = RecordId {
            producer: RecordId::EXTERNAL,
            n: 5,
        };
        let group = RecordId::group_record(1);
        let marker = RecordId::control_marker(1);
        assert!(scenario.is_from_scenario() && !scenario.is_external() && !scenario.is_internal());
        assert!(external.is_external() && !external.is_from_scenario() && !external.is_internal());
        assert!(!group.is_from_scenario() && !group.is_external());
        assert!(!marker.is_from_scenario() && !marker.is_external());
        // The reserved producer indexes are the top three, far from any scenario's.
        assert_eq!(
            [RecordId::EXTERNAL, RecordId::CONTROL, RecordId::COORDINATOR],
            [
                ProducerIdx(u32::MAX - 2),
                ProducerIdx(u32::MAX - 1),
                ProducerIdx(u32::MAX)
            ]
        );
    }
}
