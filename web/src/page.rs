//! The page's model and loop: the start page (the shipped scenarios to pick from) or the
//! explorer on one of them; the browser's keys mapped to the explorer's, a tick every 100 ms
//! of the page's clock, and the run recorded between frames a few milliseconds at a time.

use std::cell::RefCell;
use std::rc::Rc;

use ksim_app::lesson::{Lang, parse_lesson};
use ksim_ui::tui::action::Action;
use ksim_ui::tui::app::{App, RECORD_SLICE};
use ksim_ui::tui::ask::LessonPlay;
use ksim_ui::tui::key::{KeyCode, KeyEvent, KeyModifiers};
use ksim_ui::tui::{KEYFRAME_INTERVAL, keys, update};
use ratatui::Frame;
use ratatui::Terminal;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};
use ratzilla::{DomBackend, WebRenderer};

use crate::SHIPPED;

/// How often the explorer's clock ticks, as in the terminal.
const TICK_MS: f64 = 100.0;

/// How long a frame may spend recording the run before it draws.
const RECORDING_MS: f64 = 12.0;

/// What the URL's hash names: a shipped scenario, a seed, a language.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hash {
    pub scenario: Option<String>,
    pub seed: Option<u64>,
    pub lang: Option<Lang>,
}

impl Hash {
    pub fn parse(hash: &str) -> Hash {
        let mut parsed = Hash::default();
        for pair in hash.trim_start_matches('#').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "scenario" => parsed.scenario = Some(value.to_string()),
                "seed" => parsed.seed = value.parse().ok(),
                "lang" => {
                    parsed.lang = match value {
                        "ko" => Some(Lang::Ko),
                        "en" => Some(Lang::En),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        parsed
    }

    pub fn render(&self) -> String {
        let mut parts = Vec::new();
        if let Some(scenario) = &self.scenario {
            parts.push(format!("scenario={scenario}"));
        }
        if let Some(seed) = self.seed {
            parts.push(format!("seed={seed}"));
        }
        if let Some(lang) = self.lang {
            parts.push(format!("lang={}", lang.code()));
        }
        format!("#{}", parts.join("&"))
    }
}

struct Page {
    lang: Lang,
    selected: usize,
    explorer: Option<Box<App>>,
    /// What went wrong opening a scenario, shown on the start page.
    status: Option<String>,
    size: (u16, u16),
    next_tick: f64,
}

pub fn run() -> anyhow::Result<()> {
    let hash = Hash::parse(&location_hash());
    let mut page = Page {
        lang: hash.lang.unwrap_or(Lang::En),
        selected: 0,
        explorer: None,
        status: None,
        size: (0, 0),
        next_tick: now() + TICK_MS,
    };
    if let Some(name) = &hash.scenario {
        match SHIPPED.iter().position(|(file, _)| file == name) {
            Some(index) => {
                page.selected = index;
                page.open(hash.seed);
            }
            None => page.status = Some(format!("no shipped scenario is named {name}")),
        }
    }
    let page = Rc::new(RefCell::new(page));
    let backend = DomBackend::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    let terminal = Terminal::new(backend)?;
    terminal.on_key_event({
        let page = page.clone();
        move |key| page.borrow_mut().key(key)
    });
    terminal.draw_web(move |frame| page.borrow_mut().frame(frame));
    Ok(())
}

impl Page {
    /// Opens the selected scenario in the explorer, with `seed` or the scenario's own (or one
    /// drawn by the page), and names it in the URL so the link shows the same run.
    fn open(&mut self, seed: Option<u64>) {
        let (file, text) = SHIPPED[self.selected];
        let scenario = match ksim::scenario::parse(text, file) {
            Ok(scenario) => scenario,
            Err(error) => {
                self.status = Some(error.to_string());
                return;
            }
        };
        let seed = seed
            .or(scenario.seed)
            .unwrap_or_else(|| (js_sys::Math::random() * f64::from(u32::MAX)) as u64);
        let lesson = if text.lines().any(|line| line.trim() == "[lesson]") {
            match parse_lesson(text, file, None) {
                Ok(lesson) => Some(LessonPlay::new(lesson, self.lang)),
                Err(error) => {
                    self.status = Some(format!("{error:#}"));
                    return;
                }
            }
        } else {
            None
        };
        let mut app = App::starting(scenario, seed, KEYFRAME_INTERVAL);
        app.lang = self.lang.into();
        app.lesson = lesson;
        app.status = Some(
            self.lang
                .pick(
                    "q: back to the scenarios  ·  Space play  ? help",
                    "q: 시나리오 목록으로  ·  Space 재생  ? 도움말",
                )
                .to_string(),
        );
        update::update(&mut app, Action::Resize(self.size.0, self.size.1));
        self.explorer = Some(Box::new(app));
        set_location_hash(&Hash {
            scenario: Some(file.to_string()),
            seed: Some(seed),
            lang: Some(self.lang),
        });
    }

    fn key(&mut self, key: ratzilla::event::KeyEvent) {
        let Some(key) = ours(key) else { return };
        if let Some(app) = self.explorer.as_deref_mut() {
            if let Some(action) = keys::action_for(app, key) {
                update::update(app, action);
            }
            if app.quit {
                self.explorer = None;
                set_location_hash(&Hash {
                    lang: Some(self.lang),
                    ..Hash::default()
                });
            }
            return;
        }
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(SHIPPED.len() - 1)
            }
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = SHIPPED.len() - 1,
            KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => {
                self.status = None;
                self.open(None);
            }
            KeyCode::Char('L') => {
                self.lang = match self.lang {
                    Lang::En => Lang::Ko,
                    Lang::Ko => Lang::En,
                };
                set_location_hash(&Hash {
                    lang: Some(self.lang),
                    ..Hash::default()
                });
            }
            _ => {}
        }
    }

    fn frame(&mut self, frame: &mut Frame) {
        let area = frame.area();
        if (area.width, area.height) != self.size {
            self.size = (area.width, area.height);
            if let Some(app) = self.explorer.as_deref_mut() {
                update::update(app, Action::Resize(area.width, area.height));
            }
        }
        match self.explorer.as_deref_mut() {
            Some(app) => {
                let started = now();
                while app.is_recording() && now() - started < RECORDING_MS {
                    app.record(RECORD_SLICE);
                }
                if now() >= self.next_tick {
                    update::update(app, Action::Tick);
                    self.next_tick = now() + TICK_MS;
                }
                frame.render_widget(&*app, area);
            }
            None => self.start_page(frame, area),
        }
    }

    fn start_page(&self, frame: &mut Frame, area: Rect) {
        let [title, list, help] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Min(3),
            Constraint::Length(2),
        ])
        .areas(area);
        let heading = self.lang.pick(
            "ksim: a deterministic Apache Kafka cluster simulator",
            "ksim: 결정적 Apache Kafka 클러스터 시뮬레이터",
        );
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(heading, Style::new().add_modifier(Modifier::BOLD)),
                Line::from(self.status.clone().unwrap_or_default()),
            ])
            .block(Block::bordered()),
            title,
        );
        let items: Vec<ListItem> = SHIPPED
            .iter()
            .map(|(file, _)| ListItem::new(*file))
            .collect();
        let mut state = ListState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(
            List::new(items)
                .block(Block::bordered().title(self.lang.pick(" scenarios ", " 시나리오 ")))
                .highlight_style(Style::new().add_modifier(Modifier::REVERSED))
                .highlight_symbol("> "),
            list,
            &mut state,
        );
        frame.render_widget(
            Paragraph::new(self.lang.pick(
                "j/k ↑/↓ select  ·  Enter open in the explorer  ·  L 한국어",
                "j/k ↑/↓ 선택  ·  Enter 탐색기로 열기  ·  L English",
            )),
            help,
        );
    }
}

/// The browser's key, as the explorer's key map knows keys.
fn ours(key: ratzilla::event::KeyEvent) -> Option<KeyEvent> {
    use ratzilla::event::KeyCode as R;
    let code = match key.code {
        R::Char(c) => KeyCode::Char(c),
        R::Enter => KeyCode::Enter,
        R::Esc => KeyCode::Esc,
        R::Backspace => KeyCode::Backspace,
        R::Delete => KeyCode::Delete,
        R::Tab if key.shift => KeyCode::BackTab,
        R::Tab => KeyCode::Tab,
        R::Up => KeyCode::Up,
        R::Down => KeyCode::Down,
        R::Left => KeyCode::Left,
        R::Right => KeyCode::Right,
        R::Home => KeyCode::Home,
        R::End => KeyCode::End,
        R::PageUp => KeyCode::PageUp,
        R::PageDown => KeyCode::PageDown,
        _ => return None,
    };
    let mut modifiers = KeyModifiers::NONE;
    if key.ctrl {
        modifiers = modifiers | KeyModifiers::CONTROL;
    }
    if key.alt {
        modifiers = modifiers | KeyModifiers::ALT;
    }
    if key.shift {
        modifiers = modifiers | KeyModifiers::SHIFT;
    }
    Some(KeyEvent::new(code, modifiers))
}

/// The page's clock in milliseconds (never read by the simulation).
fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

fn location_hash() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

fn set_location_hash(hash: &Hash) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let _ =
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash.render()));
    }
}
