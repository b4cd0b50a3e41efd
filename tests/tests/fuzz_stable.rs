//! A bounded random run of the fuzz targets on stable Rust: the seed corpus, mutated the way
//! libFuzzer mutates it (bytes flipped, inserted, deleted, chunks spliced in from another
//! input), fed to the same functions as `cargo fuzz` for a fixed number of inputs.
//!
//! libFuzzer needs a nightly toolchain; this runs everywhere, in CI too, and is seeded, so a
//! failure names the input count that reproduces it. `KSIM_FUZZ_INPUTS` raises the count for a
//! longer run on a developer's machine.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read(f).expect("a corpus file"))
        .collect()
}

/// How many inputs each target gets: a few seconds' worth unless `KSIM_FUZZ_INPUTS` says more.
fn inputs(default: usize) -> usize {
    std::env::var("KSIM_FUZZ_INPUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One libFuzzer-style mutation of `data`, with `other` for splicing.
fn mutate(rng: &mut ChaCha8Rng, data: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..rng.random_range(1..=2) {
        let at = if out.is_empty() {
            0
        } else {
            rng.random_range(0..out.len())
        };
        match rng.random_range(0..6) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.random_range(0..8),
            1 => out.insert(at, rng.random()),
            2 if !out.is_empty() => {
                out.remove(at);
            }
            // A byte that matters to TOML: structure, quotes, digits, newlines.
            3 => {
                const INTERESTING: &[u8] = b"[]{}=\"'.,#\n0123456789-_ ";
                out.insert(at, INTERESTING[rng.random_range(0..INTERESTING.len())]);
            }
            // A chunk of another input, as libFuzzer's CrossOver does.
            4 if !other.is_empty() => {
                let from = rng.random_range(0..other.len());
                let len = rng.random_range(1..=(other.len() - from).min(64));
                out.splice(at..at, other[from..from + len].iter().copied());
            }
            // A digit run replaced by an extreme number.
            _ => {
                const NUMBERS: &[&[u8]] = &[b"0", b"-1", b"18446744073709551615", b"4294967296"];
                let n = NUMBERS[rng.random_range(0..NUMBERS.len())];
                out.splice(at..at, n.iter().copied());
            }
        }
    }
    out
}

// Mutated scenarios parse to a scenario or a file:line:col error, never a panic, and what
// parses runs its first simulated second.
#[test]
fn mutated_scenarios_never_panic() {
    let seeds = corpus("parse_scenario");
    assert!(seeds.len() >= 3, "the parse_scenario corpus has its seeds");
    let mut rng = ChaCha8Rng::seed_from_u64(0x6b73_696d);
    let mut parsed = 0;
    let total = inputs(400);
    for n in 0..total {
        let data = &seeds[rng.random_range(0..seeds.len())];
        let other = &seeds[rng.random_range(0..seeds.len())];
        let input = mutate(&mut rng, data, other);
        parsed += usize::from(ksim::scenario::parse_bytes(&input, "fuzz.toml").is_ok());
        let result = std::panic::catch_unwind(|| ksim_tests::fuzz_parse(&input));
        assert!(
            result.is_ok(),
            "input {n} of the seeded run panicked:\n{}",
            String::from_utf8_lossy(&input)
        );
    }
    // Some mutants still parse, so the run reaches the engine, not only the parser's errors.
    assert!(
        parsed * 40 >= total,
        "only {parsed} of {total} mutated scenarios parsed"
    );
}

// Mutated fault schedules keep every invariant after every event.
#[test]
fn mutated_fault_schedules_keep_the_invariants() {
    let seeds = corpus("fault_schedule");
    assert!(seeds.len() >= 3, "the fault_schedule corpus has its seeds");
    let mut rng = ChaCha8Rng::seed_from_u64(0x6661_756c);
    for n in 0..inputs(12) {
        let data = &seeds[rng.random_range(0..seeds.len())];
        let other = &seeds[rng.random_range(0..seeds.len())];
        let input = mutate(&mut rng, data, other);
        let result = std::panic::catch_unwind(|| ksim_tests::fuzz_faults(&input));
        assert!(
            result.is_ok(),
            "input {n} of the seeded run broke: {input:?}"
        );
    }
}

// The mutator changes its input and stays deterministic for a seed, so the runs above explore
// something and can be replayed.
#[test]
fn the_mutator_is_seeded() {
    let run = |seed| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..20)
            .map(|_| mutate(&mut rng, b"name = \"x\"\n", b"[cluster]\nbrokers = 3\n"))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
    assert!(run(1).iter().any(|m| m.as_slice() != b"name = \"x\"\n"));
}
