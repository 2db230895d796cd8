//! Feeds a decoder the way a network reader would: chunk by chunk through a growing buffer.
//! Shared by the tests and the `stream` fuzz target.

use msnp_xfr::{Decoder, Step};

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
