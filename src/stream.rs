//! Finding XFR in a byte stream: a sans-I/O decoder for one direction of an MSNP connection.
//!
//! The decoder frames lines (CRLF; lenient mode also LF), skips the payloads of payload
//! commands without buffering them, refuses lines longer than a limit, and hands out one
//! [`Event`] at a time. It never reads, never allocates and never re-scans bytes it has already
//! looked at: after [`Step::NeedMore`] the caller appends bytes and calls again with the same
//! unconsumed bytes in front.

use crate::command::{self, Direction, ErrorReply, LineClass, PayloadCommands};
use crate::error::Error;
use crate::syntax::{Mode, Parsed, read};
use crate::version::Version;

/// The default longest line, in bytes, line end included.
pub const DEFAULT_MAX_LINE: usize = 4096;

/// How a [`Decoder`] reads its stream.
///
/// ```
/// use msnp_xfr::{DecoderConfig, Direction, Mode, Version};
///
/// let config = DecoderConfig::new(Direction::ServerToClient)
///     .mode(Mode::Strict)
///     .version(Some(Version::MSNP15))
///     .max_line(1024);
/// assert_eq!(config.max_line, 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecoderConfig {
    /// Strict or lenient XFR parsing. In strict mode only CRLF ends a line: an LF alone is
    /// part of the line, which then fails to parse if it is an XFR.
    pub mode: Mode,
    /// The negotiated version, or `None` to judge XFR lines against every version.
    pub version: Option<Version>,
    /// The longest line accepted, line end included.
    pub max_line: usize,
    /// The commands whose payload to skip.
    pub payloads: PayloadCommands,
}

impl DecoderConfig {
    /// Lenient parsing, no known version, [`DEFAULT_MAX_LINE`], the payload table for
    /// `direction`.
    pub fn new(direction: Direction) -> Self {
        DecoderConfig {
            mode: Mode::Lenient,
            version: None,
            max_line: DEFAULT_MAX_LINE,
            payloads: PayloadCommands::for_direction(direction),
        }
    }

    /// With XFR lines read in `mode`.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// With XFR lines judged against `version` (`None`: every version).
    pub fn version(mut self, version: Option<Version>) -> Self {
        self.version = version;
        self
    }

    /// With lines of at most `max_line` bytes, line end included.
    pub fn max_line(mut self, max_line: usize) -> Self {
        self.max_line = max_line;
        self
    }

    /// With `payloads` as the table of payload commands.
    pub fn payloads(mut self, payloads: PayloadCommands) -> Self {
        self.payloads = payloads;
        self
    }
}

/// Something found in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// An XFR line (line end included) and what parsing it gave.
    Xfr {
        /// The whole line as received.
        line: &'a [u8],
        /// The value, or why the line is not a valid XFR.
        result: Result<Parsed<'a>, Error>,
    },
    /// A numeric reply `CODE TrID` — an error in answer to some request; a [`Session`](crate::Session)
    /// tells whether the request was an XFR.
    ErrorReply {
        /// The whole line as received.
        line: &'a [u8],
        /// The code and TrID.
        reply: ErrorReply,
    },
    /// Any other command, not parsed.
    Command {
        /// The command's first field (`"MSG"`); empty if it is not text.
        verb: &'a str,
        /// The whole line as received.
        line: &'a [u8],
        /// The length of the payload that follows the line and is being skipped.
        payload: Option<usize>,
    },
    /// A line longer than [`DecoderConfig::max_line`]: it is skipped up to its line end.
    LineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
}

/// The result of one [`Decoder::decode`] call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    /// An event; drop `consumed` bytes from the front of the buffer before the next call.
    Event {
        /// What was found.
        event: Event<'a>,
        /// How many bytes of the buffer the call used up.
        consumed: usize,
    },
    /// No complete event in the buffer: drop `consumed` bytes (payload or an over-long line
    /// being skipped), append more input and call again.
    NeedMore {
        /// How many bytes of the buffer the call used up.
        consumed: usize,
    },
}

/// A decoder for one direction of an MSNP connection.
///
/// ```
/// use msnp_xfr::{Decoder, DecoderConfig, Direction, Event, Step, Xfr};
///
/// let mut decoder = Decoder::new(DecoderConfig::new(Direction::ServerToClient));
/// let stream = b"MSG Hotmail Hotmail 5\r\nhelloXFR 9 SB 10.0.0.2:1863 CKI 12.34\r\n";
/// let mut buf = &stream[..];
/// let mut xfrs = 0;
/// loop {
///     match decoder.decode(buf) {
///         Step::Event { event, consumed } => {
///             if let Event::Xfr { result, .. } = event {
///                 assert!(matches!(result.unwrap().xfr, Xfr::Sb(_)));
///                 xfrs += 1;
///             }
///             buf = &buf[consumed..];
///         }
///         Step::NeedMore { consumed } => {
///             buf = &buf[consumed..];
///             break; // a real caller reads more bytes here
///         }
///     }
/// }
/// assert_eq!(xfrs, 1);
/// assert!(buf.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    config: DecoderConfig,
    /// Payload bytes still to skip.
    skip: usize,
    /// How many bytes at the front of the buffer are known to hold no line end.
    scanned: usize,
    /// Skipping the rest of an over-long line.
    discarding: bool,
}

impl Decoder {
    /// A decoder with `config`.
    pub fn new(config: DecoderConfig) -> Self {
        Decoder {
            config,
            skip: 0,
            scanned: 0,
            discarding: false,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// Sets the version XFR lines are judged against from now on (after a `VER` exchange, say).
    pub fn set_version(&mut self, version: Option<Version>) {
        self.config.version = version;
    }

    /// Looks for the next event at the front of `buf`, which must start with the bytes not
    /// consumed by the previous call.
    pub fn decode<'a>(&mut self, buf: &'a [u8]) -> Step<'a> {
        match self.frame(buf) {
            Frame::Line {
                line,
                consumed,
                class,
                payload,
            } => Step::Event {
                event: self.event(line, class, payload),
                consumed,
            },
            Frame::TooLong { consumed } => Step::Event {
                event: Event::LineTooLong {
                    limit: self.config.max_line,
                },
                consumed,
            },
            Frame::NeedMore { consumed } => Step::NeedMore { consumed },
        }
    }

    /// Finds the next line (skipping payloads) and what kind of line it is, without parsing
    /// it; sets up the skip of the payload the line announces.
    pub(crate) fn frame<'a>(&mut self, buf: &'a [u8]) -> Frame<'a> {
        let mut consumed = 0;
        loop {
            let rest = &buf[consumed..];
            if self.skip > 0 {
                let n = self.skip.min(rest.len());
                self.skip -= n;
                consumed += n;
                if self.skip > 0 {
                    return Frame::NeedMore { consumed };
                }
                continue;
            }
            let from = self.scanned.min(rest.len());
            let Some(lf) = self.find_line_end(rest, from) else {
                if self.discarding || rest.len() >= self.config.max_line {
                    // Drop what is here, but keep a final CR: with the LF of the next chunk it
                    // may end the line.
                    let keep = usize::from(rest.last() == Some(&b'\r'));
                    self.scanned = keep;
                    let consumed = buf.len() - keep;
                    if self.discarding {
                        return Frame::NeedMore { consumed };
                    }
                    self.discarding = true;
                    return Frame::TooLong { consumed };
                }
                self.scanned = rest.len();
                return Frame::NeedMore { consumed };
            };
            self.scanned = 0;
            let line = &rest[..=lf];
            consumed += line.len();
            if self.discarding {
                self.discarding = false;
                continue;
            }
            if line.len() > self.config.max_line {
                return Frame::TooLong { consumed };
            }
            let class = command::classify(line);
            let payload = command::payload_len(line, &class, &self.config.payloads);
            self.skip = payload.unwrap_or(0);
            return Frame::Line {
                line,
                consumed,
                class,
                payload,
            };
        }
    }

    /// The index of the byte that ends the line: LF in lenient mode, the LF of CRLF in strict
    /// mode, searched from `from` on.
    fn find_line_end(&self, rest: &[u8], from: usize) -> Option<usize> {
        let mut at = from;
        loop {
            let lf = at + memchr::memchr(b'\n', &rest[at..])?;
            let crlf = lf > 0 && rest[lf - 1] == b'\r';
            if crlf || self.config.mode == Mode::Lenient {
                return Some(lf);
            }
            at = lf + 1;
        }
    }

    fn event<'a>(&self, line: &'a [u8], class: LineClass<'a>, payload: Option<usize>) -> Event<'a> {
        match class {
            LineClass::Xfr => Event::Xfr {
                line,
                result: match self.config.mode {
                    Mode::Strict => read(line, Mode::Strict, self.config.version),
                    Mode::Lenient => read(line, Mode::Lenient, self.config.version),
                },
            },
            LineClass::Reply(reply) => Event::ErrorReply { line, reply },
            LineClass::Command(verb) => Event::Command {
                verb,
                line,
                payload,
            },
            LineClass::Blank => Event::Command {
                verb: "",
                line,
                payload: None,
            },
        }
    }
}

/// A line found by [`Decoder::frame`].
pub(crate) enum Frame<'a> {
    Line {
        line: &'a [u8],
        consumed: usize,
        class: LineClass<'a>,
        payload: Option<usize>,
    },
    TooLong {
        consumed: usize,
    },
    NeedMore {
        consumed: usize,
    },
}
