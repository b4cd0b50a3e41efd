//! `ksim retention` end to end: the example (minutes beats hours), the topic override,
//! unlimited, JSON, and exit code 2 with a one-line message for every kind of bad input (F50).

mod common;

use common::{ksim, stderr, stdout};

/// Runs ksim with bad input and returns its one-line error, checking exit code 2.
fn refused(args: &[&str]) -> String {
    let out = ksim(args);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

// The example: log.retention.minutes is set, so it wins over log.retention.hours=168:
// 300000 ms, five minutes.
#[test]
fn minutes_win_over_hours() {
    let out = ksim(&[
        "retention",
        "--config",
        "log.retention.hours=168",
        "--config",
        "log.retention.minutes=5",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        text.starts_with(
            "effective retention: 300000 ms (5 minutes)\ndecided by: log.retention.minutes=5\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\nignored:\n  log.retention.hours=168: "),
        "{text}"
    );
}

// The same example as JSON, with exactly the documented fields.
#[test]
fn minutes_win_over_hours_as_json() {
    let out = ksim(&[
        "retention",
        "--config",
        "log.retention.hours=168",
        "--config",
        "log.retention.minutes=5",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "retention_ms": 300000,
            "unlimited": false,
            "decided_by": "log.retention.minutes",
            "ignored": ["log.retention.hours"],
        })
    );
}

// No flags: the default log.retention.hours=168, seven days.
#[test]
fn default_is_seven_days() {
    let out = ksim(&["retention"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        text.starts_with("effective retention: 604800000 ms (7 days)\n"),
        "{text}"
    );
    assert!(!text.contains("ignored"), "{text}");
}

// The topic's retention.ms overrides the broker, and -1 there means unlimited.
#[test]
fn topic_override_unlimited() {
    let out = ksim(&[
        "retention",
        "--config",
        "log.retention.ms=1000",
        "--topic-config",
        "retention.ms=-1",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "retention_ms": -1,
            "unlimited": true,
            "decided_by": "retention.ms",
            "ignored": ["log.retention.ms"],
        })
    );
}

// Unknown names get the nearest one; wrong levels, bad values and a 0 ms broker are refused.
#[test]
fn bad_input_exits_2() {
    assert_eq!(
        refused(&["retention", "--config", "log.retention.minute=5"]),
        "error: unknown broker config \"log.retention.minute\", did you mean \
         \"log.retention.minutes\"?\n"
    );
    assert_eq!(
        refused(&["retention", "--config", "retention.ms=5"]),
        "error: \"retention.ms\" is a topic config, not a broker config; the broker-wide one \
         is \"log.retention.ms\"\n"
    );
    assert_eq!(
        refused(&["retention", "--config", "log.retention.hours=seven"]),
        "error: invalid value \"seven\" for log.retention.hours: not a number of type INT\n"
    );
    assert_eq!(
        refused(&["retention", "--topic-config", "retention.ms=-5"]),
        "error: invalid value -5 for retention.ms: value must be at least -1 (-1 means \
         unlimited)\n"
    );
    assert_eq!(
        refused(&["retention", "--config", "log.retention.ms=0"]),
        "error: log.retention.ms=0 gives a retention of 0 ms, and Kafka refuses to start the \
         broker: log.retention.ms must be unlimited (-1) or, greater than or equal to 1\n"
    );
    assert_eq!(
        refused(&["retention", "--config", "log.retention.ms"]),
        "error: --config \"log.retention.ms\": expected NAME=VALUE, like \
         log.retention.minutes=5\n"
    );
    let clap = ksim(&["retention", "--format", "yaml"]);
    assert_eq!(clap.status.code(), Some(2));
}
