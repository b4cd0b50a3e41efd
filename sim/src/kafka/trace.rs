//! The trace: every state change of a run, one event per line, with the reason where the
//! event teaches something (`12.345ms b1 orders-0 hw 4→5 (min leo over isr [1, 2])`).
//!
//! The text form is canonical: its hash identifies a run and the snapshots pin it. Events are
//! stored as data and rendered on demand, so recording one costs little.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::ids::{BrokerId, LeaderEpoch, NodeId, Offset, TopicId, TopicPartition};
use crate::engine::time::{SimTime, format_duration};

mod text;
mod text_ko;
mod why;

pub use why::Why;
pub(crate) use why::why;

/// Names for rendering: topics, producers and consumers by index.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub scenario: String,
    pub seed: u64,
    pub topics: Vec<String>,
    pub producers: Vec<String>,
    pub consumers: Vec<String>,
}

impl Names {
    pub fn partition(&self, tp: TopicPartition) -> String {
        let topic = self
            .topics
            .get(tp.topic.0 as usize)
            .map_or("?", String::as_str);
        format!("{topic}-{}", tp.partition)
    }

    pub fn node(&self, node: NodeId) -> String {
        match node {
            NodeId::Controller => "ctl".to_string(),
            NodeId::Broker(b) => b.to_string(),
            NodeId::Producer(p) => self.producers[p.0 as usize].clone(),
            NodeId::Consumer(c) => self.consumers[c.0 as usize].clone(),
            NodeId::External(c) => format!("live{c}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    pub time: SimTime,
    #[serde(skip)]
    pub node: NodeId,
    pub event: TraceEvent,
}

/// What happened. Variants that teach carry a `why`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceEvent {
    Say {
        #[serde(flatten)]
        text: crate::scenario::Narration,
    },
    /// A lesson asks a `[[quiz]]` question here (predict, then watch).
    Ask {
        question: String,
    },
    Crash,
    PowerLoss {
        lost: Vec<(TopicPartition, Offset, Offset)>,
    },
    Restart,
    Isolate {
        broker: BrokerId,
    },
    NetworkPartition {
        groups: Vec<Vec<BrokerId>>,
    },
    Heal,
    Slow {
        broker: BrokerId,
        latency: SimTime,
    },
    ClientStarted,
    ClientStopped,
    /// A leader appended a producer's batch.
    Append {
        partition: TopicPartition,
        base: Offset,
        count: u32,
        epoch: LeaderEpoch,
        leo: Offset,
    },
    /// A follower appended what it fetched from the leader.
    Replicate {
        partition: TopicPartition,
        leader: BrokerId,
        base: Offset,
        count: u32,
        leo: Offset,
    },
    HighWatermark {
        partition: TopicPartition,
        from: Offset,
        to: Offset,
        why: HighWatermarkCause,
    },
    ProduceRejected {
        partition: TopicPartition,
        error: String,
        why: Why,
    },
    IsrProposed {
        partition: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
        why: Why,
    },
    IsrChanged {
        partition: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
    },
    Election {
        partition: TopicPartition,
        leader: Option<BrokerId>,
        epoch: LeaderEpoch,
        isr: Vec<BrokerId>,
        why: Why,
    },
    BecameLeader {
        partition: TopicPartition,
        epoch: LeaderEpoch,
        high_watermark: Offset,
        leo: Offset,
    },
    BecameFollower {
        partition: TopicPartition,
        leader: Option<BrokerId>,
        epoch: LeaderEpoch,
    },
    Truncate {
        partition: TopicPartition,
        from: Offset,
        to: Offset,
        why: Why,
    },
    TopicCreated {
        topic: TopicId,
        partitions: u32,
        replication_factor: u32,
        why: Why,
    },
    TopicNotCreated {
        topic: TopicId,
        error: String,
        why: Why,
    },
    TopicDeleted {
        topic: TopicId,
    },
    /// A broker asks the controller to create a topic a metadata request named (R11).
    AutoCreateRequested {
        topic: TopicId,
        #[serde(skip)]
        client: NodeId,
    },
    /// A client's metadata lacks a topic it needs.
    TopicMissing {
        topic: TopicId,
        error: String,
        why: Why,
    },
    ReplicaDeleted {
        partition: TopicPartition,
        records: u32,
    },
    SegmentRolled {
        partition: TopicPartition,
        base: Offset,
        why: Why,
    },
    SegmentsDeleted {
        partition: TopicPartition,
        /// Base offsets of the deleted segments.
        segments: Vec<Offset>,
        records: u32,
        /// The log start offset before and after.
        log_start: (Offset, Offset),
        why: Why,
    },
    LogCleaned {
        partition: TopicPartition,
        from: Offset,
        to: Offset,
        /// Offsets removed because a later record has their key.
        superseded: Vec<Offset>,
        /// Tombstones removed because their delete horizon passed.
        tombstones: Vec<Offset>,
        why: Why,
    },
    Fenced {
        broker: BrokerId,
        why: Why,
    },
    Unfenced {
        broker: BrokerId,
    },
    RegistrationRefused {
        broker: BrokerId,
    },
    /// Before Kafka 2.2 (KIP-380): a restarted broker whose old session was still alive
    /// registers at once and keeps its ISR places.
    BouncedBrokerKeptIsr {
        broker: BrokerId,
    },
    Loaded {
        partition: TopicPartition,
        leo: Offset,
        high_watermark: Offset,
    },
    Flush {
        partition: TopicPartition,
        to: Offset,
    },
    Metadata {
        leaders: String,
    },
    /// An idempotent producer's retry of a batch already written.
    Duplicate {
        partition: TopicPartition,
        base: Offset,
        count: u32,
    },
    ProducerEpochBumped {
        epoch: u32,
    },
    /// A key's record hashed to another partition than the key's earlier records, because
    /// the topic's partition count changed (R7.6).
    KeyMoved {
        key: String,
        from: TopicPartition,
        to: TopicPartition,
        partitions_before: u32,
        partitions_now: u32,
    },
    ConnectionRefused {
        broker: BrokerId,
        retry_at: SimTime,
    },
    /// After refusals, a connection attempt got through.
    ConnectionAccepted {
        broker: BrokerId,
        sent_at: SimTime,
    },
    ProduceSent {
        partition: TopicPartition,
        to: BrokerId,
        count: u32,
        first: u32,
        attempt: u32,
        /// With compression: the codec, and the batch's bytes before and after it.
        #[serde(skip_serializing_if = "Option::is_none")]
        compressed: Option<(&'static str, u32, u32)>,
    },
    /// send() blocked for `buffer.memory` (traced the first time only).
    SendBlocked {
        since: SimTime,
        why: Why,
    },
    /// send() itself failed: the record never reached the accumulator, or waited too long
    /// for memory (traced the first time only).
    SendFailed {
        record: u32,
        error: String,
    },
    ProduceAcked {
        partition: TopicPartition,
        base: Offset,
        count: u32,
        first: u32,
    },
    ProduceFailed {
        partition: TopicPartition,
        count: u32,
        first: u32,
        error: String,
        retry: bool,
    },
    RecordsLost {
        partition: TopicPartition,
        count: u32,
        values: String,
        why: Why,
    },
    /// Records reported lost are in the leader's log again (the replica that kept them leads).
    RecordsRecovered {
        partition: TopicPartition,
        count: u32,
        values: String,
        why: Why,
    },
    Consumed {
        partition: TopicPartition,
        from: Offset,
        to: Offset,
        values: String,
    },
    OffsetReset {
        partition: TopicPartition,
        to: Offset,
        why: Why,
    },
    Assigned {
        partitions: Vec<TopicPartition>,
    },
    ConsumerError {
        partition: TopicPartition,
        error: String,
    },
    // The group coordinator.
    GroupMember {
        group: String,
        member: String,
        what: Why,
    },
    RebalanceStarted {
        group: String,
        generation: i32,
        why: Why,
    },
    JoinCompleted {
        group: String,
        generation: i32,
        protocol: String,
        leader: String,
        members: Vec<String>,
    },
    GroupStable {
        group: String,
        generation: i32,
        protocol: String,
        assignment: Vec<(String, Vec<TopicPartition>)>,
    },
    GroupEmpty {
        group: String,
        generation: i32,
    },
    GroupLoaded {
        group: String,
        generation: i32,
        members: u32,
        offsets: u32,
    },
    OffsetsCommitted {
        group: String,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    // A group member.
    /// What a member did or learned about its group: found the coordinator, joined, left.
    Membership {
        what: Why,
    },
    Revoked {
        partitions: Vec<TopicPartition>,
        why: Why,
    },
    Processed {
        count: u32,
        values: String,
    },
    CommitSent {
        offsets: Vec<(TopicPartition, Offset)>,
        how: Why,
    },
    CommitFailed {
        error: String,
        why: Why,
    },
    // Transactions.
    /// A transaction coordinator changed a transactional.id's state (and wrote it to
    /// `__transaction_state`, or loaded it from there).
    TxnState {
        txn: String,
        from: String,
        to: String,
        producer: u32,
        epoch: u32,
        why: Why,
    },
    /// A partition leader wrote a transaction marker (a control batch taking one offset).
    TxnMarker {
        partition: TopicPartition,
        control: String,
        producer: u32,
        epoch: u32,
        offset: Offset,
        last_stable_offset: Offset,
    },
    /// What a transactional producer did or learned: its producer id, a new transaction,
    /// a commit, being fenced.
    Transaction {
        what: Why,
    },
    /// A group coordinator's transactional offsets (`sendOffsetsToTransaction`): held
    /// `pending` for the producer id once TxnOffsetCommit is replicated, then `committed`
    /// (they become the group's offsets) or `aborted` (dropped) by the transaction's marker.
    TxnOffsets {
        group: String,
        producer: u32,
        outcome: String,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    // A Kafka Streams member.
    /// What a Kafka Streams thread did: took or gave up a task, restored a store from its
    /// changelog, committed.
    Streams {
        what: Why,
    },
    /// A broker stopped by a controlled shutdown: leaderships moved, logs flushed.
    Shutdown,
    /// The controller changed a partition's eligible leader replicas (KIP-966): the replicas
    /// outside the ISR that hold every committed record and may lead when the ISR is empty.
    ElrChanged {
        partition: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
        why: Why,
    },
}

impl TraceEvent {
    /// One word for the kind of event, for filters and JSON.
    pub fn kind(&self) -> &'static str {
        use TraceEvent::*;
        match self {
            Say { .. } => "say",
            Ask { .. } => "ask",
            Crash
            | Shutdown
            | PowerLoss { .. }
            | Restart
            | Isolate { .. }
            | NetworkPartition { .. }
            | Heal
            | Slow { .. } => "fault",
            ClientStarted | ClientStopped => "client",
            Append { .. } | Replicate { .. } | Flush { .. } | Loaded { .. } => "log",
            HighWatermark { .. } => "hw",
            IsrProposed { .. } | IsrChanged { .. } | ElrChanged { .. } => "isr",
            Election { .. } | BecameLeader { .. } | BecameFollower { .. } => "election",
            Truncate { .. } => "truncate",
            SegmentRolled { .. } => "log",
            TopicCreated { .. } | TopicDeleted { .. } | AutoCreateRequested { .. } => "topic",
            ReplicaDeleted { .. } => "topic",
            TopicNotCreated { .. } | TopicMissing { .. } => "error",
            SegmentsDeleted { .. } | LogCleaned { .. } => "cleanup",
            Fenced { .. } | Unfenced { .. } | RegistrationRefused { .. } => "fence",
            BouncedBrokerKeptIsr { .. } => "fence",
            Metadata { .. } => "metadata",
            ProduceSent { .. } | ProduceAcked { .. } | SendBlocked { .. } => "produce",
            SendFailed { .. } => "error",
            ConnectionRefused { .. } => "error",
            ConnectionAccepted { .. } => "produce",
            Duplicate { .. } | ProducerEpochBumped { .. } | KeyMoved { .. } => "produce",
            ProduceRejected { .. } | ProduceFailed { .. } | ConsumerError { .. } => "error",
            RecordsLost { .. } | RecordsRecovered { .. } => "loss",
            Consumed { .. } | OffsetReset { .. } | Assigned { .. } | Processed { .. } => "consume",
            GroupMember { .. }
            | RebalanceStarted { .. }
            | JoinCompleted { .. }
            | GroupStable { .. }
            | GroupEmpty { .. }
            | GroupLoaded { .. }
            | Membership { .. }
            | Revoked { .. } => "group",
            OffsetsCommitted { .. } | CommitSent { .. } => "commit",
            CommitFailed { .. } => "error",
            TxnState { .. } | TxnMarker { .. } | Transaction { .. } | TxnOffsets { .. } => "txn",
            Streams { .. } => "streams",
        }
    }
}

impl TraceEvent {
    /// The event's free-text reason (`why`, a member's `what`, a commit's `how`), if it has one.
    pub fn reason(&self) -> Option<&Why> {
        use TraceEvent::*;
        match self {
            ProduceRejected { why, .. }
            | IsrProposed { why, .. }
            | Election { why, .. }
            | Truncate { why, .. }
            | TopicCreated { why, .. }
            | TopicNotCreated { why, .. }
            | TopicMissing { why, .. }
            | SegmentRolled { why, .. }
            | SegmentsDeleted { why, .. }
            | LogCleaned { why, .. }
            | Fenced { why, .. }
            | SendBlocked { why, .. }
            | RecordsLost { why, .. }
            | RecordsRecovered { why, .. }
            | OffsetReset { why, .. }
            | RebalanceStarted { why, .. }
            | Revoked { why, .. }
            | CommitFailed { why, .. }
            | TxnState { why, .. }
            | ElrChanged { why, .. } => Some(why),
            GroupMember { what, .. }
            | Membership { what }
            | Transaction { what }
            | Streams { what } => Some(what),
            CommitSent { how, .. } => Some(how),
            _ => None,
        }
    }
}

/// Why a high watermark moved; kept as data because it is the most frequent event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum HighWatermarkCause {
    /// On the leader: the lowest log end offset among these replicas (R1.2).
    LowestLogEnd { among: Vec<BrokerId> },
    /// On the leader: the ISR is the leader alone, so its own log end.
    LeaderAlone { isr: Vec<BrokerId>, leo: Offset },
    /// On a follower: the value in the leader's fetch response (R1.4).
    FromLeader { leader: BrokerId },
}

impl fmt::Display for HighWatermarkCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HighWatermarkCause::LowestLogEnd { among } => {
                write!(f, "lowest leo among {}", brokers(among))
            }
            HighWatermarkCause::LeaderAlone { isr, leo } => {
                write!(f, "isr {} is the leader alone, leo {leo}", brokers(isr))
            }
            HighWatermarkCause::FromLeader { leader } => {
                write!(f, "from leader {leader}'s fetch response")
            }
        }
    }
}

/// `[1, 2, 3]`, the way Kafka's tools print replica lists.
pub fn brokers(list: &[BrokerId]) -> String {
    let ids: Vec<String> = list.iter().map(|b| b.0.to_string()).collect();
    format!("[{}]", ids.join(","))
}

#[derive(Clone, Debug, Default)]
pub struct Trace {
    names: Arc<Names>,
    entries: Vec<TraceEntry>,
    /// Entries handed out by `drain()`: indices keep counting from the first entry ever
    /// recorded, so the ledger's references to trace lines stay meaningful.
    drained: usize,
}

impl Trace {
    pub fn new(names: Names) -> Trace {
        Trace {
            names: Arc::new(names),
            entries: Vec::new(),
            drained: 0,
        }
    }

    pub fn push(&mut self, time: SimTime, node: NodeId, event: TraceEvent) {
        self.entries.push(TraceEntry { time, node, event });
    }

    /// The entries recorded since the last `drain()` (all of them if it was never called).
    pub fn entries(&self) -> &[TraceEntry] {
        &self.entries
    }

    /// Moves out the entries recorded since the last drain. The explorer keeps the trace of a
    /// run once and drains each keyframe's copy, so that a clone of a world stays small.
    pub fn drain(&mut self) -> Vec<TraceEntry> {
        self.drained += self.entries.len();
        std::mem::take(&mut self.entries)
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    /// Entries ever recorded, drained ones included: the index the next entry will get.
    pub fn len(&self) -> usize {
        self.drained + self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The header line: which scenario, which seed.
    pub fn header(&self) -> String {
        format!(
            "# ksim trace: {} (seed {})",
            self.names.scenario, self.names.seed
        )
    }

    /// One entry as its text line (without the newline).
    pub fn line(&self, index: usize) -> String {
        match index.checked_sub(self.drained) {
            Some(i) if i < self.entries.len() => self.entry_line(&self.entries[i]),
            _ => format!("(trace event {index})"),
        }
    }

    /// An entry as its text line, for entries kept outside the trace (drained ones).
    pub fn entry_line(&self, entry: &TraceEntry) -> String {
        let mut out = String::new();
        self.write_line(entry, &mut out);
        out
    }

    /// What an entry says, without its time and node: `orders-0 hw 3→6 (…)`.
    pub fn event_text(&self, event: &TraceEvent) -> String {
        let mut out = String::new();
        event.render(&self.names, &mut out);
        out
    }

    /// An entry as its text line in a language: the canonical English line, or its Korean
    /// rendering (for the explorer under `--lang ko`; never hashed or written to files).
    pub fn entry_line_in(&self, entry: &TraceEntry, lang: crate::scenario::Lang) -> String {
        match lang {
            crate::scenario::Lang::En => self.entry_line(entry),
            crate::scenario::Lang::Ko => {
                let mut out = format!(
                    "{:>13} {:<6} ",
                    entry.time.to_string(),
                    self.names.node(entry.node)
                );
                entry.event.render_ko(&self.names, &mut out);
                out
            }
        }
    }

    /// What an entry says in a language, without its time and node.
    pub fn event_text_in(&self, event: &TraceEvent, lang: crate::scenario::Lang) -> String {
        let mut out = String::new();
        match lang {
            crate::scenario::Lang::En => event.render(&self.names, &mut out),
            crate::scenario::Lang::Ko => event.render_ko(&self.names, &mut out),
        }
        out
    }

    fn write_line(&self, entry: &TraceEntry, out: &mut String) {
        let _ = write!(
            out,
            "{:>13} {:<6} ",
            entry.time.to_string(),
            self.names.node(entry.node)
        );
        entry.event.render(&self.names, out);
    }

    /// The canonical text form: the header, then one event per line.
    pub fn to_text(&self) -> String {
        let mut out = self.header();
        out.push('\n');
        for entry in &self.entries {
            self.write_line(entry, &mut out);
            out.push('\n');
        }
        out
    }

    /// The same events as JSON Lines: time in microseconds, node, kind, the rendered text and
    /// the event's fields.
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            let mut text = String::new();
            entry.event.render(&self.names, &mut text);
            let line = serde_json::json!({
                "time_us": entry.time.as_micros(),
                "node": self.names.node(entry.node),
                "kind": entry.event.kind(),
                "text": text,
                "event": entry.event,
            });
            out.push_str(&line.to_string());
            out.push('\n');
        }
        out
    }

    /// The first 16 hex digits of the SHA-256 of the text form: a run's fingerprint.
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(self.to_text().as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}
