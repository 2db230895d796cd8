//! A large capture for msnp-inspect's speed and memory benchmarks and its streaming tests,
//! made reproducibly (a fixed seed): thousands of interleaved MSNP connections, mostly chat
//! messages whose bodies hold command-like text, some XFR requests and referrals (most of them
//! followed to a switchboard that is shown the cookie), a little loss and reordering.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};

use crate::corpus::Lcg;
use crate::pcap::{Conversation, Link, Seg};

/// One connection being written: its conversation and how far its script has got.
struct Conn {
    c: Conversation,
    version: u8,
    step: u32,
    trid: u32,
}

const CONNECTIONS: usize = 4000;

fn record(out: &mut impl Write, secs: u32, micros: u32, frame: &[u8]) -> std::io::Result<()> {
    out.write_all(&secs.to_le_bytes())?;
    out.write_all(&micros.to_le_bytes())?;
    out.write_all(&(frame.len() as u32).to_le_bytes())?;
    out.write_all(&(frame.len() as u32).to_le_bytes())?;
    out.write_all(frame)
}

/// Writes a capture of about `target` bytes to `out`.
pub fn write(out: &mut impl Write, target: u64) -> std::io::Result<()> {
    let mut header = Vec::new();
    header.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&4u16.to_le_bytes());
    header.extend_from_slice(&[0; 8]);
    header.extend_from_slice(&65535u32.to_le_bytes());
    header.extend_from_slice(&1u32.to_le_bytes());
    out.write_all(&header)?;
    let mut written = header.len() as u64;
    let mut rng = Lcg::new(0xb16);
    let mut conns: Vec<Conn> = Vec::new();
    let mut next_port = 20_000u32;
    let mut clock = (1_700_000_000u32, 0u32);
    let mut held: Option<Seg> = None;
    let mut switchboards: Vec<Conversation> = Vec::new();
    while written < target {
        // Keep a few thousand connections open; a finished one is replaced by a new one.
        if conns.len() < CONNECTIONS {
            next_port += 1;
            let client = SocketAddr::new(
                Ipv4Addr::new(
                    10,
                    (next_port >> 16) as u8 + 1,
                    (next_port >> 8) as u8,
                    next_port as u8,
                )
                .into(),
                (1024 + next_port % 60_000) as u16,
            );
            let server = SocketAddr::new(
                Ipv4Addr::new(192, 0, 2, (next_port % 200) as u8 + 1).into(),
                1863,
            );
            let mut c = Conversation::new(client, server, [rng.next_u32(), rng.next_u32()]);
            c.handshake();
            let version = [8, 13, 15, 18, 21][rng.below(5) as usize];
            conns.push(Conn {
                c,
                version,
                step: 0,
                trid: 1,
            });
        }
        let i = rng.below(conns.len() as u32) as usize;
        let conn = &mut conns[i];
        conn.trid += 1;
        let t = conn.trid;
        let v = conn.version;
        match conn.step {
            0 => {
                conn.c
                    .send(true, format!("VER {t} MSNP{v} CVR0\r\n").as_bytes());
                conn.c
                    .send(false, format!("VER {t} MSNP{v} CVR0\r\n").as_bytes());
            }
            s if s > 60 => {
                conn.c.send(true, b"OUT\r\n");
                conn.c.fin(true).fin(false);
            }
            _ => match rng.below(50) {
                0 => {
                    conn.c.send(true, format!("XFR {t} SB\r\n").as_bytes());
                    let tail = match v {
                        ..=12 => "",
                        13 => " U messenger.msn.com",
                        _ => " U messenger.msn.com 1",
                    };
                    if rng.below(4) == 0 {
                        conn.c.send(false, format!("913 {t}\r\n").as_bytes());
                    } else {
                        let sb = SocketAddr::new(
                            Ipv4Addr::new(10, 9, rng.below(250) as u8, rng.below(250) as u8).into(),
                            1863,
                        );
                        let cookie = format!(
                            "{}.{}.{}",
                            rng.next_u32(),
                            rng.next_u32(),
                            rng.below(99_999)
                        );
                        conn.c.send(
                            false,
                            format!("XFR {t} SB {sb} CKI {cookie}{tail}\r\n").as_bytes(),
                        );
                        // Most referrals are followed: the client presents the cookie to the
                        // switchboard, says a line and leaves.
                        if rng.below(4) != 0 {
                            let client =
                                SocketAddr::new(conn.c.client.ip(), conn.c.client.port() ^ 0x8000);
                            let mut s =
                                Conversation::new(client, sb, [rng.next_u32(), rng.next_u32()]);
                            s.handshake()
                                .send(
                                    true,
                                    format!("USR 1 user{t}@example.com {cookie}\r\n").as_bytes(),
                                )
                                .send(
                                    false,
                                    format!("USR 1 OK user{t}@example.com User\r\n").as_bytes(),
                                )
                                .send(true, b"OUT\r\n")
                                .fin(true)
                                .fin(false);
                            switchboards.push(s);
                        }
                    }
                }
                1..=5 => {
                    let body = format!(
                        "<Data><PSM>away, XFR {t} SB later</PSM><CurrentMedia></CurrentMedia></Data>"
                    );
                    conn.c
                        .send(true, format!("UUX {t} {}\r\n{body}", body.len()).as_bytes());
                    conn.c.send(false, format!("UUX {t} 0\r\n").as_bytes());
                }
                _ => {
                    let mut body = String::from(
                        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Segoe%20UI; EF=; CO=0; CS=1; PF=0\r\n\r\n",
                    );
                    for _ in 0..1 + rng.below(6) {
                        body.push_str("did you see this? XFR 12 SB 10.0.0.1:1863 CKI 1.2.3\r\n913 12\r\nMSG a b 99\r\n");
                    }
                    let from_client = rng.below(2) == 0;
                    let line = if from_client {
                        format!("MSG {t} N {}\r\n{body}", body.len())
                    } else {
                        format!("MSG buddy@example.com Buddy {}\r\n{body}", body.len())
                    };
                    conn.c.send_split(from_client, line.as_bytes(), 1400);
                }
            },
        }
        conn.step += 1;
        let done = conn.step > 61;
        let mut segments: Vec<Seg> = conn.c.segments.drain(..).collect();
        for s in switchboards.drain(..) {
            segments.extend(s.segments);
        }
        for seg in segments {
            // A little loss and reordering: one segment in 2000 lost, one in 500 held back
            // behind the next.
            let r = rng.below(2000);
            if r == 0 && !seg.payload.is_empty() {
                continue;
            }
            clock.1 += 37;
            if clock.1 >= 1_000_000 {
                clock = (clock.0 + 1, clock.1 - 1_000_000);
            }
            if r < 4 && held.is_none() && !seg.payload.is_empty() {
                held = Some(seg);
                continue;
            }
            let frame = seg.frame(Link::Ethernet);
            record(out, clock.0, clock.1, &frame)?;
            written += 16 + frame.len() as u64;
            if let Some(late) = held.take() {
                let frame = late.frame(Link::Ethernet);
                record(out, clock.0, clock.1, &frame)?;
                written += 16 + frame.len() as u64;
            }
        }
        if done {
            conns.swap_remove(i);
        }
    }
    out.flush()
}
