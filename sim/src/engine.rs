//! The engine: what any discrete-event simulation needs and nothing of Kafka.
//!
//! Simulated `time`, the event `queue` ordered by (time, sequence number), seeded `rng`
//! streams, the `network` of links with latency and faults, typed `ids`, the `shared` lists
//! that make a clone of the world cheap, and the handler context `ctx` through which nodes
//! ask for effects. It imports no other layer; every other layer may use it.

pub mod ctx;
pub mod ids;
pub mod network;
pub mod queue;
pub mod rng;
pub mod shared;
pub mod time;
