//! Any bytes as a stream, any chunking: the same events as one feed, never more bytes consumed
//! than given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msnp_xfr::Decoder;

#[path = "../../tests/common/feed.rs"]
mod feed;

fuzz_target!(|data: &[u8]| {
    let [config, cut_a, cut_b, stream @ ..] = data else {
        return;
    };
    let decoder_config = feed::config_from_byte(*config);
    let whole = feed::events(Decoder::new(decoder_config), &[stream]);
    let pieces = feed::chunks(stream, &[usize::from(*cut_a), usize::from(*cut_b)]);
    assert_eq!(feed::events(Decoder::new(decoder_config), &pieces), whole);
});
