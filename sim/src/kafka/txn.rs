//! The transaction coordinator (KIP-98): the broker that leads a transactional.id's partition
//! of `__transaction_state` hands out its producer id and epochs (fencing older producers),
//! records which partitions each transaction writes, and ends it by having every partition's
//! leader write a commit or abort marker.
//!
//! It mirrors the group coordinator (`group.rs`): state lives in memory, every change is a
//! record appended to `__transaction_state` and acted on once the high watermark passes it
//! (`TransactionStateManager.appendTransactionToLog`), and a broker that becomes the
//! partition's leader loads the transactions from its copy of the log and finishes those
//! that were ending (`TransactionCoordinator.onElection`). The producer side is in
//! `clients/producer/transaction.rs`; the partition side (open transactions, the LSO, the
//! aborted-transactions index) in `idempotence.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::engine::ids::{
    BrokerId, NodeId, Offset, ProducerIdx, RecordId, TopicId, TopicPartition, TransactionalId,
};
use crate::engine::time::SimTime;
use crate::kafka::broker::Broker;
use crate::kafka::effects::{Ctx, Timer};
use crate::kafka::group::{GroupRecord, coordinator_partition};
use crate::kafka::log::{ControlType, StoredBatch};
use crate::kafka::message::{
    BATCH_HEADER_BYTES, KafkaError, Message, ProducerStamp, TxnMarker, TxnRequest, TxnResponse,
};
use crate::kafka::trace::{TraceEvent, Why, why};

/// How long a state change may wait for `__transaction_state` to replicate
/// (`transaction.state.log` writes use the request timeout; 5 s is Kafka's
/// `offsets.commit.timeout.ms` counterpart, `TransactionStateManager`'s default append timeout).
const TXN_WRITE_TIMEOUT: SimTime = SimTime::from_millis(5_000);

/// How soon markers that could not be written (no leader, refused, lost) are sent again
/// (the marker channel retries at once on a metadata change; ksim looks every 100 ms).
const MARKER_RETRY: SimTime = SimTime::from_millis(100);

/// A marker request without an answer for this long is sent again
/// (`request.timeout.ms` of the inter-broker channel, 30 s).
const MARKER_REQUEST_TIMEOUT: SimTime = SimTime::from_millis(30_000);

/// Kafka's `TransactionState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TxnState {
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    PrepareEpochFence,
    Dead,
}

impl TxnState {
    pub const ALL: [TxnState; 8] = [
        TxnState::Empty,
        TxnState::Ongoing,
        TxnState::PrepareCommit,
        TxnState::PrepareAbort,
        TxnState::CompleteCommit,
        TxnState::CompleteAbort,
        TxnState::PrepareEpochFence,
        TxnState::Dead,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
            TxnState::PrepareEpochFence => "PrepareEpochFence",
            TxnState::Dead => "Dead",
        }
    }

    pub fn from_name(name: &str) -> Option<TxnState> {
        TxnState::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Kafka's `TransactionState.validPreviousStates`: the states each may follow.
    pub fn may_follow(self, previous: TxnState) -> bool {
        use TxnState::*;
        match self {
            Empty => matches!(previous, Empty | CompleteCommit | CompleteAbort),
            Ongoing => matches!(previous, Ongoing | Empty | CompleteCommit | CompleteAbort),
            PrepareCommit => previous == Ongoing,
            PrepareAbort => matches!(previous, Ongoing | PrepareEpochFence),
            CompleteCommit => previous == PrepareCommit,
            CompleteAbort => previous == PrepareAbort,
            PrepareEpochFence => previous == Ongoing,
            Dead => matches!(previous, Empty | CompleteCommit | CompleteAbort),
        }
    }
}

/// What `__transaction_state` stores per transactional.id: its whole metadata, the latest
/// record winning (the topic is compacted by transactional.id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnRecord {
    pub txn: TransactionalId,
    pub producer: ProducerIdx,
    pub epoch: u32,
    pub timeout_ms: u64,
    pub state: TxnState,
    pub partitions: Vec<TopicPartition>,
    /// When the open transaction began (`txnStartTimestamp`).
    pub started: SimTime,
}

/// One transactional.id, as its coordinator holds it (`TransactionMetadata`).
#[derive(Clone, Debug)]
pub struct TxnMetadata {
    pub producer: ProducerIdx,
    pub epoch: u32,
    pub timeout_ms: u64,
    pub state: TxnState,
    pub partitions: BTreeSet<TopicPartition>,
    pub started: SimTime,
    /// A state change being written (`pendingState`): requests meanwhile get
    /// CONCURRENT_TRANSACTIONS.
    pending: Option<TxnState>,
    /// While the transaction ends: the partitions whose marker is not yet written, and since
    /// when a request for it is in flight.
    markers: BTreeMap<TopicPartition, Option<SimTime>>,
}

impl TxnMetadata {
    fn record(&self, txn: TransactionalId) -> TxnRecord {
        TxnRecord {
            txn,
            producer: self.producer,
            epoch: self.epoch,
            timeout_ms: self.timeout_ms,
            state: self.state,
            partitions: self.partitions.iter().copied().collect(),
            started: self.started,
        }
    }
}

/// What follows a write to `__transaction_state` once replicated.
#[derive(Clone, Debug)]
enum AfterTxnWrite {
    /// Answer the producer (InitProducerId, AddPartitionsToTxn, EndTxn).
    Respond {
        to: NodeId,
        correlation: u64,
        response: TxnResponse,
    },
    /// A write of the coordinator's own (fencing, a timeout, completing).
    Nothing,
}

#[derive(Clone, Debug)]
struct PendingTxnWrite {
    txn: TransactionalId,
    partition: TopicPartition,
    end: Offset,
    expires: SimTime,
    target: TxnMetadata,
    then: AfterTxnWrite,
}

/// The transaction coordinator's part of a broker.
#[derive(Clone, Debug)]
pub struct TxnCoordinator {
    names: Arc<Vec<String>>,
    topic: Option<TopicId>,
    partitions: u32,
    pub txns: BTreeMap<TransactionalId, TxnMetadata>,
    pending: Vec<PendingTxnWrite>,
    /// Marker requests in flight: which transaction and partitions each is for.
    marker_requests: BTreeMap<u64, (TransactionalId, Vec<TopicPartition>)>,
    next_correlation: u64,
    retry_queued: Option<SimTime>,
}

impl TxnCoordinator {
    pub fn new(names: Arc<Vec<String>>, topic: Option<TopicId>, partitions: u32) -> TxnCoordinator {
        TxnCoordinator {
            names,
            topic,
            partitions,
            txns: BTreeMap::new(),
            pending: Vec::new(),
            marker_requests: BTreeMap::new(),
            next_correlation: 0,
            retry_queued: None,
        }
    }

    pub fn name(&self, txn: TransactionalId) -> &str {
        &self.names[txn.0 as usize]
    }

    /// The `__transaction_state` partition of a transactional.id
    /// (`TransactionStateManager.partitionFor`): `Utils.abs(transactionalId.hashCode) %
    /// transaction.state.log.num.partitions`, the group coordinator's rule.
    pub fn partition_of(&self, txn: TransactionalId) -> Option<TopicPartition> {
        let topic = self.topic?;
        Some(TopicPartition::new(
            topic,
            coordinator_partition(self.name(txn), self.partitions),
        ))
    }

    pub fn is_txn_topic(&self, topic: TopicId) -> bool {
        self.topic == Some(topic)
    }

    /// Whether the cluster has `__transaction_state` at all.
    pub fn enabled(&self) -> bool {
        self.topic.is_some()
    }

    /// A process crash: the coordinator's state lives in memory only.
    pub fn clear(&mut self) {
        self.txns.clear();
        self.pending.clear();
        self.marker_requests.clear();
        self.retry_queued = None;
    }
}

impl Broker {
    pub(crate) fn on_txn_request(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        txn: TransactionalId,
        request: TxnRequest,
    ) {
        let respond = |ctx: &mut Ctx, response: TxnResponse| {
            ctx.send(
                from,
                Message::TxnResponse {
                    correlation,
                    txn,
                    response,
                },
            )
        };
        if let TxnRequest::FindCoordinator = request {
            let answer = self.find_txn_coordinator(txn);
            respond(ctx, TxnResponse::FindCoordinator(answer));
            return;
        }
        if !self.coordinates_txn(txn) {
            let error = KafkaError::NotCoordinator;
            respond(ctx, error_response(&request, error));
            return;
        }
        let result = match &request {
            TxnRequest::FindCoordinator => unreachable!("answered above"),
            TxnRequest::InitProducerId {
                requester,
                transaction_timeout_ms,
            } => self.on_init_producer_id(ctx, txn, *requester, *transaction_timeout_ms),
            TxnRequest::AddPartitions {
                producer,
                epoch,
                partitions,
            } => self.on_add_partitions(ctx, txn, *producer, *epoch, partitions),
            // `handleAddOffsetsToTransaction`: the group's `__consumer_offsets` partition
            // joins the transaction as any partition does.
            TxnRequest::AddOffsets {
                producer,
                epoch,
                group,
            } => match self.coordinator.partition_of(*group) {
                Some(tp) => self.on_add_partitions(ctx, txn, *producer, *epoch, &[tp]),
                None => Err(KafkaError::CoordinatorNotAvailable),
            },
            TxnRequest::EndTxn {
                producer,
                epoch,
                commit,
            } => self.on_end_txn(ctx, txn, *producer, *epoch, *commit),
        };
        match result {
            Ok(Some(target)) => {
                let response = match &request {
                    TxnRequest::InitProducerId { .. } => {
                        TxnResponse::InitProducerId(Ok((target.producer, target.epoch)))
                    }
                    TxnRequest::AddPartitions { .. } => TxnResponse::AddPartitions(Ok(())),
                    TxnRequest::AddOffsets { .. } => TxnResponse::AddOffsets(Ok(())),
                    _ => TxnResponse::EndTxn(Ok(())),
                };
                let then = AfterTxnWrite::Respond {
                    to: from,
                    correlation,
                    response,
                };
                if let Err(error) = self.write_txn_state(ctx, txn, target, then) {
                    respond(ctx, error_response(&request, error));
                }
            }
            // Nothing to write: the answer is success at once (a retried EndTxn that already
            // completed, partitions already in the transaction).
            Ok(None) => respond(
                ctx,
                match &request {
                    TxnRequest::AddPartitions { .. } => TxnResponse::AddPartitions(Ok(())),
                    TxnRequest::AddOffsets { .. } => TxnResponse::AddOffsets(Ok(())),
                    _ => TxnResponse::EndTxn(Ok(())),
                },
            ),
            Err(error) => respond(ctx, error_response(&request, error)),
        }
    }

    /// FindCoordinator (key type TRANSACTION): the leader of the transactional.id's
    /// `__transaction_state` partition.
    fn find_txn_coordinator(&self, txn: TransactionalId) -> Result<BrokerId, KafkaError> {
        let tp = self
            .txn_coordinator
            .partition_of(txn)
            .ok_or(KafkaError::CoordinatorNotAvailable)?;
        self.metadata()
            .and_then(|m| m.partition(tp))
            .and_then(|p| p.leader)
            .filter(|b| self.metadata().is_some_and(|m| !m.is_fenced(*b)))
            .ok_or(KafkaError::CoordinatorNotAvailable)
    }

    fn coordinates_txn(&self, txn: TransactionalId) -> bool {
        self.txn_coordinator
            .partition_of(txn)
            .and_then(|tp| self.replicas.get(&tp))
            .is_some_and(|r| r.leading.is_some())
    }

    /// `TransactionCoordinator.handleInitProducerId`: a new transactional.id gets a producer
    /// id and epoch 0; a known one keeps its id and gets the next epoch, which fences every
    /// producer with an older one. An open transaction is first aborted with a bumped epoch
    /// (PrepareEpochFence) and the caller told CONCURRENT_TRANSACTIONS, so that it retries
    /// once the abort is complete.
    fn on_init_producer_id(
        &mut self,
        ctx: &mut Ctx,
        txn: TransactionalId,
        requester: ProducerIdx,
        timeout_ms: u64,
    ) -> Result<Option<TxnMetadata>, KafkaError> {
        if timeout_ms > self.config().transaction_max_timeout_ms {
            return Err(KafkaError::InvalidTransactionTimeout);
        }
        let Some(meta) = self.txn_coordinator.txns.get(&txn) else {
            return Ok(Some(TxnMetadata {
                producer: requester,
                epoch: 0,
                timeout_ms,
                state: TxnState::Empty,
                partitions: BTreeSet::new(),
                started: ctx.now,
                pending: None,
                markers: BTreeMap::new(),
            }));
        };
        if meta.pending.is_some() {
            return Err(KafkaError::ConcurrentTransactions);
        }
        match meta.state {
            TxnState::Ongoing => {
                let why = why!(
                    "InitProducerId from a new producer with the same transactional.id: the open transaction is aborted under a bumped epoch" ;
                    "같은 transactional.id를 쓰는 새 프로듀서의 InitProducerId: 열린 트랜잭션을 올린 에포크로 중단함"
                );
                self.fence_and_abort(ctx, txn, why);
                Err(KafkaError::ConcurrentTransactions)
            }
            TxnState::PrepareCommit | TxnState::PrepareAbort | TxnState::PrepareEpochFence => {
                Err(KafkaError::ConcurrentTransactions)
            }
            TxnState::Empty
            | TxnState::CompleteCommit
            | TxnState::CompleteAbort
            | TxnState::Dead => {
                let mut target = meta.clone();
                target.epoch += 1;
                target.timeout_ms = timeout_ms;
                target.state = TxnState::Empty;
                target.partitions.clear();
                Ok(Some(target))
            }
        }
    }

    /// Kafka's producer-id and epoch checks, shared by AddPartitionsToTxn and EndTxn:
    /// another producer id is INVALID_PRODUCER_ID_MAPPING, another epoch PRODUCER_FENCED
    /// (a newer producer, or the coordinator, bumped it), a change being written
    /// CONCURRENT_TRANSACTIONS.
    fn check_producer(
        &self,
        txn: TransactionalId,
        producer: ProducerIdx,
        epoch: u32,
    ) -> Result<&TxnMetadata, KafkaError> {
        let meta = self
            .txn_coordinator
            .txns
            .get(&txn)
            .ok_or(KafkaError::InvalidProducerIdMapping)?;
        if meta.producer != producer {
            return Err(KafkaError::InvalidProducerIdMapping);
        }
        if meta.epoch != epoch {
            return Err(KafkaError::ProducerFenced);
        }
        if meta.pending.is_some() {
            return Err(KafkaError::ConcurrentTransactions);
        }
        Ok(meta)
    }

    /// `handleAddPartitionsToTransaction`: while a transaction ends no partition may join
    /// (CONCURRENT_TRANSACTIONS); otherwise the transaction is Ongoing with the partitions
    /// added, written before the producer may send to them.
    fn on_add_partitions(
        &mut self,
        ctx: &mut Ctx,
        txn: TransactionalId,
        producer: ProducerIdx,
        epoch: u32,
        partitions: &[TopicPartition],
    ) -> Result<Option<TxnMetadata>, KafkaError> {
        let meta = self.check_producer(txn, producer, epoch)?;
        match meta.state {
            TxnState::PrepareCommit | TxnState::PrepareAbort | TxnState::PrepareEpochFence => {
                return Err(KafkaError::ConcurrentTransactions);
            }
            TxnState::Ongoing if partitions.iter().all(|tp| meta.partitions.contains(tp)) => {
                return Ok(None);
            }
            _ => {}
        }
        let mut target = meta.clone();
        if target.state != TxnState::Ongoing {
            target.started = ctx.now;
            target.partitions.clear();
        }
        target.state = TxnState::Ongoing;
        target.partitions.extend(partitions.iter().copied());
        Ok(Some(target))
    }

    /// `endTransaction` from the producer: Ongoing moves to PrepareCommit or PrepareAbort;
    /// a retry of an end already complete succeeds; the wrong end, or no transaction, is
    /// INVALID_TXN_STATE.
    fn on_end_txn(
        &mut self,
        _ctx: &mut Ctx,
        txn: TransactionalId,
        producer: ProducerIdx,
        epoch: u32,
        commit: bool,
    ) -> Result<Option<TxnMetadata>, KafkaError> {
        let meta = self.check_producer(txn, producer, epoch)?;
        match (meta.state, commit) {
            (TxnState::Ongoing, _) => {
                let mut target = meta.clone();
                target.state = if commit {
                    TxnState::PrepareCommit
                } else {
                    TxnState::PrepareAbort
                };
                Ok(Some(target))
            }
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => Ok(None),
            (TxnState::PrepareCommit, true) | (TxnState::PrepareAbort, false) => {
                Err(KafkaError::ConcurrentTransactions)
            }
            _ => Err(KafkaError::InvalidTxnState),
        }
    }

    /// `prepareFenceProducerEpoch` then `endTransaction(ABORT)` from the coordinator itself:
    /// the epoch is bumped (PrepareEpochFence, in memory) and the transaction aborted under
    /// it, so that the producer that opened it can neither write nor end it any more.
    fn fence_and_abort(&mut self, ctx: &mut Ctx, txn: TransactionalId, why: Why) {
        let name = self.txn_coordinator.name(txn).to_string();
        let Some(meta) = self.txn_coordinator.txns.get_mut(&txn) else {
            return;
        };
        let from = meta.state;
        meta.epoch += 1;
        meta.state = TxnState::PrepareEpochFence;
        ctx.trace(TraceEvent::TxnState {
            txn: name,
            from: from.name().into(),
            to: TxnState::PrepareEpochFence.name().into(),
            producer: meta.producer.0,
            epoch: meta.epoch,
            why,
        });
        let mut target = meta.clone();
        target.state = TxnState::PrepareAbort;
        // A failed write leaves the fence in memory: the next check tries again.
        let _ = self.write_txn_state(ctx, txn, target, AfterTxnWrite::Nothing);
    }

    /// Appends the transaction's next state to its `__transaction_state` partition; the
    /// change takes effect, and the answer goes out, once the high watermark passes it.
    fn write_txn_state(
        &mut self,
        ctx: &mut Ctx,
        txn: TransactionalId,
        target: TxnMetadata,
        then: AfterTxnWrite,
    ) -> Result<(), KafkaError> {
        let tp = self
            .txn_coordinator
            .partition_of(txn)
            .expect("a coordinated transactional.id has a partition");
        let min_isr = self.effective_min_isr(tp);
        let replica = self
            .replicas
            .get_mut(&tp)
            .filter(|r| r.leading.is_some())
            .ok_or(KafkaError::NotCoordinator)?;
        if replica.isr.len() < min_isr {
            // NOT_ENOUGH_REPLICAS reaches the producer as COORDINATOR_NOT_AVAILABLE.
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        let base = replica.log.log_end_offset();
        let record = GroupRecord::Transaction(target.record(txn));
        let stored = StoredBatch {
            group_records: Some(Arc::new(vec![record])),
            ..StoredBatch::new(
                base,
                replica.leader_epoch,
                Arc::new(vec![RecordId::group_record(0)]),
                BATCH_HEADER_BYTES + 60,
                None,
                ctx.now,
            )
        };
        let roll = replica.log.append(Arc::new(stored));
        crate::kafka::broker::trace_roll(ctx, tp, roll);
        let leo = replica.log.log_end_offset();
        ctx.trace(TraceEvent::Append {
            partition: tp,
            base,
            count: 1,
            epoch: replica.leader_epoch,
            leo,
        });
        if let Some(meta) = self.txn_coordinator.txns.get_mut(&txn) {
            meta.pending = Some(target.state);
        }
        self.txn_coordinator.pending.push(PendingTxnWrite {
            txn,
            partition: tp,
            end: leo,
            expires: ctx.now + TXN_WRITE_TIMEOUT,
            target,
            then,
        });
        ctx.timer_after(TXN_WRITE_TIMEOUT, Timer::TxnMarkerRetry);
        self.after_local_append(ctx, tp);
        Ok(())
    }

    /// Completes the writes to `tp` the high watermark has passed; fails them when this
    /// broker no longer leads it or they waited too long.
    pub(crate) fn complete_txn_writes(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.txn_coordinator.is_txn_topic(tp.topic) || self.txn_coordinator.pending.is_empty() {
            return;
        }
        let (hw, leading) = match self.replicas.get(&tp) {
            Some(r) => (r.log.high_watermark, r.leading.is_some()),
            None => (Offset(0), false),
        };
        let now = ctx.now;
        let mut done = Vec::new();
        self.txn_coordinator.pending.retain(|w| {
            if w.partition != tp {
                return true;
            }
            if !leading {
                done.push((w.clone(), Err(KafkaError::NotCoordinator)));
            } else if hw >= w.end {
                done.push((w.clone(), Ok(())));
            } else if w.expires <= now {
                done.push((w.clone(), Err(KafkaError::CoordinatorNotAvailable)));
            } else {
                return true;
            }
            false
        });
        for (write, result) in done {
            self.after_txn_write(ctx, write, result);
        }
    }

    fn after_txn_write(
        &mut self,
        ctx: &mut Ctx,
        write: PendingTxnWrite,
        result: Result<(), KafkaError>,
    ) {
        let txn = write.txn;
        if let Err(error) = result {
            if let Some(meta) = self.txn_coordinator.txns.get_mut(&txn) {
                meta.pending = None;
            }
            if let AfterTxnWrite::Respond {
                to,
                correlation,
                response,
            } = write.then
            {
                let response = match response {
                    TxnResponse::InitProducerId(_) => TxnResponse::InitProducerId(Err(error)),
                    TxnResponse::AddPartitions(_) => TxnResponse::AddPartitions(Err(error)),
                    other => match other {
                        TxnResponse::EndTxn(_) => TxnResponse::EndTxn(Err(error)),
                        other => other,
                    },
                };
                ctx.send(
                    to,
                    Message::TxnResponse {
                        correlation,
                        txn,
                        response,
                    },
                );
            }
            return;
        }
        let name = self.txn_coordinator.name(txn).to_string();
        let from = self.txn_coordinator.txns.get(&txn).map(|m| m.state);
        let mut meta = write.target;
        meta.pending = None;
        let to = meta.state;
        let why = match to {
            TxnState::Empty if meta.epoch == 0 => why!(
                "InitProducerId: a new transactional.id" ;
                "InitProducerId: 새 transactional.id"
            ),
            TxnState::Empty => why!(
                "InitProducerId: epoch bumped to {}; older producers with this transactional.id are fenced",
                meta.epoch ;
                "InitProducerId: 에포크를 {}(으)로 올림; 이 transactional.id를 쓰는 이전 프로듀서는 펜싱됨",
                meta.epoch
            ),
            TxnState::Ongoing => why!(
                "AddPartitionsToTxn [{}]", self.partition_list(&meta.partitions) ;
                "AddPartitionsToTxn으로 [{}] 추가", self.partition_list(&meta.partitions)
            ),
            TxnState::PrepareAbort if from == Some(TxnState::PrepareEpochFence) => why!(
                "the coordinator aborts under the bumped epoch; markers go to [{}]",
                self.partition_list(&meta.partitions) ;
                "코디네이터가 올린 에포크로 중단함; 마커는 [{}](으)로 감",
                self.partition_list(&meta.partitions)
            ),
            TxnState::PrepareCommit | TxnState::PrepareAbort => why!(
                "EndTxn written; markers go to [{}]", self.partition_list(&meta.partitions) ;
                "EndTxn 기록함; 마커는 [{}](으)로 감", self.partition_list(&meta.partitions)
            ),
            _ => why!("every marker written" ; "모든 마커를 기록함"),
        };
        ctx.trace(TraceEvent::TxnState {
            txn: name,
            from: from.map_or("(none)", |s| s.name()).into(),
            to: to.name().into(),
            producer: meta.producer.0,
            epoch: meta.epoch,
            why,
        });
        if matches!(to, TxnState::PrepareCommit | TxnState::PrepareAbort) {
            meta.markers = meta.partitions.iter().map(|tp| (*tp, None)).collect();
        }
        if matches!(to, TxnState::CompleteCommit | TxnState::CompleteAbort) {
            meta.partitions.clear();
        }
        self.txn_coordinator.txns.insert(txn, meta);
        if let AfterTxnWrite::Respond {
            to,
            correlation,
            response,
        } = write.then
        {
            ctx.send(
                to,
                Message::TxnResponse {
                    correlation,
                    txn,
                    response,
                },
            );
        }
        if matches!(to, TxnState::PrepareCommit | TxnState::PrepareAbort) {
            self.send_markers(ctx, txn);
        }
    }

    fn partition_list(&self, partitions: &BTreeSet<TopicPartition>) -> String {
        let names: Vec<String> = partitions
            .iter()
            .map(|tp| match self.metadata() {
                Some(m) => format!("{}-{}", m.topics[tp.topic.0 as usize].name, tp.partition),
                None => format!("{}-{}", tp.topic.0, tp.partition),
            })
            .collect();
        names.join(", ")
    }

    /// `TransactionMarkerChannelManager`: one WriteTxnMarkers request per partition leader
    /// for the partitions still without their marker; once all have it, the transaction is
    /// complete.
    fn send_markers(&mut self, ctx: &mut Ctx, txn: TransactionalId) {
        let Some(meta) = self.txn_coordinator.txns.get(&txn) else {
            return;
        };
        if meta.pending.is_some() {
            return;
        }
        let control = match meta.state {
            TxnState::PrepareCommit => ControlType::Commit,
            TxnState::PrepareAbort => ControlType::Abort,
            _ => return,
        };
        if meta.markers.is_empty() {
            let mut target = meta.clone();
            target.state = if control == ControlType::Commit {
                TxnState::CompleteCommit
            } else {
                TxnState::CompleteAbort
            };
            if self
                .write_txn_state(ctx, txn, target, AfterTxnWrite::Nothing)
                .is_err()
            {
                self.schedule_marker_retry(ctx);
            }
            return;
        }
        let now = ctx.now;
        let mut per_leader: BTreeMap<BrokerId, Vec<TopicPartition>> = BTreeMap::new();
        let mut unsent = false;
        for (tp, sent) in &meta.markers {
            if sent.is_some_and(|t| now - t < MARKER_REQUEST_TIMEOUT) {
                continue;
            }
            match self
                .metadata()
                .and_then(|m| m.partition(*tp))
                .and_then(|p| p.leader)
            {
                Some(leader) => per_leader.entry(leader).or_default().push(*tp),
                None => unsent = true,
            }
        }
        let (producer, epoch) = (meta.producer, meta.epoch);
        for (leader, partitions) in per_leader {
            self.txn_coordinator.next_correlation += 1;
            let correlation = self.txn_coordinator.next_correlation;
            let meta = self
                .txn_coordinator
                .txns
                .get_mut(&txn)
                .expect("looked up above");
            for tp in &partitions {
                meta.markers.insert(*tp, Some(now));
            }
            self.txn_coordinator
                .marker_requests
                .insert(correlation, (txn, partitions.clone()));
            ctx.send(
                NodeId::Broker(leader),
                Message::WriteTxnMarkers {
                    correlation,
                    marker: TxnMarker {
                        producer,
                        epoch,
                        control,
                        partitions,
                    },
                },
            );
        }
        if unsent {
            self.schedule_marker_retry(ctx);
        }
    }

    fn schedule_marker_retry(&mut self, ctx: &mut Ctx) {
        let at = ctx.now + MARKER_RETRY;
        if self
            .txn_coordinator
            .retry_queued
            .is_none_or(|t| t <= ctx.now)
        {
            self.txn_coordinator.retry_queued = Some(at);
            ctx.timer_at(at, Timer::TxnMarkerRetry);
        }
    }

    /// The answer of a partition leader: written markers are done; failed ones are sent
    /// again (to the leader the metadata names by then).
    pub(crate) fn on_write_txn_markers_response(
        &mut self,
        ctx: &mut Ctx,
        correlation: u64,
        results: Vec<(TopicPartition, Result<(), KafkaError>)>,
    ) {
        let Some((txn, _)) = self.txn_coordinator.marker_requests.remove(&correlation) else {
            return;
        };
        let Some(meta) = self.txn_coordinator.txns.get_mut(&txn) else {
            return;
        };
        let mut failed = false;
        for (tp, result) in results {
            match result {
                Ok(()) => {
                    meta.markers.remove(&tp);
                }
                Err(_) => {
                    meta.markers.insert(tp, None);
                    failed = true;
                }
            }
        }
        if failed {
            self.schedule_marker_retry(ctx);
        } else {
            self.send_markers(ctx, txn);
        }
    }

    /// A marker request that never reached its broker: send again later.
    pub(crate) fn on_marker_request_lost(&mut self, ctx: &mut Ctx, correlation: u64) {
        if let Some((txn, partitions)) = self.txn_coordinator.marker_requests.remove(&correlation) {
            if let Some(meta) = self.txn_coordinator.txns.get_mut(&txn) {
                for tp in partitions {
                    if meta.markers.contains_key(&tp) {
                        meta.markers.insert(tp, None);
                    }
                }
            }
            self.schedule_marker_retry(ctx);
        }
    }

    /// The retry timer: expired state writes fail, markers not yet written are sent again.
    pub(crate) fn on_txn_marker_retry(&mut self, ctx: &mut Ctx) {
        if self
            .txn_coordinator
            .retry_queued
            .is_some_and(|t| t <= ctx.now)
        {
            self.txn_coordinator.retry_queued = None;
        }
        let partitions: BTreeSet<TopicPartition> = self
            .txn_coordinator
            .pending
            .iter()
            .map(|w| w.partition)
            .collect();
        for tp in partitions {
            self.complete_txn_writes(ctx, tp);
        }
        let ending: Vec<TransactionalId> = self
            .txn_coordinator
            .txns
            .iter()
            .filter(|(_, m)| {
                m.pending.is_none()
                    && matches!(m.state, TxnState::PrepareCommit | TxnState::PrepareAbort)
            })
            .map(|(t, _)| *t)
            .collect();
        for txn in ending {
            self.send_markers(ctx, txn);
        }
    }

    /// `abortTimedOutTransactions`, every
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`: a transaction Ongoing
    /// for longer than its `transaction.timeout.ms` is aborted under a bumped epoch.
    pub(crate) fn on_txn_abort_check(&mut self, ctx: &mut Ctx) {
        ctx.timer_after(
            SimTime::from_millis(
                self.config()
                    .transaction_abort_timed_out_transaction_cleanup_interval_ms,
            ),
            Timer::TxnAbortCheck,
        );
        let now = ctx.now;
        let expired: Vec<TransactionalId> = self
            .txn_coordinator
            .txns
            .iter()
            .filter(|(_, m)| {
                m.state == TxnState::Ongoing
                    && m.pending.is_none()
                    && now > m.started + SimTime::from_millis(m.timeout_ms)
            })
            .map(|(t, _)| *t)
            .collect();
        for txn in expired {
            let timeout = self.txn_coordinator.txns[&txn].timeout_ms;
            let why = why!(
                "open longer than transaction.timeout.ms={timeout}: aborted, the producer fenced" ;
                "transaction.timeout.ms={timeout}보다 오래 열려 있음: 중단하고 프로듀서를 펜싱함"
            );
            self.fence_and_abort(ctx, txn, why);
        }
    }

    /// Becoming leader of a `__transaction_state` partition: load its transactions (the last
    /// record of each) and finish those that were ending (`loadTransactionsForTxnTopicPartition`).
    pub(crate) fn load_txns(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.txn_coordinator.is_txn_topic(tp.topic) {
            return;
        }
        let mut loaded: BTreeMap<TransactionalId, TxnRecord> = BTreeMap::new();
        for batch in self.replicas[&tp].log.batches() {
            for record in batch.group_records.iter().flat_map(|r| r.iter()) {
                if let GroupRecord::Transaction(record) = record {
                    loaded.insert(record.txn, record.clone());
                }
            }
        }
        let mut ending = Vec::new();
        for (txn, record) in loaded {
            let name = self.txn_coordinator.name(txn).to_string();
            ctx.trace(TraceEvent::TxnState {
                txn: name,
                from: "(log)".into(),
                to: record.state.name().into(),
                producer: record.producer.0,
                epoch: record.epoch,
                why: why!(
                    "loaded from __transaction_state by its new coordinator" ;
                    "새 코디네이터가 __transaction_state에서 읽어 들임"
                ),
            });
            let partitions: BTreeSet<TopicPartition> = record.partitions.iter().copied().collect();
            let ends = matches!(
                record.state,
                TxnState::PrepareCommit | TxnState::PrepareAbort
            );
            if ends {
                ending.push(txn);
            }
            self.txn_coordinator.txns.insert(
                txn,
                TxnMetadata {
                    producer: record.producer,
                    epoch: record.epoch,
                    timeout_ms: record.timeout_ms,
                    state: record.state,
                    markers: if ends {
                        partitions.iter().map(|tp| (*tp, None)).collect()
                    } else {
                        BTreeMap::new()
                    },
                    partitions,
                    started: record.started,
                    pending: None,
                },
            );
        }
        for txn in ending {
            self.send_markers(ctx, txn);
        }
    }

    /// No longer the leader of a `__transaction_state` partition: its transactions go to
    /// the new coordinator.
    pub(crate) fn unload_txns(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.txn_coordinator.is_txn_topic(tp.topic) {
            return;
        }
        let mine: Vec<TransactionalId> = self
            .txn_coordinator
            .txns
            .keys()
            .copied()
            .filter(|t| self.txn_coordinator.partition_of(*t) == Some(tp))
            .collect();
        for txn in mine {
            self.txn_coordinator.txns.remove(&txn);
        }
        self.complete_txn_writes(ctx, tp);
    }

    /// WriteTxnMarkers on a partition leader: each marker is a control batch of one record,
    /// appended as the coordinator's write (`appendRecords` with `requiredAcks=-1`) and
    /// answered once replicated; it ends the producer's transaction in the partition's state.
    pub(crate) fn on_write_txn_markers(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        marker: TxnMarker,
    ) {
        let mut done = Vec::new();
        let mut waiting = Vec::new();
        for &tp in &marker.partitions {
            match self.append_marker(ctx, tp, &marker) {
                Ok(end) => waiting.push((tp, Offset(end.0 - 1), end)),
                Err(error) => done.push((tp, Err(error))),
            }
        }
        self.delay_marker_response(ctx, from, correlation, done, waiting);
    }

    fn append_marker(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        marker: &TxnMarker,
    ) -> Result<Offset, KafkaError> {
        let min_isr = self.effective_min_isr(tp);
        let Some(replica) = self.replicas.get_mut(&tp).filter(|r| r.leading.is_some()) else {
            return Err(KafkaError::NotLeaderOrFollower);
        };
        if replica.isr.len() < min_isr {
            return Err(KafkaError::NotEnoughReplicas);
        }
        replica
            .producers
            .check_marker(marker.producer, marker.epoch)?;
        let base = replica.log.log_end_offset();
        let stored = StoredBatch {
            control: Some(marker.control),
            ..StoredBatch::new(
                base,
                replica.leader_epoch,
                Arc::new(vec![RecordId::control_marker(base.0 as u32)]),
                BATCH_HEADER_BYTES + 10,
                Some(ProducerStamp {
                    producer: marker.producer,
                    epoch: marker.epoch,
                    sequence: 0,
                }),
                ctx.now,
            )
        };
        replica.producers.apply(&stored);
        let roll = replica.log.append(Arc::new(stored));
        crate::kafka::broker::trace_roll(ctx, tp, roll);
        let end = replica.log.log_end_offset();
        let lso = replica
            .producers
            .last_stable_offset(replica.log.high_watermark);
        ctx.trace(TraceEvent::TxnMarker {
            partition: tp,
            control: marker.control.name().into(),
            producer: marker.producer.0,
            epoch: marker.epoch,
            offset: base,
            last_stable_offset: lso,
        });
        self.complete_txn_offsets(ctx, tp, marker.producer, marker.control);
        self.after_local_append(ctx, tp);
        Ok(end)
    }
}

/// The error answer to a request, by its kind.
fn error_response(request: &TxnRequest, error: KafkaError) -> TxnResponse {
    match request {
        TxnRequest::FindCoordinator => TxnResponse::FindCoordinator(Err(error)),
        TxnRequest::InitProducerId { .. } => TxnResponse::InitProducerId(Err(error)),
        TxnRequest::AddPartitions { .. } => TxnResponse::AddPartitions(Err(error)),
        TxnRequest::AddOffsets { .. } => TxnResponse::AddOffsets(Err(error)),
        TxnRequest::EndTxn { .. } => TxnResponse::EndTxn(Err(error)),
    }
}

#[cfg(test)]
mod tests;
