//! A broker: the replicas it holds, as leader or follower, and how it serves produce and fetch
//! requests, replicates, tracks the ISR and the high watermark, and survives crashes.
//!
//! The rules follow Kafka's `Partition.scala` and `AbstractFetcherThread` (reference sections
//! 1-5 and 12): the leader learns a follower's log end offset from its fetch offset, the high
//! watermark is the lowest log end offset over the ISR, followers learn it one fetch later,
//! and a follower whose log diverged truncates by leader epoch.
//!
//! Here: the broker's state, its lifecycle (start, crash, power loss, restart, heartbeats),
//! the dispatch of its timers and messages, and metadata (becoming leader or follower). Then
//! `replication` (ISR and high watermark), `produce`, `fetch` (the leader answering) and
//! `fetcher` (the follower fetching).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::version::Truncation;
use crate::config::{Acks, BrokerConfig, TopicConfig};
use crate::engine::ids::{
    BrokerId, LeaderEpoch, NodeId, Offset, RecordId, TopicId, TopicPartition,
};
use crate::engine::time::SimTime;
use crate::kafka::effects::{Ctx, Note, Timer};
use crate::kafka::group::Coordinator;
use crate::kafka::idempotence::{ProducerStates, Verdict};
use crate::kafka::log::{ReplicaLog, Roll, SegmentPolicy, StoredBatch};
use crate::kafka::message::{
    FetchPartition, FetchPartitionResponse, FetchRequest, FetchResponse, KafkaError, Message,
    ProduceBatch, ProduceRequest, ProduceResponse,
};
use crate::kafka::metadata::{MetadataImage, PartitionState};
use crate::kafka::trace::{HighWatermarkCause, TraceEvent, Why, brokers, why};
use crate::kafka::txn::TxnCoordinator;

/// How long a follower waits for a fetch response before it tries again
/// (`replica.socket.timeout.ms`).
const REPLICA_SOCKET_TIMEOUT: SimTime = SimTime::from_millis(30_000);

#[derive(Clone, Debug)]
pub struct Broker {
    pub id: BrokerId,
    pub alive: bool,
    /// The last stop was a controlled shutdown (its clean-shutdown file is on disk).
    pub shut_down_cleanly: bool,
    incarnation: u32,
    config: Arc<BrokerConfig>,
    topic_configs: Arc<Vec<TopicConfig>>,
    metadata: Option<Arc<MetadataImage>>,
    pub replicas: BTreeMap<TopicPartition, Replica>,
    fetchers: BTreeMap<BrokerId, Fetcher>,
    parked: Vec<ParkedFetch>,
    delayed: Vec<DelayedProduce>,
    next_id: u64,
    /// Refused registrations since the last restart, for the retry backoff.
    registration_attempts: u32,
    /// Whether the controller accepted this incarnation's registration.
    registered: bool,
    /// Whether clients can connect: from the start, or after a restart once unfenced.
    listening: bool,
    /// When the purgatory's expiry timer fires next, if it is set.
    delayed_timer: Option<SimTime>,
    /// Topics this broker asked the controller to create, until the metadata shows them.
    creating: std::collections::BTreeSet<TopicId>,
    /// The groups this broker coordinates, as leader of their `__consumer_offsets` partitions.
    pub(crate) coordinator: Coordinator,
    /// The transactional.ids this broker coordinates, as leader of their
    /// `__transaction_state` partitions.
    pub(crate) txn_coordinator: TxnCoordinator,
}

/// This broker's copy of one partition.
#[derive(Clone, Debug)]
pub struct Replica {
    pub log: ReplicaLog,
    pub leader: Option<BrokerId>,
    pub leader_epoch: LeaderEpoch,
    pub partition_epoch: u32,
    pub replicas: Vec<BrokerId>,
    /// The committed ISR, as the controller last confirmed it.
    pub isr: Vec<BrokerId>,
    /// Present while this broker leads the partition.
    pub leading: Option<LeaderState>,
    /// After a fetch error the follower waits for new metadata before fetching again.
    fetch_retry_at: SimTime,
    pub(crate) producers: ProducerStates,
    /// Which creation of its topic this replica belongs to (the topic ID, KIP-516).
    pub(crate) topic_incarnation: u32,
}

/// What a leader knows of its followers and of its ISR proposal in flight.
#[derive(Clone, Debug)]
pub struct LeaderState {
    pub followers: BTreeMap<BrokerId, FollowerState>,
    pub pending_isr: Option<PendingIsr>,
    /// Where this leader's epoch began in its log (KAFKA-7128's rule for rejoining the ISR).
    epoch_start: Offset,
}

#[derive(Clone, Debug)]
pub struct FollowerState {
    /// Learned from the follower's fetch offset; unknown right after an election (R1.5).
    pub leo: Option<Offset>,
    /// When it last held everything the leader had (R2.2); `None` is "long ago", what a new
    /// leader assumes of replicas outside the ISR.
    pub last_caught_up: Option<SimTime>,
    last_fetch_time: Option<SimTime>,
    last_fetch_leader_leo: Offset,
    /// The broker epoch (incarnation) the follower fetched with (KIP-903): state learned
    /// from an earlier incarnation does not make a restarted broker eligible.
    broker_epoch: Option<FetchedEpoch>,
}

/// The broker epoch a follower fetched with (KIP-903).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FetchedEpoch {
    /// Before its registration was accepted: Kafka's -1, which counts as current.
    Unregistered,
    Epoch(u32),
}

impl FollowerState {
    /// Kafka's `isCaughtUp`: at the leader's log end, or caught up within the lag bound.
    fn is_caught_up(&self, leader_leo: Offset, now: SimTime, lag_max: SimTime) -> bool {
        self.leo == Some(leader_leo) || self.last_caught_up.is_some_and(|t| now - t <= lag_max)
    }
}

#[derive(Clone, Debug)]
pub struct PendingIsr {
    pub isr: Vec<BrokerId>,
    /// Additions count at once (the maximal ISR, KIP-497); removals only once committed.
    pub expand: bool,
    sent_at: SimTime,
}

/// What a power loss took from one replica: its log end offset before and after, and the
/// records that were only in the page cache.
#[derive(Clone, Debug)]
pub struct PowerLoss {
    pub partition: TopicPartition,
    pub from: Offset,
    pub to: Offset,
    pub removed: Vec<(Offset, RecordId)>,
}

#[derive(Clone, Debug, Default)]
struct Fetcher {
    in_flight: Option<u64>,
    backing_off: bool,
}

#[derive(Clone, Debug)]
struct ParkedFetch {
    id: u64,
    from: NodeId,
    request: FetchRequest,
    /// When it was parked, and when its `max_wait` ends (for the explorer).
    since: SimTime,
    expires: SimTime,
}

#[derive(Clone, Debug)]
struct DelayedProduce {
    from: NodeId,
    correlation: u64,
    /// Answered as WriteTxnMarkers (a coordinator's markers) rather than Produce.
    markers: bool,
    done: Vec<(TopicPartition, Result<Offset, KafkaError>)>,
    waiting: Vec<(TopicPartition, Offset, Offset)>,
    /// When the request came (for the explorer).
    since: SimTime,
    expires: SimTime,
}

impl Replica {
    /// This replica's last stable offset (R1.6): the first offset of a transaction still open
    /// or not yet replicated past the HW, else the HW. For the explorer.
    pub fn last_stable_offset(&self) -> Offset {
        self.producers.last_stable_offset(self.log.high_watermark)
    }

    /// The open transactions this replica knows: each producer id and its first offset.
    pub fn open_transactions(&self) -> Vec<(crate::engine::ids::ProducerIdx, Offset)> {
        self.producers.open_transactions().collect()
    }

    fn new(state: &PartitionState, config: &TopicConfig, topic_incarnation: u32) -> Replica {
        Replica {
            log: ReplicaLog::new(SegmentPolicy {
                segment_bytes: config.segment_bytes,
                segment_ms: config.segment_ms,
            }),
            leader: None,
            leader_epoch: state.leader_epoch,
            partition_epoch: state.partition_epoch,
            replicas: state.replicas.clone(),
            isr: state.isr.clone(),
            leading: None,
            fetch_retry_at: SimTime::ZERO,
            producers: ProducerStates::default(),
            topic_incarnation,
        }
    }

    /// The ISR the high watermark rule uses: the committed ISR plus a pending addition.
    pub fn maximal_isr(&self) -> &[BrokerId] {
        match self.leading.as_ref().and_then(|l| l.pending_isr.as_ref()) {
            Some(pending) if pending.expand => &pending.isr,
            _ => &self.isr,
        }
    }

    fn rebuild_producer_state(&mut self) {
        self.producers.rebuild(self.log.batches().iter());
    }
}

impl Broker {
    /// A broker of the cluster as it stands at time zero: topics exist, leaders are elected.
    pub fn new(
        id: BrokerId,
        config: Arc<BrokerConfig>,
        topic_configs: Arc<Vec<TopicConfig>>,
        image: Arc<MetadataImage>,
        coordinator: Coordinator,
        txn_coordinator: TxnCoordinator,
    ) -> Broker {
        let mut broker = Broker {
            id,
            alive: true,
            shut_down_cleanly: false,
            incarnation: 0,
            config,
            topic_configs,
            metadata: None,
            replicas: BTreeMap::new(),
            fetchers: BTreeMap::new(),
            parked: Vec::new(),
            delayed: Vec::new(),
            next_id: 0,
            registration_attempts: 0,
            registered: true,
            listening: true,
            delayed_timer: None,
            creating: std::collections::BTreeSet::new(),
            coordinator,
            txn_coordinator,
        };
        for (tp, state) in image.partitions() {
            if !state.replicas.contains(&id) {
                continue;
            }
            let incarnation = image.topics[tp.topic.0 as usize].incarnation;
            let mut replica = Replica::new(
                state,
                &broker.topic_configs[tp.topic.0 as usize],
                incarnation,
            );
            replica.leader = state.leader;
            if state.leader == Some(id) {
                replica.log.assign_epoch(state.leader_epoch, Offset(0));
                replica.leading = Some(LeaderState {
                    followers: state
                        .replicas
                        .iter()
                        .filter(|&&b| b != id)
                        .map(|&b| {
                            let mut follower = new_follower(None, Some(SimTime::ZERO));
                            follower.leo = Some(Offset(0));
                            follower.broker_epoch = Some(FetchedEpoch::Epoch(0));
                            (b, follower)
                        })
                        .collect(),
                    pending_isr: None,
                    epoch_start: Offset(0),
                });
            }
            broker.replicas.insert(tp, replica);
        }
        broker.metadata = Some(image);
        broker
    }

    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    pub fn metadata(&self) -> Option<&MetadataImage> {
        self.metadata.as_deref()
    }

    pub(crate) fn config(&self) -> &BrokerConfig {
        &self.config
    }

    pub(crate) fn topic_config(&self, tp: TopicPartition) -> &TopicConfig {
        &self.topic_configs[tp.topic.0 as usize]
    }

    fn lag_max(&self) -> SimTime {
        SimTime::from_millis(self.config.replica_lag_time_max_ms)
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Kafka's `AutoTopicCreationManager` (R11): a metadata request naming a missing topic,
    /// from a client that allows it, makes the broker ask the controller to create it when
    /// `auto.create.topics.enable` is on. The answer still lacks the topic; the client asks
    /// again and finds it once the controller's metadata arrives.
    fn maybe_auto_create(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        topics: &[TopicId],
        allow_auto_create: bool,
    ) {
        if !allow_auto_create || !self.config.auto_create_topics_enable {
            return;
        }
        let Some(image) = &self.metadata else {
            return;
        };
        for &topic in topics {
            if image.partition_count(topic) > 0 || self.creating.contains(&topic) {
                continue;
            }
            self.creating.insert(topic);
            ctx.trace(TraceEvent::AutoCreateRequested {
                topic,
                client: from,
            });
            ctx.send(NodeId::Controller, Message::CreateTopic { topic });
        }
    }

    /// Starts the periodic work and the fetchers.
    pub fn start(&mut self, ctx: &mut Ctx) {
        let stagger = SimTime::from_millis(10 * self.id.0 as u64);
        ctx.timer_after(stagger, Timer::Heartbeat);
        ctx.timer_after(SimTime(self.lag_max().0 / 2), Timer::IsrCheck);
        ctx.timer_after(
            SimTime::from_millis(self.config.replica_high_watermark_checkpoint_interval_ms),
            Timer::HighWatermarkCheckpoint,
        );
        ctx.timer_after(
            crate::kafka::cleanup::RETENTION_INITIAL_DELAY,
            Timer::LogRetention,
        );
        ctx.timer_after(
            SimTime::from_millis(self.config.log_cleaner_backoff_ms),
            Timer::LogCleaner,
        );
        if self.txn_coordinator.enabled() {
            ctx.timer_after(
                SimTime::from_millis(
                    self.config
                        .transaction_abort_timed_out_transaction_cleanup_interval_ms,
                ),
                Timer::TxnAbortCheck,
            );
        }
        self.fetch_from_all(ctx);
    }

    /// The process dies: everything in memory is gone, the logs stay on disk.
    /// A controlled shutdown's last step: every log is flushed, so a later power loss takes
    /// nothing, and the crash that follows is traced as a shutdown.
    pub fn flush_all(&mut self) {
        for replica in self.replicas.values_mut() {
            replica.log.flush();
        }
        self.shut_down_cleanly = true;
    }

    pub fn crash(&mut self) {
        self.alive = false;
        self.metadata = None;
        self.fetchers.clear();
        self.parked.clear();
        self.delayed.clear();
        self.delayed_timer = None;
        self.coordinator.clear();
        self.txn_coordinator.clear();
        for replica in self.replicas.values_mut() {
            replica.leading = None;
            replica.leader = None;
        }
    }

    /// The machine loses power (after `crash`): unflushed records are gone. Returns, per
    /// partition that lost any, the old and new log end offsets and the records removed.
    pub fn lose_power(&mut self) -> Vec<PowerLoss> {
        let mut lost = Vec::new();
        for (tp, replica) in self.replicas.iter_mut() {
            let before = replica.log.log_end_offset();
            let removed = replica.log.lose_unflushed();
            if !removed.is_empty() {
                replica.rebuild_producer_state();
                lost.push(PowerLoss {
                    partition: *tp,
                    from: before,
                    to: replica.log.log_end_offset(),
                    removed,
                });
            }
        }
        lost
    }

    /// The process starts again: it loads its logs, resumes high watermarks from the
    /// checkpoint, and registers with the controller, fenced until caught up (R12.2).
    pub fn restart(&mut self, ctx: &mut Ctx) {
        self.alive = true;
        self.shut_down_cleanly = false;
        self.incarnation += 1;
        self.registration_attempts = 0;
        self.registered = false;
        for (tp, replica) in self.replicas.iter_mut() {
            replica.log.reload();
            replica.fetch_retry_at = SimTime::ZERO;
            ctx.trace(TraceEvent::Loaded {
                partition: *tp,
                leo: replica.log.log_end_offset(),
                high_watermark: replica.log.high_watermark,
            });
        }
        self.listening = false;
        self.send_heartbeat(ctx);
        self.start(ctx);
    }

    /// A heartbeat (the first after a start registers the broker), with how far it has
    /// read the metadata log.
    fn send_heartbeat(&mut self, ctx: &mut Ctx) {
        let metadata_offset = self.metadata.as_ref().map_or(0, |m| m.offset);
        ctx.send(
            NodeId::Controller,
            Message::Heartbeat {
                incarnation: self.incarnation,
                metadata_offset,
            },
        );
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::Register if !self.registered => self.send_heartbeat(ctx),
            Timer::Heartbeat => {
                if self.registered {
                    self.send_heartbeat(ctx);
                }
                ctx.timer_after(
                    SimTime::from_millis(self.config.broker_heartbeat_interval_ms),
                    Timer::Heartbeat,
                );
            }
            Timer::IsrCheck => {
                ctx.timer_after(SimTime(self.lag_max().0 / 2), Timer::IsrCheck);
                let led: Vec<TopicPartition> = self
                    .replicas
                    .iter()
                    .filter(|(_, r)| r.leading.is_some())
                    .map(|(tp, _)| *tp)
                    .collect();
                for tp in led {
                    self.maybe_shrink_isr(ctx, tp);
                }
            }
            Timer::HighWatermarkCheckpoint => {
                ctx.timer_after(
                    SimTime::from_millis(self.config.replica_high_watermark_checkpoint_interval_ms),
                    Timer::HighWatermarkCheckpoint,
                );
                for replica in self.replicas.values_mut() {
                    replica.log.checkpoint_high_watermark();
                }
            }
            Timer::ParkedFetchExpiry(id) => {
                if let Some(i) = self.parked.iter().position(|p| p.id == id) {
                    let parked = self.parked.remove(i);
                    self.answer_fetch(ctx, parked.from, &parked.request);
                }
            }
            Timer::DelayedProduceExpiry => {
                // Requests that waited their whole timeout get REQUEST_TIMED_OUT (R3.3 (4)).
                let (expired, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.delayed)
                    .into_iter()
                    .partition(|d| d.expires <= ctx.now);
                self.delayed = waiting;
                for mut delayed in expired {
                    for (tp, _, _) in delayed.waiting.drain(..) {
                        delayed.done.push((tp, Err(KafkaError::RequestTimedOut)));
                    }
                    self.respond_produce(ctx, delayed);
                }
                self.delayed_timer = None;
                self.schedule_delayed_expiry(ctx);
            }
            Timer::FetcherTimeout {
                leader,
                correlation,
            } => {
                let fetcher = self.fetchers.entry(leader).or_default();
                if fetcher.in_flight == Some(correlation) {
                    fetcher.in_flight = None;
                    self.maybe_fetch(ctx, leader);
                }
            }
            Timer::Group(group) => self.on_group_timer(ctx, group),
            Timer::TxnAbortCheck => self.on_txn_abort_check(ctx),
            Timer::TxnMarkerRetry => self.on_txn_marker_retry(ctx),
            Timer::LogRetention => self.on_retention_check(ctx),
            Timer::FetcherBackoff { leader } => {
                self.fetchers.entry(leader).or_default().backing_off = false;
                self.maybe_fetch(ctx, leader);
            }
            _ => {}
        }
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let request = matches!(
            message,
            Message::Fetch(_)
                | Message::Produce(_)
                | Message::MetadataRequest { .. }
                | Message::ListOffsets { .. }
                | Message::OffsetForLeaderEpoch { .. }
                | Message::GroupRequest { .. }
                | Message::TxnRequest { .. }
                | Message::WriteTxnMarkers { .. }
        );
        if request && !self.listening {
            // A restarted broker opens its listeners (to clients and to other brokers) only
            // once it is unfenced; until then connections are refused.
            ctx.send(from, Message::Refused(Box::new(message)));
            return;
        }
        match message {
            Message::HeartbeatResponse {
                image,
                accepted: false,
            } => {
                // Registration refused: try again, backing off from 100ms (doubling) up to
                // the session timeout, as a broker's lifecycle manager does. The metadata
                // log is read all the same, so the broker already follows its leaders.
                let backoff = (100u64 << self.registration_attempts.min(10))
                    .min(self.config.broker_session_timeout_ms);
                self.registration_attempts += 1;
                ctx.timer_after(SimTime::from_millis(backoff), Timer::Register);
                if let Some(image) = image {
                    self.apply_metadata(ctx, image);
                }
            }
            Message::HeartbeatResponse {
                image,
                accepted: true,
            } => {
                let newly = !self.registered;
                self.registered = true;
                if let Some(image) = image {
                    self.apply_metadata(ctx, image);
                }
                if newly {
                    // Caught up with the metadata of its registration: say so at once, so
                    // that the controller can unfence it.
                    self.send_heartbeat(ctx);
                }
            }
            Message::MetadataUpdate(image) => self.apply_metadata(ctx, image),
            Message::AlterPartitionResponse { partition, result } => {
                self.on_alter_partition_response(ctx, partition, result)
            }
            Message::Fetch(request) => self.on_fetch(ctx, from, request),
            Message::FetchResponse(response) => {
                if let NodeId::Broker(leader) = from {
                    self.on_fetch_response(ctx, leader, response);
                }
            }
            Message::MetadataRequest {
                topics,
                allow_auto_create,
            } => {
                self.maybe_auto_create(ctx, from, &topics, allow_auto_create);
                ctx.send(from, Message::MetadataResponse(self.metadata.clone()))
            }
            // The leader we fetch from is gone: back off, then try again (or follow the new
            // leader once the metadata names one).
            Message::Refused(refused) if matches!(*refused, Message::WriteTxnMarkers { .. }) => {
                if let Message::WriteTxnMarkers { correlation, .. } = *refused {
                    self.on_marker_request_lost(ctx, correlation);
                }
            }
            Message::TxnRequest {
                correlation,
                txn,
                request,
            } => self.on_txn_request(ctx, from, correlation, txn, request),
            Message::WriteTxnMarkers {
                correlation,
                marker,
            } => self.on_write_txn_markers(ctx, from, correlation, marker),
            Message::WriteTxnMarkersResponse {
                correlation,
                results,
            } => self.on_write_txn_markers_response(ctx, correlation, results),
            Message::Disconnected | Message::Refused(_) => {
                if let NodeId::Broker(leader) = from
                    && self
                        .fetchers
                        .get(&leader)
                        .is_some_and(|f| f.in_flight.is_some())
                {
                    self.fetchers.entry(leader).or_default().in_flight = None;
                    let retry =
                        ctx.now + SimTime::from_millis(self.config.replica_fetch_backoff_ms);
                    for replica in self.replicas.values_mut() {
                        if replica.leading.is_none() && replica.leader == Some(leader) {
                            replica.fetch_retry_at = retry;
                        }
                    }
                    self.maybe_fetch(ctx, leader);
                }
            }
            Message::Produce(request) => self.on_produce(ctx, from, request),
            Message::GroupRequest {
                correlation,
                group,
                request,
            } => self.on_group_request(ctx, from, correlation, group, request),
            Message::OffsetForLeaderEpoch {
                correlation,
                partition,
                epoch,
                current_leader_epoch,
            } => {
                let result = match self.replicas.get(&partition) {
                    Some(r) if r.leading.is_some() => {
                        if current_leader_epoch < r.leader_epoch {
                            Err(KafkaError::FencedLeaderEpoch)
                        } else if current_leader_epoch > r.leader_epoch {
                            Err(KafkaError::UnknownLeaderEpoch)
                        } else {
                            // Unknown epoch (newer than any here): the log end.
                            Ok(r.log
                                .end_offset_for_epoch(epoch)
                                .unwrap_or((epoch, r.log.log_end_offset())))
                        }
                    }
                    _ => Err(KafkaError::NotLeaderOrFollower),
                };
                ctx.send(
                    from,
                    Message::OffsetForLeaderEpochResponse {
                        correlation,
                        partition,
                        result,
                    },
                );
            }
            Message::ListOffsets {
                correlation,
                partition,
                earliest,
            } => {
                let result = match self.replicas.get(&partition) {
                    Some(r) if r.leading.is_some() => Ok(if earliest {
                        r.log.log_start_offset()
                    } else {
                        r.log.high_watermark
                    }),
                    _ => Err(KafkaError::NotLeaderOrFollower),
                };
                ctx.send(
                    from,
                    Message::ListOffsetsResponse {
                        correlation,
                        partition,
                        result,
                    },
                );
            }
            _ => {}
        }
    }

    // Metadata: becoming leader or follower.

    fn apply_metadata(&mut self, ctx: &mut Ctx, image: Arc<MetadataImage>) {
        if self
            .metadata
            .as_ref()
            .is_some_and(|m| m.offset >= image.offset)
        {
            return;
        }
        self.metadata = Some(image.clone());
        if self.registered && !image.is_fenced(self.id) {
            self.listening = true;
        }
        // Any news from the controller ends the wait for a creation: a topic still missing is
        // asked for again at the next metadata request naming it.
        self.creating.clear();
        // A deleted topic's replicas go, logs and all; so do those of an earlier creation of
        // a topic deleted and created again while this broker was away.
        let deleted: Vec<TopicPartition> = self
            .replicas
            .iter()
            .filter(|(tp, r)| {
                image.partition(**tp).is_none()
                    || r.topic_incarnation != image.topics[tp.topic.0 as usize].incarnation
            })
            .map(|(tp, _)| *tp)
            .collect();
        for group in self.coordinator.groups.values_mut() {
            // Kafka's coordinator drops the offsets of deleted partitions.
            group.offsets.retain(|tp, _| image.partition(*tp).is_some());
        }
        for tp in deleted {
            let replica = self.replicas.remove(&tp).expect("listed above");
            let records: Vec<(Offset, RecordId)> = replica.log.records().collect();
            ctx.trace(TraceEvent::ReplicaDeleted {
                partition: tp,
                records: records.len() as u32,
            });
            if !records.is_empty() {
                ctx.note(Note::Removed {
                    partition: tp,
                    records,
                });
            }
        }
        for (tp, state) in image.partitions() {
            if !state.replicas.contains(&self.id) {
                continue;
            }
            let config = &self.topic_configs[tp.topic.0 as usize];
            let incarnation = image.topics[tp.topic.0 as usize].incarnation;
            let replica = self
                .replicas
                .entry(tp)
                .or_insert_with(|| Replica::new(state, config, incarnation));
            replica.fetch_retry_at = SimTime::ZERO;
            let same_epoch =
                replica.leader_epoch == state.leader_epoch && replica.leader == state.leader;
            if state.leader == Some(self.id) {
                if replica.leading.is_none() || !same_epoch {
                    self.make_leader(ctx, tp, state);
                } else if state.partition_epoch > replica.partition_epoch {
                    replica.isr = state.isr.clone();
                    replica.partition_epoch = state.partition_epoch;
                    self.after_isr_change(ctx, tp);
                }
            } else if replica.leading.is_some() || !same_epoch {
                self.make_follower(ctx, tp, state);
            } else {
                replica.isr = state.isr.clone();
                replica.partition_epoch = state.partition_epoch;
            }
        }
        self.fetch_from_all(ctx);
    }

    /// Becoming leader (R1.5): record the new epoch's start in the epoch cache, keep the
    /// current high watermark, and forget what the followers hold: the high watermark waits
    /// until every ISR member has fetched from the new leader.
    fn make_leader(&mut self, ctx: &mut Ctx, tp: TopicPartition, state: &PartitionState) {
        let now = ctx.now;
        let me = self.id;
        let replica = self
            .replicas
            .get_mut(&tp)
            .expect("created by apply_metadata");
        let leo = replica.log.log_end_offset();
        replica.leader = Some(me);
        replica.leader_epoch = state.leader_epoch;
        replica.partition_epoch = state.partition_epoch;
        replica.replicas = state.replicas.clone();
        replica.isr = state.isr.clone();
        replica.log.assign_epoch(state.leader_epoch, leo);
        // Kafka's `resetReplicaState`: ISR members count as caught up now, the others as
        // long ago. A new leader forgets the followers' log ends and broker epochs; a leader
        // re-elected in a new epoch keeps them.
        let previous = replica.leading.take();
        let re_elected = previous.is_some();
        let followers = state
            .replicas
            .iter()
            .filter(|&&b| b != me)
            .map(|&b| {
                let mut follower = new_follower(None, state.isr.contains(&b).then_some(now));
                if let Some(known) = previous.as_ref().and_then(|l| l.followers.get(&b)) {
                    follower.leo = known.leo;
                    follower.broker_epoch = known.broker_epoch;
                    follower.last_fetch_leader_leo = leo;
                    follower.last_fetch_time = state.isr.contains(&b).then_some(now);
                }
                (b, follower)
            })
            .collect();
        replica.leading = Some(LeaderState {
            followers,
            pending_isr: None,
            epoch_start: leo,
        });
        ctx.trace(TraceEvent::BecameLeader {
            partition: tp,
            epoch: state.leader_epoch,
            high_watermark: replica.log.high_watermark,
            leo,
        });
        ctx.note(Note::LeaderChanged {
            broker: me,
            partition: tp,
        });
        self.maybe_increment_high_watermark(ctx, tp);
        // A group coordinator re-elected in a new epoch stays active with the groups it holds
        // (`CoordinatorRuntime.scheduleLoadOperation` only moves the epoch; the classic
        // `GroupMetadataManager.addLoadingPartition` skips an owned partition), so a member
        // that joined meanwhile is kept. The transaction coordinator reloads on every election
        // (`TransactionCoordinator.onElection`).
        if !re_elected {
            self.load_groups(ctx, tp);
        }
        self.load_txns(ctx, tp);
    }

    /// Becoming a follower: stop serving writes; the fetcher takes over, and the first fetch
    /// finds out by leader epoch whether the log must be truncated.
    fn make_follower(&mut self, ctx: &mut Ctx, tp: TopicPartition, state: &PartitionState) {
        let replica = self
            .replicas
            .get_mut(&tp)
            .expect("created by apply_metadata");
        replica.leading = None;
        replica.leader = state.leader;
        replica.leader_epoch = state.leader_epoch;
        replica.partition_epoch = state.partition_epoch;
        replica.replicas = state.replicas.clone();
        replica.isr = state.isr.clone();
        ctx.trace(TraceEvent::BecameFollower {
            partition: tp,
            leader: state.leader,
            epoch: state.leader_epoch,
        });
        if self.config.behaviour.truncation == Truncation::HighWatermark && state.leader.is_some() {
            // Before 0.11 (R5.1): no epochs to ask the leader about, so a new follower drops
            // everything above its own high watermark, which may trail the leader's. With no
            // leader alive the replica stays as it is (0.10's `makeFollowers` skips it).
            let hw = replica.log.high_watermark;
            let version = self.config.behaviour.version;
            let why = why!(
                "became a follower: truncate to its own high watermark {hw} (kafka_version {version}, before KIP-101)" ;
                "팔로워가 됨: 자신의 하이 워터마크 {hw}까지 잘라냄 (kafka_version {version}, KIP-101 이전)"
            );
            self.truncate(ctx, tp, hw, why);
        }
        self.complete_delayed_produces(ctx, Some(tp));
        self.complete_parked_fetches(ctx, tp);
        self.unload_groups(ctx, tp);
        self.unload_txns(ctx, tp);
    }
}

pub(super) fn new_follower(leo: Option<Offset>, last_caught_up: Option<SimTime>) -> FollowerState {
    FollowerState {
        leo,
        last_caught_up,
        last_fetch_time: None,
        last_fetch_leader_leo: Offset(0),
        broker_epoch: None,
    }
}

/// The leader's check of a follower's fetch (KIP-320/KIP-595): if the epoch the follower
/// last fetched ends earlier in the leader's log than the follower's fetch offset, or is not
/// an epoch the leader had, the logs diverge and the answer is the leader's (epoch, end).
///
/// Under KIP-101 alone (Kafka 0.11 to 1.1) the leader answered only the offset where the
/// follower's epoch ends in its log, the start of its next epoch: the follower truncates when
/// that offset is below its log end, and an epoch the leader never had goes unnoticed (R5.4).
/// The answer then carries the follower's own epoch back. Before 0.11 there were no epochs to
/// ask about: the follower sends none and this is never consulted.
pub(super) fn diverging(
    log: &ReplicaLog,
    fetch: &FetchPartition,
    truncation: Truncation,
) -> Option<(LeaderEpoch, Offset)> {
    let last = fetch.last_fetched_epoch?;
    let (epoch, end) = log.end_offset_for_epoch(last)?;
    match truncation {
        Truncation::DivergingEpoch => {
            (epoch < last || end < fetch.fetch_offset).then_some((epoch, end))
        }
        Truncation::EpochEndOffset => (end < fetch.fetch_offset).then_some((last, end)),
        Truncation::HighWatermark => None,
    }
}

/// A segment roll, in the trace with its reason (R10.4).
pub(crate) fn trace_roll(ctx: &mut Ctx, tp: TopicPartition, roll: Option<Roll>) {
    if let Some(roll) = roll {
        ctx.trace(TraceEvent::SegmentRolled {
            partition: tp,
            base: roll.base_offset,
            why: roll.why,
        });
    }
}

/// `log.flush.interval.messages` / `flush.messages`: fsync once this many records are
/// unflushed. By default (Long.MAX) Kafka never forces a flush and leaves it to the OS.
pub(super) fn maybe_flush(
    ctx: &mut Ctx,
    tp: TopicPartition,
    log: &mut ReplicaLog,
    flush_messages: u64,
) {
    if log.unflushed_records() >= flush_messages {
        log.flush();
        ctx.trace(TraceEvent::Flush {
            partition: tp,
            to: log.log_end_offset(),
        });
    }
}

mod fetch;
mod fetcher;
mod held;
mod produce;
mod replication;
#[cfg(test)]
pub(crate) mod tests;
