//! `<App>.deps.json`: what the .NET host (hostpolicy) reads from it (hostfxr.md §6) and which
//! files it will look for in the app folder. Parsing and the asset list are pure; [`read`] also
//! checks which of those files exist (the only I/O here).
//!
//! Scope: what the host does for a *published* app — every runtime and native asset is probed
//! app-local: non-RID-specific assets by file name in the app folder, RID-specific ones
//! (`runtimeTargets`) by their relative path, for the best RID of the target machine. Resource
//! assets are not fatal when missing and are not listed.
use serde_json::{Map, Value};
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

/// The app's deps.json as found on disk, and which of the files it lists exist. Which of them
/// the host needs depends on the machine the app runs on (its RID), so that choice is left to
/// [`DepsJsonFacts::missing`], which is pure.
#[derive(Debug)]
pub struct DepsJsonFacts {
    pub path: PathBuf,
    pub parsed: Result<DepsJson, DepsJsonError>,
    /// App-relative paths (`/`-separated) of every listed asset, for any RID, that exist.
    pub present: std::collections::BTreeSet<String>,
}

impl DepsJsonFacts {
    /// The assets a machine of `os`/`arch` (host spelling: `win`/`linux`/`osx`, `x64` …) will
    /// look for that are not in the app folder, and the RID list used.
    pub fn missing(&self, os: &str, arch: &str) -> (Vec<ExpectedAsset>, Vec<String>) {
        let Ok(deps) = &self.parsed else {
            return (Vec::new(), Vec::new());
        };
        let rids = deps.fallbacks_for(&format!("{os}-{arch}"), default_rid_fallbacks(os, arch));
        let missing = deps
            .expected_assets(&rids)
            .into_iter()
            .filter(|a| !self.present.contains(&a.app_relative_path))
            .collect();
        (missing, rids)
    }
}

/// Parses deps.json bytes (a UTF-8 BOM is allowed).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<DepsJson, DepsJsonError> {
    let root: Value = super::json_file::parse_value(path, bytes)?;
    let schema = |message: &str| DepsJsonError::Schema {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let root = root
        .as_object()
        .ok_or_else(|| schema("the top level is not a JSON object"))?;
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
    // The host uses the target named by runtimeTarget; without one, the first target.
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
        for lib in &self.libraries {
            let mut push = |kind: AssetKind, listed: &str, app_relative: String| {
                out.push(ExpectedAsset {
                    library: lib.name.clone(),
                    version: lib.version.clone(),
                    kind,
                    listed_path: listed.to_string(),
                    app_relative_path: app_relative,
                })
            };
            for (kind, list) in [
                (AssetKind::Runtime, &lib.runtime),
                (AssetKind::Native, &lib.native),
            ] {
                for p in list {
                    push(kind, p, file_name(p).to_string());
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
                        push(kind, &a.path, a.path.clone());
                    }
                }
            }
        }
        out
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
    let mut present = std::collections::BTreeSet::new();
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
/// Each folder is listed once, so thousands of assets cost a few `readdir`s, not a `stat` each.
#[derive(Default)]
struct FolderListing {
    folders: std::collections::HashMap<std::path::PathBuf, Option<Entries>>,
}

/// A folder's entries: lowercase name → (name on disk, is a file).
type Entries = std::collections::HashMap<String, (String, bool)>;

impl FolderListing {
    /// Entries of `dir`, listed once.
    fn entries(&mut self, dir: &Path) -> Option<&Entries> {
        self.folders
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let rd = std::fs::read_dir(dir).ok()?;
                Some(
                    rd.filter_map(Result::ok)
                        .map(|e| {
                            let name = e.file_name().to_string_lossy().into_owned();
                            // `file_type` does not follow links; a link to a file still counts.
                            let is_file = std::fs::metadata(e.path()).is_ok_and(|m| m.is_file());
                            (name.to_lowercase(), (name, is_file))
                        })
                        .collect(),
                )
            })
            .as_ref()
    }

    /// Whether `relative` (`/` or `\` separated) names a file under `root`, case-insensitively.
    fn has_file(&mut self, root: &Path, relative: &str) -> bool {
        let parts: Vec<&str> = relative
            .split(['/', '\\'])
            .filter(|p| !p.is_empty())
            .collect();
        let Some((last, dirs)) = parts.split_last() else {
            return false;
        };
        let mut dir = root.to_path_buf();
        for part in dirs {
            if *part == "." || *part == ".." {
                return false;
            }
            match self.entries(&dir).and_then(|e| e.get(&part.to_lowercase())) {
                Some((on_disk, false)) => dir = dir.join(on_disk),
                _ => return false,
            }
        }
        matches!(
            self.entries(&dir).and_then(|e| e.get(&last.to_lowercase())),
            Some((_, true))
        )
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
