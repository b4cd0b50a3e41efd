//! Avro schemas as Schema Registry judges them (F32, F42, F44-F47), in English or Korean.
//!
//! [`can_read`] asks the `apache-avro` crate whether one schema can read data written with
//! another, with the one rule of Avro 1.9+ it lacks added (an enum's default reads unknown
//! symbols); [`CompatibilityMode`] says which directions Schema Registry's modes check:
//! BACKWARD, a consumer on the new schema reads data written with the previous one; FORWARD, a
//! consumer on the previous schema reads data written with the new one; FULL, both; the
//! `_transitive` modes against every older schema instead of the latest only.
//!
//! [`missing_attributes`] finds the attributes the Avro specification requires and a schema's
//! text lacks (a record needs `name` and `fields`; `namespace` and `doc` are optional), each
//! at its line and column.

use std::collections::BTreeMap;

use apache_avro::Schema;
use apache_avro::error::CompatibilityError;
use apache_avro::schema::UnionSchema;
use apache_avro::schema_compatibility::SchemaCompatibility;
use jsonc_parser::ast::{Object, Value};

use crate::lesson::{Bilingual, Lang};

/// Schema Registry's compatibility types, spelt as its REST API and `--mode` spell them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum CompatibilityMode {
    /// No check: Schema Registry accepts any new schema.
    None,
    Backward,
    Forward,
    Full,
    #[cfg_attr(feature = "clap", value(name = "backward_transitive"))]
    BackwardTransitive,
    #[cfg_attr(feature = "clap", value(name = "forward_transitive"))]
    ForwardTransitive,
    #[cfg_attr(feature = "clap", value(name = "full_transitive"))]
    FullTransitive,
}

impl CompatibilityMode {
    /// The name Schema Registry gives it (`BACKWARD_TRANSITIVE`).
    pub fn registry_name(self) -> &'static str {
        match self {
            CompatibilityMode::None => "NONE",
            CompatibilityMode::Backward => "BACKWARD",
            CompatibilityMode::Forward => "FORWARD",
            CompatibilityMode::Full => "FULL",
            CompatibilityMode::BackwardTransitive => "BACKWARD_TRANSITIVE",
            CompatibilityMode::ForwardTransitive => "FORWARD_TRANSITIVE",
            CompatibilityMode::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    pub fn transitive(self) -> bool {
        matches!(
            self,
            CompatibilityMode::BackwardTransitive
                | CompatibilityMode::ForwardTransitive
                | CompatibilityMode::FullTransitive
        )
    }

    /// Whether the new schema must read the old data (backward), and whether the old schema
    /// must read the new data (forward).
    pub fn directions(self) -> (bool, bool) {
        match self {
            CompatibilityMode::Backward | CompatibilityMode::BackwardTransitive => (true, false),
            CompatibilityMode::Forward | CompatibilityMode::ForwardTransitive => (false, true),
            CompatibilityMode::Full | CompatibilityMode::FullTransitive => (true, true),
            CompatibilityMode::None => (false, false),
        }
    }

    pub fn meaning(self, lang: Lang) -> &'static str {
        let (backward, forward) = self.directions();
        match (backward, forward, lang) {
            (false, false, Lang::En) => "no check: Schema Registry accepts any new schema",
            (false, false, Lang::Ko) => {
                "검사 없음: 스키마 레지스트리가 어떤 새 스키마든 받아들입니다"
            }
            (true, false, Lang::En) => {
                "a consumer on the new schema reads data written with the older one (F45)"
            }
            (true, false, Lang::Ko) => {
                "새 스키마를 쓰는 컨슈머가 이전 스키마로 쓴 데이터를 읽을 수 있어야 합니다 (F45)"
            }
            (false, true, Lang::En) => {
                "a consumer on the older schema reads data written with the new one (F46)"
            }
            (false, true, Lang::Ko) => {
                "이전 스키마를 쓰는 컨슈머가 새 스키마로 쓴 데이터를 읽을 수 있어야 합니다 (F46)"
            }
            (_, _, Lang::En) => "both directions: backward and forward (F47)",
            (_, _, Lang::Ko) => "양방향 모두: backward와 forward (F47)",
        }
    }
}

/// Whether data written with `writer` can be read with `reader`, as Java Avro's
/// `SchemaCompatibility` (which Schema Registry uses) decides: `apache-avro`'s check, with one
/// rule of Avro 1.9+ added. An enum reader whose `default` is one of its symbols reads any
/// symbol it lacks as that default, so before asking `apache-avro` (which does not know the
/// rule) each such reader enum is given the symbols of the writer's enum of the same name.
pub fn can_read(writer: &Schema, reader: &Schema) -> Option<CompatibilityError> {
    let mut writer_enums = BTreeMap::new();
    collect_enum_symbols(writer, &mut writer_enums);
    let reader = with_enum_defaults(reader, &writer_enums);
    SchemaCompatibility::can_read(writer, &reader).err()
}

fn collect_enum_symbols(schema: &Schema, symbols: &mut BTreeMap<String, Vec<String>>) {
    match schema {
        Schema::Enum(enum_schema) => symbols
            .entry(enum_schema.name.name.clone())
            .or_default()
            .extend(enum_schema.symbols.iter().cloned()),
        Schema::Record(record) => {
            for field in &record.fields {
                collect_enum_symbols(&field.schema, symbols);
            }
        }
        Schema::Array(array) => collect_enum_symbols(&array.items, symbols),
        Schema::Map(map) => collect_enum_symbols(&map.types, symbols),
        Schema::Union(union) => {
            for variant in union.variants() {
                collect_enum_symbols(variant, symbols);
            }
        }
        _ => {}
    }
}

fn with_enum_defaults(schema: &Schema, writer_enums: &BTreeMap<String, Vec<String>>) -> Schema {
    match schema {
        Schema::Enum(enum_schema)
            if enum_schema
                .default
                .as_ref()
                .is_some_and(|default| enum_schema.symbols.contains(default)) =>
        {
            let mut enum_schema = enum_schema.clone();
            for symbol in writer_enums
                .get(&enum_schema.name.name)
                .into_iter()
                .flatten()
            {
                if !enum_schema.symbols.contains(symbol) {
                    enum_schema.symbols.push(symbol.clone());
                }
            }
            Schema::Enum(enum_schema)
        }
        Schema::Record(record) => {
            let mut record = record.clone();
            for field in &mut record.fields {
                field.schema = with_enum_defaults(&field.schema, writer_enums);
            }
            Schema::Record(record)
        }
        Schema::Array(array) => {
            let mut array = array.clone();
            array.items = Box::new(with_enum_defaults(&array.items, writer_enums));
            Schema::Array(array)
        }
        Schema::Map(map) => {
            let mut map = map.clone();
            map.types = Box::new(with_enum_defaults(&map.types, writer_enums));
            Schema::Map(map)
        }
        Schema::Union(union) => {
            let variants = union
                .variants()
                .iter()
                .map(|variant| with_enum_defaults(variant, writer_enums))
                .collect();
            UnionSchema::new(variants)
                .map(Schema::Union)
                .unwrap_or_else(|_| schema.clone())
        }
        other => other.clone(),
    }
}

/// The leading name of a schema's debug form (`Int`, `Record(…)`) as Avro spells the type.
pub fn type_name(debug: &str) -> String {
    debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// Why a reader cannot read a writer's data, in words.
pub fn reason(problem: &CompatibilityError, lang: Lang) -> String {
    match (problem, lang) {
        (CompatibilityError::MissingDefaultValue(field), Lang::En) => format!(
            "the reader's field \"{field}\" has no default, and data written with the writer's \
             schema lacks it (a field only the reader has needs a default)"
        ),
        (CompatibilityError::MissingDefaultValue(field), Lang::Ko) => format!(
            "읽는 쪽의 필드 \"{field}\"에 기본값(default)이 없는데 쓰는 쪽 스키마로 쓴 데이터에는 \
             이 필드가 없습니다 (읽는 쪽에만 있는 필드에는 default가 필요합니다)"
        ),
        (CompatibilityError::FieldTypeMismatch(field, inner), Lang::En) => {
            format!("field \"{field}\": {}", reason(inner, lang))
        }
        (CompatibilityError::FieldTypeMismatch(field, inner), Lang::Ko) => {
            format!("필드 \"{field}\": {}", reason(inner, lang))
        }
        (
            CompatibilityError::WrongType {
                writer_schema_type,
                reader_schema_type,
            },
            Lang::En,
        ) => format!(
            "the writer's type {} cannot be read as {} (only int→long→float→double, \
             string↔bytes promote)",
            type_name(writer_schema_type),
            type_name(reader_schema_type)
        ),
        (
            CompatibilityError::WrongType {
                writer_schema_type,
                reader_schema_type,
            },
            Lang::Ko,
        ) => format!(
            "쓰는 쪽 타입 {}을(를) {}(으)로 읽을 수 없습니다 (int→long→float→double, \
             string↔bytes 승격만 허용)",
            type_name(writer_schema_type),
            type_name(reader_schema_type)
        ),
        (CompatibilityError::TypeExpected { expected_type, .. }, Lang::En) => format!(
            "the types differ; the writer's {} can be read only as {}",
            kinds(expected_type.get(..1).unwrap_or_default()),
            kinds(expected_type)
        ),
        (CompatibilityError::TypeExpected { expected_type, .. }, Lang::Ko) => format!(
            "타입이 다릅니다. 쓰는 쪽의 {}은(는) {} 타입으로만 읽을 수 있습니다",
            kinds(expected_type.get(..1).unwrap_or_default()),
            kinds(expected_type)
        ),
        (CompatibilityError::Inconclusive(_), Lang::En) => {
            "the types differ and no Avro promotion reads the writer's type as the reader's"
                .to_string()
        }
        (CompatibilityError::Inconclusive(_), Lang::Ko) => {
            "타입이 다르고, 쓰는 쪽 타입을 읽는 쪽 타입으로 바꾸는 Avro 승격(promotion)이 없습니다"
                .to_string()
        }
        (CompatibilityError::MissingSymbols, Lang::En) => {
            "the reader's enum lacks symbols the writer may write".to_string()
        }
        (CompatibilityError::MissingSymbols, Lang::Ko) => {
            "읽는 쪽 enum에 쓰는 쪽이 쓸 수 있는 심볼이 없습니다".to_string()
        }
        (CompatibilityError::MissingUnionElements, Lang::En) => {
            "a branch of the writer's union cannot be read by the reader".to_string()
        }
        (CompatibilityError::MissingUnionElements, Lang::Ko) => {
            "쓰는 쪽 union의 한 타입을 읽는 쪽이 읽을 수 없습니다".to_string()
        }
        (CompatibilityError::FixedMismatch, Lang::En) => {
            "the fixed types differ in name or size".to_string()
        }
        (CompatibilityError::FixedMismatch, Lang::Ko) => {
            "fixed 타입의 이름이나 크기가 다릅니다".to_string()
        }
        (
            CompatibilityError::NameMismatch {
                writer_name,
                reader_name,
            },
            Lang::En,
        ) => format!("the names differ: the writer's is {writer_name}, the reader's {reader_name}"),
        (
            CompatibilityError::NameMismatch {
                writer_name,
                reader_name,
            },
            Lang::Ko,
        ) => format!("이름이 다릅니다: 쓰는 쪽은 {writer_name}, 읽는 쪽은 {reader_name}"),
    }
}

/// Schema kinds as Avro spells them: `TimeMillis` is `time-millis`.
pub fn kinds(kinds: &[apache_avro::schema::SchemaKind]) -> String {
    kinds
        .iter()
        .map(|kind| {
            let mut name = String::new();
            for (index, c) in format!("{kind:?}").chars().enumerate() {
                if c.is_ascii_uppercase() && index > 0 {
                    name.push('-');
                }
                name.push(c.to_ascii_lowercase());
            }
            name
        })
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
/// An attribute the Avro specification requires and the schema lacks, where it is missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub line: usize,
    pub column: usize,
    /// What lacks it, in English and Korean: `record`, `field 2 of record Payment`, `enum`.
    pub what: Bilingual,
    /// The attribute: `name`, `fields`, `type`, `symbols`, `size`, `items`, `values`.
    pub attribute: &'static str,
}

impl Missing {
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => format!(
                "{} is missing \"{}\", which the Avro specification requires",
                self.what.en, self.attribute
            ),
            Lang::Ko => format!(
                "{}에 필수 속성 \"{}\"이(가) 없습니다 (Avro 명세상 필수)",
                self.what.ko, self.attribute
            ),
        }
    }
}

/// `valid record com.example.Payment, 3 fields; namespace given, doc not given (both optional)`.
pub fn describe_valid(schema: &Schema, json: &serde_json::Value, lang: Lang) -> String {
    let Schema::Record(record) = schema else {
        return match lang {
            Lang::En => format!("valid {} schema", type_name(&format!("{schema:?}"))),
            Lang::Ko => format!("유효한 {} 스키마", type_name(&format!("{schema:?}"))),
        };
    };
    let given = |key: &str| json.get(key).is_some();
    let word = |present: bool| match (present, lang) {
        (true, Lang::En) => "given",
        (false, Lang::En) => "not given",
        (true, Lang::Ko) => "있음",
        (false, Lang::Ko) => "없음",
    };
    match lang {
        Lang::En => format!(
            "valid record {}, {} fields; namespace {}, doc {} (both optional)",
            record.name.fullname(None),
            record.fields.len(),
            word(given("namespace")),
            word(given("doc"))
        ),
        Lang::Ko => format!(
            "유효한 레코드 스키마(record) {}, 필드 {}개; namespace {}, doc {} (둘 다 선택)",
            record.name.fullname(None),
            record.fields.len(),
            word(given("namespace")),
            word(given("doc"))
        ),
    }
}

/// Every attribute the Avro specification requires that the schema text lacks, in text order.
pub fn missing_attributes(text: &str) -> Result<Vec<Missing>, String> {
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &Default::default(), &options)
        .map_err(|error| error.to_string())?;
    let mut missing = Vec::new();
    if let Some(value) = &parsed.value {
        walk(text, value, &both("schema", "스키마"), &mut missing);
    }
    Ok(missing)
}

fn property<'a, 'b>(object: &'b Object<'a>, name: &str) -> Option<&'b Value<'a>> {
    object
        .properties
        .iter()
        .find(|property| property.name.as_str() == name)
        .map(|property| &property.value)
}

fn both(en: impl Into<String>, ko: impl Into<String>) -> Bilingual {
    Bilingual {
        en: en.into(),
        ko: ko.into(),
    }
}

fn walk(text: &str, value: &Value, what: &Bilingual, missing: &mut Vec<Missing>) {
    match value {
        Value::Array(union) => {
            for (index, branch) in union.elements.iter().enumerate() {
                let branch_what = both(
                    format!("branch {} of a union", index + 1),
                    format!("union의 {}번째 타입", index + 1),
                );
                walk(text, branch, &branch_what, missing);
            }
        }
        Value::Object(object) => walk_object(text, object, what, missing),
        _ => {}
    }
}

fn walk_object(text: &str, object: &Object, what: &Bilingual, missing: &mut Vec<Missing>) {
    let (line, column) = line_column(text, object.range.start);
    let mut lacks = |what: &Bilingual, attribute: &'static str| {
        missing.push(Missing {
            line,
            column,
            what: what.clone(),
            attribute,
        })
    };
    let kind = match property(object, "type") {
        None => {
            lacks(what, "type");
            return;
        }
        Some(Value::StringLit(kind)) => kind.value.to_string(),
        Some(nested) => {
            walk(text, nested, what, missing);
            return;
        }
    };
    let required: &[&'static str] = match kind.as_str() {
        "record" | "error" => &["name", "fields"],
        "enum" => &["name", "symbols"],
        "fixed" => &["name", "size"],
        "array" => &["items"],
        "map" => &["values"],
        _ => &[],
    };
    let name_text = match property(object, "name") {
        Some(Value::StringLit(name)) => format!("{kind} {}", name.value),
        _ => kind.clone(),
    };
    let name = both(name_text.clone(), name_text.clone());
    for attribute in required {
        if property(object, attribute).is_none() {
            lacks(&name, attribute);
        }
    }
    match kind.as_str() {
        "record" | "error" => {
            if let Some(Value::Array(fields)) = property(object, "fields") {
                for (index, field) in fields.elements.iter().enumerate() {
                    let field_what = both(
                        format!("field {} of {name_text}", index + 1),
                        format!("{name_text}의 {}번째 필드", index + 1),
                    );
                    let Value::Object(field) = field else {
                        continue;
                    };
                    let (line, column) = line_column(text, field.range.start);
                    for attribute in ["name", "type"] {
                        if property(field, attribute).is_none() {
                            missing.push(Missing {
                                line,
                                column,
                                what: field_what.clone(),
                                attribute,
                            });
                        }
                    }
                    if let Some(field_type) = property(field, "type") {
                        walk(text, field_type, &field_what, missing);
                    }
                }
            }
        }
        "array" => {
            if let Some(items) = property(object, "items") {
                let items_what = both(
                    format!("items of {name_text}"),
                    format!("{name_text}의 items"),
                );
                walk(text, items, &items_what, missing);
            }
        }
        "map" => {
            if let Some(values) = property(object, "values") {
                let values_what = both(
                    format!("values of {name_text}"),
                    format!("{name_text}의 values"),
                );
                walk(text, values, &values_what, missing);
            }
        }
        _ => {}
    }
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let pos = ksim::scenario::Pos::of(text, offset);
    (pos.line as usize, pos.column as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A record without name, a field without type and an enum without symbols are each found,
    // at the object that lacks them.
    #[test]
    fn finds_missing_attributes() {
        let text = r#"{
  "type": "record",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "status"},
    {"name": "kind", "type": {"type": "enum", "name": "Kind"}}
  ]
}"#;
        let missing = missing_attributes(text).unwrap();
        let found: Vec<String> = missing
            .iter()
            .map(|m| format!("{}:{} {}", m.line, m.column, m.message(Lang::En)))
            .collect();
        assert_eq!(
            found,
            [
                "1:1 record is missing \"name\", which the Avro specification requires",
                "5:5 field 2 of record is missing \"type\", which the Avro specification requires",
                "6:30 enum Kind is missing \"symbols\", which the Avro specification requires",
            ]
        );
        let valid = r#"{"type": "record", "name": "P", "fields": []}"#;
        assert!(missing_attributes(valid).unwrap().is_empty());
    }

    // An enum reader with a default reads symbols it lacks, as Java Avro (Schema Registry)
    // allows; without a default it cannot.
    #[test]
    fn enum_default_reads_unknown_symbols() {
        let enum_of = |symbols: &str, default: &str| {
            Schema::parse_str(&format!(
                r#"{{"type": "record", "name": "Car", "fields": [{{"name": "color", "type":
                {{"type": "enum", "name": "Color", "symbols": [{symbols}]{default}}}}}]}}"#
            ))
            .unwrap()
        };
        let old_with_default = enum_of(r#""RED", "GREEN""#, r#", "default": "RED""#);
        let old_without = enum_of(r#""RED", "GREEN""#, "");
        let new = enum_of(r#""RED", "GREEN", "BLUE""#, "");
        assert!(can_read(&new, &old_with_default).is_none());
        assert!(matches!(
            can_read(&new, &old_without),
            Some(CompatibilityError::FieldTypeMismatch(..))
        ));
        assert!(can_read(&old_without, &new).is_none());
    }

    // The type name comes from the start of a schema's debug form.
    #[test]
    fn type_names() {
        assert_eq!(type_name("Int"), "int");
        assert_eq!(type_name("Record(\n RecordSchema {"), "record");
    }
}
