//! One MSNP connection from bytes to knowledge: both directions' decoders and the session
//! that follows them, so that each line is framed, classified and parsed once, with the version
//! the session knows at that point.

use crate::command::{self, Direction, LineClass};
use crate::session::{Observation, Session};
use crate::stream::{Decoder, DecoderConfig, Frame, Step};
use crate::syntax::Mode;
use crate::version::Version;

/// What a [`Connection`] found in one direction's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEvent<'a> {
    /// A line, and what it meant to the session.
    Line {
        /// The whole line as received, line end included.
        line: &'a [u8],
        /// The command's first field (`"MSG"`, `"XFR"`, `"913"`); empty if it is not text.
        verb: &'a str,
        /// The length of the payload that follows the line and is being skipped.
        payload: Option<usize>,
        /// What the session made of it: an XFR read for the session's version, an error reply
        /// answering an XFR, a `VER` choice, or [`Observation::Other`].
        observation: Observation<'a>,
    },
    /// A line longer than the decoder's limit, skipped up to its line end.
    LineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A line announcing a payload longer than the decoder's limit; this direction reads
    /// nothing more until [`Connection::resync`].
    PayloadTooLong {
        /// The whole line as received.
        line: &'a [u8],
        /// The limit that was exceeded.
        limit: usize,
    },
}

/// Both directions of one MSNP connection, sans-I/O: feed it each direction's bytes as they
/// arrive and it hands out one [`ConnectionEvent`] at a time.
///
/// A `VER` reply changes the version the next XFR is judged against, a referral or soft reset
/// ends it, and numeric replies are matched to the XFR requests they answer — with no code of
/// the caller's. Each direction is used like a [`Decoder`]: after [`Step::NeedMore`], append
/// that direction's next bytes and call again with its unconsumed bytes in front.
///
/// ```
/// use msnp_xfr::{Connection, ConnectionEvent, Direction, Mode, Observation, Step, Version};
///
/// let mut conn = Connection::new(Mode::Strict);
/// let mut seen = Vec::new();
/// for (direction, bytes) in [
///     (Direction::ClientToServer, &b"VER 1 MSNP8 CVR0\r\nXFR 2 SB\r\n"[..]),
///     (Direction::ServerToClient, b"VER 1 MSNP8 CVR0\r\nXFR 2 SB 10.0.0.2:1863 CKI 1.2\r\n"),
/// ] {
///     let mut buf = bytes;
///     while let Step::Event { event, consumed } = conn.decode(direction, buf) {
///         if let ConnectionEvent::Line { observation: Observation::Xfr { version, answers, .. }, .. } = event {
///             seen.push((direction, version, answers));
///         }
///         buf = &buf[consumed..];
///     }
/// }
/// use msnp_xfr::{Direction::*, ServerType};
/// assert_eq!(seen, [
///     (ClientToServer, None, None),
///     (ServerToClient, Some(Version::MSNP8), Some(ServerType::Sb)),
/// ]);
/// ```
///
/// (The client's request was read before the server's `VER` reply arrived, so without a version.)
#[derive(Debug, Clone)]
pub struct Connection {
    client: Decoder,
    server: Decoder,
    session: Session,
}

impl Connection {
    /// A connection read in `mode`, learning its version from `VER`, with the default decoder
    /// settings for each direction.
    pub fn new(mode: Mode) -> Self {
        Connection::with_session(Session::new(mode))
    }

    /// A connection whose version is known and fixed: `VER` lines are not followed.
    pub fn with_version(mode: Mode, version: Version) -> Self {
        Connection::with_session(Session::with_version(mode, version))
    }

    fn with_session(session: Session) -> Self {
        let config = |direction| DecoderConfig::new(direction).mode(session.mode());
        Connection {
            client: Decoder::new(config(Direction::ClientToServer)),
            server: Decoder::new(config(Direction::ServerToClient)),
            session,
        }
    }

    /// The same, with each direction's decoder configured by the caller (line and payload
    /// limits, payload tables). The decoders' `version` is not used: the session decides it.
    pub fn with_decoders(session: Session, client: DecoderConfig, server: DecoderConfig) -> Self {
        Connection {
            client: Decoder::new(client),
            server: Decoder::new(server),
            session,
        }
    }

    /// The session following the connection.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The version XFR lines are judged against now.
    pub fn version(&self) -> Option<Version> {
        self.session.version()
    }

    /// The decoder of one direction.
    pub fn decoder(&self, direction: Direction) -> &Decoder {
        match direction {
            Direction::ClientToServer => &self.client,
            Direction::ServerToClient => &self.server,
        }
    }

    /// Starts one direction again at its next line end (see [`Decoder::resync`]): after bytes
    /// went missing from it, or after [`ConnectionEvent::PayloadTooLong`].
    pub fn resync(&mut self, direction: Direction) {
        self.decoder_mut(direction).resync();
    }

    /// `missing` bytes of one direction were lost (see [`Decoder::missing`]): whether its
    /// decoder still knows where the lines are.
    pub fn missing(&mut self, direction: Direction, missing: u64) -> bool {
        self.decoder_mut(direction).missing(missing)
    }

    fn decoder_mut(&mut self, direction: Direction) -> &mut Decoder {
        match direction {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        }
    }

    /// Looks for the next event in `direction`'s bytes at the front of `buf`, which must start
    /// with the bytes of that direction not consumed by its previous call.
    pub fn decode<'a>(&mut self, direction: Direction, buf: &'a [u8]) -> Step<ConnectionEvent<'a>> {
        let limits = self.decoder(direction).config();
        let (max_line, max_payload) = (limits.max_line, limits.max_payload);
        match self.decoder_mut(direction).frame(buf) {
            Frame::Line {
                line,
                consumed,
                class,
                payload,
            } => {
                let verb = match class {
                    LineClass::Xfr => "XFR",
                    LineClass::Command(verb) => command::verb_text(verb),
                    // Nearly always the line's first three bytes.
                    LineClass::Reply(_) => match line.get(..3) {
                        Some(code) if code.iter().all(u8::is_ascii_digit) => {
                            core::str::from_utf8(code).unwrap_or("")
                        }
                        _ => command::first_word(line),
                    },
                    LineClass::Blank => "",
                };
                let observation = self
                    .session
                    .observe_classified(Some(direction), line, class);
                Step::Event {
                    event: ConnectionEvent::Line {
                        line,
                        verb,
                        payload,
                        observation,
                    },
                    consumed,
                }
            }
            Frame::TooLong { consumed } => Step::Event {
                event: ConnectionEvent::LineTooLong { limit: max_line },
                consumed,
            },
            Frame::PayloadTooLong { line, consumed } => Step::Event {
                event: ConnectionEvent::PayloadTooLong {
                    line,
                    limit: max_payload,
                },
                consumed,
            },
            Frame::NeedMore { consumed } => Step::NeedMore { consumed },
        }
    }
}
