//! The general reader: the grammar of one XFR line, the union of every version's (see
//! [`parse`](crate::parse)), in either mode and with exact errors, written as nom parsers.
//!
//! ```text
//! line     = "XFR" SP trid SP type [SP tail]
//! type     = "NS" / "SB"                  ; "CON" (MSNP24) is refused as unsupported
//! tail     = "0"                          ; NS, TrID 0: the soft reset
//!          / address ns-form              ; NS
//!          / address sb-auth sb-form      ; SB
//! ns-form  = ""                           ; MSNP2
//!          / SP "0" [SP address]          ; MSNP3–MSNP6, MSNP7–MSNP12
//!          / SP "U" SP "D" [SP hop-blob]  ; MSNP13–MSNP20, MSNP21
//!          / SP "G" SP "D" SP hop-blob    ; MSNP21 gateway
//! sb-auth  = SP ("CKI" / "MD5") SP token / SP "CTP"
//! sb-form  = "" / SP "U" SP "messenger.msn.com" [SP ("0" / "1")]
//! address  = host [":" port]              ; the port only optional in lenient mode
//! ```
//!
//! `SP` is one space in strict mode and a run of spaces and tabs in lenient mode
//! ([`Deviation::ExtraWhitespace`]). Each alternative of `ns-form` and `sb-form` starts with a
//! constant marker; once a marker matched, the branch is committed (`cut`), so an error inside
//! it is that branch's error, not "no alternative matched". The fields' own grammar lives in
//! [`crate::field`].

use core::cell::Cell;

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::take_while;
use nom::combinator::{cut, eof, map, value};
use nom::sequence::{preceded, terminated};

use super::{Fail, In, Mode, PResult};
use crate::deviation::{Deviation, Deviations};
use crate::error::{Error, Field};
use crate::field::{self, is_blank};
use crate::value::{
    Address, Auth, HopBlob, Host, NsForm, NsReferral, Port, Request, SbForm, SbReferral,
    ServerType, Token, TrId, Xfr,
};

/// What one reading carries along: the mode, and the deviations found so far.
pub(super) struct Reader {
    mode: Mode,
    deviations: Cell<Deviations>,
}

impl Reader {
    fn tolerate(&self, deviation: Deviation) {
        let mut set = self.deviations.get();
        set.insert(deviation);
        self.deviations.set(set);
    }
}

/// A line read by the general reader: the value, what lenient mode tolerated, and the content
/// the fields were read from (the line without its line end and surrounding whitespace).
pub(super) struct Reading<'a> {
    pub(super) xfr: Xfr<'a>,
    pub(super) deviations: Deviations,
    pub(super) content: &'a [u8],
}

/// Reads `line` in `mode`: frames it, then reads its fields.
pub(super) fn read(line: &[u8], mode: Mode) -> Result<Reading<'_>, Error> {
    let (content, deviations) = frame(line, mode)?;
    let reader = Reader {
        mode,
        deviations: Cell::new(deviations),
    };
    let (_, xfr) = xfr_line(&reader, content).map_err(|e| match e {
        nom::Err::Error(f) | nom::Err::Failure(f) => f.into_error(line),
        // Only `streaming` parsers ask for more, and none is used.
        nom::Err::Incomplete(_) => {
            Fail::missing(&content[content.len()..], Field::LineEnd).into_error(line)
        }
    })?;
    Ok(Reading {
        xfr,
        deviations: reader.deviations.get(),
        content,
    })
}

/// Finds the line's content: strips the line end (CRLF; lenient mode also LF, and spaces and
/// tabs around the fields).
fn frame(line: &[u8], mode: Mode) -> Result<(&[u8], Deviations), Error> {
    let mut deviations = Deviations::NONE;
    if mode == Mode::Strict {
        return Ok((line.strip_suffix(b"\r\n").unwrap_or(line), deviations));
    }
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
    Ok((content, deviations))
}

/// A failure no alternative may recover from.
fn fatal<T>(fail: Fail<'_>) -> PResult<'_, T> {
    Err(nom::Err::Failure(fail))
}

/// The error for a blank or line end where a field should start.
fn bad_delimiter(at: In<'_>) -> Fail<'_> {
    match at.first() {
        Some(b'\r' | b'\n') => Fail::new(at, Error::LineEnd { offset: 0 }),
        _ => Fail::new(at, Error::Whitespace { offset: 0 }),
    }
}

/// `SP` between two fields: one space in strict mode; in lenient mode any run of spaces and
/// tabs, a deviation unless it is one space.
fn separator<'a>(r: &Reader, i: In<'a>) -> PResult<'a, ()> {
    // The common case, one space before a field.
    if let [b' ', next, ..] = i {
        if *next > b' ' {
            return Ok((&i[1..], ()));
        }
    }
    let (rest, blank) = take_while(is_blank).parse(i)?;
    match r.mode {
        Mode::Strict if blank != b" " => {
            let at = match blank {
                [b' ', ..] => &i[1..],
                _ => i,
            };
            fatal(bad_delimiter(at))
        }
        Mode::Strict if rest.is_empty() => fatal(Fail::new(i, Error::Whitespace { offset: 0 })),
        Mode::Lenient if blank.is_empty() => fatal(bad_delimiter(i)),
        Mode::Lenient if blank != b" " => {
            r.tolerate(Deviation::ExtraWhitespace);
            Ok((rest, ()))
        }
        _ => Ok((rest, ())),
    }
}

/// The bytes of one field, up to the next blank or line end; there must be at least one.
fn word(i: In<'_>) -> PResult<'_, In<'_>> {
    let len = field::field_len(i);
    if len == 0 {
        return fatal(bad_delimiter(i));
    }
    Ok((&i[len..], &i[..len]))
}

/// `[SP field]`: the next field, or `None` at the end of the content.
fn next_field<'a>(r: &Reader, i: In<'a>) -> PResult<'a, Option<In<'a>>> {
    if i.is_empty() {
        return Ok((i, None));
    }
    let (i, ()) = separator(r, i)?;
    if i.is_empty() {
        return Ok((i, None));
    }
    let (i, got) = word(i)?;
    Ok((i, Some(got)))
}

/// `SP field`, which the grammar requires here: [`Error::Missing`] at the end of the content.
fn required<'a>(
    r: &Reader,
    field: Field,
) -> impl Parser<In<'a>, Output = In<'a>, Error = Fail<'a>> {
    move |i: In<'a>| match next_field(r, i)? {
        (rest, Some(got)) => Ok((rest, got)),
        (rest, None) => fatal(Fail::missing(rest, field)),
    }
}

/// `SP lit`, a constant that starts an alternative: anything else lets the next one try.
fn marker<'a>(
    r: &Reader,
    lit: &'static [u8],
) -> impl Parser<In<'a>, Output = (), Error = Fail<'a>> {
    move |i: In<'a>| match next_field(r, i)? {
        (rest, Some(got)) if got == lit => Ok((rest, ())),
        _ => Err(nom::Err::Error(Fail::missing(i, Field::Command))),
    }
}

/// `SP lit`, a constant the grammar requires here.
fn literal<'a>(
    r: &Reader,
    field: Field,
    lit: &'static str,
) -> impl Parser<In<'a>, Output = (), Error = Fail<'a>> {
    move |i: In<'a>| {
        let (rest, got) = required(r, field).parse(i)?;
        if got == lit.as_bytes() {
            Ok((rest, ()))
        } else {
            fatal(Fail::invalid(got, field, lit))
        }
    }
}

/// The last alternative: the next field, which none of the others wanted.
fn unexpected<'a, T>(
    r: &Reader,
    field: Field,
    expected: &'static str,
) -> impl Parser<In<'a>, Output = T, Error = Fail<'a>> {
    move |i: In<'a>| {
        let (_, got) = required(r, field).parse(i)?;
        fatal(Fail::invalid(got, field, expected))
    }
}

/// The end of the line: no further field.
fn end<'a>(r: &Reader) -> impl Parser<In<'a>, Output = (), Error = Fail<'a>> {
    move |i: In<'a>| match next_field(r, i)? {
        (rest, None) => Ok((rest, ())),
        (_, Some(extra)) => fatal(Fail::new(extra, Error::TrailingData { offset: 0 })),
    }
}

/// A field's own check, as a failure at the field.
fn check<'a>(got: In<'a>, result: Result<(), Error>) -> Result<In<'a>, nom::Err<Fail<'a>>> {
    result
        .map(|()| got)
        .map_err(|e| nom::Err::Failure(Fail::new(got, e)))
}

/// A decimal number of at most `max`. Strict mode refuses leading zeros; lenient mode notes them.
fn number<'a>(
    r: &Reader,
    got: In<'a>,
    field: Field,
    max: u32,
    range: &'static str,
) -> Result<u32, nom::Err<Fail<'a>>> {
    let (n, zeros) =
        field::decimal(got, field, max, range).map_err(|e| nom::Err::Failure(Fail::new(got, e)))?;
    if zeros {
        match r.mode {
            Mode::Strict => {
                return Err(nom::Err::Failure(Fail::new(
                    got,
                    Error::LeadingZero { field, offset: 0 },
                )));
            }
            Mode::Lenient => r.tolerate(Deviation::LeadingZeros),
        }
    }
    Ok(n)
}

/// `port = 1*5DIGIT`, 1–65535.
fn port<'a>(r: &Reader, digits: In<'a>) -> Result<Port, nom::Err<Fail<'a>>> {
    if digits.is_empty() {
        return Err(nom::Err::Failure(Fail::missing(digits, Field::Port)));
    }
    let n = number(r, digits, Field::Port, u32::from(u16::MAX), "1..=65535")?;
    // `number` kept n <= 65535; 0 is the only value `Port` refuses.
    u16::try_from(n).ok().and_then(Port::new).ok_or_else(|| {
        nom::Err::Failure(Fail::new(
            digits,
            field::out_of_range(Field::Port, "1..=65535"),
        ))
    })
}

/// `address = host [":" port]` in one field. Strict mode requires the port; lenient mode notes
/// its absence.
fn address<'a>(r: &Reader, got: In<'a>) -> Result<Address<'a>, nom::Err<Fail<'a>>> {
    // Most hosts are IPv4 addresses: read one straight away, and take the general host grammar
    // (names, and the exact error) only when that does not fit.
    let (host, digits) = match field::ipv4_prefix(got) {
        Some((_, [])) => (got, None),
        Some((_, [b':', digits @ ..])) => (&got[..got.len() - digits.len() - 1], Some(digits)),
        _ => match got.iter().position(|&b| b == b':') {
            Some(colon) => (
                check(&got[..colon], field::host(&got[..colon]))?,
                Some(&got[colon + 1..]),
            ),
            None => (check(got, field::host(got))?, None),
        },
    };
    let port = match digits {
        Some(digits) => Some(port(r, digits)?),
        None => {
            match r.mode {
                Mode::Strict => {
                    return Err(nom::Err::Failure(Fail::missing(
                        &got[got.len()..],
                        Field::Port,
                    )));
                }
                Mode::Lenient => r.tolerate(Deviation::MissingPort),
            }
            None
        }
    };
    Ok(Address {
        host: Host::trusted(host),
        port,
    })
}

/// `SP address`.
fn next_address<'a>(r: &Reader) -> impl Parser<In<'a>, Output = Address<'a>, Error = Fail<'a>> {
    move |i: In<'a>| {
        let (rest, got) = required(r, Field::Address).parse(i)?;
        Ok((rest, address(r, got)?))
    }
}

/// `SP hop-blob`.
fn hop_blob<'a>(r: &Reader) -> impl Parser<In<'a>, Output = HopBlob<'a>, Error = Fail<'a>> {
    move |i: In<'a>| {
        let (rest, got) = required(r, Field::HopBlob).parse(i)?;
        Ok((rest, HopBlob::trusted(check(got, field::base64(got))?)))
    }
}

/// `SP token`: the `CKI` cookie or `MD5` salt.
fn token<'a>(r: &Reader) -> impl Parser<In<'a>, Output = Token<'a>, Error = Fail<'a>> {
    move |i: In<'a>| {
        let (rest, got) = required(r, Field::AuthParam).parse(i)?;
        let got = check(got, field::token(got, Field::AuthParam))?;
        Ok((rest, Token::trusted(got)))
    }
}

/// `ns-form`, then the end of the line.
fn ns_form<'a>(r: &Reader, i: In<'a>) -> PResult<'a, NsForm<'a>> {
    alt((
        value(NsForm::Bare, eof),
        preceded(
            marker(r, b"0"),
            cut(alt((
                value(NsForm::Zero, eof),
                terminated(map(next_address(r), NsForm::Current), end(r)),
            ))),
        ),
        preceded(
            marker(r, b"U"),
            cut(preceded(
                literal(r, Field::CurrentServer, "D"),
                alt((
                    value(NsForm::UD, eof),
                    terminated(map(hop_blob(r), NsForm::Hop), end(r)),
                )),
            )),
        ),
        preceded(
            marker(r, b"G"),
            cut(preceded(
                literal(r, Field::CurrentServer, "D"),
                terminated(map(hop_blob(r), NsForm::Gateway), end(r)),
            )),
        ),
        unexpected(r, Field::ReferralMarker, "`0`, `U` or `G`"),
    ))
    .parse(i)
}

/// `sb-auth`.
fn sb_auth<'a>(r: &Reader, i: In<'a>) -> PResult<'a, Auth<'a>> {
    alt((
        preceded(marker(r, b"CKI"), cut(map(token(r), Auth::Cki))),
        preceded(marker(r, b"MD5"), cut(map(token(r), Auth::Md5))),
        value(Auth::Ctp, marker(r, b"CTP")),
        unexpected(r, Field::AuthMethod, "`CKI`, `CTP` or `MD5`"),
    ))
    .parse(i)
}

/// `sb-form`, then the end of the line.
fn sb_form<'a>(r: &Reader, i: In<'a>) -> PResult<'a, SbForm> {
    alt((
        value(SbForm::Classic, eof),
        preceded(
            marker(r, b"U"),
            cut(preceded(
                literal(r, Field::Domain, "messenger.msn.com"),
                alt((
                    value(SbForm::Domain, eof),
                    terminated(
                        alt((
                            value(SbForm::Direct(false), marker(r, b"0")),
                            value(SbForm::Direct(true), marker(r, b"1")),
                            unexpected(r, Field::Direct, "`0` or `1`"),
                        )),
                        end(r),
                    ),
                )),
            )),
        ),
        unexpected(r, Field::SbMarker, "`U` or the end of the line"),
    ))
    .parse(i)
}

/// `line`.
fn xfr_line<'a>(r: &Reader, i: In<'a>) -> PResult<'a, Xfr<'a>> {
    // Field 0 has no separator before it.
    if i.is_empty() {
        return fatal(Fail::missing(i, Field::Command));
    }
    let (i, command) = word(i)?;
    if command != b"XFR" {
        return fatal(Fail::invalid(command, Field::Command, "XFR"));
    }
    let (i, trid_field) = required(r, Field::TrId).parse(i)?;
    let trid = TrId(number(
        r,
        trid_field,
        Field::TrId,
        u32::MAX,
        "0..=4294967295",
    )?);
    let (i, type_field) = required(r, Field::ServerType).parse(i)?;
    let server = match type_field {
        b"NS" => ServerType::Ns,
        b"SB" => ServerType::Sb,
        b"CON" => {
            return fatal(Fail::new(
                type_field,
                Error::Unsupported {
                    form: "CON",
                    offset: 0,
                },
            ));
        }
        _ => return fatal(Fail::invalid(type_field, Field::ServerType, "`NS` or `SB`")),
    };
    let request = value(Xfr::Request(Request { trid, server }), eof);
    match server {
        ServerType::Ns => alt((
            request,
            preceded(marker(r, b"0"), cut(soft_reset(r, trid, trid_field))),
            map((next_address(r), |i| ns_form(r, i)), |(server, form)| {
                Xfr::Ns(NsReferral { trid, server, form })
            }),
        ))
        .parse(i),
        ServerType::Sb => alt((
            request,
            map(
                (next_address(r), |i| sb_auth(r, i), |i| sb_form(r, i)),
                |(server, auth, form)| {
                    Xfr::Sb(SbReferral {
                        trid,
                        server,
                        auth,
                        form,
                    })
                },
            ),
        ))
        .parse(i),
    }
}

/// After `XFR trid NS 0`: the soft reset, whose TrID is 0, and the end of the line.
fn soft_reset<'a>(
    r: &Reader,
    trid: TrId,
    trid_field: In<'a>,
) -> impl Parser<In<'a>, Output = Xfr<'a>, Error = Fail<'a>> {
    move |i: In<'a>| {
        if trid != TrId(0) {
            return fatal(Fail::invalid(
                trid_field,
                Field::TrId,
                "0 in a soft reset (`XFR 0 NS 0`)",
            ));
        }
        let (i, ()) = end(r).parse(i)?;
        Ok((i, Xfr::SoftReset))
    }
}

/// [`Address::parse`] for text with a `:`: one field, `host:port` in the strict grammar.
pub(super) fn address_str(text: &[u8]) -> Result<Address<'_>, Error> {
    let r = Reader {
        mode: Mode::Strict,
        deviations: Cell::new(Deviations::NONE),
    };
    match whole_address(&r, text) {
        Ok((_, address)) => Ok(address),
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => Err(f.into_error(text)),
        Err(nom::Err::Incomplete(_)) => Err(Error::Missing {
            field: Field::Address,
            offset: text.len(),
        }),
    }
}

/// `address`, as the whole input.
fn whole_address<'a>(r: &Reader, i: In<'a>) -> PResult<'a, Address<'a>> {
    if i.is_empty() {
        return fatal(Fail::missing(i, Field::Address));
    }
    let (i, got) = word(i)?;
    let address = address(r, got)?;
    let (i, ()) = end(r).parse(i)?;
    Ok((i, address))
}
