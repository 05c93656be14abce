//! The process supervisor: ANCM's `PROCESS_MANAGER` + `SERVER_PROCESS` for one slot
//! (`processesPerApplication` = 1), as ancm-protocol.md §3 and §5 describe them.
//!
//! Starts are lazy (on a request) and serialised by one lock: two attempts, each with a fresh
//! port and a full startupTimeLimit; readiness = a listener on the assigned port owned by the
//! process or a descendant, polled every 250 ms; early exit ends the wait at once. A crash after
//! ready empties the slot and counts towards rapidFailsPerMinute (current V2: only crashes count;
//! V1: failed starts too). Stopping = `POST /iisintegration` with the shutdown event, then a stop
//! signal, then a kill of the whole group after shutdownTimeLimit. It reports everything to the
//! event bus and decides nothing about HTTP answers (that is `proxy.rs`).
use super::events::{lock, Event, EventBus, ExitInfo};
use super::explain::{self, StartFailure};
use super::launch::{self, SharedCapture};
use super::ports::{self, OwnedListener, PortState};
use super::process::{self, GroupGuard, OutputMode, StopSignal};
use super::LiveConfig;
use crate::contract::ModuleVersion;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// ANCM polls the listener table every 250 ms (§3.3 [SRC]).
pub const POLL: Duration = Duration::from_millis(250);
/// The probe (`fast_diagnosis`) polls faster: the answer is the same, only found sooner — a
/// healthy app's verdict should cost its start time, not up to 250 ms more.
pub const PROBE_POLL: Duration = Duration::from_millis(20);
/// Two attempts per start (`dwRetryCount = 2`, §3.4 [SRC]).
pub const ATTEMPTS: u32 = 2;
/// The rapid-fail window (§3.7 [SRC]).
pub const RAPID_FAIL_WINDOW: Duration = Duration::from_secs(60);
/// How long a listener on another port must persist before the fast diagnosis concludes.
pub const WRONG_PORT_GRACE: Duration = Duration::from_millis(500);

/// A running, ready backend process.
pub struct Backend {
    pub pid: u32,
    pub port: u16,
    pub token: String,
    pub listener_pid: u32,
    pub started: Instant,
    exit_rx: watch::Receiver<Option<ExitInfo>>,
    pub capture: SharedCapture,
    /// What ancm did to it ([`explain::Ending`] as a number, read when it exits).
    ending: Arc<AtomicU8>,
    _guard: GroupGuard,
}

const ON_ITS_OWN: u8 = 0;
const STOP_REQUESTED: u8 = 1;
const KILLED_BY_ANCM: u8 = 2;

fn ending_of(v: u8) -> explain::Ending {
    match v {
        STOP_REQUESTED => explain::Ending::StopRequested,
        KILLED_BY_ANCM => explain::Ending::KilledByAncm,
        _ => explain::Ending::OnItsOwn,
    }
}

impl Backend {
    /// How it ended, if it has.
    pub fn exited(&self) -> Option<ExitInfo> {
        *self.exit_rx.borrow()
    }

    /// True while nothing was reported on the exit channel since this backend was made: one
    /// atomic load, no lock (the proxy asks on every request; see [`Supervisor::generation`]).
    pub fn still_running(&self) -> bool {
        matches!(self.exit_rx.has_changed(), Ok(false))
    }

    /// Waits until the process has exited or `limit` passed; true if it exited.
    pub async fn wait_exit(&self, limit: Duration) -> bool {
        let mut rx = self.exit_rx.clone();
        let done = tokio::time::timeout(limit, rx.wait_for(|e| e.is_some()))
            .await
            .is_ok();
        done
    }
}

impl Drop for Backend {
    /// The guard kills the group next: that exit is ancm's doing, not a crash.
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.ending.compare_exchange(
                ON_ITS_OWN,
                KILLED_BY_ANCM,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
        }
    }
}

/// Why no backend is available for a request.
#[derive(Debug, Clone)]
pub enum Unavailable {
    Start(StartFailure),
    /// The session is shutting down (ANCM: E_APPLICATION_EXITING → 503).
    ShuttingDown,
}

struct Inner {
    slot: Option<Arc<Backend>>,
    rapid_count: u32,
    window_start: Instant,
    shut_down: bool,
    last_failure: Option<StartFailure>,
}

pub struct Supervisor {
    pub cfg: Arc<LiveConfig>,
    pub bus: Arc<EventBus>,
    inherited: Vec<(String, String)>,
    inner: tokio::sync::Mutex<Inner>,
    /// Set once the session stops: a pending start gives up at once and makes no further
    /// attempt (read without the `inner` lock, which a pending start holds).
    interrupted: watch::Sender<bool>,
    /// The runtime the supervisor was made on: starts run there, whichever thread's request
    /// asked for one, so the process, its exit watcher and its output readers outlive the
    /// proxy's threads and are stopped by the session (`proxy::serve`).
    control: Option<tokio::runtime::Handle>,
    /// Bumped whenever what [`Supervisor::ready_now`] answers may change other than by the
    /// backend's exit (the slot filled or emptied, shutting down, interrupted): a backend
    /// [`Supervisor::ready_now`] gave while this read the same, and that is
    /// [`Backend::still_running`], is still the answer. The proxy checks that per request
    /// instead of taking `ready_now`'s locks, which every proxy thread shares.
    generation: AtomicU64,
}

impl Supervisor {
    pub fn new(cfg: LiveConfig, bus: Arc<EventBus>) -> Arc<Supervisor> {
        // Every web.config value is hidden where it is shown (the spawn's environment); only
        // credentials are also searched for in the app's output (`crate::secrets`).
        for (k, v) in &cfg.env {
            if crate::secrets::is_credential(k, v) {
                bus.add_credential(v);
            }
        }
        Arc::new(Supervisor {
            cfg: Arc::new(cfg),
            bus,
            inherited: launch::inherited_env(),
            inner: tokio::sync::Mutex::new(Inner {
                slot: None,
                rapid_count: 0,
                window_start: Instant::now(),
                shut_down: false,
                last_failure: None,
            }),
            interrupted: watch::channel(false).0,
            control: tokio::runtime::Handle::try_current().ok(),
            generation: AtomicU64::new(0),
        })
    }

    /// Stops starting: a pending start ends before its next attempt or poll, and no new one
    /// begins (Ctrl-C during `run`, the end of a session).
    pub fn interrupt(&self) {
        self.interrupted.send_replace(true);
        self.changed();
    }

    /// See [`Supervisor::generation`] (the field).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn is_interrupted(&self) -> bool {
        *self.interrupted.borrow()
    }

    /// The most recent start failure, for the probe's diagnosis.
    pub async fn last_failure(&self) -> Option<StartFailure> {
        self.inner.lock().await.last_failure.clone()
    }

    /// The current backend if one is running (does not start one).
    pub async fn current(&self) -> Option<Arc<Backend>> {
        self.inner.lock().await.slot.clone()
    }

    /// The running backend, without waiting: `None` when there is none, it exited, the session is
    /// stopping, or a start holds the lock — then [`Supervisor::acquire`] decides. Most requests
    /// find the app running; this keeps them off the async lock.
    pub fn ready_now(&self) -> Option<Arc<Backend>> {
        let inner = self.inner.try_lock().ok()?;
        if inner.shut_down || self.is_interrupted() {
            return None;
        }
        inner
            .slot
            .as_ref()
            .filter(|b| b.exited().is_none())
            .cloned()
    }

    /// [`Supervisor::acquire`] on the supervisor's own runtime (see `control`), from any thread.
    pub async fn acquire_anywhere(self: &Arc<Self>) -> Result<Arc<Backend>, Unavailable> {
        match &self.control {
            Some(rt) => {
                let me = self.clone();
                rt.spawn(async move { me.acquire().await })
                    .await
                    .unwrap_or(Err(Unavailable::ShuttingDown))
            }
            None => self.acquire().await,
        }
    }

    /// A ready backend, starting one if the slot is empty (`PROCESS_MANAGER::GetProcess`).
    pub async fn acquire(&self) -> Result<Arc<Backend>, Unavailable> {
        let mut inner = self.inner.lock().await;
        if inner.shut_down || self.is_interrupted() {
            return Err(Unavailable::ShuttingDown);
        }
        if let Some(b) = &inner.slot {
            if b.exited().is_none() {
                return Ok(b.clone());
            }
            // Crash after ready: StopProcess empties the slot and counts a rapid fail (§3.6).
            inner.slot = None;
            self.changed();
            inner.rapid_count += 1;
        }
        if inner.window_start.elapsed() >= RAPID_FAIL_WINDOW {
            inner.window_start = Instant::now();
            inner.rapid_count = 0;
        }
        let limit = self.cfg.rapid_fails_per_minute;
        if inner.rapid_count > limit {
            self.bus.emit(Event::RapidFailLockout {
                limit,
                count: inner.rapid_count,
            });
            let f = StartFailure::RapidFail {
                limit,
                count: inner.rapid_count,
            };
            inner.last_failure = Some(f.clone());
            return Err(Unavailable::Start(f));
        }
        match self.start().await {
            Ok(b) => {
                inner.slot = Some(b.clone());
                self.changed();
                Ok(b)
            }
            Err(StartFailure::Interrupted) => {
                self.bus.emit(Event::Note {
                    message: StartFailure::Interrupted.reason(),
                });
                Err(Unavailable::ShuttingDown)
            }
            Err(f) => {
                if self.cfg.module == ModuleVersion::V1 {
                    // V1's failed start went through StopProcess and counted (§3.7 [SRC]).
                    inner.rapid_count += 1;
                }
                inner.last_failure = Some(f.clone());
                Err(Unavailable::Start(f))
            }
        }
    }

    /// `SERVER_PROCESS::StartProcess`: up to two attempts.
    async fn start(&self) -> Result<Arc<Backend>, StartFailure> {
        let cfg = &self.cfg;
        let configured = match launch::configured_port(cfg) {
            Ok(p) => p,
            Err(launch::LaunchError::InvalidConfiguredPort { value }) => {
                let f = StartFailure::InvalidPort { value };
                self.report_attempt(1, 0, &f, 0);
                self.bus.emit(Event::StartFailed { reason: f.reason() });
                return Err(f);
            }
        };
        // One token per process instance, reused across its retries (§2.5 step 10).
        let token = launch::new_token(cfg);
        self.bus.add_token(&token);
        let output = self.output_mode();
        let mut last = None;
        for attempt in 1..=self.cfg.attempts.clamp(1, ATTEMPTS) {
            if self.is_interrupted() {
                return Err(StartFailure::Interrupted);
            }
            let port = match configured {
                Some(p) => p,
                None => match ports::choose_port(cfg.module) {
                    Ok(p) => p,
                    Err(e) => {
                        let f = StartFailure::NoFreePort {
                            low: e.low,
                            high: e.high,
                        };
                        self.report_attempt(attempt, 0, &f, 0);
                        last = Some(f);
                        continue;
                    }
                },
            };
            match self.attempt(attempt, port, &token, &output).await {
                Ok(b) => return Ok(b),
                Err(StartFailure::Interrupted) => return Err(StartFailure::Interrupted),
                Err(f) => {
                    let critical = f.is_critical();
                    last = Some(f);
                    if critical {
                        break;
                    }
                }
            }
        }
        let f = last.unwrap_or(StartFailure::NoFreePort { low: 0, high: 0 });
        self.bus.emit(Event::StartFailed { reason: f.reason() });
        Err(f)
    }

    /// Where output goes, decided once per start (§2.6: before the retry loop).
    fn output_mode(&self) -> OutputMode {
        let cfg = &self.cfg;
        if !cfg.console_redirection {
            return OutputMode::Discard;
        }
        if !cfg.stdout_log_enabled {
            return OutputMode::Pipe;
        }
        let plan = launch::stdout_log_plan(cfg, chrono::Utc::now(), std::process::id());
        let path = plan.write_path.clone();
        let instead_of = plan
            .redirected
            .then(|| plan.ancm_path.display().to_string());
        let ancm_folder_exists = plan.redirected.then_some(plan.ancm_folder_exists);
        // V2 creates missing folders; V1 does not (ancm-reference.md §3.1 [DOC D1, SRC S16]).
        if cfg.module == ModuleVersion::V2 {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
        } else if plan.redirected && !plan.ancm_folder_exists {
            // What V1 would do, without touching the folder web.config names.
            self.bus.emit(Event::StdoutLog {
                path: path.display().to_string(),
                created: false,
                error: Some("ANCM V1 does not create the stdout log folder".into()),
                instead_of,
                ancm_folder_exists,
            });
            return OutputMode::Discard;
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
        {
            Ok(_) => {
                self.bus.emit(Event::StdoutLog {
                    path: path.display().to_string(),
                    created: true,
                    error: None,
                    instead_of,
                    ancm_folder_exists,
                });
                OutputMode::File(path)
            }
            Err(e) => {
                // ANCM logs a warning (event 1004), discards output and starts anyway.
                self.bus.emit(Event::StdoutLog {
                    path: path.display().to_string(),
                    created: false,
                    error: Some(e.to_string()),
                    instead_of,
                    ancm_folder_exists,
                });
                OutputMode::Discard
            }
        }
    }

    fn report_attempt(&self, attempt: u32, port: u16, f: &StartFailure, elapsed_ms: u64) {
        self.bus.emit(Event::AttemptFailed {
            attempt,
            port,
            stage: f.stage().to_string(),
            hresult: f.hresult().to_string(),
            reason: f.reason(),
            elapsed_ms,
        });
    }

    async fn attempt(
        &self,
        attempt: u32,
        port: u16,
        token: &str,
        output: &OutputMode,
    ) -> Result<Arc<Backend>, StartFailure> {
        let plan = launch::plan(&self.cfg, &self.inherited, port, token);
        let started = Instant::now();
        let spawned = match process::spawn(&plan, output, &self.bus) {
            Ok(s) => s,
            Err(e) => {
                process::report_spawn_error(&self.bus, attempt, &plan.program, &e);
                let f = StartFailure::SpawnFailed {
                    program: plan.program.display().to_string(),
                    error: e.to_string(),
                    os_error: e.raw_os_error(),
                };
                self.report_attempt(attempt, port, &f, 0);
                return Err(f);
            }
        };
        let pid = spawned.pid;
        self.bus.emit(Event::Spawn {
            attempt,
            pid,
            port,
            command_line: plan.command_line.clone(),
            cwd: plan.cwd.display().to_string(),
            env: plan.shown.clone(),
        });
        let guard = GroupGuard(pid);
        let capture = spawned.capture.clone();
        let readers = spawned.readers;
        let output_done = spawned.output_done.clone();
        let mut child = spawned.child;
        let (exit_tx, exit_rx) = watch::channel(None);
        let ready = Arc::new(AtomicBool::new(false));
        let ending = Arc::new(AtomicU8::new(ON_ITS_OWN));
        {
            let bus = self.bus.clone();
            let ready = ready.clone();
            let ending = ending.clone();
            tokio::spawn(async move {
                let status = child.wait().await;
                let exit = match status {
                    Ok(s) => exit_info(s),
                    Err(_) => ExitInfo {
                        code: None,
                        signal: None,
                    },
                };
                // The root is gone: its descendants go too (ANCM closes the job).
                process::signal_group(pid, StopSignal::Kill);
                output_done.store(true, Ordering::SeqCst);
                // Let the readers drain what the process wrote before it died.
                let t = Instant::now();
                // (They end within a millisecond of the exit: a short pause, or every stop waits
                // up to one pause more.)
                while readers.iter().any(|r| !r.is_finished())
                    && t.elapsed() < Duration::from_millis(1500)
                {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let after_ready = ready.load(Ordering::SeqCst);
                bus.emit(Event::Exited {
                    pid,
                    exit,
                    meaning: explain::decode_ending(
                        exit,
                        ending_of(ending.load(Ordering::SeqCst)),
                        after_ready,
                    ),
                    after_ready,
                    uptime_ms: started.elapsed().as_millis() as u64,
                });
                let _ = exit_tx.send(Some(exit));
            });
        }
        match self
            .post_start_check(pid, port, started, exit_rx.clone(), &capture)
            .await
        {
            Ok(listener_pid) => {
                ready.store(true, Ordering::SeqCst);
                self.bus.emit(Event::Ready {
                    pid,
                    listener_pid,
                    port,
                    elapsed_ms: started.elapsed().as_millis() as u64,
                });
                Ok(Arc::new(Backend {
                    pid,
                    port,
                    token: token.to_string(),
                    listener_pid,
                    started,
                    exit_rx,
                    capture,
                    ending,
                    _guard: guard,
                }))
            }
            Err(f) => {
                if !matches!(f, StartFailure::Interrupted) {
                    self.report_attempt(attempt, port, &f, started.elapsed().as_millis() as u64);
                }
                // CleanUp: the whole tree dies before the next attempt (§3.4).
                if exit_rx.borrow().is_none() {
                    ending.store(KILLED_BY_ANCM, Ordering::SeqCst);
                }
                drop(guard);
                let mut rx = exit_rx;
                let _ = tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|e| e.is_some()))
                    .await;
                Err(f)
            }
        }
    }

    /// `PostStartCheck`: wait for a listener on `port` owned by the tree; fail at once on exit.
    async fn post_start_check(
        &self,
        pid: u32,
        port: u16,
        started: Instant,
        mut exit_rx: watch::Receiver<Option<ExitInfo>>,
        capture: &SharedCapture,
    ) -> Result<u32, StartFailure> {
        let limit = self.cfg.startup_time_limit;
        let mut reported: Vec<u16> = Vec::new();
        let mut first_elsewhere: Option<Instant> = None;
        let output = || lock(capture).text();
        let mut interrupted = self.interrupted.subscribe();
        // The probe's pause between looks grows from 1 ms to PROBE_POLL: most apps listen within
        // milliseconds of their start or take much longer, and a fixed pause cost a fast app up
        // to a whole PROBE_POLL.
        let mut probe_pause = Duration::from_millis(1);
        let line_arrived = lock(capture).arrived.clone();
        loop {
            let looked = Instant::now();
            if *interrupted.borrow_and_update() {
                return Err(StartFailure::Interrupted);
            }
            if exit_rx.borrow().is_some() {
                // The exit task drained the output before publishing the exit.
                let exit = exit_rx.borrow().unwrap_or(ExitInfo {
                    code: None,
                    signal: None,
                });
                return Err(StartFailure::Exited {
                    exit,
                    output: output(),
                    elapsed_ms: started.elapsed().as_millis() as u64,
                });
            }
            match ports::port_state(port, pid) {
                PortState::Ours { pid: owner } => return Ok(owner.unwrap_or(pid)),
                PortState::Foreign if self.cfg.module == ModuleVersion::V1 => {
                    // V1 only asked whether the port listens, not who owns it (§9 [SRC]): it
                    // forwards to whoever holds the port.
                    self.bus.emit(Event::Note {
                        message: format!("another process listens on the assigned port {port}; ANCM V1 does not check the owner and forwards requests to it"),
                    });
                    return Ok(0);
                }
                PortState::Foreign => return Err(StartFailure::ForeignListener { port }),
                PortState::Free => {}
            }
            let mut elsewhere: Vec<OwnedListener> = ports::tree_listeners(pid)
                .into_iter()
                .filter(|l| l.port != port)
                .collect();
            if elsewhere.is_empty() {
                // Where the socket table names no owners (Wine reports pid 0, macOS has no
                // table here), the app's own "Now listening on:" line still says where it went;
                // believe it only while that port really listens.
                elsewhere = explain::announced_ports(&output())
                    .into_iter()
                    .filter(|p| *p != port && ports::ipv4_listening(*p))
                    .map(|p| OwnedListener {
                        pid: 0,
                        port: p,
                        ipv6: false,
                    })
                    .collect();
            }
            for l in &elsewhere {
                if !reported.contains(&l.port) {
                    reported.push(l.port);
                    self.bus.emit(Event::ListeningElsewhere {
                        pid: l.pid,
                        port: l.port,
                        expected_port: port,
                    });
                }
            }
            if !elsewhere.is_empty() {
                let since = *first_elsewhere.get_or_insert_with(Instant::now);
                if self.cfg.fast_diagnosis && since.elapsed() >= WRONG_PORT_GRACE {
                    return Err(StartFailure::WrongPort {
                        expected: port,
                        found: elsewhere,
                        output: output(),
                        elapsed_ms: started.elapsed().as_millis() as u64,
                    });
                }
            }
            if started.elapsed() >= limit {
                return Err(StartFailure::Timeout {
                    waited_ms: started.elapsed().as_millis() as u64,
                    output: output(),
                    elsewhere,
                });
            }
            let line = tokio::select! {
                _ = exit_rx.changed() => false,
                _ = interrupted.changed() => false,
                _ = tokio::time::sleep(if self.cfg.fast_diagnosis { probe_pause } else { POLL }) => false,
                // The probe looks again as soon as the app writes a line (it announces its port
                // right after binding it), and its pause starts over.
                _ = line_arrived.notified(), if self.cfg.fast_diagnosis => {
                    // However chatty the app, at most one look per 2 ms.
                    tokio::time::sleep(Duration::from_millis(2).saturating_sub(looked.elapsed())).await;
                    true
                }
            };
            probe_pause = if line {
                Duration::from_millis(1)
            } else {
                (probe_pause * 2).min(PROBE_POLL)
            };
        }
    }

    /// Stops the running backend, if any (app_offline, config change, end of session).
    pub async fn stop(&self) {
        let backend = self.inner.lock().await.slot.take();
        self.changed();
        if let Some(b) = backend {
            self.graceful_stop(&b).await;
        }
    }

    /// Stops the backend and refuses new starts (503 from now on).
    pub async fn shutdown(&self) {
        // First, without the lock: a start holding it gives up instead of finishing.
        self.interrupt();
        let backend = {
            let mut inner = self.inner.lock().await;
            inner.shut_down = true;
            let b = inner.slot.take();
            self.changed();
            b
        };
        if let Some(b) = backend {
            self.graceful_stop(&b).await;
        }
    }

    /// Stops the backend at once, with no shutdown request (and refuses new starts): for an app
    /// already judged hung, where waiting shutdownTimeLimit for a graceful stop would only delay
    /// the verdict.
    pub async fn kill_now(&self) {
        self.interrupt();
        let backend = {
            let mut inner = self.inner.lock().await;
            inner.shut_down = true;
            let b = inner.slot.take();
            self.changed();
            b
        };
        let Some(b) = backend else { return };
        if b.exited().is_some() {
            return;
        }
        self.kill_tree(&b, Instant::now()).await;
    }

    /// Kills the backend's whole tree and waits (bounded) for the root's exit; `since` is when
    /// the stop began, for the event.
    async fn kill_tree(&self, b: &Backend, since: Instant) {
        b.ending.store(KILLED_BY_ANCM, Ordering::SeqCst);
        process::kill_group(b.pid);
        self.bus.emit(Event::Killed {
            pid: b.pid,
            after_ms: since.elapsed().as_millis() as u64,
        });
        b.wait_exit(Duration::from_secs(5)).await;
    }

    /// §5.2: shutdown request, then a stop signal, then kill after shutdownTimeLimit.
    async fn graceful_stop(&self, b: &Backend) {
        if b.exited().is_some() {
            return;
        }
        let limit = self.cfg.shutdown_time_limit;
        let t0 = Instant::now();
        b.ending.store(STOP_REQUESTED, Ordering::SeqCst);
        let (status, error) = send_shutdown(b.port, &self.cfg.virtual_path, &b.token, limit).await;
        self.bus.emit(Event::ShutdownSent {
            pid: b.pid,
            status,
            error,
        });
        if status != Some(202) {
            process::signal_group(b.pid, StopSignal::Terminate);
            self.bus.emit(Event::Signalled {
                pid: b.pid,
                signal: if cfg!(unix) { "SIGTERM" } else { "taskkill" }.into(),
            });
        }
        let left = limit.saturating_sub(t0.elapsed());
        if b.wait_exit(left).await {
            self.bus.emit(Event::Stopped {
                pid: b.pid,
                graceful: true,
                elapsed_ms: t0.elapsed().as_millis() as u64,
            });
        } else {
            self.kill_tree(b, t0).await;
        }
    }
}

/// `POST <vpath>/iisintegration` with `MS-ASPNETCORE-EVENT: shutdown` and the token; timeouts
/// = shutdownTimeLimit (§5.2 [SRC]). Returns the status or why there was none.
///
/// `Content-Length: 0` is part of the request: ANCM's WinHTTP POST with no data carries it, and
/// Microsoft's Kestrel answers an HTTP/1.1 POST with neither a length nor chunking with 411
/// Length Required before any middleware runs (`real-aspnetcore.md`: verified against Kestrel
/// 2.2). hyper sends no length for an empty body, so it is set here explicitly.
pub async fn send_shutdown(
    port: u16,
    virtual_path: &str,
    token: &str,
    limit: Duration,
) -> (Option<u16>, Option<String>) {
    let base = virtual_path.trim_end_matches('/');
    let url = format!("http://127.0.0.1:{port}{base}/iisintegration");
    let limit = limit.max(Duration::from_millis(100));
    let client = match reqwest::Client::builder()
        .no_proxy()
        .timeout(limit)
        .connect_timeout(limit)
        .build()
    {
        Ok(c) => c,
        Err(e) => return (None, Some(e.to_string())),
    };
    match client
        .post(url)
        .header("MS-ASPNETCORE-EVENT", "shutdown")
        .header("MS-ASPNETCORE-TOKEN", token)
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .send()
        .await
    {
        Ok(r) => (Some(r.status().as_u16()), None),
        Err(e) => (None, Some(e.to_string())),
    }
}

fn exit_info(s: std::process::ExitStatus) -> ExitInfo {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        ExitInfo {
            code: s.code(),
            signal: s.signal(),
        }
    }
    #[cfg(not(unix))]
    {
        ExitInfo {
            code: s.code(),
            signal: None,
        }
    }
}
