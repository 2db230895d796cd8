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

use std::collections::VecDeque;

/// The longest HTTP head kept while it is incomplete.
pub const MAX_HEAD: usize = 16 * 1024;
/// The most body bytes of `Action=open` requests held, on one connection, until their
/// responses name the session.
pub const MAX_HELD_BODY: usize = 64 * 1024;
/// Requests waiting for their responses on one connection; past it the oldest is dropped and
/// counted as an error.
pub const MAX_WAITING: usize = 64;

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
    /// The server ended the session (`Session=close`).
    Closed {
        /// The gateway's SessionID.
        session: &'a str,
    },
}

/// One direction's framing state.
#[derive(Debug, Default)]
struct Side {
    /// Head bytes so far, while the head is incomplete.
    head: Vec<u8>,
    /// Body bytes still to come of the current message.
    body_left: usize,
}

/// A request whose response has not come yet.
#[derive(Debug)]
struct Waiting {
    /// The SessionID the request named, or `None` for `Action=open`.
    session: Option<String>,
    /// An open request's body, held until the response names the session.
    held: Vec<u8>,
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
    pending_held: Option<Vec<u8>>,
    /// Messages that could not be read as HTTP.
    pub errors: u64,
}

impl Http {
    /// The bytes the connection holds: incomplete heads, waiting requests and held bodies.
    pub fn holding(&self) -> usize {
        let waiting: usize = self
            .waiting
            .iter()
            .map(|w| {
                std::mem::size_of::<Waiting>()
                    + w.held.capacity()
                    + w.session.as_ref().map_or(0, String::capacity)
            })
            .sum();
        self.client.head.capacity()
            + self.server.head.capacity()
            + waiting
            + self.pending_held.as_ref().map_or(0, Vec::capacity)
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

    /// Bytes of one direction (`client`: the request side), in order.
    pub fn feed(&mut self, client: bool, mut data: &[u8], out: &mut impl FnMut(Carried<'_>)) {
        while !data.is_empty() {
            let side = if client {
                &mut self.client
            } else {
                &mut self.server
            };
            if side.body_left > 0 {
                let n = side.body_left.min(data.len());
                side.body_left -= n;
                let (body, rest) = data.split_at(n);
                data = rest;
                self.body(client, body, out);
                if (if client { &self.client } else { &self.server }).body_left == 0 {
                    self.end_of_body(client, out);
                }
                continue;
            }
            // Accumulate the head (bounded), then parse it.
            let side = if client {
                &mut self.client
            } else {
                &mut self.server
            };
            let before = side.head.len();
            let take = data.len().min(MAX_HEAD.saturating_sub(before));
            side.head.extend_from_slice(&data[..take]);
            let parsed = if client {
                self.request_head()
            } else {
                self.response_head()
            };
            match parsed {
                Some(head_len) => {
                    // The bytes of this chunk past the head are body (or the next message).
                    let used = head_len - before;
                    data = &data[used..];
                    let side = if client {
                        &mut self.client
                    } else {
                        &mut self.server
                    };
                    // Heads are short and few: keeping no room between them keeps a quiet
                    // connection small.
                    side.head = Vec::new();
                    if side.body_left == 0 {
                        self.end_of_body(client, out);
                    }
                }
                None => {
                    data = &data[take..];
                    let side = if client {
                        &mut self.client
                    } else {
                        &mut self.server
                    };
                    if side.head.len() >= MAX_HEAD {
                        // No head is this long: not HTTP we can follow.
                        self.errors += 1;
                        side.head = Vec::new();
                        return;
                    }
                }
            }
        }
    }

    /// Parses the client's head if complete: its length; sets up the body and the waiting
    /// request.
    fn request_head(&mut self) -> Option<usize> {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        let len = match req.parse(&self.client.head) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return None,
            Err(_) => {
                self.errors += 1;
                self.client.head.clear();
                return None;
            }
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
        }
        self.waiting.push_back(Waiting {
            session,
            held: Vec::new(),
        });
        Some(len)
    }

    /// Parses the server's head if complete: its length; pairs it with the oldest waiting
    /// request.
    fn response_head(&mut self) -> Option<usize> {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut res = httparse::Response::new(&mut headers);
        let len = match res.parse(&self.server.head) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return None,
            Err(_) => {
                self.errors += 1;
                self.server.head.clear();
                return None;
            }
        };
        let (mut session, close) = res
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("X-MSN-Messenger"))
            .map(|h| messenger_header(&String::from_utf8_lossy(h.value)))
            .unwrap_or((None, false));
        self.server.body_left = content_length(res.headers);
        let request = self.waiting.pop_front();
        if session.is_none() {
            session = request.as_ref().and_then(|r| r.session.clone());
        }
        self.server_session = session;
        self.server_closes = close;
        self.pending_held = request.map(|r| r.held).filter(|h| !h.is_empty());
        Some(len)
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
                    let held: usize = self.waiting.iter().map(|w| w.held.len()).sum();
                    if let Some(w) = self.waiting.back_mut() {
                        let room = MAX_HELD_BODY.saturating_sub(held);
                        w.held.extend_from_slice(&data[..data.len().min(room)]);
                    }
                }
            }
        } else if let Some(session) = &self.server_session {
            if let Some(held) = self.pending_held.take() {
                out(Carried::Body {
                    session,
                    client: true,
                    data: &held,
                });
            }
            out(Carried::Body {
                session,
                client: false,
                data,
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
                out(Carried::Body {
                    session: &session,
                    client: true,
                    data: &held,
                });
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

    fn carried(http: &mut Http, client: bool, data: &[u8], out: &mut Vec<String>) {
        http.feed(client, data, &mut |c| match c {
            Carried::Body {
                session,
                client,
                data,
            } => out.push(format!(
                "{session} {} {}",
                if client { "C" } else { "S" },
                String::from_utf8_lossy(data)
            )),
            Carried::Closed { session } => out.push(format!("{session} closed")),
        });
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
}
