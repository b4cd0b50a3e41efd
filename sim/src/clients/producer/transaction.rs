//! The transactional producer (KIP-98, Kafka's `TransactionManager`): `initTransactions()`
//! finds the coordinator and gets the producer id and epoch of its `transactional.id`;
//! `beginTransaction()` opens a transaction locally; a batch goes to a partition only once
//! AddPartitionsToTxn has put the partition in the transaction; `commitTransaction()` flushes
//! and sends EndTxn(commit); `abortTransaction()` drops what is not yet sent and sends
//! EndTxn(abort). A newer producer with the same id, or the coordinator timing the
//! transaction out, fences this one: PRODUCER_FENCED, and nothing more goes out.
//! `sendOffsetsToTransaction()` puts a consumer group's offsets in the transaction:
//! AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit to the group's
//! coordinator with the consumer's group metadata (KIP-447); EndTxn waits for both.

use super::*;
use crate::clients::consumer::ConsumerGroupMetadata;
use crate::engine::ids::{GroupId, TransactionalId};
use crate::kafka::message::group::{GroupRequest, GroupResponse};
use crate::kafka::message::{TxnRequest, TxnResponse};
use crate::scenario::TxnStep;

/// Where the producer stands, as `TransactionManager.State` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientTxnState {
    Uninitialized,
    Initializing,
    Ready,
    InTransaction,
    CommittingTransaction,
    AbortingTransaction,
    /// Fenced by a newer epoch: a fatal error, the producer must be closed.
    FatalError,
}

impl ClientTxnState {
    pub fn name(self) -> &'static str {
        match self {
            ClientTxnState::Uninitialized => "UNINITIALIZED",
            ClientTxnState::Initializing => "INITIALIZING",
            ClientTxnState::Ready => "READY",
            ClientTxnState::InTransaction => "IN_TRANSACTION",
            ClientTxnState::CommittingTransaction => "COMMITTING_TRANSACTION",
            ClientTxnState::AbortingTransaction => "ABORTING_TRANSACTION",
            ClientTxnState::FatalError => "FATAL_ERROR",
        }
    }
}

#[derive(Clone, Debug)]
enum TxnCall {
    Find,
    Init,
    Add(Vec<TopicPartition>),
    /// AddOffsetsToTxn for the first queued offsets.
    AddOffsets,
    /// FindCoordinator (key type GROUP) for the first queued offsets' group.
    FindGroup,
    /// TxnOffsetCommit of the first queued offsets.
    CommitOffsets,
    End(bool),
}

/// One `sendOffsetsToTransaction()` call on its way.
#[derive(Clone, Debug)]
struct OffsetsToSend {
    metadata: ConsumerGroupMetadata,
    offsets: Vec<(TopicPartition, Offset)>,
    /// AddOffsetsToTxn succeeded: the group's `__consumer_offsets` partition is in the
    /// transaction.
    added: bool,
}

/// A transactional producer's side of the protocol.
#[derive(Clone, Debug)]
pub struct TxnClient {
    pub id: TransactionalId,
    pub state: ClientTxnState,
    /// The producer id the coordinator gave, once initialised.
    pub producer_id: Option<ProducerIdx>,
    coordinator: Option<BrokerId>,
    /// The coordinator last named in the trace: a lookup that finds the same one again is
    /// not traced.
    announced: Option<BrokerId>,
    /// The request in flight: its correlation, broker, kind and when it left.
    in_flight: Option<(u64, BrokerId, TxnCall, SimTime)>,
    retry_at: SimTime,
    find_attempts: u32,
    /// Partitions the coordinator has put in the current transaction.
    added: BTreeSet<TopicPartition>,
    /// A batch of the transaction failed: it can only be aborted.
    abortable: Option<KafkaError>,
    /// `sendOffsetsToTransaction()` calls not yet through TxnOffsetCommit, in call order.
    offsets: VecDeque<OffsetsToSend>,
    /// A group's offsets partition joined the current transaction (so EndTxn is needed even
    /// without a record).
    offsets_added: bool,
    /// The group coordinators found so far.
    group_coordinators: BTreeMap<GroupId, BrokerId>,
}

impl TxnClient {
    pub fn new(id: TransactionalId) -> TxnClient {
        TxnClient {
            id,
            state: ClientTxnState::Uninitialized,
            producer_id: None,
            coordinator: None,
            announced: None,
            in_flight: None,
            retry_at: SimTime::ZERO,
            find_attempts: 0,
            added: BTreeSet::new(),
            abortable: None,
            offsets: VecDeque::new(),
            offsets_added: false,
            group_coordinators: BTreeMap::new(),
        }
    }
}

impl Producer {
    /// The producer id its batches carry: the coordinator's for a transactional producer,
    /// else the producer's own index.
    pub(super) fn producer_id(&self) -> ProducerIdx {
        self.txn
            .as_ref()
            .and_then(|t| t.producer_id)
            .unwrap_or(self.idx)
    }

    /// The transactional state, for expectations and screens.
    pub fn txn_state(&self) -> Option<ClientTxnState> {
        self.txn.as_ref().map(|t| t.state)
    }

    /// The producer's current epoch: the coordinator's for a transactional producer.
    pub fn epoch(&self) -> u32 {
        self.producer_epoch
    }

    /// Whether batches to `tp` may be sent now: always, unless the producer is transactional
    /// and the partition is not yet in the transaction.
    pub(super) fn may_send_to(&self, tp: TopicPartition) -> bool {
        self.txn.as_ref().is_none_or(|t| t.added.contains(&tp))
    }

    /// Whether a produce step may send(): a transactional producer only inside a transaction
    /// (else Kafka's send() throws IllegalStateException).
    pub(super) fn may_produce(&mut self, ctx: &mut Ctx) -> bool {
        let Some(txn) = &self.txn else { return true };
        if txn.state == ClientTxnState::InTransaction {
            return true;
        }
        let state = txn.state;
        self.errors.insert(KafkaError::IllegalStateException);
        ctx.trace(TraceEvent::Transaction {
            what: why!(
                "send() refused: IllegalStateException (a transactional producer sends only inside a transaction; state {})",
                state.name() ;
                "send() 거부: IllegalStateException (트랜잭션 프로듀서는 트랜잭션 안에서만 보냄; 상태 {})",
                state.name()
            ),
        });
        false
    }

    /// A transaction step of the scenario.
    pub fn on_txn_step(&mut self, ctx: &mut Ctx, step: TxnStep) {
        if !self.running {
            return;
        }
        let Some(txn) = self.txn.as_mut() else { return };
        let state = txn.state;
        let allowed = match step {
            TxnStep::Init => state == ClientTxnState::Uninitialized,
            TxnStep::Begin => state == ClientTxnState::Ready,
            TxnStep::Commit | TxnStep::Abort => state == ClientTxnState::InTransaction,
        };
        if !allowed {
            self.errors.insert(KafkaError::IllegalStateException);
            ctx.trace(TraceEvent::Transaction {
                what: why!(
                    "{}() refused: IllegalStateException in state {}",
                    step.method(),
                    state.name() ;
                    "{}() 거부: 상태 {}에서 IllegalStateException",
                    step.method(),
                    state.name()
                ),
            });
            return;
        }
        match step {
            TxnStep::Init => txn.state = ClientTxnState::Initializing,
            TxnStep::Begin => {
                txn.state = ClientTxnState::InTransaction;
                txn.added.clear();
                txn.offsets.clear();
                txn.offsets_added = false;
                txn.abortable = None;
                ctx.trace(TraceEvent::Transaction {
                    what: why!("beginTransaction()" ; "beginTransaction() 호출"),
                });
            }
            TxnStep::Commit => {
                if let Some(error) = txn.abortable {
                    // commitTransaction() throws: a batch of the transaction failed. The
                    // application's catch block aborts.
                    txn.state = ClientTxnState::AbortingTransaction;
                    ctx.trace(TraceEvent::Transaction {
                        what: why!(
                            "commitTransaction() failed: an earlier {error} (a failed batch or TxnOffsetCommit); the transaction can only be aborted (abortTransaction())" ;
                            "commitTransaction() 실패: 앞서 난 {error} (실패한 배치나 TxnOffsetCommit); 이 트랜잭션은 중단(abortTransaction())만 할 수 있음"
                        ),
                    });
                    self.drop_unsent(ctx);
                } else {
                    txn.state = ClientTxnState::CommittingTransaction;
                    ctx.trace(TraceEvent::Transaction {
                        what: why!(
                            "commitTransaction(): flushing, then EndTxn(COMMIT)" ;
                            "commitTransaction(): 플러시한 뒤 EndTxn(COMMIT)"
                        ),
                    });
                }
            }
            TxnStep::Abort => {
                txn.state = ClientTxnState::AbortingTransaction;
                txn.offsets.clear();
                ctx.trace(TraceEvent::Transaction {
                    what: why!(
                        "abortTransaction(): unsent batches dropped, then EndTxn(ABORT)" ;
                        "abortTransaction(): 보내지 않은 배치를 버린 뒤 EndTxn(ABORT)"
                    ),
                });
                self.drop_unsent(ctx);
            }
        }
        self.run(ctx);
    }

    /// `abortUndrainedBatches`: what is still in the accumulator fails with
    /// TransactionAbortedException; batches in flight complete.
    fn drop_unsent(&mut self, ctx: &mut Ctx) {
        self.schedules.clear();
        let queued: Vec<Batch> = self.queues.values_mut().flat_map(|q| q.drain(..)).collect();
        for batch in queued {
            self.finish_batch(ctx, batch, Err(KafkaError::TransactionAbortedException));
        }
    }

    /// Fenced: ProducerFencedException. Kafka's producer is unusable after it; every unsent
    /// batch fails.
    pub(super) fn fence(&mut self, ctx: &mut Ctx, error: KafkaError, why: Why) {
        let Some(txn) = self.txn.as_mut() else { return };
        if txn.state == ClientTxnState::FatalError {
            return;
        }
        txn.state = ClientTxnState::FatalError;
        txn.in_flight = None;
        self.errors.insert(error);
        self.errors.insert(KafkaError::ProducerFenced);
        ctx.trace(TraceEvent::Transaction {
            what: why!(
                "fenced: {error} ({why}); ProducerFencedException: the producer must be closed" ;
                "펜싱됨: {error} ({}); ProducerFencedException: 프로듀서를 닫아야 함", why.ko()
            ),
        });
        self.schedules.clear();
        let queued: Vec<Batch> = self.queues.values_mut().flat_map(|q| q.drain(..)).collect();
        for batch in queued {
            self.finish_batch(ctx, batch, Err(KafkaError::ProducerFenced));
        }
    }

    /// A batch of the transaction failed for good.
    pub(super) fn on_txn_batch_failed(&mut self, ctx: &mut Ctx, error: KafkaError) {
        if matches!(
            error,
            KafkaError::InvalidProducerEpoch | KafkaError::ProducerFenced
        ) {
            self.fence(
                ctx,
                error,
                why!(
                    "a produce request carried an old producer epoch" ;
                    "produce 요청에 오래된 프로듀서 에포크가 실림"
                ),
            );
        } else if let Some(txn) = self.txn.as_mut()
            && error != KafkaError::TransactionAbortedException
            && error != KafkaError::ProducerFenced
        {
            txn.abortable.get_or_insert(error);
        }
    }

    /// When the transaction manager wants to be woken: a backoff ends, a request times out.
    pub(super) fn txn_wake(&self) -> Option<SimTime> {
        let txn = self.txn.as_ref()?;
        match &txn.in_flight {
            Some((_, _, _, sent)) => {
                Some(*sent + SimTime::from_millis(self.config.request_timeout_ms))
            }
            None => Some(txn.retry_at),
        }
    }

    /// The transaction manager's next request, if one is due (`TransactionManager.nextRequest`):
    /// find the coordinator, InitProducerId, AddPartitionsToTxn for partitions with batches
    /// waiting, EndTxn once the transaction's batches are all acknowledged.
    pub(super) fn drive_txn(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        let request_timeout = SimTime::from_millis(self.config.request_timeout_ms);
        let backoff = SimTime::from_millis(self.config.retry_backoff_ms);
        let brokers = self.scenario.brokers;
        let timeout_ms = self.config.transaction_timeout_ms;
        let idx = self.idx;
        let waiting: Vec<TopicPartition> = self
            .queues
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(tp, _)| *tp)
            .collect();
        let flushed = self.queues.values().all(VecDeque::is_empty) && self.in_flight.is_empty();
        let epoch = self.producer_epoch;
        let Some(txn) = self.txn.as_mut() else { return };
        if let Some((_, broker, _, sent)) = &txn.in_flight {
            if now < *sent + request_timeout {
                return;
            }
            // No answer: the coordinator may be gone; look it up again.
            let broker = *broker;
            txn.in_flight = None;
            if txn.coordinator == Some(broker) {
                txn.coordinator = None;
            }
        }
        if now < txn.retry_at {
            return;
        }
        let call = match txn.state {
            ClientTxnState::Initializing => Some(TxnCall::Init),
            ClientTxnState::InTransaction | ClientTxnState::CommittingTransaction => {
                let new: Vec<TopicPartition> = waiting
                    .into_iter()
                    .filter(|tp| !txn.added.contains(tp))
                    .collect();
                if !new.is_empty() {
                    Some(TxnCall::Add(new))
                } else if let Some(next) = txn.offsets.front() {
                    Some(if !next.added {
                        TxnCall::AddOffsets
                    } else if txn.group_coordinators.contains_key(&next.metadata.group) {
                        TxnCall::CommitOffsets
                    } else {
                        TxnCall::FindGroup
                    })
                } else if txn.state == ClientTxnState::CommittingTransaction
                    && let Some(error) = txn.abortable
                {
                    // An abortable error (a failed batch, a fenced TxnOffsetCommit) reached
                    // commitTransaction(), which throws; the application's catch aborts.
                    txn.state = ClientTxnState::AbortingTransaction;
                    ctx.trace(TraceEvent::Transaction {
                        what: why!(
                            "commitTransaction() failed: {error}; the transaction can only be aborted (abortTransaction())" ;
                            "commitTransaction() 실패: {error}; 이 트랜잭션은 중단(abortTransaction())만 할 수 있음"
                        ),
                    });
                    self.drop_unsent(ctx);
                    self.run(ctx);
                    return;
                } else if txn.state == ClientTxnState::CommittingTransaction && flushed {
                    Some(TxnCall::End(true))
                } else {
                    None
                }
            }
            ClientTxnState::AbortingTransaction if flushed => Some(TxnCall::End(false)),
            _ => None,
        };
        let Some(mut call) = call else { return };
        if let TxnCall::End(commit) = call
            && txn.added.is_empty()
            && !txn.offsets_added
        {
            // Nothing was written: the transaction ends on the client alone.
            txn.state = ClientTxnState::Ready;
            ctx.trace(TraceEvent::Transaction {
                what: why!(
                    "{} an empty transaction: nothing to tell the coordinator",
                    if commit { "committed" } else { "aborted" } ;
                    "빈 트랜잭션을 {}: 코디네이터에 알릴 것이 없음",
                    if commit { "커밋함" } else { "중단함" }
                ),
            });
            return;
        }
        let producer = txn.producer_id.unwrap_or(idx);
        if matches!(call, TxnCall::FindGroup | TxnCall::CommitOffsets) {
            let next = txn.offsets.front().expect("chosen above").clone();
            let group = next.metadata.group;
            let (broker, request) = match txn.group_coordinators.get(&group) {
                Some(&coordinator) if matches!(call, TxnCall::CommitOffsets) => (
                    coordinator,
                    GroupRequest::TxnOffsetCommit {
                        txn: txn.id,
                        producer,
                        epoch,
                        member_id: next.metadata.member_id,
                        instance_id: next.metadata.instance_id,
                        generation: next.metadata.generation,
                        offsets: next.offsets,
                    },
                ),
                _ => {
                    txn.find_attempts += 1;
                    (
                        BrokerId((txn.find_attempts - 1) % brokers + 1),
                        GroupRequest::FindCoordinator,
                    )
                }
            };
            self.next_correlation += 1;
            let correlation = self.next_correlation;
            let txn = self.txn.as_mut().expect("checked above");
            txn.in_flight = Some((correlation, broker, call, now));
            txn.retry_at = now + backoff;
            ctx.send(
                NodeId::Broker(broker),
                Message::GroupRequest {
                    correlation,
                    group,
                    request,
                },
            );
            return;
        }
        let request = match &call {
            _ if txn.coordinator.is_none() => {
                call = TxnCall::Find;
                TxnRequest::FindCoordinator
            }
            TxnCall::Find => TxnRequest::FindCoordinator,
            TxnCall::Init => TxnRequest::InitProducerId {
                requester: idx,
                transaction_timeout_ms: timeout_ms,
            },
            TxnCall::Add(partitions) => TxnRequest::AddPartitions {
                producer,
                epoch,
                partitions: partitions.clone(),
            },
            TxnCall::AddOffsets => TxnRequest::AddOffsets {
                producer,
                epoch,
                group: txn.offsets.front().expect("chosen above").metadata.group,
            },
            TxnCall::FindGroup | TxnCall::CommitOffsets => unreachable!("sent above"),
            TxnCall::End(commit) => TxnRequest::EndTxn {
                producer,
                epoch,
                commit: *commit,
            },
        };
        let broker = match txn.coordinator {
            Some(b) if !matches!(call, TxnCall::Find) => b,
            _ => {
                txn.find_attempts += 1;
                BrokerId((txn.find_attempts - 1) % brokers + 1)
            }
        };
        self.next_correlation += 1;
        let correlation = self.next_correlation;
        let txn = self.txn.as_mut().expect("checked above");
        txn.in_flight = Some((correlation, broker, call, now));
        txn.retry_at = now + backoff;
        let id = txn.id;
        ctx.send(
            NodeId::Broker(broker),
            Message::TxnRequest {
                correlation,
                txn: id,
                request,
            },
        );
    }

    pub(super) fn on_txn_response(
        &mut self,
        ctx: &mut Ctx,
        correlation: u64,
        response: TxnResponse,
    ) {
        let Some(txn) = self.txn.as_mut() else { return };
        if txn.in_flight.as_ref().is_none_or(|f| f.0 != correlation) {
            return;
        }
        let (_, broker, call, _) = txn.in_flight.take().expect("checked above");
        txn.retry_at = SimTime::ZERO;
        let error = match response {
            TxnResponse::FindCoordinator(Ok(coordinator)) => {
                txn.coordinator = Some(coordinator);
                if txn.announced != Some(coordinator) {
                    txn.announced = Some(coordinator);
                    ctx.trace(TraceEvent::Transaction {
                        what: why!(
                            "transaction coordinator is {coordinator} (asked {broker})" ;
                            "트랜잭션 코디네이터는 {coordinator} ({broker}에 물음)"
                        ),
                    });
                }
                None
            }
            TxnResponse::InitProducerId(Ok((producer, epoch))) => {
                txn.producer_id = Some(producer);
                txn.state = ClientTxnState::Ready;
                self.producer_epoch = epoch;
                self.sequences.clear();
                ctx.trace(TraceEvent::Transaction {
                    what: why!(
                        "initTransactions(): producer id {} epoch {epoch}", producer.0 ;
                        "initTransactions(): 프로듀서 id {} 에포크 {epoch}", producer.0
                    ),
                });
                None
            }
            TxnResponse::AddPartitions(Ok(())) => {
                if let TxnCall::Add(partitions) = call {
                    txn.added.extend(partitions);
                }
                None
            }
            TxnResponse::AddOffsets(Ok(())) => {
                if let Some(next) = txn.offsets.front_mut() {
                    next.added = true;
                    txn.offsets_added = true;
                }
                None
            }
            TxnResponse::EndTxn(Ok(())) => {
                let commit = txn.state == ClientTxnState::CommittingTransaction;
                txn.state = ClientTxnState::Ready;
                txn.added.clear();
                txn.offsets_added = false;
                ctx.trace(TraceEvent::Transaction {
                    what: why!(
                        "{}Transaction() complete",
                        if commit { "commit" } else { "abort" } ;
                        "{}() 완료",
                        if commit { "commitTransaction" } else { "abortTransaction" }
                    ),
                });
                None
            }
            TxnResponse::FindCoordinator(Err(e))
            | TxnResponse::InitProducerId(Err(e))
            | TxnResponse::AddPartitions(Err(e))
            | TxnResponse::AddOffsets(Err(e))
            | TxnResponse::EndTxn(Err(e)) => Some(e),
        };
        let Some(error) = error else {
            self.run(ctx);
            return;
        };
        self.on_txn_error(ctx, error);
    }

    /// A transaction request's error: fenced (fatal), a fatal state error, or retried.
    fn on_txn_error(&mut self, ctx: &mut Ctx, error: KafkaError) {
        let now = ctx.now;
        let backoff = SimTime::from_millis(self.config.retry_backoff_ms);
        self.errors.insert(error);
        match error {
            KafkaError::ProducerFenced
            | KafkaError::InvalidProducerEpoch
            | KafkaError::InvalidProducerIdMapping => {
                self.fence(
                    ctx,
                    error,
                    why!(
                        "the coordinator has a newer epoch for this transactional.id" ;
                        "코디네이터에 이 transactional.id의 더 새로운 에포크가 있음"
                    ),
                );
            }
            KafkaError::InvalidTxnState | KafkaError::InvalidTransactionTimeout => {
                let txn = self.txn.as_mut().expect("checked above");
                txn.state = ClientTxnState::FatalError;
                ctx.trace(TraceEvent::Transaction {
                    what: why!("fatal: {error}" ; "치명적 오류: {error}"),
                });
            }
            _ => {
                // CONCURRENT_TRANSACTIONS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR: retry
                // after retry.backoff.ms, finding the coordinator again when it moved.
                let txn = self.txn.as_mut().expect("checked above");
                if matches!(
                    error,
                    KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable
                ) {
                    txn.coordinator = None;
                }
                txn.retry_at = now + backoff;
                ctx.trace(TraceEvent::Transaction {
                    what: why!(
                        "{error}: retrying after retry.backoff.ms" ;
                        "{error}: retry.backoff.ms 뒤 재시도"
                    ),
                });
            }
        }
        self.run(ctx);
    }

    /// `sendOffsetsToTransaction(offsets, groupMetadata)`: only inside a transaction (else
    /// IllegalStateException); the offsets are committed with the transaction, or dropped if
    /// it aborts. A function a client node calls: the scenario's `send_offsets` step, a
    /// consume-transform-produce loop, or a Streams task.
    pub fn send_offsets_to_transaction(
        &mut self,
        ctx: &mut Ctx,
        offsets: Vec<(TopicPartition, Offset)>,
        metadata: ConsumerGroupMetadata,
    ) {
        if !self.running {
            return;
        }
        let Some(txn) = self.txn.as_mut() else { return };
        if txn.state != ClientTxnState::InTransaction {
            let state = txn.state;
            self.errors.insert(KafkaError::IllegalStateException);
            ctx.trace(TraceEvent::Transaction {
                what: why!(
                    "sendOffsetsToTransaction() refused: IllegalStateException in state {}", state.name() ;
                    "sendOffsetsToTransaction() 거부: 상태 {}에서 IllegalStateException", state.name()
                ),
            });
            return;
        }
        let parts: Vec<String> = offsets
            .iter()
            .map(|(tp, o)| {
                format!(
                    "{}-{}={o}",
                    self.scenario.topics[tp.topic.0 as usize].name, tp.partition
                )
            })
            .collect();
        let parts = parts.join(", ");
        let generation = metadata.generation;
        ctx.trace(TraceEvent::Transaction {
            what: why!(
                "sendOffsetsToTransaction([{parts}], generation {generation}): AddOffsetsToTxn, then TxnOffsetCommit" ;
                "sendOffsetsToTransaction([{parts}], 세대 {generation}): AddOffsetsToTxn 뒤 TxnOffsetCommit"
            ),
        });
        txn.offsets.push_back(OffsetsToSend {
            metadata,
            offsets,
            added: false,
        });
        self.run(ctx);
    }

    /// The group coordinator's answers to FindCoordinator and TxnOffsetCommit
    /// (`TxnOffsetCommitHandler`): UNKNOWN_MEMBER_ID and ILLEGAL_GENERATION become an
    /// abortable CommitFailedException, FENCED_INSTANCE_ID an abortable
    /// FencedInstanceIdException; a coordinator error finds the coordinator again.
    pub(super) fn on_txn_group_response(
        &mut self,
        ctx: &mut Ctx,
        correlation: u64,
        group: GroupId,
        response: GroupResponse,
    ) {
        let now = ctx.now;
        let backoff = SimTime::from_millis(self.config.retry_backoff_ms);
        let Some(txn) = self.txn.as_mut() else { return };
        if txn.in_flight.as_ref().is_none_or(|f| f.0 != correlation) {
            return;
        }
        txn.in_flight = None;
        txn.retry_at = SimTime::ZERO;
        let error = match response {
            GroupResponse::FindCoordinator(Ok((coordinator, _, _))) => {
                txn.group_coordinators.insert(group, coordinator);
                None
            }
            GroupResponse::TxnOffsetCommit(Ok(_)) => {
                txn.offsets.pop_front();
                None
            }
            GroupResponse::FindCoordinator(Err(e)) | GroupResponse::TxnOffsetCommit(Err(e)) => {
                Some(e)
            }
            _ => None,
        };
        let Some(error) = error else {
            self.run(ctx);
            return;
        };
        self.errors.insert(error);
        match error {
            KafkaError::UnknownMemberId
            | KafkaError::IllegalGeneration
            | KafkaError::FencedInstanceId => {
                let exception = if error == KafkaError::FencedInstanceId {
                    KafkaError::FencedInstanceId
                } else {
                    KafkaError::CommitFailedException
                };
                self.errors.insert(exception);
                txn.offsets.pop_front();
                txn.abortable.get_or_insert(exception);
                ctx.trace(TraceEvent::Transaction {
                    what: why!(
                        "TxnOffsetCommit answered {error}: the consumer's generation is over (KIP-447), {exception}; the transaction can only be aborted" ;
                        "TxnOffsetCommit 응답 {error}: 컨슈머의 세대가 끝남 (KIP-447), {exception}; 이 트랜잭션은 중단만 할 수 있음"
                    ),
                });
                self.run(ctx);
            }
            KafkaError::ProducerFenced | KafkaError::InvalidProducerEpoch => {
                self.on_txn_error(ctx, error);
            }
            _ => {
                if matches!(
                    error,
                    KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable
                ) {
                    txn.group_coordinators.remove(&group);
                }
                txn.retry_at = now + backoff;
                ctx.trace(TraceEvent::Transaction {
                    what: why!(
                        "{error} from the group coordinator: retrying after retry.backoff.ms" ;
                        "그룹 코디네이터의 {error}: retry.backoff.ms 뒤 재시도"
                    ),
                });
                self.run(ctx);
            }
        }
    }

    /// A transaction request that could not be delivered: find the coordinator again.
    pub(super) fn on_txn_request_lost(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        let backoff = SimTime::from_millis(self.config.retry_backoff_ms);
        let Some(txn) = self.txn.as_mut() else { return };
        if txn.in_flight.as_ref().is_some_and(|f| f.1 == broker) {
            txn.in_flight = None;
            txn.coordinator = None;
            txn.group_coordinators.retain(|_, b| *b != broker);
            txn.retry_at = ctx.now + backoff;
        }
    }
}
