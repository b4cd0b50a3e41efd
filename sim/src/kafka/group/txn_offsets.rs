//! Transactional offset commits (KIP-98, KIP-447): `sendOffsetsToTransaction` reaches the
//! group coordinator as TxnOffsetCommit; the offsets are written to `__consumer_offsets` in
//! the producer's transaction and held pending per producer id until the transaction's
//! marker reaches the partition, which makes them the group's offsets (commit) or drops them
//! (abort).

use super::*;
use crate::engine::ids::TransactionalId;
use crate::kafka::log::ControlType;
use crate::kafka::message::ProducerStamp;

impl Broker {
    /// TxnOffsetCommit, validated as `OffsetMetadataManager.validateTransactionalOffsetCommit`
    /// and `ClassicGroup.validateOffsetCommit(isTransactional = true)` do: an unknown group
    /// is created for a producer outside group management (generation -1) and is
    /// ILLEGAL_GENERATION otherwise; a member must be known (UNKNOWN_MEMBER_ID, or
    /// FENCED_INSTANCE_ID for a replaced static member) and of the current generation
    /// (ILLEGAL_GENERATION, KIP-447's zombie fencing by generation). Unlike OffsetCommit,
    /// a transactional commit is accepted between JoinGroup and SyncGroup.
    pub(super) fn on_txn_offset_commit(
        &mut self,
        ctx: &mut Ctx,
        (from, correlation): (NodeId, u64),
        group: GroupId,
        (_txn, producer, epoch): (TransactionalId, ProducerIdx, u32),
        (member_id, instance_id, generation): (&str, Option<&str>, i32),
        offsets: Vec<(TopicPartition, Offset)>,
    ) {
        let respond = |ctx: &mut Ctx, result| {
            ctx.send(
                from,
                Message::GroupResponse {
                    correlation,
                    group,
                    response: GroupResponse::TxnOffsetCommit(result),
                },
            )
        };
        let check = match self.coordinator.groups.get(&group) {
            None if generation < 0 => Ok(()),
            None => Err(KafkaError::IllegalGeneration),
            Some(g) if generation < 0 && g.state == GroupState::Empty => Ok(()),
            Some(g) if generation >= 0 || !member_id.is_empty() || instance_id.is_some() => g
                .validate_member(member_id, instance_id)
                .and(if generation != g.generation {
                    Err(KafkaError::IllegalGeneration)
                } else {
                    Ok(())
                }),
            Some(_) => Ok(()),
        };
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
        let then = AfterWrite::TxnCommit {
            to: from,
            correlation,
            offsets,
            group,
            producer,
        };
        let stamp = ProducerStamp {
            producer,
            epoch,
            sequence: 0,
        };
        if let Err(error) = self.write_group_batch(ctx, group, records, then, Some(stamp)) {
            respond(
                ctx,
                Err(match error {
                    KafkaError::InvalidProducerEpoch => error,
                    other => super::offsets::group_write_error(other),
                }),
            );
        }
    }

    /// A replicated TxnOffsetCommit: its offsets wait, per producer id, for the marker.
    pub(super) fn hold_txn_offsets(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        producer: ProducerIdx,
        offsets: &[(TopicPartition, Offset)],
    ) {
        let name = self.coordinator.name(group).to_string();
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        g.pending_txn_offsets
            .entry(producer)
            .or_default()
            .extend(offsets.iter().copied());
        ctx.trace(TraceEvent::TxnOffsets {
            group: name,
            producer: producer.0,
            outcome: "pending".into(),
            offsets: offsets.to_vec(),
        });
    }

    /// A transaction marker written to a `__consumer_offsets` partition this broker leads
    /// (`GroupMetadataManager.handleTxnCompletion`; KIP-848's runtime replays the marker the
    /// same way): every group of the partition with offsets pending for the producer has them
    /// committed or dropped.
    pub(crate) fn complete_txn_offsets(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        producer: ProducerIdx,
        control: ControlType,
    ) {
        if !self.coordinator.is_offsets_topic(tp.topic) {
            return;
        }
        let groups: Vec<GroupId> = self
            .coordinator
            .groups
            .iter()
            .filter(|(id, g)| {
                g.pending_txn_offsets.contains_key(&producer)
                    && self.coordinator.partition_of(**id) == Some(tp)
            })
            .map(|(id, _)| *id)
            .collect();
        for group in groups {
            let name = self.coordinator.name(group).to_string();
            let g = self
                .coordinator
                .groups
                .get_mut(&group)
                .expect("listed above");
            let pending = g
                .pending_txn_offsets
                .remove(&producer)
                .expect("listed above");
            let commit = control == ControlType::Commit;
            if commit {
                g.offsets.extend(pending.iter().map(|(tp, o)| (*tp, *o)));
            }
            ctx.trace(TraceEvent::TxnOffsets {
                group: name,
                producer: producer.0,
                outcome: if commit { "committed" } else { "aborted" }.into(),
                offsets: pending.into_iter().collect(),
            });
        }
    }
}
