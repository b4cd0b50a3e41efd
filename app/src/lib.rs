//! What every ksim front end shares and none of them draws: the terminal today, the browser
//! and the `serve` gateway later.
//!
//! - `lesson`: lessons and their quiz questions, parsed from `scenarios/lessons/*.toml`, and the
//!   catalogue of a directory of them.
//! - `quiz`: which questions a session asks, in what order, and how an answer is judged.
//! - `exam`: the mock exam, drawn to the syllabus sections' weights and scored per section.
//! - `scenario_files`: finding scenario and lesson files under the paths a user names.
//! - `connect`: Kafka Connect's task arithmetic (F29).
//! - `acl`: Kafka's ACL authorizer: DENY wins, super users, resource patterns (S03).
//! - `windows`: Kafka Streams' windows and grace periods: which windows a record falls in (S04).
//! - `settings`: a client's or topic's effective settings and who set each one (S22).
//! - `schema`: Avro schema compatibility and validity, as Schema Registry judges them.
//!
//! No terminal, no clap, no output: front ends decide how to show what these return.

pub mod acl;
pub mod connect;
pub mod exam;
pub mod lesson;
pub mod quiz;
pub mod scenario_files;
pub mod schema;
pub mod settings;
pub mod windows;
