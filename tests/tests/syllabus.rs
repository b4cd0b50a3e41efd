//! The CCDAK syllabus beyond the notes: every topic S01… of `ksim_app::lesson::topics` has a
//! lesson under its area with at least three questions, the lessons' questions carry their
//! area, and enough of them are code-reading questions (a snippet to read), so that the exam
//! topics the notes miss cannot silently lose their lessons. The question bank keeps the
//! figures exam preparation needs (300 questions, choose-two and choose-three among them, 40
//! code-reading questions at the least), counted from the files.

use std::path::Path;

use std::collections::BTreeSet;

use ksim_app::exam::Section;
use ksim_app::lesson::topics::TOPICS;
use ksim_app::lesson::{Catalogue, QuestionKind, load_dir};

/// The code-reading questions the shipped lessons have at least (exam preparation asks for 40;
/// the lessons have more, and keep them).
const MIN_CODE_QUESTIONS: usize = 60;
/// The questions in all, and of each multiple-answer kind, the shipped lessons have at least.
const MIN_QUESTIONS: usize = 300;
const MIN_CHOOSE_TWO: usize = 50;
const MIN_CHOOSE_THREE: usize = 17;
/// The syllabus sections a choose-three question is found in at least, and the areas.
const MIN_CHOOSE_THREE_SECTIONS: usize = 4;
const MIN_CHOOSE_THREE_AREAS: usize = 10;

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

// The question bank: enough questions, enough of each multiple-answer kind, and the
// choose-three questions spread over every section of the exam and many areas.
#[test]
fn question_bank_totals() {
    let catalogue = catalogue();
    let questions: Vec<_> = catalogue.questions().map(|(_, q)| q).collect();
    let of_kind = |kind: QuestionKind| questions.iter().filter(|q| q.kind == kind).count();
    let choose_two = of_kind(QuestionKind::ChooseTwo);
    let choose_three = of_kind(QuestionKind::ChooseThree);
    let code = questions.iter().filter(|q| q.code.is_some()).count();
    println!(
        "{} questions: {choose_two} choose-two, {choose_three} choose-three, {code} code-reading",
        questions.len()
    );
    assert!(
        questions.len() >= MIN_QUESTIONS,
        "{} questions, fewer than {MIN_QUESTIONS}",
        questions.len()
    );
    assert!(
        choose_two >= MIN_CHOOSE_TWO,
        "{choose_two} choose-two questions, fewer than {MIN_CHOOSE_TWO}"
    );
    assert!(
        choose_three >= MIN_CHOOSE_THREE,
        "{choose_three} choose-three questions, fewer than {MIN_CHOOSE_THREE}"
    );
    let three: Vec<_> = questions
        .iter()
        .filter(|q| q.kind == QuestionKind::ChooseThree)
        .collect();
    let areas: BTreeSet<_> = three.iter().map(|q| q.area).collect();
    let sections: BTreeSet<_> = three.iter().map(|q| Section::of(q.area)).collect();
    assert!(
        sections.len() >= MIN_CHOOSE_THREE_SECTIONS && areas.len() >= MIN_CHOOSE_THREE_AREAS,
        "choose-three questions in {} sections and {} areas ({areas:?})",
        sections.len(),
        areas.len()
    );
    // Each choose-three question has room for distractors: more choices than answers.
    for question in three {
        assert!(
            question.choices.len() > 3 && question.answer.len() == 3,
            "{}: {} choices, {} answers",
            question.id,
            question.choices.len(),
            question.answer.len()
        );
    }
}

// A question that names a Kafka version and asks what happens with settings left at their
// defaults ("A Kafka 4.0 producer does not set acks") rests on a default of that version, so it
// says since when its answer holds (`since`).
#[test]
fn questions_on_a_versions_defaults_say_since_when() {
    let catalogue = catalogue();
    let unset = [
        "default",
        "does not set",
        "sets only",
        "sets nothing",
        "but not",
        "sets no ",
    ];
    let mut missing = Vec::new();
    let mut asked = 0;
    for (_, question) in catalogue.questions() {
        let text = question.question.en.as_str();
        let names_a_version = text.contains("Kafka 3.") || text.contains("Kafka 4.");
        if names_a_version && unset.iter().any(|phrase| text.contains(phrase)) {
            asked += 1;
            if question.since.is_none() {
                missing.push(format!("{}: {text}", question.id));
            }
        }
    }
    assert!(asked >= 5, "only {asked} questions on a version's defaults");
    assert!(
        missing.is_empty(),
        "questions on a version's defaults without `since`:\n{}",
        missing.join("\n")
    );
}
