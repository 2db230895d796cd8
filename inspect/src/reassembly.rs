//! TCP reassembly: one direction of a connection put back in order by sequence number, the way
//! Wireshark's "Follow TCP Stream" does.
//!
//! - Sequence numbers are unwrapped into 64-bit offsets from the stream's start (the byte after
//!   the SYN, or the first byte seen when the capture starts mid-connection), so wrap-around is
//!   just another offset.
//! - Segments ahead of the next expected byte wait, bounded per stream
//!   ([`MAX_PENDING_PER_STREAM`]) and across all streams ([`Budget`]); each waiting segment is
//!   charged its length plus [`SEGMENT_OVERHEAD`], so a million one-byte segments cost what
//!   their bookkeeping costs.
//! - Retransmissions and overlaps: the first copy of each byte wins. A later copy that differs
//!   from the bytes kept is counted as a conflict and dropped: bytes still waiting are all
//!   kept, and the bytes delivered last in the whole capture ([`RECENT`], the last
//!   [`MAX_RETAINED`] of each of a stream's last two deliveries) are kept to compare a
//!   retransmission with; later copies of older bytes are dropped uncompared.
//! - A gap (bytes never captured) is declared when the peer acknowledges past them, when the
//!   waiting bytes reach their bound, and when the stream ends (FIN, RST, end of capture): the
//!   missing bytes are reported and delivery resumes at the first waiting byte.

use std::collections::BTreeMap;

/// Out-of-order bytes one stream may hold.
pub const MAX_PENDING_PER_STREAM: usize = 256 * 1024;
/// Out-of-order bytes all streams of one capture may hold together.
pub const MAX_PENDING_TOTAL: usize = 16 * 1024 * 1024;
/// Of each delivery, at most its last this many bytes are kept to compare a retransmission
/// with (a retransmitted MSNP segment is mostly one or a few short lines).
pub const MAX_RETAINED: usize = 256;
/// The bytes delivered last, across the streams of a capture, kept to compare
/// retransmissions with. One ring written in turn, small enough to stay in the cache: a
/// ring per stream missed the cache at every delivery (LL misses +27 % on the benchmark
/// capture, +20 % for one ring of 256 KiB, +6.5 % for this one; cachegrind, 1 MiB LL).
pub const RECENT: usize = 64 * 1024;
/// What each waiting segment costs beyond its bytes (its buffer and map entry).
// Its map entry (key, buffer, the caller's tag: a frame and a time) and the allocation's own
// bookkeeping, measured on the hostile-capture test.
pub const SEGMENT_OVERHEAD: usize = 128;

/// What the streams of one capture share: room for bytes out of order, and the bytes
/// delivered last ([`RECENT`]).
#[derive(Debug)]
pub struct Budget {
    left: usize,
    /// The ring of recent bytes (made at the first delivery).
    recent: Vec<u8>,
    /// How many bytes were ever written to it: the next goes at `head % RECENT`.
    head: u64,
}

impl Budget {
    /// A budget of `bytes`.
    pub fn new(bytes: usize) -> Self {
        Budget {
            left: bytes,
            recent: Vec::new(),
            head: 0,
        }
    }

    /// What is left.
    pub fn left(&self) -> usize {
        self.left
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(MAX_PENDING_TOTAL)
    }
}

/// What a stream hands on, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivered<'a, T = ()> {
    /// The next bytes of the stream, with the tag of the segment that carried them (a frame
    /// number, say: bytes that waited for a hole to fill keep the packet they came in).
    Data(&'a [u8], T),
    /// This many bytes were never captured; what follows starts after them.
    Gap(u64),
}

/// Counts of what a stream met.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes delivered.
    pub bytes: u64,
    /// Bytes that arrived again after they were delivered or while they waited.
    pub duplicate_bytes: u64,
    /// Bytes of later copies that differed from the copy kept.
    pub conflict_bytes: u64,
    /// Gaps declared.
    pub gaps: u64,
    /// Bytes missing in them.
    pub gap_bytes: u64,
    /// Bytes of segments dropped because no room was left to hold them.
    pub dropped_bytes: u64,
}

/// Where a stream's delivery was kept in the budget's ring of recent bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Kept {
    /// The stream offset of its first byte kept.
    start: u64,
    /// Bytes kept (0: none).
    len: u32,
    /// Its position in the ring's count of bytes written.
    at: u64,
}

/// One direction of a TCP connection; each segment carries a tag of the caller's (`T`), handed
/// on with its bytes.
#[derive(Debug, Default)]
pub struct Stream<T = ()> {
    /// The sequence number of offset 0, once known.
    base: Option<u32>,
    /// The offset of the next byte to deliver.
    next: u64,
    /// Waiting segments by offset; they never overlap one another.
    pending: BTreeMap<u64, (Vec<u8>, T)>,
    /// What the waiting segments are charged.
    pending_cost: usize,
    /// The offset the FIN ends the stream at, once seen.
    fin: Option<u64>,
    /// What delivered segments were charged, not yet given back to the budget.
    released: usize,
    /// Where the stream's last two deliveries were kept in the budget's ring, newest first.
    kept: [Kept; 2],
    /// Counts.
    pub stats: Stats,
}

impl<T: Copy + Default> Stream<T> {
    /// A stream that has seen nothing yet.
    pub fn new() -> Self {
        Stream {
            base: None,
            next: 0,
            pending: BTreeMap::new(),
            pending_cost: 0,
            fin: None,
            released: 0,
            kept: [Kept::default(); 2],
            stats: Stats::default(),
        }
    }

    /// Whether the stream's start is known (a SYN, or a first segment).
    pub fn started(&self) -> bool {
        self.base.is_some()
    }

    /// Whether the stream has ended: its FIN reached, nothing waiting.
    pub fn finished(&self) -> bool {
        self.fin.is_some_and(|f| self.next >= f)
    }

    /// The offset of the next byte to deliver.
    pub fn position(&self) -> u64 {
        self.next
    }

    /// A SYN with sequence number `seq`: the stream starts at the byte after it. A SYN for a
    /// stream already under way (a retransmitted SYN) changes nothing.
    pub fn syn(&mut self, seq: u32) {
        if self.base.is_none() {
            self.base = Some(seq.wrapping_add(1));
        }
    }

    /// The 64-bit offset of `seq`: the one of its 2^32 candidates nearest the next byte.
    fn offset(&self, seq: u32) -> Option<i64> {
        let base = self.base?;
        let rel = u64::from(seq.wrapping_sub(base));
        let epoch = self.next >> 32;
        let mut best = (epoch << 32 | rel) as i64;
        for candidate in [best - (1 << 32), best + (1 << 32)] {
            if (candidate - self.next as i64).abs() < (best - self.next as i64).abs() {
                best = candidate;
            }
        }
        Some(best)
    }

    /// A segment: `payload` starting at sequence number `seq`, maybe with a FIN after it.
    /// Hands on what can now be delivered, in order.
    pub fn segment(
        &mut self,
        seq: u32,
        payload: &[u8],
        fin: bool,
        tag: T,
        budget: &mut Budget,
        out: &mut impl FnMut(Delivered<'_, T>),
    ) {
        if self.base.is_none() {
            // Mid-connection: the first byte seen is offset 0.
            self.base = Some(seq);
        }
        let Some(start) = self.offset(seq) else {
            return;
        };
        if fin {
            let end = start + payload.len() as i64;
            if end >= 0 && self.fin.is_none() {
                self.fin = Some(end as u64);
            }
        }
        if payload.is_empty() {
            return;
        }
        // What was delivered already is a retransmission.
        let skip = (self.next as i64 - start).clamp(0, payload.len() as i64) as usize;
        self.stats.duplicate_bytes += skip as u64;
        // (Bytes before offset 0, older than the stream's start as seen, are not kept.)
        let older = usize::try_from(-start).unwrap_or(0).min(skip);
        if skip > older {
            let from = (start + older as i64) as u64;
            self.compare_delivered(from, &payload[older..skip], budget);
        }
        let start = (start + skip as i64) as u64;
        let data = &payload[skip..];
        if data.is_empty() {
            return;
        }
        if start == self.next && self.pending.is_empty() {
            // The usual case: the next bytes, nothing waiting; no copy.
            self.deliver(data, tag, budget, out);
            return;
        }
        self.hold(start, data, tag, budget, out);
        self.drain(budget, out);
        self.release(budget);
    }

    /// Takes a segment that is exactly the next bytes, with nothing waiting, without handing it
    /// on: the caller hands `len` bytes of its own payload on instead, with no copy. Returns
    /// `false` (and changes nothing) for any other segment, which then goes to
    /// [`segment`](Stream::segment).
    pub fn take_in_order(
        &mut self,
        seq: u32,
        payload: &[u8],
        fin: bool,
        budget: &mut Budget,
    ) -> bool {
        let len = payload.len();
        if !self.pending.is_empty() {
            return false;
        }
        if self.base.is_none() {
            self.base = Some(seq);
        }
        if self.offset(seq) != Some(self.next as i64) {
            return false;
        }
        if fin && self.fin.is_none() {
            self.fin = Some(self.next + len as u64);
        }
        self.retain(payload, budget);
        self.next += len as u64;
        self.stats.bytes += len as u64;
        true
    }

    /// Keeps the end of `data`, about to be delivered at `next`, in the budget's ring of
    /// recent bytes.
    fn retain(&mut self, data: &[u8], budget: &mut Budget) {
        if budget.recent.is_empty() {
            budget.recent = vec![0; RECENT];
        }
        let skip = data.len().saturating_sub(MAX_RETAINED);
        let tail = &data[skip..];
        let at = (budget.head % RECENT as u64) as usize;
        let first = tail.len().min(RECENT - at);
        budget.recent[at..at + first].copy_from_slice(&tail[..first]);
        budget.recent[..tail.len() - first].copy_from_slice(&tail[first..]);
        self.kept = [
            Kept {
                start: self.next + skip as u64,
                len: tail.len() as u32,
                at: budget.head,
            },
            self.kept[0],
        ];
        budget.head += tail.len() as u64;
    }

    /// Counts the bytes of `copy` (a later copy of delivered bytes, from offset `start`) that
    /// differ from the delivered bytes still kept.
    fn compare_delivered(&mut self, start: u64, copy: &[u8], budget: &Budget) {
        let end = start + copy.len() as u64;
        for kept in self.kept {
            // Overwritten since, or nothing kept.
            if kept.len == 0 || budget.head - kept.at > RECENT as u64 {
                continue;
            }
            let from = start.max(kept.start);
            let to = end.min(kept.start + u64::from(kept.len));
            let differing = (from..to)
                .filter(|&x| {
                    let ring = ((kept.at + (x - kept.start)) % RECENT as u64) as usize;
                    budget.recent[ring] != copy[(x - start) as usize]
                })
                .count();
            self.stats.conflict_bytes += differing as u64;
        }
    }

    fn deliver(
        &mut self,
        data: &[u8],
        tag: T,
        budget: &mut Budget,
        out: &mut impl FnMut(Delivered<'_, T>),
    ) {
        self.retain(data, budget);
        self.next += data.len() as u64;
        self.stats.bytes += data.len() as u64;
        out(Delivered::Data(data, tag));
    }

    /// Keeps `data` (at `start`, past the next byte) until its turn, trimmed against what
    /// already waits: the first copy wins.
    fn hold(
        &mut self,
        start: u64,
        data: &[u8],
        tag: T,
        budget: &mut Budget,
        out: &mut impl FnMut(Delivered<'_, T>),
    ) {
        let end = start + data.len() as u64;
        // The parts of [start, end) no waiting segment covers.
        let mut pieces: Vec<(u64, u64)> = Vec::new();
        let mut at = start;
        let before = self
            .pending
            .range(..start)
            .next_back()
            .map(|(&s, (v, _))| (s, s + v.len() as u64));
        let covering = before.into_iter().chain(
            self.pending
                .range(start..end)
                .map(|(&s, (v, _))| (s, s + v.len() as u64)),
        );
        for (s, e) in covering {
            if e <= at {
                continue;
            }
            if s > at {
                pieces.push((at, s.min(end)));
            }
            // Compare the overlap with what waits.
            let (o_start, o_end) = (s.max(at), e.min(end));
            if o_start < o_end {
                let kept = &self.pending[&s].0[(o_start - s) as usize..(o_end - s) as usize];
                let new = &data[(o_start - start) as usize..(o_end - start) as usize];
                self.stats.duplicate_bytes += o_end - o_start;
                self.stats.conflict_bytes +=
                    kept.iter().zip(new).filter(|(a, b)| a != b).count() as u64;
            }
            at = at.max(e);
            if at >= end {
                break;
            }
        }
        if at < end {
            pieces.push((at, end));
        }
        for (s, e) in pieces {
            let cost = (e - s) as usize + SEGMENT_OVERHEAD;
            // No room: give up waiting for the bytes before what waits, until there is.
            while (self.pending_cost + cost > MAX_PENDING_PER_STREAM || cost > budget.left)
                && !self.pending.is_empty()
            {
                self.skip_gap(budget, out);
            }
            // A gap may have moved the next byte past the piece's start.
            let s = s.max(self.next);
            if s >= e {
                continue;
            }
            let bytes = &data[(s - start) as usize..(e - start) as usize];
            if s == self.next {
                self.deliver(bytes, tag, budget, out);
                continue;
            }
            let cost = bytes.len() + SEGMENT_OVERHEAD;
            if self.pending_cost + cost > MAX_PENDING_PER_STREAM || cost > budget.left {
                self.stats.dropped_bytes += bytes.len() as u64;
                continue;
            }
            self.pending.insert(s, (bytes.to_vec(), tag));
            self.pending_cost += cost;
            budget.left -= cost;
        }
    }

    /// Delivers waiting segments that have become the next bytes.
    fn drain(&mut self, budget: &mut Budget, out: &mut impl FnMut(Delivered<'_, T>)) {
        while let Some(entry) = self.pending.first_entry() {
            let start = *entry.key();
            if start > self.next {
                return;
            }
            let (bytes, tag) = entry.remove();
            self.pending_cost -= bytes.len() + SEGMENT_OVERHEAD;
            // Returned to the capture's budget by the caller's next `release`.
            self.released += bytes.len() + SEGMENT_OVERHEAD;
            let skip = (self.next - start) as usize;
            if skip < bytes.len() {
                self.deliver(&bytes[skip..], tag, budget, out);
            }
        }
    }

    /// Declares the bytes before the first waiting segment missing and delivers from there.
    fn skip_gap(&mut self, budget: &mut Budget, out: &mut impl FnMut(Delivered<'_, T>)) {
        let Some((&start, _)) = self.pending.first_key_value() else {
            return;
        };
        if start > self.next {
            self.gap(start - self.next, out);
        }
        self.drain(budget, out);
        self.release(budget);
    }

    fn gap(&mut self, missing: u64, out: &mut impl FnMut(Delivered<'_, T>)) {
        self.stats.gaps += 1;
        self.stats.gap_bytes += missing;
        self.next += missing;
        out(Delivered::Gap(missing));
    }

    /// Gives the budget back what delivered segments were charged.
    pub fn release(&mut self, budget: &mut Budget) {
        budget.left += std::mem::take(&mut self.released);
    }

    /// The offset of sequence number `seq`, where the stream has started and it is not before
    /// the start.
    pub fn start_of(&self, seq: u32) -> Option<u64> {
        self.offset(seq).and_then(|o| u64::try_from(o).ok())
    }

    /// The offset the peer's acknowledgement `ack` says was received, where it is past the
    /// bytes delivered so far (they wait behind a hole, or the capture has them later, or
    /// never): the peer sent what follows its acknowledgement after receiving those bytes.
    pub fn waits_for(&self, ack: u32) -> Option<u64> {
        let acked = self.offset(ack)?;
        if acked <= self.next as i64 {
            return None;
        }
        match self.fin {
            Some(f) if acked as u64 == f + 1 => (f > self.next).then_some(f),
            Some(f) if acked as u64 > f => None,
            _ => Some(acked as u64),
        }
    }

    /// The peer acknowledged up to `ack`: bytes before it that were never captured are a gap.
    pub fn acked(&mut self, ack: u32, budget: &mut Budget, out: &mut impl FnMut(Delivered<'_, T>)) {
        let Some(acked) = self.offset(ack) else {
            return;
        };
        if acked <= self.next as i64 {
            return;
        }
        // An acknowledgement of the FIN counts one past the last byte: every byte before the
        // FIN was received.
        let acked = match self.fin {
            Some(f) if acked as u64 == f + 1 => f,
            Some(f) if acked as u64 > f => return,
            _ => acked as u64,
        };
        while self.next < acked {
            match self.pending.first_key_value() {
                Some((&start, _)) if start <= acked => self.skip_gap(budget, out),
                _ => {
                    self.gap(acked - self.next, out);
                    break;
                }
            }
        }
        self.release(budget);
    }

    /// The stream ends (RST, or the end of the capture): whatever waits is delivered after the
    /// gaps before it.
    pub fn flush(&mut self, budget: &mut Budget, out: &mut impl FnMut(Delivered<'_, T>)) {
        while !self.pending.is_empty() {
            self.skip_gap(budget, out);
        }
        self.release(budget);
    }

    /// The stream is given up (its connection is not followed): what waits is dropped and
    /// everything it was charged is given back to the budget.
    pub fn discard(&mut self, budget: &mut Budget) {
        self.pending.clear();
        budget.left += std::mem::take(&mut self.pending_cost);
        self.release(budget);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a stream delivers: data as text, gaps as `<gap N>`.
    fn run(stream: &mut Stream, budget: &mut Budget, steps: &[(u32, &[u8], bool)]) -> String {
        let mut out = String::new();
        for &(seq, payload, fin) in steps {
            stream.segment(seq, payload, fin, (), budget, &mut |d| match d {
                Delivered::Data(b, ()) => out.push_str(&String::from_utf8_lossy(b)),
                Delivered::Gap(n) => out.push_str(&format!("<gap {n}>")),
            });
        }
        out
    }

    fn flushed(stream: &mut Stream, budget: &mut Budget) -> String {
        let mut out = String::new();
        stream.flush(budget, &mut |d| match d {
            Delivered::Data(b, ()) => out.push_str(&String::from_utf8_lossy(b)),
            Delivered::Gap(n) => out.push_str(&format!("<gap {n}>")),
        });
        out
    }

    #[test]
    fn in_order_out_of_order_and_duplicates() {
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        s.syn(999);
        let got = run(
            &mut s,
            &mut b,
            &[
                (1000, b"abc", false),
                (1006, b"ghi", false),  // early
                (1003, b"def", false),  // fills the hole
                (1000, b"abc", false),  // retransmission
                (1004, b"efgh", false), // partial overlap, same bytes
            ],
        );
        assert_eq!(got, "abcdefghi");
        assert_eq!(s.stats.duplicate_bytes, 7);
        assert_eq!(s.stats.conflict_bytes, 0);
        assert_eq!(b.left(), MAX_PENDING_TOTAL, "everything given back");
    }

    #[test]
    fn conflicting_overlaps_keep_the_first_copy_and_count() {
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        s.syn(0);
        let got = run(
            &mut s,
            &mut b,
            &[
                (5, b"EFGH", false),
                (3, b"cdXYZh", false),
                (1, b"ab", false),
            ],
        );
        // The waiting EFGH wins over XYZh's overlap: four bytes compared, all four differ.
        assert_eq!(got, "abcdEFGH");
        assert_eq!(s.stats.conflict_bytes, 4);
    }

    /// A differing retransmission of bytes already delivered is a conflict, while they are
    /// kept.
    #[test]
    fn a_differing_copy_of_delivered_bytes_is_a_conflict() {
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        s.syn(0);
        let got = run(
            &mut s,
            &mut b,
            &[
                (1, b"abcdef", false),
                (4, b"dXf", false), // one byte differs
                (1, b"abc", false), // the same
            ],
        );
        assert_eq!(got, "abcdef");
        assert_eq!(s.stats.conflict_bytes, 1);
        assert_eq!(s.stats.duplicate_bytes, 6);
        // Of a delivery only its last MAX_RETAINED bytes are kept.
        let long = vec![b'q'; MAX_RETAINED + 10];
        run(&mut s, &mut b, &[(7, &long, false)]);
        run(
            &mut s,
            &mut b,
            &[(7, &vec![b'r'; MAX_RETAINED + 10], false)],
        );
        assert_eq!(s.stats.conflict_bytes, 1 + MAX_RETAINED as u64);
        // Of a stream only its last two deliveries; and only while the ring still holds them.
        let end = 7 + MAX_RETAINED as u32 + 10;
        run(
            &mut s,
            &mut b,
            &[(end, b"x", false), (end + 1, b"y", false)],
        );
        run(&mut s, &mut b, &[(1, b"ZZZZZZ", false)]);
        assert_eq!(s.stats.conflict_bytes, 1 + MAX_RETAINED as u64);
        run(&mut s, &mut b, &[(end, b"X", false)]);
        assert_eq!(s.stats.conflict_bytes, 2 + MAX_RETAINED as u64);
        let mut other: Stream = Stream::new();
        other.syn(0);
        for i in 0..(RECENT / MAX_RETAINED) as u32 {
            let at = 1 + i * MAX_RETAINED as u32;
            run(&mut other, &mut b, &[(at, &[b'o'; MAX_RETAINED], false)]);
        }
        run(&mut s, &mut b, &[(end + 1, b"Y", false)]);
        assert_eq!(
            s.stats.conflict_bytes,
            2 + MAX_RETAINED as u64,
            "overwritten"
        );
    }

    /// The acknowledgement of a FIN declares the bytes before it missing.
    #[test]
    fn the_acknowledgement_of_a_fin_declares_the_gap_before_it() {
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        s.syn(0);
        let mut got = run(&mut s, &mut b, &[(1, b"ab", false), (6, b"", true)]);
        assert!(!s.finished());
        s.acked(7, &mut b, &mut |d| match d {
            Delivered::Data(x, ()) => got.push_str(&String::from_utf8_lossy(x)),
            Delivered::Gap(n) => got.push_str(&format!("<gap {n}>")),
        });
        assert_eq!(got, "ab<gap 3>");
        assert!(s.finished());
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        s.syn(u32::MAX - 2);
        let got = run(
            &mut s,
            &mut b,
            &[
                (u32::MAX - 1, b"ab", false),
                (0, b"cd", false),
                (2, b"ef", false),
            ],
        );
        assert_eq!(got, "abcdef");
        assert_eq!(s.position(), 6);
    }

    #[test]
    fn mid_connection_starts_at_the_first_byte_seen() {
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        let got = run(
            &mut s,
            &mut b,
            &[
                (5000, b"xyz", false),
                (4990, b"old", false),
                (5003, b"!", false),
            ],
        );
        assert_eq!(got, "xyz!");
    }

    #[test]
    fn gaps_are_declared_by_acks_and_at_the_end() {
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        s.syn(0);
        let mut got = run(&mut s, &mut b, &[(1, b"abc", false), (10, b"jk", false)]);
        // The peer acknowledged up to 8: bytes 4..8 were lost, 8..10 too (not yet acked).
        s.acked(8, &mut b, &mut |d| match d {
            Delivered::Data(x, ()) => got.push_str(&String::from_utf8_lossy(x)),
            Delivered::Gap(n) => got.push_str(&format!("<gap {n}>")),
        });
        assert_eq!(got, "abc<gap 4>");
        got += &flushed(&mut s, &mut b);
        assert_eq!(got, "abc<gap 4><gap 2>jk");
        assert_eq!((s.stats.gaps, s.stats.gap_bytes), (2, 6));
    }

    #[test]
    fn fin_ends_the_stream() {
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        s.syn(0);
        run(&mut s, &mut b, &[(4, b"d", true), (1, b"abc", false)]);
        assert!(s.finished());
    }

    #[test]
    fn waiting_bytes_are_bounded_per_stream_and_in_total() {
        // A million one-byte segments, each ahead of a hole that never fills.
        let mut s: Stream = Stream::new();
        let mut b = Budget::default();
        s.syn(0);
        let mut delivered = 0u64;
        for i in 0..1_000_000u32 {
            s.segment(2 + 2 * i, b"x", false, (), &mut b, &mut |d| {
                if let Delivered::Data(x, ()) = d {
                    delivered += x.len() as u64;
                }
            });
            assert!(s.pending_cost <= MAX_PENDING_PER_STREAM);
        }
        assert!(s.stats.gaps > 0);
        // Two streams sharing a small budget: neither goes past it.
        let mut b = Budget::new(10_000);
        let (mut x, mut y): (Stream, Stream) = (Stream::new(), Stream::new());
        x.syn(0);
        y.syn(0);
        for i in 0..10_000u32 {
            x.segment(2 + 2 * i, b"x", false, (), &mut b, &mut |_| {});
            y.segment(2 + 2 * i, b"y", false, (), &mut b, &mut |_| {});
            assert!(x.pending_cost + y.pending_cost <= 10_000);
        }
        let _ = delivered;
    }

    proptest! {
        /// Any segmentation, order and duplication of a stream (with its SYN) delivers the same
        /// bytes, without a gap.
        #[test]
        fn any_segmentation_order_and_duplication_delivers_the_stream(
            data in prop::collection::vec(any::<u8>(), 1..400),
            cuts in prop::collection::vec(1usize..40, 1..40),
            order in prop::collection::vec(any::<prop::sample::Index>(), 0..60),
            isn in any::<u32>(),
        ) {
            let mut segments = Vec::new();
            let mut at = 0;
            for cut in cuts.iter().cycle() {
                if at >= data.len() { break; }
                let end = (at + cut).min(data.len());
                segments.push((at, end));
                at = end;
            }
            // Shuffle by swaps, then repeat some (a duplicate, or a larger overlapping copy).
            let mut sent: Vec<(usize, usize)> = segments.clone();
            for (i, pick) in order.iter().enumerate() {
                let j = pick.index(sent.len());
                if i % 3 == 0 {
                    let (s, e) = sent[j];
                    sent.push((s, (e + 3).min(data.len())));
                } else {
                    let k = i % sent.len();
                    sent.swap(j, k);
                }
            }
            let mut s: Stream = Stream::new();
            let mut b = Budget::default();
            s.syn(isn);
            let mut got = Vec::new();
            for (start, end) in sent {
                let seq = isn.wrapping_add(1).wrapping_add(start as u32);
                s.segment(seq, &data[start..end], false, (), &mut b, &mut |d| match d {
                    Delivered::Data(x, ()) => got.extend_from_slice(x),
                    Delivered::Gap(_) => panic!("no byte was lost"),
                });
            }
            prop_assert_eq!(got, data);
            prop_assert_eq!(b.left(), MAX_PENDING_TOTAL);
        }
    }
}
