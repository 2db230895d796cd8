//! `serde` support (feature `serde`): `Serialize` for every value, `Deserialize` producing owned
//! values whose fields are checked exactly as the parser checks them.
//!
//! The shape is part of the crate's stable interface:
//!
//! | type | shape |
//! |------|-------|
//! | [`Version`] | `"MSNP13"` (deserializes from `"MSNP13"` or `"13"`) |
//! | [`VersionSet`] | `["MSNP13", "MSNP14"]` |
//! | [`TrId`](crate::TrId), [`Port`] | a number |
//! | [`Host`], [`Token`], [`HopBlob`] | a string, as on the wire |
//! | [`Address`](crate::Address) | `{"host": "10.0.0.1", "port": 1863}` (`port` may be `null`) |
//! | [`ServerType`](crate::ServerType) | `"NS"` or `"SB"` |
//! | [`Auth`](crate::Auth) | `{"CKI": "cookie"}`, `"CTP"`, `{"MD5": "salt"}` |
//! | [`NsForm`](crate::NsForm) | `"bare"`, `"zero"`, `{"current": address}`, `"ud"`, `{"hop": "…"}`, `{"gateway": "…"}` |
//! | [`SbForm`](crate::SbForm) | `"classic"`, `"domain"`, `{"direct": true}` |
//! | [`Xfr`](crate::Xfr) | an object tagged by `"kind"`: `{"kind": "request", "trid": 1, "server": "SB"}`, `{"kind": "reset"}`, `{"kind": "ns", "trid", "server": address, "form"}`, `{"kind": "sb", "trid", "server": address, "auth", "form"}` |
//! | [`Deviation`] | its short name, `"missing-port"` |
//! | [`Deviations`] | an array of names |
//!
//! ```
//! use msnp_xfr::{parse, Version, Xfr};
//!
//! let xfr = parse(b"XFR 10 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308", Version::MSNP8)?;
//! let json = serde_json::to_string(&xfr).unwrap();
//! assert_eq!(
//!     json,
//!     r#"{"kind":"sb","trid":10,"server":{"host":"207.46.108.37","port":1863},"auth":{"CKI":"17262740.1050826919.32308"},"form":"classic"}"#
//! );
//! let back: Xfr<'static> = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, xfr);
//! # Ok::<(), msnp_xfr::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::deviation::{Deviation, Deviations};
use crate::value::{HopBlob, Host, Port, Token};
use crate::version::{Version, VersionSet};

macro_rules! text_serde {
    ($($name:ident),*) => {$(
        impl Serialize for $name<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de, 'a> Deserialize<'de> for $name<'a> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::new(&text)
                    .map(|checked| checked.into_owned())
                    .map_err(de::Error::custom)
            }
        }
    )*};
}

text_serde!(Host, Token, HopBlob);

impl Serialize for Port {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.get())
    }
}

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Port::new(u16::deserialize(d)?).ok_or_else(|| de::Error::custom("port 0 is not a port"))
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(de::Error::custom)
    }
}

impl Serialize for VersionSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for v in self.iter() {
            seq.serialize_element(&v)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for VersionSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Version>::deserialize(d)?.into_iter().collect())
    }
}

impl Serialize for Deviation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Deviation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Deviation::from_name(&name)
            .ok_or_else(|| de::Error::custom(alloc::format!("unknown deviation {name:?}")))
    }
}

impl Serialize for Deviations {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for dev in self.iter() {
            seq.serialize_element(&dev)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Deviations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Names;
        impl<'de> Visitor<'de> for Names {
            type Value = Deviations;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of deviation names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Deviations, A::Error> {
                let mut set = Deviations::NONE;
                while let Some(dev) = seq.next_element::<Deviation>()? {
                    set.insert(dev);
                }
                Ok(set)
            }
        }
        d.deserialize_seq(Names)
    }
}
