//! Drawing: `impl Widget for &App` lays the screen out (header, the current view, the
//! narration, the event log, the timeline, the footer) and hands each pane to its file.
//! Nothing here changes the model.

mod cluster;
mod events;
mod faults;
mod groups;
mod header;
mod held;
mod keys;
mod lanes;
mod log_cells;
mod messages;
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

/// Where each pane goes on a screen of a given size. The cluster view takes the rows it
/// needs and gives the rest to the event log.
pub struct Areas {
    pub header: Rect,
    pub body: Rect,
    pub narration: Rect,
    pub events: Rect,
    pub timeline: Rect,
    pub footer: Rect,
}

/// The narration's rows: as many as its text needs at this width, from 2 up to 5.
fn narration_rows(app: &App, width: u16) -> u16 {
    narration_lines(app, width).map_or(2, |l| l.len().clamp(2, 5) as u16)
}

pub fn areas(app: &App, area: Rect) -> Areas {
    let events = (area.height / 4).max(6);
    // A long narration takes its rows from the event log, which keeps 4 at least.
    let narration = narration_rows(app, area.width);
    let events = events.saturating_sub(narration - 2).max(4);
    // Rows the cluster view does not need go to the event log.
    let body = area.height.saturating_sub(1 + narration + events + 2 + 1);
    let events = if app.view == View::Cluster {
        let wanted = (cluster::rows(app, area.width) as u16).max(6);
        events + body.saturating_sub(wanted)
    } else {
        events
    };
    let [header, body, narration, events, timeline, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(narration),
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
            too_small(self, area, buf);
            return;
        }
        let areas = areas(self, area);
        header::render(self, areas.header, buf);
        match self.view {
            View::Cluster => cluster::render(self, areas.body, buf),
            View::Records => records::render(self, areas.body, buf),
            View::Keys => keys::render(self, areas.body, buf),
            View::Groups => groups::render(self, areas.body, buf),
            View::Messages => messages::render(self, areas.body, buf),
        }
        narration(self, areas.narration, buf);
        events::render(self, areas.events, buf);
        timeline::render(self, areas.timeline, buf);
        footer(self, areas.footer, buf);
        overlay::render(self, area, buf);
    }
}

/// A scenario with no topic at all has no partitions to draw.
fn no_topics(app: &App, area: Rect, buf: &mut Buffer) {
    Paragraph::new(app.tr(
        "no topics in this scenario: nothing to replicate yet",
        "이 시나리오에는 토픽이 없음: 아직 복제할 것이 없습니다",
    ))
    .block(titled(app.tr("no topics", "토픽 없음").to_string()))
    .render(area, buf);
}

fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let (width, height) = (area.width, area.height);
    let text = match app.lang {
        ksim::scenario::Lang::Ko => format!(
            "터미널이 너무 작습니다: {width}x{height}; ksim은 {MIN_WIDTH}x{MIN_HEIGHT}이 필요합니다"
        ),
        ksim::scenario::Lang::En => {
            format!("terminal too small: {width}x{height}; ksim needs {MIN_WIDTH}x{MIN_HEIGHT}")
        }
    };
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}

/// The last `say` step at or before the cursor (or the answer to a question asked), as a
/// callout.
fn narration(app: &App, area: Rect, buf: &mut Buffer) {
    if let Some(lines) = narration_lines(app, area.width) {
        Paragraph::new(lines).render(area, buf);
    }
}

/// The narration wrapped between words at `width` cells, wide characters counting two (so a
/// Korean word is never split at the edge), its label styled.
fn narration_lines(app: &App, width: u16) -> Option<Vec<Line<'static>>> {
    let say = app.narration();
    let answer = crate::tui::ask::callout(app, say.map(|(index, _)| index));
    let ko = app.lang == ksim::scenario::Lang::Ko;
    let (label, text) = match (answer, say) {
        (Some((moment, text)), _) if ko => (moment.at.to_string(), text),
        (Some((moment, text)), _) => (format!("answer at {}", moment.at), text),
        // A what-if replays the scenario's script after its fork, but the script's words were
        // written for the original run: say so, since this branch may have gone otherwise.
        (None, Some((index, text)))
            if ko && app.current().fork.is_some_and(|fork| index > fork) =>
        {
            (
                format!(
                    "{} 원래 실행의 설명 (이 가정 실행과 다를 수 있음)",
                    app.timeline().entries[index].time
                ),
                text.to_string(),
            )
        }
        (None, Some((index, text))) if app.current().fork.is_some_and(|fork| index > fork) => (
            format!(
                "the original run's say at {} (this what-if may differ)",
                app.timeline().entries[index].time
            ),
            text.to_string(),
        ),
        (None, Some((index, text))) => (
            format!(
                "{} {}",
                app.tr("say at", "설명"),
                app.timeline().entries[index].time
            ),
            text.to_string(),
        ),
        (None, None) => return None,
    };
    let label = format!("▌ {label}:");
    let style = app.paint(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD));
    let wrapped = events::wrap(&format!("{label} {text}"), (width as usize).max(1));
    let lines = wrapped
        .into_iter()
        .enumerate()
        .map(|(i, line)| match line.strip_prefix(label.as_str()) {
            Some(rest) if i == 0 => Line::from(vec![
                Span::styled(label.clone(), style),
                Span::raw(rest.to_string()),
            ]),
            _ => Line::raw(line),
        })
        .collect();
    Some(lines)
}

fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let text = match (&app.status, app.skipped) {
        (Some(status), _) => status.clone(),
        (None, Some((gap, _))) => {
            let seconds = gap.0 as f64 / 1e6;
            match app.lang {
                ksim::scenario::Lang::Ko => format!("… {seconds:.1}초 동안 아무 일도 없어 건너뛰었습니다"),
                ksim::scenario::Lang::En => format!("… {seconds:.1} s, nothing happens (skipped)"),
            }
        }
        (None, None) => app
            .tr(
                "Space play  ←/→ step  [/] notable  g time  f what-if  b branches  Tab view  ? help  q quit",
                "Space 재생  ←/→ 한 단계  [/] 주요 사건  g 시각  f 가정 실행  b 분기  Tab 화면  ? 도움말  q 종료",
            )
            .to_string(),
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

/// A style as given, or without its colours under `NO_COLOR` (modifiers stay).
pub fn paint(color: bool, style: Style) -> Style {
    if color {
        style
    } else {
        Style {
            fg: None,
            bg: None,
            // ratatui has underline colours only with crossterm (the web build has none).
            #[cfg(feature = "terminal")]
            underline_color: None,
            ..style
        }
    }
}

/// The width of a `window` drawn on `area`, borders included.
pub fn window_width(area: Rect) -> u16 {
    (area.width * 4 / 5).max(20).min(area.width)
}

/// A bordered window in the middle of `area`, 4/5 of its width and as tall as its wrapped
/// lines, over whatever is drawn there.
pub fn window(lines: Vec<Line>, title: &str, area: Rect, buf: &mut Buffer) {
    let width = window_width(area);
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
    ratatui::widgets::Clear.render(window, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title(format!(" {title} ")))
        .render(window, buf);
}

/// `text` in at most `width` terminal cells, cut with `…` when longer (wide characters count
/// two).
pub fn cut(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
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
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` padded with spaces to at least `width` cells (never cut): `{:<width$}` counting wide
/// characters as two.
pub fn pad(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// `text` right-aligned in at least `width` cells (never cut): `{:>width$}` by display width.
pub fn pad_left(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let fill = width.saturating_sub(text.width());
    format!("{}{text}", " ".repeat(fill))
}

/// `text` cut to `width` cells and padded with spaces to exactly that width.
pub fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let text = cut(text, width);
    let pad = width.saturating_sub(text.width());
    text + &" ".repeat(pad)
}

impl App {
    /// A style as given, or without its colours under `NO_COLOR` (modifiers stay).
    pub fn paint(&self, style: Style) -> Style {
        paint(self.color, style)
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

#[cfg(test)]
mod tests {
    // A long text is cut with an ellipsis to the cells given, wide characters counting two;
    // fit pads it to exactly that width.
    #[test]
    fn cut_and_fit() {
        assert_eq!(super::cut("acks=1 loses", 20), "acks=1 loses");
        assert_eq!(super::cut("acks=1 loses a record", 10), "acks=1 lo…");
        assert_eq!(super::cut("리더 선출 시나리오", 8), "리더 선…");
        assert_eq!(super::fit("리더", 6), "리더  ");
        assert_eq!(super::fit("abcdef", 4), "abc…");
        assert_eq!(super::pad("키", 4), "키  ");
        assert_eq!(super::pad("abcdef", 4), "abcdef");
        assert_eq!(super::pad_left("오프셋", 8), "  오프셋");
    }
}
