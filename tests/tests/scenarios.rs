//! Every shipped scenario, lessons that are scenarios included: it passes its expectations (a
//! lesson's quiz `check`s among them), runs twice to the same trace byte for byte, keeps every
//! invariant after every event, and its trace is pinned by a snapshot.

use std::sync::Arc;

use ksim_tests::{load, run_checked, runs_as_scenario};

/// The top-level scenarios and the lesson files; lessons with no cluster are skipped.
const SHIPPED: &str = "{*.toml,lessons/*.toml}";

#[test]
fn shipped_scenarios() {
    insta::glob!("../../scenarios", SHIPPED, |path| {
        if !runs_as_scenario(path) {
            return;
        }
        let scenario = Arc::new(load(path));
        let first = run_checked(scenario.clone(), None);
        let failures: Vec<String> = first
            .check_results()
            .iter()
            .filter(|r| !r.passed())
            .map(|r| {
                format!(
                    "{}:{}: {}: {}",
                    scenario.file,
                    r.pos.line,
                    r.subject,
                    r.failures.join("; ")
                )
            })
            .collect();
        assert!(
            failures.is_empty(),
            "expectations failed:\n{}",
            failures.join("\n")
        );
        assert_eq!(
            first.check_results().len(),
            scenario.expectations.len(),
            "every expectation was checked"
        );
        let text = first.trace().to_text();
        let second = run_checked(scenario.clone(), None);
        assert_eq!(
            text,
            second.trace().to_text(),
            "{}: the same seed gave another trace",
            scenario.file
        );
        insta::assert_snapshot!(text);
    });
}

// Every shipped scenario states what it teaches: an opening comment, a name and fact ids.
#[test]
fn shipped_scenarios_say_what_they_show() {
    insta::glob!("../../scenarios", SHIPPED, |path| {
        if !runs_as_scenario(path) {
            return;
        }
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.starts_with('#'),
            "{} opens with a comment saying what it shows",
            path.display()
        );
        let scenario = load(path);
        assert!(
            !scenario.facts.is_empty(),
            "{} lists the facts it demonstrates",
            path.display()
        );
        assert!(
            !scenario.expectations.is_empty(),
            "{} states expectations",
            path.display()
        );
    });
}
