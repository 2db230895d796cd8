//! Any bytes as a stream, any chunking: the same events as one feed, never more bytes consumed
//! than given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msnp_xfr::{Decoder, DecoderConfig, Direction, Mode, Step};

fn events(mut decoder: Decoder, chunks: &[&[u8]]) -> Vec<String> {
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let given = buf.len();
            match decoder.decode(&buf) {
                Step::Event { event, consumed } => {
                    assert!(consumed > 0 && consumed <= given);
                    out.push(format!("{event:?}"));
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
    out
}

fuzz_target!(|data: &[u8]| {
    let [config, cut_a, cut_b, stream @ ..] = data else {
        return;
    };
    let direction = if config & 1 == 0 {
        Direction::ServerToClient
    } else {
        Direction::ClientToServer
    };
    let decoder_config = DecoderConfig::new(direction)
        .mode(if config & 2 == 0 {
            Mode::Lenient
        } else {
            Mode::Strict
        })
        .max_line(if config & 4 == 0 {
            4096
        } else {
            16 + usize::from(config >> 3)
        });
    let whole = events(Decoder::new(decoder_config), &[stream]);
    let sizes = [usize::from(*cut_a).max(1), usize::from(*cut_b).max(1)];
    let mut chunks = Vec::new();
    let mut rest = stream;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (a, b) = rest.split_at((*size).min(rest.len()));
        chunks.push(a);
        rest = b;
    }
    assert_eq!(events(Decoder::new(decoder_config), &chunks), whole);
});
