//! # msnp-inspect
//!
//! Finds every MSN Messenger `XFR` — the command that sends a client to its next server — in
//! the packet captures and text logs people have, and decodes it with [`msnp_xfr`]. The binary
//! `msnp-inspect` is a thin layer over this library.
//!
//! - [`logs`]: the log formats, detected from the text, read into protocol lines with their
//!   direction, connection, time and line number;
//! - [`follow`]: one session per connection of a log, so each line is judged against the
//!   version its connection's `VER` exchange fixed;
//! - [`capture`]: pcap and pcapng files, their packets, TCP segments and connections, each fed
//!   to msnp-xfr's `Connection`; [`reassembly`] puts a TCP direction back in order, [`gateway`]
//!   takes MSNP out of the HTTP gateway's requests and responses;
//! - [`record`]: what is reported of each XFR and XFR error reply;
//! - [`report`]: one input's records, written as a table or JSON Lines as they become final;
//! - [`cli`]: the command line.
//!
//! ```
//! use msnp_inspect::follow::{self, Judging};
//! use msnp_inspect::logs::{self, Format};
//! use msnp_xfr::Mode;
//!
//! let log = b"(12:00:01) msn: C: NS 000: VER 1 MSNP15 CVR0\n\
//!             (12:00:01) msn: S: NS 000: VER 1 MSNP15 CVR0\n\
//!             (12:00:02) dns: resolving sb.example.net\n\
//!             (12:00:05) msn: C: NS 000: XFR 12 SB\n\
//!             (12:00:05) msn: S: NS 000: 800 12\n";
//! assert_eq!(logs::detect(log), Some(Format::Purple));
//! let judging = Judging { mode: Mode::Lenient, version: None };
//! let report = follow::log("pidgin.log", log, Format::Purple, judging);
//! let kinds: Vec<_> = report
//!     .records
//!     .iter()
//!     .map(|r| (r.origin.line, r.kind_name(), r.expand(&report).code))
//!     .collect();
//! assert_eq!(kinds, [(Some(4), "request", None), (Some(5), "error-reply", Some(800))]);
//! assert_eq!(report.label(report.records[1].origin.conn.unwrap()), "NS 000");
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod capture;
pub mod cli;
pub mod follow;
pub mod gateway;
pub mod input;
pub mod logs;
pub mod reassembly;
pub mod record;
pub mod report;
