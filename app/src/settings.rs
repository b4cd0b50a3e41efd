//! A client's or topic's effective settings: every setting ksim knows for that kind, with
//! Kafka's default, the value given and who gave it (the default, a properties file, or the
//! command line, which wins over the file as a later `props.put` does). `ksim config` prints
//! them. Values are checked by the same resolution a scenario's `config` table goes through,
//! so a wrong name gets the nearest real one and a wrong value Kafka's range.

use ksim::config::{
    BrokerConfig, CONFIGS, ConfigDef, ConfigDefault, ConfigValue, ConsumerConfig, ProducerConfig,
    Scope, Setting, TopicConfig, ValueKind, lookup,
};

/// Who set a setting's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Nobody: Kafka's default applies.
    Default,
    /// The properties file.
    File,
    /// A `--config NAME=VALUE` flag, over the file.
    CommandLine,
    /// The client itself, from other settings: `KafkaProducer` turns a defaulted
    /// `enable.idempotence` off when `acks`, `retries` or the requests in flight conflict with
    /// it, and raises a defaulted `delivery.timeout.ms` to `linger.ms + request.timeout.ms`.
    Derived,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "file",
            Source::CommandLine => "command line",
            Source::Derived => "derived",
        }
    }
}

/// One setting as it ends up.
#[derive(Clone, Debug, PartialEq)]
pub struct Effective {
    pub def: &'static ConfigDef,
    /// The value given, as written; `None` when the default applies.
    pub given: Option<String>,
    pub source: Source,
}

impl Effective {
    /// The value in force: the one given, else the default as Kafka documents it.
    pub fn value(&self) -> String {
        match &self.given {
            Some(value) => value.clone(),
            None => default_text(self.def),
        }
    }
}

/// The default without quotes: `all`, `16384`, `(unset)`.
pub fn default_text(def: &ConfigDef) -> String {
    match def.default {
        ConfigDefault::Text(text) => text.to_string(),
        _ => def.default_text(),
    }
}

/// A setting refused: which one (name and where it came from) and Kafka's or ksim's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    pub name: String,
    pub source: Source,
    /// The line of the properties file, for a setting from it.
    pub line: Option<usize>,
    pub message: String,
}

/// A `key=value` (or `key: value`) line of a properties file, with its 1-based line number.
pub type PropertyLine = (usize, String, String);

/// Reads a Java properties file's simple form: `#` and `!` comments, blank lines, `key=value`
/// or `key: value` with spaces trimmed. Returns the bad line's number and text otherwise.
pub fn parse_properties(text: &str) -> Result<Vec<PropertyLine>, (usize, String)> {
    let mut out = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let split = line
            .find(['=', ':'])
            .map(|at| (&line[..at], &line[at + 1..]));
        match split {
            Some((key, value)) if !key.trim().is_empty() => {
                out.push((index + 1, key.trim().to_string(), value.trim().to_string()));
            }
            _ => return Err((index + 1, raw.to_string())),
        }
    }
    Ok(out)
}

/// The typed value a scenario's TOML would carry for this text: properties are all strings,
/// Kafka's `ConfigDef` parses them by the setting's type.
fn typed(scope: Scope, name: &str, text: &str) -> ConfigValue {
    match lookup(scope, name).map(|def| def.kind) {
        Some(ValueKind::Int { .. }) => text
            .parse()
            .map_or_else(|_| ConfigValue::Str(text.to_string()), ConfigValue::Int),
        Some(ValueKind::Bool) if text.eq_ignore_ascii_case("true") => ConfigValue::Bool(true),
        Some(ValueKind::Bool) if text.eq_ignore_ascii_case("false") => ConfigValue::Bool(false),
        Some(ValueKind::Double { .. }) => text
            .parse()
            .map_or_else(|_| ConfigValue::Str(text.to_string()), ConfigValue::Float),
        _ => ConfigValue::Str(text.to_string()),
    }
}

/// Every setting of `scope` that ksim knows, in the catalogue's order, with the file's values
/// and then the command line's over them; each value checked as a scenario's would be.
pub fn effective(
    scope: Scope,
    file: &[PropertyLine],
    command_line: &[(String, String)],
) -> Result<Vec<Effective>, SettingsError> {
    // Later entries win, as repeated props.put calls do; remember who gave the last value.
    let mut given: Vec<(String, String, Source, Option<usize>)> = Vec::new();
    let entries = file
        .iter()
        .map(|(line, name, value)| (name, value, Source::File, Some(*line)))
        .chain(
            command_line
                .iter()
                .map(|(name, value)| (name, value, Source::CommandLine, None)),
        );
    for (name, value, source, line) in entries {
        given.retain(|(earlier, ..)| earlier != name);
        given.push((name.clone(), value.clone(), source, line));
    }
    let settings: Vec<Setting> = given
        .iter()
        .map(|(name, value, ..)| Setting::new(name.clone(), typed(scope, name, value)))
        .collect();
    // What the producer derives from the others, for the settings it may change.
    let mut derived: Vec<(&str, String)> = Vec::new();
    let checked = match scope {
        Scope::Broker => BrokerConfig::resolve(&settings).map(|_| ()),
        Scope::Topic => TopicConfig::resolve(&BrokerConfig::default(), &settings).map(|_| ()),
        Scope::Producer => ProducerConfig::resolve(&settings).map(|config| {
            derived.push(("enable.idempotence", config.enable_idempotence.to_string()));
            derived.push((
                "delivery.timeout.ms",
                config.delivery_timeout_ms.to_string(),
            ));
        }),
        Scope::Consumer => ConsumerConfig::resolve(&settings).map(|_| ()),
    };
    if let Err(error) = checked {
        let culprit = error.setting.and_then(|index| given.get(index));
        return Err(SettingsError {
            name: culprit.map_or_else(String::new, |(name, ..)| name.clone()),
            source: culprit.map_or(Source::Default, |(_, _, source, _)| *source),
            line: culprit.and_then(|(.., line)| *line),
            message: error.message,
        });
    }
    Ok(CONFIGS
        .iter()
        .filter(|def| def.scope == scope)
        .map(|def| {
            let set = given.iter().find(|(name, ..)| name == def.name);
            let mut setting = Effective {
                def,
                given: set.map(|(_, value, ..)| value.clone()),
                source: set.map_or(Source::Default, |(_, _, source, _)| *source),
            };
            let changed = derived
                .iter()
                .find(|(name, value)| *name == def.name && *value != setting.value());
            if let Some((_, value)) = changed {
                setting.given = Some(value.clone());
                setting.source = Source::Derived;
            }
            setting
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    fn find<'a>(all: &'a [Effective], name: &str) -> &'a Effective {
        all.iter().find(|e| e.def.name == name).unwrap()
    }

    // Comments and blank lines are skipped; both separators work; a line without one is
    // refused with its number.
    #[test]
    fn properties() {
        let text = "# producer\n\nacks=1\n! old\nlinger.ms : 20\n";
        assert_eq!(
            parse_properties(text).unwrap(),
            [
                (3, "acks".to_string(), "1".to_string()),
                (5, "linger.ms".to_string(), "20".to_string())
            ]
        );
        assert_eq!(
            parse_properties("acks=1\nlinger.ms\n"),
            Err((2, "linger.ms".to_string()))
        );
    }

    // Defaults where nothing is given; the file over the default; the command line over the
    // file; every producer setting listed once.
    #[test]
    fn who_set_what() {
        let file = parse_properties("acks=1\nlinger.ms=20\n").unwrap();
        let all = effective(Scope::Producer, &file, &[pair("linger.ms", "50")]).unwrap();
        assert_eq!(
            all.len(),
            CONFIGS
                .iter()
                .filter(|d| d.scope == Scope::Producer)
                .count()
        );
        let acks = find(&all, "acks");
        assert_eq!((acks.value(), acks.source), ("1".to_string(), Source::File));
        let linger = find(&all, "linger.ms");
        assert_eq!(
            (linger.value(), linger.source),
            ("50".to_string(), Source::CommandLine)
        );
        let batch = find(&all, "batch.size");
        assert_eq!(
            (batch.value(), batch.source),
            ("16384".to_string(), Source::Default)
        );
        assert_eq!(find(&all, "compression.type").value(), "none");
        // acks=1 turns the defaulted idempotence off, as KafkaProducer does (KAFKA-13673).
        let idempotence = find(&all, "enable.idempotence");
        assert_eq!(
            (idempotence.value(), idempotence.source),
            ("false".to_string(), Source::Derived)
        );
        let all = effective(Scope::Producer, &[], &[]).unwrap();
        assert_eq!(find(&all, "enable.idempotence").source, Source::Default);
    }

    // A wrong name gets the nearest real one; a wrong value Kafka's range; the culprit's
    // line in the file is named.
    #[test]
    fn refused_settings() {
        let error = effective(Scope::Consumer, &[], &[pair("fetch.min.byte", "1")]).unwrap_err();
        assert_eq!(error.name, "fetch.min.byte");
        assert_eq!(error.source, Source::CommandLine);
        assert!(
            error.message.contains("fetch.min.bytes"),
            "{}",
            error.message
        );
        let file = parse_properties("# x\nmax.poll.records=0\n").unwrap();
        let error = effective(Scope::Consumer, &file, &[]).unwrap_err();
        assert_eq!((error.source, error.line), (Source::File, Some(2)));
        assert!(
            error.message.contains("max.poll.records"),
            "{}",
            error.message
        );
        let error = effective(Scope::Topic, &[], &[pair("message.max.bytes", "10")]).unwrap_err();
        assert!(
            error.message.contains("max.message.bytes"),
            "{}",
            error.message
        );
    }
}
