//! A stream made from the input (raw bytes, zero-padded and impossible payload lengths, numeric
//! replies with payloads, bodies holding command-like lines, XFR lines), any chunking: the same
//! events as one feed, never more bytes consumed than given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use msnp_xfr_testkit::feed;

fuzz_target!(|data: &[u8]| {
    let [config, cut_a, cut_b, rest @ ..] = data else {
        return;
    };
    let stream = feed::stream_from(rest);
    feed::assert_chunking_invariant(
        feed::config_from_byte(*config),
        &stream,
        &[usize::from(*cut_a), usize::from(*cut_b)],
    );
});
