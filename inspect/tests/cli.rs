//! The `msnp-inspect` binary as a user runs it: the embedded samples, JSON Lines with the
//! documented keys, several files and stdin, forced formats, and every exit status.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Every key of a JSON record, in order: the first twenty are the original ones, the others
/// were added at the end.
const KEYS: [&str; 31] = [
    "file",
    "line",
    "dir",
    "version",
    "ok",
    "kind",
    "trid",
    "server",
    "host",
    "port",
    "auth",
    "cookie",
    "current",
    "direct",
    "hop",
    "gateway",
    "code",
    "legal_in",
    "deviations",
    "canonical",
    "error",
    "conn",
    "raw",
    "time",
    "frame",
    "truncated",
    "framing_uncertain",
    "gateway_session",
    "followed_by",
    "tcp_stream",
    "log_format",
];

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn inspect(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_msnp-inspect"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn records(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn record_at(records: &[Value], line: u64) -> &Value {
    records
        .iter()
        .find(|r| r["line"] == line && r["file"] == "sample:transcript.log")
        .unwrap_or_else(|| panic!("no record for line {line}"))
}

#[test]
fn sample_json_has_every_xfr_with_exact_keys() {
    let out = inspect(&["--json", "--samples"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = records(&out);
    assert_eq!(records.len(), 57);
    for r in &records {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, KEYS);
        assert_eq!(r["ok"], true);
        assert_eq!(r["truncated"], false);
        // Logs have lines, captures frames.
        assert_ne!(r["line"].is_null(), r["frame"].is_null());
    }
    // The loopback capture: frames, RFC 3339 times, connections, the referral chain.
    let cap: Vec<&Value> = records
        .iter()
        .filter(|r| r["file"] == "sample:loopback.pcap")
        .collect();
    assert_eq!(cap.len(), 14);
    let ns = cap[0];
    assert_eq!(
        (&ns["kind"], &ns["frame"], &ns["version"]),
        (&Value::from("ns"), &Value::from(18), &Value::from("MSNP8"))
    );
    let time = ns["time"].as_str().unwrap();
    assert!(time.ends_with('Z') && time.len() == 27, "{time}");
    assert_eq!(ns["conn"], "127.0.0.1:58978 -> 127.0.0.1:37453");
    assert_eq!(ns["followed_by"], "127.0.0.1:45632 -> 127.0.0.1:41811");
    let sb = cap.iter().find(|r| r["kind"] == "sb").unwrap();
    assert_eq!(sb["followed_by"], "127.0.0.1:52888 -> 127.0.0.1:43805");
    let files: Vec<&str> = records
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files
            .iter()
            .filter(|f| **f == "sample:transcript.log")
            .count(),
        28
    );
    assert_eq!(
        files.iter().filter(|f| **f == "sample:purple.log").count(),
        5
    );
    // The MSNP2 referral.
    let r = record_at(&records, 10);
    assert_eq!(r["version"], "MSNP2");
    assert_eq!(r["kind"], "ns");
    assert_eq!(r["canonical"], "XFR 3 NS 192.0.2.10:1863");
    assert_eq!(r["legal_in"], serde_json::json!(["MSNP2"]));
    // MSNP8: current server, then an SB referral answering a request.
    let r = record_at(&records, 18);
    assert_eq!(
        (&r["current"], &r["gateway"]),
        (&Value::from("192.0.2.10:1863"), &Value::from(false))
    );
    let r = record_at(&records, 31);
    assert_eq!(r["auth"], "CKI");
    assert_eq!(r["cookie"], "17262740.1050826919.32308");
    assert_eq!(r["port"], 1863);
    assert_eq!(
        r["raw"],
        "XFR 10 SB 198.51.100.20:1863 CKI 17262740.1050826919.32308"
    );
    assert_eq!((&r["conn"], &r["time"]), (&Value::Null, &Value::Null));
    // The 913 reply to XFR 12 SB.
    let r = record_at(&records, 40);
    assert_eq!(
        (&r["kind"], &r["code"], &r["trid"], &r["server"], &r["dir"]),
        (
            &Value::from("error-reply"),
            &Value::from(913),
            &Value::from(12),
            &Value::from("SB"),
            &Value::from("S")
        )
    );
    // The soft reset, and the VER after it.
    assert_eq!(record_at(&records, 45)["kind"], "reset");
    assert_eq!(record_at(&records, 51)["version"], "MSNP13");
    // Deviations.
    assert_eq!(
        record_at(&records, 44)["deviations"],
        serde_json::json!(["extra-whitespace"])
    );
    assert_eq!(
        record_at(&records, 59)["deviations"],
        serde_json::json!(["other-version"])
    );
    let r = record_at(&records, 72);
    assert_eq!(r["deviations"], serde_json::json!(["missing-port"]));
    assert_eq!(
        (&r["port"], &r["direct"]),
        (&Value::Null, &Value::from(false))
    );
    assert_eq!(r["legal_in"], serde_json::json!([]));
    assert_eq!(
        record_at(&records, 74)["canonical"],
        "XFR 25 NS 192.0.2.13:1863 U D"
    );
    // MSNP21: hop blob, SB note, gateway.
    assert!(
        record_at(&records, 80)["hop"]
            .as_str()
            .unwrap()
            .starts_with("VmVyc2lvbjogMQ0K")
    );
    assert_eq!(
        record_at(&records, 84)["deviations"],
        serde_json::json!(["sb-in-msnp21"])
    );
    let r = record_at(&records, 85);
    assert_eq!(
        (&r["gateway"], &r["host"], &r["port"]),
        (
            &Value::from(true),
            &Value::from("*.gateway.edge.messenger.live.com"),
            &Value::from(443)
        )
    );
}

#[test]
fn sample_human_output_is_aligned_and_summarised() {
    let out = inspect(&["--samples"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "== sample:transcript.log (read as C:/S: or >>>/<<< transcript, --format transcript)"
    );
    assert_eq!(
        lines.next().unwrap(),
        "  line  dir  conn  version  kind         fields"
    );
    assert!(text.contains("    40  S    -     MSNP8    error-reply  trid=12 to XFR SB: 913 (not allowed while hidden or offline)\n"));
    assert!(text.contains("    72  S    -     MSNP18   sb           trid=24 SB sb7.example.net CKI Qw7ErTy9UiOp1AsDfGh2JkLzX U messenger.msn.com direct=0 [no version]  ! deviations: missing-port\n"));
    assert!(
        text.contains("\n28 XFR lines: 28 decoded, 0 failed (63 MSNP lines in 1 connection)\n")
    );
    assert!(
        text.contains("  by version:   MSNP2 1, MSNP8 8, MSNP13 3, MSNP15 7, MSNP18 5, MSNP21 4\n")
    );
    // Each sample says what it was read as.
    for header in [
        "== sample:purple.log (read as libpurple debug log, --format purple)",
        "== sample:escargot.md (read as revival-server log, Escargot style, --format escargot)",
        "== sample:papyon.log (read as papyon/emesene console, --format papyon)",
    ] {
        assert!(text.contains(header), "{header}");
    }
    assert!(text.contains(
        "    27  20:14:20  S    NS 000  MSNP15   error-reply  trid=9 to XFR SB: 800 (changing too rapidly)\n"
    ));
    assert!(text.contains("== sample:loopback.pcap (read as a pcap capture)\n"));
    assert!(
        text.contains("      #18 NS referral, followed by 127.0.0.1:45632 -> 127.0.0.1:41811\n")
    );
    assert!(text.contains("\n== all 5 inputs\n\n57 XFR lines: 57 decoded, 0 failed (178 MSNP lines in 16 connections)\n"));
}

const BROKEN: &[u8] = b"S: VER 1 MSNP18 CVR0\r\n\
S: XFR 0 NS 10.0.0.1:1863 U D89 http://gateway.example/\r\n\
XFR 5 SB 10.0.0.2:1863 CKI 12.34\n\
S: XFR 6 SB 10.0.0.2\r\n";

#[test]
fn stdin_with_errors_exits_1_and_reports_them() {
    let out = inspect(&["--json", "-"], Some(BROKEN));
    assert_eq!(out.status.code(), Some(1));
    let records = records(&out);
    assert_eq!(records.len(), 3);
    let r = &records[0];
    assert_eq!(
        (&r["line"], &r["ok"], &r["kind"]),
        (&Value::from(2), &Value::from(false), &Value::from("ns"))
    );
    assert_eq!(r["error"]["kind"], "invalid");
    assert_eq!(r["error"]["offset"], 25);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("current server")
    );
    // A referral, even a malformed one, ends what is known of the version; the next line has
    // no prefix.
    let r = &records[1];
    assert_eq!(
        (&r["dir"], &r["version"], &r["deviations"]),
        (&Value::Null, &Value::Null, &serde_json::json!([]))
    );
    let r = &records[2];
    assert_eq!(r["error"]["kind"], "missing");
    // A failed line's kind is what it was read as, never null.
    assert_eq!(
        (&r["kind"], &r["ok"]),
        (&Value::from("sb"), &Value::from(false))
    );
}

#[test]
fn strict_and_fixed_version() {
    let input = b"XFR 5 SB 10.0.0.2:1863 CKI 12.34\r\nXFR  6 SB\r\n";
    let out = inspect(&["--json", "--strict", "--msnp", "13", "-"], Some(input));
    assert_eq!(out.status.code(), Some(1));
    let got = records(&out);
    assert_eq!(got[0]["version"], "MSNP13");
    assert_eq!(got[0]["error"]["kind"], "version");
    assert_eq!(got[0]["error"]["offset"], 32);
    assert_eq!(got[1]["error"]["kind"], "whitespace");
    let out = inspect(&["--json", "--msnp", "MSNP8", "-"], Some(input));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        records(&out)[1]["deviations"],
        serde_json::json!(["extra-whitespace"])
    );
}

#[test]
fn several_files_in_order_with_their_names_and_formats() {
    let (a, b) = (data("amsn.txt"), data("emesene-window.html.txt"));
    let out = inspect(
        &["--json", &a, "-", &b],
        Some(include_bytes!("data/onechar.md")),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = records(&out);
    let files: Vec<(&str, u64)> = records
        .iter()
        .map(|r| (r["file"].as_str().unwrap(), r["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        files,
        [
            (a.as_str(), 6),
            (a.as_str(), 7),
            (a.as_str(), 13),
            (a.as_str(), 14),
            ("-", 9),
            ("-", 10),
            ("-", 16),
            ("-", 17),
            (b.as_str(), 5),
            (b.as_str(), 6),
            (b.as_str(), 7),
            (b.as_str(), 8),
        ]
    );
    let r = &records[9];
    assert_eq!(
        (&r["conn"], &r["time"], &r["dir"]),
        (
            &Value::from("messenger.example.com:1863"),
            &Value::from("21:10:02"),
            &Value::from("S")
        )
    );
    // The human output names each file's format.
    let out = inspect(&[&a, &b], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&format!(
        "== {a} (read as aMSN protocol console, --format amsn)"
    )));
    assert!(text.contains(&format!(
        "== {b} (read as emesene debug window, --format emesene)"
    )));
}

#[test]
fn no_msnp_traffic_exits_3_and_names_the_formats_tried() {
    let prose = data("prose.txt");
    let out = inspect(&[&prose], None);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        format!(
            "msnp-inspect: {prose}: no MSNP traffic found (tried the log formats purple, pecan, kopete, miranda, escargot, papyon, emesene, amsn, transcript, onechar and the generic reader)\n"
        )
    );
    // Issue 21: documentation and source code that mention XFR (inline, in lists, in string
    // literals and comments) are no log either, whatever reader tries them.
    for name in ["docs.md", "source.c"] {
        let out = inspect(&["--json", &data(name)], None);
        assert_eq!(out.status.code(), Some(3), "{name}");
        assert!(
            out.stdout.is_empty(),
            "{name}: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no MSNP traffic found"),
            "{name}"
        );
    }
    // Traffic but no XFR is no error: the summary says what was read.
    let out = inspect(&[&data("no-xfr.log")], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\n0 XFR lines: 0 decoded, 0 failed (4 MSNP lines in 1 connection)\n"),
        "{text}"
    );
    // With another file that decodes, the worst status wins; a read error outranks it.
    let out = inspect(&[&data("amsn.txt"), &prose], None);
    assert_eq!(out.status.code(), Some(3));
    let out = inspect(&[&prose, "/nonexistent/file"], None);
    assert_eq!(out.status.code(), Some(2));
    // A forced format that finds nothing says so.
    let out = inspect(&["--format", "purple", &data("amsn.txt")], None);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no MSNP traffic found in the purple format")
    );
}

#[test]
fn a_forced_format_overrides_detection() {
    let out = inspect(&["--json", "--format", "amsn", &data("amsn.txt")], None);
    assert_eq!(records(&out).len(), 4);
    // An aMSN console read as a one-character transcript holds nothing of that format.
    let out = inspect(&["--json", "--format", "onechar", &data("amsn.txt")], None);
    assert_eq!(out.status.code(), Some(3));
    let out = inspect(&["--format", "nonsense", &data("amsn.txt")], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("--format: \"nonsense\" is none of pcap, pcapng, purple, pecan, kopete, miranda, escargot, papyon, emesene, amsn, transcript, onechar, generic"));
}

#[test]
fn usage_and_read_errors_exit_2() {
    let out = inspect(&["--msnp", "24"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--msnp"));
    let out = inspect(&["--bogus"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = inspect(&["/nonexistent/capture.log"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/capture.log"));
    let out = inspect(&["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("usage: msnp-inspect"));
}

/// Several inputs, a large capture among them (its output many blocks long, written while it
/// is read, and read alongside the others): the output is each input's own, in the order given,
/// whichever finishes first; a missing file in the middle is reported in its place.
#[test]
fn several_inputs_are_written_in_order_as_each_alone() {
    let dir = std::env::temp_dir().join(format!("msnp-inspect-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.pcap");
    let mut capture = Vec::new();
    msnp_xfr_testkit::bigcap::write(&mut capture, 12 << 20).unwrap();
    std::fs::write(&big, &capture).unwrap();
    let big = big.to_string_lossy().into_owned();
    let (log, missing) = (data("amsn.txt"), dir.join("missing.log"));
    let missing = missing.to_string_lossy().into_owned();
    for json in [true, false] {
        let alone = |input: &str| {
            let mut args = vec!["--quiet", input];
            if json {
                args.push("--json");
            }
            inspect(&args, None).stdout
        };
        let mut args = vec!["--quiet", &big, &log, &missing, &big, &log];
        if json {
            args.push("--json");
        }
        let out = inspect(&args, None);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("missing.log"), "{stderr}");
        let (big_alone, log_alone) = (alone(&big), alone(&log));
        assert!(big_alone.len() > 200_000, "{} bytes", big_alone.len());
        let stdout = String::from_utf8_lossy(&out.stdout);
        if json {
            let expected = [&big_alone[..], &log_alone, &big_alone, &log_alone].concat();
            assert!(
                out.stdout == expected,
                "the JSON differs from each input's alone"
            );
        } else {
            // Each report whole, a blank line between them, then the summary of all.
            let expected = [
                &big_alone[..],
                b"\n",
                &log_alone,
                b"\n",
                &big_alone,
                b"\n",
                &log_alone,
            ]
            .concat();
            assert!(
                out.stdout.starts_with(&expected),
                "the table differs from each input's alone"
            );
            // Every input given is counted, the missing one too.
            let totals = &stdout[expected.len()..];
            assert!(totals.starts_with("\n== all 5 inputs\n"), "{totals}");
            assert!(
                totals
                    .ends_with("\n  inputs:       4 read, 0 with no MSNP traffic, 1 unreadable\n"),
                "{totals}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A pcapng capture of one MSNP8 connection asking for two switchboards, each packet a second
/// after the last: its section and interface, then each packet's block.
fn msnp_pcapng() -> (Vec<u8>, Vec<Vec<u8>>) {
    use msnp_xfr_testkit::pcap::{Block, Conversation, Interface, Link, Record, pcapng};
    let mut c = Conversation::new(
        "10.0.0.1:40000".parse().unwrap(),
        "192.0.2.1:1863".parse().unwrap(),
        [100, 200],
    );
    c.handshake()
        .send(true, b"VER 1 MSNP8 CVR0\r\n")
        .send(false, b"VER 1 MSNP8\r\n")
        .send(true, b"XFR 2 SB\r\n")
        .send(false, b"XFR 2 SB 192.0.2.9:1863 CKI 1.2\r\n")
        .send(true, b"XFR 3 SB\r\n")
        .send(false, b"XFR 3 SB 192.0.2.9:1863 CKI 3.4\r\n");
    let interfaces = vec![Interface {
        linktype: 1,
        tsresol: 6,
    }];
    let head = pcapng(&[(interfaces.clone(), Vec::new())]);
    let blocks = (0..)
        .zip(&c.segments)
        .map(|(i, s)| {
            let record = Record::new(1_700_000_000 + i, 0, s.frame(Link::Ethernet));
            pcapng(&[(interfaces.clone(), vec![Block::Enhanced(record)])])[head.len()..].to_vec()
        })
        .collect();
    (head, blocks)
}

/// A capture whose reading stopped at a damaged block was not read to its end: its records and
/// the damage are reported, and the exit status is a read error's. One whose last block is cut
/// off (tcpdump killed) is only warned about.
#[test]
fn a_capture_damaged_before_its_end_exits_2() {
    let dir = std::env::temp_dir().join(format!("msnp-inspect-damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (head, blocks) = msnp_pcapng();
    assert_eq!(blocks.len(), 9);
    // An enhanced packet block whose trailing length (36) is not its leading one (32).
    let mut damaged = Vec::new();
    for n in [6u32, 32, 0, 0, 0, 0, 0, 36] {
        damaged.extend_from_slice(&n.to_le_bytes());
    }
    let write = |name: &str, parts: &[&[u8]]| {
        let path = dir.join(name);
        std::fs::write(&path, parts.concat()).unwrap();
        path.to_string_lossy().into_owned()
    };

    // After the first XFR's reply (frame 7), before the second.
    let path = write(
        "damaged.pcapng",
        &[
            &head,
            &blocks[..7].concat(),
            &damaged,
            &blocks[7..].concat(),
        ],
    );
    let at = head.len() + blocks[..7].concat().len();
    assert_eq!(at, 744);
    let out = inspect(&["--json", &path], None);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "msnp-inspect: {path}: damaged block at byte {at} (its contents fail pcap-parser's \
             Verify check); reading stopped there\n"
        )
    );
    assert_eq!(out.status.code(), Some(2));
    let found = records(&out);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(
        (&found[1]["frame"], &found[1]["raw"]),
        (
            &Value::from(7),
            &Value::from("XFR 2 SB 192.0.2.9:1863 CKI 1.2")
        )
    );
    // The human table too.
    let out = inspect(&[&path], None);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\n2 XFR lines: 2 decoded, 0 failed"),
        "{text}"
    );

    // Damaged before any MSNP traffic: a read error, not "no MSNP traffic".
    let path = write("early.pcapng", &[&head, &damaged, &blocks.concat()]);
    let out = inspect(&[&path], None);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "msnp-inspect: {path}: damaged block at byte {} (its contents fail pcap-parser's \
             Verify check); reading stopped there\n",
            head.len()
        )
    );
    assert_eq!(out.status.code(), Some(2));

    // The last block cut off: a warning; every XFR before it decoded.
    let whole = blocks.concat();
    let path = write("cut.pcapng", &[&head, &whole[..whole.len() - 10]]);
    let out = inspect(&["--json", &path], None);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "msnp-inspect: {path}: warning: the capture ends inside the block at byte {}: its \
             packet is cut off\n",
            head.len() + blocks[..8].concat().len()
        )
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(records(&out).len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}
