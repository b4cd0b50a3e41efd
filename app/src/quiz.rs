//! A quiz as every front end asks it: which questions, in what order, each with its choices
//! shuffled; how an answer is read and judged; and the question and verdict as text.
//!
//! The command line (`ksim quiz`), the lesson browser and the explorer's predict-then-watch
//! questions all ask through here, so a question reads and scores the same everywhere.

use std::fmt::Write as _;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::lesson::{Area, Catalogue, Lang, Lesson, Question, QuestionKind};

/// What the order of a session needs to know of a learner's progress: which questions are due,
/// and in which Leitner box each one is.
pub trait Schedule {
    fn is_due(&self, id: &str) -> bool;
    fn leitner_box(&self, id: &str) -> u32;
}

/// A question as asked: its choices in the shuffled order shown. The browser's inline quiz
/// asks the same way.
pub struct Asked<'a> {
    pub lesson: &'a Lesson,
    pub question: &'a Question,
    /// `order[i]` is the index in the file of the choice shown as number i + 1.
    pub order: Vec<usize>,
}

impl Asked<'_> {
    /// Whether a checked answer (see [`check_answer`]) is right: exactly the right choices.
    pub fn is_right(&self, given: &[usize]) -> bool {
        given == self.shown_answer()
    }

    /// The right choices as numbered on screen, ascending.
    pub fn shown_answer(&self) -> Vec<usize> {
        let mut shown: Vec<usize> = self
            .question
            .answer
            .iter()
            .map(|file_number| {
                1 + self
                    .order
                    .iter()
                    .position(|&index| index + 1 == *file_number)
                    .expect("every choice is shown")
            })
            .collect();
        shown.sort_unstable();
        shown
    }
}

/// The questions that match `--area` (the question's own syllabus area) and `--facts` (a
/// question's fact is its id's prefix), in file order.
pub fn select<'a>(
    catalogue: &'a Catalogue,
    area: Option<Area>,
    facts: &[String],
) -> Vec<(&'a Lesson, &'a Question)> {
    catalogue
        .questions()
        .filter(|(_, question)| area.is_none_or(|area| question.area == area))
        .filter(|(_, question)| facts.is_empty() || facts.iter().any(|f| f == question.fact()))
        .collect()
}

/// The session: the pool shuffled by the seed, then the questions due first (lowest Leitner
/// box first), cut to `count`, each with its choices shuffled by the same generator.
pub fn order<'a>(
    mut pool: Vec<(&'a Lesson, &'a Question)>,
    progress: &impl Schedule,
    seed: u64,
    count: usize,
) -> Vec<Asked<'a>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    pool.shuffle(&mut rng);
    pool.sort_by_key(|(_, question)| {
        (
            !progress.is_due(&question.id),
            progress.leitner_box(&question.id),
        )
    });
    pool.truncate(count);
    pool.into_iter()
        .map(|(lesson, question)| {
            let mut order: Vec<usize> = (0..question.choices.len()).collect();
            order.shuffle(&mut rng);
            Asked {
                lesson,
                question,
                order,
            }
        })
        .collect()
}

/// Reads an interactive answer: `2`, or for choose-two `2,4`, `2 4` or `2+4`.
pub fn parse_typed_answer(line: &str) -> Option<Vec<usize>> {
    let numbers: Option<Vec<usize>> = line
        .split([',', '+', ' ', '\t'])
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().ok())
        .collect();
    numbers.filter(|numbers| !numbers.is_empty())
}

/// Checks an answer against the question shown: the right number of distinct choices, each
/// one shown; returns it sorted, or why not.
pub fn check_answer(
    asked: &Asked,
    mut given: Vec<usize>,
    lang: Lang,
) -> Result<Vec<usize>, String> {
    let wanted = asked.question.kind.answer_count();
    let choices = asked.order.len();
    given.sort_unstable();
    given.dedup();
    if given.len() != wanted || given.iter().any(|&n| n == 0 || n > choices) {
        return Err(match (asked.question.kind, lang) {
            (QuestionKind::Single, Lang::En) => {
                format!("expects one choice from 1 to {choices}")
            }
            (QuestionKind::Single, Lang::Ko) => {
                format!("1부터 {choices} 사이의 번호 하나를 입력하세요")
            }
            (QuestionKind::ChooseTwo, Lang::En) => {
                format!("expects two different choices from 1 to {choices}")
            }
            (QuestionKind::ChooseTwo, Lang::Ko) => {
                format!("1부터 {choices} 사이의 서로 다른 번호 두 개를 입력하세요 (예: 2,4)")
            }
        });
    }
    Ok(given)
}

pub fn render_question(asked: &Asked, number: usize, total: usize, lang: Lang) -> String {
    let question = asked.question;
    let kind = match question.kind {
        QuestionKind::Single => lang.pick("one answer", "하나 고르기"),
        QuestionKind::ChooseTwo => lang.pick("choose two", "두 개 고르기"),
    };
    let mut out = String::new();
    writeln!(
        out,
        "\n{} {number}/{total}  [{}, {kind}]",
        lang.pick("question", "문제"),
        question.id
    )
    .unwrap();
    writeln!(out, "{}", question.question.get(lang)).unwrap();
    if let Some(code) = &question.code {
        for line in code.lines() {
            writeln!(out, "    │ {line}").unwrap();
        }
    }
    for (shown, &index) in asked.order.iter().enumerate() {
        writeln!(
            out,
            "  {}. {}",
            shown + 1,
            question.choices[index].get(lang)
        )
        .unwrap();
    }
    out
}

pub fn render_verdict(asked: &Asked, right: bool, lang: Lang) -> String {
    if right {
        format!("{}\n", lang.pick("right", "정답"))
    } else {
        format!(
            "{} {}\n",
            lang.pick("wrong: the answer is", "오답: 정답은"),
            join(&asked.shown_answer(), ",")
        )
    }
}

pub fn join(numbers: &[usize], separator: &str) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A code-reading question shows its snippet under the question, before the choices.
    #[test]
    fn snippets_are_shown() {
        let text = r#"[lesson]
facts = ["S05"]
area = "streams"
teach = "lesson"
title = { en = "Serdes", ko = "Serde 직렬화" }
text = { en = "Serdes.", ko = "Serde입니다." }

[[quiz]]
id = "S05-1"
code = "stream.to(\"out\");"
question = { en = "What happens?", ko = "어떻게 되나요?" }
choices = [{ en = "a", ko = "a" }, { en = "b", ko = "b" }, { en = "c", ko = "c" }, { en = "d", ko = "d" }]
answer = [1]
explain = { en = "Because.", ko = "그렇기 때문입니다." }
"#;
        let lesson = crate::lesson::parse_lesson(text, "S05-x.toml", None).unwrap();
        let asked = Asked {
            lesson: &lesson,
            question: &lesson.quiz[0],
            order: vec![0, 1, 2, 3],
        };
        assert_eq!(
            render_question(&asked, 1, 1, Lang::En),
            "\nquestion 1/1  [S05-1, one answer]\nWhat happens?\n    │ stream.to(\"out\");\n  1. a\n  \
             2. b\n  3. c\n  4. d\n"
        );
    }

    // Typed answers accept commas, spaces and plus signs between the two choices.
    #[test]
    fn typed_answers() {
        assert_eq!(parse_typed_answer("2"), Some(vec![2]));
        assert_eq!(parse_typed_answer(" 2, 4 "), Some(vec![2, 4]));
        assert_eq!(parse_typed_answer("2 4"), Some(vec![2, 4]));
        assert_eq!(parse_typed_answer("2+4"), Some(vec![2, 4]));
        assert_eq!(parse_typed_answer(""), None);
        assert_eq!(parse_typed_answer("b"), None);
    }
}
