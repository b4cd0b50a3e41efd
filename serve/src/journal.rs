//! The journal of a live run, and its replay: every input the cluster side took (a connection
//! opened or closed, a request frame) with the simulated time it entered at, so that the
//! same inputs at the same moments run the cluster again exactly, trace and ledger included.

use std::io::{BufRead, Write};

use bytes::Bytes;
use ksim::World;
use ksim::engine::ids::BrokerId;
use ksim::engine::time::SimTime;
use serde::{Deserialize, Serialize};

use crate::gateway::Gateway;

/// One line of the journal, JSON: `{"at_us":…,"connection":…,"event":…,"data":…}`.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    at_us: u64,
    connection: u32,
    /// `start` (data: the seed), `open` (data: the broker), `frame` (data: the request's
    /// bytes in hex), `close`, `ctl` (data: the command), `stop`.
    event: String,
    data: String,
}

/// An input of the cluster side.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// The run began with this seed.
    Start {
        seed: u64,
    },
    Open {
        connection: u32,
        broker: BrokerId,
    },
    Frame {
        connection: u32,
        frame: Bytes,
    },
    Close {
        connection: u32,
    },
    /// A `ksim ctl` command, applied when it arrived.
    Control {
        command: String,
    },
    /// The run was stopped (Ctrl-C).
    Stop,
}

/// Writes the journal as the run goes.
pub struct Journal {
    out: Option<Box<dyn Write + Send>>,
}

impl Journal {
    pub fn new(out: Option<Box<dyn Write + Send>>) -> Journal {
        Journal { out }
    }

    pub fn record(&mut self, at: SimTime, input: &Input) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let (connection, event, data) = match input {
            Input::Start { seed } => (0, "start", seed.to_string()),
            Input::Open { connection, broker } => (*connection, "open", broker.0.to_string()),
            Input::Frame { connection, frame } => (*connection, "frame", hex(frame)),
            Input::Close { connection } => (*connection, "close", String::new()),
            Input::Control { command } => (0, "ctl", command.clone()),
            Input::Stop => (0, "stop", String::new()),
        };
        let line = Line {
            at_us: at.as_micros(),
            connection,
            event: event.to_string(),
            data,
        };
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string(&line).expect("a journal line always serializes")
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Reads a journal: each input with its simulated time, or the first bad line's number and
/// what was wrong with it.
pub fn read(journal: impl BufRead) -> Result<Vec<(SimTime, Input)>, String> {
    let mut inputs = Vec::new();
    for (i, line) in journal.lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| format!("line {n}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Line = serde_json::from_str(&line).map_err(|e| {
            format!(
                "line {n}: expected {{\"at_us\":…,\"connection\":…,\"event\":…,\"data\":…}}: {e}"
            )
        })?;
        let at = SimTime::from_micros(entry.at_us);
        let connection = entry.connection;
        let input = match entry.event.as_str() {
            "start" => Input::Start {
                seed: entry
                    .data
                    .parse()
                    .map_err(|_| format!("line {n}: a start's data is the seed, a number"))?,
            },
            "open" => Input::Open {
                connection,
                broker: BrokerId(
                    entry
                        .data
                        .parse()
                        .map_err(|_| format!("line {n}: an open's data is a broker id"))?,
                ),
            },
            "frame" => Input::Frame {
                connection,
                frame: Bytes::from(
                    unhex(&entry.data)
                        .ok_or_else(|| format!("line {n}: a frame's data is hex bytes"))?,
                ),
            },
            "close" => Input::Close { connection },
            "ctl" => Input::Control {
                command: entry.data,
            },
            "stop" => Input::Stop,
            other => {
                return Err(format!(
                    "line {n}: unknown event {other:?}; expected start, open, frame, close, ctl or stop"
                ));
            }
        };
        if let Some((last, _)) = inputs.last()
            && at < *last
        {
            return Err(format!(
                "line {n}: at_us {} is before the line above it",
                entry.at_us
            ));
        }
        inputs.push((at, input));
    }
    Ok(inputs)
}

/// Runs the world's events up to `until`, handing the gateway each answer for a real client
/// right after the event that brought it; the connections the gateway gave up on meanwhile,
/// with why. Live mode and replay both move time with it, so what the gateway sends into the
/// world depends only on simulated time.
pub fn advance(world: &mut World, gateway: &mut Gateway, until: SimTime) -> Vec<(u32, String)> {
    let mut closed = Vec::new();
    while let Some(next) = world.next_event_time() {
        if next > until || !world.step() {
            break;
        }
        if world.live_has_answers() {
            gateway.on_answers(world);
            for (connection, reason) in gateway.take_closing() {
                gateway.close(connection);
                closed.push((connection, reason));
            }
        }
    }
    world.advance_to(until);
    closed
}

/// Feeds a journal's inputs to a world at their simulated times, as the live run did, and
/// runs it to the moment the run was stopped (or the last input). A `ctl` command that does
/// not read is an error: the live run applied only commands that did.
pub fn replay(
    world: &mut World,
    ports: Vec<u16>,
    inputs: &[(SimTime, Input)],
) -> Result<(), String> {
    let mut gateway = Gateway::new(ports);
    let brokers = world.scenario().brokers;
    for (at, input) in inputs {
        advance(world, &mut gateway, *at);
        match input {
            Input::Start { .. } => {}
            Input::Open { connection, broker } => gateway.open(*connection, *broker),
            Input::Frame { connection, frame } => {
                gateway.on_frame(world, *connection, frame.clone());
            }
            Input::Close { connection } => gateway.close(*connection),
            Input::Control { command } => {
                let action = crate::control::parse(command, brokers)
                    .map_err(|e| format!("the ctl command at {at}: {e}"))?;
                world.inject(action);
            }
            Input::Stop => break,
        }
        for (connection, _) in gateway.take_closing() {
            gateway.close(connection);
        }
        gateway.take_output();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every input survives a write and a read; bad lines are refused with their number.
    #[test]
    fn inputs_round_trip_and_bad_lines_are_named() {
        let inputs = vec![
            (SimTime::ZERO, Input::Start { seed: 7 }),
            (
                SimTime::from_micros(5),
                Input::Open {
                    connection: 1,
                    broker: BrokerId(2),
                },
            ),
            (
                SimTime::from_micros(9),
                Input::Frame {
                    connection: 1,
                    frame: Bytes::from_static(&[0, 18, 0, 3, 255]),
                },
            ),
            (SimTime::from_micros(12), Input::Close { connection: 1 }),
            (
                SimTime::from_micros(15),
                Input::Control {
                    command: "partition 1 | 2 3".into(),
                },
            ),
            (SimTime::from_micros(20), Input::Stop),
        ];
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut journal = Journal::new(Some(Box::new(Shared(buffer.clone()))));
        for (at, input) in &inputs {
            journal.record(*at, input);
        }
        let text = buffer.lock().unwrap().clone();
        assert_eq!(read(&text[..]).unwrap(), inputs);

        let bad = [
            ("{\"at_us\":1}\n", "line 1: expected"),
            (
                "{\"at_us\":1,\"connection\":1,\"event\":\"frame\",\"data\":\"0g\"}\n",
                "line 1: a frame's data is hex bytes",
            ),
            (
                "{\"at_us\":1,\"connection\":1,\"event\":\"close\",\"data\":\"\"}\n{\"at_us\":0,\"connection\":1,\"event\":\"jump\",\"data\":\"\"}\n",
                "line 2: unknown event \"jump\"",
            ),
            (
                "{\"at_us\":5,\"connection\":1,\"event\":\"close\",\"data\":\"\"}\n{\"at_us\":4,\"connection\":1,\"event\":\"close\",\"data\":\"\"}\n",
                "line 2: at_us 4 is before",
            ),
        ];
        for (text, expected) in bad {
            let error = read(text.as_bytes()).unwrap_err();
            assert!(error.starts_with(expected), "{error}");
        }
    }
}
