//! What is on disk for one published app: `web.config`, the app's files and what kind of app they
//! make. Reads files; knows nothing about checks. Errors are typed and keep the input that failed.
pub mod app_settings;
pub mod binary;
pub mod deps_json;
pub mod json_file;
pub mod layout;
pub mod lenient_json;
pub mod runtime_config;
pub mod runtime_files;
pub mod web_config;

use std::path::{Path, PathBuf};
use thiserror::Error;

pub use layout::AppLayout;
pub use web_config::{WebConfig, WebConfigError};

/// One published app folder, read once.
#[derive(Debug)]
pub struct Deployment {
    pub app_dir: PathBuf,
    pub web_config: WebConfigState,
    pub layout: AppLayout,
    /// `app_offline.htm` in the app root, if present.
    pub app_offline: Option<AppOffline>,
    /// `<App>.deps.json`, when the app has one (`deps_json::read`).
    pub deps_json: Option<deps_json::DepsJsonFacts>,
    /// The host/runtime files in the app folder (self-contained deployments carry them).
    pub runtime_files: runtime_files::RuntimeFiles,
    /// `appsettings.json` and `appsettings.<Environment>.json`, read (not parsed).
    pub app_settings: Vec<app_settings::AppSettingsFile>,
}

#[derive(Debug)]
pub enum WebConfigState {
    Missing,
    /// Present but not usable (unreadable, not XML, too large …); IIS answers 500.19.
    Invalid(WebConfigError),
    Parsed(Box<WebConfig>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppOffline {
    pub path: PathBuf,
    pub size: u64,
}

#[derive(Debug, Error)]
pub enum DeploymentError {
    #[error("{}: no such folder", crate::deployment::shown(path))]
    NotFound { path: PathBuf },
    #[error("{}: not a folder", crate::deployment::shown(path))]
    NotADirectory { path: PathBuf },
    #[error("{}: {source}", crate::deployment::shown(path))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A path for a one-line message: control characters (a newline in a folder name) are escaped,
/// so an error never spans lines or moves the terminal cursor.
pub fn shown(path: &Path) -> String {
    path.display()
        .to_string()
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

impl Deployment {
    /// Reads the app folder. Fails only when the folder itself cannot be read; problems with the
    /// files in it are kept as facts for the checks to report.
    pub fn load(app_dir: &Path) -> Result<Deployment, DeploymentError> {
        let meta = std::fs::metadata(app_dir).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DeploymentError::NotFound {
                path: app_dir.to_path_buf(),
            },
            _ => DeploymentError::Io {
                path: app_dir.to_path_buf(),
                source: e,
            },
        })?;
        if !meta.is_dir() {
            return Err(DeploymentError::NotADirectory {
                path: app_dir.to_path_buf(),
            });
        }
        // The one listing of the app folder (everything below answers from it); reading it up
        // front surfaces permission problems as one clear error.
        let files = layout::FileIndex::try_read(app_dir).map_err(|e| DeploymentError::Io {
            path: app_dir.to_path_buf(),
            source: e,
        })?;
        // Windows file names are case-insensitive and publish keeps the project's casing
        // (`Web.config`, publish-iis.md §3.2): on a case-sensitive file system (a Linux CI job
        // checking a publish folder) find it the way IIS would. An exact `web.config` wins.
        let web_config_name = files
            .file("web.config")
            .map(|e| e.name.clone())
            .unwrap_or_else(|| "web.config".to_string());
        let web_config_path = app_dir.join(web_config_name);
        let web_config = match web_config::read(&web_config_path) {
            Ok(wc) => WebConfigState::Parsed(Box::new(wc)),
            Err(WebConfigError::NotFound { .. }) => WebConfigState::Missing,
            Err(e) => WebConfigState::Invalid(e),
        };
        let layout = AppLayout::read(app_dir, files, web_config.parsed());
        // ANCM matches the name case-insensitively (ancm-protocol.md §5.4).
        let app_offline = layout
            .files
            .file("app_offline.htm")
            .map(|e| app_dir.join(&e.name))
            .and_then(|path| {
                std::fs::metadata(&path)
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| AppOffline {
                        path,
                        size: m.len(),
                    })
            });
        let deps_json = layout
            .app_name
            .as_deref()
            .and_then(|name| deps_json::read(app_dir, name));
        let app_settings = app_settings::read(app_dir, &layout.files);
        Ok(Deployment {
            app_settings,
            deps_json,
            runtime_files: runtime_files::RuntimeFiles::read(app_dir, &layout.files),
            app_dir: app_dir.to_path_buf(),
            web_config,
            layout,
            app_offline,
        })
    }

    /// The parsed web.config, when there is one.
    pub fn web_config(&self) -> Option<&WebConfig> {
        self.web_config.parsed()
    }
}

impl WebConfigState {
    pub fn parsed(&self) -> Option<&WebConfig> {
        match self {
            WebConfigState::Parsed(wc) => Some(wc),
            _ => None,
        }
    }
}
