//! The transaction protocol (KIP-98): what a transactional producer asks of its transaction
//! coordinator (FindCoordinator, InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn)
//! and what the coordinator asks of partition leaders (WriteTxnMarkers). TxnOffsetCommit goes
//! to the group coordinator, so it is a group request (`message/group.rs`).

use crate::engine::ids::{BrokerId, GroupId, ProducerIdx, TopicPartition};
use crate::kafka::log::ControlType;
use crate::kafka::message::KafkaError;

/// What a transactional producer asks; the coordinator is found by the transactional.id the
/// message carries.
#[derive(Clone, Debug)]
pub enum TxnRequest {
    /// Any broker answers: who coordinates this transactional.id (key type TRANSACTION)?
    FindCoordinator,
    /// The producer id and a new epoch for the transactional.id; fences older producers.
    InitProducerId {
        /// The client's index, which the coordinator takes as the producer id of a
        /// transactional.id it has never seen (Kafka allocates ids in blocks from the
        /// controller; any unique number does).
        requester: ProducerIdx,
        transaction_timeout_ms: u64,
    },
    AddPartitions {
        producer: ProducerIdx,
        epoch: u32,
        partitions: Vec<TopicPartition>,
    },
    /// `sendOffsetsToTransaction`'s first half (KIP-98): the coordinator puts the group's
    /// `__consumer_offsets` partition in the transaction, so that the end marker reaches it.
    AddOffsets {
        producer: ProducerIdx,
        epoch: u32,
        group: GroupId,
    },
    EndTxn {
        producer: ProducerIdx,
        epoch: u32,
        commit: bool,
    },
}

#[derive(Clone, Debug)]
pub enum TxnResponse {
    FindCoordinator(Result<BrokerId, KafkaError>),
    InitProducerId(Result<(ProducerIdx, u32), KafkaError>),
    AddPartitions(Result<(), KafkaError>),
    AddOffsets(Result<(), KafkaError>),
    EndTxn(Result<(), KafkaError>),
}

/// One producer's marker for a set of partitions, as `WriteTxnMarkersRequest` lists them.
#[derive(Clone, Debug)]
pub struct TxnMarker {
    pub producer: ProducerIdx,
    pub epoch: u32,
    pub control: ControlType,
    pub partitions: Vec<TopicPartition>,
}
