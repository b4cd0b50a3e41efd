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
    pub seed: Option<u64>,
    pub journal: Option<PathBuf>,
    pub trace: bool,
}

pub fn serve(path: &Path, options: ServeOptions) -> anyhow::Result<ExitCode> {
    let mut scenario = scenario_files::load(path)?;
    let seed = Seed::choose(options.seed, scenario.seed);
    // A live run lasts until it is stopped, whatever the scenario's own duration.
    scenario.duration = scenario.duration.max(LIVE_DURATION);
    // Real clients may form consumer groups the file never names: the cluster has
    // `__consumer_offsets` from the start.
    scenario.with_offsets_topic();
    let listeners =
        server::bind(scenario.brokers, options.port_base).map_err(anyhow::Error::msg)?;
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
    println!("Ctrl-C stops the run and prints the ledger of the real clients' records");
    let world = World::new(Arc::new(scenario), seed.value);
    let world = server::run(
        world,
        listeners,
        Options {
            port_base: options.port_base,
            journal,
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
