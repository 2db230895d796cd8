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

use super::{
    Conn, Entry, LineReader, What, clock, is_command, trim_start, unmarkup, unwrap_markup,
};

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
        let key = self.key(label)?;
        // A received line of some versions ends in a literal `\n` (and the CR before it).
        let command = command.trim_ascii_end();
        let command = command
            .strip_suffix(b"\\n")
            .unwrap_or(command)
            .trim_ascii_end();
        if !is_command(command) {
            // `->sb_1 FAILED: …`, `<-ns CLOSED`, `<-sb_1 Read Error…`.
            return None;
        }
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

impl Amsn {
    /// The connection the token after the arrow names: `NS`/`SB` (the oldest console), `ns` or
    /// `sb` and a socket (`ns-sock4`, `sb-sock9`; `ns-` or no socket when it is gone, or in
    /// the received lines of some versions), or a switchboard's own name and its socket
    /// (`sb_1-sock9`, snit's `::MSN::SB3-sock9`).
    fn key(&mut self, label: &[u8]) -> Option<u64> {
        match label {
            b"NS" => return Some(0),
            b"SB" => return Some(1 << KIND_SHIFT),
            _ => {}
        }
        let (name, socket) = match memchr::memrchr(b'-', label) {
            Some(dash) => (&label[..dash], &label[dash + 1..]),
            None => (label, &b""[..]),
        };
        let kind: usize = if name == b"ns" {
            0
        } else if name == b"sb"
            || name.starts_with(b"sb_")
            || name
                .rsplit(|&b| b == b':')
                .next()
                .is_some_and(|n| n.starts_with(b"SB"))
        {
            1
        } else {
            return None;
        };
        let base = (kind as u64) << KIND_SHIFT;
        let key = if name.len() > 2 {
            // A switchboard's own name: its lines without a socket are its too.
            base | (hash(name) >> 2)
        } else if socket.is_empty() {
            return Some(self.last[kind].unwrap_or(base));
        } else {
            base | (hash(socket) >> 2)
        };
        self.last[kind] = Some(key);
        Some(key)
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
        // Received lines without a socket, with a literal `\n` and the CR before it; a
        // switchboard named by aMSN, with and without its socket.
        let (_, key, _, text) = read(
            &mut r,
            b"[09:14:41] <-ns XFR 9 SB 10.0.0.5:1863 CKI 1.2\r\\n",
        )
        .unwrap();
        assert_eq!(
            (key, &text[..]),
            (ns, &b"XFR 9 SB 10.0.0.5:1863 CKI 1.2"[..])
        );
        let (_, sb1, _, _) = read(&mut r, b"[09:14:42] ->sb_1-sock12 USR 1 a@b.c 1.2").unwrap();
        let (_, again, _, _) = read(&mut r, b"[09:14:42] <-sb_1 USR 1 OK a@b.c A\\n").unwrap();
        assert_eq!(sb1, again);
        assert_eq!(sb1 >> KIND_SHIFT, 1);
        let (_, snit, _, _) = read(&mut r, b"[09:14:43] <-::MSN::SB3-sock13 JOI c@d.e C").unwrap();
        assert_eq!(snit >> KIND_SHIFT, 1);
        assert_ne!(snit, sb1);
        for no in [
            &b"[09:14:44] ->sb_1 FAILED: MSG 5 N 10"[..],
            b"[09:14:44] <-ns CLOSED",
            b"[09:14:44] ->Proxy(ns) XFR 1 SB",
            b"[09:14:44] <--DC-MSNP2P (chat) XFR 1 SB",
            b"[09:14:02] ::Proxy::ProxyDirect3",
            b"[09:14:02] < Connected to: messenger.hotmail.com 1863 >",
            b"[09:14:02] -> nothing",
            b"->cm-sock1 XFR 1 SB",
            b"",
        ] {
            assert!(r.read(1, no).is_none(), "{no:?}");
        }
    }
}
