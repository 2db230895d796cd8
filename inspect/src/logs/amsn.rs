//! aMSN's protocol console, in the two shapes it is found in:
//!
//! - as aMSN 0.9x writes it: a time in brackets, the arrow, then the connection: its kind
//!   (`ns`, `sb`) glued by a dash to the socket's name, which is empty once the socket is gone:
//!   `[09:14:03] ->ns-sock4 VER 1 MSNP12 CVR0`, `[09:14:40] ->ns- OUT`;
//! - as older excerpts show it: `->NS XFR 12 SB`, `<-SB …`, no time.
//!
//! Between the protocol lines the console holds proxy and connection notices (`::Proxy::…`,
//! `< Connected to: … >`), blank lines, and in pasted logs forum markup around addresses. A
//! payload body is printed as lines of its own, without the arrow: they are never read as
//! commands, so nothing is skipped by count.

use msnp_xfr::Direction;

use super::{Conn, Entry, LineReader, What, clock, trim_start, unmarkup, unwrap_markup};

/// The newest connection of each kind that had a name: a line whose socket name is empty goes
/// there (aMSN prints an empty name when the socket closed under the command, as its last
/// `OUT`). Numbers only: the reader keeps no text of the log.
#[derive(Default)]
pub(super) struct Amsn {
    last: [Option<u64>; 2],
}

/// Kind bits of a key, above the name's hash.
const KIND_SHIFT: u32 = 62;

impl LineReader for Amsn {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let t = unwrap_markup(trim_start(text));
        let (time, t) = match t {
            [b'[', rest @ ..] => {
                let time = clock(rest)?;
                (Some(time), trim_start(rest[8..].strip_prefix(b"]")?))
            }
            _ => (None, t),
        };
        let direction = match t.get(..2)? {
            b"->" => Direction::ClientToServer,
            b"<-" => Direction::ServerToClient,
            _ => return None,
        };
        let t = &t[2..];
        let space = memchr::memchr(b' ', t)?;
        let (label, command) = (&t[..space], &t[space + 1..]);
        let key = match label {
            b"NS" => 0,
            b"SB" => 1 << KIND_SHIFT,
            _ => {
                let (kind, name) = match label.split_at_checked(3)? {
                    (b"ns-", name) => (0, name),
                    (b"sb-", name) => (1, name),
                    _ => return None,
                };
                if name.is_empty() {
                    self.last[kind].unwrap_or((kind as u64) << KIND_SHIFT)
                } else {
                    let key = ((kind as u64) << KIND_SHIFT) | (hash(name) >> 2);
                    self.last[kind] = Some(key);
                    key
                }
            }
        };
        Some(Entry {
            line: number,
            time,
            conn: Some(Conn { key, label }),
            what: What::Command {
                direction: Some(direction),
                text: unmarkup(command.trim_ascii_end()),
            },
        })
    }
}

/// FNV-1a: a socket name (`sock4`, `sock5613b4a0`) as a number, its kind added above it.
fn hash(name: &[u8]) -> u64 {
    name.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Time, key, label and command of a command line.
    type Read = (Option<Vec<u8>>, u64, Vec<u8>, Vec<u8>);

    fn read(reader: &mut Amsn, line: &[u8]) -> Option<Read> {
        let e = reader.read(1, line)?;
        let What::Command { text, .. } = e.what else {
            panic!("a command")
        };
        let conn = e.conn.unwrap();
        Some((
            e.time.map(<[u8]>::to_vec),
            conn.key,
            conn.label.to_vec(),
            text.into_owned(),
        ))
    }

    #[test]
    fn sockets_name_connections_and_an_empty_name_is_the_last_of_its_kind() {
        let mut r = Amsn::default();
        let (time, ns, label, text) = read(&mut r, b"[09:14:03] ->ns-sock4 VER 1 MSNP12").unwrap();
        assert_eq!(time.as_deref(), Some(&b"09:14:03"[..]));
        assert_eq!(label, b"ns-sock4");
        assert_eq!(text, b"VER 1 MSNP12");
        let (_, sb, _, _) = read(&mut r, b"[09:15:10] <-sb-sock9 USR 1 OK a@b.c A").unwrap();
        assert_ne!(ns, sb);
        assert_eq!(sb >> KIND_SHIFT, 1);
        let (_, empty, label, text) = read(&mut r, b"[09:14:40] ->ns- OUT").unwrap();
        assert_eq!(
            (empty, &label[..], &text[..]),
            (ns, &b"ns-"[..], &b"OUT"[..])
        );
        // Markup around the line or an address in it.
        let (_, _, _, text) = read(
            &mut r,
            b"[color=blue][09:15:11] ->sb-sock9 USR 1 [email]a@b.c[/email] 1.2[/color]",
        )
        .unwrap();
        assert_eq!(text, b"USR 1 a@b.c 1.2");
        // The old shape.
        let (time, key, _, _) = read(&mut r, b"->SB XFR 5 SB").unwrap();
        assert_eq!((time, key), (None, 1 << KIND_SHIFT));
        for no in [
            &b"[09:14:02] ::Proxy::ProxyDirect3"[..],
            b"[09:14:02] < Connected to: messenger.hotmail.com 1863 >",
            b"[09:14:02] -> nothing",
            b"->cm-sock1 XFR 1 SB",
            b"",
        ] {
            assert!(r.read(1, no).is_none(), "{no:?}");
        }
    }
}
