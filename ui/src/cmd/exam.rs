//! `ksim exam`: a mock CCDAK exam from the lessons: 60 questions drawn by a seed to the
//! syllabus sections' weights, 90 minutes counted down by the wall clock (the clock of the
//! user interface, never of a simulation), no feedback until the end, then the score per
//! section, every question with its explanation, and the missed questions saved to come first
//! in the next `ksim quiz`. `--answers` answers from the command line for scripts and tests,
//! without a clock.

use std::fmt::Write as _;
use std::io::{self, BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::cmd::quiz::parse_answer_list;
use crate::output;
use crate::progress;
use crate::seed::Seed;
use anyhow::{Context, bail};
use ksim_app::exam::{self, Sat};
use ksim_app::lesson::{self, Lang};
use ksim_app::quiz::{Asked, answer_hint, check_answer, join, parse_typed_answer, render_question};

/// The command line's choices for one exam.
#[derive(Clone, Debug)]
pub struct ExamOptions {
    pub lessons: Option<PathBuf>,
    pub count: Option<usize>,
    pub minutes: Option<u64>,
    pub lang: Option<Lang>,
    pub seed: Option<u64>,
    pub answers: Option<String>,
    pub no_save: bool,
}

pub fn exam(options: &ExamOptions) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(options.lang);
    let dir = options.lessons.clone().unwrap_or_else(lesson::default_dir);
    let catalogue = lesson::load_dir(&dir).map_err(|errors| anyhow::anyhow!(errors.join("\n")))?;
    let total_questions = catalogue.questions().count();
    if total_questions == 0 {
        bail!("no questions in {}", dir.display());
    }
    let count = match options.count {
        Some(0) => bail!("--count must be at least 1"),
        Some(count) => count,
        None => exam::QUESTIONS,
    };
    let minutes = match options.minutes {
        Some(0) => bail!("--minutes must be at least 1"),
        Some(minutes) => minutes,
        None => exam::MINUTES,
    };
    let seed = Seed::choose(options.seed, None);
    let drawn = exam::draw(&catalogue, seed.value, count);
    let scripted = match &options.answers {
        None => None,
        Some(list) => {
            // `-` leaves a question unanswered; the rest reads as `ksim quiz --answers` does.
            let answers: Vec<Vec<usize>> = list
                .split(',')
                .enumerate()
                .map(|(index, entry)| match entry.trim() {
                    "-" => Ok(Vec::new()),
                    _ => parse_answer_list(entry)
                        .map(|mut one| one.remove(0))
                        .map_err(|error| {
                            anyhow::anyhow!(
                                "{}",
                                error
                                    .to_string()
                                    .replace("answer 1 ", &format!("answer {} ", index + 1))
                            )
                        }),
                })
                .collect::<anyhow::Result<_>>()?;
            if answers.len() != drawn.len() {
                bail!(
                    "--answers gives {} answers for an exam of {} questions; give one per \
                     question (- leaves one unanswered)",
                    answers.len(),
                    drawn.len()
                );
            }
            // Every answer is checked before the first question is shown.
            let checked: Vec<Option<Vec<usize>>> = drawn
                .iter()
                .zip(answers)
                .enumerate()
                .map(|(index, (asked, given))| {
                    if given.is_empty() {
                        return Ok(None);
                    }
                    let shown = join(&given, "+");
                    check_answer(asked, given, Lang::En)
                        .map(Some)
                        .map_err(|why| {
                            anyhow::anyhow!(
                                "--answers: answer {} is \"{shown}\", but question {} ({}, {}) \
                                 {why}",
                                index + 1,
                                index + 1,
                                asked.question.id,
                                asked.question.kind.name()
                            )
                        })
                })
                .collect::<anyhow::Result<_>>()?;
            Some(checked)
        }
    };
    let (progress_path, mut progress) = progress::load_default(options.no_save)?;

    let total = drawn.len();
    output::print(&format!(
        "{} {}\n",
        lang.pick("seed", "시드"),
        seed.describe_in(lang)
    ))?;
    output::print(&match lang {
        Lang::En => format!(
            "mock exam: {total} questions, {minutes} minutes; no feedback until the end \
             (s skips a question, q hands in)\n"
        ),
        Lang::Ko => format!(
            "모의고사: {total}문제, {minutes}분. 끝날 때까지 채점하지 않습니다 \
             (s: 건너뛰기, q: 제출)\n"
        ),
    })?;
    let limit = Duration::from_secs(minutes * 60);
    let started = Instant::now();
    let mut sat: Vec<Sat> = Vec::with_capacity(total);
    let mut stdin = io::stdin().lock();
    let mut scripted = scripted.map(Vec::into_iter);
    let mut ended = false;
    for (number, asked) in drawn.into_iter().enumerate() {
        if ended {
            sat.push(Sat { asked, given: None });
            continue;
        }
        let mut text = render_question(&asked, number + 1, total, lang);
        if scripted.is_none() {
            let left = limit
                .saturating_sub(started.elapsed())
                .as_millis()
                .div_ceil(1000);
            let left = u64::try_from(left).unwrap_or(u64::MAX);
            let line = match lang {
                Lang::En => format!("  [{} left]\n", exam::clock(left)),
                Lang::Ko => format!("  [남은 시간 {}]\n", exam::clock(left)),
            };
            text.push_str(&line);
        }
        output::print(&text)?;
        let given = match &mut scripted {
            Some(answers) => {
                let given = answers.next().expect("one scripted answer per question");
                let shown = given.as_deref().map_or("-".to_string(), |g| join(g, ","));
                output::print(&format!("{} {shown}\n", lang.pick("answer:", "답:")))?;
                given
            }
            None => match typed_answer(&mut stdin, &asked, lang)? {
                Typed::Answer(given) => Some(given),
                Typed::Skip => None,
                Typed::HandIn => {
                    ended = true;
                    None
                }
            },
        };
        if scripted.is_none() && started.elapsed() > limit {
            output::print(lang.pick(
                "time is up: that answer came too late and does not count\n",
                "시간이 끝났습니다. 방금 답은 시간 뒤에 와서 채점하지 않습니다\n",
            ))?;
            ended = true;
            sat.push(Sat { asked, given: None });
            continue;
        }
        sat.push(Sat { asked, given });
    }

    let saved = if options.no_save {
        None
    } else if let Some(path) = &progress_path {
        let results = exam::session_results(&sat);
        progress::record_and_save(path, &mut progress, &results)?;
        Some(path.clone())
    } else {
        None
    };
    output::print(&render_result(&sat, saved.as_ref(), options.no_save, lang))?;
    Ok(ExitCode::SUCCESS)
}

enum Typed {
    Answer(Vec<usize>),
    Skip,
    HandIn,
}

/// An answer typed on standard input: choice numbers, `s` to skip, `q` (or the end of the
/// input) to hand the exam in; a malformed answer is asked again.
fn typed_answer(reader: &mut impl BufRead, asked: &Asked, lang: Lang) -> anyhow::Result<Typed> {
    loop {
        output::print(&format!(
            "{}: ",
            answer_hint(asked.question.kind, lang, ",")
        ))?;
        let mut line = String::new();
        if reader.read_line(&mut line).context("reading an answer")? == 0 {
            output::print("\n")?;
            return Ok(Typed::HandIn);
        }
        let line = line.trim();
        if !io::stdin().is_terminal() {
            output::print(&format!("{line}\n"))?;
        }
        match line {
            "q" | "quit" => return Ok(Typed::HandIn),
            "s" | "skip" => return Ok(Typed::Skip),
            _ => {}
        }
        let checked = parse_typed_answer(line)
            .ok_or_else(|| {
                lang.pick("expected a choice number", "번호를 입력하세요")
                    .to_string()
            })
            .and_then(|given| check_answer(asked, given, lang));
        match checked {
            Ok(given) => return Ok(Typed::Answer(given)),
            Err(why) => output::print(&format!("  {why}\n"))?,
        }
    }
}

/// The report every front end shows (score, pass or fail, the score per section, every
/// question with its explanation, the missed ones first, and the missed facts), then what was
/// saved.
fn render_result(sat: &[Sat], saved: Option<&PathBuf>, no_save: bool, lang: Lang) -> String {
    let mut out = format!("\n{}", exam::render_report(sat, lang));
    if exam::missed_facts(sat).is_empty() {
        writeln!(out).unwrap();
    }
    match (saved, no_save) {
        (Some(path), _) => writeln!(
            out,
            "{} {}",
            lang.pick(
                "progress saved; the missed questions come first in the next ksim quiz:",
                "진행 상황 저장. 틀린 문제는 다음 ksim quiz에서 먼저 나옵니다:"
            ),
            path.display()
        ),
        (None, true) => writeln!(
            out,
            "{}",
            lang.pick(
                "progress not saved (--no-save)",
                "진행 상황을 저장하지 않음 (--no-save)"
            )
        ),
        (None, false) => writeln!(
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
