//! The launch plan: what ANCM and the .NET host will do for this app on this machine, computed
//! once from the one listing of the app folder (`Deployment`) and the host facts, and read by
//! every check (`checks::Context::plan`) and by the probe's stand-in decision (`live::stand`).
//!
//! It holds `processPath`/`arguments` resolved against the folder with the worker's
//! environment ([`LaunchTarget`]), how the .NET host sees that start ([`Starter`]), the
//! environment the app will see (machine + web.config, web.config wins, ancm-reference.md §1.1),
//! module generation and hosting model, the app's runtimeconfig, and the dotnet root the launch
//! uses ([`RootChoice`]). Pure.
use super::command_line::is_windows_path;
use super::dotnet_root::{choose_root, Launch, RootChoice};
use super::environment::config_over_worker;
use super::module::worker_env;
use super::{Hosting, LaunchTarget, ModuleVersion, Program, StartKind};
use crate::deployment::layout::Loaded;
use crate::deployment::web_config::HostingModel;
use crate::deployment::Deployment;
use crate::fx::message::MessageContext;
use crate::fx::{self, FxConfig, FxVersion, Hive, RollForwardEnv};
use crate::host::dotnet_install::{host_arch_name, DotnetInstall, RootSource};
use crate::host::iis_config::AppPool;
use crate::host::HostFacts;
use std::collections::BTreeMap;

/// How `processPath` starts the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Starter {
    /// The muxer, on PATH or at a path.
    Muxer(Launch),
    /// An executable in the app folder (`.\App.exe`).
    Executable { path: String },
    /// No usable `processPath` (no web.config section, or a variable ANCM cannot expand here).
    Unknown,
}

/// The host's OS name in the runtime identifier spelling (`win`, `linux`, `osx`).
pub fn rid_os(os: &str) -> &str {
    match os {
        "windows" => "win",
        "macos" => "osx",
        other => other,
    }
}

/// Where and how the app starts, computed once per run.
pub struct Plan<'a> {
    /// `processPath` + `arguments` resolved against the app folder with the worker's
    /// environment; `None` without an `aspNetCore` section.
    pub target: Option<LaunchTarget>,
    pub starter: Starter,
    /// The environment the app's process sees: host facts, overridden by web.config's
    /// `<environmentVariables>`.
    pub env: BTreeMap<String, String>,
    pub in_process: bool,
    /// Module generation and effective hosting model (out-of-process V2 without a section).
    pub hosting: Hosting,
    /// The app's runtimeconfig, when present and parsed.
    pub app_config: Option<FxConfig>,
    pub runtime_config_path: Option<String>,
    /// The IIS app pool that serves the app folder, when the facts can tell.
    pub app_pool: Option<&'a AppPool>,
    /// The chosen dotnet root (framework-dependent launches).
    pub root: Option<RootChoice<'a>>,
    /// `processPath` names a muxer by a Windows absolute path (`C:\Program Files\dotnet\dotnet.exe`)
    /// and the facts are of another OS: the launch is judged with the `dotnet` these facts find
    /// on PATH, as the probe runs it with this machine's. The path as written.
    pub foreign_muxer: Option<String>,
    deployment: &'a Deployment,
    host: &'a HostFacts,
}

impl<'a> Plan<'a> {
    pub fn of(d: &'a Deployment, host: &'a HostFacts) -> Plan<'a> {
        let windows = host.os == "windows";
        let section = d.web_config().and_then(|w| w.aspnetcore.as_ref());
        let env = config_over_worker(
            &host.dotnet.env,
            section.into_iter().flat_map(|s| {
                s.environment_variables
                    .iter()
                    .map(|v| (v.name.value.as_str(), v.value.value.as_str()))
            }),
            windows,
        );
        // V1 always runs out-of-process, whatever `hostingModel` says (`contract::module`).
        let hosting = d
            .web_config()
            .zip(section)
            .map(|(wc, s)| Hosting::of(wc, s))
            .unwrap_or(Hosting {
                module: ModuleVersion::V2,
                module_named: false,
                model: HostingModel::OutOfProcess,
            });
        let in_process = hosting.in_process();
        let worker = worker_env(host);
        let target = section.map(|s| LaunchTarget::resolve(s, &d.layout, &worker));
        let mut starter = match &target {
            None => Starter::Unknown,
            Some(t) => starter(t, &d.app_dir.display().to_string(), windows),
        };
        // A Windows path to the muxer judged on facts of another OS: it is `dotnet` from that
        // root on the server; here it can only be the `dotnet` these facts find on PATH.
        let foreign_muxer = target
            .as_ref()
            .filter(|t| !windows && t.program == Program::Muxer)
            .map(|t| t.process_path.text.trim().to_string())
            .filter(|text| is_windows_path(text) || text.starts_with('%'));
        if foreign_muxer.is_some() {
            starter = Starter::Muxer(Launch::MuxerOnPath);
        }
        let (app_config, runtime_config_path) = match &d.layout.runtime_config {
            Some(Loaded::Parsed { path, value }) => (
                Some(FxConfig::from(value)),
                Some(path.display().to_string()),
            ),
            Some(Loaded::Invalid { path, .. }) => (None, Some(path.display().to_string())),
            None => (None, None),
        };
        let app_pool = app_pool(d, host);
        // In-process on Windows, ANCM itself looks for a muxer of the worker's bitness: x86
        // when the app's pool has `enable32BitAppOnWin64` (found in the IIS facts), else the
        // machine's (ancm-reference.md §6.5, hostfxr.md §4.5).
        let worker_arch = app_pool
            .filter(|pool| pool.enable_32bit_app_on_win64)
            .map(|_| "x86".to_string())
            .unwrap_or_else(|| host_arch_name(&host.arch).to_string());
        if in_process && windows {
            if let Starter::Muxer(Launch::MuxerOnPath) = starter {
                starter = Starter::Muxer(Launch::MuxerOnPathInProcess {
                    arch: worker_arch.clone(),
                });
            }
        }
        let mut root = match &starter {
            Starter::Muxer(launch) => Some(choose_root(&host.dotnet, &host.os, launch, &env)),
            // In-process, ANCM starts a framework-dependent apphost's app through its own
            // dotnet lookup, like `dotnet` (ancm-reference.md §7.2 step 3).
            Starter::Executable { .. } if in_process && windows => Some(choose_root(
                &host.dotnet,
                &host.os,
                &Launch::MuxerOnPathInProcess {
                    arch: worker_arch.clone(),
                },
                &env,
            )),
            Starter::Executable { .. } => {
                // The apphost looks for `DOTNET_ROOT_<ARCH>` and the registered location of
                // its own architecture.
                let arch =
                    apphost_arch(d).unwrap_or_else(|| host_arch_name(&host.arch).to_string());
                Some(choose_root(
                    &host.dotnet,
                    &host.os,
                    &Launch::AppHost { arch },
                    &env,
                ))
            }
            Starter::Unknown => None,
        };
        if let (Some(pp), Some(choice)) = (&foreign_muxer, root.as_mut()) {
            choice.why = format!(
                "`processPath` names `{pp}`, a Windows path, and these facts are of a {} machine: judged with the `dotnet` they find instead — {}",
                if host.os.is_empty() { "non-Windows" } else { host.os.as_str() },
                choice.why
            );
        }
        Plan {
            target,
            starter,
            env,
            in_process,
            hosting,
            app_config,
            runtime_config_path,
            app_pool,
            root,
            foreign_muxer,
            deployment: d,
            host,
        }
    }

    /// The IIS symptom a host failure before `Main` causes for this hosting model.
    pub fn start_failure_symptom(&self) -> &'static str {
        self.hosting.start_failure(StartKind::HostFailure)
    }

    pub fn roll_forward_env(&self, windows: bool) -> RollForwardEnv {
        RollForwardEnv::from_vars(
            self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            windows,
        )
    }

    /// The app is framework-dependent: its runtimeconfig names at least one framework.
    pub fn framework_dependent(&self) -> bool {
        self.app_config
            .as_ref()
            .is_some_and(|c| !c.frameworks.is_empty())
    }

    pub fn install(&self) -> Option<&'a DotnetInstall> {
        self.root.as_ref().and_then(|r| r.install)
    }

    /// `processPath` names the muxer in a folder the facts do not describe at all (not on PATH,
    /// not registered, not a default location, not probed for this app): the facts cannot say
    /// whether .NET is there. The folder, when so.
    pub fn muxer_root_not_in_facts(&self) -> Option<&str> {
        match (&self.starter, &self.root) {
            (Starter::Muxer(Launch::MuxerAt { root }), Some(c)) if c.install.is_none() => {
                Some(root.as_str())
            }
            _ => None,
        }
    }
}

/// The app pool of the IIS application whose physical path is the app folder, when the IIS
/// facts can tell.
fn app_pool<'a>(d: &Deployment, host: &'a HostFacts) -> Option<&'a AppPool> {
    if host.iis_skip_reason().is_some() {
        return None;
    }
    let cfg = host.iis_config()?;
    let dir = d.app_dir.display().to_string();
    let m = cfg.find_app(&dir, |p| host.expand(p))?;
    cfg.pool(&m.application.application_pool)
}

/// The machine of the executable `processPath` names (or the app's apphost), from its header.
pub fn apphost_arch(d: &crate::deployment::Deployment) -> Option<String> {
    let file = d
        .layout
        .process_target
        .as_ref()
        .or(d.layout.apphost.as_ref())?;
    let info = file.info()?;
    if info.is_managed() {
        return None;
    }
    info.machine().map(|m| m.name())
}

/// How the .NET host sees the contract's [`LaunchTarget`] (ancm-reference.md §7.2): the muxer
/// (found on PATH when `processPath` has no folder, else in that folder), or an executable
/// resolved against the app folder. `Unknown` when `processPath` is missing or keeps a `%VAR%`
/// nothing defines.
pub fn starter(target: &LaunchTarget, app_dir: &str, windows: bool) -> Starter {
    let sep = if windows { '\\' } else { '/' };
    let absolute =
        |d: &str| d.starts_with('/') || d.starts_with('\\') || d.as_bytes().get(1) == Some(&b':');
    let in_app = |rel: &str| {
        format!(
            "{app_dir}{sep}{}",
            rel.replace(['/', '\\'], &sep.to_string())
        )
    };
    let text = target.process_path.text.trim().trim_matches('"');
    match &target.program {
        Program::Missing | Program::Unexpanded { .. } => Starter::Unknown,
        Program::Muxer if !target.process_path.unresolved.is_empty() => Starter::Unknown,
        Program::Muxer => Starter::Muxer(match text.rfind(['/', '\\']) {
            None => Launch::MuxerOnPath,
            Some(i) if absolute(&text[..i]) => Launch::MuxerAt {
                root: text[..i].to_string(),
            },
            Some(i) => Launch::MuxerAt {
                root: in_app(text[..i].trim_start_matches(['.', '/', '\\'])),
            },
        }),
        Program::AppFolder { rel, .. } => Starter::Executable { path: in_app(rel) },
        Program::Search { name } => Starter::Executable { path: in_app(name) },
        Program::Absolute { path } => Starter::Executable { path: path.clone() },
    }
}

/// The frameworks the host will search: the chosen root, plus on Windows the global locations
/// when multi-level lookup applies (hostfxr.md §4.3: hostfxr ≤ 6.0, or an app TFM before
/// net7.0 on 7.0+ hosts, unless `DOTNET_MULTILEVEL_LOOKUP=0`).
impl<'a> Plan<'a> {
    /// The frameworks the host will search: the chosen root, plus on Windows the global locations
    /// when multi-level lookup applies.
    pub fn hives(&self, install: &DotnetInstall) -> Vec<Hive> {
        let model = self;
        let skip_invalid = install
            .hostfxr_version()
            .is_some_and(|v| skips_folders_without_deps_json(&v));
        let hive_of = |i: &DotnetInstall| {
            if skip_invalid {
                i.hive_of_valid_frameworks()
            } else {
                i.hive()
            }
        };
        let mut hives = vec![hive_of(install)];
        if self.host.os != "windows" {
            return hives;
        }
        let disabled = model
            .env
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("DOTNET_MULTILEVEL_LOOKUP") && v.trim() == "0");
        let hostfxr_major = install.hostfxr_version().map(|v| v.major()).unwrap_or(0);
        let app_tfm_before_7 = match self.deployment.layout.runtime_config.as_ref() {
            Some(Loaded::Parsed { value, .. }) => value
                .tfm
                .as_deref()
                .and_then(tfm_major)
                .is_some_and(|m| m < 7),
            _ => false,
        };
        if disabled || (hostfxr_major >= 7 && !app_tfm_before_7) {
            return hives;
        }
        for other in &self.host.dotnet.installs {
            let global = other
                .sources
                .iter()
                .any(|s| matches!(s, RootSource::Registered { .. } | RootSource::Default));
            if global && other.root != install.root && other.exists {
                hives.push(hive_of(other));
            }
        }
        hives
    }

    /// The message context for this machine and root.
    pub fn message_context<'b>(
        &'b self,
        install: &'b DotnetInstall,
        arch: &'b str,
        rid: &'b str,
    ) -> MessageContext<'b> {
        let style = fx::message::MessageStyle::for_hostfxr(
            &install
                .hostfxr_version()
                .unwrap_or_else(|| FxVersion::new(8, 0, 0)),
        );
        MessageContext {
            style,
            arch,
            rid,
            os: rid_os(&self.host.os),
            app_path: self.runtime_config_path.as_deref().unwrap_or_default(),
            dotnet_root: &install.root,
            runtime_config_path: self.runtime_config_path.as_deref().unwrap_or_default(),
        }
    }
}

/// Whether this hostfxr ignores framework folders without `<name>.deps.json`: dotnet/runtime#90035
/// (.NET 8.0), backported by #92032/#92033 to 6.0 and 7.0 servicing in September 2023 — first
/// shipped, we infer, in 6.0.23 and 7.0.12 (October 2023) [INFER]. Older hosts (3.1 verified by
/// the differential tier) pick such a folder and fail.
pub fn skips_folders_without_deps_json(hostfxr: &FxVersion) -> bool {
    match (hostfxr.major(), hostfxr.minor()) {
        (6, 0) => hostfxr.patch() >= 23,
        (7, 0) => hostfxr.patch() >= 12,
        (m, _) => m >= 8,
    }
}

/// `net8.0` → 8, `netcoreapp3.1` → 3.
pub fn tfm_major(tfm: &str) -> Option<i64> {
    let rest = tfm
        .strip_prefix("netcoreapp")
        .or_else(|| tfm.strip_prefix("net"))?;
    rest.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::command_line::no_env;
    use crate::contract::{AppFolder, PathState};

    #[test]
    fn in_process_worker_bitness_follows_the_pools_32_bit_setting() {
        use crate::checks::fixtures::iis::{deployment, host, web_config};
        // LegacyPool (D:\sites\legacy) runs 32-bit workers; ShopPool (C:\apps\Shop) 64-bit.
        let h = host();
        let legacy = deployment(r"D:\sites\legacy", Some(web_config()));
        assert_eq!(
            Plan::of(&legacy, &h).starter,
            Starter::Muxer(Launch::MuxerOnPathInProcess { arch: "x86".into() })
        );
        let shop = deployment(r"C:\apps\Shop", Some(web_config()));
        assert_eq!(
            Plan::of(&shop, &h).starter,
            Starter::Muxer(Launch::MuxerOnPathInProcess { arch: "x64".into() })
        );
    }

    /// `processPath` alone, nothing known of the folder.
    fn classify(process_path: &str, app_dir: &str, windows: bool) -> Starter {
        struct Unlisted;
        impl AppFolder for Unlisted {
            fn state(&self, _: &str) -> PathState {
                PathState::Unknown
            }
        }
        let target = LaunchTarget::resolve_text(process_path, "", &Unlisted, &no_env);
        starter(&target, app_dir, windows)
    }

    #[test]
    fn classifies_process_paths() {
        assert_eq!(
            classify("dotnet", "C:\\app", true),
            Starter::Muxer(Launch::MuxerOnPath)
        );
        assert_eq!(
            classify("DOTNET.EXE", "C:\\app", true),
            Starter::Muxer(Launch::MuxerOnPath)
        );
        assert_eq!(
            classify(r"C:\dn\dotnet.exe", "C:\\app", true),
            Starter::Muxer(Launch::MuxerAt {
                root: r"C:\dn".into()
            })
        );
        assert_eq!(
            classify(r".\App.exe", "C:\\app", true),
            Starter::Executable {
                path: r"C:\app\App.exe".into()
            }
        );
        assert_eq!(
            classify("%LAUNCHER_PATH%", "C:\\app", true),
            Starter::Unknown
        );
        // A Unix absolute path is that path, not one inside the app folder.
        assert_eq!(
            classify("/usr/bin/node", "/srv/app", false),
            Starter::Executable {
                path: "/usr/bin/node".into()
            }
        );
        assert_eq!(
            classify("/opt/dotnet/dotnet", "/srv/app", false),
            Starter::Muxer(Launch::MuxerAt {
                root: "/opt/dotnet".into()
            })
        );
    }

    #[test]
    fn tfm_majors() {
        assert_eq!(tfm_major("net8.0"), Some(8));
        assert_eq!(tfm_major("netcoreapp3.1"), Some(3));
        assert_eq!(tfm_major("netstandard2.0"), None);
    }
}
