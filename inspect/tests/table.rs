//! The human table as people read it: failed lines shown and named apart from error replies,
//! the time column (`-t`), columns that stay aligned, the follower, the connection table, the
//! filters (`--kind`, `--conn`, `--failed`) and CSV.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use msnp_xfr_testkit::pcap::{Conversation, Link, Record, pcap};

fn capture(name: &str) -> String {
    format!("{}/tests/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_msnp-inspect"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The table's rows: the lines between the heading and the first blank line.
fn rows(table: &str) -> Vec<&str> {
    table
        .lines()
        .skip(2)
        .take_while(|l| !l.is_empty())
        .collect()
}

const FAILING: &[u8] = b"C: VER 1 MSNP8 CVR0\r\n\
S: VER 1 MSNP8\r\n\
C: XFR 12 SB 1\r\n\
S: 201 12\r\n\
C: XFR 13 SB\r\n\
S: XFR 13 SB 192.0.2.9:99999 CKI a,b\r\n";

#[test]
fn a_failed_line_is_shown_and_named_apart_from_an_error_reply() {
    // On stdin, the line numbers have room for eight digits.
    let out = run(&["-"], FAILING);
    assert_eq!(out.status.code(), Some(1));
    let table = stdout(&out);
    let rows = rows(&table);
    assert_eq!(
        rows,
        [
            "        3  C    -     MSNP8    failed       \"XFR 12 SB 1\"  ! not decoded: unexpected data at byte 10 after the last field",
            "        4  S    -     MSNP8    error-reply  trid=12 to XFR SB: 201 (invalid parameter)",
            "        5  C    -     MSNP8    request      trid=13 asks for SB [MSNP2–MSNP21]",
            "        6  S    -     MSNP8    failed       \"XFR 13 SB 192.0.2.9:99999 CKI a,b\"  ! not decoded: port at byte 20 is out of range (allowed: 1..=65535)",
        ]
    );
    assert!(
        table.contains("\n  by kind:      error-reply 1, failed 2, request 1\n"),
        "{table}"
    );
    assert!(
        table.contains("\n  failures:     out-of-range 1, trailing-data 1\n"),
        "{table}"
    );
    // JSON: the kind is what the line was read as, never null.
    let out = run(&["--json", "-"], FAILING);
    let kinds: Vec<(String, bool, serde_json::Value)> = stdout(&out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["kind"].as_str().unwrap().to_string(),
                v["ok"].as_bool().unwrap(),
                v["trid"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("request".into(), false, 12.into()),
            ("error-reply".into(), true, 12.into()),
            ("request".into(), true, 13.into()),
            ("sb".into(), false, serde_json::Value::Null),
        ]
    );
}

/// Every row's columns start where the heading's do, whatever the frame numbers (one digit to
/// five) and connection names (short and long addresses).
#[test]
fn columns_stay_aligned_whatever_the_numbers_and_names() {
    let mut records = Vec::new();
    let conversation = |client: &str, server: &str, trid: u32| {
        let mut c = Conversation::new(client.parse().unwrap(), server.parse().unwrap(), [1, 2]);
        c.handshake()
            .send(true, b"VER 1 MSNP8 CVR0\r\n")
            .send(false, b"VER 1 MSNP8\r\n")
            .send(true, format!("XFR {trid} SB\r\n").as_bytes())
            .send(false, b"913 0\r\n");
        c.segments
            .iter()
            .map(|s| s.frame(Link::Ethernet))
            .collect::<Vec<_>>()
    };
    for frame in conversation("1.2.3.4:5", "6.7.8.9:1863", 1) {
        records.push(Record::new(1_700_000_000, 0, frame));
    }
    // Twenty thousand packets that are not TCP, then a connection of long addresses.
    for _ in 0..20_000 {
        records.push(Record::new(1_700_000_001, 0, vec![0xff; 60]));
    }
    for frame in conversation("203.113.254.201:65001", "198.151.100.222:1863", 2) {
        records.push(Record::new(1_700_000_002, 0, frame));
    }
    let out = run(&["-"], &pcap(1, false, false, &records));
    let table = stdout(&out);
    let lines: Vec<&str> = table.lines().collect();
    let heading = lines[1];
    let rows: Vec<&str> = lines[2..]
        .iter()
        .take_while(|l| !l.is_empty())
        .filter(|l| l.contains('#'))
        .copied()
        .collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(
        rows[0].contains(" #6 ") && rows[1].contains(" #20013 "),
        "{table}"
    );
    let column = |line: &str, word: &str| line.find(word).unwrap();
    for row in &rows {
        for (word, at) in [("MSNP8", "version"), ("request", "kind")] {
            assert_eq!(column(row, word), column(heading, at), "{table}");
        }
        assert_eq!(column(row, " C "), column(heading, " dir"), "{table}");
        // The frame column ends where its heading does.
        let frame_end = row.find('#').unwrap() + row[row.find('#').unwrap()..].find(' ').unwrap();
        assert_eq!(frame_end, heading.find("frame").unwrap() + 5, "{table}");
    }
}

/// `-t abs|rel|delta|none`, as tshark's: the time of day with the date where the day changes,
/// seconds since the first packet (tshark's `frame.time_relative`), since the row before, none.
#[test]
fn the_time_column() {
    let file = capture("loopback.pcap");
    let first = |args: &[&str]| -> Vec<String> {
        let table = stdout(&run(args, b""));
        table.lines().skip(1).take(4).map(str::to_string).collect()
    };
    let abs = first(&["-t", "abs", &file]);
    assert!(
        abs[0].starts_with(" frame  time             dir  conn"),
        "{abs:?}"
    );
    assert_eq!(abs[1], "        2026-11-29");
    assert!(
        abs[2].starts_with("   #26  20:44:14.566338  S    127.0.0.1:51384"),
        "{abs:?}"
    );
    // The default is abs.
    assert_eq!(first(&[&file]), abs);
    let rel = first(&["-t", "rel", &file]);
    // tshark -r loopback.pcap -T fields -e frame.time_relative: 0.184404000, 0.500398000.
    assert!(rel[1].starts_with("   #26      0.184404  S "), "{rel:?}");
    assert!(rel[2].starts_with("   #65      0.500398  C "), "{rel:?}");
    let delta = first(&["-t", "delta", &file]);
    assert!(
        delta[1].starts_with("   #26      0.000000  S "),
        "{delta:?}"
    );
    assert!(
        delta[2].starts_with("   #65      0.315994  C "),
        "{delta:?}"
    );
    let none = first(&["-t", "none", &file]);
    assert!(none[0].starts_with(" frame  dir  conn"), "{none:?}");
    assert!(
        none[1].starts_with("   #26  S    127.0.0.1:51384"),
        "{none:?}"
    );
    assert_eq!(run(&["-t", "later", &file], b"").status.code(), Some(2));

    // Across midnight: the date again where the day changes.
    let mut c = Conversation::new(
        "10.0.0.1:40000".parse().unwrap(),
        "192.0.2.1:1863".parse().unwrap(),
        [1, 2],
    );
    c.handshake()
        .send(true, b"VER 1 MSNP8 CVR0\r\n")
        .send(false, b"VER 1 MSNP8\r\n")
        .send(true, b"XFR 2 SB\r\n")
        .send(true, b"XFR 3 SB\r\n");
    // A second a packet, the first request at 2023-11-14 23:59:59, the second a second later.
    let start = 1_700_006_400 - 6;
    let records: Vec<Record> = (0..)
        .zip(&c.segments)
        .map(|(i, s)| Record::new(start + i, 0, s.frame(Link::Ethernet)))
        .collect();
    let table = stdout(&run(&["-"], &pcap(1, false, false, &records)));
    let rows: Vec<String> = table
        .lines()
        .skip(2)
        .take(4)
        .map(|r| r.chars().take(27).collect())
        .collect();
    assert_eq!(
        rows,
        [
            "          2023-11-14",
            "      #6  23:59:59.000000  ",
            "          2023-11-15",
            "      #7  00:00:00.000000  ",
        ],
        "{table}"
    );
}

/// The follower reads "followed by A -> B"; a gateway connection's row names the version of the
/// sessions it carried, once; the connection table says what it does not list.
#[test]
fn followers_gateway_rows_and_what_the_connection_table_leaves_out() {
    let table = stdout(&run(&[&capture("loopback.pcap")], b""));
    assert!(
        table.contains(
            "trid=3 NS 127.0.0.1:41811 current=127.0.0.1:37453 [MSNP7–MSNP12]  followed by \
             127.0.0.1:41344 -> 127.0.0.1:41811\n"
        ),
        "{table}"
    );
    assert!(!table.contains("] -> "), "{table}");
    let table = stdout(&run(&[&capture("gateway.pcap")], b""));
    assert!(
        table.contains(
            "\n  127.0.0.1:33168 -> 127.0.0.1:18080  gateway       8      0         0 (0)  MSNP8\n  \
             127.0.0.1:33184 -> 127.0.0.1:18080  gateway       8      4         0 (0)  MSNP8\n"
        ),
        "{table}"
    );
    // A capture with a connection that is not MSNP.
    let mut msnp = Conversation::new(
        "10.0.0.1:40000".parse().unwrap(),
        "192.0.2.1:1863".parse().unwrap(),
        [1, 2],
    );
    msnp.handshake()
        .send(true, b"VER 1 MSNP8 CVR0\r\n")
        .send(false, b"VER 1 MSNP8\r\n")
        .send(true, b"XFR 2 SB\r\n");
    let mut web = Conversation::new(
        "10.0.0.1:40001".parse().unwrap(),
        "192.0.2.80:80".parse().unwrap(),
        [1, 2],
    );
    web.handshake()
        .send(true, b"GET / HTTP/1.1\r\nHost: example\r\n\r\n");
    let records: Vec<Record> = web
        .segments
        .iter()
        .chain(&msnp.segments)
        .map(|s| Record::new(1_700_000_000, 0, s.frame(Link::Ethernet)))
        .collect();
    let table = stdout(&run(&["-"], &pcap(1, false, false, &records)));
    assert!(
        table.contains(
            "\nconnections (2 TCP connections in the capture: 1 MSNP or gateway, 1 not MSNP and \
             not listed)\n"
        ),
        "{table}"
    );
}

#[test]
fn filters_show_what_is_asked_and_count_the_rest() {
    let file = capture("loopback.pcap");
    let kinds = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        all.push(&file);
        stdout(&run(&all, b""))
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                format!("{} {}", v["frame"], v["kind"].as_str().unwrap())
            })
            .collect()
    };
    assert_eq!(kinds(&["--kind", "sb"]), ["89 sb", "237 sb", "385 sb"]);
    assert_eq!(
        kinds(&["--failed"]),
        ["101 request", "249 request", "397 request"]
    );
    assert_eq!(kinds(&["--kind", "ns,sb"]).len(), 6);
    // A connection by its address and port (either end), or by address alone.
    let on = kinds(&["--conn", "127.0.0.1:41344"]);
    assert_eq!(on.len(), 8);
    assert_eq!(on[0], "65 request");
    assert_eq!(
        kinds(&["--conn", "127.0.0.1:37453"]),
        ["26 ns", "174 ns", "322 ns"]
    );
    assert_eq!(kinds(&["--conn", "127.0.0.1"]).len(), 27);
    assert!(kinds(&["--conn", "10.9.9.9"]).is_empty());
    assert_eq!(
        kinds(&["--kind", "sb", "--conn", "127.0.0.1:41356"]),
        ["237 sb"]
    );
    // The table counts what it left out; the exit status is the input's, whatever is shown.
    let out = run(&["--kind", "sb", &file], b"");
    assert_eq!(out.status.code(), Some(1));
    let table = stdout(&out);
    assert!(
        table.contains(
            "\n  shown:        3 of 27 (the others left out by --kind, --conn, --failed)\n"
        ),
        "{table}"
    );
    let out = run(&["--kind", "referral", &file], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "--kind: \"referral\" is none of ns, sb, request, reset, error-reply, failed"
        )
    );
    // A log's connection by its name.
    let log = b"(12:00:01) msn: C: NS 000: VER 1 MSNP15 CVR0\n\
                (12:00:01) msn: S: NS 000: VER 1 MSNP15 CVR0\n\
                (12:00:05) msn: C: NS 000: XFR 12 SB\n\
                (12:00:06) msn: C: SB 001: XFR 13 SB\n";
    let out = run(&["--json", "--conn", "NS 000", "-"], log);
    assert_eq!(stdout(&out).lines().count(), 1);
}

/// A minimal RFC 4180 reader for the test: fields of each row, quotes undone.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', false) if field.is_empty() => quoted = true,
                ('"', true) if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                ('"', true) => quoted = false,
                (',', false) => fields.push(std::mem::take(&mut field)),
                (c, _) => field.push(c),
            }
        }
        fields.push(field);
        rows.push(fields);
    }
    rows
}

/// CSV: the JSON keys as columns, a row per record, values as in the JSON.
#[test]
fn csv_has_the_json_keys_as_columns() {
    let header_and_rows = stdout(&run(&["--csv", "-"], FAILING));
    // The header line ends in CRLF too.
    let rows = csv_rows(&header_and_rows);
    let json: Vec<serde_json::Value> = stdout(&run(&["--json", "-"], FAILING))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let keys: Vec<String> = json[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(rows[0], keys);
    assert_eq!(rows.len(), json.len() + 1);
    for (row, record) in rows[1..].iter().zip(&json) {
        assert_eq!(row.len(), keys.len());
        for (value, key) in row.iter().zip(&keys) {
            let expected = match &record[key] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                serde_json::Value::Object(e) => format!(
                    "{}: {}",
                    e["kind"].as_str().unwrap(),
                    e["message"].as_str().unwrap()
                ),
                other => other.to_string(),
            };
            assert_eq!(value, &expected, "{key}");
        }
    }
    // The line with a comma in it came through whole.
    assert_eq!(
        rows[4][keys.iter().position(|k| k == "raw").unwrap()],
        "XFR 13 SB 192.0.2.9:99999 CKI a,b"
    );
}
