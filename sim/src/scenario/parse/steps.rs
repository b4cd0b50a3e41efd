//! The timeline: each `[[steps]]` table and its one action (produce, crash, partition, add
//! partitions, commit, narration, a question to ask…), checked against the cluster and the
//! clients at the moment it happens.

use super::*;

impl<'a> Checker<'a> {
    /// The partition counts `add_partitions` steps will set, read without complaint; the
    /// strict checks come with the steps.
    pub(super) fn lenient_growth(
        &self,
        steps: &[Spanned<RawStep>],
    ) -> Vec<(SimTime, TopicId, u32)> {
        let mut growth = Vec::new();
        for step in steps {
            let step = step.get_ref();
            let Some(add) = &step.add_partitions else {
                continue;
            };
            let add = add.get_ref();
            let at = step
                .at
                .as_ref()
                .and_then(|at| self.duration_value(at, "at").ok());
            let topic = add.topic.as_ref().and_then(|t| self.topic_id(t).ok());
            let count = add
                .count
                .as_ref()
                .map(|c| *c.get_ref())
                .filter(|c| (1..=i64::from(MAX_PARTITIONS)).contains(c));
            if let (Some(at), Some(topic), Some(count)) = (at, topic, count) {
                growth.push((at, topic, count as u32));
            }
        }
        growth
    }

    pub(super) fn steps(&self, raw: &[Spanned<RawStep>]) -> Result<Vec<Step>> {
        let mut steps = Vec::new();
        let mut records = 0u64;
        for table in raw {
            let step = self.step(table)?;
            if let Action::Produce(spec) = &step.0.action {
                records += u64::from(spec.count);
                if records > MAX_RECORDS_PER_SCENARIO {
                    let span = table
                        .get_ref()
                        .produce
                        .as_ref()
                        .map_or(table.span(), |p| p.span());
                    return self.fail(
                        span,
                        format!(
                            "the steps send {records} records up to here, more than the {MAX_RECORDS_PER_SCENARIO} a scenario may send: every record is followed from send to fate, and more would not fit in memory"
                        ),
                    );
                }
            }
            steps.push(step);
        }
        // Stable: steps at the same time keep their file order.
        steps.sort_by_key(|(step, _)| step.at);
        // Kafka only ever adds partitions: each add_partitions must raise the count.
        let mut counts = self.partitions.clone();
        for (step, count_span) in &steps {
            if let Action::AddPartitions { topic, count } = &step.action {
                let current = counts[topic.0 as usize];
                let name = &self.topics[topic.0 as usize].0;
                if *count <= current {
                    let kafka = if *count == current {
                        format!("Topic already has {current} partition(s).")
                    } else {
                        format!(
                            "The topic {name} currently has {current} partition(s); {count} would not be an increase."
                        )
                    };
                    return self.fail(
                        count_span.clone(),
                        format!(
                            "`count`: topic {name:?} has {current} partitions at {}, so the new total must be larger; \
                             Kafka refuses with InvalidPartitionsException: \"{kafka}\"",
                            format_duration(step.at)
                        ),
                    );
                }
                counts[topic.0 as usize] = *count;
            }
        }
        Ok(steps.into_iter().map(|(step, _)| step).collect())
    }

    /// One step; also returns the span of an `add_partitions` count for the ordering check.
    pub(super) fn step(&self, table: &Spanned<RawStep>) -> Result<(Step, Range<usize>)> {
        let raw = table.get_ref();
        let Some(at) = &raw.at else {
            return self.fail(
                table.span(),
                "missing `at` in [[steps]]: when the step happens, such as at = \"10ms\"",
            );
        };
        let at = self.moment(at, "the step")?;
        let present: Vec<(&str, Range<usize>)> = [
            ("produce", raw.produce.as_ref().map(Spanned::span)),
            ("crash", raw.crash.as_ref().map(Spanned::span)),
            ("restart", raw.restart.as_ref().map(Spanned::span)),
            ("power_loss", raw.power_loss.as_ref().map(Spanned::span)),
            ("shutdown", raw.shutdown.as_ref().map(Spanned::span)),
            ("isolate", raw.isolate.as_ref().map(Spanned::span)),
            ("partition", raw.partition.as_ref().map(Spanned::span)),
            ("heal", raw.heal.as_ref().map(Spanned::span)),
            ("slow", raw.slow.as_ref().map(Spanned::span)),
            (
                "add_partitions",
                raw.add_partitions.as_ref().map(Spanned::span),
            ),
            ("start", raw.start.as_ref().map(Spanned::span)),
            ("stop", raw.stop.as_ref().map(Spanned::span)),
            ("commit", raw.commit.as_ref().map(Spanned::span)),
            ("subscribe", raw.subscribe.as_ref().map(Spanned::span)),
            ("create_topic", raw.create_topic.as_ref().map(Spanned::span)),
            ("delete_topic", raw.delete_topic.as_ref().map(Spanned::span)),
            (
                "init_transactions",
                raw.init_transactions.as_ref().map(Spanned::span),
            ),
            (
                "begin_transaction",
                raw.begin_transaction.as_ref().map(Spanned::span),
            ),
            (
                "commit_transaction",
                raw.commit_transaction.as_ref().map(Spanned::span),
            ),
            (
                "abort_transaction",
                raw.abort_transaction.as_ref().map(Spanned::span),
            ),
            ("send_offsets", raw.send_offsets.as_ref().map(Spanned::span)),
            ("say", raw.say.as_ref().map(Spanned::span)),
            ("ask", raw.ask.as_ref().map(Spanned::span)),
        ]
        .into_iter()
        .filter_map(|(key, span)| Some((key, span?)))
        .collect();
        let mut by_position = present.clone();
        by_position.sort_by_key(|(_, span)| span.start);
        match by_position.as_slice() {
            [] => {
                return self.fail(
                    table.span(),
                    format!(
                        "a step needs one action ({}), found none",
                        one_of_keys(ACTIONS)
                    ),
                );
            }
            [_] => {}
            [(first, _), (second, second_span), ..] => {
                return self.fail(
                    second_span.clone(),
                    format!(
                        "a step takes one action, found `{first}` and `{second}`; give each its own [[steps]]"
                    ),
                );
            }
        }
        let mut count_span = 0..0;
        let action = if let Some(produce) = &raw.produce {
            Action::Produce(self.produce(produce, at)?)
        } else if let Some(target) = &raw.crash {
            match target.get_ref() {
                toml::Value::Integer(b) => {
                    Action::Crash(self.broker(&Spanned::new(target.span(), *b))?)
                }
                toml::Value::String(name) => {
                    let name = Spanned::new(target.span(), name.clone());
                    Action::CrashConsumer(self.consumer_idx(&name)?)
                }
                other => {
                    return self.fail(
                        target.span(),
                        format!(
                            "`crash`: expected a broker id or a consumer's name, found {}",
                            describe(other)
                        ),
                    );
                }
            }
        } else if let Some(commit) = &raw.commit {
            self.commit(commit)?
        } else if let Some(subscribe) = &raw.subscribe {
            self.subscribe_step(subscribe)?
        } else if let Some(b) = &raw.restart {
            Action::Restart(self.broker(b)?)
        } else if let Some(b) = &raw.power_loss {
            Action::PowerLoss(self.broker(b)?)
        } else if let Some(b) = &raw.shutdown {
            Action::Shutdown(self.broker(b)?)
        } else if let Some(b) = &raw.isolate {
            Action::Isolate(self.broker(b)?)
        } else if let Some(groups) = &raw.partition {
            if groups.get_ref().len() < 2 {
                return self.fail(
                    groups.span(),
                    format!(
                        "`partition`: expected at least two groups of brokers, such as [[1], [2, 3]], found {}",
                        match groups.get_ref().len() {
                            0 => "none".to_string(),
                            _ => "one".to_string(),
                        }
                    ),
                );
            }
            Action::Partition(self.broker_lists(groups.get_ref(), "partition")?)
        } else if let Some(heal) = &raw.heal {
            if !*heal.get_ref() {
                return self.fail(
                    heal.span(),
                    "`heal`: expected true (heal removes every network fault), found false",
                );
            }
            Action::Heal
        } else if let Some(slow) = &raw.slow {
            self.slow(slow)?
        } else if let Some(add) = &raw.add_partitions {
            let (action, span) = self.add_partitions(add)?;
            count_span = span;
            action
        } else if let Some(create) = &raw.create_topic {
            let name = create
                .get_ref()
                .name
                .as_ref()
                .expect("later_topics checked every create_topic");
            Action::CreateTopic(self.topic_id(name)?)
        } else if let Some(name) = &raw.delete_topic {
            let topic = self.topic_id(name)?;
            self.not_internal(name, topic, "delete")?;
            Action::DeleteTopic(topic)
        } else if let Some(client) = &raw.start {
            Action::Start(self.client(client)?)
        } else if let Some(client) = &raw.stop {
            Action::Stop(self.client(client)?)
        } else if let Some(name) = &raw.init_transactions {
            self.transaction_step(name, TxnStep::Init)?
        } else if let Some(name) = &raw.begin_transaction {
            self.transaction_step(name, TxnStep::Begin)?
        } else if let Some(name) = &raw.commit_transaction {
            self.transaction_step(name, TxnStep::Commit)?
        } else if let Some(name) = &raw.abort_transaction {
            self.transaction_step(name, TxnStep::Abort)?
        } else if let Some(send) = &raw.send_offsets {
            self.send_offsets(send)?
        } else if let Some(say) = &raw.say {
            Action::Say(self.say(say)?)
        } else if let Some(id) = &raw.ask {
            Action::Ask(self.ask(id)?)
        } else {
            unreachable!("exactly one action was found above")
        };
        Ok((
            Step {
                at,
                action,
                pos: self.pos(&table.span()),
            },
            count_span,
        ))
    }

    /// `init_transactions = "app"` and the other transaction calls: the producer must have a
    /// `transactional.id` (else Kafka's producer throws IllegalStateException: "Transactional
    /// method invoked on a non-transactional producer.").
    pub(super) fn transaction_step(&self, name: &Spanned<String>, step: TxnStep) -> Result<Action> {
        let producer = self.transactional_producer(name, step.key(), step.method())?;
        Ok(Action::Transaction { producer, step })
    }

    /// The producer a transactional call names, which must have a `transactional.id`.
    fn transactional_producer(
        &self,
        name: &Spanned<String>,
        key: &str,
        method: &str,
    ) -> Result<ProducerIdx> {
        let producer = self.producer(name)?;
        if !self
            .transactional
            .get(producer.0 as usize)
            .copied()
            .unwrap_or(false)
        {
            return self.fail(
                name.span(),
                format!(
                    "`{key}`: producer {:?} has no transactional.id; Kafka's {method}() throws IllegalStateException: \"Transactional method invoked on a non-transactional producer.\"",
                    name.get_ref(),
                ),
            );
        }
        Ok(producer)
    }

    /// `send_offsets = { producer = "app", consumer = "reader" }`: the producer's
    /// `sendOffsetsToTransaction(positions, consumer.groupMetadata())` with the consumer's
    /// current positions; the producer must be transactional, the consumer in a group.
    pub(super) fn send_offsets(&self, table: &Spanned<RawSendOffsets>) -> Result<Action> {
        let raw = table.get_ref();
        let Some(producer) = &raw.producer else {
            return self.fail(
                table.span(),
                "`send_offsets`: missing `producer`, the transactional producer that sends the offsets",
            );
        };
        let Some(name) = &raw.consumer else {
            return self.fail(
                table.span(),
                "`send_offsets`: missing `consumer`, whose positions and group metadata are sent",
            );
        };
        let producer =
            self.transactional_producer(producer, "send_offsets", "sendOffsetsToTransaction")?;
        let consumer = self.consumer_idx(name)?;
        if !self.consumer_kinds[consumer.0 as usize].0 {
            return self.fail(
                name.span(),
                format!(
                    "consumer {:?} has no group whose offsets could be sent; give it `group`",
                    name.get_ref()
                ),
            );
        }
        Ok(Action::SendOffsets { producer, consumer })
    }

    /// `commit = "reader"` (commitSync) or `commit = { consumer = "reader", sync = false }`.
    pub(super) fn commit(&self, value: &Spanned<toml::Value>) -> Result<Action> {
        let (name, sync) = match value.get_ref() {
            toml::Value::String(name) => (Spanned::new(value.span(), name.clone()), true),
            toml::Value::Table(table) => {
                if let Some(key) = table.keys().find(|k| *k != "consumer" && *k != "sync") {
                    return self.fail(
                        value.span(),
                        format!("`commit`: unknown key `{key}`; expected `consumer` and `sync`"),
                    );
                }
                let Some(toml::Value::String(name)) = table.get("consumer") else {
                    return self.fail(value.span(), "`commit`: expected consumer = \"name\"");
                };
                let sync = match table.get("sync") {
                    None => true,
                    Some(toml::Value::Boolean(b)) => *b,
                    Some(other) => {
                        return self.fail(
                            value.span(),
                            format!("`sync`: expected true or false, found {}", describe(other)),
                        );
                    }
                };
                (Spanned::new(value.span(), name.clone()), sync)
            }
            other => {
                return self.fail(
                    value.span(),
                    format!(
                        "`commit`: expected a consumer's name or {{ consumer = \"name\", sync = false }}, found {}",
                        describe(other)
                    ),
                );
            }
        };
        let consumer = self.consumer_idx(&name)?;
        if !self.consumer_kinds[consumer.0 as usize].0 {
            return self.fail(
                value.span(),
                format!(
                    "consumer {:?} has no group to commit to; give it `group`",
                    name.get_ref()
                ),
            );
        }
        Ok(Action::Commit { consumer, sync })
    }

    /// `subscribe = { consumer = "reader", topics = ["a", "b"] }`: a new subscription.
    pub(super) fn subscribe_step(&self, table: &Spanned<RawSubscribe>) -> Result<Action> {
        let raw = table.get_ref();
        let Some(name) = &raw.consumer else {
            return self.fail(table.span(), "missing `consumer` in `subscribe`");
        };
        let consumer = self.consumer_idx(name)?;
        if !self.consumer_kinds[consumer.0 as usize].1 {
            return self.fail(
                name.span(),
                format!(
                    "consumer {:?} assigns its partitions; only a consumer that subscribes (with a \
                     group) can change its subscription, and Kafka refuses to mix the two \
                     (IllegalStateException)",
                    name.get_ref()
                ),
            );
        }
        let Some(topics) = &raw.topics else {
            return self.fail(table.span(), "missing `topics` in `subscribe`");
        };
        if topics.get_ref().is_empty() {
            return self.fail(
                topics.span(),
                "`topics`: expected at least one topic, found an empty list",
            );
        }
        let mut ids = Vec::new();
        for topic in topics.get_ref() {
            let id = self.topic_id(topic)?;
            if self.topics[id.0 as usize].0 == OFFSETS_TOPIC {
                return self.fail(
                    topic.span(),
                    "a consumer cannot subscribe to __consumer_offsets here",
                );
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(Action::Subscribe {
            consumer,
            topics: ids,
        })
    }

    pub(super) fn produce(&self, table: &Spanned<RawProduce>, at: SimTime) -> Result<ProduceSpec> {
        let raw = table.get_ref();
        let missing = |key: &str, example: &str| {
            self.src.error(
                table.span(),
                format!("missing `{key}` in `produce`, such as {key} = {example}"),
            )
        };
        let producer = raw
            .producer
            .as_ref()
            .ok_or_else(|| missing("producer", "\"app\""))?;
        let producer = self.producer(producer)?;
        let topic_name = raw
            .topic
            .as_ref()
            .ok_or_else(|| missing("topic", "\"orders\""))?;
        let topic = self.topic_id(topic_name)?;
        self.not_internal(topic_name, topic, "produce to")?;
        let count = match &raw.count {
            Some(count) => self.int(count, "count", 1, i64::from(MAX_RECORDS_PER_STEP))? as u32,
            None => 1,
        };
        let keys = match (&raw.key, &raw.keys) {
            (Some(_), Some(keys)) => {
                return self.fail(
                    keys.span(),
                    "`key` and `keys` cannot both be given; `key = \"k\"` is short for `keys = [\"k\"]`",
                );
            }
            (Some(key), None) => vec![Arc::from(key.get_ref().as_str())],
            (None, Some(keys)) => {
                if keys.get_ref().is_empty() {
                    return self.fail(
                        keys.span(),
                        "`keys`: expected at least one key, found an empty list (leave `keys` out for null keys)",
                    );
                }
                keys.get_ref()
                    .iter()
                    .map(|k| Arc::from(k.get_ref().as_str()))
                    .collect()
            }
            (None, None) => Vec::new(),
        };
        let partition = match &raw.partition {
            Some(p) => Some(self.partition_exists(topic, *p.get_ref(), at, p.span())?),
            None => None,
        };
        let rate_per_sec = match &raw.rate {
            Some(rate) => Some(self.rate(rate)?),
            None => None,
        };
        let tombstone = raw.tombstone.as_ref().is_some_and(|t| *t.get_ref());
        if let (true, Some(value)) = (tombstone, &raw.value) {
            return self.fail(
                value.span(),
                "`value` and `tombstone = true` cannot both be given: a tombstone's value is null",
            );
        }
        if tombstone && keys.is_empty() {
            let span = raw.tombstone.as_ref().expect("tombstone is set").span();
            return self.fail(
                span,
                "`tombstone = true` needs a `key` or `keys`: a tombstone deletes a key",
            );
        }
        Ok(ProduceSpec {
            producer,
            topic,
            count,
            keys,
            value: raw.value.as_ref().map(|v| Arc::from(v.get_ref().as_str())),
            tombstone,
            partition,
            rate_per_sec,
        })
    }

    /// A list of offsets in increasing order (`segments`, `offsets`).
    pub(super) fn offset_list(
        &self,
        list: &Option<Spanned<Vec<Spanned<i64>>>>,
        key: &str,
    ) -> Result<Option<Vec<u64>>> {
        let Some(list) = list else {
            return Ok(None);
        };
        let mut offsets: Vec<u64> = Vec::new();
        for value in list.get_ref() {
            let offset = self.count(value, key)?;
            if offsets.last().is_some_and(|&last| last >= offset) {
                return self.fail(
                    value.span(),
                    format!(
                        "`{key}`: expected offsets in increasing order, found {offset} after {}",
                        offsets.last().expect("just seen")
                    ),
                );
            }
            offsets.push(offset);
        }
        Ok(Some(offsets))
    }

    /// `rate = "500/s"`: records per second.
    pub(super) fn rate(&self, value: &Spanned<toml::Value>) -> Result<u64> {
        let parsed = match value.get_ref() {
            toml::Value::String(text) => text
                .trim()
                .strip_suffix("/s")
                .and_then(|n| n.trim().parse::<u64>().ok())
                .filter(|n| *n >= 1),
            _ => None,
        };
        match parsed {
            Some(rate) => Ok(rate),
            None => self.fail(
                value.span(),
                format!(
                    "`rate`: expected records per second such as \"500/s\", found {}",
                    describe(value.get_ref())
                ),
            ),
        }
    }

    pub(super) fn slow(&self, table: &Spanned<RawSlow>) -> Result<Action> {
        let raw = table.get_ref();
        let Some(broker) = &raw.broker else {
            return self.fail(
                table.span(),
                "missing `broker` in `slow`, such as broker = 2",
            );
        };
        let Some(latency) = &raw.latency else {
            return self.fail(
                table.span(),
                "missing `latency` in `slow`, such as latency = \"200ms\"",
            );
        };
        Ok(Action::Slow {
            broker: self.broker(broker)?,
            latency: self.duration_value(latency, "latency")?,
        })
    }

    pub(super) fn add_partitions(
        &self,
        table: &Spanned<RawAddPartitions>,
    ) -> Result<(Action, Range<usize>)> {
        let raw = table.get_ref();
        let Some(topic) = &raw.topic else {
            return self.fail(
                table.span(),
                "missing `topic` in `add_partitions`, such as topic = \"orders\"",
            );
        };
        let Some(count) = &raw.count else {
            return self.fail(
                table.span(),
                "missing `count` in `add_partitions`: the new total, such as count = 4",
            );
        };
        let topic_id = self.topic_id(topic)?;
        self.not_internal(topic, topic_id, "add partitions to")?;
        let topic = topic_id;
        let total = self.int(count, "count", 1, i64::from(MAX_PARTITIONS))? as u32;
        Ok((
            Action::AddPartitions {
                topic,
                count: total,
            },
            count.span(),
        ))
    }

    /// `say = "…"`, or `say = { en = "…", ko = "…" }` with both languages.
    pub(super) fn say(&self, say: &Spanned<toml::Value>) -> Result<Narration> {
        let line = |value: &toml::Value, key: &str, span: Range<usize>| -> Result<String> {
            match value {
                toml::Value::String(text) if text.trim().is_empty() => self.fail(
                    span,
                    format!("`{key}`: expected narration, found an empty string"),
                ),
                toml::Value::String(text) => Ok(text.clone()),
                other => self.fail(
                    span,
                    format!("`{key}`: expected a string, found {}", describe(other)),
                ),
            }
        };
        let table = match say.get_ref() {
            toml::Value::Table(table) => table,
            toml::Value::String(_) => {
                return Ok(Narration::english(line(say.get_ref(), "say", say.span())?));
            }
            other => {
                return self.fail(
                    say.span(),
                    format!(
                        "`say`: expected a string or a table {{ en = \"…\", ko = \"…\" }}, found {}",
                        describe(other)
                    ),
                );
            }
        };
        // toml::Value keeps no spans inside the table: find each key in the table's text.
        let key_span = |key: &str| {
            let text = self.src.slice(&say.span());
            let at = text
                .match_indices(key)
                .map(|(at, _)| at)
                .find(|&at| {
                    let before = text[..at].trim_end_matches([' ', '\t', '"']);
                    let after = text[at + key.len()..].trim_start_matches([' ', '\t', '"']);
                    (before.ends_with('{') || before.ends_with(',')) && after.starts_with('=')
                })
                .unwrap_or(0);
            let start = say.span().start + at;
            start..start + key.len()
        };
        for key in table.keys() {
            if key != "en" && key != "ko" {
                let message = match nearest(key, ["en", "ko"]) {
                    Some(guess) => format!(
                        "unknown key `{key}` in `say`, did you mean `{guess}`? valid keys: `en`, `ko`"
                    ),
                    None => format!("unknown key `{key}` in `say`; valid keys: `en`, `ko`"),
                };
                return self.fail(key_span(key), message);
            }
        }
        let mut texts = Vec::new();
        for (key, language) in [("en", "English"), ("ko", "Korean")] {
            match table.get(key) {
                Some(value) => texts.push(line(value, &format!("say.{key}"), key_span(key))?),
                None => {
                    return self.fail(
                        say.span(),
                        format!(
                            "`say` has no {language} line: missing `{key}`; a narration table gives both, \
                             {{ en = \"…\", ko = \"…\" }}"
                        ),
                    );
                }
            }
        }
        let ko = texts.pop();
        let en = texts.pop().unwrap_or_default();
        Ok(Narration { en, ko })
    }

    /// `ask = "F17-2"`: a `[[quiz]]` id of the same file.
    pub(super) fn ask(&self, id: &Spanned<String>) -> Result<String> {
        let wanted = id.get_ref();
        if self.quiz_ids.iter().any(|known| known == wanted) {
            return Ok(wanted.clone());
        }
        let known = self.quiz_ids.iter().map(String::as_str);
        let message = match nearest(wanted, known.clone()) {
            Some(guess) => {
                format!("`ask`: no [[quiz]] question has id {wanted:?}, did you mean \"{guess}\"?")
            }
            None if self.quiz_ids.is_empty() => format!(
                "`ask`: no [[quiz]] question has id {wanted:?}; this file has no [[quiz]] questions"
            ),
            None => format!(
                "`ask`: no [[quiz]] question has id {wanted:?}; the ids are {}",
                quoted_list(known)
            ),
        };
        self.fail(id.span(), message)
    }
}
