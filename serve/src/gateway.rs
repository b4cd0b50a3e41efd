//! The gateway translates between Kafka's wire requests and the simulator's messages: a real
//! client's Produce, Fetch, ListOffsets and Metadata enter the world as a simulated client's
//! would, and the brokers' answers go back as Kafka's responses, in request order per
//! connection. It has no sockets and no clock, so tests drive it with frames and a `World`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use indexmap::IndexMap;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsResponse, BrokerId as WireBrokerId, FetchRequest, FetchResponse,
    InitProducerIdResponse, ListOffsetsRequest, ListOffsetsResponse, MetadataRequest,
    MetadataResponse, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, ProduceRequest,
    ProduceResponse, ProducerId, RequestKind, ResponseKind, TopicName, fetch_response,
    list_offsets_response, metadata_response, offset_for_leader_epoch_response, produce_response,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use ksim::World;
use ksim::config::Acks;
use ksim::engine::ids::{
    BrokerId, GroupId, LeaderEpoch, Offset, ProducerIdx, RecordId, TopicId, TopicPartition,
};
use ksim::engine::time::SimTime;
use ksim::kafka::message::group::Strategy;
use ksim::kafka::message::{
    FetchPartition, FetchRequest as SimFetch, KafkaError, Message, ProduceBatch,
    ProduceRequest as SimProduce, ProducerStamp,
};
use ksim::world::LiveRecord;

use crate::wire::{self, Decoded, Request};

/// Kafka's error codes for the errors the simulation answers with (Kafka's `Errors` enum);
/// a client-side failure, which no broker sends, becomes UNKNOWN_SERVER_ERROR (-1).
pub fn error_code(error: KafkaError) -> i16 {
    use KafkaError::*;
    match error {
        OffsetOutOfRange => 1,
        CorruptMessage => 2,
        UnknownTopicOrPartition => 3,
        LeaderNotAvailable => 5,
        NotLeaderOrFollower => 6,
        RequestTimedOut => 7,
        MessageTooLarge => 10,
        NetworkException => 13,
        CoordinatorNotAvailable => 15,
        NotCoordinator => 16,
        NotEnoughReplicas => 19,
        NotEnoughReplicasAfterAppend => 20,
        InvalidRequiredAcks => 21,
        IllegalGeneration => 22,
        InconsistentGroupProtocol => 23,
        UnknownMemberId => 25,
        RebalanceInProgress => 27,
        OutOfOrderSequenceNumber => 45,
        DuplicateSequenceNumber => 46,
        InvalidProducerEpoch => 47,
        InvalidTxnState => 48,
        InvalidProducerIdMapping => 49,
        InvalidTransactionTimeout => 50,
        ConcurrentTransactions => 51,
        TransactionCoordinatorFenced => 52,
        FencedLeaderEpoch => 74,
        UnknownLeaderEpoch => 75,
        InvalidRecord => 87,
        UnstableOffsetCommit => 88,
        ProducerFenced => 90,
        FencedInstanceId => 82,
        InvalidUpdateVersion => 95,
        IneligibleReplica => 107,
        TimeoutException
        | NoOffsetForPartitionException
        | CommitFailedException
        | TransactionAbortedException
        | IllegalStateException
        | RebalanceInProgressException => -1,
    }
}

const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
const LEADER_NOT_AVAILABLE: i16 = 5;
const INVALID_REQUIRED_ACKS: i16 = 21;
const UNSUPPORTED_FOR_MESSAGE_FORMAT: i16 = 43;
const UNSUPPORTED_COMPRESSION_TYPE: i16 = 76;
const CORRUPT_MESSAGE: i16 = 2;
const TRANSACTIONAL_ID_AUTHORIZATION_FAILED: i16 = 53;
const INVALID_REQUEST: i16 = 42;

/// A real client's record as it was produced: what a fetch returns of it.
#[derive(Clone, Debug)]
pub struct Payload {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: IndexMap<StrBytes, Option<Bytes>>,
    pub timestamp: i64,
}

/// Where a request's answer stands.
#[derive(Debug)]
enum Slot {
    /// Waiting for the simulation.
    Waiting(Pending),
    /// Encoded, waiting for the answers before it on the same connection.
    Ready(Bytes),
    /// Produce with acks=0: Kafka sends nothing back.
    Silent,
}

#[derive(Debug)]
struct Answer {
    api_key: ApiKey,
    version: i16,
    correlation_id: i32,
    slot: Slot,
}

/// Per partition of a request, in request order: topic, partition, and its answer once known.
type PerPartition<T> = Vec<(String, i32, Option<T>)>;

/// What a request still waits for.
#[derive(Debug)]
enum Pending {
    Metadata {
        /// The topics asked for by name (`None`: all), with the ones the scenario lacks.
        topics: Option<Vec<String>>,
    },
    Produce {
        /// Per (topic, partition) in request order: the answer, once known.
        partitions: PerPartition<(i16, i64)>,
    },
    Fetch {
        /// The topics and partitions in request order, with answers made locally (unknown
        /// topics), and how many the simulation still owes.
        partitions: PerPartition<fetch_response::PartitionData>,
    },
    ListOffsets {
        partitions: PerPartition<(i16, i64, i32)>,
    },
    OffsetForLeaderEpoch {
        /// Per partition: error code, leader epoch, end offset.
        partitions: PerPartition<(i16, i32, i64)>,
    },
    /// A consumer group API: `group.rs`.
    Group(Box<group::GroupCall>),
}

/// One real client's connection, to one broker's listener.
#[derive(Debug)]
struct Connection {
    broker: BrokerId,
    answers: VecDeque<Answer>,
    /// Positions (by `Answer` sequence) of Metadata requests in the order sent: the
    /// simulation's Metadata response carries no correlation.
    metadata: VecDeque<u64>,
    /// The sequence number of `answers[0]`.
    first: u64,
}

/// The translation between real clients and the simulated cluster.
#[derive(Debug)]
pub struct Gateway {
    /// The port each broker's listener has, indexed by broker id - 1.
    ports: Vec<u16>,
    connections: BTreeMap<u32, Connection>,
    /// The simulation's correlation ids of requests in flight: connection, answer sequence.
    correlations: BTreeMap<u64, (u32, u64)>,
    next_correlation: u64,
    /// Records real clients produced, indexed by their `RecordId::n`.
    payloads: Vec<Payload>,
    /// Connections to close, each with the reason, for the server to log.
    closing: Vec<(u32, String)>,
    /// The subscription bytes each real group member sent, per assignor, for its group's
    /// leader to read back in JoinGroup.
    subscriptions: BTreeMap<(GroupId, String), Vec<(Strategy, Bytes)>>,
    /// The assignor each group chose last.
    protocols: BTreeMap<GroupId, Strategy>,
}

impl Gateway {
    pub fn new(ports: Vec<u16>) -> Gateway {
        Gateway {
            ports,
            connections: BTreeMap::new(),
            correlations: BTreeMap::new(),
            next_correlation: 1,
            payloads: Vec::new(),
            closing: Vec::new(),
            subscriptions: BTreeMap::new(),
            protocols: BTreeMap::new(),
        }
    }

    /// A connection was accepted on a broker's listener.
    pub fn open(&mut self, connection: u32, broker: BrokerId) {
        self.connections.insert(
            connection,
            Connection {
                broker,
                answers: VecDeque::new(),
                metadata: VecDeque::new(),
                first: 0,
            },
        );
    }

    /// A connection closed: what it still waited for is forgotten.
    pub fn close(&mut self, connection: u32) {
        self.connections.remove(&connection);
        self.correlations.retain(|_, (c, _)| *c != connection);
    }

    /// The open connections to a broker's listener.
    pub fn connections_to(&self, broker: BrokerId) -> Vec<u32> {
        self.connections
            .iter()
            .filter(|(_, c)| c.broker == broker)
            .map(|(&id, _)| id)
            .collect()
    }

    /// The connections the gateway decided to close, with why.
    pub fn take_closing(&mut self) -> Vec<(u32, String)> {
        std::mem::take(&mut self.closing)
    }

    /// The record a real client produced, by its `RecordId::n`.
    pub fn payload(&self, n: u32) -> Option<&Payload> {
        self.payloads.get(n as usize)
    }

    /// A frame from a connection: decoded, answered at once or sent into the simulation.
    pub fn on_frame(&mut self, world: &mut World, connection: u32, frame: Bytes) {
        let Some(broker) = self.connections.get(&connection).map(|c| c.broker) else {
            return;
        };
        let request = match wire::decode(frame) {
            Ok(Decoded::Request(request)) => *request,
            Ok(Decoded::ApiVersionsTooNew { correlation_id }) => {
                self.push(
                    connection,
                    Answer {
                        api_key: ApiKey::ApiVersions,
                        version: 0,
                        correlation_id,
                        slot: Slot::Ready(wire::api_versions_too_new(correlation_id)),
                    },
                );
                return;
            }
            Err(reason) => {
                self.closing.push((connection, reason));
                return;
            }
        };
        let Request {
            header,
            api_key,
            body,
        } = request;
        let version = header.request_api_version;
        let correlation_id = header.correlation_id;
        let answer = |slot| Answer {
            api_key,
            version,
            correlation_id,
            slot,
        };
        match body {
            RequestKind::ApiVersions(_) => {
                let body = ApiVersionsResponse::default().with_api_keys(wire::api_versions());
                let slot = self.encoded(
                    connection,
                    (api_key, version, correlation_id),
                    &ResponseKind::ApiVersions(body),
                );
                self.push(connection, answer(slot));
            }
            RequestKind::InitProducerId(request) => {
                let mut body = InitProducerIdResponse::default();
                match request.transactional_id.as_ref().map(|t| t.0.as_str()) {
                    None => {
                        let id = world.live_producer_id();
                        body.producer_id = ProducerId(i64::from(id.0));
                        body.producer_epoch = 0;
                    }
                    Some(id) => {
                        // An empty transactional.id is INVALID_REQUEST, as Kafka's
                        // TransactionCoordinator answers; transactions from real clients are
                        // not served yet, which a client reads as a fatal authorization error.
                        body.error_code = if id.is_empty() {
                            INVALID_REQUEST
                        } else {
                            TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                        };
                        body.producer_id = ProducerId(-1);
                        body.producer_epoch = -1;
                    }
                }
                let slot = self.encoded(
                    connection,
                    (api_key, version, correlation_id),
                    &ResponseKind::InitProducerId(body),
                );
                self.push(connection, answer(slot));
            }
            RequestKind::Metadata(request) => {
                let pending = self.metadata(world, connection, broker, &request);
                let seq = self.push(connection, answer(Slot::Waiting(pending)));
                if let Some(c) = self.connections.get_mut(&connection) {
                    c.metadata.push_back(seq);
                }
            }
            RequestKind::Produce(request) => {
                let correlation = self.next_correlation;
                self.next_correlation += 1;
                let (pending, sim, silent) = self.produce(world, correlation, &request);
                let slot = if silent {
                    Slot::Silent
                } else {
                    Slot::Waiting(pending)
                };
                let seq = self.push(connection, answer(slot));
                if let Some(sim) = sim {
                    if !silent {
                        self.correlations.insert(correlation, (connection, seq));
                    }
                    world.live_send(connection, broker, Message::Produce(sim));
                }
            }
            RequestKind::Fetch(request) => {
                let correlation = self.next_correlation;
                self.next_correlation += 1;
                let (pending, sim) = self.fetch(world, broker, correlation, &request);
                let seq = self.push(connection, answer(Slot::Waiting(pending)));
                if let Some(sim) = sim {
                    self.correlations.insert(correlation, (connection, seq));
                    world.live_send(connection, broker, Message::Fetch(sim));
                }
            }
            RequestKind::OffsetForLeaderEpoch(request) => {
                let pending = self.offset_for_leader_epoch(world, connection, broker, &request);
                self.push(connection, answer(Slot::Waiting(pending)));
            }
            RequestKind::ListOffsets(request) => {
                let pending = self.list_offsets(world, connection, broker, &request);
                self.push(connection, answer(Slot::Waiting(pending)));
            }
            other => {
                let call = answer(Slot::Silent);
                let other_name = format!("{other:?}");
                let client_id = header.client_id.as_deref().unwrap_or_default();
                if !self.group_request(world, connection, broker, call, other, client_id) {
                    // `wire::decode` lets through only the APIs served here.
                    let reason = format!("{api_key:?} is not served: {other_name}");
                    self.closing.push((connection, reason));
                    return;
                }
            }
        }
        self.settle(world, connection);
    }

    /// Encodes an answer; one that cannot be encoded closes its connection, with why.
    fn encoded(
        &mut self,
        connection: u32,
        answer: (ApiKey, i16, i32),
        body: &ResponseKind,
    ) -> Slot {
        match wire::encode(answer.0, answer.1, answer.2, body) {
            Ok(bytes) => Slot::Ready(bytes),
            Err(reason) => {
                self.closing.push((connection, reason));
                Slot::Silent
            }
        }
    }

    /// Adds an answer to a connection's queue; its sequence number.
    fn push(&mut self, connection: u32, answer: Answer) -> u64 {
        let c = self
            .connections
            .get_mut(&connection)
            .expect("a request comes from an open connection");
        c.answers.push_back(answer);
        c.first + c.answers.len() as u64 - 1
    }

    fn answer_mut(&mut self, connection: u32, seq: u64) -> Option<&mut Answer> {
        let c = self.connections.get_mut(&connection)?;
        let i = seq.checked_sub(c.first)? as usize;
        c.answers.get_mut(i)
    }

    /// The simulation's answers that reached real clients: each completes its request.
    pub fn on_answers(&mut self, world: &mut World) {
        for (connection, _broker, message) in world.live_drain() {
            if !self.connections.contains_key(&connection) {
                continue;
            }
            match message {
                Message::MetadataResponse(image) => {
                    let Some(seq) = self
                        .connections
                        .get_mut(&connection)
                        .and_then(|c| c.metadata.pop_front())
                    else {
                        continue;
                    };
                    self.complete_metadata(world, connection, seq, image.as_deref());
                }
                Message::ProduceResponse(response) => {
                    let Some((_, seq)) = self.correlations.remove(&response.correlation) else {
                        continue;
                    };
                    let names = topic_names(world);
                    if let Some(Answer {
                        slot: Slot::Waiting(Pending::Produce { partitions }),
                        ..
                    }) = self.answer_mut(connection, seq)
                    {
                        for (tp, result) in &response.partitions {
                            let name = &names[tp.topic.0 as usize];
                            let answer = match result {
                                Ok(base) => (0, base.0 as i64),
                                Err(e) => (error_code(*e), -1),
                            };
                            for entry in partitions.iter_mut() {
                                if entry.0 == *name
                                    && entry.1 == tp.partition as i32
                                    && entry.2.is_none()
                                {
                                    entry.2 = Some(answer);
                                }
                            }
                        }
                    }
                }
                Message::FetchResponse(response) => {
                    let Some((_, seq)) = self.correlations.remove(&response.correlation) else {
                        continue;
                    };
                    let names = topic_names(world);
                    let datas: Vec<(String, fetch_response::PartitionData)> = response
                        .partitions
                        .iter()
                        .map(|p| {
                            (
                                names[p.partition.topic.0 as usize].clone(),
                                self.partition_data(world, p),
                            )
                        })
                        .collect();
                    if let Some(Answer {
                        slot: Slot::Waiting(Pending::Fetch { partitions }),
                        ..
                    }) = self.answer_mut(connection, seq)
                    {
                        for (name, data) in datas {
                            for entry in partitions.iter_mut() {
                                if entry.0 == name
                                    && entry.1 == data.partition_index
                                    && entry.2.is_none()
                                {
                                    entry.2 = Some(data.clone());
                                }
                            }
                        }
                    }
                }
                Message::ListOffsetsResponse {
                    correlation,
                    partition,
                    result,
                } => {
                    let Some((_, seq)) = self.correlations.remove(&correlation) else {
                        continue;
                    };
                    let names = topic_names(world);
                    let name = names[partition.topic.0 as usize].clone();
                    let epoch = leader_epoch(world, partition);
                    if let Some(Answer {
                        slot: Slot::Waiting(Pending::ListOffsets { partitions }),
                        ..
                    }) = self.answer_mut(connection, seq)
                    {
                        let answer = match result {
                            Ok(offset) => (0, offset.0 as i64, epoch),
                            Err(e) => (error_code(e), -1, -1),
                        };
                        for entry in partitions.iter_mut() {
                            if entry.0 == name
                                && entry.1 == partition.partition as i32
                                && entry.2.is_none()
                            {
                                entry.2 = Some(answer);
                                break;
                            }
                        }
                    }
                }
                Message::OffsetForLeaderEpochResponse {
                    correlation,
                    partition,
                    result,
                } => {
                    let Some((_, seq)) = self.correlations.remove(&correlation) else {
                        continue;
                    };
                    let name = topic_names(world)[partition.topic.0 as usize].clone();
                    if let Some(Answer {
                        slot: Slot::Waiting(Pending::OffsetForLeaderEpoch { partitions }),
                        ..
                    }) = self.answer_mut(connection, seq)
                    {
                        let answer = match result {
                            Ok((epoch, end)) => (0, epoch.0 as i32, end.0 as i64),
                            Err(e) => (error_code(e), -1, -1),
                        };
                        if let Some(entry) = partitions.iter_mut().find(|p| {
                            p.0 == name && p.1 == partition.partition as i32 && p.2.is_none()
                        }) {
                            entry.2 = Some(answer);
                        }
                    }
                }
                Message::GroupResponse {
                    correlation,
                    group,
                    response,
                } => {
                    let Some((_, seq)) = self.correlations.remove(&correlation) else {
                        continue;
                    };
                    self.group_answer(world, connection, seq, group, response);
                }
                Message::Disconnected => {
                    self.closing
                        .push((connection, "the broker's process stopped".to_string()));
                }
                Message::Refused(request) => {
                    let reason = format!(
                        "the broker refused {}: its process is down or not yet listening",
                        request.api_name()
                    );
                    self.closing.push((connection, reason));
                }
                _ => {}
            }
            self.settle(world, connection);
        }
    }

    /// Encodes what a connection's requests now have, and moves its leading finished answers
    /// out, in request order.
    fn settle(&mut self, world: &World, connection: u32) {
        let Some(c) = self.connections.get_mut(&connection) else {
            return;
        };
        let mut failed = None;
        for answer in c.answers.iter_mut() {
            let Slot::Waiting(pending) = &answer.slot else {
                continue;
            };
            if let Some(body) = finish(world, pending, answer.version) {
                answer.slot = match wire::encode(
                    answer.api_key,
                    answer.version,
                    answer.correlation_id,
                    &body,
                ) {
                    Ok(bytes) => Slot::Ready(bytes),
                    Err(reason) => {
                        failed = Some(reason);
                        Slot::Silent
                    }
                };
            }
        }
        if let Some(reason) = failed {
            self.closing.push((connection, reason));
        }
    }

    /// Moves out the answers ready to be written, per connection, in request order.
    pub fn take_output(&mut self) -> Vec<(u32, Bytes)> {
        let mut out = Vec::new();
        for (&id, c) in self.connections.iter_mut() {
            while let Some(front) = c.answers.front() {
                match &front.slot {
                    Slot::Waiting(_) => break,
                    Slot::Ready(bytes) => out.push((id, bytes.clone())),
                    Slot::Silent => {}
                }
                c.answers.pop_front();
                c.first += 1;
            }
        }
        out
    }

    fn metadata(
        &mut self,
        world: &mut World,
        connection: u32,
        broker: BrokerId,
        request: &MetadataRequest,
    ) -> Pending {
        let names = topic_names(world);
        let topics: Option<Vec<String>> = request.topics.as_ref().map(|topics| {
            topics
                .iter()
                .filter_map(|t| t.name.as_ref().map(|n| n.0.to_string()))
                .collect()
        });
        let ids: Vec<TopicId> = match &topics {
            None => (0..names.len() as u32).map(TopicId).collect(),
            Some(wanted) => wanted
                .iter()
                .filter_map(|n| names.iter().position(|m| m == n))
                .map(|i| TopicId(i as u32))
                .collect(),
        };
        world.live_send(
            connection,
            broker,
            Message::MetadataRequest {
                topics: ids,
                allow_auto_create: false,
            },
        );
        Pending::Metadata { topics }
    }

    fn complete_metadata(
        &mut self,
        world: &World,
        connection: u32,
        seq: u64,
        image: Option<&ksim::kafka::metadata::MetadataImage>,
    ) {
        let ports = self.ports.clone();
        let Some(answer) = self.answer_mut(connection, seq) else {
            return;
        };
        let Slot::Waiting(Pending::Metadata { topics }) = &answer.slot else {
            return;
        };
        let body = metadata_response(world, image, topics.as_deref(), &ports, answer.version);
        let key = (answer.api_key, answer.version, answer.correlation_id);
        let slot = self.encoded(connection, key, &ResponseKind::Metadata(body));
        if let Some(answer) = self.answer_mut(connection, seq) {
            answer.slot = slot;
        }
    }

    /// A Produce request: each partition's batch decoded, its records stored and named, and
    /// one simulated Produce to the connection's broker. Returns what the answer waits for,
    /// the simulated request (none when every partition failed here) and whether Kafka
    /// answers at all (not for acks=0).
    fn produce(
        &mut self,
        world: &mut World,
        correlation: u64,
        request: &ProduceRequest,
    ) -> (Pending, Option<SimProduce>, bool) {
        let acks = match request.acks {
            0 => Some(Acks::Zero),
            1 => Some(Acks::One),
            -1 => Some(Acks::All),
            _ => None,
        };
        let mut partitions = Vec::new();
        let mut batches = Vec::new();
        for topic in &request.topic_data {
            let name = topic.name.0.to_string();
            for data in &topic.partition_data {
                let index = data.index;
                let local = |code| (name.clone(), index, Some((code, -1)));
                let Some(acks_ok) = acks else {
                    partitions.push(local(INVALID_REQUIRED_ACKS));
                    continue;
                };
                let _ = acks_ok;
                let Some(tp) = known_partition(world, &name, index) else {
                    partitions.push(local(UNKNOWN_TOPIC_OR_PARTITION));
                    continue;
                };
                let Some(bytes) = data.records.clone() else {
                    partitions.push(local(CORRUPT_MESSAGE));
                    continue;
                };
                match self.decode_batch(world, bytes) {
                    Ok((records, size, stamp, null_key)) => {
                        batches.push(ProduceBatch {
                            partition: tp,
                            records: Arc::new(records),
                            bytes: size,
                            producer: stamp,
                            null_key,
                            transactional: false,
                        });
                        partitions.push((name.clone(), index, None));
                    }
                    Err(code) => partitions.push(local(code)),
                }
            }
        }
        let silent = request.acks == 0;
        let sim = (!batches.is_empty()).then(|| SimProduce {
            correlation,
            acks: acks.unwrap_or(Acks::One),
            timeout: SimTime::from_millis(request.timeout_ms.max(0) as u64),
            batches,
        });
        (Pending::Produce { partitions }, sim, silent)
    }

    /// Decodes a partition's record batches: the records (stored, and named for the
    /// simulation), their size on the wire, the idempotent producer's stamp and whether a key
    /// is null. An error is Kafka's code for the partition.
    #[allow(clippy::type_complexity)]
    fn decode_batch(
        &mut self,
        world: &mut World,
        bytes: Bytes,
    ) -> Result<(Vec<RecordId>, u32, Option<ProducerStamp>, bool), i16> {
        let size = bytes.len() as u32;
        // The records come from the client: a batch the decoder refuses (or panics on) is
        // CORRUPT_MESSAGE for its partition, and harms nothing else.
        let decoded = std::panic::catch_unwind(move || {
            let mut peek = bytes.clone();
            let infos =
                RecordBatchDecoder::decode_batch_info(&mut peek).map_err(|_| CORRUPT_MESSAGE)?;
            for info in &infos {
                if info.version != 2 {
                    return Err(UNSUPPORTED_FOR_MESSAGE_FORMAT);
                }
                if matches!(info.compression, Compression::Lz4 | Compression::Zstd) {
                    return Err(UNSUPPORTED_COMPRESSION_TYPE);
                }
            }
            let mut buf = bytes;
            let sets = RecordBatchDecoder::decode_all(&mut buf).map_err(|_| CORRUPT_MESSAGE)?;
            Ok(sets
                .into_iter()
                .flat_map(|s| s.records)
                .collect::<Vec<Record>>())
        });
        let records = decoded.map_err(|_| CORRUPT_MESSAGE)??;
        let Some(first) = records.first() else {
            return Err(CORRUPT_MESSAGE);
        };
        let stamp = (first.producer_id >= 0).then(|| ProducerStamp {
            producer: ProducerIdx(first.producer_id as u32),
            epoch: first.producer_epoch.max(0) as u32,
            sequence: first.sequence.max(0) as u32,
        });
        let null_key = records.iter().any(|r| r.key.is_none());
        let ids = records
            .into_iter()
            .map(|r| {
                let shown = |b: &Option<Bytes>| b.as_ref().map(|b| Arc::from(show(b)));
                let id = world.live_record(LiveRecord {
                    key: shown(&r.key),
                    value: shown(&r.value).unwrap_or_else(|| Arc::from("null")),
                });
                self.payloads.push(Payload {
                    key: r.key,
                    value: r.value,
                    headers: r.headers,
                    timestamp: r.timestamp,
                });
                id
            })
            .collect();
        Ok((ids, size, stamp, null_key))
    }

    fn fetch(
        &mut self,
        world: &World,
        broker: BrokerId,
        correlation: u64,
        request: &FetchRequest,
    ) -> (Pending, Option<SimFetch>) {
        let mut partitions = Vec::new();
        let mut sim = Vec::new();
        for topic in &request.topics {
            let name = topic.topic.0.to_string();
            for p in &topic.partitions {
                let index = p.partition;
                let Some(tp) = known_partition(world, &name, index) else {
                    let data = fetch_response::PartitionData::default()
                        .with_partition_index(index)
                        .with_error_code(UNKNOWN_TOPIC_OR_PARTITION)
                        .with_high_watermark(-1)
                        .with_last_stable_offset(-1)
                        .with_log_start_offset(-1);
                    partitions.push((name.clone(), index, Some(data)));
                    continue;
                };
                // -1 means the client does not know the epoch: no check (KIP-320).
                let current = if p.current_leader_epoch < 0 {
                    broker_leader_epoch(world, broker, tp)
                } else {
                    LeaderEpoch(p.current_leader_epoch as u32)
                };
                sim.push(FetchPartition {
                    partition: tp,
                    fetch_offset: Offset(p.fetch_offset.max(0) as u64),
                    last_fetched_epoch: None,
                    current_leader_epoch: current,
                });
                partitions.push((name.clone(), index, None));
            }
        }
        let sim = (!sim.is_empty()).then(|| SimFetch {
            correlation,
            replica: None,
            broker_epoch: None,
            partitions: sim,
            max_wait: SimTime::from_millis(request.max_wait_ms.max(0) as u64),
            min_bytes: request.min_bytes.max(0) as u64,
            max_bytes: request.max_bytes.max(0) as u64,
            read_committed: request.isolation_level == 1,
        });
        (Pending::Fetch { partitions }, sim)
    }

    /// A partition of the simulation's fetch answer, with its batches encoded as Kafka's v2
    /// record batches.
    fn partition_data(
        &self,
        world: &World,
        p: &ksim::kafka::message::FetchPartitionResponse,
    ) -> fetch_response::PartitionData {
        let mut data = fetch_response::PartitionData::default()
            .with_partition_index(p.partition.partition as i32)
            .with_error_code(p.error.map_or(0, error_code))
            .with_high_watermark(p.high_watermark.0 as i64)
            .with_last_stable_offset(p.last_stable_offset.0 as i64)
            .with_log_start_offset(p.log_start_offset.0 as i64);
        if p.error.is_some() {
            return data;
        }
        let mut out = BytesMut::new();
        for batch in &p.batches {
            if batch.control.is_some() || batch.group_records.is_some() {
                continue;
            }
            let records: Vec<Record> = batch
                .records
                .iter()
                .enumerate()
                .map(|(i, &r)| {
                    let delta = batch
                        .offset_deltas
                        .as_ref()
                        .and_then(|d| d.get(i).copied())
                        .unwrap_or(i as u32);
                    let (key, value, headers, timestamp) =
                        self.record_content(world, r, batch.append_time);
                    Record {
                        transactional: batch.transactional,
                        control: false,
                        partition_leader_epoch: batch.leader_epoch.0 as i32,
                        producer_id: batch.producer.map_or(-1, |s| i64::from(s.producer.0)),
                        producer_epoch: batch.producer.map_or(-1, |s| s.epoch as i16),
                        timestamp_type: TimestampType::Creation,
                        offset: (batch.base_offset.0 + u64::from(delta)) as i64,
                        sequence: batch
                            .producer
                            .map_or(-1, |s| s.sequence.wrapping_add(i as u32) as i32),
                        timestamp,
                        key,
                        value,
                        headers,
                        delete_horizon: false,
                    }
                })
                .collect();
            if records.is_empty() {
                continue;
            }
            let options = RecordEncodeOptions {
                version: 2,
                compression: Compression::None,
            };
            RecordBatchEncoder::encode(&mut out, &records, &options)
                .expect("an uncompressed v2 batch always encodes");
        }
        data.records = Some(out.freeze());
        data
    }

    /// What a fetch returns of a record: a real client's bytes as produced, or for a
    /// simulated producer's record its key and its value as the trace names it.
    #[allow(clippy::type_complexity)]
    fn record_content(
        &self,
        world: &World,
        r: RecordId,
        appended: SimTime,
    ) -> (
        Option<Bytes>,
        Option<Bytes>,
        IndexMap<StrBytes, Option<Bytes>>,
        i64,
    ) {
        if r.is_external()
            && let Some(p) = self.payloads.get(r.n as usize)
        {
            return (
                p.key.clone(),
                p.value.clone(),
                p.headers.clone(),
                p.timestamp,
            );
        }
        let key = if r.is_from_scenario() {
            world
                .producers()
                .get(r.producer.0 as usize)
                .and_then(|p| p.key_of(r.n))
                .map(|k| Bytes::copy_from_slice(k.as_bytes()))
        } else {
            None
        };
        let value = Bytes::from(world.value_of(r));
        (
            key,
            Some(value),
            IndexMap::new(),
            appended.as_millis() as i64,
        )
    }

    /// KIP-101/320's question, per partition: where does this leader epoch end in the
    /// leader's log? A client asks it after a leader change to find a truncation.
    fn offset_for_leader_epoch(
        &mut self,
        world: &mut World,
        connection: u32,
        broker: BrokerId,
        request: &OffsetForLeaderEpochRequest,
    ) -> Pending {
        let mut partitions = Vec::new();
        let seq = {
            let c = &self.connections[&connection];
            c.first + c.answers.len() as u64
        };
        for topic in &request.topics {
            let name = topic.topic.0.to_string();
            for p in &topic.partitions {
                let Some(tp) = known_partition(world, &name, p.partition) else {
                    partitions.push((
                        name.clone(),
                        p.partition,
                        Some((UNKNOWN_TOPIC_OR_PARTITION, -1, -1)),
                    ));
                    continue;
                };
                // -1 means the client does not know the current epoch: no check (KIP-320).
                let current = if p.current_leader_epoch < 0 {
                    broker_leader_epoch(world, broker, tp)
                } else {
                    LeaderEpoch(p.current_leader_epoch as u32)
                };
                self.send(world, (connection, seq), broker, |correlation| {
                    Message::OffsetForLeaderEpoch {
                        correlation,
                        partition: tp,
                        epoch: LeaderEpoch(p.leader_epoch.max(0) as u32),
                        current_leader_epoch: current,
                    }
                });
                partitions.push((name.clone(), p.partition, None));
            }
        }
        Pending::OffsetForLeaderEpoch { partitions }
    }

    /// Sends a request into the world under a new correlation id, whose answer completes the
    /// given answer slot (connection, sequence).
    fn send(
        &mut self,
        world: &mut World,
        slot: (u32, u64),
        broker: BrokerId,
        message: impl FnOnce(u64) -> Message,
    ) {
        let correlation = self.next_correlation;
        self.next_correlation += 1;
        self.correlations.insert(correlation, slot);
        world.live_send(slot.0, broker, message(correlation));
    }

    fn list_offsets(
        &mut self,
        world: &mut World,
        connection: u32,
        broker: BrokerId,
        request: &ListOffsetsRequest,
    ) -> Pending {
        let mut partitions = Vec::new();
        let seq = {
            let c = &self.connections[&connection];
            c.first + c.answers.len() as u64
        };
        for topic in &request.topics {
            let name = topic.name.0.to_string();
            for p in &topic.partitions {
                let index = p.partition_index;
                let Some(tp) = known_partition(world, &name, index) else {
                    partitions.push((
                        name.clone(),
                        index,
                        Some((UNKNOWN_TOPIC_OR_PARTITION, -1, -1)),
                    ));
                    continue;
                };
                // -2 asks for the earliest offset, -1 for the latest; a lookup by timestamp
                // is not served yet.
                if p.timestamp != -1 && p.timestamp != -2 {
                    partitions.push((
                        name.clone(),
                        index,
                        Some((wire::UNSUPPORTED_VERSION, -1, -1)),
                    ));
                    continue;
                }
                self.send(world, (connection, seq), broker, |correlation| {
                    Message::ListOffsets {
                        correlation,
                        partition: tp,
                        earliest: p.timestamp == -2,
                    }
                });
                partitions.push((name.clone(), index, None));
            }
        }
        Pending::ListOffsets { partitions }
    }
}

/// A pending answer's body, once nothing in it is missing.
fn finish(world: &World, pending: &Pending, version: i16) -> Option<ResponseKind> {
    let _ = world;
    match pending {
        Pending::Group(call) => call.answer(),
        Pending::OffsetForLeaderEpoch { partitions } => {
            let answers = complete(partitions)?;
            let topics = by_topic(
                answers.map(|(name, index, (code, epoch, end))| {
                    let partition = offset_for_leader_epoch_response::EpochEndOffset::default()
                        .with_partition(index)
                        .with_error_code(code)
                        .with_leader_epoch(epoch)
                        .with_end_offset(end);
                    (name, partition)
                }),
                |name, partitions| {
                    offset_for_leader_epoch_response::OffsetForLeaderTopicResult::default()
                        .with_topic(topic_name(name))
                        .with_partitions(partitions)
                },
            );
            Some(ResponseKind::OffsetForLeaderEpoch(
                OffsetForLeaderEpochResponse::default().with_topics(topics),
            ))
        }
        Pending::Metadata { .. } => None,
        Pending::Produce { partitions } => {
            let answers = complete(partitions)?;
            let topics = by_topic(
                answers.map(|(name, index, (code, base))| {
                    let partition = produce_response::PartitionProduceResponse::default()
                        .with_index(index)
                        .with_error_code(code)
                        .with_base_offset(base)
                        .with_log_append_time_ms(-1)
                        .with_log_start_offset(-1);
                    (name, partition)
                }),
                |name, partitions| {
                    produce_response::TopicProduceResponse::default()
                        .with_name(topic_name(name))
                        .with_partition_responses(partitions)
                },
            );
            Some(ResponseKind::Produce(
                ProduceResponse::default().with_responses(topics),
            ))
        }
        Pending::Fetch { partitions } => {
            let answers = complete(partitions)?;
            let topics = by_topic(
                answers.map(|(name, _, mut data)| {
                    if version < 5 {
                        data.log_start_offset = -1;
                    }
                    (name, data)
                }),
                |name, partitions| {
                    fetch_response::FetchableTopicResponse::default()
                        .with_topic(topic_name(name))
                        .with_partitions(partitions)
                },
            );
            // No fetch sessions: session id 0 tells the client to send full fetches (KIP-227).
            Some(ResponseKind::Fetch(
                FetchResponse::default()
                    .with_session_id(0)
                    .with_responses(topics),
            ))
        }
        Pending::ListOffsets { partitions } => {
            let answers = complete(partitions)?;
            let topics = by_topic(
                answers.map(|(name, index, (code, offset, epoch))| {
                    let partition = list_offsets_response::ListOffsetsPartitionResponse::default()
                        .with_partition_index(index)
                        .with_error_code(code)
                        .with_timestamp(-1)
                        .with_offset(offset)
                        .with_leader_epoch(if version >= 4 { epoch } else { -1 });
                    (name, partition)
                }),
                |name, partitions| {
                    list_offsets_response::ListOffsetsTopicResponse::default()
                        .with_name(topic_name(name))
                        .with_partitions(partitions)
                },
            );
            Some(ResponseKind::ListOffsets(
                ListOffsetsResponse::default().with_topics(topics),
            ))
        }
    }
}

/// Every partition's answer of a request, in request order, once none is missing.
fn complete<T: Clone>(
    partitions: &PerPartition<T>,
) -> Option<impl Iterator<Item = (String, i32, T)> + '_> {
    if partitions.iter().any(|p| p.2.is_none()) {
        return None;
    }
    Some(
        partitions
            .iter()
            .map(|(name, index, answer)| (name.clone(), *index, answer.clone().expect("checked"))),
    )
}

/// Kafka's Metadata answer from a broker's metadata image: the live brokers at their loopback
/// listeners, and each topic's partitions with leader, epoch, replicas and ISR.
fn metadata_response(
    world: &World,
    image: Option<&ksim::kafka::metadata::MetadataImage>,
    wanted: Option<&[String]>,
    ports: &[u16],
    version: i16,
) -> MetadataResponse {
    let names = topic_names(world);
    let mut body = MetadataResponse::default().with_controller_id(WireBrokerId(-1));
    // Fields a version lacks stay at their defaults, or the answer would not encode.
    if version >= 2 {
        body.cluster_id = Some(StrBytes::from_static_str("ksim"));
    }
    let Some(image) = image else {
        // A broker that has no metadata yet knows no broker and no topic.
        return body;
    };
    for (i, &port) in ports.iter().enumerate() {
        let id = BrokerId(i as u32 + 1);
        if image.is_fenced(id) {
            continue;
        }
        body.brokers.push(
            metadata_response::MetadataResponseBroker::default()
                .with_node_id(WireBrokerId(id.0 as i32))
                .with_host(StrBytes::from_static_str("127.0.0.1"))
                .with_port(i32::from(port)),
        );
    }
    // In KRaft mode Kafka shows clients a live broker as the controller.
    body.controller_id = body.brokers.first().map_or(WireBrokerId(-1), |b| b.node_id);
    let listed: Vec<String> = match wanted {
        None => names
            .iter()
            .zip(&world.scenario().topics)
            .filter(|(_, t)| !t.internal)
            .map(|(n, _)| n.clone())
            .collect(),
        Some(wanted) => wanted.to_vec(),
    };
    for name in listed {
        let Some(t) = names.iter().position(|n| *n == name) else {
            body.topics.push(
                metadata_response::MetadataResponseTopic::default()
                    .with_error_code(UNKNOWN_TOPIC_OR_PARTITION)
                    .with_name(Some(topic_name(&name))),
            );
            continue;
        };
        let Some(topic) = image.topics.get(t) else {
            continue;
        };
        let internal = world.scenario().topics.get(t).is_some_and(|s| s.internal);
        let partitions = topic
            .partitions
            .iter()
            .enumerate()
            .map(|(p, state)| {
                let ids = |v: &[BrokerId]| v.iter().map(|b| WireBrokerId(b.0 as i32)).collect();
                let offline: Vec<WireBrokerId> = state
                    .replicas
                    .iter()
                    .filter(|b| version >= 5 && image.is_fenced(**b))
                    .map(|b| WireBrokerId(b.0 as i32))
                    .collect();
                metadata_response::MetadataResponsePartition::default()
                    .with_error_code(if state.leader.is_some() {
                        0
                    } else {
                        LEADER_NOT_AVAILABLE
                    })
                    .with_partition_index(p as i32)
                    .with_leader_id(WireBrokerId(state.leader.map_or(-1, |b| b.0 as i32)))
                    .with_leader_epoch(if version >= 7 {
                        state.leader_epoch.0 as i32
                    } else {
                        -1
                    })
                    .with_replica_nodes(ids(&state.replicas))
                    .with_isr_nodes(ids(&state.isr))
                    .with_offline_replicas(offline)
            })
            .collect();
        body.topics.push(
            metadata_response::MetadataResponseTopic::default()
                .with_name(Some(topic_name(&name)))
                .with_is_internal(internal)
                .with_partitions(partitions),
        );
    }
    body
}

fn topic_names(world: &World) -> Vec<String> {
    world
        .scenario()
        .topics
        .iter()
        .map(|t| t.name.clone())
        .collect()
}

/// Per-partition answers grouped by topic, topics in the order the request first named them.
fn by_topic<P, T>(
    partitions: impl IntoIterator<Item = (String, P)>,
    topic: impl Fn(&str, Vec<P>) -> T,
) -> Vec<T> {
    let mut topics: Vec<(String, Vec<P>)> = Vec::new();
    for (name, partition) in partitions {
        match topics.iter_mut().find(|(n, _)| *n == name) {
            Some((_, ps)) => ps.push(partition),
            None => topics.push((name, vec![partition])),
        }
    }
    topics
        .into_iter()
        .map(|(name, ps)| topic(&name, ps))
        .collect()
}

/// A topic's id by name, if the cluster has it.
fn topic_id(world: &World, name: &str) -> Option<TopicId> {
    let topics = &world.scenario().topics;
    let i = topics.iter().position(|t| t.name == name)?;
    Some(TopicId(i as u32))
}

/// How many partitions a topic has now.
fn partition_count(world: &World, topic: TopicId) -> u32 {
    world.controller().image().partition_count(topic)
}

/// A topic's partition by name and index, if the cluster has it.
fn known_partition(world: &World, name: &str, index: i32) -> Option<TopicPartition> {
    let topic = topic_id(world, name)?;
    (index >= 0 && (index as u32) < partition_count(world, topic))
        .then(|| TopicPartition::new(topic, index as u32))
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}

/// The leader epoch of a partition as a broker's replica knows it.
fn broker_leader_epoch(world: &World, broker: BrokerId, tp: TopicPartition) -> LeaderEpoch {
    world
        .brokers()
        .get(broker.0 as usize - 1)
        .and_then(|b| b.replicas.get(&tp))
        .map_or(LeaderEpoch(0), |r| r.leader_epoch)
}

/// The partition's leader epoch in the cluster's metadata, for ListOffsets answers.
fn leader_epoch(world: &World, tp: TopicPartition) -> i32 {
    world
        .controller()
        .image()
        .partition(tp)
        .map_or(-1, |p| p.leader_epoch.0 as i32)
}

/// How the trace and the ledger show a real client's key or value: its text, shortened.
fn show(bytes: &[u8]) -> String {
    const SHOWN: usize = 40;
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text.chars().take(SHOWN).collect();
    if text.chars().count() > SHOWN {
        shown.push('…');
    }
    shown
}

mod group;

#[cfg(test)]
mod tests;
