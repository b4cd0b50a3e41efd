//! The classic consumer group APIs for real clients: FindCoordinator, JoinGroup, SyncGroup,
//! Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch become the simulated group
//! coordinator's requests, and its answers Kafka's responses. The consumer protocol's
//! subscription and assignment bytes are read and written here, as Kafka's `ConsumerProtocol`
//! does, because the simulated coordinator works with topics and partitions, not bytes.

use std::collections::BTreeMap;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ConsumerProtocolAssignment, ConsumerProtocolSubscription, FindCoordinatorRequest,
    FindCoordinatorResponse, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest,
    JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, OffsetCommitRequest,
    OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, RequestKind, ResponseKind,
    SyncGroupRequest, SyncGroupResponse, consumer_protocol_assignment,
    consumer_protocol_subscription, find_coordinator_response, join_group_response,
    leave_group_response, offset_commit_response, offset_fetch_response,
};
use kafka_protocol::messages::{
    DescribeGroupsRequest, DescribeGroupsResponse, ListGroupsRequest, ListGroupsResponse,
    describe_groups_response, list_groups_response,
};
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};
use ksim::World;
use ksim::engine::ids::{BrokerId, GroupId, Offset, TopicId, TopicPartition};
use ksim::engine::time::SimTime;
use ksim::kafka::message::group::{JoinRequest, JoinResult, JoinedMember, Strategy};
use ksim::kafka::message::{GroupRequest, GroupResponse, KafkaError, Message};
use ksim::kafka::trace::Why;

use super::{
    Answer, Gateway, Pending, Slot, by_topic, error_code, known_partition, partition_count,
    topic_id, topic_name, topic_names,
};

const INCONSISTENT_GROUP_PROTOCOL: i16 = 23;
const INVALID_GROUP_ID: i16 = 24;
const UNKNOWN_MEMBER_ID: i16 = 25;
const INVALID_SESSION_TIMEOUT: i16 = 26;
const MEMBER_ID_REQUIRED: i16 = 79;
const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
const INVALID_REQUEST: i16 = 42;
const TRANSACTIONAL_ID_AUTHORIZATION_FAILED: i16 = 53;

/// Kafka's defaults for `group.min.session.timeout.ms` and `group.max.session.timeout.ms`: a
/// JoinGroup outside them gets INVALID_SESSION_TIMEOUT (`GroupCoordinator.handleJoinGroup`).
const GROUP_MIN_SESSION_TIMEOUT_MS: i32 = 6_000;
const GROUP_MAX_SESSION_TIMEOUT_MS: i32 = 1_800_000;

/// The newest consumer protocol version ksim reads; a newer one is read as this one, as
/// Kafka's `ConsumerProtocol` reads a newer version than it knows.
const CONSUMER_PROTOCOL_MAX: i16 = 3;

/// A group request of a real client, until the simulated coordinator has answered it all.
#[derive(Debug)]
pub(super) struct GroupCall {
    what: Call,
    /// The answer, once complete.
    done: Option<ResponseKind>,
}

impl GroupCall {
    pub(super) fn answer(&self) -> Option<ResponseKind> {
        self.done.clone()
    }
}

#[derive(Debug)]
enum Call {
    /// Per key, in request order: the coordinator's broker, or an error code.
    FindCoordinator {
        keys: Vec<(String, Option<Result<BrokerId, i16>>)>,
    },
    Join {
        request: Box<JoinRequest>,
        subscriptions: Vec<(Strategy, Bytes)>,
    },
    Sync,
    Heartbeat,
    /// Per member leaving: id, instance id and its answer.
    Leave {
        members: Vec<(String, Option<String>, Option<i16>)>,
    },
    /// Per partition in request order: topic, partition, and the error code once known.
    OffsetCommit {
        partitions: Vec<(String, i32, Option<i16>)>,
    },
    /// The partitions asked for by name (`None`: every committed one).
    OffsetFetch {
        asked: Option<Vec<(String, Vec<i32>)>>,
    },
}

/// A subscription as a member sent it: the topics it names and what it owns.
struct Subscription {
    topics: Vec<String>,
    owned: Vec<(String, i32)>,
    generation: i32,
}

/// Reads a `ConsumerProtocolSubscription`: a version, then the body of that version.
fn read_subscription(bytes: &Bytes) -> Option<Subscription> {
    let mut buf = bytes.clone();
    if buf.remaining() < 2 {
        return None;
    }
    let version = buf.get_i16();
    if version < 0 {
        return None;
    }
    let body =
        ConsumerProtocolSubscription::decode(&mut buf, version.min(CONSUMER_PROTOCOL_MAX)).ok()?;
    Some(Subscription {
        topics: body.topics.iter().map(|t| t.to_string()).collect(),
        owned: body
            .owned_partitions
            .iter()
            .flat_map(|t| t.partitions.iter().map(|&p| (t.topic.0.to_string(), p)))
            .collect(),
        generation: if version >= 2 { body.generation_id } else { -1 },
    })
}

/// Writes a subscription for a member whose own bytes ksim does not have (a simulated
/// consumer of the scenario in the same group): version 1, with the partitions it owns.
fn write_subscription(world: &World, member: &JoinedMember) -> Bytes {
    let names = topic_names(world);
    let mut owned: BTreeMap<TopicId, Vec<i32>> = BTreeMap::new();
    for tp in &member.owned {
        owned.entry(tp.topic).or_default().push(tp.partition as i32);
    }
    let body = ConsumerProtocolSubscription::default()
        .with_topics(
            member
                .topics
                .iter()
                .map(|t| StrBytes::from_string(names[t.0 as usize].clone()))
                .collect(),
        )
        .with_owned_partitions(
            owned
                .into_iter()
                .map(|(t, partitions)| {
                    consumer_protocol_subscription::TopicPartition::default()
                        .with_topic(topic_name(&names[t.0 as usize]))
                        .with_partitions(partitions)
                })
                .collect(),
        );
    let mut out = BytesMut::new();
    out.put_i16(1);
    body.encode(&mut out, 1)
        .expect("a version 1 subscription always encodes");
    out.freeze()
}

/// Reads a `ConsumerProtocolAssignment` from a leader's SyncGroup: the partitions it gives.
fn read_assignment(world: &World, bytes: &Bytes) -> Vec<TopicPartition> {
    let mut buf = bytes.clone();
    if buf.remaining() < 2 {
        return Vec::new();
    }
    let version = buf.get_i16();
    if version < 0 {
        return Vec::new();
    }
    let Ok(body) = ConsumerProtocolAssignment::decode(&mut buf, version.min(CONSUMER_PROTOCOL_MAX))
    else {
        return Vec::new();
    };
    body.assigned_partitions
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .filter_map(|&p| known_partition(world, t.topic.0.as_str(), p))
        })
        .collect()
}

/// Writes the assignment a member gets: version 0, which every client reads.
fn write_assignment(world: &World, partitions: &[TopicPartition]) -> Bytes {
    let names = topic_names(world);
    let mut by_topic: BTreeMap<TopicId, Vec<i32>> = BTreeMap::new();
    for tp in partitions {
        by_topic
            .entry(tp.topic)
            .or_default()
            .push(tp.partition as i32);
    }
    let body = ConsumerProtocolAssignment::default().with_assigned_partitions(
        by_topic
            .into_iter()
            .map(|(t, partitions)| {
                consumer_protocol_assignment::TopicPartition::default()
                    .with_topic(topic_name(&names[t.0 as usize]))
                    .with_partitions(partitions)
            })
            .collect(),
    );
    let mut out = BytesMut::new();
    out.put_i16(0);
    body.encode(&mut out, 0)
        .expect("a version 0 assignment always encodes");
    out.freeze()
}

fn text(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

impl Gateway {
    /// A group API request: answered at once when it is malformed, else sent to the
    /// connection's broker as the simulated coordinator's request. `false` when `body` is not
    /// a group API.
    pub(super) fn group_request(
        &mut self,
        world: &mut World,
        connection: u32,
        broker: BrokerId,
        answer: Answer,
        body: RequestKind,
        client_id: &str,
    ) -> bool {
        let version = answer.version;
        let (call, requests) = match body {
            RequestKind::FindCoordinator(r) => self.find_coordinator(world, version, r),
            RequestKind::JoinGroup(r) => {
                join(world, version, r, client_id, &mut self.subscriptions)
            }
            RequestKind::SyncGroup(r) => sync(world, r),
            RequestKind::Heartbeat(r) => heartbeat(world, r),
            RequestKind::LeaveGroup(r) => leave(world, version, r),
            RequestKind::OffsetCommit(r) => offset_commit(world, r),
            RequestKind::OffsetFetch(r) => offset_fetch(world, r),
            RequestKind::ListGroups(r) => local(list_groups(world, broker, version, &r)),
            RequestKind::DescribeGroups(r) => local(describe_groups(
                world,
                broker,
                version,
                &r,
                &self.subscriptions,
            )),
            _ => return false,
        };
        let seq = self.push(
            connection,
            Answer {
                slot: Slot::Waiting(Pending::Group(Box::new(call))),
                ..answer
            },
        );
        for (group, request) in requests {
            self.send_group(world, connection, broker, seq, group, request);
        }
        let ports = self.ports.clone();
        if let Some(Answer {
            slot: Slot::Waiting(Pending::Group(call)),
            version,
            ..
        }) = self.answer_mut(connection, seq)
        {
            let version = *version;
            call.try_finish(version, &ports);
        }
        true
    }

    fn send_group(
        &mut self,
        world: &mut World,
        connection: u32,
        broker: BrokerId,
        seq: u64,
        group: GroupId,
        request: GroupRequest,
    ) {
        self.send(world, (connection, seq), broker, |correlation| {
            Message::GroupRequest {
                correlation,
                group,
                request,
            }
        });
    }

    fn find_coordinator(
        &mut self,
        world: &mut World,
        version: i16,
        request: FindCoordinatorRequest,
    ) -> Made {
        let keys: Vec<String> = if version >= 4 {
            request
                .coordinator_keys
                .iter()
                .map(|k| k.to_string())
                .collect()
        } else {
            vec![request.key.to_string()]
        };
        let mut requests = Vec::new();
        let keys = keys
            .into_iter()
            .map(|key| {
                // Key type 0 is a group; 1 a transactional.id, which live mode does not
                // serve yet (a client reads this error as fatal); others are not Kafka's.
                let local = match request.key_type {
                    0 if key.is_empty() => Some(Err(INVALID_REQUEST)),
                    0 => None,
                    1 => Some(Err(TRANSACTIONAL_ID_AUTHORIZATION_FAILED)),
                    _ => Some(Err(INVALID_REQUEST)),
                };
                if local.is_none() {
                    requests.push((world.live_group(&key), GroupRequest::FindCoordinator));
                }
                (key, local)
            })
            .collect();
        (
            GroupCall {
                what: Call::FindCoordinator { keys },
                done: None,
            },
            requests,
        )
    }

    /// The simulated coordinator answered one of a real client's group requests.
    pub(super) fn group_answer(
        &mut self,
        world: &mut World,
        connection: u32,
        seq: u64,
        group: GroupId,
        response: GroupResponse,
    ) {
        let broker = self.connections.get(&connection).map(|c| c.broker);
        let ports = self.ports.clone();
        // The call is taken out of its queue while the answer is built, and put back after.
        let Some(answer) = self.answer_mut(connection, seq) else {
            return;
        };
        let version = answer.version;
        let Slot::Waiting(Pending::Group(_)) = &answer.slot else {
            return;
        };
        let Slot::Waiting(Pending::Group(mut call)) =
            std::mem::replace(&mut answer.slot, Slot::Silent)
        else {
            return;
        };
        let name = world.group_name(group).unwrap_or_default().to_string();
        let mut rejoin = None;
        match (&mut call.what, response) {
            (Call::FindCoordinator { keys }, GroupResponse::FindCoordinator(result)) => {
                for entry in keys.iter_mut().filter(|k| k.0 == name && k.1.is_none()) {
                    entry.1 = Some(match &result {
                        Ok((b, _, _)) => Ok(*b),
                        Err(e) => Err(error_code(*e)),
                    });
                }
                call.try_finish(version, &ports);
            }
            (Call::Join { request, .. }, GroupResponse::MemberIdRequired(id)) => {
                if version >= 4 {
                    call.done = Some(ResponseKind::JoinGroup(
                        JoinGroupResponse::default()
                            .with_error_code(MEMBER_ID_REQUIRED)
                            .with_generation_id(-1)
                            .with_member_id(text(&id)),
                    ));
                } else {
                    // Before v4 a member is not asked to come back with its id (KIP-394):
                    // the gateway joins again with it on the client's behalf.
                    request.member_id = id;
                    rejoin = Some(request.clone());
                }
            }
            (
                Call::Join {
                    request,
                    subscriptions,
                },
                GroupResponse::Join(result),
            ) => {
                let answer = match result {
                    Ok(result) => {
                        self_store(
                            &mut self.subscriptions,
                            group,
                            &result.member_id,
                            subscriptions,
                        );
                        self.protocols.insert(group, result.protocol);
                        join_response(world, &self.subscriptions, group, &result, version)
                    }
                    Err(e) => JoinGroupResponse::default()
                        .with_error_code(error_code(e))
                        .with_generation_id(-1)
                        .with_member_id(text(&request.member_id)),
                };
                call.done = Some(ResponseKind::JoinGroup(answer));
            }
            (Call::Sync, GroupResponse::Sync(result)) => {
                let mut answer = SyncGroupResponse::default();
                match result {
                    Ok(partitions) => answer.assignment = write_assignment(world, &partitions),
                    Err(e) => answer.error_code = error_code(e),
                }
                if version >= 5 {
                    answer.protocol_type = Some(text("consumer"));
                    answer.protocol_name =
                        self.protocols.get(&group).map(|s| text(s.protocol_name()));
                }
                call.done = Some(ResponseKind::SyncGroup(answer));
            }
            (Call::Heartbeat, GroupResponse::Heartbeat(result)) => {
                call.done = Some(ResponseKind::Heartbeat(
                    HeartbeatResponse::default()
                        .with_error_code(result.err().map_or(0, error_code)),
                ));
            }
            (Call::Leave { members }, GroupResponse::Leave) => {
                if let Some(m) = members.iter_mut().find(|m| m.2.is_none()) {
                    m.2 = Some(0);
                }
                call.try_finish(version, &ports);
            }
            (Call::OffsetCommit { partitions }, GroupResponse::OffsetCommit(result)) => {
                for p in partitions.iter_mut().filter(|p| p.2.is_none()) {
                    p.2 = Some(result.as_ref().map_or_else(|e| error_code(*e), |_| 0));
                }
                call.try_finish(version, &ports);
            }
            (Call::OffsetFetch { asked }, GroupResponse::OffsetFetch(result)) => {
                call.done = Some(offset_fetch_response(
                    world,
                    asked.as_ref(),
                    result,
                    version,
                ));
            }
            _ => {}
        }
        if let Some(answer) = self.answer_mut(connection, seq) {
            answer.slot = Slot::Waiting(Pending::Group(call));
        }
        if let (Some(request), Some(broker)) = (rejoin, broker) {
            self.send_group(
                world,
                connection,
                broker,
                seq,
                group,
                GroupRequest::Join(request),
            );
        }
    }
}

/// Keeps a real member's subscription bytes, to hand to its group's leader.
fn self_store(
    store: &mut BTreeMap<(GroupId, String), Vec<(Strategy, Bytes)>>,
    group: GroupId,
    member: &str,
    subscriptions: &[(Strategy, Bytes)],
) {
    if !member.is_empty() {
        store.insert((group, member.to_string()), subscriptions.to_vec());
    }
}

type Made = (GroupCall, Vec<(GroupId, GroupRequest)>);

fn local(response: ResponseKind) -> Made {
    (
        GroupCall {
            what: Call::Heartbeat,
            done: Some(response),
        },
        Vec::new(),
    )
}

fn waiting(what: Call, group: GroupId, request: GroupRequest) -> Made {
    (GroupCall { what, done: None }, vec![(group, request)])
}

fn join(
    world: &mut World,
    version: i16,
    request: JoinGroupRequest,
    client_id: &str,
    store: &mut BTreeMap<(GroupId, String), Vec<(Strategy, Bytes)>>,
) -> Made {
    let refuse = |code: i16| {
        local(ResponseKind::JoinGroup(
            JoinGroupResponse::default()
                .with_error_code(code)
                .with_generation_id(-1)
                .with_member_id(request.member_id.clone()),
        ))
    };
    let name = request.group_id.0.to_string();
    if name.is_empty() {
        return refuse(INVALID_GROUP_ID);
    }
    let session = request.session_timeout_ms;
    if !(GROUP_MIN_SESSION_TIMEOUT_MS..=GROUP_MAX_SESSION_TIMEOUT_MS).contains(&session) {
        return refuse(INVALID_SESSION_TIMEOUT);
    }
    // ksim's coordinator assigns with the consumer protocol's assignors only.
    if request.protocol_type.as_str() != "consumer" {
        return refuse(INCONSISTENT_GROUP_PROTOCOL);
    }
    let subscriptions: Vec<(Strategy, Bytes)> = request
        .protocols
        .iter()
        .filter_map(|p| Some((Strategy::from_protocol_name(&p.name)?, p.metadata.clone())))
        .collect();
    let Some(subscription) = subscriptions
        .first()
        .and_then(|(_, b)| read_subscription(b))
    else {
        return refuse(INCONSISTENT_GROUP_PROTOCOL);
    };
    let rebalance = if version >= 1 && request.rebalance_timeout_ms > 0 {
        request.rebalance_timeout_ms
    } else {
        session
    };
    let group = world.live_group(&name);
    let member_id = request.member_id.to_string();
    self_store(store, group, &member_id, &subscriptions);
    let topics = subscription
        .topics
        .iter()
        .filter_map(|t| topic_id(world, t))
        .collect();
    let owned = subscription
        .owned
        .iter()
        .filter_map(|(t, p)| {
            let topic = topic_id(world, t)?;
            (*p >= 0).then(|| TopicPartition::new(topic, *p as u32))
        })
        .collect();
    let reason = request.reason.as_ref().map_or_else(
        || Why::verbatim("a real client joins"),
        |r| Why::verbatim(r.to_string()),
    );
    let join = JoinRequest {
        member_id,
        instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
        client_id: client_id.to_string(),
        protocols: subscriptions.iter().map(|(s, _)| *s).collect(),
        topics,
        owned,
        owned_generation: subscription.generation,
        session_timeout: SimTime::from_millis(session as u64),
        rebalance_timeout: SimTime::from_millis(rebalance as u64),
        reason,
    };
    waiting(
        Call::Join {
            request: Box::new(join.clone()),
            subscriptions,
        },
        group,
        GroupRequest::Join(Box::new(join)),
    )
}

fn join_response(
    world: &World,
    store: &BTreeMap<(GroupId, String), Vec<(Strategy, Bytes)>>,
    group: GroupId,
    result: &JoinResult,
    version: i16,
) -> JoinGroupResponse {
    let members = if result.skip_assignment && version < 9 {
        // KIP-814: a client too old to read `skip_assignment` gets no members, so it
        // cannot assign.
        Vec::new()
    } else {
        result
            .members
            .iter()
            .map(|m| {
                let metadata = store
                    .get(&(group, m.member_id.clone()))
                    .and_then(|subs| subs.iter().find(|(s, _)| *s == result.protocol))
                    .map_or_else(|| write_subscription(world, m), |(_, b)| b.clone());
                join_group_response::JoinGroupResponseMember::default()
                    .with_member_id(text(&m.member_id))
                    .with_group_instance_id(if version >= 5 {
                        m.instance_id.as_deref().map(text)
                    } else {
                        None
                    })
                    .with_metadata(metadata)
            })
            .collect()
    };
    let mut answer = JoinGroupResponse::default()
        .with_generation_id(result.generation)
        .with_protocol_name(Some(text(result.protocol.protocol_name())))
        .with_leader(text(&result.leader))
        .with_member_id(text(&result.member_id))
        .with_members(members);
    if version >= 7 {
        answer.protocol_type = Some(text("consumer"));
    }
    if version >= 9 {
        answer.skip_assignment = result.skip_assignment;
    }
    answer
}

fn sync(world: &mut World, request: SyncGroupRequest) -> Made {
    let group = world.live_group(request.group_id.0.as_str());
    let assignments = (!request.assignments.is_empty()).then(|| {
        request
            .assignments
            .iter()
            .map(|a| {
                (
                    a.member_id.to_string(),
                    read_assignment(world, &a.assignment),
                )
            })
            .collect()
    });
    waiting(
        Call::Sync,
        group,
        GroupRequest::Sync {
            member_id: request.member_id.to_string(),
            instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
            generation: request.generation_id,
            assignments,
        },
    )
}

fn heartbeat(world: &mut World, request: HeartbeatRequest) -> Made {
    let group = world.live_group(request.group_id.0.as_str());
    waiting(
        Call::Heartbeat,
        group,
        GroupRequest::Heartbeat {
            member_id: request.member_id.to_string(),
            instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
            generation: request.generation_id,
        },
    )
}

fn leave(world: &mut World, version: i16, request: LeaveGroupRequest) -> Made {
    let group = world.live_group(request.group_id.0.as_str());
    let members: Vec<(String, Option<String>, Option<String>)> = if version >= 3 {
        request
            .members
            .iter()
            .map(|m| {
                (
                    m.member_id.to_string(),
                    m.group_instance_id.as_ref().map(|s| s.to_string()),
                    m.reason.as_ref().map(|s| s.to_string()),
                )
            })
            .collect()
    } else {
        vec![(request.member_id.to_string(), None, None)]
    };
    let mut requests = Vec::new();
    let answers = members
        .into_iter()
        .map(|(id, instance, reason)| {
            // Removing a static member by its instance id alone is an admin's call
            // (KIP-345's RemoveMembersFromConsumerGroup), which ksim does not serve.
            if id.is_empty() {
                return (id, instance, Some(UNKNOWN_MEMBER_ID));
            }
            requests.push((
                group,
                GroupRequest::Leave {
                    member_id: id.clone(),
                    reason: Why::verbatim(reason.unwrap_or_else(|| "a real client leaves".into())),
                },
            ));
            (id, instance, None)
        })
        .collect();
    (
        GroupCall {
            what: Call::Leave { members: answers },
            done: None,
        },
        requests,
    )
}

fn offset_commit(world: &mut World, request: OffsetCommitRequest) -> Made {
    let group = world.live_group(request.group_id.0.as_str());
    let mut partitions = Vec::new();
    let mut offsets = Vec::new();
    for topic in &request.topics {
        let name = topic.name.0.to_string();
        for p in &topic.partitions {
            match known_partition(world, &name, p.partition_index) {
                Some(tp) if p.committed_offset >= 0 => {
                    offsets.push((tp, Offset(p.committed_offset as u64)));
                    partitions.push((name.clone(), p.partition_index, None));
                }
                _ => partitions.push((
                    name.clone(),
                    p.partition_index,
                    Some(UNKNOWN_TOPIC_OR_PARTITION),
                )),
            }
        }
    }
    let what = Call::OffsetCommit { partitions };
    if offsets.is_empty() {
        return (GroupCall { what, done: None }, Vec::new());
    }
    waiting(
        what,
        group,
        GroupRequest::OffsetCommit {
            member_id: request.member_id.to_string(),
            instance_id: request.group_instance_id.as_ref().map(|s| s.to_string()),
            generation: request.generation_id_or_member_epoch,
            offsets,
        },
    )
}

fn offset_fetch(world: &mut World, request: OffsetFetchRequest) -> Made {
    let group = world.live_group(request.group_id.0.as_str());
    let asked: Option<Vec<(String, Vec<i32>)>> = request.topics.as_ref().map(|topics| {
        topics
            .iter()
            .map(|t| (t.name.0.to_string(), t.partition_indexes.clone()))
            .collect()
    });
    let partitions = match &asked {
        Some(asked) => asked
            .iter()
            .flat_map(|(name, ps)| ps.iter().filter_map(|&p| known_partition(world, name, p)))
            .collect(),
        None => (0..topic_names(world).len() as u32)
            .map(TopicId)
            .flat_map(|t| (0..partition_count(world, t)).map(move |p| TopicPartition::new(t, p)))
            .collect(),
    };
    waiting(
        Call::OffsetFetch { asked },
        group,
        GroupRequest::OffsetFetch {
            partitions,
            // KIP-447: a read_committed consumer asks to wait out pending transactional
            // offsets (UNSTABLE_OFFSET_COMMIT) rather than read a commit that may abort.
            require_stable: request.require_stable,
        },
    )
}

impl GroupCall {
    /// Completes an answer made of parts (FindCoordinator's keys, LeaveGroup's members,
    /// OffsetCommit's partitions) once none is missing.
    fn try_finish(&mut self, version: i16, ports: &[u16]) {
        if self.done.is_some() {
            return;
        }
        match &self.what {
            Call::FindCoordinator { keys } if keys.iter().all(|k| k.1.is_some()) => {
                self.done = Some(find_coordinator_response(keys, version, ports));
            }
            Call::Leave { members } if members.iter().all(|m| m.2.is_some()) => {
                let mut answer = LeaveGroupResponse::default();
                if version >= 3 {
                    answer.members = members
                        .iter()
                        .map(|(id, instance, code)| {
                            leave_group_response::MemberResponse::default()
                                .with_member_id(text(id))
                                .with_group_instance_id(instance.as_deref().map(text))
                                .with_error_code(code.unwrap_or(0))
                        })
                        .collect();
                } else {
                    answer.error_code = members[0].2.unwrap_or(0);
                }
                self.done = Some(ResponseKind::LeaveGroup(answer));
            }
            Call::OffsetCommit { partitions } if partitions.iter().all(|p| p.2.is_some()) => {
                let topics = by_topic(
                    partitions.iter().map(|(name, index, code)| {
                        let partition =
                            offset_commit_response::OffsetCommitResponsePartition::default()
                                .with_partition_index(*index)
                                .with_error_code(code.unwrap_or(0));
                        (name.clone(), partition)
                    }),
                    |name, partitions| {
                        offset_commit_response::OffsetCommitResponseTopic::default()
                            .with_name(topic_name(name))
                            .with_partitions(partitions)
                    },
                );
                self.done = Some(ResponseKind::OffsetCommit(
                    OffsetCommitResponse::default().with_topics(topics),
                ));
            }
            _ => {}
        }
    }
}

fn find_coordinator_response(
    keys: &[(String, Option<Result<BrokerId, i16>>)],
    version: i16,
    ports: &[u16],
) -> ResponseKind {
    let found = |result: &Option<Result<BrokerId, i16>>| match result {
        Some(Ok(b)) => (
            0,
            b.0 as i32,
            "127.0.0.1",
            ports.get(b.0 as usize - 1).map_or(-1, |&p| i32::from(p)),
        ),
        Some(Err(code)) => (*code, -1, "", -1),
        None => (INVALID_REQUEST, -1, "", -1),
    };
    let mut answer = FindCoordinatorResponse::default();
    if version >= 4 {
        answer.coordinators = keys
            .iter()
            .map(|(key, result)| {
                let (code, node, host, port) = found(result);
                find_coordinator_response::Coordinator::default()
                    .with_key(text(key))
                    .with_node_id(kafka_protocol::messages::BrokerId(node))
                    .with_host(text(host))
                    .with_port(port)
                    .with_error_code(code)
            })
            .collect();
    } else {
        let (code, node, host, port) = found(&keys[0].1);
        answer.error_code = code;
        answer.node_id = kafka_protocol::messages::BrokerId(node);
        answer.host = text(host);
        answer.port = port;
    }
    ResponseKind::FindCoordinator(answer)
}

fn offset_fetch_response(
    world: &World,
    asked: Option<&Vec<(String, Vec<i32>)>>,
    result: Result<BTreeMap<TopicPartition, Offset>, KafkaError>,
    version: i16,
) -> ResponseKind {
    let names = topic_names(world);
    let partition = |index: i32, offset: Option<Offset>, code: i16| {
        offset_fetch_response::OffsetFetchResponsePartition::default()
            .with_partition_index(index)
            .with_committed_offset(offset.map_or(-1, |o| o.0 as i64))
            .with_committed_leader_epoch(-1)
            .with_metadata(Some(StrBytes::default()))
            .with_error_code(code)
    };
    let mut answer = OffsetFetchResponse::default();
    match (&result, asked) {
        (Err(e), asked) => {
            let code = error_code(*e);
            if version >= 2 {
                answer.error_code = code;
            }
            if let Some(asked) = asked {
                answer.topics = asked
                    .iter()
                    .map(|(name, ps)| {
                        offset_fetch_response::OffsetFetchResponseTopic::default()
                            .with_name(topic_name(name))
                            .with_partitions(ps.iter().map(|&p| partition(p, None, code)).collect())
                    })
                    .collect();
            }
        }
        (Ok(committed), Some(asked)) => {
            answer.topics = asked
                .iter()
                .map(|(name, ps)| {
                    let topic = names
                        .iter()
                        .position(|n| n == name)
                        .map(|i| TopicId(i as u32));
                    offset_fetch_response::OffsetFetchResponseTopic::default()
                        .with_name(topic_name(name))
                        .with_partitions(
                            ps.iter()
                                .map(|&p| match topic {
                                    Some(t) if p >= 0 => partition(
                                        p,
                                        committed.get(&TopicPartition::new(t, p as u32)).copied(),
                                        0,
                                    ),
                                    _ => partition(p, None, UNKNOWN_TOPIC_OR_PARTITION),
                                })
                                .collect(),
                        )
                })
                .collect();
        }
        (Ok(committed), None) => {
            let mut by_topic: BTreeMap<TopicId, Vec<_>> = BTreeMap::new();
            for (tp, offset) in committed {
                by_topic.entry(tp.topic).or_default().push(partition(
                    tp.partition as i32,
                    Some(*offset),
                    0,
                ));
            }
            answer.topics = by_topic
                .into_iter()
                .map(|(t, partitions)| {
                    offset_fetch_response::OffsetFetchResponseTopic::default()
                        .with_name(topic_name(&names[t.0 as usize]))
                        .with_partitions(partitions)
                })
                .collect();
        }
    }
    ResponseKind::OffsetFetch(answer)
}

/// ListGroups, answered from the broker's own coordinator: the groups it coordinates now
/// (v4 can ask for some states only, named as Kafka names them, in any case).
fn list_groups(
    world: &World,
    broker: BrokerId,
    version: i16,
    request: &ListGroupsRequest,
) -> ResponseKind {
    let wanted: Vec<String> = request
        .states_filter
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let groups = world
        .coordinated_groups(broker)
        .into_iter()
        .filter(|(_, g)| {
            version < 4 || wanted.is_empty() || wanted.contains(&g.state.name().to_lowercase())
        })
        .map(|(name, g)| {
            let mut listed = list_groups_response::ListedGroup::default()
                .with_group_id(kafka_protocol::messages::GroupId(text(name)))
                .with_protocol_type(text("consumer"));
            if version >= 4 {
                listed.group_state = text(g.state.name());
            }
            listed
        })
        .collect();
    ResponseKind::ListGroups(ListGroupsResponse::default().with_groups(groups))
}

/// DescribeGroups, answered from the broker's own coordinator: each group's state, assignor
/// and members with their subscriptions and assignments; NOT_COORDINATOR from a broker that
/// does not coordinate the group, Dead for a group its coordinator does not have.
fn describe_groups(
    world: &World,
    broker: BrokerId,
    version: i16,
    request: &DescribeGroupsRequest,
    store: &BTreeMap<(GroupId, String), Vec<(Strategy, Bytes)>>,
) -> ResponseKind {
    let groups = request
        .groups
        .iter()
        .map(|id| {
            let name = id.0.to_string();
            let described = describe_groups_response::DescribedGroup::default()
                .with_group_id(id.clone())
                .with_authorized_operations(i32::MIN);
            match world.describe_group(broker, &name) {
                Err(e) => described.with_error_code(error_code(e)),
                Ok(None) => described.with_group_state(text("Dead")),
                Ok(Some(group)) => {
                    let gid = world_group_id(world, &name);
                    let members = group
                        .members
                        .values()
                        .map(|m| {
                            let stored = &m.stored;
                            let metadata = gid
                                .and_then(|g| store.get(&(g, stored.member_id.clone())))
                                .and_then(|subs| {
                                    subs.iter().find(|(s, _)| Some(*s) == group.protocol)
                                })
                                .map_or_else(
                                    || {
                                        write_subscription(
                                            world,
                                            &JoinedMember {
                                                member_id: stored.member_id.clone(),
                                                instance_id: stored.instance_id.clone(),
                                                topics: stored.topics.clone(),
                                                owned: Vec::new(),
                                                owned_generation: -1,
                                            },
                                        )
                                    },
                                    |(_, b)| b.clone(),
                                );
                            let mut member =
                                describe_groups_response::DescribedGroupMember::default()
                                    .with_member_id(text(&stored.member_id))
                                    .with_client_id(text(&stored.client_id))
                                    .with_client_host(text("/127.0.0.1"))
                                    .with_member_metadata(metadata)
                                    .with_member_assignment(write_assignment(
                                        world,
                                        &stored.assignment,
                                    ));
                            if version >= 4 {
                                member.group_instance_id = stored.instance_id.as_deref().map(text);
                            }
                            member
                        })
                        .collect();
                    described
                        .with_group_state(text(group.state.name()))
                        .with_protocol_type(text("consumer"))
                        .with_protocol_data(text(
                            group.protocol.map_or("", Strategy::protocol_name),
                        ))
                        .with_members(members)
                }
            }
        })
        .map(|mut g| {
            if version < 3 {
                g.authorized_operations = i32::MIN;
            }
            g
        })
        .collect();
    ResponseKind::DescribeGroups(DescribeGroupsResponse::default().with_groups(groups))
}

/// A group's id by name, if any broker's coordinator knows the name.
fn world_group_id(world: &World, name: &str) -> Option<GroupId> {
    (0..)
        .map(GroupId)
        .map_while(|g| world.group_name(g).map(|n| (g, n)))
        .find(|(_, n)| *n == name)
        .map(|(g, _)| g)
}
