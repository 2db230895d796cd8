//! The libpurple debug log (Pidgin's debug window, `pidgin -d`, Finch):
//! `(HH:MM:SS) msn: C: NS 000: XFR 12 SB`.
//!
//! Also in Adium's debug log (`14:03:22: (Libpurple: msn) C: NS 000: …`), and as pasted: the
//! leading `(` lost; quoted in a C comment (`\t * C: NS 000: …`, no time,
//! no category); forum markup around a token (`[email]a@b.com[/email]`).

use msnp_xfr::Direction;

use super::{Conn, Entry, LineReader, What, clock, trim_start, unmarkup};

pub(super) struct Purple;

impl LineReader for Purple {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let t = trim_start(text);
        let (time, rest) = match t {
            // Quoted in a C comment: no time, no category.
            [b'*', b' ', rest @ ..] => (None, trim_start(rest)),
            _ => {
                let t = t.strip_prefix(b"(").unwrap_or(t);
                let time = clock(t)?;
                let rest = match t[8..].strip_prefix(b") msn: ") {
                    Some(rest) => rest,
                    // Adium's debug log: `14:03:22: (Libpurple: msn) …` (`Libgaim` before).
                    None => {
                        let rest = t[8..].strip_prefix(b": (")?;
                        let rest = rest
                            .strip_prefix(b"Libpurple")
                            .or_else(|| rest.strip_prefix(b"Libgaim"))?;
                        rest.strip_prefix(b": msn) ")?
                    }
                };
                (Some(time), rest)
            }
        };
        // `C: NS 000: ` — direction, connection type and number.
        let (direction, conn) = match rest {
            [
                d @ (b'C' | b'S'),
                b':',
                b' ',
                t @ (b'N' | b'S'),
                u @ (b'S' | b'B'),
                b' ',
                n0,
                n1,
                n2,
                b':',
                b' ',
                ..,
            ] if [*n0, *n1, *n2].iter().all(u8::is_ascii_digit)
                && matches!((t, u), (b'N', b'S') | (b'S', b'B')) =>
            {
                let direction = if *d == b'C' {
                    Direction::ClientToServer
                } else {
                    Direction::ServerToClient
                };
                let number =
                    u64::from(n0 - b'0') * 100 + u64::from(n1 - b'0') * 10 + u64::from(n2 - b'0');
                let key = number | (u64::from(*t == b'S') << 16);
                (direction, key)
            }
            _ => return None,
        };
        let label = &rest[3..9];
        Some(Entry {
            line: number,
            time,
            conn: Some(Conn { key: conn, label }),
            what: What::Command {
                direction: Some(direction),
                text: unmarkup(&rest[11..]),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidgin_and_adium_prefixes() {
        for line in [
            &b"(14:03:22) msn: C: NS 000: XFR 12 SB"[..],
            b"14:03:22: (Libpurple: msn) C: NS 000: XFR 12 SB",
            b"14:03:22: (Libgaim: msn) C: NS 000: XFR 12 SB",
        ] {
            let e = Purple.read(1, line).unwrap();
            assert_eq!(e.time, Some(&b"14:03:22"[..]));
            assert_eq!(e.conn.unwrap().label, b"NS 000");
            assert!(matches!(e.what, What::Command { ref text, .. } if &**text == b"XFR 12 SB"));
        }
        assert!(
            Purple
                .read(1, b"14:03:22: (Libpurple: jabber) C: NS 000: XFR 12 SB")
                .is_none()
        );
    }
}
