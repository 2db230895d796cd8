//! Inputs of every kind, as a user hands them over: compressed files and streams, directories,
//! stdin by default, UTF-16 logs, forced formats, and what cannot be read saying why (empty,
//! binary, link types the tool does not read, a capture cut off in its first packets), with
//! the exit status over several inputs.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use msnp_xfr_testkit::pcap::{Record, pcap};

fn capture(name: &str) -> String {
    format!("{}/tests/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
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
    // The tool may refuse the input before reading it all.
    let _ = pipe.write_all(stdin);
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory of this test's own.
fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("msnp-inspect-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The JSON records with the `file` key set aside (it names the input, which differs).
fn records(out: &Output) -> Vec<serde_json::Value> {
    text(&out.stdout)
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("file");
            v
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn compressed(bytes: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(bytes).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(bytes).unwrap();
    vec![
        ("gz", gzip(bytes)),
        ("zst", zstd::stream::encode_all(bytes, 3).unwrap()),
        ("xz", xz.finish().unwrap()),
        ("bz2", bz.finish().unwrap()),
    ]
}

/// A compressed capture or log gives the records of the plain one, from a file and from stdin,
/// and its heading says what was undone.
#[test]
fn compressed_captures_and_logs_read_as_the_plain_ones() {
    let dir = scratch("compressed");
    for (plain, kind) in [
        (capture("loopback.pcap"), "a pcap capture"),
        (capture("loopback.pcapng"), "a pcapng capture"),
        (data("amsn.txt"), "aMSN protocol console, --format amsn"),
    ] {
        let expected = run(&["--json", &plain], b"");
        let status = expected.status.code();
        let expected = records(&expected);
        assert!(expected.len() >= 4, "{plain}: {} records", expected.len());
        let bytes = std::fs::read(&plain).unwrap();
        for (ext, packed) in compressed(&bytes) {
            let file = dir.join(format!("input.{ext}"));
            std::fs::write(&file, &packed).unwrap();
            let file = file.to_str().unwrap();
            let from_file = run(&["--json", file], b"");
            assert_eq!(
                from_file.status.code(),
                status,
                "{}",
                text(&from_file.stderr)
            );
            assert_eq!(records(&from_file), expected, "{plain} as .{ext}");
            let from_stdin = run(&["--json", "-"], &packed);
            assert_eq!(records(&from_stdin), expected, "{plain} as .{ext} on stdin");
            let table = run(&[file], b"");
            let layer = match ext {
                "gz" => "gzip",
                "zst" => "zstd",
                "bz2" => "bzip2",
                other => other,
            };
            let heading = format!("== {file} (read as {kind}, {layer}-compressed)\n");
            assert!(
                text(&table.stdout).starts_with(&heading),
                "{}",
                text(&table.stdout)
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A damaged compressed stream is a read error that says what the decompressor found.
#[test]
fn a_damaged_compressed_capture_is_a_read_error() {
    let dir = scratch("damaged-gz");
    let mut packed = gzip(&std::fs::read(capture("loopback.pcap")).unwrap());
    let n = packed.len();
    packed[n / 2..n - 8].fill(0x55);
    let file = dir.join("cut.pcap.gz");
    std::fs::write(&file, &packed).unwrap();
    let out = run(&[file.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("cut.pcap.gz: "), "{err}");
    assert!(err.contains("read error at byte"), "{err}");
    assert!(err.contains("deflate") || err.contains("corrupt"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A directory stands for its files, found recursively and in name order, each its own input.
#[test]
fn a_directory_is_read_recursively_in_name_order() {
    let dir = scratch("directory");
    std::fs::create_dir_all(dir.join("b/inner")).unwrap();
    std::fs::copy(capture("loopback.pcap"), dir.join("c.pcap")).unwrap();
    std::fs::copy(data("amsn.txt"), dir.join("b/inner/z.txt")).unwrap();
    std::fs::copy(data("no-xfr.log"), dir.join("b/a.log")).unwrap();
    std::fs::write(dir.join("a.txt"), b"nothing to see here\n").unwrap();
    let root = dir.to_str().unwrap();
    let out = run(&[root], b"");
    let stdout = text(&out.stdout);
    let headings: Vec<&str> = stdout.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(
        headings,
        [
            format!("== {root}/b/a.log (read as C:/S: or >>>/<<< transcript, --format transcript)"),
            format!("== {root}/b/inner/z.txt (read as aMSN protocol console, --format amsn)"),
            format!("== {root}/c.pcap (read as a pcap capture)"),
            "== all 4 inputs".to_string(),
        ]
    );
    assert!(
        text(&out.stderr).contains(&format!("{root}/a.txt: no MSNP traffic found")),
        "{}",
        text(&out.stderr)
    );
    assert!(
        stdout.ends_with("  inputs:       3 read, 1 with no MSNP traffic, 0 unreadable\n"),
        "{stdout}"
    );
    // The capture holds a line that fails to decode: 1, never hidden by the stray text
    // file's 3.
    assert_eq!(out.status.code(), Some(1));
    // An empty directory is no input at all.
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let out = run(&[dir.join("empty").to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("no input"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A failed XFR (1) is never hidden by an input with no traffic (3); a read error (2) outranks
/// both.
#[test]
fn exit_status_precedence_over_several_inputs() {
    let dir = scratch("precedence");
    let failed = dir.join("failed.log");
    std::fs::write(
        &failed,
        b"C: VER 1 MSNP8 CVR0\r\nS: VER 1 MSNP8\r\nC: XFR 2 SB\r\nS: XFR 2 SB 192.0.2.9:99999 CKI 1.2\r\n",
    )
    .unwrap();
    let (failed, prose) = (failed.to_str().unwrap(), data("prose.txt"));
    assert_eq!(run(&[failed], b"").status.code(), Some(1));
    assert_eq!(run(&[failed, &prose], b"").status.code(), Some(1));
    assert_eq!(run(&[&prose, failed], b"").status.code(), Some(1));
    assert_eq!(
        run(&[&prose, failed, "/nonexistent/x"], b"").status.code(),
        Some(2)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What cannot be read says why, and is not a success.
#[test]
fn empty_binary_and_unknown_link_types_say_why() {
    let dir = scratch("unreadable");
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let out = run(&[empty.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        format!("msnp-inspect: {}: empty\n", empty.display())
    );
    let out = run(&["-"], b"");
    assert_eq!(text(&out.stderr), "msnp-inspect: -: empty\n");
    let out = run(&["-"], &gzip(b""));
    assert_eq!(text(&out.stderr), "msnp-inspect: -: empty (after gzip)\n");
    assert_eq!(out.status.code(), Some(3));

    // Binary that is neither: said from its first bytes, never read whole as text.
    let mut binary = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
    binary.extend(std::iter::repeat_n(0u8, 100_000));
    let out = run(&["-"], &binary);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        "msnp-inspect: -: binary data, neither a pcap or pcapng capture nor a text log (it \
         starts 7f 45 4c 46 02 01 01 00)\n"
    );

    // 802.11 and PPP packets: the link types named, the packets counted.
    let wifi: Vec<Record> = (0..3).map(|i| Record::new(i, 0, vec![0x08; 60])).collect();
    let out = run(&["-"], &pcap(105, false, false, &wifi));
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        "msnp-inspect: -: no MSNP traffic found in 0 TCP connections (3 packets of \
         IEEE 802.11 (link type 105) skipped: this tool reads Ethernet, Linux cooked (SLL, SLL2), raw IP \
         and BSD loopback packets)\n"
    );
    // Among packets it reads, the others are a warning: a pcapng with a PPP interface and an
    // Ethernet one.
    use msnp_xfr_testkit::pcap::{Block, Interface, Link, pcapng};
    let interfaces = vec![
        Interface {
            linktype: 9,
            tsresol: 6,
        },
        Interface {
            linktype: 1,
            tsresol: 6,
        },
    ];
    let mut c = msnp_xfr_testkit::pcap::Conversation::new(
        "10.0.0.1:40000".parse().unwrap(),
        "192.0.2.1:1863".parse().unwrap(),
        [100, 200],
    );
    c.handshake()
        .send(true, b"VER 1 MSNP8 CVR0\r\n")
        .send(false, b"VER 1 MSNP8\r\n")
        .send(true, b"XFR 2 SB\r\n")
        .send(false, b"XFR 2 SB 192.0.2.9:1863 CKI 1.2\r\n");
    let ppp = Record::new(1, 0, vec![0xff, 0x03, 0x00, 0x21]);
    let mut blocks = vec![Block::Enhanced(ppp.clone()), Block::Enhanced(ppp)];
    for s in &c.segments {
        let mut record = Record::new(2, 0, s.frame(Link::Ethernet));
        record.interface = 1;
        blocks.push(Block::Enhanced(record));
    }
    let mixed = pcapng(&[(interfaces, blocks)]);
    let out = run(&["--json", "-"], &mixed);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(records(&out).len(), 2);
    assert_eq!(
        text(&out.stderr),
        "msnp-inspect: -: warning: 2 packets of PPP (link type 9) skipped: this tool reads Ethernet, \
         Linux cooked (SLL, SLL2), raw IP and BSD loopback packets\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A capture cut off in its first packets still says it is cut off.
#[test]
fn a_capture_cut_off_in_its_first_packets_says_so() {
    let file = std::fs::read(capture("loopback.pcap")).unwrap();
    let out = run(&["-"], &file[..24 + 30]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        "msnp-inspect: -: no MSNP traffic found in 0 TCP connections (the capture ends inside \
         the block at byte 24: its packet is cut off)\n"
    );
    // Cut inside its header: a read error.
    let out = run(&["-"], &file[..10]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("ends inside its header"),
        "{}",
        text(&out.stderr)
    );
}

/// A UTF-16 log with its byte-order mark reads as the UTF-8 one.
#[test]
fn a_utf16_log_is_read() {
    let plain = std::fs::read_to_string(data("amsn.txt")).unwrap();
    let expected = records(&run(&["--json", "-"], plain.as_bytes()));
    assert_eq!(expected.len(), 4);
    let le: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(plain.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xfe, 0xff]
        .into_iter()
        .chain(plain.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    assert_eq!(records(&run(&["--json", "-"], &le)), expected);
    assert_eq!(records(&run(&["--json", "-"], &be)), expected);
    let table = text(&run(&["-"], &le).stdout);
    assert!(
        table.starts_with("== - (read as aMSN protocol console, --format amsn, UTF-16LE)\n"),
        "{table}"
    );
    // Compressed too.
    assert_eq!(records(&run(&["--json", "-"], &gzip(&le))), expected);
}

/// `--format pcap` and `pcapng` are taken; a log format on a capture, or a capture format on a
/// log, is refused with what the input is.
#[test]
fn forced_formats_and_captures() {
    let (pcap_file, pcapng_file) = (capture("loopback.pcap"), capture("loopback.pcapng"));
    let out = run(&["--json", "--format", "pcap", &pcap_file], b"");
    assert_eq!(records(&out), records(&run(&["--json", &pcap_file], b"")));
    assert!(!records(&out).is_empty());
    let out = run(&["--json", "--format", "pcapng", &pcapng_file], b"");
    assert_eq!(records(&out), records(&run(&["--json", &pcapng_file], b"")));
    let out = run(&["--format", "pcapng", &pcap_file], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "msnp-inspect: {pcap_file}: a pcap capture, not the pcapng that --format asks for\n"
        )
    );
    let out = run(&["--format", "purple", &pcapng_file], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "msnp-inspect: {pcapng_file}: a pcapng capture, not a log: --format purple reads \
             text logs only\n"
        )
    );
    let amsn = data("amsn.txt");
    let out = run(&["--format", "pcap", &amsn], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "msnp-inspect: {amsn}: not a pcap capture (it starts 50 72 6f 74 6f 63 6f 6c 20 63 6f 6e)\n"
        )
    );
}

/// With no input named, stdin is read when it is not a terminal; the samples only on a
/// terminal (or with `--samples`).
#[test]
fn no_input_reads_stdin_unless_it_is_a_terminal() {
    let capture_bytes = std::fs::read(capture("loopback.pcap")).unwrap();
    let out = run(&["--json"], &capture_bytes);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the capture holds a line that fails"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.lines().count() >= 4);
    assert!(
        stdout.lines().all(|l| l.starts_with("{\"file\":\"-\",")),
        "{stdout}"
    );
    let out = run(&["--json", "--samples"], b"");
    assert!(text(&out.stdout).contains("\"file\":\"sample:transcript.log\""));
    // A terminal: `script` gives the tool one.
    let script = Command::new("script").arg("--version").output();
    if script.is_err() {
        assert!(
            std::env::var_os("MSNP_XFR_CI").is_none(),
            "`script` (util-linux) is needed for this test under CI"
        );
        // Straight to stderr, past the test harness's capture: a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: the terminal half of this test needs `script` (util-linux) ***\n"
        );
        return;
    }
    let tool = env!("CARGO_BIN_EXE_msnp-inspect");
    let out = Command::new("script")
        .args(["-qec", &format!("{tool} --json"), "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\"file\":\"sample:transcript.log\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"file\":\"sample:loopback.pcap\""),
        "{stdout}"
    );
}

/// `--version`, and `--help` into a closed pipe or a full disk: no panic.
#[test]
fn version_and_help_on_closed_pipes_and_full_disks() {
    for flag in ["--version", "-V"] {
        let out = run(&[flag], b"");
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            text(&out.stdout),
            format!("msnp-inspect {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_msnp-inspect"))
        .arg("--help")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "");
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let out = Command::new(env!("CARGO_BIN_EXE_msnp-inspect"))
            .arg("--help")
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).starts_with("msnp-inspect: writing output: No space left"),
            "{}",
            text(&out.stderr)
        );
    }
}

/// `-f` goes with `-i`; `-i` in a build without the `pcap` feature says how to get it.
#[test]
fn capture_filters_and_interfaces_without_the_feature() {
    let out = run(&["-f", "tcp port 1863", "-"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "msnp-inspect: -f is a capture filter for -i\n"
    );
    if cfg!(feature = "pcap") {
        return;
    }
    let out = run(&["-i", "lo"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with(
            "msnp-inspect: -i: this msnp-inspect was built without live capture (build it with \
             --features pcap, which needs libpcap)"
        ),
        "{}",
        text(&out.stderr)
    );
}

/// A log is read as a stream: protocol lines found past the first 64 KiB, a line over the
/// 1 MiB limit read as its first megabyte (an XFR failed, as in a capture), the lines after it
/// numbered right.
#[test]
fn streamed_logs_find_late_traffic_and_cut_long_lines() {
    let mut log = Vec::new();
    for i in 0..3000 {
        log.extend_from_slice(format!("line {i} of prose before anything happens\n").as_bytes());
    }
    assert!(log.len() > 100_000);
    log.extend_from_slice(b"C: VER 1 MSNP8 CVR0\r\nS: VER 1 MSNP8\r\nC: XFR 2 SB\r\n");
    log.extend_from_slice(b"S: XFR 2 SB 10.0.0.2:1863 CKI ");
    log.extend(std::iter::repeat_n(b'c', 2 << 20));
    log.extend_from_slice(b"\r\nC: XFR 3 SB\r\nS: 913 3\r\n");
    let dir = scratch("streamed");
    let file = dir.join("late.log");
    std::fs::write(&file, &log).unwrap();
    for out in [
        run(&["--json", file.to_str().unwrap()], b""),
        run(&["--json", "-"], &log),
    ] {
        let got: Vec<(u64, String, bool)> = text(&out.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["line"].as_u64().unwrap(),
                    v["kind"].as_str().unwrap().to_string(),
                    v["ok"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (3003, "request".to_string(), true),
                (3004, "sb".to_string(), false),
                (3005, "request".to_string(), true),
                (3006, "error-reply".to_string(), true),
            ]
        );
        assert_eq!(out.status.code(), Some(1));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The progress bar, on a terminal that shows the output too: every row of the table reaches
/// the terminal whole (the bar is cleared while output is written), and the bar's estimate of
/// the time left is never hours for a run of seconds.
#[test]
fn the_progress_bar_never_lands_inside_the_output() {
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("MSNP_XFR_CI").is_none(),
            "`script` (util-linux) is needed for this test under CI"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: the progress bar test needs `script` (util-linux) ***\n"
        );
        return;
    }
    let dir = scratch("progress");
    let file = dir.join("big.pcap");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    msnp_xfr_testkit::bigcap::write(&mut out, 20 << 20).unwrap();
    drop(out);
    let file = file.to_str().unwrap();
    let plain = text(&run(&[file], b"").stdout);
    let rows: std::collections::HashSet<&str> = plain
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .collect();
    assert!(rows.len() > 100, "{} rows", rows.len());
    let tool = env!("CARGO_BIN_EXE_msnp-inspect");
    let typescript = Command::new("script")
        .args(["-qec", &format!("{tool} {file}"), "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&typescript.stdout);
    // What stays on the screen: escape sequences dropped, each line as its last carriage
    // return left it.
    let mut clean = String::new();
    let mut chars = shown.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        clean.push(c);
    }
    let mut seen = 0;
    for line in clean.split('\n') {
        let visible = line.rsplit('\r').find(|p| !p.is_empty()).unwrap_or("");
        if visible.trim_start().starts_with('#') {
            assert!(
                rows.contains(visible.trim_end()),
                "a row broken by the bar: {visible:?}"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, rows.len(), "every row reached the terminal");
    for (at, _) in clean.match_indices(" s left") {
        let number: String = clean[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let left: u64 = number.parse().unwrap();
        assert!(left < 600, "an estimate of {left} s for a run of seconds");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
