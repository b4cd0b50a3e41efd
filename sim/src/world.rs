//! STUB: the engine is being written; the signatures below are the contract.
use std::sync::Arc;

use crate::check::CheckResult;
use crate::ledger::Ledger;
use crate::scenario::Scenario;
use crate::time::SimTime;
use crate::trace::Trace;

#[derive(Clone)]
pub struct World {
    scenario: Arc<Scenario>,
    trace: Trace,
}

impl World {
    /// Builds the cluster and clients of a scenario, with every step scheduled.
    pub fn new(scenario: Arc<Scenario>, seed: u64) -> World {
        let _ = seed;
        World {
            scenario,
            trace: Trace::default(),
        }
    }
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn seed(&self) -> u64 {
        todo!()
    }
    pub fn now(&self) -> SimTime {
        todo!()
    }
    /// Applies one event; false once the run is over (the duration reached).
    pub fn step(&mut self) -> bool {
        todo!()
    }
    pub fn run_to_end(&mut self) {
        while self.step() {}
    }
    /// Engine events applied so far.
    pub fn events_processed(&self) -> u64 {
        todo!()
    }
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
    /// The fate of every record so far.
    pub fn ledger(&self) -> Ledger {
        todo!()
    }
    /// The cluster as `kafka-topics --describe` shows it, with HW and LEO per replica.
    pub fn describe(&self) -> String {
        todo!()
    }
    /// The expectations checked so far (all of them once the run is over), in file order.
    pub fn check_results(&self) -> Vec<CheckResult> {
        todo!()
    }
}
