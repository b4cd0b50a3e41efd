//! `update(&mut App, Action)`: the only place the model changes. No I/O: seeking clones a
//! keyframe and replays, a what-if runs a branch to its end, all in memory.

use std::collections::BTreeMap;

use ksim::engine::ids::{NodeId, ProducerIdx, RecordId, TopicPartition};
use ksim::engine::time::{SimTime, parse_duration};
use ksim::kafka::trace::{TraceEntry, TraceEvent};
use ksim::observe::ledger::RecordFate;

use super::action::Action;

use super::app::{
    App, Branch, FateFilter, Overlay, Pace, ProducerCounts, QUIET_SKIP_TICKS, QUIET_TICKS, SPEEDS,
    TIME_SPEEDS, View, WireFilter,
};
use super::ask;
use super::timeline::Timeline;

pub fn update(app: &mut App, action: Action) {
    if let Some(overlay) = app.overlay.clone()
        && update_overlay(app, overlay, &action)
    {
        refresh(app);
        return;
    }
    let last = app.timeline().len().saturating_sub(1);
    match action {
        Action::Quit => app.quit = true,
        Action::TogglePlay => {
            if !app.playing && app.cursor >= last {
                seek(app, 0);
            }
            app.playing = !app.playing;
            app.play_time = app
                .timeline()
                .entries
                .get(app.cursor)
                .map_or(SimTime::ZERO, |e| e.time);
        }
        Action::Faster => match app.pace {
            Pace::Time => app.time_speed = (app.time_speed + 1).min(TIME_SPEEDS.len() - 1),
            Pace::Events => app.speed = (app.speed + 1).min(SPEEDS.len() - 1),
        },
        Action::Slower => match app.pace {
            Pace::Time => app.time_speed = app.time_speed.saturating_sub(1),
            Pace::Events => app.speed = app.speed.saturating_sub(1),
        },
        Action::Pace => {
            app.pace = match app.pace {
                Pace::Time => Pace::Events,
                Pace::Events => Pace::Time,
            }
        }
        Action::StepForward => play_to(app, app.cursor + 1),
        Action::StepBack => seek(app, app.cursor.saturating_sub(1)),
        Action::NextNotable => {
            let notable = &app.current().notable;
            let at = notable.partition_point(|&(i, _)| i <= app.cursor);
            if let Some(&(i, _)) = notable.get(at) {
                seek(app, i);
            }
        }
        Action::PreviousNotable => {
            let notable = &app.current().notable;
            let at = notable.partition_point(|&(i, _)| i < app.cursor);
            if let Some(&(i, _)) = at.checked_sub(1).and_then(|a| notable.get(a)) {
                seek(app, i);
            }
        }
        Action::Home => seek(app, 0),
        Action::End => seek(app, last),
        Action::SeekTo(index) => seek(app, index),
        Action::Tick => {
            app.skipped = app
                .skipped
                .and_then(|(gap, ticks)| (ticks > 1).then_some((gap, ticks - 1)));
            if app.playing {
                match app.pace {
                    Pace::Time => play_for_a_tick(app),
                    Pace::Events => play_to(app, app.cursor + SPEEDS[app.speed]),
                }
                if app.cursor >= last && !app.timeline().is_recording() {
                    app.playing = false;
                }
            }
        }
        Action::NextView | Action::PreviousView => {
            let views = View::ALL;
            let at = views.iter().position(|v| *v == app.view).unwrap_or(0);
            let next = if action == Action::NextView {
                (at + 1) % views.len()
            } else {
                (at + views.len() - 1) % views.len()
            };
            app.view = views[next];
            app.selected = 0;
        }
        Action::Down => app.selected = app.selected.saturating_add(1),
        Action::Up => app.selected = app.selected.saturating_sub(1),
        Action::NextTopic => {
            let topics = app.topics();
            if !topics.is_empty() {
                let at = topics.iter().position(|t| *t == app.topic).unwrap_or(0);
                app.topic = topics[(at + 1) % topics.len()];
                app.selected = 0;
            }
        }
        Action::CellLabel if app.view == View::Messages => app.wire_lanes = !app.wire_lanes,
        Action::CellLabel => app.cells = app.cells.next(),
        Action::Enter => {
            // In the records view, Enter goes to the event that decided the selected record.
            let decided = app
                .ledger
                .as_ref()
                .and_then(|ledger| app.filter.selected(&ledger.records, app.selected))
                .and_then(|record| {
                    app.world
                        .lost_records()
                        .find(|(r, ..)| *r == record.id)
                        .map(|(.., index)| index)
                        .or_else(|| app.record_events.get(&record.id).copied())
                });
            if app.view == View::Records
                && let Some(index) = decided
            {
                seek(app, index);
                refresh(app);
            }
            app.overlay = Some(Overlay::Details);
        }
        Action::Escape => app.status = None,
        Action::Help => app.overlay = Some(Overlay::Help),
        Action::FaultMenu => app.overlay = Some(Overlay::Faults { selected: 0 }),
        Action::Branches => {
            app.overlay = Some(Overlay::Branches {
                selected: app.branch,
            })
        }
        Action::GoToTime => {
            app.playing = false;
            app.overlay = Some(Overlay::GoTo {
                input: String::new(),
                error: None,
            })
        }
        Action::Type(c) => {
            let digit = c.to_digit(10).map(|d| d as usize);
            if app.view == View::Records
                && let Some(filter) = digit.and_then(|d| FateFilter::ALL.get(d))
            {
                app.filter = *filter;
                app.selected = 0;
            }
            if app.view == View::Messages
                && let Some(filter) = digit.and_then(|d| WireFilter::ALL.get(d))
            {
                app.wire_filter = *filter;
            }
        }
        // Closing a branch happens in the branches window only.
        Action::Backspace | Action::CloseBranch => {}
        Action::Resize(width, height) => {
            app.width = width;
            app.height = height;
        }
    }
    refresh(app);
}

/// Keys while a window is open. True when the window used the action.
fn update_overlay(app: &mut App, overlay: Overlay, action: &Action) -> bool {
    match (overlay, action) {
        (_, Action::Quit) => return false,
        (Overlay::Ask { .. } | Overlay::Answer { .. }, _) => {
            return ask::update_overlay(app, action);
        }
        (_, Action::Escape) => app.overlay = None,
        (Overlay::GoTo { mut input, .. }, Action::Type(c)) => {
            input.push(*c);
            app.overlay = Some(Overlay::GoTo { input, error: None });
        }
        (Overlay::GoTo { mut input, .. }, Action::Backspace) => {
            input.pop();
            app.overlay = Some(Overlay::GoTo { input, error: None });
        }
        (Overlay::GoTo { input, .. }, Action::Enter) => match parse_time(&input) {
            Ok(time) => {
                let index = app
                    .timeline()
                    .entries
                    .partition_point(|e| e.time < time)
                    .min(app.timeline().len().saturating_sub(1));
                seek(app, index);
                app.overlay = None;
            }
            Err(error) => {
                app.overlay = Some(Overlay::GoTo {
                    input,
                    error: Some(error),
                })
            }
        },
        (Overlay::GoTo { .. }, _) => {}
        (Overlay::Faults { selected }, Action::Down) => {
            let count = app.fault_menu().len();
            app.overlay = Some(Overlay::Faults {
                selected: (selected + 1).min(count.saturating_sub(1)),
            });
        }
        (Overlay::Faults { selected }, Action::Up) => {
            app.overlay = Some(Overlay::Faults {
                selected: selected.saturating_sub(1),
            })
        }
        (Overlay::Faults { selected }, Action::Enter) => {
            app.overlay = None;
            what_if(app, selected);
        }
        (Overlay::Branches { selected }, Action::Down) => {
            app.overlay = Some(Overlay::Branches {
                selected: (selected + 1).min(app.branches.len() - 1),
            })
        }
        (Overlay::Branches { selected }, Action::Up) => {
            app.overlay = Some(Overlay::Branches {
                selected: selected.saturating_sub(1),
            })
        }
        (Overlay::Branches { selected }, Action::Enter) => {
            app.overlay = None;
            switch_branch(app, selected);
        }
        (Overlay::Branches { selected }, Action::CloseBranch) => {
            if close_branch(app, selected) {
                app.overlay = Some(Overlay::Branches {
                    selected: selected.min(app.branches.len() - 1),
                });
            } else {
                app.status = Some("the original run stays; only a what-if closes".to_string());
            }
        }
        (Overlay::Help | Overlay::Details, Action::Help | Action::Enter) => app.overlay = None,
        // Everything else passes through: the screen behind keeps working.
        _ => return false,
    }
    true
}

/// `2s`, `1500ms`, `250us`, or a bare number of milliseconds.
fn parse_time(input: &str) -> Result<SimTime, String> {
    let input = input.trim();
    if let Ok(ms) = input.parse::<u64>() {
        return Ok(SimTime::from_millis(ms));
    }
    parse_duration(input)
        .map_err(|_| format!("expected a time such as 2s, 1500ms or 250us, found {input:?}"))
}

/// Plays forward to a trace event, as the clock and the step key do: in a lesson, the first
/// `ask` or answer on the way stops the cursor there, pauses, and opens it. Seeks (Home, End,
/// a click, `g`, `[` `]`) pass them by.
/// One tick of playing paced by simulated time: the play time moves on by the speed's share
/// of a second, and the cursor to the last event at or before it. A stretch with no event
/// that would take more than `QUIET_SKIP_TICKS` ticks is skipped to its end, and the footer
/// says how long it was.
fn play_for_a_tick(app: &mut App) {
    let step = SimTime::from_micros(TIME_SPEEDS[app.time_speed].1);
    let entries = &app.timeline().entries;
    let Some(now) = entries.get(app.cursor).map(|e| e.time) else {
        return;
    };
    let Some(next) = entries.get(app.cursor + 1).map(|e| e.time) else {
        // The last event recorded so far: wait for the recording.
        return;
    };
    // Stepping or seeking while playing moves the cursor: the play time follows it.
    let from = if app.play_time < now || app.play_time >= next {
        now
    } else {
        app.play_time
    };
    let target = from + step;
    if next > target && next - from > SimTime::from_micros(step.0 * QUIET_SKIP_TICKS) {
        app.skipped = Some((next - from, QUIET_TICKS));
        app.play_time = next;
        play_to(app, app.cursor + 1);
        return;
    }
    let index = entries
        .partition_point(|e| e.time <= target)
        .saturating_sub(1);
    app.play_time = target;
    if index > app.cursor {
        play_to(app, index);
    }
    if !app.playing {
        // Stopped at a question or an answer: play on from there.
        app.play_time = app.timeline().entries[app.cursor].time;
    }
}

fn play_to(app: &mut App, index: usize) {
    let stop = app.lesson.as_ref().and_then(|play| {
        let timeline = app.timeline();
        let ask = ask::ask_between(play, timeline, app.cursor, index).map(|(at, question)| {
            (
                at,
                Overlay::Ask {
                    question,
                    input: String::new(),
                    error: None,
                },
            )
        });
        let answer = ask::answer_moments(play, &app.scenario, timeline)
            .into_iter()
            .find(|moment| moment.index > app.cursor && moment.index <= index)
            .map(|moment| {
                (
                    moment.index,
                    Overlay::Answer {
                        question: moment.question,
                    },
                )
            });
        match (ask, answer) {
            (Some(ask), Some(answer)) => Some(if answer.0 < ask.0 { answer } else { ask }),
            (ask, answer) => ask.or(answer),
        }
    });
    match stop {
        Some((at, overlay)) => {
            seek(app, at);
            app.playing = false;
            app.overlay = Some(overlay);
        }
        None => seek(app, index),
    }
}

/// Moves the cursor to a trace event: forward from here when that is closer, otherwise from
/// a clone of the nearest keyframe before it.
pub fn seek(app: &mut App, index: usize) {
    let timeline = &app.branches[app.branch].timeline;
    let index = index.min(timeline.len().saturating_sub(1));
    let target = timeline.engine_step(index);
    let here = app.world.events_processed();
    // Forward from the screen when it is at least as close as the nearest keyframe: no clone.
    if target >= here && here >= timeline.keyframe_before(target) {
        Timeline::advance(&mut app.world, target);
    } else if target != here {
        app.world = timeline.world_at(index);
    }
    app.cursor = index;
}

/// Engine steps of a new what-if recorded before it is shown; the explorer records the rest
/// between frames, as it does the original run.
const BRANCH_FIRST_STEPS: u64 = 16_384;

/// Clones the world at the cursor, injects the chosen fault, and shows the new branch at the
/// same moment; its future is recorded from there on.
fn what_if(app: &mut App, choice: usize) {
    let menu = app.fault_menu();
    let Some((label, action)) = menu.get(choice).cloned() else {
        return;
    };
    let at = app.cursor;
    let time = app
        .timeline()
        .entries
        .get(at)
        .map_or(SimTime::ZERO, |e| e.time);
    let timeline = app.timeline().branch(at, action);
    let name = match app.lang {
        ksim::scenario::Lang::Ko => format!("{time}에 {label}"),
        ksim::scenario::Lang::En => format!("{label} at {time}"),
    };
    // The oldest what-if not shown makes room: a recording holds its own copy of the trace.
    if app.branches.len() > MAX_WHAT_IFS {
        let oldest = (1..app.branches.len())
            .find(|&b| b != app.branch)
            .expect("more than one what-if, so one is not shown");
        let closed = app.branches[oldest].name.clone();
        close_branch(app, oldest);
        app.status = Some(format!("closed the oldest what-if, {closed}"));
    }
    app.branches
        .push(Branch::new(name.clone(), timeline, Some((app.branch, at))));
    switch_branch(app, app.branches.len() - 1);
    app.record(BRANCH_FIRST_STEPS);
    let closed = app
        .status
        .take()
        .map_or(String::new(), |s| format!(" ({s})"));
    app.status = Some(format!("new branch: {name}{closed}"));
}

/// What-if branches kept at most; making one more closes the oldest that is not shown.
pub const MAX_WHAT_IFS: usize = 8;

/// Closes a what-if branch and drops its recording (trace, keyframes, worlds), so its
/// memory goes back. Branches forked from it now count as forked from its parent, which
/// shares their past up to where they part. The original run cannot be closed: false.
pub fn close_branch(app: &mut App, branch: usize) -> bool {
    if branch == 0 || branch >= app.branches.len() {
        return false;
    }
    let parent = app.branches[branch].parent.unwrap_or(0);
    // Removed from the list, the branch is dropped here: its timeline goes with it.
    app.branches.remove(branch);
    let renumber = |b: usize| if b > branch { b - 1 } else { b };
    for other in &mut app.branches {
        other.parent = other
            .parent
            .map(|p| if p == branch { parent } else { renumber(p) });
    }
    if app.branch == branch {
        app.branch = renumber(parent);
        switch_branch(app, app.branch);
    } else {
        app.branch = renumber(app.branch);
    }
    true
}

fn switch_branch(app: &mut App, branch: usize) {
    if branch >= app.branches.len() {
        return;
    }
    app.branch = branch;
    let index = app.cursor.min(app.timeline().len().saturating_sub(1));
    app.world = app.timeline().world_at(index);
    app.cursor = index;
}

/// What the views show that costs a pass over every record: computed once per change, not
/// once per frame.
pub fn refresh(app: &mut App) {
    app.ledger = (app.view == View::Records).then(|| app.world.ledger());
    app.record_events = if app.view == View::Records {
        let records = app.ledger.as_ref().map_or(&[][..], |l| &l.records[..]);
        record_events(
            app.timeline()
                .entries
                .iter()
                .take((app.cursor + 1).min(app.timeline().len())),
            records,
        )
    } else {
        Default::default()
    };
    app.producer_counts = producer_counts(&app.world);
}

/// Up to the cursor, the event that acknowledged each record, or failed it for good. A batch
/// holds one partition's records in send order, so the `count` records of a batch are the
/// producer's records for that partition from `first` on: with keys spread over partitions
/// they are not consecutive in the producer's numbering.
fn record_events<'a>(
    entries: impl Iterator<Item = &'a TraceEntry>,
    records: &[RecordFate],
) -> BTreeMap<RecordId, usize> {
    let mut by_partition: BTreeMap<(ProducerIdx, TopicPartition), Vec<u32>> = BTreeMap::new();
    for record in records {
        if let Some(tp) = record.partition {
            by_partition
                .entry((record.id.producer, tp))
                .or_default()
                .push(record.id.n);
        }
    }
    for numbers in by_partition.values_mut() {
        numbers.sort_unstable();
    }
    let mut events = BTreeMap::new();
    for (index, entry) in entries.enumerate() {
        let NodeId::Producer(producer) = entry.node else {
            continue;
        };
        let (partition, first, count) = match &entry.event {
            TraceEvent::ProduceAcked {
                partition,
                first,
                count,
                ..
            } => (*partition, *first, *count),
            TraceEvent::ProduceFailed {
                partition,
                first,
                count,
                retry: false,
                ..
            } => (*partition, *first, *count),
            TraceEvent::SendFailed { record, .. } => {
                events.insert(
                    RecordId {
                        producer,
                        n: *record,
                    },
                    index,
                );
                continue;
            }
            _ => continue,
        };
        let Some(numbers) = by_partition.get(&(producer, partition)) else {
            continue;
        };
        let start = numbers.partition_point(|&n| n < first);
        for &n in numbers.iter().skip(start).take(count as usize) {
            events.insert(RecordId { producer, n }, index);
        }
    }
    events
}

/// Per producer: records acknowledged, failed, and still in flight.
pub fn producer_counts(world: &ksim::World) -> Vec<ProducerCounts> {
    world
        .producers()
        .iter()
        .map(|producer| {
            let counts = producer.outcome_counts();
            ProducerCounts {
                acked: counts.acked,
                failed: counts.failed,
                in_flight: counts.pending,
            }
        })
        .collect()
}
