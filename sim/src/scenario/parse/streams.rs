//! The `[[streams]]` tables: a Kafka Streams application's settings, its members (each a
//! consumer in the group `application.id` and a producer), its topology, and the internal
//! topics Kafka Streams creates for it (`<application.id>-<store>-changelog`, compacted, and
//! `<application.id>-<store>-repartition`), refused where Kafka refuses the topology.

use super::raw::{RawOp, RawStreams};
use super::*;
use crate::scenario::streams::{
    DEFAULT_COMMIT_INTERVAL_MS, Op, Predicate, Reducer, StateDir, StoreSpec, StreamsMember,
    StreamsSpec, SubTopology, ValueMapper,
};

/// The most instances (times threads) an application may run in a scenario.
const MAX_MEMBERS: i64 = 16;

/// What the topology has produced so far: a record stream, a grouped stream, or a table.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Stream,
    Grouped,
    Table,
    Done,
}

/// The clients and topics one application adds to the scenario.
pub(super) struct StreamsParts {
    pub spec: StreamsSpec,
    pub consumers: Vec<ConsumerSpec>,
    pub producers: Vec<ProducerSpec>,
}

impl Checker<'_> {
    /// One `[[streams]]` table. Its internal topics are added to `topics` (and to the names
    /// steps and expectations may use); its members' consumers and producers take the indexes
    /// after `first_consumer` and `first_producer`.
    pub(super) fn streams(
        &mut self,
        table: &Spanned<RawStreams>,
        broker: &BrokerConfig,
        topics: &mut Vec<TopicSpec>,
        first_consumer: u32,
        first_producer: u32,
    ) -> Result<StreamsParts> {
        let raw = table.get_ref();
        let Some(name) = &raw.name else {
            return self.fail(
                table.span(),
                "missing `name` in [[streams]], such as name = \"wordcount\"",
            );
        };
        let app_name = name.get_ref().clone();
        if app_name.trim().is_empty() {
            return self.fail(
                name.span(),
                "`name`: expected a name, found an empty string",
            );
        }
        let application_id = match &raw.application_id {
            Some(id) if id.get_ref().trim().is_empty() => {
                return self.fail(
                    id.span(),
                    "`application.id`: expected an id, found an empty string",
                );
            }
            Some(id) => id.get_ref().clone(),
            None => {
                return self.fail(
                    table.span(),
                    "missing `application.id` in [[streams]]: Kafka Streams requires it (it names \
                     the consumer group and the internal topics), such as \"application.id\" = \"wordcount\"",
                );
            }
        };
        let instances = match &raw.instances {
            Some(n) => self.int(n, "instances", 1, MAX_MEMBERS)? as u32,
            None => 1,
        };
        let threads = match &raw.num_stream_threads {
            Some(n) => self.int(n, "num.stream.threads", 1, MAX_MEMBERS)? as u32,
            None => 1,
        };
        if i64::from(instances * threads) > MAX_MEMBERS {
            return self.fail(
                table.span(),
                format!("instances × num.stream.threads is {}, above ksim's limit of {MAX_MEMBERS} members per application", instances * threads),
            );
        }
        if let Some(g) = &raw.processing_guarantee {
            match g.get_ref().as_str() {
                "at_least_once" => {}
                "exactly_once_v2" | "exactly_once" | "exactly_once_beta" => {
                    return self.fail(
                        g.span(),
                        format!(
                            "`processing.guarantee`: {:?} is not modelled yet; ksim runs Kafka Streams with \"at_least_once\" only",
                            g.get_ref()
                        ),
                    );
                }
                other => {
                    return self.fail(
                        g.span(),
                        format!("`processing.guarantee`: expected \"at_least_once\" (or \"exactly_once_v2\", not modelled yet), found {other:?}"),
                    );
                }
            }
        }
        let standby_replicas = match &raw.num_standby_replicas {
            Some(n) => self.int(n, "num.standby.replicas", 0, MAX_MEMBERS)? as u32,
            None => 0,
        };
        let commit_interval = match &raw.commit_interval_ms {
            Some(ms) => {
                SimTime::from_millis(self.int(ms, "commit.interval.ms", 0, i64::MAX / 1000)? as u64)
            }
            None => SimTime::from_millis(DEFAULT_COMMIT_INTERVAL_MS),
        };
        let state_dir = match &raw.state_dir {
            None => StateDir::Persistent,
            Some(s) => match s.get_ref().as_str() {
                "persistent" => StateDir::Persistent,
                "wiped" => StateDir::Wiped,
                other => {
                    return self.fail(
                        s.span(),
                        format!(
                            "`state_dir`: expected \"persistent\" or \"wiped\", found {other:?}"
                        ),
                    );
                }
            },
        };
        let processing = match &raw.processing {
            Some(p) => self.duration_value(p, "processing")?,
            None => SimTime::ZERO,
        };
        let start = match &raw.start {
            Some(s) => self.duration_value(s, "start")?,
            None => SimTime::ZERO,
        };

        let (subtopologies, stores) = self.topology(table, &application_id, broker, topics)?;
        let spec_topics: Vec<TopicId> = {
            let mut t = Vec::new();
            for s in &subtopologies {
                t.extend(s.sources.iter().copied());
                t.extend(s.table.map(|(t, _)| t));
            }
            t
        };

        // The members: one consumer and one producer per thread, with StreamsConfig's
        // overrides (CONSUMER_DEFAULT_OVERRIDES, PRODUCER_DEFAULT_OVERRIDES).
        let mut consumers = Vec::new();
        let mut producers = Vec::new();
        let mut members = Vec::new();
        for instance in 1..=instances {
            for thread in 1..=threads {
                let member = StreamsSpec::member_name(&app_name, instance, thread, threads);
                let producer_name = format!("{member}-producer");
                for n in [&member, &producer_name] {
                    if self
                        .producers
                        .iter()
                        .chain(&self.consumers)
                        .any(|(x, _)| x == n)
                    {
                        return self.fail(
                            name.span(),
                            format!("the member name {n:?} of this application is taken by another client; client names must be unique"),
                        );
                    }
                }
                let mut settings = vec![
                    Setting::new("group.id", ConfigValue::Str(application_id.clone())),
                    Setting::new("auto.offset.reset", ConfigValue::Str("earliest".into())),
                    Setting::new("enable.auto.commit", ConfigValue::Bool(false)),
                    Setting::new("max.poll.records", ConfigValue::Int(1000)),
                ];
                let mut spans = vec![(table.span(), table.span()); settings.len()];
                if let Some(config) = &raw.consumer_config {
                    let (user, user_spans) = self.settings(config);
                    for (s, span) in user.into_iter().zip(user_spans) {
                        // Kafka Streams ignores a user's group.id and enable.auto.commit.
                        if s.name == "group.id" || s.name == "enable.auto.commit" {
                            continue;
                        }
                        if let Some(i) = settings.iter().position(|d| d.name == s.name) {
                            settings.remove(i);
                            spans.remove(i);
                        }
                        settings.push(s);
                        spans.push(span);
                    }
                }
                let config_span = raw
                    .consumer_config
                    .as_ref()
                    .map_or(table.span(), |c| c.span());
                let config = ConsumerConfig::resolve(&settings)
                    .map_err(|e| self.config_error(e, &spans, config_span))?;
                let mut psettings = vec![Setting::new("linger.ms", ConfigValue::Int(100))];
                let mut pspans = vec![(table.span(), table.span())];
                if let Some(config) = &raw.producer_config {
                    let (user, user_spans) = self.settings(config);
                    for (s, span) in user.into_iter().zip(user_spans) {
                        if let Some(i) = psettings.iter().position(|d| d.name == s.name) {
                            psettings.remove(i);
                            pspans.remove(i);
                        }
                        psettings.push(s);
                        pspans.push(span);
                    }
                }
                let pspan = raw
                    .producer_config
                    .as_ref()
                    .map_or(table.span(), |c| c.span());
                let pconfig = ProducerConfig::resolve(&psettings)
                    .map_err(|e| self.config_error(e, &pspans, pspan.clone()))?;
                if pconfig.transactional_id.is_some() {
                    return self.fail(
                        pspan,
                        "`producer_config`: Kafka Streams sets the transactional.id itself (with exactly_once_v2); remove it",
                    );
                }
                members.push(StreamsMember {
                    instance,
                    thread,
                    consumer: ConsumerIdx(first_consumer + consumers.len() as u32),
                    producer: ProducerIdx(first_producer + producers.len() as u32),
                });
                consumers.push(ConsumerSpec {
                    name: member.clone(),
                    group: Some(application_id.clone()),
                    subscription: Subscription::Topics(spec_topics.clone()),
                    config,
                    start,
                    processing,
                    delivery: Delivery::Auto,
                });
                producers.push(ProducerSpec {
                    name: producer_name.clone(),
                    config: pconfig,
                });
                self.consumers.push((member, name.span()));
                self.producers.push((producer_name, name.span()));
            }
        }
        Ok(StreamsParts {
            spec: StreamsSpec {
                name: app_name,
                application_id,
                instances,
                threads,
                standby_replicas,
                commit_interval,
                state_dir,
                members,
                subtopologies,
                stores,
                pos: self.pos(&table.span()),
            },
            consumers,
            producers,
        })
    }

    /// An internal topic Kafka Streams creates: `<application.id>-<store>-changelog`
    /// (cleanup.policy=compact) or `-repartition`, with the partitions of its sub-topology's
    /// sources and the broker's default.replication.factor (`replication.factor` = -1).
    fn internal_topic(
        &mut self,
        span: Range<usize>,
        name: String,
        partitions: u32,
        compact: bool,
        broker: &BrokerConfig,
        topics: &mut Vec<TopicSpec>,
    ) -> Result<TopicId> {
        if self.topics.iter().any(|(n, _)| *n == name) {
            return self.fail(
                span,
                format!("the internal topic {name:?} that Kafka Streams would create is already declared; rename the store or the topic"),
            );
        }
        let settings = if compact {
            vec![Setting::new(
                "cleanup.policy",
                ConfigValue::Str("compact".into()),
            )]
        } else {
            Vec::new()
        };
        let config = TopicConfig::resolve(broker, &settings)
            .map_err(|e| self.src.error(span.clone(), e.to_string()))?;
        let replication_factor = broker.default_replication_factor.min(self.brokers);
        topics.push(TopicSpec {
            name: name.clone(),
            partitions,
            replication_factor,
            replicas: None,
            config,
            internal: false,
            origin: TopicOrigin::Start,
        });
        self.topics.push((name, span));
        self.partitions.push(partitions);
        Ok(TopicId(self.topics.len() as u32 - 1))
    }

    /// Adds a store and its changelog topic.
    #[allow(clippy::too_many_arguments)]
    fn store(
        &mut self,
        name: &Spanned<String>,
        application_id: &str,
        subtopology: u32,
        partitions: u32,
        stores: &mut Vec<StoreSpec>,
        broker: &BrokerConfig,
        topics: &mut Vec<TopicSpec>,
    ) -> Result<usize> {
        let store = name.get_ref();
        if store.trim().is_empty() || store.contains(char::is_whitespace) {
            return self.fail(
                name.span(),
                format!("a store name needs letters and no spaces, found {store:?}"),
            );
        }
        if stores.iter().any(|s| s.name == *store) {
            return self.fail(
                name.span(),
                format!("the store {store:?} is named twice in this topology"),
            );
        }
        let changelog = self.internal_topic(
            name.span(),
            format!("{application_id}-{store}-changelog"),
            partitions,
            true,
            broker,
            topics,
        )?;
        stores.push(StoreSpec {
            name: store.clone(),
            changelog,
            subtopology,
        });
        Ok(stores.len() - 1)
    }

    /// The `topology` list, split into sub-topologies at repartition topics.
    fn topology(
        &mut self,
        table: &Spanned<RawStreams>,
        application_id: &str,
        broker: &BrokerConfig,
        topics: &mut Vec<TopicSpec>,
    ) -> Result<(Vec<SubTopology>, Vec<StoreSpec>)> {
        let Some(ops) = &table.get_ref().topology else {
            return self.fail(
                table.span(),
                "missing `topology` in [[streams]], such as topology = [{ source = [\"words\"] }, { to = \"out\" }]",
            );
        };
        let mut subs: Vec<SubTopology> = Vec::new();
        let mut stores: Vec<StoreSpec> = Vec::new();
        let mut current: Option<SubTopology> = None;
        let mut shape = Shape::Stream;
        let mut key_changed = false;
        for (i, op) in ops.get_ref().iter().enumerate() {
            let (key, span) = self.op_key(op)?;
            let o = op.get_ref();
            if i == 0 && key != "source" {
                return self.fail(
                    span,
                    format!("a topology starts with `source`, found `{key}`"),
                );
            }
            if shape == Shape::Done {
                return self.fail(
                    span,
                    format!("`{key}` after `to`: KStream.to() ends a topology"),
                );
            }
            let needs = |wanted: &[Shape], what: &str| -> Result<()> {
                if wanted.contains(&shape) {
                    Ok(())
                } else {
                    let have = match shape {
                        Shape::Stream => "a KStream",
                        Shape::Grouped => "a KGroupedStream",
                        Shape::Table => "a KTable",
                        Shape::Done => "nothing",
                    };
                    self.fail(
                        span.clone(),
                        format!("`{key}` needs {what}, but the step before it gives {have}"),
                    )
                }
            };
            match key {
                "source" => {
                    if i != 0 {
                        return self
                            .fail(span, "`source` starts a topology; only one per [[streams]]");
                    }
                    let Some(list) = &o.source else {
                        unreachable!("op_key found source")
                    };
                    if list.get_ref().is_empty() {
                        return self.fail(
                            list.span(),
                            "`source`: expected at least one topic, found an empty list",
                        );
                    }
                    let mut sources = Vec::new();
                    for t in list.get_ref() {
                        sources.push(self.topic_id(t)?);
                    }
                    let partitions = sources
                        .iter()
                        .map(|t| self.partitions[t.0 as usize])
                        .max()
                        .unwrap_or(1);
                    current = Some(SubTopology {
                        id: 0,
                        sources,
                        table: None,
                        partitions,
                        ops: Vec::new(),
                    });
                }
                "filter" => {
                    needs(&[Shape::Stream, Shape::Table], "a KStream or a KTable")?;
                    let f = o.filter.as_ref().expect("op_key found filter").get_ref();
                    let given: Vec<Predicate> = [
                        f.key
                            .as_ref()
                            .map(|k| Predicate::Key(k.get_ref().as_str().into())),
                        f.value
                            .as_ref()
                            .map(|v| Predicate::Value(v.get_ref().as_str().into())),
                        f.value_starts_with
                            .as_ref()
                            .map(|v| Predicate::ValueStartsWith(v.get_ref().as_str().into())),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    let [predicate] = <[Predicate; 1]>::try_from(given).map_err(|_| {
                        self.src.error(span.clone(), "`filter`: give exactly one of `key`, `value`, `value_starts_with` (and `not = true` to keep the others)")
                    })?;
                    let predicate = if f.not.as_ref().is_some_and(|n| *n.get_ref()) {
                        Predicate::Not(Box::new(predicate))
                    } else {
                        predicate
                    };
                    current
                        .as_mut()
                        .expect("a source came first")
                        .ops
                        .push(Op::Filter(predicate));
                }
                "mapValues" => {
                    needs(&[Shape::Stream, Shape::Table], "a KStream or a KTable")?;
                    let m = o.map_values.as_ref().expect("op_key found mapValues");
                    let mapper = match m.get_ref().as_str() {
                        "uppercase" => ValueMapper::Uppercase,
                        "lowercase" => ValueMapper::Lowercase,
                        "length" => ValueMapper::Length,
                        other => {
                            return self.fail(
                                m.span(),
                                format!(
                                    "`mapValues`: expected one of {}, found {other:?}",
                                    quoted_list(ValueMapper::NAMES)
                                ),
                            );
                        }
                    };
                    current
                        .as_mut()
                        .expect("a source came first")
                        .ops
                        .push(Op::MapValues(mapper));
                }
                "selectKey" => {
                    needs(&[Shape::Stream], "a KStream")?;
                    let s = o.select_key.as_ref().expect("op_key found selectKey");
                    if s.get_ref() != "value" {
                        return self.fail(s.span(), format!("`selectKey`: expected \"value\" (the value becomes the key), found {:?}", s.get_ref()));
                    }
                    key_changed = true;
                    current
                        .as_mut()
                        .expect("a source came first")
                        .ops
                        .push(Op::SelectKey);
                }
                "groupByKey" => {
                    needs(&[Shape::Stream], "a KStream")?;
                    shape = Shape::Grouped;
                    continue;
                }
                "count" | "reduce" | "toTable" => {
                    let store_name = match key {
                        "count" => {
                            needs(
                                &[Shape::Grouped],
                                "a KGroupedStream (put `groupByKey = true` before it)",
                            )?;
                            o.count.as_ref().expect("op_key found count")
                        }
                        "reduce" => {
                            needs(
                                &[Shape::Grouped],
                                "a KGroupedStream (put `groupByKey = true` before it)",
                            )?;
                            let r = o.reduce.as_ref().expect("op_key found reduce");
                            match &r.get_ref().store {
                                Some(s) => s,
                                None => return self.fail(r.span(), "`reduce`: missing `store`, such as reduce = { store = \"totals\", with = \"sum\" }"),
                            }
                        }
                        _ => {
                            needs(&[Shape::Stream], "a KStream")?;
                            o.to_table.as_ref().expect("op_key found toTable")
                        }
                    };
                    let reducer = match &o.reduce {
                        Some(r) => match r.get_ref().with.as_ref() {
                            None => return self.fail(
                                r.span(),
                                "`reduce`: missing `with`, one of \"sum\", \"concat\", \"latest\"",
                            ),
                            Some(w) => Some(match w.get_ref().as_str() {
                                "sum" => Reducer::Sum,
                                "concat" => Reducer::Concat,
                                "latest" => Reducer::Latest,
                                other => {
                                    return self.fail(
                                        w.span(),
                                        format!(
                                            "`with`: expected one of {}, found {other:?}",
                                            quoted_list(Reducer::NAMES)
                                        ),
                                    );
                                }
                            }),
                        },
                        None => None,
                    };
                    let mut sub = current.take().expect("a source came first");
                    if key_changed {
                        // The key changed upstream: records go through a repartition topic
                        // named after the store (GroupedStreamAggregateBuilder), so that all
                        // records of a key reach one task.
                        let topic = self.internal_topic(
                            store_name.span(),
                            format!("{application_id}-{}-repartition", store_name.get_ref()),
                            sub.partitions,
                            false,
                            broker,
                            topics,
                        )?;
                        sub.ops.push(Op::To {
                            topic,
                            repartition: true,
                        });
                        let partitions = sub.partitions;
                        sub.id = subs.len() as u32;
                        subs.push(sub);
                        sub = SubTopology {
                            id: subs.len() as u32,
                            sources: vec![topic],
                            table: None,
                            partitions,
                            ops: Vec::new(),
                        };
                        key_changed = false;
                    }
                    sub.id = subs.len() as u32;
                    let store = self.store(
                        store_name,
                        application_id,
                        sub.id,
                        sub.partitions,
                        &mut stores,
                        broker,
                        topics,
                    )?;
                    sub.ops.push(match (key, reducer) {
                        ("count", _) => Op::Count { store },
                        (_, Some(reducer)) => Op::Reduce { store, reducer },
                        _ => Op::ToTable { store },
                    });
                    current = Some(sub);
                    shape = Shape::Table;
                    continue;
                }
                "join" => {
                    needs(
                        &[Shape::Stream],
                        "a KStream (the stream side of a KStream-KTable join)",
                    )?;
                    let j = o.join.as_ref().expect("op_key found join");
                    if key_changed {
                        return self.fail(j.span(), "`join` after `selectKey` needs a repartition before the join, which ksim does not model yet; key the input topic instead");
                    }
                    let (Some(t), Some(store_name)) = (&j.get_ref().table, &j.get_ref().store)
                    else {
                        return self.fail(j.span(), "`join`: give `table` (the topic read as a KTable) and `store`, such as join = { table = \"users\", store = \"users\" }");
                    };
                    let topic = self.topic_id(t)?;
                    let mut sub = current.take().expect("a source came first");
                    if sub.table.is_some() {
                        return self.fail(j.span(), "one `join` per sub-topology in ksim's DSL");
                    }
                    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
                    for s in sub.sources.iter().chain([&topic]) {
                        counts.insert(&self.topics[s.0 as usize].0, self.partitions[s.0 as usize]);
                    }
                    if counts.values().collect::<BTreeSet<_>>().len() > 1 {
                        // CopartitionedTopicsEnforcer: the inputs of a join must have the same
                        // number of partitions, or partition p of one would meet keys of
                        // another partition of the other.
                        let list: Vec<String> =
                            counts.iter().map(|(t, n)| format!("{t}={n}")).collect();
                        return self.fail(
                            j.span(),
                            format!(
                                "Kafka Streams refuses this topology: TopologyException \"Invalid topology: Topics not co-partitioned: [{{{}}}]\"; a KStream-KTable join needs both topics to have the same number of partitions",
                                list.join(", ")
                            ),
                        );
                    }
                    sub.id = subs.len() as u32;
                    let store = self.store(
                        store_name,
                        application_id,
                        sub.id,
                        sub.partitions,
                        &mut stores,
                        broker,
                        topics,
                    )?;
                    sub.table = Some((topic, store));
                    sub.ops.push(Op::Join { store });
                    current = Some(sub);
                }
                "to" => {
                    needs(&[Shape::Stream, Shape::Table], "a KStream or a KTable")?;
                    let t = o.to.as_ref().expect("op_key found to");
                    let topic = self.topic_id(t)?;
                    current
                        .as_mut()
                        .expect("a source came first")
                        .ops
                        .push(Op::To {
                            topic,
                            repartition: false,
                        });
                    shape = Shape::Done;
                    continue;
                }
                _ => unreachable!("op_key returns the keys above"),
            }
            if shape == Shape::Grouped {
                return self.fail(
                    span,
                    format!(
                        "`{key}` after `groupByKey`: a grouped stream takes `count` or `reduce`"
                    ),
                );
            }
        }
        if shape == Shape::Grouped {
            return self.fail(
                ops.span(),
                "the topology ends with `groupByKey`; follow it with `count` or `reduce`",
            );
        }
        if let Some(mut sub) = current {
            sub.id = subs.len() as u32;
            subs.push(sub);
        }
        Ok((subs, stores))
    }

    /// The one key a topology step gives.
    fn op_key(&self, op: &Spanned<RawOp>) -> Result<(&'static str, Range<usize>)> {
        let o = op.get_ref();
        let keys: Vec<(&'static str, Range<usize>)> = [
            o.source.as_ref().map(|s| ("source", s.span())),
            o.filter.as_ref().map(|s| ("filter", s.span())),
            o.map_values.as_ref().map(|s| ("mapValues", s.span())),
            o.select_key.as_ref().map(|s| ("selectKey", s.span())),
            o.group_by_key.as_ref().map(|s| ("groupByKey", s.span())),
            o.count.as_ref().map(|s| ("count", s.span())),
            o.reduce.as_ref().map(|s| ("reduce", s.span())),
            o.to_table.as_ref().map(|s| ("toTable", s.span())),
            o.join.as_ref().map(|s| ("join", s.span())),
            o.to.as_ref().map(|s| ("to", s.span())),
        ]
        .into_iter()
        .flatten()
        .collect();
        match keys.as_slice() {
            [one] => Ok(one.clone()),
            [] => self.fail(
                op.span(),
                "a topology step needs one operation, such as { filter = { key = \"k\" } }",
            ),
            [_, second, ..] => self.fail(
                second.1.clone(),
                "one operation per topology step: put the next one in its own { }",
            ),
        }
    }
}

impl Checker<'_> {
    /// `streams = "wordcount"` with `store` + `entries`, `owners`, `restored`, `outputs`,
    /// `processed`, `reprocessed`.
    pub(super) fn streams_expectation(
        &self,
        table: &Spanned<super::raw::RawExpect>,
        app: &Spanned<String>,
    ) -> Result<Subject> {
        let raw = table.get_ref();
        let Some(index) = self
            .streams_apps
            .iter()
            .position(|s| s.name == *app.get_ref())
        else {
            let known: Vec<(String, Range<usize>)> = self
                .streams_apps
                .iter()
                .map(|s| (s.name.clone(), 0..0))
                .collect();
            return self.fail(
                app.span(),
                self.unknown("streams application", app.get_ref(), &known),
            );
        };
        let spec = &self.streams_apps[index];
        let store = match &raw.store {
            Some(name) => match spec.stores.iter().position(|s| s.name == *name.get_ref()) {
                Some(i) => Some(i),
                None => {
                    let names: Vec<&str> = spec.stores.iter().map(|s| s.name.as_str()).collect();
                    return self.fail(
                        name.span(),
                        format!(
                            "store {:?} is not in the topology of {:?}; its stores are {}",
                            name.get_ref(),
                            spec.name,
                            quoted_list(names)
                        ),
                    );
                }
            },
            None => None,
        };
        let mut entries = BTreeMap::new();
        if let Some(given) = &raw.entries {
            if store.is_none() {
                return self.fail(
                    given.span(),
                    "`entries` are a store's: add store = \"<name>\"",
                );
            }
            for (k, v) in given.get_ref() {
                entries.insert(k.get_ref().clone(), v.get_ref().clone());
            }
        } else if let Some(s) = &raw.store {
            return self.fail(
                s.span(),
                "`store` says which store `entries` checks: add entries = { key = \"value\" }",
            );
        }
        let mut owners = BTreeMap::new();
        if let Some(given) = &raw.owners {
            for (task, member) in given.get_ref() {
                let Some(id) =
                    crate::scenario::streams::TaskId::parse(task.get_ref()).filter(|t| {
                        spec.subtopologies
                            .get(t.subtopology as usize)
                            .is_some_and(|s| t.partition < s.partitions)
                    })
                else {
                    return self.fail(task.span(), format!("`owners`: {:?} is not a task of {:?}; tasks are named <sub-topology>_<partition>, such as \"0_1\"", task.get_ref(), spec.name));
                };
                let consumer = self.consumer_idx(member)?;
                if !spec.members.iter().any(|m| m.consumer == consumer) {
                    return self.fail(
                        member.span(),
                        format!("{:?} is not a member of {:?}", member.get_ref(), spec.name),
                    );
                }
                owners.insert(id, consumer);
            }
        }
        let count =
            |v: &Option<Spanned<i64>>, key| v.as_ref().map(|v| self.count(v, key)).transpose();
        let subject = Subject::Streams {
            app: index,
            store,
            entries,
            owners,
            restored: count(&raw.restored, "restored")?,
            outputs: count(&raw.outputs, "outputs")?,
            processed: count(&raw.processed, "processed")?,
            reprocessed: count(&raw.reprocessed, "reprocessed")?,
        };
        if let Subject::Streams {
            store: None,
            owners,
            restored: None,
            outputs: None,
            processed: None,
            reprocessed: None,
            ..
        } = &subject
            && owners.is_empty()
        {
            return self.fail(
                table.span(),
                format!(
                    "nothing to check for streams {:?}: give {}",
                    spec.name,
                    one_of_keys(&[
                        "store",
                        "owners",
                        "restored",
                        "outputs",
                        "processed",
                        "reprocessed"
                    ])
                ),
            );
        }
        Ok(subject)
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse;
    use crate::scenario::streams::{Op, StateDir};

    const HEAD: &str = r#"name = "s"
[cluster]
brokers = 3

[[topics]]
name = "words"
partitions = 2

[[topics]]
name = "users"
partitions = 3

[[topics]]
name = "out"
partitions = 2
"#;

    fn with(streams: &str) -> String {
        format!("{HEAD}\n[[streams]]\nname = \"wc\"\n\"application.id\" = \"wc\"\n{streams}")
    }

    fn error(streams: &str) -> String {
        let error = parse(&with(streams), "s.toml").expect_err("the parser refuses it");
        error.to_string()
    }

    // A word count: the members are consumers of the group application.id and producers, the
    // store's changelog is a compacted internal topic with the input's partition count.
    #[test]
    fn a_streams_app_makes_members_and_a_compacted_changelog() {
        let s = parse(
            &with("instances = 2\ntopology = [{ source = [\"words\"] }, { groupByKey = true }, { count = \"counts\" }, { to = \"out\" }]"),
            "s.toml",
        )
        .expect("valid");
        let app = &s.streams[0];
        assert_eq!(app.members.len(), 2);
        assert_eq!(s.consumers[0].name, "wc-1");
        assert_eq!(s.consumers[1].group.as_deref(), Some("wc"));
        assert!(!s.consumers[0].config.enable_auto_commit);
        assert_eq!(s.consumers[0].config.max_poll_records, 1000);
        assert_eq!(s.producers[1].name, "wc-2-producer");
        assert_eq!(s.producers[0].config.linger_ms, 100);
        assert_eq!(app.commit_interval.as_millis(), 30_000);
        assert_eq!(app.state_dir, StateDir::Persistent);
        let changelog = &s.topics[app.stores[0].changelog.0 as usize];
        assert_eq!(changelog.name, "wc-counts-changelog");
        assert_eq!(changelog.partitions, 2);
        assert!(changelog.config.cleanup_policy.compact);
        assert!(s.groups.contains(&"wc".to_string()));
    }

    // selectKey before an aggregation splits the topology at a repartition topic named after
    // the store, and the aggregation runs in the second sub-topology.
    #[test]
    fn a_key_change_before_count_goes_through_a_repartition_topic() {
        let s = parse(
            &with("topology = [{ source = [\"words\"] }, { selectKey = \"value\" }, { groupByKey = true }, { count = \"counts\" }]"),
            "s.toml",
        )
        .expect("valid");
        let app = &s.streams[0];
        assert_eq!(app.subtopologies.len(), 2);
        let Op::To {
            topic,
            repartition: true,
        } = app.subtopologies[0].ops[1]
        else {
            panic!(
                "sub-topology 0 ends in the repartition topic: {:?}",
                app.subtopologies[0].ops
            );
        };
        assert_eq!(s.topics[topic.0 as usize].name, "wc-counts-repartition");
        assert_eq!(app.subtopologies[1].sources, vec![topic]);
        assert_eq!(app.stores[0].subtopology, 1);
    }

    // A join of topics with different partition counts is refused with Kafka's words.
    #[test]
    fn a_join_of_topics_not_co_partitioned_is_a_topology_exception() {
        let message = error(
            "topology = [{ source = [\"words\"] }, { join = { table = \"users\", store = \"users\" } }]",
        );
        assert!(
            message.contains("TopologyException \"Invalid topology: Topics not co-partitioned: [{users=3, words=2}]\""),
            "{message}"
        );
        assert!(message.starts_with("s.toml:20:46:"), "{message}");
    }

    // exactly_once_v2 is named and refused until ksim models it; a typo gets the nearest key.
    #[test]
    fn unmodelled_guarantees_and_unknown_keys_are_refused() {
        let message = error(
            "\"processing.guarantee\" = \"exactly_once_v2\"\ntopology = [{ source = [\"words\"] }]",
        );
        assert!(
            message.contains("\"exactly_once_v2\" is not modelled yet"),
            "{message}"
        );
        let message = error("\"commit.interval.msec\" = 5\ntopology = [{ source = [\"words\"] }]");
        assert!(
            message.contains("did you mean `commit.interval.ms`?"),
            "{message}"
        );
        let message = error("topology = [{ source = [\"words\"] }, { cuont = \"c\" }]");
        assert!(message.contains("did you mean `count`?"), "{message}");
        let message = error("topology = [{ source = [\"words\"] }, { count = \"c\" }]");
        assert!(
            message.contains("`count` needs a KGroupedStream"),
            "{message}"
        );
    }

    // An expectation names a store of the application, and its tasks by Kafka's TaskId.
    #[test]
    fn streams_expectations_name_stores_and_tasks() {
        let text = format!(
            "{}\n[[expect]]\nstreams = \"wc\"\nstore = \"nope\"\nentries = {{ a = \"1\" }}\n",
            with(
                "topology = [{ source = [\"words\"] }, { groupByKey = true }, { count = \"counts\" }]"
            )
        );
        let message = parse(&text, "s.toml")
            .expect_err("no such store")
            .to_string();
        assert!(message.contains("its stores are \"counts\""), "{message}");
        let text = format!(
            "{}\n[[expect]]\nstreams = \"wc\"\nowners = {{ \"0_5\" = \"wc-1\" }}\n",
            with(
                "topology = [{ source = [\"words\"] }, { groupByKey = true }, { count = \"counts\" }]"
            )
        );
        let message = parse(&text, "s.toml")
            .expect_err("no such task")
            .to_string();
        assert!(message.contains("\"0_5\" is not a task"), "{message}");
    }
}
