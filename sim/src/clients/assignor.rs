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
use std::collections::{BTreeMap, BTreeSet};

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

mod sticky;
#[cfg(test)]
mod tests;

use sticky::assign_sticky;
