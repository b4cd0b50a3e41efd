//! Windows over the screen: help (every key), the what-if fault menu, the branch list with
//! its comparison, the go-to-time prompt, and the details of the event at the cursor.

use std::collections::BTreeSet;

use ksim::observe::ledger::LedgerSummary;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;

use crate::tui::app::{App, Overlay};
use crate::tui::keys::KEYS;
use crate::tui::why;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(overlay) = &app.overlay else {
        return;
    };
    let (title, lines) = match overlay {
        Overlay::Help => (
            app.tr("keys (? or Esc closes)", "키 (? 또는 Esc로 닫기)")
                .to_string(),
            help_lines(app, super::window_width(area).saturating_sub(2) as usize),
        ),
        Overlay::Faults { selected } => {
            let mut lines = vec![Line::raw(app.tr(
                "inject at the cursor; the original run stays as it was (Enter, Esc)",
                "커서 위치에 주입합니다. 원래 실행은 그대로 남습니다 (Enter, Esc)",
            ))];
            for (i, (label, _)) in app.fault_menu().iter().enumerate() {
                lines.push(selectable(app, i == *selected, label));
            }
            (
                app.tr("what-if: a fault now", "가정 실행: 지금 장애를 넣으면")
                    .to_string(),
                lines,
            )
        }
        Overlay::Branches { selected } => {
            let mut lines = Vec::new();
            for (i, branch) in app.branches.iter().enumerate() {
                let current = if i == app.branch {
                    app.tr(" (shown)", " (표시 중)")
                } else {
                    ""
                };
                lines.push(selectable(
                    app,
                    i == *selected,
                    &format!("{}{current}", branch.name),
                ));
            }
            lines.push(Line::raw(""));
            lines.extend(comparison(app, *selected).into_iter().map(Line::raw));
            (
                app.tr(
                    "branches (Enter switches, x closes a what-if, Esc closes)",
                    "분기 (Enter 전환, x 가정 실행 닫기, Esc 닫기)",
                )
                .to_string(),
                lines,
            )
        }
        Overlay::GoTo { input, error } => {
            let mut lines = vec![Line::raw(format!(
                "{}: {input}█",
                app.tr("go to time", "이동할 시각")
            ))];
            lines.push(Line::raw(app.tr(
                "e.g. 2s, 1500ms, 250us (Enter goes, Esc cancels)",
                "예: 2s, 1500ms, 250us (Enter 이동, Esc 취소)",
            )));
            if let Some(error) = error {
                lines.push(Line::styled(
                    error.clone(),
                    app.paint(Style::new().fg(Color::Red)),
                ));
            }
            (app.tr("go to", "이동").to_string(), lines)
        }
        Overlay::Ask { .. } | Overlay::Answer { .. } => {
            let Some((title, lines)) = crate::tui::ask::window(app, overlay) else {
                return;
            };
            (title, lines.into_iter().map(Line::raw).collect())
        }
        Overlay::Details => {
            let timeline = app.timeline();
            let mut lines = Vec::new();
            if let Some(entry) = timeline.entries.get(app.cursor) {
                lines.push(Line::raw(
                    timeline.line_in(app.cursor, app.lang).trim().to_string(),
                ));
                lines.push(Line::raw(format!(
                    "{}: {}",
                    app.tr("kind", "종류"),
                    entry.event.kind()
                )));
                if let Some(why) = why::why(&timeline.entries, app.cursor, app.lang) {
                    lines.push(Line::raw(format!("{}: {why}", app.tr("why", "이유"))));
                }
                lines.push(Line::raw(match app.lang {
                    ksim::scenario::Lang::Ko => {
                        format!("실행의 엔진 단계 {}", timeline.engine_step(app.cursor))
                    }
                    ksim::scenario::Lang::En => {
                        format!(
                            "engine step {} of the run",
                            timeline.engine_step(app.cursor)
                        )
                    }
                }));
            }
            (
                app.tr(
                    "event at the cursor (Enter or Esc closes)",
                    "커서의 이벤트 (Enter 또는 Esc로 닫기)",
                )
                .to_string(),
                lines,
            )
        }
    };
    super::window(lines, &title, area, buf);
}

/// The key table, each description wrapped under itself rather than back at column 0.
fn help_lines(app: &App, inner: usize) -> Vec<Line<'static>> {
    const KEY_COLUMN: usize = 15;
    let width = inner.saturating_sub(KEY_COLUMN).max(10);
    let mut lines = Vec::new();
    for (key, en, ko) in KEYS {
        let what = app.tr(en, ko);
        for (i, part) in super::events::wrap(what, width).into_iter().enumerate() {
            let key = if i == 0 { *key } else { "" };
            lines.push(Line::raw(format!("{key:<14} {part}")));
        }
    }
    lines
}

fn selectable(app: &App, selected: bool, label: &str) -> Line<'static> {
    if selected {
        Line::styled(
            format!("> {label}"),
            app.paint(Style::new().add_modifier(Modifier::REVERSED)),
        )
    } else {
        Line::raw(format!("  {label}"))
    }
}

/// How the selected branch differs from another: the one shown, or, when the shown one is
/// selected, the branch it was forked from. Where they part, their ledgers at the end, and
/// which acknowledged records only one of them lost.
pub fn comparison(app: &App, selected: usize) -> Vec<String> {
    let Some(this) = app.branches.get(selected) else {
        return Vec::new();
    };
    if app.lang == ksim::scenario::Lang::Ko {
        return comparison_ko(app, selected);
    }
    let other = if selected != app.branch {
        Some(app.branch)
    } else {
        this.parent
    };
    let Some(that) = other.and_then(|o| app.branches.get(o)) else {
        return vec![
            format!("{}: {}", this.name, outcome(&this.outcome)),
            "press f to inject a fault at the cursor and make a branch; select another branch to compare"
                .to_string(),
        ];
    };
    let mut lines = vec![format!("{} compared with {}:", this.name, that.name)];
    if this.timeline.is_recording() || that.timeline.is_recording() {
        lines.push(
            "still recording: the comparison is complete once both runs have ended".to_string(),
        );
    }
    match this.timeline.diverges_from(&that.timeline) {
        Some(index) => {
            let time = this
                .timeline
                .entries
                .get(index)
                .map_or(String::new(), |e| e.time.to_string());
            lines.push(format!("they diverge at event {} ({time})", index + 1));
        }
        None => lines.push("the same events".to_string()),
    }
    lines.push(format!("  this:  {}", outcome(&this.outcome)));
    lines.push(format!("  other: {}", outcome(&that.outcome)));
    let lost_this = lost_values(&this.timeline.final_world);
    let lost_that = lost_values(&that.timeline.final_world);
    let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.difference(b).cloned().collect()
    };
    let (only_this, only_that) = (only(&lost_this, &lost_that), only(&lost_that, &lost_this));
    lines.push(match (only_this.len(), only_that.len()) {
        (0, 0) if lost_this.is_empty() => "neither lost an acknowledged record".to_string(),
        (0, 0) => format!(
            "both lost the same acknowledged records: {}",
            listed(&lost_this)
        ),
        (n, 0) => format!(
            "this branch lost {}, the other did not: {}",
            records(n),
            listed(&only_this)
        ),
        (0, n) => format!(
            "the other lost {}, this branch did not: {}",
            records(n),
            listed(&only_that)
        ),
        (n, m) => format!(
            "lost only here: {} ({}); only there: {} ({})",
            records(n),
            listed(&only_this),
            records(m),
            listed(&only_that)
        ),
    });
    lines
}

/// The comparison in Korean: the same facts as `comparison`.
fn comparison_ko(app: &App, selected: usize) -> Vec<String> {
    let Some(this) = app.branches.get(selected) else {
        return Vec::new();
    };
    let other = if selected != app.branch {
        Some(app.branch)
    } else {
        this.parent
    };
    let Some(that) = other.and_then(|o| app.branches.get(o)) else {
        return vec![
            format!("{}: {}", this.name, outcome(&this.outcome)),
            "f를 눌러 커서 위치에 장애를 넣고 분기를 만드세요. 다른 분기를 고르면 비교합니다"
                .to_string(),
        ];
    };
    let mut lines = vec![format!("{}와 {} 비교:", this.name, that.name)];
    if this.timeline.is_recording() || that.timeline.is_recording() {
        lines.push("아직 기록 중: 두 실행이 모두 끝나야 비교가 완성됩니다".to_string());
    }
    match this.timeline.diverges_from(&that.timeline) {
        Some(index) => {
            let time = this
                .timeline
                .entries
                .get(index)
                .map_or(String::new(), |e| e.time.to_string());
            lines.push(format!("이벤트 {} ({time})에서 갈라짐", index + 1));
        }
        None => lines.push("이벤트가 같음".to_string()),
    }
    lines.push(format!("  이쪽:   {}", outcome(&this.outcome)));
    lines.push(format!("  다른 쪽: {}", outcome(&that.outcome)));
    let lost_this = lost_values(&this.timeline.final_world);
    let lost_that = lost_values(&that.timeline.final_world);
    let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.difference(b).cloned().collect()
    };
    let (only_this, only_that) = (only(&lost_this, &lost_that), only(&lost_that, &lost_this));
    lines.push(match (only_this.len(), only_that.len()) {
        (0, 0) if lost_this.is_empty() => "어느 쪽도 확인 응답받은 레코드를 잃지 않음".to_string(),
        (0, 0) => format!("둘 다 같은 확인 응답 레코드를 잃음: {}", listed(&lost_this)),
        (n, 0) => format!(
            "이 분기만 확인 응답 레코드 {n}개를 잃음: {}",
            listed(&only_this)
        ),
        (0, n) => format!(
            "다른 분기만 확인 응답 레코드 {n}개를 잃음: {}",
            listed(&only_that)
        ),
        (n, m) => format!(
            "여기서만 {n}개 ({}), 저기서만 {m}개 ({}) 잃음",
            listed(&only_this),
            listed(&only_that)
        ),
    });
    lines
}

/// The acknowledged records a run lost, as `value@partition:offset`.
fn lost_values(world: &ksim::world::World) -> BTreeSet<String> {
    world
        .lost_records()
        .map(|(record, tp, offset, _)| {
            format!(
                "{}@{}:{offset}",
                world.value_of(record),
                world.scenario().partition_name(tp)
            )
        })
        .collect()
}

fn records(n: usize) -> String {
    match n {
        1 => "1 acknowledged record".to_string(),
        n => format!("{n} acknowledged records"),
    }
}

/// The first few of a set, and how many more.
fn listed<'a>(values: impl IntoIterator<Item = &'a String>) -> String {
    const SHOWN: usize = 4;
    let values: Vec<&str> = values.into_iter().map(String::as_str).collect();
    let mut text = values[..values.len().min(SHOWN)].join(", ");
    if values.len() > SHOWN {
        text.push_str(&format!(" and {} more", values.len() - SHOWN));
    }
    text
}

fn outcome(s: &LedgerSummary) -> String {
    format!(
        "sent {}, acked {}, acked_lost {}, duplicated {}, reordered {}, failed {}",
        s.sent, s.acked, s.acked_lost, s.duplicated, s.reordered, s.failed
    )
}
