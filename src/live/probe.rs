//! `doctor`'s live probe: one bounded run of the emulator — start the app as ANCM would, send one
//! request through the proxy, stop it gracefully — turned into the `live-probe` check result.
//!
//! Bounded: one start attempt, startupTimeLimit capped at [`START_CAP`] and requestTimeout at
//! [`REQUEST_CAP`] (the finding says when a cap, not ANCM, decided), and a wrong-port app is
//! diagnosed as soon as its listener shows up (≈1 s) instead of after startupTimeLimit. Reads
//! the session's event stream only; it prints nothing but an optional spinner on stderr.
use super::events::{Event, EventBus, ProxyAnswer, Stamped};
use super::explain::{self, Trouble};
use super::session::Session;
pub use super::stand::Stand;
use super::LiveConfig;
use crate::deployment::web_config::HostingModel;
use crate::diagnostic::{CheckResult, Finding};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The catalog id of the probe's result.
pub const PROBE_CHECK_ID: &str = "live-probe";
/// Catalog ids produced by the live emulator rather than by a pure `Check`.
pub const CHECK_IDS: &[&str] = &[PROBE_CHECK_ID];
/// The longest the probe waits for the app to listen.
pub const START_CAP: Duration = Duration::from_secs(30);
/// The longest the probe waits for the answer to its request.
pub const REQUEST_CAP: Duration = Duration::from_secs(10);

/// Where the probe reports its phases ("starting the app", "waiting for port N — 3 s of
/// startupTimeLimit 120 s", "request sent", "stopping the app"): the caller's output policy
/// decides how they look (`crate::printer::Printer::status`); the probe prints nothing itself.
/// The flag is true for a once-a-second update of the same phase (a log may keep fewer).
pub type StatusSink = Arc<dyn Fn(&str, bool) + Send + Sync>;

#[derive(Clone, Default)]
pub struct ProbeOptions {
    /// Told each phase of the probe, from its event stream; `None`: no progress.
    pub status: Option<StatusSink>,
    pub show_secrets: bool,
}

impl std::fmt::Debug for ProbeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeOptions")
            .field("status", &self.status.is_some())
            .field("show_secrets", &self.show_secrets)
            .finish()
    }
}

/// Runs the probe; never panics on a misbehaving app, and leaves no process behind.
///
/// Read-only for the deployment: the stdout logs ANCM would write where `stdoutLogFile` points
/// go to a scratch folder ancm creates and removes here (their content is already in the
/// report, so keeping them would only leave a folder behind on every run); the finding says
/// where ANCM would have written and whether ANCM would create that folder.
pub fn probe(cfg: LiveConfig, opts: ProbeOptions) -> Vec<CheckResult> {
    probe_for(cfg, opts, &Stand::default())
}

/// [`probe`], saying which machine it speaks for: it skips when this machine cannot start the
/// app as the server would (a Windows-only layout elsewhere, an apphost for another OS, no
/// `dotnet` here), and notes what it substituted and where its verdict and the static checks'
/// differ.
pub fn probe_for(mut cfg: LiveConfig, opts: ProbeOptions, stand: &Stand) -> Vec<CheckResult> {
    let title = crate::catalog::title(PROBE_CHECK_ID);
    let this_dotnet = if stand.muxer {
        super::stand::this_machine_dotnet(stand.muxer_root.as_deref())
    } else {
        None
    };
    if let Some(skip) = cannot_reproduce(stand, this_dotnet.as_deref()) {
        return vec![CheckResult::skipped(PROBE_CHECK_ID, title, skip)];
    }
    if stand.foreign_muxer.is_some() {
        // `C:\Program Files\dotnet\dotnet.exe` is `dotnet` from that root on the server; here
        // it is this machine's `dotnet` (the note in `speak_for` says so).
        cfg.process_path = "dotnet".into();
    }
    let scratch = match super::scratch::probe_folder(&std::env::temp_dir()) {
        Ok(d) => d,
        Err(e) => {
            return vec![CheckResult::skipped(
                PROBE_CHECK_ID,
                title,
                format!("cannot create a scratch folder for the app's stdout log: {e}"),
            )]
        }
    };
    cfg.stdout_scratch = Some(scratch.path().to_path_buf());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return vec![CheckResult::skipped(
                PROBE_CHECK_ID,
                title,
                format!("cannot start the async runtime: {e}"),
            )]
        }
    };
    let findings = rt.block_on(run(cfg, opts));
    // Dropping the runtime drops the session's tasks; every process group they held is killed
    // by its guard. (Not `kill_all`: other probes in this process may be running.)
    rt.shutdown_timeout(Duration::from_secs(2));
    match findings {
        Ok(mut f) => {
            speak_for(&mut f, stand, this_dotnet.as_deref());
            vec![CheckResult::from_findings(PROBE_CHECK_ID, title, f)]
        }
        Err(reason) => vec![CheckResult::skipped(PROBE_CHECK_ID, title, reason)],
    }
}

async fn run(mut cfg: LiveConfig, opts: ProbeOptions) -> Result<Vec<Finding>, String> {
    let ancm_start_limit = cfg.startup_time_limit;
    let ancm_request_timeout = cfg.request_timeout;
    cfg.fast_diagnosis = true;
    cfg.attempts = 1;
    cfg.startup_time_limit = cfg.startup_time_limit.min(START_CAP);
    cfg.request_timeout = Some(cfg.request_timeout.unwrap_or(REQUEST_CAP).min(REQUEST_CAP));
    let hosting = cfg.hosting_model;
    let module = cfg.module;
    let config_env = cfg.env.clone();
    let bus = EventBus::new(opts.show_secrets);
    let progress = opts
        .status
        .clone()
        .map(|sink| Progress::follow(sink, &bus, ancm_start_limit));
    let session = Session::start(
        cfg,
        bus.clone(),
        "127.0.0.1:0".parse().map_err(|_| "bad address")?,
    )
    .await
    .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let url = format!("http://{}/", session.addr);
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(START_CAP + REQUEST_CAP + Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let resp = client.get(&url).send().await;
    let (status, body_len) = match resp {
        Ok(r) => {
            let status = r.status().as_u16();
            let len = r.bytes().await.map(|b| b.len()).unwrap_or(0);
            (Some(status), len)
        }
        Err(_) => (None, 0),
    };
    let request_ms = t0.elapsed().as_millis() as u64;
    let last_failure = session.sup.last_failure().await;
    if let Some(p) = &progress {
        p.say("live probe: stopping the app");
    }
    // The proxy's own 502.3 while the app still runs: it hung or dropped the request without
    // exiting. The verdict is known; a graceful stop would add up to shutdownTimeLimit to it and
    // teach nothing more. (A 502 the app itself answered is not that: it gets the graceful stop,
    // whose answer the checks below judge. The proxy's answers are in the bus before the client
    // has them: their event is emitted when they are made.)
    let upstream_failed = matches!(
        proxy_answer(&bus.snapshot()),
        Some(ProxyAnswer::UpstreamTimeout | ProxyAnswer::UpstreamError)
    );
    let hung = upstream_failed
        && session
            .sup
            .current()
            .await
            .is_some_and(|b| b.exited().is_none());
    if hung {
        session.kill().await;
    } else {
        session.stop().await;
    }
    drop(progress);
    let events = bus.snapshot();
    let mut findings = Vec::new();
    let redact = |s: &str| bus.redact(s);

    if let Some(p) = events.iter().find_map(|e| match &e.event {
        Event::Offline { path } => Some(path.clone()),
        _ => None,
    }) {
        findings.push(
            Finding::warning(
                "`app_offline.htm` is in the app folder: every request gets 503 with its content, so the probe did not start the app",
            )
            .evidence("file", p)
            .symptom("503")
            .fix("delete `app_offline.htm` when the deployment is finished"),
        );
        return Ok(findings);
    }

    if let Some(explain::StartFailure::SpawnFailed { program, error, .. }) = &last_failure {
        let windows_exe = std::fs::File::open(program)
            .and_then(|mut f| {
                let mut magic = [0u8; 2];
                std::io::Read::read_exact(&mut f, &mut magic).map(|_| magic == *b"MZ")
            })
            .unwrap_or(false);
        if !cfg!(windows)
            && (windows_exe || error.contains("os error 8") || error.contains("format error"))
        {
            // A Windows executable (apphost, self-contained .exe) cannot start here: that says
            // nothing about how it starts on the server.
            return Err(format!(
                "`{program}` is not an executable for this OS (a Windows .exe?): run `ancm doctor` on the server to start it"
            ));
        }
    }
    // What the proxy answered itself, typed (its error answers are logged before they are sent,
    // so the event is there once the response is).
    let answer = proxy_answer(&events);
    match (status, answer) {
        (Some(_), Some(ProxyAnswer::StartFailure)) => {
            if let Some(f) = &last_failure {
                let d = explain::diagnose_start(f, hosting, module, &config_env);
                let mut fd = Finding::error(redact(&d.message)).fix(d.fix.clone());
                if let Some(s) = d.symptom {
                    fd = fd.symptom(s);
                }
                for (k, v) in &d.evidence {
                    fd = fd.evidence(k.clone(), redact(v));
                }
                let out = f.output().trim();
                let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
                let skip = lines.len().saturating_sub(8);
                for line in &lines[skip..] {
                    fd = fd.evidence("app output", redact(line.trim_end()));
                }
                if let explain::StartFailure::Timeout { .. } = f {
                    if ancm_start_limit > START_CAP {
                        fd = fd.evidence(
                            "probe limit",
                            format!(
                                "the probe waited {} s; ANCM waits startupTimeLimit={} s per attempt, twice",
                                START_CAP.as_secs(),
                                ancm_start_limit.as_secs()
                            ),
                        );
                    }
                }
                fd = fd.evidence("probe time", format!("{request_ms} ms"));
                findings.push(fd);
            } else {
                findings.push(Finding::error("the app could not be started (502.5)").symptom("502.5"));
            }
        }
        (Some(_), Some(answer @ (ProxyAnswer::UpstreamTimeout | ProxyAnswer::UpstreamError))) => {
            let err = last_request_error(&events).unwrap_or_default();
            let timeout = answer == ProxyAnswer::UpstreamTimeout;
            let trouble = if timeout {
                Trouble::UpstreamTimeout
            } else {
                Trouble::UpstreamError
            };
            let symptom = explain::iis_symptom(trouble, hosting, module);
            let msg = if timeout {
                format!(
                    "the app started and accepted the request but never answered: {err}"
                )
            } else {
                format!("the app started but the request to it failed: {err}")
            };
            let mut fd = Finding::error(redact(&msg)).fix(if timeout {
                "find what blocks request handling (deadlock, blocking call, long work); raise `requestTimeout` only for legitimately long requests"
            } else {
                "look at the app's output for the crash while handling the request"
            });
            if let Some(s) = symptom {
                fd = fd.symptom(s);
            }
            if let Some(after) = explain::AfterStart::from_events(&events).filter(|_| !timeout) {
                fd = after.explain(fd, status);
            }
            if timeout {
                if let Some(t) = ancm_request_timeout.filter(|t| *t > REQUEST_CAP) {
                    fd = fd.evidence(
                        "probe limit",
                        format!(
                            "the probe waited {} s; ANCM waits requestTimeout={} s before answering 502.3",
                            REQUEST_CAP.as_secs(),
                            t.as_secs()
                        ),
                    );
                }
            }
            findings.push(fd);
        }
        (Some(400), _) if events.iter().any(|e| matches!(&e.event, Event::Note { message } if message.contains("MS-ASPNETCORE-TOKEN"))) => {
            let note = events
                .iter()
                .rev()
                .find_map(|e| match &e.event {
                    Event::Note { message } => Some(message.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            findings.push(
                Finding::error(note)
                    .symptom("400")
                    .fix("let the app read `ASPNETCORE_TOKEN` from the environment ANCM sets; do not set it in appsettings or a launcher"),
            );
        }
        (Some(s), _) => {
            let ready = events.iter().find_map(|e| match &e.event {
                Event::Ready {
                    port,
                    elapsed_ms,
                    listener_pid,
                    ..
                } => Some((*port, *elapsed_ms, *listener_pid)),
                _ => None,
            });
            let mut fd = if s >= 500 {
                Finding::warning(format!(
                    "the app started but answered `GET /` with {s}: an error inside the app, not in how IIS starts it"
                ))
                .fix("look at the app's output and logs for the exception")
            } else {
                Finding::note(format!("the app started and answered `GET /` with {s}"))
            };
            if let Some(after) = explain::AfterStart::from_events(&events).filter(|_| s >= 500) {
                fd = after.explain(fd, status);
            }
            if let Some((port, ms, pid)) = ready {
                fd = fd
                    .evidence("listening", format!("127.0.0.1:{port} (pid {pid})"))
                    .evidence("start time", format!("{ms} ms"));
            }
            fd = fd.evidence("response", format!("{s}, {body_len} bytes, {request_ms} ms"));
            if hosting == HostingModel::InProcess {
                fd = fd.evidence(
                    "hosting model",
                    "inprocess: emulated out-of-process; start-up failures reproduce the same way",
                );
            }
            findings.push(fd);
        }
        (None, _) => {
            findings.push(
                Finding::error("the probe's request through the emulated ANCM got no answer")
                    .fix("run `ancm run --trace` to watch the app start"),
            );
        }
    }
    findings.extend(shutdown_findings(&events));
    findings.extend(stdout_log_findings(&events, module));
    Ok(findings)
}

/// Why the proxy answered the probe's request itself, if it did.
fn proxy_answer(events: &[Stamped]) -> Option<ProxyAnswer> {
    events.iter().rev().find_map(|e| match &e.event {
        Event::Request { answer, .. } => Some(*answer),
        _ => None,
    })?
}

fn last_request_error(events: &[Stamped]) -> Option<String> {
    events.iter().rev().find_map(|e| match &e.event {
        Event::Request { error, .. } => error.clone(),
        _ => None,
    })
}

/// Why the probe cannot stand in for the server here, as a skip reason: the static checks then
/// speak alone (a healthy app is never failed for this machine's lack).
fn cannot_reproduce(stand: &Stand, this_dotnet: Option<&str>) -> Option<String> {
    let statics = if stand.static_failed.is_empty() {
        "the static checks judged the facts and found nothing that stops the start".to_string()
    } else {
        format!(
            "the static checks judged the facts ({} failed)",
            stand
                .static_failed
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if let Some(why) = &stand.cannot_stand_in {
        return Some(format!("{why}; {statics}"));
    }
    if stand.muxer && this_dotnet.is_none() {
        let server = stand
            .server_dotnet
            .as_deref()
            .map(|s| format!(" (the server would use {s})"))
            .unwrap_or_default();
        let lacks = match &stand.muxer_root {
            Some(root) if stand.foreign_muxer.is_none() => {
                format!("no `dotnet` in `{root}`, where `processPath` points")
            }
            _ => "no `dotnet` on PATH".to_string(),
        };
        return Some(format!(
            "this machine has {lacks}, so the probe cannot start the app the way the server would{server}; {statics}"
        ));
    }
    None
}

/// Says which machine the probe's result is about, and why it differs from the static verdict
/// when it does.
fn speak_for(findings: &mut Vec<Finding>, stand: &Stand, this_dotnet: Option<&str>) {
    if let Some(first) = findings.first_mut() {
        let mut machine = Vec::new();
        if let Some(here) = this_dotnet {
            let server = stand
                .server_dotnet
                .as_deref()
                .map(|s| format!("; the server would use {s}"))
                .unwrap_or_default();
            machine.push(format!("ran with this machine's dotnet {here}{server}"));
        }
        if let Some(pp) = &stand.foreign_muxer {
            machine.push(format!(
                "`processPath` names `{pp}`, the server's `dotnet`: this machine has no such path, so the probe started `dotnet` from its PATH instead"
            ));
        }
        if let Some(s) = &stand.snapshot {
            machine.push(format!(
                "the facts are a snapshot of another machine (`{s}`); the probe ran on this one"
            ));
        }
        if !machine.is_empty() {
            *first = first.clone().evidence("this machine", machine.join("; "));
        }
    }
    let probe_failed = findings
        .iter()
        .any(|f| f.level == crate::diagnostic::Level::Error);
    if !probe_failed && !stand.static_failed.is_empty() {
        findings.push(Finding::note(format!(
            "the app started on this machine, but the static checks failed on the {} facts ({}): the server differs from this machine there, and the static verdict stands",
            if stand.snapshot.is_some() { "server's" } else { "machine's" },
            stand
                .static_failed
                .iter()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    } else if probe_failed && stand.static_failed.is_empty() && stand.snapshot.is_some() {
        if let Some(f) = findings
            .iter_mut()
            .find(|f| f.level == crate::diagnostic::Level::Error)
        {
            *f = f.clone().evidence(
                "static checks",
                "none failed on the server's facts: this failure shows only when the app runs, here — it may come from this machine (its dotnet, its environment) rather than the server",
            );
        }
    }
}

/// Where the app's stdout log went, and where ANCM would have put it.
fn stdout_log_findings(events: &[Stamped], module: crate::contract::ModuleVersion) -> Vec<Finding> {
    events
        .iter()
        .find_map(|e| match &e.event {
            Event::StdoutLog {
                instead_of: Some(ancm),
                ancm_folder_exists,
                ..
            } => Some((ancm.clone(), *ancm_folder_exists)),
            _ => None,
        })
        .map(|(ancm, folder_exists)| {
            let folder = std::path::Path::new(&ancm)
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let mut f = Finding::note(format!(
                "ANCM would write the stdout log to `{ancm}`; the probe wrote it to a scratch folder ancm removes afterwards, nothing in the app folder or where web.config points"
            ))
            .evidence("ANCM's stdout log", ancm);
            if folder_exists == Some(false) {
                f = f.evidence(
                    "log folder",
                    if module.creates_stdout_log_folder() {
                        format!("`{folder}` does not exist: ANCM V2 creates it at start-up if the app pool identity may write there, otherwise it writes no log")
                    } else {
                        format!("`{folder}` does not exist and ANCM V1 does not create it: ANCM writes no log")
                    },
                );
            }
            f
        })
        .into_iter()
        .collect()
}

/// How the graceful stop went.
fn shutdown_findings(events: &[Stamped]) -> Vec<Finding> {
    let mut out = Vec::new();
    // A kill with no shutdown request before it is the probe stopping a hung app, not a failed
    // graceful stop.
    let mut shutdown_sent = false;
    for e in events {
        if matches!(e.event, Event::ShutdownSent { .. }) {
            shutdown_sent = true;
        }
        match &e.event {
            Event::ShutdownSent {
                status: Some(s), ..
            } if *s != 202 => out.push(
                Finding::warning(format!(
                    "the app answered the shutdown request `POST /iisintegration` with {s} instead of 202, so ANCM falls back to a stop signal"
                ))
                .fix(
                    if matches!(
                        explain::AfterStart::from_events(events),
                        Some(explain::AfterStart::StartupCaught(_))
                    ) {
                        // CaptureStartupErrors: the error page is the whole pipeline, the IIS
                        // middleware included (the real 2.2 app answers the shutdown with 500).
                        "the start-up exception above replaced the app's pipeline, the IIS middleware included, with the error page: fix it and the shutdown request is answered"
                    } else {
                        shutdown_status_fix(*s)
                    },
                ),
            ),
            Event::Killed { after_ms, .. } if shutdown_sent => out.push(
                Finding::warning(format!(
                    "the app did not stop within shutdownTimeLimit ({after_ms} ms) after the shutdown request; ANCM kills it (event 1005) and in-flight work is lost"
                ))
                .fix("make the app honour the stop request (hosted services must observe the stopping token), or raise `shutdownTimeLimit`"),
            ),
            _ => {}
        }
    }
    out
}

/// What to do about a non-202 answer to the shutdown request. Only a 400 can come from host
/// filtering (`AllowedHosts` runs before the IIS middleware in `CreateDefaultBuilder`, and the
/// request's Host is `127.0.0.1:<port>`) or from a pairing token the app overrode; any other
/// status means the IIS middleware never saw the request.
fn shutdown_status_fix(status: u16) -> &'static str {
    match status {
        400 => "check `AllowedHosts` (the request's Host is `127.0.0.1:<port>`) and that the app does not override `ASPNETCORE_TOKEN`",
        _ => "make sure the app uses the IIS integration (`UseIISIntegration`, or hosting startup through `ASPNETCORE_HOSTINGSTARTUPASSEMBLIES`) and that no middleware before it answers `POST /iisintegration`",
    }
}

/// The probe's phases, told to a [`StatusSink`] from the session's events: the app's start,
/// a once-a-second "waiting for port N — 3 s of startupTimeLimit 120 s" until it listens or
/// fails, the request forwarded to it. Dropping it stops the ticker.
struct Progress {
    sink: StatusSink,
    /// The port being waited for and since when; `None` when not waiting.
    waiting: Arc<std::sync::Mutex<Option<(u16, Instant)>>>,
    ticker: tokio::task::JoinHandle<()>,
}

impl Progress {
    fn follow(sink: StatusSink, bus: &EventBus, start_limit: Duration) -> Progress {
        sink("live probe: starting the app as ANCM would", false);
        let waiting: Arc<std::sync::Mutex<Option<(u16, Instant)>>> = Arc::default();
        let limit = start_limit.as_secs();
        let wait_line = move |port: u16, since: Instant| {
            format!(
                "live probe: waiting for port {port} — {} s of startupTimeLimit {limit} s",
                since.elapsed().as_secs_f64().round()
            )
        };
        {
            let sink = sink.clone();
            let waiting = waiting.clone();
            bus.subscribe(move |e| {
                let mut w = waiting.lock().unwrap_or_else(|p| p.into_inner());
                match &e.event {
                    Event::Spawn { port, .. } => {
                        let since = Instant::now();
                        *w = Some((*port, since));
                        sink(&wait_line(*port, since), false);
                    }
                    Event::Ready { port, .. } => {
                        *w = None;
                        sink(
                            &format!("live probe: request sent to the app on port {port}"),
                            false,
                        );
                    }
                    Event::Exited { meaning, .. } if w.is_some() => {
                        *w = None;
                        sink(&format!("live probe: the app exited: {meaning}"), false);
                    }
                    Event::AttemptFailed { .. } | Event::StartFailed { .. } => *w = None,
                    _ => {}
                }
            });
        }
        let ticker = {
            let sink = sink.clone();
            let waiting = waiting.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let shown = *waiting.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some((port, since)) = shown {
                        sink(&wait_line(port, since), true);
                    }
                }
            })
        };
        Progress {
            sink,
            waiting,
            ticker,
        }
    }

    fn say(&self, text: &str) {
        *self.waiting.lock().unwrap_or_else(|p| p.into_inner()) = None;
        (self.sink)(text, false);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.ticker.abort();
    }
}
