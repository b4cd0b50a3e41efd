//! `ksim learn`: with no lesson on a terminal, the lesson browser (`tui/browser/`); otherwise
//! the lessons as plain text. `--list` (the default off a terminal) shows them grouped by area
//! with progress marks; `ksim learn <lesson>` prints one lesson (its explanation, the note's
//! correction, the command or scenario that shows it) and marks it seen.

use std::fmt::Write as _;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

pub use crate::lessons::{lesson_progress, list_order};
use crate::output;
use crate::progress::{self, Progress};
use crate::tui;
use crate::tui::browser::app::Browser;
use ksim_app::lesson::{self, Catalogue, Lang, Lesson};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LearnFormat {
    /// For people: the list grouped by area, or the lesson's text.
    Text,
    /// The lessons as one JSON document: file, facts, area, teach, title, scenario, calc,
    /// question ids and the learner's progress on each.
    Json,
}

pub fn learn(
    lesson_name: Option<&str>,
    list: bool,
    lessons: Option<PathBuf>,
    lang: Option<Lang>,
    format: LearnFormat,
    no_save: bool,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    let dir = lessons.unwrap_or_else(lesson::default_dir);
    let catalogue = lesson::load_dir(&dir).map_err(|errors| anyhow::anyhow!(errors.join("\n")))?;
    let path = progress::default_path();
    let browse = lesson_name.is_none()
        && !list
        && format == LearnFormat::Text
        && io::stdout().is_terminal()
        && io::stdin().is_terminal();
    let mut loaded = match &path {
        Some(path) => progress::load(path, !no_save && (lesson_name.is_some() || browse))?,
        None => progress::Loaded {
            progress: Progress::new(),
            warning: None,
        },
    };
    if let Some(warning) = &loaded.warning {
        eprintln!("warning: {warning}");
    }
    if browse {
        let mut browser = Browser::new(catalogue, lang, loaded.progress, !no_save);
        browser.status = loaded.warning.map(|warning| format!("warning: {warning}"));
        tui::browser::browse(browser, path.filter(|_| !no_save), calc_answer)?;
        return Ok(ExitCode::SUCCESS);
    }
    match lesson_name {
        None if format == LearnFormat::Json => {
            output::print(&render_json(&catalogue.lessons, &loaded.progress, lang))?;
        }
        None => output::print(&render_list(&catalogue, &loaded.progress, lang))?,
        Some(name) => {
            let Some(lesson) = catalogue.find(name) else {
                let names: Vec<&str> = catalogue.lessons.iter().map(|l| l.slug.as_str()).collect();
                bail!(
                    "no lesson \"{name}\" in {}; give a fact id (F22) or a lesson name: {}",
                    dir.display(),
                    names.join(", ")
                );
            };
            let text = match format {
                LearnFormat::Text => render_lesson(lesson, lang),
                LearnFormat::Json => {
                    render_json(std::slice::from_ref(lesson), &loaded.progress, lang)
                }
            };
            output::print(&text)?;
            if !no_save
                && let Some(path) = &path
                && !loaded.progress.lessons_seen.contains(&lesson.slug)
            {
                let base = loaded.progress.clone();
                loaded.progress.lessons_seen.insert(lesson.slug.clone());
                progress::save(path, &base, &loaded.progress)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `[x]` every question answered right last time, `[~]` started (seen or some answered), `[ ]`
/// not started.
fn mark(lesson: &Lesson, progress: &Progress) -> &'static str {
    let records: Vec<_> = lesson
        .quiz
        .iter()
        .filter_map(|question| progress.questions.get(&question.id))
        .collect();
    if records.len() == lesson.quiz.len() && records.iter().all(|r| r.last_right()) {
        "[x]"
    } else if !records.is_empty() || progress.lessons_seen.contains(&lesson.slug) {
        "[~]"
    } else {
        "[ ]"
    }
}

fn render_list(catalogue: &Catalogue, progress: &Progress, lang: Lang) -> String {
    let mut out = String::new();
    let questions = catalogue.questions().count();
    match lang {
        Lang::En => writeln!(
            out,
            "lessons in {} ({} lessons, {questions} questions)",
            catalogue.dir.display(),
            catalogue.lessons.len()
        ),
        Lang::Ko => writeln!(
            out,
            "{}의 레슨 (레슨 {}개, 문제 {questions}개)",
            catalogue.dir.display(),
            catalogue.lessons.len()
        ),
    }
    .unwrap();
    let width = catalogue
        .lessons
        .iter()
        .map(|lesson| lesson.facts.join(",").len())
        .max()
        .unwrap_or(0);
    let mut shown_area = None;
    for index in list_order(catalogue) {
        let lesson = &catalogue.lessons[index];
        if shown_area != Some(lesson.area) {
            writeln!(out, "\n{}", lesson.area.title(lang)).unwrap();
            shown_area = Some(lesson.area);
        }
        let counts = lesson_progress(lesson, progress);
        let (right, asked, due) = (counts.right, counts.total, counts.due);
        let mut status = match lang {
            Lang::En => format!("{right}/{asked} right"),
            Lang::Ko => format!("{asked}문제 중 {right} 정답"),
        };
        if due > 0 {
            match lang {
                Lang::En => write!(status, ", {due} due"),
                Lang::Ko => write!(status, ", 복습 {due}"),
            }
            .unwrap();
        }
        writeln!(
            out,
            "  {} {:<width$}  {}  ({status})",
            mark(lesson, progress),
            lesson.facts.join(","),
            lesson.title.get(lang),
        )
        .unwrap();
    }
    writeln!(
        out,
        "\n{}",
        lang.pick(
            "[x] all answered right last time  [~] started  [ ] not started; \
             open one with ksim learn <F22 or name>, practise with ksim quiz",
            "[x] 지난번에 모두 정답  [~] 시작함  [ ] 시작 전; \
             ksim learn <F22 또는 이름>으로 열고, ksim quiz로 연습하세요"
        )
    )
    .unwrap();
    out
}

fn render_json(lessons: &[Lesson], progress: &Progress, lang: Lang) -> String {
    let lessons: Vec<serde_json::Value> = lessons
        .iter()
        .map(|lesson| {
            let questions: Vec<serde_json::Value> = lesson
                .quiz
                .iter()
                .map(|question| {
                    let record = progress.questions.get(&question.id);
                    serde_json::json!({
                        "id": question.id,
                        "kind": question.kind.name(),
                        "fact": question.fact(),
                        "area": question.area.name(),
                        "right": record.map_or(0, |r| r.right),
                        "wrong": record.map_or(0, |r| r.wrong),
                        "due_again": progress.is_due_again(&question.id),
                    })
                })
                .collect();
            serde_json::json!({
                "file": lesson.file,
                "name": lesson.slug,
                "facts": lesson.facts,
                "area": lesson.area.name(),
                "teach": lesson.teach.name(),
                "title": lesson.title.get(lang),
                "correction": lesson.correction.is_some(),
                "scenario": lesson.scenario_file().map(|path| path.display().to_string()),
                "calc": lesson.calc,
                "mark": mark(lesson, progress),
                "seen": progress.lessons_seen.contains(&lesson.slug),
                "questions": questions,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "lessons": lessons }))
        .expect("plain JSON values");
    text.push('\n');
    text
}

fn render_lesson(lesson: &Lesson, lang: Lang) -> String {
    let mut out = String::new();
    writeln!(out, "{}", lesson.title.get(lang)).unwrap();
    writeln!(
        out,
        "{} {}  |  {} {}  |  {}",
        lang.pick("facts", "사실"),
        lesson.facts.join(", "),
        lang.pick("area", "영역"),
        lesson.area,
        lesson.file
    )
    .unwrap();
    writeln!(out, "\n{}", lesson.text.get(lang)).unwrap();
    if let Some(correction) = &lesson.correction {
        writeln!(
            out,
            "\n{} {}",
            lang.pick("The note says:", "노트의 내용:"),
            correction.note.get(lang)
        )
        .unwrap();
        writeln!(
            out,
            "{} {}",
            lang.pick("Kafka really:", "실제 Kafka:"),
            correction.kafka.get(lang)
        )
        .unwrap();
    }
    if let Some(calc) = &lesson.calc {
        writeln!(out, "\n{} {calc}", lang.pick("calculate:", "계산:")).unwrap();
        match calc_answer(lesson, lang) {
            Ok(answer) => {
                for line in answer.lines() {
                    writeln!(out, "  │ {line}").unwrap();
                }
            }
            Err(error) => writeln!(
                out,
                "  ({} {error})",
                lang.pick("could not run it:", "실행하지 못했습니다:")
            )
            .unwrap(),
        }
    }
    if let Some(scenario) = lesson.scenario_file() {
        writeln!(
            out,
            "\n{} ksim run {}",
            lang.pick("see it live:", "직접 보기:"),
            scenario.display()
        )
        .unwrap();
    }
    let facts = lesson.facts.join(",");
    writeln!(
        out,
        "\n{} ksim quiz --facts {facts}  ({})",
        lang.pick("practise:", "연습:"),
        match lang {
            Lang::En => format!("{} questions", lesson.quiz.len()),
            Lang::Ko => format!("{}문제", lesson.quiz.len()),
        }
    )
    .unwrap();
    out
}

/// The answer of a CALC lesson's calculator: its `calc` command (`ksim schema check …`) run by
/// this same executable, from the directory its paths are relative to (the one holding
/// `scenarios/`), in the lesson's language where the command speaks both.
pub fn calc_answer(lesson: &Lesson, lang: Lang) -> Result<String, String> {
    let calc = lesson
        .calc
        .as_deref()
        .ok_or("the lesson has no calculator")?;
    let mut args: Vec<&str> = calc.split_whitespace().collect();
    if args.first() == Some(&"ksim") {
        args.remove(0);
    }
    let mut command = std::process::Command::new(
        std::env::current_exe().map_err(|e| format!("where is ksim? {e}"))?,
    );
    command.args(&args);
    if matches!(
        args.first(),
        Some(&"schema")
            | Some(&"connect-tasks")
            | Some(&"retention")
            | Some(&"partition")
            | Some(&"assign")
    ) {
        command.args(["--lang", lang.code()]);
    }
    // scenarios/lessons/F42-….toml → the directory holding scenarios/.
    let root = std::path::Path::new(&lesson.file)
        .ancestors()
        .nth(3)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let output = command
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("{calc}: {e}"))?;
    // A calculator may exit non-zero to say "incompatible": its output is still the answer.
    let stdout = String::from_utf8_lossy(&output.stdout)
        .trim_end()
        .to_string();
    if stdout.is_empty() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    Ok(stdout)
}
