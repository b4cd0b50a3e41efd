//! `ksim sweep <scenario> --seeds 1..10000`: runs one scenario under many seeds (each seed its
//! own fault schedule when the scenario has `[faults]`), in parallel threads, with every
//! invariant checked after every event, and prints each failing seed with what broke and the
//! command that reproduces it. `--shrink` reduces the first failure's fault schedule and
//! writes it out as a plain scenario file.
//!
//! Each seed is its own `World`: the simulation stays single-threaded, the threads only share
//! the parsed scenario. Results are printed sorted by seed, so the output does not depend on
//! `--jobs`; only the progress bar and the timing (on standard error) do. `--format json`
//! gives the same results as one document, so that the shards of a large sweep run on many
//! machines can be merged (`jq -s`, as `.github/workflows/sweep.yml` does).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use serde_json::{Value, json};

use anyhow::{Context, bail};
use ksim::config::version::KafkaVersion;
use ksim::observe::check::CheckResult;
use ksim::observe::invariants::{self, Violation};
use ksim::scenario::nemesis::{self, Fault};
use ksim::{Scenario, World};

use crate::output;
use ksim_app::scenario_files;

/// A run that goes past this many engine events is stopped as a runaway.
pub const MAX_EVENTS: u64 = 5_000_000;

/// What one seed's run came to.
#[derive(Clone, Debug)]
pub enum SeedOutcome {
    Passed,
    /// An invariant broke; the run stopped there.
    Invariant(Violation),
    /// The run ended and these expectations failed; `first` is the first one's place among
    /// all the scenario's expectations (0 for the first in the file).
    Expectations {
        failed: Vec<CheckResult>,
        first: usize,
    },
}

impl SeedOutcome {
    /// What failed, as shrinking compares failures: the invariant's name, or the first failed
    /// expectation's place in the file and subject (not its line, which moves when the
    /// counterexample is written out). `None` when the run passed.
    pub fn failure_key(&self) -> Option<String> {
        match self {
            SeedOutcome::Passed => None,
            SeedOutcome::Invariant(v) => Some(format!("invariant {}", v.invariant)),
            SeedOutcome::Expectations { failed, first } => failed
                .first()
                .map(|r| format!("expectation #{}, {}", first + 1, r.subject)),
        }
    }

    /// One line per failure: `invariant … broken at …`, or `file:line:col: at 60s …`.
    pub fn lines(&self, file: &str) -> Vec<String> {
        match self {
            SeedOutcome::Passed => Vec::new(),
            SeedOutcome::Invariant(v) => vec![v.to_string()],
            SeedOutcome::Expectations { failed, .. } => failed
                .iter()
                .flat_map(|r| super::check::failure_lines(file, r))
                .collect(),
        }
    }
}

/// Runs a scenario with a seed, the invariants checked after every event; returns the world
/// as it ended (at the violation, if one broke) and the outcome.
pub fn run_seed(scenario: Arc<Scenario>, seed: u64) -> (World, SeedOutcome) {
    let mut world = World::new(scenario, seed);
    if let Err(violation) = invariants::run_checked(&mut world, MAX_EVENTS) {
        return (world, SeedOutcome::Invariant(violation));
    }
    let results = world.check_results();
    let outcome = match results.iter().position(|r| !r.passed()) {
        None => SeedOutcome::Passed,
        Some(first) => SeedOutcome::Expectations {
            failed: results.into_iter().filter(|r| !r.passed()).collect(),
            first,
        },
    };
    (world, outcome)
}

/// `--seeds`: `1..100` and `1..=100` both mean seeds 1 to 100; `7` means seed 7 alone.
pub fn parse_seeds(text: &str) -> Result<(u64, u64), String> {
    let bad = || {
        format!("expected seeds as FIRST..LAST (both included), such as 1..1000, found {text:?}")
    };
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
    let (first, last) = match text.split_once("..") {
        Some((first, last)) => (number(first)?, number(last.trim_start_matches('='))?),
        None => {
            let n = number(text)?;
            (n, n)
        }
    };
    if first > last {
        return Err(format!(
            "expected seeds as FIRST..LAST with FIRST no larger than LAST, found {text:?}"
        ));
    }
    Ok((first, last))
}

/// `--kafka-version`: a release line ksim models, such as `3.6` (or `3.6.2`).
pub fn parse_kafka_version(text: &str) -> Result<KafkaVersion, String> {
    KafkaVersion::parse(text)
}

/// `--shard K/N`: this machine runs every N-th seed of the range, starting with the K-th.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected a shard as K/N with 1 ≤ K ≤ N, such as 2/4, found {text:?}");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The seeds of a shard, in order.
pub fn shard_seeds((first, last): (u64, u64), (k, n): (u64, u64)) -> Vec<u64> {
    (first..=last)
        .filter(|seed| (seed - first) % n == k - 1)
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SweepFormat {
    /// Each failing seed, what broke and how to reproduce it, then a summary line.
    Text,
    /// One document: the range, the shard, the seeds run, each failure (invariant or
    /// expectations, with the reproduce command) and the summary. Shards merge with `jq -s`.
    Json,
}

pub struct SweepOptions {
    pub seeds: (u64, u64),
    pub format: SweepFormat,
    /// `--kafka-version`: the release whose rules the runs follow, over the scenario's.
    pub kafka_version: Option<KafkaVersion>,
    pub jobs: usize,
    pub shard: (u64, u64),
    pub shrink: bool,
    pub out: Option<PathBuf>,
}

/// The most seeds one sweep takes (a shard of a larger range counts its own).
pub const MAX_SEEDS: u64 = 10_000_000;

/// Without `[faults]`, every seed runs the same steps: what a seed changes is only the
/// network's latencies and the clients' random draws, and a newcomer expecting fault schedules
/// should know.
fn no_faults_note(scenario: &Scenario) -> Option<String> {
    scenario.faults.is_none().then(|| {
        format!(
            "note: {} has no [faults], so the seeds vary only the network's latencies and the \
             clients' randomness (retry jitter, the sticky partitioner), not the faults",
            scenario.file
        )
    })
}

pub fn sweep(path: &Path, options: SweepOptions) -> anyhow::Result<ExitCode> {
    let (first, last) = options.seeds;
    let (_, shards) = options.shard;
    if (last - first) / shards >= MAX_SEEDS {
        bail!(
            "--seeds {first}..{last} is more than {MAX_SEEDS} seeds per shard; split it with --shard K/N or a smaller range"
        );
    }
    if let (true, Some(version)) = (options.shrink, options.kafka_version) {
        bail!(
            "--shrink writes the scenario without --kafka-version {version}; set [cluster] kafka_version = \"{version}\" in the file and sweep it instead"
        );
    }
    let scenario = Arc::new(scenario_files::load_as(path, options.kafka_version)?);
    let file = scenario.file.clone();
    if let Some(note) = no_faults_note(&scenario) {
        eprintln!("{note}");
    }
    let seeds = shard_seeds(options.seeds, options.shard);
    let jobs = options.jobs.max(1).min(seeds.len().max(1));
    let started = Instant::now();
    let results = run_all(&scenario, &seeds, jobs);
    let elapsed = started.elapsed();

    let failures: Vec<&(u64, SeedOutcome)> = results
        .iter()
        .filter(|(_, o)| !matches!(o, SeedOutcome::Passed))
        .collect();
    let shrunk = match (options.shrink, failures.first()) {
        (true, Some((seed, outcome))) => Some(shrink_and_write(
            path,
            &scenario,
            *seed,
            outcome,
            options.out.as_deref(),
        )?),
        _ => None,
    };
    let text = match options.format {
        SweepFormat::Text => render_text(&file, &options, &results, &failures, shrunk),
        SweepFormat::Json => {
            render_json(&file, &scenario.name, &options, &results, &failures, shrunk)
        }
    };
    output::print(&text)?;
    let rate = results.len() as f64 / elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "{} in {:.2}s: {rate:.0} runs/s with {}",
        super::check::plural(results.len(), "run"),
        elapsed.as_secs_f64(),
        super::check::plural(jobs, "job")
    );
    Ok(ExitCode::from(if failures.is_empty() { 0 } else { 1 }))
}

/// The command that runs one seed again, invariants checked; under `--kafka-version`, what
/// to set in the file first.
fn reproduce_command(file: &str, seed: u64, version: Option<KafkaVersion>) -> String {
    let command = format!("ksim run {} --seed {seed} --invariants", shell_word(file));
    match version {
        Some(version) => format!("{command} (with [cluster] kafka_version = \"{version}\")"),
        None => command,
    }
}

/// The text report: each failing seed with what broke and how to reproduce it, a summary line
/// and the shrinking report, if any.
fn render_text(
    file: &str,
    options: &SweepOptions,
    results: &[(u64, SeedOutcome)],
    failures: &[&(u64, SeedOutcome)],
    shrunk: Option<String>,
) -> String {
    let mut text = String::new();
    for (seed, outcome) in failures {
        writeln!(text, "seed {seed}: FAIL").unwrap();
        for line in outcome.lines(file) {
            writeln!(text, "  {line}").unwrap();
        }
        writeln!(
            text,
            "  reproduce: {}",
            reproduce_command(file, *seed, options.kafka_version)
        )
        .unwrap();
    }
    if !failures.is_empty() {
        text.push('\n');
    }
    let (k, n) = options.shard;
    let shard = if n > 1 {
        format!(" (shard {k}/{n})")
    } else {
        String::new()
    };
    let version = match options.kafka_version {
        Some(version) => format!(" under kafka_version {version}"),
        None => String::new(),
    };
    writeln!(
        text,
        "{}: swept {} ({}..{}){shard}{version}: {} failed, {} passed",
        file,
        super::check::plural(results.len(), "seed"),
        options.seeds.0,
        options.seeds.1,
        failures.len(),
        results.len() - failures.len()
    )
    .unwrap();
    if let Some(report) = shrunk {
        text.push('\n');
        text.push_str(&report);
    }
    text
}

/// The JSON report, pretty-printed:
///
/// ```text
/// { "file", "name", "range": { "first", "last" }, "shard": { "k", "n" },
///   "seeds": [ every seed this shard ran, in order ],
///   "failures": [ { "seed", "failure": "invariant losses" | "expectation #2, the ledger",
///                   "invariant": null | { "name", "at", "at_us", "event", "message" },
///                   "expectations": [ { "line", "column", "at", "at_us", "subject",
///                                       "failures": [..] } ],
///                   "lines": [ the text report's lines ], "reproduce" } ],
///   "kafka_version": null | "3.6" (from --kafka-version),
///   "summary": { "seeds", "passed", "failed" },
///   "shrink": null | [ the shrinking report's lines ],
///   "exit_code": 0 | 1 }
/// ```
fn render_json(
    file: &str,
    name: &str,
    options: &SweepOptions,
    results: &[(u64, SeedOutcome)],
    failures: &[&(u64, SeedOutcome)],
    shrunk: Option<String>,
) -> String {
    let failure = |(seed, outcome): &(u64, SeedOutcome)| -> Value {
        let invariant = match outcome {
            SeedOutcome::Invariant(v) => json!({
                "name": v.invariant,
                "at": v.at.to_string(),
                "at_us": v.at.as_micros(),
                "event": v.event,
                "message": v.message,
            }),
            _ => Value::Null,
        };
        let expectations: Vec<Value> = match outcome {
            SeedOutcome::Expectations { failed, .. } => failed
                .iter()
                .map(|r| {
                    json!({
                        "line": r.pos.line,
                        "column": r.pos.column,
                        "at": ksim::engine::time::format_duration(r.at),
                        "at_us": r.at.as_micros(),
                        "subject": r.subject,
                        "failures": r.failures,
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        json!({
            "seed": seed,
            "failure": outcome.failure_key(),
            "invariant": invariant,
            "expectations": expectations,
            "lines": outcome.lines(file),
            "reproduce": reproduce_command(file, *seed, options.kafka_version),
        })
    };
    let (k, n) = options.shard;
    let document = json!({
        "file": file,
        "name": name,
        "range": { "first": options.seeds.0, "last": options.seeds.1 },
        "shard": { "k": k, "n": n },
        "kafka_version": options.kafka_version.map(|v| v.to_string()),
        "seeds": results.iter().map(|(seed, _)| *seed).collect::<Vec<_>>(),
        "failures": failures.iter().map(|f| failure(f)).collect::<Vec<_>>(),
        "summary": {
            "seeds": results.len(),
            "passed": results.len() - failures.len(),
            "failed": failures.len(),
        },
        "shrink": shrunk.map(|report| report.lines().map(str::to_string).collect::<Vec<_>>()),
        "exit_code": if failures.is_empty() { 0 } else { 1 },
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// Runs every seed on `jobs` threads; returns the outcomes sorted by seed. Draws a progress
/// bar (indicatif) on standard error while it works, if standard error is a terminal.
fn run_all(scenario: &Arc<Scenario>, seeds: &[u64], jobs: usize) -> Vec<(u64, SeedOutcome)> {
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(u64, SeedOutcome)>();
    let mut results = Vec::with_capacity(seeds.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let sender = sender.clone();
            let next = &next;
            let scenario = scenario.clone();
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&seed) = seeds.get(i) else {
                        break;
                    };
                    let (_, outcome) = run_seed(scenario.clone(), seed);
                    if sender.send((seed, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let bar = progress_bar(seeds.len(), std::io::stderr().is_terminal());
        let mut failed = 0;
        for (seed, outcome) in receiver {
            if !matches!(outcome, SeedOutcome::Passed) {
                failed += 1;
                bar.set_message(format!("{failed} failed"));
            }
            results.push((seed, outcome));
            bar.inc(1);
        }
        bar.finish_and_clear();
    });
    results.sort_by_key(|(seed, _)| *seed);
    results
}

/// `[#########.....................] 350/1000 seeds  212 runs/s  3 failed  3s left`, redrawn
/// ten times a second; hidden when standard error is not a terminal.
fn progress_bar(seeds: usize, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let style =
        ProgressStyle::with_template("[{bar:30}] {pos}/{len} seeds  {rate}  {msg}  {eta} left")
            .expect("the template is valid")
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} runs/s", state.per_sec());
                },
            )
            .progress_chars("#>.");
    let bar = ProgressBar::new(seeds as u64).with_style(style);
    bar.set_message("0 failed");
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// A path as a shell word: quoted when it holds anything but plain characters.
fn shell_word(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// How many runs shrinking may spend on one failure.
const SHRINK_BUDGET: usize = 400;

/// Shrinks the failing seed's fault schedule while the same failure happens, writes the
/// result as a plain scenario file, checks that the file fails the same way, and says so.
/// Whether two paths name one file: the same path once links are resolved, or (on Unix) the
/// same inode, as a hard link is.
fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(a), std::fs::canonicalize(b))
        && a == b
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    false
}

fn shrink_and_write(
    path: &Path,
    scenario: &Arc<Scenario>,
    seed: u64,
    outcome: &SeedOutcome,
    out: Option<&Path>,
) -> anyhow::Result<String> {
    let key = outcome.failure_key().expect("a failure has a key");
    let schedule = nemesis::schedule(scenario, seed);
    let mut report = String::new();
    if scenario.faults.is_none() {
        writeln!(
            report,
            "shrink: the scenario has no [faults], so there is no fault schedule to shrink"
        )
        .unwrap();
        return Ok(report);
    }
    let fails_the_same = |faults: &[Fault]| {
        let plain = Arc::new(nemesis::with_schedule(scenario, faults));
        run_seed(plain, seed).1.failure_key().as_deref() == Some(key.as_str())
    };
    let (small, runs) = nemesis::shrink(
        schedule.clone(),
        scenario.duration,
        SHRINK_BUDGET,
        fails_the_same,
    );
    writeln!(
        report,
        "shrunk seed {seed} ({key}): {} → {} in {runs} runs",
        super::check::plural(schedule.len(), "fault"),
        super::check::plural(small.len(), "fault"),
    )
    .unwrap();
    for fault in &small {
        writeln!(report, "  {fault}").unwrap();
    }
    let original = std::fs::read_to_string(path)
        .with_context(|| format!("reading scenario {}", path.display()))?;
    let text = counterexample_text(&original, scenario, seed, &small, &key)?;
    let dir = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target/ksim-sweep"));
    let stem = path
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy());
    let target = dir.join(format!("{stem}-seed{seed}-shrunk.toml"));
    if same_file(path, &target) {
        bail!(
            "refusing to overwrite the scenario {} with its counterexample; give another --out",
            path.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // A new file renamed into place: a hard link at `target` keeps its other names' content.
    let mut temporary = target.clone().into_os_string();
    temporary.push(format!(".tmp-{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, &text)
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, &target).with_context(|| {
        let _ = std::fs::remove_file(&temporary);
        format!("writing {}", target.display())
    })?;
    // The file is what a learner opens: it must fail the same way when read back.
    let label = target.display().to_string();
    let reread = ksim::scenario::parse(&text, &label)
        .map_err(|e| anyhow::anyhow!("the counterexample does not parse: {e}"))?;
    let again = run_seed(Arc::new(reread), seed).1;
    let verdict = if again.failure_key().as_deref() == Some(key.as_str()) {
        "fails the same way"
    } else {
        "does NOT fail the same way (please report this)"
    };
    writeln!(report, "wrote {label}: {verdict}").unwrap();
    writeln!(
        report,
        "  run it: ksim run {} --invariants",
        shell_word(&label)
    )
    .unwrap();
    Ok(report)
}

/// The scenario file with `[faults]` replaced by its schedule as plain `[[steps]]`, the seed
/// fixed, and a comment saying where it came from. Everything else (comments included) stays
/// as the user wrote it.
pub fn counterexample_text(
    original: &str,
    scenario: &Scenario,
    seed: u64,
    faults: &[Fault],
    key: &str,
) -> anyhow::Result<String> {
    use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
    let mut doc: DocumentMut = original
        .parse()
        .context("reading the scenario back as TOML")?;
    doc.remove("faults");
    doc["seed"] = value(seed as i64);
    doc["name"] = value(format!("{} (counterexample, seed {seed})", scenario.name));
    let mut steps = match doc.remove("steps") {
        Some(Item::ArrayOfTables(steps)) => steps,
        _ => ArrayOfTables::new(),
    };
    let plain = nemesis::with_schedule(
        &Scenario {
            steps: Vec::new(),
            ..scenario.clone()
        },
        faults,
    );
    for step in &plain.steps {
        let mut table = Table::new();
        table["at"] = value(ksim::engine::time::format_duration(step.at));
        let (key, item) = action_item(&step.action);
        table[key] = item;
        steps.push(table);
    }
    doc.insert("steps", Item::ArrayOfTables(steps));
    let header = format!(
        "# A counterexample found by `ksim sweep` and shrunk: seed {seed}, failing with {key}.\n# The fault schedule of [faults] is written out as the [[steps]] at the end.\n"
    );
    Ok(format!("{header}{doc}"))
}

/// A fault step's action as a scenario file spells it.
fn action_item(action: &ksim::scenario::Action) -> (&'static str, toml_edit::Item) {
    use ksim::scenario::Action;
    use toml_edit::{Array, InlineTable, value};
    match action {
        Action::Crash(b) => ("crash", value(i64::from(b.0))),
        Action::Restart(b) => ("restart", value(i64::from(b.0))),
        Action::PowerLoss(b) => ("power_loss", value(i64::from(b.0))),
        Action::Shutdown(b) => ("shutdown", value(i64::from(b.0))),
        Action::Isolate(b) => ("isolate", value(i64::from(b.0))),
        Action::Heal => ("heal", value(true)),
        Action::Partition(groups) => {
            let mut outer = Array::new();
            for group in groups {
                let inner: Array = group.iter().map(|b| i64::from(b.0)).collect();
                outer.push(inner);
            }
            ("partition", value(outer))
        }
        Action::Slow { broker, latency } => {
            let mut table = InlineTable::new();
            table.insert("broker", i64::from(broker.0).into());
            table.insert(
                "latency",
                ksim::engine::time::format_duration(*latency).into(),
            );
            ("slow", value(table))
        }
        other => unreachable!("the nemesis makes only fault steps, not {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Seeds are FIRST..LAST with both ends included; a shard takes every N-th.
    #[test]
    fn seeds_and_shards() {
        assert_eq!(parse_seeds("1..100"), Ok((1, 100)));
        assert_eq!(parse_seeds("1..=100"), Ok((1, 100)));
        assert_eq!(parse_seeds("7"), Ok((7, 7)));
        assert!(parse_seeds("5..1").is_err());
        assert!(parse_seeds("a..b").unwrap_err().contains("FIRST..LAST"));
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("x").is_err());
        assert_eq!(shard_seeds((1, 10), (1, 3)), [1, 4, 7, 10]);
        assert_eq!(shard_seeds((1, 10), (3, 3)), [3, 6, 9]);
        let mut all: Vec<u64> = (1..=4).flat_map(|k| shard_seeds((5, 50), (k, 4))).collect();
        all.sort();
        assert_eq!(all, (5..=50).collect::<Vec<_>>());
    }

    fn options(seeds: (u64, u64), shard: (u64, u64)) -> SweepOptions {
        SweepOptions {
            seeds,
            format: SweepFormat::Json,
            kafka_version: None,
            jobs: 1,
            shard,
            shrink: false,
            out: None,
        }
    }

    /// Outcomes made up for the seeds of a shard: seed 4 breaks an invariant, seed 7 fails an
    /// expectation, the others pass.
    fn made_up(seeds: &[u64]) -> Vec<(u64, SeedOutcome)> {
        seeds
            .iter()
            .map(|&seed| {
                let outcome = match seed {
                    4 => SeedOutcome::Invariant(Violation {
                        invariant: "losses",
                        at: ksim::engine::time::SimTime(12_345),
                        event: 678,
                        seed,
                        message: "orders-0 lost app-3".into(),
                    }),
                    7 => SeedOutcome::Expectations {
                        failed: vec![CheckResult {
                            pos: ksim::scenario::Pos {
                                line: 39,
                                column: 1,
                            },
                            at: ksim::engine::time::SimTime(60_000_000),
                            subject: "the ledger".into(),
                            failures: vec!["expected acked_lost 0, found 2".into()],
                        }],
                        first: 0,
                    },
                    _ => SeedOutcome::Passed,
                };
                (seed, outcome)
            })
            .collect()
    }

    fn document(seeds: (u64, u64), shard: (u64, u64)) -> Value {
        let results = made_up(&shard_seeds(seeds, shard));
        let failures: Vec<&(u64, SeedOutcome)> = results
            .iter()
            .filter(|(_, o)| !matches!(o, SeedOutcome::Passed))
            .collect();
        let text = render_json(
            "s.toml",
            "a sweep",
            &options(seeds, shard),
            &results,
            &failures,
            None,
        );
        serde_json::from_str(&text).expect("the report is JSON")
    }

    // The JSON report names the range, the shard and its seeds, and each failure with what
    // broke (invariant or expectation) and the command that reproduces it.
    #[test]
    fn the_json_report_has_seeds_failures_and_a_summary() {
        let doc = document((1, 10), (1, 1));
        assert_eq!(doc["file"], "s.toml");
        assert_eq!(doc["range"], json!({ "first": 1, "last": 10 }));
        assert_eq!(doc["shard"], json!({ "k": 1, "n": 1 }));
        assert_eq!(doc["seeds"], json!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        assert_eq!(
            doc["summary"],
            json!({ "seeds": 10, "passed": 8, "failed": 2 })
        );
        assert_eq!(doc["exit_code"], 1);
        assert_eq!(doc["shrink"], Value::Null);
        let failures = doc["failures"].as_array().unwrap();
        assert_eq!(failures.len(), 2);
        let invariant = &failures[0];
        assert_eq!(invariant["seed"], 4);
        assert_eq!(invariant["failure"], "invariant losses");
        assert_eq!(invariant["invariant"]["name"], "losses");
        assert_eq!(invariant["invariant"]["at_us"], 12_345);
        assert_eq!(invariant["invariant"]["event"], 678);
        assert_eq!(invariant["expectations"], json!([]));
        assert_eq!(
            invariant["reproduce"],
            "ksim run s.toml --seed 4 --invariants"
        );
        let expectation = &failures[1];
        assert_eq!(expectation["seed"], 7);
        assert_eq!(expectation["invariant"], Value::Null);
        assert_eq!(expectation["failure"], "expectation #1, the ledger");
        assert_eq!(
            expectation["expectations"],
            json!([{ "line": 39, "column": 1, "at": "60s", "at_us": 60_000_000,
                     "subject": "the ledger", "failures": ["expected acked_lost 0, found 2"] }])
        );
        assert_eq!(
            expectation["lines"],
            json!(["s.toml:39:1: at 60s the ledger: expected acked_lost 0, found 2"])
        );
    }

    // The shards of a range, merged as the sweep workflow merges them (every shard's seeds
    // and failures put together), cover the range exactly once and find the same failures
    // as one sweep of the whole range.
    #[test]
    fn shards_cover_the_range_between_them() {
        let whole = document((1, 25), (1, 1));
        let shards: Vec<Value> = (1..=4).map(|k| document((1, 25), (k, 4))).collect();
        let mut seeds: Vec<u64> = shards
            .iter()
            .flat_map(|d| d["seeds"].as_array().unwrap().clone())
            .map(|s| s.as_u64().unwrap())
            .collect();
        seeds.sort();
        assert_eq!(seeds, (1..=25).collect::<Vec<_>>());
        let mut failures: Vec<Value> = shards
            .iter()
            .flat_map(|d| d["failures"].as_array().unwrap().clone())
            .collect();
        failures.sort_by_key(|f| f["seed"].as_u64());
        assert_eq!(Value::Array(failures), whole["failures"]);
        let failed: u64 = shards
            .iter()
            .map(|d| d["summary"]["failed"].as_u64().unwrap())
            .sum();
        assert_eq!(failed, 2);
        assert!(shards.iter().all(|d| d["range"] == whole["range"]));
    }

    // A hard link to the scenario is the scenario: `same_file` sees it, so `--shrink` refuses
    // to write its counterexample there.
    #[cfg(unix)]
    #[test]
    fn a_hard_link_is_the_same_file() {
        let dir = std::env::temp_dir().join(format!("ksim-sweep-link-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (scenario, link, other) = (dir.join("s.toml"), dir.join("l.toml"), dir.join("o.toml"));
        std::fs::write(&scenario, "name = \"x\"\n").unwrap();
        std::fs::write(&other, "name = \"x\"\n").unwrap();
        let _ = std::fs::remove_file(&link);
        std::fs::hard_link(&scenario, &link).unwrap();
        assert!(same_file(&scenario, &link));
        assert!(same_file(&scenario, &scenario));
        assert!(!same_file(&scenario, &other));
        assert!(!same_file(&scenario, &dir.join("missing.toml")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
