//! `ksim quiz` and `ksim learn` end to end on the fixture lessons: scripted sessions in both
//! languages (snapshots), answers typed on standard input, the language from the locale, the
//! progress file in a temporary XDG_DATA_HOME (saved, read back, a corrupt one set aside), and
//! `ksim check` skipping lesson files.

mod common;

use common::{TempDir, ksim_with, stderr, stdout};

const LESSONS: &str = "tests/fixtures/lessons";

fn quiz(extra: &[&str], env: &[(&str, &str)], stdin: &str) -> std::process::Output {
    let mut args = vec!["quiz", "--lessons", LESSONS];
    args.extend_from_slice(extra);
    ksim_with(&args, env, stdin)
}

/// A scripted session: seed 7 asks F17-1, F29-1, F22-1, F22-2 in that order; the answers are
/// right, wrong, right, wrong.
const SCRIPT: &[&str] = &["--seed", "7", "--answers", "1,2,3,2+4", "--no-save"];

// The scripted session as text, in English and in Korean: the seed, each question with its
// shuffled choices, the verdicts, the score and the review of the wrong answers.
#[test]
fn scripted_session_text() {
    for lang in ["en", "ko"] {
        let dir = TempDir::new(&format!("quiz-text-{lang}"));
        let mut args = SCRIPT.to_vec();
        args.extend(["--lang", lang]);
        let out = quiz(&args, &[("XDG_DATA_HOME", dir.path())], "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{}", stderr(&out));
        insta::assert_snapshot!(format!("scripted_session_text_{lang}"), stdout(&out));
        assert!(!dir.0.join("ksim").exists(), "--no-save writes nothing");
    }
}

// The same session as JSON in both languages: the questions as shown, the right and the given
// answers by their shown numbers, and the score.
#[test]
fn scripted_session_json() {
    for lang in ["en", "ko"] {
        let dir = TempDir::new(&format!("quiz-json-{lang}"));
        let mut args = SCRIPT.to_vec();
        args.extend(["--lang", lang, "--format", "json"]);
        let out = quiz(&args, &[("XDG_DATA_HOME", dir.path())], "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["right"], 2);
        assert_eq!(json["asked"], 4);
        insta::assert_snapshot!(format!("scripted_session_json_{lang}"), stdout(&out));
    }
}

// The list of lessons in Korean, before any progress: every lesson not started.
#[test]
fn learn_list_in_korean() {
    let dir = TempDir::new("learn-list-ko");
    let out = ksim_with(
        &["learn", "--list", "--lessons", LESSONS, "--lang", "ko"],
        &[("XDG_DATA_HOME", dir.path())],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
    assert!(!dir.0.join("ksim").exists(), "listing writes nothing");
}

// Another seed gives another order, and the same seed the same one.
#[test]
fn seed_orders_questions() {
    let ids = |seed: &str| -> Vec<String> {
        let out = quiz(
            &[
                "--seed",
                seed,
                "--facts",
                "F17,F29",
                "--format",
                "json",
                "--no-save",
            ],
            &[],
            "1\n1\n",
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let questions = json["questions"].as_array().unwrap();
        questions
            .iter()
            .map(|q| {
                let choices: Vec<String> = q["choices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect();
                format!("{} {}", q["id"], choices.join("|"))
            })
            .collect()
    };
    assert_eq!(ids("7"), ids("7"));
    assert_ne!(ids("7"), ids("8"));
}

// Answers typed on standard input: a bad answer is asked again, `2 4` answers a choose-two
// question, and the end of the input ends the session with the score so far.
#[test]
fn typed_answers_from_a_pipe() {
    let dir = TempDir::new("quiz-typed");
    let out = quiz(
        &["--seed", "7", "--count", "4", "--lang", "en"],
        &[("XDG_DATA_HOME", dir.path())],
        "9\n1\nx\n3\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("answer: 9\n  expects one choice from 1 to 4\n"),
        "{text}"
    );
    assert!(
        text.contains("score: 2 of 2 right\n(stopped after 2 of 4 questions)"),
        "{text}"
    );
    let saved = std::fs::read_to_string(dir.0.join("ksim/progress.json")).unwrap();
    let progress: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(progress["sessions"], 1);
    assert_eq!(progress["questions"]["F17-1"]["right"], 1);
    assert_eq!(progress["questions"]["F29-1"]["box"], 2);
    assert!(progress["questions"].get("F22-1").is_none());
}

// The language follows LC_ALL, then LC_MESSAGES, then LANG; ko… is Korean.
#[test]
fn language_from_the_locale() {
    let first_line = |env: &[(&str, &str)]| {
        let out = quiz(SCRIPT, env, "");
        stdout(&out).lines().nth(2).unwrap_or("").to_string()
    };
    assert_eq!(
        first_line(&[("LANG", "ko_KR.UTF-8")]),
        "문제 1/4  [F17-1, 하나 고르기]"
    );
    assert_eq!(
        first_line(&[("LANG", "ko_KR.UTF-8"), ("LC_ALL", "C")]),
        "question 1/4  [F17-1, one answer]"
    );
    assert_eq!(
        first_line(&[("LC_MESSAGES", "ko_KR"), ("LANG", "en_US")]),
        "문제 1/4  [F17-1, 하나 고르기]"
    );
    assert_eq!(first_line(&[]), "question 1/4  [F17-1, one answer]");
}

// Progress is saved in XDG_DATA_HOME/ksim/progress.json, read back by `ksim learn --list`,
// and a question answered wrong comes first in the next session.
#[test]
fn progress_is_saved_and_used() {
    let dir = TempDir::new("quiz-progress");
    let env = [("XDG_DATA_HOME", dir.path())];
    let out = quiz(&["--seed", "7", "--answers", "1,2,3,2+4"], &env, "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = dir.0.join("ksim/progress.json");
    assert!(
        stdout(&out).ends_with(&format!("progress saved in {}\n", path.display())),
        "{}",
        stdout(&out)
    );
    let progress: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(progress["sessions"], 1);
    assert_eq!(progress["questions"]["F29-1"]["wrong"], 1);
    assert_eq!(progress["questions"]["F22-1"]["box"], 2);

    let list = ksim_with(&["learn", "--list", "--lessons", LESSONS], &env, "");
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    insta::assert_snapshot!(stdout(&list).replace(LESSONS, "LESSONS"));

    // Session 2: F29-1 and F22-2 (wrong, box 1) are due; the right ones (box 2) are not.
    let next = quiz(
        &[
            "--seed",
            "7",
            "--count",
            "2",
            "--format",
            "json",
            "--no-save",
        ],
        &env,
        "1\n1+2\n",
    );
    assert_eq!(next.status.code(), Some(0), "{}", stderr(&next));
    let json: serde_json::Value = serde_json::from_str(&stdout(&next)).unwrap();
    let mut ids: Vec<&str> = json["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["F22-2", "F29-1"]);
}

// A progress file that is not valid is reported, renamed aside (never overwritten), and a
// fresh one saved; with --no-save it is left where it is.
#[test]
fn corrupt_progress_is_set_aside() {
    let dir = TempDir::new("quiz-corrupt");
    let env = [("XDG_DATA_HOME", dir.path())];
    let ksim_dir = dir.0.join("ksim");
    std::fs::create_dir_all(&ksim_dir).unwrap();
    let path = ksim_dir.join("progress.json");
    std::fs::write(&path, "{\"version\": 1, \"sessions\": ").unwrap();

    let kept = quiz(&["--seed", "7", "--answers", "1", "--no-save"], &env, "");
    assert_eq!(kept.status.code(), Some(0), "{}", stderr(&kept));
    assert!(
        stderr(&kept).contains("is not valid (EOF while parsing a value at line 1 column 27); left as it is, and nothing is saved this time"),
        "{}",
        stderr(&kept)
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\"version\": 1, \"sessions\": "
    );

    for n in 1..=2 {
        let out = quiz(&["--seed", "7", "--answers", "1"], &env, "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let aside = ksim_dir.join(format!("progress.json.corrupt-{n}"));
        assert_eq!(
            stderr(&out),
            format!(
                "warning: progress {} is not valid ({}); moved it to {} and started afresh\n",
                path.display(),
                if n == 1 {
                    "EOF while parsing a value at line 1 column 27"
                } else {
                    "unknown field `extra`, expected one of `version`, `sessions`, \
                     `lessons_seen`, `questions` at line 1 column 8"
                },
                aside.display()
            )
        );
        let progress: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(progress["sessions"], 1);
        // Spoil it again, another way, for the second round.
        std::fs::write(&path, "{\"extra\": 1}").unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(ksim_dir.join("progress.json.corrupt-1")).unwrap(),
        "{\"version\": 1, \"sessions\": "
    );
    assert_eq!(
        std::fs::read_to_string(ksim_dir.join("progress.json.corrupt-2")).unwrap(),
        "{\"extra\": 1}"
    );
}

/// Runs ksim with bad input and returns its error, checking exit code 2 and no output.
fn refused(args: &[&str]) -> String {
    let out = quiz(args, &[], "");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    stderr(&out)
}

// Scripted answers that do not fit their questions, and filters that match nothing, are
// refused before the first question is printed.
#[test]
fn bad_input_exits_2() {
    assert_eq!(
        refused(&["--seed", "7", "--answers", "1,2,3+4,2"]),
        "error: --answers: answer 3 is \"3+4\", but question 3 (F22-1) expects one choice from \
         1 to 4; question 4 (choose-two) is the only one of this session taking several choices \
         (join them by +, like 2+4)\n"
    );
    assert_eq!(
        refused(&["--seed", "7", "--answers", "1,2,3,2"]),
        "error: --answers: answer 4 is \"2\", but question 4 (F22-2) expects two different \
         choices from 1 to 5; question 4 (choose-two) is the only one of this session taking \
         several choices (join them by +, like 2+4)\n"
    );
    assert_eq!(
        refused(&["--answers", "1,2", "--count", "3"]),
        "error: --answers gives 2 answers for --count 3; give one answer per question\n"
    );
    assert_eq!(
        refused(&["--answers", "1,1,1,1,1"]),
        "error: --answers gives 5 answers but only 4 questions match\n"
    );
    assert_eq!(
        refused(&["--area", "ksql"]),
        format!("error: no questions match --area and --facts in {LESSONS}\n")
    );
    assert!(refused(&["--area", "kafka"]).starts_with("error: --area: unknown area \"kafka\""));
    assert_eq!(
        refused(&["--facts", "F1"]),
        "error: --facts: expected fact ids from F01 to F54 or syllabus topics from S01 to S22, like F17,S03, found \"F1\"\n"
    );
    // A syllabus topic is a valid id; the fixture lessons just have none of its questions.
    assert_eq!(
        refused(&["--facts", "S03"]),
        format!("error: no questions match --area and --facts in {LESSONS}\n")
    );
    let missing = ksim_with(&["quiz", "--lessons", "tests/fixtures/none"], &[], "");
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        stderr(&missing),
        "error: reading lessons: tests/fixtures/none is not a directory\n"
    );
}

// --area and --facts pick questions by the lesson's area and the question's fact (the JSON
// lists the planned questions even when the input ends before the first answer).
#[test]
fn filters() {
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--seed", "1", "--format", "json", "--no-save"];
        all.extend_from_slice(args);
        let out = quiz(&all, &[], "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["asked"], 0);
        let mut ids: Vec<String> = json["planned"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&["--area", "producer"]), ["F22-1", "F22-2"]);
    assert_eq!(ids(&["--facts", "F17,F29"]), ["F17-1", "F29-1"]);
}

// `ksim learn F22` prints the lesson, with the note's correction, and marks it seen.
#[test]
fn learn_shows_a_lesson() {
    let dir = TempDir::new("learn-show");
    let env = [("XDG_DATA_HOME", dir.path())];
    for lang in ["en", "ko"] {
        let out = ksim_with(
            &[
                "learn",
                "F22",
                "--lessons",
                LESSONS,
                "--lang",
                lang,
                "--no-save",
            ],
            &env,
            "",
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        insta::assert_snapshot!(format!("learn_shows_a_lesson_{lang}"), stdout(&out));
    }
    assert!(!dir.0.join("ksim").exists());
    let out = ksim_with(
        &[
            "learn",
            "F22-required-producer-configs",
            "--lessons",
            LESSONS,
        ],
        &env,
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let progress: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.0.join("ksim/progress.json")).unwrap())
            .unwrap();
    assert_eq!(
        progress["lessons_seen"],
        serde_json::json!(["F22-required-producer-configs"])
    );
    let unknown = ksim_with(&["learn", "F01", "--lessons", LESSONS], &env, "");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).starts_with("error: no lesson \"F01\" in tests/fixtures/lessons"));
}

// A CALC lesson shows its calculator's answer, not only the command: the tasks a JDBC source
// runs (F29), and a schema check in the lesson's language (F45).
#[test]
fn learn_shows_the_calculators_answer() {
    let lessons = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/lessons");
    let show = |fact: &str, lang: &str| {
        let out = ksim_with(
            &[
                "learn",
                fact,
                "--lessons",
                lessons,
                "--lang",
                lang,
                "--no-save",
            ],
            &[],
            "",
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let tasks = show("F29", "en");
    assert!(tasks.contains("calculate: ksim connect-tasks"), "{tasks}");
    assert!(tasks.contains("  │   task 2: t3"), "{tasks}");
    let schema = show("F45", "ko");
    assert!(schema.contains("계산: ksim schema check"), "{schema}");
    assert!(
        schema
            .lines()
            .any(|l| l.starts_with("  │ ") && l.contains("호환")),
        "{schema}"
    );
}

// `ksim check` skips lesson files: a directory of lessons only has no scenario to run, and
// one with a lesson that is a scenario (it has a [cluster]) beside them runs that one alone.
#[test]
fn check_skips_lessons() {
    let out = ksim_with(&["check", LESSONS], &[], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\n0 scenarios: 0 passed, 0 failed, 0 bad input; 0 expectations, 0 failed\n\
         3 lesson files skipped: no [cluster] to run (ksim learn and ksim quiz read them)\n"
    );
    let dir = TempDir::new("check-mixed");
    std::fs::copy(
        "../scenarios/lessons/F17-acks-1-high-watermark.toml",
        dir.0.join("F17-acks-1-high-watermark.toml"),
    )
    .unwrap();
    std::fs::copy(
        format!("{LESSONS}/F29-jdbc-source-tasks.toml"),
        dir.0.join("F29-jdbc-source-tasks.toml"),
    )
    .unwrap();
    let out = ksim_with(&["check", dir.path(), "--format", "json"], &[], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["summary"]["scenarios"], 1, "{json}");
}

// A lesson that is a scenario passes `ksim check` only if its quiz checks hold (a wrong one
// names the question) and its lesson part is valid too (a broken one is bad input, at its
// file:line:column).
#[test]
fn check_runs_lesson_scenarios() {
    let text =
        std::fs::read_to_string("../scenarios/lessons/F17-acks-1-high-watermark.toml").unwrap();
    let dir = TempDir::new("check-lesson-scenario");
    let wrong_check = dir.0.join("wrong-check.toml");
    std::fs::write(
        &wrong_check,
        text.replace(
            "isr = [1, 2, 3], high_watermark = 3, leo = { 1 = 8",
            "isr = [1, 2, 3], high_watermark = 8, leo = { 1 = 8",
        ),
    )
    .unwrap();
    let out = ksim_with(&["check", wrong_check.to_str().unwrap()], &[], "");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "wrong-check.toml:176:3: at 4s partition orders-0: quiz F17-2's answer does not \
             hold: expected high watermark 8, found 3"
        ),
        "{}",
        stdout(&out)
    );
    let bad_lesson = dir.0.join("bad-lesson.toml");
    std::fs::write(
        &bad_lesson,
        text.replace("teach = \"sim\"", "teach = \"simulate\""),
    )
    .unwrap();
    let out = ksim_with(&["check", bad_lesson.to_str().unwrap()], &[], "");
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stdout(&out)
            .contains("bad-lesson.toml:26:9: expected teach = \"sim\", \"calc\" or \"lesson\""),
        "{}",
        stdout(&out)
    );
}
