//! The stream decoder and the session tracker.

use msnp_xfr::{
    Decoder, DecoderConfig, Deviation, Direction, Error, ErrorCode, Event, Mode, Observation,
    PayloadCommands, ServerType, Session, Step, Version, Xfr,
};
use msnp_xfr_testkit::feed::{chunks, events as run};

fn server_decoder() -> Decoder {
    Decoder::new(DecoderConfig::new(Direction::ServerToClient).version(Some(Version::MSNP8)))
}

const SERVER_STREAM: &[u8] = b"VER 1 MSNP8 CVR0\r\n\
MSG Hotmail Hotmail 32\r\n\
XFR 5 SB 1.1.1.1:1 CKI traps\r\n\r\n\
XFR 10 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308\r\n\
NOT 5\r\nQRY 1\
913 11\r\n\
QRY 1049\r\n\
ADL 12 OK\r\n\
XFR 12 NS 207.46.106.145:1863 0 207.46.104.20:1863\r\n";

#[test]
fn events_of_a_server_stream() {
    let events = run(server_decoder(), &[SERVER_STREAM]);
    assert_eq!(events.len(), 8, "{events:#?}");
    assert!(events[0].starts_with("Command { verb: \"VER\""));
    assert!(events[1].contains("verb: \"MSG\"") && events[1].contains("payload: Some(32)"));
    // The MSG payload looked like an XFR line; it was skipped, not parsed.
    assert!(events[2].starts_with("Xfr") && events[2].contains("17262740.1050826919.32308"));
    assert!(events[3].contains("verb: \"NOT\"") && events[3].contains("payload: Some(5)"));
    assert_eq!(
        events[4],
        r#"ErrorReply { line: [57, 49, 51, 32, 49, 49, 13, 10], reply: ErrorReply { code: ErrorCode(913), trid: TrId(11) }, payload: None }"#
    );
    // From the server, QRY is an acknowledgement, not a payload command.
    assert!(events[5].contains("verb: \"QRY\"") && events[5].contains("payload: None"));
    assert!(events[6].contains("verb: \"ADL\"") && events[6].contains("payload: None"));
    assert!(events[7].starts_with("Xfr") && events[7].contains("Current"));
}

#[test]
fn any_chunking_gives_the_same_events() {
    let whole = run(server_decoder(), &[SERVER_STREAM]);
    for size in 1..=SERVER_STREAM.len() {
        let pieces: Vec<&[u8]> = SERVER_STREAM.chunks(size).collect();
        assert_eq!(run(server_decoder(), &pieces), whole, "chunks of {size}");
    }
    // Uneven splits around every position.
    for cut in 0..SERVER_STREAM.len() {
        let (a, b) = SERVER_STREAM.split_at(cut);
        assert_eq!(run(server_decoder(), &[a, b]), whole, "cut at {cut}");
    }
}

#[test]
fn payload_tables_follow_direction_and_can_be_replaced() {
    let stream = b"QRY 7 msmsgs@msnmsgr.com 32\r\n0123456789abcdef0123456789abcdefXFR 8 SB\r\n";
    let client = Decoder::new(DecoderConfig::new(Direction::ClientToServer));
    let events = run(client, &[stream]);
    assert_eq!(events.len(), 2);
    assert!(events[0].contains("payload: Some(32)"));
    assert!(events[1].starts_with("Xfr"));

    // From the server, QRY carries no payload: the body is read as a (bad) command.
    let server = Decoder::new(DecoderConfig::new(Direction::ServerToClient));
    let events = run(server, &[stream]);
    assert!(events[0].contains("payload: None"));
    assert!(events[1].contains("verb: \"0123456789abcdef0123456789abcdefXFR\""));

    // A caller's own table.
    let config = DecoderConfig::new(Direction::ServerToClient)
        .payloads(PayloadCommands::empty().with("ZZZ").unwrap());
    let events = run(Decoder::new(config), &[b"ZZZ 1 3\r\nabcXFR 0 NS 0\r\n"]);
    assert_eq!(events.len(), 2);
    assert!(events[1].contains("SoftReset"));
}

/// Tables with the same verbs are equal however they were built, and a removed verb is gone.
#[test]
fn payload_tables_compare_by_their_verbs() {
    let built = PayloadCommands::empty().with("MSG").unwrap();
    let trimmed = built.with("NOT").unwrap().without("NOT");
    assert_eq!(trimmed, built);
    assert!(!trimmed.contains("NOT") && trimmed.contains("MSG"));
    assert_eq!(trimmed.iter().collect::<Vec<_>>(), ["MSG"]);
    // Removing from the middle keeps the rest, in order.
    let three = built
        .with("NOT")
        .unwrap()
        .with("UBX")
        .unwrap()
        .without("NOT");
    assert_eq!(three.iter().collect::<Vec<_>>(), ["MSG", "UBX"]);
    assert_eq!(three, built.with("UBX").unwrap());
    assert!(!three.contains("NOT"));
    // Only three upper-case letters are verbs.
    assert_eq!(PayloadCommands::empty().with("msg"), None);
    assert!(!PayloadCommands::empty().contains("\0\0\0"));
}

#[test]
fn msnp24_con_payload_is_skipped_and_reported_unsupported() {
    let stream = b"XFR 3 CON 23\r\n<xml>XFR 1 SB</xml>\r\n\r\nXFR 0 NS 0\r\n";
    let mut decoder = Decoder::new(DecoderConfig::new(Direction::ServerToClient));
    let mut buf = &stream[..];
    let mut results = Vec::new();
    while let Step::Event { event, consumed } = decoder.decode(buf) {
        if let Event::Xfr { result, .. } = event {
            results.push(result.map(|p| p.xfr));
        }
        buf = &buf[consumed..];
    }
    assert_eq!(
        results,
        [
            Err(Error::Unsupported {
                form: "CON",
                offset: 6
            }),
            Ok(Xfr::SoftReset)
        ]
    );
}

#[test]
fn long_lines_are_refused_and_skipped_without_buffering() {
    let config = DecoderConfig::new(Direction::ServerToClient).max_line(64);
    let mut long = vec![b'A'; 1000];
    long.extend_from_slice(b"\r\nXFR 0 NS 0\r\n");
    let whole = run(Decoder::new(config), &[&long]);
    assert_eq!(
        whole,
        [
            "LineTooLong { limit: 64 }",
            "Xfr { line: [88, 70, 82, 32, 48, 32, 78, 83, 32, 48, 13, 10], result: Ok(Parsed { xfr: SoftReset, deviations: {} }) }"
        ]
    );
    // Fed in small pieces, the buffer never holds more than the limit plus a chunk.
    let mut decoder = Decoder::new(config);
    let mut buf: Vec<u8> = Vec::new();
    let mut events = Vec::new();
    for chunk in long.chunks(10) {
        buf.extend_from_slice(chunk);
        assert!(buf.len() <= 64 + 10);
        loop {
            match decoder.decode(&buf) {
                Step::Event { event, consumed } => {
                    events.push(format!("{event:?}"));
                    buf.drain(..consumed);
                }
                Step::NeedMore { consumed } => {
                    buf.drain(..consumed);
                    break;
                }
            }
        }
    }
    assert_eq!(events, whole);
    // A line of exactly the limit (line end included) is accepted.
    let mut exact = b"XFR 1 SB 10.0.0.1:1863 CKI ".to_vec();
    exact.resize(62, b'x');
    exact.extend_from_slice(b"\r\n");
    let events = run(Decoder::new(config), &[&exact]);
    assert!(
        events[0].starts_with("Xfr") && events[0].contains("Ok("),
        "{events:?}"
    );
}

#[test]
fn lf_only_lines_in_lenient_and_strict_mode() {
    let stream = b"XFR 1 SB\nXFR 2 SB\r\n";
    let lenient = run(
        Decoder::new(DecoderConfig::new(Direction::ClientToServer)),
        &[stream],
    );
    assert_eq!(lenient.len(), 2);
    assert!(lenient[0].contains("BareLineFeed"));
    // Strict: only CRLF ends a line, so the first LF is inside a line that then fails to parse.
    let config = DecoderConfig::new(Direction::ClientToServer).mode(Mode::Strict);
    let strict = run(Decoder::new(config), &[stream]);
    assert_eq!(strict.len(), 1);
    assert!(strict[0].contains("LineEnd { offset: 8 }"), "{strict:?}");
}

#[test]
fn feeding_byte_by_byte_is_linear() {
    // A 300 kB line fed one byte at a time: re-scanning from the start after each byte would
    // take ~4.5e10 steps; remembering how far was scanned takes 3e5.
    let config = DecoderConfig::new(Direction::ServerToClient).max_line(1 << 20);
    let mut decoder = Decoder::new(config);
    let mut line = vec![b'x'; 300_000];
    line.extend_from_slice(b"\r\n");
    let mut end = 0;
    let event = loop {
        end += 1;
        if let Step::Event { event, consumed } = decoder.decode(&line[..end]) {
            assert_eq!(consumed, line.len());
            break format!("{event:?}");
        }
    };
    assert!(event.starts_with("Command"));
}

#[test]
fn session_follows_ver_and_matches_trids() {
    use Direction::*;
    let mut s = Session::new(Mode::Strict);
    // Before VER: judged against every version.
    let Observation::Xfr {
        version: None,
        result: Ok(p),
        ..
    } = s.observe(Some(ServerToClient), b"XFR 1 NS 10.0.0.1:1863 U D")
    else {
        panic!()
    };
    assert_eq!(p.xfr.legal_versions().to_string(), "MSNP13–MSNP20");
    // The referral ended what little was known; negotiate MSNP13.
    assert_eq!(
        s.observe(Some(ClientToServer), b"VER 2 MSNP13 MSNP12 CVR0"),
        Observation::Other
    );
    assert_eq!(s.version(), None);
    assert_eq!(
        s.observe(Some(ServerToClient), b"VER 2 MSNP13 CVR0"),
        Observation::Version(Some(Version::MSNP13))
    );
    // A request, then its answer.
    assert!(matches!(
        s.observe(Some(ClientToServer), b"XFR 3 SB"),
        Observation::Xfr { answers: None, .. }
    ));
    let obs = s.observe(
        Some(ServerToClient),
        b"XFR 3 SB 10.0.0.2:1863 CKI 1.2.3 U messenger.msn.com",
    );
    assert!(matches!(
        obs,
        Observation::Xfr {
            version: Some(Version::MSNP13),
            result: Ok(_),
            answers: Some(ServerType::Sb)
        }
    ));
    // An error reply to a pending XFR, and one to something else.
    s.observe(Some(ClientToServer), b"XFR 4 SB");
    let obs = s.observe(Some(ServerToClient), b"913 4");
    let Observation::XfrErrorReply {
        reply,
        request,
        version,
    } = obs
    else {
        panic!("{obs:?}")
    };
    assert_eq!(
        (reply.code, reply.trid.0, request, version),
        (
            ErrorCode::NOT_WHILE_HIDDEN,
            4,
            ServerType::Sb,
            Some(Version::MSNP13)
        )
    );
    assert_eq!(
        s.observe(Some(ServerToClient), b"913 4"),
        Observation::Other,
        "answered once"
    );
    assert_eq!(
        s.observe(Some(ServerToClient), b"911 5"),
        Observation::Other,
        "not an XFR's"
    );
    // A line shaped for another version is an error in strict mode.
    let Observation::Xfr { result: Err(e), .. } =
        s.observe(Some(ServerToClient), b"XFR 6 SB 10.0.0.2:1863 CKI 1.2.3")
    else {
        panic!()
    };
    assert!(matches!(
        e,
        Error::Version {
            version: Version::MSNP13,
            ..
        }
    ));
    // Soft reset: the version is forgotten until the next VER.
    s.observe(Some(ServerToClient), b"XFR 0 NS 0");
    assert_eq!(s.version(), None);
    assert_eq!(s.observe(None, b"VER 9 0"), Observation::Version(None));
    assert_eq!(
        s.observe(None, b"VER 9 MSNP24 CVR0"),
        Observation::Version(None)
    );
    assert_eq!(
        s.observe(None, b"VER 9 MSNP21 CVR0"),
        Observation::Version(Some(Version::MSNP21))
    );
}

#[test]
fn session_with_a_fixed_version_ignores_ver() {
    let mut s = Session::with_version(Mode::Lenient, Version::MSNP18);
    assert_eq!(s.observe(None, b"VER 1 MSNP8 CVR0"), Observation::Other);
    let Observation::Xfr {
        version,
        result: Ok(p),
        ..
    } = s.observe(None, b"XFR 9 SB 64.4.37.10:1863 CKI 1234.5678")
    else {
        panic!()
    };
    assert_eq!(version, Some(Version::MSNP18));
    assert!(p.deviations.contains(Deviation::OtherVersion));
    s.observe(None, b"XFR 0 NS 0");
    assert_eq!(s.version(), Some(Version::MSNP18));
}

#[test]
fn session_pending_requests_are_bounded() {
    let mut s = Session::new(Mode::Lenient);
    for trid in 0..1000u32 {
        s.observe(
            Some(Direction::ClientToServer),
            format!("XFR {trid} SB").as_bytes(),
        );
    }
    // The newest MAX_PENDING are remembered; older ones were dropped.
    assert!(matches!(
        s.observe(Some(Direction::ServerToClient), b"913 999"),
        Observation::XfrErrorReply { .. }
    ));
    let oldest = 1000 - msnp_xfr::MAX_PENDING as u32;
    assert!(matches!(
        s.observe(
            Some(Direction::ServerToClient),
            format!("913 {oldest}").as_bytes()
        ),
        Observation::XfrErrorReply { .. }
    ));
    assert_eq!(
        s.observe(
            Some(Direction::ServerToClient),
            format!("913 {}", oldest - 1).as_bytes()
        ),
        Observation::Other
    );
}

/// Regressions from the `stream` fuzz target: an over-long line being skipped must end where
/// the mode says lines end (strict: CRLF only, even split across chunks), or chunking changes
/// the events.
#[test]
fn regression_skipped_long_line_ends_like_any_line() {
    let strict = DecoderConfig::new(Direction::ServerToClient)
        .mode(Mode::Strict)
        .max_line(16);
    let stream = b"AAAAAAAAAAAAAAAAAAAA\nBBBB\r\nXFR 0 NS 0\r\n";
    let whole = run(Decoder::new(strict), &[stream]);
    assert_eq!(whole.len(), 2, "{whole:?}");
    for size in 1..stream.len() {
        let pieces: Vec<&[u8]> = stream.chunks(size).collect();
        assert_eq!(
            run(Decoder::new(strict), &pieces),
            whole,
            "chunks of {size}"
        );
    }
    let stream = b"AAAAAAAAAAAAAAAAAAAAAAAAA\r\nXFR 0 NS 0\r\n";
    let whole = run(Decoder::new(strict), &[stream]);
    assert_eq!(whole.len(), 2, "{whole:?}");
    let (a, b) = stream.split_at(26); // between CR and LF
    assert_eq!(run(Decoder::new(strict), &[a, b]), whole);
    // The crash input itself (base64 of the fuzzer's artifact).
    let crash = decode_base64(
        "LgEDVkVSIDEgTVNOUDggQ1ZSMA0KTVNHIEhvdG1haWwgSG90bWFpbCAzMQ0KWEZSIDUgU0IgMS4xLjEuMToxIENLSSB0cmFwDQoNClhGUiAxMCBTQiAyMDcuNDYuMTA4LjM3OjE4ClhGUiAxMiBOUyAyMDcuNDYuMTA2LjE0NToxODYzIDAgMjA3LjQ2LjEwNC4yMMUxODYzDQpYRlIgMyBDT04wMjMNCjx4bWw+WEZSClhGUi4xMFNCIDEuMQ0K",
    );
    let [config, cut_a, cut_b, stream @ ..] = &crash[..] else {
        panic!()
    };
    let decoder_config = msnp_xfr_testkit::feed::config_from_byte(*config);
    let whole = run(Decoder::new(decoder_config), &[stream]);
    let pieces = chunks(stream, &[usize::from(*cut_a), usize::from(*cut_b)]);
    assert_eq!(run(Decoder::new(decoder_config), &pieces), whole);
}

fn decode_base64(text: &str) -> Vec<u8> {
    let mut buf = vec![0u8; text.len()];
    let n = msnp_xfr::HopBlob::new(text)
        .unwrap()
        .decode(&mut buf)
        .unwrap()
        .len();
    buf.truncate(n);
    buf
}

/// A client sends only requests: its `XFR 12 SB 1` is a request with an extra field (its TrID
/// read, so the server's error reply is matched), not an SB referral with a bad address.
#[test]
fn a_clients_request_with_an_extra_field_is_a_request() {
    for mode in [Mode::Strict, Mode::Lenient] {
        let mut s = Session::with_version(mode, Version::MSNP8);
        assert_eq!(
            s.observe(Some(Direction::ClientToServer), b"XFR 12 SB 1\r\n"),
            Observation::Xfr {
                version: Some(Version::MSNP8),
                result: Err(Error::TrailingData { offset: 10 }),
                answers: None,
            }
        );
        let Observation::XfrErrorReply { reply, request, .. } =
            s.observe(Some(Direction::ServerToClient), b"201 12\r\n")
        else {
            panic!("the error reply to the request is not matched ({mode:?})");
        };
        assert_eq!((reply.code, request), (ErrorCode(201), ServerType::Sb));
        // The same line from the server, or from an unknown side, is a referral gone wrong.
        for direction in [Some(Direction::ServerToClient), None] {
            let Observation::Xfr { result: Err(e), .. } = s.observe(direction, b"XFR 12 SB 1")
            else {
                panic!()
            };
            assert_eq!(e.kind(), "invalid", "{direction:?}");
        }
    }
    // What is not a whole request stays the error it was.
    for (line, kind) in [
        (&b"XFR 12 XX 1"[..], "invalid"),
        (b"XFR x SB 1", "invalid"),
        (b"XFR 12 SB", "ok"),
    ] {
        let got = msnp_xfr::parse_from(
            Some(Direction::ClientToServer),
            line,
            Mode::Lenient,
            Some(Version::MSNP8),
        );
        assert_eq!(got.err().map_or("ok", |e| e.kind()), kind, "{line:?}");
    }
    // Several spaces before the extra field (lenient): the offset is the field's.
    assert_eq!(
        msnp_xfr::parse_from(
            Some(Direction::ClientToServer),
            "XFR 12 NS  junk",
            Mode::Lenient,
            None
        )
        .unwrap_err(),
        Error::TrailingData { offset: 11 }
    );
}
