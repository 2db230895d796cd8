//! Packet captures (pcap, pcapng): packets, then TCP segments, then connections followed as
//! MSNP or as the MSN HTTP gateway, in one streaming pass.
//!
//! - [`file`]: the capture file's packets (pcap-parser);
//! - [`packet`]: link layer, IP (fragments put back together) and TCP (etherparse);
//! - [`flow`]: each TCP connection reassembled (see [`crate::reassembly`]), told apart as MSNP
//!   or gateway traffic by its first lines, and fed to msnp-xfr's `Connection`.

pub mod file;
pub mod flow;
pub mod packet;

use std::io::Read;

use crate::follow::Judging;
use crate::report::{Input, Report};

/// Reads the capture `reader` (named `name`) and reports every XFR and XFR error reply in its
/// MSNP connections. `progress` is told how many bytes have been read.
pub fn read(
    name: &str,
    reader: impl Read + Send,
    ng: bool,
    judging: Judging,
    progress: impl FnMut(u64),
) -> Result<Report, String> {
    let mut tracker = flow::Tracker::new(Report::new(name, Input::Capture { ng }), judging);
    let mut last = (0, None);
    let problem = file::packets(
        reader,
        |packet| {
            last = (packet.frame, packet.time);
            tracker.packet(packet);
        },
        progress,
    )
    .map_err(|e| format!("{name}: {e}"))?;
    let mut report = tracker.finish_all(last.0, last.1);
    report.warning = problem.map(|p| p.to_string());
    Ok(report)
}
