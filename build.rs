//! Embeds the check catalog (`checks/*.md`) so `ancm explain <id>` works from the binary alone,
//! and the commit the binary was built from (`ancm --version`, the reports' `tool.commit`).
use std::{env, fs, path::Path, process::Command};

fn main() {
    commit();
    println!("cargo:rerun-if-changed=checks");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalog.rs");
    let mut names: Vec<String> = fs::read_dir("checks")
        .expect("checks/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    let mut code = String::from("pub static CATALOG_FILES: &[(&str, &str)] = &[\n");
    for name in names {
        let abs = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
            .join("checks")
            .join(&name);
        println!("cargo:rerun-if-changed={}", abs.display());
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    code.push_str("];\n");
    fs::write(out, code).expect("write catalog.rs");
}

/// `ANCM_COMMIT` (set by whoever builds from a tarball without `.git`), else `git rev-parse`;
/// neither: no commit, and `--version` says only the version.
fn commit() {
    println!("cargo:rerun-if-env-changed=ANCM_COMMIT");
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(env::var("CARGO_MANIFEST_DIR").ok()?)
            .output()
            .ok()?;
        let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !s.is_empty()).then_some(s)
    };
    let commit = env::var("ANCM_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            // Rebuild when HEAD moves (a commit, a checkout); in a worktree these live elsewhere.
            for p in ["HEAD", "logs/HEAD"] {
                if let Some(path) = git(&["rev-parse", "--git-path", p]) {
                    println!("cargo:rerun-if-changed={path}");
                }
            }
            git(&["rev-parse", "--short=10", "HEAD"])
        });
    let version = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    match commit {
        Some(c) => {
            println!("cargo:rustc-env=ANCM_COMMIT={c}");
            println!("cargo:rustc-env=ANCM_LONG_VERSION={version} ({c})");
        }
        None => println!("cargo:rustc-env=ANCM_LONG_VERSION={version}"),
    }
}
