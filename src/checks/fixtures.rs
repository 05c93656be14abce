//! Hand-built facts for the unit tests of checks: a web.config with real line:column spans, app
//! layouts from file names, host facts. Test-only.
use crate::contract::command_line as launch;
use crate::contract::LaunchTarget;
use crate::deployment::layout::{AppFile, AppKind, AppLayout};
use crate::deployment::runtime_config::{self, RuntimeConfig};
use crate::deployment::web_config::WebConfig;
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

/// A web.config whose `aspNetCore` element has one attribute per line, so each has its own span;
/// read by the real parser.
pub fn web_config(module: &str, attrs: &[(&str, &str)]) -> WebConfig {
    let mut text = String::from("<configuration>\n  <system.webServer>\n    <handlers>\n");
    text.push_str(&format!(
        "      <add name=\"aspNetCore\" path=\"*\" verb=\"*\" modules=\"{module}\" />\n"
    ));
    text.push_str("    </handlers>\n    <aspNetCore\n");
    for (name, value) in attrs {
        text.push_str(&format!("      {name}=\"{value}\"\n"));
    }
    text.push_str("    />\n  </system.webServer>\n</configuration>\n");
    crate::deployment::web_config::parse(std::path::Path::new("app/web.config"), text.as_bytes())
        .expect("fixture web.config parses")
}

/// A deployment of `files` (names; `dir/` marks a folder) with that web.config; the layout is
/// what `AppLayout::read` would make of those names, without disk.
pub fn deployment(
    wc: WebConfig,
    files: &[&str],
    runtime_config: Option<&str>,
    probes: &[(&str, crate::contract::PathState)],
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
        deps_json: None,
        runtime_files: Default::default(),
        app_settings: Vec::new(),
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
