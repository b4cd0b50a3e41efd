//! The header: scenario, simulated time, seed, play state and speed, event index of total,
//! branch and view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

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
    let text = format!(
        " ksim │ t {} │ event {}/{total} │ {state} x{} │ seed {} │ {} │ {} │ {}",
        time,
        app.cursor + 1,
        SPEEDS[app.speed],
        app.world.seed(),
        app.view.name(),
        app.current().name,
        app.scenario.name,
    );
    Paragraph::new(Line::styled(
        text,
        app.paint(Style::new().add_modifier(Modifier::REVERSED)),
    ))
    .render(area, buf);
}
