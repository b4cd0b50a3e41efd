//! The timeline of one run: every trace event, the engine step that produced it, and
//! keyframes (clones of the world) so that any moment can be shown by cloning the nearest
//! keyframe and replaying a few steps. What-if branches share their parent's past.
//!
//! A timeline is recorded in slices (`record_steps`), so that the explorer can draw its first
//! frame at once and keep recording between frames: the entries and keyframes grow, and
//! what a slice adds does not depend on where the slices were cut.

use std::sync::Arc;

use ksim::World;
use ksim::engine::shared::SharedVec;
use ksim::kafka::trace::{Trace, TraceEntry};
use ksim::scenario::Action;
use ksim::world::{DEFAULT_MAX_EVENTS, Runaway};

/// Keyframes kept per run at most; past this, every other one is dropped and the interval
/// doubles, so that memory stays bounded on long runs while seeking stays a short replay.
/// A keyframe shares all but what changed since the one before (the world's long histories
/// are persistent), so hundreds of them cost far less than hundreds of worlds.
const MAX_KEYFRAMES: usize = 512;

/// Engine steps between two samples of the consumers' lag.
const LAG_SAMPLE_INTERVAL: u64 = 32;

/// A clone of the world at some engine step. A pinned keyframe is where a branch departs
/// from its parent (the fault waits in its queue); it is never thinned out.
#[derive(Clone)]
struct Keyframe {
    world: Arc<World>,
    pinned: bool,
}

#[derive(Clone)]
pub struct Timeline {
    /// The run's trace with its entries drained: it names topics and clients for rendering.
    pub names: Trace,
    /// Shared with the branches taken from it, chunk by chunk, as far as they agree.
    pub entries: SharedVec<TraceEntry>,
    /// For each entry, the engine step after which it exists (`World::events_processed`).
    pub engine_at: Vec<u64>,
    keyframes: Vec<Keyframe>,
    /// Engine steps between two keyframes.
    pub interval: u64,
    /// The world as far as the recording has gone: the run's last world once it is done.
    pub final_world: Arc<World>,
    /// False once the run has reached its end.
    recording: bool,
    /// The engine events after which the recording stops short of the end (`--max-events`).
    pub max_events: u64,
    /// Set when the recording stopped at `max_events` rather than at the end of the run.
    pub runaway: Option<Runaway>,
    /// Every `LAG_SAMPLE_INTERVAL` engine steps, each consumer's lag summed over its
    /// partitions: the history the cluster view draws as a sparkline.
    pub lag_samples: Vec<(u64, Vec<u64>)>,
}

impl Timeline {
    /// Runs a fresh world to its end, keeping keyframes every `interval` engine steps.
    pub fn record(world: World, interval: u64) -> Timeline {
        let mut timeline = Timeline::start(world, interval);
        timeline.record_steps(u64::MAX);
        timeline
    }

    /// A timeline of a fresh world that has recorded nothing yet but its first keyframe:
    /// `record_steps` goes on.
    pub fn start(world: World, interval: u64) -> Timeline {
        let mut timeline = Timeline {
            names: world.trace().clone(),
            entries: SharedVec::new(),
            engine_at: Vec::new(),
            keyframes: Vec::new(),
            interval: interval.max(1),
            final_world: Arc::new(world.clone()),
            recording: true,
            max_events: DEFAULT_MAX_EVENTS,
            runaway: None,
            lag_samples: Vec::new(),
        };
        timeline.begin(world, false);
        timeline
    }

    /// A what-if: this timeline up to entry `index`, then `action` injected at that moment
    /// and the run continued to its end. The past is shared, only the future differs.
    pub fn branch(&self, index: usize, action: Action) -> Timeline {
        let mut world = self.world_at(index);
        let engine = world.events_processed();
        let prefix = self.engine_at.partition_point(|&e| e <= engine);
        world.inject(action);
        let mut timeline = Timeline {
            names: self.names.clone(),
            entries: {
                let mut entries = self.entries.clone();
                entries.truncate(prefix);
                entries
            },
            engine_at: self.engine_at[..prefix].to_vec(),
            keyframes: self
                .keyframes
                .iter()
                .filter(|k| k.world.events_processed() <= engine)
                .cloned()
                .collect(),
            interval: self.interval,
            final_world: self.final_world.clone(),
            recording: true,
            max_events: self.max_events,
            runaway: None,
            lag_samples: self
                .lag_samples
                .iter()
                .filter(|(e, _)| *e <= engine)
                .cloned()
                .collect(),
        };
        timeline.begin(world, true);
        timeline
    }

    /// Takes the world where the recording starts as a keyframe (pinned for a branch, and
    /// for the very first one) and makes it the one the recording goes on from.
    fn begin(&mut self, mut world: World, pin: bool) {
        self.take_entries(&mut world);
        self.keyframes.push(Keyframe {
            world: Arc::new(world.clone()),
            pinned: pin || self.keyframes.is_empty(),
        });
        self.final_world = Arc::new(world);
    }

    /// Runs up to `steps` more engine steps of the recording. True once the run has ended.
    pub fn record_steps(&mut self, steps: u64) -> bool {
        if !self.recording {
            return true;
        }
        let mut final_world =
            std::mem::replace(&mut self.final_world, self.keyframes[0].world.clone());
        let world = Arc::make_mut(&mut final_world);
        for _ in 0..steps {
            if world.events_processed() >= self.max_events {
                self.runaway = Some(Runaway {
                    max_events: self.max_events,
                    reached: world.now(),
                    duration: world.scenario().duration,
                });
                self.recording = false;
                break;
            }
            let more = world.step();
            self.take_entries(world);
            if !more {
                self.recording = false;
                break;
            }
            if !world.consumers().is_empty()
                && world.events_processed().is_multiple_of(LAG_SAMPLE_INTERVAL)
            {
                let lags = world
                    .consumers()
                    .iter()
                    .map(|c| c.lag().values().sum())
                    .collect();
                self.lag_samples.push((world.events_processed(), lags));
            }
            if world.events_processed().is_multiple_of(self.interval) {
                self.keyframes.push(Keyframe {
                    world: Arc::new(world.clone()),
                    pinned: false,
                });
                if self.keyframes.len() > MAX_KEYFRAMES {
                    self.interval *= 2;
                    let interval = self.interval;
                    self.keyframes.retain(|k| {
                        k.pinned || k.world.events_processed().is_multiple_of(interval)
                    });
                }
            }
        }
        self.final_world = final_world;
        !self.recording
    }

    /// True while the run has not reached its end.
    pub fn is_recording(&self) -> bool {
        self.recording
    }

    /// How far the recording has gone, from 0 to 1, by simulated time.
    pub fn recorded_fraction(&self) -> f64 {
        if !self.recording {
            return 1.0;
        }
        let duration = self.final_world.scenario().duration.as_micros().max(1);
        (self.final_world.now().as_micros() as f64 / duration as f64).clamp(0.0, 1.0)
    }

    fn take_entries(&mut self, world: &mut World) {
        if world.trace().entries().is_empty() {
            return;
        }
        let engine = world.events_processed();
        for entry in world.drain_trace() {
            self.entries.push(entry);
            self.engine_at.push(engine);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No event recorded yet.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn keyframe_count(&self) -> usize {
        self.keyframes.len()
    }

    /// The engine step at which entry `index` exists (0 for an empty trace).
    pub fn engine_step(&self, index: usize) -> u64 {
        self.engine_at
            .get(index.min(self.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    }

    /// The engine step of the keyframe a seek to engine step `engine` would start from.
    pub fn keyframe_before(&self, engine: u64) -> u64 {
        let at = self
            .keyframes
            .partition_point(|k| k.world.events_processed() <= engine)
            .saturating_sub(1);
        self.keyframes[at].world.events_processed()
    }

    /// The world just after the step that produced entry `index`: the nearest keyframe
    /// at or before it, cloned, then replayed.
    pub fn world_at(&self, index: usize) -> World {
        let engine = self.engine_step(index);
        let at = self
            .keyframes
            .partition_point(|k| k.world.events_processed() <= engine)
            .saturating_sub(1);
        let mut world = World::clone(&self.keyframes[at].world);
        Self::advance(&mut world, engine);
        world
    }

    /// Steps a world forward to engine step `engine` (no-op when it is there or past it).
    pub fn advance(world: &mut World, engine: u64) {
        while world.events_processed() < engine && world.step() {
            if !world.trace().entries().is_empty() {
                world.drain_trace();
            }
        }
        if !world.trace().entries().is_empty() {
            world.drain_trace();
        }
    }

    /// A consumer's lag from the start to engine step `engine`, as `points` evenly spaced
    /// samples.
    pub fn lag_history(&self, consumer: usize, engine: u64, points: usize) -> Vec<u64> {
        let upto = self.lag_samples.partition_point(|(e, _)| *e <= engine);
        if upto == 0 || points == 0 {
            return Vec::new();
        }
        (0..points)
            .map(|i| {
                let at = (i * (upto - 1)) / points.saturating_sub(1).max(1);
                self.lag_samples[at.min(upto - 1)]
                    .1
                    .get(consumer)
                    .copied()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// One entry as its trace line.
    pub fn line(&self, index: usize) -> String {
        self.names.entry_line(&self.entries[index])
    }

    /// One entry as its trace line in the explorer's language.
    pub fn line_in(&self, index: usize, lang: ksim::scenario::Lang) -> String {
        self.names.entry_line_in(&self.entries[index], lang)
    }

    /// The first entry at which two timelines differ, if they do.
    pub fn diverges_from(&self, other: &Timeline) -> Option<usize> {
        let common = self
            .entries
            .iter()
            .zip(&other.entries)
            .position(|(a, b)| a != b);
        match common {
            Some(i) => Some(i),
            None if self.len() != other.len() => Some(self.len().min(other.len())),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(file: &str) -> World {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let scenario = ksim::scenario::parse(&text, file).unwrap();
        let seed = scenario.seed.unwrap_or(0);
        World::new(Arc::new(scenario), seed)
    }

    // The recorded trace is the run's trace, line for line, and keyframes reproduce it.
    #[test]
    fn recording_keeps_the_whole_trace() {
        let mut whole = world("scenarios/acks-1-loses-acked-record.toml");
        let timeline = Timeline::record(whole.clone(), 16);
        whole.run_to_end();
        assert!(timeline.entries.iter().eq(whole.trace().entries()));
        assert!(timeline.keyframe_count() > 2);
    }

    // Seeking from a keyframe gives the same world as playing from the start.
    #[test]
    fn seeking_equals_playing() {
        let start = world("scenarios/acks-1-loses-acked-record.toml");
        let timeline = Timeline::record(start.clone(), 8);
        for index in [0, 5, timeline.len() / 2, timeline.len() - 1] {
            let sought = timeline.world_at(index);
            let mut played = start.clone();
            Timeline::advance(&mut played, timeline.engine_step(index));
            assert_eq!(sought.describe(), played.describe(), "at entry {index}");
            assert_eq!(sought.events_processed(), played.events_processed());
        }
    }

    // A branch shares the past and departs from it only after the fault.
    #[test]
    fn a_branch_keeps_the_past() {
        let timeline =
            Timeline::record(world("scenarios/lessons/F17-acks-1-high-watermark.toml"), 8);
        let index = timeline.len() / 3;
        let mut branch = timeline.branch(index, Action::Crash(ksim::engine::ids::BrokerId(1)));
        assert!(
            branch.is_recording(),
            "a branch is recorded as the explorer goes on"
        );
        branch.record_steps(u64::MAX);
        let diverged = branch
            .diverges_from(&timeline)
            .expect("the crash changes the run");
        assert!(diverged > index, "diverged at {diverged}, fault at {index}");
        assert!(
            branch
                .entries
                .iter_from(diverged)
                .any(|e| matches!(e.event, ksim::kafka::trace::TraceEvent::Crash))
        );
    }

    // Recording in slices of any size gives the timeline one recording gives: the same
    // entries at the same steps, keyframes at the same steps, the same lag samples.
    #[test]
    fn slices_record_what_one_recording_does() {
        let start = world("scenarios/lessons/F16-rebalance-triggers.toml");
        let whole = Timeline::record(start.clone(), 16);
        for slice in [1, 7, 100] {
            let mut sliced = Timeline::start(start.clone(), 16);
            let mut slices = 0;
            while !sliced.record_steps(slice) {
                assert!(sliced.is_recording());
                assert!(sliced.recorded_fraction() < 1.0);
                slices += 1;
            }
            assert!(slices > 1, "slices of {slice} steps");
            assert!(!sliced.is_recording());
            assert_eq!(sliced.recorded_fraction(), 1.0);
            assert_eq!(sliced.entries, whole.entries);
            assert_eq!(sliced.engine_at, whole.engine_at);
            assert_eq!(sliced.lag_samples, whole.lag_samples);
            assert_eq!(sliced.interval, whole.interval);
            let steps = |t: &Timeline| -> Vec<u64> {
                t.keyframes
                    .iter()
                    .map(|k| k.world.events_processed())
                    .collect()
            };
            assert_eq!(steps(&sliced), steps(&whole));
            assert_eq!(sliced.final_world.describe(), whole.final_world.describe());
        }
    }

    // Past `MAX_KEYFRAMES` the interval doubles and keyframes thin out, so a long run keeps
    // a bounded number of them, evenly spaced.
    #[test]
    fn keyframes_stay_bounded() {
        let timeline = Timeline::record(world("scenarios/lessons/F14-records-lag-max.toml"), 1);
        assert!(timeline.keyframe_count() <= MAX_KEYFRAMES);
        assert!(timeline.keyframe_count() > MAX_KEYFRAMES / 2);
        assert!(timeline.interval > 1);
        let end = timeline.final_world.events_processed();
        for index in [0, timeline.len() / 3, timeline.len() - 1] {
            let engine = timeline.engine_step(index);
            assert!(engine - timeline.keyframe_before(engine) < timeline.interval);
            assert!(engine <= end);
        }
    }
}
