//! An arbitrary valid value: written in each version it is legal in, it reads back the same;
//! every other version refuses it; its own-shape form reads back leniently.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use msnp_xfr::{Version, Xfr, parse, parse_lenient};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(xfr) = Xfr::arbitrary(&mut u) else {
        return;
    };
    let legal = xfr.legal_versions();
    for version in Version::all() {
        let mut out = Vec::new();
        match xfr.write_to(version, &mut out) {
            Ok(()) => {
                assert!(legal.contains(version));
                assert_eq!(parse(&out, version).expect("written line parses"), xfr);
            }
            Err(_) => {
                assert!(!legal.contains(version));
                assert!(out.is_empty());
            }
        }
        let text = xfr.to_string();
        let p = parse_lenient(text.as_bytes(), version).expect("Display output parses leniently");
        assert_eq!(p.xfr, xfr);
    }
});
