//! Renderers: they only format. Every renderer takes the same [`Report`].
pub mod human;
pub mod json;

use crate::diagnostic::{CheckResult, Summary};
use serde::Serialize;
use std::path::PathBuf;

/// The JSON schema id; bump on incompatible change (README documents the contract).
pub const SCHEMA: &str = "ancm-doctor/1";

/// What `ancm doctor` concluded about one app folder.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub app_dir: PathBuf,
    /// Where host facts came from: `probe` or the snapshot file.
    pub host: String,
    pub checks: Vec<CheckResult>,
    pub summary: Summary,
}

impl Report {
    pub fn new(app_dir: PathBuf, host: String, checks: Vec<CheckResult>) -> Report {
        let summary = Summary::of(&checks);
        Report {
            schema: SCHEMA,
            app_dir,
            host,
            checks,
            summary,
        }
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
    /// Show passing checks' notes too.
    pub verbose: bool,
}

/// The value a renderer prints for evidence.
pub fn evidence_value<'a>(e: &'a crate::diagnostic::Evidence, opts: &RenderOptions) -> &'a str {
    if e.secret && !opts.show_secrets {
        crate::diagnostic::REDACTED
    } else {
        &e.value
    }
}
