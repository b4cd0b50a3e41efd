//! `ksim quiz`: exam-style questions from the lessons, asked with plain prompts on standard
//! input and output (so it works over ssh and in a pipe), scored at the end, the wrong ones
//! reviewed with the lesson to open. `--answers 1,2+4,3` answers from the command line for
//! scripts and tests.
//!
//! The seed orders the questions and their choices (ChaCha8, as everywhere in ksim), so a
//! session can be repeated; questions due again in the learner's progress come first.

use std::fmt::Write as _;
use std::io::{self, BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::lesson::{self, Area, Catalogue, Lang, Lesson, Question, QuestionKind};
use crate::output;
use crate::progress::{self, Progress};
use crate::seed::Seed;

/// How many questions a session asks when neither `--count` nor `--answers` says.
pub const DEFAULT_COUNT: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum QuizFormat {
    /// Prompts, the verdict after each answer, the score and a review of the wrong answers.
    Text,
    /// No prompts; one JSON document at the end with every question, answer and the score.
    Json,
}

/// The command line's choices for one session.
#[derive(Clone, Debug)]
pub struct QuizOptions {
    pub lessons: Option<PathBuf>,
    pub area: Option<String>,
    pub facts: Vec<String>,
    pub count: Option<usize>,
    pub lang: Option<Lang>,
    pub seed: Option<u64>,
    pub answers: Option<String>,
    pub format: QuizFormat,
    pub no_save: bool,
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

/// One answered question.
struct Answered<'a> {
    asked: Asked<'a>,
    given: Vec<usize>,
    right: bool,
}

pub fn quiz(options: &QuizOptions) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(options.lang);
    let dir = options.lessons.clone().unwrap_or_else(lesson::default_dir);
    let catalogue = lesson::load_dir(&dir).map_err(|errors| anyhow::anyhow!(errors.join("\n")))?;
    let area = match &options.area {
        None => None,
        Some(name) => Some(Area::from_name(name).with_context(|| {
            let names: Vec<&str> = Area::ALL.iter().map(|area| area.name()).collect();
            format!(
                "--area: unknown area \"{name}\"; areas: {}",
                names.join(", ")
            )
        })?),
    };
    for fact in &options.facts {
        let valid = fact.len() == 3
            && fact.starts_with('F')
            && fact[1..]
                .parse::<u32>()
                .is_ok_and(|n| (1..=54).contains(&n));
        if !valid {
            bail!("--facts: expected fact ids from F01 to F54, like F17,F36, found \"{fact}\"");
        }
    }
    let scripted = match &options.answers {
        None => None,
        Some(list) => Some(parse_answer_list(list)?),
    };
    let pool = select(&catalogue, area, &options.facts);
    if pool.is_empty() {
        bail!("no questions match --area and --facts in {}", dir.display());
    }
    let count = match (options.count, &scripted) {
        (Some(0), _) => bail!("--count must be at least 1"),
        (Some(count), Some(answers)) if count != answers.len() => bail!(
            "--answers gives {} for --count {count}; give one answer per question",
            plural(answers.len(), "answer")
        ),
        (Some(count), _) => count,
        (None, Some(answers)) => answers.len(),
        (None, None) => DEFAULT_COUNT,
    };
    if let Some(answers) = &scripted
        && answers.len() > pool.len()
    {
        bail!(
            "--answers gives {} but only {} match",
            plural(answers.len(), "answer"),
            plural(pool.len(), "question")
        );
    }

    let seed = Seed::choose(options.seed, None);
    let progress_path = progress::default_path();
    let mut loaded = match &progress_path {
        Some(path) => progress::load(path, !options.no_save)?,
        None => progress::Loaded {
            progress: Progress::new(),
            warning: None,
        },
    };
    if let Some(warning) = &loaded.warning {
        eprintln!("warning: {warning}");
    }
    let session = order(pool, &loaded.progress, seed.value, count);

    let mut input = match scripted {
        Some(answers) => Input::Scripted(check_scripted(&session, answers)?.into_iter()),
        None => Input::Stdin(io::stdin().lock()),
    };
    let text = options.format == QuizFormat::Text;
    if text {
        output::print(&format!(
            "{} {}\n",
            lang.pick("seed", "시드"),
            seed.describe()
        ))?;
    }
    let total = session.len();
    let planned: Vec<String> = session.iter().map(|a| a.question.id.clone()).collect();
    let mut answered: Vec<Answered> = Vec::new();
    for (number, asked) in session.into_iter().enumerate() {
        if text {
            output::print(&render_question(&asked, number + 1, total, lang))?;
        }
        let Some(given) = input.next_answer(&asked, number + 1, text, lang)? else {
            break;
        };
        let right = asked.is_right(&given);
        if text {
            output::print(&render_verdict(&asked, right, lang))?;
        }
        answered.push(Answered {
            asked,
            given,
            right,
        });
    }

    let saved = if options.no_save {
        Saved::Off
    } else if let Some(path) = &progress_path {
        let results: Vec<(String, bool)> = answered
            .iter()
            .map(|a| (a.asked.question.id.clone(), a.right))
            .collect();
        let base = loaded.progress.clone();
        loaded.progress.record_session(&results);
        progress::save(path, &base, &loaded.progress)?;
        Saved::In(path.clone())
    } else {
        Saved::NoDataDir
    };
    let report = match options.format {
        QuizFormat::Text => render_summary(&answered, total, &saved, lang),
        QuizFormat::Json => render_json(&answered, &planned, seed.value, &saved, lang),
    };
    output::print(&report)?;
    Ok(ExitCode::SUCCESS)
}

/// The questions that match `--area` and `--facts` (a question's fact is its id's prefix), in
/// file order.
fn select<'a>(
    catalogue: &'a Catalogue,
    area: Option<Area>,
    facts: &[String],
) -> Vec<(&'a Lesson, &'a Question)> {
    catalogue
        .questions()
        .filter(|(lesson, _)| area.is_none_or(|area| lesson.area == area))
        .filter(|(_, question)| facts.is_empty() || facts.iter().any(|f| f == question.fact()))
        .collect()
}

/// The session: the pool shuffled by the seed, then the questions due first (lowest Leitner
/// box first), cut to `count`, each with its choices shuffled by the same generator.
pub fn order<'a>(
    mut pool: Vec<(&'a Lesson, &'a Question)>,
    progress: &Progress,
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

/// `1,2+4,3`: one answer per question, a choose-two answer's choices joined by `+`.
fn parse_answer_list(list: &str) -> anyhow::Result<Vec<Vec<usize>>> {
    list.split(',')
        .enumerate()
        .map(|(index, entry)| {
            entry
                .split('+')
                .map(|number| number.trim().parse::<usize>())
                .collect::<Result<Vec<usize>, _>>()
                .ok()
                .filter(|numbers| numbers.iter().all(|&n| n >= 1))
                .with_context(|| {
                    format!(
                        "--answers: answer {} is \"{entry}\"; expected a choice number, or two \
                         joined by + for a choose-two question, like 1,2+4,3",
                        index + 1
                    )
                })
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

/// Checks every scripted answer against its question before the first is asked, so that a
/// mistake in `--answers` stops the session before it prints anything.
fn check_scripted(session: &[Asked], answers: Vec<Vec<usize>>) -> anyhow::Result<Vec<Vec<usize>>> {
    session
        .iter()
        .zip(answers)
        .enumerate()
        .map(|(index, (asked, given))| {
            let shown = join(&given, "+");
            check_answer(asked, given, Lang::En).map_err(|why| {
                anyhow::anyhow!(
                    "--answers: answer {} is \"{shown}\", but question {} ({}) {why}",
                    index + 1,
                    index + 1,
                    asked.question.id
                )
            })
        })
        .collect()
}

enum Input<R> {
    Scripted(std::vec::IntoIter<Vec<usize>>),
    Stdin(R),
}

impl<R: BufRead> Input<R> {
    /// The answer to question `number`; `None` when the input ends (or `q`), which ends the
    /// session with the questions answered so far.
    fn next_answer(
        &mut self,
        asked: &Asked,
        number: usize,
        prompt: bool,
        lang: Lang,
    ) -> anyhow::Result<Option<Vec<usize>>> {
        match self {
            Input::Scripted(answers) => {
                let given = answers.next().expect("one scripted answer per question");
                if prompt {
                    let shown = join(&given, ",");
                    output::print(&format!("{} {shown}\n", lang.pick("answer:", "답:")))?;
                }
                Ok(Some(given))
            }
            Input::Stdin(reader) => loop {
                if prompt {
                    let hint = match asked.question.kind {
                        QuestionKind::Single => lang.pick("answer", "답"),
                        QuestionKind::ChooseTwo => {
                            lang.pick("answer (two, like 2,4)", "답 (두 개, 예: 2,4)")
                        }
                    };
                    output::print(&format!("{hint}: "))?;
                }
                let mut line = String::new();
                if reader.read_line(&mut line).context("reading an answer")? == 0 {
                    if prompt {
                        output::print("\n")?;
                    }
                    return Ok(None);
                }
                let line = line.trim();
                if prompt && !io::stdin().is_terminal() {
                    // Piped answers are not echoed by a terminal: show them, so that the
                    // transcript reads like a session.
                    output::print(&format!("{line}\n"))?;
                }
                if line == "q" || line == "quit" {
                    return Ok(None);
                }
                let checked = parse_typed_answer(line)
                    .ok_or_else(|| {
                        lang.pick("expected a choice number", "번호를 입력하세요")
                            .to_string()
                    })
                    .and_then(|given| check_answer(asked, given, lang));
                match checked {
                    Ok(given) => return Ok(Some(given)),
                    Err(why) if prompt => output::print(&format!("  {why}\n"))?,
                    Err(why) => bail!("question {number}: answer \"{line}\": {why}"),
                }
            },
        }
    }
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

enum Saved {
    In(PathBuf),
    Off,
    NoDataDir,
}

fn render_summary(answered: &[Answered], total: usize, saved: &Saved, lang: Lang) -> String {
    let right = answered.iter().filter(|a| a.right).count();
    let mut out = String::new();
    writeln!(out).unwrap();
    match lang {
        Lang::En => writeln!(out, "score: {right} of {} right", answered.len()).unwrap(),
        Lang::Ko => writeln!(out, "점수: {}문제 중 {right}문제 정답", answered.len()).unwrap(),
    }
    if answered.len() < total {
        match lang {
            Lang::En => writeln!(
                out,
                "(stopped after {} of {total} questions)",
                answered.len()
            ),
            Lang::Ko => writeln!(out, "({total}문제 중 {}문제에서 멈춤)", answered.len()),
        }
        .unwrap();
    }
    let wrong: Vec<&Answered> = answered.iter().filter(|a| !a.right).collect();
    if !wrong.is_empty() {
        writeln!(
            out,
            "\n{}",
            lang.pick("review of the wrong answers:", "틀린 문제 복습:")
        )
        .unwrap();
    }
    for answer in wrong {
        let asked = &answer.asked;
        let question = asked.question;
        writeln!(out, "\n[{}] {}", question.id, question.question.get(lang)).unwrap();
        let name = |numbers: &[usize]| -> String {
            numbers
                .iter()
                .map(|&n| format!("{n}. {}", question.choices[asked.order[n - 1]].get(lang)))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        writeln!(
            out,
            "  {} {}",
            lang.pick("your answer:", "내 답:"),
            name(&answer.given)
        )
        .unwrap();
        writeln!(
            out,
            "  {} {}",
            lang.pick("right answer:", "정답:"),
            name(&asked.shown_answer())
        )
        .unwrap();
        writeln!(out, "  {}", question.explain.get(lang)).unwrap();
        writeln!(
            out,
            "  {} {}  (ksim learn {})",
            lang.pick("lesson:", "레슨:"),
            asked.lesson.file,
            asked.lesson.slug
        )
        .unwrap();
        if let Some(scenario) = asked.lesson.scenario_file() {
            writeln!(
                out,
                "  {} ksim run {}",
                lang.pick("see it live:", "직접 보기:"),
                scenario.display()
            )
            .unwrap();
        }
        if let Some(calc) = &asked.lesson.calc {
            writeln!(out, "  {} {calc}", lang.pick("calculate:", "계산:")).unwrap();
        }
    }
    writeln!(out).unwrap();
    match saved {
        Saved::In(path) => writeln!(
            out,
            "{} {}",
            lang.pick("progress saved in", "진행 상황 저장:"),
            path.display()
        ),
        Saved::Off => writeln!(
            out,
            "{}",
            lang.pick(
                "progress not saved (--no-save)",
                "진행 상황을 저장하지 않음 (--no-save)"
            )
        ),
        Saved::NoDataDir => writeln!(
            out,
            "{}",
            lang.pick(
                "progress not saved: neither XDG_DATA_HOME nor HOME is set",
                "진행 상황을 저장하지 않음: XDG_DATA_HOME도 HOME도 없음"
            )
        ),
    }
    .unwrap();
    out
}

fn render_json(
    answered: &[Answered],
    planned: &[String],
    seed: u64,
    saved: &Saved,
    lang: Lang,
) -> String {
    let questions: Vec<serde_json::Value> = answered
        .iter()
        .map(|answer| {
            let asked = &answer.asked;
            let question = asked.question;
            let choices: Vec<&str> = asked
                .order
                .iter()
                .map(|&index| question.choices[index].get(lang))
                .collect();
            serde_json::json!({
                "id": question.id,
                "kind": question.kind.name(),
                "lesson": asked.lesson.file,
                "question": question.question.get(lang),
                "choices": choices,
                "answer": asked.shown_answer(),
                "given": answer.given,
                "right": answer.right,
                "explain": question.explain.get(lang),
            })
        })
        .collect();
    let saved = match saved {
        Saved::In(path) => serde_json::json!(path.display().to_string()),
        Saved::Off | Saved::NoDataDir => serde_json::Value::Null,
    };
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "seed": seed,
        "lang": lang.code(),
        "asked": answered.len(),
        "planned": planned,
        "right": answered.iter().filter(|a| a.right).count(),
        "questions": questions,
        "saved_in": saved,
    }))
    .expect("plain JSON values");
    text.push('\n');
    text
}

fn join(numbers: &[usize], separator: &str) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scripted answers: commas between questions, + within a choose-two answer.
    #[test]
    fn answer_lists() {
        assert_eq!(
            parse_answer_list("1,2+4, 3").unwrap(),
            vec![vec![1], vec![2, 4], vec![3]]
        );
        assert_eq!(
            parse_answer_list("1,x").unwrap_err().to_string(),
            "--answers: answer 2 is \"x\"; expected a choice number, or two joined by + for a \
             choose-two question, like 1,2+4,3"
        );
        assert!(parse_answer_list("0").is_err());
        assert!(parse_answer_list("1,,2").is_err());
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
