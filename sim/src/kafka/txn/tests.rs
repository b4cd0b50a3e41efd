//! Unit tests of the transaction coordinator, one per rule, driven by hand through
//! `on_message` on a broker that leads both `__transaction_state` (alone in its ISR, so every
//! state write is replicated at once) and the data partition.

use super::*;
use crate::config::{BrokerConfig, TopicConfig};
use crate::engine::ids::LeaderEpoch;
use crate::kafka::broker::tests::deliver;
use crate::kafka::effects::Effect;
use crate::kafka::group::Coordinator;
use crate::kafka::metadata::{MetadataImage, PartitionState, TopicImage};

const TXN: TransactionalId = TransactionalId(0);
const ORDERS_0: TopicPartition = TopicPartition {
    topic: TopicId(1),
    partition: 0,
};
const ZOMBIE: ProducerIdx = ProducerIdx(0);
const SUCCESSOR: ProducerIdx = ProducerIdx(1);

/// Broker 1 leads `__transaction_state-0` (topic 0) and `orders-0` (topic 1), alone.
fn broker() -> Broker {
    let partition = PartitionState {
        leader: Some(BrokerId(1)),
        leader_epoch: LeaderEpoch(0),
        partition_epoch: 0,
        replicas: vec![BrokerId(1)],
        isr: vec![BrokerId(1)],
        elr: Vec::new(),
        last_known_elr: Vec::new(),
    };
    let image = MetadataImage {
        offset: 1,
        topics: vec![
            TopicImage {
                name: "__transaction_state".into(),
                partitions: vec![partition.clone()],
                incarnation: 1,
            },
            TopicImage {
                name: "orders".into(),
                partitions: vec![partition],
                incarnation: 1,
            },
        ],
        fenced: vec![false; 1],
        broker_epochs: vec![0; 1],
    };
    Broker::new(
        BrokerId(1),
        Arc::new(BrokerConfig::default()),
        Arc::new(vec![TopicConfig::default(), TopicConfig::default()]),
        Arc::new(image),
        Coordinator::new(Arc::new(Vec::new()), None, 50, SimTime::ZERO),
        TxnCoordinator::new(Arc::new(vec!["payments".into()]), Some(TopicId(0)), 1),
    )
}

fn ask(b: &mut Broker, now_ms: u64, from: ProducerIdx, request: TxnRequest) -> Vec<Effect> {
    deliver(
        b,
        now_ms,
        NodeId::Producer(from),
        Message::TxnRequest {
            correlation: now_ms,
            txn: TXN,
            request,
        },
    )
}

fn answer(effects: &[Effect]) -> TxnResponse {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Send(_, Message::TxnResponse { response, .. }) => Some(response.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no transaction response: {effects:?}"))
}

fn init(b: &mut Broker, now_ms: u64, from: ProducerIdx) -> TxnResponse {
    answer(&ask(
        b,
        now_ms,
        from,
        TxnRequest::InitProducerId {
            requester: from,
            transaction_timeout_ms: 60_000,
        },
    ))
}

fn add(b: &mut Broker, now_ms: u64, producer: ProducerIdx, epoch: u32) -> TxnResponse {
    answer(&ask(
        b,
        now_ms,
        SUCCESSOR,
        TxnRequest::AddPartitions {
            producer,
            epoch,
            partitions: vec![ORDERS_0],
        },
    ))
}

/// Delivers the WriteTxnMarkers requests in `effects` to the same broker and returns the
/// coordinator's follow-ups.
fn deliver_markers(b: &mut Broker, now_ms: u64, effects: &[Effect]) -> Vec<Effect> {
    let mut out = Vec::new();
    for e in effects {
        if let Effect::Send(to, message @ Message::WriteTxnMarkers { .. }) = e {
            let answers = deliver(b, now_ms, NodeId::Broker(BrokerId(1)), message.clone());
            let _ = to;
            for a in answers {
                if let Effect::Send(_, response @ Message::WriteTxnMarkersResponse { .. }) = &a {
                    out.extend(deliver(
                        b,
                        now_ms,
                        NodeId::Broker(BrokerId(1)),
                        response.clone(),
                    ));
                }
                out.push(a);
            }
        }
    }
    out
}

fn state(b: &Broker) -> TxnState {
    b.txn_coordinator.txns[&TXN].state
}

// The transitions Kafka's TransactionState allows, and a few it refuses.
#[test]
fn transaction_states_follow_kafkas_valid_previous_states() {
    use TxnState::*;
    assert!(Ongoing.may_follow(Empty));
    assert!(PrepareCommit.may_follow(Ongoing));
    assert!(CompleteCommit.may_follow(PrepareCommit));
    assert!(PrepareAbort.may_follow(PrepareEpochFence));
    assert!(!PrepareCommit.may_follow(Empty));
    assert!(!CompleteAbort.may_follow(PrepareCommit));
    assert!(!Empty.may_follow(Ongoing));
    for (s, name) in TxnState::ALL
        .into_iter()
        .zip(crate::scenario::TRANSACTION_STATES)
    {
        assert_eq!(s.name(), name, "the scenario's list follows TxnState");
        assert_eq!(TxnState::from_name(name), Some(s));
    }
}

// A new transactional.id gets epoch 0; InitProducerId again keeps the producer id and bumps
// the epoch (the old producer is fenced).
#[test]
fn init_producer_id_bumps_the_epoch() {
    let mut b = broker();
    assert!(matches!(
        init(&mut b, 0, ZOMBIE),
        TxnResponse::InitProducerId(Ok((ZOMBIE, 0)))
    ));
    assert!(matches!(
        init(&mut b, 10, SUCCESSOR),
        TxnResponse::InitProducerId(Ok((ZOMBIE, 1)))
    ));
    assert_eq!(state(&b), TxnState::Empty);
}

// An older epoch is PRODUCER_FENCED at the coordinator.
#[test]
fn add_partitions_with_an_old_epoch_is_producer_fenced() {
    let mut b = broker();
    init(&mut b, 0, ZOMBIE);
    init(&mut b, 10, SUCCESSOR);
    assert!(matches!(
        add(&mut b, 20, ZOMBIE, 0),
        TxnResponse::AddPartitions(Err(KafkaError::ProducerFenced))
    ));
    assert!(matches!(
        add(&mut b, 30, ZOMBIE, 1),
        TxnResponse::AddPartitions(Ok(()))
    ));
    assert_eq!(state(&b), TxnState::Ongoing);
}

// InitProducerId while a transaction is open: the coordinator bumps the epoch, aborts the
// transaction under it (an ABORT marker in the partition), answers CONCURRENT_TRANSACTIONS;
// the retry gets the epoch after that.
#[test]
fn init_producer_id_fences_and_aborts_an_open_transaction() {
    let mut b = broker();
    init(&mut b, 0, ZOMBIE);
    add(&mut b, 10, ZOMBIE, 0);
    let effects = ask(
        &mut b,
        20,
        SUCCESSOR,
        TxnRequest::InitProducerId {
            requester: SUCCESSOR,
            transaction_timeout_ms: 60_000,
        },
    );
    assert!(matches!(
        answer(&effects),
        TxnResponse::InitProducerId(Err(KafkaError::ConcurrentTransactions))
    ));
    assert_eq!(state(&b), TxnState::PrepareAbort);
    assert_eq!(b.txn_coordinator.txns[&TXN].epoch, 1);
    let follow = deliver_markers(&mut b, 20, &effects);
    assert!(
        follow.iter().any(|e| matches!(
            e,
            Effect::Trace(TraceEvent::TxnMarker { control, epoch: 1, .. }) if control == "ABORT"
        )),
        "an abort marker with the bumped epoch: {follow:?}"
    );
    assert_eq!(state(&b), TxnState::CompleteAbort);
    assert!(matches!(
        init(&mut b, 30, SUCCESSOR),
        TxnResponse::InitProducerId(Ok((ZOMBIE, 2)))
    ));
}

// EndTxn with no transaction open, or the other end than the one completed, is
// INVALID_TXN_STATE; a retry of the same end succeeds.
#[test]
fn end_txn_in_the_wrong_state_is_invalid_txn_state() {
    let mut b = broker();
    init(&mut b, 0, ZOMBIE);
    let end = |b: &mut Broker, now, commit| {
        answer(&ask(
            b,
            now,
            ZOMBIE,
            TxnRequest::EndTxn {
                producer: ZOMBIE,
                epoch: 0,
                commit,
            },
        ))
    };
    assert!(matches!(
        end(&mut b, 5, true),
        TxnResponse::EndTxn(Err(KafkaError::InvalidTxnState))
    ));
    add(&mut b, 10, ZOMBIE, 0);
    let effects = ask(
        &mut b,
        20,
        ZOMBIE,
        TxnRequest::EndTxn {
            producer: ZOMBIE,
            epoch: 0,
            commit: true,
        },
    );
    assert!(matches!(answer(&effects), TxnResponse::EndTxn(Ok(()))));
    deliver_markers(&mut b, 20, &effects);
    assert_eq!(state(&b), TxnState::CompleteCommit);
    assert!(matches!(end(&mut b, 30, true), TxnResponse::EndTxn(Ok(()))));
    assert!(matches!(
        end(&mut b, 40, false),
        TxnResponse::EndTxn(Err(KafkaError::InvalidTxnState))
    ));
}

// transaction.timeout.ms: an Ongoing transaction older than its timeout is aborted at the
// next check, under a bumped epoch.
#[test]
fn a_timed_out_transaction_is_aborted_and_its_producer_fenced() {
    let mut b = broker();
    init(&mut b, 0, ZOMBIE);
    add(&mut b, 10, ZOMBIE, 0);
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        SimTime::from_millis(50_000),
        NodeId::Broker(BrokerId(1)),
        &mut effects,
    );
    b.on_txn_abort_check(&mut ctx);
    assert_eq!(state(&b), TxnState::Ongoing, "not yet past 60 s");
    let mut effects = Vec::new();
    let mut ctx = Ctx::new(
        SimTime::from_millis(60_011),
        NodeId::Broker(BrokerId(1)),
        &mut effects,
    );
    b.on_txn_abort_check(&mut ctx);
    assert_eq!(state(&b), TxnState::PrepareAbort);
    assert_eq!(b.txn_coordinator.txns[&TXN].epoch, 1);
    assert!(matches!(
        add(&mut b, 60_020, ZOMBIE, 0),
        TxnResponse::AddPartitions(Err(KafkaError::ProducerFenced))
    ));
}

// A transactional.id's coordinator partition is Utils.abs(hashCode) % partitions.
#[test]
fn the_coordinator_partition_is_the_group_rule() {
    let c = TxnCoordinator::new(Arc::new(vec!["payments".into()]), Some(TopicId(0)), 50);
    assert_eq!(c.partition_of(TXN).map(|tp| tp.partition), Some(13));
}

// transaction.timeout.ms, end to end: every broker with `__transaction_state` checks for
// timed-out transactions every transaction.abort.timed.out.transaction.cleanup.interval.ms
// (10 s) from its start, so a producer that begins a transaction and never ends it has it
// aborted by its coordinator, without a request from anyone.
#[test]
fn an_abandoned_transaction_is_aborted_by_the_periodic_check() {
    let text = r#"name = "t"
duration = "30s"
[cluster]
brokers = 3
[[topics]]
name = "orders"
replicas = [[1, 2, 3]]
[[producers]]
name = "app"
config = { "transactional.id" = "app-txn", "transaction.timeout.ms" = 2000 }
[[steps]]
at = "0s"
init_transactions = "app"
[[steps]]
at = "1s"
begin_transaction = "app"
[[steps]]
at = "1s"
produce = { producer = "app", topic = "orders" }
"#;
    let scenario = crate::scenario::parse(text, "test.toml").expect("a valid test scenario");
    let mut world = crate::world::World::new(Arc::new(scenario), 1);
    world.run_until(SimTime::from_millis(5_000));
    assert_eq!(world.transaction_state("app-txn"), Some(TxnState::Ongoing));
    world.run_until(SimTime::from_millis(15_000));
    assert_eq!(
        world.transaction_state("app-txn"),
        Some(TxnState::CompleteAbort),
        "aborted at the check of 10 s"
    );
}
