//! `ksim bench <scenario>`: how fast the engine runs a scenario, in a release build. Runs it
//! several times and reports medians: simulated seconds per wall second, engine events per
//! second, records per second, and the process's peak memory.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use ksim::World;
use ksim::engine::time::SimTime;

use crate::output;
use crate::seed::Seed;
use ksim_app::scenario_files;

pub fn bench(path: &Path, seed_flag: Option<u64>, runs: u32) -> anyhow::Result<ExitCode> {
    let scenario = Arc::new(scenario_files::load(path)?);
    let seed = Seed::choose(seed_flag, scenario.seed);
    let mut walls = Vec::new();
    // The engine alone: every event before the end, without the final expectations (whose
    // ledger reads every record once).
    let mut engine_walls = Vec::new();
    let mut events = 0;
    let mut records = 0;
    let mut simulated = 0.0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let mut world = World::new(scenario.clone(), seed.value);
        world.run_until(scenario.duration.saturating_sub(SimTime(1)));
        engine_walls.push(start.elapsed().as_secs_f64());
        world.run_to_end();
        walls.push(start.elapsed().as_secs_f64());
        events = world.events_processed();
        records = world
            .producers()
            .iter()
            .map(|p| p.records.len() as u64)
            .sum();
        simulated = world.now().as_micros() as f64 / 1e6;
    }
    walls.sort_by(f64::total_cmp);
    engine_walls.sort_by(f64::total_cmp);
    let median = walls[walls.len() / 2];
    let engine_median = engine_walls[engine_walls.len() / 2];
    let mut text = String::new();
    text.push_str(&format!("scenario        {}\n", scenario.name));
    text.push_str(&format!("seed            {}\n", seed.describe()));
    text.push_str(&format!(
        "runs            {} (median shown; min {:.3}s, max {:.3}s)\n",
        walls.len(),
        walls[0],
        walls[walls.len() - 1]
    ));
    text.push_str(&format!(
        "wall time       {median:.3}s for {simulated:.1}s simulated\n"
    ));
    text.push_str(&format!(
        "speed           {:.0}x real time\n",
        simulated / median
    ));
    text.push_str(&format!(
        "engine events   {events} ({:.2} M events/s; {:.2} M/s before the end-of-run checks, {:.3}s)\n",
        events as f64 / median / 1e6,
        events as f64 / engine_median / 1e6,
        median - engine_median
    ));
    text.push_str(&format!(
        "records         {records} ({:.2} M records/s)\n",
        records as f64 / median / 1e6
    ));
    if let Some(peak) = peak_memory_kib() {
        text.push_str(&format!(
            "peak memory     {:.1} MiB\n",
            peak as f64 / 1024.0
        ));
    }
    if cfg!(debug_assertions) {
        text.push_str(
            "note            a debug build: measure with `cargo run --release -- bench`\n",
        );
    }
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The process's peak resident memory, from Linux's `/proc/self/status` (VmHWM).
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
