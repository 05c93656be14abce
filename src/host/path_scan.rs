//! Looks for the `dotnet` executable in each folder of a PATH and records where it was found and
//! for which machine. Reads files only; used by both probes.
use super::facts::{DotnetOnPath, PathScope};
use std::path::Path;

/// `dotnet.exe` on Windows, `dotnet` elsewhere.
pub const DOTNET_EXE: &str = if cfg!(windows) {
    "dotnet.exe"
} else {
    "dotnet"
};

/// Every `dotnet` in `dirs`, in PATH order.
pub fn dotnet_on(dirs: &[String], scope: PathScope) -> Vec<DotnetOnPath> {
    dirs.iter()
        .filter(|d| !d.trim().is_empty())
        .filter_map(|dir| {
            let path = Path::new(dir.trim().trim_matches('"')).join(DOTNET_EXE);
            path.is_file().then(|| DotnetOnPath {
                dir: dir.clone(),
                path: path.display().to_string(),
                scope,
                machine: super::pe::machine_of(&path),
            })
        })
        .collect()
}

/// Splits a PATH value the way Windows does (`;`, empty entries dropped).
pub fn split_windows_path(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
