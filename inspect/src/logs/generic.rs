//! The generic reader, for logs no one described to this tool: it finds MSNP command lines
//! inside arbitrary log text.
//!
//! A command is looked for after a prefix (timestamps, logger names, `file:line`, direction
//! words), as a JSON string value (`"data":"XFR 12 SB\r\n"`) or as an XML element's text
//! (`<line dir="out">XFR 12 SB</line>`); it ends at the end of the line, of the string or of
//! the element, or at its (escaped or real) line end. What keeps prose, documentation and
//! source code out:
//!
//! - the command must have a command's shape: a known verb and a TrID (or one of the few
//!   commands without one, in their shape), or a numeric reply `CODE TrID`; an XFR must
//!   decode (leniently), and no field may end like a word of a sentence (`,` `.` `;` `:`);
//! - the prefix before it must repeat: its shape (digits, hex numbers and direction words
//!   taken out) must be found on another command line of the log. A logger writes the same
//!   prefix on every line; prose does not. The shapes that repeat in the log's start are
//!   learnt when the reader is made; later ones count from their second line.
//!
//! The direction is the marker nearest before the command (`C:`/`S:`, `>>>`/`<<<`, `->`/`<-`,
//! `>`/`<`, send/recv, sent/received, in/out, Output/Input and the like), its sense learnt
//! from the log's start (a server's log says "send" of what the server sent: when the commands
//! marked so are shaped as a server's, the markers are read the other way round). Failing a
//! marker, the command's own shape tells it where it can (a request is a client's, a referral
//! or a numeric reply a server's). The connection is never known: one session follows all.

use std::borrow::Cow;

use msnp_xfr::{Announced, DEFAULT_MAX_PAYLOAD, Direction, Mode, PayloadCommands};

use super::{Entry, LineReader, What, is_verb};

pub(super) struct Generic {
    /// Prefix shapes that repeat in the log's start.
    learnt: foldhash::HashSet<u64>,
    /// Prefix shapes of command lines seen since, and whether seen twice.
    seen: foldhash::HashMap<u64, bool>,
    /// The log's send-like markers mark what the server sent (a server's log).
    flipped: bool,
    /// Bytes of a payload body printed on the lines after its command, still to skip.
    body_left: usize,
    /// The next line is the body's first (which tells whether it was printed).
    body_first: bool,
    /// The length and shape of the prefix of the command that announced the body: body lines
    /// that have it are counted without it.
    body_prefix: usize,
    body_shape: u64,
    client: PayloadCommands,
    server: PayloadCommands,
    either: PayloadCommands,
}

/// The longest command the generic reader takes.
const MAX_COMMAND: usize = 4096;
/// Places that look like a verb tried at most in one line.
const MAX_TRIES: usize = 32;
/// Prefix shapes remembered at most; past it those seen once are forgotten.
const MAX_SHAPES: usize = 4096;
/// How far before the command a direction marker is looked for.
const MARKER_REACH: usize = 48;

/// A command found in a line.
struct Found<'a> {
    /// Where the command starts (the prefix is what comes before).
    at: usize,
    /// The command, unescaped, without its line end.
    text: Cow<'a, [u8]>,
    /// More text followed the command's line end in the same string or element (a body
    /// printed inline).
    inline_body: bool,
    /// The direction marker nearest before it: send-like (`true`) or receive-like.
    marker: Option<bool>,
    /// The prefix's shape.
    shape: u64,
}

impl Generic {
    /// A reader that has learnt the prefixes and the markers' sense from `head`, the log's start.
    pub(super) fn new(head: &[u8]) -> Self {
        let mut counts: foldhash::HashMap<u64, u32> = foldhash::HashMap::default();
        // The start is enough to learn from; later prefixes are learnt as they come.
        let head = match head.get(..super::DETECT_PREFIX) {
            Some(start) => &start[..memchr::memrchr(b'\n', start).map_or(start.len(), |i| i + 1)],
            None => head,
        };
        // Votes on the sense of send-like markers: commands so marked shaped as a client's,
        // and as a server's (and the other way round for receive-like ones).
        let (mut straight, mut flipped) = (0usize, 0usize);
        for (_, line) in super::lines(head) {
            let Some(found) = find(line) else { continue };
            if counts.len() < MAX_SHAPES || counts.contains_key(&found.shape) {
                *counts.entry(found.shape).or_default() += 1;
            }
            if let (Some(send), Some(shape)) = (found.marker, shape_direction(&found.text)) {
                if send == (shape == Direction::ClientToServer) {
                    straight += 1;
                } else {
                    flipped += 1;
                }
            }
        }
        Generic {
            learnt: counts
                .into_iter()
                .filter(|&(_, n)| n >= 2)
                .map(|(shape, _)| shape)
                .collect(),
            seen: foldhash::HashMap::default(),
            flipped: flipped > straight,
            body_left: 0,
            body_first: false,
            body_prefix: 0,
            body_shape: 0,
            client: PayloadCommands::for_direction(Direction::ClientToServer),
            server: PayloadCommands::for_direction(Direction::ServerToClient),
            either: PayloadCommands::either_direction(),
        }
    }

    /// Whether the prefix shape repeats (learnt, or seen on an earlier line), noting it.
    fn repeats(&mut self, shape: u64) -> bool {
        if self.learnt.contains(&shape) {
            return true;
        }
        if let Some(twice) = self.seen.get_mut(&shape) {
            *twice = true;
            return true;
        }
        if self.seen.len() >= MAX_SHAPES {
            self.seen.retain(|_, twice| *twice);
            if self.seen.len() >= MAX_SHAPES {
                self.seen.clear();
            }
        }
        self.seen.insert(shape, false);
        false
    }
}

impl LineReader for Generic {
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>> {
        let found = find(text);
        if self.body_left > 0 {
            let first = std::mem::take(&mut self.body_first);
            // A body's first line that is a marked command line of the log: the body was not
            // printed (see `LineByLine::line`).
            let not_printed = first
                && found
                    .as_ref()
                    .is_some_and(|f| f.marker.is_some() && self.learnt.contains(&f.shape));
            if !not_printed {
                // A body line is counted without the logger's prefix, where it has one.
                let prefixed = text
                    .get(..self.body_prefix)
                    .is_some_and(|p| shape(p) == self.body_shape);
                let body = text.len() - if prefixed { self.body_prefix } else { 0 };
                self.body_left = self.body_left.saturating_sub(body + 2);
                return None;
            }
            self.body_left = 0;
        }
        let found = found?;
        if !self.repeats(found.shape) {
            return None;
        }
        let direction = match found.marker {
            Some(send) => Some(if send != self.flipped {
                Direction::ClientToServer
            } else {
                Direction::ServerToClient
            }),
            None => shape_direction(&found.text),
        };
        if !found.inline_body {
            let table = match direction {
                Some(Direction::ClientToServer) => &self.client,
                Some(Direction::ServerToClient) => &self.server,
                None => &self.either,
            };
            if let Announced::Payload(n) = table.announced(&found.text, DEFAULT_MAX_PAYLOAD) {
                self.body_left = n;
                self.body_first = n > 0;
                self.body_prefix = found.at;
                self.body_shape = found.shape;
            }
        }
        Some(Entry {
            line: number,
            time: find_clock(&text[..found.at]),
            conn: None,
            what: What::Command {
                direction,
                text: found.text,
            },
        })
    }
}

/// Bytes after which a command may start.
fn boundary(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'"'
            | b'\''
            | b'>'
            | b':'
            | b']'
            | b')'
            | b'|'
            | b'='
            | b'['
            | b'('
            | b','
            | b'{'
            | b';'
    )
}

/// The first command in `line`, if any.
fn find(line: &[u8]) -> Option<Found<'_>> {
    let mut from = 0;
    let mut tries = 0;
    while from + 3 <= line.len() {
        let i = from
            + line[from..]
                .iter()
                .position(|b| b.is_ascii_uppercase() || b.is_ascii_digit())?;
        from = i + 1;
        if i > 0 && !boundary(line[i - 1]) {
            continue;
        }
        let head = line.get(i..i + 3)?;
        // What may follow a verb: the end, a space, or where its string, element or line ends.
        let next = line.get(i + 3).copied();
        let verb_like = if head.iter().all(u8::is_ascii_digit) {
            // `913 12`: a space and a digit.
            next == Some(b' ') && line.get(i + 4).is_some_and(u8::is_ascii_digit)
        } else {
            matches!(
                next,
                None | Some(b' ' | b'\\' | b'"' | b'<' | b'\r' | b'\n')
            ) && is_verb([head[0], head[1], head[2]])
        };
        if !verb_like {
            continue;
        }
        if let Some(found) = command_at(line, i) {
            return Some(found);
        }
        // A log line holds its command among its first few verb-like places; a line of
        // thousands (hostile, or a dump) is not searched on, each look costing up to
        // MAX_COMMAND bytes.
        tries += 1;
        if tries == MAX_TRIES {
            return None;
        }
    }
    None
}

/// The command starting at `at`, if it is one.
fn command_at(line: &[u8], at: usize) -> Option<Found<'_>> {
    let before = at.checked_sub(1).map(|i| line[i]);
    let prefix = &line[..at];
    // No command is longer: its end is looked for this far at most (one byte more, which
    // makes one that runs on too long for `shaped`).
    let line = &line[..line.len().min(at + MAX_COMMAND + 1)];
    let (raw, json, xml) = if before == Some(b'"') && odd_quotes(prefix) {
        // A JSON string value: to the closing quote.
        let mut end = at;
        while end < line.len() && line[end] != b'"' {
            end += if line[end] == b'\\' { 2 } else { 1 };
        }
        (&line[at..end.min(line.len())], true, false)
    } else if before == Some(b'>') && xml_open(prefix) {
        // An XML element's text: to the next tag.
        let end = memchr::memchr(b'<', &line[at..]).map_or(line.len(), |i| at + i);
        (&line[at..end], false, true)
    } else {
        (&line[at..], false, false)
    };
    let text: Cow<'_, [u8]> = if json && memchr::memchr(b'\\', raw).is_some() {
        Cow::Owned(json_unescape(raw))
    } else if xml && memchr::memchr(b'&', raw).is_some() {
        Cow::Owned(xml_unescape(raw))
    } else {
        Cow::Borrowed(raw)
    };
    // The line end: real, or written as an escape in a line of text.
    let cut = |t: &[u8]| -> Option<usize> {
        let real = memchr::memchr2(b'\r', b'\n', t);
        let escaped = if json {
            None
        } else {
            // `\r\n` or `\n` written out.
            memchr::memchr_iter(b'\\', t)
                .find(|&i| t[i + 1..].starts_with(b"r\\n") || t[i + 1..].starts_with(b"n"))
        };
        match (real, escaped) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    };
    let (text, inline_body) = match cut(&text) {
        Some(end) => {
            let rest = &text[end..];
            let after = rest
                .iter()
                .position(|b| !matches!(b, b'\r' | b'\n' | b'\\' | b'r' | b'n'))
                .is_some();
            let kept = match text {
                Cow::Borrowed(t) => Cow::Borrowed(&t[..end]),
                Cow::Owned(mut t) => {
                    t.truncate(end);
                    Cow::Owned(t)
                }
            };
            (kept, after && (json || xml))
        }
        None => (text, false),
    };
    let text = match text {
        Cow::Borrowed(t) => Cow::Borrowed(t.trim_ascii_end()),
        Cow::Owned(t) => Cow::Owned(t.trim_ascii_end().to_vec()),
    };
    if !shaped(&text) {
        return None;
    }
    Some(Found {
        at,
        text,
        inline_body,
        marker: marker(&prefix[prefix.len().saturating_sub(MARKER_REACH)..]),
        shape: shape(prefix),
    })
}

/// Whether the prefix holds an odd number of unescaped quotes: the command is inside a string.
fn odd_quotes(prefix: &[u8]) -> bool {
    let mut n = 0;
    let mut i = 0;
    while i < prefix.len() {
        match prefix[i] {
            b'\\' => i += 1,
            b'"' => n += 1,
            _ => {}
        }
        i += 1;
    }
    n % 2 == 1
}

/// Whether the prefix ends in an XML start tag (`<line dir="out">`).
fn xml_open(prefix: &[u8]) -> bool {
    let Some(open) = memchr::memrchr(b'<', prefix) else {
        return false;
    };
    prefix.get(open + 1).is_some_and(u8::is_ascii_alphabetic)
}

fn json_unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            let (byte, len) = match raw[i + 1] {
                b'r' => (b'\r', 2),
                b'n' => (b'\n', 2),
                b't' => (b'\t', 2),
                b'"' => (b'"', 2),
                b'\\' => (b'\\', 2),
                b'/' => (b'/', 2),
                b'u' if i + 6 <= raw.len() => {
                    let hex = std::str::from_utf8(&raw[i + 2..i + 6]).ok();
                    match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
                        Some(c) => {
                            let mut buf = [0; 4];
                            let c = char::from_u32(c).unwrap_or('\u{FFFD}');
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            i += 6;
                            continue;
                        }
                        None => (b'\\', 1),
                    }
                }
                _ => (b'\\', 1),
            };
            out.push(byte);
            i += len;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

fn xml_unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = memchr::memchr(b'&', rest) {
        out.extend_from_slice(&rest[..i]);
        rest = &rest[i..];
        let (bytes, len): (&[u8], usize) = [
            (&b"&lt;"[..], &b"<"[..]),
            (b"&gt;", b">"),
            (b"&amp;", b"&"),
            (b"&quot;", b"\""),
            (b"&apos;", b"'"),
            (b"&#13;", b"\r"),
            (b"&#10;", b"\n"),
            (b"&#xD;", b"\r"),
            (b"&#xA;", b"\n"),
        ]
        .into_iter()
        .find(|(entity, _)| rest.starts_with(entity))
        .map_or((&b"&"[..], 1), |(entity, bytes)| (bytes, entity.len()));
        out.extend_from_slice(bytes);
        rest = &rest[len..];
    }
    out.extend_from_slice(rest);
    out
}

/// Commands without a TrID, and how many fields they have at least after the verb (`PNG`
/// none, `MSG Hotmail Hotmail 555` three).
const NO_TRID: &[(&[u8], usize)] = &[
    (b"PNG", 0),
    (b"OUT", 0),
    (b"QNG", 1),
    (b"CHL", 2),
    (b"MSG", 3),
    (b"NLN", 2),
    (b"FLN", 1),
    (b"UBX", 2),
    (b"NOT", 1),
    (b"RNG", 4),
    (b"JOI", 1),
    (b"BYE", 1),
];

/// Whether `text` has a command's shape (see the module's notes).
fn shaped(text: &[u8]) -> bool {
    if !super::is_command(text) || text.len() > MAX_COMMAND {
        return false;
    }
    if super::prose_like(text) {
        return false;
    }
    let mut fields = text.split(|&b| b == b' ').filter(|f| !f.is_empty());
    let verb = fields.next().unwrap_or_default();
    let first = fields.next();
    let count = usize::from(first.is_some()) + fields.count();
    let trid = first.is_some_and(|t| t.len() <= 10 && t.iter().all(u8::is_ascii_digit));
    if verb.iter().all(u8::is_ascii_digit) {
        return trid;
    }
    if verb == b"XFR" {
        return trid && msnp_xfr::parse_with(text, Mode::Lenient, None).is_ok();
    }
    if trid {
        return true;
    }
    NO_TRID
        .iter()
        .any(|&(v, n)| v == verb && count >= n && (n > 0 || count <= 1))
}

/// The direction a command's shape tells, where it does.
fn shape_direction(text: &[u8]) -> Option<Direction> {
    let verb = text.get(..3)?;
    let fields = text.split(|&b| b == b' ').filter(|f| !f.is_empty()).count();
    if verb.iter().all(u8::is_ascii_digit) {
        return Some(Direction::ServerToClient);
    }
    match verb {
        b"XFR" if fields == 3 => Some(Direction::ClientToServer),
        b"XFR" => Some(Direction::ServerToClient),
        b"PNG" | b"QRY" => Some(Direction::ClientToServer),
        b"QNG" | b"CHL" | b"NLN" | b"FLN" | b"ILN" | b"NOT" | b"UBX" | b"RNG" | b"JOI" => {
            Some(Direction::ServerToClient)
        }
        b"MSG" if fields == 4 && !text[4..].starts_with(b"0") => {
            // `MSG email name length` is the server's; a client's is `MSG TrID ack length`.
            let second = text[4..].split(|&b| b == b' ').next().unwrap_or_default();
            (!second.iter().all(u8::is_ascii_digit)).then_some(Direction::ServerToClient)
        }
        _ => None,
    }
}

/// Words that mark what was sent, and what was received.
const SEND_WORDS: &[&[u8]] = &[
    b"send",
    b"sent",
    b"sending",
    b"snd",
    b"tx",
    b"out",
    b"output",
    b"outgoing",
    b"write",
    b"wrote",
    b"writing",
    b"c",
];
const RECV_WORDS: &[&[u8]] = &[
    b"recv",
    b"received",
    b"receiving",
    b"rcv",
    b"rcvd",
    b"rx",
    b"in",
    b"input",
    b"incoming",
    b"read",
    b"s",
];

/// The direction marker nearest the end of `prefix`: `Some(true)` send-like.
fn marker(prefix: &[u8]) -> Option<bool> {
    let mut i = prefix.len();
    while i > 0 {
        i -= 1;
        let b = prefix[i];
        if b == b'>' || b == b'<' {
            // A run of arrows, maybe with a dash: `>>>`, `<-`, `->`, `>`.
            let mut start = i;
            while start > 0 && matches!(prefix[start - 1], b'>' | b'<' | b'-') {
                start -= 1;
            }
            let run = &prefix[start..=i];
            let standalone_before = start == 0
                || !prefix[start - 1].is_ascii_alphanumeric() && prefix[start - 1] != b'"';
            let standalone_after = prefix
                .get(i + 1)
                .is_none_or(|&a| !a.is_ascii_alphanumeric());
            if standalone_before && standalone_after {
                match run {
                    b">>>" | b">>" | b"->" | b">" | b"-->" => return Some(true),
                    b"<<<" | b"<<" | b"<-" | b"<" | b"<--" => return Some(false),
                    _ => {}
                }
            }
            i = start;
            continue;
        }
        if b.is_ascii_alphabetic() {
            let mut start = i;
            while start > 0 && prefix[start - 1].is_ascii_alphabetic() {
                start -= 1;
            }
            let word = &prefix[start..=i];
            // `C:`/`S:` only as such; other words as whole words.
            let single = word.len() == 1;
            let colon = prefix.get(i + 1) == Some(&b':');
            if !single || colon {
                let is = |words: &[&[u8]]| words.iter().any(|w| w.eq_ignore_ascii_case(word));
                if single && !matches!(word, b"C" | b"S") {
                    // Not a direction.
                } else if is(SEND_WORDS) {
                    return Some(true);
                } else if is(RECV_WORDS) {
                    return Some(false);
                }
            }
            i = start;
        }
    }
    None
}

/// The prefix's shape, as a number: digit runs and hexadecimal numbers, direction words and
/// arrows, and runs of spaces each made one symbol, so that lines of one logger share it.
fn shape(prefix: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut put = |b: u8| h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    let mut i = 0;
    while i < prefix.len() {
        let b = prefix[i];
        if b.is_ascii_alphanumeric() {
            let start = i;
            while i < prefix.len() && prefix[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let word = &prefix[start..i];
            let lower = |w: &&[u8]| w.eq_ignore_ascii_case(word);
            if word.iter().any(u8::is_ascii_digit) {
                put(b'0');
            } else if SEND_WORDS.iter().any(lower) || RECV_WORDS.iter().any(lower) {
                put(b'D');
            } else {
                word.iter().for_each(|&b| put(b.to_ascii_lowercase()));
            }
            continue;
        }
        match b {
            b'>' | b'<' | b'-' => {
                while i < prefix.len() && matches!(prefix[i], b'>' | b'<' | b'-') {
                    i += 1;
                }
                put(b'>');
                continue;
            }
            b' ' | b'\t' => {
                while i < prefix.len() && matches!(prefix[i], b' ' | b'\t') {
                    i += 1;
                }
                put(b' ');
                continue;
            }
            _ => put(b),
        }
        i += 1;
    }
    h
}

/// The first `HH:MM:SS` in `text`.
fn find_clock(text: &[u8]) -> Option<&[u8]> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b':', &text[from..]) {
        let colon = from + i;
        if colon >= 2 {
            if let Some(t) = super::clock(&text[colon - 2..]) {
                return Some(t);
            }
        }
        from = colon + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_hostile_line_costs_a_bounded_search() {
        // A megabyte of verb-like places, none a command with a prefix that repeats: each of
        // them looked at would cost the rest of the line.
        let line = b"x XFR 1 ".repeat(1 << 17);
        let start = std::time::Instant::now();
        // Each place's command would run past MAX_COMMAND: none is taken, each looked at
        // within it.
        assert!(find(&line).is_none());
        let mut reader = Generic::new(b"");
        for n in 1..=4 {
            assert!(reader.read(n, &line).is_none());
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_command_is_found_in_json_xml_and_after_a_prefix() {
        let f = find(
            br#"{"dir":"out","data":"XFR 7 SB
rest"}"#,
        )
        .unwrap();
        assert_eq!(
            (&*f.text, f.inline_body, f.marker),
            (&b"XFR 7 SB"[..], true, Some(true))
        );
        let f = find(b"<p dir=\"in\">913 7&#13;&#10;</p>").unwrap();
        assert_eq!((&*f.text, f.marker), (&b"913 7"[..], Some(false)));
        let f = find(b"12:00:01 [conn 3] <<< XFR 7 SB 10.0.0.1:1863 CKI 1.2\\r\\n").unwrap();
        assert_eq!(
            (&*f.text, f.marker),
            (&b"XFR 7 SB 10.0.0.1:1863 CKI 1.2"[..], Some(false))
        );
        for no in [
            &b"the client sends XFR 12 SB to ask."[..],
            b"printf(\"XFR %d SB\\r\\n\", trid);",
            b"use `XFR 12 SB` here",
            b"XFR means transfer",
        ] {
            assert!(find(no).is_none(), "{:?}", String::from_utf8_lossy(no));
        }
    }
}
