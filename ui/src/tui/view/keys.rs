//! The keys view: where each key goes with the topic's current partition count and the count
//! before it last grew, keys that moved marked, and the trace's key moves so far (R7.6, F39).

use std::collections::BTreeSet;

use ksim::clients::partitioner::partition_for_key;
use ksim::engine::ids::TopicId;
use ksim::kafka::trace::TraceEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::{pad, pad_left, titled};
use crate::tui::app::App;
use ksim::scenario::Lang;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let topic = TopicId(app.topic as u32);
    let now = app.world.controller().image().partition_count(topic);
    let Some(initial) = app.scenario.topics.get(app.topic).map(|t| t.partitions) else {
        return super::no_topics(app, area, buf);
    };
    // The count before the latest growth up to the cursor, if it grew.
    let timeline = app.timeline();
    let upto = (app.cursor + 1).min(timeline.len());
    let mut before = initial;
    let mut moves = Vec::new();
    for entry in timeline.entries.iter().take(upto) {
        if let TraceEvent::KeyMoved {
            key,
            from,
            to,
            partitions_before,
            partitions_now,
        } = &entry.event
            && from.topic == topic
        {
            before = *partitions_before;
            moves.push(match app.lang {
                Lang::Ko => format!(
                    "{} 키 {key:?}: 파티션 {} → {} (파티션 수 {partitions_before} → {partitions_now})",
                    entry.time, from.partition, to.partition,
                ),
                Lang::En => format!(
                    "{} key {key:?}: partition {} → {} ({partitions_before} → {})",
                    entry.time,
                    from.partition,
                    to.partition,
                    partitions(app.lang, *partitions_now)
                ),
            });
        }
    }
    if before == now && now != initial {
        before = initial;
    }
    let keys: BTreeSet<String> = app
        .world
        .producers()
        .iter()
        .flat_map(|p| {
            (0..p.records.len() as u32).filter_map(|n| p.key_of(n).map(|k| k.to_string()))
        })
        .collect();
    let mut lines = vec![Line::styled(
        format!(
            "{} {} {}",
            pad(app.tr("key", "키"), 20),
            pad_left(&partitions(app.lang, before), 12),
            pad_left(&partitions(app.lang, now), 12)
        ),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    if keys.is_empty() {
        lines.push(Line::raw(app.tr(
            "no keyed records yet: null keys are spread by the sticky partitioner",
            "키가 있는 레코드가 아직 없음: null 키는 sticky 파티셔너가 흩어 놓음",
        )));
    }
    for key in &keys {
        let old = partition_for_key(key.as_bytes(), before);
        let new = partition_for_key(key.as_bytes(), now);
        let moved = old != new;
        lines.push(Line::styled(
            format!(
                "{key:<20} {old:>12} {new:>12}{}",
                if moved {
                    app.tr(
                        "  ← moved: its records now sit in two partitions",
                        "  ← 이동: 이 키의 레코드가 이제 두 파티션에 있음",
                    )
                } else {
                    ""
                }
            ),
            app.paint(if moved {
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            }),
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::raw(format!(
        "{}: {}",
        app.tr("key moves seen by the producers", "프로듀서가 본 키 이동"),
        moves.len()
    )));
    lines.extend(moves.into_iter().map(Line::raw));
    Paragraph::new(lines)
        .block(titled(match app.lang {
            Lang::Ko => format!(
                "토픽 {}의 키: murmur2(key) % 파티션 수",
                app.scenario.topic_name(topic)
            ),
            Lang::En => format!(
                "keys of topic {}: murmur2(key) % partitions",
                app.scenario.topic_name(topic)
            ),
        }))
        .scroll((u16::try_from(app.selected).unwrap_or(u16::MAX), 0))
        .render(area, buf);
}

/// `1 partition`, `3 partitions` (`파티션 3개`).
fn partitions(lang: Lang, count: u32) -> String {
    match lang {
        Lang::Ko => format!("파티션 {count}개"),
        Lang::En if count == 1 => "1 partition".to_string(),
        Lang::En => format!("{count} partitions"),
    }
}

#[cfg(test)]
mod tests {
    // One partition is singular, any other count plural.
    #[test]
    fn partition_counts_agree_in_number() {
        use ksim::scenario::Lang;
        assert_eq!(super::partitions(Lang::En, 1), "1 partition");
        assert_eq!(super::partitions(Lang::En, 0), "0 partitions");
        assert_eq!(super::partitions(Lang::En, 4), "4 partitions");
        assert_eq!(super::partitions(Lang::Ko, 1), "파티션 1개");
    }
}
