//! `ksim tui <scenario>`: the terminal explorer. The run is recorded as a `Timeline` (trace
//! and keyframes) between frames, so the first frame comes at once; `App` is the model,
//! `Action` the message, `update` the only change, `view` the drawing, `keys` the key map,
//! `terminal` the real terminal's setup and restore.

pub mod action;
pub mod app;
pub mod keys;
pub mod terminal;
pub mod timeline;
pub mod update;
pub mod view;
pub mod why;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, MouseButton, MouseEventKind};

use action::Action;
use app::App;

use crate::scenario_files;
use crate::seed::Seed;

/// Engine steps between keyframes at first (the timeline doubles it on long runs): a seek
/// replays at most this many steps after cloning a keyframe.
pub const KEYFRAME_INTERVAL: u64 = 1024;

/// How long the run is recorded before the first frame: short scenarios are recorded whole,
/// long ones go on recording between frames.
pub const FIRST_RECORDING: Duration = Duration::from_millis(100);

/// How long the run is recorded between two looks at the keyboard while it is recording.
const RECORDING_SLICE: Duration = Duration::from_millis(40);

/// How often the clock ticks while playing.
const TICK: Duration = Duration::from_millis(100);

pub fn tui(path: &Path, seed_flag: Option<u64>) -> anyhow::Result<ExitCode> {
    let scenario = scenario_files::load(path)?;
    let seed = Seed::choose(seed_flag, scenario.seed);
    let mut app = App::starting(scenario, seed.value, KEYFRAME_INTERVAL);
    app.record_for(FIRST_RECORDING);
    let mut terminal = terminal::enter()?;
    let result = run(&mut terminal, &mut app);
    terminal::restore()?;
    result?;
    Ok(ExitCode::SUCCESS)
}

fn run(terminal: &mut terminal::Tui, app: &mut App) -> anyhow::Result<()> {
    let size = terminal.size()?;
    update::update(app, Action::Resize(size.width, size.height));
    let mut next_tick = Instant::now() + TICK;
    while !app.quit {
        terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
        let mut wait = next_tick.saturating_duration_since(Instant::now());
        if app.is_recording() {
            // Record between frames; keys are looked at after every slice of recording.
            app.record_for(RECORDING_SLICE.min(wait));
            wait = Duration::ZERO;
        }
        if event::poll(wait)? {
            let action = match event::read()? {
                Event::Key(key) => keys::action_for(app, key),
                Event::Mouse(mouse) => match mouse.kind {
                    MouseEventKind::Down(MouseButton::Left) => {
                        view::timeline_index_at(app, mouse.column, mouse.row).map(Action::SeekTo)
                    }
                    MouseEventKind::ScrollDown => Some(Action::Down),
                    MouseEventKind::ScrollUp => Some(Action::Up),
                    _ => None,
                },
                Event::Resize(width, height) => Some(Action::Resize(width, height)),
                _ => None,
            };
            if let Some(action) = action {
                update::update(app, action);
            }
        }
        if Instant::now() >= next_tick {
            update::update(app, Action::Tick);
            next_tick = Instant::now() + TICK;
        }
    }
    Ok(())
}
