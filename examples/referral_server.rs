//! A small MSN Messenger dispatch + notification + switchboard server on 127.0.0.1 that answers
//! XFR in each client's version with msnp-xfr's builders, for tests and packet captures.
//!
//! ```text
//! cargo run --example referral_server -- [--split] [--seconds N] [--port P]
//! ```
//!
//! It prints its three addresses (`dispatch`, `notification`, `switchboard`) and serves until
//! killed (or for N seconds). They are on ports the system picks, or with `--port P` on P, P+1
//! and P+2 (for a capture filter written in advance: `tcp portrange P-P+2`). The login it speaks is the least that reaches XFR in MSNP2–MSNP21:
//! `VER`, `CVR`, `USR … I email` answered by a challenge and `USR … S t=test` by `OK`, `CHG`, and
//! `PNG`. The dispatch server refers every `USR … I` (and `XFR n NS`) to the notification
//! server; the notification server answers `XFR n SB` with a switchboard and a fresh cookie
//! (913 before the first `CHG`, 201 to `XFR n NS`); the switchboard takes the cookie once
//! (`USR n email cookie`, 911 after). Each client's lines are framed by msnp-xfr's `Decoder`,
//! which also skips payloads; a line it cannot read gets `200 TrID` and the connection stays up.
//! `--split` writes every reply in two pieces a few milliseconds apart, as a slow server would.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use msnp_xfr::{
    Address, Decoder, DecoderConfig, Direction, Event, NsReferral, Refusal, SbReferral, Step,
    Token, Version, Xfr,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Dispatch,
    Notification,
    Switchboard,
}

/// What the three servers share: their addresses, the cookies handed out and not yet used.
struct Shared {
    dispatch: SocketAddr,
    notification: SocketAddr,
    switchboard: SocketAddr,
    cookies: Mutex<HashMap<String, String>>,
    next_cookie: Mutex<u64>,
    split: bool,
}

fn address(addr: SocketAddr) -> Address<'static> {
    addr.to_string()
        .parse()
        .expect("a socket address is an MSNP address")
}

/// One client's connection to one of the servers.
struct Client {
    role: Role,
    shared: Arc<Shared>,
    stream: TcpStream,
    version: Option<Version>,
    email: String,
    online: bool,
}

impl Client {
    fn send(&mut self, line: &str) -> io::Result<()> {
        let bytes = format!("{line}\r\n").into_bytes();
        if self.shared.split {
            let (a, b) = bytes.split_at(bytes.len() / 2);
            self.stream.write_all(a)?;
            self.stream.flush()?;
            thread::sleep(Duration::from_millis(5));
            self.stream.write_all(b)
        } else {
            self.stream.write_all(&bytes)
        }
    }

    fn version(&self) -> Version {
        self.version.unwrap_or(Version::MSNP8)
    }

    /// A client's XFR request: a referral built for the client's version, or a refusal.
    fn xfr(&mut self, xfr: &Xfr<'_>) -> io::Result<()> {
        let Xfr::Request(request) = xfr else {
            return self.send(&format!("200 {}", xfr.trid()));
        };
        let version = self.version();
        let reply = match (self.role, request.server) {
            (Role::Dispatch, msnp_xfr::ServerType::Ns) => self.ns_referral(request.trid.0),
            (Role::Notification, msnp_xfr::ServerType::Sb) if !self.online => {
                Refusal::NotOnline.reply(request.trid).to_string()
            }
            (Role::Notification, msnp_xfr::ServerType::Sb) => {
                let cookie = {
                    let mut next = self.shared.next_cookie.lock().unwrap();
                    *next += 1;
                    format!("{}.{}.{}", 17262740 + *next, 1050826919, 32308)
                };
                let line = SbReferral::builder(
                    request.trid,
                    address(self.shared.switchboard),
                    Token::new(&cookie).expect("digits and dots make a cookie"),
                )
                .build(version)
                .expect("every version has an SB referral")
                .to_string();
                self.shared
                    .cookies
                    .lock()
                    .unwrap()
                    .insert(cookie, self.email.clone());
                line
            }
            _ => Refusal::NsNotOffered.reply(request.trid).to_string(),
        };
        self.send(&reply)
    }

    /// The dispatch server's referral to the notification server.
    fn ns_referral(&self, trid: u32) -> String {
        NsReferral::builder(trid, address(self.shared.notification))
            .current(address(self.shared.dispatch))
            .hop_count(1)
            .and_then(|b| b.build(self.version()))
            .expect("the dispatch server gives every input any version needs")
            .to_string()
    }

    /// Any other command.
    fn command(&mut self, fields: &[&str]) -> io::Result<()> {
        let trid = fields.get(1).copied().unwrap_or("0");
        match (self.role, fields) {
            (_, ["VER", trid, offered @ ..]) => {
                let chosen = offered
                    .iter()
                    .filter_map(|v| v.parse::<Version>().ok())
                    .max();
                self.version = chosen;
                match chosen {
                    Some(v) => self.send(&format!("VER {trid} {v} CVR0")),
                    None => self.send(&format!("VER {trid} 0")),
                }
            }
            (_, ["CVR", trid, ..]) => self.send(&format!(
                "CVR {trid} 8.5.1302 8.5.1302 8.1.0178 http://127.0.0.1/ http://127.0.0.1/"
            )),
            (Role::Dispatch, ["USR", trid, _, "I", _]) => {
                let line = self.ns_referral(trid.parse().unwrap_or(0));
                self.send(&line)
            }
            (Role::Notification, ["USR", trid, method, "I", email]) => {
                self.email = email.to_string();
                self.send(&format!("USR {trid} {method} S ct=1,rver=1,id=test"))
            }
            (Role::Notification, ["USR", trid, _, "S", secret, ..]) if *secret == "t=test" => {
                let email = self.email.clone();
                self.send(&format!("USR {trid} OK {email} Test 1 0"))
            }
            (Role::Notification, ["CHG", trid, status, ..]) => {
                self.online = true;
                self.send(&format!("CHG {trid} {status} 0"))
            }
            (Role::Notification, ["SYN", trid, ..]) => self.send(&format!("SYN {trid} 1 0 0")),
            (Role::Switchboard, ["USR", trid, email, cookie]) => {
                let known = self.shared.cookies.lock().unwrap().remove(*cookie);
                match known {
                    Some(owner) if owner == *email => {
                        self.send(&format!("USR {trid} OK {email} {email}"))
                    }
                    _ => self.send(
                        &Refusal::AuthFailed
                            .reply(trid.parse::<u32>().unwrap_or(0))
                            .to_string(),
                    ),
                }
            }
            (_, ["PNG"]) => self.send("QNG 50"),
            (_, ["OUT", ..]) => self.stream.shutdown(std::net::Shutdown::Both),
            (_, ["USR", ..]) => self.send(&format!("911 {trid}")),
            _ => self.send(&format!("200 {trid}")),
        }
    }

    /// Reads and answers until the client goes away. A line cut off by a disconnect is dropped
    /// with the connection; nothing shared changes for it.
    fn serve(mut self) -> io::Result<()> {
        let config = DecoderConfig::new(Direction::ClientToServer).version(None);
        let mut decoder = Decoder::new(config);
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut start = 0;
            loop {
                decoder.set_version(self.version);
                let step = decoder.decode(&buf[start..]);
                let (event, consumed) = match step {
                    Step::Event { event, consumed } => (event, consumed),
                    Step::NeedMore { consumed } => {
                        start += consumed;
                        break;
                    }
                };
                start += consumed;
                match event {
                    Event::Xfr { result: Ok(p), .. } => self.xfr(&p.xfr.into_owned())?,
                    Event::Xfr {
                        result: Err(_),
                        line,
                    } => {
                        let text = String::from_utf8_lossy(line).into_owned();
                        let trid = text.split_whitespace().nth(1).unwrap_or("0").to_string();
                        self.send(&format!("200 {trid}"))?;
                    }
                    Event::Command { line, .. } => {
                        let text = String::from_utf8_lossy(line).into_owned();
                        let fields: Vec<&str> = text.split_whitespace().collect();
                        self.command(&fields)?;
                    }
                    _ => self.send("200 0")?,
                }
            }
            buf.drain(..start);
        }
    }
}

fn listen(listener: TcpListener, role: Role, shared: Arc<Shared>) {
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let shared = shared.clone();
            thread::spawn(move || {
                let client = Client {
                    role,
                    shared,
                    stream,
                    version: None,
                    email: String::new(),
                    online: false,
                };
                // A client that goes away is no error of the server's.
                let _ = client.serve();
            });
        }
    });
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().any(|a| a == "--split");
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1)?.parse::<u64>().ok());
    let base = args
        .iter()
        .position(|a| a == "--port")
        .map(|i| args.get(i + 1).and_then(|p| p.parse::<u16>().ok()))
        .map(|p| {
            p.filter(|p| *p <= u16::MAX - 2)
                .ok_or_else(|| io::Error::other("--port P: a port up to 65533"))
        })
        .transpose()?;
    let bind = |offset: u16| TcpListener::bind(("127.0.0.1", base.map_or(0, |p| p + offset)));
    let (dispatch, notification, switchboard) = (bind(0)?, bind(1)?, bind(2)?);
    let shared = Arc::new(Shared {
        dispatch: dispatch.local_addr()?,
        notification: notification.local_addr()?,
        switchboard: switchboard.local_addr()?,
        cookies: Mutex::new(HashMap::new()),
        next_cookie: Mutex::new(0),
        split,
    });
    println!("dispatch {}", shared.dispatch);
    println!("notification {}", shared.notification);
    println!("switchboard {}", shared.switchboard);
    io::stdout().flush()?;
    listen(dispatch, Role::Dispatch, shared.clone());
    listen(notification, Role::Notification, shared.clone());
    listen(switchboard, Role::Switchboard, shared);
    match seconds {
        Some(s) => thread::sleep(Duration::from_secs(s)),
        None => loop {
            thread::park();
        },
    }
    Ok(())
}
