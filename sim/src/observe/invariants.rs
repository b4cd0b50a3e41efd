//! Invariants: properties of Kafka's replication protocol that must hold after every event of
//! any run, whatever the faults. Tests, `ksim run --invariants`, `ksim check --invariants`
//! and every sweep run them after every step; a violation names the invariant, the event,
//! the simulated time and the seed. The README has the table of names ([`NAMES`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::config::Acks;
use crate::config::version::Truncation;
use crate::engine::ids::{BrokerId, LeaderEpoch, NodeId, Offset, RecordId, TopicPartition};
use crate::engine::time::SimTime;
use crate::kafka::trace::TraceEvent;
use crate::world::World;

/// Every invariant, by the name a violation gives, with what it says.
pub const NAMES: [(&str, &str); 10] = [
    (
        "one_leader_per_epoch",
        "no two live brokers lead the same partition in the same leader epoch",
    ),
    (
        "leader_in_isr",
        "the controller's leader is in the ISR, and a leader's own ISR contains itself (R2.1)",
    ),
    (
        "hw_within_isr",
        "a leader's high watermark is never above its own LEO nor any ISR member's LEO (R1.2)",
    ),
    (
        "hw_never_back",
        "within one leader epoch, a leader's high watermark never goes back",
    ),
    (
        "epoch_never_back",
        "a partition's leader epoch only grows (R4.2)",
    ),
    (
        "acked_not_lost",
        "an acknowledged record is lost only where the configuration allows it: acks=0/1, min.insync.replicas=1, unclean election on, a replica's power loss, or a Kafka release before 0.11 (high watermark truncation)",
    ),
    (
        "consumers_read_committed",
        "poll() returns only committed records: below the high watermark",
    ),
    (
        "read_committed_isolation",
        "a read_committed consumer's poll() never returns a record of an aborted transaction, nor of one without its commit marker in the log",
    ),
    (
        "lso_below_open_transactions",
        "a leader's last stable offset never passes the first offset of a transaction still open in its log",
    ),
    (
        "ledger_adds_up",
        "at the end, every record sent is acknowledged, failed or pending, and the lost are among the acknowledged",
    ),
];

/// What the last event can have changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Changed {
    Nothing,
    Broker(BrokerId),
}

/// A broken invariant: which, when, and in which run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// One of [`NAMES`].
    pub invariant: &'static str,
    pub at: SimTime,
    /// The engine event after which it was found (`World::events_processed`).
    pub event: u64,
    pub seed: u64,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant {} broken at {} (event {}, seed {}): {}",
            self.invariant, self.at, self.event, self.seed, self.message
        )
    }
}

/// Remembers what it saw, for the invariants that compare now with before.
#[derive(Clone, Debug, Default)]
pub struct Invariants {
    /// Per partition and broker process (incarnation), the last leader epoch and HW seen.
    /// Keyed by partition, broker, broker incarnation and topic incarnation (a topic deleted
    /// and created again starts over).
    high_watermarks: BTreeMap<(TopicPartition, BrokerId, u32, u32), (LeaderEpoch, Offset)>,
    epochs: BTreeMap<(TopicPartition, u32), LeaderEpoch>,
    /// Trace entries already read (for power losses).
    trace_seen: usize,
    /// Brokers whose machine lost power at some point of the run.
    power_lost: BTreeSet<BrokerId>,
    /// Lost records already judged by `acked_not_lost`.
    losses_judged: BTreeSet<RecordId>,
    /// The world's count of recorded losses when they were last judged: until it moves, there
    /// is nothing new to judge.
    losses_seen: u64,
    /// Per consumer, the records of `received` already checked.
    received_seen: Vec<usize>,
    /// Per consumer, the records already checked by `read_committed_isolation`.
    isolation_seen: Vec<usize>,
    ledger_checked: bool,
    /// Scratch space for `one_leader_per_epoch`, kept to spare an allocation per event.
    leaders: Vec<(TopicPartition, LeaderEpoch, BrokerId)>,
}

impl Invariants {
    /// Checks every invariant after an event: what the last event cannot have changed is
    /// not looked at again (call it after every event, or use [`Invariants::check_all`]).
    pub fn check(&mut self, world: &World) -> Result<(), Violation> {
        self.check_with(world, false)
    }

    /// Checks every invariant against the whole world as it is now, whatever changed it.
    pub fn check_all(&mut self, world: &World) -> Result<(), Violation> {
        self.check_with(world, true)
    }

    fn check_with(&mut self, world: &World, everything: bool) -> Result<(), Violation> {
        let violation = |invariant: &'static str, message: String| Violation {
            invariant,
            at: world.now(),
            event: world.events_processed(),
            seed: world.seed(),
            message,
        };
        // An event changes only the node it is addressed to (a step may change any): after a
        // client's event the replication invariants hold as before, and after a broker's only
        // that broker needs a look.
        let changed = match world.last_event_node().filter(|_| !everything) {
            Some(NodeId::Producer(_) | NodeId::Consumer(_) | NodeId::External(_)) => {
                Some(Changed::Nothing)
            }
            Some(NodeId::Broker(b)) => Some(Changed::Broker(b)),
            Some(NodeId::Controller) | None => None,
        };
        if changed != Some(Changed::Nothing) {
            let only = match changed {
                Some(Changed::Broker(b)) => Some(b),
                _ => None,
            };
            self.replication(world, only)
                .map_err(|(name, message)| violation(name, message))?;
        }
        self.losses(world)
            .map_err(|message| violation("acked_not_lost", message))?;
        self.consumers(world)
            .map_err(|message| violation("consumers_read_committed", message))?;
        if !world.scenario().transactional_ids.is_empty() {
            self.read_committed(world)
                .map_err(|message| violation("read_committed_isolation", message))?;
            lso_below_open_transactions(world)
                .map_err(|message| violation("lso_below_open_transactions", message))?;
        }
        if world.is_finished() && !self.ledger_checked {
            self.ledger_checked = true;
            ledger_adds_up(world).map_err(|message| violation("ledger_adds_up", message))?;
        }
        Ok(())
    }

    /// The replication invariants; with `only`, just those a change of that broker's state
    /// can break (the controller's image is the controller's alone).
    fn replication(
        &mut self,
        world: &World,
        only: Option<BrokerId>,
    ) -> Result<(), (&'static str, String)> {
        let image = world.controller().image();
        for (tp, state) in image.partitions().filter(|_| only.is_none()) {
            // The controller's leader is always in the ISR (R2.1).
            if let Some(leader) = state.leader
                && !state.isr.contains(&leader)
            {
                let name = world.scenario().partition_name(tp);
                return Err((
                    "leader_in_isr",
                    format!("{name}: leader {leader} is not in the isr {:?}", state.isr),
                ));
            }
            // Leader epochs only grow (R4.2).
            let topic_incarnation = image.topics[tp.topic.0 as usize].incarnation;
            match self.epochs.get_mut(&(tp, topic_incarnation)) {
                Some(last) if state.leader_epoch < *last => {
                    let name = world.scenario().partition_name(tp);
                    return Err((
                        "epoch_never_back",
                        format!(
                            "{name}: leader epoch went back from {} to {}",
                            last, state.leader_epoch
                        ),
                    ));
                }
                Some(last) => *last = state.leader_epoch,
                None => {
                    self.epochs
                        .insert((tp, topic_incarnation), state.leader_epoch);
                }
            }
        }
        self.leaders.clear();
        let brokers = world.brokers().iter().filter(|b| b.alive);
        for broker in brokers.filter(|b| only.is_none_or(|o| o == b.id)) {
            for (tp, replica) in &broker.replicas {
                let Some(leading) = &replica.leading else {
                    continue;
                };
                let name = || world.scenario().partition_name(*tp);
                self.leaders.push((*tp, replica.leader_epoch, broker.id));
                // A leader's view of the ISR contains itself.
                if !replica.isr.contains(&broker.id) {
                    return Err((
                        "leader_in_isr",
                        format!("{}: leader {} is not in its own isr", name(), broker.id),
                    ));
                }
                let hw = replica.log.high_watermark;
                if hw > replica.log.log_end_offset() {
                    return Err((
                        "hw_within_isr",
                        format!("{}: {} has hw {hw} above its leo", name(), broker.id),
                    ));
                }
                // The high watermark never passes the log end offset the leader has seen from
                // any member of the (maximal) ISR. A member that restarted keeps its old
                // incarnation's place until the controller fences that incarnation, with a log
                // that may be shorter after a power loss: Kafka has the same window (KIP-966's
                // unclean-shutdown handling closes it where ELR is on), so it is left out.
                // What counts is the leader's own metadata: the controller may have fenced the
                // old incarnation and registered the new one while the leader, not yet told,
                // still has the member in its ISR.
                // Before Kafka 2.2 (KIP-380) a broker that restarts within its session keeps
                // its ISR places with whatever its restart left in its log, the very window
                // this rule cannot judge: every restarted member is left out then.
                let known = broker.metadata().unwrap_or(&image);
                let bounced_keep_isr = world
                    .scenario()
                    .broker_config
                    .behaviour
                    .bounced_broker_keeps_isr;
                let restarted = |b: BrokerId| {
                    let member = &world.brokers()[b.0 as usize - 1];
                    member.incarnation() != known.broker_epoch(b)
                        || (bounced_keep_isr && member.incarnation() > 0)
                };
                // Before 0.11 a member that becomes a follower truncates to its own high
                // watermark, below the leader's: the flaw KIP-101 fixed, not judged here.
                let truncates_to_hw = world.scenario().broker_config.behaviour.truncation
                    == Truncation::HighWatermark;
                let members = replica.maximal_isr().iter().filter(|_| !truncates_to_hw);
                for &member in members.filter(|b| !restarted(**b)) {
                    if let Some(leo) = leading.followers.get(&member).and_then(|f| f.leo)
                        && hw > leo
                    {
                        return Err((
                            "hw_within_isr",
                            format!(
                                "{}: leader {} has hw {hw} above isr member {member}'s leo {leo}",
                                name(),
                                broker.id
                            ),
                        ));
                    }
                }
                // Within one leader epoch, a leader's high watermark never goes back (a
                // restarted process starts again from its checkpoint).
                let key = (
                    *tp,
                    broker.id,
                    broker.incarnation(),
                    replica.topic_incarnation,
                );
                match self.high_watermarks.get_mut(&key) {
                    Some(&mut (epoch, last)) if epoch == replica.leader_epoch && hw < last => {
                        return Err((
                            "hw_never_back",
                            format!(
                                "{}: leader {}'s hw went back from {last} to {hw} in epoch {epoch}",
                                name(),
                                broker.id
                            ),
                        ));
                    }
                    Some(seen) => *seen = (replica.leader_epoch, hw),
                    None => {
                        self.high_watermarks.insert(key, (replica.leader_epoch, hw));
                    }
                }
            }
        }
        // One leader per partition and epoch: the changed broker's leaderships against every
        // other live broker's.
        if only.is_some() {
            let changed = self.leaders.len();
            let others = world.brokers().iter().filter(|b| b.alive);
            for other in others.filter(|b| Some(b.id) != only) {
                for i in 0..changed {
                    let (tp, epoch, _) = self.leaders[i];
                    if let Some(replica) = other.replicas.get(&tp)
                        && replica.leading.is_some()
                        && replica.leader_epoch == epoch
                    {
                        self.leaders.push((tp, epoch, other.id));
                    }
                }
            }
        }
        self.leaders.sort_unstable();
        for pair in self.leaders.windows(2) {
            let ((tp, epoch, a), (tp2, epoch2, b)) = (pair[0], pair[1]);
            if tp == tp2 && epoch == epoch2 {
                return Err((
                    "one_leader_per_epoch",
                    format!(
                        "{}: both {a} and {b} lead epoch {epoch}",
                        world.scenario().partition_name(tp)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `acked_not_lost`: every acknowledged record the engine saw lost, judged once, against
    /// the settings that allow a loss.
    fn losses(&mut self, world: &World) -> Result<(), String> {
        let entries = world.trace().entries();
        for entry in &entries[self.trace_seen.min(entries.len())..] {
            if let (TraceEvent::PowerLoss { .. }, NodeId::Broker(b)) = (&entry.event, entry.node) {
                self.power_lost.insert(b);
            }
        }
        self.trace_seen = entries.len();
        if world.tracker.losses_recorded == self.losses_seen {
            return Ok(());
        }
        self.losses_seen = world.tracker.losses_recorded;
        let lost = &world.tracker.lost_by;
        let image = world.controller().image();
        let scenario = world.scenario();
        for (&record, &(tp, offset, line)) in lost {
            if !self.losses_judged.insert(record) || !record.is_from_scenario() {
                continue;
            }
            let acks = scenario.producers[record.producer.0 as usize].config.acks;
            let topic = &scenario.topics[tp.topic.0 as usize].config;
            let replicas = image.partition(tp).map(|p| p.replicas.clone());
            let power_lost = replicas
                .iter()
                .flatten()
                .any(|b| self.power_lost.contains(b));
            // Before Kafka 0.11 a new follower truncates to its own high watermark, which
            // loses committed records (KIP-101 scenario 1): that release allows the loss.
            let truncates_to_hw =
                scenario.broker_config.behaviour.truncation == Truncation::HighWatermark;
            let allowed = acks != Acks::All
                || topic.min_insync_replicas <= 1
                || topic.unclean_leader_election_enable
                || power_lost
                || truncates_to_hw;
            if !allowed {
                let value = world.value_of(record);
                return Err(format!(
                    "{value} (acks=all) lost from {} at offset {offset} with min.insync.replicas={}, unclean election off and no power loss: {}",
                    scenario.partition_name(tp),
                    topic.min_insync_replicas,
                    world.trace().line(line).trim()
                ));
            }
        }
        Ok(())
    }

    /// `consumers_read_committed`: each record poll() returned was below a leader's high
    /// watermark when it was read (the producer's record says it was committed).
    fn consumers(&mut self, world: &World) -> Result<(), String> {
        let consumers = world.consumers();
        self.received_seen.resize(consumers.len(), 0);
        for (c, consumer) in consumers.iter().enumerate() {
            let seen = self.received_seen[c].min(consumer.received.len());
            for &(tp, offset, record) in consumer.received.iter_from(seen) {
                if record.is_internal() {
                    continue;
                }
                let committed = world
                    .producers()
                    .get(record.producer.0 as usize)
                    .and_then(|p| p.records.get(record.n as usize))
                    .is_some_and(|r| r.committed);
                if !committed {
                    return Err(format!(
                        "consumer {} read {} at offset {offset} of {}, which no leader's high watermark had passed",
                        world.scenario().consumers[c].name,
                        world.value_of(record),
                        world.scenario().partition_name(tp)
                    ));
                }
            }
            self.received_seen[c] = consumer.received.len();
        }
        Ok(())
    }
}

/// Kafka's transaction rule read straight from a log, independently of the partition's
/// producer state: per producer id, where its open transaction (transactional batches not yet
/// followed by a marker of that producer id) begins.
fn open_transactions(
    log: &crate::kafka::log::ReplicaLog,
) -> BTreeMap<crate::engine::ids::ProducerIdx, Offset> {
    let mut open = BTreeMap::new();
    for batch in log.batches() {
        let Some(stamp) = batch.producer else {
            continue;
        };
        if batch.control.is_some() {
            open.remove(&stamp.producer);
        } else if batch.transactional {
            open.entry(stamp.producer).or_insert(batch.base_offset);
        }
    }
    open
}

/// `lso_below_open_transactions`: on each live leader, the LSO is at most the first offset of
/// every transaction open in its log.
fn lso_below_open_transactions(world: &World) -> Result<(), String> {
    for broker in world.brokers().iter().filter(|b| b.alive) {
        for (tp, replica) in broker.replicas.iter().filter(|(_, r)| r.leading.is_some()) {
            let lso = replica
                .producers
                .last_stable_offset(replica.log.high_watermark);
            if let Some((producer, first)) = open_transactions(&replica.log)
                .into_iter()
                .find(|(_, first)| lso > *first)
            {
                return Err(format!(
                    "{} on {}: lso {lso} passes offset {first}, where producer id {}'s open transaction begins",
                    world.scenario().partition_name(*tp),
                    broker.id,
                    producer.0
                ));
            }
        }
    }
    Ok(())
}

impl Invariants {
    /// `read_committed_isolation`: each record a read_committed consumer's poll() returned
    /// is outside any transaction, or its transaction's next marker in a live replica's log is
    /// COMMIT.
    fn read_committed(&mut self, world: &World) -> Result<(), String> {
        let consumers = world.consumers();
        self.isolation_seen.resize(consumers.len(), 0);
        for (c, consumer) in consumers.iter().enumerate() {
            if !consumer.config.read_committed {
                continue;
            }
            let seen = self.isolation_seen[c].min(consumer.received.len());
            for &(tp, offset, record) in consumer.received.iter_from(seen) {
                let Some(replica) = world
                    .brokers()
                    .iter()
                    .filter(|b| b.alive)
                    .filter_map(|b| b.replicas.get(&tp))
                    .max_by_key(|r| r.log.log_end_offset())
                else {
                    continue;
                };
                let batches = replica.log.batches();
                let Some(i) = batches
                    .iter()
                    .position(|b| b.base_offset <= offset && offset < b.end_offset())
                else {
                    continue;
                };
                let batch = &batches[i];
                let (true, Some(stamp)) = (batch.transactional, batch.producer) else {
                    continue;
                };
                let marker = batches.iter_from(i + 1).find(|b| {
                    b.control.is_some() && b.producer.is_some_and(|s| s.producer == stamp.producer)
                });
                let problem = match marker.and_then(|b| b.control) {
                    Some(crate::kafka::log::ControlType::Commit) => continue,
                    Some(_) => "an aborted transaction",
                    None => "a transaction still open",
                };
                return Err(format!(
                    "read_committed consumer {} read {} at offset {offset} of {}, from {problem}",
                    world.scenario().consumers[c].name,
                    world.value_of(record),
                    world.scenario().partition_name(tp)
                ));
            }
            self.isolation_seen[c] = consumer.received.len();
        }
        Ok(())
    }
}

/// `ledger_adds_up`: the ledger's counts agree with each other, with the producers, and with
/// every record's fate: the summary (read from counts kept as the run went) equals the one the
/// full ledger adds up record by record.
fn ledger_adds_up(world: &World) -> Result<(), String> {
    let summary = crate::observe::ledger::summarize(world);
    let sent: u64 = world
        .producers()
        .iter()
        .map(|p| p.records.len() as u64)
        .sum();
    if summary.sent != sent {
        return Err(format!(
            "the ledger counts {} records sent, the producers {sent}",
            summary.sent
        ));
    }
    let by_record = crate::observe::ledger::summarize_by_record(world);
    if by_record != summary {
        return Err(format!(
            "the counts kept during the run give {summary:?}, the records one by one {by_record:?}"
        ));
    }
    if summary.acked + summary.failed + summary.pending != summary.sent {
        return Err(format!(
            "acked {} + failed {} + pending {} != sent {}",
            summary.acked, summary.failed, summary.pending, summary.sent
        ));
    }
    if summary.acked_lost > summary.acked {
        return Err(format!(
            "acked_lost {} is more than acked {}",
            summary.acked_lost, summary.acked
        ));
    }
    if summary.committed > summary.sent || summary.duplicated > summary.sent {
        return Err(format!(
            "committed {} or duplicated {} is more than sent {}",
            summary.committed, summary.duplicated, summary.sent
        ));
    }
    Ok(())
}

/// Runs a world to its end, checking every invariant after every event; stops at the first
/// violation. `max_events` bounds a runaway run (a retry loop without backoff).
pub fn run_checked(world: &mut World, max_events: u64) -> Result<(), Violation> {
    let mut invariants = Invariants::default();
    invariants.check_all(world)?;
    while world.step() {
        invariants.check(world)?;
        if world.events_processed() >= max_events {
            return Err(Violation {
                invariant: "runaway",
                at: world.now(),
                event: world.events_processed(),
                seed: world.seed(),
                message: format!("{max_events} events without reaching the end of the run"),
            });
        }
    }
    invariants.check(world)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::engine::ids::{ProducerIdx, TopicId};

    fn world(acks: &str) -> World {
        let text = format!(
            r#"name = "n"
duration = "20s"
[cluster]
brokers = 3
[[topics]]
name = "t"
partitions = 1
replication_factor = 3
replicas = [[1, 2, 3]]
config = {{ "min.insync.replicas" = 2 }}
[[producers]]
name = "p"
config = {{ "acks" = "{acks}", "enable.idempotence" = false }}
[[consumers]]
name = "c"
assign = ["t-0"]
[[steps]]
at = "0s"
produce = {{ producer = "p", topic = "t", count = 20, rate = "10/s" }}
"#
        );
        let scenario = crate::scenario::parse(&text, "n.toml").unwrap();
        let mut world = World::new(Arc::new(scenario), 1);
        world.run_until(SimTime::from_secs(5));
        world
    }

    fn tp() -> TopicPartition {
        TopicPartition::new(TopicId(0), 0)
    }

    /// Checks a world that was fine, after `break_it` changed it.
    fn broken(acks: &str, break_it: impl FnOnce(&mut World)) -> Result<(), Violation> {
        let mut world = world(acks);
        let mut invariants = Invariants::default();
        invariants
            .check_all(&world)
            .expect("the run itself is sound");
        break_it(&mut world);
        invariants.check_all(&world)
    }

    // A sound run passes; each invariant catches the state it forbids, by name, with the seed.
    #[test]
    fn each_invariant_catches_its_violation() {
        assert!(broken("all", |_| {}).is_ok());
        let v = broken("all", |w| {
            let leo = w.brokers[0].replicas[&tp()].log.log_end_offset();
            let replica = w.brokers[0].replicas.get_mut(&tp()).unwrap();
            replica.log.high_watermark = Offset(leo.0 + 3);
        })
        .unwrap_err();
        assert_eq!((v.invariant, v.seed), ("hw_within_isr", 1));
        assert!(
            v.to_string()
                .starts_with("invariant hw_within_isr broken at 5000.000ms (event "),
            "{v}"
        );

        let v = broken("all", |w| {
            let replica = w.brokers[0].replicas.get_mut(&tp()).unwrap();
            replica.log.high_watermark = Offset(replica.log.high_watermark.0 - 1);
        })
        .unwrap_err();
        assert_eq!(v.invariant, "hw_never_back");

        let v = broken("all", |w| {
            let leading = w.brokers[0].replicas[&tp()].leading.clone();
            w.brokers[1].replicas.get_mut(&tp()).unwrap().leading = leading;
        })
        .unwrap_err();
        assert_eq!(v.invariant, "one_leader_per_epoch");

        let v = broken("all", |w| {
            let replica = w.brokers[0].replicas.get_mut(&tp()).unwrap();
            replica.isr.retain(|b| *b != BrokerId(1));
        })
        .unwrap_err();
        assert_eq!(v.invariant, "leader_in_isr");

        let lose = |w: &mut World| {
            let record = RecordId {
                producer: ProducerIdx(0),
                n: 0,
            };
            w.tracker.lost_by.insert(record, (tp(), Offset(0), 0));
            w.tracker.losses_recorded += 1;
        };
        let v = broken("all", lose).unwrap_err();
        assert_eq!(v.invariant, "acked_not_lost");
        assert!(v.message.contains("p-0 (acks=all) lost from t-0"), "{v}");
        // acks=1 allows the same loss.
        assert!(broken("1", lose).is_ok());

        let v = broken("all", |w| {
            let n = w.producers[0].records.len() as u32 - 1;
            w.producers[0].records[n as usize].committed = false;
            let record = RecordId {
                producer: ProducerIdx(0),
                n,
            };
            w.consumers[0]
                .received
                .push((tp(), Offset(u64::from(n)), record));
        })
        .unwrap_err();
        assert_eq!(v.invariant, "consumers_read_committed");
    }
}
