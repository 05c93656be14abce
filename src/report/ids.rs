//! Stable finding ids: `<check-id>/<16 hex digits>`, the same on every run over the same
//! problem, so CI can track a finding (SARIF `partialFingerprints`) and a baseline can name one.
//!
//! The hash (FNV-1a 64, fixed by its definition, unlike std's `DefaultHasher`) covers the check
//! id, the level, the file the finding points at relative to the app folder, and the message with
//! the app folder removed and every run of digits made `#` — ports, pids and timings differ from
//! run to run, line numbers move when web.config is edited. Two findings that still collide get
//! `-2`, `-3` … in report order.
use crate::diagnostic::{CheckResult, Finding};
use std::hash::Hasher;
use std::path::Path;

/// Gives every finding of `checks` its id.
pub fn assign(app_dir: &Path, checks: &mut [CheckResult]) {
    let mut seen: Vec<String> = Vec::new();
    for c in checks.iter_mut() {
        for f in &mut c.findings {
            let base = id_of(app_dir, &c.id, f);
            let n = seen.iter().filter(|s| **s == base).count();
            seen.push(base.clone());
            f.id = Some(if n == 0 {
                base
            } else {
                format!("{base}-{}", n + 1)
            });
        }
    }
}

/// The id one finding gets (before de-duplication).
pub fn id_of(app_dir: &Path, check_id: &str, f: &Finding) -> String {
    let mut h = fnv::FnvHasher::default();
    h.write(check_id.as_bytes());
    h.write(&[0]);
    h.write(f.level.as_str().as_bytes());
    h.write(&[0]);
    if let Some(loc) = &f.location {
        h.write(super::paths::relative_display(app_dir, &loc.file).as_bytes());
    }
    h.write(&[0]);
    h.write(normalize(app_dir, &f.message).as_bytes());
    format!("{check_id}/{:016x}", h.finish())
}

fn normalize(app_dir: &Path, message: &str) -> String {
    let dir = app_dir.display().to_string();
    let text = if dir.is_empty() {
        message.to_string()
    } else {
        message.replace(&dir, "")
    };
    let mut out = String::with_capacity(text.len());
    let mut in_digits = false;
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Finding, Location};

    fn result(findings: Vec<Finding>) -> Vec<CheckResult> {
        vec![CheckResult::from_findings("live-probe", "t", findings)]
    }

    #[test]
    fn ids_ignore_ports_and_line_numbers_but_not_the_problem() {
        let dir = Path::new("/srv/app");
        let a = Finding::error("the app listens on 41823, not 51000").at(Location::new(
            dir.join("web.config"),
            3,
            5,
        ));
        let b = Finding::error("the app listens on 40001, not 52000").at(Location::new(
            dir.join("web.config"),
            9,
            1,
        ));
        let c = Finding::error("the app exited with code 150");
        assert_eq!(id_of(dir, "live-probe", &a), id_of(dir, "live-probe", &b));
        assert_ne!(id_of(dir, "live-probe", &a), id_of(dir, "live-probe", &c));
        assert_ne!(id_of(dir, "live-probe", &a), id_of(dir, "process-path", &a));
        assert!(id_of(dir, "live-probe", &c).starts_with("live-probe/"));
    }

    #[test]
    fn the_app_folder_does_not_change_the_id() {
        let f = |d: &str| Finding::warning(format!("`{d}/logs` does not exist"));
        assert_eq!(
            id_of(Path::new("/a/app"), "stdout-log", &f("/a/app")),
            id_of(Path::new("/b/app"), "stdout-log", &f("/b/app"))
        );
    }

    #[test]
    fn colliding_findings_are_numbered() {
        let mut r = result(vec![Finding::error("x 1"), Finding::error("x 2")]);
        assign(Path::new("/srv"), &mut r);
        let a = r[0].findings[0].id.clone().unwrap();
        let b = r[0].findings[1].id.clone().unwrap();
        assert_eq!(b, format!("{a}-2"));
    }
}
