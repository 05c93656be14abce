//! Starting the app the way ANCM out-of-process does: the command line, the working directory,
//! the environment block and where stdout/stderr go (`ancm-protocol.md` §2.2–§2.6).
//!
//! This module builds a [`LaunchPlan`] (pure, unit-tested) and spawns it in its own process group
//! so the whole tree can be stopped; it does not decide when to start or stop (that is
//! `supervisor.rs`) and never rewrites the user's arguments.
use super::events::{lock, Event, EventBus, ShownVar};
use super::LiveConfig;
use crate::contract::command_line::{lookup_in, no_env};
use crate::contract::environment::{child_environment, AncmModule};
use crate::contract::ModuleVersion;
use crate::contract::{AppFolder, LaunchTarget, PathState, Program};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use thiserror::Error;

/// ANCM keeps the first 30,000 characters of captured output for event 1020
/// (ancm-protocol.md §2.6 [SRC]).
pub const CAPTURE_LIMIT: usize = 30_000;

/// Lowest `ASPNETCORE_PORT` a web.config may set (`MIN_PORT`, ancm-protocol.md §3.1 [SRC]).
pub const MIN_CONFIGURED_PORT: u16 = 1025;
/// Highest port ANCM uses or accepts (`MAX_PORT`, ancm-protocol.md §3.1 [SRC]).
pub const MAX_PORT: u16 = 48000;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LaunchError {
    /// `ASPNETCORE_PORT` in web.config is outside 1025–48000: critical, no retry (§2.5 step 8).
    #[error("`ASPNETCORE_PORT={value}` in web.config is not a port from {MIN_CONFIGURED_PORT} to {MAX_PORT}")]
    InvalidConfiguredPort { value: String },
}

/// Everything needed to create one process, as ANCM would.
#[derive(Debug, Clone)]
pub struct LaunchPlan {
    /// The program to execute: the app-relative file if it exists, else `processPath` as written
    /// (resolved through PATH when spawned).
    pub program: PathBuf,
    /// `arguments` after `%VAR%` expansion, split the way a Windows program splits its command line.
    pub args: Vec<String>,
    /// ANCM's command line: `"<path>" <arguments>` (V1: unquoted).
    pub command_line: String,
    pub cwd: PathBuf,
    /// The complete child environment, in ANCM's merge order.
    pub env: Vec<(String, String)>,
    /// The variables ANCM forces or web.config sets, for the spawn event.
    pub shown: Vec<ShownVar>,
    pub port: u16,
    pub token: String,
}

/// `%NAME%` expansion against `env` (the contract's expansion; unknown names stay as written).
pub fn expand_env(text: &str, env: &[(String, String)]) -> String {
    crate::contract::expand_env(text, &lookup_in(env)).text
}

/// On Unix, a Windows-style relative path (`.\logs\stdout`) is read with `/` separators.
pub fn native_path(text: &str) -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(text)
    } else {
        PathBuf::from(text.replace('\\', "/"))
    }
}

/// On Unix, an argument written as a Windows relative path (`.\App.dll`, `bin\App.dll`) that
/// names a file in the app folder once its `\` become `/` is passed with `/`: the platform's
/// separator, not a rewrite of what the argument means. Everything else is passed verbatim.
pub fn unix_path_argument(arg: String, app_dir: &Path) -> String {
    if cfg!(windows) || !arg.contains('\\') || arg.contains('/') {
        return arg;
    }
    let translated = arg.replace('\\', "/");
    if app_dir.join(&translated).exists() {
        translated
    } else {
        arg
    }
}

/// The app folder as it is at this start attempt, for the contract's resolution (the emulator
/// starts what is there now; a redeploy between attempts is seen). Case-sensitive, like the file
/// system the emulator runs on.
struct OnDisk<'a>(&'a Path);

impl AppFolder for OnDisk<'_> {
    fn state(&self, rel: &str) -> PathState {
        let path = rel.split('/').fold(self.0.to_path_buf(), |p, c| p.join(c));
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => PathState::Dir,
            Ok(_) => PathState::File,
            Err(_) => PathState::Missing,
        }
    }
}

/// What to execute for a resolved target (§2.2 step 2): the file in the app folder when the
/// contract found it there, otherwise `processPath` as written (which the OS then searches on
/// PATH), with this platform's separators.
fn program_of(target: &LaunchTarget, app_dir: &Path) -> PathBuf {
    match &target.program {
        Program::AppFolder { state, .. } if state.exists() => target.program_path(app_dir),
        _ => native_path(&target.process_path.text),
    }
}

/// `processPath` resolution alone (no environment): the contract's rule against the folder on disk.
pub fn resolve_program(process_path: &str, app_dir: &Path) -> PathBuf {
    let target = LaunchTarget::resolve_text(process_path, "", &OnDisk(app_dir), &no_env);
    program_of(&target, app_dir)
}

/// The web.config value of a variable (case-insensitive).
fn configured<'a>(cfg: &'a LiveConfig, name: &str) -> Option<&'a str> {
    cfg.env
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `ASPNETCORE_PORT` from web.config: `Ok(None)` when absent or empty (a random port is used).
pub fn configured_port(cfg: &LiveConfig) -> Result<Option<u16>, LaunchError> {
    match configured(cfg, "ASPNETCORE_PORT") {
        None | Some("") => Ok(None),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(p) if (MIN_CONFIGURED_PORT as u32..=MAX_PORT as u32).contains(&p) => {
                Ok(Some(p as u16))
            }
            _ => Err(LaunchError::InvalidConfiguredPort {
                value: v.to_string(),
            }),
        },
    }
}

/// The pairing token: web.config's `ASPNETCORE_TOKEN` if set, else a fresh lowercase GUID per
/// process instance (§2.5 step 10).
pub fn new_token(cfg: &LiveConfig) -> String {
    configured(cfg, "ASPNETCORE_TOKEN")
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().hyphenated().to_string())
}

/// Builds the plan for one start attempt. `inherited` is this process's environment (the
/// worker's, in ANCM's terms).
pub fn plan(
    cfg: &LiveConfig,
    inherited: &[(String, String)],
    port: u16,
    token: &str,
) -> LaunchPlan {
    let target = LaunchTarget::resolve_text(
        &cfg.process_path,
        &cfg.arguments,
        &OnDisk(&cfg.app_dir),
        &lookup_in(inherited),
    );
    let program = program_of(&target, &cfg.app_dir);
    let arguments = &target.arguments.text;
    let shown_program = program.display().to_string();
    let command_line = match cfg.module {
        ModuleVersion::V2 => format!("\"{shown_program}\" {arguments}"),
        ModuleVersion::V1 => format!("{shown_program} {arguments}"),
    };
    let (env, shown) = environment(cfg, inherited, port, token);
    LaunchPlan {
        program,
        args: target
            .args
            .into_iter()
            .map(|a| unix_path_argument(a, &cfg.app_dir))
            .collect(),
        command_line,
        cwd: cfg.app_dir.clone(),
        env,
        shown,
        port,
        token: token.to_string(),
    }
}

/// The child environment block (the contract's merge, ancm-protocol.md §2.5) for this
/// configuration, with the variables ANCM forces or web.config sets for the spawn event.
pub fn environment(
    cfg: &LiveConfig,
    inherited: &[(String, String)],
    port: u16,
    token: &str,
) -> (Vec<(String, String)>, Vec<ShownVar>) {
    let module = AncmModule {
        config_env: &cfg.env,
        module: cfg.module,
        app_dir: &cfg.app_dir,
        virtual_path: &cfg.virtual_path,
        websockets_supported: cfg.websockets_supported,
    };
    let (env, set) = child_environment(&module, inherited, port, token);
    let shown = set
        .into_iter()
        .map(|v| ShownVar {
            name: v.name,
            value: v.value,
            origin: v.origin,
        })
        .collect();
    (env, shown)
}

/// `<prefix>_<UTC yyyyMMddHHmmss>_<pid>.log`; `pid` is the supervisor's (ANCM: the w3wp pid), the
/// prefix is resolved against the app folder (ancm-reference.md §3.1 [SRC S8]).
pub fn stdout_log_path(cfg: &LiveConfig, now: chrono::DateTime<chrono::Utc>, pid: u32) -> PathBuf {
    let prefix = native_path(&expand_env(&cfg.stdout_log_file, &inherited_env()));
    let prefix = if prefix.is_absolute() {
        prefix
    } else {
        cfg.app_dir.join(prefix)
    };
    let name = format!(
        "{}_{}_{pid}.log",
        prefix
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        now.format("%Y%m%d%H%M%S")
    );
    prefix.with_file_name(name)
}

/// Where one start's stdout log goes: where ANCM would write it, and where the emulator does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StdoutLogPlan {
    /// ANCM's file: `stdoutLogFile` resolved against the app folder, named like ANCM's.
    pub ancm_path: PathBuf,
    /// The file the emulator writes: `ancm_path`, or the same name in the scratch folder.
    pub write_path: PathBuf,
    /// The log goes to the scratch folder, not where web.config points.
    pub redirected: bool,
    /// Whether `ancm_path`'s folder exists now (a read, never a write).
    pub ancm_folder_exists: bool,
}

/// Plans one start's stdout log. With a scratch folder (`doctor`, `run`), nothing is written
/// where web.config points — `stdoutLogFile="..\..\etc\passwd"` must not make ancm write there.
pub fn stdout_log_plan(
    cfg: &LiveConfig,
    now: chrono::DateTime<chrono::Utc>,
    pid: u32,
) -> StdoutLogPlan {
    let ancm_path = stdout_log_path(cfg, now, pid);
    let ancm_folder_exists = ancm_path.parent().is_some_and(Path::is_dir);
    match (&cfg.stdout_scratch, ancm_path.file_name()) {
        (Some(scratch), Some(name)) => StdoutLogPlan {
            write_path: scratch.join(name),
            ancm_path,
            redirected: true,
            ancm_folder_exists,
        },
        _ => StdoutLogPlan {
            write_path: ancm_path.clone(),
            ancm_path,
            redirected: false,
            ancm_folder_exists,
        },
    }
}

/// This process's environment, as `(name, value)` pairs (non-UTF-8 entries are skipped).
pub fn inherited_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// What the app wrote, shared between the reader thread and the diagnosis.
#[derive(Debug, Default)]
pub struct Captured {
    /// The first [`CAPTURE_LIMIT`] characters, as ANCM keeps them for event 1020.
    pub head: String,
    /// The last lines (for crashes long after start).
    pub tail: VecDeque<String>,
    /// Told of every line: the probe's readiness check looks again at once, since an app
    /// announces its listener ("Now listening on:") right after binding it.
    pub arrived: Arc<tokio::sync::Notify>,
}

impl Captured {
    const TAIL_LINES: usize = 200;

    fn push_line(&mut self, line: &str) {
        let room = CAPTURE_LIMIT.saturating_sub(self.head.chars().count());
        if room > 0 {
            self.head
                .extend(line.chars().chain(std::iter::once('\n')).take(room));
        }
        if self.tail.len() >= Self::TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line.to_string());
        self.arrived.notify_one();
    }

    /// Everything worth reading: the head, plus the tail when the head was cut.
    pub fn text(&self) -> String {
        if self.head.chars().count() < CAPTURE_LIMIT {
            return self.head.clone();
        }
        let mut t = self.head.clone();
        t.push_str("\n…\n");
        for l in &self.tail {
            t.push_str(l);
            t.push('\n');
        }
        t
    }
}

pub type SharedCapture = Arc<Mutex<Captured>>;

/// Reads `reader` line by line into events and the capture until EOF.
pub fn pump_lines(
    reader: impl Read + Send + 'static,
    pid: u32,
    bus: Arc<EventBus>,
    capture: SharedCapture,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut r = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end_matches(['\n', '\r']);
                    lock(&capture).push_line(line);
                    bus.emit(Event::Output {
                        pid,
                        line: line.to_string(),
                    });
                }
            }
        }
    })
}

/// Follows a stdout log file the child writes to, until `done` is set and nothing new arrives.
pub fn tail_file(
    path: PathBuf,
    pid: u32,
    bus: Arc<EventBus>,
    capture: SharedCapture,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut offset = 0u64;
        let mut partial = Vec::new();
        loop {
            let finished = done.load(Ordering::SeqCst);
            let mut got = false;
            if let Ok(mut f) = std::fs::File::open(&path) {
                use std::io::Seek;
                if f.seek(std::io::SeekFrom::Start(offset)).is_ok() {
                    let mut buf = Vec::new();
                    if let Ok(n) = f.read_to_end(&mut buf) {
                        offset += n as u64;
                        got = n > 0;
                        partial.extend_from_slice(&buf);
                    }
                }
            }
            while let Some(pos) = partial.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = partial.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&line);
                let line = line.trim_end_matches(['\n', '\r']);
                lock(&capture).push_line(line);
                bus.emit(Event::Output {
                    pid,
                    line: line.to_string(),
                });
            }
            if finished && !got {
                if !partial.is_empty() {
                    let line = String::from_utf8_lossy(&partial).into_owned();
                    lock(&capture).push_line(&line);
                    bus.emit(Event::Output { pid, line });
                }
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> LiveConfig {
        LiveConfig::for_test("/srv/app", "dotnet", r".\App.dll")
    }

    fn get<'a>(env: &'a [(String, String)], k: &str) -> Option<&'a str> {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn forced_values_beat_web_config_which_beats_inherited() {
        let mut c = cfg();
        c.env = vec![
            ("ASPNETCORE_APPL_PATH".into(), "/wrong".into()),
            ("MY_SETTING".into(), "from-config %HOME%".into()),
            ("ASPNETCORE_ENVIRONMENT".into(), "Staging".into()),
        ];
        let inherited = vec![
            ("HOME".to_string(), "/h".to_string()),
            (
                "ASPNETCORE_ENVIRONMENT".to_string(),
                "Production".to_string(),
            ),
        ];
        let (env, shown) = environment(&c, &inherited, 23456, "tok");
        assert_eq!(get(&env, "ASPNETCORE_APPL_PATH"), Some("/"));
        assert_eq!(get(&env, "ASPNETCORE_ENVIRONMENT"), Some("Staging"));
        assert_eq!(get(&env, "MY_SETTING"), Some("from-config /h"));
        assert_eq!(get(&env, "ASPNETCORE_PORT"), Some("23456"));
        assert_eq!(get(&env, "ASPNETCORE_TOKEN"), Some("tok"));
        assert_eq!(get(&env, "ASPNETCORE_IIS_HTTPAUTH"), Some("anonymous;"));
        assert_eq!(
            get(&env, "ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED"),
            Some("true")
        );
        assert_eq!(
            get(&env, "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES"),
            Some(";Microsoft.AspNetCore.Server.IISIntegration")
        );
        // The inherited variable keeps its place in the block.
        assert_eq!(env[1].0, "ASPNETCORE_ENVIRONMENT");
        assert!(shown
            .iter()
            .any(|v| v.name == "MY_SETTING" && v.origin == "web.config"));
        assert_eq!(
            env.iter().filter(|(k, _)| k == "ASPNETCORE_PORT").count(),
            1
        );
    }

    #[test]
    fn v1_adds_fewer_variables_and_no_leading_semicolon() {
        let mut c = cfg();
        c.module = ModuleVersion::V1;
        let (env, _) = environment(&c, &[], 2000, "t");
        assert_eq!(get(&env, "ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED"), None);
        assert_eq!(get(&env, "ASPNETCORE_ANCM_HTTPS_PORT"), None);
        assert_eq!(
            get(&env, "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES"),
            Some("Microsoft.AspNetCore.Server.IISIntegration")
        );
        let p = plan(&c, &[], 2000, "t");
        assert_eq!(p.command_line, r"dotnet .\App.dll");
    }

    #[test]
    fn prefer_environment_variables_keeps_the_inherited_value() {
        let mut c = cfg();
        c.env = vec![("X".into(), "config".into())];
        let inherited = vec![
            ("X".to_string(), "worker".to_string()),
            (
                "ANCM_PREFER_ENVIRONMENT_VARIABLES".to_string(),
                "true".to_string(),
            ),
        ];
        let (env, _) = environment(&c, &inherited, 20000, "t");
        assert_eq!(get(&env, "X"), Some("worker"));
    }

    #[test]
    fn web_config_hosting_startup_value_is_used_untouched() {
        let mut c = cfg();
        c.env = vec![("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES".into(), "Mine".into())];
        let (env, _) = environment(&c, &[], 20000, "t");
        assert_eq!(
            get(&env, "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES"),
            Some("Mine")
        );
    }

    #[test]
    fn configured_port_must_be_in_range() {
        let mut c = cfg();
        assert_eq!(configured_port(&c), Ok(None));
        c.env = vec![("aspnetcore_port".into(), "80".into())];
        assert!(configured_port(&c).is_err());
        c.env = vec![("ASPNETCORE_PORT".into(), "5000".into())];
        assert_eq!(configured_port(&c), Ok(Some(5000)));
        c.env = vec![("ASPNETCORE_PORT".into(), "".into())];
        assert_eq!(configured_port(&c), Ok(None));
    }

    #[test]
    fn token_is_a_fresh_lowercase_guid_unless_configured() {
        let c = cfg();
        let a = new_token(&c);
        assert_eq!(a.len(), 36);
        assert_eq!(a, a.to_ascii_lowercase());
        assert_ne!(a, new_token(&c));
    }

    #[test]
    fn v2_quotes_the_program_and_keeps_arguments_verbatim() {
        let p = plan(&cfg(), &[], 20000, "t");
        assert_eq!(p.command_line, r#""dotnet" .\App.dll"#);
        assert_eq!(p.args, vec![r".\App.dll"]);
        assert_eq!(p.cwd, PathBuf::from("/srv/app"));
    }

    #[test]
    fn relative_program_resolves_against_the_app_folder_only_if_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("App.exe"), b"x").unwrap();
        assert_eq!(
            resolve_program(r".\App.exe", dir.path()),
            dir.path().join("./App.exe")
        );
        assert_eq!(
            resolve_program("dotnet", dir.path()),
            PathBuf::from("dotnet")
        );
        assert_eq!(
            resolve_program("%X%\\dotnet", dir.path()),
            native_path("%X%\\dotnet")
        );
    }

    #[test]
    fn windows_relative_arguments_become_unix_paths_only_when_the_file_exists() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("App.dll"), b"x").unwrap();
        let a = unix_path_argument(r".\App.dll".into(), dir.path());
        let b = unix_path_argument(r".\Missing.dll".into(), dir.path());
        let c = unix_path_argument("--urls".into(), dir.path());
        if cfg!(windows) {
            assert_eq!(a, r".\App.dll");
        } else {
            assert_eq!(a, "./App.dll");
        }
        assert_eq!(b, r".\Missing.dll");
        assert_eq!(c, "--urls");
    }

    #[test]
    fn stdout_log_name_follows_ancm() {
        let c = cfg();
        let t = chrono::DateTime::parse_from_rfc3339("2024-01-31T14:25:01Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let p = stdout_log_path(&c, t, 4711);
        assert_eq!(
            p,
            PathBuf::from("/srv/app/./aspnetcore-stdout_20240131142501_4711.log")
        );
    }

    #[test]
    fn capture_keeps_the_first_30000_characters() {
        let mut c = Captured::default();
        let line = "x".repeat(1000);
        for _ in 0..40 {
            c.push_line(&line);
        }
        assert_eq!(c.head.chars().count(), CAPTURE_LIMIT);
        assert!(c.text().contains('…'));
    }
}
