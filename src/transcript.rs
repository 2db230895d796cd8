//! Text transcripts of MSNP traffic — logs, wiki pages, forum posts — as lines with a direction.
//!
//! Each line may start with a direction prefix:
//!
//! | prefix            | direction        |
//! |-------------------|------------------|
//! | `C:`, `>>>`, `>>` | client → server  |
//! | `S:`, `<<<`, `<<` | server → client  |
//!
//! (one space after the prefix is dropped with it). Payload bodies appear in transcripts as
//! ordinary text lines; [`Transcript`] skips them, counting each skipped line as its text plus
//! CRLF against the payload length that the command announced. Lengths are read as the
//! [`Decoder`](crate::Decoder) reads them; one past [`DEFAULT_MAX_PAYLOAD`] is flagged on its
//! line ([`TranscriptLine::payload_too_long`]) and skips nothing, since every later line of a
//! text log is still a line.

use crate::command::{self, Announced, Direction, PayloadCommands};
use crate::stream::DEFAULT_MAX_PAYLOAD;

/// One command line of a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranscriptLine<'a> {
    /// The 1-based line number in the transcript.
    pub number: usize,
    /// The direction its prefix gave, if any.
    pub direction: Option<Direction>,
    /// The line without prefix and line end.
    pub text: &'a [u8],
    /// The line announces a payload longer than [`DEFAULT_MAX_PAYLOAD`]: a damaged line, whose
    /// payload (if any) the following lines may hold.
    pub payload_too_long: bool,
}

const PREFIXES: &[(&[u8], Direction)] = &[
    (b"C:", Direction::ClientToServer),
    (b"S:", Direction::ServerToClient),
    (b">>>", Direction::ClientToServer),
    (b"<<<", Direction::ServerToClient),
    (b">>", Direction::ClientToServer),
    (b"<<", Direction::ServerToClient),
];

/// Splits a line's direction prefix from its text.
///
/// ```
/// use msnp_xfr::{split_prefix, Direction};
/// assert_eq!(split_prefix(b"S: XFR 0 NS 0"), (Some(Direction::ServerToClient), &b"XFR 0 NS 0"[..]));
/// assert_eq!(split_prefix(b">>> XFR 9 SB"), (Some(Direction::ClientToServer), &b"XFR 9 SB"[..]));
/// assert_eq!(split_prefix(b"XFR 9 SB"), (None, &b"XFR 9 SB"[..]));
/// ```
pub fn split_prefix(line: &[u8]) -> (Option<Direction>, &[u8]) {
    for &(prefix, direction) in PREFIXES {
        if let Some(rest) = line.strip_prefix(prefix) {
            return (Some(direction), rest.strip_prefix(b" ").unwrap_or(rest));
        }
    }
    (None, line)
}

/// The command lines of a transcript, payload bodies skipped.
///
/// ```
/// use msnp_xfr::{Direction, Transcript};
///
/// let log = b"S: MSG Hotmail Hotmail 7\r\nhello\r\nS: XFR 0 NS 0\r\n";
/// let lines: Vec<_> = Transcript::new(log).collect();
/// assert_eq!(lines.len(), 2);
/// assert_eq!(lines[1].number, 3);
/// assert_eq!(lines[1].text, b"XFR 0 NS 0");
/// assert_eq!(lines[1].direction, Some(Direction::ServerToClient));
/// ```
#[derive(Debug, Clone)]
pub struct Transcript<'a> {
    rest: &'a [u8],
    number: usize,
    client: PayloadCommands,
    server: PayloadCommands,
    either: PayloadCommands,
}

impl<'a> Transcript<'a> {
    /// A transcript over `text`.
    pub fn new(text: &'a [u8]) -> Self {
        Transcript {
            rest: text,
            number: 0,
            client: PayloadCommands::for_direction(Direction::ClientToServer),
            server: PayloadCommands::for_direction(Direction::ServerToClient),
            either: PayloadCommands::either_direction(),
        }
    }

    fn next_raw(&mut self) -> Option<(usize, &'a [u8])> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match self.rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        self.number += 1;
        Some((self.number, line.strip_suffix(b"\r").unwrap_or(line)))
    }
}

impl<'a> Iterator for Transcript<'a> {
    type Item = TranscriptLine<'a>;

    fn next(&mut self) -> Option<TranscriptLine<'a>> {
        let (number, raw) = self.next_raw()?;
        let (direction, text) = split_prefix(raw);
        let payloads = match direction {
            Some(Direction::ClientToServer) => &self.client,
            Some(Direction::ServerToClient) => &self.server,
            None => &self.either,
        };
        let announced = command::announced(
            text,
            &command::classify(text),
            payloads,
            DEFAULT_MAX_PAYLOAD,
        );
        if let Announced::Payload(mut left) = announced {
            while left > 0 {
                let Some((_, body)) = self.next_raw() else {
                    break;
                };
                let body = split_prefix(body).1;
                left = left.saturating_sub(body.len() + 2);
            }
        }
        Some(TranscriptLine {
            number,
            direction,
            text,
            payload_too_long: announced == Announced::TooLong,
        })
    }
}
