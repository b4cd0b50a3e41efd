//! The front end's library: the explorer's and the lesson browser's models, views and key
//! maps (`tui`), learner progress and seeds, shared by the `ksim` binary (with the `terminal`
//! feature: crossterm, the command line) and the web build (`web/`, without it).

pub mod lessons;
pub mod output;
pub mod progress;
pub mod seed;
pub mod tui;
