//! The explorer's model: the branches of the run (each a `Timeline`), which one is shown,
//! the cursor (a trace event), the world at the cursor, and what the screen shows. `update`
//! changes it; the views only read it.

use std::sync::Arc;

use ksim::engine::ids::BrokerId;
use ksim::observe::ledger::{Ledger, LedgerSummary};
use ksim::scenario::{Action as ScenarioAction, Scenario};
use ksim::{World, kafka::trace::brokers};

use super::ask::LessonPlay;
use super::timeline::Timeline;
use super::why::{self, Notable};

/// Engine steps recorded between two looks at the clock while recording in the background.
pub const RECORD_SLICE: u64 = 4096;

/// Play speeds when paced by events, in trace events per tick (ten ticks a second).
pub const SPEEDS: &[usize] = &[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000];

/// Play speeds when paced by simulated time: the label, and the simulated microseconds one
/// tick (a tenth of a second) plays. x1 plays a simulated second in a second.
pub const TIME_SPEEDS: &[(&str, u64)] = &[
    ("x0.1", 10_000),
    ("x0.2", 20_000),
    ("x0.5", 50_000),
    ("x1", 100_000),
    ("x2", 200_000),
    ("x5", 500_000),
    ("x10", 1_000_000),
    ("x20", 2_000_000),
    ("x50", 5_000_000),
    ("x100", 10_000_000),
];

/// How playing moves on: by simulated time (the default: a 9 s wait takes 9 s at x1) or by a
/// count of trace events per tick (every event gets the same screen time). `p` switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    Time,
    Events,
}

/// A stretch with no event longer than this many ticks at the current speed is skipped, and
/// the footer says so for `QUIET_TICKS` ticks.
pub const QUIET_SKIP_TICKS: u64 = 10;
pub const QUIET_TICKS: u8 = 15;

/// What each log cell of the cluster view shows. The character carries the meaning, so it
/// reads without colour; the colour repeats it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellLabel {
    /// The batch's leader epoch, coloured by producer.
    Epoch,
    /// The producer, a letter each, coloured by producer.
    Producer,
    /// The record's key, a letter each, coloured by key.
    Key,
    /// The record's send number within its producer (its last digit), coloured by producer:
    /// a digit smaller than the one before it from the same producer shows a reordering.
    SendOrder,
}

impl CellLabel {
    pub fn next(self) -> CellLabel {
        match self {
            CellLabel::Epoch => CellLabel::Producer,
            CellLabel::Producer => CellLabel::Key,
            CellLabel::Key => CellLabel::SendOrder,
            CellLabel::SendOrder => CellLabel::Epoch,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Cluster,
    Records,
    Keys,
    Groups,
    Messages,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Cluster,
        View::Records,
        View::Keys,
        View::Groups,
        View::Messages,
    ];

    pub fn name(self) -> &'static str {
        match self {
            View::Cluster => "cluster",
            View::Records => "records",
            View::Keys => "keys",
            View::Groups => "groups",
            View::Messages => "messages",
        }
    }
}

/// The messages view's filter: every kind but heartbeats (folded into a count), or one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireFilter {
    All,
    Produce,
    /// Fetches, followers' and consumers', with the offset lookups around them.
    Fetch,
    /// Metadata, the controller's log, ISR changes, topic creation.
    Metadata,
    /// Group coordination and offsets, heartbeats aside.
    Groups,
    /// Brokers' heartbeats to the controller and members' to their coordinator.
    Heartbeats,
    /// Transaction coordination: InitProducerId, AddPartitionsToTxn, EndTxn, markers.
    Transactions,
}

impl WireFilter {
    pub const ALL: [WireFilter; 7] = [
        WireFilter::All,
        WireFilter::Produce,
        WireFilter::Fetch,
        WireFilter::Metadata,
        WireFilter::Groups,
        WireFilter::Heartbeats,
        WireFilter::Transactions,
    ];

    pub fn name(self, lang: ksim::scenario::Lang) -> &'static str {
        let ko = lang == ksim::scenario::Lang::Ko;
        match (self, ko) {
            (WireFilter::All, false) => "all but heartbeats",
            (WireFilter::All, true) => "하트비트 외 전체",
            (WireFilter::Produce, _) => "produce",
            (WireFilter::Fetch, _) => "fetch",
            (WireFilter::Metadata, false) => "metadata and ISR",
            (WireFilter::Metadata, true) => "메타데이터와 ISR",
            (WireFilter::Groups, false) => "groups and offsets",
            (WireFilter::Groups, true) => "그룹과 오프셋",
            (WireFilter::Heartbeats, false) => "heartbeats",
            (WireFilter::Heartbeats, true) => "하트비트",
            (WireFilter::Transactions, false) => "transactions",
            (WireFilter::Transactions, true) => "트랜잭션",
        }
    }
}

/// The records view's filter: every record, or one fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FateFilter {
    All,
    Acked,
    Committed,
    Lost,
    Duplicated,
    Reordered,
    Failed,
    Pending,
}

impl FateFilter {
    pub const ALL: [FateFilter; 8] = [
        FateFilter::All,
        FateFilter::Acked,
        FateFilter::Committed,
        FateFilter::Lost,
        FateFilter::Duplicated,
        FateFilter::Reordered,
        FateFilter::Failed,
        FateFilter::Pending,
    ];

    pub fn name(self, lang: ksim::scenario::Lang) -> &'static str {
        let ko = lang == ksim::scenario::Lang::Ko;
        match (self, ko) {
            (FateFilter::All, false) => "all",
            (FateFilter::All, true) => "전체",
            (FateFilter::Acked, false) => "acked",
            (FateFilter::Acked, true) => "확인 응답",
            (FateFilter::Committed, false) => "committed",
            (FateFilter::Committed, true) => "커밋",
            (FateFilter::Lost, false) => "lost",
            (FateFilter::Lost, true) => "유실",
            (FateFilter::Duplicated, false) => "duplicated",
            (FateFilter::Duplicated, true) => "중복",
            (FateFilter::Reordered, false) => "reordered",
            (FateFilter::Reordered, true) => "순서",
            (FateFilter::Failed, false) => "failed",
            (FateFilter::Failed, true) => "실패",
            (FateFilter::Pending, false) => "pending",
            (FateFilter::Pending, true) => "대기",
        }
    }

    /// Whether the records view shows this record under the filter.
    pub fn admits(self, record: &ksim::observe::ledger::RecordFate) -> bool {
        use ksim::observe::ledger::Fate;
        match self {
            FateFilter::All => true,
            FateFilter::Acked => matches!(record.fate, Fate::Acked | Fate::Lost),
            FateFilter::Committed => record.committed,
            FateFilter::Lost => record.fate == Fate::Lost,
            FateFilter::Duplicated => record.duplicated,
            FateFilter::Reordered => record.reordered || record.reordered_as_consumed,
            FateFilter::Failed => record.fate == Fate::Failed,
            FateFilter::Pending => record.fate == Fate::Pending,
        }
    }

    /// The selected row's record in the records view, if any.
    pub fn selected(
        self,
        records: &[ksim::observe::ledger::RecordFate],
        selected: usize,
    ) -> Option<&ksim::observe::ledger::RecordFate> {
        let shown: Vec<&ksim::observe::ledger::RecordFate> =
            records.iter().filter(|r| self.admits(r)).collect();
        shown
            .get(selected.min(shown.len().saturating_sub(1)))
            .copied()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The what-if menu: faults to inject at the cursor.
    Faults {
        selected: usize,
    },
    Branches {
        selected: usize,
    },
    GoTo {
        input: String,
        error: Option<String>,
    },
    /// The event at the cursor in full.
    Details,
    /// A lesson's `ask` step: the question, the answer being typed, why the last one did not
    /// fit (predict, then watch).
    Ask {
        question: String,
        input: String,
        error: Option<String>,
    },
    /// Playing reached the first `check` of an asked question: here is the answer.
    Answer {
        question: String,
    },
}

/// One timeline of the scenario: the original run, or a what-if.
pub struct Branch {
    pub name: String,
    pub timeline: Timeline,
    /// The trace event at which the fault was injected (what-ifs only).
    pub fork: Option<usize>,
    /// The branch this one was forked from (what-ifs only).
    pub parent: Option<usize>,
    /// Notable events: (trace index, kind), in order.
    pub notable: Vec<(usize, Notable)>,
    /// The ledger's counts at the end of this branch, for comparisons (as far as it is
    /// recorded, while it is).
    pub outcome: LedgerSummary,
}

impl Branch {
    /// A branch: the original run (`fork` None) or a what-if forked from `fork = (parent,
    /// trace index)`.
    pub fn new(name: String, timeline: Timeline, fork: Option<(usize, usize)>) -> Branch {
        let mut branch = Branch {
            name,
            timeline,
            fork: fork.map(|(_, at)| at),
            parent: fork.map(|(parent, _)| parent),
            notable: Vec::new(),
            outcome: LedgerSummary::default(),
        };
        branch.catch_up(0);
        branch
    }

    /// Records up to `steps` more engine steps of a timeline still recording. True once it
    /// is done.
    pub fn record_steps(&mut self, steps: u64) -> bool {
        let seen = self.timeline.len();
        let done = self.timeline.record_steps(steps);
        self.catch_up(seen);
        done
    }

    /// Notes the notable events among the entries from `from` on, and the outcome once the
    /// run has ended.
    fn catch_up(&mut self, from: usize) {
        self.notable.extend(
            self.timeline
                .entries
                .iter_from(from)
                .enumerate()
                .filter_map(|(i, e)| why::notable(&e.event).map(|n| (from + i, n))),
        );
        if !self.timeline.is_recording() {
            self.outcome = ksim::observe::ledger::summarize(&self.timeline.final_world);
        }
    }
}

pub struct App {
    pub scenario: Arc<Scenario>,
    pub branches: Vec<Branch>,
    pub branch: usize,
    /// The trace event the screen shows; the world is as it was just after it.
    pub cursor: usize,
    pub world: World,
    pub playing: bool,
    pub pace: Pace,
    /// Index into `SPEEDS` (paced by events).
    pub speed: usize,
    /// Index into `TIME_SPEEDS` (paced by time).
    pub time_speed: usize,
    /// The simulated time playing has reached: between the cursor's event and the next one.
    pub play_time: ksim::engine::time::SimTime,
    /// A quiet stretch playing skipped (its length), shown in the footer for a few ticks.
    pub skipped: Option<(ksim::engine::time::SimTime, u8)>,
    pub view: View,
    pub topic: usize,
    /// What a log cell's character says (and its colour follows): `c` cycles.
    pub cells: CellLabel,
    /// Selected row (records, groups) or scroll offset (cluster, keys) of the view.
    pub selected: usize,
    pub overlay: Option<Overlay>,
    pub filter: FateFilter,
    pub wire_filter: WireFilter,
    /// The messages view draws lanes between the nodes (true, the default) or a list (`c`).
    pub wire_lanes: bool,
    /// False with `NO_COLOR`: marks and modifiers carry every meaning.
    pub color: bool,
    pub quit: bool,
    pub width: u16,
    pub height: u16,
    /// A one-line message for the footer (a what-if made, a bad time typed).
    pub status: Option<String>,
    /// The ledger at the cursor, for the records view (computed when that view is shown).
    pub ledger: Option<Ledger>,
    /// For the records view: each record's acknowledgement or final failure, as the index of
    /// that trace event (computed with the ledger).
    pub record_events: std::collections::BTreeMap<ksim::engine::ids::RecordId, usize>,
    /// Each producer's records by outcome at the cursor.
    pub producer_counts: Vec<ProducerCounts>,
    /// The language `say` narration is shown in (English unless set).
    pub lang: ksim::scenario::Lang,
    /// The lesson being played, when the browser opened the explorer on one: its questions
    /// for the `ask` steps, and the answers given.
    pub lesson: Option<LessonPlay>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProducerCounts {
    pub acked: u64,
    pub failed: u64,
    pub in_flight: u64,
}

impl App {
    /// The explorer on a run recorded to its end.
    pub fn new(scenario: Scenario, seed: u64, keyframe_interval: u64) -> App {
        let mut app = App::starting(scenario, seed, keyframe_interval);
        app.record(u64::MAX);
        app
    }

    /// The explorer on a run whose recording has only begun: `record_for` goes on with it
    /// between frames.
    pub fn starting(scenario: Scenario, seed: u64, keyframe_interval: u64) -> App {
        let scenario = Arc::new(scenario);
        let world = World::new(scenario.clone(), seed);
        let timeline = Timeline::start(world, keyframe_interval);
        let world = timeline.world_at(0);
        let mut app = App {
            scenario,
            branches: vec![Branch::new("original".to_string(), timeline, None)],
            branch: 0,
            cursor: 0,
            world,
            playing: false,
            pace: Pace::Time,
            speed: 2,
            time_speed: 3,
            play_time: ksim::engine::time::SimTime::ZERO,
            skipped: None,
            view: View::Cluster,
            topic: 0,
            cells: CellLabel::Epoch,
            selected: 0,
            overlay: None,
            filter: FateFilter::All,
            wire_filter: WireFilter::All,
            wire_lanes: true,
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            quit: false,
            width: 100,
            height: 30,
            status: None,
            ledger: None,
            record_events: std::collections::BTreeMap::new(),
            producer_counts: Vec::new(),
            lang: ksim::scenario::Lang::En,
            lesson: None,
        };
        app.producer_counts = super::update::producer_counts(&app.world);
        app
    }

    /// Stops recording each run after `max_events` engine events (`--max-events`).
    pub fn set_max_events(&mut self, max_events: u64) {
        for branch in &mut self.branches {
            branch.timeline.max_events = max_events;
        }
    }

    /// True while a branch's run is still being recorded.
    pub fn is_recording(&self) -> bool {
        self.branches.iter().any(|b| b.timeline.is_recording())
    }

    /// Records up to `steps` more engine steps, of the shown branch first. True once every
    /// branch is recorded.
    pub fn record(&mut self, steps: u64) -> bool {
        let order = std::iter::once(self.branch).chain(0..self.branches.len());
        for b in order {
            if self.branches[b].timeline.is_recording() {
                self.branches[b].record_steps(steps);
                if let Some(runaway) = &self.branches[b].timeline.runaway {
                    self.status = Some(format!("{}: {runaway}", self.branches[b].name));
                }
                break;
            }
        }
        let done = !self.is_recording();
        if self.world.events_processed() != self.timeline().engine_step(self.cursor) {
            // The cursor was placed before its event was recorded: show it now.
            super::update::seek(self, self.cursor);
            super::update::refresh(self);
        }
        done
    }

    /// Records for about `budget` of wall time (in slices of `RECORD_SLICE` steps). True once
    /// every branch is recorded.
    pub fn record_for(&mut self, budget: std::time::Duration) -> bool {
        let start = std::time::Instant::now();
        while !self.record(RECORD_SLICE) {
            if start.elapsed() >= budget {
                return false;
            }
        }
        true
    }

    pub fn current(&self) -> &Branch {
        &self.branches[self.branch]
    }

    pub fn timeline(&self) -> &Timeline {
        &self.current().timeline
    }

    /// The topics a user looks at: the scenario's, not `__consumer_offsets`.
    pub fn topics(&self) -> Vec<usize> {
        self.scenario
            .topics
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.internal)
            .map(|(i, _)| i)
            .collect()
    }

    /// The faults the what-if menu offers, with their labels (in the explorer's language).
    pub fn fault_menu(&self) -> Vec<(String, ScenarioAction)> {
        let ko = self.lang == ksim::scenario::Lang::Ko;
        let mut items = Vec::new();
        let all: Vec<BrokerId> = (1..=self.scenario.brokers).map(BrokerId).collect();
        for &b in &all {
            let n = b.0;
            let labels = if ko {
                [
                    format!("브로커 {n} 크래시"),
                    format!("브로커 {n} 재시작"),
                    format!("브로커 {n} 정전 (플러시 안 된 데이터 사라짐)"),
                    format!("브로커 {n} 격리"),
                ]
            } else {
                [
                    format!("crash broker {n}"),
                    format!("restart broker {n}"),
                    format!("power loss on broker {n} (unflushed data gone)"),
                    format!("isolate broker {n}"),
                ]
            };
            let actions = [
                ScenarioAction::Crash(b),
                ScenarioAction::Restart(b),
                ScenarioAction::PowerLoss(b),
                ScenarioAction::Isolate(b),
            ];
            items.extend(labels.into_iter().zip(actions));
        }
        if all.len() > 1 {
            for &b in &all {
                let rest: Vec<BrokerId> = all.iter().copied().filter(|&o| o != b).collect();
                items.push((
                    format!(
                        "{} {} | {}",
                        self.tr("partition", "분할"),
                        brokers(&[b]),
                        brokers(&rest)
                    ),
                    ScenarioAction::Partition(vec![vec![b], rest]),
                ));
            }
        }
        items.push((
            self.tr("heal the network", "네트워크 복구").to_string(),
            ScenarioAction::Heal,
        ));
        items
    }

    /// A view's name in the explorer's language.
    pub fn view_name(&self, view: View) -> &'static str {
        match view {
            View::Cluster => self.tr("cluster", "클러스터"),
            View::Records => self.tr("records", "레코드"),
            View::Keys => self.tr("keys", "키"),
            View::Groups => self.tr("groups", "그룹"),
            View::Messages => self.tr("messages", "메시지"),
        }
    }

    /// A label in the explorer's language: English, or Korean under `--lang ko`.
    pub fn tr(&self, en: &'static str, ko: &'static str) -> &'static str {
        match self.lang {
            ksim::scenario::Lang::Ko => ko,
            ksim::scenario::Lang::En => en,
        }
    }

    /// The last `say` at or before the cursor, with its index.
    pub fn narration(&self) -> Option<(usize, &str)> {
        let notable = &self.current().notable;
        let upto = notable.partition_point(|&(i, _)| i <= self.cursor);
        notable[..upto]
            .iter()
            .rev()
            .filter(|(_, n)| *n == Notable::Say)
            .find_map(|&(i, _)| match &self.timeline().entries[i].event {
                ksim::kafka::trace::TraceEvent::Say { text } => Some((i, text.text(self.lang))),
                _ => None,
            })
    }
}
