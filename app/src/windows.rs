//! Kafka Streams' windows as pure functions: which windows a record's timestamp falls in, and
//! whether a windowed aggregation drops the record as late, given the stream time and the
//! grace period. `ksim windows` prints the answer.
//!
//! The rules, from Kafka Streams' source (all times in ms):
//!
//! - **Tumbling and hopping** (`TimeWindows.windowsFor`): windows `[start, start + size)`,
//!   start a multiple of the advance (tumbling: advance = size), from
//!   `max(0, t - size + advance)` rounded down to the advance, up to `t`. A window is updated
//!   while `end > stream time - grace` (`KStreamWindowAggregate`); otherwise the record is
//!   skipped for it as late.
//! - **Sliding** (`SlidingWindows`, `KStreamSlidingWindowAggregate`): windows of a fixed time
//!   difference, both ends inclusive, defined by the records themselves; a record at `t`
//!   creates `[t - d, t]` (and `[t + 1, t + 1 + d]` once a later record falls there). It is
//!   dropped when `t + d < stream time - grace`.
//! - **Session** (`SessionWindows`, `KStreamSessionWindowAggregate`): a record at `t` starts
//!   the session `[t, t]` and merges with the sessions of its key that end at or after
//!   `t - gap` and start at or before `t + gap`. It is dropped when the merged session's end
//!   `< stream time - grace - gap` (the gap counts since 3.0, KAFKA-12718).
//!
//! Stream time is the largest timestamp the task has seen, this record's included. Since 3.0
//! a window's grace is explicit (`ofSizeWithNoGrace` = 0, `ofSizeAndGrace`); the old
//! `TimeWindows.of(size)` gave 24 h minus the size and is gone in 4.0.

/// The kind of window and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    /// `TimeWindows.ofSizeWithNoGrace(size)`: fixed, gap-less, non-overlapping.
    Tumbling { size: u64 },
    /// `TimeWindows.ofSize…(size).advanceBy(advance)`: fixed, overlapping when advance < size.
    Hopping { size: u64, advance: u64 },
    /// `SlidingWindows.ofTimeDifference…(difference)`.
    Sliding { difference: u64 },
    /// `SessionWindows.ofInactivityGap…(gap)`.
    Session { gap: u64 },
}

/// Why a window definition is refused, as Kafka's constructors refuse it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowError {
    /// Size, advance or gap of zero ("Window size (sizeMs) must be larger than zero.").
    Zero,
    /// Advance larger than the size: records would fall in no window.
    AdvanceAboveSize,
}

/// One window the record falls in, and what the aggregation does with the record there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: u64,
    /// Exclusive for tumbling and hopping windows, inclusive for sliding and session ones.
    pub end: u64,
    /// The record is skipped for this window as late: its window closed before it arrived.
    pub dropped: bool,
    /// The stream time at which this window closes: no record for it is accepted then.
    pub closes_at: u64,
}

/// The record against its windows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Stream time after this record: the larger of the time before it and its timestamp.
    pub stream_time: u64,
    pub windows: Vec<Window>,
}

impl WindowKind {
    pub fn check(self) -> Result<(), WindowError> {
        match self {
            WindowKind::Tumbling { size: 0 }
            | WindowKind::Hopping { size: 0, .. }
            | WindowKind::Hopping { advance: 0, .. }
            | WindowKind::Sliding { difference: 0 }
            | WindowKind::Session { gap: 0 } => Err(WindowError::Zero),
            WindowKind::Hopping { size, advance } if advance > size => {
                Err(WindowError::AdvanceAboveSize)
            }
            _ => Ok(()),
        }
    }
}

/// Places a record with `timestamp` that arrives when the stream time is `stream_time_before`
/// (the largest timestamp seen so far), with `grace` ms of grace. A session record is taken
/// alone: no earlier session of its key within the gap.
pub fn place(
    kind: WindowKind,
    timestamp: u64,
    stream_time_before: u64,
    grace: u64,
) -> Result<Placement, WindowError> {
    kind.check()?;
    let stream_time = stream_time_before.max(timestamp);
    let windows = match kind {
        WindowKind::Tumbling { size } => time_windows(size, size, timestamp, stream_time, grace),
        WindowKind::Hopping { size, advance } => {
            time_windows(size, advance, timestamp, stream_time, grace)
        }
        WindowKind::Sliding { difference } => {
            let start = timestamp.saturating_sub(difference);
            // Dropped when t + d < stream time - grace; closes once stream time > t + d + grace.
            let closes_at = timestamp + difference + grace + 1;
            vec![Window {
                start,
                end: timestamp,
                dropped: stream_time >= closes_at,
                closes_at,
            }]
        }
        WindowKind::Session { gap } => {
            // Dropped when end < stream time - grace - gap.
            let closes_at = timestamp + gap + grace + 1;
            vec![Window {
                start: timestamp,
                end: timestamp,
                dropped: stream_time >= closes_at,
                closes_at,
            }]
        }
    };
    Ok(Placement {
        stream_time,
        windows,
    })
}

/// `TimeWindows.windowsFor`, each window judged as `KStreamWindowAggregate` judges it: kept
/// while `end > stream time - grace`.
fn time_windows(
    size: u64,
    advance: u64,
    timestamp: u64,
    stream_time: u64,
    grace: u64,
) -> Vec<Window> {
    let first = (timestamp + advance).saturating_sub(size) / advance * advance;
    let mut windows = Vec::new();
    let mut start = first;
    while start <= timestamp {
        let end = start + size;
        let closes_at = end + grace;
        windows.push(Window {
            start,
            end,
            dropped: stream_time >= closes_at,
            closes_at,
        });
        start += advance;
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(placement: &Placement) -> Vec<(u64, u64, bool)> {
        placement
            .windows
            .iter()
            .map(|w| (w.start, w.end, w.dropped))
            .collect()
    }

    // A tumbling window of 5 s holds a record at 7 s in [5 s, 10 s) only; the end is exclusive,
    // so a record at 10 s starts the next one.
    #[test]
    fn tumbling() {
        let kind = WindowKind::Tumbling { size: 5000 };
        let p = place(kind, 7000, 0, 0).unwrap();
        assert_eq!(p.stream_time, 7000);
        assert_eq!(spans(&p), [(5000, 10000, false)]);
        assert_eq!(
            spans(&place(kind, 10_000, 0, 0).unwrap()),
            [(10000, 15000, false)]
        );
        assert_eq!(spans(&place(kind, 0, 0, 0).unwrap()), [(0, 5000, false)]);
    }

    // Hopping windows of 10 s advancing by 5 s: a record at 12 s is in [5, 15) and [10, 20);
    // early timestamps get no window that starts below 0 (TimeWindows' max(0, …)).
    #[test]
    fn hopping() {
        let kind = WindowKind::Hopping {
            size: 10_000,
            advance: 5000,
        };
        assert_eq!(
            spans(&place(kind, 12_000, 0, 0).unwrap()),
            [(5000, 15000, false), (10000, 20000, false)]
        );
        assert_eq!(
            spans(&place(kind, 3000, 0, 0).unwrap()),
            [(0, 10000, false)]
        );
        let kind = WindowKind::Hopping {
            size: 300_000,
            advance: 60_000,
        };
        assert_eq!(place(kind, 600_000, 0, 0).unwrap().windows.len(), 5);
    }

    // A late record is kept while its window's end is after stream time - grace, and dropped
    // from the windows whose end is at or before it; with grace it survives longer.
    #[test]
    fn grace_decides_late_records() {
        let tumbling = WindowKind::Tumbling { size: 5000 };
        // Stream time 10 s: the window [5 s, 10 s) has closed (end 10 s <= 10 s - 0).
        let p = place(tumbling, 7000, 10_000, 0).unwrap();
        assert_eq!(spans(&p), [(5000, 10000, true)]);
        assert_eq!(p.windows[0].closes_at, 10_000);
        // With 2 s of grace it closes at 12 s: at 11.999 s the record still counts.
        assert!(!place(tumbling, 7000, 11_999, 2000).unwrap().windows[0].dropped);
        assert!(place(tumbling, 7000, 12_000, 2000).unwrap().windows[0].dropped);
        // Hopping: dropped from the older window only.
        let hopping = WindowKind::Hopping {
            size: 10_000,
            advance: 5000,
        };
        assert_eq!(
            spans(&place(hopping, 12_000, 16_000, 0).unwrap()),
            [(5000, 15000, true), (10000, 20000, false)]
        );
    }

    // A sliding window is [t - d, t], both ends inclusive; dropped when t + d < stream time -
    // grace.
    #[test]
    fn sliding() {
        let kind = WindowKind::Sliding { difference: 5000 };
        let p = place(kind, 7000, 0, 0).unwrap();
        assert_eq!(spans(&p), [(2000, 7000, false)]);
        assert!(!place(kind, 7000, 12_000, 0).unwrap().windows[0].dropped);
        assert!(place(kind, 7000, 12_001, 0).unwrap().windows[0].dropped);
        assert_eq!(spans(&place(kind, 1000, 0, 0).unwrap()), [(0, 1000, false)]);
    }

    // A lone session record is [t, t]; dropped when t < stream time - grace - gap.
    #[test]
    fn session() {
        let kind = WindowKind::Session { gap: 3000 };
        assert_eq!(
            spans(&place(kind, 7000, 0, 0).unwrap()),
            [(7000, 7000, false)]
        );
        assert!(!place(kind, 7000, 10_000, 0).unwrap().windows[0].dropped);
        assert!(place(kind, 7000, 10_001, 0).unwrap().windows[0].dropped);
        assert!(!place(kind, 7000, 11_000, 1000).unwrap().windows[0].dropped);
        assert!(place(kind, 7000, 11_001, 1000).unwrap().windows[0].dropped);
    }

    // Kafka refuses zero sizes and an advance larger than the size.
    #[test]
    fn bad_windows() {
        assert_eq!(
            place(WindowKind::Tumbling { size: 0 }, 1, 0, 0),
            Err(WindowError::Zero)
        );
        assert_eq!(
            place(
                WindowKind::Hopping {
                    size: 5,
                    advance: 10
                },
                1,
                0,
                0
            ),
            Err(WindowError::AdvanceAboveSize)
        );
    }
}
