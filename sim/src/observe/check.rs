//! Expectations: what a scenario says must hold, checked against the world at a moment, with
//! a sentence for every mismatch (`expected leader 2, found 3`).

use crate::clients::producer::Outcome;
use crate::engine::ids::{BrokerId, TopicPartition};
use crate::engine::time::SimTime;
use crate::kafka::trace::brokers;
use crate::observe::ledger::{self, authoritative_log};
use crate::scenario::{Expectation, Pos, Subject};
use crate::world::World;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub pos: Pos,
    /// When it was checked.
    pub at: SimTime,
    /// What it is about, as a reader says it: `partition orders-0`, `the ledger`.
    pub subject: String,
    /// One sentence per mismatch: `expected leader 2, found 3`. Empty when it passed.
    pub failures: Vec<String>,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

fn compare<T: PartialEq + std::fmt::Display>(
    failures: &mut Vec<String>,
    what: &str,
    expected: Option<T>,
    found: T,
) {
    if let Some(expected) = expected
        && expected != found
    {
        failures.push(format!("expected {what} {expected}, found {found}"));
    }
}

/// Every expected error name must be among those a client saw.
fn check_errors(
    failures: &mut Vec<String>,
    expected: &[String],
    seen: &std::collections::BTreeSet<crate::kafka::message::KafkaError>,
) {
    let seen: Vec<&str> = seen.iter().map(|e| e.name()).collect();
    for error in expected {
        if !seen.contains(&error.as_str()) {
            let found = if seen.is_empty() {
                "none".to_string()
            } else {
                seen.join(", ")
            };
            failures.push(format!("expected error {error}, found {found}"));
        }
    }
}

fn leader_name(leader: Option<BrokerId>) -> String {
    leader.map_or("none".to_string(), |b| b.0.to_string())
}

pub fn evaluate(world: &World, expectation: &Expectation) -> CheckResult {
    let scenario = world.scenario();
    let mut failures = Vec::new();
    let subject = match &expectation.subject {
        Subject::Ledger {
            acked_lost,
            duplicated,
            reordered,
            moved_keys,
            reordered_as_consumed,
            removed,
        } => {
            let summary = ledger::summarize(world);
            compare(&mut failures, "removed", *removed, summary.removed);
            compare(&mut failures, "acked_lost", *acked_lost, summary.acked_lost);
            compare(&mut failures, "duplicated", *duplicated, summary.duplicated);
            compare(&mut failures, "reordered", *reordered, summary.reordered);
            compare(&mut failures, "moved_keys", *moved_keys, summary.moved_keys);
            compare(
                &mut failures,
                "reordered_as_consumed",
                *reordered_as_consumed,
                summary.reordered_as_consumed,
            );
            "the ledger".to_string()
        }
        Subject::Partition {
            partition,
            leader,
            offline,
            isr,
            elr,
            high_watermark,
            leader_epoch,
            leo,
            log,
            log_start_offset,
            segments,
            offsets,
            lso,
        } => {
            if let Some(expected) = lso {
                match world.last_stable_offset(*partition) {
                    Some(found) => compare(&mut failures, "lso", Some(*expected), found.0),
                    None => failures.push(format!("expected lso {expected}, found no leader")),
                }
            }
            check_log_shape(
                world,
                *partition,
                &mut failures,
                *log_start_offset,
                segments.as_deref(),
                offsets.as_deref(),
            );
            check_partition(
                world,
                *partition,
                &mut failures,
                PartitionChecks {
                    leader: *leader,
                    offline: *offline,
                    isr,
                    elr,
                    high_watermark: *high_watermark,
                    leader_epoch: *leader_epoch,
                },
            );
            for (&broker, &expected) in leo {
                match world.brokers()[broker.0 as usize - 1]
                    .replicas
                    .get(partition)
                {
                    Some(r) => compare(
                        &mut failures,
                        &format!("leo on broker {}", broker.0),
                        Some(expected),
                        r.log.log_end_offset().0,
                    ),
                    None => failures.push(format!("broker {} holds no replica of it", broker.0)),
                }
            }
            for (&broker, expected) in log {
                match world.brokers()[broker.0 as usize - 1]
                    .replicas
                    .get(partition)
                {
                    Some(r) => {
                        let found: Vec<String> = r
                            .log
                            .records()
                            .map(|(_, rec)| world.value_of(rec))
                            .collect();
                        if &found != expected {
                            failures.push(format!(
                                "expected log on broker {} [{}], found [{}]",
                                broker.0,
                                expected.join(", "),
                                found.join(", ")
                            ));
                        }
                    }
                    None => failures.push(format!("broker {} holds no replica of it", broker.0)),
                }
            }
            format!("partition {}", scenario.partition_name(*partition))
        }
        Subject::Producer {
            producer,
            acked,
            failed,
            errors,
            batches,
            requests,
            records_per_batch,
            epoch,
            transaction_state,
        } => {
            let p = &world.producers()[producer.0 as usize];
            compare(&mut failures, "epoch", *epoch, p.epoch());
            if let Some(expected) = transaction_state {
                let id = p.config.transactional_id.clone().unwrap_or_default();
                let found = world
                    .transaction_state(&id)
                    .map_or("(no coordinator holds it)", |s| s.name());
                if found != expected {
                    failures.push(format!(
                        "expected transaction_state {expected} (transactional.id {id:?}), found {found}"
                    ));
                }
            }
            let (mut n_acked, mut n_failed) = (0u64, 0u64);
            for record in &p.records {
                match record.outcome() {
                    Outcome::Acked(_) => n_acked += 1,
                    Outcome::Failed(_) => n_failed += 1,
                    Outcome::Pending => {}
                }
            }
            compare(&mut failures, "acked", *acked, n_acked);
            compare(&mut failures, "failed", *failed, n_failed);
            check_errors(&mut failures, errors, &p.errors);
            compare(&mut failures, "batches", *batches, p.stats.batches);
            compare(&mut failures, "requests", *requests, p.stats.requests);
            if let Some(range) = records_per_batch
                && let Some(failure) = check_mean_in_range(
                    "records_per_batch",
                    *range,
                    p.stats.records_per_batch(),
                    "no batch was sent",
                )
            {
                failures.push(failure);
            }
            format!("producer {}", p.name)
        }
        Subject::Consumer {
            consumer,
            received,
            values,
            assignment,
            processed,
            idle,
            lag,
            records_lag_max,
            rebalances,
            errors,
            read_aborted,
        } => {
            let c = &world.consumers()[consumer.0 as usize];
            if read_aborted.is_some() {
                let n = c
                    .received
                    .iter()
                    .filter(|(tp, offset, r)| world.is_aborted(*tp, *offset, *r))
                    .count() as u64;
                compare(&mut failures, "read_aborted", *read_aborted, n);
            }
            check_errors(&mut failures, errors, &c.errors);
            compare(
                &mut failures,
                "processed",
                *processed,
                c.processed.len() as u64,
            );
            compare(&mut failures, "idle", *idle, c.is_idle());
            compare(
                &mut failures,
                "records_lag_max",
                *records_lag_max,
                c.records_lag_max(world.now()),
            );
            compare(&mut failures, "rebalances", *rebalances, c.rebalances);
            let found_lag = c.lag();
            for (tp, expected) in lag {
                match found_lag.get(tp) {
                    Some(found) if found == expected => {}
                    Some(found) => failures.push(format!(
                        "expected lag {expected} on {}, found {found}",
                        scenario.partition_name(*tp)
                    )),
                    None => failures.push(format!(
                        "expected lag {expected} on {}, found no position there",
                        scenario.partition_name(*tp)
                    )),
                }
            }
            compare(
                &mut failures,
                "received",
                *received,
                c.received.len() as u64,
            );
            if let Some(expected) = values {
                let found: Vec<String> = c
                    .received
                    .iter()
                    .map(|(_, _, r)| world.value_of(*r))
                    .collect();
                if &found != expected {
                    failures.push(format!(
                        "expected values [{}], found [{}]",
                        expected.join(", "),
                        found.join(", ")
                    ));
                }
            }
            if let Some(expected) = assignment {
                let mut expected = expected.clone();
                expected.sort();
                let mut found = c.assignment.clone();
                found.sort();
                if expected != found {
                    let names = |l: &[TopicPartition]| {
                        l.iter()
                            .map(|tp| scenario.partition_name(*tp))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    failures.push(format!(
                        "expected assignment [{}], found [{}]",
                        names(&expected),
                        names(&found)
                    ));
                }
            }
            format!("consumer {}", c.name)
        }
        Subject::Group {
            group,
            committed,
            generation,
            state,
            members,
            coordinator,
            lost,
            reprocessed,
        } => {
            check_group(
                world,
                group,
                &mut failures,
                GroupChecks {
                    committed,
                    generation: *generation,
                    state: state.as_deref(),
                    members: members.as_deref(),
                    coordinator: *coordinator,
                    lost: *lost,
                    reprocessed: *reprocessed,
                },
            );
            format!("group {group}")
        }
        Subject::Streams {
            app,
            store,
            entries,
            owners,
            restored,
            outputs,
            processed,
            reprocessed,
        } => {
            check_streams(
                world,
                *app,
                &mut failures,
                *store,
                entries,
                owners,
                [*restored, *outputs, *processed, *reprocessed],
            );
            format!("streams {}", scenario.streams[*app].name)
        }
    };
    // A quiz question's `check` states its marked answer: a mismatch says that answer is wrong.
    let failures = match &expectation.quiz {
        Some(id) => failures
            .into_iter()
            .map(|failure| format!("quiz {id}'s answer does not hold: {failure}"))
            .collect(),
        None => failures,
    };
    CheckResult {
        pos: expectation.pos,
        at: world.now(),
        subject,
        failures,
    }
}

/// A mean checked against an inclusive range; the failure shows the mean to two decimals.
fn check_mean_in_range(
    what: &str,
    (min, max): (f64, f64),
    found: Option<f64>,
    when_none: &str,
) -> Option<String> {
    match found {
        Some(mean) if (min..=max).contains(&mean) => None,
        Some(mean) => {
            // Three decimals at most, without trailing zeros: 2.5, 3.333.
            let text = format!("{mean:.3}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            Some(format!("expected {what} in [{min}, {max}], found {text}"))
        }
        None => Some(format!(
            "expected {what} in [{min}, {max}], found none: {when_none}"
        )),
    }
}

/// The log start offset, the segments and the offsets present, on the log that counts.
fn check_log_shape(
    world: &World,
    tp: TopicPartition,
    failures: &mut Vec<String>,
    log_start_offset: Option<u64>,
    segments: Option<&[u64]>,
    offsets: Option<&[u64]>,
) {
    if log_start_offset.is_none() && segments.is_none() && offsets.is_none() {
        return;
    }
    let Some(log) = authoritative_log(world, tp) else {
        failures.push("no replica to read the log from".to_string());
        return;
    };
    compare(
        failures,
        "log start offset",
        log_start_offset,
        log.log_start_offset().0,
    );
    let list = |v: &[u64]| {
        let items: Vec<String> = v.iter().map(u64::to_string).collect();
        format!("[{}]", items.join(", "))
    };
    if let Some(expected) = segments {
        let found: Vec<u64> = log.segments().iter().map(|s| s.base_offset.0).collect();
        if found != expected {
            failures.push(format!(
                "expected segments {}, found {}",
                list(expected),
                list(&found)
            ));
        }
    }
    if let Some(expected) = offsets {
        let found: Vec<u64> = log
            .records()
            .map(|(o, _)| o.0)
            .filter(|&o| o >= log.log_start_offset().0)
            .collect();
        if found != expected {
            failures.push(format!(
                "expected offsets {}, found {}",
                list(expected),
                list(&found)
            ));
        }
    }
}

struct PartitionChecks<'a> {
    leader: Option<Option<BrokerId>>,
    offline: Option<bool>,
    isr: &'a Option<Vec<BrokerId>>,
    elr: &'a Option<Vec<BrokerId>>,
    high_watermark: Option<u64>,
    leader_epoch: Option<u32>,
}

fn check_partition(
    world: &World,
    tp: TopicPartition,
    failures: &mut Vec<String>,
    checks: PartitionChecks,
) {
    let image = world.controller().image();
    let Some(state) = image.partition(tp) else {
        failures.push("the partition does not exist at that time".to_string());
        return;
    };
    if let Some(expected) = checks.leader
        && expected != state.leader
    {
        failures.push(format!(
            "expected leader {}, found {}",
            leader_name(expected),
            leader_name(state.leader)
        ));
    }
    compare(failures, "offline", checks.offline, state.leader.is_none());
    for (name, expected, found) in [
        ("isr", checks.isr, &state.isr),
        ("elr", checks.elr, &state.elr),
    ] {
        if let Some(expected) = expected {
            let (mut e, mut f) = (expected.clone(), found.clone());
            e.sort();
            f.sort();
            if e != f {
                failures.push(format!(
                    "expected {name} {}, found {}",
                    brokers(&e),
                    brokers(&f)
                ));
            }
        }
    }
    if let Some(expected) = checks.high_watermark {
        match authoritative_log(world, tp) {
            Some(log) => compare(
                failures,
                "high watermark",
                Some(expected),
                log.high_watermark.0,
            ),
            None => failures.push(format!(
                "expected high watermark {expected}, found no replica to read it from"
            )),
        }
    }
    compare(
        failures,
        "leader epoch",
        checks.leader_epoch,
        state.leader_epoch.0,
    );
}

struct GroupChecks<'a> {
    committed: &'a std::collections::BTreeMap<TopicPartition, u64>,
    generation: Option<u32>,
    state: Option<&'a str>,
    members: Option<&'a [crate::engine::ids::ConsumerIdx]>,
    coordinator: Option<BrokerId>,
    lost: Option<u64>,
    reprocessed: Option<u64>,
}

/// A group as its coordinator holds it, and what its members did with the records.
fn check_group(world: &World, name: &str, failures: &mut Vec<String>, checks: GroupChecks) {
    let scenario = world.scenario();
    let found = world.group(name);
    let coordinator_name = found.map_or("none".to_string(), |(b, _)| b.0.to_string());
    compare(
        failures,
        "coordinator",
        checks.coordinator.map(|b| b.0.to_string()),
        coordinator_name,
    );
    let Some((_, group)) = found else {
        if checks.generation.is_some()
            || checks.state.is_some()
            || checks.members.is_some()
            || !checks.committed.is_empty()
        {
            failures.push(format!("group {name} has no coordinator holding it"));
        }
        return;
    };
    compare(
        failures,
        "generation",
        checks.generation.map(i64::from),
        i64::from(group.generation),
    );
    compare(failures, "state", checks.state, group.state.name());
    for (tp, expected) in checks.committed {
        match group.offsets.get(tp) {
            Some(found) if found.0 == *expected => {}
            Some(found) => failures.push(format!(
                "expected committed offset {expected} for {}, found {found}",
                scenario.partition_name(*tp)
            )),
            None => failures.push(format!(
                "expected committed offset {expected} for {}, found none",
                scenario.partition_name(*tp)
            )),
        }
    }
    if let Some(expected) = checks.members {
        let mut expected: Vec<String> = expected
            .iter()
            .map(|c| world.consumers()[c.0 as usize].name.clone())
            .collect();
        expected.sort();
        let mut found: Vec<String> = world
            .consumers()
            .iter()
            .filter(|c| c.running && c.member_of(name) && group.members.contains_key(c.member()))
            .map(|c| c.name.clone())
            .collect();
        found.sort();
        if expected != found {
            failures.push(format!(
                "expected members [{}], found [{}]",
                expected.join(", "),
                found.join(", ")
            ));
        }
    }
    let (lost, reprocessed) = world.group_processing(name);
    compare(failures, "lost", checks.lost, lost);
    compare(failures, "reprocessed", checks.reprocessed, reprocessed);
}

/// A Kafka Streams application: store entries (on the thread whose task holds the key),
/// task owners, and counts summed over its threads.
fn check_streams(
    world: &World,
    app: usize,
    failures: &mut Vec<String>,
    store: Option<usize>,
    entries: &std::collections::BTreeMap<String, String>,
    owners: &std::collections::BTreeMap<
        crate::scenario::streams::TaskId,
        crate::engine::ids::ConsumerIdx,
    >,
    [restored, outputs, processed, reprocessed]: [Option<u64>; 4],
) {
    let scenario = world.scenario();
    let spec = &scenario.streams[app];
    let threads: Vec<_> = world
        .streams_threads()
        .iter()
        .filter(|t| t.app == app)
        .collect();
    if let Some(store) = store {
        let name = &spec.stores[store].name;
        for (key, expected) in entries {
            let found: Vec<&str> = threads
                .iter()
                .flat_map(|t| t.tasks.values())
                .filter_map(|task| task.stores.get(&store)?.get(key.as_str()))
                .map(|v| &**v)
                .collect();
            match found.as_slice() {
                [one] if one == expected => {}
                [one] => failures.push(format!(
                    "expected {name}[{key}] = {expected:?}, found {one:?}"
                )),
                [] => failures.push(format!(
                    "expected {name}[{key}] = {expected:?}, found no task holding the key"
                )),
                _ => failures.push(format!(
                    "expected {name}[{key}] = {expected:?}, found it in {} tasks",
                    found.len()
                )),
            }
        }
    }
    for (task, member) in owners {
        let owner = threads
            .iter()
            .find(|t| t.tasks.contains_key(task))
            .map(|t| spec.members[t.member].consumer);
        if owner != Some(*member) {
            let found = owner.map_or("no member".to_string(), |c| {
                format!("{:?}", scenario.consumers[c.0 as usize].name)
            });
            failures.push(format!(
                "expected task {task} owned by {:?}, found {found}",
                scenario.consumers[member.0 as usize].name
            ));
        }
    }
    let sum = |f: fn(&crate::clients::streams::StreamsThread) -> u64| {
        threads.iter().map(|t| f(t)).sum::<u64>()
    };
    compare(failures, "restored", restored, sum(|t| t.restored));
    compare(failures, "outputs", outputs, sum(|t| t.outputs));
    compare(failures, "processed", processed, sum(|t| t.processed));
    compare(
        failures,
        "reprocessed",
        reprocessed,
        world.streams_reprocessed(app),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    // A mean passes on the bounds themselves and fails just outside them, or without batches.
    #[test]
    fn mean_in_inclusive_range() {
        assert_eq!(check_mean_in_range("m", (1.0, 2.5), Some(1.0), ""), None);
        assert_eq!(check_mean_in_range("m", (1.0, 2.5), Some(2.5), ""), None);
        assert_eq!(
            check_mean_in_range("m", (1.0, 2.5), Some(10.0 / 3.0), ""),
            Some("expected m in [1, 2.5], found 3.333".to_string())
        );
        assert_eq!(
            check_mean_in_range("m", (1.0, 2.5), Some(0.5), ""),
            Some("expected m in [1, 2.5], found 0.5".to_string())
        );
        assert_eq!(
            check_mean_in_range("m", (1.0, 2.5), None, "no batch was sent"),
            Some("expected m in [1, 2.5], found none: no batch was sent".to_string())
        );
    }
}
