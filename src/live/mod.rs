//! The ANCM out-of-process emulator: launch, readiness, supervision, reverse proxy, app_offline.
//! The only place in ancm that spawns processes and opens sockets.
//!
//! `launch` builds the command line and environment; `process` creates the process group and
//! kills it; `ports` finds who listens where; `supervisor` is the state machine (start with two
//! attempts, readiness, crash detection, rapid-fail window, graceful stop); `proxy` is the hyper
//! reverse proxy with ANCM's error answers; `app_offline` watches the file; `session` ties them to
//! a listening address; `events` is the one stream everything reports to; `explain` turns it into
//! words; `probe` is `doctor`'s bounded run and `trace` renders `run --trace`.
//!
//! Platform notes: readiness ownership (which process listens where) reads `/proc` on Linux and
//! the owner-PID TCP table + Toolhelp32 snapshot on Windows (`ports_windows`); macOS falls back to
//! a connect probe, so "listens on another port" needs Linux or Windows. Process trees die with
//! `ancm` through process groups + PDEATHSIG (Unix) or job objects (Windows).
pub mod app_connections;
pub mod app_http;
pub mod app_offline;
pub mod console;
pub mod events;
pub mod explain;
pub mod keys;
pub mod launch;
pub mod ports;
#[cfg(windows)]
mod ports_windows;
pub mod probe;
pub mod process;
pub mod proxy;
pub mod scratch;
pub mod session;
pub mod site;
#[cfg(target_os = "linux")]
pub mod sock_diag;
pub mod stand;
pub mod supervisor;
pub mod trace;

use crate::deployment::web_config::{AspNetCoreSection, HostingModel, InvalidValue, WebConfig};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

pub use probe::{probe, ProbeOptions, CHECK_IDS, PROBE_CHECK_ID};

use crate::contract::ModuleVersion;

/// Everything the emulator needs from web.config, with ANCM's defaults applied.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    pub app_dir: PathBuf,
    pub process_path: String,
    pub arguments: String,
    /// web.config `environmentVariables` (values are secrets).
    pub env: Vec<(String, String)>,
    pub hosting_model: HostingModel,
    pub module: ModuleVersion,
    /// The IIS application's virtual path: `/` or `/app`.
    pub virtual_path: String,
    pub startup_time_limit: Duration,
    pub shutdown_time_limit: Duration,
    /// `None` = no limit (`requestTimeout="00:00:00"`).
    pub request_timeout: Option<Duration>,
    pub rapid_fails_per_minute: u32,
    pub stdout_log_enabled: bool,
    pub stdout_log_file: String,
    /// Where the emulator writes the stdout log files instead of where web.config points (the
    /// folder ancm owns: `doctor` and `run` never write into the app folder or where a web.config
    /// points). `None` writes where ANCM would, for the emulator's own tests.
    pub stdout_scratch: Option<PathBuf>,
    /// handlerSetting `enableOutOfProcessConsoleRedirection` (only `false` disables it).
    pub console_redirection: bool,
    pub disable_start_up_error_page: bool,
    /// What `ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED` says (the IIS WebSocket module is "installed").
    pub websockets_supported: bool,
    /// Stop waiting as soon as the app's process tree listens on another port (the probe), instead
    /// of waiting out startupTimeLimit like ANCM (`run`, which still reports it at once).
    pub fast_diagnosis: bool,
    /// Start attempts per start: ANCM makes 2; the probe makes 1 (the second fails the same way).
    pub attempts: u32,
    /// How long the front end waits for a client's request line and headers before it drops the
    /// connection: HTTP.sys's `HeaderWait`, 2 minutes by default (the HTTP Server API's
    /// `HeaderWaitTimeout`, `netsh http add timeout`). IIS, not ANCM, owns it; the emulator plays
    /// both, so slowloris clients are cut as on the server. `None`: never.
    pub header_wait: Option<Duration>,
}

/// HTTP.sys's default `HeaderWait` (TimeoutManager.HeaderWait: "The default timer is 2 minutes").
pub const HTTP_SYS_HEADER_WAIT: Duration = Duration::from_secs(120);

#[derive(Debug, Error)]
pub enum LiveConfigError {
    #[error("web.config has no `system.webServer/aspNetCore` section")]
    NoSection,
    #[error("the `aspNetCore` element has no `processPath`: ANCM cannot start anything")]
    NoProcessPath,
    #[error(transparent)]
    Invalid(#[from] InvalidValue),
}

impl LiveConfig {
    /// Reads the settings from a typed section.
    pub fn from_section(
        app_dir: &Path,
        s: &AspNetCoreSection,
        module: ModuleVersion,
    ) -> Result<LiveConfig, LiveConfigError> {
        let process_path = s
            .process_path
            .as_ref()
            .map(|l| l.value.clone())
            .filter(|p| !p.trim().is_empty())
            .ok_or(LiveConfigError::NoProcessPath)?;
        let request_timeout = match s.request_timeout_secs()? {
            0 => None,
            n => Some(Duration::from_secs(n)),
        };
        Ok(LiveConfig {
            app_dir: absolute(app_dir),
            process_path,
            arguments: s
                .arguments
                .as_ref()
                .map(|l| l.value.clone())
                .unwrap_or_default(),
            env: s
                .environment_variables
                .iter()
                .map(|e| (e.name.value.clone(), e.value.value.clone()))
                .collect(),
            hosting_model: s.hosting_model()?,
            module,
            virtual_path: "/".into(),
            startup_time_limit: Duration::from_secs(s.startup_time_limit()? as u64),
            shutdown_time_limit: Duration::from_secs(s.shutdown_time_limit()? as u64),
            request_timeout,
            rapid_fails_per_minute: s.rapid_fails_per_minute()?,
            stdout_log_enabled: s.stdout_log_enabled()?,
            stdout_log_file: s.stdout_log_file().to_string(),
            stdout_scratch: None,
            console_redirection: !s
                .handler_setting("enableOutOfProcessConsoleRedirection")
                .is_some_and(|h| h.value.value.trim().eq_ignore_ascii_case("false")),
            disable_start_up_error_page: s.disable_start_up_error_page()?,
            websockets_supported: true,
            fast_diagnosis: false,
            attempts: 2,
            header_wait: Some(HTTP_SYS_HEADER_WAIT),
        })
    }

    /// Reads the settings from a parsed web.config (module version from its handler).
    pub fn from_web_config(app_dir: &Path, wc: &WebConfig) -> Result<LiveConfig, LiveConfigError> {
        let section = wc.aspnetcore.as_ref().ok_or(LiveConfigError::NoSection)?;
        let module = ModuleVersion::from_modules_attribute(
            wc.aspnetcore_handler()
                .and_then(|h| h.modules.as_ref())
                .map(|m| m.value.as_str()),
        );
        LiveConfig::from_section(app_dir, section, module)
    }

    /// A configuration with ANCM's defaults, for tests: `processPath` and `arguments` given.
    pub fn for_test(app_dir: impl Into<PathBuf>, process_path: &str, arguments: &str) -> Self {
        LiveConfig {
            app_dir: app_dir.into(),
            process_path: process_path.into(),
            arguments: arguments.into(),
            env: Vec::new(),
            hosting_model: HostingModel::OutOfProcess,
            module: ModuleVersion::V2,
            virtual_path: "/".into(),
            startup_time_limit: Duration::from_secs(120),
            shutdown_time_limit: Duration::from_secs(10),
            request_timeout: Some(Duration::from_secs(120)),
            rapid_fails_per_minute: 10,
            stdout_log_enabled: false,
            stdout_log_file: r".\aspnetcore-stdout".into(),
            stdout_scratch: None,
            console_redirection: true,
            disable_start_up_error_page: false,
            websockets_supported: true,
            fast_diagnosis: false,
            attempts: 2,
            header_wait: Some(HTTP_SYS_HEADER_WAIT),
        }
    }
}

/// `path` made absolute against the current directory (the child gets it as its working
/// directory and in `ASPNETCORE_IIS_PHYSICAL_PATH`).
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|d| d.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployment::web_config::{Located, Span};

    fn l(v: &str) -> Option<Located<String>> {
        Some(Located {
            value: v.into(),
            span: Span::default(),
        })
    }

    #[test]
    fn section_values_and_defaults_are_read() {
        let s = AspNetCoreSection {
            process_path: l("dotnet"),
            arguments: l(r".\App.dll"),
            request_timeout: l("00:00:00"),
            startup_time_limit: l("5"),
            ..Default::default()
        };
        let c = LiveConfig::from_section(Path::new("/a"), &s, ModuleVersion::V2).unwrap();
        assert_eq!(c.request_timeout, None);
        assert_eq!(c.startup_time_limit, Duration::from_secs(5));
        assert_eq!(c.shutdown_time_limit, Duration::from_secs(10));
        assert_eq!(c.rapid_fails_per_minute, 10);
        assert_eq!(c.hosting_model, HostingModel::OutOfProcess);
        assert!(c.console_redirection);
    }

    #[test]
    fn missing_process_path_is_an_error() {
        let s = AspNetCoreSection::default();
        assert!(matches!(
            LiveConfig::from_section(Path::new("/a"), &s, ModuleVersion::V2),
            Err(LiveConfigError::NoProcessPath)
        ));
    }
}
