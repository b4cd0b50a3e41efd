//! A producer: `send()` calls from the scenario's produce steps, the record accumulator
//! (per-partition batches, `batch.size`, `linger.ms`), the sender (one request per leader,
//! `max.in.flight.requests.per.connection`), retries with backoff, timeouts, metadata refresh,
//! and idempotence (producer id and sequence numbers), `compression.type` (batches are sized by
//! an estimate of their compressed bytes), `buffer.memory` (send() blocks while the batches held
//! take it all), and the batch statistics `ksim run` prints.
//!
//! Each record's outcome is kept here, in send order: the ledger reads it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use crate::clients::compression::{
    INITIAL_ESTIMATE, compressed_records_bytes, estimated_batch_bytes, update_estimation,
};
use crate::clients::partitioner::{RoundRobinPartitioner, StickyPartitioner, partition_for_key};
use crate::config::{Acks, Compression, PartitionerClass, ProducerConfig};
use crate::engine::ids::{
    BrokerId, NodeId, Offset, ProducerIdx, RecordId, TopicId, TopicPartition,
};
use crate::engine::rng::{SimRng, Stream};
use crate::engine::shared::SharedVec;
use crate::engine::time::SimTime;
use crate::kafka::effects::{Ctx, Note, Timer};
use crate::kafka::message::{BATCH_HEADER_BYTES, ProducerStamp, increment_sequence};
use crate::kafka::message::{KafkaError, Message, ProduceBatch, ProduceRequest, ProduceResponse};
use crate::kafka::metadata::{MetadataFetcher, MetadataImage};
use crate::kafka::trace::TraceEvent;
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

    pub fn new(
        idx: ProducerIdx,
        spec: &ProducerSpec,
        scenario: Arc<Scenario>,
        seed: u64,
    ) -> Producer {
        let brokers = scenario.brokers;
        Producer {
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
            settled: OutcomeCounts::default(),
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
        if !self.running || self.closing {
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

    pub fn mark_committed(&mut self, n: u32) {
        if let Some(record) = self.records.get_mut(n as usize) {
            record.committed = true;
        }
    }

    fn spec_of(&self, record: &SentRecord) -> Option<&ProduceSpec> {
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
            Message::Refused(refused) => self.on_refused(ctx, broker, *refused),
            Message::Disconnected => {
                self.metadata_fetch.failed(ctx.now, broker);
                self.connected.remove(&broker);
                self.fail_connection(ctx, broker, KafkaError::NetworkException);
            }
            _ => {}
        }
        self.run(ctx);
    }

    /// The connection to a broker could not be made: nothing was sent. As Kafka's
    /// NetworkClient does, the batches wait in the accumulator (no attempt counted, no error)
    /// while the client backs off (`reconnect.backoff.ms`, doubling up to
    /// `reconnect.backoff.max.ms`) and asks for fresh metadata.
    fn on_refused(&mut self, ctx: &mut Ctx, broker: BrokerId, refused: Message) {
        match refused {
            Message::MetadataRequest { .. } => self.metadata_fetch.failed(ctx.now, broker),
            Message::Produce(request) => {
                self.untraced_sends.remove(&request.correlation);
                let Some(in_flight) = self.in_flight.remove(&request.correlation) else {
                    return;
                };
                self.stats.requests -= 1;
                // Never sent: back into the queue where they were, in send order.
                for mut batch in in_flight.batches {
                    batch.attempts -= 1;
                    self.muted.remove(&batch.partition);
                    let queue = self.queues.entry(batch.partition).or_default();
                    let first = batch.first().n;
                    let at = queue
                        .iter()
                        .position(|b| b.first().n > first)
                        .unwrap_or(queue.len());
                    queue.insert(at, batch);
                }
                self.metadata_wanted = true;
                self.connected.remove(&broker);
                if self
                    .unreachable
                    .get(&broker)
                    .is_some_and(|u| u.until > ctx.now)
                {
                    // Another refusal of the same connection attempt.
                    return;
                }
                let failures = self.unreachable.get(&broker).map_or(0, |u| u.failures) + 1;
                let base = RECONNECT_BACKOFF.0 as f64 * 2f64.powi(failures.min(20) as i32 - 1);
                let capped = base.min(RECONNECT_BACKOFF_MAX.0 as f64);
                let jitter = 0.8 + 0.4 * (self.rng.below(1_000_001) as f64 / 1_000_000.0);
                let until = ctx.now + SimTime((capped * jitter) as u64);
                if failures == 1 {
                    ctx.trace(TraceEvent::ConnectionRefused {
                        broker,
                        retry_at: until,
                    });
                }
                self.unreachable
                    .insert(broker, Unreachable { failures, until });
            }
            _ => {}
        }
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
            m.topics[tp.topic.0 as usize].name != crate::scenario::OFFSETS_TOPIC
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

    fn take_due_records(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        let max_block = SimTime::from_millis(self.config.max_block_ms);
        let mut schedules = std::mem::take(&mut self.schedules);
        let metadata = self.metadata.clone();
        // Schedules whose send() waits for their topic's metadata in this call: the others
        // go on, as if each schedule were an application thread of its own.
        let mut waiting = vec![false; schedules.len()];
        // Two schedules are like two application threads calling send(): records enter the
        // accumulator in the order they are due, ties in step order. Each turn takes a run of
        // the schedule whose next record comes first, up to the next record of another.
        loop {
            // The first record in (due, step) order, and the first of any other schedule.
            let mut first: Option<(SimTime, u32, usize)> = None;
            let mut second: Option<(SimTime, u32)> = None;
            for (k, s) in schedules.iter().enumerate() {
                if s.next >= s.spec.count || waiting[k] {
                    continue;
                }
                let candidate = (s.due(s.next), s.step, k);
                if first.is_none_or(|f| candidate < f) {
                    second = first.map(|(due, step, _)| (due, step)).or(second);
                    first = Some(candidate);
                } else if second.is_none_or(|o| (candidate.0, candidate.1) < o) {
                    second = Some((candidate.0, candidate.1));
                }
            }
            let Some((due, step, k)) = first else {
                break;
            };
            if due > now {
                break;
            }
            // The run ends before the other schedule's next record: with it when this step
            // comes first, just before it otherwise (then it is due later than `due`).
            let until = match second {
                Some((other, other_step)) if step < other_step => now.min(other),
                Some((other, _)) => now.min(other - SimTime(1)),
                None => now,
            };
            let schedule = &mut schedules[k];
            {
                let topic = schedule.spec.topic;
                if !self.metadata_fetch.topics.contains(&topic) {
                    // Kafka's producer asks for a topic's metadata once it sends to it.
                    self.metadata_fetch.topics.push(topic);
                }
                let known = metadata.as_ref().filter(|m| m.partition_count(topic) > 0);
                if let (Some(_), None) = (&metadata, known)
                    && self.missing_topics.insert(topic)
                {
                    // The topic does not exist (yet): send() waits for it, up to
                    // max.block.ms, asking for metadata again after each retry backoff.
                    self.errors.insert(KafkaError::UnknownTopicOrPartition);
                    ctx.trace(TraceEvent::TopicMissing {
                        topic,
                        error: "UNKNOWN_TOPIC_OR_PARTITION".into(),
                        why: format!(
                            "send() waits up to max.block.ms={} for it",
                            self.config.max_block_ms
                        ),
                    });
                }
                match known {
                    Some(metadata) => {
                        let sent = self.append_run(ctx, schedule, metadata, until);
                        if sent > 0 {
                            schedule.next += sent;
                            if let Some(since) = self.blocked_since.take() {
                                // Memory came back: the blocked send() returns now.
                                self.stats.blocked_time = self.stats.blocked_time + (now - since);
                                self.send_resumed_at = now;
                            }
                            continue;
                        }
                        // send() blocks for buffer memory (R6.2 buffer.memory): the calling
                        // thread waits, so no later record is sent either.
                        let since = match self.blocked_since {
                            Some(since) => since,
                            None => {
                                let since = due.max(self.send_resumed_at);
                                self.blocked_since = Some(since);
                                self.stats.blocked_sends += 1;
                                self.trace_first_block(ctx, since);
                                since
                            }
                        };
                        if now < since + max_block {
                            break;
                        }
                        self.fail_buffer_exhausted(ctx, schedule, since);
                        schedule.next += 1;
                    }
                    None if now >= due + max_block => {
                        // send() blocked for max.block.ms waiting for metadata, then threw
                        // ("Topic orders not present in metadata after 60000 ms.").
                        let mut record = SentRecord::new(schedule.step, schedule.next, None);
                        record.set_outcome(Outcome::Failed(KafkaError::TimeoutException));
                        if metadata.is_some() {
                            // The metadata came, without the topic.
                            ctx.trace(TraceEvent::SendFailed {
                                record: self.records.len() as u32,
                                error: format!(
                                    "TimeoutException: Topic {} not present in metadata after {} ms.",
                                    self.scenario.topic_name(topic),
                                    self.config.max_block_ms
                                ),
                            });
                        }
                        self.push_record(record);
                        self.errors.insert(KafkaError::TimeoutException);
                        schedule.next += 1;
                    }
                    None => {
                        self.metadata_wanted = true;
                        waiting[k] = true;
                    }
                }
            }
        }
        schedules.retain(|s| s.next < s.spec.count);
        schedules.append(&mut self.schedules);
        self.schedules = schedules;
    }

    /// The first time send() blocks for memory, the trace says why; later blocks are only
    /// counted in the statistics.
    fn trace_first_block(&mut self, ctx: &mut Ctx, since: SimTime) {
        if self.buffer_block_traced {
            return;
        }
        self.buffer_block_traced = true;
        let batches: usize = self.queues.values().map(VecDeque::len).sum::<usize>()
            + self
                .in_flight
                .values()
                .map(|r| r.batches.len())
                .sum::<usize>();
        ctx.trace(TraceEvent::SendBlocked {
            since,
            why: format!(
                "buffer.memory={} is taken by {batches} unacknowledged batches ({} bytes); every batch is now sendable (memory exhausted) and send() waits up to max.block.ms={} for one to complete",
                self.config.buffer_memory, self.buffer_used, self.config.max_block_ms
            ),
        });
    }

    /// The record whose send() waited `max.block.ms` for memory fails with Kafka's
    /// `BufferExhaustedException` (a TimeoutException); the next send() starts waiting then.
    fn fail_buffer_exhausted(&mut self, ctx: &mut Ctx, schedule: &Schedule, since: SimTime) {
        let max_block = SimTime::from_millis(self.config.max_block_ms);
        let n = self.records.len() as u32;
        let mut record = SentRecord::new(schedule.step, schedule.next, None);
        record.set_outcome(Outcome::Failed(KafkaError::TimeoutException));
        self.push_record(record);
        self.errors.insert(KafkaError::TimeoutException);
        self.blocked_since = None;
        self.send_resumed_at = since + max_block;
        self.stats.blocked_time = self.stats.blocked_time + max_block;
        self.stats.buffer_exhausted += 1;
        if self.buffer_failure_traced {
            return;
        }
        self.buffer_failure_traced = true;
        let size = serialized_size_bound(
            schedule.key(schedule.next).map(|k| &**k),
            schedule.spec.value.as_deref(),
            &self.name,
            n,
        )
        .max(self.config.batch_size as u32);
        ctx.trace(TraceEvent::SendFailed {
            record: n,
            error: format!(
                "BufferExhaustedException: \"Failed to allocate {size} bytes within the configured max blocking time {} ms. Total memory: {} bytes. Available memory: {} bytes. Poolable size: {} bytes\" (later ones are not traced)",
                self.config.max_block_ms,
                self.config.buffer_memory,
                self.config.buffer_memory.saturating_sub(self.buffer_used),
                self.config.batch_size
            ),
        });
    }

    /// `send()` for the due records of a schedule that go to the same partition, from
    /// `schedule.next` on; returns how many were sent (at least one).
    ///
    /// The partitioner (R7.1): an explicit partition, else the `partitioner.class` if one is
    /// set (round robin: one record at a time, keys ignored), else the key's murmur2 hash over
    /// all partitions (one record at a time, as keys differ), else the sticky partition, which
    /// takes records until its batch is full and may then switch.
    fn append_run(
        &mut self,
        ctx: &mut Ctx,
        schedule: &Schedule,
        metadata: &MetadataImage,
        until: SimTime,
    ) -> u32 {
        let topic = schedule.spec.topic;
        let first = schedule.next;
        let value = schedule.spec.value.as_deref();
        let round_robin = schedule.spec.partition.is_none()
            && self.config.partitioner_class == PartitionerClass::RoundRobin;
        let keyed = schedule.spec.partition.is_none()
            && !round_robin
            && schedule.key(first).is_some()
            && !self.config.partitioner_ignore_keys;
        let sticky = schedule.spec.partition.is_none() && !keyed && !round_robin;
        let batch_size = self.config.batch_size.max(1);
        let estimate = (self.config.compression_type != Compression::None).then(|| {
            self.compression_estimates
                .get(&topic)
                .copied()
                .unwrap_or(INITIAL_ESTIMATE)
        });
        // Records this small are surely within max.request.size and buffer.memory; larger ones
        // get the exact check (KafkaProducer.ensureValidRecordSize).
        let surely_valid = self
            .config
            .max_request_size
            .min(self.config.buffer_memory)
            .saturating_sub(RECORD_BOUND_SLACK as u64);
        let first_bytes = record_bytes(
            schedule.key(first).map(|k| &**k),
            value,
            &self.name,
            self.records.len() as u32,
        );
        let partition = match (schedule.spec.partition, schedule.key(first)) {
            (Some(p), _) => p,
            (None, _) if round_robin => {
                let has_leader = self.leaders_known(topic, metadata.partition_count(topic));
                self.round_robin
                    .entry(topic)
                    .or_default()
                    .partition(&has_leader)
            }
            (None, Some(key)) if keyed => {
                let count = metadata.partition_count(topic);
                let partition = partition_for_key(key.as_bytes(), count);
                self.note_key_partition(ctx, topic, key, partition, count);
                partition
            }
            _ => {
                let has_leader = self.has_leader.get(&topic).map_or(&[][..], Vec::as_slice);
                let queues = &self.queues;
                let sticky = self
                    .sticky
                    .entry(topic)
                    .or_insert_with(|| StickyPartitioner::new(batch_size));
                if self.config.partitioner_adaptive_partitioning_enable {
                    // The adaptive partitioner weighs partitions by their queue lengths
                    // (KIP-794), as the sender last saw them; fresh ones are as good.
                    sticky.set_queue_sizes((0..metadata.partition_count(topic)).map(|p| {
                        let tp = TopicPartition::new(topic, p);
                        metadata
                            .partition(tp)
                            .and_then(|s| s.leader)
                            .map(|_| queues.get(&tp).map_or(0, |q| q.len() as u32))
                    }));
                }
                let full = |p: u32| {
                    queues
                        .get(&TopicPartition::new(topic, p))
                        .and_then(|q| q.back())
                        .is_none_or(|b| !b.open(first_bytes, batch_size))
                };
                sticky.partition(self.rng.core(), has_leader, full)
            }
        };
        let tp = TopicPartition::new(topic, partition);
        let queue = self.queues.entry(tp).or_default();
        let mut grew = 0u64;
        let mut filled = false;
        // Keyed records go one at a time (the next key may hash elsewhere), and so do round
        // robin ones (the next goes elsewhere).
        let end = if keyed || round_robin {
            first + 1
        } else {
            schedule.due_end(until).max(first + 1)
        };
        let mut i = first;
        while i < end {
            let n = self.records.len() as u32;
            let bytes = record_bytes(schedule.key(i).map(|k| &**k), value, &self.name, n);
            let record = RecordId {
                producer: self.idx,
                n,
            };
            if bytes as u64 > surely_valid {
                let size =
                    serialized_size_bound(schedule.key(i).map(|k| &**k), value, &self.name, n);
                if let Some(message) = record_too_large(&self.config, size) {
                    // send() throws before the accumulator sees the record: it fails alone.
                    if i == first {
                        let mut failed = SentRecord::new(schedule.step, i, Some(partition));
                        failed.set_outcome(Outcome::Failed(KafkaError::MessageTooLarge));
                        self.settled.add(failed.state, 1);
                        self.records.push(failed);
                        self.errors.insert(KafkaError::MessageTooLarge);
                        if !self.record_too_large_traced {
                            self.record_too_large_traced = true;
                            ctx.trace(TraceEvent::SendFailed {
                                record: n,
                                error: format!(
                                    "RecordTooLargeException: \"{message}\" (checked on the uncompressed size, before batching; later ones are not traced)"
                                ),
                            });
                        }
                        i += 1;
                    }
                    break;
                }
            }
            match queue.back_mut() {
                Some(batch) if batch.open(bytes, batch_size) => {
                    // The common case: as many records as fit go into the open batch, sized
                    // one by one, then added in bulk.
                    let (first_i, first_n) = (i, n);
                    let mut n = n;
                    let mut bytes = bytes;
                    let estimated_before = batch.estimated_bytes();
                    loop {
                        batch.bytes += bytes;
                        i += 1;
                        n += 1;
                        if i >= end {
                            break;
                        }
                        bytes = record_bytes(schedule.key(i).map(|k| &**k), value, &self.name, n);
                        if (estimated_batch_bytes(batch.bytes, BATCH_HEADER_BYTES, estimate)
                            + bytes) as u64
                            > batch_size
                            || bytes as u64 > surely_valid
                        {
                            break;
                        }
                    }
                    grew += (batch.estimated_bytes() - estimated_before) as u64;
                    let producer = self.idx;
                    batch.null_key |= schedule.key(first_i).is_none();
                    batch
                        .records
                        .extend((first_n..n).map(|n| RecordId { producer, n }));
                    self.records.extend(
                        (first_i..i).map(|i| SentRecord::new(schedule.step, i, Some(partition))),
                    );
                    continue;
                }
                _ if sticky && i > first => {
                    // The batch is full: the partitioner decides where the next record goes.
                    filled = true;
                    break;
                }
                _ => {
                    // A new batch takes `batch.size` bytes of buffer.memory (more for a record
                    // larger than that); without them send() blocks.
                    let buffer = if bytes as u64 + RECORD_BOUND_SLACK as u64
                        <= self.config.batch_size
                    {
                        self.config.batch_size as u32
                    } else {
                        serialized_size_bound(schedule.key(i).map(|k| &**k), value, &self.name, n)
                            .max(self.config.batch_size as u32)
                    };
                    if self.buffer_used + buffer as u64 > self.config.buffer_memory {
                        break;
                    }
                    self.buffer_used += buffer as u64;
                    let batch = Batch {
                        partition: tp,
                        null_key: schedule.key(i).is_none(),
                        records: {
                            let mut records = Vec::with_capacity(64);
                            records.push(record);
                            records
                        },
                        sealed: None,
                        bytes: BATCH_HEADER_BYTES + bytes,
                        estimate,
                        buffer,
                        // send() blocks until the first metadata arrives (R6.7), and while
                        // an earlier send() waited for memory.
                        created: schedule
                            .due(i)
                            .max(self.metadata_since)
                            .max(self.send_resumed_at),
                        attempts: 0,
                        retry_at: SimTime::ZERO,
                        sequence: None,
                    };
                    grew += batch.estimated_bytes() as u64;
                    queue.push_back(batch);
                }
            }
            self.records
                .push(SentRecord::new(schedule.step, i, Some(partition)));
            i += 1;
        }
        if sticky {
            let has_leader = self.has_leader.get(&topic).map_or(&[][..], Vec::as_slice);
            let full = filled || queue.back().is_some_and(|b| b.is_full(batch_size));
            if let Some(sticky) = self.sticky.get_mut(&topic) {
                sticky.on_append(self.rng.core(), partition, grew, full, has_leader);
            }
        }
        i - first
    }

    /// Per partition of `topic`, whether the metadata names a leader for it.
    fn leaders_known(&self, topic: TopicId, partition_count: u32) -> Vec<bool> {
        let known = self.has_leader.get(&topic).map_or(&[][..], Vec::as_slice);
        (0..partition_count as usize)
            .map(|p| known.get(p).copied().unwrap_or(false))
            .collect()
    }

    /// Remembers where a key's record was hashed; the first record of a key hashed to another
    /// partition than the key's previous one says so in the trace, with the partition counts
    /// that explain it (R7.6: only a change of the partition count moves a key).
    fn note_key_partition(
        &mut self,
        ctx: &mut Ctx,
        topic: TopicId,
        key: &Arc<str>,
        partition: u32,
        partition_count: u32,
    ) {
        let slot = (topic, key.clone());
        let before = self
            .key_partitions
            .insert(slot.clone(), (partition, partition_count));
        if let Some((from, count_before)) = before
            && from != partition
        {
            ctx.trace(TraceEvent::KeyMoved {
                key: key.to_string(),
                from: TopicPartition::new(topic, from),
                to: TopicPartition::new(topic, partition),
                partitions_before: count_before,
                partitions_now: partition_count,
            });
            self.moved_keys.insert(slot);
        }
    }

    /// `request.timeout.ms`: the client gives up on a request and closes the connection, so
    /// every request in flight to that broker fails with REQUEST_TIMED_OUT (retriable).
    fn expire_requests(&mut self, ctx: &mut Ctx) {
        let timeout = SimTime::from_millis(self.config.request_timeout_ms);
        let expired = self
            .in_flight
            .values()
            .find(|r| ctx.now >= r.sent_at + timeout)
            .map(|r| r.broker);
        if let Some(broker) = expired {
            self.fail_connection(ctx, broker, KafkaError::RequestTimedOut);
            self.expire_requests(ctx);
        }
    }

    /// `delivery.timeout.ms` (R3.5): a batch not acknowledged that long after it was created
    /// fails with a TimeoutException, in the queue or in flight.
    fn expire_batches(&mut self, ctx: &mut Ctx) {
        let timeout = SimTime::from_millis(self.config.delivery_timeout_ms);
        let now = ctx.now;
        let mut expired = Vec::new();
        for queue in self.queues.values_mut() {
            while queue.front().is_some_and(|b| now >= b.created + timeout) {
                expired.push(queue.pop_front().expect("checked"));
            }
        }
        let is_old = |b: &Batch| now >= b.created + timeout;
        for request in self.in_flight.values_mut() {
            if request.batches.iter().any(is_old) {
                let (old, kept): (Vec<Batch>, Vec<Batch>) =
                    request.batches.drain(..).partition(is_old);
                request.batches = kept;
                expired.extend(old);
            }
        }
        for batch in expired {
            self.muted.remove(&batch.partition);
            self.finish_batch(ctx, batch, Err(KafkaError::TimeoutException));
        }
    }

    /// R6.3, Kafka's `RecordAccumulator.batchReady`: a partition's first batch makes its leader
    /// ready when it is full (or not alone in its queue), has waited `linger.ms`, send() is
    /// blocked for memory, or the producer is closing (there is no flush() in scenarios). A
    /// retried batch only waits out its backoff.
    fn is_sendable(&self, batch: &Batch, queue_len: usize, now: SimTime) -> bool {
        if batch.attempts > 0 {
            return now >= batch.retry_at;
        }
        queue_len > 1
            || batch.is_full(self.config.batch_size)
            || now >= batch.created + SimTime::from_millis(self.config.linger_ms)
            || self.blocked_since.is_some()
            || self.closing
    }

    fn in_flight_to(&self, broker: BrokerId) -> u32 {
        self.in_flight
            .values()
            .filter(|r| r.broker == broker)
            .count() as u32
    }

    /// The sender (R6.3, Kafka's `Sender.sendProducerData`): a leader is ready when one of its
    /// partitions has a sendable batch and the connection has room for another request; a
    /// ready leader gets one request with the first batch of every partition it leads (ready
    /// or not: the others ride along), up to `max.request.size`.
    fn drain(&mut self, ctx: &mut Ctx) {
        let Some(metadata) = self.metadata.clone() else {
            return;
        };
        loop {
            let mut ready: BTreeSet<BrokerId> = BTreeSet::new();
            for (tp, queue) in &self.queues {
                let Some(batch) = queue.front() else { continue };
                if self.muted.contains(tp) || !self.is_sendable(batch, queue.len(), ctx.now) {
                    continue;
                }
                match metadata.partition(*tp).and_then(|s| s.leader) {
                    Some(leader) => {
                        ready.insert(leader);
                    }
                    None => self.metadata_wanted = true,
                }
            }
            let mut sent = false;
            for leader in ready {
                // Until a broker has answered once, the connection is not known to be up:
                // one request at a time stands in for Kafka's connection attempt, during which
                // nothing is drained for that broker.
                let limit = if self.connected.contains(&leader) {
                    self.config.max_in_flight_requests_per_connection
                } else {
                    1
                };
                let busy = self.config.acks != Acks::Zero && self.in_flight_to(leader) >= limit;
                if busy
                    || self
                        .unreachable
                        .get(&leader)
                        .is_some_and(|u| u.until > ctx.now)
                {
                    continue;
                }
                let batches = self.drain_for_leader(leader, &metadata, ctx.now);
                if !batches.is_empty() {
                    self.send_request(ctx, leader, batches);
                    sent = true;
                }
            }
            if !sent {
                break;
            }
        }
    }

    /// Kafka's `drainBatchesForOneNode`: the partitions the leader leads, from where the last
    /// drain stopped; of each, the first batch unless the partition is muted or the batch backs
    /// off for a retry. The request stops before the batch that would take it past
    /// `max.request.size` (its estimated size, against the compressed sizes already taken), but
    /// always carries one batch, however large.
    fn drain_for_leader(
        &mut self,
        leader: BrokerId,
        metadata: &MetadataImage,
        now: SimTime,
    ) -> Vec<Batch> {
        // A producer's metadata covers the topics it writes, never __consumer_offsets.
        let led: Vec<TopicPartition> = metadata
            .partitions()
            .filter(|(tp, s)| {
                s.leader == Some(leader)
                    && metadata.topics[tp.topic.0 as usize].name != crate::scenario::OFFSETS_TOPIC
            })
            .map(|(tp, _)| tp)
            .collect();
        let mut batches = Vec::new();
        if led.is_empty() {
            return batches;
        }
        let codec = self.config.compression_type;
        let start = self.drain_index.get(&leader).copied().unwrap_or(0) % led.len();
        let mut size = 0u64;
        for k in 0..led.len() {
            let index = (start + k) % led.len();
            self.drain_index.insert(leader, index);
            let tp = led[index];
            if self.muted.contains(&tp) {
                continue;
            }
            let Some(queue) = self.queues.get_mut(&tp) else {
                continue;
            };
            let Some(first) = queue.front() else { continue };
            if first.attempts > 0 && now < first.retry_at {
                continue;
            }
            if !batches.is_empty()
                && size + first.request_bytes(codec) as u64 > self.config.max_request_size
            {
                break;
            }
            let batch = queue.pop_front().expect("a first batch was seen");
            size += batch.wire_bytes(codec) as u64;
            batches.push(batch);
        }
        batches
    }

    fn send_request(&mut self, ctx: &mut Ctx, leader: BrokerId, drained: Vec<Batch>) {
        let codec = self.config.compression_type;
        let mut batches = Vec::with_capacity(drained.len());
        for mut batch in drained {
            let tp = batch.partition;
            if batch.sealed.is_none() {
                // Kafka closes the batch here: its compressed size is known, and teaches the
                // estimator (`CompressionRatioEstimator.updateEstimation`).
                let wire = batch.wire_bytes(codec);
                if codec != Compression::None {
                    let records = batch.bytes - BATCH_HEADER_BYTES;
                    let observed = (wire - BATCH_HEADER_BYTES) as f32 / records.max(1) as f32;
                    let estimate = self
                        .compression_estimates
                        .entry(tp.topic)
                        .or_insert(INITIAL_ESTIMATE);
                    *estimate = update_estimation(*estimate, observed);
                }
                self.stats.batches += 1;
                self.stats.batched_records += batch.len() as u64;
                self.stats.uncompressed_bytes += batch.bytes as u64;
                self.stats.compressed_bytes += wire as u64;
            }
            let epoch = self.producer_epoch;
            if self.config.enable_idempotence && batch.sequence.is_none_or(|(e, _)| e != epoch) {
                let next = self.sequences.entry(tp).or_insert(0);
                batch.sequence = Some((epoch, *next));
                *next = increment_sequence(*next, batch.len());
            }
            batch.attempts += 1;
            if self.config.max_in_flight_requests_per_connection == 1 {
                self.muted.insert(tp);
            }
            // While a broker keeps refusing connections, the attempts are not traced one by
            // one: the first refusal said the batches wait, and the attempt that gets through
            // is traced when its answer comes.
            if !self.unreachable.contains_key(&leader) {
                ctx.trace(TraceEvent::ProduceSent {
                    partition: tp,
                    to: leader,
                    count: batch.len(),
                    first: batch.first().n,
                    attempt: batch.attempts,
                    compressed: (codec != Compression::None)
                        .then(|| (codec.name(), batch.bytes, batch.wire_bytes(codec))),
                });
            }
            batches.push(batch);
        }
        self.stats.requests += 1;
        self.next_correlation += 1;
        let correlation = self.next_correlation;
        let request = ProduceRequest {
            correlation,
            acks: self.config.acks,
            timeout: SimTime::from_millis(self.config.request_timeout_ms),
            batches: batches
                .iter_mut()
                .map(|b| ProduceBatch {
                    partition: b.partition,
                    null_key: b.null_key,
                    records: b.seal(),
                    bytes: b.wire_bytes(codec),
                    producer: b.sequence.map(|(epoch, sequence)| ProducerStamp {
                        producer: self.idx,
                        epoch,
                        sequence,
                    }),
                })
                .collect(),
        };
        if self.unreachable.contains_key(&leader) {
            self.untraced_sends.insert(correlation, ctx.now);
        }
        ctx.send(NodeId::Broker(leader), Message::Produce(request));
        if self.config.acks == Acks::Zero {
            // No response will come: the callback fires at once with offset -1 (R3.1).
            for batch in batches {
                self.muted.remove(&batch.partition);
                self.finish_batch(ctx, batch, Ok(None));
            }
        } else {
            self.in_flight.insert(
                correlation,
                InFlight {
                    broker: leader,
                    batches,
                    sent_at: ctx.now,
                },
            );
        }
    }

    fn on_produce_response(&mut self, ctx: &mut Ctx, response: ProduceResponse) {
        let Some(request) = self.in_flight.remove(&response.correlation) else {
            return;
        };
        for batch in request.batches {
            let result = response
                .partitions
                .iter()
                .find(|(tp, _)| *tp == batch.partition)
                .map_or(Err(KafkaError::NetworkException), |(_, r)| *r);
            self.muted.remove(&batch.partition);
            match result {
                Ok(base) => self.finish_batch(ctx, batch, Ok(Some(base))),
                Err(error) => self.retry_or_fail(ctx, batch, error),
            }
        }
    }

    /// Every request in flight to a broker fails: its connection broke or timed out.
    fn fail_connection(&mut self, ctx: &mut Ctx, broker: BrokerId, error: KafkaError) {
        self.connected.remove(&broker);
        let ids: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, r)| r.broker == broker)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let request = self.in_flight.remove(&id).expect("listed above");
            for batch in request.batches {
                self.muted.remove(&batch.partition);
                self.retry_or_fail(ctx, batch, error);
            }
        }
    }

    /// R3.6: retry while the error is retriable, `retries` allows it and the delivery timeout
    /// has not passed; back off exponentially with jitter (KIP-580); refresh metadata when
    /// the error says the leader may have moved.
    fn retry_or_fail(&mut self, ctx: &mut Ctx, mut batch: Batch, error: KafkaError) {
        self.errors.insert(error);
        if error.refreshes_metadata() {
            self.metadata_wanted = true;
        }
        let expired =
            ctx.now >= batch.created + SimTime::from_millis(self.config.delivery_timeout_ms);
        let retry = error.is_retriable() && batch.attempts <= self.config.retries && !expired;
        ctx.trace(TraceEvent::ProduceFailed {
            partition: batch.partition,
            count: batch.len(),
            first: batch.first().n,
            error: error.name().to_string(),
            retry,
        });
        if !retry {
            self.finish_batch(ctx, batch, Err(error));
            return;
        }
        if error == KafkaError::OutOfOrderSequenceNumber && self.is_first_unacknowledged(&batch) {
            // KIP-360: the broker lost the sequences before this batch (an unclean election,
            // a truncation), and no earlier batch is coming to fill the gap. Bump the
            // producer epoch and number every unacknowledged batch again from 0.
            self.producer_epoch += 1;
            self.sequences.clear();
            ctx.trace(TraceEvent::ProducerEpochBumped {
                epoch: self.producer_epoch,
            });
        }
        let base = self.config.retry_backoff_ms as f64
            * 2f64.powi(batch.attempts.saturating_sub(1).min(30) as i32);
        let capped = base.min(
            self.config
                .retry_backoff_max_ms
                .max(self.config.retry_backoff_ms) as f64,
        );
        let jitter = 0.8 + 0.4 * (self.rng.below(1_000_001) as f64 / 1_000_000.0);
        batch.retry_at = ctx.now + SimTime((capped * jitter * 1_000.0) as u64);
        let queue = self.queues.entry(batch.partition).or_default();
        // Kafka puts a retried batch back at the front of its queue; an idempotent producer
        // keeps the queue in send order so that the broker sees no gap.
        let position = if self.config.enable_idempotence {
            let first = batch.first().n;
            queue
                .iter()
                .position(|b| b.first().n > first)
                .unwrap_or(queue.len())
        } else {
            0
        };
        queue.insert(position, batch);
    }

    /// Whether no batch of the same partition with an earlier sequence (in the current
    /// producer epoch) is still waiting or in flight.
    fn is_first_unacknowledged(&self, batch: &Batch) -> bool {
        let Some((epoch, sequence)) = batch.sequence else {
            return false;
        };
        let earlier = |b: &Batch| {
            b.partition == batch.partition
                && b.sequence.is_some_and(|(e, s)| e == epoch && s < sequence)
        };
        epoch == self.producer_epoch
            && !self
                .queues
                .get(&batch.partition)
                .is_some_and(|q| q.iter().any(earlier))
            && !self
                .in_flight
                .values()
                .any(|r| r.batches.iter().any(earlier))
    }

    fn finish_batch(
        &mut self,
        ctx: &mut Ctx,
        mut batch: Batch,
        result: Result<Option<Offset>, KafkaError>,
    ) {
        let records = batch.seal();
        let first = records[0].n;
        // Done either way: its memory goes back to the pool (`BufferPool.deallocate`).
        self.buffer_used -= batch.buffer as u64;
        match result {
            Ok(base) => {
                self.stats.acked_records += records.len() as u64;
                self.stats.last_ack = Some(ctx.now);
                for (i, r) in records.iter().enumerate() {
                    self.settle(r.n, Outcome::Acked(base.map(|b| Offset(b.0 + i as u64))));
                }
                if let Some(base) = base {
                    ctx.trace(TraceEvent::ProduceAcked {
                        partition: batch.partition,
                        base,
                        count: records.len() as u32,
                        first,
                    });
                }
                ctx.note(Note::Acked {
                    partition: batch.partition,
                    base,
                    records,
                });
            }
            Err(error) => {
                self.errors.insert(error);
                for r in records.iter() {
                    self.settle(r.n, Outcome::Failed(error));
                }
                if error == KafkaError::TimeoutException {
                    ctx.trace(TraceEvent::ProduceFailed {
                        partition: batch.partition,
                        count: records.len() as u32,
                        first,
                        error: format!(
                            "TimeoutException (delivery.timeout.ms={} passed)",
                            self.config.delivery_timeout_ms
                        ),
                        retry: false,
                    });
                }
            }
        }
    }

    fn maybe_request_metadata(&mut self, ctx: &mut Ctx) {
        let stale = ctx.now
            >= self.metadata_fetched_at + SimTime::from_millis(self.config.metadata_max_age_ms);
        if self.metadata_wanted || stale || self.metadata.is_none() {
            let timeout = SimTime::from_millis(self.config.request_timeout_ms);
            self.metadata_fetch.request(ctx, timeout);
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
        wake
    }

    /// When the scheduled records next matter: when the first of them is due if no batch is
    /// waiting; else when one of them would fill a batch before the linger deadline.
    fn next_record_wake(&self, linger_deadline: Option<SimTime>) -> Option<SimTime> {
        let next_due = self
            .schedules
            .iter()
            .filter(|s| s.next < s.spec.count)
            .map(|s| s.due(s.next))
            .min()?;
        let Some(metadata) = &self.metadata else {
            // Nothing can be appended before metadata arrives; its response wakes the producer.
            // Until then, the only deadline is `max.block.ms` for the blocked send().
            return Some(next_due + SimTime::from_millis(self.config.max_block_ms));
        };
        let Some(deadline) = linger_deadline else {
            return Some(next_due);
        };
        if next_due >= deadline {
            return Some(deadline);
        }
        // A quick bound first: no batch can fill before at least this many more records come.
        // With compression a record adds at most its size times 1.05 (the estimate never
        // exceeds 1 here, as every codec shrinks records), plus a byte of rounding.
        let compressed = self.config.compression_type != Compression::None;
        let fullest = self
            .queues
            .values()
            .filter_map(|q| q.back())
            .map(|b| b.estimated_bytes() as u64)
            .max()
            .unwrap_or(0);
        let largest = self
            .schedules
            .iter()
            .map(|schedule| {
                let largest_key = schedule
                    .spec
                    .keys
                    .iter()
                    .map(|k| k.len())
                    .max()
                    .unwrap_or(0);
                let bytes = record_bytes(
                    Some(&"k".repeat(largest_key)),
                    schedule.spec.value.as_deref(),
                    &self.name,
                    u32::MAX,
                ) as u64;
                if compressed {
                    (bytes * 105).div_ceil(100) + 1
                } else {
                    bytes
                }
            })
            .max()
            .unwrap_or(1);
        let needed = self
            .config
            .batch_size
            .saturating_sub(fullest)
            .div_ceil(largest.max(1));
        // How many records of all schedules are due before the deadline.
        let before_deadline: u64 = self
            .schedules
            .iter()
            .map(|s| s.due_end(deadline - SimTime(1)).saturating_sub(s.next) as u64)
            .sum();
        if before_deadline < needed {
            return Some(deadline);
        }
        // Look ahead, in the order send() takes them (due, then step), for the record that
        // fills a batch. Per partition, the open batch's uncompressed bytes and compression
        // estimate.
        let mut bytes: BTreeMap<TopicPartition, (u32, Option<f32>)> = BTreeMap::new();
        for (tp, queue) in &self.queues {
            if let Some(back) = queue.back() {
                bytes.insert(*tp, (back.bytes, back.estimate));
            }
        }
        let mut earliest = deadline;
        let mut seen = 0;
        let mut round_robin = self.round_robin.clone();
        let mut cursors: Vec<u32> = self.schedules.iter().map(|s| s.next).collect();
        loop {
            let next = self
                .schedules
                .iter()
                .zip(&cursors)
                .enumerate()
                .filter(|&(_, (s, &i))| i < s.spec.count)
                .map(|(k, (s, &i))| (s.due(i), s.step, k))
                .min();
            let Some((due, _, k)) = next else {
                break;
            };
            if due >= earliest {
                break;
            }
            if seen >= LOOKAHEAD_RECORDS {
                // Looked far enough: wake when this record is due and look again.
                earliest = due;
                break;
            }
            seen += 1;
            let schedule = &self.schedules[k];
            let i = cursors[k];
            cursors[k] += 1;
            {
                let key = schedule.key(i);
                let topic = schedule.spec.topic;
                let partition = match (schedule.spec.partition, key) {
                    (Some(p), _) => Some(p),
                    (None, _) if self.config.partitioner_class == PartitionerClass::RoundRobin => {
                        let has_leader = self.leaders_known(topic, metadata.partition_count(topic));
                        Some(round_robin.entry(topic).or_default().partition(&has_leader))
                    }
                    (None, Some(k)) if !self.config.partitioner_ignore_keys => Some(
                        partition_for_key(k.as_bytes(), metadata.partition_count(topic)),
                    ),
                    _ => self.sticky.get(&topic).and_then(StickyPartitioner::current),
                };
                let Some(partition) = partition else {
                    earliest = earliest.min(due);
                    break;
                };
                let size = record_bytes(
                    key.map(|k| &**k),
                    schedule.spec.value.as_deref(),
                    &self.name,
                    self.records.len() as u32,
                );
                let estimate = compressed.then(|| {
                    self.compression_estimates
                        .get(&topic)
                        .copied()
                        .unwrap_or(INITIAL_ESTIMATE)
                });
                let entry = bytes
                    .entry(TopicPartition::new(topic, partition))
                    .or_insert((BATCH_HEADER_BYTES, estimate));
                // Full when the record does not fit (it opens the next batch) or fills it.
                let before = estimated_batch_bytes(entry.0, BATCH_HEADER_BYTES, entry.1);
                entry.0 += size;
                if (before + size) as u64 > self.config.batch_size
                    || estimated_batch_bytes(entry.0, BATCH_HEADER_BYTES, entry.1) as u64
                        >= self.config.batch_size
                {
                    earliest = earliest.min(due);
                    break;
                }
            }
        }
        Some(earliest)
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

#[cfg(test)]
mod tests {
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
}
