//! Drawing: `impl Widget for &App` lays the screen out (header, the current view, the
//! narration, the event log, the timeline, the footer) and hands each pane to its file.
//! Nothing here changes the model.

mod cluster;
mod events;
mod groups;
mod header;
mod keys;
mod log_cells;
mod overlay;
mod records;
mod timeline;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::app::{App, View};

#[cfg(test)]
pub use overlay::comparison;
pub use timeline::timeline_index_at;

/// The smallest screen the explorer draws on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Where each pane goes on a screen of a given size.
pub struct Areas {
    pub header: Rect,
    pub body: Rect,
    pub narration: Rect,
    pub events: Rect,
    pub timeline: Rect,
    pub footer: Rect,
}

pub fn areas(area: Rect) -> Areas {
    let events = (area.height / 4).max(6);
    let [header, body, narration, events, timeline, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(2),
        Constraint::Length(events),
        Constraint::Length(2),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        body,
        narration,
        events,
        timeline,
        footer,
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small(area, buf);
            return;
        }
        let areas = areas(area);
        header::render(self, areas.header, buf);
        match self.view {
            View::Cluster => cluster::render(self, areas.body, buf),
            View::Records => records::render(self, areas.body, buf),
            View::Keys => keys::render(self, areas.body, buf),
            View::Groups => groups::render(self, areas.body, buf),
        }
        narration(self, areas.narration, buf);
        events::render(self, areas.events, buf);
        timeline::render(self, areas.timeline, buf);
        footer(self, areas.footer, buf);
        overlay::render(self, area, buf);
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    let text = format!(
        "terminal too small: {}x{}; ksim needs {MIN_WIDTH}x{MIN_HEIGHT}",
        area.width, area.height
    );
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// The last `say` step at or before the cursor, as a callout.
fn narration(app: &App, area: Rect, buf: &mut Buffer) {
    let say = app.narration();
    let answer = crate::tui::ask::callout(app, say.map(|(index, _)| index));
    let (time, label, text) = match (answer, say) {
        (Some((moment, text)), _) => (moment.at, "answer", text),
        (None, Some((index, text))) => {
            (app.timeline().entries[index].time, "say", text.to_string())
        }
        (None, None) => return,
    };
    let line = Line::from(vec![
        Span::styled(
            format!("▌ {label} at {time}: "),
            app.paint(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
        ),
        Span::raw(text),
    ]);
    Paragraph::new(line)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let text = match &app.status {
        Some(status) => status.clone(),
        None => "Space play  ←/→ step  [/] notable  g time  f what-if  b branches  Tab view  ? help  q quit".to_string(),
    };
    Paragraph::new(Line::styled(
        text,
        app.paint(Style::new().fg(Color::DarkGray)),
    ))
    .render(area, buf);
}

/// A pane's title rule: `── cluster ─────`.
pub fn titled(title: String) -> Block<'static> {
    Block::new().borders(Borders::TOP).title(Line::styled(
        format!(" {title} "),
        Style::new().add_modifier(Modifier::BOLD),
    ))
}

impl App {
    /// A style as given, or without its colours under `NO_COLOR` (modifiers stay).
    pub fn paint(&self, style: Style) -> Style {
        if self.color {
            style
        } else {
            Style {
                fg: None,
                bg: None,
                underline_color: None,
                ..style
            }
        }
    }
}

/// Colours for producers, cycled.
pub fn producer_color(index: usize) -> Color {
    const COLORS: [Color; 6] = [
        Color::Cyan,
        Color::Green,
        Color::Magenta,
        Color::Blue,
        Color::Yellow,
        Color::LightRed,
    ];
    COLORS[index % COLORS.len()]
}
