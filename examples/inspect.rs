//! `inspect`: find and decode every XFR in a captured MSNP transcript.
//!
//! ```text
//! cargo run --release --example inspect -- [--msnp N] [--strict|--lenient] [--json] [FILE|-]
//! ```
//!
//! With no FILE it reads the sample capture that ships with the crate; `-` reads stdin. Lines
//! may carry a direction prefix (`C:`/`S:`, `>>>`/`<<<`). Without `--msnp` the version comes
//! from the `VER` exchanges in the input. Exit status: 0 when every XFR decoded, 1 when any did
//! not, 2 for a usage or read error.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use msnp_xfr::{
    Auth, Direction, Mode, NsForm, Observation, SbForm, Session, Transcript, Version, Xfr,
};
use serde_json::{Value, json};

const SAMPLE: &[u8] = include_bytes!("data/sample-capture.log");

const USAGE: &str = "\
usage: inspect [--msnp N] [--strict|--lenient] [--json] [FILE|-]

Finds and decodes every XFR line in an MSNP transcript.

  FILE        a transcript (C:/S:, >>>/<<< prefixes optional); - reads stdin;
              none reads the sample capture shipped with msnp-xfr
  --msnp N    judge every line against MSNP N (2-21) instead of following VER
  --strict    the documented grammar only
  --lenient   also what real servers sent, reported as deviations (default)
  --json      one JSON object per XFR or XFR error reply, one per line
  -h, --help  this text

Exit status: 0 every XFR decoded, 1 some did not, 2 usage or read error.";

struct Args {
    version: Option<Version>,
    mode: Mode,
    json: bool,
    input: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut args = Args {
        version: None,
        mode: Mode::Lenient,
        json: false,
        input: None,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("msnp") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                let text = value.to_string_lossy();
                args.version = Some(
                    text.parse()
                        .map_err(|_| format!("--msnp: {text:?} is not a version in 2-21"))?,
                );
            }
            Long("strict") => args.mode = Mode::Strict,
            Long("lenient") => args.mode = Mode::Lenient,
            Long("json") => args.json = true,
            Short('h') | Long("help") => return Err(String::new()),
            Value(value) if args.input.is_none() => {
                args.input = Some(value.to_string_lossy().into_owned());
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    Ok(args)
}

fn read_input(input: Option<&str>) -> Result<Vec<u8>, String> {
    match input {
        None => Ok(SAMPLE.to_vec()),
        Some("-") => {
            let mut buf = Vec::new();
            io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("reading stdin: {e}"))?;
            Ok(buf)
        }
        Some(path) => std::fs::read(path).map_err(|e| format!("reading {path}: {e}")),
    }
}

/// One reported line: an XFR (decoded or not) or an error reply to an XFR request.
struct Report {
    json: Value,
    ok: bool,
    kind: &'static str,
    version: Option<Version>,
    deviations: Vec<&'static str>,
    error_kind: Option<&'static str>,
    /// The human-readable fields column.
    fields: String,
    /// Deviations, advisory notes or the error.
    notes: String,
}

fn null_record(line: usize, dir: Option<Direction>, version: Option<Version>) -> Value {
    json!({
        "line": line,
        "dir": dir.map(|d| d.as_str()),
        "version": version.map(|v| v.as_str()),
        "ok": false,
        "kind": null,
        "trid": null,
        "server": null,
        "host": null,
        "port": null,
        "auth": null,
        "cookie": null,
        "current": null,
        "direct": null,
        "hop": null,
        "gateway": null,
        "code": null,
        "legal_in": [],
        "deviations": [],
        "canonical": null,
        "error": null,
    })
}

fn report(line: usize, dir: Option<Direction>, observation: Observation<'_>) -> Option<Report> {
    match observation {
        Observation::Xfr {
            version, result, ..
        } => Some(match result {
            Ok(parsed) => xfr_report(line, dir, version, &parsed.xfr, parsed.deviations),
            Err(error) => {
                let mut json = null_record(line, dir, version);
                json["error"] = json!({
                    "kind": error.kind(),
                    "offset": error.offset(),
                    "message": error.to_string(),
                });
                Report {
                    json,
                    ok: false,
                    kind: "error",
                    version,
                    deviations: Vec::new(),
                    error_kind: Some(error.kind()),
                    fields: String::new(),
                    notes: format!("error: {error}"),
                }
            }
        }),
        Observation::XfrErrorReply {
            version,
            reply,
            request,
        } => {
            let mut json = null_record(line, dir, version);
            json["ok"] = json!(true);
            json["kind"] = json!("error-reply");
            json["trid"] = json!(reply.trid.0);
            json["server"] = json!(request.as_str());
            json["code"] = json!(reply.code.0);
            Some(Report {
                json,
                ok: true,
                kind: "error-reply",
                version,
                deviations: Vec::new(),
                error_kind: None,
                fields: format!("trid={} to XFR {request}: {}", reply.trid, reply.code),
                notes: String::new(),
            })
        }
        _ => None,
    }
}

fn xfr_report(
    line: usize,
    dir: Option<Direction>,
    version: Option<Version>,
    xfr: &Xfr<'_>,
    deviations: msnp_xfr::Deviations,
) -> Report {
    let mut json = null_record(line, dir, version);
    let legal = xfr.legal_versions();
    json["ok"] = json!(true);
    json["kind"] = json!(xfr.kind().as_str());
    json["trid"] = json!(xfr.trid().0);
    json["server"] = json!(xfr.server_type().as_str());
    json["legal_in"] = json!(legal.iter().map(|v| v.as_str()).collect::<Vec<_>>());
    json["deviations"] = json!(deviations.iter().map(|d| d.name()).collect::<Vec<_>>());
    json["canonical"] = json!(xfr.to_string());
    let mut fields = vec![format!("trid={}", xfr.trid())];
    if let Some(server) = xfr.server() {
        json["host"] = json!(server.host.as_str());
        json["port"] = json!(server.port.map(|p| p.get()));
        fields.push(format!("{} {server}", xfr.server_type()));
    }
    match xfr {
        Xfr::Request(r) => fields.push(format!("asks for {}", r.server)),
        Xfr::SoftReset => fields.push("soft reset".into()),
        Xfr::Ns(ns) => {
            json["gateway"] = json!(matches!(ns.form, NsForm::Gateway(_)));
            match &ns.form {
                NsForm::Current(current) => {
                    json["current"] = json!(current.to_string());
                    fields.push(format!("current={current}"));
                }
                NsForm::Hop(hop) | NsForm::Gateway(hop) => {
                    json["hop"] = json!(hop.as_str());
                    if matches!(ns.form, NsForm::Gateway(_)) {
                        fields.push("gateway".into());
                    }
                    let mut buf = [0u8; msnp_xfr::MAX_TOKEN_LEN];
                    if let Some(count) = hop.header("XfrCount", &mut buf) {
                        fields.push(format!("hop XfrCount={count}"));
                    }
                }
                _ => {}
            }
        }
        Xfr::Sb(sb) => {
            json["auth"] = json!(sb.auth.method());
            if let Some(param) = sb.auth.param() {
                json["cookie"] = json!(param.as_str());
            }
            fields.push(match &sb.auth {
                Auth::Ctp => "CTP".to_string(),
                auth => format!(
                    "{} {}",
                    auth.method(),
                    auth.param().map_or("", |p| p.as_str())
                ),
            });
            match sb.form {
                SbForm::Classic => {}
                SbForm::Domain => fields.push("U messenger.msn.com".into()),
                SbForm::Direct(direct) => {
                    json["direct"] = json!(direct);
                    fields.push(format!("U messenger.msn.com direct={}", u8::from(direct)));
                }
                _ => {}
            }
        }
        _ => {}
    }
    fields.push(format!("[{legal}]"));
    let names: Vec<&'static str> = deviations.iter().map(|d| d.name()).collect();
    let (advisory, tolerated): (Vec<_>, Vec<_>) = deviations.iter().partition(|d| d.is_advisory());
    let mut notes = Vec::new();
    if !tolerated.is_empty() {
        let list: Vec<_> = tolerated.iter().map(|d| d.name()).collect();
        notes.push(format!("deviations: {}", list.join(", ")));
    }
    if !advisory.is_empty() {
        let list: Vec<_> = advisory.iter().map(|d| d.name()).collect();
        notes.push(format!("note: {}", list.join(", ")));
    }
    let notes = notes.join("; ");
    Report {
        json,
        ok: true,
        kind: xfr.kind().as_str(),
        version,
        deviations: names,
        error_kind: None,
        fields: fields.join(" "),
        notes,
    }
}

#[derive(Default)]
struct Summary {
    total: usize,
    failed: usize,
    kinds: BTreeMap<&'static str, usize>,
    versions: BTreeMap<Option<Version>, usize>,
    deviations: BTreeMap<&'static str, usize>,
    errors: BTreeMap<&'static str, usize>,
}

impl Summary {
    fn add(&mut self, r: &Report) {
        self.total += 1;
        if !r.ok {
            self.failed += 1;
        }
        *self.kinds.entry(r.kind).or_default() += 1;
        *self.versions.entry(r.version).or_default() += 1;
        for d in &r.deviations {
            *self.deviations.entry(d).or_default() += 1;
        }
        if let Some(e) = r.error_kind {
            *self.errors.entry(e).or_default() += 1;
        }
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
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
            "{} XFR lines: {} decoded, {} failed",
            self.total,
            self.total - self.failed,
            self.failed
        )?;
        let text = |k: &&str| k.to_string();
        let version = |v: &Option<Version>| v.map_or("unknown".into(), |v| v.to_string());
        writeln!(out, "  by kind:      {}", counts(&self.kinds, text))?;
        writeln!(out, "  by version:   {}", counts(&self.versions, version))?;
        writeln!(out, "  deviations:   {}", counts(&self.deviations, text))?;
        writeln!(out, "  errors:       {}", counts(&self.errors, text))
    }
}

fn run(args: &Args, input: &[u8], out: &mut impl Write) -> io::Result<bool> {
    let mut session = match args.version {
        Some(v) => Session::with_version(args.mode, v),
        None => Session::new(args.mode),
    };
    let mut summary = Summary::default();
    if !args.json {
        writeln!(
            out,
            "{:>5}  {:<3}  {:<7}  {:<11}  fields",
            "line", "dir", "version", "kind"
        )?;
    }
    for line in Transcript::new(input) {
        let observation = session.observe(line.direction, line.text);
        let Some(r) = report(line.number, line.direction, observation) else {
            continue;
        };
        summary.add(&r);
        if args.json {
            writeln!(out, "{}", r.json)?;
        } else {
            let version = r.version.map_or("-", |v| v.as_str());
            let dir = line.direction.map_or("-", |d| d.as_str());
            write!(
                out,
                "{:>5}  {dir:<3}  {version:<7}  {:<11}  {}",
                line.number, r.kind, r.fields
            )?;
            if !r.notes.is_empty() {
                write!(out, "  ! {}", r.notes)?;
            }
            writeln!(out)?;
        }
    }
    if !args.json {
        summary.write(out)?;
    }
    Ok(summary.failed == 0)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("inspect: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let input = match read_input(args.input.as_deref()) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("inspect: {message}");
            return ExitCode::from(2);
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = run(&args, &input, &mut out).and_then(|ok| out.flush().map(|()| ok));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // A closed pipe (`inspect | head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inspect: writing output: {e}");
            ExitCode::from(2)
        }
    }
}
