//! The server side of Kafka: brokers, the KRaft controller, replica logs, the group
//! coordinator, and the protocol both sides speak.
//!
//! `broker` (replication, ISR, high watermark, produce and fetch), `controller` (registration,
//! fencing, elections), `log` (one replica's log and its segments), `cleanup` (retention and
//! compaction), `idempotence` (the broker's producer-sequence checks), `group` (the group
//! coordinator and its offsets), `txn` (the transaction coordinator), `held` (the requests a
//! broker holds rather than answers at once, for the explorer). The protocol: `message` (requests and responses),
//! `metadata` (what the controller publishes), `effects` (what a node asks of the engine) and
//! `trace` (what happened, as the trace prints it). Uses `engine`, `config` and `scenario`;
//! clients use it only through the protocol modules.

pub mod broker;
pub mod cleanup;
pub mod controller;
pub mod effects;
pub mod group;
pub mod held;
pub mod idempotence;
pub mod log;
pub mod message;
pub mod metadata;
pub mod trace;
pub mod txn;
