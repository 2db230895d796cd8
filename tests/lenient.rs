//! The protocol notes' "real wire" section: every deviation lenient mode must accept and report,
//! with the exact value and deviation set, and the canonical form it writes back.

use msnp_xfr::{
    Auth, Deviation, Deviation::*, Deviations, NsForm, SbForm, Version, Xfr, parse, parse_lenient,
};
use msnp_xfr_testkit::*;

struct Case {
    line: &'static [u8],
    version: u8,
    value: Xfr<'static>,
    deviations: &'static [Deviation],
    canonical: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        // No port: clients default to 1863.
        Case {
            line: b"XFR 2 NS 64.4.12.133 0\r\n",
            version: 3,
            value: ns(2, addr("64.4.12.133", None), NsForm::Zero),
            deviations: &[MissingPort],
            canonical: "XFR 2 NS 64.4.12.133 0",
        },
        // Host names, wildcard gateways, ports other than 1863.
        Case {
            line: b"XFR 3 NS m1.example.org:1864 0 10.0.0.1:1234\r\n",
            version: 8,
            value: ns(
                3,
                addr("m1.example.org", Some(1864)),
                NsForm::Current(addr("10.0.0.1", Some(1234))),
            ),
            deviations: &[],
            canonical: "XFR 3 NS m1.example.org:1864 0 10.0.0.1:1234",
        },
        // Cookie shapes: two dotted numbers, leading zeros in segments, 20 hex, 25 random, a word.
        Case {
            line: b"XFR 4 SB 10.0.0.9:1862 CKI 1050826919.32308\r\n",
            version: 8,
            value: sb(
                4,
                addr("10.0.0.9", Some(1862)),
                Auth::Cki(token("1050826919.32308")),
                SbForm::Classic,
            ),
            deviations: &[],
            canonical: "XFR 4 SB 10.0.0.9:1862 CKI 1050826919.32308",
        },
        Case {
            line: b"XFR 5 SB 10.0.0.9:80 CKI 00012.0003.0400\r\n",
            version: 9,
            value: sb(
                5,
                addr("10.0.0.9", Some(80)),
                Auth::Cki(token("00012.0003.0400")),
                SbForm::Classic,
            ),
            deviations: &[],
            canonical: "XFR 5 SB 10.0.0.9:80 CKI 00012.0003.0400",
        },
        Case {
            line: b"XFR 6 SB 10.0.0.9:1863 CKI 7fa3c90b12de44a0b9c1\r\n",
            version: 10,
            value: sb(
                6,
                addr("10.0.0.9", Some(1863)),
                Auth::Cki(token("7fa3c90b12de44a0b9c1")),
                SbForm::Classic,
            ),
            deviations: &[],
            canonical: "XFR 6 SB 10.0.0.9:1863 CKI 7fa3c90b12de44a0b9c1",
        },
        Case {
            line: b"XFR 7 SB 10.0.0.9:1863 CKI Qw7ErTy9UiOp1AsDfGh2JkLzX\r\n",
            version: 11,
            value: sb(
                7,
                addr("10.0.0.9", Some(1863)),
                Auth::Cki(token("Qw7ErTy9UiOp1AsDfGh2JkLzX")),
                SbForm::Classic,
            ),
            deviations: &[],
            canonical: "XFR 7 SB 10.0.0.9:1863 CKI Qw7ErTy9UiOp1AsDfGh2JkLzX",
        },
        Case {
            line: b"XFR 8 SB sb.example.org:1863 CKI hello\r\n",
            version: 12,
            value: sb(
                8,
                addr("sb.example.org", Some(1863)),
                Auth::Cki(token("hello")),
                SbForm::Classic,
            ),
            deviations: &[],
            canonical: "XFR 8 SB sb.example.org:1863 CKI hello",
        },
        // An MSNP18 server sending the 5-field MSNP2–MSNP12 SB form.
        Case {
            line: b"XFR 9 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308\r\n",
            version: 18,
            value: sb(
                9,
                addr("207.46.108.37", Some(1863)),
                Auth::Cki(token("17262740.1050826919.32308")),
                SbForm::Classic,
            ),
            deviations: &[OtherVersion],
            canonical: "XFR 9 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308",
        },
        // MSNP15 logs: SB lines without the direct flag.
        Case {
            line: b"XFR 10 SB 207.46.108.38:1863 CKI 1743299.2458.33 U messenger.msn.com\r\n",
            version: 15,
            value: sb(
                10,
                addr("207.46.108.38", Some(1863)),
                Auth::Cki(token("1743299.2458.33")),
                SbForm::Domain,
            ),
            deviations: &[OtherVersion],
            canonical: "XFR 10 SB 207.46.108.38:1863 CKI 1743299.2458.33 U messenger.msn.com",
        },
        // MSNP7-style NS from a server that claims MSNP2.
        Case {
            line: b"XFR 11 NS 207.46.106.145:1863 0 207.46.104.20:1863\r\n",
            version: 2,
            value: ns(
                11,
                addr("207.46.106.145", Some(1863)),
                NsForm::Current(addr("207.46.104.20", Some(1863))),
            ),
            deviations: &[OtherVersion],
            canonical: "XFR 11 NS 207.46.106.145:1863 0 207.46.104.20:1863",
        },
        // Spacing: runs of spaces, tabs, LF-only, trailing and leading whitespace.
        Case {
            line: b"XFR 12  NS   207.46.106.145:1863 0\r\n",
            version: 4,
            value: ns(12, addr("207.46.106.145", Some(1863)), NsForm::Zero),
            deviations: &[ExtraWhitespace],
            canonical: "XFR 12 NS 207.46.106.145:1863 0",
        },
        Case {
            line: b"XFR\t13\tSB\n",
            version: 8,
            value: request(13, msnp_xfr::ServerType::Sb),
            deviations: &[ExtraWhitespace, BareLineFeed],
            canonical: "XFR 13 SB",
        },
        Case {
            line: b"XFR 14 SB 10.0.0.1:1863 CKI c U messenger.msn.com 0  \t\r\n",
            version: 14,
            value: sb(
                14,
                addr("10.0.0.1", Some(1863)),
                Auth::Cki(token("c")),
                SbForm::Direct(false),
            ),
            deviations: &[TrailingWhitespace],
            canonical: "XFR 14 SB 10.0.0.1:1863 CKI c U messenger.msn.com 0",
        },
        Case {
            line: b" XFR 0 NS 0\n",
            version: 21,
            value: Xfr::SoftReset,
            deviations: &[LeadingWhitespace, BareLineFeed],
            canonical: "XFR 0 NS 0",
        },
        // Leading zeros in numbers.
        Case {
            line: b"XFR 007 NS 10.0.0.1:01863 U D\r\n",
            version: 13,
            value: ns(7, addr("10.0.0.1", Some(1863)), NsForm::UD),
            deviations: &[LeadingZeros],
            canonical: "XFR 7 NS 10.0.0.1:1863 U D",
        },
        Case {
            line: b"XFR 00 NS 0\r\n",
            version: 8,
            value: Xfr::SoftReset,
            deviations: &[LeadingZeros],
            canonical: "XFR 0 NS 0",
        },
        // Everything at once.
        Case {
            line: b"  XFR  0012 SB\thost-9.example.net  CKI 3.2.1 \n",
            version: 18,
            value: sb(
                12,
                addr("host-9.example.net", None),
                Auth::Cki(token("3.2.1")),
                SbForm::Classic,
            ),
            deviations: &[
                LeadingWhitespace,
                ExtraWhitespace,
                TrailingWhitespace,
                BareLineFeed,
                MissingPort,
                LeadingZeros,
                OtherVersion,
            ],
            canonical: "XFR 12 SB host-9.example.net CKI 3.2.1",
        },
    ]
}

#[test]
fn real_wire_lines_parse_leniently_with_exact_deviations() {
    for case in cases() {
        let what = String::from_utf8_lossy(case.line);
        let p =
            parse_lenient(case.line, v(case.version)).unwrap_or_else(|e| panic!("{what:?}: {e}"));
        assert_eq!(p.xfr, case.value, "{what:?}");
        assert_eq!(
            p.deviations,
            case.deviations.iter().copied().collect::<Deviations>(),
            "{what:?}"
        );
        assert_eq!(p.xfr.to_string(), case.canonical, "{what:?}");
        // Strict mode accepts exactly the lines lenient mode found nothing wrong with.
        assert_eq!(
            parse(case.line, v(case.version)).is_ok(),
            p.deviations.is_strict(),
            "{what:?}"
        );
    }
}

#[test]
fn canonical_form_of_a_tolerated_line_is_strictly_valid_where_it_is_legal() {
    for case in cases() {
        let p = parse_lenient(case.line, v(case.version)).unwrap();
        for version in p.xfr.legal_versions() {
            let mut out = Vec::new();
            p.xfr.write_to(version, &mut out).unwrap();
            assert_eq!(parse(&out, version).unwrap(), p.xfr);
        }
    }
}

#[test]
fn portless_values_display_but_do_not_write() {
    let p = parse_lenient(b"XFR 2 NS 64.4.12.133 0", Version::MSNP3).unwrap();
    let Xfr::Ns(ns) = &p.xfr else { panic!() };
    assert_eq!(ns.server.port_or_default().get(), 1863);
    assert!(p.xfr.legal_versions().is_empty());
    assert_eq!(p.xfr.shape_versions(), vs(3, 6));
    let err = p.xfr.write_to(Version::MSNP3, &mut Vec::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot write for MSNP3: field 3 (port) is required in MSNP3; the value is legal in no version"
    );
}

#[test]
fn lenient_mode_keeps_real_errors() {
    for line in [
        &b"XFR 0 NS 10.0.0.1:1863 U D89 http://gateway.example/"[..],
        b"XFR 1 SB CKI 1234.5678",
        b"XFR 1 SB 10.0.0.1:1863 CKI",
        b"XFR 1 NS 10.0.0.1:1863 0 10.0.0.2:1863 extra",
        b"XFR 1 SB 10.0.0.1:1863 CKI c U messenger.msn.com 1 http://x",
    ] {
        assert!(
            parse_lenient(line, Version::MSNP18).is_err(),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
}
