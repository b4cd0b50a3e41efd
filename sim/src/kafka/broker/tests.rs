//! Unit tests of a broker's rules, driven by hand: produce, fetch, the ISR, the high
//! watermark; `deliver` and the images here are shared with the group coordinator's tests.

use super::*;
use crate::engine::ids::{ConsumerIdx, ProducerIdx, TopicId};
use crate::kafka::effects::Effect;
use crate::kafka::metadata::TopicImage;

const TP: TopicPartition = TopicPartition {
    topic: TopicId(0),
    partition: 0,
};

/// Broker 1 leading one partition with replicas [1, 2, 3], all in the ISR.
fn leader(min_insync_replicas: u32) -> Broker {
    leader_of(min_insync_replicas, "4.0")
}

/// The same, running the rules of another Kafka release.
fn leader_of(min_insync_replicas: u32, version: &str) -> Broker {
    let topic = TopicConfig {
        min_insync_replicas,
        ..TopicConfig::default()
    };
    leader_with(topic, version)
}

/// The same, with the topic's configuration given whole.
fn leader_with(topic: TopicConfig, version: &str) -> Broker {
    let image = MetadataImage {
        offset: 1,
        topics: vec![TopicImage {
            name: "t".into(),
            partitions: vec![PartitionState {
                leader: Some(BrokerId(1)),
                leader_epoch: LeaderEpoch(0),
                partition_epoch: 0,
                replicas: vec![BrokerId(1), BrokerId(2), BrokerId(3)],
                isr: vec![BrokerId(1), BrokerId(2), BrokerId(3)],
                elr: Vec::new(),
                last_known_elr: Vec::new(),
            }],
            incarnation: 1,
        }],
        fenced: vec![false; 3],
        broker_epochs: vec![0; 3],
    };
    let config = BrokerConfig {
        behaviour: crate::config::version::KafkaVersion::parse(version)
            .expect("a supported version")
            .behaviour(),
        ..BrokerConfig::default()
    };
    Broker::new(
        BrokerId(1),
        Arc::new(config),
        Arc::new(vec![topic]),
        Arc::new(image),
        Coordinator::new(Arc::new(Vec::new()), None, 50, SimTime::ZERO),
        crate::kafka::txn::TxnCoordinator::new(Arc::new(Vec::new()), None, 50),
    )
}

/// Hands `message` to `broker` at `now_ms` and returns what it asked for.
pub(crate) fn deliver(
    broker: &mut Broker,
    now_ms: u64,
    from: NodeId,
    message: Message,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        SimTime::from_millis(now_ms),
        NodeId::Broker(broker.id),
        &mut effects,
    );
    broker.on_message(&mut ctx, from, message);
    effects
}

fn produce(broker: &mut Broker, now_ms: u64, count: u32, acks: Acks) -> Vec<Effect> {
    let records: Vec<RecordId> = (0..count)
        .map(|n| RecordId {
            producer: ProducerIdx(0),
            n,
        })
        .collect();
    let request = ProduceRequest {
        correlation: now_ms,
        acks,
        timeout: SimTime::from_millis(30_000),
        batches: vec![ProduceBatch {
            transactional: false,
            partition: TP,
            records: Arc::new(records),
            bytes: 100,
            producer: None,
            null_key: false,
        }],
    };
    deliver(
        broker,
        now_ms,
        NodeId::Producer(ProducerIdx(0)),
        Message::Produce(request),
    )
}

fn fetch(broker: &mut Broker, now_ms: u64, follower: u32, offset: u64) -> Vec<Effect> {
    let request = FetchRequest {
        read_committed: false,
        correlation: now_ms,
        replica: Some(BrokerId(follower)),
        broker_epoch: Some(0),
        partitions: vec![FetchPartition {
            partition: TP,
            fetch_offset: Offset(offset),
            last_fetched_epoch: Some(LeaderEpoch(0)),
            current_leader_epoch: LeaderEpoch(0),
        }],
        max_wait: SimTime::ZERO,
        min_bytes: 1,
        max_bytes: 1 << 20,
    };
    deliver(
        broker,
        now_ms,
        NodeId::Broker(BrokerId(follower)),
        Message::Fetch(request),
    )
}

fn high_watermark(broker: &Broker) -> u64 {
    broker.replicas[&TP].log.high_watermark.0
}

fn produce_results(effects: &[Effect]) -> Vec<Result<Offset, KafkaError>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(_, Message::ProduceResponse(r)) => Some(r.partitions[0].1),
            _ => None,
        })
        .collect()
}

// R1.2: the high watermark is the lowest log end offset over the ISR, learned from the
// followers' fetch offsets, and an acks=all write is answered once it passes the write.
#[test]
fn high_watermark_is_the_lowest_log_end_in_the_isr() {
    let mut broker = leader(2);
    let effects = produce(&mut broker, 1, 5, Acks::All);
    assert!(
        produce_results(&effects).is_empty(),
        "acks=all waits for the ISR"
    );
    assert_eq!(high_watermark(&broker), 0);
    fetch(&mut broker, 2, 2, 5);
    assert_eq!(
        high_watermark(&broker),
        0,
        "broker 3 has not fetched the records yet"
    );
    fetch(&mut broker, 3, 3, 3);
    assert_eq!(high_watermark(&broker), 3);
    let effects = fetch(&mut broker, 4, 3, 5);
    assert_eq!(high_watermark(&broker), 5);
    assert_eq!(produce_results(&effects), vec![Ok(Offset(0))]);
}

// R3.3 (1): acks=all is refused before the append when the ISR is below
// min.insync.replicas; acks=1 is not.
#[test]
fn acks_all_needs_min_insync_replicas() {
    let mut broker = leader(2);
    let replica = broker.replicas.get_mut(&TP).unwrap();
    replica.isr = vec![BrokerId(1)];
    let effects = produce(&mut broker, 1, 1, Acks::All);
    assert_eq!(
        produce_results(&effects),
        vec![Err(KafkaError::NotEnoughReplicas)]
    );
    assert_eq!(
        broker.replicas[&TP].log.log_end_offset(),
        Offset(0),
        "nothing appended"
    );
    let effects = produce(&mut broker, 2, 1, Acks::One);
    assert_eq!(produce_results(&effects), vec![Ok(Offset(0))]);
    // R1.3 (3.7+): under min ISR the high watermark does not move, even for acks=1.
    assert_eq!(high_watermark(&broker), 0);
}

// R2.3: a follower behind the leader for longer than replica.lag.time.max.ms is
// proposed for removal; one at the log end is not, however long it has been quiet.
#[test]
fn isr_shrinks_only_for_followers_that_fall_behind() {
    let mut broker = leader(1);
    fetch(&mut broker, 1, 2, 0);
    fetch(&mut broker, 1, 3, 0);
    produce(&mut broker, 2, 3, Acks::One);
    fetch(&mut broker, 3, 2, 3);
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        SimTime::from_millis(40_000),
        NodeId::Broker(BrokerId(1)),
        &mut effects,
    );
    broker.on_timer(&mut ctx, Timer::IsrCheck);
    let proposals: Vec<Vec<BrokerId>> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(NodeId::Controller, Message::AlterPartition { isr, .. }) => {
                Some(isr.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(proposals, vec![vec![BrokerId(1), BrokerId(2)]]);
}

/// A consumer's fetch from `offset` (no replica id, so the leader applies R1.6); returns
/// the error and the offsets of the records it got.
fn consumer_fetch(broker: &mut Broker, now_ms: u64, offset: u64) -> (Option<KafkaError>, Vec<u64>) {
    let request = FetchRequest {
        read_committed: false,
        correlation: now_ms,
        replica: None,
        broker_epoch: None,
        partitions: vec![FetchPartition {
            partition: TP,
            fetch_offset: Offset(offset),
            last_fetched_epoch: None,
            current_leader_epoch: LeaderEpoch(0),
        }],
        max_wait: SimTime::ZERO,
        min_bytes: 1,
        max_bytes: 1 << 20,
    };
    let effects = deliver(
        broker,
        now_ms,
        NodeId::Consumer(ConsumerIdx(0)),
        Message::Fetch(request),
    );
    let responses: Vec<(Option<KafkaError>, Vec<u64>)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(_, Message::FetchResponse(r)) => {
                let p = &r.partitions[0];
                let offsets = p
                    .batches
                    .iter()
                    .flat_map(|b| b.entries().map(|(o, _)| o.0).collect::<Vec<_>>())
                    .collect();
                Some((p.error, offsets))
            }
            _ => None,
        })
        .collect();
    assert_eq!(responses.len(), 1, "max_wait 0: answered at once");
    responses.into_iter().next().expect("one response")
}

/// The answer to a ListOffsets request for the latest (or earliest) offset.
fn list_offsets(broker: &mut Broker, now_ms: u64, earliest: bool) -> Result<Offset, KafkaError> {
    let effects = deliver(
        broker,
        now_ms,
        NodeId::Consumer(ConsumerIdx(0)),
        Message::ListOffsets {
            correlation: now_ms,
            partition: TP,
            earliest,
        },
    );
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Send(_, Message::ListOffsetsResponse { result, .. }) => Some(*result),
            _ => None,
        })
        .expect("a ListOffsets response")
}

// R1.6: a consumer reads only below the high watermark, a follower up to the log end; a
// consumer fetching between the two gets nothing and no error.
#[test]
fn r1_6_consumers_read_below_the_high_watermark() {
    let mut broker = leader(1);
    produce(&mut broker, 1, 2, Acks::One);
    produce(&mut broker, 2, 2, Acks::One);
    assert_eq!(broker.replicas[&TP].log.log_end_offset(), Offset(4));
    assert_eq!(high_watermark(&broker), 0, "no follower has fetched yet");
    assert_eq!(consumer_fetch(&mut broker, 3, 0), (None, vec![]));
    fetch(&mut broker, 4, 2, 2);
    fetch(&mut broker, 4, 3, 2);
    assert_eq!(high_watermark(&broker), 2);
    assert_eq!(consumer_fetch(&mut broker, 5, 0), (None, vec![0, 1]));
    assert_eq!(consumer_fetch(&mut broker, 5, 2), (None, vec![]));
    // A follower at 2 gets the batch above the high watermark.
    let effects = fetch(&mut broker, 6, 2, 2);
    let follower_got: usize = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(_, Message::FetchResponse(r)) => Some(r.partitions[0].batches.len()),
            _ => None,
        })
        .sum();
    assert_eq!(follower_got, 1);
}

// R8.2, R1.6: ListOffsets for the latest offset (auto.offset.reset=latest) answers the
// high watermark, not the log end: a consumer reset there does not skip records that
// become visible later. The earliest offset is the log start.
#[test]
fn r8_2_latest_offset_is_the_high_watermark_not_the_log_end() {
    let mut broker = leader(1);
    produce(&mut broker, 1, 5, Acks::One);
    fetch(&mut broker, 2, 2, 3);
    fetch(&mut broker, 2, 3, 3);
    assert_eq!(high_watermark(&broker), 3);
    assert_eq!(broker.replicas[&TP].log.log_end_offset(), Offset(5));
    assert_eq!(list_offsets(&mut broker, 3, false), Ok(Offset(3)));
    assert_eq!(list_offsets(&mut broker, 3, true), Ok(Offset(0)));
}

// R1.3, R3.3 (KAFKA-15583): the effective min ISR is min(min.insync.replicas, replication
// factor), Kafka's `effectiveMinIsr`. With 3 replicas and min.insync.replicas=5, a full ISR
// takes acks=all writes and moves the high watermark; an ISR of 2 does not.
#[test]
fn r1_3_effective_min_isr_is_capped_at_the_replica_count() {
    let mut broker = leader(5);
    assert_eq!(broker.effective_min_isr(TP), 3);
    let effects = produce(&mut broker, 1, 2, Acks::All);
    assert!(produce_results(&effects).is_empty(), "appended, waiting");
    fetch(&mut broker, 2, 2, 2);
    let effects = fetch(&mut broker, 3, 3, 2);
    assert_eq!(high_watermark(&broker), 2);
    assert_eq!(produce_results(&effects), vec![Ok(Offset(0))]);

    broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1), BrokerId(2)];
    let effects = produce(&mut broker, 4, 1, Acks::All);
    assert_eq!(
        produce_results(&effects),
        vec![Err(KafkaError::NotEnoughReplicas)]
    );
    // min.insync.replicas below the replica count is used as set.
    let mut broker = leader(2);
    assert_eq!(broker.effective_min_isr(TP), 2);
    broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1), BrokerId(2)];
    let effects = produce(&mut broker, 1, 1, Acks::All);
    assert!(produce_results(&effects).is_empty(), "accepted, waiting");
}

// R1.3 (3.7+): while the ISR is smaller than min.insync.replicas the high watermark stays
// put, even for acks=1 data every ISR member holds; it moves as soon as the ISR is back
// at min.insync.replicas (equal is enough). At 40 s the followers, last caught up at 0,
// are past replica.lag.time.max.ms (30 s), so only the ISR counts (R1.2).
#[test]
fn r1_3_high_watermark_waits_while_the_isr_is_below_min_isr() {
    let mut broker = leader(2);
    broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1)];
    produce(&mut broker, 40_000, 3, Acks::One);
    assert_eq!(broker.replicas[&TP].log.log_end_offset(), Offset(3));
    assert_eq!(
        high_watermark(&broker),
        0,
        "isr {{1}} < min.insync.replicas=2, though the leader alone holds offsets 0..2"
    );
    // The controller has committed broker 2 back into the ISR.
    broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1), BrokerId(2)];
    fetch(&mut broker, 40_001, 2, 3);
    assert_eq!(high_watermark(&broker), 3);
}

// KAFKA-15583 is a 3.7 change: under Kafka 3.6 the high watermark advances with the leader
// alone in the ISR, below min.insync.replicas, and min.insync.replicas is not capped at the
// replica count, so acks=all fails with a full ISR of 3 under min.insync.replicas=5.
#[test]
fn kafka_3_6_high_watermark_ignores_min_isr() {
    let mut broker = leader_of(2, "3.6");
    broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1)];
    produce(&mut broker, 40_000, 3, Acks::One);
    assert_eq!(high_watermark(&broker), 3, "3.6: the leader alone commits");
    let mut broker = leader_of(2, "3.7");
    broker.replicas.get_mut(&TP).unwrap().isr = vec![BrokerId(1)];
    produce(&mut broker, 40_000, 3, Acks::One);
    assert_eq!(high_watermark(&broker), 0, "3.7: waits for min ISR");

    let mut broker = leader_of(5, "3.6");
    assert_eq!(broker.effective_min_isr(TP), 5);
    let effects = produce(&mut broker, 1, 1, Acks::All);
    assert_eq!(
        produce_results(&effects),
        vec![Err(KafkaError::NotEnoughReplicas)]
    );
}

// R5.2-R5.4: what the leader answers a follower whose last epoch is 1 and whose log ends at
// 2, when the leader's cache is {0 -> 0, 3 -> 2} (trace T3). KIP-279 (2.0+) says epoch 0 ends
// at 2, which the follower's own epoch-0 end (1) turns into a truncation; KIP-101 alone
// (0.11-1.1) says only "ends at 2", not below the follower's log end: no divergence; before
// 0.11 there is no epoch to ask about.
#[test]
fn diverging_answer_by_release() {
    let batch = |base: u32, epoch: u32, count: u32| {
        let records = (0..count)
            .map(|n| RecordId {
                producer: ProducerIdx(0),
                n: base + n,
            })
            .collect();
        Arc::new(StoredBatch::new(
            Offset(u64::from(base)),
            LeaderEpoch(epoch),
            Arc::new(records),
            100,
            None,
            SimTime::ZERO,
        ))
    };
    let mut log = ReplicaLog::default();
    log.append(batch(0, 0, 2));
    log.append(batch(2, 3, 1));
    let fetch = FetchPartition {
        partition: TP,
        fetch_offset: Offset(2),
        last_fetched_epoch: Some(LeaderEpoch(1)),
        current_leader_epoch: LeaderEpoch(3),
    };
    assert_eq!(
        diverging(&log, &fetch, Truncation::DivergingEpoch),
        Some((LeaderEpoch(0), Offset(2)))
    );
    assert_eq!(diverging(&log, &fetch, Truncation::EpochEndOffset), None);
    assert_eq!(diverging(&log, &fetch, Truncation::HighWatermark), None);
    // T2: the follower's epoch 0 runs to 3 in its log, the leader's ends at 2.
    let fetch = FetchPartition {
        fetch_offset: Offset(3),
        last_fetched_epoch: Some(LeaderEpoch(0)),
        ..fetch
    };
    assert_eq!(
        diverging(&log, &fetch, Truncation::EpochEndOffset),
        Some((LeaderEpoch(0), Offset(2)))
    );
}

// R12.3: flush.messages (log.flush.interval.messages) forces an fsync once that many
// records are unflushed; by default (Long.MAX) nothing is flushed and a power loss takes
// the whole page-cache tail.
#[test]
fn r12_3_flush_messages_bounds_what_a_power_loss_takes() {
    let mut broker = leader(1);
    produce(&mut broker, 1, 3, Acks::One);
    let lost = broker.lose_power();
    assert_eq!(lost.len(), 1, "the default never flushes");
    assert_eq!((lost[0].from, lost[0].to), (Offset(3), Offset(0)));

    let topic = TopicConfig {
        flush_messages: 2,
        ..TopicConfig::default()
    };
    let mut broker = leader_with(topic, "4.0");
    produce(&mut broker, 1, 3, Acks::One);
    assert!(broker.lose_power().is_empty(), "3 records >= 2: flushed");
    produce(&mut broker, 2, 1, Acks::One);
    let lost = broker.lose_power();
    assert_eq!(lost.len(), 1, "1 record < 2: still in the page cache");
    assert_eq!((lost[0].from, lost[0].to), (Offset(4), Offset(3)));
}

// R1.6: a fetch anywhere in [high watermark, log end offset] is answered empty, with no
// error: at the log end the consumer is simply caught up. Only past the log end (or below
// the log start) is OFFSET_OUT_OF_RANGE.
#[test]
fn r1_6_a_fetch_at_the_log_end_is_empty_not_out_of_range() {
    let mut broker = leader(1);
    produce(&mut broker, 1, 3, Acks::One);
    fetch(&mut broker, 2, 2, 3);
    fetch(&mut broker, 2, 3, 3);
    assert_eq!(high_watermark(&broker), 3);
    assert_eq!(broker.replicas[&TP].log.log_end_offset(), Offset(3));
    assert_eq!(consumer_fetch(&mut broker, 3, 3), (None, vec![]));
    assert_eq!(
        consumer_fetch(&mut broker, 3, 4),
        (Some(KafkaError::OffsetOutOfRange), vec![])
    );
}

/// A follower's fetch from offset 0 asking for `min_bytes` within 500 ms; returns how many
/// records each fetch response it got carries.
fn fetch_responses(effects: &[Effect]) -> Vec<usize> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(_, Message::FetchResponse(r)) => Some(
                r.partitions[0]
                    .batches
                    .iter()
                    .map(|b| b.records.len())
                    .sum(),
            ),
            _ => None,
        })
        .collect()
}

fn long_poll(broker: &mut Broker, now_ms: u64, min_bytes: u64) -> Vec<Effect> {
    let request = FetchRequest {
        read_committed: false,
        correlation: now_ms,
        replica: Some(BrokerId(2)),
        broker_epoch: Some(0),
        partitions: vec![FetchPartition {
            partition: TP,
            fetch_offset: Offset(0),
            last_fetched_epoch: None,
            current_leader_epoch: LeaderEpoch(0),
        }],
        max_wait: SimTime::from_millis(500),
        min_bytes,
        max_bytes: 1 << 20,
    };
    deliver(
        broker,
        now_ms,
        NodeId::Broker(BrokerId(2)),
        Message::Fetch(request),
    )
}

// R8.1: the leader answers a fetch once `fetch.min.bytes` (a follower's
// `replica.fetch.min.bytes`) are readable over its partitions, or when `fetch.max.wait.ms`
// passes with whatever there is; a minimum of 0 is answered at once, even empty.
#[test]
fn r8_1_fetch_min_bytes_holds_a_fetch_until_enough_is_readable() {
    let mut broker = leader(1);
    assert!(
        fetch_responses(&long_poll(&mut broker, 1, 250)).is_empty(),
        "held"
    );
    // Each produced batch is 100 bytes.
    assert!(fetch_responses(&produce(&mut broker, 2, 1, Acks::One)).is_empty());
    assert!(
        fetch_responses(&produce(&mut broker, 3, 1, Acks::One)).is_empty(),
        "200 bytes < 250: still held"
    );
    let third = produce(&mut broker, 4, 1, Acks::One);
    assert_eq!(
        fetch_responses(&third),
        vec![3],
        "300 bytes: answered with all three"
    );

    // Not enough before the wait ends: answered at expiry with what there is.
    let mut broker = leader(1);
    long_poll(&mut broker, 1, 250);
    produce(&mut broker, 2, 1, Acks::One);
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        SimTime::from_millis(501),
        NodeId::Broker(BrokerId(1)),
        &mut effects,
    );
    let id = broker.parked[0].id;
    broker.on_timer(&mut ctx, Timer::ParkedFetchExpiry(id));
    assert_eq!(fetch_responses(&effects), vec![1]);

    let mut broker = leader(1);
    assert_eq!(
        fetch_responses(&long_poll(&mut broker, 1, 0)),
        vec![0],
        "min 0: at once"
    );
}

// R11.1, R11.2: with auto.create.topics.enable (the default), a producer's Metadata request
// naming a topic no one created makes the broker ask the controller for it, with
// num.partitions partitions; the producer asks again, finds it and delivers. A consumer with
// allow.auto.create.topics=false creates nothing.
#[test]
fn r11_1_a_metadata_request_naming_a_missing_topic_creates_it() {
    let text = r#"name = "t"
duration = "10s"
[cluster]
brokers = 1
config = { "num.partitions" = 3 }
[[producers]]
name = "app"
[[consumers]]
name = "careful"
group = "g"
subscribe = ["audit"]
config = { "allow.auto.create.topics" = false }
[[steps]]
at = "1s"
produce = { producer = "app", topic = "events", keys = ["a", "b", "c", "d"], count = 8 }
"#;
    let scenario = crate::scenario::parse(text, "test.toml").expect("a valid test scenario");
    let mut world = crate::world::World::new(Arc::new(scenario), 1);
    world.run_to_end();
    let image = world.controller().image();
    let partitions = |name: &str| {
        image
            .topics
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.partitions.len())
    };
    assert_eq!(partitions("events"), Some(3), "num.partitions=3");
    assert_eq!(partitions("audit").unwrap_or(0), 0, "not asked to create");
    let producer = &world.producers()[0];
    for n in 0..8 {
        assert!(
            matches!(
                producer.records[n].outcome(),
                crate::clients::producer::Outcome::Acked(Some(_))
            ),
            "record #{n}: {:?}",
            producer.records[n].outcome()
        );
    }
}
