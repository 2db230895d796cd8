//! Protocol versions (`MSNP2`–`MSNP21`) and sets of them.
//!
//! The version is negotiated per connection by `VER`, so it is a runtime value, not a feature.

use core::fmt;
use core::str::FromStr;

/// An MSN Messenger protocol version this crate understands: `MSNP2` through `MSNP21`.
///
/// Versions are ordered (`MSNP7 < MSNP13`), `Copy`, and print as `MSNP13`.
///
/// ```
/// use msnp_xfr::Version;
///
/// let v: Version = "MSNP13".parse().unwrap();
/// assert_eq!(v, Version::MSNP13);
/// assert_eq!("13".parse::<Version>().unwrap(), v);
/// assert_eq!(v.to_string(), "MSNP13");
/// assert!(Version::MSNP7 < v);
/// assert_eq!(Version::all().count(), 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(u8);

macro_rules! versions {
    ($($name:ident = $n:literal),* $(,)?) => {
        impl Version {
            $(
                #[doc = concat!("`MSNP", stringify!($n), "`.")]
                pub const $name: Version = Version($n);
            )*
        }
    };
}

versions! {
    MSNP2 = 2, MSNP3 = 3, MSNP4 = 4, MSNP5 = 5, MSNP6 = 6, MSNP7 = 7, MSNP8 = 8,
    MSNP9 = 9, MSNP10 = 10, MSNP11 = 11, MSNP12 = 12, MSNP13 = 13, MSNP14 = 14,
    MSNP15 = 15, MSNP16 = 16, MSNP17 = 17, MSNP18 = 18, MSNP19 = 19, MSNP20 = 20,
    MSNP21 = 21,
}

impl Version {
    /// The oldest version this crate knows, `MSNP2`.
    pub const MIN: Version = Version::MSNP2;
    /// The newest version this crate knows, `MSNP21`.
    pub const MAX: Version = Version::MSNP21;

    /// The version with this number, if it is in `2..=21`.
    ///
    /// ```
    /// use msnp_xfr::Version;
    /// assert_eq!(Version::new(8), Some(Version::MSNP8));
    /// assert_eq!(Version::new(24), None);
    /// ```
    pub const fn new(number: u8) -> Option<Version> {
        if number >= Self::MIN.0 && number <= Self::MAX.0 {
            Some(Version(number))
        } else {
            None
        }
    }

    /// The version's number: `13` for `MSNP13`.
    pub const fn number(self) -> u8 {
        self.0
    }

    /// Every version, oldest first.
    pub fn all() -> impl DoubleEndedIterator<Item = Version> + ExactSizeIterator + Clone {
        (Self::MIN.0..=Self::MAX.0).map(Version)
    }

    /// The version's name as written in `VER`: `"MSNP13"`.
    pub const fn as_str(self) -> &'static str {
        const NAMES: [&str; 20] = [
            "MSNP2", "MSNP3", "MSNP4", "MSNP5", "MSNP6", "MSNP7", "MSNP8", "MSNP9", "MSNP10",
            "MSNP11", "MSNP12", "MSNP13", "MSNP14", "MSNP15", "MSNP16", "MSNP17", "MSNP18",
            "MSNP19", "MSNP20", "MSNP21",
        ];
        NAMES[(self.0 - Self::MIN.0) as usize]
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The error from parsing a [`Version`] out of text that names none in `MSNP2`–`MSNP21`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a protocol version in MSNP2–MSNP21 (expected `MSNP13` or `13`)")]
pub struct ParseVersionError;

impl FromStr for Version {
    type Err = ParseVersionError;

    /// Accepts `MSNP13` and `13`; no sign, no leading zeros, no other spelling.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("MSNP").unwrap_or(s).as_bytes();
        let n = match digits {
            [d @ b'1'..=b'9'] => d - b'0',
            [a @ b'1'..=b'9', b @ b'0'..=b'9'] => (a - b'0') * 10 + (b - b'0'),
            _ => return Err(ParseVersionError),
        };
        Version::new(n).ok_or(ParseVersionError)
    }
}

impl TryFrom<u8> for Version {
    type Error = ParseVersionError;

    fn try_from(number: u8) -> Result<Self, Self::Error> {
        Version::new(number).ok_or(ParseVersionError)
    }
}

impl From<Version> for u8 {
    fn from(v: Version) -> u8 {
        v.0
    }
}

/// A set of [`Version`]s: the versions in which a line or a field is legal.
///
/// Prints compactly as ranges, oldest first: `MSNP7–MSNP12`, `MSNP2, MSNP13–MSNP21`, or
/// `no version` when empty.
///
/// ```
/// use msnp_xfr::{Version, VersionSet};
///
/// let set = VersionSet::range(Version::MSNP7, Version::MSNP12);
/// assert!(set.contains(Version::MSNP8));
/// assert!(!set.contains(Version::MSNP13));
/// assert_eq!(set.to_string(), "MSNP7–MSNP12");
/// assert_eq!(set.iter().count(), 6);
/// assert_eq!(VersionSet::ALL.to_string(), "MSNP2–MSNP21");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VersionSet(u32);

impl VersionSet {
    /// No version.
    pub const EMPTY: VersionSet = VersionSet(0);
    /// Every version, `MSNP2`–`MSNP21`.
    pub const ALL: VersionSet = VersionSet::range(Version::MIN, Version::MAX);

    /// The versions from `first` to `last`, both included (empty when `first > last`).
    pub const fn range(first: Version, last: Version) -> VersionSet {
        if first.0 > last.0 {
            return VersionSet::EMPTY;
        }
        // Bit n stands for MSNPn; n <= 21, so the shifts stay inside a u32.
        let upto_last = (1u32 << (last.0 + 1)) - 1;
        let below_first = (1u32 << first.0) - 1;
        VersionSet(upto_last & !below_first)
    }

    /// The set holding only `v`.
    pub const fn only(v: Version) -> VersionSet {
        VersionSet(1 << v.0)
    }

    /// Whether `v` is in the set.
    pub const fn contains(self, v: Version) -> bool {
        self.0 & (1 << v.0) != 0
    }

    /// Whether the set holds no version.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many versions the set holds.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The versions in both sets.
    pub const fn intersection(self, other: VersionSet) -> VersionSet {
        VersionSet(self.0 & other.0)
    }

    /// The versions in either set.
    pub const fn union(self, other: VersionSet) -> VersionSet {
        VersionSet(self.0 | other.0)
    }

    /// The oldest version in the set.
    pub const fn first(self) -> Option<Version> {
        if self.0 == 0 {
            None
        } else {
            Some(Version(self.0.trailing_zeros() as u8))
        }
    }

    /// The newest version in the set.
    pub const fn last(self) -> Option<Version> {
        if self.0 == 0 {
            None
        } else {
            Some(Version(31 - self.0.leading_zeros() as u8))
        }
    }

    /// The versions in the set, oldest first.
    pub fn iter(self) -> VersionSetIter {
        VersionSetIter(self.0)
    }
}

impl From<Version> for VersionSet {
    fn from(v: Version) -> VersionSet {
        VersionSet::only(v)
    }
}

impl FromIterator<Version> for VersionSet {
    fn from_iter<I: IntoIterator<Item = Version>>(iter: I) -> Self {
        iter.into_iter()
            .fold(VersionSet::EMPTY, |set, v| set.union(VersionSet::only(v)))
    }
}

impl IntoIterator for VersionSet {
    type Item = Version;
    type IntoIter = VersionSetIter;
    fn into_iter(self) -> VersionSetIter {
        self.iter()
    }
}

/// Iterator over a [`VersionSet`], oldest first.
#[derive(Debug, Clone)]
pub struct VersionSetIter(u32);

impl Iterator for VersionSetIter {
    type Item = Version;
    fn next(&mut self) -> Option<Version> {
        if self.0 == 0 {
            return None;
        }
        let n = self.0.trailing_zeros() as u8;
        self.0 &= self.0 - 1;
        Some(Version(n))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for VersionSetIter {}

impl fmt::Display for VersionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no version");
        }
        let mut rest = self.0;
        let mut first = true;
        while rest != 0 {
            let lo = rest.trailing_zeros();
            // Length of the run of ones starting at `lo`.
            let run = (!(rest >> lo)).trailing_zeros();
            let hi = lo + run - 1;
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            let (lo, hi) = (Version(lo as u8), Version(hi as u8));
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}–{hi}")?;
            }
            rest &= !(((1u64 << (hi.0 + 1)) - 1) as u32);
        }
        Ok(())
    }
}

impl fmt::Debug for VersionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VersionSet({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn display_compacts_runs() {
        let set = VersionSet::only(Version::MSNP2)
            .union(VersionSet::range(Version::MSNP7, Version::MSNP12))
            .union(VersionSet::only(Version::MSNP21));
        assert_eq!(set.to_string(), "MSNP2, MSNP7–MSNP12, MSNP21");
        assert_eq!(VersionSet::EMPTY.to_string(), "no version");
        assert_eq!(VersionSet::only(Version::MSNP13).to_string(), "MSNP13");
    }

    #[test]
    fn from_str_accepts_two_spellings_only() {
        assert_eq!("MSNP2".parse(), Ok(Version::MSNP2));
        assert_eq!("21".parse(), Ok(Version::MSNP21));
        for bad in [
            "", "MSNP", "msnp8", "MSNP1", "MSNP22", "08", "+8", "MSNP 8", "1", "MSNP24",
        ] {
            assert_eq!(bad.parse::<Version>(), Err(ParseVersionError), "{bad:?}");
        }
    }

    #[test]
    fn set_bounds_and_iteration() {
        let set = VersionSet::range(Version::MSNP13, Version::MSNP20);
        assert_eq!(set.first(), Some(Version::MSNP13));
        assert_eq!(set.last(), Some(Version::MSNP20));
        assert_eq!(set.len(), 8);
        assert_eq!(set.iter().collect::<VersionSet>(), set);
        assert_eq!(VersionSet::ALL.len(), 20);
        assert!(VersionSet::range(Version::MSNP9, Version::MSNP8).is_empty());
        assert_eq!(
            Version::all().map(|v| v.to_string()).next_back().as_deref(),
            Some("MSNP21")
        );
    }
}
