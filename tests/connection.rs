//! `Connection`: both directions' bytes to session knowledge in one pass.

use msnp_xfr::Direction::{self, ClientToServer as C, ServerToClient as S};
use msnp_xfr::{
    Connection, ConnectionEvent, DEFAULT_MAX_PAYLOAD, ErrorCode, Mode, Observation, ServerType,
    Session, Step, Version, Xfr,
};
use proptest::prelude::*;

/// One client's session with a notification server: the version, a payload that holds a
/// command-like line, a request refused, one answered, and a referral that ends the version.
const EXCHANGE: &[(Direction, &[u8])] = &[
    (C, b"VER 1 MSNP15 MSNP14 CVR0\r\n"),
    (C, b"XFR 2 SB\r\n"),
    (S, b"VER 1 MSNP15 CVR0\r\n"),
    (
        S,
        b"MSG Hotmail Hotmail 26\r\nXFR 9 NS 10.0.0.9:1863\r\n\r\n",
    ),
    (S, b"913 2\r\n"),
    (C, b"XFR 3 SB\r\n"),
    (
        S,
        b"XFR 3 SB 10.0.0.2:1863 CKI 17.1.2 U messenger.msn.com 1\r\n",
    ),
    (C, b"XFR 4 SB\r\n"),
    (S, b"XFR 4 SB 10.0.0.3:1863  CKI 17.1.3\r\n"),
    (S, b"XFR 0 NS 10.0.0.5:1863 U D\r\n"),
    (S, b"XFR 5 SB 10.0.0.4:1863 CKI 4\r\n"),
];

/// What a connection sees, one summary per line, feeding each direction's bytes cut at `cuts`.
fn summaries(mode: Mode, cuts: &[usize]) -> Vec<String> {
    let mut conn = Connection::new(mode);
    let mut pending: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut out = Vec::new();
    let mut cut = cuts.iter().cycle();
    for &(direction, bytes) in EXCHANGE {
        let buf = &mut pending[direction as usize];
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = (*cut.next().unwrap()).clamp(1, rest.len());
            buf.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            loop {
                match conn.decode(direction, buf) {
                    Step::Event { event, consumed } => {
                        out.push(summary(direction, &event));
                        buf.drain(..consumed);
                    }
                    Step::NeedMore { consumed } => {
                        buf.drain(..consumed);
                        break;
                    }
                }
            }
        }
    }
    out
}

fn v(version: &Option<Version>) -> String {
    version.map_or("-".to_string(), |v| v.to_string())
}

fn summary(direction: Direction, event: &ConnectionEvent<'_>) -> String {
    match event {
        ConnectionEvent::Line {
            verb,
            payload,
            observation,
            ..
        } => {
            let seen = match observation {
                Observation::Xfr {
                    version,
                    result,
                    answers,
                } => format!(
                    "xfr {} {:?} answers {answers:?}",
                    v(version),
                    result.as_ref().map(|p| (p.xfr.kind(), p.deviations))
                ),
                Observation::XfrErrorReply {
                    version,
                    reply,
                    request,
                } => format!("error {} to {request} in {}", reply.code.0, v(version)),
                Observation::Version(version) => format!("version {}", v(version)),
                Observation::Other => "other".to_string(),
                _ => unreachable!(),
            };
            format!("{direction} {verb} {payload:?}: {seen}")
        }
        other => format!("{direction} {other:?}"),
    }
}

#[test]
fn one_pass_follows_the_version_and_matches_replies() {
    let seen = summaries(Mode::Lenient, &[usize::MAX]);
    assert_eq!(
        seen,
        [
            "C VER None: other",
            "C XFR None: xfr - Ok((Request, {})) answers None",
            "S VER None: version MSNP15",
            "S MSG Some(26): other",
            "S 913 None: error 913 to SB in MSNP15",
            "C XFR None: xfr MSNP15 Ok((Request, {})) answers None",
            "S XFR None: xfr MSNP15 Ok((Sb, {})) answers Some(Sb)",
            "C XFR None: xfr MSNP15 Ok((Request, {})) answers None",
            "S XFR None: xfr MSNP15 Ok((Sb, {ExtraWhitespace, OtherVersion})) answers Some(Sb)",
            "S XFR None: xfr MSNP15 Ok((Ns, {})) answers None",
            // The referral ended what was known: judged against every version.
            "S XFR None: xfr - Ok((Sb, {})) answers None",
        ]
    );
}

/// The connection makes of each line what a session does of the same lines in the same order.
#[test]
fn the_same_as_a_session_over_lines() {
    let mut session = Session::new(Mode::Strict);
    let mut expected = Vec::new();
    for &(direction, bytes) in EXCHANGE {
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            // The MSG payload is not a line to the connection.
            if line.starts_with(b"XFR 9 NS") || line == b"\r\n" {
                continue;
            }
            let observation = session.observe(Some(direction), line);
            expected.push(format!("{direction} {observation:?}"));
        }
    }
    let mut conn = Connection::new(Mode::Strict);
    let mut got = Vec::new();
    for &(direction, bytes) in EXCHANGE {
        let mut buf = bytes;
        while let Step::Event { event, consumed } = conn.decode(direction, buf) {
            let ConnectionEvent::Line { observation, .. } = event else {
                panic!("{event:?}")
            };
            got.push(format!("{direction} {observation:?}"));
            buf = &buf[consumed..];
        }
    }
    assert_eq!(got, expected);
}

#[test]
fn a_fixed_version_ignores_ver() {
    let mut conn = Connection::with_version(Mode::Strict, Version::MSNP8);
    let Step::Event { .. } = conn.decode(S, b"VER 1 MSNP15 CVR0\r\n") else {
        panic!()
    };
    let Step::Event {
        event:
            ConnectionEvent::Line {
                observation:
                    Observation::Xfr {
                        version, result, ..
                    },
                ..
            },
        ..
    } = conn.decode(S, b"XFR 3 SB 10.0.0.2:1863 CKI 17.1.2\r\n")
    else {
        panic!()
    };
    assert_eq!(version, Some(Version::MSNP8));
    assert!(matches!(result.unwrap().xfr, Xfr::Sb(_)));
}

#[test]
fn an_impossible_payload_stops_one_direction_until_resync() {
    let mut conn = Connection::new(Mode::Lenient);
    let stream = format!("MSG 1 N {}\r\nXFR 0 NS 0\r\n", DEFAULT_MAX_PAYLOAD + 1);
    let Step::Event { event, consumed } = conn.decode(S, stream.as_bytes()) else {
        panic!()
    };
    assert!(
        matches!(event, ConnectionEvent::PayloadTooLong { limit, .. } if limit == DEFAULT_MAX_PAYLOAD)
    );
    assert!(conn.decoder(S).is_lost());
    assert_eq!(
        conn.decode(S, &stream.as_bytes()[consumed..]),
        Step::NeedMore {
            consumed: stream.len() - consumed
        }
    );
    // The other direction goes on.
    assert!(matches!(
        conn.decode(C, b"XFR 7 SB\r\n"),
        Step::Event {
            event: ConnectionEvent::Line { .. },
            ..
        }
    ));
    // After a resync the next line end is found and the line after it read.
    conn.resync(S);
    let mut buf: &[u8] = b"tail of something\r\n913 7\r\n";
    let mut seen = Vec::new();
    while let Step::Event { event, consumed } = conn.decode(S, buf) {
        seen.push(event);
        buf = &buf[consumed..];
    }
    assert!(
        matches!(
            &seen[..],
            [ConnectionEvent::Line { observation: Observation::XfrErrorReply { reply, request: ServerType::Sb, .. }, .. }]
                if reply.code == ErrorCode::NOT_WHILE_HIDDEN
        ),
        "{seen:?}"
    );
}

#[test]
fn lines_too_long_are_reported_per_direction() {
    let mut conn = Connection::new(Mode::Lenient);
    let long = format!("MSG {}\r\nXFR 1 SB\r\n", "x".repeat(5000));
    let Step::Event { event, .. } = conn.decode(C, long.as_bytes()) else {
        panic!()
    };
    assert_eq!(event, ConnectionEvent::LineTooLong { limit: 4096 });
}

proptest! {
    /// However each direction's bytes are cut, the connection sees the same lines.
    #[test]
    fn any_chunking_gives_the_same_events(cuts in prop::collection::vec(1usize..30, 1..20)) {
        prop_assert_eq!(summaries(Mode::Lenient, &cuts), summaries(Mode::Lenient, &[usize::MAX]));
        prop_assert_eq!(summaries(Mode::Strict, &cuts), summaries(Mode::Strict, &[usize::MAX]));
    }
}
