//! Following one MSNP connection, both directions: which version `VER` fixed, which XFR
//! requests are waiting for an answer, and which numeric replies answer them.

use crate::command::{self, Direction, ErrorReply, LineClass};
use crate::error::Error;
use crate::syntax::{Mode, Parsed, read};
use crate::value::{ServerType, TrId, Xfr};
use crate::version::Version;

/// How many unanswered XFR requests a session remembers. A request answered is forgotten at
/// once; when this many are waiting, a new one makes the session forget the oldest, so a hostile
/// peer cannot make it grow.
pub const MAX_PENDING: usize = 16;

/// What a line meant to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observation<'a> {
    /// An XFR line, read for the session's version at that point.
    Xfr {
        /// The version it was judged against; `None` before any `VER` (or after a referral or
        /// soft reset), when every version is considered.
        version: Option<Version>,
        /// The value, or why the line is not a valid XFR.
        result: Result<Parsed<'a>, Error>,
        /// For a reply: the server type of the pending request it answers, if one was pending.
        answers: Option<ServerType>,
    },
    /// A numeric reply answering a pending `XFR TrID SB|NS` request.
    XfrErrorReply {
        /// The version of the session at that point.
        version: Option<Version>,
        /// The code and TrID.
        reply: ErrorReply,
        /// What the request had asked for.
        request: ServerType,
    },
    /// A `VER` reply fixed the version (`None`: no version in MSNP2–MSNP21 was agreed).
    Version(Option<Version>),
    /// Anything else: other commands, `VER` offers, replies to other requests.
    Other,
}

/// A small state machine over a connection's lines in both directions.
///
/// ```
/// use msnp_xfr::{Direction::*, Mode, Observation, Session, Version};
///
/// let mut s = Session::new(Mode::Strict);
/// s.observe(Some(ClientToServer), b"VER 1 MSNP8 CVR0");
/// assert_eq!(s.observe(Some(ServerToClient), b"VER 1 MSNP8 CVR0"), Observation::Version(Some(Version::MSNP8)));
/// s.observe(Some(ClientToServer), b"XFR 9 SB");
/// let Observation::XfrErrorReply { reply, .. } = s.observe(Some(ServerToClient), b"913 9") else {
///     panic!()
/// };
/// assert_eq!(reply.code.0, 913);
/// ```
#[derive(Debug, Clone)]
pub struct Session {
    mode: Mode,
    /// A version given by the caller, which `VER` does not change.
    fixed: Option<Version>,
    version: Option<Version>,
    /// Unanswered requests.
    pending: Pending,
}

/// The unanswered requests: a fixed table, looked up on every reply, so kept as columns (the
/// TrIDs side by side compare in a few vector instructions) with a bit per slot in use.
#[derive(Debug, Clone)]
struct Pending {
    trids: [u32; MAX_PENDING],
    servers: [ServerType; MAX_PENDING],
    /// The sequence number each was sent as: the smallest among those in use is the oldest.
    seqs: [u64; MAX_PENDING],
    used: u16,
    /// The next request's sequence number.
    sent: u64,
}

const ALL_USED: u16 = u16::MAX;
const _: () = assert!(MAX_PENDING == 16, "one bit of `used` per slot");

impl Pending {
    const fn new() -> Self {
        Pending {
            trids: [0; MAX_PENDING],
            servers: [ServerType::Sb; MAX_PENDING],
            seqs: [0; MAX_PENDING],
            used: 0,
            sent: 0,
        }
    }

    /// The oldest slot among `slots` (a non-empty bit set).
    fn oldest(&self, slots: u16) -> usize {
        if slots.is_power_of_two() {
            return slots.trailing_zeros() as usize;
        }
        (0..MAX_PENDING)
            .filter(|&i| slots & (1 << i) != 0)
            .min_by_key(|&i| self.seqs[i])
            .unwrap_or(0)
    }

    /// Remembers a request in a free slot, or in place of the oldest when none is free.
    fn add(&mut self, trid: TrId, server: ServerType) {
        let slot = if self.used == ALL_USED {
            self.oldest(ALL_USED)
        } else {
            (!self.used).trailing_zeros() as usize
        };
        self.trids[slot] = trid.0;
        self.servers[slot] = server;
        self.seqs[slot] = self.sent;
        self.used |= 1 << slot;
        self.sent += 1;
    }

    /// Forgets and returns the oldest pending request with `trid`.
    fn take(&mut self, trid: TrId) -> Option<ServerType> {
        let mut hits = 0u16;
        for (i, &t) in self.trids.iter().enumerate() {
            hits |= u16::from(t == trid.0) << i;
        }
        hits &= self.used;
        if hits == 0 {
            return None;
        }
        let slot = self.oldest(hits);
        self.used &= !(1 << slot);
        Some(self.servers[slot])
    }
}

impl Session {
    /// A session that learns its version from `VER`.
    pub fn new(mode: Mode) -> Self {
        Session {
            mode,
            fixed: None,
            version: None,
            pending: Pending::new(),
        }
    }

    /// A session whose version is known and fixed: `VER` lines are not followed.
    pub fn with_version(mode: Mode, version: Version) -> Self {
        Session {
            fixed: Some(version),
            ..Session::new(mode)
        }
    }

    /// The version XFR lines are judged against now.
    pub fn version(&self) -> Option<Version> {
        self.fixed.or(self.version)
    }

    /// The parsing mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Takes one line (line end optional) travelling in `direction` (`None` when unknown).
    ///
    /// With an unknown direction, a `VER` line is taken as the server's choice: its first
    /// version fixes the session's version until the next. The line may be bytes or text.
    #[inline]
    pub fn observe<'a, L: AsRef<[u8]> + ?Sized>(
        &mut self,
        direction: Option<Direction>,
        line: &'a L,
    ) -> Observation<'a> {
        let line = line.as_ref();
        self.observe_classified(direction, line, command::classify(line))
    }

    /// [`observe`](Session::observe) for a line a decoder has already classified, so that no
    /// line is looked at twice.
    pub(crate) fn observe_classified<'a>(
        &mut self,
        direction: Option<Direction>,
        line: &'a [u8],
        class: LineClass<'a>,
    ) -> Observation<'a> {
        match class {
            LineClass::Xfr => self.xfr(direction, line),
            LineClass::Reply(reply) if direction != Some(Direction::ClientToServer) => {
                match self.pending.take(reply.trid) {
                    Some(request) => Observation::XfrErrorReply {
                        version: self.version(),
                        reply,
                        request,
                    },
                    None => Observation::Other,
                }
            }
            LineClass::Command(b"VER") if direction != Some(Direction::ClientToServer) => {
                match command::ver_choice(line) {
                    Some(chosen) if self.fixed.is_none() => {
                        self.version = chosen;
                        Observation::Version(chosen)
                    }
                    _ => Observation::Other,
                }
            }
            _ => Observation::Other,
        }
    }

    fn xfr<'a>(&mut self, direction: Option<Direction>, line: &'a [u8]) -> Observation<'a> {
        let version = self.version();
        // One reading specialised per mode, as the decoder's is.
        let mut result = match self.mode {
            Mode::Strict => read(line, Mode::Strict, version),
            Mode::Lenient => read(line, Mode::Lenient, version),
        };
        // A client sends only requests: a line of its that is not one, but starts with one, is
        // that request with an extra field (and its server may well answer it with an error
        // reply, which is matched).
        let not_request = !matches!(&result, Ok(p) if matches!(p.xfr, Xfr::Request(_)));
        if not_request && direction == Some(Direction::ClientToServer) {
            if let Some((request, extra)) = request_with_extra(line, self.mode, version) {
                self.pending.add(request.0, request.1);
                result = Err(Error::TrailingData { offset: extra });
            }
        }
        let mut answers = None;
        match &result {
            // A referral to another NS ends what is known even when it does not parse: the
            // client is about to leave, and what comes next is a new `VER`.
            Err(_) if direction != Some(Direction::ClientToServer) && is_ns_referral(line) => {
                self.forget();
            }
            Err(_) => {}
            Ok(parsed) => match &parsed.xfr {
                Xfr::Request(r) => {
                    if direction != Some(Direction::ServerToClient) {
                        self.pending.add(r.trid, r.server);
                    }
                }
                Xfr::Sb(sb) => answers = self.pending.take(sb.trid),
                Xfr::Ns(ns) => {
                    answers = self.pending.take(ns.trid);
                    self.forget();
                }
                Xfr::SoftReset => self.forget(),
            },
        }
        Observation::Xfr {
            version,
            result,
            answers,
        }
    }

    /// A referral to another server or a soft reset: the next `VER` decides the version anew.
    fn forget(&mut self) {
        self.version = None;
        self.pending.used = 0;
    }
}

/// Reads one XFR line knowing which way it travelled. A client sends only requests: a client's
/// line that is not one but starts with a whole request (`XFR 12 SB 1`, which would otherwise
/// read as a referral with a bad address) is that request with data after its last field — [`Error::TrailingData`] at the extra field — not a referral
/// with a bad address; its TrID and server type are those of the request
/// (`parse_with(&line[..offset - 1], ..)` reads them). For the server's lines, or where the
/// direction is unknown, it is [`parse_with`](crate::parse_with).
///
/// ```
/// use msnp_xfr::{parse_from, parse_with, Direction, Error, Mode, Version};
///
/// let line = b"XFR 12 SB 1";
/// let as_sent = parse_from(Some(Direction::ClientToServer), line, Mode::Lenient, Some(Version::MSNP8));
/// assert_eq!(as_sent.unwrap_err(), Error::TrailingData { offset: 10 });
/// // Without the direction, the same line reads as an SB referral with a bad address.
/// assert_eq!(parse_with(line, Mode::Lenient, Some(Version::MSNP8)).unwrap_err().kind(), "invalid");
/// ```
pub fn parse_from<L: AsRef<[u8]> + ?Sized>(
    direction: Option<Direction>,
    line: &L,
    mode: Mode,
    version: Option<Version>,
) -> Result<Parsed<'_>, Error> {
    let line = line.as_ref();
    let result = read(line, mode, version);
    let not_request = !matches!(&result, Ok(p) if matches!(p.xfr, Xfr::Request(_)));
    if not_request && direction == Some(Direction::ClientToServer) {
        if let Some((_, extra)) = request_with_extra(line, mode, version) {
            return Err(Error::TrailingData { offset: extra });
        }
    }
    result
}

/// A line that starts with a whole XFR request followed by more fields: the request's TrID and
/// server type, and where the first extra field starts.
fn request_with_extra(
    line: &[u8],
    mode: Mode,
    version: Option<Version>,
) -> Option<((TrId, ServerType), usize)> {
    let content = line.strip_suffix(b"\r\n").unwrap_or(line);
    let content = content.strip_suffix(b"\n").unwrap_or(content);
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    // The end of the third field, then the start of the fourth.
    let mut at = 0;
    for _ in 0..3 {
        at += content[at..].iter().take_while(|b| blank(b)).count();
        let len = content[at..].iter().take_while(|b| !blank(b)).count();
        if len == 0 {
            return None;
        }
        at += len;
    }
    let end = at;
    let extra = end + content[end..].iter().take_while(|b| blank(b)).count();
    if extra == end || extra == content.len() {
        return None;
    }
    match read(&content[..end], mode, version) {
        Ok(Parsed {
            xfr: Xfr::Request(r),
            ..
        }) => Some(((r.trid, r.server), extra)),
        _ => None,
    }
}

/// An XFR line naming `NS` with an address field: an NS referral or a soft reset, well-formed
/// or not.
fn is_ns_referral(line: &[u8]) -> bool {
    let mut fields = command::fields(line);
    fields.nth(2) == Some(b"NS") && fields.next().is_some()
}
