//! Writing XFR lines: the canonical form of a value, for one version ([`Xfr::write_to`],
//! [`Xfr::write_into`]) or in the value's own shape (`Display`).
//!
//! One function, [`emit`], knows the field order; the outputs differ only in where the bytes go.

use core::fmt;

use crate::command::ErrorReply;
use crate::error::{Error, Field};
use crate::field::{MAX_HOST_LEN, MAX_TOKEN_LEN};
use crate::rules;
use crate::value::{Address, Auth, NsForm, SbForm, Xfr};
use crate::version::Version;

/// Where [`emit`] puts bytes.
trait Sink {
    type Err;
    fn put(&mut self, bytes: &[u8]) -> Result<(), Self::Err>;
}

#[cfg(feature = "alloc")]
impl Sink for alloc::vec::Vec<u8> {
    type Err = core::convert::Infallible;
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), Self::Err> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// A caller's buffer: writes what fits and counts everything, so a short buffer reports the
/// length it would have needed.
struct SliceSink<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl Sink for SliceSink<'_> {
    type Err = core::convert::Infallible;
    fn put(&mut self, bytes: &[u8]) -> Result<(), Self::Err> {
        let end = self.len + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
        Ok(())
    }
}

/// Counts the bytes a line needs.
struct CountSink(usize);

impl Sink for CountSink {
    type Err = core::convert::Infallible;
    fn put(&mut self, bytes: &[u8]) -> Result<(), Self::Err> {
        self.0 += bytes.len();
        Ok(())
    }
}

/// The longest line any value can write, CRLF included: an SB referral with the longest TrID,
/// host, port and cookie and MSNP14's tail. (The longest NS line, `… G D hop`, is 26 bytes
/// shorter.)
const MAX_LINE_LEN: usize = "XFR 4294967295 SB ".len()
    + MAX_HOST_LEN
    + ":65535 CKI ".len()
    + MAX_TOKEN_LEN
    + " U messenger.msn.com 1\r\n".len();

struct FmtSink<'f, 'g>(&'f mut fmt::Formatter<'g>);

impl Sink for FmtSink<'_, '_> {
    type Err = fmt::Error;
    fn put(&mut self, bytes: &[u8]) -> Result<(), fmt::Error> {
        // Every field type holds checked ASCII, so this never fails; if it did, it would be a
        // formatting error, not a panic.
        self.0
            .write_str(core::str::from_utf8(bytes).map_err(|_| fmt::Error)?)
    }
}

/// "00" to "99", so decimal digits are written two at a time.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `n` in decimal.
#[inline]
fn put_u32<S: Sink>(out: &mut S, mut n: u32) -> Result<(), S::Err> {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    out.put(&digits[i..])
}

#[inline]
fn put_address<S: Sink>(out: &mut S, address: &Address<'_>) -> Result<(), S::Err> {
    out.put(address.host.as_bytes())?;
    if let Some(port) = address.port {
        out.put(b":")?;
        put_u32(out, u32::from(port.get()))?;
    }
    Ok(())
}

/// The value's canonical line, without CRLF, in its own shape.
fn emit<S: Sink>(xfr: &Xfr<'_>, out: &mut S) -> Result<(), S::Err> {
    out.put(b"XFR ")?;
    put_u32(out, xfr.trid().0)?;
    match xfr {
        // `trid()` is 0 for a soft reset: `XFR 0 NS 0`.
        Xfr::SoftReset => out.put(b" NS 0")?,
        Xfr::Request(request) => {
            out.put(b" ")?;
            out.put(request.server.as_str().as_bytes())?;
        }
        Xfr::Ns(ns) => {
            out.put(b" NS ")?;
            put_address(out, &ns.server)?;
            match &ns.form {
                NsForm::Bare => {}
                NsForm::Zero => out.put(b" 0")?,
                NsForm::Current(current) => {
                    out.put(b" 0 ")?;
                    put_address(out, current)?;
                }
                NsForm::UD => out.put(b" U D")?,
                NsForm::Hop(hop) => {
                    out.put(b" U D ")?;
                    out.put(hop.as_bytes())?;
                }
                NsForm::Gateway(hop) => {
                    out.put(b" G D ")?;
                    out.put(hop.as_bytes())?;
                }
            }
        }
        Xfr::Sb(sb) => {
            out.put(b" SB ")?;
            put_address(out, &sb.server)?;
            match &sb.auth {
                Auth::Cki(cookie) => {
                    out.put(b" CKI ")?;
                    out.put(cookie.as_bytes())?;
                }
                Auth::Md5(salt) => {
                    out.put(b" MD5 ")?;
                    out.put(salt.as_bytes())?;
                }
                Auth::Ctp => out.put(b" CTP")?,
            }
            match sb.form {
                SbForm::Classic => {}
                SbForm::Domain => out.put(b" U messenger.msn.com")?,
                SbForm::Direct(direct) => {
                    out.put(if direct {
                        b" U messenger.msn.com 1"
                    } else {
                        b" U messenger.msn.com 0"
                    })?;
                }
            }
        }
    }
    Ok(())
}

impl Xfr<'_> {
    /// Appends the canonical line for `version`, CRLF included, to `out`.
    ///
    /// Refuses — with [`Error::NotWritable`], and nothing written — a value that `version`'s
    /// grammar cannot produce (see [`legal_versions`](Xfr::legal_versions)). For every line
    /// [`parse`](crate::parse) accepts, `parse` then `write_to` gives back the same bytes.
    ///
    /// ```
    /// use msnp_xfr::{parse, Error, Version};
    ///
    /// let line = b"XFR 14 SB 207.46.108.38:1863 CKI 1743299.2458.33 U messenger.msn.com 1\r\n";
    /// let xfr = parse(line, Version::MSNP15).unwrap();
    /// let mut out = Vec::new();
    /// xfr.write_to(Version::MSNP15, &mut out).unwrap();
    /// assert_eq!(out, line);
    ///
    /// let err = xfr.write_to(Version::MSNP13, &mut out).unwrap_err();
    /// assert!(matches!(err, Error::NotWritable { index: 8, .. }));
    /// assert_eq!(out.len(), line.len(), "nothing written on error");
    /// ```
    #[cfg(feature = "alloc")]
    pub fn write_to(&self, version: Version, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        rules::check_writable(self, version).map_err(|v| v.write_error(version))?;
        let Ok(()) = emit(self, out);
        out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Writes the canonical line for `version`, CRLF included, at the start of `buf` and returns
    /// its length — for callers without a heap. Errors as [`write_to`](Xfr::write_to) does, or
    /// with [`Error::BufferTooSmall`] saying how many bytes the line needs; on error `buf` is
    /// left as it was.
    ///
    /// ```
    /// use msnp_xfr::{parse, Version};
    ///
    /// let xfr = parse(b"XFR 3 NS 207.46.106.145:1863 0", Version::MSNP5).unwrap();
    /// let mut buf = [0u8; 64];
    /// let n = xfr.write_into(Version::MSNP5, &mut buf).unwrap();
    /// assert_eq!(&buf[..n], b"XFR 3 NS 207.46.106.145:1863 0\r\n");
    /// ```
    pub fn write_into(&self, version: Version, buf: &mut [u8]) -> Result<usize, Error> {
        rules::check_writable(self, version).map_err(|v| v.write_error(version))?;
        // A buffer that may be too short is measured first, so that nothing is written on
        // error; one that fits any line is written straight away.
        if buf.len() < MAX_LINE_LEN {
            let mut count = CountSink(0);
            let Ok(()) = emit(self, &mut count);
            let needed = count.0 + 2;
            if needed > buf.len() {
                return Err(Error::BufferTooSmall { needed });
            }
        }
        let mut sink = SliceSink { buf, len: 0 };
        let Ok(()) = emit(self, &mut sink);
        let Ok(()) = sink.put(b"\r\n");
        Ok(sink.len)
    }
}

/// The canonical line in the value's own shape, without CRLF, whatever the version — values
/// read leniently included (a missing port stays missing).
impl fmt::Display for Xfr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        emit(self, &mut FmtSink(f))
    }
}

impl ErrorReply {
    /// The reply line `CODE TrID` without CRLF, after checking that the code is the three
    /// digits a reader takes for a numeric reply.
    fn emit<S: Sink>(&self, out: &mut S) -> Result<Result<(), S::Err>, Error> {
        if !(100..=999).contains(&self.code.0) {
            return Err(Error::OutOfRange {
                field: Field::ReplyCode,
                offset: 0,
                range: "100..=999",
            });
        }
        Ok((|| {
            put_u32(out, u32::from(self.code.0))?;
            out.put(b" ")?;
            put_u32(out, self.trid.0)
        })())
    }

    /// Appends the reply line, CRLF included, to `out`: what a server sends to refuse a request
    /// (see [`Refusal`](crate::Refusal)). A code outside 100–999, which no reader would take for
    /// a numeric reply, is refused and nothing is written.
    ///
    /// ```
    /// use msnp_xfr::{ErrorCode, ErrorReply, TrId};
    ///
    /// let mut out = Vec::new();
    /// ErrorReply { code: ErrorCode(913), trid: TrId(12) }.write_to(&mut out)?;
    /// assert_eq!(out, b"913 12\r\n");
    /// # Ok::<(), msnp_xfr::Error>(())
    /// ```
    #[cfg(feature = "alloc")]
    pub fn write_to(&self, out: &mut alloc::vec::Vec<u8>) -> Result<(), Error> {
        let Ok(()) = self.emit(out)?;
        out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Writes the reply line, CRLF included, at the start of `buf` and returns its length; on
    /// error `buf` is left as it was.
    pub fn write_into(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut count = CountSink(0);
        let Ok(()) = self.emit(&mut count)?;
        let needed = count.0 + 2;
        if needed > buf.len() {
            return Err(Error::BufferTooSmall { needed });
        }
        let mut sink = SliceSink { buf, len: 0 };
        let Ok(()) = self.emit(&mut sink)?;
        let Ok(()) = sink.put(b"\r\n");
        Ok(sink.len)
    }
}

/// `CODE TrID`, without CRLF (and whatever the code).
impl fmt::Display for ErrorReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code.0, self.trid)
    }
}
