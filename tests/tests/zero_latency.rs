//! Zero network latency and zero fetch waits are valid settings, and a run under them still
//! moves simulated time forward: a fetch that returns at once costs a round trip, as in Kafka,
//! so no fetch loop spins at one instant.

use std::sync::Arc;

use ksim::World;
use proptest::prelude::*;

/// A scenario with the given latency, waits and shape; consumers fetch from the start (one by
/// assignment, one in a group whose first rebalance is not delayed).
fn scenario(latency: &str, brokers: u32, rf: u32, replica_wait: u64, consumer_wait: u64) -> String {
    format!(
        r#"name = "zero"
duration = "40ms"
[network]
latency = {latency}
[cluster]
brokers = {brokers}
config = {{ "replica.fetch.wait.max.ms" = {replica_wait}, "group.initial.rebalance.delay.ms" = 0, "offsets.topic.replication.factor" = 1 }}
[[topics]]
name = "t"
partitions = 2
replication_factor = {rf}
[[producers]]
name = "p"
config = {{ "linger.ms" = 0 }}
[[consumers]]
name = "a"
assign = ["t-0"]
config = {{ "fetch.max.wait.ms" = {consumer_wait}, "auto.offset.reset" = "earliest" }}
[[consumers]]
name = "g"
group = "g1"
subscribe = ["t"]
config = {{ "fetch.max.wait.ms" = {consumer_wait}, "auto.offset.reset" = "earliest" }}
[[steps]]
at = "0s"
produce = {{ producer = "p", topic = "t", count = 3 }}
[[expect]]
consumer = "g"
received = 3
"#
    )
}

/// Runs a scenario within `budget` engine events and returns the world; the run must end.
fn run_within(text: &str, budget: u64) -> World {
    let scenario = ksim::scenario::parse(text, "zero.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut world = World::new(Arc::new(scenario), 1);
    if let Err(runaway) = world.run_to_end_within(budget) {
        panic!("{runaway}\n{text}");
    }
    world
}

// The case of the bug report: latency "0s" and fetch waits of zero on consumers and followers
// reach the end of the run, and the consumers still read every record.
#[test]
fn zero_latency_and_zero_waits_reach_the_end() {
    let text = scenario("\"0s\"", 2, 2, 0, 0);
    let world = run_within(&text, 2_000_000);
    assert_eq!(world.now(), ksim::engine::time::SimTime::from_millis(40));
    for result in world.check_results() {
        assert!(
            result.passed(),
            "{:?}\n{}",
            result.failures,
            world.trace().to_text()
        );
    }
}

// A run cut short by its event limit says so: how far it got of how long, and how to go on.
#[test]
fn the_event_limit_stops_a_run_and_says_where() {
    let text = scenario("\"0s\"", 1, 1, 0, 0);
    let scenario = ksim::scenario::parse(&text, "zero.toml").unwrap();
    let mut world = World::new(Arc::new(scenario), 1);
    let runaway = world.run_to_end_within(1_000).unwrap_err();
    assert_eq!(world.events_processed(), 1_000);
    assert_eq!(runaway.max_events, 1_000);
    let message = runaway.to_string();
    assert!(
        message.starts_with("the run stopped after 1000 engine events, at "),
        "{message}"
    );
    assert!(
        message.ends_with("of its 40ms: raise the limit with --max-events, or shorten `duration`"),
        "{message}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    // Whatever mix of zero latencies and zero waits, no instant of simulated time takes more
    // than a few thousand events, and the run reaches its end within a small event budget.
    #[test]
    fn zero_waits_never_stall_time(
        max_latency_us in prop_oneof![Just(0u64), 0u64..50],
        brokers in 1u32..=3,
        rf_pick in 0u32..3,
        replica_wait in prop_oneof![Just(0u64), 0u64..5],
        consumer_wait in prop_oneof![Just(0u64), 0u64..5],
        seed in any::<u64>(),
    ) {
        let rf = 1 + rf_pick % brokers;
        let latency = format!("[\"0us\", \"{max_latency_us}us\"]");
        let text = scenario(&latency, brokers, rf, replica_wait, consumer_wait);
        let scenario = ksim::scenario::parse(&text, "zero.toml").unwrap_or_else(|e| panic!("{e}"));
        let mut world = World::new(Arc::new(scenario), seed);
        let (mut instant, mut at_instant) = (world.now(), 0u64);
        while world.step() {
            if world.now() == instant {
                at_instant += 1;
                prop_assert!(at_instant < 5_000, "5000 events at {instant} without time moving:\n{text}");
            } else {
                (instant, at_instant) = (world.now(), 0);
            }
            prop_assert!(world.events_processed() < 3_000_000, "no end after 3 M events:\n{text}");
        }
        prop_assert_eq!(world.now(), ksim::engine::time::SimTime::from_millis(40));
    }
}
