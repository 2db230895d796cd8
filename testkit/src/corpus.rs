//! Deterministic inputs for the benchmarks and the allocation test: a mixed corpus of XFR lines
//! (every shape, every version, varied TrIDs, IPv4 and host names, cookie shapes) and a
//! server → client byte stream with payload commands around the XFR lines.

use msnp_xfr::Version;

/// A small, fixed pseudo-random generator (64-bit LCG), so every run measures the same bytes.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed)
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }

    pub fn below(&mut self, n: u32) -> u32 {
        self.next_u32() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u32) as usize]
    }
}

const HOSTS: &[&str] = &[
    "sb.example.net",
    "ns-1.example.org",
    "m1.example.org",
    "bay.example.com",
];

fn host(rng: &mut Lcg) -> String {
    if rng.below(3) == 0 {
        rng.pick(HOSTS).to_string()
    } else {
        format!(
            "{}.{}.{}.{}",
            rng.below(224) + 1,
            rng.below(256),
            rng.below(256),
            rng.below(256)
        )
    }
}

fn address(rng: &mut Lcg) -> String {
    let port = [1863, 1863, 1863, 1864, 80, 443][rng.below(6) as usize];
    format!("{}:{port}", host(rng))
}

fn cookie(rng: &mut Lcg) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    match rng.below(5) {
        0 => format!(
            "{}.{}.{}",
            rng.below(99_999_999),
            rng.next_u32(),
            rng.below(99_999)
        ),
        1 => format!("{}.{}", rng.next_u32(), rng.below(99_999)),
        2 => format!(
            "{:020x}",
            u128::from(rng.next_u32()) << 48 | u128::from(rng.next_u32())
        ),
        3 => (0..25)
            .map(|_| char::from(ALNUM[rng.below(ALNUM.len() as u32) as usize]))
            .collect(),
        _ => "cookie".to_string(),
    }
}

fn trid(rng: &mut Lcg) -> u32 {
    match rng.below(4) {
        0 => 0,
        1 => rng.below(100),
        2 => rng.below(100_000),
        _ => rng.next_u32(),
    }
}

const HOP: &str = "VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==";

/// One strictly valid line (CRLF included) and a version it is legal in.
pub fn line(rng: &mut Lcg) -> (Vec<u8>, Version) {
    let v = |n: u32| Version::new(n as u8).unwrap();
    let (text, version) = match rng.below(12) {
        0 => (format!("XFR {} SB", trid(rng)), v(2 + rng.below(20))),
        1 => ("XFR 0 NS 0".to_string(), v(2 + rng.below(20))),
        2 => (format!("XFR {} NS {}", trid(rng), address(rng)), v(2)),
        3 => (
            format!("XFR {} NS {} 0", trid(rng), address(rng)),
            v(3 + rng.below(4)),
        ),
        4 => (
            format!("XFR {} NS {} 0 {}", trid(rng), address(rng), address(rng)),
            v(7 + rng.below(6)),
        ),
        5 => (
            format!("XFR {} NS {} U D", trid(rng), address(rng)),
            v(13 + rng.below(8)),
        ),
        6 => (
            format!("XFR {} NS {} U D {HOP}", trid(rng), address(rng)),
            v(21),
        ),
        7 => (
            format!("XFR 0 NS *.gateway.edge.messenger.live.com:443 G D {HOP}"),
            v(21),
        ),
        8 => (
            format!("XFR {} SB {} CKI {}", trid(rng), address(rng), cookie(rng)),
            v(2 + rng.below(11)),
        ),
        9 => (
            format!(
                "XFR {} SB {} CKI {} U messenger.msn.com",
                trid(rng),
                address(rng),
                cookie(rng)
            ),
            v(13),
        ),
        _ => (
            format!(
                "XFR {} SB {} CKI {} U messenger.msn.com {}",
                trid(rng),
                address(rng),
                cookie(rng),
                rng.below(2)
            ),
            v(14 + rng.below(8)),
        ),
    };
    (format!("{text}\r\n").into_bytes(), version)
}

/// `n` lines of [`line()`].
pub fn lines(n: usize) -> Vec<(Vec<u8>, Version)> {
    let mut rng = Lcg::new(0x5eed);
    (0..n).map(|_| line(&mut rng)).collect()
}

/// About `size` bytes of server → client traffic: commands with payloads (`MSG`, `NOT`,
/// `UBX`), plain commands and numeric replies around XFR lines.
pub fn stream(size: usize) -> Vec<u8> {
    let mut rng = Lcg::new(0xfeed);
    let mut out = Vec::with_capacity(size + 1024);
    while out.len() < size {
        match rng.below(8) {
            0..=2 => out.extend_from_slice(&line(&mut rng).0),
            3 => {
                let body = format!(
                    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{}",
                    "hello there ".repeat(1 + rng.below(8) as usize)
                );
                out.extend_from_slice(
                    format!("MSG sender@example.com Sender {}\r\n", body.len()).as_bytes(),
                );
                out.extend_from_slice(body.as_bytes());
            }
            4 => {
                let body = format!(
                    "<Data><PSM>{}</PSM></Data>",
                    "status ".repeat(rng.below(5) as usize)
                );
                out.extend_from_slice(
                    format!("UBX contact@example.com {}\r\n", body.len()).as_bytes(),
                );
                out.extend_from_slice(body.as_bytes());
            }
            5 => out.extend_from_slice(format!("CHG {} NLN 0\r\n", rng.below(1000)).as_bytes()),
            6 => out.extend_from_slice(
                format!(
                    "ILN {} NLN contact@example.com Contact 0\r\n",
                    rng.below(1000)
                )
                .as_bytes(),
            ),
            _ => out.extend_from_slice(format!("913 {}\r\n", rng.below(1000)).as_bytes()),
        }
    }
    out
}

/// About `size` bytes of client → server traffic: XFR requests among messages with payloads,
/// status changes and pings.
pub fn client_stream(size: usize) -> Vec<u8> {
    let mut rng = Lcg::new(0xc1e7);
    let mut out = Vec::with_capacity(size + 1024);
    let mut trid = 1u32;
    while out.len() < size {
        trid += 1;
        match rng.below(6) {
            0 | 1 => out.extend_from_slice(format!("XFR {trid} SB\r\n").as_bytes()),
            2 | 3 => {
                let body = format!(
                    "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{}",
                    "XFR 1 SB and other words ".repeat(1 + rng.below(6) as usize)
                );
                out.extend_from_slice(format!("MSG {trid} N {}\r\n", body.len()).as_bytes());
                out.extend_from_slice(body.as_bytes());
            }
            4 => out.extend_from_slice(format!("CHG {trid} NLN 0\r\n").as_bytes()),
            _ => out.extend_from_slice(b"PNG\r\n"),
        }
    }
    out
}

/// One connection's two directions as a capture delivers them: each direction's bytes (after a
/// `VER` exchange) cut into segments of 500–1460 bytes, the segments of both directions
/// interleaved. `true` marks the client's.
pub fn two_way(size: usize) -> Vec<(bool, Vec<u8>)> {
    let mut rng = Lcg::new(0x2_ea7);
    let mut client = b"VER 1 MSNP15 CVR0\r\n".to_vec();
    client.extend(client_stream(size / 3));
    let mut server = b"VER 1 MSNP15 CVR0\r\n".to_vec();
    server.extend(stream(size - size / 3));
    let (mut c, mut s) = (&client[..], &server[..]);
    let mut out = Vec::new();
    while !c.is_empty() || !s.is_empty() {
        let from_client = !c.is_empty() && (s.is_empty() || rng.below(3) == 0);
        let rest = if from_client { &mut c } else { &mut s };
        let n = (500 + rng.below(961) as usize).min(rest.len());
        out.push((from_client, rest[..n].to_vec()));
        *rest = &rest[n..];
    }
    out
}
