//! How long a topic keeps its records: which of the broker's `log.retention.ms`,
//! `log.retention.minutes`, `log.retention.hours` and the topic's `retention.ms` decides, and
//! why (fact F50). `ksim retention` prints it; the log cleaner, once built, will use it.
//!
//! Kafka's rule (reference R10.1, `KafkaConfig.logRetentionTimeMillis`):
//!
//! - The broker-wide retention comes from `log.retention.ms` if it is set, else from
//!   `log.retention.minutes` if it is set, else from `log.retention.hours` (default 168, seven
//!   days). The most precise unit that is *set* wins, whatever the values: `minutes=5` beats
//!   `hours=1` and `hours=1000` alike. Only `log.retention.hours` has a default; the other two
//!   are unset unless written down.
//! - Any negative result means unlimited (Kafka turns it into -1): no time limit at all.
//! - A result of 0 ms is refused: the broker does not start ("log.retention.ms must be
//!   unlimited (-1) or, greater than or equal to 1").
//! - A topic's own `retention.ms` replaces the broker-wide value for that topic. It must be at
//!   least -1; -1 is unlimited, and 0 is allowed (every closed segment is old enough).

use std::fmt;

use crate::config::nearest;

/// The broker-wide settings, most precise first: the order in which Kafka looks at them.
pub const BROKER_SETTINGS: [RetentionSetting; 3] = [
    RetentionSetting::LogRetentionMs,
    RetentionSetting::LogRetentionMinutes,
    RetentionSetting::LogRetentionHours,
];

/// `log.retention.hours` when nothing is set: 168 hours, seven days.
pub const DEFAULT_LOG_RETENTION_HOURS: i32 = 168;

const MILLIS_PER_MINUTE: i64 = 60 * 1000;
const MILLIS_PER_HOUR: i64 = 60 * MILLIS_PER_MINUTE;

/// How long records are kept before their segment may be deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retention {
    /// No time limit (a retention of -1, or any negative value on the broker).
    Unlimited,
    /// Segments whose newest record is older than this many milliseconds may be deleted.
    Millis(u64),
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retention::Unlimited => f.write_str("unlimited (no time limit)"),
            Retention::Millis(ms) => write!(f, "{ms} ms ({})", readable_duration(*ms)),
        }
    }
}

/// One of the four settings that can decide a topic's retention time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetentionSetting {
    /// Broker `log.retention.ms` (a LONG, unset by default).
    LogRetentionMs,
    /// Broker `log.retention.minutes` (an INT, unset by default).
    LogRetentionMinutes,
    /// Broker `log.retention.hours` (an INT, default 168).
    LogRetentionHours,
    /// Topic `retention.ms` (a LONG, at least -1), which overrides the three broker settings.
    RetentionMs,
}

impl RetentionSetting {
    /// The setting's name, as Kafka spells it.
    pub fn name(self) -> &'static str {
        match self {
            RetentionSetting::LogRetentionMs => "log.retention.ms",
            RetentionSetting::LogRetentionMinutes => "log.retention.minutes",
            RetentionSetting::LogRetentionHours => "log.retention.hours",
            RetentionSetting::RetentionMs => "retention.ms",
        }
    }

    fn is_topic_level(self) -> bool {
        self == RetentionSetting::RetentionMs
    }

    /// Kafka reads `log.retention.minutes` and `log.retention.hours` as Java ints, the two
    /// `.ms` settings as longs.
    fn kafka_type(self) -> &'static str {
        match self {
            RetentionSetting::LogRetentionMinutes | RetentionSetting::LogRetentionHours => "INT",
            RetentionSetting::LogRetentionMs | RetentionSetting::RetentionMs => "LONG",
        }
    }

    /// The value in milliseconds, before negatives are read as unlimited.
    fn millis(self, value: i64) -> i64 {
        match self {
            RetentionSetting::LogRetentionMs | RetentionSetting::RetentionMs => value,
            RetentionSetting::LogRetentionMinutes => value * MILLIS_PER_MINUTE,
            RetentionSetting::LogRetentionHours => value * MILLIS_PER_HOUR,
        }
    }
}

/// Bad retention settings: an unknown name, a value that is not a number of the right type,
/// or a value Kafka refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RetentionError {
    pub message: String,
}

impl RetentionError {
    fn new(message: String) -> Self {
        RetentionError { message }
    }
}

/// The settings as given; `None` is "not set", which is not the same as any value (F50).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionSettings {
    pub log_retention_ms: Option<i64>,
    pub log_retention_minutes: Option<i32>,
    pub log_retention_hours: Option<i32>,
    /// The topic-level override.
    pub retention_ms: Option<i64>,
}

impl RetentionSettings {
    /// Sets a broker setting from its name and text, as a `server.properties` line would.
    /// Unknown names get the nearest supported one suggested; a topic-level name is pointed
    /// to the topic.
    pub fn set_broker_config(&mut self, name: &str, value: &str) -> Result<(), RetentionError> {
        let setting = BROKER_SETTINGS
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                if name == RetentionSetting::RetentionMs.name() {
                    return RetentionError::new(format!(
                        "\"{name}\" is a topic config, not a broker config; the broker-wide \
                         one is \"log.retention.ms\""
                    ));
                }
                unknown("broker", name, BROKER_SETTINGS.iter().map(|s| s.name()))
            })?;
        self.set(setting, value)
    }

    /// Sets the topic's `retention.ms` from its name and text; it is the only topic-level
    /// retention time (there is no `retention.minutes` or `retention.hours`).
    pub fn set_topic_config(&mut self, name: &str, value: &str) -> Result<(), RetentionError> {
        let topic = RetentionSetting::RetentionMs;
        if name != topic.name() {
            if BROKER_SETTINGS.iter().any(|s| s.name() == name) {
                return Err(RetentionError::new(format!(
                    "\"{name}\" is a broker config, not a topic config; the topic-level one is \
                     \"retention.ms\""
                )));
            }
            return Err(unknown("topic", name, [topic.name()]));
        }
        self.set(topic, value)
    }

    fn set(&mut self, setting: RetentionSetting, text: &str) -> Result<(), RetentionError> {
        let given_twice = || RetentionError::new(format!("{} is given twice", setting.name()));
        // Kafka trims the text and parses it as a Java long or int.
        let trimmed = text.trim();
        let not_a_number = || {
            RetentionError::new(format!(
                "invalid value \"{text}\" for {}: not a number of type {}",
                setting.name(),
                setting.kafka_type()
            ))
        };
        match setting {
            RetentionSetting::LogRetentionMs | RetentionSetting::RetentionMs => {
                let value: i64 = trimmed.parse().map_err(|_| not_a_number())?;
                if setting.is_topic_level() && value < -1 {
                    // The topic config's validator is `atLeast(-1)`; only the broker turns other
                    // negatives into -1.
                    return Err(RetentionError::new(format!(
                        "invalid value {value} for retention.ms: value must be at least -1 \
                         (-1 means unlimited)"
                    )));
                }
                let slot = if setting.is_topic_level() {
                    &mut self.retention_ms
                } else {
                    &mut self.log_retention_ms
                };
                if slot.replace(value).is_some() {
                    return Err(given_twice());
                }
            }
            RetentionSetting::LogRetentionMinutes | RetentionSetting::LogRetentionHours => {
                let value: i32 = trimmed.parse().map_err(|_| not_a_number())?;
                let slot = if setting == RetentionSetting::LogRetentionMinutes {
                    &mut self.log_retention_minutes
                } else {
                    &mut self.log_retention_hours
                };
                if slot.replace(value).is_some() {
                    return Err(given_twice());
                }
            }
        }
        Ok(())
    }

    /// The value of a setting if it is set.
    pub fn value(&self, setting: RetentionSetting) -> Option<i64> {
        match setting {
            RetentionSetting::LogRetentionMs => self.log_retention_ms,
            RetentionSetting::LogRetentionMinutes => self.log_retention_minutes.map(i64::from),
            RetentionSetting::LogRetentionHours => self.log_retention_hours.map(i64::from),
            RetentionSetting::RetentionMs => self.retention_ms,
        }
    }
}

fn unknown<'a>(
    scope: &str,
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> RetentionError {
    match nearest(name, candidates.clone()) {
        Some(suggestion) => RetentionError::new(format!(
            "unknown {scope} config \"{name}\", did you mean \"{suggestion}\"?"
        )),
        None => {
            let names: Vec<&str> = candidates.into_iter().collect();
            RetentionError::new(format!(
                "unknown {scope} config \"{name}\"; the retention settings are {}",
                names.join(", ")
            ))
        }
    }
}

/// A setting that was given a value but did not decide, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredSetting {
    pub setting: RetentionSetting,
    pub value: i64,
    pub why: String,
}

/// The effective retention, the setting that decided it, and the explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionDecision {
    pub retention: Retention,
    pub decided_by: RetentionSetting,
    /// The deciding setting's value, or the default when nothing was set.
    pub decided_by_value: i64,
    /// Why this setting decides, in words.
    pub reason: String,
    /// The settings that were given but lost, in Kafka's order of precedence.
    pub ignored: Vec<IgnoredSetting>,
}

/// The broker's answer before any topic override: which setting decides and the
/// milliseconds it gives (negative still meaning unlimited).
struct BrokerRetention {
    decided_by: RetentionSetting,
    value: i64,
    millis: i64,
}

/// Kafka's `logRetentionTimeMillis`: the most precise unit that is set, else the hours default.
fn broker_retention(settings: &RetentionSettings) -> BrokerRetention {
    let (decided_by, value) = BROKER_SETTINGS
        .into_iter()
        .find_map(|s| settings.value(s).map(|v| (s, v)))
        .unwrap_or((
            RetentionSetting::LogRetentionHours,
            i64::from(DEFAULT_LOG_RETENTION_HOURS),
        ));
    BrokerRetention {
        decided_by,
        value,
        millis: decided_by.millis(value),
    }
}

fn retention_of(millis: i64) -> Retention {
    match u64::try_from(millis) {
        Ok(ms) => Retention::Millis(ms),
        Err(_) => Retention::Unlimited,
    }
}

/// Applies F50: decides the topic's effective retention from the broker's three settings and
/// the topic's override, and explains the choice. Fails, as a Kafka broker would refuse to
/// start, when the broker-wide value comes to 0 ms.
pub fn effective_retention(
    settings: &RetentionSettings,
) -> Result<RetentionDecision, RetentionError> {
    let broker = broker_retention(settings);
    if broker.millis == 0 {
        return Err(RetentionError::new(format!(
            "{}={} gives a retention of 0 ms, and Kafka refuses to start the broker: \
             log.retention.ms must be unlimited (-1) or, greater than or equal to 1",
            broker.decided_by.name(),
            broker.value
        )));
    }

    if let Some(topic_value) = settings.retention_ms {
        let ignored = BROKER_SETTINGS
            .into_iter()
            .filter_map(|s| settings.value(s).map(|v| (s, v)))
            .map(|(setting, value)| IgnoredSetting {
                setting,
                value,
                why: "the topic's retention.ms overrides every broker-wide log.retention.* \
                      setting for this topic"
                    .to_string(),
            })
            .collect();
        let mut reason = format!(
            "the topic sets retention.ms, which overrides the broker-wide value for this topic \
             (the broker's {}={} gives {} to topics without their own)",
            broker.decided_by.name(),
            broker.value,
            retention_of(broker.millis)
        );
        if topic_value == -1 {
            reason.push_str("; -1 means unlimited");
        }
        return Ok(RetentionDecision {
            retention: retention_of(topic_value),
            decided_by: RetentionSetting::RetentionMs,
            decided_by_value: topic_value,
            reason,
            ignored,
        });
    }

    let set_after: Vec<(RetentionSetting, i64)> = BROKER_SETTINGS
        .into_iter()
        .filter(|s| *s > broker.decided_by)
        .filter_map(|s| settings.value(s).map(|v| (s, v)))
        .collect();
    let winner = broker.decided_by.name();
    let mut reason = match broker.decided_by {
        _ if settings.value(broker.decided_by).is_none() => format!(
            "none of log.retention.ms, log.retention.minutes and log.retention.hours is set, \
             so the default {winner}={DEFAULT_LOG_RETENTION_HOURS} decides"
        ),
        RetentionSetting::LogRetentionMs => format!(
            "log.retention.ms is set, so it wins over {}, whatever {}",
            losers(&set_after),
            their(&set_after)
        ),
        RetentionSetting::LogRetentionMinutes => format!(
            "log.retention.ms is not set and log.retention.minutes is, so log.retention.minutes \
             wins over {}, whatever {}",
            losers(&set_after),
            their(&set_after)
        ),
        _ => format!(
            "neither log.retention.ms nor log.retention.minutes is set, so {winner}={} decides",
            broker.value
        ),
    };
    if broker.millis < 0 {
        if broker.value == -1 {
            reason.push_str("; -1 means unlimited");
        } else {
            reason.push_str(&format!(
                "; {} is negative, which Kafka reads as -1: unlimited",
                broker.value
            ));
        }
    }
    let ignored = set_after
        .into_iter()
        .map(|(setting, value)| IgnoredSetting {
            setting,
            value,
            why: format!(
                "{winner} is set, and the most precise unit that is set wins, whatever the values"
            ),
        })
        .collect();
    Ok(RetentionDecision {
        retention: retention_of(broker.millis),
        decided_by: broker.decided_by,
        decided_by_value: broker.value,
        reason,
        ignored,
    })
}

/// The less precise settings a winner beats: those set, and `log.retention.hours` with its
/// default when it is not (it always has a value).
fn losers(set_after: &[(RetentionSetting, i64)]) -> String {
    let mut names: Vec<String> = set_after
        .iter()
        .map(|(s, v)| format!("{}={v}", s.name()))
        .collect();
    if !set_after
        .iter()
        .any(|(s, _)| *s == RetentionSetting::LogRetentionHours)
    {
        names.push(format!(
            "log.retention.hours={DEFAULT_LOG_RETENTION_HOURS} (the default)"
        ));
    }
    match names.as_slice() {
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        _ => unreachable!("at most two settings are less precise than the winner"),
    }
}

fn their(set_after: &[(RetentionSetting, i64)]) -> &'static str {
    let hours_set = set_after
        .iter()
        .any(|(s, _)| *s == RetentionSetting::LogRetentionHours);
    // `losers` lists the set ones plus the hours default when hours is not set.
    if set_after.len() + usize::from(!hours_set) > 1 {
        "their values"
    } else {
        "its value"
    }
}

/// Milliseconds in the largest units that divide them: `300000` is "5 minutes", `90061001`
/// is "1 day 1 hour 1 minute 1 second 1 ms".
pub fn readable_duration(ms: u64) -> String {
    if ms == 0 {
        return "0 ms".to_string();
    }
    const UNITS: [(u64, &str); 5] = [
        (86_400_000, "day"),
        (3_600_000, "hour"),
        (60_000, "minute"),
        (1_000, "second"),
        (1, "ms"),
    ];
    let mut rest = ms;
    let mut parts = Vec::new();
    for (size, unit) in UNITS {
        let count = rest / size;
        rest %= size;
        if count > 0 {
            let plural = if count > 1 && unit != "ms" { "s" } else { "" };
            parts.push(format!("{count} {unit}{plural}"));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(broker: &[(&str, &str)], topic: Option<&str>) -> RetentionDecision {
        let mut settings = RetentionSettings::default();
        for (name, value) in broker {
            settings.set_broker_config(name, value).unwrap();
        }
        if let Some(value) = topic {
            settings.set_topic_config("retention.ms", value).unwrap();
        }
        effective_retention(&settings).unwrap()
    }

    fn ignored_names(decision: &RetentionDecision) -> Vec<&'static str> {
        decision.ignored.iter().map(|i| i.setting.name()).collect()
    }

    // F50: with nothing set, log.retention.hours' default of 168 hours (7 days) decides.
    #[test]
    fn default_is_seven_days() {
        let d = decide(&[], None);
        assert_eq!(d.retention, Retention::Millis(604_800_000));
        assert_eq!(d.decided_by, RetentionSetting::LogRetentionHours);
        assert_eq!(d.decided_by_value, 168);
        assert!(d.ignored.is_empty());
        assert_eq!(
            d.reason,
            "none of log.retention.ms, log.retention.minutes and log.retention.hours is set, \
             so the default log.retention.hours=168 decides"
        );
        assert_eq!(d.retention.to_string(), "604800000 ms (7 days)".to_string());
    }

    // F50: the example; minutes is set, so it wins over hours whatever the values.
    #[test]
    fn minutes_win_over_hours() {
        let d = decide(
            &[
                ("log.retention.hours", "168"),
                ("log.retention.minutes", "5"),
            ],
            None,
        );
        assert_eq!(d.retention, Retention::Millis(300_000));
        assert_eq!(d.decided_by, RetentionSetting::LogRetentionMinutes);
        assert_eq!(ignored_names(&d), ["log.retention.hours"]);
        assert_eq!(
            d.reason,
            "log.retention.ms is not set and log.retention.minutes is, so log.retention.minutes \
             wins over log.retention.hours=168, whatever its value"
        );
    }

    // F50: precision decides, not size: minutes=5000 beats a shorter hours=1.
    #[test]
    fn minutes_win_even_when_longer() {
        let d = decide(
            &[
                ("log.retention.hours", "1"),
                ("log.retention.minutes", "5000"),
            ],
            None,
        );
        assert_eq!(d.retention, Retention::Millis(300_000_000));
        assert_eq!(d.decided_by, RetentionSetting::LogRetentionMinutes);
    }

    // F50: log.retention.ms wins over both others, and the reason names their values.
    #[test]
    fn ms_wins_over_minutes_and_hours() {
        let d = decide(
            &[
                ("log.retention.minutes", "5"),
                ("log.retention.hours", "168"),
                ("log.retention.ms", "1000"),
            ],
            None,
        );
        assert_eq!(d.retention, Retention::Millis(1000));
        assert_eq!(d.decided_by, RetentionSetting::LogRetentionMs);
        assert_eq!(
            ignored_names(&d),
            ["log.retention.minutes", "log.retention.hours"]
        );
        assert_eq!(
            d.reason,
            "log.retention.ms is set, so it wins over log.retention.minutes=5 and \
             log.retention.hours=168, whatever their values"
        );
    }

    // F50: log.retention.ms alone still beats the hours default, which is named as such.
    #[test]
    fn ms_alone_beats_the_hours_default() {
        let d = decide(&[("log.retention.ms", "60000")], None);
        assert_eq!(d.retention, Retention::Millis(60_000));
        assert!(d.ignored.is_empty());
        assert_eq!(
            d.reason,
            "log.retention.ms is set, so it wins over log.retention.hours=168 (the default), \
             whatever its value"
        );
    }

    // F50: hours set alone decides.
    #[test]
    fn hours_alone_decide() {
        let d = decide(&[("log.retention.hours", "24")], None);
        assert_eq!(d.retention, Retention::Millis(86_400_000));
        assert_eq!(d.decided_by, RetentionSetting::LogRetentionHours);
        assert_eq!(
            d.reason,
            "neither log.retention.ms nor log.retention.minutes is set, so \
             log.retention.hours=24 decides"
        );
    }

    // F50: -1 is unlimited, and it still wins by being set: ms=-1 beats minutes=5.
    #[test]
    fn minus_one_is_unlimited_and_still_wins() {
        let d = decide(
            &[("log.retention.ms", "-1"), ("log.retention.minutes", "5")],
            None,
        );
        assert_eq!(d.retention, Retention::Unlimited);
        assert_eq!(d.decided_by, RetentionSetting::LogRetentionMs);
        assert_eq!(ignored_names(&d), ["log.retention.minutes"]);
        assert!(d.reason.ends_with("; -1 means unlimited"), "{}", d.reason);
    }

    // Any negative broker value is read as -1, unlimited (KafkaConfig.logRetentionTimeMillis).
    #[test]
    fn other_negatives_are_unlimited_on_the_broker() {
        let d = decide(&[("log.retention.hours", "-3")], None);
        assert_eq!(d.retention, Retention::Unlimited);
        assert!(
            d.reason
                .ends_with("; -3 is negative, which Kafka reads as -1: unlimited"),
            "{}",
            d.reason
        );
    }

    // A broker-wide 0 ms is refused, whichever setting produced it, even with a topic override.
    #[test]
    fn zero_on_the_broker_is_refused() {
        let mut settings = RetentionSettings::default();
        settings
            .set_broker_config("log.retention.minutes", "0")
            .unwrap();
        settings.set_topic_config("retention.ms", "1000").unwrap();
        assert_eq!(
            effective_retention(&settings).unwrap_err().message,
            "log.retention.minutes=0 gives a retention of 0 ms, and Kafka refuses to start the \
             broker: log.retention.ms must be unlimited (-1) or, greater than or equal to 1"
        );
    }

    // F50: the topic's retention.ms overrides every broker setting, which are all ignored.
    #[test]
    fn topic_override_wins() {
        let d = decide(
            &[("log.retention.ms", "1000"), ("log.retention.hours", "1")],
            Some("86400000"),
        );
        assert_eq!(d.retention, Retention::Millis(86_400_000));
        assert_eq!(d.decided_by, RetentionSetting::RetentionMs);
        assert_eq!(
            ignored_names(&d),
            ["log.retention.ms", "log.retention.hours"]
        );
        assert_eq!(
            d.reason,
            "the topic sets retention.ms, which overrides the broker-wide value for this topic \
             (the broker's log.retention.ms=1000 gives 1000 ms (1 second) to topics without \
             their own)"
        );
    }

    // The topic's -1 is unlimited, and 0 is allowed there; below -1 it is refused.
    #[test]
    fn topic_values() {
        assert_eq!(decide(&[], Some("-1")).retention, Retention::Unlimited);
        assert_eq!(decide(&[], Some("0")).retention, Retention::Millis(0));
        let mut settings = RetentionSettings::default();
        assert_eq!(
            settings
                .set_topic_config("retention.ms", "-2")
                .unwrap_err()
                .message,
            "invalid value -2 for retention.ms: value must be at least -1 (-1 means unlimited)"
        );
    }

    // Names: typos get a suggestion, the wrong level is pointed out, a repeat is refused.
    #[test]
    fn bad_names() {
        let mut s = RetentionSettings::default();
        let err = |r: Result<(), RetentionError>| r.unwrap_err().message;
        assert_eq!(
            err(s.set_broker_config("log.retention.minute", "5")),
            "unknown broker config \"log.retention.minute\", did you mean \"log.retention.minutes\"?"
        );
        assert_eq!(
            err(s.set_broker_config("retention.ms", "5")),
            "\"retention.ms\" is a topic config, not a broker config; the broker-wide one is \
             \"log.retention.ms\""
        );
        assert_eq!(
            err(s.set_topic_config("log.retention.hours", "5")),
            "\"log.retention.hours\" is a broker config, not a topic config; the topic-level one \
             is \"retention.ms\""
        );
        assert_eq!(
            err(s.set_broker_config("banana", "5")),
            "unknown broker config \"banana\"; the retention settings are log.retention.ms, \
             log.retention.minutes, log.retention.hours"
        );
        s.set_broker_config("log.retention.ms", "5").unwrap();
        assert_eq!(
            err(s.set_broker_config("log.retention.ms", "6")),
            "log.retention.ms is given twice"
        );
    }

    // Values: Kafka's types (hours and minutes are ints), trimmed like Kafka trims them.
    #[test]
    fn bad_values() {
        let mut s = RetentionSettings::default();
        assert_eq!(
            s.set_broker_config("log.retention.hours", "1d")
                .unwrap_err()
                .message,
            "invalid value \"1d\" for log.retention.hours: not a number of type INT"
        );
        assert_eq!(
            s.set_broker_config("log.retention.minutes", "3000000000")
                .unwrap_err()
                .message,
            "invalid value \"3000000000\" for log.retention.minutes: not a number of type INT"
        );
        s.set_broker_config("log.retention.ms", " 3000000000 ")
            .unwrap();
        assert_eq!(s.log_retention_ms, Some(3_000_000_000));
    }

    // The largest int of hours does not overflow: Kafka computes in longs too.
    #[test]
    fn largest_hours_fit() {
        let d = decide(&[("log.retention.hours", "2147483647")], None);
        assert_eq!(d.retention, Retention::Millis(2_147_483_647 * 3_600_000));
    }

    // Durations read in the largest units that divide them.
    #[test]
    fn readable_durations() {
        assert_eq!(readable_duration(0), "0 ms");
        assert_eq!(readable_duration(300_000), "5 minutes");
        assert_eq!(readable_duration(604_800_000), "7 days");
        assert_eq!(
            readable_duration(90_061_001),
            "1 day 1 hour 1 minute 1 second 1 ms"
        );
        assert_eq!(readable_duration(1500), "1 second 500 ms");
    }
}
