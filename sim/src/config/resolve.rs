//! Resolution: each setting checked against the table, Kafka's defaults for the rest, read
//! out by the typed structs' `resolve`.

use std::collections::BTreeMap;

use super::*;

/// A checked value.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Value {
    Int(i64),
    Bool(bool),
    Text(String),
    Unset,
}

/// Checks `value` against `def`, accepting what Kafka's `ConfigDef.parseType` accepts.
pub(super) fn check_value(def: &ConfigDef, value: &ConfigValue) -> Result<Value, String> {
    let refuse = || {
        format!(
            "invalid value {value} for {} config \"{}\": expected {}",
            def.scope,
            def.name,
            def.expected()
        )
    };
    match def.kind {
        ValueKind::Int { min, max } => {
            let v = match value {
                ConfigValue::Int(v) => *v,
                ConfigValue::Str(s) => s.trim().parse::<i64>().map_err(|_| refuse())?,
                _ => return Err(refuse()),
            };
            if v < min || v > max {
                return Err(refuse());
            }
            Ok(Value::Int(v))
        }
        ValueKind::Bool => match value {
            ConfigValue::Bool(b) => Ok(Value::Bool(*b)),
            ConfigValue::Str(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            ConfigValue::Str(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(refuse()),
        },
        ValueKind::OneOf(allowed) => {
            // `acks = 1` and `acks = -1` are written as integers often enough to accept them.
            let text = match value {
                ConfigValue::Str(s) => s.trim().to_string(),
                ConfigValue::Int(v) => v.to_string(),
                _ => return Err(refuse()),
            };
            if allowed.contains(&text.as_str()) {
                Ok(Value::Text(text))
            } else {
                Err(refuse())
            }
        }
        ValueKind::ClassList(allowed) => {
            let ConfigValue::Str(s) = value else {
                return Err(refuse());
            };
            let names: Vec<&str> = s.split(',').map(str::trim).collect();
            if names.iter().all(|n| allowed.contains(n)) {
                Ok(Value::Text(names.join(",")))
            } else {
                Err(refuse())
            }
        }
        ValueKind::Double { min, max } => {
            let v = match value {
                ConfigValue::Float(v) => *v,
                ConfigValue::Int(v) => *v as f64,
                ConfigValue::Str(s) => s.trim().parse::<f64>().map_err(|_| refuse())?,
                _ => return Err(refuse()),
            };
            if !(min..=max).contains(&v) {
                return Err(refuse());
            }
            Ok(Value::Text(v.to_string()))
        }
        ValueKind::Text { non_empty } => match value {
            ConfigValue::Str(s) => {
                let s = s.trim();
                if s.is_empty() {
                    if non_empty {
                        Err(refuse())
                    } else {
                        Ok(Value::Unset)
                    }
                } else {
                    Ok(Value::Text(s.to_string()))
                }
            }
            _ => Err(refuse()),
        },
    }
}

/// The settings of one scope, each either explicit (with its index) or from the table.
pub(super) struct Resolved {
    pub(super) values: BTreeMap<&'static str, (Value, Option<usize>)>,
}

impl Resolved {
    pub(super) fn new(scope: Scope, settings: &[Setting]) -> Result<Resolved, ConfigError> {
        let mut values = BTreeMap::new();
        for def in CONFIGS.iter().filter(|def| def.scope == scope) {
            let value = match def.default {
                ConfigDefault::Int(v) => Value::Int(v),
                ConfigDefault::Bool(b) => Value::Bool(b),
                ConfigDefault::Text(s) => Value::Text(s.to_string()),
                ConfigDefault::Unset | ConfigDefault::Broker(_) => Value::Unset,
            };
            values.insert(def.name, (value, None));
        }
        for (index, setting) in settings.iter().enumerate() {
            let Some(def) = lookup(scope, &setting.name) else {
                return Err(ConfigError::at(
                    Some(index),
                    SettingPart::Name,
                    unknown_name(scope, &setting.name),
                ));
            };
            let value = check_value(def, &setting.value)
                .map_err(|message| ConfigError::at(Some(index), SettingPart::Value, message))?;
            let slot = values
                .get_mut(def.name)
                .expect("every name of the scope was filled in above");
            if slot.1.is_some() {
                return Err(ConfigError::at(
                    Some(index),
                    SettingPart::Name,
                    format!("{scope} config \"{}\" is given twice", def.name),
                ));
            }
            *slot = (value, Some(index));
        }
        Ok(Resolved { values })
    }

    pub(super) fn value(&self, name: &str) -> &Value {
        &self
            .values
            .get(name)
            .unwrap_or_else(|| panic!("\"{name}\" is not in the config table"))
            .0
    }

    /// The index of the setting that gave `name`, if the scenario gave it.
    pub(super) fn explicit(&self, name: &str) -> Option<usize> {
        self.values.get(name).and_then(|(_, index)| *index)
    }

    pub(super) fn opt_int(&self, name: &str) -> Option<i64> {
        match self.value(name) {
            Value::Int(v) => Some(*v),
            Value::Unset => None,
            other => panic!("\"{name}\" is an integer in the table, not {other:?}"),
        }
    }

    pub(super) fn opt_u64(&self, name: &str) -> Option<u64> {
        self.opt_int(name).map(|v| {
            u64::try_from(v).expect("the table's ranges keep integer settings non-negative")
        })
    }

    pub(super) fn u64(&self, name: &str) -> u64 {
        self.opt_u64(name)
            .unwrap_or_else(|| panic!("\"{name}\" has a default in the table"))
    }

    pub(super) fn u32(&self, name: &str) -> u32 {
        u32::try_from(self.u64(name)).expect("Java int settings fit in a u32 once non-negative")
    }

    pub(super) fn opt_bool(&self, name: &str) -> Option<bool> {
        match self.value(name) {
            Value::Bool(b) => Some(*b),
            Value::Unset => None,
            other => panic!("\"{name}\" is a boolean in the table, not {other:?}"),
        }
    }

    pub(super) fn bool(&self, name: &str) -> bool {
        self.opt_bool(name)
            .unwrap_or_else(|| panic!("\"{name}\" has a default in the table"))
    }

    pub(super) fn text(&self, name: &str) -> Option<String> {
        match self.value(name) {
            Value::Text(s) => Some(s.clone()),
            Value::Unset => None,
            other => panic!("\"{name}\" is a string in the table, not {other:?}"),
        }
    }

    pub(super) fn double(&self, name: &str) -> f64 {
        self.opt_double(name)
            .unwrap_or_else(|| panic!("\"{name}\" has a default in the table"))
    }

    pub(super) fn opt_double(&self, name: &str) -> Option<f64> {
        self.text(name).map(|t| {
            t.parse()
                .expect("doubles are checked before they are stored")
        })
    }

    /// A size where any negative means "no limit", as Kafka reads `retention.bytes`.
    pub(super) fn opt_limit(&self, name: &str) -> Option<Option<u64>> {
        self.opt_int(name).map(|v| u64::try_from(v).ok())
    }

    pub(super) fn choice(&self, name: &str) -> String {
        self.text(name)
            .unwrap_or_else(|| panic!("\"{name}\" has a default in the table"))
    }
}
