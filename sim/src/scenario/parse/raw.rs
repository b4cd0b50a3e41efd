//! The scenario file as TOML spells it: one struct per table, every field optional and
//! spanned, so that the validation pass in `parse.rs` can name what is missing and point at
//! what is wrong.
//!
//! Unknown keys are refused here (`deny_unknown_fields`). Integers are read as `i64`, TOML's
//! own integer type, so that a negative or zero value reaches the checks that explain it
//! instead of failing as "not a u32". Values that take more than one form (a duration, a
//! leader that may be `"none"`, a latency range) are kept as `toml::Value`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A `config = { "name" = value }` table of Kafka settings, checked later against the table
/// in `config/catalogue.rs`.
pub type RawConfig = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// `log = { 1 = ["app-0", "app-1"] }`: record values per broker.
pub type BrokerValues = BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>;

/// `partition = [[1], [2, 3]]` and `replicas = [[1, 2, 3]]`: lists of broker lists.
pub type BrokerLists = Vec<Spanned<Vec<Spanned<i64>>>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub facts: Option<Spanned<Vec<Spanned<String>>>>,
    pub seed: Option<Spanned<i64>>,
    pub duration: Option<Spanned<toml::Value>>,
    pub cluster: Option<Spanned<RawCluster>>,
    pub network: Option<Spanned<RawNetwork>>,
    #[serde(default)]
    pub topics: Vec<Spanned<RawTopic>>,
    #[serde(default)]
    pub producers: Vec<Spanned<RawProducer>>,
    #[serde(default)]
    pub consumers: Vec<Spanned<RawConsumer>>,
    #[serde(default)]
    pub streams: Vec<Spanned<RawStreams>>,
    #[serde(default)]
    pub steps: Vec<Spanned<RawStep>>,
    #[serde(default)]
    pub expect: Vec<Spanned<RawExpect>>,
    pub faults: Option<Spanned<super::faults::RawFaults>>,
    /// A lesson that is also a scenario: the ui's lesson loader reads and checks `[lesson]`.
    pub lesson: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub quiz: Vec<Spanned<RawQuestion>>,
}

/// One `[[quiz]]` question of a lesson file. The simulator reads only its `id` and the `check`
/// expectations that state what its marked answer claims; the rest is the lesson loader's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: Option<Spanned<String>>,
    pub check: Option<Spanned<Vec<Spanned<RawExpect>>>>,
    #[serde(rename = "kind")]
    pub _kind: Option<toml::Value>,
    #[serde(rename = "question")]
    pub _question: Option<toml::Value>,
    #[serde(rename = "choices")]
    pub _choices: Option<toml::Value>,
    #[serde(rename = "answer")]
    pub _answer: Option<toml::Value>,
    #[serde(rename = "explain")]
    pub _explain: Option<toml::Value>,
    #[serde(rename = "area")]
    pub _area: Option<toml::Value>,
    #[serde(rename = "since")]
    pub _since: Option<toml::Value>,
    #[serde(rename = "code")]
    pub _code: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub brokers: Option<Spanned<i64>>,
    /// `kafka_version = "3.6"`: a string, kept as a value so that `3.6` (a float) gets its
    /// own message.
    pub kafka_version: Option<Spanned<toml::Value>>,
    pub config: Option<Spanned<RawConfig>>,
    /// `features = { "eligible.leader.replicas.version" = 1 }`: finalized feature levels, as
    /// `kafka-features.sh upgrade --feature` sets them.
    pub features: Option<Spanned<RawConfig>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub latency: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub name: Option<Spanned<String>>,
    pub partitions: Option<Spanned<i64>>,
    pub replication_factor: Option<Spanned<i64>>,
    pub replicas: Option<Spanned<BrokerLists>>,
    pub config: Option<Spanned<RawConfig>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProducer {
    pub name: Option<Spanned<String>>,
    pub config: Option<Spanned<RawConfig>>,
    pub required_configs: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsumer {
    pub name: Option<Spanned<String>>,
    pub group: Option<Spanned<String>>,
    pub subscribe: Option<Spanned<Vec<Spanned<String>>>>,
    pub assign: Option<Spanned<Vec<Spanned<String>>>>,
    pub config: Option<Spanned<RawConfig>>,
    pub start: Option<Spanned<toml::Value>>,
    pub processing: Option<Spanned<toml::Value>>,
    pub delivery: Option<Spanned<String>>,
}

/// One `[[streams]]` table: a Kafka Streams application. Its settings keep StreamsConfig's
/// names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStreams {
    pub name: Option<Spanned<String>>,
    #[serde(rename = "application.id")]
    pub application_id: Option<Spanned<String>>,
    pub instances: Option<Spanned<i64>>,
    #[serde(rename = "num.stream.threads")]
    pub num_stream_threads: Option<Spanned<i64>>,
    #[serde(rename = "processing.guarantee")]
    pub processing_guarantee: Option<Spanned<String>>,
    #[serde(rename = "num.standby.replicas")]
    pub num_standby_replicas: Option<Spanned<i64>>,
    #[serde(rename = "commit.interval.ms")]
    pub commit_interval_ms: Option<Spanned<i64>>,
    pub state_dir: Option<Spanned<String>>,
    pub processing: Option<Spanned<toml::Value>>,
    pub start: Option<Spanned<toml::Value>>,
    pub consumer_config: Option<Spanned<RawConfig>>,
    pub producer_config: Option<Spanned<RawConfig>>,
    pub topology: Option<Spanned<Vec<Spanned<RawOp>>>>,
}

/// One step of a `[[streams]]` topology: exactly one key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOp {
    pub source: Option<Spanned<Vec<Spanned<String>>>>,
    pub filter: Option<Spanned<RawFilter>>,
    #[serde(rename = "mapValues")]
    pub map_values: Option<Spanned<String>>,
    #[serde(rename = "selectKey")]
    pub select_key: Option<Spanned<String>>,
    #[serde(rename = "groupByKey")]
    pub group_by_key: Option<Spanned<bool>>,
    pub count: Option<Spanned<String>>,
    pub reduce: Option<Spanned<RawReduce>>,
    #[serde(rename = "toTable")]
    pub to_table: Option<Spanned<String>>,
    pub join: Option<Spanned<RawJoin>>,
    pub to: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFilter {
    pub key: Option<Spanned<String>>,
    pub value: Option<Spanned<String>>,
    pub value_starts_with: Option<Spanned<String>>,
    pub not: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReduce {
    pub store: Option<Spanned<String>>,
    pub with: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJoin {
    pub table: Option<Spanned<String>>,
    pub store: Option<Spanned<String>>,
}

/// One `[[steps]]` table: `at` and exactly one of the action keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub at: Option<Spanned<toml::Value>>,
    pub produce: Option<Spanned<RawProduce>>,
    /// A broker id, or a consumer's name.
    pub crash: Option<Spanned<toml::Value>>,
    pub restart: Option<Spanned<i64>>,
    pub power_loss: Option<Spanned<i64>>,
    pub shutdown: Option<Spanned<i64>>,
    pub isolate: Option<Spanned<i64>>,
    pub partition: Option<Spanned<BrokerLists>>,
    pub heal: Option<Spanned<bool>>,
    pub slow: Option<Spanned<RawSlow>>,
    pub add_partitions: Option<Spanned<RawAddPartitions>>,
    pub start: Option<Spanned<String>>,
    pub stop: Option<Spanned<String>>,
    /// A consumer's name (commitSync), or `{ consumer, sync }`.
    pub commit: Option<Spanned<toml::Value>>,
    pub subscribe: Option<Spanned<RawSubscribe>>,
    pub create_topic: Option<Spanned<RawTopic>>,
    pub delete_topic: Option<Spanned<String>>,
    /// A transactional producer's name.
    pub init_transactions: Option<Spanned<String>>,
    pub begin_transaction: Option<Spanned<String>>,
    pub commit_transaction: Option<Spanned<String>>,
    pub abort_transaction: Option<Spanned<String>>,
    /// `sendOffsetsToTransaction`: `{ producer, consumer }`.
    pub send_offsets: Option<Spanned<RawSendOffsets>>,
    /// Narration: a string (English) or `{ en = "…", ko = "…" }`.
    pub say: Option<Spanned<toml::Value>>,
    /// A `[[quiz]]` id of the same file: the explorer pauses and asks it (predict, then watch).
    pub ask: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSendOffsets {
    pub producer: Option<Spanned<String>>,
    pub consumer: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubscribe {
    pub consumer: Option<Spanned<String>>,
    pub topics: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProduce {
    pub producer: Option<Spanned<String>>,
    pub topic: Option<Spanned<String>>,
    pub count: Option<Spanned<i64>>,
    pub key: Option<Spanned<String>>,
    pub keys: Option<Spanned<Vec<Spanned<String>>>>,
    pub value: Option<Spanned<String>>,
    pub tombstone: Option<Spanned<bool>>,
    pub partition: Option<Spanned<i64>>,
    pub rate: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlow {
    pub broker: Option<Spanned<i64>>,
    pub latency: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddPartitions {
    pub topic: Option<Spanned<String>>,
    pub count: Option<Spanned<i64>>,
}

/// One `[[expect]]` table: an optional `at` and the keys of exactly one subject.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    pub at: Option<Spanned<toml::Value>>,
    // The ledger.
    pub acked_lost: Option<Spanned<i64>>,
    pub duplicated: Option<Spanned<i64>>,
    pub reordered: Option<Spanned<i64>>,
    pub moved_keys: Option<Spanned<i64>>,
    pub reordered_as_consumed: Option<Spanned<i64>>,
    pub removed: Option<Spanned<i64>>,
    // A partition.
    pub partition: Option<Spanned<String>>,
    pub leader: Option<Spanned<toml::Value>>,
    pub offline: Option<Spanned<bool>>,
    pub isr: Option<Spanned<Vec<Spanned<i64>>>>,
    pub elr: Option<Spanned<Vec<Spanned<i64>>>>,
    pub high_watermark: Option<Spanned<i64>>,
    pub leader_epoch: Option<Spanned<i64>>,
    pub leo: Option<Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
    pub log: Option<Spanned<BrokerValues>>,
    pub log_start_offset: Option<Spanned<i64>>,
    pub segments: Option<Spanned<Vec<Spanned<i64>>>>,
    pub offsets: Option<Spanned<Vec<Spanned<i64>>>>,
    pub lso: Option<Spanned<i64>>,
    // A producer.
    pub producer: Option<Spanned<String>>,
    pub acked: Option<Spanned<i64>>,
    pub failed: Option<Spanned<i64>>,
    pub errors: Option<Spanned<Vec<Spanned<String>>>>,
    pub batches: Option<Spanned<i64>>,
    pub requests: Option<Spanned<i64>>,
    pub records_per_batch: Option<Spanned<toml::Value>>,
    pub epoch: Option<Spanned<i64>>,
    pub transaction_state: Option<Spanned<String>>,
    // A consumer.
    pub consumer: Option<Spanned<String>>,
    pub received: Option<Spanned<i64>>,
    pub values: Option<Spanned<Vec<Spanned<String>>>>,
    pub assignment: Option<Spanned<Vec<Spanned<String>>>>,
    pub processed: Option<Spanned<i64>>,
    pub idle: Option<Spanned<bool>>,
    pub lag: Option<Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
    pub records_lag_max: Option<Spanned<i64>>,
    pub rebalances: Option<Spanned<i64>>,
    pub read_aborted: Option<Spanned<i64>>,
    // A consumer group.
    pub group: Option<Spanned<String>>,
    pub committed: Option<Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
    pub generation: Option<Spanned<i64>>,
    pub state: Option<Spanned<String>>,
    pub members: Option<Spanned<Vec<Spanned<String>>>>,
    pub coordinator: Option<Spanned<i64>>,
    pub lost: Option<Spanned<i64>>,
    pub reprocessed: Option<Spanned<i64>>,
    // A Kafka Streams application.
    pub streams: Option<Spanned<String>>,
    pub store: Option<Spanned<String>>,
    pub entries: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
    pub owners: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
    pub restored: Option<Spanned<i64>>,
    pub outputs: Option<Spanned<i64>>,
}
