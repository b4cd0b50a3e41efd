//! Unit tests of the consumer's rules, each run as a small scenario: the metrics it reports
//! and what it reads.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::engine::ids::{BrokerId, NodeId};
use crate::engine::time::SimTime;
use crate::kafka::effects::{Ctx, Effect, Timer};
use crate::kafka::message::Message;
use crate::world::World;

/// Runs a scenario written for the test up to `until_ms`.
fn run_until(text: &str, until_ms: u64) -> World {
    let scenario = crate::scenario::parse(text, "test.toml").expect("a valid test scenario");
    let mut world = World::new(Arc::new(scenario), 1);
    world.run_until(SimTime::from_millis(until_ms));
    world
}

/// One partition, a producer writing 400 records from 4 s at 200 a second, and a consumer
/// spending 10 ms per record: it falls about 200 records behind by 6 s and has caught up
/// by about 9 s, then keeps fetching (empty fetches every fetch.max.wait.ms).
const FALLS_BEHIND_THEN_CATCHES_UP: &str = r#"name = "t"
duration = "80s"
[cluster]
brokers = 1
[[topics]]
name = "t"
partitions = 1
replication_factor = 1
[[producers]]
name = "app"
[[consumers]]
name = "c"
group = "g"
subscribe = ["t"]
processing = "10ms"
config = { "auto.offset.reset" = "earliest", "max.poll.records" = 50 }
[[steps]]
at = "4s"
produce = { producer = "app", topic = "t", count = 400, rate = "200/s" }
"#;

// R8.10: records-lag-max is a sampled max over two windows of metrics.sample.window.ms
// (30 s): a lag seen at 6 s is still reported at 20 s, after the consumer caught up, and is
// forgotten only once its window is older than two windows.
#[test]
fn r8_10_records_lag_max_keeps_the_max_of_its_sample_windows() {
    let mut world = run_until(FALLS_BEHIND_THEN_CATCHES_UP, 20_000);
    let consumer = &world.consumers()[0];
    let lag_now: u64 = consumer.lag().values().sum();
    assert_eq!(lag_now, 0, "caught up by 20 s");
    let at_20s = consumer.records_lag_max(world.now());
    assert!(
        at_20s >= 100,
        "the lag of 6 s is still in the window: {at_20s}"
    );

    world.run_until(SimTime::from_millis(75_000));
    let consumer = &world.consumers()[0];
    let at_75s = consumer.records_lag_max(world.now());
    assert_eq!(at_75s, 0, "the window holding the lag of 6 s has expired");
}

// R8.6, R8.7: a member the coordinator has dropped (its session timed out behind a network
// cut) hears UNKNOWN_MEMBER_ID when the cut heals (here on its auto-commit); it resets
// (`resetStateAndGeneration`: no member id, generation -1, its partitions lost) and joins
// again as a new member, and stays.
#[test]
fn r8_6_a_member_dropped_by_the_coordinator_resets_and_rejoins() {
    let text = r#"name = "t"
duration = "60s"
[cluster]
brokers = 1
[[topics]]
name = "t"
partitions = 1
replication_factor = 1
[[consumers]]
name = "c"
group = "g"
subscribe = ["t"]
config = { "session.timeout.ms" = 6000 }
[[steps]]
at = "10s"
isolate = 1
[[steps]]
at = "20s"
heal = true
"#;
    let mut world = run_until(text, 9_000);
    let consumer = &world.consumers()[0];
    assert_eq!(consumer.generation, 1);
    let first_id = consumer.member().to_string();
    world.run_until(SimTime::from_millis(21_000));
    let consumer = &world.consumers()[0];
    assert!(consumer.assignment.is_empty(), "its partitions are lost");
    assert_ne!(
        consumer.member(),
        first_id,
        "it joins again as a new member"
    );

    // The coordinator, re-elected in a new leader epoch while the member was joining, keeps
    // the join (its groups are not reloaded); the member's heartbeats of the new generation
    // are not held back by one lost in the cut. So it stays in that generation.
    world.run_until(SimTime::from_millis(24_000));
    let consumer = &world.consumers()[0];
    let (second_id, generation) = (consumer.member().to_string(), consumer.generation);
    assert!(generation > 1, "joined a new generation after the cut");
    assert_eq!(consumer.assignment.len(), 1, "t-0 assigned again");
    world.run_until(SimTime::from_millis(59_000));
    let consumer = &world.consumers()[0];
    assert_eq!(
        (consumer.member(), consumer.generation),
        (second_id.as_str(), generation),
        "still the same member in the same generation"
    );
    assert_eq!(consumer.assignment.len(), 1);
}

// R8.1: the fetcher keeps one Fetch in flight to each leader of its partitions (Kafka's
// `AbstractFetch.prepareFetchRequests` skips a node with a fetch pending), and each request
// is its own: every request carries a correlation id of its own (`NetworkClient`'s
// `correlation++`), so a timeout set for a request answered long ago leaves the fetches in
// flight now alone, and sends nothing.
#[test]
fn r8_1_one_fetch_in_flight_per_leader_each_its_own_request() {
    let text = r#"name = "t"
duration = "60s"
[cluster]
brokers = 2
[[topics]]
name = "t"
replicas = [[1], [2]]
[[consumers]]
name = "c"
assign = ["t-0", "t-1"]
config = { "auto.offset.reset" = "earliest" }
"#;
    let world = run_until(text, 5_000);
    let mut consumer = world.consumers()[0].clone();
    let leaders: BTreeSet<BrokerId> = consumer.fetches.values().copied().collect();
    assert_eq!(
        leaders,
        BTreeSet::from([BrokerId(1), BrokerId(2)]),
        "a fetch in flight to each leader: {:?}",
        consumer.fetches
    );
    let in_flight = consumer.fetches.clone();
    let first = *in_flight.keys().next().expect("a fetch in flight");
    assert!(first > 1, "the first request was answered long ago");

    // The timeout of the consumer's first request (answered within the first second).
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(world.now(), NodeId::Consumer(consumer.idx), &mut effects);
    consumer.on_timer(&mut ctx, Timer::RequestTimeout(1));
    assert_eq!(consumer.fetches, in_flight);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Send(_, Message::Fetch(_)))),
        "nothing is sent again: {effects:?}"
    );
}
