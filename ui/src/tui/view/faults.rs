//! The faults in force at the cursor, for the cluster view: each broker's state (up, down,
//! powered off, isolated, restarting, fenced) and a network line naming cut links
//! (`split [1] | [2,3]: b1 ⟂ b2,b3`) and slowed brokers (`b2 slow +200ms`). Links come from
//! `World::is_cut`, fencing from the controller's image, the rest from the fault events the
//! trace recorded up to the cursor. Words and symbols carry every meaning, so the lines read
//! the same without colour.

use std::collections::BTreeMap;

use ksim::engine::ids::{BrokerId, NodeId};
use ksim::engine::time::{SimTime, format_duration};
use ksim::kafka::trace::TraceEvent;

use crate::tui::app::App;
use crate::tui::why::Notable;

/// A broker's state as a learner needs it: is the process running, can the controller reach
/// it, may it serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerState {
    /// Running, registered, unfenced.
    Up,
    /// The process crashed; its disk keeps what it appended.
    Down,
    /// The machine lost power: what was not flushed is gone from its disk.
    PoweredOff,
    /// Every link of the broker is cut, the controller's included.
    Isolated,
    /// Started again and fenced until it has caught up with the metadata log.
    Restarting,
    /// The controller fenced it (no heartbeat within `broker.session.timeout.ms`): it leads
    /// nothing and leaves every ISR.
    Fenced,
}

impl BrokerState {
    /// The word shown; the states a learner must not miss are in capitals.
    pub fn label(self, lang: ksim::scenario::Lang) -> &'static str {
        let ko = lang == ksim::scenario::Lang::Ko;
        match (self, ko) {
            (BrokerState::Up, false) => "up",
            (BrokerState::Up, true) => "정상",
            (BrokerState::Down, false) => "DOWN",
            (BrokerState::Down, true) => "다운",
            (BrokerState::PoweredOff, false) => "POWERED OFF",
            (BrokerState::PoweredOff, true) => "전원 꺼짐",
            (BrokerState::Isolated, false) => "ISOLATED",
            (BrokerState::Isolated, true) => "격리됨",
            (BrokerState::Restarting, false) => "restarting",
            (BrokerState::Restarting, true) => "재시작 중",
            (BrokerState::Fenced, false) => "fenced",
            (BrokerState::Fenced, true) => "펜싱됨",
        }
    }
}

/// What the fault events up to the cursor left behind: each broker's last crash, power loss or
/// restart, and the extra latency of slowed brokers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FaultHistory {
    pub last_lifecycle: BTreeMap<BrokerId, Lifecycle>,
    pub slowed: BTreeMap<BrokerId, SimTime>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    Crash,
    PowerLoss,
    Restart,
}

impl FaultHistory {
    /// Folds fault events, in trace order.
    pub fn from_events<'a>(events: impl Iterator<Item = (NodeId, &'a TraceEvent)>) -> Self {
        let mut history = FaultHistory::default();
        for (node, event) in events {
            let lifecycle = match event {
                TraceEvent::Crash | TraceEvent::Shutdown => Some(Lifecycle::Crash),
                TraceEvent::PowerLoss { .. } => Some(Lifecycle::PowerLoss),
                TraceEvent::Restart => Some(Lifecycle::Restart),
                TraceEvent::Slow { broker, latency } => {
                    if latency.0 == 0 {
                        history.slowed.remove(broker);
                    } else {
                        history.slowed.insert(*broker, *latency);
                    }
                    None
                }
                TraceEvent::Heal => {
                    history.slowed.clear();
                    None
                }
                _ => None,
            };
            if let (Some(lifecycle), NodeId::Broker(b)) = (lifecycle, node) {
                history.last_lifecycle.insert(b, lifecycle);
            }
        }
        history
    }

    /// The history of the shown branch up to the cursor (from its notable events, which hold
    /// every fault).
    pub fn at_cursor(app: &App) -> Self {
        let entries = &app.timeline().entries;
        FaultHistory::from_events(
            app.current()
                .notable
                .iter()
                .take_while(|&&(i, _)| i <= app.cursor)
                .filter(|(_, n)| *n == Notable::Fault)
                .filter_map(|&(i, _)| entries.get(i))
                .map(|e| (e.node, &e.event)),
        )
    }
}

/// A broker's state at the cursor: a dead process first, then the network, then fencing.
pub fn broker_state(app: &App, history: &FaultHistory, broker: BrokerId) -> BrokerState {
    let world = &app.world;
    let Some(node) = world.brokers().get(broker.0 as usize - 1) else {
        return BrokerState::Down;
    };
    let last = history.last_lifecycle.get(&broker).copied();
    if !node.alive {
        return if last == Some(Lifecycle::PowerLoss) {
            BrokerState::PoweredOff
        } else {
            BrokerState::Down
        };
    }
    if world.is_cut(NodeId::Broker(broker), NodeId::Controller) {
        return BrokerState::Isolated;
    }
    if world.controller().image().is_fenced(broker) {
        return if last == Some(Lifecycle::Restart) {
            BrokerState::Restarting
        } else {
            BrokerState::Fenced
        };
    }
    BrokerState::Up
}

/// A broker and the brokers it cannot reach.
pub type Cut = (BrokerId, Vec<BrokerId>);

/// The cut links among `brokers` that are not isolated (those are cut from everything and
/// say so in their state): the groups that can still reach each other when there are several
/// (`[1] | [2,3]`), and each cut once, from the broker with most cuts (`b1 ⟂ b2,b3`).
pub fn cuts(
    brokers: &[BrokerId],
    is_cut: impl Fn(BrokerId, BrokerId) -> bool,
) -> (Vec<Vec<BrokerId>>, Vec<Cut>) {
    let cut = |x: BrokerId, y: BrokerId| is_cut(x, y) || is_cut(y, x);
    // Groups: brokers joined by working links, each group named by its lowest broker.
    let mut group: Vec<usize> = (0..brokers.len()).collect();
    for i in 0..brokers.len() {
        for j in i + 1..brokers.len() {
            if !cut(brokers[i], brokers[j]) {
                let (a, b) = (group[i], group[j]);
                if a != b {
                    let (low, high) = (a.min(b), a.max(b));
                    group
                        .iter_mut()
                        .filter(|g| **g == high)
                        .for_each(|g| *g = low);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<BrokerId>> = BTreeMap::new();
    for (i, &g) in group.iter().enumerate() {
        groups.entry(g).or_default().push(brokers[i]);
    }
    let groups: Vec<Vec<BrokerId>> = groups.into_values().collect();

    // Each cut once: brokers with the most cuts first, each listing those not yet listed.
    let peers = |b: BrokerId| -> Vec<BrokerId> {
        brokers
            .iter()
            .copied()
            .filter(|&o| o != b && cut(b, o))
            .collect()
    };
    let mut order: Vec<BrokerId> = brokers.to_vec();
    order.sort_by_key(|&b| (std::cmp::Reverse(peers(b).len()), b));
    let mut listed: Vec<(BrokerId, BrokerId)> = Vec::new();
    let mut pairs = Vec::new();
    for b in order {
        let new: Vec<BrokerId> = peers(b)
            .into_iter()
            .filter(|&o| !listed.contains(&(b.min(o), b.max(o))))
            .collect();
        if new.is_empty() {
            continue;
        }
        listed.extend(new.iter().map(|&o| (b.min(o), b.max(o))));
        pairs.push((b, new));
    }
    (if groups.len() > 1 { groups } else { Vec::new() }, pairs)
}

/// Brokers as `b2,b3`.
fn names(brokers: &[BrokerId]) -> String {
    brokers
        .iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The network line: `network  split [1] | [2,3]: b1 ⟂ b2,b3  b2 slow +200ms`, or that every
/// link works (then true).
pub fn network_line(app: &App, history: &FaultHistory) -> (String, bool) {
    let world = &app.world;
    let all: Vec<BrokerId> = world.brokers().iter().map(|b| b.id).collect();
    let isolated: Vec<BrokerId> = all
        .iter()
        .copied()
        .filter(|&b| world.is_cut(NodeId::Broker(b), NodeId::Controller))
        .collect();
    let reachable: Vec<BrokerId> = all
        .iter()
        .copied()
        .filter(|b| !isolated.contains(b))
        .collect();
    let (groups, pairs) = cuts(&reachable, |x, y| {
        world.is_cut(NodeId::Broker(x), NodeId::Broker(y))
    });
    let mut parts = Vec::new();
    if !isolated.is_empty() {
        parts.push(format!(
            "{} ⟂ {}",
            names(&isolated),
            app.tr("everyone (isolated)", "모두 (격리됨)")
        ));
    }
    let cut_text: Vec<String> = pairs
        .iter()
        .map(|(b, peers)| format!("{b} ⟂ {}", names(peers)))
        .collect();
    if !groups.is_empty() {
        let groups: Vec<String> = groups
            .iter()
            .map(|g| ksim::kafka::trace::brokers(g))
            .collect();
        parts.push(format!(
            "{} {}: {}",
            app.tr("split", "분할"),
            groups.join(" | "),
            cut_text.join("  ")
        ));
    } else if !cut_text.is_empty() {
        parts.push(cut_text.join("  "));
    }
    for (b, latency) in &history.slowed {
        parts.push(format!(
            "{b} {} +{}",
            app.tr("slow", "느림"),
            format_duration(*latency)
        ));
    }
    let network = app.tr("network", "네트워크");
    if parts.is_empty() {
        (
            format!("{network}  {}", app.tr("every link up", "모든 링크 정상")),
            true,
        )
    } else {
        (format!("{network}  {}", parts.join("  ")), false)
    }
}

#[cfg(test)]
mod tests {
    use ksim::engine::ids::{BrokerId, NodeId};
    use ksim::engine::time::SimTime;
    use ksim::kafka::trace::TraceEvent;

    use super::{FaultHistory, Lifecycle, cuts};

    fn b(ids: &[u32]) -> Vec<BrokerId> {
        ids.iter().map(|&i| BrokerId(i)).collect()
    }

    // A split [1] | [2,3] gives two groups and one line, from the broker cut from both others.
    #[test]
    fn a_split_is_named_once() {
        let side = |x: BrokerId| x.0 == 1;
        let (groups, pairs) = cuts(&b(&[1, 2, 3]), |x, y| side(x) != side(y));
        assert_eq!(groups, vec![b(&[1]), b(&[2, 3])]);
        assert_eq!(pairs, vec![(BrokerId(1), b(&[2, 3]))]);
    }

    // A single cut link inside a cluster still reachable through a third broker is one group
    // but still shown as a cut; no cut at all shows nothing.
    #[test]
    fn a_cut_without_a_split() {
        let (groups, pairs) = cuts(&b(&[1, 2, 3]), |x, y| {
            (x.0, y.0) == (1, 2) || (x.0, y.0) == (2, 1)
        });
        assert!(groups.is_empty());
        assert_eq!(pairs, vec![(BrokerId(1), b(&[2]))]);
        assert_eq!(cuts(&b(&[1, 2, 3]), |_, _| false), (vec![], vec![]));
        let (groups, pairs) = cuts(&b(&[1, 2, 3]), |x, y| x != y);
        assert_eq!(groups.len(), 3);
        assert_eq!(
            pairs,
            vec![(BrokerId(1), b(&[2, 3])), (BrokerId(2), b(&[3]))]
        );
    }

    // The last crash, power loss or restart of each broker is kept; a heal ends every slow
    // link, a later slow starts one again.
    #[test]
    fn history_folds_fault_events() {
        let b1 = NodeId::Broker(BrokerId(1));
        let slow = TraceEvent::Slow {
            broker: BrokerId(2),
            latency: SimTime::from_millis(200),
        };
        let events = [
            (b1, TraceEvent::PowerLoss { lost: vec![] }),
            (NodeId::Controller, slow.clone()),
            (b1, TraceEvent::Restart),
            (NodeId::Controller, TraceEvent::Heal),
        ];
        let history = FaultHistory::from_events(events.iter().map(|(n, e)| (*n, e)));
        assert_eq!(history.last_lifecycle[&BrokerId(1)], Lifecycle::Restart);
        assert!(history.slowed.is_empty());
        let history = FaultHistory::from_events(events[..2].iter().map(|(n, e)| (*n, e)));
        assert_eq!(history.last_lifecycle[&BrokerId(1)], Lifecycle::PowerLoss);
        assert_eq!(history.slowed[&BrokerId(2)], SimTime::from_millis(200));
    }
}
