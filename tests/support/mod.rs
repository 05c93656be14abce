//! Shared helpers for integration tests. Tools for the real tiers (dotnet, mcs, wine) are installed
//! by `scripts/setup`; tests that need them are `#[ignore = "needs scripts/setup"]` and run from
//! `scripts/test` with `--include-ignored`, where a missing tool is a failure, never a skip.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real `dotnet` muxer from PyPI `dotnetcore2==3.1.23` (host + Microsoft.NETCore.App 3.1.23).
/// Panics with a clear message when it is missing: a real tier must not pass without its tool.
pub fn dotnet() -> PathBuf {
    let p = std::env::var_os("ANCM_TEST_DOTNET")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools/dotnetcore2/dotnetcore2/bin/dotnet"));
    assert!(
        p.is_file(),
        "real dotnet not found at {} — run scripts/setup",
        p.display()
    );
    p
}

/// The folder holding `dotnet`, `host/fxr/…` and `shared/Microsoft.NETCore.App/3.1.23`.
pub fn dotnet_root() -> PathBuf {
    dotnet()
        .parent()
        .expect("dotnet has a parent folder")
        .to_path_buf()
}

/// Compiles C# `source` with Debian's `mcs` into `out_dir/<name>.dll`, plus the
/// `<name>.runtimeconfig.json` given, so `dotnet <name>.dll` runs it on the real 3.1 runtime.
/// The runtimeconfig should set `System.Globalization.Invariant` (no libicu needed).
pub fn compile_csharp(out_dir: &Path, name: &str, source: &str, runtimeconfig: &str) -> PathBuf {
    std::fs::create_dir_all(out_dir).expect("create out dir");
    let src = out_dir.join(format!("{name}.cs"));
    std::fs::write(&src, source).expect("write C# source");
    let dll = out_dir.join(format!("{name}.dll"));
    let status = Command::new("mcs")
        .arg("-nologo")
        .arg(format!("-out:{}", dll.display()))
        .arg(&src)
        .status()
        .expect("mcs (Debian mono-mcs) is installed — run scripts/setup");
    assert!(status.success(), "mcs failed to compile {}", src.display());
    std::fs::write(
        out_dir.join(format!("{name}.runtimeconfig.json")),
        runtimeconfig,
    )
    .expect("write runtimeconfig");
    dll
}

/// A runtimeconfig.json for Microsoft.NETCore.App `version`, invariant globalization.
pub fn netcore_runtimeconfig(version: &str) -> String {
    format!(
        r#"{{"runtimeOptions":{{"tfm":"netcoreapp3.1","framework":{{"name":"Microsoft.NETCore.App","version":"{version}"}},"configProperties":{{"System.Globalization.Invariant":true}}}}}}"#
    )
}

/// `ancm doctor --format json` with `PATH` set to `path` (which `dotnet` this machine has);
/// (exit code, the report).
pub fn doctor_with_path(dir: &Path, path: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["doctor", "--format", "json"])
        .args(extra)
        .arg(dir)
        .env("PATH", path)
        .output()
        .expect("ancm runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

/// One check's result in a JSON report.
pub fn check_in<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no `{id}` in {report}"))
}
