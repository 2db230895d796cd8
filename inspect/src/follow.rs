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

/// The sessions of a log's connections, by the format's key for each.
#[derive(Default)]
struct Connections {
    /// Slots of keys below [`DIRECT_KEYS`], looked up directly (every format's keys are small
    /// numbers: `NS/9d15` is 0x9d15, `SB 004` is 0x10004); `u32::MAX` where none.
    direct: Vec<u32>,
    /// Slots of any larger key.
    by_key: HashMap<u64, usize, BuildHasherDefault<KeyHasher>>,
    sessions: Vec<Session>,
}

const DIRECT_KEYS: u64 = 1 << 18;

impl Connections {
    fn slot(&mut self, key: u64, judging: Judging) -> usize {
        let next = self.sessions.len();
        let slot = if key < DIRECT_KEYS {
            let i = key as usize;
            if i >= self.direct.len() {
                self.direct.resize(i + 1, u32::MAX);
            }
            if self.direct[i] == u32::MAX {
                self.direct[i] = next as u32;
            }
            self.direct[i] as usize
        } else {
            *self.by_key.entry(key).or_insert(next)
        };
        if slot == next {
            self.sessions.push(judging.session());
        }
        slot
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
                let slot = conns.slot(c.key, judging);
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
    conns.sessions.len() + usize::from(unlabelled.is_some())
}

/// Reads `text` as `format` and reports every XFR and XFR error reply in it.
pub fn log(file: &str, text: &[u8], format: Format, judging: Judging) -> Report {
    let mut report = Report::new(file, Input::Log(format));
    let mut msnp_lines = 0;
    // Each connection's label, made once.
    let mut labels: HashMap<u64, u32, BuildHasherDefault<KeyHasher>> = HashMap::default();
    let connections = observe(
        text,
        format,
        judging,
        |entry, direction, line, observation| {
            msnp_lines += 1;
            if !Record::reported(observation) {
                return;
            }
            let store = &mut report.store;
            let conn = entry.conn.map(|c| {
                *labels.entry(c.key).or_insert_with(|| {
                    store.add_label(String::from_utf8_lossy(c.label).into_owned())
                })
            });
            let origin = Origin {
                line: Some(entry.line),
                time: entry.time.map(|t| store.keep(t)),
                conn,
                ..Origin::default()
            };
            if let Some(record) =
                Record::new(origin, direction, judging.mode, line, observation, store)
            {
                report.push(record);
            }
        },
    );
    report.connections = connections;
    report.msnp_lines = msnp_lines;
    report
}
