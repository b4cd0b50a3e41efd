//! `ksim`, the command line: clap's definitions of the commands, and the dispatch to
//! `cmd/`, where each command lives in its own file.
//!
//! Exit codes, for every command: 0 all good, 1 an expectation failed, 2 bad input (a file
//! that cannot be read or parsed, a wrong flag) or an output error.

/// A message in the language chosen, each a `format!` string that may name the variables in
/// scope: `in_lang!(lang, "topic {topic} is given twice", "토픽 {topic}이 두 번 주어졌습니다")`.
macro_rules! in_lang {
    ($lang:expr, $en:literal, $ko:literal) => {
        match $lang {
            ksim_app::lesson::Lang::En => format!($en),
            ksim_app::lesson::Lang::Ko => format!($ko),
        }
    };
}

mod cmd;

use ksim_ui::{lessons, output, progress, seed, tui};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cmd::acl::AclFormat;
use cmd::assign::AssignFormat;
use cmd::check::CheckFormat;
use cmd::config::{ConfigFormat, ConfigKind};
use cmd::connect_tasks::ConnectTasksFormat;
use cmd::exam::ExamOptions;
use cmd::learn::LearnFormat;
use cmd::partition::PartitionFormat;
use cmd::quiz::{QuizFormat, QuizOptions};
use cmd::retention::RetentionFormat;
use cmd::schema::SchemaFormat;
use cmd::sweep::{parse_kafka_version, parse_seeds, parse_shard};
use cmd::trace::TraceFormat;
use cmd::windows::WindowsFormat;
use ksim::world::DEFAULT_MAX_EVENTS;
use ksim_app::lesson::Lang;
use ksim_app::schema::CompatibilityMode;

/// A deterministic Apache Kafka cluster simulator: run scenarios, check what they expect,
/// read their traces.
#[derive(Debug, Parser)]
#[command(name = "ksim", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// A scenario to explore in the terminal explorer; when stdout is not a terminal, the
    /// same as `ksim run <scenario>`.
    scenario: Option<PathBuf>,

    /// The seed of the run, over the scenario's own `seed`.
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Live mode: serve the scenario's cluster to real Kafka clients on 127.0.0.1, one port
    /// per broker, simulated time following the wall clock; Ctrl-C prints the ledger.
    Serve {
        scenario: PathBuf,
        /// The port of broker 1; broker N listens on PORT_BASE + N - 1.
        #[arg(long, default_value_t = 19092)]
        port_base: u16,
        /// The port `ksim ctl` sends faults to (default: PORT_BASE - 1).
        #[arg(long)]
        control_port: Option<u16>,
        /// The seed of the run, over the scenario's own `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Write every request that enters the simulation, with its simulated arrival time,
        /// to this file (JSON Lines).
        #[arg(long)]
        journal: Option<PathBuf>,
        /// Print the trace as it grows.
        #[arg(long)]
        trace: bool,
    },
    /// Send a fault to a running `ksim serve`: crash N, restart N, power-loss N, isolate N,
    /// partition N… | M…, heal.
    Ctl {
        /// The command, e.g. `crash 2` or `partition 1 | 2 3`.
        #[arg(required = true, num_args = 1..)]
        command: Vec<String>,
        /// The port `ksim serve` printed for ksim ctl (default: the one below broker 1's).
        #[arg(long, default_value_t = 19091)]
        port: u16,
    },
    /// Run the cluster side of a live run again from its journal (`ksim serve --journal`):
    /// the same requests at the same simulated moments give the same trace and ledger.
    Replay {
        scenario: PathBuf,
        journal: PathBuf,
        /// The seed, over the journal's own.
        #[arg(long)]
        seed: Option<u64>,
        /// Print the whole trace.
        #[arg(long)]
        trace: bool,
    },
    /// Run a scenario once and print the outcome, the fate of the records and the trace hash.
    Run {
        scenario: PathBuf,
        /// The seed of the run, over the scenario's own `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Check every invariant after every event; stop at the first violation (exit 1).
        #[arg(long)]
        invariants: bool,
        /// Stop a run after this many engine events, with an error (exit 2): a guard against a
        /// scenario that would run for hours.
        #[arg(long, default_value_t = DEFAULT_MAX_EVENTS, value_parser = clap::value_parser!(u64).range(1..))]
        max_events: u64,
    },
    /// Run scenarios and verify every expectation; exit 1 on any failure, 2 on bad input.
    Check {
        /// Scenario files, or directories to search for `*.toml` files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The seed of every run, over the scenarios' own `seed`.
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Check every invariant after every event; a violation fails the scenario.
        #[arg(long)]
        invariants: bool,
        /// Stop a run after this many engine events, with an error (exit 2): a guard against a
        /// scenario that would run for hours.
        #[arg(long, default_value_t = DEFAULT_MAX_EVENTS, value_parser = clap::value_parser!(u64).range(1..))]
        max_events: u64,
    },
    /// Run a scenario under many seeds (and so many fault schedules), invariants checked after
    /// every event; print each failing seed and how to reproduce it. Exit 1 if any failed.
    Sweep {
        scenario: PathBuf,
        /// The seeds, FIRST..LAST, both included.
        #[arg(long, default_value = "1..100", value_parser = parse_seeds)]
        seeds: (u64, u64),
        /// Worker threads, at least 1 (default: the machine's cores).
        #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        jobs: Option<usize>,
        /// Run only the K-th of N interleaved shares of the seeds, for splitting a sweep
        /// across machines: `--shard 2/4`.
        #[arg(long, default_value = "1/1", value_parser = parse_shard)]
        shard: (u64, u64),
        /// Shrink the first failing seed's fault schedule and write it as a plain scenario.
        #[arg(long)]
        shrink: bool,
        /// Where --shrink writes its scenario file (default: target/ksim-sweep).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run under this Kafka release's replication rules instead of the scenario's
        /// `[cluster] kafka_version` (such as 3.6 or 0.10), to compare loss rates.
        #[arg(long, value_parser = parse_kafka_version)]
        kafka_version: Option<ksim::config::version::KafkaVersion>,
        #[arg(long, value_enum, default_value_t = cmd::sweep::SweepFormat::Text)]
        format: cmd::sweep::SweepFormat,
    },
    /// Print the full trace of a scenario's run.
    Trace {
        scenario: PathBuf,
        /// The seed of the run, over the scenario's own `seed`.
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
        format: TraceFormat,
        /// Stop a run after this many engine events, with an error (exit 2): a guard against a
        /// scenario that would run for hours.
        #[arg(long, default_value_t = DEFAULT_MAX_EVENTS, value_parser = clap::value_parser!(u64).range(1..))]
        max_events: u64,
    },
    /// Which partition each key goes to, as Kafka's producer computes it.
    Partition {
        /// Partition counts to compare, separated by commas: `--partitions 3,4,6`.
        #[arg(long, required = true, value_delimiter = ',')]
        partitions: Vec<u32>,
        /// Keys, hashed as their UTF-8 bytes (as Kafka's StringSerializer sends them).
        #[arg(required = true)]
        keys: Vec<String>,
        #[arg(long, value_enum, default_value_t = PartitionFormat::Text)]
        format: PartitionFormat,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// How long a topic keeps its records: which retention setting wins and why (F50).
    Retention {
        /// A broker setting, `log.retention.ms`, `log.retention.minutes` or
        /// `log.retention.hours`, as `NAME=VALUE`. Repeat for each.
        #[arg(long = "config", value_name = "NAME=VALUE")]
        configs: Vec<String>,
        /// The topic's own `retention.ms=VALUE`, which overrides the broker's settings.
        #[arg(long = "topic-config", value_name = "retention.ms=VALUE")]
        topic_configs: Vec<String>,
        #[arg(long, value_enum, default_value_t = RetentionFormat::Text)]
        format: RetentionFormat,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// Which partitions each consumer-group member gets, as Kafka's assignors compute them.
    Assign {
        /// The assignor: range, roundrobin, sticky or cooperative-sticky (Kafka's class names
        /// work too).
        #[arg(long, default_value = "range")]
        strategy: String,
        /// A member and its subscription, `c1:t1,t2`; `c1@i1:t1` for a static member with
        /// group.instance.id i1. Repeat for each member.
        #[arg(
            long = "member",
            required = true,
            value_name = "MEMBER[@INSTANCE]:TOPICS"
        )]
        members: Vec<String>,
        /// A topic and its partition count, `t1:3`. Repeat for each topic.
        #[arg(long = "topic", required = true, value_name = "TOPIC:PARTITIONS")]
        topics: Vec<String>,
        /// What a member owned in the previous generation, `c1=t1-0,t1-1` (the sticky
        /// strategies keep it where they can). Repeat for each member.
        #[arg(long = "owned", value_name = "MEMBER=PARTITIONS")]
        owned: Vec<String>,
        #[arg(long, value_enum, default_value_t = AssignFormat::Text)]
        format: AssignFormat,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// Measure the engine's speed on a scenario (use a release build).
    Bench {
        scenario: PathBuf,
        /// The seed of the runs, over the scenario's own `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// How many runs to take the median of.
        #[arg(long, default_value_t = 5)]
        runs: u32,
    },
    /// The lessons: on a terminal, the lesson browser; `--list` (the default when piped)
    /// groups them by area with progress marks; a lesson name or fact id prints that lesson
    /// and marks it seen.
    Learn {
        /// A lesson's file name without `.toml`, or a fact id it covers (`F22`).
        lesson: Option<String>,
        /// List the lessons as text, also on a terminal (what `ksim learn` does when piped).
        #[arg(long, conflicts_with = "lesson")]
        list: bool,
        /// The directory of lesson files; default `scenarios/lessons`.
        #[arg(long, value_name = "DIR")]
        lessons: Option<PathBuf>,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// Do not record the lesson as seen.
        #[arg(long)]
        no_save: bool,
        #[arg(long, value_enum, default_value_t = LearnFormat::Text)]
        format: LearnFormat,
    },
    /// A mock CCDAK exam: 60 questions drawn to the syllabus sections' weights, 90 minutes on
    /// a visible clock, no feedback until the end, then the score per section, pass or fail
    /// and every explanation; missed questions come first in the next quiz.
    Exam {
        /// How many questions (default 60).
        #[arg(long)]
        count: Option<usize>,
        /// The time limit in minutes (default 90).
        #[arg(long)]
        minutes: Option<u64>,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// The seed that draws the questions and orders their choices.
        #[arg(long)]
        seed: Option<u64>,
        /// Answers instead of standard input, without a clock: one per question, separated by
        /// commas, several choices joined with `+` (`1,2+4,-`); `-` leaves a question unanswered.
        #[arg(long)]
        answers: Option<String>,
        /// Do not save progress.
        #[arg(long)]
        no_save: bool,
        /// The directory of lesson files; default `scenarios/lessons`.
        #[arg(long, value_name = "DIR")]
        lessons: Option<PathBuf>,
    },
    /// Exam-style questions from the lessons, answered on standard input; score and review at
    /// the end, progress saved in the user's data directory.
    Quiz {
        /// Only questions of lessons in this area (replication, producer, consumer, …).
        #[arg(long)]
        area: Option<String>,
        /// Only questions about these facts: `--facts F17,F36`.
        #[arg(long, value_delimiter = ',')]
        facts: Vec<String>,
        /// How many questions (default 10, or one per `--answers` entry).
        #[arg(long)]
        count: Option<usize>,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// The seed that orders the questions and their choices.
        #[arg(long)]
        seed: Option<u64>,
        /// Answers instead of standard input: one per question, separated by commas; a
        /// choose-two answer joins its two choices with `+` (`1,2+4,3`).
        #[arg(long)]
        answers: Option<String>,
        #[arg(long, value_enum, default_value_t = QuizFormat::Text)]
        format: QuizFormat,
        /// Do not save progress (it is still read, to ask due questions first).
        #[arg(long)]
        no_save: bool,
        /// The directory of lesson files; default `scenarios/lessons`.
        #[arg(long, value_name = "DIR")]
        lessons: Option<PathBuf>,
    },
    /// Avro schemas as Schema Registry judges them: compatibility between versions, and the
    /// attributes a schema must have.
    Schema {
        #[command(subcommand)]
        command: SchemaCommand,
    },
    /// How many tasks Kafka Connect's JDBC source runs and which tables each reads (F29).
    ConnectTasks {
        /// How many tables the connector finds (named t1, t2, …), up to 10000.
        #[arg(long)]
        tables: u32,
        /// The connector's tasks.max (at least 1).
        #[arg(long)]
        tasks_max: u32,
        #[arg(long, value_enum, default_value_t = ConnectTasksFormat::Text)]
        format: ConnectTasksFormat,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// Kafka's ACL authorizer: is a principal allowed an operation on a resource (S03).
    Acl {
        #[command(subcommand)]
        command: AclCommand,
    },
    /// Kafka Streams windows: which windows a record falls in, and whether it is dropped as
    /// late given the stream time and the grace period (S04).
    Windows {
        /// Tumbling windows of this size (`5s`, `1m`, or ms).
        #[arg(long, value_name = "SIZE")]
        tumbling: Option<String>,
        /// Hopping windows of this size; needs --advance.
        #[arg(long, value_name = "SIZE")]
        hopping: Option<String>,
        /// How far each hopping window starts after the previous one.
        #[arg(long)]
        advance: Option<String>,
        /// Sliding windows with this time difference.
        #[arg(long, value_name = "DIFFERENCE")]
        sliding: Option<String>,
        /// Session windows with this inactivity gap.
        #[arg(long, value_name = "GAP")]
        session: Option<String>,
        /// The record's timestamp.
        #[arg(long)]
        timestamp: String,
        /// The stream time before the record: the largest timestamp seen so far (default: the
        /// record's own).
        #[arg(long)]
        stream_time: Option<String>,
        /// The grace period (ofSizeAndGrace); 0 is ofSizeWithNoGrace.
        #[arg(long, default_value = "0")]
        grace: String,
        #[arg(long, value_enum, default_value_t = WindowsFormat::Text)]
        format: WindowsFormat,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// A client's or topic's effective settings: each value, Kafka's default and who set it
    /// (S22).
    Config {
        #[arg(value_enum)]
        kind: ConfigKind,
        /// A properties file (`NAME=VALUE` lines, `#` comments), as a client reads.
        #[arg(long)]
        file: Option<PathBuf>,
        /// A setting as `NAME=VALUE`, over the file's; repeat for each.
        #[arg(long = "config", value_name = "NAME=VALUE")]
        configs: Vec<String>,
        /// Show only the settings given, not the defaults.
        #[arg(long)]
        changed: bool,
        #[arg(long, value_enum, default_value_t = ConfigFormat::Text)]
        format: ConfigFormat,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
    /// Measure the explorer on scenarios (use a release build): first frame, seek, draw.
    BenchTui {
        /// Scenario files, or directories to search for `*.toml` files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The seed of every run, over the scenarios' own `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// How many random seeks (and frames) to take the medians of.
        #[arg(long, default_value_t = 200)]
        seeks: u32,
    },
    /// Explore a scenario in the terminal: scrub time, watch replication, inject faults.
    Tui {
        scenario: PathBuf,
        /// The seed of the run, over the scenario's own `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// The language of `say` narration and a lesson's questions, en or ko; default from
        /// LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// Do not record the answers given to a lesson's questions in the progress file.
        #[arg(long)]
        no_save: bool,
        /// Stop recording a run after this many engine events, and say so: a guard against a
        /// scenario that would run for hours.
        #[arg(long, default_value_t = DEFAULT_MAX_EVENTS, value_parser = clap::value_parser!(u64).range(1..))]
        max_events: u64,
    },
}

#[derive(Debug, Subcommand)]
enum AclCommand {
    /// Allowed or denied, the rule that decided (super user, DENY, ALLOW, no ACL) and what
    /// each ACL did.
    Check {
        /// Who asks, as TYPE:NAME (`User:alice`).
        #[arg(long)]
        principal: String,
        /// What it asks: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, …
        #[arg(long)]
        operation: String,
        /// On what, as TYPE:NAME (`Topic:orders`, `Group:billing`, `Cluster:kafka-cluster`).
        #[arg(long)]
        resource: String,
        /// The client's address.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// An ACL as PERMISSION,PRINCIPAL,OPERATION,TYPE:PATTERN:NAME[,HOST]
        /// (`ALLOW,User:alice,READ,Topic:PREFIXED:orders-`); repeat for each.
        #[arg(long = "acl", value_name = "ACL")]
        acls: Vec<String>,
        /// A principal of super.users; repeat for each.
        #[arg(long = "super-user", value_name = "PRINCIPAL")]
        super_users: Vec<String>,
        /// allow.everyone.if.no.acl.found=true (the default is false).
        #[arg(long)]
        allow_everyone_if_no_acl_found: bool,
        #[arg(long, value_enum, default_value_t = AclFormat::Text)]
        format: AclFormat,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
}

#[derive(Debug, Subcommand)]
enum SchemaCommand {
    /// Whether the new schema (the last file) is compatible with the older ones under a
    /// Schema Registry compatibility mode; exit 0 compatible, 1 incompatible, 2 bad input.
    Check {
        /// none, backward, forward, full, or one of the last three with _transitive.
        #[arg(long, value_enum, ignore_case = true)]
        mode: CompatibilityMode,
        /// Schema files, oldest first; the last one is the new schema.
        #[arg(required = true, num_args = 2.., value_name = "SCHEMA.avsc")]
        schemas: Vec<PathBuf>,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        #[arg(long, value_enum, default_value_t = SchemaFormat::Text)]
        format: SchemaFormat,
    },
    /// The attributes the Avro specification requires that a schema lacks (a record needs
    /// name and fields), at file:line:column; exit 0 valid, 1 invalid, 2 bad input.
    Validate {
        #[arg(value_name = "SCHEMA.avsc")]
        schema: PathBuf,
        /// en or ko; default from LC_ALL, LC_MESSAGES or LANG (ko… is Korean).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
    },
}

/// The error for `ksim rnu …`: a first argument that is neither a subcommand nor an existing
/// file, but is near a subcommand's name. Clap would take it for a scenario path and either
/// fail to read it or complain about the arguments after it.
fn misspelt_subcommand(args: &[std::ffi::OsString]) -> Option<String> {
    let first = args.get(1)?.to_str()?;
    if first.starts_with('-') || std::path::Path::new(first).exists() {
        return None;
    }
    let command = <Cli as clap::CommandFactory>::command();
    let names: Vec<&str> = command
        .get_subcommands()
        .map(|sub| sub.get_name())
        .chain(["help"])
        .collect();
    if names.contains(&first) {
        return None;
    }
    let nearest = ksim::config::nearest(first, names.iter().copied())?;
    Some(format!(
        "unknown subcommand \"{first}\", did you mean \"{nearest}\"? (a scenario file named {first} does \
         not exist either)"
    ))
}

/// The calculators, which answer in Korean with `--lang ko` (or a Korean locale), their
/// command-line mistakes included.
const CALCULATORS: [&str; 8] = [
    "partition",
    "assign",
    "retention",
    "schema",
    "connect-tasks",
    "acl",
    "windows",
    "config",
];

/// Clap's message about a calculator's command line, in Korean when the calculator would
/// answer in Korean: a missing, unknown or invalid argument. Other messages (help, version)
/// are left to clap.
fn korean_usage_error(args: &[std::ffi::OsString], error: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ErrorKind};
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    if !words
        .first()
        .is_some_and(|first| CALCULATORS.contains(first))
    {
        return None;
    }
    let flag = words
        .windows(2)
        .find(|pair| pair[0] == "--lang")
        .map(|pair| pair[1])
        .or_else(|| words.iter().find_map(|w| w.strip_prefix("--lang=")));
    let lang = match flag {
        Some("ko") => Lang::Ko,
        Some(_) => Lang::En,
        None => Lang::choose(None),
    };
    if lang != Lang::Ko {
        return None;
    }
    let context = |kind| error.get(kind).map(|value| value.to_string());
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let message = match error.kind() {
        ErrorKind::MissingRequiredArgument => format!("필수 인수가 빠졌습니다: {arg}"),
        ErrorKind::UnknownArgument => format!("알 수 없는 인수 '{arg}'"),
        ErrorKind::InvalidValue => match context(ContextKind::ValidValue) {
            Some(valid) => {
                format!("'{arg}'의 값 '{value}'이(가) 잘못되었습니다. 가능한 값: {valid}")
            }
            None => format!("'{arg}'에 값이 필요합니다"),
        },
        ErrorKind::ValueValidation => {
            format!("'{arg}'의 값 '{value}'이(가) 잘못되었습니다: 숫자여야 합니다")
        }
        _ => return None,
    };
    Some(format!(
        "error: {message}\n\n자세한 사용법은 'ksim {} --help'를 보세요.",
        words[0]
    ))
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(message) = misspelt_subcommand(&args) {
        eprintln!("error: {message}");
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => match korean_usage_error(&args, &error) {
            Some(message) => {
                eprintln!("{message}");
                return ExitCode::from(2);
            }
            None => error.exit(),
        },
    };
    let outcome = match cli.command {
        Some(Command::Run {
            scenario,
            seed,
            invariants,
            max_events,
        }) => cmd::run::run(&scenario, seed, invariants, max_events),
        Some(Command::Serve {
            scenario,
            port_base,
            control_port,
            seed,
            journal,
            trace,
        }) => cmd::serve::serve(
            &scenario,
            cmd::serve::ServeOptions {
                port_base,
                control_port,
                seed,
                journal,
                trace,
            },
        ),
        Some(Command::Ctl { command, port }) => cmd::serve::ctl(&command, port),
        Some(Command::Replay {
            scenario,
            journal,
            seed,
            trace,
        }) => cmd::serve::replay(&scenario, &journal, seed, trace),
        Some(Command::Check {
            paths,
            seed,
            format,
            invariants,
            max_events,
        }) => cmd::check::check(&paths, seed, format, invariants, max_events),
        Some(Command::Sweep {
            scenario,
            seeds,
            jobs,
            shard,
            shrink,
            out,
            kafka_version,
            format,
        }) => cmd::sweep::sweep(
            &scenario,
            cmd::sweep::SweepOptions {
                seeds,
                format,
                kafka_version,
                jobs: jobs
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
                shard,
                shrink,
                out,
            },
        ),
        Some(Command::Trace {
            scenario,
            seed,
            format,
            max_events,
        }) => cmd::trace::trace(&scenario, seed, format, max_events),
        Some(Command::Partition {
            partitions,
            keys,
            format,
            lang,
        }) => cmd::partition::partition(&partitions, &keys, format, lang),
        Some(Command::Retention {
            configs,
            topic_configs,
            format,
            lang,
        }) => cmd::retention::retention(&configs, &topic_configs, format, lang),
        Some(Command::Assign {
            strategy,
            members,
            topics,
            owned,
            format,
            lang,
        }) => cmd::assign::assign(&strategy, &members, &topics, &owned, format, lang),
        Some(Command::Bench {
            scenario,
            seed,
            runs,
        }) => cmd::bench::bench(&scenario, seed, runs),
        Some(Command::Learn {
            lesson,
            list,
            lessons,
            lang,
            no_save,
            format,
        }) => cmd::learn::learn(lesson.as_deref(), list, lessons, lang, format, no_save),
        Some(Command::Exam {
            count,
            minutes,
            lang,
            seed,
            answers,
            no_save,
            lessons,
        }) => cmd::exam::exam(&ExamOptions {
            lessons,
            count,
            minutes,
            lang,
            seed,
            answers,
            no_save,
        }),
        Some(Command::Quiz {
            area,
            facts,
            count,
            lang,
            seed,
            answers,
            format,
            no_save,
            lessons,
        }) => cmd::quiz::quiz(&QuizOptions {
            lessons,
            area,
            facts,
            count,
            lang,
            seed,
            answers,
            format,
            no_save,
        }),
        Some(Command::Schema { command }) => match command {
            SchemaCommand::Check {
                mode,
                schemas,
                lang,
                format,
            } => cmd::schema::check(mode, &schemas, lang, format),
            SchemaCommand::Validate { schema, lang } => cmd::schema::validate(&schema, lang),
        },
        Some(Command::ConnectTasks {
            tables,
            tasks_max,
            format,
            lang,
        }) => cmd::connect_tasks::connect_tasks(tables, tasks_max, format, lang),
        Some(Command::Acl {
            command:
                AclCommand::Check {
                    principal,
                    operation,
                    resource,
                    host,
                    acls,
                    super_users,
                    allow_everyone_if_no_acl_found,
                    format,
                    lang,
                },
        }) => cmd::acl::check(
            cmd::acl::AclCheck {
                principal: &principal,
                operation: &operation,
                resource: &resource,
                host: &host,
                acls: &acls,
                super_users: &super_users,
                allow_everyone_if_no_acl_found,
            },
            format,
            lang,
        ),
        Some(Command::Windows {
            tumbling,
            hopping,
            advance,
            sliding,
            session,
            timestamp,
            stream_time,
            grace,
            format,
            lang,
        }) => cmd::windows::windows(
            cmd::windows::WindowsArgs {
                tumbling: tumbling.as_deref(),
                hopping: hopping.as_deref(),
                advance: advance.as_deref(),
                sliding: sliding.as_deref(),
                session: session.as_deref(),
                timestamp: &timestamp,
                stream_time: stream_time.as_deref(),
                grace: &grace,
            },
            format,
            lang,
        ),
        Some(Command::Config {
            kind,
            file,
            configs,
            changed,
            format,
            lang,
        }) => cmd::config::config(kind, file.as_deref(), &configs, changed, format, lang),
        Some(Command::BenchTui { paths, seed, seeks }) => {
            cmd::bench_tui::bench_tui(&paths, seed, seeks)
        }
        Some(Command::Tui {
            scenario,
            seed,
            lang,
            no_save,
            max_events,
        }) => cmd::tui::tui(&scenario, seed, lang, no_save, max_events),
        // `ksim <file>`: the explorer on a terminal; piped or redirected, the run's outcome,
        // so that scripts get text.
        None => match cli.scenario {
            Some(scenario) if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
                cmd::tui::tui(&scenario, cli.seed, None, false, DEFAULT_MAX_EVENTS)
            }
            Some(scenario) => cmd::run::run(&scenario, cli.seed, false, DEFAULT_MAX_EVENTS),
            None => {
                let mut command = <Cli as clap::CommandFactory>::command();
                eprint!("{}", command.render_help());
                return ExitCode::from(2);
            }
        },
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<std::ffi::OsString> {
        list.iter().map(|a| a.into()).collect()
    }

    /// The message for a calculator's command line that clap refuses, or None.
    fn usage(list: &[&str]) -> Option<String> {
        let error = Cli::try_parse_from(args(list)).expect_err("clap refuses it");
        korean_usage_error(&args(list), &error)
    }

    // A calculator's command-line mistakes are told in Korean with --lang ko; in English,
    // and for the other commands, clap's own message stays.
    #[test]
    fn calculator_usage_errors_in_korean() {
        assert_eq!(
            usage(&["ksim", "partition", "user-1", "--lang", "ko"]).as_deref(),
            Some(
                "error: 필수 인수가 빠졌습니다: --partitions <PARTITIONS>\n\n자세한 사용법은 \
                 'ksim partition --help'를 보세요."
            )
        );
        assert_eq!(
            usage(&["ksim", "retention", "--format", "xml", "--lang=ko"]).as_deref(),
            Some(
                "error: '--format <FORMAT>'의 값 'xml'이(가) 잘못되었습니다. 가능한 값: text, \
                 json\n\n자세한 사용법은 'ksim retention --help'를 보세요."
            )
        );
        assert_eq!(
            usage(&[
                "ksim",
                "connect-tasks",
                "--tables",
                "x",
                "--tasks-max",
                "2",
                "--lang",
                "ko"
            ])
            .as_deref(),
            Some(
                "error: '--tables <TABLES>'의 값 'x'이(가) 잘못되었습니다: 숫자여야 합니다\n\n\
                 자세한 사용법은 'ksim connect-tasks --help'를 보세요."
            )
        );
        assert!(
            usage(&["ksim", "assign", "--bogus", "--lang", "ko"])
                .is_some_and(|m| m.starts_with("error: 알 수 없는 인수 '--bogus'"))
        );
        assert_eq!(
            usage(&["ksim", "partition", "user-1", "--lang", "en"]),
            None
        );
        assert_eq!(usage(&["ksim", "run", "--bogus", "--lang", "ko"]), None);
    }

    // A misspelt subcommand, alone or before a scenario, gets the nearest name; real
    // subcommands, flags, existing files and names near nothing are left to clap.
    #[test]
    fn a_misspelt_subcommand_gets_did_you_mean() {
        let expected = "unknown subcommand \"rnu\", did you mean \"run\"? (a scenario file \
                        named rnu does not exist either)";
        assert_eq!(
            misspelt_subcommand(&args(&["ksim", "rnu", "scenarios/x.toml"])).as_deref(),
            Some(expected)
        );
        assert_eq!(
            misspelt_subcommand(&args(&["ksim", "rnu"])).as_deref(),
            Some(expected)
        );
        assert!(
            misspelt_subcommand(&args(&["ksim", "chekc", "scenarios/"]))
                .is_some_and(|m| m.contains("did you mean \"check\"")),
        );
        assert_eq!(misspelt_subcommand(&args(&["ksim", "run", "x.toml"])), None);
        assert_eq!(misspelt_subcommand(&args(&["ksim", "--seed", "3"])), None);
        assert_eq!(misspelt_subcommand(&args(&["ksim", "Cargo.toml"])), None);
        assert_eq!(
            misspelt_subcommand(&args(&["ksim", "my-cluster.toml"])),
            None
        );
    }
}
