//! The shipped questions as a learner meets them: choices are shuffled, so no explanation may
//! name a choice by its position ("choice 1", "the second choice", "1번과 4번", "두 번째 보기").

use std::path::Path;

/// Why an explanation names a position, if it does.
fn names_a_position(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    for pair in words.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let choice = [
            "choice", "choices", "option", "options", "answer", "answers",
        ];
        let ordinal = [
            "first", "second", "third", "fourth", "fifth", "last", "previous", "next",
        ];
        if choice.contains(&a) && (b.chars().all(|c| c.is_ascii_digit()) || b.len() == 1) {
            return Some(format!("\"{a} {b}\""));
        }
        if ordinal.contains(&a) && choice.contains(&b) {
            return Some(format!("\"{a} {b}\""));
        }
    }
    let choice_ko = ["보기", "선택지", "답"];
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for word in choice_ko {
        for ordinal in ["첫번째", "두번째", "세번째", "네번째", "다섯번째", "마지막"]
        {
            if compact.contains(&format!("{ordinal}{word}")) {
                return Some(format!("\"{ordinal} {word}\""));
            }
        }
        for n in 1..=5 {
            if compact.contains(&format!("{n}번{word}")) || compact.contains(&format!("{word}{n}"))
            {
                return Some(format!("\"{n}번 {word}\""));
            }
        }
    }
    // "1번과 4번", "1번, 3번": numbered choices listed together.
    for a in 1..=5 {
        for b in 1..=5 {
            for joint in ["과", "와", ",", "및"] {
                if compact.contains(&format!("{a}번{joint}{b}번")) {
                    return Some(format!("\"{a}번{joint} {b}번\""));
                }
            }
        }
    }
    None
}

// No shipped explanation, English or Korean, refers to a choice by its position.
#[test]
fn explanations_name_no_positions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/lessons");
    let catalogue = ksim_app::lesson::load_dir(&dir).expect("the shipped lessons load");
    let mut found = Vec::new();
    let mut count = 0;
    for (lesson, question) in catalogue.questions() {
        for text in [&question.explain.en, &question.explain.ko] {
            count += 1;
            if let Some(why) = names_a_position(text) {
                found.push(format!("{} {}: {why}", lesson.slug, question.id));
            }
        }
    }
    assert!(count > 100, "the questions are read: {count}");
    assert!(
        found.is_empty(),
        "explanations naming positions:\n{}",
        found.join("\n")
    );
}

// The check finds positions in both languages and leaves partitions and brokers alone.
#[test]
fn positions_are_found() {
    for text in [
        "Reordering needs retries: choices 1 and 4.",
        "The second choice is FORWARD.",
        "Option B is wrong.",
        "순서가 바뀌려면 1번과 4번입니다.",
        "두 번째 보기는 FORWARD입니다.",
        "보기 3은 틀립니다.",
    ] {
        assert!(names_a_position(text).is_some(), "{text}");
    }
    for text in [
        "Partition 13 of __consumer_offsets fails over; broker 2 leads.",
        "13번 파티션의 리더는 브로커 2입니다. 1번 레코드는 0번 파티션으로 갑니다.",
        "The answer is latest.",
    ] {
        assert_eq!(names_a_position(text), None, "{text}");
    }
}
