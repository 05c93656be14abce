//! Ctrl-C (SIGINT) sent to a real `ancm` process while an app is starting (`ancm-testapp
//! --slow-start`, startupTimeLimit far away): `doctor` still prints the static results and the
//! probe as interrupted and exits 130; `run` makes no further start attempt and exits promptly;
//! in both, no child survives (checked in /proc).
#![cfg(target_os = "linux")]
#[path = "live_helpers.rs"]
mod helpers;

use helpers::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A web.config whose app takes a minute to listen, with ANCM willing to wait two.
fn slow_app(dir: &Path) {
    std::fs::write(
        dir.join("web.config"),
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
    </handlers>
    <aspNetCore processPath="{}" arguments="--slow-start 60000" startupTimeLimit="120" hostingModel="outofprocess" />
  </system.webServer>
</configuration>
"#,
            testapp().display()
        ),
    )
    .unwrap();
}

/// Waits until `ancm` has a child process (the app being started).
fn wait_for_child(ancm: &Child) -> u32 {
    let t = Instant::now();
    loop {
        if let Some(pid) = children_of(ancm.id()).into_iter().next() {
            return pid;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the app never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One test at a time: both time ancm's exit after SIGINT and scan /proc for its children;
/// run side by side on a loaded 2-core machine they delay each other past their bounds.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}
fn sigint(child: &Child) {
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
}

/// Waits for `child` to exit within `limit`; its exit code.
fn exit_within(child: &mut Child, limit: Duration) -> (Option<i32>, Duration) {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return (s.code(), t.elapsed());
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            panic!("ancm did not exit within {limit:?} after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_all(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

#[test]
fn ctrl_c_during_doctors_probe_prints_the_static_results_and_exits_130() {
    let _serial = serial();
    for format in ["json", "human"] {
        let dir = tempfile::tempdir().unwrap();
        slow_app(dir.path());
        let mut ancm = Command::new(env!("CARGO_BIN_EXE_ancm"))
            .args(["doctor", "--color", "never", "--format", format])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = read_all(ancm.stdout.take().unwrap());
        let stderr = read_all(ancm.stderr.take().unwrap());
        let app = wait_for_child(&ancm);
        assert!(alive(app));
        sigint(&ancm);
        let (code, took) = exit_within(&mut ancm, Duration::from_secs(10));
        let (out, err) = (stdout.join().unwrap(), stderr.join().unwrap());
        assert_eq!(code, Some(130), "{format}: {out}{err}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert!(err.contains("interrupted"), "{err}");
        if format == "json" {
            let report: serde_json::Value =
                serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
            let checks = report["checks"].as_array().unwrap();
            let web_config = checks.iter().find(|c| c["id"] == "web-config").unwrap();
            assert_eq!(web_config["outcome"], "pass", "{web_config:#}");
            let probe = checks.iter().find(|c| c["id"] == "live-probe").unwrap();
            assert_eq!(probe["outcome"], "skip", "{probe:#}");
            assert!(
                probe["skip_reason"]
                    .as_str()
                    .unwrap()
                    .contains("interrupted by Ctrl-C"),
                "{probe:#}"
            );
        } else {
            // The static results are there (a failing check with its next step), and the
            // probe's line says it was interrupted (the human layout may wrap it).
            assert!(out.contains("\nerrors\n"), "{out}");
            assert!(out.contains("next steps:"), "{out}");
            let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat.contains("interrupted by Ctrl-C before the probe finished"),
                "{out}"
            );
        }
        // The app is stopped: nothing outlives ancm.
        assert_all_gone(&[app], Duration::from_secs(5));
    }
}

#[test]
fn ctrl_c_while_a_start_is_pending_ends_run_without_another_attempt() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    slow_app(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut ancm = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["run", "--trace", "--format", "json", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = ancm.stdout.take().unwrap();
    let events = std::thread::spawn(move || {
        BufReader::new(out)
            .lines()
            .map_while(Result::ok)
            .map(|l| serde_json::from_str::<serde_json::Value>(&l).unwrap())
            .collect::<Vec<_>>()
    });
    // Wait for the proxy, then ask: the request starts the app and waits for it.
    let t = Instant::now();
    let mut conn = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(c) => break c,
            Err(_) if t.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("proxy never listened: {e}"),
        }
    };
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        conn,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let app = wait_for_child(&ancm);
    std::thread::sleep(Duration::from_millis(300));
    sigint(&ancm);
    let (code, took) = exit_within(&mut ancm, Duration::from_secs(10));
    assert_eq!(code, Some(0));
    // Promptly: not after the 60 s start, nor after a second attempt.
    assert!(took < Duration::from_secs(5), "{took:?}");
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 503"),
        "the pending request: {answer}"
    );
    let events = events.join().unwrap();
    let spawns = events.iter().filter(|e| e["event"] == "spawn").count();
    assert_eq!(spawns, 1, "{events:#?}");
    assert!(
        !events.iter().any(|e| e["event"] == "attempt_failed"),
        "an interrupted start is not a failed attempt: {events:#?}"
    );
    assert_all_gone(&[app], Duration::from_secs(5));
    assert!(children_of(ancm.id()).is_empty());
}
