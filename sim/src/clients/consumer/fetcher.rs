//! The consumer's fetcher: Fetch requests to each assigned partition's leader, metadata
//! refreshes, and watching for topics that do not exist yet.

use super::*;

impl Consumer {
    /// Find leaders, reset missing positions, keep one fetch in flight per leader for the
    /// partitions it leads whose buffers are empty.
    pub(super) fn fetch(&mut self, ctx: &mut Ctx) {
        if !self.running || ctx.now < self.backoff_until {
            return;
        }
        let Some(metadata) = self.metadata.clone() else {
            self.request_metadata(ctx);
            return;
        };
        let timeout = SimTime::from_millis(self.config.request_timeout_ms);
        let mut per_leader: BTreeMap<BrokerId, Vec<FetchPartition>> = BTreeMap::new();
        for &tp in &self.assignment.clone() {
            let Some(state) = metadata.partition(tp) else {
                continue;
            };
            let Some(leader) = state.leader else {
                self.request_metadata(ctx);
                continue;
            };
            if self.failed.contains(&tp) || self.validating.contains_key(&tp) {
                continue;
            }
            if self.buffer.get(&tp).is_some_and(|b| !b.is_empty()) {
                continue;
            }
            // KIP-320: after a leader change, check the position against the new leader's
            // log before fetching on; an unclean election may have truncated it.
            let validated = self.validated_epochs.get(&tp).copied();
            if validated != Some(state.leader_epoch) {
                self.validated_epochs.insert(tp, state.leader_epoch);
                if let (Some(_), Some(&epoch)) = (validated, self.last_epochs.get(&tp))
                    && self.validates_position
                    && self.positions.contains_key(&tp)
                {
                    let correlation = self.next_id();
                    self.validating.insert(tp, correlation);
                    ctx.send(
                        NodeId::Broker(leader),
                        Message::OffsetForLeaderEpoch {
                            correlation,
                            partition: tp,
                            epoch,
                            current_leader_epoch: state.leader_epoch,
                        },
                    );
                    ctx.timer_after(timeout, Timer::RequestTimeout(correlation));
                    continue;
                }
            }
            match self.positions.get(&tp) {
                Some(&position) => per_leader.entry(leader).or_default().push(FetchPartition {
                    partition: tp,
                    fetch_offset: position,
                    last_fetched_epoch: None,
                    current_leader_epoch: state.leader_epoch,
                }),
                None if self.list_offsets.contains_key(&tp) => {}
                // With a group, the committed offset comes first (`lookup_committed`).
                None if self.group.is_some() && !self.uncommitted.contains(&tp) => {}
                None => {
                    let earliest = match self.config.auto_offset_reset {
                        OffsetReset::Earliest => true,
                        OffsetReset::Latest => false,
                        OffsetReset::None => {
                            self.failed.insert(tp);
                            self.errors
                                .insert(KafkaError::NoOffsetForPartitionException);
                            ctx.trace(TraceEvent::ConsumerError {
                                partition: tp,
                                error: "NoOffsetForPartitionException (auto.offset.reset=none)"
                                    .into(),
                            });
                            continue;
                        }
                    };
                    let correlation = self.next_id();
                    self.list_offsets.insert(tp, correlation);
                    ctx.send(
                        NodeId::Broker(leader),
                        Message::ListOffsets {
                            correlation,
                            partition: tp,
                            earliest,
                        },
                    );
                    ctx.timer_after(timeout, Timer::RequestTimeout(correlation));
                }
            }
        }
        for (leader, partitions) in per_leader {
            if self.fetches.values().any(|b| *b == leader) {
                continue;
            }
            let correlation = self.next_id();
            self.fetches.insert(correlation, leader);
            ctx.timer_after(timeout, Timer::RequestTimeout(correlation));
            ctx.send(
                NodeId::Broker(leader),
                Message::Fetch(FetchRequest {
                    correlation,
                    replica: None,
                    broker_epoch: None,
                    partitions,
                    max_wait: SimTime::from_millis(self.config.fetch_max_wait_ms),
                    min_bytes: self.config.fetch_min_bytes,
                    max_bytes: self.config.fetch_max_bytes,
                    read_committed: self.config.read_committed,
                }),
            );
        }
    }

    pub(super) fn request_metadata(&mut self, ctx: &mut Ctx) {
        let timeout = SimTime::from_millis(self.config.request_timeout_ms);
        self.metadata_fetch.topics = self.wanted_topics();
        self.metadata_fetch.allow_auto_create = self.config.allow_auto_create_topics;
        self.metadata_fetch.request(ctx, timeout);
    }

    /// The topics this consumer needs: its subscription, or those of its assigned partitions.
    pub(super) fn wanted_topics(&self) -> Vec<TopicId> {
        let mut topics = self.subscription.clone();
        for tp in self.fixed.iter().flatten() {
            if !topics.contains(&tp.topic) {
                topics.push(tp.topic);
            }
        }
        topics
    }

    /// A needed topic missing from the metadata (UNKNOWN_TOPIC_OR_PARTITION): said once, and
    /// metadata asked for again after each retry backoff, as Kafka's client does.
    pub(super) fn watch_missing_topics(&mut self, ctx: &mut Ctx) {
        let Some(metadata) = &self.metadata else {
            return;
        };
        let missing: Vec<TopicId> = self
            .wanted_topics()
            .into_iter()
            .filter(|t| metadata.partition_count(*t) == 0)
            .collect();
        if missing.is_empty() {
            return;
        }
        for topic in missing {
            if self.missing_topics.insert(topic) {
                self.errors.insert(KafkaError::UnknownTopicOrPartition);
                let why = if self.config.allow_auto_create_topics {
                    why!(
                        "the topic does not exist; a broker with auto.create.topics.enable=true creates it" ;
                        "토픽이 없음; auto.create.topics.enable=true인 브로커가 만듦"
                    )
                } else {
                    why!(
                        "the topic does not exist, and allow.auto.create.topics=false asks no broker to create it" ;
                        "토픽이 없고, allow.auto.create.topics=false라서 어느 브로커에도 만들라고 하지 않음"
                    )
                };
                ctx.trace(TraceEvent::TopicMissing {
                    topic,
                    error: "UNKNOWN_TOPIC_OR_PARTITION".into(),
                    why,
                });
            }
        }
        self.request_metadata(ctx);
    }
}
