//! A consumer: the poll loop of an application (poll, process, commit) over a background
//! fetcher that reads each assigned partition from its leader, below the high watermark, and
//! for `subscribe`, a member of a consumer group (the client half of the classic protocol:
//! FindCoordinator, JoinGroup, SyncGroup, heartbeats, LeaveGroup, offset commits).
//!
//! The coordinator's half is in `kafka/group.rs`; the assignors the group leader runs are in
//! `assignor.rs`. Positions are the offsets poll() returns next; fetched records wait in a
//! buffer until poll() hands them to the application, which then spends `processing` per
//! record before it polls again (R8.1-R8.10).
//!
//! Here: the consumer's state, its poll loop, commits and the answers it gets; `fetcher`
//! sends its Fetch and metadata requests; `membership` is its part of the group protocol.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use crate::clients::assignor;
use crate::config::{ConsumerConfig, OffsetReset};
use crate::engine::ids::{
    BrokerId, ConsumerIdx, GroupId, LeaderEpoch, NodeId, Offset, ProducerIdx, RecordId, TopicId,
    TopicPartition,
};
use crate::engine::shared::SharedVec;
use crate::engine::time::SimTime;
use crate::kafka::effects::{Ctx, Note, Timer};
use crate::kafka::message::group::Strategy;
use crate::kafka::message::group::{GroupRequest, GroupResponse, JoinRequest, JoinResult};
use crate::kafka::message::{
    ControlType, FetchPartition, FetchRequest, FetchResponse, KafkaError, Message,
};
use crate::kafka::metadata::{MetadataFetcher, MetadataImage};
use crate::kafka::trace::{TraceEvent, Why, why};
use crate::scenario::{ConsumerSpec, Delivery, Subscription};

/// `metrics.sample.window.ms` and `metrics.num.samples`: `records-lag-max` is the largest lag
/// seen in the last two 30-second windows.
const METRIC_WINDOW: SimTime = SimTime::from_millis(30_000);
const METRIC_SAMPLES: usize = 2;

/// A record as poll() returns it.
pub type Polled = (TopicPartition, Offset, RecordId);

/// Where the member stands in its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JoinPhase {
    Unjoined,
    AwaitingJoin(u64),
    AwaitingSync(u64),
    Stable,
}

/// What the application thread is doing.
#[derive(Clone, Debug)]
enum App {
    /// Inside poll(): waiting for records (or for the group to settle).
    Polling,
    /// Processing what poll() returned; done at `until`.
    Processing {
        started: SimTime,
        until: SimTime,
        records: Vec<Polled>,
    },
    /// Blocked in commitSync(); `correlation` is `None` while the coordinator is unknown.
    Committing {
        correlation: Option<u64>,
        offsets: Vec<(TopicPartition, Offset)>,
        deadline: SimTime,
        then: AfterCommit,
    },
}

#[derive(Clone, Debug)]
enum AfterCommit {
    Process(Vec<Polled>),
    Poll,
    /// The commit before a rebalance (auto-commit's `onJoinPrepare`).
    Join,
}

/// What `consumer.groupMetadata()` returns (`ConsumerGroupMetadata`): the group and the
/// member's identity in its current generation, which TxnOffsetCommit carries so that the
/// group coordinator can fence a producer whose consumer was replaced (KIP-447).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerGroupMetadata {
    pub group: GroupId,
    pub member_id: String,
    pub instance_id: Option<String>,
    pub generation: i32,
}

#[derive(Clone, Debug)]
pub struct Consumer {
    pub idx: ConsumerIdx,
    pub name: String,
    pub config: ConsumerConfig,
    pub running: bool,
    client_id: String,
    pub group: Option<GroupId>,
    group_name: Option<String>,
    /// Subscribed topics; empty for a consumer that assigns its partitions.
    pub subscription: Vec<TopicId>,
    fixed: Option<Vec<TopicPartition>>,
    processing: SimTime,
    delivery: Delivery,
    strategies: Vec<Strategy>,
    pub assignment: Vec<TopicPartition>,
    /// The next offset poll() returns, per partition; absent until known.
    pub positions: BTreeMap<TopicPartition, Offset>,
    /// Fetched, not yet returned by poll().
    buffer: BTreeMap<TopicPartition, VecDeque<(Offset, RecordId)>>,
    /// Partitions that cannot be read (auto.offset.reset=none without a position).
    failed: BTreeSet<TopicPartition>,
    /// Partitions the coordinator said have no committed offset: auto.offset.reset applies.
    uncommitted: BTreeSet<TopicPartition>,
    /// Partitions whose position fell out of the log (OFFSET_OUT_OF_RANGE), and where it was:
    /// the next reset says so.
    out_of_range: BTreeMap<TopicPartition, Offset>,
    /// Needed topics the metadata lacked, each said once.
    missing_topics: BTreeSet<TopicId>,
    /// Per partition, where the last fetched batch ends (Kafka's `nextOffset()`): past the
    /// last record when compaction removed the batch's tail, which a drained buffer skips.
    buffer_end: BTreeMap<TopicPartition, Offset>,
    offset_fetch: Option<(u64, Vec<TopicPartition>)>,
    /// After UNSTABLE_OFFSET_COMMIT, the next OffsetFetch waits `retry.backoff.ms` (KIP-447).
    offset_fetch_retry_at: SimTime,
    brokers: u32,
    metadata: Option<Arc<MetadataImage>>,
    metadata_at: SimTime,
    metadata_fetch: MetadataFetcher,
    fetches: BTreeMap<u64, BrokerId>,
    list_offsets: BTreeMap<TopicPartition, u64>,
    next_correlation: u64,
    backoff_until: SimTime,
    /// KIP-320: the epoch of the last record read per partition, and the leader epoch the
    /// position was last validated against.
    last_epochs: BTreeMap<TopicPartition, LeaderEpoch>,
    validated_epochs: BTreeMap<TopicPartition, LeaderEpoch>,
    validating: BTreeMap<TopicPartition, u64>,
    /// Whether this client validates its position after a leader change (KIP-320's consumer
    /// side, Kafka 2.3+): from the cluster's `kafka_version`.
    pub(crate) validates_position: bool,
    // Group membership.
    coordinator: Option<BrokerId>,
    /// The coordinator last named in the trace, and the one whose loss was.
    announced: Option<BrokerId>,
    lost_traced: Option<BrokerId>,
    finding: Option<u64>,
    find_attempts: u32,
    coordinator_retry_at: SimTime,
    member_id: String,
    pub generation: i32,
    protocol: Option<Strategy>,
    join: JoinPhase,
    /// After a poll timeout: the partitions are lost when the application next polls.
    lost_at_next_poll: bool,
    /// Why the member is joining (kept for the second JoinGroup after MEMBER_ID_REQUIRED).
    join_reason: Why,
    /// Why the member must rejoin, when it must.
    rejoin: Option<Why>,
    heartbeat_in_flight: Option<u64>,
    /// The generation the heartbeat in flight was sent with: an error about an older
    /// generation is ignored (`generationUnchanged`).
    heartbeat_generation: i32,
    /// When the last heartbeat was sent (Kafka's `Heartbeat.heartbeatTimer`).
    heartbeat_sent_at: Option<SimTime>,
    /// The leader's partition counts at its last assignment: a change triggers a rebalance.
    assigned_counts: BTreeMap<TopicId, u32>,
    is_leader: bool,
    /// Generations this consumer joined.
    pub rebalances: u64,
    // The application.
    app: App,
    last_poll: SimTime,
    next_auto_commit: SimTime,
    /// Commits in flight: their offsets, and whether the application waits for them.
    commits: BTreeMap<u64, (Vec<(TopicPartition, Offset)>, bool)>,
    /// The generation each commit in flight was sent with.
    commit_generations: BTreeMap<u64, i32>,
    // Metrics.
    high_watermarks: BTreeMap<TopicPartition, Offset>,
    lag_windows: VecDeque<(SimTime, u64)>,
    /// Every record poll() returned, in order.
    pub received: SharedVec<Polled>,
    /// Every record whose processing finished, in order.
    pub processed: SharedVec<Polled>,
    pub errors: BTreeSet<KafkaError>,
    /// Wake-ups already set, so that each is set once.
    wakes: BTreeSet<SimTime>,
}

impl Consumer {
    pub fn new(
        idx: ConsumerIdx,
        spec: &ConsumerSpec,
        group: Option<GroupId>,
        brokers: u32,
    ) -> Consumer {
        let (fixed, subscription) = match &spec.subscription {
            Subscription::Partitions(parts) => (Some(parts.clone()), Vec::new()),
            Subscription::Topics(topics) => (None, topics.clone()),
        };
        // Kafka's default client.id is consumer-<group>-<n>; n counts consumers in the scenario.
        let client_id = spec
            .config
            .client_id
            .clone()
            .unwrap_or_else(|| match &spec.group {
                Some(g) => format!("consumer-{g}-{}", idx.0 + 1),
                None => format!("consumer-{}", idx.0 + 1),
            });
        let strategies = spec
            .config
            .partition_assignment_strategy
            .iter()
            .filter_map(|c| Strategy::from_class_name(c))
            .collect();
        Consumer {
            idx,
            name: spec.name.clone(),
            config: spec.config.clone(),
            running: false,
            client_id,
            group,
            group_name: spec.group.clone(),
            subscription,
            fixed,
            processing: spec.processing,
            delivery: spec.delivery,
            strategies,
            assignment: Vec::new(),
            positions: BTreeMap::new(),
            buffer: BTreeMap::new(),
            failed: BTreeSet::new(),
            uncommitted: BTreeSet::new(),
            out_of_range: BTreeMap::new(),
            missing_topics: BTreeSet::new(),
            buffer_end: BTreeMap::new(),
            offset_fetch: None,
            offset_fetch_retry_at: SimTime::ZERO,
            brokers,
            metadata: None,
            metadata_at: SimTime::ZERO,
            metadata_fetch: MetadataFetcher::new(
                brokers,
                idx.0,
                SimTime::from_millis(spec.config.retry_backoff_ms),
            ),
            fetches: BTreeMap::new(),
            list_offsets: BTreeMap::new(),
            next_correlation: 0,
            backoff_until: SimTime::ZERO,
            last_epochs: BTreeMap::new(),
            validated_epochs: BTreeMap::new(),
            validating: BTreeMap::new(),
            validates_position: true,
            coordinator: None,
            announced: None,
            lost_traced: None,
            finding: None,
            find_attempts: 0,
            coordinator_retry_at: SimTime::ZERO,
            member_id: String::new(),
            generation: -1,
            protocol: None,
            join: JoinPhase::Unjoined,
            lost_at_next_poll: false,
            join_reason: why!("rejoining" ; "다시 참가"),
            rejoin: None,
            heartbeat_in_flight: None,
            heartbeat_generation: -1,
            heartbeat_sent_at: None,
            assigned_counts: BTreeMap::new(),
            is_leader: false,
            rebalances: 0,
            app: App::Polling,
            last_poll: SimTime::ZERO,
            next_auto_commit: SimTime::ZERO,
            commits: BTreeMap::new(),
            commit_generations: BTreeMap::new(),
            high_watermarks: BTreeMap::new(),
            lag_windows: VecDeque::new(),
            received: SharedVec::new(),
            processed: SharedVec::new(),
            errors: BTreeSet::new(),
            wakes: BTreeSet::new(),
        }
    }

    fn managed(&self) -> bool {
        !self.subscription.is_empty() && self.group.is_some()
    }

    /// Whether every configured assignor supports the cooperative protocol (KIP-429): only
    /// then does the member keep its partitions through a rebalance.
    fn cooperative(&self) -> bool {
        !self.strategies.is_empty() && self.strategies.iter().all(|s| s.is_cooperative())
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.running = true;
        self.app = App::Polling;
        self.last_poll = ctx.now;
        self.next_auto_commit = ctx.now + SimTime::from_millis(self.config.auto_commit_interval_ms);
        if let Some(parts) = self.fixed.clone() {
            self.set_assignment(ctx, parts);
        }
        if self.managed() {
            self.rejoin = Some(why!("the consumer started" ; "컨슈머 시작"));
            let interval = SimTime::from_millis(self.config.heartbeat_interval_ms);
            ctx.timer_after(interval, Timer::GroupHeartbeat);
        }
        self.drive(ctx);
    }

    /// close(): auto-commit what was consumed, then leave the group (a static member does
    /// not: it keeps its place until its session times out, KIP-345).
    pub fn close(&mut self, ctx: &mut Ctx) {
        if self.config.enable_auto_commit && self.group.is_some() {
            let offsets = self.consumed_offsets();
            if !offsets.is_empty() && !self.refuse_commit_outside_generation(ctx) {
                self.send_commit(
                    ctx,
                    offsets,
                    why!("commitSync on close (auto-commit)" ; "종료 시 commitSync (자동 커밋)"),
                );
            }
        }
        if self.managed() && !self.member_id.is_empty() {
            self.send_leave(ctx, why!("the consumer closed" ; "컨슈머 종료"));
        }
        self.reset();
    }

    /// The process dies: the records it finished processing count, the rest of the batch
    /// does not; nothing is committed and the group is not told.
    pub fn crash(&mut self, ctx: &mut Ctx) {
        if let App::Processing {
            started, records, ..
        } = &self.app
        {
            let per_record = self.processing.0.max(1);
            let done = (ctx.now.saturating_sub(*started).0 / per_record) as usize;
            let done: Vec<Polled> = records.iter().take(done).copied().collect();
            if !done.is_empty() {
                self.processed.extend(done.iter().copied());
                ctx.note(Note::Processed {
                    consumer: self.idx,
                    records: done,
                });
            }
        }
        self.reset();
    }

    /// The process is gone: nothing of its state survives (a crash, or after close()).
    pub fn reset(&mut self) {
        let fresh = Consumer::new(
            self.idx,
            &ConsumerSpec {
                name: self.name.clone(),
                group: self.group_name.clone(),
                subscription: match &self.fixed {
                    Some(parts) => Subscription::Partitions(parts.clone()),
                    None => Subscription::Topics(self.subscription.clone()),
                },
                config: self.config.clone(),
                start: SimTime::ZERO,
                processing: self.processing,
                delivery: self.delivery,
            },
            self.group,
            self.brokers,
        );
        let keep = (
            std::mem::take(&mut self.received),
            std::mem::take(&mut self.processed),
            std::mem::take(&mut self.errors),
            self.rebalances,
            self.next_correlation,
            self.client_id.clone(),
        );
        let validates_position = self.validates_position;
        *self = fresh;
        self.validates_position = validates_position;
        self.received = keep.0;
        self.processed = keep.1;
        self.errors = keep.2;
        self.rebalances = keep.3;
        self.next_correlation = keep.4;
        self.client_id = keep.5;
    }

    /// The subscription changes: the group rebalances (R8.7).
    pub fn subscribe(&mut self, ctx: &mut Ctx, topics: Vec<TopicId>) {
        self.subscription = topics;
        if self.running && self.managed() {
            self.rejoin = Some(why!("the subscription changed" ; "구독 변경"));
        }
        self.drive(ctx);
    }

    fn set_assignment(&mut self, ctx: &mut Ctx, partitions: Vec<TopicPartition>) {
        if partitions == self.assignment {
            return;
        }
        self.positions.retain(|tp, _| partitions.contains(tp));
        self.buffer.retain(|tp, _| partitions.contains(tp));
        self.buffer_end.retain(|tp, _| partitions.contains(tp));
        self.uncommitted.retain(|tp| partitions.contains(tp));
        self.assignment = partitions.clone();
        ctx.trace(TraceEvent::Assigned { partitions });
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::RequestTimeout(correlation) => self.on_request_timeout(correlation),
            Timer::MetadataTimeout(id) => self.metadata_fetch.timed_out(ctx.now, id),
            Timer::GroupHeartbeat => self.on_heartbeat_timer(ctx),
            Timer::Wake(at) => {
                self.wakes.remove(&at);
            }
            _ => {}
        }
        self.drive(ctx);
    }

    fn on_request_timeout(&mut self, correlation: u64) {
        self.fetches.remove(&correlation);
        self.list_offsets.retain(|_, c| *c != correlation);
        let stale: Vec<TopicPartition> = self
            .validating
            .iter()
            .filter(|(_, c)| **c == correlation)
            .map(|(tp, _)| *tp)
            .collect();
        for tp in stale {
            self.validating.remove(&tp);
            self.validated_epochs.remove(&tp);
        }
        if self.finding == Some(correlation) {
            self.finding = None;
        }
        if self.heartbeat_in_flight == Some(correlation) {
            self.heartbeat_in_flight = None;
        }
        if self
            .offset_fetch
            .as_ref()
            .is_some_and(|(c, _)| *c == correlation)
        {
            self.offset_fetch = None;
        }
        if matches!(self.join, JoinPhase::AwaitingJoin(c) | JoinPhase::AwaitingSync(c) if c == correlation)
        {
            self.coordinator = None;
            self.join = JoinPhase::Unjoined;
            self.rejoin
                .get_or_insert_with(|| why!("the join timed out" ; "참가 요청 타임아웃"));
        }
        if let Some((_, sync)) = self.commits.remove(&correlation) {
            self.commit_generations.remove(&correlation);
            self.coordinator = None;
            if sync && let App::Committing { correlation: c, .. } = &mut self.app {
                *c = None;
            }
        }
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let NodeId::Broker(broker) = from else { return };
        match message {
            Message::MetadataResponse(image)
                if self
                    .metadata_fetch
                    .answered(ctx.now, broker, image.is_some()) =>
            {
                if let Some(image) = image
                    && self
                        .metadata
                        .as_ref()
                        .is_none_or(|m| m.offset <= image.offset)
                {
                    self.metadata = Some(image);
                    self.metadata_at = ctx.now;
                    self.check_partition_counts();
                    self.watch_missing_topics(ctx);
                }
            }
            Message::ListOffsetsResponse {
                correlation,
                partition,
                result,
            } if self.list_offsets.get(&partition) == Some(&correlation) => {
                self.list_offsets.remove(&partition);
                match result {
                    Ok(offset) if self.assignment.contains(&partition) => {
                        let policy = match self.config.auto_offset_reset {
                            OffsetReset::Earliest => "auto.offset.reset=earliest",
                            _ => "auto.offset.reset=latest",
                        };
                        let why = match self.out_of_range.remove(&partition) {
                            Some(was) => why!(
                                "offset {was} is out of range: the log no longer holds it; {policy}" ;
                                "오프셋 {was}이(가) 범위를 벗어남: 로그에 더 이상 없음; {policy}"
                            ),
                            None => {
                                why!("no committed offset; {policy}" ; "커밋된 오프셋 없음; {policy}")
                            }
                        };
                        ctx.trace(TraceEvent::OffsetReset {
                            partition,
                            to: offset,
                            why,
                        });
                        self.positions.insert(partition, offset);
                    }
                    Ok(_) => {}
                    Err(error) => self.on_error(ctx, partition, error),
                }
            }
            Message::FetchResponse(response) => self.on_fetch_response(ctx, response),
            Message::OffsetForLeaderEpochResponse {
                correlation,
                partition,
                result,
            } if self.validating.get(&partition) == Some(&correlation) => {
                self.validating.remove(&partition);
                match result {
                    Ok((_, end)) => self.check_divergence(ctx, partition, end),
                    Err(error) => {
                        self.validated_epochs.remove(&partition);
                        self.on_error(ctx, partition, error);
                    }
                }
            }
            Message::GroupResponse {
                correlation,
                response,
                ..
            } => self.on_group_response(ctx, broker, correlation, response),
            Message::Disconnected | Message::Refused(_) => {
                self.fetches.retain(|_, b| *b != broker);
                self.metadata_fetch.failed(ctx.now, broker);
                self.metadata = None;
                self.backoff_until = ctx.now + SimTime::from_millis(self.config.retry_backoff_ms);
                self.wake_at(ctx, self.backoff_until);
                if self.coordinator == Some(broker) {
                    self.coordinator_lost(
                        ctx,
                        why!("the connection to the coordinator broke" ; "코디네이터와의 연결 끊김"),
                    );
                }
                if self.finding.is_some() {
                    self.finding = None;
                    self.retry_find_later(ctx);
                }
            }
            _ => {}
        }
        self.drive(ctx);
    }

    fn on_error(&mut self, ctx: &mut Ctx, partition: TopicPartition, error: KafkaError) {
        self.errors.insert(error);
        ctx.trace(TraceEvent::ConsumerError {
            partition,
            error: error.name().into(),
        });
        if error.refreshes_metadata() {
            self.metadata = None;
        }
        self.backoff_until = ctx.now + SimTime::from_millis(self.config.retry_backoff_ms);
        self.wake_at(ctx, self.backoff_until);
    }

    /// KIP-320 (R5.5): the new leader's log ends, for the epoch of the last record read, at
    /// `end`. Below the position, the log was truncated under the consumer: with a reset
    /// policy it resumes at the divergence point (not at earliest or latest); with
    /// `auto.offset.reset=none` it fails with LogTruncationException.
    fn check_divergence(&mut self, ctx: &mut Ctx, tp: TopicPartition, end: Offset) {
        let Some(&position) = self.positions.get(&tp) else {
            return;
        };
        let fetched_to = self
            .buffer
            .get(&tp)
            .and_then(|b| b.back())
            .map_or(position, |(o, _)| Offset(o.0 + 1));
        if end >= fetched_to {
            return;
        }
        self.buffer.remove(&tp);
        self.buffer_end.remove(&tp);
        if end >= position {
            return;
        }
        if self.config.auto_offset_reset == OffsetReset::None {
            self.positions.remove(&tp);
            self.failed.insert(tp);
            ctx.trace(TraceEvent::ConsumerError {
                partition: tp,
                error: format!(
                    "LogTruncationException: the log was truncated at {end}, below position {position}"
                ),
            });
            return;
        }
        let why = why!(
            "the new leader's log was truncated below position {position}; KIP-320 resumes at the divergence offset" ;
            "새 리더의 로그가 위치 {position} 아래로 잘림; KIP-320에 따라 갈라진 오프셋에서 다시 시작"
        );
        ctx.trace(TraceEvent::OffsetReset {
            partition: tp,
            to: end,
            why,
        });
        self.positions.insert(tp, end);
    }

    fn on_fetch_response(&mut self, ctx: &mut Ctx, response: FetchResponse) {
        if self.fetches.remove(&response.correlation).is_none() {
            return;
        }
        for part in response.partitions {
            let tp = part.partition;
            let Some(&position) = self.positions.get(&tp) else {
                continue;
            };
            if let Some(error) = part.error {
                if error == KafkaError::OffsetOutOfRange {
                    // The position is gone: reset as auto.offset.reset says (R8.2).
                    self.positions.remove(&tp);
                    self.uncommitted.insert(tp);
                    self.out_of_range.insert(tp, position);
                }
                self.on_error(ctx, tp, error);
                continue;
            }
            self.high_watermarks.insert(tp, part.high_watermark);
            // A read_committed consumer reads below the last stable offset only (R1.6).
            let limit = if self.config.read_committed {
                part.last_stable_offset
            } else {
                part.high_watermark
            };
            let buffer = self.buffer.entry(tp).or_default();
            let from = buffer.back().map_or(position, |(o, _)| Offset(o.0 + 1));
            // Kafka's `CompletedFetch.nextFetchedRecord`: the aborted transactions, by first
            // offset; a producer id joins the aborted set when a batch reaches its first
            // offset, and leaves it at its abort marker. Control batches are never returned.
            let mut aborted = part.aborted.clone();
            aborted.sort_by_key(|t| t.first);
            let mut aborted = aborted.into_iter().peekable();
            let mut aborting: BTreeSet<ProducerIdx> = BTreeSet::new();
            for batch in &part.batches {
                let last = Offset(batch.end_offset().0 - 1);
                while let Some(t) = aborted.next_if(|t| t.first <= last) {
                    aborting.insert(t.producer);
                }
                let producer = batch.producer.map(|s| s.producer);
                let skip = match (batch.control, producer) {
                    (Some(control), Some(p)) => {
                        if control == ControlType::Abort {
                            aborting.remove(&p);
                        }
                        true
                    }
                    (Some(_), None) => true,
                    (None, Some(p)) => {
                        self.config.read_committed && batch.transactional && aborting.contains(&p)
                    }
                    (None, None) => false,
                };
                if !skip {
                    for (offset, record) in batch.entries() {
                        if offset >= from && offset < limit {
                            buffer.push_back((offset, record));
                            self.last_epochs.insert(tp, batch.leader_epoch);
                        }
                    }
                }
                if batch.end_offset() <= limit && batch.end_offset() > from {
                    self.buffer_end.insert(tp, batch.end_offset());
                }
            }
            let lag = part.high_watermark.0.saturating_sub(position.0);
            self.record_lag(ctx.now, lag);
        }
    }

    /// `records-lag-max`: a sampled max over two 30-second windows.
    fn record_lag(&mut self, now: SimTime, lag: u64) {
        match self.lag_windows.back_mut() {
            Some((start, max)) if now < *start + METRIC_WINDOW => *max = (*max).max(lag),
            _ => {
                self.lag_windows.push_back((now, lag));
                while self.lag_windows.len() > METRIC_SAMPLES {
                    self.lag_windows.pop_front();
                }
            }
        }
    }

    /// Kafka's `records-lag-max` now: the largest lag sampled in the current windows.
    pub fn records_lag_max(&self, now: SimTime) -> u64 {
        let oldest = now.saturating_sub(METRIC_WINDOW + METRIC_WINDOW);
        self.lag_windows
            .iter()
            .filter(|(start, _)| *start >= oldest)
            .map(|(_, max)| *max)
            .max()
            .unwrap_or(0)
    }

    /// Per assigned partition: the last high watermark seen minus the position.
    pub fn lag(&self) -> BTreeMap<TopicPartition, u64> {
        self.assignment
            .iter()
            .filter_map(|tp| {
                let hw = self.high_watermarks.get(tp)?;
                let position = self.positions.get(tp)?;
                Some((*tp, hw.0.saturating_sub(position.0)))
            })
            .collect()
    }

    /// Whether this consumer uses the group `name`.
    pub fn member_of(&self, name: &str) -> bool {
        self.group_name.as_deref() == Some(name)
    }

    /// Its member id in the group (empty before it joined).
    pub fn member(&self) -> &str {
        &self.member_id
    }

    /// Whether the consumer is a running group member that owns nothing (F09).
    pub fn is_idle(&self) -> bool {
        self.running && self.join == JoinPhase::Stable && self.assignment.is_empty()
    }

    /// Everything that runs after an event: the group's upkeep, the application thread, and
    /// the fetcher.
    fn drive(&mut self, ctx: &mut Ctx) {
        if !self.running {
            return;
        }
        if self.group.is_some() {
            self.find_coordinator(ctx);
        }
        loop {
            match &self.app {
                App::Polling => {
                    if !self.poll(ctx) {
                        break;
                    }
                }
                App::Processing { until, .. } if *until <= ctx.now => {
                    let App::Processing { records, .. } =
                        std::mem::replace(&mut self.app, App::Polling)
                    else {
                        unreachable!("matched above")
                    };
                    self.finish_processing(ctx, records);
                }
                App::Committing {
                    correlation: None,
                    offsets,
                    deadline,
                    ..
                } => {
                    if ctx.now >= *deadline {
                        let App::Committing { then, .. } =
                            std::mem::replace(&mut self.app, App::Polling)
                        else {
                            unreachable!("matched above")
                        };
                        self.errors.insert(KafkaError::TimeoutException);
                        ctx.trace(TraceEvent::CommitFailed {
                            error: "TimeoutException".into(),
                            why: why!(
                                "commitSync found no coordinator within default.api.timeout.ms" ;
                                "commitSync가 default.api.timeout.ms 안에 코디네이터를 찾지 못함"
                            ),
                        });
                        self.after_commit(ctx, then);
                        continue;
                    }
                    if self.coordinator.is_some() {
                        let offsets = offsets.clone();
                        let c = self.send_commit(
                            ctx,
                            offsets,
                            why!("commitSync (retry)" ; "commitSync (재시도)"),
                        );
                        if let App::Committing { correlation, .. } = &mut self.app {
                            *correlation = c;
                        }
                    }
                    break;
                }
                _ => break,
            }
        }
        self.fetch(ctx);
    }

    /// One pass of poll(): the group's housekeeping, auto-commit, then buffered records.
    /// Returns whether the application moved on (so `drive` looks again).
    fn poll(&mut self, ctx: &mut Ctx) -> bool {
        self.last_poll = ctx.now;
        if self.managed() {
            if self.coordinator.is_none() {
                return false;
            }
            if self.rejoin.is_some() && self.join == JoinPhase::Stable
                || self.join == JoinPhase::Unjoined
            {
                return self.prepare_join(ctx);
            }
            if self.join != JoinPhase::Stable {
                return false;
            }
        }
        if self.config.enable_auto_commit && self.group.is_some() {
            if ctx.now >= self.next_auto_commit {
                self.next_auto_commit =
                    ctx.now + SimTime::from_millis(self.config.auto_commit_interval_ms);
                let offsets = self.consumed_offsets();
                if !offsets.is_empty() {
                    self.send_commit(
                        ctx,
                        offsets,
                        why!("auto-commit (commitAsync in poll)" ; "자동 커밋 (poll 안의 commitAsync)"),
                    );
                }
            }
            let at = self.next_auto_commit;
            self.wake_at(ctx, at);
        }
        self.lookup_committed(ctx);
        let records = self.take_records(ctx);
        if records.is_empty() {
            return false;
        }
        match self.delivery {
            Delivery::AtMostOnce => {
                let offsets = self.consumed_offsets();
                self.commit_sync(
                    ctx,
                    offsets,
                    AfterCommit::Process(records),
                    why!(
                        "commitSync before processing (at-most-once)" ;
                        "처리 전 commitSync (최대 한 번)"
                    ),
                );
            }
            _ => self.start_processing(ctx, records),
        }
        true
    }

    /// Up to `max.poll.records` buffered records of assigned partitions; positions move past
    /// them.
    fn take_records(&mut self, ctx: &mut Ctx) -> Vec<Polled> {
        let max = self.config.max_poll_records as usize;
        let mut out: Vec<Polled> = Vec::new();
        for i in 0..self.assignment.len() {
            let tp = self.assignment[i];
            let Some(&position) = self.positions.get(&tp) else {
                continue;
            };
            let Some(buffer) = self.buffer.get_mut(&tp) else {
                continue;
            };
            let mut got = Vec::new();
            while out.len() + got.len() < max {
                match buffer.front() {
                    Some(&(offset, record)) if offset >= position => {
                        buffer.pop_front();
                        got.push((offset, record));
                    }
                    Some(_) => {
                        buffer.pop_front();
                    }
                    None => break,
                }
            }
            if buffer.is_empty()
                && let Some(end) = self.buffer_end.remove(&tp)
            {
                // The batch is done: the position moves to its end, past any records
                // compaction removed from its tail.
                let next = got.last().map_or(position, |&(last, _)| Offset(last.0 + 1));
                self.positions.insert(tp, next.max(end));
            }
            if let Some(&(last, _)) = got.last() {
                let next = Offset(last.0 + 1).max(self.positions[&tp]);
                self.positions.insert(tp, next);
                let lag = self
                    .high_watermarks
                    .get(&tp)
                    .map_or(0, |hw| hw.0.saturating_sub(last.0 + 1));
                self.record_lag(ctx.now, lag);
                out.extend(got.iter().map(|&(o, r)| (tp, o, r)));
                ctx.note(Note::Consumed {
                    consumer: self.idx,
                    partition: tp,
                    records: got,
                });
            }
            if out.len() >= max {
                break;
            }
        }
        self.received.extend(out.iter().copied());
        out
    }

    fn start_processing(&mut self, ctx: &mut Ctx, records: Vec<Polled>) {
        let until = ctx.now + SimTime(self.processing.0 * records.len() as u64);
        if until > ctx.now {
            ctx.timer_at(until, Timer::Processed);
        }
        self.app = App::Processing {
            started: ctx.now,
            until,
            records,
        };
    }

    fn finish_processing(&mut self, ctx: &mut Ctx, records: Vec<Polled>) {
        self.processed.extend(records.iter().copied());
        ctx.note(Note::Processed {
            consumer: self.idx,
            records,
        });
        if self.delivery == Delivery::AtLeastOnce {
            let offsets = self.consumed_offsets();
            self.commit_sync(
                ctx,
                offsets,
                AfterCommit::Poll,
                why!(
                    "commitSync after processing (at-least-once)" ;
                    "처리 후 commitSync (최소 한 번)"
                ),
            );
        }
    }

    /// `groupMetadata()`: the group and this member's identity in its current generation,
    /// for `sendOffsetsToTransaction`; `None` outside a group.
    pub fn group_metadata(&self) -> Option<ConsumerGroupMetadata> {
        Some(ConsumerGroupMetadata {
            group: self.group?,
            member_id: self.member_id.clone(),
            instance_id: self.config.group_instance_id.clone(),
            generation: self.generation,
        })
    }

    /// The positions of assigned partitions: what a commit of "everything consumed" sends.
    pub fn consumed_offsets(&self) -> Vec<(TopicPartition, Offset)> {
        self.assignment
            .iter()
            .filter_map(|tp| self.positions.get(tp).map(|o| (*tp, *o)))
            .collect()
    }

    fn commit_sync(
        &mut self,
        ctx: &mut Ctx,
        offsets: Vec<(TopicPartition, Offset)>,
        then: AfterCommit,
        how: Why,
    ) {
        if offsets.is_empty() || self.refuse_commit_outside_generation(ctx) {
            self.after_commit(ctx, then);
            return;
        }
        let correlation = self.send_commit(ctx, offsets.clone(), how);
        if let Some(c) = correlation {
            self.commits.entry(c).and_modify(|e| e.1 = true);
        }
        self.app = App::Committing {
            correlation,
            offsets,
            deadline: ctx.now + SimTime::from_millis(self.config.default_api_timeout_ms),
            then,
        };
    }

    fn after_commit(&mut self, ctx: &mut Ctx, then: AfterCommit) {
        self.app = App::Polling;
        match then {
            AfterCommit::Process(records) => self.start_processing(ctx, records),
            AfterCommit::Poll => {}
            AfterCommit::Join => self.start_join(ctx),
        }
    }

    /// `sendOffsetCommitRequest`: a member of a group that is not in a stable generation
    /// does not send its commit at all. While it is joining the commit fails with
    /// RebalanceInProgressException (retry after poll()); once it was removed from the group
    /// (a poll timeout, an error that reset its generation) with CommitFailedException.
    fn refuse_commit_outside_generation(&mut self, ctx: &mut Ctx) -> bool {
        if !self.managed() || self.join == JoinPhase::Stable {
            return false;
        }
        let (error, why) = match self.join {
            JoinPhase::AwaitingJoin(_) | JoinPhase::AwaitingSync(_) => (
                KafkaError::RebalanceInProgressException,
                why!(
                    "Offset commit cannot be completed since the consumer is undergoing a rebalance for auto partition assignment" ;
                    "컨슈머가 자동 파티션 배정을 위해 리밸런스 중이라 오프셋 커밋을 마칠 수 없음"
                ),
            ),
            _ => (
                KafkaError::CommitFailedException,
                why!(
                    "Offset commit cannot be completed since the consumer is not part of an active group for auto partition assignment; it is likely that the consumer was kicked out of the group" ;
                    "컨슈머가 자동 파티션 배정을 하는 활성 그룹에 속하지 않아 오프셋 커밋을 마칠 수 없음; 그룹에서 쫓겨났을 가능성이 큼"
                ),
            ),
        };
        self.errors.insert(error);
        ctx.trace(TraceEvent::CommitFailed {
            error: error.name().into(),
            why,
        });
        true
    }

    /// Sends an OffsetCommit to the coordinator; `None` when none is known yet.
    fn send_commit(
        &mut self,
        ctx: &mut Ctx,
        offsets: Vec<(TopicPartition, Offset)>,
        how: Why,
    ) -> Option<u64> {
        let coordinator = self.coordinator?;
        let (member_id, instance_id, generation) = if self.managed() {
            (
                self.member_id.clone(),
                self.config.group_instance_id.clone(),
                self.generation,
            )
        } else {
            (String::new(), None, -1)
        };
        ctx.trace(TraceEvent::CommitSent {
            offsets: offsets.clone(),
            how: why!(
                "{how} to coordinator {coordinator}" ;
                "{}, 코디네이터 {coordinator}에", how.ko()
            ),
        });
        let request = GroupRequest::OffsetCommit {
            member_id,
            instance_id,
            generation,
            offsets: offsets.clone(),
        };
        let correlation =
            self.send_group_request(ctx, coordinator, request, self.request_timeout());
        self.commits.insert(correlation, (offsets, false));
        self.commit_generations.insert(correlation, generation);
        Some(correlation)
    }

    /// A Kafka Streams thread's commit: the offsets of what its tasks processed, which are
    /// behind the positions while a task restores. False when nothing was sent.
    pub fn commit_offsets(
        &mut self,
        ctx: &mut Ctx,
        offsets: Vec<(TopicPartition, Offset)>,
        how: Why,
    ) -> bool {
        if !self.running || offsets.is_empty() || self.refuse_commit_outside_generation(ctx) {
            return false;
        }
        self.send_commit(ctx, offsets, how);
        self.drive(ctx);
        true
    }

    /// A `commit` step: commitSync() or commitAsync() of what was consumed.
    pub fn commit_step(&mut self, ctx: &mut Ctx, sync: bool) {
        if !self.running || self.group.is_none() {
            return;
        }
        let offsets = self.consumed_offsets();
        if offsets.is_empty() || self.refuse_commit_outside_generation(ctx) {
            return;
        }
        let how = if sync {
            why!("commitSync" ; "commitSync")
        } else {
            why!("commitAsync" ; "commitAsync")
        };
        self.send_commit(ctx, offsets, how);
        self.drive(ctx);
    }

    /// The positions of newly assigned partitions come from the group's committed offsets.
    fn lookup_committed(&mut self, ctx: &mut Ctx) {
        if self.group.is_none() || self.offset_fetch.is_some() {
            return;
        }
        let Some(coordinator) = self.coordinator else {
            return;
        };
        let missing: Vec<TopicPartition> = self
            .assignment
            .iter()
            .filter(|tp| !self.positions.contains_key(tp) && !self.uncommitted.contains(tp))
            .copied()
            .collect();
        if missing.is_empty() {
            return;
        }
        if ctx.now < self.offset_fetch_retry_at {
            let at = self.offset_fetch_retry_at;
            self.wake_at(ctx, at);
            return;
        }
        // KIP-447: `ConsumerCoordinator` asks for stable offsets under read_committed.
        let request = GroupRequest::OffsetFetch {
            partitions: missing.clone(),
            require_stable: self.config.read_committed,
        };
        let correlation =
            self.send_group_request(ctx, coordinator, request, self.request_timeout());
        self.offset_fetch = Some((correlation, missing));
    }

    /// A wake-up at `at`, unless one is already set for then.
    fn wake_at(&mut self, ctx: &mut Ctx, at: SimTime) {
        if self.wakes.insert(at) {
            ctx.timer_at(at, Timer::Wake(at));
        }
    }

    fn next_id(&mut self) -> u64 {
        self.next_correlation += 1;
        self.next_correlation
    }
}

mod fetcher;
mod membership;
#[cfg(test)]
mod tests;
