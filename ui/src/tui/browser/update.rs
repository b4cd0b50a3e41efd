//! `update(&mut Browser, BrowserAction)`: the only place the browser's model changes. No I/O:
//! saving progress and reading a scenario are left to the run loop as `Effect`s.

use super::action::BrowserAction;
use super::app::{Browser, Effect, InlineQuiz, QuizState, Screen};
use super::view;
use crate::tui::action::Action;
use ksim_app::quiz::{check_answer, order, parse_typed_answer};

pub fn update(browser: &mut Browser, action: BrowserAction) {
    if let BrowserAction::Resize(width, height) = action {
        browser.width = width;
        browser.height = height;
        if let Some(explorer) = &mut browser.explorer {
            crate::tui::update::update(explorer, Action::Resize(width, height));
        }
        clamp_scroll(browser);
        return;
    }
    if let BrowserAction::Explorer(action) = action {
        explorer(browser, action);
        return;
    }
    if action == BrowserAction::Quit {
        finish_quiz(browser);
        close_explorer(browser);
        browser.quit = true;
        return;
    }
    if browser.help {
        if matches!(
            action,
            BrowserAction::Help | BrowserAction::Back | BrowserAction::Open
        ) {
            browser.help = false;
        }
        return;
    }
    if action == BrowserAction::Help {
        browser.help = true;
        return;
    }
    browser.status = None;
    match browser.screen.clone() {
        Screen::List => list(browser, action),
        Screen::Lesson { scroll } => lesson(browser, action, scroll),
        Screen::Quiz(quiz) => self::quiz(browser, action, quiz),
    }
}

fn list(browser: &mut Browser, action: BrowserAction) {
    let last = browser.order.len().saturating_sub(1);
    match action {
        BrowserAction::Down => browser.selected = (browser.selected + 1).min(last),
        BrowserAction::Up => browser.selected = browser.selected.saturating_sub(1),
        BrowserAction::First => browser.selected = 0,
        BrowserAction::Last => browser.selected = last,
        BrowserAction::Open => open_lesson(browser),
        BrowserAction::Play => play(browser),
        BrowserAction::StartQuiz => start_quiz(browser),
        _ => {}
    }
}

fn lesson(browser: &mut Browser, action: BrowserAction, scroll: u16) {
    let last = browser.order.len().saturating_sub(1);
    match action {
        BrowserAction::Down => {
            browser.screen = Screen::Lesson {
                scroll: scroll.saturating_add(1),
            };
            clamp_scroll(browser);
        }
        BrowserAction::Up => {
            browser.screen = Screen::Lesson {
                scroll: scroll.saturating_sub(1),
            }
        }
        BrowserAction::NextLesson if browser.selected < last => {
            browser.selected += 1;
            open_lesson(browser);
        }
        BrowserAction::PreviousLesson if browser.selected > 0 => {
            browser.selected -= 1;
            open_lesson(browser);
        }
        BrowserAction::Open | BrowserAction::Play => play(browser),
        BrowserAction::StartQuiz => start_quiz(browser),
        BrowserAction::Back => browser.screen = Screen::List,
        _ => {}
    }
}

fn quiz(browser: &mut Browser, action: BrowserAction, mut quiz: InlineQuiz) {
    match (&quiz.state, action) {
        (_, BrowserAction::Back) => {
            browser.screen = Screen::Quiz(quiz);
            finish_quiz(browser);
            browser.screen = Screen::Lesson { scroll: 0 };
            return;
        }
        // An answer is a number, or two: `2,4`, `2 4` or `2+4`.
        (QuizState::Answering { .. }, BrowserAction::Type(c))
            if (c.is_ascii_digit() || matches!(c, ',' | ' ' | '+')) && quiz.input.len() < 12 =>
        {
            quiz.input.push(c);
            quiz.state = QuizState::Answering { error: None };
        }
        (QuizState::Answering { .. }, BrowserAction::Erase) => {
            quiz.input.pop();
        }
        (QuizState::Answering { .. }, BrowserAction::Submit) => {
            let asked = quiz.asked(browser.lesson(), quiz.current);
            let lang = browser.lang;
            let checked = parse_typed_answer(&quiz.input)
                .ok_or_else(|| {
                    lang.pick("expected a choice number", "번호를 입력하세요")
                        .to_string()
                })
                .and_then(|given| check_answer(&asked, given, lang));
            quiz.state = match checked {
                Ok(given) => {
                    let right = asked.is_right(&given);
                    quiz.results.push((asked.question.id.clone(), right));
                    QuizState::Answered { given, right }
                }
                Err(why) => QuizState::Answering { error: Some(why) },
            };
        }
        (QuizState::Answered { .. }, BrowserAction::Submit) => {
            quiz.input.clear();
            if quiz.current + 1 < quiz.questions.len() {
                quiz.current += 1;
                quiz.state = QuizState::Answering { error: None };
            } else {
                quiz.state = QuizState::Done;
                browser.screen = Screen::Quiz(quiz);
                finish_quiz(browser);
                return;
            }
        }
        (QuizState::Done, BrowserAction::Submit) => {
            browser.screen = Screen::Lesson { scroll: 0 };
            return;
        }
        _ => {}
    }
    browser.screen = Screen::Quiz(quiz);
}

/// Shows the selected lesson from its top and marks it seen, as `ksim learn <lesson>` does.
fn open_lesson(browser: &mut Browser) {
    browser.screen = Screen::Lesson { scroll: 0 };
    mark_seen(browser);
    let lesson = browser.lesson();
    if lesson.calc.is_some() && !browser.calc_answers.contains_key(&lesson.file) {
        browser.effects.push(Effect::Calculate);
    }
}

/// Marks the selected lesson seen, and asks for the progress to be saved when that is news.
fn mark_seen(browser: &mut Browser) {
    let slug = browser.lesson().slug.clone();
    if browser.record && browser.progress.lessons_seen.insert(slug) {
        browser.effects.push(Effect::SaveProgress);
    }
}

fn play(browser: &mut Browser) {
    match browser.scenario() {
        Some(path) => browser.effects.push(Effect::Play(path)),
        None => {
            browser.status = Some(
                browser
                    .lang
                    .pick(
                        "this lesson has no scenario to play",
                        "이 레슨에는 재생할 시나리오가 없습니다",
                    )
                    .to_string(),
            )
        }
    }
}

/// Asks the selected lesson's questions: ordered as `ksim quiz` orders a session (due ones
/// first), choices shuffled, by this browser's seed.
fn start_quiz(browser: &mut Browser) {
    let lesson = browser.lesson();
    let pool = lesson
        .quiz
        .iter()
        .map(|question| (lesson, question))
        .collect();
    let session = order(pool, &browser.progress, browser.seed, lesson.quiz.len());
    let questions = session
        .into_iter()
        .map(|asked| {
            let index = lesson
                .quiz
                .iter()
                .position(|q| q.id == asked.question.id)
                .expect("asked from this lesson");
            (index, asked.order)
        })
        .collect();
    browser.seed = browser.seed.wrapping_add(1);
    browser.screen = Screen::Quiz(InlineQuiz {
        questions,
        current: 0,
        input: String::new(),
        state: QuizState::Answering { error: None },
        results: Vec::new(),
        recorded: false,
    });
    mark_seen(browser);
}

/// Records the inline quiz's answers as one session, as `ksim quiz` does at its end (also
/// when the learner leaves early), once.
fn finish_quiz(browser: &mut Browser) {
    let Screen::Quiz(quiz) = &mut browser.screen else {
        return;
    };
    if quiz.recorded || quiz.results.is_empty() {
        return;
    }
    quiz.recorded = true;
    if browser.record {
        browser.progress.record_session(&quiz.results);
        browser.effects.push(Effect::SaveProgress);
    }
}

/// Keeps the lesson's scroll within its text at the screen's width.
fn clamp_scroll(browser: &mut Browser) {
    if let Screen::Lesson { scroll } = browser.screen {
        let most = view::lesson_scroll_limit(browser);
        browser.screen = Screen::Lesson {
            scroll: scroll.min(most),
        };
    }
}

/// Passes an action to the explorer; its quit (q) or an Esc with no window open comes back
/// to the lesson.
fn explorer(browser: &mut Browser, action: Action) {
    let Some(app) = &mut browser.explorer else {
        return;
    };
    if action == Action::Escape && app.overlay.is_none() {
        app.quit = true;
    } else {
        crate::tui::update::update(app, action);
    }
    if app.quit {
        close_explorer(browser);
    }
}

/// Back from the explorer: the answers given at its `ask` steps count as one quiz session.
fn close_explorer(browser: &mut Browser) {
    let Some(explorer) = browser.explorer.take() else {
        return;
    };
    let results = explorer
        .lesson
        .as_ref()
        .map(|play| play.results())
        .unwrap_or_default();
    if browser.record && !results.is_empty() {
        browser.progress.record_session(&results);
        browser.effects.push(Effect::SaveProgress);
    }
}
