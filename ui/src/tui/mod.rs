//! `ksim tui <scenario>`: the terminal explorer. The run is recorded as a `Timeline` (trace
//! and keyframes) between frames, so the first frame comes at once; `App` is the model,
//! `Action` the message, `update` the only change, `view` the drawing, `keys` the key map,
//! `terminal` the real terminal's setup and restore (with the `terminal` feature; the web
//! build draws the same `App` and maps the browser's keys through `key`).

pub mod action;
pub mod app;
pub mod ask;
pub mod browser;
pub mod key;
pub mod keys;
#[cfg(feature = "terminal")]
pub mod terminal;
pub mod timeline;
pub mod update;
pub mod view;
pub mod why;

#[cfg(test)]
pub(crate) mod tests;

use std::time::Duration;
#[cfg(feature = "terminal")]
use std::{path::Path, process::ExitCode, time::Instant};

#[cfg(feature = "terminal")]
use crossterm::event::{self, Event, MouseButton, MouseEventKind};

#[cfg(feature = "terminal")]
use {
    crate::progress,
    crate::seed::Seed,
    action::Action,
    anyhow::Context,
    app::App,
    ask::LessonPlay,
    ksim_app::lesson::{self, Lang, Lesson},
    ksim_app::scenario_files,
};

/// Engine steps between keyframes at first (the timeline doubles it on long runs): a seek
/// replays at most this many steps after cloning a keyframe.
pub const KEYFRAME_INTERVAL: u64 = 1024;

/// How long the run is recorded before the first frame: short scenarios are recorded whole,
/// long ones go on recording between frames.
pub const FIRST_RECORDING: Duration = Duration::from_millis(100);

#[cfg(feature = "terminal")]
/// How long the run is recorded between two looks at the keyboard while it is recording.
const RECORDING_SLICE: Duration = Duration::from_millis(40);

#[cfg(feature = "terminal")]
/// How often the clock ticks while playing.
const TICK: Duration = Duration::from_millis(100);

/// Set in the environment, makes the explorer panic after its first frame: the real-terminal
/// test uses it to check that a panic leaves the terminal usable.
pub const PANIC_FOR_TEST: &str = "KSIM_TUI_PANIC_FOR_TEST";

#[cfg(feature = "terminal")]
pub fn tui(
    path: &Path,
    seed_flag: Option<u64>,
    lang: Option<Lang>,
    no_save: bool,
    max_events: u64,
) -> anyhow::Result<ExitCode> {
    let scenario = scenario_files::load(path)?;
    let lang = Lang::choose(lang);
    let lesson = lesson_in(path)?;
    let seed = Seed::choose(seed_flag, scenario.seed);
    let mut app = App::starting(scenario, seed.value, KEYFRAME_INTERVAL);
    app.set_max_events(max_events);
    app.lang = lang.into();
    app.lesson = lesson.map(|lesson| LessonPlay::new(lesson, lang));
    app.record_for(FIRST_RECORDING);
    let mut terminal = terminal::enter()?;
    let result = run(&mut terminal, &mut app);
    terminal::restore()?;
    result?;
    save_answers(&app, no_save)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "terminal")]
/// The lesson of a lesson file that is also a scenario (`[lesson]` and `[cluster]`), so that
/// its `ask` steps ask; none for a plain scenario. The file parsed as a scenario already.
fn lesson_in(path: &Path) -> anyhow::Result<Option<Lesson>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", scenario_files::label(path)))?;
    let has_lesson =
        toml::from_str::<toml::Table>(&text).is_ok_and(|table| table.contains_key("lesson"));
    if !has_lesson {
        return Ok(None);
    }
    let lesson = lesson::parse_lesson(&text, &scenario_files::label(path), path.parent())?;
    Ok(Some(lesson))
}

#[cfg(feature = "terminal")]
/// The answers given at a lesson's `ask` steps, recorded as one quiz session (as the browser
/// does), unless `--no-save`; said on standard output once the terminal is back.
fn save_answers(app: &App, no_save: bool) -> anyhow::Result<()> {
    let results = app
        .lesson
        .as_ref()
        .map(|play| play.results())
        .unwrap_or_default();
    if results.is_empty() || no_save {
        return Ok(());
    }
    let Some(path) = progress::default_path() else {
        return Ok(());
    };
    let mut loaded = progress::load(&path, true)?;
    if let Some(warning) = &loaded.warning {
        eprintln!("warning: {warning}");
    }
    let base = loaded.progress.clone();
    loaded.progress.record_session(&results);
    progress::save(&path, &base, &loaded.progress)?;
    let right = results.iter().filter(|(_, right)| *right).count();
    let total = results.len();
    let lang = app.lesson.as_ref().map_or(Lang::En, |play| play.lang);
    crate::output::print(&match lang {
        Lang::En => format!(
            "{right} of {total} answers right; progress saved in {}\n",
            path.display()
        ),
        Lang::Ko => format!(
            "{total}문제 중 {right}문제 정답; 진행 상황 저장: {}\n",
            path.display()
        ),
    })
}

#[cfg(feature = "terminal")]
fn run(terminal: &mut terminal::Tui, app: &mut App) -> anyhow::Result<()> {
    let size = terminal.size()?;
    update::update(app, Action::Resize(size.width, size.height));
    let mut next_tick = Instant::now() + TICK;
    let panic_for_test = std::env::var_os(PANIC_FOR_TEST).is_some();
    while !app.quit {
        terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
        if panic_for_test {
            panic!("{PANIC_FOR_TEST} is set: the explorer panics after its first frame");
        }
        let mut wait = next_tick.saturating_duration_since(Instant::now());
        if app.is_recording() {
            // Record between frames; keys are looked at after every slice of recording.
            app.record_for(RECORDING_SLICE.min(wait));
            wait = Duration::ZERO;
        }
        if event::poll(wait)? {
            let action = match event::read()? {
                Event::Key(key) => keys::action_for(app, key.into()),
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
