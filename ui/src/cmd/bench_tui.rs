//! `ksim bench-tui <paths…>`: how fast the explorer is, in a release build. For each scenario:
//! the time from start to the first frame (reading, the first slice of the recording, one
//! draw, as `ksim tui` does), the time until the whole run is recorded with its keyframes,
//! then the medians of seeking to random events and of drawing a frame (cluster view,
//! 100x30, on ratatui's `TestBackend`), of cloning the run's last world (a keyframe's
//! cost), and of a what-if at the middle of the run until its branch is shown. At the end:
//! the process's peak memory, keyframes included.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::output;
use crate::seed::Seed;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::update::update;
use crate::tui::{FIRST_RECORDING, KEYFRAME_INTERVAL};
use ksim_app::scenario_files::{self, Found};

pub fn bench_tui(
    paths: &[PathBuf],
    seed_flag: Option<u64>,
    seeks: u32,
) -> anyhow::Result<ExitCode> {
    let mut text = format!(
        "{:<52} {:>9} {:>9} {:>10} {:>11} {:>10} {:>11} {:>11} {:>10} {:>11} {:>12}\n",
        "scenario",
        "events",
        "keyframes",
        "interval",
        "first frame",
        "recorded",
        "seek (med)",
        "seek (max)",
        "draw (med)",
        "clone (med)",
        "what-if (med)"
    );
    let mut worst_first = 0.0f64;
    for found in scenario_files::find(paths) {
        let path = match found {
            Found::Scenario(path) => path,
            // A lesson without a cluster has nothing to explore.
            Found::Lesson(_) => continue,
            Found::Unreadable { message, .. } => anyhow::bail!(message),
        };
        let start = Instant::now();
        let scenario = scenario_files::load(&path)?;
        let seed = Seed::choose(seed_flag, scenario.seed);
        let mut app = App::starting(scenario, seed.value, KEYFRAME_INTERVAL);
        app.record_for(FIRST_RECORDING);
        let mut terminal = Terminal::new(TestBackend::new(100, 30))?;
        terminal.draw(|frame| frame.render_widget(&app, frame.area()))?;
        let first_frame = start.elapsed().as_secs_f64();
        worst_first = worst_first.max(first_frame);
        // The rest of the recording, with a frame between slices as the explorer draws them.
        while !app.record_for(std::time::Duration::from_millis(40)) {
            terminal.draw(|frame| frame.render_widget(&app, frame.area()))?;
        }
        let recorded = start.elapsed().as_secs_f64();

        let total = app.timeline().len().max(1);
        let mut rng = StdRng::seed_from_u64(seed.value);
        let mut seek_times = Vec::new();
        let mut draw_times = Vec::new();
        for _ in 0..seeks.max(1) {
            let index = rng.random_range(0..total);
            let start = Instant::now();
            update(&mut app, Action::SeekTo(index));
            seek_times.push(start.elapsed().as_secs_f64());
            let start = Instant::now();
            terminal.draw(|frame| frame.render_widget(&app, frame.area()))?;
            draw_times.push(start.elapsed().as_secs_f64());
        }
        // The floor of a seek far from the screen: one clone of a world (the last one, the
        // largest), as a keyframe is cloned.
        let mut clone_times: Vec<f64> = (0..seeks.clamp(1, 20))
            .map(|_| {
                let start = Instant::now();
                let copy = ksim::World::clone(&app.timeline().final_world);
                let elapsed = start.elapsed().as_secs_f64();
                drop(copy);
                elapsed
            })
            .collect();
        let (events, keyframes, interval) = (
            app.timeline().len(),
            app.timeline().keyframe_count(),
            app.timeline().interval,
        );
        // A what-if (the first fault of the menu) at the middle of the run, until its branch
        // is shown; the rest of its future is recorded between frames.
        let mut what_if_times: Vec<f64> = (0..3)
            .map(|_| {
                update(&mut app, Action::SeekTo(total / 2));
                let start = Instant::now();
                update(&mut app, Action::FaultMenu);
                update(&mut app, Action::Enter);
                start.elapsed().as_secs_f64()
            })
            .collect();
        what_if_times.sort_by(f64::total_cmp);
        clone_times.sort_by(f64::total_cmp);
        seek_times.sort_by(f64::total_cmp);
        draw_times.sort_by(f64::total_cmp);
        let ms = |s: f64| format!("{:.2}ms", s * 1e3);
        text.push_str(&format!(
            "{:<52} {:>9} {:>9} {:>10} {:>11} {:>10} {:>11} {:>11} {:>10} {:>11} {:>12}\n",
            scenario_files::label(&path),
            events,
            keyframes,
            interval,
            ms(first_frame),
            ms(recorded),
            ms(seek_times[seek_times.len() / 2]),
            ms(seek_times[seek_times.len() - 1]),
            ms(draw_times[draw_times.len() / 2]),
            ms(clone_times[clone_times.len() / 2]),
            ms(what_if_times[1]),
        ));
    }
    text.push_str(&format!("slowest first frame {:.1}ms\n", worst_first * 1e3));
    if let Some(peak) = crate::cmd::bench::peak_memory_kib() {
        text.push_str(&format!(
            "peak memory {:.1} MiB (every scenario's timeline, one at a time)\n",
            peak as f64 / 1024.0
        ));
    }
    if cfg!(debug_assertions) {
        text.push_str("note: a debug build: measure with `cargo run --release -- bench-tui`\n");
    }
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
