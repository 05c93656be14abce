//! Which dotnet root a launch uses, and why (hostfxr.md §4.1, §4.5, ancm-reference.md §7): the
//! muxer found on the worker's PATH (out-of-process: `CreateProcess`; in-process: ANCM's
//! `where.exe` search of the worker's bitness, then the registered location, then Program
//! Files), a muxer at the path `processPath` names, or a framework-dependent apphost's
//! `DOTNET_ROOT*` / registered / default location. One root, no fallback, as the launcher does.
//!
//! Pure over the install facts (`host::dotnet_install`): the host layer gathers, this decides.
use crate::host::dotnet_install::{same_path, DotnetFacts, DotnetInstall, RootSource};
use crate::host::facts::PathScope;
use std::collections::BTreeMap;

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
}

#[cfg(test)]
mod worker_path_tests {
    //! The root an IIS worker uses on Windows: machine PATH, never the probing user's PATH,
    //! then the registered location, then the default folder — for both bitnesses.
    use super::*;
    use crate::host::dotnet_install::default_locations;
    use crate::host::HostFacts;

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
