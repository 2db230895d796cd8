//! From a captured packet to the TCP segment it carries: the link layer of the packet's
//! interface (Ethernet with 802.1Q/802.1ad tags, Linux cooked SLL and SLL2, raw IPv4/IPv6,
//! BSD loopback), IPv4 or IPv6, IPv4 fragments put back together, then TCP.
//!
//! etherparse reads the headers, with lax length checks so that a packet cut short by the
//! capture's snap length still gives the bytes it has; SLL2 and the loopback headers, which it
//! does not know, are read here.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use etherparse::defrag::IpDefragBuf;
use etherparse::{
    EtherType, Ethernet2HeaderSlice, IpNumber, Ipv4HeaderSlice, LaxNetSlice, LaxSlicedPacket,
    SingleVlanHeaderSlice, TcpSlice, TransportSlice,
};
use pcap_parser::Linktype;

/// A TCP segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number of the first payload byte (of the SYN or FIN where it has none).
    pub seq: u32,
    /// The acknowledgement number, where the ACK flag is set.
    pub ack: Option<u32>,
    /// SYN flag.
    pub syn: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// The payload bytes captured (fewer than sent when the capture cut the packet short).
    pub payload: Cow<'a, [u8]>,
}

/// Linux cooked capture v2 (not in pcap-parser's named constants).
const LINUX_SLL2: i32 = 276;
/// OpenBSD loopback: a 4-byte address family in network byte order.
const LOOP: i32 = 108;

/// The IP packet inside a link-layer frame, sliced.
fn slice(link: Linktype, data: &[u8]) -> Option<LaxSlicedPacket<'_>> {
    match link.0 {
        // Ethernet: etherparse handles 802.1Q and 802.1ad tags.
        1 => LaxSlicedPacket::from_ethernet(data).ok(),
        // Raw IP (101), IPv4 (228), IPv6 (229).
        12 | 14 | 101 | 228 | 229 => LaxSlicedPacket::from_ip(data).ok(),
        // BSD loopback: the address family, host byte order (NULL) or network byte order (LOOP).
        0 | LOOP => {
            let family = data.get(..4)?;
            let family = if link.0 == LOOP {
                u32::from_be_bytes(family.try_into().ok()?)
            } else {
                // Written in the capturing host's order: whichever reading is small.
                let le = u32::from_le_bytes(family.try_into().ok()?);
                if le < 256 { le } else { le.swap_bytes() }
            };
            match family {
                2 | 24 | 28 | 30 => LaxSlicedPacket::from_ip(&data[4..]).ok(),
                _ => None,
            }
        }
        // Linux SLL: 16 bytes, the protocol (an EtherType) last.
        113 => {
            let protocol = u16::from_be_bytes(data.get(14..16)?.try_into().ok()?);
            Some(LaxSlicedPacket::from_ether_type(
                EtherType(protocol),
                data.get(16..)?,
            ))
        }
        // Linux SLL2: 20 bytes, the protocol first.
        LINUX_SLL2 => {
            let protocol = u16::from_be_bytes(data.get(..2)?.try_into().ok()?);
            Some(LaxSlicedPacket::from_ether_type(
                EtherType(protocol),
                data.get(20..)?,
            ))
        }
        _ => None,
    }
}

/// A fragmented IPv4 datagram being put back together.
#[derive(Debug)]
struct Fragments {
    buf: IpDefragBuf,
    /// The order it started in, to evict the oldest.
    started: u64,
}

/// At most this many IPv4 datagrams are reassembled at once (each at most 64 KiB); a new one
/// beyond that evicts the oldest, so hostile fragments cannot make memory grow.
pub const MAX_FRAGMENTED: usize = 64;

/// Turns packets into TCP segments, keeping IPv4 fragments until their datagram is whole.
#[derive(Debug, Default)]
pub struct Packets {
    fragments: HashMap<(IpAddr, IpAddr, u16), Fragments>,
    started: u64,
    /// How many fragments were dropped (evicted or inconsistent).
    pub fragments_dropped: u64,
    /// Packets skipped for a link type this reader does not take apart, by link type (the
    /// first [`MAX_UNREAD_LINKS`] types).
    pub unread_links: Vec<(Linktype, u64)>,
}

/// Link types counted apart in [`Packets::unread_links`]; a capture with more is hostile.
pub const MAX_UNREAD_LINKS: usize = 16;

/// Whether packets of `link` are taken apart (the link types [`Packets::tcp`] reads).
pub fn reads_link(link: Linktype) -> bool {
    matches!(
        link.0,
        0 | 1 | 12 | 14 | 101 | 113 | 228 | 229 | LOOP | LINUX_SLL2
    )
}

/// A link type for people: `IEEE 802.11 (link type 105)`.
pub fn link_name(link: Linktype) -> String {
    let name = match link.0 {
        6 => "Token Ring",
        8 => "SLIP",
        9 => "PPP",
        10 => "FDDI",
        50 => "PPP in HDLC framing",
        51 => "PPPoE",
        104 => "Cisco HDLC",
        105 => "IEEE 802.11",
        107 => "Frame Relay",
        119 => "IEEE 802.11 with Prism header",
        127 => "IEEE 802.11 with radiotap header",
        163 => "IEEE 802.11 with AVS header",
        189 | 220 => "Linux USB",
        192 => "PPI",
        195 | 215 | 230 | 283 => "IEEE 802.15.4",
        201 => "Bluetooth HCI",
        253 => "Linux netlink",
        147..=162 => "user-defined",
        _ => return format!("link type {}", link.0),
    };
    format!("{name} (link type {})", link.0)
}

impl Packets {
    /// The TCP segment in `data` (a frame of link type `link`), if it carries one.
    pub fn tcp<'a>(&mut self, link: Linktype, data: &'a [u8]) -> Option<Segment<'a>> {
        // Most packets are Ethernet (maybe tagged), IPv4 without fragments, TCP: read with
        // etherparse's header slices, which build nothing large; anything else goes through
        // its lax packet slicing below.
        if link.0 == 1 {
            if let Some(segment) = plain_ipv4_tcp(data) {
                return Some(segment);
            }
        }
        if !reads_link(link) {
            let full = self.unread_links.len() >= MAX_UNREAD_LINKS;
            match self.unread_links.iter_mut().find(|(l, _)| *l == link) {
                Some((_, n)) => *n += 1,
                None if !full => self.unread_links.push((link, 1)),
                None => {}
            }
            return None;
        }
        let packet = slice(link, data)?;
        let (src, dst, payload) = match packet.net.as_ref()? {
            LaxNetSlice::Ipv4(ip) => {
                let h = ip.header();
                let (src, dst) = (IpAddr::from(h.source()), IpAddr::from(h.destination()));
                let p = ip.payload();
                if p.ip_number != IpNumber::TCP {
                    return None;
                }
                if p.fragmented {
                    let whole = self.defragment(
                        (src, dst, h.identification()),
                        h.fragments_offset(),
                        h.more_fragments(),
                        p.payload,
                    )?;
                    return segment(src, dst, Cow::Owned(whole));
                }
                (src, dst, p.payload)
            }
            LaxNetSlice::Ipv6(ip) => {
                let h = ip.header();
                let p = ip.payload();
                if p.ip_number != IpNumber::TCP || p.fragmented {
                    return None;
                }
                (
                    IpAddr::from(h.source_addr()),
                    IpAddr::from(h.destination_addr()),
                    p.payload,
                )
            }
            LaxNetSlice::Arp(_) => return None,
        };
        match packet.transport {
            Some(TransportSlice::Tcp(tcp)) => {
                Some(from_tcp(src, dst, &tcp, Cow::Borrowed(tcp.payload())))
            }
            // Cut short inside the TCP header, or no transport sliced: try the bytes themselves.
            _ => segment(src, dst, Cow::Borrowed(payload)),
        }
    }

    /// Adds a fragment; the whole datagram's payload once its last piece is in.
    fn defragment(
        &mut self,
        key: (IpAddr, IpAddr, u16),
        offset: etherparse::IpFragOffset,
        more: bool,
        payload: &[u8],
    ) -> Option<Vec<u8>> {
        if !self.fragments.contains_key(&key) && self.fragments.len() >= MAX_FRAGMENTED {
            let oldest = self
                .fragments
                .iter()
                .min_by_key(|(_, f)| f.started)
                .map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                self.fragments.remove(&oldest);
                self.fragments_dropped += 1;
            }
        }
        self.started += 1;
        let started = self.started;
        let entry = self.fragments.entry(key).or_insert_with(|| Fragments {
            buf: IpDefragBuf::new(IpNumber::TCP, Vec::new(), Vec::new()),
            started,
        });
        if entry.buf.add(offset, more, payload).is_err() {
            self.fragments.remove(&key);
            self.fragments_dropped += 1;
            return None;
        }
        if !entry.buf.is_complete() {
            return None;
        }
        let done = self.fragments.remove(&key)?;
        Some(done.buf.take_bufs().0)
    }
}

/// An Ethernet frame (with up to two VLAN tags) carrying an unfragmented IPv4 packet with TCP;
/// `None` for anything else, which the general path reads.
fn plain_ipv4_tcp(data: &[u8]) -> Option<Segment<'_>> {
    let eth = Ethernet2HeaderSlice::from_slice(data).ok()?;
    let mut ether_type = eth.ether_type();
    let mut rest = &data[eth.slice().len()..];
    for _ in 0..2 {
        if !matches!(ether_type.0, 0x8100 | 0x88a8 | 0x9100) {
            break;
        }
        let vlan = SingleVlanHeaderSlice::from_slice(rest).ok()?;
        ether_type = vlan.ether_type();
        rest = &rest[vlan.slice().len()..];
    }
    if ether_type != EtherType::IPV4 {
        return None;
    }
    let ip = Ipv4HeaderSlice::from_slice(rest).ok()?;
    if ip.protocol() != IpNumber::TCP || ip.is_fragmenting_payload() {
        return None;
    }
    // What the header says, or what the capture kept of it.
    let end = usize::from(ip.total_len()).min(rest.len());
    let payload = rest.get(ip.slice().len()..end)?;
    let tcp = TcpSlice::from_slice(payload).ok()?;
    Some(from_tcp(
        IpAddr::from(ip.source()),
        IpAddr::from(ip.destination()),
        &tcp,
        Cow::Borrowed(tcp.payload()),
    ))
}

/// A segment from a TCP header and payload read from `bytes`.
fn segment(src: IpAddr, dst: IpAddr, bytes: Cow<'_, [u8]>) -> Option<Segment<'_>> {
    match bytes {
        Cow::Borrowed(b) => {
            let tcp = TcpSlice::from_slice(b).ok()?;
            Some(from_tcp(src, dst, &tcp, Cow::Borrowed(tcp.payload())))
        }
        Cow::Owned(b) => {
            let tcp = TcpSlice::from_slice(&b).ok()?;
            let payload = tcp.payload().to_vec();
            Some(from_tcp(src, dst, &tcp, Cow::Owned(payload)))
        }
    }
}

fn from_tcp<'a>(
    src: IpAddr,
    dst: IpAddr,
    tcp: &TcpSlice<'_>,
    payload: Cow<'a, [u8]>,
) -> Segment<'a> {
    Segment {
        src: SocketAddr::new(src, tcp.source_port()),
        dst: SocketAddr::new(dst, tcp.destination_port()),
        seq: tcp.sequence_number(),
        ack: tcp.ack().then(|| tcp.acknowledgment_number()),
        syn: tcp.syn(),
        fin: tcp.fin(),
        rst: tcp.rst(),
        payload,
    }
}
