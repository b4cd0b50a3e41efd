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

/// The session: the pool shuffled by the seed, then the questions due first: those answered
/// before from the lowest Leitner box up (so a question missed last time, in the quiz or the
/// mock exam, comes first), then new ones; cut to `count`, each with its choices shuffled by
/// the same generator.
pub fn order<'a>(
    mut pool: Vec<(&'a Lesson, &'a Question)>,
    progress: &impl Schedule,
    seed: u64,
    count: usize,
) -> Vec<Asked<'a>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    pool.shuffle(&mut rng);
    pool.sort_by_key(|(_, question)| {
        let leitner_box = progress.leitner_box(&question.id);
        (
            !progress.is_due(&question.id),
            leitner_box == 0,
            leitner_box,
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

/// Reads an interactive answer: `2`, or for choose-two and choose-three `2,4`, `2 4` or `2+4`.
pub fn parse_typed_answer(line: &str) -> Option<Vec<usize>> {
    let numbers: Option<Vec<usize>> = line
        .split([',', '+', ' ', '\t'])
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().ok())
        .collect();
    numbers.filter(|numbers| !numbers.is_empty())
}

/// The kind of a question as shown before it is answered: how many choices make the answer.
pub fn kind_label(kind: QuestionKind, lang: Lang) -> &'static str {
    match kind {
        QuestionKind::Single => lang.pick("one answer", "하나 고르기"),
        QuestionKind::ChooseTwo => lang.pick("choose two", "두 개 고르기"),
        QuestionKind::ChooseThree => lang.pick("choose three", "세 개 고르기"),
    }
}

/// The prompt for an answer, with an example when it takes several choices; `separator`
/// joins the example's numbers (the command line shows commas, the browser spaces).
pub fn answer_hint(kind: QuestionKind, lang: Lang, separator: &str) -> String {
    match (kind, lang) {
        (QuestionKind::Single, _) => lang.pick("answer", "답").to_string(),
        (QuestionKind::ChooseTwo, Lang::En) => format!("answer (two, like 2{separator}4)"),
        (QuestionKind::ChooseTwo, Lang::Ko) => format!("답 (두 개, 예: 2{separator}4)"),
        (QuestionKind::ChooseThree, Lang::En) => {
            format!("answer (three, like 1{separator}3{separator}4)")
        }
        (QuestionKind::ChooseThree, Lang::Ko) => {
            format!("답 (세 개, 예: 1{separator}3{separator}4)")
        }
    }
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
            (QuestionKind::ChooseThree, Lang::En) => {
                format!("expects three different choices from 1 to {choices}")
            }
            (QuestionKind::ChooseThree, Lang::Ko) => {
                format!("1부터 {choices} 사이의 서로 다른 번호 세 개를 입력하세요 (예: 1,3,4)")
            }
        });
    }
    Ok(given)
}

pub fn render_question(asked: &Asked, number: usize, total: usize, lang: Lang) -> String {
    let question = asked.question;
    let kind = kind_label(question.kind, lang);
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

/// Right or wrong (with the right choices as numbered on screen), one line.
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

/// The verdict and the explanation, shown after every answer, right or wrong: a lucky guess
/// should teach as much as a mistake.
pub fn render_feedback(asked: &Asked, right: bool, lang: Lang) -> String {
    let mut out = render_verdict(asked, right, lang);
    for line in asked.question.explain.get(lang).trim().lines() {
        writeln!(out, "  {line}").unwrap();
    }
    out
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

    struct Boxes(Vec<(String, u32)>);

    impl Schedule for Boxes {
        fn is_due(&self, id: &str) -> bool {
            self.leitner_box(id) <= 1
        }
        fn leitner_box(&self, id: &str) -> u32 {
            self.0.iter().find(|(q, _)| *q == id).map_or(0, |(_, b)| *b)
        }
    }

    // A question missed last time (box 1) comes before new ones, and both before those not due.
    #[test]
    fn missed_questions_come_first() {
        let text = include_str!("../../scenarios/lessons/F22-required-producer-configs.toml");
        let lesson = crate::lesson::parse_lesson(text, "F22.toml", None).expect("it parses");
        let pool: Vec<(&Lesson, &Question)> = lesson.quiz.iter().map(|q| (&lesson, q)).collect();
        let ids: Vec<&str> = lesson.quiz.iter().map(|q| q.id.as_str()).collect();
        assert!(ids.len() >= 3, "{ids:?}");
        let progress = Boxes(vec![(ids[0].to_string(), 3), (ids[2].to_string(), 1)]);
        for seed in 0..8 {
            let asked = order(pool.clone(), &progress, seed, ids.len());
            let order: Vec<&str> = asked.iter().map(|a| a.question.id.as_str()).collect();
            assert_eq!(order[0], ids[2], "seed {seed}: {order:?}");
            assert_eq!(order[order.len() - 1], ids[0], "seed {seed}: {order:?}");
        }
    }

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
