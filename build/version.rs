//! The commit `ancm --version` and the reports' `tool.commit` name, decided at build time. Shared
//! by `build.rs` (which runs it) and `tests/version_build.rs` (which runs it against real git
//! checkouts and a tarball-like copy without `.git`).
//!
//! First match wins: `ANCM_COMMIT` (whoever builds from a tarball may set it); else the HEAD of
//! the git checkout whose top level *is* the package folder; else none, and `--version` says only
//! the version. A tarball unpacked inside some other repository (a monorepo, a home folder kept
//! in git) must not report that repository's HEAD, hence the top-level check.
use std::path::Path;
use std::process::Command;

/// The commit to embed, and the files whose change should re-run the build script.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Commit {
    pub commit: Option<String>,
    pub rerun_if_changed: Vec<String>,
}

pub fn commit(package_dir: &Path, ancm_commit: Option<&str>) -> Commit {
    if let Some(c) = ancm_commit.map(str::trim).filter(|c| !c.is_empty()) {
        return Commit {
            commit: Some(c.to_string()),
            rerun_if_changed: Vec::new(),
        };
    }
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(package_dir)
            .output()
            .ok()?;
        let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !s.is_empty()).then_some(s)
    };
    let ours = git(&["rev-parse", "--show-toplevel"])
        .and_then(|top| std::fs::canonicalize(top).ok())
        .zip(std::fs::canonicalize(package_dir).ok())
        .is_some_and(|(top, pkg)| top == pkg);
    if !ours {
        return Commit::default();
    }
    // Rebuild when HEAD moves (a commit, a checkout); in a worktree these live elsewhere.
    let rerun_if_changed = ["HEAD", "logs/HEAD"]
        .iter()
        .filter_map(|p| git(&["rev-parse", "--git-path", p]))
        .map(|p| package_dir.join(p).display().to_string())
        .collect();
    Commit {
        commit: git(&["rev-parse", "--short=10", "HEAD"]),
        rerun_if_changed,
    }
}

/// What `ancm --version` prints after `ancm `: `0.1.0 (abcdef1234)` or `0.1.0`.
pub fn long_version(version: &str, commit: Option<&str>) -> String {
    match commit {
        Some(c) => format!("{version} ({c})"),
        None => version.to_string(),
    }
}
