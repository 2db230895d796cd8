//! Packet captures (pcap, pcapng): packets, then TCP segments, then connections followed as
//! MSNP or as the MSN HTTP gateway, in one streaming pass.
//!
//! - [`file`](mod@file): the capture file's packets (pcap-parser);
//! - [`packet`]: link layer, IP (fragments put back together) and TCP (etherparse);
//! - [`flow`]: each TCP connection reassembled (see [`crate::reassembly`]), told apart as MSNP
//!   or gateway traffic by its first lines, and fed to msnp-xfr's `Connection`.

pub mod file;
pub mod flow;
pub mod packet;

use std::borrow::Cow;
use std::io::Read;
use std::ops::{ControlFlow, Range};
use std::sync::mpsc;
use std::time::Duration;

use file::Timestamp;
use packet::Segment;

use crate::follow::Judging;
use crate::report::{Input, Output, Report};

/// Reads the capture `reader` (named `name`) and reports every XFR and XFR error reply in its
/// MSNP connections. `progress` is told how many bytes have been read.
///
/// With an `output`, records are written to it as soon as they are final (a referral's once
/// its follower is known), and forgotten: the report returned holds only what is left to
/// write ([`Report::write_rest`]), so memory does not grow with the capture. Without, the
/// report holds every record. Reading stops early when writing fails.
///
/// The file is read and its packets taken apart ([`file`](mod@file), [`packet`]) on a thread of
/// their own, which hands the TCP segments over in batches to the connections being followed
/// on this one: the two halves of the work then overlap.
pub fn read(
    name: &str,
    reader: impl Read + Send,
    ng: bool,
    judging: Judging,
    progress: impl FnMut(u64) + Send,
    output: Option<&mut Output<'_>>,
) -> Result<Report, String> {
    read_with(
        name,
        reader,
        ng,
        judging,
        progress,
        output,
        &Options::default(),
    )
}

/// How a capture is read beyond what [`read`] takes.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The capture comes as it is made (a pipe from `tcpdump -w -`, an interface): each record
    /// is written as soon as it is final, packets are handed on as they arrive rather than in
    /// batches, and a referral's record waits this long at most for the connection that
    /// follows it.
    pub live: Option<Duration>,
    /// What was undone to read it (`gzip`), for the heading.
    pub layers: Vec<&'static str>,
}

/// How often the following side looks at the clock while a live capture brings nothing.
const LIVE_TICK: Duration = Duration::from_millis(50);

/// [`read`], with [`Options`].
pub fn read_with(
    name: &str,
    reader: impl Read + Send,
    ng: bool,
    judging: Judging,
    progress: impl FnMut(u64) + Send,
    mut output: Option<&mut Output<'_>>,
    options: &Options,
) -> Result<Report, String> {
    let mut start = Report::new(name, Input::Capture { ng });
    start.layers.clone_from(&options.layers);
    if let Some(hold) = options.live {
        start.go_live(hold);
    }
    let mut tracker = flow::Tracker::new(start, judging);
    let mut last = (0, None);
    let live = options.live.is_some();
    let (problem, unread_links) = std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
        let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
        let reading = scope.spawn(move || split(reader, progress, live, &full_tx, &empty_rx));
        'batches: loop {
            let batch = if live {
                match full_rx.recv_timeout(LIVE_TICK) {
                    Ok(batch) => batch,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        // Nothing came: records whose wait is over are written all the same.
                        if let Some(output) = output.as_deref_mut() {
                            let report = tracker.report_mut();
                            if report.overdue() {
                                report.write_ready(output);
                                output.flush();
                            }
                        }
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match full_rx.recv() {
                    Ok(batch) => batch,
                    Err(_) => break,
                }
            };
            if let Some(t) = batch.first {
                tracker.report_mut().start = Some(t.micros());
            }
            for s in &batch.segments {
                let segment = Segment {
                    payload: Cow::Borrowed(&batch.bytes[s.payload.clone()]),
                    ..s.segment.clone()
                };
                tracker.segment(&segment, s.frame, s.time);
                if let Some(output) = output.as_deref_mut() {
                    let report = tracker.report_mut();
                    if report.wants_writing() {
                        report.write_ready(output);
                    }
                    if output.failed() {
                        // Reading ends here, at this packet. Dropping the receiver stops the
                        // reading thread at its next batch.
                        last = (s.frame, s.time);
                        break 'batches;
                    }
                }
            }
            if live {
                // A referral's follower may have come in this batch, or its wait run out: what
                // is ready goes out now, not with the next record.
                if let Some(output) = output.as_deref_mut() {
                    tracker.report_mut().write_ready(output);
                    output.flush();
                }
            }
            last = batch.last;
            // Handed back for reuse; the reading thread may be gone already.
            let _ = empty_tx.send(batch);
        }
        // The reading thread may be waiting for a batch to come back or to go out: either
        // ends it.
        drop(full_rx);
        drop(empty_tx);
        match reading.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let problem = problem.map_err(|e| format!("{name}: {e}"))?;
    let mut report = tracker.finish_all(last.0, last.1);
    report.damaged = matches!(problem, Some(file::Problem::Damaged { .. }));
    // A stop asked for (Ctrl-C) ends the input wherever it is, likely inside a block: that is
    // no damage to warn of.
    let problem = problem
        .filter(|p| !(crate::input::stopping() && matches!(p, file::Problem::TruncatedEnd { .. })));
    let mut warnings: Vec<String> = problem.iter().map(|p| p.to_string()).collect();
    if !unread_links.is_empty() {
        let skipped: Vec<String> = unread_links
            .iter()
            .map(|(link, n)| {
                format!(
                    "{n} packet{} of {}",
                    if *n == 1 { "" } else { "s" },
                    packet::link_name(*link)
                )
            })
            .collect();
        warnings.push(format!(
            "{} skipped: this tool reads Ethernet, Linux cooked (SLL, SLL2), raw IP and BSD \
             loopback packets",
            skipped.join(", ")
        ));
    }
    if report.payloads_too_long > 0 {
        let n = report.payloads_too_long;
        warnings.push(format!(
            "{n} line{} announced a payload past the {} MiB limit: no reader can tell where \
             such a payload ends, so the rest of {} direction was read from the next line end \
             on, its records marked framing_uncertain",
            if n == 1 { "" } else { "s" },
            msnp_xfr::DEFAULT_MAX_PAYLOAD >> 20,
            if n == 1 { "its" } else { "each" },
        ));
    }
    report.warning = (!warnings.is_empty()).then(|| warnings.join("; "));
    Ok(report)
}

/// Batches on their way from the reading thread to the following one: a few, so that memory
/// stays some megabytes whatever the capture.
const BATCHES_IN_FLIGHT: usize = 2;
/// Every batch there is: those in flight, the one being filled and the one being followed.
/// All are made at the start with their full room, so the memory they take is the same in
/// every run; made as needed, their number followed the threads' timing (a test measuring the
/// peak heap saw it vary by over a megabyte between runs).
const BATCHES: usize = BATCHES_IN_FLIGHT + 2;
/// A batch is handed over once its payload bytes reach this…
const BATCH_BYTES: usize = 256 * 1024;
/// …or it holds this many segments (most segments of a busy capture are bare acknowledgements).
const BATCH_SEGMENTS: usize = 2048;

/// TCP segments taken out of consecutive packets, their payloads copied one after the other.
#[derive(Default)]
struct Batch {
    segments: Vec<Taken>,
    bytes: Vec<u8>,
    /// The frame and time of the last packet read into the batch (TCP or not).
    last: (u64, Option<Timestamp>),
    /// The time of the capture's first packet, in the batch that holds it.
    first: Option<Timestamp>,
}

impl Batch {
    /// An empty batch with room for a full one, so that filling it allocates nothing (unless a
    /// packet is larger than [`BATCH_BYTES`]).
    fn with_room() -> Batch {
        Batch {
            segments: Vec::with_capacity(BATCH_SEGMENTS),
            // The packet that passes the mark is still added whole: the room then doubles, in
            // the same batches in every run (they go round in turn).
            bytes: Vec::with_capacity(BATCH_BYTES),
            ..Batch::default()
        }
    }
}

/// A [`Segment`] in a [`Batch`]: its payload is a range of the batch's bytes.
struct Taken {
    /// The segment, its payload left empty.
    segment: Segment<'static>,
    payload: Range<usize>,
    frame: u64,
    time: Option<Timestamp>,
}

/// Packets skipped for their link type, by link type ([`packet::Packets::unread_links`]).
type UnreadLinks = Vec<(pcap_parser::Linktype, u64)>;

/// The reading thread: the capture's packets, taken apart down to their TCP segments, sent on
/// `full` in batches (reusing those that come back on `empty`) until the end of the file or
/// until the receiving side is gone.
fn split(
    reader: impl Read + Send,
    mut progress: impl FnMut(u64),
    live: bool,
    full: &mpsc::SyncSender<Batch>,
    empty: &mpsc::Receiver<Batch>,
) -> (Result<Option<file::Problem>, String>, UnreadLinks) {
    let mut packets = packet::Packets::default();
    let mut spare: Vec<Batch> = (0..BATCHES - 1).map(|_| Batch::with_room()).collect();
    let mut batch = Batch::with_room();
    let mut gone = false;
    // Whether packets were read since the last batch was handed over.
    let mut fresh = false;
    let mut hand_over = |batch: &mut Batch| -> ControlFlow<()> {
        // A spare one, else the next given back (the following side is then behind: waiting
        // here is what keeps the reading thread from running ahead of it).
        let next = match spare.pop() {
            Some(next) => Ok(next),
            None => empty.recv(),
        };
        let Ok(mut next) = next else {
            gone = true;
            return ControlFlow::Break(());
        };
        next.segments.clear();
        next.bytes.clear();
        // A batch that once held a huge packet does not keep its room.
        if next.bytes.capacity() > 2 * BATCH_BYTES {
            next.bytes = Vec::with_capacity(BATCH_BYTES);
        }
        next.last = batch.last;
        next.first = None;
        if full.send(std::mem::replace(batch, next)).is_err() {
            gone = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    };
    let result = file::events(reader, |event| match event {
        file::Event::Packet(p) => {
            batch.last = (p.frame, p.time);
            if p.frame == 1 {
                batch.first = p.time;
            }
            fresh = true;
            if let Some(seg) = packets.tcp(p.link, p.data) {
                let start = batch.bytes.len();
                batch.bytes.extend_from_slice(&seg.payload);
                batch.segments.push(Taken {
                    segment: Segment {
                        src: seg.src,
                        dst: seg.dst,
                        seq: seg.seq,
                        ack: seg.ack,
                        syn: seg.syn,
                        fin: seg.fin,
                        rst: seg.rst,
                        payload: Cow::Borrowed(&[]),
                    },
                    payload: start..batch.bytes.len(),
                    frame: p.frame,
                    time: p.time,
                });
            }
            if batch.bytes.len() >= BATCH_BYTES || batch.segments.len() >= BATCH_SEGMENTS {
                fresh = false;
                return hand_over(&mut batch);
            }
            ControlFlow::Continue(())
        }
        file::Event::Consumed(n) => {
            progress(n);
            ControlFlow::Continue(())
        }
        // On live input the next read may wait for packets not captured yet: what was read is
        // followed first.
        file::Event::Reading if live && fresh => {
            fresh = false;
            hand_over(&mut batch)
        }
        file::Event::Reading => ControlFlow::Continue(()),
    });
    if !gone {
        // The receiving side may have stopped already; then nothing more is wanted.
        let _ = full.send(batch);
    }
    (result, packets.unread_links)
}

/// One TCP connection's two directions as reassembled, for comparing with other tools
/// (Wireshark's "Follow TCP Stream").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedTcp {
    /// The endpoints: the first packet's sender, then its receiver.
    pub ends: [std::net::SocketAddr; 2],
    /// The bytes each end sent, in order; where bytes were never captured, the text
    /// `[N bytes missing in capture file]` and a NUL, as Wireshark's Follow TCP Stream marks them.
    pub data: [Vec<u8>; 2],
}

/// Every TCP connection of a capture reassembled (as [`flow`] reassembles it), in the order
/// their first packets came; a SYN after the connection ended starts a new one.
pub fn follow_tcp(reader: impl Read + Send) -> Result<Vec<FollowedTcp>, String> {
    use std::collections::HashMap;

    use crate::reassembly::{Budget, Delivered, Stream};

    struct Open {
        index: usize,
        streams: [Stream; 2],
    }
    let mut packets = packet::Packets::default();
    let mut budget = Budget::default();
    let mut open: HashMap<(std::net::SocketAddr, std::net::SocketAddr), Open> = HashMap::new();
    let mut out: Vec<FollowedTcp> = Vec::new();
    let put = |data: &mut Vec<u8>, d: Delivered<'_>| match d {
        Delivered::Data(b, ()) => data.extend_from_slice(b),
        Delivered::Gap(n) => {
            data.extend_from_slice(format!("[{n} bytes missing in capture file]\0").as_bytes())
        }
    };
    file::packets(
        reader,
        |p| {
            let Some(seg) = packets.tcp(p.link, p.data) else {
                return ControlFlow::Continue(());
            };
            let key = if seg.src <= seg.dst {
                (seg.src, seg.dst)
            } else {
                (seg.dst, seg.src)
            };
            let restart = seg.syn
                && seg.ack.is_none()
                && open
                    .get(&key)
                    .is_some_and(|o| o.streams.iter().any(|s| s.position() > 0 || s.finished()));
            if restart || !open.contains_key(&key) {
                out.push(FollowedTcp {
                    ends: [seg.src, seg.dst],
                    data: [Vec::new(), Vec::new()],
                });
                open.insert(
                    key,
                    Open {
                        index: out.len() - 1,
                        streams: [Stream::new(), Stream::new()],
                    },
                );
            }
            let o = open.get_mut(&key).expect("inserted above");
            let f = &mut out[o.index];
            let side = usize::from(seg.src != f.ends[0]);
            if seg.syn {
                o.streams[side].syn(seg.seq);
            }
            let seq = if seg.syn {
                seg.seq.wrapping_add(1)
            } else {
                seg.seq
            };
            let data = &mut f.data;
            o.streams[side].segment(seq, &seg.payload, seg.fin, (), &mut budget, &mut |d| {
                put(&mut data[side], d)
            });
            if let Some(ack) = seg.ack {
                o.streams[1 - side].acked(ack, &mut budget, &mut |d| put(&mut data[1 - side], d));
            }
            ControlFlow::Continue(())
        },
        |_| {},
    )?;
    for o in open.values_mut() {
        let f = &mut out[o.index];
        for (side, s) in o.streams.iter_mut().enumerate() {
            let data = &mut f.data[side];
            s.flush(&mut budget, &mut |d| put(data, d));
        }
    }
    Ok(out)
}
