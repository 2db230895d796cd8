//! The MSNP21 hop blob as data: the headers it carries, written into a blob and read back.
//!
//! A hop blob is base64 of `Version: 1\r\nXfrCount: N\r\n`, sometimes with more headers
//! (`XfrSentUTCTime: …`, `IsGeoXfr: true`); the client echoes it back on the next server.

use core::fmt;

use crate::error::{Error, Field};
use crate::value::HopBlob;

/// The headers of a hop blob.
///
/// ```
/// use msnp_xfr::{HopBlob, HopHeaders};
///
/// let headers = HopHeaders { is_geo_xfr: Some(true), ..HopHeaders::new(2) };
/// let blob = HopBlob::from_headers(&headers)?;
/// let mut buf = [0u8; 128];
/// assert_eq!(blob.headers(&mut buf)?, headers);
/// # Ok::<(), msnp_xfr::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HopHeaders<'a> {
    /// `Version:` (always 1 in the traffic seen).
    pub version: u32,
    /// `XfrCount:`, how many referrals the client has followed.
    pub xfr_count: u32,
    /// `XfrSentUTCTime:`, as written (the reference gives no format).
    pub sent_utc_time: Option<&'a str>,
    /// `IsGeoXfr:`, `true` or `false`.
    pub is_geo_xfr: Option<bool>,
}

impl HopHeaders<'static> {
    /// `Version: 1` and `XfrCount: xfr_count`, nothing else.
    pub const fn new(xfr_count: u32) -> Self {
        HopHeaders {
            version: 1,
            xfr_count,
            sent_utc_time: None,
            is_geo_xfr: None,
        }
    }
}

impl fmt::Display for HopHeaders<'_> {
    /// The headers as the blob carries them, each ending in CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Version: {}\r\nXfrCount: {}\r\n",
            self.version, self.xfr_count
        )?;
        if let Some(time) = self.sent_utc_time {
            write!(f, "XfrSentUTCTime: {time}\r\n")?;
        }
        if let Some(geo) = self.is_geo_xfr {
            write!(f, "IsGeoXfr: {geo}\r\n")?;
        }
        Ok(())
    }
}

fn bad_headers(expected: &'static str) -> Error {
    Error::Invalid {
        field: Field::HopBlob,
        offset: 0,
        expected,
    }
}

impl HopHeaders<'_> {
    /// A time the blob can carry and give back: printable ASCII, no space at either end.
    #[cfg(feature = "alloc")]
    fn check(&self) -> Result<(), Error> {
        if let Some(time) = self.sent_utc_time {
            let printable = time.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
            if time.is_empty() || !printable || time.trim() != time {
                return Err(bad_headers(
                    "an XfrSentUTCTime of printable ASCII without surrounding spaces",
                ));
            }
        }
        Ok(())
    }
}

impl HopBlob<'_> {
    /// The blob carrying `headers`.
    ///
    /// Refuses a time the blob could not give back as it was (not printable ASCII, or with
    /// spaces around it) and headers whose base64 passes [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN).
    #[cfg(feature = "alloc")]
    pub fn from_headers(headers: &HopHeaders<'_>) -> Result<HopBlob<'static>, Error> {
        use core::fmt::Write as _;
        headers.check()?;
        let mut text = alloc::string::String::new();
        // Writing into a String cannot fail.
        let _ = write!(text, "{headers}");
        HopBlob::encode(text.as_bytes())
    }

    /// The headers the blob carries, decoded into `buf` (which must hold
    /// [`decoded_len`](HopBlob::decoded_len) bytes). Headers other than the four known ones are
    /// passed over; `Version` and `XfrCount` must be there.
    pub fn headers<'b>(&self, buf: &'b mut [u8]) -> Result<HopHeaders<'b>, Error> {
        let needed = self.decoded_len();
        let decoded = self.decode(buf).ok_or(Error::BufferTooSmall { needed })?;
        let text = core::str::from_utf8(decoded).map_err(|_| bad_headers("UTF-8 headers"))?;
        let mut version = None;
        let mut xfr_count = None;
        let mut headers: HopHeaders<'b> = HopHeaders::new(0);
        for line in text.split("\r\n").filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once(':')
                .ok_or(bad_headers("`Name: value` header lines"))?;
            let value = value.trim();
            let number = || {
                value
                    .parse::<u32>()
                    .map_err(|_| bad_headers("a decimal number"))
            };
            match name.trim() {
                "Version" => version = Some(number()?),
                "XfrCount" => xfr_count = Some(number()?),
                "XfrSentUTCTime" => headers.sent_utc_time = Some(value),
                "IsGeoXfr" => {
                    headers.is_geo_xfr = Some(match value {
                        "true" => true,
                        "false" => false,
                        _ => return Err(bad_headers("IsGeoXfr: true or false")),
                    })
                }
                _ => {}
            }
        }
        headers.version = version.ok_or(bad_headers("a Version header"))?;
        headers.xfr_count = xfr_count.ok_or(bad_headers("an XfrCount header"))?;
        Ok(headers)
    }
}
