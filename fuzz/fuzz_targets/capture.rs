//! The capture reader and reassembler on any bytes: read as a capture file (with a valid pcap
//! header put in front half the time, to reach the packets quickly; half of those through
//! `capture::read` and its reading thread, half packet by packet into a tracker here), or, for
//! the first byte's odd values, read as a script of TCP segments between two connections' endpoints fed to the
//! tracker directly (any order, overlap, loss, flags). No panic; every record points at a frame
//! that was seen; a record cut off is never one that decoded. Half the time the records are
//! written as they become final (JSON or the table, into nothing), as the tool does.
#![no_main]

use std::borrow::Cow;
use std::net::SocketAddr;

use libfuzzer_sys::fuzz_target;
use msnp_inspect::capture::{self, flow::Tracker, packet::Segment};
use msnp_inspect::follow::Judging;
use msnp_inspect::report::{Input, Output, Report};
use msnp_xfr::Mode;

const PCAP_HEADER: [u8; 24] = [
    0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
];

fn check(report: &Report, frames: u64) {
    for r in &report.records {
        assert!(r.origin.frame.is_some_and(|f| f >= 1 && f <= frames.max(1)));
        if r.truncated {
            assert!(!r.ok());
        }
        let _ = r.expand(report);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let judging = Judging {
        mode: if mode & 4 == 0 {
            Mode::Lenient
        } else {
            Mode::Strict
        },
        version: None,
    };
    if mode & 1 == 0 {
        let mut file = Vec::new();
        if mode & 2 == 0 {
            file.extend_from_slice(&PCAP_HEADER);
        }
        file.extend_from_slice(rest);
        let mut output = Output::new(mode & 16 != 0, std::io::sink());
        if mode & 32 != 0 {
            // One input in two through `capture::read`, whose reading thread hands the
            // segments over in batches; a thread per input costs half the rate, so the others
            // feed the packets to a tracker here.
            let streaming = (mode & 8 != 0).then_some(&mut output);
            if let Ok(mut report) =
                capture::read("fuzz", &file[..], false, judging, |_| {}, streaming)
            {
                check(&report, u64::MAX);
                report.write_rest(&mut output);
                assert!(report.records.is_empty());
            }
            return;
        }
        let mut tracker = Tracker::new(Report::new("fuzz", Input::Capture { ng: false }), judging);
        let mut last = (0, None);
        let read = capture::file::packets(
            &file[..],
            |p| {
                last = (p.frame, p.time);
                tracker.packet(p);
                if mode & 8 != 0 && tracker.report_mut().wants_writing() {
                    tracker.report_mut().write_ready(&mut output);
                }
                std::ops::ControlFlow::Continue(())
            },
            |_| {},
        );
        if read.is_ok() {
            let mut report = tracker.finish_all(last.0, last.1);
            check(&report, last.0);
            report.write_rest(&mut output);
            assert!(report.records.is_empty());
        }
        return;
    }
    let ends: [SocketAddr; 4] = [
        "10.0.0.1:40000".parse().unwrap(),
        "10.0.0.2:1863".parse().unwrap(),
        "10.0.0.1:40001".parse().unwrap(),
        "[2001:db8::2]:80".parse().unwrap(),
    ];
    let mut tracker = Tracker::new(Report::new("fuzz", Input::Capture { ng: false }), judging);
    let mut output = Output::new(mode & 16 != 0, std::io::sink());
    let mut at = rest;
    let mut frame = 0;
    // Each segment: flags, endpoints, sequence number, ack, length, then the payload.
    while let [flags, who, s0, s1, a0, len, tail @ ..] = at {
        let n = usize::from(*len).min(tail.len());
        let (payload, next) = tail.split_at(n);
        at = next;
        let pair = usize::from(who & 1) * 2;
        let (src, dst) = if who & 2 == 0 {
            (ends[pair], ends[pair + 1])
        } else {
            (ends[pair + 1], ends[pair])
        };
        if src.is_ipv4() != dst.is_ipv4() {
            continue;
        }
        frame += 1;
        let seg = Segment {
            src,
            dst,
            seq: u32::from(u16::from_le_bytes([*s0, *s1])).wrapping_mul(if who & 4 == 0 {
                1
            } else {
                4099
            }),
            ack: (flags & 8 != 0).then_some(u32::from(*a0) * 64),
            syn: flags & 1 != 0,
            fin: flags & 2 != 0,
            rst: flags & 4 != 0,
            payload: Cow::Borrowed(payload),
        };
        tracker.segment(&seg, frame, None);
        if mode & 8 != 0 && tracker.report_mut().wants_writing() {
            tracker.report_mut().write_ready(&mut output);
        }
    }
    let mut report = tracker.finish_all(frame, None);
    check(&report, frame);
    report.write_rest(&mut output);
    assert!(report.records.is_empty());
});
