//! `ksim serve <scenario>`: live mode. The scenario's cluster listens on loopback, one port per
//! broker, for real Kafka clients; on Ctrl-C the run stops and the ledger says what became of
//! the records those clients produced.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use ksim::World;
use ksim::engine::time::SimTime;
use ksim_app::scenario_files;
use ksim_serve::server::{self, Options};

use crate::seed::Seed;

/// How long a live run lasts unless the scenario asks for longer: until Ctrl-C, in practice.
const LIVE_DURATION: SimTime = SimTime::from_secs(7 * 24 * 3600);

pub struct ServeOptions {
    pub port_base: u16,
    /// Where `ksim ctl` reaches the run; `None`: the port below broker 1's.
    pub control_port: Option<u16>,
    pub seed: Option<u64>,
    pub journal: Option<PathBuf>,
    pub trace: bool,
}

/// A scenario as live mode runs it, for `serve` and `replay` alike.
fn live_scenario(path: &Path) -> anyhow::Result<ksim::scenario::Scenario> {
    let mut scenario = scenario_files::load(path)?;
    // A live run lasts until it is stopped, whatever the scenario's own duration.
    scenario.duration = scenario.duration.max(LIVE_DURATION);
    // Real clients may form consumer groups the file never names: the cluster has
    // `__consumer_offsets` from the start.
    scenario.with_offsets_topic();
    Ok(scenario)
}

pub fn serve(path: &Path, options: ServeOptions) -> anyhow::Result<ExitCode> {
    let scenario = live_scenario(path)?;
    let seed = Seed::choose(options.seed, scenario.seed);
    let listeners =
        server::bind(scenario.brokers, options.port_base).map_err(anyhow::Error::msg)?;
    let control_port = options
        .control_port
        .unwrap_or(options.port_base.saturating_sub(1));
    let control = server::bind_control(control_port).map_err(anyhow::Error::msg)?;
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGINT, stop.clone())
        .context("installing the Ctrl-C handler")?;
    signal_hook::flag::register(signal_hook::consts::SIGTERM, stop.clone())
        .context("installing the SIGTERM handler")?;
    let journal: Option<Box<dyn std::io::Write + Send>> = match &options.journal {
        Some(file) => Some(Box::new(std::io::LineWriter::new(
            std::fs::File::create(file)
                .with_context(|| format!("creating the journal {}", file.display()))?,
        ))),
        None => None,
    };
    let brokers: Vec<String> = (0..scenario.brokers)
        .map(|i| format!("b{}=127.0.0.1:{}", i + 1, u32::from(options.port_base) + i))
        .collect();
    let bootstrap: Vec<String> = (0..scenario.brokers)
        .map(|i| format!("127.0.0.1:{}", u32::from(options.port_base) + i))
        .collect();
    let topics: Vec<&str> = scenario
        .topics
        .iter()
        .filter(|t| !t.internal)
        .map(|t| t.name.as_str())
        .collect();
    println!(
        "ksim serve: {}, seed {}; simulated time follows the wall clock",
        scenario.name,
        seed.describe()
    );
    println!("brokers: {}", brokers.join(" "));
    println!("topics: {}", topics.join(", "));
    println!("bootstrap.servers={}", bootstrap.join(","));
    println!(
        "faults: ksim ctl --port {control_port} <{}>",
        ksim_serve::control::COMMANDS
    );
    println!("Ctrl-C stops the run and prints the ledger of the real clients' records");
    let world = World::new(Arc::new(scenario), seed.value);
    let world = server::run(
        world,
        listeners,
        Options {
            port_base: options.port_base,
            journal,
            seed: seed.value,
            control: Some(control),
            stop,
            log: Box::new(|line| println!("ksim serve: {line}")),
            trace: options.trace.then(|| {
                Box::new(|line: String| println!("{line}")) as Box<dyn FnMut(String) + Send>
            }),
        },
    );
    print!("{}", ledger(&world));
    Ok(ExitCode::SUCCESS)
}

/// `ksim replay <scenario> <journal>`: the cluster side of a live run, run again from its
/// journal: the same inputs at the same simulated moments give the same trace and ledger.
pub fn replay(
    path: &Path,
    journal_path: &Path,
    seed: Option<u64>,
    trace: bool,
) -> anyhow::Result<ExitCode> {
    let scenario = live_scenario(path)?;
    let file = std::fs::File::open(journal_path)
        .with_context(|| format!("opening the journal {}", journal_path.display()))?;
    let inputs = ksim_serve::journal::read(std::io::BufReader::new(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", journal_path.display()))?;
    // The journal's own seed, unless --seed overrides it.
    let journaled = inputs.iter().find_map(|(_, input)| match input {
        ksim_serve::journal::Input::Start { seed } => Some(*seed),
        _ => None,
    });
    let seed = Seed::choose(seed.or(journaled), scenario.seed);
    let mut world = World::new(Arc::new(scenario), seed.value);
    // The ports only shape the answers real clients read, which a replay does not send.
    let ports = (0..world.scenario().brokers)
        .map(|i| 19092u16.saturating_add(i as u16))
        .collect();
    ksim_serve::journal::replay(&mut world, ports, &inputs)
        .map_err(|e| anyhow::anyhow!("{}: {e}", journal_path.display()))?;
    if trace {
        let lines = world.trace();
        for i in 0..lines.len() {
            println!("{}", lines.line(i));
        }
    }
    print!("{}", ledger(&world));
    Ok(ExitCode::SUCCESS)
}

/// `ksim ctl <command>`: sends a fault to a live run and prints its answer; exit 1 when the
/// run refused the command, 2 when no run answered.
pub fn ctl(words: &[String], port: u16) -> anyhow::Result<ExitCode> {
    use std::io::{BufRead, Write};
    let command = words.join(" ");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| {
        anyhow::anyhow!(
            "no ksim serve answers on 127.0.0.1:{port} ({e}); it prints the port to use with --port"
        )
    })?;
    writeln!(stream, "{command}").context("sending the command")?;
    let mut answer = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut answer)
        .context("reading the answer")?;
    let answer = answer.trim();
    if answer.is_empty() {
        anyhow::bail!("ksim serve on 127.0.0.1:{port} closed the connection without an answer");
    }
    println!("{answer}");
    Ok(if answer.starts_with("ok") {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What became of the records real clients produced: how many were acknowledged, and each
/// acknowledged one that is gone, with the trace line that lost it.
pub fn ledger(world: &World) -> String {
    let scenario = world.scenario();
    let produced = world.live_record_count();
    let acked = world.live_acked();
    let lost: Vec<_> = world
        .lost_records()
        .filter(|(r, ..)| r.is_external())
        .collect();
    let mut out = format!(
        "\nstopped at {:.3}s: real clients produced {produced} record{}, {} acknowledged, {} acknowledged and lost\n",
        world.now().as_micros() as f64 / 1e6,
        if produced == 1 { "" } else { "s" },
        acked.len(),
        lost.len()
    );
    for (r, tp, offset, line) in lost {
        let record = world.live_record_of(r.n);
        let value = record.map_or("?".to_string(), |l| l.value.to_string());
        let key = record
            .and_then(|l| l.key.as_ref())
            .map_or(String::new(), |k| format!(" (key {k})"));
        out.push_str(&format!(
            "  your record {}@{offset} {value:?}{key} was acknowledged and lost: {}\n",
            scenario.partition_name(tp),
            world.trace().line(line).trim()
        ));
    }
    out
}
