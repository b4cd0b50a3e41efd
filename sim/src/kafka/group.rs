//! The group coordinator, classic protocol: the broker that leads a group's partition of
//! `__consumer_offsets` runs its membership (join, sync, heartbeats, leave), picks the
//! assignor, and is the only writer of its committed offsets (R8.3, R8.4, R8.6, R8.7; F31).
//!
//! The consumer side lives in `clients/consumer.rs`. Here, every group a broker coordinates sits in
//! memory; what must survive a failover (committed offsets, each generation's members and
//! assignment) is appended to the `__consumer_offsets` partition and replicated like any
//! record. A broker that becomes the partition's leader loads its groups from its own copy of
//! the log; one that stops leading it forgets them, and members find the new coordinator.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::ids::{
    BrokerId, GroupId, NodeId, Offset, ProducerIdx, RecordId, TopicId, TopicPartition,
};
use crate::engine::time::SimTime;
use crate::kafka::broker::Broker;
use crate::kafka::effects::{Ctx, Timer};
use crate::kafka::log::StoredBatch;
use crate::kafka::message::BATCH_HEADER_BYTES;
use crate::kafka::message::group::{
    GroupRequest, GroupResponse, JoinRequest, JoinResult, JoinedMember, Strategy,
};
use crate::kafka::message::{KafkaError, Message};
use crate::kafka::trace::{TraceEvent, Why, why};

/// How long a commit or a new generation may wait for `__consumer_offsets` to replicate
/// (`offsets.commit.timeout.ms`).
const OFFSETS_COMMIT_TIMEOUT: SimTime = SimTime::from_millis(5_000);

/// Java's `String.hashCode()`: `h = 31 * h + c` over the string's UTF-16 code units, wrapping
/// like Java's `int`.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The `__consumer_offsets` partition that stores a group's offsets
/// (`GroupMetadataManager.partitionFor`): `Utils.abs(groupId.hashCode()) % partitions`, where
/// `partitions` is `offsets.topic.num.partitions` (50 by default). The leader of that
/// partition is the group's coordinator.
///
/// Kafka's `Utils.abs` maps `Integer.MIN_VALUE`, which has no positive counterpart, to 0.
pub fn coordinator_partition(group_id: &str, partitions: u32) -> u32 {
    assert!(
        partitions > 0,
        "__consumer_offsets has at least one partition"
    );
    let hash = java_string_hash(group_id);
    let positive = if hash == i32::MIN { 0 } else { hash.abs() };
    positive as u32 % partitions
}

/// The classic protocol's group states (`ClassicGroupState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

impl GroupState {
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
        }
    }
}

/// What `__consumer_offsets` stores, one record each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupRecord {
    OffsetCommit {
        group: GroupId,
        partition: TopicPartition,
        offset: Offset,
    },
    /// A generation's members and assignment, written when the leader's SyncGroup arrives.
    GroupMetadata {
        group: GroupId,
        generation: i32,
        protocol: Option<Strategy>,
        leader: Option<String>,
        members: Vec<StoredMember>,
    },
    /// What a transaction coordinator writes to `__transaction_state`: a coordinator's
    /// record like the two above, kept and compacted the same way.
    Transaction(crate::kafka::txn::TxnRecord),
}

impl GroupRecord {
    /// The record's key, as Kafka keys `__consumer_offsets` for compaction: the group and
    /// partition of a commit, the group of its metadata.
    pub fn key(&self) -> String {
        match self {
            GroupRecord::OffsetCommit {
                group, partition, ..
            } => format!(
                "offset:{}:{}:{}",
                group.0, partition.topic.0, partition.partition
            ),
            GroupRecord::GroupMetadata { group, .. } => format!("group:{}", group.0),
            GroupRecord::Transaction(record) => format!("txn:{}", record.txn.0),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub protocols: Vec<Strategy>,
    pub topics: Vec<TopicId>,
    pub assignment: Vec<TopicPartition>,
    pub session_timeout: SimTime,
    pub rebalance_timeout: SimTime,
}

/// One group, as its coordinator holds it.
#[derive(Clone, Debug)]
pub struct Group {
    pub state: GroupState,
    pub generation: i32,
    pub protocol: Option<Strategy>,
    pub leader: Option<String>,
    pub members: BTreeMap<String, Member>,
    /// The committed offsets: the next offset to read, per partition.
    pub offsets: BTreeMap<TopicPartition, Offset>,
    /// Transactional offsets (`sendOffsetsToTransaction`) per producer id, held until the
    /// transaction's marker reaches `__consumer_offsets` (`pendingTransactionalOffsetCommits`).
    pub pending_txn_offsets: BTreeMap<ProducerIdx, BTreeMap<TopicPartition, Offset>>,
    /// Ids handed out with MEMBER_ID_REQUIRED, waiting for the member's second join.
    pending_ids: BTreeMap<String, SimTime>,
    /// The join timer: when the join phase ends without the members that have not rejoined
    /// (the rebalance timeout), or, in an initial rebalance, when the delay is next looked at.
    rebalance_deadline: Option<SimTime>,
    /// Set while a rebalance that started from Empty waits `group.initial.rebalance.delay.ms`.
    initial_rebalance: Option<InitialRebalance>,
}

/// Kafka's `tryCompleteInitialRebalanceElseSchedule`: the first rebalance of an empty group
/// completes only when a whole delay passes without a new member, or when the rebalance
/// timeout is used up. Each time the timer fires after a new member joined, it waits another
/// `group.initial.rebalance.delay.ms` (at most what remains of the rebalance timeout).
#[derive(Clone, Copy, Debug)]
struct InitialRebalance {
    delay: SimTime,
    remaining: SimTime,
    new_member_added: bool,
}

/// Kafka's `CLASSIC_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS` (a constant, 5 minutes): a new member
/// waiting in a JoinGroup that never completes is dropped after this, since it cannot send
/// heartbeats yet.
const NEW_MEMBER_JOIN_TIMEOUT: SimTime = SimTime::from_millis(300_000);

#[derive(Clone, Debug)]
pub struct Member {
    pub stored: StoredMember,
    owned: Vec<TopicPartition>,
    owned_generation: i32,
    client: NodeId,
    /// A JoinGroup waiting for the rebalance to complete (its correlation).
    awaiting_join: Option<u64>,
    awaiting_sync: Option<u64>,
    /// When the JoinGroup or SyncGroup it awaits came (for the explorer).
    held_since: SimTime,
    /// The session expires here unless a heartbeat comes first.
    deadline: SimTime,
    /// Added in the current rebalance and not yet through a join: it may expire even while
    /// its JoinGroup waits (`ClassicGroupMember.isNew`).
    is_new: bool,
}

impl Member {
    /// The consumer behind this member.
    pub fn client(&self) -> NodeId {
        self.client
    }
}

/// A write to `__consumer_offsets` waiting for the high watermark.
#[derive(Clone, Debug)]
pub struct PendingWrite {
    partition: TopicPartition,
    end: Offset,
    expires: SimTime,
    then: AfterWrite,
}

#[derive(Clone, Debug)]
enum AfterWrite {
    Commit {
        to: NodeId,
        correlation: u64,
        offsets: Vec<(TopicPartition, Offset)>,
        group: GroupId,
    },
    Generation {
        group: GroupId,
        generation: i32,
    },
    /// A TxnOffsetCommit: its offsets become pending for the producer id once replicated.
    TxnCommit {
        to: NodeId,
        correlation: u64,
        offsets: Vec<(TopicPartition, Offset)>,
        group: GroupId,
        producer: ProducerIdx,
    },
    /// A static member that came back in a Stable group: its JoinGroup is answered once its
    /// new member id is stored.
    StaticJoin {
        group: GroupId,
        member: String,
        correlation: u64,
    },
}

/// The coordinator's part of a broker.
#[derive(Clone, Debug)]
pub struct Coordinator {
    names: Arc<Vec<String>>,
    offsets_topic: Option<TopicId>,
    offsets_partitions: u32,
    initial_delay: SimTime,
    pub groups: BTreeMap<GroupId, Group>,
    pending: Vec<PendingWrite>,
    next_member: u64,
    /// The group timers already queued, so that each moment is queued once per group.
    timers: std::collections::BTreeSet<(GroupId, SimTime)>,
}

impl Coordinator {
    pub fn new(
        names: Arc<Vec<String>>,
        offsets_topic: Option<TopicId>,
        offsets_partitions: u32,
        initial_delay: SimTime,
    ) -> Coordinator {
        Coordinator {
            names,
            offsets_topic,
            offsets_partitions,
            initial_delay,
            groups: BTreeMap::new(),
            pending: Vec::new(),
            next_member: 0,
            timers: std::collections::BTreeSet::new(),
        }
    }

    pub fn name(&self, group: GroupId) -> &str {
        &self.names[group.0 as usize]
    }

    /// Every group's name, indexed by `GroupId`.
    pub fn names(&self) -> &Arc<Vec<String>> {
        &self.names
    }

    /// Live mode: the names grow when a real client names a group the scenario does not.
    pub fn set_names(&mut self, names: Arc<Vec<String>>) {
        self.names = names;
    }

    /// The `__consumer_offsets` partition that holds a group (R8.4).
    pub fn partition_of(&self, group: GroupId) -> Option<TopicPartition> {
        self.partition_for_name(self.name(group))
    }

    /// The `__consumer_offsets` partition that would hold a group of this name.
    pub fn partition_for_name(&self, name: &str) -> Option<TopicPartition> {
        let topic = self.offsets_topic?;
        Some(TopicPartition::new(
            topic,
            coordinator_partition(name, self.offsets_partitions),
        ))
    }

    /// A process crash: every group and pending write lives in memory only.
    pub fn clear(&mut self) {
        self.groups.clear();
        self.pending.clear();
        self.timers.clear();
    }

    pub fn is_offsets_topic(&self, topic: TopicId) -> bool {
        self.offsets_topic == Some(topic)
    }
}

fn new_group() -> Group {
    Group {
        state: GroupState::Empty,
        generation: 0,
        protocol: None,
        leader: None,
        members: BTreeMap::new(),
        offsets: BTreeMap::new(),
        pending_txn_offsets: BTreeMap::new(),
        pending_ids: BTreeMap::new(),
        rebalance_deadline: None,
        initial_rebalance: None,
    }
}

impl Group {
    /// The member id a `group.instance.id` is mapped to.
    fn static_member(&self, instance: &str) -> Option<String> {
        self.members
            .iter()
            .find(|(_, m)| m.stored.instance_id.as_deref() == Some(instance))
            .map(|(id, _)| id.clone())
    }

    /// `ClassicGroup.validateMember`: a static member's instance id must map to the member id
    /// it sends (else FENCED_INSTANCE_ID: another process took its place), and the member
    /// must exist (else UNKNOWN_MEMBER_ID).
    fn validate_member(&self, member_id: &str, instance: Option<&str>) -> Result<(), KafkaError> {
        if let Some(instance) = instance {
            match self.static_member(instance) {
                None => return Err(KafkaError::UnknownMemberId),
                Some(mapped) if mapped != member_id => return Err(KafkaError::FencedInstanceId),
                Some(_) => {}
            }
        }
        if self.members.contains_key(member_id) {
            Ok(())
        } else {
            Err(KafkaError::UnknownMemberId)
        }
    }

    /// `hasAllMembersJoined`: every member waits in a JoinGroup and no id handed out with
    /// MEMBER_ID_REQUIRED is still expected back.
    fn all_joined(&self) -> bool {
        self.pending_ids.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some())
    }

    /// The group's rebalance timeout: the longest `max.poll.interval.ms` of its members.
    fn rebalance_timeout(&self) -> SimTime {
        self.members
            .values()
            .map(|m| m.stored.rebalance_timeout)
            .max()
            .unwrap_or(SimTime::ZERO)
    }

    /// `supportsProtocols`: a joining member must share at least one assignor with every
    /// current member (any non-empty list joins an Empty group).
    fn supports(&self, protocols: &[Strategy]) -> bool {
        if self.state == GroupState::Empty {
            return !protocols.is_empty();
        }
        protocols.iter().any(|s| {
            self.members
                .values()
                .all(|m| m.stored.protocols.contains(s))
        })
    }

    /// The members as the leader's JoinGroup response lists them.
    fn joined_members(&self) -> Vec<JoinedMember> {
        self.members
            .values()
            .map(|m| JoinedMember {
                member_id: m.stored.member_id.clone(),
                instance_id: m.stored.instance_id.clone(),
                topics: m.stored.topics.clone(),
                owned: m.owned.clone(),
                owned_generation: m.owned_generation,
            })
            .collect()
    }

    /// The JoinGroup answer for the current generation (a member rejoining without a
    /// change, or the static member that replaced itself); the leader gets the members.
    fn current_join_result(&self, member_id: &str, skip_assignment: bool) -> JoinResult {
        let leader = self.leader.clone().unwrap_or_default();
        JoinResult {
            generation: self.generation,
            protocol: self
                .protocol
                .expect("a group with a generation has a protocol"),
            members: if leader == member_id {
                self.joined_members()
            } else {
                Vec::new()
            },
            leader,
            member_id: member_id.to_string(),
            skip_assignment,
        }
    }

    /// `ClassicGroup.remove`: a removed leader is replaced by another member at once.
    fn remove(&mut self, member_id: &str) -> Option<Member> {
        let member = self.members.remove(member_id);
        if self.leader.as_deref() == Some(member_id) {
            self.leader = self.members.keys().next().cloned();
        }
        member
    }
}

/// A member id as Kafka makes one: the client id (a static member's `group.instance.id`)
/// and a UUID. Ours is a hash of the broker,
/// a counter and the client id, so that runs repeat; like a UUID it does not sort by join
/// order.
fn member_id(client_id: &str, broker: BrokerId, counter: u64) -> String {
    let mut x = (u64::from(broker.0) << 40) ^ counter.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for b in client_id.bytes() {
        x = (x ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    // splitmix64's finaliser spreads the bits.
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    format!(
        "{client_id}-{:08x}-{:04x}-{:04x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xffff
    )
}

/// The classic protocol's choice (`ClassicGroup.selectProtocol`): among the strategies every
/// member supports, each member votes for its most preferred; the most votes wins (Kafka
/// breaks a tie by hash order; ksim by the order range, roundrobin, sticky, cooperative-sticky).
fn select_protocol(members: &BTreeMap<String, Member>) -> Option<Strategy> {
    let mut candidates: Vec<Strategy> = members.values().next()?.stored.protocols.clone();
    for m in members.values() {
        candidates.retain(|s| m.stored.protocols.contains(s));
    }
    let mut votes: BTreeMap<Strategy, u32> = BTreeMap::new();
    for m in members.values() {
        if let Some(first) = m.stored.protocols.iter().find(|s| candidates.contains(s)) {
            *votes.entry(*first).or_default() += 1;
        }
    }
    let best = votes.values().copied().max()?;
    votes
        .into_iter()
        .find(|(_, v)| *v == best)
        .map(|(strategy, _)| strategy)
}

impl Broker {
    pub(crate) fn on_group_request(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        request: GroupRequest,
    ) {
        let respond = |ctx: &mut Ctx, response: GroupResponse| {
            ctx.send(
                from,
                Message::GroupResponse {
                    correlation,
                    group,
                    response,
                },
            )
        };
        if let GroupRequest::FindCoordinator = request {
            let answer = self.find_coordinator(group);
            respond(ctx, GroupResponse::FindCoordinator(answer));
            return;
        }
        if !self.coordinates(group) {
            let error = KafkaError::NotCoordinator;
            let response = match request {
                GroupRequest::FindCoordinator => unreachable!("answered above"),
                GroupRequest::Join(_) => GroupResponse::Join(Err(error)),
                GroupRequest::Sync { .. } => GroupResponse::Sync(Err(error)),
                GroupRequest::Heartbeat { .. } => GroupResponse::Heartbeat(Err(error)),
                GroupRequest::Leave { .. } => GroupResponse::Leave,
                GroupRequest::OffsetCommit { .. } => GroupResponse::OffsetCommit(Err(error)),
                GroupRequest::TxnOffsetCommit { .. } => GroupResponse::TxnOffsetCommit(Err(error)),
                GroupRequest::OffsetFetch { .. } => GroupResponse::OffsetFetch(Err(error)),
            };
            respond(ctx, response);
            return;
        }
        match request {
            GroupRequest::FindCoordinator => unreachable!("answered above"),
            GroupRequest::Join(join) => self.on_join(ctx, from, correlation, group, *join),
            GroupRequest::Sync {
                member_id,
                instance_id,
                generation,
                assignments,
            } => self.on_sync(
                ctx,
                from,
                correlation,
                group,
                (&member_id, instance_id.as_deref(), generation),
                assignments,
            ),
            GroupRequest::Heartbeat {
                member_id,
                instance_id,
                generation,
            } => {
                let result =
                    self.on_heartbeat(ctx, group, &member_id, instance_id.as_deref(), generation);
                respond(ctx, GroupResponse::Heartbeat(result));
            }
            GroupRequest::Leave { member_id, reason } => {
                self.on_leave(ctx, group, &member_id, reason);
                respond(ctx, GroupResponse::Leave);
            }
            GroupRequest::OffsetCommit {
                member_id,
                instance_id,
                generation,
                offsets,
            } => self.on_offset_commit(
                ctx,
                from,
                correlation,
                group,
                (&member_id, instance_id.as_deref(), generation),
                offsets,
            ),
            GroupRequest::TxnOffsetCommit {
                txn,
                producer,
                epoch,
                member_id,
                instance_id,
                generation,
                offsets,
            } => self.on_txn_offset_commit(
                ctx,
                (from, correlation),
                group,
                (txn, producer, epoch),
                (&member_id, instance_id.as_deref(), generation),
                offsets,
            ),
            GroupRequest::OffsetFetch {
                partitions,
                require_stable,
            } => {
                let g = self.coordinator.groups.get(&group);
                // KIP-447: a partition with a transactional commit pending has no stable
                // offset yet; the consumer retries (Kafka answers per partition, and the
                // consumer fails the whole fetch with UnstableOffsetCommitException).
                let unstable = require_stable
                    && g.is_some_and(|g| {
                        partitions.iter().any(|tp| {
                            g.pending_txn_offsets
                                .values()
                                .any(|pending| pending.contains_key(tp))
                        })
                    });
                let response = if unstable {
                    Err(KafkaError::UnstableOffsetCommit)
                } else {
                    Ok(g.map_or_else(BTreeMap::new, |g| {
                        partitions
                            .iter()
                            .filter_map(|tp| g.offsets.get(tp).map(|o| (*tp, *o)))
                            .collect()
                    }))
                };
                respond(ctx, GroupResponse::OffsetFetch(response));
            }
        }
    }

    /// FindCoordinator: the leader of the group's `__consumer_offsets` partition, as this
    /// broker's metadata says.
    fn find_coordinator(
        &self,
        group: GroupId,
    ) -> Result<(BrokerId, TopicPartition, u32), KafkaError> {
        let tp = self
            .coordinator
            .partition_of(group)
            .ok_or(KafkaError::CoordinatorNotAvailable)?;
        self.metadata()
            .and_then(|m| m.partition(tp))
            .and_then(|p| p.leader)
            .filter(|b| self.metadata().is_some_and(|m| !m.is_fenced(*b)))
            .map(|b| (b, tp, self.coordinator.offsets_partitions))
            .ok_or(KafkaError::CoordinatorNotAvailable)
    }

    /// Whether this broker leads the group's partition, and so coordinates it.
    fn coordinates(&self, group: GroupId) -> bool {
        self.coordinator
            .partition_of(group)
            .and_then(|tp| self.replicas.get(&tp))
            .is_some_and(|r| r.leading.is_some())
    }

    fn send_group_response(
        &self,
        ctx: &mut Ctx,
        to: NodeId,
        correlation: u64,
        group: GroupId,
        response: GroupResponse,
    ) {
        ctx.send(
            to,
            Message::GroupResponse {
                correlation,
                group,
                response,
            },
        );
    }
}

mod held;
mod membership;
mod offsets;
#[cfg(test)]
mod tests;
mod txn_offsets;
