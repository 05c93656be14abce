//! Hand-built facts for the .NET host checks' unit tests: one healthy app on one healthy host,
//! which each test bends into the failure it needs. Test-only.
use super::{run_one, Check, Context};
use crate::deployment::deps_json::{self, DepsJsonFacts};
use crate::deployment::layout::{AppKind, AppLayout, Loaded};
use crate::deployment::runtime_config;
use crate::deployment::runtime_files::RuntimeFiles;
use crate::deployment::web_config::{
    AspNetCoreSection, EnvironmentVariable, Located, Span, TextEncoding, WebConfig,
};
use crate::deployment::{Deployment, WebConfigState};
use crate::diagnostic::{CheckResult, Outcome};
use crate::fx::{FxConfig, FxRefSpec};
use crate::host::dotnet_install::{
    DotnetFacts, DotnetInstall, FrameworkConfig, InstalledFramework, RootSource,
};
use crate::host::HostFacts;
use std::path::PathBuf;

pub const APP_DIR: &str = r"C:\inetpub\app";
pub const ROOT: &str = r"C:\Program Files\dotnet";

pub struct Fixture {
    pub process_path: String,
    pub hosting_model: Option<String>,
    pub web_env: Vec<(String, String)>,
    pub runtimeconfig: Option<String>,
    pub deps: Option<(String, Vec<String>)>,
    pub runtime_files: Vec<String>,
    /// The app dll's header, when a test needs it: (PE machine, CLR flags).
    pub main_dll: Option<(u16, u32)>,
    pub host: HostFacts,
}

fn located(s: &str) -> Located<String> {
    Located {
        value: s.to_string(),
        span: Span {
            line: 1,
            column: 1,
            len: 0,
        },
    }
}

pub fn framework(name: &str, version: &str, refs: Option<(&str, &str)>) -> InstalledFramework {
    InstalledFramework {
        name: name.into(),
        version: version.into(),
        has_deps_json: true,
        config: match refs {
            None => FrameworkConfig::Absent,
            Some((n, v)) => FrameworkConfig::Parsed {
                config: FxConfig {
                    frameworks: vec![FxRefSpec {
                        name: n.into(),
                        version: Some(v.into()),
                        ..FxRefSpec::default()
                    }],
                    ..FxConfig::default()
                },
            },
        },
    }
}

/// A Windows x64 server with .NET 8.0.11 + ASP.NET Core 8.0.11 on PATH.
pub fn healthy_host() -> HostFacts {
    HostFacts {
        schema: crate::host::facts::SCHEMA.into(),
        os: "windows".into(),
        arch: "x86_64".into(),
        process_path: vec![r"C:\Windows\system32".into(), format!(r"{ROOT}\")],
        dotnet: DotnetFacts {
            installs: vec![DotnetInstall {
                root: ROOT.into(),
                sources: vec![
                    RootSource::PathEntry {
                        index: 1,
                        entry: format!(r"{ROOT}\"),
                        scope: crate::host::facts::PathScope::Process,
                    },
                    RootSource::Default,
                ],
                exists: true,
                muxer: Some(format!(r"{ROOT}\dotnet.exe")),
                muxer_arch: Some("x64".into()),
                hostfxr_versions: vec!["8.0.11".into()],
                frameworks: vec![
                    framework(
                        "Microsoft.AspNetCore.App",
                        "8.0.11",
                        Some(("Microsoft.NETCore.App", "8.0.11")),
                    ),
                    framework("Microsoft.NETCore.App", "8.0.11", None),
                ],
                sdks: Vec::new(),
            }],
            ..DotnetFacts::default()
        },
        ..HostFacts::default()
    }
}

pub const HEALTHY_RUNTIMECONFIG: &str = r#"{"runtimeOptions":{"tfm":"net8.0","frameworks":[{"name":"Microsoft.NETCore.App","version":"8.0.0"},{"name":"Microsoft.AspNetCore.App","version":"8.0.0"}],"configProperties":{"System.GC.Server":false}}}"#;

pub const HEALTHY_DEPS: &str = r#"{"runtimeTarget":{"name":".NETCoreApp,Version=v8.0"},"targets":{".NETCoreApp,Version=v8.0":{"App/1.0.0":{"runtime":{"App.dll":{}}},"Dapper/2.1.0":{"runtime":{"lib/net7.0/Dapper.dll":{}}}}},"libraries":{"App/1.0.0":{"type":"project"},"Dapper/2.1.0":{"type":"package"}}}"#;

impl Fixture {
    /// A healthy framework-dependent ASP.NET Core 8 app, in-process, on a healthy host.
    pub fn healthy() -> Fixture {
        Fixture {
            process_path: "dotnet".into(),
            hosting_model: Some("inprocess".into()),
            web_env: Vec::new(),
            runtimeconfig: Some(HEALTHY_RUNTIMECONFIG.into()),
            deps: Some((
                HEALTHY_DEPS.into(),
                vec!["App.dll".into(), "Dapper.dll".into()],
            )),
            runtime_files: vec!["App.dll".into(), "Dapper.dll".into()],
            main_dll: None,
            host: healthy_host(),
        }
    }

    pub fn deployment(&self) -> Deployment {
        let app_dir = PathBuf::from(APP_DIR);
        let section = AspNetCoreSection {
            process_path: Some(located(&self.process_path)),
            arguments: Some(located(r".\App.dll")),
            hosting_model: self.hosting_model.as_deref().map(located),
            environment_variables: self
                .web_env
                .iter()
                .map(|(k, v)| EnvironmentVariable {
                    name: located(k),
                    value: located(v),
                })
                .collect(),
            ..AspNetCoreSection::default()
        };
        let wc = WebConfig {
            path: app_dir.join("web.config"),
            encoding: TextEncoding::Utf8,
            text: String::new(),
            location: None,
            handlers: Vec::new(),
            aspnetcore: Some(section),
            other_locations: Vec::new(),
            duplicate_sections: Vec::new(),
        };
        let rc_path = app_dir.join("App.runtimeconfig.json");
        let runtime_config = self.runtimeconfig.as_ref().map(|text| {
            match runtime_config::parse(&rc_path, text.as_bytes()) {
                Ok(value) => Loaded::Parsed {
                    path: rc_path.clone(),
                    value,
                },
                Err(error) => Loaded::Invalid {
                    path: rc_path.clone(),
                    error,
                },
            }
        });
        let deps_json = self.deps.as_ref().map(|(text, present)| {
            let path = app_dir.join("App.deps.json");
            DepsJsonFacts {
                parsed: deps_json::parse(&path, text.as_bytes()),
                path,
                present: present.iter().cloned().collect(),
            }
        });
        Deployment {
            app_dir: app_dir.clone(),
            web_config: WebConfigState::Parsed(Box::new(wc)),
            layout: AppLayout {
                app_name: Some("App".into()),
                kind: AppKind::Unknown,
                runtime_config,
                main_dll: self.main_dll.map(|(machine, clr)| {
                    use crate::deployment::binary::{parse_header, test_images};
                    let path = app_dir.join("App.dll");
                    let bytes = test_images::pe(machine, false, Some(clr), &[]);
                    crate::deployment::layout::AppFile {
                        name: "App.dll".into(),
                        binary: parse_header(&path, bytes.as_slice()).map_err(|e| e.to_string()),
                        path,
                        bundle: None,
                    }
                }),
                ..AppLayout::default()
            },
            app_offline: None,
            deps_json,
            runtime_files: RuntimeFiles::from_names(&self.runtime_files),
            app_settings: Vec::new(),
        }
    }

    pub fn run(&self, check: &dyn Check) -> CheckResult {
        let d = self.deployment();
        let cx = Context::new(&d, &self.host);
        run_one(check, &cx)
    }
}

/// Asserts the outcome and returns the result for further checks.
pub fn expect(result: CheckResult, outcome: Outcome) -> CheckResult {
    assert_eq!(result.outcome, outcome, "{result:#?}");
    result
}
