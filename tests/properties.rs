//! Property tests: generated values of every shape, written and read back for every version;
//! mutated lines; chunked streams. Parse, write and the version rules must agree.

use msnp_xfr::{
    Address, Auth, Decoder, DecoderConfig, Direction, Fill, HopBlob, Host, Mode, NsForm,
    NsReferral, Port, Request, SbForm, SbReferral, ServerType, Token, TrId, Version, Xfr, parse,
    parse_lenient, parse_with,
};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use msnp_xfr_testkit::feed::{chunks, events};

fn trid() -> impl Strategy<Value = TrId> {
    prop_oneof![Just(0), Just(u32::MAX), 0..100u32, any::<u32>()].prop_map(TrId)
}

fn host() -> impl Strategy<Value = Host<'static>> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|[a, b, c, d]| format!("{a}.{b}.{c}.{d}")),
        "(\\*\\.)?[a-z]([a-z0-9-]{0,10}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?){0,3}",
    ]
    .prop_map(|text| Host::new(&text).unwrap().into_owned())
}

/// Mostly with a port; sometimes without, as lenient mode reads some servers' lines.
fn address() -> impl Strategy<Value = Address<'static>> {
    let port = prop_oneof![
        20 => (1..=u16::MAX).prop_map(Some),
        5 => Just(Some(1863)),
        1 => Just(None),
    ];
    (host(), port).prop_map(|(host, port)| Address::new(host, port.and_then(Port::new)))
}

/// The cookie shapes real servers sent, and anything printable.
fn token() -> impl Strategy<Value = Token<'static>> {
    prop_oneof![
        "[0-9]{1,9}\\.[0-9]{1,10}\\.[0-9]{1,5}",
        "[0-9]{1,10}\\.[0-9]{1,5}",
        "0[0-9]{1,4}\\.0[0-9]{1,4}\\.0[0-9]{1,4}",
        "[0-9a-f]{20}",
        "[A-Za-z0-9]{25}",
        "[a-z]{1,12}",
        "[!-~]{1,40}",
    ]
    .prop_map(|text| Token::new(&text).unwrap().into_owned())
}

fn hop() -> impl Strategy<Value = HopBlob<'static>> {
    (any::<u16>(), any::<bool>(), "[ -~]{0,30}").prop_map(|(count, geo, extra)| {
        let mut text = format!("Version: 1\r\nXfrCount: {count}\r\n");
        if geo {
            text.push_str("IsGeoXfr: true\r\n");
        }
        text.push_str(&extra);
        HopBlob::encode(text.as_bytes()).unwrap()
    })
}

fn ns_form() -> impl Strategy<Value = NsForm<'static>> {
    prop_oneof![
        Just(NsForm::Bare),
        Just(NsForm::Zero),
        address().prop_map(NsForm::Current),
        Just(NsForm::UD),
        hop().prop_map(NsForm::Hop),
        hop().prop_map(NsForm::Gateway),
    ]
}

fn auth() -> impl Strategy<Value = Auth<'static>> {
    prop_oneof![
        4 => token().prop_map(Auth::Cki),
        1 => Just(Auth::Ctp),
        1 => token().prop_map(Auth::Md5),
    ]
}

fn sb_form() -> impl Strategy<Value = SbForm> {
    prop_oneof![
        Just(SbForm::Classic),
        Just(SbForm::Domain),
        any::<bool>().prop_map(SbForm::Direct),
    ]
}

fn xfr() -> impl Strategy<Value = Xfr<'static>> {
    let server = prop_oneof![Just(ServerType::Sb), Just(ServerType::Ns)];
    prop_oneof![
        1 => (trid(), server).prop_map(|(trid, server)| Xfr::Request(Request { trid, server })),
        1 => Just(Xfr::SoftReset),
        4 => (trid(), address(), ns_form())
            .prop_map(|(trid, server, form)| Xfr::Ns(NsReferral { trid, server, form })),
        4 => (trid(), address(), auth(), sb_form()).prop_map(|(trid, server, auth, form)| {
            Xfr::Sb(SbReferral { trid, server, auth, form })
        }),
    ]
}

fn version() -> impl Strategy<Value = Version> {
    (2u8..=21).prop_map(|n| Version::new(n).unwrap())
}

proptest! {
    // Failing cases are kept in `proptest-regressions/` at the crate root and replayed first.
    #![proptest_config(ProptestConfig {
        cases: 4096,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    })]

    /// value → write_to(v) → parse(v) gives the same value, in every legal version.
    #[test]
    fn write_then_parse_is_identity(x in xfr()) {
        for v in x.legal_versions() {
            let mut out = Vec::new();
            x.write_to(v, &mut out).unwrap();
            prop_assert_eq!(&out, &format!("{x}\r\n").into_bytes());
            prop_assert_eq!(parse(&out, v).unwrap(), x.clone());
        }
    }

    /// write_to(v) succeeds exactly in legal_versions(); so does strict parse of the line.
    #[test]
    fn writer_parser_and_rules_agree(x in xfr()) {
        let legal = x.legal_versions();
        let line = x.to_string();
        for v in Version::all() {
            let mut out = Vec::new();
            let written = x.write_to(v, &mut out);
            prop_assert_eq!(written.is_ok(), legal.contains(v), "write {} in {}: {:?}", line, v, written);
            prop_assert_eq!(written.is_err(), out.is_empty());
            let parsed = parse(line.as_bytes(), v);
            prop_assert_eq!(parsed.is_ok(), legal.contains(v), "parse {} in {}: {:?}", line, v, parsed);
        }
        // Without a version, strict parsing accepts exactly the lines some version allows.
        let any = parse_with(line.as_bytes(), Mode::Strict, None);
        prop_assert_eq!(any.is_ok(), !legal.is_empty());
    }

    /// Every strictly valid line parses leniently to the same value, with nothing to report
    /// but advisory notes.
    #[test]
    fn strict_lines_are_lenient_lines(x in xfr()) {
        for v in x.legal_versions() {
            let line = format!("{x}\r\n");
            let p = parse_lenient(line.as_bytes(), v).unwrap();
            prop_assert_eq!(&p.xfr, &x);
            prop_assert!(p.deviations.is_strict(), "{:?}", p.deviations);
        }
    }

    /// Leniently read values are written in their own shape and read back the same, with
    /// exactly the deviations the value calls for.
    #[test]
    fn lenient_values_display_and_reparse(x in xfr(), v in version()) {
        use msnp_xfr::Deviation::*;
        let line = x.to_string();
        let p = parse_lenient(line.as_bytes(), v).unwrap();
        prop_assert_eq!(&p.xfr, &x);
        prop_assert_eq!(p.deviations.contains(MissingPort), portless(&x));
        prop_assert_eq!(p.deviations.contains(OtherVersion), !x.shape_versions().contains(v));
        prop_assert_eq!(p.deviations.contains(MixedVersions), x.shape_versions().is_empty());
        prop_assert_eq!(p.deviations.contains(SwitchboardInMsnp21), matches!(x, Xfr::Sb(_)) && v == Version::MSNP21);
        prop_assert_eq!(p.deviations.len(), [MissingPort, OtherVersion, MixedVersions, SwitchboardInMsnp21].iter().filter(|d| p.deviations.contains(**d)).count());
    }

    /// Whatever the public constructors accept, the writer writes and the strict reader of that
    /// version reads back to the same value: field values from any text or bytes (most of which
    /// the constructors refuse), put together in any shape.
    #[test]
    fn constructed_values_write_only_what_reads_back(
        host in prop_oneof![
            4 => host().prop_map(|h| h.to_string()),
            1 => "[ -~]{0,12}",
            1 => "[0-9.]{1,16}",
            1 => "[a-z0-9.*-]{1,70}",
        ],
        port in any::<u16>(),
        with_port in any::<bool>(),
        text in prop_oneof!["[ -~]{0,12}", "[!-~]{1,40}", "[!-~]{1020,1030}"],
        hop_bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..4),
            prop::collection::vec(any::<u8>(), 0..800),
            prop::collection::vec(any::<u8>(), 760..780),
        ],
        hop_text in "[A-Za-z0-9+/=]{0,12}",
        trid in trid(),
        shape in 0u8..12,
        direct in any::<bool>(),
    ) {
        let Ok(host) = Host::new(&host) else { return Ok(()) };
        let port = if with_port { Port::new(port) } else { None };
        let address = Address::new(host, port);
        // The address reads back from its own text, as it displays.
        let shown = address.to_string();
        prop_assert_eq!(Address::parse(&shown), Ok(address.clone()));
        let token = Token::new(&text);
        let hop = if shape % 2 == 0 { HopBlob::encode(&hop_bytes) } else { HopBlob::new(&hop_text).map(HopBlob::into_owned) };
        let x = match (shape, token, hop) {
            (0, _, _) => Xfr::Ns(NsReferral { trid, server: address, form: NsForm::Bare }),
            (1, _, _) => Xfr::Ns(NsReferral { trid, server: address, form: NsForm::Zero }),
            (2, _, _) => Xfr::Ns(NsReferral { trid, server: address.clone(), form: NsForm::Current(address) }),
            (3, _, _) => Xfr::Ns(NsReferral { trid, server: address, form: NsForm::UD }),
            (4 | 5, _, Ok(hop)) => Xfr::Ns(NsReferral { trid, server: address, form: NsForm::Hop(hop) }),
            (6 | 7, _, Ok(hop)) => Xfr::Ns(NsReferral { trid, server: address, form: NsForm::Gateway(hop) }),
            (8, Ok(t), _) => Xfr::Sb(SbReferral { trid, server: address, auth: Auth::Cki(t), form: SbForm::Direct(direct) }),
            (9, Ok(t), _) => Xfr::Sb(SbReferral { trid, server: address, auth: Auth::Md5(t), form: SbForm::Domain }),
            (10, _, _) => Xfr::Sb(SbReferral { trid, server: address, auth: Auth::Ctp, form: SbForm::Classic }),
            (11, Ok(t), _) => Xfr::Sb(SbReferral { trid, server: address, auth: Auth::Cki(t), form: SbForm::Classic }),
            _ => return Ok(()),
        };
        for v in Version::all() {
            let mut out = Vec::new();
            let mut buf = [0u8; 2048];
            match x.write_to(v, &mut out) {
                Ok(()) => {
                    prop_assert_eq!(parse(&out, v), Ok(x.clone()), "{}", String::from_utf8_lossy(&out));
                    prop_assert_eq!(x.write_into(v, &mut buf), Ok(out.len()));
                    prop_assert_eq!(&buf[..out.len()], &out[..]);
                }
                Err(e) => {
                    prop_assert!(out.is_empty());
                    prop_assert_eq!(x.write_into(v, &mut buf), Err(e));
                }
            }
        }
        let shown = x.to_string();
        prop_assert_eq!(parse_lenient(shown.as_bytes(), Version::MSNP21).map(|p| p.xfr), Ok(x.clone()));
    }

    /// Whatever a builder builds writes, and strictly reads back, in the version it was built
    /// for; where it refuses, the versions it names are exactly those it builds for.
    #[test]
    fn builders_build_what_reads_back(
        trid in trid(),
        server in address(),
        current in prop::option::of(address()),
        hop in prop::option::of(hop()),
        auth in auth(),
        direct in any::<bool>(),
        gateway in any::<bool>(),
        kind in any::<bool>(),
    ) {
        let check = |built: Result<Xfr<'static>, msnp_xfr::Error>, v: Version, legal: msnp_xfr::VersionSet| -> Result<(), TestCaseError> {
            match built {
                Ok(x) => {
                    prop_assert!(legal.contains(v));
                    let mut out = Vec::new();
                    x.write_to(v, &mut out).unwrap();
                    prop_assert_eq!(parse(&out, v).unwrap(), x);
                }
                Err(msnp_xfr::Error::Unbuildable { version, legal: named, .. }) => {
                    prop_assert_eq!(version, v);
                    prop_assert_eq!(named, legal);
                    prop_assert!(!legal.contains(v));
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
            Ok(())
        };
        if kind {
            let b = SbReferral::builder(trid, server, Token::new("c.1").unwrap()).auth(auth).direct(direct);
            let legal = b.legal_versions();
            for v in Version::all() {
                check(b.build(v), v, legal)?;
            }
        } else {
            let mut b = NsReferral::builder(trid, server);
            if let Some(c) = current { b = b.current(c); }
            if let Some(h) = hop { b = b.hop(h); }
            if gateway { b = b.gateway(); }
            let legal = b.legal_versions();
            for v in Version::all() {
                check(b.build(v), v, legal)?;
            }
        }
    }

    /// Translating to a version and back, with the original's own fields as the fill, gives the
    /// original; what a translation gives writes and reads back in its version.
    #[test]
    fn translation_there_and_back_keeps_every_shared_field(x in xfr(), to in version(), pick in any::<prop::sample::Index>()) {
        let legal: Vec<Version> = x.legal_versions().iter().collect();
        if legal.is_empty() {
            return Ok(());
        }
        let from = legal[pick.index(legal.len())];
        let mut fill = Fill::new();
        match &x {
            Xfr::Ns(ns) => match &ns.form {
                NsForm::Current(c) => fill = fill.current(c.clone()),
                NsForm::Hop(h) | NsForm::Gateway(h) => fill = fill.hop(h.clone()),
                _ => {}
            },
            Xfr::Sb(sb) => {
                if let SbForm::Direct(d) = sb.form {
                    fill = fill.direct(d);
                }
            }
            _ => {}
        }
        let there = match x.translate(to, &Fill::new()) {
            Ok(t) => t,
            Err(msnp_xfr::Error::Unbuildable { .. }) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let mut out = Vec::new();
        there.xfr.write_to(to, &mut out).unwrap();
        prop_assert_eq!(&parse(&out, to).unwrap(), &there.xfr);
        if x.legal_versions().contains(to) {
            prop_assert_eq!(&there.xfr, &x);
            prop_assert!(there.changes.is_empty());
        }
        let back = there.xfr.translate(from, &fill).unwrap();
        prop_assert_eq!(back.xfr, x);
    }

    /// A hop blob made from headers gives them back.
    #[test]
    fn hop_headers_round_trip(version in any::<u32>(), count in any::<u32>(), time in prop::option::of("[!-~]([ -~]{0,30}[!-~])?"), geo in prop::option::of(any::<bool>())) {
        let headers = msnp_xfr::HopHeaders { version, xfr_count: count, sent_utc_time: time.as_deref(), is_geo_xfr: geo };
        let blob = HopBlob::from_headers(&headers).unwrap();
        let mut buf = [0u8; 1024];
        prop_assert_eq!(blob.headers(&mut buf).unwrap(), headers);
        let line = format!("XFR 4 NS 10.0.0.1:1863 U D {}", blob.as_str());
        prop_assert!(parse(line.as_bytes(), Version::MSNP21).is_ok());
    }

    /// A mutated valid line never panics; whatever parses writes a line that parses again to
    /// the same value.
    #[test]
    fn mutated_lines_never_panic_and_never_misread(
        x in xfr(),
        mutations in prop::collection::vec((0u8..6, any::<prop::sample::Index>(), any::<u8>(), any::<prop::sample::Index>()), 1..4),
    ) {
        let mut line = format!("{x}\r\n").into_bytes();
        for (kind, at, byte, other) in mutations {
            mutate(&mut line, kind, at, byte, other);
        }
        for v in Version::all() {
            if let Ok(y) = parse(&line, v) {
                let mut out = Vec::new();
                y.write_to(v, &mut out).unwrap();
                prop_assert_eq!(parse(&out, v).unwrap(), y);
            }
            if let Ok(p) = parse_lenient(&line, v) {
                let written = p.xfr.to_string();
                let again = parse_lenient(written.as_bytes(), v).unwrap();
                prop_assert_eq!(again.xfr, p.xfr);
            }
        }
    }

    /// The decoder gives the same events for any chunking and never consumes more than given.
    #[test]
    fn decoder_is_chunking_invariant(
        items in prop::collection::vec((xfr(), 0u8..8, "[ -~]{0,20}", 0usize..25), 1..12),
        cuts in prop::collection::vec(1usize..40, 1..50),
        mode in prop_oneof![Just(Mode::Strict), Just(Mode::Lenient)],
    ) {
        let mut stream = Vec::new();
        for (x, filler, text, zeros) in &items {
            let zeros = "0".repeat(*zeros);
            match filler {
                0 => stream.extend_from_slice(format!("MSG a b {}\r\n{text}", text.len()).as_bytes()),
                1 => stream.extend_from_slice(format!("{text}\n").as_bytes()),
                2 => stream.extend_from_slice(format!("913 {}\r\n", x.trid()).as_bytes()),
                // Lengths with leading zeros, numeric replies with a payload (whose body may
                // hold a whole line), and a length no payload can have.
                3 => stream.extend_from_slice(format!("NOT {zeros}{}\r\n{text}", text.len()).as_bytes()),
                4 => stream.extend_from_slice(format!("241 {} {zeros}{}\r\n{text}\r\n", x.trid(), text.len() + 2).as_bytes()),
                5 if text.len() < 3 => stream.extend_from_slice(format!("MSG a b {zeros}99999999999999999999\r\n").as_bytes()),
                _ => {}
            }
            stream.extend_from_slice(format!("{x}\r\n").as_bytes());
        }
        let config = DecoderConfig::new(Direction::ServerToClient).mode(mode).max_line(128);
        let whole = events(Decoder::new(config), &[&stream]);
        let pieces = chunks(&stream, &cuts);
        prop_assert_eq!(events(Decoder::new(config), &pieces), whole);
    }
}

fn portless(x: &Xfr<'_>) -> bool {
    match x {
        Xfr::Ns(ns) => {
            ns.server.port.is_none() || matches!(&ns.form, NsForm::Current(c) if c.port.is_none())
        }
        Xfr::Sb(sb) => sb.server.port.is_none(),
        _ => false,
    }
}

/// Applies one mutation: insert, delete or replace a byte, double a space, swap two fields, or
/// truncate.
fn mutate(
    line: &mut Vec<u8>,
    kind: u8,
    at: prop::sample::Index,
    byte: u8,
    other: prop::sample::Index,
) {
    if line.is_empty() {
        line.push(byte);
        return;
    }
    let i = at.index(line.len());
    match kind {
        0 => line.insert(i, byte),
        1 => {
            line.remove(i);
        }
        2 => line[i] = byte,
        3 => {
            if let Some(space) = line[i..].iter().position(|&b| b == b' ') {
                line.insert(i + space, b' ');
            }
        }
        4 => {
            let mut fields: Vec<Vec<u8>> = line.split(|&b| b == b' ').map(<[u8]>::to_vec).collect();
            let (a, b) = (at.index(fields.len()), other.index(fields.len()));
            fields.swap(a, b);
            *line = fields.join(&b' ');
        }
        _ => line.truncate(i),
    }
}
