//! Produce requests on the leader: `acks` and `min.insync.replicas` checked before the
//! append, the idempotent producer's sequence checks, and the answer delayed until the ISR
//! has the records (acks=all) or sent at once (R3.1-R3.6).

use super::*;

impl Broker {
    pub(super) fn on_produce(&mut self, ctx: &mut Ctx, from: NodeId, request: ProduceRequest) {
        let mut done = Vec::new();
        let mut waiting = Vec::new();
        for batch in &request.batches {
            match self.append_as_leader(ctx, batch, request.acks) {
                Err(error) => done.push((batch.partition, Err(error))),
                Ok((base, end)) if request.acks == Acks::All => {
                    waiting.push((batch.partition, base, end))
                }
                Ok((base, _)) => done.push((batch.partition, Ok(base))),
            }
        }
        if request.acks == Acks::Zero {
            return;
        }
        let delayed = DelayedProduce {
            from,
            correlation: request.correlation,
            markers: false,
            done,
            waiting,
            since: ctx.now,
            expires: ctx.now + request.timeout,
        };
        if delayed.waiting.is_empty() {
            self.respond_produce(ctx, delayed);
        } else {
            self.delayed.push(delayed);
            self.complete_delayed_produces(ctx, None);
            self.schedule_delayed_expiry(ctx);
        }
    }

    /// One timer for the purgatory, at the earliest expiry, rather than one per request.
    pub(super) fn schedule_delayed_expiry(&mut self, ctx: &mut Ctx) {
        let Some(next) = self.delayed.iter().map(|d| d.expires).min() else {
            return;
        };
        if self.delayed_timer.is_none_or(|t| next < t) {
            self.delayed_timer = Some(next);
            ctx.timer_at(next, Timer::DelayedProduceExpiry);
        }
    }

    /// Kafka's `appendRecordsToLeader` (R3.3): acks=all is refused before the append when the
    /// ISR is smaller than `min.insync.replicas`; an idempotent producer's duplicate returns
    /// the original offsets and a gap in its sequence is refused. Returns the base offset and
    /// the offset one past the batch.
    pub(super) fn append_as_leader(
        &mut self,
        ctx: &mut Ctx,
        batch: &ProduceBatch,
        acks: Acks,
    ) -> Result<(Offset, Offset), KafkaError> {
        let tp = batch.partition;
        let min_isr = self.effective_min_isr(tp);
        let max_bytes = self.topic_config(tp).max_message_bytes;
        let flush_messages = self.topic_config(tp).flush_messages;
        let Some(replica) = self.replicas.get_mut(&tp).filter(|r| r.leading.is_some()) else {
            let id = self.id;
            let why = why!("{id} does not lead it" ; "{id}은(는) 이 파티션의 리더가 아님");
            ctx.trace(TraceEvent::ProduceRejected {
                partition: tp,
                error: "NOT_LEADER_OR_FOLLOWER".into(),
                why,
            });
            return Err(KafkaError::NotLeaderOrFollower);
        };
        if acks == Acks::All && replica.isr.len() < min_isr {
            let why = why!(
                "isr {} has {} member{}, min.insync.replicas={min_isr}; nothing appended",
                brokers(&replica.isr),
                replica.isr.len(),
                if replica.isr.len() == 1 { "" } else { "s" } ;
                "isr {}의 멤버는 {}개, min.insync.replicas={min_isr}; 아무것도 추가하지 않음",
                brokers(&replica.isr),
                replica.isr.len()
            );
            ctx.trace(TraceEvent::ProduceRejected {
                partition: tp,
                error: "NOT_ENOUGH_REPLICAS".into(),
                why,
            });
            return Err(KafkaError::NotEnoughReplicas);
        }
        if batch.bytes as u64 > max_bytes {
            let why = why!(
                "{} bytes > max.message.bytes={max_bytes}", batch.bytes ;
                "{}바이트 > max.message.bytes={max_bytes}", batch.bytes
            );
            ctx.trace(TraceEvent::ProduceRejected {
                partition: tp,
                error: "MESSAGE_TOO_LARGE".into(),
                why,
            });
            return Err(KafkaError::MessageTooLarge);
        }
        if batch.null_key
            && self.topic_configs[tp.topic.0 as usize]
                .cleanup_policy
                .compact
        {
            // Kafka's LogValidator: a compacted topic keeps records by key, so a record
            // without one has nothing to be kept by.
            let why = why!(
                "a record has a null key: \"Compacted topic cannot accept message without key\" (cleanup.policy=compact)" ;
                "키가 null인 레코드: 컴팩션되는 토픽은 키 없는 메시지를 받지 않음 (cleanup.policy=compact)"
            );
            ctx.trace(TraceEvent::ProduceRejected {
                partition: tp,
                error: "INVALID_RECORD".into(),
                why,
            });
            return Err(KafkaError::InvalidRecord);
        }
        let count = batch.records.len() as u32;
        if let Some(stamp) = batch.producer {
            match replica.producers.check(stamp, count) {
                Verdict::Append => {}
                Verdict::Duplicate { base, count } => {
                    ctx.trace(TraceEvent::Duplicate {
                        partition: tp,
                        base,
                        count,
                    });
                    return Ok((base, Offset(base.0 + count as u64)));
                }
                Verdict::Reject { error, why } => {
                    ctx.trace(TraceEvent::ProduceRejected {
                        partition: tp,
                        error: error.name().into(),
                        why,
                    });
                    return Err(error);
                }
            }
        }
        let base = replica.log.log_end_offset();
        let stored = StoredBatch {
            transactional: batch.transactional,
            ..StoredBatch::new(
                base,
                replica.leader_epoch,
                batch.records.clone(),
                batch.bytes,
                batch.producer,
                ctx.now,
            )
        };
        replica.producers.apply(&stored);
        let roll = replica.log.append(Arc::new(stored));
        trace_roll(ctx, tp, roll);
        let leo = replica.log.log_end_offset();
        ctx.trace(TraceEvent::Append {
            partition: tp,
            base,
            count,
            epoch: replica.leader_epoch,
            leo,
        });
        maybe_flush(ctx, tp, &mut replica.log, flush_messages);
        self.complete_parked_fetches(ctx, tp);
        self.maybe_increment_high_watermark(ctx, tp);
        Ok((base, leo))
    }

    /// Kafka's `checkEnoughReplicasReachOffset`: an acks=all write completes once the high
    /// watermark passes it, as a success if the ISR still has `min.insync.replicas` members,
    /// else NOT_ENOUGH_REPLICAS_AFTER_APPEND (the records stay in the log).
    pub(super) fn complete_delayed_produces(
        &mut self,
        ctx: &mut Ctx,
        only: Option<TopicPartition>,
    ) {
        if self.delayed.is_empty() {
            return;
        }
        let mut delayed = std::mem::take(&mut self.delayed);
        let mut finished = Vec::new();
        delayed.retain_mut(|request| {
            request.waiting.retain(|&(tp, base, end)| {
                if only.is_some_and(|o| o != tp) {
                    return true;
                }
                match self.produce_outcome(ctx, tp, base, end) {
                    Some(result) => {
                        request.done.push((tp, result));
                        false
                    }
                    None => true,
                }
            });
            if request.waiting.is_empty() {
                finished.push(std::mem::replace(
                    request,
                    DelayedProduce {
                        from: request.from,
                        correlation: request.correlation,
                        markers: request.markers,
                        done: Vec::new(),
                        waiting: Vec::new(),
                        since: request.since,
                        expires: request.expires,
                    },
                ));
                false
            } else {
                true
            }
        });
        self.delayed = delayed;
        // Answer in the order the requests came, as a connection delivers responses in order.
        for request in finished {
            self.respond_produce(ctx, request);
        }
    }

    /// Where an acks=all write for offsets `base..end` of `tp` stands: `None` while the high
    /// watermark has not reached its end.
    pub(super) fn produce_outcome(
        &self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        base: Offset,
        end: Offset,
    ) -> Option<Result<Offset, KafkaError>> {
        let Some(replica) = self.replicas.get(&tp).filter(|r| r.leading.is_some()) else {
            return Some(Err(KafkaError::NotLeaderOrFollower));
        };
        if replica.log.high_watermark < end {
            return None;
        }
        let min_isr = self.effective_min_isr(tp);
        let isr = replica.maximal_isr();
        if isr.len() >= min_isr {
            return Some(Ok(base));
        }
        let why = why!(
            "offsets {base}..{} were appended and replicated, but isr {} is below min.insync.replicas={min_isr}",
            end.0 - 1,
            brokers(isr) ;
            "오프셋 {base}..{}은(는) 추가되고 복제되었지만 isr {}이(가) min.insync.replicas={min_isr}보다 작음",
            end.0 - 1,
            brokers(isr)
        );
        ctx.trace(TraceEvent::ProduceRejected {
            partition: tp,
            error: "NOT_ENOUGH_REPLICAS_AFTER_APPEND".into(),
            why,
        });
        Some(Err(KafkaError::NotEnoughReplicasAfterAppend))
    }

    /// WriteTxnMarkers waits like an acks=all produce: answered once the markers are
    /// replicated, or failed when the leadership goes or the request times out.
    pub(crate) fn delay_marker_response(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        done: Vec<(TopicPartition, Result<Offset, KafkaError>)>,
        waiting: Vec<(TopicPartition, Offset, Offset)>,
    ) {
        let delayed = DelayedProduce {
            from,
            correlation,
            markers: true,
            done,
            waiting,
            since: ctx.now,
            expires: ctx.now + SimTime::from_millis(30_000),
        };
        if delayed.waiting.is_empty() {
            self.respond_produce(ctx, delayed);
        } else {
            self.delayed.push(delayed);
            self.complete_delayed_produces(ctx, None);
            self.schedule_delayed_expiry(ctx);
        }
    }

    pub(super) fn respond_produce(&mut self, ctx: &mut Ctx, delayed: DelayedProduce) {
        if delayed.markers {
            ctx.send(
                delayed.from,
                Message::WriteTxnMarkersResponse {
                    correlation: delayed.correlation,
                    results: delayed
                        .done
                        .into_iter()
                        .map(|(tp, r)| (tp, r.map(|_| ())))
                        .collect(),
                },
            );
            return;
        }
        ctx.send(
            delayed.from,
            Message::ProduceResponse(ProduceResponse {
                correlation: delayed.correlation,
                partitions: delayed.done,
            }),
        );
    }
}
