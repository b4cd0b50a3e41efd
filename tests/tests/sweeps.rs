//! The sweep scenarios keep their promise over a few hundred seeds: the durable one
//! (`scenarios/sweeps/safe.toml`) never loses an acknowledged record nor breaks an invariant,
//! and the unsafe one (`scenarios/sweeps/unsafe.toml`) does lose records, so that the checker
//! is shown both to catch real losses and not to cry wolf. Also: the fuzz corpus replays.

use std::sync::Arc;

use ksim::World;
use ksim::observe::invariants::run_checked;
use ksim_tests::{load, scenarios_dir};

/// Runs seeds on two threads; returns per seed whether it failed, and how.
fn sweep(file: &str, seeds: std::ops::Range<u64>) -> Vec<(u64, Option<String>)> {
    let scenario = Arc::new(load(&scenarios_dir().join(file)));
    let seeds: Vec<u64> = seeds.collect();
    let halves: Vec<Vec<u64>> = seeds
        .chunks(seeds.len().div_ceil(2))
        .map(<[u64]>::to_vec)
        .collect();
    let mut results: Vec<(u64, Option<String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = halves
            .into_iter()
            .map(|part| {
                let scenario = scenario.clone();
                scope.spawn(move || {
                    part.into_iter()
                        .map(|seed| {
                            let mut world = World::new(scenario.clone(), seed);
                            if let Err(violation) = run_checked(&mut world, 5_000_000) {
                                return (seed, Some(violation.to_string()));
                            }
                            let failed: Vec<String> = world
                                .check_results()
                                .iter()
                                .filter(|r| !r.passed())
                                .map(|r| format!("{}: {}", r.subject, r.failures.join("; ")))
                                .collect();
                            (seed, (!failed.is_empty()).then(|| failed.join("\n")))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    results.sort_by_key(|(seed, _)| *seed);
    results
}

// acks=all, RF 3, min ISR 2, unclean off, one broker out at a time: 300 fault schedules, no
// loss, no broken invariant.
#[test]
fn safe_sweep_finds_nothing() {
    let failures: Vec<String> = sweep("sweeps/safe.toml", 1..301)
        .into_iter()
        .filter_map(|(seed, failure)| failure.map(|f| format!("seed {seed}: {f}")))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// acks=1, min ISR 1, unclean on: a hundred schedules find acknowledged records lost, and the
// invariants call those losses allowed (the failures are the expectation, not an invariant).
#[test]
fn unsafe_sweep_finds_losses() {
    let results = sweep("sweeps/unsafe.toml", 1..101);
    let failures: Vec<&String> = results.iter().filter_map(|(_, f)| f.as_ref()).collect();
    assert!(
        failures.len() >= 5,
        "only {} of 100 seeds lost records",
        failures.len()
    );
    assert!(
        failures
            .iter()
            .all(|f| f.starts_with("the ledger: expected acked_lost 0")),
        "{failures:#?}"
    );
}

// acks=all, RF 3, min ISR 2 under power losses: Kafka's missing fsync loses acknowledged
// records in some schedules (a leader back before its session expires), and the invariants
// count such a loss as allowed (R12.3), so the failure is the expectation's.
#[test]
fn power_loss_sweep_finds_allowed_losses() {
    let results = sweep("sweeps/power-loss.toml", 1..41);
    let failures: Vec<&String> = results.iter().filter_map(|(_, f)| f.as_ref()).collect();
    assert!(
        !failures.is_empty(),
        "no power loss lost a record in 40 seeds"
    );
    assert!(
        failures
            .iter()
            .all(|f| f.starts_with("the ledger: expected acked_lost 0")),
        "{failures:#?}"
    );
}

// The fuzz targets' seed corpus runs through the same functions as `cargo fuzz` (so CI
// replays it without libFuzzer); a schedule gives the same trace twice.
#[test]
fn fuzz_corpus_replays() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let files = |target: &str| {
        let mut files: Vec<_> = std::fs::read_dir(corpus.join(target))
            .unwrap_or_else(|e| panic!("fuzz/corpus/{target}: {e}"))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        files
    };
    let parsed = files("parse_scenario");
    assert!(parsed.len() >= 3);
    for file in parsed {
        ksim_tests::fuzz_parse(&std::fs::read(file).unwrap());
    }
    let schedules = files("fault_schedule");
    assert!(schedules.len() >= 3);
    for file in schedules {
        let data = std::fs::read(&file).unwrap();
        assert_eq!(
            ksim_tests::fuzz_faults(&data),
            ksim_tests::fuzz_faults(&data),
            "{}: the same schedule gave another trace",
            file.display()
        );
    }
}
