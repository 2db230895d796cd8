//! The `serde` feature: the documented JSON shape, round trips, and validation on the way in.
#![cfg(feature = "serde")]

use msnp_xfr::{Deviation, Deviations, Version, VersionSet, Xfr, parse, parse_lenient};
use serde_json::json;

fn to_json(x: &Xfr<'_>) -> serde_json::Value {
    serde_json::to_value(x).unwrap()
}

#[test]
fn documented_shapes() {
    let cases = [
        (
            "XFR 1 SB",
            Version::MSNP8,
            json!({"kind": "request", "trid": 1, "server": "SB"}),
        ),
        ("XFR 0 NS 0", Version::MSNP8, json!({"kind": "reset"})),
        (
            "XFR 2 NS 207.46.106.145:1863",
            Version::MSNP2,
            json!({"kind": "ns", "trid": 2, "server": {"host": "207.46.106.145", "port": 1863}, "form": "bare"}),
        ),
        (
            "XFR 5 NS 10.0.0.5:1863 0 10.0.0.1:1864",
            Version::MSNP8,
            json!({"kind": "ns", "trid": 5, "server": {"host": "10.0.0.5", "port": 1863},
                   "form": {"current": {"host": "10.0.0.1", "port": 1864}}}),
        ),
        (
            "XFR 6 NS 10.0.0.5:1863 U D",
            Version::MSNP13,
            json!({"kind": "ns", "trid": 6, "server": {"host": "10.0.0.5", "port": 1863}, "form": "ud"}),
        ),
        (
            "XFR 0 NS *.gateway.edge.messenger.live.com:443 G D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==",
            Version::MSNP21,
            json!({"kind": "ns", "trid": 0, "server": {"host": "*.gateway.edge.messenger.live.com", "port": 443},
                   "form": {"gateway": "VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg=="}}),
        ),
        (
            "XFR 11 SB 10.0.0.9:1863 CTP",
            Version::MSNP9,
            json!({"kind": "sb", "trid": 11, "server": {"host": "10.0.0.9", "port": 1863}, "auth": "CTP", "form": "classic"}),
        ),
        (
            "XFR 14 SB 10.0.0.9:1863 CKI 1.2.3 U messenger.msn.com 0",
            Version::MSNP18,
            json!({"kind": "sb", "trid": 14, "server": {"host": "10.0.0.9", "port": 1863},
                   "auth": {"CKI": "1.2.3"}, "form": {"direct": false}}),
        ),
    ];
    for (line, version, expected) in cases {
        let x = parse(line.as_bytes(), version).unwrap();
        assert_eq!(to_json(&x), expected, "{line}");
        let back: Xfr<'static> = serde_json::from_value(expected).unwrap();
        assert_eq!(back, x);
    }
    let portless = parse_lenient(b"XFR 2 NS 64.4.12.133 0", Version::MSNP3).unwrap();
    assert_eq!(
        to_json(&portless.xfr)["server"],
        json!({"host": "64.4.12.133", "port": null})
    );
    assert_eq!(
        serde_json::to_value(portless.deviations).unwrap(),
        json!(["missing-port"])
    );
}

#[test]
fn every_xfr_of_a_generated_corpus_round_trips() {
    let mut seen = 0;
    for (line, version) in msnp_xfr_testkit::corpus::lines(500) {
        let p = parse_lenient(&line, version).unwrap();
        let text = serde_json::to_string(&p.xfr).unwrap();
        let back: Xfr<'static> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p.xfr);
        let devs: Deviations =
            serde_json::from_str(&serde_json::to_string(&p.deviations).unwrap()).unwrap();
        assert_eq!(devs, p.deviations);
        seen += 1;
    }
    assert_eq!(seen, 500);
}

#[test]
fn versions_and_sets() {
    assert_eq!(
        serde_json::to_value(Version::MSNP13).unwrap(),
        json!("MSNP13")
    );
    assert_eq!(
        serde_json::from_value::<Version>(json!("13")).unwrap(),
        Version::MSNP13
    );
    let set = VersionSet::range(Version::MSNP7, Version::MSNP9);
    assert_eq!(
        serde_json::to_value(set).unwrap(),
        json!(["MSNP7", "MSNP8", "MSNP9"])
    );
    assert_eq!(
        serde_json::from_value::<VersionSet>(json!(["MSNP7", "MSNP8", "MSNP9"])).unwrap(),
        set
    );
    assert!(serde_json::from_value::<Version>(json!("MSNP24")).is_err());
    assert_eq!(
        serde_json::from_value::<Deviation>(json!("other-version")).unwrap(),
        Deviation::OtherVersion
    );
    assert!(serde_json::from_value::<Deviation>(json!("nope")).is_err());
}

#[test]
fn invalid_fields_are_refused_on_the_way_in() {
    let bad = [
        json!({"kind": "ns", "trid": 1, "server": {"host": "bad host", "port": 1863}, "form": "bare"}),
        json!({"kind": "ns", "trid": 1, "server": {"host": "10.0.0.1", "port": 0}, "form": "bare"}),
        json!({"kind": "ns", "trid": 1, "server": {"host": "10.0.0.1", "port": 70000}, "form": "bare"}),
        json!({"kind": "ns", "trid": 1, "server": {"host": "10.0.0.1", "port": 1}, "form": {"hop": "not base64!"}}),
        json!({"kind": "sb", "trid": 1, "server": {"host": "10.0.0.1", "port": 1}, "auth": {"CKI": "two words"}, "form": "classic"}),
        json!({"kind": "sb", "trid": 1, "server": {"host": "10.0.0.1", "port": 1}, "auth": {"CKI": "x\r\nXFR"}, "form": "classic"}),
        json!({"kind": "sb", "trid": -1, "server": {"host": "10.0.0.1", "port": 1}, "auth": "CTP", "form": "classic"}),
        json!({"kind": "con", "trid": 1}),
    ];
    for value in bad {
        assert!(
            serde_json::from_value::<Xfr<'static>>(value.clone()).is_err(),
            "{value}"
        );
    }
}
