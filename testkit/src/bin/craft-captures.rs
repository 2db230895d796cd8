//! Writes the crafted captures msnp-inspect's tests read, one per edge case, into the folder
//! given (`inspect/tests/captures/crafted`):
//!
//! ```text
//! cargo run -p msnp-xfr-testkit --bin craft-captures -- inspect/tests/captures/crafted
//! ```
//!
//! Everything is deterministic, so running it again writes the same bytes.

use std::net::SocketAddr;
use std::path::Path;

use msnp_xfr_testkit::pcap::{
    Block, Conversation, Interface, Link, Record, Seg, fragment_ipv4, frame_ip, pcap, pcapng,
};

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("a literal address")
}

/// The records of `segments` on `link`, a millisecond apart from `start` seconds.
fn records(segments: &[Seg], link: Link, start: u32) -> Vec<Record> {
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Record::new(
                start + (i / 1000) as u32,
                (i % 1000) as u32 * 1000,
                s.frame(link),
            )
        })
        .collect()
}

/// A short MSNP session: handshake, `VER` at `version`, a switchboard request and referral.
fn session(client: &str, server: &str, version: u8, trid: u32) -> Conversation {
    let mut c = Conversation::new(addr(client), addr(server), [1000, 5000]);
    c.handshake();
    c.send(true, format!("VER 1 MSNP{version} CVR0\r\n").as_bytes());
    c.send(false, format!("VER 1 MSNP{version} CVR0\r\n").as_bytes());
    c.send(true, format!("XFR {trid} SB\r\n").as_bytes());
    let tail = match version {
        ..=12 => "",
        13 => " U messenger.msn.com",
        _ => " U messenger.msn.com 1",
    };
    c.send(
        false,
        format!("XFR {trid} SB 10.0.0.{trid}:1863 CKI {trid}.{trid}{tail}\r\n").as_bytes(),
    );
    c.fin(true).fin(false);
    c
}

fn write(dir: &Path, name: &str, bytes: Vec<u8>) {
    std::fs::write(dir.join(name), bytes).expect("the folder is writable");
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: craft-captures FOLDER");
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).expect("the folder can be made");

    // Several sections and interfaces, each with its link type and time resolution; enhanced
    // and simple packet blocks; VLAN tags, SLL, SLL2, raw IP, BSD loopback, IPv6.
    let epb = |segments: &[Seg], link: Link, interface: u32, secs: u32| -> Vec<Block> {
        segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut r = Record::new(secs, i as u32 * 1000 + 7, s.frame(link));
                r.nanos += 123; // visible only at nanosecond resolution
                r.interface = interface;
                Block::Enhanced(r)
            })
            .collect()
    };
    let vlan = session("192.0.2.1:40001", "192.0.2.100:1863", 8, 11).segments;
    let qinq = session("192.0.2.2:40002", "192.0.2.100:1863", 9, 12).segments;
    let sll = session("192.0.2.3:40003", "192.0.2.100:1863", 10, 13).segments;
    let sll2 = session("192.0.2.4:40004", "192.0.2.100:1863", 11, 14).segments;
    let raw = session("192.0.2.5:40005", "192.0.2.100:1863", 13, 15).segments;
    let null6 = session("[2001:db8::5]:40006", "[2001:db8::100]:1863", 15, 16).segments;
    let simple = session("192.0.2.7:40007", "192.0.2.100:1863", 18, 17).segments;
    let mut first: Vec<Block> = Vec::new();
    first.extend(epb(&vlan, Link::Vlan, 0, 1_700_000_000));
    first.extend(epb(&qinq, Link::DoubleVlan, 0, 1_700_000_001));
    first.extend(epb(&sll, Link::Sll, 1, 1_700_000_002));
    first.extend(epb(&sll2, Link::Sll2, 2, 1_700_000_003));
    let mut second: Vec<Block> = Vec::new();
    second.extend(epb(&raw, Link::Raw, 0, 1_700_000_004));
    second.extend(epb(&null6, Link::Null, 1, 1_700_000_005));
    second.extend(simple.iter().map(|s| Block::Simple(s.frame(Link::Raw))));
    write(
        dir,
        "links.pcapng",
        pcapng(&[
            (
                vec![
                    Interface {
                        linktype: 1,
                        tsresol: 6,
                    },
                    Interface {
                        linktype: 113,
                        tsresol: 6,
                    },
                    Interface {
                        linktype: 276,
                        tsresol: 9,
                    },
                ],
                first,
            ),
            (
                vec![
                    Interface {
                        linktype: 101,
                        tsresol: 9,
                    },
                    Interface {
                        linktype: 0,
                        tsresol: 3,
                    },
                ],
                second,
            ),
        ]),
    );

    // Big-endian, nanosecond pcap.
    let mut r = records(
        &session("198.51.100.1:50000", "198.51.100.2:1863", 21, 21).segments,
        Link::Ethernet,
        1_700_001_000,
    );
    for (i, x) in r.iter_mut().enumerate() {
        x.nanos = i as u32 * 1_000_000 + 999;
    }
    write(dir, "be-nano.pcap", pcap(1, true, true, &r));

    // IPv4 fragments: the referral's segment in three fragments, the last one first.
    let c = session("203.0.113.1:41000", "203.0.113.2:1863", 8, 31);
    let mut frames = Vec::new();
    for s in &c.segments {
        if s.payload.starts_with(b"XFR 31 SB 10") {
            let mut parts = fragment_ipv4(&s.ip_packet(), 16);
            parts.rotate_right(1);
            frames.extend(parts.iter().map(|p| frame_ip(Link::Ethernet, p, false)));
        } else {
            frames.push(s.frame(Link::Ethernet));
        }
    }
    let r: Vec<Record> = frames
        .into_iter()
        .enumerate()
        .map(|(i, f)| Record::new(1_700_002_000, i as u32, f))
        .collect();
    write(dir, "fragments.pcap", pcap(1, false, false, &r));

    // Out of order, retransmitted, overlapping (one conflicting), sequence numbers wrapping.
    let mut c = Conversation::new(
        addr("203.0.113.10:42000"),
        addr("203.0.113.20:1863"),
        [u32::MAX - 20, u32::MAX - 5],
    );
    c.handshake();
    c.send(true, b"VER 1 MSNP15 CVR0\r\n");
    c.send(false, b"VER 1 MSNP15 CVR0\r\n");
    c.send(true, b"XFR 3 SB\r\n");
    let head = c.segments.len();
    c.send_split(
        false,
        b"XFR 3 SB 10.0.0.3:1863 CKI 3.3 U messenger.msn.com 1\r\nXFR 0 NS 0\r\n",
        10,
    );
    let s: Vec<Seg> = c.segments.drain(head..).collect();
    let mut conflict = s[1].clone();
    conflict.payload = b"9.9.9.9:99".to_vec();
    let mut overlap = s[2].clone();
    overlap.payload.extend_from_slice(&s[3].payload[..4]);
    c.segments.extend([
        s[2].clone(), // ahead of the next byte: waits
        s[1].clone(), // waits too
        s[2].clone(), // an identical copy of a waiting segment
        conflict,     // a different copy of a waiting segment: the first copy wins
        s[0].clone(), // fills the hole: s0, s1, s2 are delivered
        overlap,      // s2 again, and the first bytes of s3
        s[5].clone(), // ahead again
        s[3].clone(), // partly delivered already
        s[4].clone(), // fills the hole
        s[6].clone(),
        s[6].clone(), // a copy of delivered bytes
    ]);
    c.fin(true).fin(false);
    write(
        dir,
        "reorder.pcap",
        pcap(
            1,
            false,
            false,
            &records(&c.segments, Link::Ethernet, 1_700_003_000),
        ),
    );

    // A capture that starts in the middle of a connection and of a line, on port 5555.
    let mut c = Conversation::new(
        addr("203.0.113.30:43000"),
        addr("203.0.113.40:5555"),
        [70_000, 90_000],
    );
    c.send(false, b"B 10.0.0.1:1863 CKI 1.1\r\n");
    c.send(true, b"XFR 5 SB\r\n");
    c.send(false, b"XFR 5 SB 10.0.0.5:1863 CKI 5.5\r\n");
    c.send(true, b"CHG 6 NLN 0\r\n");
    c.send(false, b"CHG 6 NLN 0\r\n");
    write(
        dir,
        "midstream.pcap",
        pcap(
            1,
            false,
            false,
            &records(&c.segments, Link::Ethernet, 1_700_004_000),
        ),
    );

    // A lost segment inside an XFR line; the client's acknowledgement shows it was sent.
    let mut c = session_start("203.0.113.50:44000", "203.0.113.60:1863", 8);
    c.send(false, b"XFR 7 SB 10.0.0.");
    let lost_at = c.segments.len();
    c.send(false, b"7:1863 CKI 7.7\r\nXFR 8 SB 10.0.0.8:18");
    c.send(false, b"63 CKI 8.8\r\nXFR 9 SB 10.0.0.9:1863 CKI 9.9\r\n");
    c.send(true, b"PNG\r\n");
    c.fin(true).fin(false);
    let mut segs = c.segments.clone();
    segs.remove(lost_at);
    write(
        dir,
        "gap.pcap",
        pcap(
            1,
            false,
            false,
            &records(&segs, Link::Ethernet, 1_700_005_000),
        ),
    );

    // Lines cut off by FIN and by RST; the same four-tuple used again after a close.
    let mut c = session_start("203.0.113.70:45000", "203.0.113.80:1863", 8);
    c.send(false, b"XFR 3 SB 10.0.0.3:1863 CKI 3");
    c.fin(false).fin(true);
    let mut all = c.segments.clone();
    let mut again = Conversation::new(
        addr("203.0.113.70:45000"),
        addr("203.0.113.80:1863"),
        [200_000, 300_000],
    );
    again.handshake();
    again.send(true, b"VER 1 MSNP8 CVR0\r\n");
    again.send(false, b"VER 1 MSNP8 CVR0\r\n");
    again.send(true, b"XFR 4 SB\r\n");
    again.send(false, b"XFR 4 SB 10.0.0.4:1863 CKI 4.4\r\n");
    again.send(true, b"XFR 5 S");
    again.rst(true);
    all.extend(again.segments);
    write(
        dir,
        "fin-rst.pcap",
        pcap(
            1,
            false,
            false,
            &records(&all, Link::Ethernet, 1_700_006_000),
        ),
    );

    // Payload bodies that hold command-like lines; a numeric reply with a payload.
    let mut c = session_start("203.0.113.90:46000", "203.0.113.91:1863", 13);
    let msg =
        "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nXFR 1 SB 10.6.6.6:1863 CKI bad\r\n";
    c.send(
        false,
        format!("MSG Hotmail Hotmail {}\r\n{msg}", msg.len()).as_bytes(),
    );
    let uux = "<Data><PSM>XFR 2 SB</PSM></Data>";
    c.send(true, format!("UUX 2 {}\r\n{uux}", uux.len()).as_bytes());
    c.send(false, b"UUX 2 0\r\n");
    let not = "<NOTIFICATION>\r\nXFR 0 NS 0\r\n913 3\r\n</NOTIFICATION>";
    c.send(false, format!("NOT {}\r\n{not}", not.len()).as_bytes());
    c.send(true, b"XFR 3 SB\r\n");
    let ml = "<ml><d n=\"XFR 3 SB\"/></ml>";
    c.send(false, format!("241 3 {}\r\n{ml}", ml.len()).as_bytes());
    c.send(true, b"XFR 4 SB\r\n");
    c.send(
        false,
        b"XFR 4 SB 10.0.0.4:1863 CKI 4.4 U messenger.msn.com\r\n",
    );
    c.fin(true).fin(false);
    write(
        dir,
        "bodies.pcap",
        pcap(
            113,
            false,
            false,
            &records(&c.segments, Link::Sll, 1_700_007_000),
        ),
    );

    // A capture whose last packet is cut off by the end of the file.
    let mut bytes = pcap(
        1,
        false,
        false,
        &records(
            &session("192.0.2.20:47000", "192.0.2.21:1863", 8, 41).segments,
            Link::Ethernet,
            1_700_008_000,
        ),
    );
    bytes.truncate(bytes.len() - 10);
    write(dir, "truncated.pcap", bytes);

    // A damaged header: the pcapng magic, then a section header with no byte-order mark.
    let mut bad = vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0];
    bad.extend_from_slice(&[0x11; 20]);
    write(dir, "damaged.pcapng", bad);

    // No MSNP at all: HTTP and a binary protocol.
    let mut http = Conversation::new(addr("192.0.2.30:48000"), addr("192.0.2.31:80"), [1, 1]);
    http.handshake();
    http.send(true, b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    http.send(false, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    let mut other = Conversation::new(addr("192.0.2.30:48001"), addr("192.0.2.31:1863"), [7, 7]);
    other.handshake();
    other.send(true, &[0u8, 1, 2, 3, 255, 10]);
    let mut segs = http.segments;
    segs.extend(other.segments);
    write(
        dir,
        "no-msnp.pcap",
        pcap(
            1,
            false,
            false,
            &records(&segs, Link::Ethernet, 1_700_009_000),
        ),
    );
}

/// A session up to its `VER` exchange.
fn session_start(client: &str, server: &str, version: u8) -> Conversation {
    let mut c = Conversation::new(addr(client), addr(server), [1000, 5000]);
    c.handshake();
    c.send(true, format!("VER 1 MSNP{version} CVR0\r\n").as_bytes());
    c.send(false, format!("VER 1 MSNP{version} CVR0\r\n").as_bytes());
    c
}
