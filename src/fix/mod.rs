//! `ancm fix`: the web.config the SDK's publish transform would have written for the app in
//! this folder, as a byte-preserving edit of the file that is there — only the attributes that
//! are wrong change ([`plan`]), every other byte (comments, order, quoting, encoding, BOM) is
//! kept ([`edit`]) — shown as a unified diff, and written only on request, atomically after a
//! backup ([`write`]).
//!
//! A proposal is checked before it is offered: the edited file must parse, and the checks are
//! run again over the folder as it would be; the findings that disappear are the ones the fix
//! addresses ([`Proposal::fixed`]), which is also how `ancm doctor` knows which findings to
//! point at `ancm fix`. Reading only, except [`write::commit`].
pub mod edit;
pub mod plan;
pub mod write;

use crate::checks::{self, Context};
use crate::deployment::web_config::{self, TextEncoding, WebConfig, WebConfigError};
use crate::deployment::{Deployment, DeploymentError, WebConfigState};
use crate::diagnostic::{CheckResult, Level};
use crate::host::HostFacts;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub use plan::{Change, Plan};

#[derive(Debug, Error)]
pub enum FixError {
    #[error(transparent)]
    Deployment(#[from] DeploymentError),
    #[error("{}: no `web.config` to fix", crate::deployment::shown(app_dir))]
    NoWebConfig { app_dir: PathBuf },
    #[error(transparent)]
    WebConfig(#[from] WebConfigError),
    #[error("{}: {source}", crate::deployment::shown(path))]
    Edit {
        path: PathBuf,
        source: edit::EditError,
    },
    /// A bug of ancm's, said as such rather than written.
    #[error(
        "{}: the fixed text does not parse ({error}): nothing written",
        crate::deployment::shown(path)
    )]
    Unparseable {
        path: PathBuf,
        error: WebConfigError,
    },
}

/// A finding the fix makes go away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub check: String,
    pub level: Level,
    pub message: String,
}

/// A proposed fix of one app folder's web.config.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub path: PathBuf,
    pub encoding: TextEncoding,
    /// The bytes read, which the write compares the file with before replacing it.
    pub original: Vec<u8>,
    pub new_bytes: Vec<u8>,
    pub old_text: String,
    pub new_text: String,
    pub plan: Plan,
    /// The folders of the plan, absolute.
    pub folders: Vec<PathBuf>,
    pub fixed: Vec<Fixed>,
    /// Problems the checks still report afterwards (warnings and errors).
    pub remaining: Vec<Fixed>,
}

impl Proposal {
    pub fn is_empty(&self) -> bool {
        self.plan.is_empty()
    }

    /// The unified diff of web.config (`a/…` → `b/…`, three lines of context); empty when the
    /// text does not change. Line endings are shown as `\n`.
    pub fn diff(&self) -> String {
        if self.old_text == self.new_text {
            return String::new();
        }
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "web.config".into());
        let old = self.old_text.replace("\r\n", "\n");
        let new = self.new_text.replace("\r\n", "\n");
        similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}

/// The static checks over these facts (the live probe and the live site are not run: they
/// only report what the static checks already know or need a network).
fn static_results(deployment: &Deployment, host: &HostFacts) -> Vec<CheckResult> {
    checks::run_all(&Context::new(deployment, host))
}

/// Computes the fix for `app_dir` without writing anything.
pub fn propose(app_dir: &Path, host: &HostFacts) -> Result<Proposal, FixError> {
    let deployment = Deployment::load(app_dir)?;
    let path = match &deployment.web_config {
        WebConfigState::Parsed(wc) => wc.path.clone(),
        WebConfigState::Missing => {
            return Err(FixError::NoWebConfig {
                app_dir: app_dir.to_path_buf(),
            })
        }
        WebConfigState::Invalid(_) => app_dir.join("web.config"),
    };
    if let WebConfigState::Invalid(e) = deployment.web_config {
        return Err(e.into());
    }
    // The bytes the edit is spliced into and the write compares with: read once, here.
    let original = web_config::read_bytes(&path)?;
    let wc = web_config::parse(&path, &original)?;
    let before = static_results(&deployment, host);
    let plan =
        plan::plan(&wc, &deployment.layout, host, &before).map_err(|source| FixError::Edit {
            path: path.clone(),
            source,
        })?;
    let folders = plan
        .folders
        .iter()
        .map(|rel| rel.split('/').fold(app_dir.to_path_buf(), |p, c| p.join(c)))
        .collect();
    if plan.is_empty() {
        return Ok(Proposal {
            path,
            encoding: wc.encoding,
            new_text: wc.text.clone(),
            old_text: wc.text,
            new_bytes: original.clone(),
            original,
            folders,
            fixed: Vec::new(),
            remaining: problems(&before),
            plan,
        });
    }
    let (new_text, new_bytes) = edit::apply(&wc.text, &original, wc.encoding, &plan.edits())
        .map_err(|source| FixError::Edit {
            path: path.clone(),
            source,
        })?;
    let new_wc = web_config::parse(&path, &new_bytes).map_err(|error| FixError::Unparseable {
        path: path.clone(),
        error,
    })?;
    let after = what_if(deployment, new_wc, &plan.folders, host);
    Ok(Proposal {
        path,
        encoding: wc.encoding,
        old_text: wc.text,
        new_text,
        new_bytes,
        original,
        folders,
        fixed: disappeared(&before, &after),
        remaining: problems(&after),
        plan,
    })
}

/// The checks' results for the folder as it would be after the fix: `wc` in place of the file
/// and `folders` created. Nothing is written; the layout is read again for the new web.config.
fn what_if(
    mut deployment: Deployment,
    wc: WebConfig,
    folders: &[String],
    host: &HostFacts,
) -> Vec<CheckResult> {
    let mut files = deployment.layout.files.clone();
    for f in folders.iter().filter(|f| !f.contains('/')) {
        files.add_folder(f);
    }
    let mut layout = crate::deployment::AppLayout::read(&deployment.app_dir, files, Some(&wc));
    for f in folders.iter().filter(|f| f.contains('/')) {
        layout
            .probes
            .insert(f.to_lowercase(), crate::contract::PathState::Dir);
    }
    deployment.layout = layout;
    deployment.web_config = WebConfigState::Parsed(Box::new(wc));
    static_results(&deployment, host)
}

fn problems(results: &[CheckResult]) -> Vec<Fixed> {
    results
        .iter()
        .flat_map(|r| {
            r.findings
                .iter()
                .filter(|f| f.level >= Level::Warning && f.accepted.is_none())
                .map(|f| Fixed {
                    check: r.id.clone(),
                    level: f.level,
                    message: f.message.clone(),
                })
        })
        .collect()
}

/// The problems of `before` that `after` no longer reports.
fn disappeared(before: &[CheckResult], after: &[CheckResult]) -> Vec<Fixed> {
    let after = problems(after);
    problems(before)
        .into_iter()
        .filter(|f| {
            !after
                .iter()
                .any(|a| a.check == f.check && a.message == f.message)
        })
        .collect()
}

/// For `ancm doctor`: marks each finding of `results` (doctor's static results over
/// `deployment`) that `ancm fix` addresses, naming the command in the finding's fix and in its
/// `fix_command`. The same plan and what-if as [`propose`]; writes nothing. `host_arg` is
/// doctor's `--host`, repeated in the command so `fix` judges the same machine.
pub fn annotate(
    deployment: &Deployment,
    host: &HostFacts,
    host_arg: Option<&Path>,
    results: &mut [CheckResult],
) {
    let Some(wc) = deployment.web_config() else {
        return;
    };
    if wc.aspnetcore.is_none() {
        return;
    }
    let Ok(plan) = plan::plan(wc, &deployment.layout, host, results) else {
        return;
    };
    if plan.is_empty() {
        return;
    }
    // The edit on the decoded text is the same in every encoding; only the what-if needs it.
    let Ok((new_text, _)) = edit::apply(
        &wc.text,
        wc.text.as_bytes(),
        TextEncoding::Utf8,
        &plan.edits(),
    ) else {
        return;
    };
    let Ok(mut new_wc) = web_config::parse(&wc.path, new_text.as_bytes()) else {
        return;
    };
    new_wc.encoding = wc.encoding;
    let Ok(fresh) = Deployment::load(&deployment.app_dir) else {
        return;
    };
    let fixed = disappeared(results, &what_if(fresh, new_wc, &plan.folders, host));
    let app_dir = &deployment.app_dir;
    let host_opt = host_arg
        .map(|h| format!(" --host {}", shell_word(&h.display().to_string())))
        .unwrap_or_default();
    let command = format!(
        "ancm fix{host_opt} {}",
        shell_word(&app_dir.display().to_string())
    );
    for r in results.iter_mut() {
        for f in r.findings.iter_mut() {
            let is_fixed = fixed
                .iter()
                .any(|x| x.check == r.id && x.message == f.message);
            if is_fixed {
                f.fix = Some(match f.fix.take() {
                    Some(fix) => {
                        format!("{fix} (`{command}` shows this change, `--write` makes it)")
                    }
                    None => format!("`{command}` shows the change, `--write` makes it"),
                });
                f.fix_command = Some(command.clone());
            }
        }
    }
}

/// `s` quoted for a POSIX or PowerShell command line when it needs quoting.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_./\\:".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}
