//! The simulator's layers stay layers: no module under `sim/src/` imports a layer above its own.
//!
//! The order, lowest first, is the one `sim/src/lib.rs` and the book (docs/src/layout.md)
//! describe: `engine`, `config`, `scenario`, then `kafka` and `clients` side by side, `world`,
//! `observe`. This test reads every `crate::…` path in the simulator's non-test code and fails
//! on any that points upwards, so that the folders keep telling the truth about the architecture.

use std::fs;
use std::path::{Path, PathBuf};

/// Each layer and its rank; a module may use layers of a lower rank, and its own.
const LAYERS: &[(&str, u32)] = &[
    ("engine", 0),
    ("config", 1),
    ("scenario", 2),
    ("kafka", 3),
    ("clients", 3),
    ("world", 4),
    ("observe", 5),
];

/// The modules of `kafka` that form the protocol both sides speak: the only ones `clients` use.
const PROTOCOL: &[&str] = &["message", "metadata", "effects", "trace"];

/// The one import that runs upwards, on purpose: an expectation with `at` is evaluated at its
/// moment, so the world's dispatch calls the check when that event comes up.
const ALLOWED: &[(&str, &str)] = &[("world", "observe::check")];

fn rank(layer: &str) -> Option<u32> {
    LAYERS
        .iter()
        .find(|(name, _)| *name == layer)
        .map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("sim/src is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::layer::module` paths a line names, as (layer, module).
fn crate_paths(line: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let mut parts = after
            .split("::")
            .map(|p| {
                p.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
            })
            .map(|p| p.unwrap_or(""));
        let layer = parts.next().unwrap_or("").to_string();
        let module = parts.next().unwrap_or("").to_string();
        found.push((layer, module));
        rest = after;
    }
    found
}

/// Every upward import in the simulator, as `file:line: what`.
fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for path in files {
        let relative = path.strip_prefix(&src).expect("under sim/src");
        let name = relative.to_string_lossy().replace('\\', "/");
        let text = fs::read_to_string(&path).expect("a source file");
        found.extend(judge(&name, &text));
    }
    found
}

/// The upward imports of one file, named by its path under `sim/src/`.
fn judge(name: &str, text: &str) -> Vec<String> {
    if name == "lib.rs" || name.ends_with("/tests.rs") {
        return Vec::new();
    }
    let layer = name.split(['/', '.']).next().expect("a path").to_string();
    let Some(own) = rank(&layer) else {
        return vec![format!(
            "{name}: module `{layer}` belongs to no layer; add it to LAYERS"
        )];
    };
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // Unit tests come last in a file and may use the whole crate.
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        if line.trim_start().starts_with("//") {
            continue;
        }
        for (target, module) in crate_paths(line) {
            if target == layer {
                continue;
            }
            let Some(theirs) = rank(&target) else {
                continue;
            };
            let path = format!("{target}::{module}");
            let upward = theirs > own;
            let sideways = theirs == own
                && !(layer == "clients" && target == "kafka" && PROTOCOL.contains(&&*module));
            let allowed = ALLOWED.contains(&(layer.as_str(), path.as_str()));
            if (upward || sideways) && !allowed {
                found.push(format!("sim/src/{name}:{}: {layer} uses {path}", i + 1));
            }
        }
    }
    found
}

// No module of the simulator imports a layer above its own, and clients see kafka only
// through the protocol modules.
#[test]
fn no_module_imports_a_higher_layer() {
    let found = violations();
    assert!(found.is_empty(), "upward imports:\n{}", found.join("\n"));
}

// The reader finds the paths it must judge, so the test above cannot pass by reading nothing.
#[test]
fn the_reader_sees_crate_paths() {
    assert_eq!(
        crate_paths("use crate::kafka::message::{Message, KafkaError};"),
        vec![("kafka".to_string(), "message".to_string())]
    );
    assert_eq!(
        crate_paths("let x = crate::engine::time::SimTime::ZERO; crate::world::World::new"),
        vec![
            ("engine".to_string(), "time".to_string()),
            ("world".to_string(), "World".to_string())
        ]
    );
}

// Upward and sideways imports are caught, protocol imports and test modules are not.
#[test]
fn planted_imports_are_judged() {
    assert_eq!(
        judge("engine/queue.rs", "use crate::kafka::message::Message;\n"),
        vec!["sim/src/engine/queue.rs:1: engine uses kafka::message"]
    );
    assert_eq!(
        judge(
            "kafka/group.rs",
            "use crate::clients::assignor::Strategy;\n"
        ),
        vec!["sim/src/kafka/group.rs:1: kafka uses clients::assignor"]
    );
    assert_eq!(
        judge("clients/consumer.rs", "use crate::kafka::group::Group;\n"),
        vec!["sim/src/clients/consumer.rs:1: clients uses kafka::group"]
    );
    assert!(
        judge(
            "clients/consumer.rs",
            "use crate::kafka::message::Message;\n"
        )
        .is_empty()
    );
    assert!(judge("kafka/log.rs", "#[cfg(test)]\nuse crate::world::World;\n").is_empty());
    assert_eq!(judge("newlayer/x.rs", "").len(), 1);
}
