//! The consumer-group partition assignors of `partition.assignment.strategy`: how the group
//! leader splits the partitions of the subscribed topics among the members it got in its
//! JoinGroup response (reference R9). Pure functions over names, used by the group
//! coordinator's simulation and by the `ksim assign` calculator.
//!
//! - **Range** (R9.2): topic by topic, each subscriber takes a consecutive run of partitions.
//!   Simple, and co-partitions topics with the same partition count, but the first members of
//!   every topic get the extras, so a group over many topics ends up lopsided.
//! - **RoundRobin** (R9.3): every partition of every subscribed topic, dealt one by one.
//! - **Sticky** (KIP-54): balanced first, then keep as many previous owners as possible; still
//!   the EAGER protocol, so every member revokes everything before it rejoins.
//! - **CooperativeSticky** (KIP-429): the same plan, but a partition that changes owner is left
//!   out of this round's assignment. Its old owner revokes it, rejoins, and the follow-up
//!   rebalance hands it to the new owner, so no partition is ever owned by two members and
//!   nobody else has to stop consuming.
//!
//! Range and RoundRobin order the members as Kafka's `AbstractPartitionAssignor.MemberInfo`
//! does (R9.1, see [`member_order`]). Kafka compares strings by UTF-16 code units
//! (`String.compareTo`), and so does this module, which only differs from Rust's byte order for
//! characters outside the Basic Multilingual Plane.
//!
//! The sticky assignors follow `AbstractStickyAssignor` (its constrained path when every member
//! subscribes to the same topics, its general path otherwise). Where Kafka iterates a
//! `HashMap` (the order then depends on the member ids' hash codes), this module walks the
//! members in member-id order, so the same input always gives the same plan; on inputs where
//! that order matters the plan can be the mirror image of the one a real group leader computes.
//! Racks (KIP-881) are not modelled.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub use crate::kafka::message::group::Strategy;

/// A member as the group leader sees it in the JoinGroup response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub member_id: String,
    /// group.instance.id for static members (KIP-345).
    pub instance_id: Option<String>,
    /// Subscribed topic names.
    pub topics: Vec<String>,
    /// Partitions this member owned in the previous generation (sticky assignors use them), as (topic, partition).
    pub owned: Vec<(String, u32)>,
    /// The generation the `owned` partitions are from (-1 if none), as the sticky assignors' user data carries.
    pub generation: i32,
}

/// The generation a member reports when it has none (`AbstractStickyAssignor.DEFAULT_GENERATION`).
pub const DEFAULT_GENERATION: i32 = -1;

/// Assigns `partitions` (topic name -> partition count) to members. Returns every member id (even those
/// that get nothing) mapped to its partitions sorted by (topic, partition). Topics nobody subscribes
/// to, or missing from `partitions`, are ignored. For CooperativeSticky the result already excludes
/// partitions that change owner (they are revoked this round and assigned in the follow-up rebalance,
/// as Kafka's CooperativeStickyAssignor.adjustAssignment does).
///
/// Member ids are unique within a group (the coordinator hands them out); two members with the
/// same id are a bug in the caller and panic.
pub fn assign(
    strategy: Strategy,
    members: &[Member],
    partitions: &BTreeMap<String, u32>,
) -> BTreeMap<String, Vec<(String, u32)>> {
    let mut ids = BTreeSet::new();
    for member in members {
        assert!(
            ids.insert(member.member_id.as_str()),
            "member id {} appears twice in one group",
            member.member_id
        );
    }
    let mut assignment = match strategy {
        Strategy::Range => assign_range(members, partitions),
        Strategy::RoundRobin => assign_round_robin(members, partitions),
        Strategy::Sticky => assign_sticky(members, partitions, false),
        Strategy::CooperativeSticky => assign_sticky(members, partitions, true),
    };
    for owned in assignment.values_mut() {
        owned.sort();
    }
    assignment
}

/// Compares two strings as Java's `String.compareTo` does: by UTF-16 code units. Kafka sorts
/// member ids, instance ids and topic names this way; it is plain string order, so "c10" sorts
/// before "c2".
pub fn java_string_order(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The order Range and RoundRobin deal partitions in (R9.1, Kafka's
/// `AbstractPartitionAssignor.MemberInfo.compareTo`): static members (with a group.instance.id)
/// first, by instance id, then dynamic members by member id.
///
/// Why: a dynamic member gets a new member id each time it rejoins, so its place in the order,
/// and with it its partitions, can change at every rebalance. A static member keeps its
/// instance id across restarts, so it keeps its place and its partitions (KIP-345).
pub fn member_order(members: &[Member]) -> Vec<&Member> {
    let mut ordered: Vec<&Member> = members.iter().collect();
    ordered.sort_by(|a, b| match (&a.instance_id, &b.instance_id) {
        (Some(x), Some(y)) => {
            java_string_order(x, y).then_with(|| java_string_order(&a.member_id, &b.member_id))
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => java_string_order(&a.member_id, &b.member_id),
    });
    ordered
}

fn subscribes(member: &Member, topic: &str) -> bool {
    member.topics.iter().any(|t| t == topic)
}

fn empty_assignment(members: &[Member]) -> BTreeMap<String, Vec<(String, u32)>> {
    members
        .iter()
        .map(|member| (member.member_id.clone(), Vec::new()))
        .collect()
}

/// Range (R9.2, Kafka's `RangeAssignor`): topic by topic, over the topic's subscribers in
/// member order, with P partitions and C subscribers: the first P mod C subscribers take
/// P div C + 1 consecutive partitions, the others P div C.
fn assign_range(
    members: &[Member],
    partitions: &BTreeMap<String, u32>,
) -> BTreeMap<String, Vec<(String, u32)>> {
    let ordered = member_order(members);
    let mut assignment = empty_assignment(members);
    for (topic, &count) in partitions {
        let subscribers: Vec<&Member> = ordered
            .iter()
            .copied()
            .filter(|member| subscribes(member, topic))
            .collect();
        if subscribers.is_empty() || count == 0 {
            continue;
        }
        let consumers = subscribers.len() as u32;
        let (per_consumer, with_extra) = (count / consumers, count % consumers);
        let mut next = 0;
        for (index, member) in subscribers.iter().enumerate() {
            let take = per_consumer + u32::from((index as u32) < with_extra);
            let owned = assignment
                .get_mut(&member.member_id)
                .expect("every member has an entry");
            owned.extend((next..next + take).map(|partition| (topic.clone(), partition)));
            next += take;
        }
    }
    assignment
}

/// RoundRobin (R9.3, Kafka's `RoundRobinAssignor`): the partitions of every subscribed topic,
/// sorted by topic then number, dealt to the members in member order; a member not subscribed
/// to a partition's topic is skipped, and the deal goes on after the member that took it.
fn assign_round_robin(
    members: &[Member],
    partitions: &BTreeMap<String, u32>,
) -> BTreeMap<String, Vec<(String, u32)>> {
    let ordered = member_order(members);
    let mut assignment = empty_assignment(members);
    let mut topics: Vec<&str> = members
        .iter()
        .flat_map(|member| member.topics.iter().map(String::as_str))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    topics.sort_by(|a, b| java_string_order(a, b));
    let mut next_member = 0;
    for topic in topics {
        let Some(&count) = partitions.get(topic) else {
            continue;
        };
        for partition in 0..count {
            // Some member subscribes to this topic (it came from a subscription), so the skip
            // ends within one turn of the circle.
            while !subscribes(ordered[next_member], topic) {
                next_member = (next_member + 1) % ordered.len();
            }
            let owned = assignment
                .get_mut(&ordered[next_member].member_id)
                .expect("every member has an entry");
            owned.push((topic.to_string(), partition));
            next_member = (next_member + 1) % ordered.len();
        }
    }
    assignment
}

/// A partition inside the sticky assignors: (topic index, partition number). Topic indices
/// follow the topics' name order, so comparing two of them compares (topic, partition).
type TopicPartition = (usize, u32);

/// What the sticky assignors work on, with members and topics as dense indices.
struct StickyGroup<'a> {
    /// The topics to assign: subscribed by someone and with partitions, in name order.
    topics: Vec<&'a str>,
    partition_counts: Vec<u32>,
    /// The members in member-id order (the sticky assignors ignore group.instance.id).
    members: Vec<&'a Member>,
    /// Each member's subscribed topics that have partitions, as topic indices.
    subscriptions: Vec<BTreeSet<usize>>,
    /// Each member's previous partitions that still count, after the claims of several
    /// members on one partition are settled by generation.
    owned: Vec<Vec<TopicPartition>>,
    /// Partitions claimed by two members of the same generation: nobody keeps them.
    claimed_by_several: BTreeSet<TopicPartition>,
    /// The highest generation any member reports.
    max_generation: i32,
}

impl<'a> StickyGroup<'a> {
    fn new(members: &'a [Member], partitions: &'a BTreeMap<String, u32>) -> StickyGroup<'a> {
        let mut ordered: Vec<&Member> = members.iter().collect();
        ordered.sort_by(|a, b| java_string_order(&a.member_id, &b.member_id));

        let subscribed: BTreeSet<&str> = ordered
            .iter()
            .flat_map(|member| member.topics.iter().map(String::as_str))
            .collect();
        let mut topics: Vec<&str> = subscribed
            .into_iter()
            .filter(|topic| partitions.get(*topic).is_some_and(|&count| count > 0))
            .collect();
        topics.sort_by(|a, b| java_string_order(a, b));
        let partition_counts = topics.iter().map(|topic| partitions[*topic]).collect();
        let subscriptions = ordered
            .iter()
            .map(|member| {
                topics
                    .iter()
                    .enumerate()
                    .filter(|(_, topic)| subscribes(member, topic))
                    .map(|(index, _)| index)
                    .collect()
            })
            .collect();

        let mut group = StickyGroup {
            topics,
            partition_counts,
            members: ordered,
            subscriptions,
            owned: Vec::new(),
            claimed_by_several: BTreeSet::new(),
            max_generation: DEFAULT_GENERATION,
        };
        group.settle_previous_owners();
        group
    }

    /// A (topic, partition) name as a partition of this group, if its topic is assigned and
    /// the partition exists.
    fn topic_partition(&self, topic: &str, partition: u32) -> Option<TopicPartition> {
        let index = self
            .topics
            .binary_search_by(|probe| java_string_order(probe, topic))
            .ok()?;
        (partition < self.partition_counts[index]).then_some((index, partition))
    }

    /// A member's previous partitions as this group's partitions, duplicates and partitions
    /// of topics no longer assigned left out.
    fn raw_owned(&self, member: usize) -> Vec<TopicPartition> {
        let mut seen = BTreeSet::new();
        self.members[member]
            .owned
            .iter()
            .filter_map(|(topic, partition)| self.topic_partition(topic, *partition))
            .filter(|tp| seen.insert(*tp))
            .collect()
    }

    /// Settles who may keep what, as `AbstractStickyAssignor.allSubscriptionsEqual` does: a
    /// partition claimed by two members goes to the one with the higher generation (the other
    /// has missed a rebalance and its claim is stale); claimed by two members of the same
    /// generation, it is invalid and nobody keeps it.
    fn settle_previous_owners(&mut self) {
        let mut owners: BTreeMap<TopicPartition, usize> = BTreeMap::new();
        let mut owned: Vec<Vec<TopicPartition>> = vec![Vec::new(); self.members.len()];
        for member in 0..self.members.len() {
            let generation = self.members[member].generation;
            self.max_generation = self.max_generation.max(generation);
            for tp in self.raw_owned(member) {
                match owners.get(&tp).copied() {
                    None => {
                        owned[member].push(tp);
                        owners.insert(tp, member);
                    }
                    Some(other) => {
                        let other_generation = self.members[other].generation;
                        if generation == other_generation {
                            self.claimed_by_several.insert(tp);
                            owned[other].retain(|&claimed| claimed != tp);
                            owners.insert(tp, member);
                        } else if generation > other_generation {
                            owned[member].push(tp);
                            owned[other].retain(|&claimed| claimed != tp);
                            owners.insert(tp, member);
                        }
                    }
                }
            }
        }
        self.owned = owned;
    }

    /// Whether every member subscribes to the same topics (then the constrained path applies).
    /// Kafka compares the raw subscriptions, topics without partitions included.
    fn all_subscriptions_equal(&self) -> bool {
        let sets: Vec<BTreeSet<&str>> = self
            .members
            .iter()
            .map(|member| member.topics.iter().map(String::as_str).collect())
            .collect();
        sets.windows(2).all(|pair| pair[0] == pair[1])
    }

    fn all_partitions(&self) -> Vec<TopicPartition> {
        (0..self.topics.len())
            .flat_map(|topic| (0..self.partition_counts[topic]).map(move |p| (topic, p)))
            .collect()
    }

    fn total_partitions(&self) -> usize {
        self.partition_counts
            .iter()
            .map(|&count| count as usize)
            .sum()
    }
}

/// Sticky and CooperativeSticky (Kafka's `AbstractStickyAssignor`, `StickyAssignor`,
/// `CooperativeStickyAssignor`).
fn assign_sticky(
    members: &[Member],
    partitions: &BTreeMap<String, u32>,
    cooperative: bool,
) -> BTreeMap<String, Vec<(String, u32)>> {
    let mut result = empty_assignment(members);
    if members.is_empty() {
        return result;
    }
    let group = StickyGroup::new(members, partitions);
    let (mut assignment, transferring) = if group.all_subscriptions_equal() {
        constrained_assignment(&group)
    } else {
        let assignment = general_assignment(&group);
        let transferring = partitions_transferring_ownership(&group, &assignment);
        (assignment, transferring)
    };
    if cooperative {
        // adjustAssignment: a partition moving to a new owner is revoked by its old owner this
        // round and assigned in the follow-up rebalance.
        for (tp, member) in &transferring {
            assignment[*member].remove(tp);
        }
    }
    for (member, owned) in assignment.iter().enumerate() {
        let entry = result
            .get_mut(&group.members[member].member_id)
            .expect("every member has an entry");
        entry.extend(
            owned
                .iter()
                .map(|&(topic, partition)| (group.topics[topic].to_string(), partition)),
        );
    }
    result
}

/// The constrained path (`ConstrainedAssignmentBuilder`), used when every member subscribes to
/// the same topics. With P partitions and C members, everyone gets minQuota = P div C or
/// maxQuota = ceil(P / C), and exactly P mod C members get maxQuota:
///
/// 1. each member keeps its previous partitions, up to maxQuota while maxQuota places remain,
///    else up to minQuota (it keeps the lowest partition numbers);
/// 2. the partitions left are dealt round-robin, in (topic, partition) order, first to the
///    members still under minQuota, then one more to members at minQuota until the maxQuota
///    places are taken.
///
/// Returns the assignment and the partitions that change owner (with their new owner), which
/// the cooperative assignor holds back for the follow-up rebalance.
fn constrained_assignment(
    group: &StickyGroup,
) -> (
    Vec<BTreeSet<TopicPartition>>,
    BTreeMap<TopicPartition, usize>,
) {
    let members = group.members.len();
    let total = group.total_partitions();
    let min_quota = total / members;
    let max_quota = total.div_ceil(members);
    let expected_over_min_quota = total % members;
    let mut current_over_min_quota = 0;

    let mut assignment: Vec<Vec<TopicPartition>> = vec![Vec::new(); members];
    let mut maybe_revoked: BTreeMap<TopicPartition, usize> = BTreeMap::new();
    let mut under_min_quota: Vec<usize> = Vec::new();
    let mut exactly_min_quota: VecDeque<usize> = VecDeque::new();
    let mut assigned: BTreeSet<TopicPartition> = BTreeSet::new();

    for (member, previous) in group.owned.iter().enumerate() {
        let mut owned: Vec<TopicPartition> = previous
            .iter()
            .copied()
            .filter(|tp| !group.claimed_by_several.contains(tp))
            .collect();
        owned.sort_by_key(|&(topic, partition)| (partition, topic));
        let keep = if owned.len() < min_quota {
            under_min_quota.push(member);
            owned.len()
        } else if owned.len() >= max_quota && current_over_min_quota < expected_over_min_quota {
            current_over_min_quota += 1;
            if current_over_min_quota == expected_over_min_quota {
                exactly_min_quota.clear();
            }
            max_quota
        } else {
            if current_over_min_quota < expected_over_min_quota {
                exactly_min_quota.push_back(member);
            }
            min_quota
        };
        for &tp in &owned[keep..] {
            maybe_revoked.insert(tp, member);
        }
        assignment[member].extend_from_slice(&owned[..keep]);
        assigned.extend(&owned[..keep]);
    }

    let unassigned: Vec<TopicPartition> = group
        .all_partitions()
        .into_iter()
        .filter(|tp| !assigned.contains(tp))
        .collect();
    under_min_quota.sort_unstable();
    exactly_min_quota.make_contiguous().sort_unstable();

    // The round-robin fill (`assignRoundRobin`). `cursor` walks `under_min_quota` the way
    // Kafka's iterator over that list does, removals included.
    let mut transferring = BTreeMap::new();
    let mut cursor = 0;
    for tp in unassigned {
        let from_under_min_quota;
        let member = if cursor < under_min_quota.len() {
            cursor += 1;
            from_under_min_quota = true;
            under_min_quota[cursor - 1]
        } else if !under_min_quota.is_empty() {
            cursor = 1;
            from_under_min_quota = true;
            under_min_quota[0]
        } else {
            from_under_min_quota = false;
            exactly_min_quota
                .pop_front()
                .expect("the quotas leave a place for every partition")
        };
        assignment[member].push(tp);
        let is_new_owner = maybe_revoked.get(&tp).is_some_and(|&owner| owner != member);
        if is_new_owner || group.claimed_by_several.contains(&tp) {
            transferring.insert(tp, member);
        }
        let count = assignment[member].len();
        if count == min_quota && from_under_min_quota {
            cursor -= 1;
            under_min_quota.remove(cursor);
            exactly_min_quota.push_back(member);
        } else if count == max_quota {
            current_over_min_quota += 1;
        }
    }
    for &member in &under_min_quota {
        assert!(
            current_over_min_quota == expected_over_min_quota
                && assignment[member].len() == min_quota,
            "the constrained assignment left member {} under minQuota",
            group.members[member].member_id
        );
    }

    let assignment = assignment
        .into_iter()
        .map(|owned| owned.into_iter().collect())
        .collect();
    (assignment, transferring)
}

/// Which partitions change owner, as `CooperativeStickyAssignor` computes it after the general
/// path: those newly assigned to a member while another member, which owned them, loses them.
fn partitions_transferring_ownership(
    group: &StickyGroup,
    assignment: &[BTreeSet<TopicPartition>],
) -> BTreeMap<TopicPartition, usize> {
    let mut added = BTreeMap::new();
    let mut revoked: BTreeSet<TopicPartition> = BTreeSet::new();
    for (member, assigned) in assignment.iter().enumerate() {
        let owned: BTreeSet<TopicPartition> = group.raw_owned(member).into_iter().collect();
        for &tp in assigned.difference(&owned) {
            added.insert(tp, member);
        }
        revoked.extend(owned.difference(assigned));
    }
    added.retain(|tp, _| revoked.contains(tp));
    added
}

/// The general path (`GeneralAssignmentBuilder`), used when members subscribe to different
/// topics: keep every previous partition still subscribed, give each unassigned partition to
/// the least loaded member that subscribes to its topic (topics with the fewest subscribers
/// first), then move partitions from members with at least two more than another subscriber
/// until the assignment is balanced, preferring moves back to a partition's previous owner.
fn general_assignment(group: &StickyGroup) -> Vec<BTreeSet<TopicPartition>> {
    GeneralAssignment::new(group).build()
}

/// The moves made while balancing, kept so that a partition moving back and forth between two
/// members is noticed and a partition that already made the opposite move is moved back
/// instead (`AbstractStickyAssignor.PartitionMovements`).
#[derive(Default)]
struct PartitionMovements {
    /// Each moved partition's first owner in this rebalance and its current owner.
    by_partition: BTreeMap<TopicPartition, (usize, usize)>,
    /// Per topic, the moved partitions by (source, destination).
    by_topic: BTreeMap<usize, BTreeMap<(usize, usize), BTreeSet<TopicPartition>>>,
}

impl PartitionMovements {
    fn remove_record(&mut self, tp: TopicPartition) -> (usize, usize) {
        let pair = self
            .by_partition
            .remove(&tp)
            .expect("the partition has a movement record");
        let topic_moves = self
            .by_topic
            .get_mut(&tp.0)
            .expect("a moved partition's topic has records");
        let moved = topic_moves.get_mut(&pair).expect("the pair has a record");
        moved.remove(&tp);
        if moved.is_empty() {
            topic_moves.remove(&pair);
        }
        if topic_moves.is_empty() {
            self.by_topic.remove(&tp.0);
        }
        pair
    }

    fn add_record(&mut self, tp: TopicPartition, pair: (usize, usize)) {
        self.by_partition.insert(tp, pair);
        self.by_topic
            .entry(tp.0)
            .or_default()
            .entry(pair)
            .or_default()
            .insert(tp);
    }

    fn move_partition(&mut self, tp: TopicPartition, old_owner: usize, new_owner: usize) {
        if self.by_partition.contains_key(&tp) {
            let (first_owner, current_owner) = self.remove_record(tp);
            debug_assert_eq!(current_owner, old_owner);
            if first_owner != new_owner {
                self.add_record(tp, (first_owner, new_owner));
            }
        } else {
            self.add_record(tp, (old_owner, new_owner));
        }
    }

    /// The partition to move from `old_owner` to `new_owner` in place of `tp`: if a partition
    /// of the same topic already moved the opposite way, move that one back instead, so two
    /// members do not swap partitions of one topic.
    fn partition_to_move(
        &self,
        tp: TopicPartition,
        old_owner: usize,
        new_owner: usize,
    ) -> TopicPartition {
        let Some(topic_moves) = self.by_topic.get(&tp.0) else {
            return tp;
        };
        let old_owner = match self.by_partition.get(&tp) {
            Some(&(first_owner, _)) => first_owner,
            None => old_owner,
        };
        match topic_moves.get(&(new_owner, old_owner)) {
            Some(moved) => *moved.first().expect("recorded sets are not empty"),
            None => tp,
        }
    }
}

struct GeneralAssignment<'g, 'a> {
    group: &'g StickyGroup<'a>,
    /// Per topic, the members subscribed to it, in member order.
    topic_subscribers: Vec<Vec<usize>>,
    current: Vec<BTreeSet<TopicPartition>>,
    owner: BTreeMap<TopicPartition, usize>,
    /// Members by (partition count, member): the least loaded first.
    by_load: BTreeSet<(usize, usize)>,
    /// Members that still take part in balancing (see `can_member_participate`).
    participating: Vec<bool>,
    /// For partitions whose owner reported an older generation than the newest: that
    /// previous owner and its generation (`prevAssignment`).
    previous_owner: BTreeMap<TopicPartition, (usize, i32)>,
    movements: PartitionMovements,
    revocation_required: bool,
}

impl<'g, 'a> GeneralAssignment<'g, 'a> {
    fn new(group: &'g StickyGroup<'a>) -> GeneralAssignment<'g, 'a> {
        let members = group.members.len();
        let mut topic_subscribers = vec![Vec::new(); group.topics.len()];
        for (member, topics) in group.subscriptions.iter().enumerate() {
            for &topic in topics {
                topic_subscribers[topic].push(member);
            }
        }
        GeneralAssignment {
            group,
            topic_subscribers,
            current: vec![BTreeSet::new(); members],
            owner: BTreeMap::new(),
            by_load: BTreeSet::new(),
            participating: vec![true; members],
            previous_owner: BTreeMap::new(),
            movements: PartitionMovements::default(),
            revocation_required: false,
        }
    }

    fn build(mut self) -> Vec<BTreeSet<TopicPartition>> {
        let group = self.group;
        // Partitions sorted by how many members may take them (fewest first), then by topic
        // name and number: the hardest to place go first.
        let mut topics_by_subscribers: Vec<usize> = (0..group.topics.len()).collect();
        topics_by_subscribers.sort_by_key(|&topic| (self.topic_subscribers[topic].len(), topic));
        let mut sorted_partitions: Vec<TopicPartition> = topics_by_subscribers
            .iter()
            .flat_map(|&topic| (0..group.partition_counts[topic]).map(move |p| (topic, p)))
            .collect();

        self.remember_previous_generations();
        let assigned = self.keep_owned_partitions();
        let mut unassigned: Vec<TopicPartition> = sorted_partitions
            .iter()
            .copied()
            .filter(|tp| !assigned.contains(tp))
            .collect();
        for member in 0..group.members.len() {
            self.by_load.insert((self.current[member].len(), member));
        }

        let initializing = self.by_load.last().is_none_or(|&(count, _)| count == 0);
        for &tp in &unassigned {
            if !self.topic_subscribers[tp.0].is_empty() {
                self.assign_to_least_loaded(tp);
            }
        }

        // Partitions of a topic with a single subscriber cannot move; neither can a member
        // that has every partition it may have, none of them movable.
        let movable = |tp: &TopicPartition| self.topic_subscribers[tp.0].len() >= 2;
        sorted_partitions.retain(movable);
        unassigned.retain(movable);
        for member in 0..group.members.len() {
            if !self.can_member_participate(member) {
                self.by_load.remove(&(self.current[member].len(), member));
                self.participating[member] = false;
            }
        }

        let before_balancing = (self.current.clone(), self.owner.clone());
        if !self.revocation_required {
            self.perform_reassignments(&unassigned);
        }
        let reassigned = self.perform_reassignments(&sorted_partitions);
        // Moving partitions that were already owned is only worth it if it balances better.
        if !initializing
            && reassigned
            && self.balance_score(&self.current) >= self.balance_score(&before_balancing.0)
        {
            (self.current, self.owner) = before_balancing;
        }
        self.current
    }

    /// `prepopulateCurrentAssignments`: members reporting an older generation than the newest
    /// one tell where their partitions were before; the newest such claim wins.
    fn remember_previous_generations(&mut self) {
        let group = self.group;
        for member in 0..group.members.len() {
            let generation = group.members[member].generation;
            if generation >= group.max_generation {
                continue;
            }
            for tp in group.raw_owned(member) {
                let newer = self
                    .previous_owner
                    .get(&tp)
                    .is_none_or(|&(_, known)| generation > known);
                if newer {
                    self.previous_owner.insert(tp, (member, generation));
                }
            }
        }
    }

    /// `assignOwnedPartitions`: every member keeps the previous partitions of topics it still
    /// subscribes to. Returns the partitions kept.
    fn keep_owned_partitions(&mut self) -> BTreeSet<TopicPartition> {
        let group = self.group;
        let mut kept = BTreeSet::new();
        for member in 0..group.members.len() {
            for &tp in &group.owned[member] {
                if group.subscriptions[member].contains(&tp.0) {
                    self.current[member].insert(tp);
                    self.owner.insert(tp, member);
                    kept.insert(tp);
                } else {
                    self.revocation_required = true;
                }
            }
        }
        kept
    }

    fn subscribes(&self, member: usize, topic: usize) -> bool {
        self.group.subscriptions[member].contains(&topic)
    }

    fn max_assignment_size(&self, member: usize) -> usize {
        self.group.subscriptions[member]
            .iter()
            .map(|&topic| self.group.partition_counts[topic] as usize)
            .sum()
    }

    fn assign_to_least_loaded(&mut self, tp: TopicPartition) {
        let least_loaded = self
            .by_load
            .iter()
            .copied()
            .find(|&(_, member)| self.subscribes(member, tp.0));
        if let Some((count, member)) = least_loaded {
            self.by_load.remove(&(count, member));
            self.current[member].insert(tp);
            self.owner.insert(tp, member);
            self.by_load.insert((count + 1, member));
        }
    }

    fn can_member_participate(&self, member: usize) -> bool {
        self.current[member].len() < self.max_assignment_size(member)
            || self.current[member]
                .iter()
                .any(|tp| self.topic_subscribers[tp.0].len() >= 2)
    }

    /// Balanced: counts within one, or no partition could move to a member with at least two
    /// fewer partitions that subscribes to its topic.
    fn is_balanced(&self) -> bool {
        let (Some(&(min, _)), Some(&(max, _))) = (self.by_load.first(), self.by_load.last()) else {
            return true;
        };
        if min + 1 >= max {
            return true;
        }
        for &(count, member) in &self.by_load {
            if count == self.max_assignment_size(member) {
                continue;
            }
            for &topic in &self.group.subscriptions[member] {
                for partition in 0..self.group.partition_counts[topic] {
                    let tp = (topic, partition);
                    if self.current[member].contains(&tp) {
                        continue;
                    }
                    let other = self.owner[&tp];
                    if count + 1 < self.current[other].len() {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// The sum over pairs of participating members of their count difference; 0 is perfectly
    /// balanced.
    fn balance_score(&self, assignment: &[BTreeSet<TopicPartition>]) -> usize {
        let counts: Vec<usize> = (0..assignment.len())
            .filter(|&member| self.participating[member])
            .map(|member| assignment[member].len())
            .collect();
        let mut score = 0;
        for (index, &count) in counts.iter().enumerate() {
            for &other in &counts[index + 1..] {
                score += count.abs_diff(other);
            }
        }
        score
    }

    /// Moves partitions to less loaded subscribers until balanced, as `performReassignments`
    /// does. Returns whether anything moved.
    fn perform_reassignments(&mut self, partitions: &[TopicPartition]) -> bool {
        let mut reassigned = false;
        loop {
            let mut modified = false;
            for &tp in partitions {
                if self.is_balanced() {
                    break;
                }
                let owner = self.owner[&tp];
                let owner_count = self.current[owner].len();
                // Kafka moves a partition back to its previous-generation owner even if that
                // member no longer subscribes to the topic; here it must still subscribe.
                if let Some(&(previous, _)) = self.previous_owner.get(&tp)
                    && self.participating[previous]
                    && self.subscribes(previous, tp.0)
                    && owner_count > self.current[previous].len() + 1
                {
                    self.reassign_partition(tp, previous);
                    reassigned = true;
                    modified = true;
                    continue;
                }
                let better = self.topic_subscribers[tp.0]
                    .iter()
                    .any(|&other| owner_count > self.current[other].len() + 1);
                if better {
                    let least_loaded = self
                        .by_load
                        .iter()
                        .map(|&(_, member)| member)
                        .find(|&member| self.subscribes(member, tp.0))
                        .expect("the partition's owner subscribes to its topic");
                    self.reassign_partition(tp, least_loaded);
                    reassigned = true;
                    modified = true;
                }
            }
            if !modified {
                return reassigned;
            }
        }
    }

    fn reassign_partition(&mut self, tp: TopicPartition, new_owner: usize) {
        let owner = self.owner[&tp];
        let tp = self.movements.partition_to_move(tp, owner, new_owner);
        let old_owner = self.owner[&tp];
        self.by_load
            .remove(&(self.current[old_owner].len(), old_owner));
        self.by_load
            .remove(&(self.current[new_owner].len(), new_owner));
        self.movements.move_partition(tp, old_owner, new_owner);
        self.current[old_owner].remove(&tp);
        self.current[new_owner].insert(tp);
        self.owner.insert(tp, new_owner);
        self.by_load
            .insert((self.current[new_owner].len(), new_owner));
        self.by_load
            .insert((self.current[old_owner].len(), old_owner));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str]) -> Member {
        Member {
            member_id: id.to_string(),
            instance_id: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            owned: Vec::new(),
            generation: DEFAULT_GENERATION,
        }
    }

    fn static_member(id: &str, instance: &str, topics: &[&str]) -> Member {
        Member {
            instance_id: Some(instance.to_string()),
            ..member(id, topics)
        }
    }

    /// A member that owned `owned` ("topic-partition" names) in `generation`.
    fn owning(id: &str, topics: &[&str], owned: &[&str], generation: i32) -> Member {
        Member {
            owned: owned.iter().map(|name| parse(name)).collect(),
            generation,
            ..member(id, topics)
        }
    }

    fn parse(name: &str) -> (String, u32) {
        let (topic, partition) = name.rsplit_once('-').expect("topic-partition");
        (
            topic.to_string(),
            partition.parse().expect("a partition number"),
        )
    }

    fn counts(topics: &[(&str, u32)]) -> BTreeMap<String, u32> {
        topics.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn names(result: &BTreeMap<String, Vec<(String, u32)>>, member: &str) -> Vec<String> {
        result[member]
            .iter()
            .map(|(topic, partition)| format!("{topic}-{partition}"))
            .collect()
    }

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut parsed: Vec<(String, u32)> = names.iter().map(|n| parse(n)).collect();
        parsed.sort();
        parsed.iter().map(|(t, p)| format!("{t}-{p}")).collect()
    }

    /// The next generation's members: the same subscriptions, owning what `result` gave them.
    fn next_round(
        members: &[Member],
        result: &BTreeMap<String, Vec<(String, u32)>>,
        generation: i32,
    ) -> Vec<Member> {
        members
            .iter()
            .map(|m| Member {
                owned: result[&m.member_id].clone(),
                generation,
                ..m.clone()
            })
            .collect()
    }

    fn assert_assignment(
        result: &BTreeMap<String, Vec<(String, u32)>>,
        expected: &[(&str, &[&str])],
    ) {
        assert_eq!(result.len(), expected.len(), "members in {result:?}");
        for (id, partitions) in expected {
            assert_eq!(names(result, id), sorted(partitions), "member {id}");
        }
    }

    fn all_consumers(ids: &[&str], topics: &[&str]) -> Vec<Member> {
        ids.iter().map(|id| member(id, topics)).collect()
    }

    // The names Kafka announces and configures each strategy by, both ways.
    #[test]
    fn strategy_names_round_trip() {
        for strategy in Strategy::ALL {
            assert_eq!(
                Strategy::from_protocol_name(strategy.protocol_name()),
                Some(strategy)
            );
            assert_eq!(
                Strategy::from_class_name(strategy.class_name()),
                Some(strategy)
            );
            assert_eq!(
                strategy.is_cooperative(),
                strategy == Strategy::CooperativeSticky
            );
        }
        assert_eq!(
            Strategy::CooperativeSticky.class_name(),
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
        );
        assert_eq!(Strategy::from_protocol_name("Range"), None);
    }

    // R9.1: static members first by instance id, then dynamic ones by member id, in plain
    // string order ("c10" before "c2").
    #[test]
    fn member_order_puts_static_members_first() {
        let members = vec![
            member("c2", &["t"]),
            member("c10", &["t"]),
            static_member("z", "i2", &["t"]),
            static_member("a", "i3", &["t"]),
            static_member("m", "i1", &["t"]),
        ];
        let order: Vec<&str> = member_order(&members)
            .iter()
            .map(|m| m.member_id.as_str())
            .collect();
        assert_eq!(order, ["m", "z", "a", "c10", "c2"]);
    }

    // R9.4 A, Range: RangeAssignorTest.testTwoConsumersTwoTopicsSixPartitions.
    #[test]
    fn range_two_consumers_two_topics_six_partitions() {
        let members = all_consumers(&["consumer1", "consumer2"], &["topic1", "topic2"]);
        let result = assign(
            Strategy::Range,
            &members,
            &counts(&[("topic1", 3), ("topic2", 3)]),
        );
        assert_assignment(
            &result,
            &[
                (
                    "consumer1",
                    &["topic1-0", "topic1-1", "topic2-0", "topic2-1"],
                ),
                ("consumer2", &["topic1-2", "topic2-2"]),
            ],
        );
    }

    // R9.4 A, RoundRobin: RoundRobinAssignorTest.testTwoDynamicConsumersTwoTopicsSixPartitions.
    #[test]
    fn round_robin_two_consumers_two_topics_six_partitions() {
        let members = all_consumers(&["consumer1", "consumer2"], &["topic1", "topic2"]);
        let result = assign(
            Strategy::RoundRobin,
            &members,
            &counts(&[("topic1", 3), ("topic2", 3)]),
        );
        assert_assignment(
            &result,
            &[
                ("consumer1", &["topic1-0", "topic1-2", "topic2-1"]),
                ("consumer2", &["topic1-1", "topic2-0", "topic2-2"]),
            ],
        );
    }

    // F10 as the facts state it: RoundRobin, C1 and C2 over t1 and t2 with 3 partitions
    // each: C1 gets t1p0, t1p2, t2p1; C2 gets t1p1, t2p0, t2p2.
    #[test]
    fn f10_round_robin_two_consumers() {
        let members = all_consumers(&["C1", "C2"], &["t1", "t2"]);
        let result = assign(
            Strategy::RoundRobin,
            &members,
            &counts(&[("t1", 3), ("t2", 3)]),
        );
        assert_assignment(
            &result,
            &[
                ("C1", &["t1-0", "t1-2", "t2-1"]),
                ("C2", &["t1-1", "t2-0", "t2-2"]),
            ],
        );
    }

    // R9.4 B, both columns: RangeAssignorTest / RoundRobinAssignorTest
    // .testMultipleConsumersMixedTopics; a member only gets partitions of its own topics.
    #[test]
    fn multiple_consumers_mixed_topics() {
        let members = vec![
            member("consumer1", &["topic1"]),
            member("consumer2", &["topic1", "topic2"]),
            member("consumer3", &["topic1"]),
        ];
        for strategy in [Strategy::Range, Strategy::RoundRobin] {
            let result = assign(strategy, &members, &counts(&[("topic1", 3), ("topic2", 2)]));
            assert_assignment(
                &result,
                &[
                    ("consumer1", &["topic1-0"]),
                    ("consumer2", &["topic1-1", "topic2-0", "topic2-1"]),
                    ("consumer3", &["topic1-2"]),
                ],
            );
        }
    }

    // R9.4 C, both columns: RangeAssignorTest / RoundRobinAssignorTest
    // .testTwoConsumersOneTopicOnePartition; the second consumer is idle (F09).
    #[test]
    fn two_consumers_one_topic_one_partition() {
        let members = all_consumers(&["consumer1", "consumer2"], &["topic1"]);
        for strategy in [Strategy::Range, Strategy::RoundRobin] {
            let result = assign(strategy, &members, &counts(&[("topic1", 1)]));
            assert_assignment(&result, &[("consumer1", &["topic1-0"]), ("consumer2", &[])]);
        }
    }

    // F09: with more consumers than partitions, every strategy leaves the extras with nothing.
    #[test]
    fn f09_extra_consumers_sit_idle() {
        let members = all_consumers(&["c1", "c2", "c3", "c4", "c5"], &["orders"]);
        for strategy in Strategy::ALL {
            let result = assign(strategy, &members, &counts(&[("orders", 3)]));
            let busy = result.values().filter(|owned| owned.len() == 1).count();
            let idle = result.values().filter(|owned| owned.is_empty()).count();
            assert_eq!((busy, idle), (3, 2), "{strategy:?}: {result:?}");
        }
    }

    fn static_members_with_dynamic_consumer4() -> Vec<Member> {
        vec![
            static_member("consumer1", "instance1", &["topic1", "topic2"]),
            static_member("consumer2", "instance2", &["topic1", "topic2"]),
            static_member("consumer3", "instance3", &["topic1", "topic2"]),
            member("consumer4", &["topic1", "topic2"]),
        ]
    }

    // R9.4 D, Range: RangeAssignorTest.testStaticMemberRangeAssignmentPersistent; a new
    // dynamic member (consumer5) takes exactly the place of the one it replaces.
    #[test]
    fn range_static_member_assignment_persistent() {
        let partitions = counts(&[("topic1", 5), ("topic2", 4)]);
        let mut members = static_members_with_dynamic_consumer4();
        let expected: [(&str, &[&str]); 3] = [
            ("consumer1", &["topic1-0", "topic1-1", "topic2-0"]),
            ("consumer2", &["topic1-2", "topic2-1"]),
            ("consumer3", &["topic1-3", "topic2-2"]),
        ];
        let result = assign(Strategy::Range, &members, &partitions);
        let mut with_consumer4 = expected.to_vec();
        with_consumer4.push(("consumer4", &["topic1-4", "topic2-3"]));
        assert_assignment(&result, &with_consumer4);

        members[3].member_id = "consumer5".to_string();
        let result = assign(Strategy::Range, &members, &partitions);
        let mut with_consumer5 = expected.to_vec();
        with_consumer5.push(("consumer5", &["topic1-4", "topic2-3"]));
        assert_assignment(&result, &with_consumer5);
    }

    // R9.4 D, RoundRobin: RoundRobinAssignorTest.testStaticMemberRoundRobinAssignmentPersistent.
    #[test]
    fn round_robin_static_member_assignment_persistent() {
        let partitions = counts(&[("topic1", 3), ("topic2", 3)]);
        let mut members = static_members_with_dynamic_consumer4();
        let result = assign(Strategy::RoundRobin, &members, &partitions);
        assert_assignment(
            &result,
            &[
                ("consumer1", &["topic1-0", "topic2-1"]),
                ("consumer2", &["topic1-1", "topic2-2"]),
                ("consumer3", &["topic1-2"]),
                ("consumer4", &["topic2-0"]),
            ],
        );
        members[3].member_id = "consumer5".to_string();
        let result = assign(Strategy::RoundRobin, &members, &partitions);
        assert_eq!(names(&result, "consumer5"), ["topic2-0"]);
        assert_eq!(names(&result, "consumer3"), ["topic1-2"]);
    }

    /// R9.4 E: the assignment by instance id, before and after the member ids change
    /// (consumer3 rejoins as consumer4, consumer2 as consumer5, so member-id order would flip).
    fn assignment_by_instance_after_member_id_changes(
        strategy: Strategy,
        expected: &[(&str, &[&str])],
    ) {
        let partitions = counts(&[("topic1", 5), ("topic2", 5)]);
        let topics = ["topic1", "topic2"];
        let before = vec![
            static_member("consumer1", "instance1", &topics),
            static_member("consumer2", "instance2", &topics),
            static_member("consumer3", "instance3", &topics),
        ];
        let after = vec![
            static_member("consumer1", "instance1", &topics),
            static_member("consumer5", "instance2", &topics),
            static_member("consumer4", "instance3", &topics),
        ];
        for members in [before, after] {
            let result = assign(strategy, &members, &partitions);
            for m in &members {
                let instance = m.instance_id.as_deref().expect("static");
                let (_, partitions) = expected
                    .iter()
                    .find(|(i, _)| *i == instance)
                    .expect("an expected instance");
                assert_eq!(
                    names(&result, &m.member_id),
                    sorted(partitions),
                    "{strategy:?} {instance}"
                );
            }
        }
    }

    // R9.4 E, Range: RangeAssignorTest.testStaticMemberRangeAssignmentPersistentAfterMemberIdChanges.
    #[test]
    fn range_static_member_assignment_persistent_after_member_id_changes() {
        assignment_by_instance_after_member_id_changes(
            Strategy::Range,
            &[
                (
                    "instance1",
                    &["topic1-0", "topic1-1", "topic2-0", "topic2-1"],
                ),
                (
                    "instance2",
                    &["topic1-2", "topic1-3", "topic2-2", "topic2-3"],
                ),
                ("instance3", &["topic1-4", "topic2-4"]),
            ],
        );
    }

    // R9.4 E, RoundRobin:
    // RoundRobinAssignorTest.testStaticMemberRoundRobinAssignmentPersistentAfterMemberIdChanges.
    #[test]
    fn round_robin_static_member_assignment_persistent_after_member_id_changes() {
        assignment_by_instance_after_member_id_changes(
            Strategy::RoundRobin,
            &[
                (
                    "instance1",
                    &["topic1-0", "topic1-3", "topic2-1", "topic2-4"],
                ),
                ("instance2", &["topic1-1", "topic1-4", "topic2-2"]),
                ("instance3", &["topic1-2", "topic2-0", "topic2-3"]),
            ],
        );
    }

    // R9.4 F, Range: the non-rack part of
    // RangeAssignorTest.testRackAwareAssignmentWithUniformSubscription; the first consumer
    // gets the extra partition of every topic, so Range grows lopsided over many topics.
    #[test]
    fn range_uniform_subscription_three_topics() {
        let members = all_consumers(
            &["consumer0", "consumer1", "consumer2"],
            &["t1", "t2", "t3"],
        );
        let result = assign(
            Strategy::Range,
            &members,
            &counts(&[("t1", 6), ("t2", 7), ("t3", 2)]),
        );
        assert_assignment(
            &result,
            &[
                (
                    "consumer0",
                    &["t1-0", "t1-1", "t2-0", "t2-1", "t2-2", "t3-0"],
                ),
                ("consumer1", &["t1-2", "t1-3", "t2-3", "t2-4", "t3-1"]),
                ("consumer2", &["t1-4", "t1-5", "t2-5", "t2-6"]),
            ],
        );
    }

    // R9.4 G, RoundRobin: the RoundRobinAssignor javadoc's unequal subscriptions; C2 ends with
    // four partitions while C0 has one, RoundRobin's weakness with unequal subscriptions.
    #[test]
    fn round_robin_javadoc_unequal_subscriptions() {
        let members = vec![
            member("C0", &["t0"]),
            member("C1", &["t0", "t1"]),
            member("C2", &["t0", "t1", "t2"]),
        ];
        let result = assign(
            Strategy::RoundRobin,
            &members,
            &counts(&[("t0", 1), ("t1", 2), ("t2", 3)]),
        );
        assert_assignment(
            &result,
            &[
                ("C0", &["t0-0"]),
                ("C1", &["t1-0"]),
                ("C2", &["t1-1", "t2-0", "t2-1", "t2-2"]),
            ],
        );
    }

    // Topics nobody subscribes to, and subscribed topics missing from the partition counts,
    // are ignored by every strategy.
    #[test]
    fn unknown_and_unsubscribed_topics_are_ignored() {
        let members = all_consumers(&["c1", "c2"], &["t1", "missing"]);
        for strategy in Strategy::ALL {
            let result = assign(strategy, &members, &counts(&[("t1", 2), ("other", 4)]));
            let mut all: Vec<String> = names(&result, "c1");
            all.extend(names(&result, "c2"));
            all.sort();
            assert_eq!(all, ["t1-0", "t1-1"], "{strategy:?}");
        }
    }

    const STICKY: [Strategy; 2] = [Strategy::Sticky, Strategy::CooperativeSticky];

    // AbstractStickyAssignorTest.testTwoConsumersOneTopicTwoPartitions.
    #[test]
    fn sticky_two_consumers_one_topic_two_partitions() {
        let members = all_consumers(&["consumer1", "consumer2"], &["topic"]);
        for strategy in STICKY {
            let result = assign(strategy, &members, &counts(&[("topic", 2)]));
            assert_assignment(
                &result,
                &[("consumer1", &["topic-0"]), ("consumer2", &["topic-1"])],
            );
        }
    }

    // AbstractStickyAssignorTest.testTwoConsumersTwoTopicsSixPartitions: from scratch the
    // constrained path deals round-robin, like RoundRobin.
    #[test]
    fn sticky_two_consumers_two_topics_six_partitions() {
        let members = all_consumers(&["consumer1", "consumer2"], &["topic1", "topic2"]);
        for strategy in STICKY {
            let result = assign(strategy, &members, &counts(&[("topic1", 3), ("topic2", 3)]));
            assert_assignment(
                &result,
                &[
                    ("consumer1", &["topic1-0", "topic1-2", "topic2-1"]),
                    ("consumer2", &["topic1-1", "topic2-0", "topic2-2"]),
                ],
            );
        }
    }

    // AbstractStickyAssignorTest.testMultipleConsumersMixedTopicSubscriptions: the general
    // path balances where Range and RoundRobin give consumer2 three partitions.
    #[test]
    fn sticky_multiple_consumers_mixed_topic_subscriptions() {
        let members = vec![
            member("consumer1", &["topic1"]),
            member("consumer2", &["topic1", "topic2"]),
            member("consumer3", &["topic1"]),
        ];
        for strategy in STICKY {
            let result = assign(strategy, &members, &counts(&[("topic1", 3), ("topic2", 2)]));
            assert_assignment(
                &result,
                &[
                    ("consumer1", &["topic1-0", "topic1-2"]),
                    ("consumer2", &["topic2-0", "topic2-1"]),
                    ("consumer3", &["topic1-1"]),
                ],
            );
        }
    }

    // AbstractStickyAssignorTest.testConsumerOwningMinQuotaExpectedMaxQuota: both keep what
    // they own, and the one free partition goes to the first member at minQuota.
    #[test]
    fn sticky_consumer_owning_min_quota_expected_max_quota() {
        let topics = ["topic1", "topic2"];
        let members = vec![
            owning("consumer1", &topics, &["topic1-0", "topic2-1"], 1),
            owning("consumer2", &topics, &["topic1-1", "topic2-2"], 1),
        ];
        for strategy in STICKY {
            let result = assign(strategy, &members, &counts(&[("topic1", 2), ("topic2", 3)]));
            assert_assignment(
                &result,
                &[
                    ("consumer1", &["topic1-0", "topic2-0", "topic2-1"]),
                    ("consumer2", &["topic1-1", "topic2-2"]),
                ],
            );
        }
    }

    // AbstractStickyAssignorTest.testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers:
    // two members own maxQuota (2) but only one maxQuota place exists, so one of them gives a
    // partition to the newcomer. Kafka visits the members in HashMap order (consumer2 first for
    // these names) and moves topic2-0 from consumer1; ksim visits them in member-id order, so
    // consumer1 keeps both and topic2-1 moves from consumer2: the same plan, mirrored.
    #[test]
    fn sticky_max_quota_consumer_more_than_num_expected_max_capacity_members() {
        let topics = ["topic1", "topic2"];
        let members = vec![
            owning("consumer1", &topics, &["topic1-0", "topic2-0"], 1),
            owning("consumer2", &topics, &["topic1-1", "topic2-1"], 1),
            owning("consumer3", &topics, &[], 1),
        ];
        let partitions = counts(&[("topic1", 2), ("topic2", 2)]);
        let result = assign(Strategy::Sticky, &members, &partitions);
        assert_assignment(
            &result,
            &[
                ("consumer1", &["topic1-0", "topic2-0"]),
                ("consumer2", &["topic1-1"]),
                ("consumer3", &["topic2-1"]),
            ],
        );
        // Cooperatively, topic2-1 is first revoked from consumer2 and only assigned to
        // consumer3 in the follow-up rebalance.
        let result = assign(Strategy::CooperativeSticky, &members, &partitions);
        assert_eq!(names(&result, "consumer3"), Vec::<String>::new());
        assert_eq!(names(&result, "consumer2"), ["topic1-1"]);
        let follow_up = assign(
            Strategy::CooperativeSticky,
            &next_round(&members, &result, 2),
            &partitions,
        );
        assert_eq!(names(&follow_up, "consumer3"), ["topic2-1"]);
    }

    // AbstractStickyAssignorTest.testAllConsumersAreUnderMinQuota.
    #[test]
    fn sticky_all_consumers_are_under_min_quota() {
        let topics = ["topic1", "topic2"];
        let members = vec![
            owning("consumer1", &topics, &["topic1-0"], 1),
            owning("consumer2", &topics, &["topic1-1"], 1),
            owning("consumer3", &topics, &[], 1),
        ];
        for strategy in STICKY {
            let result = assign(strategy, &members, &counts(&[("topic1", 2), ("topic2", 3)]));
            assert_assignment(
                &result,
                &[
                    ("consumer1", &["topic1-0", "topic2-1"]),
                    ("consumer2", &["topic1-1", "topic2-2"]),
                    ("consumer3", &["topic2-0"]),
                ],
            );
        }
    }

    // AbstractStickyAssignorTest.testAddRemoveConsumerOneTopic: a joining member takes one
    // partition from the owner of all three; when the owner leaves, the other takes everything.
    #[test]
    fn sticky_add_remove_consumer_one_topic() {
        let partitions = counts(&[("topic", 3)]);
        let alone = assign(
            Strategy::Sticky,
            &[member("consumer1", &["topic"])],
            &partitions,
        );
        assert_assignment(&alone, &[("consumer1", &["topic-0", "topic-1", "topic-2"])]);

        let members = vec![
            owning(
                "consumer1",
                &["topic"],
                &["topic-0", "topic-1", "topic-2"],
                1,
            ),
            owning("consumer2", &["topic"], &[], 1),
        ];
        let result = assign(Strategy::Sticky, &members, &partitions);
        assert_assignment(
            &result,
            &[
                ("consumer1", &["topic-0", "topic-1"]),
                ("consumer2", &["topic-2"]),
            ],
        );
        // Cooperatively: topic-2 is revoked first and consumer2 gets it one rebalance later.
        let first = assign(Strategy::CooperativeSticky, &members, &partitions);
        assert_assignment(
            &first,
            &[("consumer1", &["topic-0", "topic-1"]), ("consumer2", &[])],
        );
        let second = assign(
            Strategy::CooperativeSticky,
            &next_round(&members, &first, 2),
            &partitions,
        );
        assert_assignment(
            &second,
            &[
                ("consumer1", &["topic-0", "topic-1"]),
                ("consumer2", &["topic-2"]),
            ],
        );

        let last = vec![owning("consumer2", &["topic"], &["topic-2"], 2)];
        for strategy in STICKY {
            let result = assign(strategy, &last, &partitions);
            assert_assignment(
                &result,
                &[("consumer2", &["topic-0", "topic-1", "topic-2"])],
            );
        }
    }

    // AbstractStickyAssignorTest.testAddRemoveTwoConsumersTwoTopics: two members join two
    // that own everything; each old member keeps maxQuota, and the partitions moving are
    // exactly those Kafka lists as transferring ownership.
    #[test]
    fn sticky_add_remove_two_consumers_two_topics() {
        let topics = ["topic1", "topic2"];
        let partitions = counts(&[("topic1", 3), ("topic2", 4)]);
        let two = all_consumers(&["consumer1", "consumer2"], &topics);
        let first = assign(Strategy::Sticky, &two, &partitions);
        assert_assignment(
            &first,
            &[
                (
                    "consumer1",
                    &["topic1-0", "topic1-2", "topic2-1", "topic2-3"],
                ),
                ("consumer2", &["topic1-1", "topic2-0", "topic2-2"]),
            ],
        );

        let mut four = next_round(&two, &first, 1);
        four.push(owning("consumer3", &topics, &[], 1));
        four.push(owning("consumer4", &topics, &[], 1));
        let second = assign(Strategy::Sticky, &four, &partitions);
        let expected: [(&str, &[&str]); 4] = [
            ("consumer1", &["topic1-0", "topic2-1"]),
            ("consumer2", &["topic2-0", "topic1-1"]),
            ("consumer3", &["topic1-2", "topic2-3"]),
            ("consumer4", &["topic2-2"]),
        ];
        assert_assignment(&second, &expected);
        // Cooperatively the newcomers get nothing yet: all three of their partitions transfer.
        let cooperative = assign(Strategy::CooperativeSticky, &four, &partitions);
        assert_assignment(
            &cooperative,
            &[
                ("consumer1", &["topic1-0", "topic2-1"]),
                ("consumer2", &["topic2-0", "topic1-1"]),
                ("consumer3", &[]),
                ("consumer4", &[]),
            ],
        );

        let remaining = next_round(&four[2..], &second, 2);
        let third = assign(Strategy::Sticky, &remaining, &partitions);
        assert_assignment(
            &third,
            &[
                (
                    "consumer3",
                    &["topic1-2", "topic2-3", "topic1-0", "topic2-1"],
                ),
                ("consumer4", &["topic2-2", "topic1-1", "topic2-0"]),
            ],
        );
    }

    // AbstractStickyAssignorTest.testAllConsumersReachExpectedQuotaAndAreConsideredFilled.
    #[test]
    fn sticky_all_consumers_reach_expected_quota() {
        let members = vec![
            owning("consumer1", &["topic"], &["topic-0", "topic-1"], 1),
            owning("consumer2", &["topic"], &["topic-2"], 1),
            owning("consumer3", &["topic"], &[], 1),
        ];
        for strategy in STICKY {
            let result = assign(strategy, &members, &counts(&[("topic", 4)]));
            assert_assignment(
                &result,
                &[
                    ("consumer1", &["topic-0", "topic-1"]),
                    ("consumer2", &["topic-2"]),
                    ("consumer3", &["topic-3"]),
                ],
            );
        }
    }

    // AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration
    // and ...WithNoGeneration: the claim from the older generation (or none) loses.
    #[test]
    fn sticky_stale_generation_loses_its_claims() {
        let topics = ["topic", "topic2"];
        let claimed = ["topic-0", "topic-2", "topic2-1"];
        for stale in [9, DEFAULT_GENERATION] {
            let members = vec![
                owning("consumer1", &topics, &claimed, 10),
                owning("consumer2", &topics, &claimed, stale),
            ];
            for strategy in STICKY {
                let result = assign(strategy, &members, &counts(&[("topic", 3), ("topic2", 3)]));
                assert_assignment(
                    &result,
                    &[
                        ("consumer1", &claimed),
                        ("consumer2", &["topic-1", "topic2-0", "topic2-2"]),
                    ],
                );
            }
        }
    }

    // AbstractStickyAssignorTest.testEnsurePartitionsAssignedToHighestGeneration.
    #[test]
    fn sticky_partitions_go_to_the_highest_generation() {
        let topics = ["topic", "topic2", "topic3"];
        let members = vec![
            owning(
                "consumer1",
                &topics,
                &["topic-0", "topic2-0", "topic3-0"],
                10,
            ),
            owning(
                "consumer2",
                &topics,
                &["topic-1", "topic2-1", "topic3-1"],
                9,
            ),
            owning(
                "consumer3",
                &topics,
                &["topic2-1", "topic3-0", "topic3-2"],
                8,
            ),
        ];
        let partitions = counts(&[("topic", 3), ("topic2", 3), ("topic3", 3)]);
        for strategy in STICKY {
            let result = assign(strategy, &members, &partitions);
            assert_assignment(
                &result,
                &[
                    ("consumer1", &["topic-0", "topic2-0", "topic3-0"]),
                    ("consumer2", &["topic-1", "topic2-1", "topic3-1"]),
                    ("consumer3", &["topic-2", "topic2-2", "topic3-2"]),
                ],
            );
        }
    }

    // AbstractStickyAssignorTest.testNoReassignmentOnCurrentMembers: members of different
    // (older) generations keep what they own; the member without a generation gets the rest.
    #[test]
    fn sticky_no_reassignment_on_current_members() {
        let topics = ["topic", "topic2", "topic3", "topic1"];
        let members = vec![
            owning("consumer1", &topics, &[], DEFAULT_GENERATION),
            owning(
                "consumer2",
                &topics,
                &["topic-0", "topic2-0", "topic1-0"],
                9,
            ),
            owning(
                "consumer3",
                &topics,
                &["topic3-2", "topic2-2", "topic1-1"],
                8,
            ),
            owning("consumer4", &topics, &["topic3-1", "topic-1", "topic-2"], 7),
        ];
        let partitions = counts(&[("topic", 3), ("topic1", 3), ("topic2", 3), ("topic3", 3)]);
        for strategy in STICKY {
            let result = assign(strategy, &members, &partitions);
            assert_eq!(
                names(&result, "consumer1"),
                sorted(&["topic1-2", "topic2-1", "topic3-0"])
            );
            for m in &members[1..] {
                let owned: Vec<String> = m.owned.iter().map(|(t, p)| format!("{t}-{p}")).collect();
                let owned: Vec<&str> = owned.iter().map(String::as_str).collect();
                assert_eq!(names(&result, &m.member_id), sorted(&owned));
            }
        }
    }

    // AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration.
    #[test]
    fn sticky_conflicting_claims_across_generations() {
        let topics = ["topic", "topic2"];
        let members = vec![
            owning(
                "consumer1",
                &topics,
                &["topic-0", "topic2-1", "topic-1"],
                10,
            ),
            owning(
                "consumer2",
                &topics,
                &["topic-0", "topic2-1", "topic2-2"],
                8,
            ),
        ];
        for strategy in STICKY {
            let result = assign(strategy, &members, &counts(&[("topic", 3), ("topic2", 3)]));
            assert_assignment(
                &result,
                &[
                    ("consumer1", &["topic-0", "topic2-1", "topic-1"]),
                    ("consumer2", &["topic-2", "topic2-2", "topic2-0"]),
                ],
            );
        }
    }

    // StickyAssignorTest / CooperativeStickyAssignorTest
    // .testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGeneration
    // WithEqualPartitionsPerConsumer and ...WithUnequalPartitionsPerConsumer: a partition two
    // members claim in the same generation goes to neither; the eager assignor gives it to the
    // newcomer at once, the cooperative one only after both have revoked it.
    #[test]
    fn sticky_partition_claimed_twice_in_one_generation() {
        for (count, consumer1) in [(3, &["topic-1"][..]), (4, &["topic-1", "topic-3"][..])] {
            let members = vec![
                owning("consumer1", &["topic"], &["topic-0", "topic-1"], 1),
                owning("consumer2", &["topic"], &["topic-0", "topic-2"], 1),
                owning("consumer3", &["topic"], &[], 1),
            ];
            let partitions = counts(&[("topic", count)]);
            let eager = assign(Strategy::Sticky, &members, &partitions);
            assert_assignment(
                &eager,
                &[
                    ("consumer1", consumer1),
                    ("consumer2", &["topic-2"]),
                    ("consumer3", &["topic-0"]),
                ],
            );
            let cooperative = assign(Strategy::CooperativeSticky, &members, &partitions);
            assert_assignment(
                &cooperative,
                &[
                    ("consumer1", consumer1),
                    ("consumer2", &["topic-2"]),
                    ("consumer3", &[]),
                ],
            );
        }
    }

    // AbstractStickyAssignorTest.testStickiness: one topic of 3 partitions over 4 members;
    // when consumer1 leaves, everyone who had a partition keeps it.
    #[test]
    fn sticky_stickiness_after_a_member_leaves() {
        let members = all_consumers(
            &["consumer1", "consumer2", "consumer3", "consumer4"],
            &["topic1"],
        );
        let partitions = counts(&[("topic1", 3)]);
        for strategy in STICKY {
            let first = assign(strategy, &members, &partitions);
            assert!(first.values().all(|owned| owned.len() <= 1));
            let remaining = next_round(&members[1..], &first, 1);
            let second = assign(strategy, &remaining, &partitions);
            for m in &remaining {
                assert_eq!(
                    second[&m.member_id].len(),
                    1,
                    "{strategy:?} {}",
                    m.member_id
                );
                for tp in &m.owned {
                    assert!(
                        second[&m.member_id].contains(tp),
                        "{strategy:?} {}",
                        m.member_id
                    );
                }
            }
        }
    }

    // AbstractStickyAssignorTest.testAddRemoveTopicTwoConsumers: a topic is added to both
    // subscriptions (each keeps its partitions and gets half of the new ones), then the first
    // topic disappears (each keeps what it had of the second).
    #[test]
    fn sticky_add_remove_topic_two_consumers() {
        let one_topic = counts(&[("topic", 3)]);
        let two_topics = counts(&[("topic", 3), ("topic2", 3)]);
        let second_only = counts(&[("topic2", 3)]);
        let members = all_consumers(&["consumer1", "consumer2"], &["topic"]);
        let first = assign(Strategy::Sticky, &members, &one_topic);

        let both: Vec<Member> = next_round(&members, &first, 1)
            .into_iter()
            .map(|m| Member {
                topics: vec!["topic".to_string(), "topic2".to_string()],
                ..m
            })
            .collect();
        let second = assign(Strategy::Sticky, &both, &two_topics);
        for m in &both {
            assert_eq!(second[&m.member_id].len(), 3);
            assert!(m.owned.iter().all(|tp| second[&m.member_id].contains(tp)));
        }

        let topic2_only: Vec<Member> = next_round(&both, &second, 2)
            .into_iter()
            .map(|m| Member {
                topics: vec!["topic2".to_string()],
                ..m
            })
            .collect();
        let third = assign(Strategy::Sticky, &topic2_only, &second_only);
        for m in &topic2_only {
            let kept: Vec<&(String, u32)> = m
                .owned
                .iter()
                .filter(|(topic, _)| topic == "topic2")
                .collect();
            assert_eq!(third[&m.member_id].len(), kept.len());
            assert!(kept.iter().all(|tp| third[&m.member_id].contains(tp)));
        }
    }

    // AbstractStickyAssignorTest.testPoorRoundRobinAssignmentScenario: where RoundRobin leaves
    // consumer3 empty and gives consumer1 and consumer2 three each, Sticky gives everyone two.
    #[test]
    fn sticky_poor_round_robin_assignment_scenario() {
        let all = ["topic1", "topic2", "topic3", "topic4", "topic5"];
        let some = ["topic1", "topic3", "topic5"];
        let members = vec![
            member("consumer1", &all),
            member("consumer2", &some),
            member("consumer3", &some),
            member("consumer4", &all),
        ];
        let partitions = counts(&[
            ("topic1", 2),
            ("topic2", 1),
            ("topic3", 2),
            ("topic4", 1),
            ("topic5", 2),
        ]);
        let round_robin = assign(Strategy::RoundRobin, &members, &partitions);
        assert_eq!(names(&round_robin, "consumer3"), Vec::<String>::new());
        for strategy in STICKY {
            let result = assign(strategy, &members, &partitions);
            assert!(result.values().all(|owned| owned.len() == 2), "{result:?}");
        }
    }

    // StickyAssignorTest.testAssignmentWithMultipleGenerations1, with equal and unequal
    // subscriptions: after consumer3 leaves, consumer2 keeps its partitions (and consumer1 too
    // when subscriptions are equal); then consumer1 leaves and consumer3 returns with a stale
    // generation-1 claim, which may not take consumer2's generation-2 partitions.
    #[test]
    fn sticky_assignment_with_multiple_generations() {
        for all_equal in [true, false] {
            let all = ["topic", "topic2"];
            let consumer2_topics: &[&str] = if all_equal { &all } else { &["topic"] };
            let partitions = counts(&[("topic", 6), ("topic2", 6)]);
            let members = vec![
                member("consumer1", &all),
                member("consumer2", consumer2_topics),
                member("consumer3", &all),
            ];
            let r1 = assign(Strategy::Sticky, &members, &partitions);
            assert!(r1.values().all(|owned| owned.len() == 4), "{r1:?}");

            let round2 = next_round(&members[..2], &r1, 1);
            let r2 = assign(Strategy::Sticky, &round2, &partitions);
            assert!(r2.values().all(|owned| owned.len() == 6), "{r2:?}");
            if all_equal {
                assert!(
                    r1["consumer1"]
                        .iter()
                        .all(|tp| r2["consumer1"].contains(tp))
                );
            }
            assert!(
                r1["consumer2"]
                    .iter()
                    .all(|tp| r2["consumer2"].contains(tp))
            );
            assert!(
                r1["consumer3"]
                    .iter()
                    .any(|tp| r2["consumer2"].contains(tp))
            );

            let round3 = vec![
                Member {
                    owned: r2["consumer2"].clone(),
                    generation: 2,
                    ..members[1].clone()
                },
                Member {
                    owned: r1["consumer3"].clone(),
                    generation: 1,
                    ..members[2].clone()
                },
            ];
            let r3 = assign(Strategy::Sticky, &round3, &partitions);
            assert!(r3.values().all(|owned| owned.len() == 6), "{r3:?}");
            assert!(
                r3["consumer2"]
                    .iter()
                    .all(|tp| !r3["consumer3"].contains(tp))
            );
        }
    }

    // StickyAssignorTest.testAssignmentWithConflictingPreviousGenerations, with equal and
    // unequal subscriptions: consumer1's generation-1 claims lose to the generation-2 claims
    // of consumer2 and consumer3, who only lose partitions to balance.
    #[test]
    fn sticky_assignment_with_conflicting_previous_generations() {
        for all_equal in [true, false] {
            let all = ["topic", "topic2", "topic3"];
            let consumer1_topics: &[&str] = if all_equal { &all } else { &["topic"] };
            let consumer2_topics: &[&str] = if all_equal {
                &all
            } else {
                &["topic", "topic2"]
            };
            let c1: &[&str] = if all_equal {
                &[
                    "topic-0", "topic-1", "topic-2", "topic2-2", "topic2-3", "topic3-0",
                ]
            } else {
                &["topic-0", "topic-1", "topic-2", "topic-3"]
            };
            let c2 = [
                "topic-0", "topic-1", "topic2-0", "topic2-1", "topic2-2", "topic2-3",
            ];
            let c3 = [
                "topic-2", "topic-3", "topic3-0", "topic3-1", "topic3-2", "topic3-3",
            ];
            let members = vec![
                owning("consumer1", consumer1_topics, c1, 1),
                owning("consumer2", consumer2_topics, &c2, 2),
                owning("consumer3", &all, &c3, 2),
            ];
            let partitions = counts(&[("topic", 4), ("topic2", 4), ("topic3", 4)]);
            let result = assign(Strategy::Sticky, &members, &partitions);
            assert!(result.values().all(|owned| owned.len() == 4), "{result:?}");
            for (id, previous) in [("consumer2", &c2), ("consumer3", &c3)] {
                for name in names(&result, id) {
                    assert!(previous.contains(&name.as_str()), "{id} got {name}");
                }
            }
        }
    }

    // Same input, same output: nothing depends on hash order or on the order members are given.
    #[test]
    fn assignment_does_not_depend_on_member_order() {
        let topics = ["a", "b", "c"];
        let members = vec![
            owning("m3", &topics, &["a-0", "b-1"], 3),
            owning("m1", &["a", "b"], &["c-0", "a-1"], 2),
            owning("m2", &topics, &["b-0"], 3),
        ];
        let mut reversed = members.clone();
        reversed.reverse();
        let partitions = counts(&[("a", 3), ("b", 2), ("c", 4)]);
        for strategy in Strategy::ALL {
            assert_eq!(
                assign(strategy, &members, &partitions),
                assign(strategy, &reversed, &partitions),
                "{strategy:?}"
            );
        }
    }
}
