//! Transactions across the whole system: the coordinator aborts a transaction left open past
//! `transaction.timeout.ms` and fences its producer; a coordinator that fails over resumes a
//! transaction from `__transaction_state`; and both repeat byte for byte with every invariant
//! (read_committed isolation, the LSO below open transactions) checked after every event.

use std::sync::Arc;

use ksim_tests::{run_checked, run_text_expecting_success};

const CLUSTER: &str = r#"
[network]
latency = "1ms"

[cluster]
brokers = 3

[[topics]]
name = "orders"
partitions = 1
replication_factor = 3
replicas = [[1, 2, 3]]

[[producers]]
name = "app"
config = { "transactional.id" = "app-txn", "transaction.timeout.ms" = 5000 }

[[consumers]]
name = "reader"
assign = ["orders-0"]
config = { "auto.offset.reset" = "earliest", "isolation.level" = "read_committed" }

[[steps]]
at = "0s"
init_transactions = "app"

[[steps]]
at = "1s"
begin_transaction = "app"

[[steps]]
at = "1s"
produce = { producer = "app", topic = "orders", count = 3 }
"#;

// A transaction open longer than transaction.timeout.ms (5 s here) is aborted at the next
// check (every 10 s by default) under a bumped epoch: the LSO catches up with the high
// watermark, a read_committed reader gets nothing, and the producer's late commit is fenced.
#[test]
fn a_transaction_left_open_past_its_timeout_is_aborted() {
    let text = format!(
        "name = \"timeout\"\nduration = \"20s\"\n{CLUSTER}
[[expect]]
at = \"9s\"
partition = \"orders-0\"
lso = 0

[[expect]]
at = \"9s\"
producer = \"app\"
transaction_state = \"Ongoing\"

[[steps]]
at = \"15s\"
commit_transaction = \"app\"

[[expect]]
partition = \"orders-0\"
high_watermark = 4
lso = 4

[[expect]]
producer = \"app\"
transaction_state = \"CompleteAbort\"
errors = [\"PRODUCER_FENCED\"]

[[expect]]
consumer = \"reader\"
received = 0
"
    );
    let world = run_text_expecting_success(&text, "timeout.toml");
    let trace = world.trace().to_text();
    assert!(
        trace.contains("open longer than transaction.timeout.ms=5000"),
        "the coordinator says why it aborts:\n{trace}"
    );
}

// The coordinator's broker crashes while the transaction is open: once the controller moves
// the __transaction_state partition, the new leader loads the transaction (Ongoing) from its
// copy of the log, and the producer's commit, retried until it finds it, completes there.
#[test]
fn a_new_coordinator_resumes_the_transaction_from_the_log() {
    let crash = ksim::scenario::parse(&format!("name = \"probe\"\n{CLUSTER}"), "probe.toml")
        .expect("valid");
    let world = run_checked(Arc::new(crash), None);
    let coordinator = world
        .transaction_coordinator("app-txn")
        .expect("a coordinator holds app-txn")
        .0;
    // orders-0 is led elsewhere, so that the crash moves only the coordinator.
    let others: Vec<String> = (1..=3u32)
        .filter(|b| *b != coordinator)
        .map(|b| b.to_string())
        .collect();
    let cluster = CLUSTER.replace(
        "replicas = [[1, 2, 3]]",
        &format!("replicas = [[{}, {coordinator}]]", others.join(", ")),
    );
    let text = format!(
        "name = \"failover\"\nduration = \"30s\"\n{cluster}
[[steps]]
at = \"1.5s\"
crash = {coordinator}

[[steps]]
at = \"2s\"
commit_transaction = \"app\"

[[expect]]
producer = \"app\"
transaction_state = \"CompleteCommit\"
epoch = 0

[[expect]]
consumer = \"reader\"
values = [\"app-0\", \"app-1\", \"app-2\"]
read_aborted = 0
"
    );
    let first = run_text_expecting_success(&text, "failover.toml");
    let trace = first.trace().to_text();
    assert!(
        trace.contains("transaction app-txn: (log) → Ongoing"),
        "the new coordinator loads the open transaction:\n{trace}"
    );
    let again = run_text_expecting_success(&text, "failover.toml");
    assert_eq!(
        trace,
        again.trace().to_text(),
        "the run repeats byte for byte"
    );
}

// The log cleaner compacts a topic that holds transaction markers: each marker stays (it has
// no client key to be superseded by), and a read_committed reader still skips the aborted
// records after compaction.
#[test]
fn compaction_keeps_transaction_markers() {
    let text = r#"name = "compacted transactions"
duration = "20s"

[network]
latency = "1ms"

[cluster]
brokers = 1
config = { "log.cleaner.backoff.ms" = 100, "transaction.state.log.replication.factor" = 1, "transaction.state.log.min.isr" = 1 }

[[topics]]
name = "prices"
partitions = 1
replication_factor = 1
config = { "cleanup.policy" = "compact", "segment.ms" = 100, "min.cleanable.dirty.ratio" = 0.01 }

[[producers]]
name = "app"
config = { "transactional.id" = "prices-txn" }

[[consumers]]
name = "reader"
assign = ["prices-0"]
start = "10s"
config = { "auto.offset.reset" = "earliest", "isolation.level" = "read_committed" }

[[steps]]
at = "0s"
init_transactions = "app"

[[steps]]
at = "1s"
begin_transaction = "app"

[[steps]]
at = "1s"
produce = { producer = "app", topic = "prices", keys = ["a", "b"], count = 4 }

[[steps]]
at = "2s"
commit_transaction = "app"

[[steps]]
at = "3s"
begin_transaction = "app"

[[steps]]
at = "3s"
produce = { producer = "app", topic = "prices", keys = ["c"], count = 2 }

[[steps]]
at = "4s"
abort_transaction = "app"

[[steps]]
at = "5s"
begin_transaction = "app"

[[steps]]
at = "5s"
produce = { producer = "app", topic = "prices", keys = ["a"], count = 1 }

[[steps]]
at = "6s"
commit_transaction = "app"

[[expect]]
consumer = "reader"
read_aborted = 0
values = ["app-3", "app-6"]
"#;
    let world = run_text_expecting_success(text, "compacted.toml");
    let trace = world.trace().to_text();
    assert!(trace.contains("compacted"), "the cleaner ran:\n{trace}");
    assert_eq!(
        trace.matches("marker at offset").count(),
        3,
        "three transactions, three markers:\n{trace}"
    );
}

// KIP-447 at work end to end: offsets sent with a generation the group coordinator does not
// hold (the consumer is still in its first rebalance, which waits
// group.initial.rebalance.delay.ms) are ILLEGAL_GENERATION; the producer takes it as an
// abortable CommitFailedException, commit_transaction aborts, and neither the output nor the
// offsets become visible.
#[test]
fn offsets_of_a_stale_generation_abort_the_transaction() {
    let text = r#"name = "stale generation"
duration = "10s"

[network]
latency = "1ms"

[cluster]
brokers = 3

[[topics]]
name = "in"
partitions = 1
replication_factor = 3

[[topics]]
name = "out"
partitions = 1
replication_factor = 3

[[producers]]
name = "app"
config = { "transactional.id" = "etl-app" }

[[consumers]]
name = "worker"
group = "etl"
subscribe = ["in"]
config = { "enable.auto.commit" = false }

[[consumers]]
name = "reader"
assign = ["out-0"]
config = { "auto.offset.reset" = "earliest", "isolation.level" = "read_committed" }

[[steps]]
at = "0s"
init_transactions = "app"

[[steps]]
at = "1s"
begin_transaction = "app"

[[steps]]
at = "1s"
produce = { producer = "app", topic = "out", count = 2 }

[[steps]]
at = "1s"
send_offsets = { producer = "app", consumer = "worker" }

[[steps]]
at = "2s"
commit_transaction = "app"

[[expect]]
producer = "app"
transaction_state = "CompleteAbort"
errors = ["ILLEGAL_GENERATION", "CommitFailedException"]

[[expect]]
consumer = "reader"
received = 0

[[expect]]
group = "etl"
committed = {}
"#;
    let world = run_text_expecting_success(text, "stale.toml");
    let trace = world.trace().to_text();
    assert!(
        trace.contains("TxnOffsetCommit answered ILLEGAL_GENERATION"),
        "the producer says why the transaction cannot commit:\n{trace}"
    );
}
