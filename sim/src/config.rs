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
//!
//! Here: the typed structs and their `resolve`. `catalogue` holds the table, `setting` the
//! settings as given and their errors, `resolve` the checking and defaulting between them, and
//! `retention` the rule that picks a topic's retention time (F50), `version` the replication
//! rules of each Kafka release (`[cluster] kafka_version`).

pub mod retention;
pub mod version;

use crate::config::retention::{Retention, RetentionSettings, effective_retention};
use crate::config::version::Behaviour;

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
    pub transaction_state_log_num_partitions: u32,
    pub transaction_state_log_replication_factor: u32,
    pub transaction_state_log_min_isr: u32,
    pub transaction_max_timeout_ms: u64,
    pub transaction_abort_timed_out_transaction_cleanup_interval_ms: u64,
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
    /// The replication rules of `[cluster] kafka_version` (default: the newest modelled).
    pub behaviour: Behaviour,
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
    /// `transactional.id`: set, the producer is transactional (which needs idempotence).
    pub transactional_id: Option<String>,
    pub transaction_timeout_ms: u64,
    pub client_id: Option<String>,
    pub bootstrap_servers: Option<String>,
    pub key_serializer: Option<String>,
    pub value_serializer: Option<String>,
}

/// Consumer settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerConfig {
    pub auto_offset_reset: OffsetReset,
    /// `isolation.level=read_committed`: read up to the last stable offset, skip aborted
    /// transactions.
    pub read_committed: bool,
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

mod catalogue;
mod resolve;
mod setting;
#[cfg(test)]
mod tests;

pub use catalogue::*;
use resolve::*;
pub use setting::*;

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
            transaction_state_log_num_partitions: r.u32("transaction.state.log.num.partitions"),
            transaction_state_log_replication_factor: r
                .u32("transaction.state.log.replication.factor"),
            transaction_state_log_min_isr: r.u32("transaction.state.log.min.isr"),
            transaction_max_timeout_ms: r.u64("transaction.max.timeout.ms"),
            transaction_abort_timed_out_transaction_cleanup_interval_ms: r
                .u64("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
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
            behaviour: Behaviour::default(),
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

        // `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: a transactional producer
        // is idempotent, so a transactional.id with idempotence off (asked for, or turned off
        // by a conflicting setting) is refused.
        let transactional_id = r.text("transactional.id");
        if transactional_id.is_some() && !enable_idempotence {
            let blame = r
                .explicit("enable.idempotence")
                .or(r.explicit("transactional.id"));
            return Err(ConfigError::at(
                blame,
                SettingPart::Value,
                "transactional.id needs the idempotent producer (enable.idempotence = true, \
                 acks = \"all\", retries > 0); Kafka refuses with ConfigException: \"Cannot set \
                 a transactional.id without also enabling idempotence.\""
                    .to_string(),
            ));
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
            transactional_id,
            transaction_timeout_ms: r.u64("transaction.timeout.ms"),
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
            read_committed: r.choice("isolation.level") == "read_committed",
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
