//! msn-pecan's debug log (the MSN plugin many Pidgin users ran instead of libpurple's own),
//! as `pidgin -d` prints it among its other debug lines: msn-pecan's own logger gives the
//! level, the source file, line and function, then `show_debug_cmd()` the direction, the
//! connection's number and its name (`ns`, or the contact of a switchboard), and the command:
//!
//! ```text
//! INFO cmd/cmdproc.c:110:show_debug_cmd() C: 000: ns: XFR 12 SB
//! ```
//!
//! The same lines are found behind libpurple's `(HH:MM:SS) category: ` prefix (older versions
//! log through libpurple: `(12:00:01) msn-pecan: cmd/cmdproc.c:110:show_debug_cmd() C: …`),
//! as the Debug window shows newer ones (`(12:00:01) msn-pecan: C: 000: ns: …`, no level, no
//! source), tab-separated in its debug file, and pasted with forum markup around them. A
//! connection without a name prints none (`C: 004: XFR 12 SB`). Payload bodies are not printed (`MSG Hotmail Hotmail 555` is
//! followed by the next command), so nothing is skipped by count.

use msnp_xfr::Direction;

use super::{
    Conn, Entry, LineReader, What, clock, find, is_command, trim_start, unmarkup, unwrap_markup,
};

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
        // msn-pecan's own logger: a level (`INFO`), then where (`cmd/cmdproc.c:110:show_debug_cmd()`),
        // separated by spaces or, in its debug file, tabs; either may be missing (the Debug
        // window shows the message alone).
        let t = match LEVELS.iter().find(|l| t.starts_with(l)) {
            Some(level) => match t[level.len()..] {
                [b' ' | b'\t', ref rest @ ..] => rest,
                _ => return None,
            },
            None => t,
        };
        let t = match find(t, b"() ").or_else(|| find(t, b"()\t")) {
            Some(call)
                if memchr::memchr2(b' ', b'\t', &t[..call]).is_none()
                    && memchr::memchr(b':', &t[..call]).is_some() =>
            {
                &t[call + 3..]
            }
            _ => t,
        };
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
        // The connection's name (`ns`, a contact, `chat`), when it has one.
        let (name, command) = match find(rest, b": ") {
            Some(end) if !is_command(rest) => (&rest[..end], &rest[end + 2..]),
            _ => (&b""[..], rest),
        };
        let key = if name == b"ns" { n } else { n | SWITCHBOARD };
        let label = if name.is_empty() {
            &t[..digits]
        } else {
            &t[..digits + 2 + name.len()]
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
        // The Debug window's message alone; the older logger through libpurple; the debug
        // file's tabs; a connection without a name.
        for (line, key, label) in [
            (
                &b"(12:00:01) msn-pecan: C: 000: ns: XFR 12 SB"[..],
                0,
                &b"000: ns"[..],
            ),
            (
                b"(12:00:01) msn-pecan: cmd/cmdproc.c:110:show_debug_cmd() C: 002: chat: XFR 12 SB",
                2 | SWITCHBOARD,
                b"002: chat",
            ),
            (
                b"INFO\tcmd/cmdproc.c:110:show_debug_cmd()\tS: 000: ns: XFR 12 SB",
                0,
                b"000: ns",
            ),
            (
                b"INFO cmd/cmdproc.c:110:show_debug_cmd() C: 004: XFR 12 SB",
                4 | SWITCHBOARD,
                b"004",
            ),
        ] {
            let e = r.read(1, line).unwrap();
            let conn = e.conn.unwrap();
            assert_eq!(
                (conn.key, conn.label),
                (key, label),
                "{:?}",
                String::from_utf8_lossy(line)
            );
            assert!(matches!(e.what, What::Command { ref text, .. } if &**text == b"XFR 12 SB"));
        }
        for no in [
            &b"INFO io/pn_node.c:455:close_impl() closing 'ns'"[..],
            b"(09:14:03) msn: C: NS 000: XFR 12 SB",
            b"INFO cmd/cmdproc.c:110:show_debug_cmd() C: 0: ns: XFR 12 SB",
            b"C: NS 000: XFR 12 SB",
        ] {
            assert!(r.read(1, no).is_none(), "{:?}", String::from_utf8_lossy(no));
        }
    }
}
