//! A Kafka Streams application as a scenario declares it (`[[streams]]`): its settings, the
//! members it runs as, and its topology, already split into sub-topologies at repartition
//! topics and resolved to topic and store indexes.
//!
//! The runtime that executes it is `clients/streams.rs`; the parser is `parse/streams.rs`.

use std::fmt;
use std::sync::Arc;

use crate::engine::ids::{ConsumerIdx, ProducerIdx, TopicId};
use crate::engine::time::SimTime;
use crate::scenario::Pos;

/// `StreamsConfig.DEFAULT_COMMIT_INTERVAL_MS`: the commit interval under at_least_once.
pub const DEFAULT_COMMIT_INTERVAL_MS: u64 = 30_000;

#[derive(Clone, Debug)]
pub struct StreamsSpec {
    /// The scenario's name for the application; its members are `<name>-<instance>`.
    pub name: String,
    /// `application.id`: the group.id of its consumers and the prefix of its internal topics.
    pub application_id: String,
    pub instances: u32,
    /// `num.stream.threads`: each thread is a member of the group with its own consumer and
    /// producer, as a `StreamThread` is.
    pub threads: u32,
    /// `num.standby.replicas` (accepted, not modelled yet: no standby tasks run).
    pub standby_replicas: u32,
    pub commit_interval: SimTime,
    /// What a crashed instance finds in its `state.dir` when it comes back.
    pub state_dir: StateDir,
    pub members: Vec<StreamsMember>,
    pub subtopologies: Vec<SubTopology>,
    pub stores: Vec<StoreSpec>,
    pub pos: Pos,
}

/// One `StreamThread`: a group member with its consumer and its producer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamsMember {
    /// 1-based, as the member names show them.
    pub instance: u32,
    pub thread: u32,
    pub consumer: ConsumerIdx,
    pub producer: ProducerIdx,
}

/// What survives an instance's crash in its `state.dir`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateDir {
    /// A persistent volume: the stores and their `.checkpoint` files survive, so restore
    /// reads the changelog only from the checkpointed offset.
    Persistent,
    /// An empty directory after every crash (a container without a volume): restore replays
    /// each changelog from its start.
    Wiped,
}

impl StateDir {
    pub fn key(self) -> &'static str {
        match self {
            StateDir::Persistent => "persistent",
            StateDir::Wiped => "wiped",
        }
    }
}

/// A state store: its name, its compacted changelog topic, the sub-topology whose tasks own it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSpec {
    pub name: String,
    pub changelog: TopicId,
    pub subtopology: u32,
}

/// A part of the topology connected to its own source topics: one task per partition.
#[derive(Clone, Debug, PartialEq)]
pub struct SubTopology {
    pub id: u32,
    /// Stream sources: each record runs through `ops`.
    pub sources: Vec<TopicId>,
    /// A table source (`join = { table }`): its records update the store, not `ops`.
    pub table: Option<(TopicId, usize)>,
    /// The partition count every source shares (co-partitioning).
    pub partitions: u32,
    pub ops: Vec<Op>,
}

/// The operations of the DSL, in the order a record meets them.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Filter(Predicate),
    MapValues(ValueMapper),
    /// `selectKey`: the record's value becomes its key.
    SelectKey,
    /// `groupByKey` + `count`: the store holds the count per key; the update goes downstream.
    Count {
        store: usize,
    },
    /// `groupByKey` + `reduce`: the store holds the reduced value per key.
    Reduce {
        store: usize,
        reducer: Reducer,
    },
    /// `toTable`: the store holds the latest value per key.
    ToTable {
        store: usize,
    },
    /// KStream-KTable inner join on the key: records whose key the table lacks are dropped.
    Join {
        store: usize,
    },
    /// A sink: `to`, or the write into a repartition topic.
    To {
        topic: TopicId,
        repartition: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    Key(Arc<str>),
    Value(Arc<str>),
    ValueStartsWith(Arc<str>),
    Not(Box<Predicate>),
}

impl Predicate {
    pub fn test(&self, key: Option<&str>, value: &str) -> bool {
        match self {
            Predicate::Key(k) => key == Some(&**k),
            Predicate::Value(v) => value == &**v,
            Predicate::ValueStartsWith(p) => value.starts_with(&**p),
            Predicate::Not(p) => !p.test(key, value),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueMapper {
    Uppercase,
    Lowercase,
    Length,
}

impl ValueMapper {
    pub const NAMES: [&'static str; 3] = ["uppercase", "lowercase", "length"];

    pub fn apply(self, value: &str) -> String {
        match self {
            ValueMapper::Uppercase => value.to_uppercase(),
            ValueMapper::Lowercase => value.to_lowercase(),
            ValueMapper::Length => value.chars().count().to_string(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reducer {
    /// Integer sum; a value that is not an integer counts as 0.
    Sum,
    /// The values joined with `,`.
    Concat,
    /// The newest value.
    Latest,
}

impl Reducer {
    pub const NAMES: [&'static str; 3] = ["sum", "concat", "latest"];

    pub fn apply(self, old: &str, new: &str) -> String {
        match self {
            Reducer::Sum => {
                (old.parse::<i64>().unwrap_or(0) + new.parse::<i64>().unwrap_or(0)).to_string()
            }
            Reducer::Concat => format!("{old},{new}"),
            Reducer::Latest => new.to_string(),
        }
    }
}

/// A task: a sub-topology over one partition of its sources, named as Kafka's `TaskId`
/// prints it (`0_1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId {
    pub subtopology: u32,
    pub partition: u32,
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.subtopology, self.partition)
    }
}

impl TaskId {
    /// `0_1` back into a task id.
    pub fn parse(text: &str) -> Option<TaskId> {
        let (s, p) = text.split_once('_')?;
        Some(TaskId {
            subtopology: s.parse().ok()?,
            partition: p.parse().ok()?,
        })
    }
}

impl StreamsSpec {
    /// The sub-topology that reads `topic`, as a stream or as a table source.
    pub fn subtopology_of(&self, topic: TopicId) -> Option<u32> {
        self.subtopologies
            .iter()
            .find(|s| s.sources.contains(&topic) || s.table.is_some_and(|(t, _)| t == topic))
            .map(|s| s.id)
    }

    /// Every topic the members subscribe to.
    pub fn input_topics(&self) -> Vec<TopicId> {
        let mut topics = Vec::new();
        for s in &self.subtopologies {
            topics.extend(s.sources.iter().copied());
            topics.extend(s.table.map(|(t, _)| t));
        }
        topics
    }

    /// `<name>-<instance>`, or `<name>-<instance>-<thread>` with more than one thread.
    pub fn member_name(name: &str, instance: u32, thread: u32, threads: u32) -> String {
        if threads == 1 {
            format!("{name}-{instance}")
        } else {
            format!("{name}-{instance}-{thread}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A task id prints as Kafka's TaskId does and reads back.
    #[test]
    fn task_ids_print_as_kafka_does() {
        let t = TaskId {
            subtopology: 1,
            partition: 2,
        };
        assert_eq!(t.to_string(), "1_2");
        assert_eq!(TaskId::parse("1_2"), Some(t));
        assert_eq!(TaskId::parse("1-2"), None);
    }

    // The reducers and mappers do what their names say.
    #[test]
    fn reducers_and_mappers_apply() {
        assert_eq!(Reducer::Sum.apply("2", "3"), "5");
        assert_eq!(Reducer::Concat.apply("a", "b"), "a,b");
        assert_eq!(Reducer::Latest.apply("a", "b"), "b");
        assert_eq!(ValueMapper::Length.apply("four"), "4");
        assert_eq!(ValueMapper::Uppercase.apply("ab"), "AB");
        assert!(Predicate::Not(Box::new(Predicate::Key("k".into()))).test(Some("j"), "v"));
        assert!(Predicate::ValueStartsWith("a".into()).test(None, "apple"));
    }
}
