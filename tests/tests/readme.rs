//! The README against the code: every supported Kafka setting has its row, with the default,
//! range and meaning of `ksim::config::CONFIGS`, and every key the scenario parser accepts is
//! described, so that the documentation cannot drift from what ksim does.

use ksim::config::{CONFIGS, ConfigDef, Scope};

fn readme() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    std::fs::read_to_string(path).expect("README.md is readable")
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
        None => panic!("README.md has no heading starting with {heading:?}"),
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

// Every supported Kafka setting is named in the README and has its row in the table of its
// scope, exactly as `CONFIGS` defines it; no row names a setting that `CONFIGS` does not have.
#[test]
fn readme_lists_every_config() {
    let readme = readme();
    let mut problems: Vec<String> = CONFIGS
        .iter()
        .filter(|def| !readme.contains(&format!("`{}`", def.name)))
        .map(|def| format!("{} config \"{}\" is not mentioned", def.scope, def.name))
        .collect();
    let settings = section(&readme, "## Supported Kafka settings");
    for scope in Scope::ALL {
        let title = scope.to_string();
        let heading = format!("### {}{}", title[..1].to_uppercase(), &title[1..]);
        let found: Vec<&str> = section(settings, &heading)
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
        "README.md and CONFIGS disagree:\n\n{}",
        problems.join("\n\n")
    );
}

/// The keys the parser accepts in one table, read from its own message about an unknown key
/// (`…; valid keys: `at`, `produce`, …`), so that the list follows the parser's structs.
fn accepted_keys(document: &str) -> Vec<String> {
    let error = ksim::scenario::parse(document, "keys.toml")
        .expect_err("the parser refuses an unknown key");
    let (_, list) = error
        .message
        .split_once("valid keys: ")
        .unwrap_or_else(|| panic!("expected a list of valid keys in: {}", error.message));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

// Every key of the scenario format that the parser accepts, every `[[steps]]` action and every
// `[[expect]]` key among them, has a row in the README's section on its table; and every error
// name an expectation may list is shown.
#[test]
fn readme_describes_every_scenario_key() {
    let readme = readme();
    let format = section(&readme, "## Scenario format");
    let tables = [
        ("### Top level", "zzzzzzzz = 1"),
        ("### `[cluster]`", "[cluster]\nzzzzzzzz = 1"),
        ("### `[network]`", "[network]\nzzzzzzzz = 1"),
        ("### `[[topics]]`", "[[topics]]\nzzzzzzzz = 1"),
        ("### `[[producers]]`", "[[producers]]\nzzzzzzzz = 1"),
        ("### `[[consumers]]`", "[[consumers]]\nzzzzzzzz = 1"),
        ("### `[[steps]]`", "[[steps]]\nzzzzzzzz = 1"),
        ("### `[[steps]]`", "[[steps]]\nproduce = { zzzzzzzz = 1 }"),
        ("### `[[steps]]`", "[[steps]]\nslow = { zzzzzzzz = 1 }"),
        (
            "### `[[steps]]`",
            "[[steps]]\nadd_partitions = { zzzzzzzz = 1 }",
        ),
        ("### `[[expect]]`", "[[expect]]\nzzzzzzzz = 1"),
        ("### `[faults]`", "[faults]\nzzzzzzzz = 1"),
    ];
    let mut missing = Vec::new();
    for (heading, document) in tables {
        let keys = accepted_keys(document);
        assert!(!keys.is_empty(), "no keys found for {heading}");
        let described = section(format, heading);
        for key in keys {
            if !described.contains(&format!("| `{key}` |")) {
                missing.push(format!("`{key}` under {heading}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "README.md has no row for: {}",
        missing.join(", ")
    );
    let expect = section(format, "### `[[expect]]`");
    let names = ksim::scenario::PRODUCER_ERRORS
        .iter()
        .chain(ksim::scenario::CONSUMER_ERRORS);
    for name in names {
        assert!(
            expect.contains(&format!("`{name}`")),
            "README.md does not list the error name {name}"
        );
    }
}

// Every invariant a violation can name has its row in the README's table.
#[test]
fn readme_lists_every_invariant() {
    let readme = readme();
    let table = section(&readme, "### Invariants");
    for (name, _) in ksim::observe::invariants::NAMES {
        assert!(
            table.contains(&format!("| `{name}` |")),
            "README.md has no row for the invariant {name}"
        );
    }
}

/// The sentence that lists the settings accepted without effect, as the README must give it:
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

// The README's list of settings accepted without effect is exactly the settings the table
// flags `without_effect`, so a setting that gains an effect leaves the list when its flag goes.
#[test]
fn the_settings_without_effect_are_the_flagged_ones() {
    let text = readme();
    let section = section(&text, "## Supported Kafka settings");
    let flat: String = section.split_whitespace().collect::<Vec<_>>().join(" ");
    let expected = without_effect_sentence();
    assert!(
        flat.contains(&expected),
        "README.md's list of settings without effect differs from the flags in \
         sim/src/config/catalogue.rs; it should read:\n\n{expected}"
    );
}
