//! The cluster metadata the controller owns and every broker and client caches: who leads
//! each partition, in which leader epoch, with which in-sync replicas, and which brokers are
//! fenced. Shared as `Arc<MetadataImage>`, so handing it around costs a reference count.

use crate::ids::{BrokerId, LeaderEpoch, TopicId, TopicPartition};

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
