//! Who waits on whom: `World::held_requests` shows what the brokers hold rather than answer at
//! once, consistently with the run, and the shipped scenarios really exercise each kind.

use std::sync::Arc;

use ksim::kafka::held::WaitsFor;
use ksim::world::World;
use ksim_tests::{load, runs_as_scenario};

/// What a run held, by kind: the longest hold seen, and a description of it.
#[derive(Default, Debug)]
struct Seen {
    produce_behind: Option<(u64, String)>,
    fetch_consumer: Option<(u64, String)>,
    fetch_follower: Option<(u64, String)>,
    join: Option<(u64, String)>,
}

fn keep(slot: &mut Option<(u64, String)>, held_for: u64, what: String) {
    if slot.as_ref().is_none_or(|(longest, _)| held_for > *longest) {
        *slot = Some((held_for, what));
    }
}

/// Steps a scenario to its end, checking every held request after each event.
fn scan(path: &std::path::Path) -> Seen {
    let scenario = Arc::new(load(path));
    let mut world = World::new(scenario.clone(), scenario.seed.unwrap_or(0));
    let mut seen = Seen::default();
    while world.step() {
        let now = world.now();
        for held in world.held_requests() {
            let broker = &world.brokers()[held.holder.0 as usize - 1];
            assert!(
                broker.alive,
                "{}: a dead broker holds nothing",
                scenario.file
            );
            assert!(
                held.since <= now,
                "{}: held since the future",
                scenario.file
            );
            if let Some(deadline) = held.deadline {
                assert!(deadline >= now, "{}: held past its deadline", scenario.file);
            }
            let held_for = (now - held.since).0;
            let what = format!("{} at {now}: {held:?}", scenario.file);
            match &held.waits_for {
                WaitsFor::Replication {
                    isr,
                    behind,
                    end,
                    high_watermark,
                    ..
                } => {
                    assert!(
                        high_watermark < end,
                        "{what}: the HW passed it, so it is answered"
                    );
                    assert!(behind.iter().all(|b| isr.contains(b)), "{what}");
                    if !behind.is_empty() {
                        keep(&mut seen.produce_behind, held_for, what);
                    }
                }
                WaitsFor::Data { follower: true, .. } => {
                    keep(&mut seen.fetch_follower, held_for, what)
                }
                WaitsFor::Data {
                    follower: false, ..
                } => keep(&mut seen.fetch_consumer, held_for, what),
                WaitsFor::Join { .. } => keep(&mut seen.join, held_for, what),
                WaitsFor::Sync { .. } => {}
            }
        }
    }
    seen
}

// An acks=all Produce waits while the ISR still holds a cut-off follower, a consumer's and a
// follower's fetch long-poll, and a JoinGroup waits for a member that has not rejoined: each
// is seen in a shipped scenario, for longer than a network round trip.
#[test]
fn shipped_scenarios_hold_requests() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut all = Seen::default();
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .chain(std::fs::read_dir(root.join("lessons")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && runs_as_scenario(p))
        .collect();
    files.sort();
    for path in files {
        let seen = scan(&path);
        for (slot, found) in [
            (&mut all.produce_behind, seen.produce_behind),
            (&mut all.fetch_consumer, seen.fetch_consumer),
            (&mut all.fetch_follower, seen.fetch_follower),
            (&mut all.join, seen.join),
        ] {
            if let Some((held_for, what)) = found {
                keep(slot, held_for, what);
            }
        }
    }
    for (kind, slot) in [
        ("acks=all Produce waiting on a replica", &all.produce_behind),
        ("consumer long poll", &all.fetch_consumer),
        ("follower long poll", &all.fetch_follower),
        ("JoinGroup", &all.join),
    ] {
        let (held_for, _) = slot.as_ref().unwrap_or_else(|| panic!("no {kind} held"));
        assert!(*held_for > 10_000, "{kind} held only {held_for} us");
    }
}
