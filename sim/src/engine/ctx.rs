//! What a node's handler works with: the clock, its own address, and somewhere to put the
//! effects it asks for (messages, timers, trace entries, notes), which the world applies.
//!
//! The engine knows nothing of Kafka: a [`Model`] names the four kinds of effect, and the
//! Kafka layer fixes them (`kafka::effects`). Handlers stay synchronous and return their
//! effects as values, so the engine, the explorer's what-ifs and unit tests drive the same code.

use std::fmt::Debug;

use crate::engine::ids::NodeId;
use crate::engine::time::SimTime;

/// The kinds of effect a model's nodes ask for.
pub trait Model {
    type Message: Clone + Debug;
    type Timer: Clone + Debug;
    type Trace: Clone + Debug;
    type Note: Clone + Debug;
}

/// Something a node asked for while handling an event.
pub enum Effect<M: Model> {
    Send(NodeId, M::Message),
    Timer(SimTime, M::Timer),
    Trace(M::Trace),
    Note(M::Note),
}

impl<M: Model> Clone for Effect<M> {
    fn clone(&self) -> Self {
        match self {
            Effect::Send(to, message) => Effect::Send(*to, message.clone()),
            Effect::Timer(at, timer) => Effect::Timer(*at, timer.clone()),
            Effect::Trace(event) => Effect::Trace(event.clone()),
            Effect::Note(note) => Effect::Note(note.clone()),
        }
    }
}

impl<M: Model> Debug for Effect<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Effect::Send(to, message) => f.debug_tuple("Send").field(to).field(message).finish(),
            Effect::Timer(at, timer) => f.debug_tuple("Timer").field(at).field(timer).finish(),
            Effect::Trace(event) => f.debug_tuple("Trace").field(event).finish(),
            Effect::Note(note) => f.debug_tuple("Note").field(note).finish(),
        }
    }
}

/// The context one handler call gets.
pub struct Ctx<'a, M: Model> {
    pub now: SimTime,
    pub me: NodeId,
    effects: &'a mut Vec<Effect<M>>,
}

impl<'a, M: Model> Ctx<'a, M> {
    /// A context whose effects go to `effects`: the world makes one per event, and unit tests
    /// of a node's rules make one to drive the node by hand.
    pub fn new(now: SimTime, me: NodeId, effects: &'a mut Vec<Effect<M>>) -> Ctx<'a, M> {
        Ctx { now, me, effects }
    }

    pub fn send(&mut self, to: NodeId, message: M::Message) {
        self.effects.push(Effect::Send(to, message));
    }

    /// A timer at `at`, or now if `at` has passed: time never runs backwards.
    pub fn timer_at(&mut self, at: SimTime, timer: M::Timer) {
        self.effects.push(Effect::Timer(at.max(self.now), timer));
    }

    pub fn timer_after(&mut self, after: SimTime, timer: M::Timer) {
        self.effects.push(Effect::Timer(self.now + after, timer));
    }

    pub fn trace(&mut self, event: M::Trace) {
        self.effects.push(Effect::Trace(event));
    }

    pub fn note(&mut self, note: M::Note) {
        self.effects.push(Effect::Note(note));
    }
}
