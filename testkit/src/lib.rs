//! What msnp-xfr's tests, benchmarks and fuzz targets share, in one unpublished crate:
//!
//! - [`build`]: values from literals known to be valid, for expected results in tables;
//! - [`feed`]: a decoder fed chunk by chunk as a network reader would, and streams generated
//!   from fuzzer bytes;
//! - [`check`]: what must hold of every line the crate reads (round trips, strict ⊂ lenient);
//! - [`client`]: a scripted client for the example referral server, over real sockets;
//! - [`corpus`]: the deterministic lines and streams the benchmarks measure;
//! - [`pcap`]: crafted TCP conversations written as pcap and pcapng files.

pub mod bigcap;
pub mod build;
pub mod check;
pub mod client;
pub mod corpus;
pub mod feed;
pub mod pcap;

pub use build::*;
