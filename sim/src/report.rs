//! The cluster at a glance, as `kafka-topics --describe` prints it, with each replica's log
//! end offset and high watermark, and each broker's state.

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
            let tp = crate::ids::TopicPartition::new(crate::ids::TopicId(t as u32), p as u32);
            // Of __consumer_offsets, only the partitions that hold something.
            let used = state.replicas.iter().any(|b| {
                world.brokers()[b.0 as usize - 1]
                    .replicas
                    .get(&tp)
                    .is_some_and(|r| r.log.log_end_offset().0 > 0)
            });
            if spec.internal && !used {
                continue;
            }
            let list = |l: &[crate::ids::BrokerId]| {
                l.iter()
                    .map(|b| b.0.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let leader = state.leader.map_or("none".to_string(), |b| b.0.to_string());
            let _ = writeln!(
                out,
                "\tTopic: {}\tPartition: {p}\tLeader: {leader}\tReplicas: {}\tIsr: {}\tLeaderEpoch: {}",
                topic.name,
                list(&state.replicas),
                list(&state.isr),
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
                    let _ = writeln!(
                        out,
                        "\t\treplica {}: {role}{}\tleo {}\thw {}",
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
    out
}
