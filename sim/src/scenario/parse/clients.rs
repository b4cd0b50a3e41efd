//! The clients' part of a scenario: producers and consumers, their names and configs, and
//! the consumer groups they form.

use super::*;

impl<'a> Checker<'a> {
    /// A client's name: present, and unique among producers and consumers, since steps name
    /// clients without saying which kind they are.
    pub(super) fn client_name<T>(
        &self,
        name: Option<&Spanned<String>>,
        table: &Spanned<T>,
        kind: &str,
    ) -> Result<(String, Range<usize>)> {
        let Some(name) = name else {
            return self.fail(
                table.span(),
                format!("missing `name` in [[{kind}s]], such as name = \"app\""),
            );
        };
        let text = name.get_ref();
        if text.trim().is_empty() {
            return self.fail(
                name.span(),
                "`name`: expected a name, found an empty string",
            );
        }
        let earlier = self
            .producers
            .iter()
            .map(|p| ("producer", p))
            .chain(self.consumers.iter().map(|c| ("consumer", c)))
            .find(|(_, (n, _))| n == text);
        if let Some((other, (_, span))) = earlier {
            return self.fail(
                name.span(),
                format!(
                    "the name {text:?} is taken by the {other} at line {}; client names must be unique because steps refer to them by name",
                    self.pos(span).line
                ),
            );
        }
        Ok((text.clone(), name.span()))
    }

    pub(super) fn consumer(
        &self,
        table: &Spanned<RawConsumer>,
        name: String,
    ) -> Result<ConsumerSpec> {
        let raw = table.get_ref();
        let (mut settings, mut spans) = match &raw.config {
            Some(config) => self.settings(config),
            None => (Vec::new(), Vec::new()),
        };
        if let Some(group) = &raw.group {
            if group.get_ref().trim().is_empty() {
                return self.fail(
                    group.span(),
                    "`group`: expected a group name, found an empty string",
                );
            }
            if let Some(i) = settings.iter().position(|s| s.name == "group.id") {
                return self.fail(
                    spans[i].0.clone(),
                    "the group is given twice, as `group` and as config \"group.id\"; keep `group`",
                );
            }
            // `group = "g1"` is the scenario's spelling of `group.id`; resolving it as one lets
            // Kafka's rules about groups (auto-commit needs one) apply unchanged.
            settings.push(Setting::new(
                "group.id",
                ConfigValue::Str(group.get_ref().clone()),
            ));
            spans.push((group.span(), group.span()));
        }
        let table_span = raw.config.as_ref().map_or(table.span(), |c| c.span());
        let config = ConsumerConfig::resolve(&settings)
            .map_err(|e| self.config_error(e, &spans, table_span))?;
        let group = config.group_id.clone();

        let subscription = match (&raw.subscribe, &raw.assign) {
            (Some(_), Some(assign)) => {
                return self.fail(
                    assign.span(),
                    "a consumer cannot both subscribe and assign; Kafka throws IllegalStateException: \
                     \"Subscription to topics, partitions and pattern are mutually exclusive\"",
                );
            }
            (Some(subscribe), None) => {
                if subscribe.get_ref().is_empty() {
                    return self.fail(
                        subscribe.span(),
                        "`subscribe`: expected at least one topic, found an empty list",
                    );
                }
                if group.is_none() {
                    return self.fail(
                        subscribe.span(),
                        "`subscribe` needs a consumer group, such as group = \"g1\"; Kafka throws \
                         InvalidGroupIdException: \"To use the group management or offset commit APIs, \
                         you must provide a valid group.id in the consumer configuration.\"",
                    );
                }
                let mut topics = Vec::new();
                for topic in subscribe.get_ref() {
                    let id = self.topic_id(topic)?;
                    if topics.contains(&id) {
                        return self.fail(
                            topic.span(),
                            format!("`subscribe` names topic {:?} twice", topic.get_ref()),
                        );
                    }
                    topics.push(id);
                }
                Subscription::Topics(topics)
            }
            (None, Some(assign)) => {
                if assign.get_ref().is_empty() {
                    return self.fail(
                        assign.span(),
                        "`assign`: expected at least one partition, found an empty list",
                    );
                }
                Subscription::Partitions(self.topic_partitions(assign, "assign", self.duration)?)
            }
            (None, None) => {
                return self.fail(
                    table.span(),
                    format!(
                        "consumer {name:?} reads nothing: give `subscribe = [\"topic\"]` or `assign = [\"topic-0\"]`"
                    ),
                );
            }
        };
        let start = match &raw.start {
            Some(start) => {
                let at = self.duration_value(start, "start")?;
                if at > self.duration {
                    return self.fail(
                        start.span(),
                        format!(
                            "consumer {name:?} starts at {}, after the run ends at {}",
                            format_duration(at),
                            format_duration(self.duration)
                        ),
                    );
                }
                at
            }
            None => SimTime::ZERO,
        };
        let processing = match &raw.processing {
            Some(p) => self.duration_value(p, "processing")?,
            None => SimTime::ZERO,
        };
        let delivery = match &raw.delivery {
            None => Delivery::Auto,
            Some(d) => match d.get_ref().as_str() {
                "at-most-once" => Delivery::AtMostOnce,
                "at-least-once" => Delivery::AtLeastOnce,
                other => {
                    return self.fail(
                        d.span(),
                        format!(
                            "`delivery`: expected \"at-most-once\" (commit, then process) or \
                             \"at-least-once\" (process, then commit), found {other:?}"
                        ),
                    );
                }
            },
        };
        if delivery != Delivery::Auto
            && group.is_none()
            && let Some(d) = &raw.delivery
        {
            return self.fail(
                d.span(),
                "`delivery` commits offsets, which needs a consumer group, such as group = \"g1\"",
            );
        }
        Ok(ConsumerSpec {
            name,
            group,
            subscription,
            config,
            start,
            processing,
            delivery,
        })
    }

    /// The groups the consumers use; with any, the cluster has `__consumer_offsets`, with
    /// `offsets.topic.num.partitions` partitions of `offsets.topic.replication.factor`
    /// replicas, added after the scenario's topics. A cluster smaller than the default
    /// replication factor of 3 gets one replica per broker (Kafka would refuse to create the
    /// topic, and the trace says so); a factor set explicitly above the broker count is an
    /// error.
    pub(super) fn groups(
        &mut self,
        raw: &[Spanned<RawConsumer>],
        consumers: &[ConsumerSpec],
        broker: &BrokerConfig,
        explicit_rf: bool,
        topics: &mut Vec<TopicSpec>,
    ) -> Result<Vec<String>> {
        let mut groups: Vec<String> = Vec::new();
        for spec in consumers {
            if let Some(g) = &spec.group
                && !groups.contains(g)
            {
                groups.push(g.clone());
            }
        }
        self.group_names = groups.clone();
        let Some(first) = consumers.iter().position(|c| c.group.is_some()) else {
            return Ok(groups);
        };
        let mut rf = broker.offsets_topic_replication_factor;
        if rf > self.brokers && !explicit_rf {
            // Scenarios written before groups had a coordinator keep working: the default
            // replication factor shrinks to the cluster, and the trace says Kafka would refuse.
            rf = self.brokers;
        }
        if rf > self.brokers {
            // A Kafka Streams member has no [[consumers]] table: its error points at the start.
            let span = raw.get(first).map_or(0..0, |c| {
                c.get_ref().group.as_ref().map_or(c.span(), Spanned::span)
            });
            return self.fail(
                span,
                format!(
                    "consumer group {:?} needs the internal topic __consumer_offsets, created with \
                     offsets.topic.replication.factor={rf} replicas, but the cluster has {} broker{}; \
                     Kafka cannot create it and answers COORDINATOR_NOT_AVAILABLE: set \
                     \"offsets.topic.replication.factor\" = {} in [cluster] config",
                    groups[0],
                    self.brokers,
                    if self.brokers == 1 { "" } else { "s" },
                    self.brokers
                ),
            );
        }
        let partitions = broker.offsets_topic_num_partitions;
        if partitions > MAX_PARTITIONS {
            return self.fail(
                raw.get(first).map_or(0..0, Spanned::span),
                format!(
                    "offsets.topic.num.partitions ({partitions}) is above ksim's limit of \
                     {MAX_PARTITIONS} partitions per topic; __consumer_offsets cannot be made"
                ),
            );
        }
        topics.push(crate::scenario::offsets_topic(broker, rf));
        self.topics.push((OFFSETS_TOPIC.to_string(), 0..0));
        self.partitions.push(partitions);
        Ok(groups)
    }

    /// The transactional.ids the producers use; with any, the cluster has
    /// `__transaction_state`, with `transaction.state.log.num.partitions` partitions of
    /// `transaction.state.log.replication.factor` replicas (shrunk to a smaller cluster unless
    /// set explicitly, as for `__consumer_offsets`) and `min.insync.replicas` =
    /// `transaction.state.log.min.isr`, compacted.
    pub(super) fn transactional_ids(
        &mut self,
        raw: &[Spanned<RawProducer>],
        producers: &[ProducerSpec],
        broker: &BrokerConfig,
        explicit_rf: bool,
        topics: &mut Vec<TopicSpec>,
    ) -> Result<Vec<String>> {
        let mut ids: Vec<String> = Vec::new();
        self.transactional = producers
            .iter()
            .map(|p| p.config.transactional_id.is_some())
            .collect();
        for spec in producers {
            if let Some(id) = &spec.config.transactional_id
                && !ids.contains(id)
            {
                ids.push(id.clone());
            }
        }
        let Some(first) = producers
            .iter()
            .position(|p| p.config.transactional_id.is_some())
        else {
            return Ok(ids);
        };
        let mut rf = broker.transaction_state_log_replication_factor;
        if rf > self.brokers && !explicit_rf {
            rf = self.brokers;
        }
        if rf > self.brokers {
            return self.fail(
                raw.get(first).map_or(0..0, Spanned::span),
                format!(
                    "transactional.id {:?} needs the internal topic __transaction_state, created with \
                     transaction.state.log.replication.factor={rf} replicas, but the cluster has {} broker{}; \
                     set \"transaction.state.log.replication.factor\" = {} in [cluster] config",
                    ids[0],
                    self.brokers,
                    if self.brokers == 1 { "" } else { "s" },
                    self.brokers
                ),
            );
        }
        let partitions = broker.transaction_state_log_num_partitions;
        if partitions > MAX_PARTITIONS {
            return self.fail(
                raw.get(first).map_or(0..0, Spanned::span),
                format!(
                    "transaction.state.log.num.partitions ({partitions}) is above ksim's limit of \
                     {MAX_PARTITIONS} partitions per topic; __transaction_state cannot be made"
                ),
            );
        }
        let min_isr = broker.transaction_state_log_min_isr.min(rf);
        topics.push(TopicSpec {
            name: TRANSACTION_STATE_TOPIC.to_string(),
            partitions,
            replication_factor: rf,
            replicas: None,
            // Kafka creates it compacted, with `transaction.state.log.segment.bytes`
            // (100 MiB) segments and min.insync.replicas = transaction.state.log.min.isr.
            config: TopicConfig::resolve(
                broker,
                &[
                    Setting::new("cleanup.policy", ConfigValue::Str("compact".into())),
                    Setting::new("segment.bytes", ConfigValue::Int(104_857_600)),
                    Setting::new("min.insync.replicas", ConfigValue::Int(i64::from(min_isr))),
                ],
            )
            .expect("valid settings"),
            internal: true,
            origin: TopicOrigin::Start,
        });
        self.topics
            .push((TRANSACTION_STATE_TOPIC.to_string(), 0..0));
        self.partitions.push(partitions);
        Ok(ids)
    }

    pub(super) fn producer(&self, name: &Spanned<String>) -> Result<ProducerIdx> {
        let wanted = name.get_ref();
        if let Some(i) = self.producers.iter().position(|(n, _)| n == wanted) {
            return Ok(ProducerIdx(i as u32));
        }
        if self.consumers.iter().any(|(n, _)| n == wanted) {
            return self.fail(
                name.span(),
                format!("{wanted:?} is a consumer; only a producer can produce"),
            );
        }
        self.fail(
            name.span(),
            self.unknown("producer", wanted, &self.producers),
        )
    }

    pub(super) fn consumer_idx(&self, name: &Spanned<String>) -> Result<ConsumerIdx> {
        let wanted = name.get_ref();
        if let Some(i) = self.consumers.iter().position(|(n, _)| n == wanted) {
            return Ok(ConsumerIdx(i as u32));
        }
        if self.producers.iter().any(|(n, _)| n == wanted) {
            return self.fail(
                name.span(),
                format!("{wanted:?} is a producer, not a consumer"),
            );
        }
        self.fail(
            name.span(),
            self.unknown("consumer", wanted, &self.consumers),
        )
    }

    pub(super) fn client(&self, name: &Spanned<String>) -> Result<Client> {
        let wanted = name.get_ref();
        if let Some(i) = self.producers.iter().position(|(n, _)| n == wanted) {
            return Ok(Client::Producer(ProducerIdx(i as u32)));
        }
        if let Some(i) = self.consumers.iter().position(|(n, _)| n == wanted) {
            return Ok(Client::Consumer(ConsumerIdx(i as u32)));
        }
        let all: Vec<(String, Range<usize>)> = self
            .producers
            .iter()
            .chain(self.consumers.iter())
            .cloned()
            .collect();
        self.fail(name.span(), self.unknown("client", wanted, &all))
    }
}
