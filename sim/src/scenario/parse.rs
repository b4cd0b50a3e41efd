//! Reads a scenario file: TOML into the raw structs of `raw.rs`, then one validation pass into
//! the resolved [`Scenario`] the engine runs.
//!
//! Every error names the file, line and column of the spot at fault: toml's span for syntax and
//! type errors, a `toml::Spanned` value for everything checked afterwards. Messages are lower
//! case without a final period and say what was expected and what was found; where Kafka itself
//! would refuse the same thing, they quote Kafka's words.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;

use super::{
    Action, Client, ConsumerSpec, Delivery, Expectation, Narration, NetworkSpec, OFFSETS_TOPIC,
    Pos, ProduceSpec, ProducerSpec, Scenario, Step, Subject, Subscription, TopicOrigin, TopicSpec,
};
use crate::config::{
    BrokerConfig, ConfigError, ConfigValue, ConsumerConfig, ProducerConfig, Setting, SettingPart,
    TopicConfig, nearest,
};
use crate::engine::ids::{BrokerId, ConsumerIdx, ProducerIdx, TopicId, TopicPartition};
use crate::engine::time::{SimTime, format_duration, parse_duration};

mod faults;
mod raw;
#[cfg(test)]
mod tests;

use raw::{
    BrokerLists, RawAddPartitions, RawConfig, RawConsumer, RawExpect, RawProduce, RawProducer,
    RawQuestion, RawScenario, RawSlow, RawStep, RawSubscribe, RawTopic,
};

/// A scenario file the parser refuses: where (1-based line and column) and why, shown as
/// `scenarios/x.toml:14:9: broker 4 does not exist; the cluster has brokers 1, 2, 3`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The most brokers a cluster may have. Kafka sets no limit; the simulation keeps per-broker
/// state in memory, and a lesson never needs more.
pub const MAX_BROKERS: u32 = 1_000;

/// The most partitions a topic may have, for the same reason.
pub const MAX_PARTITIONS: u32 = 10_000;

/// The most records one `produce` step may send.
pub const MAX_RECORDS_PER_STEP: u32 = 10_000_000;

/// The most records all the `produce` steps of a scenario may send together, so that a run's
/// records (each followed to its fate by the ledger) fit in memory.
pub const MAX_RECORDS_PER_SCENARIO: u64 = 10_000_000;

/// The error names a producer expectation may list in `errors`: the ones the simulated
/// brokers and clients produce, spelled as Kafka's `Errors` enum spells them, plus the client's
/// own `TimeoutException` (a record that outlived `delivery.timeout.ms` or `max.block.ms`).
pub const PRODUCER_ERRORS: &[&str] = &[
    "NOT_ENOUGH_REPLICAS",
    "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    "NOT_LEADER_OR_FOLLOWER",
    "LEADER_NOT_AVAILABLE",
    "UNKNOWN_TOPIC_OR_PARTITION",
    "REQUEST_TIMED_OUT",
    "NETWORK_EXCEPTION",
    "OUT_OF_ORDER_SEQUENCE_NUMBER",
    "DUPLICATE_SEQUENCE_NUMBER",
    "MESSAGE_TOO_LARGE",
    "INVALID_RECORD",
    "FENCED_LEADER_EPOCH",
    "UNKNOWN_LEADER_EPOCH",
    "CORRUPT_MESSAGE",
    "INVALID_REQUIRED_ACKS",
    "TimeoutException",
];

/// The error names a consumer expectation's `errors` may list: the group protocol's errors,
/// the fetch errors, and the client's own exceptions.
pub const CONSUMER_ERRORS: &[&str] = &[
    "CommitFailedException",
    "RebalanceInProgressException",
    "TimeoutException",
    "NoOffsetForPartitionException",
    "COORDINATOR_NOT_AVAILABLE",
    "NOT_COORDINATOR",
    "UNKNOWN_MEMBER_ID",
    "ILLEGAL_GENERATION",
    "REBALANCE_IN_PROGRESS",
    "FENCED_INSTANCE_ID",
    "INCONSISTENT_GROUP_PROTOCOL",
    "OFFSET_OUT_OF_RANGE",
    "UNKNOWN_TOPIC_OR_PARTITION",
    "NOT_LEADER_OR_FOLLOWER",
    "FENCED_LEADER_EPOCH",
    "UNKNOWN_LEADER_EPOCH",
    "NETWORK_EXCEPTION",
    "REQUEST_TIMED_OUT",
];

/// The facts of `facts.md` are numbered F01 to this.
const LAST_FACT: u32 = 54;

/// Parses scenario bytes as read from a file: refuses anything that is not UTF-8 text, with
/// the position of the first bad byte, then parses as [`parse`] does.
pub fn parse_bytes(bytes: &[u8], file: &str) -> std::result::Result<Scenario, ScenarioError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, file),
        Err(error) => {
            let good = error.valid_up_to();
            let before = std::str::from_utf8(&bytes[..good]).unwrap_or("");
            let source = Source { text: before, file };
            Err(source.error(
                good..good,
                format!(
                    "expected UTF-8 text, found the byte 0x{:02x}; a scenario is a TOML text file",
                    bytes[good]
                ),
            ))
        }
    }
}

/// Parses and checks a scenario. `file` is only used in messages (`scenarios/x.toml`).
pub fn parse(text: &str, file: &str) -> std::result::Result<Scenario, ScenarioError> {
    let source = Source { text, file };
    if let Some(offset) = text.find('\0') {
        return Err(source.error(
            offset..offset + 1,
            "expected TOML text, found a NUL byte; is this a binary file?",
        ));
    }
    let raw: RawScenario = toml::from_str(text).map_err(|error| source.toml_error(error))?;
    Checker::new(source).scenario(raw)
}

// ---------------------------------------------------------------------------------------------
// Positions and toml's errors.

#[derive(Clone, Copy)]
struct Source<'a> {
    text: &'a str,
    file: &'a str,
}

type Result<T> = std::result::Result<T, ScenarioError>;

/// Where a setting's name and value are, in the order of the settings handed to `resolve`.
type SettingSpans = (Range<usize>, Range<usize>);

impl<'a> Source<'a> {
    fn pos(&self, offset: usize) -> Pos {
        Pos::of(self.text, offset)
    }

    fn error(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        let pos = self.pos(span.start);
        ScenarioError {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// The source text of a span, if the span is sane.
    fn slice(&self, span: &Range<usize>) -> &'a str {
        self.text.get(span.clone()).unwrap_or("")
    }

    /// Turns toml's error into ours: syntax errors keep toml's words; serde's type and
    /// unknown-field errors are reworded with the key they are about.
    fn toml_error(&self, error: toml::de::Error) -> ScenarioError {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().to_string();
        // The key path ("steps.produce.count") is only shown by Display when no input is set.
        let mut bare = error;
        bare.set_input(None);
        let shown = bare.to_string();
        let path: Vec<&str> = shown
            .lines()
            .find_map(|line| line.strip_prefix("in `")?.strip_suffix('`'))
            .map(|path| path.split('.').collect())
            .unwrap_or_default();
        let message = self
            .serde_message(&message, &path, &span)
            .unwrap_or_else(|| self.syntax_message(&message, &span));
        self.error(span, message)
    }

    fn syntax_message(&self, message: &str, span: &Range<usize>) -> String {
        if message == "duplicate key" {
            let key = self
                .slice(span)
                .trim_matches(|c: char| c == '[' || c == ']' || c == '"' || c == '\'');
            return format!("`{key}` is defined twice; a key may appear only once in its table");
        }
        format!("invalid TOML: {message}")
    }

    /// Rewords serde's messages: `invalid type: string "3", expected i64` in `cluster.brokers`
    /// becomes `` `brokers`: expected an integer, found the string "3" ``.
    fn serde_message(&self, message: &str, path: &[&str], span: &Range<usize>) -> Option<String> {
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let (field, rest) = rest.split_once('`')?;
            let valid: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
            let list: Vec<String> = valid.iter().map(|v| format!("`{v}`")).collect();
            let table = table_name(path);
            return Some(match nearest(field, valid.iter().copied()) {
                Some(guess) => format!(
                    "unknown key `{field}` {table}, did you mean `{guess}`? valid keys: {}",
                    list.join(", ")
                ),
                None => format!(
                    "unknown key `{field}` {table}; valid keys: {}",
                    list.join(", ")
                ),
            });
        }
        if let Some(rest) = message.strip_prefix("missing field `") {
            let (field, _) = rest.split_once('`')?;
            return Some(format!("missing `{field}` {}", table_name(path)));
        }
        let rest = message
            .strip_prefix("invalid type: ")
            .or_else(|| message.strip_prefix("invalid value: "))?;
        let (found, expected) = rest.rsplit_once(", expected ")?;
        let source_text = self.slice(span);
        let top_table = match path {
            [only] => top_level_table(only),
            _ => None,
        };
        let expected = match top_table {
            Some(header) if header.starts_with("[[") => format!("an array of tables, {header}"),
            Some(header) => format!("a table, {header}"),
            None => match expected {
                "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" => {
                    "an integer".to_string()
                }
                "a boolean" => "true or false".to_string(),
                "a sequence" => "an array".to_string(),
                "a map" => "a table".to_string(),
                other if other.starts_with("struct ") => "a table".to_string(),
                other => other.to_string(),
            },
        };
        let found = if source_text.starts_with("[[") {
            format!("an array of tables, {source_text}")
        } else if let Some(s) = found.strip_prefix("string ") {
            format!("the string {s}")
        } else if let Some(v) = strip_ticked(found, "integer ")
            .or_else(|| strip_ticked(found, "floating point "))
            .or_else(|| strip_ticked(found, "boolean "))
        {
            v.to_string()
        } else if found == "sequence" {
            "an array".to_string()
        } else if found == "map" && source_text.starts_with(|c: char| c.is_ascii_digit()) {
            // toml hands dates and times to serde as maps.
            format!("the date-time {source_text}")
        } else if found == "map" {
            "a table".to_string()
        } else {
            found.to_string()
        };
        let key = path.last().map(|k| format!("`{k}`: ")).unwrap_or_default();
        Some(format!("{key}expected {expected}, found {found}"))
    }
}

/// `integer `5`` → `5`.
fn strip_ticked<'s>(text: &'s str, prefix: &str) -> Option<&'s str> {
    text.strip_prefix(prefix)?
        .strip_prefix('`')?
        .strip_suffix('`')
}

/// How a message names a top-level key that holds a table.
fn top_level_table(key: &str) -> Option<&'static str> {
    Some(match key {
        "cluster" => "[cluster]",
        "network" => "[network]",
        "topics" => "[[topics]]",
        "producers" => "[[producers]]",
        "consumers" => "[[consumers]]",
        "steps" => "[[steps]]",
        "expect" => "[[expect]]",
        "faults" => "[faults]",
        "lesson" => "[lesson]",
        "quiz" => "[[quiz]]",
        _ => return None,
    })
}

/// "at the top level", "in [cluster]", "in `produce`".
fn table_name(path: &[&str]) -> String {
    match path {
        [] => "at the top level".to_string(),
        [only] => match top_level_table(only) {
            Some(header) => format!("in {header}"),
            None => format!("in `{only}`"),
        },
        [.., last] => format!("in `{last}`"),
    }
}

/// How a message shows a TOML value: `5`, `"five"`, `an array`.
fn describe(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => format!("the date-time {d}"),
        toml::Value::Array(_) => "an array".to_string(),
        toml::Value::Table(_) => "a table".to_string(),
    }
}

/// "`a`, `b` or `c`".
fn one_of_keys(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// `"a", "b"`.
fn quoted_list<'s>(names: impl IntoIterator<Item = &'s str>) -> String {
    let quoted: Vec<String> = names.into_iter().map(|n| format!("\"{n}\"")).collect();
    quoted.join(", ")
}

// ---------------------------------------------------------------------------------------------
// The validation pass.

/// What the checks of later tables need to know about the earlier ones.
struct Checker<'a> {
    src: Source<'a>,
    brokers: u32,
    duration: SimTime,
    /// Names and where each was declared, for references and duplicate checks.
    topics: Vec<(String, Range<usize>)>,
    partitions: Vec<u32>,
    /// `add_partitions` steps that will grow a topic: (when, topic, the new total). Gathered
    /// leniently before the steps are checked, so that `assign` and expectations may name
    /// partitions that exist only later; the steps themselves are checked strictly in turn.
    growth: Vec<(SimTime, TopicId, u32)>,
    producers: Vec<(String, Range<usize>)>,
    consumers: Vec<(String, Range<usize>)>,
    group_names: Vec<String>,
    /// Per consumer: whether it has a group, and whether it subscribes.
    consumer_kinds: Vec<(bool, bool)>,
    /// The ids of a lesson file's `[[quiz]]` questions, which `ask` steps name.
    quiz_ids: Vec<String>,
}

impl<'a> Checker<'a> {
    fn new(src: Source<'a>) -> Checker<'a> {
        Checker {
            src,
            brokers: 0,
            duration: SimTime::ZERO,
            topics: Vec::new(),
            partitions: Vec::new(),
            growth: Vec::new(),
            producers: Vec::new(),
            consumers: Vec::new(),
            group_names: Vec::new(),
            consumer_kinds: Vec::new(),
            quiz_ids: Vec::new(),
        }
    }

    /// Scenario steps never write to, or grow, Kafka's internal topic.
    fn not_internal(&self, name: &Spanned<String>, topic: TopicId, what: &str) -> Result<()> {
        if self.topics[topic.0 as usize].0 != OFFSETS_TOPIC {
            return Ok(());
        }
        self.fail(
            name.span(),
            format!(
                "cannot {what} __consumer_offsets: only group coordinators write it, and its \
                 partition count decides every group's coordinator"
            ),
        )
    }

    fn fail<T>(&self, span: Range<usize>, message: impl Into<String>) -> Result<T> {
        Err(self.src.error(span, message))
    }

    fn pos(&self, span: &Range<usize>) -> Pos {
        self.src.pos(span.start)
    }

    fn scenario(mut self, raw: RawScenario) -> Result<Scenario> {
        let RawScenario {
            name,
            description,
            facts,
            seed,
            duration,
            cluster,
            network,
            topics,
            producers,
            consumers,
            steps,
            expect,
            faults,
            lesson,
            quiz,
        } = raw;
        let nothing = name.is_none()
            && description.is_none()
            && facts.is_none()
            && seed.is_none()
            && duration.is_none()
            && cluster.is_none()
            && network.is_none()
            && topics.is_empty()
            && producers.is_empty()
            && consumers.is_empty()
            && steps.is_empty()
            && expect.is_empty()
            && faults.is_none();
        if nothing && let Some(lesson) = &lesson {
            let facts: Vec<&str> = lesson
                .get_ref()
                .get("facts")
                .and_then(|f| f.as_array())
                .map(|f| f.iter().filter_map(|f| f.as_str()).collect())
                .unwrap_or_default();
            let facts = if facts.is_empty() {
                "<fact id>".to_string()
            } else {
                facts.join(",")
            };
            let first = facts.split(',').next().unwrap_or_default().to_string();
            return self.fail(
                0..0,
                format!("this is a lesson with no [cluster] to run: read it with `ksim learn {first}` and practise with `ksim quiz --facts {facts}`"),
            );
        }
        if nothing {
            return self.fail(
                0..0,
                "the file is empty; a scenario needs at least `name` and a [cluster] with `brokers`",
            );
        }
        let Some(name) = name else {
            return self.fail(
                0..0,
                "missing `name`: a scenario starts with one, such as name = \"acks=1 can lose a record\"",
            );
        };
        let name_span = name.span();
        let name = name.into_inner();
        if name.trim().is_empty() {
            return self.fail(name_span, "`name`: expected a name, found an empty string");
        }
        let description = description.map(Spanned::into_inner);
        let facts = match facts {
            Some(facts) => self.facts(facts.into_inner())?,
            None => lesson_facts(lesson.as_ref()),
        };
        self.quiz_ids = self.quiz_ids(&quiz)?;
        let seed = match seed {
            Some(seed) => Some(self.int(&seed, "seed", 0, i64::MAX)? as u64),
            None => None,
        };
        self.duration = match &duration {
            Some(duration) => {
                let d = self.duration_value(duration, "duration")?;
                if d == SimTime::ZERO {
                    return self.fail(
                        duration.span(),
                        format!(
                            "`duration`: expected a run longer than zero, found {}",
                            describe(duration.get_ref())
                        ),
                    );
                }
                if d > MAX_DURATION {
                    return self.fail(
                        duration.span(),
                        format!(
                            "`duration`: expected at most \"24h\" (a day of simulated time), found {}",
                            describe(duration.get_ref())
                        ),
                    );
                }
                d
            }
            None => SimTime::from_secs(60),
        };

        let Some(cluster) = cluster else {
            return self.fail(
                0..0,
                "missing [cluster]: a scenario needs its brokers, such as [cluster] brokers = 3",
            );
        };
        let cluster_span = cluster.span();
        let cluster = cluster.into_inner();
        let Some(brokers) = &cluster.brokers else {
            return self.fail(
                cluster_span,
                "missing `brokers` in [cluster], such as brokers = 3",
            );
        };
        self.brokers = self.int(brokers, "brokers", 1, i64::from(MAX_BROKERS))? as u32;
        let broker_config = match &cluster.config {
            Some(config) => {
                let (settings, spans) = self.settings(config);
                BrokerConfig::resolve(&settings)
                    .map_err(|e| self.config_error(e, &spans, config.span()))?
            }
            None => BrokerConfig::default(),
        };

        let network = match network {
            Some(network) => match &network.get_ref().latency {
                Some(latency) => self.latency(latency)?,
                None => default_network(),
            },
            None => default_network(),
        };

        let mut topic_specs = Vec::new();
        for topic in &topics {
            let spec = self.topic(topic, &broker_config)?;
            self.topics.push((spec.name.clone(), topic.span()));
            self.partitions.push(spec.partitions);
            topic_specs.push(spec);
        }

        self.later_topics(&consumers, &steps, &broker_config, &mut topic_specs)?;

        let mut producer_specs = Vec::new();
        for producer in &producers {
            let (name, name_span) =
                self.client_name(producer.get_ref().name.as_ref(), producer, "producer")?;
            let (config, given) = match &producer.get_ref().config {
                Some(config) => {
                    let (settings, spans) = self.settings(config);
                    let given: Vec<String> = settings.iter().map(|s| s.name.clone()).collect();
                    let resolved = ProducerConfig::resolve(&settings)
                        .map_err(|e| self.config_error(e, &spans, config.span()))?;
                    (resolved, given)
                }
                None => (ProducerConfig::default(), Vec::new()),
            };
            self.required_configs(producer, &name, &config, &given)?;
            self.producers.push((name.clone(), name_span));
            producer_specs.push(ProducerSpec { name, config });
        }
        for consumer in &consumers {
            let (name, name_span) =
                self.client_name(consumer.get_ref().name.as_ref(), consumer, "consumer")?;
            self.consumers.push((name, name_span));
        }

        self.growth = self.lenient_growth(&steps);
        let mut consumer_specs = Vec::new();
        for (index, consumer) in consumers.iter().enumerate() {
            let name = self.consumers[index].0.clone();
            consumer_specs.push(self.consumer(consumer, name)?);
        }
        self.consumer_kinds = consumer_specs
            .iter()
            .map(|c| {
                let subscribes = matches!(c.subscription, Subscription::Topics(_));
                (c.group.is_some(), subscribes)
            })
            .collect();

        let explicit_offsets_rf = cluster.config.as_ref().is_some_and(|c| {
            c.get_ref()
                .keys()
                .any(|k| k.get_ref() == "offsets.topic.replication.factor")
        });
        let groups = self.groups(
            &consumers,
            &consumer_specs,
            &broker_config,
            explicit_offsets_rf,
            &mut topic_specs,
        )?;
        let steps = self.steps(&steps)?;
        let faults = faults.as_ref().map(|f| self.faults(f)).transpose()?;
        let expectations = expect
            .iter()
            .map(|e| self.expectation(e))
            .collect::<Result<Vec<_>>>()?;
        let mut expectations = expectations;
        for question in &quiz {
            expectations.extend(self.quiz_checks(question)?);
        }

        Ok(Scenario {
            file: self.src.file.to_string(),
            name,
            description,
            facts,
            seed,
            duration: self.duration,
            brokers: self.brokers,
            broker_config,
            network,
            topics: topic_specs,
            groups,
            producers: producer_specs,
            consumers: consumer_specs,
            steps,
            expectations,
            faults,
        })
    }

    /// `facts = ["F17"]`: ids of `facts.md`, F01 to F54.
    fn facts(&self, facts: Vec<Spanned<String>>) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for fact in facts {
            let id = fact.get_ref();
            let number = id
                .strip_prefix('F')
                .filter(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u32>().ok());
            match number {
                Some(n) if (1..=LAST_FACT).contains(&n) => ids.push(id.clone()),
                _ => {
                    return self.fail(
                        fact.span(),
                        format!(
                            "fact {id:?} is not an id from facts.md; expected F01 to F{LAST_FACT}"
                        ),
                    );
                }
            }
        }
        Ok(ids)
    }

    /// An integer within `min..=max`, for a key whose name the message gives.
    fn int(&self, value: &Spanned<i64>, key: &str, min: i64, max: i64) -> Result<i64> {
        let n = *value.get_ref();
        if n < min || n > max {
            let expected = if max == i64::MAX {
                format!("an integer of at least {min}")
            } else {
                format!("an integer from {min} to {max}")
            };
            return self.fail(
                value.span(),
                format!("`{key}`: expected {expected}, found {n}"),
            );
        }
        Ok(n)
    }

    /// A non-negative count (`acked_lost = 1`).
    fn count(&self, value: &Spanned<i64>, key: &str) -> Result<u64> {
        Ok(self.int(value, key, 0, i64::MAX)? as u64)
    }

    /// A duration written with its unit (`"250ms"`); a bare number is refused because its unit
    /// would be a guess.
    fn duration_value(&self, value: &Spanned<toml::Value>, key: &str) -> Result<SimTime> {
        match value.get_ref() {
            toml::Value::String(text) if text.trim_start().starts_with('-') => self.fail(
                value.span(),
                format!("`{key}`: expected a duration of zero or more, found {text:?}"),
            ),
            toml::Value::String(text) => parse_duration(text)
                .map_err(|message| self.src.error(value.span(), format!("`{key}`: {message}"))),
            toml::Value::Integer(n) => self.fail(
                value.span(),
                format!(
                    "`{key}`: expected a duration with a unit such as \"{n}ms\" or \"{n}s\", found {n}"
                ),
            ),
            other => self.fail(
                value.span(),
                format!(
                    "`{key}`: expected a duration such as \"250ms\" or \"30s\", found {}",
                    describe(other)
                ),
            ),
        }
    }

    /// A moment of the run: no later than its end.
    fn moment(&self, value: &Spanned<toml::Value>, what: &str) -> Result<SimTime> {
        let at = self.duration_value(value, "at")?;
        if at > self.duration {
            return self.fail(
                value.span(),
                format!(
                    "{what} at {} comes after the run ends at {}",
                    format_duration(at),
                    format_duration(self.duration)
                ),
            );
        }
        Ok(at)
    }

    /// `[network] latency`: one duration, or `[min, max]` drawn uniformly.
    fn latency(&self, value: &Spanned<toml::Value>) -> Result<NetworkSpec> {
        let expected =
            "`latency`: expected a duration such as \"1ms\" or a range such as [\"1ms\", \"5ms\"]";
        match value.get_ref() {
            toml::Value::Array(bounds) => {
                let [min, max] = bounds.as_slice() else {
                    return self.fail(
                        value.span(),
                        format!("{expected}, found an array of {} values", bounds.len()),
                    );
                };
                let bound = |v: &toml::Value| {
                    let spanned = Spanned::new(value.span(), v.clone());
                    self.duration_value(&spanned, "latency")
                };
                let (latency_min, latency_max) = (bound(min)?, bound(max)?);
                if latency_min > latency_max {
                    return self.fail(
                        value.span(),
                        format!(
                            "`latency`: expected [min, max] with min no larger than max, found [\"{}\", \"{}\"]",
                            format_duration(latency_min),
                            format_duration(latency_max)
                        ),
                    );
                }
                Ok(NetworkSpec {
                    latency_min,
                    latency_max,
                })
            }
            toml::Value::String(_) | toml::Value::Integer(_) => {
                let latency = self.duration_value(value, "latency")?;
                Ok(NetworkSpec {
                    latency_min: latency,
                    latency_max: latency,
                })
            }
            other => self.fail(
                value.span(),
                format!("{expected}, found {}", describe(other)),
            ),
        }
    }

    /// A `config` table as a list of settings in file order, with the spans of each name and
    /// value so that a [`ConfigError`] can point at the right one.
    fn settings(&self, config: &Spanned<RawConfig>) -> (Vec<Setting>, Vec<SettingSpans>) {
        let mut entries: Vec<_> = config.get_ref().iter().collect();
        entries.sort_by_key(|(name, _)| name.span().start);
        let mut settings = Vec::new();
        let mut spans = Vec::new();
        for (name, value) in entries {
            let value_of = match value.get_ref() {
                toml::Value::String(s) => ConfigValue::Str(s.clone()),
                toml::Value::Integer(n) => ConfigValue::Int(*n),
                toml::Value::Float(f) => ConfigValue::Float(*f),
                toml::Value::Boolean(b) => ConfigValue::Bool(*b),
                toml::Value::Datetime(_) => ConfigValue::Other("a date-time"),
                toml::Value::Array(_) => ConfigValue::Other("an array"),
                toml::Value::Table(_) => ConfigValue::Other("a table"),
            };
            settings.push(Setting::new(name.get_ref().clone(), value_of));
            spans.push((name.span(), value.span()));
        }
        (settings, spans)
    }

    fn config_error(
        &self,
        error: ConfigError,
        spans: &[SettingSpans],
        table: Range<usize>,
    ) -> ScenarioError {
        let span = match error.setting.and_then(|i| spans.get(i)) {
            Some((name, _)) if error.part == SettingPart::Name => name.clone(),
            Some((_, value)) => value.clone(),
            None => table,
        };
        self.src.error(span, error.message)
    }

    fn broker(&self, value: &Spanned<i64>) -> Result<BrokerId> {
        let n = *value.get_ref();
        if n >= 1 && n <= i64::from(self.brokers) {
            return Ok(BrokerId(n as u32));
        }
        self.fail(
            value.span(),
            format!("broker {n} does not exist; {}", self.broker_list()),
        )
    }

    /// "the cluster has brokers 1, 2, 3".
    fn broker_list(&self) -> String {
        match self.brokers {
            1 => "the cluster has one broker, 1".to_string(),
            n @ 2..=8 => {
                let ids: Vec<String> = (1..=n).map(|b| b.to_string()).collect();
                format!("the cluster has brokers {}", ids.join(", "))
            }
            n => format!("the cluster has brokers 1 to {n}"),
        }
    }

    /// Broker lists (`partition = [[1], [2, 3]]`), each broker existing and named once.
    fn broker_lists(&self, lists: &BrokerLists, key: &str) -> Result<Vec<Vec<BrokerId>>> {
        let mut seen = BTreeSet::new();
        let mut groups = Vec::new();
        for list in lists {
            if list.get_ref().is_empty() {
                return self.fail(
                    list.span(),
                    format!("`{key}`: expected a list of brokers, found an empty list"),
                );
            }
            let mut group = Vec::new();
            for broker in list.get_ref() {
                let id = self.broker(broker)?;
                if !seen.insert(id) {
                    return self.fail(
                        broker.span(),
                        format!(
                            "broker {} is named twice in `{key}`; a broker belongs to one group",
                            id.0
                        ),
                    );
                }
                group.push(id);
            }
            groups.push(group);
        }
        Ok(groups)
    }

    fn topic_id(&self, name: &Spanned<String>) -> Result<TopicId> {
        let wanted = name.get_ref();
        if let Some(index) = self.topics.iter().position(|(n, _)| n == wanted) {
            return Ok(TopicId(index as u32));
        }
        let names = self.topics.iter().map(|(n, _)| n.as_str());
        let message = match nearest(wanted, names.clone()) {
            Some(guess) => format!("topic {wanted:?} does not exist, did you mean \"{guess}\"?"),
            None if self.topics.is_empty() => {
                format!("topic {wanted:?} does not exist; the scenario declares no [[topics]]")
            }
            None => format!(
                "topic {wanted:?} does not exist; the scenario has {} {}",
                if self.topics.len() == 1 {
                    "topic"
                } else {
                    "topics"
                },
                quoted_list(names)
            ),
        };
        self.fail(name.span(), message)
    }

    /// Topics that do not exist at the start: those a `create_topic` step creates, then those
    /// a client names but nothing declares, which a metadata request may auto-create (R11).
    /// A name close to a declared topic's is left alone, so that the usual "did you mean"
    /// error catches the typo instead of a silent new topic.
    fn later_topics(
        &mut self,
        consumers: &[Spanned<RawConsumer>],
        steps: &[Spanned<RawStep>],
        broker: &BrokerConfig,
        specs: &mut Vec<TopicSpec>,
    ) -> Result<()> {
        for step in steps {
            let Some(create) = &step.get_ref().create_topic else {
                continue;
            };
            let mut spec = self.topic(create, broker)?;
            if let Some((_, first)) = self.topics.iter().find(|(n, _)| *n == spec.name) {
                let name_span = create
                    .get_ref()
                    .name
                    .as_ref()
                    .map_or(create.span(), |n| n.span());
                let where_ = if first.is_empty() {
                    "it is Kafka's own topic".to_string()
                } else {
                    format!("it is declared at line {}", self.pos(first).line)
                };
                return self.fail(
                    name_span,
                    format!(
                        "topic {:?} already exists ({where_}); create_topic would fail with TOPIC_ALREADY_EXISTS",
                        spec.name
                    ),
                );
            }
            spec.origin = TopicOrigin::Step;
            self.topics.push((spec.name.clone(), create.span()));
            self.partitions.push(spec.partitions);
            specs.push(spec);
        }
        let declared: Vec<String> = self.topics.iter().map(|(n, _)| n.clone()).collect();
        let mut named: Vec<&Spanned<String>> = Vec::new();
        for consumer in consumers {
            let raw = consumer.get_ref();
            named.extend(raw.subscribe.iter().flat_map(|s| s.get_ref()));
        }
        let assigned: Vec<Spanned<String>> = consumers
            .iter()
            .flat_map(|c| c.get_ref().assign.iter().flat_map(|a| a.get_ref()))
            .filter_map(|tp| {
                let (topic, p) = tp.get_ref().rsplit_once('-')?;
                (!topic.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| Spanned::new(tp.span(), topic.to_string()))
            })
            .collect();
        named.extend(assigned.iter());
        for step in steps {
            let raw = step.get_ref();
            named.extend(
                raw.produce
                    .iter()
                    .filter_map(|p| p.get_ref().topic.as_ref()),
            );
            named.extend(
                raw.subscribe
                    .iter()
                    .filter_map(|s| s.get_ref().topics.as_ref())
                    .flat_map(|t| t.get_ref()),
            );
        }
        for name in named {
            let wanted = name.get_ref();
            let known = self.topics.iter().any(|(n, _)| n == wanted);
            let typo = nearest(wanted, declared.iter().map(String::as_str)).is_some();
            if known || typo || wanted.is_empty() || wanted == OFFSETS_TOPIC {
                continue;
            }
            self.topic_name(name)?;
            if broker.num_partitions > MAX_PARTITIONS {
                return self.fail(
                    name.span(),
                    format!(
                        "topic {wanted:?} would be auto-created with num.partitions ({}), above ksim's limit of {MAX_PARTITIONS}",
                        broker.num_partitions
                    ),
                );
            }
            self.topics.push((wanted.clone(), name.span()));
            self.partitions.push(broker.num_partitions);
            specs.push(TopicSpec {
                name: wanted.clone(),
                partitions: broker.num_partitions,
                replication_factor: broker.default_replication_factor,
                replicas: None,
                config: TopicConfig::resolve(broker, &[]).expect("no settings, nothing to refuse"),
                internal: false,
                origin: TopicOrigin::Auto,
            });
        }
        Ok(())
    }

    /// How many partitions a topic has at `at`, after any `add_partitions` up to then.
    fn partitions_at(&self, topic: TopicId, at: SimTime) -> u32 {
        let initial = self.partitions[topic.0 as usize];
        self.growth
            .iter()
            .filter(|(when, t, _)| *t == topic && *when <= at)
            .map(|(_, _, count)| *count)
            .fold(initial, u32::max)
    }

    /// Checks that partition `p` of `topic` exists at `at`.
    fn partition_exists(
        &self,
        topic: TopicId,
        p: i64,
        at: SimTime,
        span: Range<usize>,
    ) -> Result<u32> {
        let count = self.partitions_at(topic, at);
        let name = &self.topics[topic.0 as usize].0;
        if p >= 0 && p < i64::from(count) {
            return Ok(p as u32);
        }
        let grows = self.growth.iter().any(|(_, t, _)| *t == topic);
        let when = if grows {
            format!(" at {}", format_duration(at))
        } else {
            String::new()
        };
        let has = match count {
            1 => "has 1 partition, 0".to_string(),
            n => format!("has {n} partitions, 0 to {}", n - 1),
        };
        self.fail(
            span,
            format!("partition {name}-{p} does not exist; topic {name:?} {has}{when}"),
        )
    }

    /// `"orders-0"`: a topic, a dash, a partition number; the topic name may hold dashes.
    fn topic_partition(&self, value: &Spanned<String>, at: SimTime) -> Result<TopicPartition> {
        let text = value.get_ref();
        let split = text.rsplit_once('-').filter(|(topic, p)| {
            !topic.is_empty() && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
        });
        let Some((topic, p)) = split else {
            return self.fail(
                value.span(),
                format!(
                    "expected a partition such as \"orders-0\" (the topic, a dash, the partition number), found {text:?}"
                ),
            );
        };
        let topic = self.topic_id(&Spanned::new(value.span(), topic.to_string()))?;
        let p = p.parse::<i64>().unwrap_or(i64::MAX);
        let partition = self.partition_exists(topic, p, at, value.span())?;
        Ok(TopicPartition::new(topic, partition))
    }

    /// A list of partitions, each named once.
    fn topic_partitions(
        &self,
        list: &Spanned<Vec<Spanned<String>>>,
        key: &str,
        at: SimTime,
    ) -> Result<Vec<TopicPartition>> {
        let mut partitions = Vec::new();
        for item in list.get_ref() {
            let tp = self.topic_partition(item, at)?;
            if partitions.contains(&tp) {
                return self.fail(
                    item.span(),
                    format!("`{key}` names {} twice", item.get_ref()),
                );
            }
            partitions.push(tp);
        }
        Ok(partitions)
    }

    /// Kafka's rule for topic names: 1 to 249 of ASCII letters, digits, `.`, `_` and `-`, and
    /// not `.` or `..`.
    fn topic_name(&self, name: &Spanned<String>) -> Result<String> {
        let text = name.get_ref();
        let legal = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
        if text.is_empty() || text == "." || text == ".." || text.len() > 249 || !legal {
            return self.fail(
                name.span(),
                format!(
                    "expected a topic name of 1 to 249 ASCII letters, digits, '.', '_' or '-' (not \".\" or \"..\"), found {text:?}"
                ),
            );
        }
        if text == OFFSETS_TOPIC {
            return self.fail(
                name.span(),
                "__consumer_offsets is Kafka's internal topic of committed offsets; the cluster \
                 creates it for consumer groups, so a scenario cannot declare it",
            );
        }
        if let Some((_, first)) = self.topics.iter().find(|(n, _)| n == text) {
            return self.fail(
                name.span(),
                format!(
                    "topic {text:?} is declared twice; the first is at line {}",
                    self.pos(first).line
                ),
            );
        }
        Ok(text.clone())
    }

    fn topic(&self, table: &Spanned<RawTopic>, broker: &BrokerConfig) -> Result<TopicSpec> {
        let raw = table.get_ref();
        let Some(name) = &raw.name else {
            return self.fail(
                table.span(),
                "missing `name` in [[topics]], such as name = \"orders\"",
            );
        };
        let name = self.topic_name(name)?;
        let max_partitions = i64::from(MAX_PARTITIONS);
        let replicas = match &raw.replicas {
            Some(lists) => Some(self.replica_lists(lists)?),
            None => None,
        };
        let partitions = match (&raw.partitions, &replicas) {
            (Some(p), Some(replicas)) => {
                let p = self.int(p, "partitions", 1, max_partitions)? as u32;
                if replicas.len() != p as usize {
                    let lists = raw.replicas.as_ref().map_or(table.span(), |r| r.span());
                    return self.fail(
                        lists,
                        format!(
                            "`replicas` has {} lists but `partitions` is {p}; give one replica list per partition",
                            replicas.len()
                        ),
                    );
                }
                p
            }
            (Some(p), None) => self.int(p, "partitions", 1, max_partitions)? as u32,
            (None, Some(replicas)) => replicas.len() as u32,
            (None, None) if broker.num_partitions > MAX_PARTITIONS => {
                return self.fail(
                    table.span(),
                    format!(
                        "the broker's num.partitions ({}) is above ksim's limit of {MAX_PARTITIONS} \
                         partitions per topic; give this topic `partitions`",
                        broker.num_partitions
                    ),
                );
            }
            (None, None) => broker.num_partitions,
        };
        let (replication_factor, span) = match (&raw.replication_factor, &replicas) {
            (Some(rf), _) => (
                self.int(rf, "replication_factor", 1, i64::from(i16::MAX))? as u32,
                rf.span(),
            ),
            (None, Some(replicas)) => (
                replicas.first().map_or(1, Vec::len) as u32,
                raw.replicas.as_ref().map_or(table.span(), |r| r.span()),
            ),
            (None, None) => (broker.default_replication_factor, table.span()),
        };
        if replication_factor > self.brokers {
            let source = if raw.replication_factor.is_some() || replicas.is_some() {
                ""
            } else {
                " (the broker's default.replication.factor)"
            };
            return self.fail(
                span,
                format!(
                    "replication factor {replication_factor}{source} is larger than the cluster of {} broker{}; \
                     Kafka refuses: \"The target replication factor of {replication_factor} cannot be reached \
                     because only {} broker(s) are registered.\"",
                    self.brokers,
                    if self.brokers == 1 { "" } else { "s" },
                    self.brokers
                ),
            );
        }
        if let (Some(replicas), Some(lists)) = (&replicas, &raw.replicas) {
            for (p, (list, raw_list)) in replicas.iter().zip(lists.get_ref()).enumerate() {
                if list.len() as u32 != replication_factor {
                    return self.fail(
                        raw_list.span(),
                        format!(
                            "partition {p} has {} replicas but the replication factor is {replication_factor}; \
                             every partition of a topic has the same number of replicas",
                            list.len()
                        ),
                    );
                }
            }
        }
        let config = match &raw.config {
            Some(config) => {
                let (settings, spans) = self.settings(config);
                TopicConfig::resolve(broker, &settings)
                    .map_err(|e| self.config_error(e, &spans, config.span()))?
            }
            None => TopicConfig::resolve(broker, &[]).expect("no settings, nothing to refuse"),
        };
        Ok(TopicSpec {
            name,
            partitions,
            replication_factor,
            replicas,
            config,
            internal: false,
            origin: TopicOrigin::Start,
        })
    }

    /// `replicas = [[1, 2, 3], [2, 3, 1]]`: one non-empty list of existing, distinct brokers
    /// per partition.
    fn replica_lists(&self, lists: &Spanned<BrokerLists>) -> Result<Vec<Vec<BrokerId>>> {
        if lists.get_ref().is_empty() {
            return self.fail(
                lists.span(),
                "`replicas`: expected one list of brokers per partition, found an empty list",
            );
        }
        if lists.get_ref().len() > MAX_PARTITIONS as usize {
            return self.fail(
                lists.span(),
                format!("`replicas`: ksim simulates at most {MAX_PARTITIONS} partitions per topic"),
            );
        }
        let mut result = Vec::new();
        for (p, list) in lists.get_ref().iter().enumerate() {
            if list.get_ref().is_empty() {
                return self.fail(
                    list.span(),
                    format!(
                        "`replicas`: expected the brokers of partition {p}, found an empty list"
                    ),
                );
            }
            let mut replicas = Vec::new();
            for broker in list.get_ref() {
                let id = self.broker(broker)?;
                if replicas.contains(&id) {
                    return self.fail(
                        broker.span(),
                        format!(
                            "broker {} is listed twice for partition {p}; Kafka refuses: \"The manual \
                             partition assignment includes the broker {} more than once.\"",
                            id.0, id.0
                        ),
                    );
                }
                replicas.push(id);
            }
            result.push(replicas);
        }
        Ok(result)
    }

    /// `required_configs = "strict"` (R6.1, F22): the producer must be built the way
    /// `new KafkaProducer<>(props)` accepts it. `key.serializer` and `value.serializer` have no
    /// default, so `ConfigDef.parse` refuses first; `bootstrap.servers` defaults to an empty
    /// list in Kafka 4.0, which the constructor then refuses. `acks` is not required: it
    /// defaults to all. The default, `"lenient"`, lets scenarios leave all three out.
    fn required_configs(
        &self,
        table: &Spanned<RawProducer>,
        name: &str,
        config: &ProducerConfig,
        given: &[String],
    ) -> Result<()> {
        let Some(mode) = &table.get_ref().required_configs else {
            return Ok(());
        };
        match mode.get_ref().as_str() {
            "lenient" => return Ok(()),
            "strict" => {}
            other => {
                return self.fail(
                    mode.span(),
                    format!(
                        "`required_configs`: expected \"strict\" or \"lenient\", found {other:?}"
                    ),
                );
            }
        }
        let missing_serializer = [
            ("key.serializer", &config.key_serializer),
            ("value.serializer", &config.value_serializer),
        ]
        .into_iter()
        .find(|(_, value)| value.as_deref().is_none_or(|v| v.trim().is_empty()))
        .map(|(key, _)| key);
        let kafka_says = match missing_serializer {
            Some(key) => format!(
                "Kafka's ConfigException: \"Missing required configuration \"{key}\" which has no default value.\""
            ),
            None if config
                .bootstrap_servers
                .as_deref()
                .is_none_or(|v| v.split(',').all(|url| url.trim().is_empty())) =>
            {
                "Kafka's ConfigException: \"No resolvable bootstrap urls given in bootstrap.servers\" (bootstrap.servers defaults to an empty list)".to_string()
            }
            None => return Ok(()),
        };
        let key = missing_serializer.unwrap_or("bootstrap.servers");
        let acks = if given.iter().any(|g| g == "acks") {
            ""
        } else {
            "; acks is not required, it defaults to \"all\""
        };
        self.fail(
            table.span(),
            format!(
                "producer {name:?} has required_configs = \"strict\" but no {key:?} in its config; the constructor throws {kafka_says}{acks}"
            ),
        )
    }

    /// A client's name: present, and unique among producers and consumers, since steps name
    /// clients without saying which kind they are.
    fn client_name<T>(
        &self,
        name: Option<&Spanned<String>>,
        table: &Spanned<T>,
        kind: &str,
    ) -> Result<(String, Range<usize>)> {
        let Some(name) = name else {
            return self.fail(
                table.span(),
                format!("missing `name` in [[{kind}s]], such as name = \"app\""),
            );
        };
        let text = name.get_ref();
        if text.trim().is_empty() {
            return self.fail(
                name.span(),
                "`name`: expected a name, found an empty string",
            );
        }
        let earlier = self
            .producers
            .iter()
            .map(|p| ("producer", p))
            .chain(self.consumers.iter().map(|c| ("consumer", c)))
            .find(|(_, (n, _))| n == text);
        if let Some((other, (_, span))) = earlier {
            return self.fail(
                name.span(),
                format!(
                    "the name {text:?} is taken by the {other} at line {}; client names must be unique because steps refer to them by name",
                    self.pos(span).line
                ),
            );
        }
        Ok((text.clone(), name.span()))
    }

    fn consumer(&self, table: &Spanned<RawConsumer>, name: String) -> Result<ConsumerSpec> {
        let raw = table.get_ref();
        let (mut settings, mut spans) = match &raw.config {
            Some(config) => self.settings(config),
            None => (Vec::new(), Vec::new()),
        };
        if let Some(group) = &raw.group {
            if group.get_ref().trim().is_empty() {
                return self.fail(
                    group.span(),
                    "`group`: expected a group name, found an empty string",
                );
            }
            if let Some(i) = settings.iter().position(|s| s.name == "group.id") {
                return self.fail(
                    spans[i].0.clone(),
                    "the group is given twice, as `group` and as config \"group.id\"; keep `group`",
                );
            }
            // `group = "g1"` is the scenario's spelling of `group.id`; resolving it as one lets
            // Kafka's rules about groups (auto-commit needs one) apply unchanged.
            settings.push(Setting::new(
                "group.id",
                ConfigValue::Str(group.get_ref().clone()),
            ));
            spans.push((group.span(), group.span()));
        }
        let table_span = raw.config.as_ref().map_or(table.span(), |c| c.span());
        let config = ConsumerConfig::resolve(&settings)
            .map_err(|e| self.config_error(e, &spans, table_span))?;
        let group = config.group_id.clone();

        let subscription = match (&raw.subscribe, &raw.assign) {
            (Some(_), Some(assign)) => {
                return self.fail(
                    assign.span(),
                    "a consumer cannot both subscribe and assign; Kafka throws IllegalStateException: \
                     \"Subscription to topics, partitions and pattern are mutually exclusive\"",
                );
            }
            (Some(subscribe), None) => {
                if subscribe.get_ref().is_empty() {
                    return self.fail(
                        subscribe.span(),
                        "`subscribe`: expected at least one topic, found an empty list",
                    );
                }
                if group.is_none() {
                    return self.fail(
                        subscribe.span(),
                        "`subscribe` needs a consumer group, such as group = \"g1\"; Kafka throws \
                         InvalidGroupIdException: \"To use the group management or offset commit APIs, \
                         you must provide a valid group.id in the consumer configuration.\"",
                    );
                }
                let mut topics = Vec::new();
                for topic in subscribe.get_ref() {
                    let id = self.topic_id(topic)?;
                    if topics.contains(&id) {
                        return self.fail(
                            topic.span(),
                            format!("`subscribe` names topic {:?} twice", topic.get_ref()),
                        );
                    }
                    topics.push(id);
                }
                Subscription::Topics(topics)
            }
            (None, Some(assign)) => {
                if assign.get_ref().is_empty() {
                    return self.fail(
                        assign.span(),
                        "`assign`: expected at least one partition, found an empty list",
                    );
                }
                Subscription::Partitions(self.topic_partitions(assign, "assign", self.duration)?)
            }
            (None, None) => {
                return self.fail(
                    table.span(),
                    format!(
                        "consumer {name:?} reads nothing: give `subscribe = [\"topic\"]` or `assign = [\"topic-0\"]`"
                    ),
                );
            }
        };
        let start = match &raw.start {
            Some(start) => {
                let at = self.duration_value(start, "start")?;
                if at > self.duration {
                    return self.fail(
                        start.span(),
                        format!(
                            "consumer {name:?} starts at {}, after the run ends at {}",
                            format_duration(at),
                            format_duration(self.duration)
                        ),
                    );
                }
                at
            }
            None => SimTime::ZERO,
        };
        let processing = match &raw.processing {
            Some(p) => self.duration_value(p, "processing")?,
            None => SimTime::ZERO,
        };
        let delivery = match &raw.delivery {
            None => Delivery::Auto,
            Some(d) => match d.get_ref().as_str() {
                "at-most-once" => Delivery::AtMostOnce,
                "at-least-once" => Delivery::AtLeastOnce,
                other => {
                    return self.fail(
                        d.span(),
                        format!(
                            "`delivery`: expected \"at-most-once\" (commit, then process) or \
                             \"at-least-once\" (process, then commit), found {other:?}"
                        ),
                    );
                }
            },
        };
        if delivery != Delivery::Auto
            && group.is_none()
            && let Some(d) = &raw.delivery
        {
            return self.fail(
                d.span(),
                "`delivery` commits offsets, which needs a consumer group, such as group = \"g1\"",
            );
        }
        Ok(ConsumerSpec {
            name,
            group,
            subscription,
            config,
            start,
            processing,
            delivery,
        })
    }

    /// The groups the consumers use; with any, the cluster has `__consumer_offsets`, with
    /// `offsets.topic.num.partitions` partitions of `offsets.topic.replication.factor`
    /// replicas, added after the scenario's topics. A cluster smaller than the default
    /// replication factor of 3 gets one replica per broker (Kafka would refuse to create the
    /// topic, and the trace says so); a factor set explicitly above the broker count is an
    /// error.
    fn groups(
        &mut self,
        raw: &[Spanned<RawConsumer>],
        consumers: &[ConsumerSpec],
        broker: &BrokerConfig,
        explicit_rf: bool,
        topics: &mut Vec<TopicSpec>,
    ) -> Result<Vec<String>> {
        let mut groups: Vec<String> = Vec::new();
        for spec in consumers {
            if let Some(g) = &spec.group
                && !groups.contains(g)
            {
                groups.push(g.clone());
            }
        }
        self.group_names = groups.clone();
        let Some(first) = consumers.iter().position(|c| c.group.is_some()) else {
            return Ok(groups);
        };
        let mut rf = broker.offsets_topic_replication_factor;
        if rf > self.brokers && !explicit_rf {
            // Scenarios written before groups had a coordinator keep working: the default
            // replication factor shrinks to the cluster, and the trace says Kafka would refuse.
            rf = self.brokers;
        }
        if rf > self.brokers {
            let span = raw[first]
                .get_ref()
                .group
                .as_ref()
                .map_or(raw[first].span(), Spanned::span);
            return self.fail(
                span,
                format!(
                    "consumer group {:?} needs the internal topic __consumer_offsets, created with \
                     offsets.topic.replication.factor={rf} replicas, but the cluster has {} broker{}; \
                     Kafka cannot create it and answers COORDINATOR_NOT_AVAILABLE: set \
                     \"offsets.topic.replication.factor\" = {} in [cluster] config",
                    groups[0],
                    self.brokers,
                    if self.brokers == 1 { "" } else { "s" },
                    self.brokers
                ),
            );
        }
        let partitions = broker.offsets_topic_num_partitions;
        if partitions > MAX_PARTITIONS {
            return self.fail(
                raw[first].span(),
                format!(
                    "offsets.topic.num.partitions ({partitions}) is above ksim's limit of \
                     {MAX_PARTITIONS} partitions per topic; __consumer_offsets cannot be made"
                ),
            );
        }
        topics.push(TopicSpec {
            name: OFFSETS_TOPIC.to_string(),
            partitions,
            replication_factor: rf,
            replicas: None,
            // Kafka creates it compacted, with `offsets.topic.segment.bytes` (100 MiB)
            // segments, so that only each group's latest commit per partition stays.
            config: TopicConfig::resolve(
                broker,
                &[
                    Setting::new("cleanup.policy", ConfigValue::Str("compact".into())),
                    Setting::new("segment.bytes", ConfigValue::Int(104_857_600)),
                ],
            )
            .expect("valid settings"),
            internal: true,
            origin: TopicOrigin::Start,
        });
        self.topics.push((OFFSETS_TOPIC.to_string(), 0..0));
        self.partitions.push(partitions);
        Ok(groups)
    }

    /// The partition counts `add_partitions` steps will set, read without complaint; the
    /// strict checks come with the steps.
    fn lenient_growth(&self, steps: &[Spanned<RawStep>]) -> Vec<(SimTime, TopicId, u32)> {
        let mut growth = Vec::new();
        for step in steps {
            let step = step.get_ref();
            let Some(add) = &step.add_partitions else {
                continue;
            };
            let add = add.get_ref();
            let at = step
                .at
                .as_ref()
                .and_then(|at| self.duration_value(at, "at").ok());
            let topic = add.topic.as_ref().and_then(|t| self.topic_id(t).ok());
            let count = add
                .count
                .as_ref()
                .map(|c| *c.get_ref())
                .filter(|c| (1..=i64::from(MAX_PARTITIONS)).contains(c));
            if let (Some(at), Some(topic), Some(count)) = (at, topic, count) {
                growth.push((at, topic, count as u32));
            }
        }
        growth
    }

    fn steps(&self, raw: &[Spanned<RawStep>]) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        let mut records = 0u64;
        for table in raw {
            let step = self.step(table)?;
            if let Action::Produce(spec) = &step.0.action {
                records += u64::from(spec.count);
                if records > MAX_RECORDS_PER_SCENARIO {
                    let span = table
                        .get_ref()
                        .produce
                        .as_ref()
                        .map_or(table.span(), |p| p.span());
                    return self.fail(
                        span,
                        format!(
                            "the steps send {records} records up to here, more than the {MAX_RECORDS_PER_SCENARIO} a scenario may send: every record is followed from send to fate, and more would not fit in memory"
                        ),
                    );
                }
            }
            steps.push(step);
        }
        // Stable: steps at the same time keep their file order.
        steps.sort_by_key(|(step, _)| step.at);
        // Kafka only ever adds partitions: each add_partitions must raise the count.
        let mut counts = self.partitions.clone();
        for (step, count_span) in &steps {
            if let Action::AddPartitions { topic, count } = &step.action {
                let current = counts[topic.0 as usize];
                let name = &self.topics[topic.0 as usize].0;
                if *count <= current {
                    let kafka = if *count == current {
                        format!("Topic already has {current} partition(s).")
                    } else {
                        format!(
                            "The topic {name} currently has {current} partition(s); {count} would not be an increase."
                        )
                    };
                    return self.fail(
                        count_span.clone(),
                        format!(
                            "`count`: topic {name:?} has {current} partitions at {}, so the new total must be larger; \
                             Kafka refuses with InvalidPartitionsException: \"{kafka}\"",
                            format_duration(step.at)
                        ),
                    );
                }
                counts[topic.0 as usize] = *count;
            }
        }
        Ok(steps.into_iter().map(|(step, _)| step).collect())
    }

    /// One step; also returns the span of an `add_partitions` count for the ordering check.
    fn step(&self, table: &Spanned<RawStep>) -> Result<(Step, Range<usize>)> {
        let raw = table.get_ref();
        let Some(at) = &raw.at else {
            return self.fail(
                table.span(),
                "missing `at` in [[steps]]: when the step happens, such as at = \"10ms\"",
            );
        };
        let at = self.moment(at, "the step")?;
        let present: Vec<(&str, Range<usize>)> = [
            ("produce", raw.produce.as_ref().map(Spanned::span)),
            ("crash", raw.crash.as_ref().map(Spanned::span)),
            ("restart", raw.restart.as_ref().map(Spanned::span)),
            ("power_loss", raw.power_loss.as_ref().map(Spanned::span)),
            ("isolate", raw.isolate.as_ref().map(Spanned::span)),
            ("partition", raw.partition.as_ref().map(Spanned::span)),
            ("heal", raw.heal.as_ref().map(Spanned::span)),
            ("slow", raw.slow.as_ref().map(Spanned::span)),
            (
                "add_partitions",
                raw.add_partitions.as_ref().map(Spanned::span),
            ),
            ("start", raw.start.as_ref().map(Spanned::span)),
            ("stop", raw.stop.as_ref().map(Spanned::span)),
            ("commit", raw.commit.as_ref().map(Spanned::span)),
            ("subscribe", raw.subscribe.as_ref().map(Spanned::span)),
            ("create_topic", raw.create_topic.as_ref().map(Spanned::span)),
            ("delete_topic", raw.delete_topic.as_ref().map(Spanned::span)),
            ("say", raw.say.as_ref().map(Spanned::span)),
            ("ask", raw.ask.as_ref().map(Spanned::span)),
        ]
        .into_iter()
        .filter_map(|(key, span)| Some((key, span?)))
        .collect();
        let mut by_position = present.clone();
        by_position.sort_by_key(|(_, span)| span.start);
        match by_position.as_slice() {
            [] => {
                return self.fail(
                    table.span(),
                    format!(
                        "a step needs one action ({}), found none",
                        one_of_keys(ACTIONS)
                    ),
                );
            }
            [_] => {}
            [(first, _), (second, second_span), ..] => {
                return self.fail(
                    second_span.clone(),
                    format!(
                        "a step takes one action, found `{first}` and `{second}`; give each its own [[steps]]"
                    ),
                );
            }
        }
        let mut count_span = 0..0;
        let action = if let Some(produce) = &raw.produce {
            Action::Produce(self.produce(produce, at)?)
        } else if let Some(target) = &raw.crash {
            match target.get_ref() {
                toml::Value::Integer(b) => {
                    Action::Crash(self.broker(&Spanned::new(target.span(), *b))?)
                }
                toml::Value::String(name) => {
                    let name = Spanned::new(target.span(), name.clone());
                    Action::CrashConsumer(self.consumer_idx(&name)?)
                }
                other => {
                    return self.fail(
                        target.span(),
                        format!(
                            "`crash`: expected a broker id or a consumer's name, found {}",
                            describe(other)
                        ),
                    );
                }
            }
        } else if let Some(commit) = &raw.commit {
            self.commit(commit)?
        } else if let Some(subscribe) = &raw.subscribe {
            self.subscribe_step(subscribe)?
        } else if let Some(b) = &raw.restart {
            Action::Restart(self.broker(b)?)
        } else if let Some(b) = &raw.power_loss {
            Action::PowerLoss(self.broker(b)?)
        } else if let Some(b) = &raw.isolate {
            Action::Isolate(self.broker(b)?)
        } else if let Some(groups) = &raw.partition {
            if groups.get_ref().len() < 2 {
                return self.fail(
                    groups.span(),
                    format!(
                        "`partition`: expected at least two groups of brokers, such as [[1], [2, 3]], found {}",
                        match groups.get_ref().len() {
                            0 => "none".to_string(),
                            _ => "one".to_string(),
                        }
                    ),
                );
            }
            Action::Partition(self.broker_lists(groups.get_ref(), "partition")?)
        } else if let Some(heal) = &raw.heal {
            if !*heal.get_ref() {
                return self.fail(
                    heal.span(),
                    "`heal`: expected true (heal removes every network fault), found false",
                );
            }
            Action::Heal
        } else if let Some(slow) = &raw.slow {
            self.slow(slow)?
        } else if let Some(add) = &raw.add_partitions {
            let (action, span) = self.add_partitions(add)?;
            count_span = span;
            action
        } else if let Some(create) = &raw.create_topic {
            let name = create
                .get_ref()
                .name
                .as_ref()
                .expect("later_topics checked every create_topic");
            Action::CreateTopic(self.topic_id(name)?)
        } else if let Some(name) = &raw.delete_topic {
            let topic = self.topic_id(name)?;
            self.not_internal(name, topic, "delete")?;
            Action::DeleteTopic(topic)
        } else if let Some(client) = &raw.start {
            Action::Start(self.client(client)?)
        } else if let Some(client) = &raw.stop {
            Action::Stop(self.client(client)?)
        } else if let Some(say) = &raw.say {
            Action::Say(self.say(say)?)
        } else if let Some(id) = &raw.ask {
            Action::Ask(self.ask(id)?)
        } else {
            unreachable!("exactly one action was found above")
        };
        Ok((
            Step {
                at,
                action,
                pos: self.pos(&table.span()),
            },
            count_span,
        ))
    }

    /// `commit = "reader"` (commitSync) or `commit = { consumer = "reader", sync = false }`.
    fn commit(&self, value: &Spanned<toml::Value>) -> Result<Action> {
        let (name, sync) = match value.get_ref() {
            toml::Value::String(name) => (Spanned::new(value.span(), name.clone()), true),
            toml::Value::Table(table) => {
                if let Some(key) = table.keys().find(|k| *k != "consumer" && *k != "sync") {
                    return self.fail(
                        value.span(),
                        format!("`commit`: unknown key `{key}`; expected `consumer` and `sync`"),
                    );
                }
                let Some(toml::Value::String(name)) = table.get("consumer") else {
                    return self.fail(value.span(), "`commit`: expected consumer = \"name\"");
                };
                let sync = match table.get("sync") {
                    None => true,
                    Some(toml::Value::Boolean(b)) => *b,
                    Some(other) => {
                        return self.fail(
                            value.span(),
                            format!("`sync`: expected true or false, found {}", describe(other)),
                        );
                    }
                };
                (Spanned::new(value.span(), name.clone()), sync)
            }
            other => {
                return self.fail(
                    value.span(),
                    format!(
                        "`commit`: expected a consumer's name or {{ consumer = \"name\", sync = false }}, found {}",
                        describe(other)
                    ),
                );
            }
        };
        let consumer = self.consumer_idx(&name)?;
        if !self.consumer_kinds[consumer.0 as usize].0 {
            return self.fail(
                value.span(),
                format!(
                    "consumer {:?} has no group to commit to; give it `group`",
                    name.get_ref()
                ),
            );
        }
        Ok(Action::Commit { consumer, sync })
    }

    /// `subscribe = { consumer = "reader", topics = ["a", "b"] }`: a new subscription.
    fn subscribe_step(&self, table: &Spanned<RawSubscribe>) -> Result<Action> {
        let raw = table.get_ref();
        let Some(name) = &raw.consumer else {
            return self.fail(table.span(), "missing `consumer` in `subscribe`");
        };
        let consumer = self.consumer_idx(name)?;
        if !self.consumer_kinds[consumer.0 as usize].1 {
            return self.fail(
                name.span(),
                format!(
                    "consumer {:?} assigns its partitions; only a consumer that subscribes (with a \
                     group) can change its subscription, and Kafka refuses to mix the two \
                     (IllegalStateException)",
                    name.get_ref()
                ),
            );
        }
        let Some(topics) = &raw.topics else {
            return self.fail(table.span(), "missing `topics` in `subscribe`");
        };
        if topics.get_ref().is_empty() {
            return self.fail(
                topics.span(),
                "`topics`: expected at least one topic, found an empty list",
            );
        }
        let mut ids = Vec::new();
        for topic in topics.get_ref() {
            let id = self.topic_id(topic)?;
            if self.topics[id.0 as usize].0 == OFFSETS_TOPIC {
                return self.fail(
                    topic.span(),
                    "a consumer cannot subscribe to __consumer_offsets here",
                );
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(Action::Subscribe {
            consumer,
            topics: ids,
        })
    }

    fn produce(&self, table: &Spanned<RawProduce>, at: SimTime) -> Result<ProduceSpec> {
        let raw = table.get_ref();
        let missing = |key: &str, example: &str| {
            self.src.error(
                table.span(),
                format!("missing `{key}` in `produce`, such as {key} = {example}"),
            )
        };
        let producer = raw
            .producer
            .as_ref()
            .ok_or_else(|| missing("producer", "\"app\""))?;
        let producer = self.producer(producer)?;
        let topic_name = raw
            .topic
            .as_ref()
            .ok_or_else(|| missing("topic", "\"orders\""))?;
        let topic = self.topic_id(topic_name)?;
        self.not_internal(topic_name, topic, "produce to")?;
        let count = match &raw.count {
            Some(count) => self.int(count, "count", 1, i64::from(MAX_RECORDS_PER_STEP))? as u32,
            None => 1,
        };
        let keys = match (&raw.key, &raw.keys) {
            (Some(_), Some(keys)) => {
                return self.fail(
                    keys.span(),
                    "`key` and `keys` cannot both be given; `key = \"k\"` is short for `keys = [\"k\"]`",
                );
            }
            (Some(key), None) => vec![Arc::from(key.get_ref().as_str())],
            (None, Some(keys)) => {
                if keys.get_ref().is_empty() {
                    return self.fail(
                        keys.span(),
                        "`keys`: expected at least one key, found an empty list (leave `keys` out for null keys)",
                    );
                }
                keys.get_ref()
                    .iter()
                    .map(|k| Arc::from(k.get_ref().as_str()))
                    .collect()
            }
            (None, None) => Vec::new(),
        };
        let partition = match &raw.partition {
            Some(p) => Some(self.partition_exists(topic, *p.get_ref(), at, p.span())?),
            None => None,
        };
        let rate_per_sec = match &raw.rate {
            Some(rate) => Some(self.rate(rate)?),
            None => None,
        };
        let tombstone = raw.tombstone.as_ref().is_some_and(|t| *t.get_ref());
        if let (true, Some(value)) = (tombstone, &raw.value) {
            return self.fail(
                value.span(),
                "`value` and `tombstone = true` cannot both be given: a tombstone's value is null",
            );
        }
        if tombstone && keys.is_empty() {
            let span = raw.tombstone.as_ref().expect("tombstone is set").span();
            return self.fail(
                span,
                "`tombstone = true` needs a `key` or `keys`: a tombstone deletes a key",
            );
        }
        Ok(ProduceSpec {
            producer,
            topic,
            count,
            keys,
            value: raw.value.as_ref().map(|v| Arc::from(v.get_ref().as_str())),
            tombstone,
            partition,
            rate_per_sec,
        })
    }

    /// A list of offsets in increasing order (`segments`, `offsets`).
    fn offset_list(
        &self,
        list: &Option<Spanned<Vec<Spanned<i64>>>>,
        key: &str,
    ) -> Result<Option<Vec<u64>>> {
        let Some(list) = list else {
            return Ok(None);
        };
        let mut offsets: Vec<u64> = Vec::new();
        for value in list.get_ref() {
            let offset = self.count(value, key)?;
            if offsets.last().is_some_and(|&last| last >= offset) {
                return self.fail(
                    value.span(),
                    format!(
                        "`{key}`: expected offsets in increasing order, found {offset} after {}",
                        offsets.last().expect("just seen")
                    ),
                );
            }
            offsets.push(offset);
        }
        Ok(Some(offsets))
    }

    /// `rate = "500/s"`: records per second.
    fn rate(&self, value: &Spanned<toml::Value>) -> Result<u64> {
        let parsed = match value.get_ref() {
            toml::Value::String(text) => text
                .trim()
                .strip_suffix("/s")
                .and_then(|n| n.trim().parse::<u64>().ok())
                .filter(|n| *n >= 1),
            _ => None,
        };
        match parsed {
            Some(rate) => Ok(rate),
            None => self.fail(
                value.span(),
                format!(
                    "`rate`: expected records per second such as \"500/s\", found {}",
                    describe(value.get_ref())
                ),
            ),
        }
    }

    fn slow(&self, table: &Spanned<RawSlow>) -> Result<Action> {
        let raw = table.get_ref();
        let Some(broker) = &raw.broker else {
            return self.fail(
                table.span(),
                "missing `broker` in `slow`, such as broker = 2",
            );
        };
        let Some(latency) = &raw.latency else {
            return self.fail(
                table.span(),
                "missing `latency` in `slow`, such as latency = \"200ms\"",
            );
        };
        Ok(Action::Slow {
            broker: self.broker(broker)?,
            latency: self.duration_value(latency, "latency")?,
        })
    }

    fn add_partitions(&self, table: &Spanned<RawAddPartitions>) -> Result<(Action, Range<usize>)> {
        let raw = table.get_ref();
        let Some(topic) = &raw.topic else {
            return self.fail(
                table.span(),
                "missing `topic` in `add_partitions`, such as topic = \"orders\"",
            );
        };
        let Some(count) = &raw.count else {
            return self.fail(
                table.span(),
                "missing `count` in `add_partitions`: the new total, such as count = 4",
            );
        };
        let topic_id = self.topic_id(topic)?;
        self.not_internal(topic, topic_id, "add partitions to")?;
        let topic = topic_id;
        let total = self.int(count, "count", 1, i64::from(MAX_PARTITIONS))? as u32;
        Ok((
            Action::AddPartitions {
                topic,
                count: total,
            },
            count.span(),
        ))
    }

    fn producer(&self, name: &Spanned<String>) -> Result<ProducerIdx> {
        let wanted = name.get_ref();
        if let Some(i) = self.producers.iter().position(|(n, _)| n == wanted) {
            return Ok(ProducerIdx(i as u32));
        }
        if self.consumers.iter().any(|(n, _)| n == wanted) {
            return self.fail(
                name.span(),
                format!("{wanted:?} is a consumer; only a producer can produce"),
            );
        }
        self.fail(
            name.span(),
            self.unknown("producer", wanted, &self.producers),
        )
    }

    fn consumer_idx(&self, name: &Spanned<String>) -> Result<ConsumerIdx> {
        let wanted = name.get_ref();
        if let Some(i) = self.consumers.iter().position(|(n, _)| n == wanted) {
            return Ok(ConsumerIdx(i as u32));
        }
        if self.producers.iter().any(|(n, _)| n == wanted) {
            return self.fail(
                name.span(),
                format!("{wanted:?} is a producer, not a consumer"),
            );
        }
        self.fail(
            name.span(),
            self.unknown("consumer", wanted, &self.consumers),
        )
    }

    fn client(&self, name: &Spanned<String>) -> Result<Client> {
        let wanted = name.get_ref();
        if let Some(i) = self.producers.iter().position(|(n, _)| n == wanted) {
            return Ok(Client::Producer(ProducerIdx(i as u32)));
        }
        if let Some(i) = self.consumers.iter().position(|(n, _)| n == wanted) {
            return Ok(Client::Consumer(ConsumerIdx(i as u32)));
        }
        let all: Vec<(String, Range<usize>)> = self
            .producers
            .iter()
            .chain(self.consumers.iter())
            .cloned()
            .collect();
        self.fail(name.span(), self.unknown("client", wanted, &all))
    }

    /// "producer "ap" does not exist, did you mean "app"?"
    fn unknown(&self, kind: &str, wanted: &str, known: &[(String, Range<usize>)]) -> String {
        let names = known.iter().map(|(n, _)| n.as_str());
        match nearest(wanted, names.clone()) {
            Some(guess) => format!("{kind} {wanted:?} does not exist, did you mean \"{guess}\"?"),
            None if known.is_empty() => {
                format!("{kind} {wanted:?} does not exist; there are no {kind}s")
            }
            None => format!(
                "{kind} {wanted:?} does not exist; the {kind}s are {}",
                quoted_list(names)
            ),
        }
    }

    fn expectation(&self, table: &Spanned<RawExpect>) -> Result<Expectation> {
        let raw = table.get_ref();
        let at = match &raw.at {
            Some(at) => Some(self.moment(at, "the expectation")?),
            None => None,
        };
        let when = at.unwrap_or(self.duration);
        let first_span = |spans: &[Option<Range<usize>>]| {
            spans.iter().flatten().min_by_key(|s| s.start).cloned()
        };
        let ledger = first_span(&[
            raw.acked_lost.as_ref().map(Spanned::span),
            raw.duplicated.as_ref().map(Spanned::span),
            raw.reordered.as_ref().map(Spanned::span),
            raw.moved_keys.as_ref().map(Spanned::span),
            raw.removed.as_ref().map(Spanned::span),
        ]);
        let mut subjects: Vec<(&str, Range<usize>)> = [
            (
                "the ledger (acked_lost, duplicated, reordered, moved_keys, removed)",
                ledger.clone(),
            ),
            ("`partition`", raw.partition.as_ref().map(Spanned::span)),
            ("`producer`", raw.producer.as_ref().map(Spanned::span)),
            ("`consumer`", raw.consumer.as_ref().map(Spanned::span)),
            ("`group`", raw.group.as_ref().map(Spanned::span)),
        ]
        .into_iter()
        .filter_map(|(name, span)| Some((name, span?)))
        .collect();
        subjects.sort_by_key(|(_, span)| span.start);

        // Keys that belong to one subject, to say which subject is missing when they appear
        // without it or next to another one.
        let owned: Vec<(&str, &str, Option<Range<usize>>)> = vec![
            (
                "leader",
                "partition",
                raw.leader.as_ref().map(Spanned::span),
            ),
            (
                "offline",
                "partition",
                raw.offline.as_ref().map(Spanned::span),
            ),
            ("isr", "partition", raw.isr.as_ref().map(Spanned::span)),
            (
                "high_watermark",
                "partition",
                raw.high_watermark.as_ref().map(Spanned::span),
            ),
            (
                "leader_epoch",
                "partition",
                raw.leader_epoch.as_ref().map(Spanned::span),
            ),
            ("leo", "partition", raw.leo.as_ref().map(Spanned::span)),
            ("log", "partition", raw.log.as_ref().map(Spanned::span)),
            (
                "log_start_offset",
                "partition",
                raw.log_start_offset.as_ref().map(Spanned::span),
            ),
            (
                "segments",
                "partition",
                raw.segments.as_ref().map(Spanned::span),
            ),
            (
                "offsets",
                "partition",
                raw.offsets.as_ref().map(Spanned::span),
            ),
            ("acked", "producer", raw.acked.as_ref().map(Spanned::span)),
            ("failed", "producer", raw.failed.as_ref().map(Spanned::span)),
            ("errors", "producer", raw.errors.as_ref().map(Spanned::span)),
            (
                "batches",
                "producer",
                raw.batches.as_ref().map(Spanned::span),
            ),
            (
                "requests",
                "producer",
                raw.requests.as_ref().map(Spanned::span),
            ),
            (
                "records_per_batch",
                "producer",
                raw.records_per_batch.as_ref().map(Spanned::span),
            ),
            (
                "received",
                "consumer",
                raw.received.as_ref().map(Spanned::span),
            ),
            ("values", "consumer", raw.values.as_ref().map(Spanned::span)),
            (
                "assignment",
                "consumer",
                raw.assignment.as_ref().map(Spanned::span),
            ),
            (
                "processed",
                "consumer",
                raw.processed.as_ref().map(Spanned::span),
            ),
            ("idle", "consumer", raw.idle.as_ref().map(Spanned::span)),
            ("lag", "consumer", raw.lag.as_ref().map(Spanned::span)),
            (
                "records_lag_max",
                "consumer",
                raw.records_lag_max.as_ref().map(Spanned::span),
            ),
            (
                "rebalances",
                "consumer",
                raw.rebalances.as_ref().map(Spanned::span),
            ),
            (
                "committed",
                "group",
                raw.committed.as_ref().map(Spanned::span),
            ),
            (
                "generation",
                "group",
                raw.generation.as_ref().map(Spanned::span),
            ),
            ("state", "group", raw.state.as_ref().map(Spanned::span)),
            ("members", "group", raw.members.as_ref().map(Spanned::span)),
            (
                "coordinator",
                "group",
                raw.coordinator.as_ref().map(Spanned::span),
            ),
            ("lost", "group", raw.lost.as_ref().map(Spanned::span)),
            (
                "reprocessed",
                "group",
                raw.reprocessed.as_ref().map(Spanned::span),
            ),
        ];
        let examples = [
            ("partition", "partition = \"orders-0\""),
            ("producer", "producer = \"app\""),
            ("consumer", "consumer = \"reader\""),
            ("group", "group = \"g1\""),
        ];
        let subject_key = match subjects.as_slice() {
            [] => {
                if let Some((key, owner, Some(span))) = owned.iter().find(|(_, _, s)| s.is_some()) {
                    let example = examples
                        .iter()
                        .find(|(o, _)| o == owner)
                        .map_or("", |(_, e)| e);
                    return self.fail(
                        span.clone(),
                        format!("`{key}` is checked on a {owner}: add {example} to say which"),
                    );
                }
                return self.fail(
                    table.span(),
                    "an expectation needs one subject: the ledger (acked_lost, duplicated, reordered, moved_keys, removed), \
                     `partition`, `producer`, `consumer` or `group`; found none",
                );
            }
            [(name, _)] => *name,
            [(first, _), (second, span), ..] => {
                return self.fail(
                    span.clone(),
                    format!(
                        "an expectation has one subject, found {first} and {second}; write one [[expect]] for each"
                    ),
                );
            }
        };
        for (key, owner, span) in &owned {
            // `errors` is checked on a consumer as well as on a producer.
            let shared = *key == "errors" && subject_key == "`consumer`";
            if let Some(span) = span
                && !subject_key.contains(owner)
                && !shared
            {
                return self.fail(
                    span.clone(),
                    format!(
                        "`{key}` is checked on a {owner}, but this expectation is about {subject_key}"
                    ),
                );
            }
        }

        let nothing_to_check = |subject: &str, keys: &[&str]| {
            self.src.error(
                table.span(),
                format!("nothing to check for {subject}: give {}", one_of_keys(keys)),
            )
        };
        let subject = if ledger.is_some() {
            let count =
                |v: &Option<Spanned<i64>>, key| v.as_ref().map(|v| self.count(v, key)).transpose();
            Subject::Ledger {
                acked_lost: count(&raw.acked_lost, "acked_lost")?,
                duplicated: count(&raw.duplicated, "duplicated")?,
                reordered: count(&raw.reordered, "reordered")?,
                moved_keys: count(&raw.moved_keys, "moved_keys")?,
                removed: count(&raw.removed, "removed")?,
            }
        } else if let Some(partition) = &raw.partition {
            let tp = self.topic_partition(partition, when)?;
            let leader = match &raw.leader {
                Some(leader) => Some(self.leader(leader)?),
                None => None,
            };
            let isr = match &raw.isr {
                Some(isr) => {
                    let mut brokers = Vec::new();
                    for b in isr.get_ref() {
                        let id = self.broker(b)?;
                        if brokers.contains(&id) {
                            return self
                                .fail(b.span(), format!("`isr` names broker {} twice", id.0));
                        }
                        brokers.push(id);
                    }
                    Some(brokers)
                }
                None => None,
            };
            let leo = match &raw.leo {
                Some(map) => {
                    let mut leo = BTreeMap::new();
                    for (broker, offset) in map.get_ref() {
                        let id = self.broker_key(broker, "leo")?;
                        if leo.insert(id, self.count(offset, "leo")?).is_some() {
                            return self
                                .fail(broker.span(), format!("`leo` names broker {} twice", id.0));
                        }
                    }
                    leo
                }
                None => BTreeMap::new(),
            };
            let log = match &raw.log {
                Some(map) => {
                    let mut log = BTreeMap::new();
                    for (broker, values) in map.get_ref() {
                        let values = values
                            .get_ref()
                            .iter()
                            .map(|v| v.get_ref().clone())
                            .collect();
                        let id = self.broker_key(broker, "log")?;
                        if log.insert(id, values).is_some() {
                            return self
                                .fail(broker.span(), format!("`log` names broker {} twice", id.0));
                        }
                    }
                    log
                }
                None => BTreeMap::new(),
            };
            let subject = Subject::Partition {
                partition: tp,
                leader,
                offline: raw.offline.as_ref().map(|o| *o.get_ref()),
                isr,
                high_watermark: raw
                    .high_watermark
                    .as_ref()
                    .map(|v| self.count(v, "high_watermark"))
                    .transpose()?,
                leader_epoch: raw
                    .leader_epoch
                    .as_ref()
                    .map(|v| {
                        self.int(v, "leader_epoch", 0, i64::from(i32::MAX))
                            .map(|e| e as u32)
                    })
                    .transpose()?,
                leo,
                log,
                log_start_offset: raw
                    .log_start_offset
                    .as_ref()
                    .map(|v| self.count(v, "log_start_offset"))
                    .transpose()?,
                segments: self.offset_list(&raw.segments, "segments")?,
                offsets: self.offset_list(&raw.offsets, "offsets")?,
            };
            let partition_keys: Vec<&str> = owned
                .iter()
                .filter(|(_, owner, _)| *owner == "partition")
                .map(|(key, _, _)| *key)
                .collect();
            if owned
                .iter()
                .all(|(_, owner, span)| *owner != "partition" || span.is_none())
            {
                return Err(nothing_to_check(
                    &format!("partition {}", partition.get_ref()),
                    &partition_keys,
                ));
            }
            subject
        } else if let Some(producer) = &raw.producer {
            let producer_idx = self.producer(producer)?;
            let producer_keys: Vec<&str> = owned
                .iter()
                .filter(|(_, owner, _)| *owner == "producer")
                .map(|(key, _, _)| *key)
                .collect();
            if owned
                .iter()
                .all(|(_, owner, span)| *owner != "producer" || span.is_none())
            {
                return Err(nothing_to_check(
                    &format!("producer {:?}", producer.get_ref()),
                    &producer_keys,
                ));
            }
            let mut errors = Vec::new();
            for error in raw
                .errors
                .as_ref()
                .map_or(&[][..], |e| e.get_ref().as_slice())
            {
                errors.push(self.error_name(error)?);
            }
            Subject::Producer {
                producer: producer_idx,
                acked: raw
                    .acked
                    .as_ref()
                    .map(|v| self.count(v, "acked"))
                    .transpose()?,
                failed: raw
                    .failed
                    .as_ref()
                    .map(|v| self.count(v, "failed"))
                    .transpose()?,
                errors,
                batches: raw
                    .batches
                    .as_ref()
                    .map(|v| self.count(v, "batches"))
                    .transpose()?,
                requests: raw
                    .requests
                    .as_ref()
                    .map(|v| self.count(v, "requests"))
                    .transpose()?,
                records_per_batch: raw
                    .records_per_batch
                    .as_ref()
                    .map(|v| self.range_of_means(v, "records_per_batch"))
                    .transpose()?,
            }
        } else if let Some(consumer) = &raw.consumer {
            let consumer_idx = self.consumer_idx(consumer)?;
            if raw.errors.is_none()
                && owned
                    .iter()
                    .all(|(_, owner, span)| *owner != "consumer" || span.is_none())
            {
                return Err(nothing_to_check(
                    &format!("consumer {:?}", consumer.get_ref()),
                    &[
                        "received",
                        "values",
                        "assignment",
                        "processed",
                        "idle",
                        "lag",
                        "records_lag_max",
                        "rebalances",
                        "errors",
                    ],
                ));
            }
            let count =
                |v: &Option<Spanned<i64>>, key| v.as_ref().map(|v| self.count(v, key)).transpose();
            let mut errors = Vec::new();
            for error in raw
                .errors
                .as_ref()
                .map_or(&[][..], |e| e.get_ref().as_slice())
            {
                errors.push(self.error_name_of(error, CONSUMER_ERRORS)?);
            }
            Subject::Consumer {
                consumer: consumer_idx,
                received: raw
                    .received
                    .as_ref()
                    .map(|v| self.count(v, "received"))
                    .transpose()?,
                values: raw
                    .values
                    .as_ref()
                    .map(|v| v.get_ref().iter().map(|s| s.get_ref().clone()).collect()),
                assignment: raw
                    .assignment
                    .as_ref()
                    .map(|a| self.topic_partitions(a, "assignment", when))
                    .transpose()?,
                processed: count(&raw.processed, "processed")?,
                idle: raw.idle.as_ref().map(|v| *v.get_ref()),
                lag: self.partition_counts(raw.lag.as_ref(), "lag", when)?,
                records_lag_max: count(&raw.records_lag_max, "records_lag_max")?,
                rebalances: count(&raw.rebalances, "rebalances")?,
                errors,
            }
        } else if let Some(group) = &raw.group {
            if !self.groups_named().any(|g| g == group.get_ref()) {
                let known: Vec<(String, Range<usize>)> =
                    self.groups_named().map(|g| (g.to_string(), 0..0)).collect();
                return self.fail(group.span(), self.unknown("group", group.get_ref(), &known));
            }
            if owned
                .iter()
                .all(|(_, owner, span)| *owner != "group" || span.is_none())
            {
                return Err(nothing_to_check(
                    &format!("group {:?}", group.get_ref()),
                    &[
                        "committed",
                        "generation",
                        "state",
                        "members",
                        "coordinator",
                        "lost",
                        "reprocessed",
                    ],
                ));
            }
            let count =
                |v: &Option<Spanned<i64>>, key| v.as_ref().map(|v| self.count(v, key)).transpose();
            let state = match &raw.state {
                Some(s) => {
                    const STATES: [&str; 4] = [
                        "Empty",
                        "PreparingRebalance",
                        "CompletingRebalance",
                        "Stable",
                    ];
                    if !STATES.contains(&s.get_ref().as_str()) {
                        return self.fail(
                            s.span(),
                            format!(
                                "`state`: expected one of {}, found {:?}",
                                quoted_list(STATES),
                                s.get_ref()
                            ),
                        );
                    }
                    Some(s.get_ref().clone())
                }
                None => None,
            };
            let members = match &raw.members {
                Some(list) => {
                    let mut members = Vec::new();
                    for name in list.get_ref() {
                        members.push(self.consumer_idx(name)?);
                    }
                    Some(members)
                }
                None => None,
            };
            Subject::Group {
                group: group.get_ref().clone(),
                committed: self.partition_counts(raw.committed.as_ref(), "committed", when)?,
                generation: raw
                    .generation
                    .as_ref()
                    .map(|v| {
                        self.int(v, "generation", 0, i64::from(i32::MAX))
                            .map(|g| g as u32)
                    })
                    .transpose()?,
                state,
                members,
                coordinator: raw
                    .coordinator
                    .as_ref()
                    .map(|b| self.broker(b))
                    .transpose()?,
                lost: count(&raw.lost, "lost")?,
                reprocessed: count(&raw.reprocessed, "reprocessed")?,
            }
        } else {
            unreachable!("exactly one subject was found above")
        };
        Ok(Expectation {
            at,
            subject,
            pos: self.pos(&table.span()),
            quiz: None,
        })
    }

    /// `say = "…"`, or `say = { en = "…", ko = "…" }` with both languages.
    fn say(&self, say: &Spanned<toml::Value>) -> Result<Narration> {
        let line = |value: &toml::Value, key: &str, span: Range<usize>| -> Result<String> {
            match value {
                toml::Value::String(text) if text.trim().is_empty() => self.fail(
                    span,
                    format!("`{key}`: expected narration, found an empty string"),
                ),
                toml::Value::String(text) => Ok(text.clone()),
                other => self.fail(
                    span,
                    format!("`{key}`: expected a string, found {}", describe(other)),
                ),
            }
        };
        let table = match say.get_ref() {
            toml::Value::Table(table) => table,
            toml::Value::String(_) => {
                return Ok(Narration::english(line(say.get_ref(), "say", say.span())?));
            }
            other => {
                return self.fail(
                    say.span(),
                    format!(
                        "`say`: expected a string or a table {{ en = \"…\", ko = \"…\" }}, found {}",
                        describe(other)
                    ),
                );
            }
        };
        // toml::Value keeps no spans inside the table: find each key in the table's text.
        let key_span = |key: &str| {
            let text = self.src.slice(&say.span());
            let at = text
                .match_indices(key)
                .map(|(at, _)| at)
                .find(|&at| {
                    let before = text[..at].trim_end_matches([' ', '\t', '"']);
                    let after = text[at + key.len()..].trim_start_matches([' ', '\t', '"']);
                    (before.ends_with('{') || before.ends_with(',')) && after.starts_with('=')
                })
                .unwrap_or(0);
            let start = say.span().start + at;
            start..start + key.len()
        };
        for key in table.keys() {
            if key != "en" && key != "ko" {
                let message = match nearest(key, ["en", "ko"]) {
                    Some(guess) => format!(
                        "unknown key `{key}` in `say`, did you mean `{guess}`? valid keys: `en`, `ko`"
                    ),
                    None => format!("unknown key `{key}` in `say`; valid keys: `en`, `ko`"),
                };
                return self.fail(key_span(key), message);
            }
        }
        let mut texts = Vec::new();
        for (key, language) in [("en", "English"), ("ko", "Korean")] {
            match table.get(key) {
                Some(value) => texts.push(line(value, &format!("say.{key}"), key_span(key))?),
                None => {
                    return self.fail(
                        say.span(),
                        format!(
                            "`say` has no {language} line: missing `{key}`; a narration table gives both, \
                             {{ en = \"…\", ko = \"…\" }}"
                        ),
                    );
                }
            }
        }
        let ko = texts.pop();
        let en = texts.pop().unwrap_or_default();
        Ok(Narration { en, ko })
    }

    /// `ask = "F17-2"`: a `[[quiz]]` id of the same file.
    fn ask(&self, id: &Spanned<String>) -> Result<String> {
        let wanted = id.get_ref();
        if self.quiz_ids.iter().any(|known| known == wanted) {
            return Ok(wanted.clone());
        }
        let known = self.quiz_ids.iter().map(String::as_str);
        let message = match nearest(wanted, known.clone()) {
            Some(guess) => {
                format!("`ask`: no [[quiz]] question has id {wanted:?}, did you mean \"{guess}\"?")
            }
            None if self.quiz_ids.is_empty() => format!(
                "`ask`: no [[quiz]] question has id {wanted:?}; this file has no [[quiz]] questions"
            ),
            None => format!(
                "`ask`: no [[quiz]] question has id {wanted:?}; the ids are {}",
                quoted_list(known)
            ),
        };
        self.fail(id.span(), message)
    }

    /// The ids of the `[[quiz]]` questions, each once.
    fn quiz_ids(&self, quiz: &[Spanned<RawQuestion>]) -> Result<Vec<String>> {
        let mut ids: Vec<String> = Vec::new();
        for question in quiz {
            let Some(id) = &question.get_ref().id else {
                return self.fail(
                    question.span(),
                    "missing `id` in [[quiz]], such as id = \"F17-1\"",
                );
            };
            if ids.contains(id.get_ref()) {
                return self.fail(
                    id.span(),
                    format!("question id {:?} is used twice in this file", id.get_ref()),
                );
            }
            ids.push(id.get_ref().clone());
        }
        Ok(ids)
    }

    /// A question's `check`: expectations in the `[[expect]]` vocabulary that state what its
    /// marked answer claims, each tagged with the question's id.
    fn quiz_checks(&self, question: &Spanned<RawQuestion>) -> Result<Vec<Expectation>> {
        let question = question.get_ref();
        let (Some(id), Some(checks)) = (&question.id, &question.check) else {
            return Ok(Vec::new());
        };
        if checks.get_ref().is_empty() {
            return self.fail(
                checks.span(),
                "`check`: expected at least one expectation, such as \
                 [{ at = \"4s\", partition = \"orders-0\", high_watermark = 3 }]",
            );
        }
        checks
            .get_ref()
            .iter()
            .map(|check| {
                let mut expectation = self.expectation(check)?;
                expectation.quiz = Some(id.get_ref().clone());
                Ok(expectation)
            })
            .collect()
    }

    /// `lag = { "orders-0" = 0 }` and `committed = { "orders-0" = 5 }`: a count per partition.
    fn partition_counts(
        &self,
        table: Option<&Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
        key: &str,
        when: SimTime,
    ) -> Result<BTreeMap<TopicPartition, u64>> {
        let mut out = BTreeMap::new();
        for (name, value) in table.map(|t| t.get_ref().iter()).into_iter().flatten() {
            let tp = self.topic_partition(name, when)?;
            out.insert(tp, self.count(value, key)?);
        }
        Ok(out)
    }

    /// The `group.id`s the consumers use.
    fn groups_named(&self) -> impl Iterator<Item = &str> {
        self.group_names.iter().map(String::as_str)
    }

    /// `records_per_batch = [1.5, 4]`: an inclusive range for a mean, two numbers (integers
    /// or floats), neither negative, the first not above the second.
    fn range_of_means(&self, value: &Spanned<toml::Value>, key: &str) -> Result<(f64, f64)> {
        let number = |v: &toml::Value| match v {
            toml::Value::Integer(n) => Some(*n as f64),
            toml::Value::Float(x) if x.is_finite() => Some(*x),
            _ => None,
        };
        let found = match value.get_ref() {
            toml::Value::Array(items) => format!(
                "[{}]",
                items.iter().map(describe).collect::<Vec<_>>().join(", ")
            ),
            other => describe(other),
        };
        let bounds = match value.get_ref() {
            toml::Value::Array(items) if items.len() == 2 => {
                number(&items[0]).zip(number(&items[1]))
            }
            _ => None,
        };
        let Some((min, max)) = bounds else {
            return self.fail(
                value.span(),
                format!(
                    "`{key}`: expected an inclusive range [min, max] of two numbers, such as [1, 2.5], found {found}"
                ),
            );
        };
        if min < 0.0 || min > max {
            return self.fail(
                value.span(),
                format!("`{key}`: expected [min, max] with 0 ≤ min ≤ max, found [{min}, {max}]"),
            );
        }
        Ok((min, max))
    }

    /// `leader = 2`; `leader = -1` or `leader = "none"` expects no leader, as Kafka shows an
    /// offline partition's leader as -1.
    fn leader(&self, value: &Spanned<toml::Value>) -> Result<Option<BrokerId>> {
        match value.get_ref() {
            toml::Value::Integer(-1) => Ok(None),
            toml::Value::Integer(n) => Ok(Some(self.broker(&Spanned::new(value.span(), *n))?)),
            toml::Value::String(s) if s == "none" => Ok(None),
            other => self.fail(
                value.span(),
                format!(
                    "`leader`: expected a broker id, or -1 or \"none\" for no leader, found {}",
                    describe(other)
                ),
            ),
        }
    }

    /// The broker key of `leo = { 1 = 5 }` or `log = { 1 = [...] }`.
    fn broker_key(&self, key: &Spanned<String>, table: &str) -> Result<BrokerId> {
        match key.get_ref().parse::<i64>() {
            Ok(n) => self.broker(&Spanned::new(key.span(), n)),
            Err(_) => self.fail(
                key.span(),
                format!(
                    "`{table}`: expected broker ids as keys, such as {table} = {{ 1 = ... }}, found {:?}",
                    key.get_ref()
                ),
            ),
        }
    }

    /// A Kafka error name the simulation can produce.
    fn error_name(&self, name: &Spanned<String>) -> Result<String> {
        self.error_name_of(name, PRODUCER_ERRORS)
    }

    fn error_name_of(&self, name: &Spanned<String>, known: &[&str]) -> Result<String> {
        let wanted = name.get_ref();
        if known.contains(&wanted.as_str()) {
            return Ok(wanted.clone());
        }
        let message = match nearest(wanted, known.iter().copied()) {
            Some(guess) => format!("unknown error {wanted:?}, did you mean \"{guess}\"?"),
            None => format!(
                "unknown error {wanted:?}; the simulation produces {}",
                quoted_list(known.iter().copied())
            ),
        };
        self.fail(name.span(), message)
    }
}

/// The keys of a step's actions, in the order the format lists them.
const ACTIONS: &[&str] = &[
    "produce",
    "crash",
    "restart",
    "power_loss",
    "isolate",
    "partition",
    "heal",
    "slow",
    "add_partitions",
    "start",
    "stop",
    "commit",
    "subscribe",
    "create_topic",
    "delete_topic",
    "say",
    "ask",
];

/// A lesson file without top-level `facts` demonstrates the facts of its `[lesson]`.
fn lesson_facts(lesson: Option<&Spanned<toml::Value>>) -> Vec<String> {
    lesson
        .and_then(|lesson| lesson.get_ref().get("facts")?.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|fact| fact.as_str().map(str::to_string))
        .collect()
}

/// The longest `duration` a scenario may ask for: a day of simulated time. Longer runs would
/// keep a command busy for hours (a scenario's events grow with its duration).
pub const MAX_DURATION: SimTime = SimTime::from_secs(24 * 3600); // "24h"

/// One millisecond each way, fixed, unless `[network] latency` says otherwise.
fn default_network() -> NetworkSpec {
    NetworkSpec {
        latency_min: SimTime::from_millis(1),
        latency_max: SimTime::from_millis(1),
    }
}
