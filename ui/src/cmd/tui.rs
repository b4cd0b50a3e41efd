//! `ksim tui <scenario>`: opens the terminal explorer (see `tui/`).

use std::path::Path;
use std::process::ExitCode;

pub fn tui(path: &Path, seed: Option<u64>) -> anyhow::Result<ExitCode> {
    crate::tui::tui(path, seed)
}
