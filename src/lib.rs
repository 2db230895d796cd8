//! # msnp-xfr
//!
//! A zero-copy, sans-I/O codec for the MSN Messenger protocol's `XFR` command, MSNP2 through
//! MSNP21: read a line into a typed [`Xfr`], strictly or leniently, ask which protocol versions
//! allow it, and write it back for a version.
//!
//! ```
//! use msnp_xfr::{parse, parse_lenient, Deviation, Version, Xfr};
//!
//! // Strict: exactly the documented grammar of the negotiated version.
//! let line = b"XFR 10 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308\r\n";
//! let xfr = parse(line, Version::MSNP8)?;
//! let Xfr::Sb(sb) = &xfr else { unreachable!() };
//! assert_eq!(sb.server.port_or_default().get(), 1863);
//! assert_eq!(xfr.legal_versions().to_string(), "MSNP2–MSNP12");
//!
//! // Write it back for a version (refused where that version's grammar cannot say it).
//! let mut out = Vec::new();
//! xfr.write_to(Version::MSNP8, &mut out)?;
//! assert_eq!(out, line);
//! assert!(xfr.write_to(Version::MSNP13, &mut out).is_err());
//!
//! // Lenient: what real servers sent, with a report of what was off.
//! let p = parse_lenient(b"XFR 2 NS 64.4.12.133 0\n", Version::MSNP3)?;
//! assert!(p.deviations.contains(Deviation::MissingPort));
//! # Ok::<(), msnp_xfr::Error>(())
//! ```
//!
//! Where things live: [`syntax`](crate::parse) reads lines, `rules` holds the version rules (the
//! one place that says which shape is legal when), `write` writes, and the value types
//! ([`Xfr`] and its fields) check their own invariants so that every value can be written.
//!
//! Features: `std` (default) adds `std::error::Error`; `alloc` (in `std`) adds
//! [`Xfr::into_owned`] and [`Xfr::write_to`]. Without them the crate is `no_std`: parsing,
//! version rules, `Display` and [`Xfr::write_into`] a caller's buffer.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod command;
mod deviation;
mod error;
mod rules;
#[cfg(feature = "serde")]
pub mod serde_impls;
mod session;
mod stream;
mod syntax;
mod transcript;
mod value;
mod version;
mod write;

pub use command::{Direction, ErrorCode, ErrorReply, MAX_PAYLOAD_COMMANDS, PayloadCommands};
pub use deviation::{Deviation, Deviations};
pub use error::{Error, Field};
pub use session::{MAX_PENDING, Observation, Session};
pub use stream::{DEFAULT_MAX_LINE, Decoder, DecoderConfig, Event, Step};
pub use syntax::{MAX_TOKEN_LEN, Mode, Parsed, parse, parse_lenient, parse_with};
pub use transcript::{Transcript, TranscriptLine, split_prefix};
pub use value::{
    Address, Auth, HopBlob, Host, NsForm, NsReferral, Port, Request, SbForm, SbReferral,
    ServerType, Token, TrId, Xfr, XfrKind,
};
pub use version::{ParseVersionError, Version, VersionSet, VersionSetIter};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
