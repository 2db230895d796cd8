//! Reading one XFR line: the strict and lenient line syntax, and the entry points [`parse`],
//! [`parse_lenient`] and [`parse_with`].
//!
//! Reading goes in three steps:
//!
//! 1. The line end is stripped (CRLF; lenient mode also LF and surrounding whitespace).
//! 2. The fields are read by the grammar, the union of every version's: [`general`] is that
//!    grammar written as nom parsers, with exact errors and lenient deviations; each field's
//!    own rules come from [`crate::field`].
//! 3. The version rules in [`crate::rules`] then decide whether the shape the line has is legal
//!    in the negotiated version: an error in strict mode, a [`Deviation`] in lenient mode.
//!
//! Steps 1 and 2 have a shortcut: [`fast`] reads lines already in the strict grammar — nearly
//! all of them — in one pass, and hands anything else to the general reader.
//!
//! nom stays inside this module: its parsers return [`Fail`], which points into the line and
//! becomes a public [`Error`] with a byte offset at the module's edge.

use nom::Offset;
use nom::error::{ErrorKind, ParseError};

use crate::deviation::{Deviation, Deviations};
use crate::error::{Error, Field};
use crate::field::{self, is_blank};
use crate::rules;
use crate::value::{Address, Host, Xfr};
use crate::version::Version;

mod fast;
mod general;

/// How strictly a line is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Exactly the documented grammar: one space between fields, no leading zeros, a port on
    /// every address, CRLF or no line end, and only the fields the version allows.
    #[default]
    Strict,
    /// Also what real servers and captures send (the protocol notes' "real wire"): runs of
    /// spaces and tabs, leading and trailing whitespace, LF line ends, missing ports, leading
    /// zeros, and fields shaped for another version. Each is reported as a [`Deviation`].
    Lenient,
}

/// A line read by [`parse_with`] or [`parse_lenient`]: the value and what was tolerated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// The value.
    pub xfr: Xfr<'a>,
    /// The departures from the strict grammar that lenient mode tolerated (and advisory notes).
    pub deviations: Deviations,
}

/// Reads one XFR line with the strict grammar of `version`.
///
/// The line may end in CRLF or not end at all; nothing may follow it.
///
/// Grammar (one space between fields):
///
/// ```text
/// XFR TrID SB|NS                                               request
/// XFR 0 NS 0                                                   soft reset, any version
/// XFR TrID NS addr:port                                        MSNP2
/// XFR TrID NS addr:port 0                                      MSNP3–MSNP6
/// XFR TrID NS addr:port 0 current:port                         MSNP7–MSNP12
/// XFR TrID NS addr:port U D                                    MSNP13–MSNP20
/// XFR TrID NS addr:port U D hop-blob                           MSNP21
/// XFR TrID NS host:port G D hop-blob                           MSNP21 gateway
/// XFR TrID SB addr:port CKI cookie                             MSNP2–MSNP12
/// XFR TrID SB addr:port CTP | MD5 salt                         MSNP2–MSNP11
/// XFR TrID SB addr:port CKI cookie U messenger.msn.com         MSNP13
/// XFR TrID SB addr:port CKI cookie U messenger.msn.com 0|1     MSNP14–MSNP21
/// ```
///
/// ```
/// use msnp_xfr::{parse, Error, Field, Version, VersionSet, Xfr};
///
/// let xfr = parse(b"XFR 5 NS 10.0.0.5:1863 0 10.0.0.1:1863\r\n", Version::MSNP8).unwrap();
/// assert_eq!(xfr.legal_versions(), VersionSet::range(Version::MSNP7, Version::MSNP12));
///
/// // The same line is not MSNP13's shape: field 4 should be `U`.
/// let err = parse(b"XFR 5 NS 10.0.0.5:1863 0 10.0.0.1:1863\r\n", Version::MSNP13).unwrap_err();
/// assert!(matches!(err, Error::Version { field: Field::ReferralMarker, offset: 23, .. }));
///
/// assert_eq!(parse(b"XFR 0 NS 0", Version::MSNP21), Ok(Xfr::SoftReset));
/// ```
///
/// The line may be given as bytes or as text (a `&str` or `String` from a log); the value
/// borrows from it either way:
///
/// ```
/// use msnp_xfr::{parse, Version};
///
/// let from_a_log = String::from("XFR 12 SB");
/// assert!(parse(&from_a_log, Version::MSNP15).is_ok());
/// assert!(parse("XFR 12 NS", Version::MSNP15).is_ok());
/// ```
#[inline]
pub fn parse<L: AsRef<[u8]> + ?Sized>(line: &L, version: Version) -> Result<Xfr<'_>, Error> {
    read(line.as_ref(), Mode::Strict, Some(version)).map(|p| p.xfr)
}

/// Reads one XFR line the way real traffic needs: everything strict mode takes, plus the
/// departures listed under [`Mode::Lenient`], each reported in [`Parsed::deviations`].
///
/// A line missing a required field, with garbage after its last field, or with a field that
/// no version allows is still an error.
///
/// ```
/// use msnp_xfr::{parse_lenient, Deviation, Version, Xfr};
///
/// // An MSNP18 server sending the MSNP2–MSNP12 SB form, with a double space, LF-terminated.
/// let p = parse_lenient(b"XFR 9 SB 64.4.37.10:1863  CKI 1234.5678\n", Version::MSNP18).unwrap();
/// assert!(matches!(p.xfr, Xfr::Sb(_)));
/// assert!(p.deviations.contains(Deviation::OtherVersion));
/// assert!(p.deviations.contains(Deviation::ExtraWhitespace));
/// assert!(p.deviations.contains(Deviation::BareLineFeed));
///
/// // Leftovers of an earlier line stay an error.
/// assert!(parse_lenient(b"XFR 0 NS 1.2.3.4:1863 U D89 http://x", Version::MSNP18).is_err());
/// ```
///
/// Like [`parse`], it takes bytes or text.
#[inline]
pub fn parse_lenient<L: AsRef<[u8]> + ?Sized>(
    line: &L,
    version: Version,
) -> Result<Parsed<'_>, Error> {
    read(line.as_ref(), Mode::Lenient, Some(version))
}

/// Reads one XFR line in `mode`, for `version` or — with `None`, before any `VER` — for
/// whichever version fits: strict mode then requires only that *some* version allows the line
/// (ask [`Xfr::legal_versions`] which), lenient mode reports no [`Deviation::OtherVersion`].
///
/// ```
/// use msnp_xfr::{parse_with, Mode, Version, VersionSet};
///
/// let p = parse_with(b"XFR 1 NS 207.46.106.118:1863 U D\r\n", Mode::Strict, None).unwrap();
/// assert_eq!(p.xfr.legal_versions(), VersionSet::range(Version::MSNP13, Version::MSNP20));
/// ```
///
/// Like [`parse`], it takes bytes or text.
#[inline]
pub fn parse_with<L: AsRef<[u8]> + ?Sized>(
    line: &L,
    mode: Mode,
    version: Option<Version>,
) -> Result<Parsed<'_>, Error> {
    read(line.as_ref(), mode, version)
}

/// All three steps. Lines in the strict grammar take the one-pass reader; the general reader
/// sees the rest, and finds the error or the lenient reading. Inlined into each entry point
/// (and the decoder, once per mode), so that the mode question is settled when it is compiled.
#[inline(always)]
pub(crate) fn read(line: &[u8], mode: Mode, version: Option<Version>) -> Result<Parsed<'_>, Error> {
    let content = line.strip_suffix(b"\r\n").unwrap_or(line);
    match fast::xfr(content) {
        Some(xfr) => {
            #[cfg(any(debug_assertions, fuzzing))]
            same_as_general(line, &xfr);
            versions(xfr, Deviations::NONE, content, line, mode, version)
        }
        None => {
            #[cfg(any(debug_assertions, fuzzing))]
            same_as_general_declines(line);
            read_general(line, mode, version)
        }
    }
}

/// The one-pass reader's promise, checked in debug builds (so by every test) and under
/// cargo-fuzz (which sets `cfg(fuzzing)`): the general reader makes the same of the line.
#[cfg(any(debug_assertions, fuzzing))]
fn same_as_general(line: &[u8], xfr: &Xfr<'_>) {
    let general = general::read(line, Mode::Strict).map(|r| r.xfr);
    assert_eq!(
        general.as_ref(),
        Ok(xfr),
        "the one-pass reader disagrees with the general reader on {line:?}"
    );
}

/// ... and declines only what the general reader's strict grammar refuses.
#[cfg(any(debug_assertions, fuzzing))]
fn same_as_general_declines(line: &[u8]) {
    if let Ok(reading) = general::read(line, Mode::Strict) {
        panic!(
            "the one-pass reader declined {line:?}, which the general reader reads as {:?}",
            reading.xfr
        );
    }
}

/// Steps 1 and 2 the general way, then step 3.
#[inline(never)]
fn read_general(line: &[u8], mode: Mode, version: Option<Version>) -> Result<Parsed<'_>, Error> {
    let reading = general::read(line, mode)?;
    versions(
        reading.xfr,
        reading.deviations,
        reading.content,
        line,
        mode,
        version,
    )
}

/// Step 3: the version rules, for a value read from `content` (a part of `line`).
#[inline(always)]
fn versions<'a>(
    xfr: Xfr<'a>,
    mut deviations: Deviations,
    content: &[u8],
    line: &[u8],
    mode: Mode,
    version: Option<Version>,
) -> Result<Parsed<'a>, Error> {
    let at = |index: u8| field_start(content, index, line);
    match (mode, version) {
        (Mode::Strict, Some(v)) => rules::check(&xfr, v).map_err(|bad| bad.error(v, at))?,
        (Mode::Strict, None) => rules::check_any(&xfr).map_err(|bad| bad.error_any(at))?,
        (Mode::Lenient, Some(v)) => {
            if rules::check(&xfr, v).is_err() {
                deviations.insert(Deviation::OtherVersion);
                if rules::check_any(&xfr).is_err() {
                    deviations.insert(Deviation::MixedVersions);
                }
            }
        }
        (Mode::Lenient, None) => {
            if rules::check_any(&xfr).is_err() {
                deviations.insert(Deviation::MixedVersions);
            }
        }
    }
    if let Some(v) = version {
        rules::advise(&xfr, v, &mut deviations);
    }
    Ok(Parsed { xfr, deviations })
}

/// The byte offset in `line` where field `index` of `content` (a part of `line`) starts, or
/// the end of the content when the line has no such field. Only errors ask, so the fields
/// are found again rather than recorded while reading.
fn field_start(content: &[u8], index: u8, line: &[u8]) -> usize {
    let field = content
        .split(|&b| is_blank(b))
        .filter(|f| !f.is_empty())
        .nth(usize::from(index));
    match field {
        Some(field) => line.offset(field),
        None => line.offset(content) + content.len(),
    }
}

/// A parse failure inside this module: what went wrong, and where.
///
/// `error`'s offset counts from the start of `at`, a sub-slice of the line;
/// [`Fail::into_error`] moves it to count from the start of the line.
#[derive(Debug)]
pub(crate) struct Fail<'a> {
    at: &'a [u8],
    error: Error,
}

impl<'a> Fail<'a> {
    fn new(at: &'a [u8], error: Error) -> Self {
        Fail { at, error }
    }

    fn invalid(at: &'a [u8], field: Field, expected: &'static str) -> Self {
        Fail::new(at, field::invalid(field, 0, expected))
    }

    fn missing(at: &'a [u8], field: Field) -> Self {
        Fail::new(at, Error::Missing { field, offset: 0 })
    }

    /// The public error, with its offset counted from the start of `line` (which `at` is part of).
    fn into_error(self, line: &[u8]) -> Error {
        self.error.shifted(line.offset(self.at))
    }
}

impl<'a> ParseError<&'a [u8]> for Fail<'a> {
    fn from_error_kind(input: &'a [u8], _kind: ErrorKind) -> Self {
        Fail::invalid(input, Field::Command, "an XFR line")
    }

    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

/// The reader's input: the rest of the line's content.
type In<'a> = &'a [u8];

type PResult<'a, T> = nom::IResult<In<'a>, T, Fail<'a>>;

impl<'a> Address<'a> {
    /// Parses `host:port`, or `host` alone, with the strict field grammar, borrowing `text`:
    /// what [`Display`](core::fmt::Display) writes, it reads back.
    ///
    /// ```
    /// use msnp_xfr::Address;
    /// assert_eq!(Address::parse("64.4.12.133").unwrap().port, None);
    /// assert_eq!(Address::parse("m1.example.org:1864").unwrap().port.map(|p| p.get()), Some(1864));
    /// assert!(Address::parse("64.4.12.133:0").is_err());
    /// ```
    pub fn parse(text: &'a str) -> Result<Self, Error> {
        let bytes = text.as_bytes();
        if !bytes.contains(&b':') {
            field::host(bytes)?;
            return Ok(Address {
                host: Host::trusted(bytes),
                port: None,
            });
        }
        general::address_str(bytes)
    }
}

impl core::str::FromStr for Address<'static> {
    type Err = Error;
    /// Parses an owned address (needs the `alloc` feature for the copy of the host).
    #[cfg(feature = "alloc")]
    fn from_str(s: &str) -> Result<Self, Error> {
        Address::parse(s).map(Address::into_owned)
    }
    /// Without `alloc` an owned address can only come from `'static` text; use
    /// [`Address::parse`] instead.
    #[cfg(not(feature = "alloc"))]
    fn from_str(s: &str) -> Result<Self, Error> {
        Address::parse(s).and(Err(Error::Invalid {
            field: Field::Address,
            offset: 0,
            expected: "`Address::parse` (FromStr needs the `alloc` feature)",
        }))
    }
}
