//! Unit tests of the group coordinator: membership, rebalances, static members, commits and
//! failover, driven by hand through `on_group_request` and its timers.

use super::*;
use crate::config::{BrokerConfig, TopicConfig};
use crate::engine::ids::{ConsumerIdx, LeaderEpoch};
use crate::kafka::broker::tests::deliver;
use crate::kafka::effects::Effect;
use crate::kafka::log::ControlType;
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
        elr: Vec::new(),
        last_known_elr: Vec::new(),
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
fn broker(id: u32, leader: u32, replicas: &[u32], isr: &[u32], initial_delay_ms: u64) -> Broker {
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
        crate::kafka::txn::TxnCoordinator::new(Arc::new(Vec::new()), None, 50),
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
        reason: crate::kafka::trace::why!("test" ; "테스트"),
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

fn commit(b: &mut Broker, now_ms: u64, from: u32, member: &str, generation: i32) -> Vec<Effect> {
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

fn commit_result(effects: &[Effect]) -> Option<Result<Vec<(TopicPartition, Offset)>, KafkaError>> {
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
        held_since: SimTime::ZERO,
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
            read_committed: false,
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
            min_bytes: 1,
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

// R8.7: a join phase ends as soon as every known member has rejoined (Kafka's
// `hasAllMembersJoined`), not at the rebalance timeout (max.poll.interval.ms, 5 minutes
// here): a member joining at 10 s makes the other rejoin on its next heartbeat, and both
// have their partitions of generation 2 within seconds.
#[test]
fn r8_7_a_rebalance_completes_once_every_member_has_rejoined() {
    let text = r#"name = "t"
duration = "60s"
[cluster]
brokers = 1
[[topics]]
name = "t"
partitions = 2
replication_factor = 1
[[consumers]]
name = "c1"
group = "g"
subscribe = ["t"]
[[consumers]]
name = "c2"
group = "g"
subscribe = ["t"]
start = "10s"
"#;
    let scenario = crate::scenario::parse(text, "test.toml").expect("a valid test scenario");
    let mut world = crate::world::World::new(std::sync::Arc::new(scenario), 1);
    world.run_until(SimTime::from_millis(20_000));
    for consumer in world.consumers() {
        assert_eq!(consumer.generation, 2, "{}", consumer.name);
        assert_eq!(consumer.assignment.len(), 1, "{}", consumer.name);
    }
}

// R8.4: the group's generation is stored in `__consumer_offsets` before any member hears of
// its assignment. When that write fails (here offsets.commit.timeout.ms passes before the
// followers copy it), the members waiting in SyncGroup hear COORDINATOR_NOT_AVAILABLE, not
// their partitions, and the group rebalances (Kafka's `resetAndPropagateAssignmentWithError`,
// then `maybePrepareRebalanceOrCompleteJoin`).
#[test]
fn r8_4_a_generation_whose_write_fails_is_not_handed_out() {
    let mut b = broker(1, 1, &[1, 2, 3], &[1, 2, 3], 3_000);
    let a = join_dynamic(&mut b, 0, 1);
    let c = join_dynamic(&mut b, 0, 2);
    timer(&mut b, 3_000);
    let effects = timer(&mut b, 6_000);
    assert_eq!(joined(&effects, 1).leader, a);
    let effects = sync(&mut b, 6_001, 2, &c, 1, None);
    assert!(responses(&effects).is_empty(), "the follower waits");
    let mut plan = BTreeMap::new();
    plan.insert(a.clone(), vec![ORDERS_0]);
    plan.insert(c.clone(), Vec::new());
    let effects = sync(&mut b, 6_001, 1, &a, 1, Some(plan));
    assert!(
        responses(&effects).is_empty(),
        "the generation waits for the followers of __consumer_offsets"
    );
    assert!(responses(&timer(&mut b, 6_001 + 4_999)).is_empty());

    let effects = timer(&mut b, 6_001 + 5_000);
    let mut answers = responses(&effects);
    answers.sort_by_key(|(to, _, _)| *to);
    assert!(
        matches!(
            &answers[..],
            [
                (
                    _,
                    _,
                    GroupResponse::Sync(Err(KafkaError::CoordinatorNotAvailable))
                ),
                (
                    _,
                    _,
                    GroupResponse::Sync(Err(KafkaError::CoordinatorNotAvailable))
                ),
            ]
        ),
        "both waiting members hear the error: {answers:?}"
    );
    assert!(rebalance_started(&effects));
    let g = &b.coordinator.groups[&G];
    assert_eq!(g.state, GroupState::PreparingRebalance);
    assert!(g.members.values().all(|m| m.awaiting_sync.is_none()));
}

// R8.9: a commit without a generation (-1: a consumer that assigns its own partitions, or
// the admin client) is accepted into an unknown or Empty group, and creates it; a commit
// that claims a generation, even 0, is a member's and is checked as one (Kafka's
// `validateOffsetCommit`): into an unknown group GROUP_ID_NOT_FOUND from OffsetCommit v9,
// which ksim's members see as UNKNOWN_MEMBER_ID, and from no member UNKNOWN_MEMBER_ID.
#[test]
fn r8_9_only_a_commit_without_a_generation_skips_the_member_checks() {
    let mut b = broker(1, 1, &[1], &[1], 3_000);
    let result = commit_result(&commit(&mut b, 0, 1, "", 0));
    assert!(matches!(result, Some(Err(KafkaError::UnknownMemberId))));
    assert!(b.coordinator.groups.is_empty());
    let result = commit_result(&commit(&mut b, 1, 1, "", -1));
    assert!(matches!(result, Some(Ok(_))));
    assert_eq!(b.coordinator.groups[&G].state, GroupState::Empty);
    let result = commit_result(&commit(&mut b, 2, 1, "", 0));
    assert!(matches!(result, Some(Err(KafkaError::UnknownMemberId))));
}

/// A TxnOffsetCommit of orders-0 = `offset` from transactional producer 7, epoch 0.
fn txn_commit(
    b: &mut Broker,
    now_ms: u64,
    member: &str,
    generation: i32,
    offset: u64,
) -> Vec<Effect> {
    request(
        b,
        now_ms,
        9,
        5,
        GroupRequest::TxnOffsetCommit {
            txn: crate::engine::ids::TransactionalId(0),
            producer: ProducerIdx(7),
            epoch: 0,
            member_id: member.to_string(),
            instance_id: None,
            generation,
            offsets: vec![(ORDERS_0, Offset(offset))],
        },
    )
}

fn txn_commit_result(
    effects: &[Effect],
) -> Option<Result<Vec<(TopicPartition, Offset)>, KafkaError>> {
    responses(effects)
        .into_iter()
        .find_map(|(_, _, r)| match r {
            GroupResponse::TxnOffsetCommit(result) => Some(result),
            _ => None,
        })
}

fn offset_fetch(b: &mut Broker, now_ms: u64, require_stable: bool) -> GroupResponse {
    let effects = request(
        b,
        now_ms,
        3,
        6,
        GroupRequest::OffsetFetch {
            partitions: vec![ORDERS_0],
            require_stable,
        },
    );
    responses(&effects)
        .into_iter()
        .map(|(_, _, r)| r)
        .next()
        .expect("OffsetFetch is answered at once")
}

/// The marker of producer 7's transaction, as the transaction coordinator sends it.
fn marker(b: &mut Broker, now_ms: u64, control: ControlType) -> Vec<Effect> {
    deliver(
        b,
        now_ms,
        NodeId::Broker(BrokerId(2)),
        Message::WriteTxnMarkers {
            correlation: 1,
            marker: crate::kafka::message::TxnMarker {
                producer: ProducerIdx(7),
                epoch: 0,
                control,
                partitions: vec![OFFSETS],
            },
        },
    )
}

// KIP-447: TxnOffsetCommit carries the consumer's generation and member id, and the
// coordinator fences a stale generation (ILLEGAL_GENERATION) or an unknown member
// (UNKNOWN_MEMBER_ID) as it does an OffsetCommit; an unknown group with a generation is
// ILLEGAL_GENERATION (`validateTransactionalOffsetCommit`).
#[test]
fn txn_offset_commit_fences_a_stale_generation() {
    let (mut b, a, _, now) = stable_group();
    let result = txn_commit_result(&txn_commit(&mut b, now, &a, 0, 5));
    assert!(matches!(result, Some(Err(KafkaError::IllegalGeneration))));
    let result = txn_commit_result(&txn_commit(&mut b, now, "consumer-g1-3-unknown", 1, 5));
    assert!(matches!(result, Some(Err(KafkaError::UnknownMemberId))));
    assert!(b.coordinator.groups[&G].pending_txn_offsets.is_empty());
    let mut fresh = broker(1, 1, &[1], &[1], 3_000);
    let result = txn_commit_result(&txn_commit(&mut fresh, 0, "m", 3, 5));
    assert!(matches!(result, Some(Err(KafkaError::IllegalGeneration))));
}

// A group.instance.id the group does not know is UNKNOWN_MEMBER_ID for TxnOffsetCommit, as
// validate_member answers every request (a replaced static member gets FENCED_INSTANCE_ID).
#[test]
fn txn_offset_commit_checks_the_instance_id() {
    let (mut b, a, _, now) = stable_group();
    let effects = request(
        &mut b,
        now,
        9,
        5,
        GroupRequest::TxnOffsetCommit {
            txn: crate::engine::ids::TransactionalId(0),
            producer: ProducerIdx(7),
            epoch: 0,
            member_id: a.clone(),
            instance_id: Some("not-this-member".into()),
            generation: 1,
            offsets: vec![(ORDERS_0, Offset(5))],
        },
    );
    assert!(matches!(
        txn_commit_result(&effects),
        Some(Err(KafkaError::UnknownMemberId))
    ));
}

// Transactional offsets are pending until the marker: OffsetFetch without require_stable
// does not see them, with it answers UNSTABLE_OFFSET_COMMIT (KIP-447); the commit marker
// makes them the group's offsets, and an abort marker drops them.
#[test]
fn txn_offsets_wait_for_the_marker() {
    let (mut b, a, _, now) = stable_group();
    let result = txn_commit_result(&txn_commit(&mut b, now, &a, 1, 5));
    assert!(matches!(result, Some(Ok(_))));
    assert!(b.coordinator.groups[&G].offsets.is_empty());
    assert!(matches!(
        offset_fetch(&mut b, now, false),
        GroupResponse::OffsetFetch(Ok(found)) if found.is_empty()
    ));
    assert!(matches!(
        offset_fetch(&mut b, now, true),
        GroupResponse::OffsetFetch(Err(KafkaError::UnstableOffsetCommit))
    ));
    marker(&mut b, now + 1, ControlType::Commit);
    assert_eq!(b.coordinator.groups[&G].offsets[&ORDERS_0], Offset(5));
    assert!(matches!(
        offset_fetch(&mut b, now + 1, true),
        GroupResponse::OffsetFetch(Ok(found)) if found[&ORDERS_0] == Offset(5)
    ));
    // The next transaction aborts: its offsets never become the group's.
    assert!(matches!(
        txn_commit_result(&txn_commit(&mut b, now + 2, &a, 1, 9)),
        Some(Ok(_))
    ));
    marker(&mut b, now + 3, ControlType::Abort);
    let g = &b.coordinator.groups[&G];
    assert_eq!(g.offsets[&ORDERS_0], Offset(5));
    assert!(g.pending_txn_offsets.is_empty());
}

// A new coordinator replays the transactional batches and markers of its log: committed
// transactional offsets are the group's, those of a still-open transaction are pending.
#[test]
fn a_new_coordinator_replays_transactional_offsets() {
    let (mut old, a, _, now) = stable_group();
    txn_commit(&mut old, now, &a, 1, 5);
    marker(&mut old, now + 1, ControlType::Commit);
    txn_commit(&mut old, now + 2, &a, 1, 9);
    let mut new = broker(2, 1, &[1, 2], &[1], 3_000);
    new.replicas.get_mut(&OFFSETS).expect("a replica").log = old.replicas[&OFFSETS].log.clone();
    deliver(
        &mut new,
        now + 3,
        NodeId::Controller,
        Message::MetadataUpdate(Arc::new(image(2, 2, 1, &[2, 1], &[2]))),
    );
    let g = &new.coordinator.groups[&G];
    assert_eq!(g.offsets[&ORDERS_0], Offset(5));
    assert_eq!(g.pending_txn_offsets[&ProducerIdx(7)][&ORDERS_0], Offset(9));
}
