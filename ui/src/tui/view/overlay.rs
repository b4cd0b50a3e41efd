//! Windows over the screen: help (every key), the what-if fault menu, the branch list with
//! its comparison, the go-to-time prompt, and the details of the event at the cursor.

use ksim::ledger::LedgerSummary;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

use crate::tui::app::{App, Overlay};
use crate::tui::keys::KEYS;
use crate::tui::why;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(overlay) = &app.overlay else {
        return;
    };
    let (title, lines) = match overlay {
        Overlay::Help => (
            "keys (? or Esc closes)".to_string(),
            KEYS.iter()
                .map(|(key, what)| Line::raw(format!("{key:<14} {what}")))
                .collect(),
        ),
        Overlay::Faults { selected } => {
            let mut lines = vec![Line::raw(
                "inject at the cursor; the original run stays as it was (Enter, Esc)",
            )];
            for (i, (label, _)) in app.fault_menu().iter().enumerate() {
                lines.push(selectable(app, i == *selected, label));
            }
            ("what-if: a fault now".to_string(), lines)
        }
        Overlay::Branches { selected } => {
            let mut lines = Vec::new();
            for (i, branch) in app.branches.iter().enumerate() {
                let current = if i == app.branch { " (shown)" } else { "" };
                lines.push(selectable(
                    app,
                    i == *selected,
                    &format!("{}{current}", branch.name),
                ));
            }
            lines.push(Line::raw(""));
            lines.extend(comparison(app, *selected).into_iter().map(Line::raw));
            ("branches (Enter switches, Esc closes)".to_string(), lines)
        }
        Overlay::GoTo { input, error } => {
            let mut lines = vec![Line::raw(format!("go to time: {input}█"))];
            lines.push(Line::raw(
                "e.g. 2s, 1500ms, 250us (Enter goes, Esc cancels)",
            ));
            if let Some(error) = error {
                lines.push(Line::styled(
                    error.clone(),
                    app.paint(Style::new().fg(Color::Red)),
                ));
            }
            ("go to".to_string(), lines)
        }
        Overlay::Details => {
            let timeline = app.timeline();
            let mut lines = Vec::new();
            if let Some(entry) = timeline.entries.get(app.cursor) {
                lines.push(Line::raw(timeline.line(app.cursor).trim().to_string()));
                lines.push(Line::raw(format!("kind: {}", entry.event.kind())));
                if let Some(why) = why::why(&entry.event) {
                    lines.push(Line::raw(format!("why: {why}")));
                }
                lines.push(Line::raw(format!(
                    "engine step {} of the run",
                    timeline.engine_step(app.cursor)
                )));
            }
            (
                "event at the cursor (Enter or Esc closes)".to_string(),
                lines,
            )
        }
    };
    let width = (area.width * 4 / 5).max(20).min(area.width);
    // Lines wrap inside the borders: count the rows they take.
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = (rows as u16).saturating_add(2).min(area.height);
    let window = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    Clear.render(window, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title(format!(" {title} ")))
        .render(window, buf);
}

fn selectable(app: &App, selected: bool, label: &str) -> Line<'static> {
    if selected {
        Line::styled(
            format!("> {label}"),
            app.paint(Style::new().add_modifier(Modifier::REVERSED)),
        )
    } else {
        Line::raw(format!("  {label}"))
    }
}

/// How a branch differs from the original: where they part, and their ledgers at the end.
pub fn comparison(app: &App, branch: usize) -> Vec<String> {
    let Some(this) = app.branches.get(branch) else {
        return Vec::new();
    };
    let original = &app.branches[0];
    if branch == 0 {
        return vec![
            format!("the original run: {}", outcome(&original.outcome)),
            "press f to inject a fault at the cursor and make a branch".to_string(),
        ];
    }
    let mut lines = Vec::new();
    match this.timeline.diverges_from(&original.timeline) {
        Some(index) => {
            let time = this
                .timeline
                .entries
                .get(index)
                .map_or(String::new(), |e| e.time.to_string());
            lines.push(format!(
                "diverges from the original at event {} ({time})",
                index + 1
            ));
        }
        None => lines.push("the same events as the original".to_string()),
    }
    lines.push(format!("this branch: {}", outcome(&this.outcome)));
    lines.push(format!("the original: {}", outcome(&original.outcome)));
    let lost = |s: &LedgerSummary| match s.acked_lost {
        0 => "none".to_string(),
        n => n.to_string(),
    };
    let this_lost = match this.outcome.acked_lost {
        0 => "no acknowledged record".to_string(),
        1 => "1 acknowledged record".to_string(),
        n => format!("{n} acknowledged records"),
    };
    lines.push(format!(
        "this branch lost {this_lost}, the original {}",
        lost(&original.outcome)
    ));
    lines
}

fn outcome(s: &LedgerSummary) -> String {
    format!(
        "sent {}, acked {}, acked_lost {}, duplicated {}, reordered {}, failed {}",
        s.sent, s.acked, s.acked_lost, s.duplicated, s.reordered, s.failed
    )
}
