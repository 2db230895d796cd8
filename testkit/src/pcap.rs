//! Crafting captures: TCP conversations built segment by segment (with any order, loss,
//! duplication, fragmentation), framed in any link layer, and written as pcap (either byte
//! order, micro- or nanoseconds) or pcapng (sections, interfaces, enhanced and simple packet
//! blocks). For the capture reader's tests, its property test and its hostile-capture test.

use std::net::{IpAddr, SocketAddr};

use etherparse::{Ipv4Header, PacketBuilder, TcpHeader};

/// The link layers a crafted packet can be framed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Ethernet (linktype 1).
    Ethernet,
    /// Ethernet with one 802.1Q tag.
    Vlan,
    /// Ethernet with 802.1ad outer and 802.1Q inner tags.
    DoubleVlan,
    /// Linux cooked capture (113).
    Sll,
    /// Linux cooked capture v2 (276).
    Sll2,
    /// Raw IP (101).
    Raw,
    /// BSD loopback (0), family in little-endian host order.
    Null,
}

impl Link {
    /// The pcap link type number.
    pub fn linktype(self) -> u32 {
        match self {
            Link::Ethernet | Link::Vlan | Link::DoubleVlan => 1,
            Link::Sll => 113,
            Link::Sll2 => 276,
            Link::Raw => 101,
            Link::Null => 0,
        }
    }
}

/// TCP flags of a crafted segment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// SYN.
    pub syn: bool,
    /// FIN.
    pub fin: bool,
    /// RST.
    pub rst: bool,
    /// The acknowledgement number, if ACK is set.
    pub ack: Option<u32>,
}

/// One crafted TCP segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seg {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// Flags.
    pub flags: Flags,
    /// Payload.
    pub payload: Vec<u8>,
}

impl Seg {
    /// The IP packet (IPv4 or IPv6 by the addresses) carrying this segment.
    pub fn ip_packet(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.builder_ip()
            .write(&mut out, &self.payload)
            .expect("a crafted packet writes");
        out
    }

    fn tcp(
        &self,
        b: etherparse::PacketBuilderStep<etherparse::IpHeaders>,
    ) -> etherparse::PacketBuilderStep<TcpHeader> {
        let mut t = b.tcp(self.src.port(), self.dst.port(), self.seq, 65535);
        if self.flags.syn {
            t = t.syn();
        }
        if self.flags.fin {
            t = t.fin();
        }
        if self.flags.rst {
            t = t.rst();
        }
        if let Some(ack) = self.flags.ack {
            t = t.ack(ack);
        }
        t
    }

    fn builder_ip(&self) -> etherparse::PacketBuilderStep<TcpHeader> {
        match (self.src.ip(), self.dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                self.tcp(PacketBuilder::ipv4(s.octets(), d.octets(), 64))
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                self.tcp(PacketBuilder::ipv6(s.octets(), d.octets(), 64))
            }
            _ => panic!("one IP version per segment"),
        }
    }

    /// The frame carrying this segment on `link`.
    pub fn frame(&self, link: Link) -> Vec<u8> {
        let ip = self.ip_packet();
        frame_ip(link, &ip, self.src.is_ipv6())
    }
}

/// `ip` (an IPv4 or IPv6 packet) framed on `link`.
pub fn frame_ip(link: Link, ip: &[u8], v6: bool) -> Vec<u8> {
    let ether_type: u16 = if v6 { 0x86dd } else { 0x0800 };
    let mac = |n: u8| [0x02, 0, 0, 0, 0, n];
    let mut out = Vec::new();
    match link {
        Link::Ethernet | Link::Vlan | Link::DoubleVlan => {
            out.extend_from_slice(&mac(2));
            out.extend_from_slice(&mac(1));
            if link == Link::DoubleVlan {
                out.extend_from_slice(&0x88a8u16.to_be_bytes());
                out.extend_from_slice(&100u16.to_be_bytes());
            }
            if link != Link::Ethernet {
                out.extend_from_slice(&0x8100u16.to_be_bytes());
                out.extend_from_slice(&42u16.to_be_bytes());
            }
            out.extend_from_slice(&ether_type.to_be_bytes());
        }
        Link::Sll => {
            out.extend_from_slice(&0u16.to_be_bytes()); // to us
            out.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
            out.extend_from_slice(&6u16.to_be_bytes());
            out.extend_from_slice(&mac(1));
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&ether_type.to_be_bytes());
        }
        Link::Sll2 => {
            out.extend_from_slice(&ether_type.to_be_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&3u32.to_be_bytes()); // interface index
            out.extend_from_slice(&1u16.to_be_bytes());
            out.push(0);
            out.push(6);
            out.extend_from_slice(&mac(1));
            out.extend_from_slice(&[0, 0]);
        }
        Link::Raw => {}
        Link::Null => out.extend_from_slice(&(if v6 { 30u32 } else { 2u32 }).to_le_bytes()),
    }
    out.extend_from_slice(ip);
    out
}

/// An IPv4 packet split into fragments whose payloads are at most `size` bytes (a multiple of
/// 8), each a complete IPv4 packet.
pub fn fragment_ipv4(packet: &[u8], size: usize) -> Vec<Vec<u8>> {
    let (header, payload) = Ipv4Header::from_slice(packet).expect("an IPv4 packet");
    let payload = &payload[..usize::from(header.total_len) - header.header_len()];
    let mut out = Vec::new();
    let mut at = 0;
    while at < payload.len() {
        let end = (at + size).min(payload.len());
        let mut h = header.clone();
        h.more_fragments = end < payload.len();
        h.fragment_offset =
            etherparse::IpFragOffset::try_new((at / 8) as u16).expect("offset fits");
        h.set_payload_len(end - at).expect("length fits");
        h.header_checksum = h.calc_header_checksum();
        let mut frag = Vec::new();
        h.write(&mut frag).expect("a header writes");
        frag.extend_from_slice(&payload[at..end]);
        out.push(frag);
        at = end;
    }
    out
}

/// A TCP conversation between a client and a server, built segment by segment with the
/// sequence numbers right (each side's own counter).
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The client's address.
    pub client: SocketAddr,
    /// The server's address.
    pub server: SocketAddr,
    /// The next sequence number of each side: `[client, server]`.
    pub seq: [u32; 2],
    /// The segments so far.
    pub segments: Vec<Seg>,
}

impl Conversation {
    /// A conversation whose sides start at these initial sequence numbers.
    pub fn new(client: SocketAddr, server: SocketAddr, isn: [u32; 2]) -> Self {
        Conversation {
            client,
            server,
            seq: isn,
            segments: Vec::new(),
        }
    }

    fn ends(&self, from_client: bool) -> (SocketAddr, SocketAddr, usize) {
        if from_client {
            (self.client, self.server, 0)
        } else {
            (self.server, self.client, 1)
        }
    }

    /// The three-way handshake.
    pub fn handshake(&mut self) -> &mut Self {
        let [c, s] = self.seq;
        self.push(
            true,
            c,
            Flags {
                syn: true,
                ..Flags::default()
            },
            Vec::new(),
        );
        self.push(
            false,
            s,
            Flags {
                syn: true,
                ack: Some(c.wrapping_add(1)),
                ..Flags::default()
            },
            Vec::new(),
        );
        self.seq = [c.wrapping_add(1), s.wrapping_add(1)];
        self.push(
            true,
            self.seq[0],
            Flags {
                ack: Some(self.seq[1]),
                ..Flags::default()
            },
            Vec::new(),
        );
        self
    }

    fn push(&mut self, from_client: bool, seq: u32, flags: Flags, payload: Vec<u8>) {
        let (src, dst, _) = self.ends(from_client);
        self.segments.push(Seg {
            src,
            dst,
            seq,
            flags,
            payload,
        });
    }

    /// Data from one side, in one segment, acknowledging the other side's bytes so far.
    pub fn send(&mut self, from_client: bool, data: &[u8]) -> &mut Self {
        let (_, _, i) = self.ends(from_client);
        let seq = self.seq[i];
        let ack = Some(self.seq[1 - i]);
        self.push(
            from_client,
            seq,
            Flags {
                ack,
                ..Flags::default()
            },
            data.to_vec(),
        );
        self.seq[i] = seq.wrapping_add(data.len() as u32);
        self
    }

    /// Data from one side in segments of at most `size` bytes.
    pub fn send_split(&mut self, from_client: bool, data: &[u8], size: usize) -> &mut Self {
        for chunk in data.chunks(size.max(1)) {
            self.send(from_client, chunk);
        }
        self
    }

    /// A FIN from one side.
    pub fn fin(&mut self, from_client: bool) -> &mut Self {
        let (_, _, i) = self.ends(from_client);
        let seq = self.seq[i];
        let ack = Some(self.seq[1 - i]);
        self.push(
            from_client,
            seq,
            Flags {
                fin: true,
                ack,
                ..Flags::default()
            },
            Vec::new(),
        );
        self.seq[i] = seq.wrapping_add(1);
        self
    }

    /// An RST from one side.
    pub fn rst(&mut self, from_client: bool) -> &mut Self {
        let (_, _, i) = self.ends(from_client);
        let seq = self.seq[i];
        self.push(
            from_client,
            seq,
            Flags {
                rst: true,
                ..Flags::default()
            },
            Vec::new(),
        );
        self
    }
}

/// A packet to write: its time (seconds, nanoseconds), interface (pcapng) and bytes.
#[derive(Debug, Clone)]
pub struct Record {
    /// Seconds since the epoch.
    pub secs: u32,
    /// Nanoseconds.
    pub nanos: u32,
    /// The pcapng interface (0 for pcap).
    pub interface: u32,
    /// The bytes captured.
    pub data: Vec<u8>,
    /// The packet's length on the wire (at least `data`'s).
    pub wire_len: u32,
}

impl Record {
    /// A whole packet at `secs` seconds and `micros` microseconds.
    pub fn new(secs: u32, micros: u32, data: Vec<u8>) -> Self {
        let wire_len = data.len() as u32;
        Record {
            secs,
            nanos: micros * 1000,
            interface: 0,
            data,
            wire_len,
        }
    }
}

/// A pcap file: link type `linktype`, big-endian or not, nanosecond resolution or micro.
pub fn pcap(linktype: u32, big_endian: bool, nanos: bool, records: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    let u32b = |out: &mut Vec<u8>, n: u32| {
        out.extend_from_slice(&if big_endian {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        })
    };
    let u16b = |out: &mut Vec<u8>, n: u16| {
        out.extend_from_slice(&if big_endian {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        })
    };
    u32b(&mut out, if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
    u16b(&mut out, 2);
    u16b(&mut out, 4);
    u32b(&mut out, 0);
    u32b(&mut out, 0);
    u32b(&mut out, 65535);
    u32b(&mut out, linktype);
    for r in records {
        u32b(&mut out, r.secs);
        u32b(&mut out, if nanos { r.nanos } else { r.nanos / 1000 });
        u32b(&mut out, r.data.len() as u32);
        u32b(&mut out, r.wire_len);
        out.extend_from_slice(&r.data);
    }
    out
}

/// A pcapng interface: link type and `if_tsresol` (6: microseconds, 9: nanoseconds).
#[derive(Debug, Clone, Copy)]
pub struct Interface {
    /// The link type.
    pub linktype: u16,
    /// The timestamp resolution, as a power of ten.
    pub tsresol: u8,
}

/// What goes into a pcapng section.
#[derive(Debug, Clone)]
pub enum Block {
    /// An enhanced packet block.
    Enhanced(Record),
    /// A simple packet block (interface 0, no time).
    Simple(Vec<u8>),
}

fn pad4(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
    let len = 12 + body.len() as u32;
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&len.to_le_bytes());
}

/// A pcapng file of `sections`, each with its interfaces and blocks (little-endian).
pub fn pcapng(sections: &[(Vec<Interface>, Vec<Block>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (interfaces, blocks) in sections {
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        block(&mut out, 0x0a0d_0d0a, &shb);
        for i in interfaces {
            let mut idb = Vec::new();
            idb.extend_from_slice(&i.linktype.to_le_bytes());
            idb.extend_from_slice(&0u16.to_le_bytes());
            idb.extend_from_slice(&65535u32.to_le_bytes());
            // if_tsresol (option 9), then the end of options.
            idb.extend_from_slice(&9u16.to_le_bytes());
            idb.extend_from_slice(&1u16.to_le_bytes());
            idb.push(i.tsresol);
            pad4(&mut idb);
            idb.extend_from_slice(&[0, 0, 0, 0]);
            block(&mut out, 1, &idb);
        }
        for b in blocks {
            match b {
                Block::Enhanced(r) => {
                    let resol = 10u64.pow(u32::from(interfaces[r.interface as usize].tsresol));
                    let units =
                        u64::from(r.secs) * resol + u64::from(r.nanos) * resol / 1_000_000_000;
                    let mut epb = Vec::new();
                    epb.extend_from_slice(&r.interface.to_le_bytes());
                    epb.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
                    epb.extend_from_slice(&(units as u32).to_le_bytes());
                    epb.extend_from_slice(&(r.data.len() as u32).to_le_bytes());
                    epb.extend_from_slice(&r.wire_len.to_le_bytes());
                    epb.extend_from_slice(&r.data);
                    pad4(&mut epb);
                    block(&mut out, 6, &epb);
                }
                Block::Simple(data) => {
                    let mut spb = Vec::new();
                    spb.extend_from_slice(&(data.len() as u32).to_le_bytes());
                    spb.extend_from_slice(data);
                    pad4(&mut spb);
                    block(&mut out, 3, &spb);
                }
            }
        }
    }
    out
}
