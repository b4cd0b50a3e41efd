//! Writing to standard output without panicking when the reader goes away
//! (`ksim trace x.toml | head`).

use std::io::{self, Write};

use anyhow::Context;

/// Writes `text` to standard output. A closed pipe is not an error: the reader has all it
/// wanted, so the rest is dropped quietly.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(error).context("writing to standard output"),
    }
}
