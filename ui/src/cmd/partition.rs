//! `ksim partition --partitions N <keys…>`: which partition each key goes to, computed as
//! Kafka's producer does it, and with several counts (`--partitions 3,4,6`) which keys move
//! when partitions are added.

use std::fmt::Write;
use std::process::ExitCode;

use ksim::partitioner::{murmur2, partition_for_key};

use crate::output;

pub fn partition(counts: &[u32], keys: &[String]) -> anyhow::Result<ExitCode> {
    output::print(&render(counts, keys))?;
    Ok(ExitCode::SUCCESS)
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

fn render(counts: &[u32], keys: &[String]) -> String {
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
    write!(out, "{:<key_width$}  {:>hash_width$}", "key", "murmur2").unwrap();
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

    out.push_str("\npartition = toPositive(murmur2(the key's UTF-8 bytes)) mod N, N counting every partition\n");
    if any_moved {
        out.push_str(
            "* moves with the partition count: after partitions are added, new records with this \
             key go to another partition, so their order relative to the old ones is lost (F39)\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    // Comparing counts marks the keys whose partition changes (reference table R7.4).
    #[test]
    fn marks_keys_that_move() {
        let text = render(&[3, 4, 6], &keys(&["foobar", "user-1", "key3", ""]));
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

    // With one count nothing can move, so there is no mark and no legend.
    #[test]
    fn single_count_has_no_marks() {
        let text = render(&[3], &keys(&["abc", "a key"]));
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
}
