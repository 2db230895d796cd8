//! The `arbitrary` feature: values built from any bytes are valid, so they write and read back.
#![cfg(feature = "arbitrary")]

use arbitrary::{Arbitrary, Unstructured};
use msnp_xfr::{Version, Xfr, parse, parse_lenient};

#[test]
fn arbitrary_values_are_valid_and_cover_every_kind() {
    let mut kinds = std::collections::BTreeSet::new();
    let mut seed = 0x1234_5678_u64;
    for _ in 0..2000 {
        let bytes: Vec<u8> = (0..256)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (seed >> 56) as u8
            })
            .collect();
        let Ok(xfr) = Xfr::arbitrary(&mut Unstructured::new(&bytes)) else {
            continue;
        };
        kinds.insert(xfr.kind().as_str());
        // Writable in at least one version, as documented.
        assert!(!xfr.legal_versions().is_empty(), "{xfr:?} is legal nowhere");
        let line = xfr.to_string();
        for version in Version::all() {
            assert_eq!(parse_lenient(line.as_bytes(), version).unwrap().xfr, xfr);
            let mut out = Vec::new();
            if xfr.write_to(version, &mut out).is_ok() {
                assert_eq!(parse(&out, version).unwrap(), xfr);
            }
        }
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
}
