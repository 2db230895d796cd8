//! A revival server's log, Escargot style: `NS/9d15 >>> XFR 12 SB` (received from the client),
//! `NS/9d15 <<< …` (sent to it), `NS/9d15 con` and `dis` (opened, closed). The four hex digits
//! name one connection; connections interleave.

use std::borrow::Cow;

use msnp_xfr::Direction;

use super::{Conn, Entry, LineReader, What, trim_start};

pub(super) struct Escargot;

/// Each byte's value as a lower-case or upper-case hex digit, or 0xFF.
const HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

fn hex(b: u8) -> Option<u64> {
    match HEX[usize::from(b)] {
        0xFF => None,
        n => Some(u64::from(n)),
    }
}

impl LineReader for Escargot {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let t = trim_start(text);
        let [a, b, b'/', h0, h1, h2, h3, b' ', rest @ ..] = t else {
            return None;
        };
        let kind = match (a, b) {
            (b'N', b'S') => 0,
            (b'S', b'B') => 1,
            _ => return None,
        };
        let id = (hex(*h0)? << 12) | (hex(*h1)? << 8) | (hex(*h2)? << 4) | hex(*h3)?;
        let conn = Conn {
            key: (kind << 16) | id,
            label: &t[..7],
        };
        let what = match rest {
            [b'>', b'>', b'>', b' ', command @ ..] => What::Command {
                direction: Some(Direction::ClientToServer),
                text: Cow::Borrowed(command),
            },
            [b'<', b'<', b'<', b' ', command @ ..] => What::Command {
                direction: Some(Direction::ServerToClient),
                text: Cow::Borrowed(command),
            },
            b"con" => What::Open,
            b"dis" => What::Close,
            _ => return None,
        };
        Some(Entry {
            line: number,
            time: None,
            conn: Some(conn),
            what,
        })
    }
}
