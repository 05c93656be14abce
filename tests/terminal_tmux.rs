//! The terminal tier: `ancm` in a real terminal (a tmux pane, `scripts/setup` installs tmux),
//! read back from the screen: `doctor`'s first screen on a broken example, the live probe's
//! status line rewritten in place on stderr, and `run --trace`'s keys (p, e, o, r, q) acting on a
//! running app. `#[ignore]`d real-tool tests: `scripts/test` runs them with `--include-ignored`,
//! and a missing tmux fails them (it never skips).
//!
//! Each test has its own tmux server (`-L`), so it neither sees nor disturbs another's.
#![cfg(target_os = "linux")]
#[path = "live_helpers.rs"]
mod helpers;

use helpers::testapp;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server with one detached pane of `width` × `height` running `command`; the pane
/// stays after the command ends (`remain-on-exit`), so its last screen can be read.
struct Pane {
    socket: String,
}

impl Pane {
    fn start(name: &str, width: u16, height: u16, command: &str) -> Pane {
        let socket = format!("ancm-test-{name}-{}", std::process::id());
        let pane = Pane { socket };
        let out = pane
            .tmux(&[
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .output()
            .unwrap_or_else(|e| {
                panic!("tmux is needed for this tier (scripts/setup installs it): {e}")
            });
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pane.run(&["set-option", "-t", "t", "remain-on-exit", "on"]);
        // The size is fixed: a client attaching elsewhere must not resize the pane.
        pane.run(&["set-option", "-t", "t", "window-size", "manual"]);
        pane.run(&["respawn-pane", "-k", "-t", "t", command]);
        pane
    }

    fn tmux(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self
            .tmux(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux {args:?}: {e}"));
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen as text (`escapes`: with its colour codes), scrollback included.
    fn screen(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-J", "-S", "-2000", "-t", "t"];
        if escapes {
            args.push("-e");
        }
        self.run(&args)
    }

    fn keys(&self, keys: &str) {
        self.run(&["send-keys", "-t", "t", "-l", keys]);
    }

    /// Waits (generously: a loaded machine) until the screen satisfies `ok`; panics with the
    /// screen otherwise.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.screen(false);
            if ok(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "no {what} on the screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Writes everything the pane prints, escapes and all, to `file`.
    fn record(&self, file: &Path) {
        self.run(&[
            "pipe-pane",
            "-o",
            "-t",
            "t",
            &format!("cat >> '{}'", file.display()),
        ]);
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]).output();
    }
}

fn ancm() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ancm"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `command; echo "[exit N]"`: the pane shows how the command ended.
fn shell(command: &str) -> String {
    format!("env -u NO_COLOR -u CI -u FORCE_COLOR TERM=xterm-256color sh -c '{command}; echo \"[exit $?]\"'")
}

fn app_dir(dir: &Path, arguments: &str) {
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
    </handlers>
    <aspNetCore processPath="{}" arguments="{arguments}" startupTimeLimit="120" hostingModel="outofprocess">
      <environmentVariables>
        <environmentVariable name="SHOP_DB_PASSWORD" value="hunter2-secret" />
      </environmentVariables>
    </aspNetCore>
  </system.webServer>
</configuration>
"#,
        testapp().display()
    );
    std::fs::write(dir.join("web.config"), xml).expect("write web.config");
}

#[test]
#[ignore = "terminal tier: needs tmux (scripts/setup); scripts/test runs it"]
fn doctors_first_screen_on_a_broken_example_tells_the_story() {
    let example = repo().join("examples/launcher-placeholders");
    let pane = Pane::start(
        "first-screen",
        100,
        30,
        &shell(&format!(
            "cd {} && {} doctor examples/launcher-placeholders --static",
            repo().display(),
            ancm().display()
        )),
    );
    pane.wait_for("exit line", |s| s.contains("[exit "));
    let screen = pane.screen(false);
    assert!(
        screen.contains("[exit 1]"),
        "a broken app exits 1:\n{screen}"
    );
    // The first screen (30 rows) is what a person sees without scrolling.
    let full: Vec<&str> = screen.lines().collect();
    let first: Vec<&str> = full.iter().take(30).copied().collect();
    let first_text = first.join("\n");
    assert!(
        first[0].starts_with("ancm doctor examples/launcher-placeholders"),
        "{first_text}"
    );
    // Summary first, one line per area with a glyph (Unicode on a terminal) …
    let area = |name: &str| {
        first
            .iter()
            .position(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no `{name}` area on the first screen:\n{first_text}"))
    };
    let (files, web, host, iis, live) = (
        area("app files"),
        area("web.config "),
        area(".NET host"),
        area("IIS and the module"),
        area("live probe"),
    );
    assert!(
        files < web && web < host && host < iis && iis < live,
        "{first_text}"
    );
    assert!(first[web].contains('✗'), "web.config fails: {}", first[web]);
    assert!(first[files].contains('✓'), "{}", first[files]);
    // … then the error that matters, located, before any warning.
    let errors = area("errors");
    assert!(errors > live, "{first_text}");
    let cause = area("launcher-placeholders: `processPath` holds Visual Studio's placeholder");
    assert!(cause > errors, "{first_text}");
    assert!(
        first_text.contains("--> examples/launcher-placeholders/web.config:7:30"),
        "{first_text}"
    );
    if let Some(w) = first.iter().position(|l| l.trim() == "warnings") {
        assert!(w > cause, "{first_text}");
    }
    // Nothing wraps: every line fits 100 columns.
    for l in &full {
        assert!(
            l.chars().count() <= 100,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    // In colour: the failing area's glyph is red.
    let colored = pane.screen(true);
    assert!(colored.contains("\x1b[31m✗"), "no red ✗:\n{colored:?}");
    assert!(example.join("web.config").is_file());
}

#[test]
#[ignore = "terminal tier: needs tmux (scripts/setup); scripts/test runs it"]
fn the_live_probe_status_line_is_rewritten_in_place_then_cleared() {
    let dir = tempfile::tempdir().expect("temp dir");
    app_dir(dir.path(), "--slow-start 3000");
    let raw = dir.path().join("pane.raw");
    // Stdout to a file, stderr on the terminal: the status line is stderr's, the report stdout's.
    let report = dir.path().join("report.txt");
    let pane = Pane::start(
        "status",
        100,
        30,
        &shell(&format!(
            "sleep 1; {} doctor --host none {} > {}",
            ancm().display(),
            dir.path().display(),
            report.display()
        )),
    );
    pane.record(&raw);
    let screen = pane.wait_for("exit line", |s| s.contains("[exit "));
    let printed = std::fs::read(&raw).expect("pane recorded");
    let printed = String::from_utf8_lossy(&printed);
    // Rewritten in place: a carriage return and an erase before each state of the line.
    for phase in [
        "live probe: starting the app as ANCM would",
        "live probe: waiting for port ",
        " s of startupTimeLimit 120 s",
        "live probe: request sent to the app on port ",
        "live probe: stopping the app",
    ] {
        assert!(
            printed.contains(phase),
            "no `{phase}` on stderr:\n{printed:?}"
        );
    }
    assert!(
        printed.contains("\r\x1b[2Klive probe: waiting for port "),
        "{printed:?}"
    );
    // One line at a time, cleared at the end: nothing of it is left on the screen.
    assert!(
        !screen.contains("live probe:"),
        "status line left behind:\n{screen}"
    );
    let report = std::fs::read_to_string(&report).expect("report written");
    assert!(report.contains("live probe"), "{report}");
    assert!(
        !report.contains("waiting for port"),
        "progress in the report:\n{report}"
    );
}

#[test]
#[ignore = "terminal tier: needs tmux (scripts/setup); scripts/test runs it"]
fn run_trace_keys_act_on_the_running_app() {
    let dir = tempfile::tempdir().expect("temp dir");
    app_dir(dir.path(), "--print hello-from-the-app");
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let pane = Pane::start(
        "trace-keys",
        160,
        60,
        &shell(&format!(
            "{} run --trace {} --listen {listen}",
            ancm().display(),
            dir.path().display()
        )),
    );
    pane.wait_for("key help", |s| s.contains("keys: r restart the app"));
    let offline = dir.path().join("app_offline.htm");

    // p: a request through the proxy starts the app and is answered.
    pane.keys("p");
    pane.wait_for("answered request", |s| s.contains("request  GET / → 200"));
    let first_pid = spawned_pids(&pane.screen(false));
    assert_eq!(first_pid.len(), 1, "{}", pane.screen(false));

    // e: the environment the app got, web.config's secret redacted.
    pane.keys("e");
    let s = pane.wait_for("environment", |s| s.contains("key e: environment of pid"));
    assert!(s.contains("SHOP_DB_PASSWORD=***"), "{s}");
    assert!(!s.contains("hunter2-secret"), "secret shown:\n{s}");
    assert!(s.contains("ASPNETCORE_PORT="), "{s}");

    // o: app_offline.htm written, the app stopped, requests get 503; o again: removed, online.
    pane.keys("o");
    pane.wait_for("offline", |s| {
        s.contains("app_offline.htm found: stopping the app")
    });
    assert!(offline.is_file(), "no app_offline.htm written");
    pane.keys("p");
    pane.wait_for("503", |s| s.contains("→ 503"));
    pane.keys("o");
    pane.wait_for("online", |s| {
        s.contains("app_offline.htm removed: the next request starts the app")
    });
    assert!(!offline.exists(), "app_offline.htm left");

    // r: a new process now, not at the next request.
    pane.keys("r");
    pane.wait_for("restart", |s| {
        spawned_pids(s).len() == 2 && s.matches("ready ").count() >= 2
    });
    let pids = spawned_pids(&pane.screen(false));
    assert_ne!(pids[0], pids[1]);

    // q: the orderly stop, exit 0, no process left, and the file ancm wrote for o gone.
    pane.keys("o");
    pane.wait_for("offline again", |s| s.matches("key o: wrote").count() == 2);
    assert!(offline.is_file());
    pane.keys("q");
    let s = pane.wait_for("exit line", |s| s.contains("[exit "));
    assert!(s.contains("[exit 0]"), "{s}");
    assert!(
        s.contains("stopped gracefully") || s.contains("app_offline.htm found"),
        "{s}"
    );
    assert!(!offline.exists(), "ancm left the app_offline.htm it wrote");
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists() || is_zombie(pid),
            "pid {pid} outlived ancm"
        );
    }
    // Raw mode is over: the shell's line after ancm starts at column 0.
    assert!(s.lines().any(|l| l.starts_with("[exit 0]")), "{s}");
}

#[test]
#[ignore = "terminal tier: needs tmux (scripts/setup); scripts/test runs it"]
fn a_crashing_apps_explanation_is_said_once_per_timeline() {
    let dir = tempfile::tempdir().expect("temp dir");
    app_dir(dir.path(), "--crash-at-start");
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let pane = Pane::start(
        "dedup",
        200,
        80,
        &shell(&format!(
            "{} run --trace {} --listen {listen}",
            ancm().display(),
            dir.path().display()
        )),
    );
    pane.wait_for("key help", |s| s.contains("keys: r restart the app"));
    for n in 1..=3 {
        pane.keys("p");
        pane.wait_for("502.5", |s| s.matches("→ 502.5").count() >= n);
    }
    pane.keys("q");
    let s = pane.wait_for("exit line", |s| s.contains("[exit "));
    let full = s.matches("killed by signal 6 (SIGABRT): aborted").count();
    assert!(full >= 1, "{s}");
    assert!(
        s.contains("same as at "),
        "no reference to the first explanation:\n{s}"
    );
    // Three requests, each with two start attempts: the long reason printed in full only a few
    // times (once per kind of line), not once per attempt and request.
    assert!(full <= 4, "{full} full explanations:\n{s}");
    // The environment of each start attempt is listed once too.
    assert_eq!(
        s.matches("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES=").count(),
        1,
        "{s}"
    );
    assert!(s.contains("environment same as at "), "{s}");
}

/// The pids of the `spawn` lines on the screen, in order.
fn spawned_pids(screen: &str) -> Vec<u32> {
    screen
        .lines()
        .filter_map(|l| l.split("spawn    attempt ").nth(1))
        .filter_map(|rest| rest.split("pid ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.contains(") Z "))
        .unwrap_or(true)
}
