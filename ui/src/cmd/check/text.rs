//! The people's format of `ksim check`: a line per scenario, the failures under it as
//! `file:line:col: …`, and a summary line.

use std::fmt::Write;

use super::{Outcome, ScenarioReport, Summary, failure_lines, plural};
use crate::seed::SeedSource;

pub fn render(reports: &[ScenarioReport], summary: &Summary) -> String {
    let width = reports
        .iter()
        .map(|r| r.file.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for report in reports {
        let file = &report.file;
        match &report.outcome {
            Outcome::BadInput { message } => {
                writeln!(out, "bad  {file}").unwrap();
                writeln!(out, "{message}").unwrap();
            }
            Outcome::Skipped { name, reason } => {
                writeln!(out, "skip {file:<width$}  {name} ({reason})").unwrap();
            }
            Outcome::Ran {
                name,
                seed,
                results,
            } => {
                let failed = report.failed_count();
                let (status, count) = if failed == 0 {
                    ("ok  ", plural(results.len(), "expectation"))
                } else {
                    (
                        "FAIL",
                        format!(
                            "{failed} of {} failed",
                            plural(results.len(), "expectation")
                        ),
                    )
                };
                write!(out, "{status} {file:<width$}  {name} ({count})").unwrap();
                if seed.source == SeedSource::Random {
                    write!(out, "  seed {}", seed.describe()).unwrap();
                }
                out.push('\n');
                for result in results {
                    for line in failure_lines(file, result) {
                        writeln!(out, "{line}").unwrap();
                    }
                }
            }
        }
    }
    writeln!(out).unwrap();
    writeln!(out, "{}", summary_line(summary)).unwrap();
    out
}

/// `3 scenarios: 1 passed, 1 failed, 1 bad input; 4 expectations, 1 failed`.
fn summary_line(summary: &Summary) -> String {
    let skipped = if summary.skipped > 0 {
        format!(", {} skipped", summary.skipped)
    } else {
        String::new()
    };
    format!(
        "{}: {} passed, {} failed, {} bad input{skipped}; {}, {} failed",
        plural(summary.scenarios, "scenario"),
        summary.passed,
        summary.failed,
        summary.bad_input,
        plural(summary.expectations, "expectation"),
        summary.expectations_failed,
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::reports;
    use super::*;

    // The whole text report for a pass, a failure and a parse error.
    #[test]
    fn renders_each_kind_of_outcome() {
        let reports = reports();
        let text = render(&reports, &Summary::of(&reports));
        assert_eq!(
            text,
            "\
ok   scenarios/good.toml    all is well (2 expectations)
FAIL scenarios/bad.toml     acks=1 & <friends> (1 of 2 expectations failed)  seed 12345 (chosen at random; pass --seed 12345 to repeat)
scenarios/bad.toml:41:1: at 60s partition orders-0: expected leader 2, found 3
scenarios/bad.toml:41:1: at 60s partition orders-0: expected isr [2, 3], found [3]
bad  scenarios/broken.toml
scenarios/broken.toml:3:1: unknown key \"brokerz\"; did you mean \"brokers\"?

3 scenarios: 1 passed, 1 failed, 1 bad input; 4 expectations, 1 failed
"
        );
    }

    // One scenario and one expectation are counted in the singular.
    #[test]
    fn summary_in_the_singular() {
        let summary = Summary {
            scenarios: 1,
            passed: 1,
            expectations: 1,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&summary),
            "1 scenario: 1 passed, 0 failed, 0 bad input; 1 expectation, 0 failed"
        );
    }
}
