//! `ksim tui <scenario>`: the terminal explorer. It is not built yet; this command says so
//! rather than pretend.

use std::path::Path;
use std::process::ExitCode;

pub fn tui(path: &Path) -> anyhow::Result<ExitCode> {
    eprintln!(
        "the terminal explorer is not built yet; `ksim run {}` runs the scenario once",
        path.display()
    );
    Ok(ExitCode::from(2))
}
