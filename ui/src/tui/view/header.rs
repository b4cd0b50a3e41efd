//! The header: scenario, simulated time, seed, play state and speed, event index of total,
//! branch and view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::tui::app::{App, SPEEDS};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let timeline = app.timeline();
    let time = timeline
        .entries
        .get(app.cursor)
        .map_or(app.world.now(), |e| e.time);
    let state = if app.playing {
        "▶ playing"
    } else {
        "⏸ paused"
    };
    // While the run is still being recorded, the total grows; say so, and how far it is.
    let total = if timeline.is_recording() {
        format!(
            "{} (recording… {:.0}%)",
            timeline.len(),
            timeline.recorded_fraction() * 100.0
        )
    } else {
        timeline.len().to_string()
    };
    let (event, speed, seed) = (app.cursor + 1, SPEEDS[app.speed], app.world.seed());
    let (view, branch) = (app.view.name(), &app.current().name);
    let mut rest = format!(
        " │ t {time} │ event {event}/{total} │ {state} x{speed} │ seed {seed} │ {view} │ {branch}"
    );
    // The scenario's name comes first, cut to what the rest leaves of the width; on a narrow
    // terminal the rest gets terse, and the name keeps 12 columns at least.
    let mut room = (area.width as usize).saturating_sub(" ksim │ ".width() + rest.width());
    if room < 16 {
        let state = if app.playing { "▶" } else { "⏸" };
        rest = format!(
            " │ {time} │ {event}/{total} │ {state}x{speed} │ seed {seed} │ {view} │ {branch}"
        );
        room = (area.width as usize)
            .saturating_sub(" ksim │ ".width() + rest.width())
            .max(12);
    }
    let text = format!(" ksim │ {}{rest}", fit(&app.scenario.name, room));
    Paragraph::new(Line::styled(
        text,
        app.paint(Style::new().add_modifier(Modifier::REVERSED)),
    ))
    .render(area, buf);
}

/// `text` in at most `width` columns, cut with `…` when longer (wide characters count two).
fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    // A long name is cut with an ellipsis to the columns given; wide characters count two.
    #[test]
    fn fit_cuts_to_columns() {
        assert_eq!(super::fit("acks=1 loses", 20), "acks=1 loses");
        assert_eq!(super::fit("acks=1 loses a record", 10), "acks=1 lo…");
        assert_eq!(super::fit("리더 선출 시나리오", 8), "리더 선…");
    }
}
