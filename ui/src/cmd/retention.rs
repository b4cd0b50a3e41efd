//! `ksim retention --config NAME=VALUE … [--topic-config retention.ms=VALUE]`: how long a
//! topic keeps its records, which of the broker's `log.retention.*` settings or the topic's
//! `retention.ms` decides it, and why the others do not (F50). `--lang ko` explains it in
//! Korean; the JSON is the same in both languages.

use std::fmt::Write;
use std::process::ExitCode;

use anyhow::bail;
use ksim::config::retention::{
    BROKER_SETTINGS, DEFAULT_LOG_RETENTION_HOURS, Retention, RetentionDecision, RetentionError,
    RetentionSetting, RetentionSettings, effective_retention,
};
use ksim_app::lesson::Lang;

use crate::output;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RetentionFormat {
    /// The answer and its reasons, for people.
    Text,
    /// `{"retention_ms": 300000, "unlimited": false, "decided_by": "log.retention.minutes",
    /// "ignored": ["log.retention.hours"]}`.
    Json,
}

pub fn retention(
    broker_configs: &[String],
    topic_configs: &[String],
    format: RetentionFormat,
    lang: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    let settings = read_settings(broker_configs, topic_configs, lang)?;
    let decision = effective_retention(&settings).map_err(|error| match lang {
        Lang::En => anyhow::Error::from(error),
        Lang::Ko => anyhow::anyhow!(refused_ko(&settings)),
    })?;
    let text = match (format, lang) {
        (RetentionFormat::Text, Lang::En) => render(&decision),
        (RetentionFormat::Text, Lang::Ko) => render_ko(&settings, &decision),
        (RetentionFormat::Json, _) => render_json(&decision),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the `NAME=VALUE` flags into settings.
fn read_settings(
    broker_configs: &[String],
    topic_configs: &[String],
    lang: Lang,
) -> anyhow::Result<RetentionSettings> {
    let mut settings = RetentionSettings::default();
    for spec in broker_configs {
        let (name, value) = split(spec, "--config", lang)?;
        let before = settings;
        settings.set_broker_config(name, value).map_err(|error| {
            in_korean(&error, lang, || {
                setting_error_ko(&before, false, name, value, &error.message)
            })
        })?;
    }
    for spec in topic_configs {
        let (name, value) = split(spec, "--topic-config", lang)?;
        let before = settings;
        settings.set_topic_config(name, value).map_err(|error| {
            in_korean(&error, lang, || {
                setting_error_ko(&before, true, name, value, &error.message)
            })
        })?;
    }
    Ok(settings)
}

/// The simulator's error as it is in English, or the same refusal told in Korean.
fn in_korean(error: &RetentionError, lang: Lang, korean: impl FnOnce() -> String) -> anyhow::Error {
    match lang {
        Lang::En => error.clone().into(),
        Lang::Ko => anyhow::anyhow!(korean()),
    }
}

/// Why `name=value` is refused, in Korean: the checks `RetentionSettings::set_broker_config`
/// and `set_topic_config` make, in their order, on the settings as they were before it;
/// `english` is the simulator's message, whose suggested name is kept.
fn setting_error_ko(
    before: &RetentionSettings,
    topic: bool,
    name: &str,
    value: &str,
    english: &str,
) -> String {
    let topic_setting = RetentionSetting::RetentionMs;
    let broker_names: Vec<&str> = BROKER_SETTINGS.iter().map(|s| s.name()).collect();
    let setting = if topic {
        if name != topic_setting.name() {
            if broker_names.contains(&name) {
                return format!(
                    "\"{name}\"은(는) 브로커 설정이지 토픽 설정이 아닙니다. 토픽 설정은 \
                     \"retention.ms\"입니다"
                );
            }
            return unknown_ko("토픽", name, &[topic_setting.name()], english);
        }
        topic_setting
    } else {
        match BROKER_SETTINGS.into_iter().find(|s| s.name() == name) {
            Some(setting) => setting,
            None if name == topic_setting.name() => {
                return format!(
                    "\"{name}\"은(는) 토픽 설정이지 브로커 설정이 아닙니다. 브로커 전체 설정은 \
                     \"log.retention.ms\"입니다"
                );
            }
            None => return unknown_ko("브로커", name, &broker_names, english),
        }
    };
    let is_long = matches!(
        setting,
        RetentionSetting::LogRetentionMs | RetentionSetting::RetentionMs
    );
    let parsed: Option<i64> = if is_long {
        value.trim().parse().ok()
    } else {
        value.trim().parse::<i32>().ok().map(i64::from)
    };
    let Some(number) = parsed else {
        let kind = if is_long { "LONG" } else { "INT" };
        return format!(
            "{name}의 값 \"{value}\"이(가) 잘못되었습니다: {kind} 타입의 숫자가 아닙니다"
        );
    };
    if topic && number < -1 {
        return format!(
            "retention.ms의 값 {number}이(가) 잘못되었습니다: -1 이상이어야 합니다(-1은 무제한)"
        );
    }
    debug_assert!(before.value(setting).is_some(), "the only refusal left");
    format!("{name}이(가) 두 번 주어졌습니다")
}

/// An unknown setting's name, with the nearest retention setting when the simulator's
/// `english` message suggests one.
fn unknown_ko(scope: &str, name: &str, candidates: &[&str], english: &str) -> String {
    let suggestion = english
        .split_once("did you mean \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(suggestion, _)| suggestion);
    match suggestion {
        Some(suggestion) => {
            format!("알 수 없는 {scope} 설정 \"{name}\", \"{suggestion}\"을(를) 말하려던 건가요?")
        }
        None => format!(
            "알 수 없는 {scope} 설정 \"{name}\"; 보존 기간 설정은 {}입니다",
            candidates.join(", ")
        ),
    }
}

/// A broker-wide retention of 0 ms, which Kafka refuses, in Korean.
fn refused_ko(settings: &RetentionSettings) -> String {
    let (name, value) = BROKER_SETTINGS
        .into_iter()
        .find_map(|s| settings.value(s).map(|v| (s.name(), v)))
        .unwrap_or((
            "log.retention.hours",
            i64::from(DEFAULT_LOG_RETENTION_HOURS),
        ));
    format!(
        "{name}={value}이면 보존 기간이 0 ms가 되어 Kafka는 브로커를 시작하지 않습니다: \
         log.retention.ms는 무제한(-1)이거나 1 이상이어야 합니다"
    )
}

/// Reads the `NAME=VALUE` flags and applies F50 to them.
#[cfg(test)]
fn decide(
    broker_configs: &[String],
    topic_configs: &[String],
) -> anyhow::Result<RetentionDecision> {
    Ok(effective_retention(&read_settings(
        broker_configs,
        topic_configs,
        Lang::En,
    )?)?)
}

fn split<'a>(spec: &'a str, flag: &str, lang: Lang) -> anyhow::Result<(&'a str, &'a str)> {
    match spec.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim(), value)),
        _ => bail!(in_lang!(
            lang,
            "{flag} \"{spec}\": expected NAME=VALUE, like log.retention.minutes=5",
            "{flag} \"{spec}\": 이름=값 형식이어야 합니다(예: log.retention.minutes=5)"
        )),
    }
}

fn render(decision: &RetentionDecision) -> String {
    let mut out = String::new();
    writeln!(out, "effective retention: {}", decision.retention).unwrap();
    writeln!(
        out,
        "decided by: {}={}",
        decision.decided_by.name(),
        decision.decided_by_value
    )
    .unwrap();
    writeln!(out, "  because {} (F50)", decision.reason).unwrap();
    if !decision.ignored.is_empty() {
        out.push_str("ignored:\n");
        for ignored in &decision.ignored {
            writeln!(
                out,
                "  {}={}: {}",
                ignored.setting.name(),
                ignored.value,
                ignored.why
            )
            .unwrap();
        }
    }
    out
}

/// The decision in Korean. The sim explains it in English, so the reasons are rebuilt here
/// from the settings: the same F50 rule, in the same order.
fn render_ko(settings: &RetentionSettings, decision: &RetentionDecision) -> String {
    let mut out = String::new();
    writeln!(out, "실제 보존 기간: {}", retention_ko(decision.retention)).unwrap();
    writeln!(
        out,
        "결정한 설정: {}={}",
        decision.decided_by.name(),
        decision.decided_by_value
    )
    .unwrap();
    writeln!(out, "  이유: {} (F50)", reason_ko(settings, decision)).unwrap();
    if !decision.ignored.is_empty() {
        out.push_str("무시된 설정:\n");
        let why = if decision.decided_by == RetentionSetting::RetentionMs {
            "이 토픽에서는 토픽의 retention.ms가 브로커 전체의 log.retention.* 설정을 모두 \
             덮어씁니다"
                .to_string()
        } else {
            format!(
                "{}가 설정되어 있고, 값과 상관없이 설정된 것 중 가장 정밀한 단위가 \
                 우선합니다",
                decision.decided_by.name()
            )
        };
        for ignored in &decision.ignored {
            writeln!(out, "  {}={}: {why}", ignored.setting.name(), ignored.value).unwrap();
        }
    }
    out
}

/// Why the deciding setting decides, in Korean.
fn reason_ko(settings: &RetentionSettings, decision: &RetentionDecision) -> String {
    let winner = decision.decided_by.name();
    let value = decision.decided_by_value;
    if decision.decided_by == RetentionSetting::RetentionMs {
        let broker = effective_retention(&RetentionSettings {
            retention_ms: None,
            ..*settings
        })
        .expect("the broker-wide value was accepted with the topic's override");
        let mut reason = format!(
            "토픽이 retention.ms를 설정했으므로 이 토픽에서는 브로커 전체 값을 덮어씁니다 \
             (자기 값이 없는 토픽에는 브로커의 {}={}에 따라 {})",
            broker.decided_by.name(),
            broker.decided_by_value,
            retention_ko(broker.retention)
        );
        if value == -1 {
            reason.push_str("; -1은 무제한이라는 뜻입니다");
        }
        return reason;
    }
    let mut reason = match decision.decided_by {
        _ if settings.value(decision.decided_by).is_none() => format!(
            "log.retention.ms, log.retention.minutes, log.retention.hours 중 아무것도 \
             설정되지 않아 기본값 {winner}={DEFAULT_LOG_RETENTION_HOURS}이 정합니다"
        ),
        RetentionSetting::LogRetentionMs | RetentionSetting::LogRetentionMinutes => {
            let mut losers: Vec<String> = decision
                .ignored
                .iter()
                .map(|i| format!("{}={}", i.setting.name(), i.value))
                .collect();
            if settings.log_retention_hours.is_none() {
                losers.push(format!(
                    "log.retention.hours={DEFAULT_LOG_RETENTION_HOURS} (기본값)"
                ));
            }
            let set = if decision.decided_by == RetentionSetting::LogRetentionMs {
                "log.retention.ms가 설정되어 있으므로".to_string()
            } else {
                "log.retention.ms는 설정되지 않았고 log.retention.minutes는 설정되어 있으므로"
                    .to_string()
            };
            format!(
                "{set}, 값과 상관없이 {winner}가 {}보다 우선합니다",
                losers.join(", ")
            )
        }
        _ => format!(
            "log.retention.ms도 log.retention.minutes도 설정되지 않아 {winner}={value}이 \
             정합니다"
        ),
    };
    if decision.retention == Retention::Unlimited {
        if value == -1 {
            reason.push_str("; -1은 무제한이라는 뜻입니다");
        } else {
            reason.push_str(&format!(
                "; {value}은 음수이고, Kafka는 이를 -1, 즉 무제한으로 읽습니다"
            ));
        }
    }
    reason
}

/// A retention in Korean: `300000 ms (5분)`, or unlimited.
fn retention_ko(retention: Retention) -> String {
    let Retention::Millis(ms) = retention else {
        return "무제한 (시간 제한 없음)".to_string();
    };
    if ms == 0 {
        return "0 ms (0 ms)".to_string();
    }
    const UNITS: [(u64, &str); 5] = [
        (86_400_000, "일"),
        (3_600_000, "시간"),
        (60_000, "분"),
        (1_000, "초"),
        (1, " ms"),
    ];
    let mut rest = ms;
    let mut parts = Vec::new();
    for (size, unit) in UNITS {
        let count = rest / size;
        rest %= size;
        if count > 0 {
            parts.push(format!("{count}{unit}"));
        }
    }
    format!("{ms} ms ({})", parts.join(" "))
}

/// The decision as one JSON document; `retention_ms` is -1 when unlimited, as Kafka writes it.
fn render_json(decision: &RetentionDecision) -> String {
    let (retention_ms, unlimited) = match decision.retention {
        Retention::Unlimited => (serde_json::json!(-1), true),
        Retention::Millis(ms) => (serde_json::json!(ms), false),
    };
    let ignored: Vec<&str> = decision.ignored.iter().map(|i| i.setting.name()).collect();
    let mut text = serde_json::json!({
        "retention_ms": retention_ms,
        "unlimited": unlimited,
        "decided_by": decision.decided_by.name(),
        "ignored": ignored,
    })
    .to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(specs: &[&str]) -> Vec<String> {
        specs.iter().map(|s| s.to_string()).collect()
    }

    /// The error `ksim retention --lang ko` prints for these flags.
    fn korean_error(broker: &[&str], topic: &[&str]) -> String {
        let settings = match read_settings(&strings(broker), &strings(topic), Lang::Ko) {
            Err(error) => return error.to_string(),
            Ok(settings) => settings,
        };
        match effective_retention(&settings) {
            Err(_) => refused_ko(&settings),
            Ok(_) => panic!("{broker:?} {topic:?} are valid"),
        }
    }

    // With --lang ko every refusal is told in Korean, the settings' names as they are, the
    // nearest name still suggested.
    #[test]
    fn errors_in_korean() {
        let cases = [
            (
                &["log.retention.hour=5"][..],
                &[][..],
                "알 수 없는 브로커 설정 \"log.retention.hour\", \"log.retention.hours\"을(를) \
                 말하려던 건가요?",
            ),
            (
                &["retention.ms=5"],
                &[],
                "\"retention.ms\"은(는) 토픽 설정이지 브로커 설정이 아닙니다. 브로커 전체 설정은 \
                 \"log.retention.ms\"입니다",
            ),
            (
                &[],
                &["log.retention.ms=5"],
                "\"log.retention.ms\"은(는) 브로커 설정이지 토픽 설정이 아닙니다. 토픽 설정은 \
                 \"retention.ms\"입니다",
            ),
            (
                &["log.retention.ms=abc"],
                &[],
                "log.retention.ms의 값 \"abc\"이(가) 잘못되었습니다: LONG 타입의 숫자가 아닙니다",
            ),
            (
                &["log.retention.hours=9999999999"],
                &[],
                "log.retention.hours의 값 \"9999999999\"이(가) 잘못되었습니다: INT 타입의 숫자가 \
                 아닙니다",
            ),
            (
                &[],
                &["retention.ms=-5"],
                "retention.ms의 값 -5이(가) 잘못되었습니다: -1 이상이어야 합니다(-1은 무제한)",
            ),
            (
                &["log.retention.hours=1", "log.retention.hours=2"],
                &[],
                "log.retention.hours이(가) 두 번 주어졌습니다",
            ),
            (
                &["log.retention.ms"],
                &[],
                "--config \"log.retention.ms\": 이름=값 형식이어야 합니다(예: \
                 log.retention.minutes=5)",
            ),
            (
                &["log.retention.ms=0"],
                &[],
                "log.retention.ms=0이면 보존 기간이 0 ms가 되어 Kafka는 브로커를 시작하지 \
                 않습니다: log.retention.ms는 무제한(-1)이거나 1 이상이어야 합니다",
            ),
        ];
        for (broker, topic, expected) in cases {
            assert_eq!(
                korean_error(broker, topic),
                expected,
                "{broker:?} {topic:?}"
            );
        }
    }

    // The example as text: minutes wins with 300000 ms and hours is listed as ignored.
    #[test]
    fn minutes_over_hours_as_text() {
        let decision = decide(
            &strings(&["log.retention.hours=168", "log.retention.minutes=5"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            render(&decision),
            "\
effective retention: 300000 ms (5 minutes)
decided by: log.retention.minutes=5
  because log.retention.ms is not set and log.retention.minutes is, so log.retention.minutes wins over log.retention.hours=168, whatever its value (F50)
ignored:
  log.retention.hours=168: log.retention.minutes is set, and the most precise unit that is set wins, whatever the values
"
        );
    }

    // JSON has the four fields; unlimited is retention_ms -1 with unlimited true.
    #[test]
    fn json_fields() {
        let decision = decide(
            &strings(&["log.retention.hours=168", "log.retention.minutes=5"]),
            &[],
        )
        .unwrap();
        assert_eq!(
            render_json(&decision),
            "{\"decided_by\":\"log.retention.minutes\",\"ignored\":[\"log.retention.hours\"],\
             \"retention_ms\":300000,\"unlimited\":false}\n"
        );
        let decision = decide(&strings(&["log.retention.ms=-1"]), &[]).unwrap();
        assert_eq!(
            render_json(&decision),
            "{\"decided_by\":\"log.retention.ms\",\"ignored\":[],\"retention_ms\":-1,\
             \"unlimited\":true}\n"
        );
    }

    // With no settings at all, the hours default decides and nothing is ignored.
    #[test]
    fn defaults_as_text() {
        let decision = decide(&[], &[]).unwrap();
        assert_eq!(
            render(&decision),
            "\
effective retention: 604800000 ms (7 days)
decided by: log.retention.hours=168
  because none of log.retention.ms, log.retention.minutes and log.retention.hours is set, so the default log.retention.hours=168 decides (F50)
"
        );
    }

    // In Korean the answer, its reason and the ignored settings are Korean, config names as
    // they are.
    #[test]
    fn korean() {
        let korean = |broker: &[&str], topic: &[&str]| {
            let settings = read_settings(&strings(broker), &strings(topic), Lang::En).unwrap();
            render_ko(&settings, &effective_retention(&settings).unwrap())
        };
        assert_eq!(
            korean(&["log.retention.hours=168", "log.retention.minutes=5"], &[]),
            "\
실제 보존 기간: 300000 ms (5분)
결정한 설정: log.retention.minutes=5
  이유: log.retention.ms는 설정되지 않았고 log.retention.minutes는 설정되어 있으므로, 값과 상관없이 log.retention.minutes가 log.retention.hours=168보다 우선합니다 (F50)
무시된 설정:
  log.retention.hours=168: log.retention.minutes가 설정되어 있고, 값과 상관없이 설정된 것 중 가장 정밀한 단위가 우선합니다
"
        );
        assert_eq!(
            korean(&[], &[]),
            "\
실제 보존 기간: 604800000 ms (7일)
결정한 설정: log.retention.hours=168
  이유: log.retention.ms, log.retention.minutes, log.retention.hours 중 아무것도 설정되지 않아 기본값 log.retention.hours=168이 정합니다 (F50)
"
        );
        assert_eq!(
            korean(&["log.retention.ms=90061001"], &["retention.ms=-1"]),
            "\
실제 보존 기간: 무제한 (시간 제한 없음)
결정한 설정: retention.ms=-1
  이유: 토픽이 retention.ms를 설정했으므로 이 토픽에서는 브로커 전체 값을 덮어씁니다 (자기 값이 없는 토픽에는 브로커의 log.retention.ms=90061001에 따라 90061001 ms (1일 1시간 1분 1초 1 ms)); -1은 무제한이라는 뜻입니다 (F50)
무시된 설정:
  log.retention.ms=90061001: 이 토픽에서는 토픽의 retention.ms가 브로커 전체의 log.retention.* 설정을 모두 덮어씁니다
"
        );
        assert!(
            korean(&["log.retention.hours=-2"], &[])
                .contains("log.retention.hours=-2이 정합니다; -2은 음수이고, Kafka는 이를 -1, 즉 무제한으로 읽습니다")
        );
    }

    // A flag without `=` or without a name is refused with the expected form.
    #[test]
    fn malformed_flags() {
        let err = decide(&strings(&["log.retention.ms"]), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--config \"log.retention.ms\": expected NAME=VALUE, like log.retention.minutes=5"
        );
        let err = decide(&[], &strings(&["=5"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--topic-config \"=5\": expected NAME=VALUE, like log.retention.minutes=5"
        );
    }
}
