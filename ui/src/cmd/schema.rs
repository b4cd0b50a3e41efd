//! `ksim schema check` and `ksim schema validate`: Avro schemas as Schema Registry judges them
//! (F32, F42, F44-F47), in English or Korean.
//!
//! `check --mode M OLD.avsc … NEW.avsc` asks the `apache-avro` crate whether one schema can
//! read data written with another, in the directions the mode names, as Confluent Schema
//! Registry does: BACKWARD, a consumer on the new schema reads data written with the previous
//! one; FORWARD, a consumer on the previous schema reads data written with the new one; FULL,
//! both; the `_transitive` modes against every older schema given instead of the latest only.
//!
//! `validate X.avsc` reports the attributes the Avro specification requires and the file lacks
//! (a record needs `name` and `fields`; `namespace` and `doc` are optional), each at its
//! file:line:column, then lets `apache-avro` parse what is left.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::anyhow;
use apache_avro::Schema;
use apache_avro::error::CompatibilityError;
use ksim_app::schema::{CompatibilityMode, can_read, describe_valid, missing_attributes, reason};

use crate::output;
use ksim_app::lesson::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFormat {
    /// Each check with its answer and reason, then the verdict.
    Text,
    /// `{"mode": "backward", "compatible": false, "checks": [{"writer", "reader", "compatible",
    /// "reason"}]}`.
    Json,
}

/// One schema file, read and parsed.
struct SchemaFile {
    label: String,
    short: String,
    schema: Schema,
}

/// One reader/writer question and its answer.
struct Check<'a> {
    writer: &'a SchemaFile,
    reader: &'a SchemaFile,
    /// `None` if the reader can read the writer's data, else why not.
    problem: Option<CompatibilityError>,
}

pub fn check(
    mode: CompatibilityMode,
    paths: &[PathBuf],
    lang: Option<Lang>,
    format: SchemaFormat,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    if paths.len() < 2 {
        anyhow::bail!(in_lang!(
            lang,
            "give at least two schemas, the older first and the new one last",
            "스키마를 둘 이상 주어야 합니다. 오래된 것을 먼저, 새 스키마를 마지막에 둡니다"
        ));
    }
    let files = paths
        .iter()
        .map(|path| read_schema(path, lang))
        .collect::<anyhow::Result<Vec<SchemaFile>>>()?;
    let (new, older) = files.split_last().expect("at least two schemas");
    let against: &[SchemaFile] = if mode.transitive() {
        older
    } else if mode == CompatibilityMode::None {
        &[]
    } else {
        std::slice::from_ref(older.last().expect("at least one older schema"))
    };
    let (backward, forward) = mode.directions();
    let mut checks = Vec::new();
    for old in against.iter().rev() {
        if backward {
            checks.push(Check {
                writer: old,
                reader: new,
                problem: can_read(&old.schema, &new.schema),
            });
        }
        if forward {
            checks.push(Check {
                writer: new,
                reader: old,
                problem: can_read(&new.schema, &old.schema),
            });
        }
    }
    let compatible = checks.iter().all(|check| check.problem.is_none());
    let skipped = if mode == CompatibilityMode::None {
        0
    } else {
        older.len() - against.len()
    };
    let text = match format {
        SchemaFormat::Text => render_check(mode, new, &checks, skipped, compatible, lang),
        SchemaFormat::Json => render_check_json(mode, &checks, compatible, lang),
    };
    output::print(&text)?;
    Ok(if compatible {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_text(path: &Path, lang: Lang) -> anyhow::Result<(String, String)> {
    let label = path.display().to_string();
    let bytes = match lang {
        Lang::En => ksim_app::scenario_files::read(path, "an Avro schema file (.avsc)")?,
        Lang::Ko => read_ko(path, &label)?,
    };
    let text = String::from_utf8(bytes).map_err(|error| {
        let byte = error.utf8_error().valid_up_to();
        anyhow!(in_lang!(
            lang,
            "{label}: not a text file (invalid UTF-8 at byte {byte})",
            "{label}: 텍스트 파일이 아닙니다({byte}번째 바이트가 UTF-8이 아님)"
        ))
    })?;
    Ok((label, text))
}

/// Reads a schema file, saying in Korean why it cannot be read, as
/// `ksim_app::scenario_files::read` says it in English.
fn read_ko(path: &Path, label: &str) -> anyhow::Result<Vec<u8>> {
    let expected = "Avro 스키마 파일(.avsc)이 필요합니다";
    if path.is_dir() {
        return Err(anyhow!("{label}은(는) 디렉터리입니다. {expected}"));
    }
    std::fs::read(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => anyhow!("{label}이(가) 없습니다. {expected}"),
        _ => anyhow!("{label}을(를) 읽을 수 없습니다({error}). {expected}"),
    })
}

/// A JSON syntax error at file:line:column, without serde_json's own "at line L column C"
/// repeating the position.
fn not_json(label: &str, error: &serde_json::Error, lang: Lang) -> anyhow::Error {
    let (line, column) = (error.line(), error.column());
    let message = error.to_string();
    let message = message
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&message);
    anyhow!(in_lang!(
        lang,
        "{label}:{line}:{column}: not JSON: {message}",
        "{label}:{line}:{column}: JSON이 아닙니다: {message}"
    ))
}

/// Reads a schema file: JSON syntax errors at file:line:column, then Avro's own parse.
fn read_schema(path: &Path, lang: Lang) -> anyhow::Result<SchemaFile> {
    let (label, text) = read_text(path, lang)?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| not_json(&label, &error, lang))?;
    let missing = missing_attributes(&text).unwrap_or_default();
    if let Some(first) = missing.first() {
        let (line, column, problem) = (first.line, first.column, first.message(lang));
        return Err(anyhow!(in_lang!(
            lang,
            "{label}:{line}:{column}: not a valid Avro schema: {problem} (ksim schema validate \
             {label} lists every problem)",
            "{label}:{line}:{column}: 유효한 Avro 스키마가 아닙니다: {problem} (ksim schema \
             validate {label}가 문제를 모두 보여 줍니다)"
        )));
    }
    let schema = Schema::parse(&json).map_err(|error| {
        anyhow!(in_lang!(
            lang,
            "{label}: not a valid Avro schema: {error}",
            "{label}: 유효한 Avro 스키마가 아닙니다: {error}"
        ))
    })?;
    let short = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| label.clone());
    Ok(SchemaFile {
        label,
        short,
        schema,
    })
}

fn render_check(
    mode: CompatibilityMode,
    new: &SchemaFile,
    checks: &[Check],
    skipped: usize,
    compatible: bool,
    lang: Lang,
) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "{} {}: {}",
        lang.pick("mode", "모드"),
        mode.registry_name(),
        mode.meaning(lang)
    )
    .unwrap();
    writeln!(
        out,
        "{} {}",
        lang.pick("new schema:", "새 스키마:"),
        new.label
    )
    .unwrap();
    for check in checks {
        let answer = match (&check.problem, lang) {
            (None, Lang::En) => "yes".to_string(),
            (None, Lang::Ko) => "예".to_string(),
            (Some(problem), Lang::En) => format!("no: {}", reason(problem, lang)),
            (Some(problem), Lang::Ko) => format!("아니요: {}", reason(problem, lang)),
        };
        match lang {
            Lang::En => writeln!(
                out,
                "  can {} (reader) read data written with {} (writer)? {answer}",
                check.reader.short, check.writer.short
            ),
            Lang::Ko => writeln!(
                out,
                "  {}(읽는 쪽)로 {}(쓰는 쪽)가 쓴 데이터를 읽을 수 있는가? {answer}",
                check.reader.short, check.writer.short
            ),
        }
        .unwrap();
    }
    if skipped > 0 {
        match lang {
            Lang::En => writeln!(
                out,
                "  ({skipped} older {} not checked: {} compares with the latest version only; \
                 the _transitive mode checks them all)",
                if skipped == 1 { "schema" } else { "schemas" },
                mode.registry_name()
            ),
            Lang::Ko => writeln!(
                out,
                "  (이전 스키마 {skipped}개는 검사하지 않음: {}는 최신 버전과만 비교합니다. 모두 \
                 검사하려면 _transitive 모드를 쓰세요)",
                mode.registry_name()
            ),
        }
        .unwrap();
    }
    let verdict = match (compatible, lang) {
        (true, Lang::En) => "compatible",
        (true, Lang::Ko) => "호환됨",
        (false, Lang::En) => {
            "incompatible: Schema Registry would refuse to register the new schema"
        }
        (false, Lang::Ko) => "호환되지 않음: 스키마 레지스트리가 새 스키마 등록을 거부합니다",
    };
    writeln!(out, "{verdict}").unwrap();
    out
}

fn render_check_json(
    mode: CompatibilityMode,
    checks: &[Check],
    compatible: bool,
    lang: Lang,
) -> String {
    let checks: Vec<serde_json::Value> = checks
        .iter()
        .map(|check| {
            serde_json::json!({
                "writer": check.writer.label,
                "reader": check.reader.label,
                "compatible": check.problem.is_none(),
                "reason": check.problem.as_ref().map(|p| reason(p, lang)),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "mode": mode.registry_name().to_lowercase(),
        "compatible": compatible,
        "checks": checks,
    }))
    .expect("plain JSON values");
    text.push('\n');
    text
}

pub fn validate(path: &Path, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    let (label, text) = read_text(path, lang)?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| not_json(&label, &error, lang))?;
    let missing = missing_attributes(&text).map_err(|error| {
        anyhow!(in_lang!(
            lang,
            "{label}: not JSON: {error}",
            "{label}: JSON이 아닙니다: {error}"
        ))
    })?;
    let mut out = String::new();
    for problem in &missing {
        writeln!(
            out,
            "{label}:{}:{}: {}",
            problem.line,
            problem.column,
            problem.message(lang)
        )
        .unwrap();
    }
    let rule = lang.pick(
        "F42: a record needs \"name\" and \"fields\"; \"namespace\" and \"doc\" are optional",
        "F42: 레코드 스키마(record)에는 \"name\"과 \"fields\"가 필요하고, \"namespace\"와 \"doc\"은 선택입니다",
    );
    if !missing.is_empty() {
        match lang {
            Lang::En => writeln!(
                out,
                "{label}: invalid: {} required {} missing ({rule})",
                missing.len(),
                if missing.len() == 1 {
                    "attribute"
                } else {
                    "attributes"
                }
            ),
            Lang::Ko => writeln!(
                out,
                "{label}: 유효하지 않음: 필수 속성 {}개 누락 ({rule})",
                missing.len()
            ),
        }
        .unwrap();
        output::print(&out)?;
        return Ok(ExitCode::from(1));
    }
    match Schema::parse(&json) {
        Err(error) => {
            match lang {
                Lang::En => writeln!(out, "{label}: invalid: {error}"),
                Lang::Ko => writeln!(out, "{label}: 유효하지 않음: {error}"),
            }
            .unwrap();
            output::print(&out)?;
            Ok(ExitCode::from(1))
        }
        Ok(schema) => {
            writeln!(out, "{label}: {}", describe_valid(&schema, &json, lang)).unwrap();
            writeln!(out, "{rule}").unwrap();
            output::print(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A JSON syntax error gives its position once, as file:line:column.
    #[test]
    fn a_json_error_gives_its_position_once() {
        let error = serde_json::from_str::<serde_json::Value>("{\"type\":\n  [}").unwrap_err();
        assert_eq!(
            not_json("bad.avsc", &error, Lang::En).to_string(),
            "bad.avsc:2:4: not JSON: expected value"
        );
        assert_eq!(
            not_json("bad.avsc", &error, Lang::Ko).to_string(),
            "bad.avsc:2:4: JSON이 아닙니다: expected value"
        );
    }

    // With --lang ko a file that cannot be read, and a schema that is not valid Avro, are told
    // in Korean, at the same position.
    #[test]
    fn errors_in_korean() {
        let missing = read_schema(Path::new("no-such.avsc"), Lang::Ko)
            .err()
            .unwrap();
        assert_eq!(
            missing.to_string(),
            "no-such.avsc이(가) 없습니다. Avro 스키마 파일(.avsc)이 필요합니다"
        );
        let dir = std::env::temp_dir().join(format!("ksim-schema-ko-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.avsc");
        std::fs::write(
            &path,
            r#"{"type": "record", "name": "x", "fields": [{"name": "a", "type": "nope"}]}"#,
        )
        .unwrap();
        let invalid = read_schema(&path, Lang::Ko).err().unwrap().to_string();
        assert!(
            invalid.contains("유효한 Avro 스키마가 아닙니다: "),
            "{invalid}"
        );
        std::fs::write(&path, r#"{"type": "record", "fields": []}"#).unwrap();
        let lacking = read_schema(&path, Lang::Ko).err().unwrap().to_string();
        assert!(
            lacking.contains(": 유효한 Avro 스키마가 아닙니다: "),
            "{lacking}"
        );
        assert!(lacking.contains("문제를 모두 보여 줍니다"), "{lacking}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
