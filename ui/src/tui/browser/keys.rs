//! The browser's key map, screen by screen, in the explorer's habits (j/k select, Enter opens,
//! Esc goes back, `?` helps, `q` quits). While the explorer plays a lesson, its own key map
//! applies, and q or Esc comes back here. The help window and the book (docs/src/lessons.md)
//! list these tables.

use crate::tui::key::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::BrowserAction;
use super::app::{Browser, ExamState, Screen};
use ksim_app::lesson::Lang;

/// A key and what it does, in English and Korean.
pub type KeyHelp = (&'static str, &'static str, &'static str);

pub const LIST_KEYS: &[KeyHelp] = &[
    ("j / k, ↓ / ↑", "select a lesson", "레슨 선택"),
    ("Home / End", "first / last lesson", "첫 / 마지막 레슨"),
    ("Enter / l / →", "open the lesson", "레슨 열기"),
    ("s", "play the lesson's scenario", "레슨의 시나리오 재생"),
    ("t", "the lesson's quiz", "레슨의 퀴즈"),
    (
        "e",
        "the mock exam: 60 questions, 90 minutes",
        "모의고사: 60문제, 90분",
    ),
    ("?", "this help", "이 도움말"),
    ("q / Ctrl-C", "quit", "종료"),
];

pub const LESSON_KEYS: &[KeyHelp] = &[
    ("j / k, ↓ / ↑", "scroll the text", "본문 스크롤"),
    ("n / p", "next / previous lesson", "다음 / 이전 레슨"),
    (
        "Enter / s",
        "play the scenario (q or Esc comes back)",
        "시나리오 재생 (q나 Esc로 돌아옴)",
    ),
    (
        "t",
        "answer the lesson's questions here",
        "레슨의 문제 풀기",
    ),
    (
        "e",
        "the mock exam: 60 questions, 90 minutes",
        "모의고사: 60문제, 90분",
    ),
    ("Esc / Backspace / h / ←", "back to the list", "목록으로"),
    ("?", "this help", "이 도움말"),
    ("q / Ctrl-C", "quit", "종료"),
];

pub const QUIZ_KEYS: &[KeyHelp] = &[
    (
        "1-9",
        "type a choice's number (two for choose-two: 2 4)",
        "보기 번호 입력 (두 개 고르기: 2 4)",
    ),
    ("Backspace", "erase", "지우기"),
    (
        "Enter",
        "answer, then the next question",
        "답하기, 다음 문제",
    ),
    ("Esc", "back to the lesson", "레슨으로"),
    ("?", "this help", "이 도움말"),
    ("q / Ctrl-C", "quit", "종료"),
];

pub const EXAM_KEYS: &[KeyHelp] = &[
    (
        "1-9",
        "type a choice's number (two or three: 2 4)",
        "보기 번호 입력 (두세 개: 2 4)",
    ),
    ("Backspace", "erase", "지우기"),
    (
        "Enter",
        "keep the answer, then the next question",
        "답을 두고 다음 문제로",
    ),
    (
        "→ / n / s",
        "next question (skips it)",
        "다음 문제 (건너뛰기)",
    ),
    ("← / p", "previous question", "이전 문제"),
    (
        "Del / x",
        "clear the question's answer",
        "이 문제의 답 지우기",
    ),
    (
        "Esc",
        "hand in (asks first; Enter hands in)",
        "제출 (먼저 묻고 Enter로 제출)",
    ),
    ("?", "this help", "이 도움말"),
    ("q / Ctrl-C", "hand in and quit", "제출하고 종료"),
];

pub const EXAM_RESULT_KEYS: &[KeyHelp] = &[
    ("j / k, ↓ / ↑", "scroll the result", "결과 스크롤"),
    ("PgDn / PgUp", "a page down / up", "한 쪽 아래 / 위"),
    ("Home / End", "top / bottom", "처음 / 끝"),
    ("Enter / Esc", "back to the list", "목록으로"),
    ("?", "this help", "이 도움말"),
    ("q / Ctrl-C", "quit", "종료"),
];

/// The keys of the screen shown.
pub fn keys_of(browser: &Browser) -> &'static [KeyHelp] {
    match &browser.screen {
        Screen::List => LIST_KEYS,
        Screen::Lesson { .. } => LESSON_KEYS,
        Screen::Quiz(_) => QUIZ_KEYS,
        Screen::Exam(exam) => match exam.state {
            ExamState::Sitting { .. } => EXAM_KEYS,
            ExamState::Done { .. } => EXAM_RESULT_KEYS,
        },
    }
}

pub fn describe(help: &KeyHelp, lang: Lang) -> &'static str {
    lang.pick(help.1, help.2)
}

pub fn action_for(browser: &Browser, key: KeyEvent) -> Option<BrowserAction> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return Some(BrowserAction::Quit);
    }
    if let Some(explorer) = &browser.explorer {
        return crate::tui::keys::action_for(explorer, key).map(BrowserAction::Explorer);
    }
    if browser.help {
        return match key.code {
            KeyCode::Char('q') => Some(BrowserAction::Quit),
            KeyCode::Char('?') => Some(BrowserAction::Help),
            KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace => Some(BrowserAction::Back),
            _ => None,
        };
    }
    let shared = match key.code {
        KeyCode::Char('q') => Some(BrowserAction::Quit),
        KeyCode::Char('?') => Some(BrowserAction::Help),
        _ => None,
    };
    if shared.is_some() {
        return shared;
    }
    Some(match (&browser.screen, key.code) {
        (Screen::Quiz(_), KeyCode::Char(c)) => BrowserAction::Type(c),
        (Screen::Quiz(_), KeyCode::Backspace) => BrowserAction::Erase,
        (Screen::Quiz(_), KeyCode::Enter) => BrowserAction::Submit,
        (Screen::Quiz(_), KeyCode::Esc) => BrowserAction::Back,
        (Screen::Quiz(_), _) => return None,
        (Screen::Exam(exam), code) => return exam_key(&exam.state, code),
        (_, KeyCode::Down | KeyCode::Char('j')) => BrowserAction::Down,
        (_, KeyCode::Up | KeyCode::Char('k')) => BrowserAction::Up,
        (_, KeyCode::Char('s')) => BrowserAction::Play,
        (_, KeyCode::Char('t')) => BrowserAction::StartQuiz,
        (_, KeyCode::Char('e')) => BrowserAction::StartExam,
        (Screen::List, KeyCode::Home) => BrowserAction::First,
        (Screen::List, KeyCode::End) => BrowserAction::Last,
        (Screen::List, KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right) => BrowserAction::Open,
        (Screen::Lesson { .. }, KeyCode::Enter) => BrowserAction::Play,
        (Screen::Lesson { .. }, KeyCode::Char('n')) => BrowserAction::NextLesson,
        (Screen::Lesson { .. }, KeyCode::Char('p')) => BrowserAction::PreviousLesson,
        (
            Screen::Lesson { .. },
            KeyCode::Esc | KeyCode::Backspace | KeyCode::Char('h') | KeyCode::Left,
        ) => BrowserAction::Back,
        _ => return None,
    })
}

/// The exam's keys: digits answer and letters move while it is sat; the result scrolls.
fn exam_key(state: &ExamState, code: KeyCode) -> Option<BrowserAction> {
    Some(match (state, code) {
        (ExamState::Sitting { .. }, KeyCode::Char(c))
            if c.is_ascii_digit() || matches!(c, ',' | ' ' | '+') =>
        {
            BrowserAction::Type(c)
        }
        (ExamState::Sitting { .. }, KeyCode::Backspace) => BrowserAction::Erase,
        (ExamState::Sitting { .. }, KeyCode::Enter) => BrowserAction::Submit,
        (ExamState::Sitting { .. }, KeyCode::Right | KeyCode::Char('n') | KeyCode::Char('s')) => {
            BrowserAction::NextQuestion
        }
        (ExamState::Sitting { .. }, KeyCode::Left | KeyCode::Char('p')) => {
            BrowserAction::PreviousQuestion
        }
        (ExamState::Sitting { .. }, KeyCode::Delete | KeyCode::Char('x')) => {
            BrowserAction::ClearAnswer
        }
        (ExamState::Sitting { .. }, KeyCode::Esc) => BrowserAction::Back,
        (ExamState::Done { .. }, KeyCode::Down | KeyCode::Char('j')) => BrowserAction::Down,
        (ExamState::Done { .. }, KeyCode::Up | KeyCode::Char('k')) => BrowserAction::Up,
        (ExamState::Done { .. }, KeyCode::PageDown | KeyCode::Char(' ')) => BrowserAction::PageDown,
        (ExamState::Done { .. }, KeyCode::PageUp) => BrowserAction::PageUp,
        (ExamState::Done { .. }, KeyCode::Home) => BrowserAction::First,
        (ExamState::Done { .. }, KeyCode::End) => BrowserAction::Last,
        (ExamState::Done { .. }, KeyCode::Enter | KeyCode::Esc) => BrowserAction::Back,
        _ => return None,
    })
}
