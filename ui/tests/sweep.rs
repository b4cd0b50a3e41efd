//! `ksim sweep` end to end: failing seeds sorted and reproducible whatever `--jobs`, shards
//! that cover the range between them, exit codes, `--shrink` writing a counterexample that
//! fails the same way, and `check` skipping a sweep-only scenario.

mod common;

use std::path::{Path, PathBuf};

use common::{ksim, stdout};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenario(relative: &str) -> String {
    repo().join(relative).display().to_string()
}

/// The seeds a sweep's output names as failing.
fn failing_seeds(text: &str) -> Vec<u64> {
    text.lines()
        .filter_map(|line| line.strip_prefix("seed ")?.strip_suffix(": FAIL"))
        .map(|n| n.parse().unwrap())
        .collect()
}

// The unsafe sweep finds losses (exit 1); the output is the same with one job or two, sorted
// by seed, and each failure comes with the command that reproduces it.
#[test]
fn unsafe_sweep_fails_the_same_whatever_the_jobs() {
    let file = scenario("scenarios/sweeps/unsafe.toml");
    let one = ksim(&["sweep", &file, "--seeds", "1..24", "--jobs", "1"]);
    let two = ksim(&["sweep", &file, "--seeds", "1..24", "--jobs", "2"]);
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(stdout(&one), stdout(&two));
    let text = stdout(&one);
    let seeds = failing_seeds(&text);
    assert!(!seeds.is_empty(), "{text}");
    assert!(seeds.windows(2).all(|w| w[0] < w[1]), "{seeds:?}");
    let first = seeds[0];
    assert!(
        text.contains(&format!(
            "reproduce: ksim run {file} --seed {first} --invariants"
        )),
        "{text}"
    );
    assert!(text.contains("expected acked_lost 0, found"), "{text}");
    // The reproducing command fails the same way.
    let again = ksim(&["run", &file, "--seed", &first.to_string(), "--invariants"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stdout(&again).contains("expected acked_lost 0, found"));
}

// Shards split the seeds between them: together they fail exactly where the whole sweep does.
#[test]
fn shards_cover_the_range() {
    let file = scenario("scenarios/sweeps/unsafe.toml");
    let whole = failing_seeds(&stdout(&ksim(&["sweep", &file, "--seeds", "1..12"])));
    let mut parts: Vec<u64> = ["1/3", "2/3", "3/3"]
        .iter()
        .flat_map(|shard| {
            let out = ksim(&["sweep", &file, "--seeds", "1..12", "--shard", shard]);
            let text = stdout(&out);
            assert!(text.contains(&format!("(shard {shard})")), "{text}");
            failing_seeds(&text)
        })
        .collect();
    parts.sort();
    assert_eq!(parts, whole);
}

// `--format json` of each shard, merged as the sweep workflow merges them (`jq -s`: seeds and
// failures put together), covers the range once and holds the whole sweep's failures.
#[test]
fn json_shards_merge_into_the_whole_sweep() {
    let file = scenario("scenarios/sweeps/unsafe.toml");
    let json = |args: &[&str]| -> serde_json::Value {
        let out = ksim(
            &[
                &["sweep", &file, "--seeds", "1..12", "--format", "json"],
                args,
            ]
            .concat(),
        );
        let doc: serde_json::Value =
            serde_json::from_str(&stdout(&out)).expect("sweep --format json prints JSON");
        assert_eq!(out.status.code().map(i64::from), doc["exit_code"].as_i64());
        doc
    };
    let whole = json(&[]);
    let shards: Vec<serde_json::Value> = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|s| json(&["--shard", s]))
        .collect();
    let mut seeds: Vec<u64> = shards
        .iter()
        .flat_map(|d| {
            d["seeds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_u64().unwrap())
        })
        .collect();
    seeds.sort();
    assert_eq!(seeds, (1..=12).collect::<Vec<_>>());
    let mut failures: Vec<serde_json::Value> = shards
        .iter()
        .flat_map(|d| d["failures"].as_array().unwrap().clone())
        .collect();
    failures.sort_by_key(|f| f["seed"].as_u64());
    assert!(!failures.is_empty());
    assert_eq!(serde_json::Value::Array(failures), whole["failures"]);
    let first = &whole["failures"][0];
    assert_eq!(
        first["reproduce"],
        format!("ksim run {file} --seed {} --invariants", first["seed"])
    );
    assert_eq!(first["failure"], "expectation #1, the ledger");
}

// The safe sweep passes (exit 0); bad seeds or shards are bad input (exit 2).
#[test]
fn safe_sweep_passes_and_bad_flags_exit_2() {
    let file = scenario("scenarios/sweeps/safe.toml");
    let out = ksim(&["sweep", &file, "--seeds", "1..10"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("swept 10 seeds (1..10): 0 failed, 10 passed"));
    assert_eq!(
        ksim(&["sweep", &file, "--seeds", "9..1"]).status.code(),
        Some(2)
    );
    assert_eq!(
        ksim(&["sweep", &file, "--shard", "4/3"]).status.code(),
        Some(2)
    );
    assert_eq!(ksim(&["sweep", "no-such.toml"]).status.code(), Some(2));
}

// --shrink writes a plain scenario (no [faults], the seed fixed, the faults as steps) that
// fails the same way when run, and leaves the original alone.
#[test]
fn shrink_writes_a_counterexample() {
    let file = scenario("scenarios/sweeps/unsafe.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    let out_dir = std::env::temp_dir().join(format!("ksim-shrink-{}", std::process::id()));
    let text = stdout(&ksim(&[
        "sweep",
        &file,
        "--seeds",
        "1..24",
        "--shrink",
        "--out",
        out_dir.to_str().unwrap(),
    ]));
    let seed = failing_seeds(&text)[0];
    assert!(
        text.contains(&format!("shrunk seed {seed} (expectation #1, the ledger)")),
        "{text}"
    );
    assert!(text.contains(": fails the same way"), "{text}");
    let written = out_dir.join(format!("unsafe-seed{seed}-shrunk.toml"));
    let counterexample = std::fs::read_to_string(&written).unwrap();
    assert!(
        !counterexample.lines().any(|l| l.trim() == "[faults]"),
        "{counterexample}"
    );
    assert!(
        counterexample.contains(&format!("seed = {seed}")),
        "{counterexample}"
    );
    assert!(counterexample.contains("[[steps]]"), "{counterexample}");
    let run = ksim(&["run", written.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stdout(&run).contains("expected acked_lost 0, found"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    let _ = std::fs::remove_dir_all(out_dir);
}

// `ksim check` runs the safe sweep scenario with its seed, and skips the sweep-only one.
#[test]
fn check_skips_sweep_only_scenarios() {
    let out = ksim(&["check", &scenario("scenarios/sweeps"), "--invariants"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("skip "), "{text}");
    assert!(text.contains("(sweep only: run `ksim sweep "), "{text}");
    assert!(
        text.contains("1 passed, 0 failed, 0 bad input, 2 skipped"),
        "{text}"
    );
}

// A scenario without `[faults]` gets a note on standard error that its seeds vary only the
// network and the clients' randomness; one with `[faults]` does not.
#[test]
fn a_sweep_without_faults_says_what_the_seeds_vary() {
    let plain = scenario("scenarios/acks-1-loses-acked-record.toml");
    let out = ksim(&["sweep", &plain, "--seeds", "1..2", "--jobs", "1"]);
    assert!(
        common::stderr(&out).starts_with(&format!(
            "note: {plain} has no [faults], so the seeds vary only the network's latencies and \
             the clients' randomness (retry jitter, the sticky partitioner), not the faults\n"
        )),
        "{}",
        common::stderr(&out)
    );
    let faulty = scenario("scenarios/sweeps/unsafe.toml");
    let out = ksim(&["sweep", &faulty, "--seeds", "1..2", "--jobs", "1"]);
    assert!(!common::stderr(&out).contains("no [faults]"));
}

// `--kafka-version` runs the seeds under an older release's rules: the power-loss sweep loses
// acknowledged records on more seeds under 0.10 than under the scenario's own 4.0, the summary
// says which release ran, and an unknown release is bad input.
#[test]
fn kafka_version_changes_the_loss_rate() {
    let file = scenario("scenarios/sweeps/power-loss.toml");
    let newest = stdout(&ksim(&["sweep", &file, "--seeds", "1..40"]));
    let old = ksim(&[
        "sweep",
        &file,
        "--seeds",
        "1..40",
        "--kafka-version",
        "0.10",
    ]);
    let old_text = stdout(&old);
    assert_eq!(old.status.code(), Some(1));
    assert!(old_text.contains("under kafka_version 0.10:"), "{old_text}");
    assert!(
        old_text.contains("(with [cluster] kafka_version = \"0.10\")"),
        "{old_text}"
    );
    assert!(
        failing_seeds(&old_text).len() > failing_seeds(&newest).len(),
        "0.10:\n{old_text}\n4.0:\n{newest}"
    );
    let bad = ksim(&["sweep", &file, "--kafka-version", "4.2"]);
    assert_eq!(bad.status.code(), Some(2));
}
