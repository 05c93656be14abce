//! Hand-built facts for the unit tests of checks: a web.config with real line:column spans, app
//! layouts from file names, host facts. Test-only.
use crate::deployment::launch::{self, LaunchTarget};
use crate::deployment::layout::{AppFile, AppKind, AppLayout};
use crate::deployment::runtime_config::{self, RuntimeConfig};
use crate::deployment::web_config::{
    AspNetCoreSection, Handler, Located, Span, TextEncoding, WebConfig,
};
use crate::deployment::{AppOffline, Deployment, WebConfigState};
use crate::host::HostFacts;
use std::path::PathBuf;

pub const FDD: &str = r#"{"runtimeOptions":{"tfm":"net8.0","framework":{"name":"Microsoft.AspNetCore.App","version":"8.0.0"}}}"#;
pub const SCD: &str = r#"{"runtimeOptions":{"tfm":"net8.0","includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"8.0.1"}]}}"#;

pub fn rc(json: &str) -> RuntimeConfig {
    runtime_config::parse(
        std::path::Path::new("App.runtimeconfig.json"),
        json.as_bytes(),
    )
    .unwrap()
}

/// A web.config whose `aspNetCore` element has one attribute per line, so each has its own span.
pub fn web_config(module: &str, attrs: &[(&str, &str)]) -> WebConfig {
    let mut text = String::from("<configuration>\n  <system.webServer>\n    <handlers>\n");
    text.push_str(&format!(
        "      <add name=\"aspNetCore\" path=\"*\" verb=\"*\" modules=\"{module}\" />\n"
    ));
    text.push_str("    </handlers>\n    <aspNetCore\n");
    let handler_line = 4u32;
    let mut section = AspNetCoreSection {
        span: Span {
            line: 6,
            column: 6,
            len: 10,
        },
        ..Default::default()
    };
    for (i, (name, value)) in attrs.iter().enumerate() {
        let line = 7 + i as u32;
        let prefix = format!("      {name}=\"");
        text.push_str(&format!("{prefix}{value}\"\n"));
        let loc = Located {
            value: value.to_string(),
            span: Span {
                line,
                column: prefix.chars().count() as u32 + 1,
                len: value.chars().count() as u32,
            },
        };
        let slot = match *name {
            "processPath" => &mut section.process_path,
            "arguments" => &mut section.arguments,
            "hostingModel" => &mut section.hosting_model,
            "stdoutLogEnabled" => &mut section.stdout_log_enabled,
            "stdoutLogFile" => &mut section.stdout_log_file,
            other => panic!("fixture does not know attribute {other}"),
        };
        *slot = Some(loc);
    }
    text.push_str("    />\n  </system.webServer>\n</configuration>\n");
    let module_col =
        "      <add name=\"aspNetCore\" path=\"*\" verb=\"*\" modules=\"".len() as u32 + 1;
    WebConfig {
        path: PathBuf::from("app/web.config"),
        encoding: TextEncoding::Utf8,
        text,
        location: None,
        handlers: vec![Handler {
            name: None,
            path: None,
            verb: None,
            modules: Some(Located {
                value: module.to_string(),
                span: Span {
                    line: handler_line,
                    column: module_col,
                    len: module.len() as u32,
                },
            }),
            resource_type: None,
            span: Span {
                line: handler_line,
                column: 7,
                len: 3,
            },
        }],
        aspnetcore: Some(section),
    }
}

/// A deployment of `files` (names; `dir/` marks a folder) with that web.config; the layout is
/// what `AppLayout::read` would make of those names, without disk.
pub fn deployment(
    wc: WebConfig,
    files: &[&str],
    runtime_config: Option<&str>,
    probes: &[(&str, launch::PathState)],
) -> Deployment {
    let mut layout = AppLayout::for_tests(files, runtime_config.map(rc), None);
    for (rel, state) in probes {
        layout.probes.insert(rel.to_lowercase(), *state);
    }
    if let Some(s) = wc.aspnetcore.as_ref() {
        layout.launch = Some(LaunchTarget::resolve(s, &layout, &launch::no_env));
    }
    layout.kind = match layout.runtime_config() {
        Some(rc) if !rc.included_frameworks.is_empty() => AppKind::SelfContained,
        Some(rc) if !rc.frameworks.is_empty() => AppKind::Portable,
        _ => AppKind::Unknown,
    };
    if layout.app_name.is_none() {
        layout.app_name = layout.launch.as_ref().and_then(LaunchTarget::app_stem);
    }
    // Headers are not read in fixtures: tests that need them set `process_target` themselves.
    if let Some(app) = layout.app_name.clone() {
        let file = |name: String| AppFile {
            path: PathBuf::from("app").join(&name),
            name,
            binary: Err("fixture: header not read".into()),
            bundle: None,
        };
        layout.main_dll = layout
            .file_name_on_disk(&format!("{app}.dll"))
            .map(|n| file(n.to_string()));
        layout.apphost = layout
            .file_name_on_disk(&format!("{app}.exe"))
            .map(|n| file(n.to_string()));
    }
    Deployment {
        app_dir: PathBuf::from("app"),
        web_config: WebConfigState::Parsed(Box::new(wc)),
        layout,
        app_offline: None,
    }
}

pub fn with_offline(mut d: Deployment, size: u64) -> Deployment {
    d.app_offline = Some(AppOffline {
        path: PathBuf::from("app/app_offline.htm"),
        size,
    });
    d
}

pub fn host(os: &str) -> HostFacts {
    HostFacts {
        schema: crate::host::facts::SCHEMA.to_string(),
        os: os.to_string(),
        arch: "x86_64".to_string(),
        ..HostFacts::default()
    }
}

/// The healthy portable app every check must pass.
pub fn healthy() -> Deployment {
    deployment(
        web_config(
            "AspNetCoreModuleV2",
            &[
                ("processPath", "dotnet"),
                ("arguments", r".\App.dll"),
                ("stdoutLogEnabled", "false"),
                ("stdoutLogFile", r".\logs\stdout"),
                ("hostingModel", "inprocess"),
            ],
        ),
        &[
            "App.dll",
            "App.runtimeconfig.json",
            "App.deps.json",
            "web.config",
            "wwwroot/",
        ],
        Some(FDD),
        &[],
    )
}
