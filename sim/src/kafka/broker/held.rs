//! What a broker holds now rather than answers at once: its purgatory of acks=all writes,
//! its parked fetches, and its coordinator's held JoinGroup and SyncGroup requests, read for
//! the explorer (`World::held_requests`).

use super::*;
use crate::kafka::held::{HeldRequest, WaitsFor};

impl Broker {
    /// The requests this broker holds, produce and marker writes first (in arrival order,
    /// one per partition they wait on), then fetches, then group requests. Empty while the
    /// broker is down: a crash answers nothing and forgets them all.
    pub fn held_requests(&self) -> Vec<HeldRequest> {
        if !self.alive {
            return Vec::new();
        }
        let mut held = Vec::new();
        for delayed in &self.delayed {
            for &(tp, _, end) in &delayed.waiting {
                let Some(replica) = self.replicas.get(&tp) else {
                    continue;
                };
                let isr = replica.maximal_isr().to_vec();
                let followers = replica.leading.as_ref().map(|l| &l.followers);
                let behind = isr
                    .iter()
                    .copied()
                    .filter(|&b| b != self.id)
                    .filter(|b| {
                        followers
                            .and_then(|f| f.get(b))
                            .and_then(|f| f.leo)
                            .is_none_or(|leo| leo < end)
                    })
                    .collect();
                held.push(HeldRequest {
                    holder: self.id,
                    from: delayed.from,
                    since: delayed.since,
                    deadline: Some(delayed.expires),
                    waits_for: WaitsFor::Replication {
                        markers: delayed.markers,
                        partition: tp,
                        isr,
                        behind,
                        end,
                        high_watermark: replica.log.high_watermark,
                    },
                });
            }
        }
        for parked in &self.parked {
            held.push(HeldRequest {
                holder: self.id,
                from: parked.from,
                since: parked.since,
                deadline: Some(parked.expires),
                waits_for: WaitsFor::Data {
                    follower: parked.request.replica.is_some(),
                    min_bytes: parked.request.min_bytes,
                    partitions: parked
                        .request
                        .partitions
                        .iter()
                        .map(|p| (p.partition, p.fetch_offset))
                        .collect(),
                },
            });
        }
        held.extend(self.coordinator.held_requests(self.id));
        held
    }
}
