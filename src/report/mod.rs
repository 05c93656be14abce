//! Renderers: they only format. Every renderer takes the same [`Report`]: the human first
//! screen, JSON, SARIF 2.1.0, GitHub workflow commands and JUnit XML. What counts (`--only`,
//! `--skip`, the baseline) is decided before rendering, in [`select`] and [`baseline`].
pub mod areas;
pub mod baseline;
pub mod explain;
pub mod github;
pub mod human;
pub mod ids;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod paths;
pub mod sarif;
pub mod select;

use crate::diagnostic::{CheckResult, Finding, Level, Summary};
use serde::Serialize;
use std::path::PathBuf;

/// The JSON schema id; bump on incompatible change (README documents the contract).
pub const SCHEMA: &str = "ancm-doctor/1";

/// Which ancm made a report: name, version and the commit it was built from (`build.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
    /// The short commit id, when the build could tell (a tarball without `.git` cannot).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<&'static str>,
}

impl Tool {
    pub fn current() -> Tool {
        Tool {
            name: "ancm",
            version: env!("CARGO_PKG_VERSION"),
            commit: option_env!("ANCM_COMMIT").filter(|c| !c.is_empty()),
        }
    }

    /// `0.1.0 (abc1234)` or `0.1.0`.
    pub fn long_version(&self) -> String {
        match self.commit {
            Some(c) => format!("{} ({c})", self.version),
            None => self.version.to_string(),
        }
    }
}

/// Whether the live probe ran, as the JSON `live_probe` field says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum LiveProbeRun {
    /// The app was started under the emulator.
    Ran,
    /// `--static`: not asked for.
    #[default]
    Skipped,
    /// Asked for, but web.config cannot tell how to start the app (the static checks say why).
    NotPossible,
}

/// The value of `host` when no machine facts were used (`--host none`).
pub const HOST_NONE: &str = "none";
/// The value of `host` when this machine's facts were probed.
pub const HOST_PROBE: &str = "probe";

/// What `ancm doctor` concluded about one app folder.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: Tool,
    pub app_dir: PathBuf,
    /// Where host facts came from: `probe` (this machine), the snapshot file, or `none`.
    pub host: String,
    pub live_probe: LiveProbeRun,
    /// Wall-clock time of the whole diagnosis, in milliseconds.
    pub duration_ms: u64,
    pub checks: Vec<CheckResult>,
    pub summary: Summary,
}

impl Report {
    /// A report over `checks`; gives every finding its stable id and counts the outcomes.
    pub fn new(app_dir: PathBuf, host: String, mut checks: Vec<CheckResult>) -> Report {
        ids::assign(&app_dir, &mut checks);
        let summary = Summary::of(&checks);
        Report {
            schema: SCHEMA,
            tool: Tool::current(),
            app_dir,
            host,
            live_probe: LiveProbeRun::default(),
            duration_ms: 0,
            checks,
            summary,
        }
    }

    pub fn with_live_probe(mut self, run: LiveProbeRun) -> Report {
        self.live_probe = run;
        self
    }

    pub fn with_duration(mut self, d: std::time::Duration) -> Report {
        self.duration_ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Every finding that is a problem (a warning or an error), accepted or not, with its check:
    /// what every machine-readable format reports.
    pub fn problems(&self) -> impl Iterator<Item = (&CheckResult, &Finding)> {
        self.checks.iter().flat_map(|c| {
            c.findings
                .iter()
                .filter(|f| f.level >= Level::Warning)
                .map(move |f| (c, f))
        })
    }
}

/// Output policy shared by renderers.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Print secret values instead of `***`.
    pub show_secrets: bool,
    /// ANSI colours (human only; JSON is never coloured).
    pub color: bool,
    /// Unicode glyphs (✓ ⚠ ✗); ASCII otherwise.
    pub unicode: bool,
    /// Show passing checks (and their notes) too.
    pub verbose: bool,
    /// Only problems and the summary.
    pub quiet: bool,
    /// Warnings fail (`--strict`): JUnit reports them as failures.
    pub strict: bool,
}

/// The value a renderer prints for evidence.
pub fn evidence_value<'a>(e: &'a crate::diagnostic::Evidence, opts: &RenderOptions) -> &'a str {
    if e.secret && !opts.show_secrets {
        crate::diagnostic::REDACTED
    } else {
        &e.value
    }
}
