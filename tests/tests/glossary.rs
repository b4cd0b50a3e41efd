//! One Korean voice: every Korean text ksim shows (lessons, UI strings, the book's Korean
//! chapters) names Kafka's concepts with the Hangul terms of `docs/glossary.ko.md`, never in
//! Latin letters in prose and never with a variant the glossary rules out.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("{} is readable: {error}", path.display()))
}

/// One concept of the glossary: its Hangul term, the Latin words that must not stand for it in
/// Korean prose, and the Korean variants that must not be used.
#[derive(Debug)]
struct Term {
    hangul: String,
    latin: Vec<String>,
    variants: Vec<String>,
}

/// The glossary's table: the rows after the header line that starts with `| 개념`.
fn glossary() -> Vec<Term> {
    let text = read(&root().join("docs/glossary.ko.md"));
    let mut rows = text
        .lines()
        .skip_while(|line| !line.starts_with("| 개념"))
        .skip(2)
        .take_while(|line| line.starts_with('|'));
    let mut terms = Vec::new();
    for row in rows.by_ref() {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 4, "a glossary row has four cells: {row}");
        let list = |cell: &str| -> Vec<String> {
            cell.split(',')
                .map(str::trim)
                .filter(|word| !word.is_empty())
                .map(str::to_string)
                .collect()
        };
        terms.push(Term {
            hangul: cells[1].to_string(),
            latin: list(cells[2]),
            variants: list(cells[3]),
        });
    }
    terms
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c)
}

/// A piece of Korean text and where it starts.
struct Text {
    file: String,
    line: usize,
    text: String,
}

/// The Korean strings of a lesson file: every `ko = "…"` and `ko = """…"""` value.
fn lesson_texts(file: &str, source: &str) -> Vec<Text> {
    let mut texts = Vec::new();
    let mut rest = source;
    let mut offset = 0;
    while let Some(at) = rest.find("ko = \"") {
        let start = at + "ko = ".len();
        let (open, close) = if rest[start..].starts_with("\"\"\"") {
            (3, "\"\"\"")
        } else {
            (1, "\"")
        };
        let body_start = start + open;
        let mut end = body_start;
        let bytes = rest.as_bytes();
        loop {
            if rest[end..].starts_with(close) {
                break;
            }
            if end >= rest.len() {
                panic!("{file}: unterminated Korean string");
            }
            end += if bytes[end] == b'\\' { 2 } else { 1 };
            while !rest.is_char_boundary(end) {
                end += 1;
            }
        }
        let line = 1 + source[..offset + body_start].matches('\n').count();
        texts.push(Text {
            file: file.to_string(),
            line,
            text: rest[body_start..end].to_string(),
        });
        offset += end + close.len();
        rest = &rest[end + close.len()..];
    }
    texts
}

/// The string literals of a Rust file that contain Hangul (format placeholders removed).
fn rust_texts(file: &str, source: &str) -> Vec<Text> {
    let chars: Vec<char> = source.chars().collect();
    let mut texts = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3;
        } else if c == '\'' && chars.get(i + 1) == Some(&'\\') && chars.get(i + 3) == Some(&'\'') {
            i += 4;
        } else if c == 'r' && matches!(chars.get(i + 1), Some('#') | Some('"')) {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                i += 1;
                continue;
            }
            let start_line = line;
            let mut j = i + 2 + hashes;
            let mut text = String::new();
            while j < chars.len() {
                if chars[j] == '"' && chars[j + 1..].iter().take(hashes).all(|&c| c == '#') {
                    break;
                }
                if chars[j] == '\n' {
                    line += 1;
                }
                text.push(chars[j]);
                j += 1;
            }
            if text.chars().any(is_hangul) {
                texts.push(Text {
                    file: file.to_string(),
                    line: start_line,
                    text,
                });
            }
            i = j + 1 + hashes;
        } else if c == '"' {
            let start_line = line;
            let mut j = i + 1;
            let mut text = String::new();
            while j < chars.len() && chars[j] != '"' {
                if chars[j] == '\\' {
                    if chars.get(j + 1) == Some(&'\n') {
                        line += 1;
                        text.push('\n');
                    }
                    j += 2;
                    continue;
                }
                if chars[j] == '\n' {
                    line += 1;
                }
                text.push(chars[j]);
                j += 1;
            }
            if text.chars().any(is_hangul) {
                texts.push(Text {
                    file: file.to_string(),
                    line: start_line,
                    text: without_placeholders(&text),
                });
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    texts
}

/// `{broker}` and `{:?}` are code, not words.
fn without_placeholders(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// A Markdown chapter in Korean: every line outside fenced code blocks.
fn markdown_texts(file: &str, source: &str) -> Vec<Text> {
    let mut in_code = false;
    let mut texts = Vec::new();
    for (index, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code && !line.trim_start().starts_with("<!--") {
            texts.push(Text {
                file: file.to_string(),
                line: index + 1,
                text: line.to_string(),
            });
        }
    }
    texts
}

/// A line of prose without what stays as written: code spans, quoted names, a call's arguments
/// (`subscribe(topics)`), a ksim command line, and English put in parentheses right after a
/// Hangul word (멱등성(idempotence)).
fn prose(line: &str) -> String {
    // Code spans first, so that a parenthesis inside one does not end another span.
    let mut without_code = String::new();
    for (index, part) in line.split('`').enumerate() {
        without_code.push_str(if index % 2 == 0 { part } else { " " });
    }
    let mut out = String::new();
    let chars: Vec<char> = without_code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A ksim command line (`ksim schema validate x.avsc`) runs up to the next Hangul.
        let word_start = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if word_start && chars[i..].starts_with(&['k', 's', 'i', 'm', ' ']) {
            while i < chars.len() && !is_hangul(chars[i]) && chars[i] != ')' {
                i += 1;
            }
            out.push(' ');
            continue;
        }
        let closing = match c {
            '\'' => Some('\''),
            '"' => Some('"'),
            '“' => Some('”'),
            '‘' => Some('’'),
            '(' => {
                let before = chars[..i].iter().rev().find(|c| **c != ' ');
                let after_hangul = before.is_some_and(|&c| is_hangul(c));
                let call = i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '_');
                let inside: String = chars[i + 1..].iter().take_while(|&&c| c != ')').collect();
                ((after_hangul || call) && !inside.chars().any(is_hangul)).then_some(')')
            }
            _ => None,
        };
        if let Some(closing) = closing
            && let Some(length) = chars[i + 1..].iter().position(|&c| c == closing)
        {
            out.push(' ');
            i += length + 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The Latin words of a line of prose that are not identifiers: no dots, underscores, slashes,
/// digits or inner capitals (`group.id`, `t1-0`, `RoundRobinAssignor` stay as they are).
fn words(prose: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, words: &mut Vec<String>| {
        let word = current.trim_end_matches(['.', ':', '-']).to_string();
        current.clear();
        let identifier = word.contains(['.', '_', '/', ':'])
            || word.chars().any(|c| c.is_ascii_digit())
            || word
                .chars()
                .zip(word.chars().skip(1))
                .any(|(a, b)| a.is_ascii_lowercase() && b.is_ascii_uppercase());
        if !word.is_empty() && !identifier {
            words.push(word);
        }
    };
    for c in prose.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':') {
            current.push(c);
        } else {
            flush(&mut current, &mut words);
        }
    }
    flush(&mut current, &mut words);
    words
}

/// Every Korean text ksim ships: lessons, UI strings (the explorer's views included), the
/// simulator's Korean trace lines and narration, and the book's Korean chapters.
fn korean_texts() -> Vec<Text> {
    let root = root();
    let mut texts = Vec::new();
    let files = |dir: &str, ext: &str| -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![root.join(dir)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == ext) {
                    found.push(path);
                }
            }
        }
        found.sort();
        found
    };
    let name = |path: &Path| -> String {
        path.strip_prefix(&root)
            .unwrap()
            .display()
            .to_string()
            .replace('\\', "/")
    };
    for path in files("scenarios/lessons", "toml") {
        texts.extend(lesson_texts(&name(&path), &read(&path)));
    }
    for path in files("ui/src", "rs")
        .into_iter()
        .chain(files("app/src", "rs"))
        .chain(files("sim/src", "rs"))
    {
        texts.extend(rust_texts(&name(&path), &read(&path)));
    }
    for path in files("docs/src/ko", "md") {
        texts.extend(markdown_texts(&name(&path), &read(&path)));
    }
    texts
}

/// Every place a glossary concept is written in Latin letters in Korean prose, or with a
/// variant the glossary rules out: `file:line: "follower" → 팔로워`.
fn findings(terms: &[Term], texts: &[Text]) -> Vec<String> {
    let mut found = Vec::new();
    for text in texts {
        for (index, line) in text.text.lines().enumerate() {
            if !line.chars().any(is_hangul) {
                continue;
            }
            let at = format!("{}:{}", text.file, text.line + index);
            for word in words(&prose(line)) {
                if let Some(term) = terms.iter().find(|t| t.latin.contains(&word)) {
                    found.push(format!(
                        "{at}: \"{word}\" in Korean prose; write {}",
                        term.hangul
                    ));
                }
            }
            for term in terms {
                for variant in &term.variants {
                    if line.contains(variant.as_str()) {
                        found.push(format!("{at}: \"{variant}\"; write {}", term.hangul));
                    }
                }
            }
        }
    }
    found
}

// Every Korean text follows the glossary.
#[test]
fn korean_follows_the_glossary() {
    let terms = glossary();
    assert!(terms.len() >= 30, "the glossary table is read: {terms:?}");
    let texts = korean_texts();
    assert!(
        texts.len() > 1000,
        "the Korean texts are found: {}",
        texts.len()
    );
    let found = findings(&terms, &texts);
    let mut report = String::new();
    for line in found.iter().take(200) {
        writeln!(report, "{line}").unwrap();
    }
    assert!(
        found.is_empty(),
        "{} places do not follow docs/glossary.ko.md:\n{report}",
        found.len()
    );
}

// The checker finds what it should and leaves code, names and parenthesised English alone.
#[test]
fn the_checker_tells_prose_from_code() {
    let terms = glossary();
    let text = |line: &str| Text {
        file: "f".to_string(),
        line: 3,
        text: line.to_string(),
    };
    let found = |line: &str| findings(&terms, &[text(line)]);
    assert_eq!(
        found("리더의 HW는 follower는 consumer 2개"),
        [
            "f:3: \"follower\" in Korean prose; write 팔로워",
            "f:3: \"consumer\" in Korean prose; write 컨슈머"
        ]
    );
    assert_eq!(
        found("파티션을 재배치합니다"),
        ["f:3: \"재배치\"; write 재할당"]
    );
    assert!(found("`consumer.poll()`을 부르고 group.id를 씁니다").is_empty());
    assert!(found("RoundRobinAssignor와 KafkaProducer, 'producer' 이름").is_empty());
    assert!(found("subscribe(topics)를 호출합니다").is_empty());
    assert!(found("(ksim schema validate a.avsc가 모두 보여 줍니다)").is_empty());
    assert!(found("파티션(`murmur2(key) % partitions`)").is_empty());
    assert!(found("멱등성(idempotence)과 컨슈머 (consumer)").is_empty());
    assert!(found("records-lag-max와 t1-0, __consumer_offsets").is_empty());
    assert!(found("English only: the consumer").is_empty());
    assert_eq!(found("offset.\n오프셋과 offset.").len(), 1);
}

// Lesson strings are found with their line, one-line and multi-line alike.
#[test]
fn lesson_strings_are_located() {
    let source =
        "a = { en = \"x\", ko = \"가 \\\"b\\\"\" }\ntext = { ko = \"\"\"\n나\n다\n\"\"\" }\n";
    let texts = lesson_texts("l.toml", source);
    assert_eq!(texts.len(), 2);
    assert_eq!((texts[0].line, texts[0].text.as_str()), (1, "가 \\\"b\\\""));
    assert_eq!((texts[1].line, texts[1].text.as_str()), (2, "\n나\n다\n"));
    let rust = "let a = tr(\"records\", \"레코드 {n}\"); // \"주석\"\nlet c = '\"';\n";
    let texts = rust_texts("r.rs", rust);
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0].text, "레코드 ");
}
