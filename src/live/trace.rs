//! `ancm run --trace`: the emulator as a long-running session with a live timeline on stdout —
//! one coloured line per event for people, or one JSON object per line with `--format json`.
//!
//! Ctrl-C or SIGTERM stops it the orderly way (stop accepting, drain, graceful app stop); a
//! second Ctrl-C kills the app's process group at once and exits. On a terminal, keys act on the
//! session (`keys.rs` reads them, `console.rs` acts). The explanations come from `explain.rs`;
//! this module formats (saying a repeated explanation once) and waits for signals and keys.
use super::events::{Event, EventBus, Stamped};
use super::keys::Key;
use super::session::Session;
use super::LiveConfig;
use colored::Colorize;
use std::io::Write;
use std::net::SocketAddr;

#[derive(Debug, Clone, Copy)]
pub struct TraceOptions {
    pub json: bool,
    pub color: bool,
    pub show_secrets: bool,
    /// Every event (`--trace`), or only the important ones.
    pub all_events: bool,
}

/// The schema id every `run --format json` line carries (README "ancm run --format json").
pub const RUN_SCHEMA: &str = "ancm-run/1";

/// One JSON object per event, with the schema id first.
pub fn json_line(e: &Stamped) -> String {
    let mut v = serde_json::json!({ "schema": RUN_SCHEMA });
    if let (Some(obj), Ok(serde_json::Value::Object(ev))) =
        (v.as_object_mut(), serde_json::to_value(e))
    {
        obj.extend(ev);
    }
    v.to_string()
}

/// The last line of `run --format json`: the session is over (a reader can stop waiting).
pub fn json_end_line(t_ms: u64, ok: bool, error: Option<&str>) -> String {
    let mut v = serde_json::json!({ "schema": RUN_SCHEMA, "t_ms": t_ms, "event": "end", "ok": ok });
    if let Some(e) = error {
        v["error"] = serde_json::Value::String(e.to_string());
    }
    v.to_string()
}

/// A timeline line: `  1.234s  kind  text`.
pub fn human_line(e: &Stamped, color: bool) -> String {
    if !color {
        if let Some(line) = plain_request_line(e) {
            return line;
        }
    }
    // Seconds with milliseconds, right-aligned (integer arithmetic: this runs once per request).
    let t = format!("{:>8}s", format!("{}.{:03}", e.t_ms / 1000, e.t_ms % 1000));
    let paint = |s: String, c: &str| -> String {
        if !color {
            return s;
        }
        match c {
            "red" => s.red().bold().to_string(),
            "yellow" => s.yellow().to_string(),
            "green" => s.green().to_string(),
            "cyan" => s.cyan().to_string(),
            "dim" => s.dimmed().to_string(),
            _ => s,
        }
    };
    let (kind, text, c) = match &e.event {
        Event::Session {
            module,
            hosting_model,
            app_dir,
            listen,
        } => (
            "session",
            format!(
                "emulating {module} ({hosting_model}) for {app_dir}; proxy on {}",
                listen.as_deref().unwrap_or("-")
            ),
            "cyan",
        ),
        Event::Spawn {
            attempt,
            pid,
            port,
            command_line,
            cwd,
            env,
        } => {
            let vars: Vec<String> = env.iter().map(|v| format!("{}={}", v.name, v.value)).collect();
            (
                "spawn",
                format!(
                    "attempt {attempt}: pid {pid} `{command_line}` in {cwd} port {port}\n{:>19}{}",
                    "",
                    vars.join(" ")
                ),
                "cyan",
            )
        }
        Event::SpawnFailed {
            attempt,
            program,
            error,
        } => (
            "spawn",
            format!("attempt {attempt}: cannot start `{program}`: {error}"),
            "red",
        ),
        Event::StdoutLog {
            path,
            created,
            error,
            instead_of,
            ..
        } => (
            "stdout",
            if let (true, Some(ancm)) = (*created, instead_of) {
                format!("stdout log {path} (in ancm's scratch folder; ANCM would write {ancm})")
            } else if *created {
                format!("stdout log {path}")
            } else {
                format!(
                    "could not create stdout log {path}: {} (output discarded, start continues)",
                    error.as_deref().unwrap_or("")
                )
            },
            if *created { "dim" } else { "yellow" },
        ),
        Event::Output { pid, line } => ("output", format!("[{pid}] {line}"), "dim"),
        Event::ListeningElsewhere {
            pid,
            port,
            expected_port,
        } => (
            "port",
            format!(
                "pid {pid} listens on {port}, not on the assigned {expected_port}: the app ignores ASPNETCORE_PORT (UseUrls / ASPNETCORE_URLS / Kestrel Listen?)"
            ),
            "yellow",
        ),
        Event::Ready {
            pid,
            listener_pid,
            port,
            elapsed_ms,
        } => (
            "ready",
            format!("pid {pid} ready in {elapsed_ms} ms: pid {listener_pid} listens on 127.0.0.1:{port}"),
            "green",
        ),
        Event::AttemptFailed {
            attempt,
            port,
            stage,
            hresult,
            reason,
            elapsed_ms,
        } => (
            "attempt",
            format!("attempt {attempt} failed after {elapsed_ms} ms at {stage} ({hresult}), port {port}: {reason}"),
            "red",
        ),
        Event::StartFailed { reason } => (
            "failed",
            format!("start failed, requests get 502.5: {reason}"),
            "red",
        ),
        Event::Exited {
            pid,
            meaning,
            after_ready,
            uptime_ms,
            ..
        } => (
            "exit",
            format!(
                "pid {pid} exited after {uptime_ms} ms{}: {meaning}",
                if *after_ready { " (was ready)" } else { "" }
            ),
            "yellow",
        ),
        Event::RapidFailLockout { limit, count } => (
            "lockout",
            format!("{count} crashes this minute > rapidFailsPerMinute={limit}: no restart until the minute is over, requests get 502.5"),
            "red",
        ),
        Event::Request {
            method,
            path,
            status,
            substatus,
            elapsed_ms,
            bytes,
            error,
            ..
        } => {
            let st = match substatus {
                Some(s) => format!("{status}.{s}"),
                None => status.to_string(),
            };
            let mut text = format!("{method} {path} → {st} in {elapsed_ms} ms, {bytes} bytes");
            if let Some(e) = error {
                text.push_str(&format!(" ({e})"));
            }
            ("request", text, if *status >= 500 { "red" } else if *status >= 400 { "yellow" } else { "green" })
        }
        Event::Upgraded { path } => ("upgrade", format!("{path}: WebSocket passed through"), "green"),
        Event::Offline { path } => (
            "offline",
            format!("{path} found: stopping the app, requests get 503 with its content"),
            "yellow",
        ),
        Event::Online => (
            "online",
            "app_offline.htm removed: the next request starts the app".into(),
            "green",
        ),
        Event::ShutdownSent { pid, status, error } => (
            "shutdown",
            match (status, error) {
                (Some(s), _) => format!("POST /iisintegration to pid {pid} → {s}"),
                (None, Some(e)) => format!("POST /iisintegration to pid {pid} failed: {e}"),
                (None, None) => format!("POST /iisintegration to pid {pid}"),
            },
            "dim",
        ),
        Event::Signalled { pid, signal } => ("signal", format!("{signal} to process group {pid}"), "yellow"),
        Event::Killed { pid, after_ms } => (
            "killed",
            format!("pid {pid} did not stop within {after_ms} ms: process group killed"),
            "red",
        ),
        Event::Stopped {
            pid,
            graceful,
            elapsed_ms,
        } => (
            "stopped",
            format!(
                "pid {pid} stopped{} in {elapsed_ms} ms",
                if *graceful { " gracefully" } else { "" }
            ),
            "green",
        ),
        Event::Note { message } => ("note", message.clone(), "yellow"),
    };
    // Padded before it is painted: escape codes take no columns.
    format!(
        "{} {} {}",
        paint(t, "dim"),
        paint(format!("{kind:<8}"), c),
        text
    )
}

/// The uncoloured line of a `Request` event, written into one buffer: it is the one line per
/// proxied request, so it is built without the intermediate strings of the general path (same
/// text, byte for byte).
fn plain_request_line(e: &Stamped) -> Option<String> {
    let mut out = String::new();
    write_plain_request_line(e, &mut out).then_some(out)
}

/// [`plain_request_line`] appended to `out` (the timeline's queue, without a string of its own);
/// false, with nothing written, for other events.
fn write_plain_request_line(e: &Stamped, out: &mut String) -> bool {
    let Event::Request {
        method,
        path,
        status,
        substatus,
        elapsed_ms,
        bytes,
        error,
        ..
    } = &e.event
    else {
        return false;
    };
    // Pushed piece by piece with `itoa` for the numbers: `write!`'s formatting machinery cost
    // more than the rest of the line (this runs once per request).
    let mut num = itoa::Buffer::new();
    out.reserve(64 + path.len());
    let secs = e.t_ms / 1000;
    let digits = secs.checked_ilog10().unwrap_or(0) as usize + 1;
    for _ in digits + 4..8 {
        out.push(' ');
    }
    out.push_str(num.format(secs));
    out.push('.');
    let ms = e.t_ms % 1000;
    if ms < 100 {
        out.push('0');
    }
    if ms < 10 {
        out.push('0');
    }
    out.push_str(num.format(ms));
    out.push_str("s request  ");
    out.push_str(method);
    out.push(' ');
    out.push_str(path);
    out.push_str(" → ");
    out.push_str(num.format(*status));
    if let Some(s) = substatus {
        out.push('.');
        out.push_str(num.format(*s));
    }
    out.push_str(" in ");
    out.push_str(num.format(*elapsed_ms));
    out.push_str(" ms, ");
    out.push_str(num.format(*bytes));
    out.push_str(" bytes");
    if let Some(err) = error {
        out.push_str(" (");
        out.push_str(err);
        out.push(')');
    }
    true
}

/// `run` is a long-lived server with a thread per core (`proxy::serve`): glibc gives each thread
/// that allocates its own arena (up to 8 per core), and connection buffers freed on one thread's
/// arena are not reused by another's, so RSS grew by megabytes for nothing. One arena per proxy
/// thread keeps each its own; the rest share (MALLOC_ARENA_MAX, as servers commonly set).
fn bound_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let arenas = libc::c_int::try_from(super::proxy::threads()).unwrap_or(1);
        // SAFETY: mallopt only sets an allocator parameter; it takes effect for arenas made later.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Whether `e`'s line carries an explanation [`Said`] may shorten to a reference.
fn explains(e: &Event) -> bool {
    matches!(
        e,
        Event::Exited { .. }
            | Event::AttemptFailed { .. }
            | Event::StartFailed { .. }
            | Event::Spawn { .. }
            | Event::Request { error: Some(_), .. }
    )
}

fn important(e: &Event) -> bool {
    !matches!(e, Event::Output { .. } | Event::ShutdownSent { .. })
}

/// Runs the session until Ctrl-C / SIGTERM (or `q`). Errors only when the proxy cannot listen.
/// On a terminal the keys of `keys.rs` act on the session (`console.rs`).
pub fn run(cfg: LiveConfig, listen: SocketAddr, opts: TraceOptions) -> std::io::Result<()> {
    super::process::kill_all_on_panic();
    bound_malloc_arenas();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let bus = EventBus::new(opts.show_secrets);
    let started = std::time::Instant::now();
    let timeline = Timeline::start();
    let lines = timeline.clone();
    let said = std::sync::Mutex::new(Said::default());
    bus.subscribe(move |e| {
        if !opts.all_events && !important(&e.event) {
            return;
        }
        let line = if opts.json {
            json_line(e)
        } else if !explains(&e.event) {
            // A request's line, most often: written straight into the queue.
            if !opts.color && lines.push_with(|queue| write_plain_request_line(e, queue)) {
                return;
            }
            // Nothing to shorten: no lock shared with the other proxy threads (`Said` is for
            // explanations said before).
            human_line(e, opts.color)
        } else {
            super::events::lock(&said).line(e, opts.color)
        };
        lines.push(&line);
    });
    let app_dir = cfg.app_dir.clone();
    let mut keys = super::keys::Keys::start();
    let key_bus = bus.clone();
    let result = rt.block_on(async move {
        let session = Session::start(cfg, bus, listen).await?;
        let mut offline = super::console::Offline::default();
        if keys.is_some() {
            key_bus.emit(Event::Note {
                message: super::keys::HELP.into(),
            });
        }
        let stop = wait_for_stop();
        tokio::pin!(stop);
        loop {
            let key = async {
                match keys.as_mut() {
                    Some(k) => k.rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = &mut stop => break,
                k = key => match k {
                    None | Some(Key::Quit) => break,
                    Some(Key::Restart) => super::console::restart(&session, &key_bus),
                    Some(Key::ToggleOffline) => offline.toggle(&app_dir, &key_bus),
                    Some(Key::Probe) => super::console::probe(&session, &key_bus),
                    Some(Key::Environment) => super::console::environment(&key_bus),
                },
            }
        }
        offline.clean_up(&key_bus);
        // A second Ctrl-C (or q) while stopping: kill everything now.
        let again = async {
            match keys.as_mut() {
                Some(k) => {
                    while let Some(key) = k.rx.recv().await {
                        if key == Key::Quit {
                            return;
                        }
                    }
                    std::future::pending().await
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = session.stop() => {}
            _ = tokio::signal::ctrl_c() => {
                super::process::kill_all();
            }
            _ = again => {
                super::process::kill_all();
            }
        }
        drop(keys);
        Ok::<(), std::io::Error>(())
    });
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    super::process::kill_all();
    timeline.finish();
    if opts.json {
        let t_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let error = result.as_ref().err().map(|e| e.to_string());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{}",
            json_end_line(t_ms, result.is_ok(), error.as_deref())
        );
        let _ = out.flush();
    }
    result
}

/// Long explanations already printed in this timeline. A crashed app repeats the same reason on
/// every start attempt and every request; the first time it is printed in full, after that as
/// "same as at 1.062s (×3)". The key ignores numbers (pids, ports, milliseconds), which differ
/// between repeats of one cause. JSON lines always carry the full text.
#[derive(Debug, Default)]
pub struct Said {
    first: std::collections::HashMap<String, (u64, u32)>,
}

impl Said {
    /// Explanations shorter than this are printed every time.
    const LONG: usize = 60;

    /// `Some("same as at 1.062s (×2)")` when `text` was said before (numbers aside).
    fn seen(&mut self, text: &str, t_ms: u64) -> Option<String> {
        if text.chars().count() < Self::LONG {
            return None;
        }
        // Each run of digits is one `#`: `after 6 ms` and `after 12 ms` are the same cause.
        let mut key = String::with_capacity(text.len());
        for c in text.chars() {
            if !c.is_ascii_digit() {
                key.push(c);
            } else if !key.ends_with('#') {
                key.push('#');
            }
        }
        match self.first.get_mut(&key) {
            Some((at, n)) => {
                *n += 1;
                Some(format!(
                    "same as at {}.{:03}s (×{n})",
                    *at / 1000,
                    *at % 1000
                ))
            }
            None => {
                self.first.insert(key, (t_ms, 1));
                None
            }
        }
    }

    fn shorten(&mut self, text: &mut String, t_ms: u64) {
        if let Some(short) = self.seen(text, t_ms) {
            *text = short;
        }
    }

    /// The timeline line of `e`, with an explanation said before replaced by a reference to it.
    pub fn line(&mut self, e: &Stamped, color: bool) -> String {
        // The one line per proxied request is on the hot path: only a line that carries an
        // explanation is copied to be shortened.
        if !explains(&e.event) {
            return human_line(e, color);
        }
        let mut e = e.clone();
        let t = e.t_ms;
        match &mut e.event {
            Event::Exited { meaning, .. } => self.shorten(meaning, t),
            Event::AttemptFailed { reason, .. } | Event::StartFailed { reason } => {
                self.shorten(reason, t)
            }
            Event::Request {
                error: Some(err), ..
            } => self.shorten(err, t),
            Event::Spawn { env, .. } => {
                // Every start attempt gets the same environment (but for its port and token).
                let all: Vec<String> = env
                    .iter()
                    .map(|v| format!("{}={}", v.name, v.value))
                    .collect();
                if let Some(short) = self.seen(&format!("env {}", all.join(" ")), t) {
                    let line = human_line(&e, color);
                    let first = line.split('\n').next().unwrap_or_default();
                    return format!("{first}\n{:>19}environment {short}", "");
                }
            }
            _ => {}
        }
        human_line(&e, color)
    }
}

/// The timeline's way to stdout: lines are queued by whichever thread emits the event and
/// written by one thread, in batches. Under load, a write and flush per line was a system call
/// per proxied request on the request path; now a burst of lines costs one write, and a line
/// still appears within [`Timeline::BATCH`] of its event.
struct Timeline {
    pending: std::sync::Mutex<(String, bool)>,
    wake: std::sync::Condvar,
    writer: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Timeline {
    const BATCH: std::time::Duration = std::time::Duration::from_millis(2);

    fn start() -> std::sync::Arc<Timeline> {
        let t = std::sync::Arc::new(Timeline {
            pending: std::sync::Mutex::new((String::new(), false)),
            wake: std::sync::Condvar::new(),
            writer: std::sync::Mutex::new(None),
        });
        let me = t.clone();
        let handle = std::thread::spawn(move || me.write_loop());
        *super::events::lock(&t.writer) = Some(handle);
        t
    }

    fn push(&self, line: &str) {
        self.push_with(|queue| {
            queue.push_str(line);
            true
        });
    }

    /// Queues the line `write` appends to the queue, if it says it wrote one.
    fn push_with(&self, write: impl FnOnce(&mut String) -> bool) -> bool {
        let mut p = super::events::lock(&self.pending);
        let was_empty = p.0.is_empty();
        if !write(&mut p.0) {
            return false;
        }
        p.0.push('\n');
        if was_empty {
            self.wake.notify_one();
        }
        true
    }

    fn write_loop(&self) {
        // Two buffers traded back and forth: the queue keeps the capacity the last batch grew,
        // instead of a new empty string growing again under the proxy threads' pushes.
        let mut batch = String::new();
        loop {
            let done = {
                let mut p = super::events::lock(&self.pending);
                while p.0.is_empty() && !p.1 {
                    p = self.wake.wait(p).unwrap_or_else(|e| e.into_inner());
                }
                drop(p);
                // Let a burst gather, then take it whole.
                std::thread::sleep(Self::BATCH);
                // A burst's buffer beyond 1 MiB is not kept (a stalled terminal could grow it).
                if batch.capacity() > 1 << 20 {
                    batch = String::new();
                }
                batch.clear();
                let mut p = super::events::lock(&self.pending);
                std::mem::swap(&mut p.0, &mut batch);
                p.1
            };
            if !batch.is_empty() {
                let mut out = std::io::stdout().lock();
                if super::keys::raw_mode_on() {
                    // Raw mode turns off the terminal's `\n` → `\r\n`: say it ourselves.
                    let _ = out.write_all(batch.replace('\n', "\r\n").as_bytes());
                } else {
                    let _ = out.write_all(batch.as_bytes());
                }
                let _ = out.flush();
            }
            if done {
                return;
            }
        }
    }

    /// Writes what is queued and stops the writer (before the last line of a run).
    fn finish(&self) {
        super::events::lock(&self.pending).1 = true;
        self.wake.notify_one();
        if let Some(h) = super::events::lock(&self.writer).take() {
            let _ = h.join();
        }
    }
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-buffer request line is byte for byte the general path's line.
    #[test]
    fn the_fast_request_line_is_the_general_one() {
        for (t_ms, substatus, error) in [
            (0, None, None),
            (1_234, Some(3), Some("boom".to_string())),
            (98_765_432, None, None),
            (9_999, Some(5), None),
        ] {
            let e = Stamped {
                t_ms,
                event: Event::Request {
                    method: "GET".into(),
                    path: "/a?b".into(),
                    status: 502,
                    substatus,
                    elapsed_ms: 12,
                    bytes: 345,
                    error: error.clone(),
                    answer: None,
                },
            };
            let st = match substatus {
                Some(s) => format!("502.{s}"),
                None => "502".to_string(),
            };
            let mut text = format!("GET /a?b → {st} in 12 ms, 345 bytes");
            if let Some(err) = &error {
                text.push_str(&format!(" ({err})"));
            }
            let general = format!("{:>8.3}s {:<8} {}", t_ms as f64 / 1000.0, "request", text);
            assert_eq!(plain_request_line(&e).unwrap(), general);
            assert_eq!(human_line(&e, false), general);
        }
    }
}

#[cfg(test)]
mod said_tests {
    use super::*;

    fn exited(t_ms: u64, pid: u32, uptime_ms: u64) -> Stamped {
        Stamped {
            t_ms,
            event: Event::Exited {
                pid,
                exit: super::super::events::ExitInfo {
                    code: None,
                    signal: Some(6),
                },
                meaning: format!("killed by signal 6 (SIGABRT) after {uptime_ms} ms: aborted: the process called abort() (an unhandled .NET exception)"),
                after_ready: false,
                uptime_ms,
            },
        }
    }

    #[test]
    fn a_repeated_explanation_is_said_once_then_referred_to() {
        let mut said = Said::default();
        let first = said.line(&exited(1_017, 10, 12), false);
        assert!(
            first.contains("aborted: the process called abort()"),
            "{first}"
        );
        let second = said.line(&exited(1_031, 11, 6), false);
        assert!(second.ends_with("same as at 1.017s (×2)"), "{second}");
        assert!(second.contains("pid 11 exited after 6 ms"), "{second}");
        let third = said.line(&exited(2_500, 12, 30), false);
        assert!(third.ends_with("(×3)"), "{third}");
    }
}
