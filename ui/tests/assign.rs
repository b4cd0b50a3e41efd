//! `ksim assign` end to end: the F10 example as a table and as JSON, static members, the
//! sticky strategies with previous owners, and exit code 2 with a one-line message for every
//! kind of bad input.

mod common;

use common::{ksim, stderr, stdout};

const F10: [&str; 11] = [
    "assign",
    "--strategy",
    "roundrobin",
    "--member",
    "C1:t1,t2",
    "--member",
    "C2:t1,t2",
    "--topic",
    "t1:3",
    "--topic",
    "t2:3",
];

// F10: RoundRobin over t1 and t2 with 3 partitions each gives C1 t1-0, t1-2, t2-1 and C2
// t1-1, t2-0, t2-2.
#[test]
fn f10_as_a_table() {
    let out = ksim(&F10);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        text.starts_with(
            "strategy: roundrobin (org.apache.kafka.clients.consumer.RoundRobinAssignor)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\nC1      -         t1,t2         t1-0 t1-2 t2-1      3\n"),
        "{text}"
    );
    assert!(
        text.contains("\nC2      -         t1,t2         t1-1 t2-0 t2-2      3\n"),
        "{text}"
    );
    assert!(
        text.contains("order: static members by group.instance.id"),
        "{text}"
    );
}

// The same calculation as JSON, exactly.
#[test]
fn f10_as_json() {
    let mut args = F10.to_vec();
    args.extend(["--format", "json"]);
    let out = ksim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"C1\": [\"t1-0\", \"t1-2\", \"t2-1\"], \"C2\": [\"t1-1\", \"t2-0\", \"t2-2\"]}\n"
    );
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert_eq!(parsed["C2"][1], "t2-0");
}

// Range is the default; static members come first (R9.1), and members beyond the partition
// count are idle (F09).
#[test]
fn range_default_with_static_member_and_idle_member() {
    let out = ksim(&[
        "assign", "--member", "c2:t", "--member", "c10:t", "--member", "z@i1:t", "--topic", "t:2",
        "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"z\": [\"t-0\"], \"c10\": [\"t-1\"], \"c2\": []}\n"
    );

    let out = ksim(&[
        "assign", "--member", "c2:t", "--member", "c10:t", "--member", "z@i1:t", "--topic", "t:2",
    ]);
    let text = stdout(&out);
    assert!(text.contains("strategy: range"), "{text}");
    assert!(
        text.contains("c2      -         t             (idle)          0"),
        "{text}"
    );
    assert!(text.contains("(F09)"), "{text}");
}

// Sticky keeps previous owners: c3 joins and takes one partition from each of the others,
// which keep the rest; CooperativeSticky holds those two back for the follow-up rebalance.
#[test]
fn sticky_strategies_with_previous_owners() {
    let group = [
        "--member",
        "c1:t1,t2",
        "--member",
        "c2:t1,t2",
        "--member",
        "c3:t1,t2",
        "--topic",
        "t1:3",
        "--topic",
        "t2:3",
        "--owned",
        "c1=t1-0,t1-1,t1-2",
        "--owned",
        "c2=t2-0,t2-1,t2-2",
    ];
    let mut args = vec!["assign", "--strategy", "sticky", "--format", "json"];
    args.extend(group);
    let out = ksim(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "{\"c1\": [\"t1-0\", \"t1-1\"], \"c2\": [\"t2-0\", \"t2-1\"], \"c3\": [\"t1-2\", \"t2-2\"]}\n"
    );

    let mut args = vec!["assign", "--strategy", "cooperative-sticky"];
    args.extend(group);
    let out = ksim(&args);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        text.contains("c3      -         t1,t2         (idle)          0"),
        "{text}"
    );
    assert!(
        text.contains(
            "revoked now, assigned in the follow-up rebalance: t1-2 (c1 -> c3) t2-2 (c2 -> c3)"
        ),
        "{text}"
    );
}

// Bad input: one line on standard error, nothing on standard output, exit code 2.
#[test]
fn bad_input_exits_2_with_one_line() {
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "assign",
                "--strategy",
                "fair",
                "--member",
                "c1:t",
                "--topic",
                "t:1",
            ],
            "error: unknown strategy \"fair\": expected one of range, roundrobin, sticky, cooperative-sticky (or Kafka's class name)",
        ),
        (
            &["assign", "--member", "c1", "--topic", "t:1"],
            "error: malformed --member \"c1\": expected MEMBER[@INSTANCE]:TOPIC[,TOPIC...], e.g. c1:t1,t2 or c1@i1:t1",
        ),
        (
            &["assign", "--member", "c1:t", "--topic", "t"],
            "error: malformed --topic \"t\": expected TOPIC:PARTITIONS, e.g. t1:3",
        ),
        (
            &["assign", "--member", "c1:t,u", "--topic", "t:1"],
            "error: member c1 subscribes to u, which has no --topic u:N; the topics are t",
        ),
        (
            &[
                "assign", "--member", "c1:t", "--member", "c1:t", "--topic", "t:1",
            ],
            "error: duplicate member c1",
        ),
        (
            &[
                "assign",
                "--strategy",
                "sticky",
                "--member",
                "c1:t",
                "--topic",
                "t:2",
                "--owned",
                "c1=t-7",
            ],
            "error: --owned c1=t-7: t-7 does not exist; t has partitions 0 to 1",
        ),
    ];
    for (args, message) in cases {
        let out = ksim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&out), format!("{message}\n"), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    // Missing required flags are clap's usage errors, also exit 2.
    let out = ksim(&["assign", "--member", "c1:t"]);
    assert_eq!(out.status.code(), Some(2));
}
