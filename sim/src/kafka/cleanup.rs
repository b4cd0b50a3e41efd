//! The log cleanup a broker runs on each of its replicas, independently of the others, as
//! Kafka's `LogManager` and `LogCleaner` do: retention deletes old segments (R10.1-R10.3),
//! the cleaner compacts topics with `cleanup.policy=compact` (R10.5-R10.7).
//!
//! The rules live in `log.rs`; this file runs them on the broker's schedule, says why in the
//! trace, and tells the world which records went, so the ledger counts them as removed by
//! design, not lost.

use std::sync::Arc;

use crate::config::retention::{Retention, readable_duration};
use crate::engine::ids::{Offset, RecordId, TopicPartition};
use crate::engine::time::SimTime;
use crate::kafka::broker::Broker;
use crate::kafka::effects::{Ctx, Note, Timer};
use crate::kafka::log::{CleanerPolicy, DeleteReason, RecordKey, StoredBatch};
use crate::kafka::trace::{TraceEvent, why};

/// Kafka's `LogManager` waits this long after startup before its first retention check.
pub const RETENTION_INITIAL_DELAY: SimTime = SimTime::from_millis(30_000);

/// What a record is to the cleaner: a group coordinator's record in `__consumer_offsets`, a
/// transaction marker, or a client's record, whose key and tombstone flag the world looks up
/// for it.
pub struct RecordKeys<'a> {
    pub client_record: &'a dyn Fn(RecordId) -> RecordKey,
}

impl RecordKeys<'_> {
    pub fn key_of(&self, batch: &StoredBatch, i: usize) -> RecordKey {
        if let Some(group_records) = &batch.group_records {
            return RecordKey {
                key: group_records.get(i).map(|r| Arc::from(r.key())),
                tombstone: false,
            };
        }
        if batch.control.is_some() {
            // A transaction marker has no key of a client's; each gets its own, so that
            // compaction never takes one for a duplicate of another (ksim keeps every marker).
            return RecordKey {
                key: Some(Arc::from(format!("(marker {})", batch.offset_of(i)))),
                tombstone: false,
            };
        }
        (self.client_record)(batch.records[i])
    }
}

impl Broker {
    /// Kafka's `kafka-log-retention` task: every `log.retention.check.interval.ms`, each
    /// replica of a topic whose policy has `delete` drops the segments past `retention.ms`
    /// or `retention.bytes`; every replica drops segments below its log start offset.
    pub fn on_retention_check(&mut self, ctx: &mut Ctx) {
        ctx.timer_after(
            SimTime::from_millis(self.config().log_retention_check_interval_ms),
            Timer::LogRetention,
        );
        let partitions: Vec<TopicPartition> = self.replicas.keys().copied().collect();
        for tp in partitions {
            let config = self.topic_config(tp).clone();
            let delete = config.cleanup_policy.delete;
            let retention_ms = match config.retention {
                Retention::Millis(ms) if delete => Some(ms),
                _ => None,
            };
            let retention_bytes = config.retention_bytes.filter(|_| delete);
            let replica = self.replicas.get_mut(&tp).expect("listed above");
            let before = replica.log.log_start_offset();
            let deletions = replica
                .log
                .delete_old_segments(ctx.now, retention_ms, retention_bytes);
            let mut from = before;
            for deletion in deletions {
                let why = match deletion.reason {
                    DeleteReason::RetentionMs(ms) => why!(
                        "retention.ms={ms}: their newest record is more than {} old",
                        readable_duration(ms) ;
                        "retention.ms={ms}: 가장 새로운 레코드도 retention.ms보다 오래됨"
                    ),
                    DeleteReason::RetentionBytes(bytes) => why!(
                        "retention.bytes={bytes}: the partition is larger without them" ;
                        "retention.bytes={bytes}: 이 세그먼트들을 빼도 파티션이 더 큼"
                    ),
                    DeleteReason::LogStartOffset => why!(
                        "they lie wholly below the log start offset, which followed the leader's" ;
                        "리더를 따라 옮겨 간 log start 오프셋보다 완전히 아래에 있음"
                    ),
                };
                let why = if deletion.rolled {
                    why!(
                        "{why}; the active segment qualified too, so an empty one was rolled first" ;
                        "{}; 활성 세그먼트도 해당되어 빈 세그먼트를 먼저 새로 시작함", why.ko()
                    )
                } else {
                    why
                };
                ctx.trace(TraceEvent::SegmentsDeleted {
                    partition: tp,
                    segments: deletion.segments,
                    records: deletion.records.len() as u32,
                    log_start: (from, deletion.log_start_offset),
                    why,
                });
                from = deletion.log_start_offset;
                if !deletion.records.is_empty() {
                    ctx.note(Note::Removed {
                        partition: tp,
                        records: deletion.records,
                    });
                }
            }
        }
    }

    /// Kafka's cleaner thread: every `log.cleaner.backoff.ms`, each replica of a compacted
    /// topic whose dirty share is above `min.cleanable.dirty.ratio` is cleaned.
    pub fn on_cleaner_wakeup(&mut self, ctx: &mut Ctx, keys: &RecordKeys) {
        ctx.timer_after(
            SimTime::from_millis(self.config().log_cleaner_backoff_ms),
            Timer::LogCleaner,
        );
        let partitions: Vec<TopicPartition> = self.replicas.keys().copied().collect();
        for tp in partitions {
            let config = self.topic_config(tp).clone();
            if !config.cleanup_policy.compact {
                continue;
            }
            let policy = CleanerPolicy {
                min_cleanable_dirty_ratio: config.min_cleanable_dirty_ratio,
                delete_retention_ms: config.delete_retention_ms,
                min_compaction_lag_ms: config.min_compaction_lag_ms,
            };
            let replica = self.replicas.get_mut(&tp).expect("listed above");
            let Some(cleaning) = replica
                .log
                .clean(ctx.now, policy, |batch, i| keys.key_of(batch, i))
            else {
                continue;
            };
            let offsets = |records: &[(Offset, _)]| records.iter().map(|(o, _)| *o).collect();
            let mut why = why!(
                "dirty ratio {:.2} > min.cleanable.dirty.ratio {}; kept the latest record of each key",
                cleaning.dirty_ratio, config.min_cleanable_dirty_ratio ;
                "dirty 비율 {:.2} > min.cleanable.dirty.ratio {}; 키마다 가장 최근 레코드만 남김",
                cleaning.dirty_ratio, config.min_cleanable_dirty_ratio
            );
            if cleaning.horizons_set > 0 {
                let retention = config.delete_retention_ms;
                why = why!(
                    "{why}; tombstones kept until delete.retention.ms={retention} passes" ;
                    "{}; 툼스톤은 delete.retention.ms={retention}가 지날 때까지 남김", why.ko()
                );
            }
            ctx.trace(TraceEvent::LogCleaned {
                partition: tp,
                from: cleaning.from,
                to: cleaning.to,
                superseded: offsets(&cleaning.superseded),
                tombstones: offsets(&cleaning.tombstones_removed),
                why,
            });
            let mut removed = cleaning.superseded;
            removed.extend(cleaning.tombstones_removed);
            if !removed.is_empty() {
                removed.sort();
                ctx.note(Note::Removed {
                    partition: tp,
                    records: removed,
                });
            }
        }
    }
}
