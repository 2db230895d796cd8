//! Feeds a decoder the way a network reader would: chunk by chunk through a growing buffer;
//! and makes streams from fuzzer bytes. Shared by the tests, the property tests and the
//! `stream` fuzz target.

use msnp_xfr::{Decoder, DecoderConfig, Direction, Mode, Step};

/// The `stream` fuzz target's reading of its first input byte: bit 0 the direction, bit 1
/// strict mode, bit 2 a short line limit of 16 plus the upper five bits.
pub fn config_from_byte(config: u8) -> DecoderConfig {
    let direction = if config & 1 == 0 {
        Direction::ServerToClient
    } else {
        Direction::ClientToServer
    };
    let mode = if config & 2 == 0 {
        Mode::Lenient
    } else {
        Mode::Strict
    };
    let max_line = if config & 4 == 0 {
        4096
    } else {
        16 + usize::from(config >> 3)
    };
    DecoderConfig::new(direction).mode(mode).max_line(max_line)
}

/// The events (as Debug text) of `decoder` over `chunks` fed one after another, checking that
/// no call consumes more than it was given and that every event consumes something.
pub fn events(decoder: Decoder, chunks: &[&[u8]]) -> Vec<String> {
    let mut out = Vec::new();
    feed(decoder, chunks, |event| out.push(format!("{event:?}")));
    out
}

/// Feeds `chunks` to `decoder` one after another, handing each event to `seen`, and checks that
/// no call consumes more than it was given and that every event consumes something.
pub fn feed(mut decoder: Decoder, chunks: &[&[u8]], mut seen: impl FnMut(&msnp_xfr::Event<'_>)) {
    let mut buf: Vec<u8> = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        let mut start = 0;
        loop {
            let given = buf.len() - start;
            match decoder.decode(&buf[start..]) {
                Step::Event { event, consumed } => {
                    assert!(consumed > 0 && consumed <= given);
                    seen(&event);
                    start += consumed;
                }
                Step::NeedMore { consumed } => {
                    assert!(consumed <= given);
                    start += consumed;
                    break;
                }
            }
        }
        buf.drain(..start);
    }
}

/// `stream` cut into pieces whose sizes repeat `sizes` (each at least 1).
pub fn chunks<'a>(stream: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = stream;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (a, b) = rest.split_at((*size).clamp(1, rest.len()));
        out.push(a);
        rest = b;
    }
    out
}

/// Reads fuzzer bytes one at a time.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }
}

/// Lines a payload body may hold that look like commands, so that a body read as lines
/// shows up as events.
const DECOYS: &[&[u8]] = &[
    b"XFR 1 SB 10.0.0.1:1863 CKI 1.2\r\n",
    b"XFR 0 NS 0\r\n",
    b"913 1\r\n",
    b"MSG a b 5\r\n",
    b"241 5 7\r\n",
];

/// XFR lines of several shapes.
const XFRS: &[&[u8]] = &[
    b"XFR 2 SB\r\n",
    b"XFR 3 NS 207.46.106.118:1863 0 10.0.0.1:1863\r\n",
    b"XFR 4 SB 64.4.37.10:1863 CKI 17262740.1050826919.32308\r\n",
    b"XFR 5 SB 64.4.37.10:1863 CKI c U messenger.msn.com 1\r\n",
    b"XFR 6 NS 10.0.0.5:1863 U D\r\n",
    b"XFR  7 SB 1.2.3.4\n",
    b"XFR 8 CON 4\r\n<x/>",
];

/// A stream built from fuzzer bytes: each step a byte picks what comes next — raw bytes, a
/// payload command whose length has leading zeros (its body holding command-like decoys), a
/// numeric reply with or without a payload, an impossible length, an XFR line, another
/// command — so that a fuzzer reaches the decoder's payload and framing paths quickly.
pub fn stream_from(data: &[u8]) -> Vec<u8> {
    let mut bytes = Bytes(data);
    let mut out = Vec::new();
    while !bytes.0.is_empty() && out.len() < 1 << 16 {
        let op = bytes.byte();
        match op % 8 {
            0 => {
                let n = usize::from(bytes.byte() % 32) + 1;
                out.extend_from_slice(bytes.take(n));
            }
            1 | 2 => {
                let zeros = usize::from(bytes.byte() % 24);
                let mut body = Vec::new();
                for _ in 0..bytes.byte() % 4 {
                    body.extend_from_slice(DECOYS[usize::from(bytes.byte()) % DECOYS.len()]);
                }
                let n = usize::from(bytes.byte() % 16);
                body.extend_from_slice(bytes.take(n));
                // Sometimes a length the body does not fill, or overfills.
                let len = match bytes.byte() % 8 {
                    0 => body.len().saturating_sub(1),
                    1 => body.len() + 1,
                    _ => body.len(),
                };
                let head: &[u8] = if op % 8 == 1 { b"MSG a b " } else { b"241 5 " };
                out.extend_from_slice(head);
                out.extend(std::iter::repeat_n(b'0', zeros));
                out.extend_from_slice(format!("{len}\r\n").as_bytes());
                out.extend_from_slice(&body);
            }
            3 => out.extend_from_slice(format!("913 {}\r\n", bytes.byte()).as_bytes()),
            4 => {
                let length = match bytes.byte() % 4 {
                    0 => "99999999999999999999".to_string(),
                    1 => "1000000000000000000".to_string(),
                    2 => (msnp_xfr::DEFAULT_MAX_PAYLOAD + 1).to_string(),
                    _ => format!("{}{}", "0".repeat(30), bytes.byte()),
                };
                out.extend_from_slice(format!("NOT {length}\r\n").as_bytes());
            }
            5 | 6 => out.extend_from_slice(XFRS[usize::from(bytes.byte()) % XFRS.len()]),
            _ => out.extend_from_slice(
                [
                    &b"CHG 1 NLN 0\r\n"[..],
                    b"QRY 1049\r\n",
                    b"ADL 12 OK\r\n",
                    b"VER 1 MSNP15 CVR0\r\n",
                ][usize::from(bytes.byte()) % 4],
            ),
        }
    }
    out
}

/// The decoder gives the same events for `stream` fed whole and cut into pieces of `sizes`,
/// compared event by event without copying or formatting them (the `stream` fuzz target's
/// assertion, and the property tests').
pub fn assert_chunking_invariant(config: DecoderConfig, stream: &[u8], sizes: &[usize]) {
    let mut whole = Vec::new();
    let mut decoder = Decoder::new(config);
    let mut rest = stream;
    loop {
        match decoder.decode(rest) {
            Step::Event { event, consumed } => {
                assert!(consumed > 0 && consumed <= rest.len());
                whole.push(event);
                rest = &rest[consumed..];
            }
            Step::NeedMore { consumed } => {
                assert!(consumed <= rest.len());
                break;
            }
        }
    }
    let mut i = 0;
    feed(Decoder::new(config), &chunks(stream, sizes), |event| {
        assert_eq!(Some(event), whole.get(i), "event {i} differs when chunked");
        i += 1;
    });
    assert_eq!(i, whole.len(), "fewer events when chunked");
}
