//! No allocation per line: strict and lenient parsing, `legal_versions`, `write_to` into a
//! buffer with room, and the stream decoder, counted by a global allocator that tallies the
//! calls made on the current thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use msnp_xfr::{
    Decoder, DecoderConfig, Direction, Event, Mode, Session, Step, Version, parse, parse_lenient,
    parse_with,
};

use msnp_xfr_testkit::corpus;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` made on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn the_counter_counts() {
    assert_eq!(allocations(|| drop(std::hint::black_box(vec![1u8; 16]))), 1);
}

#[test]
fn parsing_and_rules_allocate_nothing() {
    let corpus = corpus::lines(2000);
    let mut checked = 0;
    let n = allocations(|| {
        for (line, version) in &corpus {
            let strict = parse(line, *version).unwrap();
            let lenient = parse_lenient(line, *version).unwrap();
            let any = parse_with(line, Mode::Strict, None).unwrap();
            assert!(strict.legal_versions().contains(*version));
            assert_eq!(lenient.xfr.legal_versions(), any.xfr.legal_versions());
            checked += 1;
        }
        // Errors too.
        for line in [
            &b"XFR 1 SB 10.0.0.1:1863 CKI"[..],
            b"XFR 7 SB 10.0.0.1:1863 CKI c U messenger.msn.com 1",
        ] {
            assert!(parse(line, Version::MSNP13).is_err());
        }
    });
    assert_eq!(checked, 2000);
    assert_eq!(n, 0);
}

#[test]
fn writing_into_a_buffer_with_room_allocates_nothing() {
    let corpus = corpus::lines(2000);
    let values: Vec<_> = corpus
        .iter()
        .map(|(l, v)| (parse(l, *v).unwrap(), *v))
        .collect();
    let mut out = Vec::with_capacity(256 * 1024);
    let mut slice = [0u8; 512];
    let n = allocations(|| {
        for (value, version) in &values {
            value.write_to(*version, &mut out).unwrap();
            value.write_into(*version, &mut slice).unwrap();
        }
    });
    assert_eq!(n, 0);
    let expected: Vec<u8> = corpus.iter().flat_map(|(l, _)| l.iter().copied()).collect();
    assert_eq!(out, expected);
}

#[test]
fn the_decoder_and_session_allocate_nothing() {
    let stream = corpus::stream(256 * 1024);
    let mut xfrs = 0;
    let n = allocations(|| {
        let mut decoder = Decoder::new(DecoderConfig::new(Direction::ServerToClient));
        let mut rest = &stream[..];
        loop {
            match decoder.decode(rest) {
                Step::Event { event, consumed } => {
                    if let Event::Xfr { result, .. } = event {
                        assert!(result.is_ok());
                        xfrs += 1;
                    }
                    rest = &rest[consumed..];
                }
                Step::NeedMore { consumed } => {
                    rest = &rest[consumed..];
                    break;
                }
            }
        }
        assert!(rest.is_empty());
        let mut session = Session::new(Mode::Lenient);
        for line in stream.split(|&b| b == b'\n') {
            session.observe(Some(Direction::ServerToClient), line);
        }
    });
    assert!(xfrs > 1000);
    assert_eq!(n, 0);
}
