//! msnp-xfr's own transcripts (`C: `/`S: `, `>>> `/`<<< `, `>> `/`<< `) and one-character
//! transcripts (`> `/`< `, often inside a Markdown code fence).

use std::borrow::Cow;

use msnp_xfr::Direction;

use super::{Entry, LineReader, What, is_command, prose_like, trim_start};

const PREFIXES: &[(&[u8], Direction)] = &[
    (b"C:", Direction::ClientToServer),
    (b"S:", Direction::ServerToClient),
    (b">>>", Direction::ClientToServer),
    (b"<<<", Direction::ServerToClient),
    (b">>", Direction::ClientToServer),
    (b"<<", Direction::ServerToClient),
];

/// A line's direction prefix and the text after it (one space after the prefix goes with it).
pub(super) fn split_prefix(line: &[u8]) -> (Option<Direction>, &[u8]) {
    for &(prefix, direction) in PREFIXES {
        if let Some(rest) = line.strip_prefix(prefix) {
            return (Some(direction), rest.strip_prefix(b" ").unwrap_or(rest));
        }
    }
    (None, line)
}

fn command(number: usize, direction: Option<Direction>, text: &[u8]) -> Entry<'_> {
    Entry {
        line: number,
        time: None,
        conn: None,
        what: What::Command {
            direction,
            text: Cow::Borrowed(text),
        },
    }
}

/// The crate's own transcripts: every prefixed line is a protocol line; an unprefixed one is
/// when it reads as a command (its direction then unknown), so comments and prose stay out.
pub(super) struct Transcript;

impl LineReader for Transcript {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        match split_prefix(trim_start(text)) {
            (Some(direction), rest) => Some(command(number, Some(direction), rest)),
            (None, rest) => {
                (is_command(rest) && !prose_like(rest)).then(|| command(number, None, rest))
            }
        }
    }
}

/// `> ` and `< ` are also Markdown's quote and prose's arrows: a line counts only when the text
/// after the prefix reads as a command and, in a document with code fences, only inside one
/// (such transcripts are pasted in fences; quotes outside them are prose).
pub(super) struct OneChar {
    /// The document has fences: lines outside them are prose.
    fenced: bool,
    /// Inside a fence now.
    inside: bool,
}

impl OneChar {
    pub(super) fn new(text: &[u8]) -> Self {
        let fenced = memchr::memmem::find(text, b"```").is_some();
        OneChar {
            fenced,
            inside: false,
        }
    }
}

impl LineReader for OneChar {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let t = trim_start(text);
        if t.starts_with(b"```") {
            self.inside = !self.inside;
            return None;
        }
        if self.fenced && !self.inside {
            return None;
        }
        let (direction, rest) = one_char(t)?;
        (is_command(rest) && !prose_like(rest)).then(|| command(number, Some(direction), rest))
    }
}

/// `> text` or `< text`.
pub(super) fn one_char(line: &[u8]) -> Option<(Direction, &[u8])> {
    match line {
        [b'>', b' ', rest @ ..] => Some((Direction::ClientToServer, rest)),
        [b'<', b' ', rest @ ..] => Some((Direction::ServerToClient, rest)),
        _ => None,
    }
}
