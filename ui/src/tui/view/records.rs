//! The records view: the ledger at the cursor as a table, every record's fate and the event
//! that decided it, filtered by fate (keys 0-7); under it the selected record's key in the
//! order it was produced and as each consumer received it, reversals marked `↺`.

use std::collections::BTreeMap;

use ksim::engine::ids::{Offset, TopicPartition};
use ksim::observe::ledger::{Fate, RecordFate};
use ksim::world::Processing;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{pad, pad_left, titled};
use crate::tui::app::{App, FateFilter};
use ksim::scenario::Lang;

/// What a group did with each record its members received, by partition and offset.
type GroupRecords = BTreeMap<(TopicPartition, Offset), Processing>;

/// A record's fate in one word, with what else is true of it.
fn fate(app: &App, record: &RecordFate) -> String {
    let mut words = vec![match record.fate {
        Fate::Pending => app.tr("pending", "대기 중"),
        Fate::Acked if record.committed => app.tr("committed", "커밋됨"),
        Fate::Acked => app.tr("acked", "확인 응답됨"),
        Fate::Failed => app.tr("failed", "실패"),
        Fate::Lost => app.tr("✗ LOST", "✗ 유실"),
        Fate::Removed => app.tr(
            "~ removed (retention or compaction)",
            "~ 제거됨 (보존 기간 또는 컴팩션)",
        ),
    }];
    if record.duplicated {
        words.push(app.tr("duplicated", "중복"));
    }
    if record.reordered {
        words.push(app.tr("reordered in the log", "로그에서 순서 뒤바뀜"));
    }
    if record.reordered_as_consumed {
        words.push(app.tr("↺ received out of key order", "↺ 키 순서와 다르게 받음"));
    }
    words.join(", ")
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(ledger) = &app.ledger else {
        return;
    };
    // The event that lost each record, from this branch's trace.
    let lost_by: std::collections::BTreeMap<_, _> = app
        .world
        .lost_records()
        .map(|(record, _, _, index)| (record, index))
        .collect();
    // What each group did with the records its members received.
    let groups: Vec<(String, GroupRecords)> = app
        .scenario
        .groups
        .iter()
        .map(|g| (g.clone(), app.world.group_record_processing(g)))
        .collect();
    let s = &ledger.summary;
    let mut lines = match app.lang {
        Lang::Ko => vec![
            Line::raw(format!(
                "보냄 {}  확인 응답 {}  커밋 {}  acked_lost {}  중복 {}  실패 {}  대기 {}",
                s.sent, s.acked, s.committed, s.acked_lost, s.duplicated, s.failed, s.pending
            )),
            Line::raw(format!(
                "reordered {} (로그에서)  reordered_as_consumed {} (키별, 컨슈머가 받은 순서)",
                s.reordered, s.reordered_as_consumed
            )),
        ],
        Lang::En => vec![
            Line::raw(format!(
                "sent {}  acked {}  committed {}  acked_lost {}  duplicated {}  failed {}  pending {}",
                s.sent, s.acked, s.committed, s.acked_lost, s.duplicated, s.failed, s.pending
            )),
            Line::raw(format!(
                "reordered {} (in the log)  reordered_as_consumed {} (per key, as a consumer received it)",
                s.reordered, s.reordered_as_consumed
            )),
        ],
    };
    lines.push(Line::styled(
        format!(
            "{} {} {} {}  {} {}",
            pad(app.tr("value", "값"), 14),
            pad(app.tr("key", "키"), 10),
            pad(app.tr("partition", "파티션"), 14),
            pad_left(app.tr("offset", "오프셋"), 7),
            pad(app.tr("fate", "결과"), 22),
            app.tr("decided by", "결정한 이벤트")
        ),
        Style::new().add_modifier(Modifier::BOLD),
    ));
    let shown: Vec<&RecordFate> = ledger
        .records
        .iter()
        .filter(|r| app.filter.admits(r))
        .collect();
    let selected = app.selected.min(shown.len().saturating_sub(1));
    let order = shown
        .get(selected)
        .map(|record| key_order(app, &ledger.records, record))
        .unwrap_or_default();
    let rows = (area.height as usize).saturating_sub(4 + order.len());
    let first = selected.saturating_sub(rows.saturating_sub(1));
    for (i, record) in shown.iter().enumerate().skip(first).take(rows) {
        let event = lost_by
            .get(&record.id)
            .or_else(|| app.record_events.get(&record.id));
        let decided = match event {
            Some(&index) if index < app.timeline().len() => {
                let timeline = app.timeline();
                let entry = &timeline.entries[index];
                format!(
                    "{} {}: {}",
                    entry.time,
                    timeline.names.names().node(entry.node),
                    timeline.names.event_text_in(&entry.event, app.lang)
                )
            }
            _ => record.error.clone().unwrap_or_default(),
        };
        let mut fate = fate(app, record);
        if let (Some(tp), Some(offset)) = (record.partition, record.offset) {
            for (group, records) in &groups {
                match records.get(&(tp, Offset(offset))) {
                    Some(p) if p.skipped => fate.push_str(&match app.lang {
                        Lang::Ko => format!(", ✗ {group} 처리 안 함"),
                        Lang::En => format!(", ✗ {group} never processed it"),
                    }),
                    Some(p) if p.times > 1 => fate.push_str(&match app.lang {
                        Lang::Ko => format!(", {group} {}번 처리", p.times),
                        Lang::En => format!(", {group} processed it {}x", p.times),
                    }),
                    _ => {}
                }
            }
        }
        let partition = record
            .partition
            .map_or("-".to_string(), |tp| app.scenario.partition_name(tp));
        let offset = record.offset.map_or("-".to_string(), |o| o.to_string());
        let mut style = match record.fate {
            Fate::Lost => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Fate::Failed => Style::new().fg(Color::LightRed),
            Fate::Pending => Style::new().fg(Color::DarkGray),
            Fate::Acked => Style::new(),
            Fate::Removed => Style::new().fg(Color::DarkGray),
        };
        if i == selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(vec![Span::styled(
            format!(
                "{:<14} {:<10} {:<14} {:>7}  {} {decided}",
                record.value,
                record.key.as_deref().unwrap_or("(null)"),
                partition,
                offset,
                pad(&fate, 22),
            ),
            app.paint(style),
        )]));
    }
    while lines.len() < rows + 2 {
        lines.push(Line::raw(""));
    }
    lines.extend(order);
    let filters: Vec<String> = FateFilter::ALL
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if *f == app.filter {
                format!("[{i} {}]", f.name(app.lang))
            } else {
                format!("{i} {}", f.name(app.lang))
            }
        })
        .collect();
    let title = match app.lang {
        Lang::Ko => format!("레코드 {}개 │ {}", shown.len(), filters.join(" ")),
        Lang::En => format!(
            "records at the cursor: {} shown │ {}",
            shown.len(),
            filters.join(" ")
        ),
    };
    Paragraph::new(lines).block(titled(title)).render(area, buf);
}

/// For the selected record's key: its records in the order its producer sent them, and in
/// the order each consumer received them (which differs once the key's records sit in two
/// partitions, or a retry reordered them). A record received after a later-sent one of its key
/// is a reversal: marked `↺` (and coloured), as the ledger counts it in
/// `reordered_as_consumed`.
fn key_order(app: &App, records: &[RecordFate], selected: &RecordFate) -> Vec<Line<'static>> {
    let Some(key) = &selected.key else {
        return Vec::new();
    };
    let producer = selected.id.producer;
    let produced: Vec<&str> = records
        .iter()
        .filter(|r| r.id.producer == producer && r.key.as_ref() == Some(key))
        .map(|r| r.value.as_str())
        .collect();
    let plain = app.paint(Style::new().fg(Color::Cyan));
    let marked = app.paint(
        Style::new()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
    );
    let head = match app.lang {
        Lang::Ko => format!("키 {key:?} 보낸 순서: "),
        Lang::En => format!("key {key:?} as produced: "),
    };
    let mut lines = vec![Line::styled(head + &produced.join(", "), plain)];
    for consumer in app.world.consumers() {
        let received: Vec<u32> = consumer
            .received
            .iter()
            .filter(|(_, _, r)| {
                r.producer == producer
                    && app.world.producers()[producer.0 as usize]
                        .key_of(r.n)
                        .is_some_and(|k| **k == **key)
            })
            .map(|(_, _, r)| r.n)
            .collect();
        if received.is_empty() {
            continue;
        }
        let reversed = reversals(&received);
        let count = reversed.iter().filter(|&&r| r).count();
        let head = match app.lang {
            Lang::Ko => format!("키 {key:?} {}가 받은 순서: ", consumer.name),
            Lang::En => format!("key {key:?} as {} received it: ", consumer.name),
        };
        let mut spans = vec![Span::styled(head, plain)];
        for (i, (&n, &back)) in received.iter().zip(&reversed).enumerate() {
            if i > 0 {
                spans.push(Span::styled(", ", plain));
            }
            let value = app
                .world
                .value_of(ksim::engine::ids::RecordId { producer, n });
            spans.push(if back {
                Span::styled(format!("↺{value}"), marked)
            } else {
                Span::styled(value, plain)
            });
        }
        if count > 0 {
            spans.push(Span::styled(
                match app.lang {
                    Lang::Ko => format!("  (↺ {count}건: 나중에 보낸 레코드 뒤에 받음)"),
                    Lang::En => format!("  (↺ {count}: received after a later-sent record)"),
                },
                marked,
            ));
        }
        lines.push(Line::from(spans));
    }
    lines
}

/// For send numbers in the order they were received: true where a record came after one sent
/// later than it (a reversal). A record received again (a redelivery) is not one: only its
/// first receipt counts, as in the ledger's `reordered_as_consumed`.
fn reversals(received: &[u32]) -> Vec<bool> {
    let mut seen = std::collections::BTreeSet::new();
    let mut highest: Option<u32> = None;
    received
        .iter()
        .map(|&n| {
            if !seen.insert(n) {
                return false;
            }
            match highest {
                Some(top) if n < top => true,
                _ => {
                    highest = Some(n);
                    false
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    // A record received after a later-sent one is a reversal; in order, or received a second
    // time, it is not.
    #[test]
    fn reversals_are_records_received_after_a_later_one() {
        assert_eq!(super::reversals(&[0, 1, 2]), [false, false, false]);
        assert_eq!(super::reversals(&[6, 9, 0, 3]), [false, false, true, true]);
        assert_eq!(
            super::reversals(&[0, 1, 0, 2]),
            [false, false, false, false]
        );
        assert_eq!(super::reversals(&[2, 1, 3, 0]), [false, true, false, true]);
        assert!(super::reversals(&[]).is_empty());
    }
}
