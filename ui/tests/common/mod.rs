//! What the end-to-end tests share: running the `ksim` binary and reading what it printed.
// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::process::{Command, Output};

pub fn ksim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ksim"))
        .args(args)
        .output()
        .expect("the ksim binary runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
