//! Miranda IM / Miranda NG's network log (Options → Network → Log to file), as its MSN plugin
//! fills it:
//!
//! ```text
//! [14:03:22 0F1C] [MSN] (0A1B2C3D:1234) Data sent
//! XFR 12 SB
//! [14:03:23 0F1C] [MSN] (0A1B2C3D:1234) Data received
//! XFR 12 SB 10.0.0.5:1863 CKI 123.456
//! [14:03:23 0F1C] [MSN] RECV: XFR 12 SB 10.0.0.5:1863 CKI 123.456
//! ```
//!
//! (Miranda IM 0.7–0.9 writes `[14:03:22 MSN] ` before each message and `RECV:` without a
//! space.) The plugin logs each received command once more on a `RECV:` line; what it sends is
//! only in the socket's dump. So a sent command is the first line of a `Data sent` dump (the
//! rest is its payload), a received one a `RECV:` line, and `Data received` dumps are passed
//! over (their commands would count twice, and a chunk may end inside one). A dump of bytes
//! that are not all text is hexadecimal, and its command is not read. No connection is named
//! on the lines the commands are taken from.

use std::borrow::Cow;

use msnp_xfr::Direction;

use super::{Entry, LineReader, What, clock, is_command, trim_start};

#[derive(Default)]
pub(super) struct Miranda {
    /// The next unprefixed line is the first of a `Data sent` dump.
    sent_next: bool,
}

impl LineReader for Miranda {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let sent_next = std::mem::take(&mut self.sent_next);
        let Some(header) = text.strip_prefix(b"[") else {
            let command = trim_start(text).trim_ascii_end();
            return (sent_next && is_command(command)).then_some(Entry {
                line: number,
                time: None,
                conn: None,
                what: What::Command {
                    direction: Some(Direction::ClientToServer),
                    text: Cow::Borrowed(command),
                },
            });
        };
        // `[time thread] [module] message` or `[time module] message`.
        let time = clock(header)?;
        let end = memchr::memchr(b']', header)?;
        let mut message = header[end + 1..].strip_prefix(b" ")?;
        if message.starts_with(b"[") {
            let end = memchr::memchr(b']', message)?;
            message = message[end + 1..].strip_prefix(b" ")?;
        }
        if let Some(command) = message.strip_prefix(b"RECV:") {
            let command = trim_start(command).trim_ascii_end();
            return is_command(command).then_some(Entry {
                line: number,
                time: Some(time),
                conn: None,
                what: What::Command {
                    direction: Some(Direction::ServerToClient),
                    text: Cow::Borrowed(command),
                },
            });
        }
        // `(0A1B2C3D:1234) Data sent`, maybe ` (proxy)`.
        if message.starts_with(b"(") {
            let end = memchr::memchr(b')', message)?;
            let what = &message[end + 1..];
            self.sent_next = what.starts_with(b" Data sent");
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line, time, direction and text of a command.
    type Command = (usize, Option<Vec<u8>>, Direction, Vec<u8>);

    fn commands(log: &[u8]) -> Vec<Command> {
        let mut r = Miranda::default();
        super::super::lines(log)
            .filter_map(|(n, line)| r.read(n, line))
            .map(|e| match e.what {
                What::Command {
                    direction: Some(d),
                    text,
                } => (e.line, e.time.map(<[u8]>::to_vec), d, text.into_owned()),
                _ => panic!("a command"),
            })
            .collect()
    }

    #[test]
    fn sent_dumps_and_received_lines() {
        let log = b"[14:03:22 0F1C] [MSN] (0A1B2C3D:1234) Data sent\r\n\
XFR 12 SB\r\r\n\
\r\n\
[14:03:23 0F1C] [MSN] (0A1B2C3D:1234) Data received\r\n\
XFR 12 SB 10.0.0.5:1863 CKI 123.456\r\n\
[14:03:23 0F1C] [MSN] RECV: XFR 12 SB 10.0.0.5:1863 CKI 123.456\r\n\
[14:03:24 MSN] (0A1B2C3D:1234) Data sent (proxy)\r\n\
MSG 13 N 40\r\n\
XFR 99 SB\r\n\
[14:03:25 MSN] RECV:913 14\r\n\
[14:03:26 MSN] (0A1B2C3D:1234) Data sent\r\n\
00000000: 56 45 52 20-31 20 4D 53  VER 1 MS\r\n";
        assert_eq!(
            commands(log),
            [
                (2, None, Direction::ClientToServer, b"XFR 12 SB".to_vec()),
                (
                    6,
                    Some(b"14:03:23".to_vec()),
                    Direction::ServerToClient,
                    b"XFR 12 SB 10.0.0.5:1863 CKI 123.456".to_vec()
                ),
                (8, None, Direction::ClientToServer, b"MSG 13 N 40".to_vec()),
                (
                    10,
                    Some(b"14:03:25".to_vec()),
                    Direction::ServerToClient,
                    b"913 14".to_vec()
                ),
            ]
        );
    }
}
