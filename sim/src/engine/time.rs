//! Simulated time: an integer count of microseconds that only the event queue advances.
//!
//! Kafka's settings are in milliseconds, so `SimTime::from_millis` is the usual way in; scenario
//! files write durations with a unit (`"250ms"`, `"30s"`, `"2m"`), parsed by `parse_duration`.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in simulated time, or a span of it, in microseconds since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_micros(micros: u64) -> SimTime {
        SimTime(micros)
    }

    pub const fn from_millis(millis: u64) -> SimTime {
        SimTime(millis.saturating_mul(1_000))
    }

    pub const fn from_secs(secs: u64) -> SimTime {
        SimTime(secs.saturating_mul(1_000_000))
    }

    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole milliseconds, rounded down, as Kafka's clocks count them.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }

    pub fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(other.0))
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

/// Trace form: milliseconds with three decimals, so every line lines up the same way
/// (`12.345ms`, `60000.000ms`).
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}ms", self.0 / 1_000, self.0 % 1_000)
    }
}

/// A short human form for durations in messages: `250ms`, `30s`, `120s`, `1500us`.
pub fn format_duration(t: SimTime) -> String {
    let us = t.0;
    if us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else if us.is_multiple_of(1_000) {
        format!("{}ms", us / 1_000)
    } else {
        format!("{}us", us)
    }
}

/// Parses a duration with a unit: `us`, `ms`, `s`, `m` or `h`, after an integer or a decimal
/// number (`"1.5s"`). Returns a sentence saying what was expected when the text is not one.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let micros_per_unit: u64 = match unit.trim() {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        "" => {
            return Err(format!(
                "expected a duration with a unit such as \"250ms\" or \"30s\", found \"{text}\""
            ));
        }
        other => {
            return Err(format!(
                "expected a duration unit (us, ms, s, m or h), found \"{other}\" in \"{text}\""
            ));
        }
    };
    let bad_number =
        || format!("expected a duration such as \"250ms\" or \"30s\", found \"{text}\"");
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err(bad_number());
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole: u64 = whole.parse().map_err(|_| bad_number())?;
    let mut micros = whole
        .checked_mul(micros_per_unit)
        .ok_or_else(|| format!("the duration \"{text}\" is too long"))?;
    if !fraction.is_empty() {
        if fraction.contains('.') {
            return Err(bad_number());
        }
        let digits = fraction.len().min(12) as u32;
        let fraction: u64 = fraction[..digits as usize]
            .parse()
            .map_err(|_| bad_number())?;
        let part = (fraction as u128 * micros_per_unit as u128) / 10u128.pow(digits);
        micros = micros.saturating_add(part as u64);
    }
    Ok(SimTime(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every unit the scenario format accepts maps to the right number of microseconds.
    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_duration("250ms"), Ok(SimTime::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(SimTime::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(SimTime::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(SimTime::from_secs(3600)));
        assert_eq!(parse_duration("15us"), Ok(SimTime(15)));
        assert_eq!(parse_duration("1.5s"), Ok(SimTime::from_millis(1500)));
        assert_eq!(parse_duration("0s"), Ok(SimTime::ZERO));
    }

    // A number without a unit, or with a made-up one, is refused with a sentence.
    #[test]
    fn refuses_missing_or_unknown_units() {
        assert!(parse_duration("250").unwrap_err().contains("with a unit"));
        assert!(parse_duration("3 days").unwrap_err().contains("days"));
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("1..2s").is_err());
    }

    // The trace prints time as milliseconds with three decimals.
    #[test]
    fn displays_as_milliseconds() {
        assert_eq!(SimTime(12_345).to_string(), "12.345ms");
        assert_eq!(SimTime::from_secs(60).to_string(), "60000.000ms");
        assert_eq!(format_duration(SimTime::from_secs(120)), "120s");
        assert_eq!(format_duration(SimTime::from_millis(1500)), "1500ms");
    }
}
