//! The MSN HTTP gateway (`gateway.dll`): clients behind proxies carried MSNP in the bodies of
//! HTTP requests and responses.
//!
//! ```text
//! POST http://HOST/gateway/gateway.dll?Action=open&Server=NS&IP=ADDR   → a new session
//! POST http://HOST/gateway/gateway.dll?SessionID=ID                   → client commands
//! POST http://HOST/gateway/gateway.dll?Action=poll&SessionID=ID       → (empty) ask for more
//! HTTP/1.1 200 OK  +  X-MSN-Messenger: SessionID=ID; GW-IP=ADDR[; Session=close]
//! ```
//!
//! One TCP connection carries several requests (keep-alive), and one MSNP session spans many
//! requests, often over several TCP connections: an [`Http`] reads one TCP connection's two
//! directions and hands out each body with the session it belongs to, in the order the MSNP
//! session saw them. Heads are parsed with `httparse`; bodies are delimited by
//! `Content-Length`.
//!
//! Bytes the capture lost ([`Http::gap`]) inside a body are counted against it; anywhere else
//! the direction's framing is lost, and it is read again from the next message head at a line
//! start. Which request a response answers is then uncertain (requests or responses may have
//! gone with the lost bytes) until a response of one session answers the only request waiting,
//! of the same session: meanwhile responses go to the session they name, and no open request's
//! body is handed to a session that may not be its own.

use std::collections::VecDeque;

/// The longest HTTP head kept while it is incomplete.
pub const MAX_HEAD: usize = 16 * 1024;
/// The most body bytes of `Action=open` requests held, on one connection, until their
/// responses name the session.
pub const MAX_HELD_BODY: usize = 64 * 1024;
/// Requests waiting for their responses on one connection; past it the oldest is dropped and
/// counted as an error.
pub const MAX_WAITING: usize = 64;

/// How a request starts, to find one again after lost bytes.
const REQUEST_STARTS: [&[u8]; 2] = [b"POST ", b"GET "];
/// How a response starts.
const RESPONSE_STARTS: [&[u8]; 1] = [b"HTTP/1."];

/// What an HTTP gateway connection hands on.
#[derive(Debug, PartialEq, Eq)]
pub enum Carried<'a> {
    /// MSNP bytes of one session, in one direction.
    Body {
        /// The gateway's SessionID.
        session: &'a str,
        /// `true` for the client's (request) bytes.
        client: bool,
        /// The bytes.
        data: &'a [u8],
    },
    /// Bytes of one session's direction were never captured, between the `Body`s of that
    /// session and direction handed on before and after it.
    Missing {
        /// The gateway's SessionID.
        session: &'a str,
        /// `true` for the client's (request) bytes.
        client: bool,
        /// `Some(n)`: exactly `n` bytes, inside one body, so the next bytes of the direction
        /// continue it (an MSNP payload being read may count them against itself). `None`: an
        /// unknown number; the place in the session's bytes is lost, and the reader has to find
        /// the start of a line again.
        missing: Option<u64>,
    },
    /// The server ended the session (`Session=close`).
    Closed {
        /// The gateway's SessionID.
        session: &'a str,
    },
}

/// One direction's framing state.
#[derive(Debug, Default)]
struct Side {
    /// Head bytes so far, while the head is incomplete; while skipping, the bytes of the current
    /// line that begin like a head.
    head: Vec<u8>,
    /// How much of `head` was searched for its end: a head coming in small pieces is searched
    /// once, not from its start at each piece.
    scanned: usize,
    /// Body bytes still to come of the current message.
    body_left: usize,
    /// The framing was lost: bytes are skipped up to the next message head at a line start.
    skipping: bool,
    /// While skipping: the next byte starts a line.
    line_start: bool,
}

impl Side {
    /// Where the head ends (past its empty line), once that has come.
    fn head_end(&mut self) -> Option<usize> {
        while let Some(i) = memchr::memchr(b'\n', &self.head[self.scanned..]) {
            let i = self.scanned + i;
            let end = match self.head[i + 1..] {
                [b'\n', ..] => i + 2,
                [b'\r', b'\n', ..] => i + 3,
                // The empty line may be split across pieces: this line end is looked at again.
                [] | [b'\r'] => {
                    self.scanned = i;
                    return None;
                }
                _ => {
                    self.scanned = i + 1;
                    continue;
                }
            };
            self.scanned = end;
            return Some(end);
        }
        self.scanned = self.head.len();
        None
    }

    /// Skips bytes while the framing is lost: returns what follows the first bytes of the next
    /// message head (those are left in `head`), or nothing.
    fn skip<'a>(&mut self, starts: &[&[u8]], mut data: &'a [u8]) -> &'a [u8] {
        while let Some(&b) = data.first() {
            if !self.line_start {
                let Some(i) = memchr::memchr(b'\n', data) else {
                    return &[];
                };
                data = &data[i + 1..];
                self.line_start = true;
                continue;
            }
            data = &data[1..];
            self.head.push(b);
            if starts.contains(&self.head.as_slice()) {
                self.skipping = false;
                self.line_start = false;
                return data;
            }
            if !starts.iter().any(|s| s.starts_with(&self.head)) {
                self.head.clear();
                self.line_start = b == b'\n';
            }
        }
        &[]
    }

    /// The framing is lost: reading resumes at the next message head.
    fn lose_framing(&mut self, line_start: bool) {
        self.head = Vec::new();
        self.scanned = 0;
        self.body_left = 0;
        self.skipping = true;
        self.line_start = line_start;
    }
}

/// An open request's body, held until its response names the session.
#[derive(Debug, Default)]
struct Held {
    bytes: Vec<u8>,
    /// Bytes of it lost: where in `bytes`, and how many (`None`: unknown).
    loss: Option<(usize, Option<u64>)>,
}

impl Held {
    /// One whose bytes are all lost.
    fn lost() -> Self {
        Held {
            bytes: Vec::new(),
            loss: Some((0, None)),
        }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.loss.is_none()
    }

    /// Bytes following those held were lost. One place of loss is kept (bodies are short and
    /// losses rare): a second one drops the bytes since the first, the two becoming one loss of
    /// unknown size.
    fn lose(&mut self, missing: Option<u64>) {
        self.loss = Some(match self.loss {
            None => (self.bytes.len(), missing),
            Some((at, before)) if at == self.bytes.len() => {
                (at, before.zip(missing).and_then(|(a, b)| a.checked_add(b)))
            }
            Some((at, _)) => {
                self.bytes.truncate(at);
                (at, None)
            }
        });
    }

    fn hand_on(&self, session: &str, out: &mut impl FnMut(Carried<'_>)) {
        let at = self.loss.map_or(self.bytes.len(), |(at, _)| at);
        let (before, after) = self.bytes.split_at(at);
        if !before.is_empty() {
            out(Carried::Body {
                session,
                client: true,
                data: before,
            });
        }
        if let Some((_, missing)) = self.loss {
            out(Carried::Missing {
                session,
                client: true,
                missing,
            });
        }
        if !after.is_empty() {
            out(Carried::Body {
                session,
                client: true,
                data: after,
            });
        }
    }
}

/// A request whose response has not come yet.
#[derive(Debug)]
struct Waiting {
    /// The SessionID the request named, or `None` for `Action=open`.
    session: Option<String>,
    /// An open request's body, held until the response names the session.
    held: Held,
    /// Read after requests may have been lost: the response it gets is not surely its own.
    after_loss: bool,
}

/// What became of a head.
enum Head {
    /// Not all in yet.
    Incomplete,
    /// Read, this long.
    Read(usize),
    /// Not HTTP; its empty line ends here.
    Bad(usize),
}

/// One TCP connection of HTTP gateway traffic.
#[derive(Debug, Default)]
pub struct Http {
    client: Side,
    server: Side,
    waiting: VecDeque<Waiting>,
    /// The session the body being read belongs to (client side: `None` while held).
    client_session: Option<String>,
    server_session: Option<String>,
    server_closes: bool,
    /// The body of the open request the current response answers, until it is handed on.
    pending_held: Option<Held>,
    /// Requests may have been lost since the pairing was last sure.
    requests_lost: bool,
    /// Responses may have been lost (or a waiting request dropped) since the pairing was last
    /// sure: a response may not answer the oldest request waiting.
    responses_lost: bool,
    /// Messages that could not be read as HTTP.
    pub errors: u64,
    /// Bodies given to no session because, after lost bytes, which it was could not be known:
    /// responses naming no session, and open requests' bodies whose response named none.
    pub unattributed: u64,
    /// Heads given to `httparse`.
    #[cfg(test)]
    parses: usize,
}

impl Http {
    /// The bytes the connection holds: incomplete heads, waiting requests and held bodies.
    pub fn holding(&self) -> usize {
        let waiting: usize = self
            .waiting
            .iter()
            .map(|w| {
                std::mem::size_of::<Waiting>()
                    + w.held.bytes.capacity()
                    + w.session.as_ref().map_or(0, String::capacity)
            })
            .sum();
        self.client.head.capacity()
            + self.server.head.capacity()
            + waiting
            + self.pending_held.as_ref().map_or(0, |h| h.bytes.capacity())
    }
}

/// The value of `name` in a query string `a=1&b=2`.
fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.eq_ignore_ascii_case(name)).then_some(v)
    })
}

/// `SessionID=ID; GW-IP=ADDR; Session=close` read into the ID and whether the session ends.
fn messenger_header(value: &str) -> (Option<String>, bool) {
    let mut session = None;
    let mut close = false;
    for part in value.split(';') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match k.trim() {
            k if k.eq_ignore_ascii_case("SessionID") => session = Some(v.trim().to_string()),
            k if k.eq_ignore_ascii_case("Session") => {
                close |= v.trim().eq_ignore_ascii_case("close")
            }
            _ => {}
        }
    }
    (session, close)
}

/// Whether `line` starts an HTTP request to the gateway (its first line).
pub fn is_gateway_request(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"POST ") else {
        return false;
    };
    let target = rest.split(|&b| b == b' ').next().unwrap_or_default();
    memchr::memmem::find(target, b"/gateway/gateway.dll").is_some()
}

impl Http {
    /// A connection that has carried nothing yet.
    pub fn new() -> Self {
        Http::default()
    }

    fn side(&mut self, client: bool) -> &mut Side {
        if client {
            &mut self.client
        } else {
            &mut self.server
        }
    }

    /// Bytes of one direction (`client`: the request side), in order.
    pub fn feed(&mut self, client: bool, mut data: &[u8], out: &mut impl FnMut(Carried<'_>)) {
        while !data.is_empty() {
            let side = self.side(client);
            if side.skipping {
                let starts: &[&[u8]] = if client {
                    &REQUEST_STARTS
                } else {
                    &RESPONSE_STARTS
                };
                data = side.skip(starts, data);
                if !side.skipping {
                    // Messages may have been skipped whole, the pairing sure or not.
                    self.lost_messages(client);
                }
                continue;
            }
            if side.body_left > 0 {
                let n = side.body_left.min(data.len());
                side.body_left -= n;
                let (body, rest) = data.split_at(n);
                data = rest;
                self.body(client, body, out);
                if self.side(client).body_left == 0 {
                    self.end_of_body(client, out);
                }
                continue;
            }
            if side.head.is_empty() {
                // Empty lines before a head belong to no message (httparse skips them too);
                // kept, they would look like the head's end.
                let blank = data
                    .iter()
                    .take_while(|&&b| b == b'\r' || b == b'\n')
                    .count();
                data = &data[blank..];
                if data.is_empty() {
                    break;
                }
            }
            // Accumulate the head (bounded), then parse it.
            let before = side.head.len();
            let take = data.len().min(MAX_HEAD.saturating_sub(before));
            side.head.extend_from_slice(&data[..take]);
            match self.head(client) {
                Head::Read(len) => {
                    // The bytes of this chunk past the head are body (or the next message).
                    data = &data[len.saturating_sub(before)..];
                    let side = self.side(client);
                    // Heads are short and few: keeping no room between them keeps a quiet
                    // connection small.
                    side.head = Vec::new();
                    side.scanned = 0;
                    if side.body_left == 0 {
                        self.end_of_body(client, out);
                    }
                }
                Head::Incomplete => {
                    data = &data[take..];
                    let side = self.side(client);
                    if side.head.len() >= MAX_HEAD {
                        // No head is this long: not HTTP we can follow.
                        let line_start = side.head.last() == Some(&b'\n');
                        self.errors += 1;
                        self.lose_framing(client, line_start);
                    }
                }
                Head::Bad(end) => {
                    self.errors += 1;
                    data = &data[end.saturating_sub(before)..];
                    self.lose_framing(client, true);
                }
            }
        }
    }

    /// `missing` bytes of one direction were never captured; the next [`Http::feed`] of that
    /// direction continues after them.
    ///
    /// Inside a body that goes on past them, the framing is kept: the body's session is told
    /// [`Carried::Missing`] with `Some(missing)`, in its place among the body's bytes (for an
    /// open request's body, held until its response names the session, the loss is held in its
    /// place too). Anywhere else — the loss reaches past a body's end, or falls in a head or
    /// between messages — the framing is lost: a session whose body was being read is told
    /// `Missing` with `None` (after what was held of it), a partial head is dropped, and the
    /// direction's bytes are skipped, not handed on, up to the next head starting a line
    /// (`POST `/`GET ` from the client, `HTTP/1.` from the server; the first byte after a gap
    /// starts a line). Requests or responses may have been lost with the bytes, so the pairing
    /// of responses with requests is uncertain from then on (see the module's documentation).
    pub fn gap(&mut self, client: bool, missing: u64, out: &mut impl FnMut(Carried<'_>)) {
        if missing == 0 {
            return;
        }
        let side = self.side(client);
        if side.skipping {
            // Whatever line start was being matched is broken by the loss.
            side.head.clear();
            side.line_start = true;
            return;
        }
        let left = side.body_left;
        match usize::try_from(missing) {
            Ok(n) if n <= left => {
                side.body_left -= n;
                self.body_missing(client, Some(missing), out);
                if self.side(client).body_left == 0 {
                    self.end_of_body(client, out);
                }
                return;
            }
            _ if left > 0 => {
                side.body_left = 0;
                self.body_missing(client, None, out);
                self.end_of_body(client, out);
            }
            _ => {}
        }
        self.lose_framing(client, true);
    }

    /// A direction's framing is lost.
    fn lose_framing(&mut self, client: bool, line_start: bool) {
        self.side(client).lose_framing(line_start);
        self.lost_messages(client);
    }

    /// Messages of a direction may have been lost: the pairing is uncertain.
    fn lost_messages(&mut self, client: bool) {
        if client {
            self.requests_lost = true;
        } else {
            self.responses_lost = true;
        }
    }

    /// Parses a direction's head once its end has come.
    fn head(&mut self, client: bool) -> Head {
        loop {
            let Some(end) = self.side(client).head_end() else {
                return Head::Incomplete;
            };
            #[cfg(test)]
            {
                self.parses += 1;
            }
            let parsed = if client {
                self.request_head()
            } else {
                self.response_head()
            };
            match parsed {
                Ok(Some(len)) => return Head::Read(len),
                // Only empty lines so far (none are kept at a head's start, so rare): the next
                // empty line may end it.
                Ok(None) => {}
                Err(_) => return Head::Bad(end),
            }
        }
    }

    /// Parses the client's head: its length if complete; sets up the body and the waiting
    /// request.
    fn request_head(&mut self) -> Result<Option<usize>, httparse::Error> {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        let httparse::Status::Complete(len) = req.parse(&self.client.head)? else {
            return Ok(None);
        };
        let target = req.path.unwrap_or("");
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let session = query_value(query, "SessionID").map(str::to_string);
        let body = content_length(req.headers);
        self.client.body_left = body;
        self.client_session = session.clone();
        if self.waiting.len() >= MAX_WAITING {
            self.waiting.pop_front();
            self.errors += 1;
            // Its response, when it comes, would be taken for the next one's.
            self.responses_lost = true;
        }
        self.waiting.push_back(Waiting {
            session,
            held: Held::default(),
            after_loss: self.requests_lost,
        });
        Ok(Some(len))
    }

    /// Parses the server's head: its length if complete; pairs it with the oldest waiting
    /// request.
    fn response_head(&mut self) -> Result<Option<usize>, httparse::Error> {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut res = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(len) = res.parse(&self.server.head)? else {
            return Ok(None);
        };
        let (mut session, close) = res
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("X-MSN-Messenger"))
            .map(|h| messenger_header(&String::from_utf8_lossy(h.value)))
            .unwrap_or((None, false));
        self.server.body_left = content_length(res.headers);
        let request = self.waiting.pop_front();
        let unsure = self.responses_lost || request.as_ref().is_some_and(|r| r.after_loss);
        let mut held = None;
        match request {
            // Its request is late (behind a hole the capture has not given up on yet) or lost:
            // read when it comes, it would be taken as the next response's.
            None => self.requests_lost = true,
            Some(r) if !unsure => {
                if session.is_some() && r.session.is_some() && session != r.session {
                    // Each answers its own session's request: these two are not a pair.
                    self.responses_lost = true;
                }
                session = session.or(r.session);
                held = Some(r.held);
            }
            Some(r) => {
                if session.is_some() && session == r.session && self.waiting.is_empty() {
                    // A session's response to that session's request, none other waiting:
                    // taken as the pairing found again (sure where requests are not pipelined:
                    // the gateway client waits for each response, whose SessionID its next
                    // request names).
                    self.requests_lost = false;
                    self.responses_lost = false;
                }
                if !r.held.is_empty() {
                    // Perhaps the answer to this open request, perhaps to a lost one: its body
                    // is dropped rather than given to a session that may not be its own, and
                    // the session named (most likely its own) is told bytes were lost.
                    if session.is_some() {
                        held = Some(Held::lost());
                    } else {
                        self.unattributed += 1;
                    }
                }
            }
        }
        if unsure && session.is_none() && self.server.body_left > 0 {
            self.unattributed += 1;
        }
        self.server_session = session;
        self.server_closes = close;
        self.pending_held = held.filter(|h| !h.is_empty());
        Ok(Some(len))
    }

    fn body(&mut self, client: bool, data: &[u8], out: &mut impl FnMut(Carried<'_>)) {
        if client {
            match &self.client_session {
                Some(session) => out(Carried::Body {
                    session,
                    client: true,
                    data,
                }),
                None => {
                    // An open request: held until its response names the session.
                    let held: usize = self.waiting.iter().map(|w| w.held.bytes.len()).sum();
                    if let Some(w) = self.waiting.back_mut() {
                        let keep = data.len().min(MAX_HELD_BODY.saturating_sub(held));
                        w.held.bytes.extend_from_slice(&data[..keep]);
                        if keep < data.len() {
                            // The session is told that the rest never reached it.
                            w.held.lose(None);
                        }
                    }
                }
            }
        } else if let Some(session) = &self.server_session {
            if let Some(held) = self.pending_held.take() {
                held.hand_on(session, out);
            }
            out(Carried::Body {
                session,
                client: false,
                data,
            });
        }
    }

    /// Bytes of the body being read were lost (`None`: to its end and beyond).
    fn body_missing(
        &mut self,
        client: bool,
        missing: Option<u64>,
        out: &mut impl FnMut(Carried<'_>),
    ) {
        if client {
            match &self.client_session {
                Some(session) => out(Carried::Missing {
                    session,
                    client: true,
                    missing,
                }),
                None => {
                    if let Some(w) = self.waiting.back_mut() {
                        w.held.lose(missing);
                    }
                }
            }
        } else if let Some(session) = &self.server_session {
            if let Some(held) = self.pending_held.take() {
                held.hand_on(session, out);
            }
            out(Carried::Missing {
                session,
                client: false,
                missing,
            });
        }
    }

    /// A message ended (its body, possibly empty, is all in).
    fn end_of_body(&mut self, client: bool, out: &mut impl FnMut(Carried<'_>)) {
        if client {
            return;
        }
        if let Some(session) = self.server_session.take() {
            if let Some(held) = self.pending_held.take() {
                held.hand_on(&session, out);
            }
            if self.server_closes {
                out(Carried::Closed { session: &session });
            }
        }
        self.pending_held = None;
    }
}

/// The `Content-Length` of a head (0 where there is none).
fn content_length(headers: &[httparse::Header<'_>]) -> usize {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("Content-Length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Carried` as a line: `SESSION C|S BYTES`, `SESSION C|S missing N|?`, `SESSION closed`.
    fn render(c: Carried<'_>, out: &mut Vec<String>) {
        let side = |client| if client { "C" } else { "S" };
        out.push(match c {
            Carried::Body {
                session,
                client,
                data,
            } => format!(
                "{session} {} {}",
                side(client),
                String::from_utf8_lossy(data)
            ),
            Carried::Missing {
                session,
                client,
                missing,
            } => format!(
                "{session} {} missing {}",
                side(client),
                missing.map_or("?".to_string(), |n| n.to_string())
            ),
            Carried::Closed { session } => format!("{session} closed"),
        });
    }

    fn carried(http: &mut Http, client: bool, data: &[u8], out: &mut Vec<String>) {
        http.feed(client, data, &mut |c| render(c, out));
    }

    fn lost(http: &mut Http, client: bool, missing: u64, out: &mut Vec<String>) {
        http.gap(client, missing, &mut |c| render(c, out));
    }

    #[test]
    fn a_session_opened_polled_and_closed() {
        let mut http = Http::new();
        let mut out = Vec::new();
        carried(&mut http, true, b"POST http://gw.example.com/gateway/gateway.dll?Action=open&Server=NS&IP=10.0.0.1 HTTP/1.1\r\nContent-Type: application/x-msn-messenger\r\nContent-Length: 18\r\n\r\nVER 1 MSNP8 CVR0\r\n", &mut out);
        assert!(out.is_empty(), "held until the session is named");
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=123.456; GW-IP=10.0.0.9\r\nContent-Length: 18\r\n\r\nVER 1 MSNP8 CVR0\r\n", &mut out);
        // A request in two pieces, then a poll, then the close.
        carried(
            &mut http,
            true,
            b"POST /gateway/gateway.dll?SessionID=123.456 HTTP/1.1\r\nContent-Len",
            &mut out,
        );
        carried(&mut http, true, b"gth: 10\r\n\r\nXFR 2 SB\r\n", &mut out);
        carried(&mut http, true, b"POST /gateway/gateway.dll?Action=poll&SessionID=123.456 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=123.456; GW-IP=10.0.0.9\r\nContent-Length: 0\r\n\r\n", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=123.456; GW-IP=10.0.0.9; Session=close\r\nContent-Length: 7\r\n\r\n913 2\r\n", &mut out);
        assert_eq!(
            out,
            [
                "123.456 C VER 1 MSNP8 CVR0\r\n",
                "123.456 S VER 1 MSNP8 CVR0\r\n",
                "123.456 C XFR 2 SB\r\n",
                "123.456 S 913 2\r\n",
                "123.456 closed",
            ]
        );
    }

    #[test]
    fn gateway_requests_are_recognised() {
        assert!(is_gateway_request(
            b"POST http://h/gateway/gateway.dll?Action=open HTTP/1.1"
        ));
        assert!(is_gateway_request(
            b"POST /gateway/gateway.dll?SessionID=1 HTTP/1.0"
        ));
        assert!(!is_gateway_request(b"GET / HTTP/1.1"));
        assert!(!is_gateway_request(b"POST /upload HTTP/1.1"));
    }

    #[test]
    fn an_endless_head_is_given_up() {
        let mut http = Http::new();
        let mut out = Vec::new();
        let junk = vec![b'a'; MAX_HEAD + 10];
        carried(&mut http, true, &junk, &mut out);
        assert_eq!(http.errors, 1);
        assert!(out.is_empty());
    }

    #[test]
    fn a_gap_inside_a_body_keeps_the_framing() {
        let mut http = Http::new();
        let mut out = Vec::new();
        carried(
            &mut http,
            true,
            b"POST /gateway/gateway.dll?SessionID=7.1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nPNG\r\n",
            &mut out,
        );
        // 21 bytes of body: 8 read, 7 lost, 6 read.
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=7.1; GW-IP=10.0.0.9\r\nContent-Length: 21\r\n\r\nQNG 50\r\n", &mut out);
        lost(&mut http, false, 7, &mut out);
        carried(&mut http, false, b"2345\r\n", &mut out);
        // The client's side the same, the loss ending the body's wait for nothing more.
        carried(
            &mut http,
            true,
            b"POST /gateway/gateway.dll?SessionID=7.1 HTTP/1.1\r\nContent-Length: 11\r\n\r\nCHG 9",
            &mut out,
        );
        lost(&mut http, true, 4, &mut out);
        carried(&mut http, true, b"\r\n", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=7.1; GW-IP=10.0.0.9\r\nContent-Length: 11\r\n\r\nCHG 9 NLN\r\n", &mut out);
        assert_eq!(
            out,
            [
                "7.1 C PNG\r\n",
                "7.1 S QNG 50\r\n",
                "7.1 S missing 7",
                "7.1 S 2345\r\n",
                "7.1 C CHG 9",
                "7.1 C missing 4",
                "7.1 C \r\n",
                "7.1 S CHG 9 NLN\r\n",
            ]
        );
        assert_eq!(http.errors, 0);
    }

    #[test]
    fn a_gap_in_a_held_open_body_is_handed_on_in_its_place() {
        let mut http = Http::new();
        let mut out = Vec::new();
        carried(&mut http, true, b"POST /gateway/gateway.dll?Action=open&Server=NS&IP=10.0.0.1 HTTP/1.1\r\nContent-Length: 18\r\n\r\nVER 1 MS", &mut out);
        lost(&mut http, true, 5, &mut out);
        carried(&mut http, true, b"VR0\r\n", &mut out);
        assert!(out.is_empty(), "held until the session is named");
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=9.9; GW-IP=10.0.0.9\r\nContent-Length: 18\r\n\r\nVER 1 MSNP8 CVR0\r\n", &mut out);
        assert_eq!(
            out,
            [
                "9.9 C VER 1 MS",
                "9.9 C missing 5",
                "9.9 C VR0\r\n",
                "9.9 S VER 1 MSNP8 CVR0\r\n",
            ]
        );
    }

    #[test]
    fn a_gap_past_a_body_skips_to_the_next_response() {
        let mut http = Http::new();
        let mut out = Vec::new();
        carried(
            &mut http,
            true,
            b"POST /gateway/gateway.dll?SessionID=1.1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nPNG\r\n",
            &mut out,
        );
        carried(&mut http, true, b"POST /gateway/gateway.dll?Action=poll&SessionID=2.2 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &mut out);
        carried(&mut http, true, b"POST /gateway/gateway.dll?Action=poll&SessionID=3.3 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=1.1; GW-IP=10.0.0.9\r\nContent-Length: 8\r\n\r\nQNG", &mut out);
        // The rest of that body, the next response's head and part of its body are lost.
        lost(&mut http, false, 100, &mut out);
        // `HTTP/1.` inside a line starts nothing; the next head is split after `HTT`.
        carried(&mut http, false, b"MSG a HTTP/1.1 200\r\nHTT", &mut out);
        carried(&mut http, false, b"P/1.1 200 OK\r\nX-MSN-Messenger: SessionID=3.3; GW-IP=10.0.0.9\r\nContent-Length: 5\r\n\r\nOUT\r\n", &mut out);
        // That response went to the oldest request waiting (2.2's), yet names its own session.
        assert_eq!(
            out,
            [
                "1.1 C PNG\r\n",
                "1.1 S QNG",
                "1.1 S missing ?",
                "3.3 S OUT\r\n",
            ]
        );
        assert_eq!(http.errors, 0);
    }

    #[test]
    fn a_gap_inside_a_request_head_skips_to_the_next_request() {
        let mut http = Http::new();
        let mut out = Vec::new();
        carried(
            &mut http,
            true,
            b"POST /gateway/gateway.dll?SessionID=1.1 HTTP/1.1\r\nConte",
            &mut out,
        );
        lost(&mut http, true, 30, &mut out);
        carried(&mut http, true, b"h: 5\r\n\r\nPNG\r\nPOST /gateway/gateway.dll?SessionID=1.1 HTTP/1.1\r\nContent-Length: 7\r\n\r\nCHG 2\r\n", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=1.1; GW-IP=10.0.0.9\r\nContent-Length: 11\r\n\r\nCHG 2 NLN\r\n", &mut out);
        assert_eq!(out, ["1.1 C CHG 2\r\n", "1.1 S CHG 2 NLN\r\n"]);
        assert_eq!(http.errors, 0);
    }

    #[test]
    fn a_gap_between_requests_skips_to_the_next_request() {
        let mut http = Http::new();
        let mut out = Vec::new();
        carried(
            &mut http,
            true,
            b"POST /gateway/gateway.dll?SessionID=1.1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nPNG\r\n",
            &mut out,
        );
        // Perhaps whole requests were lost: the responses after name their own sessions.
        lost(&mut http, true, 200, &mut out);
        carried(&mut http, true, b"ACK 5\r\nPOST /gateway/gateway.dll?SessionID=1.1 HTTP/1.1\r\nContent-Length: 7\r\n\r\nCHG 2\r\n", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=1.1; GW-IP=10.0.0.9\r\nContent-Length: 7\r\n\r\nQNG 9\r\n", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=2.2; GW-IP=10.0.0.9\r\nContent-Length: 5\r\n\r\nOUT\r\n", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=1.1; GW-IP=10.0.0.9\r\nContent-Length: 11\r\n\r\nCHG 2 NLN\r\n", &mut out);
        assert_eq!(
            out,
            [
                "1.1 C PNG\r\n",
                "1.1 C CHG 2\r\n",
                "1.1 S QNG 9\r\n",
                "2.2 S OUT\r\n",
                "1.1 S CHG 2 NLN\r\n",
            ]
        );
        assert_eq!(http.errors, 0);
    }

    #[test]
    fn after_a_loss_an_open_body_waits_for_a_response_surely_its_own() {
        let mut http = Http::new();
        let mut out = Vec::new();
        let open = b"POST /gateway/gateway.dll?Action=open&Server=SB&IP=10.0.0.1 HTTP/1.1\r\nContent-Length: 7\r\n\r\nUSR 1\r\n";
        carried(&mut http, true, b"POST /gateway/gateway.dll?Action=poll&SessionID=1.1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &mut out);
        // Between two responses: one (or more) may have been lost.
        lost(&mut http, false, 50, &mut out);
        carried(&mut http, true, open, &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=1.1; GW-IP=10.0.0.9\r\nContent-Length: 0\r\n\r\n", &mut out);
        // Perhaps the answer to the open request, perhaps not: its body is not handed on.
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=5.5; GW-IP=10.0.0.9\r\nContent-Length: 5\r\n\r\nUSR 1", &mut out);
        // A response to a request of its own session, none other waiting: paired again.
        carried(
            &mut http,
            true,
            b"POST /gateway/gateway.dll?SessionID=5.5 HTTP/1.1\r\nContent-Length: 5\r\n\r\nCAL 2",
            &mut out,
        );
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=5.5; GW-IP=10.0.0.9\r\nContent-Length: 5\r\n\r\nCAL 2", &mut out);
        carried(&mut http, true, open, &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=6.6; GW-IP=10.0.0.9\r\nContent-Length: 5\r\n\r\nUSR 1", &mut out);
        assert_eq!(
            out,
            [
                "5.5 C missing ?",
                "5.5 S USR 1",
                "5.5 C CAL 2",
                "5.5 S CAL 2",
                "6.6 C USR 1\r\n",
                "6.6 S USR 1",
            ]
        );
    }

    #[test]
    fn a_head_in_single_bytes_is_parsed_once() {
        let request = b"POST /gateway/gateway.dll?Action=open&Server=NS&IP=10.0.0.1 HTTP/1.1\r\nContent-Length: 18\r\n\r\nVER 1 MSNP8 CVR0\r\n";
        let response = b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=9.9; GW-IP=10.0.0.9\r\nContent-Length: 7\r\n\r\nVER 1\r\n";
        let mut whole = Http::new();
        let mut expected = Vec::new();
        carried(&mut whole, true, request, &mut expected);
        carried(&mut whole, false, response, &mut expected);
        let mut http = Http::new();
        let mut out = Vec::new();
        for b in request {
            carried(&mut http, true, std::slice::from_ref(b), &mut out);
        }
        for b in response {
            carried(&mut http, false, std::slice::from_ref(b), &mut out);
        }
        assert_eq!(expected, ["9.9 C VER 1 MSNP8 CVR0\r\n", "9.9 S VER 1\r\n"]);
        // The held body is handed on whole; the response's comes byte by byte.
        assert_eq!(out.len(), 1 + 7);
        assert_eq!(out[0], expected[0]);
        assert_eq!(
            out[1..].concat(),
            "9.9 S V9.9 S E9.9 S R9.9 S  9.9 S 19.9 S \r9.9 S \n"
        );
        assert_eq!((whole.parses, http.parses), (2, 2));
    }

    #[test]
    fn a_response_with_no_request_waiting_makes_the_pairing_uncertain() {
        let mut http = Http::new();
        let mut out = Vec::new();
        // Its request is late (behind a hole in the client's bytes) or lost.
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=1.1; GW-IP=10.0.0.9\r\nContent-Length: 7\r\n\r\nQNG 5\r\n", &mut out);
        carried(&mut http, true, b"POST /gateway/gateway.dll?Action=poll&SessionID=1.1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &mut out);
        carried(&mut http, true, b"POST /gateway/gateway.dll?Action=open&Server=SB&IP=10.0.0.1 HTTP/1.1\r\nContent-Length: 7\r\n\r\nUSR 1\r\n", &mut out);
        // The open request's answer, taken for the poll's; then one of 1.1's, taken for the
        // open request's: its body is not handed to 1.1.
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=5.5; GW-IP=10.0.0.9\r\nContent-Length: 5\r\n\r\nUSR 1", &mut out);
        carried(&mut http, false, b"HTTP/1.1 200 OK\r\nX-MSN-Messenger: SessionID=1.1; GW-IP=10.0.0.9\r\nContent-Length: 0\r\n\r\n", &mut out);
        assert_eq!(out, ["1.1 S QNG 5\r\n", "5.5 S USR 1", "1.1 C missing ?"]);
    }
}
