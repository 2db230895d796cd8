//! Reading one XFR line: the field grammar, the strict and lenient line syntax, and the entry
//! points [`parse`], [`parse_lenient`] and [`parse_with`].
//!
//! Reading goes in three steps, each in one place:
//!
//! 1. [`frame`] finds the line's content: it strips the line end (CRLF; lenient mode also LF
//!    and surrounding whitespace).
//! 2. [`Cursor`] splits the content into fields (one space between them; lenient mode also runs
//!    of spaces and tabs) and the grammar functions ([`general`]) read each field by position,
//!    following the union of every version's grammar.
//! 3. The version rules in [`crate::rules`] then decide whether the shape the line has is legal
//!    in the negotiated version: an error in strict mode, a [`Deviation`] in lenient mode.
//!
//! Steps 1 and 2 have a shortcut: [`fast`] reads lines already in the strict grammar — nearly
//! all of them — in one pass, and hands anything else to the general reader.
//!
//! nom stays inside this module: its parsers return [`Fail`], which points into the line and
//! becomes a public [`Error`] with a byte offset at the module's edge.

use nom::bytes::complete::take_while;
use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Offset, Parser};

use crate::deviation::{Deviation, Deviations};
use crate::error::{Error, Field};
use crate::rules;
use crate::value::{
    Address, Auth, HopBlob, Host, NsForm, NsReferral, Port, Request, SbForm, SbReferral,
    ServerType, Token, TrId, Xfr,
};
use crate::version::Version;

mod fast;

/// The longest cookie, salt or hop blob this crate reads, in bytes.
///
/// Real cookies are 10–40 bytes and hop blobs under 200; the cap keeps a hostile line from
/// passing as one huge field.
pub const MAX_TOKEN_LEN: usize = 1024;

/// The longest DNS host name (RFC 1035).
pub(crate) const MAX_HOST_LEN: usize = 253;

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
pub fn parse(line: &[u8], version: Version) -> Result<Xfr<'_>, Error> {
    read(line, Mode::Strict, Some(version)).map(|p| p.xfr)
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
pub fn parse_lenient(line: &[u8], version: Version) -> Result<Parsed<'_>, Error> {
    read(line, Mode::Lenient, Some(version))
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
pub fn parse_with(line: &[u8], mode: Mode, version: Option<Version>) -> Result<Parsed<'_>, Error> {
    read(line, mode, version)
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
        None => read_general(line, mode, version),
    }
}

/// The one-pass reader's promise, checked in debug builds (so by every test) and under
/// cargo-fuzz (which sets `cfg(fuzzing)`): the general reader makes the same of the line.
#[cfg(any(debug_assertions, fuzzing))]
fn same_as_general(line: &[u8], xfr: &Xfr<'_>) {
    let general = frame(line, Mode::Strict)
        .and_then(|mut cursor| general(&mut cursor).map_err(|f| f.into_error(line)));
    assert_eq!(
        general.as_ref(),
        Ok(xfr),
        "the one-pass reader disagrees with the general reader on {line:?}"
    );
}

/// Steps 1 and 2 the general way, then step 3.
#[inline(never)]
fn read_general(line: &[u8], mode: Mode, version: Option<Version>) -> Result<Parsed<'_>, Error> {
    let mut cursor = frame(line, mode)?;
    let xfr = general(&mut cursor).map_err(|f| f.into_error(line))?;
    versions(xfr, cursor.deviations, cursor.content, line, mode, version)
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

/// A parse failure inside this module: what went wrong, and where (a sub-slice of the line).
///
/// The error inside has offset 0; [`Fail::into_error`] moves it to `at`'s place in the line.
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
        Fail::new(
            at,
            Error::Invalid {
                field,
                offset: 0,
                expected,
            },
        )
    }

    fn too_long(at: &'a [u8], field: Field, max: usize) -> Self {
        Fail::new(
            at,
            Error::TooLong {
                field,
                offset: 0,
                max,
            },
        )
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

type PResult<'a, T> = IResult<&'a [u8], T, Fail<'a>>;

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_delimiter(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r' || b == b'\n'
}

/// A byte of 1 in every lane of a word.
const ONES: u64 = u64::from_le_bytes([0x01; 8]);
/// Every lane's high bit.
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// Walks `bytes` eight at a time (little-endian words) while `flags` finds nothing in a word;
/// returns where the first flagged word starts and its flags (high bits of flagged bytes), or
/// where the whole words end and 0.
#[inline(always)]
fn first_flagged_word(bytes: &[u8], flags: impl Fn(u64) -> u64) -> (usize, u64) {
    let mut start = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let found = flags(u64::from_le_bytes(word));
        if found != 0 {
            return (start, found);
        }
        start += 8;
    }
    (start, 0)
}

/// The length of the field at the start of `rest`: up to the first space, tab, CR or LF.
///
/// Whole words without a byte below `!` hold no delimiter; single bytes are looked at only
/// near the end of the field.
#[inline(always)]
fn field_len(rest: &[u8]) -> usize {
    // A byte's high bit ends up set when the byte is below 0x21 (bytes from 0x80 up are
    // masked out by `!w`: they are never delimiters). The lowest such bit is exact.
    let (start, below) = first_flagged_word(rest, |w| w.wrapping_sub(ONES * 0x21) & !w & HIGHS);
    if below != 0 {
        let at = start + (below.trailing_zeros() / 8) as usize;
        if rest.get(at).is_some_and(|&b| is_delimiter(b)) {
            return at;
        }
        // Another control byte, which the field's own check will refuse: go byte by byte.
    }
    start
        + rest[start..]
            .iter()
            .position(|&b| is_delimiter(b))
            .unwrap_or(rest.len() - start)
}

/// Step 1: strips the line end (and, leniently, surrounding whitespace) and returns a cursor
/// over the content.
fn frame(line: &[u8], mode: Mode) -> Result<Cursor<'_>, Error> {
    let mut deviations = Deviations::NONE;
    let content = match mode {
        Mode::Strict => line.strip_suffix(b"\r\n").unwrap_or(line),
        Mode::Lenient => {
            let mut content = match line.strip_suffix(b"\r\n") {
                Some(c) => c,
                None => match line.strip_suffix(b"\n") {
                    Some(c) => {
                        deviations.insert(Deviation::BareLineFeed);
                        c
                    }
                    None => line,
                },
            };
            let trimmed = content.trim_ascii_end();
            if trimmed.len() != content.len() {
                // trim_ascii_end also eats CR, LF and FF; only spaces and tabs are tolerated.
                let cut = &content[trimmed.len()..];
                if let Some(i) = cut.iter().position(|&b| !is_blank(b)) {
                    return Err(Error::LineEnd {
                        offset: trimmed.len() + i,
                    });
                }
                deviations.insert(Deviation::TrailingWhitespace);
                content = trimmed;
            }
            let lead = content.iter().take_while(|&&b| is_blank(b)).count();
            if lead > 0 {
                deviations.insert(Deviation::LeadingWhitespace);
                content = &content[lead..];
            }
            content
        }
    };
    Ok(Cursor::new(content, mode, deviations))
}

/// Step 2's field splitter: hands out the line's fields one at a time, checking the
/// whitespace between them.
struct Cursor<'a> {
    /// The whole content, for finding a field again when a version error names it.
    content: &'a [u8],
    rest: &'a [u8],
    /// Whether a field has been handed out (so the next one needs a separator first).
    started: bool,
    mode: Mode,
    deviations: Deviations,
}

impl<'a> Cursor<'a> {
    fn new(content: &'a [u8], mode: Mode, deviations: Deviations) -> Self {
        Cursor {
            content,
            rest: content,
            started: false,
            mode,
            deviations,
        }
    }

    /// The next field, or `None` at the end of the line.
    #[inline(always)]
    fn optional(&mut self) -> Result<Option<&'a [u8]>, Fail<'a>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        if self.started {
            // The common case, one space before a field, without the general separator rules.
            match self.rest {
                [b' ', next, ..] if *next > b' ' => self.rest = &self.rest[1..],
                _ => {
                    self.separator()?;
                    if self.rest.is_empty() {
                        return Ok(None);
                    }
                }
            }
        }
        let (field, rest) = self.rest.split_at(field_len(self.rest));
        if field.is_empty() {
            // Only at field 0: the line starts with whitespace or a line end.
            return Err(self.bad_delimiter(self.rest));
        }
        self.started = true;
        self.rest = rest;
        Ok(Some(field))
    }

    /// The next field, which the grammar requires.
    #[inline(always)]
    fn required(&mut self, field: Field) -> Result<&'a [u8], Fail<'a>> {
        match self.optional()? {
            Some(f) => Ok(f),
            None => Err(Fail::missing(&self.rest[self.rest.len()..], field)),
        }
    }

    /// The next field, which must be exactly `literal`.
    #[inline(always)]
    fn literal(&mut self, field: Field, literal: &'static str) -> Result<(), Fail<'a>> {
        let got = self.required(field)?;
        if got == literal.as_bytes() {
            Ok(())
        } else {
            Err(Fail::invalid(got, field, literal))
        }
    }

    /// The line must end here.
    #[inline(always)]
    fn end(&mut self) -> Result<(), Fail<'a>> {
        match self.optional()? {
            None => Ok(()),
            Some(extra) => Err(Fail::new(extra, Error::TrailingData { offset: 0 })),
        }
    }

    /// Consumes the whitespace between two fields.
    fn separator(&mut self) -> Result<(), Fail<'a>> {
        let (rest, blank): (&[u8], &[u8]) = take_while::<_, _, Fail<'a>>(is_blank)
            .parse(self.rest)
            .map_err(|_| Fail::invalid(self.rest, Field::Command, "a separator"))?;
        match self.mode {
            Mode::Strict => {
                if blank != b" " {
                    let at = match blank {
                        [] => self.rest,
                        [b' ', ..] => &self.rest[1..],
                        _ => self.rest,
                    };
                    return Err(self.bad_delimiter(at));
                }
                if rest.is_empty() {
                    return Err(Fail::new(self.rest, Error::Whitespace { offset: 0 }));
                }
            }
            Mode::Lenient => {
                if blank.is_empty() {
                    return Err(self.bad_delimiter(self.rest));
                }
                if blank != b" " {
                    self.deviations.insert(Deviation::ExtraWhitespace);
                }
            }
        }
        self.rest = rest;
        Ok(())
    }

    fn bad_delimiter(&self, at: &'a [u8]) -> Fail<'a> {
        match at.first() {
            Some(b'\r' | b'\n') => Fail::new(at, Error::LineEnd { offset: 0 }),
            _ => Fail::new(at, Error::Whitespace { offset: 0 }),
        }
    }

    /// A decimal number of at most `max`. Strict mode refuses leading zeros; lenient mode
    /// notes them.
    #[inline(always)]
    fn number(
        &mut self,
        got: &'a [u8],
        field: Field,
        max: u32,
        range: &'static str,
    ) -> Result<u32, Fail<'a>> {
        let (significant, zeros) = decimal(got, field, max, range)?;
        if zeros {
            match self.mode {
                Mode::Strict => {
                    return Err(Fail::new(got, Error::LeadingZero { field, offset: 0 }));
                }
                Mode::Lenient => self.deviations.insert(Deviation::LeadingZeros),
            }
        }
        Ok(significant)
    }

    /// `host[:port]`. Strict mode requires the port; lenient mode notes its absence.
    fn address(&mut self, got: &'a [u8]) -> Result<Address<'a>, Fail<'a>> {
        // Most hosts are IPv4 addresses: read one straight away, and take the general host
        // grammar (names, and the exact error) only when that does not fit.
        let (name, port) = match ipv4_parser(got) {
            Ok(([], _)) => (got, None),
            Ok(([b':', port @ ..], _)) => (&got[..got.len() - port.len() - 1], Some(port)),
            _ => match got.iter().position(|&b| b == b':') {
                Some(colon) => (host(&got[..colon])?, Some(&got[colon + 1..])),
                None => (host(got)?, None),
            },
        };
        let host = Host::trusted(name);
        let port = match port {
            Some(digits) => Some(self.port(digits)?),
            None => {
                match self.mode {
                    Mode::Strict => return Err(Fail::missing(&got[got.len()..], Field::Port)),
                    Mode::Lenient => self.deviations.insert(Deviation::MissingPort),
                }
                None
            }
        };
        Ok(Address { host, port })
    }

    /// The `CKI` cookie or `MD5` salt.
    #[inline(always)]
    fn token(&mut self) -> Result<Token<'a>, Fail<'a>> {
        let got = token(self.required(Field::AuthParam)?, Field::AuthParam)?;
        Ok(Token::trusted(got))
    }

    #[inline(always)]
    fn port(&mut self, digits: &'a [u8]) -> Result<Port, Fail<'a>> {
        if digits.is_empty() {
            return Err(Fail::missing(digits, Field::Port));
        }
        let n = self.number(digits, Field::Port, u16::MAX as u32, "1..=65535")?;
        // `number` kept n <= 65535, so the conversion cannot fail; 0 is the only value `Port` refuses.
        u16::try_from(n)
            .ok()
            .and_then(Port::new)
            .ok_or_else(|| Fail::new(digits, out_of_range(Field::Port, "1..=65535")))
    }
}

fn out_of_range(field: Field, range: &'static str) -> Error {
    Error::OutOfRange {
        field,
        offset: 0,
        range,
    }
}

/// The general reader: the grammar of one XFR line, the union of every version's (see
/// [`parse`]), in either mode and with exact errors.
fn general<'a>(c: &mut Cursor<'a>) -> Result<Xfr<'a>, Fail<'a>> {
    c.literal(Field::Command, "XFR")?;
    let trid_field = c.required(Field::TrId)?;
    let trid = TrId(c.number(trid_field, Field::TrId, u32::MAX, "0..=4294967295")?);
    let type_field = c.required(Field::ServerType)?;
    let server = match type_field {
        b"NS" => ServerType::Ns,
        b"SB" => ServerType::Sb,
        b"CON" => {
            return Err(Fail::new(
                type_field,
                Error::Unsupported {
                    form: "CON",
                    offset: 0,
                },
            ));
        }
        _ => return Err(Fail::invalid(type_field, Field::ServerType, "`NS` or `SB`")),
    };
    let Some(address) = c.optional()? else {
        return Ok(Xfr::Request(Request { trid, server }));
    };
    match server {
        ServerType::Ns if address == b"0" => {
            if trid != TrId(0) {
                return Err(Fail::invalid(
                    trid_field,
                    Field::TrId,
                    "0 in a soft reset (`XFR 0 NS 0`)",
                ));
            }
            c.end()?;
            Ok(Xfr::SoftReset)
        }
        ServerType::Ns => {
            let server = c.address(address)?;
            let form = ns_form(c)?;
            Ok(Xfr::Ns(NsReferral { trid, server, form }))
        }
        ServerType::Sb => {
            let server = c.address(address)?;
            let (auth, form) = sb_tail(c)?;
            Ok(Xfr::Sb(SbReferral {
                trid,
                server,
                auth,
                form,
            }))
        }
    }
}

/// NS fields 4 and on: nothing | `0` `[current]` | `U D` `[hop]` | `G D hop`.
fn ns_form<'a>(c: &mut Cursor<'a>) -> Result<NsForm<'a>, Fail<'a>> {
    let form = match c.optional()? {
        None => return Ok(NsForm::Bare),
        Some(b"0") => match c.optional()? {
            None => return Ok(NsForm::Zero),
            Some(current) => NsForm::Current(c.address(current)?),
        },
        Some(b"U") => {
            c.literal(Field::CurrentServer, "D")?;
            match c.optional()? {
                None => return Ok(NsForm::UD),
                Some(hop) => NsForm::Hop(HopBlob::trusted(base64(hop)?)),
            }
        }
        Some(b"G") => {
            c.literal(Field::CurrentServer, "D")?;
            let hop = base64(c.required(Field::HopBlob)?)?;
            NsForm::Gateway(HopBlob::trusted(hop))
        }
        Some(other) => {
            return Err(Fail::invalid(
                other,
                Field::ReferralMarker,
                "`0`, `U` or `G`",
            ));
        }
    };
    c.end()?;
    Ok(form)
}

/// SB fields 4 and on: auth method and parameter, then nothing | `U messenger.msn.com` [0|1].
fn sb_tail<'a>(c: &mut Cursor<'a>) -> Result<(Auth<'a>, SbForm), Fail<'a>> {
    let method = c.required(Field::AuthMethod)?;
    let auth = match method {
        b"CKI" => Auth::Cki(c.token()?),
        b"MD5" => Auth::Md5(c.token()?),
        b"CTP" => Auth::Ctp,
        _ => {
            return Err(Fail::invalid(
                method,
                Field::AuthMethod,
                "`CKI`, `CTP` or `MD5`",
            ));
        }
    };
    let form = match c.optional()? {
        None => return Ok((auth, SbForm::Classic)),
        Some(b"U") => {
            c.literal(Field::Domain, "messenger.msn.com")?;
            match c.optional()? {
                None => return Ok((auth, SbForm::Domain)),
                Some(b"0") => SbForm::Direct(false),
                Some(b"1") => SbForm::Direct(true),
                Some(other) => return Err(Fail::invalid(other, Field::Direct, "`0` or `1`")),
            }
        }
        Some(other) => {
            return Err(Fail::invalid(
                other,
                Field::SbMarker,
                "`U` or the end of the line",
            ));
        }
    };
    c.end()?;
    Ok((auth, form))
}

/// Decimal digits only, value at most `max`; also says whether the digits had leading zeros.
fn decimal<'a>(
    got: &'a [u8],
    field: Field,
    max: u32,
    range: &'static str,
) -> Result<(u32, bool), Fail<'a>> {
    let Some(&first) = got.first() else {
        return Err(Fail::invalid(got, field, "decimal digits"));
    };
    let mut n: u64 = 0;
    for (i, &b) in got.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(Fail::invalid(&got[i..], field, "decimal digits"));
        }
        // Leading zeros add nothing, so even a long run of them cannot overflow.
        n = n * 10 + u64::from(digit);
        if n > u64::from(max) {
            return Err(Fail::new(got, out_of_range(field, range)));
        }
    }
    // n <= max <= u32::MAX here.
    Ok((n as u32, first == b'0' && got.len() > 1))
}

/// The first byte outside `!`..=`~`, eight bytes at a time: a word is clean when no byte is
/// below 0x21 (subtracting borrows into the high bit), 0x7F (adding 1 carries into it) or
/// from 0x80 up (the high bit is set). A carry or borrow only starts at a bad byte and moves
/// up, so the lowest flagged byte of a word is its first bad one.
#[inline]
fn first_non_graphic(bytes: &[u8]) -> Option<usize> {
    let (clean, flags) = first_flagged_word(bytes, |w| {
        (w.wrapping_sub(ONES * 0x21) | w.wrapping_add(ONES) | w) & HIGHS
    });
    if flags != 0 {
        return Some(clean + (flags.trailing_zeros() / 8) as usize);
    }
    bytes[clean..]
        .iter()
        .position(|b| !b.is_ascii_graphic())
        .map(|i| clean + i)
}

/// Printable ASCII without spaces, 1 to [`MAX_TOKEN_LEN`] bytes.
fn token(got: &[u8], field: Field) -> Result<&[u8], Fail<'_>> {
    if got.is_empty() {
        return Err(Fail::missing(got, field));
    }
    if let Some(bad) = first_non_graphic(got) {
        return Err(Fail::invalid(
            &got[bad..],
            field,
            "printable ASCII without spaces",
        ));
    }
    if got.len() > MAX_TOKEN_LEN {
        return Err(Fail::too_long(got, field, MAX_TOKEN_LEN));
    }
    Ok(got)
}

/// One IPv4 octet: 1–3 digits, no leading zero, at most 255. A hand-written leaf in nom's
/// shape: the stock `take_while_m_n` costs more than the whole octet.
#[inline(always)]
fn octet(i: &[u8]) -> PResult<'_, u8> {
    let digit = |k: usize| i.get(k).map_or(10, |b| u16::from(b.wrapping_sub(b'0')));
    let (value, len) = match (digit(0), digit(1), digit(2)) {
        (a @ 0..=9, b @ 0..=9, c @ 0..=9) => (a * 100 + b * 10 + c, 3),
        (a @ 0..=9, b @ 0..=9, _) => (a * 10 + b, 2),
        (a @ 0..=9, _, _) => (a, 1),
        _ => (0, 0),
    };
    if len == 0 || (len > 1 && i[0] == b'0') || value > 255 || digit(len) <= 9 {
        return Err(nom::Err::Error(Fail::invalid(
            i,
            Field::Host,
            "an IPv4 octet (0–255, no leading zero)",
        )));
    }
    Ok((&i[len..], value as u8))
}

/// `.` between octets.
#[inline(always)]
fn dot(i: &[u8]) -> PResult<'_, ()> {
    match i.split_first() {
        Some((b'.', rest)) => Ok((rest, ())),
        _ => Err(nom::Err::Error(Fail::invalid(
            i,
            Field::Host,
            "an IPv4 address a.b.c.d",
        ))),
    }
}

/// `a.b.c.d`, each an [`octet`].
#[inline]
fn ipv4_parser(i: &[u8]) -> PResult<'_, core::net::Ipv4Addr> {
    (octet, dot, octet, dot, octet, dot, octet)
        .map(|(a, (), b, (), c, (), d)| core::net::Ipv4Addr::new(a, b, c, d))
        .parse(i)
}

/// The whole of `host` as an IPv4 address.
fn ipv4_exact(host: &[u8]) -> Result<core::net::Ipv4Addr, Fail<'_>> {
    let (rest, address) = ipv4_parser(host).map_err(|e| match e {
        nom::Err::Error(f) | nom::Err::Failure(f) => f,
        nom::Err::Incomplete(_) => Fail::invalid(host, Field::Host, "an IPv4 address a.b.c.d"),
    })?;
    if rest.is_empty() {
        Ok(address)
    } else {
        Err(Fail::invalid(rest, Field::Host, "an IPv4 address a.b.c.d"))
    }
}

/// The host as an IPv4 address, if it is written as one.
pub(crate) fn ipv4(host: &[u8]) -> Option<core::net::Ipv4Addr> {
    ipv4_exact(host).ok()
}

const DIGIT: u8 = 1;
const NAME: u8 = 2;

/// What each byte may be in a host: a digit or dot (either kind of host), a letter or hyphen
/// (names only), or nothing (0).
const HOST_BYTES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_digit() || c == b'.' {
            DIGIT
        } else if c.is_ascii_alphabetic() || c == b'-' {
            NAME
        } else {
            0
        };
        b += 1;
    }
    table
};

/// A host: a dotted IPv4 address, or a DNS name (labels of letters, digits and inner hyphens,
/// optionally starting with a `*` wildcard label, at most 253 bytes).
fn host(got: &[u8]) -> Result<&[u8], Fail<'_>> {
    if got.is_empty() {
        return Err(Fail::missing(got, Field::Host));
    }
    if got.len() > MAX_HOST_LEN {
        return Err(Fail::too_long(got, Field::Host, MAX_HOST_LEN));
    }
    // One pass over the bytes: which may appear at all, and whether all are digits and dots.
    let mut seen = 0;
    for (i, &b) in got.iter().enumerate() {
        let class = HOST_BYTES[usize::from(b)];
        // A wildcard label, `*.`, only in front.
        if class == 0 && !(b == b'*' && i == 0 && got.get(1) == Some(&b'.')) {
            return Err(Fail::invalid(
                &got[i..],
                Field::Host,
                "letters, digits, `-` or `.`",
            ));
        }
        seen |= class;
    }
    let numeric = seen & NAME == 0 && got[0] != b'*';
    if numeric {
        // All digits and dots: it can only be an IPv4 address (a DNS name's last label is
        // never numeric).
        return ipv4_exact(got).map(|_| got);
    }
    let mut rest = got;
    loop {
        let end = rest.iter().position(|&b| b == b'.').unwrap_or(rest.len());
        let label = &rest[..end];
        if label.is_empty() {
            return Err(Fail::invalid(label, Field::Host, "a non-empty DNS label"));
        }
        if label.len() > 63 || label[0] == b'-' || label[label.len() - 1] == b'-' {
            return Err(Fail::invalid(
                label,
                Field::Host,
                "a DNS label of 1–63 bytes not starting or ending with `-`",
            ));
        }
        match rest.get(end + 1..) {
            Some(next) => rest = next,
            None => return Ok(got),
        }
    }
}

/// Each byte's base64 value, or 0xFF for bytes outside the alphabet.
const BASE64_VALUES: [u8; 256] = {
    let mut table = [0xFF; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn base64_value(b: u8) -> Option<u8> {
    match BASE64_VALUES[usize::from(b)] {
        0xFF => None,
        value => Some(value),
    }
}

/// Standard base64 with padding: a multiple of 4 bytes, `=` only at the end (at most two).
fn base64(got: &[u8]) -> Result<&[u8], Fail<'_>> {
    if got.len() > MAX_TOKEN_LEN {
        return Err(Fail::too_long(got, Field::HopBlob, MAX_TOKEN_LEN));
    }
    let pad = got.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &got[..got.len() - pad];
    if let Some(bad) = body
        .iter()
        .position(|&b| BASE64_VALUES[usize::from(b)] == 0xFF)
    {
        return Err(Fail::invalid(
            &body[bad..],
            Field::HopBlob,
            "base64 (A–Z a–z 0–9 + / and = padding)",
        ));
    }
    if got.is_empty() || got.len() % 4 != 0 || pad > 2 {
        return Err(Fail::invalid(
            got,
            Field::HopBlob,
            "base64 in groups of 4 characters",
        ));
    }
    Ok(got)
}

/// How many bytes a checked base64 text decodes to.
pub(crate) fn base64_decoded_len(text: &[u8]) -> usize {
    let pad = text.iter().rev().take_while(|&&b| b == b'=').count();
    (text.len() / 4) * 3 - pad.min(2)
}

/// Standard base64 with padding.
#[cfg(feature = "alloc")]
pub(crate) fn encode_base64(bytes: &[u8]) -> alloc::string::String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = alloc::string::String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes checked base64 into `buf`; `None` if `buf` is too short.
pub(crate) fn decode_base64<'b>(text: &[u8], buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let len = base64_decoded_len(text);
    let out = buf.get_mut(..len)?;
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut n = 0;
    for &b in text.iter().take_while(|&&b| b != b'=') {
        acc = (acc << 6) | u32::from(base64_value(b)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = (acc >> bits) as u8;
            n += 1;
        }
    }
    Some(&out[..n])
}

/// Runs a field checker on a whole string, for the public constructors of field types.
fn check_field<'a>(
    text: &'a [u8],
    check: impl FnOnce(&'a [u8]) -> Result<(), Fail<'a>>,
) -> Result<(), Error> {
    check(text).map_err(|f| f.into_error(text))
}

/// [`Host::new`]'s check.
pub(crate) fn check_host(text: &[u8]) -> Result<(), Error> {
    check_field(text, |t| host(t).map(|_| ()))
}

/// [`Token::new`]'s check.
pub(crate) fn check_token(text: &[u8]) -> Result<(), Error> {
    check_field(text, |t| token(t, Field::AuthParam).map(|_| ()))
}

/// [`HopBlob::new`]'s check.
pub(crate) fn check_base64(text: &[u8]) -> Result<(), Error> {
    check_field(text, |t| base64(t).map(|_| ()))
}

/// [`Address::parse`]: the strict `host:port` grammar on a whole string, or a host alone (as
/// `Display` writes an address without a port).
pub(crate) fn address_str(text: &str) -> Result<Address<'_>, Error> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b':') {
        check_host(bytes)?;
        return Ok(Address {
            host: Host::trusted(bytes),
            port: None,
        });
    }
    let mut c = Cursor::new(bytes, Mode::Strict, Deviations::NONE);
    let field = c
        .required(Field::Address)
        .map_err(|f| f.into_error(bytes))?;
    let address = c.address(field).map_err(|f| f.into_error(bytes))?;
    c.end().map_err(|f| f.into_error(bytes))?;
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time scanners agree with byte-by-byte ones for every byte value at every
    /// position of buffers around the word size, on a clean background.
    #[test]
    fn word_scanners_match_byte_scanners() {
        for len in 0..=24 {
            for at in 0..len {
                for (byte, tail) in (0..=255u8).flat_map(|b| [(b, 0x7f), (b, b' ')]) {
                    let mut buf = [b'x'; 24];
                    buf[at] = byte;
                    // A second odd byte later, to catch carries and borrows between bytes.
                    if at + 1 < len {
                        buf[len - 1] = tail;
                    }
                    let buf = &buf[..len];
                    assert_eq!(
                        first_non_graphic(buf),
                        buf.iter().position(|b| !b.is_ascii_graphic()),
                        "{buf:?}"
                    );
                    assert_eq!(
                        field_len(buf),
                        buf.iter().position(|&b| is_delimiter(b)).unwrap_or(len),
                        "{buf:?}"
                    );
                }
            }
        }
    }
}
