//! The consumer's half of the classic group protocol: finding the coordinator, joining and
//! syncing, heartbeats, the assignment the group leader computes, revocation and leaving
//! (R8.3, R8.4, R9).

use super::*;

impl Consumer {
    /// Sends a request of the group protocol to broker `to`, with a timer for its answer
    /// unless none is expected (`timeout` `None`); returns its correlation id.
    pub(super) fn send_group_request(
        &mut self,
        ctx: &mut Ctx,
        to: BrokerId,
        request: GroupRequest,
        timeout: Option<SimTime>,
    ) -> u64 {
        let correlation = self.next_id();
        let group = self
            .group
            .expect("only group consumers send group requests");
        ctx.send(
            NodeId::Broker(to),
            Message::GroupRequest {
                correlation,
                group,
                request,
            },
        );
        if let Some(timeout) = timeout {
            ctx.timer_after(timeout, Timer::RequestTimeout(correlation));
        }
        correlation
    }

    pub(super) fn request_timeout(&self) -> Option<SimTime> {
        Some(SimTime::from_millis(self.config.request_timeout_ms))
    }

    pub(super) fn find_coordinator(&mut self, ctx: &mut Ctx) {
        if self.coordinator.is_some()
            || self.finding.is_some()
            || ctx.now < self.coordinator_retry_at
        {
            return;
        }
        // Any broker answers; ask them in turn.
        let broker = BrokerId((self.idx.0 + self.find_attempts) % self.brokers + 1);
        self.find_attempts += 1;
        let timeout = self.request_timeout();
        let correlation =
            self.send_group_request(ctx, broker, GroupRequest::FindCoordinator, timeout);
        self.finding = Some(correlation);
    }

    pub(super) fn retry_find_later(&mut self, ctx: &mut Ctx) {
        self.coordinator_retry_at = ctx.now + SimTime::from_millis(self.config.retry_backoff_ms);
        let at = self.coordinator_retry_at;
        self.wake_at(ctx, at);
    }

    /// The coordinator is gone or moved: look it up again. A join in progress starts over.
    pub(super) fn coordinator_lost(&mut self, ctx: &mut Ctx, why: Why) {
        if let Some(old) = self.coordinator.take()
            && self.lost_traced != Some(old)
        {
            // Once per coordinator: until the controller moves the partition, lookups keep
            // naming the same broker.
            self.lost_traced = Some(old);
            ctx.trace(TraceEvent::Membership {
                what: why!(
                    "coordinator {old} lost ({why}); looking it up again" ;
                    "코디네이터 {old}을(를) 잃음 ({}); 다시 찾음", why.ko()
                ),
            });
        }
        self.heartbeat_in_flight = None;
        self.offset_fetch = None;
        if matches!(
            self.join,
            JoinPhase::AwaitingJoin(_) | JoinPhase::AwaitingSync(_)
        ) {
            self.join = JoinPhase::Unjoined;
            self.rejoin.get_or_insert_with(
                || why!("the coordinator moved during the join" ; "참가 중 코디네이터가 옮겨 감"),
            );
        }
        self.commit_generations.clear();
        let failed: Vec<u64> = self.commits.keys().copied().collect();
        for c in failed {
            let (_, sync) = self.commits.remove(&c).expect("listed above");
            if sync && let App::Committing { correlation, .. } = &mut self.app {
                *correlation = None;
            }
        }
        self.retry_find_later(ctx);
    }

    /// The member's generation is gone (`resetStateAndGeneration`): its partitions are
    /// lost and it rejoins. After UNKNOWN_MEMBER_ID or a poll timeout the member id goes too
    /// (a static member then takes its instance's place again under a new id); after
    /// ILLEGAL_GENERATION the member keeps its id, which the coordinator still knows, so the
    /// rebalance need not wait for the old id to time out.
    pub(super) fn reset_membership(&mut self, ctx: &mut Ctx, why: Why, reset_member_id: bool) {
        if reset_member_id {
            self.member_id.clear();
        }
        self.generation = -1;
        self.join = JoinPhase::Unjoined;
        self.is_leader = false;
        if !self.assignment.is_empty() {
            ctx.trace(TraceEvent::Revoked {
                partitions: self.assignment.clone(),
                why: why!("partitions lost: {why}" ; "파티션 잃음: {}", why.ko()),
            });
            self.set_assignment(ctx, Vec::new());
        }
        self.rejoin = Some(why);
    }

    /// Before a rejoin (`onJoinPrepare`): with auto-commit, commit what was consumed and wait;
    /// then join.
    pub(super) fn prepare_join(&mut self, ctx: &mut Ctx) -> bool {
        if self.config.enable_auto_commit && self.join == JoinPhase::Stable {
            let offsets = self.consumed_offsets();
            if !offsets.is_empty() {
                self.commit_sync(
                    ctx,
                    offsets,
                    AfterCommit::Join,
                    why!(
                        "commitSync before rejoining (auto-commit)" ;
                        "다시 참가하기 전 commitSync (자동 커밋)"
                    ),
                );
                return false;
            }
        }
        self.start_join(ctx);
        false
    }

    pub(super) fn start_join(&mut self, ctx: &mut Ctx) {
        let Some(coordinator) = self.coordinator else {
            return;
        };
        let reason = self
            .rejoin
            .take()
            .unwrap_or_else(|| why!("rejoining" ; "다시 참가"));
        self.join_reason = reason.clone();
        if std::mem::take(&mut self.lost_at_next_poll) && !self.assignment.is_empty() {
            ctx.trace(TraceEvent::Revoked {
                partitions: self.assignment.clone(),
                why: why!("partitions lost: {reason}" ; "파티션 잃음: {}", reason.ko()),
            });
            self.set_assignment(ctx, Vec::new());
        }
        if !self.cooperative() && !self.assignment.is_empty() {
            ctx.trace(TraceEvent::Revoked {
                partitions: self.assignment.clone(),
                why: why!(
                    "eager rebalance: every partition is given up before rejoining" ;
                    "eager 리밸런스: 다시 참가하기 전에 모든 파티션을 내려놓음"
                ),
            });
            self.set_assignment(ctx, Vec::new());
        }
        let request = JoinRequest {
            member_id: self.member_id.clone(),
            instance_id: self.config.group_instance_id.clone(),
            client_id: self.client_id.clone(),
            protocols: self.strategies.clone(),
            topics: self.subscription.clone(),
            owned: self.assignment.clone(),
            owned_generation: self.generation,
            session_timeout: SimTime::from_millis(self.config.session_timeout_ms),
            rebalance_timeout: SimTime::from_millis(self.config.max_poll_interval_ms),
            reason: reason.clone(),
        };
        ctx.trace(TraceEvent::Membership {
            what: why!(
                "JoinGroup {} to coordinator {coordinator} ({reason})",
                self.group_name.as_deref().unwrap_or_default() ;
                "코디네이터 {coordinator}에 JoinGroup {} ({})",
                self.group_name.as_deref().unwrap_or_default(),
                reason.ko()
            ),
        });
        // The coordinator may hold a JoinGroup for the whole rebalance timeout.
        let timeout = SimTime::from_millis(self.config.max_poll_interval_ms + 5_000);
        let correlation = self.send_group_request(
            ctx,
            coordinator,
            GroupRequest::Join(Box::new(request)),
            Some(timeout),
        );
        self.join = JoinPhase::AwaitingJoin(correlation);
    }

    pub(super) fn on_heartbeat_timer(&mut self, ctx: &mut Ctx) {
        if !self.running || !self.managed() {
            return;
        }
        ctx.timer_after(
            SimTime::from_millis(self.config.heartbeat_interval_ms),
            Timer::GroupHeartbeat,
        );
        // The heartbeat thread's poll timer (R8.6): an application that has not called poll()
        // for max.poll.interval.ms leaves the group.
        let busy = !matches!(self.app, App::Polling);
        let max_poll = SimTime::from_millis(self.config.max_poll_interval_ms);
        if busy && self.generation >= 0 && ctx.now - self.last_poll > max_poll {
            ctx.trace(TraceEvent::Membership {
                what: why!(
                    "consumer poll timeout has expired: {} since the last poll() > max.poll.interval.ms={}; \
                     the member leaves the group (raise max.poll.interval.ms or lower max.poll.records)",
                    crate::engine::time::format_duration(ctx.now - self.last_poll),
                    self.config.max_poll_interval_ms ;
                    "컨슈머 poll 타임아웃 만료: 마지막 poll() 뒤 {} > max.poll.interval.ms={}; \
                     멤버가 그룹을 떠남 (max.poll.interval.ms를 늘리거나 max.poll.records를 줄이세요)",
                    crate::engine::time::format_duration(ctx.now - self.last_poll),
                    self.config.max_poll_interval_ms
                ),
            });
            self.send_leave(
                ctx,
                why!("consumer poll timeout has expired" ; "컨슈머 poll 타임아웃 만료"),
            );
            // Its partitions count as lost only at its next poll() (`onJoinPrepare`): until
            // then the application still holds them, and a commitSync() after processing fails
            // with CommitFailedException.
            self.member_id.clear();
            self.generation = -1;
            self.join = JoinPhase::Unjoined;
            self.is_leader = false;
            self.lost_at_next_poll = true;
            self.rejoin = Some(why!("the poll timeout expired" ; "poll 타임아웃 만료"));
            return;
        }
        let metadata_age = SimTime::from_millis(self.config.metadata_max_age_ms);
        if self.metadata.is_some() && ctx.now - self.metadata_at >= metadata_age {
            self.request_metadata(ctx);
        }
        self.watch_missing_topics(ctx);
        self.heartbeat(ctx, true);
    }

    /// Sends a heartbeat to a known coordinator, from a member of a generation with none in
    /// flight: on the heartbeat timer (`due`), or when the coordinator is found again if
    /// `heartbeat.interval.ms` has passed since the last one was sent, as Kafka's heartbeat
    /// thread sends an overdue heartbeat as soon as it knows the coordinator.
    fn heartbeat(&mut self, ctx: &mut Ctx, due: bool) {
        let member = matches!(self.join, JoinPhase::AwaitingSync(_) | JoinPhase::Stable);
        let interval = SimTime::from_millis(self.config.heartbeat_interval_ms);
        let due = due
            || self
                .heartbeat_sent_at
                .is_some_and(|at| ctx.now - at >= interval);
        if let (true, true, Some(coordinator), None) =
            (member, due, self.coordinator, self.heartbeat_in_flight)
        {
            let request = GroupRequest::Heartbeat {
                member_id: self.member_id.clone(),
                instance_id: self.config.group_instance_id.clone(),
                generation: self.generation,
            };
            let correlation =
                self.send_group_request(ctx, coordinator, request, self.request_timeout());
            self.heartbeat_in_flight = Some(correlation);
            self.heartbeat_generation = self.generation;
            self.heartbeat_sent_at = Some(ctx.now);
        }
    }

    /// The leader notices a subscribed topic's partition count changed and rejoins (R8.7).
    pub(super) fn check_partition_counts(&mut self) {
        if !self.is_leader || self.join != JoinPhase::Stable {
            return;
        }
        let Some(metadata) = &self.metadata else {
            return;
        };
        // The leader watches every topic of the group, not only its own subscription.
        let changed = self
            .assigned_counts
            .iter()
            .any(|(t, count)| *count != metadata.partition_count(*t));
        if changed && self.rejoin.is_none() {
            self.rejoin = Some(why!(
                "the leader's metadata changed: a subscribed topic's partition count" ;
                "리더의 메타데이터 변경: 구독한 토픽의 파티션 수"
            ));
        }
    }

    pub(super) fn on_group_response(
        &mut self,
        ctx: &mut Ctx,
        broker: BrokerId,
        correlation: u64,
        response: GroupResponse,
    ) {
        match response {
            GroupResponse::FindCoordinator(result) if self.finding == Some(correlation) => {
                self.finding = None;
                match result {
                    Ok((coordinator, _, _)) if self.announced == Some(coordinator) => {
                        self.coordinator = Some(coordinator);
                        self.heartbeat(ctx, false);
                    }
                    Ok((coordinator, partition, count)) => {
                        self.coordinator = Some(coordinator);
                        self.announced = Some(coordinator);
                        self.lost_traced = None;
                        let name = self.group_name.clone().unwrap_or_default();
                        ctx.trace(TraceEvent::Membership {
                            what: why!(
                                "coordinator of group {name} is {coordinator} (asked {broker}): it leads __consumer_offsets-{}, abs(\"{name}\".hashCode()) % {count}",
                                partition.partition ;
                                "그룹 {name}의 코디네이터는 {coordinator} ({broker}에 물음): __consumer_offsets-{}의 리더, abs(\"{name}\".hashCode()) % {count}",
                                partition.partition
                            ),
                        });
                        self.heartbeat(ctx, false);
                    }
                    Err(error) => {
                        self.errors.insert(error);
                        self.retry_find_later(ctx);
                    }
                }
            }
            GroupResponse::MemberIdRequired(id)
                if self.join == JoinPhase::AwaitingJoin(correlation) =>
            {
                self.member_id = id;
                self.join = JoinPhase::Unjoined;
                self.rejoin = Some(self.join_reason.clone());
                self.start_join(ctx);
            }
            GroupResponse::Join(result) if self.join == JoinPhase::AwaitingJoin(correlation) => {
                match result {
                    Ok(joined) => self.on_joined(ctx, joined),
                    Err(error) => self.on_group_error(ctx, error, "JoinGroup"),
                }
            }
            GroupResponse::Sync(result) if self.join == JoinPhase::AwaitingSync(correlation) => {
                match result {
                    Ok(assignment) => self.on_synced(ctx, assignment),
                    Err(error) => self.on_group_error(ctx, error, "SyncGroup"),
                }
            }
            GroupResponse::Heartbeat(result) if self.heartbeat_in_flight == Some(correlation) => {
                self.heartbeat_in_flight = None;
                match result {
                    Ok(()) => {}
                    Err(KafkaError::RebalanceInProgress) => {
                        if self.rejoin.is_none() && self.join == JoinPhase::Stable {
                            self.rejoin = Some(why!(
                                "the coordinator started a rebalance" ;
                                "코디네이터가 리밸런스를 시작함"
                            ));
                        }
                    }
                    // About a generation the member has already left behind: ignored.
                    Err(
                        KafkaError::IllegalGeneration
                        | KafkaError::UnknownMemberId
                        | KafkaError::FencedInstanceId,
                    ) if self.heartbeat_generation != self.generation => {}
                    Err(error) => self.on_group_error(ctx, error, "Heartbeat"),
                }
            }
            GroupResponse::OffsetCommit(result) => {
                let Some((offsets, _)) = self.commits.remove(&correlation) else {
                    return;
                };
                let sent_generation = self.commit_generations.remove(&correlation);
                let waiting = matches!(&self.app, App::Committing { correlation: Some(c), .. } if *c == correlation);
                let mut then = None;
                if waiting {
                    let App::Committing { then: t, .. } =
                        std::mem::replace(&mut self.app, App::Polling)
                    else {
                        unreachable!("matched above")
                    };
                    then = Some(t);
                }
                let rebalancing = matches!(
                    self.join,
                    JoinPhase::AwaitingJoin(_) | JoinPhase::AwaitingSync(_)
                );
                match result {
                    Ok(_) => {}
                    // Between JoinGroup and SyncGroup: not fatal, the member finishes the
                    // rebalance in poll() and may commit again.
                    Err(KafkaError::RebalanceInProgress) => {
                        self.errors.insert(KafkaError::RebalanceInProgressException);
                        ctx.trace(TraceEvent::CommitFailed {
                            error: "RebalanceInProgressException (REBALANCE_IN_PROGRESS)".into(),
                            why: why!(
                                "Offset commit cannot be completed since the consumer group is executing a rebalance at the moment" ;
                                "컨슈머 그룹이 지금 리밸런스 중이라 오프셋 커밋을 마칠 수 없음"
                            ),
                        });
                        if self.join == JoinPhase::Stable {
                            self.rejoin.get_or_insert_with(|| {
                                why!(
                                    "offset commit failed since group is already rebalancing" ;
                                    "그룹이 이미 리밸런스 중이라 오프셋 커밋 실패"
                                )
                            });
                        }
                    }
                    // The commit's generation is stale and the member is already rejoining.
                    Err(KafkaError::UnknownMemberId | KafkaError::IllegalGeneration)
                        if sent_generation != Some(self.generation) && rebalancing =>
                    {
                        self.errors.insert(KafkaError::RebalanceInProgressException);
                        ctx.trace(TraceEvent::CommitFailed {
                            error: "RebalanceInProgressException".into(),
                            why: why!(
                                "Offset commit cannot be completed since the consumer member's generation is already stale" ;
                                "컨슈머 멤버의 세대가 이미 지나서 오프셋 커밋을 마칠 수 없음"
                            ),
                        });
                    }
                    Err(error @ (KafkaError::UnknownMemberId | KafkaError::IllegalGeneration)) => {
                        self.errors.insert(KafkaError::CommitFailedException);
                        ctx.trace(TraceEvent::CommitFailed {
                            error: format!("CommitFailedException ({error})"),
                            why: why!(
                                "Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member" ;
                                "그룹이 이미 리밸런스를 마치고 파티션을 다른 멤버에게 배정해서 커밋을 마칠 수 없음"
                            ),
                        });
                        self.reset_membership(
                            ctx,
                            why!(
                                "a commit was refused with {error}" ;
                                "커밋이 {error}(으)로 거부됨"
                            ),
                            error == KafkaError::UnknownMemberId,
                        );
                    }
                    Err(error) => {
                        self.errors.insert(error);
                        ctx.trace(TraceEvent::CommitFailed {
                            error: error.name().into(),
                            why: why!(
                                "the coordinator is unavailable or moved" ;
                                "코디네이터를 쓸 수 없거나 옮겨 감"
                            ),
                        });
                        if matches!(
                            error,
                            KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable
                        ) {
                            self.coordinator_lost(ctx, Why::verbatim(error.name()));
                        }
                        if let Some(t) = then.take() {
                            // commitSync retries retriable errors until default.api.timeout.ms.
                            self.app = App::Committing {
                                correlation: None,
                                offsets,
                                deadline: ctx.now
                                    + SimTime::from_millis(self.config.default_api_timeout_ms),
                                then: t,
                            };
                        }
                    }
                }
                if let Some(t) = then {
                    self.after_commit(ctx, t);
                }
            }
            GroupResponse::OffsetFetch(result)
                if self
                    .offset_fetch
                    .as_ref()
                    .is_some_and(|(c, _)| *c == correlation) =>
            {
                let (_, asked) = self.offset_fetch.take().expect("matched above");
                match result {
                    Ok(found) => {
                        let name = self.group_name.clone().unwrap_or_default();
                        for tp in asked {
                            if !self.assignment.contains(&tp) || self.positions.contains_key(&tp) {
                                continue;
                            }
                            match found.get(&tp) {
                                Some(&offset) => {
                                    ctx.trace(TraceEvent::OffsetReset {
                                        partition: tp,
                                        to: offset,
                                        why: why!(
                                            "the committed offset of group {name}; auto.offset.reset does not apply" ;
                                            "그룹 {name}의 커밋된 오프셋; auto.offset.reset은 적용되지 않음"
                                        ),
                                    });
                                    self.positions.insert(tp, offset);
                                }
                                None => {
                                    self.uncommitted.insert(tp);
                                }
                            }
                        }
                    }
                    Err(KafkaError::UnstableOffsetCommit) => {
                        // UnstableOffsetCommitException is retriable: fetch again after
                        // retry.backoff.ms, until the transaction's marker settles the offsets.
                        self.errors.insert(KafkaError::UnstableOffsetCommit);
                        self.offset_fetch_retry_at =
                            ctx.now + SimTime::from_millis(self.config.retry_backoff_ms);
                        ctx.trace(TraceEvent::Membership {
                            what: why!(
                                "OffsetFetch answered UNSTABLE_OFFSET_COMMIT: a transactional offset commit is pending; retrying after retry.backoff.ms" ;
                                "OffsetFetch 응답 UNSTABLE_OFFSET_COMMIT: 트랜잭션 오프셋 커밋이 보류 중; retry.backoff.ms 뒤 재시도"
                            ),
                        });
                    }
                    Err(error) => self.on_group_error(ctx, error, "OffsetFetch"),
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_group_error(&mut self, ctx: &mut Ctx, error: KafkaError, request: &str) {
        self.errors.insert(error);
        match error {
            KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
                self.coordinator_lost(
                    ctx,
                    why!("{request} answered {error}" ; "{request} 응답 {error}"),
                );
            }
            KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                let reset_member_id = error == KafkaError::UnknownMemberId;
                self.reset_membership(
                    ctx,
                    why!("{request} answered {error}" ; "{request} 응답 {error}"),
                    reset_member_id,
                );
            }
            KafkaError::RebalanceInProgress => {
                self.join = JoinPhase::Unjoined;
                self.rejoin = Some(why!("{request} answered {error}" ; "{request} 응답 {error}"));
            }
            _ => {
                // FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL: fatal for this consumer.
                ctx.trace(TraceEvent::Membership {
                    what: why!(
                        "{request} failed with {error}; the consumer stops" ;
                        "{request}이(가) {error}로 실패; 컨슈머가 멈춤"
                    ),
                });
                // The application gets the exception and the consumer is closed: a later
                // `start` begins afresh.
                self.reset();
            }
        }
    }

    pub(super) fn on_joined(&mut self, ctx: &mut Ctx, joined: JoinResult) {
        // The heartbeat thread starts afresh for the new generation (`HeartbeatThread.enable`
        // resets its timers): a heartbeat of an older generation lost in a network cut must not
        // hold back this one's, or its session expires behind a healed network.
        self.heartbeat_in_flight = None;
        self.generation = joined.generation;
        self.member_id = joined.member_id.clone();
        self.protocol = Some(joined.protocol);
        self.is_leader = joined.leader == joined.member_id;
        let assignments = if joined.skip_assignment {
            // KIP-814: a static leader back in a Stable group keeps the current assignment;
            // it only notes the partition counts of the group's topics, to watch them.
            self.note_partition_counts(&joined);
            None
        } else {
            self.is_leader.then(|| self.compute_assignment(&joined))
        };
        let Some(coordinator) = self.coordinator else {
            return;
        };
        let request = GroupRequest::Sync {
            member_id: self.member_id.clone(),
            instance_id: self.config.group_instance_id.clone(),
            generation: self.generation,
            assignments,
        };
        let correlation =
            self.send_group_request(ctx, coordinator, request, self.request_timeout());
        self.join = JoinPhase::AwaitingSync(correlation);
    }

    /// The leader runs the group's assignor over the members' subscriptions and its own
    /// metadata's partition counts.
    pub(super) fn compute_assignment(
        &mut self,
        joined: &JoinResult,
    ) -> BTreeMap<String, Vec<TopicPartition>> {
        let Some(metadata) = self.metadata.clone() else {
            // Nothing to assign with yet: once metadata comes, the counts differ and the
            // leader rebalances again.
            self.assigned_counts = joined
                .members
                .iter()
                .flat_map(|m| m.topics.iter().map(|&t| (t, 0)))
                .collect();
            return BTreeMap::new();
        };
        let name_of = |t: TopicId| {
            metadata
                .topics
                .get(t.0 as usize)
                .map_or_else(String::new, |topic| topic.name.clone())
        };
        let members: Vec<assignor::Member> = joined
            .members
            .iter()
            .map(|m| assignor::Member {
                member_id: m.member_id.clone(),
                instance_id: m.instance_id.clone(),
                topics: m.topics.iter().map(|t| name_of(*t)).collect(),
                owned: m
                    .owned
                    .iter()
                    .map(|tp| (name_of(tp.topic), tp.partition))
                    .collect(),
                generation: m.owned_generation,
            })
            .collect();
        let mut counts = BTreeMap::new();
        self.assigned_counts.clear();
        for m in &joined.members {
            for &t in &m.topics {
                let n = metadata.partition_count(t);
                counts.insert(name_of(t), n);
                self.assigned_counts.insert(t, n);
            }
        }
        let id_of = |name: &str| {
            metadata
                .topics
                .iter()
                .position(|t| t.name == name)
                .map(|i| TopicId(i as u32))
        };
        assignor::assign(joined.protocol, &members, &counts)
            .into_iter()
            .map(|(member, parts)| {
                let parts = parts
                    .into_iter()
                    .filter_map(|(topic, p)| Some(TopicPartition::new(id_of(&topic)?, p)))
                    .collect();
                (member, parts)
            })
            .collect()
    }

    /// The partition counts the leader watches: those of every member's topics.
    pub(super) fn note_partition_counts(&mut self, joined: &JoinResult) {
        self.assigned_counts.clear();
        let Some(metadata) = &self.metadata else {
            return;
        };
        for m in &joined.members {
            for &t in &m.topics {
                self.assigned_counts.insert(t, metadata.partition_count(t));
            }
        }
    }

    pub(super) fn on_synced(&mut self, ctx: &mut Ctx, assignment: Vec<TopicPartition>) {
        self.join = JoinPhase::Stable;
        self.rebalances += 1;
        let revoked: Vec<TopicPartition> = self
            .assignment
            .iter()
            .filter(|tp| !assignment.contains(tp))
            .copied()
            .collect();
        ctx.trace(TraceEvent::Membership {
            what: why!(
                "joined generation {} as {}{}",
                self.generation,
                self.member_id,
                if self.is_leader { " (leader)" } else { "" } ;
                "세대 {}에 {}(으)로 참가{}",
                self.generation,
                self.member_id,
                if self.is_leader { " (리더)" } else { "" }
            ),
        });
        if !revoked.is_empty() {
            // Cooperative (KIP-429): give up only what moves, then rejoin so that the new
            // owner gets it in the next rebalance.
            ctx.trace(TraceEvent::Revoked {
                partitions: revoked,
                why: why!(
                    "cooperative rebalance: only partitions that move are given up; rejoining" ;
                    "cooperative 리밸런스: 옮겨 가는 파티션만 내려놓고 다시 참가함"
                ),
            });
            self.rejoin = Some(why!(
                "partitions were revoked (cooperative)" ;
                "파티션이 회수됨 (cooperative)"
            ));
        }
        let mut assignment = assignment;
        assignment.sort();
        self.set_assignment(ctx, assignment);
    }

    /// LeaveGroup, which a static member never sends: its place waits for it until its
    /// session expires (KIP-345).
    pub(super) fn send_leave(&mut self, ctx: &mut Ctx, reason: Why) {
        let Some(coordinator) = self.coordinator else {
            return;
        };
        if self.config.group_instance_id.is_some() {
            return;
        }
        let request = GroupRequest::Leave {
            member_id: self.member_id.clone(),
            reason,
        };
        self.send_group_request(ctx, coordinator, request, None);
    }
}
