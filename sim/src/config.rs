//! Kafka's configuration, as far as ksim models it: one table of every supported setting with
//! its real name, default and valid range, and the typed structs the simulation reads.
//!
//! Scenario files use Kafka's names verbatim (`replica.lag.time.max.ms`); the structs use the
//! snake_case form with the unit last. Defaults are Kafka 4.0's.
//!
//! [`CONFIGS`] is the single source of truth: names, kinds, defaults and ranges are written
//! there once, and `resolve` reads every field of a struct out of it, so `Default` is simply
//! "resolve nothing". The `scenario` parser turns each `config = { … }` table into a list of
//! [`Setting`]s and calls [`BrokerConfig::resolve`], [`TopicConfig::resolve`],
//! [`ProducerConfig::resolve`] or [`ConsumerConfig::resolve`]; a [`ConfigError`] names the
//! setting at fault so the parser can point at its line.
//!
//! Values are accepted the way Kafka's `ConfigDef` parses a properties file: numbers may be
//! written as strings (`"500"`), booleans as `"true"`/`"false"` in any case, and strings are
//! trimmed. Where Kafka declares no validator, the range below is the one that makes sense
//! (no negative sizes, no zero-length periodic timers) and the doc line says so.

pub mod retention;

use std::collections::BTreeMap;
use std::fmt;

use crate::config::retention::{Retention, RetentionSettings, effective_retention};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acks {
    /// `acks=0`: fire and forget; no response, so no retries.
    Zero,
    /// `acks=1`: the leader's own append is enough.
    One,
    /// `acks=all` (or `-1`): every in-sync replica, and at least `min.insync.replicas`.
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetReset {
    Earliest,
    Latest,
    /// No reset: a consumer without a valid position fails with NoOffsetForPartitionException.
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

/// Broker settings, from `[cluster] config`.
#[derive(Clone, Debug, PartialEq)]
pub struct BrokerConfig {
    pub min_insync_replicas: u32,
    pub unclean_leader_election_enable: bool,
    pub replica_lag_time_max_ms: u64,
    pub replica_fetch_wait_max_ms: u64,
    pub replica_fetch_min_bytes: u64,
    pub replica_fetch_max_bytes: u64,
    pub replica_fetch_backoff_ms: u64,
    pub replica_high_watermark_checkpoint_interval_ms: u64,
    pub broker_heartbeat_interval_ms: u64,
    pub broker_session_timeout_ms: u64,
    /// `log.flush.interval.messages`: fsync after this many unflushed records (Long.MAX: never).
    pub log_flush_interval_messages: u64,
    /// `log.flush.interval.ms`: fsync when the oldest unflushed record is this old (unset: never).
    pub log_flush_interval_ms: Option<u64>,
    pub message_max_bytes: u64,
    pub default_replication_factor: u32,
    pub num_partitions: u32,
    pub auto_create_topics_enable: bool,
    pub group_initial_rebalance_delay_ms: u64,
    pub offsets_topic_num_partitions: u32,
    pub offsets_topic_replication_factor: u32,
    pub auto_leader_rebalance_enable: bool,
    pub leader_imbalance_check_interval_seconds: u64,
    pub leader_imbalance_per_broker_percentage: u32,
    /// The broker-wide retention time, decided from `log.retention.ms`, `.minutes` and
    /// `.hours` by F50's precedence (see `retention`).
    pub log_retention: Retention,
    /// The settings that decided `log_retention`, as given, for topics and messages.
    pub log_retention_settings: RetentionSettings,
    /// `log.retention.bytes`: per partition; `None` is Kafka's -1, no size limit.
    pub log_retention_bytes: Option<u64>,
    pub log_retention_check_interval_ms: u64,
    pub log_segment_bytes: u64,
    /// `log.roll.ms` if set, else `log.roll.hours` in ms.
    pub log_roll_ms: u64,
    pub log_cleanup_policy: CleanupPolicy,
    pub log_cleaner_min_cleanable_ratio: f64,
    pub log_cleaner_delete_retention_ms: u64,
    pub log_cleaner_min_compaction_lag_ms: u64,
    pub log_cleaner_backoff_ms: u64,
}

/// `cleanup.policy`: what happens to old segments (R10.2, R10.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CleanupPolicy {
    /// `delete`: whole segments past retention.ms or retention.bytes are deleted.
    pub delete: bool,
    /// `compact`: the cleaner keeps the latest record of each key.
    pub compact: bool,
}

impl CleanupPolicy {
    /// As Kafka lists it: `delete`, `compact` or `compact,delete`.
    pub fn name(self) -> &'static str {
        match (self.compact, self.delete) {
            (true, true) => "compact,delete",
            (true, false) => "compact",
            _ => "delete",
        }
    }

    fn parse(text: &str) -> CleanupPolicy {
        let names: Vec<&str> = text.split(',').map(str::trim).collect();
        CleanupPolicy {
            delete: names.contains(&"delete"),
            compact: names.contains(&"compact"),
        }
    }
}

/// Topic settings: the topic's own `config` over the broker's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicConfig {
    pub min_insync_replicas: u32,
    pub unclean_leader_election_enable: bool,
    /// `flush.messages` (broker: `log.flush.interval.messages`).
    pub flush_messages: u64,
    /// `flush.ms` (broker: `log.flush.interval.ms`).
    pub flush_ms: Option<u64>,
    /// `max.message.bytes` (broker: `message.max.bytes`).
    pub max_message_bytes: u64,
    /// `retention.ms` (broker: the `log.retention.*` precedence).
    pub retention: Retention,
    /// `retention.bytes` per partition; `None` is -1, no limit.
    pub retention_bytes: Option<u64>,
    /// `segment.bytes`: a segment rolls before it would pass this size.
    pub segment_bytes: u64,
    /// `segment.ms`: a segment rolls at the first append this long after its first record.
    pub segment_ms: u64,
    pub cleanup_policy: CleanupPolicy,
    pub min_cleanable_dirty_ratio: f64,
    pub delete_retention_ms: u64,
    pub min_compaction_lag_ms: u64,
}

/// `partitioner.class`: who picks the partition of a record that names none (R7.1, R7.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionerClass {
    /// No `partitioner.class` (Kafka's default, `null`): keyed records by murmur2 hash,
    /// null-keyed ones by the built-in uniform sticky partitioner (KIP-794).
    BuiltIn,
    /// `org.apache.kafka.clients.producer.RoundRobinPartitioner`: every record, keyed or not,
    /// to the next available partition in turn.
    RoundRobin,
}

impl PartitionerClass {
    /// The class name a scenario writes, as Kafka's `partitioner.class` takes it.
    pub const ROUND_ROBIN: &'static str = "org.apache.kafka.clients.producer.RoundRobinPartitioner";
    /// Kafka 2.4-3.x's default sticky partitioner (KIP-480), deprecated in 3.3 (KIP-794) and
    /// removed in 4.0 (KAFKA-18262).
    pub const REMOVED_DEFAULT: &'static str =
        "org.apache.kafka.clients.producer.internals.DefaultPartitioner";
    /// The key-ignoring sticky partitioner (KIP-480), deprecated in 3.3, removed in 4.0.
    pub const REMOVED_UNIFORM_STICKY: &'static str =
        "org.apache.kafka.clients.producer.UniformStickyPartitioner";
}

/// Producer settings, resolved as `KafkaProducer` resolves them (idempotence defaults,
/// `delivery.timeout.ms` raised when left at its default).
#[derive(Clone, Debug, PartialEq)]
pub struct ProducerConfig {
    pub acks: Acks,
    /// The effective value: on by default, silently off when a conflicting setting was given
    /// and idempotence was not asked for explicitly.
    pub enable_idempotence: bool,
    pub retries: u32,
    pub retry_backoff_ms: u64,
    pub retry_backoff_max_ms: u64,
    pub request_timeout_ms: u64,
    pub delivery_timeout_ms: u64,
    pub linger_ms: u64,
    pub batch_size: u64,
    pub buffer_memory: u64,
    pub max_request_size: u64,
    pub max_in_flight_requests_per_connection: u32,
    pub compression_type: Compression,
    pub max_block_ms: u64,
    pub metadata_max_age_ms: u64,
    pub partitioner_class: PartitionerClass,
    pub partitioner_ignore_keys: bool,
    pub partitioner_adaptive_partitioning_enable: bool,
    pub client_id: Option<String>,
    pub bootstrap_servers: Option<String>,
    pub key_serializer: Option<String>,
    pub value_serializer: Option<String>,
}

/// Consumer settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerConfig {
    pub auto_offset_reset: OffsetReset,
    pub fetch_min_bytes: u64,
    pub fetch_max_wait_ms: u64,
    pub fetch_max_bytes: u64,
    pub max_partition_fetch_bytes: u64,
    pub max_poll_records: u32,
    /// The effective value: without a `group.id` there is nowhere to commit, so Kafka turns
    /// auto-commit off unless it was asked for (and then refuses).
    pub enable_auto_commit: bool,
    pub auto_commit_interval_ms: u64,
    pub session_timeout_ms: u64,
    pub heartbeat_interval_ms: u64,
    pub max_poll_interval_ms: u64,
    /// `partition.assignment.strategy`, as class names, preferred first.
    pub partition_assignment_strategy: Vec<String>,
    pub default_api_timeout_ms: u64,
    pub metadata_max_age_ms: u64,
    pub request_timeout_ms: u64,
    pub retry_backoff_ms: u64,
    pub allow_auto_create_topics: bool,
    pub group_id: Option<String>,
    pub group_instance_id: Option<String>,
    pub client_id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The table.

/// Who reads a setting. Kafka keeps one `ConfigDef` per scope, and a name may exist in two of
/// them (`min.insync.replicas` is both a broker default and a topic override).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Broker,
    Topic,
    Producer,
    Consumer,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::Broker,
        Scope::Topic,
        Scope::Producer,
        Scope::Consumer,
    ];

    /// Where a scenario file sets this scope's settings.
    pub fn table(self) -> &'static str {
        match self {
            Scope::Broker => "[cluster] config",
            Scope::Topic => "[[topics]] config",
            Scope::Producer => "[[producers]] config",
            Scope::Consumer => "[[consumers]] config",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Broker => "broker",
            Scope::Topic => "topic",
            Scope::Producer => "producer",
            Scope::Consumer => "consumer",
        })
    }
}

/// What values a setting takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueKind {
    /// A Java `int` or `long` within `min..=max` (an `int` has `max` 2147483647).
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    /// One string of a fixed list, compared exactly after trimming, as Kafka's `ValidString`.
    OneOf(&'static [&'static str]),
    /// Free text; `non_empty` when Kafka refuses `""`.
    Text {
        non_empty: bool,
    },
    /// A comma-separated, non-empty list of class names, each one of a fixed list, as Kafka's
    /// `Type.LIST` of classes (`partition.assignment.strategy`).
    ClassList(&'static [&'static str]),
    /// A Java `double` within `min..=max` (`min.cleanable.dirty.ratio`); the default is kept
    /// as its text.
    Double {
        min: f64,
        max: f64,
    },
}

/// A setting's value when the scenario does not give one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigDefault {
    Int(i64),
    Bool(bool),
    Text(&'static str),
    /// No value: the feature is off (`log.flush.interval.ms`) or the client makes one up
    /// (`client.id` becomes `producer-1`).
    Unset,
    /// A topic setting that falls back to this broker setting, as Kafka's
    /// `ServerTopicConfigSynonyms` maps `flush.messages` to `log.flush.interval.messages`.
    Broker(&'static str),
}

/// One supported Kafka setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfigDef {
    /// Kafka's name, verbatim.
    pub name: &'static str,
    pub scope: Scope,
    pub kind: ValueKind,
    /// Kafka 4.0's default.
    pub default: ConfigDefault,
    pub doc: &'static str,
}

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const LONG_MAX: i64 = i64::MAX;
const LONG_MIN: i64 = i64::MIN;

/// The values of `cleanup.policy`.
const CLEANUP_POLICIES: &[&str] = &["delete", "compact"];

const fn double(
    scope: Scope,
    name: &'static str,
    min: f64,
    max: f64,
    default: &'static str,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::Double { min, max },
        default: ConfigDefault::Text(default),
        doc,
    }
}

const fn int(
    scope: Scope,
    name: &'static str,
    min: i64,
    max: i64,
    default: i64,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::Int { min, max },
        default: ConfigDefault::Int(default),
        doc,
    }
}

/// An integer setting that is unset by default.
const fn optional_int(
    scope: Scope,
    name: &'static str,
    min: i64,
    max: i64,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::Int { min, max },
        default: ConfigDefault::Unset,
        doc,
    }
}

const fn boolean(scope: Scope, name: &'static str, default: bool, doc: &'static str) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::Bool,
        default: ConfigDefault::Bool(default),
        doc,
    }
}

const fn one_of(
    scope: Scope,
    name: &'static str,
    allowed: &'static [&'static str],
    default: &'static str,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::OneOf(allowed),
        default: ConfigDefault::Text(default),
        doc,
    }
}

const fn class_list(
    scope: Scope,
    name: &'static str,
    allowed: &'static [&'static str],
    default: &'static str,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::ClassList(allowed),
        default: ConfigDefault::Text(default),
        doc,
    }
}

/// The assignors a consumer may name in `partition.assignment.strategy`.
pub const ASSIGNOR_CLASSES: &[&str] = &[
    "org.apache.kafka.clients.consumer.RangeAssignor",
    "org.apache.kafka.clients.consumer.RoundRobinAssignor",
    "org.apache.kafka.clients.consumer.StickyAssignor",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
];

const fn text(scope: Scope, name: &'static str, non_empty: bool, doc: &'static str) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::Text { non_empty },
        default: ConfigDefault::Unset,
        doc,
    }
}

const fn topic(
    name: &'static str,
    kind: ValueKind,
    broker_name: &'static str,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        scope: Scope::Topic,
        kind,
        default: ConfigDefault::Broker(broker_name),
        doc,
    }
}

use Scope::{Broker, Consumer, Producer};

/// Every Kafka setting ksim understands. A scenario may set only these; anything else is an
/// error with the nearest name suggested.
#[rustfmt::skip]
pub static CONFIGS: &[ConfigDef] = &[
    // Broker: `[cluster] config`.
    int(Broker, "min.insync.replicas", 1, INT_MAX, 1,
        "with acks=all, the fewest in-sync replicas (leader included) that must hold a write; fewer gives NOT_ENOUGH_REPLICAS"),
    boolean(Broker, "unclean.leader.election.enable", false,
        "let an out-of-sync replica lead when no ISR member is alive: the partition comes back, acknowledged records may not"),
    int(Broker, "replica.lag.time.max.ms", 1, LONG_MAX, 30_000,
        "a follower not caught up to the leader's log end for this long leaves the ISR (checked every half of it; Kafka has no validator, 0 is refused here)"),
    int(Broker, "replica.fetch.wait.max.ms", 0, INT_MAX, 500,
        "how long a leader may hold a follower's fetch waiting for replica.fetch.min.bytes; at most replica.lag.time.max.ms (Kafka has no validator)"),
    int(Broker, "replica.fetch.min.bytes", 0, INT_MAX, 1,
        "the bytes a follower's fetch waits for before the leader answers (Kafka has no validator)"),
    int(Broker, "replica.fetch.max.bytes", 0, INT_MAX, 1_048_576,
        "the bytes a follower fetches per partition per request (a larger first batch is still returned)"),
    int(Broker, "replica.fetch.backoff.ms", 0, INT_MAX, 1_000,
        "how long a follower waits after a failed fetch before it tries again"),
    int(Broker, "replica.high.watermark.checkpoint.interval.ms", 1, LONG_MAX, 5_000,
        "how often the high watermark is written to disk; a restarted broker resumes from the last checkpoint (Kafka has no validator, 0 is refused here)"),
    int(Broker, "broker.heartbeat.interval.ms", 1, INT_MAX, 2_000,
        "how often a broker heartbeats to the KRaft controller (Kafka has no validator, 0 is refused here)"),
    int(Broker, "broker.session.timeout.ms", 1, INT_MAX, 9_000,
        "a broker silent for this long is fenced by the controller and dropped from every ISR (Kafka has no validator, 0 is refused here)"),
    int(Broker, "log.flush.interval.messages", 1, LONG_MAX, LONG_MAX,
        "fsync after this many unflushed records; the default never forces one and leaves data in the page cache"),
    optional_int(Broker, "log.flush.interval.ms", 0, LONG_MAX,
        "fsync when the oldest unflushed record is this old; unset by default, so a power loss takes the unflushed tail (Kafka has no validator)"),
    int(Broker, "message.max.bytes", 0, INT_MAX, 1_048_588,
        "the largest record batch a broker accepts; larger gives MESSAGE_TOO_LARGE (1 MiB plus the 12-byte log overhead)"),
    int(Broker, "default.replication.factor", 1, INT_MAX, 1,
        "the replication factor of auto-created topics and of topics created without one (Kafka has no validator; below 1 topic creation fails)"),
    int(Broker, "num.partitions", 1, INT_MAX, 1,
        "the partition count of auto-created topics and of topics created without one"),
    boolean(Broker, "auto.create.topics.enable", true,
        "a metadata request naming a missing topic creates it (in KRaft the first answer is still UNKNOWN_TOPIC_OR_PARTITION)"),
    int(Broker, "group.initial.rebalance.delay.ms", 0, INT_MAX, 3_000,
        "how long the coordinator waits for more members before an empty group's first rebalance completes"),
    int(Broker, "offsets.topic.num.partitions", 1, INT_MAX, 50,
        "the partition count of __consumer_offsets; a group's coordinator leads partition abs(hash(group.id)) mod this"),
    int(Broker, "offsets.topic.replication.factor", 1, 32_767, 3,
        "the replication factor of __consumer_offsets; a cluster with fewer brokers cannot create it, so groups find no coordinator"),
    boolean(Broker, "auto.leader.rebalance.enable", true,
        "the controller moves leadership back to each partition's preferred (first) replica"),
    int(Broker, "leader.imbalance.check.interval.seconds", 1, LONG_MAX, 300,
        "how often the controller looks for partitions not led by their preferred replica"),
    int(Broker, "leader.imbalance.per.broker.percentage", 0, INT_MAX, 10,
        "the share of non-preferred leaders on a broker above which the controller rebalances (Kafka has no validator)"),
    optional_int(Broker, "log.retention.ms", LONG_MIN, LONG_MAX,
        "how long a partition keeps a segment after its newest record; if set, it beats log.retention.minutes and log.retention.hours whatever their values (F50); negative: unlimited"),
    optional_int(Broker, "log.retention.minutes", INT_MIN, INT_MAX,
        "retention in minutes, used when log.retention.ms is not set; beats log.retention.hours (F50)"),
    int(Broker, "log.retention.hours", INT_MIN, INT_MAX, 168,
        "retention in hours, used only when neither log.retention.ms nor log.retention.minutes is set (F50)"),
    int(Broker, "log.retention.bytes", LONG_MIN, LONG_MAX, -1,
        "the most bytes a partition keeps before its oldest segments are deleted; -1: no size limit"),
    int(Broker, "log.retention.check.interval.ms", 1, LONG_MAX, 300_000,
        "how often each broker looks for segments to delete"),
    int(Broker, "log.segment.bytes", 1_048_576, INT_MAX, 1_073_741_824,
        "a segment rolls before it would pass this size (at least 1 MiB since Kafka 4.0, KIP-1030)"),
    optional_int(Broker, "log.roll.ms", 1, LONG_MAX,
        "a segment rolls at the first append this long after its first record; if set, it beats log.roll.hours (Kafka has no validator)"),
    int(Broker, "log.roll.hours", 1, INT_MAX, 168,
        "segment.ms in hours, used when log.roll.ms is not set"),
    class_list(Broker, "log.cleanup.policy", CLEANUP_POLICIES, "delete",
        "delete: old segments are deleted by retention; compact: the cleaner keeps the latest record per key; both: compact,delete"),
    double(Broker, "log.cleaner.min.cleanable.ratio", 0.0, 1.0, "0.5",
        "the cleaner compacts a log once dirty bytes are more than this share of the cleanable bytes"),
    int(Broker, "log.cleaner.delete.retention.ms", 0, LONG_MAX, 86_400_000,
        "how long a tombstone stays after the cleaning that first kept it, so readers see the delete"),
    int(Broker, "log.cleaner.min.compaction.lag.ms", 0, LONG_MAX, 0,
        "a record stays uncompacted at least this long"),
    int(Broker, "log.cleaner.backoff.ms", 0, LONG_MAX, 15_000,
        "how long the cleaner sleeps when no log needs cleaning"),
    // Topic: `[[topics]] config`, each over its broker-wide default.
    topic("min.insync.replicas", ValueKind::Int { min: 1, max: INT_MAX }, "min.insync.replicas",
        "with acks=all, the fewest in-sync replicas that must hold a write to this topic"),
    topic("unclean.leader.election.enable", ValueKind::Bool, "unclean.leader.election.enable",
        "let an out-of-sync replica of this topic lead when no ISR member is alive"),
    topic("flush.messages", ValueKind::Int { min: 1, max: LONG_MAX }, "log.flush.interval.messages",
        "fsync this topic's log after this many unflushed records"),
    topic("flush.ms", ValueKind::Int { min: 0, max: LONG_MAX }, "log.flush.interval.ms",
        "fsync this topic's log when the oldest unflushed record is this old"),
    topic("max.message.bytes", ValueKind::Int { min: 0, max: INT_MAX }, "message.max.bytes",
        "the largest record batch this topic accepts"),
    topic("retention.ms", ValueKind::Int { min: -1, max: LONG_MAX }, "log.retention.ms",
        "how long this topic keeps a segment after its newest record, over the broker's log.retention.*; -1: unlimited"),
    topic("retention.bytes", ValueKind::Int { min: LONG_MIN, max: LONG_MAX }, "log.retention.bytes",
        "the most bytes a partition of this topic keeps; -1: no size limit"),
    topic("segment.bytes", ValueKind::Int { min: 1_048_576, max: INT_MAX }, "log.segment.bytes",
        "this topic's segments roll before they would pass this size (at least 1 MiB since Kafka 4.0)"),
    topic("segment.ms", ValueKind::Int { min: 1, max: LONG_MAX }, "log.roll.ms",
        "this topic's segments roll at the first append this long after their first record"),
    topic("cleanup.policy", ValueKind::ClassList(CLEANUP_POLICIES), "log.cleanup.policy",
        "delete, compact, or compact,delete for this topic"),
    topic("min.cleanable.dirty.ratio", ValueKind::Double { min: 0.0, max: 1.0 }, "log.cleaner.min.cleanable.ratio",
        "the dirty share above which this topic's logs are compacted"),
    topic("delete.retention.ms", ValueKind::Int { min: 0, max: LONG_MAX }, "log.cleaner.delete.retention.ms",
        "how long this topic's tombstones survive after the cleaning that first kept them"),
    topic("min.compaction.lag.ms", ValueKind::Int { min: 0, max: LONG_MAX }, "log.cleaner.min.compaction.lag.ms",
        "records of this topic stay uncompacted at least this long"),
    // Producer: `[[producers]] config`.
    one_of(Producer, "acks", &["all", "-1", "0", "1"], "all",
        "how many replicas must have a record before it counts as sent: 0 none, 1 the leader, all (-1) the whole ISR"),
    boolean(Producer, "enable.idempotence", true,
        "sequence numbers let the leader drop retried duplicates; needs acks=all, retries > 0 and at most 5 requests in flight"),
    int(Producer, "retries", 0, INT_MAX, INT_MAX,
        "how often a failed batch is resent; in practice delivery.timeout.ms ends the attempts first"),
    int(Producer, "retry.backoff.ms", 0, LONG_MAX, 100,
        "the first wait before a retry, doubling on each attempt up to retry.backoff.max.ms"),
    int(Producer, "retry.backoff.max.ms", 0, LONG_MAX, 1_000,
        "the longest wait between retries"),
    int(Producer, "request.timeout.ms", 0, INT_MAX, 30_000,
        "how long the producer waits for a produce response before it treats the request as failed"),
    int(Producer, "delivery.timeout.ms", 0, INT_MAX, 120_000,
        "from send() to success or failure, retries included; at least linger.ms + request.timeout.ms"),
    int(Producer, "linger.ms", 0, LONG_MAX, 5,
        "how long a batch waits for more records before it is sent (0 before Kafka 4.0, 5 since KIP-1030)"),
    int(Producer, "batch.size", 0, INT_MAX, 16_384,
        "the bytes per partition batched into one request; 0 turns batching off"),
    int(Producer, "buffer.memory", 0, LONG_MAX, 33_554_432,
        "memory for batches not yet acknowledged, batch.size per batch; when it is all taken, send() blocks for up to max.block.ms"),
    int(Producer, "max.request.size", 0, INT_MAX, 1_048_576,
        "the largest produce request, and so the largest record, a producer sends"),
    int(Producer, "max.in.flight.requests.per.connection", 1, INT_MAX, 5,
        "unanswered requests per broker; above 1 without idempotence a retry can reorder records"),
    one_of(Producer, "compression.type", &["none", "gzip", "snappy", "lz4", "zstd"], "none",
        "how batches are compressed; ksim shrinks a batch's records by a fixed ratio per codec"),
    int(Producer, "max.block.ms", 0, LONG_MAX, 60_000,
        "how long send() may block for metadata or buffer space before it fails with TimeoutException"),
    int(Producer, "metadata.max.age.ms", 0, LONG_MAX, 300_000,
        "metadata older than this is refreshed even without an error"),
    text(Producer, "partitioner.class", false,
        "the class that picks a partition for records that name none; unset: murmur2 for keys, uniform sticky for null keys; org.apache.kafka.clients.producer.RoundRobinPartitioner: every record to the next available partition"),
    boolean(Producer, "partitioner.ignore.keys", false,
        "partition keyed records like null-keyed ones (sticky) instead of by murmur2 hash"),
    boolean(Producer, "partitioner.adaptive.partitioning.enable", true,
        "the sticky partitioner favours partitions whose brokers have shorter queues"),
    text(Producer, "client.id", false,
        "the name in broker logs and quotas; Kafka's default is empty and the client calls itself producer-N"),
    text(Producer, "bootstrap.servers", false,
        "where the client first asks for metadata; required by Kafka, ignored by ksim (every broker is reachable)"),
    text(Producer, "key.serializer", false,
        "turns keys into bytes; required by Kafka, ksim always sends UTF-8 strings"),
    text(Producer, "value.serializer", false,
        "turns values into bytes; required by Kafka, ksim always sends UTF-8 strings"),
    // Consumer: `[[consumers]] config`.
    one_of(Consumer, "auto.offset.reset", &["latest", "earliest", "none"], "latest",
        "where to start without a committed offset or when the position is out of range; none throws instead"),
    int(Consumer, "fetch.min.bytes", 0, INT_MAX, 1,
        "the bytes a fetch waits for before the broker answers"),
    int(Consumer, "fetch.max.wait.ms", 0, INT_MAX, 500,
        "how long the broker may hold a fetch waiting for fetch.min.bytes"),
    int(Consumer, "fetch.max.bytes", 0, INT_MAX, 52_428_800,
        "the bytes one fetch response may carry over all partitions"),
    int(Consumer, "max.partition.fetch.bytes", 0, INT_MAX, 1_048_576,
        "the bytes one fetch response may carry for one partition"),
    int(Consumer, "max.poll.records", 1, INT_MAX, 500,
        "the most records one poll() returns"),
    boolean(Consumer, "enable.auto.commit", true,
        "poll() commits the positions every auto.commit.interval.ms (needs a group.id)"),
    int(Consumer, "auto.commit.interval.ms", 0, INT_MAX, 5_000,
        "how often auto-commit commits the positions"),
    int(Consumer, "session.timeout.ms", 6_000, 1_800_000, 45_000,
        "a member without a heartbeat for this long is removed and the group rebalances (range: the broker's group.min/max.session.timeout.ms)"),
    int(Consumer, "heartbeat.interval.ms", 1, INT_MAX, 3_000,
        "how often the background thread heartbeats to the group coordinator; below session.timeout.ms (Kafka has no validator, 0 is refused here)"),
    int(Consumer, "max.poll.interval.ms", 1, INT_MAX, 300_000,
        "a consumer that does not call poll() for this long leaves its group"),
    class_list(Consumer, "partition.assignment.strategy", ASSIGNOR_CLASSES,
        "org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        "the assignors this member supports, preferred first; the group uses the first one every member supports"),
    int(Consumer, "default.api.timeout.ms", 0, INT_MAX, 60_000,
        "how long commitSync() keeps retrying retriable errors before it gives up with TimeoutException"),
    int(Consumer, "metadata.max.age.ms", 0, LONG_MAX, 300_000,
        "metadata older than this is refreshed; a subscribed topic's new partitions are noticed then"),
    int(Consumer, "request.timeout.ms", 0, INT_MAX, 30_000,
        "how long the consumer waits for a response before it retries"),
    int(Consumer, "retry.backoff.ms", 0, LONG_MAX, 100,
        "the wait before retrying a failed request"),
    boolean(Consumer, "allow.auto.create.topics", true,
        "subscribing to a missing topic may create it, if the broker's auto.create.topics.enable allows"),
    text(Consumer, "group.id", true,
        "the consumer group; needed by subscribe() and by commits"),
    text(Consumer, "group.instance.id", true,
        "makes the member static: a restart within session.timeout.ms triggers no rebalance"),
    text(Consumer, "client.id", false,
        "the name in broker logs; Kafka's default is empty and the client calls itself consumer-<group>-N"),
];

/// The definition of `name` in `scope`, if ksim supports it there.
pub fn lookup(scope: Scope, name: &str) -> Option<&'static ConfigDef> {
    CONFIGS
        .iter()
        .find(|def| def.scope == scope && def.name == name)
}

/// The supported names of one scope, in table order.
pub fn names(scope: Scope) -> impl Iterator<Item = &'static str> {
    CONFIGS
        .iter()
        .filter(move |def| def.scope == scope)
        .map(|def| def.name)
}

impl ConfigDef {
    /// The default as a scenario would write it: `30000`, `true`, `"all"`, `(unset)`.
    pub fn default_text(&self) -> String {
        match self.default {
            ConfigDefault::Int(v) => v.to_string(),
            ConfigDefault::Bool(b) => b.to_string(),
            ConfigDefault::Text(s) => format!("\"{s}\""),
            ConfigDefault::Unset => "(unset)".to_string(),
            ConfigDefault::Broker(name) => format!("the broker's {name}"),
        }
    }

    /// What the setting accepts, as a message says it: `an integer of at least 1`.
    pub fn expected(&self) -> String {
        match self.kind {
            ValueKind::Int { min, max: LONG_MAX } => format!("an integer of at least {min}"),
            ValueKind::Int { min, max } => format!("an integer from {min} to {max}"),
            ValueKind::Bool => "true or false".to_string(),
            ValueKind::OneOf(allowed) => {
                let quoted: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
                format!("one of {}", quoted.join(", "))
            }
            ValueKind::Text { non_empty: true } => "a non-empty string".to_string(),
            ValueKind::Text { non_empty: false } => "a string".to_string(),
            ValueKind::ClassList(allowed) => {
                let quoted: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
                format!("a comma-separated list of {}", quoted.join(", "))
            }
            ValueKind::Double { min, max } => format!("a number from {min} to {max}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Settings as a scenario gives them, and errors about them.

/// A value as written in a scenario's `config` table, before it is checked against the table.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// Something no Kafka setting takes, described for messages (`an array`, `a table`).
    Other(&'static str),
}

impl fmt::Display for ConfigValue {
    /// As a message quotes it: `500`, `true`, `"most"`, `an array`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Int(v) => write!(f, "{v}"),
            ConfigValue::Float(v) => write!(f, "{v}"),
            ConfigValue::Bool(b) => write!(f, "{b}"),
            ConfigValue::Str(s) => write!(f, "{s:?}"),
            ConfigValue::Other(what) => f.write_str(what),
        }
    }
}

/// One `"name" = value` pair of a `config` table.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub name: String,
    pub value: ConfigValue,
}

impl Setting {
    pub fn new(name: impl Into<String>, value: ConfigValue) -> Setting {
        Setting {
            name: name.into(),
            value,
        }
    }
}

/// Which half of a setting an error is about, so the caller can point at the name or the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingPart {
    Name,
    Value,
}

/// A setting Kafka would refuse, or one ksim does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// The setting at fault, as an index into the slice given to `resolve`; `None` only if no
    /// single setting is to blame.
    pub setting: Option<usize>,
    pub part: SettingPart,
    pub message: String,
}

impl ConfigError {
    fn at(setting: Option<usize>, part: SettingPart, message: String) -> ConfigError {
        ConfigError {
            setting,
            part,
            message,
        }
    }
}

/// The candidate closest to `word`, if one is close enough to be a likely typo. Underscores,
/// dashes and case are ignored (`min_insync_replicas` finds `min.insync.replicas`), and a
/// candidate that merely extends the word (`linger` → `linger.ms`) counts as close.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let normalize = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '_' | '-' => '.',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let word = normalize(word);
    if word.is_empty() {
        return None;
    }
    let limit = (word.chars().count() / 3).max(2);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let normal = normalize(candidate);
        let distance = if normal.starts_with(&word) && normal.len() > word.len() {
            // An extension is a likely match, but a real typo of the full name ranks first.
            1
        } else {
            strsim::damerau_levenshtein(&word, &normal)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The message for a name that is not a supported setting of `scope`.
fn unknown_name(scope: Scope, name: &str) -> String {
    // A topic setting under [cluster], or the other way round, has a synonym to point at.
    for def in CONFIGS {
        if let ConfigDefault::Broker(broker_name) = def.default {
            if scope == Scope::Broker && def.name == name && broker_name != name {
                return format!(
                    "\"{name}\" is a topic config; the broker-wide default is \"{broker_name}\""
                );
            }
            if scope == Scope::Topic && broker_name == name && def.name != name {
                return format!(
                    "\"{name}\" is a broker config; a topic overrides it with \"{}\"",
                    def.name
                );
            }
        }
    }
    let elsewhere: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|&other| other != scope && lookup(other, name).is_some())
        .collect();
    if let Some(&first) = elsewhere.first() {
        let scopes: Vec<String> = elsewhere.iter().map(|s| s.to_string()).collect();
        return format!(
            "\"{name}\" is a {} config, not a {scope} config; set it in {}",
            scopes.join(" and "),
            first.table()
        );
    }
    if let Some(suggestion) = nearest(name, names(scope)) {
        return format!("unknown {scope} config \"{name}\", did you mean \"{suggestion}\"?");
    }
    let everywhere = CONFIGS.iter().filter(|def| def.scope != scope);
    if let Some(suggestion) = nearest(name, everywhere.clone().map(|def| def.name)) {
        let other = everywhere
            .clone()
            .find(|def| def.name == suggestion)
            .map(|def| def.scope)
            .unwrap_or(scope);
        return format!(
            "unknown {scope} config \"{name}\"; did you mean the {other} config \"{suggestion}\" (set in {})?",
            other.table()
        );
    }
    let supported: Vec<&str> = names(scope).collect();
    format!(
        "unknown {scope} config \"{name}\"; ksim supports {}",
        supported.join(", ")
    )
}

// ---------------------------------------------------------------------------------------------
// Resolution: defaults from the table, explicit settings over them.

/// A checked value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Int(i64),
    Bool(bool),
    Text(String),
    Unset,
}

/// Checks `value` against `def`, accepting what Kafka's `ConfigDef.parseType` accepts.
fn check_value(def: &ConfigDef, value: &ConfigValue) -> Result<Value, String> {
    let refuse = || {
        format!(
            "invalid value {value} for {} config \"{}\": expected {}",
            def.scope,
            def.name,
            def.expected()
        )
    };
    match def.kind {
        ValueKind::Int { min, max } => {
            let v = match value {
                ConfigValue::Int(v) => *v,
                ConfigValue::Str(s) => s.trim().parse::<i64>().map_err(|_| refuse())?,
                _ => return Err(refuse()),
            };
            if v < min || v > max {
                return Err(refuse());
            }
            Ok(Value::Int(v))
        }
        ValueKind::Bool => match value {
            ConfigValue::Bool(b) => Ok(Value::Bool(*b)),
            ConfigValue::Str(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            ConfigValue::Str(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(refuse()),
        },
        ValueKind::OneOf(allowed) => {
            // `acks = 1` and `acks = -1` are written as integers often enough to accept them.
            let text = match value {
                ConfigValue::Str(s) => s.trim().to_string(),
                ConfigValue::Int(v) => v.to_string(),
                _ => return Err(refuse()),
            };
            if allowed.contains(&text.as_str()) {
                Ok(Value::Text(text))
            } else {
                Err(refuse())
            }
        }
        ValueKind::ClassList(allowed) => {
            let ConfigValue::Str(s) = value else {
                return Err(refuse());
            };
            let names: Vec<&str> = s.split(',').map(str::trim).collect();
            if names.iter().all(|n| allowed.contains(n)) {
                Ok(Value::Text(names.join(",")))
            } else {
                Err(refuse())
            }
        }
        ValueKind::Double { min, max } => {
            let v = match value {
                ConfigValue::Float(v) => *v,
                ConfigValue::Int(v) => *v as f64,
                ConfigValue::Str(s) => s.trim().parse::<f64>().map_err(|_| refuse())?,
                _ => return Err(refuse()),
            };
            if !(min..=max).contains(&v) {
                return Err(refuse());
            }
            Ok(Value::Text(v.to_string()))
        }
        ValueKind::Text { non_empty } => match value {
            ConfigValue::Str(s) => {
                let s = s.trim();
                if s.is_empty() {
                    if non_empty {
                        Err(refuse())
                    } else {
                        Ok(Value::Unset)
                    }
                } else {
                    Ok(Value::Text(s.to_string()))
                }
            }
            _ => Err(refuse()),
        },
    }
}

/// The settings of one scope, each either explicit (with its index) or from the table.
struct Resolved {
    values: BTreeMap<&'static str, (Value, Option<usize>)>,
}

impl Resolved {
    fn new(scope: Scope, settings: &[Setting]) -> Result<Resolved, ConfigError> {
        let mut values = BTreeMap::new();
        for def in CONFIGS.iter().filter(|def| def.scope == scope) {
            let value = match def.default {
                ConfigDefault::Int(v) => Value::Int(v),
                ConfigDefault::Bool(b) => Value::Bool(b),
                ConfigDefault::Text(s) => Value::Text(s.to_string()),
                ConfigDefault::Unset | ConfigDefault::Broker(_) => Value::Unset,
            };
            values.insert(def.name, (value, None));
        }
        for (index, setting) in settings.iter().enumerate() {
            let Some(def) = lookup(scope, &setting.name) else {
                return Err(ConfigError::at(
                    Some(index),
                    SettingPart::Name,
                    unknown_name(scope, &setting.name),
                ));
            };
            let value = check_value(def, &setting.value)
                .map_err(|message| ConfigError::at(Some(index), SettingPart::Value, message))?;
            let slot = values
                .get_mut(def.name)
                .expect("every name of the scope was filled in above");
            if slot.1.is_some() {
                return Err(ConfigError::at(
                    Some(index),
                    SettingPart::Name,
                    format!("{scope} config \"{}\" is given twice", def.name),
                ));
            }
            *slot = (value, Some(index));
        }
        Ok(Resolved { values })
    }

    fn value(&self, name: &str) -> &Value {
        &self
            .values
            .get(name)
            .unwrap_or_else(|| panic!("\"{name}\" is not in the config table"))
            .0
    }

    /// The index of the setting that gave `name`, if the scenario gave it.
    fn explicit(&self, name: &str) -> Option<usize> {
        self.values.get(name).and_then(|(_, index)| *index)
    }

    fn opt_int(&self, name: &str) -> Option<i64> {
        match self.value(name) {
            Value::Int(v) => Some(*v),
            Value::Unset => None,
            other => panic!("\"{name}\" is an integer in the table, not {other:?}"),
        }
    }

    fn opt_u64(&self, name: &str) -> Option<u64> {
        self.opt_int(name).map(|v| {
            u64::try_from(v).expect("the table's ranges keep integer settings non-negative")
        })
    }

    fn u64(&self, name: &str) -> u64 {
        self.opt_u64(name)
            .unwrap_or_else(|| panic!("\"{name}\" has a default in the table"))
    }

    fn u32(&self, name: &str) -> u32 {
        u32::try_from(self.u64(name)).expect("Java int settings fit in a u32 once non-negative")
    }

    fn opt_bool(&self, name: &str) -> Option<bool> {
        match self.value(name) {
            Value::Bool(b) => Some(*b),
            Value::Unset => None,
            other => panic!("\"{name}\" is a boolean in the table, not {other:?}"),
        }
    }

    fn bool(&self, name: &str) -> bool {
        self.opt_bool(name)
            .unwrap_or_else(|| panic!("\"{name}\" has a default in the table"))
    }

    fn text(&self, name: &str) -> Option<String> {
        match self.value(name) {
            Value::Text(s) => Some(s.clone()),
            Value::Unset => None,
            other => panic!("\"{name}\" is a string in the table, not {other:?}"),
        }
    }

    fn double(&self, name: &str) -> f64 {
        self.opt_double(name)
            .unwrap_or_else(|| panic!("\"{name}\" has a default in the table"))
    }

    fn opt_double(&self, name: &str) -> Option<f64> {
        self.text(name).map(|t| {
            t.parse()
                .expect("doubles are checked before they are stored")
        })
    }

    /// A size where any negative means "no limit", as Kafka reads `retention.bytes`.
    fn opt_limit(&self, name: &str) -> Option<Option<u64>> {
        self.opt_int(name).map(|v| u64::try_from(v).ok())
    }

    fn choice(&self, name: &str) -> String {
        self.text(name)
            .unwrap_or_else(|| panic!("\"{name}\" has a default in the table"))
    }
}

impl BrokerConfig {
    /// The broker settings of `[cluster] config`, Kafka's defaults filled in.
    ///
    /// Like `KafkaConfig`, it refuses `replica.fetch.wait.max.ms` above
    /// `replica.lag.time.max.ms`: a follower parked that long in the leader's purgatory would
    /// drop out of the ISR while doing nothing wrong.
    pub fn resolve(settings: &[Setting]) -> Result<BrokerConfig, ConfigError> {
        let r = Resolved::new(Scope::Broker, settings)?;
        let config = BrokerConfig {
            min_insync_replicas: r.u32("min.insync.replicas"),
            unclean_leader_election_enable: r.bool("unclean.leader.election.enable"),
            replica_lag_time_max_ms: r.u64("replica.lag.time.max.ms"),
            replica_fetch_wait_max_ms: r.u64("replica.fetch.wait.max.ms"),
            replica_fetch_min_bytes: r.u64("replica.fetch.min.bytes"),
            replica_fetch_max_bytes: r.u64("replica.fetch.max.bytes"),
            replica_fetch_backoff_ms: r.u64("replica.fetch.backoff.ms"),
            replica_high_watermark_checkpoint_interval_ms: r
                .u64("replica.high.watermark.checkpoint.interval.ms"),
            broker_heartbeat_interval_ms: r.u64("broker.heartbeat.interval.ms"),
            broker_session_timeout_ms: r.u64("broker.session.timeout.ms"),
            log_flush_interval_messages: r.u64("log.flush.interval.messages"),
            log_flush_interval_ms: r.opt_u64("log.flush.interval.ms"),
            message_max_bytes: r.u64("message.max.bytes"),
            default_replication_factor: r.u32("default.replication.factor"),
            num_partitions: r.u32("num.partitions"),
            auto_create_topics_enable: r.bool("auto.create.topics.enable"),
            group_initial_rebalance_delay_ms: r.u64("group.initial.rebalance.delay.ms"),
            offsets_topic_num_partitions: r.u32("offsets.topic.num.partitions"),
            offsets_topic_replication_factor: r.u32("offsets.topic.replication.factor"),
            auto_leader_rebalance_enable: r.bool("auto.leader.rebalance.enable"),
            leader_imbalance_check_interval_seconds: r
                .u64("leader.imbalance.check.interval.seconds"),
            leader_imbalance_per_broker_percentage: r.u32("leader.imbalance.per.broker.percentage"),
            log_retention: Retention::Unlimited,
            log_retention_settings: RetentionSettings::default(),
            log_retention_bytes: r.opt_limit("log.retention.bytes").flatten(),
            log_retention_check_interval_ms: r.u64("log.retention.check.interval.ms"),
            log_segment_bytes: r.u64("log.segment.bytes"),
            log_roll_ms: r
                .opt_u64("log.roll.ms")
                .unwrap_or(r.u64("log.roll.hours") * 3_600_000),
            log_cleanup_policy: CleanupPolicy::parse(&r.choice("log.cleanup.policy")),
            log_cleaner_min_cleanable_ratio: r.double("log.cleaner.min.cleanable.ratio"),
            log_cleaner_delete_retention_ms: r.u64("log.cleaner.delete.retention.ms"),
            log_cleaner_min_compaction_lag_ms: r.u64("log.cleaner.min.compaction.lag.ms"),
            log_cleaner_backoff_ms: r.u64("log.cleaner.backoff.ms"),
        };
        let mut config = config;
        // F50: only the settings the scenario wrote count; log.retention.hours' default
        // applies when none of the three is written.
        let settings = &mut config.log_retention_settings;
        settings.log_retention_ms = r
            .explicit("log.retention.ms")
            .and(r.opt_int("log.retention.ms"));
        settings.log_retention_minutes = r
            .explicit("log.retention.minutes")
            .and(r.opt_int("log.retention.minutes"))
            .map(|v| v as i32);
        settings.log_retention_hours = r
            .explicit("log.retention.hours")
            .and(r.opt_int("log.retention.hours"))
            .map(|v| v as i32);
        match effective_retention(settings) {
            Ok(decision) => config.log_retention = decision.retention,
            Err(error) => {
                let blame = r
                    .explicit("log.retention.ms")
                    .or(r.explicit("log.retention.minutes"))
                    .or(r.explicit("log.retention.hours"));
                return Err(ConfigError::at(blame, SettingPart::Value, error.message));
            }
        }
        if config.replica_fetch_wait_max_ms > config.replica_lag_time_max_ms {
            let blame = r
                .explicit("replica.fetch.wait.max.ms")
                .or(r.explicit("replica.lag.time.max.ms"));
            return Err(ConfigError::at(
                blame,
                SettingPart::Value,
                format!(
                    "replica.fetch.wait.max.ms ({}) is above replica.lag.time.max.ms ({}); Kafka refuses: \
                     \"replica.fetch.wait.max.ms should always be less than or equal to \
                     replica.lag.time.max.ms to prevent frequent changes in ISR\"",
                    config.replica_fetch_wait_max_ms, config.replica_lag_time_max_ms
                ),
            ));
        }
        Ok(config)
    }
}

impl Default for BrokerConfig {
    fn default() -> BrokerConfig {
        BrokerConfig::resolve(&[]).expect("the table's defaults are valid")
    }
}

impl TopicConfig {
    /// A topic's settings: each one it sets overrides its broker-wide synonym
    /// (`flush.messages` over `log.flush.interval.messages`, `max.message.bytes` over
    /// `message.max.bytes`); the others are the broker's.
    pub fn resolve(
        broker: &BrokerConfig,
        settings: &[Setting],
    ) -> Result<TopicConfig, ConfigError> {
        let r = Resolved::new(Scope::Topic, settings)?;
        let int = |name: &str| r.opt_u64(name);
        Ok(TopicConfig {
            min_insync_replicas: int("min.insync.replicas")
                .map(|v| u32::try_from(v).expect("a Java int fits in a u32 once non-negative"))
                .unwrap_or(broker.min_insync_replicas),
            unclean_leader_election_enable: r
                .opt_bool("unclean.leader.election.enable")
                .unwrap_or(broker.unclean_leader_election_enable),
            flush_messages: int("flush.messages").unwrap_or(broker.log_flush_interval_messages),
            flush_ms: int("flush.ms").or(broker.log_flush_interval_ms),
            max_message_bytes: int("max.message.bytes").unwrap_or(broker.message_max_bytes),
            retention: r
                .opt_int("retention.ms")
                .map_or(broker.log_retention, |ms| match u64::try_from(ms) {
                    Ok(ms) => Retention::Millis(ms),
                    Err(_) => Retention::Unlimited,
                }),
            retention_bytes: r
                .opt_limit("retention.bytes")
                .unwrap_or(broker.log_retention_bytes),
            segment_bytes: int("segment.bytes").unwrap_or(broker.log_segment_bytes),
            segment_ms: int("segment.ms").unwrap_or(broker.log_roll_ms),
            cleanup_policy: r
                .text("cleanup.policy")
                .map_or(broker.log_cleanup_policy, |t| CleanupPolicy::parse(&t)),
            min_cleanable_dirty_ratio: r
                .opt_double("min.cleanable.dirty.ratio")
                .unwrap_or(broker.log_cleaner_min_cleanable_ratio),
            delete_retention_ms: int("delete.retention.ms")
                .unwrap_or(broker.log_cleaner_delete_retention_ms),
            min_compaction_lag_ms: int("min.compaction.lag.ms")
                .unwrap_or(broker.log_cleaner_min_compaction_lag_ms),
        })
    }
}

impl Default for TopicConfig {
    fn default() -> TopicConfig {
        TopicConfig::resolve(&BrokerConfig::default(), &[]).expect("the table's defaults are valid")
    }
}

/// Kafka 4.0's bound on in-flight requests for an idempotent producer: the broker remembers
/// the last 5 batches of each producer, so only that many can be told apart from duplicates.
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: u32 = 5;

impl ProducerConfig {
    /// A producer's settings, resolved as `ProducerConfig` and `KafkaProducer` resolve them.
    ///
    /// Idempotence is on by default (since 3.0) but needs `acks=all` and `retries > 0`: when
    /// one of those is set otherwise and `enable.idempotence` was not given, it is silently
    /// turned off; when `enable.idempotence = true` was given, Kafka refuses the config. More
    /// than 5 requests in flight with idempotence on is refused in Kafka 4.0 (KAFKA-17927),
    /// whether idempotence was asked for or defaulted.
    ///
    /// `delivery.timeout.ms` must cover `linger.ms + request.timeout.ms`: an explicit smaller
    /// value is refused, the default is raised to that sum.
    pub fn resolve(settings: &[Setting]) -> Result<ProducerConfig, ConfigError> {
        let r = Resolved::new(Scope::Producer, settings)?;
        let acks = match r.choice("acks").as_str() {
            "0" => Acks::Zero,
            "1" => Acks::One,
            _ => Acks::All,
        };
        let retries = r.u32("retries");
        let max_in_flight = r.u32("max.in.flight.requests.per.connection");
        let explicit_idempotence = r.explicit("enable.idempotence");
        let mut enable_idempotence = r.bool("enable.idempotence");
        if enable_idempotence {
            // Kafka checks in this order and reports the first conflict.
            let refuse = |blame: &str, setting: String, kafka: &str| {
                ConfigError::at(
                    r.explicit(blame),
                    SettingPart::Value,
                    format!(
                        "enable.idempotence = true conflicts with {setting}; Kafka refuses with ConfigException: \"{kafka}\""
                    ),
                )
            };
            let mut turn_off = false;
            if retries == 0 {
                if explicit_idempotence.is_some() {
                    return Err(refuse(
                        "retries",
                        "retries = 0".to_string(),
                        "Must set retries to non-zero when using the idempotent producer.",
                    ));
                }
                turn_off = true;
            }
            if acks != Acks::All {
                if explicit_idempotence.is_some() {
                    return Err(refuse(
                        "acks",
                        format!("acks = \"{}\"", r.choice("acks")),
                        "Must set acks to all in order to use the idempotent producer. \
                         Otherwise we cannot guarantee idempotence.",
                    ));
                }
                turn_off = true;
            }
            if max_in_flight > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
                let kafka = format!(
                    "To use the idempotent producer, max.in.flight.requests.per.connection must \
                     be set to at most 5. Current value is {max_in_flight}."
                );
                let message = if explicit_idempotence.is_some() {
                    format!(
                        "enable.idempotence = true conflicts with \
                         max.in.flight.requests.per.connection = {max_in_flight}; Kafka refuses \
                         with ConfigException: \"{kafka}\""
                    )
                } else {
                    format!(
                        "max.in.flight.requests.per.connection = {max_in_flight} needs \
                         enable.idempotence = false (idempotence is on by default and allows at \
                         most 5); Kafka 4.0 refuses with ConfigException: \"{kafka}\""
                    )
                };
                return Err(ConfigError::at(
                    r.explicit("max.in.flight.requests.per.connection"),
                    SettingPart::Value,
                    message,
                ));
            }
            if turn_off {
                enable_idempotence = false;
            }
        }

        let linger_ms = r.u64("linger.ms");
        let request_timeout_ms = r.u64("request.timeout.ms");
        let mut delivery_timeout_ms = r.u64("delivery.timeout.ms");
        // KafkaProducer caps the sum at Integer.MAX_VALUE, the largest delivery.timeout.ms.
        let floor = linger_ms
            .saturating_add(request_timeout_ms)
            .min(INT_MAX as u64);
        if delivery_timeout_ms < floor {
            if let Some(index) = r.explicit("delivery.timeout.ms") {
                return Err(ConfigError::at(
                    Some(index),
                    SettingPart::Value,
                    format!(
                        "delivery.timeout.ms ({delivery_timeout_ms}) is less than linger.ms + \
                         request.timeout.ms ({linger_ms} + {request_timeout_ms}); Kafka refuses \
                         with ConfigException: \"delivery.timeout.ms should be equal to or larger \
                         than linger.ms + request.timeout.ms\""
                    ),
                ));
            }
            delivery_timeout_ms = floor;
        }

        let partitioner_class = Self::partitioner_class(&r)?;
        // Every new batch takes batch.size bytes of buffer.memory (BufferPool.allocate): with
        // less memory than that, no batch can ever be made, and each send() throws.
        let batch_size = r.u64("batch.size");
        let buffer_memory = r.u64("buffer.memory");
        if batch_size > buffer_memory {
            let at = r
                .explicit("buffer.memory")
                .or_else(|| r.explicit("batch.size"));
            return Err(ConfigError::at(
                at,
                SettingPart::Value,
                format!(
                    "batch.size ({batch_size}) is larger than buffer.memory ({buffer_memory}), so \
                     no batch can ever be allocated; every send() throws \
                     IllegalArgumentException: \"Attempt to allocate {batch_size} bytes, but \
                     there is a hard limit of {buffer_memory} on memory allocations.\""
                ),
            ));
        }

        let compression_type = match r.choice("compression.type").as_str() {
            "gzip" => Compression::Gzip,
            "snappy" => Compression::Snappy,
            "lz4" => Compression::Lz4,
            "zstd" => Compression::Zstd,
            _ => Compression::None,
        };
        Ok(ProducerConfig {
            acks,
            enable_idempotence,
            retries,
            retry_backoff_ms: r.u64("retry.backoff.ms"),
            retry_backoff_max_ms: r.u64("retry.backoff.max.ms"),
            request_timeout_ms,
            delivery_timeout_ms,
            linger_ms,
            batch_size,
            buffer_memory,
            max_request_size: r.u64("max.request.size"),
            max_in_flight_requests_per_connection: max_in_flight,
            compression_type,
            max_block_ms: r.u64("max.block.ms"),
            metadata_max_age_ms: r.u64("metadata.max.age.ms"),
            partitioner_class,
            partitioner_ignore_keys: r.bool("partitioner.ignore.keys"),
            partitioner_adaptive_partitioning_enable: r
                .bool("partitioner.adaptive.partitioning.enable"),
            client_id: r.text("client.id"),
            bootstrap_servers: r.text("bootstrap.servers"),
            key_serializer: r.text("key.serializer"),
            value_serializer: r.text("value.serializer"),
        })
    }
}

impl ProducerConfig {
    /// `partitioner.class`: Kafka loads the named class and fails with a ConfigException
    /// ("Class … could not be found.") when it does not exist. `DefaultPartitioner` and
    /// `UniformStickyPartitioner` were deprecated in 3.3 (KIP-794) and removed in 4.0
    /// (KAFKA-18262): their behaviour is the built-in partitioner's (for the latter with
    /// `partitioner.ignore.keys=true`). Of the classes Kafka 4.0 ships, ksim models
    /// `RoundRobinPartitioner`; an application's own class cannot be simulated.
    fn partitioner_class(r: &Resolved) -> Result<PartitionerClass, ConfigError> {
        let Some(class) = r.text("partitioner.class") else {
            return Ok(PartitionerClass::BuiltIn);
        };
        let not_found = |advice: &str| {
            ConfigError::at(
                r.explicit("partitioner.class"),
                SettingPart::Value,
                format!(
                    "partitioner.class = \"{class}\" was removed in Kafka 4.0 (KAFKA-18262); Kafka \
                     refuses with ConfigException: \"Invalid value {class} for configuration \
                     partitioner.class: Class {class} could not be found.\"; {advice}"
                ),
            )
        };
        match class.as_str() {
            PartitionerClass::ROUND_ROBIN => Ok(PartitionerClass::RoundRobin),
            PartitionerClass::REMOVED_DEFAULT => Err(not_found(
                "remove partitioner.class: the built-in partitioner hashes keys and spreads \
                 null keys with the uniform sticky partitioner (KIP-794)",
            )),
            PartitionerClass::REMOVED_UNIFORM_STICKY => Err(not_found(
                "remove partitioner.class and set partitioner.ignore.keys = true for the same \
                 behaviour (KIP-794)",
            )),
            other => Err(ConfigError::at(
                r.explicit("partitioner.class"),
                SettingPart::Value,
                format!(
                    "invalid value \"{other}\" for producer config \"partitioner.class\": ksim \
                     models Kafka 4.0's own partitioners only: leave it unset for the built-in \
                     one, or \"{}\"",
                    PartitionerClass::ROUND_ROBIN
                ),
            )),
        }
    }
}

impl Default for ProducerConfig {
    fn default() -> ProducerConfig {
        ProducerConfig::resolve(&[]).expect("the table's defaults are valid")
    }
}

impl ConsumerConfig {
    /// A consumer's settings, resolved as `ConsumerConfig` resolves them.
    ///
    /// Without a `group.id` there is nowhere to commit: auto-commit is turned off unless it
    /// was set explicitly, and then Kafka refuses. The heartbeat interval must be below the
    /// session timeout, or a member would be expired between two heartbeats.
    pub fn resolve(settings: &[Setting]) -> Result<ConsumerConfig, ConfigError> {
        let r = Resolved::new(Scope::Consumer, settings)?;
        let group_id = r.text("group.id");
        let mut enable_auto_commit = r.bool("enable.auto.commit");
        if group_id.is_none() {
            if let Some(index) = r.explicit("enable.auto.commit")
                && enable_auto_commit
            {
                return Err(ConfigError::at(
                    Some(index),
                    SettingPart::Value,
                    "enable.auto.commit = true needs a group.id to commit to; Kafka refuses \
                     with InvalidConfigurationException: \"enable.auto.commit cannot be set \
                     to true when default group id (null) is used.\""
                        .to_string(),
                ));
            }
            enable_auto_commit = false;
        }
        let session_timeout_ms = r.u64("session.timeout.ms");
        let heartbeat_interval_ms = r.u64("heartbeat.interval.ms");
        if heartbeat_interval_ms >= session_timeout_ms {
            let blame = r
                .explicit("heartbeat.interval.ms")
                .or(r.explicit("session.timeout.ms"));
            return Err(ConfigError::at(
                blame,
                SettingPart::Value,
                format!(
                    "heartbeat.interval.ms ({heartbeat_interval_ms}) must be below \
                     session.timeout.ms ({session_timeout_ms}); Kafka refuses with \
                     IllegalArgumentException: \"Heartbeat must be set lower than the session \
                     timeout\""
                ),
            ));
        }
        let auto_offset_reset = match r.choice("auto.offset.reset").as_str() {
            "earliest" => OffsetReset::Earliest,
            "none" => OffsetReset::None,
            _ => OffsetReset::Latest,
        };
        Ok(ConsumerConfig {
            auto_offset_reset,
            fetch_min_bytes: r.u64("fetch.min.bytes"),
            fetch_max_wait_ms: r.u64("fetch.max.wait.ms"),
            fetch_max_bytes: r.u64("fetch.max.bytes"),
            max_partition_fetch_bytes: r.u64("max.partition.fetch.bytes"),
            max_poll_records: r.u32("max.poll.records"),
            enable_auto_commit,
            auto_commit_interval_ms: r.u64("auto.commit.interval.ms"),
            session_timeout_ms,
            heartbeat_interval_ms,
            max_poll_interval_ms: r.u64("max.poll.interval.ms"),
            partition_assignment_strategy: r
                .choice("partition.assignment.strategy")
                .split(',')
                .map(str::to_string)
                .collect(),
            default_api_timeout_ms: r.u64("default.api.timeout.ms"),
            metadata_max_age_ms: r.u64("metadata.max.age.ms"),
            request_timeout_ms: r.u64("request.timeout.ms"),
            retry_backoff_ms: r.u64("retry.backoff.ms"),
            allow_auto_create_topics: r.bool("allow.auto.create.topics"),
            group_id,
            group_instance_id: r.text("group.instance.id"),
            client_id: r.text("client.id"),
        })
    }
}

impl Default for ConsumerConfig {
    fn default() -> ConsumerConfig {
        ConsumerConfig::resolve(&[]).expect("the table's defaults are valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, value: ConfigValue) -> Setting {
        Setting::new(name, value)
    }

    fn int(v: i64) -> ConfigValue {
        ConfigValue::Int(v)
    }

    fn s(v: &str) -> ConfigValue {
        ConfigValue::Str(v.to_string())
    }

    // The defaults are Kafka 4.0's, as the reference lists them.
    #[test]
    fn defaults_are_kafka_4_0() {
        let b = BrokerConfig::default();
        assert_eq!(b.min_insync_replicas, 1);
        assert!(!b.unclean_leader_election_enable);
        assert_eq!(b.replica_lag_time_max_ms, 30_000);
        assert_eq!(b.replica_fetch_wait_max_ms, 500);
        assert_eq!(b.replica_fetch_min_bytes, 1);
        assert_eq!(b.replica_fetch_max_bytes, 1_048_576);
        assert_eq!(b.replica_fetch_backoff_ms, 1_000);
        assert_eq!(b.replica_high_watermark_checkpoint_interval_ms, 5_000);
        assert_eq!(b.broker_heartbeat_interval_ms, 2_000);
        assert_eq!(b.broker_session_timeout_ms, 9_000);
        assert_eq!(b.log_flush_interval_messages, i64::MAX as u64);
        assert_eq!(b.log_flush_interval_ms, None);
        assert_eq!(b.message_max_bytes, 1_048_588);
        assert_eq!(b.default_replication_factor, 1);
        assert_eq!(b.num_partitions, 1);
        assert!(b.auto_create_topics_enable);
        assert!(b.auto_leader_rebalance_enable);
        assert_eq!(b.leader_imbalance_check_interval_seconds, 300);
        assert_eq!(b.leader_imbalance_per_broker_percentage, 10);

        let p = ProducerConfig::default();
        assert_eq!(p.acks, Acks::All);
        assert!(p.enable_idempotence);
        assert_eq!(p.retries, 2_147_483_647);
        assert_eq!(p.retry_backoff_ms, 100);
        assert_eq!(p.retry_backoff_max_ms, 1_000);
        assert_eq!(p.request_timeout_ms, 30_000);
        assert_eq!(p.delivery_timeout_ms, 120_000);
        assert_eq!(p.linger_ms, 5);
        assert_eq!(p.batch_size, 16_384);
        assert_eq!(p.buffer_memory, 33_554_432);
        assert_eq!(p.max_request_size, 1_048_576);
        assert_eq!(p.max_in_flight_requests_per_connection, 5);
        assert_eq!(p.compression_type, Compression::None);
        assert_eq!(p.max_block_ms, 60_000);
        assert_eq!(p.metadata_max_age_ms, 300_000);
        assert!(!p.partitioner_ignore_keys);
        assert!(p.partitioner_adaptive_partitioning_enable);
        assert_eq!(p.partitioner_class, PartitionerClass::BuiltIn);
        assert_eq!(p.client_id, None);

        let c = ConsumerConfig::default();
        assert_eq!(c.auto_offset_reset, OffsetReset::Latest);
        assert_eq!(c.fetch_min_bytes, 1);
        assert_eq!(c.fetch_max_wait_ms, 500);
        assert_eq!(c.fetch_max_bytes, 52_428_800);
        assert_eq!(c.max_partition_fetch_bytes, 1_048_576);
        assert_eq!(c.max_poll_records, 500);
        // No group.id, so auto-commit is off even though the table says true.
        assert!(!c.enable_auto_commit);
        assert_eq!(c.auto_commit_interval_ms, 5_000);
        assert_eq!(c.session_timeout_ms, 45_000);
        assert_eq!(c.heartbeat_interval_ms, 3_000);
        assert_eq!(c.max_poll_interval_ms, 300_000);
        assert_eq!(c.request_timeout_ms, 30_000);
        assert_eq!(c.retry_backoff_ms, 100);
        assert!(c.allow_auto_create_topics);

        let t = TopicConfig::default();
        assert_eq!(t.min_insync_replicas, 1);
        assert_eq!(t.flush_messages, i64::MAX as u64);
        assert_eq!(t.flush_ms, None);
        assert_eq!(t.max_message_bytes, 1_048_588);
    }

    /// A valid value for `def` that differs from its default.
    fn other_value(def: &ConfigDef) -> ConfigValue {
        match (def.kind, def.default) {
            (ValueKind::Int { min, max }, ConfigDefault::Int(d)) => {
                int(if d < max { d + 1 } else { min })
            }
            // Below zero means "no limit" for sizes; a positive value is a real change.
            (ValueKind::Int { min, .. }, _) => int(if min < 0 { 1000 } else { min + 7 }),
            (ValueKind::Bool, ConfigDefault::Bool(d)) => ConfigValue::Bool(!d),
            (ValueKind::Bool, _) => ConfigValue::Bool(true),
            (ValueKind::OneOf(allowed), _) => {
                let d = match def.default {
                    ConfigDefault::Text(d) => d,
                    _ => "",
                };
                // "-1" means the same as "all", so skip it as well as the default.
                s(allowed.iter().find(|a| **a != d && **a != "-1").unwrap())
            }
            (ValueKind::Text { .. }, _) if def.name == "partitioner.class" => {
                s(PartitionerClass::ROUND_ROBIN)
            }
            (ValueKind::Text { .. }, _) => s("x"),
            (ValueKind::ClassList(allowed), _) => s(allowed[1]),
            (ValueKind::Double { max, .. }, _) => ConfigValue::Float(max),
        }
    }

    // Every row of the table reaches a field: setting it to another valid value changes the
    // resolved struct. This is what keeps the table and the structs in step.
    #[test]
    fn every_table_row_reaches_a_field() {
        for def in CONFIGS {
            // A base that keeps the cross-setting rules quiet: with a group, enable.auto.commit
            // keeps its table default; without idempotence, any acks or in-flight count goes.
            let base: Vec<Setting> = match def.scope {
                Scope::Producer => vec![set("enable.idempotence", ConfigValue::Bool(false))],
                Scope::Consumer => vec![set("group.id", s("g"))],
                _ => vec![],
            };
            let base: Vec<Setting> = base.into_iter().filter(|b| b.name != def.name).collect();
            let mut with = base.clone();
            with.push(set(def.name, other_value(def)));
            let broker = BrokerConfig::default();
            let changed = match def.scope {
                Scope::Broker => BrokerConfig::resolve(&with) != BrokerConfig::resolve(&base),
                Scope::Topic => {
                    TopicConfig::resolve(&broker, &with) != TopicConfig::resolve(&broker, &base)
                }
                Scope::Producer => ProducerConfig::resolve(&with) != ProducerConfig::resolve(&base),
                Scope::Consumer => ConsumerConfig::resolve(&with) != ConsumerConfig::resolve(&base),
            };
            assert!(
                changed,
                "{} config \"{}\" changes nothing",
                def.scope, def.name
            );
            match def.scope {
                Scope::Broker => assert!(BrokerConfig::resolve(&with).is_ok()),
                Scope::Topic => assert!(TopicConfig::resolve(&broker, &with).is_ok()),
                Scope::Producer => assert!(ProducerConfig::resolve(&with).is_ok()),
                Scope::Consumer => assert!(ConsumerConfig::resolve(&with).is_ok()),
            }
        }
    }

    // Each row is well formed: a default inside its range, an int that fits the struct.
    #[test]
    fn table_rows_are_consistent() {
        for def in CONFIGS {
            assert_eq!(
                CONFIGS
                    .iter()
                    .filter(|d| d.scope == def.scope && d.name == def.name)
                    .count(),
                1,
                "{} is listed twice",
                def.name
            );
            match (def.kind, def.default) {
                (ValueKind::Int { min, max }, ConfigDefault::Int(d)) => {
                    // Negative values (retention's "unlimited") are read with `opt_int`.
                    assert!(min <= d && d <= max, "{}", def.name)
                }
                (ValueKind::OneOf(allowed), ConfigDefault::Text(d)) => {
                    assert!(allowed.contains(&d), "{}", def.name)
                }
                (ValueKind::ClassList(allowed), ConfigDefault::Text(d)) => {
                    assert!(d.split(',').all(|c| allowed.contains(&c)), "{}", def.name)
                }
                (ValueKind::Bool, ConfigDefault::Bool(_)) => {}
                (ValueKind::Double { min, max }, ConfigDefault::Text(d)) => {
                    let d: f64 = d.parse().expect("a double's default is a number");
                    assert!(min <= d && d <= max, "{}", def.name)
                }
                (_, ConfigDefault::Unset) => {}
                (_, ConfigDefault::Broker(name)) => {
                    let broker = lookup(Scope::Broker, name).expect("the synonym exists");
                    assert_eq!(
                        std::mem::discriminant(&broker.kind),
                        std::mem::discriminant(&def.kind)
                    );
                }
                _ => panic!("{}: default does not match its kind", def.name),
            }
        }
    }

    // Kafka parses "500" for an int and "TRUE" for a boolean; so do we.
    #[test]
    fn accepts_strings_for_numbers_and_booleans() {
        let c = BrokerConfig::resolve(&[
            set("replica.lag.time.max.ms", s(" 10000 ")),
            set("unclean.leader.election.enable", s("TRUE")),
        ])
        .unwrap();
        assert_eq!(c.replica_lag_time_max_ms, 10_000);
        assert!(c.unclean_leader_election_enable);
    }

    // acks takes "all", "-1", "0", "1" and the integers -1, 0, 1, nothing else.
    #[test]
    fn acks_forms() {
        let acks = |v| {
            ProducerConfig::resolve(&[
                set("acks", v),
                set("enable.idempotence", ConfigValue::Bool(false)),
            ])
            .map(|p| p.acks)
        };
        assert_eq!(acks(s("all")), Ok(Acks::All));
        assert_eq!(acks(s("-1")), Ok(Acks::All));
        assert_eq!(acks(int(-1)), Ok(Acks::All));
        assert_eq!(acks(int(0)), Ok(Acks::Zero));
        assert_eq!(acks(s("1")), Ok(Acks::One));
        let err = acks(s("most")).unwrap_err();
        assert_eq!(
            err.message,
            "invalid value \"most\" for producer config \"acks\": expected one of \"all\", \"-1\", \"0\", \"1\""
        );
        assert_eq!((err.setting, err.part), (Some(0), SettingPart::Value));
        assert!(acks(int(2)).is_err());
        assert!(
            acks(s("ALL")).is_err(),
            "Kafka's ValidString is case-sensitive"
        );
    }

    // Out-of-range and mistyped values name the setting and what it takes.
    #[test]
    fn refuses_bad_values() {
        let err = BrokerConfig::resolve(&[set("min.insync.replicas", int(0))]).unwrap_err();
        assert_eq!(
            err.message,
            "invalid value 0 for broker config \"min.insync.replicas\": expected an integer from 1 to 2147483647"
        );
        let err =
            ProducerConfig::resolve(&[set("linger.ms", ConfigValue::Bool(true))]).unwrap_err();
        assert_eq!(
            err.message,
            "invalid value true for producer config \"linger.ms\": expected an integer of at least 0"
        );
        let err = ConsumerConfig::resolve(&[set("enable.auto.commit", s("yes"))]).unwrap_err();
        assert_eq!(
            err.message,
            "invalid value \"yes\" for consumer config \"enable.auto.commit\": expected true or false"
        );
        let err = ConsumerConfig::resolve(&[set("group.id", s(""))]).unwrap_err();
        assert!(
            err.message.contains("a non-empty string"),
            "{}",
            err.message
        );
    }

    // An unknown name gets the nearest real one, or the scope it belongs to.
    #[test]
    fn unknown_names_are_explained() {
        let message = |scope: Scope, name: &str| {
            let one = [set(name, int(1))];
            let err = match scope {
                Scope::Broker => BrokerConfig::resolve(&one).unwrap_err(),
                Scope::Topic => TopicConfig::resolve(&BrokerConfig::default(), &one).unwrap_err(),
                Scope::Producer => ProducerConfig::resolve(&one).unwrap_err(),
                Scope::Consumer => ConsumerConfig::resolve(&one).unwrap_err(),
            };
            assert_eq!(err.part, SettingPart::Name);
            err.message
        };
        assert_eq!(
            message(Scope::Broker, "min.insync.replica"),
            "unknown broker config \"min.insync.replica\", did you mean \"min.insync.replicas\"?"
        );
        assert_eq!(
            message(Scope::Broker, "min_insync_replicas"),
            "unknown broker config \"min_insync_replicas\", did you mean \"min.insync.replicas\"?"
        );
        assert_eq!(
            message(Scope::Broker, "acks"),
            "\"acks\" is a producer config, not a broker config; set it in [[producers]] config"
        );
        assert_eq!(
            message(Scope::Producer, "session.timeout.ms"),
            "\"session.timeout.ms\" is a consumer config, not a producer config; set it in [[consumers]] config"
        );
        assert_eq!(
            message(Scope::Broker, "flush.messages"),
            "\"flush.messages\" is a topic config; the broker-wide default is \"log.flush.interval.messages\""
        );
        assert_eq!(
            message(Scope::Topic, "message.max.bytes"),
            "\"message.max.bytes\" is a broker config; a topic overrides it with \"max.message.bytes\""
        );
        assert_eq!(
            message(Scope::Producer, "linger"),
            "unknown producer config \"linger\", did you mean \"linger.ms\"?"
        );
        assert_eq!(
            message(Scope::Broker, "ack"),
            "unknown broker config \"ack\"; did you mean the producer config \"acks\" (set in [[producers]] config)?"
        );
        assert!(message(Scope::Topic, "zzzzzzzzzzzz").starts_with(
            "unknown topic config \"zzzzzzzzzzzz\"; ksim supports min.insync.replicas, "
        ));
    }

    // Topic settings override their broker synonyms; the rest are inherited.
    #[test]
    fn topic_overrides_broker() {
        let broker = BrokerConfig::resolve(&[
            set("min.insync.replicas", int(2)),
            set("log.flush.interval.messages", int(10)),
            set("log.flush.interval.ms", int(1000)),
            set("message.max.bytes", int(500)),
        ])
        .unwrap();
        let inherited = TopicConfig::resolve(&broker, &[]).unwrap();
        assert_eq!(inherited.min_insync_replicas, 2);
        assert_eq!(inherited.flush_messages, 10);
        assert_eq!(inherited.flush_ms, Some(1000));
        assert_eq!(inherited.max_message_bytes, 500);
        let own = TopicConfig::resolve(
            &broker,
            &[
                set("min.insync.replicas", int(3)),
                set("flush.messages", int(1)),
                set("flush.ms", int(0)),
                set("max.message.bytes", int(100)),
                set("unclean.leader.election.enable", ConfigValue::Bool(true)),
            ],
        )
        .unwrap();
        assert_eq!(
            own,
            TopicConfig {
                min_insync_replicas: 3,
                unclean_leader_election_enable: true,
                flush_messages: 1,
                flush_ms: Some(0),
                max_message_bytes: 100,
                ..TopicConfig::default()
            }
        );
    }

    // Idempotence: silently off when defaulted and in conflict, refused when asked for.
    #[test]
    fn idempotence_follows_kafka() {
        let p = ProducerConfig::resolve(&[set("acks", s("1"))]).unwrap();
        assert!(!p.enable_idempotence);
        let p = ProducerConfig::resolve(&[set("retries", int(0))]).unwrap();
        assert!(!p.enable_idempotence);
        let p = ProducerConfig::resolve(&[set("acks", int(0)), set("retries", int(0))]).unwrap();
        assert!(!p.enable_idempotence);

        let err = ProducerConfig::resolve(&[
            set("enable.idempotence", ConfigValue::Bool(true)),
            set("acks", s("1")),
        ])
        .unwrap_err();
        assert_eq!(err.setting, Some(1));
        assert_eq!(
            err.message,
            "enable.idempotence = true conflicts with acks = \"1\"; Kafka refuses with ConfigException: \
             \"Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.\""
        );
        let err = ProducerConfig::resolve(&[
            set("enable.idempotence", s("true")),
            set("retries", int(0)),
        ])
        .unwrap_err();
        assert!(
            err.message.contains("Must set retries to non-zero"),
            "{}",
            err.message
        );

        // Kafka 4.0 refuses more than 5 in flight while idempotence is on, even by default.
        let err = ProducerConfig::resolve(&[set("max.in.flight.requests.per.connection", int(6))])
            .unwrap_err();
        assert_eq!(err.setting, Some(0));
        assert!(
            err.message.contains("Current value is 6."),
            "{}",
            err.message
        );
        let p = ProducerConfig::resolve(&[
            set("max.in.flight.requests.per.connection", int(6)),
            set("enable.idempotence", ConfigValue::Bool(false)),
        ])
        .unwrap();
        assert_eq!(p.max_in_flight_requests_per_connection, 6);
        assert!(!p.enable_idempotence);
    }

    // R6.6 in Kafka 4.0: an explicit enable.idempotence = true with more than 5 in flight is
    // refused in Kafka's words; so is a defaulted idempotence turned off by acks = 1, as the
    // in-flight check comes first (KAFKA-17927); acks and retries alone turn it off silently.
    #[test]
    fn idempotence_conflicts_in_kafka_4_0() {
        let err = ProducerConfig::resolve(&[
            set("enable.idempotence", ConfigValue::Bool(true)),
            set("max.in.flight.requests.per.connection", int(6)),
        ])
        .unwrap_err();
        assert_eq!(err.setting, Some(1));
        assert_eq!(
            err.message,
            "enable.idempotence = true conflicts with max.in.flight.requests.per.connection = 6; \
             Kafka refuses with ConfigException: \"To use the idempotent producer, \
             max.in.flight.requests.per.connection must be set to at most 5. Current value is 6.\""
        );
        let err = ProducerConfig::resolve(&[
            set("acks", s("1")),
            set("max.in.flight.requests.per.connection", int(6)),
        ])
        .unwrap_err();
        assert_eq!(err.setting, Some(1));
        assert!(
            err.message.contains("needs enable.idempotence = false"),
            "{}",
            err.message
        );
        let err = ProducerConfig::resolve(&[
            set("retries", int(0)),
            set("enable.idempotence", ConfigValue::Bool(true)),
        ])
        .unwrap_err();
        assert_eq!(err.setting, Some(0));
        assert_eq!(
            err.message,
            "enable.idempotence = true conflicts with retries = 0; Kafka refuses with \
             ConfigException: \"Must set retries to non-zero when using the idempotent producer.\""
        );
        // In flight 5 is the most idempotence allows, and keeps it on.
        let p = ProducerConfig::resolve(&[set("max.in.flight.requests.per.connection", int(5))])
            .unwrap();
        assert!(p.enable_idempotence);
        // Explicitly off: any acks, retries and in-flight count go.
        let p = ProducerConfig::resolve(&[
            set("enable.idempotence", ConfigValue::Bool(false)),
            set("acks", s("1")),
            set("retries", int(0)),
        ])
        .unwrap();
        assert!(!p.enable_idempotence && p.acks == Acks::One && p.retries == 0);
    }

    // partitioner.class: unset is the built-in partitioner, RoundRobinPartitioner is modelled,
    // the sticky classes removed in 4.0 are refused as Kafka 4.0 refuses a missing class.
    #[test]
    fn partitioner_class_follows_kafka_4_0() {
        let p =
            ProducerConfig::resolve(&[set("partitioner.class", s(PartitionerClass::ROUND_ROBIN))])
                .unwrap();
        assert_eq!(p.partitioner_class, PartitionerClass::RoundRobin);
        let p = ProducerConfig::resolve(&[set("partitioner.class", s(""))]).unwrap();
        assert_eq!(p.partitioner_class, PartitionerClass::BuiltIn);
        let err = ProducerConfig::resolve(&[
            set("acks", s("all")),
            set("partitioner.class", s(PartitionerClass::REMOVED_DEFAULT)),
        ])
        .unwrap_err();
        assert_eq!(err.setting, Some(1));
        assert_eq!(err.part, SettingPart::Value);
        assert_eq!(
            err.message,
            "partitioner.class = \"org.apache.kafka.clients.producer.internals.DefaultPartitioner\" \
             was removed in Kafka 4.0 (KAFKA-18262); Kafka refuses with ConfigException: \"Invalid \
             value org.apache.kafka.clients.producer.internals.DefaultPartitioner for configuration \
             partitioner.class: Class org.apache.kafka.clients.producer.internals.DefaultPartitioner \
             could not be found.\"; remove partitioner.class: the built-in partitioner hashes keys \
             and spreads null keys with the uniform sticky partitioner (KIP-794)"
        );
        let err = ProducerConfig::resolve(&[set(
            "partitioner.class",
            s(PartitionerClass::REMOVED_UNIFORM_STICKY),
        )])
        .unwrap_err();
        assert!(
            err.message.contains("set partitioner.ignore.keys = true"),
            "{}",
            err.message
        );
        let err =
            ProducerConfig::resolve(&[set("partitioner.class", s("com.example.MyPartitioner"))])
                .unwrap_err();
        assert!(
            err.message.starts_with(
                "invalid value \"com.example.MyPartitioner\" for producer config \"partitioner.class\""
            ),
            "{}",
            err.message
        );
    }

    // delivery.timeout.ms: an explicit value below linger + request timeout is refused, the
    // default is raised to the sum.
    #[test]
    fn delivery_timeout_covers_linger_and_request_timeout() {
        let p = ProducerConfig::resolve(&[set("request.timeout.ms", int(200_000))]).unwrap();
        assert_eq!(p.delivery_timeout_ms, 200_005);
        let err = ProducerConfig::resolve(&[
            set("linger.ms", int(100)),
            set("delivery.timeout.ms", int(30_000)),
        ])
        .unwrap_err();
        assert_eq!(err.setting, Some(1));
        assert_eq!(
            err.message,
            "delivery.timeout.ms (30000) is less than linger.ms + request.timeout.ms (100 + 30000); \
             Kafka refuses with ConfigException: \"delivery.timeout.ms should be equal to or larger \
             than linger.ms + request.timeout.ms\""
        );
        let p = ProducerConfig::resolve(&[set("delivery.timeout.ms", int(30_005))]).unwrap();
        assert_eq!(p.delivery_timeout_ms, 30_005);
    }

    // Consumer rules: auto-commit needs a group; heartbeats come faster than the session.
    #[test]
    fn consumer_rules() {
        let c = ConsumerConfig::resolve(&[set("group.id", s("g1"))]).unwrap();
        assert!(c.enable_auto_commit);
        assert_eq!(c.group_id.as_deref(), Some("g1"));
        let err = ConsumerConfig::resolve(&[set("enable.auto.commit", ConfigValue::Bool(true))])
            .unwrap_err();
        assert!(
            err.message.contains("default group id (null)"),
            "{}",
            err.message
        );
        let err =
            ConsumerConfig::resolve(&[set("heartbeat.interval.ms", int(45_000))]).unwrap_err();
        assert_eq!(err.setting, Some(0));
        assert!(
            err.message.contains("Heartbeat must be set lower"),
            "{}",
            err.message
        );
        let err = ConsumerConfig::resolve(&[set("session.timeout.ms", int(1000))]).unwrap_err();
        assert!(
            err.message.contains("from 6000 to 1800000"),
            "{}",
            err.message
        );
    }

    // A broker must not hold a follower's fetch longer than it tolerates lag.
    #[test]
    fn broker_fetch_wait_within_lag() {
        let err = BrokerConfig::resolve(&[set("replica.lag.time.max.ms", int(100))]).unwrap_err();
        assert_eq!(err.setting, Some(0));
        assert!(
            err.message.contains("prevent frequent changes in ISR"),
            "{}",
            err.message
        );
    }

    // A name given twice is an error rather than a silent last-one-wins.
    #[test]
    fn duplicate_setting_is_refused() {
        let err =
            BrokerConfig::resolve(&[set("num.partitions", int(2)), set("num.partitions", int(3))])
                .unwrap_err();
        assert_eq!(err.setting, Some(1));
        assert_eq!(
            err.message,
            "broker config \"num.partitions\" is given twice"
        );
    }

    // The typo finder: close names match, far ones do not.
    #[test]
    fn nearest_names() {
        let names = ["leader", "isr", "high_watermark", "leader_epoch"];
        assert_eq!(nearest("leadr", names), Some("leader"));
        assert_eq!(nearest("high-watermark", names), Some("high_watermark"));
        assert_eq!(nearest("isrs", names), Some("isr"));
        assert_eq!(nearest("banana", names), None);
        assert_eq!(nearest("", names), None);
    }
}
