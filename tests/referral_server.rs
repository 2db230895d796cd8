//! `examples/referral_server.rs` over real TCP on 127.0.0.1: a scripted client logs in at each
//! of nine versions, follows every referral, and reads every XFR with the strict parser of its
//! version.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use msnp_xfr::Version;
use msnp_xfr_testkit::client::{Options, session};

/// The example's binary, which `cargo test` builds with the tests (built here if it was not).
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile
        .join("examples")
        .join(format!("referral_server{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "--example", "referral_server"])
            .status()
            .unwrap();
        assert!(status.success());
    }
    path
}

/// A running server and its three addresses; killed when dropped.
struct Server {
    child: Child,
    dispatch: SocketAddr,
    notification: SocketAddr,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(example())
            .args(args)
            .args(["--seconds", "120"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut addr = |name: &str| -> SocketAddr {
            let line = lines.next().unwrap().unwrap();
            let (n, a) = line.split_once(' ').unwrap();
            assert_eq!(n, name);
            a.parse().unwrap()
        };
        let dispatch = addr("dispatch");
        let notification = addr("notification");
        addr("switchboard");
        Server {
            child,
            dispatch,
            notification,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const VERSIONS: [u8; 9] = [2, 5, 8, 11, 12, 13, 15, 18, 21];

#[test]
fn every_version_follows_its_referrals() {
    let server = Server::start(&[]);
    for n in VERSIONS {
        let v = Version::new(n).unwrap();
        let seen =
            session(server.dispatch, v, Options::default()).unwrap_or_else(|e| panic!("{v}: {e}"));
        let ns = server.notification;
        let referral = &seen[2];
        let expected_ns = match n {
            2 => format!("dispatch: XFR 3 NS {ns}"),
            3..=6 => format!("dispatch: XFR 3 NS {ns} 0"),
            7..=12 => format!("dispatch: XFR 3 NS {ns} 0 {}", server.dispatch),
            13..=20 => format!("dispatch: XFR 3 NS {ns} U D"),
            _ => format!("dispatch: XFR 3 NS {ns} U D VmVyc2lvbjogMQ0KWGZyQ291bnQ6IDENCg=="),
        };
        assert_eq!(referral, &expected_ns, "{v}");
        let sb = seen
            .iter()
            .find(|l| l.starts_with("notification: XFR 11 SB"))
            .unwrap();
        let tail = match n {
            ..=12 => "",
            13 => " U messenger.msn.com",
            _ => " U messenger.msn.com 1",
        };
        assert!(
            sb.ends_with(&format!(".1050826919.32308{tail}")),
            "{v}: {sb}"
        );
        assert_eq!(seen.last().unwrap(), "switchboard: 911 1");
    }
}

#[test]
fn split_writes_and_a_client_gone_mid_line_lose_nothing() {
    let server = Server::start(&["--split"]);
    // A client that goes away in the middle of a line.
    let mut gone = TcpStream::connect(server.notification).unwrap();
    gone.write_all(b"VER 1 MSNP1").unwrap();
    drop(gone);
    for n in [8, 18] {
        let v = Version::new(n).unwrap();
        session(
            server.dispatch,
            v,
            Options {
                split: true,
                polite: false,
            },
        )
        .unwrap_or_else(|e| panic!("{v}: {e}"));
    }
}
