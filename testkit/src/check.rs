//! What must hold of any line the crate reads, for the fuzz targets and property tests.
//!
//! Each check does no more work than its assertion needs: a value reads the same in every
//! version and only the version rules differ, so a line is read once without a version and
//! once in one version its bytes pick, not twenty times; and a value writes the same bytes in
//! every version it is legal in, so it is written and read back once.

use msnp_xfr::{Error, Mode, Version, Xfr, parse, parse_lenient, parse_with};

/// The longest line the writer can produce, with room to spare.
const BUF: usize = 2048;

/// `line` was read as `xfr` strictly in `version`: writing it gives the line back byte for byte
/// (with CRLF), and reading that gives the value back.
pub fn strict_roundtrip(line: &[u8], version: Version, xfr: &Xfr<'_>) {
    assert!(
        xfr.legal_versions().contains(version),
        "{xfr} read strictly in {version}"
    );
    let mut buf = [0u8; BUF];
    let n = xfr
        .write_into(version, &mut buf)
        .expect("a strictly read value is writable");
    let out = &buf[..n];
    let content = line.strip_suffix(b"\r\n").unwrap_or(line);
    assert_eq!(&out[..n - 2], content, "write-back differs");
    assert_eq!(&parse(out, version).expect("written line parses"), xfr);
}

/// `xfr` was read leniently in `version`: its own-shape form reads back as the same value.
pub fn lenient_roundtrip(version: Version, xfr: &Xfr<'_>) {
    let text = xfr.to_string();
    let again = parse_lenient(text.as_bytes(), version).expect("Display output parses leniently");
    assert_eq!(&again.xfr, xfr);
}

/// The version a line's bytes pick, so that a fuzzer reaches every version's rules.
pub fn version_of(bytes: &[u8]) -> Version {
    let sum = bytes
        .iter()
        .fold(0u32, |n, &b| n.wrapping_mul(31) ^ u32::from(b));
    let n = Version::MIN.number() + (sum % 20) as u8;
    Version::new(n).unwrap_or(Version::MAX)
}

/// One line, strict and lenient, with no version and in the version its bytes pick: no panic;
/// the version-free and the versioned readings agree with the version rules; a strictly read
/// line writes back byte for byte and reads back; strict readings are lenient readings without
/// deviations; a leniently read value's own shape reads back the same.
pub fn every_way(line: &[u8]) {
    let version = version_of(line);
    let strict_any = parse_with(line, Mode::Strict, None);
    let lenient_any = parse_with(line, Mode::Lenient, None);
    match (&strict_any, parse(line, version)) {
        (Ok(any), Ok(xfr)) => {
            assert_eq!(any.xfr, xfr);
            assert!(xfr.shape_versions().contains(version));
            strict_roundtrip(line, version, &xfr);
        }
        (Ok(any), Err(Error::Version { legal, .. })) => {
            assert!(!any.xfr.shape_versions().contains(version));
            assert_eq!(legal, any.xfr.shape_versions());
        }
        (Ok(_), Err(e)) => panic!("read without a version, refused in {version}: {e}"),
        (Err(e), Ok(xfr)) => panic!("read in {version} as {xfr:?}, refused without: {e}"),
        (Err(_), Err(_)) => {}
    }
    if let Ok(strict) = &strict_any {
        let lenient = lenient_any
            .as_ref()
            .expect("a strict line is a lenient line");
        assert_eq!(lenient.xfr, strict.xfr);
        assert!(lenient.deviations.is_empty(), "{:?}", lenient.deviations);
    }
    if let Ok(lenient) = &lenient_any {
        lenient_roundtrip(version, &lenient.xfr);
        if lenient.deviations.is_strict() {
            assert_eq!(
                strict_any.as_ref().map(|p| &p.xfr),
                Ok(&lenient.xfr),
                "lenient without deviations, but strict disagrees"
            );
        }
        let in_version = parse_lenient(line, version).expect("lenient reads in every version");
        assert_eq!(in_version.xfr, lenient.xfr);
    }
}

/// A value: it writes in exactly the versions it is legal in (and writes nothing elsewhere),
/// the same bytes in each, which read back strictly to the value; its own-shape form reads back
/// leniently.
pub fn value_every_way(xfr: &Xfr<'_>) {
    let legal = xfr.legal_versions();
    let mut buf = [0u8; BUF];
    let mut first: Option<Vec<u8>> = None;
    for version in Version::all() {
        // A byte no line starts with: still there after an error, nothing was written.
        buf[0] = 0xAA;
        match xfr.write_into(version, &mut buf) {
            Ok(n) => {
                assert!(legal.contains(version), "written in {version}");
                match &first {
                    Some(line) => assert_eq!(&line[..], &buf[..n]),
                    None => {
                        assert_eq!(
                            &parse(&buf[..n], version).expect("written line parses"),
                            xfr
                        );
                        first = Some(buf[..n].to_vec());
                    }
                }
            }
            Err(_) => {
                assert!(!legal.contains(version), "refused in {version}");
                assert_eq!(buf[0], 0xAA, "written on error");
            }
        }
    }
    lenient_roundtrip(version_of(&buf[..8]), xfr);
}
