//! The topology's operations on one record of one task: stateless ones change the record,
//! stateful ones read and write the task's stores, and every store write also goes to the
//! store's changelog partition (the task's partition), as Kafka Streams' logging stores do.
//!
//! Caching is off (as with `statestore.cache.max.bytes` = 0): every update of a count or a
//! table goes downstream at once.

use std::sync::Arc;

use super::{Input, Output, Task};
use crate::scenario::streams::{Op, StreamsSpec, TaskId};

/// The records one input makes on task `id`.
pub fn run(spec: &StreamsSpec, id: TaskId, task: &mut Task, input: &Input) -> Vec<Output> {
    let sub = &spec.subtopologies[id.subtopology as usize];
    let mut out = Vec::new();
    let changelog = |store: usize, key: &Arc<str>, value: &Arc<str>| Output {
        topic: spec.stores[store].changelog,
        partition: Some(id.partition),
        key: Some(key.clone()),
        value: value.clone(),
        changelog: true,
        repartition: false,
    };
    if let Some((table, store)) = sub.table
        && input.partition.topic == table
    {
        // The table side of a join: the record updates the table's store. A null key cannot
        // be stored and is skipped, as KTableSource does.
        if let Some(key) = &input.key {
            task.stores
                .entry(store)
                .or_default()
                .insert(key.clone(), input.value.clone());
            out.push(changelog(store, key, &input.value));
        }
        return out;
    }
    let mut key = input.key.clone();
    let mut value = input.value.clone();
    for op in &sub.ops {
        match op {
            Op::Filter(predicate) => {
                if !predicate.test(key.as_deref(), &value) {
                    return out;
                }
            }
            Op::MapValues(mapper) => value = mapper.apply(&value).into(),
            Op::SelectKey => key = Some(value.clone()),
            Op::Count { store } | Op::Reduce { store, .. } | Op::ToTable { store } => {
                // Aggregations and tables skip records with a null key.
                let Some(k) = &key else {
                    return out;
                };
                let table = task.stores.entry(*store).or_default();
                let new: Arc<str> = match (op, table.get(k)) {
                    (Op::Count { .. }, old) => {
                        let n = old.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                        (n + 1).to_string().into()
                    }
                    (Op::Reduce { reducer, .. }, Some(old)) => reducer.apply(old, &value).into(),
                    _ => value.clone(),
                };
                table.insert(k.clone(), new.clone());
                out.push(changelog(*store, k, &new));
                value = new;
            }
            Op::Join { store } => {
                // An inner KStream-KTable join: a stream record whose key the table lacks
                // (or a null key) makes nothing.
                let Some(right) = key
                    .as_ref()
                    .and_then(|k| task.stores.get(store).and_then(|t| t.get(k)))
                else {
                    return out;
                };
                value = format!("{value}+{right}").into();
            }
            Op::To { topic, repartition } => out.push(Output {
                topic: *topic,
                partition: None,
                key: key.clone(),
                value: value.clone(),
                changelog: false,
                repartition: *repartition,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::{Offset, ProducerIdx, RecordId, TopicId, TopicPartition};
    use crate::engine::time::SimTime;
    use crate::scenario::Pos;
    use crate::scenario::streams::{Predicate, StateDir, StoreSpec, SubTopology};

    fn spec(subtopologies: Vec<SubTopology>, stores: Vec<StoreSpec>) -> StreamsSpec {
        StreamsSpec {
            name: "app".into(),
            application_id: "app".into(),
            instances: 1,
            threads: 1,
            standby_replicas: 0,
            commit_interval: SimTime::from_millis(30_000),
            state_dir: StateDir::Persistent,
            members: Vec::new(),
            subtopologies,
            stores,
            pos: Pos::default(),
        }
    }

    fn input(topic: u32, partition: u32, key: Option<&str>, value: &str) -> Input {
        Input {
            partition: TopicPartition::new(TopicId(topic), partition),
            offset: Offset(0),
            record: RecordId {
                producer: ProducerIdx(0),
                n: 0,
            },
            key: key.map(Into::into),
            value: value.into(),
        }
    }

    const TASK: TaskId = TaskId {
        subtopology: 0,
        partition: 1,
    };

    // A count keeps one number per key in its store, writes each new count to the store's
    // changelog partition of the task, and sends it downstream.
    #[test]
    fn count_updates_the_store_and_its_changelog() {
        let s = spec(
            vec![SubTopology {
                id: 0,
                sources: vec![TopicId(0)],
                table: None,
                partitions: 2,
                ops: vec![
                    Op::Count { store: 0 },
                    Op::To {
                        topic: TopicId(2),
                        repartition: false,
                    },
                ],
            }],
            vec![StoreSpec {
                name: "counts".into(),
                changelog: TopicId(1),
                subtopology: 0,
            }],
        );
        let mut task = Task::default();
        run(&s, TASK, &mut task, &input(0, 1, Some("a"), "x"));
        let out = run(&s, TASK, &mut task, &input(0, 1, Some("a"), "y"));
        assert_eq!(task.stores[&0][&Arc::from("a")], "2".into());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].topic, TopicId(1));
        assert_eq!(out[0].partition, Some(1));
        assert!(out[0].changelog);
        assert_eq!(&*out[1].value, "2");
        assert_eq!(out[1].partition, None);
        // A null key is skipped by the aggregation.
        assert!(run(&s, TASK, &mut task, &input(0, 1, None, "z")).is_empty());
    }

    // selectKey makes the value the key, and the repartition sink leaves the partition to
    // the producer's partitioner, which hashes the new key.
    #[test]
    fn select_key_rekeys_before_the_repartition_topic() {
        let s = spec(
            vec![SubTopology {
                id: 0,
                sources: vec![TopicId(0)],
                table: None,
                partitions: 2,
                ops: vec![
                    Op::Filter(Predicate::ValueStartsWith("a".into())),
                    Op::SelectKey,
                    Op::To {
                        topic: TopicId(3),
                        repartition: true,
                    },
                ],
            }],
            Vec::new(),
        );
        let mut task = Task::default();
        let out = run(&s, TASK, &mut task, &input(0, 1, None, "apple"));
        assert_eq!(out[0].key.as_deref(), Some("apple"));
        assert!(out[0].repartition);
        assert_eq!(out[0].partition, None);
        assert!(run(&s, TASK, &mut task, &input(0, 1, None, "banana")).is_empty());
    }

    // A KStream-KTable join: table records fill the store, stream records find their key in
    // it or make nothing (an inner join).
    #[test]
    fn a_stream_record_joins_the_table_value_of_its_key() {
        let s = spec(
            vec![SubTopology {
                id: 0,
                sources: vec![TopicId(0)],
                table: Some((TopicId(1), 0)),
                partitions: 2,
                ops: vec![
                    Op::Join { store: 0 },
                    Op::To {
                        topic: TopicId(3),
                        repartition: false,
                    },
                ],
            }],
            vec![StoreSpec {
                name: "users".into(),
                changelog: TopicId(2),
                subtopology: 0,
            }],
        );
        let mut task = Task::default();
        assert!(run(&s, TASK, &mut task, &input(0, 1, Some("u1"), "click")).is_empty());
        let table = run(&s, TASK, &mut task, &input(1, 1, Some("u1"), "alice"));
        assert!(table[0].changelog);
        let out = run(&s, TASK, &mut task, &input(0, 1, Some("u1"), "click"));
        assert_eq!(&*out[0].value, "click+alice");
    }
}
