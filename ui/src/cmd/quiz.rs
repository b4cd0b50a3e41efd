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

use crate::output;
use crate::progress;
use crate::seed::Seed;
use anyhow::{Context, bail};
use ksim_app::lesson::{self, Area, Lang, QuestionKind};
use ksim_app::quiz::{
    Asked, answer_hint, check_answer, join, order, parse_typed_answer, render_feedback,
    render_question, select,
};

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
        // A syllabus topic (S01…) stands where a fact does, as in `ksim learn S03`.
        let valid = valid || ksim_app::lesson::topics::find(fact).is_some();
        if !valid {
            let last = ksim_app::lesson::topics::TOPICS
                .last()
                .map_or("S01", |topic| topic.id);
            bail!(
                "--facts: expected fact ids from F01 to F54 or syllabus topics from S01 to \
                 {last}, like F17,S03, found \"{fact}\""
            );
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
    let (progress_path, mut progress) = progress::load_default(options.no_save)?;
    let session = order(pool, &progress, seed.value, count);

    let mut input = match scripted {
        Some(answers) => Input::Scripted(check_scripted(&session, answers)?.into_iter()),
        None => Input::Stdin(io::stdin().lock()),
    };
    let text = options.format == QuizFormat::Text;
    if text {
        output::print(&format!(
            "{} {}\n",
            lang.pick("seed", "시드"),
            seed.describe_in(lang)
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
            output::print(&render_feedback(&asked, right, lang))?;
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
        progress::record_and_save(path, &mut progress, &results)?;
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

/// `1,2+4,3`: one answer per question, a choose-two or choose-three answer's choices joined
/// by `+`.
pub(crate) fn parse_answer_list(list: &str) -> anyhow::Result<Vec<Vec<usize>>> {
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
                        "--answers: answer {} is \"{entry}\"; expected a choice number, or \
                         several joined by + for a choose-two or choose-three question, like \
                         1,2+4,3",
                        index + 1
                    )
                })
        })
        .collect()
}

/// Checks every scripted answer against its question before the first is asked, so that a
/// mistake in `--answers` stops the session before it prints anything.
fn check_scripted(session: &[Asked], answers: Vec<Vec<usize>>) -> anyhow::Result<Vec<Vec<usize>>> {
    // Which questions want several answers, so that one failure shows the whole session's
    // shape.
    let several: Vec<String> = session
        .iter()
        .enumerate()
        .filter(|(_, asked)| asked.question.kind != QuestionKind::Single)
        .map(|(index, asked)| format!("{} ({})", index + 1, asked.question.kind.name()))
        .collect();
    let shape = match several.as_slice() {
        [] => "; every question of this session takes one choice".to_string(),
        [one] => format!(
            "; question {one} is the only one of this session taking several choices (join \
             them by +, like 2+4)"
        ),
        many => format!(
            "; questions {} take several choices (join them by +, like 2+4 or 1+3+4), the \
             others one",
            many.join(", ")
        ),
    };
    session
        .iter()
        .zip(answers)
        .enumerate()
        .map(|(index, (asked, given))| {
            let shown = join(&given, "+");
            check_answer(asked, given, Lang::En).map_err(|why| {
                anyhow::anyhow!(
                    "--answers: answer {} is \"{shown}\", but question {} ({}) {why}{shape}",
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
                    let hint = answer_hint(asked.question.kind, lang, ",");
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
                "area": question.area.name(),
                "since": question.since,
                "lesson": asked.lesson.file,
                "question": question.question.get(lang),
                "code": question.code,
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
            "--answers: answer 2 is \"x\"; expected a choice number, or several joined by + for \
             a choose-two or choose-three question, like 1,2+4,3"
        );
        assert!(parse_answer_list("0").is_err());
        assert!(parse_answer_list("1,,2").is_err());
    }
}
