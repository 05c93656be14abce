//! `app-pool`: the app's IIS application pool suits an ASP.NET Core app — it exists, runs no
//! managed CLR, loads the user profile, and hosts no other app that would clash with this one
//! (two in-process apps → 500.35, mixed hosting models → 500.34), and is not stopped (503, from
//! the live pool state when the probe could read it). ancm-reference.md §5 rows 2, 22,
//! 23, 50; §6.5.
use super::{iis_app, Check, CheckRun, Context};
use crate::deployment::binary::Machine;
use crate::deployment::web_config::HostingModel;
use crate::diagnostic::{Finding, Level};

pub struct AppPool;

impl Check for AppPool {
    fn id(&self) -> &'static str {
        "app-pool"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let (cfg, m) = match iis_app::app(cx) {
            Ok(found) => found,
            Err(skip) => return skip,
        };
        let pool_name = &m.application.application_pool;
        let Some(pool) = cfg.pool(pool_name) else {
            return CheckRun::Findings(vec![iis_app::with_app(
                Finding::error(format!("the application uses app pool `{pool_name}`, which does not exist"))
                    .symptom("503")
                    .fix("create the pool (No Managed Code) or assign the application to an existing one"),
                &m,
            )]);
        };
        let mut out = Vec::new();
        // The run-time state is not in applicationHost.config; the live probe asks appcmd
        // (ancm-reference.md §5 row 2: a stopped pool answers 503 with no ANCM page).
        let iis = cx.host.iis.as_ref();
        match iis.and_then(|i| i.pool_state(&pool.name)) {
            Some(state) if state.is_stopped() => out.push(iis_app::with_app(
                Finding::error(format!(
                    "pool `{}` is {}: IIS answers every request with 503 Service Unavailable and never starts the app",
                    pool.name,
                    state.state.to_lowercase()
                ))
                .symptom("503")
                .evidence("pool state (appcmd list apppool /xml)", &state.state)
                .evidence("autoStart", pool.auto_start.to_string())
                .fix(format!(
                    "start the pool (`%windir%\\system32\\inetsrv\\appcmd.exe start apppool /apppool.name:\"{}\"`); if it stops again, rapid-fail protection stopped it after repeated worker crashes: find the crash in the Application event log",
                    pool.name
                )),
                &m,
            )),
            Some(_) => {}
            None => {
                if let Some(why) = iis.and_then(|i| i.app_pool_states_error.as_deref()) {
                    out.push(Finding::note(format!(
                        "the run-time state of pool `{}` is unknown ({why}); a stopped pool answers 503",
                        pool.name
                    )));
                }
            }
        }
        if !pool.managed_runtime_version.is_empty() {
            out.push(iis_app::with_app(
                Finding::warning(format!(
                    "pool `{}` loads the .NET Framework CLR (`managedRuntimeVersion=\"{}\"`), which an ASP.NET Core app does not use",
                    pool.name, pool.managed_runtime_version
                ))
                .fix("set the pool's .NET CLR version to \"No Managed Code\" (`managedRuntimeVersion=\"\"`)"),
                &m,
            ));
        }
        if !pool.load_user_profile || !pool.set_profile_environment {
            let which = match (pool.load_user_profile, pool.set_profile_environment) {
                (false, false) => {
                    "`loadUserProfile=\"false\"` and `setProfileEnvironment=\"false\"`"
                }
                (false, true) => "`loadUserProfile=\"false\"`",
                _ => "`setProfileEnvironment=\"false\"`",
            };
            // The seed article's comment: "Cannot get a local application data path. Most probably a
            // user profile is not loaded. If LocalDB is executed under IIS, make sure that profile
            // loading is enabled" — and data-protection keys fall back to memory (row 50).
            out.push(iis_app::with_app(
                Finding::warning(format!(
                    "pool `{}` runs without a user profile ({which}): data-protection keys live in memory (users are logged out and antiforgery tokens fail after every recycle) and SQL Server LocalDB cannot start",
                    pool.name
                ))
                .fix("set Load User Profile = True on the pool (`processModel.loadUserProfile=\"true\"`, `setProfileEnvironment=\"true\"`), or persist data-protection keys to a folder or store"),
                &m,
            ));
        }

        // In-process, the app's native host (self-contained `hostfxr.dll`, or the apphost) loads
        // into w3wp, whose bitness the pool decides (ancm-reference.md §5 rows 20 and 35, §6.5).
        let in_process = cx
            .deployment
            .web_config()
            .and_then(|w| w.aspnetcore.as_ref())
            .is_some_and(|s| matches!(s.hosting_model(), Ok(HostingModel::InProcess)));
        let worker = if pool.enable_32bit_app_on_win64 {
            Some(Machine::X86)
        } else if cx.host.arch == "x86_64" {
            Some(Machine::X64)
        } else {
            None
        };
        let layout = &cx.deployment.layout;
        let native = layout
            .hostfxr
            .iter()
            .chain(layout.process_target.iter())
            .find_map(|f| {
                f.info()
                    .filter(|i| !i.is_managed())
                    .and_then(|i| i.machine())
                    .map(|m| (f, m))
            });
        if let (true, Some(worker), Some((file, machine))) = (in_process, worker, native) {
            if matches!(machine, Machine::X86 | Machine::X64) && machine != worker {
                out.push(iis_app::with_app(
                    Finding::error(format!(
                        "`{}` is {} but pool `{}` runs {} worker processes: an in-process app cannot load into a worker of another bitness",
                        file.name,
                        machine.name(),
                        pool.name,
                        worker.name()
                    ))
                    .symptom("500.32")
                    .evidence("enable32BitAppOnWin64", pool.enable_32bit_app_on_win64.to_string())
                    .fix(if machine == Machine::X86 {
                        format!("set Enable 32-Bit Applications = True on pool `{}`, or publish for win-x64", pool.name)
                    } else {
                        format!("set Enable 32-Bit Applications = False on pool `{}`, or publish for win-x86", pool.name)
                    }),
                    &m,
                ));
            }
        }

        let own_model = cx
            .deployment
            .web_config()
            .and_then(|w| w.aspnetcore.as_ref())
            .and_then(|s| s.hosting_model().ok());
        if let Some(own) = own_model {
            for (site, mate) in cfg.pool_mates(&m) {
                let Some(summary) = &mate.web_config else {
                    continue;
                };
                if summary.ancm_module.is_none() {
                    continue;
                }
                let mate_in = summary.is_in_process();
                let name = if mate.path == "/" {
                    site.name.clone()
                } else {
                    format!("{}{}", site.name, mate.path)
                };
                if own == HostingModel::InProcess && mate_in {
                    out.push(iis_app::with_app(
                        Finding::error(format!("`{name}` also runs in-process in pool `{}`: only one in-process app may run per pool", pool.name))
                            .symptom("500.35")
                            .fix(format!("give `{name}` or this app its own app pool")),
                        &m,
                    ));
                } else if (own == HostingModel::InProcess) != mate_in {
                    out.push(iis_app::with_app(
                        Finding::error(format!(
                            "`{name}` shares pool `{}` but runs {}: one pool cannot mix hosting models",
                            pool.name,
                            if mate_in { "in-process" } else { "out-of-process" }
                        ))
                        .symptom("500.34")
                        .fix(format!("give `{name}` or this app its own app pool")),
                        &m,
                    ));
                }
            }
        }
        if out.iter().all(|f| f.level == Level::Note) {
            out.push(Finding::note(format!(
                "pool `{}`: no managed CLR, {}-bit, identity {}",
                pool.name,
                if pool.enable_32bit_app_on_win64 {
                    32
                } else {
                    64
                },
                pool.identity_type
            )));
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;
    use crate::host::iis_config::WebConfigSummary;

    const SHOP: &str = r"C:\apps\Shop";

    fn set_admin(h: &mut crate::host::HostFacts, summary: Option<WebConfigSummary>) {
        cfg_mut(h).sites[0].applications[2].web_config = summary;
    }

    fn summary(model: &str) -> WebConfigSummary {
        WebConfigSummary {
            ancm_module: Some("AspNetCoreModuleV2".into()),
            hosting_model: Some(model.into()),
            inherited_by_child_applications: false,
            ..WebConfigSummary::default()
        }
    }

    fn healthy() -> crate::host::HostFacts {
        let mut h = host();
        cfg_mut(&mut h)
            .app_pools
            .iter_mut()
            .filter(|p| p.name == "ShopPool")
            .for_each(|p| p.set_profile_environment = true);
        h
    }

    #[test]
    fn healthy_pool_passes() {
        let f = problems(run(
            &AppPool,
            &deployment(SHOP, Some(web_config())),
            &healthy(),
        ));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn two_in_process_apps_in_one_pool_is_500_35() {
        let mut h = healthy();
        set_admin(&mut h, Some(summary("inprocess")));
        let f = problems(run(&AppPool, &deployment(SHOP, Some(web_config())), &h));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].symptom.as_deref(), Some("500.35"));
        assert!(f[0].message.contains("Default Web Site/shop/admin"));
    }

    #[test]
    fn mixed_hosting_models_is_500_34() {
        let mut h = healthy();
        set_admin(&mut h, Some(summary("outofprocess")));
        let f = problems(run(&AppPool, &deployment(SHOP, Some(web_config())), &h));
        assert_eq!(f[0].symptom.as_deref(), Some("500.34"));
    }

    #[test]
    fn managed_clr_and_no_profile_warn() {
        // LegacyPool: v4.0 and loadUserProfile=false.
        let f = problems(run(
            &AppPool,
            &deployment(r"D:\sites\legacy", Some(web_config())),
            &host(),
        ));
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|f| f.level == Level::Warning));
        assert!(f[1].message.contains("LocalDB"));
    }

    #[test]
    fn x64_self_contained_app_in_a_32_bit_pool_is_500_32() {
        // LegacyPool runs 32-bit; the app carries an x64 hostfxr.dll (self-contained).
        let mut d = deployment(r"D:\sites\legacy", Some(web_config()));
        d.layout.hostfxr = Some(crate::deployment::layout::AppFile {
            name: "hostfxr.dll".into(),
            path: r"D:\sites\legacy\hostfxr.dll".into(),
            binary: Ok(crate::deployment::binary::BinaryInfo {
                format: crate::deployment::binary::BinaryFormat::Pe32Plus,
                machines: vec![Machine::X64],
                clr: None,
                ready_to_run_os: None,
            }),
            bundle: None,
        });
        let f = problems(run(&AppPool, &d, &host()));
        let bitness: Vec<_> = f
            .iter()
            .filter(|f| f.symptom.as_deref() == Some("500.32"))
            .collect();
        assert_eq!(bitness.len(), 1, "{f:?}");
        assert!(
            bitness[0].message.contains("`hostfxr.dll` is x64"),
            "{}",
            bitness[0].message
        );
    }

    #[test]
    fn stopped_pool_is_503_and_unknown_state_is_a_note() {
        use crate::host::appcmd::AppPoolState;
        let mut h = healthy();
        let iis = h.iis.as_mut().unwrap();
        iis.app_pool_states = Some(vec![AppPoolState {
            name: "shoppool".into(),
            state: "Stopped".into(),
        }]);
        let f = problems(run(&AppPool, &deployment(SHOP, Some(web_config())), &h));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].level, Level::Error);
        assert_eq!(f[0].symptom.as_deref(), Some("503"));
        assert!(
            f[0].message.contains("`ShopPool` is stopped"),
            "{}",
            f[0].message
        );
        // Started: healthy again.
        h.iis.as_mut().unwrap().app_pool_states = Some(vec![AppPoolState {
            name: "ShopPool".into(),
            state: "Started".into(),
        }]);
        assert!(problems(run(&AppPool, &deployment(SHOP, Some(web_config())), &h)).is_empty());
        // appcmd failed: unknown, said as a note, never a problem.
        let iis = h.iis.as_mut().unwrap();
        iis.app_pool_states = None;
        iis.app_pool_states_error = Some("`appcmd.exe` not found".into());
        let all = findings(run(&AppPool, &deployment(SHOP, Some(web_config())), &h));
        assert!(all.iter().all(|f| f.level == Level::Note), "{all:?}");
        assert!(all.iter().any(|f| f.message.contains("unknown")), "{all:?}");
    }

    #[test]
    fn missing_pool_is_an_error_and_unknown_folder_skips() {
        let mut h = healthy();
        cfg_mut(&mut h).app_pools.retain(|p| p.name != "ShopPool");
        let f = problems(run(&AppPool, &deployment(SHOP, Some(web_config())), &h));
        assert_eq!(f[0].symptom.as_deref(), Some("503"));
        assert!(matches!(
            run(&AppPool, &deployment(r"C:\elsewhere", None), &h),
            CheckRun::Skip(_)
        ));
    }
}
