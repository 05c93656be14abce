//! The baseline: findings an operator has accepted, with a reason, in `ancm.toml` (in the app
//! folder, or `--config FILE`). An accepted finding is still reported — marked accepted, with its
//! reason — but no longer counts toward its check's outcome or the exit code.
//!
//! ```toml
//! [[accept]]
//! check = "runtime-support"            # a check id (required)
//! match = "end of support"             # optional: a substring of the message, or a finding id
//! reason = "3.1 until the migration"   # required
//! ```
use crate::diagnostic::{Accepted, CheckResult, Level};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The file name looked for in the app folder.
pub const FILE_NAME: &str = "ancm.toml";

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub check: String,
    #[serde(default, rename = "match")]
    pub matches: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    accept: Vec<Entry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Error)]
pub enum BaselineError {
    #[error("{}: cannot read the baseline: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: not a valid baseline: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: entry {index}: {message}", path.display())]
    Entry {
        path: PathBuf,
        index: usize,
        message: String,
    },
}

impl Baseline {
    /// `--config FILE` if given (it must exist), else `APP_DIR/ancm.toml` if present, else none.
    pub fn find(app_dir: &Path, config: Option<&Path>) -> Result<Option<Baseline>, BaselineError> {
        let path = match config {
            Some(p) => p.to_path_buf(),
            None => {
                let p = app_dir.join(FILE_NAME);
                if !p.is_file() {
                    return Ok(None);
                }
                p
            }
        };
        let bytes = std::fs::read(&path).map_err(|source| BaselineError::Read {
            path: path.clone(),
            source,
        })?;
        let text = crate::text_encoding::decode(&bytes).map_err(|e| BaselineError::Parse {
            path: path.clone(),
            line: 1,
            column: 1,
            message: e.to_string(),
        })?;
        Baseline::parse(&path, &text).map(Some)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Baseline, BaselineError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            BaselineError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        for (i, e) in file.accept.iter().enumerate() {
            let fail = |message: String| BaselineError::Entry {
                path: path.to_path_buf(),
                index: i + 1,
                message,
            };
            if crate::checks::find(&e.check).is_none() {
                let known = crate::checks::REGISTRY.iter().map(|c| c.id());
                let hint = super::select::did_you_mean(&e.check, known)
                    .map(|b| format!(" (did you mean `{b}`?)"))
                    .unwrap_or_default();
                return Err(fail(format!("`{}` is not a check id{hint}", e.check)));
            }
            if e.reason.trim().is_empty() {
                return Err(fail(
                    "`reason` is empty: say why this finding is accepted".into(),
                ));
            }
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            entries: file.accept,
        })
    }

    /// Marks the warnings and errors the baseline accepts, and re-derives each check's outcome.
    /// Returns how many findings each entry accepted (an entry that accepts nothing is stale).
    pub fn apply(&self, results: &mut [CheckResult]) -> Vec<usize> {
        let mut used = vec![0; self.entries.len()];
        for r in results.iter_mut() {
            let mut changed = false;
            for f in r.findings.iter_mut().filter(|f| f.level >= Level::Warning) {
                let hit = self.entries.iter().position(|e| {
                    e.check.eq_ignore_ascii_case(&r.id)
                        && e.matches.as_deref().map_or(true, |m| {
                            f.message.contains(m) || f.id.as_deref() == Some(m)
                        })
                });
                if let Some(i) = hit {
                    used[i] += 1;
                    f.accepted = Some(Accepted {
                        reason: self.entries[i].reason.clone(),
                        baseline: self.path.clone(),
                    });
                    changed = true;
                }
            }
            if changed {
                let findings = std::mem::take(&mut r.findings);
                let skip = r.skip_reason.take();
                *r = CheckResult::from_findings(&r.id, &r.title, findings);
                r.skip_reason = skip;
            }
        }
        used
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Finding, Outcome};

    fn results() -> Vec<CheckResult> {
        vec![
            CheckResult::from_findings(
                "runtime-support",
                "t",
                vec![Finding::warning(
                    "`netcoreapp3.1` is out of support since 2022-12-13",
                )],
            ),
            CheckResult::from_findings("stdout-log", "t", vec![Finding::warning("left on")]),
        ]
    }

    #[test]
    fn an_accepted_warning_is_kept_but_no_longer_warns() {
        let b = Baseline::parse(
            Path::new("ancm.toml"),
            "[[accept]]\ncheck = \"runtime-support\"\nmatch = \"out of support\"\nreason = \"migrating in Q3\"\n",
        )
        .unwrap();
        let mut r = results();
        assert_eq!(b.apply(&mut r), vec![1]);
        assert_eq!(r[0].outcome, Outcome::Pass);
        assert_eq!(r[0].findings.len(), 1, "reported, not hidden");
        assert_eq!(
            r[0].findings[0].accepted.as_ref().unwrap().reason,
            "migrating in Q3"
        );
        assert_eq!(r[1].outcome, Outcome::Warn);
    }

    #[test]
    fn a_match_that_does_not_match_accepts_nothing() {
        let b = Baseline::parse(
            Path::new("ancm.toml"),
            "[[accept]]\ncheck = \"runtime-support\"\nmatch = \"net5.0\"\nreason = \"r\"\n",
        )
        .unwrap();
        let mut r = results();
        assert_eq!(b.apply(&mut r), vec![0]);
        assert_eq!(r[0].outcome, Outcome::Warn);
    }

    #[test]
    fn bad_baselines_name_the_file_and_position() {
        let e = Baseline::parse(Path::new("b/ancm.toml"), "[[accept]]\ncheck = \n").unwrap_err();
        assert!(e.to_string().starts_with("b/ancm.toml:2:"), "{e}");
        let e = Baseline::parse(
            Path::new("ancm.toml"),
            "[[accept]]\ncheck = \"runtime-suport\"\nreason = \"r\"\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("did you mean `runtime-support`"),
            "{e}"
        );
        let e = Baseline::parse(
            Path::new("ancm.toml"),
            "[[accept]]\ncheck = \"stdout-log\"\nreason = \" \"\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("`reason` is empty"), "{e}");
    }
}
