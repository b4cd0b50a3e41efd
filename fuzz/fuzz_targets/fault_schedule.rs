//! Fuzz target: the durable cluster under a fault schedule read from any bytes keeps every
//! invariant after every event (`ksim_tests::fuzz_faults`, which the corpus replay test also
//! runs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ksim_tests::fuzz_faults(data);
});
