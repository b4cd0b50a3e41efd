//! `ksim exam` end to end on the fixture lessons: a scripted exam in both languages
//! (snapshots), answers typed on standard input with the clock shown, a skipped and an
//! unanswered question, the missed questions first in the next quiz, and bad `--answers`.

mod common;

use common::{TempDir, ksim_with, stderr, stdout};

const LESSONS: &str = "tests/fixtures/lessons";

fn exam(extra: &[&str], env: &[(&str, &str)], stdin: &str) -> std::process::Output {
    let mut args = vec!["exam", "--lessons", LESSONS];
    args.extend_from_slice(extra);
    ksim_with(&args, env, stdin)
}

/// Seed 5 draws F29-1, F22-1, F17-1, F22-2; the answers are wrong, right, right, none. (Two
/// questions drawn with seed 5 are F17-1 and F22-1.)
const SCRIPT: &[&str] = &["--seed", "5", "--count", "4", "--answers", "1,1,3,-"];

// The scripted exam: no verdict until the end, then the score, the score per section, every
// question with its explanation (missed first) and the missed facts; in English and Korean.
#[test]
fn scripted_exam() {
    for lang in ["en", "ko"] {
        let dir = TempDir::new(&format!("exam-{lang}"));
        let mut args = SCRIPT.to_vec();
        args.extend(["--lang", lang, "--no-save"]);
        let out = exam(&args, &[("XDG_DATA_HOME", dir.path())], "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        let questions = text
            .split("\n\n")
            .take_while(|part| !part.contains("score") && !part.contains("점수"));
        for part in questions {
            assert!(
                !part.contains("right") && !part.contains("정답"),
                "no feedback before the end: {part}"
            );
        }
        insta::assert_snapshot!(format!("scripted_exam_{lang}"), text);
        assert!(!dir.0.join("ksim").exists(), "--no-save writes nothing");
    }
}

// Typed answers: the clock is shown with every question, a bad answer is asked again, `s`
// skips, the end of the input hands the exam in, and what was not reached counts wrong.
#[test]
fn typed_exam_with_a_clock() {
    let dir = TempDir::new("exam-typed");
    let out = exam(
        &["--seed", "5", "--count", "4", "--no-save"],
        &[("XDG_DATA_HOME", dir.path())],
        "s\n9\n1\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("mock exam: 4 questions, 90 minutes"),
        "{text}"
    );
    assert_eq!(text.matches(" left]").count(), 3, "{text}");
    assert!(
        text.contains("[90:00 left]") || text.contains("[89:59 left]"),
        "{text}"
    );
    assert!(text.contains("expects one choice from 1 to 4"), "{text}");
    assert!(text.contains("score: 1 of 4 right (25%)"), "{text}");
    assert!(text.contains("(3 unanswered, counted wrong)"), "{text}");
}

// The exam is saved as a session: the missed questions are in box 1 and come first in the
// next `ksim quiz`, before the questions never asked.
#[test]
fn missed_questions_come_first_in_the_next_quiz() {
    let dir = TempDir::new("exam-progress");
    let env = [("XDG_DATA_HOME", dir.path())];
    let out = exam(
        &["--seed", "5", "--count", "2", "--answers", "1,1"],
        &env,
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("missed facts: F17"),
        "{}",
        stdout(&out)
    );
    let path = dir.0.join("ksim/progress.json");
    let progress: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(progress["sessions"], 1);
    assert_eq!(progress["questions"]["F17-1"]["box"], 1);
    assert_eq!(progress["questions"]["F22-1"]["box"], 2);
    for seed in ["1", "2", "3"] {
        let quiz = ksim_with(
            &[
                "quiz",
                "--lessons",
                LESSONS,
                "--seed",
                seed,
                "--count",
                "1",
                "--format",
                "json",
                "--no-save",
            ],
            &env,
            "1\n",
        );
        assert_eq!(quiz.status.code(), Some(0), "{}", stderr(&quiz));
        let json: serde_json::Value = serde_json::from_str(&stdout(&quiz)).unwrap();
        assert_eq!(json["questions"][0]["id"], "F17-1", "seed {seed}");
    }
}

// Bad answers stop the exam before it starts, naming the answer and the question's kind.
#[test]
fn bad_answers() {
    let out = exam(
        &["--seed", "5", "--count", "4", "--answers", "1,1"],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: --answers gives 2 answers for an exam of 4 questions; give one per question (- \
         leaves one unanswered)\n"
    );
    let out = exam(
        &["--seed", "5", "--count", "4", "--answers", "1,1,1,1"],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: --answers: answer 4 is \"1\", but question 4 (F22-2, choose-two) expects two \
         different choices from 1 to 5\n"
    );
    assert!(stdout(&out).is_empty());
}
