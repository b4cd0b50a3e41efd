//! Lessons and their quiz questions, as read from `scenarios/lessons/*.toml`: one lesson per
//! fact of the study notes (a file may cover several), each with a title, an explanation, an
//! optional correction of the note, the calculator or scenario that shows it live, and
//! exam-style questions, all in English and Korean.
//!
//! `parse.rs` turns a file's text into a [`Lesson`] (every error with file:line:column);
//! `catalogue.rs` reads a directory of them and checks what spans files (unique question ids).

mod catalogue;
mod parse;
pub mod topics;

use std::fmt;
use std::path::PathBuf;

pub use catalogue::{Catalogue, default_dir, is_lesson_only, load_dir};
pub use parse::parse_lesson;

/// The language of everything a lesson says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    /// The language the user's locale asks for: the first of `LC_ALL`, `LC_MESSAGES` and
    /// `LANG` that is set and not empty decides, as in POSIX; `ko…` is Korean, anything else
    /// English.
    pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| get(name))
            .find(|value| !value.is_empty());
        match locale {
            Some(value) if value.to_ascii_lowercase().starts_with("ko") => Lang::Ko,
            _ => Lang::En,
        }
    }

    /// `--lang` if given, else the locale of the process's environment.
    pub fn choose(flag: Option<Lang>) -> Lang {
        flag.unwrap_or_else(|| Lang::from_locale(|name| std::env::var(name).ok()))
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// Picks the English or the Korean of a pair of fixed strings.
    pub fn pick(self, en: &'static str, ko: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Ko => ko,
        }
    }
}

/// The same language as the simulator names it, for a scenario's `say` narration.
impl From<Lang> for ksim::scenario::Lang {
    fn from(lang: Lang) -> ksim::scenario::Lang {
        match lang {
            Lang::En => ksim::scenario::Lang::En,
            Lang::Ko => ksim::scenario::Lang::Ko,
        }
    }
}

/// A text in both languages. A lesson file must give both: the tool teaches in either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bilingual {
    pub en: String,
    pub ko: String,
}

impl Bilingual {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ko => &self.ko,
        }
    }
}

/// The syllabus areas lessons and questions are grouped by, in the order `ksim learn --list`
/// shows them: the topics of the CCDAK exam, one heading each in the lesson browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    Replication,
    Producer,
    Consumer,
    Transactions,
    Partitioning,
    Logs,
    Clients,
    Broker,
    Security,
    Tools,
    Streams,
    Connect,
    SchemaRegistry,
    Ksql,
    RestProxy,
}

impl Area {
    pub const ALL: [Area; 15] = [
        Area::Replication,
        Area::Producer,
        Area::Consumer,
        Area::Transactions,
        Area::Partitioning,
        Area::Logs,
        Area::Clients,
        Area::Broker,
        Area::Security,
        Area::Tools,
        Area::Streams,
        Area::Connect,
        Area::SchemaRegistry,
        Area::Ksql,
        Area::RestProxy,
    ];

    /// The name used in lesson files and by `--area`.
    pub fn name(self) -> &'static str {
        match self {
            Area::Replication => "replication",
            Area::Producer => "producer",
            Area::Consumer => "consumer",
            Area::Transactions => "transactions",
            Area::Partitioning => "partitioning",
            Area::Logs => "logs",
            Area::Clients => "clients",
            Area::Broker => "broker",
            Area::Security => "security",
            Area::Tools => "tools",
            Area::Streams => "streams",
            Area::Connect => "connect",
            Area::SchemaRegistry => "schema-registry",
            Area::Ksql => "ksql",
            Area::RestProxy => "rest-proxy",
        }
    }

    /// The heading `ksim learn --list` gives the area.
    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Area::Replication => lang.pick("Replication", "복제 (Replication)"),
            Area::Producer => lang.pick("Producer", "프로듀서 (Producer)"),
            Area::Consumer => lang.pick("Consumer", "컨슈머 (Consumer)"),
            Area::Transactions => lang.pick(
                "Transactions and exactly-once",
                "트랜잭션과 정확히 한 번 (Transactions)",
            ),
            Area::Partitioning => lang.pick("Partitioning", "파티셔닝 (Partitioning)"),
            Area::Logs => lang.pick(
                "Logs: retention and compaction",
                "로그: 보존과 컴팩션 (Logs)",
            ),
            Area::Clients => lang.pick("Clients", "클라이언트 (Clients)"),
            Area::Broker => lang.pick("Broker", "브로커 (Broker)"),
            Area::Security => lang.pick("Security", "보안 (Security)"),
            Area::Tools => lang.pick("Command-line tools", "명령줄 도구 (Tools)"),
            Area::Streams => lang.pick("Kafka Streams", "Kafka Streams"),
            Area::Connect => lang.pick("Kafka Connect", "Kafka Connect"),
            Area::SchemaRegistry => {
                lang.pick("Schema Registry", "스키마 레지스트리 (Schema Registry)")
            }
            Area::Ksql => lang.pick("ksqlDB", "ksqlDB"),
            Area::RestProxy => lang.pick("REST Proxy", "REST Proxy"),
        }
    }

    pub fn from_name(name: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|area| area.name() == name)
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How facts.md says a fact must be taught.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Teach {
    /// Shown live by a scenario the simulator runs.
    Sim,
    /// Answered by a calculator command.
    Calc,
    /// A concept with nothing to simulate: explanation and quiz.
    Lesson,
}

impl Teach {
    pub const ALL: [Teach; 3] = [Teach::Sim, Teach::Calc, Teach::Lesson];

    pub fn name(self) -> &'static str {
        match self {
            Teach::Sim => "sim",
            Teach::Calc => "calc",
            Teach::Lesson => "lesson",
        }
    }
}

/// What a lesson says about an imprecise note: the note's words, and what Kafka really does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    pub note: Bilingual,
    pub kafka: Bilingual,
}

/// One lesson file, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// The file as named in messages (`scenarios/lessons/F22-required-producer-configs.toml`).
    pub file: String,
    /// The file's name without `.toml`, which `ksim learn <lesson>` and progress use.
    pub slug: String,
    /// The facts of the notes (`F22`) or syllabus topics (`S05`, see [`topics`]) it teaches.
    pub facts: Vec<String>,
    pub area: Area,
    pub teach: Teach,
    pub title: Bilingual,
    pub text: Bilingual,
    pub correction: Option<Correction>,
    /// A `ksim …` command whose answer shows the fact (CALC lessons).
    pub calc: Option<String>,
    /// A shipped scenario that shows the fact live, as written in the file (relative to it)
    /// and resolved against the file's directory.
    pub scenario: Option<ScenarioLink>,
    /// The file has a `[cluster]`: it is a scenario itself (steps with `say` and `ask`,
    /// expectations, and `check` on its questions), and `ksim check` runs it.
    pub own_scenario: bool,
    pub quiz: Vec<Question>,
}

impl Lesson {
    /// The scenario file the lesson plays: the lesson file itself when it has a `[cluster]`,
    /// else the shipped scenario it links, else none (CALC and LESSON lessons).
    pub fn scenario_file(&self) -> Option<PathBuf> {
        if self.own_scenario {
            Some(PathBuf::from(&self.file))
        } else {
            self.scenario.as_ref().map(|link| link.path.clone())
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioLink {
    pub written: String,
    pub path: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    /// One right answer.
    Single,
    /// Exactly two right answers, both needed.
    ChooseTwo,
    /// Exactly three right answers, all needed.
    ChooseThree,
}

impl QuestionKind {
    pub fn name(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::ChooseTwo => "choose-two",
            QuestionKind::ChooseThree => "choose-three",
        }
    }

    /// How many choices make an answer.
    pub fn answer_count(self) -> usize {
        match self {
            QuestionKind::Single => 1,
            QuestionKind::ChooseTwo => 2,
            QuestionKind::ChooseThree => 3,
        }
    }
}

/// An exam-style question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// `F22-1`: the fact (or syllabus topic, `S05-1`) it asks about, a dash, and a name unique
    /// among all questions.
    pub id: String,
    pub kind: QuestionKind,
    /// The syllabus area the question belongs to: its own `area`, else its lesson's.
    pub area: Area,
    /// The Kafka version the answer holds from, where a default changed then (`"3.0"`).
    pub since: Option<String>,
    pub question: Bilingual,
    /// A short Java or properties snippet the question asks about ("what does it print?"),
    /// shown under the question, the same in both languages.
    pub code: Option<String>,
    pub choices: Vec<Bilingual>,
    /// The right choices, 1-based as in the file, in ascending order.
    pub answer: Vec<usize>,
    pub explain: Bilingual,
}

impl Question {
    /// The fact (or syllabus topic) the question asks about: its id up to the first dash.
    pub fn fact(&self) -> &str {
        self.id.split('-').next().unwrap_or(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // LC_ALL wins over LC_MESSAGES over LANG; an empty value is skipped; ko… is Korean.
    #[test]
    fn language_from_locale() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        assert_eq!(Lang::from_locale(env(&[("LANG", "ko_KR.UTF-8")])), Lang::Ko);
        assert_eq!(Lang::from_locale(env(&[("LANG", "KO")])), Lang::Ko);
        assert_eq!(
            Lang::from_locale(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "ko_KR")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale(env(&[("LC_ALL", ""), ("LC_MESSAGES", "ko_KR")])),
            Lang::Ko
        );
        assert_eq!(Lang::from_locale(env(&[("LANG", "C.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_locale(env(&[])), Lang::En);
    }
}
