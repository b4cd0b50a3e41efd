//! `ksim sweep <scenario> --seeds 1..10000`: runs one scenario under many seeds (each seed its
//! own fault schedule when the scenario has `[faults]`), in parallel threads, with every
//! invariant checked after every event, and prints each failing seed with what broke and the
//! command that reproduces it. `--shrink` reduces the first failure's fault schedule and
//! writes it out as a plain scenario file.
//!
//! Each seed is its own `World`: the simulation stays single-threaded, the threads only share
//! the parsed scenario. Results are printed sorted by seed, so the output does not depend on
//! `--jobs`; only the progress line and the timing (on standard error) do.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
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

pub struct SweepOptions {
    pub seeds: (u64, u64),
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
    let scenario = Arc::new(scenario_files::load(path)?);
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
    let mut text = String::new();
    for (seed, outcome) in &failures {
        writeln!(text, "seed {seed}: FAIL").unwrap();
        for line in outcome.lines(&file) {
            writeln!(text, "  {line}").unwrap();
        }
        writeln!(
            text,
            "  reproduce: ksim run {} --seed {seed} --invariants",
            shell_word(&file)
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
    writeln!(
        text,
        "{}: swept {} ({}..{}){shard}: {} failed, {} passed",
        file,
        super::check::plural(results.len(), "seed"),
        options.seeds.0,
        options.seeds.1,
        failures.len(),
        results.len() - failures.len()
    )
    .unwrap();

    if options.shrink
        && let Some((seed, outcome)) = failures.first()
    {
        text.push('\n');
        text.push_str(&shrink_and_write(
            path,
            &scenario,
            *seed,
            outcome,
            options.out.as_deref(),
        )?);
    }
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

/// Runs every seed on `jobs` threads; returns the outcomes sorted by seed. Draws a progress
/// line on standard error while it works, if standard error is a terminal.
fn run_all(scenario: &Arc<Scenario>, seeds: &[u64], jobs: usize) -> Vec<(u64, SeedOutcome)> {
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(u64, SeedOutcome)>();
    let progress = std::io::stderr().is_terminal();
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
        let started = Instant::now();
        let mut last_drawn = Instant::now();
        let mut failed = 0;
        for (seed, outcome) in receiver {
            if !matches!(outcome, SeedOutcome::Passed) {
                failed += 1;
            }
            results.push((seed, outcome));
            if progress && last_drawn.elapsed() > Duration::from_millis(100) {
                last_drawn = Instant::now();
                draw_progress(results.len(), seeds.len(), failed, started.elapsed());
            }
        }
        if progress {
            draw_progress(results.len(), seeds.len(), failed, started.elapsed());
            eprintln!();
        }
    });
    results.sort_by_key(|(seed, _)| *seed);
    results
}

/// `[#######.............] 350/1000 seeds  212 runs/s  3 failed`
fn draw_progress(done: usize, total: usize, failed: usize, elapsed: Duration) {
    const WIDTH: usize = 30;
    let filled = done * WIDTH / total.max(1);
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {done}/{total} seeds  {rate:.0} runs/s  {failed} failed",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled)
    );
    let _ = err.flush();
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
