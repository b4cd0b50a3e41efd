//! Unit tests of the producer: batching, request sizes, record bounds, the schedule's
//! look-ahead, retries and the order of several schedules.

use super::*;
use crate::world::World;

/// Runs a scenario written for the test to its end.
fn run(text: &str) -> World {
    let scenario = crate::scenario::parse(text, "test.toml").expect("a valid test scenario");
    let mut world = World::new(Arc::new(scenario), 1);
    world.run_to_end();
    world
}

/// One broker leading `partitions` partitions, and one producer with `config`.
fn cluster(partitions: u32, topic_config: &str, config: &str) -> String {
    format!(
        r#"name = "t"
duration = "5s"
[cluster]
brokers = 2
[[topics]]
name = "t"
partitions = {partitions}
replication_factor = 1
replicas = [{}]
config = {{ {topic_config} }}
[[producers]]
name = "app"
config = {{ {config} }}
"#,
        vec!["[1]"; partitions as usize].join(", ")
    )
}

fn produce(at: &str, extra: &str) -> String {
    format!(
        "[[steps]]\nat = \"{at}\"\nproduce = {{ producer = \"app\", topic = \"t\", {extra} }}\n"
    )
}

// Two produce steps on one producer are like two threads calling send(): records enter
// in the order they are due, ties in step order, however the producer's wakes fall.
#[test]
fn two_schedules_interleave_in_due_then_step_order() {
    let text = cluster(1, "", "\"linger.ms\" = 1000")
        + &produce("100ms", "count = 3, value = \"b\", rate = \"1000/s\"")
        + &produce("100ms", "count = 3, value = \"c\", rate = \"1000/s\"")
        + &produce("99ms", "count = 2, value = \"a\", rate = \"500/s\"");
    let world = run(&text);
    let producer = &world.producers()[0];
    let values: Vec<String> = (0..8).map(|n| producer.key_and_value(n).1).collect();
    // a is due at 99 and 101 ms, b and c at 100, 101 and 102 ms.
    assert_eq!(values, ["a", "b", "c", "a", "b", "c", "b", "c"]);
}

// R6.3: once one partition's batch is ready, the request to its leader takes the first
// batch of every partition that leader leads, including one still lingering.
#[test]
fn a_ready_leader_takes_every_partitions_first_batch() {
    let text = cluster(2, "", "\"linger.ms\" = 10")
        + &produce("100ms", "partition = 0")
        + &produce("103ms", "partition = 1");
    let world = run(&text);
    let stats = &world.producers()[0].stats;
    assert_eq!((stats.requests, stats.batches), (1, 2));
    let trace = world.trace().to_text();
    assert!(
        trace.contains("110.000ms app    t-1 send record #1 to b1"),
        "{trace}"
    );
}

// R6.3: a request stops before the batch that would take it past max.request.size, so
// three ready batches of about 570 bytes go in three requests under a 1000-byte limit.
#[test]
fn max_request_size_splits_requests() {
    let value = "v".repeat(500);
    let mut text = cluster(3, "", "\"linger.ms\" = 0, \"max.request.size\" = 1000");
    for p in 0..3 {
        text += &produce("100ms", &format!("partition = {p}, value = \"{value}\""));
    }
    let world = run(&text);
    let stats = &world.producers()[0].stats;
    assert_eq!((stats.requests, stats.batches), (3, 3));
    assert_eq!(stats.acked_records, 3);
}

// A batch waits for linger.ms unless it is full or not alone in its queue: with a 200-byte
// batch.size, five 27-byte records fill the first batch (61 + 135 bytes), the sixth opens
// a second one, so the first leaves at once and the second lingers the full second.
#[test]
fn a_full_batch_does_not_linger() {
    let text = cluster(1, "", "\"linger.ms\" = 1000, \"batch.size\" = 200")
        + &produce(
            "100ms",
            &format!("count = 7, value = \"{}\"", "v".repeat(20)),
        );
    let world = run(&text);
    let trace = world.trace().to_text();
    assert!(
        trace.contains("100.000ms app    t-0 send 5 records #0.. to b1"),
        "{trace}"
    );
    assert!(
        trace.contains("1100.000ms app    t-0 send 2 records #5.. to b1"),
        "{trace}"
    );
}

// buffer.memory: with room for two batches and both unacknowledged (their leader crashed),
// the third send() blocks, then fails after max.block.ms with Kafka's message, traced once.
#[test]
fn exhausted_buffer_memory_fails_send_after_max_block_ms() {
    let mut text = cluster(
        3,
        "",
        "\"linger.ms\" = 0, \"batch.size\" = 1000, \"buffer.memory\" = 2000, \"max.block.ms\" = 100",
    );
    text += "[[steps]]\nat = \"50ms\"\ncrash = 1\n";
    for p in 0..3 {
        text += &produce("100ms", &format!("partition = {p}"));
    }
    text += &produce("300ms", "partition = 0");
    let world = run(&text);
    let producer = &world.producers()[0];
    assert_eq!(
        producer.records[2].outcome(),
        Outcome::Failed(KafkaError::TimeoutException)
    );
    assert_eq!(
        producer.records[3].outcome(),
        Outcome::Failed(KafkaError::TimeoutException)
    );
    assert_eq!(producer.stats.blocked_sends, 2);
    assert_eq!(producer.stats.buffer_exhausted, 2);
    let trace = world.trace().to_text();
    assert!(
        trace.contains("200.000ms app    send() of record #2 failed: BufferExhaustedException: \"Failed to allocate 1000 bytes within the configured max blocking time 100 ms. Total memory: 2000 bytes. Available memory: 0 bytes. Poolable size: 1000 bytes\""),
        "{trace}"
    );
    assert_eq!(trace.matches("send() blocked").count(), 1, "{trace}");
    assert_eq!(
        trace.matches("BufferExhaustedException").count(),
        1,
        "{trace}"
    );
}

// buffer.memory: a blocked send() goes on when an acknowledged batch frees its memory, and
// the records sent after it wait with it.
#[test]
fn blocked_send_resumes_when_memory_frees() {
    let mut text = cluster(
        3,
        "",
        "\"linger.ms\" = 0, \"batch.size\" = 1000, \"buffer.memory\" = 2000",
    );
    text += "[network]\nlatency = \"20ms\"\n";
    for p in 0..3 {
        text += &produce("100ms", &format!("partition = {p}"));
    }
    let world = run(&text);
    let producer = &world.producers()[0];
    assert!(
        producer
            .records
            .iter()
            .all(|r| matches!(r.outcome(), Outcome::Acked(_)))
    );
    assert_eq!(producer.stats.blocked_sends, 1);
    assert_eq!(producer.stats.buffer_exhausted, 0);
    // The first ack comes after a round trip of 40 ms.
    assert_eq!(producer.stats.blocked_time, SimTime::from_millis(40));
}

// With acks=0 a batch's memory comes back as it is sent, so a send() blocked for memory
// goes on at the same moment, without waiting for any response.
#[test]
fn acks_0_frees_memory_when_sent() {
    let mut text = cluster(
        3,
        "",
        "acks = \"0\", \"linger.ms\" = 0, \"batch.size\" = 1000, \"buffer.memory\" = 2000",
    );
    // Two 600-byte records never share a 1000-byte batch: the third needs a third batch.
    text += &produce(
        "100ms",
        &format!("partition = 0, count = 3, value = \"{}\"", "v".repeat(600)),
    );
    let world = run(&text);
    let producer = &world.producers()[0];
    assert_eq!(producer.records.len(), 3);
    assert!(
        producer
            .records
            .iter()
            .all(|r| r.outcome() == Outcome::Acked(None))
    );
    assert_eq!(producer.stats.blocked_sends, 1);
    assert_eq!(producer.stats.blocked_time, SimTime::ZERO);
}

// KafkaProducer.ensureValidRecordSize: a record whose serialized bound exceeds
// max.request.size fails in send(), alone, with RecordTooLargeException (MESSAGE_TOO_LARGE).
#[test]
fn a_record_over_max_request_size_fails_in_send() {
    let value = "v".repeat(300);
    let text = cluster(1, "", "\"max.request.size\" = 300")
        + &produce("100ms", "count = 2")
        + &produce("200ms", &format!("value = \"{value}\""));
    let world = run(&text);
    let producer = &world.producers()[0];
    assert!(matches!(producer.records[0].outcome(), Outcome::Acked(_)));
    assert_eq!(
        producer.records[2].outcome(),
        Outcome::Failed(KafkaError::MessageTooLarge)
    );
    let trace = world.trace().to_text();
    // 61 (batch header) + 21 (record framing bound) + 1 (null key) + 2 + 300 (value) + 1.
    assert!(
        trace.contains("RecordTooLargeException: \"The message is 386 bytes when serialized which is larger than 300, which is the value of the max.request.size configuration.\""),
        "{trace}"
    );
}

// The broker's max.message.bytes applies to the compressed batch: a batch of about 8 KB
// is refused uncompressed and accepted once zstd makes it about 2 KB.
#[test]
fn max_message_bytes_counts_compressed_bytes() {
    let value = "v".repeat(75);
    let steps = produce("100ms", &format!("count = 100, value = \"{value}\""));
    let plain = run(&(cluster(1, "\"max.message.bytes\" = 5000", "") + &steps));
    let zstd = run(&(cluster(
        1,
        "\"max.message.bytes\" = 5000",
        "\"compression.type\" = \"zstd\"",
    ) + &steps));
    let outcomes = |w: &World| {
        w.producers()[0]
            .records
            .iter()
            .map(|r| r.outcome())
            .collect::<Vec<_>>()
    };
    assert!(
        outcomes(&plain)
            .iter()
            .all(|o| *o == Outcome::Failed(KafkaError::MessageTooLarge))
    );
    assert!(
        outcomes(&zstd)
            .iter()
            .all(|o| matches!(o, Outcome::Acked(_)))
    );
    let stats = &zstd.producers()[0].stats;
    assert_eq!(stats.batches, 1);
    assert!(stats.compressed_bytes < 2_200, "{stats:?}");
    assert!(stats.uncompressed_bytes > 8_000, "{stats:?}");
}

// The upper bound on a record's size is never below what record_bytes counts, and at
// most RECORD_BOUND_SLACK above it, which the fast path relies on.
#[test]
fn serialized_bound_within_slack() {
    for (key, value) in [
        (None, Some("")),
        (Some("k"), Some("v")),
        (Some(&*"k".repeat(200)), Some(&*"v".repeat(20_000))),
        (None, None),
    ] {
        let small = record_bytes(key, value, "app", 123);
        let bound = serialized_size_bound(key, value, "app", 123);
        assert!(
            bound > small && bound <= small + RECORD_BOUND_SLACK,
            "{small} {bound}"
        );
    }
    assert_eq!(varint_size(0), 1);
    assert_eq!(varint_size(63), 1);
    assert_eq!(varint_size(64), 2);
    assert_eq!(varint_size(300), 2);
}

// Digits are counted right at every power of ten.
#[test]
fn digits_of_numbers() {
    for (n, d) in [
        (0, 1),
        (9, 1),
        (10, 2),
        (99, 2),
        (100, 3),
        (999_999, 6),
        (u32::MAX, 10),
    ] {
        assert_eq!(digits(n), d, "{n}");
    }
}

// The count of records due by a time matches the due time of each record exactly.
#[test]
fn due_end_agrees_with_due() {
    for rate in [1, 3, 7, 500, 50_000, 1_000_000, 3_000_000] {
        let spec = ProduceSpec {
            producer: ProducerIdx(0),
            topic: TopicId(0),
            count: 100_000,
            keys: Vec::new(),
            value: None,
            tombstone: false,
            partition: None,
            rate_per_sec: Some(rate),
        };
        let schedule = Schedule {
            step: 0,
            spec,
            start: SimTime(1_000),
            next: 0,
        };
        for now in [1_000, 1_001, 1_333, 2_000, 999_999, 1_001_000, 5_000_000] {
            let end = schedule.due_end(SimTime(now));
            let expected = (0..100_000)
                .take_while(|&i| schedule.due(i) <= SimTime(now))
                .count() as u32;
            assert_eq!(end, expected, "rate {rate}, now {now}");
        }
    }
}

// R3.6: a batch is sent at most `retries` + 1 times: Kafka's Sender retries while
// `attempts < retries`, counting only the resends. Here every send is refused with
// NOT_ENOUGH_REPLICAS (broker 2 is fenced, the ISR is {1}, min.insync.replicas=2).
#[test]
fn r3_6_retries_bounds_the_sends_of_a_batch() {
    for retries in [0, 1, 2, 5] {
        let text = format!(
            r#"name = "t"
duration = "20s"
[cluster]
brokers = 2
[[topics]]
name = "t"
partitions = 1
replication_factor = 2
replicas = [[1, 2]]
config = {{ "min.insync.replicas" = 2 }}
[[producers]]
name = "app"
config = {{ retries = {retries}, "retry.backoff.ms" = 10, "retry.backoff.max.ms" = 10 }}
[[steps]]
at = "0s"
crash = 2
[[steps]]
at = "12s"
produce = {{ producer = "app", topic = "t" }}
"#
        );
        let world = run(&text);
        let producer = &world.producers()[0];
        assert_eq!(
            producer.records[0].outcome(),
            Outcome::Failed(KafkaError::NotEnoughReplicas),
            "retries={retries}"
        );
        assert_eq!(
            producer.stats.requests,
            retries + 1,
            "retries={retries}: one send and {retries} retries"
        );
        let trace = world.trace().to_text();
        assert_eq!(
            trace.matches("NOT_ENOUGH_REPLICAS, will retry").count() as u64,
            retries,
            "{trace}"
        );
    }
}

// R3.5: retries stop at delivery.timeout.ms, however many `retries` allow. Every send is
// refused (NOT_ENOUGH_REPLICAS); the batch is sent again after each backoff while its age is
// below delivery.timeout.ms, and fails for good once it reaches it, never later.
#[test]
fn r3_5_delivery_timeout_ends_the_retries() {
    let text = r#"name = "t"
duration = "20s"
[cluster]
brokers = 2
[[topics]]
name = "t"
partitions = 1
replication_factor = 2
replicas = [[1, 2]]
config = { "min.insync.replicas" = 2 }
[[producers]]
name = "app"
config = { "retry.backoff.ms" = 100, "retry.backoff.max.ms" = 100, "delivery.timeout.ms" = 2000, "request.timeout.ms" = 1000, "linger.ms" = 0 }
[[steps]]
at = "0s"
crash = 2
[[steps]]
at = "12s"
produce = { producer = "app", topic = "t" }
"#;
    let world = run(text);
    let producer = &world.producers()[0];
    assert!(
        matches!(producer.records[0].outcome(), Outcome::Failed(_)),
        "{:?}",
        producer.records[0].outcome()
    );
    // Sent at 12 s, backoff 80-120 ms with jitter: well over ten sends before 14 s.
    assert!(producer.stats.requests > 10, "{}", producer.stats.requests);
    let trace = world.trace().to_text();
    let last_retry = trace
        .lines()
        .rfind(|l| l.contains("will retry"))
        .expect("retried");
    let time_ms = |line: &str| -> f64 {
        line.split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches("ms")
            .parse()
            .unwrap()
    };
    assert!(time_ms(last_retry) < 14_000.0, "{last_retry}");
    // The batch waiting out its last backoff expires in the accumulator at exactly 12 s + 2 s.
    let final_failure = trace
        .lines()
        .find(|l| l.contains(" app ") && l.ends_with("failed"))
        .expect("a final failure");
    assert!(
        final_failure.contains("TimeoutException (delivery.timeout.ms=2000 passed)"),
        "{final_failure}"
    );
    assert_eq!(time_ms(final_failure), 14_000.0, "{final_failure}");
}

// R6.2, Kafka's `CompressionRatioEstimator`: when a batch closes, its observed ratio is
// its compressed size over its uncompressed size, and the topic's estimate (1.0 at first)
// moves toward it; a compressing codec brings the estimate below 1.
#[test]
fn r6_2_compression_ratio_estimate_is_compressed_over_uncompressed() {
    let text = cluster(1, "", "\"compression.type\" = \"gzip\"")
        + &produce(
            "100ms",
            "count = 200, value = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        );
    let world = run(&text);
    let producer = &world.producers()[0];
    let estimate = producer.compression_estimates[&TopicId(0)];
    assert!(estimate < 1.0, "{estimate}");
}

// R6.3: a batch holds the records sent to one partition, in send order, and the produce
// answer carries the batch's base offset; each record's send() completes with the base
// offset plus its place in the batch (Kafka's `FutureRecordMetadata`, `batchIndex`). Two
// schedules writing to two partitions at once interleave their send numbers, so each
// batch's records are every other record sent.
#[test]
fn r6_3_each_record_of_a_batch_gets_the_base_offset_plus_its_place() {
    let text = cluster(2, "", "\"linger.ms\" = 50")
        + &produce("100ms", "partition = 0, count = 6, rate = \"1000/s\"")
        + &produce("100ms", "partition = 1, count = 6, rate = \"1000/s\"");
    let world = run(&text);
    let producer = &world.producers()[0];
    assert_eq!(producer.stats.batches, 2, "one batch per partition");
    let mut next = [0u64; 2];
    for n in 0..12 {
        let partition = producer.partition_of(n).expect("partitioned").partition;
        assert_eq!(partition, n % 2, "record #{n}: the schedules interleave");
        let expected = Offset(next[partition as usize]);
        next[partition as usize] += 1;
        assert_eq!(
            producer.records[n as usize].outcome(),
            Outcome::Acked(Some(expected)),
            "record #{n}"
        );
    }
}

// R3.5: delivery.timeout.ms bounds the time from send() to the outcome even for a batch
// that is never sent: a record for a partition whose only replica has crashed (the
// connection is refused, then metadata shows no leader) waits in the accumulator and fails
// at exactly its send time plus delivery.timeout.ms (Kafka's sender sleeps no longer than
// `RecordAccumulator.nextExpiryTimeMs`), not at a later wake such as the next reconnect.
#[test]
fn r3_5_a_batch_that_never_leaves_expires_at_its_delivery_timeout() {
    let text = r#"name = "t"
duration = "20s"
[cluster]
brokers = 2
[[topics]]
name = "t"
replicas = [[2]]
[[producers]]
name = "app"
config = { "delivery.timeout.ms" = 2000, "request.timeout.ms" = 1000, "linger.ms" = 0, "retry.backoff.ms" = 700, "retry.backoff.max.ms" = 700 }
[[steps]]
at = "0s"
crash = 2
[[steps]]
at = "10s"
produce = { producer = "app", topic = "t", partition = 0 }
"#;
    let world = run(text);
    let producer = &world.producers()[0];
    assert!(
        matches!(producer.records[0].outcome(), Outcome::Failed(_)),
        "{:?}",
        producer.records[0].outcome()
    );
    assert_eq!(producer.stats.requests, 0, "the partition has no leader");
    let trace = world.trace().to_text();
    let failure = trace
        .lines()
        .find(|l| l.contains(" app ") && l.ends_with("failed"))
        .expect("a failure");
    assert!(
        failure.contains("TimeoutException (delivery.timeout.ms=2000 passed)"),
        "{failure}"
    );
    assert!(
        failure.trim_start().starts_with("12000.000ms "),
        "{failure}"
    );
}
