//! The timeline bar along the bottom: one column per stretch of events, marked where a
//! fault, election, ISR change, loss, error, rebalance or narration happened, and the cursor.
//! A click on it seeks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{MIN_HEIGHT, MIN_WIDTH, areas};
use crate::tui::app::{App, Overlay};
use crate::tui::why::Notable;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let width = area.width as usize;
    let total = app.timeline().len();
    if width == 0 || total == 0 {
        return;
    }
    let column = |index: usize| (index * width / total).min(width - 1);
    let mut marks: Vec<Option<Notable>> = vec![None; width];
    // While a question waits for a prediction, the marks after the cursor stay hidden.
    let asking = matches!(app.overlay, Some(Overlay::Ask { .. }));
    for &(index, notable) in &app.current().notable {
        if asking && index > app.cursor {
            break;
        }
        let c = column(index);
        marks[c] = marks[c].max(Some(notable));
    }
    let cursor = column(app.cursor);
    let fork = app.current().fork.map(column);
    let spans: Vec<Span> = marks
        .iter()
        .enumerate()
        .map(|(c, mark)| {
            let (text, style) = match mark {
                Some(n) => (n.mark(), mark_style(*n)),
                None if Some(c) == fork => ('┼', Style::new().fg(Color::Yellow)),
                None => ('─', Style::new().fg(Color::DarkGray)),
            };
            let style = if c == cursor {
                style.add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                style
            };
            let text = if c == cursor && mark.is_none() {
                '█'
            } else {
                text
            };
            Span::styled(text.to_string(), app.paint(style))
        })
        .collect();
    let end = app
        .timeline()
        .entries
        .last()
        .map_or(String::new(), |e| e.time.to_string());
    let long = app.tr(
        "F fault  E election  I isr/truncate  X loss  ! error  R rebalance  \" say",
        "F 장애  E 리더 선출  I ISR/잘라냄  X 유실  ! 오류  R 리밸런스  \" 설명",
    );
    let short = app.tr(
        "F fault E elect I isr X loss ! err R rebal \" say",
        "F 장애 E 선출 I ISR X 유실 ! 오류 R 리밸 \" 설명",
    );
    use unicode_width::UnicodeWidthStr;
    let legend = if long.width() + end.len() + 6 <= width {
        long
    } else if short.width() + end.len() + 6 <= width {
        short
    } else {
        ""
    };
    let gap = width.saturating_sub(2 + end.len() + legend.width()) / 2;
    let labels = format!(
        "0s{}{legend}{}{end}",
        " ".repeat(gap),
        " ".repeat(width.saturating_sub(2 + end.len() + legend.width() + gap))
    );
    Paragraph::new(vec![
        Line::from(spans),
        Line::styled(labels, app.paint(Style::new().fg(Color::DarkGray))),
    ])
    .render(area, buf);
}

fn mark_style(notable: Notable) -> Style {
    match notable {
        Notable::Loss => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Notable::Fault => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        Notable::Election | Notable::Isr => Style::new().fg(Color::Cyan),
        Notable::Error => Style::new().fg(Color::LightRed),
        Notable::Rebalance => Style::new().fg(Color::Magenta),
        Notable::Say => Style::new().fg(Color::Green),
    }
}

/// The trace event under a click on the timeline bar, if the click is on it.
pub fn timeline_index_at(app: &App, x: u16, y: u16) -> Option<usize> {
    if app.width < MIN_WIDTH || app.height < MIN_HEIGHT {
        return None;
    }
    let bar = areas(app, Rect::new(0, 0, app.width, app.height)).timeline;
    let total = app.timeline().len();
    if y != bar.y || x < bar.x || x >= bar.x + bar.width || total == 0 {
        return None;
    }
    let column = (x - bar.x) as usize;
    Some((column * total).div_ceil(bar.width as usize).min(total - 1))
}
