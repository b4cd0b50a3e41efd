//! Seeded randomness: one ChaCha8 stream per concern, all from the scenario's seed, so that
//! adding a consumer does not shift the network's draws.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The concerns that draw random numbers; each gets its own stream.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    Network = 1,
    Clients = 2,
    Placement = 3,
    /// The nemesis's fault schedule (`[faults]`).
    Faults = 4,
}

#[derive(Clone, Debug)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    pub fn new(seed: u64, stream: Stream) -> SimRng {
        SimRng::for_member(seed, stream, 0)
    }

    /// A stream of its own for one member of a concern (one producer among the clients), so
    /// that members do not shift each other's draws.
    pub fn for_member(seed: u64, stream: Stream, member: u32) -> SimRng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(((stream as u64) << 32) | member as u64);
        SimRng(rng)
    }

    /// A number in `[low, high]`, both ends included.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if low >= high {
            return low;
        }
        self.0.random_range(low..=high)
    }

    /// A number in `[0, n)`; `n` must be positive.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no answer");
        self.0.random_range(0..n)
    }

    /// The generator itself, for code that takes any `RngCore` (the partitioner).
    pub fn core(&mut self) -> &mut ChaCha8Rng {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The same seed and stream give the same numbers; another stream gives others.
    #[test]
    fn streams_are_reproducible_and_independent() {
        let draw = |stream| {
            let mut rng = SimRng::new(7, stream);
            (0..8)
                .map(|_| rng.between(0, 1_000_000))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(Stream::Network), draw(Stream::Network));
        assert_ne!(draw(Stream::Network), draw(Stream::Clients));
    }
}
