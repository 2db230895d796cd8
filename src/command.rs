//! What surrounds XFR in a real connection: which way a line travels, which commands carry a
//! payload, numeric error replies, and how a line is told apart from its neighbours.

use core::fmt;

use crate::value::TrId;
use crate::version::Version;

/// Which way a line travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client to the server (`C:` or `>>>` in transcripts).
    ClientToServer,
    /// From the server to the client (`S:` or `<<<` in transcripts).
    ServerToClient,
}

impl Direction {
    /// `"C"` for client → server, `"S"` for server → client.
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::ClientToServer => "C",
            Direction::ServerToClient => "S",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// How many verbs a [`PayloadCommands`] table holds at most.
pub const MAX_PAYLOAD_COMMANDS: usize = 32;

/// The commands whose line is followed by a payload of N bytes, N being the line's last field.
///
/// The defaults are the protocol notes' table, per direction; a caller who knows better (a
/// server with its own commands) builds its own with [`with`](PayloadCommands::with) and
/// [`without`](PayloadCommands::without).
///
/// Numeric replies are in the table too ([`numeric_replies`](PayloadCommands::numeric_replies)):
/// from MSNP13 on, a reply `CODE TrID LENGTH` (`241 5 7`, answering an `ADL`) is followed by
/// LENGTH bytes, while `CODE TrID` (`913 12`) has none. The server's table and the
/// either-direction table say so; the client's does not (clients send no numeric replies).
///
/// ```
/// use msnp_xfr::{Direction, PayloadCommands};
///
/// let server = PayloadCommands::for_direction(Direction::ServerToClient);
/// assert!(server.contains("MSG") && server.contains("NOT"));
/// assert!(!server.contains("QRY"), "from the server, QRY is an acknowledgement");
/// let custom = server.without("NOT").with("ZZZ").unwrap();
/// assert!(!custom.contains("NOT") && custom.contains("ZZZ"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PayloadCommands {
    verbs: [[u8; 3]; MAX_PAYLOAD_COMMANDS],
    /// Each verb's three bytes in a `u32`, so a lookup is a few integer compares; [`NO_KEY`]
    /// in the unused slots.
    keys: [u32; MAX_PAYLOAD_COMMANDS],
    len: usize,
    /// Whether `CODE TrID LENGTH` replies carry a payload.
    numeric: bool,
}

/// An unused slot's key: no verb's (a key's top byte is 0).
const NO_KEY: u32 = u32::MAX;

/// A three-byte verb as a lookup key.
fn key(verb: &[u8]) -> Option<u32> {
    match *verb {
        [a, b, c] => Some(u32::from_le_bytes([a, b, c, 0])),
        _ => None,
    }
}

const SERVER_PAYLOADS: &[&str] = &[
    "MSG", "NOT", "UBX", "GCF", "IPG", "UBN", "ADL", "RML", "FQY", "NFY", "SDG", "PUT", "DEL",
];
const CLIENT_PAYLOADS: &[&str] = &[
    "MSG", "QRY", "UUX", "ADL", "RML", "FQY", "UUN", "PUT", "SDG", "UBN",
];

impl PayloadCommands {
    /// No command carries a payload.
    pub const fn empty() -> Self {
        PayloadCommands {
            verbs: [[0; 3]; MAX_PAYLOAD_COMMANDS],
            keys: [NO_KEY; MAX_PAYLOAD_COMMANDS],
            len: 0,
            numeric: false,
        }
    }

    /// The protocol notes' table for one direction.
    pub fn for_direction(direction: Direction) -> Self {
        match direction {
            Direction::ServerToClient => {
                Self::from_known(SERVER_PAYLOADS).with_numeric_replies(true)
            }
            Direction::ClientToServer => Self::from_known(CLIENT_PAYLOADS),
        }
    }

    /// The commands that carry a payload in *both* directions: the safe table when a line's
    /// direction is unknown (`QRY`, say, is a payload command only from the client). Numeric
    /// replies with a length keep their payload: only servers send numeric replies.
    pub fn either_direction() -> Self {
        let client = Self::from_known(CLIENT_PAYLOADS);
        let mut out = Self::empty().with_numeric_replies(true);
        for verb in SERVER_PAYLOADS {
            if client.contains(verb) {
                out = out.with(verb).unwrap_or(out);
            }
        }
        out
    }

    /// The table with numeric replies `CODE TrID LENGTH` carrying a payload (`true`) or not.
    pub const fn with_numeric_replies(mut self, carry: bool) -> Self {
        self.numeric = carry;
        self
    }

    /// Whether numeric replies `CODE TrID LENGTH` carry a payload.
    pub const fn numeric_replies(&self) -> bool {
        self.numeric
    }

    /// The payload length that `line` announces, by this table: `None` when the line's command
    /// carries no payload or its last field is no number. Leading zeros are a length like any
    /// other; a length past `u64::MAX` reads as `u64::MAX`. Whether a length is believable is
    /// the reader's call ([`DecoderConfig::max_payload`](crate::DecoderConfig::max_payload)).
    ///
    /// ```
    /// use msnp_xfr::{Direction, PayloadCommands};
    ///
    /// let server = PayloadCommands::for_direction(Direction::ServerToClient);
    /// assert_eq!(server.payload_len(b"MSG Hotmail Hotmail 0095\r\n"), Some(95));
    /// assert_eq!(server.payload_len(b"241 5 7\r\n"), Some(7));
    /// assert_eq!(server.payload_len(b"913 5\r\n"), None);
    /// assert_eq!(server.payload_len(b"ADL 12 OK\r\n"), None);
    /// assert_eq!(server.payload_len(b"MSG 1 N 99999999999999999999999\r\n"), Some(u64::MAX));
    /// ```
    pub fn payload_len(&self, line: &[u8]) -> Option<u64> {
        payload_len(line, &classify(line), self)
    }

    /// What `line` announces about the bytes after it, with lengths past `max` (usually
    /// [`DEFAULT_MAX_PAYLOAD`](crate::DEFAULT_MAX_PAYLOAD)) refused as no real payload: the
    /// reading the [`Decoder`](crate::Decoder) uses, for readers of other framings (text logs).
    ///
    /// ```
    /// use msnp_xfr::{Announced, DEFAULT_MAX_PAYLOAD, Direction, PayloadCommands};
    ///
    /// let server = PayloadCommands::for_direction(Direction::ServerToClient);
    /// assert_eq!(server.announced(b"NOT 0042", DEFAULT_MAX_PAYLOAD), Announced::Payload(42));
    /// assert_eq!(server.announced(b"NOT 99999999999999999999", DEFAULT_MAX_PAYLOAD), Announced::TooLong);
    /// assert_eq!(server.announced(b"CHG 1 NLN 0", DEFAULT_MAX_PAYLOAD), Announced::Nothing);
    /// ```
    pub fn announced(&self, line: &[u8], max: usize) -> Announced {
        announced(line, &classify(line), self, max)
    }

    fn from_known(verbs: &[&str]) -> Self {
        verbs
            .iter()
            .fold(Self::empty(), |set, v| set.with(v).unwrap_or(set))
    }

    /// The table plus `verb` (three upper-case ASCII letters). `None` if `verb` is not such a
    /// verb or the table is full.
    pub fn with(mut self, verb: &str) -> Option<Self> {
        let verb: [u8; 3] = verb.as_bytes().try_into().ok()?;
        if !verb.iter().all(u8::is_ascii_uppercase) {
            return None;
        }
        let key = key(&verb)?;
        if !self.keys[..self.len].contains(&key) {
            *self.verbs.get_mut(self.len)? = verb;
            *self.keys.get_mut(self.len)? = key;
            self.len += 1;
        }
        Some(self)
    }

    /// The table without `verb`.
    pub fn without(mut self, verb: &str) -> Self {
        let Some(key) = key(verb.as_bytes()) else {
            return self;
        };
        if let Some(i) = self.keys[..self.len].iter().position(|&v| v == key) {
            self.verbs.copy_within(i + 1..self.len, i);
            self.keys.copy_within(i + 1..self.len, i);
            self.len -= 1;
            // Unused slots stay blank, so equal tables compare equal.
            self.verbs[self.len] = [0; 3];
            self.keys[self.len] = NO_KEY;
        }
        self
    }

    /// Whether `verb` carries a payload.
    pub fn contains(&self, verb: &str) -> bool {
        self.contains_bytes(verb.as_bytes())
    }

    pub(crate) fn contains_bytes(&self, verb: &[u8]) -> bool {
        // Every slot, without stopping early: one vectorised comparison, asked on every line.
        key(verb).is_some_and(|key| self.keys.iter().fold(false, |found, &k| found | (k == key)))
    }

    /// The verbs in the table.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.verbs[..self.len]
            .iter()
            .filter_map(|v| core::str::from_utf8(v).ok())
    }
}

impl fmt::Debug for PayloadCommands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let numeric = self.numeric.then_some("CODE TrID LENGTH");
        f.debug_set().entries(self.iter()).entries(numeric).finish()
    }
}

/// A numeric reply code, as a server sends instead of an XFR (`913 5`).
///
/// Codes the protocol notes name have a [`meaning`](ErrorCode::meaning); others are kept as
/// numbers.
///
/// ```
/// use msnp_xfr::ErrorCode;
/// assert_eq!(ErrorCode(913).meaning(), Some("not allowed while hidden or offline"));
/// assert_eq!(ErrorCode(999).meaning(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrorCode(pub u16);

impl ErrorCode {
    /// 201: invalid parameter (some servers, for a non-SB request).
    pub const INVALID_PARAMETER: ErrorCode = ErrorCode(201);
    /// 280: switchboard failed.
    pub const SWITCHBOARD_FAILED: ErrorCode = ErrorCode(280);
    /// 281: transfer to switchboard failed.
    pub const TRANSFER_FAILED: ErrorCode = ErrorCode(281);
    /// 500: internal server error.
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(500);
    /// 600: server busy.
    pub const SERVER_BUSY: ErrorCode = ErrorCode(600);
    /// 601: server unavailable.
    pub const SERVER_UNAVAILABLE: ErrorCode = ErrorCode(601);
    /// 800: changing too rapidly (rate limit).
    pub const RATE_LIMITED: ErrorCode = ErrorCode(800);
    /// 911: authentication failed (on the USR → XFR path).
    pub const AUTH_FAILED: ErrorCode = ErrorCode(911);
    /// 913: not allowed while hidden or offline.
    pub const NOT_WHILE_HIDDEN: ErrorCode = ErrorCode(913);

    /// What the code means in reply to an XFR, for the codes the protocol notes list.
    pub const fn meaning(self) -> Option<&'static str> {
        Some(match self.0 {
            201 => "invalid parameter",
            280 => "switchboard failed",
            281 => "transfer to switchboard failed",
            500 => "internal server error",
            600 => "server busy",
            601 => "server unavailable",
            800 => "changing too rapidly",
            911 => "authentication failed",
            913 => "not allowed while hidden or offline",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meaning() {
            Some(m) => write!(f, "{} ({m})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// A numeric reply line `CODE TrID`: an error in answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorReply {
    /// The code.
    pub code: ErrorCode,
    /// The TrID of the request it answers.
    pub trid: TrId,
}

/// What kind of line this is, from its first fields; the line is not otherwise checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineClass<'a> {
    /// An XFR line (still to be parsed).
    Xfr,
    /// `CODE TrID …`.
    Reply(ErrorReply),
    /// Any other command, by its verb (the first field's bytes; made text only where an event
    /// shows it, see [`verb_text`]).
    Command(&'a [u8]),
    /// Nothing but whitespace.
    Blank,
}

/// A line without its line end.
fn body(line: &[u8]) -> &[u8] {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    body.strip_suffix(b"\r").unwrap_or(body)
}

fn is_blank(b: &u8) -> bool {
    *b == b' ' || *b == b'\t'
}

/// The fields of a line, split on runs of spaces and tabs, line end removed.
pub(crate) fn fields(line: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    body(line).split(is_blank).filter(|f| !f.is_empty())
}

/// The first field of `text` and what follows it (called once or twice a line, so a plain
/// scan, not the `fields` iterator).
fn first_field(text: &[u8]) -> (&[u8], &[u8]) {
    let start = text.iter().position(|b| !is_blank(b)).unwrap_or(text.len());
    let text = &text[start..];
    let end = text.iter().position(is_blank).unwrap_or(text.len());
    text.split_at(end)
}

/// A payload length: decimal digits, as many as there are. Leading zeros are a length like
/// any other; a value past `u64::MAX` saturates (no cap could allow it anyway).
fn length(field: &[u8]) -> Option<u64> {
    if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(field.iter().fold(0u64, |n, &b| {
        n.checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .unwrap_or(u64::MAX)
    }))
}

/// A command's verb as text, or `""` when it is not ASCII.
pub(crate) fn verb_text(verb: &[u8]) -> &str {
    if verb.is_ascii() {
        core::str::from_utf8(verb).unwrap_or("")
    } else {
        ""
    }
}

/// The first field of a line as text, or `""` when it is not ASCII.
pub(crate) fn first_word(line: &[u8]) -> &str {
    let word = first_field(body(line)).0;
    if word.is_ascii() {
        core::str::from_utf8(word).unwrap_or("")
    } else {
        ""
    }
}

/// A decimal number without sign (leading zeros allowed: this is classification, not parsing).
fn number(field: &[u8]) -> Option<u64> {
    // At most 19 digits, so `n` cannot overflow. A plain loop: fields are a few digits long.
    if field.is_empty() || field.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &b in field {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u64::from(digit);
    }
    Some(n)
}

/// Tells what a line is by its first field (and second, for numeric replies).
#[inline]
pub(crate) fn classify(line: &[u8]) -> LineClass<'_> {
    // Nearly every line starts with its three-letter verb or reply code and a space, which
    // settles it or leaves only the TrID to read.
    if let [a, b, c, b' ', ref rest @ ..] = *line {
        let verb = [a, b, c];
        if verb.iter().all(u8::is_ascii_uppercase) {
            return if verb == *b"XFR" {
                LineClass::Xfr
            } else {
                LineClass::Command(&line[..3])
            };
        }
        if verb.iter().all(u8::is_ascii_digit) {
            let trid = number(first_field(body(rest)).0).and_then(|n| u32::try_from(n).ok());
            if let (Some(code), Some(trid)) = (number(&verb), trid) {
                return LineClass::Reply(ErrorReply {
                    code: ErrorCode(code as u16),
                    trid: TrId(trid),
                });
            }
        }
    }
    classify_fields(line)
}

/// [`classify`] for any line.
fn classify_fields(line: &[u8]) -> LineClass<'_> {
    let (verb, rest) = first_field(body(line));
    if verb == b"XFR" {
        return LineClass::Xfr;
    }
    if verb.is_empty() {
        return LineClass::Blank;
    }
    if verb.len() == 3 && verb.iter().all(u8::is_ascii_digit) {
        let trid = number(first_field(rest).0).and_then(|n| u32::try_from(n).ok());
        if let (Some(code), Some(trid)) = (number(verb), trid) {
            return LineClass::Reply(ErrorReply {
                code: ErrorCode(code as u16),
                trid: TrId(trid),
            });
        }
    }
    LineClass::Command(verb)
}

/// Whether an XFR line is MSNP24's `XFR TrID CON length` (checked on every XFR line, so by
/// hand: `XFR`, blanks, digits, blanks, `CON`, then a blank or the end).
fn is_con(body: &[u8]) -> bool {
    let Some(rest) = body.trim_ascii_start().strip_prefix(b"XFR") else {
        return false;
    };
    let mut at = 0;
    for what in [is_blank, u8::is_ascii_digit, is_blank] {
        while rest.get(at).is_some_and(what) {
            at += 1;
        }
    }
    match rest[at..].strip_prefix(b"CON") {
        Some(after) => after.first().is_none_or(is_blank),
        None => false,
    }
}

/// Whether an XFR line is plainly not `XFR TrID CON`: `XFR TrID NS` or `XFR TrID SB` with
/// single spaces, as nearly every XFR line is. A shortcut in front of [`is_con`].
fn not_con(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"XFR ") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    matches!(
        rest[digits..],
        [b' ', b'N', b'S', ..] | [b' ', b'S', b'B', ..]
    )
}

/// The payload length that follows `line`, if its command carries one: the command (`class`,
/// from [`classify`]) is in `payloads` or is MSNP24's `XFR TrID CON length`, or it is a numeric
/// reply with a field after its TrID and the table says those carry payloads; and its last
/// field is a number.
pub(crate) fn payload_len(
    line: &[u8],
    class: &LineClass<'_>,
    payloads: &PayloadCommands,
) -> Option<u64> {
    let carries = match class {
        LineClass::Xfr => !not_con(line) && is_con(body(line)),
        LineClass::Command(verb) => payloads.contains_bytes(verb),
        // `CODE TrID` has no payload: the TrID is no length.
        LineClass::Reply(_) => payloads.numeric && fields(line).nth(2).is_some(),
        LineClass::Blank => false,
    };
    if !carries {
        return None;
    }
    last_number(body(line))
}

/// What a line announces about the bytes after it, judged against the longest payload a
/// reader believes ([`PayloadCommands::announced`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announced {
    /// No payload: the next line follows.
    Nothing,
    /// A payload of this many bytes.
    Payload(usize),
    /// A length past the reader's limit: no real payload is that long, so the bytes after the
    /// line cannot be placed.
    TooLong,
}

/// [`payload_len`] against the cap `max`: the one reading of payload lengths, which the
/// decoder and the tool's log readers share.
pub(crate) fn announced(
    line: &[u8],
    class: &LineClass<'_>,
    payloads: &PayloadCommands,
    max: usize,
) -> Announced {
    match payload_len(line, class, payloads) {
        None => Announced::Nothing,
        Some(n) => match usize::try_from(n) {
            Ok(n) if n <= max => Announced::Payload(n),
            _ => Announced::TooLong,
        },
    }
}

/// The last field of a line as a length, when a field comes before it (the verb itself is no
/// length).
fn last_number(body: &[u8]) -> Option<u64> {
    // Usually the line starts with its verb and ends in digits after one blank.
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let before = body.len().checked_sub(digits + 1).map(|i| body[i]);
    if digits > 0
        && before.as_ref().is_some_and(is_blank)
        && body.first().is_some_and(|b| !is_blank(b))
    {
        return length(&body[body.len() - digits..]);
    }
    last_number_fields(body)
}

/// [`last_number`] for any line.
fn last_number_fields(body: &[u8]) -> Option<u64> {
    let trimmed = body.trim_ascii_end();
    let start = trimmed.iter().rposition(is_blank)? + 1;
    if trimmed[..start].iter().all(is_blank) {
        return None;
    }
    length(&trimmed[start..])
}

/// The first version a `VER` line names (the server's choice, in a reply): `Some(None)` for
/// `VER 1 0` (no version) or a version outside MSNP2–MSNP21; `None` if this is no `VER` line.
pub(crate) fn ver_choice(line: &[u8]) -> Option<Option<Version>> {
    let mut f = fields(line);
    if f.next()? != b"VER" {
        return None;
    }
    f.next()?; // TrID
    let first = f.find_map(|field| field.strip_prefix(b"MSNP"));
    Some(
        first
            .and_then(number)
            .and_then(|n| u8::try_from(n).ok())
            .and_then(Version::new),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::format;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// The shortcut for `VVV ` lines says what the field-by-field reading says.
        #[test]
        fn classify_shortcut_agrees(line in "(XFR|[A-Z]{3}|[0-9]{3}|[A-Za-z0-9]{1,4}|)[ \t\r\n]?[ -~\t\r\n]{0,12}") {
            prop_assert_eq!(classify(line.as_bytes()), classify_fields(line.as_bytes()));
        }

        /// The shortcut for a line ending in `␠digits` says what reading fields from the end says.
        #[test]
        fn last_number_shortcut_agrees(line in "[ \tA-Z0-9]{0,8}[ \t]?0{0,25}[0-9]{0,25}[ \t\x0c]{0,2}") {
            prop_assert_eq!(last_number(line.as_bytes()), last_number_fields(line.as_bytes()));
        }

        /// A length is the number its digits spell, however many zeros lead them; past
        /// `u64::MAX` it saturates.
        #[test]
        fn length_is_the_number_spelled(zeros in 0usize..40, digits in "[1-9][0-9]{0,37}") {
            let field = format!("{}{digits}", "0".repeat(zeros));
            let exact: u128 = digits.parse().unwrap();
            let expected = u64::try_from(exact).unwrap_or(u64::MAX);
            prop_assert_eq!(length(field.as_bytes()), Some(expected));
        }

        /// A line the CON shortcut clears is no CON line.
        #[test]
        fn not_con_is_never_con(line in "[ \t]?XFR( |  |\t)[0-9]{0,4}( |  |\t)(NS|SB|CON|CO|CONX)( |\t|\r\n)?[ -~]{0,4}") {
            let line = line.as_bytes();
            prop_assert!(!(not_con(line) && is_con(body(line))));
        }
    }
}
