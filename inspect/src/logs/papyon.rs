//! papyon (emesene 2, aMSN 2's Python core, telepathy-butterfly) transport logs, in these shapes:
//!
//! - the console (Python logging, `-vvv`): `[HH:MM:SS LEVEL logger] message`;
//! - emesene's debug window: `(HH:MM:SS) logger:message`, with `>` and `<` as `&gt;` and `&lt;`
//!   when copied from its HTML view;
//! - telepathy-butterfly's log (Empathy's MSN backend), Python logging's default format:
//!   `DEBUG:papyon.transport:message`, no time;
//! - Empathy's debug window, saved: `butterfly/papyon.transport-DEBUG: 03/14/10 14:03:22.51234:
//!   message`.
//!
//! The `papyon.transport` logger carries `>>> ` (sent), `<<< ` (received) and `<-> ` connection
//! events. No connection id is printed: a new connection starts at each
//! `<-> Connecting to host:port` (or `<-> Changing gateway to …`), and the notification and
//! switchboard connections' lines share the stream. A line goes to the newest connection of its
//! kind: a connection whose first command is `VER` is a notification (or dispatch) connection,
//! one that starts with `USR` or `ANS` a switchboard; switchboard commands (`ANS`, `CAL`, `JOI`,
//! `IRO`, `BYE`, `ACK`, `NAK`) go to the newest switchboard, `MSG` and `USR` to the newest
//! connection, and every other command (`XFR` and the numeric replies among them) to the newest
//! notification connection. Payload bodies follow on continuation lines indented by four spaces,
//! which are never commands.

use std::borrow::Cow;

use msnp_xfr::Direction;

use super::{Conn, Entry, LineReader, What, clock, find};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unknown,
    Notification,
    Switchboard,
}

/// What is known of a connection: its kind. Its name is said once, in the entry that opens it
/// (the reader keeps no text of the log, so that it can read one line at a time).
struct Connection {
    kind: Kind,
}

pub(super) struct Papyon {
    /// emesene's window (`(HH:MM:SS) logger:message`) rather than the console.
    window: bool,
    connections: Vec<Connection>,
    /// The key of `connections[0]`: older connections are forgotten past [`MAX_CONNECTIONS`].
    first_key: u64,
}

/// Connections a papyon log's lines are routed among: the newest, which is where lines go.
const MAX_CONNECTIONS: usize = 1024;

const LEVELS: &[&[u8]] = &[b"DEBUG", b"INFO", b"WARNING", b"ERROR"];
const LOGGER: &[u8] = b"papyon.transport";
const SWITCHBOARD_VERBS: &[&[u8]] = &[b"ANS", b"CAL", b"JOI", b"IRO", b"BYE", b"ACK", b"NAK"];

impl Papyon {
    pub(super) fn console() -> Self {
        Papyon {
            window: false,
            connections: Vec::new(),
            first_key: 0,
        }
    }

    pub(super) fn window() -> Self {
        Papyon {
            window: true,
            connections: Vec::new(),
            first_key: 0,
        }
    }

    /// The time and the transport logger's message, or `None` for any other line.
    fn message<'a>(&self, text: &'a [u8]) -> Option<(Option<&'a [u8]>, &'a [u8])> {
        if self.window {
            let t = text.strip_prefix(b"(")?;
            let time = clock(t)?;
            let rest = t[8..].strip_prefix(b") ")?;
            return Some((Some(time), rest.strip_prefix(LOGGER)?.strip_prefix(b":")?));
        }
        if let Some(t) = text.strip_prefix(b"[") {
            let time = clock(t)?;
            let rest = t[8..].strip_prefix(b" ")?;
            let level = LEVELS.iter().find(|l| rest.starts_with(l))?;
            let rest = rest[level.len()..].strip_prefix(b" ")?;
            return Some((Some(time), rest.strip_prefix(LOGGER)?.strip_prefix(b"] ")?));
        }
        // telepathy-butterfly: Python logging's default format, `DEBUG:papyon.transport:<<< …`.
        if let Some(level) = LEVELS.iter().find(|l| text.starts_with(l)) {
            let rest = text[level.len()..].strip_prefix(b":")?;
            return Some((None, rest.strip_prefix(LOGGER)?.strip_prefix(b":")?));
        }
        // Empathy's debug window, saved: `butterfly/papyon.transport-DEBUG: 03/14/10
        // 14:03:22.51234: >>> …` (the date as the locale writes it).
        let at = find(text, LOGGER)?;
        let rest = text[at + LOGGER.len()..].strip_prefix(b"-")?;
        let level = LEVELS.iter().find(|l| rest.starts_with(l))?;
        let rest = rest[level.len()..].strip_prefix(b": ")?;
        let space = memchr::memchr(b' ', rest)?;
        let time = clock(&rest[space + 1..])?;
        let after = &rest[space + 1 + 8..];
        let end = find(after, b": ")?;
        if !after[..end]
            .iter()
            .all(|b| b.is_ascii_digit() || *b == b'.')
        {
            return None;
        }
        Some((Some(time), &after[end + 2..]))
    }

    /// The connection a command goes to (see the module's notes), learning kinds on the way.
    fn route(&mut self, direction: Direction, command: &[u8]) -> Option<usize> {
        let newest = self.connections.len().checked_sub(1)?;
        let verb = command.get(..3).unwrap_or(command);
        if self.connections[newest].kind == Kind::Unknown && direction == Direction::ClientToServer
        {
            self.connections[newest].kind = match verb {
                b"VER" => Kind::Notification,
                b"USR" | b"ANS" => Kind::Switchboard,
                _ => Kind::Unknown,
            };
        }
        let newest_of = |kind: Kind| {
            self.connections
                .iter()
                .rposition(|c| c.kind == kind)
                .unwrap_or(newest)
        };
        Some(if SWITCHBOARD_VERBS.contains(&verb) {
            newest_of(Kind::Switchboard)
        } else if verb == b"MSG" || verb == b"USR" {
            newest
        } else if self.connections[newest].kind == Kind::Switchboard {
            self.connections
                .iter()
                .rposition(|c| c.kind != Kind::Switchboard)
                .unwrap_or(newest)
        } else {
            newest
        })
    }
}

/// HTML escapes undone: `&gt;`, `&lt;`, `&amp;`, `&quot;`, `&#39;`.
fn unescape(text: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr(b'&', text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = memchr::memchr(b'&', rest) {
        out.extend_from_slice(&rest[..i]);
        rest = &rest[i..];
        let (byte, len) = [
            (&b"&gt;"[..], b'>'),
            (b"&lt;", b'<'),
            (b"&amp;", b'&'),
            (b"&quot;", b'"'),
            (b"&#39;", b'\''),
        ]
        .into_iter()
        .find(|(entity, _)| rest.starts_with(entity))
        .map_or((b'&', 1), |(entity, byte)| (byte, entity.len()));
        out.push(byte);
        rest = &rest[len..];
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

/// The command without what the logger added after it: a literal `\r\n` and trailing spaces.
fn command_text(text: &[u8]) -> &[u8] {
    let text = text.trim_ascii_end();
    text.strip_suffix(b"\\r\\n").unwrap_or(text)
}

impl LineReader for Papyon {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let (time, message) = self.message(text)?;
        let message = if self.window {
            unescape(message)
        } else {
            Cow::Borrowed(message)
        };
        let (direction, command) = match &*message {
            [b'>', b'>', b'>', b' ', ..] => (Direction::ClientToServer, 4),
            [b'<', b'<', b'<', b' ', ..] => (Direction::ServerToClient, 4),
            [b'<', b'-', b'>', b' ', event @ ..] => {
                let target = event
                    .strip_prefix(b"Connecting to ")
                    .or_else(|| event.strip_prefix(b"Changing gateway to "))?;
                // The label is the text after the event's words, in the input itself (an
                // address has no HTML escapes).
                let target = target.trim_ascii();
                let start = find(text, target)?;
                let label = &text[start..start + target.len()];
                if self.connections.len() >= MAX_CONNECTIONS {
                    self.connections.remove(0);
                    self.first_key += 1;
                }
                self.connections.push(Connection {
                    kind: Kind::Unknown,
                });
                let key = self.first_key + (self.connections.len() - 1) as u64;
                return Some(Entry {
                    line: number,
                    time,
                    conn: Some(Conn { key, label }),
                    what: What::Open,
                });
            }
            _ => return None,
        };
        let text = match message {
            Cow::Borrowed(m) => Cow::Borrowed(command_text(&m[command..])),
            Cow::Owned(m) => Cow::Owned(command_text(&m[command..]).to_vec()),
        };
        // The name was given with the connection's opening entry.
        let conn = self.route(direction, &text).map(|i| Conn {
            key: self.first_key + i as u64,
            label: b"",
        });
        Some(Entry {
            line: number,
            time,
            conn,
            what: What::Command {
                direction: Some(direction),
                text,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_butterfly_and_empathy_shapes() {
        let p = Papyon::console();
        for (line, time) in [
            (
                &b"[14:03:22 DEBUG papyon.transport] >>> XFR 12 SB"[..],
                Some(&b"14:03:22"[..]),
            ),
            (b"DEBUG:papyon.transport:>>> XFR 12 SB", None),
            (
                b"butterfly/papyon.transport-DEBUG: 03/14/10 14:03:22.51234: >>> XFR 12 SB",
                Some(b"14:03:22"),
            ),
        ] {
            assert_eq!(p.message(line), Some((time, &b">>> XFR 12 SB"[..])));
        }
        assert_eq!(p.message(b"DEBUG:papyon.client:>>> XFR 12 SB"), None);
    }

    #[test]
    fn escapes_are_undone() {
        assert_eq!(&*unescape(b"&gt;&gt;&gt; XFR 1 SB"), b">>> XFR 1 SB");
        assert_eq!(&*unescape(b"a &amp b &lt;"), b"a &amp b <");
        assert!(matches!(unescape(b"XFR"), Cow::Borrowed(_)));
    }

    #[test]
    fn command_text_drops_the_escaped_line_end() {
        assert_eq!(command_text(b"XFR 20 SB\\r\\n"), b"XFR 20 SB");
        assert_eq!(command_text(b"XFR 20 SB  "), b"XFR 20 SB");
    }
}
