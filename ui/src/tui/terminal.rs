//! The real terminal: raw mode, the alternate screen and mouse capture on the way in, and
//! all of it undone on the way out, whether the explorer quits, fails or panics.

use std::io::{self, Stdout};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Enters the explorer's terminal mode and installs a panic hook that leaves it first, so a
/// panic message lands on a usable terminal.
pub fn enter() -> io::Result<Tui> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore();
        hook(info);
    }));
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(error) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
        let _ = restore();
        return Err(error);
    }
    Terminal::new(CrosstermBackend::new(stdout))
}

/// Leaves raw mode, the alternate screen and mouse capture, and shows the cursor.
pub fn restore() -> io::Result<()> {
    let mut stdout = io::stdout();
    let leave = execute!(
        stdout,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    disable_raw_mode()?;
    leave
}
