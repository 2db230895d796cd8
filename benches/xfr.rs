//! Parse, write and stream benchmarks, each group with its baselines measured in the same run,
//! so the ratios hold on a noisy machine:
//!
//! - `limit`: scanning the same bytes for field boundaries only (`memchr2` on space and
//!   newline), the floor any parser pays;
//! - `split`: the way most clients parse today (`split_ascii_whitespace` into a `Vec<&str>`,
//!   then positional fields and `str::parse`);
//! - `concat`: writing the same fields with plain `extend_from_slice`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp_xfr::{
    Connection, ConnectionEvent, Decoder, DecoderConfig, Direction, Event, Mode, Observation, Step,
    Version, Xfr, parse, parse_lenient,
};

use msnp_xfr_testkit::corpus;

const LINES: usize = 1000;
const STREAM_BYTES: usize = 1 << 20;

/// What a typical client extracts, the typical way.
#[derive(Default)]
struct Naive<'a> {
    trid: u32,
    kind: &'a str,
    host: &'a str,
    port: u16,
    rest: [&'a str; 5],
}

fn naive(line: &[u8]) -> Option<Naive<'_>> {
    let text = std::str::from_utf8(line).ok()?;
    let fields: Vec<&str> = text.split_ascii_whitespace().collect();
    if fields.len() < 3 || fields[0] != "XFR" {
        return None;
    }
    let mut out = Naive {
        trid: fields[1].parse().ok()?,
        kind: fields[2],
        ..Naive::default()
    };
    if let Some(address) = fields.get(3).filter(|a| **a != "0") {
        let (host, port) = address.split_once(':')?;
        out.host = host;
        out.port = port.parse().ok()?;
    }
    for (slot, field) in out.rest.iter_mut().zip(fields.iter().skip(4)) {
        *slot = field;
    }
    Some(out)
}

fn parse_group(c: &mut Criterion) {
    let corpus = corpus::lines(LINES);
    let bytes: usize = corpus.iter().map(|(l, _)| l.len()).sum();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("strict", |b| {
        b.iter(|| {
            for (line, version) in &corpus {
                black_box(parse(black_box(line), *version).is_ok());
            }
        })
    });
    group.bench_function("lenient", |b| {
        b.iter(|| {
            for (line, version) in &corpus {
                black_box(parse_lenient(black_box(line), *version).is_ok());
            }
        })
    });
    group.bench_function("limit", |b| {
        b.iter(|| {
            for (line, _) in &corpus {
                black_box(memchr::memchr2_iter(b' ', b'\n', black_box(line)).count());
            }
        })
    });
    group.bench_function("split", |b| {
        b.iter(|| {
            for (line, _) in &corpus {
                black_box(naive(black_box(line)).map(|n| (n.trid, n.port, n.kind, n.host, n.rest)));
            }
        })
    });
    group.finish();
}

fn write_group(c: &mut Criterion) {
    let corpus = corpus::lines(LINES);
    let bytes: usize = corpus.iter().map(|(l, _)| l.len()).sum();
    let values: Vec<(Xfr<'_>, Version)> = corpus
        .iter()
        .map(|(line, v)| (parse(line, *v).unwrap(), *v))
        .collect();
    let fields: Vec<Vec<&[u8]>> = corpus
        .iter()
        .map(|(line, _)| line[..line.len() - 2].split(|&b| b == b' ').collect())
        .collect();
    let mut out = Vec::with_capacity(bytes * 2);
    let mut group = c.benchmark_group("write");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("write_to", |b| {
        b.iter(|| {
            out.clear();
            for (value, version) in &values {
                value.write_to(*version, &mut out).unwrap();
            }
            black_box(out.len());
        })
    });
    group.bench_function("concat", |b| {
        b.iter(|| {
            out.clear();
            for line in &fields {
                let (first, rest) = line.split_first().unwrap();
                out.extend_from_slice(black_box(first));
                for field in rest {
                    out.extend_from_slice(b" ");
                    out.extend_from_slice(black_box(field));
                }
                out.extend_from_slice(b"\r\n");
            }
            black_box(out.len());
        })
    });
    group.finish();
}

fn stream_group(c: &mut Criterion) {
    let stream = corpus::stream(STREAM_BYTES);
    let mut group = c.benchmark_group("stream");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("decoder", |b| {
        b.iter(|| {
            let mut decoder = Decoder::new(
                DecoderConfig::new(Direction::ServerToClient).version(Some(Version::MSNP15)),
            );
            let mut rest = &stream[..];
            let mut xfrs = 0usize;
            while let Step::Event { event, consumed } = decoder.decode(rest) {
                if let Event::Xfr { result, .. } = event {
                    xfrs += usize::from(result.is_ok());
                }
                rest = &rest[consumed..];
            }
            black_box(xfrs);
        })
    });
    group.bench_function("limit", |b| {
        b.iter(|| black_box(memchr::memchr_iter(b'\n', black_box(&stream)).count()))
    });
    group.finish();
}

/// One direction's bytes arriving segment by segment: a buffer the segment is appended to,
/// decoded until more is needed, and drained of what was consumed.
struct Pending(Vec<u8>);

impl Pending {
    /// `decode` says how many bytes it consumed: `Ok` after an event, `Err` when it needs more.
    fn feed(&mut self, segment: &[u8], mut decode: impl FnMut(&[u8]) -> Result<usize, usize>) {
        self.0.extend_from_slice(segment);
        let mut start = 0;
        loop {
            match decode(&self.0[start..]) {
                Ok(consumed) => start += consumed,
                Err(consumed) => {
                    start += consumed;
                    break;
                }
            }
        }
        self.0.drain(..start);
    }
}

/// A two-direction capture stream: the connection (decoders and session, each line parsed
/// once with the session's version) against the two decoders alone.
fn connection_group(c: &mut Criterion) {
    let segments = corpus::two_way(STREAM_BYTES);
    let bytes: usize = segments.iter().map(|(_, s)| s.len()).sum();
    let direction = |client: bool| {
        if client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    };
    let mut group = c.benchmark_group("connection");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("decoders", |b| {
        b.iter(|| {
            let mut decoders = [false, true].map(|client| {
                Decoder::new(DecoderConfig::new(direction(client)).version(Some(Version::MSNP15)))
            });
            let mut pending = [Pending(Vec::new()), Pending(Vec::new())];
            let mut xfrs = 0usize;
            for (client, segment) in &segments {
                let i = usize::from(*client);
                let decoder = &mut decoders[i];
                pending[i].feed(segment, |buf| match decoder.decode(buf) {
                    Step::Event { event, consumed } => {
                        if let Event::Xfr { result, .. } = event {
                            xfrs += usize::from(result.is_ok());
                        }
                        Ok(consumed)
                    }
                    Step::NeedMore { consumed } => Err(consumed),
                });
            }
            black_box(xfrs);
        })
    });
    group.bench_function("connection", |b| {
        b.iter(|| {
            let mut conn = Connection::new(Mode::Lenient);
            let mut pending = [Pending(Vec::new()), Pending(Vec::new())];
            let mut xfrs = 0usize;
            for (client, segment) in &segments {
                let d = direction(*client);
                pending[usize::from(*client)].feed(segment, |buf| match conn.decode(d, buf) {
                    Step::Event { event, consumed } => {
                        if let ConnectionEvent::Line {
                            observation: Observation::Xfr { result, .. },
                            ..
                        } = event
                        {
                            xfrs += usize::from(result.is_ok());
                        }
                        Ok(consumed)
                    }
                    Step::NeedMore { consumed } => Err(consumed),
                });
            }
            black_box(xfrs);
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(60)
}

criterion_group! {
    name = benches;
    config = config();
    targets = parse_group, write_group, stream_group, connection_group
}
criterion_main!(benches);
