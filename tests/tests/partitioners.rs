//! The producer's partitioners end to end: `partitioner.class = RoundRobinPartitioner` against
//! the built-in one, on the same keyed records, read back from the final logs and the ledger.

use std::sync::Arc;

use ksim::World;
use ksim_tests::run_checked;

/// Nine records of one key to a three-partition topic, partitioned by `partitioner`.
fn run(partitioner: &str) -> World {
    let config = if partitioner.is_empty() {
        String::new()
    } else {
        format!("\"partitioner.class\" = \"{partitioner}\"")
    };
    let text = format!(
        r#"
name = "partitioners"
seed = 1
duration = "5s"

[cluster]
brokers = 3

[[topics]]
name = "orders"
partitions = 3
replication_factor = 3
replicas = [[1, 2, 3], [2, 3, 1], [3, 1, 2]]

[[producers]]
name = "app"
config = {{ {config} }}

[[steps]]
at = "0s"
produce = {{ producer = "app", topic = "orders", count = 9, key = "user-1", rate = "100/s" }}
"#
    );
    let scenario =
        ksim::scenario::parse(&text, "partitioners.toml").unwrap_or_else(|e| panic!("{e}"));
    run_checked(Arc::new(scenario), None)
}

/// Each partition's final log on its leader, as record values.
fn logs(world: &World) -> Vec<Vec<String>> {
    (0..3)
        .map(|p| {
            let leader = p + 1; // replicas = [[1, ...], [2, ...], [3, ...]]
            let tp = ksim::engine::ids::TopicPartition::new(ksim::engine::ids::TopicId(0), p);
            world.brokers()[leader as usize - 1].replicas[&tp]
                .log
                .records()
                .map(|(_, r)| world.producers()[0].key_and_value(r.n).1)
                .collect()
        })
        .collect()
}

// Round robin ignores the key: record i goes to partition i mod 3, so one key's records are
// split over every partition (keys_split = 1), though no key "moved" by a hash (moved_keys = 0).
#[test]
fn round_robin_rotates_keyed_records() {
    let world = run("org.apache.kafka.clients.producer.RoundRobinPartitioner");
    assert_eq!(
        logs(&world),
        [
            ["app-0", "app-3", "app-6"],
            ["app-1", "app-4", "app-7"],
            ["app-2", "app-5", "app-8"]
        ]
    );
    let summary = world.ledger().summary;
    assert_eq!(
        (summary.acked, summary.keys_split, summary.moved_keys),
        (9, 1, 0)
    );
}

// Without partitioner.class the key decides: user-1 hashes to partition 2 of 3 (R7.4), every
// record of it lands there in order, and the key is not split.
#[test]
fn built_in_partitioner_keeps_a_key_together() {
    let world = run("");
    let expected: Vec<String> = (0..9).map(|n| format!("app-{n}")).collect();
    assert_eq!(logs(&world), [vec![], vec![], expected]);
    let summary = world.ledger().summary;
    assert_eq!(
        (summary.acked, summary.keys_split, summary.moved_keys),
        (9, 0, 0)
    );
}
