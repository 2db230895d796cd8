//! What the tool found in one input, and how it is shown: the human table with its summary, or
//! JSON Lines.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet, VecDeque};
use std::io::{self, Write};
use std::time::{Duration, Instant};

use msnp_xfr::Version;

use crate::logs::Format;
use crate::record::{Context, Expanded, Outcome, Record, Store};

/// What an input was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A text log in this format.
    Log(Format),
    /// A packet capture.
    Capture {
        /// pcapng rather than pcap.
        ng: bool,
    },
}

impl Input {
    /// For people: `libpurple debug log`.
    pub fn description(&self) -> String {
        match self {
            Input::Log(format) => {
                format!(
                    "read as {}, --format {}",
                    format.description(),
                    format.name()
                )
            }
            Input::Capture { ng: true } => "read as a pcapng capture".to_string(),
            Input::Capture { ng: false } => "read as a pcap capture".to_string(),
        }
    }
}

/// Records held at most while they wait for the connection that follows their referral; past
/// this, the oldest is written without waiting longer (its `followed_by` stays null).
pub const MAX_HELD_RECORDS: usize = 4096;
/// Bytes of held records' lines and times past which the oldest is written without waiting.
pub const MAX_HELD_TEXT: usize = 4 << 20;
/// Connections listed in the human output's table and chains; the rest are counted.
pub const MAX_LISTED: usize = 4096;
/// Referrals shown in the chains at most.
pub const MAX_LINKS: usize = 4096;
/// How many records are added between two writes of those that are ready.
const WRITE_EVERY: usize = 256;

/// Everything found in one input.
///
/// Records are held until they are written: all of them for a log (read whole anyway), and
/// for a capture written as it is read ([`Report::write_ready`]) only those still waiting to
/// learn which connection followed their referral, within [`MAX_HELD_RECORDS`] and
/// [`MAX_HELD_TEXT`]. So a capture's report takes the same room however many records it has.
#[derive(Debug, Clone)]
pub struct Report {
    /// The input's name.
    pub file: String,
    /// What it was read as.
    pub input: Input,
    /// The XFR lines and XFR error replies not written yet, in input order.
    pub records: VecDeque<Record>,
    /// How many records were written, and forgotten, before `records[0]`.
    pub written: usize,
    /// The names and texts the held records point at.
    pub store: Store,
    /// How many MSNP protocol lines were read.
    pub msnp_lines: usize,
    /// How many connections they belonged to (1 where the format tells none apart).
    pub connections: usize,
    /// For a capture: the MSNP and gateway connections' summaries, in the order they started
    /// (the first [`MAX_LISTED`]).
    pub tcp: Vec<ConnSummary>,
    /// For a capture: MSNP and gateway connections past [`MAX_LISTED`], counted only.
    pub unlisted: usize,
    /// For a capture: how many TCP connections it held in all.
    pub tcp_connections: usize,
    /// For a capture: connections ended before their end to stay within the tool's limits
    /// (too many open at once, or holding too much).
    pub evicted: usize,
    /// For a capture: lines announcing a payload past the reader's limit, in all connections.
    pub payloads_too_long: u64,
    /// What reading the input ran into short of its end: a warning, or with `damaged` the
    /// damage that stopped the reading.
    pub warning: Option<String>,
    /// Whether the reading stopped at damage before the input's end: the records are those
    /// before it, and the input counts as unreadable (exit status 2), where a last block cut
    /// off by the end of the file is only a warning.
    pub damaged: bool,
    /// Counts over every record so far, written or held.
    pub counts: Summary,
    /// What was undone to read the input, outermost first (`gzip`, `UTF-16LE`).
    pub layers: Vec<&'static str>,
    /// For a capture: when its first packet was captured (microseconds since the epoch), what
    /// the table's relative times count from.
    pub start: Option<i64>,
    /// On live input: how long a record may wait for the connection that follows its referral,
    /// and when each held record was added (in step with `records`).
    hold: Option<(Duration, VecDeque<Instant>)>,
    /// The referrals the chains show (the first [`MAX_LINKS`] written).
    links: Vec<Link>,
    /// Names retired while held records point at them, each with the number of records that
    /// must be written before it is forgotten (soonest first).
    retired: BinaryHeap<Reverse<(usize, u32)>>,
    /// For each name held records may point at, one past the number of the last record that
    /// does: a name no held record points at is forgotten as soon as it is retired, so names
    /// do not pile up behind a record that waits.
    refs: HashMap<u32, usize>,
    /// When to write the ready records next: at this many held.
    next_write: usize,
}

/// A referral and the connection that followed it, for the chains.
#[derive(Debug, Clone)]
struct Link {
    /// The name of the connection that made the referral.
    conn: u32,
    frame: Option<u64>,
    what: &'static str,
    next: String,
}

/// One TCP connection of a capture, as followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnSummary {
    /// `client -> server`.
    pub label: String,
    /// The name records point at for this connection ([`Report::label`]): unlike the text, it
    /// tells apart two connections on the same four-tuple.
    pub id: Option<u32>,
    /// `msnp` or `gateway`.
    pub kind: &'static str,
    /// When its first packet was captured (RFC 3339), and its frame.
    pub first: (Option<String>, u64),
    /// The versions its `VER` exchanges fixed (for a gateway connection, the versions of the
    /// sessions' lines it carried), in the order first met, each once (the first
    /// [`MAX_VERSIONS_LISTED`]).
    pub versions: Vec<&'static str>,
    /// MSNP lines read (for the gateway, those in the bodies the connection carried).
    pub lines: u64,
    /// XFR records.
    pub xfrs: u64,
    /// Gaps, and the bytes missing in them.
    pub gaps: (u64, u64),
    /// Bytes of later copies that differed from the first.
    pub conflicts: u64,
    /// Lines announcing a payload past the reader's limit (after each, the direction was read
    /// on from the next line end, its framing uncertain).
    pub payloads_too_long: u64,
    /// The client's address.
    pub client: String,
}

/// The versions a connection's summary lists at most (a capture may hold any number of `VER`
/// exchanges on one connection).
pub const MAX_VERSIONS_LISTED: usize = 16;

impl ConnSummary {
    /// A `VER` exchange fixed `version`: listed unless it already is, up to
    /// [`MAX_VERSIONS_LISTED`].
    pub fn version(&mut self, version: &'static str) {
        if !self.versions.contains(&version) && self.versions.len() < MAX_VERSIONS_LISTED {
            self.versions.push(version);
        }
    }
}

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The human table, with what follows it (connections, chains, summary).
    Table,
    /// JSON Lines: one object per record.
    Json,
    /// CSV: a header of the JSON keys, then a row per record.
    Csv,
}

/// The table's time column (`-t`, as tshark's): the time of day, seconds since the input's
/// first packet (a log: its first record), seconds since the record shown before, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Times {
    /// The packet's time of day, with a line for the date where the day changes; a log's time
    /// as written.
    #[default]
    Absolute,
    /// Seconds since the first packet (a log: its first record).
    Relative,
    /// Seconds since the record shown before.
    Delta,
    /// No time column.
    None,
}

impl Times {
    /// The `-t` argument: `abs`, `rel`, `delta`, `none` (tshark's `a`, `r`, `d`, `dd` too).
    pub fn from_name(name: &str) -> Option<Times> {
        Some(match name {
            "abs" | "a" | "ad" => Times::Absolute,
            "rel" | "r" => Times::Relative,
            "delta" | "d" | "dd" => Times::Delta,
            "none" | "n" => Times::None,
            _ => return None,
        })
    }
}

/// Which records are shown (`--kind`, `--conn`, `--failed`); every record is counted whatever
/// is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Kinds to show (as the table names them: `ns`, `sb`, `request`, `reset`, `error-reply`,
    /// `failed`); empty for all.
    pub kinds: Vec<String>,
    /// Connections to show: an address (`192.0.2.1`), an address and port, or a log's
    /// connection name (`NS 000`); empty for all.
    pub conns: Vec<String>,
}

impl Filter {
    /// Whether any record may be left out.
    pub fn is_active(&self) -> bool {
        !self.kinds.is_empty() || !self.conns.is_empty()
    }

    fn accepts(&self, record: &Record, store: &Store) -> bool {
        if !self.kinds.is_empty() && !self.kinds.iter().any(|k| k == record.kind_name()) {
            return false;
        }
        if self.conns.is_empty() {
            return true;
        }
        let Some(label) = record.origin.conn.map(|c| store.label(c)) else {
            return false;
        };
        self.conns.iter().any(|wanted| {
            label == wanted
                || label.split(" -> ").any(|end| {
                    end == wanted
                        || client_ip(end).trim_matches(['[', ']'])
                            == wanted.trim_matches(['[', ']'])
                })
        })
    }
}

/// Where and how records are written: the human table, JSON Lines or CSV.
pub struct Output<'w> {
    style: Style,
    json: bool,
    out: Box<dyn Write + Send + 'w>,
    /// The human table's heading (or the CSV header) is written.
    started: bool,
    conn_width: usize,
    /// The width of the table's line or frame column, and the input's size it is made for.
    place_width: usize,
    size: Option<u64>,
    times: Times,
    time_width: usize,
    /// The instant rel times count from, and the one before (microseconds), and the day last
    /// shown.
    clock: Clock,
    filter: Filter,
    /// Records shown, and left out by the filter.
    shown: usize,
    hidden: usize,
    /// A record's JSON, made here and written in one piece: serde_json's many small writes
    /// through `out`'s vtable cost more than the copy.
    line: Vec<u8>,
    /// The first error writing met; nothing more is written after it.
    pub error: Option<io::Error>,
}

/// What the time column remembers between rows.
#[derive(Debug, Clone, Copy, Default)]
struct Clock {
    origin: Option<i64>,
    previous: Option<i64>,
    day: Option<i64>,
}

impl<'w> Output<'w> {
    /// Writes to `out`, as JSON Lines when `json`, else as the human table.
    pub fn new(json: bool, out: impl Write + Send + 'w) -> Self {
        Output::with(if json { Style::Json } else { Style::Table }, out)
    }

    /// Writes to `out` in `style`.
    pub fn with(style: Style, out: impl Write + Send + 'w) -> Self {
        Output {
            style,
            json: style != Style::Table,
            out: Box::new(out),
            started: false,
            conn_width: 4,
            place_width: 6,
            size: None,
            times: Times::Absolute,
            time_width: 0,
            clock: Clock::default(),
            filter: Filter::default(),
            shown: 0,
            hidden: 0,
            line: Vec::new(),
            error: None,
        }
    }

    /// The table's time column.
    pub fn times(mut self, times: Times) -> Self {
        self.times = times;
        self
    }

    /// Room for line or frame numbers up to `largest` in the table, so the columns stay aligned
    /// whatever the numbers (frames are shown as `#123`).
    ///
    /// `bytes` is the input's size: a log has no more lines, a capture no more than one packet
    /// in 16 bytes (a record's header).
    pub fn reserve_numbers(&mut self, bytes: u64) {
        self.size = Some(bytes);
    }

    /// Shows only what `filter` accepts.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// How many records were shown, and how many the filter left out.
    pub fn shown(&self) -> (usize, usize) {
        (self.shown, self.hidden)
    }

    /// Hands what was written so far on (at once, on live input).
    pub fn flush(&mut self) {
        let result = self.out.flush();
        self.keep(result);
    }

    /// Whether writing failed (a closed pipe): reading further is of no use.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    fn keep(&mut self, result: io::Result<()>) {
        if let (Err(e), None) = (result, &self.error) {
            self.error = Some(e);
        }
    }
}

/// The width the table reserves for connection names in a capture: the longest IPv4
/// `client -> server`, so that a capture's rows stay aligned whichever connections come later.
const CAPTURE_CONN_WIDTH: usize = "255.255.255.255:65535 -> 255.255.255.255:65535".len();

/// Microseconds since the epoch of an RFC 3339 UTC time as this tool writes them
/// (`2026-11-29T20:14:01.123456Z`), or since midnight of a log's `HH:MM:SS[.fff]`; and the day
/// (days since the epoch; none for a log's time).
fn instant(text: &str) -> Option<(i64, Option<i64>)> {
    let b = text.as_bytes();
    let (date, clock) = if b.len() >= 20 && b.get(10) == Some(&b'T') {
        let (y, m, d) = (
            digits(text, 0..4)?,
            digits(text, 5..7)?,
            digits(text, 8..10)?,
        );
        // Days from the civil date (Howard Hinnant's algorithm, the inverse of rfc3339's).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (Some(era * 146_097 + doe - 719_468), &text[11..])
    } else {
        (None, text)
    };
    let c = clock.as_bytes();
    if c.len() < 8 || c[2] != b':' || c[5] != b':' {
        return None;
    }
    let secs = digits(clock, 0..2)? * 3600 + digits(clock, 3..5)? * 60 + digits(clock, 6..8)?;
    let mut micros = 0;
    if c.get(8) == Some(&b'.') || c.get(8) == Some(&b',') {
        let digits: String = clock[9..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let six: String = digits
            .chars()
            .chain(std::iter::repeat('0'))
            .take(6)
            .collect();
        micros = six.parse().ok()?;
    }
    let of_day = secs * 1_000_000 + micros;
    Some((date.map_or(0, |d| d * 86_400_000_000) + of_day, date))
}

/// The number written in decimal digits at `range` of `text`, digits only.
fn digits(text: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let part = text.get(range)?;
    part.bytes()
        .all(|c| c.is_ascii_digit())
        .then(|| part.parse().ok())?
}

/// `12.345678`: seconds, from microseconds.
fn seconds(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    format!("{sign}{}.{:06}", m / 1_000_000, m % 1_000_000)
}

/// The JSON keys, in order: CSV's header.
const CSV_KEYS: [&str; 31] = [
    "file",
    "line",
    "dir",
    "version",
    "ok",
    "kind",
    "trid",
    "server",
    "host",
    "port",
    "auth",
    "cookie",
    "current",
    "direct",
    "hop",
    "gateway",
    "code",
    "legal_in",
    "deviations",
    "canonical",
    "error",
    "conn",
    "raw",
    "time",
    "frame",
    "truncated",
    "framing_uncertain",
    "gateway_session",
    "followed_by",
    "tcp_stream",
    "log_format",
];

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line end.
fn csv_field(out: &mut Vec<u8>, value: &serde_json::Value) {
    let text = match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(" "),
        // The error: its kind and message.
        serde_json::Value::Object(map) => match (map.get("kind"), map.get("message")) {
            (Some(kind), Some(message)) => format!(
                "{}: {}",
                kind.as_str().unwrap_or_default(),
                message.as_str().unwrap_or_default()
            ),
            _ => value.to_string(),
        },
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

impl Context for Report {
    fn file(&self) -> &str {
        &self.file
    }

    fn store(&self) -> &Store {
        &self.store
    }

    fn log_format(&self) -> Option<&'static str> {
        match self.input {
            Input::Log(format) => Some(format.name()),
            Input::Capture { .. } => None,
        }
    }
}

impl Report {
    /// An empty report for `file`.
    pub fn new(file: &str, input: Input) -> Self {
        Report {
            file: file.to_string(),
            input,
            records: VecDeque::new(),
            written: 0,
            store: Store::default(),
            msnp_lines: 0,
            connections: 0,
            tcp: Vec::new(),
            unlisted: 0,
            tcp_connections: 0,
            evicted: 0,
            payloads_too_long: 0,
            warning: None,
            damaged: false,
            counts: Summary::default(),
            layers: Vec::new(),
            start: None,
            hold: None,
            links: Vec::new(),
            retired: BinaryHeap::new(),
            refs: HashMap::new(),
            next_write: WRITE_EVERY,
        }
    }

    /// The name a record's index points at.
    pub fn label(&self, index: u32) -> &str {
        self.store.label(index)
    }

    /// Adds a name for records to point at.
    pub fn add_label(&mut self, label: String) -> u32 {
        self.store.add_label(label)
    }

    /// Forgets the name `index` once the records added so far are written: no later record
    /// points at it (its connection is over).
    pub fn retire(&mut self, index: u32) {
        match self.refs.remove(&index) {
            Some(until) if until > self.written => self.retired.push(Reverse((until, index))),
            _ => self.store.forget_label(index),
        }
    }

    /// The input is live (a pipe, an interface): records are ready to write as soon as each is
    /// final, and one waiting for the connection that follows its referral waits `hold` at most
    /// (from when it was added, by the clock, for a follower may never come).
    pub fn go_live(&mut self, hold: Duration) {
        let since = self.records.iter().map(|_| Instant::now()).collect();
        self.hold = Some((hold, since));
        self.next_write = 1;
    }

    /// What the heading says the input was read as.
    pub fn read_as(&self) -> String {
        let mut text = self.input.description();
        for layer in &self.layers {
            text += ", ";
            text += layer;
            if !layer.starts_with("UTF") {
                text += "-compressed";
            }
        }
        text
    }

    /// Adds a record; returns its number (0 for the input's first).
    pub fn push(&mut self, record: Record) -> usize {
        self.counts.add(&record);
        if let Some((_, since)) = &mut self.hold {
            since.push_back(Instant::now());
        }
        let number = self.added();
        for label in [
            record.origin.conn,
            record.origin.gateway_session,
            record.followed_by,
        ]
        .into_iter()
        .flatten()
        {
            self.refs.insert(label, number + 1);
        }
        self.records.push_back(record);
        number
    }

    /// Says that the held record `number` was followed by the connection named `conn` (the
    /// first follower stays), and whether it still waits for one.
    pub fn set_followed(&mut self, number: usize, conn: Option<u32>, waits: bool) {
        let Some(r) = number
            .checked_sub(self.written)
            .and_then(|i| self.records.get_mut(i))
        else {
            return;
        };
        r.awaiting = waits;
        if let (Some(conn), None) = (conn, r.followed_by) {
            r.followed_by = Some(conn);
            let until = self.refs.entry(conn).or_default();
            *until = (*until).max(number + 1);
        }
    }

    /// How many records were added in all.
    pub fn added(&self) -> usize {
        self.written + self.records.len()
    }

    /// The record numbered `number`, while it is held.
    pub fn record_mut(&mut self, number: usize) -> Option<&mut Record> {
        self.records.get_mut(number.checked_sub(self.written)?)
    }

    /// Lists a connection's summary (the first [`MAX_LISTED`] to start are kept).
    pub fn list(&mut self, summary: ConnSummary) {
        self.connections += 1;
        self.msnp_lines += summary.lines as usize;
        self.tcp.push(summary);
        if self.tcp.len() >= 2 * MAX_LISTED {
            self.trim_listed();
        }
    }

    /// Puts the listed connections in the order they started, the first [`MAX_LISTED`] only.
    pub fn end_listing(&mut self) {
        self.trim_listed();
    }

    fn trim_listed(&mut self) {
        self.tcp.sort_by_key(|s| s.first.1);
        if self.tcp.len() > MAX_LISTED {
            self.unlisted += self.tcp.len() - MAX_LISTED;
            self.tcp.truncate(MAX_LISTED);
        }
    }

    /// Whether every reported line decoded.
    pub fn all_decoded(&self) -> bool {
        self.counts.failed == 0
    }

    /// Whether enough records were added since the last write to write those ready.
    pub fn wants_writing(&self) -> bool {
        self.records.len() >= self.next_write
    }

    /// Whether a held record has waited its time ([`Report::go_live`]) and is to be written now.
    pub fn overdue(&self) -> bool {
        self.hold
            .as_ref()
            .is_some_and(|(hold, since)| since.front().is_some_and(|t| t.elapsed() >= *hold))
    }

    /// Writes the records that are ready, oldest first, and forgets them: every record up to
    /// the first still waiting for its referral to be followed, and past the holding limits
    /// that one too.
    pub fn write_ready(&mut self, output: &mut Output<'_>) {
        self.write_records(output, false);
    }

    /// Writes every record left, and for the human table what follows the records: a capture's
    /// connections and referral chains, and the summary.
    pub fn write_rest(&mut self, output: &mut Output<'_>) {
        self.write_records(output, true);
        if !output.json {
            let result = self.write_tail(output);
            output.keep(result);
        }
        let result = output.out.flush();
        output.keep(result);
    }

    fn write_records(&mut self, output: &mut Output<'_>, all: bool) {
        if !output.started && (all || !self.records.is_empty()) {
            let result = self.write_heading(output);
            output.keep(result);
            output.started = true;
        }
        let mut n = 0;
        while let Some(record) = self.records.get(n) {
            if record.awaiting && !all {
                let start = record_start(record);
                let held_text = self.store.end() - start.min(self.store.end());
                let waited = self.hold.as_ref().is_some_and(|(hold, since)| {
                    since.get(n).is_some_and(|t| t.elapsed() >= *hold)
                });
                if self.records.len() - n <= MAX_HELD_RECORDS
                    && held_text <= MAX_HELD_TEXT
                    && !waited
                {
                    break;
                }
            }
            if !output.failed() {
                if output.filter.accepts(record, &self.store) {
                    output.shown += 1;
                    let result = self.write_record(record, output);
                    output.keep(result);
                } else {
                    output.hidden += 1;
                }
            }
            if let (Some(conn), Some(next)) = (record.origin.conn, record.followed_by) {
                if self.links.len() < MAX_LINKS {
                    self.links.push(Link {
                        conn,
                        frame: record.origin.frame,
                        what: match record.kind_name() {
                            "ns" => "NS referral",
                            _ => "SB referral",
                        },
                        next: self.label(next).to_string(),
                    });
                }
            }
            n += 1;
        }
        self.records.drain(..n);
        if let Some((_, since)) = &mut self.hold {
            since.drain(..n);
        }
        self.written += n;
        let keep_from = self.records.front().map_or(self.store.end(), record_start);
        self.store.forget_texts_before(keep_from);
        while let Some(&Reverse((at, label))) = self.retired.peek() {
            if at > self.written {
                break;
            }
            self.store.forget_label(label);
            self.retired.pop();
        }
        if self.records.capacity() > 4 * MAX_HELD_RECORDS {
            self.records.shrink_to(MAX_HELD_RECORDS);
        }
        self.next_write = self.records.len() + if self.hold.is_some() { 1 } else { WRITE_EVERY };
    }

    /// The table's heading, or CSV's header; JSON has none.
    fn write_heading(&self, output: &mut Output<'_>) -> io::Result<()> {
        match output.style {
            Style::Json => return Ok(()),
            Style::Csv => return write!(output.out, "{}\r\n", CSV_KEYS.join(",")),
            Style::Table => {}
        }
        let capture = matches!(self.input, Input::Capture { .. });
        if let Some(bytes) = output.size {
            let largest = if capture { bytes / 16 } else { bytes };
            output.place_width = (largest.max(1).ilog10() as usize + 2).max(6);
        }
        let measured = self
            .records
            .iter()
            .filter_map(|r| r.origin.conn.map(|c| self.label(c).len()))
            .max()
            .unwrap_or(1);
        output.conn_width = measured
            .max(if capture { CAPTURE_CONN_WIDTH } else { 4 })
            .max(4);
        // A log whose records carry no time (a transcript) gets no time column.
        let timeless = !capture && self.records.iter().all(|r| r.origin.time.is_none());
        output.time_width = match output.times {
            Times::None => 0,
            _ if timeless => 0,
            Times::Absolute if capture => "00:00:00.000000".len(),
            Times::Absolute => self
                .records
                .iter()
                .find_map(|r| r.origin.time.clone())
                .map_or(8, |t| self.store.text(t).len())
                .max(8),
            Times::Relative | Times::Delta => 12,
        };
        if output.times == Times::Relative {
            output.clock.origin = self.start;
        }
        writeln!(output.out, "== {} ({})", self.file, self.read_as())?;
        let time = match output.time_width {
            0 => String::new(),
            w => format!("{:<w$}  ", "time"),
        };
        writeln!(
            output.out,
            "{:>p$}  {time}{:<3}  {:<w$}  {:<7}  {:<11}  fields",
            if capture { "frame" } else { "line" },
            "dir",
            "conn",
            "version",
            "kind",
            p = output.place_width,
            w = output.conn_width
        )
    }

    fn write_record(&self, record: &Record, output: &mut Output<'_>) -> io::Result<()> {
        match output.style {
            Style::Json => {
                let line = &mut output.line;
                line.clear();
                serde_json::to_writer(&mut *line, &record.expand_keys(self))?;
                line.push(b'\n');
                return output.out.write_all(line);
            }
            Style::Csv => {
                let value = serde_json::to_value(record.expand_keys(self))?;
                let line = &mut output.line;
                line.clear();
                for (i, key) in CSV_KEYS.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    csv_field(line, value.get(key).unwrap_or(&serde_json::Value::Null));
                }
                line.extend_from_slice(b"\r\n");
                return output.out.write_all(line);
            }
            Style::Table => {}
        }
        let r = record.expand(self);
        let place = r
            .line
            .map(|l| l.to_string())
            .or_else(|| r.frame.map(|f| format!("#{f}")))
            .unwrap_or_default();
        let time = self.time_cell(&r, output)?;
        let out = &mut output.out;
        // A line read where the framing was uncertain is marked beside its direction: `S?`.
        let mark = if r.framing_uncertain { "?" } else { "" };
        write!(
            out,
            "{place:>p$}  {time}{:<3}  {:<w$}  {:<7}  {:<11}  {}",
            format!("{}{mark}", r.dir.unwrap_or("-")),
            r.conn.unwrap_or("-"),
            r.version.unwrap_or("-"),
            record.kind_name(),
            r.fields,
            p = output.place_width,
            w = output.conn_width
        )?;
        if let Some(next) = r.followed_by {
            write!(out, "  followed by {next}")?;
        }
        if !r.notes.is_empty() {
            write!(out, "  ! {}", r.notes)?;
        }
        if r.framing_uncertain {
            let sep = if r.notes.is_empty() { "  ! " } else { "; " };
            write!(
                out,
                "{sep}framing uncertain (bytes lost before it, or the capture joined mid-stream)"
            )?;
        }
        writeln!(out)
    }

    /// The time column's cell for `r` (with its two spaces), and a line with the date above the
    /// row where the day changes.
    fn time_cell(&self, r: &Expanded<'_>, output: &mut Output<'_>) -> io::Result<String> {
        let width = output.time_width;
        if width == 0 {
            return Ok(String::new());
        }
        let text = r.time.unwrap_or("");
        let parsed = instant(text);
        let cell = match output.times {
            Times::None => String::new(),
            Times::Absolute => match parsed {
                // A capture's time: the time of day, its date on a line of its own when the
                // day changes.
                Some((_, Some(day))) => {
                    if output.clock.day != Some(day) {
                        output.clock.day = Some(day);
                        writeln!(
                            output.out,
                            "{:>p$}  {}",
                            "",
                            text.get(..10).unwrap_or(text),
                            p = output.place_width
                        )?;
                    }
                    text.get(11..26).unwrap_or(text).to_string()
                }
                _ => text.to_string(),
            },
            Times::Relative | Times::Delta => match parsed {
                Some((at, _)) => {
                    let since = match output.times {
                        Times::Relative => *output.clock.origin.get_or_insert(at),
                        _ => output.clock.previous.unwrap_or(at),
                    };
                    output.clock.previous = Some(at);
                    let mut d = at - since;
                    // A log's clock has no date: past midnight it starts again.
                    if d < 0 && parsed.is_some_and(|(_, day)| day.is_none()) {
                        d += 86_400_000_000;
                    }
                    seconds(d)
                }
                None => "-".to_string(),
            },
        };
        let cell = if cell.is_empty() {
            "-".to_string()
        } else {
            cell
        };
        Ok(match output.times {
            Times::Relative | Times::Delta => format!("{cell:>width$}  "),
            _ => format!("{cell:<width$}  "),
        })
    }

    /// What the human output shows after the records.
    fn write_tail(&mut self, output: &mut Output<'_>) -> io::Result<()> {
        let (shown, hidden) = output.shown();
        let filtered = output.filter.is_active();
        let out = &mut output.out;
        if matches!(self.input, Input::Capture { .. }) {
            self.trim_listed();
            self.write_connections(out)?;
            self.write_chains(out)?;
        }
        self.counts.write(out, self.msnp_lines, self.connections)?;
        if filtered {
            writeln!(
                out,
                "  shown:        {shown} of {} (the others left out by --kind, --conn, --failed)",
                shown + hidden
            )?;
        }
        Ok(())
    }

    /// A capture's connections: kind, versions, lines, XFRs, gaps.
    fn write_connections(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        let n = self.tcp_connections;
        let plural = if n == 1 { "" } else { "s" };
        let evicted = match self.evicted {
            0 => String::new(),
            n => format!("; {n} ended early by the tool's limits"),
        };
        let other = n.saturating_sub(self.connections);
        writeln!(
            out,
            "\nconnections ({n} TCP connection{plural} in the capture: {} MSNP or gateway, {other} \
             not MSNP and not listed{evicted})",
            self.connections
        )?;
        let width = self.tcp.iter().map(|c| c.label.len()).max().unwrap_or(4);
        writeln!(
            out,
            "  {:<width$}  {:<7}  {:>6}  {:>5}  {:>12}  versions",
            "conn", "kind", "lines", "xfrs", "gaps (bytes)"
        )?;
        for c in &self.tcp {
            let gaps = format!("{} ({})", c.gaps.0, c.gaps.1);
            let mut versions = if c.versions.is_empty() {
                "-".to_string()
            } else {
                c.versions.join(", ")
            };
            if c.payloads_too_long > 0 {
                versions += &format!(
                    "  ! {} payload length{} past the limit",
                    c.payloads_too_long,
                    if c.payloads_too_long == 1 { "" } else { "s" }
                );
            }
            writeln!(
                out,
                "  {:<width$}  {:<7}  {:>6}  {:>5}  {gaps:>12}  {versions}",
                c.label, c.kind, c.lines, c.xfrs
            )?;
        }
        if self.unlisted > 0 {
            writeln!(
                out,
                "  ... and {} later MSNP or gateway connections, not listed (the table lists the \
                 first {MAX_LISTED}; their records are above)",
                self.unlisted
            )?;
        }
        Ok(())
    }

    /// Each client's connections in the order they started, with the referrals between them:
    /// dispatch → notification → switchboards.
    fn write_chains(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        writeln!(out, "\nreferral chains")?;
        let mut links: HashMap<u32, Vec<&Link>> = HashMap::new();
        for link in &self.links {
            links.entry(link.conn).or_default().push(link);
        }
        let mut clients: Vec<&str> = Vec::new();
        let mut seen = HashSet::new();
        for c in &self.tcp {
            let ip = client_ip(&c.client);
            if seen.insert(ip) {
                clients.push(ip);
            }
        }
        let mut by_client: HashMap<&str, Vec<&ConnSummary>> = HashMap::new();
        for c in &self.tcp {
            by_client.entry(client_ip(&c.client)).or_default().push(c);
        }
        for ip in clients {
            writeln!(out, "  client {ip}")?;
            for c in by_client.get(ip).into_iter().flatten() {
                let when = c
                    .first
                    .0
                    .as_deref()
                    .map_or("-", |t| t.get(11..26).unwrap_or(t));
                let versions = c.versions.last().copied().unwrap_or("-");
                writeln!(out, "    {when}  #{:<6} {}  {versions}", c.first.1, c.label)?;
                for link in c.id.and_then(|id| links.get(&id)).into_iter().flatten() {
                    let frame = link.frame.map_or(String::new(), |f| format!("#{f} "));
                    writeln!(out, "      {frame}{}, followed by {}", link.what, link.next)?;
                }
            }
        }
        Ok(())
    }
}

/// Where a record's texts start in the store: its time is kept before its line.
fn record_start(record: &Record) -> usize {
    record
        .origin
        .time
        .as_ref()
        .map_or(record.text.start, |t| t.start.min(record.text.start))
}

/// Counts over the records of one or more inputs. Every record is counted as it is added, so
/// the counts are fixed tables where they can be (a few adds, no lookups).
#[derive(Debug, Clone)]
pub struct Summary {
    total: usize,
    failed: usize,
    /// By [`KINDS`].
    kinds: [usize; KINDS.len()],
    /// By version number (0: unknown).
    versions: [usize; 22],
    /// By name (most records have none).
    deviations: BTreeMap<&'static str, usize>,
    errors: BTreeMap<&'static str, usize>,
}

/// The kinds a record can be, in the order the summary names them.
const KINDS: [&str; 6] = ["error-reply", "failed", "ns", "request", "reset", "sb"];

impl Default for Summary {
    fn default() -> Self {
        Summary {
            total: 0,
            failed: 0,
            kinds: [0; KINDS.len()],
            versions: [0; 22],
            deviations: BTreeMap::new(),
            errors: BTreeMap::new(),
        }
    }
}

impl Summary {
    /// Counts `r`.
    pub fn add(&mut self, r: &Record) {
        self.total += 1;
        self.failed += usize::from(!r.ok());
        let kind = r.kind_name();
        if let Some(i) = KINDS.iter().position(|k| *k == kind) {
            self.kinds[i] += 1;
        }
        self.versions[r.version.map_or(0, |v| usize::from(v.number()))] += 1;
        let deviations = r.deviations();
        if !deviations.is_empty() {
            for d in deviations.iter() {
                *self.deviations.entry(d.name()).or_default() += 1;
            }
        }
        match r.outcome {
            Outcome::Failed { error } => *self.errors.entry(error).or_default() += 1,
            Outcome::Truncated { .. } => *self.errors.entry("truncated").or_default() += 1,
            Outcome::OverLong { .. } => *self.errors.entry("too-long").or_default() += 1,
            _ => {}
        }
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: &Summary) {
        self.total += other.total;
        self.failed += other.failed;
        for (a, b) in self.kinds.iter_mut().zip(other.kinds) {
            *a += b;
        }
        for (a, b) in self.versions.iter_mut().zip(other.versions) {
            *a += b;
        }
        for (k, n) in &other.deviations {
            *self.deviations.entry(k).or_default() += n;
        }
        for (k, n) in &other.errors {
            *self.errors.entry(k).or_default() += n;
        }
    }

    /// How many records were counted.
    pub fn total(&self) -> usize {
        self.total
    }

    /// How many of them did not decode.
    pub fn failed(&self) -> usize {
        self.failed
    }

    /// Writes the summary lines.
    pub fn write(
        &self,
        out: &mut (impl Write + ?Sized),
        msnp_lines: usize,
        connections: usize,
    ) -> io::Result<()> {
        fn counts<'a>(list: impl Iterator<Item = (String, &'a usize)>) -> String {
            let parts: Vec<String> = list
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            if parts.is_empty() {
                "none".into()
            } else {
                parts.join(", ")
            }
        }
        writeln!(out)?;
        writeln!(
            out,
            "{} XFR lines: {} decoded, {} failed ({} MSNP lines in {} connection{})",
            self.total,
            self.total - self.failed,
            self.failed,
            msnp_lines,
            connections,
            if connections == 1 { "" } else { "s" }
        )?;
        let kinds = KINDS.iter().map(|k| k.to_string()).zip(&self.kinds);
        let versions = (0..self.versions.len())
            .map(|n| match Version::new(n as u8) {
                Some(v) => v.to_string(),
                None => "unknown".to_string(),
            })
            .zip(&self.versions);
        let deviations = self.deviations.iter().map(|(k, n)| (k.to_string(), n));
        let errors = self.errors.iter().map(|(k, n)| (k.to_string(), n));
        writeln!(out, "  by kind:      {}", counts(kinds))?;
        writeln!(out, "  by version:   {}", counts(versions))?;
        writeln!(out, "  deviations:   {}", counts(deviations))?;
        writeln!(out, "  failures:     {}", counts(errors))
    }
}

/// The IP part of `ip:port` (`[v6]:port` too).
fn client_ip(address: &str) -> &str {
    address.rsplit_once(':').map_or(address, |(ip, _)| ip)
}
