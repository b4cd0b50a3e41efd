//! The event log: the trace around the cursor, the cursor's line marked, and under each
//! notable event a one-line why in plain words.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::titled;
use crate::tui::app::App;
use crate::tui::why;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let timeline = app.timeline();
    let rows = area.height.saturating_sub(1) as usize;
    if timeline.len() == 0 || rows == 0 {
        titled("events: none".to_string()).render(area, buf);
        return;
    }
    let height = |i: usize| 1 + usize::from(why::why(&timeline.entries, i).is_some());
    // Keep up to half the rows for what follows the cursor, and fill the rest with what
    // came before it (all of them at the end of the run).
    let mut after = 0;
    let mut next = app.cursor + 1;
    while next < timeline.len() && after + height(next) <= rows / 2 {
        after += height(next);
        next += 1;
    }
    let mut start = app.cursor;
    let mut used = height(start) + after;
    while start > 0 && used + height(start - 1) <= rows {
        start -= 1;
        used += height(start);
    }
    let mut lines = Vec::new();
    let mut index = start;
    while lines.len() < rows && index < timeline.len() {
        let entry = &timeline.entries[index];
        let at_cursor = index == app.cursor;
        let mut style = match why::notable(&entry.event) {
            Some(why::Notable::Loss) => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Some(why::Notable::Fault) => Style::new().fg(Color::Yellow),
            Some(why::Notable::Election | why::Notable::Isr) => Style::new().fg(Color::Cyan),
            Some(why::Notable::Error) => Style::new().fg(Color::LightRed),
            _ => Style::new(),
        };
        if at_cursor {
            style = style.add_modifier(Modifier::REVERSED);
        }
        let mark = if at_cursor { "▶" } else { " " };
        lines.push(Line::from(vec![
            Span::raw(mark),
            Span::styled(timeline.line(index), app.paint(style)),
        ]));
        if let Some(why) = why::why(&timeline.entries, index)
            && lines.len() < rows
        {
            lines.push(Line::styled(
                format!("                      ↳ why: {why}"),
                app.paint(
                    Style::new()
                        .fg(Color::DarkGray)
                        .add_modifier(Modifier::ITALIC),
                ),
            ));
        }
        index += 1;
    }
    Paragraph::new(lines)
        .block(titled(format!(
            "events {}/{} (Enter: details)",
            app.cursor + 1,
            timeline.len()
        )))
        .render(area, buf);
}
