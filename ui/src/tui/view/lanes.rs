//! The messages view as lanes: one column per node (the controller, the brokers, the
//! producers, the consumers) and one row per message on the wire, drawn as an arrow from its
//! sender to its receiver. The thick part of the arrow is how far along its latency it is, `●`
//! where it is now; a message a cut link or a dead receiver will swallow ends in `✗` at the
//! receiver instead of `▶`. A node that cannot receive (down, isolated) has a dotted lane.
//! A request a broker holds rather than answers (an acks=all Produce, a long poll, a
//! JoinGroup) is drawn as `⏸` at the broker, `┄` back to `○` at the node that waits for it.
//! Every mark is a character, so the picture reads the same without colour.

use ksim::engine::ids::{BrokerId, ConsumerIdx, NodeId, ProducerIdx};
use ksim::kafka::held::HeldRequest;
use ksim::world::{Doomed, InFlight};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::faults::{self, BrokerState};
use super::messages::{detail, dropped_lines, kind};
use super::{cut, fit};
use crate::tui::app::{App, WireFilter};

/// The nodes in lane order: the controller, the brokers, the producers, the consumers.
fn nodes(app: &App) -> Vec<NodeId> {
    std::iter::once(NodeId::Controller)
        .chain((1..=app.scenario.brokers).map(|b| NodeId::Broker(BrokerId(b))))
        .chain((0..app.world.producers().len() as u32).map(|p| NodeId::Producer(ProducerIdx(p))))
        .chain((0..app.world.consumers().len() as u32).map(|c| NodeId::Consumer(ConsumerIdx(c))))
        .collect()
}

/// Columns between two lanes: wide enough for short names, narrow enough to leave half the
/// width to the words, and at least 3 so that an arrow between neighbours shows its progress.
fn spacing(nodes: usize, width: usize) -> usize {
    (width / 2 / nodes.max(1)).clamp(3, 10)
}

/// How far along its latency a message is, from 0 (just sent) to 1 (arriving).
fn progress(now: u64, sent: u64, arrives: u64) -> f64 {
    if arrives <= sent {
        return 1.0;
    }
    (now.saturating_sub(sent) as f64 / (arrives - sent) as f64).clamp(0.0, 1.0)
}

/// A message's arrow over the lanes: `lanes` is the row with every lane drawn; the cells from
/// column `from` to column `to` are replaced with `├━━●──▶` (or its mirror), `✗` at the end
/// when the message dies there. Returns the row and the first and last columns of the arrow.
fn arrow(
    lanes: &[char],
    from: usize,
    to: usize,
    done: f64,
    dies: bool,
) -> (Vec<char>, usize, usize) {
    let mut row = lanes.to_vec();
    if from == to || from >= row.len() || to >= row.len() {
        if let Some(cell) = row.get_mut(from.min(to)) {
            *cell = if dies { '✗' } else { '◆' };
        }
        return (row, from.min(to), from.min(to));
    }
    let right = to > from;
    let span = from.abs_diff(to);
    let head = ((done * span as f64).round() as usize).clamp(1, span.saturating_sub(1).max(1));
    for step in 1..span {
        let x = if right { from + step } else { from - step };
        row[x] = match step.cmp(&head) {
            std::cmp::Ordering::Less => '━',
            std::cmp::Ordering::Equal => '●',
            std::cmp::Ordering::Greater => '─',
        };
    }
    row[from] = if right { '├' } else { '┤' };
    row[to] = match (dies, right) {
        (true, _) => '✗',
        (false, true) => '▶',
        (false, false) => '◀',
    };
    (row, from.min(to), from.max(to))
}

/// How `room` rows split between two lists that want `first` and `second` rows: each gets
/// what it wants if both fit, else the one wanting less keeps it up to half and the other
/// takes the rest.
pub(super) fn share(room: usize, first: usize, second: usize) -> (usize, usize) {
    if first + second <= room {
        return (first, second);
    }
    let half = room / 2;
    if first <= half {
        (first, room - first)
    } else if second <= half {
        (room - second, second)
    } else {
        (room - half, half)
    }
}

/// A held request over the lanes: `⏸` at the holder's column, `○` at the waiting node's,
/// `┄` between them. Returns the row and the first and last columns drawn.
fn hold(lanes: &[char], at: usize, from: usize) -> (Vec<char>, usize, usize) {
    let mut row = lanes.to_vec();
    let (lo, hi) = (at.min(from), at.max(from));
    if hi >= row.len() {
        let end = row.len();
        return (row, end, end);
    }
    for cell in &mut row[lo + 1..hi] {
        *cell = '┄';
    }
    row[from] = '○';
    row[at] = '⏸';
    (row, lo, hi)
}

/// The colour of a message's kind (the arrow's shape and the API name say the same).
fn color(filter: WireFilter) -> Color {
    match filter {
        WireFilter::Produce => Color::Green,
        WireFilter::Fetch => Color::Cyan,
        WireFilter::Metadata => Color::Blue,
        WireFilter::Groups => Color::Magenta,
        WireFilter::Heartbeats => Color::DarkGray,
        WireFilter::Transactions => Color::Yellow,
        WireFilter::All => Color::Reset,
    }
}

fn dies_words(app: &App, doomed: Doomed) -> &'static str {
    match doomed {
        Doomed::LinkCut => app.tr("✗ link cut", "✗ 링크 끊김"),
        Doomed::ReceiverDown => app.tr("✗ receiver down", "✗ 받는 쪽 다운"),
        Doomed::ReceiverRestarted => app.tr("✗ receiver restarted", "✗ 받는 쪽 재시작"),
    }
}

/// Draws the lanes of `shown` (the messages the filter lets through) in `area`, under the
/// view's title.
pub fn render(app: &App, shown: &[&InFlight], held: &[HeldRequest], area: Rect, buf: &mut Buffer) {
    let names = app.timeline().names.names();
    let nodes = nodes(app);
    let width = area.width as usize;
    let gap = spacing(nodes.len(), width);
    let lanes_width = (gap * (nodes.len() - 1) + 1).min(width);
    let column = |node: NodeId| nodes.iter().position(|&n| n == node).map(|i| i * gap);

    // A lane is dotted where the node cannot take a message: a broker down or isolated.
    let history = faults::FaultHistory::at_cursor(app);
    let mut lane_row = vec![' '; lanes_width];
    let mut header = String::new();
    for (i, &node) in nodes.iter().enumerate() {
        let unreachable = match node {
            NodeId::Broker(b) => matches!(
                faults::broker_state(app, &history, b),
                BrokerState::Down | BrokerState::PoweredOff | BrokerState::Isolated
            ),
            _ => false,
        };
        if let Some(cell) = lane_row.get_mut(i * gap) {
            *cell = if unreachable { '┆' } else { '│' };
        }
        let name = if unreachable {
            format!("{}✗", names.node(node))
        } else {
            names.node(node)
        };
        if i + 1 < nodes.len() {
            header.push_str(&fit(&name, gap));
        } else {
            header.push_str(&name);
        }
    }
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::styled(cut(&header, width), bold)];

    let drops = dropped_lines(app);
    let height = area.height as usize;
    let legend = height >= 6;
    let reserved = 1 + usize::from(legend) + drops.len().min(1);
    let room = height.saturating_sub(reserved);
    // The messages on the wire and the held requests share the rows; each keeps at least
    // half of them when both need more.
    let (mut rows, held_rows) = share(room, shown.len().max(1), held.len());
    if shown.len() > rows {
        rows = rows.saturating_sub(1);
    }
    if shown.is_empty() && rows > 0 {
        let words = if held.is_empty() {
            app.tr(
                "nothing on the wire at this moment (a request a broker holds, such as a long-polling fetch, is not on the wire)",
                "지금은 전송 중인 메시지가 없습니다 (롱 폴링 페치처럼 브로커가 붙잡고 있는 요청은 전송 중이 아닙니다)",
            )
        } else {
            app.tr(
                "nothing on the wire at this moment; held by brokers:",
                "지금은 전송 중인 메시지가 없습니다. 브로커가 보류 중인 요청:",
            )
        };
        lines.push(Line::styled(
            cut(words, width),
            app.paint(Style::new().fg(Color::DarkGray)),
        ));
    }
    let now = app.world.now().0;
    let words = width.saturating_sub(lanes_width + 1);
    for message in shown.iter().take(rows) {
        let (Some(from), Some(to)) = (column(message.from), column(message.to)) else {
            continue;
        };
        let done = progress(now, message.sent.0, message.arrives.0);
        let (row, lo, hi) = arrow(&lane_row, from, to, done, message.doomed.is_some());
        let mut style = Style::new().fg(color(kind(message.message)));
        let mut text = format!(
            "{} {:>3}%",
            message.message.api_name(),
            (done * 100.0).round() as u32
        );
        let what = detail(app, message.message);
        if !what.is_empty() {
            text = format!("{text} {what}");
        }
        if let Some(doomed) = message.doomed {
            text = format!("{}: {text}", dies_words(app, doomed));
            style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
        }
        let piece = |a: usize, b: usize| {
            row[a.min(row.len())..b.min(row.len())]
                .iter()
                .collect::<String>()
        };
        let text_style = if message.doomed.is_some() {
            app.paint(style)
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::raw(piece(0, lo)),
            Span::styled(piece(lo, hi + 1), app.paint(style)),
            Span::raw(piece(hi + 1, row.len())),
            Span::raw(" "),
            Span::styled(cut(&text, words), text_style),
        ]));
    }
    if shown.len() > rows {
        lines.push(Line::raw(match app.lang {
            ksim::scenario::Lang::Ko => format!("… {}개 더", shown.len() - rows),
            ksim::scenario::Lang::En => format!("… {} more", shown.len() - rows),
        }));
    }
    // A held request: `⏸` at the broker holding it, `┄` back to `○`, the node waiting.
    let hold_more = held.len() > held_rows;
    let drawn = if hold_more {
        held_rows.saturating_sub(1)
    } else {
        held_rows
    };
    for h in held.iter().take(drawn) {
        let (Some(at), Some(from)) = (column(NodeId::Broker(h.holder)), column(h.from)) else {
            continue;
        };
        let (row, lo, hi) = hold(&lane_row, at, from);
        let piece = |a: usize, b: usize| {
            row[a.min(row.len())..b.min(row.len())]
                .iter()
                .collect::<String>()
        };
        let style = app.paint(Style::new().fg(Color::Yellow));
        lines.push(Line::from(vec![
            Span::raw(piece(0, lo)),
            Span::styled(piece(lo, hi + 1), style),
            Span::raw(piece(hi + 1, row.len())),
            Span::raw(" "),
            Span::styled(cut(&super::held::on_lanes(app, h), words), style),
        ]));
    }
    if hold_more {
        lines.push(Line::raw(match app.lang {
            ksim::scenario::Lang::Ko => format!("⏸ … 보류 {}개 더", held.len() - drawn),
            ksim::scenario::Lang::En => format!("⏸ … {} more held", held.len() - drawn),
        }));
    }
    // The legend and the drops sit at the bottom of the pane.
    let mut bottom = Vec::new();
    if legend {
        use unicode_width::UnicodeWidthStr;
        let mut text = app
            .tr(
                "├━━●──▶ sent, gone, now, to go, arrives  ✗ dies there  ┆ down or isolated",
                "├━━●──▶ 보냄, 지나옴, 지금, 남음, 도착  ✗ 거기서 버려짐  ┆ 다운·격리",
            )
            .to_string();
        let held_mark = app.tr("  ⏸ holds ┄ ○ waits", "  ⏸ 보류 ┄ ○ 대기");
        if !held.is_empty() && text.width() + held_mark.width() <= width {
            text.push_str(held_mark);
        }
        bottom.push(Line::styled(
            cut(&text, width),
            app.paint(Style::new().fg(Color::DarkGray)),
        ));
    }
    for line in drops.into_iter().take(1) {
        bottom.push(Line::styled(
            cut(&line, width),
            app.paint(Style::new().fg(Color::LightRed)),
        ));
    }
    while lines.len() + bottom.len() < height {
        lines.push(Line::raw(""));
    }
    lines.extend(bottom);
    Paragraph::new(lines).render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::{arrow, hold, progress, share, spacing};

    fn drawn(row: &[char]) -> String {
        row.iter().collect()
    }

    // An arrow runs from the sender's lane to the receiver's, thick as far as it has
    // travelled, `●` where it is, `✗` at the receiver when it dies there; leftwards mirrored.
    #[test]
    fn arrows_show_progress_and_death() {
        let lanes: Vec<char> = "│     │     │".chars().collect();
        let (row, lo, hi) = arrow(&lanes, 0, 12, 0.5, false);
        assert_eq!(drawn(&row), "├━━━━━●─────▶");
        assert_eq!((lo, hi), (0, 12));
        let (row, ..) = arrow(&lanes, 12, 6, 0.0, true);
        assert_eq!(drawn(&row), "│     ✗────●┤");
        let (row, ..) = arrow(&lanes, 6, 12, 1.0, false);
        assert_eq!(drawn(&row), "│     ├━━━━●▶");
        // Neighbouring lanes still show where the message is.
        let (row, ..) = arrow(&"│  │".chars().collect::<Vec<_>>(), 0, 3, 0.9, false);
        assert_eq!(drawn(&row), "├━●▶");
        // A message to itself, or off the drawn lanes, does not panic.
        assert_eq!(drawn(&arrow(&lanes, 6, 6, 0.5, false).0), "│     ◆     │");
        assert_eq!(arrow(&lanes, 0, 40, 0.5, true).0.len(), lanes.len());
    }

    // Progress is the share of the latency gone, clamped; a message with no latency has
    // arrived.
    #[test]
    fn progress_is_the_share_of_latency() {
        assert_eq!(progress(1_500, 1_000, 2_000), 0.5);
        assert_eq!(progress(500, 1_000, 2_000), 0.0);
        assert_eq!(progress(3_000, 1_000, 2_000), 1.0);
        assert_eq!(progress(1_000, 1_000, 1_000), 1.0);
    }

    // The wire and the held requests share the rows: all of both when they fit, else the
    // smaller keeps what it needs up to half.
    #[test]
    fn rows_are_shared() {
        assert_eq!(share(10, 3, 4), (3, 4));
        assert_eq!(share(10, 2, 20), (2, 8));
        assert_eq!(share(10, 20, 3), (7, 3));
        assert_eq!(share(10, 20, 20), (5, 5));
        assert_eq!(share(0, 1, 1), (0, 0));
    }

    // A held request joins the holder and the waiting node, in either direction.
    #[test]
    fn held_requests_join_holder_and_waiter() {
        let lanes: Vec<char> = "│  │  │  │".chars().collect();
        let (row, lo, hi) = hold(&lanes, 3, 9);
        assert_eq!(drawn(&row), "│  ⏸┄┄┄┄┄○");
        assert_eq!((lo, hi), (3, 9));
        assert_eq!(drawn(&hold(&lanes, 6, 0).0), "○┄┄┄┄┄⏸  │");
        // Off the drawn lanes it draws nothing and does not panic.
        assert_eq!(drawn(&hold(&lanes, 3, 40).0), "│  │  │  │");
    }

    // Lanes take at most half the width, 3 to 10 columns apart.
    #[test]
    fn lanes_leave_room_for_words() {
        assert_eq!(spacing(6, 80), 6);
        assert_eq!(spacing(2, 200), 10);
        assert_eq!(spacing(40, 80), 3);
        assert_eq!(spacing(0, 80), 10);
    }
}
