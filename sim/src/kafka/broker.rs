//! A broker: the replicas it holds, as leader or follower, and how it serves produce and fetch
//! requests, replicates, tracks the ISR and the high watermark, and survives crashes.
//!
//! The rules follow Kafka's `Partition.scala` and `AbstractFetcherThread` (reference sections
//! 1-5 and 12): the leader learns a follower's log end offset from its fetch offset, the high
//! watermark is the lowest log end offset over the ISR, followers learn it one fetch later,
//! and a follower whose log diverged truncates by leader epoch.

use std::collections::BTreeMap;
use std::sync::Arc;

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
use crate::kafka::trace::{HighWatermarkCause, TraceEvent, brokers};

/// How long a follower waits for a fetch response before it tries again
/// (`replica.socket.timeout.ms`).
const REPLICA_SOCKET_TIMEOUT: SimTime = SimTime::from_millis(30_000);

#[derive(Clone, Debug)]
pub struct Broker {
    pub id: BrokerId,
    pub alive: bool,
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
    producers: ProducerStates,
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
}

#[derive(Clone, Debug)]
struct DelayedProduce {
    from: NodeId,
    correlation: u64,
    done: Vec<(TopicPartition, Result<Offset, KafkaError>)>,
    waiting: Vec<(TopicPartition, Offset, Offset)>,
    expires: SimTime,
}

impl Replica {
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
    ) -> Broker {
        let mut broker = Broker {
            id,
            alive: true,
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
        self.fetch_from_all(ctx);
    }

    /// The process dies: everything in memory is gone, the logs stay on disk.
    pub fn crash(&mut self) {
        self.alive = false;
        self.metadata = None;
        self.fetchers.clear();
        self.parked.clear();
        self.delayed.clear();
        self.delayed_timer = None;
        self.coordinator.clear();
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
        self.load_groups(ctx, tp);
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
        self.complete_delayed_produces(ctx, Some(tp));
        self.complete_parked_fetches(ctx, tp);
        self.unload_groups(ctx, tp);
    }

    // The leader side: high watermark and ISR.

    pub(crate) fn effective_min_isr(&self, tp: TopicPartition) -> usize {
        let replicas = self.replicas.get(&tp).map_or(1, |r| r.replicas.len());
        (self.topic_config(tp).min_insync_replicas as usize).min(replicas)
    }

    /// Kafka's `isReplicaIsrEligible`: the controller has the broker unfenced, and the
    /// follower's last fetch came from the incarnation the controller registered (KIP-903),
    /// not from before a restart.
    fn is_isr_eligible(&self, tp: TopicPartition, broker: BrokerId) -> bool {
        let Some(metadata) = &self.metadata else {
            return false;
        };
        let fetched_epoch = self.replicas[&tp]
            .leading
            .as_ref()
            .and_then(|l| l.followers.get(&broker))
            .and_then(|f| f.broker_epoch);
        let current = match fetched_epoch {
            Some(FetchedEpoch::Unregistered) => true,
            Some(FetchedEpoch::Epoch(epoch)) => epoch == metadata.broker_epoch(broker),
            None => false,
        };
        !metadata.is_fenced(broker) && current
    }

    /// Kafka's `maybeIncrementLeaderHW` (R1.2, R1.3): the high watermark rises to the lowest
    /// log end offset among the leader, the maximal ISR, and followers that are caught up and
    /// eligible to join; it never goes back, and it stays put while the ISR is smaller than
    /// `min.insync.replicas` (Kafka 3.7+).
    fn maybe_increment_high_watermark(&mut self, ctx: &mut Ctx, tp: TopicPartition) -> bool {
        let min_isr = self.effective_min_isr(tp);
        let lag_max = self.lag_max();
        let me = self.id;
        let replica = &self.replicas[&tp];
        let Some(leading) = &replica.leading else {
            return false;
        };
        if replica.isr.len() < min_isr {
            return false;
        }
        let leo = replica.log.log_end_offset();
        let maximal = replica.maximal_isr();
        let counts = |b: BrokerId, follower: &FollowerState| {
            maximal.contains(&b)
                || (follower.is_caught_up(leo, ctx.now, lag_max) && self.is_isr_eligible(tp, b))
        };
        let new_hw = leading
            .followers
            .iter()
            .filter(|(b, f)| counts(**b, f))
            .map(|(_, f)| f.leo.unwrap_or(Offset(0)))
            .fold(leo, Offset::min);
        let old = replica.log.high_watermark;
        if new_hw <= old {
            return false;
        }
        let mut counted: Vec<BrokerId> = std::iter::once(me)
            .chain(
                leading
                    .followers
                    .iter()
                    .filter(|(b, f)| counts(**b, f))
                    .map(|(b, _)| *b),
            )
            .collect();
        counted.sort();
        let why = if counted.len() == 1 {
            HighWatermarkCause::LeaderAlone {
                isr: maximal.to_vec(),
                leo,
            }
        } else {
            HighWatermarkCause::LowestLogEnd { among: counted }
        };
        self.replicas
            .get_mut(&tp)
            .expect("looked up above")
            .log
            .high_watermark = new_hw;
        ctx.trace(TraceEvent::HighWatermark {
            partition: tp,
            from: old,
            to: new_hw,
            why,
        });
        ctx.note(Note::HighWatermark {
            broker: me,
            partition: tp,
            from: old,
            to: new_hw,
        });
        self.complete_delayed_produces(ctx, Some(tp));
        self.complete_parked_fetches(ctx, tp);
        self.complete_group_writes(ctx, tp);
        true
    }

    /// After the leader appended to `tp` itself (a group coordinator's write): wake the
    /// waiting fetches and see whether the high watermark moves (a leader alone in its ISR).
    pub(crate) fn after_local_append(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        let flush_messages = self.topic_config(tp).flush_messages;
        if let Some(replica) = self.replicas.get_mut(&tp) {
            maybe_flush(ctx, tp, &mut replica.log, flush_messages);
        }
        self.complete_parked_fetches(ctx, tp);
        self.maybe_increment_high_watermark(ctx, tp);
    }

    /// R2.3: a follower in the ISR that is neither at the leader's log end nor caught up
    /// within `replica.lag.time.max.ms` is proposed for removal.
    fn maybe_shrink_isr(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        let lag_max = self.lag_max();
        let me = self.id;
        let replica = &self.replicas[&tp];
        let Some(leading) = &replica.leading else {
            return;
        };
        if let Some(pending) = &leading.pending_isr {
            // No answer from the controller (it may be out of reach): forget the proposal so
            // that a new one can be made.
            if ctx.now - pending.sent_at <= REPLICA_SOCKET_TIMEOUT {
                return;
            }
        }
        let leo = replica.log.log_end_offset();
        let out: Vec<BrokerId> = replica
            .isr
            .iter()
            .filter(|&&b| b != me)
            .filter(|b| {
                leading
                    .followers
                    .get(b)
                    .is_some_and(|f| !f.is_caught_up(leo, ctx.now, lag_max))
            })
            .copied()
            .collect();
        if out.is_empty() {
            return;
        }
        let new_isr: Vec<BrokerId> = replica
            .isr
            .iter()
            .filter(|b| !out.contains(b))
            .copied()
            .collect();
        let laggards: Vec<String> = out
            .iter()
            .map(|b| match leading.followers[b].last_caught_up {
                Some(since) => {
                    format!("{b} last caught up {}ms ago", (ctx.now - since).as_millis())
                }
                None => format!("{b} has not caught up since this leader took over"),
            })
            .collect();
        let why = format!(
            "{}; replica.lag.time.max.ms={}",
            laggards.join(", "),
            lag_max.as_millis()
        );
        self.propose_isr(ctx, tp, new_isr, false, why);
    }

    /// R2.4: a follower outside the ISR rejoins once it holds everything up to the high
    /// watermark and reached this leader's epoch, if the controller has it unfenced.
    fn maybe_expand_isr(&mut self, ctx: &mut Ctx, tp: TopicPartition, follower: BrokerId) {
        if !self.is_isr_eligible(tp, follower) {
            return;
        }
        let replica = &self.replicas[&tp];
        let Some(leading) = &replica.leading else {
            return;
        };
        if leading.pending_isr.is_some() || replica.maximal_isr().contains(&follower) {
            return;
        }
        let Some(leo) = leading.followers.get(&follower).and_then(|f| f.leo) else {
            return;
        };
        let hw = replica.log.high_watermark;
        if leo < hw || leo < leading.epoch_start {
            return;
        }
        let mut new_isr = replica.isr.clone();
        new_isr.push(follower);
        let why = format!("{follower} caught up: leo {leo} ≥ hw {hw}");
        self.propose_isr(ctx, tp, new_isr, true, why);
    }

    fn propose_isr(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        expand: bool,
        why: String,
    ) {
        let replica = self.replicas.get_mut(&tp).expect("caller checked");
        let leading = replica.leading.as_mut().expect("caller checked");
        leading.pending_isr = Some(PendingIsr {
            isr: isr.clone(),
            expand,
            sent_at: ctx.now,
        });
        ctx.trace(TraceEvent::IsrProposed {
            partition: tp,
            from: replica.isr.clone(),
            to: isr.clone(),
            why,
        });
        ctx.send(
            NodeId::Controller,
            Message::AlterPartition {
                partition: tp,
                leader_epoch: replica.leader_epoch,
                partition_epoch: replica.partition_epoch,
                isr,
            },
        );
    }

    fn on_alter_partition_response(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        result: Result<PartitionState, KafkaError>,
    ) {
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        let Some(leading) = replica.leading.as_mut() else {
            return;
        };
        leading.pending_isr = None;
        if let Ok(state) = result
            && state.leader_epoch == replica.leader_epoch
            && state.partition_epoch > replica.partition_epoch
        {
            replica.isr = state.isr;
            replica.partition_epoch = state.partition_epoch;
        }
        self.after_isr_change(ctx, tp);
    }

    /// A smaller ISR can raise the high watermark at once; either way, waiting acks=all
    /// requests look again.
    fn after_isr_change(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.maybe_increment_high_watermark(ctx, tp) {
            self.complete_delayed_produces(ctx, Some(tp));
        }
    }

    // Produce.

    fn on_produce(&mut self, ctx: &mut Ctx, from: NodeId, request: ProduceRequest) {
        let mut done = Vec::new();
        let mut waiting = Vec::new();
        for batch in &request.batches {
            match self.append_as_leader(ctx, batch, request.acks) {
                Err(error) => done.push((batch.partition, Err(error))),
                Ok((base, end)) if request.acks == Acks::All => {
                    waiting.push((batch.partition, base, end))
                }
                Ok((base, _)) => done.push((batch.partition, Ok(base))),
            }
        }
        if request.acks == Acks::Zero {
            return;
        }
        let delayed = DelayedProduce {
            from,
            correlation: request.correlation,
            done,
            waiting,
            expires: ctx.now + request.timeout,
        };
        if delayed.waiting.is_empty() {
            self.respond_produce(ctx, delayed);
        } else {
            self.delayed.push(delayed);
            self.complete_delayed_produces(ctx, None);
            self.schedule_delayed_expiry(ctx);
        }
    }

    /// One timer for the purgatory, at the earliest expiry, rather than one per request.
    fn schedule_delayed_expiry(&mut self, ctx: &mut Ctx) {
        let Some(next) = self.delayed.iter().map(|d| d.expires).min() else {
            return;
        };
        if self.delayed_timer.is_none_or(|t| next < t) {
            self.delayed_timer = Some(next);
            ctx.timer_at(next, Timer::DelayedProduceExpiry);
        }
    }

    /// Kafka's `appendRecordsToLeader` (R3.3): acks=all is refused before the append when the
    /// ISR is smaller than `min.insync.replicas`; an idempotent producer's duplicate returns
    /// the original offsets and a gap in its sequence is refused. Returns the base offset and
    /// the offset one past the batch.
    fn append_as_leader(
        &mut self,
        ctx: &mut Ctx,
        batch: &ProduceBatch,
        acks: Acks,
    ) -> Result<(Offset, Offset), KafkaError> {
        let tp = batch.partition;
        let min_isr = self.effective_min_isr(tp);
        let max_bytes = self.topic_config(tp).max_message_bytes;
        let flush_messages = self.topic_config(tp).flush_messages;
        let Some(replica) = self.replicas.get_mut(&tp).filter(|r| r.leading.is_some()) else {
            let why = format!("{} does not lead it", self.id);
            ctx.trace(TraceEvent::ProduceRejected {
                partition: tp,
                error: "NOT_LEADER_OR_FOLLOWER".into(),
                why,
            });
            return Err(KafkaError::NotLeaderOrFollower);
        };
        if acks == Acks::All && replica.isr.len() < min_isr {
            let why = format!(
                "isr {} has {} member{}, min.insync.replicas={min_isr}; nothing appended",
                brokers(&replica.isr),
                replica.isr.len(),
                if replica.isr.len() == 1 { "" } else { "s" }
            );
            ctx.trace(TraceEvent::ProduceRejected {
                partition: tp,
                error: "NOT_ENOUGH_REPLICAS".into(),
                why,
            });
            return Err(KafkaError::NotEnoughReplicas);
        }
        if batch.bytes as u64 > max_bytes {
            let why = format!("{} bytes > max.message.bytes={max_bytes}", batch.bytes);
            ctx.trace(TraceEvent::ProduceRejected {
                partition: tp,
                error: "MESSAGE_TOO_LARGE".into(),
                why,
            });
            return Err(KafkaError::MessageTooLarge);
        }
        if batch.null_key
            && self.topic_configs[tp.topic.0 as usize]
                .cleanup_policy
                .compact
        {
            // Kafka's LogValidator: a compacted topic keeps records by key, so a record
            // without one has nothing to be kept by.
            let why = "a record has a null key: \"Compacted topic cannot accept message without key\" (cleanup.policy=compact)".to_string();
            ctx.trace(TraceEvent::ProduceRejected {
                partition: tp,
                error: "INVALID_RECORD".into(),
                why,
            });
            return Err(KafkaError::InvalidRecord);
        }
        let count = batch.records.len() as u32;
        if let Some(stamp) = batch.producer {
            match replica.producers.check(stamp, count) {
                Verdict::Append => {}
                Verdict::Duplicate { base, count } => {
                    ctx.trace(TraceEvent::Duplicate {
                        partition: tp,
                        base,
                        count,
                    });
                    return Ok((base, Offset(base.0 + count as u64)));
                }
                Verdict::Reject { error, why } => {
                    ctx.trace(TraceEvent::ProduceRejected {
                        partition: tp,
                        error: error.name().into(),
                        why,
                    });
                    return Err(error);
                }
            }
        }
        let base = replica.log.log_end_offset();
        let stored = StoredBatch::new(
            base,
            replica.leader_epoch,
            batch.records.clone(),
            batch.bytes,
            batch.producer,
            ctx.now,
        );
        let roll = replica.log.append(Arc::new(stored));
        trace_roll(ctx, tp, roll);
        if let Some(stamp) = batch.producer {
            replica.producers.remember(stamp, base, count);
        }
        let leo = replica.log.log_end_offset();
        ctx.trace(TraceEvent::Append {
            partition: tp,
            base,
            count,
            epoch: replica.leader_epoch,
            leo,
        });
        maybe_flush(ctx, tp, &mut replica.log, flush_messages);
        self.complete_parked_fetches(ctx, tp);
        self.maybe_increment_high_watermark(ctx, tp);
        Ok((base, leo))
    }

    /// Kafka's `checkEnoughReplicasReachOffset`: an acks=all write completes once the high
    /// watermark passes it, as a success if the ISR still has `min.insync.replicas` members,
    /// else NOT_ENOUGH_REPLICAS_AFTER_APPEND (the records stay in the log).
    fn complete_delayed_produces(&mut self, ctx: &mut Ctx, only: Option<TopicPartition>) {
        if self.delayed.is_empty() {
            return;
        }
        let mut delayed = std::mem::take(&mut self.delayed);
        let mut finished = Vec::new();
        delayed.retain_mut(|request| {
            request.waiting.retain(|&(tp, base, end)| {
                if only.is_some_and(|o| o != tp) {
                    return true;
                }
                match self.produce_outcome(ctx, tp, base, end) {
                    Some(result) => {
                        request.done.push((tp, result));
                        false
                    }
                    None => true,
                }
            });
            if request.waiting.is_empty() {
                finished.push(std::mem::replace(
                    request,
                    DelayedProduce {
                        from: request.from,
                        correlation: request.correlation,
                        done: Vec::new(),
                        waiting: Vec::new(),
                        expires: request.expires,
                    },
                ));
                false
            } else {
                true
            }
        });
        self.delayed = delayed;
        // Answer in the order the requests came, as a connection delivers responses in order.
        for request in finished {
            self.respond_produce(ctx, request);
        }
    }

    /// Where an acks=all write for offsets `base..end` of `tp` stands: `None` while the high
    /// watermark has not reached its end.
    fn produce_outcome(
        &self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        base: Offset,
        end: Offset,
    ) -> Option<Result<Offset, KafkaError>> {
        let Some(replica) = self.replicas.get(&tp).filter(|r| r.leading.is_some()) else {
            return Some(Err(KafkaError::NotLeaderOrFollower));
        };
        if replica.log.high_watermark < end {
            return None;
        }
        let min_isr = self.effective_min_isr(tp);
        let isr = replica.maximal_isr();
        if isr.len() >= min_isr {
            return Some(Ok(base));
        }
        let why = format!(
            "offsets {base}..{} were appended and replicated, but isr {} is below min.insync.replicas={min_isr}",
            end.0 - 1,
            brokers(isr)
        );
        ctx.trace(TraceEvent::ProduceRejected {
            partition: tp,
            error: "NOT_ENOUGH_REPLICAS_AFTER_APPEND".into(),
            why,
        });
        Some(Err(KafkaError::NotEnoughReplicasAfterAppend))
    }

    fn respond_produce(&mut self, ctx: &mut Ctx, delayed: DelayedProduce) {
        ctx.send(
            delayed.from,
            Message::ProduceResponse(ProduceResponse {
                correlation: delayed.correlation,
                partitions: delayed.done,
            }),
        );
    }

    // Fetch, leader side.

    fn on_fetch(&mut self, ctx: &mut Ctx, from: NodeId, request: FetchRequest) {
        if let Some(follower) = request.replica {
            for fetch in &request.partitions {
                self.record_follower_fetch(ctx, follower, request.broker_epoch, fetch);
            }
        }
        let response = self.read_fetch(&request);
        let ready = response
            .partitions
            .iter()
            .any(|p| p.error.is_some() || p.diverging_epoch.is_some() || !p.batches.is_empty());
        if ready || request.max_wait == SimTime::ZERO {
            ctx.send(from, Message::FetchResponse(response));
        } else {
            // Long poll: hold the request until data arrives or `max_wait` passes.
            let id = self.next_id();
            ctx.timer_after(request.max_wait, Timer::ParkedFetchExpiry(id));
            self.parked.push(ParkedFetch { id, from, request });
        }
    }

    /// The leader learns from a follower's fetch offset how far its log goes (R1.1, R2.2),
    /// then checks the ISR and the high watermark.
    fn record_follower_fetch(
        &mut self,
        ctx: &mut Ctx,
        follower: BrokerId,
        broker_epoch: Option<u32>,
        fetch: &FetchPartition,
    ) {
        let tp = fetch.partition;
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        if fetch.current_leader_epoch != replica.leader_epoch
            || diverging(&replica.log, fetch).is_some()
        {
            return;
        }
        let leo = replica.log.log_end_offset();
        // Most fetches change nothing: the follower is in the ISR and the high watermark is
        // already at the log end.
        let in_isr = replica.maximal_isr().contains(&follower);
        let hw_can_move = replica.log.high_watermark < leo;
        let Some(state) = replica
            .leading
            .as_mut()
            .and_then(|l| l.followers.get_mut(&follower))
        else {
            return;
        };
        if fetch.fetch_offset > leo {
            return;
        }
        if fetch.fetch_offset >= leo {
            state.last_caught_up = state.last_caught_up.max(Some(ctx.now));
        } else if fetch.fetch_offset >= state.last_fetch_leader_leo {
            state.last_caught_up = state.last_caught_up.max(state.last_fetch_time);
        }
        state.last_fetch_leader_leo = leo;
        state.last_fetch_time = Some(ctx.now);
        state.leo = Some(fetch.fetch_offset);
        state.broker_epoch =
            Some(broker_epoch.map_or(FetchedEpoch::Unregistered, FetchedEpoch::Epoch));
        if !in_isr {
            self.maybe_expand_isr(ctx, tp, follower);
        }
        if hw_can_move || !in_isr {
            self.maybe_increment_high_watermark(ctx, tp);
        }
    }

    /// What a fetch gets right now: a follower reads up to the log end, a consumer only below
    /// the high watermark (R1.6).
    fn read_fetch(&self, request: &FetchRequest) -> FetchResponse {
        let partitions = request
            .partitions
            .iter()
            .map(|fetch| {
                let tp = fetch.partition;
                let mut response = FetchPartitionResponse {
                    partition: tp,
                    error: None,
                    high_watermark: Offset(0),
                    log_start_offset: Offset(0),
                    log_end_offset: Offset(0),
                    batches: Vec::new(),
                    diverging_epoch: None,
                };
                let Some(replica) = self.replicas.get(&tp).filter(|r| r.leading.is_some()) else {
                    response.error = Some(KafkaError::NotLeaderOrFollower);
                    return response;
                };
                let log = &replica.log;
                response.high_watermark = log.high_watermark;
                response.log_start_offset = log.log_start_offset();
                response.log_end_offset = log.log_end_offset();
                if fetch.current_leader_epoch < replica.leader_epoch {
                    response.error = Some(KafkaError::FencedLeaderEpoch);
                } else if fetch.current_leader_epoch > replica.leader_epoch {
                    response.error = Some(KafkaError::UnknownLeaderEpoch);
                } else if request.replica.is_some()
                    && let Some(diverging) = diverging(log, fetch)
                {
                    response.diverging_epoch = Some(diverging);
                } else if fetch.fetch_offset > log.log_end_offset()
                    || fetch.fetch_offset < log.log_start_offset()
                {
                    response.error = Some(KafkaError::OffsetOutOfRange);
                } else {
                    let limit = if request.replica.is_some() {
                        log.log_end_offset()
                    } else {
                        log.high_watermark
                    };
                    response.batches = log.read(fetch.fetch_offset, request.max_bytes, limit);
                }
                response
            })
            .collect();
        FetchResponse {
            correlation: request.correlation,
            partitions,
        }
    }

    fn answer_fetch(&mut self, ctx: &mut Ctx, to: NodeId, request: &FetchRequest) {
        let response = self.read_fetch(request);
        ctx.send(to, Message::FetchResponse(response));
    }

    /// Completes held fetches that asked for `tp` and can now get something.
    fn complete_parked_fetches(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        let mut i = 0;
        while i < self.parked.len() {
            let parked = &self.parked[i];
            let ready = parked.request.partitions.iter().any(|fetch| {
                fetch.partition == tp
                    && match self.replicas.get(&tp).filter(|r| r.leading.is_some()) {
                        None => true,
                        Some(r) if parked.request.replica.is_some() => {
                            r.log.log_end_offset() > fetch.fetch_offset
                        }
                        Some(r) => r.log.high_watermark > fetch.fetch_offset,
                    }
            });
            if ready {
                let parked = self.parked.remove(i);
                self.answer_fetch(ctx, parked.from, &parked.request);
            } else {
                i += 1;
            }
        }
    }

    // Fetch, follower side.

    fn fetch_from_all(&mut self, ctx: &mut Ctx) {
        let leaders: Vec<BrokerId> = self
            .replicas
            .values()
            .filter(|r| r.leading.is_none())
            .filter_map(|r| r.leader)
            .filter(|&l| l != self.id)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for leader in leaders {
            self.maybe_fetch(ctx, leader);
        }
    }

    /// One fetch request at a time per leader, for every partition followed from it.
    fn maybe_fetch(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        if !self.alive {
            return;
        }
        let fetcher = self.fetchers.entry(leader).or_default();
        if fetcher.in_flight.is_some() || fetcher.backing_off {
            return;
        }
        let followed = |r: &&Replica| r.leading.is_none() && r.leader == Some(leader);
        let now = ctx.now;
        let partitions: Vec<FetchPartition> = self
            .replicas
            .iter()
            .filter(|(_, r)| followed(r) && r.fetch_retry_at <= now)
            .map(|(tp, r)| FetchPartition {
                partition: *tp,
                fetch_offset: r.log.log_end_offset(),
                last_fetched_epoch: r.log.latest_epoch(),
                current_leader_epoch: r.leader_epoch,
            })
            .collect();
        if partitions.is_empty() {
            // Partitions that failed wait out `replica.fetch.backoff.ms` before the next try.
            let retry = self
                .replicas
                .values()
                .filter(followed)
                .map(|r| r.fetch_retry_at)
                .min();
            if let Some(at) = retry {
                self.fetchers
                    .get_mut(&leader)
                    .expect("inserted above")
                    .backing_off = true;
                ctx.timer_at(at, Timer::FetcherBackoff { leader });
            }
            return;
        }
        let correlation = self.next_id();
        self.fetchers
            .get_mut(&leader)
            .expect("inserted above")
            .in_flight = Some(correlation);
        ctx.timer_after(
            REPLICA_SOCKET_TIMEOUT,
            Timer::FetcherTimeout {
                leader,
                correlation,
            },
        );
        ctx.send(
            NodeId::Broker(leader),
            Message::Fetch(FetchRequest {
                correlation,
                replica: Some(self.id),
                broker_epoch: self.registered.then_some(self.incarnation),
                partitions,
                max_wait: SimTime::from_millis(self.config.replica_fetch_wait_max_ms),
                max_bytes: self.config.replica_fetch_max_bytes,
            }),
        );
    }

    fn on_fetch_response(&mut self, ctx: &mut Ctx, leader: BrokerId, response: FetchResponse) {
        let fetcher = self.fetchers.entry(leader).or_default();
        if fetcher.in_flight != Some(response.correlation) {
            return;
        }
        fetcher.in_flight = None;
        let backoff = SimTime::from_millis(self.config.replica_fetch_backoff_ms);
        for part in response.partitions {
            let tp = part.partition;
            let flush_messages = self.topic_config(tp).flush_messages;
            let Some(replica) = self.replicas.get_mut(&tp) else {
                continue;
            };
            if replica.leading.is_some() || replica.leader != Some(leader) {
                continue;
            }
            if let Some(error) = part.error {
                match error {
                    KafkaError::OffsetOutOfRange
                        if replica.log.log_end_offset() > part.log_end_offset =>
                    {
                        let why =
                            format!("ahead of leader {leader}'s log end {}", part.log_end_offset);
                        self.truncate(ctx, tp, part.log_end_offset, why);
                    }
                    KafkaError::OffsetOutOfRange
                        if replica.log.log_end_offset() < part.log_start_offset =>
                    {
                        // Everything it would fetch next is deleted on the leader: start over
                        // at the leader's log start (Kafka's truncateFullyAndStartAt).
                        let start = part.log_start_offset;
                        let why = format!(
                            "leader {leader}'s log starts at {start}, past this log's end: truncate fully and start at {start}"
                        );
                        self.truncate(ctx, tp, start, why);
                    }
                    // The leader moved, or has not yet heard it leads: try again after
                    // the backoff, or sooner if new metadata arrives.
                    _ => replica.fetch_retry_at = ctx.now + backoff,
                }
                continue;
            }
            if let Some((epoch, end)) = part.diverging_epoch {
                // R5.3 (KIP-279): truncate to where our logs agree, by leader epoch.
                let leo = replica.log.log_end_offset();
                let (target, ours) = match replica.log.end_offset_for_epoch(epoch) {
                    Some((ours, our_end)) if ours == epoch => (end.min(our_end), our_end),
                    Some((_, our_end)) => (our_end, our_end),
                    None => (end, leo),
                };
                let target = target.min(leo);
                let why = format!(
                    "diverged from leader {leader}: epoch {epoch} ends at offset {end} there, at {ours} here (KIP-279)"
                );
                self.truncate(ctx, tp, target, why);
                continue;
            }
            let mut first = None;
            let mut count = 0;
            for batch in &part.batches {
                let leo = replica.log.log_end_offset();
                if batch.end_offset() <= leo {
                    continue;
                }
                if batch.base_offset != leo {
                    break;
                }
                first.get_or_insert(batch.base_offset);
                count += batch.records.len() as u32;
                if let Some(stamp) = batch.producer {
                    replica.producers.remember(
                        stamp,
                        batch.base_offset,
                        batch.last_offset_delta + 1,
                    );
                }
                let roll = replica.log.append(batch.clone());
                trace_roll(ctx, tp, roll);
            }
            let leo = replica.log.log_end_offset();
            if let Some(base) = first {
                ctx.trace(TraceEvent::Replicate {
                    partition: tp,
                    leader,
                    base,
                    count,
                    leo,
                });
                maybe_flush(ctx, tp, &mut replica.log, flush_messages);
            }
            let hw = part.high_watermark.min(leo);
            let old = replica.log.high_watermark;
            if hw != old {
                replica.log.high_watermark = hw;
                let why = HighWatermarkCause::FromLeader { leader };
                ctx.trace(TraceEvent::HighWatermark {
                    partition: tp,
                    from: old,
                    to: hw,
                    why,
                });
            }
            // The follower's log start follows the leader's; the segments below it go at
            // the next retention check.
            replica.log.advance_log_start(part.log_start_offset);
        }
        self.maybe_fetch(ctx, leader);
    }

    fn truncate(&mut self, ctx: &mut Ctx, tp: TopicPartition, to: Offset, why: String) {
        let replica = self.replicas.get_mut(&tp).expect("caller checked");
        let from = replica.log.log_end_offset();
        let removed = if to > from {
            replica.log.truncate_fully_and_start_at(to)
        } else {
            replica.log.truncate_to(to)
        };
        if to == from {
            return;
        }
        replica.rebuild_producer_state();
        ctx.trace(TraceEvent::Truncate {
            partition: tp,
            from,
            to,
            why: why.clone(),
        });
        ctx.note(Note::Truncated {
            broker: self.id,
            partition: tp,
            removed,
            why,
        });
    }
}

fn new_follower(leo: Option<Offset>, last_caught_up: Option<SimTime>) -> FollowerState {
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
fn diverging(log: &ReplicaLog, fetch: &FetchPartition) -> Option<(LeaderEpoch, Offset)> {
    let last = fetch.last_fetched_epoch?;
    let (epoch, end) = log.end_offset_for_epoch(last)?;
    (epoch < last || end < fetch.fetch_offset).then_some((epoch, end))
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
fn maybe_flush(ctx: &mut Ctx, tp: TopicPartition, log: &mut ReplicaLog, flush_messages: u64) {
    if log.unflushed_records() >= flush_messages {
        log.flush();
        ctx.trace(TraceEvent::Flush {
            partition: tp,
            to: log.log_end_offset(),
        });
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::ids::{ConsumerIdx, ProducerIdx, TopicId};
    use crate::kafka::effects::Effect;
    use crate::kafka::metadata::TopicImage;

    const TP: TopicPartition = TopicPartition {
        topic: TopicId(0),
        partition: 0,
    };

    /// Broker 1 leading one partition with replicas [1, 2, 3], all in the ISR.
    fn leader(min_insync_replicas: u32) -> Broker {
        let image = MetadataImage {
            offset: 1,
            topics: vec![TopicImage {
                name: "t".into(),
                partitions: vec![PartitionState {
                    leader: Some(BrokerId(1)),
                    leader_epoch: LeaderEpoch(0),
                    partition_epoch: 0,
                    replicas: vec![BrokerId(1), BrokerId(2), BrokerId(3)],
                    isr: vec![BrokerId(1), BrokerId(2), BrokerId(3)],
                }],
                incarnation: 1,
            }],
            fenced: vec![false; 3],
            broker_epochs: vec![0; 3],
        };
        let topic = TopicConfig {
            min_insync_replicas,
            ..TopicConfig::default()
        };
        Broker::new(
            BrokerId(1),
            Arc::new(BrokerConfig::default()),
            Arc::new(vec![topic]),
            Arc::new(image),
            Coordinator::new(Arc::new(Vec::new()), None, 50, SimTime::ZERO),
        )
    }

    /// Hands `message` to `broker` at `now_ms` and returns what it asked for.
    pub(crate) fn deliver(
        broker: &mut Broker,
        now_ms: u64,
        from: NodeId,
        message: Message,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut ctx = Ctx::new(
            SimTime::from_millis(now_ms),
            NodeId::Broker(broker.id),
            &mut effects,
        );
        broker.on_message(&mut ctx, from, message);
        effects
    }

    fn produce(broker: &mut Broker, now_ms: u64, count: u32, acks: Acks) -> Vec<Effect> {
        let records: Vec<RecordId> = (0..count)
            .map(|n| RecordId {
                producer: ProducerIdx(0),
                n,
            })
            .collect();
        let request = ProduceRequest {
            correlation: now_ms,
            acks,
            timeout: SimTime::from_millis(30_000),
            batches: vec![ProduceBatch {
                partition: TP,
                records: Arc::new(records),
                bytes: 100,
                producer: None,
                null_key: false,
            }],
        };
        deliver(
            broker,
            now_ms,
            NodeId::Producer(ProducerIdx(0)),
            Message::Produce(request),
        )
    }

    fn fetch(broker: &mut Broker, now_ms: u64, follower: u32, offset: u64) -> Vec<Effect> {
        let request = FetchRequest {
            correlation: now_ms,
            replica: Some(BrokerId(follower)),
            broker_epoch: Some(0),
            partitions: vec![FetchPartition {
                partition: TP,
                fetch_offset: Offset(offset),
                last_fetched_epoch: Some(LeaderEpoch(0)),
                current_leader_epoch: LeaderEpoch(0),
            }],
            max_wait: SimTime::ZERO,
            max_bytes: 1 << 20,
        };
        deliver(
            broker,
            now_ms,
            NodeId::Broker(BrokerId(follower)),
            Message::Fetch(request),
        )
    }

    fn high_watermark(broker: &Broker) -> u64 {
        broker.replicas[&TP].log.high_watermark.0
    }

    fn produce_results(effects: &[Effect]) -> Vec<Result<Offset, KafkaError>> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send(_, Message::ProduceResponse(r)) => Some(r.partitions[0].1),
                _ => None,
            })
            .collect()
    }

    // R1.2: the high watermark is the lowest log end offset over the ISR, learned from the
    // followers' fetch offsets, and an acks=all write is answered once it passes the write.
    #[test]
    fn high_watermark_is_the_lowest_log_end_in_the_isr() {
        let mut broker = leader(2);
        let effects = produce(&mut broker, 1, 5, Acks::All);
        assert!(
            produce_results(&effects).is_empty(),
            "acks=all waits for the ISR"
        );
        assert_eq!(high_watermark(&broker), 0);
        fetch(&mut broker, 2, 2, 5);
        assert_eq!(
            high_watermark(&broker),
            0,
            "broker 3 has not fetched the records yet"
        );
        fetch(&mut broker, 3, 3, 3);
        assert_eq!(high_watermark(&broker), 3);
        let effects = fetch(&mut broker, 4, 3, 5);
        assert_eq!(high_watermark(&broker), 5);
        assert_eq!(produce_results(&effects), vec![Ok(Offset(0))]);
    }

    // R3.3 (1): acks=all is refused before the append when the ISR is below
    // min.insync.replicas; acks=1 is not.
    #[test]
    fn acks_all_needs_min_insync_replicas() {
        let mut broker = leader(2);
        let replica = broker.replicas.get_mut(&TP).unwrap();
        replica.isr = vec![BrokerId(1)];
        let effects = produce(&mut broker, 1, 1, Acks::All);
        assert_eq!(
            produce_results(&effects),
            vec![Err(KafkaError::NotEnoughReplicas)]
        );
        assert_eq!(
            broker.replicas[&TP].log.log_end_offset(),
            Offset(0),
            "nothing appended"
        );
        let effects = produce(&mut broker, 2, 1, Acks::One);
        assert_eq!(produce_results(&effects), vec![Ok(Offset(0))]);
        // R1.3 (3.7+): under min ISR the high watermark does not move, even for acks=1.
        assert_eq!(high_watermark(&broker), 0);
    }

    // R2.3: a follower behind the leader for longer than replica.lag.time.max.ms is
    // proposed for removal; one at the log end is not, however long it has been quiet.
    #[test]
    fn isr_shrinks_only_for_followers_that_fall_behind() {
        let mut broker = leader(1);
        fetch(&mut broker, 1, 2, 0);
        fetch(&mut broker, 1, 3, 0);
        produce(&mut broker, 2, 3, Acks::One);
        fetch(&mut broker, 3, 2, 3);
        let mut effects = Vec::new();
        let mut ctx = Ctx::new(
            SimTime::from_millis(40_000),
            NodeId::Broker(BrokerId(1)),
            &mut effects,
        );
        broker.on_timer(&mut ctx, Timer::IsrCheck);
        let proposals: Vec<Vec<BrokerId>> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send(NodeId::Controller, Message::AlterPartition { isr, .. }) => {
                    Some(isr.clone())
                }
                _ => None,
            })
            .collect();
        assert_eq!(proposals, vec![vec![BrokerId(1), BrokerId(2)]]);
    }

    /// A consumer's fetch from `offset` (no replica id, so the leader applies R1.6); returns
    /// the error and the offsets of the records it got.
    fn consumer_fetch(
        broker: &mut Broker,
        now_ms: u64,
        offset: u64,
    ) -> (Option<KafkaError>, Vec<u64>) {
        let request = FetchRequest {
            correlation: now_ms,
            replica: None,
            broker_epoch: None,
            partitions: vec![FetchPartition {
                partition: TP,
                fetch_offset: Offset(offset),
                last_fetched_epoch: None,
                current_leader_epoch: LeaderEpoch(0),
            }],
            max_wait: SimTime::ZERO,
            max_bytes: 1 << 20,
        };
        let effects = deliver(
            broker,
            now_ms,
            NodeId::Consumer(ConsumerIdx(0)),
            Message::Fetch(request),
        );
        let responses: Vec<(Option<KafkaError>, Vec<u64>)> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send(_, Message::FetchResponse(r)) => {
                    let p = &r.partitions[0];
                    let offsets = p
                        .batches
                        .iter()
                        .flat_map(|b| b.entries().map(|(o, _)| o.0).collect::<Vec<_>>())
                        .collect();
                    Some((p.error, offsets))
                }
                _ => None,
            })
            .collect();
        assert_eq!(responses.len(), 1, "max_wait 0: answered at once");
        responses.into_iter().next().expect("one response")
    }

    /// The answer to a ListOffsets request for the latest (or earliest) offset.
    fn list_offsets(
        broker: &mut Broker,
        now_ms: u64,
        earliest: bool,
    ) -> Result<Offset, KafkaError> {
        let effects = deliver(
            broker,
            now_ms,
            NodeId::Consumer(ConsumerIdx(0)),
            Message::ListOffsets {
                correlation: now_ms,
                partition: TP,
                earliest,
            },
        );
        effects
            .iter()
            .find_map(|e| match e {
                Effect::Send(_, Message::ListOffsetsResponse { result, .. }) => Some(*result),
                _ => None,
            })
            .expect("a ListOffsets response")
    }

    // R1.6: a consumer reads only below the high watermark, a follower up to the log end; a
    // consumer fetching between the two gets nothing and no error.
    #[test]
    fn r1_6_consumers_read_below_the_high_watermark() {
        let mut broker = leader(1);
        produce(&mut broker, 1, 2, Acks::One);
        produce(&mut broker, 2, 2, Acks::One);
        assert_eq!(broker.replicas[&TP].log.log_end_offset(), Offset(4));
        assert_eq!(high_watermark(&broker), 0, "no follower has fetched yet");
        assert_eq!(consumer_fetch(&mut broker, 3, 0), (None, vec![]));
        fetch(&mut broker, 4, 2, 2);
        fetch(&mut broker, 4, 3, 2);
        assert_eq!(high_watermark(&broker), 2);
        assert_eq!(consumer_fetch(&mut broker, 5, 0), (None, vec![0, 1]));
        assert_eq!(consumer_fetch(&mut broker, 5, 2), (None, vec![]));
        // A follower at 2 gets the batch above the high watermark.
        let effects = fetch(&mut broker, 6, 2, 2);
        let follower_got: usize = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send(_, Message::FetchResponse(r)) => Some(r.partitions[0].batches.len()),
                _ => None,
            })
            .sum();
        assert_eq!(follower_got, 1);
    }

    // R8.2, R1.6: ListOffsets for the latest offset (auto.offset.reset=latest) answers the
    // high watermark, not the log end: a consumer reset there does not skip records that
    // become visible later. The earliest offset is the log start.
    #[test]
    fn r8_2_latest_offset_is_the_high_watermark_not_the_log_end() {
        let mut broker = leader(1);
        produce(&mut broker, 1, 5, Acks::One);
        fetch(&mut broker, 2, 2, 3);
        fetch(&mut broker, 2, 3, 3);
        assert_eq!(high_watermark(&broker), 3);
        assert_eq!(broker.replicas[&TP].log.log_end_offset(), Offset(5));
        assert_eq!(list_offsets(&mut broker, 3, false), Ok(Offset(3)));
        assert_eq!(list_offsets(&mut broker, 3, true), Ok(Offset(0)));
    }

    // R1.3, R3.3 (KAFKA-15583): the effective min ISR is min(min.insync.replicas, replication
    // factor), Kafka's `effectiveMinIsr`. With 3 replicas and min.insync.replicas=5, a full ISR
    // takes acks=all writes and moves the high watermark; an ISR of 2 does not.
    #[test]
    fn r1_3_effective_min_isr_is_capped_at_the_replica_count() {
        let mut broker = leader(5);
        assert_eq!(broker.effective_min_isr(TP), 3);
        let effects = produce(&mut broker, 1, 2, Acks::All);
        assert!(produce_results(&effects).is_empty(), "appended, waiting");
        fetch(&mut broker, 2, 2, 2);
        let effects = fetch(&mut broker, 3, 3, 2);
        assert_eq!(high_watermark(&broker), 2);
        assert_eq!(produce_results(&effects), vec![Ok(Offset(0))]);

        broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1), BrokerId(2)];
        let effects = produce(&mut broker, 4, 1, Acks::All);
        assert_eq!(
            produce_results(&effects),
            vec![Err(KafkaError::NotEnoughReplicas)]
        );
        // min.insync.replicas below the replica count is used as set.
        let mut broker = leader(2);
        assert_eq!(broker.effective_min_isr(TP), 2);
        broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1), BrokerId(2)];
        let effects = produce(&mut broker, 1, 1, Acks::All);
        assert!(produce_results(&effects).is_empty(), "accepted, waiting");
    }

    // R1.3 (3.7+): while the ISR is smaller than min.insync.replicas the high watermark stays
    // put, even for acks=1 data every ISR member holds; it moves as soon as the ISR is back
    // at min.insync.replicas (equal is enough). At 40 s the followers, last caught up at 0,
    // are past replica.lag.time.max.ms (30 s), so only the ISR counts (R1.2).
    #[test]
    fn r1_3_high_watermark_waits_while_the_isr_is_below_min_isr() {
        let mut broker = leader(2);
        broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1)];
        produce(&mut broker, 40_000, 3, Acks::One);
        assert_eq!(broker.replicas[&TP].log.log_end_offset(), Offset(3));
        assert_eq!(
            high_watermark(&broker),
            0,
            "isr {{1}} < min.insync.replicas=2, though the leader alone holds offsets 0..2"
        );
        // The controller has committed broker 2 back into the ISR.
        broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1), BrokerId(2)];
        fetch(&mut broker, 40_001, 2, 3);
        assert_eq!(high_watermark(&broker), 3);
    }
}
