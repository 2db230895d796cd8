//! Any bytes as one line, strict and lenient, with no version and in the version the bytes
//! pick: no panic; whatever parses writes back and parses to the same value (see
//! `msnp_xfr_testkit::check::every_way`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    msnp_xfr_testkit::check::every_way(line);
});
