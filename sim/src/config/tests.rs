//! Unit tests of Kafka's settings: defaults, ranges, the forms values may take, errors and
//! suggestions, and the rules between settings.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

fn set(name: &str, value: ConfigValue) -> Setting {
    Setting::new(name, value)
}

fn int(v: i64) -> ConfigValue {
    ConfigValue::Int(v)
}

fn s(v: &str) -> ConfigValue {
    ConfigValue::Str(v.to_string())
}

// The defaults are Kafka 4.0's, as the reference lists them.
#[test]
fn defaults_are_kafka_4_0() {
    let b = BrokerConfig::default();
    assert_eq!(b.min_insync_replicas, 1);
    assert!(!b.unclean_leader_election_enable);
    assert_eq!(b.replica_lag_time_max_ms, 30_000);
    assert_eq!(b.replica_fetch_wait_max_ms, 500);
    assert_eq!(b.replica_fetch_min_bytes, 1);
    assert_eq!(b.replica_fetch_max_bytes, 1_048_576);
    assert_eq!(b.replica_fetch_backoff_ms, 1_000);
    assert_eq!(b.replica_high_watermark_checkpoint_interval_ms, 5_000);
    assert_eq!(b.broker_heartbeat_interval_ms, 2_000);
    assert_eq!(b.broker_session_timeout_ms, 9_000);
    assert_eq!(b.log_flush_interval_messages, i64::MAX as u64);
    assert_eq!(b.log_flush_interval_ms, None);
    assert_eq!(b.message_max_bytes, 1_048_588);
    assert_eq!(b.default_replication_factor, 1);
    assert_eq!(b.num_partitions, 1);
    assert!(b.auto_create_topics_enable);
    assert!(b.auto_leader_rebalance_enable);
    assert_eq!(b.leader_imbalance_check_interval_seconds, 300);
    assert_eq!(b.leader_imbalance_per_broker_percentage, 10);

    let p = ProducerConfig::default();
    assert_eq!(p.acks, Acks::All);
    assert!(p.enable_idempotence);
    assert_eq!(p.retries, 2_147_483_647);
    assert_eq!(p.retry_backoff_ms, 100);
    assert_eq!(p.retry_backoff_max_ms, 1_000);
    assert_eq!(p.request_timeout_ms, 30_000);
    assert_eq!(p.delivery_timeout_ms, 120_000);
    assert_eq!(p.linger_ms, 5);
    assert_eq!(p.batch_size, 16_384);
    assert_eq!(p.buffer_memory, 33_554_432);
    assert_eq!(p.max_request_size, 1_048_576);
    assert_eq!(p.max_in_flight_requests_per_connection, 5);
    assert_eq!(p.compression_type, Compression::None);
    assert_eq!(p.max_block_ms, 60_000);
    assert_eq!(p.metadata_max_age_ms, 300_000);
    assert!(!p.partitioner_ignore_keys);
    assert!(p.partitioner_adaptive_partitioning_enable);
    assert_eq!(p.partitioner_class, PartitionerClass::BuiltIn);
    assert_eq!(p.client_id, None);

    let c = ConsumerConfig::default();
    assert_eq!(c.auto_offset_reset, OffsetReset::Latest);
    assert_eq!(c.fetch_min_bytes, 1);
    assert_eq!(c.fetch_max_wait_ms, 500);
    assert_eq!(c.fetch_max_bytes, 52_428_800);
    assert_eq!(c.max_partition_fetch_bytes, 1_048_576);
    assert_eq!(c.max_poll_records, 500);
    // No group.id, so auto-commit is off even though the table says true.
    assert!(!c.enable_auto_commit);
    assert_eq!(c.auto_commit_interval_ms, 5_000);
    assert_eq!(c.session_timeout_ms, 45_000);
    assert_eq!(c.heartbeat_interval_ms, 3_000);
    assert_eq!(c.max_poll_interval_ms, 300_000);
    assert_eq!(c.request_timeout_ms, 30_000);
    assert_eq!(c.retry_backoff_ms, 100);
    assert!(c.allow_auto_create_topics);

    let t = TopicConfig::default();
    assert_eq!(t.min_insync_replicas, 1);
    assert_eq!(t.flush_messages, i64::MAX as u64);
    assert_eq!(t.flush_ms, None);
    assert_eq!(t.max_message_bytes, 1_048_588);
}

/// A valid value for `def` that differs from its default.
fn other_value(def: &ConfigDef) -> ConfigValue {
    match (def.kind, def.default) {
        (ValueKind::Int { min, max }, ConfigDefault::Int(d)) => {
            int(if d < max { d + 1 } else { min })
        }
        // Below zero means "no limit" for sizes; a positive value is a real change.
        (ValueKind::Int { min, .. }, _) => int(if min < 0 { 1000 } else { min + 7 }),
        (ValueKind::Bool, ConfigDefault::Bool(d)) => ConfigValue::Bool(!d),
        (ValueKind::Bool, _) => ConfigValue::Bool(true),
        (ValueKind::OneOf(allowed), _) => {
            let d = match def.default {
                ConfigDefault::Text(d) => d,
                _ => "",
            };
            // "-1" means the same as "all", so skip it as well as the default.
            s(allowed.iter().find(|a| **a != d && **a != "-1").unwrap())
        }
        (ValueKind::Text { .. }, _) if def.name == "partitioner.class" => {
            s(PartitionerClass::ROUND_ROBIN)
        }
        (ValueKind::Text { .. }, _) => s("x"),
        (ValueKind::ClassList(allowed), _) => s(allowed[1]),
        (ValueKind::Double { max, .. }, _) => ConfigValue::Float(max),
    }
}

// Every row of the table reaches a field: setting it to another valid value changes the
// resolved struct. This is what keeps the table and the structs in step.
#[test]
fn every_table_row_reaches_a_field() {
    for def in CONFIGS {
        // A base that keeps the cross-setting rules quiet: with a group, enable.auto.commit
        // keeps its table default; without idempotence, any acks or in-flight count goes.
        let base: Vec<Setting> = match def.scope {
            // A transactional.id needs idempotence (R6.6): its base leaves idempotence on.
            Scope::Producer if def.name == "transactional.id" => vec![],
            Scope::Producer => vec![set("enable.idempotence", ConfigValue::Bool(false))],
            Scope::Consumer => vec![set("group.id", s("g"))],
            _ => vec![],
        };
        let base: Vec<Setting> = base.into_iter().filter(|b| b.name != def.name).collect();
        let mut with = base.clone();
        with.push(set(def.name, other_value(def)));
        let broker = BrokerConfig::default();
        let changed = match def.scope {
            Scope::Broker => BrokerConfig::resolve(&with) != BrokerConfig::resolve(&base),
            Scope::Topic => {
                TopicConfig::resolve(&broker, &with) != TopicConfig::resolve(&broker, &base)
            }
            Scope::Producer => ProducerConfig::resolve(&with) != ProducerConfig::resolve(&base),
            Scope::Consumer => ConsumerConfig::resolve(&with) != ConsumerConfig::resolve(&base),
        };
        assert!(
            changed,
            "{} config \"{}\" changes nothing",
            def.scope, def.name
        );
        match def.scope {
            Scope::Broker => assert!(BrokerConfig::resolve(&with).is_ok()),
            Scope::Topic => assert!(TopicConfig::resolve(&broker, &with).is_ok()),
            Scope::Producer => assert!(ProducerConfig::resolve(&with).is_ok()),
            Scope::Consumer => assert!(ConsumerConfig::resolve(&with).is_ok()),
        }
    }
}

// Each row is well formed: a default inside its range, an int that fits the struct.
#[test]
fn table_rows_are_consistent() {
    for def in CONFIGS {
        assert_eq!(
            CONFIGS
                .iter()
                .filter(|d| d.scope == def.scope && d.name == def.name)
                .count(),
            1,
            "{} is listed twice",
            def.name
        );
        match (def.kind, def.default) {
            (ValueKind::Int { min, max }, ConfigDefault::Int(d)) => {
                // Negative values (retention's "unlimited") are read with `opt_int`.
                assert!(min <= d && d <= max, "{}", def.name)
            }
            (ValueKind::OneOf(allowed), ConfigDefault::Text(d)) => {
                assert!(allowed.contains(&d), "{}", def.name)
            }
            (ValueKind::ClassList(allowed), ConfigDefault::Text(d)) => {
                assert!(d.split(',').all(|c| allowed.contains(&c)), "{}", def.name)
            }
            (ValueKind::Bool, ConfigDefault::Bool(_)) => {}
            (ValueKind::Double { min, max }, ConfigDefault::Text(d)) => {
                let d: f64 = d.parse().expect("a double's default is a number");
                assert!(min <= d && d <= max, "{}", def.name)
            }
            (_, ConfigDefault::Unset) => {}
            (_, ConfigDefault::Broker(name)) => {
                let broker = lookup(Scope::Broker, name).expect("the synonym exists");
                assert_eq!(
                    std::mem::discriminant(&broker.kind),
                    std::mem::discriminant(&def.kind)
                );
            }
            _ => panic!("{}: default does not match its kind", def.name),
        }
    }
}

// Kafka parses "500" for an int and "TRUE" for a boolean; so do we.
#[test]
fn accepts_strings_for_numbers_and_booleans() {
    let c = BrokerConfig::resolve(&[
        set("replica.lag.time.max.ms", s(" 10000 ")),
        set("unclean.leader.election.enable", s("TRUE")),
    ])
    .unwrap();
    assert_eq!(c.replica_lag_time_max_ms, 10_000);
    assert!(c.unclean_leader_election_enable);
}

// acks takes "all", "-1", "0", "1" and the integers -1, 0, 1, nothing else.
#[test]
fn acks_forms() {
    let acks = |v| {
        ProducerConfig::resolve(&[
            set("acks", v),
            set("enable.idempotence", ConfigValue::Bool(false)),
        ])
        .map(|p| p.acks)
    };
    assert_eq!(acks(s("all")), Ok(Acks::All));
    assert_eq!(acks(s("-1")), Ok(Acks::All));
    assert_eq!(acks(int(-1)), Ok(Acks::All));
    assert_eq!(acks(int(0)), Ok(Acks::Zero));
    assert_eq!(acks(s("1")), Ok(Acks::One));
    let err = acks(s("most")).unwrap_err();
    assert_eq!(
        err.message,
        "invalid value \"most\" for producer config \"acks\": expected one of \"all\", \"-1\", \"0\", \"1\""
    );
    assert_eq!((err.setting, err.part), (Some(0), SettingPart::Value));
    assert!(acks(int(2)).is_err());
    assert!(
        acks(s("ALL")).is_err(),
        "Kafka's ValidString is case-sensitive"
    );
}

// Out-of-range and mistyped values name the setting and what it takes.
#[test]
fn refuses_bad_values() {
    let err = BrokerConfig::resolve(&[set("min.insync.replicas", int(0))]).unwrap_err();
    assert_eq!(
        err.message,
        "invalid value 0 for broker config \"min.insync.replicas\": expected an integer from 1 to 2147483647"
    );
    let err = ProducerConfig::resolve(&[set("linger.ms", ConfigValue::Bool(true))]).unwrap_err();
    assert_eq!(
        err.message,
        "invalid value true for producer config \"linger.ms\": expected an integer of at least 0"
    );
    let err = ConsumerConfig::resolve(&[set("enable.auto.commit", s("yes"))]).unwrap_err();
    assert_eq!(
        err.message,
        "invalid value \"yes\" for consumer config \"enable.auto.commit\": expected true or false"
    );
    let err = ConsumerConfig::resolve(&[set("group.id", s(""))]).unwrap_err();
    assert!(
        err.message.contains("a non-empty string"),
        "{}",
        err.message
    );
}

// An unknown name gets the nearest real one, or the scope it belongs to.
#[test]
fn unknown_names_are_explained() {
    let message = |scope: Scope, name: &str| {
        let one = [set(name, int(1))];
        let err = match scope {
            Scope::Broker => BrokerConfig::resolve(&one).unwrap_err(),
            Scope::Topic => TopicConfig::resolve(&BrokerConfig::default(), &one).unwrap_err(),
            Scope::Producer => ProducerConfig::resolve(&one).unwrap_err(),
            Scope::Consumer => ConsumerConfig::resolve(&one).unwrap_err(),
        };
        assert_eq!(err.part, SettingPart::Name);
        err.message
    };
    assert_eq!(
        message(Scope::Broker, "min.insync.replica"),
        "unknown broker config \"min.insync.replica\", did you mean \"min.insync.replicas\"?"
    );
    assert_eq!(
        message(Scope::Broker, "min_insync_replicas"),
        "unknown broker config \"min_insync_replicas\", did you mean \"min.insync.replicas\"?"
    );
    assert_eq!(
        message(Scope::Broker, "acks"),
        "\"acks\" is a producer config, not a broker config; set it in [[producers]] config"
    );
    assert_eq!(
        message(Scope::Producer, "session.timeout.ms"),
        "\"session.timeout.ms\" is a consumer config, not a producer config; set it in [[consumers]] config"
    );
    assert_eq!(
        message(Scope::Broker, "flush.messages"),
        "\"flush.messages\" is a topic config; the broker-wide default is \"log.flush.interval.messages\""
    );
    assert_eq!(
        message(Scope::Topic, "message.max.bytes"),
        "\"message.max.bytes\" is a broker config; a topic overrides it with \"max.message.bytes\""
    );
    assert_eq!(
        message(Scope::Producer, "linger"),
        "unknown producer config \"linger\", did you mean \"linger.ms\"?"
    );
    assert_eq!(
        message(Scope::Broker, "ack"),
        "unknown broker config \"ack\"; did you mean the producer config \"acks\" (set in [[producers]] config)?"
    );
    assert!(
        message(Scope::Topic, "zzzzzzzzzzzz").starts_with(
            "unknown topic config \"zzzzzzzzzzzz\"; ksim supports min.insync.replicas, "
        )
    );
}

// Topic settings override their broker synonyms; the rest are inherited.
#[test]
fn topic_overrides_broker() {
    let broker = BrokerConfig::resolve(&[
        set("min.insync.replicas", int(2)),
        set("log.flush.interval.messages", int(10)),
        set("log.flush.interval.ms", int(1000)),
        set("message.max.bytes", int(500)),
    ])
    .unwrap();
    let inherited = TopicConfig::resolve(&broker, &[]).unwrap();
    assert_eq!(inherited.min_insync_replicas, 2);
    assert_eq!(inherited.flush_messages, 10);
    assert_eq!(inherited.flush_ms, Some(1000));
    assert_eq!(inherited.max_message_bytes, 500);
    let own = TopicConfig::resolve(
        &broker,
        &[
            set("min.insync.replicas", int(3)),
            set("flush.messages", int(1)),
            set("flush.ms", int(0)),
            set("max.message.bytes", int(100)),
            set("unclean.leader.election.enable", ConfigValue::Bool(true)),
        ],
    )
    .unwrap();
    assert_eq!(
        own,
        TopicConfig {
            min_insync_replicas: 3,
            unclean_leader_election_enable: true,
            flush_messages: 1,
            flush_ms: Some(0),
            max_message_bytes: 100,
            ..TopicConfig::default()
        }
    );
}

// Idempotence: silently off when defaulted and in conflict, refused when asked for.
#[test]
fn idempotence_follows_kafka() {
    let p = ProducerConfig::resolve(&[set("acks", s("1"))]).unwrap();
    assert!(!p.enable_idempotence);
    let p = ProducerConfig::resolve(&[set("retries", int(0))]).unwrap();
    assert!(!p.enable_idempotence);
    let p = ProducerConfig::resolve(&[set("acks", int(0)), set("retries", int(0))]).unwrap();
    assert!(!p.enable_idempotence);

    let err = ProducerConfig::resolve(&[
        set("enable.idempotence", ConfigValue::Bool(true)),
        set("acks", s("1")),
    ])
    .unwrap_err();
    assert_eq!(err.setting, Some(1));
    assert_eq!(
        err.message,
        "enable.idempotence = true conflicts with acks = \"1\"; Kafka refuses with ConfigException: \
         \"Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.\""
    );
    let err =
        ProducerConfig::resolve(&[set("enable.idempotence", s("true")), set("retries", int(0))])
            .unwrap_err();
    assert!(
        err.message.contains("Must set retries to non-zero"),
        "{}",
        err.message
    );

    // Kafka 4.0 refuses more than 5 in flight while idempotence is on, even by default.
    let err = ProducerConfig::resolve(&[set("max.in.flight.requests.per.connection", int(6))])
        .unwrap_err();
    assert_eq!(err.setting, Some(0));
    assert!(
        err.message.contains("Current value is 6."),
        "{}",
        err.message
    );
    let p = ProducerConfig::resolve(&[
        set("max.in.flight.requests.per.connection", int(6)),
        set("enable.idempotence", ConfigValue::Bool(false)),
    ])
    .unwrap();
    assert_eq!(p.max_in_flight_requests_per_connection, 6);
    assert!(!p.enable_idempotence);
}

// R6.6 in Kafka 4.0: an explicit enable.idempotence = true with more than 5 in flight is
// refused in Kafka's words; so is a defaulted idempotence turned off by acks = 1, as the
// in-flight check comes first (KAFKA-17927); acks and retries alone turn it off silently.
#[test]
fn idempotence_conflicts_in_kafka_4_0() {
    let err = ProducerConfig::resolve(&[
        set("enable.idempotence", ConfigValue::Bool(true)),
        set("max.in.flight.requests.per.connection", int(6)),
    ])
    .unwrap_err();
    assert_eq!(err.setting, Some(1));
    assert_eq!(
        err.message,
        "enable.idempotence = true conflicts with max.in.flight.requests.per.connection = 6; \
         Kafka refuses with ConfigException: \"To use the idempotent producer, \
         max.in.flight.requests.per.connection must be set to at most 5. Current value is 6.\""
    );
    let err = ProducerConfig::resolve(&[
        set("acks", s("1")),
        set("max.in.flight.requests.per.connection", int(6)),
    ])
    .unwrap_err();
    assert_eq!(err.setting, Some(1));
    assert!(
        err.message.contains("needs enable.idempotence = false"),
        "{}",
        err.message
    );
    let err = ProducerConfig::resolve(&[
        set("retries", int(0)),
        set("enable.idempotence", ConfigValue::Bool(true)),
    ])
    .unwrap_err();
    assert_eq!(err.setting, Some(0));
    assert_eq!(
        err.message,
        "enable.idempotence = true conflicts with retries = 0; Kafka refuses with \
         ConfigException: \"Must set retries to non-zero when using the idempotent producer.\""
    );
    // In flight 5 is the most idempotence allows, and keeps it on.
    let p =
        ProducerConfig::resolve(&[set("max.in.flight.requests.per.connection", int(5))]).unwrap();
    assert!(p.enable_idempotence);
    // Explicitly off: any acks, retries and in-flight count go.
    let p = ProducerConfig::resolve(&[
        set("enable.idempotence", ConfigValue::Bool(false)),
        set("acks", s("1")),
        set("retries", int(0)),
    ])
    .unwrap();
    assert!(!p.enable_idempotence && p.acks == Acks::One && p.retries == 0);
}

// partitioner.class: unset is the built-in partitioner, RoundRobinPartitioner is modelled,
// the sticky classes removed in 4.0 are refused as Kafka 4.0 refuses a missing class.
#[test]
fn partitioner_class_follows_kafka_4_0() {
    let p = ProducerConfig::resolve(&[set("partitioner.class", s(PartitionerClass::ROUND_ROBIN))])
        .unwrap();
    assert_eq!(p.partitioner_class, PartitionerClass::RoundRobin);
    let p = ProducerConfig::resolve(&[set("partitioner.class", s(""))]).unwrap();
    assert_eq!(p.partitioner_class, PartitionerClass::BuiltIn);
    let err = ProducerConfig::resolve(&[
        set("acks", s("all")),
        set("partitioner.class", s(PartitionerClass::REMOVED_DEFAULT)),
    ])
    .unwrap_err();
    assert_eq!(err.setting, Some(1));
    assert_eq!(err.part, SettingPart::Value);
    assert_eq!(
        err.message,
        "partitioner.class = \"org.apache.kafka.clients.producer.internals.DefaultPartitioner\" \
         was removed in Kafka 4.0 (KAFKA-18262); Kafka refuses with ConfigException: \"Invalid \
         value org.apache.kafka.clients.producer.internals.DefaultPartitioner for configuration \
         partitioner.class: Class org.apache.kafka.clients.producer.internals.DefaultPartitioner \
         could not be found.\"; remove partitioner.class: the built-in partitioner hashes keys \
         and spreads null keys with the uniform sticky partitioner (KIP-794)"
    );
    let err = ProducerConfig::resolve(&[set(
        "partitioner.class",
        s(PartitionerClass::REMOVED_UNIFORM_STICKY),
    )])
    .unwrap_err();
    assert!(
        err.message.contains("set partitioner.ignore.keys = true"),
        "{}",
        err.message
    );
    let err = ProducerConfig::resolve(&[set("partitioner.class", s("com.example.MyPartitioner"))])
        .unwrap_err();
    assert!(
        err.message.starts_with(
            "invalid value \"com.example.MyPartitioner\" for producer config \"partitioner.class\""
        ),
        "{}",
        err.message
    );
}

// delivery.timeout.ms: an explicit value below linger + request timeout is refused, the
// default is raised to the sum.
#[test]
fn delivery_timeout_covers_linger_and_request_timeout() {
    let p = ProducerConfig::resolve(&[set("request.timeout.ms", int(200_000))]).unwrap();
    assert_eq!(p.delivery_timeout_ms, 200_005);
    let err = ProducerConfig::resolve(&[
        set("linger.ms", int(100)),
        set("delivery.timeout.ms", int(30_000)),
    ])
    .unwrap_err();
    assert_eq!(err.setting, Some(1));
    assert_eq!(
        err.message,
        "delivery.timeout.ms (30000) is less than linger.ms + request.timeout.ms (100 + 30000); \
         Kafka refuses with ConfigException: \"delivery.timeout.ms should be equal to or larger \
         than linger.ms + request.timeout.ms\""
    );
    let p = ProducerConfig::resolve(&[set("delivery.timeout.ms", int(30_005))]).unwrap();
    assert_eq!(p.delivery_timeout_ms, 30_005);
}

// Consumer rules: auto-commit needs a group; heartbeats come faster than the session.
#[test]
fn consumer_rules() {
    let c = ConsumerConfig::resolve(&[set("group.id", s("g1"))]).unwrap();
    assert!(c.enable_auto_commit);
    assert_eq!(c.group_id.as_deref(), Some("g1"));
    let err =
        ConsumerConfig::resolve(&[set("enable.auto.commit", ConfigValue::Bool(true))]).unwrap_err();
    assert!(
        err.message.contains("default group id (null)"),
        "{}",
        err.message
    );
    let err = ConsumerConfig::resolve(&[set("heartbeat.interval.ms", int(45_000))]).unwrap_err();
    assert_eq!(err.setting, Some(0));
    assert!(
        err.message.contains("Heartbeat must be set lower"),
        "{}",
        err.message
    );
    let err = ConsumerConfig::resolve(&[set("session.timeout.ms", int(1000))]).unwrap_err();
    assert!(
        err.message.contains("from 6000 to 1800000"),
        "{}",
        err.message
    );
}

// A broker must not hold a follower's fetch longer than it tolerates lag.
#[test]
fn broker_fetch_wait_within_lag() {
    let err = BrokerConfig::resolve(&[set("replica.lag.time.max.ms", int(100))]).unwrap_err();
    assert_eq!(err.setting, Some(0));
    assert!(
        err.message.contains("prevent frequent changes in ISR"),
        "{}",
        err.message
    );
}

// A name given twice is an error rather than a silent last-one-wins.
#[test]
fn duplicate_setting_is_refused() {
    let err =
        BrokerConfig::resolve(&[set("num.partitions", int(2)), set("num.partitions", int(3))])
            .unwrap_err();
    assert_eq!(err.setting, Some(1));
    assert_eq!(
        err.message,
        "broker config \"num.partitions\" is given twice"
    );
}

// The typo finder: close names match, far ones do not.
#[test]
fn nearest_names() {
    let names = ["leader", "isr", "high_watermark", "leader_epoch"];
    assert_eq!(nearest("leadr", names), Some("leader"));
    assert_eq!(nearest("high-watermark", names), Some("high_watermark"));
    assert_eq!(nearest("isrs", names), Some("isr"));
    assert_eq!(nearest("banana", names), None);
    assert_eq!(nearest("", names), None);
}

/// The top-level fields of a resolved struct as `{:#?}` prints them, each with its value's text.
fn fields(debug: &str) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in debug.lines().skip(1) {
        let top = line
            .strip_prefix("    ")
            .filter(|rest| !rest.starts_with(' '));
        match top.and_then(|rest| rest.split_once(": ")) {
            Some((name, value)) => {
                fields.insert(name.to_string(), value.to_string());
                current = Some(name.to_string());
            }
            None => {
                if let Some(name) = &current {
                    fields.get_mut(name).expect("inserted above").push_str(line);
                }
            }
        }
    }
    fields
}

/// The resolved fields that setting `def` to another value changes, named `Struct.field`. A
/// broker setting is followed into the topic config too, where its topic synonym lands.
fn fields_reached(def: &ConfigDef) -> Vec<(&'static str, String)> {
    let base: Vec<Setting> = match def.scope {
        // A transactional.id needs idempotence (R6.6): its base leaves idempotence on.
        Scope::Producer if def.name == "transactional.id" => vec![],
        Scope::Producer => vec![set("enable.idempotence", ConfigValue::Bool(false))],
        Scope::Consumer => vec![set("group.id", s("g"))],
        _ => vec![],
    };
    let base: Vec<Setting> = base.into_iter().filter(|b| b.name != def.name).collect();
    let mut with = base.clone();
    with.push(set(def.name, other_value(def)));
    let broker = BrokerConfig::default();
    let pairs: Vec<(&'static str, String, String)> = match def.scope {
        Scope::Broker => {
            let (a, b) = (BrokerConfig::resolve(&base), BrokerConfig::resolve(&with));
            let (a, b) = (
                a.expect("the base resolves"),
                b.expect("the value is valid"),
            );
            let topic = |broker: &BrokerConfig| TopicConfig::resolve(broker, &[]).expect("valid");
            vec![
                ("BrokerConfig", format!("{a:#?}"), format!("{b:#?}")),
                (
                    "TopicConfig",
                    format!("{:#?}", topic(&a)),
                    format!("{:#?}", topic(&b)),
                ),
            ]
        }
        Scope::Topic => vec![(
            "TopicConfig",
            format!(
                "{:#?}",
                TopicConfig::resolve(&broker, &base).expect("valid")
            ),
            format!(
                "{:#?}",
                TopicConfig::resolve(&broker, &with).expect("valid")
            ),
        )],
        Scope::Producer => vec![(
            "ProducerConfig",
            format!("{:#?}", ProducerConfig::resolve(&base).expect("valid")),
            format!("{:#?}", ProducerConfig::resolve(&with).expect("valid")),
        )],
        Scope::Consumer => vec![(
            "ConsumerConfig",
            format!("{:#?}", ConsumerConfig::resolve(&base).expect("valid")),
            format!("{:#?}", ConsumerConfig::resolve(&with).expect("valid")),
        )],
    };
    let mut reached = Vec::new();
    for (strukt, before, after) in pairs {
        let (before, after) = (fields(&before), fields(&after));
        for (name, value) in &after {
            if before.get(name) != Some(value) {
                reached.push((strukt, name.clone()));
            }
        }
    }
    reached
}

/// The simulator's source outside `config`, test modules left out, with the whitespace inside
/// method chains removed so that `spec\n    .config\n    .client_id` reads `spec.config.client_id`.
fn model_code(only: &[&str]) -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("sim/src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    let chain = join_chains();
    paths
        .into_iter()
        .filter_map(|path| {
            let relative = path
                .strip_prefix(&root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            let is_test = relative.ends_with("tests.rs") || relative.contains("/tests/");
            let in_config = relative == "config.rs" || relative.starts_with("config/");
            let wanted = only.is_empty() || only.iter().any(|p| relative.starts_with(p));
            if is_test || in_config || !wanted {
                return None;
            }
            let text = std::fs::read_to_string(&path).ok()?;
            let text = match text.find("#[cfg(test)]\nmod tests {") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            Some((relative, chain(&text)))
        })
        .collect()
}

/// Joins `x\n    .y` into `x.y`.
fn join_chains() -> impl Fn(&str) -> String {
    |text: &str| {
        let mut out = String::with_capacity(text.len());
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('.') && !trimmed.starts_with("..") {
                out.push_str(trimmed);
            } else {
                out.push('\n');
                out.push_str(line);
            }
        }
        out
    }
}

/// Whether `.field` occurs in `text` as a whole word.
fn reads(text: &str, field: &str) -> bool {
    let needle = format!(".{field}");
    text.match_indices(&needle).any(|(at, _)| {
        let after = text[at + needle.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

// A setting that claims an effect reaches a resolved field that model code reads, and one
// flagged as without effect reaches none that the running simulation reads: a setting whose
// field nobody reads fails here until the flag says so, and a stale flag fails too. A field
// name shared by two structs (the producer's and the consumer's `client_id`) cannot be told
// apart by its text, so a flagged setting is not checked against such a name.
#[test]
fn a_setting_has_an_effect_exactly_when_model_code_reads_its_field() {
    let everywhere = model_code(&[]);
    // The running simulation: what a flagged setting must not reach. `scenario/` is left out
    // because `required_configs = "strict"` checks that `bootstrap.servers` and the
    // serializers are present, which changes no run.
    let running = model_code(&["kafka", "clients", "engine", "observe", "world.rs"]);
    let mut owners: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for debug in [
        ("BrokerConfig", format!("{:#?}", BrokerConfig::default())),
        ("TopicConfig", format!("{:#?}", TopicConfig::default())),
        (
            "ProducerConfig",
            format!("{:#?}", ProducerConfig::default()),
        ),
        (
            "ConsumerConfig",
            format!("{:#?}", ConsumerConfig::default()),
        ),
    ] {
        for name in fields(&debug.1).into_keys() {
            owners.entry(name).or_default().insert(debug.0);
        }
    }
    let mut problems = Vec::new();
    for def in CONFIGS {
        let reached = fields_reached(def);
        assert!(
            !reached.is_empty(),
            "{} config \"{}\" reaches no field",
            def.scope,
            def.name
        );
        let read_in = |code: &[(String, String)], field: &str| -> Vec<String> {
            code.iter()
                .filter(|(_, text)| reads(text, field))
                .map(|(path, _)| path.clone())
                .collect()
        };
        if def.has_effect {
            if reached
                .iter()
                .all(|(_, f)| read_in(&everywhere, f).is_empty())
            {
                problems.push(format!(
                    "{} config \"{}\" reaches {reached:?}, which no model code reads: flag it \
                     .without_effect() or model it",
                    def.scope, def.name
                ));
            }
        } else {
            for (_, field) in &reached {
                let shared = owners.get(field).is_some_and(|o| o.len() > 1);
                let files = read_in(&running, field);
                if !shared && !files.is_empty() {
                    problems.push(format!(
                        "{} config \"{}\" is flagged without effect, but {files:?} read {field}",
                        def.scope, def.name
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// R6.6: a transactional.id needs the idempotent producer; idempotence turned off, asked for
// or by a conflicting acks, is refused as Kafka's ProducerConfig refuses it.
#[test]
fn transactional_id_needs_idempotence() {
    let txn = set("transactional.id", s("t1"));
    assert!(ProducerConfig::resolve(std::slice::from_ref(&txn)).is_ok());
    for conflict in [
        set("enable.idempotence", ConfigValue::Bool(false)),
        set("acks", s("1")),
    ] {
        let err = ProducerConfig::resolve(&[txn.clone(), conflict]).unwrap_err();
        assert!(
            err.message
                .contains("Cannot set a transactional.id without also enabling idempotence."),
            "{}",
            err.message
        );
    }
    let c = ConsumerConfig::resolve(&[set("isolation.level", s("read_committed"))]).unwrap();
    assert!(c.read_committed);
    assert!(!ConsumerConfig::default().read_committed);
}
