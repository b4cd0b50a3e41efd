//! `ksim partition --partitions N <keys…>`: which partition each key goes to, computed as
//! Kafka's producer does it, and with several counts (`--partitions 3,4,6`) which keys move
//! when partitions are added. `--lang ko` writes the table's header and notes in Korean; the
//! JSON is the same in both languages.

use std::fmt::Write;
use std::process::ExitCode;

use ksim::clients::partitioner::{murmur2, partition_for_key};
use ksim_app::lesson::Lang;

use crate::output;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PartitionFormat {
    /// A table for people.
    Text,
    /// `{"counts": [3, 4], "keys": [{"key": "user-1", "murmur2": 1404122828,
    /// "partitions": [2, 0], "moves": true}, …]}`.
    Json,
}

pub fn partition(
    counts: &[u32],
    keys: &[String],
    format: PartitionFormat,
    lang: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::choose(lang);
    check_counts(counts, lang)?;
    let text = match format {
        PartitionFormat::Text => render(counts, keys, lang),
        PartitionFormat::Json => render_json(counts, keys),
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// A topic has at least one partition; the message is in the answer's language.
fn check_counts(counts: &[u32], lang: Lang) -> anyhow::Result<()> {
    if counts.contains(&0) {
        anyhow::bail!(in_lang!(
            lang,
            "--partitions 0: a topic has at least one partition",
            "--partitions 0: 토픽에는 파티션이 하나 이상 있어야 합니다"
        ));
    }
    Ok(())
}

/// The same answers as `render`, as one JSON document.
fn render_json(counts: &[u32], keys: &[String]) -> String {
    let rows: Vec<serde_json::Value> = keys
        .iter()
        .map(|key| {
            let partitions: Vec<u32> = counts
                .iter()
                .map(|&n| partition_for_key(key.as_bytes(), n))
                .collect();
            let moves = partitions.windows(2).any(|pair| pair[0] != pair[1]);
            serde_json::json!({
                "key": key,
                "murmur2": murmur2(key.as_bytes()),
                "partitions": partitions,
                "moves": moves,
            })
        })
        .collect();
    let mut text = serde_json::json!({ "counts": counts, "keys": rows }).to_string();
    text.push('\n');
    text
}

/// A key as it can be read back: quoted when it is empty or has spaces or control characters.
fn shown(key: &str) -> String {
    let plain = !key.is_empty()
        && !key.starts_with('"')
        && !key.chars().any(|c| c.is_whitespace() || c.is_control());
    if plain {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn render(counts: &[u32], keys: &[String], lang: Lang) -> String {
    let compare = counts.len() > 1;
    let shown: Vec<String> = keys.iter().map(|key| shown(key)).collect();
    let key_width = shown
        .iter()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .max("key".len());
    let hash_width = "-2147483648".len();

    let mut out = String::new();
    // 키 is one character but two columns wide on a terminal, so it is padded by hand.
    let key_header = match lang {
        Lang::En => format!("{:<key_width$}", "key"),
        Lang::Ko => format!("키{}", " ".repeat(key_width - 2)),
    };
    write!(out, "{key_header}  {:>hash_width$}", "murmur2").unwrap();
    let headers: Vec<String> = counts.iter().map(|n| format!("N={n}")).collect();
    for header in &headers {
        write!(out, "  {header}").unwrap();
    }
    out.push('\n');

    let mut any_moved = false;
    for (key, label) in keys.iter().zip(&shown) {
        let hash = murmur2(key.as_bytes());
        write!(out, "{label:<key_width$}  {hash:>hash_width$}").unwrap();
        let partitions: Vec<u32> = counts
            .iter()
            .map(|&n| partition_for_key(key.as_bytes(), n))
            .collect();
        for (partition, header) in partitions.iter().zip(&headers) {
            write!(out, "  {partition:>width$}", width = header.len()).unwrap();
        }
        let moved = partitions.windows(2).any(|pair| pair[0] != pair[1]);
        if compare && moved {
            any_moved = true;
            out.push_str("  *");
        }
        out.push('\n');
    }

    out.push_str(lang.pick(
        "\npartition = toPositive(murmur2(the key's UTF-8 bytes)) mod N, N counting every partition\n",
        "\n파티션 = toPositive(murmur2(키의 UTF-8 바이트)) mod N, N은 모든 파티션의 수\n",
    ));
    if any_moved {
        out.push_str(lang.pick(
            "* moves with the partition count: after partitions are added, new records with this \
             key go to another partition, so their order relative to the old ones is lost (F39)\n",
            "* 파티션 수에 따라 옮겨감: 파티션을 추가하면 이 키의 새 레코드는 다른 파티션으로 \
             가므로, 기존 레코드와의 순서가 보장되지 않습니다 (F39)\n",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // A count of 0 is refused in the language asked for.
    #[test]
    fn zero_partitions_is_refused_in_either_language() {
        assert!(check_counts(&[3, 4], Lang::Ko).is_ok());
        assert_eq!(
            check_counts(&[3, 0], Lang::En).unwrap_err().to_string(),
            "--partitions 0: a topic has at least one partition"
        );
        assert_eq!(
            check_counts(&[0], Lang::Ko).unwrap_err().to_string(),
            "--partitions 0: 토픽에는 파티션이 하나 이상 있어야 합니다"
        );
    }

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    // Comparing counts marks the keys whose partition changes (reference table R7.4).
    #[test]
    fn marks_keys_that_move() {
        let text = render(
            &[3, 4, 6],
            &keys(&["foobar", "user-1", "key3", ""]),
            Lang::En,
        );
        assert_eq!(
            text,
            "\
key         murmur2  N=3  N=4  N=6
foobar   -790332482    0    2    0  *
user-1   1404122828    2    0    2  *
key3    -1745673403    1    1    1
\"\"        275646681    0    1    3  *

partition = toPositive(murmur2(the key's UTF-8 bytes)) mod N, N counting every partition
* moves with the partition count: after partitions are added, new records with this key go to another partition, so their order relative to the old ones is lost (F39)
"
        );
    }

    // JSON gives each key's hash, its partition per count, and whether it moves.
    #[test]
    fn json_lists_partitions_per_count() {
        let text = render_json(&[3, 4], &keys(&["user-1", "key3"]));
        assert_eq!(
            text,
            r#"{"counts":[3,4],"keys":[{"key":"user-1","moves":true,"murmur2":1404122828,"partitions":[2,0]},{"key":"key3","moves":false,"murmur2":-1745673403,"partitions":[1,1]}]}"#
                .to_string()
                + "\n"
        );
    }

    // With one count nothing can move, so there is no mark and no legend.
    #[test]
    fn single_count_has_no_marks() {
        let text = render(&[3], &keys(&["abc", "a key"]), Lang::En);
        assert_eq!(
            text,
            "\
key          murmur2  N=3
abc        479470107    0
\"a key\"  -1240996936    1

partition = toPositive(murmur2(the key's UTF-8 bytes)) mod N, N counting every partition
"
        );
    }

    // In Korean the header and the notes are Korean, and the columns still line up.
    #[test]
    fn korean() {
        let text = render(&[3, 4], &keys(&["user-1", "key3"]), Lang::Ko);
        assert_eq!(
            text,
            "\
키          murmur2  N=3  N=4
user-1   1404122828    2    0  *
key3    -1745673403    1    1

파티션 = toPositive(murmur2(키의 UTF-8 바이트)) mod N, N은 모든 파티션의 수
* 파티션 수에 따라 옮겨감: 파티션을 추가하면 이 키의 새 레코드는 다른 파티션으로 가므로, 기존 레코드와의 순서가 보장되지 않습니다 (F39)
"
        );
    }
}
