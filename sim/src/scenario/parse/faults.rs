//! `[faults]`: the nemesis's table, read as TOML spells it and checked into a `FaultSpec`
//! (see `nemesis.rs` for how a schedule is drawn from it).

use serde::Deserialize;
use toml::Spanned;

use super::{Checker, Result, describe};
use crate::config::nearest;
use crate::engine::time::{SimTime, format_duration};
use crate::scenario::nemesis::{FaultKind, FaultSpec};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaults {
    pub kinds: Option<Spanned<Vec<Spanned<String>>>>,
    pub every: Option<Spanned<toml::Value>>,
    pub max_down: Option<Spanned<i64>>,
    pub heal_after: Option<Spanned<toml::Value>>,
    pub quiet: Option<Spanned<toml::Value>>,
    pub start: Option<Spanned<toml::Value>>,
    pub slow_latency: Option<Spanned<toml::Value>>,
    pub sweep_only: Option<Spanned<bool>>,
}

impl Checker<'_> {
    /// `[faults]`, with its defaults: every kind but power loss, a fault every 2 to 8 s, one
    /// broker out at a time for 1 to 5 s, from 1 s on, the last 15 s quiet.
    pub(super) fn faults(&self, raw: &Spanned<RawFaults>) -> Result<FaultSpec> {
        let table = raw.get_ref();
        let kinds = match &table.kinds {
            None => vec![
                FaultKind::Crash,
                FaultKind::Restart,
                FaultKind::Isolate,
                FaultKind::Partition,
                FaultKind::Slow,
            ],
            Some(kinds) => {
                let mut found = Vec::new();
                for kind in kinds.get_ref() {
                    let name = kind.get_ref();
                    let Some(k) = FaultKind::from_name(name) else {
                        let names = FaultKind::ALL.map(FaultKind::name);
                        let guess = nearest(name, names.iter().copied())
                            .map(|g| format!("did you mean \"{g}\"? "))
                            .unwrap_or_default();
                        return self.fail(
                            kind.span(),
                            format!(
                                "`kinds`: unknown fault {name:?}; {guess}the kinds are {}",
                                names.map(|n| format!("\"{n}\"")).join(", ")
                            ),
                        );
                    };
                    if !found.contains(&k) {
                        found.push(k);
                    }
                }
                if found.is_empty() {
                    return self.fail(
                        kinds.span(),
                        "`kinds`: expected at least one kind of fault, such as [\"crash\"], found []",
                    );
                }
                found
            }
        };
        let range =
            |value: &Option<Spanned<toml::Value>>, key: &str, default: (u64, u64)| match value {
                Some(value) => self.duration_range(value, key),
                None => Ok((
                    SimTime::from_millis(default.0),
                    SimTime::from_millis(default.1),
                )),
            };
        let every = range(&table.every, "every", (2_000, 8_000))?;
        if every.1 == SimTime::ZERO {
            let span = table.every.as_ref().map_or(raw.span(), |v| v.span());
            return self.fail(
                span,
                "`every`: expected a pause longer than zero between faults, found \"0s\"",
            );
        }
        let heal_after = range(&table.heal_after, "heal_after", (1_000, 5_000))?;
        let slow_latency = range(&table.slow_latency, "slow_latency", (20, 500))?;
        let max_down = match &table.max_down {
            Some(n) => self.int(n, "max_down", 1, i64::from(self.brokers))? as u32,
            None => 1,
        };
        let moment = |value: &Option<Spanned<toml::Value>>, key: &str, default: u64| match value {
            Some(value) => self.duration_value(value, key),
            None => Ok(SimTime::from_millis(default)),
        };
        let quiet = moment(&table.quiet, "quiet", 15_000)?.min(self.duration);
        let start = moment(&table.start, "start", 1_000)?;
        if let Some(value) = &table.start
            && start > self.duration.saturating_sub(quiet)
        {
            return self.fail(
                value.span(),
                format!(
                    "`start`: faults would start at {} but the quiet period begins at {}",
                    format_duration(start),
                    format_duration(self.duration.saturating_sub(quiet))
                ),
            );
        }
        Ok(FaultSpec {
            kinds,
            every,
            max_down,
            heal_after,
            quiet,
            start,
            slow_latency,
            sweep_only: table.sweep_only.as_ref().is_some_and(|s| *s.get_ref()),
            pos: self.pos(&raw.span()),
        })
    }

    /// A duration, or `[min, max]` to draw from uniformly.
    fn duration_range(
        &self,
        value: &Spanned<toml::Value>,
        key: &str,
    ) -> Result<(SimTime, SimTime)> {
        match value.get_ref() {
            toml::Value::Array(bounds) => {
                let [min, max] = bounds.as_slice() else {
                    return self.fail(
                        value.span(),
                        format!(
                            "`{key}`: expected a duration or a range such as [\"1s\", \"5s\"], found an array of {} values",
                            bounds.len()
                        ),
                    );
                };
                let bound = |v: &toml::Value| {
                    self.duration_value(&Spanned::new(value.span(), v.clone()), key)
                };
                let (low, high) = (bound(min)?, bound(max)?);
                if low > high {
                    return self.fail(
                        value.span(),
                        format!(
                            "`{key}`: expected [min, max] with min no larger than max, found [\"{}\", \"{}\"]",
                            format_duration(low),
                            format_duration(high)
                        ),
                    );
                }
                Ok((low, high))
            }
            toml::Value::String(_) | toml::Value::Integer(_) => {
                let d = self.duration_value(value, key)?;
                Ok((d, d))
            }
            other => self.fail(
                value.span(),
                format!(
                    "`{key}`: expected a duration such as \"2s\" or a range such as [\"1s\", \"5s\"], found {}",
                    describe(other)
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::time::SimTime;
    use crate::scenario::nemesis::FaultKind;
    use crate::scenario::parse;

    fn with_faults(faults: &str) -> String {
        format!("name = \"n\"\nduration = \"60s\"\n[cluster]\nbrokers = 3\n[faults]\n{faults}\n")
    }

    fn error(faults: &str) -> String {
        match parse(&with_faults(faults), "x.toml") {
            Ok(_) => panic!("expected an error for:\n{faults}"),
            Err(e) => e.to_string(),
        }
    }

    // An empty [faults] takes the documented defaults.
    #[test]
    fn defaults() {
        let scenario = parse(&with_faults(""), "x.toml").unwrap();
        let spec = scenario.faults.unwrap();
        assert_eq!(
            spec.kinds,
            [
                FaultKind::Crash,
                FaultKind::Restart,
                FaultKind::Isolate,
                FaultKind::Partition,
                FaultKind::Slow
            ]
        );
        assert_eq!(spec.every, (SimTime::from_secs(2), SimTime::from_secs(8)));
        assert_eq!(
            spec.heal_after,
            (SimTime::from_secs(1), SimTime::from_secs(5))
        );
        assert_eq!(
            (spec.max_down, spec.quiet, spec.start),
            (1, SimTime::from_secs(15), SimTime::from_secs(1))
        );
        assert!(!spec.sweep_only);
        assert_eq!((spec.pos.line, spec.pos.column), (5, 1));
    }

    // Each mistake is named at its place, with what was expected.
    #[test]
    fn mistakes_point_at_their_place() {
        assert_eq!(
            error("kinds = [\"crash\", \"isolat\"]"),
            "x.toml:6:19: `kinds`: unknown fault \"isolat\"; did you mean \"isolate\"? the kinds are \"crash\", \"restart\", \"power_loss\", \"isolate\", \"partition\", \"slow\""
        );
        assert_eq!(
            error("kinds = []"),
            "x.toml:6:9: `kinds`: expected at least one kind of fault, such as [\"crash\"], found []"
        );
        assert_eq!(
            error("every = [\"3s\", \"1s\"]"),
            "x.toml:6:9: `every`: expected [min, max] with min no larger than max, found [\"3s\", \"1s\"]"
        );
        assert_eq!(
            error("every = \"0s\""),
            "x.toml:6:9: `every`: expected a pause longer than zero between faults, found \"0s\""
        );
        assert_eq!(
            error("heal_after = 5"),
            "x.toml:6:14: `heal_after`: expected a duration with a unit such as \"5ms\" or \"5s\", found 5"
        );
        assert_eq!(
            error("max_down = 4"),
            "x.toml:6:12: `max_down`: expected an integer from 1 to 3, found 4"
        );
        assert_eq!(
            error("start = \"50s\""),
            "x.toml:6:9: `start`: faults would start at 50s but the quiet period begins at 45s"
        );
        assert!(
            error("kind = [\"crash\"]")
                .starts_with("x.toml:6:1: unknown key `kind` in [faults], did you mean `kinds`?"),
            "{}",
            error("kind = [\"crash\"]")
        );
    }
}
