//! The world's side of Kafka Streams: it gives each `StreamThread` what its consumer
//! processed and what a changelog partition holds, sends what the thread computes through
//! the thread's producer, and runs the thread's two timers (the restore polls and the commit
//! every `commit.interval.ms`). The rules are in `clients/streams.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::World;
use crate::clients::streams::{
    ChangelogRecord, Flush, Input, Output, Restore, StreamsThread, Task,
};
use crate::engine::ids::{ConsumerIdx, NodeId, Offset, RecordId, TopicPartition};
use crate::engine::time::{SimTime, format_duration};
use crate::kafka::effects::Timer;
use crate::kafka::trace::{TraceEvent, why};
use crate::scenario::streams::TaskId;

impl World {
    /// The thread whose consumer is `c`, if it is one.
    pub(crate) fn streams_thread_of(&self, c: ConsumerIdx) -> Option<usize> {
        self.streams
            .iter()
            .position(|t| self.scenario.streams[t.app].members[t.member].consumer == c)
    }

    /// The Kafka Streams threads of the run, one per member.
    pub fn streams_threads(&self) -> &[StreamsThread] {
        &self.streams
    }

    /// Input records of an application processed more than once.
    pub fn streams_reprocessed(&self, app: usize) -> u64 {
        self.streams_seen
            .get(app)
            .map_or(0, |seen| seen.values().filter(|&&n| n > 1).count() as u64)
    }

    fn streams_trace(&mut self, c: ConsumerIdx, what: crate::kafka::trace::Why) {
        self.trace
            .push(self.now, NodeId::Consumer(c), TraceEvent::Streams { what });
    }

    /// A record's key and value, as a Kafka Streams thread reads them.
    fn streams_record(&self, r: RecordId) -> (Option<Arc<str>>, Arc<str>) {
        if r.is_external() {
            return match self.live.records.get(r.n as usize) {
                Some(l) => (l.key.clone(), l.value.clone()),
                None => (None, "?".into()),
            };
        }
        let (key, value) = self.producers[r.producer.0 as usize].key_and_value(r.n);
        (key, value.into())
    }

    /// Records on the leader of `tp` from `from` up to its high watermark, and the high
    /// watermark.
    fn leader_records(&self, tp: TopicPartition, from: Offset) -> (Vec<RecordId>, Offset) {
        for broker in self.brokers.iter().filter(|b| b.alive) {
            if let Some(replica) = broker.replicas.get(&tp)
                && replica.leading.is_some()
            {
                let hw = replica.log.high_watermark;
                let records = replica
                    .log
                    .record_slices_between(from, hw)
                    .flat_map(|s| s.iter().copied())
                    .collect();
                return (records, hw);
            }
        }
        (Vec::new(), from)
    }

    /// After an event of a member's consumer: tasks follow its assignment, and a running
    /// thread has a commit timer.
    pub(crate) fn streams_sync(&mut self, c: ConsumerIdx) {
        let Some(t) = self.streams_thread_of(c) else {
            return;
        };
        let scenario = self.scenario.clone();
        let spec = &scenario.streams[self.streams[t].app];
        let consumer = &self.consumers[c.0 as usize];
        if !consumer.running {
            return;
        }
        let wanted = StreamsThread::tasks_of(spec, &consumer.assignment);
        let owned: Vec<TaskId> = self.streams[t].tasks.keys().copied().collect();
        for id in owned.iter().filter(|id| !wanted.contains(id)) {
            // A revoked task is closed: its stores and checkpoint stay in state.dir.
            let checkpoints = self.streams_checkpoints(t, *id);
            let thread = &mut self.streams[t];
            if thread.tasks[id].restoring.is_none() {
                thread.checkpoint(*id, checkpoints);
            }
            thread.tasks.remove(id);
            thread.positions.retain(|tp, _| {
                spec.subtopology_of(tp.topic) != Some(id.subtopology)
                    || tp.partition != id.partition
            });
            self.streams_trace(
                c,
                why!("task {id} revoked: closed, its stores stay in state.dir" ; "태스크 {id} 회수: 닫힘, 상태 저장소는 state.dir에 남음"),
            );
        }
        for id in wanted.iter().filter(|id| !owned.contains(id)) {
            self.streams_take_task(t, c, *id);
        }
        if !self.streams[t].commit_scheduled {
            self.streams[t].commit_scheduled = true;
            let at = self.now + spec.commit_interval.max(SimTime::from_millis(1));
            self.streams_timer_at(c, at, Timer::StreamsCommit);
        }
    }

    fn streams_timer_at(&mut self, c: ConsumerIdx, at: SimTime, timer: Timer) {
        self.handle(NodeId::Consumer(c), |_, ctx| ctx.timer_at(at, timer));
    }

    /// A new task: its stores from state.dir if it holds them, then each changelog from the
    /// checkpoint (or from offset 0) up to its end, before the task processes
    /// (`StoreChangelogReader`).
    fn streams_take_task(&mut self, t: usize, c: ConsumerIdx, id: TaskId) {
        let scenario = self.scenario.clone();
        let spec = &scenario.streams[self.streams[t].app];
        let saved = self.streams[t].state_dir.remove(&id);
        let mut task = Task::default();
        let mut pending = std::collections::VecDeque::new();
        let mut from_text = Vec::new();
        let stores = StreamsThread::stores_of(spec, id.subtopology);
        for &store in &stores {
            let changelog = TopicPartition::new(spec.stores[store].changelog, id.partition);
            let checkpoint = saved
                .as_ref()
                .and_then(|s| s.checkpoints.get(&store).copied())
                .unwrap_or(Offset(0));
            if let Some(s) = saved.as_ref().and_then(|s| s.stores.get(&store)) {
                task.stores.insert(store, s.clone());
            }
            let (records, end) = self.leader_records(changelog, checkpoint);
            from_text.push(format!(
                "{} offsets {}..{}",
                scenario.partition_name(changelog),
                checkpoint.0,
                end.0
            ));
            for r in records {
                let (key, value) = self.streams_record(r);
                pending.push_back(ChangelogRecord { store, key, value });
            }
        }
        let total = pending.len() as u64;
        let ranges = from_text.join(", ");
        if stores.is_empty() {
            self.streams_trace(
                c,
                why!("task {id} assigned (stateless)" ; "태스크 {id} 배정 (상태 없음)"),
            );
        } else if total == 0 {
            self.streams_trace(
                c,
                why!("task {id} assigned: nothing to restore ({ranges})" ; "태스크 {id} 배정: 복원할 것 없음 ({ranges})"),
            );
        } else {
            let what = if saved.is_some() {
                why!(
                    "task {id} assigned: restoring {total} records from the .checkpoint in state.dir ({ranges})" ;
                    "태스크 {id} 배정: state.dir의 .checkpoint부터 레코드 {total}개 복원 시작 ({ranges})"
                )
            } else {
                why!(
                    "task {id} assigned: restoring {total} records from offset 0, no local state ({ranges})" ;
                    "태스크 {id} 배정: 로컬 상태가 없어 오프셋 0부터 레코드 {total}개 복원 시작 ({ranges})"
                )
            };
            self.streams_trace(c, what);
            task.restoring = Some(Restore {
                pending,
                total,
                started: self.now,
            });
        }
        let restoring = task.restoring.is_some();
        self.streams[t].tasks.insert(id, task);
        if restoring && self.streams[t].restoring_task() == Some(id) {
            let at = self.now + self.streams_fetch_round_trip();
            self.streams_timer_at(c, at, Timer::StreamsRestore);
        }
    }

    /// One fetch to the changelog's leader and back: what each restore poll costs.
    fn streams_fetch_round_trip(&self) -> SimTime {
        SimTime(self.scenario.network.latency_max.0 * 2).max(SimTime(1))
    }

    pub(crate) fn streams_timer(&mut self, c: ConsumerIdx, timer: Timer) {
        let Some(t) = self.streams_thread_of(c) else {
            return;
        };
        match timer {
            Timer::StreamsRestore => self.streams_restore_poll(t, c),
            Timer::StreamsCommit => self.streams_commit(t, c),
            _ => {}
        }
    }

    fn streams_restore_poll(&mut self, t: usize, c: ConsumerIdx) {
        let Some(id) = self.streams[t].restoring_task() else {
            return;
        };
        let max = self.consumers[c.0 as usize].config.max_poll_records as usize;
        let started = self.streams[t].tasks[&id]
            .restoring
            .as_ref()
            .map_or(self.now, |r| r.started);
        let Some((_, total, waiting)) = self.streams[t].restore_step(id, max) else {
            return;
        };
        match waiting {
            None => {
                let left = self.streams[t].tasks[&id]
                    .restoring
                    .as_ref()
                    .map_or(0, |r| r.pending.len() as u64);
                let done = total - left;
                self.streams_trace(
                    c,
                    why!("task {id} restoring: {done}/{total} records (max.poll.records={max} per poll)" ; "태스크 {id} 복원 중: 레코드 {done}/{total}개 (poll 한 번에 max.poll.records={max})"),
                );
            }
            Some(waiting) => {
                let took = format_duration(self.now - started);
                self.streams_trace(
                    c,
                    why!("task {id} restored {total} records in {took}; processing starts" ; "태스크 {id} 레코드 {total}개를 {took}에 복원; 처리 시작"),
                );
                for input in waiting {
                    self.streams_input(t, input);
                }
            }
        }
        if self.streams[t].restoring_task().is_some() {
            let at = self.now + self.streams_fetch_round_trip();
            self.streams_timer_at(c, at, Timer::StreamsRestore);
        }
    }

    /// The changelog offsets a checkpoint of task `id` writes now: each changelog
    /// partition's high watermark (the producer was flushed).
    fn streams_checkpoints(&self, t: usize, id: TaskId) -> BTreeMap<usize, Offset> {
        let spec = &self.scenario.streams[self.streams[t].app];
        StreamsThread::stores_of(spec, id.subtopology)
            .into_iter()
            .map(|store| {
                let tp = TopicPartition::new(spec.stores[store].changelog, id.partition);
                (store, self.leader_records(tp, Offset(u64::MAX)).1)
            })
            .collect()
    }

    /// `commit.interval.ms` passed: flush the producer (wait for every send to be
    /// acknowledged), then commit the processed offsets and write the checkpoints.
    fn streams_commit(&mut self, t: usize, c: ConsumerIdx) {
        let scenario = self.scenario.clone();
        let spec = &scenario.streams[self.streams[t].app];
        let member = &spec.members[self.streams[t].member];
        let producer = &self.producers[member.producer.0 as usize];
        let offsets = self.streams[t].commit_offsets(spec);
        if self.streams[t].flush.is_none() && offsets == self.streams[t].last_commit {
            let at = self.now + spec.commit_interval.max(SimTime::from_millis(1));
            self.streams_timer_at(c, at, Timer::StreamsCommit);
            return;
        }
        let flush = self.streams[t].flush.get_or_insert(Flush {
            since: self.now,
            end: producer.sent_count(),
            cursor: 0,
            offsets,
        });
        flush.cursor = producer.first_unsettled(flush.cursor, flush.end);
        if flush.cursor < flush.end {
            let at = self.now + SimTime::from_millis(1);
            self.streams_timer_at(c, at, Timer::StreamsCommit);
            return;
        }
        let flush = self.streams[t].flush.take().expect("set above");
        let flushed = if self.now > flush.since {
            format!(
                " after a flush of {}",
                format_duration(self.now - flush.since)
            )
        } else {
            String::new()
        };
        let offsets = flush.offsets;
        self.streams[t].last_commit = offsets.clone();
        if !offsets.is_empty() {
            let list: Vec<String> = offsets
                .iter()
                .map(|(tp, o)| format!("{}@{}", scenario.partition_name(*tp), o.0))
                .collect();
            let list = list.join(", ");
            self.streams_trace(
                c,
                why!("commit{flushed}: offsets {list}; .checkpoint written" ; "커밋{flushed}: 오프셋 {list}; .checkpoint 기록"),
            );
            let how = why!("Kafka Streams commit (commit.interval.ms)" ; "Kafka Streams 커밋 (commit.interval.ms)");
            self.handle(NodeId::Consumer(c), |w, ctx| {
                w.consumers[c.0 as usize].commit_offsets(ctx, offsets, how);
            });
            let running: Vec<TaskId> = self.streams[t]
                .tasks
                .iter()
                .filter(|(_, task)| task.restoring.is_none())
                .map(|(id, _)| *id)
                .collect();
            for id in running {
                let checkpoints = self.streams_checkpoints(t, id);
                self.streams[t].checkpoint(id, checkpoints);
            }
        }
        let at = self.now + spec.commit_interval.max(SimTime::from_millis(1));
        self.streams_timer_at(c, at, Timer::StreamsCommit);
    }

    /// The member's consumer finished processing records: the topology runs on each.
    pub(crate) fn streams_processed(
        &mut self,
        c: ConsumerIdx,
        records: &[(TopicPartition, Offset, RecordId)],
    ) {
        let Some(t) = self.streams_thread_of(c) else {
            return;
        };
        // The assignment may have changed in the same event: tasks first.
        self.streams_sync(c);
        for &(partition, offset, record) in records {
            let (key, value) = self.streams_record(record);
            let input = Input {
                partition,
                offset,
                record,
                key,
                value,
            };
            self.streams_input(t, input);
        }
    }

    fn streams_input(&mut self, t: usize, input: Input) {
        let scenario = self.scenario.clone();
        let app = self.streams[t].app;
        let spec = &scenario.streams[app];
        let record = input.record;
        let before = self.streams[t].processed;
        let outputs = self.streams[t].process(spec, input);
        if self.streams[t].processed > before {
            *self.streams_seen[app].entry(record).or_default() += 1;
        }
        if outputs.is_empty() {
            return;
        }
        let p = spec.members[self.streams[t].member].producer;
        self.handle(NodeId::Producer(p), |w, ctx| {
            for Output {
                topic,
                partition,
                key,
                value,
                ..
            } in outputs
            {
                w.producers[p.0 as usize].send_computed(ctx, topic, partition, key, value);
            }
        });
    }

    /// The member's process crashed: its tasks are gone; state.dir survives unless wiped.
    pub(crate) fn streams_crash(&mut self, c: ConsumerIdx) {
        let Some(t) = self.streams_thread_of(c) else {
            return;
        };
        let state_dir = self.scenario.streams[self.streams[t].app].state_dir;
        let kept = self.streams[t].state_dir.len();
        self.streams[t].crash(state_dir);
        let what = match state_dir {
            crate::scenario::streams::StateDir::Persistent => why!(
                "the instance's tasks are gone; state.dir is on a persistent volume and keeps {kept} tasks' stores and .checkpoint files" ;
                "인스턴스의 태스크가 사라짐; state.dir는 영구 볼륨에 있어 태스크 {kept}개의 상태 저장소와 .checkpoint 파일을 유지"
            ),
            crate::scenario::streams::StateDir::Wiped => why!(
                "the instance's tasks are gone and its state.dir is wiped: every store restores from its changelog's start" ;
                "인스턴스의 태스크가 사라지고 state.dir도 지워짐: 모든 상태 저장소가 변경 로그의 처음부터 복원"
            ),
        };
        self.streams_trace(c, what);
    }
}
