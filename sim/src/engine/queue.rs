//! The event queue: pending events ordered by (time, sequence number), so that events at the
//! same moment run in the order they were scheduled.
//!
//! The explorer keeps clones of the world as keyframes, so a clone of the queue must be cheap
//! although it holds tens of thousands of pending timers (request and fetch timeouts that
//! almost never fire). Events go to a plain binary heap, which is fast, while it is small or
//! when they are due soon (within `NEAR`); the others to `imbl`'s persistent B-tree, whose
//! clone shares every node and whose changes touch only the nodes near its front and near
//! where new timers land. A small run never uses the tree. Both are ordered by the same
//! (time, sequence) keys, so the order is one queue's whichever holds an event.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use imbl::OrdMap;

use crate::engine::time::SimTime;

/// Events due later than this after the latest popped event wait in the persistent tree,
/// once the heap holds `HEAP_ROOM` events.
const NEAR: SimTime = SimTime::from_millis(100);
const HEAP_ROOM: usize = 1024;

#[derive(Clone, Debug)]
pub struct EventQueue<E: Clone> {
    /// The heap orders small (time, sequence, slot) keys; the events sit in `slots`, which
    /// keeps the heap's work cheap however large an event is.
    near: BinaryHeap<Reverse<(SimTime, u64, u32)>>,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    far: OrdMap<(SimTime, u64), E>,
    /// The far tree's first key, kept at hand: every pop compares it with the heap's top.
    far_first: Option<(SimTime, u64)>,
    /// The time of the latest popped event: the queue's idea of now.
    now: SimTime,
    next_seq: u64,
}

impl<E: Clone> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            near: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            far: OrdMap::new(),
            far_first: None,
            now: SimTime::ZERO,
            next_seq: 0,
        }
    }
}

impl<E: Clone> EventQueue<E> {
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        if time > self.now + NEAR && self.near.len() >= HEAP_ROOM {
            let key = (time, seq);
            self.far.insert(key, event);
            if self.far_first.is_none_or(|first| key < first) {
                self.far_first = Some(key);
            }
            return;
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.near.push(Reverse((time, seq, slot)));
    }

    /// The earliest event, and its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let near_first = self.near.peek().map(|Reverse((t, s, _))| (*t, *s));
        let (time, event) = match (near_first, self.far_first) {
            (Some(near), Some(far)) if far < near => self.pop_far(far),
            (None, Some(far)) => self.pop_far(far),
            (Some(_), _) => {
                let Reverse((time, _, slot)) = self.near.pop()?;
                self.free.push(slot);
                let event = self.slots[slot as usize]
                    .take()
                    .expect("a queued slot holds its event");
                (time, event)
            }
            (None, None) => return None,
        };
        self.now = time;
        Some((time, event))
    }

    fn pop_far(&mut self, key: (SimTime, u64)) -> (SimTime, E) {
        let event = self
            .far
            .remove(&key)
            .expect("the far tree holds its first key");
        self.far_first = self.far.get_min().map(|(k, _)| *k);
        (key.0, event)
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        let near = self.near.peek().map(|Reverse((t, s, _))| (*t, *s));
        match (near, self.far_first) {
            (Some(a), Some(b)) => Some(a.min(b).0),
            (a, b) => a.or(b).map(|k| k.0),
        }
    }

    /// Every pending event with its time, in the order they will run. For views of the
    /// world at a moment (what is on the wire), not for the event loop.
    pub fn pending(&self) -> Vec<(SimTime, &E)> {
        let near = self.near.iter().map(|Reverse((time, seq, slot))| {
            let event = self.slots[*slot as usize]
                .as_ref()
                .expect("a queued slot holds its event");
            ((*time, *seq), event)
        });
        let mut all: Vec<((SimTime, u64), &E)> =
            near.chain(self.far.iter().map(|(k, e)| (*k, e))).collect();
        all.sort_unstable_by_key(|(key, _)| *key);
        all.into_iter()
            .map(|((time, _), event)| (time, event))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.near.len() + self.far.len()
    }

    pub fn is_empty(&self) -> bool {
        self.near.is_empty() && self.far.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Earlier times come first; equal times come in the order they were pushed.
    #[test]
    fn orders_by_time_then_sequence() {
        let mut queue = EventQueue::default();
        queue.push(SimTime(5), "b");
        queue.push(SimTime(1), "a");
        queue.push(SimTime(5), "c");
        queue.push(SimTime(5), "d");
        let order: Vec<&str> = std::iter::from_fn(|| queue.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }

    // `pending` lists what `pop` would return, in the same order, from both structures.
    #[test]
    fn pending_is_the_pop_order() {
        let mut queue = EventQueue::default();
        for i in 0..3000u64 {
            queue.push(SimTime((i * 7919) % 5_000_000), i);
        }
        queue.push(SimTime(42), 3000);
        let pending: Vec<(SimTime, u64)> =
            queue.pending().into_iter().map(|(t, e)| (t, *e)).collect();
        let popped: Vec<(SimTime, u64)> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(pending.len(), 3001);
        assert_eq!(pending, popped);
    }

    // Events due later than `NEAR` wait in the other structure, yet come out in one order:
    // by time, then by when they were pushed, and a clone goes on independently.
    #[test]
    fn near_and_far_events_keep_one_order() {
        let mut queue = EventQueue::default();
        let mut expected = Vec::new();
        let mut seq = 0u64;
        let mut rng = 7u64;
        for round in 0..400u64 {
            for _ in 0..20 {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let delay = match rng >> 62 {
                    0 => 0,
                    1 => (rng >> 20) % 50_000,
                    _ => (rng >> 20) % 30_000_000,
                };
                let time = SimTime(round * 10_000 + delay);
                queue.push(time, seq);
                expected.push((time, seq));
                seq += 1;
            }
            expected.sort();
            let copy = queue.clone();
            let (time, event) = queue.pop().expect("not empty");
            assert_eq!((time, event), expected.remove(0));
            assert_eq!(copy.len(), queue.len() + 1);
            assert_eq!(copy.peek_time(), Some(time));
        }
        assert!(
            queue.near.len() >= HEAP_ROOM - 1 && !queue.far.is_empty(),
            "{} in the heap, {} in the tree",
            queue.near.len(),
            queue.far.len()
        );
        let rest: Vec<_> = std::iter::from_fn(|| queue.pop()).collect();
        assert_eq!(rest, expected);
    }
}
