//! Runs the `inspect` example (built by `cargo test` alongside the tests) on the shipped sample
//! and on stdin, and checks its JSON, its human output and its exit status.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const KEYS: [&str; 20] = [
    "line",
    "dir",
    "version",
    "ok",
    "kind",
    "trid",
    "server",
    "host",
    "port",
    "auth",
    "cookie",
    "current",
    "direct",
    "hop",
    "gateway",
    "code",
    "legal_in",
    "deviations",
    "canonical",
    "error",
];

fn inspect_binary() -> PathBuf {
    // target/<profile>/deps/inspect-<hash> → target/<profile>/examples/inspect
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir
        .join("examples")
        .join(format!("inspect{}", std::env::consts::EXE_SUFFIX));
    // A full `cargo test` builds examples; `cargo test --test inspect` does not.
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        if !path.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "--example", "inspect"])
                .status()
                .unwrap();
            assert!(status.success());
        }
    });
    assert!(path.exists(), "{} not built", path.display());
    path
}

fn inspect(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(inspect_binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn records(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn record_at(records: &[Value], line: u64) -> &Value {
    records
        .iter()
        .find(|r| r["line"] == line)
        .unwrap_or_else(|| panic!("no record for line {line}"))
}

#[test]
fn sample_json_has_every_xfr_with_exact_keys() {
    let out = inspect(&["--json"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records = records(&out);
    assert_eq!(records.len(), 28);
    for r in &records {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, KEYS);
        assert_eq!(r["ok"], true);
    }
    // The MSNP2 referral.
    let r = record_at(&records, 10);
    assert_eq!(r["version"], "MSNP2");
    assert_eq!(r["kind"], "ns");
    assert_eq!(r["canonical"], "XFR 3 NS 192.0.2.10:1863");
    assert_eq!(r["legal_in"], serde_json::json!(["MSNP2"]));
    // MSNP8: current server, then an SB referral answering a request.
    let r = record_at(&records, 18);
    assert_eq!(
        (&r["current"], &r["gateway"]),
        (&Value::from("192.0.2.10:1863"), &Value::from(false))
    );
    let r = record_at(&records, 31);
    assert_eq!(r["auth"], "CKI");
    assert_eq!(r["cookie"], "17262740.1050826919.32308");
    assert_eq!(r["port"], 1863);
    // The 913 reply to XFR 12 SB.
    let r = record_at(&records, 40);
    assert_eq!(
        (&r["kind"], &r["code"], &r["trid"], &r["server"], &r["dir"]),
        (
            &Value::from("error-reply"),
            &Value::from(913),
            &Value::from(12),
            &Value::from("SB"),
            &Value::from("S")
        )
    );
    // The soft reset, and the VER after it.
    assert_eq!(record_at(&records, 45)["kind"], "reset");
    assert_eq!(record_at(&records, 51)["version"], "MSNP13");
    // Deviations.
    assert_eq!(
        record_at(&records, 44)["deviations"],
        serde_json::json!(["extra-whitespace"])
    );
    assert_eq!(
        record_at(&records, 59)["deviations"],
        serde_json::json!(["other-version"])
    );
    let r = record_at(&records, 72);
    assert_eq!(r["deviations"], serde_json::json!(["missing-port"]));
    assert_eq!(
        (&r["port"], &r["direct"]),
        (&Value::Null, &Value::from(false))
    );
    assert_eq!(r["legal_in"], serde_json::json!([]));
    assert_eq!(
        record_at(&records, 74)["canonical"],
        "XFR 25 NS 192.0.2.13:1863 U D"
    );
    // MSNP21: hop blob, SB note, gateway.
    assert!(
        record_at(&records, 80)["hop"]
            .as_str()
            .unwrap()
            .starts_with("VmVyc2lvbjogMQ0K")
    );
    assert_eq!(
        record_at(&records, 84)["deviations"],
        serde_json::json!(["sb-in-msnp21"])
    );
    let r = record_at(&records, 85);
    assert_eq!(
        (&r["gateway"], &r["host"], &r["port"]),
        (
            &Value::from(true),
            &Value::from("*.gateway.edge.messenger.live.com"),
            &Value::from(443)
        )
    );
}

#[test]
fn sample_human_output_is_aligned_and_summarised() {
    let out = inspect(&[], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        " line  dir  version  kind         fields"
    );
    assert!(text.contains("   40  S    MSNP8    error-reply  trid=12 to XFR SB: 913 (not allowed while hidden or offline)\n"));
    assert!(text.contains("   72  S    MSNP18   sb           trid=24 SB sb7.example.net CKI Qw7ErTy9UiOp1AsDfGh2JkLzX U messenger.msn.com direct=0 [no version]  ! deviations: missing-port\n"));
    assert!(text.contains("\n28 XFR lines: 28 decoded, 0 failed\n"));
    assert!(
        text.contains("  by version:   MSNP2 1, MSNP8 8, MSNP13 3, MSNP15 7, MSNP18 5, MSNP21 4\n")
    );
}

const BROKEN: &[u8] = b"S: VER 1 MSNP18 CVR0\r\n\
S: XFR 0 NS 10.0.0.1:1863 U D89 http://gateway.example/\r\n\
XFR 5 SB 10.0.0.2:1863 CKI 12.34\n\
S: XFR 6 SB 10.0.0.2\r\n";

#[test]
fn stdin_with_errors_exits_1_and_reports_them() {
    let out = inspect(&["--json", "-"], Some(BROKEN));
    assert_eq!(out.status.code(), Some(1));
    let records = records(&out);
    assert_eq!(records.len(), 3);
    let r = &records[0];
    assert_eq!(
        (&r["line"], &r["ok"], &r["kind"]),
        (&Value::from(2), &Value::from(false), &Value::Null)
    );
    assert_eq!(r["error"]["kind"], "invalid");
    assert_eq!(r["error"]["offset"], 25);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("current server")
    );
    // A referral, even a malformed one, ends what is known of the version; the next line has
    // no prefix.
    let r = &records[1];
    assert_eq!(
        (&r["dir"], &r["version"], &r["deviations"]),
        (&Value::Null, &Value::Null, &serde_json::json!([]))
    );
    let r = &records[2];
    assert_eq!(r["error"]["kind"], "missing");
}

#[test]
fn strict_and_fixed_version() {
    let input = b"XFR 5 SB 10.0.0.2:1863 CKI 12.34\r\nXFR  6 SB\r\n";
    let out = inspect(&["--json", "--strict", "--msnp", "13", "-"], Some(input));
    assert_eq!(out.status.code(), Some(1));
    let got = records(&out);
    assert_eq!(got[0]["version"], "MSNP13");
    assert_eq!(got[0]["error"]["kind"], "version");
    assert_eq!(got[0]["error"]["offset"], 32);
    assert_eq!(got[1]["error"]["kind"], "whitespace");
    let out = inspect(&["--json", "--msnp", "MSNP8", "-"], Some(input));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        records(&out)[1]["deviations"],
        serde_json::json!(["extra-whitespace"])
    );
}

#[test]
fn usage_and_read_errors_exit_2() {
    let out = inspect(&["--msnp", "24"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--msnp"));
    let out = inspect(&["--bogus"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = inspect(&["/nonexistent/capture.log"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/capture.log"));
    let out = inspect(&["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("usage: inspect"));
}
