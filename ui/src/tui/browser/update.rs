//! `update(&mut Browser, BrowserAction)`: the only place the browser's model changes. No I/O:
//! saving progress and reading a scenario are left to the run loop as `Effect`s.

use std::time::Duration;

use super::action::BrowserAction;
use super::app::{
    Browser, BrowserExam, Effect, ExamQuestion, ExamState, InlineQuiz, QuizState, Screen,
};
use super::view;
use crate::tui::action::Action;
use ksim_app::exam;
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
    // The exam ends when its time is up, whatever comes next: an answer after the time does
    // not count.
    if exam_time_up(browser) {
        finish_exam(browser, true);
        if action != BrowserAction::Quit {
            return;
        }
    }
    if action == BrowserAction::Tick {
        return;
    }
    if action == BrowserAction::Quit {
        finish_quiz(browser);
        finish_exam(browser, false);
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
        Screen::Exam(exam) => self::exam(browser, action, exam),
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
        BrowserAction::StartExam => start_exam(browser),
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
        BrowserAction::StartExam => start_exam(browser),
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

fn exam(browser: &mut Browser, action: BrowserAction, mut exam: BrowserExam) {
    match (exam.state.clone(), action) {
        (ExamState::Sitting { confirm: true }, BrowserAction::Submit) => {
            browser.screen = Screen::Exam(exam);
            finish_exam(browser, false);
            return;
        }
        (ExamState::Sitting { confirm: true }, BrowserAction::Back) => {
            exam.state = ExamState::Sitting { confirm: false };
        }
        (ExamState::Sitting { confirm: true }, _) => {}
        (ExamState::Sitting { .. }, BrowserAction::Back) => {
            exam.state = ExamState::Sitting { confirm: true };
        }
        // An answer is a number, or two or three: `2,4`, `2 4` or `2+4`.
        (ExamState::Sitting { .. }, BrowserAction::Type(c))
            if (c.is_ascii_digit() || matches!(c, ',' | ' ' | '+')) && exam.input.len() < 12 =>
        {
            exam.input.push(c);
            exam.error = None;
        }
        (ExamState::Sitting { .. }, BrowserAction::Erase) => {
            exam.input.pop();
            exam.error = None;
        }
        (ExamState::Sitting { .. }, BrowserAction::Submit) if exam.input.trim().is_empty() => {
            go_on(&mut exam);
        }
        (ExamState::Sitting { .. }, BrowserAction::Submit) => {
            let asked = exam.asked(&browser.catalogue, exam.current);
            let lang = browser.lang;
            let checked = parse_typed_answer(&exam.input)
                .ok_or_else(|| {
                    lang.pick("expected a choice number", "번호를 입력하세요")
                        .to_string()
                })
                .and_then(|given| check_answer(&asked, given, lang));
            match checked {
                Ok(given) => {
                    exam.questions[exam.current].given = Some(given);
                    go_on(&mut exam);
                }
                Err(why) => exam.error = Some(why),
            }
        }
        (ExamState::Sitting { .. }, BrowserAction::NextQuestion) => {
            let next = (exam.current + 1).min(exam.questions.len() - 1);
            move_to(&mut exam, next);
        }
        (ExamState::Sitting { .. }, BrowserAction::PreviousQuestion) => {
            let previous = exam.current.saturating_sub(1);
            move_to(&mut exam, previous);
        }
        (ExamState::Sitting { .. }, BrowserAction::ClearAnswer) => {
            exam.questions[exam.current].given = None;
            exam.input.clear();
            exam.error = None;
        }
        (ExamState::Done { .. }, BrowserAction::Back | BrowserAction::Submit) => {
            browser.screen = Screen::List;
            return;
        }
        (ExamState::Done { timed_out, scroll }, action) => {
            let page = browser.height.saturating_sub(3).max(1);
            let most = view::exam_scroll_limit(browser, &exam);
            let scroll = match action {
                BrowserAction::Down => scroll.saturating_add(1),
                BrowserAction::Up => scroll.saturating_sub(1),
                BrowserAction::PageDown => scroll.saturating_add(page),
                BrowserAction::PageUp => scroll.saturating_sub(page),
                BrowserAction::First => 0,
                BrowserAction::Last => most,
                _ => scroll,
            };
            exam.state = ExamState::Done {
                timed_out,
                scroll: scroll.min(most),
            };
        }
        _ => {}
    }
    browser.screen = Screen::Exam(exam);
}

/// Shows another question, with nothing typed yet.
fn move_to(exam: &mut BrowserExam, index: usize) {
    exam.current = index;
    exam.input.clear();
    exam.error = None;
}

/// After Enter: the next question; after the last, the first one still unanswered; when every
/// question has an answer, asks whether to hand the exam in.
fn go_on(exam: &mut BrowserExam) {
    let count = exam.questions.len();
    if exam.current + 1 < count {
        move_to(exam, exam.current + 1);
    } else if let Some(open) = exam.questions.iter().position(|q| q.given.is_none()) {
        move_to(exam, open);
    } else {
        exam.input.clear();
        exam.state = ExamState::Sitting { confirm: true };
    }
}

/// Sets the mock exam as `ksim exam` does: the questions drawn by `ksim_app::exam::draw` to
/// the sections' weights, by this browser's seed, and 90 minutes from now on its clock.
fn start_exam(browser: &mut Browser) {
    let drawn = exam::draw(&browser.catalogue, browser.seed, exam::QUESTIONS);
    if drawn.is_empty() {
        browser.status = Some(
            browser
                .lang
                .pick(
                    "no questions to draw an exam from",
                    "모의고사를 낼 문제가 없습니다",
                )
                .to_string(),
        );
        return;
    }
    let catalogue = &browser.catalogue;
    let questions = drawn
        .into_iter()
        .map(|asked| {
            let lesson = catalogue
                .lessons
                .iter()
                .position(|l| std::ptr::eq(l, asked.lesson))
                .expect("drawn from this catalogue");
            let question = catalogue.lessons[lesson]
                .quiz
                .iter()
                .position(|q| std::ptr::eq(q, asked.question))
                .expect("drawn from this lesson");
            ExamQuestion {
                lesson,
                question,
                order: asked.order,
                given: None,
            }
        })
        .collect();
    let limit = Duration::from_secs(exam::MINUTES * 60);
    let seed = browser.seed;
    browser.seed = browser.seed.wrapping_add(1);
    browser.screen = Screen::Exam(BrowserExam {
        seed,
        questions,
        current: 0,
        input: String::new(),
        error: None,
        limit,
        ends_at: browser.clock.now() + limit,
        state: ExamState::Sitting { confirm: false },
        recorded: false,
    });
}

/// Whether an exam is being sat and its time is up.
fn exam_time_up(browser: &Browser) -> bool {
    matches!(
        &browser.screen,
        Screen::Exam(exam)
            if matches!(exam.state, ExamState::Sitting { .. })
                && exam.left(browser.clock.as_ref()).is_zero()
    )
}

/// Hands the exam in: the result is shown, and recorded as one session of the progress, as
/// `ksim exam` records it (a missed question goes back to the first box and comes first in
/// the next quiz), once.
fn finish_exam(browser: &mut Browser, timed_out: bool) {
    let Screen::Exam(exam) = &mut browser.screen else {
        return;
    };
    if matches!(exam.state, ExamState::Sitting { .. }) {
        exam.state = ExamState::Done {
            timed_out,
            scroll: 0,
        };
        exam.input.clear();
        exam.error = None;
    }
    if exam.recorded {
        return;
    }
    exam.recorded = true;
    if browser.record {
        let results = exam::session_results(&exam.sat(&browser.catalogue));
        record(browser, &results);
    }
}

/// Records a session's answers in the progress and asks for it to be saved.
fn record(browser: &mut Browser, results: &[(String, bool)]) {
    browser.progress.record_session(results);
    browser.effects.push(Effect::SaveProgress);
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
        // `quiz` borrows the screen, so not through `record`.
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
        record(browser, &results);
    }
}
