//! `ksim windows`: which Kafka Streams windows a record's timestamp falls in, and whether a
//! windowed aggregation still takes it or drops it as late, given the stream time and the
//! grace period (S04). The rules live in `ksim_app::windows`; this file reads the flags and
//! words the answer.

use std::fmt::Write;
use std::process::ExitCode;

use ksim_app::lesson::Lang;
use ksim_app::windows::{Placement, WindowError, WindowKind, place};

use crate::output;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WindowsFormat {
    /// The windows, each kept or dropped, and why.
    Text,
    /// `{"stream_time": 7000, "windows": [{"start": 5000, "end": 10000, "dropped": false, …}]}`.
    Json,
}

/// The flags of `ksim windows`, as typed (durations with a unit, or ms).
pub struct WindowsArgs<'a> {
    pub tumbling: Option<&'a str>,
    pub hopping: Option<&'a str>,
    pub advance: Option<&'a str>,
    pub sliding: Option<&'a str>,
    pub session: Option<&'a str>,
    pub timestamp: &'a str,
    pub stream_time: Option<&'a str>,
    pub grace: &'a str,
}

pub fn windows(
    args: WindowsArgs,
    format: WindowsFormat,
    lang: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    let (kind, timestamp, stream_time, grace) = read(&args, lang)?;
    let placement = place(kind, timestamp, stream_time, grace).map_err(|error| {
        anyhow::anyhow!(match error {
            WindowError::Zero => in_lang!(
                lang,
                "a window's size, advance or gap must be larger than zero, as Kafka Streams requires",
                "Kafka Streams는 윈도우의 크기, advance, gap이 0보다 커야 합니다"
            ),
            WindowError::AdvanceAboveSize => in_lang!(
                lang,
                "--advance must not be larger than the window's size (Kafka Streams refuses it)",
                "--advance는 윈도우 크기보다 클 수 없습니다(Kafka Streams가 거부합니다)"
            ),
        })
    })?;
    let text = match format {
        WindowsFormat::Text => render(kind, timestamp, stream_time, grace, &placement, lang),
        WindowsFormat::Json => render_json(kind, timestamp, grace, &placement),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// A duration in ms: `250`, `250ms`, `5s`, `2m`, `1h`.
pub fn parse_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().ok()?;
    let scale = match unit {
        "" | "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    number.checked_mul(scale)
}

fn read(args: &WindowsArgs, lang: Lang) -> anyhow::Result<(WindowKind, u64, u64, u64)> {
    let ms = |flag: &str, text: &str| -> anyhow::Result<u64> {
        parse_ms(text).ok_or_else(|| {
            anyhow::anyhow!(in_lang!(
                lang,
                "{flag} {text}: expected a duration in ms, or with a unit (250ms, 5s, 2m, 1h)",
                "{flag} {text}: ms 단위 숫자나 단위가 붙은 시간(250ms, 5s, 2m, 1h)이어야 합니다"
            ))
        })
    };
    let given = [
        args.tumbling.is_some(),
        args.hopping.is_some(),
        args.sliding.is_some(),
        args.session.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        anyhow::bail!(in_lang!(
            lang,
            "give one kind of window: --tumbling SIZE, --hopping SIZE --advance A, --sliding DIFFERENCE or --session GAP",
            "윈도우 종류를 하나만 주세요: --tumbling SIZE, --hopping SIZE --advance A, --sliding DIFFERENCE, --session GAP"
        ));
    }
    if args.advance.is_some() && args.hopping.is_none() {
        anyhow::bail!(in_lang!(
            lang,
            "--advance belongs to --hopping",
            "--advance는 --hopping과 함께 씁니다"
        ));
    }
    let kind = if let Some(size) = args.tumbling {
        WindowKind::Tumbling {
            size: ms("--tumbling", size)?,
        }
    } else if let Some(size) = args.hopping {
        let Some(advance) = args.advance else {
            anyhow::bail!(in_lang!(
                lang,
                "--hopping needs --advance, how far each window starts after the previous one",
                "--hopping에는 각 윈도우가 앞 윈도우보다 얼마나 늦게 시작하는지 정하는 --advance가 필요합니다"
            ));
        };
        WindowKind::Hopping {
            size: ms("--hopping", size)?,
            advance: ms("--advance", advance)?,
        }
    } else if let Some(difference) = args.sliding {
        WindowKind::Sliding {
            difference: ms("--sliding", difference)?,
        }
    } else {
        WindowKind::Session {
            gap: ms("--session", args.session.unwrap_or_default())?,
        }
    };
    let timestamp = ms("--timestamp", args.timestamp)?;
    let stream_time = match args.stream_time {
        Some(text) => ms("--stream-time", text)?,
        None => timestamp,
    };
    Ok((kind, timestamp, stream_time, ms("--grace", args.grace)?))
}

fn describe(kind: WindowKind, grace: u64, lang: Lang) -> String {
    match (kind, lang) {
        (WindowKind::Tumbling { size }, Lang::En) => {
            format!("tumbling windows of {size} ms, grace {grace} ms")
        }
        (WindowKind::Tumbling { size }, Lang::Ko) => {
            format!("텀블링 윈도우 {size} ms, grace {grace} ms")
        }
        (WindowKind::Hopping { size, advance }, Lang::En) => {
            format!("hopping windows of {size} ms advancing by {advance} ms, grace {grace} ms")
        }
        (WindowKind::Hopping { size, advance }, Lang::Ko) => {
            format!("호핑 윈도우 {size} ms, {advance} ms씩 이동, grace {grace} ms")
        }
        (WindowKind::Sliding { difference }, Lang::En) => {
            format!("sliding windows with a time difference of {difference} ms, grace {grace} ms")
        }
        (WindowKind::Sliding { difference }, Lang::Ko) => {
            format!("슬라이딩 윈도우, 시간 차 {difference} ms, grace {grace} ms")
        }
        (WindowKind::Session { gap }, Lang::En) => {
            format!("session windows with an inactivity gap of {gap} ms, grace {grace} ms")
        }
        (WindowKind::Session { gap }, Lang::Ko) => {
            format!("세션 윈도우, 비활동 간격 {gap} ms, grace {grace} ms")
        }
    }
}

fn render(
    kind: WindowKind,
    timestamp: u64,
    stream_time_before: u64,
    grace: u64,
    placement: &Placement,
    lang: Lang,
) -> String {
    let mut out = String::new();
    writeln!(out, "{}", describe(kind, grace, lang)).unwrap();
    match lang {
        Lang::En => writeln!(
            out,
            "record at {timestamp} ms; stream time {stream_time_before} ms before it, {} ms with it",
            placement.stream_time
        ),
        Lang::Ko => writeln!(
            out,
            "레코드 타임스탬프 {timestamp} ms, 스트림 시간 이 레코드 전 {stream_time_before} ms, 이 레코드 포함 {} ms",
            placement.stream_time
        ),
    }
    .unwrap();
    let (open, close) = match kind {
        WindowKind::Tumbling { .. } | WindowKind::Hopping { .. } => ('[', ')'),
        WindowKind::Sliding { .. } | WindowKind::Session { .. } => ('[', ']'),
    };
    for window in &placement.windows {
        let fate = match (window.dropped, lang) {
            (false, Lang::En) => format!("kept (closes at stream time {} ms)", window.closes_at),
            (false, Lang::Ko) => format!("반영됨 (스트림 시간 {} ms에 닫힘)", window.closes_at),
            (true, Lang::En) => format!(
                "dropped as late: closed at stream time {} ms",
                window.closes_at
            ),
            (true, Lang::Ko) => format!(
                "늦게 와서 버려짐: 스트림 시간 {} ms에 이미 닫힘",
                window.closes_at
            ),
        };
        writeln!(
            out,
            "  {open}{}, {}{close}  {fate}",
            window.start, window.end
        )
        .unwrap();
    }
    let rule = match (kind, lang) {
        (WindowKind::Tumbling { .. } | WindowKind::Hopping { .. }, Lang::En) => {
            "a window [start, end) takes records while end + grace > stream time"
        }
        (WindowKind::Tumbling { .. } | WindowKind::Hopping { .. }, Lang::Ko) => {
            "윈도우 [start, end)는 end + grace > 스트림 시간인 동안 레코드를 받습니다"
        }
        (WindowKind::Sliding { .. }, Lang::En) => {
            "a sliding window [t - difference, t] includes both ends; a record is dropped when t + difference + grace < stream time"
        }
        (WindowKind::Sliding { .. }, Lang::Ko) => {
            "슬라이딩 윈도우 [t - 시간 차, t]는 양 끝을 포함하고, t + 시간 차 + grace < 스트림 시간이면 레코드가 버려집니다"
        }
        (WindowKind::Session { .. }, Lang::En) => {
            "a lone record starts the session [t, t]; records of the same key within the gap merge into it; dropped when t + gap + grace < stream time"
        }
        (WindowKind::Session { .. }, Lang::Ko) => {
            "홀로 온 레코드는 세션 [t, t]를 시작하고, 비활동 간격 안의 같은 키 레코드가 합쳐집니다. t + gap + grace < 스트림 시간이면 버려집니다"
        }
    };
    writeln!(out, "{rule}").unwrap();
    out
}

fn render_json(kind: WindowKind, timestamp: u64, grace: u64, placement: &Placement) -> String {
    let kind_name = match kind {
        WindowKind::Tumbling { .. } => "tumbling",
        WindowKind::Hopping { .. } => "hopping",
        WindowKind::Sliding { .. } => "sliding",
        WindowKind::Session { .. } => "session",
    };
    let windows: Vec<serde_json::Value> = placement
        .windows
        .iter()
        .map(|w| {
            serde_json::json!({
                "start": w.start,
                "end": w.end,
                "dropped": w.dropped,
                "closes_at": w.closes_at,
            })
        })
        .collect();
    let mut text = serde_json::json!({
        "kind": kind_name,
        "timestamp": timestamp,
        "grace": grace,
        "stream_time": placement.stream_time,
        "windows": windows,
    })
    .to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args<'a>(timestamp: &'a str, stream_time: Option<&'a str>) -> WindowsArgs<'a> {
        WindowsArgs {
            tumbling: None,
            hopping: Some("10s"),
            advance: Some("5s"),
            sliding: None,
            session: None,
            timestamp,
            stream_time,
            grace: "0",
        }
    }

    // Durations take ms or a unit.
    #[test]
    fn durations() {
        assert_eq!(parse_ms("250"), Some(250));
        assert_eq!(parse_ms("250ms"), Some(250));
        assert_eq!(parse_ms("5s"), Some(5000));
        assert_eq!(parse_ms("2m"), Some(120_000));
        assert_eq!(parse_ms("1h"), Some(3_600_000));
        assert_eq!(parse_ms("5 s"), None);
        assert_eq!(parse_ms("-5"), None);
    }

    // A late record in hopping windows: kept in the newer window, dropped from the older one.
    #[test]
    fn text() {
        let (kind, t, s, g) = read(&args("12s", Some("16s")), Lang::En).unwrap();
        let placement = place(kind, t, s, g).unwrap();
        assert_eq!(
            render(kind, t, s, g, &placement, Lang::En),
            "\
hopping windows of 10000 ms advancing by 5000 ms, grace 0 ms
record at 12000 ms; stream time 16000 ms before it, 16000 ms with it
  [5000, 15000)  dropped as late: closed at stream time 15000 ms
  [10000, 20000)  kept (closes at stream time 20000 ms)
a window [start, end) takes records while end + grace > stream time
"
        );
    }

    // One kind of window, and --advance only with --hopping.
    #[test]
    fn bad_flags() {
        let mut two = args("1s", None);
        two.tumbling = Some("5s");
        assert!(
            read(&two, Lang::En)
                .unwrap_err()
                .to_string()
                .starts_with("give one kind of window")
        );
        let mut no_advance = args("1s", None);
        no_advance.advance = None;
        assert!(
            read(&no_advance, Lang::Ko)
                .unwrap_err()
                .to_string()
                .starts_with("--hopping에는")
        );
        assert!(
            read(&args("soon", None), Lang::En)
                .unwrap_err()
                .to_string()
                .starts_with("--timestamp soon: expected a duration")
        );
    }
}
