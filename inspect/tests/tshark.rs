//! The reassembled streams of every test capture, compared with Wireshark's own reassembly:
//! `tshark -r FILE -q -z follow,tcp,raw,N` for each TCP connection N. Without tshark the test
//! says loudly that it skipped; under CI (`MSNP_XFR_CI` set, by `.ci/run`, which installs
//! tshark) a missing tshark is a failure.

use std::io::Write;
use std::process::Command;

use msnp_inspect::capture::{FollowedTcp, follow_tcp};

/// Every capture under tests/captures, but the damaged one, which tshark refuses as we do.
fn captures() -> Vec<String> {
    let dir = format!("{}/tests/captures", env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for sub in ["", "crafted"] {
        for entry in std::fs::read_dir(format!("{dir}/{sub}")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.to_string_lossy().into_owned();
            if (name.ends_with(".pcap") || name.ends_with(".pcapng")) && !name.contains("damaged") {
                out.push(name);
            }
        }
    }
    out.sort();
    out
}

fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("tshark is needed for this test (apt-get install tshark): {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// tshark's follow of stream `n`: the bytes node 0 sent, then node 1's.
fn follow(file: &str, n: usize) -> ([Vec<u8>; 2], String) {
    let text = tshark(&[
        "-r",
        file,
        "-o",
        "tcp.reassemble_out_of_order:TRUE",
        "-q",
        "-z",
        &format!("follow,tcp,raw,{n}"),
    ]);
    let mut data = [Vec::new(), Vec::new()];
    let mut node0 = String::new();
    let mut body = false;
    for line in text.lines() {
        if let Some(addr) = line.strip_prefix("Node 0: ") {
            node0 = addr.to_string();
        } else if line.starts_with("Node 1: ") {
            body = true;
        } else if line.starts_with("=====") {
            body = false;
        } else if body {
            let (side, hex) = match line.strip_prefix('\t') {
                Some(hex) => (1, hex),
                None => (0, line),
            };
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            data[side].extend(bytes);
        }
    }
    (data, node0)
}

/// Whether tshark can be run: if not, a loud skip, or under CI a failure.
fn tshark_present() -> bool {
    if Command::new("tshark").arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var_os("MSNP_XFR_CI").is_none(),
        "tshark is needed for this test under CI (.ci/run installs it: apt-get install tshark)"
    );
    // Straight to stderr, past the test harness's capture: a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: the comparison with Wireshark's reassembly needs tshark \
         (apt-get install tshark); it runs, and must pass, under .ci/run ***\n"
    );
    false
}

#[test]
fn reassembled_streams_match_tshark_follow() {
    if !tshark_present() {
        return;
    }
    let files = captures();
    assert!(files.len() >= 12, "{files:?}");
    for file in files {
        let ours: Vec<FollowedTcp> =
            follow_tcp(std::io::BufReader::new(std::fs::File::open(&file).unwrap())).unwrap();
        let streams = tshark(&["-r", &file, "-T", "fields", "-e", "tcp.stream"]);
        let mut ids: Vec<usize> = streams
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        ids.sort();
        ids.dedup();
        // tshark numbers connections in the order their first packets came, as we list them;
        // pair them by their first sender and their rank among its connections.
        let mut compared = 0;
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for n in ids {
            let (theirs, node0) = follow(&file, n);
            let node0 = node0.replace(['[', ']'], "");
            let rank = seen.entry(node0.clone()).or_default();
            let mine = ours
                .iter()
                .filter(|f| f.ends[0].to_string().replace(['[', ']'], "") == node0)
                .nth(*rank);
            *rank += 1;
            let Some(mine) = mine else {
                // A connection tshark saw without a SYN or a byte of data (a stray packet).
                assert!(
                    theirs.iter().all(Vec::is_empty),
                    "{file} stream {n}: not followed"
                );
                continue;
            };
            assert_eq!(
                String::from_utf8_lossy(&mine.data[0]),
                String::from_utf8_lossy(&theirs[0]),
                "{file} stream {n}: node 0's bytes"
            );
            assert_eq!(
                String::from_utf8_lossy(&mine.data[1]),
                String::from_utf8_lossy(&theirs[1]),
                "{file} stream {n}: node 1's bytes"
            );
            compared += 1;
        }
        assert!(
            compared > 0 || file.contains("no-msnp"),
            "{file}: nothing compared"
        );
    }
}

/// Every record's `tcp_stream` is the `tcp.stream` Wireshark gives the packet that completed its
/// line, in every test capture (and the real 2005 capture beside the checkout, when there).
#[test]
fn tcp_stream_is_wiresharks() {
    if !tshark_present() {
        return;
    }
    let mut files = captures();
    let real = format!(
        "{}/../../shared/captures/msnms-2005.pcap",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::path::Path::new(&real).exists() {
        files.push(real);
    }
    let mut compared = 0;
    for file in &files {
        let theirs: std::collections::HashMap<u64, u32> = tshark(&[
            "-r",
            file,
            "-Y",
            "tcp",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "tcp.stream",
        ])
        .lines()
        .filter_map(|l| {
            let (frame, stream) = l.split_once('\t')?;
            Some((frame.parse().ok()?, stream.trim().parse().ok()?))
        })
        .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_msnp-inspect"))
            .args(["--json", file])
            .output()
            .unwrap();
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            let frame = record["frame"].as_u64().unwrap();
            assert_eq!(
                record["tcp_stream"].as_u64(),
                theirs.get(&frame).map(|&s| u64::from(s)),
                "{file} frame {frame}"
            );
            compared += 1;
        }
    }
    assert!(compared > 50, "{compared} records compared");
}
