//! `ksim retention --config NAME=VALUE … [--topic-config retention.ms=VALUE]`: how long a
//! topic keeps its records, which of the broker's `log.retention.*` settings or the topic's
//! `retention.ms` decides it, and why the others do not (F50).

use std::fmt::Write;
use std::process::ExitCode;

use anyhow::bail;
use ksim::config::retention::{
    Retention, RetentionDecision, RetentionSettings, effective_retention,
};

use crate::output;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RetentionFormat {
    /// The answer and its reasons, for people.
    Text,
    /// `{"retention_ms": 300000, "unlimited": false, "decided_by": "log.retention.minutes",
    /// "ignored": ["log.retention.hours"]}`.
    Json,
}

pub fn retention(
    broker_configs: &[String],
    topic_configs: &[String],
    format: RetentionFormat,
) -> anyhow::Result<ExitCode> {
    let decision = decide(broker_configs, topic_configs)?;
    let text = match format {
        RetentionFormat::Text => render(&decision),
        RetentionFormat::Json => render_json(&decision),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the `NAME=VALUE` flags into settings and applies F50 to them.
fn decide(
    broker_configs: &[String],
    topic_configs: &[String],
) -> anyhow::Result<RetentionDecision> {
    let mut settings = RetentionSettings::default();
    for spec in broker_configs {
        let (name, value) = split(spec, "--config")?;
        settings.set_broker_config(name, value)?;
    }
    for spec in topic_configs {
        let (name, value) = split(spec, "--topic-config")?;
        settings.set_topic_config(name, value)?;
    }
    Ok(effective_retention(&settings)?)
}

fn split<'a>(spec: &'a str, flag: &str) -> anyhow::Result<(&'a str, &'a str)> {
    match spec.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim(), value)),
        _ => bail!("{flag} \"{spec}\": expected NAME=VALUE, like log.retention.minutes=5"),
    }
}

fn render(decision: &RetentionDecision) -> String {
    let mut out = String::new();
    writeln!(out, "effective retention: {}", decision.retention).unwrap();
    writeln!(
        out,
        "decided by: {}={}",
        decision.decided_by.name(),
        decision.decided_by_value
    )
    .unwrap();
    writeln!(out, "  because {} (F50)", decision.reason).unwrap();
    if !decision.ignored.is_empty() {
        out.push_str("ignored:\n");
        for ignored in &decision.ignored {
            writeln!(
                out,
                "  {}={}: {}",
                ignored.setting.name(),
                ignored.value,
                ignored.why
            )
            .unwrap();
        }
    }
    out
}

/// The decision as one JSON document; `retention_ms` is -1 when unlimited, as Kafka writes it.
fn render_json(decision: &RetentionDecision) -> String {
    let (retention_ms, unlimited) = match decision.retention {
        Retention::Unlimited => (serde_json::json!(-1), true),
        Retention::Millis(ms) => (serde_json::json!(ms), false),
    };
    let ignored: Vec<&str> = decision.ignored.iter().map(|i| i.setting.name()).collect();
    let mut text = serde_json::json!({
        "retention_ms": retention_ms,
        "unlimited": unlimited,
        "decided_by": decision.decided_by.name(),
        "ignored": ignored,
    })
    .to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(specs: &[&str]) -> Vec<String> {
        specs.iter().map(|s| s.to_string()).collect()
    }

    // The example as text: minutes wins with 300000 ms and hours is listed as ignored.
    #[test]
    fn minutes_over_hours_as_text() {
        let decision = decide(
            &strings(&["log.retention.hours=168", "log.retention.minutes=5"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            render(&decision),
            "\
effective retention: 300000 ms (5 minutes)
decided by: log.retention.minutes=5
  because log.retention.ms is not set and log.retention.minutes is, so log.retention.minutes wins over log.retention.hours=168, whatever its value (F50)
ignored:
  log.retention.hours=168: log.retention.minutes is set, and the most precise unit that is set wins, whatever the values
"
        );
    }

    // JSON has the four fields; unlimited is retention_ms -1 with unlimited true.
    #[test]
    fn json_fields() {
        let decision = decide(
            &strings(&["log.retention.hours=168", "log.retention.minutes=5"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            render_json(&decision),
            "{\"decided_by\":\"log.retention.minutes\",\"ignored\":[\"log.retention.hours\"],\
             \"retention_ms\":300000,\"unlimited\":false}\n"
        );
        let decision = decide(&strings(&["log.retention.ms=-1"]), &[]).unwrap();
        assert_eq!(
            render_json(&decision),
            "{\"decided_by\":\"log.retention.ms\",\"ignored\":[],\"retention_ms\":-1,\
             \"unlimited\":true}\n"
        );
    }

    // With no settings at all, the hours default decides and nothing is ignored.
    #[test]
    fn defaults_as_text() {
        let decision = decide(&[], &[]).unwrap();
        assert_eq!(
            render(&decision),
            "\
effective retention: 604800000 ms (7 days)
decided by: log.retention.hours=168
  because none of log.retention.ms, log.retention.minutes and log.retention.hours is set, so the default log.retention.hours=168 decides (F50)
"
        );
    }

    // A flag without `=` or without a name is refused with the expected form.
    #[test]
    fn malformed_flags() {
        let err = decide(&strings(&["log.retention.ms"]), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--config \"log.retention.ms\": expected NAME=VALUE, like log.retention.minutes=5"
        );
        let err = decide(&[], &strings(&["=5"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--topic-config \"=5\": expected NAME=VALUE, like log.retention.minutes=5"
        );
    }
}
