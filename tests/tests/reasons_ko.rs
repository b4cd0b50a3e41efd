//! Every reason a shipped scenario's trace records (an election's `why`, a member's `what`, a
//! commit's `how`) reads in Korean under `--lang ko`: its Korean side has Hangul and differs
//! from the English one, and the Korean event line shows it. The `why!` macro already demands
//! a Korean text at every site at compile time; this test catches a Korean side that merely
//! repeats the English.

use std::collections::BTreeSet;
use std::sync::Arc;

use ksim::scenario::Lang;
use ksim_tests::{load, run_checked, runs_as_scenario, scenarios_dir};

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

#[test]
fn every_reason_in_the_shipped_traces_reads_in_korean() {
    let dir = scenarios_dir();
    let mut files: Vec<_> = ["", "lessons"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(dir.join(sub)).expect("scenarios are readable"))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml") && runs_as_scenario(path))
        .collect();
    files.sort();
    let mut seen = 0;
    let mut kinds = BTreeSet::new();
    let mut failures = Vec::new();
    for path in &files {
        let world = run_checked(Arc::new(load(path)), None);
        let trace = world.trace();
        for entry in trace.entries() {
            let Some(reason) = entry.event.reason() else {
                continue;
            };
            seen += 1;
            kinds.insert(entry.event.kind());
            let line = trace.event_text_in(&entry.event, Lang::Ko);
            if !has_hangul(reason.ko()) || reason.ko() == reason.en() || !line.contains(reason.ko())
            {
                failures.push(format!(
                    "{}: {:?}: en {:?}, ko {:?}, line {line:?}",
                    path.display(),
                    entry.event.kind(),
                    reason.en(),
                    reason.ko()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "reasons without Korean text:\n{}",
        failures.join("\n")
    );
    // The test sees reasons of many kinds, so that it cannot pass on an empty trace.
    assert!(seen > 200, "only {seen} reasons in the shipped traces");
    for kind in [
        "election", "isr", "truncate", "loss", "group", "commit", "txn",
    ] {
        assert!(
            kinds.contains(kind),
            "no {kind} reason in the shipped traces: {kinds:?}"
        );
    }
}
