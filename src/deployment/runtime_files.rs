//! The .NET host and runtime files a self-contained app carries in its folder (hostfxr.md §1
//! mode detection, §7): `hostfxr`, `hostpolicy`, `coreclr` (`.dll` / `lib*.so` / `lib*.dylib`)
//! and `System.Private.CoreLib.dll`. Answered from the one folder listing ([`FileIndex`]); the
//! one definition of "carries its own runtime" ([`RuntimeFiles::carries_own_runtime`]) that the
//! app-kind classifier and the checks share. Also ANCM V2's in-process request handler
//! (`aspnetcorev2_inprocess.dll`) when the app carries it, with its file version.
use super::layout::FileIndex;
use std::path::Path;

/// ANCM V2's in-process request handler (ancm-reference.md §9: not installed with the module;
/// found through hostfxr's native search directories — the app folder of a self-contained app,
/// the `Microsoft.AspNetCore.App` shared framework of a framework-dependent one).
pub const INPROCESS_HANDLER: &str = "aspnetcorev2_inprocess.dll";

/// Larger than any real handler (about 1 MB): a bigger file of that name is not read for its
/// version.
const HANDLER_READ_LIMIT: u64 = 32 * 1024 * 1024;

/// The in-process handler in the app folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlerFile {
    /// The name as it is on disk.
    pub name: String,
    /// Its `VS_FIXEDFILEINFO` file version (`12.2.18316.0` for ASP.NET Core 2.2.0's), when
    /// readable.
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeFiles {
    /// The file name found, if any, for each component.
    pub hostfxr: Option<String>,
    pub hostpolicy: Option<String>,
    pub coreclr: Option<String>,
    pub corelib: bool,
    /// `aspnetcorev2_inprocess.dll` in the app folder.
    pub inprocess_handler: Option<HandlerFile>,
}

impl RuntimeFiles {
    /// From the app folder's listing (no I/O): a few lookups, whatever the folder's size.
    pub fn from_index(files: &FileIndex) -> RuntimeFiles {
        let name = |n: &str| files.file(n).map(|e| e.name.clone());
        // Of the spellings present, the first in listing order (the index's lowercase order),
        // as [`RuntimeFiles::from_names`] picks from a listing.
        let find = |stem: &str| {
            let mut candidates = [
                format!("{stem}.dll"),
                format!("lib{stem}.so"),
                format!("lib{stem}.dylib"),
            ];
            candidates.sort();
            candidates.iter().find_map(|c| name(c))
        };
        RuntimeFiles {
            hostfxr: find("hostfxr"),
            hostpolicy: find("hostpolicy"),
            coreclr: find("coreclr"),
            corelib: name("System.Private.CoreLib.dll").is_some(),
            inprocess_handler: name(INPROCESS_HANDLER).map(|name| HandlerFile {
                name,
                version: None,
            }),
        }
    }

    /// [`RuntimeFiles::from_index`], plus the in-process handler's file version read from disk.
    pub fn read(app_dir: &Path, files: &FileIndex) -> RuntimeFiles {
        let mut r = Self::from_index(files);
        if let Some(h) = r.inprocess_handler.as_mut() {
            let path = app_dir.join(&h.name);
            h.version = std::fs::metadata(&path)
                .ok()
                .filter(|m| m.is_file() && m.len() <= HANDLER_READ_LIMIT)
                .and_then(|_| crate::host::pe::file_version_of(&path));
        }
        r
    }

    pub fn from_names(names: &[String]) -> RuntimeFiles {
        let find = |stem: &str| {
            let candidates = [
                format!("{stem}.dll"),
                format!("lib{stem}.so"),
                format!("lib{stem}.dylib"),
            ];
            names
                .iter()
                .find(|n| candidates.iter().any(|c| c.eq_ignore_ascii_case(n)))
                .cloned()
        };
        RuntimeFiles {
            hostfxr: find("hostfxr"),
            hostpolicy: find("hostpolicy"),
            coreclr: find("coreclr"),
            corelib: names
                .iter()
                .any(|n| n.eq_ignore_ascii_case("System.Private.CoreLib.dll")),
            inprocess_handler: names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(INPROCESS_HANDLER))
                .map(|n| HandlerFile {
                    name: n.clone(),
                    version: None,
                }),
        }
    }

    /// The app was published with its own runtime: any of hostfxr, hostpolicy or coreclr next
    /// to it (hostfxr.md §7; an apphost that finds hostfxr beside it runs self-contained, §4.1).
    /// Whether that runtime is complete is [`RuntimeFiles::has_host`].
    pub fn carries_own_runtime(&self) -> bool {
        self.hostfxr.is_some() || self.hostpolicy.is_some() || self.coreclr.is_some()
    }

    /// The folder holds what the host needs to run the app self-contained: hostfxr's mode
    /// detection looks for hostpolicy and coreclr in the app folder (hostfxr.md §1).
    pub fn has_host(&self) -> bool {
        self.hostpolicy.is_some() && self.coreclr.is_some()
    }

    /// The components a self-contained app is missing.
    pub fn missing_for_self_contained(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if self.hostfxr.is_none() {
            m.push("hostfxr");
        }
        if self.hostpolicy.is_none() {
            m.push("hostpolicy");
        }
        if self.coreclr.is_none() {
            m.push("coreclr");
        }
        if !self.corelib {
            m.push("System.Private.CoreLib.dll");
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_lookup_agrees_with_a_scan_of_the_listing() {
        let listings: &[&[&str]] = &[
            &["App.dll", "web.config"],
            &["libhostfxr.so", "HOSTFXR.dll", "libhostfxr.dylib", "sub/"],
            &[
                "libHostPolicy.dylib",
                "libhostpolicy.so",
                "CoreClr.dll/",
                "libcoreclr.so",
            ],
            &[
                "system.private.corelib.DLL",
                "AspNetCoreV2_InProcess.dll",
                "x/",
            ],
            &["System.Private.CoreLib.dll/", "aspnetcorev2_inprocess.dll/"],
        ];
        for names in listings {
            let index = FileIndex::from_names(names);
            let files: Vec<String> = index
                .entries()
                .filter(|e| !e.is_dir)
                .map(|e| e.name.clone())
                .collect();
            assert_eq!(
                RuntimeFiles::from_index(&index),
                RuntimeFiles::from_names(&files),
                "{names:?}"
            );
        }
    }

    #[test]
    fn recognises_each_platform_spelling() {
        let f = RuntimeFiles::from_names(&[
            "hostfxr.dll".into(),
            "libhostpolicy.so".into(),
            "libcoreclr.dylib".into(),
            "System.Private.CoreLib.dll".into(),
        ]);
        assert!(f.has_host() && f.corelib);
        assert!(f.missing_for_self_contained().is_empty());
        let none = RuntimeFiles::from_names(&["App.dll".into()]);
        assert!(!none.has_host());
        assert_eq!(none.missing_for_self_contained().len(), 4);
    }
}
