//! # msnp-xfr
//!
//! A zero-copy, sans-I/O codec for the MSN Messenger protocol's `XFR` command, MSNP2 through
//! MSNP21: read a line into a typed [`Xfr`], strictly or leniently, ask which protocol versions
//! allow it, write it back for a version, and find XFRs in captured traffic.
//!
//! ## Parse a line
//!
//! [`parse`] reads one line with the documented grammar of the negotiated [`Version`]. Fields
//! borrow from the input; the error names the field and the byte offset.
//!
//! ```
//! use msnp_xfr::{parse, Error, Field, Version, Xfr};
//!
//! let xfr = parse(b"XFR 10 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308\r\n", Version::MSNP8)?;
//! let Xfr::Sb(sb) = &xfr else { unreachable!() };
//! assert_eq!(sb.server.host.as_str(), "207.46.108.37");
//! assert_eq!(sb.server.port_or_default().get(), 1863);
//!
//! let err = parse(b"XFR 10 SB 207.46.108.37:0 CKI 1.2", Version::MSNP8).unwrap_err();
//! assert!(matches!(err, Error::OutOfRange { field: Field::Port, offset: 24, .. }));
//! # Ok::<(), msnp_xfr::Error>(())
//! ```
//!
//! ## Parse leniently and read the deviations
//!
//! Real servers sent lines the documentation does not allow. [`parse_lenient`] takes them and
//! says what was off; lines missing fields or carrying garbage are still errors.
//!
//! ```
//! use msnp_xfr::{parse_lenient, Deviation, Version};
//!
//! let p = parse_lenient(b"XFR 2 NS 64.4.12.133  0\n", Version::MSNP3)?;
//! assert_eq!(
//!     p.deviations.iter().collect::<Vec<_>>(),
//!     [Deviation::ExtraWhitespace, Deviation::BareLineFeed, Deviation::MissingPort]
//! );
//! # Ok::<(), msnp_xfr::Error>(())
//! ```
//!
//! ## Ask which versions a line belongs to
//!
//! The version rules live in one place; [`Xfr::legal_versions`] asks them.
//!
//! ```
//! use msnp_xfr::{parse_with, Mode};
//!
//! let p = parse_with(b"XFR 5 NS 10.0.0.5:1863 0 10.0.0.1:1863", Mode::Strict, None)?;
//! assert_eq!(p.xfr.legal_versions().to_string(), "MSNP7–MSNP12");
//! # Ok::<(), msnp_xfr::Error>(())
//! ```
//!
//! ## Write for a version
//!
//! [`Xfr::write_to`] writes the canonical line and refuses what the version cannot say;
//! `Display` writes any value in its own shape.
//!
//! ```
//! use msnp_xfr::{parse, Version};
//!
//! let line = b"XFR 6 NS 207.46.106.118:1863 U D\r\n";
//! let xfr = parse(line, Version::MSNP15)?;
//! let mut out = Vec::new();
//! xfr.write_to(Version::MSNP15, &mut out)?;
//! assert_eq!(out, line);
//! assert!(xfr.write_to(Version::MSNP21, &mut out).is_err(), "MSNP21 needs the hop blob");
//! # Ok::<(), msnp_xfr::Error>(())
//! ```
//!
//! ## Decode a stream
//!
//! [`Decoder`] frames one direction of a connection, skips payloads, and hands out [`Event`]s.
//!
//! ```
//! use msnp_xfr::{Decoder, DecoderConfig, Direction, Event, Step};
//!
//! let mut decoder = Decoder::new(DecoderConfig::new(Direction::ServerToClient));
//! let bytes = b"MSG Hotmail Hotmail 4\r\nbodyXFR 0 NS 0\r\n";
//! let Step::Event { consumed, .. } = decoder.decode(bytes) else { panic!() };
//! let Step::Event { event: Event::Xfr { result, .. }, .. } = decoder.decode(&bytes[consumed..]) else {
//!     panic!()
//! };
//! assert_eq!(result?.xfr.to_string(), "XFR 0 NS 0");
//! # Ok::<(), msnp_xfr::Error>(())
//! ```
//!
//! ## Follow a connection
//!
//! [`Connection`] takes both directions' bytes: each line is framed, classified and parsed
//! once, with the version the `VER` exchange fixed.
//!
//! ```
//! use msnp_xfr::{Connection, ConnectionEvent, Direction, Mode, Observation, Step, Version};
//!
//! let mut conn = Connection::new(Mode::Lenient);
//! for (direction, bytes) in [
//!     (Direction::ClientToServer, &b"VER 1 MSNP13 CVR0\r\n"[..]),
//!     (Direction::ServerToClient, b"VER 1 MSNP13 CVR0\r\nXFR 0 NS 10.0.0.9:1863 U D\r\n"),
//! ] {
//!     let mut buf = bytes;
//!     while let Step::Event { event, consumed } = conn.decode(direction, buf) {
//!         if let ConnectionEvent::Line { observation: Observation::Xfr { version, .. }, .. } = event {
//!             assert_eq!(version, Some(Version::MSNP13));
//!         }
//!         buf = &buf[consumed..];
//!     }
//! }
//! assert_eq!(conn.version(), None, "a referral ends what is known");
//! ```
//!
//! ## Follow a session
//!
//! [`Session`] learns the version from `VER`, matches replies and numeric errors to pending
//! requests, and forgets the version on referrals: for lines that come one at a time, as in a
//! text log.
//!
//! ```
//! use msnp_xfr::{Direction::*, Mode, Observation, Session, Version};
//!
//! let mut session = Session::new(Mode::Lenient);
//! let mut errors = 0;
//! for (direction, line) in [
//!     (ClientToServer, &b"VER 1 MSNP13 CVR0"[..]),
//!     (ServerToClient, b"VER 1 MSNP13 CVR0"),
//!     (ClientToServer, b"XFR 2 SB"),
//!     (ServerToClient, b"913 2"),
//! ] {
//!     if let Observation::XfrErrorReply { reply, version, .. } = session.observe(Some(direction), line) {
//!         assert_eq!((reply.code.0, version), (913, Some(Version::MSNP13)));
//!         errors += 1;
//!     }
//! }
//! assert_eq!(errors, 1);
//! ```
//!
//! ## What is where
//!
//! - Reading a line: [`parse`], [`parse_lenient`], [`parse_with`] (each takes bytes or text),
//!   giving an [`Xfr`] (or a [`Parsed`] with its [`Deviations`]) or an [`Error`] that names the
//!   [`Field`] and byte offset.
//! - The values: [`Xfr`] and its field types, which check their own invariants so that every
//!   value can be written; [`Xfr::legal_versions`] asks the version rules, which live in one
//!   place; [`Xfr::translate`] carries a referral to another version.
//! - Writing: [`Xfr::write_to`], [`Xfr::write_into`] a caller's buffer, and the builders
//!   ([`SbReferralBuilder`], [`NsReferralBuilder`]) for a server making referrals.
//! - Following traffic: [`Decoder`] frames one direction and skips payloads, [`Session`] judges
//!   text lines against the version their `VER` exchange fixed, [`Connection`] joins both
//!   directions' decoders and the session. Log and capture formats are the business of the
//!   `msnp-inspect` tool beside this crate.
//!
//! nom is used inside and never appears in the API.
//!
//! ## Features
//!
//! - `std` (default): `std::error::Error` for [`Error`]; implies `alloc`.
//! - `alloc`: [`Xfr::into_owned`], [`Xfr::write_to`], [`HopBlob::encode`].
//! - `serde`: `Serialize` for every value, `Deserialize` for owned values
//!   (shape documented in `serde_impls`).
//! - `arbitrary`: `Arbitrary` for every value type, generating valid values only.
//!
//! Without default features the crate is `#![no_std]` with no allocator: parsing, version
//! rules, the decoder, `Display`, and [`Xfr::write_into`] a caller's buffer.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

// The source, for contributors: `field` is the grammar of each field (host, port, token, hop
// blob, numbers), shared by the value types and the readers and depending on nothing but the
// error type; `value` the types; `rules` the version rules; `syntax` the readers
// (`syntax::fast` reads lines already in the strict grammar in one pass, `syntax::general` is
// the whole grammar as nom parsers, with exact errors and lenient deviations); `write` and
// `build` writing; `command`, `stream`, `session` and `connection` captured traffic.

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod build;
mod command;
mod connection;
mod deviation;
mod error;
mod field;
mod hop;
mod rules;
#[cfg(feature = "serde")]
pub mod serde_impls;
mod session;
mod stream;
mod syntax;
mod translate;
mod value;
mod version;
mod write;

pub use build::{NsReferralBuilder, Refusal, SbReferralBuilder};
pub use command::{
    Announced, Direction, ErrorCode, ErrorReply, MAX_PAYLOAD_COMMANDS, PayloadCommands,
};
pub use connection::{Connection, ConnectionEvent};
pub use deviation::{Deviation, Deviations};
pub use error::{Error, Field};
pub use field::MAX_TOKEN_LEN;
pub use hop::HopHeaders;
pub use session::{MAX_PENDING, Observation, Session, parse_from};
pub use stream::{DEFAULT_MAX_LINE, DEFAULT_MAX_PAYLOAD, Decoder, DecoderConfig, Event, Step};
pub use syntax::{Mode, Parsed, parse, parse_lenient, parse_with};
pub use translate::{Change, Changes, Fill, Translated};
pub use value::{
    Address, Auth, HopBlob, Host, NsForm, NsReferral, Port, Request, SbForm, SbReferral,
    ServerType, Token, TrId, Xfr, XfrKind,
};
pub use version::{ParseVersionError, Version, VersionSet, VersionSetIter};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
