//! Any bytes as a text log in one of msnp-inspect's formats, its connections followed strictly
//! or leniently (the first byte picks both; the generic reader is a format here): no panic, line
//! numbers rise, and every XFR read for a known version round-trips. One input in eight also
//! goes through detection, which reads it in every format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msnp_inspect::follow::{self, Judging};
use msnp_inspect::logs::{self, Format};
use msnp_xfr::{Mode, Observation};
use msnp_xfr_testkit::check;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let formats: Vec<Format> = Format::ALL.into_iter().chain([Format::Generic]).collect();
    let format = formats[usize::from(pick & 15) % formats.len()];
    let mode = if pick & 16 == 0 {
        Mode::Lenient
    } else {
        Mode::Strict
    };
    let mut last = 0;
    let judging = Judging {
        mode,
        version: None,
    };
    follow::observe(text, format, judging, |entry, _, line, observation| {
        assert!(entry.line > last, "line numbers rise");
        last = entry.line;
        if let Observation::Xfr {
            version: Some(version),
            result: Ok(p),
            ..
        } = observation
        {
            match mode {
                Mode::Strict => check::strict_roundtrip(line, *version, &p.xfr),
                Mode::Lenient => check::lenient_roundtrip(*version, &p.xfr),
            }
        }
    });
    if pick & 0xE0 == 0 {
        let _ = logs::detect(text);
    }
});
