//! The groups view: each consumer group as its coordinator holds it (state, generation,
//! protocol, members and their partitions), and the rebalances so far with their reasons.

use ksim::trace::TraceEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::titled;
use crate::tui::app::App;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let mut lines = Vec::new();
    if app.scenario.groups.is_empty() {
        lines.push(Line::raw("no consumer groups in this scenario"));
    }
    for name in &app.scenario.groups {
        match app.world.group(name) {
            Some((coordinator, group)) => {
                lines.push(Line::styled(
                    format!(
                        "group {name}  coordinator {coordinator}  state {}  generation {}  protocol {}  leader {}",
                        group.state.name(),
                        group.generation,
                        group.protocol.map_or("none", |p| p.protocol_name()),
                        group.leader.as_deref().unwrap_or("none")
                    ),
                    Style::new().add_modifier(Modifier::BOLD),
                ));
                for (id, member) in &group.members {
                    let parts: Vec<String> = member
                        .stored
                        .assignment
                        .iter()
                        .map(|tp| app.scenario.partition_name(*tp))
                        .collect();
                    lines.push(Line::raw(format!("  member {id}: [{}]", parts.join(", "))));
                }
                for (tp, offset) in &group.offsets {
                    lines.push(Line::raw(format!(
                        "  committed {}: {offset}",
                        app.scenario.partition_name(*tp)
                    )));
                }
            }
            None => lines.push(Line::raw(format!(
                "group {name}: no coordinator loaded yet"
            ))),
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "rebalances so far",
        Style::new().add_modifier(Modifier::BOLD),
    ));
    let timeline = app.timeline();
    let upto = (app.cursor + 1).min(timeline.len());
    for entry in &timeline.entries[..upto] {
        if let TraceEvent::RebalanceStarted {
            group,
            generation,
            why,
        } = &entry.event
        {
            lines.push(Line::raw(format!(
                "  {} {group} generation {generation}: {why}",
                entry.time
            )));
        }
    }
    Paragraph::new(lines)
        .block(titled("groups".to_string()))
        .scroll((u16::try_from(app.selected).unwrap_or(u16::MAX), 0))
        .render(area, buf);
}
