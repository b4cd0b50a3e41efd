//! The KRaft controller: it owns the metadata (leaders, epochs, ISRs, fencing), watches broker
//! heartbeats, elects leaders and commits the ISR changes leaders propose.
//!
//! It is one always-up node; the Raft quorum behind a real controller is out of scope. Every
//! change produces a new `MetadataImage`, pushed to every broker.

use std::sync::Arc;

use crate::engine::ids::{BrokerId, LeaderEpoch, NodeId, TopicId, TopicPartition};
use crate::engine::rng::{SimRng, Stream};
use crate::engine::time::SimTime;
use crate::kafka::effects::{Ctx, Timer};
use crate::kafka::message::{KafkaError, Message};
use crate::kafka::metadata::{MetadataImage, PartitionState, TopicImage};
use crate::kafka::trace::{TraceEvent, Why, brokers, why};
use crate::scenario::{Scenario, TopicOrigin, TopicSpec};

#[derive(Clone, Debug)]
struct Registration {
    incarnation: u32,
    last_heartbeat: SimTime,
    fenced: bool,
    /// A fenced broker is unfenced once it reports having applied this metadata offset.
    caught_up_at: u64,
    /// The incarnation whose registration was last refused (traced once).
    refused: Option<u32>,
    /// The broker stopped by a controlled shutdown: its next registration carries the broker
    /// epoch it wrote on the way down (`previousBrokerEpoch`), so it is a clean one.
    clean_shutdown: bool,
}

#[derive(Clone, Debug)]
pub struct Controller {
    image: Arc<MetadataImage>,
    registrations: Vec<Registration>,
    session_timeout: SimTime,
    rebalance_interval: Option<SimTime>,
    imbalance_percentage: u32,
    /// `unclean.leader.election.enable`, per topic (the topic's value over the broker's).
    unclean: Vec<bool>,
    placement: SimRng,
    /// `offsets.topic.replication.factor`, to say when `__consumer_offsets` got fewer.
    offsets_replication_factor: u32,
    /// Every topic of the scenario, to create those that do not exist at the start.
    specs: Vec<TopicSpec>,
    /// Before Kafka 2.2 (KIP-380) a broker restarting within its session kept its ISR places.
    bounced_broker_keeps_isr: bool,
    /// `eligible.leader.replicas.version=1` (KIP-966): the controller keeps each partition's
    /// ELR and elects from it when the ISR is empty.
    elr_enabled: bool,
    /// `min.insync.replicas` per topic, which the ELR is kept against.
    min_isr: Vec<u32>,
}

impl Controller {
    pub fn new(scenario: &Scenario, placement: &mut SimRng) -> Controller {
        let broker_ids: Vec<BrokerId> = (1..=scenario.brokers).map(BrokerId).collect();
        let topics = scenario
            .topics
            .iter()
            .map(|topic| {
                if topic.origin != TopicOrigin::Start {
                    // Created later, by a step or a metadata request.
                    return TopicImage {
                        name: topic.name.clone(),
                        partitions: Vec::new(),
                        incarnation: 0,
                    };
                }
                let assignment = topic.replicas.clone().unwrap_or_else(|| {
                    assign_replicas(
                        &broker_ids,
                        topic.partitions,
                        topic.replication_factor,
                        0,
                        placement,
                    )
                });
                TopicImage {
                    name: topic.name.clone(),
                    partitions: assignment.into_iter().map(new_partition).collect(),
                    incarnation: 1,
                }
            })
            .collect();
        let config = &scenario.broker_config;
        Controller {
            image: Arc::new(MetadataImage {
                offset: 1,
                topics,
                fenced: vec![false; scenario.brokers as usize],
                broker_epochs: vec![0; scenario.brokers as usize],
            }),
            registrations: vec![
                Registration {
                    incarnation: 0,
                    last_heartbeat: SimTime::ZERO,
                    fenced: false,
                    caught_up_at: 0,
                    refused: None,
                    clean_shutdown: false,
                };
                scenario.brokers as usize
            ],
            session_timeout: SimTime::from_millis(config.broker_session_timeout_ms),
            rebalance_interval: config
                .auto_leader_rebalance_enable
                .then(|| SimTime::from_secs(config.leader_imbalance_check_interval_seconds)),
            imbalance_percentage: config.leader_imbalance_per_broker_percentage,
            unclean: scenario
                .topics
                .iter()
                .map(|t| t.config.unclean_leader_election_enable)
                .collect(),
            offsets_replication_factor: config.offsets_topic_replication_factor,
            specs: scenario.topics.clone(),
            bounced_broker_keeps_isr: config.behaviour.bounced_broker_keeps_isr,
            elr_enabled: config.behaviour.eligible_leader_replicas,
            min_isr: scenario
                .topics
                .iter()
                .map(|t| t.config.min_insync_replicas)
                .collect(),
            placement: SimRng::for_member(
                placement.between(0, u64::MAX >> 1),
                Stream::Placement,
                1,
            ),
        }
    }

    pub fn image(&self) -> Arc<MetadataImage> {
        self.image.clone()
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        for (tp, state) in self.image.partitions() {
            let topic = &self.image.topics[tp.topic.0 as usize];
            if topic.name == crate::scenario::OFFSETS_TOPIC {
                // One line for Kafka's internal topic rather than fifty.
                if tp.partition == 0 {
                    let (partitions, replicas) = (topic.partitions.len(), state.replicas.len());
                    let mut en = format!(
                        "__consumer_offsets exists with {partitions} partitions of {replicas} replica{}: each group's coordinator is the leader of partition abs(hash(group.id)) % {partitions}",
                        if replicas == 1 { "" } else { "s" },
                    );
                    let mut ko = format!(
                        "__consumer_offsets는 파티션 {partitions}개, 레플리카 {replicas}개로 존재합니다. 각 그룹의 코디네이터는 파티션 abs(hash(group.id)) % {partitions}의 리더입니다"
                    );
                    if (replicas as u32) < self.offsets_replication_factor {
                        let factor = self.offsets_replication_factor;
                        en.push_str(&format!(
                            " (offsets.topic.replication.factor={factor} is more than the cluster's brokers; Kafka would not create the topic, and groups would find no coordinator, until it is set to {replicas})"
                        ));
                        ko.push_str(&format!(
                            " (offsets.topic.replication.factor={factor}가 클러스터의 브로커 수보다 큽니다. 실제 Kafka는 이 값을 {replicas}로 낮출 때까지 토픽을 만들지 않고, 그룹은 코디네이터를 찾지 못합니다)"
                        ));
                    }
                    ctx.trace(TraceEvent::Say {
                        text: crate::scenario::Narration { en, ko: Some(ko) },
                    });
                }
                continue;
            }
            if topic.name == crate::scenario::TRANSACTION_STATE_TOPIC {
                if tp.partition == 0 {
                    let (partitions, replicas) = (topic.partitions.len(), state.replicas.len());
                    let en = format!(
                        "__transaction_state exists with {partitions} partitions of {replicas} replica{}: each transactional.id's coordinator is the leader of partition abs(hash(transactional.id)) % {partitions}",
                        if replicas == 1 { "" } else { "s" },
                    );
                    let ko = format!(
                        "__transaction_state는 파티션 {partitions}개, 레플리카 {replicas}개로 존재합니다. 각 transactional.id의 트랜잭션 코디네이터는 파티션 abs(hash(transactional.id)) % {partitions}의 리더입니다"
                    );
                    ctx.trace(TraceEvent::Say {
                        text: crate::scenario::Narration { en, ko: Some(ko) },
                    });
                }
                continue;
            }
            ctx.trace(TraceEvent::Election {
                partition: tp,
                leader: state.leader,
                epoch: state.leader_epoch,
                isr: state.isr.clone(),
                why: why!("topic created, replicas {}", brokers(&state.replicas) ; "토픽 생성, 레플리카 {}", brokers(&state.replicas)),
            });
        }
        for b in 1..=self.registrations.len() as u32 {
            ctx.timer_after(self.session_timeout, Timer::SessionExpiry(BrokerId(b)));
        }
        if let Some(interval) = self.rebalance_interval {
            ctx.timer_after(interval, Timer::LeaderRebalance);
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: Timer) {
        match timer {
            // Each heartbeat sets a deadline; the one that finds no later heartbeat fences
            // the broker, exactly `broker.session.timeout.ms` after the last one.
            Timer::SessionExpiry(broker) => {
                let reg = &self.registrations[broker.0 as usize - 1];
                if !reg.fenced && ctx.now >= reg.last_heartbeat + self.session_timeout {
                    let silent = (ctx.now - reg.last_heartbeat).as_millis();
                    let timeout = self.session_timeout.as_millis();
                    let why = why!(
                        "no heartbeat for {silent}ms, broker.session.timeout.ms={timeout}" ;
                        "{silent}ms 동안 하트비트 없음, broker.session.timeout.ms={timeout}"
                    );
                    self.fence(ctx, broker, why);
                }
            }
            Timer::LeaderRebalance => {
                if let Some(interval) = self.rebalance_interval {
                    ctx.timer_after(interval, Timer::LeaderRebalance);
                }
                self.rebalance_leaders(ctx);
            }
            _ => {}
        }
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, message: Message) {
        let NodeId::Broker(broker) = from else { return };
        match message {
            Message::Heartbeat {
                incarnation,
                metadata_offset,
            } => self.on_heartbeat(ctx, broker, incarnation, metadata_offset),
            Message::CreateTopic { topic } if self.image.partition_count(topic) == 0 => {
                let why = why!(
                    "auto-created: {broker} got a metadata request naming it (auto.create.topics.enable=true)" ;
                    "자동 생성: {broker}이(가) 이 토픽을 지정한 메타데이터 요청을 받음 (auto.create.topics.enable=true)"
                );
                self.create_topic(ctx, topic, why);
            }
            Message::AlterPartition {
                partition,
                leader_epoch,
                partition_epoch,
                isr,
            } => {
                let result = self.alter_partition(
                    ctx,
                    broker,
                    partition,
                    leader_epoch,
                    partition_epoch,
                    isr,
                );
                ctx.send(from, Message::AlterPartitionResponse { partition, result });
            }
            _ => {}
        }
    }

    fn on_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        broker: BrokerId,
        incarnation: u32,
        metadata_offset: u64,
    ) {
        let i = broker.0 as usize - 1;
        if self.registrations[i].incarnation != incarnation {
            // A new incarnation registers. While the old one's session is still valid, Kafka
            // refuses (DuplicateBrokerRegistrationException) and the broker tries again; once
            // the session expired, the old incarnation is fenced and the new one registers,
            // fenced until it has caught up with metadata.
            let reg = &self.registrations[i];
            let session_alive = !reg.fenced && ctx.now - reg.last_heartbeat <= self.session_timeout;
            if session_alive && self.bounced_broker_keeps_isr {
                // Before 2.2 (KIP-380) the ZooKeeper-era controller did not notice a broker
                // that came back before its old session expired: the new process registers
                // at once and keeps every ISR place the old one had (reference T1, step 5).
                ctx.trace(TraceEvent::BouncedBrokerKeptIsr { broker });
                self.registrations[i].incarnation = incarnation;
                Arc::make_mut(&mut self.image).broker_epochs[i] = incarnation;
                self.publish(ctx);
            } else if session_alive {
                if reg.refused != Some(incarnation) {
                    ctx.trace(TraceEvent::RegistrationRefused { broker });
                    self.registrations[i].refused = Some(incarnation);
                }
                ctx.send(
                    NodeId::Broker(broker),
                    Message::HeartbeatResponse {
                        // The metadata log is readable without a registration.
                        image: (metadata_offset < self.image.offset).then(|| self.image.clone()),
                        accepted: false,
                    },
                );
                return;
            } else {
                if !reg.fenced {
                    let silent = (ctx.now - reg.last_heartbeat).as_millis();
                    let why = why!(
                        "its session expired: no heartbeat for {silent}ms" ;
                        "세션 만료: {silent}ms 동안 하트비트 없음"
                    );
                    self.fence(ctx, broker, why);
                }
                // KIP-966's clean-shutdown detection: only a broker that shut down in a
                // controlled way can prove it lost nothing.
                if self.elr_enabled && !self.registrations[i].clean_shutdown {
                    self.unclean_shutdown(ctx, broker);
                }
                self.registrations[i].clean_shutdown = false;
                self.registrations[i].incarnation = incarnation;
                Arc::make_mut(&mut self.image).broker_epochs[i] = incarnation;
                self.publish(ctx);
                // Unfenced once it reports having applied its own registration.
                self.registrations[i].caught_up_at = self.image.offset;
            }
        }
        let reg = &mut self.registrations[i];
        reg.last_heartbeat = ctx.now;
        ctx.timer_after(self.session_timeout, Timer::SessionExpiry(broker));
        if reg.fenced && metadata_offset >= reg.caught_up_at {
            self.unfence(ctx, broker);
        }
        let image = (metadata_offset < self.image.offset).then(|| self.image.clone());
        ctx.send(
            NodeId::Broker(broker),
            Message::HeartbeatResponse {
                image,
                accepted: true,
            },
        );
    }

    /// Takes a broker out of service: out of every ISR (unless it is the last member, which
    /// stays so that it can lead cleanly when it returns) and out of every leadership.
    fn fence(&mut self, ctx: &mut Ctx, broker: BrokerId, why: Why) {
        self.registrations[broker.0 as usize - 1].fenced = true;
        ctx.trace(TraceEvent::Fenced { broker, why });
        let image = Arc::make_mut(&mut self.image);
        image.fenced[broker.0 as usize - 1] = true;
        let tps: Vec<TopicPartition> = self
            .image
            .partitions()
            .filter(|(_, s)| s.replicas.contains(&broker))
            .map(|(tp, _)| tp)
            .collect();
        for tp in tps {
            let mut state = self.image.partition(tp).expect("listed above").clone();
            if self.elr_enabled && state.isr.contains(&broker) {
                // KIP-966: the last member leaves the ISR too, and the replicas that leave an
                // ISR below min ISR become eligible leader replicas.
                let before = state.isr.clone();
                let target: Vec<BrokerId> =
                    before.iter().copied().filter(|&b| b != broker).collect();
                let elr = self.target_elr(tp, &state, &target, None);
                if target.is_empty() {
                    // Kafka's `maybeUpdateLastKnownLeader`: the leader when the ISR empties.
                    state.last_known_elr = state.leader.into_iter().collect();
                }
                state.isr = target;
                if state.leader != Some(broker) {
                    ctx.trace(TraceEvent::IsrChanged {
                        partition: tp,
                        from: before,
                        to: state.isr.clone(),
                    });
                }
                self.set_elr(ctx, tp, &mut state, elr);
            } else if state.isr.len() > 1 {
                let before = state.isr.clone();
                state.isr.retain(|&b| b != broker);
                if state.leader != Some(broker) {
                    ctx.trace(TraceEvent::IsrChanged {
                        partition: tp,
                        from: before,
                        to: state.isr.clone(),
                    });
                }
            }
            if state.leader == Some(broker) {
                self.elect(
                    ctx,
                    tp,
                    &mut state,
                    why!("leader {broker} fenced" ; "리더 {broker} 펜싱됨"),
                );
            }
            self.commit(tp, state);
        }
        self.publish(ctx);
    }

    /// A controlled shutdown (Kafka's `handleBrokerInControlledShutdown`, then the broker's
    /// fencing once it leads nothing): the broker leaves every ISR and leadership, as when
    /// fenced, and its next registration counts as clean.
    pub fn controlled_shutdown(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        let i = broker.0 as usize - 1;
        if !self.registrations[i].fenced {
            let why = why!(
                "controlled shutdown: its leaderships and isr places are moved away first" ;
                "제어된 종료: 리더 역할과 isr 자리를 먼저 옮김"
            );
            self.fence(ctx, broker, why);
        }
        self.registrations[i].clean_shutdown = true;
    }

    fn unfence(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        self.registrations[broker.0 as usize - 1].fenced = false;
        ctx.trace(TraceEvent::Unfenced { broker });
        Arc::make_mut(&mut self.image).fenced[broker.0 as usize - 1] = false;
        let offline: Vec<TopicPartition> = self
            .image
            .partitions()
            .filter(|(_, s)| s.leader.is_none() && s.replicas.contains(&broker))
            .map(|(tp, _)| tp)
            .collect();
        for tp in offline {
            let mut state = self.image.partition(tp).expect("listed above").clone();
            // Only a partition that can now have a leader changes; the others stay offline.
            let fenced = |b: &BrokerId| self.image.is_fenced(*b);
            let clean = state
                .replicas
                .iter()
                .any(|b| state.isr.contains(b) && !fenced(b));
            let unclean =
                self.unclean[tp.topic.0 as usize] && state.replicas.iter().any(|b| !fenced(b));
            let eligible = self.elr_enabled
                && (self.elr_candidate(&state).is_some()
                    || self.last_known_leader(&state).is_some());
            if clean || eligible || unclean {
                self.elect(
                    ctx,
                    tp,
                    &mut state,
                    why!("{broker} is back" ; "{broker} 복귀"),
                );
                self.commit(tp, state);
            }
        }
        self.publish(ctx);
    }

    /// Chooses a leader for a partition whose leader is gone (R4.1, R4.3, R4.4): the first
    /// replica in assignment order that is in the ISR and unfenced; failing that, with unclean
    /// leader election enabled, the first unfenced replica at all, which becomes the whole ISR;
    /// failing that, none: the partition is offline.
    fn elect(&mut self, ctx: &mut Ctx, tp: TopicPartition, state: &mut PartitionState, cause: Why) {
        let fenced = |b: &BrokerId| self.image.is_fenced(*b);
        let clean = state
            .replicas
            .iter()
            .find(|b| state.isr.contains(b) && !fenced(b))
            .copied();
        let unclean_enabled = self.unclean[tp.topic.0 as usize];
        let from_elr = if clean.is_none() && self.elr_enabled {
            self.elr_candidate(state)
        } else {
            None
        };
        let last_known = if clean.is_none() && from_elr.is_none() && self.elr_enabled {
            self.last_known_leader(state)
        } else {
            None
        };
        // The ELR after the election, traced after it.
        let mut new_elr = None;
        let (leader, why) = match clean {
            Some(b) => (
                Some(b),
                why!(
                    "{cause}; {b} is the first live replica in the isr" ;
                    "{}; isr에서 처음으로 살아 있는 레플리카가 {b}", cause.ko()
                ),
            ),
            None if from_elr.is_some() => {
                let b = from_elr.expect("checked");
                state.isr = vec![b];
                let elr: Vec<BrokerId> = state.elr.iter().copied().filter(|&e| e != b).collect();
                let why = why!(
                    "{cause}; the isr is empty and {b} is the first live eligible leader replica: it left the isr while the isr was below min.insync.replicas, so it holds every committed record (KIP-966)" ;
                    "{}; isr이 비어 있고 {b}이(가) 처음으로 살아 있는 적격 리더 레플리카(ELR): isr이 min.insync.replicas보다 작을 때 빠졌으므로 커밋된 레코드를 모두 가지고 있음 (KIP-966)", cause.ko()
                );
                new_elr = Some(elr);
                (Some(b), why)
            }
            None if last_known.is_some() => {
                let b = last_known.expect("checked");
                state.isr = vec![b];
                new_elr = Some(Vec::new());
                (
                    Some(b),
                    why!(
                        "{cause}; UNCLEAN election: isr and elr are empty, {b} was the last known leader and is back (KIP-966), records it lacks are lost" ;
                        "{}; UNCLEAN 선출: isr과 elr이 비어 있고 {b}이(가) 마지막으로 알려진 리더로 돌아옴 (KIP-966), {b}에 없는 레코드는 유실됨", cause.ko()
                    ),
                )
            }
            None if unclean_enabled => match state.replicas.iter().find(|b| !fenced(b)).copied() {
                Some(b) => {
                    state.isr = vec![b];
                    new_elr = Some(Vec::new());
                    (
                        Some(b),
                        why!(
                            "{cause}; UNCLEAN election: no isr member is alive, unclean.leader.election.enable=true picks {b}, records it lacks are lost" ;
                            "{}; UNCLEAN 선출: 살아 있는 isr 멤버가 없어 unclean.leader.election.enable=true가 {b}을(를) 고름, {b}에 없는 레코드는 유실됨", cause.ko()
                        ),
                    )
                }
                None => (
                    None,
                    why!("{cause}; no replica is alive" ; "{}; 살아 있는 레플리카 없음", cause.ko()),
                ),
            },
            None if self.elr_enabled => (
                None,
                why!(
                    "{cause}; no live replica in isr {} or elr {}, and unclean.leader.election.enable=false", brokers(&state.isr), brokers(&state.elr) ;
                    "{}; isr {}과 elr {}에 살아 있는 레플리카가 없고 unclean.leader.election.enable=false", cause.ko(), brokers(&state.isr), brokers(&state.elr)
                ),
            ),
            None => (
                None,
                why!(
                    "{cause}; no live replica in isr {}, and unclean.leader.election.enable=false", brokers(&state.isr) ;
                    "{}; isr {}에 살아 있는 레플리카가 없고 unclean.leader.election.enable=false", cause.ko(), brokers(&state.isr)
                ),
            ),
        };
        if leader != state.leader {
            state.leader_epoch = LeaderEpoch(state.leader_epoch.0 + 1);
        }
        if leader.is_some() {
            // A partition with a leader needs no last known leader.
            state.last_known_elr.clear();
        }
        state.leader = leader;
        ctx.trace(TraceEvent::Election {
            partition: tp,
            leader,
            epoch: state.leader_epoch,
            isr: state.isr.clone(),
            why,
        });
        if let Some(elr) = new_elr {
            self.set_elr(ctx, tp, state, elr);
        }
    }

    /// Kafka's effective min ISR on the controller (`getTopicEffectiveMinIsr`): the topic's
    /// `min.insync.replicas`, at most its replication factor.
    fn effective_min_isr(&self, tp: TopicPartition, state: &PartitionState) -> usize {
        (self.min_isr[tp.topic.0 as usize] as usize).min(state.replicas.len())
    }

    /// The ELR after the ISR becomes `target` (`PartitionChangeBuilder.maybePopulateTargetElr`):
    /// empty when the ISR is at least min ISR; otherwise the old ELR and ISR members outside
    /// the new ISR, less a broker back from an unclean shutdown. While the ISR is below min
    /// ISR the high watermark stands still (KAFKA-15583), so a replica leaving it then holds
    /// every committed record.
    fn target_elr(
        &self,
        tp: TopicPartition,
        state: &PartitionState,
        target: &[BrokerId],
        unclean_shutdown: Option<BrokerId>,
    ) -> Vec<BrokerId> {
        if target.len() >= self.effective_min_isr(tp, state) {
            return Vec::new();
        }
        let mut elr: Vec<BrokerId> = state
            .elr
            .iter()
            .chain(&state.isr)
            .copied()
            .filter(|b| !target.contains(b) && Some(*b) != unclean_shutdown)
            .collect();
        elr.sort();
        elr.dedup();
        elr
    }

    /// Sets the partition's ELR, tracing the change with its reason.
    fn set_elr(
        &self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        state: &mut PartitionState,
        elr: Vec<BrokerId>,
    ) {
        if elr == state.elr {
            return;
        }
        let min_isr = self.effective_min_isr(tp, state);
        let isr = brokers(&state.isr);
        let gone: Vec<BrokerId> = state
            .elr
            .iter()
            .copied()
            .filter(|b| !elr.contains(b))
            .collect();
        let only_removed = elr.iter().all(|b| state.elr.contains(b));
        let why = if elr.is_empty() && state.isr.len() >= min_isr {
            why!(
                "isr {isr} has min.insync.replicas={min_isr} members again" ;
                "isr {isr}이(가) 다시 min.insync.replicas={min_isr}개를 채움"
            )
        } else if only_removed && gone.iter().all(|b| state.isr.contains(b)) {
            let gone = brokers(&gone);
            why!("{gone} is in the isr again" ; "{gone}이(가) 다시 isr에 들어감")
        } else if only_removed {
            let gone = brokers(&gone);
            why!(
                "unclean election: {gone} no longer eligible" ;
                "unclean 선출: {gone}은(는) 더 이상 적격이 아님"
            )
        } else {
            why!(
                "isr {isr} is below min.insync.replicas={min_isr}: the high watermark stopped, so a replica leaving it holds every committed record" ;
                "isr {isr}이(가) min.insync.replicas={min_isr}보다 작음: HW가 멈췄으므로 빠지는 레플리카는 커밋된 레코드를 모두 가지고 있음"
            )
        };
        ctx.trace(TraceEvent::ElrChanged {
            partition: tp,
            from: state.elr.clone(),
            to: elr.clone(),
            why,
        });
        state.elr = elr;
    }

    /// The first replica in assignment order that is in the ELR and unfenced, when the ISR is
    /// empty (`PartitionChangeBuilder.isValidNewLeader`).
    fn elr_candidate(&self, state: &PartitionState) -> Option<BrokerId> {
        if !state.isr.is_empty() {
            return None;
        }
        state
            .replicas
            .iter()
            .find(|b| state.elr.contains(b) && !self.image.is_fenced(**b))
            .copied()
    }

    /// The last known leader, when ISR and ELR are both empty and it is unfenced
    /// (`canElectLastKnownLeader`; Kafka 4.1 checks that it is alive, KAFKA-19522).
    fn last_known_leader(&self, state: &PartitionState) -> Option<BrokerId> {
        if !state.isr.is_empty() || !state.elr.is_empty() {
            return None;
        }
        match state.last_known_elr.as_slice() {
            [b] if !self.image.is_fenced(*b) => Some(*b),
            _ => None,
        }
    }

    /// A broker registers a new incarnation without having shut down cleanly (Kafka's
    /// `handleBrokerUncleanShutdown`): it may have lost unflushed records, so it leaves every
    /// ISR and ELR it is in and can no longer be elected cleanly from them.
    fn unclean_shutdown(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        let tps: Vec<TopicPartition> = self
            .image
            .partitions()
            .filter(|(_, s)| s.isr.contains(&broker) || s.elr.contains(&broker))
            .map(|(tp, _)| tp)
            .collect();
        for tp in tps {
            let mut state = self.image.partition(tp).expect("listed above").clone();
            let target: Vec<BrokerId> =
                state.isr.iter().copied().filter(|&b| b != broker).collect();
            let elr = self.target_elr(tp, &state, &target, Some(broker));
            if target != state.isr {
                ctx.trace(TraceEvent::IsrChanged {
                    partition: tp,
                    from: state.isr.clone(),
                    to: target.clone(),
                });
                state.isr = target;
            }
            if elr != state.elr {
                ctx.trace(TraceEvent::ElrChanged {
                    partition: tp,
                    from: state.elr.clone(),
                    to: elr.clone(),
                    why: why!(
                        "{broker} registers again after an unclean shutdown: it may have lost unflushed records" ;
                        "{broker}이(가) 비정상 종료 후 다시 등록함: flush되지 않은 레코드를 잃었을 수 있음"
                    ),
                });
                state.elr = elr;
            }
            self.commit(tp, state);
        }
    }

    fn alter_partition(
        &mut self,
        ctx: &mut Ctx,
        broker: BrokerId,
        tp: TopicPartition,
        leader_epoch: LeaderEpoch,
        partition_epoch: u32,
        isr: Vec<BrokerId>,
    ) -> Result<PartitionState, KafkaError> {
        let Some(state) = self.image.partition(tp) else {
            return Err(KafkaError::UnknownTopicOrPartition);
        };
        if state.leader != Some(broker) || state.leader_epoch != leader_epoch {
            return Err(KafkaError::FencedLeaderEpoch);
        }
        if state.partition_epoch != partition_epoch {
            return Err(KafkaError::InvalidUpdateVersion);
        }
        if isr
            .iter()
            .any(|b| *b != broker && !state.isr.contains(b) && self.image.is_fenced(*b))
        {
            return Err(KafkaError::IneligibleReplica);
        }
        let mut state = state.clone();
        ctx.trace(TraceEvent::IsrChanged {
            partition: tp,
            from: state.isr.clone(),
            to: isr.clone(),
        });
        let elr = self
            .elr_enabled
            .then(|| self.target_elr(tp, &state, &isr, None));
        state.isr = isr;
        if let Some(elr) = elr {
            self.set_elr(ctx, tp, &mut state, elr);
        }
        self.commit(tp, state.clone());
        self.publish(ctx);
        Ok(self.image.partition(tp).expect("just committed").clone())
    }

    /// Preferred leader election (R4.6): when more than
    /// `leader.imbalance.per.broker.percentage` of the partitions a broker should lead are led
    /// by others, hand them back to it, if it is alive and in the ISR.
    fn rebalance_leaders(&mut self, ctx: &mut Ctx) {
        let mut changed = false;
        for b in 1..=self.registrations.len() as u32 {
            let broker = BrokerId(b);
            if self.image.is_fenced(broker) {
                continue;
            }
            let preferred: Vec<(TopicPartition, PartitionState)> = self
                .image
                .partitions()
                .filter(|(_, s)| s.replicas.first() == Some(&broker))
                .map(|(tp, s)| (tp, s.clone()))
                .collect();
            let misplaced = preferred
                .iter()
                .filter(|(_, s)| s.leader != Some(broker))
                .count();
            if preferred.is_empty()
                || misplaced * 100 <= preferred.len() * self.imbalance_percentage as usize
            {
                continue;
            }
            for (tp, mut state) in preferred {
                if state.leader != Some(broker) && state.isr.contains(&broker) {
                    state.leader = Some(broker);
                    state.leader_epoch = LeaderEpoch(state.leader_epoch.0 + 1);
                    ctx.trace(TraceEvent::Election {
                        partition: tp,
                        leader: state.leader,
                        epoch: state.leader_epoch,
                        isr: state.isr.clone(),
                        why: why!(
                            "preferred leader election: {broker} is the first assigned replica (auto.leader.rebalance.enable)" ;
                            "선호 리더 선출: {broker}이(가) 첫 번째로 배정된 레플리카 (auto.leader.rebalance.enable)"
                        ),
                    });
                    self.commit(tp, state);
                    changed = true;
                }
            }
        }
        if changed {
            self.publish(ctx);
        }
    }

    /// Grows a topic to `count` partitions, placing the new ones as Kafka does.
    pub fn add_partitions(&mut self, ctx: &mut Ctx, topic: TopicId, count: u32) {
        let existing = self.image.partition_count(topic);
        if count <= existing {
            return;
        }
        let brokers_list: Vec<BrokerId> = (1..=self.registrations.len() as u32)
            .map(BrokerId)
            .collect();
        let rf = self.image.topics[topic.0 as usize].partitions[0]
            .replicas
            .len() as u32;
        let assignment = assign_replicas(
            &brokers_list,
            count - existing,
            rf,
            existing,
            &mut self.placement,
        );
        self.add_new_partitions(
            ctx,
            topic,
            assignment,
            &why!("partition added" ; "파티션 추가"),
        );
    }

    /// Appends partitions with these replica lists to the topic, each led by its first
    /// unfenced replica, and publishes the image.
    fn add_new_partitions(
        &mut self,
        ctx: &mut Ctx,
        topic: TopicId,
        assignment: Vec<Vec<BrokerId>>,
        why: &Why,
    ) {
        for replicas in assignment {
            let mut state = new_partition(replicas);
            state.isr.retain(|b| !self.image.is_fenced(*b));
            state.leader = state.isr.first().copied();
            let partitions =
                &mut Arc::make_mut(&mut self.image).topics[topic.0 as usize].partitions;
            let tp = TopicPartition::new(topic, partitions.len() as u32);
            ctx.trace(TraceEvent::Election {
                partition: tp,
                leader: state.leader,
                epoch: state.leader_epoch,
                isr: state.isr.clone(),
                why: why!("{why}, replicas {}", brokers(&state.replicas) ; "{}, 레플리카 {}", why.ko(), brokers(&state.replicas)),
            });
            partitions.push(state);
        }
        self.publish(ctx);
    }

    /// CreateTopics (R11): places the topic's replicas, each partition led by its first live
    /// replica. A topic that exists already is left alone (TOPIC_ALREADY_EXISTS); a
    /// replication factor above the live brokers fails (INVALID_REPLICATION_FACTOR).
    pub fn create_topic(&mut self, ctx: &mut Ctx, topic: TopicId, why: Why) {
        let spec = self.specs[topic.0 as usize].clone();
        if self.image.partition_count(topic) > 0 {
            ctx.trace(TraceEvent::TopicNotCreated {
                topic,
                error: "TOPIC_ALREADY_EXISTS".into(),
                why: why!("{why}, but the topic exists" ; "{}, 하지만 토픽이 이미 있음", why.ko()),
            });
            return;
        }
        let live: Vec<BrokerId> = (1..=self.registrations.len() as u32)
            .map(BrokerId)
            .filter(|b| !self.image.is_fenced(*b))
            .collect();
        if spec.replicas.is_none() && (live.len() as u32) < spec.replication_factor {
            ctx.trace(TraceEvent::TopicNotCreated {
                topic,
                error: "INVALID_REPLICATION_FACTOR".into(),
                why: why!(
                    "{why}: replication factor {} is larger than the {} available broker{}",
                    spec.replication_factor,
                    live.len(),
                    if live.len() == 1 { "" } else { "s" } ;
                    "{}: 복제 계수 {}이(가) 사용 가능한 브로커 {}개보다 큼",
                    why.ko(),
                    spec.replication_factor,
                    live.len()
                ),
            });
            return;
        }
        let assignment = spec.replicas.clone().unwrap_or_else(|| {
            assign_replicas(
                &live,
                spec.partitions,
                spec.replication_factor,
                0,
                &mut self.placement,
            )
        });
        ctx.trace(TraceEvent::TopicCreated {
            topic,
            partitions: spec.partitions,
            replication_factor: spec.replication_factor,
            why,
        });
        self.unclean[topic.0 as usize] = spec.config.unclean_leader_election_enable;
        self.min_isr[topic.0 as usize] = spec.config.min_insync_replicas;
        Arc::make_mut(&mut self.image).topics[topic.0 as usize].incarnation += 1;
        self.add_new_partitions(ctx, topic, assignment, &why!("topic created" ; "토픽 생성"));
    }

    /// DeleteTopics: the topic leaves the metadata; each broker then deletes its replicas.
    pub fn delete_topic(&mut self, ctx: &mut Ctx, topic: TopicId) {
        if self.image.partition_count(topic) == 0 {
            ctx.trace(TraceEvent::TopicNotCreated {
                topic,
                error: "UNKNOWN_TOPIC_OR_PARTITION".into(),
                why: why!("delete_topic: the topic does not exist" ; "delete_topic: 토픽이 없음"),
            });
            return;
        }
        ctx.trace(TraceEvent::TopicDeleted { topic });
        Arc::make_mut(&mut self.image).topics[topic.0 as usize]
            .partitions
            .clear();
        self.publish(ctx);
    }

    fn commit(&mut self, tp: TopicPartition, mut state: PartitionState) {
        state.partition_epoch += 1;
        let image = Arc::make_mut(&mut self.image);
        image.topics[tp.topic.0 as usize].partitions[tp.partition as usize] = state;
    }

    /// Appends the change to the metadata log (one offset) and pushes the image to brokers.
    fn publish(&mut self, ctx: &mut Ctx) {
        Arc::make_mut(&mut self.image).offset += 1;
        for b in 1..=self.registrations.len() as u32 {
            ctx.send(
                NodeId::Broker(BrokerId(b)),
                Message::MetadataUpdate(self.image.clone()),
            );
        }
    }
}

fn new_partition(replicas: Vec<BrokerId>) -> PartitionState {
    PartitionState {
        leader: replicas.first().copied(),
        leader_epoch: LeaderEpoch(0),
        partition_epoch: 0,
        isr: replicas.clone(),
        replicas,
        elr: Vec::new(),
        last_known_elr: Vec::new(),
    }
}

/// Kafka's rack-unaware replica placement (`AdminUtils.assignReplicasToBrokers`): a random
/// start broker for the first replicas, round robin over partitions, and a shift for the
/// followers that grows every time the partitions wrap around the brokers.
pub fn assign_replicas(
    brokers: &[BrokerId],
    partitions: u32,
    replication_factor: u32,
    start_partition: u32,
    rng: &mut SimRng,
) -> Vec<Vec<BrokerId>> {
    let n = brokers.len() as u64;
    let start_index = rng.below(n);
    let mut shift = rng.below(n);
    let mut out = Vec::new();
    for p in start_partition as u64..(start_partition + partitions) as u64 {
        if p > 0 && p % n == 0 {
            shift += 1;
        }
        let first = (p + start_index) % n;
        let mut replicas = vec![brokers[first as usize]];
        for j in 0..replication_factor as u64 - 1 {
            let step = 1 + (shift + j) % (n - 1);
            replicas.push(brokers[((first + step) % n) as usize]);
        }
        out.push(replicas);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Placement spreads leaders round robin and never puts two replicas on one broker.
    #[test]
    fn placement_spreads_leaders_and_never_repeats_a_broker() {
        let brokers: Vec<BrokerId> = (1..=3).map(BrokerId).collect();
        let mut rng = SimRng::new(5, Stream::Placement);
        let assignment = assign_replicas(&brokers, 6, 3, 0, &mut rng);
        let mut leaders = [0; 3];
        for replicas in &assignment {
            let mut sorted = replicas.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 3);
            leaders[replicas[0].0 as usize - 1] += 1;
        }
        assert_eq!(leaders, [2, 2, 2]);
    }

    // R4.6: with auto.leader.rebalance.enable, the controller hands a partition back to its
    // preferred leader (the first assigned replica) once that broker is back in the ISR and
    // its share of non-preferred leaders is above leader.imbalance.per.broker.percentage.
    #[test]
    fn r4_6_preferred_leader_is_elected_back() {
        let text = r#"name = "t"
duration = "40s"
[cluster]
brokers = 3
config = { "leader.imbalance.check.interval.seconds" = 10 }
[[topics]]
name = "t"
partitions = 1
replication_factor = 3
replicas = [[1, 2, 3]]
[[steps]]
at = "1s"
crash = 1
[[steps]]
at = "12s"
restart = 1
"#;
        let scenario = crate::scenario::parse(text, "test.toml").expect("a valid test scenario");
        let mut world = crate::world::World::new(std::sync::Arc::new(scenario), 1);
        let tp = TopicPartition {
            topic: crate::engine::ids::TopicId(0),
            partition: 0,
        };
        let leader = |world: &crate::world::World| {
            world
                .controller()
                .image()
                .partition(tp)
                .and_then(|state| state.leader)
        };
        world.run_until(SimTime::from_millis(11_000));
        assert_eq!(leader(&world), Some(BrokerId(2)), "broker 1 is down");
        world.run_until(SimTime::from_millis(39_000));
        assert_eq!(
            leader(&world),
            Some(BrokerId(1)),
            "back to the preferred leader"
        );
    }
}
