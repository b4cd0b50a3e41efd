//! How each trace event reads: the one line of text, with its reason in parentheses, that the
//! canonical trace prints and hashes, and the explorer and the ledger quote.

use std::fmt::Write as _;

use super::*;

impl TraceEvent {
    pub(super) fn render(&self, names: &Names, out: &mut String) {
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
            Shutdown => write!(
                out,
                "controlled shutdown: leaderships moved away, every log flushed, clean shutdown recorded"
            ),
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
            BouncedBrokerKeptIsr { broker } => write!(
                out,
                "registers {broker} again before its old session expired: not seen as failed, it keeps its ISR places (before KIP-380, Kafka 2.2)"
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
            TxnState {
                txn,
                from,
                to,
                producer,
                epoch,
                why,
            } => write!(
                out,
                "transaction {txn}: {from} → {to} (producer id {producer}, epoch {epoch}; {why})"
            ),
            TxnMarker {
                partition,
                control,
                producer,
                epoch,
                offset,
                last_stable_offset,
            } => write!(
                out,
                "{} {control} marker at offset {offset} for producer id {producer} epoch {epoch}; lso {last_stable_offset}",
                p(partition)
            ),
            Transaction { what } => write!(out, "{what}"),
            TxnOffsets {
                group,
                producer,
                outcome,
                offsets,
            } => {
                let parts: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| format!("{}={o}", p(tp)))
                    .collect();
                let what = match outcome.as_str() {
                    "pending" => "pending until its transaction ends (TxnOffsetCommit replicated)",
                    "committed" => "committed by the commit marker",
                    _ => "dropped by the abort marker",
                };
                write!(
                    out,
                    "group {group}: transactional offsets [{}] of producer id {producer} {what}",
                    parts.join(", ")
                )
            }
            Streams { what } => write!(out, "streams: {what}"),
            ElrChanged {
                partition,
                from,
                to,
                why,
            } => write!(
                out,
                "{} elr {}→{} ({why})",
                p(partition),
                brokers(from),
                brokers(to)
            ),
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
