//! msn-pecan's debug log (the MSN plugin many Pidgin users ran instead of libpurple's own),
//! as `pidgin -d` prints it among its other debug lines: msn-pecan's own logger gives the
//! level, the source file, line and function, then `show_debug_cmd()` the direction, the
//! connection's number and its name (`ns`, or the contact of a switchboard), and the command:
//!
//! ```text
//! INFO cmd/cmdproc.c:110:show_debug_cmd() C: 000: ns: XFR 12 SB
//! ```
//!
//! The same lines are found behind libpurple's `(HH:MM:SS) category: ` prefix, and pasted with
//! forum markup around them. Payload bodies are not printed (`MSG Hotmail Hotmail 555` is
//! followed by the next command), so nothing is skipped by count.

use msnp_xfr::Direction;

use super::{Conn, Entry, LineReader, What, clock, trim_start, unmarkup, unwrap_markup};

pub(super) struct Pecan;

const LEVELS: &[&[u8]] = &[b"ERROR", b"WARNING", b"INFO", b"MISC", b"DEBUG", b"LOG"];

/// A switchboard's key has this bit: its number is counted apart from the notification
/// connection's.
const SWITCHBOARD: u64 = 1 << 32;

impl LineReader for Pecan {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let t = unwrap_markup(trim_start(text));
        // libpurple's prefix, `(HH:MM:SS) category: `, when msn-pecan logs through it.
        let (time, t) = match t {
            [b'(', rest @ ..] => {
                let time = clock(rest)?;
                let rest = rest[8..].strip_prefix(b") ")?;
                let colon = memchr::memchr(b':', rest)?;
                if rest[..colon].contains(&b' ') {
                    return None;
                }
                (
                    Some(time),
                    trim_start(rest[colon + 1..].strip_prefix(b" ")?),
                )
            }
            _ => (None, t),
        };
        let level = LEVELS.iter().find(|l| t.starts_with(l))?;
        let t = t[level.len()..].strip_prefix(b" ")?;
        // `file:line:function() ` then the command's account.
        let call = memchr::memmem::find(t, b"() ")?;
        if memchr::memchr(b' ', &t[..call]).is_some() || memchr::memchr(b':', &t[..call]).is_none()
        {
            return None;
        }
        let t = &t[call + 3..];
        let (direction, t) = match t {
            [b'C', b':', b' ', rest @ ..] => (Direction::ClientToServer, rest),
            [b'S', b':', b' ', rest @ ..] => (Direction::ServerToClient, rest),
            _ => return None,
        };
        // `000: ns: ` — the connection's number (three digits at least) and name.
        let digits = t.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(3..=9).contains(&digits) {
            return None;
        }
        let n: u64 = t[..digits]
            .iter()
            .fold(0, |n, &d| n * 10 + u64::from(d - b'0'));
        let rest = t[digits..].strip_prefix(b": ")?;
        let name_end = memchr::memmem::find(rest, b": ")?;
        let name = &rest[..name_end];
        let key = if name == b"ns" { n } else { n | SWITCHBOARD };
        let label = &t[..digits + 2 + name_end];
        let command = &rest[name_end + 2..];
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_behind_libpurple_and_pasted() {
        let mut r = Pecan;
        let e = r
            .read(
                1,
                b"INFO cmd/cmdproc.c:110:show_debug_cmd() S: 001: friend@example.com: USR 1 OK a@b.c A",
            )
            .unwrap();
        let conn = e.conn.unwrap();
        assert_eq!(
            (conn.key, conn.label),
            (1 | SWITCHBOARD, &b"001: friend@example.com"[..])
        );
        assert_eq!(e.time, None);
        assert!(
            matches!(e.what, What::Command { direction: Some(Direction::ServerToClient), ref text } if &**text == b"USR 1 OK a@b.c A")
        );
        let e = r
            .read(
                1,
                b"(09:14:03) msn-pecan: INFO cmd/cmdproc.c:110:show_debug_cmd() C: 000: ns: XFR 12 SB",
            )
            .unwrap();
        assert_eq!(e.time, Some(&b"09:14:03"[..]));
        assert_eq!(e.conn.unwrap().key, 0);
        let e = r
            .read(
                1,
                b"[color=#0000FF]INFO cmd/cmdproc.c:110:show_debug_cmd() C: 000: ns: USR 3 TWN I [email]a@b.c[/email][/color]",
            )
            .unwrap();
        assert!(
            matches!(e.what, What::Command { ref text, .. } if &**text == b"USR 3 TWN I a@b.c")
        );
        for no in [
            &b"INFO io/pn_node.c:455:close_impl() closing 'ns'"[..],
            b"(09:14:03) msn: C: NS 000: XFR 12 SB",
            b"INFO cmd/cmdproc.c:110:show_debug_cmd() C: 0: ns: XFR 12 SB",
            b"INFO show_debug_cmd() C: 000: ns: XFR 12 SB",
        ] {
            assert!(r.read(1, no).is_none(), "{:?}", String::from_utf8_lossy(no));
        }
    }
}
