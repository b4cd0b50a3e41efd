//! A producer: `send()` calls from the scenario's produce steps, the record accumulator
//! (per-partition batches, `batch.size`, `linger.ms`), the sender (one request per leader,
//! `max.in.flight.requests.per.connection`), retries with backoff, timeouts, metadata refresh,
//! and idempotence (producer id and sequence numbers), `compression.type` (batches are sized by
//! an estimate of their compressed bytes), `buffer.memory` (send() blocks while the batches held
//! take it all), and the batch statistics `ksim run` prints.
//!
//! Each record's outcome is kept here, in send order: the ledger reads it.
//!
//! Here: the producer's state, its records and their outcomes, its lifecycle, the dispatch of
//! its timers and messages, metadata, and when it wakes next. `accumulator` takes the
//! `send()` calls into batches; `sender` turns batches into requests and handles the answers.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use crate::clients::compression::{
    INITIAL_ESTIMATE, compressed_records_bytes, estimated_batch_bytes, update_estimation,
};
use crate::clients::partitioner::{RoundRobinPartitioner, StickyPartitioner, partition_for_key};
use crate::config::{Acks, Compression, PartitionerClass, ProducerConfig};
use crate::engine::ids::{
    BrokerId, NodeId, Offset, ProducerIdx, RecordId, TopicId, TopicPartition, TransactionalId,
};
use crate::engine::rng::{SimRng, Stream};
use crate::engine::shared::SharedVec;
use crate::engine::time::SimTime;
use crate::kafka::effects::{Ctx, Note, Timer};
use crate::kafka::message::{BATCH_HEADER_BYTES, ProducerStamp, increment_sequence};
use crate::kafka::message::{KafkaError, Message, ProduceBatch, ProduceRequest, ProduceResponse};
use crate::kafka::metadata::{MetadataFetcher, MetadataImage};
use crate::kafka::trace::{TraceEvent, Why, why};
use crate::scenario::{Action, ProduceSpec, ProducerSpec, Scenario};

/// `reconnect.backoff.ms` and `reconnect.backoff.max.ms`, Kafka's defaults: how long a client
/// waits before trying a broker that refused a connection, doubling per failure.
const RECONNECT_BACKOFF: SimTime = SimTime::from_millis(50);
const RECONNECT_BACKOFF_MAX: SimTime = SimTime::from_millis(1_000);

/// A broker that refused the connection, and until when the client leaves it alone.
#[derive(Clone, Copy, Debug)]
struct Unreachable {
    failures: u32,
    until: SimTime,
}

/// How far ahead the producer looks for the record that will fill a batch.
const LOOKAHEAD_RECORDS: usize = 10_000;

/// What became of a record, as the producer's callback would report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pending,
    /// Acknowledged at this offset; `None` for acks=0, where the callback gets offset -1.
    Acked(Option<Offset>),
    Failed(KafkaError),
}

/// One `send()` call.
#[derive(Clone, Debug)]
///
/// Packed into 24 bytes, as a run may send millions: the topic and the send time follow
/// from the step, the outcome is an offset and two small fields.
pub struct SentRecord {
    /// The produce step that sent it, and its index within the step (for key and value).
    pub step: u32,
    pub index: u32,
    /// The partition number, or `u32::MAX` before the partitioner chose one.
    partition: u32,
    offset: u64,
    state: RecordState,
    error: Option<KafkaError>,
    /// Below a leader's high watermark at some point: replicated to the whole ISR.
    pub committed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RecordState {
    Pending,
    Acked,
    AckedWithoutOffset,
    Failed,
}

impl SentRecord {
    fn new(step: u32, index: u32, partition: Option<u32>) -> SentRecord {
        SentRecord {
            step,
            index,
            partition: partition.unwrap_or(u32::MAX),
            offset: 0,
            state: RecordState::Pending,
            error: None,
            committed: false,
        }
    }

    pub fn outcome(&self) -> Outcome {
        match self.state {
            RecordState::Pending => Outcome::Pending,
            RecordState::Acked => Outcome::Acked(Some(Offset(self.offset))),
            RecordState::AckedWithoutOffset => Outcome::Acked(None),
            RecordState::Failed => {
                Outcome::Failed(self.error.expect("a failed record has an error"))
            }
        }
    }

    fn set_outcome(&mut self, outcome: Outcome) {
        (self.state, self.offset, self.error) = match outcome {
            Outcome::Pending => (RecordState::Pending, 0, None),
            Outcome::Acked(Some(offset)) => (RecordState::Acked, offset.0, None),
            Outcome::Acked(None) => (RecordState::AckedWithoutOffset, 0, None),
            Outcome::Failed(error) => (RecordState::Failed, 0, Some(error)),
        };
    }
}

/// Records the scenario asked this producer to send, at a rate or all at once.
#[derive(Clone, Debug)]
struct Schedule {
    step: u32,
    spec: ProduceSpec,
    start: SimTime,
    next: u32,
}

impl Schedule {
    fn due(&self, i: u32) -> SimTime {
        match self.spec.rate_per_sec {
            Some(rate) if rate > 0 => self.start + SimTime(i as u64 * 1_000_000 / rate),
            _ => self.start,
        }
    }

    /// One past the last record due at `now`: record i is due at start + ⌊i·10⁶/rate⌋ µs.
    fn due_end(&self, now: SimTime) -> u32 {
        if now < self.start {
            return self.next;
        }
        let end = match self.spec.rate_per_sec {
            Some(rate) if rate > 0 => {
                let elapsed = (now - self.start).as_micros() as u128 + 1;
                (elapsed * rate as u128)
                    .div_ceil(1_000_000)
                    .min(u32::MAX as u128) as u32
            }
            _ => u32::MAX,
        };
        end.min(self.spec.count)
    }

    fn key(&self, i: u32) -> Option<&Arc<str>> {
        (!self.spec.keys.is_empty()).then(|| &self.spec.keys[i as usize % self.spec.keys.len()])
    }
}

#[derive(Clone, Debug)]
struct Batch {
    partition: TopicPartition,
    records: Vec<RecordId>,
    /// Set when the batch is first drained (Kafka closes it then): its records are fixed.
    sealed: Option<Arc<Vec<RecordId>>>,
    /// The batch header plus the records, uncompressed.
    bytes: u32,
    /// The compression ratio estimated for its topic when the batch was created; `None` when
    /// the producer does not compress.
    estimate: Option<f32>,
    /// The `buffer.memory` bytes it holds until it completes: `batch.size`, or the record's
    /// size bound when one record is larger.
    buffer: u32,
    created: SimTime,
    attempts: u32,
    retry_at: SimTime,
    /// The (producer epoch, first sequence) given at the first send, for idempotence.
    sequence: Option<(u32, u32)>,
    /// Whether a record has a null key (a compacted topic refuses the batch).
    null_key: bool,
}

impl Batch {
    /// Kafka's `MemoryRecordsBuilder.hasRoomFor`: whether a record of `bytes` (uncompressed)
    /// can still go into this batch. The batch's estimated size plus the whole record must stay
    /// within `batch.size`: the record is not assumed to compress, to be safe.
    #[inline]
    fn open(&self, bytes: u32, batch_size: u64) -> bool {
        self.sealed.is_none()
            && self.attempts == 0
            && (self.estimated_bytes() + bytes) as u64 <= batch_size
    }

    /// The size the producer believes the batch has (`estimatedSizeInBytes`): exact without
    /// compression, the estimate with it.
    #[inline]
    fn estimated_bytes(&self) -> u32 {
        estimated_batch_bytes(self.bytes, BATCH_HEADER_BYTES, self.estimate)
    }

    /// `isFull`: the estimated size reached `batch.size`. A full batch is sendable at once.
    fn is_full(&self, batch_size: u64) -> bool {
        self.estimated_bytes() as u64 >= batch_size
    }

    /// The bytes on the wire and in the log: the header plus the compressed records.
    fn wire_bytes(&self, codec: Compression) -> u32 {
        BATCH_HEADER_BYTES + compressed_records_bytes(codec, self.bytes - BATCH_HEADER_BYTES)
    }

    /// What the drain counts against `max.request.size` before adding it: the estimate while
    /// the batch is open, its real size once it was closed by an earlier send.
    fn request_bytes(&self, codec: Compression) -> u32 {
        if self.sealed.is_some() {
            self.wire_bytes(codec)
        } else {
            self.estimated_bytes()
        }
    }

    fn seal(&mut self) -> Arc<Vec<RecordId>> {
        self.sealed
            .get_or_insert_with(|| Arc::new(std::mem::take(&mut self.records)))
            .clone()
    }

    fn len(&self) -> u32 {
        self.sealed.as_ref().map_or(self.records.len(), |s| s.len()) as u32
    }

    fn first(&self) -> RecordId {
        match &self.sealed {
            Some(sealed) => sealed[0],
            None => self.records[0],
        }
    }
}

/// How a producer batched, as its metrics would show it: what F21 and F24 are about.
///
/// Batches are counted once, when first sent (a retry is the same batch); requests every time
/// one leaves, retries included. Bytes are those of first sends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchStats {
    /// Produce requests sent, retries included (a request refused at connection is not sent).
    pub requests: u64,
    /// Batches sent, each counted at its first send.
    pub batches: u64,
    /// Records in those batches.
    pub batched_records: u64,
    /// Their bytes before compression (headers included), and on the wire.
    pub uncompressed_bytes: u64,
    pub compressed_bytes: u64,
    /// Records acknowledged, and when the first send() was called and the last ack came.
    pub acked_records: u64,
    pub first_send: Option<SimTime>,
    pub last_ack: Option<SimTime>,
    /// send() calls that blocked on `buffer.memory`, how long they waited in all, and how many
    /// gave up after `max.block.ms`.
    pub blocked_sends: u64,
    pub blocked_time: SimTime,
    pub buffer_exhausted: u64,
}

impl BatchStats {
    /// The mean number of records per batch sent; `None` before the first batch.
    pub fn records_per_batch(&self) -> Option<f64> {
        (self.batches > 0).then(|| self.batched_records as f64 / self.batches as f64)
    }

    /// The mean batch on the wire as a percentage of `batch.size` (Kafka's `batch-size-avg`
    /// metric over `batch.size`). Compression can keep it near 100% while many more records fit.
    pub fn fill_percent(&self, batch_size: u64) -> Option<f64> {
        (self.batches > 0 && batch_size > 0)
            .then(|| 100.0 * self.compressed_bytes as f64 / self.batches as f64 / batch_size as f64)
    }

    /// Records acknowledged per simulated second, from the first send() to the last ack.
    pub fn acked_per_sec(&self) -> Option<f64> {
        let (first, last) = (self.first_send?, self.last_ack?);
        let span = (last - first).as_micros();
        (span > 0).then(|| self.acked_records as f64 * 1_000_000.0 / span as f64)
    }
}

/// A producer's records by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    pub acked: u64,
    pub failed: u64,
    pub pending: u64,
}

impl OutcomeCounts {
    fn add(&mut self, state: RecordState, delta: i64) {
        let count = match state {
            RecordState::Pending => return,
            RecordState::Acked | RecordState::AckedWithoutOffset => &mut self.acked,
            RecordState::Failed => &mut self.failed,
        };
        *count = count.wrapping_add_signed(delta);
    }
}

#[derive(Clone, Debug)]
struct InFlight {
    broker: BrokerId,
    batches: Vec<Batch>,
    sent_at: SimTime,
}

#[derive(Clone, Debug)]
pub struct Producer {
    pub idx: ProducerIdx,
    pub name: String,
    pub config: ProducerConfig,
    pub running: bool,
    scenario: Arc<Scenario>,
    rng: SimRng,
    metadata: Option<Arc<MetadataImage>>,
    metadata_wanted: bool,
    /// Topics the metadata lacked, each said once in the trace.
    missing_topics: BTreeSet<TopicId>,
    metadata_fetch: MetadataFetcher,
    metadata_fetched_at: SimTime,
    /// When the producer first had metadata, since when send() no longer blocks.
    metadata_since: SimTime,
    schedules: Vec<Schedule>,
    pub records: SharedVec<SentRecord>,
    queues: BTreeMap<TopicPartition, VecDeque<Batch>>,
    in_flight: BTreeMap<u64, InFlight>,
    sticky: BTreeMap<TopicId, StickyPartitioner>,
    /// With `partitioner.class = RoundRobinPartitioner`, its counter per topic.
    round_robin: BTreeMap<TopicId, RoundRobinPartitioner>,
    /// Per (topic, key), the partition the key's last record was hashed to and the partition
    /// count it was hashed with: a key that hashes elsewhere after partitions were added has
    /// moved (R7.6).
    key_partitions: BTreeMap<(TopicId, Arc<str>), (u32, u32)>,
    /// The keys that moved at least once, per topic.
    moved_keys: BTreeSet<(TopicId, Arc<str>)>,
    /// Per topic, which partitions have a leader in the metadata (for the sticky partitioner).
    has_leader: BTreeMap<TopicId, Vec<bool>>,
    sequences: BTreeMap<TopicPartition, u32>,
    /// The idempotent producer's epoch, bumped to restart sequences from 0 (KIP-360).
    producer_epoch: u32,
    /// With `max.in.flight.requests.per.connection=1`, a partition with a batch in flight
    /// sends nothing else (Kafka's guaranteeMessageOrder).
    muted: BTreeSet<TopicPartition>,
    unreachable: BTreeMap<BrokerId, Unreachable>,
    /// Brokers that answered on a connection still open.
    connected: BTreeSet<BrokerId>,
    /// Requests sent, untraced, to a broker that had been refusing, and when.
    untraced_sends: BTreeMap<u64, SimTime>,
    next_correlation: u64,
    wake_at: Option<SimTime>,
    /// Every error the producer saw, retried or final.
    pub errors: BTreeSet<KafkaError>,
    closing: bool,
    /// Per topic, the compression ratio learnt from closed batches (Kafka keeps one per topic
    /// and codec in `CompressionRatioEstimator`, shared by the JVM; here each producer learns
    /// on its own).
    compression_estimates: BTreeMap<TopicId, f32>,
    /// Bytes of `buffer.memory` held by batches not yet completed (queued or in flight).
    buffer_used: u64,
    /// Since when the current send() waits for buffer memory.
    blocked_since: Option<SimTime>,
    /// When send() last returned from a wait (for memory): later records were only sent then.
    send_resumed_at: SimTime,
    /// The first block and the first failure for lack of memory are traced, not every one.
    buffer_block_traced: bool,
    buffer_failure_traced: bool,
    record_too_large_traced: bool,
    /// Per leader, where the next drain starts among the partitions it leads (Kafka's
    /// `nodesDrainIndex`), so that `max.request.size` does not always cut the same ones.
    drain_index: BTreeMap<BrokerId, usize>,
    pub stats: BatchStats,
    /// How many of `records` are acknowledged and how many failed, kept as they change so
    /// that a screen showing them need not read every record.
    settled: OutcomeCounts,
    /// How many records are marked `committed`, kept as they change.
    committed_count: u64,
    /// With a `transactional.id`: the transaction manager.
    pub txn: Option<TxnClient>,
    /// The sends of a Kafka Streams thread, whose records the topology computes: each is a
    /// one-record spec, numbered after the scenario's steps (`send_computed`).
    computed: SharedVec<ProduceSpec>,
}

impl Producer {
    /// The records by outcome: acknowledged, failed, neither yet.
    pub fn outcome_counts(&self) -> OutcomeCounts {
        OutcomeCounts {
            pending: self.records.len() as u64 - self.settled.acked - self.settled.failed,
            ..self.settled
        }
    }

    /// Adds a record to the table, counting its outcome.
    fn push_record(&mut self, record: SentRecord) {
        self.settled.add(record.state, 1);
        self.records.push(record);
    }

    /// Sets record `n`'s outcome, keeping the counts.
    fn settle(&mut self, n: u32, outcome: Outcome) {
        let record = &mut self.records[n as usize];
        self.settled.add(record.state, -1);
        record.set_outcome(outcome);
        self.settled.add(record.state, 1);
    }

    /// Settles a batch's records: acknowledged from offset `base` on (`Some(None)` for acks=0),
    /// or failed. A batch of consecutive records is settled as one run.
    fn settle_batch(&mut self, records: &[RecordId], result: Result<Option<Offset>, KafkaError>) {
        let outcome = |i: usize| match result {
            Ok(base) => Outcome::Acked(base.map(|b| Offset(b.0 + i as u64))),
            Err(error) => Outcome::Failed(error),
        };
        let Some((_, run)) = RecordId::consecutive_run(records) else {
            for (i, r) in records.iter().enumerate() {
                self.settle(r.n, outcome(i));
            }
            return;
        };
        let settled = &mut self.settled;
        let mut i = 0;
        self.records
            .for_each_mut_in(run.start as usize..run.end as usize, |record| {
                settled.add(record.state, -1);
                record.set_outcome(outcome(i));
                settled.add(record.state, 1);
                i += 1;
            });
    }

    pub fn new(
        idx: ProducerIdx,
        spec: &ProducerSpec,
        scenario: Arc<Scenario>,
        seed: u64,
    ) -> Producer {
        let brokers = scenario.brokers;
        let txn = spec.config.transactional_id.as_ref().map(|id| {
            let index = scenario
                .transactional_ids
                .iter()
                .position(|t| t == id)
                .expect("the scenario lists every transactional.id");
            TxnClient::new(TransactionalId(index as u32))
        });
        Producer {
            txn,
            idx,
            name: spec.name.clone(),
            config: spec.config.clone(),
            running: false,
            scenario,
            rng: SimRng::for_member(seed, Stream::Clients, idx.0),
            metadata: None,
            metadata_wanted: true,
            missing_topics: BTreeSet::new(),
            metadata_fetch: MetadataFetcher::new(
                brokers,
                idx.0,
                SimTime::from_millis(spec.config.retry_backoff_ms),
            ),
            metadata_fetched_at: SimTime::ZERO,
            metadata_since: SimTime::ZERO,
            schedules: Vec::new(),
            records: SharedVec::new(),
            queues: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            sticky: BTreeMap::new(),
            round_robin: BTreeMap::new(),
            key_partitions: BTreeMap::new(),
            moved_keys: BTreeSet::new(),
            has_leader: BTreeMap::new(),
            sequences: BTreeMap::new(),
            producer_epoch: 0,
            muted: BTreeSet::new(),
            unreachable: BTreeMap::new(),
            connected: BTreeSet::new(),
            untraced_sends: BTreeMap::new(),
            next_correlation: 0,
            wake_at: None,
            errors: BTreeSet::new(),
            closing: false,
            compression_estimates: BTreeMap::new(),
            buffer_used: 0,
            blocked_since: None,
            send_resumed_at: SimTime::ZERO,
            buffer_block_traced: false,
            buffer_failure_traced: false,
            record_too_large_traced: false,
            drain_index: BTreeMap::new(),
            stats: BatchStats::default(),
            committed_count: 0,
            settled: OutcomeCounts::default(),
            computed: SharedVec::new(),
        }
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.running = true;
        self.closing = false;
        self.metadata_wanted = true;
        self.run(ctx);
    }

    /// `close()`: no more sends; what is in the accumulator goes out at once and in-flight
    /// requests complete.
    pub fn stop(&mut self, ctx: &mut Ctx) {
        self.schedules.clear();
        if let Some(since) = self.blocked_since.take() {
            // A send() blocked for memory ends with close() ("Producer closed while allocating
            // memory"); its record, like the rest of the step, is never sent.
            self.stats.blocked_time = self.stats.blocked_time + (ctx.now - since);
        }
        self.closing = true;
        self.run(ctx);
    }

    /// A produce step: schedule its `send()` calls.
    pub fn produce(&mut self, ctx: &mut Ctx, step: usize, spec: &ProduceSpec) {
        if !self.running || self.closing || !self.may_produce(ctx) {
            return;
        }
        self.schedules.push(Schedule {
            step: step as u32,
            spec: spec.clone(),
            start: ctx.now,
            next: 0,
        });
        if spec.count > 0 {
            self.stats.first_send.get_or_insert(ctx.now);
        }
        self.run(ctx);
    }

    /// A `send()` whose key and value a Kafka Streams topology computed: one record to
    /// `topic`, on `partition` or where the partitioner puts its key.
    pub fn send_computed(
        &mut self,
        ctx: &mut Ctx,
        topic: TopicId,
        partition: Option<u32>,
        key: Option<Arc<str>>,
        value: Arc<str>,
    ) {
        let spec = ProduceSpec {
            producer: self.idx,
            topic,
            count: 1,
            keys: key.into_iter().collect(),
            value: Some(value),
            tombstone: false,
            partition,
            rate_per_sec: None,
        };
        let step = self.scenario.steps.len() + self.computed.len();
        self.computed.push(spec.clone());
        self.produce(ctx, step, &spec);
    }

    /// How many records have been handed to send() so far.
    pub fn sent_count(&self) -> u32 {
        self.records.len() as u32
    }

    /// The first record in `from..end` not yet acknowledged or failed (`end` when none):
    /// what `flush()` still waits for.
    pub fn first_unsettled(&self, from: u32, end: u32) -> u32 {
        (from..end)
            .find(|&n| {
                self.records
                    .get(n as usize)
                    .is_some_and(|r| r.outcome() == Outcome::Pending)
            })
            .unwrap_or(end)
    }

    pub fn mark_committed(&mut self, n: u32) {
        if let Some(record) = self.records.get_mut(n as usize)
            && !record.committed
        {
            record.committed = true;
            self.committed_count += 1;
        }
    }

    /// Marks records `first..end` committed (the records of one batch below a high watermark).
    pub fn mark_committed_run(&mut self, first: u32, end: u32) {
        let count = &mut self.committed_count;
        self.records
            .for_each_mut_in(first as usize..end as usize, |record| {
                *count += u64::from(!record.committed);
                record.committed = true;
            });
    }

    /// How many records have been below a leader's high watermark.
    pub fn committed_count(&self) -> u64 {
        self.committed_count
    }

    fn spec_of(&self, record: &SentRecord) -> Option<&ProduceSpec> {
        let steps = self.scenario.steps.len();
        if record.step as usize >= steps {
            return self.computed.get(record.step as usize - steps);
        }
        match &self.scenario.steps.get(record.step as usize)?.action {
            crate::scenario::Action::Produce(spec) => Some(spec),
            _ => None,
        }
    }

    /// The partition the partitioner chose for record `n`, if it chose one.
    pub fn partition_of(&self, n: u32) -> Option<TopicPartition> {
        let record = &self.records[n as usize];
        let topic = self.spec_of(record)?.topic;
        (record.partition != u32::MAX).then(|| TopicPartition::new(topic, record.partition))
    }

    /// How many keys this producer sent to a different partition than their earlier records,
    /// counted once per topic and key: the keys partition growth moved (R7.6).
    pub fn moved_key_count(&self) -> u64 {
        self.moved_keys.len() as u64
    }

    /// Whether any of this producer's `produce` steps gives keys (the ledger follows keys
    /// only then).
    pub fn sends_keys(&self) -> bool {
        self.scenario.steps.iter().any(|step| {
            matches!(&step.action, Action::Produce(spec)
                if spec.producer == self.idx && !spec.keys.is_empty())
        })
    }

    /// The key of record `n`, without building its value.
    pub fn key_of(&self, n: u32) -> Option<&Arc<str>> {
        let record = &self.records[n as usize];
        let spec = self.spec_of(record)?;
        (!spec.keys.is_empty()).then(|| &spec.keys[record.index as usize % spec.keys.len()])
    }

    /// Whether record `n` is a tombstone: a null value (`tombstone = true` on its step).
    pub fn is_tombstone(&self, n: u32) -> bool {
        let record = &self.records[n as usize];
        self.spec_of(record).is_some_and(|spec| spec.tombstone)
    }

    /// The record's key and value as the scenario defines them.
    pub fn key_and_value(&self, n: u32) -> (Option<Arc<str>>, String) {
        let record = &self.records[n as usize];
        let Some(spec) = self.spec_of(record) else {
            return (None, format!("{}-{n}", self.name));
        };
        let key = (!spec.keys.is_empty())
            .then(|| spec.keys[record.index as usize % spec.keys.len()].clone());
        let value = if spec.tombstone {
            "null".to_string()
        } else {
            spec.value
                .as_ref()
                .map_or_else(|| format!("{}-{n}", self.name), |v| v.to_string())
        };
        (key, value)
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            Timer::Wake(at) if self.wake_at == Some(at) => self.wake_at = None,
            Timer::MetadataTimeout(id) => self.metadata_fetch.timed_out(ctx.now, id),
            _ => {}
        }
        self.run(ctx);
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let NodeId::Broker(broker) = from else { return };
        match message {
            Message::MetadataResponse(image)
                if self
                    .metadata_fetch
                    .answered(ctx.now, broker, image.is_some()) =>
            {
                if let Some(image) = image {
                    self.apply_metadata(ctx, image);
                }
            }
            Message::ProduceResponse(response) => {
                self.unreachable.remove(&broker);
                self.connected.insert(broker);
                if let Some(sent_at) = self.untraced_sends.remove(&response.correlation) {
                    ctx.trace(TraceEvent::ConnectionAccepted { broker, sent_at });
                }
                self.on_produce_response(ctx, response)
            }
            Message::TxnResponse {
                correlation,
                response,
                ..
            } => {
                self.on_txn_response(ctx, correlation, response);
                return;
            }
            Message::GroupResponse {
                correlation,
                group,
                response,
            } => {
                self.on_txn_group_response(ctx, correlation, group, response);
                return;
            }
            Message::Refused(refused)
                if matches!(
                    *refused,
                    Message::TxnRequest { .. } | Message::GroupRequest { .. }
                ) =>
            {
                self.on_txn_request_lost(ctx, broker)
            }
            Message::Refused(refused) => self.on_refused(ctx, broker, *refused),
            Message::Disconnected => {
                self.on_txn_request_lost(ctx, broker);
                self.metadata_fetch.failed(ctx.now, broker);
                self.connected.remove(&broker);
                self.fail_connection(ctx, broker, KafkaError::NetworkException);
            }
            _ => {}
        }
        self.run(ctx);
    }

    fn apply_metadata(&mut self, ctx: &mut Ctx, image: Arc<MetadataImage>) {
        self.metadata_fetched_at = ctx.now;
        if self
            .metadata
            .as_ref()
            .is_some_and(|m| m.offset > image.offset)
        {
            return;
        }
        // Producers never write Kafka's internal topic; its leaders are left out.
        let user = |m: &MetadataImage, tp: TopicPartition| {
            !crate::scenario::is_internal_topic(&m.topics[tp.topic.0 as usize].name)
        };
        let leaders = |m: &MetadataImage| -> Vec<Option<BrokerId>> {
            m.partitions()
                .filter(|(tp, _)| user(m, *tp))
                .map(|(_, s)| s.leader)
                .collect()
        };
        let changed = self
            .metadata
            .as_ref()
            .is_none_or(|m| leaders(m) != leaders(&image));
        if changed {
            let summary: Vec<String> = image
                .partitions()
                .filter(|(tp, _)| user(&image, *tp))
                .map(|(tp, s)| {
                    let leader = s.leader.map_or("none".to_string(), |b| b.to_string());
                    format!(
                        "{}-{} leader {leader}",
                        image.topics[tp.topic.0 as usize].name, tp.partition
                    )
                })
                .collect();
            ctx.trace(TraceEvent::Metadata {
                leaders: summary.join(", "),
            });
        }
        self.has_leader = image
            .topics
            .iter()
            .enumerate()
            .map(|(t, topic)| {
                (
                    TopicId(t as u32),
                    topic
                        .partitions
                        .iter()
                        .map(|p| p.leader.is_some())
                        .collect(),
                )
            })
            .collect();
        if self.metadata.is_none() {
            self.metadata_since = ctx.now;
        }
        self.metadata = Some(image);
        self.metadata_wanted = false;
    }

    /// Everything a producer does between events: take due records, expire old batches,
    /// send what is ready, ask for metadata, and set the next wake-up.
    fn run(&mut self, ctx: &mut Ctx) {
        if !self.running {
            return;
        }
        loop {
            self.take_due_records(ctx);
            self.drive_txn(ctx);
            let held = self.buffer_used;
            self.expire_requests(ctx);
            self.expire_batches(ctx);
            self.drain(ctx);
            // A blocked send() goes on as soon as memory is freed (acks=0 frees it when the
            // batch is sent, an expired batch when it fails).
            if self.blocked_since.is_none() || self.buffer_used >= held {
                break;
            }
        }
        self.maybe_request_metadata(ctx);
        if self.closing && self.queues.values().all(VecDeque::is_empty) && self.in_flight.is_empty()
        {
            self.running = false;
            return;
        }
        if let Some(at) = self.next_wake(ctx.now)
            && self.wake_at.is_none_or(|w| at < w || w <= ctx.now)
        {
            self.wake_at = Some(at);
            ctx.timer_at(at, Timer::Wake(at));
        }
    }

    /// The next moment something can happen without a message arriving: a batch's linger or
    /// backoff ends, a record is due (or fills a batch), a batch expires, metadata ages.
    fn next_wake(&self, now: SimTime) -> Option<SimTime> {
        let linger = SimTime::from_millis(self.config.linger_ms);
        let delivery = SimTime::from_millis(self.config.delivery_timeout_ms);
        let mut wake: Option<SimTime> = None;
        let mut consider = |t: SimTime| {
            if t > now {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
        };
        let mut linger_deadline: Option<SimTime> = None;
        for (tp, queue) in &self.queues {
            if let Some(batch) = queue.front() {
                consider(batch.created + delivery);
                if !self.muted.contains(tp) {
                    let at = if batch.attempts > 0 {
                        batch.retry_at
                    } else {
                        batch.created + linger
                    };
                    consider(at);
                    if batch.attempts == 0 && queue.len() == 1 {
                        linger_deadline = Some(linger_deadline.map_or(at, |d: SimTime| d.min(at)));
                    }
                }
            }
        }
        let request_timeout = SimTime::from_millis(self.config.request_timeout_ms);
        for request in self.in_flight.values() {
            consider(request.sent_at + request_timeout);
            for batch in &request.batches {
                consider(batch.created + delivery);
            }
        }
        for unreachable in self.unreachable.values() {
            consider(unreachable.until);
        }
        if let Some(since) = self.blocked_since {
            consider(since + SimTime::from_millis(self.config.max_block_ms));
        }
        if self.metadata.is_some() {
            consider(
                self.metadata_fetched_at + SimTime::from_millis(self.config.metadata_max_age_ms),
            );
        }
        if let Some(at) = self.next_record_wake(linger_deadline) {
            consider(at);
        }
        if let Some(at) = self.txn_wake() {
            consider(at);
        }
        wake
    }
}

/// A record's size in a v2 batch: a few bytes of framing (length, attributes, timestamp and
/// offset deltas, header count) plus the key and value.
fn record_bytes(key: Option<&str>, value: Option<&str>, producer: &str, n: u32) -> u32 {
    let value_len = value.map_or_else(|| producer.len() + 1 + digits(n), str::len);
    let key_len = key.map_or(0, str::len);
    (7 + key_len + value_len) as u32
}

/// How much larger `serialized_size_bound` can be than `record_bytes`: the batch header, the
/// record framing bound less the framing `record_bytes` counts, and the length varints.
const RECORD_BOUND_SLACK: u32 = BATCH_HEADER_BYTES + MAX_RECORD_OVERHEAD - 7 + 5 + 5 + 1;

/// Kafka's `DefaultRecord.MAX_RECORD_OVERHEAD`: the most a v2 record's framing takes.
const MAX_RECORD_OVERHEAD: u32 = 21;

/// Kafka's `AbstractRecords.estimateSizeInBytesUpperBound` for a v2 record: a whole batch
/// holding just this record, its framing at most 21 bytes, the key and value with their length
/// varints (1 byte for null) and an empty header count. KafkaProducer checks it against
/// `max.request.size` and `buffer.memory` before the record is batched, uncompressed.
fn serialized_size_bound(key: Option<&str>, value: Option<&str>, producer: &str, n: u32) -> u32 {
    let value_len = value.map_or_else(|| producer.len() + 1 + digits(n), str::len) as u32;
    let key_part = key.map_or(1, |k| varint_size(k.len() as u32) + k.len() as u32);
    BATCH_HEADER_BYTES + MAX_RECORD_OVERHEAD + key_part + varint_size(value_len) + value_len + 1
}

/// The bytes of a zig-zag varint holding a non-negative length.
fn varint_size(len: u32) -> u32 {
    let zigzag = u64::from(len) << 1;
    (64 - zigzag.max(1).leading_zeros()).div_ceil(7)
}

/// `KafkaProducer.ensureValidRecordSize`: Kafka's message when a record of `size` bytes
/// (uncompressed bound) can never be sent.
fn record_too_large(config: &ProducerConfig, size: u32) -> Option<String> {
    if size as u64 > config.max_request_size {
        Some(format!(
            "The message is {size} bytes when serialized which is larger than {}, which is the value of the max.request.size configuration.",
            config.max_request_size
        ))
    } else if size as u64 > config.buffer_memory {
        Some(format!(
            "The message is {size} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration."
        ))
    } else {
        None
    }
}

/// Decimal digits of `n`: the length of the number in a default value. Comparisons, as it
/// runs for every record.
fn digits(n: u32) -> usize {
    const POWERS: [u32; 9] = [
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
    ];
    1 + POWERS.iter().take_while(|&&p| n >= p).count()
}

mod accumulator;
mod sender;
mod transaction;

pub use transaction::{ClientTxnState, TxnClient};
#[cfg(test)]
mod tests;
