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
    mut output: Option<&mut Output<'_>>,
) -> Result<Report, String> {
    let mut tracker = flow::Tracker::new(Report::new(name, Input::Capture { ng }), judging);
    let mut last = (0, None);
    let problem = std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
        let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
        let reading = scope.spawn(move || split(reader, progress, &full_tx, &empty_rx));
        'batches: for batch in &full_rx {
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
            last = batch.last;
            // Handed back for reuse; the reading thread may be gone already.
            let _ = empty_tx.send(batch);
        }
        drop(full_rx);
        match reading.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
    .map_err(|e| format!("{name}: {e}"))?;
    let mut report = tracker.finish_all(last.0, last.1);
    report.damaged = matches!(problem, Some(file::Problem::Damaged { .. }));
    let mut warnings: Vec<String> = problem.iter().map(|p| p.to_string()).collect();
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
const BATCHES_IN_FLIGHT: usize = 4;
/// A batch is handed over once its payload bytes reach this…
const BATCH_BYTES: usize = 256 * 1024;
/// …or it holds this many segments (most segments of a busy capture are bare acknowledgements).
const BATCH_SEGMENTS: usize = 4096;

/// TCP segments taken out of consecutive packets, their payloads copied one after the other.
#[derive(Default)]
struct Batch {
    segments: Vec<Taken>,
    bytes: Vec<u8>,
    /// The frame and time of the last packet read into the batch (TCP or not).
    last: (u64, Option<Timestamp>),
}

/// A [`Segment`] in a [`Batch`]: its payload is a range of the batch's bytes.
struct Taken {
    /// The segment, its payload left empty.
    segment: Segment<'static>,
    payload: Range<usize>,
    frame: u64,
    time: Option<Timestamp>,
}

/// The reading thread: the capture's packets, taken apart down to their TCP segments, sent on
/// `full` in batches (reusing those that come back on `empty`) until the end of the file or
/// until the receiving side is gone.
fn split(
    reader: impl Read + Send,
    progress: impl FnMut(u64),
    full: &mpsc::SyncSender<Batch>,
    empty: &mpsc::Receiver<Batch>,
) -> Result<Option<file::Problem>, String> {
    let mut packets = packet::Packets::default();
    let mut batch = Batch::default();
    let mut gone = false;
    let result = file::packets(
        reader,
        |p| {
            batch.last = (p.frame, p.time);
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
                let mut next = empty.try_recv().unwrap_or_default();
                next.segments.clear();
                next.bytes.clear();
                // A batch that once held a huge packet does not keep its room.
                if next.bytes.capacity() > 4 * BATCH_BYTES {
                    next.bytes = Vec::new();
                }
                next.last = batch.last;
                if full.send(std::mem::replace(&mut batch, next)).is_err() {
                    gone = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        },
        progress,
    );
    if !gone {
        // The receiving side may have stopped already; then nothing more is wanted.
        let _ = full.send(batch);
    }
    result
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
