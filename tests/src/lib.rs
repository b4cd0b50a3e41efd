//! Helpers shared by the cross-cutting tests in `tests/tests/`: loading shipped scenarios and
//! running them with the invariants checked after every event.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ksim::World;
use ksim::invariants::Invariants;

/// The repository's `scenarios/` directory.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// Parses a scenario file, naming it as the command line would (`scenarios/x.toml`).
pub fn load(path: &Path) -> ksim::Scenario {
    let text = std::fs::read_to_string(path).expect("scenario files are readable");
    let name = format!(
        "scenarios/{}",
        path.strip_prefix(scenarios_dir()).unwrap_or(path).display()
    );
    ksim::scenario::parse(&text, &name).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a scenario to the end with its own seed (or `seed`), checking every invariant after
/// every event. Panics on the first violation, naming it.
pub fn run_checked(scenario: Arc<ksim::Scenario>, seed: Option<u64>) -> World {
    let seed = seed.or(scenario.seed).unwrap_or(0);
    let mut world = World::new(scenario, seed);
    let mut invariants = Invariants::default();
    while world.step() {
        // A run that never ends (a retry loop without backoff) fails clearly, not by OOM.
        assert!(
            world.events_processed() < 5_000_000,
            "{} (seed {seed}): runaway, {} events by {}",
            world.scenario().file,
            world.events_processed(),
            world.now()
        );
        if let Err(violation) = invariants.check(&world) {
            panic!("{}: {violation}", world.scenario().file);
        }
    }
    if let Err(violation) = invariants.check(&world) {
        panic!("{}: {violation}", world.scenario().file);
    }
    world
}
