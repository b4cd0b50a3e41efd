//! The cluster at a glance, as `kafka-topics --describe` prints it, with each replica's log
//! end offset and high watermark, and each broker's state; each consumer group as its
//! coordinator holds it; each transactional.id as its coordinator holds it, with the last
//! stable offset of each partition led; and each producer's batching.

use std::fmt::Write as _;

use crate::world::World;

pub fn describe(world: &World) -> String {
    let mut out = String::new();
    let image = world.controller().image();
    let scenario = world.scenario();
    let brokers: Vec<String> = world
        .brokers()
        .iter()
        .map(|b| {
            let state = if !b.alive {
                "down"
            } else if image.is_fenced(b.id) {
                "fenced"
            } else {
                "up"
            };
            format!("{} {state}", b.id.0)
        })
        .collect();
    let _ = writeln!(out, "Brokers: {}", brokers.join(", "));
    let transactional = !scenario.transactional_ids.is_empty();
    for (t, topic) in image.topics.iter().enumerate() {
        let spec = &scenario.topics[t];
        let rf = topic.partitions.first().map_or(0, |p| p.replicas.len());
        let _ = writeln!(
            out,
            "Topic: {}\tPartitionCount: {}\tReplicationFactor: {rf}\tConfigs: min.insync.replicas={},unclean.leader.election.enable={}",
            topic.name,
            topic.partitions.len(),
            spec.config.min_insync_replicas,
            spec.config.unclean_leader_election_enable
        );
        for (p, state) in topic.partitions.iter().enumerate() {
            let tp = crate::engine::ids::TopicPartition::new(
                crate::engine::ids::TopicId(t as u32),
                p as u32,
            );
            // Of __consumer_offsets, only the partitions that hold something.
            let used = || {
                state.replicas.iter().any(|b| {
                    world.brokers()[b.0 as usize - 1]
                        .replicas
                        .get(&tp)
                        .is_some_and(|r| r.log.log_end_offset().0 > 0)
                })
            };
            if spec.internal && !used() {
                continue;
            }
            let list = |l: &[crate::engine::ids::BrokerId]| {
                l.iter()
                    .map(|b| b.0.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let leader = state.leader.map_or("none".to_string(), |b| b.0.to_string());
            // Kafka 4's kafka-topics --describe adds the ELR (KIP-966) beside the ISR; shown
            // here only when there is one.
            let mut isr = list(&state.isr);
            if !state.elr.is_empty() {
                isr.push_str(&format!("\tElr: {}", list(&state.elr)));
            }
            if !state.last_known_elr.is_empty() {
                isr.push_str(&format!("\tLastKnownElr: {}", list(&state.last_known_elr)));
            }
            let _ = writeln!(
                out,
                "\tTopic: {}\tPartition: {p}\tLeader: {leader}\tReplicas: {}\tIsr: {isr}\tLeaderEpoch: {}",
                topic.name,
                list(&state.replicas),
                state.leader_epoch
            );
            for b in &state.replicas {
                let broker = &world.brokers()[b.0 as usize - 1];
                if let Some(replica) = broker.replicas.get(&tp) {
                    let role = if replica.leading.is_some() {
                        "leader"
                    } else {
                        "follower"
                    };
                    // With transactions, a leader also shows its last stable offset and the
                    // transactions open in the partition (producer id @ first offset).
                    let lso = if transactional && replica.leading.is_some() {
                        let open: Vec<String> = replica
                            .producers
                            .open_transactions()
                            .map(|(p, first)| format!("{}@{first}", p.0))
                            .collect();
                        format!(
                            "\tlso {}{}",
                            replica
                                .producers
                                .last_stable_offset(replica.log.high_watermark),
                            if open.is_empty() {
                                String::new()
                            } else {
                                format!("\topen transactions [{}]", open.join(", "))
                            }
                        )
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        out,
                        "\t\treplica {}: {role}{}\tleo {}\thw {}{lso}",
                        b.0,
                        if broker.alive { "" } else { " (down)" },
                        replica.log.log_end_offset(),
                        replica.log.high_watermark
                    );
                }
            }
        }
    }
    for name in &scenario.groups {
        match world.group(name) {
            Some((coordinator, group)) => {
                let _ = writeln!(
                    out,
                    "Group: {name}\tCoordinator: {}\tState: {}\tGeneration: {}\tProtocol: {}",
                    coordinator.0,
                    group.state.name(),
                    group.generation,
                    group.protocol.map_or("none", |p| p.protocol_name())
                );
                for (id, member) in &group.members {
                    let parts: Vec<String> = member
                        .stored
                        .assignment
                        .iter()
                        .map(|tp| scenario.partition_name(*tp))
                        .collect();
                    let _ = writeln!(out, "\tmember {id}: [{}]", parts.join(", "));
                }
                let (lost, reprocessed) = world.group_processing(name);
                let _ = writeln!(
                    out,
                    "\trecords committed past but never processed (lost): {lost}; processed more than once: {reprocessed}"
                );
                for (tp, offset) in &group.offsets {
                    let _ = writeln!(
                        out,
                        "\tcommitted {}: {offset}",
                        scenario.partition_name(*tp)
                    );
                }
            }
            None => {
                let _ = writeln!(out, "Group: {name}\tCoordinator: none");
            }
        }
    }
    for (a, app) in scenario.streams.iter().enumerate() {
        let threads: Vec<_> = world
            .streams_threads()
            .iter()
            .filter(|t| t.app == a)
            .collect();
        let sum = |f: fn(&crate::clients::streams::StreamsThread) -> u64| {
            threads.iter().map(|t| f(t)).sum::<u64>()
        };
        let _ = writeln!(
            out,
            "Streams: {}\tapplication.id: {}\trecords processed (repartition topics included) {} -> records sent to `to` topics {}; processed more than once: {}; changelog records restored: {}",
            app.name,
            app.application_id,
            sum(|t| t.processed),
            sum(|t| t.outputs),
            world.streams_reprocessed(a),
            sum(|t| t.restored)
        );
        for thread in threads {
            let member = &app.members[thread.member];
            let tasks: Vec<String> = thread.tasks.keys().map(|t| t.to_string()).collect();
            let _ = writeln!(
                out,
                "\tmember {}: tasks [{}]",
                scenario.consumers[member.consumer.0 as usize].name,
                tasks.join(", ")
            );
        }
    }
    if let Some(fates) = crate::observe::ledger::transaction_fates(world) {
        let _ = writeln!(
            out,
            "Transactional records: committed {}, aborted {}, open {}; returned by a consumer while aborted: {}",
            fates.committed, fates.aborted, fates.open, fates.read_aborted
        );
    }
    for id in &scenario.transactional_ids {
        let holder = world.brokers().iter().filter(|b| b.alive).find_map(|b| {
            let index = scenario.transactional_ids.iter().position(|t| t == id)?;
            let txn = crate::engine::ids::TransactionalId(index as u32);
            b.txn_coordinator.txns.get(&txn).map(|m| (b.id, m))
        });
        match holder {
            Some((coordinator, meta)) => {
                let partitions: Vec<String> = meta
                    .partitions
                    .iter()
                    .map(|tp| scenario.partition_name(*tp))
                    .collect();
                let _ = writeln!(
                    out,
                    "TransactionalId: {id}\tCoordinator: {}\tState: {}\tProducerId: {}\tProducerEpoch: {}\tPartitions: [{}]",
                    coordinator.0,
                    meta.state.name(),
                    meta.producer.0,
                    meta.epoch,
                    partitions.join(", ")
                );
            }
            None => {
                let _ = writeln!(out, "TransactionalId: {id}\tCoordinator: none");
            }
        }
    }
    out
}

/// Each producer's batching, as its metrics would show it (F21, F24): requests and batches
/// sent, the mean records per batch, how full the mean batch on the wire was against
/// `batch.size`, the bytes before and after compression, the records acknowledged per
/// simulated second, and, when send() ever waited for `buffer.memory`, how long.
pub fn producer_batches(world: &World) -> String {
    let header = [
        "producer",
        "requests",
        "batches",
        "records/batch",
        "fill",
        "uncompressed",
        "compressed",
        "acked/s",
    ];
    if world.producers().is_empty() {
        return String::new();
    }
    let mut rows: Vec<[String; 8]> = Vec::new();
    let mut notes = String::new();
    for producer in world.producers() {
        let stats = &producer.stats;
        let config = &producer.config;
        let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
        rows.push([
            producer.name.clone(),
            stats.requests.to_string(),
            stats.batches.to_string(),
            or_dash(stats.records_per_batch().map(|m| format!("{m:.2}"))),
            or_dash(
                stats
                    .fill_percent(config.batch_size)
                    .map(|f| format!("{f:.1}%")),
            ),
            stats.uncompressed_bytes.to_string(),
            format!(
                "{} ({})",
                stats.compressed_bytes,
                config.compression_type.name()
            ),
            or_dash(stats.acked_per_sec().map(|r| format!("{r:.1}"))),
        ]);
        if stats.blocked_sends > 0 {
            let _ = writeln!(
                notes,
                "  {}: send() blocked {} time{} for buffer.memory={}, {} in all; {} record{} failed after max.block.ms={}",
                producer.name,
                stats.blocked_sends,
                if stats.blocked_sends == 1 { "" } else { "s" },
                config.buffer_memory,
                crate::engine::time::format_duration(stats.blocked_time),
                stats.buffer_exhausted,
                if stats.buffer_exhausted == 1 { "" } else { "s" },
                config.max_block_ms
            );
        }
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |cells: &[&str], out: &mut String| {
        for (c, cell) in cells.iter().enumerate() {
            if c == 0 {
                let _ = write!(out, "  {cell:<w$}", w = widths[c]);
            } else {
                let _ = write!(out, "  {cell:>w$}", w = widths[c]);
            }
        }
        out.push('\n');
    };
    line(&header, &mut out);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&cells, &mut out);
    }
    out.push_str(&notes);
    out
}

impl World {
    /// The cluster as `kafka-topics --describe` shows it, with HW and LEO per replica.
    pub fn describe(&self) -> String {
        describe(self)
    }
}
