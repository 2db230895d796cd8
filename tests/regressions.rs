//! One regression test per defect of the adversarial review (issue 13), each seen failing
//! before its fix.

use msnp_xfr::{
    Address, DEFAULT_MAX_PAYLOAD, Decoder, DecoderConfig, Deviation, Direction, Error, Field,
    HopBlob, Mode, NsForm, Observation, PayloadCommands, Session, Version, VersionSet, Xfr, parse,
    parse_lenient, parse_with,
};
use msnp_xfr_testkit::feed::events as run;
use msnp_xfr_testkit::{HOP1, addr, hop, ns};

fn server() -> Decoder {
    Decoder::new(DecoderConfig::new(Direction::ServerToClient))
}

/// Item 1: A payload length is the number it spells, leading zeros or not.
#[test]
fn zero_padded_payload_lengths_are_lengths() {
    let events = run(
        server(),
        &[b"MSG 1 N 00000000000000000005\r\nhelloXFR 0 NS 0\r\n"],
    );
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(events[0].contains("verb: \"MSG\"") && events[0].contains("payload: Some(5)"));
    assert!(events[1].starts_with("Xfr") && events[1].contains("SoftReset"));

    // Forty zeros and a 3: still three bytes.
    let line = format!("MSG 1 N {}3\r\nabcXFR 0 NS 0\r\n", "0".repeat(40));
    let events = run(server(), &[line.as_bytes()]);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert!(events[0].contains("payload: Some(3)"));
    assert!(events[1].contains("SoftReset"));
}

/// Item 1: A length no real payload can have is an error event, and nothing after it is read as
/// a command: the decoder cannot know where such a payload would end.
#[test]
fn impossible_payload_lengths_are_errors_never_commands() {
    for length in [
        "99999999999999999999".to_string(),        // 20 digits
        "1000000000000000000".to_string(),         // 19 digits
        (DEFAULT_MAX_PAYLOAD + 1).to_string(),     // just past the cap
        format!("000{}", DEFAULT_MAX_PAYLOAD + 1), // padded, past the cap
    ] {
        let stream = format!("MSG 1 N {length}\r\nXFR 0 NS 0\r\nXFR 1 SB\r\n");
        let events = run(server(), &[stream.as_bytes()]);
        assert_eq!(events.len(), 1, "{length}: {events:#?}");
        assert!(
            events[0].starts_with("PayloadTooLong")
                && events[0].contains(&format!("limit: {DEFAULT_MAX_PAYLOAD}")),
            "{length}: {events:#?}"
        );
    }
    // At the cap, the payload is skipped like any other.
    let mut stream = format!("MSG 1 N {DEFAULT_MAX_PAYLOAD}\r\n").into_bytes();
    stream.extend(std::iter::repeat_n(b'x', DEFAULT_MAX_PAYLOAD));
    stream.extend_from_slice(b"XFR 0 NS 0\r\n");
    let events = run(server(), &[&stream]);
    assert_eq!(events.len(), 2);
    assert!(events[1].contains("SoftReset"));
    // The cap is the caller's to move.
    let small = DecoderConfig::new(Direction::ServerToClient).max_payload(4);
    let events = run(Decoder::new(small), &[b"MSG 1 N 5\r\nhelloXFR 0 NS 0\r\n"]);
    assert_eq!(events.len(), 1);
    assert!(events[0].starts_with("PayloadTooLong") && events[0].contains("limit: 4"));
}

/// Item 2: `CODE TrID LENGTH` carries a payload (MSNP13 and later); `CODE TrID` does not.
#[test]
fn numeric_replies_with_a_payload_are_skipped() {
    let stream = b"241 5 7\r\n<ml l/>XFR 6 SB 10.0.0.2:1863 CKI 1.2\r\n913 7\r\nXFR 0 NS 0\r\n";
    let events = run(server(), &[stream]);
    assert_eq!(events.len(), 4, "{events:#?}");
    assert!(events[0].starts_with("ErrorReply") && events[0].contains("payload: Some(7)"));
    assert!(events[1].starts_with("Xfr") && events[1].contains("Cki"));
    assert!(events[2].starts_with("ErrorReply") && events[2].contains("payload: None"));
    assert!(events[3].contains("SoftReset"));

    // The table says so, and a caller can turn it off.
    let table = PayloadCommands::for_direction(Direction::ServerToClient);
    assert!(table.numeric_replies());
    assert_eq!(table.payload_len(b"241 5 7\r\n"), Some(7));
    assert_eq!(table.payload_len(b"913 5\r\n"), None);
    assert_eq!(table.payload_len(b"MSG 1 N 0007\r\n"), Some(7));
    let off = table.with_numeric_replies(false);
    assert_eq!(off.payload_len(b"241 5 7\r\n"), None);
    let config = DecoderConfig::new(Direction::ServerToClient).payloads(off);
    let events = run(Decoder::new(config), &[b"241 5 3\r\nabcXFR 0 NS 0\r\n"]);
    assert!(events[1].contains("verb: \"abcXFR\""), "{events:#?}");

    // The transcript reader's half of items 1 and 2 lives with it, in msnp-inspect's tests.
}

/// Item 3: Lenient mode without a version reports a shape that no version allows.
#[test]
fn lenient_without_version_flags_shapes_no_version_allows() {
    for line in [
        &b"XFR 1 SB 10.0.1.200:1865 CTP U messenger.msn.com"[..],
        b"XFR 1 SB 10.0.1.200:1865 MD5 salt U messenger.msn.com 1",
    ] {
        let p = parse_with(line, Mode::Lenient, None).unwrap();
        assert!(p.deviations.contains(Deviation::MixedVersions), "{p:?}");
        assert!(!p.deviations.is_strict());
        assert!(p.xfr.legal_versions().is_empty());
        // With a version, the line is both of another version and of none.
        let p = parse_lenient(line, Version::MSNP8).unwrap();
        assert!(p.deviations.contains(Deviation::OtherVersion));
        assert!(p.deviations.contains(Deviation::MixedVersions));
        assert!(parse_with(line, Mode::Strict, None).is_err());
    }
    // A shape some version allows is no such deviation.
    let p = parse_with(b"XFR 1 SB 10.0.1.200:1865 CTP", Mode::Lenient, None).unwrap();
    assert!(p.deviations.is_empty());
}

/// Item 4: `HopBlob::encode` refuses what the reader would refuse: nothing, or more than the cap.
#[test]
fn hop_blobs_the_reader_would_refuse_are_not_made() {
    assert!(matches!(
        HopBlob::encode(b""),
        Err(Error::Missing {
            field: Field::HopBlob,
            ..
        })
    ));
    assert!(matches!(
        HopBlob::encode(&[0; 800]),
        Err(Error::TooLong {
            field: Field::HopBlob,
            max: 1024,
            ..
        })
    ));
    // The largest that fits: 768 bytes make 1,024 characters.
    let hop = HopBlob::encode(&[0; 768]).unwrap();
    assert_eq!(hop.as_str().len(), 1024);
    let x = ns(3, addr("10.0.0.1", Some(1863)), NsForm::Hop(hop));
    let mut out = Vec::new();
    x.write_to(Version::MSNP21, &mut out).unwrap();
    assert_eq!(parse(&out, Version::MSNP21).unwrap(), x);
}

/// Item 5: The gateway referral is server-initiated: TrID 0 only.
#[test]
fn gateway_referrals_need_trid_zero() {
    let line = format!("XFR 7 NS gw.example.com:443 G D {HOP1}");
    assert_eq!(
        parse(line.as_bytes(), Version::MSNP21),
        Err(Error::Version {
            field: Field::TrId,
            index: 1,
            offset: 4,
            version: Version::MSNP21,
            legal: VersionSet::EMPTY,
            missing: false,
        })
    );
    let x = ns(
        7,
        addr("gw.example.com", Some(443)),
        NsForm::Gateway(hop(HOP1)),
    );
    assert!(x.legal_versions().is_empty());
    assert!(matches!(
        x.write_to(Version::MSNP21, &mut Vec::new()),
        Err(Error::NotWritable {
            field: Field::TrId,
            ..
        })
    ));
    let p = parse_lenient(line.as_bytes(), Version::MSNP21).unwrap();
    assert!(p.deviations.contains(Deviation::OtherVersion));
    // TrID 0 stays fine.
    let line = format!("XFR 0 NS gw.example.com:443 G D {HOP1}");
    assert!(parse(line.as_bytes(), Version::MSNP21).is_ok());
}

/// Item 6: What `Address` displays, it parses.
#[test]
fn addresses_display_and_parse_alike() {
    let portless: Address = "64.4.12.133".parse().unwrap();
    assert_eq!(portless, addr("64.4.12.133", None));
    assert_eq!(portless.to_string(), "64.4.12.133");
    assert_eq!(Address::parse("m1.example.org").unwrap().port, None);
    for text in ["64.4.12.133:1863", "m1.example.org", "*.gw.example.com:443"] {
        let a: Address = text.parse().unwrap();
        assert_eq!(a.to_string(), text);
    }
    assert!(matches!(
        Address::parse("64.4.12.133:"),
        Err(Error::Missing {
            field: Field::Port,
            offset: 12
        })
    ));
}

/// Item 7: Unanswered requests are forgotten by age, and only when the table is full.
#[test]
fn session_remembers_unanswered_requests_by_age() {
    use Direction::*;
    let mut s = Session::new(Mode::Lenient);
    s.observe(Some(ClientToServer), b"XFR 1 SB");
    for trid in 2..=20u32 {
        s.observe(Some(ClientToServer), format!("XFR {trid} SB").as_bytes());
        let reply = format!("XFR {trid} SB 10.0.0.2:1863 CKI 1.2");
        s.observe(Some(ServerToClient), reply.as_bytes());
    }
    s.observe(Some(ClientToServer), b"XFR 21 SB");
    assert!(matches!(
        s.observe(Some(ServerToClient), b"913 1"),
        Observation::XfrErrorReply { .. }
    ));
    assert!(matches!(
        s.observe(Some(ServerToClient), b"913 21"),
        Observation::XfrErrorReply { .. }
    ));
}

/// Item 7: An NS referral that does not parse still ends what the session knows.
#[test]
fn session_forgets_on_a_malformed_ns_referral() {
    use Direction::*;
    let mut s = Session::new(Mode::Strict);
    s.observe(Some(ServerToClient), b"VER 1 MSNP8 CVR0");
    s.observe(Some(ClientToServer), b"XFR 2 SB");
    let obs = s.observe(
        Some(ServerToClient),
        b"XFR 5 NS 10.0.0.300:1863 0 10.0.0.1:1863",
    );
    assert!(matches!(obs, Observation::Xfr { result: Err(_), .. }));
    assert_eq!(s.version(), None);
    assert_eq!(
        s.observe(Some(ServerToClient), b"913 2"),
        Observation::Other
    );
    // A malformed SB referral does not.
    s.observe(Some(ServerToClient), b"VER 1 MSNP8 CVR0");
    s.observe(Some(ServerToClient), b"XFR 5 SB 10.0.0.300:1863 CKI 1");
    assert_eq!(s.version(), Some(Version::MSNP8));
}

/// Item 9: `write_into` writes nothing on error, as `write_to` does.
#[test]
fn write_into_a_short_buffer_writes_nothing() {
    let x = parse(b"XFR 3 NS 207.46.106.145:1863 0", Version::MSNP5).unwrap();
    let mut buf = [b'#'; 16];
    assert_eq!(
        x.write_into(Version::MSNP5, &mut buf),
        Err(Error::BufferTooSmall { needed: 32 })
    );
    assert_eq!(buf, [b'#'; 16]);
    let _: Xfr<'_> = x;
}
