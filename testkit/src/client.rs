//! A scripted MSNP client over real sockets, for `examples/referral_server.rs`: it logs in at
//! the dispatch server in one version, follows the referral to the notification server, asks
//! for switchboards (refused before going online, then referred), presents the cookie on the
//! switchboard, and checks every XFR it receives with the strict parser of its version.
//!
//! The integration test drives it, and so does the script that records the test captures.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use msnp_xfr::{Version, Xfr, parse};

/// How the client writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Write each command in two pieces a few milliseconds apart.
    pub split: bool,
    /// Leave out the malformed request (`XFR 13 SB 1`) that checks the server's error reply.
    pub polite: bool,
}

/// One connection to one server.
struct Conn {
    name: &'static str,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    options: Options,
    seen: Vec<String>,
}

impl Conn {
    fn open(name: &'static str, addr: SocketAddr, options: Options) -> Result<Conn, String> {
        let stream = TcpStream::connect(addr).map_err(|e| format!("{name} {addr}: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        Ok(Conn {
            name,
            reader: BufReader::new(stream),
            writer,
            options,
            seen: Vec::new(),
        })
    }

    fn send_raw(&mut self, bytes: &[u8]) -> Result<(), String> {
        let io = |e: std::io::Error| format!("{}: {e}", self.name);
        if self.options.split && bytes.len() > 1 {
            let (a, b) = bytes.split_at(bytes.len() / 2);
            self.writer.write_all(a).map_err(io)?;
            self.writer.flush().map_err(io)?;
            thread::sleep(Duration::from_millis(5));
            self.writer.write_all(b).map_err(io)
        } else {
            self.writer.write_all(bytes).map_err(io)
        }
    }

    /// Sends `line` and returns the reply line (without CRLF).
    fn ask(&mut self, line: &str) -> Result<String, String> {
        self.send_raw(format!("{line}\r\n").as_bytes())?;
        self.reply()
    }

    fn reply(&mut self) -> Result<String, String> {
        let mut reply = String::new();
        self.reader
            .read_line(&mut reply)
            .map_err(|e| format!("{}: {e}", self.name))?;
        if !reply.ends_with("\r\n") {
            return Err(format!("{}: reply {reply:?} not ended by CRLF", self.name));
        }
        reply.truncate(reply.len() - 2);
        self.seen.push(format!("{}: {reply}", self.name));
        Ok(reply)
    }
}

/// `reply` read strictly as an XFR in `version`.
fn strict<'a>(reply: &'a str, version: Version) -> Result<Xfr<'a>, String> {
    parse(reply.as_bytes(), version).map_err(|e| format!("{reply:?} in {version}: {e}"))
}

fn expect(reply: String, wanted: &str) -> Result<(), String> {
    if reply == wanted {
        Ok(())
    } else {
        Err(format!("expected {wanted:?}, got {reply:?}"))
    }
}

/// One client's whole session in `version`, from the dispatch server at `dispatch`; returns
/// every line received, as `server: line`.
pub fn session(
    dispatch: SocketAddr,
    version: Version,
    options: Options,
) -> Result<Vec<String>, String> {
    let email = "alice@example.com";
    let v = version;
    let method = if v.number() < 8 { "MD5" } else { "TWN" };

    let mut ds = Conn::open("dispatch", dispatch, options)?;
    expect(
        ds.ask(&format!("VER 1 {v} CVR0"))?,
        &format!("VER 1 {v} CVR0"),
    )?;
    ds.ask(&format!(
        "CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 8.5.1302 msmsgs {email}"
    ))?;
    let reply = ds.ask(&format!("USR 3 {method} I {email}"))?;
    let Xfr::Ns(ns) = strict(&reply, v)? else {
        return Err(format!("expected an NS referral, got {reply:?}"));
    };
    let ns_addr: SocketAddr = ns.server.to_string().parse().map_err(|e| format!("{e}"))?;

    let mut ns = Conn::open("notification", ns_addr, options)?;
    expect(
        ns.ask(&format!("VER 4 {v} CVR0"))?,
        &format!("VER 4 {v} CVR0"),
    )?;
    ns.ask(&format!(
        "CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 8.5.1302 msmsgs {email}"
    ))?;
    ns.ask(&format!("USR 6 {method} I {email}"))?;
    expect(
        ns.ask(&format!("USR 7 {method} S t=test"))?,
        &format!("USR 7 OK {email} Test 1 0"),
    )?;
    // Before going online, the request is refused.
    expect(ns.ask("XFR 8 SB")?, "913 8")?;
    ns.ask("CHG 9 NLN 0")?;
    // A payload whose body holds a line like a request: skipped by the server, never answered.
    let body = "<Data><PSM>XFR 99 SB</PSM></Data>";
    ns.send_raw(format!("UUX 10 {}\r\n{body}", body.len()).as_bytes())?;
    expect(ns.reply()?, "200 10")?;
    let reply = ns.ask("XFR 11 SB")?;
    let Xfr::Sb(sb) = strict(&reply, v)? else {
        return Err(format!("expected an SB referral, got {reply:?}"));
    };
    let cookie = sb
        .auth
        .param()
        .map(|c| c.as_str().to_string())
        .unwrap_or_default();
    let sb_addr: SocketAddr = sb.server.to_string().parse().map_err(|e| format!("{e}"))?;
    // Bad input gets an error reply; the connection stays up.
    expect(ns.ask("XFR 12 NS")?, "201 12")?;
    if !options.polite {
        expect(ns.ask("XFR 13 SB 1")?, "200 13")?;
    }
    expect(ns.ask("PNG")?, "QNG 50")?;

    let mut sb = Conn::open("switchboard", sb_addr, options)?;
    expect(
        sb.ask(&format!("USR 1 {email} {cookie}"))?,
        &format!("USR 1 OK {email} {email}"),
    )?;
    // A cookie works once.
    let mut again = Conn::open("switchboard", sb_addr, options)?;
    expect(again.ask(&format!("USR 1 {email} {cookie}"))?, "911 1")?;

    let mut seen = ds.seen;
    seen.extend(ns.seen);
    seen.extend(sb.seen);
    seen.extend(again.seen);
    Ok(seen)
}
