//! Reading large logs, against a baseline in the same run that only splits them into lines
//! (`str::lines`, which finds line ends with a vectorised search).
//!
//! The logs are generated (a fixed seed, so every run reads the same bytes): a libpurple debug
//! log of one client's long session, its `msn` lines among other categories, a revival
//! server's log of a thousand clients' interleaved connections, and one client's session as
//! aMSN's console, msn-pecan's, Kopete's and Miranda's logs write it, and as a log of no known
//! format (a logger's prefix, `Output:`/`Input:`), read by the generic reader.

use std::fmt::Write;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp_inspect::follow::{self, Judging};
use msnp_inspect::logs::{self, Format};
use msnp_xfr::Mode;

/// A small fixed pseudo-random generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as u32) % n
    }
}

const SIZE: usize = 8 << 20;

/// A libpurple debug log of about `SIZE` bytes.
fn purple_log() -> String {
    let mut rng = Lcg(0x9e37);
    let mut out = String::with_capacity(SIZE + 4096);
    let mut trid = 1;
    let mut sb = 1;
    let clock = |out: &mut String, rng: &mut Lcg| {
        let _ = write!(
            out,
            "({:02}:{:02}:{:02}) ",
            rng.below(24),
            rng.below(60),
            rng.below(60)
        );
    };
    out.push_str("(00:00:00) msn: C: NS 000: VER 1 MSNP15 CVR0\n(00:00:00) msn: S: NS 000: VER 1 MSNP15 CVR0\n");
    while out.len() < SIZE {
        trid += 1;
        clock(&mut out, &mut rng);
        match rng.below(10) {
            0 => {
                let _ = writeln!(out, "msn: C: NS 000: XFR {trid} SB");
                clock(&mut out, &mut rng);
                if rng.below(4) == 0 {
                    let _ = writeln!(out, "msn: S: NS 000: 800 {trid}");
                } else {
                    let _ = writeln!(
                        out,
                        "msn: S: NS 000: XFR {trid} SB 192.0.2.{}:1863 CKI {}.{}.{} U messenger.msn.com 1",
                        rng.below(250),
                        rng.below(99_999_999),
                        rng.below(9999),
                        rng.below(99)
                    );
                    sb += 1;
                }
            }
            1 | 2 => {
                let _ = writeln!(
                    out,
                    "msn: S: NS 000: NLN NLN buddy{}@example.com 1 Buddy%20{} 1342177280",
                    rng.below(500),
                    rng.below(500)
                );
            }
            3 => {
                let _ = writeln!(out, "msn: C: SB {:03}: MSG {trid} N 131", sb % 1000);
            }
            4 => {
                let _ = writeln!(
                    out,
                    "msn: S: NS 000: UBX buddy{}@example.com 1 82",
                    rng.below(500)
                );
            }
            5 => {
                let _ = writeln!(out, "msn: C: NS 000: PNG");
            }
            6 => {
                let _ = writeln!(
                    out,
                    "util: Writing file blist.xml to directory /home/alice/.purple"
                );
            }
            7 => {
                let _ = writeln!(out, "proxy: Connected to 192.0.2.{}:1863.", rng.below(250));
            }
            _ => {
                let _ = writeln!(
                    out,
                    "dns: DNS query for 'sb{}.example.net' queued",
                    rng.below(99)
                );
            }
        }
    }
    out
}

/// A revival server's log of about `SIZE` bytes: a thousand connections, interleaved.
fn server_log() -> String {
    let mut rng = Lcg(0x51ee);
    let mut out = String::with_capacity(SIZE + 4096);
    let versions = [8, 12, 13, 15, 18, 21];
    let mut trids = vec![0u32; 1000];
    for (id, t) in trids.iter_mut().enumerate() {
        let v = versions[id % versions.len()];
        let _ = writeln!(
            out,
            "NS/{id:04x} con\nNS/{id:04x} >>> VER 1 MSNP{v} CVR0\nNS/{id:04x} <<< VER 1 MSNP{v}"
        );
        *t = 1;
    }
    while out.len() < SIZE {
        let id = rng.below(1000) as usize;
        trids[id] += 1;
        let trid = trids[id];
        let c = format!("NS/{id:04x}");
        match rng.below(8) {
            0 => {
                let v = versions[id % versions.len()];
                let tail = match v {
                    8 | 12 => "",
                    13 => " U messenger.msn.com",
                    _ => " U messenger.msn.com 1",
                };
                let _ = writeln!(
                    out,
                    "{c} >>> XFR {trid} SB\n{c} <<< XFR {trid} SB 198.51.100.{}:1864 CKI {}.{}{tail}",
                    rng.below(250),
                    rng.below(99_999_999),
                    rng.below(99_999)
                );
            }
            1 => {
                let _ = writeln!(out, "{c} >>> XFR {trid} SB\n{c} <<< 913 {trid}");
            }
            2 | 3 => {
                let _ = writeln!(out, "{c} >>> CHG {trid} NLN 0\n{c} <<< CHG {trid} NLN 0");
            }
            4 => {
                let _ = writeln!(
                    out,
                    "{c} <<< ILN {trid} NLN friend{}@example.com Friend 0",
                    rng.below(999)
                );
            }
            5 => {
                let _ = writeln!(out, "{c} >>> PNG\n{c} <<< QNG 50");
            }
            _ => {
                let _ = writeln!(out, "{c} >>> UUX {trid} 63\n{c} <<< UUX {trid} 0");
            }
        }
    }
    out
}

/// One client's long session of about `SIZE` bytes, each line written by `line(out, client,
/// command)`: switchboards asked for (referred or refused), pings, presence, and the server's
/// bodiless notices.
fn session_log(mut line: impl FnMut(&mut String, bool, &str)) -> String {
    let mut rng = Lcg(0x51ed);
    let mut out = String::with_capacity(SIZE + 4096);
    line(&mut out, true, "VER 1 MSNP15 CVR0");
    line(&mut out, false, "VER 1 MSNP15");
    let mut trid = 1;
    while out.len() < SIZE {
        trid += 1;
        match rng.below(8) {
            0 | 1 => {
                line(&mut out, true, &format!("XFR {trid} SB"));
                let reply = if rng.below(4) == 0 {
                    format!("913 {trid}")
                } else {
                    format!(
                        "XFR {trid} SB 192.0.2.{}:1863 CKI {}.{}.{} U messenger.msn.com 1",
                        rng.below(250),
                        rng.below(100_000),
                        rng.below(100_000),
                        rng.below(100)
                    )
                };
                line(&mut out, false, &reply);
            }
            2 | 3 => {
                line(&mut out, true, "PNG");
                line(&mut out, false, "QNG 50");
            }
            4 | 5 => {
                line(&mut out, true, &format!("CHG {trid} NLN 0"));
                line(&mut out, false, &format!("CHG {trid} NLN 0"));
            }
            _ => {
                let who = rng.below(500);
                line(
                    &mut out,
                    false,
                    &format!("NLN NLN buddy{who}@example.com Buddy%20{who} 0"),
                );
            }
        }
    }
    out
}

fn group(c: &mut Criterion, name: &str, text: &str, format: Format) {
    assert_eq!(logs::detect(text.as_bytes()), Some(format));
    let judging = Judging {
        mode: Mode::Lenient,
        version: None,
    };
    let report = follow::log("bench", text.as_bytes(), format, judging);
    assert!(report.records.len() > 1000 && report.all_decoded());
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("inspect", |b| {
        b.iter(|| {
            let report = follow::log("bench", black_box(text.as_bytes()), format, judging);
            black_box(report.records.len())
        })
    });
    group.bench_function("detect_and_inspect", |b| {
        b.iter(|| {
            let format = logs::detect(black_box(text.as_bytes())).unwrap();
            let report = follow::log("bench", text.as_bytes(), format, judging);
            black_box(report.records.len())
        })
    });
    group.bench_function("lines", |b| {
        b.iter(|| {
            for line in black_box(text).lines() {
                black_box(line);
            }
        })
    });
    group.finish();
}

fn logs_group(c: &mut Criterion) {
    group(c, "purple", &purple_log(), Format::Purple);
    group(c, "server", &server_log(), Format::Escargot);
    let mut n = 0u32;
    let mut clock = move || {
        n += 1;
        format!("{:02}:{:02}:{:02}", n / 3600 % 24, n / 60 % 60, n % 60)
    };
    let amsn = session_log(|out, client, cmd| {
        // aMSN writes a sent command with its CR LF, and a line end after it.
        let (arrow, end) = if client { ("->", "\r\n") } else { ("<-", "") };
        let _ = writeln!(out, "[{}] {arrow}ns-sock4 {cmd}{end}", clock());
    });
    group(c, "amsn", &amsn, Format::Amsn);
    let pecan = session_log(|out, client, cmd| {
        let d = if client { 'C' } else { 'S' };
        let _ = writeln!(
            out,
            "INFO cmd/cmdproc.c:110:show_debug_cmd() {d}: 000: ns: {cmd}\nDEBUG io/pn_node.c:300:read_cb() 42 bytes"
        );
    });
    group(c, "pecan", &pecan, Format::Pecan);
    let kopete = session_log(|out, client, cmd| {
        let _ = if client {
            writeln!(
                out,
                "kopete (msn - raw protocol): [void MSNSocket::slotReadyWrite()] Sending command: {cmd}"
            )
        } else {
            writeln!(
                out,
                "kopete (msn - raw protocol): [void MSNSocket::slotDataReceived()] {cmd}"
            )
        };
    });
    group(c, "kopete", &kopete, Format::Kopete);
    let miranda = session_log(|out, client, cmd| {
        let _ = if client {
            writeln!(
                out,
                "[12:00:00 0F1C] [MSN] (0A1B2C3D:1234) Data sent\r\n{cmd}\r\n\r"
            )
        } else {
            writeln!(
                out,
                "[12:00:00 0F1C] [MSN] (0A1B2C3D:1234) Data received\r\n{cmd}\r\n\r\n\
                 [12:00:00 0F1C] [MSN] RECV: {cmd}\r"
            )
        };
    });
    group(c, "miranda", &miranda, Format::Miranda);
    let generic = session_log(|out, client, cmd| {
        let _ = writeln!(
            out,
            "2009-11-02 {}.{:03} [net-1] DEBUG Connection - {}: {cmd}",
            clock(),
            out.len() % 1000,
            if client { "Output" } else { "Input" }
        );
    });
    group(c, "generic", &generic, Format::Generic);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(20);
    targets = logs_group
}
criterion_main!(benches);
