//! The .NET host and runtime files a self-contained app carries in its folder (hostfxr.md §1
//! mode detection, §7): `hostfxr`, `hostpolicy`, `coreclr` (`.dll` / `lib*.so` / `lib*.dylib`)
//! and `System.Private.CoreLib.dll`. Reads only the folder listing.
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeFiles {
    /// The file name found, if any, for each component.
    pub hostfxr: Option<String>,
    pub hostpolicy: Option<String>,
    pub coreclr: Option<String>,
    pub corelib: bool,
}

impl RuntimeFiles {
    pub fn read(app_dir: &Path) -> RuntimeFiles {
        let names: Vec<String> = std::fs::read_dir(app_dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
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

    /// The folder holds what the host needs to run the app self-contained.
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
