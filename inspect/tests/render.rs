//! One generated MSNP session, rendered into every log format the tool reads, is detected as
//! that format and yields the same records (direction, version, kind, TrID, value, code,
//! deviations, raw line) in each.

use msnp_inspect::follow::{self, Judging};
use msnp_inspect::logs::{self, Format};
use msnp_xfr::Mode;
use proptest::prelude::*;

/// What happens in a session, one step at a time.
#[derive(Debug, Clone)]
enum Step {
    /// The client asks for a switchboard; the server refers it, refuses it, or says nothing.
    Switchboard { answer: u8 },
    /// A presence change and its echo.
    Chg,
    /// A server message whose body holds command-like lines.
    Msg { decoy: bool },
    /// The server sends the client to another notification server; it connects and starts over.
    Referral,
    /// A ping.
    Ping,
}

#[derive(Debug, Clone)]
struct Session {
    version: u8,
    steps: Vec<Step>,
}

fn session() -> impl Strategy<Value = Session> {
    let step = prop_oneof![
        3 => (0u8..3).prop_map(|answer| Step::Switchboard { answer }),
        1 => Just(Step::Chg),
        2 => any::<bool>().prop_map(|decoy| Step::Msg { decoy }),
        1 => Just(Step::Referral),
        1 => Just(Step::Ping),
    ];
    (
        prop::sample::select(vec![2u8, 5, 8, 11, 13, 15, 18, 21]),
        prop::collection::vec(step, 0..16),
    )
        .prop_map(|(version, steps)| Session { version, steps })
}

/// A line of the session: who sent it, the command, the payload body after it, and whether it
/// starts a new connection (after a referral).
struct Line {
    client: bool,
    command: String,
    body: Option<String>,
    new_connection: bool,
}

fn sb_referral(version: u8, trid: u32) -> String {
    let tail = match version {
        2..=12 => "",
        13 => " U messenger.msn.com",
        _ => " U messenger.msn.com 1",
    };
    format!(
        "XFR {trid} SB 192.0.2.{}:1863 CKI {trid}.{trid}.77{tail}",
        trid % 250
    )
}

fn ns_referral(version: u8, trid: u32) -> String {
    let tail = match version {
        2 => String::new(),
        3..=6 => " 0".into(),
        7..=12 => " 0 192.0.2.1:1863".into(),
        13..=20 => " U D".into(),
        _ => " U D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==".into(),
    };
    format!("XFR {trid} NS 192.0.2.{}:1863{tail}", trid % 250)
}

fn lines(s: &Session) -> Vec<Line> {
    let mut out = Vec::new();
    let mut trid = 1;
    let mut push = |client: bool, command: String, body: Option<String>, new_connection: bool| {
        out.push(Line {
            client,
            command,
            body,
            new_connection,
        })
    };
    let ver = |trid: u32| format!("VER {trid} MSNP{} CVR0", s.version);
    push(true, ver(trid), None, false);
    push(false, ver(trid), None, false);
    for step in &s.steps {
        trid += 1;
        match step {
            Step::Switchboard { answer } => {
                push(true, format!("XFR {trid} SB"), None, false);
                match answer {
                    0 => push(false, sb_referral(s.version, trid), None, false),
                    1 => push(false, format!("913 {trid}"), None, false),
                    _ => {}
                }
            }
            Step::Chg => {
                push(true, format!("CHG {trid} NLN 0"), None, false);
                push(false, format!("CHG {trid} NLN 0"), None, false);
            }
            Step::Msg { decoy } => {
                let body = if *decoy {
                    format!(
                        "MIME-Version: 1.0\r\n\r\nXFR {trid} SB 198.51.100.9:1863 CKI decoy\r\n913 {trid}"
                    )
                } else {
                    "MIME-Version: 1.0\r\n\r\nhello".to_string()
                };
                let command = format!("MSG Hotmail Hotmail {}", body.len());
                push(false, command, Some(body), false);
            }
            Step::Referral => {
                push(false, ns_referral(s.version, trid), None, false);
                trid += 1;
                push(true, ver(trid), None, true);
                push(false, ver(trid), None, false);
            }
            Step::Ping => {
                push(true, "PNG".into(), None, false);
                push(false, "QNG 50".into(), None, false);
            }
        }
    }
    out
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The shapes a format is rendered in: its own (0), or another it takes (1): aMSN's console as
/// older excerpts show it, msn-pecan behind libpurple's prefix, a transcript that prints
/// payload commands without their bodies; for the generic reader, a logger's prefix on every
/// line, bodies too (0), JSON Lines (1) and XML elements (2), bodies inline.
const SHAPES: &[(Format, u8)] = &[
    (Format::Amsn, 1),
    (Format::Pecan, 1),
    (Format::Transcript, 1),
    (Format::Generic, 0),
    (Format::Generic, 1),
    (Format::Generic, 2),
];

/// The session as a log of `format`, with some prose around it.
fn render(s: &Session, format: Format) -> String {
    render_shape(s, format, 0)
}

/// The session as a log of `format` in its `shape` (see [`SHAPES`]).
fn render_shape(s: &Session, format: Format, shape: u8) -> String {
    let mut out = String::from("Log of one session, written for a test.\n\n");
    if format == Format::OneChar {
        out.push_str("> Quoted prose, not a command.\n\n```\n");
    }
    let mut conn = 0;
    let connect = |out: &mut String, conn: u32| {
        match format {
        Format::Papyon => out.push_str(&format!(
            "[12:00:00 DEBUG papyon.transport] <-> Connecting to 192.0.2.{conn}:1863\n"
        )),
        Format::Emesene => out.push_str(&format!(
            "(12:00:00) papyon.transport:&lt;-&gt; Connecting to 192.0.2.{conn}:1863\n"
        )),
        Format::Escargot => out.push_str(&format!("NS/{conn:04x} con\n")),
        Format::Amsn if shape == 0 => out.push_str(&format!(
            "[12:00:00] ::Proxy::ProxyDirect{conn}\n[12:00:00] < Connected to: 192.0.2.{conn} 1863 >\n"
        )),
        _ => {}
    }
    };
    connect(&mut out, conn);
    for line in lines(s) {
        if line.new_connection {
            if format == Format::Escargot {
                out.push_str(&format!("NS/{conn:04x} dis\n"));
            }
            conn += 1;
            connect(&mut out, conn);
        }
        let c = line.client;
        let cmd = &line.command;
        out.push_str(&match format {
            Format::Transcript => format!("{} {cmd}\n", if c { "C:" } else { "S:" }),
            Format::OneChar => format!("{} {cmd}\n", if c { ">" } else { "<" }),
            Format::Purple => format!(
                "(12:00:00) msn: {}: NS {conn:03}: {cmd}\n(12:00:00) dns: nothing to see\n",
                if c { "C" } else { "S" }
            ),
            Format::Escargot => format!("NS/{conn:04x} {} {cmd}\n", if c { ">>>" } else { "<<<" }),
            Format::Papyon => format!(
                "[12:00:00 DEBUG papyon.transport] {} {cmd}{}\n[12:00:00 INFO papyon.client] ok\n",
                if c { ">>>" } else { "<<<" },
                if c { "\\r\\n" } else { "" }
            ),
            Format::Emesene => format!(
                "(12:00:00) papyon.transport:{} {}\n",
                html(if c { ">>>" } else { "<<<" }),
                html(cmd)
            ),
            Format::Amsn if shape == 1 => format!("{} {cmd}\n", if c { "->NS" } else { "<-NS" }),
            Format::Amsn => format!(
                "[12:00:00] {}ns-sock{conn} {cmd}\n\n",
                if c { "->" } else { "<-" }
            ),
            Format::Generic => match shape {
                0 => format!(
                    "2010-03-14 12:00:00,{:03} DEBUG [msn.conn] {}: {cmd}\n",
                    out.len() % 1000,
                    if c { "send" } else { "recv" }
                ),
                1 => format!(
                    "{{\"t\":\"12:00:00\",\"dir\":\"{}\",\"data\":\"{}\\r\\n{}\"}}\n",
                    if c { "out" } else { "in" },
                    cmd.replace('"', "\\\""),
                    line.body.as_deref().unwrap_or("").replace("\r\n", "\\r\\n")
                ),
                _ => format!(
                    "<line time=\"12:00:00\" dir=\"{}\">{}&#13;&#10;{}</line>\n",
                    if c { "out" } else { "in" },
                    html(cmd),
                    html(line.body.as_deref().unwrap_or("")).replace("\r\n", "&#13;&#10;")
                ),
            },
            Format::Kopete => format!(
                "kopete (msn): [void MSNNotifySocket::parseCommand()] ok\n\
                 kopete (msn - raw protocol): [void MSNSocket::{}] {}{cmd}\n",
                if c {
                    "slotReadyWrite()"
                } else {
                    "slotDataReceived()"
                },
                if c { "Sending command: " } else { "" }
            ),
            Format::Miranda if c => {
                format!("[12:00:00 0F1C] [MSN] (0A1B2C3D:1234) Data sent\n{cmd}\n")
            }
            // Its `RECV:` line follows the dump (after the body).
            Format::Miranda => {
                format!("[12:00:00 0F1C] [MSN] (0A1B2C3D:1234) Data received\n{cmd}\n")
            }
            Format::Pecan => format!(
                "{}INFO cmd/cmdproc.c:110:show_debug_cmd() {}: {conn:03}: ns: {cmd}\n\
                 DEBUG io/pn_node.c:300:read_cb() 42 bytes\n",
                if shape == 1 {
                    "(12:00:00) msn-pecan: "
                } else {
                    ""
                },
                if c { "C" } else { "S" }
            ),
        });
        if let Some(body) = &line.body {
            match format {
                // Commands only.
                Format::Transcript if shape == 1 => {}
                // Bodies as lines, counted against the length.
                Format::Transcript => {
                    out.push_str(&body.replace("\r\n", "\n"));
                    out.push('\n');
                }
                Format::OneChar => {
                    for l in body.split("\r\n") {
                        out.push_str(&format!("< {l}\n"));
                    }
                }
                // Continuation lines, indented, with the line ends escaped.
                Format::Papyon | Format::Emesene => {
                    out.push_str(&format!("    {}\n", body.replace("\r\n", "\\r\\n")));
                }
                // Lines of no protocol shape.
                Format::Escargot | Format::Amsn => {
                    out.push_str(&body.replace("\r\n", "\n"));
                    out.push('\n');
                }
                // libpurple and msn-pecan print commands only.
                Format::Purple | Format::Pecan => {}
                // The rest of the chunk or of the dump, unprefixed.
                Format::Kopete | Format::Miranda => {
                    out.push_str(&body.replace("\r\n", "\n"));
                    out.push('\n');
                }
                // The logger's prefix on every line of the body.
                Format::Generic if shape == 0 => {
                    for l in body.split("\r\n") {
                        out.push_str(&format!(
                            "2010-03-14 12:00:00,{:03} DEBUG [msn.conn] recv: {l}\n",
                            out.len() % 1000
                        ));
                    }
                }
                // Inline, with the command.
                Format::Generic => {}
            }
        }
        if format == Format::Miranda && !c {
            out.push_str(&format!("[12:00:00 0F1C] [MSN] RECV: {cmd}\n"));
        }
    }
    if format == Format::OneChar {
        out.push_str("```\n\nThe end.\n");
    }
    out
}

/// What must be the same whatever the format.
fn essence(text: &str, format: Format) -> Vec<String> {
    let judging = Judging {
        mode: Mode::Lenient,
        version: None,
    };
    let report = follow::log("t", text.as_bytes(), format, judging);
    report
        .records
        .iter()
        .map(|record| {
            let r = record.expand(&report);
            format!(
                "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {} {}",
                r.dir, r.version, r.kind, r.trid, r.canonical, r.code, r.deviations, r.ok, r.raw
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_format_yields_the_same_records(s in session()) {
        let expected = essence(&render(&s, Format::Transcript), Format::Transcript);
        let requests = s.steps.iter().filter(|st| matches!(st, Step::Switchboard { .. })).count();
        prop_assert!(expected.len() >= requests, "{expected:#?}");
        for format in Format::ALL {
            let text = render(&s, format);
            prop_assert_eq!(logs::detect(text.as_bytes()), Some(format), "{}", text);
            prop_assert_eq!(&essence(&text, format), &expected, "{:?}\n{}", format, text);
        }
        for &(format, shape) in SHAPES {
            let text = render_shape(&s, format, shape);
            prop_assert_eq!(logs::detect(text.as_bytes()), Some(format), "{}", text);
            prop_assert_eq!(&essence(&text, format), &expected, "{:?} {}\n{}", format, shape, text);
        }
    }
}
