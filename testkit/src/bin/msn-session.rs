//! The scripted client of `msnp_xfr_testkit::client` as a program, for recording captures:
//! `msn-session DISPATCH_ADDRESS VERSION... [--split] [--polite]` runs one session per version in
//! turn (`--polite`: without the malformed request) and
//! prints what it received; it exits 1 at the first failure.

use std::process::ExitCode;

use msnp_xfr::Version;
use msnp_xfr_testkit::client::{Options, session};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().any(|a| a == "--split");
    let polite = args.iter().any(|a| a == "--polite");
    let mut rest = args.iter().filter(|a| !a.starts_with("--"));
    let Some(Ok(dispatch)) = rest.next().map(|a| a.parse()) else {
        eprintln!("usage: msn-session DISPATCH_ADDRESS VERSION... [--split] [--polite]");
        return ExitCode::from(2);
    };
    for v in rest {
        let Ok(version) = v.parse::<Version>() else {
            eprintln!("msn-session: {v:?} is no version");
            return ExitCode::from(2);
        };
        match session(dispatch, version, Options { split, polite }) {
            Ok(seen) => seen.iter().for_each(|line| println!("{version} {line}")),
            Err(e) => {
                eprintln!("msn-session: {version}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
