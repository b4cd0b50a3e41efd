//! The gateway driven with frames that `kafka-protocol` encodes, through a small simulated
//! cluster: each answer decoded back as a client would read it.

use std::sync::Arc;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use indexmap::IndexMap;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, FetchRequest, InitProducerIdRequest, ListOffsetsRequest,
    MetadataRequest, ProduceRequest, RequestHeader, RequestKind, ResponseHeader, ResponseKind,
    TopicName, fetch_request, list_offsets_request, metadata_request, produce_request,
};
use kafka_protocol::messages::{
    ConsumerProtocolAssignment, ConsumerProtocolSubscription, FindCoordinatorRequest, GroupId,
    HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, OffsetCommitRequest, OffsetFetchRequest,
    SyncGroupRequest, consumer_protocol_assignment, join_group_request, leave_group_request,
    offset_commit_request, offset_fetch_request, sync_group_request,
};
use kafka_protocol::messages::{
    DescribeGroupsRequest, ListGroupsRequest, OffsetForLeaderEpochRequest,
    offset_for_leader_epoch_request,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use kafka_protocol::records::{
    Compression, Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use ksim::World;
use ksim::engine::ids::BrokerId;
use ksim::engine::time::SimTime;

use super::Gateway;

const SCENARIO: &str = r#"
name = "gateway"
duration = "60s"
[cluster]
brokers = 3
[[topics]]
name = "orders"
partitions = 1
replication_factor = 3
replicas = [[1, 2, 3]]
config = { "min.insync.replicas" = 2 }
"#;

/// A cluster whose brokers have registered and elected leaders, and a gateway with one
/// connection to each broker (connection N to broker N).
fn cluster() -> (World, Gateway) {
    let mut scenario =
        ksim::scenario::parse(SCENARIO, "gateway.toml").expect("the scenario parses");
    scenario.with_offsets_topic();
    let mut world = World::new(Arc::new(scenario), 1);
    world.run_until(SimTime::from_secs(2));
    let mut gateway = Gateway::new(vec![19092, 19093, 19094]);
    for b in 1..=3 {
        gateway.open(b, BrokerId(b));
    }
    (world, gateway)
}

fn frame(key: ApiKey, version: i16, correlation_id: i32, body: &RequestKind) -> Bytes {
    let mut out = BytesMut::new();
    RequestHeader::default()
        .with_request_api_key(key as i16)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(StrBytes::from_static_str("test")))
        .encode(&mut out, key.request_header_version(version))
        .unwrap();
    body.encode(&mut out, version).unwrap();
    out.freeze()
}

/// Sends a request on a connection and runs the simulation until its answer is out (at most
/// 10 simulated seconds); the answer decoded, or `None` if none came.
fn exchange(
    world: &mut World,
    gateway: &mut Gateway,
    connection: u32,
    key: ApiKey,
    version: i16,
    body: RequestKind,
) -> Option<ResponseKind> {
    gateway.on_frame(world, connection, frame(key, version, 99, &body));
    let deadline = world.now() + SimTime::from_secs(10);
    loop {
        gateway.on_answers(world);
        if let Some((_, mut bytes)) = gateway
            .take_output()
            .into_iter()
            .find(|(c, _)| *c == connection)
        {
            let size = bytes.get_i32() as usize;
            assert_eq!(size, bytes.remaining(), "the frame's size prefix is right");
            let header =
                ResponseHeader::decode(&mut bytes, key.response_header_version(version)).unwrap();
            assert_eq!(header.correlation_id, 99);
            let body = ResponseKind::decode(key, &mut bytes, version).unwrap();
            assert!(!bytes.has_remaining());
            return Some(body);
        }
        if world.now() >= deadline || !world.step() {
            return None;
        }
    }
}

fn topic(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_string()))
}

fn batch(values: &[&str], producer_id: i64) -> Bytes {
    let records: Vec<Record> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Record {
            transactional: false,
            control: false,
            partition_leader_epoch: -1,
            producer_id,
            producer_epoch: if producer_id >= 0 { 0 } else { -1 },
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            sequence: if producer_id >= 0 { i as i32 } else { -1 },
            timestamp: 1_700_000_000_000,
            key: Some(Bytes::from(format!("k{i}"))),
            value: Some(Bytes::copy_from_slice(v.as_bytes())),
            headers: IndexMap::new(),
            delete_horizon: false,
        })
        .collect();
    let mut out = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut out,
        &records,
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        },
    )
    .unwrap();
    out.freeze()
}

fn produce(name: &str, partition: i32, acks: i16, records: Bytes) -> RequestKind {
    RequestKind::Produce(
        ProduceRequest::default()
            .with_acks(acks)
            .with_timeout_ms(30_000)
            .with_topic_data(vec![
                produce_request::TopicProduceData::default()
                    .with_name(topic(name))
                    .with_partition_data(vec![
                        produce_request::PartitionProduceData::default()
                            .with_index(partition)
                            .with_records(Some(records)),
                    ]),
            ]),
    )
}

fn fetch(offset: i64, max_wait_ms: i32) -> RequestKind {
    RequestKind::Fetch(
        FetchRequest::default()
            .with_replica_id(kafka_protocol::messages::BrokerId(-1))
            .with_max_wait_ms(max_wait_ms)
            .with_min_bytes(1)
            .with_max_bytes(1 << 20)
            .with_session_epoch(-1)
            .with_topics(vec![
                fetch_request::FetchTopic::default()
                    .with_topic(topic("orders"))
                    .with_partitions(vec![
                        fetch_request::FetchPartition::default()
                            .with_partition(0)
                            .with_current_leader_epoch(-1)
                            .with_fetch_offset(offset)
                            .with_partition_max_bytes(1 << 20),
                    ]),
            ]),
    )
}

// ApiVersions lists exactly the served ranges.
#[test]
fn api_versions_lists_the_served_ranges() {
    let (mut world, mut gateway) = cluster();
    let Some(ResponseKind::ApiVersions(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::ApiVersions,
        3,
        RequestKind::ApiVersions(ApiVersionsRequest::default()),
    ) else {
        panic!("ApiVersions is answered");
    };
    assert_eq!(answer.error_code, 0);
    let ranges: Vec<(i16, i16, i16)> = answer
        .api_keys
        .iter()
        .map(|k| (k.api_key, k.min_version, k.max_version))
        .collect();
    let served: Vec<(i16, i16, i16)> = crate::wire::SUPPORTED
        .iter()
        .map(|&(k, min, max)| (k as i16, min, max))
        .collect();
    assert_eq!(ranges, served);
}

// Metadata names the loopback listeners and the simulated leader, epoch and ISR; an unknown
// topic gets UNKNOWN_TOPIC_OR_PARTITION.
#[test]
fn metadata_advertises_the_loopback_listeners_and_the_leaders() {
    let (mut world, mut gateway) = cluster();
    let request = MetadataRequest::default().with_topics(Some(vec![
        metadata_request::MetadataRequestTopic::default().with_name(Some(topic("orders"))),
        metadata_request::MetadataRequestTopic::default().with_name(Some(topic("nope"))),
    ]));
    let Some(ResponseKind::Metadata(answer)) = exchange(
        &mut world,
        &mut gateway,
        2,
        ApiKey::Metadata,
        9,
        RequestKind::Metadata(request),
    ) else {
        panic!("Metadata is answered");
    };
    let brokers: Vec<(i32, String, i32)> = answer
        .brokers
        .iter()
        .map(|b| (b.node_id.0, b.host.to_string(), b.port))
        .collect();
    assert_eq!(
        brokers,
        vec![
            (1, "127.0.0.1".to_string(), 19092),
            (2, "127.0.0.1".to_string(), 19093),
            (3, "127.0.0.1".to_string(), 19094)
        ]
    );
    assert_eq!(answer.topics.len(), 2);
    let orders = &answer.topics[0];
    assert_eq!(orders.error_code, 0);
    let p = &orders.partitions[0];
    assert_eq!((p.leader_id.0, p.leader_epoch), (1, 0));
    let isr: Vec<i32> = p.isr_nodes.iter().map(|b| b.0).collect();
    assert_eq!(isr, vec![1, 2, 3]);
    assert_eq!(answer.topics[1].error_code, 3);
}

// A produce with acks=all is answered once the ISR has the records; a fetch returns them as
// they were produced, and ListOffsets says where the log ends. The ledger counts them as
// acknowledged.
#[test]
fn produce_then_fetch_round_trip() {
    let (mut world, mut gateway) = cluster();
    let Some(ResponseKind::Produce(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::Produce,
        8,
        produce("orders", 0, -1, batch(&["a", "b", "c"], -1)),
    ) else {
        panic!("Produce is answered");
    };
    let p = &answer.responses[0].partition_responses[0];
    assert_eq!((p.error_code, p.base_offset), (0, 0));
    assert_eq!(world.live_acked().len(), 3);

    let Some(ResponseKind::Fetch(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::Fetch,
        11,
        fetch(0, 500),
    ) else {
        panic!("Fetch is answered");
    };
    assert_eq!(answer.session_id, 0);
    let data = &answer.responses[0].partitions[0];
    assert_eq!((data.error_code, data.high_watermark), (0, 3));
    let mut records = data.records.clone().unwrap();
    let sets = RecordBatchDecoder::decode_all(&mut records).unwrap();
    let got: Vec<(i64, String, String)> = sets
        .iter()
        .flat_map(|s| &s.records)
        .map(|r| {
            (
                r.offset,
                String::from_utf8_lossy(r.key.as_deref().unwrap()).to_string(),
                String::from_utf8_lossy(r.value.as_deref().unwrap()).to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (0, "k0".to_string(), "a".to_string()),
            (1, "k1".to_string(), "b".to_string()),
            (2, "k2".to_string(), "c".to_string())
        ]
    );

    let request = ListOffsetsRequest::default()
        .with_replica_id(kafka_protocol::messages::BrokerId(-1))
        .with_topics(vec![
            list_offsets_request::ListOffsetsTopic::default()
                .with_name(topic("orders"))
                .with_partitions(vec![
                    list_offsets_request::ListOffsetsPartition::default()
                        .with_partition_index(0)
                        .with_timestamp(-1),
                ]),
        ]);
    let Some(ResponseKind::ListOffsets(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::ListOffsets,
        5,
        RequestKind::ListOffsets(request),
    ) else {
        panic!("ListOffsets is answered");
    };
    let p = &answer.topics[0].partitions[0];
    assert_eq!((p.error_code, p.offset, p.leader_epoch), (0, 3, 0));
}

// A fetch at the end of the log waits max.wait.ms of simulated time, then returns nothing:
// Kafka's long poll, as a simulated timer.
#[test]
fn an_empty_fetch_waits_its_max_wait_in_simulated_time() {
    let (mut world, mut gateway) = cluster();
    let before = world.now();
    let Some(ResponseKind::Fetch(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::Fetch,
        11,
        fetch(0, 500),
    ) else {
        panic!("Fetch is answered");
    };
    let waited = world.now() - before;
    assert!(waited >= SimTime::from_millis(500), "waited {waited:?}");
    let data = &answer.responses[0].partitions[0];
    assert_eq!(data.error_code, 0);
    assert!(data.records.as_ref().is_none_or(|r| r.is_empty()));
}

// The brokers answer with Kafka's errors: a follower NOT_LEADER_OR_FOLLOWER (6), an unknown
// topic UNKNOWN_TOPIC_OR_PARTITION (3), acks=2 INVALID_REQUIRED_ACKS (21); acks=0 gets no
// answer at all, yet its records are written.
#[test]
fn kafka_errors_and_acks_0() {
    let (mut world, mut gateway) = cluster();
    let code = |world: &mut World, gateway: &mut Gateway, connection, request| {
        let Some(ResponseKind::Produce(answer)) =
            exchange(world, gateway, connection, ApiKey::Produce, 7, request)
        else {
            panic!("Produce is answered");
        };
        answer.responses[0].partition_responses[0].error_code
    };
    assert_eq!(
        code(
            &mut world,
            &mut gateway,
            2,
            produce("orders", 0, 1, batch(&["x"], -1))
        ),
        6
    );
    assert_eq!(
        code(
            &mut world,
            &mut gateway,
            1,
            produce("nope", 0, 1, batch(&["x"], -1))
        ),
        3
    );
    assert_eq!(
        code(
            &mut world,
            &mut gateway,
            1,
            produce("orders", 0, 2, batch(&["x"], -1))
        ),
        21
    );
    let silent = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::Produce,
        7,
        produce("orders", 0, 0, batch(&["fire", "forget"], -1)),
    );
    assert!(silent.is_none(), "acks=0 is never answered");
    let Some(ResponseKind::Fetch(answer)) =
        exchange(&mut world, &mut gateway, 1, ApiKey::Fetch, 11, fetch(0, 0))
    else {
        panic!("Fetch is answered");
    };
    assert_eq!(answer.responses[0].partitions[0].high_watermark, 2);
    assert!(
        world.live_acked().is_empty(),
        "acks=0 records are never acknowledged"
    );
}

// An idempotent producer gets its id from InitProducerId, and a retried batch (same
// sequence) is written once: the simulator's idempotence answers it.
#[test]
fn idempotent_producer_retry_is_written_once() {
    let (mut world, mut gateway) = cluster();
    let Some(ResponseKind::InitProducerId(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::InitProducerId,
        4,
        RequestKind::InitProducerId(
            InitProducerIdRequest::default()
                .with_transactional_id(None)
                .with_transaction_timeout_ms(-1),
        ),
    ) else {
        panic!("InitProducerId is answered");
    };
    assert_eq!(answer.error_code, 0);
    let id = answer.producer_id.0;
    assert!(id >= 0);
    for _ in 0..2 {
        let Some(ResponseKind::Produce(answer)) = exchange(
            &mut world,
            &mut gateway,
            1,
            ApiKey::Produce,
            8,
            produce("orders", 0, -1, batch(&["once"], id)),
        ) else {
            panic!("Produce is answered");
        };
        let p = &answer.responses[0].partition_responses[0];
        assert_eq!((p.error_code, p.base_offset), (0, 0));
    }
    let Some(ResponseKind::Fetch(answer)) =
        exchange(&mut world, &mut gateway, 1, ApiKey::Fetch, 11, fetch(0, 0))
    else {
        panic!("Fetch is answered");
    };
    assert_eq!(answer.responses[0].partitions[0].high_watermark, 1);
}

// A batch compressed with a codec ksim does not carry (lz4) gets
// UNSUPPORTED_COMPRESSION_TYPE (76); gzip is read.
#[test]
fn compression_codecs() {
    let (mut world, mut gateway) = cluster();
    let mut lz4 = batch(&["x"], -1).to_vec();
    // The attributes' low bits name the codec (offset 21 in a v2 batch), and the CRC (at
    // offset 17) covers everything from the attributes on.
    lz4[22] |= 3;
    let crc = crc32c(&lz4[21..]);
    lz4[17..21].copy_from_slice(&crc.to_be_bytes());
    let Some(ResponseKind::Produce(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::Produce,
        8,
        produce("orders", 0, 1, Bytes::from(lz4)),
    ) else {
        panic!("Produce is answered");
    };
    assert_eq!(answer.responses[0].partition_responses[0].error_code, 76);

    let records: Vec<Record> = vec![Record {
        transactional: false,
        control: false,
        partition_leader_epoch: -1,
        producer_id: -1,
        producer_epoch: -1,
        timestamp_type: TimestampType::Creation,
        offset: 0,
        sequence: -1,
        timestamp: 0,
        key: None,
        value: Some(Bytes::from_static(b"zipped")),
        headers: IndexMap::new(),
        delete_horizon: false,
    }];
    let mut gzip = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut gzip,
        &records,
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::Gzip,
        },
    )
    .unwrap();
    let Some(ResponseKind::Produce(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::Produce,
        8,
        produce("orders", 0, 1, gzip.freeze()),
    ) else {
        panic!("Produce is answered");
    };
    assert_eq!(answer.responses[0].partition_responses[0].error_code, 0);
    assert_eq!(
        world.value_of(ksim::engine::ids::RecordId {
            producer: ksim::engine::ids::RecordId::EXTERNAL,
            n: 0,
        }),
        "zipped"
    );
}

/// CRC-32C (Castagnoli), as a v2 record batch's checksum.
fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

// Garbage closes only its own connection, with a reason.
#[test]
fn a_malformed_frame_closes_its_connection_only() {
    let (mut world, mut gateway) = cluster();
    gateway.on_frame(
        &mut world,
        2,
        Bytes::from_static(b"\x00\x03\x00\x09garbage"),
    );
    let closing = gateway.take_closing();
    assert_eq!(closing.len(), 1);
    assert_eq!(closing[0].0, 2);
    assert!(
        exchange(
            &mut world,
            &mut gateway,
            1,
            ApiKey::ApiVersions,
            3,
            RequestKind::ApiVersions(ApiVersionsRequest::default()),
        )
        .is_some()
    );
}

// Records that do not decode are CORRUPT_MESSAGE (2) for their partition; the connection and
// the cluster carry on.
#[test]
fn corrupt_records_are_refused_for_their_partition() {
    let (mut world, mut gateway) = cluster();
    let mut damaged = batch(&["x"], -1).to_vec();
    damaged[30] ^= 0xff;
    let Some(ResponseKind::Produce(answer)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::Produce,
        8,
        produce("orders", 0, 1, Bytes::from(damaged)),
    ) else {
        panic!("Produce is answered");
    };
    assert_eq!(answer.responses[0].partition_responses[0].error_code, 2);
    assert_eq!(world.live_record_count(), 0);
    assert!(gateway.take_closing().is_empty());
}

/// A consumer protocol subscription, version 1, to `topics`.
fn subscription(topics: &[&str]) -> Bytes {
    let mut out = BytesMut::new();
    out.put_i16(1);
    ConsumerProtocolSubscription::default()
        .with_topics(
            topics
                .iter()
                .map(|t| StrBytes::from_string(t.to_string()))
                .collect(),
        )
        .with_user_data(Some(Bytes::from_static(b"kept")))
        .encode(&mut out, 1)
        .unwrap();
    out.freeze()
}

fn join_request(member_id: &str) -> RequestKind {
    RequestKind::JoinGroup(
        JoinGroupRequest::default()
            .with_group_id(GroupId(StrBytes::from_static_str("g1")))
            .with_session_timeout_ms(10_000)
            .with_rebalance_timeout_ms(30_000)
            .with_member_id(StrBytes::from_string(member_id.to_string()))
            .with_protocol_type(StrBytes::from_static_str("consumer"))
            .with_protocols(vec![
                join_group_request::JoinGroupRequestProtocol::default()
                    .with_name(StrBytes::from_static_str("range"))
                    .with_metadata(subscription(&["orders"])),
            ]),
    )
}

/// The coordinator of group g1, found through broker 1.
fn coordinator(world: &mut World, gateway: &mut Gateway) -> u32 {
    let Some(ResponseKind::FindCoordinator(found)) = exchange(
        world,
        gateway,
        1,
        ApiKey::FindCoordinator,
        3,
        RequestKind::FindCoordinator(
            FindCoordinatorRequest::default().with_key(StrBytes::from_static_str("g1")),
        ),
    ) else {
        panic!("FindCoordinator is answered");
    };
    assert_eq!(found.error_code, 0);
    assert_eq!(found.host.as_str(), "127.0.0.1");
    assert_eq!(found.port, 19091 + found.node_id.0);
    found.node_id.0 as u32
}

// A real consumer's whole life in a group, through the simulated coordinator: found, asked
// for its member id (KIP-394), joined as leader with its own subscription bytes handed back,
// assigned, heartbeating, committing, fetching its commit, leaving; a heartbeat after it left
// is UNKNOWN_MEMBER_ID.
#[test]
fn a_real_consumer_joins_assigns_commits_and_leaves() {
    let (mut world, mut gateway) = cluster();
    let c = coordinator(&mut world, &mut gateway);
    let Some(ResponseKind::JoinGroup(first)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::JoinGroup,
        5,
        join_request(""),
    ) else {
        panic!("JoinGroup is answered");
    };
    assert_eq!(first.error_code, 79, "MEMBER_ID_REQUIRED");
    let member = first.member_id.to_string();
    assert!(!member.is_empty());
    let Some(ResponseKind::JoinGroup(joined)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::JoinGroup,
        5,
        join_request(&member),
    ) else {
        panic!("the second JoinGroup is answered");
    };
    assert_eq!(joined.error_code, 0);
    assert_eq!(joined.generation_id, 1);
    assert_eq!(joined.leader.as_str(), member);
    assert_eq!(joined.protocol_name.as_deref(), Some("range"));
    assert_eq!(joined.members.len(), 1);
    assert_eq!(joined.members[0].metadata, subscription(&["orders"]));

    let mut assignment = BytesMut::new();
    assignment.put_i16(0);
    ConsumerProtocolAssignment::default()
        .with_assigned_partitions(vec![
            consumer_protocol_assignment::TopicPartition::default()
                .with_topic(topic("orders"))
                .with_partitions(vec![0]),
        ])
        .encode(&mut assignment, 0)
        .unwrap();
    let Some(ResponseKind::SyncGroup(synced)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::SyncGroup,
        5,
        RequestKind::SyncGroup(
            SyncGroupRequest::default()
                .with_group_id(GroupId(StrBytes::from_static_str("g1")))
                .with_generation_id(1)
                .with_member_id(StrBytes::from_string(member.clone()))
                .with_assignments(vec![
                    sync_group_request::SyncGroupRequestAssignment::default()
                        .with_member_id(StrBytes::from_string(member.clone()))
                        .with_assignment(assignment.freeze()),
                ]),
        ),
    ) else {
        panic!("SyncGroup is answered");
    };
    assert_eq!(synced.error_code, 0);
    assert_eq!(synced.protocol_name.as_deref(), Some("range"));
    let mut bytes = synced.assignment.clone();
    let version = bytes.get_i16();
    let got = ConsumerProtocolAssignment::decode(&mut bytes, version).unwrap();
    assert_eq!(got.assigned_partitions.len(), 1);
    assert_eq!(got.assigned_partitions[0].topic.0.as_str(), "orders");
    assert_eq!(got.assigned_partitions[0].partitions, vec![0]);

    // ListGroups and DescribeGroups, from the coordinator and from another broker.
    let Some(ResponseKind::ListGroups(listed)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::ListGroups,
        4,
        RequestKind::ListGroups(ListGroupsRequest::default()),
    ) else {
        panic!("ListGroups is answered");
    };
    let groups: Vec<(&str, &str)> = listed
        .groups
        .iter()
        .map(|g| (g.group_id.0.as_str(), g.group_state.as_str()))
        .collect();
    assert_eq!(groups, vec![("g1", "Stable")]);
    let other = if c == 1 { 2 } else { 1 };
    let describe = RequestKind::DescribeGroups(
        DescribeGroupsRequest::default()
            .with_groups(vec![GroupId(StrBytes::from_static_str("g1"))]),
    );
    let Some(ResponseKind::DescribeGroups(described)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::DescribeGroups,
        5,
        describe.clone(),
    ) else {
        panic!("DescribeGroups is answered");
    };
    let g = &described.groups[0];
    assert_eq!(
        (
            g.error_code,
            g.group_state.as_str(),
            g.protocol_data.as_str()
        ),
        (0, "Stable", "range")
    );
    assert_eq!(g.members.len(), 1);
    assert_eq!(g.members[0].member_id.as_str(), member);
    assert_eq!(g.members[0].client_id.as_str(), "test");
    assert_eq!(g.members[0].member_metadata, subscription(&["orders"]));
    let Some(ResponseKind::DescribeGroups(elsewhere)) = exchange(
        &mut world,
        &mut gateway,
        other,
        ApiKey::DescribeGroups,
        5,
        describe,
    ) else {
        panic!("DescribeGroups elsewhere is answered");
    };
    assert_eq!(elsewhere.groups[0].error_code, 16, "NOT_COORDINATOR");

    let heartbeat = |member: &str| {
        RequestKind::Heartbeat(
            HeartbeatRequest::default()
                .with_group_id(GroupId(StrBytes::from_static_str("g1")))
                .with_generation_id(1)
                .with_member_id(StrBytes::from_string(member.to_string())),
        )
    };
    let Some(ResponseKind::Heartbeat(beat)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::Heartbeat,
        4,
        heartbeat(&member),
    ) else {
        panic!("Heartbeat is answered");
    };
    assert_eq!(beat.error_code, 0);

    let Some(ResponseKind::OffsetCommit(committed)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::OffsetCommit,
        8,
        RequestKind::OffsetCommit(
            OffsetCommitRequest::default()
                .with_group_id(GroupId(StrBytes::from_static_str("g1")))
                .with_generation_id_or_member_epoch(1)
                .with_member_id(StrBytes::from_string(member.clone()))
                .with_topics(vec![
                    offset_commit_request::OffsetCommitRequestTopic::default()
                        .with_name(topic("orders"))
                        .with_partitions(vec![
                            offset_commit_request::OffsetCommitRequestPartition::default()
                                .with_partition_index(0)
                                .with_committed_offset(2),
                        ]),
                    offset_commit_request::OffsetCommitRequestTopic::default()
                        .with_name(topic("nope"))
                        .with_partitions(vec![
                            offset_commit_request::OffsetCommitRequestPartition::default()
                                .with_partition_index(0)
                                .with_committed_offset(1),
                        ]),
                ]),
        ),
    ) else {
        panic!("OffsetCommit is answered");
    };
    let codes: Vec<(String, i16)> = committed
        .topics
        .iter()
        .map(|t| (t.name.0.to_string(), t.partitions[0].error_code))
        .collect();
    assert_eq!(
        codes,
        vec![("orders".to_string(), 0), ("nope".to_string(), 3)]
    );

    for (version, topics) in [(7, None), (5, Some(vec!["orders"]))] {
        let request = OffsetFetchRequest::default()
            .with_group_id(GroupId(StrBytes::from_static_str("g1")))
            .with_topics(topics.map(|ts: Vec<&str>| {
                ts.iter()
                    .map(|t| {
                        offset_fetch_request::OffsetFetchRequestTopic::default()
                            .with_name(topic(t))
                            .with_partition_indexes(vec![0])
                    })
                    .collect()
            }));
        let Some(ResponseKind::OffsetFetch(fetched)) = exchange(
            &mut world,
            &mut gateway,
            c,
            ApiKey::OffsetFetch,
            version,
            RequestKind::OffsetFetch(request),
        ) else {
            panic!("OffsetFetch is answered");
        };
        assert_eq!(fetched.error_code, 0);
        assert_eq!(fetched.topics.len(), 1, "v{version}");
        assert_eq!(fetched.topics[0].name.0.as_str(), "orders");
        assert_eq!(fetched.topics[0].partitions[0].committed_offset, 2);
    }

    let Some(ResponseKind::LeaveGroup(left)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::LeaveGroup,
        5,
        RequestKind::LeaveGroup(
            LeaveGroupRequest::default()
                .with_group_id(GroupId(StrBytes::from_static_str("g1")))
                .with_members(vec![
                    leave_group_request::MemberIdentity::default()
                        .with_member_id(StrBytes::from_string(member.clone())),
                ]),
        ),
    ) else {
        panic!("LeaveGroup is answered");
    };
    assert_eq!(left.members.len(), 1);
    assert_eq!(left.members[0].error_code, 0);
    let Some(ResponseKind::Heartbeat(late)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::Heartbeat,
        4,
        heartbeat(&member),
    ) else {
        panic!("the late Heartbeat is answered");
    };
    assert_eq!(late.error_code, 25, "UNKNOWN_MEMBER_ID");
}

// Before JoinGroup v4 a client is not asked for its member id: the gateway joins again with
// the id the coordinator handed out, and the client sees one answer. A session timeout
// outside the broker's bounds and a protocol type other than "consumer" are refused.
#[test]
fn old_join_versions_and_refused_joins() {
    let (mut world, mut gateway) = cluster();
    let c = coordinator(&mut world, &mut gateway);
    let Some(ResponseKind::JoinGroup(joined)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::JoinGroup,
        2,
        join_request(""),
    ) else {
        panic!("JoinGroup v2 is answered");
    };
    assert_eq!(joined.error_code, 0);
    assert!(!joined.member_id.is_empty());
    assert_eq!(joined.leader, joined.member_id);

    let RequestKind::JoinGroup(short) = join_request("") else {
        unreachable!()
    };
    let Some(ResponseKind::JoinGroup(refused)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::JoinGroup,
        5,
        RequestKind::JoinGroup(short.clone().with_session_timeout_ms(1_000)),
    ) else {
        panic!("a short session timeout is answered");
    };
    assert_eq!(refused.error_code, 26, "INVALID_SESSION_TIMEOUT");
    let Some(ResponseKind::JoinGroup(refused)) = exchange(
        &mut world,
        &mut gateway,
        c,
        ApiKey::JoinGroup,
        5,
        RequestKind::JoinGroup(short.with_protocol_type(StrBytes::from_static_str("connect"))),
    ) else {
        panic!("a connect group is answered");
    };
    assert_eq!(refused.error_code, 23, "INCONSISTENT_GROUP_PROTOCOL");
}

// FindCoordinator v4 asks for several groups at once; a transactional.id is not served yet.
#[test]
fn find_coordinator_batched_and_transactional() {
    let (mut world, mut gateway) = cluster();
    let Some(ResponseKind::FindCoordinator(found)) = exchange(
        &mut world,
        &mut gateway,
        2,
        ApiKey::FindCoordinator,
        4,
        RequestKind::FindCoordinator(FindCoordinatorRequest::default().with_coordinator_keys(
            vec![
                StrBytes::from_static_str("g1"),
                StrBytes::from_static_str("g2"),
            ],
        )),
    ) else {
        panic!("FindCoordinator v4 is answered");
    };
    let keys: Vec<(&str, i16)> = found
        .coordinators
        .iter()
        .map(|c| (c.key.as_str(), c.error_code))
        .collect();
    assert_eq!(keys, vec![("g1", 0), ("g2", 0)]);
    assert!(
        found
            .coordinators
            .iter()
            .all(|c| c.port == 19091 + c.node_id.0)
    );
    let Some(ResponseKind::FindCoordinator(txn)) = exchange(
        &mut world,
        &mut gateway,
        2,
        ApiKey::FindCoordinator,
        3,
        RequestKind::FindCoordinator(
            FindCoordinatorRequest::default()
                .with_key(StrBytes::from_static_str("tx"))
                .with_key_type(1),
        ),
    ) else {
        panic!("FindCoordinator for a transactional.id is answered");
    };
    assert_eq!(txn.error_code, 53);
}

// OffsetForLeaderEpoch (KIP-320): where epoch 0 ends in the leader's log; a current epoch
// newer than the leader's is UNKNOWN_LEADER_EPOCH, an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
#[test]
fn offset_for_leader_epoch_finds_an_epoch_end() {
    let (mut world, mut gateway) = cluster();
    let Some(ResponseKind::Produce(_)) = exchange(
        &mut world,
        &mut gateway,
        1,
        ApiKey::Produce,
        8,
        produce("orders", 0, -1, batch(&["a", "b"], -1)),
    ) else {
        panic!("Produce is answered");
    };
    let ask = |name: &str, current: i32| {
        RequestKind::OffsetForLeaderEpoch(
            OffsetForLeaderEpochRequest::default()
                .with_replica_id(kafka_protocol::messages::BrokerId(-1))
                .with_topics(vec![
                    offset_for_leader_epoch_request::OffsetForLeaderTopic::default()
                        .with_topic(topic(name))
                        .with_partitions(vec![
                            offset_for_leader_epoch_request::OffsetForLeaderPartition::default()
                                .with_partition(0)
                                .with_current_leader_epoch(current)
                                .with_leader_epoch(0),
                        ]),
                ]),
        )
    };
    let mut answers = Vec::new();
    for (name, current) in [("orders", 0), ("orders", 5), ("nope", -1)] {
        let Some(ResponseKind::OffsetForLeaderEpoch(answer)) = exchange(
            &mut world,
            &mut gateway,
            1,
            ApiKey::OffsetForLeaderEpoch,
            4,
            ask(name, current),
        ) else {
            panic!("OffsetForLeaderEpoch is answered");
        };
        let p = &answer.topics[0].partitions[0];
        answers.push((p.error_code, p.leader_epoch, p.end_offset));
    }
    assert_eq!(answers, vec![(0, 0, 2), (75, -1, -1), (3, -1, -1)]);
}
