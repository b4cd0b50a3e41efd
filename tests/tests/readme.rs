//! The README and the book against the code: every supported Kafka setting has its row in the
//! book, with the default, range and meaning of `ksim::config::CONFIGS`; every key the scenario
//! and lesson parsers accept is in the README's vocabulary and described in the book; so that
//! the documentation cannot drift from what ksim does.

use ksim::config::{CONFIGS, ConfigDef, Scope};

/// A file of the repository, by its path from the root.
fn doc(path: &str) -> String {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{path} is readable: {error}"))
}

fn readme() -> String {
    doc("README.md")
}

/// The text under the first heading that starts with `heading`, up to the next heading of the
/// same level or above. Lines in fenced code blocks are never headings (`# a TOML comment`).
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let mut start = None;
    let mut in_code = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        let is_heading = !in_code && hashes > 0 && line[hashes..].starts_with(' ');
        match start {
            None if is_heading && line.starts_with(heading) => start = Some(offset),
            Some(start) if is_heading && hashes <= level => return &text[start..offset],
            _ => {}
        }
        offset += line.len();
    }
    match start {
        Some(start) => &text[start..],
        None => panic!("no heading starting with {heading:?} in:\n{text}"),
    }
}

/// A setting's row in the README's tables, written from the table in `config/catalogue.rs`. A `<` in
/// the meaning is escaped, so that `consumer-<group>-N` is not taken for an HTML tag.
fn row(def: &ConfigDef) -> String {
    format!(
        "| `{}` | {} | {} | {} |",
        def.name,
        def.default_text(),
        def.expected(),
        def.doc.replace('<', "&lt;")
    )
}

// Every supported Kafka setting is named in the book's settings chapter and has its row in the
// table of its scope, exactly as `CONFIGS` defines it; no row names a setting that `CONFIGS`
// does not have.
#[test]
fn the_book_lists_every_config() {
    let settings = doc("docs/src/settings.md");
    let mut problems: Vec<String> = CONFIGS
        .iter()
        .filter(|def| !settings.contains(&format!("`{}`", def.name)))
        .map(|def| format!("{} config \"{}\" is not mentioned", def.scope, def.name))
        .collect();
    for scope in Scope::ALL {
        let title = scope.to_string();
        let heading = format!("## {}{}", title[..1].to_uppercase(), &title[1..]);
        let found: Vec<&str> = section(&settings, &heading)
            .lines()
            .filter(|line| line.starts_with("| `"))
            .collect();
        let expected: Vec<String> = CONFIGS
            .iter()
            .filter(|def| def.scope == scope)
            .map(row)
            .collect();
        if found != expected {
            problems.push(format!(
                "the {scope} table ({heading}) should have exactly these rows, in this order:\n{}",
                expected.join("\n")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/src/settings.md and CONFIGS disagree:\n\n{}",
        problems.join("\n\n")
    );
}

/// The keys the scenario parser accepts in one table, read from its own message about an
/// unknown key (`…; valid keys: `at`, `produce`, …`), so that the list follows the parser's
/// structs.
fn accepted_keys(document: &str) -> Vec<String> {
    let error = ksim::scenario::parse(document, "keys.toml")
        .expect_err("the parser refuses an unknown key");
    valid_keys(&error.message)
}

/// The keys the lesson parser accepts in one table, read the same way.
fn accepted_lesson_keys(document: &str) -> Vec<String> {
    let error = ksim_app::lesson::parse_lesson(document, "F01-keys.toml", None)
        .expect_err("the lesson parser refuses an unknown key");
    valid_keys(&error.message)
}

/// The names of a parser's `valid keys: `a`, `b`` list.
fn valid_keys(message: &str) -> Vec<String> {
    let (_, list) = message
        .split_once("valid keys: ")
        .unwrap_or_else(|| panic!("expected a list of valid keys in: {message}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

/// The tables of the scenario format, each as a document whose only fault is an unknown key
/// in that table, with the heading (after its `#`s) under which the documentation describes it.
const SCENARIO_TABLES: [(&str, &str); 15] = [
    ("Top level", "zzzzzzzz = 1"),
    ("`[cluster]`", "[cluster]\nzzzzzzzz = 1"),
    ("`[network]`", "[network]\nzzzzzzzz = 1"),
    ("`[[topics]]`", "[[topics]]\nzzzzzzzz = 1"),
    ("`[[producers]]`", "[[producers]]\nzzzzzzzz = 1"),
    ("`[[consumers]]`", "[[consumers]]\nzzzzzzzz = 1"),
    ("`[[streams]]`", "[[streams]]\nzzzzzzzz = 1"),
    (
        "`[[streams]]`",
        "[[streams]]\ntopology = [{ zzzzzzzz = 1 }]",
    ),
    ("`[[steps]]`", "[[steps]]\nzzzzzzzz = 1"),
    ("`[[steps]]`", "[[steps]]\nproduce = { zzzzzzzz = 1 }"),
    ("`[[steps]]`", "[[steps]]\nslow = { zzzzzzzz = 1 }"),
    (
        "`[[steps]]`",
        "[[steps]]\nadd_partitions = { zzzzzzzz = 1 }",
    ),
    ("`[[steps]]`", "[[steps]]\nsubscribe = { zzzzzzzz = 1 }"),
    ("`[[expect]]`", "[[expect]]\nzzzzzzzz = 1"),
    ("`[faults]`", "[faults]\nzzzzzzzz = 1"),
];

/// The lesson file's tables, as `SCENARIO_TABLES`.
const LESSON_TABLES: [(&str, &str); 2] = [
    ("`[lesson]`", "[lesson]\nzzzzzzzz = 1"),
    ("`[[quiz]]`", "[[quiz]]\nzzzzzzzz = 1"),
];

/// The keys of `tables` that have no `| `key` |` row under their heading (at `level`) in `text`.
fn undescribed(
    text: &str,
    level: &str,
    tables: &[(&str, &str)],
    keys: fn(&str) -> Vec<String>,
) -> Vec<String> {
    let mut missing = Vec::new();
    for &(heading, document) in tables {
        let accepted = keys(document);
        assert!(!accepted.is_empty(), "no keys found for {heading}");
        let described = section(text, &format!("{level} {heading}"));
        for key in accepted {
            if !described.contains(&format!("| `{key}` |")) {
                missing.push(format!("`{key}` under {heading}"));
            }
        }
    }
    missing
}

// The README's vocabulary is complete: every key the scenario parser accepts, every
// `[[steps]]` action and every `[[expect]]` key among them, and every key of a lesson file, has
// a row in the README's "Scenario vocabulary" section, under its table's heading.
#[test]
fn readme_vocabulary_has_every_scenario_key() {
    let readme = readme();
    let vocabulary = section(&readme, "## Scenario vocabulary");
    let mut missing = undescribed(vocabulary, "####", &SCENARIO_TABLES, accepted_keys);
    missing.extend(undescribed(
        vocabulary,
        "####",
        &LESSON_TABLES,
        accepted_lesson_keys,
    ));
    assert!(
        missing.is_empty(),
        "README.md's scenario vocabulary has no row for: {}",
        missing.join(", ")
    );
}

// The book explains every key: each one the scenario parser accepts has a row in the scenario
// format chapter, each key of a lesson file one in the lessons chapter, and every error name
// an expectation may list is shown.
#[test]
fn the_book_describes_every_scenario_key() {
    let format = doc("docs/src/scenario-format.md");
    let mut missing = undescribed(&format, "##", &SCENARIO_TABLES, accepted_keys);
    let lessons = doc("docs/src/lessons.md");
    let rows: Vec<&str> = lessons
        .lines()
        .filter(|line| line.starts_with("| `"))
        .collect();
    for (_, document) in LESSON_TABLES {
        for key in accepted_lesson_keys(document) {
            let cell = format!("`{key}`");
            if !rows.iter().any(|row| {
                row.split('|')
                    .nth(1)
                    .is_some_and(|first| first.contains(&cell))
            }) {
                missing.push(format!("`{key}` in docs/src/lessons.md"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the book has no row for: {}",
        missing.join(", ")
    );
    let expect = section(&format, "## `[[expect]]`");
    let names = ksim::scenario::PRODUCER_ERRORS
        .iter()
        .chain(ksim::scenario::CONSUMER_ERRORS);
    for name in names {
        assert!(
            expect.contains(&format!("`{name}`")),
            "docs/src/scenario-format.md does not list the error name {name}"
        );
    }
}

// Every invariant a violation can name has its row in the book's table.
#[test]
fn the_book_lists_every_invariant() {
    let sweeps = doc("docs/src/sweeps.md");
    let table = section(&sweeps, "## Invariants");
    for (name, _) in ksim::observe::invariants::NAMES {
        assert!(
            table.contains(&format!("| `{name}` |")),
            "docs/src/sweeps.md has no row for the invariant {name}"
        );
    }
}

/// The sentence that lists the settings accepted without effect, as the book must give it:
/// grouped by scope in table order, `a`, `b` and `c` within a scope.
fn without_effect_sentence() -> String {
    let mut groups = Vec::new();
    for scope in Scope::ALL {
        let names: Vec<String> = ksim::config::without_effect()
            .filter(|def| def.scope == scope)
            .map(|def| format!("`{}`", def.name))
            .collect();
        let list = match names.as_slice() {
            [] => continue,
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        };
        groups.push(format!("the {scope}'s {list}"));
    }
    format!(
        "Accepted and checked, but without effect in the simulation yet: {}.",
        groups.join("; ")
    )
}

// The book's list of settings accepted without effect is exactly the settings the table flags
// `without_effect`, so a setting that gains an effect leaves the list when its flag goes.
#[test]
fn the_settings_without_effect_are_the_flagged_ones() {
    let text = doc("docs/src/settings.md");
    let section = section(&text, "# Supported Kafka settings");
    let flat: String = section.split_whitespace().collect::<Vec<_>>().join(" ");
    let expected = without_effect_sentence();
    assert!(
        flat.contains(&expected),
        "docs/src/settings.md's list of settings without effect differs from the flags in \
         sim/src/config/catalogue.rs; it should read:\n\n{expected}"
    );
}
