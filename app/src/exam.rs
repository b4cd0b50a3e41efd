//! The mock exam as every front end sets it: 60 questions drawn by a seed to the syllabus
//! sections' weights, each with its choices shuffled, and the score per section at the end.
//!
//! Confluent does not publish per-domain weights for CCDAK, so ksim groups its lesson areas
//! into four sections and weights them by its own documented proportions ([`Section::weight`]).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::lesson::{Area, Catalogue, Lang, Lesson, Question};
use crate::quiz::Asked;

/// How many questions the real exam asks, and so the mock exam by default.
pub const QUESTIONS: usize = 60;
/// How long the real exam lasts, and so the mock exam by default.
pub const MINUTES: u64 = 90;

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
        let section = Section::of(lesson.area);
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
