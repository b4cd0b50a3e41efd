//! The live server: one loopback listener per simulated broker, a reader thread per
//! connection, and one loop that owns the `World`, keeps simulated time on the wall clock and
//! lets each request in, stamped with the simulated time it enters at.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ksim::World;
use ksim::engine::ids::BrokerId;
use ksim::engine::time::SimTime;

use crate::control;
use crate::gateway::Gateway;
use crate::journal::{self, Input as Journaled, Journal};
use crate::wire;

/// What the network threads tell the loop.
enum Input {
    Opened {
        connection: u32,
        broker: BrokerId,
        stream: TcpStream,
    },
    Frame {
        connection: u32,
        frame: Bytes,
    },
    Closed {
        connection: u32,
        reason: String,
    },
    /// A `ksim ctl` command, and where its answer goes.
    Control {
        command: String,
        reply: Sender<String>,
    },
}

/// How a live run is set up.
pub struct Options {
    /// The port of broker 1; broker N listens on `port_base + N - 1`.
    pub port_base: u16,
    /// Where to write the journal of requests, if anywhere.
    pub journal: Option<Box<dyn Write + Send>>,
    /// The run's seed, the journal's first line.
    pub seed: u64,
    /// Where `ksim ctl` commands come in, if anywhere (`bind_control`).
    pub control: Option<TcpListener>,
    /// Set to stop the run (Ctrl-C).
    pub stop: Arc<AtomicBool>,
    /// Where the server's log lines go (connections, closes and their reasons).
    pub log: Box<dyn FnMut(String) + Send>,
    /// Where the trace goes as it grows, one line per event, if anywhere.
    pub trace: Option<Box<dyn FnMut(String) + Send>>,
}

/// Binds every broker's listener on 127.0.0.1, or says which port is taken and how to pick
/// others.
pub fn bind(brokers: u32, port_base: u16) -> Result<Vec<TcpListener>, String> {
    (0..brokers)
        .map(|i| {
            let port = u32::from(port_base) + i;
            let port = u16::try_from(port).map_err(|_| {
                format!("broker {} would listen on port {port}, past 65535: lower --port-base", i + 1)
            })?;
            let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
                format!(
                    "cannot listen on 127.0.0.1:{port} for broker {}: {e}; choose other ports with --port-base",
                    i + 1
                )
            })?;
            listener
                .set_nonblocking(true)
                .map_err(|e| format!("127.0.0.1:{port}: {e}"))?;
            Ok(listener)
        })
        .collect()
}

/// Binds the loopback port `ksim ctl` talks to, or says it is taken and how to pick another.
pub fn bind_control(port: u16) -> Result<TcpListener, String> {
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        format!(
            "cannot listen for ksim ctl on 127.0.0.1:{port}: {e}; choose another port with --control-port"
        )
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("127.0.0.1:{port}: {e}"))?;
    Ok(listener)
}

/// Runs the world live until `stop` is set or the world ends; returns it for the ledger.
pub fn run(mut world: World, listeners: Vec<TcpListener>, mut options: Options) -> World {
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().map_or(0, |a: SocketAddr| a.port()))
        .collect();
    let (tx, rx) = mpsc::channel::<Input>();
    let next_connection = Arc::new(std::sync::atomic::AtomicU32::new(1));
    // Per broker: is its process up? A down broker's listener is closed (connections are
    // refused), and opened again on restart.
    let up: Arc<Vec<AtomicBool>> = Arc::new(
        (1..=ports.len() as u32)
            .map(|b| AtomicBool::new(world.is_broker_up(BrokerId(b))))
            .collect(),
    );
    for (i, listener) in listeners.into_iter().enumerate() {
        let tx = tx.clone();
        let up = up.clone();
        let stop = options.stop.clone();
        let next = next_connection.clone();
        let port = ports[i];
        thread::spawn(move || listen(i, port, listener, up, stop, next, tx));
    }
    if let Some(listener) = options.control.take() {
        let tx = tx.clone();
        let stop = options.stop.clone();
        thread::spawn(move || listen_control(listener, stop, tx));
    }
    drop(tx);
    let mut gateway = Gateway::new(ports.clone());
    let mut journal = Journal::new(options.journal.take());
    journal.record(world.now(), &Journaled::Start { seed: options.seed });
    let mut streams: std::collections::BTreeMap<u32, TcpStream> = Default::default();
    let start = Instant::now();
    // Simulated time starts where the world is (0) and follows the wall clock from here.
    let origin = world.now();
    let mut traced = 0;
    loop {
        if options.stop.load(Ordering::SeqCst) || world.is_finished() {
            break;
        }
        let wall = origin + SimTime::from_micros(start.elapsed().as_micros() as u64);
        let closed = journal::advance(&mut world, &mut gateway, wall);
        close_all(&mut streams, &mut options, closed);
        // Brokers that crashed or came back: their listeners follow.
        for (i, flag) in up.iter().enumerate() {
            let broker = BrokerId(i as u32 + 1);
            let now_up = world.is_broker_up(broker);
            let was_up = flag.swap(now_up, Ordering::SeqCst);
            if was_up && !now_up {
                (options.log)(format!(
                    "broker {} is down: its port {} closes",
                    broker.0, ports[i]
                ));
                for connection in gateway.connections_to(broker) {
                    if let Some(stream) = streams.remove(&connection) {
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                    journal.record(world.now(), &Journaled::Close { connection });
                    gateway.close(connection);
                }
            } else if !was_up && now_up {
                (options.log)(format!("broker {} is up: its port opens again", broker.0));
            }
        }
        flush(
            &mut gateway,
            &mut streams,
            &mut options,
            &mut journal,
            world.now(),
        );
        print_trace(&world, &mut options, &mut traced);
        let wait = world
            .next_event_time()
            .map(|t| t.saturating_sub(wall))
            .map_or(Duration::from_millis(20), |d| {
                Duration::from_micros(d.as_micros()).min(Duration::from_millis(20))
            });
        let input = match rx.recv_timeout(wait) {
            Ok(input) => input,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // The request enters at the simulated time of its arrival on the wall clock.
        let wall = origin + SimTime::from_micros(start.elapsed().as_micros() as u64);
        let closed = journal::advance(&mut world, &mut gateway, wall);
        close_all(&mut streams, &mut options, closed);
        match input {
            Input::Opened {
                connection,
                broker,
                stream,
            } => {
                if !world.is_broker_up(broker) {
                    let _ = stream.shutdown(Shutdown::Both);
                    continue;
                }
                gateway.open(connection, broker);
                streams.insert(connection, stream);
                journal.record(world.now(), &Journaled::Open { connection, broker });
            }
            Input::Frame { connection, frame } => {
                journal.record(
                    world.now(),
                    &Journaled::Frame {
                        connection,
                        frame: frame.clone(),
                    },
                );
                gateway.on_frame(&mut world, connection, frame);
            }
            Input::Closed { connection, reason } => {
                if streams.remove(&connection).is_some() {
                    (options.log)(format!("connection {connection} closed: {reason}"));
                    journal.record(world.now(), &Journaled::Close { connection });
                }
                gateway.close(connection);
            }
            Input::Control { command, reply } => {
                let answer = match control::parse(&command, ports.len() as u32) {
                    Ok(action) => {
                        journal.record(
                            world.now(),
                            &Journaled::Control {
                                command: command.trim().to_string(),
                            },
                        );
                        world.inject(action);
                        let line = format!("{}: {}", world.now(), command.trim());
                        (options.log)(format!("ksim ctl at {line}"));
                        format!("ok: at {line}")
                    }
                    Err(e) => format!("error: {e}"),
                };
                let _ = reply.send(answer);
            }
        }
        flush(
            &mut gateway,
            &mut streams,
            &mut options,
            &mut journal,
            world.now(),
        );
    }
    journal.record(world.now(), &Journaled::Stop);
    print_trace(&world, &mut options, &mut traced);
    for stream in streams.values() {
        let _ = stream.shutdown(Shutdown::Both);
    }
    world
}

/// Prints the trace lines added since the last call, if the trace is asked for.
fn print_trace(world: &World, options: &mut Options, traced: &mut usize) {
    if let Some(out) = options.trace.as_mut() {
        let trace = world.trace();
        for i in *traced..trace.len() {
            out(trace.line(i));
        }
        *traced = trace.len();
    }
}

/// Closes the sockets of connections the gateway already gave up on, with why.
fn close_all(
    streams: &mut std::collections::BTreeMap<u32, TcpStream>,
    options: &mut Options,
    closed: Vec<(u32, String)>,
) {
    for (connection, reason) in closed {
        if let Some(stream) = streams.remove(&connection) {
            (options.log)(format!("closing connection {connection}: {reason}"));
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

/// Writes the answers that are ready, and closes the connections the gateway gave up on or
/// whose broker is down.
fn flush(
    gateway: &mut Gateway,
    streams: &mut std::collections::BTreeMap<u32, TcpStream>,
    options: &mut Options,
    journal: &mut Journal,
    now: SimTime,
) {
    for (connection, bytes) in gateway.take_output() {
        if let Some(stream) = streams.get_mut(&connection)
            && let Err(e) = stream.write_all(&bytes)
        {
            // The world never learns of it, but the gateway forgets the connection's
            // requests, so a replay must too.
            journal.record(now, &Journaled::Close { connection });
            gateway.close(connection);
            streams.remove(&connection);
            (options.log)(format!("connection {connection}: write failed: {e}"));
        }
    }
    for (connection, reason) in gateway.take_closing() {
        if let Some(stream) = streams.remove(&connection) {
            (options.log)(format!("closing connection {connection}: {reason}"));
            let _ = stream.shutdown(Shutdown::Both);
        }
        gateway.close(connection);
    }
}

/// A broker's accept loop: connections are taken only while its process is up; while it is
/// down its socket is closed, so clients are refused as by a dead broker.
fn listen(
    index: usize,
    port: u16,
    listener: TcpListener,
    up: Arc<Vec<AtomicBool>>,
    stop: Arc<AtomicBool>,
    next: Arc<std::sync::atomic::AtomicU32>,
    tx: Sender<Input>,
) {
    let broker = BrokerId(index as u32 + 1);
    let mut listener = Some(listener);
    while !stop.load(Ordering::SeqCst) {
        let is_up = up[index].load(Ordering::SeqCst);
        if !is_up {
            listener = None;
        } else if listener.is_none() {
            listener = TcpListener::bind(("127.0.0.1", port)).ok();
            if let Some(l) = &listener {
                let _ = l.set_nonblocking(true);
            }
        }
        let Some(l) = &listener else {
            thread::sleep(Duration::from_millis(20));
            continue;
        };
        match l.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_nodelay(true);
                let connection = next.fetch_add(1, Ordering::SeqCst);
                let Ok(reader) = stream.try_clone() else {
                    continue;
                };
                if tx
                    .send(Input::Opened {
                        connection,
                        broker,
                        stream,
                    })
                    .is_err()
                {
                    return;
                }
                let tx = tx.clone();
                thread::spawn(move || read_frames(connection, reader, tx));
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// The control port's accept loop: one command line per connection, answered with one line.
fn listen_control(listener: TcpListener, stop: Arc<AtomicBool>, tx: Sender<Input>) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(mut writer) = stream.try_clone() else {
                    continue;
                };
                let mut line = String::new();
                if std::io::BufRead::read_line(&mut std::io::BufReader::new(stream), &mut line)
                    .is_err()
                {
                    continue;
                }
                let (reply, answer) = mpsc::channel();
                let command = line.trim().to_string();
                if tx.send(Input::Control { command, reply }).is_err() {
                    return;
                }
                if let Ok(text) = answer.recv_timeout(Duration::from_secs(5)) {
                    let _ = writeln!(writer, "{text}");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Reads size-prefixed frames until the connection ends or sends what Kafka would refuse.
fn read_frames(connection: u32, mut stream: TcpStream, tx: Sender<Input>) {
    let reason = loop {
        let mut prefix = [0u8; 4];
        if let Err(e) = stream.read_exact(&mut prefix) {
            break match e.kind() {
                std::io::ErrorKind::UnexpectedEof => "the client closed it".to_string(),
                _ => format!("reading from it failed: {e}"),
            };
        }
        let size = match wire::frame_size(prefix) {
            Ok(size) => size,
            Err(reason) => break reason,
        };
        let mut frame = vec![0u8; size];
        if let Err(e) = stream.read_exact(&mut frame) {
            break format!("the client closed it mid-frame ({e})");
        }
        let frame = Bytes::from(frame);
        if tx.send(Input::Frame { connection, frame }).is_err() {
            return;
        }
    };
    let _ = stream.shutdown(Shutdown::Both);
    let _ = tx.send(Input::Closed { connection, reason });
}
