//! The groups view: each consumer group as its coordinator holds it (state, generation,
//! protocol, members and their partitions), and the rebalances so far with their reasons.

use std::collections::BTreeSet;

use ksim::engine::ids::{NodeId, TopicPartition};
use ksim::kafka::group::Group;
use ksim::kafka::trace::TraceEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::{pad, titled};
use crate::tui::app::App;
use ksim::scenario::Lang;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let mut lines = Vec::new();
    if app.scenario.groups.is_empty() {
        lines.push(Line::raw(app.tr(
            "no consumer groups in this scenario",
            "이 시나리오에는 컨슈머 그룹이 없음",
        )));
    }
    for name in &app.scenario.groups {
        match app.world.group(name) {
            Some((coordinator, group)) => {
                let protocol = group
                    .protocol
                    .map_or(app.tr("none", "없음"), |p| p.protocol_name());
                let leader = group.leader.as_deref().map_or_else(
                    || app.tr("none", "없음").to_string(),
                    |id| member_name(app, group, id),
                );
                let (state, generation) = (group.state.name(), group.generation);
                lines.push(Line::styled(
                    match app.lang {
                        Lang::Ko => format!(
                            "그룹 {name}  코디네이터 {coordinator}  상태 {state}  세대 {generation}  프로토콜 {protocol}  리더 {leader}"
                        ),
                        Lang::En => format!(
                            "group {name}  coordinator {coordinator}  state {state}  generation {generation}  protocol {protocol}  leader {leader}"
                        ),
                    },
                    Style::new().add_modifier(Modifier::BOLD),
                ));
                lines.extend(assignment_matrix(app, group).into_iter().map(Line::raw));
            }
            None => lines.push(Line::raw(match app.lang {
                Lang::Ko => format!("그룹 {name}: 아직 적재한 코디네이터 없음"),
                Lang::En => format!("group {name}: no coordinator loaded yet"),
            })),
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        app.tr("rebalances so far", "지금까지의 리밸런스"),
        Style::new().add_modifier(Modifier::BOLD),
    ));
    let timeline = app.timeline();
    let upto = (app.cursor + 1).min(timeline.len());
    for entry in timeline.entries.iter().take(upto) {
        if let TraceEvent::RebalanceStarted {
            group,
            generation,
            why,
        } = &entry.event
        {
            lines.push(Line::raw(match app.lang {
                Lang::Ko => format!("  {} {group} 세대 {generation}: {}", entry.time, why.ko()),
                Lang::En => format!("  {} {group} generation {generation}: {why}", entry.time),
            }));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(titled(
            app.view_name(crate::tui::app::View::Groups).to_string(),
        ))
        .scroll((u16::try_from(app.selected).unwrap_or(u16::MAX), 0))
        .render(area, buf);
}

/// Members as rows, partitions as columns: `■` where the member owns the partition; then the
/// group's committed offset of each partition.
fn assignment_matrix(app: &App, group: &Group) -> Vec<String> {
    let mut partitions: BTreeSet<TopicPartition> = group.offsets.keys().copied().collect();
    for member in group.members.values() {
        partitions.extend(member.stored.assignment.iter().copied());
    }
    let names: Vec<String> = partitions
        .iter()
        .map(|tp| app.scenario.partition_name(*tp))
        .collect();
    let label = |id: &str, client: NodeId| match client {
        NodeId::Consumer(c) => format!("{} ({id})", app.world.consumers()[c.0 as usize].name),
        _ => id.to_string(),
    };
    let rows: Vec<(String, Vec<bool>)> = group
        .members
        .iter()
        .map(|(id, member)| {
            let owned = partitions
                .iter()
                .map(|tp| member.stored.assignment.contains(tp))
                .collect();
            (label(id, member.client()), owned)
        })
        .collect();
    const LABEL: usize = 28;
    let cut = |text: &str| super::fit(text, LABEL);
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0).max(3) + 2;
    let mut lines = vec![format!(
        "  {}{}",
        pad(
            if rows.is_empty() {
                app.tr("no members", "멤버 없음")
            } else {
                app.tr("member", "멤버")
            },
            LABEL
        ),
        names
            .iter()
            .map(|n| format!("{n:>width$}"))
            .collect::<String>()
    )];
    for (label, owned) in &rows {
        lines.push(format!(
            "  {}{}",
            cut(label),
            owned
                .iter()
                .map(|&o| format!("{:>width$}", if o { "■" } else { "·" }))
                .collect::<String>()
        ));
    }
    lines.push(format!(
        "  {}{}",
        pad(app.tr("committed offset", "커밋된 오프셋"), LABEL),
        partitions
            .iter()
            .map(|tp| {
                let offset = group
                    .offsets
                    .get(tp)
                    .map_or("-".to_string(), |o| o.to_string());
                format!("{offset:>width$}")
            })
            .collect::<String>()
    ));
    lines
}

/// A member as the scenario names its consumer, or its member id.
fn member_name(app: &App, group: &Group, id: &str) -> String {
    match group.members.get(id).map(|m| m.client()) {
        Some(NodeId::Consumer(c)) => app.world.consumers()[c.0 as usize].name.clone(),
        _ => id.to_string(),
    }
}
