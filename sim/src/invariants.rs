//! Invariants: properties of Kafka's replication protocol that must hold after every event of
//! any run, whatever the faults. Tests run them after every step; a violation names the
//! invariant and what broke it.

use std::collections::BTreeMap;

use crate::ids::{BrokerId, LeaderEpoch, Offset, TopicPartition};
use crate::world::World;

/// Remembers what it saw, for the invariants that compare now with before.
#[derive(Clone, Debug, Default)]
pub struct Invariants {
    /// Per partition and broker process (incarnation), the last leader epoch and HW seen.
    high_watermarks: BTreeMap<(TopicPartition, BrokerId, u32), (LeaderEpoch, Offset)>,
    epochs: BTreeMap<TopicPartition, LeaderEpoch>,
}

impl Invariants {
    /// Checks every invariant against the world as it is now.
    pub fn check(&mut self, world: &World) -> Result<(), String> {
        let at = world.now();
        let image = world.controller().image();
        for (tp, state) in image.partitions() {
            let name = world.scenario().partition_name(tp);
            // The controller's leader is always in the ISR (R2.1).
            if let Some(leader) = state.leader
                && !state.isr.contains(&leader)
            {
                return Err(format!(
                    "at {at}: {name}: leader {leader} is not in the isr {:?}",
                    state.isr
                ));
            }
            // Leader epochs only grow (R4.2).
            let last = self.epochs.entry(tp).or_insert(state.leader_epoch);
            if state.leader_epoch < *last {
                return Err(format!(
                    "at {at}: {name}: leader epoch went back from {} to {}",
                    last, state.leader_epoch
                ));
            }
            *last = state.leader_epoch;
        }
        let mut leaders: BTreeMap<(TopicPartition, LeaderEpoch), BrokerId> = BTreeMap::new();
        for broker in world.brokers().iter().filter(|b| b.alive) {
            for (tp, replica) in &broker.replicas {
                let Some(leading) = &replica.leading else {
                    continue;
                };
                let name = world.scenario().partition_name(*tp);
                // One leader per partition and epoch.
                if let Some(other) = leaders.insert((*tp, replica.leader_epoch), broker.id) {
                    return Err(format!(
                        "at {at}: {name}: both {other} and {} lead epoch {}",
                        broker.id, replica.leader_epoch
                    ));
                }
                // A leader's view of the ISR contains itself.
                if !replica.isr.contains(&broker.id) {
                    return Err(format!(
                        "at {at}: {name}: leader {} is not in its own isr",
                        broker.id
                    ));
                }
                let hw = replica.log.high_watermark;
                if hw > replica.log.log_end_offset() {
                    return Err(format!(
                        "at {at}: {name}: {} has hw {hw} above its leo",
                        broker.id
                    ));
                }
                // The high watermark never passes the log end offset the leader has seen from
                // any member of the (maximal) ISR. A member that restarted keeps its old
                // incarnation's place until the controller fences that incarnation, with a log
                // that may be shorter after a power loss: Kafka has the same window (KIP-966's
                // unclean-shutdown handling closes it where ELR is on), so it is left out.
                let metadata = world.controller().image();
                let restarted = |b: BrokerId| {
                    world.brokers()[b.0 as usize - 1].incarnation() != metadata.broker_epoch(b)
                };
                for &member in replica.maximal_isr().iter().filter(|b| !restarted(**b)) {
                    if let Some(leo) = leading.followers.get(&member).and_then(|f| f.leo)
                        && hw > leo
                    {
                        return Err(format!(
                            "at {at}: {name}: leader {} has hw {hw} above isr member {member}'s leo {leo}",
                            broker.id
                        ));
                    }
                }
                // Within one leader epoch, a leader's high watermark never goes back (a
                // restarted process starts again from its checkpoint).
                let key = (*tp, broker.id, broker.incarnation());
                if let Some(&(epoch, last)) = self.high_watermarks.get(&key)
                    && epoch == replica.leader_epoch
                    && hw < last
                {
                    return Err(format!(
                        "at {at}: {name}: leader {}'s hw went back from {last} to {hw} in epoch {epoch}",
                        broker.id
                    ));
                }
                self.high_watermarks.insert(key, (replica.leader_epoch, hw));
            }
        }
        Ok(())
    }
}
