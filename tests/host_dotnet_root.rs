//! `ancm doctor --host FILE` on Linux with a Windows snapshot: the framework checks use the dotnet
//! root an IIS worker would use there — the machine PATH, then (in-process) the registered
//! location — never the PATH of the user who ran the probe, and read the frameworks from the
//! snapshot's per-root lists.
use ancm_doctor::fx::{FxConfig, FxRefSpec};
use ancm_doctor::host::dotnet_install::{
    DotnetFacts, DotnetInstall, FrameworkConfig, InstalledFramework, RootSource,
};
use ancm_doctor::host::facts::{HostFacts, PathScope};
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn framework(name: &str, version: &str) -> InstalledFramework {
    InstalledFramework {
        name: name.into(),
        version: version.into(),
        has_deps_json: true,
        config: if name == "Microsoft.NETCore.App" {
            FrameworkConfig::Absent
        } else {
            FrameworkConfig::Parsed {
                config: FxConfig {
                    frameworks: vec![FxRefSpec {
                        name: "Microsoft.NETCore.App".into(),
                        version: Some(version.into()),
                        ..FxRefSpec::default()
                    }],
                    ..FxConfig::default()
                },
            }
        },
    }
}

fn root(path: &str, version: &str, sources: Vec<RootSource>) -> DotnetInstall {
    DotnetInstall {
        root: path.into(),
        sources,
        exists: true,
        muxer: Some(format!(r"{path}\dotnet.exe")),
        muxer_arch: Some("x64".into()),
        hostfxr_versions: vec![version.into()],
        frameworks: vec![
            framework("Microsoft.AspNetCore.App", version),
            framework("Microsoft.NETCore.App", version),
        ],
        sdks: vec![],
    }
}

/// A Windows server: .NET 9 only in the operator's own folder on their user PATH, .NET 8.0.5 in
/// Program Files (registered), nothing on the machine PATH.
fn snapshot() -> HostFacts {
    let mut f = HostFacts::basic();
    f.os = "windows".into();
    f.arch = "x86_64".into();
    f.process_path = vec![
        r"C:\Windows\system32".into(),
        r"C:\Users\ops\.dotnet".into(),
    ];
    f.machine_path = Some(vec![r"C:\Windows\system32".into()]);
    f.user_path = Some(vec![r"C:\Users\ops\.dotnet".into()]);
    f.dotnet = DotnetFacts {
        installs: vec![
            root(
                r"C:\Users\ops\.dotnet",
                "9.0.0",
                vec![
                    RootSource::PathEntry {
                        index: 0,
                        entry: r"C:\Users\ops\.dotnet".into(),
                        scope: PathScope::User,
                    },
                    RootSource::PathEntry {
                        index: 1,
                        entry: r"C:\Users\ops\.dotnet".into(),
                        scope: PathScope::Process,
                    },
                ],
            ),
            root(
                r"C:\Program Files\dotnet",
                "8.0.5",
                vec![
                    RootSource::Registered { arch: "x64".into() },
                    RootSource::Default,
                ],
            ),
        ],
        registered: [("x64".to_string(), r"C:\Program Files\dotnet".to_string())].into(),
        worker_path: Some(PathScope::Machine),
        defaults: [
            ("x64".to_string(), r"C:\Program Files\dotnet".to_string()),
            (
                "x86".to_string(),
                r"C:\Program Files (x86)\dotnet".to_string(),
            ),
        ]
        .into(),
        ..DotnetFacts::default()
    };
    f
}

fn write_app(dir: &Path, hosting: &str, version: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("web.config"),
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
    </handlers>
    <aspNetCore processPath="dotnet" arguments=".\App.dll" hostingModel="{hosting}" />
  </system.webServer>
</configuration>
"#
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("App.runtimeconfig.json"),
        format!(
            r#"{{"runtimeOptions":{{"tfm":"net8.0","framework":{{"name":"Microsoft.AspNetCore.App","version":"{version}"}}}}}}"#
        ),
    )
    .unwrap();
}

fn framework_resolution(app: &Path, snap: &Path) -> Value {
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--format", "json", "--host"])
        .arg(snap)
        .arg(app)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "framework-resolution")
        .unwrap()
        .clone()
}

#[test]
fn windows_snapshot_on_linux_uses_the_workers_root() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("host.json");
    std::fs::write(&snap, serde_json::to_string(&snapshot()).unwrap()).unwrap();

    // In-process, 8.0.0: not on the machine PATH → the registered root's 8.0.5.
    let app = tmp.path().join("inproc8");
    write_app(&app, "inprocess", "8.0.0");
    let c = framework_resolution(&app, &snap);
    let text = c.to_string();
    assert_eq!(c["outcome"], "pass", "{c:#}");
    assert!(text.contains("8.0.5 will run"), "{c:#}");
    assert!(text.contains(r"C:\\Program Files\\dotnet"), "{c:#}");
    assert!(text.contains("registered install location"), "{c:#}");

    // In-process, 9.0.0: the user's .NET 9 does not count → fails listing 8.0.5.
    let app = tmp.path().join("inproc9");
    write_app(&app, "inprocess", "9.0.0");
    let c = framework_resolution(&app, &snap);
    assert_eq!(c["outcome"], "fail", "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["symptom"], "500.31", "{c:#}");
    assert!(
        f["message"].as_str().unwrap().contains("installed: 8.0.5"),
        "{c:#}"
    );

    // Out-of-process: CreateProcess searches the machine PATH only → no dotnet at all, and the
    // report points at the user-PATH copy the worker cannot see.
    let app = tmp.path().join("oop9");
    write_app(&app, "outofprocess", "9.0.0");
    let c = framework_resolution(&app, &snap);
    assert_eq!(c["outcome"], "fail", "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["symptom"], "502.5", "{c:#}");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("no `dotnet` on the machine PATH") && msg.contains(r"C:\Users\ops\.dotnet"),
        "{msg}"
    );
}
