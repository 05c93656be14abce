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
