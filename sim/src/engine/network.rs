//! The simulated network: a seeded latency per message, FIFO delivery per connection, and
//! link faults (cut, slowed). It decides when a message arrives and whether it arrives at all.

use std::collections::BTreeSet;

use crate::engine::ids::{BrokerId, NodeId};
use crate::engine::rng::SimRng;
use crate::engine::time::SimTime;

/// The shortest time a message takes, the simulation's resolution: one microsecond. A
/// `[network] latency` of zero means "as fast as the simulation can tell apart", not "in the
/// same instant".
pub const MIN_LATENCY: SimTime = SimTime(1);

#[derive(Clone, Debug)]
pub struct Network {
    latency_min: SimTime,
    latency_max: SimTime,
    brokers: u32,
    nodes: usize,
    producers: u32,
    /// When the last message on each (from, to) connection arrives; a later message may not
    /// overtake it (TCP keeps order on a connection).
    last_arrival: Vec<SimTime>,
    /// Links that carry nothing, as (from, to) node indices; a cut in both directions is two
    /// entries.
    cut: BTreeSet<(usize, usize)>,
    /// Extra latency per node, added to every message it sends or receives.
    slow: Vec<SimTime>,
    /// Messages dropped so far per (from, to) link: sent into a cut, or arriving at a node
    /// that went down or restarted while they travelled.
    dropped: Vec<u64>,
}

impl Network {
    pub fn new(
        latency_min: SimTime,
        latency_max: SimTime,
        brokers: u32,
        producers: u32,
        consumers: u32,
    ) -> Network {
        // The last index stands for every real client's connection in live mode: they share
        // one place in the network, so a fault on a broker's links reaches them all.
        let nodes = 2 + brokers as usize + producers as usize + consumers as usize;
        Network {
            latency_min,
            latency_max,
            brokers,
            nodes,
            producers,
            last_arrival: vec![SimTime::ZERO; nodes * nodes],
            cut: BTreeSet::new(),
            slow: vec![SimTime::ZERO; nodes],
            dropped: vec![0; nodes * nodes],
        }
    }

    /// A dense index per node: the controller, then brokers, producers, consumers, and last
    /// the real clients of live mode.
    pub fn index(&self, node: NodeId) -> usize {
        match node {
            NodeId::Controller => 0,
            NodeId::Broker(b) => b.0 as usize,
            NodeId::Producer(p) => 1 + self.brokers as usize + p.0 as usize,
            NodeId::Consumer(c) => {
                1 + self.brokers as usize + self.producers as usize + c.0 as usize
            }
            NodeId::External(_) => self.nodes - 1,
        }
    }

    pub fn node_count(&self) -> usize {
        self.nodes
    }

    /// When a message sent now from `from` to `to` arrives: never in the instant it was sent.
    /// A real round trip always costs time, which is what keeps Kafka's fetch loops from
    /// spinning when a fetch returns at once (`fetch.max.wait.ms = 0` or
    /// `replica.fetch.wait.max.ms = 0` on an idle partition): with `latency = "0s"` every
    /// message still takes `MIN_LATENCY`, so simulated time moves forward.
    pub fn arrival(&mut self, now: SimTime, from: NodeId, to: NodeId, rng: &mut SimRng) -> SimTime {
        let (f, t) = (self.index(from), self.index(to));
        let drawn = SimTime(rng.between(self.latency_min.0, self.latency_max.0));
        let latency = drawn.max(MIN_LATENCY);
        let arrival = now + latency + self.slow[f] + self.slow[t];
        let last = &mut self.last_arrival[f * self.nodes + t];
        let arrival = arrival.max(*last);
        *last = arrival;
        arrival
    }

    pub fn count_drop(&mut self, from: NodeId, to: NodeId) {
        let link = self.index(from) * self.nodes + self.index(to);
        self.dropped[link] += 1;
    }

    pub fn dropped(&self, from: NodeId, to: NodeId) -> u64 {
        self.dropped[self.index(from) * self.nodes + self.index(to)]
    }

    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        !self.cut.is_empty() && self.cut.contains(&(self.index(from), self.index(to)))
    }

    /// Cuts every link of a broker, with everyone.
    pub fn isolate(&mut self, broker: BrokerId) {
        let b = broker.0 as usize;
        for other in 0..self.nodes {
            if other != b {
                self.cut.insert((b, other));
                self.cut.insert((other, b));
            }
        }
    }

    /// Cuts the links between brokers of different groups; the controller and the clients
    /// keep all their links.
    pub fn partition(&mut self, groups: &[Vec<BrokerId>]) {
        for (i, a) in groups.iter().enumerate() {
            for b in groups.iter().skip(i + 1) {
                for x in a {
                    for y in b {
                        self.cut.insert((x.0 as usize, y.0 as usize));
                        self.cut.insert((y.0 as usize, x.0 as usize));
                    }
                }
            }
        }
    }

    pub fn slow(&mut self, broker: BrokerId, latency: SimTime) {
        self.slow[broker.0 as usize] = latency;
    }

    /// Removes every fault: cuts and slowed links.
    pub fn heal(&mut self) {
        self.cut.clear();
        self.slow.iter_mut().for_each(|s| *s = SimTime::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::ProducerIdx;
    use crate::engine::rng::Stream;

    // A message never overtakes an earlier one on the same connection, whatever the draws.
    #[test]
    fn delivery_is_fifo_per_connection() {
        let mut net = Network::new(SimTime(100), SimTime(5_000), 3, 1, 0);
        let mut rng = SimRng::new(1, Stream::Network);
        let (from, to) = (NodeId::Broker(BrokerId(1)), NodeId::Broker(BrokerId(2)));
        let mut last = SimTime::ZERO;
        for t in 0..200 {
            let arrival = net.arrival(SimTime(t * 10), from, to, &mut rng);
            assert!(arrival >= last);
            last = arrival;
        }
    }

    // Every node has its own index, and all real clients of live mode share the last one.
    #[test]
    fn indexes_are_dense_with_live_clients_last() {
        use crate::engine::ids::ConsumerIdx;
        let net = Network::new(SimTime(1), SimTime(1), 3, 2, 1);
        assert_eq!(net.node_count(), 1 + 3 + 2 + 1 + 1);
        let indexes: Vec<usize> = [
            NodeId::Controller,
            NodeId::Broker(BrokerId(1)),
            NodeId::Broker(BrokerId(3)),
            NodeId::Producer(ProducerIdx(0)),
            NodeId::Producer(ProducerIdx(1)),
            NodeId::Consumer(ConsumerIdx(0)),
            NodeId::External(0),
        ]
        .iter()
        .map(|&n| net.index(n))
        .collect();
        assert_eq!(indexes, vec![0, 1, 3, 4, 5, 6, 7]);
        assert_eq!(net.index(NodeId::External(9)), 7);
    }

    // Isolating a broker cuts it off from clients too; a partition spares the clients.
    #[test]
    fn isolation_and_partition_cut_the_right_links() {
        let mut net = Network::new(SimTime(1), SimTime(1), 3, 1, 0);
        let (b1, b2, b3) = (
            NodeId::Broker(BrokerId(1)),
            NodeId::Broker(BrokerId(2)),
            NodeId::Broker(BrokerId(3)),
        );
        let client = NodeId::Producer(ProducerIdx(0));
        net.partition(&[vec![BrokerId(1)], vec![BrokerId(2), BrokerId(3)]]);
        assert!(net.is_cut(b1, b2) && net.is_cut(b3, b1));
        assert!(
            !net.is_cut(b2, b3) && !net.is_cut(client, b1) && !net.is_cut(b1, NodeId::Controller)
        );
        net.heal();
        net.isolate(BrokerId(2));
        assert!(
            net.is_cut(client, b2) && net.is_cut(b2, NodeId::Controller) && !net.is_cut(b1, b3)
        );
    }
}
