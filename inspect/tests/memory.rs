//! Memory stays bounded on a hostile capture: millions of one-byte segments that all arrive
//! ahead of a hole never filled, spread over thousands of connections, read as a stream. The
//! heap is counted by a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

use msnp_inspect::capture;
use msnp_inspect::follow::Judging;
use msnp_xfr::Mode;

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = NOW.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A pcap of `segments` packets made as it is read: each connection opens with a SYN, then
/// sends one-byte segments at every other sequence number after a byte that never comes.
struct Hostile {
    produced: u64,
    segments: u64,
    buf: Vec<u8>,
    at: usize,
}

const PER_CONNECTION: u64 = 1000;

impl Hostile {
    fn frame(&mut self, n: u64) {
        let conn = n / PER_CONNECTION;
        let i = n % PER_CONNECTION;
        let mut f = Vec::with_capacity(80);
        f.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00]);
        // IPv4: 20 bytes, total length, TCP.
        let payload = if i == 0 { 0 } else { 1 };
        let total = 20 + 20 + payload;
        f.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            6,
            0,
            0,
        ]);
        f.extend_from_slice(&[10, (conn >> 16) as u8, (conn >> 8) as u8, conn as u8]);
        f.extend_from_slice(&[192, 0, 2, 1]);
        // TCP: ports, sequence number, no ack, data offset 5, SYN on the first.
        f.extend_from_slice(&40000u16.to_be_bytes());
        f.extend_from_slice(&1863u16.to_be_bytes());
        let seq = 1000u32.wrapping_add(if i == 0 { 0 } else { 2 * i as u32 + 1 });
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&[
            0,
            0,
            0,
            0,
            0x50,
            if i == 0 { 0x02 } else { 0x00 },
            0xff,
            0xff,
            0,
            0,
            0,
            0,
        ]);
        if payload == 1 {
            f.push(b'X');
        }
        self.buf.clear();
        self.buf.extend_from_slice(&(n as u32).to_le_bytes());
        self.buf.extend_from_slice(&0u32.to_le_bytes());
        self.buf.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&f);
        self.at = 0;
    }
}

impl Read for Hostile {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut written = 0;
        while written < out.len() {
            if self.at == self.buf.len() {
                if self.produced == self.segments {
                    break;
                }
                let n = self.produced;
                self.frame(n);
                self.produced += 1;
            }
            let k = (self.buf.len() - self.at).min(out.len() - written);
            out[written..written + k].copy_from_slice(&self.buf[self.at..self.at + k]);
            self.at += k;
            written += k;
        }
        Ok(written)
    }
}

fn peak_reading(segments: u64) -> usize {
    let mut header = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&65535u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    let hostile = Hostile {
        produced: 0,
        segments,
        buf: header,
        at: 0,
    };
    let judging = Judging {
        mode: Mode::Lenient,
        version: None,
    };
    PEAK.store(NOW.load(Ordering::Relaxed), Ordering::Relaxed);
    let before = NOW.load(Ordering::Relaxed);
    let report = capture::read("hostile", hostile, false, judging, |_| {}).unwrap();
    assert!(report.records.is_empty());
    assert_eq!(
        report.tcp_connections as u64,
        segments.div_ceil(PER_CONNECTION)
    );
    PEAK.load(Ordering::Relaxed) - before
}

#[test]
fn millions_of_tiny_out_of_order_segments_stay_bounded() {
    let small = peak_reading(200_000);
    let large = peak_reading(2_000_000);
    // The waiting bytes are capped (16 MiB in all, each segment charged its bookkeeping), the
    // read buffer is fixed: ten times the input costs no more than the cap allows.
    assert!(large < 48 << 20, "peak heap {} MiB", large >> 20);
    assert!(
        large < small + (24 << 20),
        "peak grew from {small} to {large} bytes"
    );
}
