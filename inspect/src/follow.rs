//! Following the sessions of a text log: one [`Session`] per connection the format tells apart
//! (one for the whole file where it tells none), fed the log's protocol lines in order, so each
//! connection's version comes from its own `VER` exchange.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use msnp_xfr::{Direction, Mode, Observation, Session, Version};

use crate::logs::{self, Entry, Format, What};
use crate::record::{Origin, Record};
use crate::report::{Input, Report};

/// How lines are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judging {
    /// Strict or lenient reading.
    pub mode: Mode,
    /// A version for every line, instead of following `VER`.
    pub version: Option<Version>,
}

impl Judging {
    /// A session as these settings ask.
    pub fn session(&self) -> Session {
        match self.version {
            Some(v) => Session::with_version(self.mode, v),
            None => Session::new(self.mode),
        }
    }
}

/// The sessions of a log's connections, by the format's key for each: the most recently
/// active [`MAX_LOG_CONNECTIONS`] (a long log names ever more switchboards).
#[derive(Default)]
struct Connections {
    /// Slots of keys below [`DIRECT_KEYS`], looked up directly (every format's keys are small
    /// numbers: `NS/9d15` is 0x9d15, `SB 004` is 0x10004); `u32::MAX` where none.
    direct: Vec<u32>,
    /// Slots of any larger key.
    by_key: HashMap<u64, usize, BuildHasherDefault<KeyHasher>>,
    sessions: Vec<Session>,
    /// Each slot's key and when it was last used (in lines), for forgetting the idlest.
    keys: Vec<(u64, u64)>,
    /// Slots free for reuse.
    free: Vec<usize>,
    /// Lines seen, the clock of `keys`.
    clock: u64,
    /// How many connections there were in all.
    seen: usize,
}

const DIRECT_KEYS: u64 = 1 << 18;

/// Connections of a log followed at once (some 4 MiB of sessions); past it the eighth idle
/// longest are forgotten, and a line of one later starts it anew, its version unknown until
/// its next `VER`.
pub const MAX_LOG_CONNECTIONS: usize = 16 * 1024;

impl Connections {
    /// The slot of `key`'s session, and whether it is new.
    fn slot(&mut self, key: u64, judging: Judging) -> (usize, bool) {
        self.clock += 1;
        let found = if key < DIRECT_KEYS {
            self.direct
                .get(key as usize)
                .filter(|&&s| s != u32::MAX)
                .map(|&s| s as usize)
        } else {
            self.by_key.get(&key).copied()
        };
        if let Some(slot) = found {
            self.keys[slot].1 = self.clock;
            return (slot, false);
        }
        if self.sessions.len() - self.free.len() >= MAX_LOG_CONNECTIONS {
            self.forget_idlest();
        }
        self.seen += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.sessions[slot] = judging.session();
                self.keys[slot] = (key, self.clock);
                slot
            }
            None => {
                self.sessions.push(judging.session());
                self.keys.push((key, self.clock));
                self.sessions.len() - 1
            }
        };
        if key < DIRECT_KEYS {
            let i = key as usize;
            if i >= self.direct.len() {
                self.direct.resize(i + 1, u32::MAX);
            }
            self.direct[i] = slot as u32;
        } else {
            self.by_key.insert(key, slot);
        }
        (slot, true)
    }

    /// Forgets the eighth of the connections idle longest.
    fn forget_idlest(&mut self) {
        let mut used: Vec<(u64, usize)> = (0..self.keys.len())
            .filter(|s| !self.free.contains(s))
            .map(|s| (self.keys[s].1, s))
            .collect();
        used.sort_unstable();
        for &(_, slot) in used.iter().take(MAX_LOG_CONNECTIONS / 8) {
            let key = self.keys[slot].0;
            if key < DIRECT_KEYS {
                self.direct[key as usize] = u32::MAX;
            } else {
                self.by_key.remove(&key);
            }
            self.keys[slot] = (u64::MAX, 0);
            self.free.push(slot);
        }
    }

    /// Whether the connection `key` is followed.
    fn follows(&self, key: u64) -> bool {
        if key < DIRECT_KEYS {
            self.direct
                .get(key as usize)
                .is_some_and(|&s| s != u32::MAX)
        } else {
            self.by_key.contains_key(&key)
        }
    }
}

/// Keys are the formats' own numbers: one multiplication spreads them over the table.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Reads `text` as `format` and hands each protocol line, with what its connection's session
/// made of it, to `seen`; returns how many connections there were.
pub fn observe(
    text: &[u8],
    format: Format,
    judging: Judging,
    mut seen: impl FnMut(&Entry<'_>, Option<Direction>, &[u8], &Observation<'_>),
) -> usize {
    let mut conns = Connections::default();
    let mut unlabelled: Option<Session> = None;
    for entry in logs::read(text, format) {
        let session = match entry.conn {
            Some(c) => {
                let (slot, _) = conns.slot(c.key, judging);
                &mut conns.sessions[slot]
            }
            None => unlabelled.get_or_insert_with(|| judging.session()),
        };
        match &entry.what {
            What::Command { direction, text } => {
                let observation = session.observe(*direction, text);
                seen(&entry, *direction, text, &observation);
            }
            // A new connection under a label used before starts from nothing.
            What::Open => *session = judging.session(),
            What::Close => {}
        }
    }
    conns.seen + usize::from(unlabelled.is_some())
}

/// Reads `text` as `format` and reports every XFR and XFR error reply in it (every record held
/// in the report).
pub fn log(file: &str, text: &[u8], format: Format, judging: Judging) -> Report {
    let mut follower = Follower::new(file, format, judging);
    let mut lines = logs::LineByLine::new(format, text);
    for (number, line) in logs::lines(text) {
        if let Some(entry) = lines.line(number, line) {
            follower.entry(&entry);
        }
    }
    follower.finish()
}

/// A log's connections followed one entry at a time, each line reported with what its
/// connection's session made of it.
pub struct Follower {
    judging: Judging,
    conns: Connections,
    unlabelled: Option<Session>,
    /// Each connection's label in the report, by its key.
    labels: HashMap<u64, u32, BuildHasherDefault<KeyHasher>>,
    report: Report,
    msnp_lines: usize,
}

impl Follower {
    /// Follows a log of `format` named `file`.
    pub fn new(file: &str, format: Format, judging: Judging) -> Self {
        Follower {
            judging,
            conns: Connections::default(),
            unlabelled: None,
            labels: HashMap::default(),
            report: Report::new(file, Input::Log(format)),
            msnp_lines: 0,
        }
    }

    /// The report so far (its records not yet written).
    pub fn report_mut(&mut self) -> &mut Report {
        &mut self.report
    }

    /// Takes the log's next entry.
    pub fn entry(&mut self, entry: &Entry<'_>) {
        let judging = self.judging;
        let session = match entry.conn {
            Some(c) => {
                let (slot, _) = self.conns.slot(c.key, judging);
                // A papyon connection's name comes only with its opening: kept then. Other
                // names are made at the connection's first record (most lines make none).
                if matches!(entry.what, What::Open) {
                    self.name(c.key, c.label, true);
                }
                &mut self.conns.sessions[slot]
            }
            None => self.unlabelled.get_or_insert_with(|| judging.session()),
        };
        match &entry.what {
            What::Command { direction, text } => {
                self.msnp_lines += 1;
                let observation = session.observe(*direction, text);
                if !Record::reported(&observation) {
                    return;
                }
                let conn = entry.conn.map(|c| self.name(c.key, c.label, false));
                let store = &mut self.report.store;
                let origin = Origin {
                    line: Some(entry.line),
                    time: entry.time.map(|t| store.keep(t)),
                    conn,
                    ..Origin::default()
                };
                if let Some(record) =
                    Record::new(origin, *direction, judging.mode, text, &observation, store)
                {
                    self.report.push(record);
                }
            }
            // A new connection under a label used before starts from nothing.
            What::Open => *session = judging.session(),
            What::Close => {}
        }
    }

    /// The report's name for connection `key` (`label`), made once, or anew when `fresh`.
    #[inline]
    fn name(&mut self, key: u64, label: &[u8], fresh: bool) -> u32 {
        if !fresh {
            if let Some(&name) = self.labels.get(&key) {
                return name;
            }
        }
        self.new_name(key, label)
    }

    #[cold]
    fn new_name(&mut self, key: u64, label: &[u8]) -> u32 {
        if let Some(old) = self.labels.remove(&key) {
            self.report.retire(old);
        }
        let name = self
            .report
            .add_label(String::from_utf8_lossy(label).into_owned());
        self.labels.insert(key, name);
        // The names of connections no longer followed go, so that they do not pile up over a
        // long log (each forgotten once the records naming it are written).
        if self.labels.len() > 2 * MAX_LOG_CONNECTIONS {
            let (conns, report) = (&self.conns, &mut self.report);
            self.labels.retain(|key, name| {
                let keep = conns.follows(*key);
                if !keep {
                    report.retire(*name);
                }
                keep
            });
        }
        name
    }

    /// The report, with the log's counts.
    pub fn finish(mut self) -> Report {
        self.report.connections = self.conns.seen + usize::from(self.unlabelled.is_some());
        self.report.msnp_lines = self.msnp_lines;
        self.report
    }
}

/// How much of a log detection reads before it decides (all of a shorter log); past it without
/// a protocol line of a known format, the log is read on while it grows, to this much at most.
pub const DETECT_AT: usize = 64 * 1024;
/// The most of a log read looking for a known format; a log with no protocol line in it holds
/// none this tool reads.
pub const MAX_DETECT: usize = 64 << 20;
/// A log line longer than this is read as its first this many bytes; the rest is skipped.
pub const MAX_LOG_LINE: usize = 1 << 20;
/// How much of a log is read at once once its format is known.
const CHUNK: usize = 1 << 20;

/// How a log is read as a stream.
#[derive(Debug, Clone, Default)]
pub struct Streaming {
    /// The log comes as it is written (a pipe): each record is written and flushed at once, and
    /// detection looks at each piece as it comes.
    pub live: bool,
    /// What was undone to read it (`gzip`, `UTF-16LE`), for the heading.
    pub layers: Vec<&'static str>,
}

/// Why a log read as a stream gave no report.
#[derive(Debug)]
pub enum StreamError {
    /// No format this tool reads finds a protocol line in it: in all of it, or (`cut`) in the
    /// first [`MAX_DETECT`] bytes.
    NoFormat {
        /// Reading stopped at [`MAX_DETECT`] before the end.
        cut: bool,
    },
    /// The format given (or found) holds no protocol line in it.
    NoTraffic(Format),
    /// Reading failed.
    Read(std::io::Error),
}

/// Reads a log as it comes from `reader`, `head` being its first bytes already read: detects its
/// format from its start (unless `format` is given), then reads it a line at a time, each
/// record written to `output` as soon as it is made (on live input, each written and flushed
/// at once). Memory: the detection's look at the start, then a megabyte of text and the
/// connections followed, whatever the log's length. The report returned holds what is left
/// to write ([`Report::write_rest`]).
pub fn stream(
    name: &str,
    mut reader: impl std::io::Read,
    head: Vec<u8>,
    format: Option<Format>,
    judging: Judging,
    output: &mut crate::report::Output<'_>,
    streaming: &Streaming,
) -> Result<Report, StreamError> {
    let live = streaming.live;
    let mut buf = head;
    let mut ended = false;
    let mut read_more = |buf: &mut Vec<u8>, want: usize| -> Result<bool, StreamError> {
        let at = buf.len();
        buf.resize(at + want, 0);
        let n = loop {
            match reader.read(&mut buf[at..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    buf.truncate(at);
                    return Err(StreamError::Read(e));
                }
            }
        };
        buf.truncate(at + n);
        Ok(n > 0)
    };
    let format = match format {
        Some(format) => format,
        None => {
            // Files: the first DETECT_AT bytes, then twice as much each time; live input: each
            // piece as it comes, while the start is short, for its records are awaited.
            let mut next_try = if live { 1 } else { DETECT_AT };
            loop {
                if ended || buf.len() >= next_try {
                    let upto = if ended {
                        buf.len()
                    } else {
                        memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1)
                    };
                    if let Some(format) = logs::detect(&buf[..upto]) {
                        break format;
                    }
                    if ended {
                        return Err(StreamError::NoFormat { cut: false });
                    }
                    if buf.len() >= MAX_DETECT {
                        return Err(StreamError::NoFormat { cut: true });
                    }
                    next_try = if live && buf.len() < DETECT_AT {
                        buf.len() + 1
                    } else {
                        (2 * buf.len()).clamp(DETECT_AT, MAX_DETECT)
                    };
                }
                let want = next_try.saturating_sub(buf.len()).clamp(4096, CHUNK);
                ended = !read_more(&mut buf, want)?;
            }
        }
    };
    let mut lines = logs::LineByLine::new(format, &buf);
    let mut follower = Follower::new(name, format, judging);
    follower.report.layers.clone_from(&streaming.layers);
    if live {
        follower.report.go_live(std::time::Duration::ZERO);
    }
    let mut number = 0;
    // Inside a line over MAX_LOG_LINE, whose start was read: the rest is skipped.
    let mut skipping = false;
    let mut feed = |follower: &mut Follower, number: usize, line: &[u8]| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(entry) = lines.line(number, line) {
            follower.entry(&entry);
        }
    };
    loop {
        let mut start = 0;
        while let Some(i) = memchr::memchr(b'\n', &buf[start..]) {
            if skipping {
                skipping = false;
            } else {
                number += 1;
                feed(&mut follower, number, &buf[start..start + i]);
            }
            start += i + 1;
        }
        if !skipping && buf.len() - start > MAX_LOG_LINE {
            number += 1;
            feed(&mut follower, number, &buf[start..start + MAX_LOG_LINE]);
            skipping = true;
        }
        if skipping {
            start = buf.len();
        }
        buf.drain(..start);
        let report = &mut follower.report;
        if live || report.wants_writing() {
            report.write_ready(output);
            if live {
                output.flush();
            }
        }
        if output.failed() || ended {
            break;
        }
        ended = !read_more(&mut buf, CHUNK)?;
    }
    if !buf.is_empty() && !skipping {
        number += 1;
        feed(&mut follower, number, &buf);
    }
    let report = follower.finish();
    if report.msnp_lines == 0 {
        return Err(StreamError::NoTraffic(format));
    }
    Ok(report)
}
