//! The command line: arguments, inputs, what each is read as, output and the exit status.

use std::ffi::OsString;
use std::io::{self, Read, Write};

use msnp_xfr::{Mode, Version};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use crate::capture;
use crate::follow::{self, Judging};
use crate::input::{self, Source};
use crate::logs::Format;
use crate::report::{Filter, Output, Report, Style, Summary, Times};

/// The kinds `--kind` takes, as the table names them.
pub const KINDS: [&str; 6] = ["ns", "sb", "request", "reset", "error-reply", "failed"];

/// The embedded samples read when no input is given.
pub const SAMPLES: &[(&str, &[u8])] = &[
    (
        "sample:transcript.log",
        include_bytes!("../data/transcript.log"),
    ),
    ("sample:purple.log", include_bytes!("../data/purple.log")),
    ("sample:escargot.md", include_bytes!("../data/escargot.md")),
    ("sample:papyon.log", include_bytes!("../data/papyon.log")),
    (
        "sample:loopback.pcap",
        include_bytes!("../data/loopback.pcap"),
    ),
];

/// The usage text.
pub const USAGE: &str = "\
usage: msnp-inspect [OPTIONS] [FILE|DIR|-]...

Finds and decodes every MSN Messenger XFR line, and every error reply to an XFR
request, in packet captures and text logs.

  FILE           a pcap or pcapng capture or a text log, gzip, zstd, xz or bzip2
                 compressed or not; DIR reads every file under it, in name order;
                 - reads stdin. Several are read in parallel, reported in order.
                 With none: stdin when it is not a terminal, else the embedded samples.
  --samples      read the embedded samples
  --format NAME  read every input as NAME instead of detecting its format:
                 pcap, pcapng  packet captures
                 transcript  C:/S: and >>>/<<< transcripts
                 onechar     > and < transcripts
                 purple      libpurple (Pidgin, Finch, Adium) debug log
                 pecan       msn-pecan debug log, ... show_debug_cmd() C: 000: ns: ...
                 kopete      Kopete MSN debug output, [void MSNSocket::...] ...
                 miranda     Miranda network log, Data sent dumps and RECV: lines
                 escargot    revival-server log, NS/9d15 >>> ...
                 papyon      papyon console, [12:00:00 DEBUG papyon.transport] ...
                 emesene     emesene debug window, (12:00:00) papyon.transport:...
                 amsn        aMSN protocol console, [12:00:00] ->ns-sock4 ...
                 generic     any log: commands after a repeating prefix, in JSON or XML
  --msnp N       judge every line against MSNP N (2-21) instead of following VER
  --strict       the documented grammar only
  --lenient      also what real servers sent, reported as deviations (default)
  --json         one JSON object per XFR or XFR error reply, one per line
  --csv          the same as CSV, the JSON keys as columns
  -t FORMAT      the table's time column: abs (time of day, the date where the day
                 changes; the default), rel (seconds since the first packet), delta
                 (since the row before), none
  --kind KINDS   show only these kinds (comma-separated): ns, sb, request, reset,
                 error-reply (a server's numeric answer), failed (a line that did not
                 decode); every record is still counted
  --failed       show only the lines that did not decode (--kind failed)
  --conn ADDR    show only the connection(s) with this address, address:port, or log
                 connection name (NS 000)
  --wait SECS    on live input (a pipe), how long a referral's record waits for the
                 connection that follows it before it is written without (default 1)
  -i IFACE       capture live from the interface IFACE (needs the pcap feature,
                 and root or CAP_NET_RAW and CAP_NET_ADMIN); with FILEs, read first
  -f FILTER      the capture filter for -i, as tcpdump's: 'tcp port 1863'
  -q, --quiet    no progress bar (shown on a terminal for long inputs)
  -h, --help     this text
  -V, --version  the version

Live input (a pipe, such as tcpdump -U -w - | msnp-inspect) is reported as it
comes. Ctrl-C or SIGTERM ends the reading there: what was read is reported, the
status is that of what was read; a second Ctrl-C quits at once (status 130).

Exit status, the first that applies to any input: 2 usage or read error (a capture
damaged before its end, too); 1 an XFR did not decode; 3 an input holds no MSNP
traffic in any format this tool reads (or is empty); 0 otherwise.";

/// What `--format` forces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forced {
    /// A text log of this format.
    Log(Format),
    /// A capture: pcapng rather than pcap.
    Capture {
        /// pcapng.
        ng: bool,
    },
}

/// How long a referral's record waits for its follower on live input, unless `--wait` says.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(1);

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// How lines are judged.
    pub judging: Judging,
    /// The table, JSON Lines or CSV.
    pub style: Style,
    /// The table's time column.
    pub times: Times,
    /// Which records are shown.
    pub filter: Filter,
    /// A format for every input instead of detecting one.
    pub format: Option<Forced>,
    /// The inputs (`-` is stdin, a directory its files).
    pub inputs: Vec<String>,
    /// Read the embedded samples (also what no input on a terminal reads).
    pub samples: bool,
    /// On live input, how long a referral's record waits for its follower.
    pub wait: Duration,
    /// No progress bar.
    pub quiet: bool,
    /// An interface to capture from live (`-i`), and the capture filter (`-f`).
    pub interface: Option<String>,
    /// The capture filter for `-i`.
    pub capture_filter: Option<String>,
}

/// Why the command line is not a run: help or the version asked for, or a mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    /// `--help`.
    Help,
    /// `--version`.
    Version,
    /// What is wrong with the arguments.
    Wrong(String),
}

/// Parses the arguments (without the program name).
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Args, Usage> {
    use lexopt::prelude::*;
    let mut parsed = Args {
        judging: Judging {
            mode: Mode::Lenient,
            version: None,
        },
        style: Style::Table,
        times: Times::Absolute,
        filter: Filter::default(),
        format: None,
        inputs: Vec::new(),
        samples: false,
        wait: DEFAULT_WAIT,
        quiet: false,
        interface: None,
        capture_filter: None,
    };
    let usage = |e: lexopt::Error| Usage::Wrong(e.to_string());
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Long("msnp") => {
                let value = parser.value().map_err(usage)?;
                let text = value.to_string_lossy();
                let version: Version = text.parse().map_err(|_| {
                    Usage::Wrong(format!("--msnp: {text:?} is not a version in 2-21"))
                })?;
                parsed.judging.version = Some(version);
            }
            Long("format") => {
                let value = parser.value().map_err(usage)?;
                let text = value.to_string_lossy();
                parsed.format = Some(match &*text {
                    "pcap" => Forced::Capture { ng: false },
                    "pcapng" => Forced::Capture { ng: true },
                    _ => Forced::Log(Format::from_name(&text).ok_or_else(|| {
                        let names: Vec<_> = ["pcap", "pcapng"]
                            .into_iter()
                            .chain(Format::ALL.iter().map(|f| f.name()))
                            .chain(["generic"])
                            .collect();
                        Usage::Wrong(format!(
                            "--format: {text:?} is none of {}",
                            names.join(", ")
                        ))
                    })?),
                });
            }
            Long("wait") => {
                let value = parser.value().map_err(usage)?;
                let text = value.to_string_lossy();
                parsed.wait = text
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(|| {
                        Usage::Wrong(format!("--wait: {text:?} is not a number of seconds"))
                    })?;
            }
            Long("samples") => parsed.samples = true,
            Short('i') | Long("interface") => {
                let value = parser.value().map_err(usage)?;
                if !cfg!(feature = "pcap") {
                    return Err(Usage::Wrong(
                        "-i: this msnp-inspect was built without live capture (build it with \
                         --features pcap, which needs libpcap)"
                            .into(),
                    ));
                }
                parsed.interface = Some(value.to_string_lossy().into_owned());
            }
            Short('f') => {
                let value = parser.value().map_err(usage)?;
                parsed.capture_filter = Some(value.to_string_lossy().into_owned());
            }
            Long("strict") => parsed.judging.mode = Mode::Strict,
            Long("lenient") => parsed.judging.mode = Mode::Lenient,
            Long("json") => parsed.style = Style::Json,
            Long("csv") => parsed.style = Style::Csv,
            Short('t') => {
                let value = parser.value().map_err(usage)?;
                let text = value.to_string_lossy();
                parsed.times = Times::from_name(&text).ok_or_else(|| {
                    Usage::Wrong(format!("-t: {text:?} is none of abs, rel, delta, none"))
                })?;
            }
            Long("kind") => {
                let value = parser.value().map_err(usage)?;
                for kind in value.to_string_lossy().split(',') {
                    if !KINDS.contains(&kind) {
                        return Err(Usage::Wrong(format!(
                            "--kind: {kind:?} is none of {}",
                            KINDS.join(", ")
                        )));
                    }
                    parsed.filter.kinds.push(kind.to_string());
                }
            }
            Long("failed") => parsed.filter.kinds.push("failed".to_string()),
            Long("conn") => {
                let value = parser.value().map_err(usage)?;
                parsed
                    .filter
                    .conns
                    .push(value.to_string_lossy().into_owned());
            }
            Short('q') | Long("quiet") => parsed.quiet = true,
            Short('h') | Long("help") => return Err(Usage::Help),
            Short('V') | Long("version") => return Err(Usage::Version),
            Value(value) => parsed.inputs.push(value.to_string_lossy().into_owned()),
            other => return Err(usage(other.unexpected())),
        }
    }
    Ok(parsed)
}

/// How an input went, the worse later: the exit status is the worst input's. A failed XFR
/// outranks an input with no traffic, so that a directory with one stray file still says
/// that something did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Decoded,
    NoTraffic,
    Failed,
    ReadError,
}

impl Outcome {
    const fn status(self) -> u8 {
        match self {
            Outcome::Decoded => 0,
            Outcome::Failed => 1,
            Outcome::ReadError => 2,
            Outcome::NoTraffic => 3,
        }
    }
}

/// Why an input gave no report.
enum Failure {
    /// It could not be read (or is a damaged capture).
    Read(String),
    /// It holds no MSNP traffic.
    NoTraffic(String),
    /// Its output could not be written (the reader of our output went away).
    Write,
    /// A stop came before it was opened.
    NotRead,
}

/// What an input's report came to, once written.
struct Done {
    counts: Summary,
    msnp_lines: usize,
    connections: usize,
    warning: Option<String>,
    damaged: bool,
}

impl Done {
    fn of(report: &Report) -> Self {
        Done {
            counts: report.counts.clone(),
            msnp_lines: report.msnp_lines,
            connections: report.connections,
            warning: report.warning.clone(),
            damaged: report.damaged,
        }
    }
}

/// What an input's worker hands the writer, in order.
enum Message {
    /// Output, in blocks.
    Out(Vec<u8>),
    /// The input is done.
    Done(Box<Result<Done, Failure>>),
}

/// Output blocks on their way to the writer: a worker that gets far ahead of it waits, so an
/// input's output is never held whole.
struct Blocks {
    buf: Vec<u8>,
    tx: mpsc::SyncSender<Message>,
}

/// The size of an output block.
const BLOCK: usize = 64 * 1024;
/// Output blocks in flight per input.
const BLOCKS_IN_FLIGHT: usize = 8;

impl Blocks {
    /// Sends what is held, up to its last line end (all of it when `whole`): a block ends where
    /// a line does, so that a progress bar drawn between blocks never lands inside a line.
    fn send(&mut self, whole: bool) -> io::Result<()> {
        let end = if whole {
            self.buf.len()
        } else {
            memchr::memrchr(b'\n', &self.buf).map_or(0, |i| i + 1)
        };
        if end == 0 {
            return Ok(());
        }
        let mut block = std::mem::replace(&mut self.buf, Vec::with_capacity(BLOCK));
        self.buf.extend_from_slice(&block[end..]);
        block.truncate(end);
        self.tx
            .send(Message::Out(block))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the output was closed"))
    }
}

impl Write for Blocks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= BLOCK {
            self.send(false)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send(true)
    }
}

/// A log read as a stream and written as it is read.
#[allow(clippy::too_many_arguments)]
fn inspect_log(
    name: &str,
    reader: impl Read,
    head: Vec<u8>,
    format: Option<Format>,
    live: bool,
    layers: &[&'static str],
    args: &Args,
    output: &mut Output<'_>,
) -> Result<Done, Failure> {
    let streaming = follow::Streaming {
        live,
        layers: layers.to_vec(),
    };
    match follow::stream(name, reader, head, format, args.judging, output, &streaming) {
        Ok(mut report) => {
            report.write_rest(output);
            Ok(Done::of(&report))
        }
        Err(follow::StreamError::NoFormat { cut }) => {
            let tried: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
            let within = if cut {
                format!(" in its first {} MiB", follow::MAX_DETECT >> 20)
            } else {
                String::new()
            };
            Err(Failure::NoTraffic(format!(
                "{name}: no MSNP traffic found{within} (tried the log formats {} and the generic \
                 reader)",
                tried.join(", ")
            )))
        }
        Err(follow::StreamError::NoTraffic(format)) => Err(Failure::NoTraffic(format!(
            "{name}: no MSNP traffic found in the {} format",
            format.name()
        ))),
        Err(follow::StreamError::Read(e)) => Err(Failure::Read(format!("{name}: {e}"))),
    }
}

/// A capture read as a stream, its records written as they are final.
fn inspect_capture(
    name: &str,
    reader: impl Read + Send,
    ng: bool,
    options: &capture::Options,
    args: &Args,
    progress: impl FnMut(u64) + Send,
    output: &mut Output<'_>,
) -> Result<Done, Failure> {
    let mut report = capture::read_with(
        name,
        reader,
        ng,
        args.judging,
        progress,
        Some(output),
        options,
    )
    .map_err(Failure::Read)?;
    if report.connections == 0 {
        // Damage may hide the traffic after it: the damage is what to report.
        if let (true, Some(warning)) = (report.damaged, &report.warning) {
            return Err(Failure::Read(format!("{name}: {warning}")));
        }
        let n = report.tcp_connections;
        let mut message = format!(
            "{name}: no MSNP traffic found in {n} TCP connection{}",
            if n == 1 { "" } else { "s" }
        );
        if let Some(warning) = &report.warning {
            message += &format!(" ({warning})");
        }
        return Err(Failure::NoTraffic(message));
    }
    report.write_rest(output);
    Ok(Done::of(&report))
}

/// How many bytes of a capture's start are read before it is handed to the capture reader,
/// which wants its file header whole in its first read: a pcap header, or a pcapng section
/// header block up to this size.
const CAPTURE_HEAD: usize = 64 * 1024;
/// How much of an input that is not a capture is looked at for NUL bytes, which no text log
/// holds (ripgrep's test for binary).
const BINARY_PROBE: usize = 8 * 1024;

/// One input, opened: a capture when it starts with a pcap or pcapng magic number (streamed), a
/// log otherwise (read whole).
fn inspect(
    name: &str,
    opened: input::Opened,
    args: &Args,
    progress: impl FnMut(u64) + Send,
    output: &mut Output<'_>,
) -> Result<Done, Failure> {
    let input::Opened {
        mut reader,
        layers,
        live,
        error,
        warning,
    } = opened;
    let read_error = |e: io::Error| Failure::Read(format!("{name}: {e}"));
    let undone = if layers.is_empty() {
        String::new()
    } else {
        format!(" (after {})", layers.join(", "))
    };
    // Only what the next step needs is read first: on live input more may not come for a while.
    let mut head = vec![0u8; 12];
    let got = input::read_up_to(&mut reader, &mut head).map_err(read_error)?;
    head.truncate(got);
    if got == 0 {
        if input::stopping() {
            return Err(Failure::NotRead);
        }
        return Err(Failure::NoTraffic(format!("{name}: empty{undone}")));
    }
    if capture::file::is_capture(&head) {
        let ng = head.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]);
        let kind = if ng { "pcapng" } else { "pcap" };
        match args.format {
            Some(Forced::Log(format)) => {
                return Err(Failure::Read(format!(
                    "{name}: a {kind} capture, not a log: --format {} reads text logs only",
                    format.name()
                )));
            }
            Some(Forced::Capture { ng: wanted }) if wanted != ng => {
                return Err(Failure::Read(format!(
                    "{name}: a {kind} capture, not the {} that --format asks for",
                    if wanted { "pcapng" } else { "pcap" }
                )));
            }
            _ => {}
        }
        // The whole header: a pcap header is 24 bytes, a pcapng section header block says its
        // length (in the section's byte order, told by its byte-order magic).
        let want = if ng {
            let length = if head.get(8..12) == Some(&[0x4d, 0x3c, 0x2b, 0x1a]) {
                head.get(4..8)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            } else {
                head.get(4..8)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            };
            length.map_or(CAPTURE_HEAD, |l| (l as usize).clamp(28, CAPTURE_HEAD))
        } else {
            24
        };
        if head.len() < want {
            let at = head.len();
            head.resize(want, 0);
            let got = input::read_up_to(&mut reader, &mut head[at..]).map_err(read_error)?;
            head.truncate(at + got);
        }
        let options = capture::Options {
            live: live.then_some(args.wait),
            layers,
        };
        let chained = io::Cursor::new(head).chain(reader);
        let result = inspect_capture(name, chained, ng, &options, args, progress, output);
        // What the source noticed while it was read (a live capture's drops) is a warning too.
        let noticed = warning.lock().ok().and_then(|w| w.clone());
        let result = match (result, noticed) {
            (Ok(mut done), Some(noticed)) => {
                done.warning = Some(match done.warning {
                    Some(w) => format!("{w}; {noticed}"),
                    None => noticed,
                });
                Ok(done)
            }
            (result, _) => result,
        };
        return result.map_err(|failure| match failure {
            // The capture reader keeps only that a read failed; say what failed.
            Failure::Read(message) => match error.lock().ok().and_then(|e| e.clone()) {
                Some(cause) => Failure::Read(format!("{message}: {cause}")),
                None => Failure::Read(message),
            },
            other => other,
        });
    }
    let format = match args.format {
        Some(Forced::Capture { ng }) => {
            return Err(Failure::Read(format!(
                "{name}: not a {} capture{undone} (it starts {})",
                if ng { "pcapng" } else { "pcap" },
                hex(&head)
            )));
        }
        Some(Forced::Log(format)) => Some(format),
        None => None,
    };
    // Text, or binary that is neither a capture nor text: a look at its start tells, before
    // anything reads it whole.
    let at = head.len();
    head.resize(BINARY_PROBE, 0);
    // On live input, what has come: more may be a while.
    let got = if live {
        loop {
            match reader.read(&mut head[at..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        }
    } else {
        input::read_up_to(&mut reader, &mut head[at..])
    }
    .map_err(read_error)?;
    head.truncate(at + got);
    if format.is_none() && memchr::memchr(0, &head).is_some() {
        return Err(Failure::NoTraffic(format!(
            "{name}: binary data{undone}, neither a pcap or pcapng capture nor a text log (it \
             starts {})",
            hex(&head[..head.len().min(8)])
        )));
    }
    let result = inspect_log(name, reader, head, format, live, &layers, args, output);
    if output.failed() {
        return Err(Failure::Write);
    }
    result
}

/// `1f 8b 08 00`: bytes for a message.
fn hex(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    parts.join(" ")
}

/// Standard input as [`run`] reads it.
pub struct Stdin {
    /// Its bytes.
    pub reader: Box<dyn Read + Send>,
    /// A regular file (`< capture.pcap`), read at full speed, rather than a pipe or a device,
    /// read as live input.
    pub at_rest: bool,
    /// A terminal: with no input named, the embedded samples are read instead.
    pub terminal: bool,
}

/// Runs the tool: reads every input (several at once, on every core), writes the reports to
/// `out` in input order, each as it is read, and problems to `err`; returns the exit status.
///
/// Inputs are taken in order by as many workers as there are cores; the writer follows the
/// first input not yet written, and a worker ahead of it waits once a few blocks of output are
/// in flight. Every input before the one being written has been taken, so the writer always
/// waits on a worker that is working: nothing can deadlock, and no input's output is held
/// whole. The writer hands what it wrote on whenever it would wait, so live input's records
/// reach `out`'s reader as they are found.
pub fn run(args: &Args, stdin: Stdin, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    if args.capture_filter.is_some() && args.interface.is_none() {
        writeln!(err, "msnp-inspect: -f is a capture filter for -i")?;
        return Ok(Outcome::ReadError.status());
    }
    let inputs: Vec<(String, Source)> = if let Some(device) = &args.interface {
        // The live capture, then any files named.
        let mut inputs = vec![(
            format!("interface {device}"),
            Source::Interface(device.clone()),
        )];
        inputs.extend(input::expand(&args.inputs));
        inputs
    } else if args.samples || (args.inputs.is_empty() && stdin.terminal) {
        SAMPLES
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.to_string(), Source::Sample(i)))
            .collect()
    } else if args.inputs.is_empty() {
        vec![("-".to_string(), Source::Stdin)]
    } else {
        input::expand(&args.inputs)
    };
    if inputs.is_empty() {
        writeln!(
            err,
            "msnp-inspect: no input: the directories named hold no files"
        )?;
        return Ok(Outcome::NoTraffic.status());
    }
    let sizes: Vec<u64> = inputs
        .iter()
        .map(|(_, source)| match source {
            Source::File(n) => std::fs::metadata(n).map_or(0, |m| m.len()),
            _ => 0,
        })
        .collect();
    let bar = progress_bar(args, sizes.iter().sum());
    let stdin = Mutex::new(Some(stdin));
    let next = AtomicUsize::new(0);
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for _ in &inputs {
        let (tx, rx) = mpsc::sync_channel(BLOCKS_IN_FLIGHT);
        senders.push(Mutex::new(Some(tx)));
        receivers.push(rx);
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(inputs.len())
        .max(1);
    let one = |i: usize, tx: mpsc::SyncSender<Message>| {
        let (name, source) = &inputs[i];
        let mut output = Output::with(
            args.style,
            Blocks {
                buf: Vec::with_capacity(BLOCK),
                tx: tx.clone(),
            },
        )
        .times(args.times)
        .filter(args.filter.clone());
        let opened = if input::stopping() {
            Err(Failure::NotRead)
        } else {
            open(name, source, &stdin, args.capture_filter.as_deref())
        };
        let result = opened.and_then(|(opened, is_file)| {
            // Room in the table for the largest line or frame number the input can hold: a
            // line is at least a byte, a packet record 16; on a stream or compressed input,
            // room for eight digits.
            let size = match (is_file, opened.layers.is_empty(), source) {
                (true, true, _) => Some(sizes[i]),
                (_, true, Source::Sample(n)) => Some(SAMPLES[*n].1.len() as u64),
                _ => None,
            };
            output.reserve_numbers(size.unwrap_or(99_999_999));
            let mut last = 0;
            inspect(
                name,
                opened,
                args,
                |n| {
                    if let (Some(bar), true) = (&bar, is_file) {
                        bar.inc(n.saturating_sub(last));
                    }
                    last = n;
                },
                &mut output,
            )
        });
        drop(output);
        let _ = tx.send(Message::Done(Box::new(result)));
    };
    let mut worst = Outcome::Decoded;
    let mut all = Summary::default();
    let mut totals = (0, 0);
    let mut reports = 0;
    let mut tally = Tally::default();
    let written = std::thread::scope(|scope| -> io::Result<()> {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(slot) = senders.get(i) else {
                        break;
                    };
                    if let Some(tx) = slot.lock().ok().and_then(|mut t| t.take()) {
                        one(i, tx);
                    }
                }
            });
        }
        let put = |out: &mut dyn Write, block: &[u8]| -> io::Result<()> {
            match &bar {
                // The bar is cleared while the output is written, so the two never mix on a
                // terminal.
                Some(bar) => bar.suspend(|| out.write_all(block).and_then(|()| out.flush())),
                None => out.write_all(block),
            }
        };
        let result = (|| {
            for (i, rx) in receivers.iter().enumerate() {
                let mut started = false;
                loop {
                    let message = match rx.try_recv() {
                        Ok(message) => message,
                        Err(mpsc::TryRecvError::Disconnected) => break,
                        // Whatever waits in the buffer is handed on before waiting: on live
                        // input the next block may be a while.
                        Err(mpsc::TryRecvError::Empty) => {
                            out.flush()?;
                            match rx.recv() {
                                Ok(message) => message,
                                Err(_) => break,
                            }
                        }
                    };
                    match message {
                        Message::Out(block) => {
                            if !started && args.style == Style::Table && reports > 0 {
                                put(out, b"\n")?;
                            }
                            started = true;
                            put(out, &block)?;
                        }
                        Message::Done(done) => {
                            let name = &inputs[i].0;
                            match *done {
                                Ok(done) => {
                                    if let Some(warning) = &done.warning {
                                        // Reading stopped short at damage: not a warning but a
                                        // read error, once the records before it are written.
                                        let kind = if done.damaged { "" } else { "warning: " };
                                        writeln!(err, "msnp-inspect: {name}: {kind}{warning}")?;
                                    }
                                    if done.damaged {
                                        worst = worst.max(Outcome::ReadError);
                                        tally.unreadable += 1;
                                    }
                                    if done.counts.failed() > 0 {
                                        worst = worst.max(Outcome::Failed);
                                    }
                                    all.merge(&done.counts);
                                    totals.0 += done.msnp_lines;
                                    totals.1 += done.connections;
                                    reports += 1;
                                }
                                Err(Failure::Read(message)) => {
                                    writeln!(err, "msnp-inspect: {message}")?;
                                    worst = worst.max(Outcome::ReadError);
                                    tally.unreadable += 1;
                                }
                                Err(Failure::NoTraffic(message)) => {
                                    writeln!(err, "msnp-inspect: {message}")?;
                                    worst = worst.max(Outcome::NoTraffic);
                                    tally.no_traffic += 1;
                                }
                                Err(Failure::Write) => {}
                                Err(Failure::NotRead) => tally.not_read += 1,
                            }
                            break;
                        }
                    }
                }
            }
            Ok(())
        })();
        // On a failed write the workers find their outputs closed and stop.
        drop(receivers);
        result
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    written?;
    if tally.not_read > 0 {
        writeln!(
            err,
            "msnp-inspect: interrupted: {} input{} not read",
            tally.not_read,
            if tally.not_read == 1 { "" } else { "s" }
        )?;
    }
    if args.style == Style::Table && inputs.len() > 1 {
        writeln!(out, "\n== all {} inputs", inputs.len())?;
        all.write(out, totals.0, totals.1)?;
        writeln!(
            out,
            "  inputs:       {reports} read, {} with no MSNP traffic, {} unreadable{}",
            tally.no_traffic,
            tally.unreadable,
            if tally.not_read > 0 {
                format!(", {} not read (interrupted)", tally.not_read)
            } else {
                String::new()
            }
        )?;
    }
    Ok(worst.status())
}

/// How the inputs went, for the totals.
#[derive(Default)]
struct Tally {
    no_traffic: usize,
    unreadable: usize,
    not_read: usize,
}

/// Opens one input; says whether it is a file (whose progress the bar shows).
fn open(
    name: &str,
    source: &Source,
    stdin: &Mutex<Option<Stdin>>,
    capture_filter: Option<&str>,
) -> Result<(input::Opened, bool), Failure> {
    let read_error = |e: io::Error| Failure::Read(format!("{name}: {e}"));
    match source {
        Source::Sample(i) => Ok((
            input::open(Box::new(SAMPLES[*i].1), false).map_err(read_error)?,
            false,
        )),
        Source::Stdin => match stdin.lock().ok().and_then(|mut s| s.take()) {
            Some(stdin) => Ok((
                input::open(stdin.reader, !stdin.at_rest).map_err(read_error)?,
                false,
            )),
            None => Err(Failure::Read("-: standard input is named twice".into())),
        },
        Source::File(path) => {
            let file = std::fs::File::open(path).map_err(read_error)?;
            if file.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(Failure::Read(format!("{name}: a directory")));
            }
            let at_rest = input::at_rest(&file);
            // Unbuffered: the capture reader reads in large blocks of its own, and a log is
            // read whole.
            Ok((
                input::open(Box::new(file), !at_rest).map_err(read_error)?,
                at_rest,
            ))
        }
        Source::Unlisted(why) => Err(Failure::Read(format!("{name}: {why}"))),
        #[cfg(feature = "pcap")]
        Source::Interface(device) => Ok((
            input::interface(device, capture_filter).map_err(Failure::Read)?,
            false,
        )),
        #[cfg(not(feature = "pcap"))]
        Source::Interface(device) => {
            let _ = capture_filter;
            Err(Failure::Read(format!(
                "{device}: built without live capture (the pcap feature)"
            )))
        }
    }
}

/// A progress bar on stderr over `total` bytes, when stderr is a terminal, the inputs are long
/// and `--quiet` was not given. It shows no estimate of the time left until a second has gone,
/// when the rate is known.
fn progress_bar(args: &Args, total: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if args.quiet || total < 16 << 20 || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {left}",
        )
        .ok()?
        .with_key(
            "left",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let elapsed = state.elapsed().as_secs_f64();
                let (done, total) = (state.pos() as f64, state.len().unwrap_or(0) as f64);
                if elapsed >= 1.0 && done > 0.0 {
                    let left = elapsed * (total - done).max(0.0) / done;
                    let _ = write!(w, "{:.0} s left", left.ceil());
                }
            },
        ),
    );
    Some(bar)
}

/// The binary's `main`: arguments from the environment, standard streams, exit status.
pub fn main() -> std::process::ExitCode {
    use std::io::IsTerminal;
    let exit = |result: io::Result<()>, status: u8| match result {
        Ok(()) => std::process::ExitCode::from(status),
        // A closed pipe (`msnp-inspect --help | head -1`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::ExitCode::from(status),
        Err(e) => {
            let _ = writeln!(io::stderr(), "msnp-inspect: writing output: {e}");
            std::process::ExitCode::from(2)
        }
    };
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(Usage::Help) => {
            let mut out = io::stdout().lock();
            return exit(writeln!(out, "{USAGE}").and_then(|()| out.flush()), 0);
        }
        Err(Usage::Version) => {
            let mut out = io::stdout().lock();
            let version = concat!("msnp-inspect ", env!("CARGO_PKG_VERSION"));
            return exit(writeln!(out, "{version}").and_then(|()| out.flush()), 0);
        }
        Err(Usage::Wrong(message)) => {
            let _ = writeln!(io::stderr(), "msnp-inspect: {message}\n\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    input::handle_signals();
    let stdin = Stdin {
        at_rest: input::stdin_at_rest(),
        terminal: io::stdin().is_terminal(),
        reader: Box::new(io::stdin()),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(&args, stdin, &mut out, &mut io::stderr())
        .and_then(|status| out.flush().map(|()| status));
    match result {
        Ok(status) => std::process::ExitCode::from(status),
        // A closed pipe (`msnp-inspect | head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "msnp-inspect: writing output: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
