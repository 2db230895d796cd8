//! The one-pass reading of a line in the strict grammar.
//!
//! The general reader in the parent module splits a field, then checks it, then builds its
//! value, so it looks at most bytes twice and carries error detail through every step. Almost
//! every line a program meets is already in the strict grammar, so this module reads those in
//! one pass and says nothing about anything else: `None` sends the line to the general reader,
//! which finds the exact error or the lenient reading.
//!
//! It accepts exactly the lines the general reader accepts in strict mode (before the version
//! rules), with the same value. The property tests below hold the two together, and so does an
//! assertion in the parent's `read` that debug builds (every test) and cargo-fuzz builds
//! (`cfg(fuzzing)`) make on every line this module reads.

use crate::field::{BASE64_VALUES, HIGHS, MAX_HOST_LEN, MAX_TOKEN_LEN, ONES, first_non_graphic};
use crate::value::{
    Address, Auth, HopBlob, Host, NsForm, NsReferral, Port, Request, SbForm, SbReferral,
    ServerType, Token, TrId, Xfr,
};

/// The line's content (its CRLF already stripped) in the strict grammar, or `None`.
#[inline]
pub(super) fn xfr(content: &[u8]) -> Option<Xfr<'_>> {
    let rest = content.strip_prefix(b"XFR ")?;
    let (trid, rest) = number(rest, u64::from(u32::MAX))?;
    let trid = TrId(trid as u32);
    let (server, rest) = match rest {
        [b' ', b'N', b'S', rest @ ..] => (ServerType::Ns, rest),
        [b' ', b'S', b'B', rest @ ..] => (ServerType::Sb, rest),
        _ => return None,
    };
    let rest = match rest {
        [] => return Some(Xfr::Request(Request { trid, server })),
        [b' ', rest @ ..] => rest,
        _ => return None,
    };
    match server {
        ServerType::Ns if rest == b"0" => (trid == TrId(0)).then_some(Xfr::SoftReset),
        ServerType::Ns => {
            let (server, rest) = address(rest)?;
            let form = ns_form(rest)?;
            Some(Xfr::Ns(NsReferral { trid, server, form }))
        }
        ServerType::Sb => {
            let (server, rest) = address(rest)?;
            let (auth, form) = sb_tail(rest)?;
            Some(Xfr::Sb(SbReferral {
                trid,
                server,
                auth,
                form,
            }))
        }
    }
}

/// NS fields 4 and on, from the space before them.
#[inline(always)]
fn ns_form(rest: &[u8]) -> Option<NsForm<'_>> {
    Some(match rest {
        [] => NsForm::Bare,
        [b' ', b'0'] => NsForm::Zero,
        [b' ', b'0', b' ', current @ ..] => {
            let (current, rest) = address(current)?;
            end(rest)?;
            NsForm::Current(current)
        }
        [b' ', b'U', b' ', b'D'] => NsForm::UD,
        [b' ', b'U', b' ', b'D', b' ', hop @ ..] => NsForm::Hop(hop_blob(hop)?),
        [b' ', b'G', b' ', b'D', b' ', hop @ ..] => NsForm::Gateway(hop_blob(hop)?),
        _ => return None,
    })
}

/// SB fields 4 and on, from the space before them.
#[inline(always)]
fn sb_tail(rest: &[u8]) -> Option<(Auth<'_>, SbForm)> {
    let (auth, rest) = match rest {
        [b' ', b'C', b'K', b'I', b' ', token @ ..] => {
            let (token, rest) = self::token(token)?;
            (Auth::Cki(token), rest)
        }
        [b' ', b'M', b'D', b'5', b' ', token @ ..] => {
            let (token, rest) = self::token(token)?;
            (Auth::Md5(token), rest)
        }
        [b' ', b'C', b'T', b'P', rest @ ..] => (Auth::Ctp, rest),
        _ => return None,
    };
    let form = match rest {
        [] => SbForm::Classic,
        [b' ', b'U', b' ', domain @ ..] => match domain.strip_prefix(b"messenger.msn.com")? {
            [] => SbForm::Domain,
            b" 0" => SbForm::Direct(false),
            b" 1" => SbForm::Direct(true),
            _ => return None,
        },
        _ => return None,
    };
    Some((auth, form))
}

/// The line must end here.
#[inline(always)]
fn end(rest: &[u8]) -> Option<()> {
    rest.is_empty().then_some(())
}

/// Whether the field that ended where `rest` starts is followed by a space or the line's end.
#[inline(always)]
fn at_boundary(rest: &[u8]) -> bool {
    matches!(rest.first(), None | Some(b' '))
}

/// Decimal digits without a leading zero, at most `max`; the rest of the input after them.
#[inline(always)]
fn number(s: &[u8], max: u64) -> Option<(u64, &[u8])> {
    // Numbers in a line are short and followed by more of it: read eight bytes at once.
    if let Some(&word) = s.first_chunk::<8>() {
        if let Some((n, len)) = leading_digits(u64::from_le_bytes(word)) {
            if len == 0 || (len > 1 && s[0] == b'0') || n > max {
                return None;
            }
            return Some((n, &s[len..]));
        }
    }
    number_by_bytes(s, max)
}

/// The value and count of the decimal digits `word` (little-endian) starts with, or `None`
/// when all eight bytes are digits.
#[inline(always)]
fn leading_digits(word: u64) -> Option<(u64, usize)> {
    // Less '0', a digit's byte is its value; a byte that is no digit gets its high bit set by
    // the subtraction (below '0', borrowing) or by adding 0x76 (above '9'). Borrows and carries
    // only move up from such a byte, so the lowest flagged byte is the first non-digit.
    let x = word.wrapping_sub(ONES * u64::from(b'0'));
    let flags = (x | x.wrapping_add(ONES * 0x76)) & HIGHS;
    if flags == 0 {
        return None;
    }
    let len = (flags.trailing_zeros() / 8) as usize;
    if len == 0 {
        return Some((0, 0));
    }
    // The digits moved to the top of the word, so that zeros lead them, then combined in
    // pairs, fours and eights: each step multiplies the more significant half and adds.
    let x = x << (64 - 8 * len);
    let x = (x.wrapping_mul(10 << 8 | 1) >> 8) & 0x00FF_00FF_00FF_00FF;
    let x = (x.wrapping_mul(100 << 16 | 1) >> 16) & 0x0000_FFFF_0000_FFFF;
    let x = x.wrapping_mul(10_000 << 32 | 1) >> 32;
    Some((x, len))
}

/// [`number`] a byte at a time, for the end of a line and numbers of eight digits or more.
#[inline(always)]
fn number_by_bytes(s: &[u8], max: u64) -> Option<(u64, &[u8])> {
    let (&first, mut rest) = s.split_first()?;
    let mut n = u64::from(first.wrapping_sub(b'0'));
    if n > 9 {
        return None;
    }
    if n == 0 {
        // `0` alone; a leading zero otherwise.
        return (!starts_with_digit(rest)).then_some((0, rest));
    }
    while let [b, tail @ ..] = rest {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        n = n * 10 + u64::from(digit);
        // Also keeps `n` from overflowing.
        if n > max {
            return None;
        }
        rest = tail;
    }
    Some((n, rest))
}

#[inline(always)]
fn starts_with_digit(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_digit)
}

/// One IPv4 octet (0–255, no leading zero) at the start of `s`, and the rest: at most three
/// digits, so unrolled. The general reader's `octet` says the same, but builds its error for
/// every host name tried as an address first; using it here cost 76 instructions a line.
#[inline(always)]
fn octet(s: &[u8]) -> Option<&[u8]> {
    let digit = |b: &u8| {
        let d = b.wrapping_sub(b'0');
        (d <= 9).then_some(u16::from(d))
    };
    let (a, rest) = s.split_first()?;
    let a = digit(a)?;
    let rest = match rest {
        [b, c, rest @ ..] if a != 0 && b.is_ascii_digit() && c.is_ascii_digit() => {
            let value = a * 100 + digit(b)? * 10 + digit(c)?;
            if value > 255 {
                return None;
            }
            rest
        }
        [b, rest @ ..] if a != 0 && b.is_ascii_digit() => rest,
        _ => rest,
    };
    (!starts_with_digit(rest)).then_some(rest)
}

/// `host:port` at the start of a field; the rest of the line after it.
#[inline(always)]
fn address(field: &[u8]) -> Option<(Address<'_>, &[u8])> {
    let host_len = match ipv4_len(field) {
        Some(len) if field.get(len) == Some(&b':') => len,
        _ => name_len(field)?,
    };
    let (port, rest) = number(&field[host_len + 1..], u64::from(u16::MAX))?;
    if !at_boundary(rest) {
        return None;
    }
    Some((
        Address {
            host: Host::trusted(&field[..host_len]),
            port: Some(Port::new(port as u16)?),
        },
        rest,
    ))
}

/// The length of the dotted IPv4 address at the start of `s`.
#[inline(always)]
fn ipv4_len(s: &[u8]) -> Option<usize> {
    let mut rest = s;
    for i in 0..4 {
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        rest = octet(rest)?;
    }
    Some(s.len() - rest.len())
}

/// Whether each byte may be in a DNS label.
const LABEL_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'-';
        b += 1;
    }
    table
};

/// The length of the DNS name ending at the first `:` of `s`: labels of 1–63 letters, digits
/// and inner hyphens, an optional leading `*` label, at most 253 bytes, and not digits and
/// dots alone.
#[inline(always)]
fn name_len(s: &[u8]) -> Option<usize> {
    let first = if s.starts_with(b"*.") { 2 } else { 0 };
    let mut label = first;
    let end = loop {
        let len = s[label..]
            .iter()
            .position(|&b| !LABEL_BYTES[usize::from(b)])?;
        let end = label + len;
        if len == 0 || len > 63 || s[label] == b'-' || s[end - 1] == b'-' {
            return None;
        }
        match s[end] {
            b'.' => label = end + 1,
            b':' => break end,
            _ => return None,
        }
    };
    // Digits and dots alone make an IPv4 address or nothing. The first letter usually comes
    // at once.
    let named = first > 0 || s[..end].iter().any(|&b| !(b.is_ascii_digit() || b == b'.'));
    (named && end <= MAX_HOST_LEN).then_some(end)
}

/// A cookie or salt (printable ASCII without spaces) at the start of `s`, and the rest.
#[inline(always)]
fn token(s: &[u8]) -> Option<(Token<'_>, &[u8])> {
    let len = first_non_graphic(s).unwrap_or(s.len());
    if len == 0 || len > MAX_TOKEN_LEN || !at_boundary(&s[len..]) {
        return None;
    }
    Some((Token::trusted(&s[..len]), &s[len..]))
}

/// A hop blob (padded base64), which ends the line.
#[inline(always)]
fn hop_blob(s: &[u8]) -> Option<HopBlob<'_>> {
    let body = s
        .iter()
        .position(|&b| BASE64_VALUES[usize::from(b)] == 0xFF)
        .unwrap_or(s.len());
    let pad = s[body..].len();
    if s.is_empty() || s.len() % 4 != 0 || s.len() > MAX_TOKEN_LEN || pad > 2 {
        return None;
    }
    if s[body..].iter().any(|&b| b != b'=') {
        return None;
    }
    Some(HopBlob::trusted(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Mode, general};
    use proptest::prelude::*;
    use std::string::String;
    use std::vec::Vec;

    extern crate std;

    /// What the general reader makes of a line in strict mode, before the version rules.
    fn general_strict(line: &[u8]) -> Option<Xfr<'_>> {
        general::read(line, Mode::Strict).ok().map(|r| r.xfr)
    }

    fn content(line: &[u8]) -> &[u8] {
        line.strip_suffix(b"\r\n").unwrap_or(line)
    }

    fn agree(line: &[u8]) -> Result<(), TestCaseError> {
        prop_assert_eq!(
            xfr(content(line)),
            general_strict(line),
            "{:?}",
            String::from_utf8_lossy(line)
        );
        Ok(())
    }

    /// Every strict form, with every kind of host, is read here and not sent on.
    #[test]
    fn reads_every_strict_form() {
        for line in [
            "XFR 1 SB",
            "XFR 4294967295 NS",
            "XFR 0 NS 0",
            "XFR 10 NS 207.46.106.118:1863",
            "XFR 10 NS 255.0.0.9:1 0",
            "XFR 10 NS ns-1.example.org:1863 0 1.2.3.4:65535",
            "XFR 10 NS 1.2.3.4a:1863 U D",
            "XFR 10 NS 1.2.3.4:1863 U D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==",
            "XFR 0 NS *.gateway.edge.messenger.live.com:443 G D QUJD",
            "XFR 7 SB 64.4.37.10:1863 CKI 1234.5678.90",
            "XFR 7 SB sb.example.net:1863 MD5 x!~y",
            "XFR 7 SB 64.4.37.10:1863 CTP",
            "XFR 7 SB 64.4.37.10:1863 CKI c U messenger.msn.com",
            "XFR 7 SB 64.4.37.10:1863 CKI c U messenger.msn.com 0",
            "XFR 7 SB 64.4.37.10:1863 CKI c U messenger.msn.com 1\r\n",
        ] {
            let line = line.as_bytes();
            assert!(xfr(content(line)).is_some(), "{line:?}");
            agree(line).unwrap();
        }
    }

    macro_rules! label63 {
        () => {
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        };
    }

    /// 192 bytes of name: three labels of 63 and their dots.
    macro_rules! three_labels {
        () => {
            concat!(label63!(), ".", label63!(), ".", label63!(), ".")
        };
    }

    /// The values one field may take in the agreement property: right ones, and wrong ones
    /// that sit close to right.
    type Field = (&'static [&'static str], &'static [&'static str]);

    const XFR: Field = (&["XFR"], &["xfr", "XFRX", "XF"]);
    const TRID: Field = (
        &["0", "1", "12345", "4294967295"],
        &["4294967296", "01", "00", "99999999999", "1a", ""],
    );
    const TYPE: Field = (&["NS", "SB"], &["CON", "ns", "NSB", "S"]);
    const ADDRESS: Field = (
        &[
            "1.2.3.4:1863",
            "255.255.255.255:65535",
            "1.2.3.4a:1",
            "a.b:1",
            "a-b.c:1",
            "*.a.b:1",
            "ns-1.example.org:1863",
            "*.gateway.edge.messenger.live.com:443",
            "1a.2:80",
            "0.0.0.0:1",
            concat!(label63!(), ".b:1"),
            // 253 bytes, the longest name.
            concat!(
                three_labels!(),
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1"
            ),
        ],
        &[
            "0",
            "1.2.3.4",
            "1.2.3.4:",
            "1.2.3.4:0",
            "1.2.3.4:65536",
            "1.2.3.4:01",
            "256.1.1.1:1",
            "1.2.3:1",
            "1.2.3.4.5:1",
            "01.2.3.4:1",
            "1234.1.1.1:1",
            "a..b:1",
            "-a.b:1",
            "a-.b:1",
            "*.:1",
            "*:1",
            "a.*.b:1",
            "a.b.:1",
            ".a:1",
            "a_b:1",
            "a.b:1:2",
            "a.b:18x",
            ":1",
            "a.b",
            concat!(label63!(), "a.b:1"),
            concat!(
                three_labels!(),
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1"
            ),
        ],
    );
    const AUTH: Field = (&["CKI", "MD5"], &["cki", "CTP", "CK"]);
    const TOKEN: Field = (
        &["1234.5678.90", "c", "c~!", "U", "messenger.msn.com"],
        &["c\u{7f}", "c\u{e9}", "x\ty", ""],
    );
    const HOP: Field = (
        &[
            "QUJD",
            "QUI=",
            "QQ==",
            "VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==",
        ],
        &["Q===", "QUJ", "QU=D", "QUJD\u{7f}", "", "Q*==", "=QUJ"],
    );
    const DOMAIN: Field = (
        &["messenger.msn.com"],
        &[
            "messenger.msn.co",
            "messenger.msn.comx",
            "Messenger.msn.com",
        ],
    );
    const DIRECT: Field = (&["0", "1"], &["2", "01", "", "10"]);
    const ZERO: Field = (&["0"], &["00", "O", "1"]);
    const U: Field = (&["U"], &["G", "u", "UD"]);
    const G: Field = (&["G"], &["U", "g"]);
    const D: Field = (&["D"], &["d", "DD", "U"]);
    const CTP: Field = (&["CTP"], &["CKI", "MD5", "CTPX"]);
    const SEPARATOR: Field = (&[" "], &["  ", "\t", "", " \t", "\r\n"]);
    const END: Field = (&["", "\r\n"], &["\n", "\r", " ", "\r\n\r\n", "\n\r", "\0"]);

    /// Every shape of the grammar, field by field.
    const SHAPES: &[&[Field]] = &[
        &[XFR],
        &[XFR, TRID],
        &[XFR, TRID, TYPE],
        &[XFR, TRID, TYPE, ADDRESS],
        &[XFR, TRID, TYPE, ZERO],
        &[XFR, TRID, TYPE, ADDRESS, ZERO],
        &[XFR, TRID, TYPE, ADDRESS, ZERO, ADDRESS],
        &[XFR, TRID, TYPE, ADDRESS, U, D],
        &[XFR, TRID, TYPE, ADDRESS, U, D, HOP],
        &[XFR, TRID, TYPE, ADDRESS, G, D, HOP],
        &[XFR, TRID, TYPE, ADDRESS, AUTH, TOKEN],
        &[XFR, TRID, TYPE, ADDRESS, CTP],
        &[XFR, TRID, TYPE, ADDRESS, AUTH, TOKEN, U, DOMAIN],
        &[XFR, TRID, TYPE, ADDRESS, AUTH, TOKEN, U, DOMAIN, DIRECT],
        &[XFR, TRID, TYPE, ADDRESS, CTP, U, DOMAIN, DIRECT],
        &[
            XFR, TRID, TYPE, ADDRESS, AUTH, TOKEN, U, DOMAIN, DIRECT, DIRECT,
        ],
    ];

    /// One value of `field`, a wrong one if `wrong`.
    fn value(field: Field, wrong: bool) -> impl Strategy<Value = &'static str> {
        prop::sample::select(if wrong { field.1 } else { field.0 })
    }

    /// Lines in every shape: half of them built from right values only, half with one wrong
    /// field, separator or line end.
    fn line() -> impl Strategy<Value = Vec<u8>> {
        prop::sample::select(SHAPES)
            .prop_flat_map(|shape| {
                // Field i is slot 2i, the separator before it slot 2i - 1, the line end the last.
                let slots = 2 * shape.len();
                (Just(shape), prop::option::of(0..slots))
            })
            .prop_flat_map(|(shape, wrong)| {
                let wrong = |slot: usize| wrong == Some(slot);
                let fields: Vec<_> = shape
                    .iter()
                    .enumerate()
                    .map(|(i, &field)| {
                        (
                            value(SEPARATOR, wrong((2 * i).wrapping_sub(1))),
                            value(field, wrong(2 * i)),
                        )
                    })
                    .collect();
                (fields, value(END, wrong(2 * shape.len() - 1)))
            })
            .prop_map(|(fields, end)| {
                let mut line = Vec::new();
                for (i, (separator, field)) in fields.into_iter().enumerate() {
                    if i > 0 {
                        line.extend_from_slice(separator.as_bytes());
                    }
                    line.extend_from_slice(field.as_bytes());
                }
                line.extend_from_slice(end.as_bytes());
                line
            })
    }

    /// Digits, then anything: the word-at-a-time reading agrees with the byte loop for every
    /// count of digits around the word size, every byte after them and every limit used.
    #[test]
    fn number_by_words_matches_number_by_bytes() {
        let digits = b"9876543210123";
        for count in 0..=digits.len() {
            for lead in [b'1', b'0'] {
                for after in 0..=255u8 {
                    for (pad, with) in [(0, b' '), (1, b'7'), (8, b'7'), (8, b' ')] {
                        let mut s = Vec::from(&digits[..count]);
                        if let Some(first) = s.first_mut() {
                            *first = lead;
                        }
                        s.push(after);
                        s.extend(core::iter::repeat_n(with, pad));
                        for max in [255, u64::from(u16::MAX), u64::from(u32::MAX)] {
                            assert_eq!(number(&s, max), number_by_bytes(&s, max), "{s:?} {max}");
                        }
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: std::env::var("CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(20_000), failure_persistence: None, ..ProptestConfig::default() })]

        /// The one-pass reader and the general (nom) reader agree on lines built from right and
        /// wrong pieces: the same value, or both decline.
        #[test]
        fn agrees_with_the_general_reader(line in line()) {
            agree(&line)?;
        }

        /// ... and on strict lines with one byte changed.
        #[test]
        fn agrees_on_mutated_lines(line in line(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let mut line = line;
            if !line.is_empty() {
                let i = at.index(line.len());
                line[i] = byte;
            }
            agree(&line)?;
        }
    }
}
