//! The group coordinator's membership state machine (classic protocol): JoinGroup, SyncGroup,
//! Heartbeat and LeaveGroup, static members (KIP-345), the initial rebalance delay, session
//! and rebalance timeouts, and completing a rebalance into a new generation (R8.3, R8.4).

use super::offsets::group_write_error;
use super::*;

impl Broker {
    /// JoinGroup (`classicGroupJoinToClassicGroup`). A member without an id is new: a dynamic
    /// one first gets its id with MEMBER_ID_REQUIRED (KIP-394), a static one takes over its
    /// instance's place if it has one (KIP-345). A member with an id must be known. Then the
    /// group's state decides: a new member or changed metadata rebalances the group, a
    /// follower that rejoins with nothing changed just gets the current generation back.
    pub(super) fn on_join(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        join: JoinRequest,
    ) {
        let me = self.id;
        let respond = |ctx: &mut Ctx, response: GroupResponse| {
            ctx.send(
                from,
                Message::GroupResponse {
                    correlation,
                    group,
                    response,
                },
            )
        };
        let name = self.coordinator.name(group).to_string();
        self.coordinator.next_member += 1;
        let counter = self.coordinator.next_member;
        if join.member_id.is_empty() || self.coordinator.groups.contains_key(&group) {
            self.coordinator
                .groups
                .entry(group)
                .or_insert_with(new_group);
        }
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            // A member id for a group this coordinator does not know.
            respond(ctx, GroupResponse::Join(Err(KafkaError::UnknownMemberId)));
            return;
        };
        if !g.supports(&join.protocols) {
            respond(
                ctx,
                GroupResponse::Join(Err(KafkaError::InconsistentGroupProtocol)),
            );
            return;
        }
        let member_id = if join.member_id.is_empty() {
            let prefix = join.instance_id.as_deref().unwrap_or(&join.client_id);
            let new_id = member_id(prefix, me, counter);
            match &join.instance_id {
                None => {
                    // KIP-394: a new dynamic member first gets its id, then joins with it.
                    g.pending_ids
                        .insert(new_id.clone(), ctx.now + join.session_timeout);
                    respond(ctx, GroupResponse::MemberIdRequired(new_id));
                    self.schedule_group_timer(ctx, group);
                    return;
                }
                Some(instance) => {
                    if let Some(old) = g.static_member(instance) {
                        self.replace_static_member(
                            ctx,
                            from,
                            correlation,
                            group,
                            old,
                            new_id,
                            join,
                        );
                        return;
                    }
                    new_id
                }
            }
        } else if g.pending_ids.remove(&join.member_id).is_some() {
            join.member_id.clone()
        } else {
            if let Err(error) = g.validate_member(&join.member_id, join.instance_id.as_deref()) {
                respond(ctx, GroupResponse::Join(Err(error)));
                return;
            }
            self.rejoin_existing_member(ctx, from, correlation, group, join);
            return;
        };
        // A new member: the first one to join leads the group.
        if g.state == GroupState::PreparingRebalance
            && let Some(initial) = &mut g.initial_rebalance
        {
            initial.new_member_added = true;
        }
        if g.leader.is_none() {
            g.leader = Some(member_id.clone());
        }
        let mut member = Member {
            stored: StoredMember {
                member_id: member_id.clone(),
                instance_id: join.instance_id.clone(),
                client_id: join.client_id.clone(),
                protocols: Vec::new(),
                topics: Vec::new(),
                assignment: Vec::new(),
                session_timeout: join.session_timeout,
                rebalance_timeout: join.rebalance_timeout,
            },
            owned: Vec::new(),
            owned_generation: -1,
            client: from,
            awaiting_join: None,
            awaiting_sync: None,
            held_since: SimTime::ZERO,
            deadline: ctx.now + NEW_MEMBER_JOIN_TIMEOUT,
            is_new: true,
        };
        update_member(&mut member, &join, from, correlation, ctx.now);
        g.members.insert(member_id.clone(), member);
        ctx.trace(TraceEvent::GroupMember {
            group: name,
            member: member_id.clone(),
            what: why!("joins ({})", join.reason ; "참가 ({})", join.reason.ko()),
        });
        self.maybe_prepare_rebalance_or_complete_join(
            ctx,
            group,
            why!(
                "{member_id} joined ({})", join.reason ;
                "{member_id} 참가 ({})", join.reason.ko()
            ),
        );
        self.schedule_group_timer(ctx, group);
    }

    /// `classicGroupJoinExistingMember`: in PreparingRebalance the member simply waits for
    /// the others. In CompletingRebalance a member that sends the same metadata again (it
    /// lost the response) gets the current generation back. In Stable a follower with nothing
    /// changed gets the current generation too; the leader, or a member whose subscription or
    /// owned partitions changed, starts a rebalance.
    pub(super) fn rejoin_existing_member(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        join: JoinRequest,
    ) {
        let g = self
            .coordinator
            .groups
            .get_mut(&group)
            .expect("validated by the caller");
        let member = &g.members[&join.member_id];
        // `ClassicGroupMember.matches`: the protocols and their metadata (topics, owned
        // partitions and the generation they were owned in) are byte-for-byte the same.
        let matches = member.stored.protocols == join.protocols
            && member.stored.topics == join.topics
            && member.owned == join.owned
            && member.owned_generation == join.owned_generation;
        let is_leader = g.leader.as_deref() == Some(join.member_id.as_str());
        let unchanged = match g.state {
            GroupState::CompletingRebalance => matches,
            GroupState::Stable => matches && !is_leader,
            GroupState::PreparingRebalance => false,
            GroupState::Empty => {
                self.send_group_response(
                    ctx,
                    from,
                    correlation,
                    group,
                    GroupResponse::Join(Err(KafkaError::UnknownMemberId)),
                );
                return;
            }
        };
        if unchanged {
            let result = g.current_join_result(&join.member_id, false);
            let member = g.members.get_mut(&join.member_id).expect("validated");
            member.client = from;
            member.deadline = ctx.now + member.stored.session_timeout;
            self.send_group_response(
                ctx,
                from,
                correlation,
                group,
                GroupResponse::Join(Ok(result)),
            );
            return;
        }
        let member = g.members.get_mut(&join.member_id).expect("validated");
        update_member(member, &join, from, correlation, ctx.now);
        let why = if is_leader && matches {
            why!(
                "leader {} rejoined ({})", join.member_id, join.reason ;
                "리더 {} 다시 참가 ({})", join.member_id, join.reason.ko()
            )
        } else {
            why!(
                "{} rejoined with new metadata ({})", join.member_id, join.reason ;
                "{}이(가) 새 메타데이터로 다시 참가 ({})", join.member_id, join.reason.ko()
            )
        };
        self.maybe_prepare_rebalance_or_complete_join(ctx, group, why);
        self.schedule_group_timer(ctx, group);
    }

    /// A static member without a member id whose `group.instance.id` is in the group
    /// (`updateStaticMemberThenRebalanceOrCompleteJoin`): it takes the old member's place
    /// under a new id, and a JoinGroup or SyncGroup the old id still has waiting is answered
    /// FENCED_INSTANCE_ID. In a Stable group, if the group's protocol would stay the same,
    /// there is no rebalance: the new id is stored and the member gets the current generation
    /// and its old assignment (a returning leader is told to skip the assignment). In
    /// CompletingRebalance the group rebalances, since the leader may be assigning to the old
    /// id; in PreparingRebalance the member just waits with the others.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn replace_static_member(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        old: String,
        new_id: String,
        join: JoinRequest,
    ) {
        let name = self.coordinator.name(group).to_string();
        let g = self
            .coordinator
            .groups
            .get_mut(&group)
            .expect("the caller found the instance in it");
        let mut member = g.members.remove(&old).expect("found by the caller");
        if let Some(c) = member.awaiting_join.take() {
            ctx.send(
                member.client,
                Message::GroupResponse {
                    correlation: c,
                    group,
                    response: GroupResponse::Join(Err(KafkaError::FencedInstanceId)),
                },
            );
        }
        if let Some(c) = member.awaiting_sync.take() {
            ctx.send(
                member.client,
                Message::GroupResponse {
                    correlation: c,
                    group,
                    response: GroupResponse::Sync(Err(KafkaError::FencedInstanceId)),
                },
            );
        }
        member.stored.member_id = new_id.clone();
        update_member(&mut member, &join, from, correlation, ctx.now);
        member.deadline = ctx.now + join.session_timeout;
        if g.leader.as_deref() == Some(old.as_str()) {
            g.leader = Some(new_id.clone());
        }
        g.members.insert(new_id.clone(), member);
        let instance = join.instance_id.clone().unwrap_or_default();
        match g.state {
            GroupState::Stable if select_protocol(&g.members) == g.protocol => {
                ctx.trace(TraceEvent::GroupMember {
                    group: name,
                    member: new_id.clone(),
                    what: why!(
                        "static member {instance} is back (was {old}); the group's protocol does not change, so no rebalance" ;
                        "정적 멤버 {instance} 복귀 (이전 {old}); 그룹의 프로토콜이 바뀌지 않으므로 리밸런스 없음"
                    ),
                });
                let record = GroupRecord::GroupMetadata {
                    group,
                    generation: g.generation,
                    protocol: g.protocol,
                    leader: g.leader.clone(),
                    members: g.members.values().map(|m| m.stored.clone()).collect(),
                };
                let then = AfterWrite::StaticJoin {
                    group,
                    member: new_id.clone(),
                    correlation,
                };
                if let Err(error) = self.write_group_records(ctx, group, vec![record], then) {
                    self.answer_static_join(ctx, group, &new_id, correlation, Err(error));
                }
            }
            GroupState::Stable | GroupState::CompletingRebalance => {
                ctx.trace(TraceEvent::GroupMember {
                    group: name,
                    member: new_id.clone(),
                    what: why!(
                        "static member {instance} is back (was {old})" ;
                        "정적 멤버 {instance} 복귀 (이전 {old})"
                    ),
                });
                let why = if g.state == GroupState::Stable {
                    why!(
                        "static member {instance} joined with a change of protocol" ;
                        "정적 멤버 {instance}이(가) 바뀐 프로토콜로 참가"
                    )
                } else {
                    why!(
                        "updating metadata for static member {instance} ({new_id})" ;
                        "정적 멤버 {instance}의 메타데이터 갱신 ({new_id})"
                    )
                };
                self.maybe_prepare_rebalance_or_complete_join(ctx, group, why);
            }
            GroupState::PreparingRebalance | GroupState::Empty => {
                ctx.trace(TraceEvent::GroupMember {
                    group: name,
                    member: new_id.clone(),
                    what: why!(
                        "static member {instance} is back (was {old})" ;
                        "정적 멤버 {instance} 복귀 (이전 {old})"
                    ),
                });
                self.maybe_complete_join(ctx, group);
            }
        }
        self.schedule_group_timer(ctx, group);
    }

    /// Answers the JoinGroup of a static member that replaced itself in a Stable group,
    /// once its new member id is stored (or could not be).
    pub(super) fn answer_static_join(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        member_id: &str,
        correlation: u64,
        result: Result<(), KafkaError>,
    ) {
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        // Correlation ids are counted per client: only the member's own id tells whose
        // JoinGroup this write answers.
        let Some((id, member)) = g
            .members
            .iter_mut()
            .find(|(id, m)| id.as_str() == member_id && m.awaiting_join == Some(correlation))
        else {
            return;
        };
        if g.state != GroupState::Stable {
            // A rebalance started meanwhile: the member waits for it with the others.
            return;
        }
        member.awaiting_join = None;
        let client = member.client;
        let id = id.clone();
        let response = match result {
            Ok(()) => {
                let is_leader = g.leader.as_deref() == Some(id.as_str());
                GroupResponse::Join(Ok(g.current_join_result(&id, is_leader)))
            }
            Err(error) => GroupResponse::Join(Err(group_write_error(error))),
        };
        self.send_group_response(ctx, client, correlation, group, response);
    }

    /// SyncGroup (`classicGroupSyncToClassicGroup`): the member and generation must be
    /// current. In CompletingRebalance every member waits; the leader's assignment is stored
    /// in `__consumer_offsets` and, once the high watermark passes it, the group is Stable
    /// and every waiting member gets its partitions. In Stable the member gets its
    /// assignment at once; in PreparingRebalance it must rejoin.
    pub(super) fn on_sync(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation: u64,
        group: GroupId,
        (member_id, instance_id, generation): (&str, Option<&str>, i32),
        assignments: Option<BTreeMap<String, Vec<TopicPartition>>>,
    ) {
        let respond = |ctx: &mut Ctx, result: Result<Vec<TopicPartition>, KafkaError>| {
            ctx.send(
                from,
                Message::GroupResponse {
                    correlation,
                    group,
                    response: GroupResponse::Sync(result),
                },
            )
        };
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            respond(ctx, Err(KafkaError::UnknownMemberId));
            return;
        };
        if let Err(error) = g.validate_member(member_id, instance_id) {
            respond(ctx, Err(error));
            return;
        }
        if generation != g.generation {
            respond(ctx, Err(KafkaError::IllegalGeneration));
            return;
        }
        let is_leader = g.leader.as_deref() == Some(member_id);
        let member = g.members.get_mut(member_id).expect("validated above");
        match g.state {
            GroupState::Empty => respond(ctx, Err(KafkaError::UnknownMemberId)),
            GroupState::PreparingRebalance => {
                respond(ctx, Err(KafkaError::RebalanceInProgress));
            }
            GroupState::Stable => {
                member.deadline = ctx.now + member.stored.session_timeout;
                respond(ctx, Ok(member.stored.assignment.clone()));
            }
            GroupState::CompletingRebalance => {
                member.awaiting_sync = Some(correlation);
                member.held_since = ctx.now;
                member.client = from;
                if let (true, Some(assignments)) = (is_leader, assignments) {
                    // Members the leader left out get an empty assignment.
                    for (id, m) in g.members.iter_mut() {
                        m.stored.assignment = assignments.get(id).cloned().unwrap_or_default();
                    }
                    // The generation is stored before anyone hears of its assignment.
                    let record = GroupRecord::GroupMetadata {
                        group,
                        generation: g.generation,
                        protocol: g.protocol,
                        leader: g.leader.clone(),
                        members: g.members.values().map(|m| m.stored.clone()).collect(),
                    };
                    let generation = g.generation;
                    let then = AfterWrite::Generation { group, generation };
                    if let Err(error) = self.write_group_records(ctx, group, vec![record], then) {
                        self.fail_syncs(ctx, group, error);
                    }
                }
            }
        }
    }

    /// Heartbeat (`classicGroupHeartbeatToClassicGroup`): a current member's session starts
    /// again. In PreparingRebalance the answer is REBALANCE_IN_PROGRESS, telling the member
    /// to rejoin; in CompletingRebalance and Stable it is fine.
    pub(super) fn on_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        member_id: &str,
        instance_id: Option<&str>,
        generation: i32,
    ) -> Result<(), KafkaError> {
        let g = self
            .coordinator
            .groups
            .get_mut(&group)
            .ok_or(KafkaError::UnknownMemberId)?;
        g.validate_member(member_id, instance_id)?;
        if generation != g.generation {
            return Err(KafkaError::IllegalGeneration);
        }
        let state = g.state;
        let member = g.members.get_mut(member_id).expect("validated above");
        match state {
            GroupState::Empty => return Err(KafkaError::UnknownMemberId),
            _ => member.deadline = ctx.now + member.stored.session_timeout,
        }
        self.schedule_group_timer(ctx, group);
        match state {
            GroupState::PreparingRebalance => Err(KafkaError::RebalanceInProgress),
            _ => Ok(()),
        }
    }

    /// Storing the generation failed: the waiting members hear the error and the group
    /// rebalances.
    pub(super) fn fail_syncs(&mut self, ctx: &mut Ctx, group: GroupId, error: KafkaError) {
        let error = group_write_error(error);
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        for m in g.members.values_mut() {
            if let Some(c) = m.awaiting_sync.take() {
                ctx.send(
                    m.client,
                    Message::GroupResponse {
                        correlation: c,
                        group,
                        response: GroupResponse::Sync(Err(error)),
                    },
                );
            }
        }
        self.maybe_prepare_rebalance_or_complete_join(
            ctx,
            group,
            why!(
                "storing the generation failed with {error}" ;
                "세대 저장이 {error}로 실패"
            ),
        );
        self.schedule_group_timer(ctx, group);
    }

    /// LeaveGroup: a pending member is forgotten; a member is removed and a Stable or
    /// completing group rebalances without it.
    pub(super) fn on_leave(&mut self, ctx: &mut Ctx, group: GroupId, member_id: &str, why: Why) {
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        if g.pending_ids.remove(member_id).is_some() {
            // The join phase may have been waiting only for this member.
            self.maybe_complete_join(ctx, group);
            return;
        }
        // The reason the client sent in its LeaveGroup (KIP-800).
        if self.remove_member(ctx, group, member_id, &why) {
            self.maybe_complete_join(ctx, group);
        }
        self.schedule_group_timer(ctx, group);
    }

    /// Removes a member (it left, or its session expired): a JoinGroup it has waiting is
    /// answered UNKNOWN_MEMBER_ID, and a Stable or completing group starts to rebalance.
    /// Returns whether the group was already rebalancing, for the caller to try completing.
    pub(super) fn remove_member(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        member_id: &str,
        why: &Why,
    ) -> bool {
        let name = self.coordinator.name(group).to_string();
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return false;
        };
        let Some(member) = g.remove(member_id) else {
            return false;
        };
        if let Some(c) = member.awaiting_join {
            ctx.send(
                member.client,
                Message::GroupResponse {
                    correlation: c,
                    group,
                    response: GroupResponse::Join(Err(KafkaError::UnknownMemberId)),
                },
            );
        }
        ctx.trace(TraceEvent::GroupMember {
            group: name,
            member: member_id.to_string(),
            what: why.wrap("removed: ", "제거됨: "),
        });
        match g.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.maybe_prepare_rebalance_or_complete_join(
                    ctx,
                    group,
                    why!("{member_id} left: {why}" ; "{member_id} 떠남: {}", why.ko()),
                );
                false
            }
            GroupState::PreparingRebalance => true,
            GroupState::Empty => false,
        }
    }

    /// `maybePrepareRebalanceOrCompleteJoin`: a group that can rebalance (Empty, Stable,
    /// CompletingRebalance) starts to; one already preparing may now be complete.
    pub(super) fn maybe_prepare_rebalance_or_complete_join(
        &mut self,
        ctx: &mut Ctx,
        group: GroupId,
        why: Why,
    ) {
        let name = self.coordinator.name(group).to_string();
        let initial_delay = self.coordinator.initial_delay;
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        if g.state == GroupState::PreparingRebalance {
            self.maybe_complete_join(ctx, group);
            return;
        }
        let initial = g.state == GroupState::Empty;
        prepare_rebalance(ctx, group, &name, g, why, initial_delay);
        if !initial && g.all_joined() {
            self.complete_join(ctx, group);
        }
    }

    /// `maybeCompleteJoinPhase`: the join phase ends as soon as every member has rejoined,
    /// except in an initial rebalance, which only its delay timer ends.
    pub(super) fn maybe_complete_join(&mut self, ctx: &mut Ctx, group: GroupId) {
        let Some(g) = self.coordinator.groups.get(&group) else {
            return;
        };
        if g.state == GroupState::PreparingRebalance
            && g.initial_rebalance.is_none()
            && g.all_joined()
        {
            self.complete_join(ctx, group);
        }
    }

    /// `completeClassicGroupJoin`: dynamic members that did not rejoin are removed (static
    /// ones stay, with their old assignment, until their session expires); a leader that did
    /// not rejoin is replaced by one that did; then the next generation starts and every
    /// waiting member gets its JoinGroup response, the leader with the member list. If no
    /// member rejoined at all, the group waits another rebalance timeout.
    pub(super) fn complete_join(&mut self, ctx: &mut Ctx, group: GroupId) {
        let name = self.coordinator.name(group).to_string();
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        g.rebalance_deadline = None;
        let laggards: Vec<String> = g
            .members
            .iter()
            .filter(|(_, m)| m.awaiting_join.is_none() && m.stored.instance_id.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for id in laggards {
            g.remove(&id);
            ctx.trace(TraceEvent::GroupMember {
                group: name.clone(),
                member: id,
                what: why!(
                    "removed: did not rejoin within the rebalance timeout (max.poll.interval.ms)" ;
                    "제거됨: 리밸런스 타임아웃(max.poll.interval.ms) 안에 다시 참가하지 않음"
                ),
            });
        }
        // `maybeElectNewJoinedLeader`.
        let leader_joined = g
            .leader
            .as_ref()
            .and_then(|l| g.members.get(l))
            .is_some_and(|m| m.awaiting_join.is_some());
        if !leader_joined
            && let Some(joined) = g
                .members
                .iter()
                .find(|(_, m)| m.awaiting_join.is_some())
                .map(|(id, _)| id.clone())
        {
            g.leader = Some(joined);
        }
        let elected = g
            .leader
            .as_ref()
            .and_then(|l| g.members.get(l))
            .is_some_and(|m| m.awaiting_join.is_some());
        if !elected && !g.members.is_empty() {
            // Only static members that have not rejoined are left: wait for them, or for
            // their sessions to expire.
            g.rebalance_deadline = Some(ctx.now + g.rebalance_timeout());
            self.schedule_group_timer(ctx, group);
            return;
        }
        g.initial_rebalance = None;
        g.generation += 1;
        if g.members.is_empty() {
            g.state = GroupState::Empty;
            g.protocol = None;
            g.leader = None;
            ctx.trace(TraceEvent::GroupEmpty {
                group: name,
                generation: g.generation,
            });
            // The empty generation is stored too, so that a new coordinator loads it.
            let record = GroupRecord::GroupMetadata {
                group,
                generation: g.generation,
                protocol: None,
                leader: None,
                members: Vec::new(),
            };
            let then = AfterWrite::Generation {
                group,
                generation: g.generation,
            };
            // Nobody waits for it: a failed write leaves the previous generation in the log.
            let _ = self.write_group_records(ctx, group, vec![record], then);
            return;
        }
        g.protocol = select_protocol(&g.members);
        g.state = GroupState::CompletingRebalance;
        let leader = g.leader.clone().expect("elected above");
        let protocol = g.protocol.expect("members share a protocol");
        let members = g.joined_members();
        ctx.trace(TraceEvent::JoinCompleted {
            group: name,
            generation: g.generation,
            protocol: protocol.protocol_name().to_string(),
            leader: leader.clone(),
            members: members.iter().map(|m| m.member_id.clone()).collect(),
        });
        let generation = g.generation;
        for m in g.members.values_mut() {
            m.deadline = ctx.now + m.stored.session_timeout;
            m.is_new = false;
            if let Some(c) = m.awaiting_join.take() {
                let result = JoinResult {
                    generation,
                    protocol,
                    leader: leader.clone(),
                    member_id: m.stored.member_id.clone(),
                    members: if m.stored.member_id == leader {
                        members.clone()
                    } else {
                        Vec::new()
                    },
                    skip_assignment: false,
                };
                ctx.send(
                    m.client,
                    Message::GroupResponse {
                        correlation: c,
                        group,
                        response: GroupResponse::Join(Ok(result)),
                    },
                );
            }
        }
        self.schedule_group_timer(ctx, group);
    }

    /// The group's timer: ids handed out with MEMBER_ID_REQUIRED that never came back,
    /// expired sessions, and the join timer (the initial delay or the rebalance timeout).
    pub(crate) fn on_group_timer(&mut self, ctx: &mut Ctx, group: GroupId) {
        let now = ctx.now;
        self.coordinator.timers.remove(&(group, now));
        let initial_delay = self.coordinator.initial_delay;
        if let Some(tp) = self.coordinator.partition_of(group) {
            self.complete_group_writes(ctx, tp);
        }
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        let pending = g.pending_ids.len();
        g.pending_ids.retain(|_, expires| *expires > now);
        let mut try_complete = g.pending_ids.len() < pending;
        // `hasSatisfiedHeartbeat`: a member waiting in a JoinGroup or SyncGroup needs no
        // heartbeat, unless it is new in this rebalance.
        let expired: Vec<(String, SimTime)> = g
            .members
            .iter()
            .filter(|(_, m)| {
                m.deadline <= now
                    && (m.is_new || (m.awaiting_join.is_none() && m.awaiting_sync.is_none()))
            })
            .map(|(id, m)| (id.clone(), m.stored.session_timeout))
            .collect();
        for (id, timeout) in expired {
            let timeout = timeout.as_millis();
            let why = why!(
                "no heartbeat within session.timeout.ms={timeout}" ;
                "session.timeout.ms={timeout} 안에 하트비트 없음"
            );
            try_complete |= self.remove_member(ctx, group, &id, &why);
        }
        let Some(g) = self.coordinator.groups.get_mut(&group) else {
            return;
        };
        // A removal by the timer completes a rebalance whose members have all rejoined,
        // even during the initial delay (`removeMemberAndUpdateClassicGroup`).
        if try_complete && g.state == GroupState::PreparingRebalance && g.all_joined() {
            self.complete_join(ctx, group);
        } else if g.state == GroupState::PreparingRebalance
            && g.rebalance_deadline.is_some_and(|d| d <= now)
        {
            match &mut g.initial_rebalance {
                Some(initial) if initial.new_member_added && initial.remaining > SimTime::ZERO => {
                    // A member joined during the delay: wait another delay.
                    let delay = initial_delay.min(initial.remaining);
                    initial.remaining = initial.remaining.saturating_sub(initial.delay);
                    initial.delay = delay;
                    initial.new_member_added = false;
                    g.rebalance_deadline = Some(now + delay);
                }
                _ => self.complete_join(ctx, group),
            }
        }
        self.schedule_group_timer(ctx, group);
    }

    pub(super) fn schedule_group_timer(&mut self, ctx: &mut Ctx, group: GroupId) {
        let Some(g) = self.coordinator.groups.get(&group) else {
            return;
        };
        let next = g
            .members
            .values()
            .filter(|m| m.is_new || (m.awaiting_join.is_none() && m.awaiting_sync.is_none()))
            .map(|m| m.deadline)
            .chain(g.pending_ids.values().copied())
            .filter(|t| *t > ctx.now)
            .chain(g.rebalance_deadline)
            .min();
        if let Some(at) = next {
            self.group_timer_at(ctx, group, at);
        }
    }

    /// Queues the group's timer at `at`, unless it is queued for then already.
    pub(super) fn group_timer_at(&mut self, ctx: &mut Ctx, group: GroupId, at: SimTime) {
        if self.coordinator.timers.insert((group, at)) {
            ctx.timer_at(at, Timer::Group(group));
        }
    }
}

/// What a JoinGroup carries, recorded on the member: its protocols and subscription, what it
/// owns, its timeouts, and the request that now waits for the join phase to end.
fn update_member(
    member: &mut Member,
    join: &JoinRequest,
    from: NodeId,
    correlation: u64,
    now: SimTime,
) {
    member.client = from;
    member.stored.protocols = join.protocols.clone();
    member.stored.topics = join.topics.clone();
    member.stored.session_timeout = join.session_timeout;
    member.stored.rebalance_timeout = join.rebalance_timeout;
    member.owned = join.owned.clone();
    member.owned_generation = join.owned_generation;
    member.awaiting_join = Some(correlation);
    member.held_since = now;
}

/// `prepareRebalance`: the group goes to PreparingRebalance; members waiting in a SyncGroup
/// hear REBALANCE_IN_PROGRESS, the others hear it on their next heartbeat, and all rejoin.
/// The join phase waits for them up to the longest rebalance timeout, or, for a group that
/// was Empty, `group.initial.rebalance.delay.ms` at first.
fn prepare_rebalance(
    ctx: &mut Ctx,
    group: GroupId,
    name: &str,
    g: &mut Group,
    why: Why,
    initial_delay: SimTime,
) {
    if g.state == GroupState::CompletingRebalance {
        for m in g.members.values_mut() {
            if let Some(c) = m.awaiting_sync.take() {
                ctx.send(
                    m.client,
                    Message::GroupResponse {
                        correlation: c,
                        group,
                        response: GroupResponse::Sync(Err(KafkaError::RebalanceInProgress)),
                    },
                );
            }
        }
    }
    let timeout = g.rebalance_timeout();
    let why = if g.state == GroupState::Empty {
        g.initial_rebalance = Some(InitialRebalance {
            delay: initial_delay,
            remaining: timeout.saturating_sub(initial_delay),
            new_member_added: false,
        });
        g.rebalance_deadline = Some(ctx.now + initial_delay);
        let delay = initial_delay.as_millis();
        why!(
            "{why}; the group was empty, so it waits group.initial.rebalance.delay.ms={delay} for more members" ;
            "{}; 그룹이 비어 있었으므로 멤버가 더 오기를 group.initial.rebalance.delay.ms={delay} 동안 기다림", why.ko()
        )
    } else {
        g.rebalance_deadline = Some(ctx.now + timeout);
        why
    };
    g.state = GroupState::PreparingRebalance;
    ctx.trace(TraceEvent::RebalanceStarted {
        group: name.to_string(),
        generation: g.generation,
        why,
    });
}
