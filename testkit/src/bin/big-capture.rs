//! Writes a large pcap for msnp-inspect's speed and memory benchmark (see
//! [`msnp_xfr_testkit::bigcap`]).
//!
//! ```text
//! cargo run --release -p msnp-xfr-testkit --bin big-capture -- OUT.pcap MEGABYTES
//! ```

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, megabytes) = match args.as_slice() {
        [p, m] => (p.clone(), m.parse::<u64>().expect("a size in megabytes")),
        _ => panic!("usage: big-capture OUT.pcap MEGABYTES"),
    };
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    msnp_xfr_testkit::bigcap::write(&mut out, megabytes << 20)?;
    out.flush()
}
