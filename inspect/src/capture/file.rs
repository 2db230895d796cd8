//! pcap and pcapng files: their packets, each with its frame number (1-based, as Wireshark
//! numbers them), timestamp, link type and bytes, read in one streaming pass through a fixed
//! buffer (pcap-parser's readers), so memory does not grow with the file.

use std::io::Read;
use std::ops::ControlFlow;

use pcap_parser::pcapng::{Block, InterfaceDescriptionBlock, OptionCode, UnknownBlock};
use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::{Linktype, PcapBlockOwned, PcapError, create_reader};

/// Whether `head` (a file's first bytes) starts like a pcap or pcapng file.
pub fn is_capture(head: &[u8]) -> bool {
    matches!(
        head.get(..4),
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4])
            | Some([0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d])
            | Some([0x0a, 0x0d, 0x0d, 0x0a])
    )
}

/// A packet's time: seconds since the Unix epoch and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Timestamp {
    /// Whole seconds.
    pub secs: i64,
    /// Nanoseconds, below 1,000,000,000.
    pub nanos: u32,
}

impl Timestamp {
    /// Microseconds since the epoch.
    pub fn micros(&self) -> i64 {
        self.secs
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(self.nanos / 1000))
    }

    /// RFC 3339 in UTC with microseconds: `2026-11-29T20:14:01.123456Z`.
    pub fn rfc3339(&self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rest = self.secs.rem_euclid(86_400);
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
            rest / 3600,
            rest / 60 % 60,
            rest % 60,
            self.nanos / 1000
        )
    }

    /// `units` of `1 / per_second` after the epoch, shifted by `offset` seconds, nanoseconds
    /// rounded down; `None` when the seconds fall outside an `i64`.
    ///
    /// A pcapng interface may count whole seconds in a u64 and shift them by any `i64`
    /// (`if_tsoffset`), so the sum is taken in `i128`: a time no `Timestamp` holds is reported
    /// as no time, like a simple packet block's, rather than wrapped into a plausible wrong one
    /// or saturated into a date that only looks like an answer.
    fn from_units(units: u64, per_second: u128, offset: i64) -> Option<Timestamp> {
        let (units, per_second) = (u128::from(units), per_second.max(1));
        let secs =
            i64::try_from(i128::try_from(units / per_second).ok()? + i128::from(offset)).ok()?;
        // The remainder is below 2^64, so times 10^9 it stays below 2^94.
        let nanos = u32::try_from(units % per_second * 1_000_000_000 / per_second).ok()?;
        Some(Timestamp { secs, nanos })
    }
}

/// One captured packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// The 1-based number of the packet in the file.
    pub frame: u64,
    /// When it was captured: `None` for pcapng simple packet blocks, which carry no time, and
    /// for a time whose seconds, shifted by its interface's `if_tsoffset`, lie outside an `i64`.
    pub time: Option<Timestamp>,
    /// What its bytes start with.
    pub link: Linktype,
    /// The bytes captured.
    pub data: &'a [u8],
}

/// What reading a capture ran into short of its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file ends inside a block: the last packet is cut off (a warning).
    TruncatedEnd {
        /// Where the incomplete block starts.
        offset: u64,
    },
    /// A block that cannot be read: reading stops there.
    Damaged {
        /// Where it starts.
        offset: u64,
        /// What is wrong.
        what: String,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::TruncatedEnd { offset } => {
                write!(
                    f,
                    "the capture ends inside the block at byte {offset}: its packet is cut off"
                )
            }
            Problem::Damaged { offset, what } => {
                write!(
                    f,
                    "damaged block at byte {offset} ({what}); reading stopped there"
                )
            }
        }
    }
}

/// A pcapng interface: its link type, timestamp resolution and offset.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: Linktype,
    /// Timestamp units per second: 10^n or 2^n, n up to 127.
    per_second: u128,
    /// Seconds added to every timestamp.
    offset: i64,
}

impl Interface {
    /// Reads the interface's `if_tsresol` and `if_tsoffset` itself: pcap-parser 0.17 refuses
    /// every binary resolution (it checks the option's byte, high bit included, against 63)
    /// and reads the offset little-endian in big-endian sections too.
    fn of(idb: &InterfaceDescriptionBlock<'_>, big_endian: bool) -> Interface {
        let option = |code: OptionCode, len: usize| {
            idb.options
                .iter()
                .find(|o| o.code == code)
                .and_then(|o| o.as_bytes().ok())
                .filter(|v| v.len() == len)
        };
        // An option of the wrong length is ignored, as Wireshark does: the defaults stand.
        let resolution = option(OptionCode::IfTsresol, 1).map_or(6, |v| v[0]);
        let offset = option(OptionCode::IfTsoffset, 8)
            .and_then(|v| <[u8; 8]>::try_from(v).ok())
            .map_or(0, |v| {
                if big_endian {
                    i64::from_be_bytes(v)
                } else {
                    i64::from_le_bytes(v)
                }
            });
        let n = u32::from(resolution & 0x7f);
        let per_second = if resolution & 0x80 == 0 {
            // 10^38 is the largest power of ten in a u128; past 10^-29 s every u64 count of
            // units is under a nanosecond, so finer ones all give 0 s 0 ns as 10^-38 s does.
            10u128.pow(n.min(38))
        } else {
            1u128 << n
        };
        Interface {
            link: idb.linktype,
            per_second,
            offset,
        }
    }

    /// The time of a packet `units` after the epoch in this interface's units.
    fn time(&self, units: u64) -> Option<Timestamp> {
        Timestamp::from_units(units, self.per_second, self.offset)
    }
}

/// The block type of pcapng's obsolete packet block, superseded by the enhanced packet block
/// but written by tools of its time; pcap-parser 0.17 hands it over as an unknown block.
const OBSOLETE_PACKET_BLOCK: u32 = 2;

/// An obsolete packet block's interface, timestamp and captured bytes (without the padding),
/// or what is wrong with it.
fn obsolete_packet<'a>(
    block: &UnknownBlock<'a>,
    big_endian: bool,
) -> Result<(u16, u64, &'a [u8]), String> {
    let body = block.data;
    let u32_at = |at: usize| {
        let bytes: [u8; 4] = body[at..at + 4].try_into().expect("4 bytes");
        if big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        }
    };
    // Interface id (2), drops count (2), timestamp (4 + 4), captured and wire lengths (4 + 4).
    const HEADER: usize = 20;
    if body.len() < HEADER {
        return Err(format!(
            "packet block of {} bytes, under the {} of its header",
            body.len() + 12,
            HEADER + 12
        ));
    }
    let bytes: [u8; 2] = body[..2].try_into().expect("2 bytes");
    let interface = if big_endian {
        u16::from_be_bytes(bytes)
    } else {
        u16::from_le_bytes(bytes)
    };
    let units = (u64::from(u32_at(4)) << 32) | u64::from(u32_at(8));
    let captured = u32_at(12);
    let room = body.len() - HEADER;
    match usize::try_from(captured) {
        Ok(n) if n <= room => Ok((interface, units, &body[HEADER..HEADER + n])),
        _ => Err(format!(
            "packet block of {captured} captured bytes, with room for {room}"
        )),
    }
}

/// The first buffer size; grown for larger blocks up to [`MAX_BUFFER`].
const BUFFER: usize = 1 << 20;
/// The largest block read (a packet of 16 MiB is no network packet).
const MAX_BUFFER: usize = 16 << 20;

/// Reads every packet of the capture in `reader`, handing each to `packet` (which may stop
/// the reading with `ControlFlow::Break`), and returns what stopped the reading short of the
/// end (if anything). `bytes` is told how far the reading got,
/// for a progress bar. A file whose header cannot be read is an error naming the byte.
pub fn packets(
    reader: impl Read + Send,
    mut packet: impl FnMut(&Packet<'_>) -> ControlFlow<()>,
    mut bytes: impl FnMut(u64),
) -> Result<Option<Problem>, String> {
    events(reader, |event| match event {
        Event::Packet(p) => packet(p),
        Event::Consumed(n) => {
            bytes(n);
            ControlFlow::Continue(())
        }
        Event::Reading => ControlFlow::Continue(()),
    })
}

/// What [`events`] tells as it reads.
#[derive(Debug)]
pub enum Event<'p, 'a> {
    /// A packet.
    Packet(&'p Packet<'a>),
    /// So many bytes of the file have been read and taken apart.
    Consumed(u64),
    /// Every packet of the bytes read so far has been told: the reader is about to read more,
    /// which, on live input, may wait for bytes not written yet.
    Reading,
}

/// [`packets`], as one stream of [`Event`]s: what a caller that must act before a read that may
/// block (hand over what it gathered) needs.
pub fn events(
    reader: impl Read + Send,
    mut on: impl FnMut(Event<'_, '_>) -> ControlFlow<()>,
) -> Result<Option<Problem>, String> {
    let mut reader = create_reader(BUFFER, reader).map_err(|e| match e {
        PcapError::HeaderNotRecognized | PcapError::NomError(..) => {
            "damaged capture header at byte 0: neither pcap nor pcapng".to_string()
        }
        PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::Eof => {
            "the capture ends inside its header (byte 0)".to_string()
        }
        other => format!("cannot read the capture header at byte 0: {other:?}"),
    })?;
    let mut frame = 0u64;
    let mut legacy: Option<(Linktype, u64)> = None;
    let mut interfaces: Vec<Interface> = Vec::new();
    // The byte order of the current pcapng section, once its header is read.
    let mut section_big_endian: Option<bool> = None;
    let mut capacity = BUFFER;
    loop {
        let offset = reader.consumed() as u64;
        let length = section_big_endian.and_then(|be| block_length(reader.data(), be));
        // pcap-parser 0.17 subtracts 12 from a block's length unchecked for some block types (a
        // process information block), which panics in builds with overflow checks and asks for
        // a 4 GiB block in others.
        if let Some(length) = length.filter(|&l| l < 12) {
            return Ok(Some(Problem::Damaged {
                offset,
                what: format!("a block length of {length}, under the 12 bytes of any block"),
            }));
        }
        // The block is all in the buffer: wanting more bytes, the parser found its contents
        // claiming more than its length (an enhanced packet block's captured length, say).
        // That is damage in place, not a file cut off inside its last block.
        let whole = length.filter(|&l| usize::try_from(l).is_ok_and(|l| l <= reader.data().len()));
        match reader.next() {
            Ok((len, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(header) => {
                        let per_second = if header.is_nanosecond_precision() {
                            1_000_000_000
                        } else {
                            1_000_000
                        };
                        legacy = Some((header.network, per_second));
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let (link, per_second) = legacy.unwrap_or((Linktype::ETHERNET, 1_000_000));
                        frame += 1;
                        // At most (2^32 - 1) * 10^9 + 2^32 - 1: well within a u64.
                        let units = u64::from(b.ts_sec) * per_second + u64::from(b.ts_usec);
                        if on(Event::Packet(&Packet {
                            frame,
                            time: Timestamp::from_units(units, u128::from(per_second), 0),
                            link,
                            data: b.data,
                        }))
                        .is_break()
                        {
                            return Ok(None);
                        }
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(shb)) => {
                        section_big_endian = Some(shb.big_endian());
                        interfaces.clear();
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        let big_endian = section_big_endian.unwrap_or(false);
                        interfaces.push(Interface::of(&idb, big_endian));
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        frame += 1;
                        let Some(i) = interfaces.get(epb.if_id as usize) else {
                            return Ok(Some(Problem::Damaged {
                                offset,
                                what: format!(
                                    "packet of interface {} before its description",
                                    epb.if_id
                                ),
                            }));
                        };
                        let units = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                        if on(Event::Packet(&Packet {
                            frame,
                            time: i.time(units),
                            link: i.link,
                            // Without the padding to 4 bytes that `data` keeps.
                            data: epb.packet_data(),
                        }))
                        .is_break()
                        {
                            return Ok(None);
                        }
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        frame += 1;
                        let Some(i) = interfaces.first() else {
                            return Ok(Some(Problem::Damaged {
                                offset,
                                what: "simple packet before any interface description".into(),
                            }));
                        };
                        if on(Event::Packet(&Packet {
                            frame,
                            time: None,
                            link: i.link,
                            data: spb.packet_data(),
                        }))
                        .is_break()
                        {
                            return Ok(None);
                        }
                    }
                    PcapBlockOwned::NG(Block::Unknown(ub))
                        if block_type(&ub, section_big_endian) == OBSOLETE_PACKET_BLOCK =>
                    {
                        let big_endian = section_big_endian.unwrap_or(false);
                        let (if_id, units, data) = match obsolete_packet(&ub, big_endian) {
                            Ok(read) => read,
                            Err(what) => return Ok(Some(Problem::Damaged { offset, what })),
                        };
                        frame += 1;
                        let Some(i) = interfaces.get(usize::from(if_id)) else {
                            return Ok(Some(Problem::Damaged {
                                offset,
                                what: format!("packet of interface {if_id} before its description"),
                            }));
                        };
                        if on(Event::Packet(&Packet {
                            frame,
                            time: i.time(units),
                            link: i.link,
                            data,
                        }))
                        .is_break()
                        {
                            return Ok(None);
                        }
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                // No shift of the buffer here: `refill` moves the (short) rest to its start,
                // where `consume` would move up to half the buffer each time it passes the
                // middle.
                reader.consume_noshift(len);
                if on(Event::Consumed(reader.consumed() as u64)).is_break() {
                    return Ok(None);
                }
            }
            Err(PcapError::Eof) => return Ok(None),
            Err(
                PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::BufferTooSmall,
            ) if whole.is_some() => {
                return Ok(whole.map(|length| Problem::Damaged {
                    offset,
                    what: format!("its contents overrun its length of {length} bytes"),
                }));
            }
            Err(PcapError::Incomplete(_)) => {
                if on(Event::Reading).is_break() {
                    return Ok(None);
                }
                if reader.refill().is_err() {
                    return Err(format!("read error at byte {offset}"));
                }
            }
            Err(PcapError::UnexpectedEof) => return Ok(Some(Problem::TruncatedEnd { offset })),
            Err(PcapError::BufferTooSmall) => {
                if capacity >= MAX_BUFFER {
                    return Ok(Some(Problem::Damaged {
                        offset,
                        what: format!("a block over {} MiB", MAX_BUFFER >> 20),
                    }));
                }
                capacity *= 2;
                reader.grow(capacity);
                if reader.refill().is_err() {
                    return Err(format!("read error at byte {offset}"));
                }
            }
            Err(PcapError::ReadError) => return Err(format!("read error at byte {offset}")),
            Err(PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind)) => {
                return Ok(Some(Problem::Damaged {
                    offset,
                    what: format!("its contents fail pcap-parser's {kind:?} check"),
                }));
            }
            Err(e) => {
                return Ok(Some(Problem::Damaged {
                    offset,
                    what: format!("{:?}", e.to_owned_vec()),
                }));
            }
        }
    }
}

/// An unknown block's type in its section's byte order: pcap-parser 0.17 keeps it as read
/// little-endian.
fn block_type(block: &UnknownBlock<'_>, big_endian: Option<bool>) -> u32 {
    if big_endian == Some(true) {
        block.block_type.swap_bytes()
    } else {
        block.block_type
    }
}

/// The length that the pcapng block at the start of `data` declares, once its first 8 bytes
/// are there; `None` for a section header, whose byte order may differ from the last section's.
fn block_length(data: &[u8], big_endian: bool) -> Option<u32> {
    const SECTION_HEADER: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
    let (kind, length) = (data.get(..4)?, data.get(4..8)?);
    if kind == SECTION_HEADER {
        // A new section: its own byte order, read by the parser, which checks its length.
        return None;
    }
    let length: [u8; 4] = length.try_into().ok()?;
    let length = if big_endian {
        u32::from_be_bytes(length)
    } else {
        u32::from_le_bytes(length)
    };
    Some(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_in_rfc3339() {
        let t = Timestamp {
            secs: 1_764_447_241,
            nanos: 123_456_789,
        };
        assert_eq!(t.rfc3339(), "2025-11-29T20:14:01.123456Z");
        assert_eq!(
            Timestamp::default().rfc3339(),
            "1970-01-01T00:00:00.000000Z"
        );
        assert_eq!(
            Timestamp {
                secs: 951_782_400,
                nanos: 0
            }
            .rfc3339(),
            "2000-02-29T00:00:00.000000Z"
        );
        assert_eq!(
            Timestamp::from_units(1_500_000_123, 1_000_000_000, 0),
            Some(Timestamp {
                secs: 1,
                nanos: 500_000_123
            })
        );
        assert_eq!(
            Timestamp::from_units(15, 10, 100),
            Some(Timestamp {
                secs: 101,
                nanos: 500_000_000
            })
        );
    }

    /// Found by the `capture` fuzz target: a process information block of length 7 panicked
    /// inside pcap-parser (an unchecked `length - 12`) in builds with overflow checks.
    #[test]
    fn a_block_shorter_than_twelve_bytes_is_damage_at_its_offset() {
        let mut capture = vec![
            0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
        ];
        capture.extend_from_slice(&[0xff; 8]);
        capture.extend_from_slice(&[28, 0, 0, 0]);
        assert_eq!(capture.len(), 28);
        capture.extend_from_slice(&[1, 0, 0, 0x80, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0x53]);
        let mut seen = 0;
        let problem = packets(
            &capture[..],
            |_| {
                seen += 1;
                ControlFlow::Continue(())
            },
            |_| {},
        );
        assert_eq!(
            problem,
            Ok(Some(Problem::Damaged {
                offset: 28,
                what: "a block length of 7, under the 12 bytes of any block".into()
            }))
        );
        assert_eq!(seen, 0);
        // The same block big-endian, in a big-endian section.
        let mut be = vec![
            0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0,
        ];
        be.extend_from_slice(&[0xff; 8]);
        be.extend_from_slice(&[0, 0, 0, 28]);
        be.extend_from_slice(&[0x80, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0]);
        let problem = packets(&be[..], |_| ControlFlow::Continue(()), |_| {});
        assert_eq!(
            problem,
            Ok(Some(Problem::Damaged {
                offset: 28,
                what: "a block length of 4, under the 12 bytes of any block".into()
            }))
        );
    }

    /// `n` in the byte order of a big-endian section or a little-endian one.
    fn u16b(be: bool, n: u16) -> [u8; 2] {
        if be { n.to_be_bytes() } else { n.to_le_bytes() }
    }

    fn u32b(be: bool, n: u32) -> [u8; 4] {
        if be { n.to_be_bytes() } else { n.to_le_bytes() }
    }

    /// A pcapng block of type `kind` around `body`, padded to 4 bytes.
    fn block(be: bool, kind: u32, body: &[u8]) -> Vec<u8> {
        let mut body = body.to_vec();
        body.resize(body.len().next_multiple_of(4), 0);
        let len = 12 + body.len() as u32;
        [&u32b(be, kind)[..], &u32b(be, len), &body, &u32b(be, len)].concat()
    }

    fn section(be: bool) -> Vec<u8> {
        let mut body = u32b(be, 0x1a2b_3c4d).to_vec();
        body.extend_from_slice(&u16b(be, 1));
        body.extend_from_slice(&u16b(be, 0));
        body.extend_from_slice(&[0xff; 8]);
        block(be, 0x0a0d_0d0a, &body)
    }

    /// An interface of link type `link` with `options` (code, value), each padded.
    fn interface(be: bool, link: u16, options: &[(u16, &[u8])]) -> Vec<u8> {
        let mut body = [&u16b(be, link)[..], &u16b(be, 0), &u32b(be, 65535)].concat();
        for (code, value) in options {
            body.extend_from_slice(&u16b(be, *code));
            body.extend_from_slice(&u16b(be, value.len() as u16));
            body.extend_from_slice(value);
            body.resize(body.len().next_multiple_of(4), 0);
        }
        body.extend_from_slice(&[0; 4]);
        block(be, 1, &body)
    }

    fn enhanced(be: bool, interface: u32, units: u64, data: &[u8]) -> Vec<u8> {
        let len = data.len() as u32;
        let mut body = u32b(be, interface).to_vec();
        body.extend_from_slice(&u32b(be, (units >> 32) as u32));
        body.extend_from_slice(&u32b(be, units as u32));
        body.extend_from_slice(&u32b(be, len));
        body.extend_from_slice(&u32b(be, len));
        body.extend_from_slice(data);
        block(be, 6, &body)
    }

    /// An obsolete packet block (type 2): interface, drops count, time, lengths, data.
    fn obsolete(be: bool, interface: u16, units: u64, data: &[u8]) -> Vec<u8> {
        let len = data.len() as u32;
        let mut body = [&u16b(be, interface)[..], &u16b(be, 3)].concat();
        body.extend_from_slice(&u32b(be, (units >> 32) as u32));
        body.extend_from_slice(&u32b(be, units as u32));
        body.extend_from_slice(&u32b(be, len));
        body.extend_from_slice(&u32b(be, len));
        body.extend_from_slice(data);
        block(be, 2, &body)
    }

    type Read = (u64, Option<Timestamp>, Linktype, Vec<u8>);

    fn read_all(capture: &[u8]) -> (Vec<Read>, Result<Option<Problem>, String>) {
        let mut seen = Vec::new();
        let problem = packets(
            capture,
            |p| {
                seen.push((p.frame, p.time, p.link, p.data.to_vec()));
                ControlFlow::Continue(())
            },
            |_| {},
        );
        (seen, problem)
    }

    /// The time of the one packet, `units` after the epoch, of an interface with `options`.
    fn time_of(be: bool, options: &[(u16, &[u8])], units: u64) -> Option<Timestamp> {
        let capture = [
            section(be),
            interface(be, 1, options),
            enhanced(be, 0, units, b"x"),
        ]
        .concat();
        let (seen, problem) = read_all(&capture);
        assert_eq!(problem, Ok(None));
        assert_eq!(seen.len(), 1);
        seen[0].1
    }

    fn at(secs: i64, nanos: u32) -> Option<Timestamp> {
        Some(Timestamp { secs, nanos })
    }

    /// `if_tsresol` with its high bit set counts in 2^-n seconds, which pcap-parser's
    /// `ts_resolution` refuses: such times were read as microseconds.
    #[test]
    fn binary_and_decimal_timestamp_resolutions_are_exact() {
        const T: u64 = 1_700_000_000; // 2023-11-14T22:13:20Z
        let resol = |r: u8, units: u64| time_of(false, &[(9, &[r])], units);
        // 2^-10 s: 513/1024 s is 500,976,562.5 ns.
        assert_eq!(resol(0x8a, T * 1024 + 513), at(1_700_000_000, 500_976_562));
        // 2^-20 s: one unit is 953.67 ns.
        assert_eq!(resol(0x94, (T << 20) + 1), at(1_700_000_000, 953));
        assert_eq!(
            resol(0xa0, (T << 32) | 0x8000_0000),
            at(1_700_000_000, 500_000_000)
        );
        assert_eq!(resol(0x80, T), at(1_700_000_000, 0));
        assert_eq!(resol(0xbf, u64::MAX), at(1, 999_999_999));
        // 2^-64 s and finer: every time is within the first second.
        assert_eq!(resol(0xc0, u64::MAX), at(0, 999_999_999));
        assert_eq!(resol(0xff, u64::MAX), at(0, 0));
        // Decimal, finer than nanoseconds: rounded down.
        assert_eq!(
            resol(10, T * 10_000_000_000 + 1_234_567_899),
            at(1_700_000_000, 123_456_789)
        );
        assert_eq!(resol(19, u64::MAX), at(1, 844_674_407));
        // 10^-20 s and finer: no longer a u64, still exact.
        assert_eq!(resol(20, u64::MAX), at(0, 184_467_440));
        assert_eq!(resol(0x7f, u64::MAX), at(0, 0));
        assert_eq!(resol(0, T), at(1_700_000_000, 0));
        // No option: microseconds.
        assert_eq!(
            time_of(false, &[], T * 1_000_000 + 7),
            at(1_700_000_000, 7_000)
        );
        // The same in a big-endian section.
        assert_eq!(
            time_of(true, &[(9, &[0x8a])], T * 1024 + 513),
            at(1_700_000_000, 500_976_562)
        );
    }

    /// `if_tsoffset` near the limits of an i64 overflowed (a panic with overflow checks);
    /// a time past them is now no time, the packet still read.
    #[test]
    fn timestamp_offsets_at_the_integer_limits_never_overflow() {
        let offset = |o: i64, resol: u8, units: u64| {
            time_of(false, &[(9, &[resol]), (14, &o.to_le_bytes())], units)
        };
        assert_eq!(offset(i64::MAX, 0, 0), at(i64::MAX, 0));
        assert_eq!(offset(i64::MAX, 0, 1), None);
        assert_eq!(offset(i64::MAX, 9, 999_999_999), at(i64::MAX, 999_999_999));
        assert_eq!(offset(i64::MAX, 9, 1_000_000_000), None);
        assert_eq!(offset(i64::MIN, 0, 0), at(i64::MIN, 0));
        assert_eq!(offset(i64::MIN, 0, u64::MAX), at(i64::MAX, 0));
        assert_eq!(
            offset(i64::MIN, 6, u64::MAX),
            at(-9_223_353_590_110_702_099, 551_615_000)
        );
        assert_eq!(offset(-1, 9, 1), at(-1, 1));
        // u64 seconds past an i64, with or without an offset.
        assert_eq!(offset(0, 0, u64::MAX), None);
        assert_eq!(offset(0, 0, 1 << 63), None);
        assert_eq!(offset(-1, 0, 1 << 63), at(i64::MAX, 0));
        // Such times print.
        assert_eq!(
            Timestamp {
                secs: i64::MAX,
                nanos: 999_999_999
            }
            .rfc3339(),
            "292277026596-12-04T15:30:07.999999Z"
        );
        assert_eq!(
            Timestamp {
                secs: i64::MIN,
                nanos: 0
            }
            .rfc3339(),
            "-292277022657-01-27T08:29:52.000000Z"
        );
    }

    /// pcap-parser reads `if_tsoffset` little-endian whatever the section's byte order.
    #[test]
    fn a_big_endian_section_s_time_offset_is_big_endian() {
        let options: &[(u16, &[u8])] = &[(14, &1_000i64.to_be_bytes())];
        assert_eq!(time_of(true, options, 5_000_001), at(1_005, 1_000));
        let options: &[(u16, &[u8])] = &[(14, &(-1_000i64).to_le_bytes())];
        assert_eq!(time_of(false, options, 5_000_001), at(-995, 1_000));
    }

    /// Obsolete packet blocks (type 2) were passed over: the frames after them were numbered
    /// one short of Wireshark's.
    #[test]
    fn obsolete_packet_blocks_are_frames_in_turn() {
        for be in [false, true] {
            let capture = [
                section(be),
                interface(be, 1, &[]),
                interface(be, 101, &[(9, &[9])]),
                enhanced(be, 0, 1_700_000_000_000_001, b"one"),
                obsolete(be, 1, 1_700_000_001_000_000_002, b"two.."),
                enhanced(be, 0, 1_700_000_002_000_003, b"three"),
            ]
            .concat();
            let (seen, problem) = read_all(&capture);
            assert_eq!(problem, Ok(None));
            assert_eq!(
                seen,
                [
                    (
                        1,
                        at(1_700_000_000, 1_000),
                        Linktype::ETHERNET,
                        b"one".to_vec()
                    ),
                    (2, at(1_700_000_001, 2), Linktype::RAW, b"two..".to_vec()),
                    (
                        3,
                        at(1_700_000_002, 3_000),
                        Linktype::ETHERNET,
                        b"three".to_vec()
                    ),
                ],
                "big-endian: {be}"
            );
        }
        // One that claims more bytes than it holds, or names no interface, is damage.
        let mut long = obsolete(false, 0, 0, b"four");
        long[20..24].copy_from_slice(&9u32.to_le_bytes());
        let start = [section(false), interface(false, 1, &[])].concat();
        let (seen, problem) = read_all(&[&start[..], &long, &enhanced(false, 0, 0, b"x")].concat());
        assert_eq!(seen, []);
        assert_eq!(
            problem,
            Ok(Some(Problem::Damaged {
                offset: start.len() as u64,
                what: "packet block of 9 captured bytes, with room for 4".into()
            }))
        );
        let (seen, problem) = read_all(&[section(false), obsolete(false, 0, 0, b"x")].concat());
        assert_eq!(seen, []);
        assert_eq!(
            problem,
            Ok(Some(Problem::Damaged {
                offset: 28,
                what: "packet of interface 0 before its description".into()
            }))
        );
    }

    /// An enhanced packet block claiming more captured bytes than it holds made pcap-parser
    /// ask for more data: in the middle of a file that was taken for a last block cut off by
    /// the file's end (a warning), not damage.
    #[test]
    fn a_packet_overrunning_its_block_is_damage_not_a_cut_off_end() {
        for be in [false, true] {
            let start = [section(be), interface(be, 1, &[]), enhanced(be, 0, 1, b"a")].concat();
            let mut overrun = enhanced(be, 0, 2, b"four");
            overrun[20..24].copy_from_slice(&u32b(be, 400));
            let capture = [&start[..], &overrun, &enhanced(be, 0, 3, b"c")].concat();
            let (seen, problem) = read_all(&capture);
            assert_eq!(seen.len(), 1);
            assert_eq!(
                problem,
                Ok(Some(Problem::Damaged {
                    offset: start.len() as u64,
                    what: "its contents overrun its length of 36 bytes".into()
                })),
                "big-endian: {be}"
            );
        }
        // A last block cut off is still that.
        let capture = [
            section(false),
            interface(false, 1, &[]),
            enhanced(false, 0, 1, b"a"),
        ]
        .concat();
        let (seen, problem) = read_all(&capture[..capture.len() - 1]);
        assert_eq!(seen, []);
        assert_eq!(problem, Ok(Some(Problem::TruncatedEnd { offset: 52 })));
    }

    #[test]
    fn capture_magics() {
        assert!(is_capture(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]));
        assert!(is_capture(&[0x0a, 0x0d, 0x0d, 0x0a]));
        assert!(!is_capture(b"C: VER 1 MSNP8"));
        assert!(!is_capture(b"\x0a\x0d"));
    }
}
