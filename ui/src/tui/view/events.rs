//! The event log: the trace around the cursor, the cursor's line marked, and under each
//! notable event a why in plain words: whole for the event at the cursor, one row for the
//! others.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::titled;
use crate::tui::app::{App, Overlay};
use crate::tui::why;

const WHY_INDENT: &str = "                      ↳ why: ";
const WHY_INDENT_KO: &str = "                      ↳ 이유: ";
const WHY_MORE: &str = "                             ";
const WHY_MORE_KO: &str = "                              ";

/// Words into lines of at most `width` columns (a longer word gets a line of its own); wide
/// characters (Hangul) take two columns.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let timeline = app.timeline();
    let rows = area.height.saturating_sub(1) as usize;
    if timeline.is_empty() || rows == 0 {
        titled(app.tr("events: none", "이벤트: 없음").to_string()).render(area, buf);
        return;
    }
    // The why of the event at the cursor is shown whole (up to 3 rows); the others one row.
    let (why_indent, why_more) = (
        app.tr(WHY_INDENT, WHY_INDENT_KO),
        app.tr(WHY_MORE, WHY_MORE_KO),
    );
    let why_width = (area.width as usize)
        .saturating_sub(why_indent.len() + 2)
        .max(20);
    let why_lines = |i: usize| -> Vec<String> {
        match why::why(&timeline.entries, i, app.lang) {
            None => Vec::new(),
            Some(text) if i == app.cursor => {
                let mut lines = wrap(&text, why_width);
                lines.truncate(3);
                lines
            }
            Some(text) => vec![text],
        }
    };
    let height = |i: usize| 1 + why_lines(i).len();
    // Keep up to half the rows for what follows the cursor, and fill the rest with what
    // came before it (all of them at the end of the run).
    // While a question waits for a prediction, what follows stays hidden.
    let asking = matches!(app.overlay, Some(Overlay::Ask { .. }));
    let last = if asking {
        app.cursor + 1
    } else {
        timeline.len()
    };
    let mut after = 0;
    let mut next = app.cursor + 1;
    while next < last && after + height(next) <= rows / 2 {
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
    while lines.len() < rows && index < last {
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
            Span::styled(timeline.line_in(index, app.lang), app.paint(style)),
        ]));
        for (i, why) in why_lines(index).into_iter().enumerate() {
            if lines.len() >= rows {
                break;
            }
            let lead = if i == 0 { why_indent } else { why_more };
            lines.push(Line::styled(
                format!("{lead}{why}"),
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
            "{} {}/{} ({})",
            app.tr("events", "이벤트"),
            app.cursor + 1,
            timeline.len(),
            app.tr("Enter: details", "Enter: 자세히")
        )))
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    // Lines break between words and never exceed the width unless a word does.
    #[test]
    fn wrap_breaks_between_words() {
        assert_eq!(
            super::wrap("the leader saw a follower lag", 12),
            ["the leader", "saw a", "follower lag"]
        );
        assert_eq!(
            super::wrap("replica.lag.time.max.ms", 5),
            ["replica.lag.time.max.ms"]
        );
        assert!(super::wrap("", 5).is_empty());
    }
}
