//! ksim: a deterministic simulation of an Apache Kafka cluster.
//!
//! Scenario text goes in, values come out: no terminal, no files, no wall clock, no threads.
//!
//! - `scenario` parses and checks a TOML scenario; `config` holds Kafka's settings.
//! - `world` is the discrete-event engine: simulated time, the event `queue`; `network`
//!   delivers messages with seeded latency and faults.
//! - `controller`, `broker`, `producer`, `consumer` are the nodes, plain state machines that
//!   exchange `message`s; `metadata` is what the controller publishes (and how clients fetch
//!   it); `log` is one replica's log; `idempotence` the broker's producer-sequence checks;
//!   `compression` the codecs' ratios and the producer's estimate of them.
//! - `assignor` holds the consumer-group partition assignors (Range, RoundRobin, Sticky,
//!   CooperativeSticky): pure functions from members and partition counts to an assignment;
//!   `group` is the group coordinator a broker runs for the groups of its `__consumer_offsets`
//!   partitions.
//! - `retention` decides a topic's retention time from `log.retention.ms`, `.minutes`,
//!   `.hours` and the topic's `retention.ms` (F50), and says why; `cleanup` runs retention
//!   and the log cleaner on a broker's replicas.
//! - `trace` records what happened, `ledger` the fate of every record, `check` the
//!   expectations, `invariants` the protocol properties tests check after every event,
//!   `report` the cluster as `kafka-topics --describe` shows it.
//! - `nemesis` draws a random fault schedule from a scenario's `[faults]` and shrinks it.
//! - `ids`, `time`, `rng`, `partitioner` are the small pieces they share.
//! - `shared` is the list with a nearly free clone that holds the run's long histories, so
//!   that a clone of the world (the explorer's keyframe) copies little.

pub mod assignor;
pub mod broker;
pub mod check;
pub mod cleanup;
pub mod compression;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod group;
pub mod idempotence;
pub mod ids;
pub mod invariants;
pub mod ledger;
pub mod log;
pub mod message;
pub mod metadata;
pub mod nemesis;
pub mod network;
pub mod partitioner;
pub mod producer;
pub mod queue;
pub mod report;
pub mod retention;
pub mod rng;
pub mod scenario;
pub mod shared;
pub mod time;
pub mod trace;
pub mod world;

pub use scenario::{Scenario, ScenarioError};
pub use world::World;
