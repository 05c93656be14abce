//! The real .NET tier of the live emulator: small C# apps compiled with mono-mcs and run by the real
//! dotnet 3.1 host from `.tools` (scripts/setup), probed the way `doctor` probes a deployment.
//! The apps speak HTTP on a raw `TcpListener` (HttpListener needs a libssl that is not there).
#![cfg(target_os = "linux")]
mod support;

#[path = "live_helpers.rs"]
mod helpers;

use ancm_doctor::deployment::web_config::HostingModel;
use ancm_doctor::diagnostic::{CheckResult, Outcome};
use ancm_doctor::live::{probe, LiveConfig, ProbeOptions};
use std::path::Path;
use std::time::{Duration, Instant};

const SERVER: &str = r#"
using System; using System.Net; using System.Net.Sockets; using System.Text;
class App {
  static int Main(string[] args) {
    string mode = args.Length > 0 ? args[0] : "ok";
    int port = mode == "wrongport" ? 0 : int.Parse(Environment.GetEnvironmentVariable("ASPNETCORE_PORT") ?? "5000");
    var l = new TcpListener(IPAddress.Loopback, port);
    l.Start();
    Console.WriteLine("Now listening on: http://127.0.0.1:" + ((IPEndPoint)l.LocalEndpoint).Port);
    string token = (Environment.GetEnvironmentVariable("ASPNETCORE_TOKEN") ?? "").ToLowerInvariant();
    while (true) {
      var c = l.AcceptTcpClient();
      var s = c.GetStream();
      var buf = new byte[16384];
      int n = s.Read(buf, 0, buf.Length);
      if (mode == "hang") { System.Threading.Thread.Sleep(-1); }
      string req = Encoding.ASCII.GetString(buf, 0, n);
      bool ok = req.ToLowerInvariant().Contains("ms-aspnetcore-token: " + token);
      bool shutdown = req.StartsWith("POST /iisintegration");
      string status = !ok ? "400 Bad Request" : shutdown ? "202 Accepted" : "200 OK";
      string body = ok && !shutdown ? "hello from .NET " + Environment.Version : "";
      byte[] rb = Encoding.ASCII.GetBytes("HTTP/1.1 " + status + "\r\nContent-Length: " + body.Length + "\r\nConnection: close\r\n\r\n" + body);
      s.Write(rb, 0, rb.Length);
      c.Close();
      if (ok && shutdown) return 0;
    }
  }
}
"#;

const CRASH: &str = r#"
class App {
  static void Main() {
    System.Console.WriteLine("Hosting environment: Production");
    throw new System.InvalidOperationException("database 'orders' is unreachable");
  }
}
"#;

fn app(dir: &Path, source: &str, framework_version: &str) {
    support::compile_csharp(
        dir,
        "App",
        source,
        &support::netcore_runtimeconfig(framework_version),
    );
}

fn config(dir: &Path, args: &str) -> LiveConfig {
    let mut c = LiveConfig::for_test(
        dir,
        &support::dotnet().display().to_string(),
        &format!("App.dll {args}"),
    );
    c.startup_time_limit = Duration::from_secs(60);
    c.shutdown_time_limit = Duration::from_secs(2);
    c
}

fn run(cfg: LiveConfig) -> (CheckResult, Duration) {
    let t = Instant::now();
    let r = probe(cfg, ProbeOptions::default()).remove(0);
    (r, t.elapsed())
}

fn text(r: &CheckResult) -> String {
    serde_json::to_string_pretty(r).unwrap()
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn real_dotnet_app_answers_through_the_proxy() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path(), SERVER, "3.1.0");
    let (r, _) = run(config(dir.path(), "ok"));
    assert_eq!(r.outcome, Outcome::Pass, "{}", text(&r));
    assert!(r.findings[0].message.contains("with 200"), "{}", text(&r));
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn real_unhandled_exception_is_lifted_and_decoded() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path(), CRASH, "3.1.0");
    let (r, took) = run(config(dir.path(), ""));
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_eq!(r.outcome, Outcome::Fail, "{}", text(&r));
    let f = &r.findings[0];
    assert!(
        f.message.contains("`System.InvalidOperationException`")
            && f.message.contains("database 'orders' is unreachable"),
        "{}",
        f.message
    );
    assert_eq!(f.symptom.as_deref(), Some("502.5"));
    // .NET on Linux aborts on an unhandled exception.
    assert!(text(&r).contains("SIGABRT"), "{}", text(&r));
    let mut inproc = config(dir.path(), "");
    inproc.hosting_model = HostingModel::InProcess;
    let (r, _) = run(inproc);
    assert_eq!(r.findings[0].symptom.as_deref(), Some("500.30"));
}

/// `arguments` naming a `.dll` that is not there: the real muxer takes it for an SDK command and
/// exits 145 (0x80008091). Out-of-process that is 502.5; in-process ANCM meets the same failure
/// in `hostfxr_get_native_search_directories`, which is 500.31 (`HandlerResolver.cpp`).
#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn real_missing_app_dll_is_a_host_failure() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path(), SERVER, "3.1.0");
    let mut cfg = LiveConfig::for_test(
        dir.path(),
        &support::dotnet().display().to_string(),
        "Missing.dll",
    );
    cfg.startup_time_limit = Duration::from_secs(60);
    let (r, _) = run(cfg.clone());
    assert_eq!(r.outcome, Outcome::Fail, "{}", text(&r));
    let t = text(&r);
    assert!(
        t.contains("exit code 145") && t.contains("LibHostSdkFindFailure"),
        "{t}"
    );
    assert_eq!(r.findings[0].symptom.as_deref(), Some("502.5"));
    cfg.hosting_model = HostingModel::InProcess;
    let (r, _) = run(cfg);
    assert_eq!(
        r.findings[0].symptom.as_deref(),
        Some("500.31"),
        "{}",
        text(&r)
    );
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn real_missing_framework_is_exit_150_and_summarised() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path(), CRASH, "9.9.9");
    let (r, _) = run(config(dir.path(), ""));
    assert_eq!(r.outcome, Outcome::Fail, "{}", text(&r));
    let f = &r.findings[0];
    assert!(
        f.message.contains("`Microsoft.NETCore.App` 9.9.9"),
        "{}",
        f.message
    );
    let t = text(&r);
    assert!(
        t.contains("exit code 150") && t.contains("FrameworkMissingFailure"),
        "{t}"
    );
    assert!(t.contains("installed: 3.1.23"), "{t}");
    let mut inproc = config(dir.path(), "");
    inproc.hosting_model = HostingModel::InProcess;
    let (r, _) = run(inproc);
    assert_eq!(r.findings[0].symptom.as_deref(), Some("500.31"));
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn real_wrong_port_is_diagnosed_well_before_startup_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path(), SERVER, "3.1.0");
    let (r, took) = run(config(dir.path(), "wrongport"));
    assert!(
        took < Duration::from_secs(10),
        "took {took:?}, startupTimeLimit is 60 s"
    );
    assert_eq!(r.outcome, Outcome::Fail, "{}", text(&r));
    assert!(
        r.findings[0]
            .message
            .contains("instead of the port ANCM assigned"),
        "{}",
        text(&r)
    );
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn real_hang_is_502_3() {
    let dir = tempfile::tempdir().unwrap();
    app(dir.path(), SERVER, "3.1.0");
    let mut cfg = config(dir.path(), "hang");
    cfg.request_timeout = Some(Duration::from_secs(2));
    cfg.shutdown_time_limit = Duration::from_secs(60);
    let (r, took) = run(cfg);
    assert_eq!(r.outcome, Outcome::Fail, "{}", text(&r));
    assert_eq!(r.findings[0].symptom.as_deref(), Some("502.3"));
    // The hung app also ignores the shutdown request; once requestTimeout has given the verdict
    // the probe kills it instead of waiting shutdownTimeLimit (60 s here) for a graceful stop.
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert!(
        !text(&r).contains("did not stop within shutdownTimeLimit"),
        "{}",
        text(&r)
    );
}
