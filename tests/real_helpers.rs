//! Helpers of the real-app tier (included with `#[path]`): Microsoft's Kestrel 2.2 + IIS
//! integration, run on Linux by the 3.1 runtime with an IL-only copy of
//! Microsoft.AspNetCore.App 2.2.2 (`scripts/setup-real` builds `.tools/real`). An app folder per
//! test (App.dll, its runtimeconfig, a web.config choosing the mode), the `ancm` binary with that
//! dotnet first on PATH, and `ancm run --trace --format json` as a session with its events.
//! A missing tool fails the test (never skips it): run `scripts/setup`.
#![allow(dead_code)]
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `.tools/real/linux-root`: the dotnet root of the Linux route, checked to hold both frameworks
/// and an app compiled from the current `tests/real_app/Program.cs`.
pub fn linux_root() -> PathBuf {
    let root = std::env::var_os("ANCM_TEST_REAL_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools/real/linux-root"));
    assert!(
        root.join("dotnet").is_file()
            && root
                .join("shared/Microsoft.AspNetCore.App/2.2.2/Microsoft.AspNetCore.Server.Kestrel.Core.dll")
                .is_file(),
        "the real-app tier is not installed at {}: run scripts/setup",
        root.display()
    );
    let built = built_app();
    let src = std::fs::read(repo_root().join("tests/real_app/Program.cs")).unwrap();
    assert_eq!(
        std::fs::read(built.join("Program.cs")).ok().as_deref(),
        Some(&src[..]),
        "{} was built from another Program.cs: run scripts/setup-real",
        built.display()
    );
    root
}

/// `.tools/real/app`: App.dll and App.runtimeconfig.json (mcs against the package's assemblies).
pub fn built_app() -> PathBuf {
    let app = repo_root().join(".tools/real/app");
    assert!(
        app.join("App.dll").is_file(),
        "{} missing: run scripts/setup",
        app.display()
    );
    app
}

/// A fresh app folder: the real app, and a web.config with `REALAPP_MODE=mode`, the extra
/// environment variables and extra `<aspNetCore>` attributes.
pub fn real_app(mode: &str, env: &[(&str, &str)], attrs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let built = built_app();
    for f in ["App.dll", "App.runtimeconfig.json"] {
        std::fs::copy(built.join(f), dir.path().join(f)).unwrap();
    }
    write_web_config(dir.path(), mode, env, attrs);
    dir
}

pub fn write_web_config(dir: &Path, mode: &str, env: &[(&str, &str)], attrs: &str) {
    let mut vars =
        format!("          <environmentVariable name=\"REALAPP_MODE\" value=\"{mode}\" />\n");
    for (k, v) in env {
        vars.push_str(&format!(
            "          <environmentVariable name=\"{k}\" value=\"{v}\" />\n"
        ));
    }
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <location path="." inheritInChildApplications="false">
    <system.webServer>
      <handlers>
        <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
      </handlers>
      <aspNetCore processPath="dotnet" arguments=".\App.dll" stdoutLogEnabled="false" hostingModel="outofprocess" {attrs}>
        <environmentVariables>
{vars}        </environmentVariables>
      </aspNetCore>
    </system.webServer>
  </location>
</configuration>
"#
    );
    std::fs::write(dir.join("web.config"), xml).unwrap();
}

/// The `ancm` binary with the Linux route's dotnet first on PATH.
pub fn ancm() -> Command {
    let mut path = vec![linux_root()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let mut c = Command::new(env!("CARGO_BIN_EXE_ancm"));
    c.env("PATH", std::env::join_paths(path).unwrap())
        .env_remove("DOTNET_ROOT")
        .env("NO_COLOR", "1");
    c
}

/// `ancm doctor --format json DIR` (with `args` before DIR): the report and the exit code.
pub fn doctor(dir: &Path, args: &[&str]) -> (serde_json::Value, i32) {
    let out = ancm()
        .args(["doctor", "--format", "json"])
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out.status.code().unwrap_or(-1))
}

/// One check of a doctor report.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no `{id}` check in {report:#}"))
}

/// Every message, evidence value and fix of a check, as one text to search.
pub fn check_text(report: &serde_json::Value, id: &str) -> String {
    let mut s = String::new();
    for f in check(report, id)["findings"]
        .as_array()
        .into_iter()
        .flatten()
    {
        s.push_str(f["message"].as_str().unwrap_or(""));
        s.push('\n');
        for e in f["evidence"].as_array().into_iter().flatten() {
            s.push_str(&format!(
                "{}: {}\n",
                e["label"].as_str().unwrap_or(""),
                e["value"].as_str().unwrap_or("")
            ));
        }
        if let Some(sym) = f["symptom"].as_str() {
            s.push_str(&format!("symptom: {sym}\n"));
        }
        s.push_str(f["fix"].as_str().unwrap_or(""));
        s.push('\n');
    }
    s
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A raw HTTP/1.1 exchange: `request` is sent as is, the whole answer read until close.
pub fn raw(port: u16, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET path` with `Connection: close` and extra header lines (each ending in `\r\n`).
pub fn get(port: u16, path: &str, headers: &str) -> String {
    raw(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n"),
    )
}

pub fn status_of(resp: &str) -> u16 {
    resp.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {resp:?}"))
}

/// The body of a raw response, de-chunked when the head says `Transfer-Encoding: chunked`.
pub fn body_of(resp: &str) -> String {
    let Some((head, body)) = resp.split_once("\r\n\r\n") else {
        return String::new();
    };
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_string();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].strip_prefix("\r\n").unwrap_or(&after[n..]);
    }
    out
}

/// The real app's `key: value` report line (`remote-ip`, `scheme`, `header host`, …).
pub fn field<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.lines().find_map(|l| {
        l.strip_prefix(key)
            .and_then(|r| r.strip_prefix(": "))
            .map(str::trim)
    })
}

/// `ancm run --trace --format json --show-secrets --listen 127.0.0.1:PORT DIR` and its events.
pub struct Run {
    pub child: Child,
    pub port: u16,
    rx: mpsc::Receiver<serde_json::Value>,
    pub seen: Vec<serde_json::Value>,
}

impl Run {
    pub fn start(dir: &Path) -> Run {
        let port = free_port();
        let mut child = ancm()
            .args([
                "run",
                "--trace",
                "--format",
                "json",
                "--show-secrets",
                "--listen",
            ])
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
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else {
                    panic!("not one JSON object per line: {line}");
                };
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let mut run = Run {
            child,
            port,
            rx,
            seen: Vec::new(),
        };
        run.wait("session", |_| true);
        run
    }

    /// Collects events until none arrives for `quiet`.
    pub fn drain(&mut self, quiet: Duration) {
        while let Ok(v) = self.rx.recv_timeout(quiet) {
            self.seen.push(v);
        }
    }

    /// The `n`-th (0-based) event of `kind` matching `f`, waiting up to 60 s.
    pub fn wait_nth(
        &mut self,
        kind: &str,
        n: usize,
        f: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let t = Instant::now();
        loop {
            if let Some(v) = self
                .seen
                .iter()
                .filter(|v| v["event"] == kind && f(v))
                .nth(n)
            {
                return v.clone();
            }
            let left = Duration::from_secs(60).saturating_sub(t.elapsed());
            match self.rx.recv_timeout(left) {
                Ok(v) => self.seen.push(v),
                Err(_) => panic!("no `{kind}` event #{n}; saw {:#?}", self.seen),
            }
        }
    }

    pub fn wait(
        &mut self,
        kind: &str,
        f: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        self.wait_nth(kind, 0, f)
    }

    pub fn events(&self, kind: &str) -> Vec<&serde_json::Value> {
        self.seen.iter().filter(|v| v["event"] == kind).collect()
    }

    /// The app's own port and pairing token, from the latest spawn and ready events.
    pub fn app_port_and_token(&mut self) -> (u16, String) {
        let ready = self.wait("ready", |_| true);
        let spawn = self.events("spawn").last().cloned().cloned().unwrap();
        let token = spawn["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "ASPNETCORE_TOKEN")
            .and_then(|v| v["value"].as_str())
            .unwrap()
            .to_string();
        (ready["port"].as_u64().unwrap() as u16, token)
    }

    /// Waits (up to 60 s) for a line of the app's output containing `needle`.
    pub fn wait_output(&mut self, needle: &str) -> String {
        let v = self.wait("output", |e| {
            e["line"].as_str().is_some_and(|l| l.contains(needle))
        });
        v["line"].as_str().unwrap_or("").to_string()
    }

    /// Every line the app printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        self.events("output")
            .iter()
            .filter_map(|v| v["line"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// SIGINT to ancm (a graceful stop of the app), then waits for ancm to end.
    pub fn stop(mut self) -> Vec<serde_json::Value> {
        // SAFETY: a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let t = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "ancm run did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.drain(Duration::from_millis(300));
        std::mem::take(&mut self.seen)
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            // SAFETY: a signal to our own child process; ancm stops its app on SIGTERM.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
            let _ = self.child.wait();
        }
    }
}
