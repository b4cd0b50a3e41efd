//! The leader's side of replication: which followers are in sync (R2.3, R2.4), ISR changes
//! proposed to the controller (AlterPartition), and when the high watermark may advance
//! (R1.2, R1.3).

use super::*;

impl Broker {
    /// `min.insync.replicas`, capped at the replica count from Kafka 3.7
    /// (`Partition.effectiveMinIsr`, added with KAFKA-15583); before, a setting above the
    /// replica count made every acks=all write fail with NOT_ENOUGH_REPLICAS.
    pub(crate) fn effective_min_isr(&self, tp: TopicPartition) -> usize {
        let min_isr = self.topic_config(tp).min_insync_replicas as usize;
        if !self.config.behaviour.high_watermark_waits_for_min_isr {
            return min_isr;
        }
        let replicas = self.replicas.get(&tp).map_or(1, |r| r.replicas.len());
        min_isr.min(replicas)
    }

    /// Kafka's `isReplicaIsrEligible`: the controller has the broker unfenced, and the
    /// follower's last fetch came from the incarnation the controller registered (KIP-903),
    /// not from before a restart.
    pub(super) fn is_isr_eligible(&self, tp: TopicPartition, broker: BrokerId) -> bool {
        let Some(metadata) = &self.metadata else {
            return false;
        };
        let fetched_epoch = self.replicas[&tp]
            .leading
            .as_ref()
            .and_then(|l| l.followers.get(&broker))
            .and_then(|f| f.broker_epoch);
        let current = match fetched_epoch {
            Some(FetchedEpoch::Unregistered) => true,
            Some(FetchedEpoch::Epoch(epoch)) => epoch == metadata.broker_epoch(broker),
            None => false,
        };
        !metadata.is_fenced(broker) && current
    }

    /// Kafka's `maybeIncrementLeaderHW` (R1.2, R1.3): the high watermark rises to the lowest
    /// log end offset among the leader, the maximal ISR, and followers that are caught up and
    /// eligible to join; it never goes back, and from Kafka 3.7 (KAFKA-15583) it stays put
    /// while the ISR is smaller than `min.insync.replicas` (`kafka_version` 3.6 and older:
    /// it advances regardless).
    pub(super) fn maybe_increment_high_watermark(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
    ) -> bool {
        let min_isr = self.effective_min_isr(tp);
        let lag_max = self.lag_max();
        let me = self.id;
        let replica = &self.replicas[&tp];
        let Some(leading) = &replica.leading else {
            return false;
        };
        if replica.isr.len() < min_isr && self.config.behaviour.high_watermark_waits_for_min_isr {
            return false;
        }
        let leo = replica.log.log_end_offset();
        let maximal = replica.maximal_isr();
        let counts = |b: BrokerId, follower: &FollowerState| {
            maximal.contains(&b)
                || (follower.is_caught_up(leo, ctx.now, lag_max) && self.is_isr_eligible(tp, b))
        };
        let new_hw = leading
            .followers
            .iter()
            .filter(|(b, f)| counts(**b, f))
            .map(|(_, f)| f.leo.unwrap_or(Offset(0)))
            .fold(leo, Offset::min);
        let old = replica.log.high_watermark;
        if new_hw <= old {
            return false;
        }
        let mut counted: Vec<BrokerId> = std::iter::once(me)
            .chain(
                leading
                    .followers
                    .iter()
                    .filter(|(b, f)| counts(**b, f))
                    .map(|(b, _)| *b),
            )
            .collect();
        counted.sort();
        let why = if counted.len() == 1 {
            HighWatermarkCause::LeaderAlone {
                isr: maximal.to_vec(),
                leo,
            }
        } else {
            HighWatermarkCause::LowestLogEnd { among: counted }
        };
        self.replicas
            .get_mut(&tp)
            .expect("looked up above")
            .log
            .high_watermark = new_hw;
        ctx.trace(TraceEvent::HighWatermark {
            partition: tp,
            from: old,
            to: new_hw,
            why,
        });
        ctx.note(Note::HighWatermark {
            broker: me,
            partition: tp,
            from: old,
            to: new_hw,
        });
        self.complete_delayed_produces(ctx, Some(tp));
        self.complete_parked_fetches(ctx, tp);
        self.complete_group_writes(ctx, tp);
        self.complete_txn_writes(ctx, tp);
        true
    }

    /// After the leader appended to `tp` itself (a group coordinator's write): wake the
    /// waiting fetches and see whether the high watermark moves (a leader alone in its ISR).
    pub(crate) fn after_local_append(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        let flush_messages = self.topic_config(tp).flush_messages;
        if let Some(replica) = self.replicas.get_mut(&tp) {
            maybe_flush(ctx, tp, &mut replica.log, flush_messages);
        }
        self.complete_parked_fetches(ctx, tp);
        self.maybe_increment_high_watermark(ctx, tp);
    }

    /// R2.3: a follower in the ISR that is neither at the leader's log end nor caught up
    /// within `replica.lag.time.max.ms` is proposed for removal.
    pub(super) fn maybe_shrink_isr(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        let lag_max = self.lag_max();
        let me = self.id;
        let replica = &self.replicas[&tp];
        let Some(leading) = &replica.leading else {
            return;
        };
        if let Some(pending) = &leading.pending_isr {
            // No answer from the controller (it may be out of reach): forget the proposal so
            // that a new one can be made.
            if ctx.now - pending.sent_at <= REPLICA_SOCKET_TIMEOUT {
                return;
            }
        }
        let leo = replica.log.log_end_offset();
        let out: Vec<BrokerId> = replica
            .isr
            .iter()
            .filter(|&&b| b != me)
            .filter(|b| {
                leading
                    .followers
                    .get(b)
                    .is_some_and(|f| !f.is_caught_up(leo, ctx.now, lag_max))
            })
            .copied()
            .collect();
        if out.is_empty() {
            return;
        }
        let new_isr: Vec<BrokerId> = replica
            .isr
            .iter()
            .filter(|b| !out.contains(b))
            .copied()
            .collect();
        let laggards: Vec<(String, String)> = out
            .iter()
            .map(|b| match leading.followers[b].last_caught_up {
                Some(since) => {
                    let ago = (ctx.now - since).as_millis();
                    (
                        format!("{b} last caught up {ago}ms ago"),
                        format!("{b}은(는) {ago}ms 전에 마지막으로 따라잡음"),
                    )
                }
                None => (
                    format!("{b} has not caught up since this leader took over"),
                    format!("{b}은(는) 이 리더가 맡은 뒤 따라잡은 적 없음"),
                ),
            })
            .collect();
        let (en, ko): (Vec<String>, Vec<String>) = laggards.into_iter().unzip();
        let lag_max = lag_max.as_millis();
        let why = why!(
            "{}; replica.lag.time.max.ms={lag_max}", en.join(", ") ;
            "{}; replica.lag.time.max.ms={lag_max}", ko.join(", ")
        );
        self.propose_isr(ctx, tp, new_isr, false, why);
    }

    /// R2.4: a follower outside the ISR rejoins once it holds everything up to the high
    /// watermark and reached this leader's epoch, if the controller has it unfenced.
    pub(super) fn maybe_expand_isr(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        follower: BrokerId,
    ) {
        if !self.is_isr_eligible(tp, follower) {
            return;
        }
        let replica = &self.replicas[&tp];
        let Some(leading) = &replica.leading else {
            return;
        };
        if leading.pending_isr.is_some() || replica.maximal_isr().contains(&follower) {
            return;
        }
        let Some(leo) = leading.followers.get(&follower).and_then(|f| f.leo) else {
            return;
        };
        let hw = replica.log.high_watermark;
        if leo < hw || leo < leading.epoch_start {
            return;
        }
        let mut new_isr = replica.isr.clone();
        new_isr.push(follower);
        let why = why!(
            "{follower} caught up: leo {leo} ≥ hw {hw}" ;
            "{follower}이(가) 따라잡음: leo {leo} ≥ hw {hw}"
        );
        self.propose_isr(ctx, tp, new_isr, true, why);
    }

    pub(super) fn propose_isr(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        expand: bool,
        why: Why,
    ) {
        let replica = self.replicas.get_mut(&tp).expect("caller checked");
        let leading = replica.leading.as_mut().expect("caller checked");
        leading.pending_isr = Some(PendingIsr {
            isr: isr.clone(),
            expand,
            sent_at: ctx.now,
        });
        ctx.trace(TraceEvent::IsrProposed {
            partition: tp,
            from: replica.isr.clone(),
            to: isr.clone(),
            why,
        });
        ctx.send(
            NodeId::Controller,
            Message::AlterPartition {
                partition: tp,
                leader_epoch: replica.leader_epoch,
                partition_epoch: replica.partition_epoch,
                isr,
            },
        );
    }

    pub(super) fn on_alter_partition_response(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        result: Result<PartitionState, KafkaError>,
    ) {
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        let Some(leading) = replica.leading.as_mut() else {
            return;
        };
        leading.pending_isr = None;
        if let Ok(state) = result
            && state.leader_epoch == replica.leader_epoch
            && state.partition_epoch > replica.partition_epoch
        {
            replica.isr = state.isr;
            replica.partition_epoch = state.partition_epoch;
        }
        self.after_isr_change(ctx, tp);
    }

    /// A smaller ISR can raise the high watermark at once; either way, waiting acks=all
    /// requests look again.
    pub(super) fn after_isr_change(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        if !self.maybe_increment_high_watermark(ctx, tp) {
            self.complete_delayed_produces(ctx, Some(tp));
        }
    }
}
