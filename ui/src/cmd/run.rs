//! `ksim run <scenario>`: runs a scenario once and prints what a reader wants to know after
//! it: the final state of the cluster, what became of the records, which expectations held,
//! and the trace hash that identifies the run.

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use ksim::World;
use ksim::engine::time::{SimTime, format_duration};
use ksim::observe::check::CheckResult;
use ksim::observe::ledger::{Fate, LedgerSummary};

use super::check::{failure_lines, plural};
use crate::output;
use crate::seed::Seed;
use ksim_app::scenario_files;

/// Everything `ksim run` prints, taken from the finished world.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub file: String,
    pub name: String,
    pub seed: Seed,
    pub ended_at: SimTime,
    /// `World::describe()`: the cluster as `kafka-topics --describe` shows it.
    pub final_state: String,
    pub ledger: LedgerSummary,
    /// `ksim::observe::report::producer_batches`: each producer's batching statistics, as a table.
    pub producer_batches: String,
    pub lost: Vec<LostRecord>,
    pub results: Vec<CheckResult>,
    pub trace_events: usize,
    pub trace_hash: String,
    pub events_processed: u64,
    /// The fault schedule the seed drew from `[faults]`, one fault a line; empty without.
    pub faults: Vec<String>,
}

/// An acknowledged record that is gone, and the trace line that says when it went.
#[derive(Clone, Debug)]
pub struct LostRecord {
    pub value: String,
    pub key: Option<String>,
    /// `orders-0`.
    pub partition: String,
    pub offset: Option<u64>,
    pub decided_by: Option<String>,
}

pub fn run(
    path: &Path,
    seed_flag: Option<u64>,
    invariants: bool,
    max_events: u64,
) -> anyhow::Result<ExitCode> {
    let scenario = scenario_files::load(path)?;
    super::check::check_lesson_part(path, &scenario_files::label(path))
        .map_err(anyhow::Error::msg)?;
    let seed = Seed::choose(seed_flag, scenario.seed);
    let scenario = Arc::new(scenario);
    let faults = ksim::scenario::nemesis::schedule(&scenario, seed.value)
        .iter()
        .map(|fault| fault.to_string())
        .collect();
    let (world, violation) = if invariants {
        let (world, outcome) = super::sweep::run_seed(scenario, seed.value);
        match outcome {
            super::sweep::SeedOutcome::Invariant(violation) => (world, Some(violation)),
            _ => (world, None),
        }
    } else {
        let mut world = World::new(scenario, seed.value);
        world
            .run_to_end_within(max_events)
            .map_err(|runaway| anyhow::anyhow!("{}: {runaway}", scenario_files::label(path)))?;
        (world, None)
    };
    let report = RunReport {
        faults,
        ..report(&world, seed)
    };
    let mut text = render(&report);
    if let Some(violation) = &violation {
        text.push_str(&format!(
            "\n{violation}\n  (the run stopped there; the state above is as it was then)\n"
        ));
    } else if invariants {
        text.push_str("\ninvariants: all held after every event\n");
    }
    output::print(&text)?;
    let failed = report.results.iter().any(|result| !result.passed());
    Ok(ExitCode::from(if failed || violation.is_some() {
        1
    } else {
        0
    }))
}

fn report(world: &World, seed: Seed) -> RunReport {
    let scenario = world.scenario();
    let ledger = ksim::observe::ledger::lost(world);
    let lost = ledger
        .records
        .iter()
        .filter(|record| record.fate == Fate::Lost)
        .map(|record| LostRecord {
            value: record.value.clone(),
            key: record.key.clone(),
            partition: record.partition.map_or_else(
                || "no partition".to_string(),
                |tp| scenario.partition_name(tp),
            ),
            offset: record.offset,
            decided_by: record.decided_by.clone(),
        })
        .collect();
    RunReport {
        file: scenario.file.clone(),
        name: scenario.name.clone(),
        seed,
        ended_at: world.now(),
        final_state: world.describe(),
        ledger: ledger.summary,
        producer_batches: ksim::observe::report::producer_batches(world),
        lost,
        results: world.check_results(),
        trace_events: world.trace().len(),
        trace_hash: world.trace().hash(),
        events_processed: world.events_processed(),
        faults: Vec::new(),
    }
}

pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    writeln!(out, "scenario  {}", report.name).unwrap();
    writeln!(out, "file      {}", report.file).unwrap();
    writeln!(out, "seed      {}", report.seed.describe()).unwrap();

    writeln!(out, "\nfinal state at {}", format_duration(report.ended_at)).unwrap();
    for line in report.final_state.trim_end().lines() {
        writeln!(out, "  {line}").unwrap();
    }

    if !report.faults.is_empty() {
        writeln!(
            out,
            "\nfaults drawn from [faults] with seed {}",
            report.seed.value
        )
        .unwrap();
        for fault in &report.faults {
            writeln!(out, "  {fault}").unwrap();
        }
    }

    out.push_str("\nrecords\n");
    out.push_str(&ledger_table(&report.ledger));

    if !report.producer_batches.is_empty() {
        out.push_str("\nproducer batches\n");
        out.push_str(&report.producer_batches);
    }

    if report.lost.is_empty() {
        out.push_str("\nlost records: none\n");
    } else {
        out.push_str("\nlost records (acknowledged, then gone)\n");
        for record in &report.lost {
            write!(out, "  {} in {}", record.value, record.partition).unwrap();
            if let Some(offset) = record.offset {
                write!(out, " at offset {offset}").unwrap();
            }
            if let Some(key) = &record.key {
                write!(out, ", key {key:?}").unwrap();
            }
            out.push('\n');
            if let Some(line) = &record.decided_by {
                writeln!(out, "    decided by: {line}").unwrap();
            }
        }
    }

    let failed = report.results.iter().filter(|r| !r.passed()).count();
    if report.results.is_empty() {
        out.push_str("\nexpectations: none\n");
    } else {
        let passed = report.results.len() - failed;
        writeln!(out, "\nexpectations: {passed} passed, {failed} failed").unwrap();
        for result in &report.results {
            for line in failure_lines(&report.file, result) {
                writeln!(out, "{line}").unwrap();
            }
        }
    }

    writeln!(
        out,
        "\ntrace   {}, hash {}",
        plural(report.trace_events, "event"),
        report.trace_hash
    )
    .unwrap();
    writeln!(
        out,
        "engine  {} processed",
        plural(report.events_processed as usize, "event")
    )
    .unwrap();
    out
}

/// The ledger's counts as two two-line tables, named as expectations name them: the fates,
/// then order (in the log, per key as consumed, and keys moved or split over partitions).
fn ledger_table(summary: &LedgerSummary) -> String {
    let fates: [(&str, u64); 8] = [
        ("sent", summary.sent),
        ("acked", summary.acked),
        ("failed", summary.failed),
        ("pending", summary.pending),
        ("committed", summary.committed),
        ("acked_lost", summary.acked_lost),
        ("removed", summary.removed),
        ("duplicated", summary.duplicated),
    ];
    let order: [(&str, u64); 4] = [
        ("reordered", summary.reordered),
        ("reordered_as_consumed", summary.reordered_as_consumed),
        ("moved_keys", summary.moved_keys),
        ("keys_split", summary.keys_split),
    ];
    let mut table = String::new();
    for columns in [&fates[..], &order[..]] {
        let mut header = String::new();
        let mut values = String::new();
        for (name, value) in columns {
            let value = value.to_string();
            let width = name.len().max(value.len());
            write!(header, "  {name:>width$}").unwrap();
            write!(values, "  {value:>width$}").unwrap();
        }
        writeln!(table, "{header}\n{values}").unwrap();
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::check::fixtures::result;
    use crate::seed::SeedSource;

    fn sample() -> RunReport {
        RunReport {
            file: "scenarios/acks-1.toml".to_string(),
            name: "acks=1 can lose an acknowledged record".to_string(),
            seed: Seed {
                value: 7,
                source: SeedSource::Scenario,
            },
            ended_at: SimTime::from_secs(60),
            final_state: "Topic: orders\tPartitionCount: 1\n  Partition: 0\tLeader: 2\n"
                .to_string(),
            ledger: LedgerSummary {
                sent: 5,
                acked: 5,
                committed: 4,
                acked_lost: 1,
                ..LedgerSummary::default()
            },
            producer_batches: "  producer  requests  batches\n  app              2        3\n"
                .to_string(),
            lost: vec![LostRecord {
                value: "app-4".to_string(),
                key: Some("k".to_string()),
                partition: "orders-0".to_string(),
                offset: Some(4),
                decided_by: Some("1020.000ms b2 orders-0 truncate 5→4".to_string()),
            }],
            results: vec![
                result(30, "the ledger", &[]),
                result(41, "partition orders-0", &["expected leader 2, found 3"]),
            ],
            trace_events: 1234,
            faults: Vec::new(),
            trace_hash: "1a2b3c4d".to_string(),
            events_processed: 5678,
        }
    }

    // The whole report: header, final state, ledger table, lost records, expectations, hash.
    #[test]
    fn renders_a_run() {
        assert_eq!(
            render(&sample()),
            "\
scenario  acks=1 can lose an acknowledged record
file      scenarios/acks-1.toml
seed      7 (from the scenario)

final state at 60s
  Topic: orders\tPartitionCount: 1
    Partition: 0\tLeader: 2

records
  sent  acked  failed  pending  committed  acked_lost  removed  duplicated
     5      5       0        0          4           1        0           0
  reordered  reordered_as_consumed  moved_keys  keys_split
          0                      0           0           0

producer batches
  producer  requests  batches
  app              2        3

lost records (acknowledged, then gone)
  app-4 in orders-0 at offset 4, key \"k\"
    decided by: 1020.000ms b2 orders-0 truncate 5→4

expectations: 1 passed, 1 failed
scenarios/acks-1.toml:41:1: at 60s partition orders-0: expected leader 2, found 3

trace   1234 events, hash 1a2b3c4d
engine  5678 events processed
"
        );
    }

    // A run without losses or expectations says so rather than printing empty sections.
    #[test]
    fn renders_empty_sections() {
        let report = RunReport {
            lost: Vec::new(),
            results: Vec::new(),
            producer_batches: String::new(),
            ..sample()
        };
        let text = render(&report);
        assert!(!text.contains("producer batches"), "{text}");
        assert!(text.contains("\nlost records: none\n"), "{text}");
        assert!(text.contains("\nexpectations: none\n"), "{text}");
    }

    // A scenario with [faults] shows the schedule its seed drew, before the records.
    #[test]
    fn renders_the_fault_schedule() {
        let report = RunReport {
            faults: vec!["at 1s crash b2 for 3s".to_string()],
            ..sample()
        };
        let text = render(&report);
        assert!(
            text.contains(
                "\nfaults drawn from [faults] with seed 7\n  at 1s crash b2 for 3s\n\nrecords\n"
            ),
            "{text}"
        );
        assert!(!render(&sample()).contains("faults drawn"));
    }

    // Wide numbers widen their column so that the table stays aligned.
    #[test]
    fn ledger_table_aligns_wide_values() {
        let summary = LedgerSummary {
            sent: 1_000_000,
            ..LedgerSummary::default()
        };
        let table = ledger_table(&summary);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[0],
            "     sent  acked  failed  pending  committed  acked_lost  removed  duplicated"
        );
        assert_eq!(
            lines[1],
            "  1000000      0       0        0          0           0        0           0"
        );
        assert_eq!(
            lines[2],
            "  reordered  reordered_as_consumed  moved_keys  keys_split"
        );
    }
}
