//! The .NET host and runtime files a self-contained app carries in its folder (hostfxr.md §1
//! mode detection, §7): `hostfxr`, `hostpolicy`, `coreclr` (`.dll` / `lib*.so` / `lib*.dylib`)
//! and `System.Private.CoreLib.dll`. Answered from the one folder listing ([`FileIndex`]); the
//! one definition of "carries its own runtime" ([`RuntimeFiles::carries_own_runtime`]) that the
//! app-kind classifier and the checks share.
use super::layout::FileIndex;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeFiles {
    /// The file name found, if any, for each component.
    pub hostfxr: Option<String>,
    pub hostpolicy: Option<String>,
    pub coreclr: Option<String>,
    pub corelib: bool,
}

impl RuntimeFiles {
    /// From the app folder's listing (no I/O).
    pub fn from_index(files: &FileIndex) -> RuntimeFiles {
        let names: Vec<String> = files
            .entries()
            .filter(|e| !e.is_dir)
            .map(|e| e.name.clone())
            .collect();
        Self::from_names(&names)
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
