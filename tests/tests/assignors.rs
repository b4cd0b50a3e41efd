//! Properties of the consumer-group assignors over generated groups: every partition of a
//! subscribed topic goes to exactly one subscriber, the balance each strategy promises, the
//! stickiness of Sticky, CooperativeSticky's rule that a partition is revoked before it moves,
//! and determinism. Kafka's own randomized sticky tests (AbstractStickyAssignorTest
//! .verifyValidityAndBalance) check the same things.

use std::collections::{BTreeMap, BTreeSet};

use ksim::clients::assignor::{DEFAULT_GENERATION, Member, Strategy, assign};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;

type Assignment = BTreeMap<String, Vec<(String, u32)>>;

/// A generated group: topics with their partition counts, and members with subscriptions.
#[derive(Clone, Debug)]
struct Group {
    partitions: BTreeMap<String, u32>,
    members: Vec<Member>,
}

/// Member ids whose string order differs from their numeric order ("c10" < "c2").
fn member_id(index: usize) -> String {
    format!("c{}", (index * 7) % 13)
}

/// Up to 4 topics of 1 to 6 partitions and 1 to 7 members, each subscribed to a non-empty
/// subset of the topics (sometimes also to a topic that does not exist), some of them static.
fn groups(equal_subscriptions: bool) -> impl proptest::strategy::Strategy<Value = Group> {
    (
        prop::collection::vec(1u32..=6, 1..=4),
        prop::collection::vec((1u32..16, any::<bool>(), any::<bool>()), 1..=7),
        1u32..16,
    )
        .prop_map(move |(counts, members, common)| {
            let partitions: BTreeMap<String, u32> = counts
                .iter()
                .enumerate()
                .map(|(index, &count)| (format!("t{index}"), count))
                .collect();
            let topic_names: Vec<String> = partitions.keys().cloned().collect();
            let subscription = |mask: u32, missing: bool| {
                let mut topics: Vec<String> = topic_names
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| mask & (1 << index) != 0)
                    .map(|(_, topic)| topic.clone())
                    .collect();
                if topics.is_empty() {
                    topics.push(topic_names[0].clone());
                }
                if missing {
                    topics.push("gone".to_string());
                }
                topics
            };
            let members = members
                .iter()
                .enumerate()
                .map(|(index, &(mask, is_static, missing))| Member {
                    member_id: member_id(index),
                    instance_id: is_static.then(|| format!("i{}", (index * 5) % 7)),
                    topics: if equal_subscriptions {
                        subscription(common, false)
                    } else {
                        subscription(mask, missing)
                    },
                    owned: Vec::new(),
                    generation: DEFAULT_GENERATION,
                })
                .collect();
            Group {
                partitions,
                members,
            }
        })
}

/// A group with a valid previous assignment: each partition was owned by one member (any
/// member: subscriptions may have changed since) or by a member that has left.
fn groups_with_previous_owners(
    equal_subscriptions: bool,
) -> impl proptest::strategy::Strategy<Value = Group> {
    (
        groups(equal_subscriptions),
        prop::collection::vec(0usize..10, 24),
    )
        .prop_map(|(mut group, owners)| {
            let mut owners = owners.into_iter().cycle();
            for (topic, &count) in &group.partitions {
                for partition in 0..count {
                    let owner = owners.next().expect("cycled");
                    if let Some(member) = group.members.get_mut(owner) {
                        member.owned.push((topic.clone(), partition));
                        member.generation = 1;
                    }
                }
            }
            group
        })
}

fn subscribes(member: &Member, topic: &str) -> bool {
    member.topics.iter().any(|t| t == topic)
}

/// Every partition a member subscribes to, of topics that exist.
fn subscribed_partitions(group: &Group) -> BTreeSet<(String, u32)> {
    group
        .partitions
        .iter()
        .filter(|(topic, _)| group.members.iter().any(|m| subscribes(m, topic)))
        .flat_map(|(topic, &count)| (0..count).map(move |p| (topic.clone(), p)))
        .collect()
}

/// Each partition at most once, only to a subscriber, every member listed, lists sorted.
/// Returns the partitions assigned.
fn check_well_formed(
    group: &Group,
    result: &Assignment,
) -> Result<BTreeSet<(String, u32)>, TestCaseError> {
    let ids: BTreeSet<&String> = group.members.iter().map(|m| &m.member_id).collect();
    prop_assert_eq!(result.keys().collect::<BTreeSet<_>>(), ids);
    let mut seen = BTreeSet::new();
    for member in &group.members {
        let owned = &result[&member.member_id];
        prop_assert!(owned.is_sorted(), "{:?} not sorted", owned);
        for tp in owned {
            prop_assert!(
                subscribes(member, &tp.0),
                "{} got {:?}",
                member.member_id,
                tp
            );
            prop_assert!(tp.1 < group.partitions[&tp.0]);
            prop_assert!(seen.insert(tp.clone()), "{:?} assigned twice", tp);
        }
    }
    Ok(seen)
}

/// Well formed, and every subscribed partition assigned.
fn check_complete(group: &Group, result: &Assignment) -> Result<(), TestCaseError> {
    let assigned = check_well_formed(group, result)?;
    prop_assert_eq!(assigned, subscribed_partitions(group));
    Ok(())
}

fn spread(result: &Assignment) -> usize {
    let counts = result.values().map(Vec::len);
    counts.clone().max().unwrap_or(0) - counts.min().unwrap_or(0)
}

/// Kafka's balance check for the sticky assignors (verifyValidityAndBalance): when two
/// members' counts differ by more than one, they hold no partitions of a common topic, since
/// otherwise one could have moved.
fn check_sticky_balance(result: &Assignment) -> Result<(), TestCaseError> {
    let topics = |owned: &Vec<(String, u32)>| -> BTreeSet<String> {
        owned.iter().map(|(t, _)| t.clone()).collect()
    };
    for (a, owned_a) in result {
        for (b, owned_b) in result {
            if owned_a.len() > owned_b.len() + 1 {
                let common: Vec<String> = topics(owned_a)
                    .intersection(&topics(owned_b))
                    .cloned()
                    .collect();
                prop_assert!(
                    common.is_empty(),
                    "{} has {} and {} has {}, both of {:?}",
                    a,
                    owned_a.len(),
                    b,
                    owned_b.len(),
                    common
                );
            }
        }
    }
    Ok(())
}

/// The next round: every member owns what `result` gave it, one generation later.
fn next_round(group: &Group, result: &Assignment, generation: i32) -> Group {
    let mut next = group.clone();
    for member in &mut next.members {
        member.owned = result[&member.member_id].clone();
        member.generation = generation;
    }
    next
}

/// CooperativeSticky's rule: no member gets a partition that another member owned in the
/// previous round (unless it claimed that partition too). Returns whether anything was
/// revoked, which calls for a follow-up rebalance.
fn check_no_transfer_in_one_round(
    group: &Group,
    result: &Assignment,
) -> Result<bool, TestCaseError> {
    let mut revoked = false;
    for member in &group.members {
        let assigned = &result[&member.member_id];
        for tp in assigned {
            let claimed_by_other = group
                .members
                .iter()
                .any(|other| other.member_id != member.member_id && other.owned.contains(tp));
            prop_assert!(
                !claimed_by_other || member.owned.contains(tp),
                "{} got {:?}, owned by another member in the previous round",
                member.member_id,
                tp
            );
        }
        revoked |= member.owned.iter().any(|tp| !assigned.contains(tp));
    }
    Ok(revoked)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // Without previous owners, every strategy assigns every subscribed partition exactly
    // once, to a subscriber; Range per topic, and RoundRobin and the sticky assignors with
    // equal subscriptions, stay within one partition of balance.
    #[test]
    fn every_partition_goes_to_exactly_one_subscriber(group in groups(false)) {
        for strategy in Strategy::ALL {
            let result = assign(strategy, &group.members, &group.partitions);
            check_complete(&group, &result)?;
        }
        let range = assign(Strategy::Range, &group.members, &group.partitions);
        for topic in group.partitions.keys() {
            let counts: Vec<usize> = group
                .members
                .iter()
                .filter(|m| subscribes(m, topic))
                .map(|m| range[&m.member_id].iter().filter(|(t, _)| t == topic).count())
                .collect();
            if let (Some(max), Some(min)) = (counts.iter().max(), counts.iter().min()) {
                prop_assert!(max - min <= 1, "range on {}: {:?}", topic, counts);
            }
        }
        check_sticky_balance(&assign(Strategy::Sticky, &group.members, &group.partitions))?;
    }

    // Equal subscriptions: RoundRobin, Sticky and CooperativeSticky counts differ by at most
    // one, with or without previous owners for Sticky.
    #[test]
    fn equal_subscriptions_are_balanced_within_one(group in groups_with_previous_owners(true)) {
        let fresh = Group {
            members: group
                .members
                .iter()
                .map(|m| Member { owned: Vec::new(), generation: DEFAULT_GENERATION, ..m.clone() })
                .collect(),
            ..group.clone()
        };
        for strategy in [Strategy::RoundRobin, Strategy::Sticky, Strategy::CooperativeSticky] {
            let result = assign(strategy, &fresh.members, &fresh.partitions);
            prop_assert!(spread(&result) <= 1, "{:?}: {:?}", strategy, result);
        }
        let sticky = assign(Strategy::Sticky, &group.members, &group.partitions);
        check_complete(&group, &sticky)?;
        prop_assert!(spread(&sticky) <= 1, "{:?}", sticky);
    }

    // Sticky with previous owners, any subscriptions: still complete, and balanced in Kafka's
    // sense.
    #[test]
    fn sticky_with_previous_owners_is_complete_and_balanced(
        group in groups_with_previous_owners(false)
    ) {
        let result = assign(Strategy::Sticky, &group.members, &group.partitions);
        check_complete(&group, &result)?;
        check_sticky_balance(&result)?;
    }

    // Stickiness: with equal subscriptions, when one member leaves, every remaining member
    // keeps every partition it owned.
    #[test]
    fn sticky_keeps_partitions_when_a_member_leaves(
        group in groups(true),
        leaving in any::<prop::sample::Index>(),
    ) {
        prop_assume!(group.members.len() >= 2);
        let first = assign(Strategy::Sticky, &group.members, &group.partitions);
        let mut after = next_round(&group, &first, 1);
        after.members.remove(leaving.index(after.members.len()));
        let second = assign(Strategy::Sticky, &after.members, &after.partitions);
        check_complete(&after, &second)?;
        for member in &after.members {
            for tp in &member.owned {
                prop_assert!(
                    second[&member.member_id].contains(tp),
                    "{} lost {:?}",
                    member.member_id,
                    tp
                );
            }
        }
    }

    // CooperativeSticky never hands over a partition in the round its owner gives it up; the
    // follow-up rebalances (at most four, as in CooperativeStickyAssignorTest) reach an
    // assignment with nothing left to revoke, complete, and balanced within one when
    // subscriptions are equal.
    #[test]
    fn cooperative_sticky_revokes_before_it_moves(
        group in groups_with_previous_owners(false),
        equal in groups_with_previous_owners(true),
    ) {
        for (group, balanced) in [(group, false), (equal, true)] {
            let mut round = group;
            let mut generation = 1;
            let mut result = assign(Strategy::CooperativeSticky, &round.members, &round.partitions);
            check_well_formed(&round, &result)?;
            while check_no_transfer_in_one_round(&round, &result)? {
                generation += 1;
                prop_assert!(generation <= 5, "still revoking after 4 rebalances");
                round = next_round(&round, &result, generation);
                result = assign(Strategy::CooperativeSticky, &round.members, &round.partitions);
                check_well_formed(&round, &result)?;
            }
            check_complete(&round, &result)?;
            if balanced {
                prop_assert!(spread(&result) <= 1, "{:?}", result);
            }
        }
    }

    // Conflicting claims (two members claiming one partition, in random generations): the
    // eager Sticky still assigns everything exactly once, and CooperativeSticky still never
    // gives a member a partition another member claimed.
    #[test]
    fn conflicting_claims_are_settled(
        group in groups(false),
        claims in prop::collection::vec((0usize..7, 0usize..4, 0u32..6), 0..20),
        generations in prop::collection::vec(-1i32..4, 7),
    ) {
        let mut group = group;
        let topics: Vec<String> = group.partitions.keys().cloned().collect();
        for (member, topic, partition) in claims {
            let topic = &topics[topic % topics.len()];
            let partition = partition % group.partitions[topic];
            if let Some(member) = group.members.get_mut(member) {
                member.owned.push((topic.clone(), partition));
            }
        }
        for (member, generation) in group.members.iter_mut().zip(generations) {
            member.generation = generation;
        }
        let sticky = assign(Strategy::Sticky, &group.members, &group.partitions);
        check_complete(&group, &sticky)?;
        let cooperative = assign(Strategy::CooperativeSticky, &group.members, &group.partitions);
        check_well_formed(&group, &cooperative)?;
        check_no_transfer_in_one_round(&group, &cooperative)?;
    }

    // The same group gives the same assignment whatever order the members come in: nothing
    // depends on hash order or input order.
    #[test]
    fn same_group_same_assignment(
        group in groups_with_previous_owners(false),
        rotation in any::<prop::sample::Index>(),
    ) {
        let mut rotated = group.members.clone();
        let by = rotation.index(rotated.len());
        rotated.rotate_left(by);
        for strategy in Strategy::ALL {
            let result = assign(strategy, &group.members, &group.partitions);
            prop_assert_eq!(&result, &assign(strategy, &rotated, &group.partitions));
        }
    }
}

/// Kafka's member order (R9.1, `MemberInfo.compareTo`): static members first, by
/// group.instance.id, then dynamic members by member id, as strings.
fn kafka_member_order(members: &[Member]) -> Vec<&Member> {
    let mut sorted: Vec<&Member> = members.iter().collect();
    sorted.sort_by(|a, b| match (&a.instance_id, &b.instance_id) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.member_id.cmp(&b.member_id),
    });
    sorted
}

/// R9.2, written out as Kafka's `RangeAssignor` does it, independently of ksim's code: per
/// topic, the subscribers in member order; the first P mod C take P div C + 1 consecutive
/// partitions, the others P div C.
fn range_reference(group: &Group) -> Assignment {
    let mut result: Assignment = group
        .members
        .iter()
        .map(|m| (m.member_id.clone(), Vec::new()))
        .collect();
    for (topic, &count) in &group.partitions {
        let subscribers: Vec<&Member> = kafka_member_order(&group.members)
            .into_iter()
            .filter(|m| subscribes(m, topic))
            .collect();
        if subscribers.is_empty() {
            continue;
        }
        let (quota, extra) = (
            count / subscribers.len() as u32,
            count % subscribers.len() as u32,
        );
        let mut next = 0;
        for (i, member) in subscribers.iter().enumerate() {
            let take = quota + u32::from((i as u32) < extra);
            for partition in next..next + take {
                result
                    .get_mut(&member.member_id)
                    .expect("every member listed")
                    .push((topic.clone(), partition));
            }
            next += take;
        }
    }
    for owned in result.values_mut() {
        owned.sort();
    }
    result
}

/// R9.3, written out as Kafka's `RoundRobinAssignor` does it: every partition of a subscribed
/// topic, by topic then number; a circular iterator over all members in member order skips
/// those not subscribed to the partition's topic, gives it to the current one and moves on.
fn round_robin_reference(group: &Group) -> Assignment {
    let mut result: Assignment = group
        .members
        .iter()
        .map(|m| (m.member_id.clone(), Vec::new()))
        .collect();
    let members = kafka_member_order(&group.members);
    let mut at = 0;
    for (topic, &count) in &group.partitions {
        if !members.iter().any(|m| subscribes(m, topic)) {
            continue;
        }
        for partition in 0..count {
            while !subscribes(members[at % members.len()], topic) {
                at += 1;
            }
            result
                .get_mut(&members[at % members.len()].member_id)
                .expect("every member listed")
                .push((topic.clone(), partition));
            at += 1;
        }
    }
    for owned in result.values_mut() {
        owned.sort();
    }
    result
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // R9.1-R9.3: Range and RoundRobin give, partition for partition, what Kafka's algorithms
    // give (written out above from RangeAssignor and RoundRobinAssignor), for groups with
    // static and dynamic members, unequal subscriptions and subscriptions to missing topics.
    #[test]
    fn r9_range_and_round_robin_match_kafkas_algorithms(group in groups(false)) {
        prop_assert_eq!(
            assign(Strategy::Range, &group.members, &group.partitions),
            range_reference(&group)
        );
        prop_assert_eq!(
            assign(Strategy::RoundRobin, &group.members, &group.partitions),
            round_robin_reference(&group)
        );
    }
}

// The reference implementations above agree with Kafka's own test cases (R9.4 row A:
// RangeAssignorTest.testTwoConsumersTwoTopicsSixPartitions and
// RoundRobinAssignorTest.testTwoDynamicConsumersTwoTopicsSixPartitions), so that they are no
// copy of a mistake in ksim's code.
#[test]
fn r9_4_reference_implementations_match_kafkas_test_cases() {
    let member = |id: &str| Member {
        member_id: id.to_string(),
        instance_id: None,
        topics: vec!["t1".to_string(), "t2".to_string()],
        owned: Vec::new(),
        generation: DEFAULT_GENERATION,
    };
    let group = Group {
        partitions: [("t1".to_string(), 3), ("t2".to_string(), 3)].into(),
        members: vec![member("c2"), member("c1")],
    };
    let tps = |list: &[(&str, u32)]| -> Vec<(String, u32)> {
        list.iter().map(|&(t, p)| (t.to_string(), p)).collect()
    };
    let range = range_reference(&group);
    assert_eq!(
        range["c1"],
        tps(&[("t1", 0), ("t1", 1), ("t2", 0), ("t2", 1)])
    );
    assert_eq!(range["c2"], tps(&[("t1", 2), ("t2", 2)]));
    let round_robin = round_robin_reference(&group);
    assert_eq!(round_robin["c1"], tps(&[("t1", 0), ("t1", 2), ("t2", 1)]));
    assert_eq!(round_robin["c2"], tps(&[("t1", 1), ("t2", 0), ("t2", 2)]));
}
