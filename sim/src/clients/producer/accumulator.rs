//! The record accumulator: the application's `send()` calls, taken from the scenario's
//! `produce` steps in (due time, step) order, partitioned and appended to batches, blocked on
//! `buffer.memory` and `max.block.ms`, and the look-ahead that says when the next one is due
//! (R6.1-R6.3).

use super::*;

impl Producer {
    pub(super) fn take_due_records(&mut self, ctx: &mut Ctx) {
        let now = ctx.now;
        let max_block = SimTime::from_millis(self.config.max_block_ms);
        let mut schedules = std::mem::take(&mut self.schedules);
        let metadata = self.metadata.clone();
        // Schedules whose send() waits for their topic's metadata in this call: the others
        // go on, as if each schedule were an application thread of its own.
        let mut waiting = vec![false; schedules.len()];
        // Two schedules are like two application threads calling send(): records enter the
        // accumulator in the order they are due, ties in step order. Each turn takes a run of
        // the schedule whose next record comes first, up to the next record of another.
        loop {
            // The first record in (due, step) order, and the first of any other schedule.
            let mut first: Option<(SimTime, u32, usize)> = None;
            let mut second: Option<(SimTime, u32)> = None;
            for (k, s) in schedules.iter().enumerate() {
                if s.next >= s.spec.count || waiting[k] {
                    continue;
                }
                let candidate = (s.due(s.next), s.step, k);
                if first.is_none_or(|f| candidate < f) {
                    second = first.map(|(due, step, _)| (due, step)).or(second);
                    first = Some(candidate);
                } else if second.is_none_or(|o| (candidate.0, candidate.1) < o) {
                    second = Some((candidate.0, candidate.1));
                }
            }
            let Some((due, step, k)) = first else {
                break;
            };
            if due > now {
                break;
            }
            // The run ends before the other schedule's next record: with it when this step
            // comes first, just before it otherwise (then it is due later than `due`).
            let until = match second {
                Some((other, other_step)) if step < other_step => now.min(other),
                Some((other, _)) => now.min(other - SimTime(1)),
                None => now,
            };
            let schedule = &mut schedules[k];
            {
                let topic = schedule.spec.topic;
                if !self.metadata_fetch.topics.contains(&topic) {
                    // Kafka's producer asks for a topic's metadata once it sends to it.
                    self.metadata_fetch.topics.push(topic);
                }
                let known = metadata.as_ref().filter(|m| m.partition_count(topic) > 0);
                if let (Some(_), None) = (&metadata, known)
                    && self.missing_topics.insert(topic)
                {
                    // The topic does not exist (yet): send() waits for it, up to
                    // max.block.ms, asking for metadata again after each retry backoff.
                    self.errors.insert(KafkaError::UnknownTopicOrPartition);
                    ctx.trace(TraceEvent::TopicMissing {
                        topic,
                        error: "UNKNOWN_TOPIC_OR_PARTITION".into(),
                        why: why!(
                            "send() waits up to max.block.ms={} for it", self.config.max_block_ms ;
                            "send()가 max.block.ms={}까지 기다림", self.config.max_block_ms
                        ),
                    });
                }
                match known {
                    Some(metadata) => {
                        let sent = self.append_run(ctx, schedule, metadata, until);
                        if sent > 0 {
                            schedule.next += sent;
                            if let Some(since) = self.blocked_since.take() {
                                // Memory came back: the blocked send() returns now.
                                self.stats.blocked_time = self.stats.blocked_time + (now - since);
                                self.send_resumed_at = now;
                            }
                            continue;
                        }
                        // send() blocks for buffer memory (R6.2 buffer.memory): the calling
                        // thread waits, so no later record is sent either.
                        let since = match self.blocked_since {
                            Some(since) => since,
                            None => {
                                let since = due.max(self.send_resumed_at);
                                self.blocked_since = Some(since);
                                self.stats.blocked_sends += 1;
                                self.trace_first_block(ctx, since);
                                since
                            }
                        };
                        if now < since + max_block {
                            break;
                        }
                        self.fail_buffer_exhausted(ctx, schedule, since);
                        schedule.next += 1;
                    }
                    None if now >= due + max_block => {
                        // send() blocked for max.block.ms waiting for metadata, then threw
                        // ("Topic orders not present in metadata after 60000 ms.").
                        let mut record = SentRecord::new(schedule.step, schedule.next, None);
                        record.set_outcome(Outcome::Failed(KafkaError::TimeoutException));
                        if metadata.is_some() {
                            // The metadata came, without the topic.
                            ctx.trace(TraceEvent::SendFailed {
                                record: self.records.len() as u32,
                                error: format!(
                                    "TimeoutException: Topic {} not present in metadata after {} ms.",
                                    self.scenario.topic_name(topic),
                                    self.config.max_block_ms
                                ),
                            });
                        }
                        self.push_record(record);
                        self.errors.insert(KafkaError::TimeoutException);
                        schedule.next += 1;
                    }
                    None => {
                        self.metadata_wanted = true;
                        waiting[k] = true;
                    }
                }
            }
        }
        schedules.retain(|s| s.next < s.spec.count);
        schedules.append(&mut self.schedules);
        self.schedules = schedules;
    }

    /// The first time send() blocks for memory, the trace says why; later blocks are only
    /// counted in the statistics.
    pub(super) fn trace_first_block(&mut self, ctx: &mut Ctx, since: SimTime) {
        if self.buffer_block_traced {
            return;
        }
        self.buffer_block_traced = true;
        let batches: usize = self.queues.values().map(VecDeque::len).sum::<usize>()
            + self
                .in_flight
                .values()
                .map(|r| r.batches.len())
                .sum::<usize>();
        ctx.trace(TraceEvent::SendBlocked {
            since,
            why: why!(
                "buffer.memory={} is taken by {batches} unacknowledged batches ({} bytes); every batch is now sendable (memory exhausted) and send() waits up to max.block.ms={} for one to complete",
                self.config.buffer_memory, self.buffer_used, self.config.max_block_ms ;
                "buffer.memory={}를 확인 응답받지 못한 배치 {batches}개({}바이트)가 차지함; 이제 모든 배치를 보낼 수 있고(메모리 소진) send()는 배치 하나가 끝나기를 max.block.ms={}까지 기다림",
                self.config.buffer_memory, self.buffer_used, self.config.max_block_ms
            ),
        });
    }

    /// The record whose send() waited `max.block.ms` for memory fails with Kafka's
    /// `BufferExhaustedException` (a TimeoutException); the next send() starts waiting then.
    pub(super) fn fail_buffer_exhausted(
        &mut self,
        ctx: &mut Ctx,
        schedule: &Schedule,
        since: SimTime,
    ) {
        let max_block = SimTime::from_millis(self.config.max_block_ms);
        let n = self.records.len() as u32;
        let mut record = SentRecord::new(schedule.step, schedule.next, None);
        record.set_outcome(Outcome::Failed(KafkaError::TimeoutException));
        self.push_record(record);
        self.errors.insert(KafkaError::TimeoutException);
        self.blocked_since = None;
        self.send_resumed_at = since + max_block;
        self.stats.blocked_time = self.stats.blocked_time + max_block;
        self.stats.buffer_exhausted += 1;
        if self.buffer_failure_traced {
            return;
        }
        self.buffer_failure_traced = true;
        let size = serialized_size_bound(
            schedule.key(schedule.next).map(|k| &**k),
            schedule.spec.value.as_deref(),
            &self.name,
            n,
        )
        .max(self.config.batch_size as u32);
        ctx.trace(TraceEvent::SendFailed {
            record: n,
            error: format!(
                "BufferExhaustedException: \"Failed to allocate {size} bytes within the configured max blocking time {} ms. Total memory: {} bytes. Available memory: {} bytes. Poolable size: {} bytes\" (later ones are not traced)",
                self.config.max_block_ms,
                self.config.buffer_memory,
                self.config.buffer_memory.saturating_sub(self.buffer_used),
                self.config.batch_size
            ),
        });
    }

    /// `send()` for the due records of a schedule that go to the same partition, from
    /// `schedule.next` on; returns how many were sent (at least one).
    ///
    /// The partitioner (R7.1): an explicit partition, else the `partitioner.class` if one is
    /// set (round robin: one record at a time, keys ignored), else the key's murmur2 hash over
    /// all partitions (one record at a time, as keys differ), else the sticky partition, which
    /// takes records until its batch is full and may then switch.
    pub(super) fn append_run(
        &mut self,
        ctx: &mut Ctx,
        schedule: &Schedule,
        metadata: &MetadataImage,
        until: SimTime,
    ) -> u32 {
        let topic = schedule.spec.topic;
        let first = schedule.next;
        let value = schedule.spec.value.as_deref();
        let round_robin = schedule.spec.partition.is_none()
            && self.config.partitioner_class == PartitionerClass::RoundRobin;
        let keyed = schedule.spec.partition.is_none()
            && !round_robin
            && schedule.key(first).is_some()
            && !self.config.partitioner_ignore_keys;
        let sticky = schedule.spec.partition.is_none() && !keyed && !round_robin;
        let batch_size = self.config.batch_size.max(1);
        let estimate = (self.config.compression_type != Compression::None).then(|| {
            self.compression_estimates
                .get(&topic)
                .copied()
                .unwrap_or(INITIAL_ESTIMATE)
        });
        // Records this small are surely within max.request.size and buffer.memory; larger ones
        // get the exact check (KafkaProducer.ensureValidRecordSize).
        let surely_valid = self
            .config
            .max_request_size
            .min(self.config.buffer_memory)
            .saturating_sub(RECORD_BOUND_SLACK as u64);
        let first_bytes = record_bytes(
            schedule.key(first).map(|k| &**k),
            value,
            &self.name,
            self.records.len() as u32,
        );
        let partition = match (schedule.spec.partition, schedule.key(first)) {
            (Some(p), _) => p,
            (None, _) if round_robin => {
                let has_leader = self.leaders_known(topic, metadata.partition_count(topic));
                self.round_robin
                    .entry(topic)
                    .or_default()
                    .partition(&has_leader)
            }
            (None, Some(key)) if keyed => {
                let count = metadata.partition_count(topic);
                let partition = partition_for_key(key.as_bytes(), count);
                self.note_key_partition(ctx, topic, key, partition, count);
                partition
            }
            _ => {
                let has_leader = self.has_leader.get(&topic).map_or(&[][..], Vec::as_slice);
                let queues = &self.queues;
                let sticky = self
                    .sticky
                    .entry(topic)
                    .or_insert_with(|| StickyPartitioner::new(batch_size));
                if self.config.partitioner_adaptive_partitioning_enable {
                    // The adaptive partitioner weighs partitions by their queue lengths
                    // (KIP-794), as the sender last saw them; fresh ones are as good.
                    sticky.set_queue_sizes((0..metadata.partition_count(topic)).map(|p| {
                        let tp = TopicPartition::new(topic, p);
                        metadata
                            .partition(tp)
                            .and_then(|s| s.leader)
                            .map(|_| queues.get(&tp).map_or(0, |q| q.len() as u32))
                    }));
                }
                let full = |p: u32| {
                    queues
                        .get(&TopicPartition::new(topic, p))
                        .and_then(|q| q.back())
                        .is_none_or(|b| !b.open(first_bytes, batch_size))
                };
                sticky.partition(self.rng.core(), has_leader, full)
            }
        };
        let tp = TopicPartition::new(topic, partition);
        let queue = self.queues.entry(tp).or_default();
        let mut grew = 0u64;
        let mut filled = false;
        // Keyed records go one at a time (the next key may hash elsewhere), and so do round
        // robin ones (the next goes elsewhere).
        let end = if keyed || round_robin {
            first + 1
        } else {
            schedule.due_end(until).max(first + 1)
        };
        let mut i = first;
        while i < end {
            let n = self.records.len() as u32;
            let bytes = record_bytes(schedule.key(i).map(|k| &**k), value, &self.name, n);
            let record = RecordId {
                producer: self.idx,
                n,
            };
            if bytes as u64 > surely_valid {
                let size =
                    serialized_size_bound(schedule.key(i).map(|k| &**k), value, &self.name, n);
                if let Some(message) = record_too_large(&self.config, size) {
                    // send() throws before the accumulator sees the record: it fails alone.
                    if i == first {
                        let mut failed = SentRecord::new(schedule.step, i, Some(partition));
                        failed.set_outcome(Outcome::Failed(KafkaError::MessageTooLarge));
                        self.settled.add(failed.state, 1);
                        self.records.push(failed);
                        self.errors.insert(KafkaError::MessageTooLarge);
                        if !self.record_too_large_traced {
                            self.record_too_large_traced = true;
                            ctx.trace(TraceEvent::SendFailed {
                                record: n,
                                error: format!(
                                    "RecordTooLargeException: \"{message}\" (checked on the uncompressed size, before batching; later ones are not traced)"
                                ),
                            });
                        }
                        i += 1;
                    }
                    break;
                }
            }
            match queue.back_mut() {
                Some(batch) if batch.open(bytes, batch_size) => {
                    // The common case: as many records as fit go into the open batch, sized
                    // one by one, then added in bulk.
                    let (first_i, first_n) = (i, n);
                    let mut n = n;
                    let mut bytes = bytes;
                    let estimated_before = batch.estimated_bytes();
                    loop {
                        batch.bytes += bytes;
                        i += 1;
                        n += 1;
                        if i >= end {
                            break;
                        }
                        bytes = record_bytes(schedule.key(i).map(|k| &**k), value, &self.name, n);
                        if (estimated_batch_bytes(batch.bytes, BATCH_HEADER_BYTES, estimate)
                            + bytes) as u64
                            > batch_size
                            || bytes as u64 > surely_valid
                        {
                            break;
                        }
                    }
                    grew += (batch.estimated_bytes() - estimated_before) as u64;
                    let producer = self.idx;
                    batch.null_key |= schedule.key(first_i).is_none();
                    batch
                        .records
                        .extend((first_n..n).map(|n| RecordId { producer, n }));
                    self.records.extend(
                        (first_i..i).map(|i| SentRecord::new(schedule.step, i, Some(partition))),
                    );
                    continue;
                }
                _ if sticky && i > first => {
                    // The batch is full: the partitioner decides where the next record goes.
                    filled = true;
                    break;
                }
                _ => {
                    // A new batch takes `batch.size` bytes of buffer.memory (more for a record
                    // larger than that); without them send() blocks.
                    let buffer = if bytes as u64 + RECORD_BOUND_SLACK as u64
                        <= self.config.batch_size
                    {
                        self.config.batch_size as u32
                    } else {
                        serialized_size_bound(schedule.key(i).map(|k| &**k), value, &self.name, n)
                            .max(self.config.batch_size as u32)
                    };
                    if self.buffer_used + buffer as u64 > self.config.buffer_memory {
                        break;
                    }
                    self.buffer_used += buffer as u64;
                    let batch = Batch {
                        partition: tp,
                        null_key: schedule.key(i).is_none(),
                        records: {
                            let mut records = Vec::with_capacity(64);
                            records.push(record);
                            records
                        },
                        sealed: None,
                        bytes: BATCH_HEADER_BYTES + bytes,
                        estimate,
                        buffer,
                        // send() blocks until the first metadata arrives (R6.7), and while
                        // an earlier send() waited for memory.
                        created: schedule
                            .due(i)
                            .max(self.metadata_since)
                            .max(self.send_resumed_at),
                        attempts: 0,
                        retry_at: SimTime::ZERO,
                        sequence: None,
                    };
                    grew += batch.estimated_bytes() as u64;
                    queue.push_back(batch);
                }
            }
            self.records
                .push(SentRecord::new(schedule.step, i, Some(partition)));
            i += 1;
        }
        if sticky {
            let has_leader = self.has_leader.get(&topic).map_or(&[][..], Vec::as_slice);
            let full = filled || queue.back().is_some_and(|b| b.is_full(batch_size));
            if let Some(sticky) = self.sticky.get_mut(&topic) {
                sticky.on_append(self.rng.core(), partition, grew, full, has_leader);
            }
        }
        i - first
    }

    /// Remembers where a key's record was hashed; the first record of a key hashed to another
    /// partition than the key's previous one says so in the trace, with the partition counts
    /// that explain it (R7.6: only a change of the partition count moves a key).
    pub(super) fn note_key_partition(
        &mut self,
        ctx: &mut Ctx,
        topic: TopicId,
        key: &Arc<str>,
        partition: u32,
        partition_count: u32,
    ) {
        let slot = (topic, key.clone());
        let before = self
            .key_partitions
            .insert(slot.clone(), (partition, partition_count));
        if let Some((from, count_before)) = before
            && from != partition
        {
            ctx.trace(TraceEvent::KeyMoved {
                key: key.to_string(),
                from: TopicPartition::new(topic, from),
                to: TopicPartition::new(topic, partition),
                partitions_before: count_before,
                partitions_now: partition_count,
            });
            self.moved_keys.insert(slot);
        }
    }

    /// When the scheduled records next matter: when the first of them is due if no batch is
    /// waiting; else when one of them would fill a batch before the linger deadline.
    pub(super) fn next_record_wake(&self, linger_deadline: Option<SimTime>) -> Option<SimTime> {
        let next_due = self
            .schedules
            .iter()
            .filter(|s| s.next < s.spec.count)
            .map(|s| s.due(s.next))
            .min()?;
        let Some(metadata) = &self.metadata else {
            // Nothing can be appended before metadata arrives; its response wakes the producer.
            // Until then, the only deadline is `max.block.ms` for the blocked send().
            return Some(next_due + SimTime::from_millis(self.config.max_block_ms));
        };
        let Some(deadline) = linger_deadline else {
            return Some(next_due);
        };
        if next_due >= deadline {
            return Some(deadline);
        }
        // A quick bound first: no batch can fill before at least this many more records come.
        // With compression a record adds at most its size times 1.05 (the estimate never
        // exceeds 1 here, as every codec shrinks records), plus a byte of rounding.
        let compressed = self.config.compression_type != Compression::None;
        let fullest = self
            .queues
            .values()
            .filter_map(|q| q.back())
            .map(|b| b.estimated_bytes() as u64)
            .max()
            .unwrap_or(0);
        let largest = self
            .schedules
            .iter()
            .map(|schedule| {
                let largest_key = schedule
                    .spec
                    .keys
                    .iter()
                    .map(|k| k.len())
                    .max()
                    .unwrap_or(0);
                let bytes = record_bytes(
                    Some(&"k".repeat(largest_key)),
                    schedule.spec.value.as_deref(),
                    &self.name,
                    u32::MAX,
                ) as u64;
                if compressed {
                    (bytes * 105).div_ceil(100) + 1
                } else {
                    bytes
                }
            })
            .max()
            .unwrap_or(1);
        let needed = self
            .config
            .batch_size
            .saturating_sub(fullest)
            .div_ceil(largest.max(1));
        // How many records of all schedules are due before the deadline.
        let before_deadline: u64 = self
            .schedules
            .iter()
            .map(|s| s.due_end(deadline - SimTime(1)).saturating_sub(s.next) as u64)
            .sum();
        if before_deadline < needed {
            return Some(deadline);
        }
        // Look ahead, in the order send() takes them (due, then step), for the record that
        // fills a batch. Per partition, the open batch's uncompressed bytes and compression
        // estimate.
        let mut bytes: BTreeMap<TopicPartition, (u32, Option<f32>)> = BTreeMap::new();
        for (tp, queue) in &self.queues {
            if let Some(back) = queue.back() {
                bytes.insert(*tp, (back.bytes, back.estimate));
            }
        }
        let mut earliest = deadline;
        let mut seen = 0;
        let mut round_robin = self.round_robin.clone();
        let mut cursors: Vec<u32> = self.schedules.iter().map(|s| s.next).collect();
        loop {
            let next = self
                .schedules
                .iter()
                .zip(&cursors)
                .enumerate()
                .filter(|&(_, (s, &i))| i < s.spec.count)
                .map(|(k, (s, &i))| (s.due(i), s.step, k))
                .min();
            let Some((due, _, k)) = next else {
                break;
            };
            if due >= earliest {
                break;
            }
            if seen >= LOOKAHEAD_RECORDS {
                // Looked far enough: wake when this record is due and look again.
                earliest = due;
                break;
            }
            seen += 1;
            let schedule = &self.schedules[k];
            let i = cursors[k];
            cursors[k] += 1;
            {
                let key = schedule.key(i);
                let topic = schedule.spec.topic;
                let partition = match (schedule.spec.partition, key) {
                    (Some(p), _) => Some(p),
                    (None, _) if self.config.partitioner_class == PartitionerClass::RoundRobin => {
                        let has_leader = self.leaders_known(topic, metadata.partition_count(topic));
                        Some(round_robin.entry(topic).or_default().partition(&has_leader))
                    }
                    (None, Some(k)) if !self.config.partitioner_ignore_keys => Some(
                        partition_for_key(k.as_bytes(), metadata.partition_count(topic)),
                    ),
                    _ => self.sticky.get(&topic).and_then(StickyPartitioner::current),
                };
                let Some(partition) = partition else {
                    earliest = earliest.min(due);
                    break;
                };
                let size = record_bytes(
                    key.map(|k| &**k),
                    schedule.spec.value.as_deref(),
                    &self.name,
                    self.records.len() as u32,
                );
                let estimate = compressed.then(|| {
                    self.compression_estimates
                        .get(&topic)
                        .copied()
                        .unwrap_or(INITIAL_ESTIMATE)
                });
                let entry = bytes
                    .entry(TopicPartition::new(topic, partition))
                    .or_insert((BATCH_HEADER_BYTES, estimate));
                // Full when the record does not fit (it opens the next batch) or fills it.
                let before = estimated_batch_bytes(entry.0, BATCH_HEADER_BYTES, entry.1);
                entry.0 += size;
                if (before + size) as u64 > self.config.batch_size
                    || estimated_batch_bytes(entry.0, BATCH_HEADER_BYTES, entry.1) as u64
                        >= self.config.batch_size
                {
                    earliest = earliest.min(due);
                    break;
                }
            }
        }
        Some(earliest)
    }
}
