//! Properties of the log cleaner over generated logs (R10.5-R10.6): compaction never changes
//! the latest value of any key, never moves an offset, and never touches the active segment or
//! anything at or above the high watermark. A "sometimes" check makes sure cleanings really
//! remove records, so the properties cannot pass by never cleaning.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;

use ksim::engine::ids::{LeaderEpoch, Offset, ProducerIdx, RecordId};
use ksim::engine::time::SimTime;
use ksim::kafka::log::{CleanerPolicy, RecordKey, ReplicaLog, SegmentPolicy, StoredBatch};
use ksim::kafka::message::BATCH_HEADER_BYTES;
use proptest::prelude::*;

/// One record: its key (0..5), whether it is a tombstone, and the time since the last one.
#[derive(Clone, Debug)]
struct Write {
    key: u8,
    tombstone: bool,
    gap_ms: u64,
}

fn writes() -> impl Strategy<Value = Vec<Write>> {
    prop::collection::vec(
        (0u8..5, prop::bool::weighted(0.2), 0u64..800).prop_map(|(key, tombstone, gap_ms)| Write {
            key,
            tombstone,
            gap_ms,
        }),
        1..80,
    )
}

/// Cleanings at these times (ms after the last write), with a high watermark this far below
/// the log end.
fn cleanings() -> impl Strategy<Value = Vec<(u64, u64)>> {
    prop::collection::vec((0u64..5_000, 0u64..4), 1..5)
}

fn record(n: usize) -> RecordId {
    RecordId {
        producer: ProducerIdx(0),
        n: n as u32,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn compaction_keeps_latest_values_offsets_and_the_active_segment(
        writes in writes(),
        cleanings in cleanings(),
        ratio in 0.0f64..0.9,
    ) {
        let mut log = ReplicaLog::new(SegmentPolicy { segment_bytes: 1 << 20, segment_ms: 1_000 });
        let mut now = SimTime::ZERO;
        for (n, write) in writes.iter().enumerate() {
            now = now + SimTime::from_millis(write.gap_ms);
            log.append(Arc::new(StoredBatch::new(
                Offset(n as u64),
                LeaderEpoch(0),
                Arc::new(vec![record(n)]),
                BATCH_HEADER_BYTES + 20,
                None,
                now,
            )));
        }
        let key_of = |batch: &StoredBatch, i: usize| {
            let w = &writes[batch.records[i].n as usize];
            RecordKey { key: Some(Arc::from(format!("k{}", w.key))), tombstone: w.tombstone }
        };
        let policy = CleanerPolicy {
            min_cleanable_dirty_ratio: ratio,
            delete_retention_ms: 2_000,
            min_compaction_lag_ms: 0,
        };
        let end = writes.len() as u64;
        for (after_ms, below_end) in cleanings {
            let before: BTreeMap<u64, RecordId> = log.records().map(|(o, r)| (o.0, r)).collect();
            log.high_watermark = Offset(end.saturating_sub(below_end).max(log.high_watermark.0));
            let active_base = log.segments().last().unwrap().base_offset.0;
            let protected = active_base.min(log.high_watermark.0);
            // The newest record of each key before this cleaning.
            let mut latest: BTreeMap<u8, u64> = BTreeMap::new();
            for (&offset, r) in &before {
                latest.insert(writes[r.n as usize].key, offset);
            }
            let at = now + SimTime::from_millis(after_ms);
            let cleaned = log.clean(at, policy, key_of);
            let after: BTreeMap<u64, RecordId> = log.records().map(|(o, r)| (o.0, r)).collect();

            // Offsets never move: every record left sits where it was.
            for (offset, r) in &after {
                prop_assert_eq!(before.get(offset), Some(r), "offset {} moved", offset);
            }
            // Nothing at or above the first protected offset changes.
            for (offset, r) in before.range(protected..) {
                prop_assert_eq!(after.get(offset), Some(r), "protected offset {} touched", offset);
            }
            // Each key's latest record stays, unless it is a tombstone whose time is up.
            for (&key, &offset) in &latest {
                let r = before[&offset];
                if after.get(&offset) != Some(&r) {
                    prop_assert!(writes[r.n as usize].tombstone,
                        "key k{} lost its latest value at offset {}", key, offset);
                }
            }
            prop_assert_eq!(log.log_end_offset(), Offset(end));
            if let Some(c) = &cleaned {
                prop_assert!(c.to <= Offset(protected));
                CLEANED.with(|n| n.set(n.get() + c.superseded.len() as u64));
            }
        }
    }
}

thread_local! {
    static CLEANED: Cell<u64> = const { Cell::new(0) };
}

// Sometimes: the generated logs really get compacted, so the property is exercised.
#[test]
fn generated_logs_do_get_compacted() {
    compaction_keeps_latest_values_offsets_and_the_active_segment();
    assert!(
        CLEANED.with(Cell::get) > 100,
        "cleanings removed almost nothing"
    );
}

// A compacted topic refuses records without a key (INVALID_RECORD, which the producer does not
// retry), and takes keyed ones from the same producer.
#[test]
fn compacted_topics_refuse_null_keys() {
    let text = r#"
name = "null keys on a compacted topic"
duration = "5s"
[cluster]
brokers = 1
[[topics]]
name = "profiles"
partitions = 1
config = { "cleanup.policy" = "compact" }
[[producers]]
name = "app"
[[steps]]
at = "0s"
produce = { producer = "app", topic = "profiles", count = 2 }
[[steps]]
at = "1s"
produce = { producer = "app", topic = "profiles", key = "k", count = 1 }
[[expect]]
producer = "app"
acked = 1
failed = 2
errors = ["INVALID_RECORD"]
"#;
    let world = ksim_tests::run_text_expecting_success(text, "null-keys.toml");
    assert!(
        world.producers()[0]
            .errors
            .contains(&ksim::kafka::message::KafkaError::InvalidRecord)
    );
}
