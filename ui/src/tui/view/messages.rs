//! The messages view: what is on the wire at the cursor, as lanes between the nodes (the
//! default, `lanes.rs`) or as a list, request by request in the order it arrives (`c`
//! switches), with the messages a cut link or a dead broker will swallow marked where they die,
//! and how many each link has dropped so far. Heartbeats are folded unless asked for. Under
//! them, the requests brokers hold rather than answer at once (`held.rs`): who waits on whom.

use ksim::engine::ids::NodeId;
use ksim::kafka::message::Message;
use ksim::kafka::message::group::GroupRequest;
use ksim::world::{Doomed, InFlight};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::{cut, titled};
use crate::tui::app::{App, WireFilter};

/// Which of the filter's kinds a message is.
pub(super) fn kind(message: &Message) -> WireFilter {
    match message {
        Message::Produce(_) | Message::ProduceResponse(_) => WireFilter::Produce,
        Message::Fetch(_)
        | Message::FetchResponse(_)
        | Message::ListOffsets { .. }
        | Message::ListOffsetsResponse { .. }
        | Message::OffsetForLeaderEpoch { .. }
        | Message::OffsetForLeaderEpochResponse { .. } => WireFilter::Fetch,
        Message::Heartbeat { .. } | Message::HeartbeatResponse { .. } => WireFilter::Heartbeats,
        Message::GroupRequest {
            request: GroupRequest::Heartbeat { .. },
            ..
        }
        | Message::GroupResponse {
            response: ksim::kafka::message::group::GroupResponse::Heartbeat(_),
            ..
        } => WireFilter::Heartbeats,
        Message::GroupRequest { .. } | Message::GroupResponse { .. } => WireFilter::Groups,
        Message::TxnRequest { .. }
        | Message::TxnResponse { .. }
        | Message::WriteTxnMarkers { .. }
        | Message::WriteTxnMarkersResponse { .. } => WireFilter::Transactions,
        Message::Refused(inner) => kind(inner),
        _ => WireFilter::Metadata,
    }
}

/// What a message carries, in a few words: partitions, offsets, record counts, errors.
pub(super) fn detail(app: &App, message: &Message) -> String {
    let partition = |tp| app.scenario.partition_name(tp);
    let ko = app.lang == ksim::scenario::Lang::Ko;
    match message {
        Message::Produce(request) => {
            let batches: Vec<String> = request
                .batches
                .iter()
                .map(|b| format!("{} ×{}", partition(b.partition), b.records.len()))
                .collect();
            let acks = match request.acks {
                ksim::config::Acks::Zero => "0",
                ksim::config::Acks::One => "1",
                ksim::config::Acks::All => "all",
            };
            format!("{} acks={acks}", batches.join(", "))
        }
        Message::ProduceResponse(response) => response
            .partitions
            .iter()
            .map(|(tp, result)| match result {
                Ok(offset) if ko => format!("{} 오프셋 {}", partition(*tp), offset.0),
                Ok(offset) => format!("{} at offset {}", partition(*tp), offset.0),
                Err(error) => format!("{} {}", partition(*tp), error.name()),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Message::Fetch(request) => {
            let who = match request.replica {
                Some(_) => app.tr("follower", "팔로워"),
                None => app.tr("consumer", "컨슈머"),
            };
            let parts: Vec<String> = request
                .partitions
                .iter()
                .map(|p| match ko {
                    true => format!("{} 오프셋 {}부터", partition(p.partition), p.fetch_offset.0),
                    false => format!("{} from {}", partition(p.partition), p.fetch_offset.0),
                })
                .collect();
            format!("{who}: {}", parts.join(", "))
        }
        Message::FetchResponse(response) => response
            .partitions
            .iter()
            .map(|p| {
                let records: usize = p.batches.iter().map(|b| b.records.len()).sum();
                match p.error {
                    Some(error) => format!("{} {}", partition(p.partition), error.name()),
                    None if ko => format!(
                        "{}: 레코드 {records}개, hw {}",
                        partition(p.partition),
                        p.high_watermark.0
                    ),
                    None => format!(
                        "{}: {records} record{}, hw {}",
                        partition(p.partition),
                        if records == 1 { "" } else { "s" },
                        p.high_watermark.0
                    ),
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        Message::AlterPartition {
            partition: tp, isr, ..
        } => {
            format!("{} isr {isr:?}", partition(*tp))
        }
        Message::GroupRequest { group, .. } | Message::GroupResponse { group, .. } => {
            let name = app.scenario.groups.get(group.0 as usize);
            format!(
                "{} {}",
                app.tr("group", "그룹"),
                name.map_or("?", String::as_str)
            )
        }
        Message::Refused(inner) => detail(app, inner),
        _ => String::new(),
    }
}

fn doomed_words(app: &App, doomed: Doomed) -> &'static str {
    match doomed {
        Doomed::LinkCut => app.tr(
            "✗ link cut: dropped on arrival",
            "✗ 링크 끊김: 도착하면 버려짐",
        ),
        Doomed::ReceiverDown => app.tr(
            "✗ receiver down: dropped on arrival",
            "✗ 받는 쪽 다운: 도착하면 버려짐",
        ),
        Doomed::ReceiverRestarted => app.tr(
            "✗ receiver restarted since: dropped",
            "✗ 받는 쪽이 그사이 재시작: 버려짐",
        ),
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let names = app.timeline().names.names();
    let wire = app.world.in_flight();
    let folded = wire
        .iter()
        .filter(|m| app.wire_filter == WireFilter::All && kind(m.message) == WireFilter::Heartbeats)
        .count();
    let shown: Vec<&InFlight> = wire
        .iter()
        .filter(|m| match app.wire_filter {
            WireFilter::All => kind(m.message) != WireFilter::Heartbeats,
            filter => kind(m.message) == filter,
        })
        .collect();
    let filter = app.wire_filter.name(app.lang);
    let mut title = match app.lang {
        ksim::scenario::Lang::Ko => format!(
            "{} 전송 중인 메시지 {}개 ({filter})",
            app.world.now(),
            shown.len()
        ),
        ksim::scenario::Lang::En => format!(
            "on the wire at {}: {} {} ({filter})",
            app.world.now(),
            shown.len(),
            if shown.len() == 1 {
                "message"
            } else {
                "messages"
            },
        ),
    };
    if folded > 0 {
        title.push_str(&match app.lang {
            ksim::scenario::Lang::Ko => format!(", 하트비트 {folded}개 접음"),
            ksim::scenario::Lang::En => format!(", {folded} heartbeats folded"),
        });
    }
    let held = super::held::shown(app);
    if !held.is_empty() {
        title.push_str(&match app.lang {
            ksim::scenario::Lang::Ko => format!(", 보류 {}개", held.len()),
            ksim::scenario::Lang::En => format!(", {} held", held.len()),
        });
    }
    if app.wire_lanes {
        title.push_str(app.tr(" │ c: list", " │ c: 목록"));
    }
    titled(title).render(area, buf);
    let inner = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    if app.wire_lanes {
        return super::lanes::render(app, &shown, &held, inner, buf);
    }
    let width = inner.width as usize;
    let (from, to, sent, arrives, carries) = match app.lang {
        ksim::scenario::Lang::Ko => ("보낸 쪽", "받는 쪽", "보낸 시각", "도착 시각", "내용"),
        ksim::scenario::Lang::En => ("from", "to", "sent", "arrives", "carries"),
    };
    let pad = |text: &str, width: usize, right: bool| {
        use unicode_width::UnicodeWidthStr;
        let fill = " ".repeat(width.saturating_sub(text.width()));
        if right {
            format!("{fill}{text}")
        } else {
            format!("{text}{fill}")
        }
    };
    let mut lines = vec![Line::styled(
        cut(
            &format!(
                "{} {} {:<24} {} {}  {carries}",
                pad(from, 8, false),
                pad(to, 8, false),
                "API",
                pad(sent, 12, true),
                pad(arrives, 12, true),
            ),
            width,
        ),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    // Room for the rows, and for the dropped-so-far lines under them.
    let drops = dropped_lines(app);
    let room = (inner.height as usize).saturating_sub(1 + drops.len().min(4));
    // Held requests come under a heading of their own, sharing the rows with the wire.
    let wanted = if held.is_empty() { 0 } else { held.len() + 1 };
    let (rows, held_rows) = super::lanes::share(room, shown.len().max(1), wanted);
    let held_rows = if held_rows < 2 { 0 } else { held_rows };
    // A "… n more" line takes the last of the wire's rows.
    let rows = if shown.len() > rows {
        rows.saturating_sub(1)
    } else {
        rows
    };
    if shown.is_empty() {
        lines.push(Line::styled(
            if held.is_empty() {
                app.tr(
                    "nothing on the wire at this moment (requests held by a broker, such as a long-polling fetch, are not on the wire)",
                    "지금은 전송 중인 메시지가 없습니다 (롱 폴링 페치처럼 브로커가 붙잡고 있는 요청은 전송 중이 아닙니다)",
                )
            } else {
                app.tr(
                    "nothing on the wire at this moment",
                    "지금은 전송 중인 메시지가 없습니다",
                )
            },
            app.paint(Style::new().fg(Color::DarkGray)),
        ));
    }
    for message in shown.iter().take(rows) {
        let mut text = format!(
            "{:<8} {:<8} {:<24} {:>12} {:>12}  {}",
            names.node(message.from),
            names.node(message.to),
            message.message.api_name(),
            message.sent.to_string(),
            message.arrives.to_string(),
            detail(app, message.message)
        );
        let mut style = Style::new();
        if let Some(doomed) = message.doomed {
            text = format!("{text}  {}", doomed_words(app, doomed));
            style = app.paint(Style::new().fg(Color::Red).add_modifier(Modifier::BOLD));
        }
        lines.push(Line::styled(cut(&text, width), style));
    }
    if shown.len() > rows {
        lines.push(Line::raw(match app.lang {
            ksim::scenario::Lang::Ko => format!("… {}개 더", shown.len() - rows),
            ksim::scenario::Lang::En => format!("… {} more", shown.len() - rows),
        }));
    }
    if held_rows > 0 {
        lines.push(Line::styled(
            cut(
                app.tr(
                    "held by brokers, not on the wire (who waits on whom):",
                    "브로커가 보류 중인 요청, 전송 중 아님 (누가 무엇을 기다리는지):",
                ),
                width,
            ),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        let room = held_rows - 1;
        let more = held.len() > room;
        for h in held
            .iter()
            .take(if more { room.saturating_sub(1) } else { room })
        {
            lines.push(Line::styled(
                cut(&super::held::sentence(app, h), width),
                app.paint(Style::new().fg(Color::Yellow)),
            ));
        }
        if more {
            lines.push(Line::raw(match app.lang {
                ksim::scenario::Lang::Ko => {
                    format!("… {}개 더", held.len() - room.saturating_sub(1))
                }
                ksim::scenario::Lang::En => {
                    format!("… {} more", held.len() - room.saturating_sub(1))
                }
            }));
        }
    }
    for line in drops {
        lines.push(Line::styled(
            cut(&line, width),
            app.paint(Style::new().fg(Color::LightRed)),
        ));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// Per link that has dropped anything so far, how many: a line each, the busiest first.
pub(super) fn dropped_lines(app: &App) -> Vec<String> {
    let names = app.timeline().names.names();
    let brokers =
        (1..=app.scenario.brokers).map(|b| NodeId::Broker(ksim::engine::ids::BrokerId(b)));
    let nodes: Vec<NodeId> = std::iter::once(NodeId::Controller)
        .chain(brokers)
        .chain(
            (0..app.world.producers().len() as u32)
                .map(|p| NodeId::Producer(ksim::engine::ids::ProducerIdx(p))),
        )
        .chain(
            (0..app.world.consumers().len() as u32)
                .map(|c| NodeId::Consumer(ksim::engine::ids::ConsumerIdx(c))),
        )
        .collect();
    let mut links: Vec<(u64, String)> = Vec::new();
    for &from in &nodes {
        for &to in &nodes {
            let dropped = app.world.dropped(from, to);
            if dropped > 0 {
                links.push((dropped, format!("{}→{}", names.node(from), names.node(to))));
            }
        }
    }
    if links.is_empty() {
        return Vec::new();
    }
    links.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let list: Vec<String> = links
        .iter()
        .map(|(n, link)| format!("{link} {n}"))
        .collect();
    let label = app.tr(
        "dropped so far (cut links, dead receivers)",
        "지금까지 버려진 메시지 (끊긴 링크, 죽은 받는 쪽)",
    );
    vec![format!("{label}: {}", list.join(", "))]
}
