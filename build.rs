//! Embeds the check catalog (`checks/*.md`) so `ancm explain <id>` works from the binary alone.
use std::{env, fs, path::Path};

fn main() {
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
