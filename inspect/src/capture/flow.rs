//! The TCP connections of a capture, followed: each direction reassembled, the client told
//! apart, the connection recognised as MSNP or as the HTTP gateway by its first lines (never by
//! its port), and its bytes fed to msnp-xfr's [`Connection`] — each line framed, classified and
//! parsed once, with the version its own `VER` exchange fixed. Gateway sessions are followed by
//! SessionID across TCP connections. Referrals are matched to the connection that followed
//! them.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

use msnp_xfr::{
    Announced, Auth, Connection, ConnectionEvent, Direction, NsForm, Observation, PayloadCommands,
    Session, Step, Xfr,
};

use super::file::{Packet, Timestamp};
use super::packet::{Packets, Segment};
use crate::follow::Judging;
use crate::gateway::{self, Carried, Http};
use crate::logs;
use crate::reassembly::{Budget, Delivered, Stream};
use crate::record::{Origin, Outcome, Record};
use crate::report::{ConnSummary, Report};

/// At most this many connections are followed at once; a new one beyond that ends the eighth
/// idle longest, so memory is bounded by the live connections, not the capture.
pub const MAX_FLOWS: usize = 8 * 1024;
/// At most this many connections found not to be MSNP are remembered (to skip their packets).
pub const MAX_IGNORED: usize = 16 * 1024;
/// How many bytes of a connection's start are held while it is told apart (each piece charged
/// [`EARLY_OVERHEAD`] more).
pub const MAX_EARLY: usize = 8 * 1024;
/// What holding one piece of a connection's start (bytes, or a gap among them) is charged
/// beyond its bytes: its entry (64 bytes) and its allocation's bookkeeping.
pub const EARLY_OVERHEAD: usize = 80;
/// The bytes all followed connections may hold at once outside reassembly (their starts while
/// they are told apart, partial lines, HTTP heads and bodies); past it the connections idle
/// longest are ended until a quarter is free.
pub const MAX_HELD: usize = 8 << 20;
/// How many segments of a connection may go by while some of its segments wait for the other
/// side (see `Tracker::defer`) before the wait is given up: capture order strays from wire
/// order by a few packets, a lost segment never comes.
pub const MAX_DEFERRED_AGE: u32 = 16;
/// Segments waiting so, per connection.
pub const MAX_DEFERRED: usize = 64;
/// Bytes they may hold, per connection (also charged against [`MAX_HELD`]).
pub const MAX_DEFERRED_BYTES: usize = 64 * 1024;
/// What a waiting segment is charged beyond its payload.
const DEFERRED_OVERHEAD: usize = 96;
/// Gateway sessions followed at once; past it the oldest is forgotten.
pub const MAX_SESSIONS: usize = 512;
/// Referrals waiting for the connection that follows them.
const MAX_WAITING_REFERRALS: usize = 4096;
/// Bytes of the cookies of SB referrals waiting (real cookies are some 30 bytes).
const MAX_WAITING_COOKIES: usize = 512 * 1024;
/// What ends connections to make room, as their records say.
const EVICTED: &str = "the tool's limits (too many connections open at once)";

/// The two endpoints of a connection, in a fixed order: an IPv4 pair packed into one integer
/// (a small table entry, hashed and compared in a few instructions, for every packet), an IPv6
/// pair as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    V4(u128),
    V6(SocketAddr, SocketAddr),
}

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    match (a, b) {
        (SocketAddr::V4(a), SocketAddr::V4(b)) => {
            let pack =
                |x: std::net::SocketAddrV4| u64::from(x.ip().to_bits()) << 16 | u64::from(x.port());
            let (a, b) = (pack(a), pack(b));
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            Key::V4(u128::from(lo) << 64 | u128::from(hi))
        }
        _ if a <= b => Key::V6(a, b),
        _ => Key::V6(b, a),
    }
}

/// `client -> server`, IPv6 addresses in brackets.
fn label(client: SocketAddr, server: SocketAddr) -> String {
    format!("{client} -> {server}")
}

/// What a connection turned out to be.
// Nearly every followed connection is MSNP; keeping its state inline spares
// an allocation and a pointer chase per segment, and the slab is bounded by
// MAX_FLOWS, so the unused room in the other variants is at most a few MiB.
#[expect(
    clippy::large_enum_variant,
    reason = "MSNP flows are the common case; see the comment above"
)]
enum Kind {
    /// Not known yet: its first bytes are held.
    Undecided,
    /// MSNP.
    Msnp(Connection),
    /// The MSN HTTP gateway.
    Gateway(Box<Http>),
}

/// What a side's first line says of its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Client,
    Server,
}

/// A side's role from its first line, where the line tells.
fn role_of(line: &[u8]) -> Option<Role> {
    if gateway::is_gateway_request(line) || line.starts_with(b"GET ") || line.starts_with(b"POST ")
    {
        return Some(Role::Client);
    }
    if line.starts_with(b"HTTP/1.") {
        return Some(Role::Server);
    }
    let fields: Vec<&[u8]> = line
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty())
        .collect();
    match fields.as_slice() {
        [code, trid, ..]
            if code.len() == 3
                && code.iter().all(u8::is_ascii_digit)
                && trid.iter().all(u8::is_ascii_digit) =>
        {
            Some(Role::Server)
        }
        [b"XFR", _, b"SB" | b"NS"] => Some(Role::Client),
        [b"XFR", _, _, _, ..] => Some(Role::Server),
        // A client may offer several versions; a server names one. A client offering one
        // (`VER 1 MSNP8 CVR0`, common) looks like the server's reply: that tells nothing.
        [b"VER", _, rest @ ..] => {
            (rest.iter().filter(|f| f.starts_with(b"MSNP")).count() > 1).then_some(Role::Client)
        }
        // `USR n TWN S` is the server's challenge and the client's answer alike; a server
        // answers `CVR` and `UUX` with a `CVR` and a `UUX` of its own.
        [b"USR", _, _, b"I", ..] | [b"PNG"] | [b"ANS", _, _, _, _] | [b"QRY", _, _, _] => {
            Some(Role::Client)
        }
        [b"CAL", _, who] if who.contains(&b'@') => Some(Role::Client),
        [b"USR", _, b"OK", ..]
        | [b"ANS", _, b"OK"]
        | [b"CAL", _, b"RINGING", ..]
        | [b"MSG", b"Hotmail", ..]
        | [b"CHL", ..]
        | [b"ILN", ..]
        | [b"NLN", ..]
        | [b"FLN", ..]
        | [b"QNG", ..]
        | [b"JOI", ..]
        | [b"IRO", ..]
        | [b"RNG", ..]
        | [b"GCF", ..]
        | [b"UBX", ..]
        | [b"NOT", ..] => Some(Role::Server),
        _ => None,
    }
}

/// Ports servers ran on.
fn is_server_port(port: u16) -> bool {
    matches!(port, 1863 | 443 | 80 | 8080 | 1864)
}

/// The first line of `bytes` (without its line end), if a whole one is there.
fn first_line(bytes: &[u8]) -> Option<&[u8]> {
    let end = memchr::memchr(b'\n', bytes)?;
    let line = &bytes[..end];
    Some(line.strip_suffix(b"\r").unwrap_or(line))
}

/// Whether `bytes` start like a line (a command, a reply, HTTP): a capture that starts inside
/// a line skips to the next line end instead.
fn starts_a_line(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64)];
    let line = head
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .unwrap_or(head);
    logs::is_command(line)
        || line.starts_with(b"POST ")
        || line.starts_with(b"GET ")
        || line.starts_with(b"HTTP/1.")
}

/// What a segment's bytes carry through reassembly: the frame and time of their packet.
type Tag = (u64, Option<Timestamp>);

/// Where reading starts again after lost bytes (or where a capture joined a side): at the
/// first byte if it starts like a line, else after the next line end. The first bytes are held
/// until they tell (a line end, or [`RESUME_HEAD`] bytes): a command's first byte may come in a
/// segment of its own; once they tell no line starts there, everything up to the next line end
/// is dropped, however it comes. Returns the bytes to read on (clearing `skip`), or `None` to
/// wait.
fn resume<'a>(held: &mut Vec<u8>, skip: &mut bool, data: &'a [u8]) -> Option<Cow<'a, [u8]>> {
    let joined: Cow<'a, [u8]> = if held.is_empty() {
        Cow::Borrowed(data)
    } else {
        let mut joined = std::mem::take(held);
        joined.extend_from_slice(data);
        Cow::Owned(joined)
    };
    let tells = joined.len() >= RESUME_HEAD || joined.iter().any(|&b| b == b'\r' || b == b'\n');
    if !tells {
        *held = joined.into_owned();
        return None;
    }
    if starts_a_line(&joined) {
        *skip = false;
        return Some(joined);
    }
    let Some(end) = memchr::memchr(b'\n', &joined) else {
        // Inside a line: what comes next is more of it, up to its end. (A NUL held in front
        // starts no line, so the next bytes are not taken for one.)
        *held = vec![0];
        return None;
    };
    *skip = false;
    Some(match joined {
        Cow::Borrowed(b) => Cow::Borrowed(&b[end + 1..]),
        Cow::Owned(v) => Cow::Owned(v[end + 1..].to_vec()),
    })
}

/// What is left of a line when its direction loses bytes or ends: the partial line, or else
/// the first bytes after an earlier loss held to see whether they start a line, if they may
/// (`XFR` cut right after its verb). Both are emptied.
fn take_partial(pending: &mut Vec<u8>, start: &mut Vec<u8>) -> Vec<u8> {
    let held = std::mem::take(start);
    if pending.is_empty() && starts_a_line(&held) {
        return held;
    }
    std::mem::take(pending)
}

/// Bytes enough to tell whether a line starts: `HTTP/1.`, `913 12`, `UUX `.
const RESUME_HEAD: usize = 8;

/// One side of a connection.
#[derive(Default)]
struct Side {
    stream: Stream<Tag>,
    /// Bytes the decoder has not consumed yet (a partial line).
    pending: Vec<u8>,
    /// The packet that carried the last byte handed to the decoder: a line cut off is dated
    /// by it, not by the FIN or acknowledgement that ended the wait for the rest.
    last: Tag,
    /// The side's framing is uncertain (see [`crate::record::Record::uncertain`]): bytes were
    /// lost where they may have held lines, or the capture joined the side in the middle.
    /// Nothing in TCP says where a line starts again, so it stays so for the rest of the side.
    uncertain: bool,
    /// The side's SYN was seen.
    syn: bool,
    /// The side ended (its FIN reached, or RST).
    ended: bool,
    /// The capture joined the side in the middle, or lost bytes of it: find where a line
    /// starts first (see [`resume`]).
    skip_to_line: bool,
    /// The first bytes after that, too few yet to tell whether they start a line.
    start: Vec<u8>,
}

/// A piece of a connection's start, held until the connection is told apart.
enum Early {
    /// Bytes of one side, from one packet, or from several where none but the last completed a
    /// line (a line's record is dated by the packet that completed it).
    Data {
        side: usize,
        bytes: Vec<u8>,
        tag: Tag,
    },
    /// Bytes of one side that were never captured.
    Gap { side: usize, missing: u64, tag: Tag },
}

/// One TCP connection being followed.
struct Flow {
    /// The endpoints: side 0 sent the first packet seen.
    ends: [SocketAddr; 2],
    sides: [Side; 2],
    /// The client's side, once known.
    client: Option<usize>,
    kind: Kind,
    early: Vec<Early>,
    early_bytes: usize,
    /// The report label, once the connection is followed.
    label: Option<u32>,
    summary: ConnSummary,
    /// The packet count when it was last active, for evicting the idlest.
    active: u64,
    /// What it is charged against [`MAX_HELD`].
    held: usize,
    /// Segments waiting for the other side to reach what they acknowledge, in capture order.
    deferred: VecDeque<Deferred>,
    /// What they hold (payload and [`DEFERRED_OVERHEAD`] each).
    deferred_bytes: usize,
    /// Segments of the connection seen (the age of a waiting segment is counted in them).
    segments: u64,
    /// Wireshark's `tcp.stream` of the connection (see [`Streams`]), and the sequence number
    /// of the SYN it began with.
    stream: Option<u32>,
    isn: Option<u32>,
}

/// A segment waiting for the other side (see `Tracker::defer`).
struct Deferred {
    side: usize,
    segment: Segment<'static>,
    frame: u64,
    time: Option<Timestamp>,
    /// The other side's offset it waits for.
    waits: u64,
    /// The connection's segment count when it began to wait.
    since: u64,
}

impl Flow {
    fn new(first: SocketAddr, second: SocketAddr) -> Self {
        Flow {
            stream: None,
            isn: None,
            ends: [first, second],
            sides: [Side::default(), Side::default()],
            client: None,
            kind: Kind::Undecided,
            early: Vec::new(),
            early_bytes: 0,
            label: None,
            summary: ConnSummary::default(),
            active: 0,
            held: 0,
            deferred: VecDeque::new(),
            deferred_bytes: 0,
            segments: 0,
        }
    }

    /// The bytes it holds outside reassembly.
    fn holding(&self) -> usize {
        let lines: usize = self.sides.iter().map(|s| s.pending.capacity()).sum();
        let http = match &self.kind {
            Kind::Gateway(http) => http.holding(),
            _ => 0,
        };
        self.early_bytes + lines + http + self.deferred_bytes
    }

    /// Holds bytes of the connection's start. Bytes of the same side as the last piece join it
    /// while it completes no line, so a line sent a byte at a time costs one piece, and a
    /// line's record is still dated by the packet that completed it.
    fn hold_early(&mut self, side: usize, bytes: &[u8], tag: Tag) {
        if let Some(Early::Data {
            side: last_side,
            bytes: last,
            tag: last_tag,
        }) = self.early.last_mut()
        {
            if *last_side == side && memchr::memchr(b'\n', last).is_none() {
                last.extend_from_slice(bytes);
                *last_tag = tag;
                self.early_bytes += bytes.len();
                return;
            }
        }
        self.early_bytes += bytes.len() + EARLY_OVERHEAD;
        self.early.push(Early::Data {
            side,
            bytes: bytes.to_vec(),
            tag,
        });
    }

    fn side_of(&self, src: SocketAddr) -> usize {
        usize::from(src != self.ends[0])
    }

    fn direction(&self, side: usize) -> Direction {
        if Some(side) == self.client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    }
}

/// An MSNP session carried by the gateway, across TCP connections.
struct GatewaySession {
    conn: Connection,
    /// Per direction (client's first), as for a TCP connection's [`Side`]: a partial line,
    /// where its last byte came from, uncertain framing, a skip to the next line.
    pending: [Vec<u8>; 2],
    last: [Option<At>; 2],
    uncertain: [bool; 2],
    skip_to_line: [bool; 2],
    start: [Vec<u8>; 2],
    label: u32,
}

/// Where a line came from, for its record.
#[derive(Clone, Copy)]
struct At {
    frame: u64,
    time: Option<Timestamp>,
    conn: u32,
    /// Wireshark's `tcp.stream` of the TCP connection that carried the line.
    stream: Option<u32>,
    gateway_session: Option<u32>,
    client: IpAddr,
    /// The framing of the line's side was uncertain.
    uncertain: bool,
}

/// What the connections of a capture share: the report being written, gateway sessions,
/// referrals waiting to be followed.
struct Shared {
    judging: Judging,
    /// A connection as it starts, as `judging` asks.
    fresh: Connection,
    report: Report,
    budget: Budget,
    sessions: HashMap<String, GatewaySession>,
    /// Session IDs in the order they were first seen (some perhaps closed since).
    session_order: VecDeque<String>,
    /// SB referrals by cookie: the record to mark when the cookie is presented.
    cookies: HashMap<String, usize>,
    /// The SB referrals in the order they were made, (cookie, record); some perhaps followed
    /// since.
    cookie_order: VecDeque<(String, usize)>,
    /// The bytes of the cookies in `cookie_order`.
    cookie_bytes: usize,
    /// NS referrals in the order they were made: (client, address referred to, record); some
    /// perhaps followed since.
    referrals: VecDeque<(IpAddr, SocketAddr, usize)>,
    /// The records of NS referrals not followed yet, by client and address, oldest first: a
    /// new connection finds its referral without a walk through every one waiting.
    referred: HashMap<(IpAddr, SocketAddr), VecDeque<usize>>,
}

impl Shared {
    /// A new connection's state: a copy of one made at the start (building the payload
    /// tables anew for each of thousands of connections showed in profiles).
    fn connection(&self) -> Connection {
        self.fresh.clone()
    }

    fn label(&mut self, text: String) -> u32 {
        self.report.add_label(text)
    }

    /// Feeds `data` (one direction of one MSNP connection or gateway session) through `conn`,
    /// reporting what it finds.
    fn feed(
        &mut self,
        conn: &mut Connection,
        pending: &mut Vec<u8>,
        dir: Direction,
        data: &[u8],
        at: At,
        summary: &mut ConnSummary,
    ) -> bool {
        if pending.is_empty() {
            let (used, lost) = self.decode(conn, dir, data, at, summary);
            pending.extend_from_slice(&data[used..]);
            lost
        } else {
            pending.extend_from_slice(data);
            let (used, lost) = self.decode(conn, dir, pending, at, summary);
            pending.drain(..used);
            // Room a long line needed is not kept by thousands of quiet connections.
            if pending.is_empty() && pending.capacity() > 256 {
                *pending = Vec::new();
            }
            lost
        }
    }

    /// Decodes what `buf` holds; returns how much was consumed, and whether a payload length
    /// past the decoder's limit lost the framing (reading goes on at the next line end, with
    /// the framing uncertain).
    fn decode(
        &mut self,
        conn: &mut Connection,
        dir: Direction,
        buf: &[u8],
        mut at: At,
        summary: &mut ConnSummary,
    ) -> (usize, bool) {
        let mut used = 0;
        let mut lost = false;
        loop {
            match conn.decode(dir, &buf[used..]) {
                Step::Event { event, consumed } => {
                    match &event {
                        ConnectionEvent::Line {
                            line,
                            verb,
                            observation,
                            ..
                        } => {
                            summary.lines += 1;
                            // A gateway connection carries lines of sessions whose `VER` may
                            // have gone through another: it lists the versions they were in.
                            if summary.kind == "gateway" {
                                if let Some(v) = conn.version() {
                                    summary.version(v.as_str());
                                }
                            }
                            self.line(dir, line, verb, observation, at, summary);
                        }
                        // Only the first event of an over-long line holds its start.
                        ConnectionEvent::LineTooLong { limit } => {
                            let start = &buf[used..used + consumed];
                            let version = conn.version();
                            self.over_long(start, *limit, dir, version, at);
                        }
                        // No reader can tell where such a payload ends: say so, and read on
                        // from the next line end rather than not at all.
                        ConnectionEvent::PayloadTooLong { .. } => {
                            summary.payloads_too_long += 1;
                            self.report.payloads_too_long += 1;
                            conn.resync(dir);
                            at.uncertain = true;
                            lost = true;
                        }
                        _ => {}
                    }
                    used += consumed;
                }
                Step::NeedMore { consumed } => return (used + consumed, lost),
            }
        }
    }

    fn line(
        &mut self,
        dir: Direction,
        line: &[u8],
        verb: &str,
        observation: &Observation<'_>,
        at: At,
        summary: &mut ConnSummary,
    ) {
        if let Observation::Version(Some(v)) = observation {
            summary.version(v.as_str());
        }
        if dir == Direction::ClientToServer && matches!(verb, "USR" | "ANS") {
            self.presented(line, at.conn);
        }
        if !Record::reported(observation) {
            return;
        }
        summary.xfrs += 1;
        let origin = self.origin(at);
        let mode = self.judging.mode;
        let Some(mut record) = Record::new(
            origin,
            Some(dir),
            mode,
            line,
            observation,
            &mut self.report.store,
        ) else {
            return;
        };
        record.uncertain = at.uncertain;
        let number = self.report.push(record);
        if let Observation::Xfr { result: Ok(p), .. } = observation {
            if dir == Direction::ServerToClient {
                self.referral(&p.xfr, number, at.client);
            }
        }
    }

    /// The record `number` waits for its referral to be followed, or (`None`) no longer.
    fn awaiting(&mut self, number: usize, followed_by: Option<u32>, waits: bool) {
        self.report.set_followed(number, followed_by, waits);
    }

    /// Remembers a referral to match with the connection that follows it; its record waits
    /// for that (within the report's holding limits).
    fn referral(&mut self, xfr: &Xfr<'_>, number: usize, client: IpAddr) {
        match xfr {
            Xfr::Sb(sb) => {
                if let Auth::Cki(cookie) = &sb.auth {
                    let cookie = cookie.as_str().to_string();
                    while self.cookie_order.len() >= MAX_WAITING_REFERRALS
                        || self.cookie_bytes + cookie.len() > MAX_WAITING_COOKIES
                    {
                        let Some((old, old_number)) = self.cookie_order.pop_front() else {
                            break;
                        };
                        self.cookie_bytes -= old.len();
                        // Given up only if still waiting, and for this referral (the same
                        // cookie may have been handed out again since).
                        if self.cookies.get(&old) == Some(&old_number) {
                            self.cookies.remove(&old);
                            self.awaiting(old_number, None, false);
                        }
                    }
                    if let Some(old) = self.cookies.insert(cookie.clone(), number) {
                        // The same cookie twice: the later referral is the one followed.
                        self.awaiting(old, None, false);
                    }
                    self.cookie_bytes += cookie.len();
                    self.cookie_order.push_back((cookie, number));
                    self.awaiting(number, None, true);
                }
            }
            Xfr::Ns(ns) if !matches!(ns.form, NsForm::Gateway(_)) => {
                if let (Some(ip), port) = (ns.server.host.ipv4(), ns.server.port_or_default()) {
                    if self.referrals.len() >= MAX_WAITING_REFERRALS {
                        if let Some((ip, to, old)) = self.referrals.pop_front() {
                            // Still waiting only if its follower has not come: then it is the
                            // oldest of its client and address.
                            let mut given_up = false;
                            if let Some(waiting) = self.referred.get_mut(&(ip, to)) {
                                if waiting.front() == Some(&old) {
                                    waiting.pop_front();
                                    given_up = true;
                                }
                                if waiting.is_empty() {
                                    self.referred.remove(&(ip, to));
                                }
                            }
                            if given_up {
                                self.awaiting(old, None, false);
                            }
                        }
                    }
                    let to = SocketAddr::new(IpAddr::V4(ip), port.get());
                    self.referrals.push_back((client, to, number));
                    self.referred
                        .entry((client, to))
                        .or_default()
                        .push_back(number);
                    self.awaiting(number, None, true);
                }
            }
            _ => {}
        }
    }

    /// A client presented a cookie (`USR TrID email cookie`, `ANS TrID email cookie session`)
    /// on the connection `conn`.
    fn presented(&mut self, line: &[u8], conn: u32) {
        let text = String::from_utf8_lossy(line);
        let fields: Vec<&str> = text.split_whitespace().collect();
        let cookie = match fields.as_slice() {
            ["USR", _, _, cookie] | ["ANS", _, _, cookie, _] => *cookie,
            _ => return,
        };
        if let Some(number) = self.cookies.remove(cookie) {
            self.awaiting(number, Some(conn), false);
        }
    }

    /// A new connection from `client` to `server`: the NS referral it follows, if any.
    fn connected(&mut self, client: SocketAddr, server: SocketAddr, conn: u32) {
        let key = (client.ip(), server);
        let Some(waiting) = self.referred.get_mut(&key) else {
            return;
        };
        let number = waiting.pop_front();
        if waiting.is_empty() {
            self.referred.remove(&key);
        }
        if let Some(number) = number {
            self.awaiting(number, Some(conn), false);
        }
    }

    /// Where a line read at `at` came from, its time kept in the report's texts.
    fn origin(&mut self, at: At) -> Origin {
        Origin {
            frame: Some(at.frame),
            time: at
                .time
                .map(|t| self.report.store.keep(t.rfc3339().as_bytes())),
            conn: Some(at.conn),
            gateway_session: at.gateway_session,
            stream: at.stream,
            ..Origin::default()
        }
    }

    /// A partial line left when a side ends or loses bytes: an XFR cut off is reported as such.
    fn cut(
        &mut self,
        partial: &[u8],
        dir: Direction,
        version: Option<msnp_xfr::Version>,
        by: &'static str,
        at: At,
    ) {
        self.unread(partial, dir, version, Outcome::Truncated { by }, at);
    }

    /// The start of a line over the decoder's limit: an XFR is reported, failed, with its
    /// first `limit` bytes.
    fn over_long(
        &mut self,
        start: &[u8],
        limit: usize,
        dir: Direction,
        version: Option<msnp_xfr::Version>,
        at: At,
    ) {
        let kept = &start[..start.len().min(limit)];
        self.unread(kept, dir, version, Outcome::OverLong { limit }, at);
    }

    /// A record of `text` that was never read as a whole line (`outcome` says why), if it is
    /// the start of an XFR.
    fn unread(
        &mut self,
        text: &[u8],
        dir: Direction,
        version: Option<msnp_xfr::Version>,
        outcome: Outcome,
        at: At,
    ) {
        if !text.trim_ascii_start().starts_with(b"XFR") {
            return;
        }
        let origin = self.origin(at);
        let text = self.report.store.keep(text);
        self.report.push(Record {
            origin,
            dir: Some(dir),
            version,
            mode: self.judging.mode,
            text,
            outcome,
            truncated: matches!(outcome, Outcome::Truncated { .. }),
            uncertain: at.uncertain,
            followed_by: None,
            awaiting: false,
        });
    }
}

/// Wireshark's `tcp.stream` numbers: each four-tuple gets the next number at its first packet
/// (a bare acknowledgement too), and a new one at a SYN whose sequence number is not that of
/// the SYN that began its conversation (the port used again). A followed connection keeps its
/// number (and first SYN's) in its [`Flow`]; here are only the tuples that have none: those
/// whose connection ended (a late packet of one keeps its number) and those seen only in bare
/// acknowledgements, the newest [`MAX_STREAMS`] of them, by a hash of the tuple. So the common
/// packet costs nothing here, and memory does not grow with the capture. Forgetting a tuple (or
/// the tracker forgetting which tuples it skips) may make a later number differ from
/// Wireshark's; from then on numbers are not given (null) rather than possibly wrong.
struct Streams {
    /// Tuples are kept as a hash seeded afresh in every run, so a capture cannot choose tuples
    /// that collide.
    seed: foldhash::fast::RandomState,
    by_key: foldhash::HashMap<u64, (Option<u32>, Option<u32>)>,
    order: VecDeque<u64>,
    next: u32,
    /// Numbers from here on are not given.
    sure_below: u32,
}

impl Default for Streams {
    fn default() -> Self {
        Streams {
            seed: foldhash::fast::RandomState::default(),
            by_key: foldhash::HashMap::default(),
            order: VecDeque::new(),
            next: 0,
            sure_below: u32::MAX,
        }
    }
}

/// Ended or unfollowed four-tuples whose stream number is remembered (under 1 MiB, taken whole
/// at the first, so that it does not grow with the capture).
pub const MAX_STREAMS: usize = 8 * 1024;

impl Streams {
    fn hash(&self, k: &Key) -> u64 {
        use std::hash::BuildHasher;
        self.seed.hash_one(k)
    }

    /// The next number, if numbers are still sure.
    fn fresh(&mut self) -> Option<u32> {
        let number = self.next;
        self.next = self.next.saturating_add(1);
        (number < self.sure_below).then_some(number)
    }

    /// From here on numbers may differ from Wireshark's.
    fn unsure(&mut self) {
        self.sure_below = self.sure_below.min(self.next);
    }

    /// The number of a connection about to be followed on tuple `k`, and the sequence number of
    /// its SYN (`syn`, a SYN without ACK) or of the SYN its tuple's number began with.
    fn open(&mut self, k: &Key, syn: Option<u32>) -> (Option<u32>, Option<u32>) {
        let h = self.hash(k);
        match self.by_key.remove(&h) {
            Some((number, isn)) if syn.is_none() || syn == isn => (number, isn.or(syn)),
            _ => (self.fresh(), syn),
        }
    }

    /// A SYN with sequence number `seq` on a followed connection numbered `number`, begun by a
    /// SYN with `isn`: the same conversation, or a new one.
    fn syn(&mut self, number: Option<u32>, isn: Option<u32>, seq: u32) -> Option<u32> {
        if isn == Some(seq) {
            number
        } else {
            self.fresh()
        }
    }

    /// A tuple the tracker follows no connection of: a bare acknowledgement numbers it.
    fn stray(&mut self, k: &Key) {
        let h = self.hash(k);
        if !self.by_key.contains_key(&h) {
            let number = self.fresh();
            self.keep(h, number, None);
        }
    }

    /// A followed connection ended: its tuple keeps its number for a late packet.
    fn ended(&mut self, k: &Key, number: Option<u32>, isn: Option<u32>) {
        let h = self.hash(k);
        self.keep(h, number, isn);
    }

    fn keep(&mut self, h: u64, number: Option<u32>, isn: Option<u32>) {
        if self.by_key.capacity() == 0 {
            // Twice the entries kept: a table at most half full clears the places of removed
            // entries where it is, where a fuller one would grow.
            self.by_key.reserve(2 * MAX_STREAMS);
            self.order.reserve(2 * MAX_STREAMS + 1);
        }
        if self.by_key.insert(h, (number, isn)).is_none() {
            self.order.push_back(h);
        }
        while self.by_key.len() > MAX_STREAMS {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if self.by_key.remove(&old).is_some() {
                self.unsure();
            }
        }
        // Tuples taken out by `open` leave their place in `order` behind: dropped once stale.
        if self.order.len() >= 2 * MAX_STREAMS {
            let by_key = &self.by_key;
            self.order.retain(|h| by_key.contains_key(h));
        }
    }
}

/// The connections being followed: found by their endpoints once per packet, then addressed
/// by their slot.
/// The maps are seeded afresh in every run (foldhash): endpoints are the capture's choice, and
/// with a fixed hash a capture could make every lookup walk every connection.
#[derive(Default)]
struct Flows {
    v4: foldhash::HashMap<u128, usize>,
    v6: foldhash::HashMap<(SocketAddr, SocketAddr), usize>,
    slab: Vec<Option<Flow>>,
    free: Vec<usize>,
    /// What the live connections hold outside reassembly, as last accounted.
    held: usize,
    /// The last connection looked up: a connection's packets tend to come together.
    last: Option<(Key, usize)>,
}

impl Flows {
    fn id(&mut self, k: &Key) -> Option<usize> {
        if let Some((last, id)) = &self.last {
            if last == k {
                return Some(*id);
            }
        }
        let id = match k {
            Key::V4(k) => self.v4.get(k).copied(),
            Key::V6(a, b) => self.v6.get(&(*a, *b)).copied(),
        }?;
        self.last = Some((*k, id));
        Some(id)
    }

    fn get(&self, id: usize) -> Option<&Flow> {
        self.slab.get(id)?.as_ref()
    }

    fn get_mut(&mut self, id: usize) -> Option<&mut Flow> {
        self.slab.get_mut(id)?.as_mut()
    }

    fn insert(&mut self, k: Key, flow: Flow) -> usize {
        let id = match self.free.pop() {
            Some(id) => {
                self.slab[id] = Some(flow);
                id
            }
            None => {
                self.slab.push(Some(flow));
                self.slab.len() - 1
            }
        };
        match k {
            Key::V4(k) => self.v4.insert(k, id),
            Key::V6(a, b) => self.v6.insert((a, b), id),
        };
        id
    }

    fn remove(&mut self, id: usize) -> Option<Flow> {
        let flow = self.slab.get_mut(id)?.take()?;
        self.held -= flow.held;
        let k = key(flow.ends[0], flow.ends[1]);
        if self.id(&k) == Some(id) {
            match k {
                Key::V4(k) => self.v4.remove(&k),
                Key::V6(a, b) => self.v6.remove(&(a, b)),
            };
        }
        // After the lookup above, which remembers what it found.
        self.last = None;
        self.free.push(id);
        Some(flow)
    }

    fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Brings what connection `id` is charged for up to date.
    fn account(&mut self, id: usize) {
        if let Some(Some(flow)) = self.slab.get_mut(id) {
            let now = flow.holding();
            self.held = self.held - flow.held + now;
            flow.held = now;
        }
    }

    /// The slots in use.
    fn live(&self) -> Vec<usize> {
        (0..self.slab.len())
            .filter(|&i| self.slab[i].is_some())
            .collect()
    }
}

/// Follows every TCP connection of one capture.
pub struct Tracker {
    packets: Packets,
    flows: Flows,
    ignored: foldhash::HashSet<Key>,
    /// Connections ended to make room (at most [`MAX_IGNORED`] remembered): one that sends
    /// again is followed again, joined in the middle, but is no new TCP connection.
    evicted: foldhash::HashSet<Key>,
    /// Connections closed by both sides (at most [`MAX_IGNORED`] remembered): what they send
    /// after that without a SYN is a late retransmission, not a new connection.
    closed: foldhash::HashSet<Key>,
    /// Wireshark's stream numbers.
    streams: Streams,
    shared: Shared,
    count: u64,
}

impl Tracker {
    /// A tracker writing into `report`.
    pub fn new(report: Report, judging: Judging) -> Self {
        Tracker {
            packets: Packets::default(),
            flows: Flows::default(),
            ignored: foldhash::HashSet::default(),
            evicted: foldhash::HashSet::default(),
            closed: foldhash::HashSet::default(),
            streams: Streams::default(),
            shared: Shared {
                judging,
                fresh: match judging.version {
                    Some(v) => Connection::with_decoders(
                        Session::with_version(judging.mode, v),
                        msnp_xfr::DecoderConfig::new(Direction::ClientToServer).mode(judging.mode),
                        msnp_xfr::DecoderConfig::new(Direction::ServerToClient).mode(judging.mode),
                    ),
                    None => Connection::new(judging.mode),
                },
                report,
                budget: Budget::default(),
                sessions: HashMap::new(),
                session_order: VecDeque::new(),
                cookies: HashMap::new(),
                cookie_order: VecDeque::new(),
                cookie_bytes: 0,
                referrals: VecDeque::new(),
                referred: HashMap::new(),
            },
            count: 0,
        }
    }

    /// The report being written: its ready records may be written (and forgotten) between
    /// packets.
    pub fn report_mut(&mut self) -> &mut Report {
        &mut self.shared.report
    }

    /// What the streams of the connections followed may still hold out of order, together.
    pub fn budget_left(&self) -> usize {
        self.shared.budget.left()
    }

    /// One captured packet.
    pub fn packet(&mut self, packet: &Packet<'_>) {
        let Some(segment) = self.packets.tcp(packet.link, packet.data) else {
            return;
        };
        self.segment(&segment, packet.frame, packet.time);
    }

    /// One TCP segment, from frame `frame`.
    pub fn segment(&mut self, seg: &Segment<'_>, frame: u64, time: Option<Timestamp>) {
        self.count += 1;
        let k = key(seg.src, seg.dst);
        let new_connection = seg.syn && seg.ack.is_none();
        if !self.ignored.is_empty() && self.ignored.contains(&k) {
            if !new_connection {
                return;
            }
            self.ignored.remove(&k);
        }
        if !self.closed.is_empty() && self.closed.contains(&k) {
            if !seg.syn {
                return;
            }
            self.closed.remove(&k);
        }
        let mut id = self.flows.id(&k);
        // A SYN on a connection already carrying data is the same four-tuple used again.
        if let (true, Some(old)) = (new_connection, id) {
            let reused = self
                .flows
                .get(old)
                .is_some_and(|f| f.sides.iter().any(|s| s.stream.position() > 0 || s.ended));
            if reused {
                self.finish(old, frame, time, "the connection's reuse");
                self.closed.remove(&k);
                id = None;
            }
        }
        let id = match id {
            Some(id) => id,
            None => {
                // The last acknowledgements after a close, or a stray one: nothing to follow
                // (but Wireshark numbers its tuple).
                if !seg.syn && seg.payload.is_empty() {
                    self.streams.stray(&k);
                    return;
                }
                if self.flows.len() >= MAX_FLOWS {
                    self.evict(frame, time, |t| t.flows.len() > MAX_FLOWS - MAX_FLOWS / 8);
                }
                let resumed = !self.evicted.is_empty() && self.evicted.remove(&k);
                if new_connection || !resumed {
                    self.shared.report.tcp_connections += 1;
                }
                let mut flow = Flow::new(seg.src, seg.dst);
                (flow.stream, flow.isn) = self.streams.open(&k, new_connection.then_some(seg.seq));
                flow.summary.first = (time.map(|t| t.rfc3339()), frame);
                self.flows.insert(k, flow)
            }
        };
        let flow = self.flows.get_mut(id).expect("present");
        if new_connection && flow.isn != Some(seg.seq) {
            // A SYN with another sequence number: Wireshark's new conversation.
            flow.stream = self.streams.syn(flow.stream, flow.isn, seg.seq);
            flow.isn = Some(seg.seq);
        }
        flow.active = self.count;
        flow.segments += 1;
        let side = flow.side_of(seg.src);
        // Nearly always nothing waits and this segment acknowledges nothing not yet followed:
        // it is followed at once, with no look at what waits.
        let plain = flow.deferred.is_empty()
            && !seg.rst
            && seg
                .ack
                .is_none_or(|ack| flow.sides[1 - side].stream.waits_for(ack).is_none());
        if plain {
            self.process(id, side, seg, frame, time);
        } else if !self.defer(id, side, seg, frame, time) {
            self.process(id, side, seg, frame, time);
            self.replay(id, false);
        }
        // The longest waiting segment gives up its wait once it is old or the waiting take
        // too much room: what it acknowledges and was not seen is missing. The others keep
        // theirs (what they wait for may be in the next packet).
        if !plain {
            loop {
                let Some(flow) = self.flows.get_mut(id) else {
                    return;
                };
                let Some(front) = flow.deferred.front() else {
                    break;
                };
                if flow.segments - front.since <= u64::from(MAX_DEFERRED_AGE)
                    && flow.deferred.len() <= MAX_DEFERRED
                    && flow.deferred_bytes <= MAX_DEFERRED_BYTES
                {
                    break;
                }
                let d = flow.deferred.pop_front().expect("a front");
                flow.deferred_bytes -= d.segment.payload.len() + DEFERRED_OVERHEAD;
                self.process(id, d.side, &d.segment, d.frame, d.time);
                self.replay(id, false);
            }
        }
        if self
            .flows
            .get(id)
            .is_some_and(|f| f.sides.iter().all(|s| s.ended))
        {
            self.finish(id, frame, time, "the end of the connection");
            if self.closed.len() >= MAX_IGNORED {
                self.closed.clear();
                self.streams.unsure();
            }
            self.closed.insert(k);
            return;
        }
        self.flows.account(id);
        if self.flows.held > MAX_HELD {
            self.evict(frame, time, |t| t.flows.held > MAX_HELD - MAX_HELD / 4);
        }
    }

    /// Whether `seg` is to wait: it acknowledges bytes of the other side not followed yet
    /// (waiting behind a hole, or further on in the capture: a host may write a segment after
    /// the acknowledgement of it), or segments of its side wait already. What a side sends
    /// after acknowledging bytes answers them, so it is followed after them; a segment that
    /// waits is kept (copied) until the other side gets there, or until the wait is given up
    /// ([`MAX_DEFERRED_AGE`]) and the bytes never seen are declared missing.
    fn defer(
        &mut self,
        id: usize,
        side: usize,
        seg: &Segment<'_>,
        frame: u64,
        time: Option<Timestamp>,
    ) -> bool {
        let Some(flow) = self.flows.get_mut(id) else {
            return false;
        };
        if seg.rst {
            // The end: whatever waits is followed first.
            self.replay(id, true);
            return false;
        }
        // The other side's first bytes wait themselves: its stream has no start yet to judge
        // an acknowledgement against, and this segment may well answer them.
        let other_unknown = !flow.sides[1 - side].stream.started()
            && flow.deferred.front().is_some_and(|d| d.side != side);
        let waits = seg.ack.and_then(|ack| {
            if other_unknown {
                Some(u64::MAX)
            } else {
                flow.sides[1 - side].stream.waits_for(ack)
            }
        });
        match flow.deferred.front().map(|d| d.side) {
            None if waits.is_none() => return false,
            Some(queued) if queued != side => {
                if waits.is_none() {
                    return false;
                }
                // Each side waits for the other. Either this segment carries bytes the first
                // waiting segment acknowledges (it was sent before it), or that one waits for
                // bytes not seen yet: give up its wait alone, and look again.
                let seq = if seg.syn {
                    seg.seq.wrapping_add(1)
                } else {
                    seg.seq
                };
                loop {
                    let Some(flow) = self.flows.get_mut(id) else {
                        return true;
                    };
                    let Some(front) = flow.deferred.front() else {
                        break;
                    };
                    if front.side == side {
                        break;
                    }
                    let stream = &flow.sides[side].stream;
                    let carries = !seg.payload.is_empty()
                        && stream.start_of(seq).is_some_and(|start| {
                            start < front.waits
                                && start + seg.payload.len() as u64 > stream.position()
                        });
                    if !seg.syn && carries {
                        // It carries bytes the waiting segment acknowledges: it was sent before
                        // that one, and after the bytes it acknowledges itself (those not seen
                        // by now are behind a hole, or lost). It goes now; then what waited for
                        // it. Only a retransmission acknowledges bytes still waiting here: its
                        // acknowledgement stops short of them until they are followed.
                        let other = &flow.sides[1 - side].stream;
                        let first_waiting = flow
                            .deferred
                            .iter()
                            .filter(|d| d.side != side && !d.segment.payload.is_empty())
                            .filter_map(|d| Some((other.start_of(d.segment.seq)?, d.segment.seq)))
                            .min();
                        let acked = seg.ack.and_then(|a| other.start_of(a));
                        match (first_waiting, acked) {
                            (Some((at, seq_at)), Some(acked)) if acked > at => {
                                let early = Segment {
                                    ack: Some(seq_at),
                                    ..seg.clone()
                                };
                                self.process(id, side, &early, frame, time);
                                self.replay(id, false);
                                let ack = Segment {
                                    seq: seq.wrapping_add(seg.payload.len() as u32),
                                    payload: Cow::Borrowed(&[]),
                                    syn: false,
                                    fin: false,
                                    ..seg.clone()
                                };
                                if !self.defer(id, side, &ack, frame, time) {
                                    self.process(id, side, &ack, frame, time);
                                    self.replay(id, false);
                                }
                            }
                            _ => {
                                self.process(id, side, seg, frame, time);
                                self.replay(id, false);
                            }
                        }
                        return true;
                    }
                    let d = flow.deferred.pop_front().expect("a front");
                    flow.deferred_bytes -= d.segment.payload.len() + DEFERRED_OVERHEAD;
                    self.process(id, d.side, &d.segment, d.frame, d.time);
                    self.replay(id, false);
                }
                return self.defer(id, side, seg, frame, time);
            }
            _ => {}
        }
        flow.deferred_bytes += seg.payload.len() + DEFERRED_OVERHEAD;
        flow.deferred.push_back(Deferred {
            side,
            segment: Segment {
                payload: std::borrow::Cow::Owned(seg.payload.to_vec()),
                ..seg.clone()
            },
            frame,
            time,
            waits: waits.unwrap_or(0),
            since: flow.segments,
        });
        true
    }

    /// Follows the segments that waited and may go now (`force`: all of them, declaring what
    /// they acknowledged and was never seen missing).
    fn replay(&mut self, id: usize, force: bool) {
        loop {
            let Some(flow) = self.flows.get_mut(id) else {
                return;
            };
            let Some(front) = flow.deferred.front() else {
                return;
            };
            if !force && flow.sides[1 - front.side].stream.position() < front.waits {
                return;
            }
            let d = flow.deferred.pop_front().expect("a front");
            flow.deferred_bytes -= d.segment.payload.len() + DEFERRED_OVERHEAD;
            self.process(id, d.side, &d.segment, d.frame, d.time);
        }
    }

    /// One segment of connection `id` from `side`, in the order it is followed. What it
    /// acknowledges of the other side goes first: the sender had received it.
    fn process(
        &mut self,
        id: usize,
        side: usize,
        seg: &Segment<'_>,
        frame: u64,
        time: Option<Timestamp>,
    ) {
        let Some(flow) = self.flows.get_mut(id) else {
            return;
        };
        let shared = &mut self.shared;
        if seg.syn {
            flow.sides[side].stream.syn(seg.seq);
            flow.sides[side].syn = true;
            if flow.client.is_none() {
                flow.client = Some(if seg.ack.is_none() { side } else { 1 - side });
            }
        }
        let rst = seg.rst;
        let Flow { sides, .. } = flow;
        let mut acked: Vec<(usize, Delivery)> = Vec::new();
        if let Some(ack) = seg.ack {
            let other = &mut sides[1 - side];
            other.stream.acked(ack, &mut shared.budget, &mut |d| {
                acked.push((1 - side, Delivery::from(d)));
            });
        }
        let mut deliveries: Vec<(usize, Delivery)> = Vec::new();
        let mut in_order = false;
        let tag = (frame, time);
        if !seg.syn || !seg.payload.is_empty() {
            let s = &mut sides[side];
            if !s.stream.started() && !s.syn {
                // Joined in the middle: the first byte seen may be inside a line or a body.
                s.skip_to_line = true;
                s.uncertain = true;
            }
            let seq = if seg.syn {
                seg.seq.wrapping_add(1)
            } else {
                seg.seq
            };
            // Nearly every segment is simply the next bytes: hand them on without a copy.
            in_order = s
                .stream
                .take_in_order(seq, &seg.payload, seg.fin, &mut shared.budget);
            if !in_order {
                s.stream.segment(
                    seq,
                    &seg.payload,
                    seg.fin,
                    tag,
                    &mut shared.budget,
                    &mut |d| {
                        deliveries.push((side, Delivery::from(d)));
                    },
                );
            }
        }
        if rst {
            for (i, s) in sides.iter_mut().enumerate() {
                s.stream.flush(&mut shared.budget, &mut |d| {
                    deliveries.push((i, Delivery::from(d)))
                });
            }
        }
        for (side, d) in acked {
            self.deliver(id, side, d, frame, time);
        }
        if in_order && !seg.payload.is_empty() {
            self.data(id, side, &seg.payload, frame, time);
        }
        for (side, d) in deliveries {
            self.deliver(id, side, d, frame, time);
        }
        let Some(flow) = self.flows.get_mut(id) else {
            return;
        };
        let mut ends = Vec::new();
        for (i, s) in flow.sides.iter_mut().enumerate() {
            if !s.ended && (rst || s.stream.finished()) {
                s.ended = true;
                ends.push(i);
            }
        }
        for i in ends {
            self.end_side(id, i, if rst { "RST" } else { "FIN" }, frame, time);
        }
    }

    /// Ends the connections idle longest while `more` says so, to make room. Done in batches
    /// (by the callers' margins), so the sort is paid once per many connections.
    fn evict(&mut self, frame: u64, time: Option<Timestamp>, more: impl Fn(&Self) -> bool) {
        let mut live: Vec<(u64, usize)> = self
            .flows
            .live()
            .into_iter()
            .filter_map(|id| Some((self.flows.get(id)?.active, id)))
            .collect();
        live.sort_unstable();
        for (_, id) in live {
            if !more(self) {
                break;
            }
            self.shared.report.evicted += 1;
            if let Some(flow) = self.flows.get(id) {
                if self.evicted.len() >= MAX_IGNORED {
                    self.evicted.clear();
                }
                self.evicted.insert(key(flow.ends[0], flow.ends[1]));
            }
            self.finish(id, frame, time, EVICTED);
        }
    }

    /// Bytes (or a gap) of one side, in order. Bytes come with the packet that carried them;
    /// a gap is dated by the packet that declared it.
    fn deliver(
        &mut self,
        id: usize,
        side: usize,
        d: Delivery,
        frame: u64,
        time: Option<Timestamp>,
    ) {
        match d {
            Delivery::Data(bytes, (frame, time)) => self.data(id, side, &bytes, frame, time),
            Delivery::Gap(missing) => self.gap(id, side, missing, frame, time),
        }
    }

    /// Bytes were never captured. Inside a payload body being skipped they are counted against
    /// it and nothing else changes; anywhere else a partial line before them is cut off, and
    /// the side's framing is uncertain from then on: reading resumes at the next byte if it
    /// starts like a line (a whole line after the gap is read), else after the next line end.
    fn gap(&mut self, id: usize, side: usize, missing: u64, frame: u64, time: Option<Timestamp>) {
        let Some(flow) = self.flows.get_mut(id) else {
            return;
        };
        flow.summary.gaps.0 += 1;
        flow.summary.gaps.1 += missing;
        if matches!(flow.kind, Kind::Undecided) {
            // What the gap does is decided when the pieces are followed in turn, once the
            // connection is told apart (a gap inside a body keeps the framing).
            flow.early.push(Early::Gap {
                side,
                missing,
                tag: (frame, time),
            });
            flow.early_bytes += EARLY_OVERHEAD;
            // Gaps count against what a start may hold, as bytes do.
            if flow.early_bytes + EARLY_OVERHEAD >= MAX_EARLY {
                self.decide(id, false);
            }
            return;
        }
        let dir = flow.direction(side);
        match &mut flow.kind {
            Kind::Msnp(conn) => {
                if conn.missing(dir, missing) {
                    return;
                }
            }
            // The gateway finds its own framing again, and tells each session what it lost.
            Kind::Gateway(_) => {
                let Some(at) = at(flow, side, frame, time, None) else {
                    return;
                };
                let Flow { kind, summary, .. } = flow;
                let Kind::Gateway(http) = kind else {
                    return;
                };
                let shared = &mut self.shared;
                let client = dir == Direction::ClientToServer;
                let mut kept = false;
                http.gap(client, missing, &mut |carried| {
                    kept |= matches!(
                        carried,
                        Carried::Missing {
                            missing: Some(_),
                            ..
                        }
                    );
                    shared.carried(carried, at, summary)
                });
                if !kept {
                    // Outside a body the lost bytes may have held whole messages, of any
                    // session: every session's direction lost an unknown number of bytes
                    // (a partial line is cut; what comes is uncertain).
                    let sessions: Vec<String> = shared.sessions.keys().cloned().collect();
                    for session in sessions {
                        shared.gateway_missing(&session, client, None);
                    }
                }
                return;
            }
            Kind::Undecided => {}
        }
        let s = &mut flow.sides[side];
        let partial = take_partial(&mut s.pending, &mut s.start);
        let (frame, time) = s.last;
        let at = at(flow, side, frame, time, None);
        let s = &mut flow.sides[side];
        s.uncertain = true;
        s.skip_to_line = true;
        s.start.clear();
        let version = match &flow.kind {
            Kind::Msnp(conn) => conn.version(),
            _ => None,
        };
        if let Some(at) = at {
            self.shared.cut(&partial, dir, version, "a gap", at);
        }
    }

    /// Bytes of one side, in order.
    fn data(&mut self, id: usize, side: usize, data: &[u8], frame: u64, time: Option<Timestamp>) {
        let Some(flow) = self.flows.get_mut(id) else {
            return;
        };
        let s = &mut flow.sides[side];
        let resumed;
        // (Before the connection is told apart, bytes are held as they come, gaps among them:
        // where a line starts is found as they are followed.)
        let undecided = matches!(flow.kind, Kind::Undecided);
        let data: &[u8] = if s.skip_to_line && !undecided {
            // Bytes held to see whether they start a line are dated by their packet too.
            s.last = (frame, time);
            let Some(bytes) = resume(&mut s.start, &mut s.skip_to_line, data) else {
                return;
            };
            resumed = bytes;
            &resumed
        } else {
            data
        };
        if data.is_empty() {
            return;
        }
        match flow.kind {
            Kind::Undecided => {
                let room = MAX_EARLY.saturating_sub(flow.early_bytes + EARLY_OVERHEAD);
                let held = &data[..data.len().min(room)];
                if !held.is_empty() {
                    flow.hold_early(side, held, (frame, time));
                }
                self.decide(id, false);
                // What did not fit is followed once the connection is told apart (holding
                // all it may hold tells it apart).
                let rest = &data[held.len()..];
                let decided = self
                    .flows
                    .get(id)
                    .is_some_and(|f| !matches!(f.kind, Kind::Undecided));
                if !rest.is_empty() && decided {
                    // As any later bytes: after what was held, and where a line starts.
                    self.data(id, side, rest, frame, time);
                }
            }
            _ => self.follow(id, side, data, frame, time),
        }
    }

    /// Tells the connection apart once its first lines are in (or `at_end`: with what there is).
    ///
    /// The roles come from the first line of either side that tells them (`role_of`), else,
    /// once both sides have said two lines or the start is all held, from the ports. The kind
    /// comes from the client's first line, or, on a side the capture joined in the middle
    /// (whose first bytes may be inside a body), from its first line that is a command.
    fn decide(&mut self, id: usize, at_end: bool) {
        let Some(flow) = self.flows.get_mut(id) else {
            return;
        };
        // Each side's bytes in runs between gaps: what follows a gap is no continuation of
        // what came before it.
        let runs = |flow: &Flow, side: usize| -> Vec<Vec<u8>> {
            let mut runs = vec![Vec::new()];
            for piece in &flow.early {
                match piece {
                    Early::Data { side: s, bytes, .. } if *s == side => runs
                        .last_mut()
                        .expect("one at least")
                        .extend_from_slice(bytes),
                    Early::Gap { side: s, .. } if *s == side => runs.push(Vec::new()),
                    _ => {}
                }
            }
            runs
        };
        let runs = [runs(flow, 0), runs(flow, 1)];
        let full = flow.early_bytes + EARLY_OVERHEAD >= MAX_EARLY || at_end;
        // (A run after a gap may start inside a line: its first "line" may be a tail, which
        // tells the kind and roles no worse than a whole line of the same side.) With all
        // there will be, the start of a line cut by a gap counts too: on a lossy capture it may
        // be the only sign of a command (`XFR 3`).
        let lines: [Vec<&[u8]>; 2] = std::array::from_fn(|side| {
            runs[side]
                .iter()
                .enumerate()
                .flat_map(|(i, r)| {
                    let mut lines = whole_lines(r);
                    let cut = r.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                    // After a line end, or at the start of a stream that began at its SYN.
                    let at_line = cut > 0 || (i == 0 && flow.sides[side].syn);
                    if full && at_line && cut < r.len() && lines.len() < 16 {
                        lines.push(&r[cut..]);
                    }
                    lines
                })
                .collect()
        });
        // Whether a side's first line is the first of its stream (not after a gap).
        let first_is_first = |side: usize| !whole_lines(&runs[side][0]).is_empty();
        if flow.client.is_none() {
            // Each side's telling lines vote, up to its first payload command: what follows
            // may be body text (an XFR in a body would vote for the server). Votes that
            // disagree, or none, leave it to the ports.
            let payloads = [
                PayloadCommands::for_direction(Direction::ClientToServer),
                PayloadCommands::for_direction(Direction::ServerToClient),
            ];
            // (Not a run's first line where it may be the tail of a line cut by a gap: `184`
            // of `UUX 3 184` reads as a server's numeric reply.)
            let whole: [Vec<(bool, &[u8])>; 2] = std::array::from_fn(|side| {
                runs[side]
                    .iter()
                    .enumerate()
                    .flat_map(|(i, r)| {
                        let tail = i > 0 || !flow.sides[side].syn;
                        whole_lines(r)
                            .into_iter()
                            .enumerate()
                            .map(move |(j, line)| (tail && j == 0, line))
                    })
                    .collect()
            });
            let votes = |side: usize| {
                let mut votes = 0i32;
                for &(tail, line) in &whole[side] {
                    votes += match role_of(line) {
                        _ if tail => 0,
                        Some(Role::Client) => 1,
                        Some(Role::Server) => -1,
                        None => 0,
                    };
                    if payloads
                        .iter()
                        .any(|p| p.announced(line, usize::MAX) != Announced::Nothing)
                    {
                        break;
                    }
                }
                votes
            };
            // Evidence that body text cannot fake: a request on one side answered on the
            // other with its TrID (`XFR 6 SB`, then `XFR 6 SB 10.0.0.6:1863 …` or `913 6`).
            let trids = |side: usize, requests: bool| -> Vec<&[u8]> {
                whole[side]
                    .iter()
                    .filter(|(tail, _)| !tail)
                    .filter_map(|(_, line)| {
                        let fields: Vec<&[u8]> = line
                            .split(|&b| b == b' ')
                            .filter(|f| !f.is_empty())
                            .collect();
                        match fields.as_slice() {
                            [b"XFR", t, b"SB" | b"NS"] if requests => Some(*t),
                            [b"XFR", t, b"SB" | b"NS", _, ..] if !requests => Some(*t),
                            [code, t, ..]
                                if !requests
                                    && code.len() == 3
                                    && code.iter().all(u8::is_ascii_digit) =>
                            {
                                Some(*t)
                            }
                            _ => None,
                        }
                    })
                    .collect()
            };
            let answered = |client: usize| {
                let answers = trids(1 - client, false);
                trids(client, true).iter().any(|t| answers.contains(t))
            };
            // Then a well-known server port on one side only; then the lines' votes; then
            // the lower port, once both sides said two lines or all is held.
            let [a, b] = flow.ends;
            let ports = match (is_server_port(a.port()), is_server_port(b.port())) {
                (true, false) => Some(1),
                (false, true) => Some(0),
                _ => None,
            };
            let score = votes(0) - votes(1);
            flow.client = if answered(0) {
                Some(0)
            } else if answered(1) {
                Some(1)
            } else if ports.is_some() {
                ports
            } else if score != 0 {
                Some(usize::from(score < 0))
            } else if full || (lines[0].len() >= 2 && lines[1].len() >= 2) {
                Some(usize::from(a.port() < b.port()))
            } else {
                return;
            };
        }
        let client = flow.client.expect("decided above");
        // The line that tells the kind: on a side that started at its SYN its first line; on
        // one joined in the middle (or whose first line was cut by a gap) its first command:
        // what comes before may be body text.
        let telling = |side: usize| -> Option<&[u8]> {
            if flow.sides[side].syn && first_is_first(side) {
                lines[side].first().copied()
            } else {
                lines[side]
                    .iter()
                    .copied()
                    .find(|l| gateway::is_gateway_request(l) || logs::is_command(l))
            }
        };
        // The client's line tells the kind; a server's will do when the capture holds only
        // the server's side.
        let line = telling(client).or(if full { telling(1 - client) } else { None });
        let Some(line) = line else {
            if full {
                self.forget(id);
            }
            return;
        };
        let kind = if gateway::is_gateway_request(line) {
            Kind::Gateway(Box::new(Http::new()))
        } else if logs::is_command(line) {
            Kind::Msnp(self.shared.connection())
        } else {
            self.forget(id);
            return;
        };
        let flow = self.flows.get_mut(id).expect("present");
        let client_addr = flow.ends[client];
        let server_addr = flow.ends[1 - client];
        let name = self.shared.label(label(client_addr, server_addr));
        flow.label = Some(name);
        flow.summary.id = Some(name);
        flow.summary.label = label(client_addr, server_addr);
        flow.summary.client = client_addr.to_string();
        flow.summary.kind = if matches!(kind, Kind::Gateway(_)) {
            "gateway"
        } else {
            "msnp"
        };
        flow.kind = kind;
        flow.early_bytes = 0;
        let early = std::mem::take(&mut flow.early);
        self.shared.connected(client_addr, server_addr, name);
        for piece in early {
            match piece {
                Early::Data {
                    side,
                    bytes,
                    tag: (frame, time),
                } => self.data(id, side, &bytes, frame, time),
                Early::Gap {
                    side,
                    missing,
                    tag: (frame, time),
                } => {
                    // The gap was counted when it was declared.
                    if let Some(flow) = self.flows.get_mut(id) {
                        flow.summary.gaps.0 -= 1;
                        flow.summary.gaps.1 -= missing;
                    }
                    self.gap(id, side, missing, frame, time);
                }
            }
        }
    }

    /// Drops a connection that is not MSNP, remembering its endpoints to skip its packets.
    fn forget(&mut self, id: usize) {
        let Some(mut flow) = self.flows.remove(id) else {
            return;
        };
        for s in &mut flow.sides {
            s.stream.discard(&mut self.shared.budget);
        }
        let k = key(flow.ends[0], flow.ends[1]);
        self.streams.ended(&k, flow.stream, flow.isn);
        if self.ignored.len() >= MAX_IGNORED {
            // A later packet of one of them would be numbered anew.
            self.ignored.clear();
            self.streams.unsure();
        }
        self.ignored.insert(key(flow.ends[0], flow.ends[1]));
    }

    /// Bytes of a followed connection.
    fn follow(&mut self, id: usize, side: usize, data: &[u8], frame: u64, time: Option<Timestamp>) {
        let Some(flow) = self.flows.get_mut(id) else {
            return;
        };
        flow.sides[side].last = (frame, time);
        let dir = flow.direction(side);
        let Some(at) = at(flow, side, frame, time, None) else {
            return;
        };
        let Flow {
            kind,
            sides,
            summary,
            ..
        } = flow;
        match kind {
            Kind::Msnp(conn) => {
                let s = &mut sides[side];
                if self
                    .shared
                    .feed(conn, &mut s.pending, dir, data, at, summary)
                {
                    s.uncertain = true;
                }
            }
            Kind::Gateway(http) => {
                let shared = &mut self.shared;
                http.feed(dir == Direction::ClientToServer, data, &mut |carried| {
                    shared.carried(carried, at, summary)
                });
            }
            Kind::Undecided => {}
        }
    }

    /// A side ended: a partial XFR line left in it was cut off (dated by the packet that
    /// carried its last byte).
    fn end_side(
        &mut self,
        id: usize,
        side: usize,
        by: &'static str,
        _frame: u64,
        _time: Option<Timestamp>,
    ) {
        if self
            .flows
            .get(id)
            .is_some_and(|f| matches!(f.kind, Kind::Undecided))
        {
            self.decide(id, true);
        }
        let Some(flow) = self.flows.get_mut(id) else {
            return;
        };
        let dir = flow.direction(side);
        let s = &mut flow.sides[side];
        let partial = take_partial(&mut s.pending, &mut s.start);
        let version = match &flow.kind {
            Kind::Msnp(conn) => conn.version(),
            _ => None,
        };
        let (frame, time) = flow.sides[side].last;
        if let Some(at) = at(flow, side, frame, time, None) {
            self.shared.cut(&partial, dir, version, by, at);
        }
    }

    /// A connection is over: what waits is delivered, partial lines are cut off, its summary
    /// is kept, and it is forgotten.
    fn finish(&mut self, id: usize, frame: u64, time: Option<Timestamp>, by: &'static str) {
        self.replay(id, true);
        let mut deliveries = Vec::new();
        if let Some(flow) = self.flows.get_mut(id) {
            for (i, s) in flow.sides.iter_mut().enumerate() {
                s.stream.flush(&mut self.shared.budget, &mut |d| {
                    deliveries.push((i, Delivery::from(d)))
                });
            }
        }
        for (side, d) in deliveries {
            self.deliver(id, side, d, frame, time);
        }
        if self
            .flows
            .get(id)
            .is_some_and(|f| matches!(f.kind, Kind::Undecided))
        {
            self.decide(id, true);
        }
        for side in 0..2 {
            if self.flows.get(id).is_some_and(|f| !f.sides[side].ended) {
                self.end_side(id, side, by, frame, time);
            }
        }
        if let Some(mut flow) = self.flows.remove(id) {
            let k = key(flow.ends[0], flow.ends[1]);
            self.streams.ended(&k, flow.stream, flow.isn);
            if let Some(label) = flow.label {
                for s in &flow.sides {
                    flow.summary.conflicts += s.stream.stats.conflict_bytes;
                }
                self.shared.report.list(flow.summary);
                self.shared.report.retire(label);
            }
        }
    }

    /// The end of the capture: every connection still open is finished.
    pub fn finish_all(mut self, last_frame: u64, last_time: Option<Timestamp>) -> Report {
        let mut open = self.flows.live();
        open.sort_by_key(|&id| self.flows.get(id).map_or(0, |f| f.summary.first.1));
        for id in open {
            self.finish(id, last_frame, last_time, "the end of the capture");
        }
        let sessions: Vec<String> = self.shared.sessions.keys().cloned().collect();
        for session in sessions {
            self.shared
                .close_session(&session, "the end of the capture");
        }
        let mut report = self.shared.report;
        report.end_listing();
        report
    }
}

impl Shared {
    /// Bytes of a gateway session, carried by the TCP connection whose summary is `summary`
    /// (its lines, XFRs and versions are counted there).
    fn gateway(
        &mut self,
        session: &str,
        client: bool,
        data: &[u8],
        at: At,
        summary: &mut ConnSummary,
    ) {
        self.open_session(session);
        let mut s = self.sessions.remove(session).expect("opened above");

        let dir = if client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let i = usize::from(!client);
        let at = At {
            gateway_session: Some(s.label),
            // (A gateway connection the capture joined in the middle is uncertain too.)
            uncertain: s.uncertain[i] || at.uncertain,
            ..at
        };
        let resumed;
        let data: &[u8] = if s.skip_to_line[i] {
            s.last[i] = Some(at);
            resumed = resume(&mut s.start[i], &mut s.skip_to_line[i], data).unwrap_or_default();
            &resumed
        } else {
            data
        };
        if !data.is_empty() {
            s.last[i] = Some(at);
            if self.feed(&mut s.conn, &mut s.pending[i], dir, data, at, summary) {
                s.uncertain[i] = true;
            }
        }
        self.sessions.insert(session.to_string(), s);
    }

    /// The gateway session `session`, made if it is new (the oldest forgotten past
    /// [`MAX_SESSIONS`]).
    fn open_session(&mut self, session: &str) {
        if self.sessions.contains_key(session) {
            return;
        }
        while self.sessions.len() >= MAX_SESSIONS {
            let Some(old) = self.session_order.pop_front() else {
                break;
            };
            self.close_session(&old, EVICTED);
        }
        if self.session_order.len() >= 2 * MAX_SESSIONS {
            let sessions = &self.sessions;
            self.session_order.retain(|s| sessions.contains_key(s));
        }
        self.session_order.push_back(session.to_string());
        let label = self.label(session.to_string());
        let conn = self.connection();
        self.sessions.insert(
            session.to_string(),
            GatewaySession {
                conn,
                pending: [Vec::new(), Vec::new()],
                last: [None, None],
                uncertain: [false, false],
                skip_to_line: [false, false],
                start: [Vec::new(), Vec::new()],
                label,
            },
        );
    }

    /// What a gateway connection hands on.
    fn carried(&mut self, carried: Carried<'_>, at: At, summary: &mut ConnSummary) {
        match carried {
            Carried::Body {
                session,
                client,
                data,
            } => self.gateway(session, client, data, at, summary),
            Carried::Missing {
                session,
                client,
                missing,
            } => self.gateway_missing(session, client, missing),
            Carried::Closed { session } => self.close_session(session, "the session's close"),
        }
    }

    /// Bytes of a gateway session's direction were lost (`None`: how many is not known): as
    /// for a TCP connection's gap, counted against a payload being skipped, or else the
    /// partial line is cut off and the framing uncertain from then on.
    fn gateway_missing(&mut self, session: &str, client: bool, missing: Option<u64>) {
        // A session whose first bytes were lost is met here first: it starts uncertain.
        self.open_session(session);
        let Some(mut s) = self.sessions.remove(session) else {
            return;
        };
        let dir = if client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let i = usize::from(!client);
        if !s.conn.missing(dir, missing.unwrap_or(u64::MAX)) {
            let partial = take_partial(&mut s.pending[i], &mut s.start[i]);
            if let Some(at) = s.last[i] {
                self.cut(&partial, dir, s.conn.version(), "a gap", at);
            }
            s.uncertain[i] = true;
            s.skip_to_line[i] = true;
        }
        self.sessions.insert(session.to_string(), s);
    }

    /// A gateway session is over (`by` its close, the end of the capture, or forgotten to make
    /// room): a partial XFR line left in it was cut off.
    fn close_session(&mut self, session: &str, by: &'static str) {
        if let Some(mut s) = self.sessions.remove(session) {
            for i in 0..2 {
                let dir = if i == 0 {
                    Direction::ClientToServer
                } else {
                    Direction::ServerToClient
                };
                let partial = take_partial(&mut s.pending[i], &mut s.start[i]);
                if let Some(at) = s.last[i] {
                    self.cut(&partial, dir, s.conn.version(), by, at);
                }
            }
            self.report.retire(s.label);
        }
    }
}

/// Where a line of `side` of a followed connection comes from.
fn at(
    flow: &Flow,
    side: usize,
    frame: u64,
    time: Option<Timestamp>,
    gateway_session: Option<u32>,
) -> Option<At> {
    let client = flow.ends[flow.client?].ip();
    Some(At {
        frame,
        time,
        conn: flow.label?,
        stream: flow.stream,
        gateway_session,
        client,
        uncertain: flow.sides[side].uncertain,
    })
}

/// The whole lines at the start of `bytes` (without their line ends), the first 16 at most.
fn whole_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut rest = bytes;
    while lines.len() < 16 {
        let Some(line) = first_line(rest) else {
            break;
        };
        lines.push(line);
        rest = &rest[memchr::memchr(b'\n', rest).expect("a line end") + 1..];
    }
    lines
}

/// What a stream handed on, owned (so the tracker can hand it on in turn).
enum Delivery {
    Data(Vec<u8>, Tag),
    Gap(u64),
}

impl From<Delivered<'_, Tag>> for Delivery {
    fn from(d: Delivered<'_, Tag>) -> Self {
        match d {
            Delivered::Data(b, tag) => Delivery::Data(b.to_vec(), tag),
            Delivered::Gap(n) => Delivery::Gap(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tuple(n: u32) -> Key {
        let a = SocketAddr::from(([10, 0, (n >> 16) as u8, (n >> 8) as u8], 40000));
        let b = SocketAddr::from(([192, 0, 2, n as u8], 1863));
        key(a, b)
    }

    #[test]
    fn stream_numbers_follow_wireshark_until_a_tuple_is_forgotten() {
        let mut s = Streams::default();
        // A bare acknowledgement numbers its tuple; its connection, seen later, keeps it.
        s.stray(&tuple(0));
        assert_eq!(s.open(&tuple(1), Some(100)), (Some(1), Some(100)));
        assert_eq!(s.open(&tuple(0), None), (Some(0), None));
        // The same SYN again keeps the number; another is a new conversation.
        assert_eq!(s.syn(Some(1), Some(100), 100), Some(1));
        assert_eq!(s.syn(Some(1), Some(100), 5000), Some(2));
        // An ended connection keeps its number for a late packet, and a new SYN on its tuple
        // is a new conversation.
        s.ended(&tuple(1), Some(2), Some(5000));
        assert_eq!(s.open(&tuple(1), None), (Some(2), Some(5000)));
        s.ended(&tuple(1), Some(2), Some(5000));
        assert_eq!(s.open(&tuple(1), Some(7000)), (Some(3), Some(7000)));
        // Past MAX_STREAMS ended tuples the oldest is forgotten: from then on no number is sure.
        for n in 10..10 + MAX_STREAMS as u32 {
            s.stray(&tuple(n));
        }
        assert_eq!(s.by_key.len(), MAX_STREAMS);
        let next = s.next;
        assert_eq!(s.sure_below, u32::MAX);
        // (The tuple that made room has its number, given before the forgetting.)
        s.stray(&tuple(1_000_000));
        assert_eq!(s.by_key.len(), MAX_STREAMS);
        assert_eq!(s.sure_below, next + 1);
        assert_eq!(s.open(&tuple(2_000_000), None), (None, None));
        // Numbers given before stay.
        assert_eq!(s.open(&tuple(20), None), (Some(4 + 10), None));
    }
}
