//! Settings as a scenario gives them (`config = { … }` entries), and the errors about them,
//! with the nearest real name suggested for an unknown one.

use std::fmt;

use super::*;

/// A value as written in a scenario's `config` table, before it is checked against the table.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    /// Something no Kafka setting takes, described for messages (`an array`, `a table`).
    Other(&'static str),
}

impl fmt::Display for ConfigValue {
    /// As a message quotes it: `500`, `true`, `"most"`, `an array`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Int(v) => write!(f, "{v}"),
            ConfigValue::Float(v) => write!(f, "{v}"),
            ConfigValue::Bool(b) => write!(f, "{b}"),
            ConfigValue::Str(s) => write!(f, "{s:?}"),
            ConfigValue::Other(what) => f.write_str(what),
        }
    }
}

/// One `"name" = value` pair of a `config` table.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub name: String,
    pub value: ConfigValue,
}

impl Setting {
    pub fn new(name: impl Into<String>, value: ConfigValue) -> Setting {
        Setting {
            name: name.into(),
            value,
        }
    }
}

/// Which half of a setting an error is about, so the caller can point at the name or the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingPart {
    Name,
    Value,
}

/// A setting Kafka would refuse, or one ksim does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// The setting at fault, as an index into the slice given to `resolve`; `None` only if no
    /// single setting is to blame.
    pub setting: Option<usize>,
    pub part: SettingPart,
    pub message: String,
}

impl ConfigError {
    pub(super) fn at(setting: Option<usize>, part: SettingPart, message: String) -> ConfigError {
        ConfigError {
            setting,
            part,
            message,
        }
    }
}

/// The candidate closest to `word`, if one is close enough to be a likely typo. Underscores,
/// dashes and case are ignored (`min_insync_replicas` finds `min.insync.replicas`), and a
/// candidate that merely extends the word (`linger` → `linger.ms`) counts as close. Every
/// "did you mean" of ksim (settings, scenario and lesson keys, subcommands) asks it.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normalize = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '_' | '-' => '.',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    let word = normalize(word);
    if word.is_empty() {
        return None;
    }
    let limit = (word.chars().count() / 3).max(2);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let normal = normalize(candidate);
        let distance = if normal.starts_with(&word) && normal.len() > word.len() {
            // An extension is a likely match, but a real typo of the full name ranks first.
            1
        } else {
            strsim::damerau_levenshtein(&word, &normal)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The message for a name that is not a supported setting of `scope`.
pub(super) fn unknown_name(scope: Scope, name: &str) -> String {
    // A topic setting under [cluster], or the other way round, has a synonym to point at.
    for def in CONFIGS {
        if let ConfigDefault::Broker(broker_name) = def.default {
            if scope == Scope::Broker && def.name == name && broker_name != name {
                return format!(
                    "\"{name}\" is a topic config; the broker-wide default is \"{broker_name}\""
                );
            }
            if scope == Scope::Topic && broker_name == name && def.name != name {
                return format!(
                    "\"{name}\" is a broker config; a topic overrides it with \"{}\"",
                    def.name
                );
            }
        }
    }
    let elsewhere: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|&other| other != scope && lookup(other, name).is_some())
        .collect();
    if let Some(&first) = elsewhere.first() {
        let scopes: Vec<String> = elsewhere.iter().map(|s| s.to_string()).collect();
        return format!(
            "\"{name}\" is a {} config, not a {scope} config; set it in {}",
            scopes.join(" and "),
            first.table()
        );
    }
    if let Some(suggestion) = nearest(name, names(scope)) {
        return format!("unknown {scope} config \"{name}\", did you mean \"{suggestion}\"?");
    }
    let everywhere = CONFIGS.iter().filter(|def| def.scope != scope);
    if let Some(suggestion) = nearest(name, everywhere.clone().map(|def| def.name)) {
        let other = everywhere
            .clone()
            .find(|def| def.name == suggestion)
            .map(|def| def.scope)
            .unwrap_or(scope);
        return format!(
            "unknown {scope} config \"{name}\"; did you mean the {other} config \"{suggestion}\" (set in {})?",
            other.table()
        );
    }
    let supported: Vec<&str> = names(scope).collect();
    format!(
        "unknown {scope} config \"{name}\"; ksim supports {}",
        supported.join(", ")
    )
}
