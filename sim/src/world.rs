//! The engine: a single-threaded discrete-event loop over simulated time.
//!
//! `World` holds the clock, a queue of pending events ordered by (time, sequence number), the
//! network, every node and the seeded random streams. `step()` pops one event, hands it to its
//! node, and applies the effects the node asked for: messages, timers, trace entries, ledger
//! notes. Nodes never see the queue. `World` is `Clone`: a clone is a keyframe, and a what-if
//! run is a clone with a fault added.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::clients::consumer::Consumer;
use crate::clients::producer::Producer;
use crate::engine::ids::{
    BrokerId, ConsumerIdx, GroupId, NodeId, Offset, ProducerIdx, RecordId, TopicId, TopicPartition,
};
use crate::engine::network::Network;
use crate::engine::queue::EventQueue;
use crate::engine::rng::{SimRng, Stream};
use crate::engine::shared::SharedVec;
use crate::engine::time::{SimTime, format_duration};
use crate::kafka::broker::Broker;
use crate::kafka::cleanup::RecordKeys;
use crate::kafka::controller::Controller;
use crate::kafka::effects::{Ctx, Effect, Note, Timer};
use crate::kafka::group::{Coordinator, Group};
use crate::kafka::log::RecordKey;
use crate::kafka::log::ReplicaLog;
use crate::kafka::message::Message;
use crate::kafka::trace::{Names, Trace, TraceEvent, why};
use crate::observe::check::{self, CheckResult};
use crate::scenario::{Action, Client, Scenario};

mod streams;

/// The default bound on the engine events of one run in `run`, `check`, `trace` and `tui`
/// (`--max-events` raises it): the largest shipped scenario takes about 2 M.
pub const DEFAULT_MAX_EVENTS: u64 = 20_000_000;

/// A run stopped by its event limit before the end of its duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the run stopped after {max_events} engine events, at {reached} of its {}: raise the limit with --max-events, or shorten `duration`",
    format_duration(*duration)
)]
pub struct Runaway {
    pub max_events: u64,
    /// The simulated time the run had reached.
    pub reached: SimTime,
    /// The scenario's duration.
    pub duration: SimTime,
}

/// A message on the wire at some moment (`World::in_flight`).
#[derive(Clone, Copy, Debug)]
pub struct InFlight<'a> {
    pub from: NodeId,
    pub to: NodeId,
    pub sent: SimTime,
    pub arrives: SimTime,
    pub message: &'a Message,
    /// Why it will be dropped on arrival, if the world stays as it is now.
    pub doomed: Option<Doomed>,
}

/// Why a message on the wire will not be delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doomed {
    LinkCut,
    ReceiverDown,
    ReceiverRestarted,
}

#[derive(Clone, Debug)]
enum Event {
    /// The message is boxed so that an event stays small: the queue's persistent tree moves
    /// events around as it orders them, and most pending events are timers.
    Deliver {
        from: NodeId,
        to: NodeId,
        sent: SimTime,
        message: Box<Message>,
    },
    Timer {
        node: NodeId,
        incarnation: u32,
        timer: Timer,
    },
    Step(usize),
    StartConsumer(ConsumerIdx),
    Check(usize),
    End,
}

/// A batch the producer learned was written: its base offset and its records.
pub(crate) type AckedBatch = (Offset, Arc<Vec<RecordId>>);

/// What the ledger tracks as the run goes: acknowledged offsets, and the event that lost a
/// record, named by its trace index.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tracker {
    /// Per partition, each acknowledged batch: its base offset and records.
    pub acked: BTreeMap<TopicPartition, SharedVec<AckedBatch>>,
    /// Acknowledged records missing from their partition's leader: where they were, and the
    /// trace line that said so.
    pub lost_by: BTreeMap<RecordId, (TopicPartition, Offset, usize)>,
    /// How many times records were found lost, so that a reader of `lost_by` can tell cheaply
    /// whether it has anything new.
    pub losses_recorded: u64,
    /// Records a replica's retention or cleaner removed: gone by design, not lost.
    pub removed: std::collections::BTreeSet<RecordId>,
}

impl Tracker {
    /// Acknowledged records of a partition that a log does not hold where they were
    /// acknowledged. Batches are checked by their ends first: logs copy whole batches.
    fn missing_from(&self, partition: TopicPartition, log: &ReplicaLog) -> Vec<(Offset, RecordId)> {
        let mut missing = Vec::new();
        for (base, records) in self.acked.get(&partition).into_iter().flatten() {
            let (Some(first), Some(last)) = (records.first(), records.last()) else {
                continue;
            };
            let end = Offset(base.0 + records.len() as u64 - 1);
            if log.record_at(*base) == Some(*first) && log.record_at(end) == Some(*last) {
                continue;
            }
            for (i, &r) in records.iter().enumerate() {
                let offset = Offset(base.0 + i as u64);
                if log.record_at(offset) != Some(r)
                    && offset >= log.log_start_offset()
                    && !self.removed.contains(&r)
                {
                    missing.push((offset, r));
                }
            }
        }
        missing
    }

    /// Acknowledged (offset, record) pairs of a partition at or above `from`.
    fn acked_from(
        &self,
        partition: TopicPartition,
        from: Offset,
    ) -> impl Iterator<Item = (Offset, RecordId)> + '_ {
        self.acked
            .get(&partition)
            .into_iter()
            .flat_map(move |batches| {
                // Acknowledgements arrive nearly in offset order, but not always (retries), so
                // every batch is looked at.
                batches
                    .iter()
                    .filter(move |(base, records)| base.0 + records.len() as u64 > from.0)
                    .flat_map(move |(base, records)| {
                        let skip = from.0.saturating_sub(base.0) as usize;
                        records
                            .iter()
                            .enumerate()
                            .skip(skip)
                            .map(move |(i, &r)| (Offset(base.0 + i as u64), r))
                    })
            })
    }
}

#[derive(Clone)]
pub struct World {
    scenario: Arc<Scenario>,
    seed: u64,
    now: SimTime,
    queue: EventQueue<Event>,
    events_processed: u64,
    finished: bool,
    network: Network,
    /// Per node (network index): is its process up, and which incarnation.
    up: Vec<bool>,
    incarnation: Vec<u32>,
    started_at: Vec<SimTime>,
    pub(crate) controller: Controller,
    pub(crate) brokers: Vec<Broker>,
    pub(crate) producers: Vec<Producer>,
    pub(crate) consumers: Vec<Consumer>,
    rng_network: SimRng,
    trace: Trace,
    pub(crate) tracker: Tracker,
    check_results: Vec<Option<CheckResult>>,
    effects: Vec<Effect>,
    /// The node the last event was addressed to (a delivery or a timer), for the invariants,
    /// which look only at what that node's event can have changed.
    last_event_node: Option<NodeId>,
    /// Live mode's real clients: what they wrote and what the brokers answered them.
    live: Live,
    /// Kafka Streams: one thread per member, and per application how many times each input
    /// record was processed.
    pub(crate) streams: Vec<crate::clients::streams::StreamsThread>,
    pub(crate) streams_seen: Vec<BTreeMap<RecordId, u32>>,
}

/// A record a real client produced in live mode, as the trace and the ledger show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveRecord {
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
}

/// Live mode's side of the world (`ksim serve`): real clients' requests enter through
/// `live_send` and the brokers' answers wait in an outbox until the server drains them.
/// Everything here follows from the requests sent in and their order, so a journal of them
/// replays the cluster side.
#[derive(Clone, Debug, Default)]
struct Live {
    /// Answers delivered to real clients' connections: (connection, broker, message).
    outbox: Vec<(u32, BrokerId, Message)>,
    /// Records real clients produced, indexed by their `RecordId::n`.
    records: SharedVec<LiveRecord>,
    /// Produce requests awaiting their answer, by (connection, correlation): the records of
    /// each partition, so that an acknowledgement reaches the ledger.
    produce: BTreeMap<(u32, u64), Vec<PartitionRecords>>,
    /// Producer ids handed to idempotent real producers so far.
    producer_ids: u32,
}

/// The records of one partition in a produce request.
type PartitionRecords = (TopicPartition, Arc<Vec<RecordId>>);

/// Where live mode's producer ids start: far above the scenario's producer indexes, which
/// its own idempotent producers use as theirs.
pub const LIVE_PRODUCER_ID_BASE: u32 = 1_000_000;

impl World {
    /// Builds the cluster and clients of a scenario, with every step scheduled. A scenario
    /// with `[faults]` runs as the plain scenario its seed's fault schedule gives
    /// (`nemesis::with_schedule`), so `scenario()` shows the faults as steps.
    pub fn new(scenario: Arc<Scenario>, seed: u64) -> World {
        let scenario = match scenario.faults {
            Some(_) => {
                let faults = crate::scenario::nemesis::schedule(&scenario, seed);
                Arc::new(crate::scenario::nemesis::with_schedule(&scenario, &faults))
            }
            None => scenario,
        };
        let names = Names {
            scenario: scenario.name.clone(),
            seed,
            topics: scenario.topics.iter().map(|t| t.name.clone()).collect(),
            producers: scenario.producers.iter().map(|p| p.name.clone()).collect(),
            consumers: scenario.consumers.iter().map(|c| c.name.clone()).collect(),
        };
        let mut placement = SimRng::new(seed, Stream::Placement);
        let controller = Controller::new(&scenario, &mut placement);
        let image = controller.image();
        let broker_config = Arc::new(scenario.broker_config.clone());
        let topic_configs: Arc<Vec<_>> =
            Arc::new(scenario.topics.iter().map(|t| t.config.clone()).collect());
        let group_names = Arc::new(scenario.groups.clone());
        let offsets_topic = scenario
            .topics
            .iter()
            .position(|t| t.internal && t.name == crate::scenario::OFFSETS_TOPIC)
            .map(|i| TopicId(i as u32));
        let txn_topic = scenario
            .topics
            .iter()
            .position(|t| t.internal && t.name == crate::scenario::TRANSACTION_STATE_TOPIC)
            .map(|i| TopicId(i as u32));
        let txn_coordinator = crate::kafka::txn::TxnCoordinator::new(
            Arc::new(scenario.transactional_ids.clone()),
            txn_topic,
            scenario.broker_config.transaction_state_log_num_partitions,
        );
        let coordinator = Coordinator::new(
            group_names,
            offsets_topic,
            scenario.broker_config.offsets_topic_num_partitions,
            SimTime::from_millis(scenario.broker_config.group_initial_rebalance_delay_ms),
        );
        let brokers = (1..=scenario.brokers)
            .map(|id| {
                Broker::new(
                    BrokerId(id),
                    broker_config.clone(),
                    topic_configs.clone(),
                    image.clone(),
                    coordinator.clone(),
                    txn_coordinator.clone(),
                )
            })
            .collect();
        let producers = scenario
            .producers
            .iter()
            .enumerate()
            .map(|(i, spec)| Producer::new(ProducerIdx(i as u32), spec, scenario.clone(), seed))
            .collect();
        let consumers = scenario
            .consumers
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let group = spec.group.as_ref().and_then(|g| {
                    scenario
                        .groups
                        .iter()
                        .position(|n| n == g)
                        .map(|i| GroupId(i as u32))
                });
                let mut consumer =
                    Consumer::new(ConsumerIdx(i as u32), spec, group, scenario.brokers);
                consumer.validates_position =
                    scenario.broker_config.behaviour.consumer_validates_position;
                consumer
            })
            .collect();
        let network = Network::new(
            scenario.network.latency_min,
            scenario.network.latency_max,
            scenario.brokers,
            scenario.producers.len() as u32,
            scenario.consumers.len() as u32,
        );
        let nodes = network.node_count();
        let mut world = World {
            seed,
            now: SimTime::ZERO,
            queue: EventQueue::default(),
            events_processed: 0,
            finished: false,
            network,
            up: vec![true; nodes],
            incarnation: vec![0; nodes],
            started_at: vec![SimTime::ZERO; nodes],
            controller,
            brokers,
            producers,
            consumers,
            rng_network: SimRng::new(seed, Stream::Network),
            trace: Trace::new(names),
            tracker: Tracker::default(),
            check_results: vec![None; scenario.expectations.len()],
            effects: Vec::new(),
            last_event_node: None,
            live: Live::default(),
            streams: scenario
                .streams
                .iter()
                .enumerate()
                .flat_map(|(a, app)| {
                    (0..app.members.len())
                        .map(move |m| crate::clients::streams::StreamsThread::new(a, m))
                })
                .collect(),
            streams_seen: vec![BTreeMap::new(); scenario.streams.len()],
            scenario: scenario.clone(),
        };
        for (i, step) in scenario.steps.iter().enumerate() {
            world.schedule(step.at, Event::Step(i));
        }
        for (i, spec) in scenario.consumers.iter().enumerate() {
            world.schedule(spec.start, Event::StartConsumer(ConsumerIdx(i as u32)));
        }
        for (i, expectation) in scenario.expectations.iter().enumerate() {
            if let Some(at) = expectation.at {
                world.schedule(at, Event::Check(i));
            }
        }
        world.schedule(scenario.duration, Event::End);
        world.handle(NodeId::Controller, |c, ctx| c.controller.start(ctx));
        for b in 1..=scenario.brokers {
            world.handle(NodeId::Broker(BrokerId(b)), |w, ctx| {
                w.brokers[b as usize - 1].start(ctx)
            });
        }
        for p in 0..world.producers.len() {
            world.handle(NodeId::Producer(ProducerIdx(p as u32)), |w, ctx| {
                w.producers[p].start(ctx)
            });
        }
        world
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The node the last event was delivered to (a message or a timer); `None` for the
    /// scenario's own events (steps, checks, the end).
    pub fn last_event_node(&self) -> Option<NodeId> {
        self.last_event_node
    }

    /// Engine events applied so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Moves out the trace entries recorded since the last drain (see `Trace::drain`).
    pub fn drain_trace(&mut self) -> Vec<crate::kafka::trace::TraceEntry> {
        self.trace.drain()
    }

    /// Schedules a scenario action for now, as if the scenario had a step at this moment:
    /// a what-if. The past stays as it was; the action runs after the events already due now.
    pub fn inject(&mut self, action: Action) {
        let mut scenario = (*self.scenario).clone();
        scenario.steps.push(crate::scenario::Step {
            at: self.now,
            action,
            pos: crate::scenario::Pos::default(),
        });
        let index = scenario.steps.len() - 1;
        self.scenario = Arc::new(scenario);
        self.schedule(self.now, Event::Step(index));
    }

    /// Acknowledged records that are gone so far: the record, where it was acknowledged,
    /// and the index of the trace event that lost it.
    pub fn lost_records(&self) -> impl Iterator<Item = (RecordId, TopicPartition, Offset, usize)> {
        self.tracker
            .lost_by
            .iter()
            .map(|(&r, &(tp, offset, index))| (r, tp, offset, index))
    }

    /// Is the link from one node to another cut by a network fault now?
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.network.is_cut(from, to)
    }

    /// The messages on the wire now, in the order they arrive, each with why it will not be
    /// delivered if the world stays as it is (a cut link, a receiver down or restarted since).
    pub fn in_flight(&self) -> Vec<InFlight<'_>> {
        self.queue
            .pending()
            .into_iter()
            .filter_map(|(arrives, event)| match event {
                Event::Deliver {
                    from,
                    to,
                    sent,
                    message,
                } => {
                    let i = self.network.index(*to);
                    let doomed = if self.network.is_cut(*from, *to) {
                        Some(Doomed::LinkCut)
                    } else if !self.up[i] {
                        Some(Doomed::ReceiverDown)
                    } else if self.started_at[i] > *sent {
                        Some(Doomed::ReceiverRestarted)
                    } else {
                        None
                    };
                    Some(InFlight {
                        from: *from,
                        to: *to,
                        sent: *sent,
                        arrives,
                        message,
                        doomed,
                    })
                }
                _ => None,
            })
            .collect()
    }

    /// How many messages from one node to another the network has dropped so far: sent into
    /// a cut link, or lost on the way to a receiver that went down.
    pub fn dropped(&self, from: NodeId, to: NodeId) -> u64 {
        self.network.dropped(from, to)
    }

    /// The requests the live brokers hold now rather than answer at once (an acks=all
    /// Produce waiting for the ISR, a long-polling Fetch, a JoinGroup or SyncGroup held by a
    /// group coordinator), broker by broker: who holds what for whom, since when, until
    /// when, and what it waits for.
    pub fn held_requests(&self) -> Vec<crate::kafka::held::HeldRequest> {
        self.brokers
            .iter()
            .flat_map(Broker::held_requests)
            .collect()
    }

    pub fn brokers(&self) -> &[Broker] {
        &self.brokers
    }

    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    pub fn producers(&self) -> &[Producer] {
        &self.producers
    }

    pub fn consumers(&self) -> &[Consumer] {
        &self.consumers
    }

    /// A group as its coordinator holds it now: the live broker that leads the group's
    /// `__consumer_offsets` partition and has it loaded.
    pub fn group(&self, name: &str) -> Option<(BrokerId, &Group)> {
        let id = GroupId(self.scenario.groups.iter().position(|g| g == name)? as u32);
        self.brokers.iter().filter(|b| b.alive).find_map(|b| {
            let tp = b.coordinator.partition_of(id)?;
            let leads = b.replicas.get(&tp).is_some_and(|r| r.leading.is_some());
            let group = b.coordinator.groups.get(&id).filter(|_| leads)?;
            Some((b.id, group))
        })
    }

    /// Of a group's records: how many were returned by poll() and committed past but never
    /// processed (lost, as at-most-once allows), and how many were processed more than once
    /// (as at-least-once allows).
    pub fn group_processing(&self, name: &str) -> (u64, u64) {
        let records = self.group_record_processing(name);
        let lost = records.values().filter(|p| p.skipped).count() as u64;
        let reprocessed = records.values().filter(|p| p.times > 1).count() as u64;
        (lost, reprocessed)
    }

    /// Every record a group's members received, by partition and offset: how many times
    /// they processed it, and whether the group committed past it without processing it.
    pub fn group_record_processing(
        &self,
        name: &str,
    ) -> BTreeMap<(TopicPartition, Offset), Processing> {
        // The consumers keep what their poll() returned and what they processed, across
        // crashes and restarts.
        let members = || self.consumers.iter().filter(|c| c.member_of(name));
        let mut records: BTreeMap<(TopicPartition, Offset), Processing> = members()
            .flat_map(|c| &c.received)
            .map(|&(tp, offset, _)| ((tp, offset), Processing::default()))
            .collect();
        for &(tp, offset, _) in members().flat_map(|c| &c.processed) {
            records.entry((tp, offset)).or_default().times += 1;
        }
        let committed = self.group(name).map(|(_, g)| &g.offsets);
        for ((tp, offset), processing) in records.iter_mut() {
            processing.skipped = processing.times == 0
                && committed
                    .and_then(|c| c.get(tp))
                    .is_some_and(|c| *offset < *c);
        }
        records
    }

    /// The last stable offset of a partition on its leader (R1.6): where a read_committed
    /// consumer stops. `None` without a live leader.
    pub fn last_stable_offset(&self, tp: TopicPartition) -> Option<Offset> {
        self.brokers
            .iter()
            .filter(|b| b.alive)
            .filter_map(|b| b.replicas.get(&tp).filter(|r| r.leading.is_some()))
            .map(|r| r.producers.last_stable_offset(r.log.high_watermark))
            .next()
    }

    /// The live broker that holds a transactional.id's state: its transaction coordinator.
    pub fn transaction_coordinator(&self, id: &str) -> Option<BrokerId> {
        let index = self
            .scenario
            .transactional_ids
            .iter()
            .position(|t| t == id)?;
        let txn = crate::engine::ids::TransactionalId(index as u32);
        self.brokers
            .iter()
            .filter(|b| b.alive)
            .find(|b| b.txn_coordinator.txns.contains_key(&txn))
            .map(|b| b.id)
    }

    /// The state of a transactional.id at its live coordinator.
    pub fn transaction_state(&self, id: &str) -> Option<crate::kafka::txn::TxnState> {
        let index = self
            .scenario
            .transactional_ids
            .iter()
            .position(|t| t == id)?;
        let txn = crate::engine::ids::TransactionalId(index as u32);
        self.brokers
            .iter()
            .filter(|b| b.alive)
            .find_map(|b| b.txn_coordinator.txns.get(&txn))
            .map(|m| m.state)
    }

    /// Whether a record at `offset` of `tp` belongs to a transaction that was aborted, by
    /// the aborted-transactions index of the partition's leader (or any live replica).
    pub fn is_aborted(&self, tp: TopicPartition, offset: Offset, r: RecordId) -> bool {
        if !r.is_from_scenario() {
            return false;
        }
        let Some(producer) = self.producers[r.producer.0 as usize]
            .txn
            .as_ref()
            .and_then(|t| t.producer_id)
        else {
            return false;
        };
        self.brokers
            .iter()
            .filter(|b| b.alive)
            .filter_map(|b| b.replicas.get(&tp))
            .any(|replica| replica.producers.is_aborted(producer, offset))
    }

    /// A record's value as expectations and the trace name it: `"app-3"`, or for what a
    /// group coordinator wrote to `__consumer_offsets`, `"(group record)"`.
    pub fn value_of(&self, r: RecordId) -> String {
        if r.is_group_record() {
            return "(group record)".to_string();
        }
        if r.is_control() {
            return "(transaction marker)".to_string();
        }
        if r.is_external() {
            return self
                .live
                .records
                .get(r.n as usize)
                .map_or_else(|| "?".to_string(), |l| l.value.to_string());
        }
        self.producers[r.producer.0 as usize].key_and_value(r.n).1
    }

    /// Record values for a trace line: the first few, then how many more.
    pub fn values_summary(&self, records: impl Iterator<Item = RecordId>) -> String {
        const SHOWN: usize = 6;
        let mut shown = Vec::new();
        let mut more = 0;
        for r in records {
            if shown.len() < SHOWN {
                shown.push(self.value_of(r));
            } else {
                more += 1;
            }
        }
        let mut text = shown.join(", ");
        if more > 0 {
            text.push_str(&format!(", … +{more}"));
        }
        text
    }

    /// The expectations checked so far (all of them once the run is over), in file order.
    pub fn check_results(&self) -> Vec<CheckResult> {
        self.check_results.iter().flatten().cloned().collect()
    }

    pub(crate) fn trace_index_of_last(&self) -> usize {
        self.trace.len().saturating_sub(1)
    }

    /// Runs until the scenario's duration.
    pub fn run_to_end(&mut self) {
        while self.step() {}
    }

    /// Runs until the scenario's duration, unless the run takes more than `max_events` engine
    /// events first: then it stops there and says how far it got. A runaway guard, so that no
    /// scenario keeps a command busy for hours.
    pub fn run_to_end_within(&mut self, max_events: u64) -> Result<(), Runaway> {
        while self.events_processed < max_events {
            if !self.step() {
                return Ok(());
            }
        }
        if self.finished {
            return Ok(());
        }
        Err(Runaway {
            max_events,
            reached: self.now,
            duration: self.scenario.duration,
        })
    }

    /// Runs every event up to and including time `until`.
    pub fn run_until(&mut self, until: SimTime) {
        while let Some(next) = self.queue.peek_time() {
            if next > until || !self.step() {
                break;
            }
        }
    }

    /// Applies one event; false once the run is over (the duration reached).
    pub fn step(&mut self) -> bool {
        if self.finished {
            return false;
        }
        let Some((time, event)) = self.queue.pop() else {
            self.finish();
            return false;
        };
        self.now = time;
        self.events_processed += 1;
        self.last_event_node = match &event {
            Event::Deliver { to, .. } => Some(*to),
            Event::Timer { node, .. } => Some(*node),
            _ => None,
        };
        match event {
            Event::Deliver {
                from,
                to,
                sent,
                message,
            } => self.deliver(from, to, sent, *message),
            Event::Timer {
                node,
                incarnation,
                timer,
            } => {
                let i = self.network.index(node);
                let streams_timer = matches!(timer, Timer::StreamsCommit | Timer::StreamsRestore);
                if self.up[i] && self.incarnation[i] == incarnation && streams_timer {
                    if let NodeId::Consumer(c) = node {
                        self.streams_timer(c, timer);
                    }
                } else if self.up[i] && self.incarnation[i] == incarnation {
                    self.handle(node, |w, ctx| match node {
                        NodeId::Controller => w.controller.on_timer(ctx, timer),
                        NodeId::Broker(b) if timer == Timer::LogCleaner => {
                            let producers = &w.producers;
                            let live = &w.live.records;
                            let client_record = |r: RecordId| {
                                if r.is_external() {
                                    let record = live.get(r.n as usize);
                                    return RecordKey {
                                        key: record.and_then(|l| l.key.clone()),
                                        tombstone: false,
                                    };
                                }
                                let producer = &producers[r.producer.0 as usize];
                                RecordKey {
                                    key: producer.key_of(r.n).cloned(),
                                    tombstone: producer.is_tombstone(r.n),
                                }
                            };
                            let keys = RecordKeys {
                                client_record: &client_record,
                            };
                            w.brokers[b.0 as usize - 1].on_cleaner_wakeup(ctx, &keys);
                        }
                        NodeId::Broker(b) => w.brokers[b.0 as usize - 1].on_timer(ctx, timer),
                        NodeId::Producer(p) => w.producers[p.0 as usize].on_timer(ctx, timer),
                        NodeId::Consumer(c) => w.consumers[c.0 as usize].on_timer(ctx, timer),
                        NodeId::External(_) => {}
                    });
                }
            }
            Event::Step(i) => self.apply_step(i),
            Event::StartConsumer(c) => self.start_client(Client::Consumer(c)),
            Event::Check(i) => self.check(i),
            Event::End => {
                self.finish();
                return false;
            }
        }
        if !self.streams.is_empty()
            && let Some(NodeId::Consumer(c)) = self.last_event_node
        {
            self.streams_sync(c);
        }
        true
    }

    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        for i in 0..self.scenario.expectations.len() {
            if self.scenario.expectations[i].at.is_none() {
                self.check(i);
            }
        }
    }

    fn check(&mut self, i: usize) {
        let result = check::evaluate(self, &self.scenario.expectations[i]);
        self.check_results[i] = Some(result);
    }

    fn schedule(&mut self, time: SimTime, event: Event) {
        self.queue.push(time, event);
    }

    /// Runs a handler for `node` with a fresh context, then applies what it asked for.
    fn handle(&mut self, node: NodeId, f: impl FnOnce(&mut World, &mut Ctx)) {
        let mut effects = std::mem::take(&mut self.effects);
        f(self, &mut Ctx::new(self.now, node, &mut effects));
        for effect in effects.drain(..) {
            match effect {
                Effect::Send(to, message) => self.send(node, to, message),
                Effect::Timer(at, timer) => {
                    let incarnation = self.incarnation[self.network.index(node)];
                    self.schedule(
                        at,
                        Event::Timer {
                            node,
                            incarnation,
                            timer,
                        },
                    );
                }
                Effect::Trace(event) => self.trace.push(self.now, node, event),
                Effect::Note(note) => self.apply_note(node, note),
            }
        }
        self.effects = effects;
    }

    fn send(&mut self, from: NodeId, to: NodeId, message: Message) {
        let to_index = self.network.index(to);
        if !self.up[to_index] && !self.network.is_cut(from, to) {
            // Connection refused: the host answers that no process listens, one round trip
            // later, and the sender learns that its request never reached a broker.
            let there = self
                .network
                .arrival(self.now, from, to, &mut self.rng_network);
            let back = self.network.arrival(there, to, from, &mut self.rng_network);
            let sent = self.now;
            self.schedule(
                back,
                Event::Deliver {
                    from: to,
                    to: from,
                    sent,
                    message: Box::new(Message::Refused(Box::new(message))),
                },
            );
            return;
        }
        if self.network.is_cut(from, to) {
            self.network.count_drop(from, to);
            return;
        }
        self.transmit(from, to, message);
    }

    /// Puts a message on the wire: it arrives after the link's latency, in order.
    fn transmit(&mut self, from: NodeId, to: NodeId, message: Message) {
        let at = self
            .network
            .arrival(self.now, from, to, &mut self.rng_network);
        let sent = self.now;
        self.schedule(
            at,
            Event::Deliver {
                from,
                to,
                sent,
                message: Box::new(message),
            },
        );
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, sent: SimTime, message: Message) {
        let i = self.network.index(to);
        // A message is lost if the link broke while it travelled, or if the process it was
        // sent to has died (or died and restarted) since.
        if !self.up[i] || self.started_at[i] > sent || self.network.is_cut(from, to) {
            self.network.count_drop(from, to);
            return;
        }
        if let (NodeId::External(connection), NodeId::Broker(broker)) = (to, from) {
            self.live_answer(connection, broker, message);
            return;
        }
        self.handle(to, |w, ctx| match to {
            NodeId::Controller => w.controller.on_message(ctx, from, message),
            NodeId::Broker(b) => w.brokers[b.0 as usize - 1].on_message(ctx, from, message),
            NodeId::Producer(p) => w.producers[p.0 as usize].on_message(ctx, from, message),
            NodeId::Consumer(c) => w.consumers[c.0 as usize].on_message(ctx, from, message),
            NodeId::External(_) => {}
        });
    }

    /// Stores a record a real client produced and names it for the simulation: the brokers
    /// see only its `RecordId`, as they do a simulated producer's records.
    pub fn live_record(&mut self, record: LiveRecord) -> RecordId {
        let n = self.live.records.len() as u32;
        self.live.records.push(record);
        RecordId {
            producer: RecordId::EXTERNAL,
            n,
        }
    }

    /// Records of real clients that a broker acknowledged: partition, offset, record.
    pub fn live_acked(&self) -> Vec<(TopicPartition, Offset, RecordId)> {
        let mut acked = Vec::new();
        for (&tp, batches) in &self.tracker.acked {
            for (base, records) in batches.iter() {
                for (i, &r) in records.iter().enumerate() {
                    if r.is_external() {
                        acked.push((tp, Offset(base.0 + i as u64), r));
                    }
                }
            }
        }
        acked
    }

    /// How many records real clients have produced so far.
    pub fn live_record_count(&self) -> u32 {
        self.live.records.len() as u32
    }

    /// A record a real client produced, by its `RecordId::n`.
    pub fn live_record_of(&self, n: u32) -> Option<&LiveRecord> {
        self.live.records.get(n as usize)
    }

    /// A new producer id for a real idempotent producer (InitProducerId without a
    /// transactional.id): each gets its own, with epoch 0, as Kafka's producer id blocks hand
    /// them out.
    pub fn live_producer_id(&mut self) -> ProducerIdx {
        self.live.producer_ids += 1;
        ProducerIdx(LIVE_PRODUCER_ID_BASE + self.live.producer_ids - 1)
    }

    /// The id of the group a real client names: one of the scenario's, or a new one that every
    /// broker's coordinator learns the name of.
    pub fn live_group(&mut self, name: &str) -> GroupId {
        let names = self.brokers[0].coordinator.names();
        if let Some(i) = names.iter().position(|n| n == name) {
            return GroupId(i as u32);
        }
        let mut grown = Vec::clone(names);
        grown.push(name.to_string());
        let grown = Arc::new(grown);
        for broker in &mut self.brokers {
            broker.coordinator.set_names(grown.clone());
        }
        GroupId(grown.len() as u32 - 1)
    }

    /// What a broker answers to DescribeGroups for a group name: NOT_COORDINATOR unless it is
    /// up and leads the group's `__consumer_offsets` partition; then the group, or `None` when
    /// it has none by that name (Kafka describes it as Dead).
    pub fn describe_group(
        &self,
        broker: BrokerId,
        name: &str,
    ) -> Result<Option<&Group>, crate::kafka::message::KafkaError> {
        let b = self
            .brokers
            .get((broker.0 as usize).wrapping_sub(1))
            .filter(|b| b.alive)
            .ok_or(crate::kafka::message::KafkaError::NotCoordinator)?;
        let names = b.coordinator.names();
        let id = names
            .iter()
            .position(|n| n == name)
            .map(|i| GroupId(i as u32));
        let leads = |tp: TopicPartition| b.replicas.get(&tp).is_some_and(|r| r.leading.is_some());
        b.coordinator
            .partition_for_name(name)
            .filter(|&tp| leads(tp))
            .ok_or(crate::kafka::message::KafkaError::NotCoordinator)?;
        Ok(id.and_then(|id| b.coordinator.groups.get(&id)))
    }

    /// The groups a broker coordinates now, by name, in name order: what ListGroups answers.
    pub fn coordinated_groups(&self, broker: BrokerId) -> Vec<(&str, &Group)> {
        let Some(b) = self
            .brokers
            .get((broker.0 as usize).wrapping_sub(1))
            .filter(|b| b.alive)
        else {
            return Vec::new();
        };
        let mut groups: Vec<(&str, &Group)> = b
            .coordinator
            .groups
            .iter()
            .filter(|(id, _)| {
                b.coordinator
                    .partition_of(**id)
                    .is_some_and(|tp| b.replicas.get(&tp).is_some_and(|r| r.leading.is_some()))
            })
            .map(|(id, g)| (b.coordinator.name(*id), g))
            .collect();
        groups.sort_by(|a, b| a.0.cmp(b.0));
        groups
    }

    /// A group's name, by its id (the scenario's groups, then live mode's).
    pub fn group_name(&self, group: GroupId) -> Option<&str> {
        let names = self.brokers.first()?.coordinator.names();
        names.get(group.0 as usize).map(String::as_str)
    }

    /// A real client's request, sent now from its connection to a broker over the simulated
    /// network: it arrives after the network's latency, or is refused or dropped as any
    /// client's request would be.
    pub fn live_send(&mut self, connection: u32, broker: BrokerId, message: Message) {
        if let Message::Produce(request) = &message {
            let batches = request
                .batches
                .iter()
                .map(|b| (b.partition, b.records.clone()))
                .collect();
            self.live
                .produce
                .insert((connection, request.correlation), batches);
        }
        self.send(
            NodeId::External(connection),
            NodeId::Broker(broker),
            message,
        );
    }

    /// Whether answers wait for real clients: live mode hands them to its gateway right after
    /// the event that brought them, so that what the gateway sends back depends only on
    /// simulated time.
    pub fn live_has_answers(&self) -> bool {
        !self.live.outbox.is_empty()
    }

    /// Moves out the answers that reached real clients since the last drain, in the order they
    /// arrived: (connection, broker, message).
    pub fn live_drain(&mut self) -> Vec<(u32, BrokerId, Message)> {
        std::mem::take(&mut self.live.outbox)
    }

    /// A broker's answer reached a real client: an acknowledgement goes to the ledger, as a
    /// simulated producer's does, then the answer waits for the server.
    fn live_answer(&mut self, connection: u32, broker: BrokerId, message: Message) {
        let answered = match &message {
            Message::ProduceResponse(response) => Some(response.correlation),
            Message::Refused(request) => match request.as_ref() {
                Message::Produce(request) => Some(request.correlation),
                _ => None,
            },
            _ => None,
        };
        if let Some(correlation) = answered
            && let Some(batches) = self.live.produce.remove(&(connection, correlation))
            && let Message::ProduceResponse(response) = &message
        {
            for (partition, result) in &response.partitions {
                let Ok(base) = result else { continue };
                for (tp, records) in batches.iter().filter(|(tp, _)| tp == partition) {
                    self.apply_note(
                        NodeId::External(connection),
                        Note::Acked {
                            partition: *tp,
                            base: Some(*base),
                            records: records.clone(),
                        },
                    );
                }
            }
        }
        self.live.outbox.push((connection, broker, message));
    }

    /// Whether a broker's process is up now: in live mode its listener accepts connections
    /// only then.
    pub fn is_broker_up(&self, broker: BrokerId) -> bool {
        self.up
            .get(self.network.index(NodeId::Broker(broker)))
            .copied()
            .unwrap_or(false)
    }

    /// Moves the clock to `time` when no event is due before it: live mode keeps simulated
    /// time on the wall clock, so a request enters at the moment it arrived, not at the last
    /// event's.
    pub fn advance_to(&mut self, time: SimTime) {
        if self.queue.peek_time().is_none_or(|next| next >= time) {
            self.now = self.now.max(time);
        }
    }

    /// When the next pending event is due, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    fn apply_step(&mut self, i: usize) {
        let scenario = self.scenario.clone();
        let action = &scenario.steps[i].action;
        match action {
            Action::Transaction { producer, step } => {
                let step = *step;
                self.handle(NodeId::Producer(*producer), |w, ctx| {
                    w.producers[producer.0 as usize].on_txn_step(ctx, step)
                });
            }
            Action::Produce(spec) => {
                let p = spec.producer;
                self.handle(NodeId::Producer(p), |w, ctx| {
                    w.producers[p.0 as usize].produce(ctx, i, spec)
                });
            }
            Action::Crash(b) | Action::PowerLoss(b) => {
                let power = matches!(action, Action::PowerLoss(_));
                self.crash_broker(*b, power);
            }
            Action::Shutdown(b) => {
                let node = NodeId::Broker(*b);
                if self.up[self.network.index(node)] {
                    // Kafka's controlled shutdown: the broker asks to shut down in its
                    // heartbeat, the controller moves its leaderships and ISR places away,
                    // then the broker flushes every log and writes its clean-shutdown file.
                    self.handle(NodeId::Controller, |w, ctx| {
                        w.controller.controlled_shutdown(ctx, *b)
                    });
                    self.brokers[b.0 as usize - 1].flush_all();
                    self.trace.push(self.now, node, TraceEvent::Shutdown);
                    self.crash_broker(*b, false);
                }
            }
            Action::Restart(b) => {
                let node = NodeId::Broker(*b);
                let index = self.network.index(node);
                if !self.up[index] {
                    self.up[index] = true;
                    self.incarnation[index] += 1;
                    self.started_at[index] = self.now;
                    self.trace.push(self.now, node, TraceEvent::Restart);
                    self.handle(node, |w, ctx| w.brokers[b.0 as usize - 1].restart(ctx));
                }
            }
            Action::Isolate(b) => {
                self.network.isolate(*b);
                self.trace.push(
                    self.now,
                    NodeId::Broker(*b),
                    TraceEvent::Isolate { broker: *b },
                );
            }
            Action::Partition(groups) => {
                self.network.partition(groups);
                self.trace.push(
                    self.now,
                    NodeId::Controller,
                    TraceEvent::NetworkPartition {
                        groups: groups.clone(),
                    },
                );
            }
            Action::Heal => {
                self.network.heal();
                self.trace
                    .push(self.now, NodeId::Controller, TraceEvent::Heal);
            }
            Action::Slow { broker, latency } => {
                self.network.slow(*broker, *latency);
                self.trace.push(
                    self.now,
                    NodeId::Broker(*broker),
                    TraceEvent::Slow {
                        broker: *broker,
                        latency: *latency,
                    },
                );
            }
            Action::CreateTopic(topic) => {
                let topic = *topic;
                self.handle(NodeId::Controller, |w, ctx| {
                    w.controller.create_topic(
                        ctx,
                        topic,
                        why!("create_topic step" ; "create_topic 단계"),
                    )
                });
            }
            Action::DeleteTopic(topic) => {
                let topic = *topic;
                self.handle(NodeId::Controller, |w, ctx| {
                    w.controller.delete_topic(ctx, topic)
                });
            }
            Action::AddPartitions { topic, count } => {
                let (topic, count) = (*topic, *count);
                self.handle(NodeId::Controller, |w, ctx| {
                    w.controller.add_partitions(ctx, topic, count)
                });
            }
            Action::Start(client) => self.start_client(*client),
            Action::CrashConsumer(c) => {
                let node = NodeId::Consumer(*c);
                if self.consumers[c.0 as usize].running {
                    let index = self.network.index(node);
                    let what = why!(
                        "process crashed: no commit, no LeaveGroup; its group notices only when session.timeout.ms passes without a heartbeat" ;
                        "프로세스 중단: 커밋도 LeaveGroup도 없음; 그룹은 session.timeout.ms 동안 하트비트가 없어야 알아챔"
                    );
                    self.trace
                        .push(self.now, node, TraceEvent::Membership { what });
                    self.handle(node, |w, ctx| w.consumers[c.0 as usize].crash(ctx));
                    self.incarnation[index] += 1;
                    self.streams_crash(*c);
                }
            }
            Action::SendOffsets { producer, consumer } => {
                let c = &self.consumers[consumer.0 as usize];
                // A consumer that is not running has no positions and no generation to send.
                if c.running
                    && let Some(metadata) = c.group_metadata()
                {
                    let offsets = c.consumed_offsets();
                    let p = *producer;
                    self.handle(NodeId::Producer(p), |w, ctx| {
                        w.producers[p.0 as usize]
                            .send_offsets_to_transaction(ctx, offsets, metadata)
                    });
                }
            }
            Action::Commit { consumer, sync } => {
                let (c, sync) = (*consumer, *sync);
                self.handle(NodeId::Consumer(c), |w, ctx| {
                    w.consumers[c.0 as usize].commit_step(ctx, sync)
                });
            }
            Action::Subscribe { consumer, topics } => {
                let c = *consumer;
                let topics = topics.clone();
                self.handle(NodeId::Consumer(c), |w, ctx| {
                    w.consumers[c.0 as usize].subscribe(ctx, topics)
                });
            }
            Action::Stop(client) => self.stop_client(*client),
            Action::Say(text) => {
                self.trace.push(
                    self.now,
                    NodeId::Controller,
                    TraceEvent::Say { text: text.clone() },
                );
            }
            Action::Ask(question) => {
                self.trace.push(
                    self.now,
                    NodeId::Controller,
                    TraceEvent::Ask {
                        question: question.clone(),
                    },
                );
            }
        }
    }

    fn crash_broker(&mut self, broker: BrokerId, power_loss: bool) {
        let node = NodeId::Broker(broker);
        let index = self.network.index(node);
        let b = broker.0 as usize - 1;
        if self.up[index] {
            self.up[index] = false;
            self.brokers[b].crash();
            if !power_loss && !self.brokers[b].shut_down_cleanly {
                self.trace.push(self.now, node, TraceEvent::Crash);
            }
            // Brokers and clients with a connection to the broker see it close.
            let clients: Vec<NodeId> = (1..=self.brokers.len() as u32)
                .map(|b| NodeId::Broker(BrokerId(b)))
                .filter(|&b| b != node)
                .chain((0..self.producers.len()).map(|p| NodeId::Producer(ProducerIdx(p as u32))))
                .chain((0..self.consumers.len()).map(|c| NodeId::Consumer(ConsumerIdx(c as u32))))
                .collect();
            for client in clients {
                if !self.network.is_cut(node, client) {
                    self.transmit(node, client, Message::Disconnected);
                }
            }
        }
        if power_loss {
            let lost = self.brokers[b].lose_power();
            let summary = lost.iter().map(|l| (l.partition, l.from, l.to)).collect();
            self.trace
                .push(self.now, node, TraceEvent::PowerLoss { lost: summary });
            for loss in lost {
                let why = why!("{broker} lost power before flushing" ; "{broker}이(가) 플러시 전에 전원을 잃음");
                self.apply_note(
                    node,
                    Note::Truncated {
                        broker,
                        partition: loss.partition,
                        removed: loss.removed,
                        why,
                    },
                );
            }
        }
    }

    fn start_client(&mut self, client: Client) {
        match client {
            Client::Producer(p) => {
                let node = NodeId::Producer(p);
                if !self.producers[p.0 as usize].running {
                    self.trace.push(self.now, node, TraceEvent::ClientStarted);
                    self.handle(node, |w, ctx| w.producers[p.0 as usize].start(ctx));
                }
            }
            Client::Consumer(c) => {
                let node = NodeId::Consumer(c);
                if !self.consumers[c.0 as usize].running {
                    self.trace.push(self.now, node, TraceEvent::ClientStarted);
                    self.handle(node, |w, ctx| w.consumers[c.0 as usize].start(ctx));
                }
            }
        }
    }

    fn stop_client(&mut self, client: Client) {
        let node = match client {
            Client::Producer(p) => NodeId::Producer(p),
            Client::Consumer(c) => NodeId::Consumer(c),
        };
        let index = self.network.index(node);
        self.trace.push(self.now, node, TraceEvent::ClientStopped);
        match client {
            Client::Producer(p) => self.handle(node, |w, ctx| w.producers[p.0 as usize].stop(ctx)),
            Client::Consumer(c) => {
                self.handle(node, |w, ctx| w.consumers[c.0 as usize].close(ctx));
                self.incarnation[index] += 1;
            }
        }
    }

    fn apply_note(&mut self, node: NodeId, note: Note) {
        match note {
            Note::Acked {
                partition,
                base: Some(base),
                records,
            } => {
                self.tracker
                    .acked
                    .entry(partition)
                    .or_default()
                    .push((base, records));
            }
            Note::Acked { base: None, .. } => {}
            Note::HighWatermark {
                broker,
                partition,
                from,
                to,
            } => {
                let log = &self.brokers[broker.0 as usize - 1].replicas[&partition].log;
                for records in log.record_slices_between(from, to) {
                    // A producer's batch holds consecutive sends, marked as one run.
                    if let Some((producer, run)) = RecordId::consecutive_run(records)
                        && records[0].is_from_scenario()
                    {
                        self.producers[producer.0 as usize].mark_committed_run(run.start, run.end);
                        continue;
                    }
                    for r in records.iter().filter(|r| r.is_from_scenario()) {
                        self.producers[r.producer.0 as usize].mark_committed(r.n);
                    }
                }
            }
            Note::LeaderChanged { broker, partition } => {
                let log = &self.brokers[broker.0 as usize - 1].replicas[&partition].log;
                let back: Vec<RecordId> = self
                    .tracker
                    .lost_by
                    .iter()
                    .filter(|(r, (tp, offset, _))| {
                        *tp == partition && log.record_at(*offset) == Some(**r)
                    })
                    .map(|(r, _)| *r)
                    .collect();
                if !back.is_empty() {
                    let values = self.values_summary(back.iter().copied());
                    for r in &back {
                        self.tracker.lost_by.remove(r);
                    }
                    self.trace.push(
                        self.now,
                        node,
                        TraceEvent::RecordsRecovered {
                            partition,
                            count: back.len() as u32,
                            values,
                            why: why!(
                                "{broker} leads, with the same records at those offsets" ;
                                "{broker}이(가) 그 오프셋에 같은 레코드를 가진 채 리더가 됨"
                            ),
                        },
                    );
                }
                let log = &self.brokers[broker.0 as usize - 1].replicas[&partition].log;
                let lost = self.tracker.missing_from(partition, log);
                let leo = log.log_end_offset();
                let why = why!(
                    "{broker} became leader with a log that ends at offset {leo}" ;
                    "{broker}이(가) 오프셋 {leo}에서 끝나는 로그로 리더가 됨"
                );
                self.record_losses(node, partition, lost, why);
            }
            Note::Truncated {
                partition,
                removed,
                why,
                ..
            } => {
                // An acknowledged record is lost when its last copy goes: no replica holds
                // it any more. (A leader elected without it loses it at the election, above.)
                let from = removed.first().map_or(Offset(0), |(o, _)| *o);
                let acked: std::collections::BTreeSet<(Offset, RecordId)> =
                    self.tracker.acked_from(partition, from).collect();
                let lost: Vec<(Offset, RecordId)> = removed
                    .iter()
                    .filter(|(offset, r)| {
                        let kept = self.brokers.iter().any(|b| {
                            b.replicas
                                .get(&partition)
                                .is_some_and(|rep| rep.log.record_at(*offset) == Some(*r))
                        });
                        acked.contains(&(*offset, *r)) && !kept && !self.tracker.removed.contains(r)
                    })
                    .copied()
                    .collect();
                let why = why!(
                    "{why}; no replica holds a copy any more" ;
                    "{}; 사본을 가진 레플리카가 더 이상 없음", why.ko()
                );
                self.record_losses(node, partition, lost, why);
            }
            Note::Removed { records, .. } => {
                self.tracker
                    .removed
                    .extend(records.into_iter().map(|(_, r)| r));
            }
            Note::Processed { consumer, records } => {
                if !self.streams.is_empty() {
                    self.streams_processed(consumer, &records);
                }
                // Instant processing would only repeat the line that received the records.
                if self.scenario.consumers[consumer.0 as usize].processing > SimTime::ZERO {
                    let values = self.values_summary(records.iter().map(|(_, _, r)| *r));
                    self.trace.push(
                        self.now,
                        NodeId::Consumer(consumer),
                        TraceEvent::Processed {
                            count: records.len() as u32,
                            values,
                        },
                    );
                }
            }
            Note::Consumed {
                consumer,
                partition,
                records,
            } => {
                if let (Some(&(first, _)), Some(&(last, _))) = (records.first(), records.last()) {
                    let values = self.values_summary(records.iter().map(|(_, r)| *r));
                    self.trace.push(
                        self.now,
                        NodeId::Consumer(consumer),
                        TraceEvent::Consumed {
                            partition,
                            from: first,
                            to: Offset(last.0 + 1),
                            values,
                        },
                    );
                }
            }
        }
    }

    fn record_losses(
        &mut self,
        node: NodeId,
        partition: TopicPartition,
        lost: Vec<(Offset, RecordId)>,
        why: crate::kafka::trace::Why,
    ) {
        let fresh: Vec<(Offset, RecordId)> = lost
            .into_iter()
            .filter(|(_, r)| !self.tracker.lost_by.contains_key(r))
            .collect();
        if fresh.is_empty() {
            return;
        }
        let values = self.values_summary(fresh.iter().map(|(_, r)| *r));
        self.trace.push(
            self.now,
            node,
            TraceEvent::RecordsLost {
                partition,
                count: fresh.len() as u32,
                values,
                why,
            },
        );
        let index = self.trace_index_of_last();
        for (offset, r) in fresh {
            self.tracker.lost_by.insert(r, (partition, offset, index));
        }
        self.tracker.losses_recorded += 1;
    }
}

/// What a group did with one record it received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Processing {
    /// How many times its members processed it.
    pub times: u32,
    /// Never processed, yet the group's committed offset is past it: lost, as at-most-once
    /// allows.
    pub skipped: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::BrokerId;

    // A real client's produce goes over the simulated network to the leader; the answer
    // waits in the outbox, and the acknowledgement reaches the ledger under the live record.
    #[test]
    fn live_requests_reach_the_brokers_and_answers_the_outbox() {
        let text = "name = \"live\"\n[cluster]\nbrokers = 3\n[[topics]]\nname = \"t\"\npartitions = 1\nreplication_factor = 3\nreplicas = [[1, 2, 3]]\n";
        let scenario = crate::scenario::parse(text, "live.toml").expect("the scenario parses");
        let mut world = World::new(Arc::new(scenario), 1);
        // The clock cannot jump over a pending event, only up to the next one.
        world.run_until(SimTime::from_secs(2));
        let next = world.next_event_time().expect("heartbeats are pending");
        world.advance_to(next + SimTime::from_millis(1));
        assert!(world.now() < next + SimTime::from_millis(1));
        world.advance_to(next);
        assert_eq!(world.now(), next, "up to the next event, included");
        world.run_until(SimTime::from_millis(2_500));
        world.advance_to(SimTime::from_millis(2_500));
        assert_eq!(world.now(), SimTime::from_millis(2_500));
        world.advance_to(SimTime::from_millis(2_000));
        assert_eq!(world.now(), SimTime::from_millis(2_500), "never backwards");
        assert_eq!(world.trace().names().node(NodeId::External(4)), "live4");
        assert_eq!(world.live_producer_id(), ProducerIdx(LIVE_PRODUCER_ID_BASE));
        assert_eq!(
            world.live_producer_id(),
            ProducerIdx(LIVE_PRODUCER_ID_BASE + 1)
        );
        assert_eq!(world.live_record_count(), 0);
        let record = world.live_record(LiveRecord {
            key: None,
            value: Arc::from("hello"),
        });
        assert!(record.is_external() && !record.is_from_scenario());
        let tp = TopicPartition::new(TopicId(0), 0);
        let request = crate::kafka::message::ProduceRequest {
            correlation: 7,
            acks: crate::config::Acks::All,
            timeout: SimTime::from_secs(30),
            batches: vec![crate::kafka::message::ProduceBatch {
                partition: tp,
                records: Arc::new(vec![record]),
                bytes: 70,
                producer: None,
                null_key: true,
                transactional: false,
            }],
        };
        world.live_send(4, BrokerId(1), Message::Produce(request));
        assert!(
            world.live_drain().is_empty(),
            "nothing arrives in the instant it is sent"
        );
        world.run_until(SimTime::from_secs(3));
        let answers = world.live_drain();
        assert_eq!(answers.len(), 1);
        let (connection, broker, Message::ProduceResponse(response)) = &answers[0] else {
            panic!("a produce response: {answers:?}");
        };
        assert_eq!(
            (*connection, *broker, response.correlation),
            (4, BrokerId(1), 7)
        );
        assert_eq!(response.partitions, vec![(tp, Ok(Offset(0)))]);
        assert_eq!(world.live_acked(), vec![(tp, Offset(0), record)]);
        assert_eq!(world.value_of(record), "hello");
        assert_eq!(world.live_record_count(), 1);
        assert_eq!(world.live_record_of(0).map(|l| &*l.value), Some("hello"));
        assert!(!world.is_aborted(tp, Offset(0), record));
        assert!(world.live_drain().is_empty(), "drained once");

        // A crashed broker is down: live mode closes its port.
        assert!(world.is_broker_up(BrokerId(1)));
        world.inject(Action::Crash(BrokerId(1)));
        world.run_until(world.now());
        assert!(!world.is_broker_up(BrokerId(1)) && world.is_broker_up(BrokerId(2)));
    }

    // The leader's index tells a record of an aborted transaction from a committed one; a
    // real client's record, outside any transaction, is never aborted.
    #[test]
    fn aborted_transactions_are_told_apart() {
        let text = include_str!("../../scenarios/transaction-read-committed-skips-aborted.toml");
        let scenario = crate::scenario::parse(text, "txn.toml").expect("the scenario parses");
        let mut world = World::new(Arc::new(scenario), 1);
        world.run_to_end();
        let (mut aborted, mut kept) = (0, 0);
        for broker in world.brokers.iter().filter(|b| b.alive) {
            for (tp, replica) in broker.replicas.iter().filter(|(_, r)| r.leading.is_some()) {
                for batch in replica.log.batches().iter() {
                    for (i, &r) in batch.records.iter().enumerate() {
                        let offset = Offset(batch.base_offset.0 + i as u64);
                        if !r.is_from_scenario() || batch.offset_deltas.is_some() {
                            continue;
                        }
                        if world.is_aborted(*tp, offset, r) {
                            aborted += 1;
                        } else {
                            kept += 1;
                        }
                    }
                }
            }
        }
        assert!(aborted > 0 && kept > 0, "aborted {aborted}, kept {kept}");
    }

    fn acks_1_world() -> World {
        let text = include_str!("../../scenarios/acks-1-loses-acked-record.toml");
        let scenario = crate::scenario::parse(text, "acks-1.toml").expect("the scenario parses");
        World::new(Arc::new(scenario), 7)
    }

    /// Steps until something is on the wire (latencies are short: most moments have nothing).
    fn step_until_in_flight(world: &mut World) {
        while world.in_flight().is_empty() {
            assert!(world.step(), "the run ended with nothing on the wire");
        }
    }

    // What is on the wire comes out in arrival order, each message after it was sent and not
    // before now; once brokers are split, what crosses the split is dropped and counted.
    #[test]
    fn in_flight_messages_and_drops_across_a_split() {
        let mut world = acks_1_world();
        world.run_until(SimTime::from_millis(1_500));
        step_until_in_flight(&mut world);
        let wire = world.in_flight();
        assert!(wire.windows(2).all(|w| w[0].arrives <= w[1].arrives));
        assert!(
            wire.iter()
                .all(|m| m.sent <= world.now() && m.arrives >= world.now())
        );
        assert!(wire.iter().all(|m| m.doomed.is_none()));
        let names: std::collections::BTreeSet<String> =
            wire.iter().map(|m| m.message.api_name()).collect();
        assert!(
            names
                .iter()
                .all(|n| n.starts_with("Fetch") || n.starts_with("BrokerHeartbeat")),
            "{names:?}"
        );
        let (b1, b2, b3) = (
            NodeId::Broker(BrokerId(1)),
            NodeId::Broker(BrokerId(2)),
            NodeId::Broker(BrokerId(3)),
        );
        let across = |world: &World| {
            [(b1, b2), (b2, b1), (b1, b3), (b3, b1)]
                .iter()
                .map(|&(x, y)| world.dropped(x, y))
                .sum::<u64>()
        };
        assert_eq!(across(&world), 0);

        // Split at 2 s: the followers' fetches to broker 1 go nowhere.
        world.run_until(SimTime::from_millis(2_090));
        assert!(across(&world) > 0, "fetches across the split are dropped");
        for m in world.in_flight() {
            assert_eq!(
                m.doomed == Some(Doomed::LinkCut),
                world.is_cut(m.from, m.to)
            );
        }

        // Broker 1 crashes at 2.1 s: nothing travelling to it will be delivered.
        world.run_until(SimTime::from_millis(2_100));
        for m in world.in_flight().iter().filter(|m| m.to == b1) {
            assert!(m.doomed.is_some(), "{m:?}");
        }
    }
}
