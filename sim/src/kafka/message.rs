//! The messages nodes send each other over the simulated network, and Kafka's error codes.
//!
//! They follow Kafka's protocol where it matters for the rules (Fetch carries the fetch offset,
//! the last fetched epoch and the current leader epoch; Produce carries `acks` and a timeout)
//! and leave out what does not (sizes, versions, sessions).

use std::sync::Arc;

use crate::config::Acks;
use crate::engine::ids::{
    BrokerId, GroupId, LeaderEpoch, Offset, ProducerIdx, RecordId, TopicId, TopicPartition,
    TransactionalId,
};
use crate::kafka::log::StoredBatch;

pub mod group;
pub mod txn;

use crate::engine::time::SimTime;
pub use crate::kafka::log::ControlType;
use crate::kafka::metadata::{MetadataImage, PartitionState};
pub use group::{GroupRequest, GroupResponse};
pub use txn::{TxnMarker, TxnRequest, TxnResponse};

/// The fixed part of a v2 record batch, in bytes.
pub const BATCH_HEADER_BYTES: u32 = 61;

/// The highest sequence number: sequences are Java `int`s and wrap from 2147483647 to 0.
pub const MAX_SEQUENCE: u32 = i32::MAX as u32;

/// Kafka's `DefaultRecordBatch.incrementSequence`: the sequence `increment` records after
/// `sequence`, wrapping past [`MAX_SEQUENCE`] to 0.
pub fn increment_sequence(sequence: u32, increment: u32) -> u32 {
    debug_assert!(sequence <= MAX_SEQUENCE && increment <= MAX_SEQUENCE);
    if sequence > MAX_SEQUENCE - increment {
        increment - (MAX_SEQUENCE - sequence) - 1
    } else {
        sequence + increment
    }
}

/// An idempotent producer's stamp on a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerStamp {
    pub producer: ProducerIdx,
    /// Bumped by the producer to start its sequences again from 0 (KIP-360).
    pub epoch: u32,
    /// The sequence number of the batch's first record.
    pub sequence: u32,
}

/// Kafka's error codes that the simulation produces, by their protocol names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KafkaError {
    OffsetOutOfRange,
    CorruptMessage,
    UnknownTopicOrPartition,
    LeaderNotAvailable,
    NotLeaderOrFollower,
    RequestTimedOut,
    MessageTooLarge,
    NetworkException,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    InvalidRequiredAcks,
    OutOfOrderSequenceNumber,
    DuplicateSequenceNumber,
    FencedLeaderEpoch,
    UnknownLeaderEpoch,
    InvalidRecord,
    InvalidProducerEpoch,
    InvalidUpdateVersion,
    IneligibleReplica,
    /// The client's own `org.apache.kafka.common.errors.TimeoutException`: a batch expired
    /// in the producer after `delivery.timeout.ms`, or metadata never came within
    /// `max.block.ms`.
    TimeoutException,
    /// A consumer with `auto.offset.reset=none` and no valid position.
    NoOffsetForPartitionException,
    CoordinatorNotAvailable,
    NotCoordinator,
    IllegalGeneration,
    InconsistentGroupProtocol,
    UnknownMemberId,
    RebalanceInProgress,
    FencedInstanceId,
    /// The client's `CommitFailedException`: the group rebalanced under a synchronous commit.
    CommitFailedException,
    InvalidProducerIdMapping,
    InvalidTxnState,
    ConcurrentTransactions,
    TransactionCoordinatorFenced,
    ProducerFenced,
    InvalidTransactionTimeout,
    /// The client's `TransactionAbortedException`: a batch still in the accumulator when the
    /// application aborted its transaction.
    TransactionAbortedException,
    /// The client's `IllegalStateException`: a transactional call out of order (send before
    /// begin_transaction, commit without a transaction).
    IllegalStateException,
    /// The client's `RebalanceInProgressException`: a commit during a rebalance, which the
    /// member may retry after poll() completes the rebalance.
    RebalanceInProgressException,
    /// KIP-447: OffsetFetch with `require_stable` while a transactional offset commit of the
    /// partition is pending (the client retries).
    UnstableOffsetCommit,
}

impl KafkaError {
    pub fn name(self) -> &'static str {
        use KafkaError::*;
        match self {
            OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            CorruptMessage => "CORRUPT_MESSAGE",
            UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            LeaderNotAvailable => "LEADER_NOT_AVAILABLE",
            NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            RequestTimedOut => "REQUEST_TIMED_OUT",
            MessageTooLarge => "MESSAGE_TOO_LARGE",
            NetworkException => "NETWORK_EXCEPTION",
            NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            InvalidRequiredAcks => "INVALID_REQUIRED_ACKS",
            OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            DuplicateSequenceNumber => "DUPLICATE_SEQUENCE_NUMBER",
            FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            UnknownLeaderEpoch => "UNKNOWN_LEADER_EPOCH",
            InvalidRecord => "INVALID_RECORD",
            InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            InvalidUpdateVersion => "INVALID_UPDATE_VERSION",
            IneligibleReplica => "INELIGIBLE_REPLICA",
            TimeoutException => "TimeoutException",
            NoOffsetForPartitionException => "NoOffsetForPartitionException",
            CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            NotCoordinator => "NOT_COORDINATOR",
            IllegalGeneration => "ILLEGAL_GENERATION",
            InconsistentGroupProtocol => "INCONSISTENT_GROUP_PROTOCOL",
            UnknownMemberId => "UNKNOWN_MEMBER_ID",
            RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            FencedInstanceId => "FENCED_INSTANCE_ID",
            CommitFailedException => "CommitFailedException",
            RebalanceInProgressException => "RebalanceInProgressException",
            InvalidProducerIdMapping => "INVALID_PRODUCER_ID_MAPPING",
            InvalidTxnState => "INVALID_TXN_STATE",
            ConcurrentTransactions => "CONCURRENT_TRANSACTIONS",
            TransactionCoordinatorFenced => "TRANSACTION_COORDINATOR_FENCED",
            ProducerFenced => "PRODUCER_FENCED",
            InvalidTransactionTimeout => "INVALID_TRANSACTION_TIMEOUT",
            TransactionAbortedException => "TransactionAbortedException",
            IllegalStateException => "IllegalStateException",
            UnstableOffsetCommit => "UNSTABLE_OFFSET_COMMIT",
        }
    }

    /// Whether the producer may retry it (R3.7: the exception extends RetriableException).
    pub fn is_retriable(self) -> bool {
        use KafkaError::*;
        matches!(
            self,
            CorruptMessage
                | UnknownTopicOrPartition
                | LeaderNotAvailable
                | NotLeaderOrFollower
                | RequestTimedOut
                | NetworkException
                | NotEnoughReplicas
                | NotEnoughReplicasAfterAppend
                | FencedLeaderEpoch
                | UnknownLeaderEpoch
                | OutOfOrderSequenceNumber
        )
    }

    /// Whether the client should refresh its metadata (the exception extends
    /// InvalidMetadataException): the leader it knows may be stale.
    pub fn refreshes_metadata(self) -> bool {
        use KafkaError::*;
        matches!(
            self,
            UnknownTopicOrPartition
                | LeaderNotAvailable
                | NotLeaderOrFollower
                | NetworkException
                | RequestTimedOut
                | FencedLeaderEpoch
                | UnknownLeaderEpoch
        )
    }
}

impl std::fmt::Display for KafkaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug)]
pub enum Message {
    // Broker and controller.
    /// Every `broker.heartbeat.interval.ms`; the first after a start registers the broker.
    Heartbeat {
        incarnation: u32,
        metadata_offset: u64,
    },
    HeartbeatResponse {
        image: Option<Arc<MetadataImage>>,
        /// False when the controller refused a new incarnation's registration.
        accepted: bool,
    },
    /// Pushed to every broker after each change, as brokers tail the KRaft metadata log.
    MetadataUpdate(Arc<MetadataImage>),
    /// The leader's proposal to change the ISR (KIP-497).
    AlterPartition {
        partition: TopicPartition,
        leader_epoch: LeaderEpoch,
        partition_epoch: u32,
        isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        partition: TopicPartition,
        result: Result<PartitionState, KafkaError>,
    },

    // Replication and consumption.
    Fetch(FetchRequest),
    FetchResponse(FetchResponse),

    // Clients.
    /// A client asks for the cluster's metadata, naming the topics it needs; a broker may
    /// auto-create missing ones when the client allows it (R11.1).
    MetadataRequest {
        topics: Vec<TopicId>,
        allow_auto_create: bool,
    },
    /// A broker asks the controller to create a topic a metadata request named.
    CreateTopic {
        topic: TopicId,
    },
    /// `None` from a broker that has no metadata yet (it just started).
    MetadataResponse(Option<Arc<MetadataImage>>),
    Produce(ProduceRequest),
    ProduceResponse(ProduceResponse),
    ListOffsets {
        correlation: u64,
        partition: TopicPartition,
        earliest: bool,
    },
    ListOffsetsResponse {
        correlation: u64,
        partition: TopicPartition,
        result: Result<Offset, KafkaError>,
    },
    /// KIP-320: where does the leader's log end for this epoch?
    OffsetForLeaderEpoch {
        correlation: u64,
        partition: TopicPartition,
        epoch: LeaderEpoch,
        current_leader_epoch: LeaderEpoch,
    },
    OffsetForLeaderEpochResponse {
        correlation: u64,
        partition: TopicPartition,
        result: Result<(LeaderEpoch, Offset), KafkaError>,
    },
    // Consumer groups.
    GroupRequest {
        correlation: u64,
        group: GroupId,
        request: GroupRequest,
    },
    GroupResponse {
        correlation: u64,
        group: GroupId,
        response: GroupResponse,
    },
    // Transactions.
    TxnRequest {
        correlation: u64,
        txn: TransactionalId,
        request: TxnRequest,
    },
    TxnResponse {
        correlation: u64,
        txn: TransactionalId,
        response: TxnResponse,
    },
    /// From a transaction coordinator to a partition leader: write these markers.
    WriteTxnMarkers {
        correlation: u64,
        marker: TxnMarker,
    },
    WriteTxnMarkersResponse {
        correlation: u64,
        results: Vec<(TopicPartition, Result<(), KafkaError>)>,
    },
    /// The connection broke while requests were in flight (the broker's process died): they
    /// fail with NETWORK_EXCEPTION.
    Disconnected,
    /// No process listened at the other end: the message, returned unsent.
    Refused(Box<Message>),
}

impl Message {
    /// The Kafka API the message belongs to, as Kafka names it (`Produce`, `Fetch`,
    /// `JoinGroup`…), with `response` for an answer: what the explorer labels a message on
    /// the wire with.
    pub fn api_name(&self) -> String {
        use group::{GroupRequest as Req, GroupResponse as Resp};
        let name = match self {
            Message::Heartbeat { .. } => "BrokerHeartbeat",
            Message::HeartbeatResponse { .. } => "BrokerHeartbeat response",
            Message::MetadataUpdate(_) => "metadata log",
            Message::AlterPartition { .. } => "AlterPartition",
            Message::AlterPartitionResponse { .. } => "AlterPartition response",
            Message::Fetch(_) => "Fetch",
            Message::FetchResponse(_) => "Fetch response",
            Message::MetadataRequest { .. } => "Metadata",
            Message::CreateTopic { .. } => "CreateTopics",
            Message::MetadataResponse(_) => "Metadata response",
            Message::Produce(_) => "Produce",
            Message::ProduceResponse(_) => "Produce response",
            Message::ListOffsets { .. } => "ListOffsets",
            Message::ListOffsetsResponse { .. } => "ListOffsets response",
            Message::OffsetForLeaderEpoch { .. } => "OffsetForLeaderEpoch",
            Message::OffsetForLeaderEpochResponse { .. } => "OffsetForLeaderEpoch response",
            Message::GroupRequest { request, .. } => match request {
                Req::FindCoordinator => "FindCoordinator",
                Req::Join(_) => "JoinGroup",
                Req::Sync { .. } => "SyncGroup",
                Req::Heartbeat { .. } => "Heartbeat",
                Req::Leave { .. } => "LeaveGroup",
                Req::OffsetCommit { .. } => "OffsetCommit",
                Req::TxnOffsetCommit { .. } => "TxnOffsetCommit",
                Req::OffsetFetch { .. } => "OffsetFetch",
            },
            Message::GroupResponse { response, .. } => match response {
                Resp::FindCoordinator(_) => "FindCoordinator response",
                Resp::Join(_) | Resp::MemberIdRequired(_) => "JoinGroup response",
                Resp::Sync(_) => "SyncGroup response",
                Resp::Heartbeat(_) => "Heartbeat response",
                Resp::Leave => "LeaveGroup response",
                Resp::OffsetCommit(_) => "OffsetCommit response",
                Resp::TxnOffsetCommit(_) => "TxnOffsetCommit response",
                Resp::OffsetFetch(_) => "OffsetFetch response",
            },
            Message::TxnRequest { request, .. } => match request {
                TxnRequest::FindCoordinator => "FindCoordinator",
                TxnRequest::InitProducerId { .. } => "InitProducerId",
                TxnRequest::AddPartitions { .. } => "AddPartitionsToTxn",
                TxnRequest::AddOffsets { .. } => "AddOffsetsToTxn",
                TxnRequest::EndTxn { .. } => "EndTxn",
            },
            Message::TxnResponse { response, .. } => match response {
                TxnResponse::FindCoordinator(_) => "FindCoordinator response",
                TxnResponse::InitProducerId(_) => "InitProducerId response",
                TxnResponse::AddPartitions(_) => "AddPartitionsToTxn response",
                TxnResponse::AddOffsets(_) => "AddOffsetsToTxn response",
                TxnResponse::EndTxn(_) => "EndTxn response",
            },
            Message::WriteTxnMarkers { .. } => "WriteTxnMarkers",
            Message::WriteTxnMarkersResponse { .. } => "WriteTxnMarkers response",
            Message::Disconnected => "disconnected",
            Message::Refused(message) => return format!("{} (refused)", message.api_name()),
        };
        name.to_string()
    }
}

#[derive(Clone, Debug)]
pub struct FetchRequest {
    pub correlation: u64,
    /// `Some` for a follower, `None` for a consumer (which reads only below the HW).
    pub replica: Option<BrokerId>,
    /// The follower's broker epoch: its incarnation as registered with the controller, or
    /// `None` (Kafka's -1) before the registration was accepted.
    pub broker_epoch: Option<u32>,
    pub partitions: Vec<FetchPartition>,
    /// How long the leader may hold the request when there is nothing to return.
    pub max_wait: SimTime,
    /// `fetch.min.bytes` (a consumer) or `replica.fetch.min.bytes` (a follower): the leader
    /// answers before `max_wait` only once this many bytes are readable.
    pub min_bytes: u64,
    pub max_bytes: u64,
    /// A consumer's `isolation.level=read_committed`: read below the last stable offset.
    pub read_committed: bool,
}

#[derive(Clone, Debug)]
pub struct FetchPartition {
    pub partition: TopicPartition,
    pub fetch_offset: Offset,
    /// The epoch of the last batch the follower holds (KIP-595 style divergence check).
    pub last_fetched_epoch: Option<LeaderEpoch>,
    /// The leader epoch the fetcher believes current (KIP-320).
    pub current_leader_epoch: LeaderEpoch,
}

#[derive(Clone, Debug)]
pub struct FetchResponse {
    pub correlation: u64,
    pub partitions: Vec<FetchPartitionResponse>,
}

#[derive(Clone, Debug)]
pub struct FetchPartitionResponse {
    pub partition: TopicPartition,
    pub error: Option<KafkaError>,
    pub high_watermark: Offset,
    /// The leader's log start offset: a follower moves its own up to it (R10.3).
    pub log_start_offset: Offset,
    pub log_end_offset: Offset,
    pub batches: Vec<Arc<StoredBatch>>,
    /// Set when the follower's log diverges: the leader's (epoch, end offset) for the epoch the
    /// follower last fetched.
    pub diverging_epoch: Option<(LeaderEpoch, Offset)>,
    /// The leader's last stable offset.
    pub last_stable_offset: Offset,
    /// For a read_committed fetch: the aborted transactions in the range returned.
    pub aborted: Vec<crate::kafka::idempotence::AbortedTxn>,
}

#[derive(Clone, Debug)]
pub struct ProduceRequest {
    pub correlation: u64,
    pub acks: Acks,
    /// How long the leader may wait for the ISR (the producer's `request.timeout.ms`).
    pub timeout: SimTime,
    pub batches: Vec<ProduceBatch>,
}

#[derive(Clone, Debug)]
pub struct ProduceBatch {
    pub partition: TopicPartition,
    pub records: Arc<Vec<RecordId>>,
    pub bytes: u32,
    /// The idempotent producer's stamp: producer, producer epoch, first sequence.
    pub producer: Option<ProducerStamp>,
    /// Whether a record of the batch has a null key, which a compacted topic refuses.
    pub null_key: bool,
    /// Written inside a transaction.
    pub transactional: bool,
}

#[derive(Clone, Debug)]
pub struct ProduceResponse {
    pub correlation: u64,
    pub partitions: Vec<(TopicPartition, Result<Offset, KafkaError>)>,
}
