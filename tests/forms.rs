//! Known-answer table: every form in the protocol notes, with its typed value, the versions it
//! is legal in, byte-exact write-back, and strict rejection one version either side of each
//! boundary (2/3, 6/7, 12/13, 13/14, 20/21).

use msnp_xfr::{
    Auth, Error, Field, NsForm, SbForm, ServerType, Version, VersionSet, Xfr, parse, parse_lenient,
};
use msnp_xfr_testkit::*;

/// A version in which strict parsing must refuse the line, and exactly how.
struct Reject {
    version: u8,
    field: Field,
    index: u8,
    offset: usize,
    missing: bool,
}

const fn reject(version: u8, field: Field, index: u8, offset: usize, missing: bool) -> Reject {
    Reject {
        version,
        field,
        index,
        offset,
        missing,
    }
}

struct Case {
    line: &'static str,
    value: Xfr<'static>,
    legal: VersionSet,
    rejects: Vec<Reject>,
}

fn cases() -> Vec<Case> {
    use Field::*;
    vec![
        Case {
            line: "XFR 1 SB",
            value: request(1, msnp_xfr::ServerType::Sb),
            legal: VersionSet::ALL,
            rejects: vec![],
        },
        Case {
            line: "XFR 4294967295 NS",
            value: request(u32::MAX, msnp_xfr::ServerType::Ns),
            legal: VersionSet::ALL,
            rejects: vec![],
        },
        Case {
            line: "XFR 0 NS 0",
            value: Xfr::SoftReset,
            legal: VersionSet::ALL,
            rejects: vec![],
        },
        // MSNP2: bare address.
        Case {
            line: "XFR 2 NS 207.46.106.145:1863",
            value: ns(2, addr("207.46.106.145", Some(1863)), NsForm::Bare),
            legal: vs(2, 2),
            rejects: vec![reject(3, ReferralMarker, 4, 28, true)],
        },
        // MSNP3–MSNP6: `0`.
        Case {
            line: "XFR 3 NS 207.46.106.145:1863 0",
            value: ns(3, addr("207.46.106.145", Some(1863)), NsForm::Zero),
            legal: vs(3, 6),
            rejects: vec![
                reject(2, ReferralMarker, 4, 29, false),
                reject(7, CurrentServer, 5, 30, true),
            ],
        },
        // MSNP7–MSNP12: `0 current`.
        Case {
            line: "XFR 5 NS 10.0.0.5:1863 0 10.0.0.1:1863",
            value: ns(
                5,
                addr("10.0.0.5", Some(1863)),
                NsForm::Current(addr("10.0.0.1", Some(1863))),
            ),
            legal: vs(7, 12),
            rejects: vec![
                reject(6, CurrentServer, 5, 25, false),
                reject(13, ReferralMarker, 4, 23, false),
            ],
        },
        // MSNP13–MSNP20: `U D`.
        Case {
            line: "XFR 6 NS 207.46.106.118:1863 U D",
            value: ns(6, addr("207.46.106.118", Some(1863)), NsForm::UD),
            legal: vs(13, 20),
            rejects: vec![
                reject(12, ReferralMarker, 4, 29, false),
                reject(21, HopBlob, 6, 32, true),
            ],
        },
        // MSNP21: `U D hop`.
        Case {
            line: "XFR 7 NS 207.46.106.118:1863 U D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==",
            value: ns(
                7,
                addr("207.46.106.118", Some(1863)),
                NsForm::Hop(hop(HOP1)),
            ),
            legal: vs(21, 21),
            rejects: vec![
                reject(20, HopBlob, 6, 33, false),
                reject(12, ReferralMarker, 4, 29, false),
            ],
        },
        // MSNP21 gateway: `G D hop`, a wildcard host name, TrID 0.
        Case {
            line: "XFR 0 NS *.gateway.edge.messenger.live.com:443 G D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==",
            value: ns(
                0,
                addr("*.gateway.edge.messenger.live.com", Some(443)),
                NsForm::Gateway(hop(HOP1)),
            ),
            legal: vs(21, 21),
            rejects: vec![reject(20, ReferralMarker, 4, 47, false)],
        },
        // SB, MSNP2–MSNP12.
        Case {
            line: "XFR 10 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308",
            value: sb(
                10,
                addr("207.46.108.37", Some(1863)),
                Auth::Cki(token("17262740.1050826919.32308")),
                SbForm::Classic,
            ),
            legal: vs(2, 12),
            rejects: vec![reject(13, SbMarker, 6, 58, true)],
        },
        Case {
            line: "XFR 11 SB 207.46.108.37:1863 CTP",
            value: sb(
                11,
                addr("207.46.108.37", Some(1863)),
                Auth::Ctp,
                SbForm::Classic,
            ),
            legal: vs(2, 11),
            rejects: vec![reject(12, AuthMethod, 4, 29, false)],
        },
        Case {
            line: "XFR 12 SB 207.46.108.37:1863 MD5 1a2b3c",
            value: sb(
                12,
                addr("207.46.108.37", Some(1863)),
                Auth::Md5(token("1a2b3c")),
                SbForm::Classic,
            ),
            legal: vs(2, 11),
            rejects: vec![reject(12, AuthMethod, 4, 29, false)],
        },
        // SB, MSNP13.
        Case {
            line: "XFR 13 SB 207.46.108.38:1863 CKI 1743299.2458.33 U messenger.msn.com",
            value: sb(
                13,
                addr("207.46.108.38", Some(1863)),
                Auth::Cki(token("1743299.2458.33")),
                SbForm::Domain,
            ),
            legal: vs(13, 13),
            rejects: vec![
                reject(12, SbMarker, 6, 49, false),
                reject(14, Direct, 8, 68, true),
            ],
        },
        // SB, MSNP14–MSNP21, both flags.
        Case {
            line: "XFR 14 SB 207.46.108.38:1863 CKI 1743299.2458.33 U messenger.msn.com 1",
            value: sb(
                14,
                addr("207.46.108.38", Some(1863)),
                Auth::Cki(token("1743299.2458.33")),
                SbForm::Direct(true),
            ),
            legal: vs(14, 21),
            rejects: vec![
                reject(13, Direct, 8, 69, false),
                reject(12, SbMarker, 6, 49, false),
            ],
        },
        Case {
            line: "XFR 15 SB 207.46.108.38:1863 CKI 1743299.2458.33 U messenger.msn.com 0",
            value: sb(
                15,
                addr("207.46.108.38", Some(1863)),
                Auth::Cki(token("1743299.2458.33")),
                SbForm::Direct(false),
            ),
            legal: vs(14, 21),
            rejects: vec![reject(13, Direct, 8, 69, false)],
        },
        // Host names and other ports, strict in every version of the form's era.
        Case {
            line: "XFR 8 NS m1.example.org:1864 0 10.0.0.1:1862",
            value: ns(
                8,
                addr("m1.example.org", Some(1864)),
                NsForm::Current(addr("10.0.0.1", Some(1862))),
            ),
            legal: vs(7, 12),
            rejects: vec![],
        },
        Case {
            line: "XFR 9 SB sb-1.example.net:80 CKI 0a1b2c3d4e5f60718293",
            value: sb(
                9,
                addr("sb-1.example.net", Some(80)),
                Auth::Cki(token("0a1b2c3d4e5f60718293")),
                SbForm::Classic,
            ),
            legal: vs(2, 12),
            rejects: vec![],
        },
    ]
}

#[test]
fn every_form_parses_to_its_value_in_every_legal_version() {
    for case in cases() {
        for version in case.legal {
            for line_end in ["", "\r\n"] {
                let line = format!("{}{line_end}", case.line);
                let got = parse(line.as_bytes(), version)
                    .unwrap_or_else(|e| panic!("{:?} in {version}: {e}", case.line));
                assert_eq!(got, case.value, "{:?} in {version}", case.line);
            }
        }
    }
}

#[test]
fn legal_versions_are_exact() {
    for case in cases() {
        assert_eq!(case.value.legal_versions(), case.legal, "{:?}", case.line);
        for version in Version::all() {
            let result = parse(case.line.as_bytes(), version);
            assert_eq!(
                result.is_ok(),
                case.legal.contains(version),
                "{:?} in {version}: {result:?}",
                case.line
            );
        }
    }
}

#[test]
fn write_back_is_byte_exact() {
    for case in cases() {
        let crlf = format!("{}\r\n", case.line);
        for version in case.legal {
            let value = parse(crlf.as_bytes(), version).unwrap();
            let mut out = b"prefix ".to_vec();
            value.write_to(version, &mut out).unwrap();
            assert_eq!(&out[7..], crlf.as_bytes(), "{version}");
            let mut buf = [0u8; 128];
            let n = value.write_into(version, &mut buf).unwrap();
            assert_eq!(&buf[..n], crlf.as_bytes());
        }
        assert_eq!(case.value.to_string(), case.line);
    }
}

#[test]
fn writer_refuses_other_versions_and_writes_nothing() {
    for case in cases() {
        for version in Version::all().filter(|v| !case.legal.contains(*v)) {
            let mut out = Vec::new();
            let err = case.value.write_to(version, &mut out).unwrap_err();
            assert!(out.is_empty());
            let Error::NotWritable {
                version: asked,
                legal,
                ..
            } = err
            else {
                panic!("{err:?}")
            };
            assert_eq!((asked, legal), (version, case.legal));
        }
    }
}

#[test]
fn strict_rejection_one_version_either_side_names_field_and_offset() {
    for case in cases() {
        for r in &case.rejects {
            let version = v(r.version);
            let err = parse(case.line.as_bytes(), version).unwrap_err();
            assert_eq!(
                err,
                Error::Version {
                    field: r.field,
                    index: r.index,
                    offset: r.offset,
                    version,
                    legal: case.legal,
                    missing: r.missing,
                },
                "{:?} in {version}: {err}",
                case.line
            );
            // Lenient mode reads the same line, flags it, and gives the same value.
            let p = parse_lenient(case.line.as_bytes(), version).unwrap();
            assert_eq!(p.xfr, case.value);
            assert!(p.deviations.contains(msnp_xfr::Deviation::OtherVersion));
        }
    }
}

#[test]
fn version_error_messages_name_field_and_legal_versions() {
    let line = b"XFR 7 SB 10.0.0.1:1863 CKI 17.1.2 U messenger.msn.com 1";
    assert_eq!(
        parse(line, Version::MSNP13).unwrap_err().to_string(),
        "field 8 (direct-connect flag) at byte 54 is not allowed in MSNP13; \
         this line is legal in MSNP14–MSNP21"
    );
    let line = b"XFR 7 SB 10.0.0.1:1863 CKI 17.1.2 U messenger.msn.com";
    assert_eq!(
        parse(line, Version::MSNP14).unwrap_err().to_string(),
        "field 8 (direct-connect flag) at byte 53 is required in MSNP14; \
         this line is legal in MSNP13"
    );
    let line = b"XFR 2 NS 207.46.106.145:1863";
    assert_eq!(
        parse(line, Version::MSNP3).unwrap_err().to_string(),
        "field 4 (referral marker) at byte 28 is required in MSNP3; this line is legal in MSNP2"
    );
}

#[test]
fn writer_error_names_the_field() {
    let value = sb(1, addr("10.0.0.1", Some(1863)), Auth::Ctp, SbForm::Classic);
    let err = value
        .write_to(Version::MSNP12, &mut Vec::new())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot write for MSNP12: field 4 (auth method) is not allowed in MSNP12; \
         the value is legal in MSNP2–MSNP11"
    );
}

#[test]
fn ctp_with_domain_is_legal_nowhere() {
    let value = sb(1, addr("10.0.0.1", Some(1863)), Auth::Ctp, SbForm::Domain);
    assert!(value.legal_versions().is_empty());
    assert_eq!(
        value.to_string(),
        "XFR 1 SB 10.0.0.1:1863 CTP U messenger.msn.com"
    );
    let err = parse(value.to_string().as_bytes(), Version::MSNP13).unwrap_err();
    assert!(matches!(
        err,
        Error::Version {
            field: Field::AuthMethod,
            index: 4,
            offset: 23,
            ..
        }
    ));
    let err = msnp_xfr::parse_with(value.to_string().as_bytes(), msnp_xfr::Mode::Strict, None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                field: Field::SbMarker,
                offset: 27,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn msnp24_con_is_refused_as_unsupported() {
    for version in Version::all() {
        let err = parse(b"XFR 15 CON 305\r\n", version).unwrap_err();
        assert_eq!(
            err,
            Error::Unsupported {
                form: "CON",
                offset: 7
            }
        );
        let err = parse_lenient(b"XFR 15 CON 305\r\n", version).unwrap_err();
        assert_eq!(
            err,
            Error::Unsupported {
                form: "CON",
                offset: 7
            }
        );
    }
}

#[test]
fn parse_without_version_accepts_any_era() {
    for case in cases() {
        let p = msnp_xfr::parse_with(case.line.as_bytes(), msnp_xfr::Mode::Strict, None).unwrap();
        assert_eq!(p.xfr, case.value);
        assert!(p.deviations.is_empty());
    }
}

#[test]
fn sb_in_msnp21_is_legal_with_an_advisory_note() {
    let line = b"XFR 14 SB 207.46.108.38:1863 CKI 1743299.2458.33 U messenger.msn.com 1";
    let p = parse_lenient(line, Version::MSNP21).unwrap();
    assert_eq!(
        p.deviations.iter().collect::<Vec<_>>(),
        [msnp_xfr::Deviation::SwitchboardInMsnp21]
    );
    assert!(p.deviations.is_strict());
    let p = msnp_xfr::parse_with(line, msnp_xfr::Mode::Strict, Some(Version::MSNP21)).unwrap();
    assert!(
        p.deviations
            .contains(msnp_xfr::Deviation::SwitchboardInMsnp21)
    );
    assert!(
        parse_lenient(line, Version::MSNP20)
            .unwrap()
            .deviations
            .is_empty()
    );
}

#[test]
fn accessors() {
    let line = b"XFR 7 NS 207.46.106.118:1863 U D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==";
    let xfr = parse(line, Version::MSNP21).unwrap();
    assert_eq!(xfr.trid().0, 7);
    assert_eq!(xfr.kind().as_str(), "ns");
    assert_eq!(xfr.server_type(), ServerType::Ns);
    let server = xfr.server().unwrap();
    assert_eq!(
        server.host.ipv4(),
        Some(std::net::Ipv4Addr::new(207, 46, 106, 118))
    );
    let Xfr::Ns(ns) = &xfr else { panic!() };
    let NsForm::Hop(hop) = &ns.form else { panic!() };
    let mut buf = [0u8; 64];
    assert_eq!(hop.header("XfrCount", &mut buf), Some("1"));
    assert_eq!(hop.header("Version", &mut buf), Some("1"));
    assert_eq!(hop.header("IsGeoXfr", &mut buf), None);
    assert_eq!(hop.decode(&mut [0u8; 10]), None, "short buffer");
    assert_eq!(Xfr::SoftReset.trid().0, 0);
    assert!(Xfr::SoftReset.server().is_none());
}

#[test]
fn into_owned_outlives_the_input() {
    let owned: Vec<Xfr<'static>> = cases()
        .iter()
        .map(|case| {
            let copy = case.line.to_string();
            parse_lenient(copy.as_bytes(), Version::MSNP21)
                .unwrap()
                .xfr
                .into_owned()
        })
        .collect();
    for (case, value) in cases().iter().zip(owned) {
        assert_eq!(value, case.value);
    }
}
