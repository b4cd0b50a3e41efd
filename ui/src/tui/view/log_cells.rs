//! Lays a partition's replica logs out as cells that line up by offset across replicas: one
//! cell per offset while the logs fit the width, one per batch when they are longer (the
//! newest batches, if even those do not fit). An offset inside a log that holds no record
//! (compaction removed it) is a gap cell, not a shifted neighbour.

use std::sync::Arc;

use ksim::engine::ids::{Offset, RecordId};
use ksim::kafka::log::{ReplicaLog, StoredBatch};

/// The columns a partition's rows share: each covers the offsets from its start up to the next
/// column's start (the last one up to `end`).
#[derive(Debug, PartialEq, Eq)]
pub struct Columns {
    pub starts: Vec<u64>,
    pub end: u64,
    /// One column per batch rather than per offset.
    pub per_batch: bool,
    /// Older offsets exist before the first column.
    pub clipped: bool,
}

/// What one replica holds in one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Nothing: below the replica's log start or at or past its log end.
    Empty,
    /// Inside the log, but every record there was removed by compaction.
    Gap,
    /// A record (the first of the column): its batch's leader epoch, its record, and whether
    /// it sits at or above the high watermark.
    Record {
        epoch: u32,
        record: RecordId,
        above_hw: bool,
    },
}

impl Columns {
    /// The columns for `logs` (the partition's replicas) and the offsets of lost records, in
    /// at most `width` cells.
    pub fn lay_out(logs: &[&ReplicaLog], lost: &[Offset], width: usize) -> Columns {
        let start = logs
            .iter()
            .map(|log| log.log_start_offset().0)
            .chain(lost.iter().map(|o| o.0))
            .min()
            .unwrap_or(0);
        let end = logs
            .iter()
            .map(|log| log.log_end_offset().0)
            .chain(lost.iter().map(|o| o.0 + 1))
            .max()
            .unwrap_or(0)
            .max(start);
        if end - start <= width as u64 {
            return Columns {
                starts: (start..end).collect(),
                end,
                per_batch: false,
                clipped: start > 0,
            };
        }
        // The newest `width` batch starts of the union over replicas: each replica contributes
        // at most its last `width` batches, and any start among the newest `width` of the union
        // is among those of the replica that has it.
        let mut starts: Vec<u64> = Vec::new();
        for log in logs {
            let batches = log.batches();
            let skip = batches.len().saturating_sub(width);
            starts.extend(batches.iter_from(skip).map(|b| b.base_offset.0));
        }
        starts.extend(lost.iter().map(|o| o.0));
        starts.retain(|&s| s >= start && s < end);
        starts.sort_unstable();
        starts.dedup();
        let clipped = starts.len() > width || starts.first().is_some_and(|&s| s > 0);
        let keep = starts.len().saturating_sub(width);
        starts.drain(..keep);
        Columns {
            starts,
            end,
            per_batch: true,
            clipped,
        }
    }

    /// The offsets column `i` covers.
    pub fn range(&self, i: usize) -> (u64, u64) {
        let to = self.starts.get(i + 1).copied().unwrap_or(self.end);
        (self.starts[i], to)
    }

    /// The column holding `offset`, if any is shown.
    pub fn column_of(&self, offset: u64) -> Option<usize> {
        if offset >= self.end || self.starts.first().is_none_or(|&s| offset < s) {
            return None;
        }
        Some(self.starts.partition_point(|&s| s <= offset) - 1)
    }

    /// What `log` holds in every column, in column order.
    pub fn cells(&self, log: &ReplicaLog) -> Vec<Cell> {
        let batches = log.batches();
        let hw = log.high_watermark.0;
        let log_start = log.log_start_offset().0;
        let log_end = log.log_end_offset().0;
        let first_start = self.starts.first().copied().unwrap_or(0);
        let mut index = batches.partition_point(|b| b.end_offset().0 <= first_start);
        (0..self.starts.len())
            .map(|i| {
                let (from, to) = self.range(i);
                if to <= log_start || from >= log_end {
                    return Cell::Empty;
                }
                while index < batches.len() && batches[index].end_offset().0 <= from {
                    index += 1;
                }
                first_record(batches.iter_from(index), from, to).map_or(
                    Cell::Gap,
                    |(offset, record, epoch)| Cell::Record {
                        epoch,
                        record,
                        above_hw: offset >= hw,
                    },
                )
            })
            .collect()
    }
}

/// The first record at or after `from` and before `to` in `batches` (which start at the batch
/// holding `from`): its offset, the record and its batch's leader epoch.
fn first_record<'a>(
    batches: impl Iterator<Item = &'a Arc<StoredBatch>>,
    from: u64,
    to: u64,
) -> Option<(u64, RecordId, u32)> {
    batches.take_while(|b| b.base_offset.0 < to).find_map(|b| {
        b.entries()
            .find(|(o, _)| o.0 >= from && o.0 < to)
            .map(|(o, r)| (o.0, r, b.leader_epoch.0))
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ksim::engine::ids::{LeaderEpoch, Offset, ProducerIdx, RecordId};
    use ksim::engine::time::SimTime;
    use ksim::kafka::log::{ReplicaLog, SegmentPolicy, StoredBatch};

    use super::{Cell, Columns};

    fn log_of(batch_sizes: &[usize]) -> ReplicaLog {
        let mut log = ReplicaLog::new(SegmentPolicy::default());
        let mut offset = 0u64;
        for &n in batch_sizes {
            let records = (0..n)
                .map(|i| RecordId {
                    producer: ProducerIdx(0),
                    n: (offset + i as u64) as u32,
                })
                .collect();
            log.append(Arc::new(StoredBatch::new(
                Offset(offset),
                LeaderEpoch(1),
                Arc::new(records),
                100,
                None,
                SimTime::ZERO,
            )));
            offset += n as u64;
        }
        log
    }

    // Short logs get a cell per offset; longer ones a cell per batch, aligned on the union of
    // the replicas' batch starts, newest kept when even those do not fit.
    #[test]
    fn per_offset_then_per_batch() {
        let short = log_of(&[2, 3]);
        let columns = Columns::lay_out(&[&short], &[], 10);
        assert_eq!(columns.starts, vec![0, 1, 2, 3, 4]);
        assert!(!columns.per_batch && !columns.clipped);

        let leader = log_of(&[4, 4, 4]);
        let follower = log_of(&[4, 2, 2]);
        let columns = Columns::lay_out(&[&leader, &follower], &[], 5);
        assert_eq!(columns.starts, vec![0, 4, 6, 8]);
        assert!(columns.per_batch && !columns.clipped);
        assert_eq!(columns.range(3), (8, 12));
        assert_eq!(columns.column_of(7), Some(2));

        let columns = Columns::lay_out(&[&leader, &follower], &[], 2);
        assert_eq!(columns.starts, vec![6, 8]);
        assert!(columns.clipped);
        assert_eq!(columns.column_of(5), None);
    }

    // A follower shorter than the leader shows empty cells past its end; cells above the HW
    // say so.
    #[test]
    fn cells_follow_each_log() {
        let mut leader = log_of(&[2, 2]);
        leader.high_watermark = Offset(2);
        let follower = log_of(&[2]);
        let columns = Columns::lay_out(&[&leader, &follower], &[], 10);
        let cells = columns.cells(&leader);
        assert!(matches!(
            cells[1],
            Cell::Record {
                above_hw: false,
                ..
            }
        ));
        assert!(matches!(cells[2], Cell::Record { above_hw: true, .. }));
        assert_eq!(columns.cells(&follower)[2], Cell::Empty);
    }

    // Offsets compaction emptied stay in place as gap cells: the records after them do not
    // slide left.
    #[test]
    fn compacted_offsets_are_gaps() {
        let mut log = ReplicaLog::new(SegmentPolicy::default());
        let full = StoredBatch::new(
            Offset(0),
            LeaderEpoch(2),
            Arc::new(vec![
                RecordId {
                    producer: ProducerIdx(0),
                    n: 0,
                },
                RecordId {
                    producer: ProducerIdx(0),
                    n: 3,
                },
            ]),
            100,
            None,
            SimTime::ZERO,
        );
        log.append(Arc::new(StoredBatch {
            last_offset_delta: 3,
            offset_deltas: Some(Arc::new(vec![0, 3])),
            ..full
        }));
        let columns = Columns::lay_out(&[&log], &[], 10);
        assert_eq!(columns.starts, vec![0, 1, 2, 3]);
        let cells = columns.cells(&log);
        assert!(matches!(cells[0], Cell::Record { epoch: 2, .. }));
        assert_eq!(&cells[1..3], &[Cell::Gap, Cell::Gap]);
        assert!(matches!(cells[3], Cell::Record { record, .. } if record.n == 3));
    }
}
