//! `--format json`: the [`Report`] as one JSON document (schema `ancm-doctor/1`, see README).
use super::{RenderOptions, Report};
use crate::diagnostic::REDACTED;

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut report = report.clone();
    if !opts.show_secrets {
        for c in &mut report.checks {
            for f in &mut c.findings {
                for e in &mut f.evidence {
                    if e.secret {
                        e.value = REDACTED.to_string();
                    }
                }
            }
        }
    }
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The JSON object printed on stdout when ancm could not do its job (exit 2), so a pipeline
/// reading stdout always gets a document; the same message goes to stderr as a line.
pub fn error_document(message: &str) -> String {
    let v = serde_json::json!({
        "schema": super::SCHEMA,
        "tool": super::Tool::current(),
        "error": { "message": message },
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
