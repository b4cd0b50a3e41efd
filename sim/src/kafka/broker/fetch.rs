//! Fetch requests on the leader: what a follower or a consumer may read (a follower up to
//! the log end, a consumer below the high watermark, R1.6), diverging epochs, and fetches
//! parked until `fetch.min.bytes` are readable or `fetch.max.wait.ms` passes.

use super::*;

impl Broker {
    pub(super) fn on_fetch(&mut self, ctx: &mut Ctx, from: NodeId, request: FetchRequest) {
        if let Some(follower) = request.replica {
            for fetch in &request.partitions {
                self.record_follower_fetch(ctx, follower, request.broker_epoch, fetch);
            }
        }
        let response = self.read_fetch(&request);
        if answers_now(&response, request.min_bytes) || request.max_wait == SimTime::ZERO {
            ctx.send(from, Message::FetchResponse(response));
        } else {
            // Long poll: hold the request until `min_bytes` are readable or `max_wait` passes.
            let id = self.next_id();
            ctx.timer_after(request.max_wait, Timer::ParkedFetchExpiry(id));
            self.parked.push(ParkedFetch {
                id,
                from,
                since: ctx.now,
                expires: ctx.now + request.max_wait,
                request,
            });
        }
    }

    /// The leader learns from a follower's fetch offset how far its log goes (R1.1, R2.2),
    /// then checks the ISR and the high watermark.
    pub(super) fn record_follower_fetch(
        &mut self,
        ctx: &mut Ctx,
        follower: BrokerId,
        broker_epoch: Option<u32>,
        fetch: &FetchPartition,
    ) {
        let tp = fetch.partition;
        let Some(replica) = self.replicas.get_mut(&tp) else {
            return;
        };
        if fetch.current_leader_epoch != replica.leader_epoch
            || diverging(&replica.log, fetch, self.config.behaviour.truncation).is_some()
        {
            return;
        }
        let leo = replica.log.log_end_offset();
        // Most fetches change nothing: the follower is in the ISR and the high watermark is
        // already at the log end.
        let in_isr = replica.maximal_isr().contains(&follower);
        let hw_can_move = replica.log.high_watermark < leo;
        let Some(state) = replica
            .leading
            .as_mut()
            .and_then(|l| l.followers.get_mut(&follower))
        else {
            return;
        };
        if fetch.fetch_offset > leo {
            return;
        }
        if fetch.fetch_offset >= leo {
            state.last_caught_up = state.last_caught_up.max(Some(ctx.now));
        } else if fetch.fetch_offset >= state.last_fetch_leader_leo {
            state.last_caught_up = state.last_caught_up.max(state.last_fetch_time);
        }
        state.last_fetch_leader_leo = leo;
        state.last_fetch_time = Some(ctx.now);
        state.leo = Some(fetch.fetch_offset);
        state.broker_epoch =
            Some(broker_epoch.map_or(FetchedEpoch::Unregistered, FetchedEpoch::Epoch));
        if !in_isr {
            self.maybe_expand_isr(ctx, tp, follower);
        }
        if hw_can_move || !in_isr {
            self.maybe_increment_high_watermark(ctx, tp);
        }
    }

    /// What a fetch gets right now: a follower reads up to the log end, a consumer only below
    /// the high watermark (R1.6).
    pub(super) fn read_fetch(&self, request: &FetchRequest) -> FetchResponse {
        let partitions = request
            .partitions
            .iter()
            .map(|fetch| {
                let tp = fetch.partition;
                let mut response = FetchPartitionResponse {
                    partition: tp,
                    error: None,
                    high_watermark: Offset(0),
                    log_start_offset: Offset(0),
                    log_end_offset: Offset(0),
                    batches: Vec::new(),
                    diverging_epoch: None,
                    last_stable_offset: Offset(0),
                    aborted: Vec::new(),
                };
                let Some(replica) = self.replicas.get(&tp).filter(|r| r.leading.is_some()) else {
                    response.error = Some(KafkaError::NotLeaderOrFollower);
                    return response;
                };
                let log = &replica.log;
                response.high_watermark = log.high_watermark;
                response.log_start_offset = log.log_start_offset();
                response.log_end_offset = log.log_end_offset();
                let lso = replica.producers.last_stable_offset(log.high_watermark);
                response.last_stable_offset = lso;
                if fetch.current_leader_epoch < replica.leader_epoch {
                    response.error = Some(KafkaError::FencedLeaderEpoch);
                } else if fetch.current_leader_epoch > replica.leader_epoch {
                    response.error = Some(KafkaError::UnknownLeaderEpoch);
                } else if request.replica.is_some()
                    && let Some(diverging) = diverging(log, fetch, self.config.behaviour.truncation)
                {
                    response.diverging_epoch = Some(diverging);
                } else if fetch.fetch_offset > log.log_end_offset()
                    || fetch.fetch_offset < log.log_start_offset()
                {
                    response.error = Some(KafkaError::OffsetOutOfRange);
                } else {
                    // R1.6: a follower reads to the log end, a read_uncommitted consumer below
                    // the high watermark, a read_committed one below the last stable offset,
                    // told which transactions in that range were aborted.
                    let limit = if request.replica.is_some() {
                        log.log_end_offset()
                    } else if request.read_committed {
                        lso
                    } else {
                        log.high_watermark
                    };
                    response.batches = log.read(fetch.fetch_offset, request.max_bytes, limit);
                    if request.read_committed {
                        response.aborted =
                            replica.producers.aborted_between(fetch.fetch_offset, limit);
                    }
                }
                response
            })
            .collect();
        FetchResponse {
            correlation: request.correlation,
            partitions,
        }
    }

    pub(super) fn answer_fetch(&mut self, ctx: &mut Ctx, to: NodeId, request: &FetchRequest) {
        let response = self.read_fetch(request);
        ctx.send(to, Message::FetchResponse(response));
    }

    /// Completes held fetches that asked for `tp` and now have enough to read (Kafka's
    /// `DelayedFetch.tryComplete`): anything at all under the default `fetch.min.bytes` of 1,
    /// else `min_bytes` over all their partitions; or an error, such as a lost leadership.
    pub(super) fn complete_parked_fetches(&mut self, ctx: &mut Ctx, tp: TopicPartition) {
        let mut i = 0;
        while i < self.parked.len() {
            let parked = &self.parked[i];
            let asks = parked.request.partitions.iter().any(|f| f.partition == tp);
            if asks && parked.request.min_bytes > 1 {
                if answers_now(&self.read_fetch(&parked.request), parked.request.min_bytes) {
                    let parked = self.parked.remove(i);
                    self.answer_fetch(ctx, parked.from, &parked.request);
                } else {
                    i += 1;
                }
                continue;
            }
            let ready = parked.request.partitions.iter().any(|fetch| {
                fetch.partition == tp
                    && match self.replicas.get(&tp).filter(|r| r.leading.is_some()) {
                        None => true,
                        Some(r) if parked.request.replica.is_some() => {
                            r.log.log_end_offset() > fetch.fetch_offset
                        }
                        Some(r) if parked.request.read_committed => {
                            r.producers.last_stable_offset(r.log.high_watermark)
                                > fetch.fetch_offset
                        }
                        Some(r) => r.log.high_watermark > fetch.fetch_offset,
                    }
            });
            if ready {
                let parked = self.parked.remove(i);
                self.answer_fetch(ctx, parked.from, &parked.request);
            } else {
                i += 1;
            }
        }
    }
}

/// Whether a fetch is answered at once rather than held (Kafka's `ReplicaManager.fetchMessages`):
/// an error or a diverging epoch in any partition, or at least `min_bytes` readable over all
/// of them. A `fetch.min.bytes` of 0 is answered at once even when empty.
fn answers_now(response: &FetchResponse, min_bytes: u64) -> bool {
    let mut readable = 0u64;
    for p in &response.partitions {
        if p.error.is_some() || p.diverging_epoch.is_some() {
            return true;
        }
        readable += p.batches.iter().map(|b| b.bytes as u64).sum::<u64>();
    }
    readable >= min_bytes
}
