//! Any bytes as a stream, any chunking: the same events as one feed, never more bytes consumed
//! than given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msnp_xfr::{Decoder, DecoderConfig, Direction, Mode};

#[path = "../../tests/common/feed.rs"]
mod feed;

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
    let whole = feed::events(Decoder::new(decoder_config), &[stream]);
    let pieces = feed::chunks(stream, &[usize::from(*cut_a), usize::from(*cut_b)]);
    assert_eq!(feed::events(Decoder::new(decoder_config), &pieces), whole);
});
