//! The key map, in the habits of less, k9s and lazygit: Space plays, arrows step, `[` `]`
//! jump, `?` helps, `q` quits. The help screen and the book (docs/src/explorer.md) list the same
//! table.

use super::key::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::app::{App, Overlay};

/// Every key, as the help screen shows it: the key, what it does in English and in Korean.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("Space", "play / pause", "재생 / 정지"),
    ("+ / -", "faster / slower", "빠르게 / 느리게"),
    (
        "p",
        "pace: by simulated time (x0.1 … x100, the default) or by events",
        "재생 기준: 시뮬레이션 시간(x0.1 … x100, 기본) 또는 이벤트 수",
    ),
    ("→ / l", "step one event forward", "이벤트 하나 앞으로"),
    ("← / h", "step one event back", "이벤트 하나 뒤로"),
    (
        "] / [",
        "next / previous marked event: fault, election, ISR, loss, error, rebalance, say",
        "다음 / 이전 표시된 사건: 장애, 리더 선출, ISR, 유실, 오류, 리밸런스, 설명",
    ),
    ("Home / End", "first / last event", "처음 / 마지막 이벤트"),
    (
        "g",
        "go to a simulated time (e.g. 2s, 1500ms)",
        "시뮬레이션 시각으로 이동 (예: 2s, 1500ms)",
    ),
    (
        "click",
        "on the timeline bar: seek there",
        "타임라인 막대를 누르면 그 시점으로 이동",
    ),
    (
        "Tab / S-Tab",
        "next / previous view: cluster, records, keys, groups, messages",
        "다음 / 이전 화면: 클러스터, 레코드, 키, 그룹, 메시지",
    ),
    (
        "t",
        "next topic (cluster and keys views)",
        "다음 토픽 (클러스터와 키 화면)",
    ),
    (
        "c",
        "log cells show: leader epoch, producer, key, send order (cluster view); lanes or list (messages view)",
        "로그 칸 표시: 리더 에포크, 프로듀서, 키, 보낸 순서 (클러스터 화면); 레인 또는 목록 (메시지 화면)",
    ),
    ("j / k, ↓ / ↑", "select / scroll", "선택 / 스크롤"),
    (
        "Enter",
        "details of the event at the cursor; records view: go to what decided the record",
        "커서 위치 이벤트의 자세한 내용; 레코드 화면에서는 레코드를 결정한 이벤트로 이동",
    ),
    (
        "0-7",
        "records view: 0 all, 1 acked, 2 committed, 3 lost, 4 dup, 5 reordered, 6 failed, 7 pending",
        "레코드 화면: 0 전체, 1 확인됨, 2 커밋됨, 3 유실, 4 중복, 5 순서 바뀜, 6 실패, 7 대기",
    ),
    (
        "0-6",
        "messages view: 0 all (heartbeats folded), 1 produce, 2 fetch, 3 metadata, 4 groups, 5 heartbeats, 6 transactions",
        "메시지 화면: 0 전체(하트비트 접음), 1 'produce', 2 'fetch', 3 메타데이터, 4 그룹, 5 하트비트, 6 트랜잭션",
    ),
    (
        "1-9 Enter",
        "a lesson's question (predict, then watch): answer and play on; Esc skips",
        "레슨 문제(예측한 뒤 관찰): 답하고 계속 재생; Esc는 건너뜀",
    ),
    (
        "f",
        "what-if: inject a fault at the cursor (a new branch)",
        "가정 실행: 커서 위치에 장애 주입 (새 분기)",
    ),
    (
        "b",
        "branches: switch, compare any two, x closes a what-if",
        "분기: 전환, 두 분기 비교, x로 가정 실행 닫기",
    ),
    ("?", "this help", "이 도움말"),
    ("Esc", "close a window", "창 닫기"),
    ("q / Ctrl-C", "quit", "종료"),
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
        KeyCode::Char('p') => Action::Pace,
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
