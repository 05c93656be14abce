//! The `process-path` diagnosis against the real .NET host: for each case the check reports, the
//! real 3.1.23 muxer, started the way ANCM starts it (working folder = app folder, `arguments`
//! split like `CommandLineToArgvW`), fails with the code and text the finding names — and where
//! the check passes, the app really runs. Needs `scripts/setup`.
mod support;

use ancm_doctor::checks::{self, Context};
use ancm_doctor::contract::{LaunchTarget, Program};
use ancm_doctor::deployment::Deployment;
use ancm_doctor::diagnostic::{CheckResult, Outcome};
use ancm_doctor::host::HostFacts;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example(name: &str) -> PathBuf {
    support::repo_root().join("examples").join(name)
}

/// The `process-path` result for an app folder.
fn process_path(app: &Path) -> CheckResult {
    let d = Deployment::load(app).unwrap();
    let host = HostFacts::default();
    let check = checks::find("process-path").unwrap();
    checks::run_one(check, &Context::new(&d, &host))
}

/// Runs what web.config says with the real muxer standing in for `dotnet`; (exit code, output).
fn run_like_ancm(app: &Path) -> (i32, String) {
    let d = Deployment::load(app).unwrap();
    let t = d.layout.launch.clone().expect("a launch target");
    assert_eq!(t.program, Program::Muxer, "these cases start `dotnet`");
    // Windows paths in `arguments` become native ones, as the live emulator does off Windows.
    let args: Vec<String> = t.args.iter().map(|a| a.replace('\\', "/")).collect();
    let out = Command::new(support::dotnet())
        .args(&args)
        .current_dir(app)
        .env_remove("ASPNETCORE_PORT")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// A copy of the healthy example with web.config's `aspNetCore` attributes replaced.
fn variant(dir: &Path, attrs: &str, drop: &[&str]) -> PathBuf {
    let app = dir.join("app");
    std::fs::create_dir_all(&app).unwrap();
    for e in std::fs::read_dir(example("healthy-portable"))
        .unwrap()
        .flatten()
    {
        if e.path().is_file() && !drop.contains(&e.file_name().to_str().unwrap()) {
            std::fs::copy(e.path(), app.join(e.file_name())).unwrap();
        }
    }
    let wc = std::fs::read_to_string(app.join("web.config")).unwrap();
    let start = wc.find("<aspNetCore ").unwrap();
    let end = start + wc[start..].find("/>").unwrap();
    let wc = format!("{}<aspNetCore {attrs} {}", &wc[..start], &wc[end..]);
    std::fs::write(app.join("web.config"), wc).unwrap();
    app
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23)"]
fn healthy_portable_passes_and_really_runs() {
    let app = example("healthy-portable");
    assert_eq!(process_path(&app).outcome, Outcome::Pass);
    let (code, out) = run_like_ancm(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Hello World!"), "{out}");
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23)"]
fn wrong_dll_argument_fails_as_the_finding_says() {
    let app = example("wrong-dll-argument");
    let r = process_path(&app);
    assert_eq!(r.outcome, Outcome::Fail);
    let msg = &r.findings[0].message;
    assert!(msg.contains("0x80008091"), "{msg}");
    let (code, out) = run_like_ancm(&app);
    // 0x80008091 LibHostSdkFindFailure; Unix keeps the low byte (hostfxr.md §2).
    assert_eq!(code, 0x91, "{out}");
    assert!(
        out.contains("Did you mean to run .NET Core SDK commands?"),
        "{out}"
    );
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23)"]
fn dotnet_without_arguments_prints_usage() {
    let dir = tempfile::tempdir().unwrap();
    let app = variant(
        dir.path(),
        r#"processPath="dotnet" hostingModel="outofprocess""#,
        &[],
    );
    let r = process_path(&app);
    assert!(
        r.findings[0].message.contains("0x80008081"),
        "{:?}",
        r.findings
    );
    let d = Deployment::load(&app).unwrap();
    assert!(d.layout.launch.as_ref().unwrap().args.is_empty());
    let out = Command::new(support::dotnet())
        .current_dir(&app)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0x81));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: dotnet"));
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23)"]
fn missing_runtimeconfig_makes_the_host_look_for_hostpolicy() {
    let dir = tempfile::tempdir().unwrap();
    let app = variant(
        dir.path(),
        r#"processPath="dotnet" arguments=".\HelloWorld.dll" hostingModel="outofprocess""#,
        &["HelloWorld.runtimeconfig.json"],
    );
    let r = process_path(&app);
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(
        r.findings[0].message.contains("hostpolicy"),
        "{:?}",
        r.findings
    );
    let (code, out) = run_like_ancm(&app);
    // 0x80008083 CoreHostLibMissingFailure.
    assert_eq!(code, 0x83, "{out}");
    assert!(out.contains("libhostpolicy"), "{out}");
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23)"]
fn quoted_argument_with_a_space_reaches_the_host_as_one_path() {
    let dir = tempfile::tempdir().unwrap();
    let app = variant(
        dir.path(),
        r#"processPath="dotnet" arguments="&quot;.\Hello World.dll&quot;" hostingModel="outofprocess""#,
        &[],
    );
    std::fs::rename(app.join("HelloWorld.dll"), app.join("Hello World.dll")).unwrap();
    std::fs::rename(
        app.join("HelloWorld.runtimeconfig.json"),
        app.join("Hello World.runtimeconfig.json"),
    )
    .unwrap();
    assert_eq!(
        process_path(&app).outcome,
        Outcome::Pass,
        "{:?}",
        process_path(&app)
    );
    let t: LaunchTarget = Deployment::load(&app).unwrap().layout.launch.unwrap();
    assert_eq!(t.args, vec![r".\Hello World.dll".to_string()]);
    // The muxer on Linux needs `/`; otherwise the argument is the one ANCM would pass.
    let out = Command::new(support::dotnet())
        .arg(t.args[0].replace('\\', "/"))
        .current_dir(&app)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23)"]
fn self_contained_started_with_dotnet_only_warns_because_it_really_runs() {
    // A real self-contained layout: the 3.1.23 runtime's files next to the app. No app
    // deps.json: the framework-dependent one would not list the runtime, and the host would fail
    // with "Could not resolve CoreCLR path" (0x80008087); without one it probes the folder.
    let dir = tempfile::tempdir().unwrap();
    let app = variant(
        dir.path(),
        r#"processPath="dotnet" arguments=".\HelloWorld.dll" hostingModel="outofprocess""#,
        &["HelloWorld.runtimeconfig.json", "HelloWorld.deps.json"],
    );
    let root = support::dotnet_root();
    for e in std::fs::read_dir(root.join("shared/Microsoft.NETCore.App/3.1.23"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), app.join(e.file_name())).unwrap();
    }
    std::fs::copy(
        root.join("host/fxr/3.1.23/libhostfxr.so"),
        app.join("libhostfxr.so"),
    )
    .unwrap();
    std::fs::copy(
        example("self-contained-started-with-dotnet").join("HelloWorld.runtimeconfig.json"),
        app.join("HelloWorld.runtimeconfig.json"),
    )
    .unwrap();
    let d = Deployment::load(&app).unwrap();
    assert_eq!(
        d.layout.kind,
        ancm_doctor::deployment::layout::AppKind::SelfContained
    );
    assert!(d.layout.runtime().carries_own_runtime());
    // Only a warning (from `self-contained`), nothing fails: the real host below agrees.
    let host = HostFacts::default();
    let all = checks::run_all(&Context::new(&d, &host));
    let failed: Vec<&str> = all
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .map(|r| r.id.as_str())
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    let sc = all.iter().find(|r| r.id == "self-contained").unwrap();
    assert_eq!(sc.outcome, Outcome::Warn);
    assert_eq!(process_path(&app).outcome, Outcome::Pass);
    let (code, out) = run_like_ancm(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Hello World!"), "{out}");
}
