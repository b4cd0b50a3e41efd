//! `ksim trace <scenario>`: the full trace of a run on standard output, as canonical text (one
//! event per line, the form whose hash identifies a run) or as JSON Lines for other tools.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::ValueEnum;
use ksim::World;

use crate::output;
use crate::seed::{Seed, SeedSource};
use ksim_app::scenario_files;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// The canonical text form: a header line, then one event per line.
    Text,
    /// The same events as JSON Lines.
    Jsonl,
}

pub fn trace(
    path: &Path,
    seed_flag: Option<u64>,
    format: TraceFormat,
    max_events: u64,
) -> anyhow::Result<ExitCode> {
    let scenario = scenario_files::load(path)?;
    super::check::check_lesson_part(path, &scenario_files::label(path))
        .map_err(anyhow::Error::msg)?;
    let seed = Seed::choose(seed_flag, scenario.seed);
    if seed.source == SeedSource::Random {
        // Standard output carries only the trace; the note goes beside it.
        eprintln!("seed {}", seed.describe());
    }
    let mut world = World::new(Arc::new(scenario), seed.value);
    world
        .run_to_end_within(max_events)
        .map_err(|runaway| anyhow::anyhow!("{}: {runaway}", scenario_files::label(path)))?;
    let text = match format {
        TraceFormat::Text => world.trace().to_text(),
        TraceFormat::Jsonl => world.trace().to_jsonl(),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
