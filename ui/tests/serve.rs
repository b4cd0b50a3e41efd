//! `ksim serve` with a real Kafka client: kcat (librdkafka) produces to the simulated cluster
//! over loopback and consumes the records back, each step bounded in time; a crashed broker's
//! port refuses connections. Skipped, with a message, only when kcat is not installed (and
//! under CI=true, where .ci/run installs it, a missing kcat fails).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

fn have_kcat() -> bool {
    let found = Command::new("kcat")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "kcat is not installed under CI=true: .ci/run should have installed it"
        );
        eprintln!("skipped: kcat is not installed (apt-get install kcat)");
    }
    found
}

/// A base port with `count` free ports after it, on loopback.
fn free_ports(count: u16) -> u16 {
    // Tests run in parallel: each call starts its search elsewhere.
    static CALLS: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mut seed = (std::process::id() as u16).wrapping_add(call.wrapping_mul(7_919));
    for _ in 0..200 {
        seed = seed.wrapping_mul(31).wrapping_add(7);
        let base = 20_000 + seed % 30_000;
        let free = (0..count).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok());
        if free {
            return base;
        }
    }
    panic!("no {count} consecutive free ports on 127.0.0.1");
}

/// A running `ksim serve`, stopped with SIGINT (Ctrl-C) when done.
struct Serve {
    child: Child,
    stdout: mpsc::Receiver<String>,
    port: u16,
}

impl Serve {
    fn start(scenario: &str) -> Serve {
        Serve::start_with(scenario, &[])
    }

    fn start_with(scenario: &str, flags: &[&str]) -> Serve {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        // Three brokers' ports and the ksim ctl port after them.
        let port = free_ports(4);
        let mut child = Command::new(env!("CARGO_BIN_EXE_ksim"))
            .current_dir(&root)
            .args(["serve", scenario, "--port-base", &port.to_string()])
            .args(["--control-port", &(port + 3).to_string()])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ksim starts");
        let (tx, stdout) = mpsc::channel();
        let out = child.stdout.take().expect("piped");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let serve = Serve {
            child,
            stdout,
            port,
        };
        serve.wait_for_line("bootstrap.servers=");
        serve
    }

    fn wait_for_line(&self, text: &str) -> String {
        let deadline = Instant::now() + CLIENT_TIMEOUT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stdout.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("ksim serve never printed a line with {text:?}");
    }

    /// `ksim ctl <command>` against this run: exit code and what it printed.
    fn ctl(&self, command: &str) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_ksim"))
            .args(["ctl", "--port", &(self.port + 3).to_string()])
            .args(command.split_whitespace())
            .output()
            .expect("ksim ctl runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    }

    fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the server as Ctrl-C does; what it printed after (the ledger), and its stderr.
    fn stop(mut self) -> (String, String) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        let status = wait(&mut self.child, CLIENT_TIMEOUT).expect("ksim serve stops on SIGINT");
        assert!(status.success(), "ksim serve exited with {status}");
        let mut rest = Vec::new();
        while let Ok(line) = self.stdout.recv_timeout(Duration::from_secs(2)) {
            rest.push(line);
        }
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        (rest.join("\n"), stderr)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

/// Runs kcat with the given arguments and input, within the time limit: its stdout.
fn kcat(args: &[&str], input: &str) -> String {
    let mut child = Command::new("kcat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kcat starts");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(input.as_bytes())
        .expect("kcat reads its input");
    let mut out = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let status = wait(&mut child, CLIENT_TIMEOUT);
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let stdout = reader.join().expect("the reader thread ends");
    match status {
        Some(s) if s.success() => stdout,
        Some(s) => panic!("kcat {args:?} exited with {s}: {stderr}"),
        None => panic!("kcat {args:?} took more than {CLIENT_TIMEOUT:?}: {stderr}"),
    }
}

// kcat produces three keyed records with acks=all and reads them back from the beginning;
// the ledger at Ctrl-C counts them as acknowledged.
#[test]
fn kcat_produces_and_consumes() {
    if !have_kcat() {
        return;
    }
    let serve = Serve::start("scenarios/live/orders.toml");
    let bootstrap = serve.bootstrap();
    kcat(
        &[
            "-b", &bootstrap, "-P", "-t", "orders", "-K", ":", "-X", "acks=all",
        ],
        "k1:hello\nk2:world\nk3:again\n",
    );
    let out = kcat(
        &[
            "-b",
            &bootstrap,
            "-C",
            "-t",
            "orders",
            "-o",
            "beginning",
            "-e",
            "-q",
            "-f",
            "%k=%s\n",
        ],
        "",
    );
    let mut got: Vec<&str> = out.lines().collect();
    got.sort();
    assert_eq!(got, vec!["k1=hello", "k2=world", "k3=again"]);
    let (ledger, _) = serve.stop();
    assert!(
        ledger.contains("real clients produced 3 records, 3 acknowledged, 0 acknowledged and lost"),
        "{ledger}"
    );
}

// A broker the scenario crashes closes its port: connecting is refused, and the metadata
// kcat reads from another broker no longer lists it.
#[test]
fn a_crashed_broker_refuses_connections() {
    if !have_kcat() {
        return;
    }
    let serve = Serve::start("scenarios/live/broker-2-crashes.toml");
    let second = serve.port + 1;
    assert!(TcpStream::connect(("127.0.0.1", second)).is_ok());
    serve.wait_for_line("ksim serve: broker 2 is down");
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    while TcpStream::connect(("127.0.0.1", second)).is_ok() {
        assert!(Instant::now() < deadline, "broker 2's port still accepts");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Once its session expires (broker.session.timeout.ms, 9 s) the controller fences it:
    // the metadata no longer lists it and its leaderships moved.
    let deadline = Instant::now() + CLIENT_TIMEOUT;
    loop {
        let metadata = kcat(&["-b", &serve.bootstrap(), "-L"], "");
        if metadata.contains(" 2 brokers:") {
            assert!(!metadata.contains("broker 2 at"), "{metadata}");
            assert!(!metadata.contains("leader 2,"), "{metadata}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "broker 2 is still listed: {metadata}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    serve.stop();
}

// The promise: a real acks=1 producer writes to a leader cut off from its followers,
// the leader crashes, another broker takes over without the records, and the ledger names
// each acknowledged record that was lost.
#[test]
fn a_real_acks_1_record_is_acknowledged_and_lost() {
    if !have_kcat() {
        return;
    }
    let serve = Serve::start_with("scenarios/live/acks-1-loss.toml", &["--trace"]);
    serve.wait_for_line("say: Broker 1 is cut off from its followers");
    kcat(
        &[
            "-b",
            &serve.bootstrap(),
            "-P",
            "-t",
            "orders",
            "-K",
            ":",
            "-X",
            "acks=1",
        ],
        "a:one\nb:two\n",
    );
    serve.wait_for_line("LOST 2 acknowledged records [one, two]");
    let (ledger, _) = serve.stop();
    assert!(
        ledger.contains("real clients produced 2 records, 2 acknowledged, 2 acknowledged and lost"),
        "{ledger}"
    );
    assert!(
        ledger.contains("your record orders-0@0 \"one\" (key a) was acknowledged and lost:"),
        "{ledger}"
    );
}

/// Whether python3 can import a client's module; under CI=true, where .ci/run installs it,
/// a missing one fails.
fn have_python_module(module: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 cannot import {module} under CI=true: .ci/run should have installed it"
        );
        eprintln!(
            "skipped: python3 cannot import {module} (pip install kafka-python confluent-kafka)"
        );
    }
    found
}

/// Runs tests/clients/roundtrip.py with a client against a fresh server: five records
/// produced with acks=all and read back by assignment, or with `group`, by a consumer of
/// that group (and none by a second consumer of the group, after the first committed).
fn python_round_trip(client: &str, module: &str, group: Option<&str>) {
    if !have_python_module(module) {
        return;
    }
    let serve = Serve::start("scenarios/live/orders.toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new("python3")
        .current_dir(&root)
        .args([
            "tests/clients/roundtrip.py",
            client,
            &serve.bootstrap(),
            "orders",
            "5",
        ])
        .args(group)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let status = wait(&mut child, CLIENT_TIMEOUT);
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut stdout);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert!(
        status.is_some_and(|s| s.success()),
        "{client} failed ({status:?}): {stdout}{stderr}"
    );
    assert_eq!(stdout, "k0=v0\nk1=v1\nk2=v2\nk3=v3\nk4=v4\n");
    let (ledger, _) = serve.stop();
    assert!(
        ledger.contains("real clients produced 5 records, 5 acknowledged, 0 acknowledged and lost"),
        "{ledger}"
    );
}

// kafka-python, a client of its own (pure Python), produces and consumes.
#[test]
fn kafka_python_produces_and_consumes() {
    python_round_trip("kafka-python", "kafka", None);
}

// kafka-python in a consumer group: it finds the coordinator, joins, assigns as the group's
// leader, commits and leaves; a second consumer of the group starts from the commit.
#[test]
fn kafka_python_consumer_group_commits() {
    python_round_trip("kafka-python", "kafka", Some("readers"));
}

// confluent-kafka (librdkafka) in a consumer group, likewise.
#[test]
fn confluent_kafka_consumer_group_commits() {
    python_round_trip("confluent-kafka", "confluent_kafka", Some("readers"));
}

// confluent-kafka (librdkafka) as an idempotent producer: InitProducerId, then sequenced
// batches through the simulator's idempotence.
#[test]
fn confluent_kafka_idempotent_producer_and_consumer() {
    python_round_trip("confluent-kafka", "confluent_kafka", None);
}

// A port already in use is an error that names the port and the flag that moves the ports.
#[test]
fn a_port_in_use_is_a_clear_error() {
    let base = free_ports(3);
    let _taken = TcpListener::bind(("127.0.0.1", base + 1)).expect("the port is free");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(env!("CARGO_BIN_EXE_ksim"))
        .current_dir(&root)
        .args([
            "serve",
            "scenarios/live/orders.toml",
            "--port-base",
            &base.to_string(),
        ])
        .output()
        .expect("ksim runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("127.0.0.1:{} for broker 2", base + 1))
            && stderr.contains("--port-base"),
        "{stderr}"
    );
}

// A live run's journal runs the cluster side again: `ksim replay` prints the same trace, line
// for line, and the same ledger, though the requests came from real clients on the wall clock
// (kcat producing, then kcat in a consumer group) and a fault from `ksim ctl`.
#[test]
fn a_replay_of_the_journal_gives_the_live_trace() {
    if !have_kcat() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ksim-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let journal = dir.join("journal.jsonl");
    let journal_arg = journal.to_string_lossy().to_string();
    let serve = Serve::start_with(
        "scenarios/live/orders.toml",
        &["--journal", &journal_arg, "--trace"],
    );
    let bootstrap = serve.bootstrap();
    kcat(
        &["-b", &bootstrap, "-P", "-t", "orders", "-K", ":"],
        "k1:a\nk2:b\nk3:c\n",
    );
    let read = kcat(
        &[
            "-b",
            &bootstrap,
            "-G",
            "readers",
            "-o",
            "beginning",
            "-e",
            "-q",
            "orders",
        ],
        "",
    );
    assert_eq!(read.lines().count(), 3, "{read}");
    // A fault from another terminal: applied at the moment it arrives, journaled, replayed.
    let (code, answer) = serve.ctl("crash 2");
    assert_eq!(code, 0, "{answer}");
    assert!(answer.starts_with("ok: at "), "{answer}");
    let (code, answer) = serve.ctl("crash 9");
    assert_eq!(code, 1, "{answer}");
    assert!(answer.contains("not a broker of this cluster"), "{answer}");
    let refused = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", serve.port + 1)).is_err()
    });
    assert!(refused, "broker 2's port closes after `ksim ctl crash 2`");
    let (live, _) = serve.stop();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let replay = Command::new(env!("CARGO_BIN_EXE_ksim"))
        .current_dir(&root)
        .args([
            "replay",
            "scenarios/live/orders.toml",
            &journal_arg,
            "--trace",
        ])
        .output()
        .expect("ksim replay runs");
    assert!(replay.status.success(), "{replay:?}");
    let replayed = String::from_utf8_lossy(&replay.stdout).to_string();
    let trace_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| {
                let t = l.trim_start();
                t.split_once("ms ")
                    .is_some_and(|(time, _)| time.parse::<f64>().is_ok())
            })
            .map(str::to_string)
            .collect()
    };
    let live_trace = trace_lines(&live);
    assert!(
        live_trace.iter().any(|l| l.contains("group readers")),
        "the consumer group is in the trace: {live}"
    );
    assert_eq!(live_trace, trace_lines(&replayed));
    let ledger = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("stopped at"))
            .map(str::to_string)
    };
    assert!(ledger(&live).is_some(), "{live}");
    assert_eq!(ledger(&live), ledger(&replayed));
    let _ = std::fs::remove_dir_all(&dir);
}

// Two real consumers of one group (librdkafka) split the partitions through the simulated
// coordinator; when one leaves, the group rebalances and the other takes them all.
#[test]
fn two_real_consumers_rebalance_when_one_leaves() {
    if !have_python_module("confluent_kafka") {
        return;
    }
    let serve = Serve::start("scenarios/live/orders.toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("timeout")
        .current_dir(&root)
        .args(["60", "python3", "tests/clients/rebalance.py"])
        .args([serve.bootstrap().as_str(), "orders", "3", "pair"])
        .output()
        .expect("python3 starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("after the second left: [0, 1, 2]"),
        "{stdout}"
    );
    let (trace, _) = serve.stop();
    let _ = trace;
}
