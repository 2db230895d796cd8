//! Malformed lines: each gets a typed error naming the field and the byte offset, in strict
//! and (where the problem is not one lenient mode tolerates) in lenient mode.

use msnp_xfr::{Error, Field, Mode, Version, parse, parse_lenient, parse_with};

fn missing(field: Field, offset: usize) -> Error {
    Error::Missing { field, offset }
}

fn invalid(field: Field, offset: usize) -> impl Fn(&Error) -> bool {
    move |e| matches!(*e, Error::Invalid { field: f, offset: o, .. } if f == field && o == offset)
}

/// Lines that are errors in both modes, with their exact error.
#[test]
fn malformed_lines_exact_errors_in_both_modes() {
    let port_range = "1..=65535";
    let table: Vec<(&[u8], Error)> = vec![
        (b"", missing(Field::Command, 0)),
        (b"\r\n", missing(Field::Command, 0)),
        (b"XFR", missing(Field::TrId, 3)),
        (b"XFR 1", missing(Field::ServerType, 5)),
        (b"XFR 1 SB 10.0.0.1:1863 CKI", missing(Field::AuthParam, 26)),
        (
            b"XFR 1 SB 10.0.0.1:1863 MD5\r\n",
            missing(Field::AuthParam, 26),
        ),
        (b"XFR 1 SB 10.0.0.1:1863", missing(Field::AuthMethod, 22)),
        (b"XFR 1 NS 10.0.0.1:1863 G D", missing(Field::HopBlob, 26)),
        (
            b"XFR 1 NS 10.0.0.1:1863 U",
            missing(Field::CurrentServer, 24),
        ),
        (
            b"XFR 1 SB 10.0.0.1:1863 CKI c U",
            missing(Field::Domain, 30),
        ),
        (
            b"XFR 1 NS 10.0.0.1:0",
            Error::OutOfRange {
                field: Field::Port,
                offset: 18,
                range: port_range,
            },
        ),
        (
            b"XFR 1 NS 10.0.0.1:65536",
            Error::OutOfRange {
                field: Field::Port,
                offset: 18,
                range: port_range,
            },
        ),
        (
            b"XFR 4294967296 SB",
            Error::OutOfRange {
                field: Field::TrId,
                offset: 4,
                range: "0..=4294967295",
            },
        ),
        (
            b"XFR 99999999999999999999999999 SB",
            Error::OutOfRange {
                field: Field::TrId,
                offset: 4,
                range: "0..=4294967295",
            },
        ),
        (
            b"XFR 1 SB 1.2.3.4:1863 CKI c U messenger.msn.com 1 extra",
            Error::TrailingData { offset: 50 },
        ),
        (b"XFR 0 NS 0 0", Error::TrailingData { offset: 11 }),
        (
            b"XFR 1 NS 1.2.3.4:1863 0 1.2.3.4:1 x",
            Error::TrailingData { offset: 34 },
        ),
        (
            b"XFR 15 CON 305",
            Error::Unsupported {
                form: "CON",
                offset: 7,
            },
        ),
        (b"XFR 1 SB\rX", Error::LineEnd { offset: 8 }),
        (b"XFR 1 SB\r\n\r\n", Error::LineEnd { offset: 8 }),
        (
            b"XFR 1 SB 1.2.3.4:1863 CKI\x0bx",
            Error::Invalid {
                field: Field::AuthMethod,
                offset: 22,
                expected: "`CKI`, `CTP` or `MD5`",
            },
        ),
    ];
    for (line, expected) in table {
        for mode in [Mode::Strict, Mode::Lenient] {
            let got = parse_with(line, mode, Some(Version::MSNP8)).unwrap_err();
            assert_eq!(
                got,
                expected,
                "{:?} {mode:?}: {got}",
                String::from_utf8_lossy(line)
            );
            assert_eq!(got.offset(), expected.offset());
        }
    }
}

/// Lines that are errors in both modes, checked by field and offset.
#[test]
fn invalid_fields_name_field_and_first_bad_byte() {
    let table: Vec<(&[u8], Field, usize)> = vec![
        (b"xfr 1 SB", Field::Command, 0),
        (b"USR 1 SB", Field::Command, 0),
        (b"XFRX 1 SB", Field::Command, 0),
        (b"XFR +5 SB", Field::TrId, 4),
        (b"XFR -5 SB", Field::TrId, 4),
        (b"XFR 5x SB", Field::TrId, 5),
        (b"XFR 0x10 SB", Field::TrId, 5),
        (b"XFR 1 XX", Field::ServerType, 6),
        (b"XFR 1 sb", Field::ServerType, 6),
        (b"XFR 1 SB 10.0.0.1:1863 CKI ab\0c", Field::AuthParam, 29),
        (b"XFR 1 SB 10.0.0.1:1863 CKI ab\x7fc", Field::AuthParam, 29),
        (b"XFR 1 SB h\xc3\xa9st:1863 CKI x", Field::Host, 10),
        (b"XFR 1 SB 10.0.0.1:1863 XYZ x", Field::AuthMethod, 23),
        (
            b"XFR 1 SB 10.0.0.1:1863 CKI c V messenger.msn.com",
            Field::SbMarker,
            29,
        ),
        (
            b"XFR 1 SB 10.0.0.1:1863 CKI c U messenger.msn.org",
            Field::Domain,
            31,
        ),
        (
            b"XFR 1 SB 10.0.0.1:1863 CKI c U messenger.msn.com 2",
            Field::Direct,
            49,
        ),
        (
            b"XFR 1 SB 10.0.0.1:1863 CKI c U messenger.msn.com yes",
            Field::Direct,
            49,
        ),
        (b"XFR 1 NS 10.0.0.1:1863 X", Field::ReferralMarker, 23),
        (b"XFR 1 NS 10.0.0.1:1863 1", Field::ReferralMarker, 23),
        // Leftovers of an earlier, longer line: `D89 http://…` is not `D`.
        (
            b"XFR 0 NS 10.0.0.1:1863 U D89 http://x.example/",
            Field::CurrentServer,
            25,
        ),
        (
            b"XFR 1 NS 10.0.0.1:1863 U D not-base64!",
            Field::HopBlob,
            30,
        ),
        (b"XFR 1 NS 10.0.0.1:1863 U D abc", Field::HopBlob, 27),
        (b"XFR 1 NS 10.0.0.1:1863 U D ab=c", Field::HopBlob, 29),
        (b"XFR 1 NS 10.0.0.1:1863 U D a===", Field::HopBlob, 27),
        (b"XFR 1 NS 10.0.0.1:x", Field::Port, 18),
        (b"XFR 1 NS 10.0.0.1:1863:1", Field::Port, 22),
        (b"XFR 1 NS 1.2.3:1863", Field::Host, 14),
        (b"XFR 1 NS 1.2.3.4.5:1863", Field::Host, 16),
        (b"XFR 1 NS 256.1.1.1:1863", Field::Host, 9),
        (b"XFR 1 NS 01.1.1.1:1863", Field::Host, 9),
        (b"XFR 1 NS -a.example:1863", Field::Host, 9),
        (b"XFR 1 NS a..example:1863", Field::Host, 11),
        (b"XFR 1 NS a_b.example:1863", Field::Host, 10),
        (b"XFR 1 NS a.*.example:1863", Field::Host, 11),
        (b"XFR 1 NS *:1863", Field::Host, 9),
        (b"XFR 5 NS 0", Field::TrId, 4),
        (b"XFR 1 SB 0", Field::Host, 10),
    ];
    for (line, field, offset) in table {
        for mode in [Mode::Strict, Mode::Lenient] {
            let got = parse_with(line, mode, Some(Version::MSNP14)).unwrap_err();
            assert!(
                invalid(field, offset)(&got),
                "{:?} {mode:?}: got {got:?}, want {field:?} at {offset}",
                String::from_utf8_lossy(line)
            );
        }
    }
}

/// What strict mode refuses and lenient mode tolerates.
#[test]
fn strict_only_errors() {
    let table: Vec<(&[u8], Error)> = vec![
        (b"XFR 1  SB", Error::Whitespace { offset: 6 }),
        (b"XFR\t1 SB", Error::Whitespace { offset: 3 }),
        (b"XFR 1 SB ", Error::Whitespace { offset: 8 }),
        (b"XFR 1 SB \r\n", Error::Whitespace { offset: 8 }),
        (b" XFR 1 SB", Error::Whitespace { offset: 0 }),
        (b"XFR 1 SB\n", Error::LineEnd { offset: 8 }),
        (
            b"XFR 01 SB",
            Error::LeadingZero {
                field: Field::TrId,
                offset: 4,
            },
        ),
        (
            b"XFR 1 NS 10.0.0.1:01863 0",
            Error::LeadingZero {
                field: Field::Port,
                offset: 18,
            },
        ),
        (b"XFR 2 NS 64.4.12.133 0", missing(Field::Port, 20)),
    ];
    for (line, expected) in table {
        let got = parse(line, Version::MSNP5).unwrap_err();
        assert_eq!(got, expected, "{:?}: {got}", String::from_utf8_lossy(line));
        let lenient = parse_lenient(line, Version::MSNP5);
        assert!(
            lenient.is_ok(),
            "{:?}: {lenient:?}",
            String::from_utf8_lossy(line)
        );
        assert!(!lenient.unwrap().deviations.is_empty());
    }
}

#[test]
fn tokens_are_bounded() {
    let mut long = b"XFR 1 SB 10.0.0.1:1863 CKI ".to_vec();
    long.extend(std::iter::repeat_n(b'A', 100_000));
    for mode in [Mode::Strict, Mode::Lenient] {
        let err = parse_with(&long, mode, Some(Version::MSNP8)).unwrap_err();
        assert_eq!(
            err,
            Error::TooLong {
                field: Field::AuthParam,
                offset: 27,
                max: msnp_xfr::MAX_TOKEN_LEN
            }
        );
    }
    let mut host = b"XFR 1 SB ".to_vec();
    host.extend(std::iter::repeat_n(b'a', 300));
    host.extend(b":1863 CKI x");
    let err = parse(&host, Version::MSNP8).unwrap_err();
    assert_eq!(
        err,
        Error::TooLong {
            field: Field::Host,
            offset: 9,
            max: 253
        }
    );
    // A cookie of exactly the limit is fine.
    let mut edge = b"XFR 1 SB 10.0.0.1:1863 CKI ".to_vec();
    edge.extend(std::iter::repeat_n(b'z', msnp_xfr::MAX_TOKEN_LEN));
    assert!(parse(&edge, Version::MSNP8).is_ok());
}

#[test]
fn hundred_kilobyte_lines_fail_fast_with_the_right_error() {
    let spaces = vec![b' '; 100_000];
    assert_eq!(
        parse(&spaces, Version::MSNP8),
        Err(Error::Whitespace { offset: 0 })
    );
    assert_eq!(
        parse_lenient(&spaces, Version::MSNP8),
        Err(Error::Missing {
            field: Field::Command,
            offset: 0
        })
    );
    let mut fields = b"XFR 1 SB".to_vec();
    for _ in 0..20_000 {
        fields.extend(b" x");
    }
    assert!(matches!(
        parse(&fields, Version::MSNP8),
        Err(Error::Missing {
            field: Field::Port,
            offset: 10
        })
    ));
    let junk = vec![b'X'; 100_000];
    assert!(matches!(
        parse(&junk, Version::MSNP8),
        Err(Error::Invalid {
            field: Field::Command,
            offset: 0,
            ..
        })
    ));
    let mut trailing = b"XFR 1 NS 1.2.3.4:1863 0 1.2.3.4:1863".to_vec();
    trailing.extend(std::iter::repeat_n(b" y", 50_000).flatten());
    assert_eq!(
        parse(&trailing, Version::MSNP8),
        Err(Error::TrailingData { offset: 37 })
    );
}

#[test]
fn every_error_message_names_the_byte() {
    for line in [
        &b"XFR 1 SB 10.0.0.1:0 CKI x"[..],
        b"XFR  1 SB",
        b"XFR 1 ZZ",
        b"XFR 1 SB\n",
    ] {
        let err = parse(line, Version::MSNP8).unwrap_err();
        let offset = err.offset().unwrap();
        assert!(err.to_string().contains(&format!("byte {offset}")), "{err}");
    }
}
