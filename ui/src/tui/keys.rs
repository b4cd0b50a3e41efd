//! The key map, in the habits of less, k9s and lazygit: Space plays, arrows step, `[` `]`
//! jump, `?` helps, `q` quits. The help screen and the book (docs/src/explorer.md) list the same
//! table.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::app::{App, Overlay};

/// Every key, as the help screen shows it.
pub const KEYS: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    ("+ / -", "faster / slower"),
    ("→ / l", "step one event forward"),
    ("← / h", "step one event back"),
    (
        "] / [",
        "next / previous marked event: fault, election, ISR, loss, error, rebalance, say",
    ),
    ("Home / End", "first / last event"),
    ("g", "go to a simulated time (e.g. 2s, 1500ms)"),
    ("click", "on the timeline bar: seek there"),
    (
        "Tab / S-Tab",
        "next / previous view: cluster, records, keys, groups",
    ),
    ("t", "next topic (cluster and keys views)"),
    (
        "c",
        "log cells show: leader epoch, producer, key (cluster view)",
    ),
    ("j / k, ↓ / ↑", "select / scroll"),
    (
        "Enter",
        "details of the event at the cursor; records view: go to what decided the record",
    ),
    (
        "0-7",
        "records view: 0 all, 1 acked, 2 committed, 3 lost, 4 dup, 5 reordered, 6 failed, 7 pending",
    ),
    (
        "1-9 Enter",
        "a lesson's question (predict, then watch): answer and play on; Esc skips",
    ),
    ("f", "what-if: inject a fault at the cursor (a new branch)"),
    ("b", "branches: switch, compare any two, x closes a what-if"),
    ("?", "this help"),
    ("Esc", "close a window"),
    ("q / Ctrl-C", "quit"),
];

pub fn action_for(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return Some(Action::Quit);
    }
    if matches!(
        app.overlay,
        Some(Overlay::GoTo { .. } | Overlay::Ask { .. })
    ) {
        return match key.code {
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Esc => Some(Action::Escape),
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char(c) => Some(Action::Type(c)),
            _ => None,
        };
    }
    if matches!(app.overlay, Some(Overlay::Branches { .. }))
        && matches!(key.code, KeyCode::Char('x') | KeyCode::Delete)
    {
        return Some(Action::CloseBranch);
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char(' ') => Action::TogglePlay,
        KeyCode::Char('+') | KeyCode::Char('=') => Action::Faster,
        KeyCode::Char('-') => Action::Slower,
        KeyCode::Right | KeyCode::Char('l') => Action::StepForward,
        KeyCode::Left | KeyCode::Char('h') => Action::StepBack,
        KeyCode::Char(']') => Action::NextNotable,
        KeyCode::Char('[') => Action::PreviousNotable,
        KeyCode::Home => Action::Home,
        KeyCode::End => Action::End,
        KeyCode::Char('g') => Action::GoToTime,
        KeyCode::Tab => Action::NextView,
        KeyCode::BackTab => Action::PreviousView,
        KeyCode::Char('t') => Action::NextTopic,
        KeyCode::Char('c') => Action::CellLabel,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Enter => Action::Enter,
        KeyCode::Esc => Action::Escape,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('f') => Action::FaultMenu,
        KeyCode::Char('b') => Action::Branches,
        KeyCode::Char(c @ '0'..='7') => Action::Type(c),
        _ => return None,
    })
}
