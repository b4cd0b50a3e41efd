//! ksim: a deterministic simulation of an Apache Kafka cluster.
//!
//! Scenario text goes in, values come out: no terminal, no files, no wall clock, no threads.
//!
//! - `scenario` parses and checks a TOML scenario; `config` holds Kafka's settings.
//! - `world` is the discrete-event engine: simulated time, the event queue, the network.
//! - `broker`, `controller`, `producer`, `consumer` are the nodes, plain state machines.
//! - `trace` records what happened, `ledger` the fate of every record, `check` the
//!   expectations.
//! - `ids`, `time`, `rng`, `partitioner` are the small pieces they share.

pub mod check;
pub mod config;
pub mod ids;
pub mod ledger;
pub mod partitioner;
pub mod scenario;
pub mod time;
pub mod trace;
pub mod world;

pub use scenario::{Scenario, ScenarioError};
pub use world::World;
