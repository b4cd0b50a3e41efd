//! The Sender: ready batches drained into produce requests per leader, within
//! `max.in.flight.requests.per.connection` and `max.request.size`; responses, retries and
//! their backoff, `delivery.timeout.ms` and `request.timeout.ms`, and idempotent ordering
//! (R3.4-R3.6, R7).

use super::*;

impl Producer {
    /// The connection to a broker could not be made: nothing was sent. As Kafka's
    /// NetworkClient does, the batches wait in the accumulator (no attempt counted, no error)
    /// while the client backs off (`reconnect.backoff.ms`, doubling up to
    /// `reconnect.backoff.max.ms`) and asks for fresh metadata.
    pub(super) fn on_refused(&mut self, ctx: &mut Ctx, broker: BrokerId, refused: Message) {
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

    /// Per partition of `topic`, whether the metadata names a leader for it.
    pub(super) fn leaders_known(&self, topic: TopicId, partition_count: u32) -> Vec<bool> {
        let known = self.has_leader.get(&topic).map_or(&[][..], Vec::as_slice);
        (0..partition_count as usize)
            .map(|p| known.get(p).copied().unwrap_or(false))
            .collect()
    }

    /// `request.timeout.ms`: the client gives up on a request and closes the connection, so
    /// every request in flight to that broker fails with REQUEST_TIMED_OUT (retriable).
    pub(super) fn expire_requests(&mut self, ctx: &mut Ctx) {
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
    pub(super) fn expire_batches(&mut self, ctx: &mut Ctx) {
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
    pub(super) fn is_sendable(&self, batch: &Batch, queue_len: usize, now: SimTime) -> bool {
        if batch.attempts > 0 {
            return now >= batch.retry_at;
        }
        queue_len > 1
            || batch.is_full(self.config.batch_size)
            || now >= batch.created + SimTime::from_millis(self.config.linger_ms)
            || self.blocked_since.is_some()
            || self.closing
    }

    pub(super) fn in_flight_to(&self, broker: BrokerId) -> u32 {
        self.in_flight
            .values()
            .filter(|r| r.broker == broker)
            .count() as u32
    }

    /// The sender (R6.3, Kafka's `Sender.sendProducerData`): a leader is ready when one of its
    /// partitions has a sendable batch and the connection has room for another request; a
    /// ready leader gets one request with the first batch of every partition it leads (ready
    /// or not: the others ride along), up to `max.request.size`.
    pub(super) fn drain(&mut self, ctx: &mut Ctx) {
        let Some(metadata) = self.metadata.clone() else {
            return;
        };
        loop {
            let mut ready: BTreeSet<BrokerId> = BTreeSet::new();
            for (tp, queue) in &self.queues {
                let Some(batch) = queue.front() else { continue };
                if self.muted.contains(tp)
                    || !self.may_send_to(*tp)
                    || !self.is_sendable(batch, queue.len(), ctx.now)
                {
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
    pub(super) fn drain_for_leader(
        &mut self,
        leader: BrokerId,
        metadata: &MetadataImage,
        now: SimTime,
    ) -> Vec<Batch> {
        // A producer's metadata covers the topics it writes, never Kafka's internal topics.
        let led: Vec<TopicPartition> = metadata
            .partitions()
            .filter(|(tp, s)| {
                s.leader == Some(leader)
                    && !crate::scenario::is_internal_topic(
                        &metadata.topics[tp.topic.0 as usize].name,
                    )
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
            if self.muted.contains(&tp) || !self.may_send_to(tp) {
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

    pub(super) fn send_request(&mut self, ctx: &mut Ctx, leader: BrokerId, drained: Vec<Batch>) {
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
                    transactional: self.txn.is_some(),
                    records: b.seal(),
                    bytes: b.wire_bytes(codec),
                    producer: b.sequence.map(|(epoch, sequence)| ProducerStamp {
                        producer: self.producer_id(),
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

    pub(super) fn on_produce_response(&mut self, ctx: &mut Ctx, response: ProduceResponse) {
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
    pub(super) fn fail_connection(&mut self, ctx: &mut Ctx, broker: BrokerId, error: KafkaError) {
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
    pub(super) fn retry_or_fail(&mut self, ctx: &mut Ctx, mut batch: Batch, error: KafkaError) {
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
        if error == KafkaError::OutOfOrderSequenceNumber
            && self.txn.is_none()
            && self.is_first_unacknowledged(&batch)
        {
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
    pub(super) fn is_first_unacknowledged(&self, batch: &Batch) -> bool {
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

    pub(super) fn finish_batch(
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
                self.settle_batch(&records, Ok(base));
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
                self.settle_batch(&records, Err(error));
                if self.txn.is_some() {
                    self.on_txn_batch_failed(ctx, error);
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

    pub(super) fn maybe_request_metadata(&mut self, ctx: &mut Ctx) {
        let stale = ctx.now
            >= self.metadata_fetched_at + SimTime::from_millis(self.config.metadata_max_age_ms);
        if self.metadata_wanted || stale || self.metadata.is_none() {
            let timeout = SimTime::from_millis(self.config.request_timeout_ms);
            self.metadata_fetch.request(ctx, timeout);
        }
    }
}
