//! The nemesis: a random fault schedule for a scenario's `[faults]` table, drawn up front from
//! the seed's own `faults` stream, so that one seed always gives the same schedule, the
//! schedule can be printed and shrunk, and it can be written out as ordinary `[[steps]]`.
//!
//! A schedule is a list of [`Fault`]s: something goes wrong at `at` and is undone at
//! `at + length` (a restart, or `heal = true`). [`with_schedule`] turns a scenario and a
//! schedule into the plain scenario the engine runs, the faults merged into its steps.

use std::fmt;

use crate::engine::ids::BrokerId;
use crate::engine::rng::{SimRng, Stream};
use crate::engine::time::{SimTime, format_duration};
use crate::scenario::{Action, Pos, Scenario, Step};

/// The kinds of fault the nemesis can inject, as `[faults] kinds` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// The broker's process dies; it restarts when the fault ends.
    Crash,
    /// A bounce: the process dies and comes straight back (after at most the shortest
    /// `heal_after`), quicker than the controller's session timeout notices.
    Restart,
    /// The broker's machine loses power: its unflushed data is gone (R12.3); it restarts when
    /// the fault ends.
    PowerLoss,
    /// Every link of the broker is cut (brokers, controller, clients) until `heal`.
    Isolate,
    /// The links between a minority of brokers and the others are cut until `heal`; the
    /// controller and the clients keep all their links.
    Partition,
    /// Every link of the broker gets extra latency until `heal`.
    Slow,
}

impl FaultKind {
    pub const ALL: [FaultKind; 6] = [
        FaultKind::Crash,
        FaultKind::Restart,
        FaultKind::PowerLoss,
        FaultKind::Isolate,
        FaultKind::Partition,
        FaultKind::Slow,
    ];

    /// The name a scenario file uses: `crash`, `power_loss`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Restart => "restart",
            FaultKind::PowerLoss => "power_loss",
            FaultKind::Isolate => "isolate",
            FaultKind::Partition => "partition",
            FaultKind::Slow => "slow",
        }
    }

    pub fn from_name(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Faults of the network, undone by `heal = true`, which removes every network fault.
    pub fn is_network(self) -> bool {
        matches!(
            self,
            FaultKind::Isolate | FaultKind::Partition | FaultKind::Slow
        )
    }
}

/// `[faults]` as parsed: how to draw a schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    pub kinds: Vec<FaultKind>,
    /// The pause between one fault's start and the next, drawn uniformly.
    pub every: (SimTime, SimTime),
    /// Brokers down, isolated, slowed or cut off at once, at most.
    pub max_down: u32,
    /// How long a fault lasts, drawn uniformly.
    pub heal_after: (SimTime, SimTime),
    /// No fault at the end of the run, so that the cluster can recover: every fault ends
    /// when the quiet period starts.
    pub quiet: SimTime,
    /// When the first fault may start.
    pub start: SimTime,
    /// The extra latency of a `slow` fault, drawn uniformly.
    pub slow_latency: (SimTime, SimTime),
    /// `ksim check` skips the scenario: its expectations are a claim that only a sweep over
    /// many seeds tests (see the README).
    pub sweep_only: bool,
    /// Where `[faults]` is, for the steps it generates.
    pub pos: Pos,
}

/// One fault of a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub at: SimTime,
    pub kind: FaultKind,
    /// The broker it hits; for a partition, the minority cut off from the others.
    pub brokers: Vec<BrokerId>,
    /// How long until it is undone.
    pub length: SimTime,
    /// The extra latency of a `slow` fault.
    pub latency: SimTime,
}

impl Fault {
    pub fn end(&self) -> SimTime {
        self.at + self.length
    }

    /// The step that starts the fault, given the cluster's size.
    pub fn start_action(&self, brokers: u32) -> Action {
        let first = self.brokers[0];
        match self.kind {
            FaultKind::Crash | FaultKind::Restart => Action::Crash(first),
            FaultKind::PowerLoss => Action::PowerLoss(first),
            FaultKind::Isolate => Action::Isolate(first),
            FaultKind::Partition => {
                let rest = (1..=brokers)
                    .map(BrokerId)
                    .filter(|b| !self.brokers.contains(b))
                    .collect();
                Action::Partition(vec![self.brokers.clone(), rest])
            }
            FaultKind::Slow => Action::Slow {
                broker: first,
                latency: self.latency,
            },
        }
    }

    /// The step that undoes it.
    pub fn end_action(&self) -> Action {
        if self.kind.is_network() {
            Action::Heal
        } else {
            Action::Restart(self.brokers[0])
        }
    }
}

/// `at 12.5s crash b2 for 3s`, as a sweep prints a schedule.
impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let brokers: Vec<String> = self.brokers.iter().map(|b| b.to_string()).collect();
        write!(
            f,
            "at {} {} {} for {}",
            format_duration(self.at),
            self.kind.name(),
            brokers.join("+"),
            format_duration(self.length)
        )?;
        if self.kind == FaultKind::Slow {
            write!(f, " (+{})", format_duration(self.latency))?;
        }
        Ok(())
    }
}

/// Draws the fault schedule of a scenario for a seed; empty without `[faults]`.
///
/// Faults start at `start` and then every `every`, until the quiet period; each picks a kind,
/// then brokers among those no fault touches now, and lasts `heal_after` (cut short where the
/// quiet period starts). A fault that would put more than `max_down` brokers out at once is
/// not drawn, and neither is a network fault while another is on: `heal = true` ends every
/// network fault at once, so they must not overlap.
pub fn schedule(scenario: &Scenario, seed: u64) -> Vec<Fault> {
    let Some(spec) = &scenario.faults else {
        return Vec::new();
    };
    let mut rng = SimRng::new(seed, Stream::Faults);
    let quiet_from = scenario.duration.saturating_sub(spec.quiet);
    // Whole milliseconds, so that a schedule reads well, unless the range is narrower.
    let draw = |rng: &mut SimRng, (low, high): (SimTime, SimTime)| {
        if high.as_millis() > low.as_millis() {
            SimTime::from_millis(rng.between(low.as_millis(), high.as_millis()))
                .max(low)
                .min(high)
        } else {
            SimTime(rng.between(low.as_micros(), high.as_micros()))
        }
    };
    let mut faults: Vec<Fault> = Vec::new();
    let mut at = spec.start;
    while at < quiet_from && !spec.kinds.is_empty() {
        let kind = spec.kinds[rng.below(spec.kinds.len() as u64) as usize];
        let active: Vec<&Fault> = faults.iter().filter(|f| f.end() > at).collect();
        let busy: Vec<BrokerId> = active.iter().flat_map(|f| f.brokers.clone()).collect();
        let network_busy = active.iter().any(|f| f.kind.is_network());
        let free: Vec<BrokerId> = (1..=scenario.brokers)
            .map(BrokerId)
            .filter(|b| !busy.contains(b))
            .collect();
        let room = (spec.max_down as usize)
            .saturating_sub(busy.len())
            .min(free.len());
        // A partition needs someone on the other side.
        let room = if kind == FaultKind::Partition {
            room.min((scenario.brokers as usize).saturating_sub(1))
        } else {
            room
        };
        let length = draw(&mut rng, spec.heal_after);
        if room > 0 && !(kind.is_network() && network_busy) {
            let count = if kind == FaultKind::Partition {
                1 + rng.below(room as u64) as usize
            } else {
                1
            };
            let mut pool = free;
            let mut brokers = Vec::new();
            for _ in 0..count {
                brokers.push(pool.remove(rng.below(pool.len() as u64) as usize));
            }
            brokers.sort();
            let length = if kind == FaultKind::Restart {
                draw(&mut rng, (SimTime::ZERO, spec.heal_after.0))
            } else {
                length
            };
            let latency = if kind == FaultKind::Slow {
                draw(&mut rng, spec.slow_latency)
            } else {
                SimTime::ZERO
            };
            let end = (at + length).min(quiet_from);
            faults.push(Fault {
                at,
                kind,
                brokers,
                length: end - at,
                latency,
            });
        }
        at = at + draw(&mut rng, spec.every).max(SimTime(1));
    }
    faults
}

/// The plain scenario a schedule gives: the scenario's own steps and each fault's start and
/// end as steps, in time order (a scenario's step before a fault's at the same moment), and
/// no `[faults]` left to draw from.
pub fn with_schedule(scenario: &Scenario, faults: &[Fault]) -> Scenario {
    let pos = scenario.faults.as_ref().map_or(Pos::default(), |f| f.pos);
    let mut steps = scenario.steps.clone();
    for fault in faults {
        steps.push(Step {
            at: fault.at,
            action: fault.start_action(scenario.brokers),
            pos,
        });
        steps.push(Step {
            at: fault.end(),
            action: fault.end_action(),
            pos,
        });
    }
    // Stable: equal times keep the order above.
    steps.sort_by_key(|step| step.at);
    Scenario {
        faults: None,
        steps,
        ..scenario.clone()
    }
}

/// Smaller schedules to try in place of `faults`, most promising first: without one fault,
/// then one fault shortened, then one fault moved later. Each is smaller than `faults` by a
/// well-founded measure (fewer faults, or the same faults shorter or later within the run),
/// so repeated shrinking ends.
pub fn shrink_candidates(faults: &[Fault], run_end: SimTime) -> Vec<Vec<Fault>> {
    let mut candidates = Vec::new();
    for i in 0..faults.len() {
        let mut fewer = faults.to_vec();
        fewer.remove(i);
        candidates.push(fewer);
    }
    for (i, fault) in faults.iter().enumerate() {
        for length in [
            SimTime::ZERO,
            SimTime::from_millis(fault.length.as_millis() / 2),
        ] {
            if length < fault.length {
                let mut shorter = faults.to_vec();
                shorter[i].length = length;
                candidates.push(shorter);
            }
        }
    }
    for (i, fault) in faults.iter().enumerate() {
        let room = run_end.saturating_sub(fault.end());
        // Half the room left: a move that keeps the failure halves the room again.
        let delay = SimTime::from_millis(room.as_millis() / 2);
        if delay >= SimTime::from_millis(1) {
            let mut later = faults.to_vec();
            later[i].at = fault.at + delay;
            candidates.push(later);
        }
    }
    candidates
}

/// Reduces a failing schedule while `still_fails` says the same failure happens: tries the
/// candidates of [`shrink_candidates`] in turn and restarts from the first that still fails,
/// until none does or `budget` runs have been spent. Returns the smallest schedule found and
/// the runs spent.
pub fn shrink(
    faults: Vec<Fault>,
    run_end: SimTime,
    budget: usize,
    mut still_fails: impl FnMut(&[Fault]) -> bool,
) -> (Vec<Fault>, usize) {
    let mut current = faults;
    let mut runs = 0;
    'outer: loop {
        for candidate in shrink_candidates(&current, run_end) {
            if runs >= budget {
                break 'outer;
            }
            runs += 1;
            if still_fails(&candidate) {
                current = candidate;
                continue 'outer;
            }
        }
        break;
    }
    (current, runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(faults: &str) -> Scenario {
        let text = format!(
            "name = \"n\"\nduration = \"60s\"\n[cluster]\nbrokers = 3\n[[topics]]\nname = \"t\"\npartitions = 1\nreplication_factor = 3\n[faults]\n{faults}\n"
        );
        crate::scenario::parse(&text, "n.toml").unwrap_or_else(|e| panic!("{e}"))
    }

    // The same seed draws the same schedule; another seed draws another.
    #[test]
    fn a_seed_reproduces_its_schedule() {
        let s =
            scenario("kinds = [\"crash\", \"isolate\", \"partition\"]\nevery = [\"1s\", \"4s\"]");
        assert_eq!(schedule(&s, 7), schedule(&s, 7));
        assert_ne!(schedule(&s, 7), schedule(&s, 8));
        assert!(!schedule(&s, 7).is_empty());
    }

    // No fault reaches into the quiet period, none starts before `start`, and never more
    // than `max_down` brokers are out at once, nor two network faults.
    #[test]
    fn schedules_keep_their_limits() {
        let s = scenario(
            "kinds = [\"crash\", \"power_loss\", \"isolate\", \"partition\", \"slow\", \"restart\"]\nevery = [\"100ms\", \"2s\"]\nheal_after = [\"1s\", \"9s\"]\nmax_down = 2\nquiet = \"20s\"\nstart = \"3s\"",
        );
        let mut kinds = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let faults = schedule(&s, seed);
            for f in &faults {
                kinds.insert(f.kind);
                assert!(f.at >= SimTime::from_secs(3), "{f}");
                assert!(f.end() <= SimTime::from_secs(40), "{f}");
                let t = f.at;
                let active: Vec<&Fault> =
                    faults.iter().filter(|g| g.at <= t && g.end() > t).collect();
                let out: usize = active.iter().map(|g| g.brokers.len()).sum();
                assert!(out <= 2, "seed {seed}: {out} brokers out at {t}");
                let network = active.iter().filter(|g| g.kind.is_network()).count();
                assert!(
                    network <= 1,
                    "seed {seed}: overlapping network faults at {t}"
                );
                if f.kind == FaultKind::Partition {
                    assert!(f.brokers.len() < 3);
                }
            }
        }
        assert_eq!(kinds.len(), 6, "every kind was drawn: {kinds:?}");
    }

    // The plain scenario holds the faults as steps, and no `[faults]` to draw again.
    #[test]
    fn with_schedule_merges_steps_in_time_order() {
        let s =
            scenario("kinds = [\"crash\"]\nevery = \"10s\"\nheal_after = \"2s\"\nquiet = \"30s\"");
        let faults = schedule(&s, 1);
        assert_eq!(faults.len(), 3);
        let plain = with_schedule(&s, &faults);
        assert!(plain.faults.is_none());
        let actions: Vec<(u64, Action)> = plain
            .steps
            .iter()
            .map(|st| (st.at.as_millis(), st.action.clone()))
            .collect();
        assert_eq!(actions.len(), 6);
        assert_eq!(actions[0].0, 1_000);
        assert!(matches!(actions[0].1, Action::Crash(_)));
        assert_eq!(actions[1].0, 3_000);
        assert!(matches!(actions[1].1, Action::Restart(_)));
        assert!(actions.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    // Shrinking keeps the failure and ends with a schedule no candidate improves.
    #[test]
    fn shrinking_drops_what_the_failure_does_not_need() {
        let fault = |at: u64, broker: u32| Fault {
            at: SimTime::from_secs(at),
            kind: FaultKind::Crash,
            brokers: vec![BrokerId(broker)],
            length: SimTime::from_secs(4),
            latency: SimTime::ZERO,
        };
        let faults = vec![fault(1, 1), fault(10, 2), fault(20, 3)];
        // "Fails" while broker 2 is down for at least a second, starting before 30s.
        let fails = |faults: &[Fault]| {
            faults.iter().any(|f| {
                f.brokers == [BrokerId(2)]
                    && f.length >= SimTime::from_secs(1)
                    && f.at < SimTime::from_secs(30)
            })
        };
        let (small, runs) = shrink(faults, SimTime::from_secs(60), 1_000, fails);
        assert_eq!(small.len(), 1, "{small:?}");
        assert!(fails(&small));
        assert!(runs > 2 && runs < 1_000);
        assert!(small[0].length < SimTime::from_secs(4) || small[0].at > SimTime::from_secs(10));
    }
}
