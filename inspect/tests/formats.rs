//! Every log format, read from excerpts written for these tests from the formats'
//! descriptions: detection, and the exact records (line, direction, connection, version, kind,
//! TrID, value or code, deviations).

use msnp_inspect::follow::{self, Judging};
use msnp_inspect::logs::{self, Format};
use msnp_inspect::report::Report;
use msnp_xfr::Mode;

const LENIENT: Judging = Judging {
    mode: Mode::Lenient,
    version: None,
};

/// Detects the format (it must be `expected`), reads the file and sums each record up as
/// `line dir conn version kind trid what [deviations]`.
fn read(name: &str, text: &[u8], expected: Format) -> (Report, Vec<String>) {
    assert_eq!(
        logs::detect(text),
        Some(expected),
        "{name}: {:?}",
        logs::scores(text)
    );
    let report = follow::log(name, text, expected, LENIENT);
    let lines = report
        .records
        .iter()
        .map(|record| {
            let r = record.expand(&report);
            let what = match (&r.canonical, r.code, &r.error) {
                (Some(c), _, _) => c.clone(),
                (None, Some(code), _) => format!("code {code}"),
                (None, None, Some(e)) => format!("error {} at {:?}", e.kind, e.offset),
                _ => String::new(),
            };
            let mut s = format!(
                "{} {} {} {} {} {} {}",
                r.line.unwrap(),
                r.dir.unwrap_or("-"),
                r.conn.unwrap_or("-"),
                r.version.unwrap_or("-"),
                record.kind_name(),
                r.trid.map_or("-".to_string(), |t| t.to_string()),
                what
            );
            if !r.deviations.is_empty() {
                s += &format!(" {:?}", r.deviations);
            }
            s
        })
        .collect();
    (report, lines)
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn libpurple_pasted_with_lost_parenthesis_markup_and_a_blanked_token() {
    let (report, got) = read(
        "purple-pasted.txt",
        &data("purple-pasted.txt"),
        Format::Purple,
    );
    assert_eq!(
        got,
        [
            "6 S NS 000 MSNP8 ns 2 XFR 2 NS 192.0.2.41:1863 0 192.0.2.40:1863",
            // A new connection number after the referral, with its own VER.
            "9 C NS 001 MSNP8 request 4 XFR 4 SB",
            // The trailing space a user left, tolerated and reported.
            r#"11 S NS 001 MSNP8 sb 4 XFR 4 SB 192.0.2.50:1863 CKI 17262740.1050826919.32308 ["trailing-whitespace"]"#,
            "13 C NS 001 MSNP8 request 5 XFR 5 SB",
            "14 S NS 001 MSNP8 error-reply 5 code 913",
            // `911 6` answers no XFR: not a record.
            "16 C NS 001 MSNP8 request 7 XFR 7 SB",
            r#"17 S NS 001 MSNP8 sb 7 XFR 7 SB 192.0.2.51 CKI 1050826919.32308 ["missing-port"]"#,
        ]
    );
    // The `[email]` markup is undone in what the line says (the USR to the switchboard).
    assert_eq!(report.msnp_lines, 14);
    assert_eq!(report.connections, 3);
    assert_eq!(report.records[1].expand(&report).time, Some("12:00:03"));
    assert_eq!(
        report.records[2].expand(&report).raw,
        "XFR 4 SB 192.0.2.50:1863 CKI 17262740.1050826919.32308 "
    );
    let text = data("purple-pasted.txt");
    let usr = logs::read(&text, Format::Purple)
        .find(|e| e.line == 12)
        .unwrap();
    assert!(
        matches!(usr.what, logs::What::Command { text, .. } if &*text == b"USR 1 alice@example.com 17262740.1050826919.32308")
    );
}

#[test]
fn libpurple_quoted_in_a_c_comment() {
    let (report, got) = read(
        "purple-comment.c",
        &data("purple-comment.c"),
        Format::Purple,
    );
    assert_eq!(
        got,
        [
            "6 C NS 000 MSNP13 request 9 XFR 9 SB",
            "7 S NS 000 MSNP13 sb 9 XFR 9 SB 10.0.0.2:1863 CKI 1743299.2458.33 U messenger.msn.com",
        ]
    );
    assert_eq!(report.records[0].origin.time, None);
    assert_eq!(report.records[0].text(&report), b"XFR 9 SB");
}

#[test]
fn revival_server_log_in_markdown() {
    let (report, got) = read(
        "escargot.md",
        msnp_inspect::cli::SAMPLES[2].1,
        Format::Escargot,
    );
    assert_eq!(
        got,
        [
            "15 C NS/9d15 MSNP18 request 3 XFR 3 SB",
            "16 S NS/9d15 MSNP18 error-reply 3 code 913",
            "19 C NS/9d15 MSNP18 request 5 XFR 5 SB",
            "20 S NS/9d15 MSNP18 sb 5 XFR 5 SB 198.51.100.7:1864 CKI 17262740.1050826919.32308 U messenger.msn.com 1",
            "21 S NS/0a3f MSNP8 ns 2 XFR 2 NS 198.51.100.8:1863 0 198.51.100.5:1863",
        ]
    );
    assert_eq!((report.msnp_lines, report.connections), (14, 2));
}

#[test]
fn revival_server_log_interleaved_and_reconnected() {
    let (_, got) = read(
        "escargot-interleaved.log",
        &data("escargot-interleaved.log"),
        Format::Escargot,
    );
    assert_eq!(
        got,
        [
            "7 C NS/00b2 MSNP21 request 2 XFR 2 SB",
            "8 C NS/00a1 MSNP12 request 2 XFR 2 SB",
            r#"9 S NS/00b2 MSNP21 sb 2 XFR 2 SB 10.0.0.7:1864 CKI 9.9.9 U messenger.msn.com 1 ["sb-in-msnp21"]"#,
            "10 S NS/00a1 MSNP12 sb 2 XFR 2 SB 10.0.0.7:1864 CKI 8.8.8",
            "11 S NS/00a1 MSNP12 ns 3 XFR 3 NS 10.0.0.8:1863 0 10.0.0.5:1863",
            // The same id again after `dis` and `con`: a new connection with its own VER.
            "16 C NS/00a1 MSNP8 request 4 XFR 4 SB",
            "17 S NS/00a1 MSNP8 error-reply 4 code 913",
            "18 S NS/00b2 MSNP21 ns 0 XFR 0 NS gw.example.com:443 G D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDINCg==",
        ]
    );
}

#[test]
fn one_character_transcript_in_a_code_fence() {
    let (report, got) = read("onechar.md", &data("onechar.md"), Format::OneChar);
    assert_eq!(
        got,
        [
            "9 C - MSNP13 request 2 XFR 2 SB",
            "10 S - MSNP13 sb 2 XFR 2 SB 10.0.0.2:1863 CKI 1.2.3 U messenger.msn.com",
            // The MSG body held `XFR 7 NS 0`: skipped by its length, never reported.
            "16 C - MSNP13 request 4 XFR 4 SB",
            "17 S - MSNP13 error-reply 4 code 913",
        ]
    );
    // The blockquote prose is no protocol line.
    assert_eq!(report.msnp_lines, 7);
}

#[test]
fn papyon_console_with_payload_continuations() {
    let (report, got) = read(
        "papyon.log",
        msnp_inspect::cli::SAMPLES[3].1,
        Format::Papyon,
    );
    assert_eq!(
        got,
        [
            "6 S messenger.example.com:1863 MSNP18 ns 2 XFR 2 NS 203.0.113.20:1863 U D",
            "13 C 203.0.113.20:1863 MSNP18 request 5 XFR 5 SB",
            "14 S 203.0.113.20:1863 MSNP18 sb 5 XFR 5 SB 203.0.113.30:1863 CKI 1743299.2458.33 U messenger.msn.com 1",
            // Asked on the notification connection while the switchboard was the newest.
            "21 C 203.0.113.20:1863 MSNP18 request 6 XFR 6 SB",
            "22 S 203.0.113.20:1863 MSNP18 error-reply 6 code 913",
        ]
    );
    assert_eq!(report.connections, 3);
    assert_eq!(report.records[1].expand(&report).raw, "XFR 5 SB");
    assert_eq!(report.records[1].expand(&report).time, Some("20:15:06"));
}

#[test]
fn papyon_gateway_change_and_command_like_bodies() {
    let (_, got) = read(
        "papyon-gateway.log",
        &data("papyon-gateway.log"),
        Format::Papyon,
    );
    assert_eq!(
        got,
        [
            "9 C gateway.messenger.example.com MSNP15 request 4 XFR 4 SB",
            "10 S gateway.messenger.example.com MSNP15 sb 4 XFR 4 SB 203.0.113.31:1863 CKI 55.66.77 U messenger.msn.com 0",
        ]
    );
}

#[test]
fn emesene_window_escaped_and_not() {
    let (_, got) = read(
        "emesene-window.html.txt",
        &data("emesene-window.html.txt"),
        Format::Emesene,
    );
    assert_eq!(
        got,
        [
            "5 C messenger.example.com:1863 MSNP15 request 20 XFR 20 SB",
            "6 S messenger.example.com:1863 MSNP15 sb 20 XFR 20 SB 203.0.113.30:1863 CKI 1743299.2458.33 U messenger.msn.com 1",
            "7 C messenger.example.com:1863 MSNP15 request 21 XFR 21 SB",
            // `Notification got error :911 0` is another logger's and answers no XFR.
            "8 S messenger.example.com:1863 MSNP15 error-reply 21 code 800",
        ]
    );
}

#[test]
fn amsn_protocol_console() {
    let (report, got) = read("amsn.txt", &data("amsn.txt"), Format::Amsn);
    assert_eq!(
        got,
        [
            "6 C NS MSNP9 request 5 XFR 5 SB",
            "7 S NS MSNP9 sb 5 XFR 5 SB 10.0.0.3:1863 CKI 1234.5678",
            "13 C NS MSNP9 request 6 XFR 6 SB",
            "14 S NS MSNP9 error-reply 6 code 800",
        ]
    );
    assert_eq!(report.connections, 2);
}

#[test]
fn own_transcript_sample() {
    let (report, got) = read(
        "transcript.log",
        msnp_inspect::cli::SAMPLES[0].1,
        Format::Transcript,
    );
    assert_eq!(got.len(), 28);
    assert_eq!(got[0], "10 S - MSNP2 ns 3 XFR 3 NS 192.0.2.10:1863");
    assert_eq!(got[5], "40 S - MSNP8 error-reply 12 code 913");
    assert_eq!(report.connections, 1);
}

#[test]
fn prose_holds_no_traffic_and_no_xfr_is_not_none() {
    assert_eq!(logs::detect(&data("prose.txt")), None);
    assert!(
        logs::scores(&data("prose.txt"))
            .iter()
            .all(|(_, n)| *n == 0)
    );
    let (report, got) = read("no-xfr.log", &data("no-xfr.log"), Format::Transcript);
    assert!(got.is_empty());
    assert_eq!(report.msnp_lines, 4);
}

/// The entries of a transcript as `(line, direction, text)`.
fn entries(text: &[u8], format: Format) -> Vec<(usize, Option<&'static str>, String)> {
    logs::read(text, format)
        .map(|e| match e.what {
            logs::What::Command { direction, text } => (
                e.line,
                direction.map(|d| d.as_str()),
                String::from_utf8_lossy(&text).into_owned(),
            ),
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn transcripts_strip_prefixes_and_skip_payload_lines() {
    let log = b"C: VER 1 MSNP8 CVR0\r\n\
S: VER 1 MSNP8 CVR0\n\
<<< MSG Hotmail Hotmail 29\r\n\
XFR 1 SB 1.1.1.1:1 CKI no\r\n\
\r\n\
>>> XFR 2 SB\r\n\
<<< XFR 2 SB 10.0.0.2:1863 CKI 12.34\r\n\
# a comment\n\
XFR 0 NS 0";
    assert_eq!(
        entries(log, Format::Transcript),
        [
            (1, Some("C"), "VER 1 MSNP8 CVR0".to_string()),
            (2, Some("S"), "VER 1 MSNP8 CVR0".to_string()),
            (3, Some("S"), "MSG Hotmail Hotmail 29".to_string()),
            (6, Some("C"), "XFR 2 SB".to_string()),
            (7, Some("S"), "XFR 2 SB 10.0.0.2:1863 CKI 12.34".to_string()),
            (9, None, "XFR 0 NS 0".to_string()),
        ]
    );
    let (_, got) = read("log", log, Format::Transcript);
    assert_eq!(
        got,
        [
            "6 C - MSNP8 request 2 XFR 2 SB",
            "7 S - MSNP8 sb 2 XFR 2 SB 10.0.0.2:1863 CKI 12.34",
            "9 - - MSNP8 reset 0 XFR 0 NS 0",
        ]
    );
}

#[test]
fn unknown_direction_uses_only_payloads_of_both_directions() {
    // QRY carries a payload only from the client; with no direction it must not swallow lines.
    let got = entries(b"QRY 1049\r\nXFR 0 NS 0\r\n", Format::Transcript);
    assert_eq!(got.len(), 2);
    let got = entries(b"MSG a b 3\r\nabc\r\nXFR 0 NS 0\r\n", Format::Transcript);
    assert_eq!(got.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 3]);
}

/// Issue 13, items 1 and 2, for the transcript reader: a length is the number its digits spell;
/// one no payload can have skips nothing; a numeric reply with a length carries a payload.
#[test]
fn transcript_payload_lengths_are_read_as_the_decoder_reads_them() {
    let lines = |log: &[u8]| -> Vec<usize> {
        entries(log, Format::Transcript)
            .iter()
            .map(|e| e.0)
            .collect()
    };
    assert_eq!(
        lines(b"S: MSG Hotmail Hotmail 00000000000000000005\nhello\nS: XFR 0 NS 0\n"),
        [1, 3]
    );
    assert_eq!(
        lines(b"S: MSG Hotmail Hotmail 99999999999999999999\nS: XFR 0 NS 0\n"),
        [1, 2]
    );
    assert_eq!(lines(b"S: 241 5 7\n<ml/>\nS: XFR 0 NS 0\n"), [1, 3]);
    assert_eq!(lines(b"S: 913 5\nS: XFR 0 NS 0\n"), [1, 2]);
}

#[test]
fn amsn_console_as_amsn_writes_it() {
    let (report, got) = read("amsn-console.txt", &data("amsn-console.txt"), Format::Amsn);
    assert_eq!(
        got,
        [
            "8 S ns-sock4 MSNP12 ns 3 XFR 3 NS 203.0.113.64:1863 0 198.51.100.93:1863",
            "13 C ns-sock6 MSNP12 request 9 XFR 9 SB",
            "14 S ns-sock6 MSNP12 sb 9 XFR 9 SB 198.51.100.58:1863 CKI 1431.6767.154",
            "23 C ns-sock6 MSNP12 request 10 XFR 10 SB",
            "24 S ns-sock6 MSNP12 error-reply 10 code 913",
        ]
    );
    // Two notification connections and a switchboard; `->ns- OUT` is the last one's.
    assert_eq!(report.connections, 3);
    let times: Vec<_> = report
        .records
        .iter()
        .map(|r| r.expand(&report).time.map(str::to_string))
        .collect();
    assert_eq!(times[0].as_deref(), Some("09:14:03"));
    assert_eq!(times[4].as_deref(), Some("09:14:36"));
}

/// Issue 21, item 2: a log that prints a payload command without its body (as msn-pecan does)
/// loses none of the lines after it; a body that was printed is still skipped, even when its
/// first line reads as a command.
#[test]
fn a_payload_announced_but_not_printed_swallows_nothing() {
    let log = b"C: VER 1 MSNP8 CVR0\r\n\
S: VER 1 MSNP8 CVR0\r\n\
S: MSG Hotmail Hotmail 555\r\n\
C: XFR 3 SB\r\n\
S: XFR 3 SB 10.0.0.2:1863 CKI 1.2\r\n\
C: XFR 4 SB\r\n\
S: 913 4\r\n";
    let (_, got) = read("log", log, Format::Transcript);
    assert_eq!(
        got,
        [
            "4 C - MSNP8 request 3 XFR 3 SB",
            "5 S - MSNP8 sb 3 XFR 3 SB 10.0.0.2:1863 CKI 1.2",
            "6 C - MSNP8 request 4 XFR 4 SB",
            "7 S - MSNP8 error-reply 4 code 913",
        ]
    );
    // Nor any line after them, however long the log goes on past the announced length.
    let mut long = log.to_vec();
    for trid in 5..40 {
        long.extend_from_slice(format!("C: PNG\r\nS: QNG {trid}\r\n").as_bytes());
    }
    long.extend_from_slice(b"C: XFR 99 SB\r\n");
    let (_, got_long) = read("log", &long, Format::Transcript);
    assert_eq!(got_long[..4], got[..]);
    assert_eq!(got_long[4], "78 C - MSNP8 request 99 XFR 99 SB");
    assert_eq!(got_long.len(), 5);
    // One-character transcripts too; and a body that was printed, a command-like line in it,
    // is skipped to the byte.
    let onechar = b"> VER 1 MSNP8 CVR0\n< VER 1 MSNP8 CVR0\n< MSG Hotmail Hotmail 200\n\
> XFR 3 SB\n< XFR 3 SB 10.0.0.2:1863 CKI 1.2\n> MSG 4 N 41\n> MIME-Version: 1.0\n> XFR 7 SB\n\
> hello world!\n> XFR 8 SB\n";
    let (_, got) = read("log", onechar, Format::OneChar);
    assert_eq!(
        got,
        [
            "4 C - MSNP8 request 3 XFR 3 SB",
            "5 S - MSNP8 sb 3 XFR 3 SB 10.0.0.2:1863 CKI 1.2",
            "10 C - MSNP8 request 8 XFR 8 SB",
        ]
    );
}

/// Each file's records, summed up as [`read`] does, and their time.
fn summary(name: &str, expected: Format) -> Vec<String> {
    let (report, lines) = read(name, &data(name), expected);
    lines
        .into_iter()
        .zip(&report.records)
        .map(|(line, record)| format!("{line} {}", record.expand(&report).time.unwrap_or("-")))
        .collect()
}

/// Issue 21: msn-pecan plain, behind libpurple's prefix and in forum colour markup; its
/// `MSG Hotmail Hotmail 555` has no body after it and swallows nothing.
#[test]
fn msn_pecan_plain_behind_libpurple_and_pasted() {
    assert_eq!(
        summary("pecan.txt", Format::Pecan),
        [
            "6 C 000: ns MSNP12 request 12 XFR 12 SB -",
            "7 S 000: ns MSNP12 sb 12 XFR 12 SB 198.51.100.58:1863 CKI 1431.6767.154 -",
            "11 C 000: ns MSNP12 request 13 XFR 13 SB 09:14:06",
            "12 S 000: ns MSNP12 error-reply 13 code 913 09:14:06",
        ]
    );
}

/// Adium's debug log: libpurple's lines behind `HH:MM:SS: (Libpurple: msn) `.
#[test]
fn adium_debug_log() {
    assert_eq!(
        summary("adium.log", Format::Purple),
        [
            "6 S NS 000 MSNP15 ns 3 XFR 3 NS 203.0.113.64:1863 U D 21:40:13",
            "9 C NS 000 MSNP15 request 9 XFR 9 SB 21:40:20",
            "10 S NS 000 MSNP15 sb 9 XFR 9 SB 198.51.100.7:1863 CKI 22.33.44 U messenger.msn.com 1 21:40:20",
        ]
    );
}

/// Kopete: a received chunk goes on past its prefixed line; the MSG body in it (an XFR-like
/// decoy on its last line) is skipped by its length.
#[test]
fn kopete_debug_output() {
    assert_eq!(
        summary("kopete.txt", Format::Kopete),
        [
            "5 C - MSNP9 request 10 XFR 10 SB -",
            "11 S - MSNP9 sb 10 XFR 10 SB 198.51.100.5:1863 CKI 123.456 -",
            "13 C - MSNP9 request 11 XFR 11 SB -",
            "14 S - MSNP9 error-reply 11 code 913 -",
        ]
    );
}

/// Miranda NG's network log, as its text-mode file holds it (CR CR LF): a sent command from its
/// dump, a received one from its `RECV:` line, never twice.
#[test]
fn miranda_network_log() {
    assert_eq!(
        summary("miranda.log", Format::Miranda),
        [
            "10 C - MSNP11 request 12 XFR 12 SB -",
            "15 S - MSNP11 sb 12 XFR 12 SB 10.0.0.5:1863 CKI 123.456 14:03:23",
        ]
    );
}

/// telepathy-butterfly's Python logging and Empathy's saved debug window: papyon's lines.
#[test]
fn butterfly_and_empathy() {
    assert_eq!(
        summary("butterfly.log", Format::Papyon),
        [
            "5 C messenger.hotmail.com:1863 MSNP15 request 7 XFR 7 SB -",
            "6 S messenger.hotmail.com:1863 MSNP15 sb 7 XFR 7 SB 198.51.100.4:1863 CKI 9.8.7 U messenger.msn.com 1 -",
            "8 C messenger.hotmail.com:1863 MSNP15 request 8 XFR 8 SB 14:03:22",
            "9 S messenger.hotmail.com:1863 MSNP15 error-reply 8 code 913 14:03:22",
        ]
    );
}

/// The generic reader: JSON Lines (a body inline, decoys in it), XML elements, and a
/// logger's prefix with `Output:`/`Input:`; its records say so (`log_format` generic).
#[test]
fn generic_reader_on_json_xml_and_a_prefixed_log() {
    assert_eq!(
        summary("generic.jsonl", Format::Generic),
        [
            "5 C - MSNP15 request 7 XFR 7 SB 14:03:25",
            "6 S - MSNP15 sb 7 XFR 7 SB 10.0.0.5:1863 CKI 123.456 U messenger.msn.com 1 14:03:25",
        ]
    );
    assert_eq!(
        summary("generic.xml", Format::Generic),
        [
            "6 C - MSNP8 request 4 XFR 4 SB 21:10:02",
            "7 S - MSNP8 sb 4 XFR 4 SB 10.0.0.7:1863 CKI 55.66 21:10:02",
            "8 C - MSNP8 request 5 XFR 5 SB 21:10:09",
            "9 S - MSNP8 error-reply 5 code 913 21:10:09",
        ]
    );
    assert_eq!(
        summary("generic-prefix.log", Format::Generic),
        [
            "4 C - MSNP9 request 6 XFR 6 SB 18:00:02",
            "5 S - MSNP9 sb 6 XFR 6 SB 198.51.100.3:1863 CKI 77.88 18:00:02",
            "7 S - MSNP9 ns 7 XFR 7 NS 203.0.113.9:1863 0 198.51.100.1:1863 18:00:09",
        ]
    );
    let report = follow::log("g", &data("generic.xml"), Format::Generic, LENIENT);
    use msnp_inspect::record::Context;
    assert_eq!(report.log_format(), Some("generic"));
}

/// A server's log says "send" of what the server sent: the generic reader learns the markers'
/// sense from the commands' shapes.
#[test]
fn generic_reader_learns_a_servers_markers() {
    let log = b"srv 01:00:00 conn=7 recv VER 1 MSNP8 CVR0\n\
srv 01:00:00 conn=7 send VER 1 MSNP8\n\
srv 01:00:01 conn=7 recv XFR 2 SB\n\
srv 01:00:01 conn=7 send XFR 2 SB 10.1.1.1:1863 CKI 9.9\n";
    let report = follow::log("s", log, Format::Generic, LENIENT);
    let dirs: Vec<_> = report
        .records
        .iter()
        .map(|r| r.expand(&report).dir.unwrap_or("-"))
        .collect();
    assert_eq!(dirs, ["C", "S"]);
}

/// Issue 21: detection never takes one format's log for another's: every file written for
/// these tests, old formats and new, is detected as its own (the property test in render.rs
/// does the same for generated sessions in every format and shape).
#[test]
fn detection_confuses_no_format_with_another() {
    for (name, format) in [
        ("amsn.txt", Format::Amsn),
        ("amsn-console.txt", Format::Amsn),
        ("adium.log", Format::Purple),
        ("butterfly.log", Format::Papyon),
        ("emesene-window.html.txt", Format::Emesene),
        ("escargot-interleaved.log", Format::Escargot),
        ("generic.jsonl", Format::Generic),
        ("generic.xml", Format::Generic),
        ("generic-prefix.log", Format::Generic),
        ("kopete.txt", Format::Kopete),
        ("miranda.log", Format::Miranda),
        ("onechar.md", Format::OneChar),
        ("papyon-gateway.log", Format::Papyon),
        ("pecan.txt", Format::Pecan),
        ("purple-comment.c", Format::Purple),
        ("purple-pasted.txt", Format::Purple),
    ] {
        assert_eq!(
            logs::detect(&data(name)),
            Some(format),
            "{name}: {:?}",
            logs::scores(&data(name))
        );
    }
    for name in ["prose.txt", "docs.md", "source.c"] {
        assert_eq!(logs::detect(&data(name)), None, "{name}");
    }
}
