//! Topics that come and go (R11): a topic deleted and created again is a new topic, so a broker
//! that was away meanwhile drops its replica of the old one and copies the new one.

// A broker down while its topic is deleted and auto-created again comes back to the new topic:
// its old log goes (the topic ID differs, KIP-516) and it replicates the new records.
#[test]
fn a_recreated_topic_replaces_a_stale_replica() {
    let text = r#"
name = "recreate"
seed = 1
duration = "60s"
[cluster]
brokers = 3
[[producers]]
name = "app"
[[steps]]
at = "0s"
create_topic = { name = "t", partitions = 1, replication_factor = 3, replicas = [[1, 2, 3]] }
[[steps]]
at = "1s"
produce = { producer = "app", topic = "t", count = 3 }
[[steps]]
at = "5s"
crash = 3
[[steps]]
at = "20s"
delete_topic = "t"
[[steps]]
at = "25s"
produce = { producer = "app", topic = "t", count = 5 }
[[steps]]
at = "35s"
restart = 3
[[expect]]
partition = "t-0"
isr = [1, 2, 3]
log = { 1 = ["app-3", "app-4", "app-5", "app-6", "app-7"], 3 = ["app-3", "app-4", "app-5", "app-6", "app-7"] }
[[expect]]
removed = 3
acked_lost = 0
"#;
    ksim_tests::run_text_expecting_success(text, "recreate.toml");
}
