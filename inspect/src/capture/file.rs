//! pcap and pcapng files: their packets, each with its frame number (1-based, as Wireshark
//! numbers them), timestamp, link type and bytes, read in one streaming pass through a fixed
//! buffer (pcap-parser's readers), so memory does not grow with the file.

use std::io::Read;
use std::ops::ControlFlow;

use pcap_parser::pcapng::Block;
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

    /// `units` of `1 / per_second` after the epoch, shifted by `offset` seconds.
    fn from_units(units: u64, per_second: u64, offset: i64) -> Timestamp {
        let per_second = per_second.max(1);
        let secs = (units / per_second) as i64 + offset;
        let frac = units % per_second;
        let nanos = (u128::from(frac) * 1_000_000_000 / u128::from(per_second)) as u32;
        Timestamp { secs, nanos }
    }
}

/// One captured packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// The 1-based number of the packet in the file.
    pub frame: u64,
    /// When it was captured (`None` for pcapng simple packet blocks, which carry no time).
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

/// A pcapng interface: its link type and timestamp resolution.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: Linktype,
    per_second: u64,
    offset: i64,
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
        if let Some(length) = section_big_endian.and_then(|be| short_block(reader.data(), be)) {
            return Ok(Some(Problem::Damaged {
                offset,
                what: format!("a block length of {length}, under the 12 bytes of any block"),
            }));
        }
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
                        let units = u64::from(b.ts_sec) * per_second + u64::from(b.ts_usec);
                        if packet(&Packet {
                            frame,
                            time: Some(Timestamp::from_units(units, per_second, 0)),
                            link,
                            data: b.data,
                        })
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
                        interfaces.push(Interface {
                            link: idb.linktype,
                            per_second: idb.ts_resolution().unwrap_or(1_000_000),
                            offset: idb.ts_offset(),
                        });
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
                        if packet(&Packet {
                            frame,
                            time: Some(Timestamp::from_units(units, i.per_second, i.offset)),
                            link: i.link,
                            data: epb.data,
                        })
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
                        if packet(&Packet {
                            frame,
                            time: None,
                            link: i.link,
                            data: spb.data,
                        })
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
                bytes(reader.consumed() as u64);
            }
            Err(PcapError::Eof) => return Ok(None),
            Err(PcapError::Incomplete(_)) => {
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
            Err(e) => {
                return Ok(Some(Problem::Damaged {
                    offset,
                    what: format!("{:?}", e.to_owned_vec()),
                }));
            }
        }
    }
}

/// The length of the pcapng block at the start of `data` if it is below the 12 bytes every
/// block has (type, length, length again). pcap-parser 0.17 subtracts 12 from it unchecked for
/// some block types (a process information block), which panics in builds with overflow checks
/// and asks for a 4 GiB block in others.
fn short_block(data: &[u8], big_endian: bool) -> Option<u32> {
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
    (length < 12).then_some(length)
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
            Timestamp {
                secs: 1,
                nanos: 500_000_123
            }
        );
        assert_eq!(
            Timestamp::from_units(15, 10, 100),
            Timestamp {
                secs: 101,
                nanos: 500_000_000
            }
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

    #[test]
    fn capture_magics() {
        assert!(is_capture(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]));
        assert!(is_capture(&[0x0a, 0x0d, 0x0d, 0x0a]));
        assert!(!is_capture(b"C: VER 1 MSNP8"));
        assert!(!is_capture(b"\x0a\x0d"));
    }
}
