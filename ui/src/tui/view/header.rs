//! The header: scenario, simulated time, seed, play state and speed, event index of total,
//! branch and view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use unicode_width::UnicodeWidthStr;

use crate::tui::app::{App, Pace, SPEEDS, TIME_SPEEDS};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let timeline = app.timeline();
    let time = timeline
        .entries
        .get(app.cursor)
        .map_or(app.world.now(), |e| e.time);
    let state = if app.playing {
        app.tr("▶ playing", "▶ 재생")
    } else {
        app.tr("⏸ paused", "⏸ 정지")
    };
    // While the run is still being recorded, the total grows; say so, and how far it is.
    let total = if timeline.is_recording() {
        format!(
            "{} ({} {:.0}%)",
            timeline.len(),
            app.tr("recording…", "기록 중…"),
            timeline.recorded_fraction() * 100.0
        )
    } else {
        timeline.len().to_string()
    };
    // Paced by time, the speed is a factor of real time (x1: a simulated second a second);
    // paced by events, a count of events per tick.
    let speed = match app.pace {
        Pace::Time => TIME_SPEEDS[app.time_speed].0.to_string(),
        Pace::Events => format!("{} ev", SPEEDS[app.speed]),
    };
    let (event, seed) = (app.cursor + 1, app.world.seed());
    let (view, branch) = (app.view_name(app.view), &app.current().name);
    let branch = if app.branch == 0 {
        app.tr("original", "원래 실행")
    } else {
        branch.as_str()
    };
    let (t, event_word, seed_word) = (
        app.tr("t", "시각"),
        app.tr("event", "이벤트"),
        app.tr("seed", "시드"),
    );
    let mut rest = format!(
        " │ {t} {time} │ {event_word} {event}/{total} │ {state} {speed} │ {seed_word} {seed} │ {view} │ {branch}"
    );
    // The scenario's name comes first, cut to what the rest leaves of the width; on a narrow
    // terminal the rest gets terse, and the name keeps 12 columns at least.
    let mut room = (area.width as usize).saturating_sub(" ksim │ ".width() + rest.width());
    if room < 16 {
        let state = if app.playing { "▶" } else { "⏸" };
        rest = format!(
            " │ {time} │ {event}/{total} │ {state}{speed} │ {seed_word} {seed} │ {view} │ {branch}"
        );
        room = (area.width as usize)
            .saturating_sub(" ksim │ ".width() + rest.width())
            .max(12);
    }
    let text = format!(" ksim │ {}{rest}", super::cut(&app.scenario.name, room));
    Paragraph::new(Line::styled(
        text,
        app.paint(Style::new().add_modifier(Modifier::REVERSED)),
    ))
    .render(area, buf);
}
