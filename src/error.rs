//! The crate's one error type, and the names of the fields it points at.

use core::fmt;

use crate::version::{Version, VersionSet};

/// A field of an XFR line, as named in errors.
///
/// Fields are also numbered in errors the way the protocol documentation counts them: the
/// command `XFR` is field 0, the TrID field 1, `NS`/`SB` field 2, the address field 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// Field 0, the command: `XFR`.
    Command,
    /// Field 1, the transaction id.
    TrId,
    /// Field 2, the server type: `NS` or `SB`.
    ServerType,
    /// The server address (`host:port`), field 3; also the MSNP7–MSNP12 current server.
    Address,
    /// The host part of an address.
    Host,
    /// The port part of an address.
    Port,
    /// NS field 4: `0` (MSNP3–MSNP12), `U` (MSNP13–MSNP21) or `G` (MSNP21 gateway).
    ReferralMarker,
    /// NS field 5: the current server (MSNP7–MSNP12) or the constant `D` (MSNP13–MSNP21).
    CurrentServer,
    /// NS field 6 (MSNP21): the base64 hop blob.
    HopBlob,
    /// SB field 4: the authentication method, `CKI`, `CTP` or `MD5`.
    AuthMethod,
    /// SB field 5: the cookie (`CKI`) or salt (`MD5`).
    AuthParam,
    /// SB (MSNP13+): the constant `U` after the cookie.
    SbMarker,
    /// SB (MSNP13+): the constant domain `messenger.msn.com`.
    Domain,
    /// SB (MSNP14+): the direct-connect flag, `0` or `1`.
    Direct,
    /// The end of the line: CRLF, or the end of the bytes given.
    LineEnd,
    /// The code of a numeric reply (`913` in `913 12`).
    ReplyCode,
}

impl Field {
    /// The field's name as it appears in error messages: `"direct-connect flag"`.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Command => "command",
            Field::TrId => "TrID",
            Field::ServerType => "server type",
            Field::Address => "address",
            Field::Host => "host",
            Field::Port => "port",
            Field::ReferralMarker => "referral marker",
            Field::CurrentServer => "current server",
            Field::HopBlob => "hop blob",
            Field::AuthMethod => "auth method",
            Field::AuthParam => "auth parameter",
            Field::SbMarker => "`U` marker",
            Field::Domain => "domain",
            Field::Direct => "direct-connect flag",
            Field::LineEnd => "line end",
            Field::ReplyCode => "reply code",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Everything that can go wrong reading or writing an XFR line.
///
/// Every variant that comes from reading a line carries the byte `offset` in that line where the
/// problem starts, and most name the [`Field`]. Version errors also say which versions the line
/// would have been legal in.
///
/// ```
/// use msnp_xfr::{parse, Error, Field, Version, VersionSet};
///
/// let line = b"XFR 7 SB 10.0.0.1:1863 CKI 17.1.2 U messenger.msn.com 1\r\n";
/// let err = parse(line, Version::MSNP13).unwrap_err();
/// assert_eq!(
///     err,
///     Error::Version {
///         field: Field::Direct,
///         index: 8,
///         offset: 54,
///         version: Version::MSNP13,
///         legal: VersionSet::range(Version::MSNP14, Version::MSNP21),
///         missing: false,
///     }
/// );
/// assert_eq!(
///     err.to_string(),
///     "field 8 (direct-connect flag) at byte 54 is not allowed in MSNP13; \
///      this line is legal in MSNP14–MSNP21"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The line ends where a required field should start.
    #[error("{field} missing at byte {offset}")]
    Missing {
        /// The field that is missing.
        field: Field,
        /// Where it should have started (the end of the line).
        offset: usize,
    },
    /// A field holds something its grammar does not allow.
    #[error("{field} at byte {offset} is invalid: expected {expected}")]
    Invalid {
        /// The field.
        field: Field,
        /// The first byte that does not fit.
        offset: usize,
        /// What the grammar wanted there.
        expected: &'static str,
    },
    /// A number is outside the range its field allows.
    #[error("{field} at byte {offset} is out of range (allowed: {range})")]
    OutOfRange {
        /// The field.
        field: Field,
        /// Where the number starts.
        offset: usize,
        /// The allowed range, e.g. `"1..=65535"`.
        range: &'static str,
    },
    /// A number has a leading zero (strict mode only; lenient mode reports a deviation).
    #[error("{field} at byte {offset} has a leading zero")]
    LeadingZero {
        /// The field.
        field: Field,
        /// Where the number starts.
        offset: usize,
    },
    /// A field is longer than this crate accepts.
    #[error("{field} at byte {offset} is longer than {max} bytes")]
    TooLong {
        /// The field.
        field: Field,
        /// Where the field starts.
        offset: usize,
        /// The most bytes the field may have.
        max: usize,
    },
    /// Strict mode: whitespace other than one space between fields.
    #[error("unexpected whitespace at byte {offset} (strict mode allows one space between fields)")]
    Whitespace {
        /// The offending space or tab.
        offset: usize,
    },
    /// A CR or LF that does not end the line as the mode allows.
    #[error("unexpected line end at byte {offset}")]
    LineEnd {
        /// The offending CR or LF.
        offset: usize,
    },
    /// More fields after the last field of the form the line started.
    #[error("unexpected data at byte {offset} after the last field")]
    TrailingData {
        /// Where the extra data starts.
        offset: usize,
    },
    /// The line is well-formed but the field at `index` is not legal in `version`.
    #[error(
        "field {index} ({field}) at byte {offset} is {} {version}; this line is legal in {legal}",
        if *missing { "required in" } else { "not allowed in" }
    )]
    Version {
        /// The first field whose presence or shape does not fit `version`.
        field: Field,
        /// Its position in the line (the command is field 0).
        index: u8,
        /// Where it starts (the end of the line when it is missing).
        offset: usize,
        /// The version the line was read for.
        version: Version,
        /// The versions in which the line is legal.
        legal: VersionSet,
        /// `true` when `version` requires a field the line lacks.
        missing: bool,
    },
    /// A form outside MSNP2–MSNP21, such as MSNP24's `XFR TrID CON length` with its XML payload.
    #[error(
        "unsupported form `XFR … {form}` at byte {offset} (MSNP24 and later; not MSNP2–MSNP21)"
    )]
    Unsupported {
        /// The server-type field that names the form, e.g. `"CON"`.
        form: &'static str,
        /// Where that field starts.
        offset: usize,
    },
    /// The writer was asked to write a value in a version whose grammar cannot produce it.
    #[error(
        "cannot write for {version}: field {index} ({field}) is {} {version}; the value is legal in {legal}",
        if *missing { "required in" } else { "not allowed in" }
    )]
    NotWritable {
        /// The first field that does not fit `version`.
        field: Field,
        /// Its position in the written line.
        index: u8,
        /// The version asked for.
        version: Version,
        /// The versions in which the value can be written.
        legal: VersionSet,
        /// `true` when `version` requires a field the value lacks.
        missing: bool,
    },
    /// A builder or a translation was asked for a line `version` cannot say with the inputs
    /// given: a required input is missing, or an input asks for a form the version lacks.
    #[error(
        "cannot build for {version}: the {field} is {}; with these inputs the line can be built for {legal}",
        if *missing { "required there" } else { "not allowed there" }
    )]
    Unbuildable {
        /// The input missing, or not allowed.
        field: Field,
        /// The version asked for.
        version: Version,
        /// The versions for which these inputs would build.
        legal: VersionSet,
        /// `true` when `version` needs an input that was not given.
        missing: bool,
    },
    /// The caller's output buffer is too small for the line.
    #[error("output buffer too small: the line needs {needed} bytes")]
    BufferTooSmall {
        /// How many bytes the whole line needs, CRLF included.
        needed: usize,
    },
}

impl Error {
    /// The byte offset in the line where the problem starts, for errors that come from reading.
    pub fn offset(&self) -> Option<usize> {
        self.clone().offset_mut().map(|offset| *offset)
    }

    /// The field the error is about, where there is one.
    pub fn field(&self) -> Option<Field> {
        match *self {
            Error::Missing { field, .. }
            | Error::Invalid { field, .. }
            | Error::OutOfRange { field, .. }
            | Error::LeadingZero { field, .. }
            | Error::TooLong { field, .. }
            | Error::Version { field, .. }
            | Error::NotWritable { field, .. }
            | Error::Unbuildable { field, .. } => Some(field),
            Error::Unsupported { .. } => Some(Field::ServerType),
            Error::LineEnd { .. } => Some(Field::LineEnd),
            Error::Whitespace { .. }
            | Error::TrailingData { .. }
            | Error::BufferTooSmall { .. } => None,
        }
    }

    /// A short, stable name for the kind of error: `"missing"`, `"version"`, …
    /// (for logs and machine-readable reports).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Missing { .. } => "missing",
            Error::Invalid { .. } => "invalid",
            Error::OutOfRange { .. } => "out-of-range",
            Error::LeadingZero { .. } => "leading-zero",
            Error::TooLong { .. } => "too-long",
            Error::Whitespace { .. } => "whitespace",
            Error::LineEnd { .. } => "line-end",
            Error::TrailingData { .. } => "trailing-data",
            Error::Version { .. } => "version",
            Error::Unsupported { .. } => "unsupported",
            Error::NotWritable { .. } => "not-writable",
            Error::Unbuildable { .. } => "unbuildable",
            Error::BufferTooSmall { .. } => "buffer-too-small",
        }
    }

    /// Moves the error's offset by `by` bytes: for callers that parsed a field or a line that
    /// starts `by` bytes into a larger buffer.
    pub(crate) fn shifted(mut self, by: usize) -> Error {
        if let Some(offset) = self.offset_mut() {
            *offset += by;
        }
        self
    }

    fn offset_mut(&mut self) -> Option<&mut usize> {
        match self {
            Error::Missing { offset, .. }
            | Error::Invalid { offset, .. }
            | Error::OutOfRange { offset, .. }
            | Error::LeadingZero { offset, .. }
            | Error::TooLong { offset, .. }
            | Error::Whitespace { offset }
            | Error::LineEnd { offset }
            | Error::TrailingData { offset }
            | Error::Version { offset, .. }
            | Error::Unsupported { offset, .. } => Some(offset),
            Error::NotWritable { .. }
            | Error::Unbuildable { .. }
            | Error::BufferTooSmall { .. } => None,
        }
    }
}
