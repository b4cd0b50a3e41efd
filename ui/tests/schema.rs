//! `ksim schema check`, `ksim schema validate` and `ksim connect-tasks` end to end on the
//! schemas shipped in scenarios/schemas: each compatibility mode with its verdict, reasons and
//! exit code in both languages (snapshots), the transitive modes against every older schema,
//! missing required attributes at file:line:col, and bad input (exit 2).

mod common;

use common::{ksim_with, stderr, stdout};

const SCHEMAS: &str = "../scenarios/schemas";

/// Runs ksim and returns (exit code, standard output), with the schema directory shortened.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = ksim_with(args, &[], "");
    assert!(
        out.status.code() == Some(2) || stderr(&out).is_empty(),
        "{}",
        stderr(&out)
    );
    (out.status.code(), stdout(&out).replace(SCHEMAS, "schemas"))
}

fn schema(name: &str) -> String {
    format!("{SCHEMAS}/{name}.avsc")
}

fn check(mode: &str, names: &[&str], lang: &str) -> (Option<i32>, String) {
    let paths: Vec<String> = names.iter().map(|name| schema(name)).collect();
    let mut args = vec!["schema", "check", "--mode", mode, "--lang", lang];
    args.extend(paths.iter().map(String::as_str));
    run(&args)
}

// Each mode's verdict on the lessons' examples: adding an optional field is FULL; removing a
// field without a default is BACKWARD only; adding one without a default FORWARD only; an
// int turned string neither. Exit 0 compatible, 1 incompatible.
#[test]
fn verdicts_and_exit_codes() {
    let cases = [
        ("full", &["user-v1", "user-v2-optional-email"], 0),
        ("backward", &["user-v1", "user-v2-without-age"], 0),
        ("forward", &["user-v1", "user-v2-without-age"], 1),
        ("full", &["user-v1", "user-v2-without-age"], 1),
        ("forward", &["user-v1", "user-v2-required-email"], 0),
        ("backward", &["user-v1", "user-v2-required-email"], 1),
        ("backward", &["user-v1", "user-v2-age-as-string"], 1),
        ("forward", &["user-v1", "user-v2-age-as-string"], 1),
        ("none", &["user-v1", "user-v2-age-as-string"], 0),
        (
            "full",
            &["payment-v1", "payment-v2-currency-with-default"],
            0,
        ),
        ("FULL", &["payment-v1", "payment-amount-as-string"], 1),
    ];
    for (mode, names, code) in cases {
        let (found, text) = check(mode, names, "en");
        assert_eq!(found, Some(code), "{mode} {names:?}:\n{text}");
        let last = text.lines().last().unwrap();
        let verdict = if code == 0 {
            "compatible"
        } else {
            "incompatible: "
        };
        assert!(last.starts_with(verdict), "{mode} {names:?}: {last}");
    }
}

// The texts, in English and Korean, for a compatible and an incompatible change.
#[test]
fn check_texts() {
    for lang in ["en", "ko"] {
        let (_, full) = check("full", &["user-v1", "user-v2-without-age"], lang);
        insta::assert_snapshot!(format!("check_full_without_age_{lang}"), full);
        let (_, types) = check("backward", &["user-v1", "user-v2-age-as-string"], lang);
        insta::assert_snapshot!(format!("check_backward_age_as_string_{lang}"), types);
    }
}

// BACKWARD compares the new schema with the latest only; BACKWARD_TRANSITIVE with every older
// one, and v3 (age back as a string) cannot read v1's int age.
#[test]
fn transitive_modes_check_every_older_schema() {
    let versions = [
        "user-v1",
        "user-v2-without-age",
        "user-v3-age-back-as-string",
    ];
    let (code, latest) = check("backward", &versions, "en");
    assert_eq!(code, Some(0), "{latest}");
    assert!(
        latest.contains(
            "(1 older schema not checked: BACKWARD compares with the latest version only"
        ),
        "{latest}"
    );
    let (code, all) = check("backward_transitive", &versions, "en");
    assert_eq!(code, Some(1), "{all}");
    insta::assert_snapshot!(all);
}

// The JSON form lists each reader/writer check with its reason.
#[test]
fn check_json() {
    let (code, text) = run(&[
        "schema",
        "check",
        "--mode",
        "forward_transitive",
        "--format",
        "json",
        &schema("user-v1"),
        &schema("user-v2-optional-email"),
        &schema("user-v2-required-email"),
    ]);
    assert_eq!(code, Some(0), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["mode"], "forward_transitive");
    assert_eq!(json["compatible"], true);
    assert_eq!(json["checks"].as_array().unwrap().len(), 2);
    assert_eq!(
        json["checks"][0]["reader"],
        "schemas/user-v2-optional-email.avsc"
    );
    assert_eq!(json["checks"][0]["reason"], serde_json::Value::Null);
}

// F42: a record without name (and a field without type) is reported at its line and column,
// in both languages, exit 1; one without namespace and doc is valid, exit 0.
#[test]
fn validate() {
    for lang in ["en", "ko"] {
        let (code, text) = run(&[
            "schema",
            "validate",
            &schema("payment-missing-name"),
            "--lang",
            lang,
        ]);
        assert_eq!(code, Some(1), "{text}");
        insta::assert_snapshot!(format!("validate_missing_name_{lang}"), text);
    }
    let (code, text) = run(&[
        "schema",
        "validate",
        &schema("user-no-namespace"),
        "--lang",
        "en",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        text,
        "schemas/user-no-namespace.avsc: valid record User, 2 fields; namespace not given, doc \
         not given (both optional)\nF42: a record needs \"name\" and \"fields\"; \"namespace\" \
         and \"doc\" are optional\n"
    );
}

/// Runs ksim with bad input and returns its error, checking exit code 2 and no output.
fn refused(args: &[&str], dir: &common::TempDir) -> String {
    let out = ksim_with(args, &[], "");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    stderr(&out)
        .replace(dir.path(), "TMP")
        .replace(SCHEMAS, "schemas")
}

// Files that cannot be read, are not JSON or are not Avro exit 2 with where and why.
#[test]
fn bad_input_exits_2() {
    let dir = common::TempDir::new("schema-bad");
    let write = |name: &str, text: &str| {
        let path = dir.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let not_json = write(
        "not-json.avsc",
        "{\n  \"type\": \"record\",\n  \"name\" \"X\"\n}\n",
    );
    let not_avro = write(
        "not-avro.avsc",
        "{\"type\": \"recrod\", \"name\": \"X\", \"fields\": []}",
    );
    let v1 = schema("user-v1");
    assert_eq!(
        refused(&["schema", "check", "--mode", "full", &v1, &not_json], &dir),
        "error: TMP/not-json.avsc:3:10: not JSON: expected `:`\n"
    );
    assert_eq!(
        refused(&["schema", "validate", &not_json], &dir),
        "error: TMP/not-json.avsc:3:10: not JSON: expected `:`\n"
    );
    let avro = refused(&["schema", "check", "--mode", "full", &v1, &not_avro], &dir);
    assert!(
        avro.starts_with("error: TMP/not-avro.avsc: not a valid Avro schema: "),
        "{avro}"
    );
    let missing = refused(
        &[
            "schema",
            "check",
            "--mode",
            "full",
            &v1,
            &schema("payment-missing-name"),
        ],
        &dir,
    );
    assert_eq!(
        missing,
        "error: schemas/payment-missing-name.avsc:1:1: not a valid Avro schema: record is \
         missing \"name\", which the Avro specification requires (ksim schema validate \
         schemas/payment-missing-name.avsc lists every problem)\n"
    );
    let absent = refused(&["schema", "validate", "nope.avsc"], &dir);
    assert_eq!(
        absent,
        "error: nope.avsc does not exist; expected an Avro schema file (.avsc)\n"
    );
    let one = ksim_with(&["schema", "check", "--mode", "full", &v1], &[], "");
    assert_eq!(one.status.code(), Some(2));
    let mode = ksim_with(
        &["schema", "check", "--mode", "sideways", &v1, &v1],
        &[],
        "",
    );
    assert_eq!(mode.status.code(), Some(2));
}

// F29: with fewer tables than tasks.max one task per table runs; more tables are split into
// contiguous runs, the first tasks one larger.
#[test]
fn connect_tasks() {
    let (code, text) = run(&["connect-tasks", "--tables", "3", "--tasks-max", "5"]);
    assert_eq!(code, Some(0));
    insta::assert_snapshot!(text);
    let (code, json) = run(&[
        "connect-tasks",
        "--tables",
        "7",
        "--tasks-max",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "tables": 7,
            "tasks_max": 3,
            "task_count": 3,
            "tasks": [["t1", "t2", "t3"], ["t4", "t5"], ["t6", "t7"]],
        })
    );
    let (code, none) = run(&["connect-tasks", "--tables", "0", "--tasks-max", "2"]);
    assert_eq!(code, Some(0));
    assert!(none.contains("no tables"), "{none}");
    let zero = ksim_with(
        &["connect-tasks", "--tables", "3", "--tasks-max", "0"],
        &[],
        "",
    );
    assert_eq!(zero.status.code(), Some(2));
}
