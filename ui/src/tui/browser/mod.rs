//! `ksim learn` on a terminal: the lesson browser. The lessons grouped by area with progress
//! marks; a lesson to read (`n`/`p` for the next and previous); its scenario played in the
//! explorer with the narration; its questions asked inline; the mock exam with its countdown
//! (the wall clock, read through `app::Clock`). `Browser` is the model,
//! `BrowserAction` the message, `update` the only change, `view` the drawing, `keys` the key
//! map; this file owns the terminal and does the I/O `update` asks for (`Effect`s).

pub mod action;
pub mod app;
pub mod keys;
pub mod update;
pub mod view;

#[cfg(test)]
mod tests;

use std::path::Path;
#[cfg(feature = "terminal")]
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

#[cfg(feature = "terminal")]
use crossterm::event::{self, Event, MouseButton, MouseEventKind};

#[cfg(feature = "terminal")]
use action::BrowserAction;
use app::{Browser, Effect};

use super::KEYFRAME_INTERVAL;
use super::action::Action;
use super::app::App;
use super::ask::LessonPlay;
#[cfg(feature = "terminal")]
use super::terminal;
use crate::progress;
use crate::seed::Seed;
use ksim_app::lesson::{Lang, Lesson};
use ksim_app::scenario_files;

/// A CALC lesson's calculator, run for its answer (the binary runs its own `calc` command).
pub type Calculator = fn(&Lesson, Lang) -> Result<String, String>;

#[cfg(feature = "terminal")]
/// How often the explorer's clock ticks while it plays a lesson.
const TICK: Duration = Duration::from_millis(100);

/// Runs the browser full screen until the learner quits. `progress_path` is where progress
/// is saved (none with `--no-save` or without a data directory).
#[cfg(feature = "terminal")]
pub fn browse(
    mut browser: Browser,
    progress_path: Option<PathBuf>,
    calculate: Calculator,
) -> anyhow::Result<()> {
    browser.seed = Seed::choose(None, None).value;
    browser.run_calculators = true;
    let mut terminal = terminal::enter()?;
    let result = run(
        &mut terminal,
        &mut browser,
        progress_path.as_deref(),
        calculate,
    );
    terminal::restore()?;
    result
}

#[cfg(feature = "terminal")]
fn run(
    terminal: &mut terminal::Tui,
    browser: &mut Browser,
    progress_path: Option<&Path>,
    calculate: Calculator,
) -> anyhow::Result<()> {
    let size = terminal.size()?;
    update::update(browser, BrowserAction::Resize(size.width, size.height));
    let mut next_tick = Instant::now() + TICK;
    while !browser.quit {
        terminal.draw(|frame| frame.render_widget(&*browser, frame.area()))?;
        let wait = next_tick.saturating_duration_since(Instant::now());
        if event::poll(wait)? {
            let action = match event::read()? {
                Event::Key(key) => keys::action_for(browser, key.into()),
                Event::Mouse(mouse) => browser.explorer.as_deref().and_then(|explorer| {
                    match mouse.kind {
                        MouseEventKind::Down(MouseButton::Left) => {
                            super::view::timeline_index_at(explorer, mouse.column, mouse.row)
                                .map(Action::SeekTo)
                        }
                        MouseEventKind::ScrollDown => Some(Action::Down),
                        MouseEventKind::ScrollUp => Some(Action::Up),
                        _ => None,
                    }
                    .map(BrowserAction::Explorer)
                }),
                Event::Resize(width, height) => Some(BrowserAction::Resize(width, height)),
                _ => None,
            };
            if let Some(action) = action {
                update::update(browser, action);
            }
        }
        if Instant::now() >= next_tick {
            if browser.explorer.is_some() {
                update::update(browser, BrowserAction::Explorer(Action::Tick));
            } else if matches!(browser.screen, app::Screen::Exam(_)) {
                update::update(browser, BrowserAction::Tick);
            }
            next_tick = Instant::now() + TICK;
        }
        perform(browser, progress_path, calculate);
    }
    Ok(())
}

/// Does what `update` asked for: saves the progress, opens the explorer on a scenario. A
/// failure is told in the footer; the browser goes on.
pub fn perform(browser: &mut Browser, progress_path: Option<&Path>, calculate: Calculator) {
    for effect in std::mem::take(&mut browser.effects) {
        match effect {
            Effect::SaveProgress => {
                if let Some(path) = progress_path {
                    match progress::save(path, &browser.saved_progress, &browser.progress) {
                        Ok(merged) => {
                            browser.saved_progress = merged.clone();
                            browser.progress = merged;
                        }
                        Err(error) => browser.status = Some(format!("{error:#}")),
                    }
                }
            }
            Effect::Calculate if browser.run_calculators => {
                let lesson = browser.lesson();
                let answer = calculate(lesson, browser.lang);
                browser.calc_answers.insert(lesson.file.clone(), answer);
            }
            Effect::Calculate => {}
            Effect::Play(path) => match scenario_files::load(&path) {
                Ok(scenario) => {
                    #[cfg(feature = "terminal")]
                    let seed = Seed::choose(None, scenario.seed);
                    // Without a terminal there is no entropy to draw from: the page drew
                    // `browser.seed` and passes it on.
                    #[cfg(not(feature = "terminal"))]
                    let seed = Seed::choose_with(None, scenario.seed, || browser.seed);
                    let mut explorer = App::new(scenario, seed.value, KEYFRAME_INTERVAL);
                    explorer.color = browser.color;
                    explorer.lang = browser.lang.into();
                    explorer.lesson = Some(LessonPlay::new(browser.lesson().clone(), browser.lang));
                    explorer.status = Some(
                        browser
                            .lang
                            .pick(
                                "q or Esc: back to the lesson  ·  Space play  ? help",
                                "q나 Esc: 레슨으로 돌아가기  ·  Space 재생  ? 도움말",
                            )
                            .to_string(),
                    );
                    super::update::update(
                        &mut explorer,
                        Action::Resize(browser.width, browser.height),
                    );
                    browser.explorer = Some(Box::new(explorer));
                }
                Err(error) => browser.status = Some(format!("{error:#}")),
            },
        }
    }
}
