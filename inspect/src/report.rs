//! What the tool found in one input, and how it is shown: the human table with its summary, or
//! JSON Lines.

use std::collections::BTreeMap;
use std::io::{self, Write};

use msnp_xfr::Version;

use crate::logs::Format;
use crate::record::{Outcome, Record};

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

/// Everything found in one input.
#[derive(Debug, Clone)]
pub struct Report {
    /// The input's name.
    pub file: String,
    /// What it was read as.
    pub input: Input,
    /// The XFR lines and XFR error replies, in input order.
    pub records: Vec<Record>,
    /// The names records point at: connections, gateway sessions.
    pub labels: Vec<String>,
    /// The texts records point at: their lines and times, one after another.
    pub texts: Vec<u8>,
    /// How many MSNP protocol lines were read.
    pub msnp_lines: usize,
    /// How many connections they belonged to (1 where the format tells none apart).
    pub connections: usize,
    /// For a capture: each MSNP or gateway connection's summary, in the order they started.
    pub tcp: Vec<ConnSummary>,
    /// For a capture: how many TCP connections it held in all.
    pub tcp_connections: usize,
    /// What reading the input ran into short of its end (a warning).
    pub warning: Option<String>,
}

/// One TCP connection of a capture, as followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnSummary {
    /// `client -> server`.
    pub label: String,
    /// `msnp` or `gateway`.
    pub kind: &'static str,
    /// When its first packet was captured (RFC 3339), and its frame.
    pub first: (Option<String>, u64),
    /// The versions its `VER` exchanges fixed, in order.
    pub versions: Vec<&'static str>,
    /// Protocol lines read (request and response heads for the gateway).
    pub lines: u64,
    /// XFR records.
    pub xfrs: u64,
    /// Gaps, and the bytes missing in them.
    pub gaps: (u64, u64),
    /// Bytes of later copies that differed from the first.
    pub conflicts: u64,
    /// The client's address.
    pub client: String,
}

impl Report {
    /// An empty report for `file`.
    pub fn new(file: &str, input: Input) -> Self {
        Report {
            file: file.to_string(),
            input,
            records: Vec::new(),
            labels: Vec::new(),
            texts: Vec::new(),
            msnp_lines: 0,
            connections: 0,
            tcp: Vec::new(),
            tcp_connections: 0,
            warning: None,
        }
    }

    /// The name a record's index points at.
    pub fn label(&self, index: u32) -> &str {
        self.labels.get(index as usize).map_or("", String::as_str)
    }

    /// Adds a name for records to point at.
    pub fn add_label(&mut self, label: String) -> u32 {
        self.labels.push(label);
        (self.labels.len() - 1) as u32
    }

    /// Whether every reported line decoded.
    pub fn all_decoded(&self) -> bool {
        self.records.iter().all(Record::ok)
    }

    /// Writes one JSON object per record, one per line.
    pub fn write_json(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        for record in &self.records {
            serde_json::to_writer(&mut *out, &record.expand(self))?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Writes the human table and the summary.
    pub fn write_human(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        writeln!(out, "== {} ({})", self.file, self.input.description())?;
        let conn_width = self
            .records
            .iter()
            .filter_map(|r| r.origin.conn.map(|c| self.label(c).len()))
            .max()
            .unwrap_or(1)
            .max(4);
        writeln!(
            out,
            "{:>6}  {:<3}  {:<conn_width$}  {:<7}  {:<11}  fields",
            "line", "dir", "conn", "version", "kind"
        )?;
        for record in &self.records {
            let r = record.expand(self);
            let place = r
                .line
                .map(|l| l.to_string())
                .or_else(|| r.frame.map(|f| format!("#{f}")))
                .unwrap_or_default();
            write!(
                out,
                "{place:>6}  {:<3}  {:<conn_width$}  {:<7}  {:<11}  {}",
                r.dir.unwrap_or("-"),
                r.conn.unwrap_or("-"),
                r.version.unwrap_or("-"),
                record.kind_name(),
                r.fields
            )?;
            if !r.notes.is_empty() {
                write!(out, "  ! {}", r.notes)?;
            }
            writeln!(out)?;
        }
        if matches!(self.input, Input::Capture { .. }) {
            self.write_connections(out)?;
            self.write_chains(out)?;
        }
        Summary::of(std::slice::from_ref(self)).write(out, self.msnp_lines, self.connections)
    }

    /// A capture's connections: kind, versions, lines, XFRs, gaps.
    fn write_connections(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        let n = self.tcp_connections;
        let plural = if n == 1 { "" } else { "s" };
        writeln!(
            out,
            "\nconnections ({n} TCP connection{plural} in the capture)"
        )?;
        let width = self.tcp.iter().map(|c| c.label.len()).max().unwrap_or(4);
        writeln!(
            out,
            "  {:<width$}  {:<7}  {:>6}  {:>5}  {:>12}  versions",
            "conn", "kind", "lines", "xfrs", "gaps (bytes)"
        )?;
        for c in &self.tcp {
            let gaps = format!("{} ({})", c.gaps.0, c.gaps.1);
            let versions = if c.versions.is_empty() {
                "-".to_string()
            } else {
                c.versions.join(", ")
            };
            writeln!(
                out,
                "  {:<width$}  {:<7}  {:>6}  {:>5}  {gaps:>12}  {versions}",
                c.label, c.kind, c.lines, c.xfrs
            )?;
        }
        Ok(())
    }

    /// Each client's connections in the order they started, with the referrals between them:
    /// dispatch → notification → switchboards.
    fn write_chains(&self, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
        writeln!(out, "\nreferral chains")?;
        let mut clients: Vec<&str> = Vec::new();
        for c in &self.tcp {
            let ip = client_ip(&c.client);
            if !clients.contains(&ip) {
                clients.push(ip);
            }
        }
        for ip in clients {
            writeln!(out, "  client {ip}")?;
            for c in self.tcp.iter().filter(|c| client_ip(&c.client) == ip) {
                let when = c
                    .first
                    .0
                    .as_deref()
                    .map_or("-", |t| t.get(11..26).unwrap_or(t));
                let versions = c.versions.last().copied().unwrap_or("-");
                writeln!(out, "    {when}  #{:<6} {}  {versions}", c.first.1, c.label)?;
                for r in &self.records {
                    let on_this = r.origin.conn.is_some_and(|i| self.label(i) == c.label);
                    if let (true, Some(next)) = (on_this, r.followed_by) {
                        let what = match r.kind_name() {
                            "ns" => "NS referral",
                            _ => "SB referral",
                        };
                        let frame = r.origin.frame.map_or(String::new(), |f| format!("#{f} "));
                        writeln!(out, "      {frame}{what} -> {}", self.label(next))?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Counts over the records of one or more inputs.
#[derive(Debug, Default)]
pub struct Summary {
    total: usize,
    failed: usize,
    kinds: BTreeMap<&'static str, usize>,
    versions: BTreeMap<Option<Version>, usize>,
    deviations: BTreeMap<&'static str, usize>,
    errors: BTreeMap<&'static str, usize>,
}

impl Summary {
    /// The counts over `reports`.
    pub fn of(reports: &[Report]) -> Self {
        let mut s = Summary::default();
        for r in reports.iter().flat_map(|r| &r.records) {
            s.total += 1;
            s.failed += usize::from(!r.ok());
            *s.kinds.entry(r.kind_name()).or_default() += 1;
            *s.versions.entry(r.version).or_default() += 1;
            for d in r.deviations().iter() {
                *s.deviations.entry(d.name()).or_default() += 1;
            }
            match r.outcome {
                Outcome::Failed { error } => *s.errors.entry(error).or_default() += 1,
                Outcome::Truncated { .. } => *s.errors.entry("truncated").or_default() += 1,
                _ => {}
            }
        }
        s
    }

    /// Writes the summary lines.
    pub fn write(
        &self,
        out: &mut (impl Write + ?Sized),
        msnp_lines: usize,
        connections: usize,
    ) -> io::Result<()> {
        fn counts<K>(map: &BTreeMap<K, usize>, name: impl Fn(&K) -> String) -> String {
            if map.is_empty() {
                return "none".into();
            }
            map.iter()
                .map(|(k, n)| format!("{} {n}", name(k)))
                .collect::<Vec<_>>()
                .join(", ")
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
        let text = |k: &&str| k.to_string();
        let version = |v: &Option<Version>| v.map_or("unknown".to_string(), |v| v.to_string());
        writeln!(out, "  by kind:      {}", counts(&self.kinds, text))?;
        writeln!(out, "  by version:   {}", counts(&self.versions, version))?;
        writeln!(out, "  deviations:   {}", counts(&self.deviations, text))?;
        writeln!(out, "  errors:       {}", counts(&self.errors, text))
    }
}

/// The IP part of `ip:port` (`[v6]:port` too).
fn client_ip(address: &str) -> &str {
    address.rsplit_once(':').map_or(address, |(ip, _)| ip)
}
