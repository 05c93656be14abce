//! The server report: every ASP.NET Core app of an IIS server, each with its own single-folder
//! [`Report`], and a summary of the server first. Rendered for people (one line per app, then
//! each app's report under a heading) and as one JSON document (schema [`SCHEMA`], whose
//! `apps[].report` is an unchanged `ancm-doctor/1` document). Only formats.
use super::apps::{Handler, ServerApp};
use crate::report::{RenderOptions, Report, Tool, HOST_NONE, HOST_PROBE};
use colored::Colorize;
use serde_json::{json, Value};

/// The server document's schema id (README, "Every app on a server"); bump on incompatible
/// change. The single-folder document keeps `ancm-doctor/1`.
pub const SCHEMA: &str = "ancm-doctor-server/1";

/// What became of one ANCM application.
#[derive(Debug, Clone)]
pub enum AppOutcome {
    /// Its folder was read and checked.
    Checked(Box<Report>),
    /// Its folder could not be read on this machine, which is what IIS reads: a failure.
    Unreadable(String),
    /// The facts come from a snapshot and the folder is not on this machine: not judged.
    NotHere(String),
    /// No web.config of its own: IIS runs the parent's `aspNetCore` settings in this folder
    /// (the parent's `child-app-inherits-handler` finding says how to stop it). A failure.
    InheritedOnly { from: String },
}

#[derive(Debug, Clone)]
pub struct AppEntry {
    pub app: ServerApp,
    pub outcome: AppOutcome,
}

/// How one app fared, as the summary line and `apps[].outcome` say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Healthy,
    Warning,
    Failing,
    NotChecked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Healthy => "pass",
            Verdict::Warning => "warn",
            Verdict::Failing => "fail",
            Verdict::NotChecked => "skip",
        }
    }
}

impl AppEntry {
    pub fn verdict(&self, strict: bool) -> Verdict {
        match &self.outcome {
            AppOutcome::Checked(r) if r.summary.failed > 0 => Verdict::Failing,
            AppOutcome::Checked(r) if r.summary.warned > 0 && strict => Verdict::Failing,
            AppOutcome::Checked(r) if r.summary.warned > 0 => Verdict::Warning,
            AppOutcome::Checked(_) => Verdict::Healthy,
            AppOutcome::Unreadable(_) | AppOutcome::InheritedOnly { .. } => Verdict::Failing,
            AppOutcome::NotHere(_) => Verdict::NotChecked,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerReport {
    /// `probe`, the snapshot file, or `none` (as in the single-folder report).
    pub host: String,
    /// The applicationHost.config the applications came from.
    pub iis_config: String,
    /// The sites asked for (`--site`); empty: every site.
    pub sites: Vec<String>,
    pub apps: Vec<AppEntry>,
    /// Applications that are not ASP.NET Core apps (or could not be told): listed, not checked.
    pub others: Vec<ServerApp>,
    pub duration_ms: u64,
    pub strict: bool,
}

/// The counts of the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerSummary {
    pub apps: usize,
    pub failing: usize,
    pub warning: usize,
    pub healthy: usize,
    pub not_checked: usize,
    pub other_applications: usize,
}

impl ServerReport {
    pub fn summary(&self) -> ServerSummary {
        let mut s = ServerSummary {
            apps: self.apps.len(),
            other_applications: self.others.len(),
            ..ServerSummary::default()
        };
        for a in &self.apps {
            match a.verdict(self.strict) {
                Verdict::Healthy => s.healthy += 1,
                Verdict::Warning => s.warning += 1,
                Verdict::Failing => s.failing += 1,
                Verdict::NotChecked => s.not_checked += 1,
            }
        }
        s
    }

    /// Whether the run fails (exit 1): an app failed (or warned, with `--strict`).
    pub fn failed(&self) -> bool {
        self.summary().failing > 0
    }
}

fn handler_json(h: &Handler) -> Value {
    match h {
        Handler::Own { module } => json!({ "kind": "own", "module": module }),
        Handler::Inherited { module, from } => {
            json!({ "kind": "inherited", "module": module, "from": from })
        }
        Handler::NotAncm => json!({ "kind": "not-ancm" }),
        Handler::Unknown => json!({ "kind": "unknown" }),
    }
}

fn app_json(a: &ServerApp) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("site".into(), json!(a.site));
    if let Some(id) = &a.site_id {
        m.insert("site_id".into(), json!(id));
    }
    m.insert("application".into(), json!(a.path));
    m.insert("location".into(), json!(a.location));
    m.insert("pool".into(), json!(a.pool));
    m.insert("physical_path".into(), json!(a.physical_path));
    m.insert("folder".into(), json!(a.folder));
    m.insert("handler".into(), handler_json(&a.handler));
    m
}

/// `--format json`: one document, every app's `ancm-doctor/1` report inside it.
pub fn render_json(r: &ServerReport, opts: &RenderOptions) -> String {
    let s = r.summary();
    let apps: Vec<Value> = r
        .apps
        .iter()
        .map(|e| {
            let mut m = app_json(&e.app);
            m.insert("outcome".into(), json!(e.verdict(r.strict).as_str()));
            match &e.outcome {
                AppOutcome::Checked(report) => {
                    let text = crate::report::json::render(report, opts);
                    let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    m.insert("report".into(), doc);
                }
                AppOutcome::Unreadable(why) | AppOutcome::NotHere(why) => {
                    m.insert("error".into(), json!({ "message": why }));
                }
                AppOutcome::InheritedOnly { from } => {
                    m.insert("error".into(), json!({ "message": inherited_only(from) }));
                }
            }
            Value::Object(m)
        })
        .collect();
    let others: Vec<Value> = r
        .others
        .iter()
        .map(|a| Value::Object(app_json(a)))
        .collect();
    let doc = json!({
        "schema": SCHEMA,
        "tool": Tool::current(),
        "host": r.host,
        "iis_config": r.iis_config,
        "sites": r.sites,
        "duration_ms": r.duration_ms,
        "summary": {
            "apps": s.apps,
            "failing": s.failing,
            "warning": s.warning,
            "healthy": s.healthy,
            "not_checked": s.not_checked,
            "other_applications": s.other_applications,
        },
        "apps": apps,
        "other_applications": others,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// What an application with only an inherited handler gets from IIS.
pub fn inherited_only(from: &str) -> String {
    format!(
        "no web.config of its own: IIS runs the `aspNetCore` settings of `{from}` in this folder (see that app's `child-app-inherits-handler`)"
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The human report: the server summary (a line per app, the applications not checked, the
/// counts), then each app's own report under a heading naming its site, pool and folder.
pub fn render_human(r: &ServerReport, opts: &RenderOptions) -> String {
    let (pass, warn, fail, skip) = if opts.unicode {
        ("✓", "⚠", "✗", "-")
    } else {
        ("ok", "!!", "XX", "--")
    };
    let paint = |s: &str, v: Verdict| -> String {
        if !opts.color {
            return s.to_string();
        }
        match v {
            Verdict::Healthy => s.green().to_string(),
            Verdict::Warning => s.yellow().to_string(),
            Verdict::Failing => s.red().bold().to_string(),
            Verdict::NotChecked => s.dimmed().to_string(),
        }
    };
    let s = r.summary();
    let mut out = String::new();
    let scope = if r.sites.is_empty() {
        "every site".to_string()
    } else {
        r.sites
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str(&format!(
        "ancm doctor: {} on this IIS server ({scope}, `{}`)\n",
        plural(s.apps, "ASP.NET Core app", "ASP.NET Core apps"),
        r.iis_config
    ));
    out.push_str(&match r.host.as_str() {
        HOST_PROBE => "machine facts: this machine\n".to_string(),
        HOST_NONE => "machine facts: none\n".to_string(),
        file => format!("machine facts: from the snapshot {file}\n"),
    });
    out.push('\n');
    let loc_w = r
        .apps
        .iter()
        .map(|a| a.app.location.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for e in &r.apps {
        let v = e.verdict(r.strict);
        let glyph = match v {
            Verdict::Healthy => pass,
            Verdict::Warning => warn,
            Verdict::Failing => fail,
            Verdict::NotChecked => skip,
        };
        let what = match &e.outcome {
            AppOutcome::Checked(rep) => {
                let x = rep.summary;
                if x.failed == 0 && x.warned == 0 {
                    "healthy".to_string()
                } else {
                    let mut parts = Vec::new();
                    if x.failed > 0 {
                        parts.push(format!("{} failed", x.failed));
                    }
                    if x.warned > 0 {
                        parts.push(format!("{} warned", x.warned));
                    }
                    parts.join(", ")
                }
            }
            AppOutcome::Unreadable(why) => format!("folder unreadable: {why}"),
            AppOutcome::NotHere(why) => format!("not checked: {why}"),
            AppOutcome::InheritedOnly { .. } => {
                "no web.config of its own: IIS runs the parent's `aspNetCore` settings here"
                    .to_string()
            }
        };
        let inherited = match &e.app.handler {
            Handler::Inherited { from, .. } => format!(", handler inherited from `{from}`"),
            _ => String::new(),
        };
        // The verdict beside the name when it fits the report's width, else on a line of its own.
        let width = 2 + glyph.chars().count() + 1 + loc_w + 2 + what.chars().count();
        if width <= crate::report::human::WIDTH {
            out.push_str(&format!(
                "  {} {:<loc_w$}  {}\n",
                paint(glyph, v),
                e.app.location,
                paint(&what, v)
            ));
        } else {
            out.push_str(&format!(
                "  {} {}\n      {}\n",
                paint(glyph, v),
                e.app.location,
                paint(&what, v)
            ));
        }
        out.push_str(&format!(
            "      pool `{}`, `{}`{inherited}\n",
            e.app.pool, e.app.folder
        ));
    }
    if !r.others.is_empty() {
        out.push_str("\n  not ASP.NET Core apps, not checked:\n");
        for a in &r.others {
            let why = if a.handler == Handler::Unknown {
                ", no web.config readable here"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {skip} {} (pool `{}`{why})\n",
                a.location, a.pool
            ));
        }
    }
    let mut counts = vec![
        format!("{} failing", s.failing),
        format!("{} warning", s.warning),
        format!("{} healthy", s.healthy),
    ];
    if s.not_checked > 0 {
        counts.push(format!("{} not checked", s.not_checked));
    }
    out.push_str(&format!(
        "\n{}: {}\n",
        plural(s.apps, "app", "apps"),
        counts.join(", ")
    ));
    for e in &r.apps {
        let AppOutcome::Checked(rep) = &e.outcome else {
            continue;
        };
        let heading = format!(
            "== {} (site `{}`, pool `{}`) ",
            e.app.location, e.app.site, e.app.pool
        );
        let fill = crate::report::human::WIDTH.saturating_sub(heading.chars().count());
        out.push_str(&format!(
            "\n{}\n",
            paint(
                &format!("{heading}{}", "=".repeat(fill.min(60))),
                e.verdict(r.strict)
            )
        ));
        out.push_str(&crate::report::human::render(rep, opts));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
