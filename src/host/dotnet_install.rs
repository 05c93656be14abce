//! Where .NET is installed on this machine and what each install holds (hostfxr.md §4,
//! ancm-reference.md §7): every candidate dotnet root (PATH entries with a `dotnet` muxer,
//! `DOTNET_ROOT*`, `/etc/dotnet/install_location*`, default folders), with the muxer's
//! architecture, `host/fxr/<version>`, `shared/<name>/<version>` and each framework folder's own
//! runtimeconfig references.
//!
//! Facts only: this reads the disk and records what is there. Which root a launch uses is
//! ANCM's and the launcher's decision (`contract::dotnet_root`); what the .NET host makes of an
//! install (its hostfxr version, its frameworks as a resolution hive) is `fx::install`.
use super::facts::{HostFacts, PathScope};
use crate::deployment::runtime_config::FxConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Everything about .NET installs, part of `HostFacts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DotnetFacts {
    /// The host-relevant environment of the process that gathered the facts (`DOTNET_*`,
    /// `COREHOST_*`). On IIS the app sees the machine environment plus web.config's variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Every dotnet root found, each once, with every reason it was considered.
    #[serde(default)]
    pub installs: Vec<DotnetInstall>,
    /// Registered install locations by architecture (`x64`, `arm64` …; `""` for the legacy
    /// `/etc/dotnet/install_location`). On Windows the registry probe fills this.
    #[serde(default)]
    pub registered: BTreeMap<String, String>,
    /// `libicuuc.so.*` files found in the usual library folders (Linux); `None` when not probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icu_libraries: Option<Vec<String>>,
    /// The PATH an IIS worker process searches for `dotnet`: the machine PATH on Windows when it
    /// was read (an app pool never sees the PATH of the user who ran the probe). `None`: the
    /// probing process's own PATH is the best guess (off Windows, or older snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_path: Option<PathScope>,
    /// The default install folder per architecture as this machine spells it
    /// (`%ProgramFiles%\dotnet`, `%ProgramFiles(x86)%\dotnet`; hostfxr.md §4.1 step 5).
    /// Empty: the usual spellings are assumed.
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
}

/// Why a root was considered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RootSource {
    /// A `dotnet` muxer on PATH (entry `index`, 0-based); the root is the folder of the muxer
    /// with symlinks resolved, as the muxer finds its own root.
    PathEntry {
        index: usize,
        entry: String,
        /// Which PATH the entry belongs to (machine, user, or the probing process's).
        #[serde(default)]
        scope: PathScope,
    },
    /// `DOTNET_ROOT` or `DOTNET_ROOT_<ARCH>`.
    Environment { variable: String },
    /// A registered install location for `arch` (`""` = the legacy file).
    Registered { arch: String },
    /// A default install folder.
    Default,
    /// The folder of the muxer web.config's `processPath` names (`C:\dotnet\dotnet.exe`), read
    /// for this app because no other source led there (`ancm doctor` on the machine itself).
    ProcessPath,
}

/// One dotnet root and what it holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DotnetInstall {
    pub root: String,
    #[serde(default)]
    pub sources: Vec<RootSource>,
    /// The folder exists.
    pub exists: bool,
    /// `dotnet` / `dotnet.exe` in the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muxer: Option<String>,
    /// The muxer's architecture from its header: `x64`, `x86`, `arm64`, `arm` …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muxer_arch: Option<String>,
    /// `host/fxr/<version>` folder names.
    #[serde(default)]
    pub hostfxr_versions: Vec<String>,
    /// `shared/<name>/<version>` folders.
    #[serde(default)]
    pub frameworks: Vec<InstalledFramework>,
    /// `sdk/<version>` folder names.
    #[serde(default)]
    pub sdks: Vec<String>,
}

/// One `shared/<name>/<version>` folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstalledFramework {
    pub name: String,
    pub version: String,
    /// `<name>.deps.json` is present (newer hosts skip folders without it, hostfxr.md §3.4).
    pub has_deps_json: bool,
    /// The folder's own `<name>.runtimeconfig.json`.
    pub config: FrameworkConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FrameworkConfig {
    /// No runtimeconfig: a base framework (Microsoft.NETCore.App).
    Absent,
    Parsed {
        config: FxConfig,
    },
    Invalid {
        error: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Probing (I/O)

fn sorted_dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The muxer file name on the OS this runs on.
fn muxer_name() -> &'static str {
    if cfg!(windows) {
        "dotnet.exe"
    } else {
        "dotnet"
    }
}

/// Reads one dotnet root.
pub fn probe_root(root: &Path) -> DotnetInstall {
    let mut install = DotnetInstall {
        root: root.display().to_string(),
        exists: root.is_dir(),
        ..DotnetInstall::default()
    };
    if !install.exists {
        return install;
    }
    let muxer = root.join(muxer_name());
    if muxer.is_file() {
        install.muxer_arch = binary_arch(&muxer);
        install.muxer = Some(muxer.display().to_string());
    }
    install.hostfxr_versions = sorted_dir_names(&root.join("host").join("fxr"));
    install.sdks = sorted_dir_names(&root.join("sdk"));
    let shared = root.join("shared");
    for name in sorted_dir_names(&shared) {
        for version in sorted_dir_names(&shared.join(&name)) {
            let dir = shared.join(&name).join(&version);
            let has_deps_json = dir.join(format!("{name}.deps.json")).is_file();
            let rc_path = dir.join(format!("{name}.runtimeconfig.json"));
            let config = match std::fs::read(&rc_path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => FrameworkConfig::Absent,
                Err(e) => FrameworkConfig::Invalid {
                    error: format!("{}: {e}", rc_path.display()),
                },
                Ok(bytes) => match crate::deployment::runtime_config::parse(&rc_path, &bytes) {
                    Ok(rc) => FrameworkConfig::Parsed {
                        config: FxConfig::from(&rc),
                    },
                    Err(e) => FrameworkConfig::Invalid {
                        error: e.to_string(),
                    },
                },
            };
            install.frameworks.push(InstalledFramework {
                name: name.clone(),
                version,
                has_deps_json,
                config,
            });
        }
    }
    install
}

/// The architecture of an executable or library, from its header (PE, ELF or Mach-O), in the
/// host's spelling (`x64`, `x86`, `arm64`, `arm`).
pub fn binary_arch(path: &Path) -> Option<String> {
    let data = std::fs::read(path).ok()?;
    arch_of_bytes(&data)
}

/// The architecture named in an executable header.
pub fn arch_of_bytes(data: &[u8]) -> Option<String> {
    use object::{Architecture, Object};
    let file = object::File::parse(data).ok()?;
    let name = match file.architecture() {
        Architecture::X86_64 => "x64",
        Architecture::I386 => "x86",
        Architecture::Aarch64 => "arm64",
        Architecture::Arm => "arm",
        Architecture::Riscv64 => "riscv64",
        Architecture::LoongArch64 => "loongarch64",
        _ => return None,
    };
    Some(name.to_string())
}

/// The architecture of the machine in the host's spelling.
pub fn host_arch_name(rust_arch: &str) -> &str {
    match rust_arch {
        "x86_64" => "x64",
        "x86" => "x86",
        "aarch64" => "arm64",
        "arm" => "arm",
        other => other,
    }
}

/// Probes this machine: every candidate root, the host-relevant environment, registered
/// locations and ICU libraries. `host` supplies the PATHs already read (machine and user PATH on
/// Windows, the process PATH everywhere) and the folder variables; `registered` the registered
/// install locations (registry on Windows, [`read_etc_install_locations`] elsewhere).
pub fn probe(host: &HostFacts, registered: BTreeMap<String, String>) -> DotnetFacts {
    let mut facts = DotnetFacts {
        registered,
        defaults: default_locations(host),
        ..DotnetFacts::default()
    };
    for (k, v) in std::env::vars_os() {
        let (Some(k), Some(v)) = (k.to_str(), v.to_str()) else {
            continue;
        };
        if k.to_ascii_uppercase().starts_with("DOTNET_")
            || k.to_ascii_uppercase().starts_with("COREHOST_")
        {
            facts.env.insert(k.to_string(), v.to_string());
        }
    }
    let windows = host.os == "windows";
    // An IIS worker searches the machine PATH (ancm-reference.md §7.3); the user PATH and this
    // process's PATH are scanned too, so a report can say "only on the user PATH".
    if windows && host.machine_path.is_some() {
        facts.worker_path = Some(PathScope::Machine);
    }
    let mut paths: Vec<(PathScope, &[String])> = Vec::new();
    if let Some(p) = &host.machine_path {
        paths.push((PathScope::Machine, p));
    }
    if let Some(p) = &host.user_path {
        paths.push((PathScope::User, p));
    }
    paths.push((PathScope::Process, &host.process_path));
    let mut candidates: Vec<(PathBuf, RootSource)> = Vec::new();
    for (scope, path) in paths {
        for (index, entry) in path.iter().enumerate() {
            let dir = entry.trim().trim_matches('"');
            if dir.is_empty() {
                continue;
            }
            let muxer = Path::new(dir).join(muxer_name());
            if muxer.is_file() {
                // The muxer finds its root from its own resolved path (a /usr/bin/dotnet symlink
                // means /usr/share/dotnet). On Windows keep the folder as written: canonical
                // paths there are `\\?\` paths that compare badly with PATH and registry text.
                let real = if windows {
                    muxer
                } else {
                    std::fs::canonicalize(&muxer).unwrap_or(muxer)
                };
                if let Some(root) = real.parent() {
                    candidates.push((
                        root.to_path_buf(),
                        RootSource::PathEntry {
                            index,
                            entry: entry.clone(),
                            scope,
                        },
                    ));
                }
            }
        }
    }
    for (k, v) in &facts.env {
        let upper = k.to_ascii_uppercase();
        if upper == "DOTNET_ROOT"
            || upper.starts_with("DOTNET_ROOT_")
            || upper == "DOTNET_ROOT(X86)"
        {
            candidates.push((
                PathBuf::from(v),
                RootSource::Environment {
                    variable: k.clone(),
                },
            ));
        }
    }
    for (arch, root) in &facts.registered {
        candidates.push((
            PathBuf::from(root),
            RootSource::Registered { arch: arch.clone() },
        ));
    }
    let mut defaults: Vec<String> = facts.defaults.values().cloned().collect();
    if !windows {
        // Not built-in defaults, but where distro packages and installers put .NET.
        defaults.extend([
            "/usr/lib/dotnet".to_string(),
            "/usr/local/share/dotnet".into(),
        ]);
    }
    for d in defaults {
        if Path::new(&d).is_dir() {
            candidates.push((PathBuf::from(d), RootSource::Default));
        }
    }
    if cfg!(target_os = "linux") {
        facts.icu_libraries = Some(probe_icu());
    }
    for (root, source) in candidates {
        let key = root.display().to_string();
        if let Some(existing) = facts
            .installs
            .iter_mut()
            .find(|i| same_path(&i.root, &key, &host.os))
        {
            if !existing.sources.contains(&source) {
                existing.sources.push(source);
            }
            continue;
        }
        let mut install = probe_root(&root);
        install.sources.push(source);
        facts.installs.push(install);
    }
    facts
}

/// Reads the dotnet root `processPath` names, when the facts do not hold it yet, so a muxer in a
/// folder on no PATH and in no registry (`C:\dotnet\dotnet.exe`) is judged on what is there
/// instead of being "not installed". Only for facts of this machine: a snapshot of another one
/// cannot be completed here.
pub fn add_process_path_root(facts: &mut DotnetFacts, root: &str, os: &str) {
    if let Some(existing) = facts
        .installs
        .iter_mut()
        .find(|i| same_path(&i.root, root, os))
    {
        if !existing.sources.contains(&RootSource::ProcessPath) {
            existing.sources.push(RootSource::ProcessPath);
        }
        return;
    }
    let mut install = probe_root(Path::new(root));
    install.sources.push(RootSource::ProcessPath);
    facts.installs.push(install);
}

/// The default install folder of each architecture (hostfxr.md §4.1 step 5), from the folder
/// variables the probe recorded (Windows) or the fixed Unix defaults.
pub fn default_locations(host: &HostFacts) -> BTreeMap<String, String> {
    let native = host_arch_name(&host.arch).to_string();
    let mut out = BTreeMap::new();
    match host.os.as_str() {
        "windows" => {
            let var = |name: &str| {
                host.path_variables
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim_end_matches('\\').to_string())
                    .filter(|v| !v.is_empty())
            };
            // A 64-bit process sees `ProgramFiles` = `ProgramW6432`; a 32-bit one sees the
            // (x86) folder there, so prefer `ProgramW6432` for the native root.
            let native_pf = var("ProgramW6432").or_else(|| var("ProgramFiles"));
            let x86_pf = var("ProgramFiles(x86)");
            if let Some(pf) = &native_pf {
                out.insert(native.clone(), format!(r"{pf}\dotnet"));
                if native == "arm64" {
                    // x64 emulated on Arm64 Windows has its own folder (hostfxr.md §4.1).
                    out.insert("x64".into(), format!(r"{pf}\dotnet\x64"));
                }
            }
            if let (Some(pf), "x64" | "arm64") = (&x86_pf, native.as_str()) {
                out.insert("x86".into(), format!(r"{pf}\dotnet"));
            }
        }
        "macos" => {
            out.insert(native, "/usr/local/share/dotnet".into());
            out.insert("x64".into(), "/usr/local/share/dotnet/x64".into());
        }
        _ => {
            out.insert(native, "/usr/share/dotnet".into());
        }
    }
    out
}

/// The registered install locations on Linux/macOS: the first line of
/// `/etc/dotnet/install_location_<arch>`, and of the legacy `/etc/dotnet/install_location`
/// under `""` (hostfxr.md §4.1 step 4).
pub fn read_etc_install_locations() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir("/etc/dotnet") else {
        return out;
    };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let arch = if name == "install_location" {
            String::new()
        } else if let Some(a) = name.strip_prefix("install_location_") {
            a.to_string()
        } else {
            continue;
        };
        // The host reads the first line only.
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        if let Some(first) = text.lines().next().map(str::trim).filter(|l| !l.is_empty()) {
            out.insert(arch, first.to_string());
        }
    }
    out
}

/// The folders a Linux loader usually finds libicu in.
const ICU_DIRS: &[&str] = &[
    "/usr/lib",
    "/usr/lib64",
    "/lib",
    "/lib64",
    "/usr/local/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib/arm-linux-gnueabihf",
];

fn probe_icu() -> Vec<String> {
    let mut found = Vec::new();
    for dir in ICU_DIRS {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        // A library folder holds thousands of entries: compare the name's bytes, building a
        // string only for a match.
        for e in rd.filter_map(Result::ok) {
            if e.file_name()
                .as_encoded_bytes()
                .starts_with(b"libicuuc.so.")
            {
                found.push(e.path().display().to_string());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

pub fn same_path(a: &str, b: &str, os: &str) -> bool {
    let trim = |s: &str| s.trim_end_matches(['/', '\\']).to_string();
    if os == "windows" {
        trim(a).eq_ignore_ascii_case(&trim(b))
    } else {
        trim(a) == trim(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_a_real_folder_layout() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("host/fxr/8.0.1")).unwrap();
        let asp = root.join("shared/Microsoft.AspNetCore.App/8.0.1");
        std::fs::create_dir_all(&asp).unwrap();
        std::fs::write(asp.join("Microsoft.AspNetCore.App.deps.json"), "{}").unwrap();
        std::fs::write(
            asp.join("Microsoft.AspNetCore.App.runtimeconfig.json"),
            r#"{"runtimeOptions":{"framework":{"name":"Microsoft.NETCore.App","version":"8.0.1"}}}"#,
        )
        .unwrap();
        std::fs::create_dir_all(root.join("shared/Microsoft.NETCore.App/8.0.1")).unwrap();
        let bad = root.join("shared/Microsoft.AspNetCore.App/8.0.2");
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join("Microsoft.AspNetCore.App.runtimeconfig.json"), "{").unwrap();
        let i = probe_root(root);
        assert_eq!(i.hostfxr_versions, ["8.0.1"]);
        assert_eq!(i.frameworks.len(), 3);
        let a = &i.frameworks[0];
        assert!(a.has_deps_json);
        let FrameworkConfig::Parsed { config } = &a.config else {
            panic!("{:?}", a.config)
        };
        assert_eq!(config.frameworks[0].name, "Microsoft.NETCore.App");
        assert!(matches!(
            i.frameworks[1].config,
            FrameworkConfig::Invalid { .. }
        ));
        assert!(matches!(i.frameworks[2].config, FrameworkConfig::Absent));
        assert!(!i.frameworks[2].has_deps_json);
    }

    #[test]
    fn facts_survive_a_snapshot_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let asp = tmp.path().join("shared/Microsoft.AspNetCore.App/8.0.1");
        std::fs::create_dir_all(&asp).unwrap();
        std::fs::write(
            asp.join("Microsoft.AspNetCore.App.runtimeconfig.json"),
            r#"{"runtimeOptions":{"framework":{"name":"Microsoft.NETCore.App","version":"8.0.1"}}}"#,
        )
        .unwrap();
        let mut install = probe_root(tmp.path());
        install.sources = vec![
            RootSource::PathEntry {
                index: 2,
                entry: "/x".into(),
                scope: PathScope::Process,
            },
            RootSource::Registered { arch: "x64".into() },
        ];
        let facts = DotnetFacts {
            env: [("DOTNET_ROOT".to_string(), "/x".to_string())].into(),
            installs: vec![install],
            registered: [("x64".to_string(), "/x".to_string())].into(),
            icu_libraries: Some(vec![]),
            worker_path: Some(PathScope::Machine),
            defaults: [("x64".to_string(), "/usr/share/dotnet".to_string())].into(),
        };
        let json = serde_json::to_string(&facts).unwrap();
        let back: DotnetFacts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, facts);
        // An older snapshot without the section still loads.
        let old: crate::host::HostFacts =
            serde_json::from_str(r#"{"schema":"ancm-host/1","os":"windows","arch":"x86_64"}"#)
                .unwrap();
        assert!(old.dotnet.installs.is_empty());
    }

    #[test]
    fn reads_the_architecture_of_a_real_binary() {
        // The test binary itself is a native executable of the build target.
        let exe = std::env::current_exe().unwrap();
        let expected = host_arch_name(std::env::consts::ARCH);
        assert_eq!(binary_arch(&exe).as_deref(), Some(expected));
        assert_eq!(arch_of_bytes(b"not a binary"), None);
    }
}
