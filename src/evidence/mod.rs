//! Evidence IIS and ANCM already left on the server: the app's stdout logs, the module's debug
//! log, the Application event log entries of the module, and on Azure App Service
//! `%HOME%\LogFiles\eventlog.xml` and `%HOME%\LogFiles\stdout*`.
//!
//! The parsers (`event_log`, `stdout_log`, `debug_log`, `message`) are pure. [`gather`] is the
//! small reading layer: it opens files for reading and runs `wevtutil qe` (a query), and never
//! writes anything. [`attach`] puts each piece of evidence under the finding it supports, newest
//! first with its time; what no finding accounts for goes to the `server-evidence` result.
pub mod debug_log;
pub mod event_log;
pub mod message;
pub mod stdout_log;

use crate::deployment::Deployment;
use crate::diagnostic::{CheckResult, Evidence, Finding, Level, Outcome};
use crate::host::HostFacts;
use message::MessageFacts;
use std::path::{Path, PathBuf};

/// The check id the gathered evidence reports under (a catalog entry like `live-probe`).
pub const CHECK_ID: &str = "server-evidence";

/// How many event-log entries are read (newest first).
pub const MAX_EVENTS: u32 = 200;

/// So many stdout log files, or so many bytes, is a pile worth a warning (ANCM never rotates).
pub const PILE_FILES: usize = 100;
pub const PILE_BYTES: u64 = 100 * 1024 * 1024;

/// Where a piece of evidence came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    EventLog { provider: String, event_id: u32 },
    AzureEventLog { event_id: u32 },
    StdoutLog { path: PathBuf },
    DebugLog { path: PathBuf },
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::EventLog { event_id, .. } => format!("event {event_id}"),
            Source::AzureEventLog { event_id } => format!("eventlog.xml event {event_id}"),
            Source::StdoutLog { path } => format!("stdout log `{}`", file_name(path)),
            Source::DebugLog { path } => format!("debug log `{}`", file_name(path)),
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// When it was written (UTC), when known.
    pub time: Option<chrono::DateTime<chrono::Utc>>,
    pub source: Source,
    /// What it says, one line.
    pub summary: String,
    pub facts: MessageFacts,
    /// An error-level event, or a log showing a failed start.
    pub is_error: bool,
}

impl Item {
    fn label(&self) -> String {
        match self.time {
            Some(t) => format!(
                "{} {}",
                t.format("%Y-%m-%d %H:%M:%S UTC"),
                self.source.describe()
            ),
            None => self.source.describe(),
        }
    }
}

/// Everything read for one app.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// Newest first (undated last).
    pub items: Vec<Item>,
    /// What was read and what piled up: notes and warnings of the `server-evidence` result.
    pub notes: Vec<Finding>,
}

/// What to read for.
pub struct Scope<'a> {
    pub deployment: &'a Deployment,
    pub host: &'a HostFacts,
    /// The facts were probed on this machine (not a `--host` snapshot): the event log and
    /// absolute paths are this server's.
    pub this_machine: bool,
}

/// Reads the evidence for one app. Never writes.
pub fn gather(scope: &Scope<'_>) -> Gathered {
    let mut g = Gathered::default();
    let app_dir = &scope.deployment.app_dir;
    let config_path = iis_config_path(scope);
    let env = crate::contract::module::worker_env(scope.host);

    // stdout logs where web.config's prefix points (its default too: earlier starts may have logged).
    let mut stdout_places: Vec<(PathBuf, String)> = Vec::new();
    if let Some(section) = scope
        .deployment
        .web_config()
        .and_then(|w| w.aspnetcore.as_ref())
    {
        let written = section.stdout_log_file();
        let expanded = crate::contract::command_line::expand_env(written, &env);
        if expanded.unresolved.is_empty() {
            if let Some(place) = local_path(app_dir, &expanded.text, scope.this_machine) {
                if let (Some(parent), Some(leaf)) = (place.parent(), place.file_name()) {
                    stdout_places.push((parent.to_path_buf(), leaf.to_string_lossy().into_owned()));
                }
            }
        }
    }
    let azure_home = scope
        .host
        .azure
        .as_ref()
        .and_then(|a| a.home.clone())
        .filter(|_| scope.this_machine);
    if let Some(home) = &azure_home {
        stdout_places.push((Path::new(home).join("LogFiles"), "stdout".into()));
    }
    stdout_places.dedup();
    for (folder, leaf) in &stdout_places {
        read_stdout_logs(&mut g, folder, leaf);
    }

    // The module's debug log.
    let mut debug_files: Vec<PathBuf> = Vec::new();
    if let Some(section) = scope
        .deployment
        .web_config()
        .and_then(|w| w.aspnetcore.as_ref())
    {
        if let Some(s) = section.handler_setting("debugFile") {
            let expanded = crate::contract::command_line::expand_env(&s.value.value, &env);
            debug_files.extend(local_path(app_dir, &expanded.text, scope.this_machine));
        }
        if let Some(v) = section.environment_variables.iter().find(|v| {
            v.name
                .value
                .eq_ignore_ascii_case("ASPNETCORE_MODULE_DEBUG_FILE")
        }) {
            debug_files.extend(local_path(app_dir, &v.value.value, scope.this_machine));
        }
    }
    if scope.this_machine {
        if let Some(v) = std::env::var_os("ASPNETCORE_MODULE_DEBUG_FILE") {
            debug_files.extend(local_path(app_dir, &v.to_string_lossy(), true));
        }
    }
    debug_files.push(app_dir.join("aspnetcore-debug.log"));
    debug_files.dedup();
    for path in &debug_files {
        if let Some(facts) = debug_log::read(path) {
            read_debug_log(&mut g, path, &facts);
        }
    }

    // The event log: this machine's Application log, Azure's eventlog.xml.
    let physical = app_dir.display().to_string();
    let mut events: Vec<(event_log::EventRecord, bool)> = Vec::new();
    if scope.this_machine && cfg!(windows) {
        #[cfg(windows)]
        match event_log::query_windows(MAX_EVENTS) {
            Ok(found) => events.extend(found.into_iter().map(|e| (e, false))),
            Err(why) => g.notes.push(Finding::note(format!(
                "the Application event log could not be read: {why}"
            ))),
        }
    } else if !scope.this_machine {
        g.notes.push(Finding::note(
            "the Windows event log is not read from a `--host` snapshot: run `ancm doctor` on the server for it",
        ));
    }
    if let Some(home) = &azure_home {
        let path = Path::new(home).join("LogFiles").join("eventlog.xml");
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            match event_log::parse(&text) {
                Ok(found) => events.extend(found.into_iter().map(|e| (e, true))),
                Err(e) => g
                    .notes
                    .push(Finding::note(format!("`{}`: {e}", path.display()))),
            }
        }
    }
    let mut counted = 0usize;
    for (e, azure) in events {
        if !e.is_ancm() {
            continue;
        }
        let facts = message::read(&e.message);
        if !facts.concerns(&physical, config_path.as_deref()) {
            continue;
        }
        counted += 1;
        let first = e.message.lines().next().unwrap_or_default();
        let mut summary = format!(
            "{} from `{}`: {}",
            e.level_name(),
            e.provider,
            message::clip(first)
        );
        if let Some(x) = &facts.exception {
            if !first.contains(x.as_str()) {
                summary.push_str(&format!(" — {x}"));
            }
        }
        g.items.push(Item {
            time: e.time.as_deref().and_then(parse_time),
            source: if azure {
                Source::AzureEventLog {
                    event_id: e.event_id,
                }
            } else {
                Source::EventLog {
                    provider: e.provider.clone(),
                    event_id: e.event_id,
                }
            },
            summary,
            is_error: e.level != 0 && e.level <= 2,
            facts,
        });
    }
    if counted > 0 {
        g.notes.push(Finding::note(format!(
            "{counted} ANCM event-log entr{} for this app",
            if counted == 1 { "y" } else { "ies" }
        )));
    }
    g.items.sort_by_key(|i| std::cmp::Reverse(i.time));
    g
}

/// `/LM/W3SVC/<site id>/ROOT/<app>` for the app, when IIS facts place it (ANCM names apps so).
fn iis_config_path(scope: &Scope<'_>) -> Option<String> {
    let cfg = scope.host.iis_config()?;
    let m = cfg.find_app(&scope.deployment.app_dir.display().to_string(), |p| {
        scope.host.expand(p)
    })?;
    let id = m.site.id.as_deref()?;
    let app = m.application.path.trim_end_matches('/');
    Some(format!("/LM/W3SVC/{id}/ROOT{app}"))
}

/// A web.config path on this machine: app-relative, or absolute when the facts are this
/// machine's (`\\?\` stripped). `None` when it names another machine's file system.
fn local_path(app_dir: &Path, text: &str, this_machine: bool) -> Option<PathBuf> {
    if let Some(rel) = crate::contract::command_line::app_relative(text) {
        return Some(app_dir.join(rel));
    }
    if !this_machine {
        return None;
    }
    let t = text.trim();
    let t = t.strip_prefix(r"\\?\").unwrap_or(t);
    let p = PathBuf::from(t);
    p.is_absolute().then_some(p)
}

fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(
                s.trim().trim_end_matches('Z'),
                "%Y-%m-%dT%H:%M:%S%.f",
            )
            .ok()
            .map(|t| t.and_utc())
        })
}

fn read_stdout_logs(g: &mut Gathered, folder: &Path, leaf: &str) {
    let Some(logs) = stdout_log::scan(folder, leaf) else {
        return;
    };
    if logs.files.is_empty() {
        return;
    }
    let mb = logs.total_bytes as f64 / (1024.0 * 1024.0);
    let pile = format!(
        "{} stdout log file{} ({mb:.1} MB) in `{}`, newest {}",
        logs.files.len(),
        if logs.files.len() == 1 { "" } else { "s" },
        folder.display(),
        logs.files[0].time
    );
    if logs.files.len() >= PILE_FILES || logs.total_bytes >= PILE_BYTES {
        g.notes.push(
            Finding::warning(format!("{pile}: ANCM never rotates or deletes them"))
                .fix("delete the old files and set `stdoutLogEnabled=\"false\"` once the start-up problem is found"),
        );
    } else {
        g.notes.push(Finding::note(pile));
    }
    let Some((file, content)) = logs.newest else {
        return;
    };
    let f = &content.facts;
    let mut parts: Vec<String> = Vec::new();
    if let Some(x) = &f.framework_missing {
        parts.push(x.clone());
    }
    if let Some(x) = &f.exception {
        parts.push(x.clone());
    }
    parts.extend(content.exit_lines.iter().cloned());
    if !f.listening.is_empty() {
        parts.push(format!("Now listening on: {}", f.listening.join(", ")));
    }
    if parts.is_empty() {
        return;
    }
    g.items.push(Item {
        time: parse_time(&file.time),
        source: Source::StdoutLog {
            path: file.path.clone(),
        },
        summary: format!("last start (w3wp {}): {}", file.pid, parts.join(" | ")),
        is_error: f.exception.is_some() || f.framework_missing.is_some(),
        facts: content.facts,
    });
}

fn read_debug_log(g: &mut Gathered, path: &Path, facts: &debug_log::DebugFacts) {
    g.notes.push(Finding::note(format!(
        "debug log `{}`: {} line{} from the last start",
        path.display(),
        facts.lines_read,
        if facts.lines_read == 1 { "" } else { "s" }
    )));
    let mut push = |line: &debug_log::DebugLine, is_error: bool| {
        g.items.push(Item {
            time: line.time.as_deref().and_then(parse_time),
            source: Source::DebugLog {
                path: path.to_path_buf(),
            },
            summary: line.message.clone(),
            facts: message::read(&line.message),
            is_error,
        });
    };
    if let Some(d) = &facts.dotnet {
        push(d, false);
    }
    if let Some(h) = &facts.hostfxr {
        push(h, false);
    }
    for l in facts.failures.iter().chain(&facts.errors) {
        push(l, true);
    }
}

/// The check ids whose findings a piece of evidence supports, most specific first.
/// Sources: ancm-reference.md §3.3 (event ids), §5 (catalog rows), hostfxr.md (host statuses).
pub fn supports(item: &Item) -> Vec<&'static str> {
    let f = &item.facts;
    let text = item.summary.to_ascii_lowercase();
    let event = match &item.source {
        Source::EventLog { event_id, .. } | Source::AzureEventLog { event_id } => Some(*event_id),
        _ => None,
    };
    let mut out: Vec<&'static str> = Vec::new();
    // The host's FrameworkMissingFailure (0x80008096 = -2147450730 = exit 150).
    if f.framework_missing.is_some() || f.has_hex(0x8000_8096) || event == Some(1028) {
        out.push("framework-resolution");
    }
    if f.has_hex(0x8000_8081)
        || f.has_hex(0x8000_809A)
        || text.contains("application to execute does not exist")
        || text.contains("executable was not found")
        || text.contains("application arguments are empty")
    {
        out.push("process-path");
    }
    if text.contains("could not find dotnet.exe") || f.has_hex(0x8007_0002) {
        out.extend(["dotnet-on-machine-path", "process-path"]);
    }
    if f.has_hex(0x8007_00C1) || text.contains("badimageformatexception") {
        out.push("dotnet-architecture");
    }
    if matches!(event, Some(1008 | 1009)) {
        out.push("app-pool");
    }
    if event == Some(1012) || text.contains("app_offline") {
        out.push("app-offline");
    }
    if event == Some(1026) || text.contains("could not start stdout") {
        out.push("stdout-log");
    }
    if event == Some(1029) || text.contains("aspnetcorev2_outofprocess.dll") {
        out.push("module-installed");
    }
    if matches!(event, Some(1004 | 1034)) || f.has_hex(0x8007_000D) {
        out.extend(["aspnetcore-attributes", "web-config"]);
    }
    if f.exception.is_some()
        || f.has_hex(0xE043_4352)
        || matches!(event, Some(1007 | 1011 | 1018 | 1031 | 1035))
    {
        out.extend(["appsettings-json", "live-probe"]);
    }
    if matches!(event, Some(1000 | 1020)) || text.contains("failed to start process") {
        out.push("live-probe");
    }
    out.dedup();
    out
}

/// Puts each item under the first failing or warning finding of a check it supports (newest
/// first, as gathered), and replaces the `server-evidence` result with what was read and what no
/// finding accounts for.
pub fn attach(results: &mut Vec<CheckResult>, g: &Gathered) {
    let mut unplaced: Vec<&Item> = Vec::new();
    for item in &g.items {
        let placed = supports(item).into_iter().any(|id| {
            results
                .iter_mut()
                .filter(|r| r.id == id && matches!(r.outcome, Outcome::Fail | Outcome::Warn))
                .flat_map(|r| r.findings.iter_mut())
                .find(|f| f.level >= Level::Warning)
                .map(|f| {
                    f.evidence.push(Evidence {
                        label: item.label(),
                        value: item.summary.clone(),
                        location: None,
                        secret: false,
                    })
                })
                .is_some()
        });
        if !placed {
            unplaced.push(item);
        }
    }
    let mut findings = g.notes.clone();
    let (errors, others): (Vec<&Item>, Vec<&Item>) = unplaced.into_iter().partition(|i| i.is_error);
    if !errors.is_empty() {
        let mut f = Finding::warning(format!(
            "ANCM recorded {} failure{} that no finding here accounts for (fixed since, or a cause ancm cannot see)",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        ))
        .fix("read the newest entry first; `ancm explain` decodes the codes in it");
        for i in errors {
            f = f.evidence(i.label(), i.summary.clone());
        }
        findings.push(f);
    }
    if !others.is_empty() {
        let mut f = Finding::note("what ANCM recorded for this app");
        for i in others {
            f = f.evidence(i.label(), i.summary.clone());
        }
        findings.push(f);
    }
    let result = CheckResult::from_findings(CHECK_ID, crate::catalog::title(CHECK_ID), findings);
    match results.iter_mut().find(|r| r.id == CHECK_ID) {
        Some(slot) => *slot = result,
        None => results.push(result),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(time: &str, source: Source, text: &str, is_error: bool) -> Item {
        Item {
            time: parse_time(time),
            source,
            summary: text.to_string(),
            facts: message::read(text),
            is_error,
        }
    }

    #[test]
    fn times_in_every_shape_parse() {
        for t in [
            "2026-11-30T21:14:03.1234567Z",
            "2026-11-30T21:14:03Z",
            "2026-11-30T21:14:03+00:00",
            "2026-11-30T21:14:03.100Z",
        ] {
            assert!(parse_time(t).is_some(), "{t}");
        }
    }

    #[test]
    fn evidence_lands_under_the_finding_it_supports_newest_first() {
        let framework = CheckResult::from_findings(
            "framework-resolution",
            "t",
            vec![
                Finding::error("`Microsoft.AspNetCore.App` 9.0.0 is not installed")
                    .symptom("500.31"),
            ],
        );
        let passing = CheckResult::from_findings("process-path", "t", vec![]);
        let mut results = vec![framework, passing];
        let ev = |id: u32| Source::EventLog {
            provider: "IIS AspNetCore Module V2".into(),
            event_id: id,
        };
        let g = Gathered {
            items: vec![
                item("2026-11-30T21:14:03Z", ev(1031), "error: Could not find 'aspnetcorev2_inprocess.dll'. Exception message: The framework 'Microsoft.AspNetCore.App', version '9.0.0' (x64) was not found.", true),
                item("2026-11-29T08:00:00Z", ev(1031), "error: exit code '-2147450730'", true),
                item("2026-11-28T08:00:00Z", ev(1000), "warning: Executable was not found at 'C:\\x\\App.exe'", true),
            ],
            notes: vec![Finding::note("2 ANCM event-log entries for this app")],
        };
        attach(&mut results, &g);
        let ev_on = &results[0].findings[0].evidence;
        assert_eq!(ev_on.len(), 2);
        assert!(ev_on[0]
            .label
            .starts_with("2026-11-30 21:14:03 UTC event 1031"));
        assert!(ev_on[1].label.starts_with("2026-11-29"));
        // process-path passes: its evidence is shown under server-evidence, as a warning.
        let se = results.iter().find(|r| r.id == CHECK_ID).unwrap();
        assert_eq!(se.outcome, Outcome::Warn);
        assert!(se.findings.iter().any(|f| f
            .evidence
            .iter()
            .any(|e| e.value.contains("Executable was not found"))));
    }

    #[test]
    fn nothing_gathered_is_a_pass() {
        let mut results = Vec::new();
        attach(&mut results, &Gathered::default());
        assert_eq!(results[0].outcome, Outcome::Pass);
    }

    #[test]
    fn gathering_reads_the_apps_stdout_and_debug_logs_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path();
        std::fs::write(app.join("web.config"), r#"<configuration><system.webServer><aspNetCore processPath="dotnet" arguments=".\App.dll" stdoutLogEnabled="true" stdoutLogFile=".\logs\stdout"><handlerSettings><handlerSetting name="debugFile" value=".\logs\ancm.log" /></handlerSettings></aspNetCore></system.webServer></configuration>"#).unwrap();
        std::fs::create_dir(app.join("logs")).unwrap();
        std::fs::write(
            app.join("logs").join("stdout_20261130211403_5120.log"),
            "Unhandled exception. System.IO.FileNotFoundException: appsettings.json\n",
        )
        .unwrap();
        std::fs::write(app.join("logs").join("ancm.log"), "[2026-11-30T21:14:03.130Z, PID: 5120] [aspnetcorev2.dll] Found dotnet.exe in Program Files at 'C:\\Program Files\\dotnet\\dotnet.exe'\n").unwrap();
        let before = listing(app);
        let d = Deployment::load(app).unwrap();
        let host = HostFacts::basic();
        let g = gather(&Scope {
            deployment: &d,
            host: &host,
            this_machine: false,
        });
        assert_eq!(before, listing(app), "gathering wrote into the app folder");
        assert!(g
            .items
            .iter()
            .any(|i| matches!(i.source, Source::StdoutLog { .. })
                && i.is_error
                && i.summary.contains("FileNotFoundException")));
        assert!(g
            .items
            .iter()
            .any(|i| matches!(i.source, Source::DebugLog { .. })
                && i.summary.contains("Program Files")));
        assert!(g
            .notes
            .iter()
            .any(|n| n.message.contains("1 stdout log file")));
        // Newest first.
        let times: Vec<_> = g.items.iter().map(|i| i.time).collect();
        let mut sorted = times.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted);
    }

    fn listing(dir: &Path) -> Vec<(PathBuf, u64)> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                out.extend(listing(&e.path()));
            }
            out.push((e.path(), m.len()));
        }
        out.sort();
        out
    }
}
