//! `ancm host` and `ancm doctor --host FILE` through the real binary: the snapshot format round
//! trip, precise snapshot errors (exit 2), and the IIS checks judging an app folder on Linux from
//! a Windows snapshot (the app is found by folder name and the report says so).
use ancm_doctor::host::facts::{DotnetOnPath, FileFact, HostFacts, IisFacts, PathScope};
use ancm_doctor::host::iis_config;
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn ancm() -> Command {
    Command::cargo_bin("ancm").unwrap()
}

/// A Windows server snapshot: the fixture applicationHost.config, dotnet only on the user PATH.
fn server_snapshot() -> HostFacts {
    let mut f = HostFacts::basic();
    f.os = "windows".into();
    f.arch = "x86_64".into();
    f.process_path = vec![r"C:\Windows\system32".into()];
    f.machine_path = Some(vec![r"C:\Windows\system32".into()]);
    f.user_path = Some(vec![r"C:\Users\ops\.dotnet".into()]);
    f.dotnet_on_path = vec![DotnetOnPath {
        dir: r"C:\Users\ops\.dotnet".into(),
        path: r"C:\Users\ops\.dotnet\dotnet.exe".into(),
        scope: PathScope::User,
        machine: Some("x64".into()),
    }];
    f.path_variables.insert("SystemDrive".into(), "C:".into());
    f.vc_runtime = vec![FileFact {
        path: r"C:\Windows\System32\msvcp140.dll".into(),
        exists: true,
        version: None,
    }];
    f.iis = Some(IisFacts {
        version: Some("10.0".into()),
        config_path: r"C:\Windows\System32\inetsrv\config\applicationHost.config".into(),
        config: Some(
            iis_config::parse(
                &std::fs::read("tests/fixtures/host/applicationHost.config").unwrap(),
            )
            .unwrap(),
        ),
        ..IisFacts::default()
    });
    f
}

fn write_app(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("web.config"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <location path="." inheritInChildApplications="false">
    <system.webServer>
      <handlers>
        <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
      </handlers>
      <aspNetCore processPath="dotnet" arguments=".\Shop.dll" hostingModel="outofprocess" forwardWindowsAuthToken="false" />
    </system.webServer>
  </location>
</configuration>
"#,
    )
    .unwrap();
}

fn outcome<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[test]
fn host_json_is_a_loadable_snapshot() {
    let out = ancm().args(["host", "--format", "json"]).output().unwrap();
    assert!(out.status.success());
    let facts: HostFacts = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(facts.schema, ancm_doctor::host::facts::SCHEMA);
    assert_eq!(facts.os, std::env::consts::OS);
    let human = ancm().arg("host").output().unwrap();
    assert!(String::from_utf8_lossy(&human.stdout).contains("PATH of this process"));
}

#[test]
fn wrong_schema_and_non_snapshots_exit_2_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("Shop");
    write_app(&app);
    let cases = [
        (
            r#"{"schema":"ancm-host/99","os":"windows","arch":"x86_64"}"#,
            "schema is `ancm-host/99`",
        ),
        (
            r#"{"schema":"ancm-doctor/1","checks":[]}"#,
            "schema is `ancm-doctor/1`",
        ),
        (r#"{"os":"windows"}"#, "no `schema` field"),
        (
            r#"{"schema":"ancm-host/1","os":3}"#,
            "does not match `ancm-host/1`",
        ),
        ("not json", "invalid JSON"),
    ];
    for (text, expected) in cases {
        let snap = tmp.path().join("snap.json");
        std::fs::write(&snap, text).unwrap();
        let out = ancm()
            .args(["doctor", "--static", "--host"])
            .arg(&snap)
            .arg(&app)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn doctor_with_a_windows_snapshot_runs_the_iis_checks_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("Shop");
    write_app(&app);
    let snap = tmp.path().join("server.json");
    std::fs::write(
        &snap,
        serde_json::to_string_pretty(&server_snapshot()).unwrap(),
    )
    .unwrap();
    let out = ancm()
        .args(["doctor", "--static", "--format", "json", "--host"])
        .arg(&snap)
        .arg(&app)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report:#}");

    let dotnet = outcome(&report, "dotnet-on-machine-path");
    assert_eq!(dotnet["outcome"], "fail", "{dotnet:#}");
    let text = dotnet.to_string();
    assert!(text.contains(r"C:\\Users\\ops\\.dotnet"), "{text}");

    assert_eq!(outcome(&report, "module-installed")["outcome"], "pass");
    let vdir = outcome(&report, "virtual-directories");
    assert_eq!(vdir["outcome"], "warn", "{vdir:#}");
    assert!(
        vdir.to_string().contains("matched by folder name only"),
        "{vdir:#}"
    );
    assert_eq!(outcome(&report, "windows-auth-token")["outcome"], "warn");
    assert_eq!(
        outcome(&report, "child-app-inherits-handler")["outcome"],
        "pass"
    );
    // setProfileEnvironment="false" comes from applicationPoolDefaults.
    assert_eq!(outcome(&report, "app-pool")["outcome"], "warn");
    assert_eq!(
        outcome(&report, "path-changed-after-iis-start")["outcome"],
        "skip"
    );
}

#[test]
fn without_iis_the_iis_checks_skip_with_a_reason() {
    if cfg!(windows) {
        return; // a Windows runner may have IIS
    }
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("Shop");
    write_app(&app);
    let out = ancm()
        .args(["doctor", "--static", "--format", "json"])
        .arg(&app)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for id in [
        "module-installed",
        "vc-runtime",
        "dotnet-on-machine-path",
        "path-changed-after-iis-start",
        "app-pool",
        "virtual-directories",
        "child-app-inherits-handler",
        "windows-auth-token",
    ] {
        let c = outcome(&report, id);
        assert_eq!(c["outcome"], "skip", "{id}: {c:#}");
        assert!(
            c["skip_reason"].as_str().unwrap().contains("--host"),
            "{id}: {c:#}"
        );
    }
}

/// `tests/fixtures/host/wine-snapshot.json` is what the real `ancm.exe host --format json` probed
/// under Wine (scripts/test-windows, `ANCM_SAVE_WINE_SNAPSHOT`): real registry and file facts.
#[test]
fn a_snapshot_probed_by_the_windows_build_drives_the_checks_here() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("Shop");
    std::fs::create_dir_all(&app).unwrap();
    for f in ["web.config", "Shop.runtimeconfig.json"] {
        std::fs::copy(
            Path::new("tests/fixtures/host/wine/Shop").join(f),
            app.join(f),
        )
        .unwrap();
    }
    let out = ancm()
        .args(["doctor", "--static", "--format", "json", "--host"])
        .arg("tests/fixtures/host/wine-snapshot.json")
        .arg(&app)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    for (id, expected) in [
        ("module-installed", "pass"),
        ("dotnet-on-machine-path", "fail"),
        ("path-changed-after-iis-start", "warn"),
        ("app-pool", "warn"),
        ("virtual-directories", "warn"),
        ("vc-runtime", "pass"),
    ] {
        assert_eq!(
            outcome(&report, id)["outcome"],
            expected,
            "{id}: {:#}",
            outcome(&report, id)
        );
    }
}
