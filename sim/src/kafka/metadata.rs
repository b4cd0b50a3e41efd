//! The cluster metadata the controller owns and every broker and client caches: who leads
//! each partition, in which leader epoch, with which in-sync replicas, and which brokers are
//! fenced. Shared as `Arc<MetadataImage>`, so handing it around costs a reference count.

use crate::engine::ids::{BrokerId, LeaderEpoch, NodeId, TopicId, TopicPartition};
use crate::engine::time::SimTime;
use crate::kafka::effects::{Ctx, Timer};
use crate::kafka::message::Message;

#[derive(Clone, Debug, PartialEq)]
pub struct MetadataImage {
    /// Grows by one with every change, as the KRaft metadata log's offset does; a cache
    /// applies an image only if it is newer than the one it holds.
    pub offset: u64,
    pub topics: Vec<TopicImage>,
    /// Indexed by broker id - 1.
    pub fenced: Vec<bool>,
    /// Each broker's epoch: the incarnation it last registered with, indexed by id - 1.
    pub broker_epochs: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TopicImage {
    pub name: String,
    pub partitions: Vec<PartitionState>,
    /// Counts the topic's creations, standing for Kafka's topic ID (KIP-516): a topic deleted
    /// and created again is a new topic, and replicas of the old one are deleted.
    pub incarnation: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PartitionState {
    /// `None` when the partition is offline (Kafka's leader -1).
    pub leader: Option<BrokerId>,
    pub leader_epoch: LeaderEpoch,
    /// Grows with every change to the partition (ISR or leader), as in KRaft.
    pub partition_epoch: u32,
    /// The assignment, in the order that decides elections.
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    /// Eligible leader replicas (KIP-966), in broker id order: replicas that left the ISR
    /// while it was below min ISR and so hold every committed record. Empty unless
    /// `eligible.leader.replicas.version` is 1.
    pub elr: Vec<BrokerId>,
    /// Kafka's `LastKnownElr`, used as the last known leader: the leader when the ISR became
    /// empty, elected again (an unclean election) if it returns while nothing better exists.
    pub last_known_elr: Vec<BrokerId>,
}

impl MetadataImage {
    pub fn partition(&self, tp: TopicPartition) -> Option<&PartitionState> {
        self.topics
            .get(tp.topic.0 as usize)?
            .partitions
            .get(tp.partition as usize)
    }

    pub fn partition_count(&self, topic: TopicId) -> u32 {
        self.topics
            .get(topic.0 as usize)
            .map_or(0, |t| t.partitions.len() as u32)
    }

    pub fn is_fenced(&self, broker: BrokerId) -> bool {
        self.fenced
            .get(broker.0 as usize - 1)
            .copied()
            .unwrap_or(true)
    }

    pub fn broker_epoch(&self, broker: BrokerId) -> u32 {
        self.broker_epochs
            .get(broker.0 as usize - 1)
            .copied()
            .unwrap_or(0)
    }

    /// Every partition, in topic then partition order.
    pub fn partitions(&self) -> impl Iterator<Item = (TopicPartition, &PartitionState)> {
        self.topics.iter().enumerate().flat_map(|(t, topic)| {
            topic
                .partitions
                .iter()
                .enumerate()
                .map(move |(p, state)| (TopicPartition::new(TopicId(t as u32), p as u32), state))
        })
    }
}

/// How a client keeps its metadata fresh: one request at a time, to one broker, moving on to
/// the next broker when that one fails, refuses or times out, and never more often than
/// `retry.backoff.ms` (Kafka's metadata refresh backoff). Any broker answers for the whole
/// cluster (R6.7), so any will do.
#[derive(Clone, Debug)]
pub struct MetadataFetcher {
    brokers: u32,
    next: u32,
    in_flight: Option<(BrokerId, u64)>,
    requests: u64,
    backoff: SimTime,
    /// When the last request ended (answered, failed or timed out).
    last_ended: Option<SimTime>,
    /// A wake-up is set for the end of the backoff.
    retry_set: bool,
    /// The topics the client's requests name, and whether a broker may create missing ones.
    pub topics: Vec<TopicId>,
    pub allow_auto_create: bool,
}

impl MetadataFetcher {
    /// `first` spreads clients over the brokers (it is taken modulo their number).
    pub fn new(brokers: u32, first: u32, backoff: SimTime) -> MetadataFetcher {
        MetadataFetcher {
            brokers,
            next: first,
            in_flight: None,
            requests: 0,
            backoff,
            last_ended: None,
            retry_set: false,
            topics: Vec::new(),
            allow_auto_create: true,
        }
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Asks the next broker, unless a request is already out or the last one ended less than
    /// the backoff ago (then a wake-up comes when it has passed).
    pub fn request(&mut self, ctx: &mut Ctx, timeout: SimTime) {
        if self.in_flight.is_some() {
            return;
        }
        if let Some(ended) = self.last_ended
            && ctx.now < ended + self.backoff
        {
            if !self.retry_set {
                self.retry_set = true;
                ctx.timer_at(ended + self.backoff, Timer::Wake(ended + self.backoff));
            }
            return;
        }
        self.retry_set = false;
        let broker = BrokerId(self.next % self.brokers + 1);
        self.requests += 1;
        self.in_flight = Some((broker, self.requests));
        ctx.send(
            NodeId::Broker(broker),
            Message::MetadataRequest {
                topics: self.topics.clone(),
                allow_auto_create: self.allow_auto_create,
            },
        );
        ctx.timer_after(timeout, Timer::MetadataTimeout(self.requests));
    }

    /// Whether an answer from `broker` is the one awaited; it is then no longer awaited.
    /// A broker that had no metadata to give (it just started) is passed over next time.
    pub fn answered(&mut self, now: SimTime, broker: BrokerId, with_image: bool) -> bool {
        if self.in_flight.is_some_and(|(b, _)| b == broker) {
            self.in_flight = None;
            self.last_ended = Some(now);
            if !with_image {
                self.next += 1;
            }
            return true;
        }
        false
    }

    /// The connection to `broker` broke or was refused: try the next one.
    pub fn failed(&mut self, now: SimTime, broker: BrokerId) {
        if self.in_flight.is_some_and(|(b, _)| b == broker) {
            self.in_flight = None;
            self.last_ended = Some(now);
            self.next += 1;
        }
    }

    /// `request.timeout.ms` passed for request `id`: try the next broker.
    pub fn timed_out(&mut self, now: SimTime, id: u64) {
        if self.in_flight.is_some_and(|(_, i)| i == id) {
            self.in_flight = None;
            self.last_ended = Some(now);
            self.next += 1;
        }
    }
}
