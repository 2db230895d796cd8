//! The typed XFR value and the validated field types it is built from.
//!
//! Every field type checks its rules when it is made, so a value that exists can always be
//! written: no field can carry a space, CR, LF or control byte into an output line.

use core::fmt;
use core::net::Ipv4Addr;
use core::num::NonZeroU16;

use crate::error::{Error, Field};
use crate::field;

/// Text borrowed from the input line, or owned once [`Xfr::into_owned`] has run.
///
/// Kept as bytes: every constructor checks them to be ASCII, so reading a line needs no UTF-8
/// pass, writing copies the bytes, and [`Text::as_str`] converts only when asked.
#[derive(Clone)]
pub(crate) enum Text<'a> {
    Borrowed(&'a [u8]),
    #[cfg(feature = "alloc")]
    Owned(alloc::boxed::Box<[u8]>),
}

impl Text<'_> {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Borrowed(s) => s,
            #[cfg(feature = "alloc")]
            Text::Owned(s) => s,
        }
    }

    fn as_str(&self) -> &str {
        // ASCII by construction (see above), so the conversion always succeeds; the empty
        // fallback is never taken.
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    #[cfg(feature = "alloc")]
    fn into_owned(self) -> Text<'static> {
        match self {
            Text::Borrowed(s) => Text::Owned(s.into()),
            Text::Owned(s) => Text::Owned(s),
        }
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for Text<'_> {}
impl core::hash::Hash for Text<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}

/// Defines a validated text newtype: constructor, accessors, comparisons, `Display`, `Debug`.
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name<'a>(pub(crate) Text<'a>);

        impl<'a> $name<'a> {
            /// Checks `text` against the field's grammar (strict) and borrows it.
            ///
            /// Error offsets count from the start of `text`.
            pub fn new(text: &'a str) -> Result<Self, Error> {
                $check(text.as_bytes())?;
                Ok(Self::trusted(text.as_bytes()))
            }

            /// For text the parser has already checked.
            pub(crate) fn trusted(text: &'a [u8]) -> Self {
                $name(Text::Borrowed(text))
            }

            /// The field as written on the wire.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The field's bytes as written on the wire (ASCII).
            pub fn as_bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }

            /// A copy that owns its text and so outlives the input.
            #[cfg(feature = "alloc")]
            pub fn into_owned(self) -> $name<'static> {
                $name(self.0.into_owned())
            }

            /// Checks owned `text` and keeps it.
            #[cfg(feature = "arbitrary")]
            pub(crate) fn from_string(text: alloc::string::String) -> Result<$name<'static>, Error> {
                $check(text.as_bytes())?;
                Ok($name(Text::Owned(text.into_bytes().into_boxed_slice())))
            }
        }

        impl fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.as_str())
            }
        }

        impl<'a> TryFrom<&'a str> for $name<'a> {
            type Error = Error;
            fn try_from(text: &'a str) -> Result<Self, Error> {
                $name::new(text)
            }
        }
    };
}

text_type! {
    /// A server host: a dotted IPv4 address or a DNS name (the 1999 draft allows both;
    /// MSNP21 gateways are named like `*.gateway.edge.messenger.live.com`).
    ///
    /// Kept as the input text; [`ipv4`](Host::ipv4) gives the typed address where it is one.
    ///
    /// ```
    /// use msnp_xfr::Host;
    /// use std::net::Ipv4Addr;
    ///
    /// assert_eq!(Host::new("64.4.12.133").unwrap().ipv4(), Some(Ipv4Addr::new(64, 4, 12, 133)));
    /// assert_eq!(Host::new("m1.example.org").unwrap().ipv4(), None);
    /// assert!(Host::new("300.1.1.1").is_err());
    /// assert!(Host::new("bad host").is_err());
    /// ```
    Host, field::host
}

text_type! {
    /// An opaque token: a `CKI` cookie or an `MD5` salt. Printable ASCII without spaces,
    /// at most [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) bytes; cookies come in every shape
    /// (`17262740.1050826919.32308`, hex, random letters, plain words).
    ///
    /// ```
    /// use msnp_xfr::Token;
    /// assert_eq!(Token::new("1050826919.32308").unwrap().as_str(), "1050826919.32308");
    /// assert!(Token::new("two words").is_err());
    /// assert!(Token::new("").is_err());
    /// ```
    Token, check_token
}

text_type! {
    /// The MSNP21 hop blob: base64 of `Version: 1\r\nXfrCount: N\r\n` and maybe more headers.
    /// The client echoes it back later; [`decode`](HopBlob::decode) reads it.
    ///
    /// ```
    /// use msnp_xfr::HopBlob;
    ///
    /// let hop = HopBlob::new("VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDINCg==").unwrap();
    /// let mut buf = [0u8; 64];
    /// assert_eq!(hop.decode(&mut buf), Some(&b"Version: 1\r\nXfrCount: 2\r\n"[..]));
    /// assert_eq!(hop.header("XfrCount", &mut buf), Some("2"));
    /// assert!(HopBlob::new("not base64!").is_err());
    /// ```
    HopBlob, field::base64
}

/// [`Token::new`]'s check: a token in the auth parameter's place.
fn check_token(text: &[u8]) -> Result<(), Error> {
    field::token(text, Field::AuthParam)
}

impl Host<'_> {
    /// The host as an IPv4 address, when it is written as one.
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        field::ipv4(self.as_bytes())
    }

    /// Whether the host is a DNS name (not a dotted IPv4 address).
    pub fn is_name(&self) -> bool {
        self.ipv4().is_none()
    }
}

impl HopBlob<'_> {
    /// The hop blob carrying `bytes` (usually `Version: 1\r\nXfrCount: N\r\n`), base64-encoded:
    /// for servers that send MSNP21 referrals.
    ///
    /// Refuses what the reader would refuse: no bytes ([`Error::Missing`]: the field would be
    /// empty), or more than 768, whose base64 is longer than
    /// [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) ([`Error::TooLong`]).
    ///
    /// ```
    /// use msnp_xfr::HopBlob;
    /// let hop = HopBlob::encode(b"Version: 1\r\nXfrCount: 1\r\n").unwrap();
    /// assert_eq!(hop.as_str(), "VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==");
    /// assert!(HopBlob::encode(b"").is_err());
    /// ```
    #[cfg(feature = "alloc")]
    pub fn encode(bytes: &[u8]) -> Result<HopBlob<'static>, Error> {
        if bytes.is_empty() {
            return Err(Error::Missing {
                field: Field::HopBlob,
                offset: 0,
            });
        }
        if bytes.len().div_ceil(3) * 4 > field::MAX_TOKEN_LEN {
            return Err(Error::TooLong {
                field: Field::HopBlob,
                offset: 0,
                max: field::MAX_TOKEN_LEN,
            });
        }
        Ok(HopBlob(Text::Owned(
            field::encode_base64(bytes).into_bytes().into_boxed_slice(),
        )))
    }

    /// Decodes the base64 into `buf` and returns the decoded bytes, or `None` when `buf` is
    /// shorter than [`decoded_len`](HopBlob::decoded_len).
    pub fn decode<'b>(&self, buf: &'b mut [u8]) -> Option<&'b [u8]> {
        field::decode_base64(self.as_bytes(), buf)
    }

    /// How many bytes [`decode`](HopBlob::decode) writes.
    pub fn decoded_len(&self) -> usize {
        field::base64_decoded_len(self.as_bytes())
    }

    /// The value of header `name` (`Version`, `XfrCount`, `XfrSentUTCTime`, `IsGeoXfr`, …) in
    /// the decoded blob, decoded into `buf`; `None` if `buf` is too small or the header absent.
    pub fn header<'b>(&self, name: &str, buf: &'b mut [u8]) -> Option<&'b str> {
        let decoded = core::str::from_utf8(self.decode(buf)?).ok()?;
        decoded.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }
}

/// A transaction id: the decimal number a reply shares with its request (0 when the server
/// starts the exchange). Any `u32` is valid.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TrId(pub u32);

impl fmt::Display for TrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u32> for TrId {
    fn from(n: u32) -> TrId {
        TrId(n)
    }
}

/// A TCP port, `1..=65535`.
///
/// ```
/// use msnp_xfr::Port;
/// assert_eq!(Port::new(1863), Some(Port::DEFAULT));
/// assert_eq!(Port::new(0), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(NonZeroU16);

impl Port {
    /// 1863, the port clients use when an address has none.
    pub const DEFAULT: Port = match NonZeroU16::new(1863) {
        Some(p) => Port(p),
        None => unreachable!(),
    };

    /// The port `n`, unless `n` is 0.
    pub const fn new(n: u16) -> Option<Port> {
        match NonZeroU16::new(n) {
            Some(p) => Some(Port(p)),
            None => None,
        }
    }

    /// The port number.
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl TryFrom<u16> for Port {
    type Error = Error;
    fn try_from(n: u16) -> Result<Port, Error> {
        Port::new(n).ok_or(Error::OutOfRange {
            field: Field::Port,
            offset: 0,
            range: "1..=65535",
        })
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.get(), f)
    }
}

/// A server address, `host[:port]`. The port is optional: the 1999 draft allows none and real
/// servers sent none; the strict grammar of MSNP2–MSNP21 always has one.
///
/// ```
/// use msnp_xfr::{Address, Host, Port};
///
/// let a = Address::new(Host::new("64.4.12.133").unwrap(), None);
/// assert_eq!(a.port_or_default(), Port::DEFAULT);
/// assert_eq!(a.to_string(), "64.4.12.133");
/// let b: Address = "m1.example.org:1864".parse().unwrap();
/// assert_eq!(b.port.map(Port::get), Some(1864));
/// ```
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address<'a> {
    /// The host.
    pub host: Host<'a>,
    /// The port, if the line had one.
    pub port: Option<Port>,
}

impl<'a> Address<'a> {
    /// An address from its parts.
    pub fn new(host: Host<'a>, port: Option<Port>) -> Self {
        Address { host, port }
    }

    /// The port, or 1863 when the line had none.
    pub fn port_or_default(&self) -> Port {
        self.port.unwrap_or(Port::DEFAULT)
    }

    /// A copy that owns its text.
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> Address<'static> {
        Address {
            host: self.host.into_owned(),
            port: self.port,
        }
    }
}

impl fmt::Display for Address<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{}", self.host, port),
            None => write!(f, "{}", self.host),
        }
    }
}

/// Which kind of server an XFR names: field 2, `NS` or `SB`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerType {
    /// `NS`: a Notification Server.
    #[cfg_attr(feature = "serde", serde(rename = "NS"))]
    Ns,
    /// `SB`: a Switchboard (chat session) server.
    #[cfg_attr(feature = "serde", serde(rename = "SB"))]
    Sb,
}

impl ServerType {
    /// `"NS"` or `"SB"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ServerType::Ns => "NS",
            ServerType::Sb => "SB",
        }
    }
}

impl fmt::Display for ServerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The client's request, `XFR TrID SB` or `XFR TrID NS`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Request {
    /// The transaction id the reply will carry.
    pub trid: TrId,
    /// The kind of server asked for.
    pub server: ServerType,
}

/// A referral to a Notification Server: `XFR TrID NS addr:port …`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NsReferral<'a> {
    /// The transaction id (0 when the server starts the move).
    pub trid: TrId,
    /// The server to connect to (field 3).
    pub server: Address<'a>,
    /// What follows the address; its shape is the protocol era's.
    pub form: NsForm<'a>,
}

/// The fields after the address of an NS referral, one variant per documented shape.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NsForm<'a> {
    /// MSNP2: nothing after the address.
    Bare,
    /// MSNP3–MSNP6: the constant `0`.
    Zero,
    /// MSNP7–MSNP12: `0` and the server the client is on now.
    Current(Address<'a>),
    /// MSNP13–MSNP20: the constants `U D`.
    #[cfg_attr(feature = "serde", serde(rename = "ud"))]
    UD,
    /// MSNP21: `U D` and the hop blob.
    Hop(HopBlob<'a>),
    /// MSNP21: `G D` and the hop blob: a server-initiated move to an HTTP gateway.
    Gateway(HopBlob<'a>),
}

/// How the client authenticates to the Switchboard (SB field 4 and 5).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Auth<'a> {
    /// `CKI cookie`: the usual cookie, presented to the Switchboard.
    #[cfg_attr(feature = "serde", serde(rename = "CKI"))]
    Cki(Token<'a>),
    /// `CTP`, no parameter (MSNP2–MSNP11).
    #[cfg_attr(feature = "serde", serde(rename = "CTP"))]
    Ctp,
    /// `MD5 salt` (MSNP2–MSNP11).
    #[cfg_attr(feature = "serde", serde(rename = "MD5"))]
    Md5(Token<'a>),
}

impl Auth<'_> {
    /// `"CKI"`, `"CTP"` or `"MD5"`.
    pub const fn method(&self) -> &'static str {
        match self {
            Auth::Cki(_) => "CKI",
            Auth::Ctp => "CTP",
            Auth::Md5(_) => "MD5",
        }
    }

    /// The cookie or salt, if the method has one.
    pub fn param(&self) -> Option<&Token<'_>> {
        match self {
            Auth::Cki(t) | Auth::Md5(t) => Some(t),
            Auth::Ctp => None,
        }
    }
}

/// The fields after the auth parameter of an SB referral.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SbForm {
    /// MSNP2–MSNP12: nothing more.
    Classic,
    /// MSNP13: `U messenger.msn.com`.
    Domain,
    /// MSNP14–MSNP21: `U messenger.msn.com` and the direct-connect flag: `true` (`1`) =
    /// reachable by direct TCP and through the HTTP gateway, `false` (`0`) = gateway only.
    /// The crate reports the flag; it does not interpret the network.
    Direct(bool),
}

/// A referral to a Switchboard: `XFR TrID SB addr:port auth …`.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SbReferral<'a> {
    /// The transaction id of the client's `XFR TrID SB`.
    pub trid: TrId,
    /// The Switchboard to connect to.
    pub server: Address<'a>,
    /// The auth method and its parameter.
    pub auth: Auth<'a>,
    /// What follows; its shape is the protocol era's.
    pub form: SbForm,
}

/// One XFR line, typed. Fields borrow from the input; [`into_owned`](Xfr::into_owned) makes a
/// `'static` copy.
///
/// `Display` writes the value in its own shape, whatever the version (without CRLF);
/// [`write_to`](Xfr::write_to) writes it for one version and refuses what that version cannot
/// say.
///
/// ```
/// use msnp_xfr::{parse, Auth, SbForm, Version, Xfr};
///
/// let line = b"XFR 10 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308\r\n";
/// let Xfr::Sb(sb) = parse(line, Version::MSNP8).unwrap() else { panic!() };
/// assert_eq!(sb.trid.0, 10);
/// assert_eq!(sb.server.host.as_str(), "207.46.108.37");
/// assert_eq!(sb.auth.param().unwrap().as_str(), "17262740.1050826919.32308");
/// assert_eq!(sb.form, SbForm::Classic);
/// ```
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "kebab-case"))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Xfr<'a> {
    /// The client asks for a server: `XFR TrID SB` or `XFR TrID NS`.
    Request(Request),
    /// A referral to a Notification Server.
    Ns(NsReferral<'a>),
    /// A referral to a Switchboard.
    Sb(SbReferral<'a>),
    /// `XFR 0 NS 0`: forget the server type and restart login on this server from `VER`.
    #[cfg_attr(feature = "serde", serde(rename = "reset"))]
    SoftReset,
}

/// The short name of each [`Xfr`] variant: `"request"`, `"ns"`, `"sb"`, `"reset"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum XfrKind {
    /// [`Xfr::Request`].
    Request,
    /// [`Xfr::Ns`].
    Ns,
    /// [`Xfr::Sb`].
    Sb,
    /// [`Xfr::SoftReset`].
    Reset,
}

impl XfrKind {
    /// `"request"`, `"ns"`, `"sb"` or `"reset"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            XfrKind::Request => "request",
            XfrKind::Ns => "ns",
            XfrKind::Sb => "sb",
            XfrKind::Reset => "reset",
        }
    }
}

impl fmt::Display for XfrKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl<'a> Xfr<'a> {
    /// The transaction id (0 for a soft reset).
    pub fn trid(&self) -> TrId {
        match self {
            Xfr::Request(r) => r.trid,
            Xfr::Ns(ns) => ns.trid,
            Xfr::Sb(sb) => sb.trid,
            Xfr::SoftReset => TrId(0),
        }
    }

    /// Which variant this is.
    pub fn kind(&self) -> XfrKind {
        match self {
            Xfr::Request(_) => XfrKind::Request,
            Xfr::Ns(_) => XfrKind::Ns,
            Xfr::Sb(_) => XfrKind::Sb,
            Xfr::SoftReset => XfrKind::Reset,
        }
    }

    /// Field 2: `NS` or `SB` (a soft reset is an `NS` line).
    pub fn server_type(&self) -> ServerType {
        match self {
            Xfr::Request(r) => r.server,
            Xfr::Ns(_) | Xfr::SoftReset => ServerType::Ns,
            Xfr::Sb(_) => ServerType::Sb,
        }
    }

    /// The server the line refers the client to, for referrals.
    pub fn server(&self) -> Option<&Address<'a>> {
        match self {
            Xfr::Ns(ns) => Some(&ns.server),
            Xfr::Sb(sb) => Some(&sb.server),
            Xfr::Request(_) | Xfr::SoftReset => None,
        }
    }

    /// A copy that owns all its text, so it outlives the input buffer.
    ///
    /// ```
    /// use msnp_xfr::{parse, Version, Xfr};
    ///
    /// let owned: Xfr<'static> = {
    ///     let line = String::from("XFR 3 NS 207.46.106.145:1863 0\r\n");
    ///     parse(line.as_bytes(), Version::MSNP5).unwrap().into_owned()
    /// };
    /// assert_eq!(owned.to_string(), "XFR 3 NS 207.46.106.145:1863 0");
    /// ```
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> Xfr<'static> {
        match self {
            Xfr::Request(r) => Xfr::Request(r),
            Xfr::SoftReset => Xfr::SoftReset,
            Xfr::Ns(ns) => Xfr::Ns(NsReferral {
                trid: ns.trid,
                server: ns.server.into_owned(),
                form: match ns.form {
                    NsForm::Bare => NsForm::Bare,
                    NsForm::Zero => NsForm::Zero,
                    NsForm::Current(a) => NsForm::Current(a.into_owned()),
                    NsForm::UD => NsForm::UD,
                    NsForm::Hop(h) => NsForm::Hop(h.into_owned()),
                    NsForm::Gateway(h) => NsForm::Gateway(h.into_owned()),
                },
            }),
            Xfr::Sb(sb) => Xfr::Sb(SbReferral {
                trid: sb.trid,
                server: sb.server.into_owned(),
                auth: match sb.auth {
                    Auth::Cki(t) => Auth::Cki(t.into_owned()),
                    Auth::Ctp => Auth::Ctp,
                    Auth::Md5(t) => Auth::Md5(t.into_owned()),
                },
                form: sb.form,
            }),
        }
    }
}
