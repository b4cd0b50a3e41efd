//! ksim: a deterministic simulation of an Apache Kafka cluster.
//!
//! Scenario text goes in, values come out: no terminal, no files, no wall clock, no threads.
//! The modules are layers; each uses only those above it in this list (a test in `tests/`
//! reads every `use crate::…` and keeps it so):
//!
//! - `engine`: simulated time, the event queue, seeded randomness, the network, ids, the
//!   shared histories and the handler context. Nothing of Kafka.
//! - `config`: Kafka's settings, with their real names, defaults and ranges, and the retention
//!   rule (F50).
//! - `scenario`: a scenario as parsed from TOML, and the nemesis that draws fault schedules.
//! - `kafka` (brokers, controller, logs, the group coordinator, the protocol) and `clients`
//!   (producer, consumer, partitioners, assignors): the nodes, plain state machines that
//!   exchange `kafka::message`s. Clients see `kafka` only through its protocol modules.
//! - `world`: owns the nodes and dispatches every event to one of them: the run.
//! - `observe`: what a run tells: the ledger, the expectations, the invariants, the report.

pub mod clients;
pub mod config;
pub mod engine;
pub mod kafka;
pub mod observe;
pub mod scenario;
pub mod world;

pub use scenario::{Scenario, ScenarioError};
pub use world::World;
