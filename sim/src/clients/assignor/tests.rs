//! Unit tests of the assignors, with the cases of Kafka's own assignor tests.

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

fn assert_assignment(result: &BTreeMap<String, Vec<(String, u32)>>, expected: &[(&str, &[&str])]) {
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

// AbstractStickyAssignor: maxGeneration starts at DEFAULT_GENERATION (-1), so when no member
// reports a generation (a consumer that has not joined yet, or has reset, sends -1) no claim
// is a previous generation's: a partition two such members claim is nobody's, and the general
// path assigns exactly as if neither had claimed it.
#[test]
fn r9_5_claims_without_a_generation_are_not_previous_generations() {
    let partitions = counts(&[("t1", 4), ("t2", 3), ("t3", 4)]);
    let members = vec![
        owning("c0", &["t1"], &["t1-3"], -1),
        owning("c1", &["t1", "t3"], &["t1-0", "t1-2", "t1-3", "t3-0"], -1),
        owning(
            "c2",
            &["t1", "t2", "t3"],
            &["t1-3", "t2-0", "t2-1", "t3-1", "t3-2", "t3-3"],
            -1,
        ),
        owning("c3", &["t1"], &["t1-0", "t1-1", "t1-2"], -1),
    ];
    // t1-0, t1-2 and t1-3 are claimed twice or more; the rest once.
    let uncontested = vec![
        owning("c0", &["t1"], &[], -1),
        owning("c1", &["t1", "t3"], &["t3-0"], -1),
        owning(
            "c2",
            &["t1", "t2", "t3"],
            &["t2-0", "t2-1", "t3-1", "t3-2", "t3-3"],
            -1,
        ),
        owning("c3", &["t1"], &["t1-1"], -1),
    ];
    assert_eq!(
        assign(Strategy::Sticky, &members, &partitions),
        assign(Strategy::Sticky, &uncontested, &partitions)
    );
}
