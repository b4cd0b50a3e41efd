//! The commands, one file each; every one returns the process's exit code, or an error for
//! bad input (exit 2, with the message on standard error).

pub mod acl;
pub mod assign;
pub mod bench;
pub mod bench_tui;
pub mod check;
pub mod config;
pub mod connect_tasks;
pub mod exam;
pub mod learn;
pub mod partition;
pub mod quiz;
pub mod retention;
pub mod run;
pub mod schema;
pub mod serve;
pub mod sweep;
pub mod trace;
pub mod tui;
pub mod windows;
