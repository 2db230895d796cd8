//! Builders for expected values in the table tests: versions, addresses and values from
//! literals that are known to be valid.

use msnp_xfr::{
    Address, Auth, HopBlob, Host, NsForm, NsReferral, Port, Request, SbForm, SbReferral,
    ServerType, Token, TrId, Version, VersionSet, Xfr,
};

pub fn v(n: u8) -> Version {
    Version::new(n).expect("test uses a known version")
}

pub fn vs(first: u8, last: u8) -> VersionSet {
    VersionSet::range(v(first), v(last))
}

pub fn addr(host: &'static str, port: Option<u16>) -> Address<'static> {
    Address::new(
        Host::new(host).unwrap(),
        port.map(|p| Port::new(p).unwrap()),
    )
}

pub fn hop(text: &'static str) -> HopBlob<'static> {
    HopBlob::new(text).unwrap()
}

pub fn token(text: &'static str) -> Token<'static> {
    Token::new(text).unwrap()
}

pub fn request(trid: u32, server: ServerType) -> Xfr<'static> {
    Xfr::Request(Request {
        trid: TrId(trid),
        server,
    })
}

pub fn ns(trid: u32, server: Address<'static>, form: NsForm<'static>) -> Xfr<'static> {
    Xfr::Ns(NsReferral {
        trid: TrId(trid),
        server,
        form,
    })
}

pub fn sb(trid: u32, server: Address<'static>, auth: Auth<'static>, form: SbForm) -> Xfr<'static> {
    Xfr::Sb(SbReferral {
        trid: TrId(trid),
        server,
        auth,
        form,
    })
}

pub const HOP1: &str = "VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg==";
