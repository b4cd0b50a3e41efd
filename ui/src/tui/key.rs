//! The keys the explorer and the lesson browser understand, in types of their own: the
//! terminal converts crossterm's key events into them and the web build the browser's
//! `KeyboardEvent`s, so the key maps (`keys.rs`, `browser/keys.rs`) serve both.

/// A key, by the names crossterm gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyCode {
    Char(char),
    Enter,
    Esc,
    Backspace,
    Delete,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    /// A key neither key map uses.
    Other,
}

/// The modifier keys held, as bit flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyModifiers(u8);

impl KeyModifiers {
    pub const NONE: KeyModifiers = KeyModifiers(0);
    pub const SHIFT: KeyModifiers = KeyModifiers(1);
    pub const CONTROL: KeyModifiers = KeyModifiers(2);
    pub const ALT: KeyModifiers = KeyModifiers(4);

    pub fn contains(self, other: KeyModifiers) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for KeyModifiers {
    type Output = KeyModifiers;

    fn bitor(self, other: KeyModifiers) -> KeyModifiers {
        KeyModifiers(self.0 | other.0)
    }
}

/// A press, a repeat (the key held down) or a release: the key maps ignore releases, which
/// only some terminals report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeyEventKind {
    #[default]
    Press,
    Repeat,
    Release,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyEvent {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub kind: KeyEventKind,
}

impl KeyEvent {
    /// A key pressed.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
        }
    }
}

#[cfg(feature = "terminal")]
impl From<crossterm::event::KeyEvent> for KeyEvent {
    fn from(key: crossterm::event::KeyEvent) -> KeyEvent {
        use crossterm::event::{KeyCode as C, KeyEventKind as K, KeyModifiers as M};
        let code = match key.code {
            C::Char(c) => KeyCode::Char(c),
            C::Enter => KeyCode::Enter,
            C::Esc => KeyCode::Esc,
            C::Backspace => KeyCode::Backspace,
            C::Delete => KeyCode::Delete,
            C::Tab => KeyCode::Tab,
            C::BackTab => KeyCode::BackTab,
            C::Up => KeyCode::Up,
            C::Down => KeyCode::Down,
            C::Left => KeyCode::Left,
            C::Right => KeyCode::Right,
            C::Home => KeyCode::Home,
            C::End => KeyCode::End,
            C::PageUp => KeyCode::PageUp,
            C::PageDown => KeyCode::PageDown,
            _ => KeyCode::Other,
        };
        let mut modifiers = KeyModifiers::NONE;
        for (theirs, ours) in [
            (M::SHIFT, KeyModifiers::SHIFT),
            (M::CONTROL, KeyModifiers::CONTROL),
            (M::ALT, KeyModifiers::ALT),
        ] {
            if key.modifiers.contains(theirs) {
                modifiers = modifiers | ours;
            }
        }
        let kind = match key.kind {
            K::Press => KeyEventKind::Press,
            K::Repeat => KeyEventKind::Repeat,
            K::Release => KeyEventKind::Release,
        };
        KeyEvent {
            code,
            modifiers,
            kind,
        }
    }
}

#[cfg(all(test, feature = "terminal"))]
mod tests {
    use super::*;

    #[test]
    fn crossterm_keys_convert_with_their_modifiers_and_kind() {
        use crossterm::event as ct;
        let ctrl_c = ct::KeyEvent::new(ct::KeyCode::Char('c'), ct::KeyModifiers::CONTROL);
        let ours = KeyEvent::from(ctrl_c);
        assert_eq!(ours.code, KeyCode::Char('c'));
        assert!(ours.modifiers.contains(KeyModifiers::CONTROL));
        assert!(!ours.modifiers.contains(KeyModifiers::SHIFT));
        let mut release = ct::KeyEvent::new(ct::KeyCode::BackTab, ct::KeyModifiers::SHIFT);
        release.kind = ct::KeyEventKind::Release;
        let ours = KeyEvent::from(release);
        assert_eq!(ours.code, KeyCode::BackTab);
        assert_eq!(ours.kind, KeyEventKind::Release);
        let f1 = KeyEvent::from(ct::KeyEvent::new(ct::KeyCode::F(1), ct::KeyModifiers::NONE));
        assert_eq!(f1.code, KeyCode::Other);
    }
}
