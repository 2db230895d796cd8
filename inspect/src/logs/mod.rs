//! Text logs: the formats people have MSNP traffic in, detected from the text itself, and read
//! into protocol lines with their direction, connection, time and line number.
//!
//! Each format lives in its own module and reads one line at a time; what they share is here:
//! the [`Entry`] they produce, the test for "looks like an MSNP command" that keeps prose and
//! other log lines out, detection, and the skipping of payload bodies in the formats that print
//! them as ordinary lines. A log no known format reads goes to the generic reader
//! (`generic.rs`), which finds commands after a prefix that repeats from line to line.

use std::borrow::Cow;

use msnp_xfr::{Announced, DEFAULT_MAX_PAYLOAD, Direction, PayloadCommands};

mod amsn;
mod escargot;
mod generic;
mod kopete;
mod miranda;
mod papyon;
mod pecan;
mod purple;
mod transcript;

/// A log format this tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// msnp-xfr's own transcripts: `C: `/`S: `, `>>> `/`<<< ` (and `>> `/`<< `).
    Transcript,
    /// One-character transcripts: `> ` client → server, `< ` server → client.
    OneChar,
    /// The libpurple (Pidgin, Finch) debug log: `(HH:MM:SS) msn: C: NS 000: XFR 12 SB`.
    Purple,
    /// A revival server's log, Escargot style: `NS/9d15 >>> XFR 12 SB`.
    Escargot,
    /// papyon / emesene 2 console output: `[HH:MM:SS DEBUG papyon.transport] >>> XFR 20 SB`.
    Papyon,
    /// emesene's debug window: `(HH:MM:SS) papyon.transport:>>> XFR 20 SB`, HTML-escaped or not.
    Emesene,
    /// aMSN's protocol console: `[09:14:03] ->ns-sock4 XFR 12 SB`, `<-sb-sock9 …`; `->NS …`.
    Amsn,
    /// msn-pecan's debug log, plain or behind libpurple's prefix:
    /// `INFO cmd/cmdproc.c:110:show_debug_cmd() C: 000: ns: XFR 12 SB`.
    Pecan,
    /// Kopete's MSN plugin, its raw-protocol debug output:
    /// `kopete (msn - raw protocol): [void MSNSocket::slotReadyWrite()] Sending command: XFR 12 SB`.
    Kopete,
    /// Miranda IM / NG's network log: `Data sent` dumps and the MSN plugin's `RECV:` lines.
    Miranda,
    /// No format this tool knows: MSNP commands found inside any log text, after a prefix that
    /// repeats from line to line, in JSON strings or XML elements (see the generic reader's
    /// notes). Tried only when no known format finds a command line.
    Generic,
}

impl Format {
    /// Every known format, in the order detection prefers them on a tie (the generic reader,
    /// tried after them all, is not among them).
    pub const ALL: [Format; 10] = [
        Format::Purple,
        Format::Pecan,
        Format::Kopete,
        Format::Miranda,
        Format::Escargot,
        Format::Papyon,
        Format::Emesene,
        Format::Amsn,
        Format::Transcript,
        Format::OneChar,
    ];

    /// The name `--format` takes: `"purple"`.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Transcript => "transcript",
            Format::OneChar => "onechar",
            Format::Purple => "purple",
            Format::Escargot => "escargot",
            Format::Papyon => "papyon",
            Format::Emesene => "emesene",
            Format::Amsn => "amsn",
            Format::Pecan => "pecan",
            Format::Kopete => "kopete",
            Format::Miranda => "miranda",
            Format::Generic => "generic",
        }
    }

    /// What the format is, for people: `"libpurple debug log"`.
    pub const fn description(self) -> &'static str {
        match self {
            Format::Transcript => "C:/S: or >>>/<<< transcript",
            Format::OneChar => "one-character >/< transcript",
            Format::Purple => "libpurple debug log",
            Format::Escargot => "revival-server log, Escargot style",
            Format::Papyon => "papyon/emesene console",
            Format::Emesene => "emesene debug window",
            Format::Amsn => "aMSN protocol console",
            Format::Pecan => "msn-pecan debug log",
            Format::Kopete => "Kopete MSN debug output",
            Format::Miranda => "Miranda network log",
            Format::Generic => "log of no known format, by the generic reader",
        }
    }

    /// The format named `name` (see [`name`](Format::name)).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .chain([Format::Generic])
            .find(|f| f.name() == name)
    }

    /// Whether payload bodies appear in the log as ordinary lines after their command, to be
    /// skipped by the announced length. The other formats print commands only (or print bodies
    /// on lines of their own shape), so nothing is skipped by count there.
    const fn bodies_as_lines(self) -> bool {
        matches!(self, Format::Transcript | Format::OneChar | Format::Kopete)
    }
}

/// The connection a line belongs to, where the format can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conn<'a> {
    /// A number that tells the format's connections apart.
    pub key: u64,
    /// The format's name for it: `NS 000`, `NS/9d15`, the papyon connection's `host:port`
    /// (bytes of the line, made text only for what is reported).
    pub label: &'a [u8],
}

/// What a protocol line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What<'a> {
    /// A command, as sent: markup and escapes undone, without CR LF.
    Command {
        /// Which way it travelled, where the line says.
        direction: Option<Direction>,
        /// The command line.
        text: Cow<'a, [u8]>,
    },
    /// A connection was opened (`con`, `<-> Connecting to`): what was known of it before ends.
    Open,
    /// A connection was closed (`dis`).
    Close,
}

/// One protocol line of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The 1-based line number in the file.
    pub line: usize,
    /// The log's own timestamp, as written (ASCII).
    pub time: Option<&'a [u8]>,
    /// The connection, where the format tells.
    pub conn: Option<Conn<'a>>,
    /// The command, or the connection event.
    pub what: What<'a>,
}

/// Reads one format line by line. Formats that follow connections across lines keep state, but
/// never text of the log: a log can then be read a piece at a time.
trait LineReader {
    /// The protocol line `text` (line end stripped) holds, if any.
    fn read<'a>(&mut self, number: usize, text: &'a [u8]) -> Option<Entry<'a>>;
}

/// The reader of one format: an enum rather than a trait object, so that the per-line call is a
/// predictable branch the compiler can inline through.
enum Reader {
    Transcript(transcript::Transcript),
    OneChar(transcript::OneChar),
    Purple(purple::Purple),
    Escargot(escargot::Escargot),
    Papyon(papyon::Papyon),
    Amsn(amsn::Amsn),
    Pecan(pecan::Pecan),
    Kopete(kopete::Kopete),
    Miranda(miranda::Miranda),
    Generic(Box<generic::Generic>),
}

impl Reader {
    fn new(format: Format, text: &[u8]) -> Self {
        match format {
            Format::Transcript => Reader::Transcript(transcript::Transcript),
            Format::OneChar => Reader::OneChar(transcript::OneChar::new(text)),
            Format::Purple => Reader::Purple(purple::Purple),
            Format::Escargot => Reader::Escargot(escargot::Escargot),
            Format::Papyon => Reader::Papyon(papyon::Papyon::console()),
            Format::Emesene => Reader::Papyon(papyon::Papyon::window()),
            Format::Amsn => Reader::Amsn(amsn::Amsn::default()),
            Format::Pecan => Reader::Pecan(pecan::Pecan),
            Format::Kopete => Reader::Kopete(kopete::Kopete::default()),
            Format::Miranda => Reader::Miranda(miranda::Miranda::default()),
            Format::Generic => Reader::Generic(Box::new(generic::Generic::new(text))),
        }
    }

    #[inline(always)]
    fn read<'a>(&mut self, number: usize, line: &'a [u8]) -> Option<Entry<'a>> {
        match self {
            Reader::Transcript(r) => r.read(number, line),
            Reader::OneChar(r) => r.read(number, line),
            Reader::Purple(r) => r.read(number, line),
            Reader::Escargot(r) => r.read(number, line),
            Reader::Papyon(r) => r.read(number, line),
            Reader::Amsn(r) => r.read(number, line),
            Reader::Pecan(r) => r.read(number, line),
            Reader::Kopete(r) => r.read(number, line),
            Reader::Miranda(r) => r.read(number, line),
            Reader::Generic(r) => r.read(number, line),
        }
    }
}

/// The lines of `text`: 1-based number and content without its line end (LF, CRLF).
pub fn lines(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = text;
    let mut number = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        number += 1;
        Some((number, line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

/// The protocol lines of `text` read as `format`, payload bodies skipped.
pub fn read(text: &[u8], format: Format) -> impl Iterator<Item = Entry<'_>> {
    let mut reader = LineByLine::new(format, text);
    lines(text).filter_map(move |(number, line)| reader.line(number, line))
}

/// A log read one line at a time, in order, as it comes: the format's reader and the payload
/// body being skipped, with no text of the log kept between lines.
pub struct LineByLine {
    format: Format,
    reader: Reader,
    /// Bytes of a payload body still to skip (formats that print bodies as lines).
    body_left: usize,
    /// The next line is the body's first, which tells whether the body was printed at all.
    body_first: bool,
    client: PayloadCommands,
    server: PayloadCommands,
    either: PayloadCommands,
}

impl LineByLine {
    /// A reader of `format`; `head` is the log's start, from which a format may learn its
    /// layout (a one-character transcript in a Markdown fence).
    pub fn new(format: Format, head: &[u8]) -> Self {
        LineByLine {
            format,
            reader: Reader::new(format, head),
            body_left: 0,
            body_first: false,
            client: PayloadCommands::for_direction(Direction::ClientToServer),
            server: PayloadCommands::for_direction(Direction::ServerToClient),
            either: PayloadCommands::either_direction(),
        }
    }

    /// The protocol line `line` (the 1-based line `number`, its line end stripped) holds, if
    /// any; lines of a payload body give none.
    #[inline(always)]
    pub fn line<'a>(&mut self, number: usize, line: &'a [u8]) -> Option<Entry<'a>> {
        if self.body_left > 0 && std::mem::take(&mut self.body_first) {
            // Some logs print a payload command without its body (msn-pecan prints `MSG
            // Hotmail Hotmail 555` and then the next command). The first line of every MSNP
            // payload is a MIME header, XML, a hash, a list or binary, never a command: a first
            // line that is a command line of the log, marked with its direction, means the body
            // was not printed, and nothing is skipped. (Unless it is all of the body to the
            // byte: such a body of one command-like line stays a body.)
            if let Some(entry) = self.reader.read(number, line) {
                if matches!(&entry.what, What::Command { text, direction: Some(_) }
                    if is_command(text) && text.len() + 2 != self.body_left)
                {
                    self.body_left = 0;
                    return Some(self.announced(entry));
                }
            }
        }
        if self.body_left > 0 {
            // Each body line is counted as its text (without the format's direction prefix)
            // and CRLF.
            let body = match self.format {
                Format::OneChar => transcript::one_char(line).map_or(line, |(_, text)| text),
                _ => transcript::split_prefix(line).1,
            };
            self.body_left = self.body_left.saturating_sub(body.len() + 2);
            return None;
        }
        let entry = self.reader.read(number, line)?;
        Some(self.announced(entry))
    }

    /// `entry`, the payload it announces (in formats that print bodies as lines) to be skipped.
    #[inline]
    fn announced<'a>(&mut self, entry: Entry<'a>) -> Entry<'a> {
        if self.format.bodies_as_lines() {
            if let What::Command { direction, text } = &entry.what {
                let table = match direction {
                    Some(Direction::ClientToServer) => &self.client,
                    Some(Direction::ServerToClient) => &self.server,
                    None => &self.either,
                };
                // A length no payload can have skips nothing: every later line of a text log
                // is still a line.
                if let Announced::Payload(n) = table.announced(text, DEFAULT_MAX_PAYLOAD) {
                    self.body_left = n;
                    self.body_first = n > 0;
                }
            }
        }
        entry
    }
}

/// Verbs of MSNP2–MSNP21 commands, for telling protocol lines from prose.
pub(crate) const VERBS: &[&[u8; 3]] = &[
    b"ACK", b"ADC", b"ADD", b"ADG", b"ADL", b"ANS", b"BLP", b"BPR", b"BYE", b"CAL", b"CHG", b"CHL",
    b"CVR", b"DEL", b"FLN", b"FQY", b"GCF", b"GTC", b"ILN", b"INF", b"IPG", b"IRO", b"JOI", b"LSG",
    b"LST", b"MSG", b"NAK", b"NFY", b"NLN", b"NOT", b"OUT", b"PNG", b"PRP", b"PUT", b"QNG", b"QRY",
    b"REA", b"REG", b"REM", b"RMG", b"RML", b"RNG", b"SBP", b"SBS", b"SDC", b"SDG", b"SND", b"SYN",
    b"UBN", b"UBX", b"URL", b"USR", b"UUN", b"UUX", b"VER", b"XFR",
];

/// Whether `text` reads as an MSNP command: a known verb, or a numeric reply `CODE TrID …`,
/// followed by a space or the end.
pub fn is_command(text: &[u8]) -> bool {
    match text {
        [a, b, c, rest @ ..] if rest.is_empty() || rest[0] == b' ' => {
            let verb = [*a, *b, *c];
            if verb.iter().all(u8::is_ascii_digit) {
                return rest.get(1).is_some_and(u8::is_ascii_digit);
            }
            is_verb(verb)
        }
        _ => false,
    }
}

/// The verbs as numbers, sorted, for a binary search: a line's verb is looked up on nearly
/// every line of a log, and a walk through 56 of them cost more than the rest of the test.
const VERB_CODES: [u32; VERBS.len()] = {
    let mut codes = [0; VERBS.len()];
    let mut i = 0;
    while i < VERBS.len() {
        codes[i] = verb_code(*VERBS[i]);
        i += 1;
    }
    codes
};

const fn verb_code(v: [u8; 3]) -> u32 {
    ((v[0] as u32) << 16) | ((v[1] as u32) << 8) | v[2] as u32
}

/// Whether `verb` is one of [`VERBS`].
#[inline]
pub(crate) fn is_verb(verb: [u8; 3]) -> bool {
    VERB_CODES.binary_search(&verb_code(verb)).is_ok()
}

/// Whether a line that reads as a command is rather prose or source code: a field after the
/// verb ends like a word of a sentence (`,` `.` `;` `:` `!` `?` `)`) or holds quotes,
/// backticks, `%` or brackets of code. No MSNP command has such fields (cookies and versions
/// hold dots inside, never at the end).
pub(crate) fn prose_like(text: &[u8]) -> bool {
    text.split(|&b| b == b' ').skip(1).any(|f| {
        matches!(
            f.last(),
            Some(b',' | b'.' | b';' | b':' | b'!' | b'?' | b')')
        ) || f
            .iter()
            .any(|b| matches!(b, b'`' | b'"' | b'%' | b'(' | b'{' | b'}'))
    })
}

/// Where `needle` first is in `hay`. For the short needles and lines of logs, a search for its
/// first byte and a comparison beat building `memchr::memmem`'s searcher on every line (which
/// took half the time of reading a Kopete log).
#[inline]
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    memchr::memchr_iter(first, hay).find(|&i| hay[i + 1..].starts_with(rest))
}

/// Strips leading spaces, tabs and carriage returns (emesene 1 starts each of its lines with
/// a CR, to overwrite what the console showed).
#[inline]
fn trim_start(text: &[u8]) -> &[u8] {
    match text.first() {
        Some(b' ' | b'\t' | b'\r') => {
            let n = text
                .iter()
                .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r'))
                .count();
            &text[n..]
        }
        _ => text,
    }
}

/// Forum markup (BBCode) that people wrap around what they paste: tags of these names are taken
/// out of a command wherever they are, with their values (`[color=#0000FF]`).
const MARKUP_TAGS: &[&[u8]] = &[
    b"email", b"url", b"color", b"colour", b"b", b"i", b"u", b"s", b"code", b"quote", b"size",
    b"font", b"tt",
];

/// The length of the forum tag at the start of `text` (`[email]`, `[/url]`, `[color=red]`), if
/// one is.
fn markup_tag(text: &[u8]) -> Option<usize> {
    let inner = text.strip_prefix(b"[")?;
    let inner = inner.strip_prefix(b"/").unwrap_or(inner);
    // Most brackets are no tag (`[09:14:03]`): told at once.
    if !inner.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let close = memchr::memchr(b']', inner)?;
    let tag = &inner[..close];
    let name = tag.split(|&b| b == b'=').next().unwrap_or(tag);
    // A value never holds a space in what forums write; a time `[09:14:03]` is no tag.
    let known = MARKUP_TAGS.iter().any(|t| t.eq_ignore_ascii_case(name));
    (known && !tag.contains(&b' ')).then_some(text.len() - inner.len() + close + 1)
}

/// Forum markup undone: `USR 5 OK [email]a@b.com[/email] 1 0` → `USR 5 OK a@b.com 1 0`.
fn unmarkup(text: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'[', text) else {
        return Cow::Borrowed(text);
    };
    if !memchr::memchr_iter(b'[', &text[first..]).any(|i| markup_tag(&text[first + i..]).is_some())
    {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = memchr::memchr(b'[', rest) {
        out.extend_from_slice(&rest[..i]);
        rest = &rest[i..];
        match markup_tag(rest) {
            Some(n) => rest = &rest[n..],
            None => {
                out.push(b'[');
                rest = &rest[1..];
            }
        }
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

/// `text` without the forum tags wrapped around it as a whole (`[color=red]…[/color]`), which
/// a pasted log puts around whole lines.
#[inline]
fn unwrap_markup(mut text: &[u8]) -> &[u8] {
    if !matches!(text.first(), Some(b'[')) && !text.ends_with(b"]") {
        return text;
    }
    while let Some(n) = markup_tag(text) {
        text = &text[n..];
    }
    while text.ends_with(b"]") {
        let Some(open) = memchr::memrchr(b'[', text) else {
            break;
        };
        match markup_tag(&text[open..]) {
            Some(n) if open + n == text.len() => text = text[..open].trim_ascii_end(),
            _ => break,
        }
    }
    text
}

/// `HH:MM:SS` at the start of `text`.
fn clock(text: &[u8]) -> Option<&[u8]> {
    let t = text.get(..8)?;
    let digits = |i: usize| t[i].is_ascii_digit() && t[i + 1].is_ascii_digit();
    (digits(0) && t[2] == b':' && digits(3) && t[5] == b':' && digits(6)).then_some(t)
}

/// How much of a file detection reads first; all of it only when that part holds nothing.
const DETECT_PREFIX: usize = 64 * 1024;

/// Each known format's score on `text`: the MSNP command lines it finds, those whose direction
/// the format tells counting twice; best first.
fn score(text: &[u8]) -> Vec<(Format, usize)> {
    let mut scores: Vec<(Format, usize)> = Format::ALL
        .into_iter()
        .map(|format| {
            // Read as it would be read, payload bodies skipped: command-like lines of a body (a
            // Miranda dump's, a Kopete chunk's) must not win the log for the transcript, which
            // reads any bare command line.
            let mut reader = LineByLine::new(format, text);
            // A command whose direction the format tells counts twice: a transcript's
            // unprefixed lines are commands too, and so are the body lines other formats print
            // bare (an Escargot log's `MSG` bodies), which must not win it for the transcript.
            let n = lines(text)
                .filter_map(|(number, line)| reader.line(number, line))
                .map(|e| match &e.what {
                    What::Command { text, direction } if is_command(text) => {
                        1 + usize::from(direction.is_some())
                    }
                    _ => 0,
                })
                .sum();
            (format, n)
        })
        .collect();
    // Stable: ties keep the order of `Format::ALL`.
    scores.sort_by_key(|s| std::cmp::Reverse(s.1));
    scores
}

/// The start of `text` detection reads first, cut at a line end so that its last line is whole.
fn detection_prefix(text: &[u8]) -> &[u8] {
    match text.get(..DETECT_PREFIX) {
        Some(head) => &head[..memchr::memrchr(b'\n', head).map_or(head.len(), |i| i + 1)],
        None => text,
    }
}

/// Each known format's score on `text` (see [`detect`]): on its first 64 KiB, or on all of it
/// when no format finds a command line there; best first.
pub fn scores(text: &[u8]) -> Vec<(Format, usize)> {
    let prefix = detection_prefix(text);
    let first = score(prefix);
    if first[0].1 > 0 || prefix.len() == text.len() {
        first
    } else {
        score(text)
    }
}

/// Whether the generic reader finds a command line in `text`.
fn generic_finds(text: &[u8]) -> bool {
    let mut generic = Reader::new(Format::Generic, text);
    lines(text).any(|(number, line)| generic.read(number, line).is_some())
}

/// The format of `text`: the known one that finds the most MSNP command lines in its first
/// 64 KiB, else the generic reader if it finds one there; failing both, the same on all of it.
pub fn detect(text: &[u8]) -> Option<Format> {
    let decide = |text: &[u8]| {
        let best = score(text)[0];
        if best.1 > 0 {
            Some(best.0)
        } else {
            generic_finds(text).then_some(Format::Generic)
        }
    };
    let prefix = detection_prefix(text);
    decide(prefix).or_else(|| (prefix.len() < text.len()).then(|| decide(text)).flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_told_from_prose() {
        for yes in [
            &b"XFR 12 SB"[..],
            b"VER 1 MSNP8 CVR0",
            b"913 12",
            b"241 5 7",
            b"PNG",
            b"MSG Hotmail Hotmail 95",
        ] {
            assert!(is_command(yes), "{yes:?}");
        }
        for no in [
            &b"The END"[..],
            b"XFRS",
            b"xfr 1 SB",
            b"913",
            b"123 abc",
            b"ABC 1",
            b"",
            b"XF",
        ] {
            assert!(!is_command(no), "{no:?}");
        }
    }

    #[test]
    fn verbs_are_sorted_for_the_search() {
        assert!(VERB_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(VERBS.iter().all(|v| is_verb(**v)));
        assert!(!is_verb(*b"XFS") && !is_verb(*b"AAA") && !is_verb(*b"ZZZ"));
    }

    #[test]
    fn lines_are_numbered_and_stripped() {
        let got: Vec<_> = lines(b"a\r\nb\n\nc").collect();
        assert_eq!(got, [(1, &b"a"[..]), (2, b"b"), (3, b""), (4, b"c")]);
    }

    #[test]
    fn markup_is_undone() {
        assert_eq!(
            &*unmarkup(b"USR 5 OK [email]a@b.com[/email] 1 0"),
            b"USR 5 OK a@b.com 1 0"
        );
        assert_eq!(
            &*unmarkup(b"[COLOR=#0000ff]XFR 3 NS[/COLOR] [url=http://x]y[/url]"),
            b"XFR 3 NS y"
        );
        // Brackets that are no tag stay: a time, an IPv6 address, a list.
        assert!(matches!(unmarkup(b"XFR 1 SB"), Cow::Borrowed(_)));
        assert!(matches!(
            unmarkup(b"[09:14:03] [::1]:1863 [a b]"),
            Cow::Borrowed(_)
        ));
        assert_eq!(&*unmarkup(b"a [x] [email]c"), b"a [x] c");
        assert_eq!(
            unwrap_markup(b"[color=red][b]XFR 1 SB[/b][/color]"),
            b"XFR 1 SB"
        );
        assert_eq!(unwrap_markup(b"XFR 1 SB [x]"), b"XFR 1 SB [x]");
    }

    #[test]
    fn clock_reads_only_a_time() {
        assert_eq!(clock(b"12:34:56) msn"), Some(&b"12:34:56"[..]));
        assert_eq!(clock(b"12:34:5x"), None);
        assert_eq!(clock(b"12:34"), None);
    }
}
