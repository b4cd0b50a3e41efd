//! Property tests over random scenarios with random `[faults]` tables: small clusters, any
//! topic and producer settings, any fault kinds and rates. The same seed gives the same trace,
//! every invariant holds after every event, and where the configuration is durable (acks=all,
//! min.insync.replicas ≥ 2, unclean election off, no power loss) no acknowledged record is
//! lost, however many brokers the nemesis takes down at once. "Sometimes" checks make sure
//! the schedules really crash brokers and move leaders.

use std::cell::Cell;
use std::sync::Arc;

use ksim::kafka::trace::TraceEvent;
use ksim_tests::run_checked;
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};

#[derive(Clone, Debug)]
struct Setup {
    brokers: u32,
    partitions: u32,
    replication_factor: u32,
    min_isr: u32,
    acks: &'static str,
    unclean: bool,
    kinds: Vec<&'static str>,
    every_ms: (u64, u64),
    heal_ms: (u64, u64),
    max_down: u32,
    seed: u64,
}

impl Setup {
    fn durable(&self) -> bool {
        self.acks == "all"
            && self.min_isr >= 2
            && !self.unclean
            && !self.kinds.contains(&"power_loss")
    }

    fn text(&self) -> String {
        let kinds: Vec<String> = self.kinds.iter().map(|k| format!("\"{k}\"")).collect();
        format!(
            r#"name = "random faults"
duration = "40s"
[cluster]
brokers = {brokers}
config = {{ "unclean.leader.election.enable" = {unclean}, "offsets.topic.replication.factor" = {offsets_rf} }}
[[topics]]
name = "t"
partitions = {partitions}
replication_factor = {rf}
config = {{ "min.insync.replicas" = {min_isr} }}
[[producers]]
name = "p"
config = {{ "acks" = "{acks}", "enable.idempotence" = false, "delivery.timeout.ms" = 60000 }}
[[consumers]]
name = "c"
group = "g"
subscribe = ["t"]
[[steps]]
at = "0s"
produce = {{ producer = "p", topic = "t", count = 800, keys = ["a", "b", "c"], rate = "40/s" }}
[faults]
kinds = [{kinds}]
every = ["{e0}ms", "{e1}ms"]
heal_after = ["{h0}ms", "{h1}ms"]
max_down = {max_down}
quiet = "10s"
"#,
            brokers = self.brokers,
            unclean = self.unclean,
            offsets_rf = self.brokers.min(3),
            partitions = self.partitions,
            rf = self.replication_factor,
            min_isr = self.min_isr,
            acks = self.acks,
            kinds = kinds.join(", "),
            e0 = self.every_ms.0,
            e1 = self.every_ms.1,
            h0 = self.heal_ms.0,
            h1 = self.heal_ms.1,
            max_down = self.max_down,
        )
    }
}

fn setups() -> impl Strategy<Value = Setup> {
    let kinds = prop::sample::subsequence(
        vec![
            "crash",
            "restart",
            "power_loss",
            "isolate",
            "partition",
            "slow",
        ],
        1..=6,
    );
    (
        (
            1u32..=4,
            1u32..=3,
            0u32..4,
            0u32..3,
            prop::sample::select(vec!["0", "1", "all"]),
        ),
        (
            any::<bool>(),
            kinds,
            200u64..4_000,
            0u64..6_000,
            0u64..8_000,
            0u32..4,
            0u64..10_000,
        ),
        any::<bool>(),
    )
        .prop_map(
            |(
                (brokers, partitions, rf, min_isr, acks),
                (unclean, kinds, every, spread, heal, down, seed),
                durable,
            )| {
                // Half the cases are made durable, so that the no-loss property is exercised.
                if durable {
                    let mut kinds: Vec<&'static str> =
                        kinds.into_iter().filter(|k| *k != "power_loss").collect();
                    if kinds.is_empty() {
                        kinds.push("crash");
                    }
                    let brokers = brokers.max(3);
                    return Setup {
                        brokers,
                        partitions,
                        replication_factor: 3,
                        min_isr: 2,
                        acks: "all",
                        unclean: false,
                        kinds,
                        every_ms: (every, every + spread),
                        heal_ms: (heal / 4, heal),
                        max_down: 1 + down % brokers,
                        seed,
                    };
                }
                let replication_factor = 1 + rf % brokers;
                Setup {
                    brokers,
                    partitions,
                    replication_factor,
                    min_isr: 1 + min_isr % replication_factor,
                    acks,
                    unclean,
                    kinds,
                    every_ms: (every, every + spread),
                    heal_ms: (heal / 4, heal),
                    max_down: 1 + down % brokers,
                    seed,
                }
            },
        )
}

// Random scenarios under random fault schedules: reproducible, invariants kept, and durable
// configurations lose nothing.
#[test]
fn random_fault_schedules() {
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let (faults, leader_changes, durable) = (Cell::new(0), Cell::new(0), Cell::new(0));
    let result = runner.run(&setups(), |setup| {
        let text = setup.text();
        let scenario = Arc::new(
            ksim::scenario::parse(&text, "random.toml").unwrap_or_else(|e| panic!("{e}\n{text}")),
        );
        // run_checked panics on the first broken invariant, naming it.
        let first = run_checked(scenario.clone(), Some(setup.seed));
        let second = run_checked(scenario, Some(setup.seed));
        prop_assert_eq!(first.trace().to_text(), second.trace().to_text());
        let events = first.trace().entries();
        faults.set(
            faults.get()
                + events
                    .iter()
                    .filter(|e| matches!(e.event, TraceEvent::Crash | TraceEvent::Isolate { .. }))
                    .count(),
        );
        leader_changes.set(
            leader_changes.get()
                + events
                    .iter()
                    .filter(|e| matches!(e.event, TraceEvent::BecameLeader { .. }))
                    .count(),
        );
        if setup.durable() {
            durable.set(durable.get() + 1);
            prop_assert_eq!(
                first.ledger().summary.acked_lost,
                0,
                "a durable configuration lost records:\n{}",
                text
            );
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    assert!(faults.get() > 40, "few faults happened ({})", faults.get());
    assert!(
        leader_changes.get() > 40,
        "leaders rarely moved ({})",
        leader_changes.get()
    );
    assert!(
        durable.get() >= 3,
        "few durable setups were tried ({})",
        durable.get()
    );
}
