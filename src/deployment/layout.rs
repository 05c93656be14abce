//! What kind of app the folder holds (portable `.dll`, apphost, self-contained, single-file
//! bundle, .NET Framework) and what `processPath` + `arguments` resolve to (hostfxr.md §7).
use super::runtime_config::{self, RuntimeConfig, RuntimeConfigError};
use super::web_config::WebConfig;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    /// `App.dll` + runtimeconfig with `framework(s)`, started by `dotnet App.dll`.
    Portable,
    /// Framework-dependent with an apphost (`App.exe` next to `App.dll`).
    FrameworkDependentApphost,
    SelfContained,
    SingleFileBundle,
    NetFramework,
    Unknown,
}

/// A runtimeconfig.json that was found: parsed, or the error.
#[derive(Debug)]
pub enum Loaded<T, E> {
    Parsed { path: PathBuf, value: T },
    Invalid { path: PathBuf, error: E },
}

#[derive(Debug)]
pub struct AppLayout {
    /// The app's name (`HelloWorld` for `HelloWorld.dll`), when it can be told.
    pub app_name: Option<String>,
    pub kind: AppKind,
    pub runtime_config: Option<Loaded<RuntimeConfig, RuntimeConfigError>>,
}

impl AppLayout {
    pub fn read(app_dir: &Path, _web_config: Option<&WebConfig>) -> AppLayout {
        let mut names: Vec<String> = std::fs::read_dir(app_dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".runtimeconfig.json"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let app_name = names
            .first()
            .map(|n| n.trim_end_matches(".runtimeconfig.json").to_string());
        let runtime_config = names.first().map(|n| {
            let path = app_dir.join(n);
            match runtime_config::read(&path) {
                Ok(value) => Loaded::Parsed { path, value },
                Err(error) => Loaded::Invalid { path, error },
            }
        });
        AppLayout {
            app_name,
            kind: AppKind::Unknown,
            runtime_config,
        }
    }
}
