//! `HostFacts`: everything checks know about the machine. Serde, versioned: this struct *is* the
//! snapshot format written by `ancm host --format json` and read by `ancm doctor --host FILE`.
//!
//! Pure data plus small pure helpers (PATH lookups, time comparison). The live probes that fill it
//! are `windows.rs` and `unix.rs`; nothing here touches the machine except [`HostFacts::probe`],
//! which only dispatches to them. New fields are `#[serde(default)]` so older snapshots still load.
use super::iis_config::IisConfig;
use serde::{Deserialize, Serialize};

/// The snapshot schema id; bump on incompatible change.
pub const SCHEMA: &str = "ancm-host/1";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostFacts {
    pub schema: String,
    /// `windows`, `linux`, `macos` …
    pub os: String,
    /// `x86_64`, `aarch64` …
    pub arch: String,
    /// The PATH of the process that gathered the facts, split.
    #[serde(default)]
    pub process_path: Vec<String>,
    /// The machine PATH (HKLM `SYSTEM\CurrentControlSet\Control\Session Manager\Environment`,
    /// `REG_EXPAND_SZ` expanded): what an IIS worker process sees. `None` off Windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_path: Option<Vec<String>>,
    /// The PATH of the user who ran the probe (HKCU `Environment`); an app pool never sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_path: Option<Vec<String>>,
    /// Every `dotnet.exe` (`dotnet` off Windows) found on the PATHs above, with its scope.
    #[serde(default)]
    pub dotnet_on_path: Vec<DotnetOnPath>,
    /// When the machine Environment key (which holds the machine PATH) was last written, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_environment_changed: Option<String>,
    /// IIS, when installed (Windows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iis: Option<IisFacts>,
    /// The VC++ 2015+ runtime files ANCM needs (Windows only; empty elsewhere).
    #[serde(default)]
    pub vc_runtime: Vec<FileFact>,
    /// Set when the probe ran inside Azure App Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureAppService>,
    /// Values of the few environment variables used to expand IIS paths (`SystemDrive`,
    /// `SystemRoot`, `windir`, `ProgramFiles`, …), so a snapshot can be interpreted elsewhere.
    #[serde(default)]
    pub path_variables: std::collections::BTreeMap<String, String>,
    /// .NET installs: candidate dotnet roots, what each holds, the host-relevant environment,
    /// registered locations, ICU libraries (`host::dotnet_install`).
    #[serde(default)]
    pub dotnet: super::dotnet_install::DotnetFacts,
    /// The DACLs of the folders an app pool must read or write (Windows only): every IIS
    /// application's physical path, its stdout log folder when logging is on, and every dotnet
    /// root; judged by `pool-identity-rights` ([`super::acl`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path_acls: Vec<super::acl::PathAcl>,
}

/// Where a PATH entry came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathScope {
    Machine,
    User,
    /// The PATH of the process that gathered the facts (the default for snapshots written
    /// before scopes were recorded).
    #[default]
    Process,
}

impl PathScope {
    /// How a message names this PATH.
    pub fn describe(self) -> &'static str {
        match self {
            PathScope::Machine => "the machine PATH",
            PathScope::User => "the user PATH",
            PathScope::Process => "PATH",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DotnetOnPath {
    /// The PATH folder, as written in PATH (expanded).
    pub dir: String,
    /// The executable found in it.
    pub path: String,
    pub scope: PathScope,
    /// PE/ELF machine: `x64`, `x86`, `arm64` … `None` when unreadable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
}

/// One file the probe looked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFact {
    pub path: String,
    pub exists: bool,
    /// The PE file version (`VS_FIXEDFILEINFO`), e.g. `18.0.24141.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// IIS on this machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IisFacts {
    /// `10.0` etc., from `HKLM\SOFTWARE\Microsoft\InetStp` `MajorVersion`/`MinorVersion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `%windir%\System32\inetsrv\config\applicationHost.config`.
    pub config_path: String,
    /// The parsed configuration; `None` when it could not be read (see `config_error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<IisConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_error: Option<String>,
    /// `aspnetcore_schema.xml` (V1) and `aspnetcore_schema_v2.xml` (V2) under `inetsrv\config\schema`.
    #[serde(default)]
    pub schema_files: Vec<FileFact>,
    /// The module DLLs: V1 `aspnetcore.dll`, V2 `aspnetcorev2.dll` and every
    /// `V2\<version>\aspnetcorev2_outofprocess.dll`, both bitnesses (ancm-reference.md §6.1).
    #[serde(default)]
    pub module_files: Vec<ModuleFile>,
    /// `HKLM\SOFTWARE\Microsoft\IIS Extensions\IIS AspNetCore Module[ V2]` (ancm-reference.md §6.3).
    #[serde(default)]
    pub module_registry: Vec<ModuleRegistryKey>,
    /// When the IIS services' processes started (WAS, W3SVC, workers), RFC 3339.
    #[serde(default)]
    pub service_processes: Vec<ServiceProcess>,
    /// Each pool's run-time state from `appcmd list apppool /xml`; `None` when appcmd could not
    /// be run or read (see `app_pool_states_error`): the state is then unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_pool_states: Option<Vec<super::appcmd::AppPoolState>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_pool_states_error: Option<String>,
    /// `inetsrv\config\redirection.config` `<configurationRedirection>` (IIS shared
    /// configuration), when the file exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_configuration: Option<super::iis_config::SharedConfiguration>,
}

impl IisFacts {
    /// The run-time state of one pool, when appcmd reported it (pool names are
    /// case-insensitive in IIS).
    pub fn pool_state(&self, pool: &str) -> Option<&super::appcmd::AppPoolState> {
        self.app_pool_states
            .as_ref()?
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(pool))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModuleGeneration {
    V1,
    V2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleFileKind {
    /// V1 `aspnetcore.dll`.
    V1Module,
    /// V2 shim `aspnetcorev2.dll`.
    V2Shim,
    /// V2 `<version>\aspnetcorev2_outofprocess.dll`.
    V2OutOfProcessHandler,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleFile {
    pub kind: ModuleFileKind,
    /// `64` or `32` (`System32` vs `SysWOW64`, `Program Files` vs `Program Files (x86)`).
    pub bits: u8,
    pub file: FileFact,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleRegistryKey {
    pub key: String,
    pub generation: ModuleGeneration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceProcess {
    /// `WAS`, `W3SVC`, `w3wp.exe`, `inetinfo.exe`.
    pub name: String,
    pub pid: u32,
    /// RFC 3339.
    pub started: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AzureAppService {
    /// `WEBSITE_SITE_NAME`.
    pub site_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// `%HOME%` (`D:\home`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
}

impl HostFacts {
    /// Facts about this machine, probed now.
    pub fn probe() -> HostFacts {
        #[cfg(windows)]
        let mut facts = super::windows::probe();
        #[cfg(not(windows))]
        let mut facts = super::unix::probe();
        #[cfg(windows)]
        let registered = super::windows::registered_dotnet_locations();
        #[cfg(not(windows))]
        let registered = super::dotnet_install::read_etc_install_locations();
        facts.dotnet = super::dotnet_install::probe(&facts, registered);
        #[cfg(windows)]
        {
            facts.path_acls = super::windows_acl::read_acls(&facts);
        }
        facts
    }

    /// The DACL facts of a path, compared the Windows way (case, separators, `\\?\`).
    pub fn acl_of(&self, path: &str) -> Option<&super::acl::PathAcl> {
        let want = normalize_windows_path(path);
        self.path_acls
            .iter()
            .find(|a| normalize_windows_path(&a.path) == want)
    }

    /// The facts every probe starts from: schema, OS, architecture, process PATH, Azure markers.
    /// Reads only this process's environment.
    pub fn basic() -> HostFacts {
        HostFacts {
            schema: SCHEMA.to_string(),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            process_path: std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|p| p.display().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            azure: std::env::var("WEBSITE_SITE_NAME")
                .ok()
                .filter(|s| !s.is_empty())
                .map(|site_name| AzureAppService {
                    site_name,
                    instance_id: std::env::var("WEBSITE_INSTANCE_ID").ok(),
                    home: std::env::var("HOME").ok(),
                }),
            ..HostFacts::default()
        }
    }

    /// The parsed applicationHost.config, when IIS is here and its config was read.
    pub fn iis_config(&self) -> Option<&IisConfig> {
        self.iis.as_ref().and_then(|i| i.config.as_ref())
    }

    /// Why the IIS checks cannot run on these facts, or `None` when they can.
    pub fn iis_skip_reason(&self) -> Option<String> {
        match &self.iis {
            None if self.azure.is_some() => Some(
                "Azure App Service: the platform manages IIS and its applicationHost.config is not readable here".to_string(),
            ),
            None if self.os != "windows" => Some(format!(
                "no IIS on this machine ({}); run `ancm host --format json` on the server and pass it with `--host FILE`",
                self.os
            )),
            None => Some("IIS is not installed on this machine".to_string()),
            Some(i) if i.config.is_none() => Some(format!(
                "`{}` could not be read: {}",
                i.config_path,
                i.config_error.as_deref().unwrap_or("unknown error")
            )),
            Some(_) => None,
        }
    }

    /// Expands `%NAME%` with [`HostFacts::path_variables`] (case-insensitive, as Windows does);
    /// unknown variables stay as written.
    pub fn expand(&self, text: &str) -> String {
        expand_vars(text, |name| {
            self.path_variables
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        })
    }

    /// The start time of the earliest IIS service process (the one whose environment the workers
    /// inherit), with its name.
    pub fn iis_started(&self) -> Option<(&ServiceProcess, chrono::DateTime<chrono::FixedOffset>)> {
        self.iis
            .as_ref()?
            .service_processes
            .iter()
            .filter_map(|p| {
                chrono::DateTime::parse_from_rfc3339(&p.started)
                    .ok()
                    .map(|t| (p, t))
            })
            .min_by_key(|(_, t)| *t)
    }
}

/// `%NAME%` expansion with a lookup (Windows semantics, see
/// [`crate::deployment::web_config::expand_env`]).
pub fn expand_vars(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    crate::deployment::web_config::expand_env(text, lookup)
}

/// A Windows FILETIME (100 ns ticks since 1601-01-01 UTC) as RFC 3339; `None` when out of range.
pub fn filetime_to_rfc3339(ticks: u64) -> Option<String> {
    let secs = (ticks / 10_000_000) as i64 - 11_644_473_600;
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.to_rfc3339())
}

/// A Windows path in a comparable form: `/` → `\`, lower case, no trailing separator.
pub fn normalize_windows_path(p: &str) -> String {
    let mut s = p.trim().replace('/', "\\").to_lowercase();
    // `\\?\C:\x` and `C:\x` name the same folder.
    if let Some(rest) = s.strip_prefix(r"\\?\") {
        s = rest.to_string();
    }
    while s.len() > 3 && s.ends_with('\\') {
        s.pop();
    }
    if s.len() == 3 && s.ends_with('\\') && s.as_bytes()[1] == b':' {
        // keep `c:\`
        return s;
    }
    while s.ends_with('\\') && s.len() > 1 {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_known_variables_case_insensitively_and_keeps_unknown() {
        let mut f = HostFacts::default();
        f.path_variables.insert("SystemDrive".into(), "C:".into());
        assert_eq!(f.expand(r"%systemdrive%\inetpub"), r"C:\inetpub");
        assert_eq!(f.expand(r"%NOPE%\x"), r"%NOPE%\x");
        assert_eq!(f.expand("50%"), "50%");
        assert_eq!(f.expand("%%"), "%%");
    }

    #[test]
    fn converts_filetimes() {
        // 2020-01-01T00:00:00Z = 132223104000000000 ticks.
        assert_eq!(
            filetime_to_rfc3339(132_223_104_000_000_000).as_deref(),
            Some("2020-01-01T00:00:00+00:00")
        );
        assert_eq!(
            filetime_to_rfc3339(0).as_deref(),
            Some("1601-01-01T00:00:00+00:00")
        );
    }

    #[test]
    fn normalizes_windows_paths() {
        assert_eq!(
            normalize_windows_path(r"C:\InetPub\App\"),
            r"c:\inetpub\app"
        );
        assert_eq!(
            normalize_windows_path("c:/inetpub/app//"),
            r"c:\inetpub\app"
        );
        assert_eq!(normalize_windows_path(r"\\?\C:\x"), r"c:\x");
        assert_eq!(normalize_windows_path(r"C:\"), r"c:\");
    }

    #[test]
    fn old_snapshots_without_new_fields_still_load() {
        let f: HostFacts = serde_json::from_str(
            r#"{"schema":"ancm-host/1","os":"windows","arch":"x86_64","process_path":[]}"#,
        )
        .unwrap();
        assert!(f.iis.is_none());
        assert!(f.iis_skip_reason().is_some());
    }
}
