//! `ancm doctor` reads the evidence already on disk (stdout logs by ANCM's naming, the module's
//! debug log) through the real binary, shows it with its time, and writes nothing while doing so.
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(snapshot(&e.path()));
        } else {
            out.push((e.path(), std::fs::read(e.path()).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn stdout_and_debug_logs_are_read_dated_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/healthy-portable"),
        &app,
    );
    let logs = app.join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(
        logs.join("stdout_20261129080000_4000.log"),
        "info: Microsoft.Hosting.Lifetime[0]\n      Now listening on: http://127.0.0.1:20451\n",
    )
    .unwrap();
    std::fs::write(
        logs.join("stdout_20261130211403_5120.log"),
        "Unhandled exception. System.InvalidOperationException: No connection string named 'Db'\n   at Program.Main()\n",
    )
    .unwrap();
    std::fs::write(
        app.join("aspnetcore-debug.log"),
        "[2026-11-30T21:14:03.130Z, PID: 5120] [aspnetcorev2.dll] Found dotnet.exe via where.exe invocation at 'C:\\Program Files\\dotnet\\dotnet.exe'\n",
    )
    .unwrap();
    let before = snapshot(&app);
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--format", "json"])
        .arg(&app)
        .output()
        .unwrap();
    assert_eq!(before, snapshot(&app), "doctor wrote into the app folder");
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let se = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "server-evidence")
        .expect("server-evidence result");
    assert_eq!(se["outcome"], "warn", "{se:#}");
    let text = se.to_string();
    assert!(text.contains("2 stdout log files"), "{text}");
    assert!(
        text.contains("2026-11-30 21:14:03 UTC stdout log `stdout_20261130211403_5120.log`"),
        "{text}"
    );
    assert!(text.contains("No connection string named 'Db'"), "{text}");
    assert!(text.contains("Found dotnet.exe via where.exe"), "{text}");
    // The older log's listening line is not the last start: only the newest is read.
    assert!(!text.contains("20451"), "{text}");
}
