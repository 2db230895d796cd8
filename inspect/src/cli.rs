//! The command line: arguments, inputs, what each is read as, output and the exit status.

use std::ffi::OsString;
use std::io::{self, Read, Write};

use msnp_xfr::{Mode, Version};

use crate::follow::{self, Judging};
use crate::logs::{self, Format};
use crate::report::{Report, Summary};

/// The embedded samples read when no input is given.
pub const SAMPLES: &[(&str, &[u8])] = &[
    (
        "sample:transcript.log",
        include_bytes!("../data/transcript.log"),
    ),
    ("sample:purple.log", include_bytes!("../data/purple.log")),
    ("sample:escargot.md", include_bytes!("../data/escargot.md")),
    ("sample:papyon.log", include_bytes!("../data/papyon.log")),
];

/// The usage text.
pub const USAGE: &str = "\
usage: msnp-inspect [--msnp N] [--strict|--lenient] [--json] [--format NAME] [FILE|-]...

Finds and decodes every MSN Messenger XFR line, and every error reply to an XFR
request, in text logs.

  FILE           a log; - reads stdin; none reads the embedded samples
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
  -h, --help     this text

Exit status: 0 every XFR decoded; 1 some did not; 2 usage or read error;
3 an input holds no MSNP traffic in any format this tool reads.";

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

/// One input read in full.
fn read_input(name: &str, stdin: &mut dyn Read) -> io::Result<Vec<u8>> {
    if name == "-" {
        let mut buf = Vec::new();
        stdin.read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(name)
    }
}

/// What one input holds, or why it holds nothing this tool reads.
fn inspect(name: &str, bytes: &[u8], args: &Args) -> Result<Report, String> {
    let format = match args.format {
        Some(format) => format,
        None => logs::detect(bytes).ok_or_else(|| {
            let tried: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
            format!(
                "{name}: no MSNP traffic found (tried the log formats {})",
                tried.join(", ")
            )
        })?,
    };
    let report = follow::log(name, bytes, format, args.judging);
    if report.msnp_lines == 0 {
        return Err(format!(
            "{name}: no MSNP traffic found in the {} format",
            format.name()
        ));
    }
    Ok(report)
}

/// Runs the tool: reads every input, writes the reports to `out` and problems to `err`, and
/// returns the exit status.
pub fn run(
    args: &Args,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let mut worst = Outcome::Decoded;
    let mut reports = Vec::new();
    let inputs: Vec<(String, Result<Vec<u8>, String>)> = if args.inputs.is_empty() {
        SAMPLES
            .iter()
            .map(|(name, bytes)| (name.to_string(), Ok(bytes.to_vec())))
            .collect()
    } else {
        args.inputs
            .iter()
            .map(|name| {
                let bytes = read_input(name, stdin).map_err(|e| format!("{name}: {e}"));
                (name.clone(), bytes)
            })
            .collect()
    };
    for (name, bytes) in inputs {
        let report = match bytes {
            Err(message) => {
                writeln!(err, "msnp-inspect: {message}")?;
                worst = worst.max(Outcome::ReadError);
                continue;
            }
            Ok(bytes) => match inspect(&name, &bytes, args) {
                Ok(report) => report,
                Err(message) => {
                    writeln!(err, "msnp-inspect: {message}")?;
                    worst = worst.max(Outcome::NoTraffic);
                    continue;
                }
            },
        };
        if !report.all_decoded() {
            worst = worst.max(Outcome::Failed);
        }
        if args.json {
            report.write_json(out)?;
        } else {
            if !reports.is_empty() {
                writeln!(out)?;
            }
            report.write_human(out)?;
        }
        reports.push(report);
    }
    if !args.json && reports.len() > 1 {
        let lines = reports.iter().map(|r| r.msnp_lines).sum();
        let connections = reports.iter().map(|r| r.connections).sum();
        writeln!(out, "\n== all {} inputs", reports.len())?;
        Summary::of(&reports).write(out, lines, connections)?;
    }
    Ok(worst.status())
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
    let result = run(&args, &mut io::stdin().lock(), &mut out, &mut io::stderr())
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
