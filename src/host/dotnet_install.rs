//! Where .NET is installed on this machine and what each install holds (hostfxr.md §4,
//! ancm-reference.md §7): every candidate dotnet root (PATH entries with a `dotnet` muxer,
//! `DOTNET_ROOT*`, `/etc/dotnet/install_location*`, default folders), with the muxer's
//! architecture, `host/fxr/<version>`, `shared/<name>/<version>` and each framework folder's own
//! runtimeconfig references; plus which root a given launch will really use, and why.
//!
//! Probing (`probe*`) reads the disk; choosing a root (`choose_root`) is pure over the facts.
//! Framework resolution itself lives in `fx`, which gets a [`Hive`] from here.
use super::facts::{HostFacts, PathScope};
use crate::fx::{FxConfig, FxVersion, Hive, InstalledVersion};
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

impl DotnetInstall {
    /// The highest valid `host/fxr` version: the hostfxr the launch will load.
    pub fn hostfxr_version(&self) -> Option<FxVersion> {
        self.hostfxr_versions
            .iter()
            .filter_map(|v| FxVersion::parse(v).ok())
            .max()
    }

    /// The frameworks of this root as resolution input.
    pub fn hive(&self) -> Hive {
        let mut h = Hive {
            root: self.root.clone(),
            ..Hive::default()
        };
        for f in &self.frameworks {
            h.frameworks
                .entry(f.name.clone())
                .or_default()
                .push(InstalledVersion {
                    dir_name: f.version.clone(),
                    config: match &f.config {
                        FrameworkConfig::Absent => Ok(None),
                        FrameworkConfig::Parsed { config } => Ok(Some(config.clone())),
                        FrameworkConfig::Invalid { error } => Err(error.clone()),
                    },
                });
        }
        h
    }

    /// The frameworks of this root as a host that skips folders without `<name>.deps.json`
    /// sees them.
    pub fn hive_of_valid_frameworks(&self) -> Hive {
        let valid = DotnetInstall {
            frameworks: self
                .frameworks
                .iter()
                .filter(|f| f.has_deps_json)
                .cloned()
                .collect(),
            ..self.clone()
        };
        valid.hive()
    }

    /// Whether `shared/<name>/<version>` lacks its `<name>.deps.json`.
    pub fn lacks_deps_json(&self, name: &str, version: &str) -> bool {
        self.frameworks
            .iter()
            .any(|f| f.name == name && f.version == version && !f.has_deps_json)
    }

    /// Valid version folders of one framework, ordered.
    pub fn versions_of(&self, name: &str) -> Vec<FxVersion> {
        let mut v: Vec<FxVersion> = self
            .frameworks
            .iter()
            .filter(|f| f.name == name)
            .filter_map(|f| FxVersion::parse(&f.version).ok())
            .collect();
        v.sort();
        v
    }
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
        for e in rd.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("libicuuc.so.") {
                found.push(e.path().display().to_string());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

// ---------------------------------------------------------------------------------------------
// Which root a launch uses (pure)

/// How the app is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// `processPath` is `dotnet`/`dotnet.exe` without a folder, out-of-process: the first
    /// `dotnet` on the worker's PATH (CreateProcess search, ancm-reference.md §7.3).
    MuxerOnPath,
    /// The same, in-process: ANCM runs `where.exe dotnet.exe`, skips results whose bitness
    /// differs from the worker (`arch`), then tries the registered location and Program Files
    /// (ancm-reference.md §7.2 c–e).
    MuxerOnPathInProcess { arch: String },
    /// `processPath` names a muxer in a folder (absolute, or already joined to the app folder).
    MuxerAt { root: String },
    /// A framework-dependent apphost of `arch`: DOTNET_ROOT*, registered location, default.
    AppHost { arch: String },
}

/// The root a launch will use, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RootChoice<'a> {
    pub install: Option<&'a DotnetInstall>,
    /// The root path (also when it was not probed or does not exist).
    pub root: Option<String>,
    pub why: String,
}

/// Chooses the root as the launcher does (hostfxr.md §4.1, §4.5, ancm-reference.md §7): one
/// root, no fallback. `env` is the environment the app will see (machine + web.config).
///
/// A `dotnet` on PATH means the worker's PATH ([`DotnetFacts::worker_path`]): on Windows the
/// machine PATH. A pool that loads a user profile also sees its identity's user PATH, which no
/// probe can read; the reasons given say so when it matters.
pub fn choose_root<'a>(
    facts: &'a DotnetFacts,
    os: &str,
    launch: &Launch,
    env: &BTreeMap<String, String>,
) -> RootChoice<'a> {
    let find = |root: &str| facts.installs.iter().find(|i| same_path(&i.root, root, os));
    let scope = facts.worker_path.unwrap_or_default();
    let path_name = scope.describe();
    // The first muxer on the worker's PATH, optionally of one architecture only.
    let on_worker_path = |arch: Option<&str>| {
        facts
            .installs
            .iter()
            .filter(|i| match (arch, i.muxer_arch.as_deref()) {
                (Some(want), Some(got)) => want == got,
                _ => true,
            })
            .filter_map(|i| {
                i.sources.iter().find_map(|s| match s {
                    RootSource::PathEntry {
                        index,
                        entry,
                        scope: s,
                    } if *s == scope => Some((*index, entry, i)),
                    _ => None,
                })
            })
            .min_by_key(|(index, _, _)| *index)
    };
    // Said when the worker's PATH has no `dotnet` but another PATH does.
    let elsewhere = || -> String {
        let other = facts.installs.iter().find_map(|i| {
            i.sources.iter().find_map(|s| match s {
                RootSource::PathEntry {
                    entry, scope: s, ..
                } if *s != scope => Some((entry, *s)),
                _ => None,
            })
        });
        match other {
            Some((entry, s)) => format!(
                " (`{entry}` on {} has one, but the IIS worker does not search that PATH unless the pool loads the profile of the user who has it)",
                s.describe()
            ),
            None => String::new(),
        }
    };
    let default_of = |arch: &str| -> String {
        if let Some(d) = facts.defaults.get(arch) {
            return d.clone();
        }
        match os {
            "windows" if arch == "x86" => r"C:\Program Files (x86)\dotnet".into(),
            "windows" => r"C:\Program Files\dotnet".into(),
            "macos" => "/usr/local/share/dotnet".into(),
            _ => "/usr/share/dotnet".into(),
        }
    };
    let profile_note = if scope == PathScope::Machine {
        " (a pool that loads its user profile also searches its identity's user PATH, which cannot be read here)"
    } else {
        ""
    };
    match launch {
        Launch::MuxerOnPath => match on_worker_path(None) {
            Some((index, entry, i)) => RootChoice {
                install: Some(i),
                root: Some(i.root.clone()),
                why: format!(
                    "`dotnet` is found on {path_name} in `{entry}` (entry {}){profile_note}",
                    index + 1
                ),
            },
            None => RootChoice {
                install: None,
                root: None,
                why: format!(
                    "no `dotnet` on {path_name} the app's launcher searches{}{profile_note}",
                    elsewhere()
                ),
            },
        },
        Launch::MuxerOnPathInProcess { arch } => {
            // ancm-reference.md §7.2 / hostfxr.md §4.5: `where.exe dotnet.exe` in the worker,
            // entries of another bitness skipped, then the registered location of the worker's
            // architecture, then Program Files.
            if let Some((index, entry, i)) = on_worker_path(Some(arch)) {
                return RootChoice {
                    install: Some(i),
                    root: Some(i.root.clone()),
                    why: format!(
                        "`dotnet` ({arch}) is found on {path_name} in `{entry}` (entry {}) by ANCM's `where.exe` search{profile_note}",
                        index + 1
                    ),
                };
            }
            if let Some(root) = facts.registered.get(arch.as_str()) {
                return RootChoice {
                    install: find(root),
                    root: Some(root.clone()),
                    why: format!(
                        "no {arch} `dotnet` on {path_name}{}; ANCM uses the registered install location (`HKLM\\SOFTWARE\\dotnet\\Setup\\InstalledVersions\\{arch}` `InstallLocation`)",
                        elsewhere()
                    ),
                };
            }
            let default = default_of(arch);
            RootChoice {
                install: find(&default),
                root: Some(default),
                why: format!(
                    "no {arch} `dotnet` on {path_name}{} and none registered; ANCM falls back to the default folder",
                    elsewhere()
                ),
            }
        }
        Launch::MuxerAt { root } => RootChoice {
            install: find(root),
            root: Some(root.clone()),
            why: format!("`processPath` names the muxer in `{root}`"),
        },
        Launch::AppHost { arch } => {
            let get = |name: &str| {
                env.iter()
                    .find(|(k, _)| {
                        if os == "windows" {
                            k.eq_ignore_ascii_case(name)
                        } else {
                            k.as_str() == name
                        }
                    })
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_empty())
            };
            let arch_var = format!("DOTNET_ROOT_{}", arch.to_ascii_uppercase());
            for var in [arch_var.as_str(), "DOTNET_ROOT"] {
                if let Some(root) = get(var) {
                    return RootChoice {
                        install: find(&root),
                        why: format!("the apphost uses `{var}`"),
                        root: Some(root),
                    };
                }
            }
            let registered = facts.registered.get(arch.as_str()).or_else(|| {
                // The legacy file counts only for the machine's own architecture.
                facts.registered.get("")
            });
            if let Some(root) = registered {
                return RootChoice {
                    install: find(root),
                    root: Some(root.clone()),
                    why: "the apphost uses the registered install location".into(),
                };
            }
            let default = default_of(arch);
            RootChoice {
                install: find(&default),
                root: Some(default),
                why: "the apphost falls back to the default install location".into(),
            }
        }
    }
}

fn same_path(a: &str, b: &str, os: &str) -> bool {
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

    fn install(root: &str, sources: Vec<RootSource>) -> DotnetInstall {
        DotnetInstall {
            root: root.into(),
            sources,
            exists: true,
            ..DotnetInstall::default()
        }
    }

    #[test]
    fn muxer_on_path_takes_the_first_entry() {
        let facts = DotnetFacts {
            installs: vec![
                install(
                    "/opt/b",
                    vec![RootSource::PathEntry {
                        index: 3,
                        entry: "/opt/b".into(),
                        scope: PathScope::Process,
                    }],
                ),
                install(
                    "/opt/a",
                    vec![RootSource::PathEntry {
                        index: 1,
                        entry: "/usr/bin".into(),
                        scope: PathScope::Process,
                    }],
                ),
            ],
            ..DotnetFacts::default()
        };
        let c = choose_root(&facts, "linux", &Launch::MuxerOnPath, &BTreeMap::new());
        assert_eq!(c.root.as_deref(), Some("/opt/a"));
        assert!(c.why.contains("/usr/bin"), "{}", c.why);
    }

    #[test]
    fn in_process_skips_other_bitness_then_falls_back() {
        let mut x86 = install(
            r"C:\Program Files (x86)\dotnet",
            vec![RootSource::PathEntry {
                index: 0,
                entry: r"C:\Program Files (x86)\dotnet\".into(),
                scope: PathScope::Process,
            }],
        );
        x86.muxer_arch = Some("x86".into());
        let mut x64 = install(
            r"C:\Program Files\dotnet",
            vec![RootSource::PathEntry {
                index: 2,
                entry: r"C:\Program Files\dotnet\".into(),
                scope: PathScope::Process,
            }],
        );
        x64.muxer_arch = Some("x64".into());
        let facts = DotnetFacts {
            installs: vec![x86, x64.clone()],
            ..DotnetFacts::default()
        };
        let env = BTreeMap::new();
        // Out-of-process takes the first dotnet, whatever its bitness.
        let oop = choose_root(&facts, "windows", &Launch::MuxerOnPath, &env);
        assert_eq!(oop.root.as_deref(), Some(r"C:\Program Files (x86)\dotnet"));
        // In-process skips the x86 one.
        let ip = choose_root(
            &facts,
            "windows",
            &Launch::MuxerOnPathInProcess { arch: "x64".into() },
            &env,
        );
        assert_eq!(ip.root.as_deref(), Some(r"C:\Program Files\dotnet"));
        // Not on PATH at all: the default folder (probed as an install).
        x64.sources = vec![RootSource::Default];
        let facts = DotnetFacts {
            installs: vec![x64],
            ..DotnetFacts::default()
        };
        let ip = choose_root(
            &facts,
            "windows",
            &Launch::MuxerOnPathInProcess { arch: "x64".into() },
            &env,
        );
        assert!(
            ip.install.is_some() && ip.why.contains("default"),
            "{}",
            ip.why
        );
    }

    #[test]
    fn apphost_prefers_arch_variable_then_dotnet_root_then_registered_then_default() {
        let facts = DotnetFacts {
            registered: [("x64".to_string(), "/reg".to_string())].into(),
            ..DotnetFacts::default()
        };
        let launch = Launch::AppHost { arch: "x64".into() };
        let mut env = BTreeMap::new();
        assert_eq!(
            choose_root(&facts, "linux", &launch, &env).root.as_deref(),
            Some("/reg")
        );
        env.insert("DOTNET_ROOT".to_string(), "/dr".to_string());
        assert_eq!(
            choose_root(&facts, "linux", &launch, &env).root.as_deref(),
            Some("/dr")
        );
        env.insert("DOTNET_ROOT_X64".to_string(), "/dr64".to_string());
        assert_eq!(
            choose_root(&facts, "linux", &launch, &env).root.as_deref(),
            Some("/dr64")
        );
        let none = DotnetFacts::default();
        assert_eq!(
            choose_root(&none, "windows", &launch, &BTreeMap::new())
                .root
                .as_deref(),
            Some(r"C:\Program Files\dotnet")
        );
        assert_eq!(
            choose_root(&none, "linux", &launch, &BTreeMap::new())
                .root
                .as_deref(),
            Some("/usr/share/dotnet")
        );
    }

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
        assert_eq!(i.hostfxr_version().unwrap().to_string(), "8.0.1");
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
        let hive = i.hive();
        assert_eq!(hive.frameworks["Microsoft.AspNetCore.App"].len(), 2);
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

#[cfg(test)]
mod worker_path_tests {
    //! The root an IIS worker uses on Windows: machine PATH, never the probing user's PATH,
    //! then the registered location, then the default folder — for both bitnesses.
    use super::*;

    const PF: &str = r"C:\Program Files\dotnet";
    const PF86: &str = r"C:\Program Files (x86)\dotnet";

    fn on_path(root: &str, arch: &str, scope: PathScope, index: usize) -> DotnetInstall {
        DotnetInstall {
            root: root.into(),
            exists: true,
            muxer_arch: Some(arch.into()),
            sources: vec![RootSource::PathEntry {
                index,
                entry: root.into(),
                scope,
            }],
            ..DotnetInstall::default()
        }
    }

    fn windows_facts(installs: Vec<DotnetInstall>) -> DotnetFacts {
        let host = HostFacts {
            os: "windows".into(),
            arch: "x86_64".into(),
            path_variables: [
                ("ProgramFiles".to_string(), r"C:\Program Files".to_string()),
                (
                    "ProgramFiles(x86)".to_string(),
                    r"C:\Program Files (x86)".to_string(),
                ),
            ]
            .into(),
            ..HostFacts::default()
        };
        DotnetFacts {
            installs,
            worker_path: Some(PathScope::Machine),
            defaults: default_locations(&host),
            ..DotnetFacts::default()
        }
    }

    fn in_process(arch: &str) -> Launch {
        Launch::MuxerOnPathInProcess { arch: arch.into() }
    }

    #[test]
    fn windows_defaults_follow_the_program_files_variables() {
        let f = windows_facts(vec![]);
        assert_eq!(f.defaults["x64"], PF);
        assert_eq!(f.defaults["x86"], PF86);
    }

    #[test]
    fn the_worker_searches_the_machine_path_not_the_users() {
        let env = BTreeMap::new();
        let facts = windows_facts(vec![
            on_path(r"C:\userdotnet", "x64", PathScope::User, 0),
            on_path(r"C:\machine\dotnet", "x64", PathScope::Machine, 3),
        ]);
        for launch in [Launch::MuxerOnPath, in_process("x64")] {
            let c = choose_root(&facts, "windows", &launch, &env);
            assert_eq!(c.root.as_deref(), Some(r"C:\machine\dotnet"), "{launch:?}");
            assert!(c.why.contains("machine PATH"), "{}", c.why);
            assert!(c.why.contains("user PATH"), "profile caveat: {}", c.why);
        }
    }

    #[test]
    fn only_on_the_user_path_is_no_dotnet_for_the_worker() {
        let env = BTreeMap::new();
        let facts = windows_facts(vec![on_path(r"C:\userdotnet", "x64", PathScope::User, 0)]);
        let c = choose_root(&facts, "windows", &Launch::MuxerOnPath, &env);
        assert_eq!(c.root, None);
        assert!(
            c.why.contains("no `dotnet` on the machine PATH") && c.why.contains(r"C:\userdotnet"),
            "{}",
            c.why
        );
        // In-process ANCM goes on to the default folder (nothing registered).
        let c = choose_root(&facts, "windows", &in_process("x64"), &env);
        assert_eq!(c.root.as_deref(), Some(PF));
        assert!(c.why.contains("default"), "{}", c.why);
    }

    #[test]
    fn in_process_uses_the_registered_location_of_the_workers_bitness() {
        let env = BTreeMap::new();
        let mut facts = windows_facts(vec![on_path(PF86, "x86", PathScope::Machine, 0)]);
        facts.registered = [
            ("x64".to_string(), r"D:\dotnet64".to_string()),
            ("x86".to_string(), r"D:\dotnet32".to_string()),
        ]
        .into();
        // 64-bit worker: the x86 muxer on PATH is skipped, the x64 registration wins.
        let c = choose_root(&facts, "windows", &in_process("x64"), &env);
        assert_eq!(c.root.as_deref(), Some(r"D:\dotnet64"));
        assert!(c.why.contains("InstalledVersions\\x64"), "{}", c.why);
        // 32-bit worker: the x86 muxer on the machine PATH.
        let c = choose_root(&facts, "windows", &in_process("x86"), &env);
        assert_eq!(c.root.as_deref(), Some(PF86));
        // Out-of-process takes the first muxer whatever its bitness.
        let c = choose_root(&facts, "windows", &Launch::MuxerOnPath, &env);
        assert_eq!(c.root.as_deref(), Some(PF86));
    }

    #[test]
    fn nothing_on_path_nor_registered_falls_back_to_each_bitness_default() {
        let env = BTreeMap::new();
        let mut x86 = on_path(PF86, "x86", PathScope::Machine, 0);
        x86.sources = vec![RootSource::Default];
        let facts = windows_facts(vec![x86]);
        let c = choose_root(&facts, "windows", &in_process("x86"), &env);
        assert_eq!(c.root.as_deref(), Some(PF86));
        assert!(c.install.is_some());
        let c = choose_root(&facts, "windows", &in_process("x64"), &env);
        assert_eq!(c.root.as_deref(), Some(PF));
        assert!(c.install.is_none(), "x64 default not installed");
        let c = choose_root(
            &facts,
            "windows",
            &Launch::AppHost { arch: "x86".into() },
            &env,
        );
        assert_eq!(c.root.as_deref(), Some(PF86));
    }

    #[test]
    fn old_snapshots_without_scopes_use_the_process_path() {
        let facts: DotnetFacts = serde_json::from_str(
            r#"{"installs":[{"root":"C:\\d","exists":true,"sources":[{"kind":"path_entry","index":0,"entry":"C:\\d"}]}]}"#,
        )
        .unwrap();
        assert_eq!(facts.worker_path, None);
        let c = choose_root(&facts, "windows", &Launch::MuxerOnPath, &BTreeMap::new());
        assert_eq!(c.root.as_deref(), Some(r"C:\d"));
    }
}
