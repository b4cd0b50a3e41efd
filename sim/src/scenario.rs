//! A scenario: the cluster to build, the clients, the timeline of steps and the expectations,
//! as parsed and checked from a TOML file (see `scenario/parse.rs` and the README).
//!
//! Everything here is resolved: names are indices, durations are `SimTime`, configs are typed.
//! Positions (`Pos`) are kept so that a failed expectation can point at its line.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::{BrokerConfig, ConsumerConfig, ProducerConfig, TopicConfig};
use crate::engine::ids::{BrokerId, ConsumerIdx, ProducerIdx, TopicId, TopicPartition};
use crate::engine::time::SimTime;

pub mod nemesis;
mod parse;
pub mod streams;

pub use parse::{
    CONSUMER_ERRORS, MAX_BROKERS, MAX_PARTITIONS, MAX_RECORDS_PER_STEP, PRODUCER_ERRORS,
    ScenarioError, parse, parse_as, parse_bytes,
};

/// A place in a scenario file, for messages: 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    /// The 1-based line and column (in characters, as toml counts them) of a byte offset of
    /// `text`; every file ksim reads names its mistakes this way.
    pub fn of(text: &str, offset: usize) -> Pos {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file name given to `parse`, used in every message (`scenarios/x.toml`).
    pub file: String,
    pub name: String,
    pub description: Option<String>,
    /// Ids from facts.md (`F17`) that this scenario demonstrates.
    pub facts: Vec<String>,
    pub seed: Option<u64>,
    pub duration: SimTime,
    pub brokers: u32,
    /// The broker-level settings, `[cluster] config`, defaults filled in.
    pub broker_config: BrokerConfig,
    pub network: NetworkSpec,
    /// The scenario's topics, then `__consumer_offsets` when a consumer has a group.
    pub topics: Vec<TopicSpec>,
    /// Every `group.id` the consumers use, in order of first use.
    pub groups: Vec<String>,
    /// Every `transactional.id` the producers use, in order of first use; with any, the
    /// cluster has `__transaction_state`.
    pub transactional_ids: Vec<String>,
    pub producers: Vec<ProducerSpec>,
    pub consumers: Vec<ConsumerSpec>,
    /// `[[streams]]`: Kafka Streams applications; their members are among `consumers` and
    /// `producers`.
    pub streams: Vec<streams::StreamsSpec>,
    /// In time order (stable for equal times: file order).
    pub steps: Vec<Step>,
    pub expectations: Vec<Expectation>,
    /// `[faults]`: a random fault schedule to draw from the seed (`nemesis.rs`).
    pub faults: Option<crate::scenario::nemesis::FaultSpec>,
}

#[derive(Clone, Debug)]
pub struct NetworkSpec {
    /// One-way latency of every message, drawn uniformly from `[latency_min, latency_max]`.
    pub latency_min: SimTime,
    pub latency_max: SimTime,
}

#[derive(Clone, Debug)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    /// An explicit assignment, one replica list per partition; `None` lets the cluster place
    /// replicas as Kafka does.
    pub replicas: Option<Vec<Vec<BrokerId>>>,
    /// Topic-level settings over the broker defaults, already resolved.
    pub config: TopicConfig,
    /// Kafka's own topic (`__consumer_offsets`), created by the cluster, not the scenario.
    pub internal: bool,
    /// When the topic comes into being.
    pub origin: TopicOrigin,
}

/// When a topic comes into being (R11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopicOrigin {
    /// It exists from the start: `[[topics]]`, or `__consumer_offsets`.
    Start,
    /// A `create_topic` step creates it.
    Step,
    /// Named by a client but declared nowhere: it exists only if a metadata request creates
    /// it (`auto.create.topics.enable`), with `num.partitions` and
    /// `default.replication.factor`.
    Auto,
}

/// The topic where group coordinators keep committed offsets and group metadata.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// The topic where transaction coordinators keep each transactional.id's state.
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// The names of Kafka's `TransactionState`, as a `transaction_state` expectation gives them
/// (the coordinator's `TxnState` has the same, in this order).
pub const TRANSACTION_STATES: [&str; 8] = [
    "Empty",
    "Ongoing",
    "PrepareCommit",
    "PrepareAbort",
    "CompleteCommit",
    "CompleteAbort",
    "PrepareEpochFence",
    "Dead",
];

/// Whether a topic is one of Kafka's own, which only coordinators write.
pub fn is_internal_topic(name: &str) -> bool {
    name == OFFSETS_TOPIC || name == TRANSACTION_STATE_TOPIC
}

#[derive(Clone, Debug)]
pub struct ProducerSpec {
    pub name: String,
    pub config: ProducerConfig,
}

#[derive(Clone, Debug)]
pub struct ConsumerSpec {
    pub name: String,
    pub group: Option<String>,
    pub subscription: Subscription,
    pub config: ConsumerConfig,
    /// When the consumer starts.
    pub start: SimTime,
    /// How long the application takes per record between two polls (`processing`).
    pub processing: SimTime,
    /// When the application commits, besides auto-commit (`delivery`).
    pub delivery: Delivery,
}

/// `delivery`: where the application commits synchronously around its processing (R8.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// No commits of its own: `enable.auto.commit` decides.
    Auto,
    /// commitSync() of the positions after poll(), before processing: a crash in between
    /// loses the records.
    AtMostOnce,
    /// commitSync() after processing: a crash in between replays the records.
    AtLeastOnce,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscription {
    /// `subscribe = ["orders"]`: the group hands out the partitions.
    Topics(Vec<TopicId>),
    /// `assign = ["orders-0"]`: partitions picked by hand.
    Partitions(Vec<TopicPartition>),
}

#[derive(Clone, Debug)]
pub struct Step {
    pub at: SimTime,
    pub action: Action,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Produce(ProduceSpec),
    Crash(BrokerId),
    Restart(BrokerId),
    PowerLoss(BrokerId),
    /// A controlled shutdown: the controller moves the broker's leaderships away and takes
    /// it out of the ISRs, the broker flushes its logs and records a clean shutdown, then stops.
    Shutdown(BrokerId),
    Isolate(BrokerId),
    /// Groups of brokers; links between brokers of different groups are cut. Brokers named in
    /// no group keep all their links.
    Partition(Vec<Vec<BrokerId>>),
    Heal,
    Slow {
        broker: BrokerId,
        latency: SimTime,
    },
    AddPartitions {
        topic: TopicId,
        count: u32,
    },
    Start(Client),
    Stop(Client),
    /// The consumer's process dies: no commit, no LeaveGroup; its group notices only when
    /// the session times out.
    CrashConsumer(ConsumerIdx),
    /// commitSync() or commitAsync() of the consumer's current positions.
    Commit {
        consumer: ConsumerIdx,
        sync: bool,
    },
    /// The consumer subscribes to other topics: its group rebalances.
    Subscribe {
        consumer: ConsumerIdx,
        topics: Vec<TopicId>,
    },
    /// A transactional producer's `initTransactions()`, `beginTransaction()`,
    /// `commitTransaction()` or `abortTransaction()`.
    Transaction {
        producer: ProducerIdx,
        step: TxnStep,
    },
    /// `sendOffsetsToTransaction`: the consumer's positions and group metadata go into the
    /// producer's open transaction.
    SendOffsets {
        producer: ProducerIdx,
        consumer: ConsumerIdx,
    },
    /// The admin client creates the topic (`kafka-topics --create`).
    CreateTopic(TopicId),
    /// The admin client deletes the topic: every replica's log goes.
    DeleteTopic(TopicId),
    Say(Narration),
    /// A lesson's `[[quiz]]` question, by id: the explorer pauses here and asks it before
    /// the steps that show the answer (predict, then watch). The simulation only notes it.
    Ask(String),
}

/// The language a narration line is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

/// A `say` line: English always (the trace prints it), Korean when the file gives
/// `say = { en = "…", ko = "…" }`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Narration {
    #[serde(rename = "text")]
    pub en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ko: Option<String>,
}

impl Narration {
    /// A line with no Korean, as the simulator's own narration and a plain-string `say`.
    pub fn english(text: impl Into<String>) -> Narration {
        Narration {
            en: text.into(),
            ko: None,
        }
    }

    /// The line in `lang`; English when there is no Korean.
    pub fn text(&self, lang: Lang) -> &str {
        match (lang, &self.ko) {
            (Lang::Ko, Some(ko)) => ko,
            _ => &self.en,
        }
    }
}

/// The transactional producer's calls a step can make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnStep {
    Init,
    Begin,
    Commit,
    Abort,
}

impl TxnStep {
    /// The step's key in a scenario file.
    pub fn key(self) -> &'static str {
        match self {
            TxnStep::Init => "init_transactions",
            TxnStep::Begin => "begin_transaction",
            TxnStep::Commit => "commit_transaction",
            TxnStep::Abort => "abort_transaction",
        }
    }

    /// The `KafkaProducer` method it calls.
    pub fn method(self) -> &'static str {
        match self {
            TxnStep::Init => "initTransactions",
            TxnStep::Begin => "beginTransaction",
            TxnStep::Commit => "commitTransaction",
            TxnStep::Abort => "abortTransaction",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Client {
    Producer(ProducerIdx),
    Consumer(ConsumerIdx),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProduceSpec {
    pub producer: ProducerIdx,
    pub topic: TopicId,
    pub count: u32,
    /// Keys cycled over the records (`key = "k"` is a one-element list); empty means null keys.
    pub keys: Vec<Arc<str>>,
    /// A value for every record of the step; `None` gives the default `"<producer>-<n>"`.
    pub value: Option<Arc<str>>,
    /// Null values: each record is a tombstone for its key (R10.6).
    pub tombstone: bool,
    /// An explicit partition, which bypasses the partitioner.
    pub partition: Option<u32>,
    /// Records per second; `None` sends all of them at once.
    pub rate_per_sec: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Expectation {
    /// When to check; `None` means at the end of the run.
    pub at: Option<SimTime>,
    pub subject: Subject,
    pub pos: Pos,
    /// The `[[quiz]]` question whose marked answer this `check` states, if it is one.
    pub quiz: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    Ledger {
        acked_lost: Option<u64>,
        duplicated: Option<u64>,
        reordered: Option<u64>,
        /// Keys a producer sent to another partition than before (partition growth, R7.6).
        moved_keys: Option<u64>,
        /// Keyed records a consumer received after a record of the same key that its producer
        /// sent later: order per key as consumed, where `reordered` is order in the log.
        reordered_as_consumed: Option<u64>,
        /// Acknowledged records removed by retention or compaction (R10).
        removed: Option<u64>,
    },
    Partition {
        partition: TopicPartition,
        /// `leader = 2`; `leader = -1` or `leader = "none"` expects no leader.
        leader: Option<Option<BrokerId>>,
        offline: Option<bool>,
        /// Compared as a set.
        isr: Option<Vec<BrokerId>>,
        /// The eligible leader replicas (KIP-966), compared as a set.
        elr: Option<Vec<BrokerId>>,
        high_watermark: Option<u64>,
        leader_epoch: Option<u32>,
        leo: BTreeMap<BrokerId, u64>,
        /// Record values on a broker's replica, in offset order.
        log: BTreeMap<BrokerId, Vec<String>>,
        /// On the partition's leader (or, offline, the replica that will lead): the first
        /// offset a reader may fetch, the base offsets of its segments, the offsets it holds.
        log_start_offset: Option<u64>,
        segments: Option<Vec<u64>>,
        offsets: Option<Vec<u64>>,
        /// The leader's last stable offset.
        lso: Option<u64>,
    },
    Producer {
        producer: ProducerIdx,
        acked: Option<u64>,
        failed: Option<u64>,
        /// Kafka error names that must have occurred (`NOT_ENOUGH_REPLICAS`).
        errors: Vec<String>,
        /// Batches sent, each counted once (at its first send), and produce requests sent,
        /// retries included: exact counts.
        batches: Option<u64>,
        requests: Option<u64>,
        /// The mean records per batch sent, within `[min, max]` inclusive.
        records_per_batch: Option<(f64, f64)>,
        /// The producer's current epoch (a transactional producer's, from its coordinator).
        epoch: Option<u32>,
        /// The coordinator's state of the producer's transactional.id (`Ongoing`, ...).
        transaction_state: Option<String>,
    },
    Consumer {
        consumer: ConsumerIdx,
        received: Option<u64>,
        values: Option<Vec<String>>,
        assignment: Option<Vec<TopicPartition>>,
        /// Records whose processing finished.
        processed: Option<u64>,
        /// A running member of a group that owns no partition (F09).
        idle: Option<bool>,
        /// Per partition, high watermark minus position, as last seen.
        lag: BTreeMap<TopicPartition, u64>,
        /// Kafka's `records-lag-max` metric over its window (F14).
        records_lag_max: Option<u64>,
        /// Generations this consumer joined.
        rebalances: Option<u64>,
        /// Error and exception names that must have occurred (`CommitFailedException`).
        errors: Vec<String>,
        /// Records poll() returned that belong to aborted transactions.
        read_aborted: Option<u64>,
    },
    Group {
        group: String,
        /// Committed offsets, as the coordinator holds them.
        committed: BTreeMap<TopicPartition, u64>,
        generation: Option<u32>,
        state: Option<String>,
        /// Consumers (by scenario name) that are members now.
        members: Option<Vec<ConsumerIdx>>,
        /// The broker that coordinates the group.
        coordinator: Option<BrokerId>,
        /// Records committed past but never processed by any member.
        lost: Option<u64>,
        /// Records processed more than once within the group.
        reprocessed: Option<u64>,
    },
    /// A Kafka Streams application (`streams = "wordcount"`).
    Streams {
        app: usize,
        /// A store, and values per key it must hold (on the task that owns the key now).
        store: Option<usize>,
        entries: BTreeMap<String, String>,
        /// Per task, the member that owns it now.
        owners: BTreeMap<streams::TaskId, ConsumerIdx>,
        /// Changelog records read to restore stores, over the whole run.
        restored: Option<u64>,
        /// Records the application sent to its `to` topics.
        outputs: Option<u64>,
        /// Input records processed, repeats included.
        processed: Option<u64>,
        /// Input records processed more than once (their outputs went out again).
        reprocessed: Option<u64>,
    },
}

/// `__consumer_offsets` as Kafka creates it: `offsets.topic.num.partitions` partitions of
/// `replication_factor` replicas, compacted, with `offsets.topic.segment.bytes` (100 MiB)
/// segments, so that only each group's latest commit per partition stays.
pub fn offsets_topic(broker: &BrokerConfig, replication_factor: u32) -> TopicSpec {
    use crate::config::{ConfigValue, Setting};
    TopicSpec {
        name: OFFSETS_TOPIC.to_string(),
        partitions: broker.offsets_topic_num_partitions,
        replication_factor,
        replicas: None,
        config: TopicConfig::resolve(
            broker,
            &[
                Setting::new("cleanup.policy", ConfigValue::Str("compact".into())),
                Setting::new("segment.bytes", ConfigValue::Int(104_857_600)),
            ],
        )
        .expect("valid settings"),
        internal: true,
        origin: TopicOrigin::Start,
    }
}

impl Scenario {
    /// Gives the cluster `__consumer_offsets` from the start if no consumer of the scenario
    /// made it have one: live mode's real clients may form groups the file never names. The
    /// replication factor shrinks to the cluster, as for a scenario's groups.
    pub fn with_offsets_topic(&mut self) {
        if self
            .topics
            .iter()
            .any(|t| t.internal && t.name == OFFSETS_TOPIC)
        {
            return;
        }
        let rf = self
            .broker_config
            .offsets_topic_replication_factor
            .min(self.brokers);
        self.topics.push(offsets_topic(&self.broker_config, rf));
    }

    pub fn topic_name(&self, topic: TopicId) -> &str {
        &self.topics[topic.0 as usize].name
    }

    /// `orders-0`, as `kafka-topics --describe` and the scenario format name partitions.
    pub fn partition_name(&self, tp: TopicPartition) -> String {
        format!("{}-{}", self.topic_name(tp.topic), tp.partition)
    }
}
