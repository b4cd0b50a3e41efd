//! `ksim tui <scenario>`: opens the terminal explorer (see `tui/`).

use std::path::Path;
use std::process::ExitCode;

use ksim_app::lesson::Lang;

pub fn tui(
    path: &Path,
    seed: Option<u64>,
    lang: Option<Lang>,
    no_save: bool,
    max_events: u64,
) -> anyhow::Result<ExitCode> {
    crate::tui::tui(path, seed, lang, no_save, max_events)
}
