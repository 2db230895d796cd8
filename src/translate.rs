//! Re-shaping a value for another version: what a proxy between an old client and a newer
//! server (or the other way round) does to the referrals it forwards.
//!
//! The value's content — TrID, server, cookie, and whatever era-specific fields it has — is built
//! again for the target version with the builders of [`crate::build`], so translation and
//! building can never disagree on what a version says. What the target needs and the value
//! lacks comes from a [`Fill`]; what the target cannot carry is dropped; both are reported as
//! [`Changes`].

use core::fmt;

use crate::error::Error;
use crate::value::{Address, HopBlob, NsForm, NsReferral, Port, SbForm, SbReferral, Xfr};
use crate::version::Version;

/// One thing translation added or dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Change {
    /// The MSNP7–MSNP12 current server was added.
    AddedCurrentServer,
    /// The current server was dropped.
    DroppedCurrentServer,
    /// The MSNP21 hop blob was added.
    AddedHopBlob,
    /// The hop blob was dropped.
    DroppedHopBlob,
    /// MSNP13+'s `U messenger.msn.com` was added to an SB referral.
    AddedDomain,
    /// `U messenger.msn.com` was dropped.
    DroppedDomain,
    /// The MSNP14+ direct-connect flag was added.
    AddedDirectFlag,
    /// The direct-connect flag was dropped.
    DroppedDirectFlag,
    /// An address without a port got 1863, which clients assume and every strict grammar writes.
    AddedPort,
}

impl Change {
    const ALL: [Change; 9] = [
        Change::AddedCurrentServer,
        Change::DroppedCurrentServer,
        Change::AddedHopBlob,
        Change::DroppedHopBlob,
        Change::AddedDomain,
        Change::DroppedDomain,
        Change::AddedDirectFlag,
        Change::DroppedDirectFlag,
        Change::AddedPort,
    ];

    /// A short, stable, kebab-case name: `"dropped-current-server"`.
    pub const fn name(self) -> &'static str {
        match self {
            Change::AddedCurrentServer => "added-current-server",
            Change::DroppedCurrentServer => "dropped-current-server",
            Change::AddedHopBlob => "added-hop-blob",
            Change::DroppedHopBlob => "dropped-hop-blob",
            Change::AddedDomain => "added-domain",
            Change::DroppedDomain => "dropped-domain",
            Change::AddedDirectFlag => "added-direct-flag",
            Change::DroppedDirectFlag => "dropped-direct-flag",
            Change::AddedPort => "added-port",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The set of [`Change`]s of one translation; `Copy`, no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Changes(u16);

impl Changes {
    /// No change.
    pub const NONE: Changes = Changes(0);

    /// Adds `c` to the set.
    pub fn insert(&mut self, c: Change) {
        self.0 |= c.bit();
    }

    /// Whether `c` is in the set.
    pub const fn contains(self, c: Change) -> bool {
        self.0 & c.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The changes in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Change> + Clone {
        Change::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl fmt::Display for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(c.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// `Version: 1`, `XfrCount: 1`: the hop blob of a first referral.
const FIRST_HOP: &[u8] = b"VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==";

/// What translation adds where the target version needs a field the value lacks.
///
/// The defaults ([`Fill::new`]): no current server (a translation that needs one without being
/// given one is an error: nothing else could know it), the hop blob of a first referral
/// (`Version: 1`, `XfrCount: 1`), and the direct-connect flag `1`, as servers send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fill<'a> {
    /// The server the client is on now, for MSNP7–MSNP12 NS referrals.
    pub current: Option<Address<'a>>,
    /// The hop blob for MSNP21 NS referrals.
    pub hop: HopBlob<'a>,
    /// The direct-connect flag for MSNP14+ SB referrals.
    pub direct: bool,
}

impl Fill<'static> {
    /// The documented defaults.
    pub fn new() -> Self {
        Fill {
            current: None,
            hop: HopBlob::trusted(FIRST_HOP),
            direct: true,
        }
    }
}

impl Default for Fill<'static> {
    fn default() -> Self {
        Fill::new()
    }
}

impl<'a> Fill<'a> {
    /// With the current server `current`.
    pub fn current(mut self, current: Address<'a>) -> Self {
        self.current = Some(current);
        self
    }

    /// With the hop blob `hop`.
    pub fn hop(mut self, hop: HopBlob<'a>) -> Self {
        self.hop = hop;
        self
    }

    /// With the direct-connect flag `direct`.
    pub fn direct(mut self, direct: bool) -> Self {
        self.direct = direct;
        self
    }
}

/// A value re-shaped for another version, and what that added or dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated<'a> {
    /// The value in the target version's shape.
    pub xfr: Xfr<'a>,
    /// What was added or dropped.
    pub changes: Changes,
}

/// An address with a port: 1863 where it had none.
fn ported<'a>(address: &Address<'a>, changes: &mut Changes) -> Address<'a> {
    let mut address = address.clone();
    if address.port.is_none() {
        address.port = Some(Port::DEFAULT);
        changes.insert(Change::AddedPort);
    }
    address
}

impl<'a> Xfr<'a> {
    /// This value in `to`'s shape: fields `to` needs and the value lacks come from `fill`;
    /// fields `to` cannot carry are dropped; both are reported. What `to` cannot say at all —
    /// `CTP` or `MD5` authentication after MSNP11, a gateway referral before MSNP21 — is
    /// [`Error::Unbuildable`].
    ///
    /// ```
    /// use msnp_xfr::{parse, Change, Fill, Version};
    ///
    /// // An MSNP15 server's referral, forwarded to an MSNP8 client, and back.
    /// let line = b"XFR 10 SB 10.0.0.7:1864 CKI 17.1.2 U messenger.msn.com 1";
    /// let new = parse(line, Version::MSNP15)?;
    /// let old = new.translate(Version::MSNP8, &Fill::new())?;
    /// assert_eq!(old.xfr.to_string(), "XFR 10 SB 10.0.0.7:1864 CKI 17.1.2");
    /// assert!(old.changes.contains(Change::DroppedDomain));
    /// assert!(old.changes.contains(Change::DroppedDirectFlag));
    /// let back = old.xfr.translate(Version::MSNP15, &Fill::new())?;
    /// assert_eq!(back.xfr, new);
    /// # Ok::<(), msnp_xfr::Error>(())
    /// ```
    pub fn translate(&self, to: Version, fill: &Fill<'a>) -> Result<Translated<'a>, Error> {
        let mut changes = Changes::NONE;
        let xfr = match self {
            Xfr::Request(_) | Xfr::SoftReset => self.clone(),
            Xfr::Ns(ns) => {
                let server = ported(&ns.server, &mut changes);
                let mut builder = NsReferral::builder(ns.trid, server);
                // The current server's port counts only if `to` keeps the current server:
                // noted once the built value says so.
                let mut current_changes = Changes::NONE;
                let (had_current, had_hop) = match &ns.form {
                    NsForm::Current(current) => {
                        builder = builder.current(ported(current, &mut current_changes));
                        (true, false)
                    }
                    NsForm::Hop(hop) => {
                        builder = builder.hop(hop.clone());
                        (false, true)
                    }
                    NsForm::Gateway(hop) => {
                        builder = builder.hop(hop.clone()).gateway();
                        (false, true)
                    }
                    _ => (false, false),
                };
                if !had_current {
                    if let Some(current) = &fill.current {
                        builder = builder.current(current.clone());
                    }
                }
                if !had_hop {
                    builder = builder.hop(fill.hop.clone());
                }
                let built = builder.build(to)?;
                let (has_current, has_hop) = match &built {
                    Xfr::Ns(ns) => (
                        matches!(ns.form, NsForm::Current(_)),
                        matches!(ns.form, NsForm::Hop(_) | NsForm::Gateway(_)),
                    ),
                    _ => (false, false),
                };
                if has_current {
                    changes.0 |= current_changes.0;
                }
                note(
                    &mut changes,
                    had_current,
                    has_current,
                    Change::AddedCurrentServer,
                    Change::DroppedCurrentServer,
                );
                note(
                    &mut changes,
                    had_hop,
                    has_hop,
                    Change::AddedHopBlob,
                    Change::DroppedHopBlob,
                );
                built
            }
            Xfr::Sb(sb) => {
                let server = ported(&sb.server, &mut changes);
                let had_direct = match sb.form {
                    SbForm::Direct(direct) => Some(direct),
                    _ => None,
                };
                let built = SbReferral::builder_with(sb.trid, server, sb.auth.clone())
                    .direct(had_direct.unwrap_or(fill.direct))
                    .build(to)?;
                let form = match &built {
                    Xfr::Sb(sb) => sb.form,
                    _ => SbForm::Classic,
                };
                let has_domain = |f: SbForm| !matches!(f, SbForm::Classic);
                let has_direct = |f: SbForm| matches!(f, SbForm::Direct(_));
                note(
                    &mut changes,
                    has_domain(sb.form),
                    has_domain(form),
                    Change::AddedDomain,
                    Change::DroppedDomain,
                );
                note(
                    &mut changes,
                    has_direct(sb.form),
                    has_direct(form),
                    Change::AddedDirectFlag,
                    Change::DroppedDirectFlag,
                );
                built
            }
        };
        Ok(Translated { xfr, changes })
    }
}

fn note(changes: &mut Changes, had: bool, has: bool, added: Change, dropped: Change) {
    match (had, has) {
        (false, true) => changes.insert(added),
        (true, false) => changes.insert(dropped),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_hop_is_what_it_says() {
        let hop = HopBlob::trusted(FIRST_HOP);
        let mut buf = [0u8; 64];
        assert_eq!(hop.headers(&mut buf), Ok(crate::hop::HopHeaders::new(1)));
    }
}
