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

use crate::assignor::Strategy;
use crate::broker::Broker;
use crate::ids::{BrokerId, GroupId, NodeId, Offset, RecordId, TopicId, TopicPartition};
use crate::log::{BATCH_HEADER_BYTES, StoredBatch};
use crate::message::{KafkaError, Message};
use crate::partitioner::coordinator_partition;
use crate::time::SimTime;
use crate::trace::TraceEvent;
use crate::world::{Ctx, Timer};

/// How long a commit or a new generation may wait for `__consumer_offsets` to replicate
/// (`offsets.commit.timeout.ms`).
const OFFSETS_COMMIT_TIMEOUT: SimTime = SimTime::from_millis(5_000);

/// What a consumer asks of the group coordinator.
#[derive(Clone, Debug)]
pub enum GroupRequest {
    /// Any broker answers: who coordinates this group?
    FindCoordinator,
    Join(Box<JoinRequest>),
    Sync {
        member_id: String,
        generation: i32,
        /// From the leader: every member's partitions. Followers send `None`.
        assignments: Option<BTreeMap<String, Vec<TopicPartition>>>,
    },
    Heartbeat {
        member_id: String,
        generation: i32,
    },
    Leave {
        member_id: String,
        reason: String,
    },
    OffsetCommit {
        member_id: String,
        /// -1 for a consumer outside group management (`assign`).
        generation: i32,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    OffsetFetch {
        partitions: Vec<TopicPartition>,
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
    pub reason: String,
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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinedMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub topics: Vec<TopicId>,
    pub owned: Vec<TopicPartition>,
    pub owned_generation: i32,
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
    /// When a rebalance stops waiting for members to rejoin.
    rebalance_deadline: Option<SimTime>,
    /// `group.initial.rebalance.delay.ms`: an empty group's first rebalance waits for more
    /// members until then.
    initial_delay_until: Option<SimTime>,
    why: String,
}

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
        initial_delay_until: None,
        why: String::new(),
    }
}

/// A member id as Kafka makes one: the client id and a UUID. Ours is a hash of the broker,
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
                generation,
                assignments,
            } => self.on_sync(
                ctx,
                from,
                correlation,
                group,
                member_id,
                generation,
                assignments,
            ),
            GroupRequest::Heartbeat {
                member_id,
                generation,
            } => {
                let result = self.on_heartbeat(ctx, group, &member_id, generation);
                respond(ctx, GroupResponse::Heartbeat(result));
            }
            GroupRequest::Leave { member_id, reason } => {
                self.remove_member(ctx, group, &member_id, reason);
                respond(ctx, GroupResponse::Leave);
            }
            GroupRequest::OffsetCommit {
                member_id,
                generation,
                offsets,
            } => self.on_offset_commit(
                ctx,
                from,
                correlation,
                group,
                &member_id,
                generation,
                offsets,
            ),
            GroupRequest::OffsetFetch { partitions } => {
                let g = self
                    .coordinator
                    .groups
                    .entry(group)
                    .or_insert_with(new_group);
                let found = partitions
                    .iter()
                    .filter_map(|tp| g.offsets.get(tp).map(|o| (*tp, *o)))
                    .collect();
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
        let initial_delay = self.coordinator.initial_delay;
        let g = self
            .coordinator
            .groups
            .entry(group)
            .or_insert_with(new_group);
        if !g.members.is_empty() {
            let common = g.members.values().next().is_some_and(|m| {
                m.stored
                    .protocols
                    .iter()
                    .any(|s| join.protocols.contains(s))
            });
            if !common {
                respond(
                    ctx,
                    GroupResponse::Join(Err(KafkaError::InconsistentGroupProtocol)),
                );
                return;
            }
        }
        // A static member rejoining (KIP-345): it takes its old place under a new id.
        let static_old = join.instance_id.as_ref().and_then(|instance| {
            g.members
                .iter()
                .find(|(_, m)| m.stored.instance_id.as_ref() == Some(instance))
                .map(|(id, _)| id.clone())
        });
        let mut member_id = join.member_id.clone();
        if member_id.is_empty() {
            member_id = member_id_for(&join.client_id, me, counter);
            if join.instance_id.is_none() {
                // KIP-394: a new dynamic member first gets its id, then joins with it.
                g.pending_ids
                    .insert(member_id.clone(), ctx.now + join.session_timeout);
                respond(ctx, GroupResponse::MemberIdRequired(member_id));
                return;
            }
        } else if !g.members.contains_key(&member_id)
            && g.pending_ids.remove(&member_id).is_none()
            && static_old.is_none()
        {
            respond(ctx, GroupResponse::Join(Err(KafkaError::UnknownMemberId)));
            return;
        }
        let deadline = ctx.now + join.session_timeout;
        if let Some(old) = static_old.filter(|old| *old != member_id) {
            let mut member = g.members.remove(&old).expect("found above");
            member.stored.member_id = member_id.clone();
            member.client = from;
            member.deadline = deadline;
            if let Some(stale) = member.awaiting_join.take() {
                ctx.send(
                    member.client,
                    Message::GroupResponse {
                        correlation: stale,
                        group,
                        response: GroupResponse::Join(Err(KafkaError::FencedInstanceId)),
                    },
                );
            }
            if g.leader.as_deref() == Some(old.as_str()) {
                g.leader = Some(member_id.clone());
            }
            let same =
                member.stored.protocols == join.protocols && member.stored.topics == join.topics;
            g.members.insert(member_id.clone(), member);
            ctx.trace(TraceEvent::GroupMember {
                group: name.clone(),
                member: member_id.clone(),
                what: format!(
                    "static member {} is back as {member_id} within its session; no rebalance",
                    join.instance_id.as_deref().unwrap_or_default()
                ),
            });
            if g.state == GroupState::Stable && same {
                let m = &g.members[&member_id];
                let result = JoinResult {
                    generation: g.generation,
                    protocol: g.protocol.expect("a stable group has a protocol"),
                    leader: g.leader.clone().unwrap_or_default(),
                    member_id: member_id.clone(),
                    members: Vec::new(),
                };
                let _ = m;
                respond(ctx, GroupResponse::Join(Ok(result)));
                self.schedule_group_timer(ctx, group);
                return;
            }
        }
        let new_member = !g.members.contains_key(&member_id);
        let member = g
            .members
            .entry(member_id.clone())
            .or_insert_with(|| Member {
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
                deadline,
            });
        member.client = from;
        member.stored.protocols = join.protocols.clone();
        member.stored.topics = join.topics.clone();
        member.stored.session_timeout = join.session_timeout;
        member.stored.rebalance_timeout = join.rebalance_timeout;
        member.owned = join.owned.clone();
        member.owned_generation = join.owned_generation;
        member.awaiting_join = Some(correlation);
        member.deadline = deadline;
        if new_member {
            ctx.trace(TraceEvent::GroupMember {
                group: name.clone(),
                member: member_id.clone(),
                what: format!("joins ({})", join.reason),
            });
        }
        match g.state {
            GroupState::Empty => {
                // The first member: wait group.initial.rebalance.delay.ms for others.
                g.state = GroupState::PreparingRebalance;
                g.why = format!("{member_id} joined an empty group");
                g.initial_delay_until = Some(ctx.now + initial_delay.min(join.rebalance_timeout));
                g.rebalance_deadline = Some(ctx.now + join.rebalance_timeout);
                ctx.trace(TraceEvent::RebalanceStarted {
                    group: name.clone(),
                    generation: g.generation,
                    why: format!(
                        "{member_id} joined an empty group; waiting group.initial.rebalance.delay.ms={} for more members",
                        initial_delay.as_millis()
                    ),
                });
            }
            GroupState::PreparingRebalance => {
                if new_member && let Some(until) = g.initial_delay_until {
                    // Each new member during the initial delay extends it, up to the
                    // rebalance timeout.
                    let limit = g.rebalance_deadline.unwrap_or(until);
                    g.initial_delay_until = Some((ctx.now + initial_delay).min(limit).max(until));
                }
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                let why = if new_member {
                    format!("{member_id} joined ({})", join.reason)
                } else {
                    format!("{member_id} rejoined ({})", join.reason)
                };
                prepare_rebalance(ctx, group, &name, g, why);
            }
        }
        self.maybe_complete_join(ctx, group);
        self.schedule_group_timer(ctx, group);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_sync(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        member_id: String,
        generation: i32,
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
        let g = self
            .coordinator
            .groups
            .entry(group)
            .or_insert_with(new_group);
        let Some(member) = g.members.get_mut(&member_id) else {
            respond(ctx, Err(KafkaError::UnknownMemberId));
            return;
        };
        if generation != g.generation {
            respond(ctx, Err(KafkaError::IllegalGeneration));
            return;
        }
        member.deadline = ctx.now + member.stored.session_timeout;
        match g.state {
            GroupState::Empty | GroupState::PreparingRebalance => {
                respond(ctx, Err(KafkaError::RebalanceInProgress));
            }
            GroupState::Stable => {
                respond(ctx, Ok(member.stored.assignment.clone()));
            }
            GroupState::CompletingRebalance => {
                member.awaiting_sync = Some(correlation);
                member.client = from;
                let is_leader = g.leader.as_deref() == Some(member_id.as_str());
                if let (true, Some(assignments)) = (is_leader, assignments) {
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

    fn on_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        member_id: &str,
        generation: i32,
    ) -> Result<(), KafkaError> {
        let g = self
            .coordinator
            .groups
            .entry(group)
            .or_insert_with(new_group);
        let Some(member) = g.members.get_mut(member_id) else {
            return Err(KafkaError::UnknownMemberId);
        };
        if generation != g.generation {
            return Err(KafkaError::IllegalGeneration);
        }
        member.deadline = ctx.now + member.stored.session_timeout;
        self.schedule_group_timer(ctx, group);
        let g = &self.coordinator.groups[&group];
        match g.state {
            GroupState::PreparingRebalance => Err(KafkaError::RebalanceInProgress),
            _ => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_offset_commit(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        member_id: &str,
        generation: i32,
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
        let g = self
            .coordinator
            .groups
            .entry(group)
            .or_insert_with(new_group);
        // Kafka's `validateOffsetCommit`: a consumer outside group management (generation
        // -1) may commit only to a group without members; a member must be current.
        let check = if generation < 0 && member_id.is_empty() {
            if g.members.is_empty() {
                Ok(())
            } else {
                Err(KafkaError::UnknownMemberId)
            }
        } else if !g.members.contains_key(member_id) {
            Err(KafkaError::UnknownMemberId)
        } else if generation != g.generation {
            Err(KafkaError::IllegalGeneration)
        } else if g.state == GroupState::CompletingRebalance {
            Err(KafkaError::RebalanceInProgress)
        } else {
            Ok(())
        };
        if let Err(error) = check {
            respond(ctx, Err(error));
            return;
        }
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
            base_offset: base,
            leader_epoch: replica.leader_epoch,
            records: Arc::new((0..count).map(RecordId::group_record).collect()),
            bytes: BATCH_HEADER_BYTES + 60 * count,
            producer: None,
            append_time: ctx.now,
            group_records: Some(Arc::new(records)),
        };
        replica.log.append(Arc::new(stored));
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
        ctx.timer_after(OFFSETS_COMMIT_TIMEOUT, Timer::Group(group));
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
                let result = result.map_err(|e| match e {
                    KafkaError::RequestTimedOut => KafkaError::RequestTimedOut,
                    _ => KafkaError::NotCoordinator,
                });
                ctx.send(
                    to,
                    Message::GroupResponse {
                        correlation,
                        group,
                        response: GroupResponse::OffsetCommit(result),
                    },
                );
            }
            AfterWrite::Generation { group, generation } => {
                let Some(g) = self.coordinator.groups.get_mut(&group) else {
                    return;
                };
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
            }
        }
    }

    fn fail_syncs(&mut self, ctx: &mut Ctx, group: GroupId, error: KafkaError) {
        let name = self.coordinator.name(group).to_string();
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
        prepare_rebalance(
            ctx,
            group,
            &name,
            g,
            format!("storing the generation failed with {error}"),
        );
    }

    /// A member leaves (LeaveGroup) or is expired: the group rebalances without it.
    fn remove_member(&mut self, ctx: &mut Ctx, group: GroupId, member_id: &str, why: String) {
        let name = self.coordinator.name(group).to_string();
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        if g.pending_ids.remove(member_id).is_some() {
            return;
        }
        let Some(member) = g.members.remove(member_id) else {
            return;
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
            group: name.clone(),
            member: member_id.to_string(),
            what: format!("removed: {why}"),
        });
        if g.leader.as_deref() == Some(member_id) {
            g.leader = None;
        }
        match g.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                prepare_rebalance(ctx, group, &name, g, format!("{member_id} left: {why}"));
            }
            GroupState::PreparingRebalance | GroupState::Empty => {}
        }
        self.maybe_complete_join(ctx, group);
        self.schedule_group_timer(ctx, group);
    }

    /// The join phase ends once every member has rejoined (after the initial delay, for a
    /// group that was empty), or at the rebalance deadline without the laggards.
    fn maybe_complete_join(&mut self, ctx: &mut Ctx, group: GroupId) {
        let name = self.coordinator.name(group).to_string();
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        if g.state != GroupState::PreparingRebalance {
            return;
        }
        let all_joined = g.members.values().all(|m| m.awaiting_join.is_some());
        let deadline_passed = g.rebalance_deadline.is_some_and(|d| d <= ctx.now);
        if let Some(until) = g.initial_delay_until {
            if until > ctx.now && !deadline_passed {
                return;
            }
        } else if !all_joined && !deadline_passed {
            return;
        }
        if deadline_passed || !all_joined {
            let laggards: Vec<String> = g
                .members
                .iter()
                .filter(|(_, m)| m.awaiting_join.is_none())
                .map(|(id, _)| id.clone())
                .collect();
            for id in laggards {
                g.members.remove(&id);
                ctx.trace(TraceEvent::GroupMember {
                    group: name.clone(),
                    member: id.clone(),
                    what: "removed: did not rejoin within the rebalance timeout (max.poll.interval.ms)"
                        .into(),
                });
                if g.leader.as_deref() == Some(id.as_str()) {
                    g.leader = None;
                }
            }
        }
        g.initial_delay_until = None;
        g.rebalance_deadline = None;
        g.generation += 1;
        if g.members.is_empty() {
            g.state = GroupState::Empty;
            g.protocol = None;
            g.leader = None;
            ctx.trace(TraceEvent::GroupEmpty {
                group: name,
                generation: g.generation,
            });
            return;
        }
        g.protocol = select_protocol(&g.members);
        if g.leader.as_ref().is_none_or(|l| !g.members.contains_key(l)) {
            g.leader = g.members.keys().next().cloned();
        }
        g.state = GroupState::CompletingRebalance;
        let leader = g.leader.clone().expect("chosen above");
        let protocol = g.protocol.expect("members share a protocol");
        let members: Vec<JoinedMember> = g
            .members
            .values()
            .map(|m| JoinedMember {
                member_id: m.stored.member_id.clone(),
                instance_id: m.stored.instance_id.clone(),
                topics: m.stored.topics.clone(),
                owned: m.owned.clone(),
                owned_generation: m.owned_generation,
            })
            .collect();
        ctx.trace(TraceEvent::JoinCompleted {
            group: name,
            generation: g.generation,
            protocol: protocol.protocol_name().to_string(),
            leader: leader.clone(),
            members: members.iter().map(|m| m.member_id.clone()).collect(),
        });
        let generation = g.generation;
        for m in g.members.values_mut() {
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
                };
                m.deadline = ctx.now + m.stored.session_timeout;
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
    }

    /// The group's timer: expired sessions, the initial delay, the rebalance deadline.
    pub(crate) fn on_group_timer(&mut self, ctx: &mut Ctx, group: GroupId) {
        let now = ctx.now;
        if let Some(tp) = self.coordinator.partition_of(group) {
            self.complete_group_writes(ctx, tp);
        }
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        g.pending_ids.retain(|_, expires| *expires > now);
        let expired: Vec<(String, SimTime)> = g
            .members
            .iter()
            .filter(|(_, m)| m.deadline <= now && m.awaiting_join.is_none())
            .map(|(id, m)| (id.clone(), m.stored.session_timeout))
            .collect();
        for (id, timeout) in expired {
            let why = format!(
                "no heartbeat within session.timeout.ms={}",
                timeout.as_millis()
            );
            self.remove_member(ctx, group, &id, why);
        }
        self.maybe_complete_join(ctx, group);
        self.schedule_group_timer(ctx, group);
    }

    fn schedule_group_timer(&mut self, ctx: &mut Ctx, group: GroupId) {
        let Some(g) = self.coordinator.groups.get(&group) else {
            return;
        };
        let next = g
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none())
            .map(|m| m.deadline)
            .chain(g.initial_delay_until)
            .chain(g.rebalance_deadline)
            .filter(|t| *t > ctx.now)
            .min();
        if let Some(at) = next {
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
        self.complete_group_writes(ctx, tp);
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
                for c in [m.awaiting_join, m.awaiting_sync].into_iter().flatten() {
                    ctx.send(
                        m.client,
                        Message::GroupResponse {
                            correlation: c,
                            group,
                            response: GroupResponse::Join(Err(KafkaError::NotCoordinator)),
                        },
                    );
                }
            }
        }
    }
}

fn member_id_for(client_id: &str, broker: BrokerId, counter: u64) -> String {
    member_id(client_id, broker, counter)
}

/// Stable or completing → preparing: members hear REBALANCE_IN_PROGRESS on their next
/// heartbeat and rejoin; the rebalance waits for them up to the longest rebalance timeout.
fn prepare_rebalance(ctx: &mut Ctx, group: GroupId, name: &str, g: &mut Group, why: String) {
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
    let timeout = g
        .members
        .values()
        .map(|m| m.stored.rebalance_timeout)
        .max()
        .unwrap_or(SimTime::ZERO);
    g.state = GroupState::PreparingRebalance;
    g.rebalance_deadline = Some(ctx.now + timeout);
    g.why = why.clone();
    ctx.trace(TraceEvent::RebalanceStarted {
        group: name.to_string(),
        generation: g.generation,
        why,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
