//! Live input: a capture trickling into a pipe (as `tcpdump -U -w - | msnp-inspect` makes
//! one) is reported as it comes, each record within 100 ms of the packet that made it final;
//! a referral waits for its follower no longer than `--wait` (a second by default); Ctrl-C and SIGTERM end the
//! reading as if the input had ended, and a second Ctrl-C quits at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use msnp_xfr_testkit::pcap::{Conversation, Link, Record, pcap};

/// What a record may take beyond the packet that made it final: the bound.
const PROMPT: Duration = Duration::from_millis(100);

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_msnp-inspect"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Each line of the child's stdout with when it arrived, on a channel.
fn lines_as_they_come(child: &mut Child) -> mpsc::Receiver<(Instant, String)> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    rx
}

/// The packets of a client's session with a notification server: two SB referrals (the first
/// followed by a switchboard connection, the second never), a request the server refuses.
fn session() -> Vec<(&'static str, Vec<u8>)> {
    let client = "10.0.0.1:40000".parse().unwrap();
    let mut ns = Conversation::new(client, "192.0.2.1:1863".parse().unwrap(), [100, 5000]);
    ns.handshake()
        .send(true, b"VER 1 MSNP8 CVR0\r\n")
        .send(false, b"VER 1 MSNP8\r\n")
        .send(true, b"XFR 2 SB\r\n")
        .send(false, b"XFR 2 SB 192.0.2.9:1863 CKI 1.2\r\n");
    let mut sb = Conversation::new(
        "10.0.0.1:40001".parse().unwrap(),
        "192.0.2.9:1863".parse().unwrap(),
        [900, 9000],
    );
    sb.handshake().send(true, b"USR 1 me@example.com 1.2\r\n");
    let mut later = ns.clone();
    later.segments.clear();
    later
        .send(true, b"XFR 3 SB\r\n")
        .send(false, b"913 3\r\n")
        .send(true, b"XFR 4 SB\r\n")
        .send(false, b"XFR 4 SB 192.0.2.10:1863 CKI 3.4\r\n")
        .send(true, b"PNG\r\n");
    let frames = |c: &Conversation, what: &'static str| -> Vec<(&'static str, Vec<u8>)> {
        c.segments
            .iter()
            .map(|s| (what, s.frame(Link::Ethernet)))
            .collect()
    };
    [frames(&ns, "ns"), frames(&sb, "sb"), frames(&later, "ns")].concat()
}

fn header() -> Vec<u8> {
    pcap(1, false, false, &[])
}

fn packet(n: u32, frame: &[u8]) -> Vec<u8> {
    pcap(
        1,
        false,
        false,
        &[Record::new(1_700_000_000 + n, 0, frame.to_vec())],
    )[24..]
        .to_vec()
}

/// Writes the packets one by one, `pause` apart; returns when each was written (by frame
/// number, 1-based).
fn trickle(stdin: &mut ChildStdin, packets: &[(&str, Vec<u8>)], pause: Duration) -> Vec<Instant> {
    let mut written = vec![Instant::now()];
    stdin.write_all(&header()).unwrap();
    for (n, (_, frame)) in packets.iter().enumerate() {
        std::thread::sleep(pause);
        stdin.write_all(&packet(n as u32, frame)).unwrap();
        stdin.flush().unwrap();
        written.push(Instant::now());
    }
    written
}

#[test]
fn records_reach_stdout_as_their_packets_reach_stdin() {
    let packets = session();
    // The default wait on live input: a second.
    let mut child = spawn(&["--json"]);
    let lines = lines_as_they_come(&mut child);
    let mut stdin = child.stdin.take().unwrap();
    let written = trickle(&mut stdin, &packets, Duration::from_millis(150));
    // Time for the unfollowed referral's wait to run out while the input stays open.
    std::thread::sleep(Duration::from_millis(1400));
    let open_until = Instant::now();
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let got: Vec<(Instant, serde_json::Value)> = lines
        .iter()
        .map(|(t, l)| (t, serde_json::from_str(&l).unwrap()))
        .collect();
    let kinds: Vec<&str> = got
        .iter()
        .map(|(_, r)| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["request", "sb", "request", "error-reply", "request", "sb"]
    );
    let frame = |r: &serde_json::Value| r["frame"].as_u64().unwrap() as usize;
    // The switchboard connection's first data packet: the referral's follower is known then.
    let follower = packets
        .iter()
        .position(|(what, f)| *what == "sb" && f.ends_with(b"1.2\r\n"))
        .unwrap()
        + 1;
    let referral_released = got[1].0;
    assert!(got[1].1["followed_by"].is_string(), "{}", got[1].1);
    let late = |at: Instant, since: Instant| at.saturating_duration_since(since);
    assert!(
        late(referral_released, written[follower]) < PROMPT,
        "the followed referral came {:?} after its follower's packet",
        late(referral_released, written[follower])
    );
    for (i, (at, record)) in got.iter().enumerate() {
        let f = frame(record);
        let due = match i {
            // The first request, before the referral: at once.
            0 => written[f],
            // Behind the waiting referral: once it is written.
            2 | 3 => written[f].max(referral_released),
            1 => written[follower],
            // The unfollowed referral waits its second, no more.
            5 => {
                assert!(record["followed_by"].is_null(), "{record}");
                let waited = late(*at, written[f]);
                assert!(waited >= Duration::from_secs(1), "written after {waited:?}");
                written[f] + Duration::from_secs(1)
            }
            _ => written[f],
        };
        assert!(
            late(*at, due) < PROMPT,
            "record {i} ({}) came {:?} late",
            record["kind"],
            late(*at, due)
        );
        assert!(
            *at < open_until,
            "record {i} waited for the end of the input"
        );
    }
}

/// Kills `child` with `signal` (by name: INT, TERM).
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for `child` at most `limit`; the time it took.
fn wait_at_most(child: &mut Child, limit: Duration) -> (Option<i32>, Duration) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the tool did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn ctrl_c_and_sigterm_end_the_reading_and_write_what_waits() {
    let packets = session();
    // Up to the referral that waits for its follower (which never comes: the input stays open).
    let upto = packets
        .iter()
        .position(|(_, f)| f.ends_with(b"CKI 1.2\r\n"))
        .unwrap()
        + 1;
    for (sig, json) in [("INT", false), ("TERM", true), ("INT", true)] {
        let mut args = vec!["--wait", "600"];
        if json {
            args.push("--json");
        }
        let mut child = spawn(&args);
        let lines = lines_as_they_come(&mut child);
        let mut stdin = child.stdin.take().unwrap();
        trickle(&mut stdin, &packets[..upto], Duration::from_millis(5));
        // The request comes at once; the referral waits.
        let first = lines.recv_timeout(Duration::from_secs(5)).unwrap().1;
        if json {
            assert!(first.contains("\"kind\":\"request\""), "{first}");
        } else {
            assert!(
                first.starts_with("== - (read as a pcap capture)"),
                "{first}"
            );
            // The column heading, the date, then the request.
            lines.recv_timeout(Duration::from_secs(5)).unwrap();
            let date = lines.recv_timeout(Duration::from_secs(5)).unwrap().1;
            assert_eq!(date.trim(), "2023-11-14");
            let request = lines.recv_timeout(Duration::from_secs(5)).unwrap().1;
            assert!(request.contains("request"), "{request}");
        }
        assert!(lines.recv_timeout(Duration::from_millis(300)).is_err());
        signal(&child, sig);
        let (status, took) = wait_at_most(&mut child, Duration::from_secs(5));
        assert_eq!(status, Some(0), "SIG{sig}");
        assert!(took < Duration::from_secs(1), "SIG{sig}: took {took:?}");
        let rest: Vec<String> = lines.iter().map(|(_, l)| l).collect();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(err.contains("interrupted"), "{err}");
        drop(stdin);
        if json {
            assert_eq!(rest.len(), 1, "{rest:?}");
            assert!(rest[0].contains("\"kind\":\"sb\""), "{}", rest[0]);
            assert!(rest[0].contains("\"followed_by\":null"), "{}", rest[0]);
        } else {
            let text = rest.join("\n");
            assert!(text.contains(" sb "), "{text}");
            assert!(
                text.contains("2 XFR lines: 2 decoded, 0 failed (4 MSNP lines in 1 connection)"),
                "{text}"
            );
        }
    }
}

#[test]
fn a_second_ctrl_c_quits_at_once() {
    // Enough output to fill the pipe nobody reads: the tool is stuck writing when the first
    // Ctrl-C comes, so only the second can end it.
    let mut log = b"C: VER 1 MSNP8 CVR0\r\nS: VER 1 MSNP8\r\n".to_vec();
    for i in 0..20_000 {
        log.extend_from_slice(format!("C: XFR {i} SB\r\n").as_bytes());
    }
    let mut child = spawn(&["--json", "-"]);
    let mut stdin = child.stdin.take().unwrap();
    // The log is read as it comes: the tool stops reading once its output is stuck, so the
    // rest is written on a thread of its own.
    std::thread::spawn(move || {
        let _ = stdin.write_all(&log);
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "stuck on its output");
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "still stuck on its output"
    );
    signal(&child, "INT");
    let (status, took) = wait_at_most(&mut child, Duration::from_secs(5));
    assert_eq!(status, Some(130));
    assert!(took < Duration::from_millis(500), "took {took:?}");
}

/// A log written into a pipe a line at a time (`tail -f pidgin.log | msnp-inspect`): detected
/// from its first lines, each record out within 100 ms of its line.
#[test]
fn a_log_trickling_into_a_pipe_is_reported_line_by_line() {
    let lines = [
        "(12:00:00) msn: C: NS 000: VER 1 MSNP15 CVR0",
        "(12:00:00) msn: S: NS 000: VER 1 MSNP15",
        "(12:00:01) dns: resolving sb.example.net",
        "(12:00:02) msn: C: NS 000: XFR 8 SB",
        "(12:00:02) msn: S: NS 000: XFR 8 SB 192.0.2.50:1863 CKI 1.2 U messenger.msn.com 1",
        "(12:00:03) msn: C: NS 000: XFR 9 SB",
        "(12:00:03) msn: S: NS 000: 800 9",
    ];
    let mut child = spawn(&["--json"]);
    let got = lines_as_they_come(&mut child);
    let mut stdin = child.stdin.take().unwrap();
    let mut written = Vec::new();
    for line in lines {
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
        written.push(Instant::now());
        std::thread::sleep(Duration::from_millis(150));
    }
    let open_until = Instant::now();
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let records: Vec<(Instant, serde_json::Value)> = got
        .iter()
        .map(|(t, l)| (t, serde_json::from_str(&l).unwrap()))
        .collect();
    let kinds: Vec<&str> = records
        .iter()
        .map(|(_, r)| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["request", "sb", "request", "error-reply"]);
    for (at, record) in &records {
        let line = record["line"].as_u64().unwrap() as usize;
        let late = at.saturating_duration_since(written[line - 1]);
        assert!(late < PROMPT, "line {line}'s record came {late:?} after it");
        assert!(*at < open_until);
    }
}
