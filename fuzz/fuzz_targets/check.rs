//! Checks shared by the fuzz targets: what must hold of any line the crate accepts.
#![allow(dead_code)]

use msnp_xfr::{Mode, Version, Xfr, parse, parse_lenient, parse_with};

/// `line` was read as `xfr` strictly in `version`: writing it gives the line back byte for byte
/// (with CRLF), and reading that gives the value back.
pub fn strict_roundtrip(line: &[u8], version: Version, xfr: &Xfr<'_>) {
    assert!(
        xfr.legal_versions().contains(version),
        "{xfr} read strictly in {version}"
    );
    let mut out = Vec::new();
    xfr.write_to(version, &mut out)
        .expect("a strictly read value is writable");
    let expected_len = if line.ends_with(b"\r\n") {
        line.len()
    } else {
        line.len() + 2
    };
    assert_eq!(
        &out[..out.len() - 2],
        &line[..expected_len - 2],
        "write-back differs"
    );
    assert_eq!(&parse(&out, version).expect("written line parses"), xfr);
}

/// `xfr` was read leniently in `version`: its own-shape form reads back as the same value.
pub fn lenient_roundtrip(version: Version, xfr: &Xfr<'_>) {
    let text = xfr.to_string();
    let again = parse_lenient(text.as_bytes(), version).expect("Display output parses leniently");
    assert_eq!(&again.xfr, xfr);
}

/// Every mode and version (and none) on one line: no panic, and the round trips hold.
pub fn every_way(line: &[u8]) {
    for version in Version::all() {
        if let Ok(xfr) = parse(line, version) {
            strict_roundtrip(line, version, &xfr);
        }
        if let Ok(p) = parse_lenient(line, version) {
            lenient_roundtrip(version, &p.xfr);
            if p.deviations.is_strict() {
                assert_eq!(
                    parse(line, version).as_ref(),
                    Ok(&p.xfr),
                    "strict disagrees"
                );
            }
        }
    }
    for mode in [Mode::Strict, Mode::Lenient] {
        if let Ok(p) = parse_with(line, mode, None) {
            if mode == Mode::Strict {
                assert!(!p.xfr.shape_versions().is_empty());
            }
        }
    }
}
