//! STUB: expectation results; fields are the contract.
use crate::scenario::Pos;
use crate::time::SimTime;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub pos: Pos,
    /// When it was checked.
    pub at: SimTime,
    /// What it is about, as a reader says it: `partition orders-0`, `the ledger`.
    pub subject: String,
    /// One sentence per mismatch: `expected leader 2, found 3`. Empty when it passed.
    pub failures: Vec<String>,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}
