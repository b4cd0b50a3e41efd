//! Helpers shared by the cross-cutting tests in `tests/tests/`: loading shipped scenarios and
//! running them with the invariants checked after every event.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ksim::World;
use ksim::observe::invariants::Invariants;

/// The repository's `scenarios/` directory.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// Whether a shipped `*.toml` is a scenario to run: every file outside `lessons/`, and a lesson
/// file that has a `[cluster]` (a lesson that is its own scenario). A lesson with no cluster is
/// explanation and quiz only, which `ksim check` skips.
pub fn runs_as_scenario(path: &Path) -> bool {
    let text = std::fs::read_to_string(path).expect("scenario files are readable");
    let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    !table.contains_key("lesson") || table.contains_key("cluster")
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

/// Parses scenario text, runs it as `run_checked` does, and panics with every expectation
/// that failed: for tests that write their scenario inline.
pub fn run_text_expecting_success(text: &str, file: &str) -> World {
    let scenario = Arc::new(ksim::scenario::parse(text, file).unwrap_or_else(|e| panic!("{e}")));
    let world = run_checked(scenario, None);
    let failures: Vec<String> = world
        .check_results()
        .into_iter()
        .flat_map(|r| r.failures)
        .collect();
    assert!(failures.is_empty(), "{file}: {failures:?}");
    world
}

/// The durable configuration the fault-schedule fuzzer and property tests drive: acks=all,
/// replication factor 3, min.insync.replicas=2, unclean election off, a steady producer and a
/// reader, over 30 simulated seconds.
pub const DURABLE_CLUSTER: &str = r#"name = "durable cluster under arbitrary faults"
duration = "30s"
[cluster]
brokers = 3
config = { "unclean.leader.election.enable" = false }
[[topics]]
name = "t"
partitions = 2
replication_factor = 3
config = { "min.insync.replicas" = 2 }
[[producers]]
name = "p"
config = { "acks" = "all", "delivery.timeout.ms" = 60000 }
[[consumers]]
name = "c"
assign = ["t-0", "t-1"]
config = { "auto.offset.reset" = "earliest" }
[[steps]]
at = "0s"
produce = { producer = "p", topic = "t", count = 600, rate = "40/s" }
"#;

/// Fuzz target: the scenario parser takes any bytes and answers with a scenario or an error
/// naming file:line:column, never a panic.
pub fn fuzz_parse(data: &[u8]) {
    match ksim::scenario::parse_bytes(data, "fuzz.toml") {
        Ok(scenario) => {
            // What parses also runs its first simulated second without a panic.
            let mut world = World::new(Arc::new(scenario), 0);
            world.run_until(ksim::engine::time::SimTime::from_secs(1));
        }
        Err(error) => {
            let text = error.to_string();
            assert!(text.starts_with("fuzz.toml:"), "{text}");
        }
    }
}

/// A fault schedule read from arbitrary bytes, 5 bytes a fault: when (in 100 ms steps), which
/// kind, which broker, how long (in 100 ms steps), and a slow fault's latency. Faults may
/// overlap and hit any broker.
pub fn faults_from_bytes(data: &[u8], brokers: u32) -> Vec<ksim::scenario::nemesis::Fault> {
    use ksim::engine::ids::BrokerId;
    use ksim::engine::time::SimTime;
    use ksim::scenario::nemesis::{Fault, FaultKind};
    data.chunks_exact(5)
        .take(24)
        .map(|c| {
            let kind = FaultKind::ALL[c[1] as usize % FaultKind::ALL.len()];
            Fault {
                at: SimTime::from_millis(u64::from(c[0]) * 100),
                kind,
                brokers: vec![BrokerId(1 + u32::from(c[2]) % brokers)],
                length: SimTime::from_millis(u64::from(c[3]) * 100),
                latency: SimTime::from_millis(u64::from(c[4]) * 4),
            }
        })
        .collect()
}

/// Fuzz target: the durable cluster under any fault schedule never panics and keeps every
/// invariant after every event, `acked_not_lost` included (power losses excepted, as that
/// invariant allows; R12.3). Returns the run's trace, for replays that compare two runs.
pub fn fuzz_faults(data: &[u8]) -> String {
    let scenario = ksim::scenario::parse(DURABLE_CLUSTER, "durable.toml").expect("it parses");
    let faults = faults_from_bytes(data, scenario.brokers);
    let plain = Arc::new(ksim::scenario::nemesis::with_schedule(&scenario, &faults));
    let seed = data.first().copied().map_or(0, u64::from);
    let mut world = World::new(plain, seed);
    if let Err(violation) = ksim::observe::invariants::run_checked(&mut world, 5_000_000) {
        let shown: Vec<String> = faults.iter().map(|f| f.to_string()).collect();
        panic!("{violation}\nfaults:\n{}", shown.join("\n"));
    }
    world.trace().to_text()
}
