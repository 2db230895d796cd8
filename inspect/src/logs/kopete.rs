//! Kopete's MSN plugin, from its debug output (kdDebug area 14141, the raw protocol, on stderr
//! or where kdebugrc sends it):
//!
//! ```text
//! kopete (msn - raw protocol): [void MSNSocket::slotReadyWrite()] Sending command: XFR 12 SB
//! kopete (msn - raw protocol): [void MSNSocket::slotDataReceived()] XFR 12 SB 10.0.0.5:1863 CKI 1.2
//! ```
//!
//! What was sent is one command (its payload body on the lines after it, unprefixed); what
//! was received is the whole chunk read from the socket, so the lines after a received one,
//! up to the next prefixed line, are more received commands and their bodies. No time, no
//! connection: the notification and switchboard sockets share the code that logs. The KDE 4
//! port's shape, `kopete(1234)/kopete (msn - raw protocol) MSNSocket::slotReadyWrite: Sending
//! command: "XFR 12 SB"` (QDebug quotes a string), is read too.

use std::borrow::Cow;

use msnp_xfr::Direction;

use super::{Entry, LineReader, What, find, is_command, trim_start};

#[derive(Default)]
pub(super) struct Kopete {
    /// Unprefixed lines now continue a chunk received (more commands) rather than a command
    /// sent (its body) or another debug line.
    in_received: bool,
}

const SENT: &[u8] = b"MSNSocket::slotReadyWrite";
const RECEIVED: &[u8] = b"MSNSocket::slotDataReceived";

impl LineReader for Kopete {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let t = trim_start(text);
        let (direction, command) = if t.starts_with(b"kopete") {
            self.in_received = false;
            let colon = find(t, b": ")?;
            // KDE 3: `kopete (area): [function] message`; KDE 4: `kopete(pid)/area
            // Class::method: message`.
            let (function, message) = if t[colon + 2..].starts_with(b"[") {
                let rest = &t[colon + 2..];
                let end = memchr::memchr(b']', rest)?;
                (&rest[..end], rest[end + 1..].strip_prefix(b" ")?)
            } else {
                let end = memchr::memrchr(b' ', &t[..colon])?;
                (&t[end..colon], &t[colon + 2..])
            };
            if find(function, SENT).is_some() {
                let command = message
                    .strip_prefix(b"Sending command: ")
                    .or_else(|| message.strip_prefix(b"Sending http command: "))?;
                (Direction::ClientToServer, command)
            } else if find(function, RECEIVED).is_some() {
                self.in_received = true;
                (Direction::ServerToClient, message)
            } else {
                return None;
            }
        } else if self.in_received {
            (Direction::ServerToClient, t)
        } else {
            return None;
        };
        let command = command.trim_ascii_end();
        let command = match command {
            [b'"', inner @ .., b'"'] => inner,
            _ => command,
        };
        if !is_command(command) {
            return None;
        }
        Some(Entry {
            line: number,
            time: None,
            conn: None,
            what: What::Command {
                direction: Some(direction),
                text: Cow::Borrowed(command),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(r: &mut Kopete, line: &[u8]) -> Option<(Direction, Vec<u8>)> {
        match r.read(1, line)?.what {
            What::Command {
                direction: Some(d),
                text,
            } => Some((d, text.into_owned())),
            _ => None,
        }
    }

    #[test]
    fn sent_received_and_the_rest_of_a_chunk() {
        let mut r = Kopete::default();
        assert_eq!(
            command(
                &mut r,
                b"kopete (msn - raw protocol): [void MSNSocket::slotReadyWrite()] Sending command: XFR 12 SB"
            ),
            Some((Direction::ClientToServer, b"XFR 12 SB".to_vec()))
        );
        // A sent command's body is not read.
        assert_eq!(command(&mut r, b"MIME-Version: 1.0"), None);
        assert_eq!(command(&mut r, b"XFR 9 SB"), None);
        assert_eq!(
            command(
                &mut r,
                b"kopete (msn - raw protocol): [void MSNSocket::slotDataReceived()] XFR 12 SB 10.0.0.5:1863 CKI 1.2\r"
            ),
            Some((
                Direction::ServerToClient,
                b"XFR 12 SB 10.0.0.5:1863 CKI 1.2".to_vec()
            ))
        );
        assert_eq!(
            command(&mut r, b"913 13"),
            Some((Direction::ServerToClient, b"913 13".to_vec()))
        );
        assert_eq!(
            command(
                &mut r,
                b"kopete (msn): [void MSNNotifySocket::parseCommand()] XFR 1 SB"
            ),
            None
        );
        assert_eq!(command(&mut r, b"913 14"), None);
        assert_eq!(
            command(
                &mut r,
                b"kopete(4242)/kopete (msn - raw protocol) MSNSocket::slotReadyWrite: Sending command: \"XFR 15 SB\""
            ),
            Some((Direction::ClientToServer, b"XFR 15 SB".to_vec()))
        );
        assert_eq!(
            command(
                &mut r,
                b"kopete (msn - raw protocol): [void MSNSocket::slotDataReceived()] (Stripped binary data)"
            ),
            None
        );
    }
}
