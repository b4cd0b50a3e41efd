//! Each published trace replayed under every Kafka release ksim models: the data is lost, or
//! the logs diverge, exactly under the releases before the fix its source names, and not
//! after (`docs/src/versions.md`).

use std::sync::Arc;

use ksim::config::version::SUPPORTED_VERSIONS;
use ksim::engine::ids::{Offset, RecordId};
use ksim_tests::{run_checked, scenarios_dir};

/// One release's run of a shipped scenario, its `kafka_version` line replaced.
struct Outcome {
    acked_lost: u64,
    /// Whether every broker holding the partition ends with the same records.
    logs_agree: bool,
    /// Records the consumers received.
    received: usize,
}

fn run_under(file: &str, version: &str) -> Outcome {
    let text = std::fs::read_to_string(scenarios_dir().join(file)).expect("shipped");
    let line = text
        .lines()
        .find(|l| l.starts_with("kafka_version = "))
        .map(str::to_string);
    let text = match line {
        Some(line) => text.replace(&line, &format!("kafka_version = \"{version}\"")),
        None => text.replace(
            "[cluster]\n",
            &format!("[cluster]\nkafka_version = \"{version}\"\n"),
        ),
    };
    let scenario = ksim::scenario::parse(&text, file).unwrap_or_else(|e| panic!("{e}"));
    let world = run_checked(Arc::new(scenario), None);
    let logs: Vec<Vec<(Offset, RecordId)>> = world
        .brokers()
        .iter()
        .filter_map(|b| b.replicas.values().next())
        .map(|r| r.log.records().collect())
        .collect();
    Outcome {
        acked_lost: world.ledger().summary.acked_lost,
        logs_agree: logs.windows(2).all(|w| w[0] == w[1]),
        received: world.consumers().iter().map(|c| c.received.len()).sum(),
    }
}

fn before(version: &str, line: &str) -> bool {
    let index = |v: &str| {
        SUPPORTED_VERSIONS
            .iter()
            .position(|s| *s == v)
            .expect("supported")
    };
    index(version) < index(line)
}

// KIP-101 scenario 1 (T1): the acknowledged record is lost only before 0.11. From 2.2 on
// (KIP-380) the restarted follower leaves the ISR, so the partition waits offline for the
// old leader instead: nothing is lost either.
#[test]
fn t1_loses_the_acked_record_only_before_leader_epochs() {
    for version in SUPPORTED_VERSIONS {
        let outcome = run_under("kip-101-hw-truncation-loses-acked-0.10.toml", version);
        let expected = u64::from(before(version, "0.11"));
        assert_eq!(outcome.acked_lost, expected, "kafka_version {version}");
        assert!(outcome.logs_agree, "kafka_version {version}");
    }
}

// KIP-101 scenario 2 (T2): the two replicas keep different records at offset 2 only before
// 0.11; app-2, on no replica that could lead, is lost under every release.
#[test]
fn t2_logs_diverge_only_before_leader_epochs() {
    for version in SUPPORTED_VERSIONS {
        let outcome = run_under("kip-101-power-loss-diverges-0.10.toml", version);
        assert_eq!(
            outcome.logs_agree,
            !before(version, "0.11"),
            "kafka_version {version}"
        );
        assert_eq!(outcome.acked_lost, 1, "kafka_version {version}");
    }
}

// T3: leader epochs without KIP-279 (0.11 to 1.1) leave the logs different; KIP-279 (2.0)
// repairs them. Before 0.11 the follower truncates to its high watermark (offset 1) and
// copies the leader's log: the logs agree, by dropping its own record.
#[test]
fn t3_logs_diverge_only_between_kip_101_and_kip_279() {
    for version in SUPPORTED_VERSIONS {
        let outcome = run_under("epoch-truncation-kip-279.toml", version);
        let diverged = !before(version, "0.11") && before(version, "2.0");
        assert_eq!(outcome.logs_agree, !diverged, "kafka_version {version}");
    }
}

// KAFKA-15583: before 3.7 the high watermark advances with the leader alone in an ISR below
// min.insync.replicas, and the consumer reads the record the power loss then takes.
#[test]
fn consumers_read_below_min_isr_only_before_3_7() {
    for version in SUPPORTED_VERSIONS {
        let outcome = run_under("hw-below-min-isr-3.6.toml", version);
        let expected = usize::from(before(version, "3.7"));
        assert_eq!(outcome.received, expected, "kafka_version {version}");
        assert_eq!(outcome.acked_lost, 1, "kafka_version {version}");
    }
}

// KIP-320's consumer side (2.3): before it the consumer falls back to auto.offset.reset
// ("earliest") after the unclean election and reads the five surviving records twice.
#[test]
fn consumers_reread_after_truncation_only_before_2_3() {
    for version in SUPPORTED_VERSIONS {
        let outcome = run_under("consumer-detects-truncation-kip-320.toml", version);
        let expected = if before(version, "2.3") { 17 } else { 12 };
        assert_eq!(outcome.received, expected, "kafka_version {version}");
    }
}

// KIP-966's last replica standing: the leader, alone in an ISR below min ISR, loses its
// unflushed log to a power loss. Before 4.1 it leads again with the empty log and the six
// acknowledged records are lost; from 4.1 (eligible leader replicas on by default) the
// partition waits for broker 2, in the ELR, which holds them all.
#[test]
fn last_replica_standing_loses_committed_records_only_before_4_1() {
    for version in SUPPORTED_VERSIONS {
        let outcome = run_under("kip-966-last-replica-standing-4.0.toml", version);
        let expected = if before(version, "4.1") { 6 } else { 0 };
        assert_eq!(outcome.acked_lost, expected, "kafka_version {version}");
        assert!(outcome.logs_agree, "kafka_version {version}");
        assert_eq!(
            outcome.received,
            6 - expected as usize,
            "kafka_version {version}"
        );
    }
}

// KIP-966's clean-shutdown detection: broker 2 stays in the ELR across a restart only when it
// left by a controlled shutdown. After a crash its registration is unclean, the ELR empties,
// and the last known leader, broker 1 with the log a power loss emptied, is elected.
#[test]
fn only_a_controlled_shutdown_keeps_a_broker_in_the_elr() {
    let scenario = |leave: &str| {
        format!(
            r#"name = "t"
seed = 7
duration = "80s"
[cluster]
brokers = 3
kafka_version = "4.1"
[[topics]]
name = "orders"
partitions = 1
replication_factor = 3
replicas = [[1, 2, 3]]
config = {{ "min.insync.replicas" = 2 }}
[[producers]]
name = "app"
config = {{ "acks" = "all" }}
[[steps]]
at = "0s"
produce = {{ producer = "app", topic = "orders", count = 4 }}
[[steps]]
at = "1s"
shutdown = 3
[[steps]]
at = "12s"
produce = {{ producer = "app", topic = "orders", count = 2 }}
[[steps]]
at = "14s"
{leave} = 2
[[steps]]
at = "26s"
power_loss = 1
[[steps]]
at = "28s"
restart = 1
[[steps]]
at = "40s"
restart = 2
[[steps]]
at = "40s"
restart = 3
"#
        )
    };
    let run = |leave: &str| {
        let scenario = ksim::scenario::parse(&scenario(leave), "t.toml").expect("valid");
        let world = run_checked(Arc::new(scenario), None);
        let tp = ksim::engine::ids::TopicPartition::new(ksim::engine::ids::TopicId(0), 0);
        let leader = world
            .controller()
            .image()
            .partition(tp)
            .and_then(|s| s.leader);
        (world.ledger().summary.acked_lost, leader)
    };
    let two = Some(ksim::engine::ids::BrokerId(2));
    let one = Some(ksim::engine::ids::BrokerId(1));
    assert_eq!(
        run("shutdown"),
        (0, two),
        "a clean shutdown keeps broker 2 eligible"
    );
    assert_eq!(run("crash"), (6, one), "a crash is an unclean shutdown");
}
