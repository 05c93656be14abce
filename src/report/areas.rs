//! The five areas the first screen summarises — app files, web.config, the .NET host, IIS and
//! the module, the live probe — and which checks belong to each. A check not listed here (a new
//! one) counts under app files until it is added.
use crate::diagnostic::{CheckResult, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    AppFiles,
    WebConfig,
    DotnetHost,
    Iis,
    LiveProbe,
}

impl Area {
    pub const ALL: [Area; 5] = [
        Area::AppFiles,
        Area::WebConfig,
        Area::DotnetHost,
        Area::Iis,
        Area::LiveProbe,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Area::AppFiles => "app files",
            Area::WebConfig => "web.config",
            Area::DotnetHost => ".NET host",
            Area::Iis => "IIS and the module",
            Area::LiveProbe => "live probe",
        }
    }

    /// For identifiers (JUnit class names).
    pub fn slug(self) -> &'static str {
        match self {
            Area::AppFiles => "app-files",
            Area::WebConfig => "web-config",
            Area::DotnetHost => "dotnet-host",
            Area::Iis => "iis",
            Area::LiveProbe => "live-probe",
        }
    }
}

const TABLE: &[(&str, Area)] = &[
    ("web-config", Area::WebConfig),
    ("handler-module", Area::WebConfig),
    ("aspnetcore-attributes", Area::WebConfig),
    ("launcher-placeholders", Area::WebConfig),
    ("stdout-log", Area::WebConfig),
    ("environment-variables", Area::WebConfig),
    ("process-path", Area::AppFiles),
    ("app-offline", Area::AppFiles),
    ("runtime-config", Area::AppFiles),
    ("self-contained", Area::AppFiles),
    ("deps-assets", Area::AppFiles),
    ("appsettings-json", Area::AppFiles),
    ("dotnet-architecture", Area::DotnetHost),
    ("framework-resolution", Area::DotnetHost),
    ("globalization-icu", Area::DotnetHost),
    ("runtime-support", Area::DotnetHost),
    ("inprocess-handler", Area::DotnetHost),
    ("module-installed", Area::Iis),
    ("vc-runtime", Area::Iis),
    ("dotnet-on-machine-path", Area::Iis),
    ("path-changed-after-iis-start", Area::Iis),
    ("app-pool", Area::Iis),
    ("virtual-directories", Area::Iis),
    ("child-app-inherits-handler", Area::Iis),
    ("windows-auth-token", Area::Iis),
    ("shared-configuration", Area::Iis),
    ("url-rewrite-module", Area::Iis),
    ("section-locked", Area::Iis),
    ("webdav", Area::Iis),
    ("request-size-limit", Area::Iis),
    ("pool-identity-rights", Area::Iis),
    ("websocket-module", Area::Iis),
    ("live-probe", Area::LiveProbe),
    ("live-site", Area::LiveProbe),
    ("server-evidence", Area::Iis),
];

pub fn area_of_id(id: &str) -> Area {
    TABLE
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, a)| *a)
        .unwrap_or(Area::AppFiles)
}

/// Whether the table names this check (others default to app files).
pub fn is_listed(id: &str) -> bool {
    TABLE.iter().any(|(i, _)| *i == id)
}

pub fn area_of(c: &CheckResult) -> Area {
    area_of_id(&c.id)
}

/// A check that was skipped only because these host facts are not a Windows server's: the
/// first screen folds these into one line that says how to judge them (`--host FILE`).
pub fn needs_server(c: &CheckResult) -> bool {
    c.outcome == Outcome::Skip
        && c.skip_reason.as_deref().is_some_and(|r| {
            r.contains("--host") || r.starts_with("no IIS") || r.contains("Windows fact")
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_check_is_listed_once() {
        let mut ids: Vec<&str> = super::TABLE.iter().map(|(i, _)| *i).collect();
        let all = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids.len(),
            all,
            "a check id is listed twice in the area table"
        );
    }
}
