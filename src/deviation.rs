//! What lenient parsing tolerated: departures of real traffic from the documented grammar.

use core::fmt;

/// One way a line departed from the strict grammar, tolerated by lenient parsing.
///
/// The short [`name`](Deviation::name)s are stable and meant for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Deviation {
    /// Spaces or tabs before the command.
    LeadingWhitespace,
    /// A run of spaces, or a tab, between fields.
    ExtraWhitespace,
    /// Spaces or tabs after the last field.
    TrailingWhitespace,
    /// The line ends in LF alone instead of CRLF.
    BareLineFeed,
    /// An address without `:port` (clients then use 1863).
    MissingPort,
    /// A number written with leading zeros (`007`).
    LeadingZeros,
    /// The fields are the shape of another protocol version than the one negotiated
    /// (an MSNP2–MSNP12 SB line from an MSNP18 server, say).
    OtherVersion,
    /// Advisory, not a departure: an `XFR SB` referral in MSNP21, which the documentation still
    /// allows but MSNP21 clients never receive in practice (switchboards were replaced).
    SwitchboardInMsnp21,
    /// The fields are of different versions, and no one version allows them together
    /// (`CTP` with MSNP13's `U messenger.msn.com`, a gateway referral with a TrID other than 0).
    MixedVersions,
}

impl Deviation {
    const ALL: [Deviation; 9] = [
        Deviation::LeadingWhitespace,
        Deviation::ExtraWhitespace,
        Deviation::TrailingWhitespace,
        Deviation::BareLineFeed,
        Deviation::MissingPort,
        Deviation::LeadingZeros,
        Deviation::OtherVersion,
        Deviation::SwitchboardInMsnp21,
        Deviation::MixedVersions,
    ];

    /// A short, stable, kebab-case name: `"missing-port"`.
    pub const fn name(self) -> &'static str {
        match self {
            Deviation::LeadingWhitespace => "leading-whitespace",
            Deviation::ExtraWhitespace => "extra-whitespace",
            Deviation::TrailingWhitespace => "trailing-whitespace",
            Deviation::BareLineFeed => "bare-lf",
            Deviation::MissingPort => "missing-port",
            Deviation::LeadingZeros => "leading-zeros",
            Deviation::OtherVersion => "other-version",
            Deviation::SwitchboardInMsnp21 => "sb-in-msnp21",
            Deviation::MixedVersions => "mixed-versions",
        }
    }

    /// The deviation with this [`name`](Deviation::name).
    ///
    /// ```
    /// use msnp_xfr::Deviation;
    /// assert_eq!(Deviation::from_name("bare-lf"), Some(Deviation::BareLineFeed));
    /// assert_eq!(Deviation::from_name("bogus"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Deviation> {
        Deviation::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Whether this is only a note about a line the strict grammar accepts
    /// ([`SwitchboardInMsnp21`](Deviation::SwitchboardInMsnp21)).
    pub const fn is_advisory(self) -> bool {
        matches!(self, Deviation::SwitchboardInMsnp21)
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The set of [`Deviation`]s found in one line; `Copy`, no allocation.
///
/// ```
/// use msnp_xfr::{parse_lenient, Deviation, Version};
///
/// let parsed = parse_lenient(b"XFR 2 NS 64.4.12.133  0\n", Version::MSNP3).unwrap();
/// let found: Vec<Deviation> = parsed.deviations.iter().collect();
/// assert_eq!(
///     found,
///     [Deviation::ExtraWhitespace, Deviation::BareLineFeed, Deviation::MissingPort]
/// );
/// assert_eq!(parsed.deviations.to_string(), "extra-whitespace, bare-lf, missing-port");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Deviations(u16);

impl Deviations {
    /// No deviation.
    pub const NONE: Deviations = Deviations(0);

    /// Adds `d` to the set.
    pub fn insert(&mut self, d: Deviation) {
        self.0 |= d.bit();
    }

    /// Whether `d` is in the set.
    pub const fn contains(self, d: Deviation) -> bool {
        self.0 & d.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many deviations the set holds.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the line met the strict grammar: no deviation but advisory ones.
    pub fn is_strict(self) -> bool {
        self.iter().all(Deviation::is_advisory)
    }

    /// The deviations in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Deviation> + Clone {
        Deviation::ALL
            .into_iter()
            .filter(move |d| self.contains(*d))
    }
}

impl FromIterator<Deviation> for Deviations {
    fn from_iter<I: IntoIterator<Item = Deviation>>(iter: I) -> Self {
        let mut set = Deviations::NONE;
        for d in iter {
            set.insert(d);
        }
        set
    }
}

impl fmt::Display for Deviations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(d.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Deviations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}
