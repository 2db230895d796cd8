//! What a server builds: referrals in each era's shape, refusals, hop blobs from headers, and
//! translation between versions (known answers; the properties are in `properties.rs`).

use msnp_xfr::{
    Auth, Change, Decoder, DecoderConfig, Direction, Error, ErrorCode, ErrorReply, Event, Field,
    Fill, HopBlob, HopHeaders, NsReferral, Refusal, SbReferral, ServerType, Step, TrId, Version,
    Xfr, parse,
};
use msnp_xfr_testkit::{addr, token, v, vs};

fn written(x: &Xfr<'_>, version: Version) -> String {
    let mut out = Vec::new();
    x.write_to(version, &mut out).unwrap();
    assert_eq!(&parse(&out, version).unwrap(), x, "reads back strictly");
    String::from_utf8(out).unwrap()
}

#[test]
fn sb_referrals_follow_the_eras() {
    let b = SbReferral::builder(10, addr("10.0.0.7", Some(1864)), token("17.1.2"));
    let line = |n: u8| written(&b.build(v(n)).unwrap(), v(n));
    assert_eq!(line(2), "XFR 10 SB 10.0.0.7:1864 CKI 17.1.2\r\n");
    assert_eq!(line(12), "XFR 10 SB 10.0.0.7:1864 CKI 17.1.2\r\n");
    assert_eq!(
        line(13),
        "XFR 10 SB 10.0.0.7:1864 CKI 17.1.2 U messenger.msn.com\r\n"
    );
    assert_eq!(
        line(14),
        "XFR 10 SB 10.0.0.7:1864 CKI 17.1.2 U messenger.msn.com 1\r\n"
    );
    assert_eq!(
        line(21),
        "XFR 10 SB 10.0.0.7:1864 CKI 17.1.2 U messenger.msn.com 1\r\n"
    );
    let gateway_only = b.clone().direct(false).build(v(18)).unwrap();
    assert_eq!(
        written(&gateway_only, v(18)),
        "XFR 10 SB 10.0.0.7:1864 CKI 17.1.2 U messenger.msn.com 0\r\n"
    );
    assert_eq!(b.legal_versions(), vs(2, 21));
    // CTP and MD5: MSNP2–MSNP11 only.
    let ctp = b.clone().auth(Auth::Ctp);
    assert_eq!(
        written(&ctp.build(v(5)).unwrap(), v(5)),
        "XFR 10 SB 10.0.0.7:1864 CTP\r\n"
    );
    assert_eq!(
        ctp.build(v(12)),
        Err(Error::Unbuildable {
            field: Field::AuthMethod,
            version: v(12),
            legal: vs(2, 11),
            missing: false,
        })
    );
    let md5 = b.auth(Auth::Md5(token("salt")));
    assert_eq!(
        written(&md5.build(v(11)).unwrap(), v(11)),
        "XFR 10 SB 10.0.0.7:1864 MD5 salt\r\n"
    );
}

#[test]
fn ns_referrals_ask_for_what_the_era_needs() {
    let next = addr("10.0.0.9", Some(1863));
    let here = addr("10.0.0.1", Some(1863));
    let all = NsReferral::builder(3, next.clone())
        .current(here)
        .hop_count(2)
        .unwrap();
    let line = |n: u8| written(&all.build(v(n)).unwrap(), v(n));
    assert_eq!(line(2), "XFR 3 NS 10.0.0.9:1863\r\n");
    assert_eq!(line(6), "XFR 3 NS 10.0.0.9:1863 0\r\n");
    assert_eq!(line(7), "XFR 3 NS 10.0.0.9:1863 0 10.0.0.1:1863\r\n");
    assert_eq!(line(20), "XFR 3 NS 10.0.0.9:1863 U D\r\n");
    assert_eq!(
        line(21),
        "XFR 3 NS 10.0.0.9:1863 U D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDINCg==\r\n"
    );
    assert_eq!(all.legal_versions(), vs(2, 21));

    // Missing inputs name the field and where the inputs given would do.
    let bare = NsReferral::builder(3, next.clone());
    let err = bare.build(v(8)).unwrap_err();
    assert_eq!(
        err,
        Error::Unbuildable {
            field: Field::CurrentServer,
            version: v(8),
            legal: vs(2, 6).union(vs(13, 20)),
            missing: true,
        }
    );
    assert_eq!(
        err.to_string(),
        "cannot build for MSNP8: the current server is required there; with these inputs the line can be built for MSNP2–MSNP6, MSNP13–MSNP20"
    );
    assert!(matches!(
        bare.build(v(21)),
        Err(Error::Unbuildable {
            field: Field::HopBlob,
            missing: true,
            ..
        })
    ));

    // The gateway: MSNP21, TrID 0, a hop blob.
    let hop = HopBlob::from_headers(&HopHeaders::new(2)).unwrap();
    let gw = NsReferral::builder(0, addr("*.gateway.edge.messenger.live.com", Some(443)))
        .hop(hop.clone())
        .gateway();
    assert_eq!(
        written(&gw.build(v(21)).unwrap(), v(21)),
        "XFR 0 NS *.gateway.edge.messenger.live.com:443 G D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDINCg==\r\n"
    );
    assert_eq!(
        gw.build(v(18)),
        Err(Error::Unbuildable {
            field: Field::ReferralMarker,
            version: v(18),
            legal: vs(21, 21),
            missing: false,
        })
    );
    let gw7 = NsReferral::builder(7, next).hop(hop).gateway();
    assert!(matches!(
        gw7.build(v(21)),
        Err(Error::Unbuildable {
            field: Field::TrId,
            missing: false,
            ..
        })
    ));
    assert!(gw7.legal_versions().is_empty());
}

#[test]
fn a_port_is_always_written() {
    let portless = addr("10.0.0.9", None);
    let err = SbReferral::builder(1, portless.clone(), token("c")).build(v(8));
    assert_eq!(
        err,
        Err(Error::Unbuildable {
            field: Field::Port,
            version: v(8),
            legal: msnp_xfr::VersionSet::EMPTY,
            missing: true,
        })
    );
    let current_portless = NsReferral::builder(1, addr("10.0.0.1", Some(1863))).current(portless);
    assert!(matches!(
        current_portless.build(v(8)),
        Err(Error::Unbuildable {
            field: Field::Port,
            ..
        })
    ));
    // Where the current server is not written, its port does not matter.
    assert!(current_portless.build(v(15)).is_ok());
}

#[test]
fn requests_and_the_soft_reset() {
    assert_eq!(
        written(&Xfr::request(9, ServerType::Sb), v(15)),
        "XFR 9 SB\r\n"
    );
    assert_eq!(written(&Xfr::soft_reset(), v(2)), "XFR 0 NS 0\r\n");
}

#[test]
fn refusals_are_written_and_read_back_as_error_replies() {
    let expected = [
        (Refusal::NotOnline, 913, Some(vs(2, 21))),
        (Refusal::Hidden, 913, Some(vs(2, 12))),
        (Refusal::RateLimited, 800, None),
        (Refusal::AuthFailed, 911, None),
        (Refusal::NsNotOffered, 201, Some(vs(2, 21))),
        (Refusal::SwitchboardFailed, 280, None),
        (Refusal::TransferFailed, 281, None),
        (Refusal::InternalError, 500, None),
        (Refusal::ServerBusy, 600, None),
        (Refusal::ServerUnavailable, 601, None),
    ];
    assert_eq!(expected.len(), Refusal::ALL.len());
    for (refusal, code, versions) in expected {
        assert_eq!(refusal.code(), ErrorCode(code));
        assert_eq!(refusal.versions(), versions, "{refusal:?}");
        let reply = refusal.reply(42);
        let mut line = Vec::new();
        reply.write_to(&mut line).unwrap();
        assert_eq!(line, format!("{code} 42\r\n").as_bytes());
        assert_eq!(reply.to_string(), format!("{code} 42"));
        // A decoder reads it back as the same reply.
        let mut decoder = Decoder::new(DecoderConfig::new(Direction::ServerToClient));
        let Step::Event {
            event: Event::ErrorReply { reply: read, .. },
            ..
        } = decoder.decode(&line)
        else {
            panic!("{line:?}")
        };
        assert_eq!(read, reply);
    }
    // Codes no reader would take for a numeric reply are refused, and nothing is written.
    let mut buf = [b'#'; 16];
    let odd = ErrorReply {
        code: ErrorCode(42),
        trid: TrId(1),
    };
    assert!(matches!(
        odd.write_into(&mut buf),
        Err(Error::OutOfRange {
            field: Field::ReplyCode,
            ..
        })
    ));
    assert_eq!(buf, [b'#'; 16]);
    let mut short = [b'#'; 4];
    assert_eq!(
        Refusal::RateLimited.reply(12).write_into(&mut short),
        Err(Error::BufferTooSmall { needed: 8 })
    );
    assert_eq!(short, [b'#'; 4]);
}

#[test]
fn hop_blobs_from_and_to_headers() {
    let headers = HopHeaders {
        version: 1,
        xfr_count: 3,
        sent_utc_time: Some("11/29/2026 20:00:00"),
        is_geo_xfr: Some(true),
    };
    let blob = HopBlob::from_headers(&headers).unwrap();
    let mut buf = [0u8; 256];
    assert_eq!(blob.headers(&mut buf), Ok(headers));
    let mut plain = [0u8; 256];
    assert_eq!(
        blob.decode(&mut plain).unwrap(),
        b"Version: 1\r\nXfrCount: 3\r\nXfrSentUTCTime: 11/29/2026 20:00:00\r\nIsGeoXfr: true\r\n"
    );
    // Times the blob could not give back as they were.
    for bad in ["", " padded", "line\r\nbreak", "tab\there"] {
        let h = HopHeaders {
            sent_utc_time: Some(bad),
            ..HopHeaders::new(1)
        };
        assert!(HopBlob::from_headers(&h).is_err(), "{bad:?}");
    }
    // A blob without the required headers, and one too small a buffer.
    let odd = HopBlob::encode(b"Version: 1\r\n").unwrap();
    assert!(matches!(
        odd.headers(&mut buf),
        Err(Error::Invalid {
            field: Field::HopBlob,
            ..
        })
    ));
    assert_eq!(
        blob.headers(&mut [0u8; 8]),
        Err(Error::BufferTooSmall {
            needed: blob.decoded_len()
        })
    );
    // Unknown headers are passed over.
    let extra = HopBlob::encode(b"Version: 1\r\nXfrCount: 1\r\nX-Other: y\r\n").unwrap();
    assert_eq!(extra.headers(&mut buf), Ok(HopHeaders::new(1)));
}

#[test]
fn translation_between_versions() {
    let new = parse(
        b"XFR 10 SB 10.0.0.7:1864 CKI 17.1.2 U messenger.msn.com 0",
        v(15),
    )
    .unwrap();
    // To MSNP8 and back: the direct flag is dropped, then comes back from the fill.
    let old = new.translate(v(8), &Fill::new()).unwrap();
    assert_eq!(old.xfr.to_string(), "XFR 10 SB 10.0.0.7:1864 CKI 17.1.2");
    assert_eq!(
        old.changes.to_string(),
        "dropped-domain, dropped-direct-flag"
    );
    let back = old
        .xfr
        .translate(v(15), &Fill::new().direct(false))
        .unwrap();
    assert_eq!(back.xfr, new);
    assert_eq!(back.changes.to_string(), "added-domain, added-direct-flag");
    // The default flag is 1.
    assert!(
        old.xfr
            .translate(v(15), &Fill::new())
            .unwrap()
            .xfr
            .to_string()
            .ends_with(" 1")
    );

    // NS: MSNP8's current server is dropped for MSNP15, and must be given to go back.
    let ns8 = parse(b"XFR 5 NS 10.0.0.5:1863 0 10.0.0.1:1863", v(8)).unwrap();
    let ns15 = ns8.translate(v(15), &Fill::new()).unwrap();
    assert_eq!(ns15.xfr.to_string(), "XFR 5 NS 10.0.0.5:1863 U D");
    assert!(ns15.changes.contains(Change::DroppedCurrentServer));
    assert!(matches!(
        ns15.xfr.translate(v(8), &Fill::new()),
        Err(Error::Unbuildable {
            field: Field::CurrentServer,
            missing: true,
            ..
        })
    ));
    let fill = Fill::new().current(addr("10.0.0.1", Some(1863)));
    assert_eq!(ns15.xfr.translate(v(8), &fill).unwrap().xfr, ns8);
    // To MSNP21: the hop blob of a first referral is added.
    let ns21 = ns15.xfr.translate(v(21), &Fill::new()).unwrap();
    assert_eq!(
        ns21.xfr.to_string(),
        "XFR 5 NS 10.0.0.5:1863 U D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg=="
    );
    assert_eq!(ns21.changes.to_string(), "added-hop-blob");

    // A port-less address gets 1863.
    let portless = parse_lenient_xfr(b"XFR 2 NS 64.4.12.133 0", v(3));
    let t = portless.translate(v(3), &Fill::new()).unwrap();
    assert_eq!(t.xfr.to_string(), "XFR 2 NS 64.4.12.133:1863 0");
    assert_eq!(t.changes.to_string(), "added-port");

    // What cannot be said.
    let ctp = parse(b"XFR 1 SB 10.0.0.2:1863 CTP", v(5)).unwrap();
    assert!(matches!(
        ctp.translate(v(12), &Fill::new()),
        Err(Error::Unbuildable {
            field: Field::AuthMethod,
            ..
        })
    ));
    let gw = parse(
        b"XFR 0 NS gw.example.com:443 G D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDINCg==",
        v(21),
    )
    .unwrap();
    assert!(matches!(
        gw.translate(v(20), &Fill::new()),
        Err(Error::Unbuildable {
            field: Field::ReferralMarker,
            ..
        })
    ));
    // Requests and the soft reset are the same everywhere.
    let r = Xfr::request(4, ServerType::Ns)
        .translate(v(2), &Fill::new())
        .unwrap();
    assert!(r.changes.is_empty());
}

/// A port-less current server that the target version drops: the port it would have got is no
/// change of the translated value, which holds no current server at all.
#[test]
fn a_dropped_current_server_reports_no_added_port() {
    let ns8 = parse_lenient_xfr(b"XFR 5 NS 10.0.0.5:1863 0 10.0.0.1", v(8));
    let ns15 = ns8.translate(v(15), &Fill::new()).unwrap();
    assert_eq!(ns15.xfr.to_string(), "XFR 5 NS 10.0.0.5:1863 U D");
    assert_eq!(ns15.changes.to_string(), "dropped-current-server");
    // Kept (MSNP8 to MSNP8), the current server does get its port.
    let kept = ns8.translate(v(8), &Fill::new()).unwrap();
    assert_eq!(
        kept.xfr.to_string(),
        "XFR 5 NS 10.0.0.5:1863 0 10.0.0.1:1863"
    );
    assert_eq!(kept.changes.to_string(), "added-port");
    // Both port-less and the current server dropped: the server's own port is still reported.
    let both = parse_lenient_xfr(b"XFR 5 NS 10.0.0.5 0 10.0.0.1", v(8));
    let t = both.translate(v(15), &Fill::new()).unwrap();
    assert_eq!(t.xfr.to_string(), "XFR 5 NS 10.0.0.5:1863 U D");
    assert_eq!(t.changes.to_string(), "dropped-current-server, added-port");
}

fn parse_lenient_xfr(line: &[u8], version: Version) -> Xfr<'_> {
    msnp_xfr::parse_lenient(line, version).unwrap().xfr
}
