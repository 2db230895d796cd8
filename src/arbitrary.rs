//! `Arbitrary` for the value types (feature `arbitrary`): every generated field is valid, and
//! every generated [`Xfr`] (and referral) is in the shape of a version it picks first, so it
//! writes in at least that version and a fuzzer can write it and read it back.

use alloc::string::String;
use alloc::vec::Vec;

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::value::{
    Address, Auth, HopBlob, Host, NsForm, NsReferral, Port, Request, SbForm, SbReferral, Token,
    TrId, Xfr,
};
use crate::version::Version;

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
        plain.truncate(crate::field::MAX_TOKEN_LEN / 4 * 3);
        HopBlob::from_string(crate::field::encode_base64(&plain))
            .map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for Port {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Port::new(u.int_in_range(1..=u16::MAX)?).unwrap_or(Port::DEFAULT))
    }
}

/// Always with a port, as every version's strict grammar writes addresses.
impl<'a> Arbitrary<'a> for Address<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Address::new(u.arbitrary()?, Some(u.arbitrary()?)))
    }
}

fn version(u: &mut Unstructured<'_>) -> Result<Version> {
    Ok(
        Version::new(u.int_in_range(Version::MIN.number()..=Version::MAX.number())?)
            .unwrap_or(Version::MAX),
    )
}

/// An NS referral in `version`'s shape.
fn ns_referral<'a>(u: &mut Unstructured<'a>, version: Version) -> Result<NsReferral<'a>> {
    let mut trid: TrId = u.arbitrary()?;
    let form = match version.number() {
        2 => NsForm::Bare,
        3..=6 => NsForm::Zero,
        7..=12 => NsForm::Current(u.arbitrary()?),
        13..=20 => NsForm::UD,
        _ if u.ratio(1, 4)? => {
            trid = TrId(0);
            NsForm::Gateway(u.arbitrary()?)
        }
        _ => NsForm::Hop(u.arbitrary()?),
    };
    Ok(NsReferral {
        trid,
        server: u.arbitrary()?,
        form,
    })
}

/// An SB referral in `version`'s shape.
fn sb_referral<'a>(u: &mut Unstructured<'a>, version: Version) -> Result<SbReferral<'a>> {
    let auth = match version.number() {
        2..=11 => match u.int_in_range(0..=5)? {
            0 => Auth::Ctp,
            1 => Auth::Md5(u.arbitrary()?),
            _ => Auth::Cki(u.arbitrary()?),
        },
        _ => Auth::Cki(u.arbitrary()?),
    };
    let form = match version.number() {
        2..=12 => SbForm::Classic,
        13 => SbForm::Domain,
        _ => SbForm::Direct(u.arbitrary()?),
    };
    Ok(SbReferral {
        trid: u.arbitrary()?,
        server: u.arbitrary()?,
        auth,
        form,
    })
}

impl<'a> Arbitrary<'a> for NsReferral<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let v = version(u)?;
        ns_referral(u, v)
    }
}

impl<'a> Arbitrary<'a> for SbReferral<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let v = version(u)?;
        sb_referral(u, v)
    }
}

impl<'a> Arbitrary<'a> for Xfr<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let v = version(u)?;
        Ok(match u.int_in_range(0..=9)? {
            0 => Xfr::SoftReset,
            1 | 2 => Xfr::Request(Request::arbitrary(u)?),
            3..=5 => Xfr::Ns(ns_referral(u, v)?),
            _ => Xfr::Sb(sb_referral(u, v)?),
        })
    }
}
