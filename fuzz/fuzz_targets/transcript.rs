//! Any bytes as a transcript driving a session, strict and lenient: no panic, line numbers
//! rise, and every XFR read for a known version round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msnp_xfr::{Mode, Observation, Session, Transcript};

use msnp_xfr_testkit::check;

fuzz_target!(|data: &[u8]| {
    for mode in [Mode::Strict, Mode::Lenient] {
        let mut session = Session::new(mode);
        let mut last = 0;
        for line in Transcript::new(data) {
            assert!(line.number > last);
            last = line.number;
            if let Observation::Xfr {
                version: Some(version),
                result: Ok(p),
                ..
            } = session.observe(line.direction, line.text)
            {
                match mode {
                    Mode::Strict => check::strict_roundtrip(line.text, version, &p.xfr),
                    Mode::Lenient => check::lenient_roundtrip(version, &p.xfr),
                }
            }
        }
    }
});
