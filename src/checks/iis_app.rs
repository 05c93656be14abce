//! Shared by the IIS checks: the skip reasons when there is no IIS in the facts, and finding the
//! app's own site/application/pool from its folder. Pure, like every check.
use super::{CheckRun, Context};
use crate::diagnostic::Finding;
use crate::host::iis_config::{AppMatch, AppPool, IisConfig};

/// The parsed applicationHost.config, or the `Skip` to return.
pub(super) fn config<'a>(cx: &Context<'a>) -> Result<&'a IisConfig, CheckRun> {
    if let Some(reason) = cx.host.iis_skip_reason() {
        return Err(CheckRun::Skip(reason));
    }
    cx.host
        .iis_config()
        .ok_or_else(|| CheckRun::Skip("no IIS configuration in the host facts".into()))
}

/// The IIS application whose physical path is the app folder, or the `Skip` to return.
pub(super) fn locate<'a>(cx: &Context<'a>, cfg: &'a IisConfig) -> Result<AppMatch<'a>, CheckRun> {
    let dir = cx.deployment.app_dir.display().to_string();
    cfg.find_app(&dir, |p| cx.host.expand(p)).ok_or_else(|| {
        CheckRun::Skip(format!(
            "`{dir}` is not the physical path of any IIS application in applicationHost.config"
        ))
    })
}

/// The parsed configuration and the app's own IIS application, or the `Skip` to return.
pub(super) fn app<'a>(cx: &Context<'a>) -> Result<(&'a IisConfig, AppMatch<'a>), CheckRun> {
    let cfg = config(cx)?;
    Ok((cfg, locate(cx, cfg)?))
}

/// The app pool the app runs in, when the facts can tell.
pub(super) fn app_pool<'a>(cx: &Context<'a>) -> Option<&'a AppPool> {
    cx.plan.app_pool
}

/// Adds "which IIS application" evidence, saying when it was matched by folder name only.
pub(super) fn with_app(f: Finding, m: &AppMatch<'_>) -> Finding {
    let how = if m.by_folder_name {
        " (matched by folder name only)"
    } else {
        ""
    };
    f.evidence(
        "IIS application",
        format!(
            "`{}` in pool `{}`{how}",
            m.location_path(),
            m.application.application_pool
        ),
    )
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-built facts for the IIS check tests: the fixture applicationHost.config, a host around
    //! it, and web.config values built without the web.config reader.
    use crate::deployment::layout::{AppKind, AppLayout};
    use crate::deployment::web_config::{Located, Span, WebConfig};
    use crate::deployment::{Deployment, WebConfigState};
    use crate::host::facts::{
        DotnetOnPath, FileFact, HostFacts, IisFacts, ModuleFile, ModuleFileKind, PathScope,
    };
    use crate::host::iis_config;
    use std::path::PathBuf;

    pub const APPHOST: &[u8] = include_bytes!("../../tests/fixtures/host/applicationHost.config");

    pub fn loc(v: &str, line: u32) -> Located<String> {
        Located {
            value: v.to_string(),
            span: Span {
                line,
                column: 1,
                len: v.len() as u32,
            },
        }
    }

    /// A healthy Windows host: IIS 10 with the fixture config, ANCM V2 files present, dotnet on the
    /// machine PATH, VC++ runtime present, PATH unchanged since IIS started.
    pub fn host() -> HostFacts {
        let mut f = HostFacts::basic();
        f.os = "windows".into();
        f.arch = "x86_64".into();
        f.path_variables.insert("SystemDrive".into(), "C:".into());
        f.path_variables
            .insert("ProgramFiles".into(), r"C:\Program Files".into());
        f.path_variables
            .insert("windir".into(), r"C:\Windows".into());
        f.machine_path = Some(vec![
            r"C:\Windows\system32".into(),
            r"C:\Program Files\dotnet\".into(),
        ]);
        f.user_path = Some(vec![]);
        f.dotnet_on_path = vec![DotnetOnPath {
            dir: r"C:\Program Files\dotnet\".into(),
            path: r"C:\Program Files\dotnet\dotnet.exe".into(),
            scope: PathScope::Machine,
            machine: Some("x64".into()),
        }];
        f.machine_environment_changed = Some("2026-01-01T08:00:00+00:00".into());
        let file = |p: &str, v: Option<&str>| FileFact {
            path: p.into(),
            exists: true,
            version: v.map(str::to_string),
        };
        f.vc_runtime = vec![
            file(r"C:\Windows\System32\msvcp140.dll", None),
            file(r"C:\Windows\System32\vcruntime140.dll", None),
            file(r"C:\Windows\SysWOW64\msvcp140.dll", None),
            file(r"C:\Windows\SysWOW64\vcruntime140.dll", None),
        ];
        f.iis = Some(IisFacts {
            version: Some("10.0".into()),
            config_path: r"C:\Windows\System32\inetsrv\config\applicationHost.config".into(),
            config: Some(iis_config::parse(APPHOST).unwrap()),
            config_error: None,
            schema_files: vec![file(
                r"C:\Windows\System32\inetsrv\config\schema\aspnetcore_schema_v2.xml",
                None,
            )],
            module_files: vec![
                ModuleFile {
                    kind: ModuleFileKind::V2Shim,
                    bits: 64,
                    file: file(
                        r"C:\Program Files\IIS\Asp.Net Core Module\V2\aspnetcorev2.dll",
                        Some("18.0.24141.0"),
                    ),
                },
                ModuleFile {
                    kind: ModuleFileKind::V2OutOfProcessHandler,
                    bits: 64,
                    file: file(
                        r"C:\Program Files\IIS\Asp.Net Core Module\V2\18.0.24141\aspnetcorev2_outofprocess.dll",
                        Some("18.0.24141.0"),
                    ),
                },
            ],
            module_registry: vec![],
            service_processes: vec![crate::host::facts::ServiceProcess {
                name: "WAS".into(),
                pid: 1234,
                started: "2026-02-01T08:00:00+00:00".into(),
            }],
            ..IisFacts::default()
        });
        f
    }

    /// The Shop app's web.config (`C:\apps\Shop`): V2, in-process, wrapped in
    /// `<location inheritInChildApplications="false">`.
    pub fn web_config() -> WebConfig {
        crate::deployment::web_config::parse(
            std::path::Path::new(r"C:\apps\Shop\web.config"),
            include_bytes!("../../tests/fixtures/host/web.config-inprocess"),
        )
        .expect("fixture web.config parses")
    }

    pub fn deployment(app_dir: &str, wc: Option<WebConfig>) -> Deployment {
        Deployment {
            app_dir: PathBuf::from(app_dir),
            web_config: match wc {
                Some(wc) => WebConfigState::Parsed(Box::new(wc)),
                None => WebConfigState::Missing,
            },
            layout: AppLayout {
                app_name: Some("Shop".into()),
                kind: AppKind::Unknown,
                ..AppLayout::default()
            },
            app_offline: None,
            deps_json: None,
            runtime_files: Default::default(),
            app_settings: Vec::new(),
        }
    }

    /// Mutable access to the parsed IIS config inside host facts.
    pub fn cfg_mut(h: &mut HostFacts) -> &mut iis_config::IisConfig {
        h.iis.as_mut().unwrap().config.as_mut().unwrap()
    }

    /// Ids of findings by level, for terse assertions.
    pub fn run(check: &dyn super::super::Check, d: &Deployment, h: &HostFacts) -> super::CheckRun {
        check.run(&super::Context::new(d, h))
    }

    pub fn findings(run: super::CheckRun) -> Vec<crate::diagnostic::Finding> {
        match run {
            super::CheckRun::Findings(f) => f,
            super::CheckRun::Skip(r) => panic!("skipped: {r}"),
        }
    }

    pub fn problems(run: super::CheckRun) -> Vec<crate::diagnostic::Finding> {
        findings(run)
            .into_iter()
            .filter(|f| f.level > crate::diagnostic::Level::Note)
            .collect()
    }
}
