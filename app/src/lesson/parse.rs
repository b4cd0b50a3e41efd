//! Reads one lesson file: TOML into the raw structs below (unknown keys refused by serde), then
//! one pass of checks into a [`Lesson`]. Every error names file:line:column, from toml's span
//! for syntax and type errors and from a `toml::Spanned` value for the checks after parsing.
//!
//! A lesson that is also a scenario (cluster, steps, expectations) is read here for its
//! `[lesson]` and `[[quiz]]` tables only; the scenario's own keys are left to the scenario
//! parser.

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use ksim::config::nearest;

use super::{
    Area, Bilingual, Correction, Lesson, Question, QuestionKind, ScenarioLink, Teach, topics,
};

/// A lesson file the loader refuses: where (1-based line and column) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for LessonError {}

/// The facts of facts.md are numbered F01 to this.
pub const LAST_FACT: u32 = 54;

/// A quiz question offers this many choices, as the exam does.
const CHOICES: std::ops::RangeInclusive<usize> = 4..=5;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    lesson: Option<Spanned<RawLesson>>,
    #[serde(default)]
    quiz: Vec<Spanned<RawQuestion>>,
    // The scenario part of a lesson that is also a scenario; the scenario parser checks it.
    #[serde(rename = "name")]
    _name: Option<toml::Value>,
    #[serde(rename = "description")]
    _description: Option<toml::Value>,
    #[serde(rename = "facts")]
    _facts: Option<toml::Value>,
    #[serde(rename = "seed")]
    _seed: Option<toml::Value>,
    #[serde(rename = "duration")]
    _duration: Option<toml::Value>,
    #[serde(rename = "cluster")]
    _cluster: Option<toml::Value>,
    #[serde(rename = "network")]
    _network: Option<toml::Value>,
    #[serde(rename = "topics")]
    _topics: Option<toml::Value>,
    #[serde(rename = "producers")]
    _producers: Option<toml::Value>,
    #[serde(rename = "consumers")]
    _consumers: Option<toml::Value>,
    #[serde(rename = "streams")]
    _streams: Option<toml::Value>,
    #[serde(rename = "steps")]
    _steps: Option<toml::Value>,
    #[serde(rename = "expect")]
    _expect: Option<toml::Value>,
    #[serde(rename = "faults")]
    _faults: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    facts: Spanned<Vec<Spanned<String>>>,
    area: Spanned<String>,
    teach: Spanned<String>,
    title: Spanned<RawText>,
    text: Spanned<RawText>,
    correction: Option<Spanned<RawCorrection>>,
    calc: Option<Spanned<String>>,
    scenario: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    en: Option<Spanned<String>>,
    ko: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorrection {
    note: Spanned<RawText>,
    kafka: Spanned<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    kind: Option<Spanned<String>>,
    area: Option<Spanned<String>>,
    since: Option<Spanned<String>>,
    question: Spanned<RawText>,
    code: Option<Spanned<String>>,
    choices: Spanned<Vec<Spanned<RawText>>>,
    answer: Spanned<Vec<Spanned<i64>>>,
    explain: Spanned<RawText>,
    // What the marked answer claims, as expectations the scenario parser checks and
    // `ksim check` verifies.
    #[serde(rename = "check")]
    _check: Option<toml::Value>,
}

type Result<T> = std::result::Result<T, LessonError>;

/// Parses and checks a lesson file. `file` names it in messages; `dir`, the directory the file
/// is in, resolves its `scenario` link, which must exist and show one of the lesson's facts
/// (pass `None` to skip that check, as for text that is not in a file).
pub fn parse_lesson(text: &str, file: &str, dir: Option<&Path>) -> Result<Lesson> {
    let source = Source { text, file };
    let raw: RawFile = toml::from_str(text).map_err(|error| source.toml_error(error))?;
    let Some(lesson) = raw.lesson else {
        return Err(source.error(
            0..0,
            "missing `[lesson]` table; a lesson file has `[lesson]` (facts, area, teach, title, \
             text) and `[[quiz]]` questions",
        ));
    };
    let lesson_span = lesson.span();
    let lesson = lesson.into_inner();
    let facts = source.facts(&lesson.facts)?;
    let area = source.area(&lesson.area)?;
    let teach = source.teach(&lesson.teach)?;
    let title = source.text(&lesson.title, "lesson.title", true)?;
    let body = source.text(&lesson.text, "lesson.text", true)?;
    let correction = match &lesson.correction {
        None => None,
        Some(correction) => {
            let inner = correction.get_ref();
            Some(Correction {
                note: source.text(&inner.note, "lesson.correction.note", true)?,
                kafka: source.text(&inner.kafka, "lesson.correction.kafka", true)?,
            })
        }
    };
    let calc = match &lesson.calc {
        None if teach == Teach::Calc => {
            return Err(source.error(
                lesson_span,
                "a lesson with teach = \"calc\" needs `calc`, the ksim command that answers \
                 it, like calc = \"ksim connect-tasks --tables 3 --tasks-max 5\"",
            ));
        }
        None => None,
        Some(calc) => Some(source.calc(calc)?),
    };
    let own_scenario = raw._cluster.is_some();
    let scenario = match &lesson.scenario {
        None => None,
        Some(link) if own_scenario => {
            return Err(source.error(
                link.span(),
                "this lesson has its own [cluster], so it is its own scenario; remove \
                 `scenario`, or move the cluster, steps and expectations to the linked file",
            ));
        }
        Some(link) => Some(source.scenario_link(link, dir, &facts)?),
    };
    if own_scenario {
        // The scenario parser checks the cluster, steps (`ask` ids among them) and the
        // questions' `check` expectations, naming file:line:column as we do.
        ksim::scenario::parse(text, file).map_err(|error| LessonError {
            file: error.file,
            line: error.line,
            column: error.column,
            message: error.message,
        })?;
    } else if teach == Teach::Sim && scenario.is_none() {
        return Err(source.error(
            lesson_span,
            "a lesson with teach = \"sim\" shows its fact live: give it a scenario of its own \
             ([cluster], [[steps]], [[expect]]) or link one with scenario = \"../x.toml\"",
        ));
    }
    if raw.quiz.is_empty() {
        return Err(source.error(
            lesson_span,
            "a lesson needs at least one `[[quiz]]` question",
        ));
    }
    let mut quiz = Vec::with_capacity(raw.quiz.len());
    let mut ids = BTreeSet::new();
    for (index, question) in raw.quiz.iter().enumerate() {
        let question = source.question(question, index, &facts, area)?;
        if !ids.insert(question.id.clone()) {
            let span = raw.quiz[index].get_ref().id.span();
            return Err(source.error(
                span,
                format!(
                    "question id `{}` is used twice in this file; ids must be unique",
                    question.id
                ),
            ));
        }
        quiz.push(question);
    }
    let slug = Path::new(file)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    Ok(Lesson {
        file: file.to_string(),
        slug,
        facts,
        area,
        teach,
        title,
        text: body,
        correction,
        calc,
        scenario,
        own_scenario,
        quiz,
    })
}

#[derive(Clone, Copy)]
struct Source<'a> {
    text: &'a str,
    file: &'a str,
}

impl Source<'_> {
    /// The 1-based line and column (in characters) of a byte offset.
    fn position(&self, offset: usize) -> (u32, u32) {
        let pos = ksim::scenario::Pos::of(self.text, offset);
        (pos.line, pos.column)
    }

    fn error(&self, span: Range<usize>, message: impl Into<String>) -> LessonError {
        let (line, column) = self.position(span.start);
        LessonError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// toml's error in our words: unknown and missing keys name the table they are in, with
    /// the valid keys and the nearest one; other messages keep toml's words.
    fn toml_error(&self, error: toml::de::Error) -> LessonError {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().to_string();
        // The key path ("lesson.title") is only shown by Display when no input is set.
        let mut bare = error;
        bare.set_input(None);
        let shown = bare.to_string();
        let path = shown
            .lines()
            .find_map(|line| line.strip_prefix("in `")?.strip_suffix('`'))
            .unwrap_or("")
            .to_string();
        let table = if path.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in `{path}`")
        };
        let reworded = if let Some(rest) = message.strip_prefix("unknown field `") {
            let (field, rest) = rest.split_once('`').unwrap_or((rest, ""));
            let valid: Vec<&str> = rest
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|key| !key.starts_with('_'))
                .collect();
            let list: Vec<String> = valid.iter().map(|key| format!("`{key}`")).collect();
            match nearest(field, valid.iter().copied()) {
                Some(guess) => format!(
                    "unknown key `{field}` {table}, did you mean `{guess}`? valid keys: {}",
                    list.join(", ")
                ),
                None => format!(
                    "unknown key `{field}` {table}; valid keys: {}",
                    list.join(", ")
                ),
            }
        } else if let Some(rest) = message.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or(rest);
            format!("missing `{field}` {table}")
        } else if path.is_empty() {
            format!("invalid TOML: {message}")
        } else {
            format!("`{path}`: {message}")
        };
        self.error(span, reworded)
    }

    fn facts(&self, facts: &Spanned<Vec<Spanned<String>>>) -> Result<Vec<String>> {
        if facts.get_ref().is_empty() {
            return Err(self.error(
                facts.span(),
                "`facts` is empty; name the facts the lesson teaches, like [\"F22\"]",
            ));
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for fact in facts.get_ref() {
            let id = fact.get_ref();
            let number = id
                .strip_prefix('F')
                .filter(|digits| digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|digits| digits.parse::<u32>().ok());
            let is_fact = number.is_some_and(|n| (1..=LAST_FACT).contains(&n));
            if !is_fact && topics::find(id).is_none() {
                let last_topic = topics::TOPICS.last().map_or("S01", |topic| topic.id);
                return Err(self.error(
                    fact.span(),
                    format!(
                        "expected a fact id from F01 to F{LAST_FACT} or a syllabus topic from \
                         S01 to {last_topic}, found \"{id}\""
                    ),
                ));
            }
            if !seen.insert(id.clone()) {
                return Err(self.error(fact.span(), format!("fact {id} is listed twice")));
            }
            out.push(id.clone());
        }
        Ok(out)
    }

    fn area(&self, area: &Spanned<String>) -> Result<Area> {
        let name = area.get_ref();
        Area::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Area::ALL.iter().map(|area| area.name()).collect();
            let guess = nearest(name, names.iter().copied())
                .map(|guess| format!(", did you mean \"{guess}\"?"))
                .unwrap_or_default();
            self.error(
                area.span(),
                format!(
                    "unknown area \"{name}\"{guess}; areas: {}",
                    names.join(", ")
                ),
            )
        })
    }

    /// A Kafka version like `"3.0"` or `"2.4.1"`: numbers joined by dots.
    fn since(&self, since: &Spanned<String>) -> Result<String> {
        let text = since.get_ref().trim();
        let parts: Vec<&str> = text.split('.').collect();
        let valid = (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
        if !valid {
            return Err(self.error(
                since.span(),
                format!(
                    "`since` is the Kafka version the answer holds from, like \"3.0\", found \
                     \"{text}\""
                ),
            ));
        }
        Ok(text.to_string())
    }

    fn teach(&self, teach: &Spanned<String>) -> Result<Teach> {
        let name = teach.get_ref();
        Teach::ALL
            .into_iter()
            .find(|mode| mode.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Teach::ALL.iter().map(|mode| mode.name()).collect();
                let guess = nearest(name, names.iter().copied())
                    .map(|guess| format!(", did you mean \"{guess}\"?"))
                    .unwrap_or_default();
                self.error(
                    teach.span(),
                    format!(
                        "expected teach = \"sim\", \"calc\" or \"lesson\" (facts.md's column), \
                         found \"{name}\"{guess}"
                    ),
                )
            })
    }

    /// Both languages of a text; `prose` texts must have Hangul in their Korean (a choice
    /// may be a config name, the same in both).
    fn text(&self, text: &Spanned<RawText>, what: &str, prose: bool) -> Result<Bilingual> {
        let raw = text.get_ref();
        let en = self.language(raw.en.as_ref(), text.span(), what, "en", "English")?;
        let ko = self.language(raw.ko.as_ref(), text.span(), what, "ko", "Korean")?;
        if prose && !ko.chars().any(is_hangul) {
            let span = raw.ko.as_ref().map_or(text.span(), Spanned::span);
            return Err(self.error(
                span,
                format!(
                    "`{what}.ko` has no Korean (Hangul) text; write it for a Korean reader, \
                     leaving Kafka's config and API names as they are"
                ),
            ));
        }
        Ok(Bilingual { en, ko })
    }

    fn language(
        &self,
        value: Option<&Spanned<String>>,
        table: Range<usize>,
        what: &str,
        code: &str,
        language: &str,
    ) -> Result<String> {
        match value {
            None => Err(self.error(
                table,
                format!("`{what}` has no {language} text: missing `{code}`"),
            )),
            Some(value) if value.get_ref().trim().is_empty() => Err(self.error(
                value.span(),
                format!("`{what}.{code}` is empty; expected the {language} text"),
            )),
            Some(value) => Ok(value.get_ref().trim().to_string()),
        }
    }

    fn calc(&self, calc: &Spanned<String>) -> Result<String> {
        let command = calc.get_ref().trim();
        let words: Vec<&str> = command.split_whitespace().collect();
        if words.len() < 2 || words[0] != "ksim" {
            return Err(self.error(
                calc.span(),
                format!(
                    "`calc` must be a ksim command, like \"ksim retention --config \
                     log.retention.hours=168\", found \"{command}\""
                ),
            ));
        }
        if command.contains(['"', '\'', '\\', '|', ';', '&', '$', '`']) {
            return Err(self.error(
                calc.span(),
                "`calc` is split at spaces and run as is: no quotes, pipes or shell syntax",
            ));
        }
        Ok(words.join(" "))
    }

    fn scenario_link(
        &self,
        link: &Spanned<String>,
        dir: Option<&Path>,
        facts: &[String],
    ) -> Result<ScenarioLink> {
        let written = link.get_ref().trim().to_string();
        if !written.ends_with(".toml") {
            return Err(self.error(
                link.span(),
                format!("`scenario` must name a scenario file (*.toml), found \"{written}\""),
            ));
        }
        let Some(dir) = dir else {
            return Ok(ScenarioLink {
                path: written.clone().into(),
                written,
            });
        };
        let path = normalize(&dir.join(&written));
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => {
                return Err(self.error(
                    link.span(),
                    format!(
                        "scenario \"{written}\" cannot be read ({}): {error}",
                        path.display()
                    ),
                ));
            }
        };
        let label = path.display().to_string();
        let scenario = ksim::scenario::parse(&text, &label).map_err(|error| {
            self.error(
                link.span(),
                format!("scenario \"{written}\" does not parse: {error}"),
            )
        })?;
        if !facts.iter().any(|fact| scenario.facts.contains(fact)) {
            return Err(self.error(
                link.span(),
                format!(
                    "scenario \"{written}\" shows facts [{}], none of this lesson's [{}]",
                    scenario.facts.join(", "),
                    facts.join(", ")
                ),
            ));
        }
        Ok(ScenarioLink { written, path })
    }

    fn question(
        &self,
        raw: &Spanned<RawQuestion>,
        index: usize,
        facts: &[String],
        lesson_area: Area,
    ) -> Result<Question> {
        let number = index + 1;
        let q = raw.get_ref();
        let id = q.id.get_ref().trim().to_string();
        let fact_of_id = id.split_once('-').map(|(fact, rest)| (fact, rest.trim()));
        match fact_of_id {
            Some((fact, rest)) if facts.iter().any(|f| f == fact) && !rest.is_empty() => {}
            _ => {
                return Err(self.error(
                    q.id.span(),
                    format!(
                        "question id \"{id}\" must start with one of the lesson's facts and a \
                         dash, like \"{}-1\"",
                        facts[0]
                    ),
                ));
            }
        }
        let kind = match &q.kind {
            None => QuestionKind::Single,
            Some(kind) => match kind.get_ref().as_str() {
                "single" => QuestionKind::Single,
                "choose-two" => QuestionKind::ChooseTwo,
                "choose-three" => QuestionKind::ChooseThree,
                other => {
                    return Err(self.error(
                        kind.span(),
                        format!(
                            "expected kind = \"single\", \"choose-two\" or \"choose-three\", \
                             found \"{other}\""
                        ),
                    ));
                }
            },
        };
        let what = format!("quiz[{number}]");
        let area = match &q.area {
            None => lesson_area,
            Some(area) => self.area(area)?,
        };
        let since = match &q.since {
            None => None,
            Some(since) => Some(self.since(since)?),
        };
        let code = match &q.code {
            None => None,
            Some(code) if code.get_ref().trim().is_empty() => {
                return Err(self.error(
                    code.span(),
                    format!("`{what}.code` is empty; expected the snippet the question shows"),
                ));
            }
            Some(code) => Some(code.get_ref().trim_end().to_string()),
        };
        let question = self.text(&q.question, &format!("{what}.question"), true)?;
        let explain = self.text(&q.explain, &format!("{what}.explain"), true)?;
        let raw_choices = q.choices.get_ref();
        if !CHOICES.contains(&raw_choices.len()) {
            return Err(self.error(
                q.choices.span(),
                format!(
                    "a question offers 4 or 5 choices, found {}",
                    raw_choices.len()
                ),
            ));
        }
        let mut choices: Vec<Bilingual> = Vec::with_capacity(raw_choices.len());
        for (c, choice) in raw_choices.iter().enumerate() {
            let text = self.text(choice, &format!("{what}.choices[{}]", c + 1), false)?;
            if let Some(first) = choices.iter().position(|earlier| earlier.en == text.en) {
                return Err(self.error(
                    choice.span(),
                    format!("choice {} repeats choice {}", c + 1, first + 1),
                ));
            }
            choices.push(text);
        }
        let answer_list = q.answer.get_ref();
        let wanted = kind.answer_count();
        if answer_list.len() != wanted {
            return Err(self.error(
                q.answer.span(),
                format!(
                    "a {} question has {wanted} right {}, found {} in `answer`",
                    kind.name(),
                    if wanted == 1 { "choice" } else { "choices" },
                    answer_list.len()
                ),
            ));
        }
        let mut answer = Vec::with_capacity(wanted);
        for choice in answer_list {
            let value = *choice.get_ref();
            let valid = usize::try_from(value)
                .ok()
                .filter(|v| (1..=choices.len()).contains(v));
            let Some(value) = valid else {
                return Err(self.error(
                    choice.span(),
                    format!(
                        "`answer` counts choices from 1 to {}, found {value}",
                        choices.len()
                    ),
                ));
            };
            if answer.contains(&value) {
                return Err(self.error(
                    choice.span(),
                    format!("choice {value} is given twice in `answer`"),
                ));
            }
            answer.push(value);
        }
        answer.sort_unstable();
        Ok(Question {
            id,
            kind,
            area,
            since,
            question,
            code,
            choices,
            answer,
            explain,
        })
    }
}

/// The path with `.` and `dir/..` removed, without touching the file system, so that
/// `lessons/../x.toml` is shown as `x.toml`.
pub(crate) fn normalize(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().map(|c| c.as_os_str()).collect()
}

/// Hangul syllables and jamo: the Korean text of a lesson must have some.
fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

#[cfg(test)]
mod tests;
