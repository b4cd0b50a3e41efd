//! `ksim check <paths…>`: runs every scenario found and verifies its expectations, for people
//! (`text`) or for tools (`json`, `junit`).
//!
//! The outcome of each file is gathered first (`ScenarioReport`), then written in the chosen
//! format by `check/text.rs`, `check/json.rs` or `check/junit.rs`, so that the formats are
//! plain functions of the results and can be tested without running anything.

mod json;
mod junit;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::ValueEnum;
use ksim::World;
use ksim::observe::check::CheckResult;

use crate::output;
use crate::seed::Seed;
use ksim_app::scenario_files::{self, Found};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per scenario, then each failure as `file:line:col: …`.
    Text,
    /// One JSON document with every scenario's results.
    Json,
    /// JUnit XML: one testsuite per file, one testcase per expectation.
    Junit,
}

/// What became of one scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioReport {
    /// The file as named in messages (`scenarios/x.toml`).
    pub file: String,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The file could not be read or parsed; `message` says why and where.
    BadInput { message: String },
    /// Not run: a sweep-only scenario (`[faults] sweep_only = true`), whose expectations
    /// are a claim about many seeds that one seed cannot settle.
    Skipped { name: String, reason: String },
    /// The scenario ran; `results` holds its expectations in file order (then a broken
    /// invariant, with `--invariants`).
    Ran {
        name: String,
        seed: Seed,
        results: Vec<CheckResult>,
    },
}

impl ScenarioReport {
    /// How many of its expectations failed; 0 for bad input.
    pub fn failed_count(&self) -> usize {
        match &self.outcome {
            Outcome::BadInput { .. } | Outcome::Skipped { .. } => 0,
            Outcome::Ran { results, .. } => results.iter().filter(|r| !r.passed()).count(),
        }
    }

    pub fn status(&self) -> Status {
        match &self.outcome {
            Outcome::BadInput { .. } => Status::BadInput,
            Outcome::Skipped { .. } => Status::Skipped,
            Outcome::Ran { .. } if self.failed_count() > 0 => Status::Failed,
            Outcome::Ran { .. } => Status::Passed,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Passed,
    Failed,
    BadInput,
    Skipped,
}

/// The counts behind the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub scenarios: usize,
    pub passed: usize,
    pub failed: usize,
    pub bad_input: usize,
    pub skipped: usize,
    pub expectations: usize,
    pub expectations_failed: usize,
}

impl Summary {
    pub fn of(reports: &[ScenarioReport]) -> Summary {
        let mut summary = Summary {
            scenarios: reports.len(),
            ..Summary::default()
        };
        for report in reports {
            match report.status() {
                Status::Passed => summary.passed += 1,
                Status::Failed => summary.failed += 1,
                Status::BadInput => summary.bad_input += 1,
                Status::Skipped => summary.skipped += 1,
            }
            if let Outcome::Ran { results, .. } = &report.outcome {
                summary.expectations += results.len();
            }
            summary.expectations_failed += report.failed_count();
        }
        summary
    }

    /// 2 if any input was bad (it wins: the failures may come from the same mistake), else 1
    /// if any expectation failed, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.bad_input > 0 {
            2
        } else if self.failed > 0 {
            1
        } else {
            0
        }
    }
}

/// `file:line:col: at <time> <subject>: <failure>`, one line per mismatch of a failed
/// expectation, as editors and CI logs recognise a position.
pub fn failure_lines(file: &str, result: &CheckResult) -> Vec<String> {
    let at = ksim::engine::time::format_duration(result.at);
    result
        .failures
        .iter()
        .map(|failure| {
            format!(
                "{file}:{}:{}: at {at} {}: {failure}",
                result.pos.line, result.pos.column, result.subject
            )
        })
        .collect()
}

/// `3 expectations`, `1 expectation`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub fn check(
    paths: &[PathBuf],
    seed_flag: Option<u64>,
    format: CheckFormat,
    invariants: bool,
    max_events: u64,
) -> anyhow::Result<ExitCode> {
    let found = scenario_files::find(paths);
    if found.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| scenario_files::label(p)).collect();
        anyhow::bail!("no scenario files (*.toml) found in {}", names.join(", "));
    }
    let (lessons, found): (Vec<Found>, Vec<Found>) = found
        .into_iter()
        .partition(|entry| matches!(entry, Found::Lesson(_)));
    let mut reports: Vec<ScenarioReport> = found
        .into_iter()
        .map(|entry| check_one(entry, seed_flag, invariants, max_events))
        .collect();
    // A skipped lesson is still read as a lesson: a broken one is bad input here too.
    let mut skipped = 0;
    for entry in &lessons {
        if let Found::Lesson(path) = entry {
            let file = scenario_files::label(path);
            if let Err(message) = check_lesson_part(path, &file) {
                reports.push(ScenarioReport {
                    file,
                    outcome: Outcome::BadInput { message },
                });
            } else {
                skipped += 1;
            }
        }
    }
    let summary = Summary::of(&reports);
    let rendered = match format {
        CheckFormat::Text if skipped > 0 => format!(
            "{}{} skipped: no [cluster] to run (ksim learn and ksim quiz read them)\n",
            text::render(&reports, &summary),
            plural(skipped, "lesson file")
        ),
        CheckFormat::Text => text::render(&reports, &summary),
        CheckFormat::Json => json::render(&reports, &summary),
        CheckFormat::Junit => junit::render(&reports, &summary),
    };
    output::print(&rendered)?;
    Ok(ExitCode::from(summary.exit_code()))
}

fn check_one(
    entry: Found,
    seed_flag: Option<u64>,
    invariants: bool,
    max_events: u64,
) -> ScenarioReport {
    let path = match entry {
        Found::Scenario(path) | Found::Lesson(path) => path,
        Found::Unreadable { path, message } => {
            return ScenarioReport {
                file: scenario_files::label(&path),
                outcome: Outcome::BadInput { message },
            };
        }
    };
    let file = scenario_files::label(&path);
    let scenario = match scenario_files::load(&path) {
        Ok(scenario) => scenario,
        Err(error) => {
            return ScenarioReport {
                file,
                outcome: Outcome::BadInput {
                    message: format!("{error:#}"),
                },
            };
        }
    };
    if let Err(message) = check_lesson_part(&path, &file) {
        return ScenarioReport {
            file,
            outcome: Outcome::BadInput { message },
        };
    }
    let name = scenario.name.clone();
    if scenario.faults.as_ref().is_some_and(|f| f.sweep_only) {
        return ScenarioReport {
            outcome: Outcome::Skipped {
                name,
                reason: format!("sweep only: run `ksim sweep {file}`"),
            },
            file,
        };
    }
    let seed = Seed::choose(seed_flag, scenario.seed);
    let scenario = Arc::new(scenario);
    let results = if invariants {
        let (world, outcome) = super::sweep::run_seed(scenario, seed.value);
        let mut results = world.check_results();
        if let super::sweep::SeedOutcome::Invariant(violation) = outcome {
            results.push(CheckResult {
                pos: ksim::scenario::Pos { line: 1, column: 1 },
                at: violation.at,
                subject: format!("invariant {}", violation.invariant),
                failures: vec![violation.to_string()],
            });
        }
        results
    } else {
        let mut world = World::new(scenario, seed.value);
        if let Err(runaway) = world.run_to_end_within(max_events) {
            return ScenarioReport {
                outcome: Outcome::BadInput {
                    message: format!("{file}: {runaway}"),
                },
                file,
            };
        }
        world.check_results()
    };
    ScenarioReport {
        file,
        outcome: Outcome::Ran {
            name,
            seed,
            results,
        },
    }
}

/// A lesson that is its own scenario must also be a valid lesson (titles and questions in both
/// languages, and so on) for `ksim check` (and `run`, `trace`) to accept it: the same file
/// teaches in `ksim learn`.
pub fn check_lesson_part(path: &std::path::Path, file: &str) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(());
    };
    let is_lesson = toml::from_str::<toml::Table>(&text).is_ok_and(|t| t.contains_key("lesson"));
    if !is_lesson {
        return Ok(());
    }
    ksim_app::lesson::parse_lesson(&text, file, path.parent())
        .map(|_| ())
        .map_err(|error| error.to_string())
}

/// Hand-made results for the formatters' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use ksim::engine::time::SimTime;
    use ksim::observe::check::CheckResult;
    use ksim::scenario::Pos;

    use super::{Outcome, ScenarioReport};
    use crate::seed::{Seed, SeedSource};

    pub fn result(line: u32, subject: &str, failures: &[&str]) -> CheckResult {
        CheckResult {
            pos: Pos { line, column: 1 },
            at: SimTime::from_secs(60),
            subject: subject.to_string(),
            failures: failures.iter().map(|f| f.to_string()).collect(),
        }
    }

    /// One passing scenario, one failing, one that did not parse.
    pub fn reports() -> Vec<ScenarioReport> {
        vec![
            ScenarioReport {
                file: "scenarios/good.toml".to_string(),
                outcome: Outcome::Ran {
                    name: "all is well".to_string(),
                    seed: Seed { value: 7, source: SeedSource::Scenario },
                    results: vec![result(20, "the ledger", &[]), result(24, "partition orders-0", &[])],
                },
            },
            ScenarioReport {
                file: "scenarios/bad.toml".to_string(),
                outcome: Outcome::Ran {
                    name: "acks=1 & <friends>".to_string(),
                    seed: Seed { value: 12345, source: SeedSource::Random },
                    results: vec![
                        result(30, "the ledger", &[]),
                        result(
                            41,
                            "partition orders-0",
                            &["expected leader 2, found 3", "expected isr [2, 3], found [3]"],
                        ),
                    ],
                },
            },
            ScenarioReport {
                file: "scenarios/broken.toml".to_string(),
                outcome: Outcome::BadInput {
                    message: "scenarios/broken.toml:3:1: unknown key \"brokerz\"; did you mean \"brokers\"?"
                        .to_string(),
                },
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{reports, result};
    use super::*;

    // Bad input wins over failed expectations, which win over success.
    #[test]
    fn exit_codes() {
        let all = reports();
        assert_eq!(Summary::of(&all).exit_code(), 2);
        assert_eq!(Summary::of(&all[..2]).exit_code(), 1);
        assert_eq!(Summary::of(&all[..1]).exit_code(), 0);
        assert_eq!(Summary::of(&all[2..]).exit_code(), 2);
        assert_eq!(Summary::of(&[]).exit_code(), 0);
    }

    // The summary counts scenarios by status and expectations by result.
    #[test]
    fn summary_counts() {
        assert_eq!(
            Summary::of(&reports()),
            Summary {
                scenarios: 3,
                passed: 1,
                failed: 1,
                bad_input: 1,
                skipped: 0,
                expectations: 4,
                expectations_failed: 1,
            }
        );
    }

    // A sweep-only scenario is skipped: counted apart, and no reason to fail the check.
    #[test]
    fn skipped_scenarios_do_not_fail() {
        let mut all = reports();
        all.truncate(1);
        all.push(ScenarioReport {
            file: "scenarios/sweeps/unsafe.toml".to_string(),
            outcome: Outcome::Skipped {
                name: "acks=1 loses".to_string(),
                reason: "sweep only: run `ksim sweep scenarios/sweeps/unsafe.toml`".to_string(),
            },
        });
        let summary = Summary::of(&all);
        assert_eq!((summary.passed, summary.skipped), (1, 1));
        assert_eq!(summary.exit_code(), 0);
        let text = text::render(&all, &summary);
        assert!(
            text.contains("skip scenarios/sweeps/unsafe.toml  acks=1 loses (sweep only: run `ksim sweep scenarios/sweeps/unsafe.toml`)"),
            "{text}"
        );
        assert!(text.contains("0 bad input, 1 skipped;"), "{text}");
        assert!(junit::render(&all, &summary).contains("<skipped message="));
        assert!(json::render(&all, &summary).contains("\"skipped\": 1"));
    }

    // A failed expectation gives one positioned line per mismatch.
    #[test]
    fn failure_lines_name_the_position() {
        let failed = result(
            41,
            "partition orders-0",
            &["expected leader 2, found 3", "expected hw 5, found 4"],
        );
        assert_eq!(
            failure_lines("scenarios/x.toml", &failed),
            [
                "scenarios/x.toml:41:1: at 60s partition orders-0: expected leader 2, found 3",
                "scenarios/x.toml:41:1: at 60s partition orders-0: expected hw 5, found 4",
            ]
        );
        assert!(failure_lines("x.toml", &result(1, "the ledger", &[])).is_empty());
    }
}
