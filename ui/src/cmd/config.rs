//! `ksim config producer|consumer|topic|broker [--file F] [--config NAME=VALUE …]`: the
//! effective settings of a client or topic: every setting ksim knows for that kind, its value,
//! Kafka's default and who set it (S22). The rules live in `ksim_app::settings`.

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use ksim::config::Scope;
use ksim_app::lesson::Lang;
use ksim_app::settings::{Effective, Source, default_text, effective, parse_properties};

use crate::output;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfigKind {
    Producer,
    Consumer,
    Topic,
    Broker,
}

impl ConfigKind {
    fn scope(self) -> Scope {
        match self {
            ConfigKind::Producer => Scope::Producer,
            ConfigKind::Consumer => Scope::Consumer,
            ConfigKind::Topic => Scope::Topic,
            ConfigKind::Broker => Scope::Broker,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfigFormat {
    /// A table: name, value, who set it, Kafka's default.
    Text,
    /// `[{"name": "acks", "value": "1", "default": "all", "source": "file"}, …]`.
    Json,
}

pub fn config(
    kind: ConfigKind,
    file: Option<&Path>,
    configs: &[String],
    changed: bool,
    format: ConfigFormat,
    lang: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    let label = file.map(|path| path.display().to_string());
    let lines = match file {
        None => Vec::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            parse_properties(&text).map_err(|(line, text)| {
                let path = path.display();
                anyhow::anyhow!(in_lang!(
                    lang,
                    "{path}:{line}: expected NAME=VALUE, found \"{text}\"",
                    "{path}:{line}: NAME=VALUE 형식이어야 하는데 \"{text}\"입니다"
                ))
            })?
        }
    };
    let mut pairs = Vec::with_capacity(configs.len());
    for spec in configs {
        let Some((name, value)) = spec.split_once('=') else {
            anyhow::bail!(in_lang!(
                lang,
                "--config {spec}: expected NAME=VALUE, like acks=1",
                "--config {spec}: acks=1처럼 NAME=VALUE 형식이어야 합니다"
            ));
        };
        pairs.push((name.trim().to_string(), value.trim().to_string()));
    }
    let settings = effective(kind.scope(), &lines, &pairs).map_err(|error| {
        let place = match (error.source, &label, error.line) {
            (Source::File, Some(label), Some(line)) => format!("{label}:{line}"),
            _ => format!("--config {}", error.name),
        };
        anyhow::anyhow!("{place}: {}", error.message)
    })?;
    let shown: Vec<&Effective> = settings
        .iter()
        .filter(|setting| !changed || setting.source != Source::Default)
        .collect();
    let text = match format {
        ConfigFormat::Text => render(kind.scope(), &shown, label.as_deref(), lang),
        ConfigFormat::Json => render_json(&shown),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn source_text(source: Source, lang: Lang) -> &'static str {
    match source {
        Source::Default => lang.pick("default", "기본값"),
        Source::File => lang.pick("file", "파일"),
        Source::CommandLine => lang.pick("command line", "명령줄"),
        Source::Derived => lang.pick("derived", "다른 설정에서 결정"),
    }
}

fn render(scope: Scope, settings: &[&Effective], file: Option<&str>, lang: Lang) -> String {
    let mut out = String::new();
    let from = file.map(|f| format!(" ({f})")).unwrap_or_default();
    match lang {
        Lang::En => writeln!(out, "{scope} settings{from}: {} shown", settings.len()),
        Lang::Ko => writeln!(out, "{scope} 설정{from}: {}개", settings.len()),
    }
    .unwrap();
    let header = [
        lang.pick("name", "이름"),
        lang.pick("value", "값"),
        lang.pick("set by", "설정한 곳"),
        lang.pick("default", "기본값"),
    ];
    let rows: Vec<[String; 4]> = settings
        .iter()
        .map(|s| {
            [
                s.def.name.to_string(),
                s.value(),
                source_text(s.source, lang).to_string(),
                default_text(s.def),
            ]
        })
        .collect();
    let width = |column: usize| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .chain([header[column].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let line = |cells: [&str; 4]| -> String {
        let pad = |text: &str, width: usize| {
            format!("{text}{}", " ".repeat(width - text.chars().count()))
        };
        format!(
            "{}  {}  {}  {}",
            pad(cells[0], widths[0]),
            pad(cells[1], widths[1]),
            pad(cells[2], widths[2]),
            cells[3]
        )
        .trim_end()
        .to_string()
    };
    writeln!(out, "{}", line(header)).unwrap();
    for row in &rows {
        writeln!(out, "{}", line([&row[0], &row[1], &row[2], &row[3]])).unwrap();
    }
    out
}

fn render_json(settings: &[&Effective]) -> String {
    let list: Vec<serde_json::Value> = settings
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.def.name,
                "value": s.value(),
                "default": default_text(s.def),
                "source": s.source.name(),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&list).expect("JSON values serialize");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    // The table lines up its columns and says who set each value.
    #[test]
    fn table() {
        let lines = parse_properties("acks=1\n").unwrap();
        let all = effective(
            Scope::Producer,
            &lines,
            &[("linger.ms".into(), "20".into())],
        )
        .unwrap();
        let shown: Vec<&Effective> = all.iter().filter(|s| s.source != Source::Default).collect();
        assert_eq!(
            render(Scope::Producer, &shown, Some("app.properties"), Lang::En),
            "\
producer settings (app.properties): 3 shown
name                value  set by        default
acks                1      file          all
enable.idempotence  false  derived       true
linger.ms           20     command line  5
"
        );
    }
}
