//! The group coordinator, classic protocol: the broker that leads a group's partition of
//! `__consumer_offsets` runs its membership (join, sync, heartbeats, leave), picks the
//! assignor, and is the only writer of its committed offsets (R8.3, R8.4, R8.6, R8.7; F31).
//!
//! The consumer side lives in `consumer.rs`. Here, every group a broker coordinates sits in
//! memory; what must survive a failover (committed offsets, each generation's members and
//! assignment) is appended to the `__consumer_offsets` partition and replicated like any
//! record. A broker that becomes the partition's leader loads its groups from its own copy of
//! the log; one that stops leading it forgets them, and members find the new coordinator.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::ids::{BrokerId, GroupId, NodeId, Offset, RecordId, TopicId, TopicPartition};
use crate::engine::time::SimTime;
use crate::kafka::broker::Broker;
use crate::kafka::effects::{Ctx, Timer};
use crate::kafka::log::StoredBatch;
use crate::kafka::message::BATCH_HEADER_BYTES;
use crate::kafka::message::group::{
    GroupRequest, GroupResponse, JoinRequest, JoinResult, JoinedMember, Strategy,
};
use crate::kafka::message::{KafkaError, Message};
use crate::kafka::trace::TraceEvent;

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

    /// The `__consumer_offsets` partition that holds a group (R8.4).
    pub fn partition_of(&self, group: GroupId) -> Option<TopicPartition> {
        let topic = self.offsets_topic?;
        Some(TopicPartition::new(
            topic,
            coordinator_partition(self.name(group), self.offsets_partitions),
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
            GroupRequest::OffsetFetch { partitions } => {
                let found = self
                    .coordinator
                    .groups
                    .get(&group)
                    .map_or_else(BTreeMap::new, |g| {
                        partitions
                            .iter()
                            .filter_map(|tp| g.offsets.get(tp).map(|o| (*tp, *o)))
                            .collect()
                    });
                respond(ctx, GroupResponse::OffsetFetch(Ok(found)));
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

    /// JoinGroup (`classicGroupJoinToClassicGroup`). A member without an id is new: a dynamic
    /// one first gets its id with MEMBER_ID_REQUIRED (KIP-394), a static one takes over its
    /// instance's place if it has one (KIP-345). A member with an id must be known. Then the
    /// group's state decides: a new member or changed metadata rebalances the group, a
    /// follower that rejoins with nothing changed just gets the current generation back.
    fn on_join(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        join: JoinRequest,
    ) {
        let me = self.id;
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
        let name = self.coordinator.name(group).to_string();
        self.coordinator.next_member += 1;
        let counter = self.coordinator.next_member;
        if join.member_id.is_empty() || self.coordinator.groups.contains_key(&group) {
            self.coordinator
                .groups
                .entry(group)
                .or_insert_with(new_group);
        }
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            // A member id for a group this coordinator does not know.
            respond(ctx, GroupResponse::Join(Err(KafkaError::UnknownMemberId)));
            return;
        };
        if !g.supports(&join.protocols) {
            respond(
                ctx,
                GroupResponse::Join(Err(KafkaError::InconsistentGroupProtocol)),
            );
            return;
        }
        let member_id = if join.member_id.is_empty() {
            let prefix = join.instance_id.as_deref().unwrap_or(&join.client_id);
            let new_id = member_id(prefix, me, counter);
            match &join.instance_id {
                None => {
                    // KIP-394: a new dynamic member first gets its id, then joins with it.
                    g.pending_ids
                        .insert(new_id.clone(), ctx.now + join.session_timeout);
                    respond(ctx, GroupResponse::MemberIdRequired(new_id));
                    self.schedule_group_timer(ctx, group);
                    return;
                }
                Some(instance) => {
                    if let Some(old) = g.static_member(instance) {
                        self.replace_static_member(
                            ctx,
                            from,
                            correlation,
                            group,
                            old,
                            new_id,
                            join,
                        );
                        return;
                    }
                    new_id
                }
            }
        } else if g.pending_ids.remove(&join.member_id).is_some() {
            join.member_id.clone()
        } else {
            if let Err(error) = g.validate_member(&join.member_id, join.instance_id.as_deref()) {
                respond(ctx, GroupResponse::Join(Err(error)));
                return;
            }
            self.rejoin_existing_member(ctx, from, correlation, group, join);
            return;
        };
        // A new member: the first one to join leads the group.
        if g.state == GroupState::PreparingRebalance
            && let Some(initial) = &mut g.initial_rebalance
        {
            initial.new_member_added = true;
        }
        if g.leader.is_none() {
            g.leader = Some(member_id.clone());
        }
        let mut member = Member {
            stored: StoredMember {
                member_id: member_id.clone(),
                instance_id: join.instance_id.clone(),
                client_id: join.client_id.clone(),
                protocols: Vec::new(),
                topics: Vec::new(),
                assignment: Vec::new(),
                session_timeout: join.session_timeout,
                rebalance_timeout: join.rebalance_timeout,
            },
            owned: Vec::new(),
            owned_generation: -1,
            client: from,
            awaiting_join: None,
            awaiting_sync: None,
            deadline: ctx.now + NEW_MEMBER_JOIN_TIMEOUT,
            is_new: true,
        };
        update_member(&mut member, &join, from, correlation);
        g.members.insert(member_id.clone(), member);
        ctx.trace(TraceEvent::GroupMember {
            group: name,
            member: member_id.clone(),
            what: format!("joins ({})", join.reason),
        });
        self.maybe_prepare_rebalance_or_complete_join(
            ctx,
            group,
            format!("{member_id} joined ({})", join.reason),
        );
        self.schedule_group_timer(ctx, group);
    }

    /// `classicGroupJoinExistingMember`: in PreparingRebalance the member simply waits for
    /// the others. In CompletingRebalance a member that sends the same metadata again (it
    /// lost the response) gets the current generation back. In Stable a follower with nothing
    /// changed gets the current generation too; the leader, or a member whose subscription or
    /// owned partitions changed, starts a rebalance.
    fn rejoin_existing_member(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        join: JoinRequest,
    ) {
        let g = self
            .coordinator
            .groups
            .get_mut(&group)
            .expect("validated by the caller");
        let member = &g.members[&join.member_id];
        // `ClassicGroupMember.matches`: the protocols and their metadata (topics, owned
        // partitions and the generation they were owned in) are byte-for-byte the same.
        let matches = member.stored.protocols == join.protocols
            && member.stored.topics == join.topics
            && member.owned == join.owned
            && member.owned_generation == join.owned_generation;
        let is_leader = g.leader.as_deref() == Some(join.member_id.as_str());
        let unchanged = match g.state {
            GroupState::CompletingRebalance => matches,
            GroupState::Stable => matches && !is_leader,
            GroupState::PreparingRebalance => false,
            GroupState::Empty => {
                self.send_group_response(
                    ctx,
                    from,
                    correlation,
                    group,
                    GroupResponse::Join(Err(KafkaError::UnknownMemberId)),
                );
                return;
            }
        };
        if unchanged {
            let result = g.current_join_result(&join.member_id, false);
            let member = g.members.get_mut(&join.member_id).expect("validated");
            member.client = from;
            member.deadline = ctx.now + member.stored.session_timeout;
            self.send_group_response(
                ctx,
                from,
                correlation,
                group,
                GroupResponse::Join(Ok(result)),
            );
            return;
        }
        let member = g.members.get_mut(&join.member_id).expect("validated");
        update_member(member, &join, from, correlation);
        let why = if is_leader && matches {
            format!("leader {} rejoined ({})", join.member_id, join.reason)
        } else {
            format!(
                "{} rejoined with new metadata ({})",
                join.member_id, join.reason
            )
        };
        self.maybe_prepare_rebalance_or_complete_join(ctx, group, why);
        self.schedule_group_timer(ctx, group);
    }

    /// A static member without a member id whose `group.instance.id` is in the group
    /// (`updateStaticMemberThenRebalanceOrCompleteJoin`): it takes the old member's place
    /// under a new id, and a JoinGroup or SyncGroup the old id still has waiting is answered
    /// FENCED_INSTANCE_ID. In a Stable group, if the group's protocol would stay the same,
    /// there is no rebalance: the new id is stored and the member gets the current generation
    /// and its old assignment (a returning leader is told to skip the assignment). In
    /// CompletingRebalance the group rebalances, since the leader may be assigning to the old
    /// id; in PreparingRebalance the member just waits with the others.
    #[allow(clippy::too_many_arguments)]
    fn replace_static_member(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        old: String,
        new_id: String,
        join: JoinRequest,
    ) {
        let name = self.coordinator.name(group).to_string();
        let g = self
            .coordinator
            .groups
            .get_mut(&group)
            .expect("the caller found the instance in it");
        let mut member = g.members.remove(&old).expect("found by the caller");
        if let Some(c) = member.awaiting_join.take() {
            ctx.send(
                member.client,
                Message::GroupResponse {
                    correlation: c,
                    group,
                    response: GroupResponse::Join(Err(KafkaError::FencedInstanceId)),
                },
            );
        }
        if let Some(c) = member.awaiting_sync.take() {
            ctx.send(
                member.client,
                Message::GroupResponse {
                    correlation: c,
                    group,
                    response: GroupResponse::Sync(Err(KafkaError::FencedInstanceId)),
                },
            );
        }
        member.stored.member_id = new_id.clone();
        update_member(&mut member, &join, from, correlation);
        member.deadline = ctx.now + join.session_timeout;
        if g.leader.as_deref() == Some(old.as_str()) {
            g.leader = Some(new_id.clone());
        }
        g.members.insert(new_id.clone(), member);
        let instance = join.instance_id.clone().unwrap_or_default();
        match g.state {
            GroupState::Stable if select_protocol(&g.members) == g.protocol => {
                ctx.trace(TraceEvent::GroupMember {
                    group: name,
                    member: new_id.clone(),
                    what: format!(
                        "static member {instance} is back (was {old}); the group's protocol does not change, so no rebalance"
                    ),
                });
                let record = GroupRecord::GroupMetadata {
                    group,
                    generation: g.generation,
                    protocol: g.protocol,
                    leader: g.leader.clone(),
                    members: g.members.values().map(|m| m.stored.clone()).collect(),
                };
                let then = AfterWrite::StaticJoin {
                    group,
                    member: new_id.clone(),
                    correlation,
                };
                if let Err(error) = self.write_group_records(ctx, group, vec![record], then) {
                    self.answer_static_join(ctx, group, &new_id, correlation, Err(error));
                }
            }
            GroupState::Stable | GroupState::CompletingRebalance => {
                ctx.trace(TraceEvent::GroupMember {
                    group: name,
                    member: new_id.clone(),
                    what: format!("static member {instance} is back (was {old})"),
                });
                let why = if g.state == GroupState::Stable {
                    format!("static member {instance} joined with a change of protocol")
                } else {
                    format!("updating metadata for static member {instance} ({new_id})")
                };
                self.maybe_prepare_rebalance_or_complete_join(ctx, group, why);
            }
            GroupState::PreparingRebalance | GroupState::Empty => {
                ctx.trace(TraceEvent::GroupMember {
                    group: name,
                    member: new_id.clone(),
                    what: format!("static member {instance} is back (was {old})"),
                });
                self.maybe_complete_join(ctx, group);
            }
        }
        self.schedule_group_timer(ctx, group);
    }

    /// Answers the JoinGroup of a static member that replaced itself in a Stable group,
    /// once its new member id is stored (or could not be).
    fn answer_static_join(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        member_id: &str,
        correlation: u64,
        result: Result<(), KafkaError>,
    ) {
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        // Correlation ids are counted per client: only the member's own id tells whose
        // JoinGroup this write answers.
        let Some((id, member)) = g
            .members
            .iter_mut()
            .find(|(id, m)| id.as_str() == member_id && m.awaiting_join == Some(correlation))
        else {
            return;
        };
        if g.state != GroupState::Stable {
            // A rebalance started meanwhile: the member waits for it with the others.
            return;
        }
        member.awaiting_join = None;
        let client = member.client;
        let id = id.clone();
        let response = match result {
            Ok(()) => {
                let is_leader = g.leader.as_deref() == Some(id.as_str());
                GroupResponse::Join(Ok(g.current_join_result(&id, is_leader)))
            }
            Err(error) => GroupResponse::Join(Err(group_write_error(error))),
        };
        self.send_group_response(ctx, client, correlation, group, response);
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

    /// SyncGroup (`classicGroupSyncToClassicGroup`): the member and generation must be
    /// current. In CompletingRebalance every member waits; the leader's assignment is stored
    /// in `__consumer_offsets` and, once the high watermark passes it, the group is Stable
    /// and every waiting member gets its partitions. In Stable the member gets its
    /// assignment at once; in PreparingRebalance it must rejoin.
    fn on_sync(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        (member_id, instance_id, generation): (&str, Option<&str>, i32),
        assignments: Option<BTreeMap<String, Vec<TopicPartition>>>,
    ) {
        let respond = |ctx: &mut Ctx, result: Result<Vec<TopicPartition>, KafkaError>| {
            ctx.send(
                from,
                Message::GroupResponse {
                    correlation,
                    group,
                    response: GroupResponse::Sync(result),
                },
            )
        };
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            respond(ctx, Err(KafkaError::UnknownMemberId));
            return;
        };
        if let Err(error) = g.validate_member(member_id, instance_id) {
            respond(ctx, Err(error));
            return;
        }
        if generation != g.generation {
            respond(ctx, Err(KafkaError::IllegalGeneration));
            return;
        }
        let is_leader = g.leader.as_deref() == Some(member_id);
        let member = g.members.get_mut(member_id).expect("validated above");
        match g.state {
            GroupState::Empty => respond(ctx, Err(KafkaError::UnknownMemberId)),
            GroupState::PreparingRebalance => {
                respond(ctx, Err(KafkaError::RebalanceInProgress));
            }
            GroupState::Stable => {
                member.deadline = ctx.now + member.stored.session_timeout;
                respond(ctx, Ok(member.stored.assignment.clone()));
            }
            GroupState::CompletingRebalance => {
                member.awaiting_sync = Some(correlation);
                member.client = from;
                if let (true, Some(assignments)) = (is_leader, assignments) {
                    // Members the leader left out get an empty assignment.
                    for (id, m) in g.members.iter_mut() {
                        m.stored.assignment = assignments.get(id).cloned().unwrap_or_default();
                    }
                    // The generation is stored before anyone hears of its assignment.
                    let record = GroupRecord::GroupMetadata {
                        group,
                        generation: g.generation,
                        protocol: g.protocol,
                        leader: g.leader.clone(),
                        members: g.members.values().map(|m| m.stored.clone()).collect(),
                    };
                    let generation = g.generation;
                    let then = AfterWrite::Generation { group, generation };
                    if let Err(error) = self.write_group_records(ctx, group, vec![record], then) {
                        self.fail_syncs(ctx, group, error);
                    }
                }
            }
        }
    }

    /// Heartbeat (`classicGroupHeartbeatToClassicGroup`): a current member's session starts
    /// again. In PreparingRebalance the answer is REBALANCE_IN_PROGRESS, telling the member
    /// to rejoin; in CompletingRebalance and Stable it is fine.
    fn on_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        member_id: &str,
        instance_id: Option<&str>,
        generation: i32,
    ) -> Result<(), KafkaError> {
        let g = self
            .coordinator
            .groups
            .get_mut(&group)
            .ok_or(KafkaError::UnknownMemberId)?;
        g.validate_member(member_id, instance_id)?;
        if generation != g.generation {
            return Err(KafkaError::IllegalGeneration);
        }
        let state = g.state;
        let member = g.members.get_mut(member_id).expect("validated above");
        match state {
            GroupState::Empty => return Err(KafkaError::UnknownMemberId),
            _ => member.deadline = ctx.now + member.stored.session_timeout,
        }
        self.schedule_group_timer(ctx, group);
        match state {
            GroupState::PreparingRebalance => Err(KafkaError::RebalanceInProgress),
            _ => Ok(()),
        }
    }

    /// OffsetCommit, validated as `ClassicGroup.validateOffsetCommit` does: a consumer
    /// outside group management (generation -1, no member id) may commit only while the
    /// group is Empty (else UNKNOWN_MEMBER_ID); a member must be known (UNKNOWN_MEMBER_ID,
    /// or FENCED_INSTANCE_ID for a replaced static member) and of the current generation
    /// (ILLEGAL_GENERATION); and between JoinGroup and SyncGroup (CompletingRebalance) the
    /// answer is REBALANCE_IN_PROGRESS. A commit while the group is PreparingRebalance, from
    /// a member of the current generation, is accepted.
    fn on_offset_commit(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        (member_id, instance_id, generation): (&str, Option<&str>, i32),
        offsets: Vec<(TopicPartition, Offset)>,
    ) {
        let respond = |ctx: &mut Ctx, result| {
            ctx.send(
                from,
                Message::GroupResponse {
                    correlation,
                    group,
                    response: GroupResponse::OffsetCommit(result),
                },
            )
        };
        let check = match self.coordinator.groups.get(&group) {
            // A simple consumer's commit creates the group.
            None if generation < 0 => Ok(()),
            // Kafka 4.0 answers GROUP_ID_NOT_FOUND (v9+); ksim's members see it as unknown.
            None => Err(KafkaError::UnknownMemberId),
            Some(g) if generation < 0 && g.state == GroupState::Empty => Ok(()),
            Some(g) if generation >= 0 || !member_id.is_empty() || instance_id.is_some() => g
                .validate_member(member_id, instance_id)
                .and(if generation != g.generation {
                    Err(KafkaError::IllegalGeneration)
                } else {
                    Ok(())
                }),
            Some(_) => Err(KafkaError::UnknownMemberId),
        };
        let check =
            check.and_then(
                |()| match self.coordinator.groups.get(&group).map(|g| g.state) {
                    Some(GroupState::CompletingRebalance) => Err(KafkaError::RebalanceInProgress),
                    _ => Ok(()),
                },
            );
        if let Err(error) = check {
            respond(ctx, Err(error));
            return;
        }
        self.coordinator
            .groups
            .entry(group)
            .or_insert_with(new_group);
        let records = offsets
            .iter()
            .map(|&(partition, offset)| GroupRecord::OffsetCommit {
                group,
                partition,
                offset,
            })
            .collect();
        let then = AfterWrite::Commit {
            to: from,
            correlation,
            offsets,
            group,
        };
        if let Err(error) = self.write_group_records(ctx, group, records, then) {
            respond(ctx, Err(error));
        }
    }

    /// Appends records to the group's `__consumer_offsets` partition as its leader; what
    /// follows (the commit's answer, the generation's) waits until the high watermark passes
    /// them, as an acks=all write does.
    fn write_group_records(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        records: Vec<GroupRecord>,
        then: AfterWrite,
    ) -> Result<(), KafkaError> {
        let tp = self
            .coordinator
            .partition_of(group)
            .expect("a coordinated group has a partition");
        let min_isr = self.effective_min_isr(tp);
        let replica = self
            .replicas
            .get_mut(&tp)
            .filter(|r| r.leading.is_some())
            .ok_or(KafkaError::NotCoordinator)?;
        if replica.isr.len() < min_isr {
            // The coordinator maps NOT_ENOUGH_REPLICAS to COORDINATOR_NOT_AVAILABLE.
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        let base = replica.log.log_end_offset();
        let count = records.len() as u32;
        let stored = StoredBatch {
            group_records: Some(Arc::new(records)),
            ..StoredBatch::new(
                base,
                replica.leader_epoch,
                Arc::new((0..count).map(RecordId::group_record).collect()),
                BATCH_HEADER_BYTES + 60 * count,
                None,
                ctx.now,
            )
        };
        let roll = replica.log.append(Arc::new(stored));
        crate::kafka::broker::trace_roll(ctx, tp, roll);
        let leo = replica.log.log_end_offset();
        ctx.trace(TraceEvent::Append {
            partition: tp,
            base,
            count,
            epoch: replica.leader_epoch,
            leo,
        });
        self.coordinator.pending.push(PendingWrite {
            partition: tp,
            end: leo,
            expires: ctx.now + OFFSETS_COMMIT_TIMEOUT,
            then,
        });
        self.group_timer_at(ctx, group, ctx.now + OFFSETS_COMMIT_TIMEOUT);
        self.after_local_append(ctx, tp);
        Ok(())
    }

    /// Completes the writes to `tp` the high watermark has passed; fails them all when this
    /// broker no longer leads it, and those past `offsets.commit.timeout.ms`.
    pub(crate) fn complete_group_writes(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.coordinator.is_offsets_topic(tp.topic) || self.coordinator.pending.is_empty() {
            return;
        }
        let (hw, leading) = match self.replicas.get(&tp) {
            Some(r) => (r.log.high_watermark, r.leading.is_some()),
            None => (Offset(0), false),
        };
        let now = ctx.now;
        let mut done = Vec::new();
        self.coordinator.pending.retain(|w| {
            if w.partition != tp {
                return true;
            }
            if !leading {
                done.push((w.clone(), Err(KafkaError::NotCoordinator)));
            } else if hw >= w.end {
                done.push((w.clone(), Ok(())));
            } else if w.expires <= now {
                done.push((w.clone(), Err(KafkaError::RequestTimedOut)));
            } else {
                return true;
            }
            false
        });
        for (write, result) in done {
            self.after_write(ctx, write.then, result);
        }
    }

    fn after_write(&mut self, ctx: &mut Ctx, then: AfterWrite, result: Result<(), KafkaError>) {
        match then {
            AfterWrite::Commit {
                to,
                correlation,
                offsets,
                group,
            } => {
                let result = result.map(|()| {
                    let name = self.coordinator.name(group).to_string();
                    if let Some(g) = self.coordinator.groups.get_mut(&group) {
                        for &(tp, offset) in &offsets {
                            g.offsets.insert(tp, offset);
                        }
                    }
                    ctx.trace(TraceEvent::OffsetsCommitted {
                        group: name,
                        offsets: offsets.clone(),
                    });
                    offsets
                });
                // The coordinator's write errors reach the client as COORDINATOR errors.
                let result = result.map_err(group_write_error);
                ctx.send(
                    to,
                    Message::GroupResponse {
                        correlation,
                        group,
                        response: GroupResponse::OffsetCommit(result),
                    },
                );
            }
            AfterWrite::StaticJoin {
                group,
                member,
                correlation,
            } => self.answer_static_join(ctx, group, &member, correlation, result),
            AfterWrite::Generation { group, generation } => {
                let Some(g) = self.coordinator.groups.get_mut(&group) else {
                    return;
                };
                // Another member may have joined meanwhile: then this generation is over.
                if g.generation != generation || g.state != GroupState::CompletingRebalance {
                    return;
                }
                if let Err(error) = result {
                    self.fail_syncs(ctx, group, error);
                    return;
                }
                g.state = GroupState::Stable;
                let name = self.coordinator.names[group.0 as usize].clone();
                let assignment: Vec<(String, Vec<TopicPartition>)> = g
                    .members
                    .iter()
                    .map(|(id, m)| (id.clone(), m.stored.assignment.clone()))
                    .collect();
                ctx.trace(TraceEvent::GroupStable {
                    group: name,
                    generation,
                    protocol: g.protocol.map_or("", |p| p.protocol_name()).to_string(),
                    assignment,
                });
                for m in g.members.values_mut() {
                    if let Some(c) = m.awaiting_sync.take() {
                        // The session restarts when the member leaves the sync wait.
                        m.deadline = ctx.now + m.stored.session_timeout;
                        ctx.send(
                            m.client,
                            Message::GroupResponse {
                                correlation: c,
                                group,
                                response: GroupResponse::Sync(Ok(m.stored.assignment.clone())),
                            },
                        );
                    }
                }
                self.schedule_group_timer(ctx, group);
            }
        }
    }

    /// Storing the generation failed: the waiting members hear the error and the group
    /// rebalances.
    fn fail_syncs(&mut self, ctx: &mut Ctx, group: GroupId, error: KafkaError) {
        let error = group_write_error(error);
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        for m in g.members.values_mut() {
            if let Some(c) = m.awaiting_sync.take() {
                ctx.send(
                    m.client,
                    Message::GroupResponse {
                        correlation: c,
                        group,
                        response: GroupResponse::Sync(Err(error)),
                    },
                );
            }
        }
        self.maybe_prepare_rebalance_or_complete_join(
            ctx,
            group,
            format!("storing the generation failed with {error}"),
        );
        self.schedule_group_timer(ctx, group);
    }

    /// LeaveGroup: a pending member is forgotten; a member is removed and a Stable or
    /// completing group rebalances without it.
    fn on_leave(&mut self, ctx: &mut Ctx, group: GroupId, member_id: &str, why: String) {
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        if g.pending_ids.remove(member_id).is_some() {
            // The join phase may have been waiting only for this member.
            self.maybe_complete_join(ctx, group);
            return;
        }
        if self.remove_member(ctx, group, member_id, &why) {
            self.maybe_complete_join(ctx, group);
        }
        self.schedule_group_timer(ctx, group);
    }

    /// Removes a member (it left, or its session expired): a JoinGroup it has waiting is
    /// answered UNKNOWN_MEMBER_ID, and a Stable or completing group starts to rebalance.
    /// Returns whether the group was already rebalancing, for the caller to try completing.
    fn remove_member(&mut self, ctx: &mut Ctx, group: GroupId, member_id: &str, why: &str) -> bool {
        let name = self.coordinator.name(group).to_string();
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return false;
        };
        let Some(member) = g.remove(member_id) else {
            return false;
        };
        if let Some(c) = member.awaiting_join {
            ctx.send(
                member.client,
                Message::GroupResponse {
                    correlation: c,
                    group,
                    response: GroupResponse::Join(Err(KafkaError::UnknownMemberId)),
                },
            );
        }
        ctx.trace(TraceEvent::GroupMember {
            group: name,
            member: member_id.to_string(),
            what: format!("removed: {why}"),
        });
        match g.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.maybe_prepare_rebalance_or_complete_join(
                    ctx,
                    group,
                    format!("{member_id} left: {why}"),
                );
                false
            }
            GroupState::PreparingRebalance => true,
            GroupState::Empty => false,
        }
    }

    /// `maybePrepareRebalanceOrCompleteJoin`: a group that can rebalance (Empty, Stable,
    /// CompletingRebalance) starts to; one already preparing may now be complete.
    fn maybe_prepare_rebalance_or_complete_join(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        why: String,
    ) {
        let name = self.coordinator.name(group).to_string();
        let initial_delay = self.coordinator.initial_delay;
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        if g.state == GroupState::PreparingRebalance {
            self.maybe_complete_join(ctx, group);
            return;
        }
        let initial = g.state == GroupState::Empty;
        prepare_rebalance(ctx, group, &name, g, why, initial_delay);
        if !initial && g.all_joined() {
            self.complete_join(ctx, group);
        }
    }

    /// `maybeCompleteJoinPhase`: the join phase ends as soon as every member has rejoined,
    /// except in an initial rebalance, which only its delay timer ends.
    fn maybe_complete_join(&mut self, ctx: &mut Ctx, group: GroupId) {
        let Some(g) = self.coordinator.groups.get(&group) else {
            return;
        };
        if g.state == GroupState::PreparingRebalance
            && g.initial_rebalance.is_none()
            && g.all_joined()
        {
            self.complete_join(ctx, group);
        }
    }

    /// `completeClassicGroupJoin`: dynamic members that did not rejoin are removed (static
    /// ones stay, with their old assignment, until their session expires); a leader that did
    /// not rejoin is replaced by one that did; then the next generation starts and every
    /// waiting member gets its JoinGroup response, the leader with the member list. If no
    /// member rejoined at all, the group waits another rebalance timeout.
    fn complete_join(&mut self, ctx: &mut Ctx, group: GroupId) {
        let name = self.coordinator.name(group).to_string();
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        g.rebalance_deadline = None;
        let laggards: Vec<String> = g
            .members
            .iter()
            .filter(|(_, m)| m.awaiting_join.is_none() && m.stored.instance_id.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for id in laggards {
            g.remove(&id);
            ctx.trace(TraceEvent::GroupMember {
                group: name.clone(),
                member: id,
                what: "removed: did not rejoin within the rebalance timeout (max.poll.interval.ms)"
                    .into(),
            });
        }
        // `maybeElectNewJoinedLeader`.
        let leader_joined = g
            .leader
            .as_ref()
            .and_then(|l| g.members.get(l))
            .is_some_and(|m| m.awaiting_join.is_some());
        if !leader_joined
            && let Some(joined) = g
                .members
                .iter()
                .find(|(_, m)| m.awaiting_join.is_some())
                .map(|(id, _)| id.clone())
        {
            g.leader = Some(joined);
        }
        let elected = g
            .leader
            .as_ref()
            .and_then(|l| g.members.get(l))
            .is_some_and(|m| m.awaiting_join.is_some());
        if !elected && !g.members.is_empty() {
            // Only static members that have not rejoined are left: wait for them, or for
            // their sessions to expire.
            g.rebalance_deadline = Some(ctx.now + g.rebalance_timeout());
            self.schedule_group_timer(ctx, group);
            return;
        }
        g.initial_rebalance = None;
        g.generation += 1;
        if g.members.is_empty() {
            g.state = GroupState::Empty;
            g.protocol = None;
            g.leader = None;
            ctx.trace(TraceEvent::GroupEmpty {
                group: name,
                generation: g.generation,
            });
            // The empty generation is stored too, so that a new coordinator loads it.
            let record = GroupRecord::GroupMetadata {
                group,
                generation: g.generation,
                protocol: None,
                leader: None,
                members: Vec::new(),
            };
            let then = AfterWrite::Generation {
                group,
                generation: g.generation,
            };
            // Nobody waits for it: a failed write leaves the previous generation in the log.
            let _ = self.write_group_records(ctx, group, vec![record], then);
            return;
        }
        g.protocol = select_protocol(&g.members);
        g.state = GroupState::CompletingRebalance;
        let leader = g.leader.clone().expect("elected above");
        let protocol = g.protocol.expect("members share a protocol");
        let members = g.joined_members();
        ctx.trace(TraceEvent::JoinCompleted {
            group: name,
            generation: g.generation,
            protocol: protocol.protocol_name().to_string(),
            leader: leader.clone(),
            members: members.iter().map(|m| m.member_id.clone()).collect(),
        });
        let generation = g.generation;
        for m in g.members.values_mut() {
            m.deadline = ctx.now + m.stored.session_timeout;
            m.is_new = false;
            if let Some(c) = m.awaiting_join.take() {
                let result = JoinResult {
                    generation,
                    protocol,
                    leader: leader.clone(),
                    member_id: m.stored.member_id.clone(),
                    members: if m.stored.member_id == leader {
                        members.clone()
                    } else {
                        Vec::new()
                    },
                    skip_assignment: false,
                };
                ctx.send(
                    m.client,
                    Message::GroupResponse {
                        correlation: c,
                        group,
                        response: GroupResponse::Join(Ok(result)),
                    },
                );
            }
        }
        self.schedule_group_timer(ctx, group);
    }

    /// The group's timer: ids handed out with MEMBER_ID_REQUIRED that never came back,
    /// expired sessions, and the join timer (the initial delay or the rebalance timeout).
    pub(crate) fn on_group_timer(&mut self, ctx: &mut Ctx, group: GroupId) {
        let now = ctx.now;
        self.coordinator.timers.remove(&(group, now));
        let initial_delay = self.coordinator.initial_delay;
        if let Some(tp) = self.coordinator.partition_of(group) {
            self.complete_group_writes(ctx, tp);
        }
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        let pending = g.pending_ids.len();
        g.pending_ids.retain(|_, expires| *expires > now);
        let mut try_complete = g.pending_ids.len() < pending;
        // `hasSatisfiedHeartbeat`: a member waiting in a JoinGroup or SyncGroup needs no
        // heartbeat, unless it is new in this rebalance.
        let expired: Vec<(String, SimTime)> = g
            .members
            .iter()
            .filter(|(_, m)| {
                m.deadline <= now
                    && (m.is_new || (m.awaiting_join.is_none() && m.awaiting_sync.is_none()))
            })
            .map(|(id, m)| (id.clone(), m.stored.session_timeout))
            .collect();
        for (id, timeout) in expired {
            let why = format!(
                "no heartbeat within session.timeout.ms={}",
                timeout.as_millis()
            );
            try_complete |= self.remove_member(ctx, group, &id, &why);
        }
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        // A removal by the timer completes a rebalance whose members have all rejoined,
        // even during the initial delay (`removeMemberAndUpdateClassicGroup`).
        if try_complete && g.state == GroupState::PreparingRebalance && g.all_joined() {
            self.complete_join(ctx, group);
        } else if g.state == GroupState::PreparingRebalance
            && g.rebalance_deadline.is_some_and(|d| d <= now)
        {
            match &mut g.initial_rebalance {
                Some(initial) if initial.new_member_added && initial.remaining > SimTime::ZERO => {
                    // A member joined during the delay: wait another delay.
                    let delay = initial_delay.min(initial.remaining);
                    initial.remaining = initial.remaining.saturating_sub(initial.delay);
                    initial.delay = delay;
                    initial.new_member_added = false;
                    g.rebalance_deadline = Some(now + delay);
                }
                _ => self.complete_join(ctx, group),
            }
        }
        self.schedule_group_timer(ctx, group);
    }

    fn schedule_group_timer(&mut self, ctx: &mut Ctx, group: GroupId) {
        let Some(g) = self.coordinator.groups.get(&group) else {
            return;
        };
        let next = g
            .members
            .values()
            .filter(|m| m.is_new || (m.awaiting_join.is_none() && m.awaiting_sync.is_none()))
            .map(|m| m.deadline)
            .chain(g.pending_ids.values().copied())
            .filter(|t| *t > ctx.now)
            .chain(g.rebalance_deadline)
            .min();
        if let Some(at) = next {
            self.group_timer_at(ctx, group, at);
        }
    }

    /// Queues the group's timer at `at`, unless it is queued for then already.
    fn group_timer_at(&mut self, ctx: &mut Ctx, group: GroupId, at: SimTime) {
        if self.coordinator.timers.insert((group, at)) {
            ctx.timer_at(at, Timer::Group(group));
        }
    }

    /// Becoming leader of a `__consumer_offsets` partition: load its groups from the log,
    /// committed offsets and each group's last stored generation.
    pub(crate) fn load_groups(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.coordinator.is_offsets_topic(tp.topic) {
            return;
        }
        let now = ctx.now;
        let mut loaded: BTreeMap<GroupId, Group> = BTreeMap::new();
        let replica = &self.replicas[&tp];
        for batch in replica.log.batches() {
            let Some(records) = &batch.group_records else {
                continue;
            };
            for record in records.iter() {
                match record {
                    GroupRecord::OffsetCommit {
                        group,
                        partition,
                        offset,
                    } => {
                        loaded
                            .entry(*group)
                            .or_insert_with(new_group)
                            .offsets
                            .insert(*partition, *offset);
                    }
                    GroupRecord::GroupMetadata {
                        group,
                        generation,
                        protocol,
                        leader,
                        members,
                    } => {
                        let g = loaded.entry(*group).or_insert_with(new_group);
                        g.generation = *generation;
                        g.protocol = *protocol;
                        g.leader = leader.clone();
                        g.state = if members.is_empty() {
                            GroupState::Empty
                        } else {
                            GroupState::Stable
                        };
                        g.members = members
                            .iter()
                            .map(|m| {
                                (
                                    m.member_id.clone(),
                                    Member {
                                        stored: m.clone(),
                                        owned: m.assignment.clone(),
                                        owned_generation: *generation,
                                        client: NodeId::Controller,
                                        awaiting_join: None,
                                        awaiting_sync: None,
                                        // Kafka gives every loaded member a fresh session.
                                        deadline: now + m.session_timeout,
                                        is_new: false,
                                    },
                                )
                            })
                            .collect();
                    }
                }
            }
        }
        let groups: Vec<GroupId> = loaded.keys().copied().collect();
        for (id, g) in loaded {
            let name = self.coordinator.name(id).to_string();
            ctx.trace(TraceEvent::GroupLoaded {
                group: name,
                generation: g.generation,
                members: g.members.len() as u32,
                offsets: g.offsets.len() as u32,
            });
            self.coordinator.groups.insert(id, g);
        }
        for group in groups {
            self.schedule_group_timer(ctx, group);
        }
    }

    /// No longer the leader of a `__consumer_offsets` partition: its groups go to the new
    /// coordinator; waiting members hear NOT_COORDINATOR and look it up.
    pub(crate) fn unload_groups(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.coordinator.is_offsets_topic(tp.topic) {
            return;
        }
        let mine: Vec<GroupId> = self
            .coordinator
            .groups
            .keys()
            .copied()
            .filter(|g| self.coordinator.partition_of(*g) == Some(tp))
            .collect();
        for group in mine {
            let g = self
                .coordinator
                .groups
                .remove(&group)
                .expect("listed above");
            for m in g.members.values() {
                let waiting = [
                    m.awaiting_join
                        .map(|c| (c, GroupResponse::Join(Err(KafkaError::NotCoordinator)))),
                    m.awaiting_sync
                        .map(|c| (c, GroupResponse::Sync(Err(KafkaError::NotCoordinator)))),
                ];
                for (c, response) in waiting.into_iter().flatten() {
                    ctx.send(
                        m.client,
                        Message::GroupResponse {
                            correlation: c,
                            group,
                            response,
                        },
                    );
                }
            }
        }
        // With the groups gone, writes still waiting fail their commits with NOT_COORDINATOR
        // and start no rebalance here.
        self.complete_group_writes(ctx, tp);
    }
}

/// What a JoinGroup carries, recorded on the member: its protocols and subscription, what it
/// owns, its timeouts, and the request that now waits for the join phase to end.
fn update_member(member: &mut Member, join: &JoinRequest, from: NodeId, correlation: u64) {
    member.client = from;
    member.stored.protocols = join.protocols.clone();
    member.stored.topics = join.topics.clone();
    member.stored.session_timeout = join.session_timeout;
    member.stored.rebalance_timeout = join.rebalance_timeout;
    member.owned = join.owned.clone();
    member.owned_generation = join.owned_generation;
    member.awaiting_join = Some(correlation);
}

/// `appendGroupMetadataErrorToResponseError` and `handleOperationException`: a failed write to
/// `__consumer_offsets` reaches JoinGroup, SyncGroup and OffsetCommit as
/// COORDINATOR_NOT_AVAILABLE (too few replicas, a timeout) or NOT_COORDINATOR (leadership lost).
fn group_write_error(error: KafkaError) -> KafkaError {
    match error {
        KafkaError::NotCoordinator | KafkaError::NotLeaderOrFollower => KafkaError::NotCoordinator,
        _ => KafkaError::CoordinatorNotAvailable,
    }
}

/// `prepareRebalance`: the group goes to PreparingRebalance; members waiting in a SyncGroup
/// hear REBALANCE_IN_PROGRESS, the others hear it on their next heartbeat, and all rejoin.
/// The join phase waits for them up to the longest rebalance timeout, or, for a group that
/// was Empty, `group.initial.rebalance.delay.ms` at first.
fn prepare_rebalance(
    ctx: &mut Ctx,
    group: GroupId,
    name: &str,
    g: &mut Group,
    why: String,
    initial_delay: SimTime,
) {
    if g.state == GroupState::CompletingRebalance {
        for m in g.members.values_mut() {
            if let Some(c) = m.awaiting_sync.take() {
                ctx.send(
                    m.client,
                    Message::GroupResponse {
                        correlation: c,
                        group,
                        response: GroupResponse::Sync(Err(KafkaError::RebalanceInProgress)),
                    },
                );
            }
        }
    }
    let timeout = g.rebalance_timeout();
    let why = if g.state == GroupState::Empty {
        g.initial_rebalance = Some(InitialRebalance {
            delay: initial_delay,
            remaining: timeout.saturating_sub(initial_delay),
            new_member_added: false,
        });
        g.rebalance_deadline = Some(ctx.now + initial_delay);
        format!(
            "{why}; the group was empty, so it waits group.initial.rebalance.delay.ms={} for more members",
            initial_delay.as_millis()
        )
    } else {
        g.rebalance_deadline = Some(ctx.now + timeout);
        why
    };
    g.state = GroupState::PreparingRebalance;
    ctx.trace(TraceEvent::RebalanceStarted {
        group: name.to_string(),
        generation: g.generation,
        why,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BrokerConfig, TopicConfig};
    use crate::engine::ids::{ConsumerIdx, LeaderEpoch};
    use crate::kafka::broker::tests::deliver;
    use crate::kafka::effects::Effect;
    use crate::kafka::message::{FetchPartition, FetchRequest};
    use crate::kafka::metadata::{MetadataImage, PartitionState, TopicImage};

    // Java's String.hashCode, including a character outside the BMP (two UTF-16 units).
    #[test]
    fn java_string_hash_matches_java() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("abc"), 96354);
        assert_eq!(java_string_hash("hello"), 99162322);
        // "\u{1F600}" is "\uD83D\uDE00" in Java: 0xD83D * 31 + 0xDE00.
        assert_eq!(java_string_hash("\u{1F600}"), 0xD83D * 31 + 0xDE00);
    }

    // The group coordinator partitions of the reference (50 offsets partitions).
    #[test]
    fn coordinator_partitions() {
        assert_eq!(coordinator_partition("my-group", 50), 12);
        assert_eq!(coordinator_partition("test-group", 50), 12);
        assert_eq!(coordinator_partition("group1", 50), 40);
        assert_eq!(coordinator_partition("payments", 50), 13);
    }

    // Utils.abs maps Integer.MIN_VALUE to 0: "polygenelubricants" hashes to MIN_VALUE.
    #[test]
    fn coordinator_partition_of_min_value_hash() {
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(coordinator_partition("polygenelubricants", 50), 0);
    }

    /// One `__consumer_offsets` partition (topic 0) holds every group; topic 1 is what the
    /// members subscribe to.
    const OFFSETS: TopicPartition = TopicPartition {
        topic: TopicId(0),
        partition: 0,
    };
    const ORDERS_0: TopicPartition = TopicPartition {
        topic: TopicId(1),
        partition: 0,
    };
    const G: GroupId = GroupId(0);
    const SESSION_MS: u64 = 45_000;
    const REBALANCE_MS: u64 = 60_000;

    fn image(offset: u64, leader: u32, epoch: u32, replicas: &[u32], isr: &[u32]) -> MetadataImage {
        let partition = |leader: Option<u32>| PartitionState {
            leader: leader.map(BrokerId),
            leader_epoch: LeaderEpoch(epoch),
            partition_epoch: epoch,
            replicas: replicas.iter().map(|&b| BrokerId(b)).collect(),
            isr: isr.iter().map(|&b| BrokerId(b)).collect(),
        };
        MetadataImage {
            offset,
            topics: vec![
                TopicImage {
                    name: "__consumer_offsets".into(),
                    partitions: vec![partition(Some(leader))],
                    incarnation: 1,
                },
                TopicImage {
                    name: "orders".into(),
                    partitions: vec![partition(Some(leader))],
                    incarnation: 1,
                },
            ],
            fenced: vec![false; 3],
            broker_epochs: vec![0; 3],
        }
    }

    /// Broker `id` with `__consumer_offsets` led by `leader` on `replicas` with the given
    /// ISR; the group's initial rebalance delay is `initial_delay_ms`.
    fn broker(
        id: u32,
        leader: u32,
        replicas: &[u32],
        isr: &[u32],
        initial_delay_ms: u64,
    ) -> Broker {
        Broker::new(
            BrokerId(id),
            Arc::new(BrokerConfig::default()),
            Arc::new(vec![TopicConfig::default(), TopicConfig::default()]),
            Arc::new(image(1, leader, 0, replicas, isr)),
            Coordinator::new(
                Arc::new(vec!["g1".to_string()]),
                Some(TopicId(0)),
                1,
                SimTime::from_millis(initial_delay_ms),
            ),
        )
    }

    fn client(n: u32) -> NodeId {
        NodeId::Consumer(ConsumerIdx(n))
    }

    fn request(
        b: &mut Broker,
        now_ms: u64,
        from: u32,
        correlation: u64,
        req: GroupRequest,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut ctx = Ctx::new(
            SimTime::from_millis(now_ms),
            NodeId::Broker(b.id),
            &mut effects,
        );
        b.on_group_request(&mut ctx, client(from), correlation, G, req);
        effects
    }

    fn timer(b: &mut Broker, now_ms: u64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut ctx = Ctx::new(
            SimTime::from_millis(now_ms),
            NodeId::Broker(b.id),
            &mut effects,
        );
        b.on_group_timer(&mut ctx, G);
        effects
    }

    /// The group responses in `effects`: to whom, for which request, what.
    fn responses(effects: &[Effect]) -> Vec<(NodeId, u64, GroupResponse)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Send(
                    to,
                    Message::GroupResponse {
                        correlation,
                        response,
                        ..
                    },
                ) => Some((*to, *correlation, response.clone())),
                _ => None,
            })
            .collect()
    }

    fn rebalance_started(effects: &[Effect]) -> bool {
        effects
            .iter()
            .any(|e| matches!(e, Effect::Trace(TraceEvent::RebalanceStarted { .. })))
    }

    fn join_request(member_id: &str, from: u32, instance: Option<&str>) -> GroupRequest {
        GroupRequest::Join(Box::new(JoinRequest {
            member_id: member_id.to_string(),
            instance_id: instance.map(str::to_string),
            client_id: format!("consumer-g1-{from}"),
            protocols: vec![Strategy::Range],
            topics: vec![TopicId(1)],
            owned: Vec::new(),
            owned_generation: -1,
            session_timeout: SimTime::from_millis(SESSION_MS),
            rebalance_timeout: SimTime::from_millis(REBALANCE_MS),
            reason: "test".into(),
        }))
    }

    /// A dynamic member's first join: MEMBER_ID_REQUIRED, then the join with that id, which
    /// waits for the join phase. Returns the member id.
    fn join_dynamic(b: &mut Broker, now_ms: u64, from: u32) -> String {
        let effects = request(b, now_ms, from, 1, join_request("", from, None));
        let [(_, _, GroupResponse::MemberIdRequired(id))] = &responses(&effects)[..] else {
            panic!("a new dynamic member first gets MEMBER_ID_REQUIRED: {effects:?}");
        };
        let effects = request(b, now_ms, from, 2, join_request(id, from, None));
        assert!(
            responses(&effects).is_empty(),
            "the join waits for the join phase"
        );
        id.clone()
    }

    fn joined(effects: &[Effect], to: u32) -> JoinResult {
        responses(effects)
            .into_iter()
            .find_map(|(n, _, r)| match r {
                GroupResponse::Join(Ok(result)) if n == client(to) => Some(result),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no JoinGroup answer for client {to}: {effects:?}"))
    }

    fn sync(
        b: &mut Broker,
        now_ms: u64,
        from: u32,
        member: &str,
        generation: i32,
        assignments: Option<BTreeMap<String, Vec<TopicPartition>>>,
    ) -> Vec<Effect> {
        request(
            b,
            now_ms,
            from,
            3,
            GroupRequest::Sync {
                member_id: member.to_string(),
                instance_id: None,
                generation,
                assignments,
            },
        )
    }

    fn commit(
        b: &mut Broker,
        now_ms: u64,
        from: u32,
        member: &str,
        generation: i32,
    ) -> Vec<Effect> {
        request(
            b,
            now_ms,
            from,
            4,
            GroupRequest::OffsetCommit {
                member_id: member.to_string(),
                instance_id: None,
                generation,
                offsets: vec![(ORDERS_0, Offset(5))],
            },
        )
    }

    fn commit_result(
        effects: &[Effect],
    ) -> Option<Result<Vec<(TopicPartition, Offset)>, KafkaError>> {
        responses(effects)
            .into_iter()
            .find_map(|(_, _, r)| match r {
                GroupResponse::OffsetCommit(result) => Some(result),
                _ => None,
            })
    }

    /// Two dynamic members (clients 1 and 2) in a Stable generation 1 on a broker that is
    /// alone in the ISR (so each write is committed at once); client 1 leads and owns
    /// orders-0. Returns the broker, the two member ids and the time.
    fn stable_group() -> (Broker, String, String, u64) {
        let mut b = broker(1, 1, &[1], &[1], 3_000);
        let a = join_dynamic(&mut b, 0, 1);
        let c = join_dynamic(&mut b, 0, 2);
        timer(&mut b, 3_000);
        let effects = timer(&mut b, 6_000);
        let leader = joined(&effects, 1);
        assert_eq!(leader.leader, a);
        let mut plan = BTreeMap::new();
        plan.insert(a.clone(), vec![ORDERS_0]);
        plan.insert(c.clone(), Vec::new());
        sync(&mut b, 6_001, 1, &a, 1, Some(plan));
        let effects = sync(&mut b, 6_001, 2, &c, 1, None);
        assert!(matches!(
            &responses(&effects)[..],
            [(_, _, GroupResponse::Sync(Ok(_)))]
        ));
        assert_eq!(b.coordinator.groups[&G].state, GroupState::Stable);
        (b, a, c, 6_001)
    }

    fn member(protocols: &[Strategy]) -> Member {
        Member {
            stored: StoredMember {
                member_id: String::new(),
                instance_id: None,
                client_id: String::new(),
                protocols: protocols.to_vec(),
                topics: Vec::new(),
                assignment: Vec::new(),
                session_timeout: SimTime::ZERO,
                rebalance_timeout: SimTime::ZERO,
            },
            owned: Vec::new(),
            owned_generation: -1,
            client: NodeId::Controller,
            awaiting_join: None,
            awaiting_sync: None,
            deadline: SimTime::ZERO,
            is_new: false,
        }
    }

    // The default list [range, cooperative-sticky] picks range; a member that prefers
    // cooperative-sticky is outvoted, and only common strategies count.
    #[test]
    fn protocol_is_voted_among_common_strategies() {
        use Strategy::*;
        let mut members = BTreeMap::new();
        members.insert("a".to_string(), member(&[Range, CooperativeSticky]));
        members.insert("b".to_string(), member(&[Range, CooperativeSticky]));
        members.insert("c".to_string(), member(&[CooperativeSticky, Range]));
        assert_eq!(select_protocol(&members), Some(Range));
        members.insert("d".to_string(), member(&[CooperativeSticky]));
        assert_eq!(select_protocol(&members), Some(CooperativeSticky));
    }

    // Member ids start with the client id and do not sort by join order.
    #[test]
    fn member_ids_carry_the_client_id() {
        let a = member_id("consumer-g1-1", BrokerId(1), 1);
        let b = member_id("consumer-g1-1", BrokerId(1), 2);
        assert!(a.starts_with("consumer-g1-1-"));
        assert_ne!(a, b);
        assert_eq!(a, member_id("consumer-g1-1", BrokerId(1), 1));
    }

    // The first member of an empty group waits group.initial.rebalance.delay.ms before its
    // JoinGroup is answered, and it leads the group.
    #[test]
    fn first_member_waits_the_initial_rebalance_delay() {
        let mut b = broker(1, 1, &[1], &[1], 3_000);
        let a = join_dynamic(&mut b, 0, 1);
        assert_eq!(
            b.coordinator.groups[&G].state,
            GroupState::PreparingRebalance
        );
        assert!(responses(&timer(&mut b, 2_999)).is_empty());
        let effects = timer(&mut b, 3_000);
        let result = joined(&effects, 1);
        assert_eq!((result.generation, result.leader.as_str()), (1, a.as_str()));
        assert_eq!(result.members.len(), 1, "the leader gets the member list");
    }

    // A member that joins during the initial delay makes the coordinator wait one more delay
    // when the timer fires (Kafka's tryCompleteInitialRebalanceElseSchedule); the first
    // member to join still leads.
    #[test]
    fn a_join_during_the_initial_delay_extends_it() {
        let mut b = broker(1, 1, &[1], &[1], 3_000);
        let a = join_dynamic(&mut b, 0, 1);
        join_dynamic(&mut b, 1_000, 2);
        assert!(
            responses(&timer(&mut b, 3_000)).is_empty(),
            "extended to 6 s"
        );
        assert!(responses(&timer(&mut b, 5_999)).is_empty());
        let effects = timer(&mut b, 6_000);
        assert_eq!(joined(&effects, 1).leader, a);
        assert_eq!(joined(&effects, 2).generation, 1);
    }

    // A member whose session expires without a heartbeat is removed, and the Stable group
    // starts a rebalance.
    #[test]
    fn session_expiry_removes_the_member_and_rebalances() {
        let (mut b, a, c, now) = stable_group();
        let beat = GroupRequest::Heartbeat {
            member_id: a.clone(),
            instance_id: None,
            generation: 1,
        };
        request(&mut b, now + 30_000, 1, 5, beat);
        let effects = timer(&mut b, now + SESSION_MS);
        assert!(rebalance_started(&effects));
        let g = &b.coordinator.groups[&G];
        assert!(!g.members.contains_key(&c) && g.members.contains_key(&a));
        assert_eq!(g.state, GroupState::PreparingRebalance);
    }

    // A member that keeps heartbeating but does not rejoin within the rebalance timeout is
    // dropped when the join phase ends; the others get the next generation.
    #[test]
    fn a_member_that_does_not_rejoin_is_dropped_at_the_rebalance_timeout() {
        let (mut b, a, c, now) = stable_group();
        // The leader rejoining always rebalances the group.
        let effects = request(&mut b, now + 1, 1, 6, join_request(&a, 1, None));
        assert!(rebalance_started(&effects));
        let beat = GroupRequest::Heartbeat {
            member_id: c.clone(),
            instance_id: None,
            generation: 1,
        };
        let effects = request(&mut b, now + 30_000, 2, 7, beat);
        assert!(matches!(
            &responses(&effects)[..],
            [(
                _,
                _,
                GroupResponse::Heartbeat(Err(KafkaError::RebalanceInProgress))
            )]
        ));
        assert!(responses(&timer(&mut b, now + REBALANCE_MS)).is_empty());
        let effects = timer(&mut b, now + 1 + REBALANCE_MS);
        let result = joined(&effects, 1);
        assert_eq!(result.generation, 2);
        assert_eq!(result.members.len(), 1);
        assert!(!b.coordinator.groups[&G].members.contains_key(&c));
    }

    // A follower that rejoins a Stable group with the same metadata gets the current
    // generation back, with no rebalance (classicGroupJoinExistingMember).
    #[test]
    fn an_unchanged_follower_rejoining_a_stable_group_does_not_rebalance() {
        let (mut b, _, c, now) = stable_group();
        let effects = request(&mut b, now + 1, 2, 8, join_request(&c, 2, None));
        assert!(!rebalance_started(&effects));
        assert_eq!(joined(&effects, 2).generation, 1);
        assert_eq!(b.coordinator.groups[&G].state, GroupState::Stable);
    }

    // KIP-345: a static member that restarts (no member id) in a Stable group takes its old
    // place under a new id, with its old assignment and no rebalance, once the new id is
    // stored; its old id is fenced.
    #[test]
    fn a_returning_static_member_keeps_its_assignment_without_a_rebalance() {
        let mut b = broker(1, 1, &[1], &[1], 0);
        request(&mut b, 0, 1, 1, join_request("", 1, Some("s1")));
        let effects = timer(&mut b, 0);
        let old = joined(&effects, 1).member_id;
        assert!(
            old.starts_with("s1-"),
            "a static member's id starts with its instance id"
        );
        let mut plan = BTreeMap::new();
        plan.insert(old.clone(), vec![ORDERS_0]);
        sync(&mut b, 1, 1, &old, 1, Some(plan));
        assert_eq!(b.coordinator.groups[&G].state, GroupState::Stable);

        let effects = request(&mut b, 10_000, 1, 9, join_request("", 1, Some("s1")));
        assert!(!rebalance_started(&effects));
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Trace(TraceEvent::Append { .. }))),
            "the new member id is stored first"
        );
        let result = joined(&effects, 1);
        assert_ne!(result.member_id, old);
        assert_eq!(result.generation, 1);
        assert!(
            result.skip_assignment,
            "the returning leader must not assign again"
        );
        let effects = sync(&mut b, 10_001, 1, &result.member_id, 1, None);
        assert!(matches!(
            &responses(&effects)[..],
            [(_, _, GroupResponse::Sync(Ok(parts)))] if parts == &vec![ORDERS_0]
        ));
        // The old id, still claiming the instance, is fenced.
        let effects = request(&mut b, 10_002, 1, 10, join_request(&old, 1, Some("s1")));
        assert!(matches!(
            &responses(&effects)[..],
            [(_, _, GroupResponse::Join(Err(KafkaError::FencedInstanceId)))]
        ));
    }

    // validateOffsetCommit: a stale generation gets ILLEGAL_GENERATION, an unknown member
    // UNKNOWN_MEMBER_ID, and a simple consumer (generation -1) may not commit into a group
    // that has members; a current member's commit is accepted.
    #[test]
    fn offset_commit_validation() {
        let (mut b, a, _, now) = stable_group();
        let result = commit_result(&commit(&mut b, now, 1, &a, 0));
        assert!(matches!(result, Some(Err(KafkaError::IllegalGeneration))));
        let result = commit_result(&commit(&mut b, now, 3, "consumer-g1-3-unknown", 1));
        assert!(matches!(result, Some(Err(KafkaError::UnknownMemberId))));
        let result = commit_result(&commit(&mut b, now, 3, "", -1));
        assert!(matches!(result, Some(Err(KafkaError::UnknownMemberId))));
        let result = commit_result(&commit(&mut b, now, 1, &a, 1));
        assert!(matches!(result, Some(Ok(_))));
    }

    // A commit is appended to __consumer_offsets and answered only once the high watermark
    // passes it, as an acks=all write.
    #[test]
    fn a_commit_is_answered_once_the_high_watermark_passes_it() {
        let mut b = broker(1, 1, &[1, 2, 3], &[1, 2, 3], 3_000);
        let effects = commit(&mut b, 0, 1, "", -1);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Trace(TraceEvent::Append { .. })))
        );
        assert!(
            commit_result(&effects).is_none(),
            "the followers have not fetched it"
        );
        let fetch = |follower: u32| {
            Message::Fetch(FetchRequest {
                correlation: 1,
                replica: Some(BrokerId(follower)),
                broker_epoch: Some(0),
                partitions: vec![FetchPartition {
                    partition: OFFSETS,
                    fetch_offset: Offset(1),
                    last_fetched_epoch: Some(LeaderEpoch(0)),
                    current_leader_epoch: LeaderEpoch(0),
                }],
                max_wait: SimTime::ZERO,
                max_bytes: 1 << 20,
            })
        };
        let effects = deliver(&mut b, 1, NodeId::Broker(BrokerId(2)), fetch(2));
        assert!(commit_result(&effects).is_none(), "broker 3 still lacks it");
        let effects = deliver(&mut b, 2, NodeId::Broker(BrokerId(3)), fetch(3));
        assert!(matches!(commit_result(&effects), Some(Ok(_))));
        assert_eq!(b.coordinator.groups[&G].offsets[&ORDERS_0], Offset(5));
    }

    // A broker that becomes leader of the group's __consumer_offsets partition loads the
    // committed offsets and the last stored generation from its own log.
    #[test]
    fn a_new_coordinator_loads_offsets_and_the_generation_from_its_log() {
        let (mut old, a, c, now) = stable_group();
        assert!(matches!(
            commit_result(&commit(&mut old, now, 1, &a, 1)),
            Some(Ok(_))
        ));
        let mut new = broker(2, 1, &[1, 2], &[1], 3_000);
        new.replicas.get_mut(&OFFSETS).expect("a replica").log = old.replicas[&OFFSETS].log.clone();
        assert!(new.coordinator.groups.is_empty());
        let effects = deliver(
            &mut new,
            now + 1,
            NodeId::Controller,
            Message::MetadataUpdate(Arc::new(image(2, 2, 1, &[2, 1], &[2]))),
        );
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Trace(TraceEvent::GroupLoaded { .. })))
        );
        let g = &new.coordinator.groups[&G];
        assert_eq!((g.generation, g.state), (1, GroupState::Stable));
        assert_eq!(g.leader.as_deref(), Some(a.as_str()));
        assert!(g.members.contains_key(&a) && g.members.contains_key(&c));
        assert_eq!(g.members[&a].stored.assignment, vec![ORDERS_0]);
        assert_eq!(g.offsets[&ORDERS_0], Offset(5));
    }
}
