//! Turning what the live session saw into explanations: why the start failed, in words an
//! operator can act on, and which IIS symptom it becomes for the module and hosting model in use.
//!
//! Pure: reads captured output and facts handed in, never a process or a socket. Exit codes are
//! decoded with [`decode_exit`] (signals, .NET host status codes from `hostfxr.md` §2, common
//! codes), the `Unhandled exception.` line is lifted out of the output, the host's "framework not
//! found" block is summarised.
use super::events::ExitInfo;
use super::ports::OwnedListener;
pub use crate::contract::symptom::{iis_symptom, StartKind, Trouble};
use crate::contract::ModuleVersion;
use crate::deployment::web_config::HostingModel;

/// Why one start (ANCM's `StartProcess`, two attempts) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartFailure {
    /// `ASPNETCORE_PORT` in web.config out of 1025–48000: critical, no retry.
    InvalidPort { value: String },
    /// No free random port in 10 draws.
    NoFreePort { low: u16, high: u16 },
    /// The process could not be created (`CreateProcessW`). `os_error`: the OS error code
    /// (Win32 on Windows, errno elsewhere).
    SpawnFailed {
        program: String,
        error: String,
        os_error: Option<i32>,
    },
    /// The process exited before anything listened on the port.
    Exited {
        exit: ExitInfo,
        output: String,
        elapsed_ms: u64,
    },
    /// Nothing listened on the port within startupTimeLimit.
    Timeout {
        waited_ms: u64,
        output: String,
        elsewhere: Vec<OwnedListener>,
    },
    /// The app's process tree listens, but on another port than the one it was given.
    WrongPort {
        expected: u16,
        found: Vec<OwnedListener>,
        output: String,
        elapsed_ms: u64,
    },
    /// Another process (not in the app's tree) listens on the assigned port.
    ForeignListener { port: u16 },
    /// More than rapidFailsPerMinute crashes in the current minute.
    RapidFail { limit: u32, count: u32 },
    /// The session stopped (Ctrl-C, SIGTERM) while the start was pending: no further attempt.
    /// An emulator state, not an ANCM failure; requests then get the shutting-down answer.
    Interrupted,
}

impl StartFailure {
    /// ANCM's stage name for event 1000 (ancm-protocol.md §3.4 [SRC]).
    pub fn stage(&self) -> &'static str {
        match self {
            StartFailure::InvalidPort { .. } | StartFailure::NoFreePort { .. } => "SetupListenPort",
            StartFailure::SpawnFailed { .. } => "CreateProcessW",
            StartFailure::RapidFail { .. } => "GetProcess",
            _ => "PostStartCheck",
            // (Interrupted falls in PostStartCheck: the wait for the port was cut short.)
        }
    }

    /// The HRESULT ANCM logs for it (ancm-protocol.md §8 [SRC]). A spawn failure carries the
    /// OS error: on Windows `HRESULT_FROM_WIN32` of it, elsewhere the HRESULT `CreateProcessW`
    /// would give for that errno (EACCES → 0x80070005, ENOEXEC → 0x800700c1, …).
    pub fn hresult(&self) -> String {
        let fixed = match self {
            StartFailure::InvalidPort { .. } => "0x80070057",
            StartFailure::NoFreePort { .. } => "0x80070282",
            StartFailure::SpawnFailed { os_error, .. } => {
                let code = os_error.and_then(|e| {
                    if cfg!(windows) {
                        u32::try_from(e)
                            .ok()
                            .map(crate::knowledge::hresult_from_win32)
                    } else {
                        crate::knowledge::hresult_from_errno(e)
                    }
                });
                // Unknown: ANCM's most common answer, file not found.
                return format!("0x{:08x}", code.unwrap_or(0x8007_0002));
            }
            StartFailure::Exited { .. } => "0x8027025b",
            StartFailure::Timeout { .. } | StartFailure::WrongPort { .. } => "0x8027025a",
            StartFailure::ForeignListener { .. } => "0x8007065f",
            StartFailure::RapidFail { .. } => "0x8007053d",
            // ERROR_CANCELLED [INFER: the emulator's own state, ANCM has no such event].
            StartFailure::Interrupted => "0x800704c7",
        };
        fixed.to_string()
    }

    /// Whether ANCM would stop retrying (only the invalid configured port is critical).
    pub fn is_critical(&self) -> bool {
        matches!(self, StartFailure::InvalidPort { .. })
    }

    pub fn output(&self) -> &str {
        match self {
            StartFailure::Exited { output, .. }
            | StartFailure::Timeout { output, .. }
            | StartFailure::WrongPort { output, .. } => output,
            _ => "",
        }
    }

    /// A one-line reason for events and the 502.5 page.
    pub fn reason(&self) -> String {
        match self {
            // The value is a web.config secret: named, not quoted.
            StartFailure::InvalidPort { .. } => {
                "ASPNETCORE_PORT from web.config is not a port from 1025 to 48000".to_string()
            }
            StartFailure::NoFreePort { low, high } => {
                format!("no free port in {low}-{high} after 10 tries")
            }
            StartFailure::SpawnFailed { program, error, .. } => {
                format!("could not start `{program}`: {error}")
            }
            StartFailure::Exited {
                exit, elapsed_ms, ..
            } => format!(
                "the process exited after {elapsed_ms} ms without listening: {}",
                decode_exit(*exit)
            ),
            StartFailure::Timeout { waited_ms, .. } => {
                format!("nothing listened on the assigned port within {waited_ms} ms")
            }
            StartFailure::WrongPort {
                expected, found, ..
            } => format!(
                "the app listens on {} instead of the assigned port {expected}",
                ports_text(found)
            ),
            StartFailure::ForeignListener { port } => {
                format!("another process already listens on the assigned port {port}")
            }
            StartFailure::RapidFail { limit, count } => format!(
                "the app crashed {count} times this minute, more than rapidFailsPerMinute={limit}"
            ),
            StartFailure::Interrupted => {
                "the start was interrupted: the session is stopping (Ctrl-C or SIGTERM)".to_string()
            }
        }
    }
}

fn ports_text(found: &[OwnedListener]) -> String {
    let mut v: Vec<String> = found
        .iter()
        .map(|l| match (l.pid, l.ipv6) {
            // pid 0: the socket table named no owner; the app's own output announced the port.
            (0, _) => format!("port {} (announced by the app; owner not visible)", l.port),
            (pid, true) => format!("port {} (IPv6, pid {pid})", l.port),
            (pid, false) => format!("port {} (pid {pid})", l.port),
        })
        .collect();
    v.dedup();
    v.join(", ")
}

impl StartFailure {
    pub fn kind(&self) -> StartKind {
        match self {
            StartFailure::InvalidPort { .. } | StartFailure::NoFreePort { .. } => StartKind::Config,
            StartFailure::SpawnFailed { .. } => StartKind::SpawnFailed,
            StartFailure::Exited { exit, output, .. } => {
                if is_host_resolution_failure(*exit, output) {
                    StartKind::HostFailure
                } else {
                    StartKind::Crash
                }
            }
            StartFailure::Timeout { .. } => StartKind::Timeout,
            StartFailure::WrongPort { .. } => StartKind::WrongPort,
            StartFailure::ForeignListener { .. } => StartKind::ForeignListener,
            StartFailure::RapidFail { .. } => StartKind::RapidFail,
            StartFailure::Interrupted => StartKind::Config,
        }
    }
}

/// Decodes a process exit with `knowledge` (signals, .NET host status codes — full 32-bit on
/// Windows, the low byte on Unix, hostfxr.md §2 — and crash codes), worded for the timeline.
/// Codes with no fixed meaning get what they mean for an app ANCM started.
pub fn decode_exit(exit: ExitInfo) -> String {
    use crate::knowledge::{decode_exit_code, decode_signal, ExitOs};
    if let Some(sig) = exit.signal {
        return match u8::try_from(sig).ok().and_then(decode_signal) {
            Some(e) => format!(
                "killed by signal {sig} ({}): {} ({})",
                e.name, e.meaning, e.cause
            ),
            None => format!("killed by signal {sig}"),
        };
    }
    let Some(code) = exit.code else {
        return "ended without an exit code".into();
    };
    match code {
        0 => return "exit code 0: the process ended normally — it returned from Main without ever listening".into(),
        1 => return "exit code 1: a generic failure (an exception during startup, bad arguments, a failed bind)".into(),
        _ => {}
    }
    let readings = decode_exit_code(i64::from(code), ExitOs::current());
    match readings.first() {
        Some(e) if !e.code.starts_with("exit code") => {
            let mut text = format!("exit code {code} = {} {}: {}", e.code, e.name, e.meaning);
            if e.cause.contains(".NET host") {
                text.push_str(" (.NET host, before Main ran)");
            }
            text
        }
        _ => format!(
            "exit code {code}: the app's own choice (not a .NET host status, crash code or signal)"
        ),
    }
}

/// What ancm itself had done to a process when it ended: the same exit reads differently when
/// ancm asked it to stop or killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Nothing: the process ended by itself.
    OnItsOwn,
    /// ancm had sent the shutdown request or a stop signal (a graceful stop).
    StopRequested,
    /// ancm killed it (a start attempt given up, shutdownTimeLimit passed, the session ended).
    KilledByAncm,
}

/// [`decode_exit`] for the timeline, knowing what ancm did: a graceful stop is not "returned
/// from Main without ever listening", and a SIGKILL ancm sent is not the out-of-memory killer.
pub fn decode_ending(exit: ExitInfo, ending: Ending, after_ready: bool) -> String {
    let sig = exit.signal;
    match ending {
        Ending::KilledByAncm if sig == Some(9) || exit.code.is_none() => {
            "killed by ancm (SIGKILL to its process group), not a crash: the emulator ended it".into()
        }
        Ending::StopRequested if exit.code == Some(0) => {
            "exit code 0: it stopped after ancm asked it to (graceful stop)".into()
        }
        Ending::StopRequested if sig == Some(15) => {
            "stopped by ancm's SIGTERM (the graceful stop's signal)".into()
        }
        Ending::StopRequested | Ending::KilledByAncm => {
            format!("{} (while ancm was stopping it)", decode_exit(exit))
        }
        Ending::OnItsOwn if exit.code == Some(0) && after_ready => {
            "exit code 0 while it was serving: it returned from Main by itself (the host stopped without being asked)".into()
        }
        Ending::OnItsOwn => decode_exit(exit),
    }
}

/// `Unhandled exception. System.X: message` (3.0+) or `Unhandled Exception: System.X: message`
/// (2.x): the exception type and its whole message (inner exceptions in `knowledge`'s
/// [`ManagedException`](crate::knowledge::ManagedException)).
pub fn lift_exception(output: &str) -> Option<(String, String)> {
    crate::knowledge::unhandled_exception(output).map(|e| (e.type_name, e.message))
}

/// What went wrong after the app was listening, read from its output: it died of an exception
/// while handling a request, it caught its start-up exception and answers every request with
/// 500 (`CaptureStartupErrors`), or the server logged an exception a request threw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterStart {
    CrashedInRequest(crate::knowledge::ManagedException),
    StartupCaught(crate::knowledge::ManagedException),
    RequestThrew(crate::knowledge::ManagedException),
}

impl AfterStart {
    /// Reads the output the app wrote after it was ready (the session's events).
    pub fn from_events(events: &[super::events::Stamped]) -> Option<AfterStart> {
        use super::events::Event;
        // The whole output: a startup exception is printed before the app listens.
        let output: String = events
            .iter()
            .filter_map(|e| match &e.event {
                Event::Output { line, .. } => Some(format!("{line}\n")),
                _ => None,
            })
            .collect();
        let died_serving = events.iter().any(|e| {
            matches!(&e.event, Event::Exited { after_ready: true, exit, .. } if exit.code != Some(0))
        });
        if let Some(x) = crate::knowledge::startup_exception(&output) {
            return Some(AfterStart::StartupCaught(x));
        }
        if died_serving {
            if let Some(x) = crate::knowledge::unhandled_exception(&output) {
                return Some(AfterStart::CrashedInRequest(x));
            }
        }
        crate::knowledge::request_exception(&output).map(AfterStart::RequestThrew)
    }

    pub fn exception(&self) -> &crate::knowledge::ManagedException {
        match self {
            AfterStart::CrashedInRequest(x)
            | AfterStart::StartupCaught(x)
            | AfterStart::RequestThrew(x) => x,
        }
    }

    /// Rewrites the probe's finding about the failed request: the exception is the cause.
    pub fn explain(
        &self,
        f: crate::diagnostic::Finding,
        status: Option<u16>,
    ) -> crate::diagnostic::Finding {
        use crate::diagnostic::Level;
        let x = self.exception();
        let summary = x.summary();
        let (level, message, fix) = match self {
            AfterStart::CrashedInRequest(_) => (
                Level::Error,
                format!("the app started, then crashed while handling the request with an unhandled `{summary}`"),
                "fix the exception the request handler throws (the stack trace in the app's output shows where)",
            ),
            AfterStart::StartupCaught(_) => (
                Level::Error,
                format!(
                    "the app caught its start-up exception and answers every request with {} (`CaptureStartupErrors`): `{summary}`",
                    status.map_or("500".to_string(), |s| s.to_string())
                ),
                "fix the start-up error in the exception (`Startup.ConfigureServices` / `Configure`); the 500 page hides it from visitors",
            ),
            AfterStart::RequestThrew(_) => (
                f.level,
                format!(
                    "the app started, but the request threw `{summary}`{}",
                    status.map_or(String::new(), |s| format!(" and was answered {s}"))
                ),
                "fix the exception the request handler throws (the stack trace in the app's output shows where)",
            ),
        };
        let mut f = f;
        f.level = level;
        f.message = message;
        f.fix = Some(fix.to_string());
        let hint = match self {
            AfterStart::StartupCaught(_) => x.hint,
            AfterStart::CrashedInRequest(_) | AfterStart::RequestThrew(_) => x.hint_in_a_request(),
        };
        if let Some(hint) = hint {
            f = f.evidence("what it usually means", hint);
        }
        f.evidence("exception", x.text.clone())
    }
}

/// The host's "framework not found" block, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkMissing {
    pub name: String,
    pub version: String,
    /// Versions the host reported as installed.
    pub found: Vec<String>,
}

/// Finds the host's framework-resolution failure in the output (hostfxr.md §5 anchors).
pub fn framework_missing(output: &str) -> Option<FrameworkMissing> {
    let anchored = output.contains("It was not possible to find any compatible framework version")
        || output.contains("You must install or update .NET")
        || (output.contains("was not found.") && output.contains("ramework"));
    if !anchored {
        return None;
    }
    let mut name = String::new();
    let mut version = String::new();
    let mut found = Vec::new();
    for line in output.lines() {
        let l = line.trim();
        for prefix in [
            "The specified framework '",
            "The framework '",
            "Framework: '",
        ] {
            if let Some(rest) = l.strip_prefix(prefix) {
                if let Some((n, after)) = rest.split_once('\'') {
                    name = n.to_string();
                    if let Some(v) = after.split("version '").nth(1) {
                        version = v.split('\'').next().unwrap_or("").to_string();
                    }
                }
            }
        }
        // "      3.1.23 at [/usr/share/dotnet/shared/Microsoft.NETCore.App]"
        if let Some((v, _)) = l.split_once(" at [") {
            if v.chars().next().is_some_and(|c| c.is_ascii_digit()) && !v.contains(' ') {
                found.push(v.to_string());
            }
        }
    }
    Some(FrameworkMissing {
        name,
        version,
        found,
    })
}

/// The .NET host stopped while resolving the app (not the app's `Main`, not the runtime's start):
/// its exit code is a host status, or it printed the framework-missing message.
fn is_host_resolution_failure(exit: ExitInfo, output: &str) -> bool {
    let host = exit.signal.is_none()
        && exit.code.is_some_and(|c| {
            crate::knowledge::host_resolution_failure(
                i64::from(c),
                crate::knowledge::ExitOs::current(),
            )
            .is_some()
        });
    host || framework_missing(output).is_some()
}

/// URLs the app announced (`Now listening on: http://…`).
pub fn announced_urls(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.split("Now listening on: ").nth(1))
        .map(|u| u.trim().to_string())
        .collect()
}

/// The ports of the URLs the app announced (`http://127.0.0.1:5000`, `http://[::]:5000`,
/// `http://localhost:5000/`); URLs without an explicit port are skipped.
pub fn announced_ports(output: &str) -> Vec<u16> {
    let mut ports: Vec<u16> = announced_urls(output)
        .iter()
        .filter_map(|url| {
            let authority = url.split("://").nth(1)?.split('/').next()?;
            let (host, port) = authority.rsplit_once(':')?;
            // `[::1]` alone has colons but no port after the bracket.
            if host.starts_with('[') && !host.ends_with(']') {
                return None;
            }
            port.parse().ok()
        })
        .collect();
    ports.dedup();
    ports
}

/// An explanation ready to become a finding or a trace line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// Starts lowercase, no trailing period.
    pub message: String,
    pub symptom: Option<&'static str>,
    pub evidence: Vec<(String, String)>,
    pub fix: String,
}

/// Explains a failed start. `config_env` is web.config's environmentVariables (names only are
/// quoted; values are secrets).
pub fn diagnose_start(
    f: &StartFailure,
    hosting: HostingModel,
    module: ModuleVersion,
    config_env: &[(String, String)],
) -> Diagnosis {
    let symptom = iis_symptom(Trouble::Start(f.kind()), hosting, module);
    let mut evidence = vec![
        ("ANCM stage".to_string(), f.stage().to_string()),
        ("ANCM error code".to_string(), f.hresult().to_string()),
    ];
    let output = f.output();
    let unhandled = crate::knowledge::unhandled_exception(output);
    // The block as printed: the whole message, inner exceptions and where they were thrown.
    if let Some(x) = &unhandled {
        evidence.push(("unhandled exception".into(), x.text.clone()));
    }
    let exception = unhandled.as_ref().map(|x| {
        let summary = x.summary();
        let message = summary
            .strip_prefix(&format!("{}: ", x.type_name))
            .unwrap_or("")
            .to_string();
        (x.type_name.clone(), message)
    });
    let (message, fix) = match f {
        StartFailure::Exited { exit, .. } => {
            evidence.push(("exit".into(), decode_exit(*exit)));
            if let Some(fm) = framework_missing(output) {
                let found = if fm.found.is_empty() {
                    "none".to_string()
                } else {
                    fm.found.join(", ")
                };
                evidence.push((
                    "framework".into(),
                    format!("`{}` {} requested; installed: {found}", fm.name, fm.version),
                ));
                (
                    format!(
                        "the app needs framework `{}` {} which is not installed, so the .NET host exits before the app runs",
                        fm.name, fm.version
                    ),
                    format!("install the .NET runtime (Hosting Bundle on IIS) that provides `{}` {}, or retarget the app to an installed version", fm.name, fm.version),
                )
            } else if let Some((ty, msg)) = &exception {
                (
                    format!(
                        "the app crashed during startup with an unhandled `{ty}`: {}",
                        msg.trim_end_matches('.')
                    ),
                    "fix the startup error shown in the exception (run the app from its folder to see the full stack trace)".to_string(),
                )
            } else if exit.code == Some(0) {
                (
                    "the app exited with code 0 before it listened on its port: it ran to the end of `Main` without starting a web host".to_string(),
                    "make `Main` build and run the web host (`host.Run()`), and check `processPath`/`arguments` start the web app, not a tool".to_string(),
                )
            } else {
                (
                    format!("the app exited during startup: {}", decode_exit(*exit)),
                    "run the command line from the app folder to see why it stops; enable `stdoutLogEnabled` to keep its output".to_string(),
                )
            }
        }
        StartFailure::WrongPort {
            expected, found, ..
        } => {
            evidence.push(("assigned port (ASPNETCORE_PORT)".into(), expected.to_string()));
            evidence.push(("actually listening".into(), ports_text(found)));
            for url in announced_urls(output) {
                evidence.push(("app announced".into(), url));
            }
            let mut why = "the app ignores `ASPNETCORE_PORT`: it sets its own URLs (`UseUrls`, `--urls`, Kestrel `Listen` after `UseIISIntegration`) or does not call `UseIISIntegration`".to_string();
            if let Some((k, _)) = config_env
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("ASPNETCORE_URLS"))
            {
                evidence.push(("web.config sets".into(), format!("`{k}`")));
                why = format!("`{k}` in web.config overrides the address ANCM assigns");
            }
            (
                format!(
                    "the app listens on {} instead of the port ANCM assigned ({expected}): {why}",
                    ports_text(found)
                ),
                "remove hard-coded URLs (`UseUrls`, `ASPNETCORE_URLS`, Kestrel endpoints) and use the default host builder or `UseIISIntegration` so the app listens where ANCM tells it".to_string(),
            )
        }
        StartFailure::Timeout {
            waited_ms,
            elsewhere,
            ..
        } => {
            if !elsewhere.is_empty() {
                evidence.push(("listening instead".into(), ports_text(elsewhere)));
            }
            (
                format!("the app did not listen on its assigned port within startupTimeLimit ({} s)", waited_ms / 1000),
                "find what makes startup slow (database, Key Vault, migrations) or raise `startupTimeLimit`; make sure the app uses `UseIISIntegration`".to_string(),
            )
        }
        StartFailure::ForeignListener { port } => (
            format!("another process already listens on port {port}, the port assigned to the app"),
            "stop the process holding the port, or remove `ASPNETCORE_PORT` from web.config so a random port is used".to_string(),
        ),
        StartFailure::SpawnFailed { program, error, .. } => (
            format!("the process could not be started: `{program}`: {error}"),
            "fix `processPath` (for a framework-dependent app `dotnet` must be on the PATH of the app pool; for an apphost use `.\\App.exe`)".to_string(),
        ),
        StartFailure::InvalidPort { .. } => (
            "`ASPNETCORE_PORT` in web.config is not a port from 1025 to 48000, so ANCM refuses to start the app".to_string(),
            "remove `ASPNETCORE_PORT` from web.config so ANCM picks a port".to_string(),
        ),
        StartFailure::NoFreePort { low, high } => (
            format!("no free port in {low}-{high} after 10 tries"),
            "free some ports or retry".to_string(),
        ),
        StartFailure::RapidFail { limit, count } => (
            format!("the app crashed {count} times within a minute, more than `rapidFailsPerMinute={limit}`, so ANCM stops starting it until the minute is over"),
            "fix the crash (see the exit and output above); raising `rapidFailsPerMinute` only hides it".to_string(),
        ),
        StartFailure::Interrupted => (
            "the start was interrupted before the app listened (Ctrl-C or SIGTERM)".to_string(),
            "run it again and let the start finish".to_string(),
        ),
    };
    if let Some(s) = symptom {
        evidence.push((
            "IIS shows".into(),
            format!(
                "{s} ({} {})",
                match hosting {
                    HostingModel::InProcess => "in-process,",
                    HostingModel::OutOfProcess => "out-of-process,",
                },
                module.name()
            ),
        ));
    }
    Diagnosis {
        message,
        symptom,
        evidence,
        fix,
    }
}

/// The probe reproduces what a static check already named: where a static check failed with
/// the same IIS symptom, the probe's generic advice ("run the command line to see why") is not
/// a second next step. The probe's finding keeps its message and says which check named the
/// cause; its advice becomes evidence.
pub fn defer_to_static(
    probe: &mut crate::diagnostic::CheckResult,
    statics: &[crate::diagnostic::CheckResult],
) {
    use crate::diagnostic::{Evidence, Level, Outcome};
    for f in probe
        .findings
        .iter_mut()
        .filter(|f| f.level == Level::Error)
    {
        let Some(symptom) = f.symptom.as_deref() else {
            continue;
        };
        let named: Vec<String> = statics
            .iter()
            .filter(|r| r.id != probe.id && r.outcome == Outcome::Fail)
            .filter(|r| {
                r.findings.iter().any(|s| {
                    s.level == Level::Error
                        && s.fix.is_some()
                        && s.symptom.as_deref() == Some(symptom)
                })
            })
            .map(|r| format!("`{}`", r.id))
            .collect();
        if named.is_empty() {
            continue;
        }
        f.evidence.push(Evidence {
            label: "cause named by".into(),
            value: format!(
                "{} (the probe reproduces it; fix that first)",
                named.join(", ")
            ),
            location: None,
            secret: false,
        });
        if let Some(advice) = f.fix.take() {
            f.evidence.push(Evidence {
                label: "to see it yourself".into(),
                value: advice,
                location: None,
                secret: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_host_codes_signals_and_zero() {
        let d = decode_exit(ExitInfo {
            code: Some(150),
            signal: None,
        });
        assert!(d.contains("FrameworkMissingFailure"), "{d}");
        let d = decode_exit(ExitInfo {
            code: Some(-2147450730),
            signal: None,
        });
        assert!(d.contains("0x80008096"), "{d}");
        let d = decode_exit(ExitInfo {
            code: None,
            signal: Some(6),
        });
        assert!(
            d.contains("SIGABRT") && d.contains("unhandled .NET exception"),
            "{d}"
        );
        assert!(decode_exit(ExitInfo {
            code: Some(0),
            signal: None
        })
        .contains("without ever listening"));
        // 134 is a shell's SIGABRT, not 0x80008086 (hostfxr.md §2).
        assert!(decode_exit(ExitInfo {
            code: Some(134),
            signal: None
        })
        .contains("SIGABRT"));
    }

    #[test]
    fn a_cause_a_static_check_named_is_not_a_second_next_step() {
        use crate::diagnostic::{CheckResult, Finding};
        let static_fail = CheckResult::from_findings(
            "process-path",
            "t",
            vec![Finding::error("wrong dll")
                .symptom("502.5")
                .fix("set `arguments`")],
        );
        let other = CheckResult::from_findings(
            "stdout-log",
            "t",
            vec![Finding::error("x").symptom("500.19").fix("y")],
        );
        let mut probe = CheckResult::from_findings(
            "live-probe",
            "t",
            vec![Finding::error("the app exited during startup")
                .symptom("502.5")
                .fix("run the command line from the app folder")],
        );
        defer_to_static(&mut probe, &[static_fail, other.clone()]);
        let f = &probe.findings[0];
        assert_eq!(f.fix, None);
        assert!(f
            .evidence
            .iter()
            .any(|e| e.label == "cause named by" && e.value.starts_with("`process-path`")));
        // Nothing static with that symptom: the advice stays a next step.
        let mut alone = CheckResult::from_findings(
            "live-probe",
            "t",
            vec![Finding::error("crash").symptom("502.5").fix("look")],
        );
        defer_to_static(&mut alone, &[other]);
        assert_eq!(alone.findings[0].fix.as_deref(), Some("look"));
    }

    #[test]
    fn what_ancm_did_changes_how_an_exit_reads() {
        let zero = ExitInfo {
            code: Some(0),
            signal: None,
        };
        let kill = ExitInfo {
            code: None,
            signal: Some(9),
        };
        let graceful = decode_ending(zero, Ending::StopRequested, true);
        assert!(graceful.contains("graceful stop"), "{graceful}");
        assert!(!graceful.contains("without ever listening"));
        let killed = decode_ending(kill, Ending::KilledByAncm, false);
        assert!(killed.contains("killed by ancm"), "{killed}");
        assert!(!killed.contains("out-of-memory"), "{killed}");
        // Left alone, SIGKILL still names the usual suspects.
        assert!(decode_ending(kill, Ending::OnItsOwn, true).contains("out-of-memory"));
        assert!(decode_ending(zero, Ending::OnItsOwn, false).contains("without ever listening"));
        assert!(decode_ending(zero, Ending::OnItsOwn, true).contains("while it was serving"));
    }

    #[test]
    fn spawn_failures_carry_the_hresult_of_their_os_error() {
        let f = |os_error| StartFailure::SpawnFailed {
            program: "/app/App".into(),
            error: "denied".into(),
            os_error,
        };
        if cfg!(unix) {
            assert_eq!(f(Some(13)).hresult(), "0x80070005");
            assert_eq!(f(Some(8)).hresult(), "0x800700c1");
            assert_eq!(f(Some(2)).hresult(), "0x80070002");
        } else {
            assert_eq!(f(Some(5)).hresult(), "0x80070005");
        }
        assert_eq!(f(None).hresult(), "0x80070002");
    }

    #[test]
    fn lifts_the_exception_type_and_message() {
        let out = "info: starting\nUnhandled exception. System.IO.FileNotFoundException: Could not find file '/app/x.json'.\n   at Program.Main()";
        assert_eq!(
            lift_exception(out),
            Some((
                "System.IO.FileNotFoundException".into(),
                "Could not find file '/app/x.json'.".into()
            ))
        );
        assert_eq!(
            lift_exception("Unhandled Exception: System.Exception: old style"),
            Some(("System.Exception".into(), "old style".into()))
        );
        assert_eq!(lift_exception("all fine"), None);
    }

    #[test]
    fn summarises_framework_not_found() {
        let out = "It was not possible to find any compatible framework version\nThe framework 'Microsoft.NETCore.App', version '9.9.9' was not found.\n  - The following frameworks were found:\n      3.1.23 at [/opt/dotnet/shared/Microsoft.NETCore.App]\n";
        let fm = framework_missing(out).unwrap();
        assert_eq!(fm.name, "Microsoft.NETCore.App");
        assert_eq!(fm.version, "9.9.9");
        assert_eq!(fm.found, vec!["3.1.23"]);
        assert_eq!(framework_missing("hello"), None);
    }

    #[test]
    fn announced_ports_come_from_kestrel_lines() {
        let out = "info: x\nNow listening on: http://127.0.0.1:9301\nNow listening on: http://[::]:5000\nNow listening on: https://localhost:5001/\nNow listening on: http://[::1]\n";
        assert_eq!(announced_ports(out), vec![9301, 5000, 5001]);
        assert!(announced_ports("nothing here").is_empty());
    }

    #[test]
    fn a_port_with_no_visible_owner_says_the_app_announced_it() {
        let text = ports_text(&[OwnedListener {
            pid: 0,
            port: 9301,
            ipv6: false,
        }]);
        assert_eq!(text, "port 9301 (announced by the app; owner not visible)");
    }

    #[test]
    fn wrong_port_diagnosis_names_both_ports_and_the_reason() {
        let f = StartFailure::WrongPort {
            expected: 23456,
            found: vec![OwnedListener {
                pid: 7,
                port: 5000,
                ipv6: false,
            }],
            output: "Now listening on: http://127.0.0.1:5000\n".into(),
            elapsed_ms: 300,
        };
        let d = diagnose_start(
            &f,
            HostingModel::OutOfProcess,
            ModuleVersion::V2,
            &[("ASPNETCORE_URLS".into(), "http://*:5000".into())],
        );
        assert!(
            d.message.contains("port 5000") && d.message.contains("23456"),
            "{}",
            d.message
        );
        assert!(d.message.contains("ASPNETCORE_URLS"), "{}", d.message);
        assert_eq!(d.symptom, Some("502.5"));
        assert!(
            !d.evidence.iter().any(|(_, v)| v.contains("http://*:5000")),
            "secret value leaked"
        );
    }
}
