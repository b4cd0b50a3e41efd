//! The cluster view: brokers and their state, then for the selected topic every partition
//! with one row per replica (role, ISR membership, epoch, the log as cells, HW and LEO),
//! acknowledged records that were lost as marked ghost cells, then producers and consumers.
//! Under the brokers, a line per broker that holds requests (`⏸ b1 holds: …`).

use std::collections::BTreeMap;

use ksim::engine::ids::{BrokerId, Offset, TopicId, TopicPartition};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::faults::{self, BrokerState};
use super::log_cells::{Cell, Columns};
use super::{producer_color, titled};
use crate::tui::app::{App, CellLabel};
use ksim::scenario::Lang;

/// Columns before a replica's cells: ` b1 leader   ISR e1 `.
const PREFIX: usize = 22;
/// Columns after them: ` hw 123456 leo 123456`.
const SUFFIX: usize = 22;
/// And in a topic with transactions: ` lso 123456 open app@123456`.
const TXN_SUFFIX: usize = 26;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(lines) = lines(app, area.width) else {
        return super::no_topics(app, area, buf);
    };
    let topic_name = app.scenario.topic_name(TopicId(app.topic as u32));
    let title = match app.lang {
        Lang::Ko => format!("클러스터: 토픽 {topic_name} (t: 다음 토픽)"),
        Lang::En => format!("cluster: topic {topic_name} (t: next topic)"),
    };
    let inner = titled(title);
    let scroll = (app.selected as u16).min(lines.len().saturating_sub(1) as u16);
    Paragraph::new(lines)
        .block(inner)
        .scroll((scroll, 0))
        .render(area, buf);
}

/// The rows the view needs at this width, its title included (the layout gives the rest to
/// the event log).
pub fn rows(app: &App, width: u16) -> usize {
    lines(app, width).map_or(2, |l| l.len() + 1)
}

/// The view's lines at this width, or None when the scenario has no topic.
fn lines(app: &App, width: u16) -> Option<Vec<Line<'static>>> {
    let world = &app.world;
    let image = world.controller().image();
    let topic = TopicId(app.topic as u32);
    let topic_name = app.scenario.topics.get(app.topic)?.name.clone();
    let mut lines: Vec<Line<'static>> = Vec::new();

    let history = faults::FaultHistory::at_cursor(app);
    let mut brokers = vec![Span::raw(app.tr("brokers ", "브로커 "))];
    for broker in world.brokers() {
        let state = faults::broker_state(app, &history, broker.id);
        let leads: Vec<String> = image
            .partitions()
            .filter(|(tp, p)| p.leader == Some(broker.id) && tp.topic == topic)
            .map(|(tp, _)| tp.partition.to_string())
            .collect();
        let leads = match leads.len() {
            0 => String::new(),
            1..=4 => format!(" ({} {})", app.tr("leads", "리더:"), leads.join(",")),
            n => match app.lang {
                Lang::Ko => format!(" (리더: {n}개)"),
                Lang::En => format!(" (leads {n})"),
            },
        };
        let style = match state {
            BrokerState::Up => Style::new().fg(Color::Green),
            BrokerState::Down | BrokerState::PoweredOff => {
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
            }
            _ => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        };
        brokers.push(Span::styled(
            format!(" {} {}", broker.id, state.label(app.lang)),
            app.paint(style),
        ));
        brokers.push(Span::raw(format!("{leads} ")));
    }
    brokers.push(Span::raw(
        app.tr(" │ controller: KRaft quorum", " │ 컨트롤러: KRaft 쿼럼"),
    ));
    lines.push(Line::from(brokers));
    let (network, healthy) = faults::network_line(app, &history);
    lines.push(Line::styled(
        network,
        app.paint(if healthy {
            Style::new()
        } else {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        }),
    ));
    // Who waits on whom: what each broker holds rather than answers at once.
    for line in super::held::broker_lines(app) {
        lines.push(Line::styled(
            line,
            app.paint(Style::new().fg(Color::Yellow)),
        ));
    }

    // A topic with transactions gives its rows room for ` lso 12 open app@8`.
    let transactional = world.brokers().iter().any(|b| {
        b.replicas.iter().any(|(tp, r)| {
            tp.topic == topic
                && (r.last_stable_offset() < r.log.high_watermark
                    || !r.open_transactions().is_empty())
        })
    });
    let suffix = if transactional {
        SUFFIX + TXN_SUFFIX
    } else {
        SUFFIX
    };
    let cells = (width as usize).saturating_sub(PREFIX + suffix) / 2;
    let partitions = image.partition_count(topic);
    let lost = lost_by_partition(app);
    let mut per_batch = false;
    let mut lso_shown = false;
    let keys = KeyLetters::of_topic(&app.scenario, topic);
    for p in 0..partitions {
        let tp = TopicPartition::new(topic, p);
        let Some(state) = image.partition(tp) else {
            continue;
        };
        let leader = state.leader.map_or(
            app.tr("none (OFFLINE)", "없음 (OFFLINE)").to_string(),
            |b| b.to_string(),
        );
        let ghosts = lost.get(&tp).map(Vec::as_slice).unwrap_or_default();
        let logs: Vec<&ksim::kafka::log::ReplicaLog> = state
            .replicas
            .iter()
            .filter_map(|b| world.brokers()[b.0 as usize - 1].replicas.get(&tp))
            .map(|r| &r.log)
            .collect();
        // Retention or compaction moved the start: say where the logs begin now.
        let log_start = logs
            .iter()
            .map(|l| l.log_start_offset().0)
            .max()
            .unwrap_or(0);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{topic_name}-{p}"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                "  {} {leader}  {} {}  isr {}  {} {}{}",
                app.tr("leader", "리더"),
                app.tr("epoch", "에포크"),
                state.leader_epoch,
                ksim::kafka::trace::brokers(&state.isr),
                app.tr("replicas", "레플리카"),
                ksim::kafka::trace::brokers(&state.replicas),
                if log_start > 0 {
                    format!(
                        "  log start {log_start} ({})",
                        app.tr("older segments deleted", "오래된 세그먼트 삭제됨")
                    )
                } else {
                    String::new()
                }
            )),
        ]));
        let lost_offsets: Vec<Offset> = ghosts.iter().map(|(o, _)| *o).collect();
        let columns = Columns::lay_out(&logs, &lost_offsets, cells);
        per_batch |= columns.per_batch;
        lso_shown |= state.replicas.iter().any(|b| {
            world.brokers()[b.0 as usize - 1]
                .replicas
                .get(&tp)
                .is_some_and(|r| r.last_stable_offset() < r.log.high_watermark)
        });
        for &b in &state.replicas {
            lines.push(replica_row(
                app,
                tp,
                b,
                state.isr.contains(&b),
                &columns,
                cells,
                &keys,
            ));
        }
        if !ghosts.is_empty() {
            lines.push(ghost_row(app, ghosts, &columns, cells));
        }
    }
    let mut legend = legend(app, per_batch, &keys);
    if lso_shown {
        legend.push_str(app.tr("; ┊ the LSO", "; ┊ LSO"));
    }
    lines.push(Line::raw(legend));

    for (p, producer) in world.producers().iter().enumerate() {
        let counts = app.producer_counts.get(p).copied().unwrap_or_default();
        let (acked, failed, pending) = (counts.acked, counts.failed, counts.in_flight);
        let errors: Vec<&str> = producer.errors.iter().map(|e| e.name()).collect();
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {}", app.tr("producer", "프로듀서"), producer.name),
                app.paint(Style::new().fg(producer_color(producer.idx.0 as usize))),
            ),
            Span::raw({
                let errors = if errors.is_empty() {
                    app.tr("none", "없음").to_string()
                } else {
                    errors.join(", ")
                };
                let sent = producer.records.len();
                match app.lang {
                    Lang::Ko => format!(
                        "  보냄 {sent}  확인 응답 {acked}  실패 {failed}  전송 중 {pending}  오류 {errors}"
                    ),
                    Lang::En => format!(
                        "  sent {sent}  acked {acked}  failed {failed}  in flight {pending}  errors {errors}"
                    ),
                }
            }),
        ]));
    }
    let engine = world.events_processed();
    for (c, consumer) in world.consumers().iter().enumerate() {
        let history = app.timeline().lag_history(c, engine, 12);
        let group = consumer
            .group
            .map(|g| app.scenario.groups[g.0 as usize].clone())
            .unwrap_or_else(|| app.tr("none", "없음").to_string());
        let lag = consumer.lag();
        let positions: Vec<String> = consumer
            .assignment
            .iter()
            .map(|tp| {
                let position = consumer
                    .positions
                    .get(tp)
                    .map_or("-".to_string(), |o| o.to_string());
                let lag = lag.get(tp).map_or("-".to_string(), |l| l.to_string());
                format!(
                    "{} {} {position} lag {lag}",
                    app.scenario.partition_name(*tp),
                    app.tr("at", "위치")
                )
            })
            .collect();
        lines.push(Line::raw(format!(
            "{} {}  {} {group}  {}  lag {}  {}",
            app.tr("consumer", "컨슈머"),
            consumer.name,
            app.tr("group", "그룹"),
            if consumer.running {
                app.tr("running", "실행 중")
            } else {
                app.tr("stopped", "중지됨")
            },
            sparkline(&history),
            if positions.is_empty() {
                app.tr("no partitions", "파티션 없음").to_string()
            } else {
                positions.join(", ")
            }
        )));
    }

    Some(lines)
}

/// Per partition, the acknowledged records lost so far: offset and value.
fn lost_by_partition(app: &App) -> BTreeMap<TopicPartition, Vec<(Offset, String)>> {
    let mut lost: BTreeMap<TopicPartition, Vec<(Offset, String)>> = BTreeMap::new();
    for (record, tp, offset, _) in app.world.lost_records() {
        let value = app.world.value_of(record);
        lost.entry(tp).or_default().push((offset, value));
    }
    lost
}

fn replica_row(
    app: &App,
    tp: TopicPartition,
    broker: BrokerId,
    in_isr: bool,
    columns: &Columns,
    cells: usize,
    keys: &KeyLetters,
) -> Line<'static> {
    let world = &app.world;
    let node = &world.brokers()[broker.0 as usize - 1];
    let Some(replica) = node.replicas.get(&tp) else {
        return Line::raw(format!(
            " {broker:<4} {}",
            app.tr("(no replica)", "(레플리카 없음)")
        ));
    };
    let role = if !node.alive {
        app.tr("down", "다운")
    } else if replica.leading.is_some() {
        app.tr("leader", "리더")
    } else {
        app.tr("follower", "팔로워")
    };
    let isr = if in_isr { "ISR" } else { app.tr("out", "밖") };
    let mut spans = vec![Span::styled(
        format!(
            " {:<4}{}{}e{:<3}",
            broker.to_string(),
            super::fit(role, 9),
            super::fit(isr, 4),
            replica.leader_epoch.0
        ),
        if node.alive {
            Style::new()
        } else {
            Style::new().add_modifier(Modifier::DIM | Modifier::CROSSED_OUT)
        },
    )];
    spans.push(Span::raw(if columns.clipped { "…" } else { " " }));
    let log = &replica.log;
    let hw = log.high_watermark.0;
    let lso_column_of = |offset: u64| hw_column(columns, offset);
    let hw_column = hw_column(columns, hw);
    // An open transaction holds the LSO below the HW: a read_committed consumer stops at ┊.
    let lso = replica.last_stable_offset().0;
    let lso_column = if lso < hw { lso_column_of(lso) } else { None };
    for (i, cell) in columns.cells(log).into_iter().enumerate() {
        let (text, style) = match cell {
            Cell::Empty => (' ', Style::new()),
            Cell::Gap => ('·', Style::new().add_modifier(Modifier::DIM)),
            Cell::Record {
                epoch,
                record,
                above_hw,
            } => {
                let producer = record.producer.0 as usize;
                let (text, color) = if record.is_internal() {
                    match app.cells {
                        CellLabel::Epoch => (digit(epoch), Color::Gray),
                        _ => ('=', Color::Gray),
                    }
                } else {
                    match app.cells {
                        CellLabel::Epoch => (digit(epoch), producer_color(producer)),
                        CellLabel::Producer => (letter(producer), producer_color(producer)),
                        CellLabel::Key => match world.producers()[producer].key_of(record.n) {
                            Some(key) => {
                                let i = keys.index(key);
                                (letter(i), producer_color(i))
                            }
                            None => ('-', Color::Gray),
                        },
                        CellLabel::SendOrder => (digit(record.n), producer_color(producer)),
                    }
                };
                let mut style = Style::new().fg(color);
                if above_hw {
                    style = style.add_modifier(Modifier::UNDERLINED);
                }
                (text, style)
            }
        };
        spans.push(Span::styled(text.to_string(), app.paint(style)));
        spans.push(Span::raw(if hw_column == Some(i) {
            "┃"
        } else if lso_column == Some(i) {
            "┊"
        } else {
            " "
        }));
    }
    if hw_column.is_none() && hw > 0 && columns.column_of(hw).is_some() {
        // The HW sits at the first shown column: the marker goes before it.
        spans[1] = Span::raw("┃");
    } else if lso < hw && lso_column.is_none() && columns.column_of(lso).is_some() {
        spans[1] = Span::raw("┊");
    }
    let shown = columns.starts.len().min(cells);
    spans.push(Span::raw(" ".repeat((cells - shown) * 2)));
    spans.push(Span::raw(format!(
        " hw {} leo {}",
        log.high_watermark,
        log.log_end_offset()
    )));
    // Only a partition with transactions says more: its LSO and who holds it back.
    let open = replica.open_transactions();
    if lso < hw || !open.is_empty() {
        let open: Vec<String> = open
            .iter()
            .map(|(producer, first)| {
                let name = world
                    .producers()
                    .get(producer.0 as usize)
                    .map_or_else(|| producer.0.to_string(), |p| p.name.clone());
                format!("{name}@{first}")
            })
            .collect();
        spans.push(Span::raw(if open.is_empty() {
            format!(" lso {lso}")
        } else {
            format!(" lso {lso} {} {}", app.tr("open", "열림"), open.join(","))
        }));
    }
    Line::from(spans)
}

fn digit(epoch: u32) -> char {
    char::from_digit(epoch % 10, 10).unwrap_or('?')
}

/// a…z, then A…Z, then `*` for the rest.
const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn letter(index: usize) -> char {
    LETTERS.get(index).map_or('*', |&b| b as char)
}

/// The keys the scenario's steps send to a topic, in the order the steps name them, each
/// given the next letter. They come from the whole run, not from the records on screen, so a
/// key keeps its letter while scrubbing.
#[derive(Debug, Default, PartialEq, Eq)]
struct KeyLetters(Vec<String>);

impl KeyLetters {
    fn of_topic(scenario: &ksim::scenario::Scenario, topic: TopicId) -> KeyLetters {
        let mut keys: Vec<String> = Vec::new();
        for step in &scenario.steps {
            if let ksim::scenario::Action::Produce(spec) = &step.action
                && spec.topic == topic
            {
                for key in spec.keys.iter().take(spec.count as usize) {
                    if !keys.iter().any(|k| **k == **key) {
                        keys.push(key.to_string());
                    }
                }
            }
        }
        KeyLetters(keys)
    }

    /// The key's index, past every letter (shown as `*`) for a key not in the list.
    fn index(&self, key: &str) -> usize {
        self.0.iter().position(|k| k == key).unwrap_or(usize::MAX)
    }
}

/// The line under the partitions that says what a cell is (`c` changes it).
fn legend(app: &App, per_batch: bool, keys: &KeyLetters) -> String {
    let unit = if per_batch {
        app.tr(
            "one per batch (long log), its first record",
            "배치마다 하나 (긴 로그), 그 첫 레코드",
        )
    } else {
        app.tr("one per record", "레코드마다 하나")
    };
    let names = |names: Vec<String>| {
        let shown: Vec<String> = names.iter().take(8).cloned().collect();
        let more = names.len().saturating_sub(8);
        if more > 0 {
            format!("{} +{more}", shown.join(" "))
        } else {
            shown.join(" ")
        }
    };
    let what = match app.cells {
        CellLabel::Epoch => app
            .tr("digit: leader epoch", "숫자: 리더 에포크")
            .to_string(),
        CellLabel::SendOrder => app
            .tr(
                "digit: send number in its producer, last digit (2 3 0 1: reordered)",
                "숫자: 프로듀서 안에서 보낸 순번의 끝자리 (2 3 0 1: 순서 뒤바뀜)",
            )
            .to_string(),
        CellLabel::Producer => format!(
            "{}: {}",
            app.tr("producer", "프로듀서"),
            names(
                app.world
                    .producers()
                    .iter()
                    .enumerate()
                    .map(|(i, p)| format!("{}={}", letter(i), p.name))
                    .collect()
            )
        ),
        CellLabel::Key if keys.0.is_empty() => app
            .tr(
                "key: - (no step sends a key to this topic)",
                "키: - (이 토픽에 키를 보내는 단계 없음)",
            )
            .to_string(),
        CellLabel::Key => format!(
            "{}: {}; - {}",
            app.tr("key", "키"),
            names(
                keys.0
                    .iter()
                    .enumerate()
                    .map(|(i, k)| format!("{}={k}", letter(i)))
                    .collect()
            ),
            app.tr("none", "없음")
        ),
    };
    match app.lang {
        Lang::Ko => format!("칸 (c): {unit}; {what}; · 컴팩션으로 제거됨; ┃ HW"),
        Lang::En => format!("cells (c): {unit}; {what}; · compacted away; ┃ the HW"),
    }
}

/// The column after which the HW marker goes: the one holding the last offset below the HW.
fn hw_column(columns: &Columns, hw: u64) -> Option<usize> {
    hw.checked_sub(1).and_then(|last| columns.column_of(last))
}

/// The ghost row under a partition: an `✗` in each lost record's column, then their values.
fn ghost_row(
    app: &App,
    ghosts: &[(Offset, String)],
    columns: &Columns,
    cells: usize,
) -> Line<'static> {
    let mut row = vec![' '; cells * 2];
    for (offset, _) in ghosts {
        if let Some(i) = columns.column_of(offset.0).filter(|&i| i < cells) {
            row[i * 2] = '✗';
        }
    }
    let values: Vec<String> = ghosts
        .iter()
        .map(|(offset, value)| format!("{value}@{offset}"))
        .collect();
    Line::from(vec![
        Span::raw(format!(
            " {}",
            super::fit(app.tr("lost (acked)", "유실 (확인 응답됨)"), 22)
        )),
        Span::styled(
            row.into_iter().collect::<String>(),
            app.paint(Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
        ),
        Span::styled(
            format!(" ✗ {}", values.join(", ")),
            app.paint(Style::new().fg(Color::Red)),
        ),
    ])
}

/// Values as a row of block characters, the highest as a full block; `·` when all are zero.
fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let top = values.iter().copied().max().unwrap_or(0);
    if top == 0 {
        return "·".repeat(values.len().max(1));
    }
    values
        .iter()
        .map(|&v| BARS[((v * 7).div_ceil(top)) as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    // The sparkline scales to its highest value and shows zero lag as dots.
    #[test]
    fn sparkline_scales() {
        assert_eq!(super::sparkline(&[0, 1, 2, 4]), "▁▃▅█");
        assert_eq!(super::sparkline(&[0, 0]), "··");
        assert_eq!(super::sparkline(&[]), "·");
    }
}
