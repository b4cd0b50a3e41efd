//! A consumer: its assigned partitions, its position in each, and the fetch loop that reads
//! from each partition's leader, only below the high watermark.
//!
//! Groups are simple for now: `assign` picks partitions by hand; `subscribe` gets a share of
//! the topic's partitions from the world (range-style, at once). Committed offsets and the
//! group protocol come with the group coordinator.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::config::{ConsumerConfig, OffsetReset};
use crate::ids::{BrokerId, ConsumerIdx, LeaderEpoch, NodeId, Offset, RecordId, TopicPartition};
use crate::message::{FetchPartition, FetchRequest, FetchResponse, KafkaError, Message};
use crate::metadata::{MetadataFetcher, MetadataImage};
use crate::scenario::{ConsumerSpec, Subscription};
use crate::time::SimTime;
use crate::trace::TraceEvent;
use crate::world::{Ctx, Note, Timer};

#[derive(Clone, Debug)]
pub struct Consumer {
    pub idx: ConsumerIdx,
    pub name: String,
    pub config: ConsumerConfig,
    pub running: bool,
    fixed: Option<Vec<TopicPartition>>,
    pub assignment: Vec<TopicPartition>,
    /// The next offset to read, per partition; absent until reset by `auto.offset.reset`.
    pub positions: BTreeMap<TopicPartition, Offset>,
    /// Partitions that cannot be read (auto.offset.reset=none without a position).
    failed: BTreeSet<TopicPartition>,
    brokers: u32,
    metadata: Option<Arc<MetadataImage>>,
    metadata_fetch: MetadataFetcher,
    fetches: BTreeMap<u64, BrokerId>,
    list_offsets: BTreeMap<TopicPartition, u64>,
    next_correlation: u64,
    backoff_until: SimTime,
    /// The leader epoch of the last record read per partition, and the leader epoch the
    /// position was last validated against (KIP-320).
    last_epochs: BTreeMap<TopicPartition, LeaderEpoch>,
    validated_epochs: BTreeMap<TopicPartition, LeaderEpoch>,
    validating: BTreeMap<TopicPartition, u64>,
    /// Every record received, in order.
    pub received: Vec<(TopicPartition, Offset, RecordId)>,
    pub errors: BTreeSet<KafkaError>,
}

impl Consumer {
    pub fn new(idx: ConsumerIdx, spec: &ConsumerSpec, brokers: u32, _seed: u64) -> Consumer {
        let fixed = match &spec.subscription {
            Subscription::Partitions(parts) => Some(parts.clone()),
            Subscription::Topics(_) => None,
        };
        Consumer {
            idx,
            name: spec.name.clone(),
            config: spec.config.clone(),
            running: false,
            fixed,
            assignment: Vec::new(),
            positions: BTreeMap::new(),
            failed: BTreeSet::new(),
            brokers,
            metadata: None,
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
            received: Vec::new(),
            errors: BTreeSet::new(),
        }
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.running = true;
        if let Some(parts) = self.fixed.clone() {
            self.assign(ctx, parts);
        }
        self.poll(ctx);
    }

    /// The process stops: positions were never committed, so they are gone.
    pub fn stop(&mut self) {
        self.running = false;
        self.positions.clear();
        self.failed.clear();
        self.fetches.clear();
        self.list_offsets.clear();
        self.last_epochs.clear();
        self.validated_epochs.clear();
        self.validating.clear();
        self.metadata_fetch = MetadataFetcher::new(
            self.brokers,
            self.idx.0,
            SimTime::from_millis(self.config.retry_backoff_ms),
        );
        self.assignment.clear();
    }

    pub fn assign(&mut self, ctx: &mut Ctx, partitions: Vec<TopicPartition>) {
        if partitions == self.assignment {
            return;
        }
        self.positions.retain(|tp, _| partitions.contains(tp));
        self.assignment = partitions.clone();
        ctx.trace(TraceEvent::Assigned { partitions });
        self.poll(ctx);
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::RequestTimeout(correlation) => {
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
            }
            Timer::MetadataTimeout(id) => self.metadata_fetch.timed_out(ctx.now, id),
            _ => {}
        }
        self.poll(ctx);
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let NodeId::Broker(broker) = from else { return };
        match message {
            Message::MetadataResponse(image)
                if self
                    .metadata_fetch
                    .answered(ctx.now, broker, image.is_some()) =>
            {
                match image {
                    Some(image)
                        if self
                            .metadata
                            .as_ref()
                            .is_none_or(|m| m.offset <= image.offset) =>
                    {
                        self.metadata = Some(image)
                    }
                    Some(_) => {}
                    None => {}
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
                        let why = match self.config.auto_offset_reset {
                            OffsetReset::Earliest => {
                                "no committed offset; auto.offset.reset=earliest"
                            }
                            _ => "no committed offset; auto.offset.reset=latest",
                        };
                        ctx.trace(TraceEvent::OffsetReset {
                            partition,
                            to: offset,
                            why: why.into(),
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
                        // Ask again once the metadata is fresh.
                        self.validated_epochs.remove(&partition);
                        self.on_error(ctx, partition, error);
                    }
                }
            }
            Message::Disconnected | Message::Refused(_) => {
                self.fetches.retain(|_, b| *b != broker);
                self.metadata_fetch.failed(ctx.now, broker);
                self.metadata = None;
                self.backoff_until = ctx.now + SimTime::from_millis(self.config.retry_backoff_ms);
                ctx.timer_at(self.backoff_until, Timer::Wake(self.backoff_until));
            }
            _ => {}
        }
        self.poll(ctx);
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
        ctx.timer_at(self.backoff_until, Timer::Wake(self.backoff_until));
    }

    /// KIP-320 (R5.5): the new leader's log ends, for the epoch of the last record read, at
    /// `end`. Below the position, the log was truncated under the consumer: with a reset
    /// policy it resumes at the divergence point (not at earliest or latest); with
    /// `auto.offset.reset=none` it fails with LogTruncationException.
    fn check_divergence(&mut self, ctx: &mut Ctx, tp: TopicPartition, end: Offset) {
        let Some(&position) = self.positions.get(&tp) else {
            return;
        };
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
        let why = format!(
            "the new leader's log was truncated below position {position}; KIP-320 resumes at the divergence offset"
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
                    // The position is gone (truncated away): reset as auto.offset.reset says.
                    self.positions.remove(&tp);
                }
                self.on_error(ctx, tp, error);
                continue;
            }
            let mut got = Vec::new();
            for batch in &part.batches {
                for (i, &record) in batch.records.iter().enumerate() {
                    let offset = Offset(batch.base_offset.0 + i as u64);
                    if offset >= position && offset < part.high_watermark {
                        got.push((offset, record));
                        self.last_epochs.insert(tp, batch.leader_epoch);
                    }
                }
            }
            if let Some(&(last, _)) = got.last() {
                self.positions.insert(tp, Offset(last.0 + 1));
                self.received.extend(got.iter().map(|&(o, r)| (tp, o, r)));
                ctx.note(Note::Consumed {
                    consumer: self.idx,
                    partition: tp,
                    records: got,
                });
            }
        }
    }

    /// The poll loop: find leaders, reset missing positions, keep one fetch in flight per
    /// leader for the partitions it leads.
    fn poll(&mut self, ctx: &mut Ctx) {
        if !self.running || ctx.now < self.backoff_until {
            return;
        }
        let Some(metadata) = self.metadata.clone() else {
            self.request_metadata(ctx);
            return;
        };
        let timeout = SimTime::from_millis(self.config.request_timeout_ms);
        let mut per_leader: BTreeMap<BrokerId, Vec<FetchPartition>> = BTreeMap::new();
        for &tp in &self.assignment.clone() {
            let Some(state) = metadata.partition(tp) else {
                continue;
            };
            let Some(leader) = state.leader else {
                self.request_metadata(ctx);
                continue;
            };
            if self.failed.contains(&tp) || self.validating.contains_key(&tp) {
                continue;
            }
            // KIP-320: after a leader change, check the position against the new leader's
            // log before fetching on; an unclean election may have truncated it.
            let validated = self.validated_epochs.get(&tp).copied();
            if validated != Some(state.leader_epoch) {
                self.validated_epochs.insert(tp, state.leader_epoch);
                if let (Some(_), Some(&epoch)) = (validated, self.last_epochs.get(&tp))
                    && self.positions.contains_key(&tp)
                {
                    let correlation = self.next_id();
                    self.validating.insert(tp, correlation);
                    ctx.send(
                        NodeId::Broker(leader),
                        Message::OffsetForLeaderEpoch {
                            correlation,
                            partition: tp,
                            epoch,
                            current_leader_epoch: state.leader_epoch,
                        },
                    );
                    ctx.timer_after(timeout, Timer::RequestTimeout(correlation));
                    continue;
                }
            }
            match self.positions.get(&tp) {
                Some(&position) => per_leader.entry(leader).or_default().push(FetchPartition {
                    partition: tp,
                    fetch_offset: position,
                    last_fetched_epoch: None,
                    current_leader_epoch: state.leader_epoch,
                }),
                None if self.list_offsets.contains_key(&tp) => {}
                None => {
                    let earliest = match self.config.auto_offset_reset {
                        OffsetReset::Earliest => true,
                        OffsetReset::Latest => false,
                        OffsetReset::None => {
                            self.failed.insert(tp);
                            self.errors
                                .insert(KafkaError::NoOffsetForPartitionException);
                            ctx.trace(TraceEvent::ConsumerError {
                                partition: tp,
                                error: "NoOffsetForPartitionException (auto.offset.reset=none)"
                                    .into(),
                            });
                            continue;
                        }
                    };
                    let correlation = self.next_id();
                    self.list_offsets.insert(tp, correlation);
                    ctx.send(
                        NodeId::Broker(leader),
                        Message::ListOffsets {
                            correlation,
                            partition: tp,
                            earliest,
                        },
                    );
                    ctx.timer_after(timeout, Timer::RequestTimeout(correlation));
                }
            }
        }
        for (leader, partitions) in per_leader {
            if self.fetches.values().any(|b| *b == leader) {
                continue;
            }
            let correlation = self.next_id();
            self.fetches.insert(correlation, leader);
            ctx.timer_after(timeout, Timer::RequestTimeout(correlation));
            ctx.send(
                NodeId::Broker(leader),
                Message::Fetch(FetchRequest {
                    correlation,
                    replica: None,
                    broker_epoch: None,
                    partitions,
                    max_wait: SimTime::from_millis(self.config.fetch_max_wait_ms),
                    max_bytes: self.config.fetch_max_bytes,
                }),
            );
        }
    }

    fn request_metadata(&mut self, ctx: &mut Ctx) {
        let timeout = SimTime::from_millis(self.config.request_timeout_ms);
        self.metadata_fetch.request(ctx, timeout);
    }

    fn next_id(&mut self) -> u64 {
        self.next_correlation += 1;
        self.next_correlation
    }
}
