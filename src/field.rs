//! The per-field grammar: what each field of an XFR line may hold, as checks on one field's
//! bytes. The validated value types (`value`) and both line readers (`syntax`) use it, and it
//! uses nothing of the crate but the error type, so it sits below all of them.
//!
//! Each check takes the field alone and reports errors with offsets counted from the field's
//! first byte; a reader moves them to the field's place in the line.

use core::net::Ipv4Addr;

use nom::Parser;
use nom::character::complete::char;
use nom::combinator::verify;

use crate::error::{Error, Field};

/// The longest cookie, salt or hop blob this crate reads, in bytes.
///
/// Real cookies are 10–40 bytes and hop blobs under 200; the cap keeps a hostile line from
/// passing as one huge field.
pub const MAX_TOKEN_LEN: usize = 1024;

/// The longest DNS host name (RFC 1035).
pub(crate) const MAX_HOST_LEN: usize = 253;

/// A space or a tab: what lenient mode takes between fields.
pub(crate) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// A byte that ends a field: a blank or a line end.
pub(crate) fn is_delimiter(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r' || b == b'\n'
}

/// A byte of 1 in every lane of a word.
pub(crate) const ONES: u64 = u64::from_le_bytes([0x01; 8]);
/// Every lane's high bit.
pub(crate) const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

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
pub(crate) fn field_len(rest: &[u8]) -> usize {
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

/// The first byte outside `!`..=`~`, eight bytes at a time: a word is clean when no byte is
/// below 0x21 (subtracting borrows into the high bit), 0x7F (adding 1 carries into it) or
/// from 0x80 up (the high bit is set). A carry or borrow only starts at a bad byte and moves
/// up, so the lowest flagged byte of a word is its first bad one.
#[inline]
pub(crate) fn first_non_graphic(bytes: &[u8]) -> Option<usize> {
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

pub(crate) fn invalid(field: Field, offset: usize, expected: &'static str) -> Error {
    Error::Invalid {
        field,
        offset,
        expected,
    }
}

pub(crate) fn out_of_range(field: Field, range: &'static str) -> Error {
    Error::OutOfRange {
        field,
        offset: 0,
        range,
    }
}

fn too_long(field: Field, max: usize) -> Error {
    Error::TooLong {
        field,
        offset: 0,
        max,
    }
}

/// `digits = 1*DIGIT`, value at most `max`; also says whether the digits had leading zeros
/// (which strict mode refuses and lenient mode reports).
pub(crate) fn decimal(
    got: &[u8],
    field: Field,
    max: u32,
    range: &'static str,
) -> Result<(u32, bool), Error> {
    let Some(&first) = got.first() else {
        return Err(invalid(field, 0, "decimal digits"));
    };
    let mut n: u64 = 0;
    for (i, &b) in got.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(invalid(field, i, "decimal digits"));
        }
        // Leading zeros add nothing, so even a long run of them cannot overflow.
        n = n * 10 + u64::from(digit);
        if n > u64::from(max) {
            return Err(out_of_range(field, range));
        }
    }
    // n <= max <= u32::MAX here.
    Ok((n as u32, first == b'0' && got.len() > 1))
}

/// `token = 1*1024(%x21-7E)`: a cookie or salt, printable ASCII without spaces.
pub(crate) fn token(got: &[u8], field: Field) -> Result<(), Error> {
    if got.is_empty() {
        return Err(Error::Missing { field, offset: 0 });
    }
    if let Some(bad) = first_non_graphic(got) {
        return Err(invalid(field, bad, "printable ASCII without spaces"));
    }
    if got.len() > MAX_TOKEN_LEN {
        return Err(too_long(field, MAX_TOKEN_LEN));
    }
    Ok(())
}

/// `octet = "0" / %x31-39 0*2DIGIT`, at most 255, not followed by another digit.
fn octet(i: &[u8]) -> nom::IResult<&[u8], u8, ()> {
    let digit = |k: usize| i.get(k).map_or(10, |b| u16::from(b.wrapping_sub(b'0')));
    let (value, len) = match (digit(0), digit(1), digit(2)) {
        (a @ 0..=9, b @ 0..=9, c @ 0..=9) => (a * 100 + b * 10 + c, 3),
        (a @ 0..=9, b @ 0..=9, _) => (a * 10 + b, 2),
        (a @ 0..=9, _, _) => (a, 1),
        _ => (0, 0),
    };
    if len == 0 || (len > 1 && i[0] == b'0') || value > 255 || digit(len) <= 9 {
        return Err(nom::Err::Error(()));
    }
    Ok((&i[len..], value as u8))
}

/// `ipv4 = octet "." octet "." octet "." octet` at the start of `s`, and what follows it.
#[inline]
pub(crate) fn ipv4_prefix(s: &[u8]) -> Option<(Ipv4Addr, &[u8])> {
    let dot = || verify(char('.'), |_| true);
    let (rest, (a, _, b, _, c, _, d)) = (octet, dot(), octet, dot(), octet, dot(), octet)
        .parse(s)
        .ok()?;
    Some((Ipv4Addr::new(a, b, c, d), rest))
}

/// The whole of `host` as an IPv4 address, if it is written as one.
pub(crate) fn ipv4(host: &[u8]) -> Option<Ipv4Addr> {
    match ipv4_prefix(host)? {
        (address, []) => Some(address),
        _ => None,
    }
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

/// `host = ipv4 / ["*."] label *("." label)`, at most 253 bytes; a label is 1–63 letters,
/// digits and inner hyphens. A host of digits and dots alone must be an IPv4 address (a DNS
/// name's last label is never numeric).
pub(crate) fn host(got: &[u8]) -> Result<(), Error> {
    if got.is_empty() {
        return Err(Error::Missing {
            field: Field::Host,
            offset: 0,
        });
    }
    if got.len() > MAX_HOST_LEN {
        return Err(too_long(Field::Host, MAX_HOST_LEN));
    }
    // One pass over the bytes: which may appear at all, and whether all are digits and dots.
    let mut seen = 0;
    for (i, &b) in got.iter().enumerate() {
        let class = HOST_BYTES[usize::from(b)];
        // A wildcard label, `*.`, only in front.
        if class == 0 && !(b == b'*' && i == 0 && got.get(1) == Some(&b'.')) {
            return Err(invalid(Field::Host, i, "letters, digits, `-` or `.`"));
        }
        seen |= class;
    }
    if seen & NAME == 0 && got[0] != b'*' {
        return ipv4_exact(got);
    }
    let mut start = 0;
    loop {
        let end = got[start..]
            .iter()
            .position(|&b| b == b'.')
            .map_or(got.len(), |i| start + i);
        let label = &got[start..end];
        if label.is_empty() {
            return Err(invalid(Field::Host, start, "a non-empty DNS label"));
        }
        if label.len() > 63 || label[0] == b'-' || label[label.len() - 1] == b'-' {
            return Err(invalid(
                Field::Host,
                start,
                "a DNS label of 1–63 bytes not starting or ending with `-`",
            ));
        }
        if end == got.len() {
            return Ok(());
        }
        start = end + 1;
    }
}

/// The whole of `host`, all digits and dots, as an IPv4 address; the error points at the
/// first byte that does not fit.
fn ipv4_exact(host: &[u8]) -> Result<(), Error> {
    const ADDRESS: &str = "an IPv4 address a.b.c.d";
    const OCTET: &str = "an IPv4 octet (0–255, no leading zero)";
    let mut at = 0;
    for i in 0..4 {
        if i > 0 {
            match host.get(at) {
                Some(b'.') => at += 1,
                _ => return Err(invalid(Field::Host, at, ADDRESS)),
            }
        }
        match octet(&host[at..]) {
            Ok((rest, _)) => at = host.len() - rest.len(),
            Err(_) => return Err(invalid(Field::Host, at, OCTET)),
        }
    }
    if at == host.len() {
        Ok(())
    } else {
        Err(invalid(Field::Host, at, ADDRESS))
    }
}

/// Each byte's base64 value, or 0xFF for bytes outside the alphabet.
pub(crate) const BASE64_VALUES: [u8; 256] = {
    let mut table = [0xFF; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// `hop-blob = 1*(4 base64-char)` with at most two `=` of padding at the end, at most
/// [`MAX_TOKEN_LEN`] bytes: standard base64.
pub(crate) fn base64(got: &[u8]) -> Result<(), Error> {
    if got.len() > MAX_TOKEN_LEN {
        return Err(too_long(Field::HopBlob, MAX_TOKEN_LEN));
    }
    let pad = got.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &got[..got.len() - pad];
    if let Some(bad) = body
        .iter()
        .position(|&b| BASE64_VALUES[usize::from(b)] == 0xFF)
    {
        return Err(invalid(
            Field::HopBlob,
            bad,
            "base64 (A–Z a–z 0–9 + / and = padding)",
        ));
    }
    if got.is_empty() || got.len() % 4 != 0 || pad > 2 {
        return Err(invalid(
            Field::HopBlob,
            0,
            "base64 in groups of 4 characters",
        ));
    }
    Ok(())
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
        let value = BASE64_VALUES[usize::from(b)];
        if value == 0xFF {
            return None;
        }
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            *out.get_mut(n)? = (acc >> bits) as u8;
            n += 1;
        }
    }
    Some(&out[..n])
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
