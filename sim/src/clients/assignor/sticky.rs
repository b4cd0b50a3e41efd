//! The sticky assignors (`StickyAssignor`, `CooperativeStickyAssignor`): Kafka's
//! `AbstractStickyAssignor`, keeping what members owned where balance allows, with its
//! constrained (equal subscriptions) and general paths.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::*;

/// A partition inside the sticky assignors: (topic index, partition number). Topic indices
/// follow the topics' name order, so comparing two of them compares (topic, partition).
pub(super) type TopicPartition = (usize, u32);

/// What the sticky assignors work on, with members and topics as dense indices.
pub(super) struct StickyGroup<'a> {
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
pub(super) fn assign_sticky(
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
pub(super) fn constrained_assignment(
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
pub(super) fn partitions_transferring_ownership(
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
pub(super) fn general_assignment(group: &StickyGroup) -> Vec<BTreeSet<TopicPartition>> {
    GeneralAssignment::new(group).build()
}

/// The moves made while balancing, kept so that a partition moving back and forth between two
/// members is noticed and a partition that already made the opposite move is moved back
/// instead (`AbstractStickyAssignor.PartitionMovements`).
#[derive(Default)]
pub(super) struct PartitionMovements {
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

pub(super) struct GeneralAssignment<'g, 'a> {
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

    // R9.5: balancing keeps partitions where they were: when it would move a partition of a
    // topic from member 1 to member 0 after another partition of that topic went from 0 to 1,
    // the earlier one goes back instead, and then counts as never moved
    // (`getTheActualPartitionToBeMoved`).
    #[test]
    fn r9_5_a_move_back_undoes_an_earlier_move_of_the_topic() {
        let mut movements = PartitionMovements::default();
        assert_eq!(movements.partition_to_move((0, 0), 0, 1), (0, 0));
        movements.move_partition((0, 0), 0, 1);
        // Another topic, or the same direction, moves the partition asked for.
        assert_eq!(movements.partition_to_move((1, 0), 1, 0), (1, 0));
        assert_eq!(movements.partition_to_move((0, 1), 0, 1), (0, 1));
        // The opposite direction in the same topic moves the first partition back.
        assert_eq!(movements.partition_to_move((0, 1), 1, 0), (0, 0));
        movements.move_partition((0, 0), 1, 0);
        assert!(movements.by_partition.is_empty() && movements.by_topic.is_empty());
    }
}
