//! What Kafka's nodes ask of the engine: the messages of `message`, the timers below, the
//! trace's events and the notes the ledger needs. [`Kafka`] names them for the engine, and
//! [`Ctx`] is the context every broker, controller and client handler receives.

use std::sync::Arc;

use crate::engine::ctx;
use crate::engine::ids::{BrokerId, ConsumerIdx, GroupId, Offset, RecordId, TopicPartition};
use crate::engine::time::SimTime;
use crate::kafka::message::Message;
use crate::kafka::trace::TraceEvent;

/// The Kafka model, as the engine sees it: which messages, timers, trace events and notes its
/// nodes exchange.
#[derive(Clone, Copy, Debug)]
pub struct Kafka;

impl ctx::Model for Kafka {
    type Message = Message;
    type Timer = Timer;
    type Trace = TraceEvent;
    type Note = Note;
}

/// What a Kafka node's handler receives: the clock, its address, and its effects.
pub type Ctx<'a> = ctx::Ctx<'a, Kafka>;

/// Something a Kafka node asked for while handling an event.
pub type Effect = ctx::Effect<Kafka>;

/// Facts the ledger needs, reported by the node that saw them.
#[derive(Clone, Debug)]
pub enum Note {
    /// A broker became leader: acknowledged records its log lacks are lost.
    LeaderChanged {
        broker: BrokerId,
        partition: TopicPartition,
    },
    /// A leader's high watermark advanced: the records in between are committed.
    HighWatermark {
        broker: BrokerId,
        partition: TopicPartition,
        from: Offset,
        to: Offset,
    },
    /// A replica removed records from its log (truncation or a power loss).
    Truncated {
        broker: BrokerId,
        partition: TopicPartition,
        removed: Vec<(Offset, RecordId)>,
        why: crate::kafka::trace::Why,
    },
    /// A replica's log cleanup removed records, as its topic's settings ask.
    Removed {
        partition: TopicPartition,
        records: Vec<(Offset, RecordId)>,
    },
    /// A producer learned that records were written at these offsets (`None` for acks=0).
    Acked {
        partition: TopicPartition,
        base: Option<Offset>,
        records: Arc<Vec<RecordId>>,
    },
    /// A consumer's poll() returned records.
    Consumed {
        consumer: ConsumerIdx,
        partition: TopicPartition,
        records: Vec<(Offset, RecordId)>,
    },
    /// A consumer's application finished processing records.
    Processed {
        consumer: ConsumerIdx,
        records: Vec<(TopicPartition, Offset, RecordId)>,
    },
}

/// Timers, each addressed to one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    // Brokers.
    Heartbeat,
    Register,
    IsrCheck,
    HighWatermarkCheckpoint,
    ParkedFetchExpiry(u64),
    DelayedProduceExpiry,
    FetcherTimeout {
        leader: BrokerId,
        correlation: u64,
    },
    FetcherBackoff {
        leader: BrokerId,
    },
    // The controller.
    SessionExpiry(BrokerId),
    LeaderRebalance,
    /// A group coordinator's deadlines: sessions, the initial delay, the rebalance timeout.
    Group(GroupId),
    /// A transaction coordinator's periodic look for timed-out transactions, and its retry
    /// of markers and state writes.
    TxnAbortCheck,
    TxnMarkerRetry,
    /// A broker's retention check and its log cleaner's wake-up.
    LogRetention,
    LogCleaner,
    // Clients.
    Wake(SimTime),
    /// A consumer's application finished processing the records of one poll.
    Processed,
    /// A consumer's heartbeat thread.
    GroupHeartbeat,
    RequestTimeout(u64),
    MetadataTimeout(u64),
    /// A Kafka Streams thread's commit.interval.ms, and its next restore poll.
    StreamsCommit,
    StreamsRestore,
}
