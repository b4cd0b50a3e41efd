//! Screen tests of the lesson browser on ratatui's `TestBackend`, driven by actions over the
//! test fixture lessons (`ui/tests/fixtures/lessons`): the list, a lesson in both languages,
//! the inline quiz, the mock exam and its result, a scenario played in the explorer and back;
//! the key-map tests send keys.

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use crate::tui::key::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use unicode_width::UnicodeWidthStr;

use super::action::BrowserAction;
use super::app::{Browser, BrowserExam, Clock, Effect, ExamState, QuizState, Screen};
use super::keys::{EXAM_KEYS, EXAM_RESULT_KEYS, LESSON_KEYS, LIST_KEYS, QUIZ_KEYS, action_for};
use super::update::update;
use super::{Calculator, perform};
use crate::progress::Progress;
use crate::tui::action::Action;
use ksim_app::lesson::{self, Lang};

/// The tests put a calculator's answer in by hand (`run_calculators` is off).
const NO_CALC: Calculator = |_, _| Err("the tests run no calculator".into());

fn browser(lang: Lang) -> Browser {
    // Relative to the package, where cargo runs tests, so that screens show short paths.
    let catalogue =
        lesson::load_dir(Path::new("tests/fixtures/lessons")).expect("the fixture lessons load");
    let mut browser = Browser::new(catalogue, lang, Progress::new(), true);
    browser.color = true;
    browser.seed = 7;
    browser
}

fn screen(browser: &Browser, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(browser, frame.area()))
        .unwrap();
    terminal.backend().to_string()
}

/// Every cell's symbol in a row, for sizes `TestBackend`'s printing cannot take (width 0).
fn cells(browser: &Browser, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(browser, frame.area()))
        .unwrap();
    terminal
        .backend()
        .buffer()
        .content
        .iter()
        .map(|cell| cell.symbol())
        .collect()
}

/// The rows of a `TestBackend` screen, as the terminal shows them.
fn rows(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.strip_prefix('"'))
        .filter_map(|line| line.strip_suffix('"'))
        .collect()
}

fn act(browser: &mut Browser, actions: &[BrowserAction]) {
    for action in actions {
        update(browser, action.clone());
        perform(browser, None, NO_CALC);
    }
}

// The list: areas in their order, each lesson with its facts, title, teach mode and progress
// (✓ seen, right of total, due again), the selected row marked; in English and Korean.
#[test]
fn list_with_progress() {
    for lang in [Lang::En, Lang::Ko] {
        let mut browser = browser(lang);
        browser
            .progress
            .lessons_seen
            .insert("F22-required-producer-configs".into());
        browser
            .progress
            .record_session(&[("F22-1".into(), false), ("F22-2".into(), true)]);
        act(
            &mut browser,
            &[BrowserAction::Down, BrowserAction::Resize(100, 30)],
        );
        let text = screen(&browser, 100, 30);
        let replication = text
            .find("Replication")
            .or_else(|| text.find("복제"))
            .unwrap();
        let producer = text
            .find("Producer")
            .or_else(|| text.find("프로듀서"))
            .unwrap();
        assert!(replication < producer, "areas in order:\n{text}");
        assert!(
            text.contains("▶ ✓ F22"),
            "the selected, seen lesson:\n{text}"
        );
        assert!(text.contains("1/2"), "one of two right:\n{text}");
        for row in rows(&text) {
            assert_eq!(row.width(), 100, "{row}");
        }
        assert_snapshot!(format!("list_{}", lang.code()), text);
    }
}

// A lesson: its text wrapped to the width, the note's correction, the scenario to play and the
// quiz count; Korean rows keep their width of 80 cells.
#[test]
fn lesson_view_in_both_languages() {
    for lang in [Lang::En, Lang::Ko] {
        let mut browser = browser(lang);
        browser.select("F22");
        act(
            &mut browser,
            &[BrowserAction::Resize(80, 24), BrowserAction::Open],
        );
        let text = screen(&browser, 80, 24);
        let (note, kafka) = match lang {
            Lang::En => ("The note says:", "Kafka really:"),
            Lang::Ko => ("노트의 내용:", "실제 Kafka:"),
        };
        assert!(text.contains(note) && text.contains(kafka), "{text}");
        assert!(text.contains("required-producer-configs.toml"), "{text}");
        for row in rows(&text) {
            assert_eq!(row.width(), 80, "{row}");
        }
        assert_snapshot!(format!("lesson_F22_{}", lang.code()), text);
    }
}

// Opening a lesson marks it seen and asks for a save; n and p open the next and the previous
// lesson in list order; Esc goes back to the list at the lesson last shown.
#[test]
fn open_next_previous_back() {
    let mut browser = browser(Lang::En);
    update(&mut browser, BrowserAction::Open);
    assert_eq!(browser.lesson().facts, ["F17"]);
    assert_eq!(browser.screen, Screen::Lesson { scroll: 0 });
    assert!(
        browser
            .progress
            .lessons_seen
            .contains("F17-acks-1-high-watermark")
    );
    assert_eq!(browser.effects, [Effect::SaveProgress]);
    update(&mut browser, BrowserAction::NextLesson);
    assert_eq!(browser.lesson().facts, ["F22"]);
    update(&mut browser, BrowserAction::NextLesson);
    assert_eq!(browser.lesson().facts, ["F29"]);
    // The last lesson has no next one.
    update(&mut browser, BrowserAction::NextLesson);
    assert_eq!(browser.lesson().facts, ["F29"]);
    update(&mut browser, BrowserAction::PreviousLesson);
    assert_eq!(browser.lesson().facts, ["F22"]);
    assert_eq!(browser.progress.lessons_seen.len(), 3);
    update(&mut browser, BrowserAction::Back);
    assert_eq!(browser.screen, Screen::List);
    assert_eq!(browser.lesson().facts, ["F22"]);
    // Scrolling stops at the end of the text.
    update(&mut browser, BrowserAction::Open);
    for _ in 0..50 {
        update(&mut browser, BrowserAction::Down);
    }
    let Screen::Lesson { scroll } = browser.screen else {
        panic!("a lesson is shown");
    };
    assert!(scroll < 5, "{scroll}");
}

// With --no-save nothing is recorded and nothing is saved.
#[test]
fn no_save_records_nothing() {
    let mut browser = browser(Lang::En);
    browser.record = false;
    act(
        &mut browser,
        &[BrowserAction::Open, BrowserAction::StartQuiz],
    );
    act(
        &mut browser,
        &[BrowserAction::Type('1'), BrowserAction::Submit],
    );
    act(&mut browser, &[BrowserAction::Back]);
    assert!(browser.effects.is_empty());
    assert_eq!(browser.progress, Progress::new());
    assert!(screen(&browser, 100, 30).contains("not saved (--no-save)"));
}

/// The answer to the question on screen, right or wrong, as typed keys.
fn answer(browser: &Browser, right: bool) -> Vec<BrowserAction> {
    let Screen::Quiz(quiz) = &browser.screen else {
        panic!("the quiz is shown");
    };
    let asked = quiz.asked(browser.lesson(), quiz.current);
    let shown = asked.shown_answer();
    let numbers: Vec<usize> = if right {
        shown
    } else {
        (1..=asked.order.len())
            .filter(|n| !shown.contains(n))
            .take(shown.len())
            .collect()
    };
    let typed: Vec<String> = numbers.iter().map(usize::to_string).collect();
    let mut actions: Vec<BrowserAction> =
        typed.join(" ").chars().map(BrowserAction::Type).collect();
    actions.push(BrowserAction::Submit);
    actions
}

// The inline quiz: a question with its numbered choices, an answer that does not fit asked
// again, the verdict with the explanation, the score, and the answers recorded in the
// progress as one session, as `ksim quiz` records them.
#[test]
fn inline_quiz() {
    for lang in [Lang::En, Lang::Ko] {
        let mut browser = browser(lang);
        browser.select("F22");
        act(
            &mut browser,
            &[BrowserAction::Open, BrowserAction::StartQuiz],
        );
        browser.effects.clear();
        let first = screen(&browser, 80, 24);
        assert!(first.contains(" 1. ") && first.contains(" 4. "), "{first}");
        assert_snapshot!(format!("quiz_question_{}", lang.code()), first);
        // A choice that is not shown is refused, with why.
        act(
            &mut browser,
            &[BrowserAction::Type('9'), BrowserAction::Submit],
        );
        assert!(matches!(
            &browser.screen,
            Screen::Quiz(quiz) if matches!(quiz.state, QuizState::Answering { error: Some(_) })
        ));
        act(&mut browser, &[BrowserAction::Erase]);
        let wrong = answer(&browser, false);
        act(&mut browser, &wrong);
        let verdict = screen(&browser, 80, 24);
        assert!(verdict.contains('✗'), "{verdict}");
        assert_snapshot!(format!("quiz_wrong_{}", lang.code()), verdict);
        act(&mut browser, &[BrowserAction::Submit]);
        let right = answer(&browser, true);
        act(&mut browser, &right);
        assert!(screen(&browser, 80, 24).contains('✓'));
        assert_eq!(browser.progress.sessions, 0, "recorded only at the end");
        update(&mut browser, BrowserAction::Submit);
        let done = screen(&browser, 80, 24);
        assert_snapshot!(format!("quiz_score_{}", lang.code()), done);
        assert_eq!(browser.effects, [Effect::SaveProgress]);
        assert_eq!(browser.progress.sessions, 1);
        let records: Vec<(u64, u64)> = ["F22-1", "F22-2"]
            .iter()
            .map(|id| {
                let record = &browser.progress.questions[*id];
                (record.right, record.wrong)
            })
            .collect();
        assert_eq!(records.iter().map(|r| r.0 + r.1).sum::<u64>(), 2);
        assert_eq!(records.iter().map(|r| r.0).sum::<u64>(), 1);
        act(&mut browser, &[BrowserAction::Submit]);
        assert_eq!(browser.screen, Screen::Lesson { scroll: 0 });
        assert_eq!(browser.progress.sessions, 1, "recorded once");
    }
}

// Leaving the quiz early records the answers given so far.
#[test]
fn leaving_the_quiz_records_what_was_answered() {
    let mut browser = browser(Lang::En);
    act(&mut browser, &[BrowserAction::StartQuiz]);
    let right = answer(&browser, true);
    act(&mut browser, &right);
    act(&mut browser, &[BrowserAction::Back]);
    assert_eq!(browser.progress.sessions, 1);
    assert_eq!(browser.progress.questions["F17-1"].right, 1);
}

// Enter on a lesson with a scenario plays it in the explorer, which gets the keys; q or Esc
// comes back to the browser at the same lesson. A lesson without one says so.
#[test]
fn play_the_scenario_and_come_back() {
    let mut browser = browser(Lang::En);
    act(
        &mut browser,
        &[BrowserAction::Resize(100, 30), BrowserAction::Open],
    );
    act(&mut browser, &[BrowserAction::Play]);
    let explorer = browser.explorer.as_ref().expect("the explorer is open");
    assert!(explorer.scenario.name.starts_with("acks=1 loses"));
    let text = screen(&browser, 100, 30);
    assert!(text.contains("ksim │"), "{text}");
    let key = |browser: &Browser, code| {
        action_for(browser, KeyEvent::new(code, KeyModifiers::NONE)).unwrap()
    };
    let end = key(&browser, KeyCode::End);
    assert_eq!(end, BrowserAction::Explorer(Action::End));
    act(&mut browser, &[end]);
    // The explorer's help closes with Esc and stays in the explorer.
    act(&mut browser, &[BrowserAction::Explorer(Action::Help)]);
    act(&mut browser, &[BrowserAction::Explorer(Action::Escape)]);
    assert!(browser.explorer.is_some());
    act(&mut browser, &[BrowserAction::Explorer(Action::Escape)]);
    assert!(browser.explorer.is_none());
    assert_eq!(browser.screen, Screen::Lesson { scroll: 0 });
    assert_eq!(browser.lesson().facts, ["F17"]);
    act(&mut browser, &[BrowserAction::Play]);
    let quit = key(&browser, KeyCode::Char('q'));
    act(&mut browser, &[quit]);
    assert!(browser.explorer.is_none());
    assert!(!browser.quit);
    // F29 is a calculator lesson: nothing to play.
    browser.select("F29");
    act(&mut browser, &[BrowserAction::Play]);
    assert!(browser.explorer.is_none());
    assert!(screen(&browser, 100, 30).contains("this lesson has no scenario to play"));
}

// Opening a CALC lesson asks for its calculator's answer, and the lesson shows it under the
// command (the real browser runs ksim; here the answer is put in by hand).
#[test]
fn a_calc_lesson_shows_its_answer() {
    let mut browser = browser(Lang::En);
    browser.select("F29");
    update(&mut browser, BrowserAction::Open);
    assert!(browser.effects.contains(&Effect::Calculate));
    perform(&mut browser, None, NO_CALC);
    let file = browser.lesson().file.clone();
    browser.calc_answers.insert(
        file,
        Ok("tasks that run: 3 = min(3 tables, tasks.max 5) (F29)".into()),
    );
    let text = screen(&browser, 100, 30);
    assert!(
        text.contains("│ tasks that run: 3 = min(3 tables"),
        "{text}"
    );
}

// Every key of each screen's help maps to the action it promises.
#[test]
fn key_map() {
    let mut browser = browser(Lang::En);
    fn key(browser: &Browser, code: KeyCode) -> Option<BrowserAction> {
        action_for(browser, KeyEvent::new(code, KeyModifiers::NONE))
    }
    use BrowserAction as A;
    let list = [
        (KeyCode::Char('j'), A::Down),
        (KeyCode::Down, A::Down),
        (KeyCode::Char('k'), A::Up),
        (KeyCode::Up, A::Up),
        (KeyCode::Home, A::First),
        (KeyCode::End, A::Last),
        (KeyCode::Enter, A::Open),
        (KeyCode::Char('l'), A::Open),
        (KeyCode::Right, A::Open),
        (KeyCode::Char('s'), A::Play),
        (KeyCode::Char('t'), A::StartQuiz),
        (KeyCode::Char('?'), A::Help),
        (KeyCode::Char('q'), A::Quit),
    ];
    for (code, action) in list {
        assert_eq!(key(&browser, code), Some(action), "list: {code:?}");
    }
    assert_eq!(
        action_for(
            &browser,
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ),
        Some(A::Quit)
    );
    assert_eq!(key(&browser, KeyCode::Char('z')), None);
    update(&mut browser, A::Open);
    let lesson = [
        (KeyCode::Char('j'), A::Down),
        (KeyCode::Char('k'), A::Up),
        (KeyCode::Char('n'), A::NextLesson),
        (KeyCode::Char('p'), A::PreviousLesson),
        (KeyCode::Enter, A::Play),
        (KeyCode::Char('s'), A::Play),
        (KeyCode::Char('t'), A::StartQuiz),
        (KeyCode::Esc, A::Back),
        (KeyCode::Backspace, A::Back),
        (KeyCode::Char('h'), A::Back),
        (KeyCode::Left, A::Back),
        (KeyCode::Char('?'), A::Help),
        (KeyCode::Char('q'), A::Quit),
    ];
    for (code, action) in lesson {
        assert_eq!(key(&browser, code), Some(action), "lesson: {code:?}");
    }
    update(&mut browser, A::StartQuiz);
    let quiz = [
        (KeyCode::Char('2'), A::Type('2')),
        (KeyCode::Char(' '), A::Type(' ')),
        (KeyCode::Backspace, A::Erase),
        (KeyCode::Enter, A::Submit),
        (KeyCode::Esc, A::Back),
        (KeyCode::Char('?'), A::Help),
        (KeyCode::Char('q'), A::Quit),
    ];
    for (code, action) in quiz {
        assert_eq!(key(&browser, code), Some(action), "quiz: {code:?}");
    }
    // The exam: digits answer, letters move; after it is handed in, its result scrolls.
    update(&mut browser, A::Back);
    assert_eq!(key(&browser, KeyCode::Char('e')), Some(A::StartExam));
    update(&mut browser, A::StartExam);
    let exam = [
        (KeyCode::Char('3'), A::Type('3')),
        (KeyCode::Char(','), A::Type(',')),
        (KeyCode::Backspace, A::Erase),
        (KeyCode::Enter, A::Submit),
        (KeyCode::Right, A::NextQuestion),
        (KeyCode::Char('n'), A::NextQuestion),
        (KeyCode::Char('s'), A::NextQuestion),
        (KeyCode::Left, A::PreviousQuestion),
        (KeyCode::Char('p'), A::PreviousQuestion),
        (KeyCode::Delete, A::ClearAnswer),
        (KeyCode::Char('x'), A::ClearAnswer),
        (KeyCode::Esc, A::Back),
        (KeyCode::Char('?'), A::Help),
        (KeyCode::Char('q'), A::Quit),
    ];
    for (code, action) in exam {
        assert_eq!(key(&browser, code), Some(action), "exam: {code:?}");
    }
    assert_eq!(key(&browser, KeyCode::Char('z')), None);
    update(&mut browser, A::Back);
    update(&mut browser, A::Submit);
    let result = [
        (KeyCode::Char('j'), A::Down),
        (KeyCode::Down, A::Down),
        (KeyCode::Char('k'), A::Up),
        (KeyCode::Up, A::Up),
        (KeyCode::PageDown, A::PageDown),
        (KeyCode::PageUp, A::PageUp),
        (KeyCode::Home, A::First),
        (KeyCode::End, A::Last),
        (KeyCode::Enter, A::Back),
        (KeyCode::Esc, A::Back),
        (KeyCode::Char('?'), A::Help),
        (KeyCode::Char('q'), A::Quit),
    ];
    for (code, action) in result {
        assert_eq!(key(&browser, code), Some(action), "exam result: {code:?}");
    }
    update(&mut browser, A::Back);
    update(&mut browser, A::Open);
    update(&mut browser, A::StartQuiz);
    // With help open, ? and Esc close it.
    update(&mut browser, A::Help);
    assert_eq!(key(&browser, KeyCode::Esc), Some(A::Back));
    assert_eq!(key(&browser, KeyCode::Char('?')), Some(A::Help));
    assert_eq!(key(&browser, KeyCode::Char('2')), None);
}

// Help lists every key of the screen it opens over, and closes with ?.
#[test]
fn help_lists_the_keys_of_each_screen() {
    let mut browser = browser(Lang::En);
    use BrowserAction as A;
    for (keys, to) in [
        (LIST_KEYS, vec![]),
        (LESSON_KEYS, vec![A::Open]),
        (QUIZ_KEYS, vec![A::StartQuiz]),
        // From the quiz back to the lesson, then the exam; Esc and Enter hand it in.
        (EXAM_KEYS, vec![A::Back, A::StartExam]),
        (EXAM_RESULT_KEYS, vec![A::Back, A::Submit]),
    ] {
        for action in &to {
            update(&mut browser, action.clone());
        }
        update(&mut browser, A::Help);
        let text = screen(&browser, 100, 30);
        for (key, what, _) in keys {
            assert!(text.contains(key), "{key} missing from\n{text}");
            assert!(text.contains(what), "{what} missing from\n{text}");
        }
        if to.is_empty() {
            assert_snapshot!("help_list", text);
        }
        update(&mut browser, A::Help);
        assert!(!browser.help);
    }
}

// No size panics, on any screen, help open or not; below 80x24 the screen says it is too
// small.
#[test]
fn tiny_and_odd_sizes() {
    let sizes = [
        (0, 0),
        (1, 1),
        (10, 3),
        (79, 23),
        (80, 23),
        (79, 24),
        (80, 24),
        (200, 60),
        (3, 100),
        (500, 5),
    ];
    for lang in [Lang::En, Lang::Ko] {
        let mut browser = browser(lang);
        browser.select("F22");
        // The list, a lesson, its quiz, the exam sat, asking to hand in, and its result.
        for to in [
            vec![],
            vec![BrowserAction::Open],
            vec![BrowserAction::StartQuiz],
            vec![BrowserAction::Back, BrowserAction::StartExam],
            vec![BrowserAction::Back],
            vec![BrowserAction::Submit],
        ] {
            for action in to {
                update(&mut browser, action);
            }
            for (width, height) in sizes {
                update(&mut browser, BrowserAction::Resize(width, height));
                update(&mut browser, BrowserAction::Down);
                for help in [false, true] {
                    browser.help = help;
                    let text = cells(&browser, width, height);
                    if (width < 80 || height < 24) && width >= 40 {
                        assert!(text.contains("too small"), "{width}x{height}: {text}");
                    }
                }
                browser.help = false;
            }
        }
    }
    // The explorer opened from a lesson, resized while playing.
    let mut browser = browser(Lang::En);
    act(&mut browser, &[BrowserAction::Play]);
    assert!(browser.explorer.is_some());
    act(&mut browser, &[BrowserAction::Explorer(Action::TogglePlay)]);
    for (width, height) in sizes {
        act(
            &mut browser,
            &[
                BrowserAction::Resize(width, height),
                BrowserAction::Explorer(Action::Tick),
            ],
        );
        let text = cells(&browser, width, height);
        if (width < 80 || height < 24) && width >= 40 {
            assert!(text.contains("too small"), "{width}x{height}: {text}");
        }
    }
    act(&mut browser, &[BrowserAction::Explorer(Action::Quit)]);
    update(&mut browser, BrowserAction::Resize(79, 23));
    assert_snapshot!("too_small_79x23", screen(&browser, 79, 23));
}

// Every lesson shipped in scenarios/lessons shows in the list and opens without a panic, in
// both languages, at the smallest size.
#[test]
fn every_shipped_lesson_opens() {
    let catalogue = lesson::load_dir(&lesson::default_dir()).expect("the shipped lessons load");
    let count = catalogue.lessons.len();
    for lang in [Lang::En, Lang::Ko] {
        let mut browser = Browser::new(catalogue.clone(), lang, Progress::new(), false);
        update(&mut browser, BrowserAction::Resize(80, 24));
        update(&mut browser, BrowserAction::Open);
        for _ in 0..count {
            let text = screen(&browser, 80, 24);
            for row in rows(&text) {
                assert_eq!(row.width(), 80, "{}: {row}", browser.lesson().file);
            }
            update(&mut browser, BrowserAction::NextLesson);
        }
        assert_eq!(browser.selected, count - 1);
    }
}

// The book's lesson chapters, in English and in Korean, list every key of every screen of the
// lesson browser.
#[test]
fn the_book_lists_every_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for chapter in ["docs/src/lessons.md", "docs/src/ko/lessons.md"] {
        let text = std::fs::read_to_string(root.join(chapter)).unwrap();
        for (key, _, _) in LIST_KEYS
            .iter()
            .chain(LESSON_KEYS)
            .chain(QUIZ_KEYS)
            .chain(EXAM_KEYS)
            .chain(EXAM_RESULT_KEYS)
        {
            assert!(
                text.contains(&format!("| `{key}` |")),
                "{chapter} has no row for {key}"
            );
        }
    }
}

// The run loop's effects: opening a lesson saves the progress file where it is told to, and a
// scenario that cannot be read is told in the footer, not fatal.
#[test]
fn effects_save_progress_and_report_failures() {
    let dir = std::env::temp_dir().join(format!("ksim-browser-save-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("ksim/progress.json");
    let mut browser = browser(Lang::En);
    update(&mut browser, BrowserAction::Open);
    perform(&mut browser, Some(&path), NO_CALC);
    let saved = crate::progress::load(&path, false).unwrap().progress;
    assert!(saved.lessons_seen.contains("F17-acks-1-high-watermark"));
    browser
        .effects
        .push(Effect::Play("no/such/scenario.toml".into()));
    perform(&mut browser, Some(&path), NO_CALC);
    assert!(browser.explorer.is_none());
    let text = screen(&browser, 100, 30);
    assert!(text.contains("no/such/scenario.toml"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

// A lesson that is its own scenario plays with its questions: the answer given at its `ask`
// counts in the progress as one quiz session when the explorer closes, and the narration
// comes in the chosen language.
#[test]
fn answers_at_an_ask_count_in_progress() {
    let dir = std::env::temp_dir().join(format!("ksim-browser-ask-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("F36-predict-then-watch.toml"),
        crate::tui::ask::tests::LESSON,
    )
    .unwrap();
    let catalogue = lesson::load_dir(&dir).expect("the lesson loads");
    let mut browser = Browser::new(catalogue, Lang::Ko, Progress::new(), true);
    act(
        &mut browser,
        &[
            BrowserAction::Resize(100, 30),
            BrowserAction::Open,
            BrowserAction::Play,
        ],
    );
    let explorer = browser
        .explorer
        .as_ref()
        .expect("the explorer plays the lesson");
    assert!(explorer.lesson.is_some());
    act(
        &mut browser,
        &[BrowserAction::Explorer(Action::StepForward)],
    );
    assert!(
        screen(&browser, 100, 30).contains("브로커 세 대"),
        "Korean narration"
    );
    act(&mut browser, &[BrowserAction::Explorer(Action::TogglePlay)]);
    for _ in 0..100 {
        act(&mut browser, &[BrowserAction::Explorer(Action::Tick)]);
    }
    let explorer = browser.explorer.as_ref().unwrap();
    assert!(matches!(
        explorer.overlay,
        Some(crate::tui::app::Overlay::Ask { .. })
    ));
    act(
        &mut browser,
        &[
            BrowserAction::Explorer(Action::Type('2')),
            BrowserAction::Explorer(Action::Enter),
        ],
    );
    assert_eq!(
        browser.progress.sessions, 0,
        "recorded when the explorer closes"
    );
    update(&mut browser, BrowserAction::Explorer(Action::Quit));
    assert!(browser.explorer.is_none());
    assert_eq!(browser.effects, [Effect::SaveProgress]);
    assert_eq!(browser.progress.sessions, 1);
    assert_eq!(browser.progress.questions["F36-9"].right, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A clock the test moves by hand, shared with the browser that reads it.
#[derive(Clone, Default)]
struct TestClock(Rc<Cell<Duration>>);

impl TestClock {
    fn advance(&self, by: Duration) {
        self.0.set(self.0.get() + by);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Duration {
        self.0.get()
    }
}

/// A browser with a hand-moved clock.
fn exam_browser(lang: Lang) -> (Browser, TestClock) {
    let mut browser = browser(lang);
    let clock = TestClock::default();
    browser.clock = Box::new(clock.clone());
    (browser, clock)
}

fn sitting(browser: &Browser) -> &BrowserExam {
    match &browser.screen {
        Screen::Exam(exam) => exam,
        other => panic!("the exam is shown, not {other:?}"),
    }
}

/// A key pressed, through the key map.
fn press(browser: &mut Browser, code: KeyCode) {
    let action = action_for(browser, KeyEvent::new(code, KeyModifiers::NONE))
        .unwrap_or_else(|| panic!("{code:?} does something on this screen"));
    update(browser, action);
    perform(browser, None, NO_CALC);
}

/// The keys that answer the exam's question on screen, right or wrong.
fn exam_answer_keys(browser: &Browser, right: bool) -> Vec<KeyCode> {
    let exam = sitting(browser);
    let asked = exam.asked(&browser.catalogue, exam.current);
    let shown = asked.shown_answer();
    let numbers: Vec<usize> = if right {
        shown
    } else {
        (1..=asked.order.len())
            .filter(|n| !shown.contains(n))
            .take(shown.len())
            .collect()
    };
    let typed: Vec<String> = numbers.iter().map(usize::to_string).collect();
    let mut keys: Vec<KeyCode> = typed.join(" ").chars().map(KeyCode::Char).collect();
    keys.push(KeyCode::Enter);
    keys
}

// The exam's question and result screens at 80x24 and 200x50, in English and Korean: the
// countdown, which questions have an answer, no verdict while it is sat; then the score, pass
// or fail, the score per section and every explanation.
#[test]
fn exam_screens() {
    for lang in [Lang::En, Lang::Ko] {
        for (width, height) in [(80u16, 24u16), (200, 50)] {
            let (mut browser, clock) = exam_browser(lang);
            act(
                &mut browser,
                &[
                    BrowserAction::Resize(width, height),
                    BrowserAction::StartExam,
                ],
            );
            let keys = exam_answer_keys(&browser, true);
            for key in keys {
                press(&mut browser, key);
            }
            clock.advance(Duration::from_secs(61));
            let question = screen(&browser, width, height);
            let left = match lang {
                Lang::En => "88:59 left",
                Lang::Ko => "남은 시간 88:59",
            };
            assert!(question.contains(left), "{question}");
            assert!(
                !question.contains('✓') && !question.contains('✗'),
                "{question}"
            );
            for row in rows(&question) {
                assert_eq!(row.width(), width as usize, "{row}");
            }
            assert_snapshot!(
                format!("exam_question_{width}x{height}_{}", lang.code()),
                question
            );
            act(&mut browser, &[BrowserAction::Back, BrowserAction::Submit]);
            let result = screen(&browser, width, height);
            let fail = match lang {
                Lang::En => "FAIL: fewer than 70% right",
                Lang::Ko => "불합격: 정답 70% 미만",
            };
            assert!(result.contains(fail), "{result}");
            assert_snapshot!(
                format!("exam_result_{width}x{height}_{}", lang.code()),
                result
            );
        }
    }
}

// A whole exam driven with keys on a hand-moved clock: an answer that does not fit is refused,
// answers are kept without a verdict, one is changed, one cleared, one skipped; when the 90
// minutes are up the exam ends, the key pressed after counts for nothing, and the result
// scores every question (unanswered ones wrong) and records it as one session of the
// progress, the missed questions back in the first box, to come first in the next quiz.
#[test]
fn a_whole_exam_with_keys() {
    let (mut browser, clock) = exam_browser(Lang::En);
    act(&mut browser, &[BrowserAction::Resize(80, 24)]);
    press(&mut browser, KeyCode::Char('e'));
    let total = sitting(&browser).questions.len();
    assert_eq!(total, 4, "every fixture question, fewer than 60");
    assert_eq!(sitting(&browser).limit, Duration::from_secs(90 * 60));
    // A choice that is not shown is refused, with why, and the question stays.
    press(&mut browser, KeyCode::Char('9'));
    press(&mut browser, KeyCode::Enter);
    assert!(sitting(&browser).error.is_some());
    assert_eq!(sitting(&browser).current, 0);
    press(&mut browser, KeyCode::Backspace);
    // Question 1 wrong, question 2 right: no verdict, the next question each time.
    for right in [false, true] {
        for key in exam_answer_keys(&browser, right) {
            press(&mut browser, key);
        }
    }
    assert_eq!(sitting(&browser).current, 2);
    assert_eq!(sitting(&browser).answered(), 2);
    assert!(!screen(&browser, 80, 24).contains('✗'));
    // Back to question 1 and change its answer to the right one.
    press(&mut browser, KeyCode::Left);
    press(&mut browser, KeyCode::Char('p'));
    assert_eq!(sitting(&browser).current, 0);
    for key in exam_answer_keys(&browser, true) {
        press(&mut browser, key);
    }
    // Question 2 answered, then cleared: unanswered again.
    assert_eq!(sitting(&browser).current, 1);
    press(&mut browser, KeyCode::Char('x'));
    assert!(sitting(&browser).questions[1].given.is_none());
    // Question 3 skipped, question 4 answered wrong; Enter after the last question goes to
    // the first one still open.
    press(&mut browser, KeyCode::Right);
    press(&mut browser, KeyCode::Char('s'));
    assert_eq!(sitting(&browser).current, 3);
    for key in exam_answer_keys(&browser, false) {
        press(&mut browser, key);
    }
    assert_eq!(sitting(&browser).current, 1, "the first open question");
    assert_eq!(
        browser.progress.sessions, 0,
        "nothing recorded while it is sat"
    );
    // A minute before the end the clock shows it; then the time runs out, and the answer
    // typed after it does not count.
    clock.advance(Duration::from_secs(89 * 60));
    assert!(screen(&browser, 80, 24).contains("01:00 left"));
    clock.advance(Duration::from_secs(60));
    let late = exam_answer_keys(&browser, true);
    press(&mut browser, late[0]);
    let Screen::Exam(exam) = &browser.screen else {
        panic!("the result is shown");
    };
    assert_eq!(
        exam.state,
        ExamState::Done {
            timed_out: true,
            scroll: 0
        }
    );
    assert!(
        exam.questions[1].given.is_none(),
        "a late answer counts for nothing"
    );
    let result = screen(&browser, 80, 24);
    assert!(result.contains("time is up"), "{result}");
    assert!(result.contains("score: 1 of 4 right (25%)"), "{result}");
    assert!(result.contains("FAIL"), "{result}");
    // Recorded once, as `ksim exam` records: the one right answer up a box, the rest in box 1.
    assert_eq!(browser.progress.sessions, 1);
    let boxes: Vec<u32> = exam
        .questions
        .iter()
        .map(|q| {
            let id = &browser.catalogue.lessons[q.lesson].quiz[q.question].id;
            browser.progress.leitner_box(id)
        })
        .collect();
    assert_eq!(boxes, [2, 1, 1, 1]);
    // The next quiz of a lesson asks its missed question first.
    let missed = {
        let q = &exam.questions[1];
        browser.catalogue.lessons[q.lesson].quiz[q.question]
            .id
            .clone()
    };
    // The result scrolls to every explanation and back; Enter goes back to the list.
    press(&mut browser, KeyCode::End);
    let Screen::Exam(exam) = &browser.screen else {
        panic!("the result is shown");
    };
    let ExamState::Done { scroll, .. } = exam.state else {
        panic!("done");
    };
    assert!(scroll > 0);
    let bottom = screen(&browser, 80, 24);
    assert!(bottom.contains("progress recorded"), "{bottom}");
    assert!(
        bottom.contains("ksim exam --seed 7 sits the same exam again"),
        "{bottom}"
    );
    press(&mut browser, KeyCode::Home);
    press(&mut browser, KeyCode::Enter);
    assert_eq!(browser.screen, Screen::List);
    assert_eq!(browser.progress.sessions, 1, "recorded once");
    browser.select(missed.split('-').next().unwrap());
    press(&mut browser, KeyCode::Char('t'));
    let Screen::Quiz(quiz) = &browser.screen else {
        panic!("the quiz is shown");
    };
    assert_eq!(quiz.asked(browser.lesson(), 0).question.id, missed);
}

// Handing in asks first; Esc goes back to the exam; q hands it in and records it too.
#[test]
fn handing_in_asks_first() {
    let (mut browser, _clock) = exam_browser(Lang::Ko);
    act(
        &mut browser,
        &[BrowserAction::StartExam, BrowserAction::Back],
    );
    assert_eq!(
        sitting(&browser).state,
        ExamState::Sitting { confirm: true }
    );
    assert!(screen(&browser, 100, 30).contains("지금 제출할까요?"));
    act(&mut browser, &[BrowserAction::Back]);
    assert_eq!(
        sitting(&browser).state,
        ExamState::Sitting { confirm: false }
    );
    update(&mut browser, BrowserAction::Quit);
    assert!(browser.quit);
    assert_eq!(browser.progress.sessions, 1);
    assert_eq!(browser.effects, [Effect::SaveProgress]);
}

// On the shipped lessons the browser's exam is `ksim exam`'s: 60 questions, 15/21/12/12 by
// section, the same questions for the same seed.
#[test]
fn the_shipped_exam_is_drawn_to_the_weights() {
    let catalogue = lesson::load_dir(&lesson::default_dir()).expect("the shipped lessons load");
    let mut browser = Browser::new(catalogue, Lang::En, Progress::new(), false);
    browser.seed = 11;
    update(&mut browser, BrowserAction::StartExam);
    let exam = sitting(&browser);
    assert_eq!(exam.questions.len(), 60);
    let sat = exam.sat(&browser.catalogue);
    let drawn = ksim_app::exam::draw(&browser.catalogue, 11, 60);
    let ids = |asked: &[&ksim_app::quiz::Asked]| -> Vec<String> {
        asked.iter().map(|a| a.question.id.clone()).collect()
    };
    assert_eq!(
        ids(&sat.iter().map(|s| &s.asked).collect::<Vec<_>>()),
        ids(&drawn.iter().collect::<Vec<_>>())
    );
    let score = ksim_app::exam::score(&sat);
    let counts: Vec<usize> = score.sections.iter().map(|(_, _, n)| *n).collect();
    assert_eq!(counts, [15, 21, 12, 12]);
}
