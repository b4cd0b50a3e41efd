//! Lessons that are their own scenario: each runs as `ksim check` runs it, every quiz
//! question's `check` (what its marked answer claims) holds in the simulation, each SIM lesson
//! pauses at least once to ask, and a wrong claim fails naming the question.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ksim::scenario::Action;
use ksim_tests::{run_checked, runs_as_scenario, scenarios_dir};

/// The lesson files that have a `[cluster]`, sorted.
fn lesson_scenarios() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenarios_dir().join("lessons"))
        .expect("scenarios/lessons is readable")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .filter(|path| runs_as_scenario(path))
        .collect();
    paths.sort();
    paths
}

fn label(path: &Path) -> String {
    format!(
        "scenarios/lessons/{}",
        path.file_name().unwrap().to_string_lossy()
    )
}

fn parse(path: &Path) -> ksim::Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    ksim::scenario::parse(&text, &label(path)).unwrap_or_else(|e| panic!("{e}"))
}

fn teach(path: &Path) -> String {
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    table["lesson"]["teach"].as_str().unwrap_or("").to_string()
}

// Every lesson with a cluster runs; every expectation, quiz checks included, holds.
#[test]
fn every_quiz_check_holds() {
    let paths = lesson_scenarios();
    assert!(paths.len() >= 2, "lessons that are scenarios: {paths:?}");
    for path in paths {
        let scenario = Arc::new(parse(&path));
        let world = run_checked(scenario.clone(), None);
        let results = world.check_results();
        assert_eq!(
            results.len(),
            scenario.expectations.len(),
            "{}",
            label(&path)
        );
        let failures: Vec<String> = results
            .iter()
            .flat_map(|r| {
                r.failures
                    .iter()
                    .map(move |f| format!("{}: {f}", r.pos.line))
            })
            .collect();
        assert!(failures.is_empty(), "{}: {failures:?}", label(&path));
    }
}

// A SIM lesson that is its own scenario asks at least once (predict, then watch) and has at
// least one question whose marked answer the simulation checks.
#[test]
fn sim_lessons_ask_and_check() {
    for path in lesson_scenarios() {
        if teach(&path) != "sim" {
            continue;
        }
        let scenario = parse(&path);
        let asks = scenario
            .steps
            .iter()
            .filter(|step| matches!(step.action, Action::Ask(_)))
            .count();
        let checks = scenario
            .expectations
            .iter()
            .filter(|e| e.quiz.is_some())
            .count();
        assert!(asks >= 1, "{} has no `ask` step", label(&path));
        assert!(checks >= 1, "{} has no quiz `check`", label(&path));
    }
}

// A `check` that claims what the simulation does not show fails, naming the question.
#[test]
fn wrong_check_names_the_question() {
    let path = scenarios_dir().join("lessons/F17-acks-1-high-watermark.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let right = "{ at = \"4s\", partition = \"orders-0\", isr = [1, 2, 3], high_watermark = 3,";
    assert!(text.contains(right), "F17-2's check is in the file");
    let wrong = text.replace(
        right,
        &right.replace("high_watermark = 3", "high_watermark = 8"),
    );
    let scenario = ksim::scenario::parse(&wrong, "F17.toml").unwrap_or_else(|e| panic!("{e}"));
    let world = run_checked(Arc::new(scenario), None);
    let failures: Vec<String> = world
        .check_results()
        .into_iter()
        .flat_map(|r| r.failures)
        .collect();
    assert_eq!(
        failures,
        ["quiz F17-2's answer does not hold: expected high watermark 8, found 3"]
    );
}
