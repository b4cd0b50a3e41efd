//! The lesson parser on small texts: a good lesson, and each kind of mistake with the position
//! and words of its message.

use super::*;

const GOOD: &str = r#"[lesson]
facts = ["F29"]
area = "connect"
teach = "calc"
title = { en = "JDBC source tasks", ko = "JDBC 소스 태스크" }
text = { en = "min(tables, tasks.max) tasks run.", ko = "min(테이블, tasks.max)개가 실행됩니다." }
calc = "ksim connect-tasks --tables 3 --tasks-max 5"

[[quiz]]
id = "F29-1"
kind = "choose-two"
question = { en = "Which two?", ko = "어느 두 개?" }
choices = [
  { en = "a", ko = "a" },
  { en = "b", ko = "b" },
  { en = "c", ko = "c" },
  { en = "d", ko = "d" },
]
answer = [4, 2]
explain = { en = "Because.", ko = "그렇기 때문입니다." }
"#;

fn error(text: &str) -> String {
    parse_lesson(text, "l.toml", None)
        .expect_err("the lesson is refused")
        .to_string()
}

// A good lesson: every field resolved, the answers sorted, the slug from the file name.
#[test]
fn reads_a_lesson() {
    let lesson = parse_lesson(GOOD, "dir/F29-jdbc.toml", None).unwrap();
    assert_eq!(lesson.slug, "F29-jdbc");
    assert_eq!(lesson.facts, ["F29"]);
    assert_eq!(lesson.area, Area::Connect);
    assert_eq!(lesson.teach, Teach::Calc);
    assert_eq!(lesson.title.ko, "JDBC 소스 태스크");
    assert_eq!(
        lesson.calc.as_deref(),
        Some("ksim connect-tasks --tables 3 --tasks-max 5")
    );
    assert_eq!(lesson.quiz.len(), 1);
    let question = &lesson.quiz[0];
    assert_eq!(question.kind, QuestionKind::ChooseTwo);
    assert_eq!(question.answer, [2, 4]);
    assert_eq!(question.fact(), "F29");
    assert_eq!(question.choices[3].get(crate::lesson::Lang::Ko), "d");
    assert_eq!(question.area, Area::Connect);
    assert_eq!(question.since, None);
    assert_eq!(question.code, None);
}

// A syllabus topic stands where a fact does; a question may name its own area, the Kafka
// version its answer holds from and a snippet; each is checked.
#[test]
fn syllabus_topics_and_question_tags() {
    let text = GOOD
        .replace("[\"F29\"]", "[\"S03\"]")
        .replace("\"F29-1\"", "\"S03-1\"")
        .replace(
            "kind = \"choose-two\"\n",
            "kind = \"choose-two\"\narea = \"security\"\nsince = \"3.0\"\ncode = \"\"\"\nacks=all\n\"\"\"\n",
        );
    let lesson = parse_lesson(&text, "l.toml", None).unwrap();
    assert_eq!(lesson.facts, ["S03"]);
    let question = &lesson.quiz[0];
    assert_eq!(question.fact(), "S03");
    assert_eq!(question.area, Area::Security);
    assert_eq!(question.since.as_deref(), Some("3.0"));
    assert_eq!(question.code.as_deref(), Some("acks=all"));
    assert_eq!(
        error(&text.replace("\"3.0\"", "\"three\"")),
        "l.toml:13:9: `since` is the Kafka version the answer holds from, like \"3.0\", found \
         \"three\""
    );
    assert!(
        error(&text.replace("\"security\"", "\"securty\""))
            .starts_with("l.toml:12:8: unknown area \"securty\", did you mean \"security\"?")
    );
    assert!(
        error(&text.replace("\nacks=all\n", "\n  \n"))
            .starts_with("l.toml:14:8: `quiz[1].code` is empty")
    );
}

// A misspelt key names its table, the nearest key and the valid ones, at its position.
#[test]
fn unknown_key() {
    let text = GOOD.replace("area = ", "areas = ");
    assert_eq!(
        error(&text),
        "l.toml:3:1: unknown key `areas` in `lesson`, did you mean `area`? valid keys: \
         `facts`, `area`, `teach`, `title`, `text`, `correction`, `calc`, `scenario`"
    );
    let text = GOOD.replace("[[quiz]]", "[[quizz]]");
    assert!(
        error(&text)
            .starts_with("l.toml:9:3: unknown key `quizz` at the top level, did you mean `quiz`?"),
        "{}",
        error(&text)
    );
}

// A text without its Korean, or with Korean that has no Hangul, is refused.
#[test]
fn missing_language() {
    let text = GOOD.replace(", ko = \"JDBC 소스 태스크\"", "");
    assert_eq!(
        error(&text),
        "l.toml:5:9: `lesson.title` has no Korean text: missing `ko`"
    );
    let text = GOOD.replace("ko = \"그렇기 때문입니다.\"", "ko = \"Because.\"");
    assert_eq!(
        error(&text),
        "l.toml:20:35: `quiz[1].explain.ko` has no Korean (Hangul) text; write it for a \
         Korean reader, leaving Kafka's config and API names as they are"
    );
    let text = GOOD.replace("{ en = \"Which two?\", ", "{ ");
    assert_eq!(
        error(&text),
        "l.toml:12:12: `quiz[1].question` has no English text: missing `en`"
    );
}

// Missing tables and keys are named.
#[test]
fn missing_parts() {
    assert_eq!(
        error("name = \"x\"\n"),
        "l.toml:1:1: missing `[lesson]` table; a lesson file has `[lesson]` (facts, area, \
         teach, title, text) and `[[quiz]]` questions"
    );
    let text = GOOD.replace("teach = \"calc\"\n", "");
    assert_eq!(error(&text), "l.toml:1:1: missing `teach` in `lesson`");
    let quizless = GOOD.split("[[quiz]]").next().unwrap();
    assert_eq!(
        error(quizless),
        "l.toml:1:1: a lesson needs at least one `[[quiz]]` question"
    );
    let text = GOOD.replace(
        "calc = \"ksim connect-tasks --tables 3 --tasks-max 5\"\n",
        "",
    );
    assert!(error(&text).contains("teach = \"calc\" needs `calc`"));
}

// Fact ids, areas and teach modes are checked against their lists.
#[test]
fn bad_values() {
    assert_eq!(
        error(&GOOD.replace("[\"F29\"]", "[\"F55\"]")),
        "l.toml:2:10: expected a fact id from F01 to F54 or a syllabus topic from S01 to S22, \
         found \"F55\""
    );
    assert!(
        error(&GOOD.replace("[\"F29\"]", "[\"S99\"]"))
            .starts_with("l.toml:2:10: expected a fact id from F01 to F54 or a syllabus topic")
    );
    assert_eq!(
        error(&GOOD.replace("\"connect\"", "\"conect\"")),
        "l.toml:3:8: unknown area \"conect\", did you mean \"connect\"?; areas: replication, \
         producer, consumer, transactions, partitioning, logs, clients, broker, security, tools, \
         streams, connect, schema-registry, ksql, rest-proxy"
    );
    assert_eq!(
        error(&GOOD.replace("\"calc\"\n", "\"SIM\"\n")),
        "l.toml:4:9: expected teach = \"sim\", \"calc\" or \"lesson\" (facts.md's column), \
         found \"SIM\", did you mean \"sim\"?"
    );
    assert_eq!(
        error(&GOOD.replace("\"calc\"\n", "\"lessn\"\n")),
        "l.toml:4:9: expected teach = \"sim\", \"calc\" or \"lesson\" (facts.md's column), \
         found \"lessn\", did you mean \"lesson\"?"
    );
    assert_eq!(
        error(&GOOD.replace("\"calc\"\n", "\"quiz\"\n")),
        "l.toml:4:9: expected teach = \"sim\", \"calc\" or \"lesson\" (facts.md's column), \
         found \"quiz\""
    );
    assert!(
        error(&GOOD.replace("\"ksim connect", "\"kafka connect"))
            .contains("must be a ksim command")
    );
}

// Questions: the id starts with a lesson fact, 4 or 5 choices, the right number of answers
// within range.
#[test]
fn bad_questions() {
    assert_eq!(
        error(&GOOD.replace("\"F29-1\"", "\"F30-1\"")),
        "l.toml:10:6: question id \"F30-1\" must start with one of the lesson's facts and a \
         dash, like \"F29-1\""
    );
    assert_eq!(
        error(&GOOD.replace("answer = [4, 2]", "answer = [4]")),
        "l.toml:19:10: a choose-two question has 2 right choices, found 1 in `answer`"
    );
    assert_eq!(
        error(&GOOD.replace("answer = [4, 2]", "answer = [5, 2]")),
        "l.toml:19:11: `answer` counts choices from 1 to 4, found 5"
    );
    assert_eq!(
        error(&GOOD.replace("answer = [4, 2]", "answer = [2, 2]")),
        "l.toml:19:14: choice 2 is given twice in `answer`"
    );
    assert_eq!(
        error(&GOOD.replace("  { en = \"d\", ko = \"d\" },\n", "")),
        "l.toml:13:11: a question offers 4 or 5 choices, found 3"
    );
    assert_eq!(
        error(&GOOD.replace("{ en = \"d\"", "{ en = \"a\"")),
        "l.toml:17:3: choice 4 repeats choice 1"
    );
    assert_eq!(
        error(&GOOD.replace("\"choose-two\"", "\"multi\"")),
        "l.toml:11:8: expected kind = \"single\", \"choose-two\" or \"choose-three\", found \
         \"multi\""
    );
    let three = GOOD.replace("\"choose-two\"", "\"choose-three\"");
    assert_eq!(
        error(&three),
        "l.toml:19:10: a choose-three question has 3 right choices, found 2 in `answer`"
    );
    let lesson = parse_lesson(
        &three.replace("answer = [4, 2]", "answer = [4, 1, 2]"),
        "l.toml",
        None,
    )
    .expect("a choose-three question with three answers parses");
    assert_eq!(lesson.quiz[0].kind, QuestionKind::ChooseThree);
    assert_eq!(lesson.quiz[0].answer, [1, 2, 4]);
}

// Syntax errors keep toml's words and position; a type error names its key.
#[test]
fn toml_errors() {
    assert!(error("[lesson\n").starts_with("l.toml:1:8: invalid TOML: "));
    let text = GOOD.replace("facts = [\"F29\"]", "facts = \"F29\"");
    assert!(
        error(&text).starts_with("l.toml:2:9: `lesson.facts`: invalid type: string"),
        "{}",
        error(&text)
    );
}

// A lesson that is also a scenario keeps its scenario keys for the scenario parser.
#[test]
fn scenario_keys_are_left_alone() {
    let text = format!("name = \"x\"\nduration = \"1s\"\n[cluster]\nbrokers = 1\n{GOOD}");
    assert!(parse_lesson(&text, "l.toml", None).is_ok());
    assert!(super::super::is_lesson_only(GOOD));
    assert!(!super::super::is_lesson_only(&text));
    // A misspelt table or an expectation without a cluster is not lesson-only: `check` runs it
    // as a scenario and reports it, rather than skipping it.
    assert!(!super::super::is_lesson_only(&format!(
        "{GOOD}\n[clutser]\nbrokers = 1\n"
    )));
    assert!(!super::super::is_lesson_only(&format!(
        "{GOOD}\n[[expect]]\nacked_lost = 0\n"
    )));
}

// A scenario link is shown without `dir/..` detours.
#[test]
fn normalizes_links() {
    assert_eq!(
        normalize(Path::new(
            "tests/fixtures/lessons/../../../../scenarios/x.toml"
        )),
        Path::new("../scenarios/x.toml")
    );
    assert_eq!(normalize(Path::new("./a/./b/../c")), Path::new("a/c"));
}

/// GOOD as a SIM lesson that is its own scenario, with `extra` steps after the cluster.
fn own_scenario(extra: &str) -> String {
    let lesson = GOOD.replace("teach = \"calc\"", "teach = \"sim\"");
    format!("name = \"x\"\nduration = \"2s\"\n{lesson}\n[cluster]\nbrokers = 1\n{extra}")
}

// A lesson with a [cluster] plays itself; the legacy link plays the linked file; a CALC
// lesson plays nothing.
#[test]
fn which_scenario_a_lesson_plays() {
    let text = own_scenario("[[steps]]\nat = \"1s\"\nask = \"F29-1\"\n");
    let lesson = parse_lesson(&text, "dir/F29-x.toml", None).unwrap();
    assert!(lesson.own_scenario);
    assert_eq!(lesson.scenario_file(), Some("dir/F29-x.toml".into()));
    let linked = GOOD.replace("teach = \"calc\"", "teach = \"sim\"").replace(
        "calc = \"ksim connect-tasks --tables 3 --tasks-max 5\"",
        "scenario = \"../x.toml\"",
    );
    let lesson = parse_lesson(&linked, "dir/F29-x.toml", None).unwrap();
    assert_eq!(lesson.scenario_file(), Some("../x.toml".into()));
    assert_eq!(
        parse_lesson(GOOD, "l.toml", None).unwrap().scenario_file(),
        None
    );
}

// The scenario part of a lesson is checked as the scenario parser checks it, at file:line:col:
// an `ask` naming no question of the file, a narration table without Korean.
#[test]
fn scenario_part_errors() {
    assert_eq!(
        error(&own_scenario("[[steps]]\nat = \"1s\"\nask = \"F29-2\"\n")),
        "l.toml:28:7: `ask`: no [[quiz]] question has id \"F29-2\", did you mean \"F29-1\"?"
    );
    assert_eq!(
        error(&own_scenario(
            "[[steps]]\nat = \"1s\"\nsay = { en = \"Hi.\", kor = \"안녕\" }\n"
        )),
        "l.toml:28:21: unknown key `kor` in `say`, did you mean `ko`? valid keys: `en`, `ko`"
    );
}

// A SIM lesson shows its fact live: its own cluster or a link, not both and not neither.
#[test]
fn sim_lessons_need_a_scenario() {
    let bare = GOOD.replace("teach = \"calc\"", "teach = \"sim\"").replace(
        "calc = \"ksim connect-tasks --tables 3 --tasks-max 5\"\n",
        "",
    );
    assert!(
        error(&bare).starts_with("l.toml:1:1: a lesson with teach = \"sim\" shows its fact live"),
        "{}",
        error(&bare)
    );
    let both = own_scenario("").replace(
        "calc = \"ksim connect-tasks --tables 3 --tasks-max 5\"",
        "scenario = \"../x.toml\"",
    );
    assert!(
        error(&both).starts_with("l.toml:9:12: this lesson has its own [cluster]"),
        "{}",
        error(&both)
    );
}
