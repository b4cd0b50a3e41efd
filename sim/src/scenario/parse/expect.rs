//! Expectations: each `[[expect]]` table and a quiz question's `check`s, with the subject and
//! the keys it may use, and the names (errors, partitions, brokers) they refer to.

use super::*;

impl<'a> Checker<'a> {
    /// "producer "ap" does not exist, did you mean "app"?"
    pub(super) fn unknown(
        &self,
        kind: &str,
        wanted: &str,
        known: &[(String, Range<usize>)],
    ) -> String {
        let names = known.iter().map(|(n, _)| n.as_str());
        match nearest(wanted, names.clone()) {
            Some(guess) => format!("{kind} {wanted:?} does not exist, did you mean \"{guess}\"?"),
            None if known.is_empty() => {
                format!("{kind} {wanted:?} does not exist; there are no {kind}s")
            }
            None => format!(
                "{kind} {wanted:?} does not exist; the {kind}s are {}",
                quoted_list(names)
            ),
        }
    }

    pub(super) fn expectation(&self, table: &Spanned<RawExpect>) -> Result<Expectation> {
        let raw = table.get_ref();
        let at = match &raw.at {
            Some(at) => Some(self.moment(at, "the expectation")?),
            None => None,
        };
        let when = at.unwrap_or(self.duration);
        let first_span = |spans: &[Option<Range<usize>>]| {
            spans.iter().flatten().min_by_key(|s| s.start).cloned()
        };
        let ledger = first_span(&[
            raw.acked_lost.as_ref().map(Spanned::span),
            raw.duplicated.as_ref().map(Spanned::span),
            raw.reordered.as_ref().map(Spanned::span),
            raw.moved_keys.as_ref().map(Spanned::span),
            raw.reordered_as_consumed.as_ref().map(Spanned::span),
            raw.removed.as_ref().map(Spanned::span),
        ]);
        let mut subjects: Vec<(&str, Range<usize>)> = [
            (
                "the ledger (acked_lost, duplicated, reordered, reordered_as_consumed, moved_keys, removed)",
                ledger.clone(),
            ),
            ("`partition`", raw.partition.as_ref().map(Spanned::span)),
            ("`producer`", raw.producer.as_ref().map(Spanned::span)),
            ("`consumer`", raw.consumer.as_ref().map(Spanned::span)),
            ("`group`", raw.group.as_ref().map(Spanned::span)),
            ("`streams`", raw.streams.as_ref().map(Spanned::span)),
        ]
        .into_iter()
        .filter_map(|(name, span)| Some((name, span?)))
        .collect();
        subjects.sort_by_key(|(_, span)| span.start);

        // Keys that belong to one subject, to say which subject is missing when they appear
        // without it or next to another one.
        let owned: Vec<(&str, &str, Option<Range<usize>>)> = vec![
            (
                "leader",
                "partition",
                raw.leader.as_ref().map(Spanned::span),
            ),
            (
                "offline",
                "partition",
                raw.offline.as_ref().map(Spanned::span),
            ),
            ("isr", "partition", raw.isr.as_ref().map(Spanned::span)),
            ("elr", "partition", raw.elr.as_ref().map(Spanned::span)),
            (
                "high_watermark",
                "partition",
                raw.high_watermark.as_ref().map(Spanned::span),
            ),
            (
                "leader_epoch",
                "partition",
                raw.leader_epoch.as_ref().map(Spanned::span),
            ),
            ("leo", "partition", raw.leo.as_ref().map(Spanned::span)),
            ("log", "partition", raw.log.as_ref().map(Spanned::span)),
            (
                "log_start_offset",
                "partition",
                raw.log_start_offset.as_ref().map(Spanned::span),
            ),
            (
                "segments",
                "partition",
                raw.segments.as_ref().map(Spanned::span),
            ),
            (
                "offsets",
                "partition",
                raw.offsets.as_ref().map(Spanned::span),
            ),
            ("lso", "partition", raw.lso.as_ref().map(Spanned::span)),
            ("acked", "producer", raw.acked.as_ref().map(Spanned::span)),
            ("failed", "producer", raw.failed.as_ref().map(Spanned::span)),
            ("errors", "producer", raw.errors.as_ref().map(Spanned::span)),
            (
                "batches",
                "producer",
                raw.batches.as_ref().map(Spanned::span),
            ),
            (
                "requests",
                "producer",
                raw.requests.as_ref().map(Spanned::span),
            ),
            (
                "records_per_batch",
                "producer",
                raw.records_per_batch.as_ref().map(Spanned::span),
            ),
            ("epoch", "producer", raw.epoch.as_ref().map(Spanned::span)),
            (
                "transaction_state",
                "producer",
                raw.transaction_state.as_ref().map(Spanned::span),
            ),
            (
                "received",
                "consumer",
                raw.received.as_ref().map(Spanned::span),
            ),
            ("values", "consumer", raw.values.as_ref().map(Spanned::span)),
            (
                "assignment",
                "consumer",
                raw.assignment.as_ref().map(Spanned::span),
            ),
            (
                "processed",
                "consumer",
                raw.processed.as_ref().map(Spanned::span),
            ),
            ("idle", "consumer", raw.idle.as_ref().map(Spanned::span)),
            ("lag", "consumer", raw.lag.as_ref().map(Spanned::span)),
            (
                "records_lag_max",
                "consumer",
                raw.records_lag_max.as_ref().map(Spanned::span),
            ),
            (
                "rebalances",
                "consumer",
                raw.rebalances.as_ref().map(Spanned::span),
            ),
            (
                "read_aborted",
                "consumer",
                raw.read_aborted.as_ref().map(Spanned::span),
            ),
            (
                "committed",
                "group",
                raw.committed.as_ref().map(Spanned::span),
            ),
            (
                "generation",
                "group",
                raw.generation.as_ref().map(Spanned::span),
            ),
            ("state", "group", raw.state.as_ref().map(Spanned::span)),
            ("members", "group", raw.members.as_ref().map(Spanned::span)),
            (
                "coordinator",
                "group",
                raw.coordinator.as_ref().map(Spanned::span),
            ),
            ("lost", "group", raw.lost.as_ref().map(Spanned::span)),
            (
                "reprocessed",
                "group",
                raw.reprocessed.as_ref().map(Spanned::span),
            ),
            ("store", "streams", raw.store.as_ref().map(Spanned::span)),
            (
                "entries",
                "streams",
                raw.entries.as_ref().map(Spanned::span),
            ),
            ("owners", "streams", raw.owners.as_ref().map(Spanned::span)),
            (
                "restored",
                "streams",
                raw.restored.as_ref().map(Spanned::span),
            ),
            (
                "outputs",
                "streams",
                raw.outputs.as_ref().map(Spanned::span),
            ),
        ];
        let examples = [
            ("partition", "partition = \"orders-0\""),
            ("producer", "producer = \"app\""),
            ("consumer", "consumer = \"reader\""),
            ("group", "group = \"g1\""),
            ("streams", "streams = \"wordcount\""),
        ];
        let subject_key = match subjects.as_slice() {
            [] => {
                if let Some((key, owner, Some(span))) = owned.iter().find(|(_, _, s)| s.is_some()) {
                    let example = examples
                        .iter()
                        .find(|(o, _)| o == owner)
                        .map_or("", |(_, e)| e);
                    return self.fail(
                        span.clone(),
                        format!("`{key}` is checked on a {owner}: add {example} to say which"),
                    );
                }
                return self.fail(
                    table.span(),
                    "an expectation needs one subject: the ledger (acked_lost, duplicated, reordered, reordered_as_consumed, moved_keys, removed), \
                     `partition`, `producer`, `consumer`, `group` or `streams`; found none",
                );
            }
            [(name, _)] => *name,
            [(first, _), (second, span), ..] => {
                return self.fail(
                    span.clone(),
                    format!(
                        "an expectation has one subject, found {first} and {second}; write one [[expect]] for each"
                    ),
                );
            }
        };
        for (key, owner, span) in &owned {
            // `errors` is checked on a consumer as well as on a producer.
            let shared = *key == "errors" && subject_key == "`consumer`"
                || matches!(*key, "processed" | "reprocessed") && subject_key == "`streams`";
            if let Some(span) = span
                && !subject_key.contains(owner)
                && !shared
            {
                return self.fail(
                    span.clone(),
                    format!(
                        "`{key}` is checked on a {owner}, but this expectation is about {subject_key}"
                    ),
                );
            }
        }

        let nothing_to_check = |subject: &str, keys: &[&str]| {
            self.src.error(
                table.span(),
                format!("nothing to check for {subject}: give {}", one_of_keys(keys)),
            )
        };
        let subject = if ledger.is_some() {
            let count =
                |v: &Option<Spanned<i64>>, key| v.as_ref().map(|v| self.count(v, key)).transpose();
            Subject::Ledger {
                acked_lost: count(&raw.acked_lost, "acked_lost")?,
                duplicated: count(&raw.duplicated, "duplicated")?,
                reordered: count(&raw.reordered, "reordered")?,
                moved_keys: count(&raw.moved_keys, "moved_keys")?,
                reordered_as_consumed: count(&raw.reordered_as_consumed, "reordered_as_consumed")?,
                removed: count(&raw.removed, "removed")?,
            }
        } else if let Some(partition) = &raw.partition {
            let tp = self.topic_partition(partition, when)?;
            let leader = match &raw.leader {
                Some(leader) => Some(self.leader(leader)?),
                None => None,
            };
            let isr = self.broker_set(raw.isr.as_ref(), "isr")?;
            let elr = self.broker_set(raw.elr.as_ref(), "elr")?;
            let leo = match &raw.leo {
                Some(map) => {
                    let mut leo = BTreeMap::new();
                    for (broker, offset) in map.get_ref() {
                        let id = self.broker_key(broker, "leo")?;
                        if leo.insert(id, self.count(offset, "leo")?).is_some() {
                            return self
                                .fail(broker.span(), format!("`leo` names broker {} twice", id.0));
                        }
                    }
                    leo
                }
                None => BTreeMap::new(),
            };
            let log = match &raw.log {
                Some(map) => {
                    let mut log = BTreeMap::new();
                    for (broker, values) in map.get_ref() {
                        let values = values
                            .get_ref()
                            .iter()
                            .map(|v| v.get_ref().clone())
                            .collect();
                        let id = self.broker_key(broker, "log")?;
                        if log.insert(id, values).is_some() {
                            return self
                                .fail(broker.span(), format!("`log` names broker {} twice", id.0));
                        }
                    }
                    log
                }
                None => BTreeMap::new(),
            };
            let subject = Subject::Partition {
                partition: tp,
                leader,
                offline: raw.offline.as_ref().map(|o| *o.get_ref()),
                isr,
                elr,
                high_watermark: raw
                    .high_watermark
                    .as_ref()
                    .map(|v| self.count(v, "high_watermark"))
                    .transpose()?,
                leader_epoch: raw
                    .leader_epoch
                    .as_ref()
                    .map(|v| {
                        self.int(v, "leader_epoch", 0, i64::from(i32::MAX))
                            .map(|e| e as u32)
                    })
                    .transpose()?,
                lso: raw.lso.as_ref().map(|v| self.count(v, "lso")).transpose()?,
                leo,
                log,
                log_start_offset: raw
                    .log_start_offset
                    .as_ref()
                    .map(|v| self.count(v, "log_start_offset"))
                    .transpose()?,
                segments: self.offset_list(&raw.segments, "segments")?,
                offsets: self.offset_list(&raw.offsets, "offsets")?,
            };
            let partition_keys: Vec<&str> = owned
                .iter()
                .filter(|(_, owner, _)| *owner == "partition")
                .map(|(key, _, _)| *key)
                .collect();
            if owned
                .iter()
                .all(|(_, owner, span)| *owner != "partition" || span.is_none())
            {
                return Err(nothing_to_check(
                    &format!("partition {}", partition.get_ref()),
                    &partition_keys,
                ));
            }
            subject
        } else if let Some(producer) = &raw.producer {
            let producer_idx = self.producer(producer)?;
            let producer_keys: Vec<&str> = owned
                .iter()
                .filter(|(_, owner, _)| *owner == "producer")
                .map(|(key, _, _)| *key)
                .collect();
            if owned
                .iter()
                .all(|(_, owner, span)| *owner != "producer" || span.is_none())
            {
                return Err(nothing_to_check(
                    &format!("producer {:?}", producer.get_ref()),
                    &producer_keys,
                ));
            }
            let mut errors = Vec::new();
            for error in raw
                .errors
                .as_ref()
                .map_or(&[][..], |e| e.get_ref().as_slice())
            {
                errors.push(self.error_name(error)?);
            }
            Subject::Producer {
                producer: producer_idx,
                acked: raw
                    .acked
                    .as_ref()
                    .map(|v| self.count(v, "acked"))
                    .transpose()?,
                failed: raw
                    .failed
                    .as_ref()
                    .map(|v| self.count(v, "failed"))
                    .transpose()?,
                errors,
                batches: raw
                    .batches
                    .as_ref()
                    .map(|v| self.count(v, "batches"))
                    .transpose()?,
                requests: raw
                    .requests
                    .as_ref()
                    .map(|v| self.count(v, "requests"))
                    .transpose()?,
                epoch: raw
                    .epoch
                    .as_ref()
                    .map(|v| {
                        self.int(v, "epoch", 0, i64::from(i16::MAX))
                            .map(|e| e as u32)
                    })
                    .transpose()?,
                transaction_state: match &raw.transaction_state {
                    Some(state) => {
                        if !self
                            .transactional
                            .get(producer_idx.0 as usize)
                            .copied()
                            .unwrap_or(false)
                        {
                            return self.fail(
                                state.span(),
                                format!(
                                    "`transaction_state`: producer {:?} has no transactional.id",
                                    producer.get_ref()
                                ),
                            );
                        }
                        if !TRANSACTION_STATES.contains(&state.get_ref().as_str()) {
                            return self.fail(
                                state.span(),
                                format!(
                                    "`transaction_state`: expected one of {}, found {:?}",
                                    TRANSACTION_STATES.join(", "),
                                    state.get_ref()
                                ),
                            );
                        }
                        Some(state.get_ref().clone())
                    }
                    None => None,
                },
                records_per_batch: raw
                    .records_per_batch
                    .as_ref()
                    .map(|v| self.range_of_means(v, "records_per_batch"))
                    .transpose()?,
            }
        } else if let Some(consumer) = &raw.consumer {
            let consumer_idx = self.consumer_idx(consumer)?;
            if raw.errors.is_none()
                && owned
                    .iter()
                    .all(|(_, owner, span)| *owner != "consumer" || span.is_none())
            {
                return Err(nothing_to_check(
                    &format!("consumer {:?}", consumer.get_ref()),
                    &[
                        "received",
                        "values",
                        "assignment",
                        "processed",
                        "idle",
                        "lag",
                        "records_lag_max",
                        "rebalances",
                        "read_aborted",
                        "errors",
                    ],
                ));
            }
            let count =
                |v: &Option<Spanned<i64>>, key| v.as_ref().map(|v| self.count(v, key)).transpose();
            let mut errors = Vec::new();
            for error in raw
                .errors
                .as_ref()
                .map_or(&[][..], |e| e.get_ref().as_slice())
            {
                errors.push(self.error_name_of(error, CONSUMER_ERRORS)?);
            }
            Subject::Consumer {
                consumer: consumer_idx,
                received: raw
                    .received
                    .as_ref()
                    .map(|v| self.count(v, "received"))
                    .transpose()?,
                values: raw
                    .values
                    .as_ref()
                    .map(|v| v.get_ref().iter().map(|s| s.get_ref().clone()).collect()),
                assignment: raw
                    .assignment
                    .as_ref()
                    .map(|a| self.topic_partitions(a, "assignment", when))
                    .transpose()?,
                processed: count(&raw.processed, "processed")?,
                idle: raw.idle.as_ref().map(|v| *v.get_ref()),
                lag: self.partition_counts(raw.lag.as_ref(), "lag", when)?,
                records_lag_max: count(&raw.records_lag_max, "records_lag_max")?,
                rebalances: count(&raw.rebalances, "rebalances")?,
                errors,
                read_aborted: count(&raw.read_aborted, "read_aborted")?,
            }
        } else if let Some(group) = &raw.group {
            if !self.groups_named().any(|g| g == group.get_ref()) {
                let known: Vec<(String, Range<usize>)> =
                    self.groups_named().map(|g| (g.to_string(), 0..0)).collect();
                return self.fail(group.span(), self.unknown("group", group.get_ref(), &known));
            }
            if owned
                .iter()
                .all(|(_, owner, span)| *owner != "group" || span.is_none())
            {
                return Err(nothing_to_check(
                    &format!("group {:?}", group.get_ref()),
                    &[
                        "committed",
                        "generation",
                        "state",
                        "members",
                        "coordinator",
                        "lost",
                        "reprocessed",
                    ],
                ));
            }
            let count =
                |v: &Option<Spanned<i64>>, key| v.as_ref().map(|v| self.count(v, key)).transpose();
            let state = match &raw.state {
                Some(s) => {
                    const STATES: [&str; 4] = [
                        "Empty",
                        "PreparingRebalance",
                        "CompletingRebalance",
                        "Stable",
                    ];
                    if !STATES.contains(&s.get_ref().as_str()) {
                        return self.fail(
                            s.span(),
                            format!(
                                "`state`: expected one of {}, found {:?}",
                                quoted_list(STATES),
                                s.get_ref()
                            ),
                        );
                    }
                    Some(s.get_ref().clone())
                }
                None => None,
            };
            let members = match &raw.members {
                Some(list) => {
                    let mut members = Vec::new();
                    for name in list.get_ref() {
                        members.push(self.consumer_idx(name)?);
                    }
                    Some(members)
                }
                None => None,
            };
            Subject::Group {
                group: group.get_ref().clone(),
                committed: self.partition_counts(raw.committed.as_ref(), "committed", when)?,
                generation: raw
                    .generation
                    .as_ref()
                    .map(|v| {
                        self.int(v, "generation", 0, i64::from(i32::MAX))
                            .map(|g| g as u32)
                    })
                    .transpose()?,
                state,
                members,
                coordinator: raw
                    .coordinator
                    .as_ref()
                    .map(|b| self.broker(b))
                    .transpose()?,
                lost: count(&raw.lost, "lost")?,
                reprocessed: count(&raw.reprocessed, "reprocessed")?,
            }
        } else if let Some(app) = &raw.streams {
            self.streams_expectation(table, app)?
        } else {
            unreachable!("exactly one subject was found above")
        };
        Ok(Expectation {
            at,
            subject,
            pos: self.pos(&table.span()),
            quiz: None,
        })
    }

    /// The ids of the `[[quiz]]` questions, each once.
    pub(super) fn quiz_ids(&self, quiz: &[Spanned<RawQuestion>]) -> Result<Vec<String>> {
        let mut ids: Vec<String> = Vec::new();
        for question in quiz {
            let Some(id) = &question.get_ref().id else {
                return self.fail(
                    question.span(),
                    "missing `id` in [[quiz]], such as id = \"F17-1\"",
                );
            };
            if ids.contains(id.get_ref()) {
                return self.fail(
                    id.span(),
                    format!("question id {:?} is used twice in this file", id.get_ref()),
                );
            }
            ids.push(id.get_ref().clone());
        }
        Ok(ids)
    }

    /// A question's `check`: expectations in the `[[expect]]` vocabulary that state what its
    /// marked answer claims, each tagged with the question's id.
    pub(super) fn quiz_checks(&self, question: &Spanned<RawQuestion>) -> Result<Vec<Expectation>> {
        let question = question.get_ref();
        let (Some(id), Some(checks)) = (&question.id, &question.check) else {
            return Ok(Vec::new());
        };
        if checks.get_ref().is_empty() {
            return self.fail(
                checks.span(),
                "`check`: expected at least one expectation, such as \
                 [{ at = \"4s\", partition = \"orders-0\", high_watermark = 3 }]",
            );
        }
        checks
            .get_ref()
            .iter()
            .map(|check| {
                let mut expectation = self.expectation(check)?;
                expectation.quiz = Some(id.get_ref().clone());
                Ok(expectation)
            })
            .collect()
    }

    /// `lag = { "orders-0" = 0 }` and `committed = { "orders-0" = 5 }`: a count per partition.
    pub(super) fn partition_counts(
        &self,
        table: Option<&Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
        key: &str,
        when: SimTime,
    ) -> Result<BTreeMap<TopicPartition, u64>> {
        let mut out = BTreeMap::new();
        for (name, value) in table.map(|t| t.get_ref().iter()).into_iter().flatten() {
            let tp = self.topic_partition(name, when)?;
            out.insert(tp, self.count(value, key)?);
        }
        Ok(out)
    }

    /// The `group.id`s the consumers use.
    pub(super) fn groups_named(&self) -> impl Iterator<Item = &str> {
        self.group_names.iter().map(String::as_str)
    }

    /// `records_per_batch = [1.5, 4]`: an inclusive range for a mean, two numbers (integers
    /// or floats), neither negative, the first not above the second.
    pub(super) fn range_of_means(
        &self,
        value: &Spanned<toml::Value>,
        key: &str,
    ) -> Result<(f64, f64)> {
        let number = |v: &toml::Value| match v {
            toml::Value::Integer(n) => Some(*n as f64),
            toml::Value::Float(x) if x.is_finite() => Some(*x),
            _ => None,
        };
        let found = match value.get_ref() {
            toml::Value::Array(items) => format!(
                "[{}]",
                items.iter().map(describe).collect::<Vec<_>>().join(", ")
            ),
            other => describe(other),
        };
        let bounds = match value.get_ref() {
            toml::Value::Array(items) if items.len() == 2 => {
                number(&items[0]).zip(number(&items[1]))
            }
            _ => None,
        };
        let Some((min, max)) = bounds else {
            return self.fail(
                value.span(),
                format!(
                    "`{key}`: expected an inclusive range [min, max] of two numbers, such as [1, 2.5], found {found}"
                ),
            );
        };
        if min < 0.0 || min > max {
            return self.fail(
                value.span(),
                format!("`{key}`: expected [min, max] with 0 ≤ min ≤ max, found [{min}, {max}]"),
            );
        }
        Ok((min, max))
    }

    /// `leader = 2`; `leader = -1` or `leader = "none"` expects no leader, as Kafka shows an
    /// offline partition's leader as -1.
    pub(super) fn leader(&self, value: &Spanned<toml::Value>) -> Result<Option<BrokerId>> {
        match value.get_ref() {
            toml::Value::Integer(-1) => Ok(None),
            toml::Value::Integer(n) => Ok(Some(self.broker(&Spanned::new(value.span(), *n))?)),
            toml::Value::String(s) if s == "none" => Ok(None),
            other => self.fail(
                value.span(),
                format!(
                    "`leader`: expected a broker id, or -1 or \"none\" for no leader, found {}",
                    describe(other)
                ),
            ),
        }
    }

    /// `isr = [1, 2]` or `elr = [3]`: brokers, each named once.
    fn broker_set(
        &self,
        list: Option<&Spanned<Vec<Spanned<i64>>>>,
        key: &str,
    ) -> Result<Option<Vec<BrokerId>>> {
        let Some(list) = list else {
            return Ok(None);
        };
        let mut brokers = Vec::new();
        for b in list.get_ref() {
            let id = self.broker(b)?;
            if brokers.contains(&id) {
                return self.fail(b.span(), format!("`{key}` names broker {} twice", id.0));
            }
            brokers.push(id);
        }
        Ok(Some(brokers))
    }

    /// The broker key of `leo = { 1 = 5 }` or `log = { 1 = [...] }`.
    pub(super) fn broker_key(&self, key: &Spanned<String>, table: &str) -> Result<BrokerId> {
        match key.get_ref().parse::<i64>() {
            Ok(n) => self.broker(&Spanned::new(key.span(), n)),
            Err(_) => self.fail(
                key.span(),
                format!(
                    "`{table}`: expected broker ids as keys, such as {table} = {{ 1 = ... }}, found {:?}",
                    key.get_ref()
                ),
            ),
        }
    }

    /// A Kafka error name the simulation can produce.
    pub(super) fn error_name(&self, name: &Spanned<String>) -> Result<String> {
        self.error_name_of(name, PRODUCER_ERRORS)
    }

    pub(super) fn error_name_of(&self, name: &Spanned<String>, known: &[&str]) -> Result<String> {
        let wanted = name.get_ref();
        if known.contains(&wanted.as_str()) {
            return Ok(wanted.clone());
        }
        let message = match nearest(wanted, known.iter().copied()) {
            Some(guess) => format!("unknown error {wanted:?}, did you mean \"{guess}\"?"),
            None => format!(
                "unknown error {wanted:?}; the simulation produces {}",
                quoted_list(known.iter().copied())
            ),
        };
        self.fail(name.span(), message)
    }
}
