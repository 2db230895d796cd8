//! Finding XFR in a byte stream: a sans-I/O decoder for one direction of an MSNP connection.
//!
//! The decoder frames lines (CRLF; lenient mode also LF), skips the payloads of payload
//! commands without buffering them, refuses lines longer than a limit, and hands out one
//! [`Event`] at a time. It never reads, never allocates and never re-scans bytes it has already
//! looked at: after [`Step::NeedMore`] the caller appends bytes and calls again with the same
//! unconsumed bytes in front.

use crate::command::{self, Announced, Direction, ErrorReply, LineClass, PayloadCommands};
use crate::error::Error;
use crate::syntax::{Mode, Parsed, read};
use crate::version::Version;

/// The default longest line, in bytes, line end included.
pub const DEFAULT_MAX_LINE: usize = 4096;

/// The default longest payload a command may announce, in bytes: 1 MiB.
///
/// Real payloads are a few kilobytes (a `MSG` at most 1,664 bytes, contact lists and policy
/// files some tens of kilobytes), so a longer length is a damaged or hostile line, and no reader
/// can tell where its payload would end.
pub const DEFAULT_MAX_PAYLOAD: usize = 1 << 20;

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
    /// The longest payload a line may announce; a longer one is [`Event::PayloadTooLong`].
    pub max_payload: usize,
    /// The commands whose payload to skip.
    pub payloads: PayloadCommands,
}

impl DecoderConfig {
    /// Lenient parsing, no known version, [`DEFAULT_MAX_LINE`], [`DEFAULT_MAX_PAYLOAD`], the
    /// payload table for `direction`.
    pub fn new(direction: Direction) -> Self {
        DecoderConfig {
            mode: Mode::Lenient,
            version: None,
            max_line: DEFAULT_MAX_LINE,
            max_payload: DEFAULT_MAX_PAYLOAD,
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

    /// With payloads of at most `max_payload` bytes believed.
    pub fn max_payload(mut self, max_payload: usize) -> Self {
        self.max_payload = max_payload;
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
        /// The length of the payload that follows (`CODE TrID LENGTH`, MSNP13 and later) and is
        /// being skipped.
        payload: Option<usize>,
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
    /// A line announcing a payload longer than [`DecoderConfig::max_payload`]. Nothing can
    /// say where such a payload would end, so the decoder reads nothing more of the stream (every
    /// later call consumes its input and reports no event) until [`Decoder::resync`].
    PayloadTooLong {
        /// The whole line as received.
        line: &'a [u8],
        /// The limit that was exceeded.
        limit: usize,
    },
}

/// The result of one [`Decoder::decode`] call (`E` = [`Event`]) or one
/// [`Connection::decode`](crate::Connection::decode) call
/// (`E` = [`ConnectionEvent`](crate::ConnectionEvent)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<E> {
    /// An event; drop `consumed` bytes from the front of the buffer before the next call.
    Event {
        /// What was found.
        event: E,
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
    /// Skipping the rest of an over-long line, or the bytes before the next line end after a
    /// [`resync`](Decoder::resync).
    discarding: bool,
    /// After [`Event::PayloadTooLong`]: nothing more is read until a resync.
    lost: bool,
}

impl Decoder {
    /// A decoder with `config`.
    pub fn new(config: DecoderConfig) -> Self {
        Decoder {
            config,
            skip: 0,
            scanned: 0,
            discarding: false,
            lost: false,
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

    /// Whether the decoder has stopped reading after [`Event::PayloadTooLong`].
    pub fn is_lost(&self) -> bool {
        self.lost
    }

    /// Starts reading again at the next line end: whatever payload was being skipped is
    /// forgotten, the bytes up to and including the next line end are dropped, and lines are
    /// read from there. For a caller who knows the stream lost its place: bytes missing from a
    /// capture, or after [`Event::PayloadTooLong`]. Bytes the caller still holds unconsumed
    /// are dropped with the rest of their line, so it may keep or clear its buffer.
    ///
    /// ```
    /// use msnp_xfr::{Decoder, DecoderConfig, Direction, Event, Step};
    ///
    /// let mut decoder = Decoder::new(DecoderConfig::new(Direction::ServerToClient));
    /// decoder.resync();
    /// // The fragment of a line before the first line end is never reported.
    /// let bytes = b"0.0.1:1863 CKI 1.2\r\nXFR 0 NS 0\r\n";
    /// let Step::Event { event: Event::Xfr { line, .. }, .. } = decoder.decode(bytes) else {
    ///     panic!()
    /// };
    /// assert_eq!(line, b"XFR 0 NS 0\r\n");
    /// ```
    pub fn resync(&mut self) {
        self.skip = 0;
        self.scanned = 0;
        self.lost = false;
        self.discarding = true;
    }

    /// `missing` bytes of the stream were lost (a packet capture's gap) after the bytes already
    /// given, and the next bytes given follow them. Returns whether the decoder still knows
    /// where the lines are:
    ///
    /// - `true` when the lost bytes lie wholly inside a payload being skipped: they are counted
    ///   against it, and the line after the payload is read as usual;
    /// - `false` otherwise (they may have held a line end, whole lines, or a payload command
    ///   whose body the next bytes are part of). The decoder then forgets its place and reads
    ///   the next bytes as a line start; bytes the caller still holds unconsumed belong to a
    ///   line cut by the loss and must be dropped. Where the next line starts is the caller's
    ///   judgement (see [`resync`](Decoder::resync) to skip to the next line end instead), and
    ///   so is any record of what was read before the stream was certain again.
    ///
    /// ```
    /// use msnp_xfr::{Decoder, DecoderConfig, Direction, Event, Step};
    ///
    /// let mut decoder = Decoder::new(DecoderConfig::new(Direction::ServerToClient));
    /// let bytes = b"MSG Hotmail Hotmail 20\r\nXFR 1";
    /// let Step::Event { consumed, .. } = decoder.decode(bytes) else { panic!() };
    /// // The first five bytes of the body (which look like a command, and are not one).
    /// assert_eq!(decoder.decode(&bytes[consumed..]), Step::NeedMore { consumed: 5 });
    /// // Nine of the body's twenty bytes were lost; its last six follow, then an XFR.
    /// assert!(decoder.missing(9));
    /// let Step::Event { event: Event::Xfr { line, .. }, .. } = decoder.decode(b"SB 1\r\nXFR 0 NS 0\r\n") else {
    ///     panic!()
    /// };
    /// assert_eq!(line, b"XFR 0 NS 0\r\n");
    /// // A loss outside any payload: the place is lost.
    /// assert!(!decoder.missing(3));
    /// ```
    pub fn missing(&mut self, missing: u64) -> bool {
        if !self.lost && !self.discarding && self.skip as u64 >= missing && self.skip > 0 {
            self.skip -= missing as usize;
            return true;
        }
        self.skip = 0;
        self.scanned = 0;
        self.lost = false;
        self.discarding = false;
        false
    }

    /// Bytes of a payload still to skip before the next line.
    pub fn payload_left(&self) -> usize {
        self.skip
    }

    /// Looks for the next event at the front of `buf`, which must start with the bytes not
    /// consumed by the previous call.
    pub fn decode<'a>(&mut self, buf: &'a [u8]) -> Step<Event<'a>> {
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
            Frame::PayloadTooLong { line, consumed } => Step::Event {
                event: Event::PayloadTooLong {
                    line,
                    limit: self.config.max_payload,
                },
                consumed,
            },
            Frame::NeedMore { consumed } => Step::NeedMore { consumed },
        }
    }

    /// Finds the next line (skipping payloads) and what kind of line it is, without parsing
    /// it; sets up the skip of the payload the line announces.
    pub(crate) fn frame<'a>(&mut self, buf: &'a [u8]) -> Frame<'a> {
        if self.lost {
            return Frame::NeedMore {
                consumed: buf.len(),
            };
        }
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
            let payload = match command::announced(
                line,
                &class,
                &self.config.payloads,
                self.config.max_payload,
            ) {
                Announced::Nothing => None,
                Announced::Payload(n) => Some(n),
                Announced::TooLong => {
                    self.lost = true;
                    return Frame::PayloadTooLong { line, consumed };
                }
            };
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
            LineClass::Reply(reply) => Event::ErrorReply {
                line,
                reply,
                payload,
            },
            LineClass::Command(verb) => Event::Command {
                verb: command::verb_text(verb),
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
    PayloadTooLong {
        line: &'a [u8],
        consumed: usize,
    },
    NeedMore {
        consumed: usize,
    },
}
