//! Screen tests of the explorer on ratatui's `TestBackend`, driven by actions at chosen
//! moments of shipped scenarios; one key-map test sends keys.

use crate::tui::key::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::action::Action;
use super::app::{App, Overlay, Pace, View};
use super::keys::{KEYS, action_for};
use super::update::update;
use super::view::comparison;
use super::why::Notable;

fn app_for_text(text: &str, file: &str) -> App {
    let scenario = ksim::scenario::parse(text, file).expect("the scenario parses");
    let seed = scenario.seed.unwrap_or(1);
    let mut app = App::new(scenario, seed, 64);
    app.color = true;
    app
}

/// A shipped scenario, by its path from the repository root.
pub(crate) fn shipped(file: &str) -> ksim::scenario::Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(file);
    ksim::scenario::parse(&std::fs::read_to_string(path).unwrap(), file)
        .expect("the scenario parses")
}

fn app(file: &str) -> App {
    let scenario = shipped(file);
    let seed = scenario.seed.unwrap_or(1);
    let mut app = App::new(scenario, seed, 64);
    app.color = true;
    app
}

fn draw(app: &App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    terminal.backend().buffer().clone()
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    terminal.backend().to_string()
}

/// Steps with `]` until the cursor is on a notable event of this kind.
fn jump_to(app: &mut App, kind: Notable) {
    while !app
        .current()
        .notable
        .iter()
        .any(|&(i, n)| i == app.cursor && n == kind)
    {
        let before = app.cursor;
        update(app, Action::NextNotable);
        assert_ne!(app.cursor, before, "no {kind:?} event in the run");
    }
}

const ACKS_1: &str = "scenarios/acks-1-loses-acked-record.toml";

// The cluster view at the loss: the ghost cell, the HW and LEO of each replica, the ISR.
#[test]
fn cluster_view_at_the_loss() {
    let mut app = app(ACKS_1);
    jump_to(&mut app, Notable::Loss);
    assert_snapshot!("cluster_at_loss_100x30", screen(&app, 100, 30));
    assert_snapshot!("cluster_at_loss_80x24", screen(&app, 80, 24));
}

// The cluster view in the middle of a run with a partition: the isolated leader's extra
// records, the followers' HW behind it.
#[test]
fn cluster_view_during_the_partition() {
    let mut app = app(ACKS_1);
    jump_to(&mut app, Notable::Fault);
    for _ in 0..6 {
        update(&mut app, Action::StepForward);
    }
    assert_snapshot!(screen(&app, 100, 30));
}

// A consumer's position and lag per partition, and its lag over time as a sparkline.
#[test]
fn cluster_view_with_a_consumer() {
    let mut app = app("scenarios/lessons/F14-records-lag-max.toml");
    let middle = app.timeline().len() / 2;
    update(&mut app, Action::SeekTo(middle));
    let text = screen(&app, 100, 30);
    assert!(text.contains("consumer "), "{text}");
    assert!(text.contains(" lag "), "{text}");
    assert_snapshot!(text);
}

// A compacted log keeps its offsets: the removed ones show as gaps (·) in every replica's row,
// not as records shifted left (F53).
#[test]
fn cluster_view_shows_compaction_gaps() {
    let mut app = app("scenarios/lessons/F53-compaction-keeps-offsets.toml");
    let end = app.timeline().len() - 1;
    update(&mut app, Action::SeekTo(end));
    let text = screen(&app, 100, 30);
    let row = text
        .lines()
        .find(|line| line.contains(" b1  leader "))
        .expect("a leader row");
    assert!(row.contains('·'), "{text}");
    assert_snapshot!(text);
}

// The records view says which event acknowledged each record, and which records a group
// committed past without processing (at-most-once, F11).
#[test]
fn records_view_shows_acks_and_unprocessed_records() {
    let mut app = app("scenarios/lessons/F11-at-most-once.toml");
    update(&mut app, Action::NextView);
    let end = app.timeline().len() - 1;
    update(&mut app, Action::SeekTo(end));
    let text = screen(&app, 140, 40);
    assert!(text.contains(" acked "), "{text}");
    assert!(text.contains("never processed it"), "{text}");
}

// Enter on a lost record in the records view goes to the event that lost it.
#[test]
fn enter_on_a_record_goes_to_what_decided_it() {
    let mut app = app(ACKS_1);
    update(&mut app, Action::NextView);
    update(&mut app, Action::End);
    update(&mut app, Action::Type('3'));
    update(&mut app, Action::Enter);
    assert!(matches!(app.overlay, Some(Overlay::Details)));
    assert!(
        matches!(
            app.timeline().entries[app.cursor].event,
            ksim::kafka::trace::TraceEvent::RecordsLost { .. }
        ),
        "{:?}",
        app.timeline().entries[app.cursor].event
    );
}

// With keys spread over partitions a batch's records are not consecutive in the producer's
// numbering: each acknowledged record is decided by the acknowledgement of its own partition,
// at its own offset.
#[test]
fn decided_by_is_the_acknowledgement_of_the_records_own_batch() {
    let mut app = app("scenarios/lessons/F39-adding-partitions-moves-keys.toml");
    update(&mut app, Action::End);
    update(&mut app, Action::NextView);
    let ledger = app
        .ledger
        .clone()
        .expect("the records view computes the ledger");
    let mut checked = 0;
    for record in ledger.records.iter().filter(|r| r.offset.is_some()) {
        let index = app.record_events[&record.id];
        let ksim::kafka::trace::TraceEvent::ProduceAcked {
            partition,
            base,
            count,
            ..
        } = app.timeline().entries[index].event
        else {
            panic!(
                "{} decided by {:?}",
                record.value,
                app.timeline().entries[index].event
            );
        };
        let offset = record.offset.unwrap();
        assert_eq!(Some(partition), record.partition, "{}", record.value);
        assert!(
            (base.0..base.0 + u64::from(count)).contains(&offset),
            "{} at {offset} decided by an ack of {base:?}+{count}",
            record.value
        );
        checked += 1;
    }
    assert!(checked > 10, "only {checked} acknowledged records");
}

// The records view at the end, all fates and then only the lost one.
#[test]
fn records_view() {
    let mut app = app(ACKS_1);
    update(&mut app, Action::End);
    update(&mut app, Action::NextView);
    assert_eq!(app.view, View::Records);
    assert_snapshot!("records_all", screen(&app, 100, 30));
    update(&mut app, Action::Type('3'));
    let lost = screen(&app, 100, 30);
    assert!(lost.contains("fast-3"), "{lost}");
    assert!(!lost.contains("safe-3 "), "{lost}");
    assert_snapshot!("records_lost", lost);
}

// The selected record's key: as produced, and as each consumer received it.
#[test]
fn records_view_key_order() {
    let mut app = app("scenarios/lessons/F39-adding-partitions-moves-keys.toml");
    update(&mut app, Action::End);
    update(&mut app, Action::NextView);
    let text = screen(&app, 100, 30);
    assert!(text.contains("as produced:"), "{text}");
    assert!(text.contains("received it:"), "{text}");
    assert_snapshot!(text);
}

// The keys view after partitions were added: moved keys marked.
#[test]
fn keys_view_after_adding_partitions() {
    let mut app = app("scenarios/lessons/F39-adding-partitions-moves-keys.toml");
    update(&mut app, Action::End);
    update(&mut app, Action::NextView);
    update(&mut app, Action::NextView);
    assert_eq!(app.view, View::Keys);
    let text = screen(&app, 100, 30);
    assert!(text.contains("moved"), "{text}");
    assert_snapshot!(text);
}

// The groups view: members, generation, the rebalances and their reasons.
#[test]
fn groups_view() {
    let mut app = app("scenarios/lessons/F16-rebalance-triggers.toml");
    update(&mut app, Action::End);
    update(&mut app, Action::PreviousView);
    update(&mut app, Action::PreviousView);
    assert_eq!(app.view, View::Groups);
    let text = screen(&app, 100, 30);
    assert!(text.contains("generation"), "{text}");
    assert_snapshot!(text);
}

// Help lists every key of the key map.
#[test]
fn help_lists_every_key() {
    let mut app = app(ACKS_1);
    update(&mut app, Action::Help);
    let text = screen(&app, 100, 30);
    for (key, _, _) in KEYS {
        assert!(text.contains(key), "{key} missing from\n{text}");
    }
    assert_snapshot!(text);
}

// A what-if: power loss on broker 2 and 3 right after the partition heals... here simply a
// crash of the new leader's only in-sync follower at the cursor; the branch list compares.
#[test]
fn what_if_branch_and_comparison() {
    let mut app = app("scenarios/lessons/F17-acks-1-high-watermark.toml");
    let third = app.timeline().len() / 3;
    update(&mut app, Action::SeekTo(third));
    update(&mut app, Action::FaultMenu);
    assert_snapshot!("fault_menu", screen(&app, 100, 30));
    // The first item crashes broker 1.
    update(&mut app, Action::Enter);
    assert_eq!(app.branches.len(), 2);
    assert_eq!(app.branch, 1);
    assert!(app.current().name.starts_with("crash broker 1 at "));
    update(&mut app, Action::End);
    update(&mut app, Action::Branches);
    assert!(matches!(
        app.overlay,
        Some(Overlay::Branches { selected: 1 })
    ));
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("crash broker 1 at")
            && text.contains("compared with original")
            && text.contains("they diverge at event"),
        "{text}"
    );
    assert_snapshot!("branches", text);
    // Back to the original: its trace has no crash.
    update(&mut app, Action::Up);
    update(&mut app, Action::Enter);
    assert_eq!(app.branch, 0);
    assert!(
        !app.timeline()
            .entries
            .iter()
            .any(|e| matches!(e.event, ksim::kafka::trace::TraceEvent::Crash))
    );
}

// Comparing two branches names the acknowledged records only one of them lost: crashing the
// leader before anything is written avoids the original's loss.
#[test]
fn comparison_names_records_lost_in_one_branch_only() {
    let mut app = app(ACKS_1);
    update(&mut app, Action::FaultMenu);
    update(&mut app, Action::Enter);
    assert_eq!(app.branch, 1);
    assert_eq!(app.current().outcome.acked_lost, 0);
    update(&mut app, Action::Branches);
    update(&mut app, Action::Up);
    let text = comparison(&app, 0).join("\n");
    assert!(
        text.starts_with("original compared with crash broker 1 at"),
        "{text}"
    );
    assert!(
        text.contains("this branch lost 1 acknowledged record, the other did not: fast-3@"),
        "{text}"
    );
}

// The script's narration was written for the original run: in a what-if that lost nothing,
// "fast-3 is lost" is shown as the original run's words, not as this branch's truth.
#[test]
fn narration_in_a_what_if_is_marked_as_the_original_runs() {
    let mut app = app(ACKS_1);
    update(&mut app, Action::FaultMenu);
    update(&mut app, Action::Enter);
    update(&mut app, Action::End);
    assert_eq!(app.current().outcome.acked_lost, 0);
    let text = screen(&app, 100, 30);
    assert!(text.contains("fast-3 is lost"), "{text}");
    assert!(text.contains("the original run's say at"), "{text}");
    update(&mut app, Action::Branches);
    update(&mut app, Action::Up);
    update(&mut app, Action::Enter);
    assert_eq!(app.branch, 0);
    update(&mut app, Action::End);
    let text = screen(&app, 100, 30);
    assert!(text.contains("▌ say at"), "{text}");
    assert!(!text.contains("original run's say"), "{text}");
}

// Closing a what-if drops its recording (its worlds are freed, nothing else holds them), the
// explorer shows its parent, and the branches forked from it count as forked from that parent;
// the original cannot be closed. Past MAX_WHAT_IFS, a new what-if closes the oldest one.
#[test]
fn closing_a_what_if_releases_it_and_what_ifs_are_capped() {
    use super::update::MAX_WHAT_IFS;
    let mut app = app(ACKS_1);
    let what_if = |app: &mut App, at: usize| {
        update(app, Action::SeekTo(at));
        update(app, Action::FaultMenu);
        update(app, Action::Enter);
        while !app.record(1 << 16) {}
    };
    let len = app.timeline().len();
    what_if(&mut app, len / 4); // branch 1, from the original
    what_if(&mut app, len / 2); // branch 2, from branch 1
    assert_eq!(app.branches[2].parent, Some(1));
    let held = std::sync::Arc::downgrade(&app.branches[1].timeline.final_world);
    let child = app.branches[2].name.clone();
    // Close branch 1 from the branches window: `x` there is CloseBranch.
    update(&mut app, Action::Branches);
    update(&mut app, Action::Up);
    let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
    assert_eq!(action_for(&app, x), Some(Action::CloseBranch));
    update(&mut app, Action::CloseBranch);
    assert!(
        held.upgrade().is_none(),
        "the closed branch's worlds are freed"
    );
    assert_eq!(app.branches.len(), 2);
    assert_eq!(app.branches[1].name, child);
    assert_eq!(app.branches[1].parent, Some(0));
    assert_eq!(app.branch, 1, "the shown branch is still shown");
    assert!(matches!(
        app.overlay,
        Some(Overlay::Branches { selected: 1 })
    ));
    // Closing the shown branch shows its parent; the original stays.
    update(&mut app, Action::CloseBranch);
    assert_eq!((app.branches.len(), app.branch), (1, 0));
    update(&mut app, Action::CloseBranch);
    assert_eq!(app.branches.len(), 1);
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .contains("original run stays")
    );
    update(&mut app, Action::Escape);
    // The cap: what-ifs beyond it close the oldest, never the original or the one shown.
    for i in 0..MAX_WHAT_IFS + 3 {
        what_if(&mut app, 1 + i);
        assert!(app.branches.len() <= 1 + MAX_WHAT_IFS);
        assert_eq!(app.branches[0].name, "original");
        assert_eq!(app.branch, app.branches.len() - 1);
        assert!(
            app.branches
                .iter()
                .enumerate()
                .all(|(b, branch)| branch.parent.is_none_or(|p| p < b))
        );
    }
    assert!(
        app.status
            .as_deref()
            .unwrap()
            .contains("closed the oldest what-if")
    );
}

// A what-if on a long run shows at once and records its future between frames, as the
// original does; the comparison says so until both runs have ended.
#[test]
fn a_long_what_if_records_as_the_explorer_goes_on() {
    let mut app = app("scenarios/bench/throughput.toml");
    update(&mut app, Action::FaultMenu);
    update(&mut app, Action::Enter);
    assert_eq!(app.branch, 1);
    assert!(
        app.timeline().is_recording(),
        "the branch is still recording"
    );
    assert!(
        comparison(&app, 1)
            .iter()
            .any(|l| l.starts_with("still recording"))
    );
    while !app.record(1 << 16) {}
    assert!(!app.timeline().is_recording());
    assert!(
        !comparison(&app, 1)
            .iter()
            .any(|l| l.starts_with("still recording"))
    );
}

// `g` goes to the first event at or after a time; a bad time says what was expected.
#[test]
fn go_to_time() {
    let mut app = app(ACKS_1);
    update(&mut app, Action::GoToTime);
    for c in "11s".chars() {
        update(&mut app, Action::Type(c));
    }
    update(&mut app, Action::Enter);
    assert!(app.overlay.is_none());
    let time = app.timeline().entries[app.cursor].time;
    assert!(time >= ksim::engine::time::SimTime::from_secs(11), "{time}");
    assert!(
        app.timeline().entries[app.cursor - 1].time < ksim::engine::time::SimTime::from_secs(11)
    );
    update(&mut app, Action::GoToTime);
    update(&mut app, Action::Type('x'));
    update(&mut app, Action::Enter);
    let text = screen(&app, 100, 30);
    assert!(text.contains("expected a time such as 2s"), "{text}");
}

// Every key of the help maps to the action it promises.
#[test]
fn key_map() {
    let app = app(ACKS_1);
    let key = |code| action_for(&app, KeyEvent::new(code, KeyModifiers::NONE));
    assert_eq!(key(KeyCode::Char(' ')), Some(Action::TogglePlay));
    assert_eq!(key(KeyCode::Char('+')), Some(Action::Faster));
    assert_eq!(key(KeyCode::Char('-')), Some(Action::Slower));
    assert_eq!(key(KeyCode::Right), Some(Action::StepForward));
    assert_eq!(key(KeyCode::Char('l')), Some(Action::StepForward));
    assert_eq!(key(KeyCode::Left), Some(Action::StepBack));
    assert_eq!(key(KeyCode::Char('h')), Some(Action::StepBack));
    assert_eq!(key(KeyCode::Char(']')), Some(Action::NextNotable));
    assert_eq!(key(KeyCode::Char('[')), Some(Action::PreviousNotable));
    assert_eq!(key(KeyCode::Home), Some(Action::Home));
    assert_eq!(key(KeyCode::End), Some(Action::End));
    assert_eq!(key(KeyCode::Char('g')), Some(Action::GoToTime));
    assert_eq!(key(KeyCode::Tab), Some(Action::NextView));
    assert_eq!(key(KeyCode::BackTab), Some(Action::PreviousView));
    assert_eq!(key(KeyCode::Char('t')), Some(Action::NextTopic));
    assert_eq!(key(KeyCode::Char('j')), Some(Action::Down));
    assert_eq!(key(KeyCode::Down), Some(Action::Down));
    assert_eq!(key(KeyCode::Char('k')), Some(Action::Up));
    assert_eq!(key(KeyCode::Up), Some(Action::Up));
    assert_eq!(key(KeyCode::Enter), Some(Action::Enter));
    assert_eq!(key(KeyCode::Esc), Some(Action::Escape));
    assert_eq!(key(KeyCode::Char('?')), Some(Action::Help));
    assert_eq!(key(KeyCode::Char('f')), Some(Action::FaultMenu));
    assert_eq!(key(KeyCode::Char('b')), Some(Action::Branches));

    assert_eq!(key(KeyCode::Char('3')), Some(Action::Type('3')));
    assert_eq!(key(KeyCode::Char('q')), Some(Action::Quit));
    assert_eq!(
        action_for(
            &app,
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ),
        Some(Action::Quit)
    );
    assert_eq!(key(KeyCode::Char('z')), None);
    // In the go-to prompt, letters are typed, not commands.
    let mut app = app;
    update(&mut app, Action::GoToTime);
    let key = |code| action_for(&app, KeyEvent::new(code, KeyModifiers::NONE));
    assert_eq!(key(KeyCode::Char('q')), Some(Action::Type('q')));
    assert_eq!(key(KeyCode::Esc), Some(Action::Escape));
}

// No size panics, resizes while playing included; below 80x24 the screen says it is too
// small.
#[test]
fn tiny_and_odd_sizes() {
    let mut app = app(ACKS_1);
    update(&mut app, Action::TogglePlay);
    let sizes = [
        (0, 0),
        (1, 1),
        (10, 3),
        (79, 23),
        (80, 23),
        (79, 24),
        (80, 24),
        (81, 25),
        (200, 60),
        (3, 100),
        (500, 5),
    ];
    for (width, height) in sizes {
        update(&mut app, Action::Resize(width, height));
        update(&mut app, Action::Tick);
        if let Some(index) =
            super::view::timeline_index_at(&app, width / 2, height.saturating_sub(3))
        {
            update(&mut app, Action::SeekTo(index));
        }
        for overlay in [
            Action::Help,
            Action::FaultMenu,
            Action::Branches,
            Action::Enter,
        ] {
            update(&mut app, overlay);
            let buffer = draw(&app, width, height);
            let text: String = buffer.content.iter().map(|c| c.symbol()).collect();
            if (width < 80 || height < 24) && width >= 40 {
                assert!(text.contains("too small"), "{width}x{height}: {text}");
            }
            update(&mut app, Action::Escape);
        }
        // Every view, in both languages, the messages view as lanes and as a list.
        for lang in [ksim::scenario::Lang::En, ksim::scenario::Lang::Ko] {
            app.lang = lang;
            for view in View::ALL {
                app.view = view;
                super::update::refresh(&mut app);
                for lanes in [true, false] {
                    app.wire_lanes = lanes;
                    draw(&app, width, height);
                }
            }
        }
        app.lang = ksim::scenario::Lang::En;
        app.view = View::Cluster;
    }
    assert_snapshot!("too_small_79x23", screen(&app, 79, 23));
}

// Paced by time (the default), ten ticks at x1 play one simulated second: the cursor is the
// last event at or before 1 s. At x2 a tick plays 200 ms; `p` paces by events.
#[test]
fn playing_follows_simulated_time() {
    let mut app = app(ACKS_1);
    assert_eq!(app.pace, Pace::Time);
    update(&mut app, Action::TogglePlay);
    for _ in 0..10 {
        update(&mut app, Action::Tick);
    }
    let one_second = ksim::engine::time::SimTime::from_secs(1);
    let entries = &app.timeline().entries;
    assert!(entries[app.cursor].time <= one_second);
    assert!(entries[app.cursor + 1].time > one_second);
    assert!(screen(&app, 120, 30).contains("▶ playing x1"));
    update(&mut app, Action::Faster);
    let before = app.play_time;
    update(&mut app, Action::Tick);
    assert_eq!(
        app.play_time,
        before + ksim::engine::time::SimTime::from_millis(200)
    );
    update(&mut app, Action::Pace);
    let at = app.cursor;
    update(&mut app, Action::Tick);
    assert_eq!(app.cursor, at + super::app::SPEEDS[app.speed]);
    assert!(screen(&app, 120, 30).contains("▶ playing 5 ev"));
}

// A stretch with nothing in it is skipped, and the footer says how long it was.
#[test]
fn quiet_stretches_are_skipped_and_named() {
    let mut app = app_for_text(
        r#"
name = "two writes, a minute apart"
seed = 1
duration = "70s"

[cluster]
brokers = 1

[[topics]]
name = "t"
partitions = 1
replication_factor = 1

[[producers]]
name = "p"

[[steps]]
at = "0s"
produce = { producer = "p", topic = "t", count = 1 }

[[steps]]
at = "60s"
produce = { producer = "p", topic = "t", count = 1 }
"#,
        "quiet.toml",
    );
    update(&mut app, Action::TogglePlay);
    let mut skipped = None;
    for _ in 0..2_000 {
        update(&mut app, Action::Tick);
        if let Some((gap, _)) = app.skipped {
            skipped = Some(gap);
            break;
        }
    }
    let gap = skipped.expect("a quiet stretch is skipped");
    assert!(gap > ksim::engine::time::SimTime::from_secs(1), "{gap}");
    let text = screen(&app, 120, 30);
    assert!(text.contains("nothing happens (skipped)"), "{text}");
}

// The messages view at the split: produce requests on their way, follower fetches across the
// cut marked where they die, and the drops counted per link; filters by kind.
#[test]
fn messages_view_shows_the_wire_and_the_drops() {
    let mut app = app(ACKS_1);
    app.color = false;
    // The list; the lanes have their own test.
    app.view = View::Messages;
    update(&mut app, Action::CellLabel);
    assert!(!app.wire_lanes);
    while app.view != View::Messages {
        update(&mut app, Action::NextView);
    }
    at_time(&mut app, "2000ms");
    // Step to the first moment after the split with something on the wire.
    while app.world.in_flight().is_empty() {
        update(&mut app, Action::StepForward);
    }
    let text = screen(&app, 120, 30);
    assert!(text.contains("on the wire at"), "{text}");
    assert!(text.contains("Produce"), "{text}");
    assert_snapshot!("messages_120x30", text);
    at_time(&mut app, "2099ms");
    let text = screen(&app, 120, 30);
    assert!(text.contains("dropped so far"), "{text}");
    assert!(text.contains("b2→b1") || text.contains("b1→b2"), "{text}");
    // Filters: 1 produce only; 5 heartbeats only.
    update(&mut app, Action::Type('5'));
    assert!(screen(&app, 120, 30).contains("(heartbeats)"));
    update(&mut app, Action::Type('0'));
    assert!(screen(&app, 120, 30).contains("(all but heartbeats)"));
    for (width, height) in [(80, 24), (200, 50)] {
        screen(&app, width, height);
    }
    assert_snapshot!("messages_80x24", screen(&app, 80, 24));
    // In Korean, at the smallest and a large size.
    app.lang = ksim::scenario::Lang::Ko;
    let text = screen(&app, 80, 24);
    assert!(text.contains("전송 중인 메시지"), "{text}");
    assert!(text.contains("지금까지 버려진 메시지"), "{text}");
    assert_snapshot!("messages_ko_80x24", text);
    assert_snapshot!("messages_ko_200x50", screen(&app, 200, 50));
}

// Under --lang ko the explorer's frame speaks Korean: header, footer, legend, the why-lines,
// the help, and the narration's label; wide characters keep every row within the width.
#[test]
fn korean_explorer_frame() {
    let mut app = app(ACKS_1);
    app.lang = ksim::scenario::Lang::Ko;
    app.color = false;
    at_time(&mut app, "2100ms");
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
        let buffer = draw(&app, width, height);
        let text = screen(&app, width, height);
        assert!(text.contains("시드 7"), "{text}");
        assert!(text.contains("원래 실행"), "{text}");
        assert!(
            text.contains("↳ 이유: 브로커 프로세스가 죽었습니다"),
            "{text}"
        );
        assert!(text.contains("F 장애"), "{text}");
        assert_eq!(buffer.area.width, width);
    }
    assert!(screen(&app, 120, 40).contains("Space 재생"));
    assert_snapshot!("korean_frame_80x24", screen(&app, 80, 24));
    update(&mut app, Action::Help);
    let help = screen(&app, 120, 40);
    assert!(help.contains("이벤트 하나 앞으로"), "{help}");
    assert_snapshot!("korean_help_120x40", help);
}

// Seeking to event N shows the same screen as stepping there from the start, and as playing.
#[test]
fn seek_equals_play() {
    let mut sought = app(ACKS_1);
    let mut stepped = app(ACKS_1);
    let mut played = app(ACKS_1);
    for n in [37, 12, 30, 3] {
        update(&mut sought, Action::End);
        update(&mut sought, Action::SeekTo(n));
        update(&mut stepped, Action::Home);
        for _ in 0..n {
            update(&mut stepped, Action::StepForward);
        }
        assert_eq!(sought.cursor, n);
        assert_eq!(stepped.cursor, n);
        assert_eq!(
            screen(&sought, 100, 30),
            screen(&stepped, 100, 30),
            "event {n}"
        );
    }
    // Playing at speed 1 moves one event per tick.
    played.pace = Pace::Events;
    sought.pace = Pace::Events;
    played.speed = 0;
    sought.speed = 0;
    update(&mut played, Action::TogglePlay);
    for _ in 0..12 {
        update(&mut played, Action::Tick);
    }
    update(&mut played, Action::TogglePlay);
    update(&mut sought, Action::SeekTo(12));
    assert_eq!(screen(&sought, 100, 30), screen(&played, 100, 30));
}

// A click on the timeline bar seeks to the events under that column.
#[test]
fn click_on_the_timeline_seeks() {
    let mut app = app(ACKS_1);
    update(&mut app, Action::Resize(100, 30));
    let bar = super::view::areas(&app, ratatui::layout::Rect::new(0, 0, 100, 30)).timeline;
    let total = app.timeline().len();
    let index = super::view::timeline_index_at(&app, 50, bar.y).expect("on the bar");
    assert_eq!(index * 100 / total, 50);
    update(&mut app, Action::SeekTo(index));
    assert_eq!(app.cursor, index);
    assert_eq!(super::view::timeline_index_at(&app, 50, bar.y - 1), None);
    assert_eq!(
        super::view::timeline_index_at(&app, 99, bar.y),
        Some(total - 1)
    );
}

// Under NO_COLOR no cell has a colour, and the lost record and the cursor still carry marks.
#[test]
fn no_color_keeps_the_marks() {
    let mut app = app(ACKS_1);
    app.color = false;
    jump_to(&mut app, Notable::Loss);
    let buffer = draw(&app, 100, 30);
    for cell in &buffer.content {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
    let text = screen(&app, 100, 30);
    assert!(text.contains("✗ fast-3@6"), "{text}");
    assert!(text.contains('▶'), "{text}");
    assert!(text.contains('X'), "the timeline marks the loss: {text}");
}

// `c` makes log cells say which producer wrote each record, then which key it has, as
// letters with a legend: who wrote what reads without colour.
#[test]
fn cells_by_producer_and_by_key() {
    let mut app = app(ACKS_1);
    app.color = false;
    jump_to(&mut app, Notable::Loss);
    let row = |app: &App| {
        screen(app, 100, 30)
            .lines()
            .find(|l| l.contains(" b2  leader "))
            .expect("a leader row")
            .to_string()
    };
    assert!(row(&app).contains("0 0 0"), "{}", row(&app));
    let key = action_for(&app, KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE));
    update(&mut app, key.expect("c is mapped"));
    let text = screen(&app, 100, 30);
    assert!(text.contains("producer: a=fast b=safe"), "{text}");
    assert!(row(&app).contains('a') && row(&app).contains('b'), "{text}");
    update(&mut app, Action::CellLabel);
    let text = screen(&app, 100, 30);
    assert!(text.contains("key: "), "{text}");
    update(&mut app, Action::CellLabel);
    let text = screen(&app, 100, 30);
    assert!(text.contains("digit: send number"), "{text}");
    assert!(row(&app).contains("0 1 2 0 1 2"), "{}", row(&app));
    update(&mut app, Action::CellLabel);
    assert!(row(&app).contains("0 0 0"), "back to epochs: {}", row(&app));
}

// Lesson F20: without idempotence, retries with several requests in flight reorder the log;
// the send-order cells show it as a smaller digit after a larger one.
#[test]
fn send_order_cells_show_a_reordering() {
    let mut app = app("scenarios/lessons/F20-in-flight-reordering.toml");
    app.color = false;
    update(&mut app, Action::End);
    for _ in 0..3 {
        update(&mut app, Action::CellLabel);
    }
    assert_eq!(app.cells, super::app::CellLabel::SendOrder);
    let text = screen(&app, 120, 40);
    let row = text
        .lines()
        .find(|l| l.contains(" leader "))
        .expect("a leader row");
    let digits: Vec<u32> = row
        .split_once(" e")
        .map(|(_, rest)| rest)
        .unwrap_or(row)
        .chars()
        .skip_while(|c| *c != ' ')
        .take_while(|c| *c != 'h')
        .filter_map(|c| c.to_digit(10))
        .collect();
    assert!(
        digits.windows(2).any(|w| w[1] < w[0] && w[0] - w[1] < 5),
        "a reversal in {row}"
    );
    assert_snapshot!("send_order_f20", text);
}

// A long narration line gets the rows it needs (up to 5) at 80x24: its last words show.
#[test]
fn long_narration_is_not_cut() {
    let say = "The group coordinator had already committed offset 5 when the consumer crashed, \
        so the records at offsets 3 and 4 were never processed: with at-most-once delivery the \
        offset is committed before processing, and a crash in between loses what was polled \
        but not yet handled. The last words are here.";
    let text = format!(
        "name = \"long\"\nseed = 1\nduration = \"1s\"\n[cluster]\nbrokers = 1\n\
         [[steps]]\nat = \"10ms\"\nsay = \"{say}\"\n"
    );
    let mut app = app_for_text(&text, "long.toml");
    let end = app.timeline().len() - 1;
    update(&mut app, Action::SeekTo(end));
    let screen = screen(&app, 80, 24);
    assert!(screen.contains("last words are here."), "{screen}");
}

// Korean narration keeps the screen aligned: wide characters take two cells each.
#[test]
fn korean_narration_aligns() {
    let text = r#"
name = "리더 선출"
seed = 1
duration = "2s"
[cluster]
brokers = 3
[[topics]]
name = "t"
partitions = 1
replication_factor = 3
replicas = [[1, 2, 3]]
[[steps]]
at = "10ms"
say = "브로커 1이 멈추면 컨트롤러가 새 리더를 뽑는다."
[[steps]]
at = "20ms"
crash = 1
"#;
    let mut app = app_for_text(text, "korean.toml");
    jump_to(&mut app, Notable::Fault);
    let buffer = draw(&app, 100, 30);
    let say_row = (0..30)
        .find(|&y| {
            (0..100)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .contains("say at")
        })
        .expect("the narration is shown");
    let text = screen(&app, 100, 30);
    // The backend prints each row between quotes, then notes the cells wide symbols cover.
    let row = text
        .lines()
        .nth(say_row as usize)
        .unwrap()
        .split('"')
        .nth(1)
        .unwrap();
    assert!(row.contains("브로커 1이 멈추면"), "{row}");
    assert_eq!(unicode_width::UnicodeWidthStr::width(row), 100, "{row}");
    assert_snapshot!(text);
}

// The book's explorer chapters, in English and in Korean, list every key of the key map.
#[test]
fn the_book_lists_every_key() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for chapter in ["docs/src/explorer.md", "docs/src/ko/explorer.md"] {
        let text = std::fs::read_to_string(root.join(chapter)).unwrap();
        for (key, _, _) in KEYS {
            assert!(
                text.contains(&format!("| `{key}` |")),
                "{chapter} has no row for {key}"
            );
        }
    }
}

/// A screen as its snapshot in `ui/src/tui/snapshots/` holds it, trailing spaces
/// trimmed, in a ```text block as the documentation shows it.
fn pinned_screen(root: &std::path::Path, name: &str) -> String {
    let snapshot = std::fs::read_to_string(root.join(format!(
        "ui/src/tui/snapshots/ksim_ui__tui__tests__{name}.snap"
    )))
    .unwrap();
    let screen: Vec<&str> = snapshot
        .lines()
        .filter_map(|line| line.strip_prefix('"')?.strip_suffix('"'))
        .map(str::trim_end)
        .collect();
    assert!(screen.len() >= 24, "{name} holds a whole screen");
    format!("```text\n{}\n```", screen.join("\n"))
}

// The pictures of the explorer in the README and the book are screens this test file pins:
// the loss in acks-1-loses-acked-record.toml, the what-if that heals the network, the cut,
// messages in flight, a reordering (F20) and rehashed keys (F39); the README shows the loss,
// the cut, the reordering, the rehashing and the what-if comparison.
#[test]
fn the_docs_show_real_screens() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pictures = [
        ("README.md", "cluster_at_loss_100x30"),
        ("docs/src/introduction.md", "cluster_at_loss_100x30"),
        ("README.md", "what_if_heal_100x30"),
        ("README.md", "cut_80x24"),
        ("README.md", "send_order_f20"),
        ("README.md", "keys_view_after_adding_partitions"),
        ("docs/src/tour.md", "what_if_heal_100x30"),
        ("docs/src/explorer.md", "cut_80x24"),
        ("docs/src/explorer.md", "messages_120x30"),
        ("docs/src/explorer.md", "lanes_80x24"),
        ("docs/src/explorer.md", "send_order_f20"),
        ("docs/src/explorer.md", "keys_view_after_adding_partitions"),
    ];
    for (file, name) in pictures {
        let picture = pinned_screen(&root, name);
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            text.contains(&picture),
            "{file} should show the screen {name} as its snapshot does:\n{picture}"
        );
    }
}

// The tour's what-if: in acks-1-loses-acked-record.toml, healing the network right after the
// partition lets the followers copy fast-3 before the leader crashes, and the branch list says
// that only the original lost it. The book's tour shows this screen.
#[test]
fn what_if_heal_keeps_the_record() {
    let mut app = app(ACKS_1);
    jump_to(&mut app, Notable::Fault);
    update(&mut app, Action::FaultMenu);
    // The last item heals the network.
    for _ in 0..20 {
        update(&mut app, Action::Down);
    }
    update(&mut app, Action::Enter);
    assert!(app.current().name.starts_with("heal the network at "));
    update(&mut app, Action::End);
    update(&mut app, Action::Branches);
    let text = screen(&app, 100, 30);
    assert!(text.contains("the other lost"), "{text}");
    assert_snapshot!("what_if_heal_100x30", text);
}

// `]` stops at every mark of the timeline, narration and rebalances included, as the help and
// the book say, and `[` goes back through the same events.
#[test]
fn next_and_previous_visit_every_mark() {
    let mut app = app(ACKS_1);
    let marks: Vec<usize> = app.current().notable.iter().map(|&(i, _)| i).collect();
    assert!(
        app.current()
            .notable
            .iter()
            .any(|&(_, n)| n == Notable::Say),
        "the scenario has narration"
    );
    update(&mut app, Action::SeekTo(0));
    let mut visited = Vec::new();
    if marks.first() == Some(&0) {
        visited.push(0);
    }
    loop {
        let before = app.cursor;
        update(&mut app, Action::NextNotable);
        if app.cursor == before {
            break;
        }
        visited.push(app.cursor);
    }
    assert_eq!(visited, marks);
    let mut back = Vec::new();
    loop {
        let before = app.cursor;
        update(&mut app, Action::PreviousNotable);
        if app.cursor == before {
            break;
        }
        back.push(app.cursor);
    }
    let mut expected: Vec<usize> = marks[..marks.len() - 1].to_vec();
    expected.reverse();
    assert_eq!(back, expected);
}

// The explorer draws before the run is recorded: the header says how far the recording
// is, a seek past its end stops at the last recorded event, and once it is done the screen
// is the one of a run recorded at once.
#[test]
fn recording_goes_on_between_frames() {
    let scenario = shipped("scenarios/lessons/F16-rebalance-triggers.toml");
    let seed = scenario.seed.unwrap_or(1);
    let mut app = App::starting(scenario, seed, 64);
    app.color = true;
    assert!(app.is_recording());
    app.record(200);
    assert!(app.is_recording(), "200 steps do not end the run");
    let recorded = app.timeline().len();
    assert!(recorded > 0);
    let header = screen(&app, 120, 30);
    assert!(header.contains("(recording…"), "{header}");
    update(&mut app, Action::End);
    assert_eq!(app.cursor, recorded - 1);
    update(&mut app, Action::SeekTo(recorded + 1000));
    assert_eq!(app.cursor, recorded - 1);
    while !app.record(200) {}
    assert!(!app.timeline().is_recording());
    update(&mut app, Action::SeekTo(recorded + 10));
    let whole = self::app("scenarios/lessons/F16-rebalance-triggers.toml");
    let mut whole = whole;
    update(&mut whole, Action::SeekTo(recorded + 10));
    assert_eq!(app.timeline().len(), whole.timeline().len());
    assert_eq!(app.current().notable, whole.current().notable);
    assert_eq!(app.current().outcome, whole.current().outcome);
    assert_eq!(screen(&app, 120, 30), screen(&whole, 120, 30));
    assert!(!screen(&app, 120, 30).contains("recording"));
}

/// The explorer at the first event at or after `time` (as typed after `g`).
fn at_time(app: &mut App, time: &str) {
    update(app, Action::GoToTime);
    for c in time.chars() {
        update(app, Action::Type(c));
    }
    update(app, Action::Enter);
}

// At 2006 ms the leader, broker 1, is cut from its followers: the network line names the
// split and the cut links in letters and symbols, with or without colour, at 80x24 and 120x40.
#[test]
fn the_cut_is_drawn_where_the_brokers_are() {
    let mut app = app(ACKS_1);
    app.color = false;
    at_time(&mut app, "2006ms");
    for (width, height) in [(80, 24), (120, 40)] {
        let text = screen(&app, width, height);
        assert!(text.contains("split [1] | [2,3]: b1 ⟂ b2,b3"), "{text}");
        assert!(text.contains("b1 up (leads 0)"), "{text}");
    }
    assert_snapshot!("cut_80x24", screen(&app, 80, 24));
    assert_snapshot!("cut_120x40", screen(&app, 120, 40));
    // Before the fault every link works.
    at_time(&mut app, "1s");
    assert!(screen(&app, 100, 30).contains("network  every link up"));
}

// At 120x40 the cluster view keeps only the rows it fills: the event log gets the rest, so
// no row between the view and the narration stays blank.
#[test]
fn spare_rows_go_to_the_event_log() {
    let mut app = app(ACKS_1);
    at_time(&mut app, "2006ms");
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let areas = super::view::areas(&app, area);
    assert!(areas.events.height > 10, "{}", areas.events.height);
    let text = screen(&app, 120, 40);
    let lines: Vec<&str> = text.lines().collect();
    let body = &lines[areas.body.y as usize..(areas.body.y + areas.body.height) as usize];
    assert!(
        body.iter()
            .all(|l| !l.trim_matches(|c| c == '"' || c == ' ').is_empty()),
        "{text}"
    );
}

// No size from 1x1 up to 200x50 panics with a cut on screen, help open or not.
#[test]
fn no_size_panics_with_a_cut() {
    let mut app = app(ACKS_1);
    at_time(&mut app, "2006ms");
    let widths = (1..=200).step_by(13).chain([79, 80, 81, 120, 200]);
    for width in widths {
        for height in (1..=50).step_by(7).chain([23, 24, 40, 50]) {
            update(&mut app, Action::Resize(width, height));
            draw(&app, width, height);
            update(&mut app, Action::Help);
            draw(&app, width, height);
            update(&mut app, Action::Escape);
        }
    }
}

// Each broker state a fault leaves has its word: a power loss, a restart waiting to be
// unfenced, an isolated broker, a slowed one with its added latency.
#[test]
fn broker_states_and_slow_links_have_words() {
    let cases = [
        ("scenarios/power-loss-unflushed.toml", "POWERED OFF"),
        (
            "scenarios/restarted-broker-before-registration.toml",
            "restarting",
        ),
        (
            "scenarios/new-leader-hw-ignores-silent-replica.toml",
            "b3 ISOLATED",
        ),
        (
            "scenarios/new-leader-hw-ignores-silent-replica.toml",
            "b3 ⟂ everyone (isolated)",
        ),
        (
            "scenarios/lost-response-duplicates-without-idempotence.toml",
            "b1 slow +1500ms",
        ),
        ("scenarios/acks-1-loses-acked-record.toml", "b1 DOWN"),
    ];
    for (file, word) in cases {
        let mut app = app(file);
        let faults: Vec<usize> = app
            .current()
            .notable
            .iter()
            .filter(|(_, n)| *n == Notable::Fault)
            .map(|&(i, _)| i)
            .collect();
        let seen = faults.iter().any(|&i| {
            (i..(i + 20).min(app.timeline().len())).any(|j| {
                update(&mut app, Action::SeekTo(j));
                screen(&app, 100, 30).contains(word)
            })
        });
        assert!(seen, "{file}: never shows {word:?}");
    }
}

// A key keeps its letter for the whole run: the legend is the same at 5 s as at the end, and
// a topic no step sends a key to says so rather than showing an empty list.
#[test]
fn key_letters_are_stable_and_the_legend_never_empty() {
    let legend = |app: &App| {
        screen(app, 120, 60)
            .lines()
            .find(|l| l.contains("cells (c)"))
            .expect("a legend")
            .to_string()
    };
    let mut app = app("scenarios/lessons/F39-adding-partitions-moves-keys.toml");
    update(&mut app, Action::CellLabel);
    update(&mut app, Action::CellLabel);
    at_time(&mut app, "5s");
    let early = legend(&app);
    update(&mut app, Action::End);
    assert_eq!(early, legend(&app));
    assert!(early.contains("key: a="), "{early}");

    let mut app = app_with_keys_view(ACKS_1);
    let text = screen(&app, 100, 30);
    assert!(
        text.contains("1 partition ") && !text.contains("1 partitions"),
        "{text}"
    );
    update(&mut app, Action::NextView);
    update(&mut app, Action::NextView);
    update(&mut app, Action::NextView);
    assert_eq!(app.view, View::Cluster);
    update(&mut app, Action::CellLabel);
    update(&mut app, Action::CellLabel);
    let text = legend(&app);
    assert!(
        text.contains("key: - (no step sends a key to this topic)"),
        "{text}"
    );
    assert!(!text.contains("key: ;"), "{text}");
}

fn app_with_keys_view(file: &str) -> App {
    let mut app = app(file);
    update(&mut app, Action::End);
    update(&mut app, Action::NextView);
    update(&mut app, Action::NextView);
    assert_eq!(app.view, View::Keys);
    app
}

/// The rows of a screen as the backend prints them, without the quotes and the notes on cells
/// that wide symbols cover.
fn rows(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| {
            let line = line.strip_prefix('"')?;
            Some(match line.find("\" Hidden by multi-width symbols") {
                Some(end) => &line[..end],
                None => line.strip_suffix('"').unwrap_or(line),
            })
        })
        .collect()
}

/// Every row takes the whole width, wide characters counting two cells.
fn assert_rows_fit(text: &str, width: usize) {
    for row in rows(text) {
        assert_eq!(
            unicode_width::UnicodeWidthStr::width(row),
            width,
            "{row}\n{text}"
        );
    }
}

// The messages view as lanes at the split: a column per node, each message an arrow from its
// sender to its receiver as far along as its latency has gone, the ones the cut swallows
// ending in ✗ at the receiver; broker 1 down after its crash has a dotted lane. In both
// languages, at 80x24 and 200x50.
#[test]
fn messages_view_as_lanes() {
    // The first moment of a shipped run with a message on the wire that will die there.
    let doomed = |app: &App| app.world.in_flight().iter().any(|m| m.doomed.is_some());
    let (file, index) = [
        ACKS_1,
        "scenarios/network-partition-zombie-leader.toml",
        "scenarios/clean-election-waits-offline.toml",
        "scenarios/power-loss-unflushed.toml",
    ]
    .into_iter()
    .find_map(|file| {
        let mut app = app(file);
        (0..app.timeline().len())
            .find(|&i| {
                update(&mut app, Action::SeekTo(i));
                doomed(&app)
            })
            .map(|i| (file, i))
    })
    .expect("a shipped run has a message that dies on the wire");
    // The book's picture: clean-election-waits-offline.toml, `g 1000ms`, one event on: broker
    // 3 has just crashed, and what was on its way to it dies there.
    assert_eq!(file, "scenarios/clean-election-waits-offline.toml");
    let mut app = app(file);
    app.color = false;
    app.view = View::Messages;
    assert!(app.wire_lanes, "lanes are the default");
    at_time(&mut app, "1000ms");
    update(&mut app, Action::StepForward);
    assert_eq!(app.cursor, index);
    let text = screen(&app, 80, 24);
    for mark in ["ctl", "b1", "├", "✗", "c: list"] {
        assert!(text.contains(mark), "{mark}\n{text}");
    }
    assert!(text.contains('▶') || text.contains('◀'), "{text}");
    assert_rows_fit(&text, 80);
    assert_snapshot!("lanes_80x24", text);
    assert_snapshot!("lanes_200x50", screen(&app, 200, 50));
    app.lang = ksim::scenario::Lang::Ko;
    let text = screen(&app, 80, 24);
    assert!(text.contains("거기서 버려짐"), "{text}");
    assert!(text.contains("c: 목록"), "{text}");
    assert_rows_fit(&text, 80);
    assert_snapshot!("lanes_ko_80x24", text);
    assert_snapshot!("lanes_ko_200x50", screen(&app, 200, 50));
    // After the crash, broker 1's lane is dotted and marked.
    let mut app = self::app(ACKS_1);
    app.view = View::Messages;
    at_time(&mut app, "2100ms");
    let text = screen(&app, 120, 30);
    assert!(text.contains("b1✗"), "{text}");
    assert!(text.contains('┆'), "{text}");
    // `c` switches to the list and back.
    update(&mut app, Action::CellLabel);
    assert!(screen(&app, 120, 30).contains("arrives"));
    update(&mut app, Action::CellLabel);
    assert!(app.wire_lanes);
}

/// Each view at a moment that shows it best: the cluster at the loss, the records and keys
/// after F39's partitions were added (a key received out of order), F16's groups at the end.
fn at_its_moment(view: View) -> App {
    let mut app = match view {
        View::Cluster | View::Messages => app(ACKS_1),
        View::Records | View::Keys => {
            app("scenarios/lessons/F39-adding-partitions-moves-keys.toml")
        }
        View::Groups => app("scenarios/lessons/F16-rebalance-triggers.toml"),
    };
    app.color = false;
    match view {
        View::Cluster => jump_to(&mut app, Notable::Loss),
        _ => update(&mut app, Action::End),
    }
    app.view = view;
    super::update::refresh(&mut app);
    app
}

// Under --lang ko the bodies of the cluster, records, keys and groups views speak Korean:
// labels, column heads, legends, states and empty texts, with the same terms as the lessons;
// English labels are gone from the body, and every row keeps the screen's width with wide
// characters. Snapshots in both languages at 80x24 and 200x50.
#[test]
fn every_view_in_both_languages() {
    let korean: [(View, &[&str]); 4] = [
        (
            View::Cluster,
            &[
                "클러스터: 토픽",
                "브로커",
                "리더",
                "레플리카",
                "칸 (c)",
                "프로듀서",
            ],
        ),
        (
            View::Records,
            &["레코드", "결과", "결정한 이벤트", "보낸 순서", "받은 순서"],
        ),
        (
            View::Keys,
            &["토픽 orders의 키", "파티션", "프로듀서가 본 키 이동"],
        ),
        (
            View::Groups,
            &["그룹", "코디네이터", "세대", "지금까지의 리밸런스", "멤버"],
        ),
    ];
    let english = [
        "brokers ",
        "controller:",
        "every link",
        "follower",
        "cells (c)",
        "decided by",
        "as produced",
        "rebalances so far",
        "generation",
        "coordinator",
        "key moves",
        "partitions",
        " sent ",
        "committed offset",
    ];
    for (view, words) in korean {
        let mut app = at_its_moment(view);
        for (width, height) in [(80u16, 24u16), (200, 50)] {
            let name = app.view_name(view);
            app.lang = ksim::scenario::Lang::En;
            let text = screen(&app, width, height);
            assert_rows_fit(&text, width as usize);
            assert_snapshot!(format!("{name}_en_{width}x{height}"), text);
            app.lang = ksim::scenario::Lang::Ko;
            let text = screen(&app, width, height);
            assert_rows_fit(&text, width as usize);
            let areas = super::view::areas(&app, ratatui::layout::Rect::new(0, 0, width, height));
            let body: Vec<&str> = rows(&text)
                [areas.body.y as usize..(areas.body.y + areas.body.height) as usize]
                .to_vec();
            let body = body.join("\n");
            if width == 200 {
                for word in words {
                    assert!(body.contains(word), "{name}: {word}\n{body}");
                }
            }
            for word in english {
                assert!(!body.contains(word), "{name}: {word:?} in Korean\n{body}");
            }
            app.lang = ksim::scenario::Lang::En;
            assert_snapshot!(format!("{name}_ko_{width}x{height}"), text);
        }
    }
}

// The per-key lines mark the records a consumer received after a later-sent record of their
// key (F39: user-1 arrives as shop-6, shop-9, shop-0, shop-3): `↺` before each, with or
// without colour, and as many as the ledger's reordered_as_consumed counts for them.
#[test]
fn reversals_are_marked_in_the_key_order() {
    let mut app = at_its_moment(View::Records);
    let ledger = app.ledger.clone().expect("the records view has its ledger");
    // Select the first record the ledger says was received out of key order.
    let index = ledger
        .records
        .iter()
        .position(|r| r.reordered_as_consumed)
        .expect("F39 reorders a key as consumed");
    let key = ledger.records[index].key.clone().unwrap();
    app.selected = index;
    let text = screen(&app, 120, 40);
    let line = rows(&text)
        .into_iter()
        .find(|row| row.contains("received it:") && row.contains(&format!("{key:?}")))
        .unwrap_or_else(|| panic!("no received line for {key}\n{text}"));
    let marked = line.matches('↺').count();
    let expected = ledger
        .records
        .iter()
        .filter(|r| r.id.producer == ledger.records[index].id.producer)
        .filter(|r| r.key.as_ref() == Some(&key) && r.reordered_as_consumed)
        .count();
    assert!(marked >= 1, "{line}");
    // One mark per reversed record, and one in the count after them.
    assert_eq!(marked, expected + 1, "{line}");
    assert_snapshot!("key_order_reversals_120x40", text);
}

// Under --lang ko the what-if menu names its faults in Korean, a what-if is named in Korean,
// the branch list compares in Korean, and a terminal too small says so in Korean.
#[test]
fn korean_what_if_menu_and_comparison() {
    let mut app = app(ACKS_1);
    app.lang = ksim::scenario::Lang::Ko;
    app.color = false;
    assert!(screen(&app, 79, 23).contains("터미널이 너무 작습니다: 79x23"));
    jump_to(&mut app, Notable::Fault);
    update(&mut app, Action::FaultMenu);
    let text = screen(&app, 100, 30);
    assert!(text.contains("브로커 1 크래시"), "{text}");
    assert!(text.contains("네트워크 복구"), "{text}");
    for _ in 0..20 {
        update(&mut app, Action::Down);
    }
    update(&mut app, Action::Enter);
    assert!(
        app.current().name.ends_with("네트워크 복구"),
        "{}",
        app.current().name
    );
    update(&mut app, Action::End);
    update(&mut app, Action::Branches);
    let text = screen(&app, 100, 30);
    assert!(text.contains("비교:"), "{text}");
    assert!(
        text.contains("다른 분기만 확인 응답 레코드 1개를 잃음"),
        "{text}"
    );
    assert_rows_fit(&text, 100);
}

// Who waits on whom, in F37 at 5 s: broker 3 has crashed but is still in the ISR, so leader
// b1 holds the acks=all Produce requests until b3 reaches their offsets, and holds b2's fetch
// as a long poll. The cluster view says so under the brokers, the lanes draw each held
// request from b1 back to the node waiting, and the list says it in a sentence; in English
// and Korean, at 80x24 and 200x50.
#[test]
fn held_requests_are_drawn() {
    let mut app = app("scenarios/lessons/F37-restart-rejoins-isr.toml");
    app.color = false;
    at_time(&mut app, "5000ms");
    let held = app.world.held_requests();
    assert!(
        held.iter().any(|h| matches!(
            &h.waits_for,
            ksim::kafka::held::WaitsFor::Replication { behind, .. }
                if behind == &[ksim::engine::ids::BrokerId(3)]
        )),
        "{held:?}"
    );
    let text = screen(&app, 80, 24);
    assert!(
        text.contains("⏸ b1 holds: Produce ×5 from app (b3 to reach 11..15)"),
        "{text}"
    );
    assert!(text.contains("Fetch from b2 (long poll)"), "{text}");
    assert_rows_fit(&text, 80);
    assert_snapshot!("held_cluster_80x24", text);
    assert_snapshot!("held_cluster_200x50", screen(&app, 200, 50));
    app.view = View::Messages;
    assert!(app.wire_lanes);
    let text = screen(&app, 200, 50);
    assert!(text.contains("⏸┄┄"), "{text}");
    assert!(
        text.contains("Produce · orders-0: waits for b3 to reach 11 (ISR [1,2,3], hw 10)"),
        "{text}"
    );
    assert!(
        text.contains("Fetch · long poll: waits for orders-0 offset"),
        "{text}"
    );
    assert_snapshot!("held_lanes_200x50", text);
    let text = screen(&app, 80, 24);
    assert_rows_fit(&text, 80);
    assert_snapshot!("held_lanes_80x24", text);
    // The list says who holds what for whom.
    update(&mut app, Action::CellLabel);
    let text = screen(&app, 200, 50);
    assert!(text.contains("⏸ Produce from app held by b1"), "{text}");
    assert!(text.contains("⏸ Fetch from b2 held by b1"), "{text}");
    assert_snapshot!("held_list_200x50", text);
    // The filter hides what it does not ask for: 2 is fetches only.
    update(&mut app, Action::Type('2'));
    let text = screen(&app, 200, 50);
    assert!(!text.contains("⏸ Produce"), "{text}");
    assert!(text.contains("⏸ Fetch from b2"), "{text}");
    update(&mut app, Action::Type('0'));
    assert_snapshot!("held_list_80x24", screen(&app, 80, 24));
    // In Korean.
    app.lang = ksim::scenario::Lang::Ko;
    let text = screen(&app, 200, 50);
    assert!(text.contains("⏸ b1 보류: app의 Produce"), "{text}");
    assert!(
        text.contains("orders-0: 11까지 b3 대기 (ISR [1,2,3], HW 10)"),
        "{text}"
    );
    assert_snapshot!("held_list_ko_200x50", text);
    update(&mut app, Action::CellLabel);
    let text = screen(&app, 80, 24);
    assert_rows_fit(&text, 80);
    assert_snapshot!("held_lanes_ko_80x24", text);
    assert_snapshot!("held_lanes_ko_200x50", screen(&app, 200, 50));
    app.view = View::Cluster;
    let text = screen(&app, 80, 24);
    assert!(
        text.contains("⏸ b1 보류 중: app의 Produce ×5 (11..15까지 b3 대기)"),
        "{text}"
    );
    assert_rows_fit(&text, 80);
    assert_snapshot!("held_cluster_ko_80x24", text);
    assert_snapshot!("held_cluster_ko_200x50", screen(&app, 200, 50));
}

// Under --lang ko the event log's reasons are Korean too: at acks-1's election, the
// controller's fencing of b1 and its choice of b2 read in Korean, as does every earlier line.
#[test]
fn korean_event_log_reasons() {
    let mut app = app(ACKS_1);
    app.lang = ksim::scenario::Lang::Ko;
    app.color = false;
    jump_to(&mut app, Notable::Election);
    while !screen(&app, 80, 24).contains("리더 b2") {
        let before = app.cursor;
        update(&mut app, Action::NextNotable);
        assert_ne!(app.cursor, before, "no election of b2 in the run");
    }
    let text = screen(&app, 80, 24);
    assert!(text.contains("리더 b1 펜싱됨"), "{text}");
    assert!(!text.contains("is the first live replica"), "{text}");
    assert_snapshot!("event_log_reasons_ko_80x24", text);
    assert_snapshot!("event_log_reasons_ko_120x30", screen(&app, 120, 30));
}

// Transactions on the log cells: while app's first transaction is open in
// transaction-send-offsets.toml, out-0's rows mark the LSO (┊) below the HW and name the
// open transaction (app@0) beside hw and leo; the legend explains the marker.
#[test]
fn cluster_view_shows_the_lso_of_an_open_transaction() {
    let mut app = app("scenarios/transaction-send-offsets.toml");
    update(&mut app, Action::NextTopic);
    let held_back = |app: &App| {
        app.world.brokers().iter().any(|b| {
            b.replicas
                .values()
                .any(|r| r.last_stable_offset() < r.log.high_watermark)
        })
    };
    while !held_back(&app) {
        let before = app.cursor;
        update(&mut app, Action::StepForward);
        assert_ne!(
            app.cursor, before,
            "no moment with an open transaction below the HW"
        );
    }
    let text = screen(&app, 100, 30);
    assert!(
        text.contains('┊') && text.contains("lso 0 open app@0"),
        "{text}"
    );
    assert_snapshot!("cluster_open_transaction_100x30", text);
}
