//! Real .NET tier: exceptions after start-up, lifted from the output the probe captured. Small C#
//! apps compiled with mono-mcs run on the real dotnet 3.1 host from `.tools` (scripts/setup);
//! they speak HTTP on a raw `TcpListener` like the apps in `tests/live_dotnet.rs`:
//! (a) one that dies of an exception while handling the first request,
//! (b) one that prints `Application startup exception: …` and a `crit` line, then answers every
//!     request with 500 (what ASP.NET Core's `CaptureStartupErrors` does),
//! (c) one whose exception has an inner exception (at a request, and at start-up): the whole
//!     message is kept, the inner exception's line and position included.
#![cfg(target_os = "linux")]
mod support;

use ancm_doctor::diagnostic::{CheckResult, Level, Outcome};
use ancm_doctor::live::{probe, LiveConfig, ProbeOptions};
use std::path::Path;
use std::time::Duration;

const APP: &str = r#"
using System; using System.Net; using System.Net.Sockets; using System.Text;
class App {
  static void Answer(NetworkStream s, string status, string body) {
    byte[] rb = Encoding.ASCII.GetBytes("HTTP/1.1 " + status + "\r\nContent-Length: " + body.Length + "\r\nConnection: close\r\n\r\n" + body);
    s.Write(rb, 0, rb.Length);
  }
  static int Main(string[] args) {
    string mode = args[0];
    if (mode == "startup-inner") {
      throw new InvalidOperationException("could not load settings from appsettings.json",
        new FormatException("'}' is invalid after a value. Line 3, position 7."));
    }
    bool caught = mode == "startup-caught";
    if (caught) {
      Console.WriteLine("crit: Microsoft.AspNetCore.Hosting.Internal.WebHost[6]");
      Console.WriteLine("      Application startup exception");
      Console.WriteLine("Application startup exception: System.InvalidOperationException: No service for type 'IOrderStore' has been registered.");
      Console.WriteLine("   at Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService(IServiceProvider provider, Type serviceType)");
      Console.WriteLine("   at Startup.Configure(IApplicationBuilder app)");
    }
    var l = new TcpListener(IPAddress.Loopback, int.Parse(Environment.GetEnvironmentVariable("ASPNETCORE_PORT")));
    l.Start();
    Console.WriteLine("Now listening on: http://127.0.0.1:" + ((IPEndPoint)l.LocalEndpoint).Port);
    while (true) {
      var c = l.AcceptTcpClient();
      var s = c.GetStream();
      var buf = new byte[16384];
      int n = s.Read(buf, 0, buf.Length);
      string req = Encoding.ASCII.GetString(buf, 0, n);
      if (req.StartsWith("POST /iisintegration")) { Answer(s, "202 Accepted", ""); c.Close(); return 0; }
      if (caught) { Answer(s, "500 Internal Server Error", "An error occurred while starting the application."); c.Close(); continue; }
      if (mode == "request") throw new InvalidOperationException("order 42 was not found in the store");
      throw new InvalidOperationException("could not read the order",
        new FormatException("Input string was not in a correct format. Line 1, position 12."));
    }
  }
}
"#;

fn run(dir: &Path, mode: &str) -> CheckResult {
    support::compile_csharp(dir, "App", APP, &support::netcore_runtimeconfig("3.1.0"));
    let mut cfg = LiveConfig::for_test(
        dir,
        &support::dotnet().display().to_string(),
        &format!("App.dll {mode}"),
    );
    cfg.startup_time_limit = Duration::from_secs(60);
    cfg.shutdown_time_limit = Duration::from_secs(2);
    probe(cfg, ProbeOptions::default()).remove(0)
}

fn evidence<'a>(r: &'a CheckResult, label: &str) -> &'a str {
    r.findings[0]
        .evidence
        .iter()
        .find(|e| e.label == label)
        .map(|e| e.value.as_str())
        .unwrap_or_else(|| panic!("no `{label}` evidence: {r:#?}"))
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn an_exception_while_handling_the_first_request_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), "request");
    assert_eq!(r.outcome, Outcome::Fail, "{r:#?}");
    let f = &r.findings[0];
    assert!(
        f.message.contains("crashed while handling the request")
            && f.message.contains(
                "`System.InvalidOperationException: order 42 was not found in the store`"
            ),
        "{}",
        f.message
    );
    assert_eq!(f.symptom.as_deref(), Some("502.3"));
    // The block as .NET printed it, with the frame that threw.
    assert!(evidence(&r, "exception").contains("at App.Main"), "{r:#?}");
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn a_caught_startup_exception_serving_500_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), "startup-caught");
    assert_eq!(r.outcome, Outcome::Fail, "{r:#?}");
    let f = &r.findings[0];
    assert_eq!(f.level, Level::Error);
    assert!(
        f.message
            .contains("caught its start-up exception and answers every request with 500")
            && f.message
                .contains("No service for type 'IOrderStore' has been registered."),
        "{}",
        f.message
    );
    assert!(
        evidence(&r, "exception").contains("at Startup.Configure"),
        "{r:#?}"
    );
}

#[test]
#[ignore = "needs scripts/setup (real dotnet + mcs)"]
fn an_inner_exception_keeps_its_whole_message() {
    // At a request.
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), "request-inner");
    let f = &r.findings[0];
    assert!(
        f.message.contains("could not read the order")
            && f.message.contains(
                "(inner: System.FormatException: Input string was not in a correct format. Line 1, position 12.)"
            ),
        "{}",
        f.message
    );
    let block = evidence(&r, "exception");
    assert!(
        block.contains(" ---> System.FormatException: Input string was not in a correct format. Line 1, position 12.")
            && block.contains("--- End of inner exception stack trace ---"),
        "{block}"
    );
    // At start-up (the process dies before it listens: 502.5).
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), "startup-inner");
    let f = &r.findings[0];
    assert_eq!(f.symptom.as_deref(), Some("502.5"), "{r:#?}");
    assert!(
        f.message
            .contains("could not load settings from appsettings.json")
            && f.message
                .contains("'}' is invalid after a value. Line 3, position 7."),
        "{}",
        f.message
    );
    let block = evidence(&r, "unhandled exception");
    assert!(
        block.contains(
            " ---> System.FormatException: '}' is invalid after a value. Line 3, position 7."
        ),
        "{block}"
    );
}
