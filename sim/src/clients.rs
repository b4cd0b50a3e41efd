//! Kafka's clients: the producer and the consumer, and the pure rules they apply.
//!
//! `producer` (batching, retries, in-flight requests, idempotence), `partitioner` (murmur2,
//! sticky and round-robin), `compression` (the codecs' ratios and the producer's estimate),
//! `consumer` (fetching, polling, commits, the group protocol's client side) and `assignor`
//! (range, round-robin, sticky, cooperative-sticky). Uses `engine`, `config`, `scenario`,
//! and of `kafka` only the protocol: `message`, `metadata`, `effects` and `trace`.

pub mod assignor;
pub mod compression;
pub mod consumer;
pub mod partitioner;
pub mod producer;
pub mod streams;
