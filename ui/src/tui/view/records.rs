//! The records view: the ledger at the cursor as a table, every record's fate and the event
//! that decided it, filtered by fate (keys 0-7).

use std::collections::BTreeMap;

use ksim::engine::ids::{Offset, TopicPartition};
use ksim::observe::ledger::{Fate, RecordFate};
use ksim::world::Processing;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::titled;
use crate::tui::app::{App, FateFilter};

/// What a group did with each record its members received, by partition and offset.
type GroupRecords = BTreeMap<(TopicPartition, Offset), Processing>;

/// A record's fate in one word, with what else is true of it.
fn fate(record: &RecordFate) -> String {
    let mut words = vec![match record.fate {
        Fate::Pending => "pending",
        Fate::Acked if record.committed => "committed",
        Fate::Acked => "acked",
        Fate::Failed => "failed",
        Fate::Lost => "✗ LOST",
        Fate::Removed => "~ removed (retention or compaction)",
    }];
    if record.duplicated {
        words.push("duplicated");
    }
    if record.reordered {
        words.push("reordered in the log");
    }
    if record.reordered_as_consumed {
        words.push("received out of key order");
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
    let mut lines = vec![
        Line::raw(format!(
            "sent {}  acked {}  committed {}  acked_lost {}  duplicated {}  failed {}  pending {}",
            s.sent, s.acked, s.committed, s.acked_lost, s.duplicated, s.failed, s.pending
        )),
        Line::raw(format!(
            "reordered {} (in the log)  reordered_as_consumed {} (per key, as a consumer received it)",
            s.reordered, s.reordered_as_consumed
        )),
    ];
    lines.push(Line::styled(
        format!(
            "{:<14} {:<10} {:<14} {:>7}  {:<22} decided by",
            "value", "key", "partition", "offset", "fate"
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
                    timeline.names.event_text(&entry.event)
                )
            }
            _ => record.error.clone().unwrap_or_default(),
        };
        let mut fate = fate(record);
        if let (Some(tp), Some(offset)) = (record.partition, record.offset) {
            for (group, records) in &groups {
                match records.get(&(tp, Offset(offset))) {
                    Some(p) if p.skipped => {
                        fate.push_str(&format!(", ✗ {group} never processed it"))
                    }
                    Some(p) if p.times > 1 => {
                        fate.push_str(&format!(", {group} processed it {}x", p.times))
                    }
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
                "{:<14} {:<10} {:<14} {:>7}  {:<22} {decided}",
                record.value,
                record.key.as_deref().unwrap_or("(null)"),
                partition,
                offset,
                fate,
            ),
            app.paint(style),
        )]));
    }
    while lines.len() < rows + 2 {
        lines.push(Line::raw(""));
    }
    lines.extend(
        order
            .into_iter()
            .map(|l| Line::styled(l, app.paint(Style::new().fg(Color::Cyan)))),
    );
    let filters: Vec<String> = FateFilter::ALL
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if *f == app.filter {
                format!("[{i} {}]", f.name())
            } else {
                format!("{i} {}", f.name())
            }
        })
        .collect();
    Paragraph::new(lines)
        .block(titled(format!(
            "records at the cursor: {} shown │ {}",
            shown.len(),
            filters.join(" ")
        )))
        .render(area, buf);
}

/// For the selected record's key: its records in the order its producer sent them, and in
/// the order each consumer received them (which differs once the key's records sit in two
/// partitions, or a retry reordered them).
fn key_order(app: &App, records: &[RecordFate], selected: &RecordFate) -> Vec<String> {
    let Some(key) = &selected.key else {
        return Vec::new();
    };
    let producer = selected.id.producer;
    let produced: Vec<&str> = records
        .iter()
        .filter(|r| r.id.producer == producer && r.key.as_ref() == Some(key))
        .map(|r| r.value.as_str())
        .collect();
    let mut lines = vec![format!("key {key:?} as produced: {}", produced.join(", "))];
    for consumer in app.world.consumers() {
        let consumed: Vec<String> = consumer
            .received
            .iter()
            .filter(|(_, _, r)| {
                r.producer == producer
                    && app.world.producers()[producer.0 as usize]
                        .key_of(r.n)
                        .is_some_and(|k| **k == **key)
            })
            .map(|(_, _, r)| app.world.value_of(*r))
            .collect();
        if !consumed.is_empty() {
            lines.push(format!(
                "key {key:?} as {} received it: {}",
                consumer.name,
                consumed.join(", ")
            ));
        }
    }
    lines
}
