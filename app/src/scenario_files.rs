//! Finding and reading scenario files: the only place where a scenario's bytes come from.
//! Files are only ever read, never written.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use ksim::Scenario;

/// The name a file goes by in every message: the path as the user wrote it, or as found
/// under a directory they gave (`scenarios/isr-shrink.toml`).
pub fn label(path: &Path) -> String {
    path.display().to_string()
}

/// Reads and parses a scenario file. Errors are bad input: a file that cannot be read, is not
/// text, or is not a valid scenario (the parser's message names file:line:column).
pub fn load(path: &Path) -> anyhow::Result<Scenario> {
    load_as(path, None)
}

/// Reads and parses a scenario file, under another Kafka release than its own
/// `kafka_version` when one is given.
pub fn load_as(
    path: &Path,
    version: Option<ksim::config::version::KafkaVersion>,
) -> anyhow::Result<Scenario> {
    let label = label(path);
    let bytes = read(path, "a scenario file (.toml)")?;
    let text = text_of(&bytes, &label)?;
    Ok(ksim::scenario::parse_as(text, &label, version)?)
}

/// Reads a file the user named; when it cannot, a sentence that names the path, what is wrong
/// with it and what was `expected` there (`a scenario file (.toml)`), instead of the bare OS
/// error.
pub fn read(path: &Path, expected: &str) -> anyhow::Result<Vec<u8>> {
    let label = label(path);
    if path.is_dir() {
        return Err(anyhow!("{label} is a directory; expected {expected}"));
    }
    fs::read(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => anyhow!("{label} does not exist; expected {expected}"),
        _ => anyhow!("{label} cannot be read ({error}); expected {expected}"),
    })
}

/// The bytes as text, or an error saying at which line and column they stop being UTF-8.
pub fn text_of<'a>(bytes: &'a [u8], label: &str) -> anyhow::Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = &bytes[..error.valid_up_to()];
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
        let column = 1 + String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count();
        anyhow!(
            "{label}:{line}:{column}: expected UTF-8 text, found the byte 0x{:02x}",
            bytes[error.valid_up_to()]
        )
    })
}

/// What a path given to `ksim check` turned into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Scenario(PathBuf),
    /// A lesson file with no cluster to run (`[lesson]` and no `[cluster]`): `ksim check`
    /// skips it, `ksim learn` and `ksim quiz` read it.
    Lesson(PathBuf),
    /// A path that does not exist or a directory that cannot be listed: bad input.
    Unreadable {
        path: PathBuf,
        message: String,
    },
}

/// The scenario files named by `paths`, in a fixed order: each path in the order given; a file
/// as is, whatever its name; a directory searched recursively for `*.toml` files, sorted by
/// path, skipping hidden entries (names starting with a dot). A file found twice runs once.
/// A file that is only a lesson comes back as [`Found::Lesson`].
pub fn find(paths: &[PathBuf]) -> Vec<Found> {
    find_files(paths)
        .into_iter()
        .map(|entry| match entry {
            Found::Scenario(path) if is_lesson_file(&path) => Found::Lesson(path),
            other => other,
        })
        .collect()
}

/// Whether the file reads as a lesson with no cluster; a file that cannot be read is not,
/// and is left to the scenario loader to report.
fn is_lesson_file(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| crate::lesson::is_lesson_only(&text))
}

fn find_files(paths: &[PathBuf]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for path in paths {
        match fs::metadata(path) {
            Err(error) => found.push(Found::Unreadable {
                path: path.clone(),
                message: match error.kind() {
                    std::io::ErrorKind::NotFound => format!(
                        "{} does not exist; expected a scenario file (.toml) or a directory of them",
                        label(path)
                    ),
                    _ => format!("reading scenario {}: {error}", label(path)),
                },
            }),
            Ok(metadata) if metadata.is_dir() => {
                let mut under = Vec::new();
                walk(path, &mut under);
                under.sort_by(|a, b| found_path(a).cmp(found_path(b)));
                for entry in under {
                    push_once(&mut found, &mut seen, entry);
                }
            }
            Ok(_) => push_once(&mut found, &mut seen, Found::Scenario(path.clone())),
        }
    }
    found
}

fn found_path(found: &Found) -> &Path {
    match found {
        Found::Scenario(path) | Found::Lesson(path) | Found::Unreadable { path, .. } => path,
    }
}

fn push_once(found: &mut Vec<Found>, seen: &mut BTreeSet<PathBuf>, entry: Found) {
    if let Found::Scenario(path) = &entry
        && !seen.insert(path.clone())
    {
        return;
    }
    found.push(entry);
}

/// Collects the `*.toml` files under `dir`, in no particular order. Symbolic links to files
/// are followed; links to directories are not, so that a loop of links cannot trap the walk.
fn walk(dir: &Path, found: &mut Vec<Found>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            found.push(Found::Unreadable {
                path: dir.to_path_buf(),
                message: format!("listing directory {}: {error}", label(dir)),
            });
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                found.push(Found::Unreadable {
                    path: dir.to_path_buf(),
                    message: format!("listing directory {}: {error}", label(dir)),
                });
                continue;
            }
        };
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let is_toml = path
            .extension()
            .is_some_and(|extension| extension == "toml");
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            walk(&path, found);
        } else if is_toml && (file_type.is_file() || path.is_file()) {
            found.push(Found::Scenario(path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let path = std::env::temp_dir().join(format!("ksim-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).expect("the temporary directory is writable");
            TempDir(path)
        }

        fn file(&self, relative: &str) {
            let path = self.0.join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "name = \"x\"\n").unwrap();
        }

        fn file_with(&self, relative: &str, text: &str) {
            let path = self.0.join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn scenario_names(found: &[Found], root: &Path) -> Vec<String> {
        found
            .iter()
            .map(|entry| match entry {
                Found::Scenario(path) => path.strip_prefix(root).unwrap().display().to_string(),
                Found::Lesson(path) => {
                    format!("lesson: {}", path.strip_prefix(root).unwrap().display())
                }
                Found::Unreadable { message, .. } => format!("unreadable: {message}"),
            })
            .collect()
    }

    // A directory is searched recursively for *.toml files, sorted by path component by
    // component, skipping other files and hidden entries.
    #[test]
    fn walks_directories_in_sorted_order() {
        let dir = TempDir::new("walk");
        for file in [
            "b.toml",
            "a/z.toml",
            "a/y/x.toml",
            "a.toml",
            "notes.md",
            ".hidden/secret.toml",
            ".swap.toml",
            "c/readme.txt",
        ] {
            dir.file(file);
        }
        let found = find(std::slice::from_ref(&dir.0));
        assert_eq!(
            scenario_names(&found, &dir.0),
            ["a/y/x.toml", "a/z.toml", "a.toml", "b.toml"]
        );
    }

    // Paths are taken in the order given; a named file is taken whatever its extension, and a
    // file found twice is listed once.
    #[test]
    fn keeps_argument_order_and_drops_repeats() {
        let dir = TempDir::new("order");
        dir.file("b.toml");
        dir.file("a.toml");
        dir.file("named.scenario");
        let paths = [
            dir.0.join("named.scenario"),
            dir.0.join("b.toml"),
            dir.0.clone(),
        ];
        let found = find(&paths);
        assert_eq!(
            scenario_names(&found, &dir.0),
            ["named.scenario", "b.toml", "a.toml"]
        );
    }

    // A path that does not exist is reported, and the other paths are still searched.
    #[test]
    fn missing_path_is_unreadable() {
        let dir = TempDir::new("missing");
        dir.file("a.toml");
        let missing = dir.0.join("nope.toml");
        let found = find(&[missing.clone(), dir.0.clone()]);
        assert_eq!(found.len(), 2);
        match &found[0] {
            Found::Unreadable { path, message } => {
                assert_eq!(path, &missing);
                assert_eq!(
                    message,
                    &format!(
                        "{} does not exist; expected a scenario file (.toml) or a directory of them",
                        missing.display()
                    )
                );
            }
            other => panic!("expected unreadable, found {other:?}"),
        }
        assert_eq!(found[1], Found::Scenario(dir.0.join("a.toml")));
    }

    // Loading a path that is missing, or a directory, says so and names what was expected.
    #[test]
    fn load_names_a_missing_file_or_a_directory() {
        let dir = TempDir::new("load-errors");
        let missing = dir.0.join("nope.toml");
        assert_eq!(
            load(&missing).unwrap_err().to_string(),
            format!(
                "{} does not exist; expected a scenario file (.toml)",
                missing.display()
            )
        );
        assert_eq!(
            load(&dir.0).unwrap_err().to_string(),
            format!(
                "{} is a directory; expected a scenario file (.toml)",
                dir.0.display()
            )
        );
    }

    // A file with `[lesson]` and no `[cluster]` is found as a lesson; one with both, or with
    // broken TOML, is still a scenario (its errors are the scenario loader's to report).
    #[test]
    fn lesson_files_are_told_apart() {
        let dir = TempDir::new("lessons");
        dir.file_with("a.toml", "[lesson]\nfacts = [\"F22\"]\n");
        dir.file_with(
            "b.toml",
            "name = \"x\"\n[lesson]\nfacts = []\n[cluster]\nbrokers = 1\n",
        );
        dir.file_with("c.toml", "[lesson\n");
        dir.file("d.toml");
        let found = find(std::slice::from_ref(&dir.0));
        assert_eq!(
            scenario_names(&found, &dir.0),
            ["lesson: a.toml", "b.toml", "c.toml", "d.toml"]
        );
    }

    // Bytes that are not UTF-8 are refused at the line and column of the first bad byte,
    // counted in characters as an editor counts them.
    #[test]
    fn refuses_non_utf8_text() {
        let error = text_of(b"name = \"\xff\"", "x.toml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "x.toml:1:9: expected UTF-8 text, found the byte 0xff"
        );
        let error = text_of(b"a = 1\nb = \"\xc3\xa9\xfe\"", "x.toml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "x.toml:2:7: expected UTF-8 text, found the byte 0xfe"
        );
        assert_eq!(text_of(b"name = 1", "x.toml").unwrap(), "name = 1");
    }
}
