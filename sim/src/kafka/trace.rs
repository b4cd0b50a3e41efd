//! The trace: every state change of a run, one event per line, with the reason where the
//! event teaches something (`12.345ms b1 orders-0 hw 4→5 (min leo over isr [1, 2])`).
//!
//! The text form is canonical: its hash identifies a run and the snapshots pin it. Events are
//! stored as data and rendered on demand, so recording one costs little.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::ids::{BrokerId, LeaderEpoch, NodeId, Offset, TopicId, TopicPartition};
use crate::engine::time::{SimTime, format_duration};

/// Names for rendering: topics, producers and consumers by index.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub scenario: String,
    pub seed: u64,
    pub topics: Vec<String>,
    pub producers: Vec<String>,
    pub consumers: Vec<String>,
}

impl Names {
    pub fn partition(&self, tp: TopicPartition) -> String {
        let topic = self
            .topics
            .get(tp.topic.0 as usize)
            .map_or("?", String::as_str);
        format!("{topic}-{}", tp.partition)
    }

    pub fn node(&self, node: NodeId) -> String {
        match node {
            NodeId::Controller => "ctl".to_string(),
            NodeId::Broker(b) => b.to_string(),
            NodeId::Producer(p) => self.producers[p.0 as usize].clone(),
            NodeId::Consumer(c) => self.consumers[c.0 as usize].clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceEntry {
    pub time: SimTime,
    #[serde(skip)]
    pub node: NodeId,
    pub event: TraceEvent,
}

/// What happened. Variants that teach carry a `why`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceEvent {
    Say {
        #[serde(flatten)]
        text: crate::scenario::Narration,
    },
    /// A lesson asks a `[[quiz]]` question here (predict, then watch).
    Ask {
        question: String,
    },
    Crash,
    PowerLoss {
        lost: Vec<(TopicPartition, Offset, Offset)>,
    },
    Restart,
    Isolate {
        broker: BrokerId,
    },
    NetworkPartition {
        groups: Vec<Vec<BrokerId>>,
    },
    Heal,
    Slow {
        broker: BrokerId,
        latency: SimTime,
    },
    ClientStarted,
    ClientStopped,
    /// A leader appended a producer's batch.
    Append {
        partition: TopicPartition,
        base: Offset,
        count: u32,
        epoch: LeaderEpoch,
        leo: Offset,
    },
    /// A follower appended what it fetched from the leader.
    Replicate {
        partition: TopicPartition,
        leader: BrokerId,
        base: Offset,
        count: u32,
        leo: Offset,
    },
    HighWatermark {
        partition: TopicPartition,
        from: Offset,
        to: Offset,
        why: HighWatermarkCause,
    },
    ProduceRejected {
        partition: TopicPartition,
        error: String,
        why: String,
    },
    IsrProposed {
        partition: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
        why: String,
    },
    IsrChanged {
        partition: TopicPartition,
        from: Vec<BrokerId>,
        to: Vec<BrokerId>,
    },
    Election {
        partition: TopicPartition,
        leader: Option<BrokerId>,
        epoch: LeaderEpoch,
        isr: Vec<BrokerId>,
        why: String,
    },
    BecameLeader {
        partition: TopicPartition,
        epoch: LeaderEpoch,
        high_watermark: Offset,
        leo: Offset,
    },
    BecameFollower {
        partition: TopicPartition,
        leader: Option<BrokerId>,
        epoch: LeaderEpoch,
    },
    Truncate {
        partition: TopicPartition,
        from: Offset,
        to: Offset,
        why: String,
    },
    TopicCreated {
        topic: TopicId,
        partitions: u32,
        replication_factor: u32,
        why: String,
    },
    TopicNotCreated {
        topic: TopicId,
        error: String,
        why: String,
    },
    TopicDeleted {
        topic: TopicId,
    },
    /// A broker asks the controller to create a topic a metadata request named (R11).
    AutoCreateRequested {
        topic: TopicId,
        #[serde(skip)]
        client: NodeId,
    },
    /// A client's metadata lacks a topic it needs.
    TopicMissing {
        topic: TopicId,
        error: String,
        why: String,
    },
    ReplicaDeleted {
        partition: TopicPartition,
        records: u32,
    },
    SegmentRolled {
        partition: TopicPartition,
        base: Offset,
        why: String,
    },
    SegmentsDeleted {
        partition: TopicPartition,
        /// Base offsets of the deleted segments.
        segments: Vec<Offset>,
        records: u32,
        /// The log start offset before and after.
        log_start: (Offset, Offset),
        why: String,
    },
    LogCleaned {
        partition: TopicPartition,
        from: Offset,
        to: Offset,
        /// Offsets removed because a later record has their key.
        superseded: Vec<Offset>,
        /// Tombstones removed because their delete horizon passed.
        tombstones: Vec<Offset>,
        why: String,
    },
    Fenced {
        broker: BrokerId,
        why: String,
    },
    Unfenced {
        broker: BrokerId,
    },
    RegistrationRefused {
        broker: BrokerId,
    },
    Loaded {
        partition: TopicPartition,
        leo: Offset,
        high_watermark: Offset,
    },
    Flush {
        partition: TopicPartition,
        to: Offset,
    },
    Metadata {
        leaders: String,
    },
    /// An idempotent producer's retry of a batch already written.
    Duplicate {
        partition: TopicPartition,
        base: Offset,
        count: u32,
    },
    ProducerEpochBumped {
        epoch: u32,
    },
    /// A key's record hashed to another partition than the key's earlier records, because
    /// the topic's partition count changed (R7.6).
    KeyMoved {
        key: String,
        from: TopicPartition,
        to: TopicPartition,
        partitions_before: u32,
        partitions_now: u32,
    },
    ConnectionRefused {
        broker: BrokerId,
        retry_at: SimTime,
    },
    /// After refusals, a connection attempt got through.
    ConnectionAccepted {
        broker: BrokerId,
        sent_at: SimTime,
    },
    ProduceSent {
        partition: TopicPartition,
        to: BrokerId,
        count: u32,
        first: u32,
        attempt: u32,
        /// With compression: the codec, and the batch's bytes before and after it.
        #[serde(skip_serializing_if = "Option::is_none")]
        compressed: Option<(&'static str, u32, u32)>,
    },
    /// send() blocked for `buffer.memory` (traced the first time only).
    SendBlocked {
        since: SimTime,
        why: String,
    },
    /// send() itself failed: the record never reached the accumulator, or waited too long
    /// for memory (traced the first time only).
    SendFailed {
        record: u32,
        error: String,
    },
    ProduceAcked {
        partition: TopicPartition,
        base: Offset,
        count: u32,
        first: u32,
    },
    ProduceFailed {
        partition: TopicPartition,
        count: u32,
        first: u32,
        error: String,
        retry: bool,
    },
    RecordsLost {
        partition: TopicPartition,
        count: u32,
        values: String,
        why: String,
    },
    /// Records reported lost are in the leader's log again (the replica that kept them leads).
    RecordsRecovered {
        partition: TopicPartition,
        count: u32,
        values: String,
        why: String,
    },
    Consumed {
        partition: TopicPartition,
        from: Offset,
        to: Offset,
        values: String,
    },
    OffsetReset {
        partition: TopicPartition,
        to: Offset,
        why: String,
    },
    Assigned {
        partitions: Vec<TopicPartition>,
    },
    ConsumerError {
        partition: TopicPartition,
        error: String,
    },
    // The group coordinator.
    GroupMember {
        group: String,
        member: String,
        what: String,
    },
    RebalanceStarted {
        group: String,
        generation: i32,
        why: String,
    },
    JoinCompleted {
        group: String,
        generation: i32,
        protocol: String,
        leader: String,
        members: Vec<String>,
    },
    GroupStable {
        group: String,
        generation: i32,
        protocol: String,
        assignment: Vec<(String, Vec<TopicPartition>)>,
    },
    GroupEmpty {
        group: String,
        generation: i32,
    },
    GroupLoaded {
        group: String,
        generation: i32,
        members: u32,
        offsets: u32,
    },
    OffsetsCommitted {
        group: String,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    // A group member.
    /// What a member did or learned about its group: found the coordinator, joined, left.
    Membership {
        what: String,
    },
    Revoked {
        partitions: Vec<TopicPartition>,
        why: String,
    },
    Processed {
        count: u32,
        values: String,
    },
    CommitSent {
        offsets: Vec<(TopicPartition, Offset)>,
        how: String,
    },
    CommitFailed {
        error: String,
        why: String,
    },
}

impl TraceEvent {
    /// One word for the kind of event, for filters and JSON.
    pub fn kind(&self) -> &'static str {
        use TraceEvent::*;
        match self {
            Say { .. } => "say",
            Ask { .. } => "ask",
            Crash
            | PowerLoss { .. }
            | Restart
            | Isolate { .. }
            | NetworkPartition { .. }
            | Heal
            | Slow { .. } => "fault",
            ClientStarted | ClientStopped => "client",
            Append { .. } | Replicate { .. } | Flush { .. } | Loaded { .. } => "log",
            HighWatermark { .. } => "hw",
            IsrProposed { .. } | IsrChanged { .. } => "isr",
            Election { .. } | BecameLeader { .. } | BecameFollower { .. } => "election",
            Truncate { .. } => "truncate",
            SegmentRolled { .. } => "log",
            TopicCreated { .. } | TopicDeleted { .. } | AutoCreateRequested { .. } => "topic",
            ReplicaDeleted { .. } => "topic",
            TopicNotCreated { .. } | TopicMissing { .. } => "error",
            SegmentsDeleted { .. } | LogCleaned { .. } => "cleanup",
            Fenced { .. } | Unfenced { .. } | RegistrationRefused { .. } => "fence",
            Metadata { .. } => "metadata",
            ProduceSent { .. } | ProduceAcked { .. } | SendBlocked { .. } => "produce",
            SendFailed { .. } => "error",
            ConnectionRefused { .. } => "error",
            ConnectionAccepted { .. } => "produce",
            Duplicate { .. } | ProducerEpochBumped { .. } | KeyMoved { .. } => "produce",
            ProduceRejected { .. } | ProduceFailed { .. } | ConsumerError { .. } => "error",
            RecordsLost { .. } | RecordsRecovered { .. } => "loss",
            Consumed { .. } | OffsetReset { .. } | Assigned { .. } | Processed { .. } => "consume",
            GroupMember { .. }
            | RebalanceStarted { .. }
            | JoinCompleted { .. }
            | GroupStable { .. }
            | GroupEmpty { .. }
            | GroupLoaded { .. }
            | Membership { .. }
            | Revoked { .. } => "group",
            OffsetsCommitted { .. } | CommitSent { .. } => "commit",
            CommitFailed { .. } => "error",
        }
    }

    fn render(&self, names: &Names, out: &mut String) {
        use TraceEvent::*;
        let p = |tp: &TopicPartition| names.partition(*tp);
        let t = |topic: &TopicId| {
            names
                .topics
                .get(topic.0 as usize)
                .map_or("?", String::as_str)
                .to_string()
        };
        let _ = match self {
            Say { text } => write!(out, "say: {}", text.en),
            Ask { question } => write!(out, "asks {question}: predict, then watch"),
            Crash => write!(out, "process crashed (appended data stays on disk)"),
            PowerLoss { lost } => {
                let _ = write!(out, "power lost");
                if lost.is_empty() {
                    write!(out, " (everything was flushed, nothing lost)")
                } else {
                    let parts: Vec<String> = lost
                        .iter()
                        .map(|(tp, from, to)| format!("{} {}..{}", p(tp), to, from))
                        .collect();
                    write!(out, ": unflushed offsets gone: {}", parts.join(", "))
                }
            }
            Restart => write!(out, "process restarted"),
            Isolate { broker } => write!(out, "network: {broker} isolated from everyone"),
            NetworkPartition { groups } => {
                let groups: Vec<String> = groups.iter().map(|g| brokers(g)).collect();
                write!(out, "network: partitioned into {}", groups.join(" | "))
            }
            Heal => write!(out, "network: healed, every link restored"),
            Slow { broker, latency } => {
                write!(
                    out,
                    "network: {broker} slowed by {}",
                    format_duration(*latency)
                )
            }
            ClientStarted => write!(out, "started"),
            ClientStopped => write!(out, "stopped"),
            Append {
                partition,
                base,
                count,
                epoch,
                leo,
            } => write!(
                out,
                "{} append {} (epoch {epoch}), leo {}",
                p(partition),
                range(*base, *count),
                leo
            ),
            Replicate {
                partition,
                leader,
                base,
                count,
                leo,
            } => write!(
                out,
                "{} replicate {} from {leader}, leo {}",
                p(partition),
                range(*base, *count),
                leo
            ),
            HighWatermark {
                partition,
                from,
                to,
                why,
            } => {
                write!(out, "{} hw {from}→{to} ({why})", p(partition))
            }
            ProduceRejected {
                partition,
                error,
                why,
            } => {
                write!(out, "{} produce rejected: {error} ({why})", p(partition))
            }
            IsrProposed {
                partition,
                from,
                to,
                why,
            } => write!(
                out,
                "{} proposes isr {}→{} ({why})",
                p(partition),
                brokers(from),
                brokers(to)
            ),
            IsrChanged {
                partition,
                from,
                to,
            } => {
                write!(
                    out,
                    "{} isr {}→{}",
                    p(partition),
                    brokers(from),
                    brokers(to)
                )
            }
            Election {
                partition,
                leader,
                epoch,
                isr,
                why,
            } => match leader {
                Some(leader) => write!(
                    out,
                    "{} leader {leader} epoch {epoch} isr {} ({why})",
                    p(partition),
                    brokers(isr)
                ),
                None => write!(
                    out,
                    "{} offline, no leader, epoch {epoch} isr {} ({why})",
                    p(partition),
                    brokers(isr)
                ),
            },
            BecameLeader {
                partition,
                epoch,
                high_watermark,
                leo,
            } => write!(
                out,
                "{} becomes leader, epoch {epoch}, hw {high_watermark} leo {leo}",
                p(partition)
            ),
            BecameFollower {
                partition,
                leader,
                epoch,
            } => match leader {
                Some(leader) => {
                    write!(out, "{} follows {leader}, epoch {epoch}", p(partition))
                }
                None => write!(out, "{} has no leader, epoch {epoch}", p(partition)),
            },
            Truncate {
                partition,
                from,
                to,
                why,
            } => {
                write!(out, "{} truncate leo {from}→{to} ({why})", p(partition))
            }
            TopicCreated {
                topic,
                partitions,
                replication_factor,
                why,
            } => write!(
                out,
                "creates topic {} ({partitions} partition{}, replication factor {replication_factor}): {why}",
                t(topic),
                if *partitions == 1 { "" } else { "s" }
            ),
            TopicNotCreated { topic, error, why } => {
                write!(out, "topic {}: {error} ({why})", t(topic))
            }
            TopicDeleted { topic } => write!(
                out,
                "deletes topic {}: it leaves the metadata, and each broker deletes its replicas",
                t(topic)
            ),
            AutoCreateRequested { topic, client } => write!(
                out,
                "topic {} does not exist: asks the controller to create it (metadata request from {}, auto.create.topics.enable=true); the answer says UNKNOWN_TOPIC_OR_PARTITION for now",
                t(topic),
                names.node(*client)
            ),
            TopicMissing { topic, error, why } => {
                write!(out, "metadata: topic {} {error} ({why})", t(topic))
            }
            ReplicaDeleted { partition, records } => write!(
                out,
                "{} replica deleted with its topic ({records} record{})",
                p(partition),
                if *records == 1 { "" } else { "s" }
            ),
            SegmentRolled {
                partition,
                base,
                why,
            } => write!(
                out,
                "{} rolled a new segment at offset {base} ({why})",
                p(partition)
            ),
            SegmentsDeleted {
                partition,
                segments,
                records,
                log_start,
                why,
            } => {
                let bases: Vec<String> = segments.iter().map(|o| o.to_string()).collect();
                let plural = if segments.len() == 1 { "" } else { "s" };
                let _ = write!(
                    out,
                    "{} deleted segment{plural} [{}] ({records} record{}), ",
                    p(partition),
                    bases.join(", "),
                    if *records == 1 { "" } else { "s" }
                );
                if log_start.0 == log_start.1 {
                    write!(out, "log start stays {} ({why})", log_start.1)
                } else {
                    write!(out, "log start {}→{} ({why})", log_start.0, log_start.1)
                }
            }
            LogCleaned {
                partition,
                from,
                to,
                superseded,
                tombstones,
                why,
            } => {
                let list = |offsets: &[Offset]| -> String {
                    let shown: Vec<String> =
                        offsets.iter().take(12).map(|o| o.to_string()).collect();
                    let more = offsets.len().saturating_sub(12);
                    if more > 0 {
                        format!("{}, … +{more}", shown.join(", "))
                    } else {
                        shown.join(", ")
                    }
                };
                // Inclusive, as every other offset range in the trace.
                let last = Offset(to.0.saturating_sub(1).max(from.0));
                let _ = write!(out, "{} compacted offsets {from}..{last}: ", p(partition));
                let _ = if superseded.is_empty() {
                    write!(out, "nothing superseded")
                } else {
                    write!(
                        out,
                        "removed {} (a later record has the key)",
                        list(superseded)
                    )
                };
                if !tombstones.is_empty() {
                    let _ = write!(
                        out,
                        ", tombstones {} removed (delete horizon passed)",
                        list(tombstones)
                    );
                }
                write!(out, " ({why})")
            }
            Fenced { broker, why } => write!(out, "fences {broker} ({why})"),
            Unfenced { broker } => write!(out, "unfences {broker} (caught up with metadata)"),
            RegistrationRefused { broker } => write!(
                out,
                "refuses {broker}'s new registration: its old session is still valid (DuplicateBrokerRegistrationException); it will retry"
            ),
            Loaded {
                partition,
                leo,
                high_watermark,
            } => write!(
                out,
                "{} loaded log, leo {leo}, hw {high_watermark} (from checkpoint)",
                p(partition)
            ),
            Flush { partition, to } => write!(out, "{} flushed to disk up to {to}", p(partition)),
            Metadata { leaders } if leaders.is_empty() => {
                write!(out, "metadata: none of the scenario's topics exists yet")
            }
            Metadata { leaders } => write!(out, "metadata: {leaders}"),
            Duplicate {
                partition,
                base,
                count,
            } => write!(
                out,
                "{} duplicate of {} already written: acknowledged again, not appended (idempotence)",
                p(partition),
                range(*base, *count)
            ),
            ProducerEpochBumped { epoch } => write!(
                out,
                "producer epoch bumped to {epoch}: unacknowledged batches are numbered again from sequence 0 (KIP-360)"
            ),
            KeyMoved {
                key,
                from,
                to,
                partitions_before,
                partitions_now,
            } => write!(
                out,
                "key {key} moved {} → {}: murmur2 mod {partitions_now} instead of mod {partitions_before}; its earlier records stay in {}, so its order across the two is lost",
                p(from),
                p(to),
                p(from)
            ),
            ConnectionRefused { broker, retry_at } => write!(
                out,
                "connection to {broker} refused; its batches wait in the accumulator, next try at {retry_at}, then backing off up to reconnect.backoff.max.ms"
            ),
            ConnectionAccepted { broker, sent_at } => write!(
                out,
                "connection to {broker} accepted: the waiting batches went out at {sent_at}"
            ),
            ProduceSent {
                partition,
                to,
                count,
                first,
                attempt,
                compressed,
            } => {
                let _ = write!(
                    out,
                    "{} send {} to {to}",
                    p(partition),
                    records(*count, *first)
                );
                if let Some((codec, before, after)) = compressed {
                    let _ = write!(out, " ({codec}: {before} → {after} bytes)");
                }
                if *attempt > 1 {
                    write!(out, " (attempt {attempt})")
                } else {
                    Ok(())
                }
            }
            SendBlocked { since, why } => write!(out, "send() blocked since {since}: {why}"),
            SendFailed { record, error } => {
                write!(out, "send() of record #{record} failed: {error}")
            }
            ProduceAcked {
                partition,
                base,
                count,
                first,
            } => write!(
                out,
                "{} acked {} at {}",
                p(partition),
                records(*count, *first),
                range(*base, *count)
            ),
            ProduceFailed {
                partition,
                count,
                first,
                error,
                retry,
            } => write!(
                out,
                "{} {} {error}, {}",
                p(partition),
                records(*count, *first),
                if *retry { "will retry" } else { "failed" }
            ),
            RecordsLost {
                partition,
                count,
                values,
                why,
            } => write!(
                out,
                "{} LOST {count} acknowledged record{} [{values}] ({why})",
                p(partition),
                if *count == 1 { "" } else { "s" }
            ),
            RecordsRecovered {
                partition,
                count,
                values,
                why,
            } => write!(
                out,
                "{} {count} acknowledged record{} reported lost {} back [{values}] ({why})",
                p(partition),
                if *count == 1 { "" } else { "s" },
                if *count == 1 { "is" } else { "are" }
            ),
            Consumed {
                partition,
                from,
                to,
                values,
            } => {
                write!(
                    out,
                    "{} received offsets {from}..{} [{values}]",
                    p(partition),
                    to.0 - 1
                )
            }
            OffsetReset { partition, to, why } => {
                write!(out, "{} position reset to {to} ({why})", p(partition))
            }
            Assigned { partitions } => {
                let parts: Vec<String> = partitions.iter().map(p).collect();
                write!(out, "assigned [{}]", parts.join(", "))
            }
            ConsumerError { partition, error } => {
                write!(out, "{} fetch error {error}", p(partition))
            }
            GroupMember {
                group,
                member,
                what,
            } => write!(out, "group {group}: member {member} {what}"),
            RebalanceStarted {
                group,
                generation,
                why,
            } => write!(
                out,
                "group {group}: rebalance after generation {generation} ({why})"
            ),
            JoinCompleted {
                group,
                generation,
                protocol,
                leader,
                members,
            } => write!(
                out,
                "group {group}: generation {generation} joined by {} member{} [{}], protocol {protocol}, leader {leader} computes the assignment",
                members.len(),
                if members.len() == 1 { "" } else { "s" },
                members.join(", ")
            ),
            GroupStable {
                group,
                generation,
                protocol,
                assignment,
            } => {
                let parts: Vec<String> = assignment
                    .iter()
                    .map(|(m, tps)| {
                        let tps: Vec<String> = tps.iter().map(p).collect();
                        format!("{m}: [{}]", tps.join(", "))
                    })
                    .collect();
                write!(
                    out,
                    "group {group}: generation {generation} stable ({protocol}) {}",
                    parts.join("; ")
                )
            }
            GroupEmpty { group, generation } => {
                write!(
                    out,
                    "group {group}: generation {generation} has no members (Empty)"
                )
            }
            GroupLoaded {
                group,
                generation,
                members,
                offsets,
            } => write!(
                out,
                "group {group}: loaded from __consumer_offsets as its new coordinator: generation {generation}, {members} member(s), {offsets} committed offset(s)"
            ),
            OffsetsCommitted { group, offsets } => {
                let parts: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| format!("{}={o}", p(tp)))
                    .collect();
                write!(
                    out,
                    "group {group}: offsets committed [{}] (replicated in __consumer_offsets)",
                    parts.join(", ")
                )
            }
            Membership { what } => write!(out, "{what}"),
            Revoked { partitions, why } => {
                let parts: Vec<String> = partitions.iter().map(p).collect();
                write!(out, "revoked [{}] ({why})", parts.join(", "))
            }
            Processed { count, values } => {
                write!(out, "processed {count} record(s) [{values}]")
            }
            CommitSent { offsets, how } => {
                let parts: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| format!("{}={o}", p(tp)))
                    .collect();
                write!(out, "{how} [{}]", parts.join(", "))
            }
            CommitFailed { error, why } => write!(out, "commit failed: {error} ({why})"),
        };
    }
}

/// Why a high watermark moved; kept as data because it is the most frequent event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum HighWatermarkCause {
    /// On the leader: the lowest log end offset among these replicas (R1.2).
    LowestLogEnd { among: Vec<BrokerId> },
    /// On the leader: the ISR is the leader alone, so its own log end.
    LeaderAlone { isr: Vec<BrokerId>, leo: Offset },
    /// On a follower: the value in the leader's fetch response (R1.4).
    FromLeader { leader: BrokerId },
}

impl fmt::Display for HighWatermarkCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HighWatermarkCause::LowestLogEnd { among } => {
                write!(f, "lowest leo among {}", brokers(among))
            }
            HighWatermarkCause::LeaderAlone { isr, leo } => {
                write!(f, "isr {} is the leader alone, leo {leo}", brokers(isr))
            }
            HighWatermarkCause::FromLeader { leader } => {
                write!(f, "from leader {leader}'s fetch response")
            }
        }
    }
}

/// `[1, 2, 3]`, the way Kafka's tools print replica lists.
pub fn brokers(list: &[BrokerId]) -> String {
    let ids: Vec<String> = list.iter().map(|b| b.0.to_string()).collect();
    format!("[{}]", ids.join(","))
}

fn range(base: Offset, count: u32) -> String {
    match count {
        0 => "nothing".to_string(),
        1 => format!("offset {base}"),
        _ => format!("offsets {}..{}", base, base.0 + count as u64 - 1),
    }
}

fn records(count: u32, first: u32) -> String {
    match count {
        1 => format!("record #{first}"),
        _ => format!("{count} records #{first}.."),
    }
}

#[derive(Clone, Debug, Default)]
pub struct Trace {
    names: Arc<Names>,
    entries: Vec<TraceEntry>,
    /// Entries handed out by `drain()`: indices keep counting from the first entry ever
    /// recorded, so the ledger's references to trace lines stay meaningful.
    drained: usize,
}

impl Trace {
    pub fn new(names: Names) -> Trace {
        Trace {
            names: Arc::new(names),
            entries: Vec::new(),
            drained: 0,
        }
    }

    pub fn push(&mut self, time: SimTime, node: NodeId, event: TraceEvent) {
        self.entries.push(TraceEntry { time, node, event });
    }

    /// The entries recorded since the last `drain()` (all of them if it was never called).
    pub fn entries(&self) -> &[TraceEntry] {
        &self.entries
    }

    /// Moves out the entries recorded since the last drain. The explorer keeps the trace of a
    /// run once and drains each keyframe's copy, so that a clone of a world stays small.
    pub fn drain(&mut self) -> Vec<TraceEntry> {
        self.drained += self.entries.len();
        std::mem::take(&mut self.entries)
    }

    pub fn names(&self) -> &Names {
        &self.names
    }

    /// Entries ever recorded, drained ones included: the index the next entry will get.
    pub fn len(&self) -> usize {
        self.drained + self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The header line: which scenario, which seed.
    pub fn header(&self) -> String {
        format!(
            "# ksim trace: {} (seed {})",
            self.names.scenario, self.names.seed
        )
    }

    /// One entry as its text line (without the newline).
    pub fn line(&self, index: usize) -> String {
        match index.checked_sub(self.drained) {
            Some(i) if i < self.entries.len() => self.entry_line(&self.entries[i]),
            _ => format!("(trace event {index})"),
        }
    }

    /// An entry as its text line, for entries kept outside the trace (drained ones).
    pub fn entry_line(&self, entry: &TraceEntry) -> String {
        let mut out = String::new();
        self.write_line(entry, &mut out);
        out
    }

    /// What an entry says, without its time and node: `orders-0 hw 3→6 (…)`.
    pub fn event_text(&self, event: &TraceEvent) -> String {
        let mut out = String::new();
        event.render(&self.names, &mut out);
        out
    }

    fn write_line(&self, entry: &TraceEntry, out: &mut String) {
        let _ = write!(
            out,
            "{:>13} {:<6} ",
            entry.time.to_string(),
            self.names.node(entry.node)
        );
        entry.event.render(&self.names, out);
    }

    /// The canonical text form: the header, then one event per line.
    pub fn to_text(&self) -> String {
        let mut out = self.header();
        out.push('\n');
        for entry in &self.entries {
            self.write_line(entry, &mut out);
            out.push('\n');
        }
        out
    }

    /// The same events as JSON Lines: time in microseconds, node, kind, the rendered text and
    /// the event's fields.
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            let mut text = String::new();
            entry.event.render(&self.names, &mut text);
            let line = serde_json::json!({
                "time_us": entry.time.as_micros(),
                "node": self.names.node(entry.node),
                "kind": entry.event.kind(),
                "text": text,
                "event": entry.event,
            });
            out.push_str(&line.to_string());
            out.push('\n');
        }
        out
    }

    /// The first 16 hex digits of the SHA-256 of the text form: a run's fingerprint.
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(self.to_text().as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}
