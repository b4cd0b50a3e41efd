//! What ksim learns from a run, read from the world and never read by the model.
//!
//! `ledger` (the fate of every record), `check` (the scenario's expectations), `invariants`
//! (the protocol's properties, checked after every event) and `report` (the cluster as
//! `kafka-topics --describe` shows it).

pub mod check;
pub mod invariants;
pub mod ledger;
pub mod report;
