//! ksim-serve: live mode, where real Kafka clients produce to and consume from the simulated
//! cluster over loopback (`ksim serve`).
//!
//! - `wire`: Kafka's framing and the API versions served, over the `kafka-protocol` crate.
//! - `gateway`: the translation between wire requests and the simulator's messages; no
//!   sockets, no clock, so tests drive it with encoded frames and a `World`.
//! - `server`: the sockets (one loopback listener per broker, a reader thread per
//!   connection) and the loop that keeps simulated time on the wall clock.
//! - `control`: the commands `ksim ctl` sends a live run (`crash 2`, `heal`…).
//! - `journal`: every input with the simulated time it entered at, and the replay that runs
//!   the cluster side again from it (`ksim replay`).
//!
//! The simulation stays single-threaded: network threads only pass frames to the loop, which
//! stamps each with the simulated time it enters at and journals it.

pub mod control;
pub mod gateway;
pub mod journal;
pub mod server;
pub mod wire;
