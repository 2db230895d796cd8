//! The version rules: which protocol versions allow which XFR shape. Read this module top to
//! bottom to know what changed when; the strict parser, the lenient parser's deviation report,
//! [`Xfr::legal_versions`] and the writer all ask it, and nothing else decides.
//!
//! The history, from the protocol notes:
//!
//! - MSNP3: XFR NS gains a field that is always `0`.
//! - MSNP7: XFR NS gains the current server's address.
//! - MSNP12: SB auth methods other than `CKI` (`CTP`, `MD5`) are gone.
//! - MSNP13: XFR NS: `0` → `U`, current server → `D`; XFR SB gains `U messenger.msn.com`.
//! - MSNP14: XFR SB gains the direct-connect flag `0|1`.
//! - MSNP21: XFR NS gains the hop blob; gateway referrals use `G` and, being
//!   server-initiated, TrID 0.
//! - Requests (`XFR TrID SB|NS`) and the soft reset `XFR 0 NS 0` are the same in every version.
//!
//! Each value is described as a short list of [`Feature`]s: a field (or the absence of one) at
//! a position, with the versions that allow it. A value is legal in the intersection of its
//! features' versions, and a version error names the first feature that version refuses.

use crate::deviation::{Deviation, Deviations};
use crate::error::{Error, Field};
use crate::value::{Auth, NsForm, SbForm, Xfr};
use crate::version::{Version, VersionSet};

const fn span(first: u8, last: u8) -> VersionSet {
    match (Version::new(first), Version::new(last)) {
        (Some(a), Some(b)) => VersionSet::range(a, b),
        _ => VersionSet::EMPTY,
    }
}

const MSNP2: VersionSet = span(2, 2);
const MSNP2_11: VersionSet = span(2, 11);
const MSNP2_12: VersionSet = span(2, 12);
const MSNP3_6: VersionSet = span(3, 6);
const MSNP3_12: VersionSet = span(3, 12);
const MSNP7_12: VersionSet = span(7, 12);
const MSNP13: VersionSet = span(13, 13);
const MSNP13_20: VersionSet = span(13, 20);
const MSNP13_21: VersionSet = span(13, 21);
const MSNP14_21: VersionSet = span(14, 21);
const MSNP21: VersionSet = span(21, 21);

/// A field at a position — or its absence, when `present` is false — and the versions whose
/// grammar has it so.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Feature {
    pub(crate) index: u8,
    pub(crate) field: Field,
    pub(crate) present: bool,
    pub(crate) versions: VersionSet,
}

const fn has(index: u8, field: Field, versions: VersionSet) -> Feature {
    Feature {
        index,
        field,
        present: true,
        versions,
    }
}

const fn lacks(index: u8, field: Field, versions: VersionSet) -> Feature {
    Feature {
        index,
        field,
        present: false,
        versions,
    }
}

/// Hands the features of a value, in field order, to `stop` until it returns true; returns
/// the feature it stopped at. `ports` adds a feature legal nowhere for each address without a
/// port: no version's strict grammar writes one.
///
/// Each feature is a constant where it is handed over, so once this is inlined into a caller
/// asking one question (is version v allowed?) it compiles to a few bit tests, not a list.
#[inline(always)]
fn first_feature(
    xfr: &Xfr<'_>,
    ports: bool,
    mut stop: impl FnMut(&Feature) -> bool,
) -> Option<Feature> {
    macro_rules! visit {
        ($feature:expr) => {
            let feature = $feature;
            if stop(&feature) {
                return Some(feature);
            }
        };
    }
    match xfr {
        Xfr::Request(_) | Xfr::SoftReset => {}
        Xfr::Ns(ns) => {
            // A gateway referral is server-initiated, as the soft reset is: TrID 0 only.
            if matches!(ns.form, NsForm::Gateway(_)) && ns.trid.0 != 0 {
                visit!(has(1, Field::TrId, VersionSet::EMPTY));
            }
            if ports && ns.server.port.is_none() {
                visit!(lacks(3, Field::Port, VersionSet::EMPTY));
            }
            match &ns.form {
                NsForm::Bare => {
                    visit!(lacks(4, Field::ReferralMarker, MSNP2));
                }
                NsForm::Zero => {
                    visit!(has(4, Field::ReferralMarker, MSNP3_12));
                    visit!(lacks(5, Field::CurrentServer, MSNP3_6));
                }
                NsForm::Current(current) => {
                    visit!(has(4, Field::ReferralMarker, MSNP3_12));
                    visit!(has(5, Field::CurrentServer, MSNP7_12));
                    if ports && current.port.is_none() {
                        visit!(lacks(5, Field::Port, VersionSet::EMPTY));
                    }
                }
                NsForm::UD => {
                    visit!(has(4, Field::ReferralMarker, MSNP13_21));
                    visit!(has(5, Field::CurrentServer, MSNP13_21));
                    visit!(lacks(6, Field::HopBlob, MSNP13_20));
                }
                NsForm::Hop(_) => {
                    visit!(has(4, Field::ReferralMarker, MSNP13_21));
                    visit!(has(5, Field::CurrentServer, MSNP13_21));
                    visit!(has(6, Field::HopBlob, MSNP21));
                }
                NsForm::Gateway(_) => {
                    visit!(has(4, Field::ReferralMarker, MSNP21));
                    visit!(has(5, Field::CurrentServer, MSNP21));
                    visit!(has(6, Field::HopBlob, MSNP21));
                }
            }
        }
        Xfr::Sb(sb) => {
            if ports && sb.server.port.is_none() {
                visit!(lacks(3, Field::Port, VersionSet::EMPTY));
            }
            let (methods, marker) = match sb.auth {
                Auth::Cki(_) => (VersionSet::ALL, 6),
                Auth::Md5(_) => (MSNP2_11, 6),
                Auth::Ctp => (MSNP2_11, 5),
            };
            visit!(has(4, Field::AuthMethod, methods));
            match sb.form {
                SbForm::Classic => {
                    visit!(lacks(marker, Field::SbMarker, MSNP2_12));
                }
                SbForm::Domain => {
                    visit!(has(marker, Field::SbMarker, MSNP13_21));
                    visit!(lacks(marker + 2, Field::Direct, MSNP13));
                }
                SbForm::Direct(_) => {
                    visit!(has(marker, Field::SbMarker, MSNP13_21));
                    visit!(has(marker + 2, Field::Direct, MSNP14_21));
                }
            }
        }
    }
    None
}

/// The versions allowing every feature of the value.
#[inline(always)]
fn intersection(xfr: &Xfr<'_>, ports: bool) -> VersionSet {
    let mut set = VersionSet::ALL;
    first_feature(xfr, ports, |f| {
        set = set.intersection(f.versions);
        false
    });
    set
}

impl Xfr<'_> {
    /// The versions whose strict grammar produces exactly this value — the versions
    /// [`write_to`](Xfr::write_to) accepts and [`parse`](crate::parse) reads it back in.
    ///
    /// A value with an address lacking its port (read leniently) is legal in no version.
    ///
    /// ```
    /// use msnp_xfr::{parse, parse_lenient, Version, VersionSet};
    ///
    /// let ns = parse(b"XFR 5 NS 10.0.0.5:1863 0 10.0.0.1:1863", Version::MSNP9).unwrap();
    /// assert_eq!(ns.legal_versions().to_string(), "MSNP7–MSNP12");
    /// let reset = parse(b"XFR 0 NS 0\r\n", Version::MSNP2).unwrap();
    /// assert_eq!(reset.legal_versions(), VersionSet::ALL);
    /// let portless = parse_lenient(b"XFR 2 NS 64.4.12.133 0", Version::MSNP5).unwrap().xfr;
    /// assert!(portless.legal_versions().is_empty());
    /// ```
    pub fn legal_versions(&self) -> VersionSet {
        intersection(self, true)
    }

    /// The versions whose grammar has this value's *shape* — its fields and their order —
    /// whether or not every address has its port.
    pub fn shape_versions(&self) -> VersionSet {
        intersection(self, false)
    }
}

/// The first feature of a value that a version refuses, and the versions the value is legal in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Violation {
    feature: Feature,
    legal: VersionSet,
}

impl Violation {
    /// The strict parser's error; `start_of(index)` gives a field's offset in the line.
    pub(crate) fn error(self, version: Version, start_of: impl Fn(u8) -> usize) -> Error {
        let Feature {
            index,
            field,
            present,
            ..
        } = self.feature;
        Error::Version {
            field,
            index,
            offset: start_of(index),
            version,
            legal: self.legal,
            missing: !present,
        }
    }

    /// The strict parser's error when no version was given and none allows the line.
    pub(crate) fn error_any(self, start_of: impl Fn(u8) -> usize) -> Error {
        Error::Invalid {
            field: self.feature.field,
            offset: start_of(self.feature.index),
            expected: "fields that one protocol version allows together",
        }
    }

    /// The writer's error.
    pub(crate) fn write_error(self, version: Version) -> Error {
        let Feature {
            index,
            field,
            present,
            ..
        } = self.feature;
        Error::NotWritable {
            field,
            index,
            version,
            legal: self.legal,
            missing: !present,
        }
    }
}

/// The first feature of the value that `version` refuses.
#[inline(always)]
fn first_refused(xfr: &Xfr<'_>, ports: bool, version: Version) -> Result<(), Violation> {
    match first_feature(xfr, ports, |f| !f.versions.contains(version)) {
        None => Ok(()),
        Some(feature) => Err(Violation {
            feature,
            legal: intersection(xfr, ports),
        }),
    }
}

/// Whether `version` allows the value's shape (addresses' ports aside: the parser's syntax
/// step decides about those).
#[inline(always)]
pub(crate) fn check(xfr: &Xfr<'_>, version: Version) -> Result<(), Violation> {
    first_refused(xfr, false, version)
}

/// Whether `version` allows writing the value exactly: shape and ports.
pub(crate) fn check_writable(xfr: &Xfr<'_>, version: Version) -> Result<(), Violation> {
    first_refused(xfr, true, version)
}

/// Whether some version allows the value's shape; if none does, the feature that emptied the
/// set.
pub(crate) fn check_any(xfr: &Xfr<'_>) -> Result<(), Violation> {
    let mut set = VersionSet::ALL;
    let emptied = first_feature(xfr, false, |f| {
        set = set.intersection(f.versions);
        set.is_empty()
    });
    match emptied {
        None => Ok(()),
        Some(feature) => Err(Violation {
            feature,
            legal: set,
        }),
    }
}

/// Notes about lines that are legal but unusual in `version`.
pub(crate) fn advise(xfr: &Xfr<'_>, version: Version, deviations: &mut Deviations) {
    // The documentation never removed XFR SB, but MSNP21 replaced switchboards.
    if matches!(xfr, Xfr::Sb(_)) && version == Version::MSNP21 {
        deviations.insert(Deviation::SwitchboardInMsnp21);
    }
}
