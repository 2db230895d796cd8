//! An arbitrary valid value: written in each version it is legal in, it reads back the same;
//! every other version refuses it and writes nothing; its own-shape form reads back leniently.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use msnp_xfr::Xfr;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(xfr) = Xfr::arbitrary(&mut u) else {
        return;
    };
    assert!(!xfr.legal_versions().is_empty(), "{xfr:?} is legal nowhere");
    msnp_xfr_testkit::check::value_every_way(&xfr);
});
