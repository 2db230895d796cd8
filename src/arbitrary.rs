//! `Arbitrary` for the value types (feature `arbitrary`): every generated value is valid, so a
//! fuzzer can write it and read it back.

use alloc::string::String;
use alloc::vec::Vec;

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::value::{HopBlob, Host, Port, Token};

const LABEL: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-";

fn dns_label(u: &mut Unstructured<'_>, out: &mut String) -> Result<()> {
    let len = u.int_in_range(1..=12)?;
    for i in 0..len {
        let mut c = *u.choose(LABEL)?;
        // A label neither starts nor ends with a hyphen.
        if c == b'-' && (i == 0 || i + 1 == len) {
            c = b'x';
        }
        out.push(char::from(c));
    }
    Ok(())
}

impl<'a> Arbitrary<'a> for Host<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut text = String::new();
        if u.arbitrary()? {
            let [a, b, c, d]: [u8; 4] = u.arbitrary()?;
            text = alloc::format!("{a}.{b}.{c}.{d}");
        } else {
            if u.ratio(1, 8)? {
                text.push_str("*.");
            }
            dns_label(u, &mut text)?;
            for _ in 0..u.int_in_range(0..=3)? {
                text.push('.');
                dns_label(u, &mut text)?;
            }
            // A name whose labels are all digits would read as a (bad) IPv4 address.
            if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                text.push_str(".example");
            }
        }
        Host::from_string(text).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for Token<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let len = u.int_in_range(1..=40)?;
        let text: String = (0..len)
            .map(|_| u.int_in_range(0x21u8..=0x7e).map(char::from))
            .collect::<Result<_>>()?;
        Token::from_string(text).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for HopBlob<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let count: u8 = u.arbitrary()?;
        let mut plain = alloc::format!("Version: 1\r\nXfrCount: {count}\r\n").into_bytes();
        if u.arbitrary()? {
            plain.extend_from_slice(b"IsGeoXfr: true\r\n");
        }
        let extra: Vec<u8> = u.arbitrary()?;
        plain.extend(extra.into_iter().take(64));
        HopBlob::from_string(crate::syntax::encode_base64(&plain))
            .map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for Port {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Port::new(u.int_in_range(1..=u16::MAX)?).unwrap_or(Port::DEFAULT))
    }
}
