//! The model-based property test of issue 19: MSNP sessions of every era are generated as
//! scripts of lines (payload bodies holding command-like text among them), cut into segments,
//! then damaged as captures are: segments lost, reordered, duplicated and retransmitted (with
//! equal and with differing bytes), the capture started mid-stream, the connection closed by FIN
//! or RST or not at all, a late retransmission after the close. An oracle that knows the script
//! and which bytes were captured, and nothing of the reader, says which records must appear
//! exactly, which truncated, which flagged as read with uncertain framing, and that nothing else
//! may appear unflagged. The reader (`Tracker`) must agree.
//!
//! The oracle's rules, per direction:
//! - The framing is certain from the stream's start if its SYN was captured, and stays so until
//!   a gap that is not wholly inside a payload body.
//! - While certain, a record line whose bytes were all captured appears exactly, unflagged, dated
//!   by the first captured copy of its last byte; one cut by a gap or by the end of what was
//!   captured appears truncated (if what was captured of it starts with `XFR`), dated by the
//!   packet that carried its last captured byte.
//! - After a gap that touches no body nor payload command (so that a reader at the next line end
//!   is in step again), every record line wholly captured after that line end appears, flagged.
//! - Elsewhere after a gap, records may be missing; any that appears is flagged, and its text is
//!   some of the bytes captured.
//! - An error reply appears when the request it answers must appear; where the request may or
//!   may not have been read, either is right.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;

use msnp_inspect::capture::flow::Tracker;
use msnp_inspect::capture::packet::Segment;
use msnp_inspect::follow::Judging;
use msnp_inspect::report::{Input, Report};
use msnp_xfr::Mode;
use msnp_xfr_testkit::pcap::{Conversation, Flags, Seg};
use proptest::prelude::*;

const LENIENT: Judging = Judging {
    mode: Mode::Lenient,
    version: None,
};

/// A small deterministic generator: the cases come from seeds, so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What a line of the script is to the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Not reported.
    Other,
    /// Reported with this kind (`request`, `sb`, `ns`, `reset`).
    Xfr(&'static str),
    /// An error reply answering the request with this TrID.
    ErrorReply(u32),
}

/// One line of a session, with the payload body that follows it.
#[derive(Debug, Clone)]
struct Line {
    client: bool,
    text: Vec<u8>,
    body: Vec<u8>,
    kind: Kind,
    /// The TrID of an XFR request (for the error reply that answers it).
    request: Option<u32>,
}

fn line(client: bool, text: &str, kind: Kind) -> Line {
    Line {
        client,
        text: format!("{text}\r\n").into_bytes(),
        body: Vec::new(),
        kind,
        request: None,
    }
}

/// A body whose text looks like commands, XFRs among them.
fn decoy_body(rng: &mut Rng, trid: u32) -> Vec<u8> {
    let mut body = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n".to_vec();
    for i in 0..1 + rng.below(3) {
        let decoy = match rng.below(4) {
            0 => format!("XFR {} SB 10.6.6.6:1863 CKI decoy.{trid}.{i}\r\n", 900 + i),
            1 => format!("913 {trid}\r\n"),
            2 => format!("MSG x y {}\r\n", 5 + i),
            _ => format!("XFR {} NS 10.6.6.7:1863 0 10.6.6.8:1863\r\n", 800 + i),
        };
        body.extend_from_slice(decoy.as_bytes());
    }
    if rng.chance(50) {
        body.extend_from_slice(b"no line end at the end");
    }
    body
}

/// A session of `turns` exchanges at a version of its own: each turn is the lines of one side
/// then the other's answer.
fn script(rng: &mut Rng) -> (u32, Vec<Vec<Line>>) {
    const VERSIONS: [u32; 8] = [2, 5, 8, 9, 12, 15, 18, 21];
    let v = VERSIONS[rng.below(VERSIONS.len() as u64) as usize];
    let mut turns = vec![
        vec![line(true, &format!("VER 1 MSNP{v} CVR0"), Kind::Other)],
        vec![line(false, &format!("VER 1 MSNP{v} CVR0"), Kind::Other)],
    ];
    for t in 3..7 + rng.below(14) as u32 {
        let sb = if v >= 13 {
            format!(
                "XFR {t} SB 10.0.0.{}:1863 CKI c{t}.{t} U messenger.msn.com 1",
                t % 250
            )
        } else {
            format!("XFR {t} SB 10.0.0.{}:1863 CKI c{t}.{t}", t % 250)
        };
        match rng.below(8) {
            0 | 1 => {
                let mut request = line(true, &format!("XFR {t} SB"), Kind::Xfr("request"));
                request.request = Some(t);
                turns.push(vec![request]);
                turns.push(vec![line(false, &sb, Kind::Xfr("sb"))]);
            }
            2 => {
                let mut request = line(true, &format!("XFR {t} SB"), Kind::Xfr("request"));
                request.request = Some(t);
                turns.push(vec![request]);
                turns.push(vec![line(false, &format!("913 {t}"), Kind::ErrorReply(t))]);
            }
            3 => {
                let body = decoy_body(rng, t);
                let mut msg = line(
                    false,
                    &format!("MSG Hotmail Hotmail {}", body.len()),
                    Kind::Other,
                );
                msg.body = body;
                turns.push(vec![msg]);
            }
            4 if v >= 10 => {
                let body = decoy_body(rng, t);
                let mut uux = line(true, &format!("UUX {t} {}", body.len()), Kind::Other);
                uux.body = body;
                turns.push(vec![uux]);
                turns.push(vec![line(false, &format!("UUX {t} 0"), Kind::Other)]);
            }
            5 if v <= 12 => turns.push(vec![line(
                false,
                &format!("XFR {t} NS 10.0.0.9:1863 0 10.0.0.1:1863"),
                Kind::Xfr("ns"),
            )]),
            6 => {
                turns.push(vec![line(true, "PNG", Kind::Other)]);
                turns.push(vec![line(false, "QNG 50", Kind::Other)]);
            }
            _ => turns.push(vec![
                line(false, &format!("ILN {t} NLN a{t}@b.c Name{t}"), Kind::Other),
                line(false, &format!("CHG {t} NLN 0"), Kind::Other),
            ]),
        }
    }
    (v, turns)
}

/// Where a line lies in its direction's stream.
#[derive(Debug, Clone)]
struct Placed {
    line: Line,
    start: u64,
    /// The end of the line (its body follows up to `body_end`).
    end: u64,
    body_end: u64,
}

/// A captured segment: the crafted segment, and which direction's bytes (from offset `at`) it
/// carries, or none (a handshake or bare acknowledgement).
#[derive(Debug, Clone)]
struct Captured {
    seg: Seg,
    data: Option<(usize, u64)>,
    /// A copy whose bytes differ from the first (never first in capture order).
    differs: bool,
}

struct Case {
    capture: Vec<Captured>,
    placed: [Vec<Placed>; 2],
    streams: [Vec<u8>; 2],
    /// Whether each direction's SYN was captured.
    syn: [bool; 2],
    clean: bool,
    /// The session went through the HTTP gateway.
    gateway: bool,
}

fn case(seed: u64) -> Case {
    case_with(seed, false)
}

/// The HTTP messages that carry a session's turns through the gateway: a request for each
/// client turn (the first opens the session), a response for each server turn; a poll where a
/// server turn answers no request, an empty response where a request was not answered.
fn http_turns(turns: &[Vec<Line>]) -> Vec<(bool, Vec<u8>, Vec<Line>)> {
    let request = |first: bool, body: usize| -> Vec<u8> {
        let target = if first {
            "Action=open&Server=NS&IP=192.0.2.1".to_string()
        } else if body == 0 {
            "Action=poll&SessionID=s.1".to_string()
        } else {
            "SessionID=s.1".to_string()
        };
        format!(
            "POST http://192.0.2.80/gateway/gateway.dll?{target} HTTP/1.1\r\nContent-Length: {body}\r\n\r\n"
        )
        .into_bytes()
    };
    let response = |body: usize| -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=s.1; GW-IP=192.0.2.1\r\nContent-Length: {body}\r\n\r\n"
        )
        .into_bytes()
    };
    let size = |lines: &[Line]| {
        lines
            .iter()
            .map(|l| l.text.len() + l.body.len())
            .sum::<usize>()
    };
    let mut out = Vec::new();
    let mut waiting = false;
    let mut first = true;
    for turn in turns {
        if turn[0].client {
            if waiting {
                out.push((false, response(0), Vec::new()));
            }
            out.push((true, request(first, size(turn)), turn.clone()));
            first = false;
            waiting = true;
        } else {
            if !waiting {
                out.push((true, request(first, 0), Vec::new()));
                first = false;
            }
            out.push((false, response(size(turn)), turn.clone()));
            waiting = false;
        }
    }
    out
}

fn case_with(seed: u64, gateway: bool) -> Case {
    let mut rng = Rng(seed);
    let (_, turns) = script(&mut rng);
    let client: SocketAddr = "10.0.0.1:40000".parse().unwrap();
    let server: SocketAddr = if gateway {
        "192.0.2.80:80".parse().unwrap()
    } else {
        "192.0.2.1:1863".parse().unwrap()
    };
    let turns: Vec<(bool, Vec<u8>, Vec<Line>)> = if gateway {
        http_turns(&turns)
    } else {
        turns
            .into_iter()
            .map(|t| (t[0].client, Vec::new(), t))
            .collect()
    };
    let isn = [rng.next() as u32, rng.next() as u32];
    let mut c = Conversation::new(client, server, isn);
    c.handshake();
    let mut capture: Vec<Captured> = c
        .segments
        .drain(..)
        .map(|seg| Captured {
            seg,
            data: None,
            differs: false,
        })
        .collect();
    let mut placed: [Vec<Placed>; 2] = [Vec::new(), Vec::new()];
    let mut streams: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let max_cut = [1, 3, 12, 40, 1000][rng.below(5) as usize];
    for (from_client, head, turn) in &turns {
        let d = usize::from(!from_client);
        let mut bytes = head.clone();
        for l in turn {
            let start = streams[d].len() as u64 + bytes.len() as u64;
            let end = start + l.text.len() as u64;
            placed[d].push(Placed {
                line: l.clone(),
                start,
                end,
                body_end: end + l.body.len() as u64,
            });
            bytes.extend_from_slice(&l.text);
            bytes.extend_from_slice(&l.body);
        }
        let mut at = 0;
        while at < bytes.len() {
            let n = (1 + rng.below(max_cut) as usize).min(bytes.len() - at);
            let offset = streams[d].len() as u64 + at as u64;
            c.send(d == 0, &bytes[at..at + n]);
            capture.push(Captured {
                seg: c.segments.pop().unwrap(),
                data: Some((d, offset)),
                differs: false,
            });
            at += n;
        }
        streams[d].extend_from_slice(&bytes);
    }
    let data_segments = capture.len() - 3;
    // Damage, each kind with its own chance per case.
    // (A quarter of the segments lost when they are a byte or three long leaves no line whole
    // for a connection to be told apart by: no capture is like that.)
    let loss = [0, 0, 4, 10, if max_cut > 3 { 25 } else { 10 }][rng.below(5) as usize];
    let dup = [0, 5, 15][rng.below(3) as usize];
    let reorder = [0, 5, 15][rng.below(3) as usize];
    let differ = [0, 5, 10][rng.below(3) as usize];
    let midstream = rng.chance(20);
    let clean = loss == 0 && !midstream;
    let mut out: Vec<Captured> = Vec::new();
    let mut late: Vec<(usize, Captured)> = Vec::new();
    let skip_first = if midstream {
        3 + rng.below(4.min(data_segments as u64)) as usize
    } else {
        0
    };
    for (i, cap) in capture.into_iter().enumerate() {
        if i < skip_first {
            continue;
        }
        if cap.data.is_some() && rng.chance(loss) {
            continue;
        }
        if cap.data.is_some() && rng.chance(dup) {
            late.push((out.len() + 1 + rng.below(3) as usize, cap.clone()));
        }
        if cap.data.is_some() && rng.chance(differ) {
            let mut copy = cap.clone();
            let k = rng.below(copy.seg.payload.len() as u64) as usize;
            copy.seg.payload[k] ^= 0x20;
            copy.differs = true;
            late.push((out.len() + 2 + rng.below(3) as usize, copy));
        }
        out.push(cap);
    }
    late.sort_by_key(|(at, _)| *at);
    for (shift, (at, cap)) in late.into_iter().enumerate() {
        let at = (at + shift).min(out.len());
        out.insert(at, cap);
    }
    // Neighbours swapped, never a copy that differs before its first copy.
    let mut i = 1;
    while i < out.len() {
        if rng.chance(reorder) && !out[i].differs && !out[i - 1].differs {
            out.swap(i - 1, i);
            i += 1;
        }
        i += 1;
    }
    // The close.
    let mut closing = Conversation::new(client, server, [0, 0]);
    closing.seq = c.seq;
    match rng.below(3) {
        0 => {
            closing.fin(true).fin(false).send(true, b"");
        }
        1 => {
            closing.rst(rng.chance(50));
        }
        _ => {}
    }
    let closed_by_fin = closing.segments.len() == 3;
    out.extend(closing.segments.drain(..).map(|seg| Captured {
        seg,
        data: None,
        differs: false,
    }));
    if closed_by_fin && rng.chance(50) {
        // A data segment sent again after both FINs.
        if let Some(old) = out.iter().find(|c| c.data.is_some()).cloned() {
            out.push(Captured {
                differs: true,
                ..old
            });
        }
    }
    let syn = [!midstream, !midstream];
    Case {
        capture: out,
        placed,
        streams,
        syn,
        clean,
        gateway,
    }
}

/// A record as compared: direction, kind, text, frame, truncated, uncertain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Rec {
    client: bool,
    kind: String,
    raw: String,
    frame: u64,
    truncated: bool,
    uncertain: bool,
}

fn read(case: &Case) -> (Vec<Rec>, Report) {
    let mut tracker = Tracker::new(Report::new("model", Input::Capture { ng: false }), LENIENT);
    for (i, c) in case.capture.iter().enumerate() {
        let s = &c.seg;
        let seg = Segment {
            src: s.src,
            dst: s.dst,
            seq: s.seq,
            ack: s.flags.ack,
            syn: s.flags.syn,
            fin: s.flags.fin,
            rst: s.flags.rst,
            payload: Cow::Borrowed(&s.payload),
        };
        tracker.segment(&seg, i as u64 + 1, None);
    }
    let report = tracker.finish_all(case.capture.len() as u64, None);
    let recs = report
        .records
        .iter()
        .map(|r| {
            let e = r.expand(&report);
            Rec {
                client: e.dir == Some("C"),
                kind: r.kind_name().to_string(),
                raw: e.raw.clone(),
                frame: e.frame.unwrap(),
                truncated: e.truncated,
                uncertain: e.framing_uncertain,
            }
        })
        .collect();
    (recs, report)
}

/// What the oracle says.
#[derive(Debug, Default)]
struct Expected {
    /// Records that must appear, exactly.
    must: Vec<Rec>,
    /// Texts of records that may appear, flagged, per direction (beyond `must`).
    may_flagged: [bool; 2],
    /// Error replies that may appear (unflagged or not) though not required: (client, raw).
    may_replies: Vec<String>,
}

/// Through the gateway, the oracle is strict where it is simple: records whose line lies
/// wholly before the first byte a direction lost must appear exactly, unflagged (error replies
/// as above); past it, what appears unflagged must be a true line at its exact frame, or the
/// start of one cut off (checked in `check`).
fn oracle_gateway(case: &Case) -> Expected {
    let mut first: [HashMap<u64, u64>; 2] = [HashMap::new(), HashMap::new()];
    for (i, c) in case.capture.iter().enumerate() {
        if let (Some((d, at)), false) = (c.data, c.differs) {
            for k in 0..c.seg.payload.len() as u64 {
                first[d].entry(at + k).or_insert(i as u64 + 1);
            }
        }
    }
    let certain_end: [u64; 2] = std::array::from_fn(|d| {
        (0..case.streams[d].len() as u64)
            .find(|x| !first[d].contains_key(x))
            .unwrap_or(case.streams[d].len() as u64)
    });
    let mut out = Expected::default();
    let mut read_requests: Vec<(u32, u64)> = Vec::new();
    for d in [0, 1] {
        for p in &case.placed[d] {
            if p.end > certain_end[d] {
                if let Kind::ErrorReply(_) = p.line.kind {
                    out.may_replies.push(text(&p.line.text));
                }
                continue;
            }
            let frame = first[d][&(p.end - 1)];
            if let Some(t) = p.line.request {
                read_requests.push((t, frame));
            }
            let kind = match p.line.kind {
                Kind::Other => continue,
                Kind::Xfr(k) => k,
                Kind::ErrorReply(t) => {
                    if read_requests.iter().any(|&(r, f)| r == t && f < frame) {
                        "error-reply"
                    } else {
                        out.may_replies.push(text(&p.line.text));
                        continue;
                    }
                }
            };
            out.must.push(Rec {
                client: d == 0,
                kind: kind.to_string(),
                raw: text(&p.line.text),
                frame,
                truncated: false,
                uncertain: false,
            });
        }
        out.may_flagged[d] = certain_end[d] < case.streams[d].len() as u64;
    }
    out
}

fn oracle(case: &Case) -> Expected {
    if case.gateway {
        return oracle_gateway(case);
    }
    // Where each direction starts for the reader: its SYN, or else the first segment of it the
    // capture holds (bytes before that are older than the reader's start).
    let mut base = [0u64; 2];
    for d in [0, 1] {
        if !case.syn[d] {
            base[d] = case
                .capture
                .iter()
                .find_map(|c| c.data.filter(|(cd, _)| *cd == d).map(|(_, at)| at))
                .unwrap_or(u64::MAX);
        }
    }
    // Which bytes of each direction were captured, and the first frame carrying each.
    let mut first: [HashMap<u64, u64>; 2] = [HashMap::new(), HashMap::new()];
    for (i, c) in case.capture.iter().enumerate() {
        if let (Some((d, at)), false) = (c.data, c.differs) {
            for k in 0..c.seg.payload.len() as u64 {
                if at + k >= base[d] {
                    first[d].entry(at + k).or_insert(i as u64 + 1);
                }
            }
        }
    }
    let captured = |d: usize, x: u64| first[d].contains_key(&x);
    let mut out = Expected::default();
    // Requests that must be read, by TrID; and those that may be.
    // (TrID, frame of the request's last byte.)
    let mut read_requests: Vec<(u32, u64)> = Vec::new();
    // The first frame of each direction the reader sees: a reply captured before anything of
    // the client (a capture joined mid-way, in the wrong order) cannot be known to answer it.
    let first_seen: [u64; 2] = std::array::from_fn(|d| {
        case.capture
            .iter()
            .position(|c| c.data.is_some_and(|(cd, _)| cd == d) && !c.differs)
            .map_or(u64::MAX, |i| i as u64 + 1)
    });
    let mut maybe_requests: Vec<u32> = Vec::new();
    #[derive(Clone, Copy, PartialEq, Debug)]
    enum State {
        /// In step, and sure of it.
        Certain,
        /// In step from `resume_at` on, but not sure of it.
        Aligned,
        /// Perhaps out of step.
        Lost,
    }
    // The client's direction first: error replies depend on its requests.
    for d in [0, 1] {
        let client = d == 0;
        let stream_len = case.streams[d].len() as u64;
        let placed = &case.placed[d];
        // The gaps: runs of bytes not captured (the start before a mid-stream capture's first
        // byte is one).
        let mut gaps: Vec<(u64, u64)> = Vec::new();
        let mut x = 0u64;
        while x < stream_len {
            if captured(d, x) {
                x += 1;
                continue;
            }
            let start = x;
            while x < stream_len && !captured(d, x) {
                x += 1;
            }
            gaps.push((start, x));
        }
        let mut state = State::Certain;
        let mut resume_at = 0u64;
        // What a gap does to the state.
        let after_gap = |state: State, gs: u64, ge: u64, resume_at: &mut u64| -> State {
            if state == State::Lost {
                return State::Lost;
            }
            // Wholly inside a body read in step: counted against it.
            if placed
                .iter()
                .any(|q| q.body_end > q.end && gs >= q.end && ge <= q.body_end)
            {
                return state;
            }
            if ge >= stream_len {
                return State::Lost;
            }
            // Ending inside a payload command or its body: out of step.
            if placed
                .iter()
                .any(|q| q.body_end > q.end && q.start < ge && ge < q.body_end)
            {
                return State::Lost;
            }
            // In step again at the next line start (a line's tail is skipped).
            *resume_at = placed
                .iter()
                .map(|q| q.start)
                .find(|&s| s >= ge)
                .unwrap_or(stream_len);
            State::Aligned
        };
        if !case.syn[d] {
            // Joined in the middle: as after a gap up to the first byte seen.
            state = after_gap(State::Certain, 0, base[d].min(stream_len), &mut resume_at);
        }
        let mut gap_at = 0;
        for p in placed {
            // The gaps before this line's start change the state first; one inside it cuts it.
            while gap_at < gaps.len() && gaps[gap_at].0 < p.start {
                let (gs, ge) = gaps[gap_at];
                state = after_gap(state, gs, ge, &mut resume_at);
                gap_at += 1;
            }
            let whole = (p.start..p.end).all(|y| captured(d, y));
            let cut_at = (p.start..p.end).find(|&y| !captured(d, y));
            let in_step = match state {
                State::Certain => true,
                State::Aligned => p.start >= resume_at,
                State::Lost => false,
            };
            let uncertain = state != State::Certain;
            if !in_step {
                if let Some(t) = p.line.request {
                    maybe_requests.push(t);
                }
                if let Kind::ErrorReply(_) = p.line.kind {
                    out.may_replies.push(text(&p.line.text));
                }
            } else if whole {
                if let Some(t) = p.line.request {
                    read_requests.push((t, first[d][&(p.end - 1)]));
                }
                let reply_frame = first[d][&(p.end - 1)];
                let answered = |t: u32| {
                    read_requests.iter().any(|&(r, frame)| {
                        r == t && (frame < reply_frame || first_seen[0] < reply_frame)
                    })
                };
                let kind = match p.line.kind {
                    Kind::Other => None,
                    Kind::Xfr(k) => Some(k),
                    Kind::ErrorReply(t) if answered(t) => Some("error-reply"),
                    Kind::ErrorReply(t) => {
                        if maybe_requests.contains(&t) || read_requests.iter().any(|r| r.0 == t) {
                            out.may_replies.push(text(&p.line.text));
                        }
                        None
                    }
                };
                if let Some(kind) = kind {
                    out.must.push(Rec {
                        client,
                        kind: kind.to_string(),
                        raw: text(&p.line.text),
                        frame: first[d][&(p.end - 1)],
                        truncated: false,
                        uncertain,
                    });
                }
            } else {
                // Cut, by a gap or by the end of what was captured.
                let m = cut_at.expect("not whole");
                let prefix = &p.line.text[..(m - p.start) as usize];
                if m > p.start && prefix.starts_with(b"XFR") {
                    out.must.push(Rec {
                        client,
                        kind: "failed".to_string(),
                        raw: text(prefix),
                        frame: first[d][&(m - 1)],
                        truncated: true,
                        uncertain,
                    });
                }
                if let Some(t) = p.line.request {
                    maybe_requests.push(t);
                }
            }
        }
        out.may_flagged[d] = !gaps.is_empty();
    }
    out
}

/// The first frame that captured byte `x` of direction `d` (first copies only).
fn first_frame(case: &Case, d: usize, x: u64) -> Option<u64> {
    case.capture
        .iter()
        .enumerate()
        .find_map(|(i, c)| match c.data {
            Some((cd, at))
                if cd == d && !c.differs && at <= x && x < at + c.seg.payload.len() as u64 =>
            {
                Some(i as u64 + 1)
            }
            _ => None,
        })
}

/// A line as records show it (`raw`): without its LF, then without a CR.
fn text(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line)).into_owned()
}

fn check(seed: u64) -> Result<(), String> {
    check_case(seed, &case(seed))
}

fn check_gateway(seed: u64) -> Result<(), String> {
    check_case(seed, &case_with(seed, true))
}

fn check_case(seed: u64, case: &Case) -> Result<(), String> {
    let (got, report) = read(case);
    let want = oracle(case);
    let fail = |what: String| {
        Err(format!(
            "seed {seed}: {what}\n got: {got:#?}\n must: {:#?}",
            want.must
        ))
    };
    for m in &want.must {
        // Through the gateway a record the oracle knows certain may be flagged: the reader
        // cannot tell whose a body is when the response that names its session was damaged
        // (that direction of the session is then uncertain to it), though it is right.
        let found = got.iter().any(|g| {
            g == m
                || case.gateway
                    && Rec {
                        uncertain: m.uncertain,
                        ..g.clone()
                    } == *m
        });
        if !found {
            return fail(format!("missing {m:?}"));
        }
    }
    for (i, g) in got.iter().enumerate() {
        // No line is reported twice (every line of a script is unique).
        if got[..i]
            .iter()
            .any(|h| h.client == g.client && h.raw == g.raw && h.frame == g.frame)
        {
            return fail(format!("twice: {g:?}"));
        }
        if want.must.contains(g)
            || case.gateway
                && want.must.contains(&Rec {
                    uncertain: false,
                    ..g.clone()
                })
        {
            continue;
        }
        let d = usize::from(!g.client);
        let captured_text = {
            // Any copy the capture holds of that direction's bytes.
            let mut all = Vec::new();
            for c in &case.capture {
                if let Some((cd, _)) = c.data {
                    if cd == d {
                        all.extend_from_slice(&c.seg.payload);
                        all.push(0);
                    }
                }
            }
            all
        };
        let plausible = memchr::memmem::find(&case.streams[d], g.raw.as_bytes()).is_some()
            || memchr::memmem::find(&captured_text, g.raw.as_bytes()).is_some();
        if g.uncertain && want.may_flagged[d] && plausible {
            continue;
        }
        if g.kind == "error-reply" && want.may_replies.contains(&g.raw) && !g.truncated {
            continue;
        }
        if case.gateway && !g.uncertain {
            // Past the certain start, unflagged is still right: a true line at its frame, or
            // the captured start of one.
            let true_line = case.placed[d].iter().any(|p| {
                let raw = text(&p.line.text);
                if g.truncated {
                    // Dated by the packet of its last captured byte (a CR it ended on is not
                    // shown).
                    let last = p.start + g.raw.len() as u64;
                    raw.starts_with(&g.raw)
                        && [last - 1, last]
                            .iter()
                            .any(|&x| first_frame(case, d, x) == Some(g.frame))
                } else {
                    p.line.kind != Kind::Other
                        && raw == g.raw
                        && first_frame(case, d, p.end - 1) == Some(g.frame)
                }
            });
            if true_line {
                continue;
            }
        }
        return fail(format!("unexpected {g:?}"));
    }
    if report.tcp_connections != 1 {
        return fail(format!("{} TCP connections", report.tcp_connections));
    }
    if case.clean && got.iter().any(|g| g.uncertain) {
        return fail("a flag in a capture that lost nothing".into());
    }
    Ok(())
}

#[test]
fn a_few_seeds_by_hand() {
    let failed: Vec<u64> = (0..300).filter(|&seed| check(seed).is_err()).collect();
    if let Some(&seed) = failed.first() {
        panic!(
            "{} of 300 seeds fail: {failed:?}\n{}",
            failed.len(),
            check(seed).unwrap_err()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn damaged_captures_never_give_a_wrong_record(seed in any::<u64>()) {
        let result = check(seed);
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }

    /// The same sessions through the HTTP gateway, one keep-alive TCP connection.
    #[test]
    fn damaged_gateway_captures_never_give_a_wrong_record(seed in any::<u64>()) {
        let result = check_gateway(seed);
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}

#[test]
fn gateway_seeds_by_hand() {
    let failed: Vec<u64> = (0..300)
        .filter(|&seed| check_gateway(seed).is_err())
        .collect();
    if let Some(&seed) = failed.first() {
        panic!(
            "{} of 300 seeds fail: {failed:?}\n{}",
            failed.len(),
            check_gateway(seed).unwrap_err()
        );
    }
}

/// The generator makes what the oracle reasons about: cases with loss, decoys, a mid-stream
/// start, differing copies (so the property is not vacuous).
#[test]
fn the_generator_covers_the_damage() {
    // Lost bytes, mid-stream starts, differing copies, bodies, RST, reordering (a segment
    // captured before one sent earlier), duplicates; in plain and gateway cases alike.
    let mut seen = [[0usize; 7]; 2];
    for gateway in [false, true] {
        for seed in 0..400 {
            let case = case_with(seed, gateway);
            let seen = &mut seen[usize::from(gateway)];
            let captured: usize = case
                .capture
                .iter()
                .filter(|c| c.data.is_some() && !c.differs)
                .map(|c| c.seg.payload.len())
                .sum();
            let sent = case.streams[0].len() + case.streams[1].len();
            seen[0] += usize::from(case.syn[0] && captured < sent);
            seen[1] += usize::from(!case.syn[0]);
            seen[2] += usize::from(case.capture.iter().any(|c| c.differs));
            seen[3] += usize::from(case.placed[1].iter().any(|p| p.body_end > p.end));
            seen[4] += usize::from(case.capture.iter().any(|c| c.seg.flags.rst));
            let offsets: Vec<(usize, u64)> = case.capture.iter().filter_map(|c| c.data).collect();
            seen[5] += usize::from(
                offsets
                    .windows(2)
                    .any(|w| w[0].0 == w[1].0 && w[1].1 < w[0].1),
            );
            let mut copies = offsets.clone();
            copies.sort_unstable();
            seen[6] += usize::from(copies.windows(2).any(|w| w[0] == w[1]));
        }
    }
    assert!(seen.iter().flatten().all(|&n| n >= 20), "{seen:?}");
    let _ = Flags::default();
}

/// `SEED=n cargo test -p msnp-inspect --test damage_model show -- --ignored --nocapture`:
/// one case, packet by packet, with what the reader and the oracle say.
#[test]
#[ignore]
fn show() {
    let seed: u64 = std::env::var("SEED").unwrap().parse().unwrap();
    // GATEWAY=1: the session through the gateway.
    let case = case_with(seed, std::env::var_os("GATEWAY").is_some());
    for (i, c) in case.capture.iter().enumerate() {
        let s = &c.seg;
        let dir = if s.src.port() == 40000 { "C" } else { "S" };
        let _ = &case.gateway;
        eprintln!(
            "#{:<3} {dir} seq {:>10} ack {:>10?} {}{}{} {:?} {:?}{}",
            i + 1,
            s.seq,
            s.flags.ack,
            if s.flags.syn { "SYN " } else { "" },
            if s.flags.fin { "FIN " } else { "" },
            if s.flags.rst { "RST " } else { "" },
            c.data,
            String::from_utf8_lossy(&s.payload),
            if c.differs { " (differs)" } else { "" },
        );
    }
    let (got, _) = read(&case);
    eprintln!("got: {got:#?}\nmust: {:#?}", oracle(&case).must);
    eprintln!("{:?}", check_case(seed, &case));
}
