//! The command line: arguments, inputs, what each is read as, output and the exit status.

use std::ffi::OsString;
use std::io::{self, Read, Write};

use msnp_xfr::{Mode, Version};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use crate::capture;
use crate::follow::{self, Judging};
use crate::logs::{self, Format};
use crate::report::{Output, Report, Summary};

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
usage: msnp-inspect [--msnp N] [--strict|--lenient] [--json] [--format NAME] [--quiet] [FILE|-]...

Finds and decodes every MSN Messenger XFR line, and every error reply to an XFR
request, in packet captures and text logs.

  FILE           a pcap or pcapng capture, or a text log; - reads stdin; none reads
                 the embedded samples. Several are read in parallel, reported in order.
  --format NAME  read every input as NAME instead of detecting its format:
                 transcript  C:/S: and >>>/<<< transcripts
                 onechar     > and < transcripts
                 purple      libpurple (Pidgin, Finch) debug log
                 escargot    revival-server log, NS/9d15 >>> ...
                 papyon      papyon/emesene console, [12:00:00 DEBUG papyon.transport] ...
                 emesene     emesene debug window, (12:00:00) papyon.transport:...
                 amsn        aMSN protocol console, ->NS ... / <-NS ...
  --msnp N       judge every line against MSNP N (2-21) instead of following VER
  --strict       the documented grammar only
  --lenient      also what real servers sent, reported as deviations (default)
  --json         one JSON object per XFR or XFR error reply, one per line
  -q, --quiet    no progress bar (shown on a terminal for long inputs)
  -h, --help     this text

Exit status: 0 every XFR decoded; 1 some did not; 2 usage or read error (a
capture damaged before its end, too); 3 an input holds no MSNP traffic in any
format this tool reads.";

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// How lines are judged.
    pub judging: Judging,
    /// JSON Lines instead of the table.
    pub json: bool,
    /// A format for every input instead of detecting one.
    pub format: Option<Format>,
    /// The inputs (`-` is stdin); empty for the samples.
    pub inputs: Vec<String>,
    /// No progress bar.
    pub quiet: bool,
}

/// Why the command line could not be taken: a message, or a request for help (empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

/// Parses the arguments (without the program name).
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Args, Usage> {
    use lexopt::prelude::*;
    let mut parsed = Args {
        judging: Judging {
            mode: Mode::Lenient,
            version: None,
        },
        json: false,
        format: None,
        inputs: Vec::new(),
        quiet: false,
    };
    let usage = |e: lexopt::Error| Usage(e.to_string());
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Long("msnp") => {
                let value = parser.value().map_err(usage)?;
                let text = value.to_string_lossy();
                let version: Version = text
                    .parse()
                    .map_err(|_| Usage(format!("--msnp: {text:?} is not a version in 2-21")))?;
                parsed.judging.version = Some(version);
            }
            Long("format") => {
                let value = parser.value().map_err(usage)?;
                let text = value.to_string_lossy();
                parsed.format = Some(Format::from_name(&text).ok_or_else(|| {
                    let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                    Usage(format!(
                        "--format: {text:?} is none of {}",
                        names.join(", ")
                    ))
                })?);
            }
            Long("strict") => parsed.judging.mode = Mode::Strict,
            Long("lenient") => parsed.judging.mode = Mode::Lenient,
            Long("json") => parsed.json = true,
            Short('q') | Long("quiet") => parsed.quiet = true,
            Short('h') | Long("help") => return Err(Usage(String::new())),
            Value(value) => parsed.inputs.push(value.to_string_lossy().into_owned()),
            other => return Err(usage(other.unexpected())),
        }
    }
    Ok(parsed)
}

/// How an input went, the worse later: the exit status is the worst input's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Decoded,
    Failed,
    NoTraffic,
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
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let block = std::mem::replace(&mut self.buf, Vec::with_capacity(BLOCK));
        self.tx
            .send(Message::Out(block))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the output was closed"))
    }
}

impl Write for Blocks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= BLOCK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// A log read whole and written.
fn inspect_log(
    name: &str,
    bytes: &[u8],
    args: &Args,
    output: &mut Output<'_>,
) -> Result<Done, Failure> {
    let format = match args.format {
        Some(format) => format,
        None => logs::detect(bytes).ok_or_else(|| {
            let tried: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
            Failure::NoTraffic(format!(
                "{name}: no MSNP traffic found (tried the log formats {})",
                tried.join(", ")
            ))
        })?,
    };
    let mut report = follow::log(name, bytes, format, args.judging);
    if report.msnp_lines == 0 {
        return Err(Failure::NoTraffic(format!(
            "{name}: no MSNP traffic found in the {} format",
            format.name()
        )));
    }
    report.write_rest(output);
    Ok(Done::of(&report))
}

/// A capture read as a stream, its records written as they are final.
fn inspect_capture(
    name: &str,
    reader: impl Read + Send,
    ng: bool,
    args: &Args,
    progress: impl FnMut(u64) + Send,
    output: &mut Output<'_>,
) -> Result<Done, Failure> {
    let mut report = capture::read(name, reader, ng, args.judging, progress, Some(output))
        .map_err(Failure::Read)?;
    if report.connections == 0 {
        // Damage may hide the traffic after it: the damage is what to report.
        if let (true, Some(warning)) = (report.damaged, &report.warning) {
            return Err(Failure::Read(format!("{name}: {warning}")));
        }
        return Err(Failure::NoTraffic(format!(
            "{name}: no MSNP traffic found in {} TCP connection{}",
            report.tcp_connections,
            if report.tcp_connections == 1 { "" } else { "s" }
        )));
    }
    report.write_rest(output);
    Ok(Done::of(&report))
}

/// One input: a capture when it starts with a pcap or pcapng magic number (streamed), a log
/// otherwise (read whole).
fn inspect(
    name: &str,
    mut reader: impl Read + Send,
    args: &Args,
    progress: impl FnMut(u64) + Send,
    output: &mut Output<'_>,
) -> Result<Done, Failure> {
    // The first bytes tell a capture; a capture reader wants its file's header in its first
    // read, so they are read in full.
    let mut head = vec![0u8; 64 * 1024];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Failure::Read(format!("{name}: {e}"))),
        }
    }
    head.truncate(got);
    let chained = io::Cursor::new(head).chain(reader);
    let head = chained.get_ref().0.get_ref();
    let result = if args.format.is_none() && capture::file::is_capture(head) {
        let ng = head.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]);
        inspect_capture(name, chained, ng, args, progress, output)
    } else {
        let mut bytes = Vec::new();
        let mut chained = chained;
        chained
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::Read(format!("{name}: {e}")))?;
        inspect_log(name, &bytes, args, output)
    };
    if output.failed() {
        return Err(Failure::Write);
    }
    result
}

/// Runs the tool: reads every input (several at once, on every core), writes the reports to
/// `out` in input order, each as it is read, and problems to `err`; returns the exit status.
///
/// Inputs are taken in order by as many workers as there are cores; the writer follows the
/// first input not yet written, and a worker ahead of it waits once a few blocks of output are
/// in flight. Every input before the one being written has been taken, so the writer always
/// waits on a worker that is working: nothing can deadlock, and no input's output is held
/// whole.
pub fn run(
    args: &Args,
    stdin: &mut (dyn Read + Send),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let names: Vec<String> = if args.inputs.is_empty() {
        SAMPLES.iter().map(|(name, _)| name.to_string()).collect()
    } else {
        args.inputs.clone()
    };
    let sizes: Vec<u64> = names
        .iter()
        .map(|n| std::fs::metadata(n).map_or(0, |m| m.len()))
        .collect();
    let bar = progress_bar(args, sizes.iter().sum());
    let stdin = Mutex::new(Some(stdin));
    let next = AtomicUsize::new(0);
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for _ in &names {
        let (tx, rx) = mpsc::sync_channel(BLOCKS_IN_FLIGHT);
        senders.push(Mutex::new(Some(tx)));
        receivers.push(rx);
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(names.len())
        .max(1);
    let one = |i: usize, tx: mpsc::SyncSender<Message>| {
        let name = &names[i];
        let mut output = Output::new(
            args.json,
            Blocks {
                buf: Vec::with_capacity(BLOCK),
                tx: tx.clone(),
            },
        );
        let result = if args.inputs.is_empty() {
            inspect(name, SAMPLES[i].1, args, |_| {}, &mut output)
        } else if name == "-" {
            match stdin.lock().ok().and_then(|mut s| s.take()) {
                Some(stdin) => inspect("-", stdin, args, |_| {}, &mut output),
                None => Err(Failure::Read("-: standard input is named twice".into())),
            }
        } else {
            match std::fs::File::open(name) {
                Err(e) => Err(Failure::Read(format!("{name}: {e}"))),
                // Unbuffered: the capture reader reads in large blocks of its own, and a log
                // is read whole.
                Ok(file) => {
                    let mut last = 0;
                    inspect(
                        name,
                        file,
                        args,
                        |n| {
                            if let Some(bar) = &bar {
                                bar.inc(n.saturating_sub(last));
                            }
                            last = n;
                        },
                        &mut output,
                    )
                }
            }
        };
        drop(output);
        let _ = tx.send(Message::Done(Box::new(result)));
    };
    let mut worst = Outcome::Decoded;
    let mut all = Summary::default();
    let mut totals = (0, 0);
    let mut reports = 0;
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
        let result = (|| {
            for (i, rx) in receivers.iter().enumerate() {
                let mut started = false;
                for message in rx {
                    match message {
                        Message::Out(block) => {
                            if !started && !args.json && reports > 0 {
                                writeln!(out)?;
                            }
                            started = true;
                            out.write_all(&block)?;
                        }
                        Message::Done(done) => {
                            match *done {
                                Ok(done) => {
                                    if let Some(warning) = &done.warning {
                                        // Reading stopped short at damage: not a warning but a
                                        // read error, once the records before it are written.
                                        let kind = if done.damaged { "" } else { "warning: " };
                                        writeln!(
                                            err,
                                            "msnp-inspect: {}: {kind}{warning}",
                                            names[i]
                                        )?;
                                    }
                                    if done.damaged {
                                        worst = worst.max(Outcome::ReadError);
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
                                }
                                Err(Failure::NoTraffic(message)) => {
                                    writeln!(err, "msnp-inspect: {message}")?;
                                    worst = worst.max(Outcome::NoTraffic);
                                }
                                Err(Failure::Write) => {}
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
    if !args.json && reports > 1 {
        writeln!(out, "\n== all {reports} inputs")?;
        all.write(out, totals.0, totals.1)?;
    }
    Ok(worst.status())
}

/// A progress bar on stderr over `total` bytes, when stderr is a terminal, the inputs are long
/// and `--quiet` was not given.
fn progress_bar(args: &Args, total: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if args.quiet || total < 16 << 20 || !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .ok()?,
    );
    Some(bar)
}

/// The binary's `main`: arguments from the environment, standard streams, exit status.
pub fn main() -> std::process::ExitCode {
    let args = match parse_args(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(Usage(message)) if message.is_empty() => {
            println!("{USAGE}");
            return std::process::ExitCode::SUCCESS;
        }
        Err(Usage(message)) => {
            eprintln!("msnp-inspect: {message}\n\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(&args, &mut io::stdin(), &mut out, &mut io::stderr())
        .and_then(|status| out.flush().map(|()| status));
    match result {
        Ok(status) => std::process::ExitCode::from(status),
        // A closed pipe (`msnp-inspect | head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("msnp-inspect: writing output: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
