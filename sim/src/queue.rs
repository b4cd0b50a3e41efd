//! The event queue: pending events ordered by (time, sequence number), so that events at the
//! same moment run in the order they were scheduled.
//!
//! Events live in a slab; the heap orders small (time, sequence, slot) keys, which keeps the
//! heap's work cheap however large an event is.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::time::SimTime;

#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<(SimTime, u64, u32)>>,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    pub fn push(&mut self, time: SimTime, event: E) {
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
        self.heap.push(Reverse((time, self.next_seq, slot)));
        self.next_seq += 1;
    }

    /// The earliest event, and its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let Reverse((time, _, slot)) = self.heap.pop()?;
        self.free.push(slot);
        let event = self.slots[slot as usize]
            .take()
            .expect("a queued slot holds its event");
        Some((time, event))
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse((time, _, _))| *time)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
}
