//! Interim assignor (Range and RoundRobin only), replaced by the full module.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Range,
        Strategy::RoundRobin,
        Strategy::Sticky,
        Strategy::CooperativeSticky,
    ];
    pub fn protocol_name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::RoundRobin => "roundrobin",
            Strategy::Sticky => "sticky",
            Strategy::CooperativeSticky => "cooperative-sticky",
        }
    }
    pub fn class_name(self) -> &'static str {
        match self {
            Strategy::Range => "org.apache.kafka.clients.consumer.RangeAssignor",
            Strategy::RoundRobin => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
            Strategy::Sticky => "org.apache.kafka.clients.consumer.StickyAssignor",
            Strategy::CooperativeSticky => {
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
            }
        }
    }
    pub fn from_class_name(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.class_name() == name)
    }
    pub fn from_protocol_name(name: &str) -> Option<Strategy> {
        Strategy::ALL
            .into_iter()
            .find(|s| s.protocol_name() == name)
    }
    pub fn is_cooperative(self) -> bool {
        self == Strategy::CooperativeSticky
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub topics: Vec<String>,
    pub owned: Vec<(String, u32)>,
    pub generation: i32,
}

pub fn assign(
    strategy: Strategy,
    members: &[Member],
    partitions: &BTreeMap<String, u32>,
) -> BTreeMap<String, Vec<(String, u32)>> {
    let mut ordered: Vec<&Member> = members.iter().collect();
    ordered.sort_by(|a, b| match (&a.instance_id, &b.instance_id) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.member_id.cmp(&b.member_id),
    });
    let mut out: BTreeMap<String, Vec<(String, u32)>> = members
        .iter()
        .map(|m| (m.member_id.clone(), Vec::new()))
        .collect();
    match strategy {
        Strategy::Range => {
            for (topic, &count) in partitions {
                let subs: Vec<&&Member> = ordered
                    .iter()
                    .filter(|m| m.topics.contains(topic))
                    .collect();
                if subs.is_empty() {
                    continue;
                }
                let (q, r) = (count / subs.len() as u32, count % subs.len() as u32);
                let mut next = 0;
                for (i, m) in subs.iter().enumerate() {
                    let take = q + u32::from((i as u32) < r);
                    for p in next..next + take {
                        out.get_mut(&m.member_id).unwrap().push((topic.clone(), p));
                    }
                    next += take;
                }
            }
        }
        _ => {
            let mut i = 0;
            for (topic, &count) in partitions {
                if !ordered.iter().any(|m| m.topics.contains(topic)) {
                    continue;
                }
                for p in 0..count {
                    while !ordered[i % ordered.len()].topics.contains(topic) {
                        i += 1;
                    }
                    out.get_mut(&ordered[i % ordered.len()].member_id)
                        .unwrap()
                        .push((topic.clone(), p));
                    i += 1;
                }
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}
