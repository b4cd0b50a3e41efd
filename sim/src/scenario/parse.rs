//! Reads a scenario file: TOML into the raw structs of `raw.rs`, then one validation pass into
//! the resolved [`Scenario`] the engine runs.
//!
//! Every error names the file, line and column of the spot at fault: toml's span for syntax and
//! type errors, a `toml::Spanned` value for everything checked afterwards. Messages are lower
//! case without a final period and say what was expected and what was found; where Kafka itself
//! would refuse the same thing, they quote Kafka's words.
//!
//! Here: the entry points, positions and toml's errors, and the walk over the top-level tables
//! with the value checks every table shares. Each part of a scenario has its own file:
//! `cluster` (brokers, topics), `clients` (producers, consumers, groups), `steps` (the
//! timeline), `expect` (expectations and quiz checks), `faults` (`[faults]`); `raw` holds the
//! structs toml deserializes into.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;

use super::{
    Action, Client, ConsumerSpec, Delivery, Expectation, Narration, NetworkSpec, OFFSETS_TOPIC,
    Pos, ProduceSpec, ProducerSpec, Scenario, Step, Subject, Subscription, TRANSACTION_STATE_TOPIC,
    TRANSACTION_STATES, TopicOrigin, TopicSpec, TxnStep,
};
use crate::config::version::{Behaviour, ELR_FEATURE, KafkaVersion};
use crate::config::{
    BrokerConfig, ConfigError, ConfigValue, ConsumerConfig, ProducerConfig, Setting, SettingPart,
    TopicConfig, nearest,
};
use crate::engine::ids::{BrokerId, ConsumerIdx, ProducerIdx, TopicId, TopicPartition};
use crate::engine::time::{SimTime, format_duration, parse_duration};

mod clients;
mod cluster;
mod expect;
mod faults;
mod raw;
mod steps;
mod streams;
#[cfg(test)]
mod tests;

use raw::{
    BrokerLists, RawAddPartitions, RawConfig, RawConsumer, RawExpect, RawProduce, RawProducer,
    RawQuestion, RawScenario, RawSendOffsets, RawSlow, RawStep, RawSubscribe, RawTopic,
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
/// records (each followed to its fate by the ledger, about 32 bytes each) fit in memory:
/// `scenarios/bench/throughput-30m.toml` sends this many.
pub const MAX_RECORDS_PER_SCENARIO: u64 = 30_000_000;

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
    "INVALID_PRODUCER_EPOCH",
    "PRODUCER_FENCED",
    "CONCURRENT_TRANSACTIONS",
    "INVALID_TXN_STATE",
    "INVALID_PRODUCER_ID_MAPPING",
    "COORDINATOR_NOT_AVAILABLE",
    "NOT_COORDINATOR",
    "TransactionAbortedException",
    "IllegalStateException",
    "TimeoutException",
    "UNKNOWN_MEMBER_ID",
    "ILLEGAL_GENERATION",
    "FENCED_INSTANCE_ID",
    "CommitFailedException",
];

/// The error names a consumer expectation's `errors` may list: the group protocol's errors,
/// the fetch errors, and the client's own exceptions.
pub const CONSUMER_ERRORS: &[&str] = &[
    "CommitFailedException",
    "UNSTABLE_OFFSET_COMMIT",
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
    parse_as(text, file, None)
}

/// Parses and checks a scenario, running it under `version` instead of its own
/// `[cluster] kafka_version` when one is given (`ksim sweep --kafka-version`): the scenario is
/// read as if it said `kafka_version = "<version>"`, defaults included.
pub fn parse_as(
    text: &str,
    file: &str,
    version: Option<KafkaVersion>,
) -> std::result::Result<Scenario, ScenarioError> {
    let source = Source { text, file };
    if let Some(offset) = text.find('\0') {
        return Err(source.error(
            offset..offset + 1,
            "expected TOML text, found a NUL byte; is this a binary file?",
        ));
    }
    let raw: RawScenario = toml::from_str(text).map_err(|error| source.toml_error(error))?;
    let mut checker = Checker::new(source);
    checker.version_override = version;
    checker.scenario(raw)
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
        "streams" => "[[streams]]",
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
    /// Per producer: whether it has a `transactional.id`.
    transactional: Vec<bool>,
    /// Per consumer: whether it has a group, and whether it subscribes.
    consumer_kinds: Vec<(bool, bool)>,
    /// The ids of a lesson file's `[[quiz]]` questions, which `ask` steps name.
    quiz_ids: Vec<String>,
    /// A `kafka_version` given on the command line, over the file's.
    version_override: Option<KafkaVersion>,
    /// The `[[streams]]` applications, for the expectations that name them.
    streams_apps: Vec<super::streams::StreamsSpec>,
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
            transactional: Vec::new(),
            consumer_kinds: Vec::new(),
            quiz_ids: Vec::new(),
            version_override: None,
            streams_apps: Vec::new(),
        }
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
            streams,
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
            && streams.is_empty()
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
        let version = match &cluster.kafka_version {
            Some(version) => self.kafka_version(version)?,
            None => KafkaVersion::DEFAULT,
        };
        let version = self.version_override.unwrap_or(version);
        let mut broker_config = match &cluster.config {
            Some(config) => {
                let (settings, spans) = self.settings(config);
                BrokerConfig::resolve(&settings)
                    .map_err(|e| self.config_error(e, &spans, config.span()))?
            }
            None => BrokerConfig::default(),
        };
        broker_config.behaviour = version.behaviour();
        if let Some(features) = &cluster.features {
            self.features(features, &mut broker_config.behaviour)?;
        }
        let explicit_unclean = cluster.config.as_ref().is_some_and(|c| {
            c.get_ref()
                .keys()
                .any(|k| k.get_ref() == "unclean.leader.election.enable")
        });
        if !explicit_unclean {
            // The one default that moved with a replication rule (KIP-106, 0.11).
            broker_config.unclean_leader_election_enable =
                broker_config.behaviour.unclean_leader_election_default;
        }

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
        let mut streams_specs: Vec<super::streams::StreamsSpec> = Vec::new();
        for app in &streams {
            let parts = self.streams(
                app,
                &broker_config,
                &mut topic_specs,
                consumer_specs.len() as u32,
                producer_specs.len() as u32,
            )?;
            if let Some(other) = streams_specs.iter().find(|s| {
                s.application_id == parts.spec.application_id || s.name == parts.spec.name
            }) {
                return self.fail(
                    app.span(),
                    format!(
                        "this [[streams]] repeats the name or application.id of the one at line {}; each application is its own group",
                        other.pos.line
                    ),
                );
            }
            consumer_specs.extend(parts.consumers);
            producer_specs.extend(parts.producers);
            streams_specs.push(parts.spec);
        }
        self.streams_apps = streams_specs.clone();
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
        let explicit_txn_rf = cluster.config.as_ref().is_some_and(|c| {
            c.get_ref()
                .keys()
                .any(|k| k.get_ref() == "transaction.state.log.replication.factor")
        });
        let transactional_ids = self.transactional_ids(
            &producers,
            &producer_specs,
            &broker_config,
            explicit_txn_rf,
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
            transactional_ids,
            producers: producer_specs,
            consumers: consumer_specs,
            streams: streams_specs,
            steps,
            expectations,
            faults,
        })
    }

    /// `[cluster] features`: finalized feature levels over the release's defaults. The one
    /// feature that changes replication is `eligible.leader.replicas.version` (KIP-966),
    /// level 0 or 1, which Kafka has from 4.0.
    fn features(&self, features: &Spanned<RawConfig>, behaviour: &mut Behaviour) -> Result<()> {
        for (name, value) in features.get_ref() {
            if name.get_ref() != ELR_FEATURE {
                let guess = nearest(name.get_ref(), [ELR_FEATURE])
                    .map(|g| format!(", did you mean \"{g}\"?"))
                    .unwrap_or_else(|| format!("; ksim models \"{ELR_FEATURE}\""));
                return self.fail(
                    name.span(),
                    format!("unknown feature \"{}\"{guess}", name.get_ref()),
                );
            }
            let level = match value.get_ref() {
                toml::Value::Integer(level @ (0 | 1)) => *level,
                other => {
                    return self.fail(
                        value.span(),
                        format!(
                            "`{ELR_FEATURE}`: expected the feature level 0 or 1, found {}",
                            describe(other)
                        ),
                    );
                }
            };
            if behaviour.version < KafkaVersion::new(4, 0) {
                return self.fail(
                    name.span(),
                    format!(
                        "`{ELR_FEATURE}`: Kafka {} has no such feature; eligible leader replicas (KIP-966) came with 4.0",
                        behaviour.version
                    ),
                );
            }
            behaviour.eligible_leader_replicas = level == 1;
        }
        Ok(())
    }

    /// `kafka_version = "3.6"`: a release line ksim models.
    fn kafka_version(&self, value: &Spanned<toml::Value>) -> Result<KafkaVersion> {
        match value.get_ref() {
            toml::Value::String(text) => KafkaVersion::parse(text).map_err(|message| {
                self.src
                    .error(value.span(), format!("`kafka_version`: {message}"))
            }),
            other => self.fail(
                value.span(),
                format!(
                    "`kafka_version`: expected a release as a string, such as \"3.6\", found {}",
                    describe(other)
                ),
            ),
        }
    }

    /// `facts = ["F17"]`: ids of `facts.md`, F01 to F54, or of the CCDAK syllabus topics
    /// beyond the notes, S01 to S99 (the lesson loader knows which exist).
    fn facts(&self, facts: Vec<Spanned<String>>) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for fact in facts {
            let id = fact.get_ref();
            let number = |prefix: char| {
                id.strip_prefix(prefix)
                    .filter(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|n| n.parse::<u32>().ok())
            };
            let fact_ok = number('F').is_some_and(|n| (1..=LAST_FACT).contains(&n));
            let topic_ok = number('S').is_some_and(|n| n >= 1);
            if !fact_ok && !topic_ok {
                return self.fail(
                    fact.span(),
                    format!(
                        "fact {id:?} is not an id from facts.md; expected F01 to F{LAST_FACT}, or \
                         a syllabus topic S01 to S99"
                    ),
                );
            }
            ids.push(id.clone());
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
    "init_transactions",
    "begin_transaction",
    "commit_transaction",
    "abort_transaction",
    "send_offsets",
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
