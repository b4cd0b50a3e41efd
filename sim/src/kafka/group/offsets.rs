//! What the group coordinator keeps in `__consumer_offsets`: offset commits and each
//! generation's metadata written as records, answered once replicated (R8.6, R8.7), and the
//! groups a new coordinator loads from its copy of the log.

use super::*;
use crate::kafka::log::ControlType;
use crate::kafka::message::ProducerStamp;

impl Broker {
    /// OffsetCommit, validated as `ClassicGroup.validateOffsetCommit` does: a consumer
    /// outside group management (generation -1, no member id) may commit only while the
    /// group is Empty (else UNKNOWN_MEMBER_ID); a member must be known (UNKNOWN_MEMBER_ID,
    /// or FENCED_INSTANCE_ID for a replaced static member) and of the current generation
    /// (ILLEGAL_GENERATION); and between JoinGroup and SyncGroup (CompletingRebalance) the
    /// answer is REBALANCE_IN_PROGRESS. A commit while the group is PreparingRebalance, from
    /// a member of the current generation, is accepted.
    pub(super) fn on_offset_commit(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        (member_id, instance_id, generation): (&str, Option<&str>, i32),
        offsets: Vec<(TopicPartition, Offset)>,
    ) {
        let respond = |ctx: &mut Ctx, result| {
            ctx.send(
                from,
                Message::GroupResponse {
                    correlation,
                    group,
                    response: GroupResponse::OffsetCommit(result),
                },
            )
        };
        let check = match self.coordinator.groups.get(&group) {
            // A simple consumer's commit creates the group.
            None if generation < 0 => Ok(()),
            // Kafka 4.0 answers GROUP_ID_NOT_FOUND (v9+); ksim's members see it as unknown.
            None => Err(KafkaError::UnknownMemberId),
            Some(g) if generation < 0 && g.state == GroupState::Empty => Ok(()),
            Some(g) if generation >= 0 || !member_id.is_empty() || instance_id.is_some() => g
                .validate_member(member_id, instance_id)
                .and(if generation != g.generation {
                    Err(KafkaError::IllegalGeneration)
                } else {
                    Ok(())
                }),
            Some(_) => Err(KafkaError::UnknownMemberId),
        };
        let check =
            check.and_then(
                |()| match self.coordinator.groups.get(&group).map(|g| g.state) {
                    Some(GroupState::CompletingRebalance) => Err(KafkaError::RebalanceInProgress),
                    _ => Ok(()),
                },
            );
        if let Err(error) = check {
            respond(ctx, Err(error));
            return;
        }
        self.coordinator
            .groups
            .entry(group)
            .or_insert_with(new_group);
        let records = offsets
            .iter()
            .map(|&(partition, offset)| GroupRecord::OffsetCommit {
                group,
                partition,
                offset,
            })
            .collect();
        let then = AfterWrite::Commit {
            to: from,
            correlation,
            offsets,
            group,
        };
        if let Err(error) = self.write_group_records(ctx, group, records, then) {
            respond(ctx, Err(error));
        }
    }

    /// Appends records to the group's `__consumer_offsets` partition as its leader; what
    /// follows (the commit's answer, the generation's) waits until the high watermark passes
    /// them, as an acks=all write does.
    pub(super) fn write_group_records(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        records: Vec<GroupRecord>,
        then: AfterWrite,
    ) -> Result<(), KafkaError> {
        self.write_group_batch(ctx, group, records, then, None)
    }

    /// The write itself; a transactional producer's stamp makes the batch part of its
    /// transaction (TxnOffsetCommit), open in the partition's producer state until the
    /// marker, as any transactional batch is.
    pub(super) fn write_group_batch(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        records: Vec<GroupRecord>,
        then: AfterWrite,
        stamp: Option<ProducerStamp>,
    ) -> Result<(), KafkaError> {
        let tp = self
            .coordinator
            .partition_of(group)
            .expect("a coordinated group has a partition");
        let min_isr = self.effective_min_isr(tp);
        let replica = self
            .replicas
            .get_mut(&tp)
            .filter(|r| r.leading.is_some())
            .ok_or(KafkaError::NotCoordinator)?;
        if replica.isr.len() < min_isr {
            // The coordinator maps NOT_ENOUGH_REPLICAS to COORDINATOR_NOT_AVAILABLE.
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        if let Some(stamp) = stamp {
            replica.producers.check_epoch(stamp.producer, stamp.epoch)?;
        }
        let base = replica.log.log_end_offset();
        let count = records.len() as u32;
        let stored = StoredBatch {
            group_records: Some(Arc::new(records)),
            transactional: stamp.is_some(),
            ..StoredBatch::new(
                base,
                replica.leader_epoch,
                Arc::new((0..count).map(RecordId::group_record).collect()),
                BATCH_HEADER_BYTES + 60 * count,
                stamp,
                ctx.now,
            )
        };
        replica.producers.apply(&stored);
        let roll = replica.log.append(Arc::new(stored));
        crate::kafka::broker::trace_roll(ctx, tp, roll);
        let leo = replica.log.log_end_offset();
        ctx.trace(TraceEvent::Append {
            partition: tp,
            base,
            count,
            epoch: replica.leader_epoch,
            leo,
        });
        self.coordinator.pending.push(PendingWrite {
            partition: tp,
            end: leo,
            expires: ctx.now + OFFSETS_COMMIT_TIMEOUT,
            then,
        });
        self.group_timer_at(ctx, group, ctx.now + OFFSETS_COMMIT_TIMEOUT);
        self.after_local_append(ctx, tp);
        Ok(())
    }

    /// Completes the writes to `tp` the high watermark has passed; fails them all when this
    /// broker no longer leads it, and those past `offsets.commit.timeout.ms`.
    pub(crate) fn complete_group_writes(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.coordinator.is_offsets_topic(tp.topic) || self.coordinator.pending.is_empty() {
            return;
        }
        let (hw, leading) = match self.replicas.get(&tp) {
            Some(r) => (r.log.high_watermark, r.leading.is_some()),
            None => (Offset(0), false),
        };
        let now = ctx.now;
        let mut done = Vec::new();
        self.coordinator.pending.retain(|w| {
            if w.partition != tp {
                return true;
            }
            if !leading {
                done.push((w.clone(), Err(KafkaError::NotCoordinator)));
            } else if hw >= w.end {
                done.push((w.clone(), Ok(())));
            } else if w.expires <= now {
                done.push((w.clone(), Err(KafkaError::RequestTimedOut)));
            } else {
                return true;
            }
            false
        });
        for (write, result) in done {
            self.after_write(ctx, write.then, result);
        }
    }

    pub(super) fn after_write(
        &mut self,
        ctx: &mut Ctx,
        then: AfterWrite,
        result: Result<(), KafkaError>,
    ) {
        match then {
            AfterWrite::Commit {
                to,
                correlation,
                offsets,
                group,
            } => {
                let result = result.map(|()| {
                    let name = self.coordinator.name(group).to_string();
                    if let Some(g) = self.coordinator.groups.get_mut(&group) {
                        for &(tp, offset) in &offsets {
                            g.offsets.insert(tp, offset);
                        }
                    }
                    ctx.trace(TraceEvent::OffsetsCommitted {
                        group: name,
                        offsets: offsets.clone(),
                    });
                    offsets
                });
                // The coordinator's write errors reach the client as COORDINATOR errors.
                let result = result.map_err(group_write_error);
                ctx.send(
                    to,
                    Message::GroupResponse {
                        correlation,
                        group,
                        response: GroupResponse::OffsetCommit(result),
                    },
                );
            }
            AfterWrite::TxnCommit {
                to,
                correlation,
                offsets,
                group,
                producer,
            } => {
                let result = result.map(|()| {
                    self.hold_txn_offsets(ctx, group, producer, &offsets);
                    offsets
                });
                ctx.send(
                    to,
                    Message::GroupResponse {
                        correlation,
                        group,
                        response: GroupResponse::TxnOffsetCommit(result.map_err(group_write_error)),
                    },
                );
            }
            AfterWrite::StaticJoin {
                group,
                member,
                correlation,
            } => self.answer_static_join(ctx, group, &member, correlation, result),
            AfterWrite::Generation { group, generation } => {
                let Some(g) = self.coordinator.groups.get_mut(&group) else {
                    return;
                };
                // Another member may have joined meanwhile: then this generation is over.
                if g.generation != generation || g.state != GroupState::CompletingRebalance {
                    return;
                }
                if let Err(error) = result {
                    self.fail_syncs(ctx, group, error);
                    return;
                }
                g.state = GroupState::Stable;
                let name = self.coordinator.names[group.0 as usize].clone();
                let assignment: Vec<(String, Vec<TopicPartition>)> = g
                    .members
                    .iter()
                    .map(|(id, m)| (id.clone(), m.stored.assignment.clone()))
                    .collect();
                ctx.trace(TraceEvent::GroupStable {
                    group: name,
                    generation,
                    protocol: g.protocol.map_or("", |p| p.protocol_name()).to_string(),
                    assignment,
                });
                for m in g.members.values_mut() {
                    if let Some(c) = m.awaiting_sync.take() {
                        // The session restarts when the member leaves the sync wait.
                        m.deadline = ctx.now + m.stored.session_timeout;
                        ctx.send(
                            m.client,
                            Message::GroupResponse {
                                correlation: c,
                                group,
                                response: GroupResponse::Sync(Ok(m.stored.assignment.clone())),
                            },
                        );
                    }
                }
                self.schedule_group_timer(ctx, group);
            }
        }
    }

    /// Becoming leader of a `__consumer_offsets` partition: load its groups from the log,
    /// committed offsets and each group's last stored generation.
    pub(crate) fn load_groups(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.coordinator.is_offsets_topic(tp.topic) {
            return;
        }
        let now = ctx.now;
        let mut loaded: BTreeMap<GroupId, Group> = BTreeMap::new();
        let replica = &self.replicas[&tp];
        for batch in replica.log.batches() {
            // A marker settles the transactional offsets its producer left pending.
            if let (Some(control), Some(stamp)) = (batch.control, batch.producer) {
                for g in loaded.values_mut() {
                    if let Some(pending) = g.pending_txn_offsets.remove(&stamp.producer)
                        && control == ControlType::Commit
                    {
                        g.offsets.extend(pending);
                    }
                }
                continue;
            }
            let Some(records) = &batch.group_records else {
                continue;
            };
            let txn_producer = batch
                .producer
                .filter(|_| batch.transactional)
                .map(|s| s.producer);
            for record in records.iter() {
                match record {
                    GroupRecord::OffsetCommit {
                        group,
                        partition,
                        offset,
                    } => {
                        let g = loaded.entry(*group).or_insert_with(new_group);
                        match txn_producer {
                            Some(producer) => {
                                g.pending_txn_offsets
                                    .entry(producer)
                                    .or_default()
                                    .insert(*partition, *offset);
                            }
                            None => {
                                g.offsets.insert(*partition, *offset);
                            }
                        }
                    }
                    GroupRecord::GroupMetadata {
                        group,
                        generation,
                        protocol,
                        leader,
                        members,
                    } => {
                        let g = loaded.entry(*group).or_insert_with(new_group);
                        g.generation = *generation;
                        g.protocol = *protocol;
                        g.leader = leader.clone();
                        g.state = if members.is_empty() {
                            GroupState::Empty
                        } else {
                            GroupState::Stable
                        };
                        g.members = members
                            .iter()
                            .map(|m| {
                                (
                                    m.member_id.clone(),
                                    Member {
                                        stored: m.clone(),
                                        owned: m.assignment.clone(),
                                        owned_generation: *generation,
                                        client: NodeId::Controller,
                                        awaiting_join: None,
                                        awaiting_sync: None,
                                        held_since: SimTime::ZERO,
                                        // Kafka gives every loaded member a fresh session.
                                        deadline: now + m.session_timeout,
                                        is_new: false,
                                    },
                                )
                            })
                            .collect();
                    }
                    GroupRecord::Transaction(_) => {}
                }
            }
        }
        let groups: Vec<GroupId> = loaded.keys().copied().collect();
        for (id, g) in loaded {
            let name = self.coordinator.name(id).to_string();
            ctx.trace(TraceEvent::GroupLoaded {
                group: name,
                generation: g.generation,
                members: g.members.len() as u32,
                offsets: g.offsets.len() as u32,
            });
            self.coordinator.groups.insert(id, g);
        }
        for group in groups {
            self.schedule_group_timer(ctx, group);
        }
    }

    /// No longer the leader of a `__consumer_offsets` partition: its groups go to the new
    /// coordinator; waiting members hear NOT_COORDINATOR and look it up.
    pub(crate) fn unload_groups(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.coordinator.is_offsets_topic(tp.topic) {
            return;
        }
        let mine: Vec<GroupId> = self
            .coordinator
            .groups
            .keys()
            .copied()
            .filter(|g| self.coordinator.partition_of(*g) == Some(tp))
            .collect();
        for group in mine {
            let g = self
                .coordinator
                .groups
                .remove(&group)
                .expect("listed above");
            for m in g.members.values() {
                let waiting = [
                    m.awaiting_join
                        .map(|c| (c, GroupResponse::Join(Err(KafkaError::NotCoordinator)))),
                    m.awaiting_sync
                        .map(|c| (c, GroupResponse::Sync(Err(KafkaError::NotCoordinator)))),
                ];
                for (c, response) in waiting.into_iter().flatten() {
                    ctx.send(
                        m.client,
                        Message::GroupResponse {
                            correlation: c,
                            group,
                            response,
                        },
                    );
                }
            }
        }
        // With the groups gone, writes still waiting fail their commits with NOT_COORDINATOR
        // and start no rebalance here.
        self.complete_group_writes(ctx, tp);
    }
}

/// `appendGroupMetadataErrorToResponseError` and `handleOperationException`: a failed write to
/// `__consumer_offsets` reaches JoinGroup, SyncGroup and OffsetCommit as
/// COORDINATOR_NOT_AVAILABLE (too few replicas, a timeout) or NOT_COORDINATOR (leadership lost).
pub(super) fn group_write_error(error: KafkaError) -> KafkaError {
    match error {
        KafkaError::NotCoordinator | KafkaError::NotLeaderOrFollower => KafkaError::NotCoordinator,
        _ => KafkaError::CoordinatorNotAvailable,
    }
}
