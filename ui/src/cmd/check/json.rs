//! The JSON format of `ksim check`: one document with every scenario's results and the
//! summary, for tools.

use serde_json::{Value, json};

use super::{Outcome, ScenarioReport, Summary};

/// The document, pretty-printed:
///
/// ```text
/// { "scenarios": [ { "file", "status": "passed" | "failed" | "bad_input",
///                    "error" (bad input only),
///                    "name", "seed", "seed_source": "flag" | "scenario" | "random",
///                    "expectations": [ { "line", "column", "at", "at_us", "subject",
///                                        "passed", "failures": [..] } ] } ],
///   "summary": { "scenarios", "passed", "failed", "bad_input", "expectations",
///                "expectations_failed" },
///   "exit_code": 0 | 1 | 2 }
/// ```
pub fn render(reports: &[ScenarioReport], summary: &Summary) -> String {
    let document = json!({
        "scenarios": reports.iter().map(scenario).collect::<Vec<_>>(),
        "summary": {
            "scenarios": summary.scenarios,
            "passed": summary.passed,
            "failed": summary.failed,
            "bad_input": summary.bad_input,
            "skipped": summary.skipped,
            "expectations": summary.expectations,
            "expectations_failed": summary.expectations_failed,
        },
        "exit_code": summary.exit_code(),
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value always serializes");
    text.push('\n');
    text
}

fn scenario(report: &ScenarioReport) -> Value {
    let status = match report.status() {
        super::Status::Passed => "passed",
        super::Status::Failed => "failed",
        super::Status::BadInput => "bad_input",
        super::Status::Skipped => "skipped",
    };
    match &report.outcome {
        Outcome::BadInput { message } => json!({
            "file": report.file,
            "status": status,
            "error": message,
        }),
        Outcome::Skipped { name, reason } => json!({
            "file": report.file,
            "status": status,
            "name": name,
            "reason": reason,
        }),
        Outcome::Ran {
            name,
            seed,
            results,
        } => json!({
            "file": report.file,
            "status": status,
            "name": name,
            "seed": seed.value,
            "seed_source": seed.source_name(),
            "expectations": results.iter().map(|result| json!({
                "line": result.pos.line,
                "column": result.pos.column,
                "at": ksim::engine::time::format_duration(result.at),
                "at_us": result.at.as_micros(),
                "subject": result.subject,
                "passed": result.passed(),
                "failures": result.failures,
            })).collect::<Vec<_>>(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::reports;
    use super::*;

    // The document has one entry per scenario with its status, and the summary and exit code.
    #[test]
    fn document_shape() {
        let reports = reports();
        let text = render(&reports, &Summary::of(&reports));
        let document: Value = serde_json::from_str(&text).unwrap();

        assert_eq!(document["exit_code"], 2);
        assert_eq!(
            document["summary"],
            json!({"scenarios": 3, "passed": 1, "failed": 1, "bad_input": 1,
                   "skipped": 0, "expectations": 4, "expectations_failed": 1})
        );
        let scenarios = document["scenarios"].as_array().unwrap();
        assert_eq!(scenarios.len(), 3);
        assert_eq!(scenarios[0]["status"], "passed");
        assert_eq!(scenarios[0]["seed"], 7);
        assert_eq!(scenarios[0]["seed_source"], "scenario");

        let failed = &scenarios[1];
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["name"], "acks=1 & <friends>");
        assert_eq!(failed["seed_source"], "random");
        assert_eq!(
            failed["expectations"][1],
            json!({
                "line": 41, "column": 1, "at": "60s", "at_us": 60_000_000,
                "subject": "partition orders-0", "passed": false,
                "failures": ["expected leader 2, found 3", "expected isr [2, 3], found [3]"],
            })
        );

        assert_eq!(scenarios[2]["status"], "bad_input");
        assert!(
            scenarios[2]["error"]
                .as_str()
                .unwrap()
                .starts_with("scenarios/broken.toml:3:1: ")
        );
        assert!(scenarios[2].get("expectations").is_none());
    }
}
