//! What kind of app the folder holds — portable `.dll`, framework-dependent apphost,
//! self-contained, single-file bundle, .NET Framework — and its key files (hostfxr.md §1, §7).
//!
//! Reads one listing of the app folder (no recursion, no per-file `stat`), then only the few files
//! that matter: the chosen `runtimeconfig.json`, the headers of the app's `.dll` / apphost /
//! `hostfxr`, the apphost's bundle marker, and the paths web.config names. A 5,000-file publish
//! folder costs about as much as listing it. Knows nothing about checks.
use super::binary::{self, BinaryInfo, BundleMarker};
use super::runtime_config::{self, RuntimeConfig, RuntimeConfigError};
use super::runtime_files::RuntimeFiles;
use super::web_config::WebConfig;
use crate::contract::command_line::{self as launch};
use crate::contract::{AppFolder, LaunchTarget, PathState, Program};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppKind {
    /// `App.dll` + runtimeconfig with `framework(s)`, started by `dotnet App.dll`.
    Portable,
    /// Framework-dependent with an apphost (`App.exe` next to `App.dll`).
    FrameworkDependentApphost,
    /// Carries its own runtime: `includedFrameworks`, or hostfxr/hostpolicy/coreclr in the folder.
    SelfContained,
    /// One apphost with the app bundled in (bundle marker with a non-zero header offset).
    SingleFileBundle,
    /// A .NET Framework exe (CLR header, no runtimeconfig): out-of-process only.
    NetFramework,
    #[default]
    Unknown,
}

impl AppKind {
    pub fn describe(self) -> &'static str {
        match self {
            AppKind::Portable => "portable (framework-dependent) app",
            AppKind::FrameworkDependentApphost => "framework-dependent app with an apphost",
            AppKind::SelfContained => "self-contained app",
            AppKind::SingleFileBundle => "single-file bundle",
            AppKind::NetFramework => ".NET Framework app",
            AppKind::Unknown => "app of unknown kind",
        }
    }
}

/// A runtimeconfig.json that was found: parsed, or the error.
#[derive(Debug)]
pub enum Loaded<T, E> {
    Parsed { path: PathBuf, value: T },
    Invalid { path: PathBuf, error: E },
}

impl<T, E> Loaded<T, E> {
    pub fn parsed(&self) -> Option<&T> {
        match self {
            Loaded::Parsed { value, .. } => Some(value),
            Loaded::Invalid { .. } => None,
        }
    }
    pub fn path(&self) -> &Path {
        match self {
            Loaded::Parsed { path, .. } | Loaded::Invalid { path, .. } => path,
        }
    }
}

/// One file of the app whose header was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFile {
    /// The name as it is on disk.
    pub name: String,
    pub path: PathBuf,
    /// Header facts, or why they could not be read (a text placeholder, a truncated file …).
    pub binary: Result<BinaryInfo, String>,
    /// For executables: the single-file bundle marker search.
    pub bundle: Option<BundleMarker>,
}

impl AppFile {
    pub fn info(&self) -> Option<&BinaryInfo> {
        self.binary.as_ref().ok()
    }
    pub fn is_bundle(&self) -> bool {
        matches!(self.bundle, Some(BundleMarker::Bundle { .. }))
    }
}

/// One entry of the app folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
}

/// The top-level listing, looked up case-insensitively (IIS serves from case-insensitive file
/// systems; a folder copied to Linux keeps its Windows casing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileIndex {
    by_lower: BTreeMap<String, Entry>,
}

impl FileIndex {
    /// The one listing of the app folder everything else is answered from; an unreadable
    /// folder is empty here ([`FileIndex::try_read`] reports the error).
    pub fn read(dir: &Path) -> FileIndex {
        Self::try_read(dir).unwrap_or_default()
    }

    /// Lists `dir` once. Where a case-sensitive file system holds names that differ only in case
    /// (`Web.config` and `web.config`), the all-lowercase spelling wins, else the smallest: IIS
    /// would see one file, and the choice does not depend on the listing's order.
    pub fn try_read(dir: &Path) -> std::io::Result<FileIndex> {
        let mut listed: Vec<(String, Entry)> = Vec::new();
        for e in std::fs::read_dir(dir)?.flatten() {
            let name = e
                .file_name()
                .into_string()
                .unwrap_or_else(|raw| raw.to_string_lossy().into_owned());
            // `file_type` comes with the listing on Linux and Windows: no extra stat.
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            listed.push((super::deps_json::lowercase(&name), Entry { name, is_dir }));
        }
        // Sorted by key, the preferred spelling first within a key (the all-lowercase one, then
        // the smallest), so the first of each key wins and the map is built from sorted input.
        listed.sort_unstable_by(|(ka, a), (kb, b)| {
            ka.cmp(kb)
                .then_with(|| (a.name != *ka).cmp(&(b.name != *kb)))
                .then_with(|| a.name.cmp(&b.name))
        });
        listed.dedup_by(|later, first| later.0 == first.0);
        Ok(FileIndex {
            by_lower: listed.into_iter().collect(),
        })
    }

    /// An index from names, for tests (`name/` marks a folder).
    pub fn from_names(names: &[&str]) -> FileIndex {
        let by_lower = names
            .iter()
            .map(|n| {
                let is_dir = n.ends_with('/');
                let name = n.trim_end_matches('/').to_string();
                (name.to_lowercase(), Entry { name, is_dir })
            })
            .collect();
        FileIndex { by_lower }
    }

    /// Adds a top-level folder to the listing: `ancm fix` asks the checks what they would
    /// say once it has created one (the disk is not touched).
    pub fn add_folder(&mut self, name: &str) {
        self.by_lower.insert(
            name.to_lowercase(),
            Entry {
                name: name.to_string(),
                is_dir: true,
            },
        );
    }

    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.by_lower.get(&name.to_lowercase())
    }

    /// A file (not a folder) of that name, case-insensitively.
    pub fn file(&self, name: &str) -> Option<&Entry> {
        self.get(name).filter(|e| !e.is_dir)
    }

    pub fn len(&self) -> usize {
        self.by_lower.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_lower.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.by_lower.values()
    }

    /// The entries with their lowercase names (the keys lookups use).
    pub fn keyed(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.by_lower.iter().map(|(k, e)| (k.as_str(), e))
    }
}

/// Runtime files whose presence next to the app makes it self-contained (hostfxr.md §7).
pub const SELF_CONTAINED_MARKERS: &[&str] = &[
    "hostfxr.dll",
    "libhostfxr.so",
    "libhostfxr.dylib",
    "hostpolicy.dll",
    "libhostpolicy.so",
    "libhostpolicy.dylib",
    "coreclr.dll",
    "libcoreclr.so",
    "libcoreclr.dylib",
    "System.Private.CoreLib.dll",
];

#[derive(Debug, Default)]
pub struct AppLayout {
    /// The app's name (`HelloWorld` for `HelloWorld.dll`), when it can be told.
    pub app_name: Option<String>,
    pub kind: AppKind,
    pub runtime_config: Option<Loaded<RuntimeConfig, RuntimeConfigError>>,
    /// Every `*.runtimeconfig.json` at the top level (names on disk), sorted.
    pub runtime_configs: Vec<String>,
    /// `<App>.dll`, with its header.
    pub main_dll: Option<AppFile>,
    /// `<App>.exe` (or an extension-less `<App>`), with its header and bundle marker.
    pub apphost: Option<AppFile>,
    /// The file `processPath` names in the app folder, when it is one (often the apphost).
    pub process_target: Option<AppFile>,
    /// `hostfxr.dll` (or `libhostfxr.*`) in the app folder, with its header.
    pub hostfxr: Option<AppFile>,
    /// `<App>.deps.json`, when present (name on disk).
    pub deps_json: Option<String>,
    /// `<App>.exe.config` (a .NET Framework app's config), when present.
    pub exe_config: Option<String>,
    /// Which of [`SELF_CONTAINED_MARKERS`] are in the folder (names on disk).
    pub runtime_files: Vec<String>,
    /// `processPath` + `arguments` resolved without the host's environment (`%VAR%` unexpanded).
    pub launch: Option<LaunchTarget>,
    /// The top-level listing.
    pub files: FileIndex,
    /// Paths below the top level that were probed (app-relative, lowercased) and what was there.
    pub probes: BTreeMap<String, PathState>,
}

impl AppFolder for AppLayout {
    fn state(&self, rel: &str) -> PathState {
        state_from(&self.files, &self.probes, rel)
    }
}

fn state_from(files: &FileIndex, probes: &BTreeMap<String, PathState>, rel: &str) -> PathState {
    if !rel.contains('/') {
        return match files.get(rel) {
            Some(e) if e.is_dir => PathState::Dir,
            Some(_) => PathState::File,
            None => PathState::Missing,
        };
    }
    probes
        .get(&rel.to_lowercase())
        .copied()
        .unwrap_or(PathState::Unknown)
}

/// The app folder on disk during [`AppLayout::read`]: nested paths are probed on demand and
/// remembered, so the finished layout answers the same questions without I/O.
struct ProbingFolder<'a> {
    dir: &'a Path,
    files: &'a FileIndex,
    probes: RefCell<BTreeMap<String, PathState>>,
}

impl AppFolder for ProbingFolder<'_> {
    fn state(&self, rel: &str) -> PathState {
        if !rel.contains('/') {
            return state_from(self.files, &BTreeMap::new(), rel);
        }
        let key = rel.to_lowercase();
        if let Some(s) = self.probes.borrow().get(&key) {
            return *s;
        }
        let s = probe_case_insensitive(self.dir, rel);
        self.probes.borrow_mut().insert(key, s);
        s
    }
}

/// Walks `rel` below `dir`, matching each component case-insensitively when the exact name is
/// not there (one listing per mismatched component).
fn probe_case_insensitive(dir: &Path, rel: &str) -> PathState {
    let mut here = dir.to_path_buf();
    for part in rel.split('/') {
        let exact = here.join(part);
        if std::fs::symlink_metadata(&exact).is_ok() {
            here = exact;
            continue;
        }
        let found = std::fs::read_dir(&here).ok().and_then(|rd| {
            rd.flatten()
                .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(part))
                .map(|e| e.path())
        });
        match found {
            Some(p) => here = p,
            None => return PathState::Missing,
        }
    }
    match std::fs::metadata(&here) {
        Ok(m) if m.is_dir() => PathState::Dir,
        Ok(_) => PathState::File,
        Err(_) => PathState::Missing,
    }
}

impl AppLayout {
    /// Reads the app folder. Never fails: what cannot be read is kept as a fact (an invalid
    /// runtimeconfig, an unreadable header) for the checks to report.
    pub fn read(app_dir: &Path, files: FileIndex, web_config: Option<&WebConfig>) -> AppLayout {
        let folder = ProbingFolder {
            dir: app_dir,
            files: &files,
            probes: RefCell::new(BTreeMap::new()),
        };
        let section = web_config.and_then(|wc| wc.aspnetcore.as_ref());
        let launch = section.map(|s| LaunchTarget::resolve(s, &folder, &launch::no_env));
        if let Some(s) = section {
            // Probe the stdout log prefix and its folder, for the `stdout-log` check.
            if let Some(rel) = s
                .stdout_log_file
                .as_ref()
                .map(|l| l.value.as_str())
                .filter(|v| !v.contains('%'))
                .and_then(launch::app_relative)
            {
                folder.state(&rel);
                if let Some((parent, _)) = rel.rsplit_once('/') {
                    folder.state(parent);
                }
            }
        }
        let probes = folder.probes.into_inner();
        Self::assemble(app_dir, files, probes, launch)
    }

    fn assemble(
        app_dir: &Path,
        files: FileIndex,
        probes: BTreeMap<String, PathState>,
        launch: Option<LaunchTarget>,
    ) -> AppLayout {
        let mut runtime_configs: Vec<String> = files
            .keyed()
            .filter(|(key, e)| !e.is_dir && key.ends_with(".runtimeconfig.json"))
            .map(|(_, e)| e.name.clone())
            .collect();
        runtime_configs.sort();
        let rc_stem = |n: &str| n[..n.len() - ".runtimeconfig.json".len()].to_string();
        let hint = launch.as_ref().and_then(LaunchTarget::app_stem);

        // The app: the runtimeconfig web.config points at, else the only one, else the one with
        // a matching `.dll` (then `.exe`); without any, the name web.config uses if that file is
        // here, else a lone `<App>.exe.config` (.NET Framework).
        let stems: Vec<String> = runtime_configs.iter().map(|n| rc_stem(n)).collect();
        let chosen = hint
            .as_ref()
            .and_then(|h| stems.iter().find(|s| s.eq_ignore_ascii_case(h)))
            .or_else(|| (stems.len() == 1).then(|| &stems[0]))
            .or_else(|| {
                stems
                    .iter()
                    .find(|s| files.file(&format!("{s}.dll")).is_some())
            })
            .or_else(|| {
                stems
                    .iter()
                    .find(|s| files.file(&format!("{s}.exe")).is_some())
            })
            .or_else(|| stems.first())
            .cloned();
        let app_name = chosen.clone().or_else(|| {
            hint.clone()
                .filter(|h| {
                    files.file(&format!("{h}.exe")).is_some()
                        || files.file(&format!("{h}.dll")).is_some()
                        || files.file(h).is_some()
                })
                .or_else(|| {
                    let configs: Vec<&Entry> = files
                        .keyed()
                        .filter(|(key, e)| !e.is_dir && key.ends_with(".exe.config"))
                        .map(|(_, e)| e)
                        .collect();
                    match configs.as_slice() {
                        [one] => Some(one.name[..one.name.len() - ".exe.config".len()].to_string()),
                        _ => None,
                    }
                })
        });

        let runtime_config = chosen.as_ref().map(|stem| {
            let name = runtime_configs
                .iter()
                .find(|n| rc_stem(n) == *stem)
                .cloned()
                .unwrap_or_default();
            let path = app_dir.join(name);
            let read = regular_file(&path)
                .and_then(|size| {
                    if size > MAX_RUNTIME_CONFIG {
                        Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("{size} bytes is more than a runtimeconfig.json ever holds"),
                        ))
                    } else {
                        Ok(())
                    }
                })
                .map_err(|source| RuntimeConfigError::Io {
                    path: path.clone(),
                    source,
                })
                .and_then(|()| runtime_config::read(&path));
            match read {
                Ok(value) => Loaded::Parsed { path, value },
                Err(error) => Loaded::Invalid { path, error },
            }
        });

        let on_disk = |name: &str| files.file(name).map(|e| e.name.clone());
        let main_dll = app_name
            .as_ref()
            .and_then(|a| on_disk(&format!("{a}.dll")))
            .map(|n| read_app_file(app_dir, &n, false));
        let apphost = app_name
            .as_ref()
            .and_then(|a| on_disk(&format!("{a}.exe")).or_else(|| on_disk(a)))
            .map(|n| read_app_file(app_dir, &n, true));
        let process_target = match launch.as_ref().map(|l| &l.program) {
            Some(Program::AppFolder {
                rel,
                state: PathState::File,
            }) => match &apphost {
                Some(a) if a.name.eq_ignore_ascii_case(rel) => Some(a.clone()),
                _ => Some(read_app_file_rel(app_dir, rel)),
            },
            _ => None,
        };
        let hostfxr = ["hostfxr.dll", "libhostfxr.so", "libhostfxr.dylib"]
            .iter()
            .find_map(|n| on_disk(n))
            .map(|n| read_app_file(app_dir, &n, false));
        let deps_json = app_name
            .as_ref()
            .and_then(|a| on_disk(&format!("{a}.deps.json")));
        let exe_config = app_name
            .as_ref()
            .and_then(|a| on_disk(&format!("{a}.exe.config")));
        let runtime_files: Vec<String> = SELF_CONTAINED_MARKERS
            .iter()
            .filter_map(|n| on_disk(n))
            .collect();

        let mut layout = AppLayout {
            app_name,
            kind: AppKind::Unknown,
            runtime_config,
            runtime_configs,
            main_dll,
            apphost,
            process_target,
            hostfxr,
            deps_json,
            exe_config,
            runtime_files,
            launch,
            files,
            probes,
        };
        layout.kind = layout.classify();
        layout
    }

    /// hostfxr.md §7: bundle marker, then `includedFrameworks` / `framework(s)`, then the runtime
    /// files next to the app, then a managed exe without runtimeconfig (.NET Framework).
    pub(crate) fn classify(&self) -> AppKind {
        let exe = self.process_target.as_ref().or(self.apphost.as_ref());
        if exe.is_some_and(AppFile::is_bundle) {
            return AppKind::SingleFileBundle;
        }
        let native_apphost = self
            .apphost
            .as_ref()
            .and_then(AppFile::info)
            .is_some_and(|i| !i.is_managed());
        let has_runtime = self.runtime().carries_own_runtime();
        match &self.runtime_config {
            Some(Loaded::Parsed { value, .. }) => {
                if !value.included_frameworks.is_empty() {
                    AppKind::SelfContained
                } else if !value.frameworks.is_empty() {
                    if native_apphost {
                        AppKind::FrameworkDependentApphost
                    } else {
                        AppKind::Portable
                    }
                } else if has_runtime {
                    AppKind::SelfContained
                } else {
                    AppKind::Unknown
                }
            }
            Some(Loaded::Invalid { .. }) => AppKind::Unknown,
            None => {
                if exe
                    .and_then(AppFile::info)
                    .is_some_and(BinaryInfo::is_managed)
                {
                    AppKind::NetFramework
                } else if has_runtime {
                    AppKind::SelfContained
                } else {
                    AppKind::Unknown
                }
            }
        }
    }

    /// The host and runtime files in the folder, from the listing.
    pub fn runtime(&self) -> RuntimeFiles {
        RuntimeFiles::from_index(&self.files)
    }

    /// The parsed runtimeconfig, when there is one.
    pub fn runtime_config(&self) -> Option<&RuntimeConfig> {
        self.runtime_config.as_ref().and_then(Loaded::parsed)
    }

    /// An app-relative file name as it is on disk (case as listed), when present at the top level.
    pub fn file_name_on_disk(&self, name: &str) -> Option<&str> {
        self.files.file(name).map(|e| e.name.as_str())
    }

    /// A layout from names and parts, for unit tests of checks (no disk).
    pub fn for_tests(
        names: &[&str],
        runtime_config: Option<RuntimeConfig>,
        launch: Option<LaunchTarget>,
    ) -> AppLayout {
        let files = FileIndex::from_names(names);
        let mut layout = AppLayout {
            files,
            launch,
            ..AppLayout::default()
        };
        layout.runtime_configs = layout
            .files
            .entries()
            .filter(|e| e.name.ends_with(".runtimeconfig.json"))
            .map(|e| e.name.clone())
            .collect();
        layout.app_name = layout
            .runtime_configs
            .first()
            .map(|n| n.trim_end_matches(".runtimeconfig.json").to_string())
            .or_else(|| layout.launch.as_ref().and_then(LaunchTarget::app_stem));
        if let Some(value) = runtime_config {
            layout.runtime_config = Some(Loaded::Parsed {
                path: PathBuf::from("App.runtimeconfig.json"),
                value,
            });
        }
        layout
    }
}

/// A runtimeconfig.json larger than this is not read (it is a few hundred bytes in practice).
const MAX_RUNTIME_CONFIG: u64 = 16 * 1024 * 1024;

/// The size of `path` when it is a regular file (following symlinks). Anything else — a folder,
/// a FIFO or device that would block a reader — is an error, so nothing here ever hangs.
fn regular_file(path: &Path) -> std::io::Result<u64> {
    let m = std::fs::metadata(path)?;
    if m.is_file() {
        Ok(m.len())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ))
    }
}

fn read_app_file(app_dir: &Path, name: &str, executable: bool) -> AppFile {
    let path = app_dir.join(name);
    let binary = regular_file(&path)
        .map_err(|e| format!("{}: {e}", path.display()))
        .and_then(|_| binary::read_header(&path).map_err(|e| e.to_string()));
    // Only a native image can be an apphost; don't scan managed or unreadable files.
    let bundle = (executable && binary.as_ref().is_ok_and(|b| !b.is_managed()))
        .then(|| binary::find_bundle_marker(&path).ok())
        .flatten();
    AppFile {
        name: name.to_string(),
        path,
        binary,
        bundle,
    }
}

fn read_app_file_rel(app_dir: &Path, rel: &str) -> AppFile {
    // Resolve each component case-insensitively, as the probe did.
    let mut here = app_dir.to_path_buf();
    for part in rel.split('/') {
        let exact = here.join(part);
        if exact.exists() {
            here = exact;
            continue;
        }
        let found = std::fs::read_dir(&here).ok().and_then(|rd| {
            rd.flatten()
                .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(part))
                .map(|e| e.path())
        });
        here = found.unwrap_or(exact);
    }
    let name = here
        .strip_prefix(app_dir)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| rel.to_string());
    let mut f = read_app_file(app_dir, &name, true);
    f.path = here;
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployment::binary::test_images;
    use object::pe;

    const FDD: &str = r#"{"runtimeOptions":{"tfm":"net8.0","framework":{"name":"Microsoft.AspNetCore.App","version":"8.0.0"}}}"#;
    const SCD: &str = r#"{"runtimeOptions":{"tfm":"net8.0","includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"8.0.1"}]}}"#;

    fn dir(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let p = d.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        d
    }

    fn with_launch(d: &Path, pp: &str, args: &str) -> AppLayout {
        let files = FileIndex::read(d);
        let folder = ProbingFolder {
            dir: d,
            files: &files,
            probes: RefCell::new(BTreeMap::new()),
        };
        let t = LaunchTarget::resolve_text(pp, args, &folder, &launch::no_env);
        let probes = folder.probes.into_inner();
        AppLayout::assemble(d, files, probes, Some(t))
    }

    fn apphost(bundle_offset: u64) -> Vec<u8> {
        test_images::pe(
            pe::IMAGE_FILE_MACHINE_AMD64,
            true,
            None,
            &test_images::bundle_marker(bundle_offset),
        )
    }

    fn managed_dll() -> Vec<u8> {
        test_images::pe(
            pe::IMAGE_FILE_MACHINE_I386,
            false,
            Some(pe::COMIMAGE_FLAGS_ILONLY),
            b"",
        )
    }

    #[test]
    fn portable() {
        let dll = managed_dll();
        let d = dir(&[
            ("HelloWorld.dll", &dll),
            ("HelloWorld.runtimeconfig.json", FDD.as_bytes()),
            ("HelloWorld.deps.json", b"{}"),
            ("web.config", b"<configuration/>"),
        ]);
        let l = with_launch(d.path(), "dotnet", r".\HelloWorld.dll");
        assert_eq!(l.app_name.as_deref(), Some("HelloWorld"));
        assert_eq!(l.kind, AppKind::Portable);
        assert_eq!(l.deps_json.as_deref(), Some("HelloWorld.deps.json"));
        let dll = l.main_dll.unwrap();
        assert!(dll.info().unwrap().is_managed());
        assert!(l.runtime_config.unwrap().parsed().is_some());
    }

    #[test]
    fn framework_dependent_apphost_and_case_insensitive_names() {
        let host = apphost(0);
        let d = dir(&[
            ("app.dll", b"placeholder"),
            ("App.exe", &host),
            ("App.runtimeconfig.json", FDD.as_bytes()),
        ]);
        let l = with_launch(d.path(), r".\APP.EXE", "");
        assert_eq!(l.kind, AppKind::FrameworkDependentApphost);
        assert_eq!(
            l.apphost.as_ref().unwrap().bundle,
            Some(BundleMarker::PlainApphost)
        );
        assert_eq!(l.process_target.as_ref().unwrap().name, "App.exe");
        assert_eq!(l.main_dll.unwrap().name, "app.dll");
    }

    #[test]
    fn self_contained_by_included_frameworks_and_by_files() {
        let d = dir(&[
            ("App.dll", b"x"),
            ("App.runtimeconfig.json", SCD.as_bytes()),
        ]);
        assert_eq!(
            with_launch(d.path(), r".\App.exe", "").kind,
            AppKind::SelfContained
        );
        let d = dir(&[
            ("App.dll", b"x"),
            ("App.runtimeconfig.json", br#"{"runtimeOptions":{}}"#),
            ("hostfxr.dll", b"x"),
            ("coreclr.dll", b"x"),
            ("System.Private.CoreLib.dll", b"x"),
        ]);
        let l = with_launch(d.path(), r".\App.exe", "");
        assert_eq!(l.kind, AppKind::SelfContained);
        assert_eq!(l.runtime_files.len(), 3);
    }

    #[test]
    fn single_file_bundle() {
        let host = apphost(0x9000);
        let d = dir(&[("App.exe", &host), ("web.config", b"")]);
        let l = with_launch(d.path(), r".\App.exe", "");
        assert_eq!(l.app_name.as_deref(), Some("App"));
        assert_eq!(l.kind, AppKind::SingleFileBundle);
    }

    #[test]
    fn net_framework_exe() {
        let exe = managed_dll();
        let d = dir(&[
            ("Legacy.exe", &exe),
            ("Legacy.exe.config", b"<configuration/>"),
        ]);
        let l = with_launch(d.path(), r".\Legacy.exe", "");
        assert_eq!(l.kind, AppKind::NetFramework);
        assert_eq!(l.exe_config.as_deref(), Some("Legacy.exe.config"));
    }

    #[test]
    fn picks_the_runtimeconfig_web_config_names() {
        let d = dir(&[
            ("Api.dll", b"x"),
            ("Api.runtimeconfig.json", FDD.as_bytes()),
            ("Tool.dll", b"x"),
            ("Tool.runtimeconfig.json", FDD.as_bytes()),
        ]);
        let l = with_launch(d.path(), "dotnet", r".\Tool.dll");
        assert_eq!(l.app_name.as_deref(), Some("Tool"));
        // Without a hint: the first one with a `.dll`.
        let l = with_launch(d.path(), "", "");
        assert_eq!(l.app_name.as_deref(), Some("Api"));
    }

    #[test]
    fn wrong_argument_still_finds_the_app() {
        let d = dir(&[
            ("App.dll", b"x"),
            ("App.runtimeconfig.json", FDD.as_bytes()),
        ]);
        let l = with_launch(d.path(), "dotnet", r".\Wrong.dll");
        assert_eq!(l.app_name.as_deref(), Some("App"));
        assert_eq!(
            l.launch.unwrap().app_argument.unwrap().state,
            PathState::Missing
        );
    }

    #[test]
    fn nested_paths_are_probed_case_insensitively() {
        let d = dir(&[
            ("Bin/App.dll", b"x"),
            ("App.runtimeconfig.json", FDD.as_bytes()),
        ]);
        let l = with_launch(d.path(), "dotnet", r".\bin\app.dll");
        assert_eq!(l.state("bin/app.dll"), PathState::File);
        assert_eq!(l.state("other/x"), PathState::Unknown);
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_folders_named_like_app_files_never_block() {
        let d = dir(&[("App.dll", b"x")]);
        for name in ["App.runtimeconfig.json", "App.exe"] {
            let p = std::ffi::CString::new(d.path().join(name).to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
            assert_eq!(unsafe { libc::mkfifo(p.as_ptr(), 0o644) }, 0);
        }
        std::fs::create_dir(d.path().join("hostfxr.dll")).unwrap();
        let l = with_launch(d.path(), r".\App.exe", "");
        assert!(matches!(l.runtime_config, Some(Loaded::Invalid { .. })));
        let exe = l.process_target.or(l.apphost).unwrap();
        assert!(exe.binary.is_err());
        assert_eq!(exe.bundle, None);
    }

    #[test]
    fn invalid_runtimeconfig_is_kept_as_a_fact() {
        let d = dir(&[("App.dll", b"x"), ("App.runtimeconfig.json", b"{ nope")]);
        let l = with_launch(d.path(), "dotnet", r".\App.dll");
        assert!(matches!(l.runtime_config, Some(Loaded::Invalid { .. })));
        assert_eq!(l.kind, AppKind::Unknown);
    }
}
