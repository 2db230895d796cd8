//! Any bytes as one line, in every version, strict and lenient: no panic; whatever parses
//! writes back and parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "check.rs"]
mod check;

fuzz_target!(|line: &[u8]| {
    check::every_way(line);
});
