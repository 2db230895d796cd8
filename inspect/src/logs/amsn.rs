//! aMSN's protocol console: `->NS XFR 12 SB` (sent), `<-NS …` (received), `->SB`, `<-SB`.

use std::borrow::Cow;

use msnp_xfr::Direction;

use super::{Conn, Entry, LineReader, What, trim_start};

pub(super) struct Amsn;

impl LineReader for Amsn {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let t = trim_start(text);
        let (direction, (key, label), command) = match t {
            [b'-', b'>', b'N', b'S', b' ', rest @ ..] => {
                (Direction::ClientToServer, (0, &b"NS"[..]), rest)
            }
            [b'<', b'-', b'N', b'S', b' ', rest @ ..] => {
                (Direction::ServerToClient, (0, &b"NS"[..]), rest)
            }
            [b'-', b'>', b'S', b'B', b' ', rest @ ..] => {
                (Direction::ClientToServer, (1, &b"SB"[..]), rest)
            }
            [b'<', b'-', b'S', b'B', b' ', rest @ ..] => {
                (Direction::ServerToClient, (1, &b"SB"[..]), rest)
            }
            _ => return None,
        };
        Some(Entry {
            line: number,
            time: None,
            conn: Some(Conn { key, label }),
            what: What::Command {
                direction: Some(direction),
                text: Cow::Borrowed(command),
            },
        })
    }
}
