//! The table of every Kafka setting ksim knows: its real name, scope, kind, default, valid
//! range and a line of doc, written once; lookups by name and scope.

use std::fmt;

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
    /// False for a setting ksim accepts and checks but whose value no model code reads yet;
    /// the README's list of such settings is written from this flag, and a test fails when a
    /// setting without the flag reaches only fields that no model code reads.
    pub has_effect: bool,
}

impl ConfigDef {
    /// The same setting, marked as accepted without effect.
    const fn without_effect(self) -> ConfigDef {
        ConfigDef {
            has_effect: false,
            ..self
        }
    }
}

/// The settings ksim accepts and checks but whose value changes nothing yet, in table order.
pub fn without_effect() -> impl Iterator<Item = &'static ConfigDef> {
    CONFIGS.iter().filter(|def| !def.has_effect)
}

pub(super) const INT_MAX: i64 = i32::MAX as i64;
pub(super) const INT_MIN: i64 = i32::MIN as i64;
pub(super) const LONG_MAX: i64 = i64::MAX;
pub(super) const LONG_MIN: i64 = i64::MIN;

/// The values of `cleanup.policy`.
pub(super) const CLEANUP_POLICIES: &[&str] = &["delete", "compact"];

pub(super) const fn double(
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
        has_effect: true,
    }
}

pub(super) const fn int(
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
        has_effect: true,
    }
}

/// An integer setting that is unset by default.
pub(super) const fn optional_int(
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
        has_effect: true,
    }
}

pub(super) const fn boolean(
    scope: Scope,
    name: &'static str,
    default: bool,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::Bool,
        default: ConfigDefault::Bool(default),
        doc,
        has_effect: true,
    }
}

pub(super) const fn one_of(
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
        has_effect: true,
    }
}

pub(super) const fn class_list(
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
        has_effect: true,
    }
}

/// The assignors a consumer may name in `partition.assignment.strategy`.
pub const ASSIGNOR_CLASSES: &[&str] = &[
    "org.apache.kafka.clients.consumer.RangeAssignor",
    "org.apache.kafka.clients.consumer.RoundRobinAssignor",
    "org.apache.kafka.clients.consumer.StickyAssignor",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
];

pub(super) const fn text(
    scope: Scope,
    name: &'static str,
    non_empty: bool,
    doc: &'static str,
) -> ConfigDef {
    ConfigDef {
        name,
        scope,
        kind: ValueKind::Text { non_empty },
        default: ConfigDefault::Unset,
        doc,
        has_effect: true,
    }
}

pub(super) const fn topic(
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
        has_effect: true,
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
        "the bytes a follower's fetch waits for before the leader answers, within replica.fetch.wait.max.ms (Kafka has no validator)"),
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
        "fsync when the oldest unflushed record is this old; unset by default, so a power loss takes the unflushed tail (Kafka has no validator)").without_effect(),
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
    int(Broker, "transaction.state.log.num.partitions", 1, INT_MAX, 50,
        "the partition count of __transaction_state; a transactional.id's coordinator leads partition abs(hash(transactional.id)) mod this"),
    int(Broker, "transaction.state.log.replication.factor", 1, 32_767, 3,
        "the replication factor of __transaction_state; a cluster with fewer brokers cannot create it, so transactional producers find no coordinator"),
    int(Broker, "transaction.state.log.min.isr", 1, INT_MAX, 2,
        "min.insync.replicas of __transaction_state: a transaction state change is written only while its ISR has this many members"),
    int(Broker, "transaction.max.timeout.ms", 1, INT_MAX, 900_000,
        "the largest transaction.timeout.ms a producer may ask for; InitProducerId with more fails with INVALID_TRANSACTION_TIMEOUT"),
    int(Broker, "transaction.abort.timed.out.transaction.cleanup.interval.ms", 1, INT_MAX, 10_000,
        "how often the transaction coordinator looks for transactions open longer than their transaction.timeout.ms and aborts them, fencing the producer"),
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
        "fsync this topic's log when the oldest unflushed record is this old").without_effect(),
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
    text(Producer, "transactional.id", true,
        "makes the producer transactional: init_transactions fences any earlier producer with the same id, and writes commit or abort together (needs idempotence)"),
    int(Producer, "transaction.timeout.ms", 1, INT_MAX, 60_000,
        "how long a transaction may stay open before its coordinator aborts it and fences the producer"),
    text(Producer, "client.id", false,
        "the name in broker logs and quotas; Kafka's default is empty and the client calls itself producer-N").without_effect(),
    text(Producer, "bootstrap.servers", false,
        "where the client first asks for metadata; required by Kafka, ignored by ksim (every broker is reachable)").without_effect(),
    text(Producer, "key.serializer", false,
        "turns keys into bytes; required by Kafka, ksim always sends UTF-8 strings").without_effect(),
    text(Producer, "value.serializer", false,
        "turns values into bytes; required by Kafka, ksim always sends UTF-8 strings").without_effect(),
    // Consumer: `[[consumers]] config`.
    one_of(Consumer, "auto.offset.reset", &["latest", "earliest", "none"], "latest",
        "where to start without a committed offset or when the position is out of range; none throws instead"),
    one_of(Consumer, "isolation.level", &["read_uncommitted", "read_committed"], "read_uncommitted",
        "read_committed reads only up to the last stable offset and skips aborted transactions; read_uncommitted reads everything below the high watermark"),
    int(Consumer, "fetch.min.bytes", 0, INT_MAX, 1,
        "the bytes a fetch waits for before the broker answers, within fetch.max.wait.ms"),
    int(Consumer, "fetch.max.wait.ms", 0, INT_MAX, 500,
        "how long the broker may hold a fetch waiting for fetch.min.bytes"),
    int(Consumer, "fetch.max.bytes", 0, INT_MAX, 52_428_800,
        "the bytes one fetch response may carry over all partitions"),
    int(Consumer, "max.partition.fetch.bytes", 0, INT_MAX, 1_048_576,
        "the bytes one fetch response may carry for one partition").without_effect(),
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
