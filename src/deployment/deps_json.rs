//! `<App>.deps.json`: what the .NET host (hostpolicy) reads from it (hostfxr.md §6) and which
//! files it will look for in the app folder. Parsing and the asset list are pure; [`read`] also
//! checks which of those files exist (the only I/O here).
//!
//! Scope: what the host does for a *published* app — every runtime and native asset is probed
//! app-local: non-RID-specific assets by file name in the app folder, RID-specific ones
//! (`runtimeTargets`) by their relative path, for the best RID of the target machine. Resource
//! assets are not fatal when missing and are not listed.
use super::lenient_json::Obj;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `libraries` entry type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibraryKind {
    Project,
    Package,
    Reference,
    RuntimePack,
    Other(String),
}

impl LibraryKind {
    fn parse(s: &str) -> LibraryKind {
        match s {
            "project" => LibraryKind::Project,
            "package" => LibraryKind::Package,
            "reference" => LibraryKind::Reference,
            "runtimepack" => LibraryKind::RuntimePack,
            other => LibraryKind::Other(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    Runtime,
    Native,
}

impl AssetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Runtime => "runtime",
            AssetKind::Native => "native",
        }
    }
}

/// A RID-specific asset (`runtimeTargets`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RidAsset {
    pub path: String,
    pub rid: String,
    pub kind: AssetKind,
}

/// One `targets[<target>]["<name>/<version>"]` entry joined with its `libraries` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    pub name: String,
    pub version: String,
    pub kind: LibraryKind,
    pub runtime: Vec<String>,
    pub native: Vec<String>,
    pub runtime_targets: Vec<RidAsset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DepsJson {
    /// `runtimeTarget.name`, e.g. `.NETCoreApp,Version=v8.0` or `.NETCoreApp,Version=v8.0/win-x64`.
    pub runtime_target: String,
    /// The RID part of `runtimeTarget.name` (RID-specific or self-contained publish).
    pub rid: Option<String>,
    /// The libraries of the runtime target, ordered by `name/version`.
    pub libraries: Vec<Library>,
    /// The `runtimes` RID fallback graph, when present.
    pub rid_fallbacks: BTreeMap<String, Vec<String>>,
}

/// Errors reading this file: the shared host-JSON error.
pub type DepsJsonError = super::json_file::JsonFileError;

/// One file the host will look for in the app folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedAsset {
    pub library: String,
    pub version: String,
    pub kind: AssetKind,
    /// The path as listed in deps.json (the host's error message shows it).
    pub listed_path: String,
    /// Where the host looks, relative to the app folder, `/`-separated.
    pub app_relative_path: String,
}

impl ExpectedAsset {
    fn new(lib: &Library, kind: AssetKind, listed: &str, app_relative: &str) -> ExpectedAsset {
        ExpectedAsset {
            library: lib.name.clone(),
            version: lib.version.clone(),
            kind,
            listed_path: listed.to_string(),
            app_relative_path: app_relative.to_string(),
        }
    }
}

/// The app's deps.json as found on disk, and which of the files it lists exist. Which of them
/// the host needs depends on the machine the app runs on (its RID), so that choice is left to
/// [`DepsJsonFacts::missing`], which is pure.
#[derive(Debug)]
pub struct DepsJsonFacts {
    pub path: PathBuf,
    pub parsed: Result<DepsJson, DepsJsonError>,
    /// App-relative paths (`/`-separated) of every listed asset, for any RID, that exist.
    /// (FNV: a short name hashes several times faster than with std's DoS-resistant SipHash, and
    /// the names are the app's own.)
    pub present: fnv::FnvHashSet<String>,
}

impl DepsJsonFacts {
    /// The assets a machine of `os`/`arch` (host spelling: `win`/`linux`/`osx`, `x64` …) will
    /// look for that are not in the app folder, and the RID list used.
    pub fn missing(&self, os: &str, arch: &str) -> (Vec<ExpectedAsset>, Vec<String>) {
        let Ok(deps) = &self.parsed else {
            return (Vec::new(), Vec::new());
        };
        let rids = deps.fallbacks_for(&format!("{os}-{arch}"), default_rid_fallbacks(os, arch));
        // Only the missing ones are built: a large app lists tens of thousands that are there.
        let mut missing = Vec::new();
        deps.for_each_expected(&rids, |lib, kind, listed, app_relative| {
            if !self.present.contains(app_relative) {
                missing.push(ExpectedAsset::new(lib, kind, listed, app_relative));
            }
        });
        (missing, rids)
    }
}

/// Parses deps.json bytes (a UTF-8 BOM is allowed). Values of the wrong JSON type read as absent
/// (a `targets` that is a number is no targets), as the host's lookups of a member of some type do.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<DepsJson, DepsJsonError> {
    let Obj(root) = super::json_file::parse::<Obj<raw::Root>>(path, bytes)?;
    let root = root.ok_or_else(|| DepsJsonError::Schema {
        path: path.to_path_buf(),
        message: "the top level is not a JSON object".to_string(),
    })?;
    let runtime_target = root.runtime_target.unwrap_or_default();
    let rid = runtime_target
        .split_once('/')
        .map(|(_, rid)| rid.to_string())
        .filter(|r| !r.is_empty());
    let mut targets = root.targets;
    // The host uses the target named by runtimeTarget; without one, the first target.
    let target = match targets.remove(&runtime_target) {
        Some(t) => t,
        None => targets.into_values().next().unwrap_or_default(),
    };
    let mut out = DepsJson {
        runtime_target,
        rid,
        ..DepsJson::default()
    };
    for (key, entry) in target {
        let kind = root
            .library_types
            .get(&key)
            .and_then(Option::as_deref)
            .map(LibraryKind::parse)
            .unwrap_or(LibraryKind::Other(String::new()));
        let (name, version) = key.split_once('/').unwrap_or((key.as_str(), ""));
        out.libraries.push(Library {
            name: name.to_string(),
            version: version.to_string(),
            kind,
            runtime: entry.runtime,
            native: entry.native,
            runtime_targets: entry.runtime_targets,
        });
    }
    out.rid_fallbacks = root.runtimes;
    Ok(out)
}

/// The parts of deps.json ancm reads, as serde reads them ([`super::lenient_json`]): objects
/// become ordered maps where the old `Value` tree had them (so "the first target" and the order
/// of libraries and assets are unchanged), a repeated key keeps its last value, as in a `Value`.
mod raw {
    use super::super::lenient_json::{FromObject, Key, Obj, Skip, Str, StrList};
    use super::{is_placeholder, AssetKind, RidAsset};
    use serde::de::MapAccess;
    use std::collections::BTreeMap;

    #[derive(Default)]
    pub struct Root {
        /// `runtimeTarget.name`, when it is a string.
        pub runtime_target: Option<String>,
        /// `targets`: target name → its libraries (`name/version` → assets).
        pub targets: BTreeMap<String, Target>,
        /// `libraries`: `name/version` → `type`, when it is a string.
        pub library_types: BTreeMap<String, Option<String>>,
        /// `runtimes`: the RID fallback graph.
        pub runtimes: BTreeMap<String, Vec<String>>,
    }

    pub type Target = BTreeMap<String, LibAssets>;

    #[derive(Default)]
    pub struct LibAssets {
        pub runtime: Vec<String>,
        pub native: Vec<String>,
        pub runtime_targets: Vec<RidAsset>,
    }

    impl FromObject for Root {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut root = Root::default();
            while let Some(Key(key)) = map.next_key::<Key>()? {
                match &*key {
                    "runtimeTarget" => {
                        let Obj(t) = map.next_value::<Obj<RuntimeTarget>>()?;
                        root.runtime_target = t.and_then(|t| t.0);
                    }
                    "targets" => {
                        let Obj(t) = map.next_value::<Obj<Targets>>()?;
                        root.targets = t.map(|t| t.0).unwrap_or_default();
                    }
                    "libraries" => {
                        let Obj(l) = map.next_value::<Obj<Libraries>>()?;
                        root.library_types = l.map(|l| l.0).unwrap_or_default();
                    }
                    "runtimes" => {
                        let Obj(r) = map.next_value::<Obj<Runtimes>>()?;
                        root.runtimes = r.map(|r| r.0).unwrap_or_default();
                    }
                    _ => {
                        map.next_value::<Skip>()?;
                    }
                }
            }
            Ok(root)
        }
    }

    struct RuntimeTarget(Option<String>);

    impl FromObject for RuntimeTarget {
        fn from_object<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
            string_field(map, "name").map(RuntimeTarget)
        }
    }

    /// The string under `field` in an object, the other members skipped.
    fn string_field<'de, A: MapAccess<'de>>(
        mut map: A,
        field: &str,
    ) -> Result<Option<String>, A::Error> {
        let mut value = None;
        while let Some(Key(key)) = map.next_key::<Key>()? {
            if key == field {
                value = map.next_value::<Str>()?.0;
            } else {
                map.next_value::<Skip>()?;
            }
        }
        Ok(value)
    }

    struct Targets(BTreeMap<String, Target>);

    impl FromObject for Targets {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut targets = BTreeMap::new();
            while let Some(Key(name)) = map.next_key::<Key>()? {
                let Obj(libs) = map.next_value::<Obj<TargetLibs>>()?;
                targets.insert(name.into_owned(), libs.map(|l| l.0).unwrap_or_default());
            }
            Ok(Targets(targets))
        }
    }

    struct TargetLibs(Target);

    impl FromObject for TargetLibs {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut libs = BTreeMap::new();
            while let Some(Key(key)) = map.next_key::<Key>()? {
                let Obj(assets) = map.next_value::<Obj<LibAssets>>()?;
                libs.insert(key.into_owned(), assets.unwrap_or_default());
            }
            Ok(TargetLibs(libs))
        }
    }

    impl FromObject for LibAssets {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut lib = LibAssets::default();
            while let Some(Key(key)) = map.next_key::<Key>()? {
                match &*key {
                    "runtime" => {
                        lib.runtime = map.next_value::<Obj<Names>>()?.0.unwrap_or_default().0
                    }
                    "native" => {
                        lib.native = map.next_value::<Obj<Names>>()?.0.unwrap_or_default().0
                    }
                    "runtimeTargets" => {
                        lib.runtime_targets = map
                            .next_value::<Obj<RidAssets>>()?
                            .0
                            .map(|r| r.0)
                            .unwrap_or_default()
                    }
                    _ => {
                        map.next_value::<Skip>()?;
                    }
                }
            }
            Ok(lib)
        }
    }

    /// The keys of an asset object (`{"lib/x.dll": {…}}`), sorted and unique as a map's keys
    /// are, without NuGet placeholders.
    #[derive(Default)]
    struct Names(Vec<String>);

    impl FromObject for Names {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut names = Vec::new();
            while let Some(Key(key)) = map.next_key::<Key>()? {
                map.next_value::<Skip>()?;
                if !is_placeholder(&key) {
                    names.push(key.into_owned());
                }
            }
            names.sort_unstable();
            names.dedup();
            Ok(Names(names))
        }
    }

    /// `runtimeTargets`: path → RID and asset type; entries of another asset type are dropped.
    struct RidAssets(Vec<RidAsset>);

    impl FromObject for RidAssets {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut by_path: BTreeMap<String, Option<RidInfo>> = BTreeMap::new();
            while let Some(Key(path)) = map.next_key::<Key>()? {
                let Obj(info) = map.next_value::<Obj<RidInfo>>()?;
                by_path.insert(path.into_owned(), info);
            }
            let assets = by_path
                .into_iter()
                .filter(|(p, _)| !is_placeholder(p))
                .filter_map(|(path, info)| {
                    let info = info?;
                    let kind = match info.asset_type.as_deref()? {
                        "runtime" => AssetKind::Runtime,
                        "native" => AssetKind::Native,
                        _ => return None,
                    };
                    Some(RidAsset {
                        path,
                        rid: info.rid?,
                        kind,
                    })
                })
                .collect();
            Ok(RidAssets(assets))
        }
    }

    struct RidInfo {
        rid: Option<String>,
        asset_type: Option<String>,
    }

    impl FromObject for RidInfo {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let (mut rid, mut asset_type) = (None, None);
            while let Some(Key(key)) = map.next_key::<Key>()? {
                match &*key {
                    "rid" => rid = map.next_value::<Str>()?.0,
                    "assetType" => asset_type = map.next_value::<Str>()?.0,
                    _ => {
                        map.next_value::<Skip>()?;
                    }
                }
            }
            Ok(RidInfo { rid, asset_type })
        }
    }

    struct Libraries(BTreeMap<String, Option<String>>);

    impl FromObject for Libraries {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut types = BTreeMap::new();
            while let Some(Key(key)) = map.next_key::<Key>()? {
                let Obj(lib) = map.next_value::<Obj<LibraryType>>()?;
                types.insert(key.into_owned(), lib.and_then(|l| l.0));
            }
            Ok(Libraries(types))
        }
    }

    struct LibraryType(Option<String>);

    impl FromObject for LibraryType {
        fn from_object<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
            string_field(map, "type").map(LibraryType)
        }
    }

    struct Runtimes(BTreeMap<String, Vec<String>>);

    impl FromObject for Runtimes {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut graph = BTreeMap::new();
            while let Some(Key(rid)) = map.next_key::<Key>()? {
                let StrList(list) = map.next_value::<StrList>()?;
                graph.insert(rid.into_owned(), list);
            }
            Ok(Runtimes(graph))
        }
    }
}

/// Asset paths ending in `_._` are NuGet placeholders; the host skips them.
fn is_placeholder(path: &str) -> bool {
    path.ends_with("_._")
}

/// The RIDs the host tries for a portable app on `os`/`arch` (host spelling: `win`, `linux`,
/// `osx`; `x64` …), most specific first, when the deps.json has no graph for it.
pub fn default_rid_fallbacks(os: &str, arch: &str) -> Vec<String> {
    let mut rids = Vec::new();
    match os {
        "win" => {
            for v in ["win10", "win81", "win8", "win7"] {
                rids.push(format!("{v}-{arch}"));
                rids.push(v.to_string());
            }
            rids.push(format!("win-{arch}"));
            rids.push("win".into());
        }
        "osx" => {
            rids.push(format!("osx-{arch}"));
            rids.push("osx".into());
            rids.push("unix".into());
        }
        _ => {
            rids.push(format!("{os}-{arch}"));
            rids.push(os.to_string());
            rids.push("unix".into());
        }
    }
    rids.push("any".into());
    rids
}

impl DepsJson {
    /// The RID fallback list for `rid`: from the file's own graph when it has one, else `default`.
    pub fn fallbacks_for(&self, rid: &str, default: Vec<String>) -> Vec<String> {
        match self.rid_fallbacks.get(rid) {
            Some(list) => std::iter::once(rid.to_string())
                .chain(list.iter().cloned())
                .collect(),
            None => default,
        }
    }

    /// Every runtime and native asset the host will look for in the app folder of a published
    /// app running on a machine whose RIDs (best first) are `rids`.
    pub fn expected_assets(&self, rids: &[String]) -> Vec<ExpectedAsset> {
        let mut out = Vec::new();
        self.for_each_expected(rids, |lib, kind, listed, app_relative| {
            out.push(ExpectedAsset::new(lib, kind, listed, app_relative))
        });
        out
    }

    /// [`DepsJson::expected_assets`] as calls of `f(library, kind, listed path, app-relative
    /// path)`, in the same order, building nothing.
    pub fn for_each_expected(
        &self,
        rids: &[String],
        mut f: impl FnMut(&Library, AssetKind, &str, &str),
    ) {
        for lib in &self.libraries {
            for (kind, list) in [
                (AssetKind::Runtime, &lib.runtime),
                (AssetKind::Native, &lib.native),
            ] {
                for p in list {
                    f(lib, kind, p, file_name(p));
                }
            }
            // Per asset type, the assets of the best RID that has any (deps_resolver.cpp).
            for kind in [AssetKind::Runtime, AssetKind::Native] {
                let of_kind: Vec<&RidAsset> = lib
                    .runtime_targets
                    .iter()
                    .filter(|a| a.kind == kind)
                    .collect();
                let best = rids
                    .iter()
                    .find(|rid| of_kind.iter().any(|a| &a.rid == *rid));
                if let Some(rid) = best {
                    for a in of_kind.iter().filter(|a| &a.rid == rid) {
                        f(lib, kind, &a.path, &a.path);
                    }
                }
            }
        }
    }
}

fn file_name(p: &str) -> &str {
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

/// The largest deps.json ancm reads. A large app's is 1–3 MB; past this, parsing would cost
/// seconds and hundreds of MB for a file no publish produces, so the `deps-assets` check skips.
pub const MAX_DEPS_JSON: u64 = 64 * 1024 * 1024;

/// Reads `<app_dir>/<app_name>.deps.json` when present and notes which listed files exist.
/// `None` when there is no deps.json (the host then uses every dll in the folder, no error).
pub fn read(app_dir: &Path, app_name: &str) -> Option<DepsJsonFacts> {
    let path = app_dir.join(format!("{app_name}.deps.json"));
    let bytes = match super::json_file::read_bounded(&path, MAX_DEPS_JSON) {
        Ok(b) => b,
        Err(DepsJsonError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return None
        }
        Err(e) => {
            return Some(DepsJsonFacts {
                parsed: Err(e),
                path,
                present: Default::default(),
            })
        }
    };
    let parsed = parse(&path, &bytes);
    let mut present = fnv::FnvHashSet::default();
    if let Ok(deps) = &parsed {
        let mut listing = FolderListing::default();
        for lib in &deps.libraries {
            for a in &lib.runtime_targets {
                if listing.has_file(app_dir, &a.path) {
                    present.insert(a.path.clone());
                }
            }
            for p in lib.runtime.iter().chain(&lib.native) {
                let name = file_name(p);
                if listing.has_file(app_dir, name) {
                    present.insert(name.to_string());
                }
            }
        }
    }
    Some(DepsJsonFacts {
        path,
        parsed,
        present,
    })
}

/// Which files exist, judged as IIS's file system judges them: names compare case-insensitively
/// (NTFS), so a Windows publish folder checked on Linux is not failed for `Foo.dll` vs `foo.dll`.
/// Each folder is listed once, so thousands of assets cost a few `readdir`s, not a `stat` each:
/// the listing's file types answer "is a file", and only a symbolic link is `stat`ed (a link to
/// a file still counts as the file).
#[derive(Default)]
struct FolderListing {
    /// Folder (app-relative, `/`-separated, names as on disk; `""` is the app folder) → entries.
    folders: fnv::FnvHashMap<String, Option<Entries>>,
}

/// A folder's entries: lowercase name → (name on disk, is a file).
type Entries = fnv::FnvHashMap<String, (String, bool)>;

impl FolderListing {
    /// Entries of the folder `rel` below `root`, listed once.
    fn entries(&mut self, root: &Path, rel: &str) -> Option<&Entries> {
        if !self.folders.contains_key(rel) {
            let listed = list_folder(&root.join(rel));
            self.folders.insert(rel.to_string(), listed);
        }
        self.folders.get(rel)?.as_ref()
    }

    /// Whether `relative` (`/` or `\` separated) names a file under `root`, case-insensitively.
    fn has_file(&mut self, root: &Path, relative: &str) -> bool {
        let mut parts = relative.split(['/', '\\']).filter(|p| !p.is_empty());
        let Some(mut part) = parts.next() else {
            return false;
        };
        let mut dir = String::new();
        for next in parts {
            if part == "." || part == ".." {
                return false;
            }
            match self
                .entries(root, &dir)
                .and_then(|e| e.get(&lowercase(part)))
            {
                Some((on_disk, false)) => {
                    let on_disk = on_disk.clone();
                    if !dir.is_empty() {
                        dir.push('/');
                    }
                    dir.push_str(&on_disk);
                }
                _ => return false,
            }
            part = next;
        }
        matches!(
            self.entries(root, &dir)
                .and_then(|e| e.get(&lowercase(part))),
            Some((_, true))
        )
    }
}

/// One folder's entries; `None` when it cannot be listed.
fn list_folder(dir: &Path) -> Option<Entries> {
    let rd = std::fs::read_dir(dir).ok()?;
    Some(
        rd.filter_map(Result::ok)
            .map(|e| {
                let name = e
                    .file_name()
                    .into_string()
                    .unwrap_or_else(|raw| raw.to_string_lossy().into_owned());
                // The listing's type does not follow links; a link is judged by its target.
                let is_file = match e.file_type() {
                    Ok(t) if t.is_symlink() => {
                        std::fs::metadata(e.path()).is_ok_and(|m| m.is_file())
                    }
                    Ok(t) => t.is_file(),
                    Err(_) => std::fs::metadata(e.path()).is_ok_and(|m| m.is_file()),
                };
                (lowercase(&name), (name, is_file))
            })
            .collect(),
    )
}

/// `str::to_lowercase`, without its per-character work for the usual all-ASCII name.
pub(crate) fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// The lines hostpolicy prints for a missing asset (hostfxr.md §6), exit 0x8000808C.
pub fn host_message(deps_file_name: &str, missing: &ExpectedAsset) -> Vec<String> {
    vec![
        "Error:".to_string(),
        format!(
            "  An assembly specified in the application dependencies manifest ({deps_file_name}) was not found:"
        ),
        format!("    package: '{}', version: '{}'", missing.library, missing.version),
        format!("    path: '{}'", missing.listed_path),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "runtimeTarget": {"name": ".NETCoreApp,Version=v3.1", "signature": ""},
      "targets": {
        ".NETCoreApp,Version=v3.1": {
          "App/1.0.0": {"dependencies": {}, "runtime": {"App.dll": {}}},
          "Newtonsoft.Json/12.0.3": {"runtime": {"lib/netstandard2.0/Newtonsoft.Json.dll": {"assemblyVersion": "12.0.0.0"}}},
          "System.Data.SqlClient/4.8.1": {
            "runtime": {"lib/netcoreapp2.1/System.Data.SqlClient.dll": {}},
            "runtimeTargets": {
              "runtimes/unix/lib/netcoreapp2.1/System.Data.SqlClient.dll": {"rid": "unix", "assetType": "runtime"},
              "runtimes/win/lib/netcoreapp2.1/System.Data.SqlClient.dll": {"rid": "win", "assetType": "runtime"},
              "runtimes/win-x64/native/sni.dll": {"rid": "win-x64", "assetType": "native"},
              "runtimes/win-x86/native/sni.dll": {"rid": "win-x86", "assetType": "native"}
            }
          },
          "Placeholder/1.0.0": {"runtime": {"lib/netstandard1.0/_._": {}}}
        }
      },
      "libraries": {
        "App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
        "Newtonsoft.Json/12.0.3": {"type": "package", "serviceable": true, "sha512": "x", "path": "newtonsoft.json/12.0.3"},
        "System.Data.SqlClient/4.8.1": {"type": "package"},
        "Placeholder/1.0.0": {"type": "package"}
      }
    }"#;

    #[test]
    fn parses_targets_and_libraries() {
        let d = parse(Path::new("App.deps.json"), SAMPLE.as_bytes()).unwrap();
        assert_eq!(d.runtime_target, ".NETCoreApp,Version=v3.1");
        assert_eq!(d.rid, None);
        assert_eq!(d.libraries.len(), 4);
        assert_eq!(d.libraries[0].kind, LibraryKind::Project);
        assert_eq!(d.libraries[1].kind, LibraryKind::Package);
        let lib = |n: &str| d.libraries.iter().find(|l| l.name == n).unwrap();
        assert_eq!(lib("System.Data.SqlClient").runtime_targets.len(), 4);
        assert!(
            lib("Placeholder").runtime.is_empty(),
            "placeholders are skipped"
        );
    }

    #[test]
    fn expected_assets_for_windows_x64() {
        let d = parse(Path::new("App.deps.json"), SAMPLE.as_bytes()).unwrap();
        let rids = default_rid_fallbacks("win", "x64");
        let paths: Vec<String> = d
            .expected_assets(&rids)
            .into_iter()
            .map(|a| a.app_relative_path)
            .collect();
        assert_eq!(
            paths,
            [
                "App.dll",
                "Newtonsoft.Json.dll",
                "System.Data.SqlClient.dll",
                "runtimes/win/lib/netcoreapp2.1/System.Data.SqlClient.dll",
                "runtimes/win-x64/native/sni.dll",
            ]
        );
        let linux = d.expected_assets(&default_rid_fallbacks("linux", "x64"));
        assert!(linux
            .iter()
            .any(|a| a.app_relative_path
                == "runtimes/unix/lib/netcoreapp2.1/System.Data.SqlClient.dll"));
        assert!(!linux
            .iter()
            .any(|a| a.app_relative_path.contains("sni.dll")));
    }

    #[test]
    fn files_are_found_case_insensitively_as_iis_would() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("App.deps.json"), SAMPLE).unwrap();
        std::fs::write(tmp.path().join("app.dll"), b"").unwrap();
        std::fs::write(tmp.path().join("newtonsoft.json.DLL"), b"").unwrap();
        std::fs::write(tmp.path().join("System.Data.SqlClient.dll"), b"").unwrap();
        let nested = tmp.path().join("Runtimes/UNIX/lib/netcoreapp2.1");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("system.data.sqlclient.dll"), b"").unwrap();
        let facts = read(tmp.path(), "App").unwrap();
        let (missing, _) = facts.missing("linux", "x64");
        assert!(missing.is_empty(), "{missing:?}");
        // A folder where a file is expected is not the file.
        std::fs::remove_file(tmp.path().join("newtonsoft.json.DLL")).unwrap();
        std::fs::create_dir(tmp.path().join("Newtonsoft.Json.dll")).unwrap();
        let facts = read(tmp.path(), "App").unwrap();
        let (missing, _) = facts.missing("linux", "x64");
        assert_eq!(missing.len(), 1, "{missing:?}");
    }

    #[test]
    fn read_lists_missing_files_and_message() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("App.deps.json"), SAMPLE).unwrap();
        std::fs::write(tmp.path().join("App.dll"), b"").unwrap();
        std::fs::write(tmp.path().join("Newtonsoft.Json.dll"), b"").unwrap();
        let facts = read(tmp.path(), "App").unwrap();
        let (missing, _) = facts.missing("linux", "x64");
        let missing_paths: Vec<&str> = missing
            .iter()
            .map(|a| a.app_relative_path.as_str())
            .collect();
        assert_eq!(
            missing_paths,
            [
                "System.Data.SqlClient.dll",
                "runtimes/unix/lib/netcoreapp2.1/System.Data.SqlClient.dll"
            ]
        );
        let msg = host_message("App.deps.json", &missing[0]);
        assert_eq!(
            msg[2],
            "    package: 'System.Data.SqlClient', version: '4.8.1'"
        );
        assert_eq!(
            msg[3],
            "    path: 'lib/netcoreapp2.1/System.Data.SqlClient.dll'"
        );
        assert!(read(tmp.path(), "Other").is_none());
    }

    /// The `serde_json::Value` reading `parse` replaced (it built the whole tree): kept as the
    /// reference the streaming reader must agree with.
    fn parse_via_value(path: &Path, bytes: &[u8]) -> Result<DepsJson, DepsJsonError> {
        use serde_json::{Map, Value};
        let root: Value = super::super::json_file::parse_value(path, bytes)?;
        let root = root.as_object().ok_or_else(|| DepsJsonError::Schema {
            path: path.to_path_buf(),
            message: "the top level is not a JSON object".to_string(),
        })?;
        let runtime_target = root
            .get("runtimeTarget")
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let rid = runtime_target
            .split_once('/')
            .map(|(_, rid)| rid.to_string())
            .filter(|r| !r.is_empty());
        let empty = Map::new();
        let targets = root
            .get("targets")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let libraries = root
            .get("libraries")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let target = targets
            .get(&runtime_target)
            .or_else(|| targets.values().next())
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut out = DepsJson {
            runtime_target,
            rid,
            ..DepsJson::default()
        };
        for (key, entry) in target {
            let (name, version) = key.split_once('/').unwrap_or((key.as_str(), ""));
            let kind = libraries
                .get(key)
                .and_then(|l| l.get("type"))
                .and_then(Value::as_str)
                .map(LibraryKind::parse)
                .unwrap_or(LibraryKind::Other(String::new()));
            let names = |section: &str| -> Vec<String> {
                entry
                    .get(section)
                    .and_then(Value::as_object)
                    .map(|o| o.keys().filter(|p| !is_placeholder(p)).cloned().collect())
                    .unwrap_or_default()
            };
            let runtime_targets = entry
                .get("runtimeTargets")
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .filter(|(p, _)| !is_placeholder(p))
                        .filter_map(|(p, v)| {
                            let rid = v.get("rid")?.as_str()?.to_string();
                            let kind = match v.get("assetType")?.as_str()? {
                                "runtime" => AssetKind::Runtime,
                                "native" => AssetKind::Native,
                                _ => return None,
                            };
                            Some(RidAsset {
                                path: p.clone(),
                                rid,
                                kind,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.libraries.push(Library {
                name: name.to_string(),
                version: version.to_string(),
                kind,
                runtime: names("runtime"),
                native: names("native"),
                runtime_targets,
            });
        }
        if let Some(graph) = root.get("runtimes").and_then(Value::as_object) {
            for (rid, fallbacks) in graph {
                let list = fallbacks
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                out.rid_fallbacks.insert(rid.clone(), list);
            }
        }
        Ok(out)
    }

    fn assert_same_reading(name: &str, bytes: &[u8]) {
        let p = Path::new("x.deps.json");
        match (parse(p, bytes), parse_via_value(p, bytes)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
            (a, b) => panic!("{name}: streaming {a:?} but Value {b:?}"),
        }
    }

    #[test]
    fn streaming_reader_agrees_with_the_value_tree() {
        let cases: &[(&str, &str)] = &[
            ("sample", SAMPLE),
            ("not an object", "[1, 2]"),
            ("scalar", "\"text\""),
            ("empty object", "{}"),
            (
                "wrong types everywhere",
                r#"{"runtimeTarget": 5, "targets": [1], "libraries": "x", "runtimes": 3}"#,
            ),
            (
                "name not a string",
                r#"{"runtimeTarget": {"name": 7}, "targets": {"a": {"L/1": {"runtime": {"a.dll": {}}}}}}"#,
            ),
            (
                "target chosen by name",
                r#"{"runtimeTarget": {"name": "b"}, "targets": {"a": {"A/1": {}}, "b": {"B/2": {"native": {"x/n.so": 1}}}}}"#,
            ),
            (
                "named target not an object",
                r#"{"runtimeTarget": {"name": "b"}, "targets": {"a": {"A/1": {}}, "b": 4}}"#,
            ),
            (
                "first target when unnamed",
                r#"{"targets": {"z": {"Z/1": {}}, "m": {"M/1": {"runtime": {"m.dll": {}}}}}}"#,
            ),
            (
                "sections of the wrong type",
                r#"{"targets": {"t": {"L/1": {"runtime": [1], "native": "n", "runtimeTargets": [2]}, "K/2": 5}}}"#,
            ),
            (
                "rid assets partly usable",
                r#"{"targets": {"t": {"L/1": {"runtimeTargets": {"a": {"rid": "win"}, "b": {"rid": 1, "assetType": "native"}, "c": {"rid": "unix", "assetType": "resource"}, "d": [1], "e/_._": {"rid": "win", "assetType": "native"}, "f": {"rid": "win", "assetType": "native"}}}}}}"#,
            ),
            (
                "repeated target keeps the last",
                r#"{"targets": {"t": {"L/1": {}}, "t": {"L/2": {}}}, "libraries": {"L/2": {"type": "package", "type": "project"}}}"#,
            ),
            (
                "repeated keys in a library",
                r#"{"targets": {"t": {"L/1": {"runtime": {"a.dll": {}}, "runtime": {"b.dll": {}, "c.dll": 1, "b.dll": {}}}, "M/1": {"runtimeTargets": {"r/x.dll": {"rid": "win", "assetType": "runtime"}, "r/x.dll": {"rid": "unix", "assetType": "runtime"}}}}}}"#,
            ),
            (
                "placeholders and names without version",
                r#"{"targets": {"t": {"NoVersion": {"runtime": {"lib/_._": {}, "z.dll": {}, "a.dll": {}}}}}, "libraries": {"NoVersion": {"type": "weird"}}}"#,
            ),
            (
                "graph",
                r#"{"runtimes": {"win-x64": ["win", 5, "any"], "linux": "x", "osx": {"a": 1}}}"#,
            ),
            (
                "escaped keys",
                r#"{"targets": {"t": {"L\u002f1": {"runtime": {"a\\b.dll": {}}}}}}"#,
            ),
            (
                "number out of range in a skipped field",
                r#"{"targets": {}, "x": 1e400}"#,
            ),
            ("trailing comma", r#"{"targets": {},}"#),
            ("trailing text", r#"{} x"#),
            ("comments", "{ /* c */ \"targets\": {} // d\n}"),
            (
                "deep nesting",
                &format!("{{\"x\": {}{}}}", "[".repeat(200), "]".repeat(200)),
            ),
        ];
        for (name, text) in cases {
            assert_same_reading(name, text.as_bytes());
        }
        assert_same_reading("invalid UTF-8 in a skipped string", b"{\"x\": \"\xff\"}");
        // Real files: the examples' and, when scripts/setup has installed it, the .NET 3.1
        // runtime's own deps.json files.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut seen = 0;
        for dir in ["examples", "tests/fixtures", ".tools"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                let Ok(rd) = std::fs::read_dir(&d) else {
                    continue;
                };
                for e in rd.flatten() {
                    let p = e.path();
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        stack.push(p);
                    } else if p.to_string_lossy().ends_with(".deps.json") {
                        let bytes = std::fs::read(&p).unwrap();
                        assert_same_reading(&p.display().to_string(), &bytes);
                        seen += 1;
                    }
                }
            }
        }
        assert!(
            seen >= 8,
            "only {seen} deps.json files found under examples/"
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for bad in ["", "[]", "{", "{\"targets\": 5}", "\u{0}"] {
            let r = parse(Path::new("x.deps.json"), bad.as_bytes());
            if let Ok(d) = r {
                assert!(d.libraries.is_empty());
            }
        }
    }
}
