//! Predict, then watch: a lesson played in the explorer pauses where its steps say `ask`,
//! asks that `[[quiz]]` question over the screen (the learner types the choice's number and
//! Enter, or Esc to skip), says "now watch" and plays on. Where the question has `check`
//! expectations, playing through the first of them pauses again on "here is the answer", and
//! the narration line keeps it. The answers count in the learner's progress like quiz answers:
//! the browser records them as one session when the explorer closes.

use std::collections::BTreeMap;

use ksim::kafka::trace::TraceEvent;
use ksim::scenario::Scenario;

use super::action::Action;
use super::app::{App, Overlay};
use super::timeline::Timeline;
use ksim_app::lesson::{Lang, Lesson, Question};
use ksim_app::quiz::{Asked, check_answer, parse_typed_answer};

/// The lesson the explorer plays, and what the learner answered while watching it.
pub struct LessonPlay {
    pub lesson: Lesson,
    pub lang: Lang,
    /// The first answer to each question asked in this playthrough. Playing through an ask
    /// again asks again, but only the first answer counts.
    pub answers: BTreeMap<String, Answer>,
}

/// An answer given at an `ask`: the choices by their shown numbers, and whether it was right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub given: Vec<usize>,
    pub right: bool,
}

impl LessonPlay {
    pub fn new(lesson: Lesson, lang: Lang) -> LessonPlay {
        LessonPlay {
            lesson,
            lang,
            answers: BTreeMap::new(),
        }
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.lesson.quiz.iter().find(|question| question.id == id)
    }

    /// The question as asked while watching: its choices in the file's order (the scenario's
    /// narration may refer to them), checked and scored as `ksim quiz` does.
    pub fn asked(&self, id: &str) -> Option<Asked<'_>> {
        let question = self.question(id)?;
        Some(Asked {
            lesson: &self.lesson,
            question,
            order: (0..question.choices.len()).collect(),
        })
    }

    /// The answers for the progress file: question id and whether it was right.
    pub fn results(&self) -> Vec<(String, bool)> {
        self.answers
            .iter()
            .map(|(id, answer)| (id.clone(), answer.right))
            .collect()
    }
}

/// The first `ask` of one of the lesson's questions after event `from` up to event `to` (both
/// trace indices): where it is, and the question's id.
pub fn ask_between(
    play: &LessonPlay,
    timeline: &Timeline,
    from: usize,
    to: usize,
) -> Option<(usize, String)> {
    let end = to.saturating_add(1).min(timeline.entries.len());
    let start = from.saturating_add(1).min(end);
    timeline
        .entries
        .iter_from(start)
        .take(end - start)
        .enumerate()
        .find_map(|(offset, entry)| match &entry.event {
            TraceEvent::Ask { question } if play.question(question).is_some() => {
                Some((start + offset, question.clone()))
            }
            _ => None,
        })
}

/// Where each of the lesson's asked questions has its answer shown: the time of its first
/// `check` expectation at or after the ask (the end of the run for a check without `at`), and the last event at or before that time (the
/// world the check looks at), in trace order. A question without checks, or never asked in
/// this timeline, has none.
pub fn answer_moments(
    play: &LessonPlay,
    scenario: &Scenario,
    timeline: &Timeline,
) -> Vec<AnswerMoment> {
    let mut moments: Vec<AnswerMoment> = Vec::new();
    for entry in &timeline.entries {
        let TraceEvent::Ask { question } = &entry.event else {
            continue;
        };
        if play.question(question).is_none() {
            continue;
        }
        // A check without `at` holds at the end of the run: the scenario's duration, or
        // earlier when nothing is left to happen, so it has its place once recording is done.
        let end = (!timeline.is_recording()).then_some(scenario.duration);
        let first_check = scenario
            .expectations
            .iter()
            .filter(|expectation| expectation.quiz.as_deref() == Some(question.as_str()))
            .filter_map(|expectation| expectation.at.or(end))
            .filter(|&at| at >= entry.time)
            .min();
        if let Some(at) = first_check {
            let index = timeline
                .entries
                .partition_point(|e| e.time <= at)
                .saturating_sub(1);
            if !moments.iter().any(|moment| &moment.question == question) {
                moments.push(AnswerMoment {
                    index,
                    at,
                    question: question.clone(),
                });
            }
        }
    }
    moments.sort_by_key(|moment| moment.index);
    moments
}

/// Where a question's answer shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerMoment {
    /// The trace event after which the check holds.
    pub index: usize,
    /// The check's time.
    pub at: ksim::engine::time::SimTime,
    pub question: String,
}

/// Keys while a question or an answer is over the screen; true when the window used the
/// action. A question takes digits, Backspace, Enter (answer: "now watch", and play on) and
/// Esc (skip, and play on); the answer closes with Enter, Space or Esc, and playing goes on.
pub fn update_overlay(app: &mut App, action: &Action) -> bool {
    let Some(overlay) = app.overlay.clone() else {
        return false;
    };
    let lang = app.lesson.as_ref().map_or(Lang::En, |play| play.lang);
    match (overlay, action) {
        (
            Overlay::Ask {
                question,
                mut input,
                ..
            },
            Action::Type(c),
        ) => {
            if (c.is_ascii_digit() || matches!(c, ',' | ' ' | '+')) && input.len() < 12 {
                input.push(*c);
            }
            app.overlay = Some(Overlay::Ask {
                question,
                input,
                error: None,
            });
        }
        (
            Overlay::Ask {
                question,
                mut input,
                ..
            },
            Action::Backspace,
        ) => {
            input.pop();
            app.overlay = Some(Overlay::Ask {
                question,
                input,
                error: None,
            });
        }
        (
            Overlay::Ask {
                question, input, ..
            },
            Action::Enter,
        ) => {
            let checked = app.lesson.as_ref().and_then(|play| {
                let asked = play.asked(&question)?;
                Some(
                    parse_typed_answer(&input)
                        .ok_or_else(|| {
                            lang.pick("expected a choice number", "번호를 입력하세요")
                                .to_string()
                        })
                        .and_then(|given| check_answer(&asked, given, lang))
                        .map(|given| {
                            let right = asked.is_right(&given);
                            Answer { given, right }
                        }),
                )
            });
            match checked {
                Some(Err(why)) => {
                    app.overlay = Some(Overlay::Ask {
                        question,
                        input,
                        error: Some(why),
                    });
                }
                Some(Ok(answer)) => {
                    let said = now_watch(app, &question, Some(&answer), lang);
                    if let Some(play) = &mut app.lesson {
                        play.answers.entry(question).or_insert(answer);
                    }
                    play_on(app, said);
                }
                // A question the lesson does not have (the parser refuses such a file).
                None => play_on(app, None),
            }
        }
        (Overlay::Ask { question, .. }, Action::Escape) => {
            let said = now_watch(app, &question, None, lang);
            play_on(app, said);
        }
        (Overlay::Answer { .. }, Action::Enter | Action::Escape | Action::TogglePlay) => {
            play_on(app, None);
        }
        // Everything else waits for the question or the answer to be closed.
        _ => {}
    }
    true
}

fn play_on(app: &mut App, status: Option<String>) {
    app.overlay = None;
    app.playing = true;
    app.status = status;
}

/// What is said when playing goes on after a question: "now watch", with when the answer
/// shows, or, for a question without checks, the verdict at once.
fn now_watch(app: &App, question: &str, answer: Option<&Answer>, lang: Lang) -> Option<String> {
    let play = app.lesson.as_ref()?;
    let moment = answer_moments(play, &app.scenario, app.timeline())
        .into_iter()
        .find(|moment| moment.question == question && moment.index >= app.cursor)
        .map(|moment| moment.at);
    let said = match (answer, lang) {
        (None, Lang::En) => "skipped".to_string(),
        (None, Lang::Ko) => "건너뜀".to_string(),
        (Some(answer), Lang::En) => format!("you said {}", join(&answer.given)),
        (Some(answer), Lang::Ko) => format!("내 답 {}", join(&answer.given)),
    };
    Some(match (moment, answer, lang) {
        (Some(time), _, Lang::En) => format!("{said}; now watch: the answer shows at {time}"),
        (Some(time), _, Lang::Ko) => format!("{said}; 이제 지켜보세요: {time}에 답이 나옵니다"),
        (None, Some(answer), _) => {
            let verdict = verdict(app, question, answer, lang);
            match lang {
                Lang::En => format!("{said}: {verdict}; now watch"),
                Lang::Ko => format!("{said}: {verdict}; 이제 지켜보세요"),
            }
        }
        (None, None, Lang::En) => format!("{said}; now watch"),
        (None, None, Lang::Ko) => format!("{said}; 이제 지켜보세요"),
    })
}

/// `right`, or `wrong: the answer is 2`, as `ksim quiz` says it.
pub fn verdict(app: &App, question: &str, answer: &Answer, lang: Lang) -> String {
    let Some(asked) = app.lesson.as_ref().and_then(|play| play.asked(question)) else {
        return String::new();
    };
    ksim_app::quiz::render_verdict(&asked, answer.right, lang)
        .trim()
        .to_string()
}

/// The right choices of a question, numbered and named: `2. HW 3; 3 records`.
pub fn right_choices(question: &Question, lang: Lang) -> String {
    question
        .answer
        .iter()
        .filter_map(|&number| {
            let choice = question.choices.get(number.checked_sub(1)?)?;
            Some(format!("{number}. {}", choice.get(lang)))
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The window over the screen: the question asked (with the answer being typed), or the
/// answer when its moment came. Its title and its lines.
pub fn window(app: &App, overlay: &Overlay) -> Option<(String, Vec<String>)> {
    let play = app.lesson.as_ref()?;
    let lang = play.lang;
    match overlay {
        Overlay::Ask {
            question,
            input,
            error,
        } => {
            let asked = play.asked(question)?;
            let mut lines = vec![asked.question.question.get(lang).to_string(), String::new()];
            for (shown, &index) in asked.order.iter().enumerate() {
                lines.push(format!(
                    "  {}. {}",
                    shown + 1,
                    asked.question.choices[index].get(lang)
                ));
            }
            lines.push(String::new());
            let hint = ksim_app::quiz::answer_hint(asked.question.kind, lang, " ");
            lines.push(format!("{hint}: {input}█"));
            if let Some(error) = error {
                lines.push(format!("  {error}"));
            }
            lines.push(
                lang.pick(
                    "Enter answers and plays on; Esc skips",
                    "Enter: 답하고 계속 재생  Esc: 건너뛰기",
                )
                .to_string(),
            );
            let title = match lang {
                Lang::En => format!("predict, then watch ({question})"),
                Lang::Ko => format!("예측하고 지켜보기 ({question})"),
            };
            Some((title, lines))
        }
        Overlay::Answer { question } => {
            let asked = play.asked(question)?;
            let mut lines = vec![
                asked.question.question.get(lang).to_string(),
                String::new(),
                format!(
                    "{} {}",
                    lang.pick("here is the answer:", "정답:"),
                    right_choices(asked.question, lang)
                ),
            ];
            lines.push(match (play.answers.get(question), lang) {
                (Some(answer), _) => format!(
                    "{} {}: {}",
                    lang.pick("you said", "내 답"),
                    join(&answer.given),
                    verdict(app, question, answer, lang)
                ),
                (None, Lang::En) => "you skipped it".to_string(),
                (None, Lang::Ko) => "건너뛴 문제입니다".to_string(),
            });
            lines.push(asked.question.explain.get(lang).to_string());
            lines.push(String::new());
            lines.push(
                lang.pick("Enter or Space plays on", "Enter나 Space: 계속 재생")
                    .to_string(),
            );
            let title = match lang {
                Lang::En => format!("here is the answer ({question})"),
                Lang::Ko => format!("정답 ({question})"),
            };
            Some((title, lines))
        }
        _ => None,
    }
}

/// The narration line's answer callout: the last answer moment at or before the cursor,
/// when it is later than `after` (the last `say`'s trace index).
pub fn callout(app: &App, after: Option<usize>) -> Option<(AnswerMoment, String)> {
    let play = app.lesson.as_ref()?;
    let lang = play.lang;
    let moment = answer_moments(play, &app.scenario, app.timeline())
        .into_iter()
        .rev()
        .find(|moment| moment.index <= app.cursor)?;
    if after.is_some_and(|say| say > moment.index) {
        return None;
    }
    let question = play.question(&moment.question)?;
    Some((
        moment,
        format!(
            "{} {} — {}",
            lang.pick("here is the answer:", "정답:"),
            right_choices(question, lang),
            question.explain.get(lang)
        ),
    ))
}

fn join(numbers: &[usize]) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
pub mod tests;
