//! What the tool reports: one record per XFR line, and per numeric error reply answering an XFR
//! request, with the same keys whatever the input was (JSON Lines, or a row of the human table).
//!
//! A [`Record`] is kept small, because a large log holds many: the line as it was read, the
//! mode and version it was judged in, and its outcome. Everything else (the fields, the
//! canonical form, the error message) is the same reading done again when the record is shown
//! ([`Record::expand`]): reading a line costs less than keeping all it says. The names and
//! texts records point at live in a [`Store`], which forgets them once no record needs them.

use std::collections::HashMap;
use std::ops::Range;

use msnp_xfr::{
    Auth, Deviations, Direction, ErrorCode, Mode, NsForm, Observation, SbForm, ServerType, TrId,
    Version, Xfr, parse_from,
};

use serde::Serialize;

/// The names (connections, gateway sessions) and texts (lines, times) records point at.
///
/// Texts are kept one after another and addressed by absolute offsets, so the oldest can be
/// forgotten once their records are written without moving the others' addresses.
#[derive(Debug, Clone, Default)]
pub struct Store {
    labels: HashMap<u32, String>,
    next_label: u32,
    texts: Vec<u8>,
    /// The absolute offset of `texts[0]`.
    base: usize,
}

impl Store {
    /// The name `index` points at (empty once forgotten).
    pub fn label(&self, index: u32) -> &str {
        self.labels.get(&index).map_or("", String::as_str)
    }

    /// Adds a name for records to point at.
    pub fn add_label(&mut self, label: String) -> u32 {
        let mut index = self.next_label;
        // Only a label still in use after four billion others could be met again.
        while self.labels.contains_key(&index) {
            index = index.wrapping_add(1);
        }
        self.next_label = index.wrapping_add(1);
        self.labels.insert(index, label);
        index
    }

    /// Forgets a name no record points at any more.
    pub fn forget_label(&mut self, index: u32) {
        self.labels.remove(&index);
    }

    /// How many names are kept.
    pub fn labels(&self) -> usize {
        self.labels.len()
    }

    /// Keeps `bytes` and returns where they are.
    pub fn keep(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.base + self.texts.len();
        self.texts.extend_from_slice(bytes);
        start..start + bytes.len()
    }

    /// The text at `range` (empty once forgotten).
    pub fn text(&self, range: Range<usize>) -> &[u8] {
        let (Some(start), Some(end)) = (
            range.start.checked_sub(self.base),
            range.end.checked_sub(self.base),
        ) else {
            return &[];
        };
        self.texts.get(start..end).unwrap_or_default()
    }

    /// Forgets the texts before the absolute offset `offset`.
    pub fn forget_texts_before(&mut self, offset: usize) {
        let n = offset.saturating_sub(self.base).min(self.texts.len());
        self.texts.drain(..n);
        self.base += n;
        // A burst of held records must not keep its room for the rest of the run.
        if self.texts.capacity() > 4 * self.texts.len().max(1 << 16) {
            self.texts.shrink_to(2 * self.texts.len().max(1 << 16));
        }
    }

    /// The offset the next text will be kept at.
    pub fn end(&self) -> usize {
        self.base + self.texts.len()
    }

    /// Bytes of text kept.
    pub fn text_bytes(&self) -> usize {
        self.texts.len()
    }
}

/// What a record is shown with: its input's name and the store its names and texts are in.
pub trait Context {
    /// The input's name.
    fn file(&self) -> &str;
    /// The store.
    fn store(&self) -> &Store;
    /// The log format the input was read as (`generic`: by the generic reader); none for a
    /// capture.
    fn log_format(&self) -> Option<&'static str> {
        None
    }
}

/// Where a line came from, as the input can tell. Names (the connection's, the gateway
/// session's, the connection that followed a referral) are [`Store`] label indices, and texts
/// (the line, its time) ranges of the store's texts: a record allocates nothing of its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The 1-based line number in a text log.
    pub line: Option<usize>,
    /// The 1-based number of the packet that completed the line, in a capture.
    pub frame: Option<u64>,
    /// The log's timestamp as written, or the packet's in RFC 3339 (a range of the report's
    /// texts).
    pub time: Option<Range<usize>>,
    /// The connection: the log's label, or `client -> server` in a capture.
    pub conn: Option<u32>,
    /// The HTTP gateway's SessionID, for lines carried through the gateway.
    pub gateway_session: Option<u32>,
    /// Wireshark's `tcp.stream` of the TCP connection that carried the line, in a capture.
    pub stream: Option<u32>,
}

/// What a reported line was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An XFR line that decoded, with what lenient reading tolerated.
    Xfr {
        /// Its kind: `request`, `ns`, `sb`, `reset`.
        kind: &'static str,
        /// The deviations.
        deviations: Deviations,
    },
    /// An XFR line that did not decode.
    Failed {
        /// `Error::kind`.
        error: &'static str,
    },
    /// An XFR line cut off before its line end, by the end of its connection (FIN, RST), by
    /// bytes missing from the capture, or by the capture's end: never read as a line.
    Truncated {
        /// What cut it off: `"FIN"`, `"RST"`, `"a gap"`, `"the end of the capture"`.
        by: &'static str,
    },
    /// An XFR line longer than the reader's line limit: its first `limit` bytes are kept, the
    /// rest skipped up to its line end; never decoded.
    OverLong {
        /// The line limit.
        limit: usize,
    },
    /// A numeric reply answering an XFR request.
    ErrorReply {
        /// The code.
        code: ErrorCode,
        /// The TrID of the request it answers.
        trid: TrId,
        /// What the request asked for.
        request: ServerType,
    },
}

/// One reported line.
#[derive(Debug, Clone)]
pub struct Record {
    /// Where it came from.
    pub origin: Origin,
    /// Which way it travelled, where the input tells.
    pub dir: Option<Direction>,
    /// The version it was judged against (`None` before any `VER`).
    pub version: Option<Version>,
    /// The mode it was read in.
    pub mode: Mode,
    /// The line exactly as it was read, line end included where there was one (a range of the
    /// report's texts).
    pub text: Range<usize>,
    /// What it was.
    pub outcome: Outcome,
    /// The line was cut off by the end of its connection (FIN, RST) or of the capture, and
    /// never read as a complete line.
    pub truncated: bool,
    /// The reader could not be sure the line started where it read one: the capture lost
    /// bytes of its direction before it (which may have held a payload command, making this
    /// line part of a body), or joined the connection in the middle. See the README's
    /// capture section for what makes the framing certain.
    pub uncertain: bool,
    /// For an SB referral, the connection on which the client presented its cookie; for an NS
    /// referral, the client's next connection to the address given (a label index).
    pub followed_by: Option<u32>,
    /// The record waits for the connection that follows its referral, and is not written
    /// before that connection is seen or the wait is given up.
    pub awaiting: bool,
}

/// An error, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorInfo {
    /// `Error::kind`: `"missing"`, `"version"`, …
    pub kind: &'static str,
    /// The byte offset in the line.
    pub offset: Option<usize>,
    /// The error's message.
    pub message: String,
}

/// Everything a record says, as shown: the JSON Lines object (keys in this order) and the human
/// table's columns.
#[derive(Debug, Clone, Serialize)]
pub struct Expanded<'r> {
    /// The input's name.
    pub file: &'r str,
    /// The 1-based line number in a text log (null in captures).
    pub line: Option<usize>,
    /// `C` client → server, `S` server → client.
    pub dir: Option<&'static str>,
    /// The version the line was judged against (null before any `VER`).
    pub version: Option<&'static str>,
    /// Whether the line decoded.
    pub ok: bool,
    /// `request`, `ns`, `sb`, `reset`, `error-reply`; for a line that did not decode (`ok`
    /// false) what it was read as, or `failed` where its words do not tell.
    pub kind: Option<&'static str>,
    /// The transaction id.
    pub trid: Option<u32>,
    /// `NS` or `SB`: the server type asked for or referred to.
    pub server: Option<&'static str>,
    /// The host referred to.
    pub host: Option<String>,
    /// Its port (null when the line had none).
    pub port: Option<u16>,
    /// `CKI`, `CTP` or `MD5` (SB referrals).
    pub auth: Option<&'static str>,
    /// The cookie or salt.
    pub cookie: Option<String>,
    /// The current server of an MSNP7–MSNP12 NS referral.
    pub current: Option<String>,
    /// The MSNP14+ direct-connect flag.
    pub direct: Option<bool>,
    /// The MSNP21 hop blob.
    pub hop: Option<String>,
    /// Whether an NS referral is MSNP21's move to the HTTP gateway.
    pub gateway: Option<bool>,
    /// The numeric code of an error reply.
    pub code: Option<u16>,
    /// The versions whose grammar has exactly this line.
    pub legal_in: Vec<&'static str>,
    /// What lenient reading tolerated.
    pub deviations: Vec<&'static str>,
    /// The value written back in its own shape.
    pub canonical: Option<String>,
    /// Why the line did not decode.
    pub error: Option<ErrorInfo>,
    /// The connection.
    pub conn: Option<&'r str>,
    /// The line as sent (markup and escapes undone), without CR LF.
    pub raw: String,
    /// The timestamp.
    pub time: Option<&'r str>,
    /// The capture's packet number.
    pub frame: Option<u64>,
    /// The line was cut off by the end of its connection or of the capture.
    pub truncated: bool,
    /// The framing was uncertain where the line was read (after bytes lost from its direction,
    /// or in a connection the capture joined in the middle): it may be text of a payload body.
    pub framing_uncertain: bool,
    /// The HTTP gateway's SessionID.
    pub gateway_session: Option<&'r str>,
    /// Where the client followed the referral.
    pub followed_by: Option<&'r str>,
    /// Wireshark's `tcp.stream` of the TCP connection that carried the line
    /// (`tcp.stream == N` shows it there); null in logs.
    pub tcp_stream: Option<u32>,
    /// The log format the line was read as: `generic` where the generic reader found it in a
    /// log of no known format; null in captures.
    pub log_format: Option<&'static str>,
    /// The human table's fields column.
    #[serde(skip)]
    pub fields: String,
    /// Deviations, advisory notes or the error, for people.
    #[serde(skip)]
    pub notes: String,
}

impl Record {
    /// Whether the tool reports a line the session observed so: an XFR (decoded or not), or an
    /// error reply answering an XFR request.
    pub fn reported(observation: &Observation<'_>) -> bool {
        matches!(
            observation,
            Observation::Xfr { .. } | Observation::XfrErrorReply { .. }
        )
    }

    /// The record of `line` (as read, in `mode`), if the session's observation of it is one the
    /// tool reports; the line is kept in `store`.
    pub fn new(
        origin: Origin,
        dir: Option<Direction>,
        mode: Mode,
        line: &[u8],
        observation: &Observation<'_>,
        store: &mut Store,
    ) -> Option<Record> {
        let (version, outcome) = match observation {
            Observation::Xfr {
                version, result, ..
            } => (
                *version,
                match result {
                    Ok(p) => Outcome::Xfr {
                        kind: p.xfr.kind().as_str(),
                        deviations: p.deviations,
                    },
                    Err(e) => Outcome::Failed { error: e.kind() },
                },
            ),
            Observation::XfrErrorReply {
                version,
                reply,
                request,
            } => (
                *version,
                Outcome::ErrorReply {
                    code: reply.code,
                    trid: reply.trid,
                    request: *request,
                },
            ),
            _ => return None,
        };
        Some(Record {
            origin,
            dir,
            version,
            mode,
            text: store.keep(line),
            outcome,
            truncated: false,
            uncertain: false,
            followed_by: None,
            awaiting: false,
        })
    }

    /// Whether the line decoded.
    pub fn ok(&self) -> bool {
        !matches!(
            self.outcome,
            Outcome::Failed { .. } | Outcome::Truncated { .. } | Outcome::OverLong { .. }
        )
    }

    /// The kind as the human table and summary show it: `failed` for a line that did not
    /// decode (never to be confused with `error-reply`, a server's numeric answer that did).
    pub fn kind_name(&self) -> &'static str {
        match self.outcome {
            Outcome::Xfr { kind, .. } => kind,
            Outcome::Failed { .. } | Outcome::Truncated { .. } | Outcome::OverLong { .. } => {
                "failed"
            }
            Outcome::ErrorReply { .. } => "error-reply",
        }
    }

    /// What lenient reading tolerated.
    pub fn deviations(&self) -> Deviations {
        match self.outcome {
            Outcome::Xfr { deviations, .. } => deviations,
            _ => Deviations::NONE,
        }
    }

    /// The line as it was read; `report` is the one the record belongs to.
    pub fn text<'r>(&self, report: &'r impl Context) -> &'r [u8] {
        report.store().text(self.text.clone())
    }

    /// The value of an XFR line that decoded, read again.
    pub fn xfr<'r>(&self, report: &'r impl Context) -> Option<Xfr<'r>> {
        match self.outcome {
            Outcome::Xfr { .. } => parse_from(self.dir, self.text(report), self.mode, self.version)
                .ok()
                .map(|p| p.xfr),
            _ => None,
        }
    }

    /// Everything the record says; `report` is the one it belongs to (its file and labels).
    pub fn expand<'r>(&'r self, report: &'r impl Context) -> Expanded<'r> {
        self.expand_as(report, true)
    }

    /// What the JSON object says: [`Record::expand`] without the human table's `fields` and
    /// `notes` (left empty), which a large capture's JSON would pay for and never show.
    pub fn expand_keys<'r>(&'r self, report: &'r impl Context) -> Expanded<'r> {
        self.expand_as(report, false)
    }

    fn expand_as<'r>(&'r self, report: &'r impl Context, human: bool) -> Expanded<'r> {
        let o = &self.origin;
        let store = report.store();
        let label = |i: Option<u32>| i.map(|i| store.label(i));
        let mut e = Expanded {
            file: report.file(),
            line: o.line,
            dir: self.dir.map(Direction::as_str),
            version: self.version.map(Version::as_str),
            ok: self.ok(),
            kind: None,
            trid: None,
            server: None,
            host: None,
            port: None,
            auth: None,
            cookie: None,
            current: None,
            direct: None,
            hop: None,
            gateway: None,
            code: None,
            legal_in: Vec::new(),
            deviations: Vec::new(),
            canonical: None,
            error: None,
            conn: label(o.conn),
            raw: String::from_utf8_lossy(strip_line_end(self.text(report))).into_owned(),
            time: o
                .time
                .clone()
                .and_then(|t| std::str::from_utf8(store.text(t)).ok()),
            frame: o.frame,
            truncated: self.truncated,
            framing_uncertain: self.uncertain,
            gateway_session: label(o.gateway_session),
            followed_by: label(self.followed_by),
            tcp_stream: o.stream,
            log_format: report.log_format(),
            fields: String::new(),
            notes: String::new(),
        };
        match self.outcome {
            Outcome::ErrorReply {
                code,
                trid,
                request,
            } => {
                e.kind = Some("error-reply");
                e.trid = Some(trid.0);
                e.server = Some(request.as_str());
                e.code = Some(code.0);
                if human {
                    e.fields = format!("trid={trid} to XFR {request}: {code}");
                }
            }
            Outcome::Truncated { by } => {
                let message = format!("the line was cut off by {by} before its line end");
                e.failed(self.dir, self.text(report), self.mode, self.version, human);
                e.notes = message.clone();
                e.error = Some(ErrorInfo {
                    kind: "truncated",
                    offset: Some(self.text.len()),
                    message,
                });
            }
            Outcome::OverLong { limit } => {
                let message = format!(
                    "the line is longer than the {limit}-byte line limit; its first {} bytes are shown",
                    self.text.len()
                );
                e.failed(self.dir, self.text(report), self.mode, self.version, human);
                e.notes = message.clone();
                e.error = Some(ErrorInfo {
                    kind: "too-long",
                    offset: Some(limit),
                    message,
                });
            }
            Outcome::Xfr { .. } | Outcome::Failed { .. } => {
                let text = self.text(report);
                match parse_from(self.dir, text, self.mode, self.version) {
                    Ok(parsed) => e.decoded(&parsed.xfr, parsed.deviations, human),
                    Err(error) => {
                        e.failed(self.dir, text, self.mode, self.version, human);
                        e.notes = format!("not decoded: {error}");
                        e.error = Some(ErrorInfo {
                            kind: error.kind(),
                            offset: error.offset(),
                            message: error.to_string(),
                        });
                    }
                }
            }
        }
        e
    }
}

impl Expanded<'_> {
    /// What a line that did not decode was read as: the request a client's line starts with
    /// (its TrID and server type), else what its words name (`sb`, `ns`, `reset`), else
    /// `failed`; and in the table, the line itself.
    fn failed(
        &mut self,
        dir: Option<Direction>,
        text: &[u8],
        mode: Mode,
        version: Option<Version>,
        human: bool,
    ) {
        let line = strip_line_end(text);
        if human {
            self.fields = format!("{:?}", String::from_utf8_lossy(line));
        }
        if let (Some(Direction::ClientToServer), Err(msnp_xfr::Error::TrailingData { offset })) =
            (dir, parse_from(dir, line, mode, version))
        {
            let request = line[..offset].trim_ascii_end();
            if let Ok(Xfr::Request(r)) = parse_from(dir, request, mode, version).map(|p| p.xfr) {
                self.kind = Some("request");
                self.trid = Some(r.trid.0);
                self.server = Some(r.server.as_str());
                return;
            }
        }
        let mut words = line
            .split(|b| *b == b' ' || *b == b'\t')
            .filter(|w| !w.is_empty());
        let (trid, server, rest) = (words.nth(1), words.next(), words.next());
        self.kind = Some(match (dir, server, rest) {
            (Some(Direction::ClientToServer), Some(b"SB" | b"NS"), _) => "request",
            (_, Some(b"SB"), Some(_)) => "sb",
            (_, Some(b"NS"), Some(b"0")) if trid == Some(b"0") => "reset",
            (_, Some(b"NS"), Some(_)) => "ns",
            _ => "failed",
        });
    }

    fn decoded(&mut self, xfr: &Xfr<'_>, deviations: Deviations, human: bool) {
        let legal = xfr.legal_versions();
        self.kind = Some(xfr.kind().as_str());
        self.trid = Some(xfr.trid().0);
        self.server = Some(xfr.server_type().as_str());
        self.legal_in = legal.iter().map(Version::as_str).collect();
        self.deviations = deviations.iter().map(|d| d.name()).collect();
        self.canonical = Some(xfr.to_string());
        let mut fields: Vec<String> = Vec::new();
        // The table's column only where it is shown.
        macro_rules! field {
            ($($text:tt)*) => {
                if human {
                    fields.push(format!($($text)*));
                }
            };
        }
        field!("trid={}", xfr.trid());
        if let Some(server) = xfr.server() {
            self.host = Some(server.host.as_str().to_string());
            self.port = server.port.map(|p| p.get());
            field!("{} {server}", xfr.server_type());
        }
        match xfr {
            Xfr::Request(r) => field!("asks for {}", r.server),
            Xfr::SoftReset => field!("soft reset"),
            Xfr::Ns(ns) => {
                self.gateway = Some(matches!(ns.form, NsForm::Gateway(_)));
                match &ns.form {
                    NsForm::Current(current) => {
                        self.current = Some(current.to_string());
                        field!("current={current}");
                    }
                    NsForm::Hop(hop) | NsForm::Gateway(hop) => {
                        self.hop = Some(hop.as_str().to_string());
                        if matches!(ns.form, NsForm::Gateway(_)) {
                            field!("gateway");
                        }
                        let mut buf = [0u8; msnp_xfr::MAX_TOKEN_LEN];
                        if let (true, Some(count)) = (human, hop.header("XfrCount", &mut buf)) {
                            field!("hop XfrCount={count}");
                        }
                    }
                    _ => {}
                }
            }
            Xfr::Sb(sb) => {
                self.auth = Some(sb.auth.method());
                self.cookie = sb.auth.param().map(|p| p.as_str().to_string());
                match &sb.auth {
                    Auth::Ctp => field!("CTP"),
                    auth => field!(
                        "{} {}",
                        auth.method(),
                        auth.param().map_or("", |p| p.as_str())
                    ),
                }
                match sb.form {
                    SbForm::Domain => field!("U messenger.msn.com"),
                    SbForm::Direct(direct) => {
                        self.direct = Some(direct);
                        field!("U messenger.msn.com direct={}", u8::from(direct));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        if !human {
            return;
        }
        field!("[{legal}]");
        self.fields = fields.join(" ");
        let (advisory, tolerated): (Vec<_>, Vec<_>) =
            deviations.iter().partition(|d| d.is_advisory());
        let mut notes = Vec::new();
        if !tolerated.is_empty() {
            let list: Vec<_> = tolerated.iter().map(|d| d.name()).collect();
            notes.push(format!("deviations: {}", list.join(", ")));
        }
        if !advisory.is_empty() {
            let list: Vec<_> = advisory.iter().map(|d| d.name()).collect();
            notes.push(format!("note: {}", list.join(", ")));
        }
        self.notes = notes.join("; ");
    }
}

fn strip_line_end(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    raw.strip_suffix(b"\r").unwrap_or(raw)
}
