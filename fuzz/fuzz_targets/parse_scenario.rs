//! Fuzz target: any bytes given to the scenario parser give a scenario or a positioned error,
//! never a panic (`ksim_tests::fuzz_parse`, which the corpus replay test also runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ksim_tests::fuzz_parse(data);
});
