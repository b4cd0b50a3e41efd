//! Requests a broker holds rather than answers at once, as the explorer shows them: an
//! acks=all Produce in the purgatory (Kafka's `DelayedProduce`), a long-polling Fetch
//! (`DelayedFetch`), and a JoinGroup or SyncGroup the group coordinator keeps until the
//! rebalance moves on. Read-only: nothing here changes what a broker does.

use crate::engine::ids::{BrokerId, NodeId, Offset, TopicPartition};
use crate::engine::time::SimTime;

/// One request a broker holds: who sent it, since when, until when at the latest, and what
/// would let the broker answer it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldRequest {
    /// The broker holding it.
    pub holder: BrokerId,
    /// The client or follower waiting for the answer.
    pub from: NodeId,
    /// When the broker took it in.
    pub since: SimTime,
    /// When the broker answers anyway (a timeout, or an error), if it has such a moment.
    pub deadline: Option<SimTime>,
    pub waits_for: WaitsFor,
}

/// What a held request waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitsFor {
    /// An acks=all Produce (or a coordinator's WriteTxnMarkers) waits for the high watermark
    /// to pass its records: every ISR member must hold offsets below `end`
    /// (`checkEnoughReplicasReachOffset`). Deadline: the request's `request.timeout.ms`.
    Replication {
        /// WriteTxnMarkers rather than Produce.
        markers: bool,
        partition: TopicPartition,
        /// The ISR the high watermark rule uses now.
        isr: Vec<BrokerId>,
        /// The ISR members not known to hold the records yet: whom the request waits on.
        behind: Vec<BrokerId>,
        /// One past the last offset of the records.
        end: Offset,
        high_watermark: Offset,
    },
    /// A Fetch with nothing to return yet waits for data past its fetch offsets, up to
    /// `fetch.max.wait.ms` (a consumer) or `replica.fetch.wait.max.ms` (a follower). A
    /// follower waits for the leader's log end to pass its offset; a consumer for the high
    /// watermark (or the last stable offset under read_committed). With a `fetch.min.bytes`
    /// (`replica.fetch.min.bytes`) above 1 it waits for that many bytes over its partitions.
    Data {
        follower: bool,
        min_bytes: u64,
        partitions: Vec<(TopicPartition, Offset)>,
    },
    /// A JoinGroup the coordinator holds while the group is PreparingRebalance: until every
    /// member has rejoined, or the rebalance timeout (the longest `max.poll.interval.ms`)
    /// ends the join phase without the rest. `initial_delay` is a group that was empty,
    /// waiting `group.initial.rebalance.delay.ms` for more members.
    Join {
        group: String,
        member: String,
        /// Members that have not rejoined yet: their member ids, and their consumers where
        /// the coordinator knows them (not for members it loaded from its log).
        missing: Vec<(String, Option<NodeId>)>,
        /// Member ids handed out with MEMBER_ID_REQUIRED and not yet back.
        expected: usize,
        initial_delay: bool,
    },
    /// A follower's SyncGroup the coordinator holds in CompletingRebalance until the leader's
    /// SyncGroup brings the assignment.
    Sync {
        group: String,
        member: String,
        /// The group leader's consumer, whose SyncGroup is awaited.
        leader: Option<NodeId>,
    },
}

impl WaitsFor {
    /// The request's API name, as the wire shows it.
    pub fn api_name(&self) -> &'static str {
        match self {
            WaitsFor::Replication { markers: true, .. } => "WriteTxnMarkers",
            WaitsFor::Replication { .. } => "Produce",
            WaitsFor::Data { .. } => "Fetch",
            WaitsFor::Join { .. } => "JoinGroup",
            WaitsFor::Sync { .. } => "SyncGroup",
        }
    }
}
