//! Embeds the check catalog (`checks/*.md`) so `ancm explain <id>` works from the binary alone,
//! and the commit the binary was built from (`ancm --version`, the reports' `tool.commit`).
use std::{env, fs, path::Path};

#[path = "build/version.rs"]
mod version;

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
    let mut titles = String::from("pub static CATALOG_TITLES: &[(&str, &str)] = &[\n");
    for name in names {
        if let Some(title) =
            simple_title(&fs::read_to_string(Path::new("checks").join(&name)).unwrap_or_default())
        {
            titles.push_str(&format!(
                "    ({:?}, {title:?}),\n",
                name.trim_end_matches(".md")
            ));
        }
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
    titles.push_str("];\n");
    code.push_str(&titles);
    fs::write(out, code).expect("write catalog.rs");
}

/// The `title = "…"` of an entry's front matter when it is a plain TOML string (no escapes), so
/// `catalog::title` answers without parsing every entry's TOML at start-up. Anything else is left
/// to the TOML parser at run time; a unit test (`catalog::tests`) keeps the two equal.
fn simple_title(text: &str) -> Option<String> {
    let front = text.strip_prefix("+++\n")?;
    let front = &front[..front.find("\n+++")?];
    let value = front.lines().find_map(|l| l.strip_prefix("title = \""))?;
    let title = value.strip_suffix('"')?;
    (!title.contains(['"', '\\'])).then(|| title.to_string())
}

/// The commit (`build/version.rs` decides; `tests/version_build.rs` tests it): `ANCM_COMMIT`,
/// else this checkout's HEAD, else none and `--version` says only the version.
fn commit() {
    println!("cargo:rerun-if-env-changed=ANCM_COMMIT");
    println!("cargo:rerun-if-changed=build/version.rs");
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets it");
    let found = version::commit(Path::new(&dir), env::var("ANCM_COMMIT").ok().as_deref());
    for path in &found.rerun_if_changed {
        println!("cargo:rerun-if-changed={path}");
    }
    let v = env::var("CARGO_PKG_VERSION").unwrap_or_default();
    if let Some(c) = &found.commit {
        println!("cargo:rustc-env=ANCM_COMMIT={c}");
    }
    println!(
        "cargo:rustc-env=ANCM_LONG_VERSION={}",
        version::long_version(&v, found.commit.as_deref())
    );
}
