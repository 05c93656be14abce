//! The real `ancm` binary: `run --trace` as a long-running session (JSON timeline, secrets
//! redacted, no orphaned process after SIGINT/SIGTERM — checked in /proc) and `doctor`'s live
//! probe (a wrong-port app diagnosed well before startupTimeLimit; `--static` skips it).
#![cfg(target_os = "linux")]
#[path = "live_helpers.rs"]
mod helpers;

use helpers::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn web_config(dir: &Path, arguments: &str, extra_attrs: &str) {
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <location path="." inheritInChildApplications="false">
    <system.webServer>
      <handlers>
        <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
      </handlers>
      <aspNetCore processPath="{}" arguments="{arguments}" stdoutLogEnabled="false" hostingModel="outofprocess" {extra_attrs}>
        <environmentVariables>
          <environmentVariable name="MY_SECRET" value="s3cret-value-xyz" />
        </environmentVariables>
      </aspNetCore>
    </system.webServer>
  </location>
</configuration>
"#,
        testapp().display()
    );
    std::fs::write(dir.join("web.config"), xml).unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// Starts `ancm run --trace --format json`, makes one request, returns (child, lines, pids).
fn start_run(dir: &Path, port: u16) -> (std::process::Child, mpsc::Receiver<serde_json::Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["run", "--trace", "--format", "json", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let v: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not one JSON object per line: {line}: {e}"));
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn wait_event(
    rx: &mpsc::Receiver<serde_json::Value>,
    seen: &mut Vec<serde_json::Value>,
    kind: &str,
) -> serde_json::Value {
    let t = Instant::now();
    loop {
        if let Some(v) = seen.iter().find(|v| v["event"] == kind) {
            return v.clone();
        }
        let left = Duration::from_secs(60).saturating_sub(t.elapsed());
        match rx.recv_timeout(left) {
            Ok(v) => seen.push(v),
            Err(_) => panic!("no `{kind}` event; saw {seen:#?}"),
        }
    }
}

fn stop_with(signal: i32) {
    let dir = tempfile::tempdir().unwrap();
    web_config(dir.path(), "--child-listener", "");
    let port = free_port();
    let (mut child, rx) = start_run(dir.path(), port);
    let mut seen = Vec::new();
    let session = wait_event(&rx, &mut seen, "session");
    assert_eq!(session["listen"], format!("http://127.0.0.1:{port}"));
    let resp = http_get(port, "/");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let spawn = wait_event(&rx, &mut seen, "spawn");
    let ready = wait_event(&rx, &mut seen, "ready");
    wait_event(&rx, &mut seen, "request");
    // Secrets are redacted in the timeline.
    let env = spawn["env"].as_array().unwrap();
    let val = |k: &str| {
        env.iter()
            .find(|v| v["name"] == k)
            .map(|v| v["value"].as_str().unwrap().to_string())
    };
    assert_eq!(val("ASPNETCORE_TOKEN").as_deref(), Some("***"));
    assert_eq!(val("MY_SECRET").as_deref(), Some("***"));
    let root = ready["pid"].as_u64().unwrap() as u32;
    let listener = ready["listener_pid"].as_u64().unwrap() as u32;
    assert_ne!(root, listener);
    assert!(alive(root) && alive(listener));
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, signal) };
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "ancm run did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    while let Ok(v) = rx.recv_timeout(Duration::from_millis(200)) {
        seen.push(v);
    }
    assert!(
        seen.iter()
            .any(|v| v["event"] == "stopped" || v["event"] == "killed"),
        "{seen:#?}"
    );
    assert_all_gone(&[root, listener], Duration::from_secs(5));
    assert!(children_of(child.id()).is_empty());
}

#[test]
fn run_trace_leaves_no_process_after_sigint() {
    stop_with(libc::SIGINT);
}

#[test]
fn run_trace_leaves_no_process_after_sigterm() {
    stop_with(libc::SIGTERM);
}

#[test]
fn run_trace_human_timeline_shows_the_failure() {
    let dir = tempfile::tempdir().unwrap();
    web_config(dir.path(), "--crash-at-start", "");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["run", "--trace", "--color", "never", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let resp = {
        let t = Instant::now();
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break http_get(port, "/");
            }
            assert!(t.elapsed() < Duration::from_secs(30));
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    assert!(resp.starts_with("HTTP/1.1 502"), "{resp}");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child.wait().unwrap();
    assert!(
        out.contains("Unhandled exception. System.InvalidOperationException"),
        "{out}"
    );
    assert!(out.contains("killed by signal 6 (SIGABRT)"), "{out}");
    assert!(out.contains("GET / → 502.5"), "{out}");
}

#[test]
fn doctor_probe_names_the_wrong_port_quickly() {
    let dir = tempfile::tempdir().unwrap();
    web_config(dir.path(), "--listen-port 0", r#"startupTimeLimit="60""#);
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["doctor", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let took = t.elapsed();
    assert!(
        took < Duration::from_secs(10),
        "doctor took {took:?} with startupTimeLimit=60"
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let probe = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "live-probe")
        .unwrap()
        .clone();
    assert_eq!(probe["outcome"], "fail", "{probe:#}");
    let msg = probe["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("instead of the port ANCM assigned"), "{msg}");
    assert_eq!(probe["findings"][0]["symptom"], "502.5");
}

#[test]
fn doctor_static_skips_the_probe() {
    let dir = tempfile::tempdir().unwrap();
    web_config(dir.path(), "--crash-at-start", "");
    let out = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["doctor", "--static", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let probe = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "live-probe")
        .unwrap()
        .clone();
    assert_eq!(probe["outcome"], "skip", "{probe:#}");
}

/// Even `kill -9` of `ancm` (no handler runs) takes the app with it: PR_SET_PDEATHSIG.
#[test]
fn app_dies_with_ancm_even_on_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    web_config(dir.path(), "", "");
    let port = free_port();
    let (mut child, rx) = start_run(dir.path(), port);
    let mut seen = Vec::new();
    wait_event(&rx, &mut seen, "session");
    assert!(http_get(port, "/").starts_with("HTTP/1.1 200"));
    let pid = wait_event(&rx, &mut seen, "ready")["pid"].as_u64().unwrap() as u32;
    assert!(alive(pid));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_all_gone(&[pid], Duration::from_secs(5));
}

/// A relative app folder and a Windows-style relative `processPath` (`.\app`) work from any cwd.
#[test]
fn doctor_probe_with_a_relative_app_folder_and_windows_style_process_path() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("site");
    std::fs::create_dir(&app).unwrap();
    std::fs::copy(testapp(), app.join("app")).unwrap();
    std::fs::write(
        app.join("web.config"),
        r#"<configuration><system.webServer>
<handlers><add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" /></handlers>
<aspNetCore processPath=".\app" arguments="" hostingModel="outofprocess" />
</system.webServer></configuration>"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["doctor", "--format", "json", "site"])
        .current_dir(root.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let probe = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "live-probe")
        .unwrap()
        .clone();
    assert_eq!(probe["outcome"], "pass", "{probe:#}");
}
