//! The mock exam as every front end sets it: 60 questions drawn by a seed to the syllabus
//! sections' weights, each with its choices shuffled, and the score per section at the end.
//!
//! Confluent does not publish per-domain weights for CCDAK, so ksim groups its lesson areas
//! into four sections and weights them by its own documented proportions ([`Section::weight`]).
//! Nor does it publish a pass mark; ksim passes an exam at [`PASS_PERCENT`].
//!
//! `ksim exam` and the lesson browser's exam both score and report through here ([`Sat`],
//! [`score`], [`render_report`], [`session_results`]), so an exam reads and counts the same
//! in both.

use std::fmt::Write as _;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::lesson::{Area, Catalogue, Lang, Lesson, Question};
use crate::quiz::Asked;

/// How many questions the real exam asks, and so the mock exam by default.
pub const QUESTIONS: usize = 60;
/// How long the real exam lasts, and so the mock exam by default.
pub const MINUTES: u64 = 90;
/// The share of right answers that passes the mock exam. Confluent does not publish the real
/// exam's pass mark; 70% is ksim's own choice, and says so wherever it is shown.
pub const PASS_PERCENT: usize = 70;

/// The sections of the syllabus the exam is drawn from, in the order the score lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Brokers, replication, partitioning, the log: how Kafka stores and serves records; and
    /// running it: security and the command-line tools.
    Fundamentals,
    /// Producers, consumers, their client settings and transactions.
    Clients,
    /// Kafka Streams and ksqlDB.
    Streams,
    /// Kafka Connect, Schema Registry, REST Proxy.
    Integration,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Fundamentals,
        Section::Clients,
        Section::Streams,
        Section::Integration,
    ];

    /// The section a lesson area belongs to.
    pub fn of(area: Area) -> Section {
        match area {
            Area::Replication
            | Area::Partitioning
            | Area::Logs
            | Area::Broker
            | Area::Security
            | Area::Tools => Section::Fundamentals,
            Area::Producer | Area::Consumer | Area::Clients | Area::Transactions => {
                Section::Clients
            }
            Area::Streams | Area::Ksql => Section::Streams,
            Area::Connect | Area::SchemaRegistry | Area::RestProxy => Section::Integration,
        }
    }

    /// The section's share of the exam, in percent (ksim's proportions; they add up to 100).
    pub fn weight(self) -> usize {
        match self {
            Section::Fundamentals => 25,
            Section::Clients => 35,
            Section::Streams => 20,
            Section::Integration => 20,
        }
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Section::Fundamentals => lang.pick(
                "Kafka fundamentals (brokers, replication, partitions, logs)",
                "Kafka 기초 (브로커, 복제, 파티션, 로그)",
            ),
            Section::Clients => lang.pick(
                "Application development (producers, consumers)",
                "애플리케이션 개발 (프로듀서, 컨슈머)",
            ),
            Section::Streams => lang.pick(
                "Stream processing (Kafka Streams, ksqlDB)",
                "스트림 처리 (Kafka Streams, ksqlDB)",
            ),
            Section::Integration => lang.pick(
                "Integration and schemas (Kafka Connect, Schema Registry, REST Proxy)",
                "통합과 스키마 (Kafka Connect, 스키마 레지스트리, REST Proxy)",
            ),
        }
    }
}

/// How many questions each section gets out of `total`: its weight, rounded by largest
/// remainder, but never more than it has (`available`); what a section cannot fill goes to the
/// others by weight.
pub fn quotas(total: usize, available: &[(Section, usize)]) -> Vec<(Section, usize)> {
    let capacity = |section: Section| {
        available
            .iter()
            .find(|(s, _)| *s == section)
            .map_or(0, |(_, n)| *n)
    };
    let mut quota: Vec<(Section, usize)> = Section::ALL.iter().map(|&s| (s, 0)).collect();
    let mut left = total.min(Section::ALL.iter().map(|&s| capacity(s)).sum());
    while left > 0 {
        let open: Vec<Section> = quota
            .iter()
            .filter(|(s, n)| *n < capacity(*s))
            .map(|(s, _)| *s)
            .collect();
        let weights: usize = open.iter().map(|s| s.weight()).sum();
        // Each open section's share of what is left, floored, then the largest remainders.
        let mut shares: Vec<(Section, usize, usize)> = open
            .iter()
            .map(|&s| (s, left * s.weight() / weights, left * s.weight() % weights))
            .collect();
        let given: usize = shares.iter().map(|(_, n, _)| n).sum();
        let mut by_remainder: Vec<usize> = (0..shares.len()).collect();
        by_remainder.sort_by_key(|&i| (std::cmp::Reverse(shares[i].2), shares[i].0));
        for &i in by_remainder.iter().take(left - given) {
            shares[i].1 += 1;
        }
        for (section, share, _) in shares {
            let entry = quota.iter_mut().find(|(s, _)| *s == section).unwrap();
            let room = capacity(section) - entry.1;
            let add = share.min(room);
            entry.1 += add;
            left -= add;
        }
    }
    quota
}

/// The exam: every section's questions shuffled by the seed and cut to its quota, then all of
/// them shuffled together, each with its choices shuffled by the same generator.
pub fn draw(catalogue: &Catalogue, seed: u64, total: usize) -> Vec<Asked<'_>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pools: Vec<(Section, Vec<(&Lesson, &Question)>)> =
        Section::ALL.iter().map(|&s| (s, Vec::new())).collect();
    for (lesson, question) in catalogue.questions() {
        let section = Section::of(question.area);
        pools
            .iter_mut()
            .find(|(s, _)| *s == section)
            .unwrap()
            .1
            .push((lesson, question));
    }
    let available: Vec<(Section, usize)> = pools.iter().map(|(s, p)| (*s, p.len())).collect();
    let quota = quotas(total, &available);
    let mut chosen: Vec<(&Lesson, &Question)> = Vec::new();
    for ((_, mut pool), (_, count)) in pools.into_iter().zip(quota) {
        pool.shuffle(&mut rng);
        chosen.extend(pool.into_iter().take(count));
    }
    chosen.shuffle(&mut rng);
    chosen
        .into_iter()
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

/// Right answers out of questions asked, per section, for the sections the exam drew from.
pub fn score_by_section(results: &[(Area, bool)]) -> Vec<(Section, usize, usize)> {
    Section::ALL
        .iter()
        .map(|&section| {
            let mine = results.iter().filter(|(a, _)| Section::of(*a) == section);
            let asked = mine.clone().count();
            let right = mine.filter(|(_, right)| *right).count();
            (section, right, asked)
        })
        .filter(|(_, _, asked)| *asked > 0)
        .collect()
}

/// One question of an exam and what became of it: answered (`given`, checked, as shown
/// numbers), or not (skipped, or not reached before the time ran out or the exam was handed
/// in), which counts as wrong.
pub struct Sat<'a> {
    pub asked: Asked<'a>,
    pub given: Option<Vec<usize>>,
}

impl Sat<'_> {
    pub fn right(&self) -> bool {
        self.given
            .as_ref()
            .is_some_and(|given| self.asked.is_right(given))
    }
}

/// `right` of `of` as a whole percentage, rounded half up.
pub fn percent(right: usize, of: usize) -> usize {
    (right * 100 + of / 2) / of.max(1)
}

/// What an exam scored: right answers, unanswered questions, the score per section, and
/// whether it passes ([`PASS_PERCENT`] of all the questions, unanswered ones counted wrong).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    pub right: usize,
    pub total: usize,
    pub unanswered: usize,
    pub sections: Vec<(Section, usize, usize)>,
    pub passed: bool,
}

pub fn score(sat: &[Sat]) -> Score {
    let right = sat.iter().filter(|s| s.right()).count();
    let total = sat.len();
    let results: Vec<(Area, bool)> = sat
        .iter()
        .map(|s| (s.asked.question.area, s.right()))
        .collect();
    Score {
        right,
        total,
        unanswered: sat.iter().filter(|s| s.given.is_none()).count(),
        sections: score_by_section(&results),
        passed: passes(right, total),
    }
}

/// Whether `right` of `total` reaches the pass mark.
pub fn passes(right: usize, total: usize) -> bool {
    total > 0 && right * 100 >= PASS_PERCENT * total
}

/// The exam as one session of the progress file: every question with whether it was right.
/// Recorded with `Progress::record_session`, a missed (or unanswered) question goes back to
/// the first Leitner box and so comes first in the next quiz.
pub fn session_results(sat: &[Sat]) -> Vec<(String, bool)> {
    sat.iter()
        .map(|s| (s.asked.question.id.clone(), s.right()))
        .collect()
}

/// The facts (or syllabus topics) of the questions missed, sorted, each once.
pub fn missed_facts<'a>(sat: &'a [Sat]) -> Vec<&'a str> {
    let mut missed: Vec<&str> = sat
        .iter()
        .filter(|s| !s.right())
        .map(|s| s.asked.question.fact())
        .collect();
    missed.sort_unstable();
    missed.dedup();
    missed
}

/// The exam's result as text: the score and whether it passes, the score per section, every
/// question with the answer given, the right one and the explanation (the missed ones first),
/// and the facts missed. What was saved is the front end's to add.
pub fn render_report(sat: &[Sat], lang: Lang) -> String {
    let mut out = String::new();
    let score = score(sat);
    let (right, total) = (score.right, score.total);
    match lang {
        Lang::En => writeln!(
            out,
            "score: {right} of {total} right ({}%)",
            percent(right, total)
        ),
        Lang::Ko => writeln!(
            out,
            "점수: {total}문제 중 {right}문제 정답 ({}%)",
            percent(right, total)
        ),
    }
    .unwrap();
    if score.unanswered > 0 {
        let unanswered = score.unanswered;
        match lang {
            Lang::En => writeln!(out, "({unanswered} unanswered, counted wrong)"),
            Lang::Ko => writeln!(out, "(답하지 않은 {unanswered}문제는 오답으로 셈)"),
        }
        .unwrap();
    }
    match (score.passed, lang) {
        (true, Lang::En) => writeln!(
            out,
            "PASS: {PASS_PERCENT}% or more right (ksim's pass mark; Confluent does not publish one)"
        ),
        (false, Lang::En) => writeln!(
            out,
            "FAIL: fewer than {PASS_PERCENT}% right (ksim's pass mark; Confluent does not publish one)"
        ),
        (true, Lang::Ko) => writeln!(
            out,
            "합격: {PASS_PERCENT}% 이상 정답 (ksim의 합격선; Confluent는 합격선을 공개하지 않음)"
        ),
        (false, Lang::Ko) => writeln!(
            out,
            "불합격: 정답 {PASS_PERCENT}% 미만 (ksim의 합격선; Confluent는 합격선을 공개하지 않음)"
        ),
    }
    .unwrap();
    writeln!(out, "\n{}", lang.pick("by section:", "영역별:")).unwrap();
    for (section, right, asked) in &score.sections {
        writeln!(
            out,
            "  {:>3}%  {right:>2}/{asked:<2}  {}",
            percent(*right, *asked),
            section.title(lang)
        )
        .unwrap();
    }
    writeln!(
        out,
        "\n{}",
        lang.pick(
            "every question, the missed ones first:",
            "모든 문제 (틀린 문제 먼저):"
        )
    )
    .unwrap();
    let mut order: Vec<&Sat> = sat.iter().collect();
    order.sort_by_key(|s| s.right());
    for s in order {
        let asked = &s.asked;
        let question = asked.question;
        let mark = if s.right() { "✓" } else { "✗" };
        writeln!(
            out,
            "\n{mark} [{}] {}",
            question.id,
            question.question.get(lang)
        )
        .unwrap();
        if let Some(code) = &question.code {
            for line in code.lines() {
                writeln!(out, "    │ {line}").unwrap();
            }
        }
        let name = |numbers: &[usize]| -> String {
            numbers
                .iter()
                .map(|&n| format!("{n}. {}", question.choices[asked.order[n - 1]].get(lang)))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let given = match &s.given {
            Some(given) => name(given),
            None => lang.pick("(none)", "(없음)").to_string(),
        };
        writeln!(out, "  {} {given}", lang.pick("your answer:", "내 답:")).unwrap();
        writeln!(
            out,
            "  {} {}",
            lang.pick("right answer:", "정답:"),
            name(&asked.shown_answer())
        )
        .unwrap();
        for line in question.explain.get(lang).trim().lines() {
            writeln!(out, "  {line}").unwrap();
        }
        writeln!(
            out,
            "  {} ksim learn {}",
            lang.pick("lesson:", "레슨:"),
            asked.lesson.slug
        )
        .unwrap();
    }
    let missed = missed_facts(sat);
    if !missed.is_empty() {
        writeln!(
            out,
            "\n{} {}",
            lang.pick("missed facts:", "틀린 사실:"),
            missed.join(", ")
        )
        .unwrap();
    }
    out
}

/// `mm:ss` of a number of seconds, for the countdown.
pub fn clock(seconds: u64) -> String {
    format!("{:02}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(n: usize) -> Vec<(Section, usize)> {
        Section::ALL.iter().map(|&s| (s, n)).collect()
    }

    // The weights add up to 100, and 60 questions split 15/21/12/12.
    #[test]
    fn sixty_questions_to_the_weights() {
        assert_eq!(Section::ALL.iter().map(|s| s.weight()).sum::<usize>(), 100);
        let quota = quotas(60, &all(100));
        let counts: Vec<usize> = quota.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [15, 21, 12, 12]);
    }

    // Rounding gives the rest to the largest remainders; the total is always what was asked.
    #[test]
    fn rounding_keeps_the_total() {
        for total in 1..=100 {
            let quota = quotas(total, &all(100));
            assert_eq!(quota.iter().map(|(_, n)| n).sum::<usize>(), total);
        }
        let counts: Vec<usize> = quotas(10, &all(100)).iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [3, 3, 2, 2]);
    }

    // A section short of questions gives its place to the others, by weight; the exam is
    // never longer than the questions there are.
    #[test]
    fn short_sections_give_way() {
        let available = [
            (Section::Fundamentals, 3),
            (Section::Clients, 100),
            (Section::Streams, 100),
            (Section::Integration, 0),
        ];
        let counts: Vec<usize> = quotas(60, &available).iter().map(|(_, n)| *n).collect();
        assert_eq!(counts.iter().sum::<usize>(), 60);
        assert_eq!(counts[0], 3);
        assert_eq!(counts[3], 0);
        assert!(counts[1] > counts[2], "{counts:?}");
        let few: usize = quotas(60, &all(2)).iter().map(|(_, n)| n).sum();
        assert_eq!(few, 8);
    }

    // 42 of 60 is exactly 70% and passes; 41 does not; an empty exam never passes.
    #[test]
    fn pass_mark() {
        assert!(passes(42, 60));
        assert!(!passes(41, 60));
        assert!(passes(7, 10) && !passes(6, 10));
        assert!(!passes(0, 0));
        assert_eq!(percent(41, 60), 68);
    }

    // Every area belongs to a section, and the clock reads minutes and seconds.
    #[test]
    fn areas_and_clock() {
        for area in Area::ALL {
            assert!(Section::ALL.contains(&Section::of(area)));
        }
        assert_eq!(clock(90 * 60), "90:00");
        assert_eq!(clock(61), "01:01");
        assert_eq!(
            score_by_section(&[(Area::Producer, true), (Area::Consumer, false)]),
            [(Section::Clients, 1, 2)]
        );
    }
}
