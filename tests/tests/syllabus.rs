//! The CCDAK syllabus beyond the notes: every topic S01… of `ksim_app::lesson::topics` has a
//! lesson under its area with at least three questions, the lessons' questions carry their
//! area, and enough of them are code-reading questions (a snippet to read), so that the exam
//! topics the notes miss cannot silently lose their lessons.

use std::path::Path;

use ksim_app::lesson::topics::TOPICS;
use ksim_app::lesson::{Catalogue, load_dir};

/// The code-reading questions the shipped lessons have at least.
const MIN_CODE_QUESTIONS: usize = 60;

fn catalogue() -> Catalogue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/lessons");
    load_dir(&dir).unwrap_or_else(|errors| panic!("the lessons load:\n{}", errors.join("\n")))
}

// Each syllabus topic has a lesson in its area and at least 3 questions whose id starts with it.
#[test]
fn every_syllabus_topic_has_a_lesson_and_questions() {
    let catalogue = catalogue();
    let mut problems = Vec::new();
    for topic in TOPICS {
        let lessons: Vec<_> = catalogue
            .lessons
            .iter()
            .filter(|lesson| lesson.facts.iter().any(|fact| fact == topic.id))
            .collect();
        if lessons.is_empty() {
            problems.push(format!("{} ({}) has no lesson", topic.id, topic.title));
            continue;
        }
        if !lessons.iter().any(|lesson| lesson.area == topic.area) {
            problems.push(format!(
                "{} belongs to area {}, but its lessons are in another",
                topic.id, topic.area
            ));
        }
        let questions = catalogue
            .questions()
            .filter(|(_, question)| question.fact() == topic.id)
            .count();
        if questions < 3 {
            problems.push(format!(
                "{} has {questions} questions, fewer than 3",
                topic.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// Code-reading questions: enough of them, each snippet short enough to read on a screen.
#[test]
fn code_reading_questions() {
    let catalogue = catalogue();
    let snippets: Vec<(&str, &str)> = catalogue
        .questions()
        .filter_map(|(_, q)| q.code.as_deref().map(|code| (q.id.as_str(), code)))
        .collect();
    assert!(
        snippets.len() >= MIN_CODE_QUESTIONS,
        "{} code-reading questions, fewer than {MIN_CODE_QUESTIONS}",
        snippets.len()
    );
    for (id, code) in snippets {
        let lines = code.lines().count();
        assert!(
            lines <= 12,
            "{id}: a snippet of {lines} lines; keep it to 12"
        );
    }
}
