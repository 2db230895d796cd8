//! Feeds a decoder the way a network reader would: chunk by chunk through a growing buffer.
//! Shared by the tests and the `stream` fuzz target.

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
pub fn events(mut decoder: Decoder, chunks: &[&[u8]]) -> Vec<String> {
    let mut buf: Vec<u8> = Vec::new();
    let mut events = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let given = buf.len();
            match decoder.decode(&buf) {
                Step::Event { event, consumed } => {
                    assert!(consumed > 0 && consumed <= given);
                    events.push(format!("{event:?}"));
                    buf.drain(..consumed);
                }
                Step::NeedMore { consumed } => {
                    assert!(consumed <= given);
                    buf.drain(..consumed);
                    break;
                }
            }
        }
    }
    events
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
