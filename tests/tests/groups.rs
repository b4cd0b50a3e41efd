//! Properties of consumer groups over generated scenarios: members start, stop and crash,
//! brokers crash and come back (moving group coordinators), and after a quiet minute every
//! group is Stable and each partition its members subscribe to is owned by exactly one
//! running member. Every run is checked against the invariants after every event and must
//! repeat byte for byte. "Sometimes" checks make sure the schedules really rebalance groups
//! and move coordinators, so that the property cannot pass without being exercised.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;

use ksim::kafka::trace::TraceEvent;
use ksim_tests::run_checked;
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};

const ASSIGNORS: [&str; 4] = [
    "org.apache.kafka.clients.consumer.RangeAssignor",
    "org.apache.kafka.clients.consumer.RoundRobinAssignor",
    "org.apache.kafka.clients.consumer.StickyAssignor",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
];

/// How long the run goes on after the last fault: every group must have settled by then.
const QUIET_MS: u64 = 60_000;
/// Faults happen before this time.
const FAULTS_UNTIL_MS: u64 = 40_000;

#[derive(Clone, Debug)]
struct Plan {
    /// Partition counts of topics t0, t1, ...
    topics: Vec<u32>,
    /// Per group: the index of its assignor.
    groups: Vec<usize>,
    /// Per consumer: its group and the topics it subscribes to (a bit set over `topics`).
    consumers: Vec<(usize, u32)>,
    /// Client steps in time order: (at ms, consumer, what) with what 0 = stop, 1 = crash,
    /// 2 = start. Steps that make no sense (stopping a stopped consumer) are skipped.
    client_steps: Vec<(u64, usize, u32)>,
    /// At most one broker crash: (broker, down at ms, down for ms).
    broker_crash: Option<(u32, u64, u64)>,
}

fn plans() -> impl Strategy<Value = Plan> {
    (
        prop::collection::vec(1u32..=4, 1..=3),
        prop::collection::vec(0usize..ASSIGNORS.len(), 1..=2),
        prop::collection::vec((0usize..2, 1u32..8), 2..=6),
        prop::collection::vec((1_000u64..FAULTS_UNTIL_MS, 0usize..6, 0u32..3), 0..=6),
        prop::option::weighted(
            0.4,
            (
                1u32..=3,
                1_000u64..FAULTS_UNTIL_MS - 12_000,
                2_000u64..10_000,
            ),
        ),
    )
        .prop_map(
            |(topics, groups, consumers, mut client_steps, broker_crash)| {
                let consumers: Vec<(usize, u32)> = consumers
                    .into_iter()
                    .map(|(group, topic_bits)| {
                        let mask = (1u32 << topics.len()) - 1;
                        let bits = topic_bits & mask;
                        (group % groups.len(), if bits == 0 { 1 } else { bits })
                    })
                    .collect();
                client_steps.retain(|(_, consumer, _)| *consumer < consumers.len());
                client_steps.sort();
                Plan {
                    topics,
                    groups,
                    consumers,
                    client_steps,
                    broker_crash,
                }
            },
        )
}

fn subscribed(plan: &Plan, bits: u32) -> Vec<String> {
    (0..plan.topics.len())
        .filter(|t| bits & (1 << t) != 0)
        .map(|t| format!("t{t}"))
        .collect()
}

/// The scenario text for a plan; every consumer is running again by the end of the faults.
fn scenario(plan: &Plan) -> String {
    let mut text = format!(
        "name = \"generated groups\"\nduration = \"{}ms\"\n[cluster]\nbrokers = 3\n",
        FAULTS_UNTIL_MS + QUIET_MS
    );
    for (t, partitions) in plan.topics.iter().enumerate() {
        text.push_str(&format!(
            "[[topics]]\nname = \"t{t}\"\npartitions = {partitions}\nreplication_factor = 3\n"
        ));
    }
    for (c, (group, bits)) in plan.consumers.iter().enumerate() {
        let topics: Vec<String> = subscribed(plan, *bits)
            .into_iter()
            .map(|t| format!("\"{t}\""))
            .collect();
        text.push_str(&format!(
            "[[consumers]]\nname = \"c{c}\"\ngroup = \"g{group}\"\nsubscribe = [{}]\n\
             config = {{ \"partition.assignment.strategy\" = \"{}\", \"session.timeout.ms\" = 10000 }}\n",
            topics.join(", "),
            ASSIGNORS[plan.groups[*group]]
        ));
    }
    let mut steps: Vec<(u64, String)> = Vec::new();
    let mut running = vec![true; plan.consumers.len()];
    for &(at, consumer, what) in &plan.client_steps {
        let action = match (what, running[consumer]) {
            (0, true) => "stop",
            (1, true) => "crash",
            (2, false) => "start",
            _ => continue,
        };
        running[consumer] = action == "start";
        steps.push((at, format!("{action} = \"c{consumer}\"")));
    }
    for (consumer, up) in running.iter().enumerate() {
        if !up {
            steps.push((FAULTS_UNTIL_MS, format!("start = \"c{consumer}\"")));
        }
    }
    if let Some((broker, at, length)) = plan.broker_crash {
        steps.push((at, format!("crash = {broker}")));
        steps.push((at + length, format!("restart = {broker}")));
    }
    steps.sort();
    for (at, action) in steps {
        text.push_str(&format!("[[steps]]\nat = \"{at}ms\"\n{action}\n"));
    }
    text
}

fn run(text: &str, seed: u64) -> ksim::World {
    let scenario = Arc::new(
        ksim::scenario::parse(text, "generated.toml").unwrap_or_else(|e| panic!("{e}\n{text}")),
    );
    run_checked(scenario, Some(seed))
}

/// Every group Stable, every partition of its members' topics owned by exactly one running
/// member, and no member owning a partition of a topic it does not subscribe to.
fn check_settled(world: &ksim::World, plan: &Plan) -> Result<(), String> {
    let groups: Vec<usize> = {
        let mut g: Vec<usize> = plan.consumers.iter().map(|(g, _)| *g).collect();
        g.sort();
        g.dedup();
        g
    };
    for group in groups {
        let name = format!("g{group}");
        let Some((coordinator, g)) = world.group(&name) else {
            return Err(format!("group {name} has no coordinator"));
        };
        if g.state != ksim::kafka::group::GroupState::Stable {
            return Err(format!(
                "group {name} is {} on coordinator {coordinator}",
                g.state.name()
            ));
        }
        let mut owners: BTreeMap<(u32, u32), Vec<String>> = BTreeMap::new();
        let mut bits = 0;
        for (c, consumer) in world.consumers().iter().enumerate() {
            if !consumer.member_of(&name) {
                continue;
            }
            if !consumer.running {
                return Err(format!("{} is not running", consumer.name));
            }
            bits |= plan.consumers[c].1;
            for tp in &consumer.assignment {
                if plan.consumers[c].1 & (1 << tp.topic.0) == 0 {
                    return Err(format!(
                        "{} owns {tp:?} outside its subscription",
                        consumer.name
                    ));
                }
                owners
                    .entry((tp.topic.0, tp.partition))
                    .or_default()
                    .push(consumer.name.clone());
            }
        }
        for (t, &partitions) in plan.topics.iter().enumerate() {
            if bits & (1 << t) == 0 {
                continue;
            }
            for p in 0..partitions {
                match owners.get(&(t as u32, p)).map(Vec::as_slice) {
                    Some([_]) => {}
                    other => {
                        return Err(format!(
                            "group {name}: t{t}-{p} is owned by {other:?}, not by exactly one member"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

// After faults and a quiet minute, consumer groups settle: each Stable, each subscribed
// partition owned once. Runs repeat exactly. Across the cases, groups must have rebalanced
// after their first generation and some coordinator must have moved to another broker.
#[test]
fn groups_settle_after_faults() {
    let config = ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let later_generations = Cell::new(0);
    let coordinator_moves = Cell::new(0);
    let result = runner.run(&(plans(), 0u64..1_000), |(plan, seed)| {
        let text = scenario(&plan);
        let world = run(&text, seed);
        if let Err(problem) = check_settled(&world, &plan) {
            return Err(TestCaseError::fail(format!(
                "{problem} (seed {seed})\n{text}"
            )));
        }
        for entry in world.trace().entries() {
            match &entry.event {
                TraceEvent::JoinCompleted { generation, .. } if *generation > 1 => {
                    later_generations.set(later_generations.get() + 1)
                }
                TraceEvent::GroupLoaded { .. } => {
                    coordinator_moves.set(coordinator_moves.get() + 1)
                }
                _ => {}
            }
        }
        prop_assert_eq!(
            world.trace().to_text(),
            run(&text, seed).trace().to_text(),
            "the run does not repeat (seed {})\n{}",
            seed,
            text
        );
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    assert!(later_generations.get() > 0, "no group ever rebalanced");
    assert!(coordinator_moves.get() > 0, "no coordinator ever moved");
}
