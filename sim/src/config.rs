//! Kafka's configuration, as far as ksim models it: one table of every supported setting with
//! its real name, default and valid range, and the typed structs the simulation reads.
//!
//! Scenario files use Kafka's names verbatim (`replica.lag.time.max.ms`); the structs use the
//! snake_case form with the unit last. Defaults are Kafka 4.0's.

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
    pub auto_leader_rebalance_enable: bool,
    pub leader_imbalance_check_interval_seconds: u64,
    pub leader_imbalance_per_broker_percentage: u32,
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
    pub enable_auto_commit: bool,
    pub auto_commit_interval_ms: u64,
    pub session_timeout_ms: u64,
    pub heartbeat_interval_ms: u64,
    pub max_poll_interval_ms: u64,
    pub request_timeout_ms: u64,
    pub retry_backoff_ms: u64,
    pub allow_auto_create_topics: bool,
    pub group_id: Option<String>,
    pub group_instance_id: Option<String>,
    pub client_id: Option<String>,
}
