//! The group requests a coordinator holds: JoinGroup while the group prepares a rebalance,
//! SyncGroup until the leader brings the assignment (read for `Broker::held_requests`).

use super::*;
use crate::engine::ids::BrokerId;
use crate::kafka::held::{HeldRequest, WaitsFor};

impl Coordinator {
    /// The JoinGroup and SyncGroup requests this coordinator holds, group by group, member by
    /// member.
    pub(crate) fn held_requests(&self, holder: BrokerId) -> Vec<HeldRequest> {
        let mut held = Vec::new();
        for (&id, g) in &self.groups {
            let name = self.name(id).to_string();
            let client = |m: &Member| (m.client != NodeId::Controller).then_some(m.client);
            for (member_id, m) in &g.members {
                let waits_for = if m.awaiting_join.is_some() {
                    WaitsFor::Join {
                        group: name.clone(),
                        member: member_id.clone(),
                        missing: g
                            .members
                            .iter()
                            .filter(|(_, o)| o.awaiting_join.is_none())
                            .map(|(other, o)| (other.clone(), client(o)))
                            .collect(),
                        expected: g.pending_ids.len(),
                        initial_delay: g.initial_rebalance.is_some(),
                    }
                } else if m.awaiting_sync.is_some() {
                    let leader = g.leader.as_ref().and_then(|l| g.members.get(l));
                    WaitsFor::Sync {
                        group: name.clone(),
                        member: member_id.clone(),
                        leader: leader.and_then(client),
                    }
                } else {
                    continue;
                };
                let deadline = match waits_for {
                    WaitsFor::Join { .. } => g.rebalance_deadline,
                    // The coordinator answers a waiting SyncGroup with REBALANCE_IN_PROGRESS
                    // when the leader's session expires.
                    _ => None,
                };
                held.push(HeldRequest {
                    holder,
                    from: m.client,
                    since: m.held_since,
                    deadline,
                    waits_for,
                });
            }
        }
        held
    }
}
