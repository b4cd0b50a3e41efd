//! Kafka Streams, one `StreamThread` at a time: the tasks its consumer's assignment gives it,
//! their state stores (a `BTreeMap` each, as RocksDB is modelled), the restore of a store from
//! its changelog before the task processes, the records each input turns into, and the
//! commit every `commit.interval.ms`.
//!
//! A thread is a group member: its consumer (group.id = application.id) and producer are the
//! scenario's ordinary clients. The world hands this runtime what the consumer processed and
//! what a changelog holds, and sends what it returns through the producer; `ops` runs the
//! topology's operations on one record (see docs/src/streams.md for the rules and sources).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::engine::ids::{Offset, RecordId, TopicId, TopicPartition};
use crate::engine::time::SimTime;
use crate::scenario::streams::{Op, StateDir, StreamsSpec, TaskId};

pub mod ops;

/// A store's content: key to value.
pub type Store = BTreeMap<Arc<str>, Arc<str>>;

/// A record the consumer handed to the thread.
#[derive(Clone, Debug)]
pub struct Input {
    pub partition: TopicPartition,
    pub offset: Offset,
    pub record: RecordId,
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
}

/// A record the thread sends: to a sink or repartition topic (`partition` None: the
/// producer's partitioner hashes the key), or to a changelog partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub topic: TopicId,
    pub partition: Option<u32>,
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
    /// A write to a store's changelog, not the topology's output.
    pub changelog: bool,
    /// A write to a repartition topic, read back by the next sub-topology.
    pub repartition: bool,
}

/// A changelog record read back while restoring: the store it belongs to, its key and value.
#[derive(Clone, Debug)]
pub struct ChangelogRecord {
    pub store: usize,
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
}

/// A store restore in progress (`StoreChangelogReader`).
#[derive(Clone, Debug)]
pub struct Restore {
    pub pending: VecDeque<ChangelogRecord>,
    pub total: u64,
    pub started: SimTime,
}

#[derive(Clone, Debug, Default)]
pub struct Task {
    pub stores: BTreeMap<usize, Store>,
    pub restoring: Option<Restore>,
    /// Records that arrived while restoring: processed once the stores are up to date (Kafka
    /// pauses the partitions instead; the order of processing is the same).
    pub waiting: Vec<Input>,
}

/// A commit in progress: `flush()` waits for the sends before `end` (those made for the
/// records processed so far), then the offsets taken when it began are committed. Kafka's
/// thread blocks in flush(); here it keeps processing, and what it processes meanwhile
/// belongs to the next commit.
#[derive(Clone, Debug)]
pub struct Flush {
    pub since: SimTime,
    pub end: u32,
    pub cursor: u32,
    pub offsets: Vec<(TopicPartition, Offset)>,
}

/// What `state.dir` holds for a task: its stores and, per store, the changelog offset the
/// `.checkpoint` file names (everything below it is in the store).
#[derive(Clone, Debug, Default)]
pub struct Saved {
    pub stores: BTreeMap<usize, Store>,
    pub checkpoints: BTreeMap<usize, Offset>,
}

#[derive(Clone, Debug)]
pub struct StreamsThread {
    /// Index of the application in the scenario, and of this member in it.
    pub app: usize,
    pub member: usize,
    pub tasks: BTreeMap<TaskId, Task>,
    pub state_dir: BTreeMap<TaskId, Saved>,
    /// The next offset to commit per input partition: one past the last record processed.
    pub positions: BTreeMap<TopicPartition, Offset>,
    /// Whether a commit timer is pending.
    pub commit_scheduled: bool,
    /// A commit waiting for the producer's flush.
    pub flush: Option<Flush>,
    /// The offsets of the last commit: a thread that processed nothing since does not
    /// commit (`commitNeeded`).
    pub last_commit: Vec<(TopicPartition, Offset)>,
    pub processed: u64,
    pub outputs: u64,
    pub restored: u64,
}

impl StreamsThread {
    pub fn new(app: usize, member: usize) -> StreamsThread {
        StreamsThread {
            app,
            member,
            tasks: BTreeMap::new(),
            state_dir: BTreeMap::new(),
            positions: BTreeMap::new(),
            commit_scheduled: false,
            flush: None,
            last_commit: Vec::new(),
            processed: 0,
            outputs: 0,
            restored: 0,
        }
    }

    /// The tasks an assignment makes: one per (sub-topology, partition) among the assigned
    /// partitions; a join's stream and table partitions make one task together.
    pub fn tasks_of(spec: &StreamsSpec, assignment: &[TopicPartition]) -> Vec<TaskId> {
        let mut tasks: Vec<TaskId> = assignment
            .iter()
            .filter_map(|tp| {
                spec.subtopology_of(tp.topic).map(|s| TaskId {
                    subtopology: s,
                    partition: tp.partition,
                })
            })
            .collect();
        tasks.sort();
        tasks.dedup();
        tasks
    }

    /// The thread's process died: its tasks and positions are gone; `state.dir` keeps what
    /// the last checkpoints wrote, unless it is wiped.
    pub fn crash(&mut self, state_dir: StateDir) {
        self.tasks.clear();
        self.positions.clear();
        self.commit_scheduled = false;
        self.flush = None;
        self.last_commit.clear();
        if state_dir == StateDir::Wiped {
            self.state_dir.clear();
        }
    }

    /// Processes one input on its task: the records it sends, or `None` while the task
    /// restores (the input waits).
    pub fn process(&mut self, spec: &StreamsSpec, input: Input) -> Vec<Output> {
        let Some(subtopology) = spec.subtopology_of(input.partition.topic) else {
            return Vec::new();
        };
        let id = TaskId {
            subtopology,
            partition: input.partition.partition,
        };
        let Some(task) = self.tasks.get_mut(&id) else {
            return Vec::new();
        };
        if task.restoring.is_some() {
            task.waiting.push(input);
            return Vec::new();
        }
        self.positions
            .insert(input.partition, Offset(input.offset.0 + 1));
        self.processed += 1;
        let outputs = ops::run(spec, id, task, &input);
        self.outputs += outputs
            .iter()
            .filter(|o| !o.changelog && !o.repartition)
            .count() as u64;
        outputs
    }

    /// One restore poll: applies up to `max_records` changelog records. Returns how many it
    /// applied and, when the restore is done, the inputs that waited for it.
    pub fn restore_step(
        &mut self,
        id: TaskId,
        max_records: usize,
    ) -> Option<(u64, u64, Option<Vec<Input>>)> {
        let task = self.tasks.get_mut(&id)?;
        let restore = task.restoring.as_mut()?;
        let mut applied = 0;
        while applied < max_records {
            let Some(record) = restore.pending.pop_front() else {
                break;
            };
            let store = task.stores.entry(record.store).or_default();
            if let Some(key) = record.key {
                store.insert(key, record.value);
            }
            applied += 1;
        }
        self.restored += applied as u64;
        let total = restore.total;
        let done = restore.pending.is_empty();
        let waiting = done.then(|| {
            task.restoring = None;
            std::mem::take(&mut task.waiting)
        });
        Some((applied as u64, total, waiting))
    }

    /// The first task still restoring.
    pub fn restoring_task(&self) -> Option<TaskId> {
        self.tasks
            .iter()
            .find(|(_, t)| t.restoring.is_some())
            .map(|(id, _)| *id)
    }

    /// The committed positions of running tasks' partitions.
    pub fn commit_offsets(&self, spec: &StreamsSpec) -> Vec<(TopicPartition, Offset)> {
        self.positions
            .iter()
            .filter(|(tp, _)| {
                spec.subtopology_of(tp.topic).is_some_and(|s| {
                    self.tasks
                        .get(&TaskId {
                            subtopology: s,
                            partition: tp.partition,
                        })
                        .is_some_and(|t| t.restoring.is_none())
                })
            })
            .map(|(tp, o)| (*tp, *o))
            .collect()
    }

    /// Writes a task's `.checkpoint` and stores to `state.dir`.
    pub fn checkpoint(&mut self, id: TaskId, checkpoints: BTreeMap<usize, Offset>) {
        if let Some(task) = self.tasks.get(&id) {
            self.state_dir.insert(
                id,
                Saved {
                    stores: task.stores.clone(),
                    checkpoints,
                },
            );
        }
    }

    /// The stores a sub-topology's tasks own.
    pub fn stores_of(spec: &StreamsSpec, subtopology: u32) -> Vec<usize> {
        spec.stores
            .iter()
            .enumerate()
            .filter(|(_, s)| s.subtopology == subtopology)
            .map(|(i, _)| i)
            .collect()
    }

    /// Whether a sub-topology writes to a repartition or sink topic only (no store).
    pub fn is_stateless(spec: &StreamsSpec, subtopology: u32) -> bool {
        !spec.subtopologies[subtopology as usize]
            .ops
            .iter()
            .any(|op| {
                matches!(
                    op,
                    Op::Count { .. } | Op::Reduce { .. } | Op::ToTable { .. } | Op::Join { .. }
                )
            })
    }
}

/// How many restore polls a changelog of `records` takes, each returning at most
/// `max.poll.records` (the restore consumer's setting, as its poll() returns).
pub fn restore_polls(records: u64, max_poll_records: u32) -> u64 {
    records.div_ceil(u64::from(max_poll_records.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A restore of n records takes ⌈n / max.poll.records⌉ polls: a full replay of a long
    // changelog takes many, the tail after a checkpoint few.
    #[test]
    fn restore_takes_one_poll_per_max_poll_records() {
        assert_eq!(restore_polls(0, 1000), 0);
        assert_eq!(restore_polls(1000, 1000), 1);
        assert_eq!(restore_polls(1001, 1000), 2);
        assert_eq!(restore_polls(250, 100), 3);
    }
}
