//! The `ksim` binary end to end: exit codes, and what a user sees for good, failing and
//! broken scenario files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ksim"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .expect("the ksim binary runs")
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ksim-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const PASSING: &str = r#"
name = "one partition, three replicas"
seed = 3
duration = "5s"
[cluster]
brokers = 3
[[topics]]
name = "t"
partitions = 1
replication_factor = 3
replicas = [[1, 2, 3]]
[[expect]]
partition = "t-0"
leader = 1
"#;

// A shipped scenario runs, shows the lost record and exits 0.
#[test]
fn run_shows_the_lost_record() {
    let out = ksim(&["run", "scenarios/acks-1-loses-acked-record.toml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("fast-3 in orders-0"), "{stdout}");
    assert!(stdout.contains("LOST 1 acknowledged record"), "{stdout}");
}

// `check` exits 0 when every expectation holds, 1 when one fails, 2 on bad input.
#[test]
fn check_exit_codes() {
    let good = scratch("good.toml", PASSING);
    let out = ksim(&["check", good.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let failing = scratch("failing.toml", &PASSING.replace("leader = 1", "leader = 2"));
    let out = ksim(&["check", failing.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("expected leader 2, found 1"), "{stdout}");

    let broken = scratch(
        "broken.toml",
        &PASSING.replace("replication_factor = 3", "replication_factor = 4"),
    );
    let out = ksim(&["check", broken.to_str().unwrap(), failing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "bad input wins over a failure");
}

// The same seed prints the same trace; the trace is the canonical text form.
#[test]
fn trace_is_reproducible() {
    let first = ksim(&["trace", "scenarios/lessons/F17-acks-1-high-watermark.toml"]);
    let second = ksim(&["trace", "scenarios/lessons/F17-acks-1-high-watermark.toml"]);
    assert_eq!(first.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&first.stdout).starts_with("# ksim trace: "));
    assert_eq!(first.stdout, second.stdout);
}

// The explorer on a file that does not exist: a message naming it, exit 2, and no terminal
// mode entered (the scenario is read first).
#[test]
fn tui_on_a_missing_file() {
    let out = ksim(&["tui", "scenarios/no-such-scenario.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no-such-scenario.toml"), "{stderr}");
    assert!(out.stdout.is_empty(), "no escape sequences were written");
}

// A run that would take too many engine events stops at `--max-events` with an error that says
// how far it got, in `run`, `check` and `trace` alike (exit 2); `--max-events 0` is refused.
#[test]
fn runaway_runs_stop_at_the_event_limit() {
    let path = scratch("runaway.toml", PASSING);
    let path = path.to_str().unwrap();
    for command in ["run", "check", "trace"] {
        let out = ksim(&[command, path, "--max-events", "50"]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{command}: {all}");
        assert!(
            all.contains("runaway.toml: the run stopped after 50 engine events, at ")
                && all.contains("of its 5s: raise the limit with --max-events"),
            "{command}: {all}"
        );
    }
    assert_eq!(
        ksim(&["run", path, "--max-events", "0"]).status.code(),
        Some(2)
    );
    assert_eq!(ksim(&["run", path]).status.code(), Some(0));
}

// A lesson file whose `[cluster]` is misspelt is no longer skipped by `check` as a lesson with
// nothing to run: `check` and `run` both refuse it (exit 2) and name the misspelt table.
#[test]
fn misspelt_cluster_in_a_lesson_fails_check_and_run() {
    let lesson = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/lessons/F37-restart-rejoins-isr.toml"),
    )
    .unwrap()
    .replace("\n[cluster]\n", "\n[clutser]\n");
    let path = scratch("clutser.toml", &lesson);
    for command in ["check", "run"] {
        let out = ksim(&[command, path.to_str().unwrap()]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{command}: {all}");
        assert!(
            all.contains("unknown key `clutser` at the top level, did you mean `cluster`?"),
            "{command}: {all}"
        );
        assert!(!all.contains("skipped"), "{command}: {all}");
    }
}

// A lesson-only file with a broken lesson part is bad input for `check`, not a skipped file.
#[test]
fn check_reads_skipped_lessons_as_lessons() {
    let lesson = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/lessons/F02-ksql-not-ansi-sql.toml"),
    )
    .unwrap();
    assert!(
        !lesson.contains("[cluster]"),
        "F02 is a lesson with no cluster"
    );
    let path = scratch(
        "lessn.toml",
        &lesson.replacen("teach = \"", "teach = \"x", 1),
    );
    let out = ksim(&["check", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("expected teach = \"sim\""), "{stdout}");
}

// `sweep --jobs 0` is refused as a bad flag rather than run with no workers.
#[test]
fn zero_jobs_is_refused() {
    let path = scratch("jobs.toml", PASSING);
    let out = ksim(&["sweep", path.to_str().unwrap(), "--jobs", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value '0' for '--jobs <JOBS>'"));
}
