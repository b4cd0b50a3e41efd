//! Predict, then watch, on ratatui's `TestBackend`: a small lesson-scenario asks a question
//! before its producer writes, and checks the answer a second later. Driven by actions; the
//! key-map entries of the question window send keys.

use crate::tui::key::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::{Answer, LessonPlay, answer_moments, ask_between};
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay};
use crate::tui::keys::action_for;
use crate::tui::update::update;
use ksim_app::lesson::{Lang, parse_lesson};

/// Replication factor 3, acks=all: the question asks how many replicas have a record when the
/// producer gets its answer; the check looks at the log end offsets after the write.
pub const LESSON: &str = r#"
name = "predict, then watch: acks=all waits for the ISR"
seed = 3
duration = "2s"

[lesson]
facts = ["F36"]
area = "replication"
teach = "sim"
title = { en = "acks=all waits for every in-sync replica", ko = "acks=all은 모든 ISR을 기다린다" }
text = { en = "With acks=all the leader answers once every in-sync replica has the record.", ko = "acks=all이면 리더는 모든 ISR replica가 레코드를 받은 뒤에 응답합니다." }

[cluster]
brokers = 3

[[topics]]
name = "orders"
partitions = 1
replication_factor = 3
replicas = [[1, 2, 3]]

[[producers]]
name = "app"
config = { "acks" = "all" }

[[steps]]
at = "0s"
say = { en = "Three brokers, one partition on all three.", ko = "브로커 세 대, 파티션 하나가 세 브로커 모두에 있습니다." }

[[steps]]
at = "100ms"
ask = "F36-9"

[[steps]]
at = "200ms"
produce = { producer = "app", topic = "orders", count = 2 }

[[quiz]]
id = "F36-9"
question = { en = "The producer (acks=all) gets its answer for 2 records. How many brokers have them?", ko = "acks=all producer가 레코드 2건에 대한 응답을 받았습니다. 몇 개의 브로커가 이 레코드를 갖고 있을까요?" }
choices = [
  { en = "Only the leader", ko = "리더만" },
  { en = "All three: the whole ISR", ko = "세 브로커 모두: ISR 전체" },
  { en = "Two: the leader and one follower", ko = "두 대: 리더와 follower 하나" },
  { en = "None yet: they are in the page cache", ko = "아직 없음: page cache에 있다" },
]
answer = [2]
explain = { en = "acks=all waits until every ISR member has fetched the record; with all three in the ISR, all three have it.", ko = "acks=all은 모든 ISR 멤버가 레코드를 가져갈 때까지 기다립니다. 세 브로커가 모두 ISR이면 셋 다 갖고 있습니다." }
check = [
  { at = "1s", producer = "app", acked = 2 },
  { at = "1s", partition = "orders-0", leo = { 1 = 2, 2 = 2, 3 = 2 } },
]
"#;

const FILE: &str = "F36-predict-then-watch.toml";

fn app(lang: Lang) -> App {
    let lesson = parse_lesson(LESSON, FILE, None).expect("the lesson parses");
    let scenario = ksim::scenario::parse(LESSON, FILE).expect("the scenario parses");
    let mut app = App::new(scenario, 3, 64);
    app.color = true;
    app.lang = lang.into();
    app.lesson = Some(LessonPlay::new(lesson, lang));
    update(&mut app, Action::Resize(100, 30));
    app
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    terminal.backend().to_string()
}

/// Plays (speed 20 events a tick) until the clock stops: at an ask, an answer or the end.
fn play(app: &mut App) {
    app.speed = 4;
    if !app.playing {
        update(app, Action::TogglePlay);
    }
    for _ in 0..10_000 {
        if !app.playing {
            return;
        }
        update(app, Action::Tick);
    }
    panic!("playing never stopped");
}

fn ask_index(app: &App) -> usize {
    let play = app.lesson.as_ref().unwrap();
    ask_between(play, app.timeline(), 0, app.timeline().len())
        .expect("the lesson asks")
        .0
}

// Playing stops at the ask and shows the question; a choice that is not shown is refused;
// the answer says "now watch" and plays on, stops again at the first check with the answer,
// and the narration line keeps it afterwards. In English and Korean.
#[test]
fn predict_then_watch() {
    for lang in [Lang::En, Lang::Ko] {
        let mut app = app(lang);
        play(&mut app);
        assert_eq!(app.cursor, ask_index(&app));
        assert!(matches!(&app.overlay, Some(Overlay::Ask { question, .. }) if question == "F36-9"));
        assert!(!app.playing);
        // Keys for the explorer are held while the question is open.
        update(&mut app, Action::StepForward);
        assert_eq!(app.cursor, ask_index(&app));
        update(&mut app, Action::Type('7'));
        update(&mut app, Action::Enter);
        let refused = screen(&app);
        assert!(
            refused.contains("1 to 4") || refused.contains("1부터 4"),
            "{refused}"
        );
        update(&mut app, Action::Backspace);
        update(&mut app, Action::Type('3'));
        // Nothing after the question shows before the answer: the event log ends at it.
        let asking = screen(&app);
        let cursor_line = asking
            .lines()
            .position(|l| l.contains('▶'))
            .expect("the cursor");
        assert!(
            !asking
                .lines()
                .skip(cursor_line + 1)
                .any(|l| l.contains("ms ")),
            "{asking}"
        );
        assert_snapshot!(format!("ask_{}", lang.code()), asking);
        update(&mut app, Action::Enter);
        assert!(app.overlay.is_none());
        assert!(app.playing);
        let status = app.status.clone().unwrap();
        assert!(status.contains("1000.000ms"), "{status}");
        let play_state = app.lesson.as_ref().unwrap();
        assert_eq!(
            play_state.answers.get("F36-9"),
            Some(&Answer {
                given: vec![3],
                right: false
            })
        );
        play(&mut app);
        assert!(matches!(&app.overlay, Some(Overlay::Answer { question }) if question == "F36-9"));
        let check = ksim::engine::time::SimTime::from_secs(1);
        let entries = &app.timeline().entries;
        assert!(entries[app.cursor].time <= check);
        assert!(entries.get(app.cursor + 1).is_none_or(|e| e.time > check));
        let answer = screen(&app);
        assert!(answer.contains("2. "), "{answer}");
        assert_snapshot!(format!("answer_{}", lang.code()), answer);
        update(&mut app, Action::Enter);
        assert!(app.overlay.is_none() && app.playing);
        play(&mut app);
        assert_eq!(app.cursor, app.timeline().len() - 1);
        let end = screen(&app);
        let callout = match lang {
            Lang::En => "answer at 1000.000ms: here is the answer: 2. All three",
            Lang::Ko => "1000.000ms: 정답: 2. 세 브로커 모두",
        };
        assert!(end.contains(callout), "{end}");
    }
}

// Seeking over an ask (Home, End, a click, g) does not ask; playing through it again asks
// again, and only the first answer counts. Esc skips the question and plays on.
#[test]
fn seeking_does_not_ask_playing_does() {
    let mut app = app(Lang::En);
    let ask = ask_index(&app);
    update(&mut app, Action::End);
    update(&mut app, Action::SeekTo(ask + 1));
    update(&mut app, Action::Home);
    update(&mut app, Action::SeekTo(ask));
    assert!(app.overlay.is_none());
    update(&mut app, Action::SeekTo(ask - 1));
    update(&mut app, Action::StepForward);
    assert!(matches!(app.overlay, Some(Overlay::Ask { .. })));
    update(&mut app, Action::Type('2'));
    update(&mut app, Action::Enter);
    assert_eq!(
        app.lesson.as_ref().unwrap().results(),
        [("F36-9".to_string(), true)]
    );
    update(&mut app, Action::Home);
    assert!(app.overlay.is_none());
    play(&mut app);
    assert!(matches!(app.overlay, Some(Overlay::Ask { .. })));
    update(&mut app, Action::Escape);
    assert!(app.playing);
    assert_eq!(
        app.status.as_deref(),
        Some("skipped; now watch: the answer shows at 1000.000ms")
    );
    assert_eq!(
        app.lesson.as_ref().unwrap().results(),
        [("F36-9".to_string(), true)]
    );
    // Without a lesson, an ask in the trace is only an event.
    let mut plain = app_without_lesson();
    play(&mut plain);
    assert_eq!(plain.cursor, plain.timeline().len() - 1);
    assert!(plain.overlay.is_none());
}

fn app_without_lesson() -> App {
    let scenario = ksim::scenario::parse(LESSON, FILE).unwrap();
    App::new(scenario, 3, 64)
}

// The first check of the asked question, at or after the ask, is where its answer shows.
#[test]
fn answer_moment_is_the_first_check() {
    let app = app(Lang::En);
    let moments = answer_moments(app.lesson.as_ref().unwrap(), &app.scenario, app.timeline());
    assert_eq!(moments.len(), 1);
    let moment = &moments[0];
    assert_eq!(moment.question, "F36-9");
    assert_eq!(moment.at, ksim::engine::time::SimTime::from_secs(1));
    let entries = &app.timeline().entries;
    assert!(entries[moment.index].time <= moment.at);
    assert!(
        entries
            .get(moment.index + 1)
            .is_none_or(|e| e.time > moment.at)
    );
}

// A check without `at` holds at the end of the run, even when the run's last event comes
// before its duration: F39-2 is checked at the end (8 s) and the last event is at about 6 s.
#[test]
fn a_check_at_the_end_has_its_answer_moment() {
    let path = "scenarios/lessons/F39-adding-partitions-moves-keys.toml";
    let text =
        std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let lesson = parse_lesson(&text, path, None).expect("the lesson parses");
    let scenario = ksim::scenario::parse(&text, path).expect("the scenario parses");
    let app = App::new(scenario, 59, 64);
    let play = LessonPlay::new(lesson, Lang::En);
    let moments = answer_moments(&play, &app.scenario, app.timeline());
    let moment = moments
        .iter()
        .find(|moment| moment.question == "F39-2")
        .expect("F39-2's answer has its moment");
    assert_eq!(moment.at, app.scenario.duration);
    assert_eq!(moment.index, app.timeline().len() - 1);
    assert!(app.timeline().entries[moment.index].time < moment.at);
}

// The question window takes every character as typing: q and digits are answers, not
// commands; Enter answers, Esc skips, Backspace erases.
#[test]
fn key_map_in_the_question() {
    let mut app = app(Lang::En);
    play(&mut app);
    let key = |code| action_for(&app, KeyEvent::new(code, KeyModifiers::NONE));
    assert_eq!(key(KeyCode::Char('2')), Some(Action::Type('2')));
    assert_eq!(key(KeyCode::Char('9')), Some(Action::Type('9')));
    assert_eq!(key(KeyCode::Char(' ')), Some(Action::Type(' ')));
    assert_eq!(key(KeyCode::Char('q')), Some(Action::Type('q')));
    assert_eq!(key(KeyCode::Enter), Some(Action::Enter));
    assert_eq!(key(KeyCode::Esc), Some(Action::Escape));
    assert_eq!(key(KeyCode::Backspace), Some(Action::Backspace));
}

// `ksim tui` on a lesson file that is also a scenario finds its questions; on a plain
// scenario, none.
#[test]
fn ksim_tui_finds_the_lesson_of_a_lesson_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let lesson =
        crate::tui::lesson_in(&root.join("scenarios/lessons/F17-acks-1-high-watermark.toml"))
            .unwrap()
            .expect("F17 is a lesson and a scenario");
    assert!(lesson.quiz.iter().any(|question| question.id == "F17-2"));
    let plain =
        crate::tui::lesson_in(&root.join("scenarios/acks-1-loses-acked-record.toml")).unwrap();
    assert!(plain.is_none());
}
