//! Broken and valid scenario files, and what the parser makes of them.

use super::*;
use crate::engine::ids::{BrokerId, ConsumerIdx, ProducerIdx, TopicId, TopicPartition};

/// The example scenario of DESIGN.md, verbatim.
const EXAMPLE: &str = r#"name = "acks=1 can lose an acknowledged record"
facts = ["F17"]            # ids from facts.md that this scenario demonstrates
seed = 7                   # optional; `--seed` overrides
duration = "60s"           # how long to simulate

[cluster]
brokers = 3
config = { "unclean.leader.election.enable" = false }

[[topics]]
name = "orders"
partitions = 1
replication_factor = 3
config = { "min.insync.replicas" = 2 }
# replicas = [[1, 2, 3]]  # optional explicit assignment, one list per partition

[[producers]]
name = "app"
config = { "acks" = "1", "enable.idempotence" = false }

[[consumers]]
name = "reader"
group = "g1"
subscribe = ["orders"]
config = { "auto.offset.reset" = "earliest" }

[[steps]]                  # the timeline, in time order
at = "0s"
produce = { producer = "app", topic = "orders", key = "k", count = 5 }

[[steps]]
at = "10ms"
crash = 1                  # process crash of broker 1

[[steps]]
at = "1s"
say = "The leader died before its followers fetched the last record."   # lesson narration

[[expect]]                 # checked at the end unless `at` is given
acked_lost = 1             # acknowledged records missing from the final log

[[expect]]
partition = "orders-0"
leader = 2
isr = [2, 3]
"#;

/// A small valid scenario that the broken cases below edit.
const BASE: &str = r#"name = "base"

[cluster]
brokers = 3

[[topics]]
name = "orders"
partitions = 3
replication_factor = 3

[[producers]]
name = "app"

[[consumers]]
name = "reader"
group = "g1"
subscribe = ["orders"]

[[steps]]
at = "0s"
produce = { producer = "app", topic = "orders", count = 5 }
"#;

fn error(text: &str) -> String {
    match parse(text, "x.toml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

// Broken files: each message in full, position included.

// A TOML syntax error keeps toml's words and points at the spot.
#[test]
fn syntax_error() {
    insta::assert_snapshot!(error("name = \"unclosed\n[cluster]\nbrokers = 3\n"), @r#"x.toml:1:17: invalid TOML: invalid basic string, expected `"`"#);
}

// An empty file says so, and what a scenario needs at least.
#[test]
fn empty_file() {
    insta::assert_snapshot!(error(""), @r#"x.toml:1:1: the file is empty; a scenario needs at least `name` and a [cluster] with `brokers`"#);
}

// A lesson with nothing to run says which commands read it instead.
#[test]
fn lesson_without_a_cluster() {
    insta::assert_snapshot!(error("[lesson]\nfacts = [\"F03\", \"F02\"]\n"), @"x.toml:1:1: this is a lesson with no [cluster] to run: read it with `ksim learn F03` and practise with `ksim quiz --facts F03,F02`");
}

// A scenario without a name is refused at the top of the file.
#[test]
fn missing_name() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"base\"\n", "")), @r#"x.toml:1:1: missing `name`: a scenario starts with one, such as name = "acks=1 can lose a record""#);
}

// An unknown key lists the valid ones and suggests the nearest.
#[test]
fn unknown_key_suggests() {
    insta::assert_snapshot!(error(&BASE.replace("replication_factor = 3", "replication_factr = 3")), @r#"x.toml:9:1: unknown key `replication_factr` in [[topics]], did you mean `replication_factor`? valid keys: `name`, `partitions`, `replication_factor`, `replicas`, `config`"#);
}

// Unknown keys inside an action's inline table are caught too.
#[test]
fn unknown_key_in_inline_table() {
    insta::assert_snapshot!(error(&BASE.replace("count = 5", "cuont = 5")), @r#"x.toml:21:49: unknown key `cuont` in `produce`, did you mean `count`? valid keys: `producer`, `topic`, `count`, `key`, `keys`, `value`, `tombstone`, `partition`, `rate`"#);
}

// An unknown Kafka config name suggests the real one.
#[test]
fn unknown_broker_config() {
    insta::assert_snapshot!(error(&BASE.replace("brokers = 3", "brokers = 3\nconfig = { \"min.insync.replica\" = 2 }")), @r#"x.toml:5:12: unknown broker config "min.insync.replica", did you mean "min.insync.replicas"?"#);
}

// A producer config under [cluster] says where it belongs.
#[test]
fn config_of_another_scope() {
    insta::assert_snapshot!(error(&BASE.replace("brokers = 3", "brokers = 3\nconfig = { \"linger.ms\" = 10 }")), @r#"x.toml:5:12: "linger.ms" is a producer config, not a broker config; set it in [[producers]] config"#);
}

// A value outside Kafka's list says which values are allowed.
#[test]
fn bad_acks() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"app\"", "name = \"app\"\nconfig = { acks = \"most\" }")), @r#"x.toml:13:19: invalid value "most" for producer config "acks": expected one of "all", "-1", "0", "1""#);
}

// Explicit idempotence with acks=1 is refused with Kafka's ConfigException.
#[test]
fn idempotence_conflict() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"app\"", "name = \"app\"\nconfig = { acks = 1, \"enable.idempotence\" = true }")), @r#"x.toml:13:19: enable.idempotence = true conflicts with acks = "1"; Kafka refuses with ConfigException: "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.""#);
}

// An explicit delivery.timeout.ms below linger.ms + request.timeout.ms is refused.
#[test]
fn delivery_timeout_too_small() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"app\"", "name = \"app\"\nconfig = { \"delivery.timeout.ms\" = 20000 }")), @r#"x.toml:13:36: delivery.timeout.ms (20000) is less than linger.ms + request.timeout.ms (5 + 30000); Kafka refuses with ConfigException: "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms""#);
}

// A string where an integer belongs names the key and both types.
#[test]
fn wrong_type() {
    insta::assert_snapshot!(error(&BASE.replace("partitions = 3", "partitions = \"3\"")), @r#"x.toml:8:14: `partitions`: expected an integer, found the string "3""#);
}

// A duration needs a unit; a bare number gets a suggestion.
#[test]
fn duration_without_unit() {
    insta::assert_snapshot!(error(&BASE.replace("at = \"0s\"", "at = 10")), @r#"x.toml:20:6: `at`: expected a duration with a unit such as "10ms" or "10s", found 10"#);
}

// A duration string without a unit is refused too.
#[test]
fn duration_string_without_unit() {
    insta::assert_snapshot!(error(&BASE.replace("at = \"0s\"", "at = \"10\"")), @r#"x.toml:20:6: `at`: expected a duration with a unit such as "250ms" or "30s", found "10""#);
}

// A broker beyond the cluster lists the brokers there are.
#[test]
fn unknown_broker() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[steps]]\nat = \"1s\"\ncrash = 4\n")), @r#"x.toml:25:9: broker 4 does not exist; the cluster has brokers 1, 2, 3"#);
}

// A partition beyond the topic's count says how many it has.
#[test]
fn unknown_partition() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\npartition = \"orders-7\"\nleader = 1\n")), @r#"x.toml:24:13: partition orders-7 does not exist; topic "orders" has 3 partitions, 0 to 2"#);
}

// A misspelt topic suggests the declared one.
#[test]
fn unknown_topic() {
    insta::assert_snapshot!(error(&BASE.replace("topic = \"orders\"", "topic = \"ordrs\"")), @r#"x.toml:21:39: topic "ordrs" does not exist, did you mean "orders"?"#);
}

// A step naming a client that does not exist suggests the nearest.
#[test]
fn unknown_client() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[steps]]\nat = \"1s\"\nstop = \"readr\"\n")), @r#"x.toml:25:8: client "readr" does not exist, did you mean "reader"?"#);
}

// A step with two actions points at the second.
#[test]
fn step_with_two_actions() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[steps]]\nat = \"1s\"\ncrash = 1\nrestart = 1\n")), @r#"x.toml:26:11: a step takes one action, found `crash` and `restart`; give each its own [[steps]]"#);
}

// A step with only `at` lists the actions it could take.
#[test]
fn step_without_action() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[steps]]\nat = \"1s\"\n")), @r#"x.toml:23:1: a step needs one action (`produce`, `crash`, `restart`, `power_loss`, `isolate`, `partition`, `heal`, `slow`, `add_partitions`, `start`, `stop`, `commit`, `subscribe`, `create_topic`, `delete_topic`, `init_transactions`, `begin_transaction`, `commit_transaction`, `abort_transaction`, `send_offsets`, `say` or `ask`), found none"#);
}

// A replication factor above the broker count quotes Kafka's refusal.
#[test]
fn replication_factor_too_large() {
    insta::assert_snapshot!(error(&BASE.replace("replication_factor = 3", "replication_factor = 4")), @r#"x.toml:9:22: replication factor 4 is larger than the cluster of 3 brokers; Kafka refuses: "The target replication factor of 4 cannot be reached because only 3 broker(s) are registered.""#);
}

// A replica list shorter than the others is refused.
#[test]
fn replicas_wrong_length() {
    insta::assert_snapshot!(error(&BASE.replace("replication_factor = 3", "replicas = [[1, 2, 3], [2, 3], [3, 1, 2]]")), @r#"x.toml:9:24: partition 1 has 2 replicas but the replication factor is 3; every partition of a topic has the same number of replicas"#);
}

// A broker twice in one replica list quotes Kafka's refusal.
#[test]
fn replicas_duplicate_broker() {
    insta::assert_snapshot!(error(&BASE.replace("replication_factor = 3", "replicas = [[1, 2, 1], [2, 3, 1], [3, 1, 2]]")), @r#"x.toml:9:20: broker 1 is listed twice for partition 0; Kafka refuses: "The manual partition assignment includes the broker 1 more than once.""#);
}

// A replica on a broker that does not exist is refused.
#[test]
fn replicas_unknown_broker() {
    insta::assert_snapshot!(error(&BASE.replace("replication_factor = 3", "replicas = [[1, 2, 3], [2, 3, 1], [3, 1, 5]]")), @r#"x.toml:9:42: broker 5 does not exist; the cluster has brokers 1, 2, 3"#);
}

// subscribe and assign on one consumer is Kafka's IllegalStateException.
#[test]
fn subscribe_and_assign() {
    insta::assert_snapshot!(error(&BASE.replace("subscribe = [\"orders\"]", "subscribe = [\"orders\"]\nassign = [\"orders-0\"]")), @r#"x.toml:18:10: a consumer cannot both subscribe and assign; Kafka throws IllegalStateException: "Subscription to topics, partitions and pattern are mutually exclusive""#);
}

// subscribe without a group is Kafka's InvalidGroupIdException.
#[test]
fn subscribe_without_group() {
    insta::assert_snapshot!(error(&BASE.replace("group = \"g1\"\n", "")), @r#"x.toml:16:13: `subscribe` needs a consumer group, such as group = "g1"; Kafka throws InvalidGroupIdException: "To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.""#);
}

// Producers and consumers share one namespace.
#[test]
fn duplicate_client_name() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[consumers]]\nname = \"app\"\nassign = [\"orders-1\"]\n")), @r#"x.toml:24:8: the name "app" is taken by the producer at line 12; client names must be unique because steps refer to them by name"#);
}

// A topic declared twice points back at the first.
#[test]
fn duplicate_topic() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[topics]]\nname = \"orders\"\n")), @r#"x.toml:24:8: topic "orders" is declared twice; the first is at line 6"#);
}

// Fact ids are F01 to F54.
#[test]
fn bad_fact_id() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"base\"", "name = \"base\"\nfacts = [\"F17\", \"F7\"]")), @r#"x.toml:2:17: fact "F7" is not an id from facts.md; expected F01 to F54, or a syllabus topic S01 to S99"#);
}

// A network partition may not put a broker in two groups.
#[test]
fn network_partition_broker_twice() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[steps]]\nat = \"1s\"\npartition = [[1, 2], [2, 3]]\n")), @r#"x.toml:25:23: broker 2 is named twice in `partition`; a broker belongs to one group"#);
}

// An expectation with no subject lists the possible ones.
#[test]
fn expect_without_subject() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nat = \"1s\"\n")), @r#"x.toml:23:1: an expectation needs one subject: the ledger (acked_lost, duplicated, reordered, reordered_as_consumed, moved_keys, removed), `partition`, `producer`, `consumer`, `group` or `streams`; found none"#);
}

// An expectation with two subjects points at the second.
#[test]
fn expect_with_two_subjects() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nacked_lost = 0\npartition = \"orders-0\"\n")), @r#"x.toml:25:13: an expectation has one subject, found the ledger (acked_lost, duplicated, reordered, reordered_as_consumed, moved_keys, removed) and `partition`; write one [[expect]] for each"#);
}

// A partition key without `partition` says what is missing.
#[test]
fn expect_key_without_subject() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nleader = 2\n")), @r#"x.toml:24:10: `leader` is checked on a partition: add partition = "orders-0" to say which"#);
}

// An expectation after the end of the run could never be checked.
#[test]
fn expect_after_the_end() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nat = \"61s\"\nacked_lost = 0\n")), @r#"x.toml:24:6: the expectation at 61s comes after the run ends at 60s"#);
}

// An error name the simulation never produces suggests the nearest.
#[test]
fn unknown_error_name() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nproducer = \"app\"\nerrors = [\"NOT_ENOUGH_REPLICA\"]\n")), @r#"x.toml:25:11: unknown error "NOT_ENOUGH_REPLICA", did you mean "NOT_ENOUGH_REPLICAS"?"#);
}

// `records_per_batch` takes exactly two numbers.
#[test]
fn records_per_batch_not_a_range() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nproducer = \"app\"\nrecords_per_batch = [1, 2, 3]\n")), @r#"x.toml:25:21: `records_per_batch`: expected an inclusive range [min, max] of two numbers, such as [1, 2.5], found [1, 2, 3]"#);
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nproducer = \"app\"\nrecords_per_batch = 2\n")), @r#"x.toml:25:21: `records_per_batch`: expected an inclusive range [min, max] of two numbers, such as [1, 2.5], found 2"#);
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nproducer = \"app\"\nrecords_per_batch = [1, \"2\"]\n")), @r#"x.toml:25:21: `records_per_batch`: expected an inclusive range [min, max] of two numbers, such as [1, 2.5], found [1, "2"]"#);
}

// `records_per_batch` wants its smaller bound first.
#[test]
fn records_per_batch_reversed() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nproducer = \"app\"\nrecords_per_batch = [4, 1.5]\n")), @r#"x.toml:25:21: `records_per_batch`: expected [min, max] with 0 ≤ min ≤ max, found [4, 1.5]"#);
}

// `batches` is a count, never negative.
#[test]
fn negative_batches() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nproducer = \"app\"\nbatches = -1\n")), @r#"x.toml:25:11: `batches`: expected an integer of at least 0, found -1"#);
}

// A producer expectation with nothing to check lists every producer key.
#[test]
fn producer_expectation_without_keys() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nproducer = \"app\"\n")), @r#"x.toml:23:1: nothing to check for producer "app": give `acked`, `failed`, `errors`, `batches`, `requests`, `records_per_batch`, `epoch` or `transaction_state`"#);
}

// Batch counts belong to a producer.
#[test]
fn batches_without_producer() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[expect]]\nrequests = 3\n")), @r#"x.toml:24:12: `requests` is checked on a producer: add producer = "app" to say which"#);
}

// A strict producer without serializers is refused as ConfigDef refuses it: key.serializer
// first, at the producer's table, and acks is said not to be required.
#[test]
fn strict_producer_without_serializers() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"app\"", "name = \"app\"\nrequired_configs = \"strict\"")), @r#"x.toml:11:1: producer "app" has required_configs = "strict" but no "key.serializer" in its config; the constructor throws Kafka's ConfigException: "Missing required configuration "key.serializer" which has no default value."; acks is not required, it defaults to "all""#);
}

// With serializers but no bootstrap.servers, Kafka 4.0's empty default is refused by the
// constructor; an acks given explicitly is not mentioned.
#[test]
fn strict_producer_without_bootstrap_servers() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"app\"", "name = \"app\"\nrequired_configs = \"strict\"\nconfig = { acks = \"all\", \"key.serializer\" = \"org.apache.kafka.common.serialization.StringSerializer\", \"value.serializer\" = \"org.apache.kafka.common.serialization.StringSerializer\" }")), @r#"x.toml:11:1: producer "app" has required_configs = "strict" but no "bootstrap.servers" in its config; the constructor throws Kafka's ConfigException: "No resolvable bootstrap urls given in bootstrap.servers" (bootstrap.servers defaults to an empty list)"#);
}

// Only value.serializer missing: it is the one named.
#[test]
fn strict_producer_without_value_serializer() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"app\"", "name = \"app\"\nrequired_configs = \"strict\"\nconfig = { \"bootstrap.servers\" = \"b1:9092\", \"key.serializer\" = \"org.apache.kafka.common.serialization.StringSerializer\" }")), @r#"x.toml:11:1: producer "app" has required_configs = "strict" but no "value.serializer" in its config; the constructor throws Kafka's ConfigException: "Missing required configuration "value.serializer" which has no default value."; acks is not required, it defaults to "all""#);
}

// required_configs takes two words only.
#[test]
fn unknown_required_configs_mode() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"app\"", "name = \"app\"\nrequired_configs = \"strcit\"")), @r#"x.toml:13:20: `required_configs`: expected "strict" or "lenient", found "strcit""#);
}

// A strict producer with the three required settings and no acks is valid: acks defaults to all.
#[test]
fn strict_producer_with_required_settings() {
    let text = BASE.replace("name = \"app\"", "name = \"app\"\nrequired_configs = \"strict\"\nconfig = { \"bootstrap.servers\" = \"b1:9092\", \"key.serializer\" = \"org.apache.kafka.common.serialization.StringSerializer\", \"value.serializer\" = \"org.apache.kafka.common.serialization.StringSerializer\" }");
    let scenario = parse(&text, "x.toml").expect("valid");
    assert_eq!(scenario.producers[0].config.acks, crate::config::Acks::All);
}

// A buffer.memory smaller than batch.size could never hold a batch: refused as Kafka's
// BufferPool would refuse every allocation.
#[test]
fn buffer_memory_below_batch_size() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"app\"", "name = \"app\"\nconfig = { \"buffer.memory\" = 1000 }")), @r#"x.toml:13:30: batch.size (16384) is larger than buffer.memory (1000), so no batch can ever be allocated; every send() throws IllegalArgumentException: "Attempt to allocate 16384 bytes, but there is a hard limit of 1000 on memory allocations.""#);
}

// `key` and `keys` exclude each other.
#[test]
fn key_and_keys() {
    insta::assert_snapshot!(error(&BASE.replace("count = 5", "count = 5, key = \"k\", keys = [\"a\"]")), @r#"x.toml:21:78: `key` and `keys` cannot both be given; `key = "k"` is short for `keys = ["k"]`"#);
}

// add_partitions must raise the count, as Kafka's CreatePartitions requires.
#[test]
fn partitions_never_shrink() {
    insta::assert_snapshot!(error(&format!("{BASE}\n[[steps]]\nat = \"1s\"\nadd_partitions = {{ topic = \"orders\", count = 2 }}\n")), @r#"x.toml:25:46: `count`: topic "orders" has 3 partitions at 1s, so the new total must be larger; Kafka refuses with InvalidPartitionsException: "The topic orders currently has 3 partition(s); 2 would not be an increase.""#);
}

// [[cluster]] where [cluster] belongs says both forms.
#[test]
fn table_given_as_array() {
    insta::assert_snapshot!(error(&BASE.replace("[cluster]\nbrokers = 3", "[[cluster]]\nbrokers = 3")), @r#"x.toml:3:1: `cluster`: expected a table, [cluster], found an array of tables, [[cluster]]"#);
}

// A key written twice is named.
#[test]
fn duplicate_key() {
    insta::assert_snapshot!(error(&BASE.replace("brokers = 3", "brokers = 3\nbrokers = 4")), @r#"x.toml:5:1: `brokers` is defined twice; a key may appear only once in its table"#);
}

// Bytes that are not UTF-8 are refused with the position of the first bad byte.
#[test]
fn not_utf8() {
    let err = parse_bytes(b"name = \"x\"\n[cluster]\nbrokers = \xff\n", "x.toml").unwrap_err();
    insta::assert_snapshot!(err, @"x.toml:3:11: expected UTF-8 text, found the byte 0xff; a scenario is a TOML text file");
}

// A binary file is refused at its first NUL byte rather than as a confusing TOML error.
#[test]
fn binary_file() {
    let err = parse_bytes(b"\x7fELF\x02\x01\x01\x00\x00", "x.toml").unwrap_err();
    insta::assert_snapshot!(err, @"x.toml:1:8: expected TOML text, found a NUL byte; is this a binary file?");
}

// The example of DESIGN.md parses into exactly the values it spells out.
#[test]
fn design_example_resolves() {
    let s = parse(EXAMPLE, "scenarios/example.toml").unwrap();
    assert_eq!(s.file, "scenarios/example.toml");
    assert_eq!(s.name, "acks=1 can lose an acknowledged record");
    assert_eq!(s.description, None);
    assert_eq!(s.facts, ["F17"]);
    assert_eq!(s.seed, Some(7));
    assert_eq!(s.duration, SimTime::from_secs(60));
    assert_eq!(s.brokers, 3);
    assert!(!s.broker_config.unclean_leader_election_enable);
    assert_eq!(s.broker_config.min_insync_replicas, 1);
    assert_eq!(s.network.latency_min, SimTime::from_millis(1));
    assert_eq!(s.network.latency_max, SimTime::from_millis(1));

    // The design example has a consumer group, so the cluster also has __consumer_offsets.
    let [orders, offsets] = s.topics.as_slice() else {
        panic!("one topic and __consumer_offsets")
    };
    assert!(offsets.internal && offsets.name == "__consumer_offsets");
    assert_eq!((offsets.partitions, offsets.replication_factor), (50, 3));
    assert_eq!(s.groups, ["g1"]);
    assert_eq!(orders.name, "orders");
    assert_eq!(orders.partitions, 1);
    assert_eq!(orders.replication_factor, 3);
    assert_eq!(orders.replicas, None);
    assert_eq!(orders.config.min_insync_replicas, 2);
    assert!(!orders.config.unclean_leader_election_enable);

    let [app] = s.producers.as_slice() else {
        panic!("one producer")
    };
    assert_eq!(app.name, "app");
    assert_eq!(app.config.acks, crate::config::Acks::One);
    assert!(!app.config.enable_idempotence);
    assert_eq!(app.config.linger_ms, 5);
    assert_eq!(app.config.delivery_timeout_ms, 120_000);

    let [reader] = s.consumers.as_slice() else {
        panic!("one consumer")
    };
    assert_eq!(reader.name, "reader");
    assert_eq!(reader.group.as_deref(), Some("g1"));
    assert_eq!(reader.config.group_id.as_deref(), Some("g1"));
    assert_eq!(reader.subscription, Subscription::Topics(vec![TopicId(0)]));
    assert_eq!(
        reader.config.auto_offset_reset,
        crate::config::OffsetReset::Earliest
    );
    assert!(reader.config.enable_auto_commit);
    assert_eq!(reader.start, SimTime::ZERO);

    let steps: Vec<(SimTime, &Action, u32)> = s
        .steps
        .iter()
        .map(|step| (step.at, &step.action, step.pos.line))
        .collect();
    assert_eq!(
        steps,
        [
            (
                SimTime::ZERO,
                &Action::Produce(ProduceSpec {
                    producer: ProducerIdx(0),
                    topic: TopicId(0),
                    count: 5,
                    keys: vec![Arc::from("k")],
                    value: None,
                    tombstone: false,
                    partition: None,
                    rate_per_sec: None,
                }),
                27
            ),
            (SimTime::from_millis(10), &Action::Crash(BrokerId(1)), 31),
            (
                SimTime::from_secs(1),
                &Action::Say(Narration::english(
                    "The leader died before its followers fetched the last record."
                )),
                35
            ),
        ]
    );
    assert_eq!(
        s.steps[0].pos,
        Pos {
            line: 27,
            column: 1
        }
    );

    let [lost, partition] = s.expectations.as_slice() else {
        panic!("two expectations")
    };
    assert_eq!(lost.at, None);
    assert_eq!(
        lost.pos,
        Pos {
            line: 39,
            column: 1
        }
    );
    assert_eq!(
        lost.subject,
        Subject::Ledger {
            acked_lost: Some(1),
            duplicated: None,
            reordered: None,
            moved_keys: None,
            reordered_as_consumed: None,
            removed: None,
        }
    );
    assert_eq!(partition.pos.line, 42);
    assert_eq!(
        partition.subject,
        Subject::Partition {
            lso: None,
            partition: TopicPartition::new(TopicId(0), 0),
            leader: Some(Some(BrokerId(2))),
            offline: None,
            isr: Some(vec![BrokerId(2), BrokerId(3)]),
            elr: None,
            high_watermark: None,
            leader_epoch: None,
            leo: BTreeMap::new(),
            log: BTreeMap::new(),
            log_start_offset: None,
            segments: None,
            offsets: None,
        }
    );
}

// Left out, the defaults are the format's: 60s, 1ms latency, count 1, start at 0s, and the
// broker's num.partitions and default.replication.factor for a topic.
#[test]
fn defaults() {
    let s = parse(
        r#"name = "defaults"
[cluster]
brokers = 2
config = { "num.partitions" = 4, "default.replication.factor" = 2 }
[[topics]]
name = "t"
[[producers]]
name = "p"
[[steps]]
at = "0s"
produce = { producer = "p", topic = "t" }
"#,
        "x.toml",
    )
    .unwrap();
    assert_eq!(s.duration, SimTime::from_secs(60));
    assert_eq!(s.network.latency_min, SimTime::from_millis(1));
    assert_eq!(s.topics[0].partitions, 4);
    assert_eq!(s.topics[0].replication_factor, 2);
    let Action::Produce(produce) = &s.steps[0].action else {
        panic!("a produce step")
    };
    assert_eq!(produce.count, 1);
    assert!(produce.keys.is_empty());
}

// Steps are sorted by time; steps at the same time keep their file order.
#[test]
fn steps_sorted_stably() {
    let s = parse(
        &format!(
            "{BASE}\n[[steps]]\nat = \"2s\"\nsay = \"b\"\n\n[[steps]]\nat = \"1s\"\nsay = \"a1\"\n\n\
             [[steps]]\nat = \"1s\"\nsay = \"a2\"\n"
        ),
        "x.toml",
    )
    .unwrap();
    let said: Vec<String> = s
        .steps
        .iter()
        .filter_map(|step| match &step.action {
            Action::Say(text) => Some(text.en.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(said, ["a1", "a2", "b"]);
}

// Every action and every expectation form resolves to its typed value.
#[test]
fn every_form_resolves() {
    let text = format!(
        r#"{BASE}
[[consumers]]
name = "pinned"
assign = ["orders-2", "orders-4"]
start = "1.5s"
config = {{ "enable.auto.commit" = "false" }}

[network]
latency = ["1ms", "3ms"]

[[steps]]
at = "1s"
produce = {{ producer = "app", topic = "orders", keys = ["a", "b"], value = "v", partition = 1, rate = "500/s", count = 4 }}
[[steps]]
at = "2s"
restart = 2
[[steps]]
at = "2s"
power_loss = 3
[[steps]]
at = "2s"
isolate = 1
[[steps]]
at = "3s"
partition = [[1], [2, 3]]
[[steps]]
at = "3s"
heal = true
[[steps]]
at = "3s"
slow = {{ broker = 2, latency = "200ms" }}
[[steps]]
at = "4s"
add_partitions = {{ topic = "orders", count = 5 }}
[[steps]]
at = "5s"
start = "reader"
[[steps]]
at = "5s"
stop = "app"

[[expect]]
at = "10s"
partition = "orders-4"
leader = -1
offline = true
leo = {{ 1 = 5, 2 = 4 }}
log = {{ 1 = ["app-0", "app-1"] }}
high_watermark = 4
leader_epoch = 2
[[expect]]
partition = "orders-0"
leader = "none"
[[expect]]
producer = "app"
acked = 4
failed = 1
errors = ["NOT_ENOUGH_REPLICAS", "TimeoutException"]
batches = 3
requests = 4
records_per_batch = [1, 2.5]
[[expect]]
consumer = "pinned"
received = 2
values = ["app-0", "app-1"]
assignment = ["orders-2", "orders-4"]
[[expect]]
duplicated = 0
reordered = 0
"#
    );
    let s = parse(&text, "x.toml").unwrap();
    assert_eq!(s.network.latency_min, SimTime::from_millis(1));
    assert_eq!(s.network.latency_max, SimTime::from_millis(3));
    let pinned = &s.consumers[1];
    assert_eq!(pinned.group, None);
    assert!(!pinned.config.enable_auto_commit);
    assert_eq!(pinned.start, SimTime::from_millis(1500));
    assert_eq!(
        pinned.subscription,
        Subscription::Partitions(vec![
            TopicPartition::new(TopicId(0), 2),
            TopicPartition::new(TopicId(0), 4)
        ])
    );
    let actions: Vec<&Action> = s.steps.iter().map(|step| &step.action).collect();
    assert_eq!(
        actions[1],
        &Action::Produce(ProduceSpec {
            producer: ProducerIdx(0),
            topic: TopicId(0),
            count: 4,
            keys: vec![Arc::from("a"), Arc::from("b")],
            value: Some(Arc::from("v")),
            tombstone: false,
            partition: Some(1),
            rate_per_sec: Some(500),
        })
    );
    assert_eq!(
        &actions[2..],
        [
            &Action::Restart(BrokerId(2)),
            &Action::PowerLoss(BrokerId(3)),
            &Action::Isolate(BrokerId(1)),
            &Action::Partition(vec![vec![BrokerId(1)], vec![BrokerId(2), BrokerId(3)]]),
            &Action::Heal,
            &Action::Slow {
                broker: BrokerId(2),
                latency: SimTime::from_millis(200)
            },
            &Action::AddPartitions {
                topic: TopicId(0),
                count: 5
            },
            &Action::Start(Client::Consumer(ConsumerIdx(0))),
            &Action::Stop(Client::Producer(ProducerIdx(0))),
        ]
    );
    let subjects: Vec<&Subject> = s.expectations.iter().map(|e| &e.subject).collect();
    assert_eq!(s.expectations[0].at, Some(SimTime::from_secs(10)));
    assert_eq!(
        subjects[0],
        &Subject::Partition {
            lso: None,
            partition: TopicPartition::new(TopicId(0), 4),
            leader: Some(None),
            offline: Some(true),
            isr: None,
            elr: None,
            high_watermark: Some(4),
            leader_epoch: Some(2),
            leo: BTreeMap::from([(BrokerId(1), 5), (BrokerId(2), 4)]),
            log: BTreeMap::from([(BrokerId(1), vec!["app-0".to_string(), "app-1".to_string()])]),
            log_start_offset: None,
            segments: None,
            offsets: None,
        }
    );
    assert!(matches!(
        subjects[1],
        Subject::Partition {
            leader: Some(None),
            ..
        }
    ));
    assert_eq!(
        subjects[2],
        &Subject::Producer {
            epoch: None,
            transaction_state: None,
            producer: ProducerIdx(0),
            acked: Some(4),
            failed: Some(1),
            errors: vec![
                "NOT_ENOUGH_REPLICAS".to_string(),
                "TimeoutException".to_string()
            ],
            batches: Some(3),
            requests: Some(4),
            records_per_batch: Some((1.0, 2.5)),
        }
    );
    assert_eq!(
        subjects[3],
        &Subject::Consumer {
            read_aborted: None,
            consumer: ConsumerIdx(1),
            received: Some(2),
            values: Some(vec!["app-0".to_string(), "app-1".to_string()]),
            assignment: Some(vec![
                TopicPartition::new(TopicId(0), 2),
                TopicPartition::new(TopicId(0), 4)
            ]),
            processed: None,
            idle: None,
            lag: BTreeMap::new(),
            records_lag_max: None,
            rebalances: None,
            errors: Vec::new(),
        }
    );
    assert_eq!(
        subjects[4],
        &Subject::Ledger {
            acked_lost: None,
            duplicated: Some(0),
            reordered: Some(0),
            moved_keys: None,
            reordered_as_consumed: None,
            removed: None,
        }
    );
}

// A partition added at 4s exists from then on, not before.
#[test]
fn added_partitions_exist_only_afterwards() {
    let grow = "\n[[steps]]\nat = \"4s\"\nadd_partitions = { topic = \"orders\", count = 5 }\n";
    let early = format!(
        "{BASE}{grow}\n[[steps]]\nat = \"3s\"\nproduce = {{ producer = \"app\", topic = \"orders\", partition = 4 }}\n"
    );
    assert_eq!(
        parse(&early, "x.toml").unwrap_err().message,
        "partition orders-4 does not exist; topic \"orders\" has 3 partitions, 0 to 2 at 3s"
    );
    let late = early.replace("at = \"3s\"", "at = \"4s\"");
    assert!(parse(&late, "x.toml").is_ok());
}

// Explicit replicas give the partition count and replication factor; topic names may hold
// dashes and digits, which partition names split at the last dash.
#[test]
fn explicit_replicas_and_dashed_topics() {
    let s = parse(
        r#"name = "r"
[cluster]
brokers = 3
[[topics]]
name = "my-topic-1"
replicas = [[3, 1], [1, 2]]
[[expect]]
partition = "my-topic-1-1"
isr = [1, 2]
"#,
        "x.toml",
    )
    .unwrap();
    let topic = &s.topics[0];
    assert_eq!((topic.partitions, topic.replication_factor), (2, 2));
    assert_eq!(
        topic.replicas,
        Some(vec![
            vec![BrokerId(3), BrokerId(1)],
            vec![BrokerId(1), BrokerId(2)]
        ])
    );
    assert!(matches!(
        s.expectations[0].subject,
        Subject::Partition { partition, .. } if partition == TopicPartition::new(TopicId(0), 1)
    ));
}

// Config values in a scenario may be strings holding numbers, as in a properties file, and
// acks may be an integer.
#[test]
fn config_value_forms() {
    let s = parse(
        &BASE.replace(
            "name = \"app\"",
            "name = \"app\"\nconfig = { acks = 0, \"linger.ms\" = \"20\", \"enable.idempotence\" = \"false\" }",
        ),
        "x.toml",
    )
    .unwrap();
    let config = &s.producers[0].config;
    assert_eq!(config.acks, crate::config::Acks::Zero);
    assert_eq!(config.linger_ms, 20);
    assert!(!config.enable_idempotence);
}

// Nothing panics, whatever the input: every truncation of a valid file, every byte replaced
// by a troublesome one, pseudo-random bytes, and deep nesting all give an error or a
// scenario.
#[test]
fn never_panics() {
    let try_parse = |bytes: &[u8]| {
        let outcome = std::panic::catch_unwind(|| parse_bytes(bytes, "x.toml"));
        assert!(
            outcome.is_ok(),
            "parse panicked on {:?}",
            String::from_utf8_lossy(bytes)
        );
    };
    for text in [EXAMPLE, BASE] {
        let bytes = text.as_bytes();
        for end in 0..=bytes.len() {
            try_parse(&bytes[..end]);
        }
        for at in 0..bytes.len() {
            for replacement in [
                b'[', b']', b'{', b'}', b'"', b'=', b'\n', b'0', b'-', b'9', b'.', b',', b'#',
                b' ', b'x', 0xff, 0,
            ] {
                let mut broken = bytes.to_vec();
                broken[at] = replacement;
                try_parse(&broken);
            }
        }
    }
    // A fixed xorshift stream, so that the test is the same on every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"[]{}\"'=,.-_ \n#abcdefgnmst0123456789";
    for _ in 0..2_000 {
        let len = (next() % 200) as usize;
        let garbage: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        try_parse(&garbage);
    }
    for depth in [100, 10_000] {
        try_parse(format!("name = {}{}", "[".repeat(depth), "]".repeat(depth)).as_bytes());
        try_parse(format!("[{}a]\nb = 1", "a.".repeat(depth)).as_bytes());
    }
    try_parse(b"name = \"x\"\n[cluster]\nbrokers = 9223372036854775807\n");
    try_parse(b"name = \"x\"\nduration = \"99999999999999999999h\"\n[cluster]\nbrokers = 1\n");
}

// Only group coordinators write __consumer_offsets; a scenario cannot produce to it.
#[test]
fn produce_to_internal_topic() {
    insta::assert_snapshot!(error(&BASE.replace("topic = \"orders\", count", "topic = \"__consumer_offsets\", count")), @"x.toml:21:39: cannot produce to __consumer_offsets: only group coordinators write it, and its partition count decides every group's coordinator");
}

// A consumer that assigns its partitions cannot change a subscription it does not have.
#[test]
fn subscribe_step_on_assigning_consumer() {
    let text = BASE.replace(
        "group = \"g1\"\nsubscribe = [\"orders\"]",
        "assign = [\"orders-0\"]",
    ) + "\n[[steps]]\nat = \"1s\"\nsubscribe = { consumer = \"reader\", topics = [\"orders\"] }\n";
    insta::assert_snapshot!(error(&text), @r#"x.toml:24:26: consumer "reader" assigns its partitions; only a consumer that subscribes (with a group) can change its subscription, and Kafka refuses to mix the two (IllegalStateException)"#);
}

// A commit needs a group to commit to.
#[test]
fn commit_without_group() {
    let text = BASE.replace(
        "group = \"g1\"\nsubscribe = [\"orders\"]",
        "assign = [\"orders-0\"]",
    ) + "\n[[steps]]\nat = \"1s\"\ncommit = \"reader\"\n";
    insta::assert_snapshot!(error(&text), @r#"x.toml:24:10: consumer "reader" has no group to commit to; give it `group`"#);
}

// Groups need __consumer_offsets, which a cluster smaller than an explicit
// offsets.topic.replication.factor cannot create; the message names the setting to change.
#[test]
fn offsets_topic_needs_enough_brokers() {
    insta::assert_snapshot!(error(&BASE.replace("brokers = 3", "brokers = 1\nconfig = { \"offsets.topic.replication.factor\" = 3 }").replace("replication_factor = 3", "replication_factor = 1")), @r#"x.toml:17:9: consumer group "g1" needs the internal topic __consumer_offsets, created with offsets.topic.replication.factor=3 replicas, but the cluster has 1 broker; Kafka cannot create it and answers COORDINATOR_NOT_AVAILABLE: set "offsets.topic.replication.factor" = 1 in [cluster] config"#);
}

// With the default offsets.topic.replication.factor, a small cluster's __consumer_offsets gets
// one replica per broker, so scenarios written before groups had a coordinator keep working.
#[test]
fn offsets_topic_shrinks_to_a_small_cluster() {
    let text = BASE
        .replace("brokers = 3", "brokers = 2")
        .replace("replication_factor = 3", "replication_factor = 2");
    let s = parse(&text, "x.toml").expect("parses");
    let offsets = s.topics.last().expect("__consumer_offsets");
    assert!(offsets.internal);
    assert_eq!(offsets.replication_factor, 2);
}

// A lesson that is also a scenario: `[lesson]` and `[[quiz]]` tables are accepted, `say` takes
// both languages, `ask` names a question of the file, and a question's `check` becomes an
// expectation tagged with its id.
const LESSON: &str = r#"
[lesson]
facts = ["F17"]
area = "replication"

[[quiz]]
id = "F17-1"
question = { en = "q", ko = "질문" }
answer = [2]
check = [{ at = "1s", partition = "orders-0", high_watermark = 5 }]

[[quiz]]
id = "F17-2"
question = { en = "q", ko = "질문" }
"#;

#[test]
fn lesson_scenario_parses() {
    let text = format!(
        "{BASE}\n[[steps]]\nat = \"1s\"\nsay = {{ en = \"Five records.\", ko = \"레코드 다섯 건.\" }}\n\n[[steps]]\nat = \"1s\"\nask = \"F17-2\"\n{LESSON}"
    );
    let s = parse(&text, "x.toml").expect("parses");
    assert_eq!(
        s.facts,
        ["F17"],
        "the lesson's facts when there are no top-level ones"
    );
    assert_eq!(
        s.steps[1].action,
        Action::Say(Narration {
            en: "Five records.".to_string(),
            ko: Some("레코드 다섯 건.".to_string()),
        })
    );
    assert_eq!(s.steps[2].action, Action::Ask("F17-2".to_string()));
    let check = s.expectations.last().expect("the quiz check");
    assert_eq!(check.quiz.as_deref(), Some("F17-1"));
    assert_eq!(check.at, Some(SimTime::from_secs(1)));
    assert_eq!((check.pos.line, check.pos.column), (39, 10));
}

// A plain string is English narration, as in format v1; Korean falls back to it.
#[test]
fn say_string_is_english() {
    let s = parse(
        &format!("{BASE}\n[[steps]]\nat = \"1s\"\nsay = \"Hi.\"\n"),
        "x.toml",
    )
    .unwrap();
    let Action::Say(line) = &s.steps[1].action else {
        panic!("a say step")
    };
    assert_eq!(line, &Narration::english("Hi."));
    assert_eq!(line.text(crate::scenario::Lang::Ko), "Hi.");
}

// A narration table needs both languages; a misspelt key is named with a suggestion, at the
// key's own line and column.
#[test]
fn say_table_errors() {
    let step = |say: &str| format!("{BASE}\n[[steps]]\nat = \"1s\"\nsay = {say}\n");
    insta::assert_snapshot!(error(&step("{ en = \"broken\", kr = \"한국어\" }")), @"x.toml:25:24: unknown key `kr` in `say`, did you mean `ko`? valid keys: `en`, `ko`");
    insta::assert_snapshot!(error(&step("{ en = \"Hi.\" }")), @r#"x.toml:25:7: `say` has no Korean line: missing `ko`; a narration table gives both, { en = "…", ko = "…" }"#);
    insta::assert_snapshot!(error(&step("{ en = \"Hi.\", ko = \" \" }")), @"x.toml:25:21: `say.ko`: expected narration, found an empty string");
    insta::assert_snapshot!(error(&step("3")), @r#"x.toml:25:7: `say`: expected a string or a table { en = "…", ko = "…" }, found 3"#);
}

// `ask` must name a question of the same file: the nearest id is suggested.
#[test]
fn ask_unknown_question() {
    let ask =
        |id: &str, quiz: &str| format!("{BASE}\n[[steps]]\nat = \"1s\"\nask = \"{id}\"\n{quiz}");
    insta::assert_snapshot!(error(&ask("F17-3", LESSON)), @r#"x.toml:25:7: `ask`: no [[quiz]] question has id "F17-3", did you mean "F17-1"?"#);
    insta::assert_snapshot!(error(&ask("F99-x", LESSON)), @r#"x.toml:25:7: `ask`: no [[quiz]] question has id "F99-x"; the ids are "F17-1", "F17-2""#);
    insta::assert_snapshot!(error(&ask("F17-1", "")), @r#"x.toml:25:7: `ask`: no [[quiz]] question has id "F17-1"; this file has no [[quiz]] questions"#);
}

// A question's `check` is read in the `[[expect]]` vocabulary, with its errors.
#[test]
fn quiz_check_errors() {
    let quiz = |check: &str| format!("{BASE}\n[[quiz]]\nid = \"F17-1\"\ncheck = {check}\n");
    insta::assert_snapshot!(error(&quiz("[{ at = \"1s\", partition = \"orders-9\", high_watermark = 3 }]")), @r#"x.toml:25:35: partition orders-9 does not exist; topic "orders" has 3 partitions, 0 to 2"#);
    insta::assert_snapshot!(error(&quiz("[]")), @r#"x.toml:25:9: `check`: expected at least one expectation, such as [{ at = "4s", partition = "orders-0", high_watermark = 3 }]"#);
    let unknown = error(&quiz("[{ at = \"1s\", partition = \"orders-0\", hw = 3 }]"));
    assert!(
        unknown.starts_with("x.toml:25:47: unknown key `hw` in `check`"),
        "{unknown}"
    );
    insta::assert_snapshot!(error(&format!("{BASE}\n[[quiz]]\ncheck = [{{ acked_lost = 0 }}]\n")), @r#"x.toml:23:1: missing `id` in [[quiz]], such as id = "F17-1""#);
}

// A duration past a day of simulated time is refused where it is written, not run for hours.
#[test]
fn absurd_duration() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"base\"\n", "name = \"base\"\nduration = \"876000h\"\n")), @r#"x.toml:2:12: `duration`: expected at most "24h" (a day of simulated time), found "876000h""#);
    insta::assert_snapshot!(error(&BASE.replace("name = \"base\"\n", "name = \"base\"\nduration = \"18446744073709551615us\"\n")), @r#"x.toml:2:12: `duration`: expected at most "24h" (a day of simulated time), found "18446744073709551615us""#);
    let day = BASE.replace("name = \"base\"\n", "name = \"base\"\nduration = \"24h\"\n");
    assert_eq!(parse(&day, "x.toml").unwrap().duration, MAX_DURATION);
}

// Produce steps that together send more records than a run can keep are refused before the
// run starts, at the step that crosses the limit.
#[test]
fn too_many_records_in_all() {
    let step = "[[steps]]\nat = \"0s\"\nproduce = { producer = \"app\", topic = \"orders\", count = 10000000 }\n";
    let text = format!("{BASE}{step}{step}{step}");
    insta::assert_snapshot!(error(&text), @"x.toml:30:11: the steps send 30000005 records up to here, more than the 30000000 a scenario may send: every record is followed from send to fate, and more would not fit in memory");
    assert!(parse(&format!("{BASE}{step}{step}"), "x.toml").is_ok());
}

// A transaction step needs a producer with a transactional.id, as Kafka's producer throws.
#[test]
fn transaction_step_needs_a_transactional_id() {
    insta::assert_snapshot!(error(&BASE.replace("produce = { producer = \"app\", topic = \"orders\", count = 5 }", "init_transactions = \"app\"")), @r#"x.toml:21:21: `init_transactions`: producer "app" has no transactional.id; Kafka's initTransactions() throws IllegalStateException: "Transactional method invoked on a non-transactional producer.""#);
}

// __transaction_state belongs to the transaction coordinators: not declared, not written.
#[test]
fn transaction_state_topic_is_internal() {
    insta::assert_snapshot!(error(&BASE.replace("name = \"orders\"", "name = \"__transaction_state\"")), @"x.toml:7:8: __transaction_state is Kafka's internal topic of transaction state; the cluster creates it for transactional producers, so a scenario cannot declare it");
}

// transaction_state names one of Kafka's TransactionState values.
#[test]
fn transaction_state_expectation_names_a_state() {
    let text = BASE.replace(
        "name = \"app\"",
        "name = \"app\"\nconfig = { \"transactional.id\" = \"t1\" }",
    ) + "\n[[expect]]\nproducer = \"app\"\ntransaction_state = \"Commited\"\n";
    insta::assert_snapshot!(error(&text), @r#"x.toml:26:21: `transaction_state`: expected one of Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort, PrepareEpochFence, Dead, found "Commited""#);
}

// A transactional producer makes the cluster create __transaction_state, shrunk to a small
// cluster's size, with min.insync.replicas from transaction.state.log.min.isr.
#[test]
fn transactional_producer_adds_transaction_state() {
    let text = BASE
        .replace("brokers = 3", "brokers = 1")
        .replace("replication_factor = 3", "replication_factor = 1")
        .replace(
            "name = \"app\"",
            "name = \"app\"\nconfig = { \"transactional.id\" = \"t1\" }",
        );
    let s = parse(&text, "x.toml").expect("valid");
    assert_eq!(s.transactional_ids, vec!["t1".to_string()]);
    let t = s.topics.last().expect("__transaction_state");
    assert_eq!(t.name, "__transaction_state");
    assert!(t.internal);
    assert_eq!((t.partitions, t.replication_factor), (50, 1));
    assert_eq!(t.config.min_insync_replicas, 1);
}

// `kafka_version`: an unknown release lists the supported ones; a number is refused with the
// string form to write instead.
#[test]
fn kafka_version_errors() {
    insta::assert_snapshot!(error(&BASE.replace("brokers = 3", "brokers = 3\nkafka_version = \"4.2\"")), @r#"x.toml:5:17: `kafka_version`: "4.2" is not a release ksim models; expected one of "0.10", "0.11", "1.0", "1.1", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "4.0", "4.1""#);
    insta::assert_snapshot!(error(&BASE.replace("brokers = 3", "brokers = 3\nkafka_version = 3.6")), @r#"x.toml:5:17: `kafka_version`: expected a release as a string, such as "3.6", found 3.6"#);
}

// `kafka_version` picks the release's rules; without it the cluster runs Kafka 4.0's, and
// before 0.11 unclean leader election is on unless the scenario says otherwise (KIP-106).
#[test]
fn kafka_version_sets_the_rules() {
    use crate::config::version::{KafkaVersion, Truncation};
    let parsed = |text: &str| parse(text, "x.toml").expect("valid");
    let newest = parsed(BASE);
    assert_eq!(
        newest.broker_config.behaviour.version,
        KafkaVersion::DEFAULT
    );
    assert!(!newest.topics[0].config.unclean_leader_election_enable);
    let old = parsed(&BASE.replace("brokers = 3", "brokers = 3\nkafka_version = \"0.10.2\""));
    assert_eq!(
        old.broker_config.behaviour.truncation,
        Truncation::HighWatermark
    );
    assert!(old.topics[0].config.unclean_leader_election_enable);
    let explicit = parsed(&BASE.replace(
        "brokers = 3",
        "brokers = 3\nkafka_version = \"0.10\"\nconfig = { \"unclean.leader.election.enable\" = false }",
    ));
    assert!(!explicit.topics[0].config.unclean_leader_election_enable);
}

// send_offsets names a transactional producer and a consumer in a group; each is checked
// where it is written.
#[test]
fn send_offsets_is_checked() {
    let step = "produce = { producer = \"app\", topic = \"orders\", count = 5 }";
    let transactional = BASE.replace(
        "name = \"app\"\n",
        "name = \"app\"\nconfig = { \"transactional.id\" = \"t\" }\n",
    );
    insta::assert_snapshot!(error(&BASE.replace(step, "send_offsets = { producer = \"app\", consumer = \"reader\" }")), @r#"x.toml:21:29: `send_offsets`: producer "app" has no transactional.id; Kafka's sendOffsetsToTransaction() throws IllegalStateException: "Transactional method invoked on a non-transactional producer.""#);
    insta::assert_snapshot!(error(&transactional.replace(step, "send_offsets = { producer = \"app\" }")), @r#"x.toml:22:16: `send_offsets`: missing `consumer`, whose positions and group metadata are sent"#);
    insta::assert_snapshot!(error(&transactional.replace("group = \"g1\"\nsubscribe = [\"orders\"]", "assign = [\"orders-0\"]").replace(step, "send_offsets = { producer = \"app\", consumer = \"reader\" }")), @r#"x.toml:21:47: consumer "reader" has no group whose offsets could be sent; give it `group`"#);
    insta::assert_snapshot!(error(&transactional.replace(step, "send_offsets = { producer = \"app\", consumer = \"reader\", group = \"g1\" }")), @r#"x.toml:22:57: unknown key `group` in `send_offsets`; valid keys: `producer`, `consumer`"#);
    assert!(
        parse(
            &transactional.replace(
                step,
                "send_offsets = { producer = \"app\", consumer = \"reader\" }"
            ),
            "x.toml"
        )
        .is_ok()
    );
}

// `[cluster] features`: eligible.leader.replicas.version is on by default from 4.1 (off in
// the default 4.0), may be set either way from 4.0, and does not exist before.
#[test]
fn elr_feature_follows_the_release_and_the_scenario() {
    let parsed = |text: &str| parse(text, "x.toml").expect("valid");
    let with = |extra: &str| BASE.replace("brokers = 3", &format!("brokers = 3\n{extra}"));
    let elr = |text: &str| {
        parsed(text)
            .broker_config
            .behaviour
            .eligible_leader_replicas
    };
    assert!(!elr(BASE), "the default 4.0 leaves ELR off");
    assert!(elr(&with("kafka_version = \"4.1\"")));
    assert!(elr(&with(
        "kafka_version = \"4.0\"\nfeatures = { \"eligible.leader.replicas.version\" = 1 }"
    )));
    assert!(!elr(&with(
        "kafka_version = \"4.1\"\nfeatures = { \"eligible.leader.replicas.version\" = 0 }"
    )));
    insta::assert_snapshot!(error(&with("features = { \"eligible.leader.replica.version\" = 1 }")), @r#"x.toml:5:14: unknown feature "eligible.leader.replica.version", did you mean "eligible.leader.replicas.version"?"#);
    insta::assert_snapshot!(error(&with("features = { \"eligible.leader.replicas.version\" = 2 }")), @r#"x.toml:5:51: `eligible.leader.replicas.version`: expected the feature level 0 or 1, found 2"#);
    insta::assert_snapshot!(error(&with("kafka_version = \"3.9\"\nfeatures = { \"eligible.leader.replicas.version\" = 1 }")), @r#"x.toml:6:14: `eligible.leader.replicas.version`: Kafka 3.9 has no such feature; eligible leader replicas (KIP-966) came with 4.0"#);
}
