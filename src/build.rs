//! What a server sends: referrals built in the shape of the negotiated version, and the numeric
//! replies that refuse a request.
//!
//! The builders ask for what a referral says in every era (TrID, address, cookie) and take the
//! era-specific inputs as options (the current server, the hop blob, the direct-connect flag, the
//! gateway form). [`build`](SbReferralBuilder::build) picks the shape the version's grammar
//! has, using only what that era needs; an input the era needs and was not given, or one that
//! asks for a form the era lacks, is [`Error::Unbuildable`] naming the input and the versions
//! for which the inputs given would build. What a builder builds always writes, and strictly
//! parses back, in the version it was built for.

use crate::command::{ErrorCode, ErrorReply};
use crate::error::{Error, Field};
use crate::value::{
    Address, Auth, HopBlob, NsForm, NsReferral, Request, SbForm, SbReferral, ServerType, Token,
    TrId, Xfr,
};
use crate::version::{Version, VersionSet};

/// The versions for which `build` succeeds.
fn buildable<T>(build: impl Fn(Version) -> Result<T, Unbuilt>) -> VersionSet {
    Version::all().filter(|&v| build(v).is_ok()).collect()
}

/// Why one version cannot be built, before the versions that could are known.
#[derive(Debug, Clone, Copy)]
struct Unbuilt {
    field: Field,
    missing: bool,
}

const fn unbuilt(field: Field, missing: bool) -> Unbuilt {
    Unbuilt { field, missing }
}

impl Unbuilt {
    fn error(self, version: Version, legal: VersionSet) -> Error {
        Error::Unbuildable {
            field: self.field,
            version,
            legal,
            missing: self.missing,
        }
    }
}

/// The address's port, which every version's strict grammar writes.
fn with_port(address: &Address<'_>) -> Result<(), Unbuilt> {
    match address.port {
        Some(_) => Ok(()),
        None => Err(unbuilt(Field::Port, true)),
    }
}

/// Builds the referral a Notification Server sends in answer to `XFR TrID SB`.
///
/// ```
/// use msnp_xfr::{Address, SbReferral, Token, Version};
///
/// let server: Address = "10.0.0.7:1864".parse()?;
/// let cookie = Token::new("17262740.1050826919.32308")?;
/// let referral = SbReferral::builder(10, server, cookie);
/// for (version, line) in [
///     (Version::MSNP8, "XFR 10 SB 10.0.0.7:1864 CKI 17262740.1050826919.32308"),
///     (Version::MSNP13, "XFR 10 SB 10.0.0.7:1864 CKI 17262740.1050826919.32308 U messenger.msn.com"),
///     (Version::MSNP18, "XFR 10 SB 10.0.0.7:1864 CKI 17262740.1050826919.32308 U messenger.msn.com 1"),
/// ] {
///     assert_eq!(referral.build(version)?.to_string(), line);
/// }
/// # Ok::<(), msnp_xfr::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbReferralBuilder<'a> {
    trid: TrId,
    server: Address<'a>,
    auth: Auth<'a>,
    direct: bool,
}

impl<'a> SbReferral<'a> {
    /// A builder for the referral answering request `trid`: the switchboard `server` (with its
    /// port) and the `cookie` the client presents there.
    pub fn builder(
        trid: impl Into<TrId>,
        server: Address<'a>,
        cookie: Token<'a>,
    ) -> SbReferralBuilder<'a> {
        SbReferral::builder_with(trid, server, Auth::Cki(cookie))
    }

    /// A builder with any authentication method.
    pub(crate) fn builder_with(
        trid: impl Into<TrId>,
        server: Address<'a>,
        auth: Auth<'a>,
    ) -> SbReferralBuilder<'a> {
        SbReferralBuilder {
            trid: trid.into(),
            server,
            auth,
            direct: true,
        }
    }
}

impl<'a> SbReferralBuilder<'a> {
    /// The MSNP14+ direct-connect flag: `true` (the default, as servers send) when the
    /// switchboard is reachable by direct TCP, `false` when only through the HTTP gateway.
    pub fn direct(mut self, direct: bool) -> Self {
        self.direct = direct;
        self
    }

    /// Another authentication method in place of the cookie: `CTP` or `MD5 salt`, which only
    /// MSNP2–MSNP11 can say.
    pub fn auth(mut self, auth: Auth<'a>) -> Self {
        self.auth = auth;
        self
    }

    fn shape(&self, version: Version) -> Result<Xfr<'a>, Unbuilt> {
        with_port(&self.server)?;
        let n = version.number();
        if !matches!(self.auth, Auth::Cki(_)) && n > 11 {
            return Err(unbuilt(Field::AuthMethod, false));
        }
        let form = match n {
            ..=12 => SbForm::Classic,
            13 => SbForm::Domain,
            _ => SbForm::Direct(self.direct),
        };
        Ok(Xfr::Sb(SbReferral {
            trid: self.trid,
            server: self.server.clone(),
            auth: self.auth.clone(),
            form,
        }))
    }

    /// The referral in `version`'s shape.
    pub fn build(&self, version: Version) -> Result<Xfr<'a>, Error> {
        self.shape(version)
            .map_err(|e| e.error(version, self.legal_versions()))
    }

    /// The versions [`build`](SbReferralBuilder::build) builds for, with these inputs.
    pub fn legal_versions(&self) -> VersionSet {
        buildable(|v| self.shape(v))
    }
}

/// Builds a referral to another Notification Server: the answer to the client's `USR` on a
/// dispatch server, or a server-initiated move.
///
/// Only what the version needs is used: the current server (MSNP7–MSNP12), the hop blob
/// (MSNP21); the gateway form (`G D`, MSNP21) is asked for with
/// [`gateway`](NsReferralBuilder::gateway).
///
/// ```
/// use msnp_xfr::{Address, Error, Field, NsReferral, Version};
///
/// let next: Address = "10.0.0.9:1863".parse()?;
/// let here: Address = "10.0.0.1:1863".parse()?;
/// let referral = NsReferral::builder(3, next).current(here).hop_count(2)?;
/// assert_eq!(referral.build(Version::MSNP2)?.to_string(), "XFR 3 NS 10.0.0.9:1863");
/// assert_eq!(referral.build(Version::MSNP9)?.to_string(), "XFR 3 NS 10.0.0.9:1863 0 10.0.0.1:1863");
/// assert_eq!(referral.build(Version::MSNP15)?.to_string(), "XFR 3 NS 10.0.0.9:1863 U D");
/// assert_eq!(
///     referral.build(Version::MSNP21)?.to_string(),
///     "XFR 3 NS 10.0.0.9:1863 U D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDINCg=="
/// );
///
/// // Without the current server, MSNP7–MSNP12 cannot be said.
/// let bare = NsReferral::builder(3, "10.0.0.9:1863".parse()?);
/// assert!(matches!(
///     bare.build(Version::MSNP8),
///     Err(Error::Unbuildable { field: Field::CurrentServer, missing: true, .. })
/// ));
/// # Ok::<(), msnp_xfr::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsReferralBuilder<'a> {
    trid: TrId,
    server: Address<'a>,
    current: Option<Address<'a>>,
    hop: Option<HopBlob<'a>>,
    gateway: bool,
}

impl<'a> NsReferral<'a> {
    /// A builder for a referral to the Notification Server `server` (with its port), answering
    /// `trid` (0 when the server starts the move).
    pub fn builder(trid: impl Into<TrId>, server: Address<'a>) -> NsReferralBuilder<'a> {
        NsReferralBuilder {
            trid: trid.into(),
            server,
            current: None,
            hop: None,
            gateway: false,
        }
    }
}

impl<'a> NsReferralBuilder<'a> {
    /// The server the client is on now, which MSNP7–MSNP12 referrals name.
    pub fn current(mut self, current: Address<'a>) -> Self {
        self.current = Some(current);
        self
    }

    /// The hop blob MSNP21 referrals carry.
    pub fn hop(mut self, hop: HopBlob<'a>) -> Self {
        self.hop = Some(hop);
        self
    }

    /// The hop blob of this referral's place in a chain: `Version: 1`, `XfrCount: count`.
    #[cfg(feature = "alloc")]
    pub fn hop_count(self, count: u32) -> Result<Self, Error> {
        let headers = crate::hop::HopHeaders::new(count);
        Ok(self.hop(HopBlob::from_headers(&headers)?))
    }

    /// The MSNP21 move to an HTTP gateway, `XFR 0 NS host:port G D hop-blob`: server-initiated,
    /// so the TrID must be 0.
    pub fn gateway(mut self) -> Self {
        self.gateway = true;
        self
    }

    fn shape(&self, version: Version) -> Result<Xfr<'a>, Unbuilt> {
        with_port(&self.server)?;
        let n = version.number();
        let hop = || self.hop.clone().ok_or(unbuilt(Field::HopBlob, true));
        let form = if self.gateway {
            if self.trid != TrId(0) {
                return Err(unbuilt(Field::TrId, false));
            }
            if n != 21 {
                return Err(unbuilt(Field::ReferralMarker, false));
            }
            NsForm::Gateway(hop()?)
        } else {
            match n {
                2 => NsForm::Bare,
                3..=6 => NsForm::Zero,
                7..=12 => {
                    let current = self
                        .current
                        .clone()
                        .ok_or(unbuilt(Field::CurrentServer, true))?;
                    with_port(&current)?;
                    NsForm::Current(current)
                }
                13..=20 => NsForm::UD,
                _ => NsForm::Hop(hop()?),
            }
        };
        Ok(Xfr::Ns(NsReferral {
            trid: self.trid,
            server: self.server.clone(),
            form,
        }))
    }

    /// The referral in `version`'s shape.
    pub fn build(&self, version: Version) -> Result<Xfr<'a>, Error> {
        self.shape(version)
            .map_err(|e| e.error(version, self.legal_versions()))
    }

    /// The versions [`build`](NsReferralBuilder::build) builds for, with these inputs.
    pub fn legal_versions(&self) -> VersionSet {
        buildable(|v| self.shape(v))
    }
}

impl Xfr<'static> {
    /// The client's request `XFR TrID SB` or `XFR TrID NS`, the same in every version.
    pub const fn request(trid: u32, server: ServerType) -> Self {
        Xfr::Request(Request {
            trid: TrId(trid),
            server,
        })
    }

    /// The soft reset `XFR 0 NS 0`, the same in every version.
    pub const fn soft_reset() -> Self {
        Xfr::SoftReset
    }
}

/// Why a server refuses an XFR request: each a numeric reply (`913 12`).
///
/// ```
/// use msnp_xfr::{Refusal, Version};
///
/// let reply = Refusal::Hidden.reply(12);
/// assert_eq!(reply.to_string(), "913 12");
/// assert!(Refusal::Hidden.versions().unwrap().contains(Version::MSNP12));
/// assert!(!Refusal::Hidden.versions().unwrap().contains(Version::MSNP13));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// 913: the client has not gone online yet (no `CHG` so far).
    NotOnline,
    /// 913: the user is hidden (`HDN`).
    Hidden,
    /// 800: requests come too fast.
    RateLimited,
    /// 911: authentication failed, on the `USR` → `XFR` path.
    AuthFailed,
    /// 201: `XFR TrID NS` asked of a server that only hands out switchboards.
    NsNotOffered,
    /// 280: the switchboard failed.
    SwitchboardFailed,
    /// 281: the transfer to the switchboard failed.
    TransferFailed,
    /// 500: internal server error.
    InternalError,
    /// 600: server busy.
    ServerBusy,
    /// 601: server unavailable.
    ServerUnavailable,
}

impl Refusal {
    /// Every refusal.
    pub const ALL: [Refusal; 10] = [
        Refusal::NotOnline,
        Refusal::Hidden,
        Refusal::RateLimited,
        Refusal::AuthFailed,
        Refusal::NsNotOffered,
        Refusal::SwitchboardFailed,
        Refusal::TransferFailed,
        Refusal::InternalError,
        Refusal::ServerBusy,
        Refusal::ServerUnavailable,
    ];

    /// The numeric code.
    pub const fn code(self) -> ErrorCode {
        match self {
            Refusal::NotOnline | Refusal::Hidden => ErrorCode::NOT_WHILE_HIDDEN,
            Refusal::RateLimited => ErrorCode::RATE_LIMITED,
            Refusal::AuthFailed => ErrorCode::AUTH_FAILED,
            Refusal::NsNotOffered => ErrorCode::INVALID_PARAMETER,
            Refusal::SwitchboardFailed => ErrorCode::SWITCHBOARD_FAILED,
            Refusal::TransferFailed => ErrorCode::TRANSFER_FAILED,
            Refusal::InternalError => ErrorCode::INTERNAL_ERROR,
            Refusal::ServerBusy => ErrorCode::SERVER_BUSY,
            Refusal::ServerUnavailable => ErrorCode::SERVER_UNAVAILABLE,
        }
    }

    /// The versions in which a server answered XFR so, where the protocol reference says (as
    /// observed on a revival server): 913 before the first `CHG` in every version, 913 while
    /// hidden only below MSNP13, 201 to `XFR TrID NS` in every version. `None` where the
    /// reference gives the code without versions.
    pub fn versions(self) -> Option<VersionSet> {
        match self {
            Refusal::NotOnline | Refusal::NsNotOffered => Some(VersionSet::ALL),
            Refusal::Hidden => Some(VersionSet::range(Version::MSNP2, Version::MSNP12)),
            _ => None,
        }
    }

    /// The reply refusing request `trid`.
    pub fn reply(self, trid: impl Into<TrId>) -> ErrorReply {
        ErrorReply {
            code: self.code(),
            trid: trid.into(),
        }
    }
}
