//! The classic consumer group protocol: what a consumer asks of its group coordinator
//! (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch), what it answers,
//! and the assignment strategies members announce.

use std::collections::BTreeMap;

use crate::engine::ids::{BrokerId, Offset, ProducerIdx, TopicId, TopicPartition, TransactionalId};
use crate::engine::time::SimTime;
use crate::kafka::message::KafkaError;
use crate::kafka::trace::Why;

/// The assignment strategies of `partition.assignment.strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Range,
        Strategy::RoundRobin,
        Strategy::Sticky,
        Strategy::CooperativeSticky,
    ];

    /// The protocol name members announce in JoinGroup: "range", "roundrobin", "sticky", "cooperative-sticky".
    pub fn protocol_name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::RoundRobin => "roundrobin",
            Strategy::Sticky => "sticky",
            Strategy::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// Kafka's class name, e.g. "org.apache.kafka.clients.consumer.RangeAssignor".
    pub fn class_name(self) -> &'static str {
        match self {
            Strategy::Range => "org.apache.kafka.clients.consumer.RangeAssignor",
            Strategy::RoundRobin => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
            Strategy::Sticky => "org.apache.kafka.clients.consumer.StickyAssignor",
            Strategy::CooperativeSticky => {
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
            }
        }
    }

    pub fn from_class_name(name: &str) -> Option<Strategy> {
        Strategy::ALL
            .into_iter()
            .find(|strategy| strategy.class_name() == name)
    }

    pub fn from_protocol_name(name: &str) -> Option<Strategy> {
        Strategy::ALL
            .into_iter()
            .find(|strategy| strategy.protocol_name() == name)
    }

    /// Whether the strategy supports the COOPERATIVE rebalance protocol (only CooperativeSticky).
    pub fn is_cooperative(self) -> bool {
        self == Strategy::CooperativeSticky
    }
}

/// What a consumer asks of the group coordinator.
#[derive(Clone, Debug)]
pub enum GroupRequest {
    /// Any broker answers: who coordinates this group?
    FindCoordinator,
    Join(Box<JoinRequest>),
    Sync {
        member_id: String,
        instance_id: Option<String>,
        generation: i32,
        /// From the leader: every member's partitions. Followers send `None`.
        assignments: Option<BTreeMap<String, Vec<TopicPartition>>>,
    },
    Heartbeat {
        member_id: String,
        instance_id: Option<String>,
        generation: i32,
    },
    Leave {
        member_id: String,
        /// The reason the client gives (KIP-800).
        reason: Why,
    },
    OffsetCommit {
        member_id: String,
        instance_id: Option<String>,
        /// -1 for a consumer outside group management (`assign`).
        generation: i32,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// `sendOffsetsToTransaction`'s second half, from the transactional producer: offsets
    /// held pending until the transaction's marker reaches `__consumer_offsets` (KIP-98).
    /// KIP-447 adds the consumer's group metadata, so that the coordinator fences a producer
    /// that consumed under an older generation.
    TxnOffsetCommit {
        txn: TransactionalId,
        producer: ProducerIdx,
        epoch: u32,
        member_id: String,
        instance_id: Option<String>,
        generation: i32,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    OffsetFetch {
        partitions: Vec<TopicPartition>,
        /// KIP-447: a read_committed consumer asks for stable offsets only; a partition with
        /// a transactional commit pending answers UNSTABLE_OFFSET_COMMIT.
        require_stable: bool,
    },
}

#[derive(Clone, Debug)]
pub struct JoinRequest {
    /// Empty on a member's first join: the coordinator hands out an id (KIP-394).
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    /// `partition.assignment.strategy`, preferred first.
    pub protocols: Vec<Strategy>,
    pub topics: Vec<TopicId>,
    /// What the member owns now, and from which generation (the sticky assignors use them).
    pub owned: Vec<TopicPartition>,
    pub owned_generation: i32,
    pub session_timeout: SimTime,
    /// `max.poll.interval.ms`: how long a rebalance waits for the member to rejoin.
    pub rebalance_timeout: SimTime,
    /// Why the member joins (KIP-800), in both languages for the trace.
    pub reason: Why,
}

#[derive(Clone, Debug)]
pub enum GroupResponse {
    /// The coordinator, and the `__consumer_offsets` partition it leads for the group (of
    /// how many).
    FindCoordinator(Result<(BrokerId, TopicPartition, u32), KafkaError>),
    Join(Result<JoinResult, KafkaError>),
    /// MEMBER_ID_REQUIRED carries the id to join with.
    MemberIdRequired(String),
    Sync(Result<Vec<TopicPartition>, KafkaError>),
    Heartbeat(Result<(), KafkaError>),
    Leave,
    OffsetCommit(Result<Vec<(TopicPartition, Offset)>, KafkaError>),
    TxnOffsetCommit(Result<Vec<(TopicPartition, Offset)>, KafkaError>),
    OffsetFetch(Result<BTreeMap<TopicPartition, Offset>, KafkaError>),
}

#[derive(Clone, Debug)]
pub struct JoinResult {
    pub generation: i32,
    pub protocol: Strategy,
    pub leader: String,
    pub member_id: String,
    /// Only for the leader: every member, to compute the assignment with.
    pub members: Vec<JoinedMember>,
    /// KIP-814: a static leader that came back while the group was Stable keeps the current
    /// assignment; it learns the members (to watch their topics) but must not assign.
    pub skip_assignment: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinedMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub topics: Vec<TopicId>,
    pub owned: Vec<TopicPartition>,
    pub owned_generation: i32,
}
