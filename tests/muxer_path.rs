//! `processPath` naming the muxer by a path (issue 8, item 4b). A Windows absolute path to
//! `dotnet.exe` (`C:\Program Files\dotnet\dotnet.exe`, `%ProgramFiles%\dotnet\dotnet.exe`) is
//! `dotnet` from that root on the server: it is judged on the server's facts (a `--host`
//! snapshot), and the probe runs this machine's `dotnet` and says so — never "not installed"
//! because `C:\…` does not exist on Linux. A muxer in a folder no PATH or registry leads to is
//! read where it is (this machine) or said to be outside the facts (a snapshot).
//!
//! The tests without a runtime run in the default tier; those that start the app need the real
//! .NET 3.1 runtime (`#[ignore]`d, run by `scripts/test`).
#![cfg(target_os = "linux")]
mod support;

use ancm_doctor::host::dotnet_install::{
    DotnetFacts, DotnetInstall, FrameworkConfig, InstalledFramework, RootSource,
};
use ancm_doctor::host::facts::{HostFacts, PathScope};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of `examples/healthy-portable` (a 3.1 app) with `processPath` replaced.
fn app_with_process_path(tmp: &Path, process_path: &str) -> PathBuf {
    let src = support::repo_root().join("examples/healthy-portable");
    let dir = tmp.join("app");
    copy_dir(&src, &dir);
    let wc = std::fs::read_to_string(dir.join("web.config")).unwrap();
    assert!(wc.contains(r#"processPath="dotnet""#));
    std::fs::write(
        dir.join("web.config"),
        wc.replace(
            r#"processPath="dotnet""#,
            &format!(r#"processPath="{process_path}""#),
        ),
    )
    .unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

use support::{check_in as check, doctor_with_path as doctor};

fn path_with_dotnet() -> String {
    format!("{}:/usr/bin:/bin", support::dotnet_root().display())
}

/// A Windows server whose `C:\Program Files\dotnet` (registered, the default) holds
/// Microsoft.NETCore.App `version`; nothing on the machine PATH.
fn server_snapshot(dir: &Path, version: &str) -> PathBuf {
    let mut f = HostFacts::basic();
    f.os = "windows".into();
    f.arch = "x86_64".into();
    f.process_path = vec![r"C:\Windows\system32".into()];
    f.machine_path = Some(vec![r"C:\Windows\system32".into()]);
    f.path_variables = [
        ("ProgramFiles".to_string(), r"C:\Program Files".to_string()),
        ("SystemDrive".to_string(), "C:".to_string()),
    ]
    .into();
    let pf = r"C:\Program Files\dotnet";
    f.dotnet = DotnetFacts {
        installs: vec![DotnetInstall {
            root: pf.into(),
            sources: vec![
                RootSource::Registered { arch: "x64".into() },
                RootSource::Default,
            ],
            exists: true,
            muxer: Some(format!(r"{pf}\dotnet.exe")),
            muxer_arch: Some("x64".into()),
            hostfxr_versions: vec![version.into()],
            frameworks: vec![InstalledFramework {
                name: "Microsoft.NETCore.App".into(),
                version: version.into(),
                has_deps_json: true,
                config: FrameworkConfig::Absent,
            }],
            sdks: vec![],
        }],
        registered: [("x64".to_string(), pf.to_string())].into(),
        worker_path: Some(PathScope::Machine),
        defaults: [("x64".to_string(), pf.to_string())].into(),
        ..DotnetFacts::default()
    };
    let p = dir.join("server.json");
    std::fs::write(&p, serde_json::to_string_pretty(&f).unwrap()).unwrap();
    p
}

const PF_MUXER: &str = r"C:\Program Files\dotnet\dotnet.exe";
const PF_VAR_MUXER: &str = r"%ProgramFiles%\dotnet\dotnet.exe";

#[test]
fn a_windows_muxer_path_on_a_machine_without_dotnet_is_not_called_not_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    for pp in [PF_MUXER, PF_VAR_MUXER] {
        let app = app_with_process_path(tmp.path(), pp);
        let (code, report) = doctor(&app, &empty.path().display().to_string(), &[]);
        let fr = check(&report, "framework-resolution");
        assert_eq!(fr["outcome"], "skip", "{pp}: {fr}");
        assert!(!fr.to_string().contains("not installed"), "{pp}: {fr}");
        let probe = check(&report, "live-probe");
        assert_eq!(probe["outcome"], "skip", "{pp}: {probe}");
        assert!(
            probe.to_string().contains("no `dotnet` on PATH"),
            "{pp}: {probe}"
        );
        assert_eq!(code, 0, "{pp}: {report}");
        std::fs::remove_dir_all(&app).unwrap();
    }
}

#[test]
fn a_muxer_folder_the_snapshot_does_not_describe_is_said_to_be_outside_the_facts() {
    let tmp = tempfile::tempdir().unwrap();
    let app = app_with_process_path(tmp.path(), r"C:\dotnet\dotnet.exe");
    let snap = server_snapshot(tmp.path(), "3.1.23");
    let out = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["doctor", "--static", "--format", "json", "--host"])
        .arg(&snap)
        .arg(&app)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fr = check(&report, "framework-resolution");
    assert_eq!(fr["outcome"], "skip", "{fr}");
    let text = fr.to_string();
    assert!(
        text.contains(r"`C:\\dotnet`") && text.contains("do not describe"),
        "{text}"
    );
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1)"]
fn a_windows_muxer_path_runs_with_this_machines_dotnet_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    for pp in [PF_MUXER, PF_VAR_MUXER] {
        let app = app_with_process_path(tmp.path(), pp);
        let (code, report) = doctor(&app, &path_with_dotnet(), &[]);
        let fr = check(&report, "framework-resolution");
        assert_eq!(fr["outcome"], "pass", "{pp}: {fr}");
        assert!(
            fr.to_string().contains("a Windows path"),
            "the root choice says it substituted: {fr}"
        );
        let probe = check(&report, "live-probe");
        assert_eq!(probe["outcome"], "pass", "{pp}: {probe}");
        let text = probe.to_string();
        assert!(
            text.contains("ran with this machine's dotnet")
                && text.contains("3.1.23")
                && text.contains("started `dotnet` from its PATH instead"),
            "{pp}: {text}"
        );
        assert_eq!(code, 0, "{pp}: {report}");
        std::fs::remove_dir_all(&app).unwrap();
    }
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1)"]
fn a_windows_muxer_path_is_judged_on_the_snapshot_and_probed_here() {
    let tmp = tempfile::tempdir().unwrap();
    // The server has 3.1.23 in `C:\Program Files\dotnet`: both verdicts pass.
    let good = server_snapshot(tmp.path(), "3.1.23");
    for pp in [PF_MUXER, PF_VAR_MUXER] {
        let app = app_with_process_path(tmp.path(), pp);
        let (code, report) = doctor(
            &app,
            &path_with_dotnet(),
            &["--host", &good.display().to_string()],
        );
        let fr = check(&report, "framework-resolution");
        assert_eq!(fr["outcome"], "pass", "{pp}: {fr}");
        assert!(
            fr.to_string().contains(r"C:\\Program Files\\dotnet"),
            "judged on the server's root: {fr}"
        );
        let probe = check(&report, "live-probe");
        assert_eq!(probe["outcome"], "pass", "{pp}: {probe}");
        let text = probe.to_string();
        assert!(
            text.contains("started `dotnet` from its PATH instead")
                && text
                    .contains("the server would use `dotnet` in `C:\\\\Program Files\\\\dotnet`"),
            "{pp}: {text}"
        );
        assert_eq!(code, 0, "{pp}: {report}");
        std::fs::remove_dir_all(&app).unwrap();
    }
    // A server with only 2.1: the static verdict fails, the probe passes here, both are said.
    let old = tmp.path().join("old");
    std::fs::create_dir_all(&old).unwrap();
    let old = server_snapshot(&old, "2.1.30");
    let app = app_with_process_path(tmp.path(), PF_MUXER);
    let (code, report) = doctor(
        &app,
        &path_with_dotnet(),
        &["--host", &old.display().to_string()],
    );
    let fr = check(&report, "framework-resolution");
    assert_eq!(fr["outcome"], "fail", "{fr}");
    let probe = check(&report, "live-probe").to_string();
    assert!(
        probe.contains("the static checks failed on the server's facts"),
        "{probe}"
    );
    assert_eq!(code, 1, "{report}");
}

#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1)"]
fn a_muxer_folder_on_no_path_is_read_where_it_is() {
    // `processPath` is the real muxer by its absolute path; PATH has no dotnet and nothing
    // registers the folder. It used to be "not installed".
    let tmp = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let muxer = support::dotnet();
    let app = app_with_process_path(tmp.path(), &muxer.display().to_string());
    let (code, report) = doctor(&app, &empty.path().display().to_string(), &[]);
    let fr = check(&report, "framework-resolution");
    assert_eq!(fr["outcome"], "pass", "{fr}");
    assert!(fr.to_string().contains("3.1.23"), "{fr}");
    let probe = check(&report, "live-probe");
    assert_eq!(probe["outcome"], "pass", "{probe}");
    assert!(
        probe.to_string().contains(&muxer.display().to_string()),
        "the probe names the muxer it ran: {probe}"
    );
    assert_eq!(code, 0, "{report}");
}
