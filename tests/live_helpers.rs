//! Helpers shared by the live tests (included with `#[path]`): the `ancm-testapp` binary, a
//! session with a recorded event stream, waiting for events, and the process table.
#![allow(dead_code)]
use ancm_doctor::live::events::{Event, EventBus, Stamped};
use ancm_doctor::live::session::Session;
use ancm_doctor::live::LiveConfig;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/debug/ancm-testapp`, built once per test binary (`cargo build -p ancm-testapp`).
/// `CARGO_BIN_EXE_*` only exists for the package's own binaries, so the workspace member is
/// built here; a failing build fails the test, it never skips it.
pub fn testapp() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "-q", "-p", "ancm-testapp"])
            .current_dir(repo_root())
            .status()
            .expect("run cargo to build ancm-testapp");
        assert!(status.success(), "cargo build -p ancm-testapp failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("target"));
        let bin = target
            .join("debug")
            .join(format!("ancm-testapp{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "{} missing after the build", bin.display());
        bin
    })
    .clone()
}

/// A config that runs the test app with `args` from `app_dir`, with short limits for tests.
pub fn config(app_dir: &Path, args: &str) -> LiveConfig {
    let mut c = LiveConfig::for_test(app_dir, &testapp().display().to_string(), args);
    c.startup_time_limit = Duration::from_secs(60);
    c.shutdown_time_limit = Duration::from_secs(5);
    c
}

/// A running session and everything it reported.
pub struct Live {
    pub session: Option<Session>,
    pub bus: Arc<EventBus>,
    pub url: String,
}

impl Live {
    pub async fn start(cfg: LiveConfig) -> Live {
        let bus = EventBus::new(true);
        let session = Session::start(cfg, bus.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .expect("proxy listens");
        let url = format!("http://{}", session.addr);
        Live {
            session: Some(session),
            bus,
            url,
        }
    }

    pub fn events(&self) -> Vec<Stamped> {
        self.bus.snapshot()
    }

    /// Waits until an event matching `f` has been published (panics after `limit`).
    pub async fn wait_for(&self, what: &str, limit: Duration, f: impl Fn(&Event) -> bool) -> Event {
        let t = Instant::now();
        loop {
            if let Some(e) = self.bus.snapshot().into_iter().find(|e| f(&e.event)) {
                return e.event;
            }
            assert!(
                t.elapsed() < limit,
                "no `{what}` event within {limit:?}; events: {:#?}",
                self.bus.snapshot()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn count(&self, f: impl Fn(&Event) -> bool) -> usize {
        self.bus.snapshot().iter().filter(|e| f(&e.event)).count()
    }

    pub fn spawned_pids(&self) -> Vec<u32> {
        self.events()
            .iter()
            .filter_map(|e| match &e.event {
                Event::Spawn { pid, .. } => Some(*pid),
                _ => None,
            })
            .collect()
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.session.take() {
            s.stop().await;
        }
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(90))
        .build()
        .unwrap()
}

/// Whether `pid` is a live (non-zombie) process, from /proc.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s
            .rsplit(')')
            .next()
            .and_then(|r| r.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Waits until none of `pids` is alive (panics after `limit`).
pub fn assert_all_gone(pids: &[u32], limit: Duration) {
    let t = Instant::now();
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            t.elapsed() < limit,
            "processes still alive: {:?}",
            pids.iter().filter(|p| alive(**p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Processes whose parent is `pid` (from /proc).
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
            let ppid = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok());
            if ppid == Some(pid) {
                out.push(p);
            }
        }
    }
    out
}
