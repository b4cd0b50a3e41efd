//! The follower's replica fetcher: fetching from each leader, appending what it returns,
//! and truncating to the leader's log where the epochs diverge (R4.3, R5.1-R5.4), by the
//! rule of the cluster's `kafka_version`.

use super::*;

impl Broker {
    pub(super) fn fetch_from_all(&mut self, ctx: &mut Ctx) {
        let leaders: Vec<BrokerId> = self
            .replicas
            .values()
            .filter(|r| r.leading.is_none())
            .filter_map(|r| r.leader)
            .filter(|&l| l != self.id)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for leader in leaders {
            self.maybe_fetch(ctx, leader);
        }
    }

    /// One fetch request at a time per leader, for every partition followed from it.
    pub(super) fn maybe_fetch(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        if !self.alive {
            return;
        }
        let fetcher = self.fetchers.entry(leader).or_default();
        if fetcher.in_flight.is_some() || fetcher.backing_off {
            return;
        }
        let followed = |r: &&Replica| r.leading.is_none() && r.leader == Some(leader);
        let now = ctx.now;
        // Before 0.11 a follower had no leader epochs to send (R5.1).
        let epochs = self.config.behaviour.truncation != Truncation::HighWatermark;
        let partitions: Vec<FetchPartition> = self
            .replicas
            .iter()
            .filter(|(_, r)| followed(r) && r.fetch_retry_at <= now)
            .map(|(tp, r)| FetchPartition {
                partition: *tp,
                fetch_offset: r.log.log_end_offset(),
                last_fetched_epoch: r.log.latest_epoch().filter(|_| epochs),
                current_leader_epoch: r.leader_epoch,
            })
            .collect();
        if partitions.is_empty() {
            // Partitions that failed wait out `replica.fetch.backoff.ms` before the next try.
            let retry = self
                .replicas
                .values()
                .filter(followed)
                .map(|r| r.fetch_retry_at)
                .min();
            if let Some(at) = retry {
                self.fetchers
                    .get_mut(&leader)
                    .expect("inserted above")
                    .backing_off = true;
                ctx.timer_at(at, Timer::FetcherBackoff { leader });
            }
            return;
        }
        let correlation = self.next_id();
        self.fetchers
            .get_mut(&leader)
            .expect("inserted above")
            .in_flight = Some(correlation);
        ctx.timer_after(
            REPLICA_SOCKET_TIMEOUT,
            Timer::FetcherTimeout {
                leader,
                correlation,
            },
        );
        ctx.send(
            NodeId::Broker(leader),
            Message::Fetch(FetchRequest {
                correlation,
                replica: Some(self.id),
                broker_epoch: self.registered.then_some(self.incarnation),
                partitions,
                max_wait: SimTime::from_millis(self.config.replica_fetch_wait_max_ms),
                min_bytes: self.config.replica_fetch_min_bytes,
                max_bytes: self.config.replica_fetch_max_bytes,
                read_committed: false,
            }),
        );
    }

    pub(super) fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        leader: BrokerId,
        response: FetchResponse,
    ) {
        let fetcher = self.fetchers.entry(leader).or_default();
        if fetcher.in_flight != Some(response.correlation) {
            return;
        }
        fetcher.in_flight = None;
        let backoff = SimTime::from_millis(self.config.replica_fetch_backoff_ms);
        for part in response.partitions {
            let tp = part.partition;
            let flush_messages = self.topic_config(tp).flush_messages;
            let Some(replica) = self.replicas.get_mut(&tp) else {
                continue;
            };
            if replica.leading.is_some() || replica.leader != Some(leader) {
                continue;
            }
            if let Some(error) = part.error {
                match error {
                    KafkaError::OffsetOutOfRange
                        if replica.log.log_end_offset() > part.log_end_offset =>
                    {
                        let end = part.log_end_offset;
                        let why = why!(
                            "ahead of leader {leader}'s log end {end}" ;
                            "리더 {leader}의 로그 끝 {end}보다 앞서 있음"
                        );
                        self.truncate(ctx, tp, part.log_end_offset, why);
                    }
                    KafkaError::OffsetOutOfRange
                        if replica.log.log_end_offset() < part.log_start_offset =>
                    {
                        // Everything it would fetch next is deleted on the leader: start over
                        // at the leader's log start (Kafka's truncateFullyAndStartAt).
                        let start = part.log_start_offset;
                        let why = why!(
                            "leader {leader}'s log starts at {start}, past this log's end: truncate fully and start at {start}" ;
                            "리더 {leader}의 로그는 이 로그의 끝보다 뒤인 {start}에서 시작함: 모두 잘라내고 {start}에서 시작"
                        );
                        self.truncate(ctx, tp, start, why);
                    }
                    // The leader moved, or has not yet heard it leads: try again after
                    // the backoff, or sooner if new metadata arrives.
                    _ => replica.fetch_retry_at = ctx.now + backoff,
                }
                continue;
            }
            if let Some((epoch, end)) = part.diverging_epoch
                && self.config.behaviour.truncation == Truncation::EpochEndOffset
            {
                // R5.4 (KIP-101 alone): the leader said where our latest epoch ends in its
                // log; everything from there goes, whatever epoch it was written in.
                let leo = replica.log.log_end_offset();
                let version = self.config.behaviour.version;
                let why = why!(
                    "leader {leader} says epoch {epoch} ends at offset {end} (KIP-101, kafka_version {version})" ;
                    "리더 {leader}에 따르면 에포크 {epoch}은(는) 오프셋 {end}에서 끝남 (KIP-101, kafka_version {version})"
                );
                self.truncate(ctx, tp, end.min(leo), why);
                continue;
            }
            if let Some((epoch, end)) = part.diverging_epoch {
                // R5.3 (KIP-279): truncate to where our logs agree, by leader epoch.
                let leo = replica.log.log_end_offset();
                let (target, ours) = match replica.log.end_offset_for_epoch(epoch) {
                    Some((ours, our_end)) if ours == epoch => (end.min(our_end), our_end),
                    Some((_, our_end)) => (our_end, our_end),
                    None => (end, leo),
                };
                let target = target.min(leo);
                let why = why!(
                    "diverged from leader {leader}: epoch {epoch} ends at offset {end} there, at {ours} here (KIP-279)" ;
                    "리더 {leader}와 갈라짐: 에포크 {epoch}이(가) 리더에서는 오프셋 {end}, 여기서는 {ours}에서 끝남 (KIP-279)"
                );
                self.truncate(ctx, tp, target, why);
                continue;
            }
            let mut first = None;
            let mut count = 0;
            for batch in &part.batches {
                let leo = replica.log.log_end_offset();
                if batch.end_offset() <= leo {
                    continue;
                }
                if batch.base_offset != leo {
                    break;
                }
                first.get_or_insert(batch.base_offset);
                count += batch.records.len() as u32;
                replica.producers.apply(batch);
                let roll = replica.log.append(batch.clone());
                trace_roll(ctx, tp, roll);
            }
            let leo = replica.log.log_end_offset();
            if let Some(base) = first {
                ctx.trace(TraceEvent::Replicate {
                    partition: tp,
                    leader,
                    base,
                    count,
                    leo,
                });
                maybe_flush(ctx, tp, &mut replica.log, flush_messages);
            }
            let hw = part.high_watermark.min(leo);
            let old = replica.log.high_watermark;
            if hw != old {
                replica.log.high_watermark = hw;
                let why = HighWatermarkCause::FromLeader { leader };
                ctx.trace(TraceEvent::HighWatermark {
                    partition: tp,
                    from: old,
                    to: hw,
                    why,
                });
            }
            // The follower's log start follows the leader's; the segments below it go at
            // the next retention check.
            replica.log.advance_log_start(part.log_start_offset);
        }
        self.maybe_fetch(ctx, leader);
    }

    pub(super) fn truncate(&mut self, ctx: &mut Ctx, tp: TopicPartition, to: Offset, why: Why) {
        let replica = self.replicas.get_mut(&tp).expect("caller checked");
        let from = replica.log.log_end_offset();
        let removed = if to > from {
            replica.log.truncate_fully_and_start_at(to)
        } else {
            replica.log.truncate_to(to)
        };
        if to == from {
            return;
        }
        replica.rebuild_producer_state();
        ctx.trace(TraceEvent::Truncate {
            partition: tp,
            from,
            to,
            why: why.clone(),
        });
        ctx.note(Note::Truncated {
            broker: self.id,
            partition: tp,
            removed,
            why,
        });
    }
}
