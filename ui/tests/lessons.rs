//! The lesson files: every one loads (both languages, at least one question, a scenario link
//! that exists and shows the lesson's fact), its teach mode is the one facts.md gives its
//! facts, its calculator command runs; and, over `scenarios/lessons`, every fact F01-F54 has a
//! lesson and a question, at least 300 questions in all.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{TempDir, ksim_with, stderr, stdout};

/// facts.md's catalogue (docs/facts.md): each fact and how it must be taught, as its last
/// column says, from its table's rows `| F17 | area | summary | SIM |`.
fn facts() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repository_root().join("docs/facts.md"))
        .expect("docs/facts.md is readable");
    let facts: Vec<(String, String)> = text
        .lines()
        .filter(|line| line.starts_with("| F"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[4].to_string())
        })
        .collect();
    assert_eq!(facts.len(), 54, "facts.md numbers the facts F01 to F54");
    facts
}

/// The issue asks for at least this many questions over all the lessons.
const MIN_QUESTIONS: usize = 300;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The lessons of `dir` as `ksim learn --format json` reads them, after checking that the
/// whole directory loads.
fn load(dir: &Path) -> Vec<serde_json::Value> {
    let dir = dir.to_str().expect("UTF-8 paths");
    let out = ksim_with(
        &["learn", "--lessons", dir, "--format", "json", "--no-save"],
        &[],
        "",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "the lessons in {dir} do not load:\n{}",
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    json["lessons"].as_array().unwrap().clone()
}

/// What is wrong with the lessons beyond loading: a SIM lesson with no scenario, a calculator
/// command that does not run.
fn problems(lessons: &[serde_json::Value]) -> Vec<String> {
    let mut problems = Vec::new();
    for lesson in lessons {
        let file = lesson["file"].as_str().unwrap();
        let teach = lesson["teach"].as_str().unwrap();
        if teach == "sim" && lesson["scenario"].is_null() {
            problems.push(format!(
                "{file}: teach = \"sim\" without a `scenario` that shows it live"
            ));
        }
        if let Some(calc) = lesson["calc"].as_str() {
            let words: Vec<&str> = calc.split_whitespace().skip(1).collect();
            let out = Command::new(env!("CARGO_BIN_EXE_ksim"))
                .args(&words)
                .current_dir(repository_root())
                .env_remove("LANG")
                .env_remove("LC_ALL")
                .env_remove("LC_MESSAGES")
                .output()
                .expect("the ksim binary runs");
            // 1 is an answer too: `ksim schema check` says "incompatible" with it.
            let answered = matches!(out.status.code(), Some(0 | 1)) && !out.stdout.is_empty();
            if !answered {
                problems.push(format!(
                    "{file}: calc \"{calc}\" does not run from the repository root: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
    }
    problems
}

/// What a fact taught `mode` (facts.md's column) lacks among the lessons that cover it: a
/// SIM fact needs a lesson with a scenario, a CALC fact a CALC lesson, SIM + CALC either.
/// LESSON facts need nothing more, and neither do the facts of the streams area (F06 and F41:
/// ksim has no Kafka Streams runtime; F04 is shown all the same, by the consumers Streams runs).
fn missing_demonstration(
    lessons: &[serde_json::Value],
    fact: &str,
    mode: &str,
) -> Option<&'static str> {
    let covering: Vec<&serde_json::Value> = lessons
        .iter()
        .filter(|l| l["facts"].as_array().unwrap().iter().any(|f| f == fact))
        .collect();
    if covering.iter().all(|l| l["area"] == "streams") {
        return None;
    }
    let has_scenario = covering.iter().any(|l| !l["scenario"].is_null());
    let has_calc = covering.iter().any(|l| l["teach"] == "calc");
    match mode {
        "SIM" if !has_scenario => Some("has no lesson with a scenario that shows it"),
        "CALC" if !has_calc => Some("has no lesson with teach = \"calc\""),
        "CALC + SIM" | "SIM + CALC" if !has_scenario && !has_calc => {
            Some("has neither a scenario nor a calculator lesson")
        }
        _ => None,
    }
}

// The fixture lessons load, a SIM one has a scenario, and the calculator command runs.
#[test]
fn fixture_lessons_are_valid() {
    let lessons = load(Path::new("tests/fixtures/lessons"));
    assert_eq!(lessons.len(), 3);
    let problems = problems(&lessons);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// The lessons of scenarios/lessons (or of KSIM_LESSONS_DIR): every one valid, every fact
// F01-F54 with a lesson and a question, at least 300 questions.
#[test]
fn shipped_lessons_cover_every_fact() {
    let dir = std::env::var_os("KSIM_LESSONS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repository_root().join("scenarios/lessons"));
    let lessons = load(&dir);
    let mut problems = problems(&lessons);
    let mut questions = 0;
    for (fact, mode) in &facts() {
        let (fact, mode) = (fact.as_str(), mode.as_str());
        let has_lesson = lessons
            .iter()
            .any(|l| l["facts"].as_array().unwrap().iter().any(|f| f == fact));
        let has_question = lessons.iter().any(|l| {
            l["questions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|q| q["fact"] == fact)
        });
        if !has_lesson {
            problems.push(format!("{fact} has no lesson"));
        } else if let Some(missing) = missing_demonstration(&lessons, fact, mode) {
            problems.push(format!("{fact} ({mode} in facts.md) {missing}"));
        }
        if !has_question {
            problems.push(format!("{fact} has no question (an id starting {fact}-)"));
        }
    }
    for lesson in &lessons {
        questions += lesson["questions"].as_array().unwrap().len();
    }
    if questions < MIN_QUESTIONS {
        problems.push(format!(
            "{questions} questions in all, fewer than {MIN_QUESTIONS}"
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems with {}:\n{}",
        problems.len(),
        dir.display(),
        problems.join("\n")
    );
}

/// Writes a lesson about `fact` whose `scenario` line is `link` into a fresh directory, loads
/// it, and returns the exit code and the error.
fn load_link(name: &str, fact: &str, link: &str) -> (Option<i32>, String) {
    let dir = TempDir::new(name);
    std::fs::copy(
        repository_root().join("scenarios/lessons/F17-acks-1-high-watermark.toml"),
        dir.0.join("high-watermark-basics.scenario.toml"),
    )
    .unwrap();
    let fixture =
        std::fs::read_to_string("tests/fixtures/lessons/F22-required-producer-configs.toml")
            .unwrap()
            .replace(
                "scenario = \"../../../../scenarios/lessons/F22-required-producer-configs.toml\"",
                &format!("scenario = \"{link}\""),
            )
            .replace("F22", fact);
    let sub = dir.0.join("lessons");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("lesson.toml"), fixture).unwrap();
    let out = ksim_with(
        &["learn", "--lessons", sub.to_str().unwrap(), "--no-save"],
        &[],
        "",
    );
    (out.status.code(), stderr(&out).replace(dir.path(), "TMP"))
}

// A scenario link must exist and show one of the lesson's facts; the error names the line.
#[test]
fn scenario_links_are_checked() {
    let (code, missing) = load_link("link-missing", "F17", "../nope.toml");
    assert_eq!(code, Some(2));
    assert!(
        missing.starts_with(
            "error: TMP/lessons/lesson.toml:13:12: scenario \"../nope.toml\" cannot be read \
             (TMP/nope.toml): "
        ),
        "{missing}"
    );
    let (code, other) = load_link(
        "link-other",
        "F22",
        "../high-watermark-basics.scenario.toml",
    );
    assert_eq!(code, Some(2));
    assert_eq!(
        other,
        "error: TMP/lessons/lesson.toml:13:12: scenario \
         \"../high-watermark-basics.scenario.toml\" shows facts [F17], none of this lesson's \
         [F22]\n"
    );
    let (code, good) = load_link("link-good", "F17", "../high-watermark-basics.scenario.toml");
    assert_eq!((code, good.as_str()), (Some(0), ""));
}

// Every error in a directory of lessons is reported at once, each at its file:line:col, and
// a question id used in two files is named with both.
#[test]
fn all_errors_at_once() {
    let dir = TempDir::new("lessons-errors");
    let fixture =
        std::fs::read_to_string("tests/fixtures/lessons/F29-jdbc-source-tasks.toml").unwrap();
    std::fs::write(dir.0.join("a.toml"), &fixture).unwrap();
    std::fs::write(dir.0.join("b.toml"), &fixture).unwrap();
    std::fs::write(
        dir.0.join("c.toml"),
        fixture.replace("area = \"connect\"", "area = \"conect\""),
    )
    .unwrap();
    std::fs::write(
        dir.0.join("d.toml"),
        fixture.replace(", ko = \"JDBC 소스 커넥터의 태스크 수\"", ""),
    )
    .unwrap();
    let out = ksim_with(&["quiz", "--lessons", dir.path()], &[], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).replace(dir.path(), "TMP"),
        "error: TMP/c.toml:4:8: unknown area \"conect\", did you mean \"connect\"?; areas: \
         replication, producer, consumer, transactions, partitioning, logs, clients, broker, \
         security, tools, streams, connect, schema-registry, ksql, rest-proxy\n\
         TMP/d.toml:6:9: `lesson.title` has no Korean text: missing `ko`\n\
         TMP/b.toml: question id `F29-1` is also used in TMP/a.toml; ids must be unique across \
         lessons\n"
    );
}
