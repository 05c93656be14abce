//! What the .NET host makes of one install's facts (`host::dotnet_install::DotnetInstall`): the
//! hostfxr a launch loads (the highest `host/fxr` version, hostfxr.md §4.2), the install's
//! frameworks as a resolution [`Hive`], and the version folders of one framework. The facts
//! layer only records folder names; their meaning as .NET versions lives here, beside the
//! resolution that uses them. Pure.
use super::{FxVersion, Hive, InstalledVersion};
use crate::host::dotnet_install::{DotnetInstall, FrameworkConfig};

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

#[cfg(test)]
mod tests {
    use crate::host::dotnet_install::probe_root;

    #[test]
    fn a_probed_folder_becomes_a_hive_and_a_hostfxr_version() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for d in [
            "host/fxr/3.1.23",
            "host/fxr/8.0.1",
            "host/fxr/not-a-version",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let asp = root.join("shared/Microsoft.AspNetCore.App/8.0.1");
        std::fs::create_dir_all(&asp).unwrap();
        std::fs::write(
            asp.join("Microsoft.AspNetCore.App.runtimeconfig.json"),
            r#"{"runtimeOptions":{"framework":{"name":"Microsoft.NETCore.App","version":"8.0.1"}}}"#,
        )
        .unwrap();
        let bad = root.join("shared/Microsoft.AspNetCore.App/8.0.2");
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join("Microsoft.AspNetCore.App.runtimeconfig.json"), "{").unwrap();
        std::fs::write(asp.join("Microsoft.AspNetCore.App.deps.json"), "{}").unwrap();
        let i = probe_root(root);
        assert_eq!(i.hostfxr_version().unwrap().to_string(), "8.0.1");
        let hive = i.hive();
        let asp = &hive.frameworks["Microsoft.AspNetCore.App"];
        assert_eq!(asp.len(), 2);
        assert!(asp
            .iter()
            .any(|v| v.dir_name == "8.0.2" && v.config.is_err()));
        // Only 8.0.1 has its deps.json.
        assert_eq!(
            i.hive_of_valid_frameworks().frameworks["Microsoft.AspNetCore.App"].len(),
            1
        );
        assert_eq!(
            i.versions_of("Microsoft.AspNetCore.App")
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>(),
            ["8.0.1", "8.0.2"]
        );
    }
}
