//! The cluster's part of a scenario: brokers, topics (created at the start or later), their
//! replica lists and configs, and the names a step or an expectation uses for them.

use super::*;

impl<'a> Checker<'a> {
    /// Scenario steps never write to, or grow, Kafka's internal topic.
    pub(super) fn not_internal(
        &self,
        name: &Spanned<String>,
        topic: TopicId,
        what: &str,
    ) -> Result<()> {
        if self.topics[topic.0 as usize].0 == TRANSACTION_STATE_TOPIC {
            return self.fail(
                name.span(),
                format!(
                    "cannot {what} __transaction_state: only transaction coordinators write it, \
                     and its partition count decides every transactional.id's coordinator"
                ),
            );
        }
        if self.topics[topic.0 as usize].0 != OFFSETS_TOPIC {
            return Ok(());
        }
        self.fail(
            name.span(),
            format!(
                "cannot {what} __consumer_offsets: only group coordinators write it, and its \
                 partition count decides every group's coordinator"
            ),
        )
    }

    pub(super) fn broker(&self, value: &Spanned<i64>) -> Result<BrokerId> {
        let n = *value.get_ref();
        if n >= 1 && n <= i64::from(self.brokers) {
            return Ok(BrokerId(n as u32));
        }
        self.fail(
            value.span(),
            format!("broker {n} does not exist; {}", self.broker_list()),
        )
    }

    /// "the cluster has brokers 1, 2, 3".
    pub(super) fn broker_list(&self) -> String {
        match self.brokers {
            1 => "the cluster has one broker, 1".to_string(),
            n @ 2..=8 => {
                let ids: Vec<String> = (1..=n).map(|b| b.to_string()).collect();
                format!("the cluster has brokers {}", ids.join(", "))
            }
            n => format!("the cluster has brokers 1 to {n}"),
        }
    }

    /// Broker lists (`partition = [[1], [2, 3]]`), each broker existing and named once.
    pub(super) fn broker_lists(
        &self,
        lists: &BrokerLists,
        key: &str,
    ) -> Result<Vec<Vec<BrokerId>>> {
        let mut seen = BTreeSet::new();
        let mut groups = Vec::new();
        for list in lists {
            if list.get_ref().is_empty() {
                return self.fail(
                    list.span(),
                    format!("`{key}`: expected a list of brokers, found an empty list"),
                );
            }
            let mut group = Vec::new();
            for broker in list.get_ref() {
                let id = self.broker(broker)?;
                if !seen.insert(id) {
                    return self.fail(
                        broker.span(),
                        format!(
                            "broker {} is named twice in `{key}`; a broker belongs to one group",
                            id.0
                        ),
                    );
                }
                group.push(id);
            }
            groups.push(group);
        }
        Ok(groups)
    }

    pub(super) fn topic_id(&self, name: &Spanned<String>) -> Result<TopicId> {
        let wanted = name.get_ref();
        if let Some(index) = self.topics.iter().position(|(n, _)| n == wanted) {
            return Ok(TopicId(index as u32));
        }
        let names = self.topics.iter().map(|(n, _)| n.as_str());
        let message = match nearest(wanted, names.clone()) {
            Some(guess) => format!("topic {wanted:?} does not exist, did you mean \"{guess}\"?"),
            None if self.topics.is_empty() => {
                format!("topic {wanted:?} does not exist; the scenario declares no [[topics]]")
            }
            None => format!(
                "topic {wanted:?} does not exist; the scenario has {} {}",
                if self.topics.len() == 1 {
                    "topic"
                } else {
                    "topics"
                },
                quoted_list(names)
            ),
        };
        self.fail(name.span(), message)
    }

    /// Topics that do not exist at the start: those a `create_topic` step creates, then those
    /// a client names but nothing declares, which a metadata request may auto-create (R11).
    /// A name close to a declared topic's is left alone, so that the usual "did you mean"
    /// error catches the typo instead of a silent new topic.
    pub(super) fn later_topics(
        &mut self,
        consumers: &[Spanned<RawConsumer>],
        steps: &[Spanned<RawStep>],
        broker: &BrokerConfig,
        specs: &mut Vec<TopicSpec>,
    ) -> Result<()> {
        for step in steps {
            let Some(create) = &step.get_ref().create_topic else {
                continue;
            };
            let mut spec = self.topic(create, broker)?;
            if let Some((_, first)) = self.topics.iter().find(|(n, _)| *n == spec.name) {
                let name_span = create
                    .get_ref()
                    .name
                    .as_ref()
                    .map_or(create.span(), |n| n.span());
                let where_ = if first.is_empty() {
                    "it is Kafka's own topic".to_string()
                } else {
                    format!("it is declared at line {}", self.pos(first).line)
                };
                return self.fail(
                    name_span,
                    format!(
                        "topic {:?} already exists ({where_}); create_topic would fail with TOPIC_ALREADY_EXISTS",
                        spec.name
                    ),
                );
            }
            spec.origin = TopicOrigin::Step;
            self.topics.push((spec.name.clone(), create.span()));
            self.partitions.push(spec.partitions);
            specs.push(spec);
        }
        let declared: Vec<String> = self.topics.iter().map(|(n, _)| n.clone()).collect();
        let mut named: Vec<&Spanned<String>> = Vec::new();
        for consumer in consumers {
            let raw = consumer.get_ref();
            named.extend(raw.subscribe.iter().flat_map(|s| s.get_ref()));
        }
        let assigned: Vec<Spanned<String>> = consumers
            .iter()
            .flat_map(|c| c.get_ref().assign.iter().flat_map(|a| a.get_ref()))
            .filter_map(|tp| {
                let (topic, p) = tp.get_ref().rsplit_once('-')?;
                (!topic.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| Spanned::new(tp.span(), topic.to_string()))
            })
            .collect();
        named.extend(assigned.iter());
        for step in steps {
            let raw = step.get_ref();
            named.extend(
                raw.produce
                    .iter()
                    .filter_map(|p| p.get_ref().topic.as_ref()),
            );
            named.extend(
                raw.subscribe
                    .iter()
                    .filter_map(|s| s.get_ref().topics.as_ref())
                    .flat_map(|t| t.get_ref()),
            );
        }
        for name in named {
            let wanted = name.get_ref();
            let known = self.topics.iter().any(|(n, _)| n == wanted);
            let typo = nearest(wanted, declared.iter().map(String::as_str)).is_some();
            if known || typo || wanted.is_empty() || wanted == OFFSETS_TOPIC {
                continue;
            }
            self.topic_name(name)?;
            if broker.num_partitions > MAX_PARTITIONS {
                return self.fail(
                    name.span(),
                    format!(
                        "topic {wanted:?} would be auto-created with num.partitions ({}), above ksim's limit of {MAX_PARTITIONS}",
                        broker.num_partitions
                    ),
                );
            }
            self.topics.push((wanted.clone(), name.span()));
            self.partitions.push(broker.num_partitions);
            specs.push(TopicSpec {
                name: wanted.clone(),
                partitions: broker.num_partitions,
                replication_factor: broker.default_replication_factor,
                replicas: None,
                config: TopicConfig::resolve(broker, &[]).expect("no settings, nothing to refuse"),
                internal: false,
                origin: TopicOrigin::Auto,
            });
        }
        Ok(())
    }

    /// How many partitions a topic has at `at`, after any `add_partitions` up to then.
    pub(super) fn partitions_at(&self, topic: TopicId, at: SimTime) -> u32 {
        let initial = self.partitions[topic.0 as usize];
        self.growth
            .iter()
            .filter(|(when, t, _)| *t == topic && *when <= at)
            .map(|(_, _, count)| *count)
            .fold(initial, u32::max)
    }

    /// Checks that partition `p` of `topic` exists at `at`.
    pub(super) fn partition_exists(
        &self,
        topic: TopicId,
        p: i64,
        at: SimTime,
        span: Range<usize>,
    ) -> Result<u32> {
        let count = self.partitions_at(topic, at);
        let name = &self.topics[topic.0 as usize].0;
        if p >= 0 && p < i64::from(count) {
            return Ok(p as u32);
        }
        let grows = self.growth.iter().any(|(_, t, _)| *t == topic);
        let when = if grows {
            format!(" at {}", format_duration(at))
        } else {
            String::new()
        };
        let has = match count {
            1 => "has 1 partition, 0".to_string(),
            n => format!("has {n} partitions, 0 to {}", n - 1),
        };
        self.fail(
            span,
            format!("partition {name}-{p} does not exist; topic {name:?} {has}{when}"),
        )
    }

    /// `"orders-0"`: a topic, a dash, a partition number; the topic name may hold dashes.
    pub(super) fn topic_partition(
        &self,
        value: &Spanned<String>,
        at: SimTime,
    ) -> Result<TopicPartition> {
        let text = value.get_ref();
        let split = text.rsplit_once('-').filter(|(topic, p)| {
            !topic.is_empty() && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
        });
        let Some((topic, p)) = split else {
            return self.fail(
                value.span(),
                format!(
                    "expected a partition such as \"orders-0\" (the topic, a dash, the partition number), found {text:?}"
                ),
            );
        };
        let topic = self.topic_id(&Spanned::new(value.span(), topic.to_string()))?;
        let p = p.parse::<i64>().unwrap_or(i64::MAX);
        let partition = self.partition_exists(topic, p, at, value.span())?;
        Ok(TopicPartition::new(topic, partition))
    }

    /// A list of partitions, each named once.
    pub(super) fn topic_partitions(
        &self,
        list: &Spanned<Vec<Spanned<String>>>,
        key: &str,
        at: SimTime,
    ) -> Result<Vec<TopicPartition>> {
        let mut partitions = Vec::new();
        for item in list.get_ref() {
            let tp = self.topic_partition(item, at)?;
            if partitions.contains(&tp) {
                return self.fail(
                    item.span(),
                    format!("`{key}` names {} twice", item.get_ref()),
                );
            }
            partitions.push(tp);
        }
        Ok(partitions)
    }

    /// Kafka's rule for topic names: 1 to 249 of ASCII letters, digits, `.`, `_` and `-`, and
    /// not `.` or `..`.
    pub(super) fn topic_name(&self, name: &Spanned<String>) -> Result<String> {
        let text = name.get_ref();
        let legal = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
        if text.is_empty() || text == "." || text == ".." || text.len() > 249 || !legal {
            return self.fail(
                name.span(),
                format!(
                    "expected a topic name of 1 to 249 ASCII letters, digits, '.', '_' or '-' (not \".\" or \"..\"), found {text:?}"
                ),
            );
        }
        if text == OFFSETS_TOPIC {
            return self.fail(
                name.span(),
                "__consumer_offsets is Kafka's internal topic of committed offsets; the cluster \
                 creates it for consumer groups, so a scenario cannot declare it",
            );
        }
        if text == TRANSACTION_STATE_TOPIC {
            return self.fail(
                name.span(),
                "__transaction_state is Kafka's internal topic of transaction state; the cluster \
                 creates it for transactional producers, so a scenario cannot declare it",
            );
        }
        if let Some((_, first)) = self.topics.iter().find(|(n, _)| n == text) {
            return self.fail(
                name.span(),
                format!(
                    "topic {text:?} is declared twice; the first is at line {}",
                    self.pos(first).line
                ),
            );
        }
        Ok(text.clone())
    }

    pub(super) fn topic(
        &self,
        table: &Spanned<RawTopic>,
        broker: &BrokerConfig,
    ) -> Result<TopicSpec> {
        let raw = table.get_ref();
        let Some(name) = &raw.name else {
            return self.fail(
                table.span(),
                "missing `name` in [[topics]], such as name = \"orders\"",
            );
        };
        let name = self.topic_name(name)?;
        let max_partitions = i64::from(MAX_PARTITIONS);
        let replicas = match &raw.replicas {
            Some(lists) => Some(self.replica_lists(lists)?),
            None => None,
        };
        let partitions = match (&raw.partitions, &replicas) {
            (Some(p), Some(replicas)) => {
                let p = self.int(p, "partitions", 1, max_partitions)? as u32;
                if replicas.len() != p as usize {
                    let lists = raw.replicas.as_ref().map_or(table.span(), |r| r.span());
                    return self.fail(
                        lists,
                        format!(
                            "`replicas` has {} lists but `partitions` is {p}; give one replica list per partition",
                            replicas.len()
                        ),
                    );
                }
                p
            }
            (Some(p), None) => self.int(p, "partitions", 1, max_partitions)? as u32,
            (None, Some(replicas)) => replicas.len() as u32,
            (None, None) if broker.num_partitions > MAX_PARTITIONS => {
                return self.fail(
                    table.span(),
                    format!(
                        "the broker's num.partitions ({}) is above ksim's limit of {MAX_PARTITIONS} \
                         partitions per topic; give this topic `partitions`",
                        broker.num_partitions
                    ),
                );
            }
            (None, None) => broker.num_partitions,
        };
        let (replication_factor, span) = match (&raw.replication_factor, &replicas) {
            (Some(rf), _) => (
                self.int(rf, "replication_factor", 1, i64::from(i16::MAX))? as u32,
                rf.span(),
            ),
            (None, Some(replicas)) => (
                replicas.first().map_or(1, Vec::len) as u32,
                raw.replicas.as_ref().map_or(table.span(), |r| r.span()),
            ),
            (None, None) => (broker.default_replication_factor, table.span()),
        };
        if replication_factor > self.brokers {
            let source = if raw.replication_factor.is_some() || replicas.is_some() {
                ""
            } else {
                " (the broker's default.replication.factor)"
            };
            return self.fail(
                span,
                format!(
                    "replication factor {replication_factor}{source} is larger than the cluster of {} broker{}; \
                     Kafka refuses: \"The target replication factor of {replication_factor} cannot be reached \
                     because only {} broker(s) are registered.\"",
                    self.brokers,
                    if self.brokers == 1 { "" } else { "s" },
                    self.brokers
                ),
            );
        }
        if let (Some(replicas), Some(lists)) = (&replicas, &raw.replicas) {
            for (p, (list, raw_list)) in replicas.iter().zip(lists.get_ref()).enumerate() {
                if list.len() as u32 != replication_factor {
                    return self.fail(
                        raw_list.span(),
                        format!(
                            "partition {p} has {} replicas but the replication factor is {replication_factor}; \
                             every partition of a topic has the same number of replicas",
                            list.len()
                        ),
                    );
                }
            }
        }
        let config = match &raw.config {
            Some(config) => {
                let (settings, spans) = self.settings(config);
                TopicConfig::resolve(broker, &settings)
                    .map_err(|e| self.config_error(e, &spans, config.span()))?
            }
            None => TopicConfig::resolve(broker, &[]).expect("no settings, nothing to refuse"),
        };
        Ok(TopicSpec {
            name,
            partitions,
            replication_factor,
            replicas,
            config,
            internal: false,
            origin: TopicOrigin::Start,
        })
    }

    /// `replicas = [[1, 2, 3], [2, 3, 1]]`: one non-empty list of existing, distinct brokers
    /// per partition.
    pub(super) fn replica_lists(&self, lists: &Spanned<BrokerLists>) -> Result<Vec<Vec<BrokerId>>> {
        if lists.get_ref().is_empty() {
            return self.fail(
                lists.span(),
                "`replicas`: expected one list of brokers per partition, found an empty list",
            );
        }
        if lists.get_ref().len() > MAX_PARTITIONS as usize {
            return self.fail(
                lists.span(),
                format!("`replicas`: ksim simulates at most {MAX_PARTITIONS} partitions per topic"),
            );
        }
        let mut result = Vec::new();
        for (p, list) in lists.get_ref().iter().enumerate() {
            if list.get_ref().is_empty() {
                return self.fail(
                    list.span(),
                    format!(
                        "`replicas`: expected the brokers of partition {p}, found an empty list"
                    ),
                );
            }
            let mut replicas = Vec::new();
            for broker in list.get_ref() {
                let id = self.broker(broker)?;
                if replicas.contains(&id) {
                    return self.fail(
                        broker.span(),
                        format!(
                            "broker {} is listed twice for partition {p}; Kafka refuses: \"The manual \
                             partition assignment includes the broker {} more than once.\"",
                            id.0, id.0
                        ),
                    );
                }
                replicas.push(id);
            }
            result.push(replicas);
        }
        Ok(result)
    }

    /// `required_configs = "strict"` (R6.1, F22): the producer must be built the way
    /// `new KafkaProducer<>(props)` accepts it. `key.serializer` and `value.serializer` have no
    /// default, so `ConfigDef.parse` refuses first; `bootstrap.servers` defaults to an empty
    /// list in Kafka 4.0, which the constructor then refuses. `acks` is not required: it
    /// defaults to all. The default, `"lenient"`, lets scenarios leave all three out.
    pub(super) fn required_configs(
        &self,
        table: &Spanned<RawProducer>,
        name: &str,
        config: &ProducerConfig,
        given: &[String],
    ) -> Result<()> {
        let Some(mode) = &table.get_ref().required_configs else {
            return Ok(());
        };
        match mode.get_ref().as_str() {
            "lenient" => return Ok(()),
            "strict" => {}
            other => {
                return self.fail(
                    mode.span(),
                    format!(
                        "`required_configs`: expected \"strict\" or \"lenient\", found {other:?}"
                    ),
                );
            }
        }
        let missing_serializer = [
            ("key.serializer", &config.key_serializer),
            ("value.serializer", &config.value_serializer),
        ]
        .into_iter()
        .find(|(_, value)| value.as_deref().is_none_or(|v| v.trim().is_empty()))
        .map(|(key, _)| key);
        let kafka_says = match missing_serializer {
            Some(key) => format!(
                "Kafka's ConfigException: \"Missing required configuration \"{key}\" which has no default value.\""
            ),
            None if config
                .bootstrap_servers
                .as_deref()
                .is_none_or(|v| v.split(',').all(|url| url.trim().is_empty())) =>
            {
                "Kafka's ConfigException: \"No resolvable bootstrap urls given in bootstrap.servers\" (bootstrap.servers defaults to an empty list)".to_string()
            }
            None => return Ok(()),
        };
        let key = missing_serializer.unwrap_or("bootstrap.servers");
        let acks = if given.iter().any(|g| g == "acks") {
            ""
        } else {
            "; acks is not required, it defaults to \"all\""
        };
        self.fail(
            table.span(),
            format!(
                "producer {name:?} has required_configs = \"strict\" but no {key:?} in its config; the constructor throws {kafka_says}{acks}"
            ),
        )
    }
}
