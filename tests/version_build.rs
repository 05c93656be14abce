//! How the build decides the commit `ancm --version` names (`build/version.rs`, run by
//! `build.rs`), against real git: a checkout names its HEAD, a tarball-like copy without `.git`
//! names none (and `--version` is then the bare version), `ANCM_COMMIT` wins over both, and a
//! copy unpacked inside an unrelated repository does not borrow that repository's HEAD.
#[path = "../build/version.rs"]
mod version;

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A package folder like a release tarball's: sources, no `.git`.
fn tarball_copy(dir: &Path) {
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"x\"\n").expect("write");
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").expect("write");
}

#[test]
fn a_tarball_without_git_names_no_commit_and_the_version_is_bare() {
    let tmp = tempfile::tempdir().expect("temp dir");
    tarball_copy(tmp.path());
    // The temp folder is in no repository (or the check below would be meaningless).
    let probe = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(tmp.path())
        .output()
        .expect("git runs");
    assert!(
        !probe.status.success(),
        "the temp dir is inside a git repository"
    );
    let found = version::commit(tmp.path(), None);
    assert_eq!(found, version::Commit::default());
    assert_eq!(
        version::long_version("0.1.0", found.commit.as_deref()),
        "0.1.0"
    );
    // Set at build time, ANCM_COMMIT names it (blank means unset).
    let found = version::commit(tmp.path(), Some("  1234abcd  "));
    assert_eq!(found.commit.as_deref(), Some("1234abcd"));
    assert_eq!(
        version::long_version("0.1.0", found.commit.as_deref()),
        "0.1.0 (1234abcd)"
    );
    assert_eq!(version::commit(tmp.path(), Some(" ")).commit, None);
}

#[test]
fn a_checkout_names_its_head_and_reruns_when_head_moves() {
    let tmp = tempfile::tempdir().expect("temp dir");
    tarball_copy(tmp.path());
    git(tmp.path(), &["init", "-q"]);
    git(tmp.path(), &["add", "."]);
    git(tmp.path(), &["commit", "-q", "-m", "one"]);
    let head = git(tmp.path(), &["rev-parse", "--short=10", "HEAD"]);
    let found = version::commit(tmp.path(), None);
    assert_eq!(found.commit.as_deref(), Some(head.as_str()));
    assert!(
        found.rerun_if_changed.iter().any(|p| p.ends_with("HEAD")),
        "{:?}",
        found.rerun_if_changed
    );
    for p in &found.rerun_if_changed {
        assert!(
            Path::new(p).is_absolute() || tmp.path().join(p).exists(),
            "{p}"
        );
    }
    // ANCM_COMMIT still wins.
    assert_eq!(
        version::commit(tmp.path(), Some("feedface"))
            .commit
            .as_deref(),
        Some("feedface")
    );
}

#[test]
fn a_tarball_unpacked_inside_another_repository_does_not_borrow_its_head() {
    let outer = tempfile::tempdir().expect("temp dir");
    git(outer.path(), &["init", "-q"]);
    std::fs::write(outer.path().join("README"), "outer\n").expect("write");
    git(outer.path(), &["add", "."]);
    git(outer.path(), &["commit", "-q", "-m", "outer"]);
    let inner = outer.path().join("vendor/ancm-doctor-0.1.0");
    std::fs::create_dir_all(&inner).expect("mkdir");
    tarball_copy(&inner);
    assert_eq!(version::commit(&inner, None).commit, None);
}

#[test]
fn this_binary_says_the_version_it_was_built_with() {
    let out = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .arg("--version")
        .output()
        .expect("ancm runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let here = version::commit(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        option_env!("ANCM_COMMIT"),
    );
    assert_eq!(
        text.trim(),
        format!(
            "ancm {}",
            version::long_version(env!("CARGO_PKG_VERSION"), here.commit.as_deref())
        )
    );
}
