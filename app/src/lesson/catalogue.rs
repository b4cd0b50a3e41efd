//! All the lessons of a directory (`scenarios/lessons/` by default), read and checked together:
//! each file on its own, then what spans files (a question id is used once in the whole set).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Lesson, Question, parse_lesson};
use crate::scenario_files::{self, Found};

/// The lessons of one directory, sorted by file path.
#[derive(Clone, Debug)]
pub struct Catalogue {
    pub dir: PathBuf,
    pub lessons: Vec<Lesson>,
}

impl Catalogue {
    /// Every question with its lesson, in file order.
    pub fn questions(&self) -> impl Iterator<Item = (&Lesson, &Question)> {
        self.lessons
            .iter()
            .flat_map(|lesson| lesson.quiz.iter().map(move |question| (lesson, question)))
    }

    /// A lesson by its file name without `.toml` (`F22-required-producer-configs`), or by a
    /// fact it covers (`F22`; the first such lesson).
    pub fn find(&self, name: &str) -> Option<&Lesson> {
        self.lessons
            .iter()
            .find(|lesson| lesson.slug == name)
            .or_else(|| {
                self.lessons
                    .iter()
                    .find(|lesson| lesson.facts.iter().any(|fact| fact == name))
            })
    }
}

/// Where lessons are read from when `--lessons` is not given: `scenarios/lessons` under the
/// current directory if there is one (a checkout of ksim), else the one this binary was built
/// from.
pub fn default_dir() -> PathBuf {
    let here = PathBuf::from("scenarios/lessons");
    if here.is_dir() {
        return here;
    }
    super::parse::normalize(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/lessons"
    )))
}

/// Is this text a lesson and nothing else (a `[lesson]` table and `[[quiz]]` questions, no
/// other key)? `ksim check` skips such files: there is no cluster to run. Any other key (a
/// misspelt `[clutser]`, `[[expect]]` with no cluster) makes the file a scenario, whose parser
/// reports it, so that no expectation is ever skipped unseen.
pub fn is_lesson_only(text: &str) -> bool {
    match toml::from_str::<toml::Table>(text) {
        Ok(table) => {
            table.contains_key("lesson") && table.keys().all(|key| key == "lesson" || key == "quiz")
        }
        Err(_) => false,
    }
}

/// Reads every `*.toml` under `dir` (recursively, sorted, hidden entries skipped) as a lesson.
/// On any error, returns every error found, one message each, so that one run shows them all.
pub fn load_dir(dir: &Path) -> Result<Catalogue, Vec<String>> {
    if !dir.is_dir() {
        return Err(vec![format!(
            "reading lessons: {} is not a directory",
            dir.display()
        )]);
    }
    let mut lessons = Vec::new();
    let mut errors = Vec::new();
    for found in scenario_files::find(&[dir.to_path_buf()]) {
        let path = match found {
            Found::Scenario(path) | Found::Lesson(path) => path,
            Found::Unreadable { message, .. } => {
                errors.push(message);
                continue;
            }
        };
        let label = scenario_files::label(&path);
        let text = match std::fs::read(&path) {
            Ok(bytes) => match scenario_files::text_of(&bytes, &label) {
                Ok(text) => text.to_string(),
                Err(error) => {
                    errors.push(error.to_string());
                    continue;
                }
            },
            Err(error) => {
                errors.push(format!("reading lesson {label}: {error}"));
                continue;
            }
        };
        match parse_lesson(&text, &label, path.parent()) {
            Ok(lesson) => lessons.push(lesson),
            Err(error) => errors.push(error.to_string()),
        }
    }
    let mut first_file: BTreeMap<&str, &str> = BTreeMap::new();
    for lesson in &lessons {
        for question in &lesson.quiz {
            if let Some(other) = first_file.insert(&question.id, &lesson.file) {
                errors.push(format!(
                    "{}: question id `{}` is also used in {other}; ids must be unique across \
                     lessons",
                    lesson.file, question.id
                ));
            }
        }
    }
    if lessons.is_empty() && errors.is_empty() {
        errors.push(format!("no lesson files (*.toml) in {}", dir.display()));
    }
    if errors.is_empty() {
        Ok(Catalogue {
            dir: dir.to_path_buf(),
            lessons,
        })
    } else {
        Err(errors)
    }
}
