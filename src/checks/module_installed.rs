//! `module-installed`: the ASP.NET Core Module web.config names is installed in IIS — section
//! declared, schema file present, module registered in `<globalModules>` and enabled in
//! `<modules>`, its DLLs on disk — and not older than the app's ASP.NET Core needs
//! (ancm-reference.md §1.3, §5 rows 5, 8, 12, 24, §6).
use super::iis_app;
use super::{Check, CheckRun, Context};
use crate::deployment::layout::Loaded;
use crate::deployment::web_config::HostingModel;
use crate::diagnostic::{Finding, Level};
use crate::host::facts::{normalize_windows_path, ModuleFileKind};

pub struct ModuleInstalled;

const V2: &str = "AspNetCoreModuleV2";
const V1: &str = "AspNetCoreModule";

impl Check for ModuleInstalled {
    fn id(&self) -> &'static str {
        "module-installed"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let cfg = match iis_app::config(cx) {
            Ok(c) => c,
            Err(skip) => return skip,
        };
        let Some(iis) = cx.host.iis.as_ref() else {
            return CheckRun::Skip("no IIS in the host facts".into());
        };
        let wc = cx.deployment.web_config();
        let handler_module = wc
            .and_then(|w| w.aspnetcore_handler())
            .and_then(|h| h.modules.as_ref());
        let mut out = Vec::new();
        let registered: Vec<&str> = cfg
            .global_modules
            .iter()
            .filter(|m| m.name.to_ascii_lowercase().starts_with("aspnetcoremodule"))
            .map(|m| m.name.as_str())
            .collect();
        let registered_text = if registered.is_empty() {
            "none".to_string()
        } else {
            registered
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let any_module_file = iis.module_files.iter().any(|f| f.file.exists);

        // The section: without it IIS cannot read an `aspNetCore` element at all (row 5).
        if cfg.aspnetcore_section.is_none() {
            out.push(
                Finding::error("the `aspNetCore` section is not declared in applicationHost.config: IIS cannot read the app's `aspNetCore` element")
                    .symptom("500.19")
                    .evidence("applicationHost.config", iis.config_path.clone())
                    .fix("install (or repair) the .NET Hosting Bundle; if an older bundle was reinstalled after removing a newer one, add `<section name=\"aspNetCore\" overrideModeDefault=\"Allow\" />` to the `system.webServer` section group"),
            );
        }

        let wanted = handler_module.map(|m| m.value.trim().to_string());
        match &wanted {
            Some(name) => {
                let loc = handler_module.zip(wc).map(|(m, w)| w.location(m.span));
                let is_v2 = name.eq_ignore_ascii_case(V2);
                if let Some(schema) = iis.schema_files.iter().find(|s| {
                    s.path.to_ascii_lowercase().ends_with(if is_v2 {
                        "aspnetcore_schema_v2.xml"
                    } else {
                        "aspnetcore_schema.xml"
                    })
                }) {
                    if !schema.exists {
                        out.push(
                            Finding::error(format!("the schema file for `{name}` is missing, so IIS does not know the `aspNetCore` section"))
                                .symptom("500.19")
                                .evidence("looked for", schema.path.clone())
                                .fix("repair the .NET Hosting Bundle (Apps & features → Microsoft .NET … Windows Server Hosting → Repair)"),
                        );
                    }
                }
                if cfg.global_module(name).is_none() {
                    let other = if is_v2 { V1 } else { V2 };
                    let mut f = Finding::error(format!(
                        "web.config routes requests to module `{name}`, which IIS does not have"
                    ))
                    .at_opt(loc)
                    .symptom("500.21")
                    .evidence("registered ASP.NET Core modules", registered_text.clone());
                    f = if cfg.global_module(other).is_some() {
                        f.fix(format!("IIS has `{other}` ({}): install the current .NET Hosting Bundle (it registers `{V2}`), or set `modules=\"{other}\"` in web.config", if is_v2 { "the V1 module of ASP.NET Core 2.1 and older" } else { "the V2 module" }))
                    } else if any_module_file {
                        f.fix("the module files are on disk but IIS does not know them (the Hosting Bundle was installed before IIS): run the Hosting Bundle installer again and choose Repair")
                    } else {
                        f.fix("install the .NET Hosting Bundle for the app's ASP.NET Core version, then `iisreset`")
                    };
                    out.push(f);
                } else if let Some(site_path) = iis_app::locate(cx, cfg)
                    .ok()
                    .map(|m| m.location_path())
                    .filter(|p| cfg.module_enabled(name) && !cfg.module_enabled_for(p, name))
                {
                    out.push(
                        Finding::error(format!(
                            "module `{name}` is enabled for the server but removed for `{site_path}` by a `<location>` in applicationHost.config"
                        ))
                        .at_opt(loc.clone())
                        .symptom("500.21")
                        .fix(format!("delete the `<remove name=\"{name}\" />` (or `<clear />`) under `<location path=\"{site_path}\">` in applicationHost.config")),
                    );
                } else if !cfg.module_enabled(name) {
                    out.push(
                        Finding::error(format!("module `{name}` is registered but not enabled in `<modules>`"))
                            .at_opt(loc)
                            .symptom("500.21")
                            .fix(format!("add `<add name=\"{name}\" />` to `system.webServer/modules` in applicationHost.config (or repair the Hosting Bundle)")),
                    );
                }
            }
            None if registered.is_empty() => out.push(
                Finding::error("no ASP.NET Core Module is registered in IIS")
                    .symptom("500.21")
                    .evidence("applicationHost.config", iis.config_path.clone())
                    .fix("install the .NET Hosting Bundle, then `iisreset`"),
            ),
            None => {}
        }

        // The DLL each relevant module loads (image path expanded as IIS would).
        let names: Vec<&str> = match &wanted {
            Some(n) => vec![n.as_str()],
            None => registered.clone(),
        };
        for name in names {
            let Some(m) = cfg.global_module(name) else {
                continue;
            };
            let image = normalize_windows_path(&cx.host.expand(&m.image));
            if let Some(file) = iis
                .module_files
                .iter()
                .find(|f| normalize_windows_path(&f.file.path) == image)
            {
                if !file.file.exists {
                    out.push(
                        Finding::error(format!("module `{name}` points at a DLL that is not there, so IIS worker processes fail to start"))
                            .symptom("503")
                            .evidence("image", m.image.clone())
                            .evidence("looked for", file.file.path.clone())
                            .fix("repair the .NET Hosting Bundle"),
                    );
                }
            }
        }

        // A 32-bit pool loads the 32-bit module: `SysWOW64\inetsrv\aspnetcore.dll` (V1) or
        // `Program Files (x86)\…\aspnetcorev2.dll` (V2); an OS upgrade may remove the former
        // (ancm-reference.md §5 row 9, §6.1).
        let pool_32 = iis_app::locate(cx, cfg)
            .ok()
            .and_then(|m| cfg.pool(&m.application.application_pool))
            .is_some_and(|p| p.enable_32bit_app_on_win64);
        if let (true, Some(name)) = (pool_32, wanted.as_deref()) {
            let kind = if name.eq_ignore_ascii_case(V2) {
                ModuleFileKind::V2Shim
            } else {
                ModuleFileKind::V1Module
            };
            if let Some(f) = iis
                .module_files
                .iter()
                .find(|f| f.kind == kind && f.bits == 32 && !f.file.exists)
            {
                out.push(
                    Finding::error(format!(
                        "the app's pool runs 32-bit but the 32-bit `{name}` DLL is missing, so its worker processes fail to start"
                    ))
                    .symptom("503")
                    .evidence("looked for", f.file.path.clone())
                    .fix("repair the .NET Hosting Bundle (installed without `OPT_NO_X86=1`), or set Enable 32-Bit Applications = False on the pool"),
                );
            }
        }

        // V2 out-of-process needs a `<version>\aspnetcorev2_outofprocess.dll` (row 24).
        let is_v2_app = wanted
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(V2));
        let oop = wc
            .and_then(|w| w.aspnetcore.as_ref())
            .is_some_and(|s| matches!(s.hosting_model(), Ok(HostingModel::OutOfProcess)));
        let shim64 = iis
            .module_files
            .iter()
            .any(|f| f.kind == ModuleFileKind::V2Shim && f.bits == 64 && f.file.exists);
        let handler64 = iis.module_files.iter().any(|f| {
            f.kind == ModuleFileKind::V2OutOfProcessHandler && f.bits == 64 && f.file.exists
        });
        if is_v2_app && oop && shim64 && !handler64 {
            out.push(
                Finding::error("no `aspnetcorev2_outofprocess.dll` in any version folder next to `aspnetcorev2.dll`: the out-of-process handler cannot load")
                    .symptom("500.36")
                    .fix("repair the .NET Hosting Bundle"),
            );
        }

        // Installed module version vs the app's ASP.NET Core.
        let module_version = iis
            .module_files
            .iter()
            .filter(|f| {
                f.kind
                    == if is_v2_app || wanted.is_none() {
                        ModuleFileKind::V2Shim
                    } else {
                        ModuleFileKind::V1Module
                    }
            })
            .filter(|f| f.bits == 64 && f.file.exists)
            .find_map(|f| f.file.version.clone());
        let aspnetcore = match &cx.deployment.layout.runtime_config {
            Some(Loaded::Parsed { value, .. }) => value
                .frameworks
                .iter()
                .chain(value.included_frameworks.iter())
                .find(|f| f.name.eq_ignore_ascii_case("Microsoft.AspNetCore.App"))
                .map(|f| f.version.clone()),
            _ => None,
        };
        // knowledge::min_ancm_for_aspnetcore: the first ANCM of the app's channel (release metadata).
        if let (Some(mv), Some(av)) = (&module_version, &aspnetcore) {
            let have = mv.parse::<crate::knowledge::ModuleVersion>().ok();
            let need = crate::knowledge::min_ancm_for_aspnetcore(av);
            if let (Some(have), Some(need)) = (have, need) {
                if have < need {
                    out.push(
                        Finding::warning(format!(
                            "the installed ASP.NET Core Module `{have}` is older than the one the ASP.NET Core {av} Hosting Bundle installs (`{need}` or later)"
                        ))
                        .evidence("app needs Microsoft.AspNetCore.App", av.clone())
                        .fix(format!("install the .NET Hosting Bundle for ASP.NET Core {av} (or newer), then `iisreset`")),
                    );
                }
            }
        }
        if out.is_empty() {
            if let Some(name) = wanted.as_deref().or(registered.first().copied()) {
                out.push(Finding::note(format!(
                    "`{name}` is registered and enabled{}",
                    module_version
                        .map(|v| format!(", version {v}"))
                        .unwrap_or_default()
                )));
            }
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;

    const SHOP: &str = r"C:\apps\Shop";

    #[test]
    fn healthy_v2_install_passes() {
        let f = problems(run(
            &ModuleInstalled,
            &deployment(SHOP, Some(web_config())),
            &host(),
        ));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn v1_module_named_but_only_v2_installed_is_500_21() {
        let mut wc = web_config();
        wc.handlers[0].modules = Some(loc("AspNetCoreModule", 6));
        let f = problems(run(&ModuleInstalled, &deployment(SHOP, Some(wc)), &host()));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].symptom.as_deref(), Some("500.21"));
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("modules=\"AspNetCoreModuleV2\""));
        assert_eq!(f[0].location.as_ref().unwrap().line, 6);
    }

    #[test]
    fn no_section_and_no_module_is_500_19_and_500_21() {
        let mut h = host();
        let c = cfg_mut(&mut h);
        c.aspnetcore_section = None;
        c.global_modules.retain(|m| m.name != "AspNetCoreModuleV2");
        h.iis.as_mut().unwrap().module_files.clear();
        let f = problems(run(
            &ModuleInstalled,
            &deployment(SHOP, Some(web_config())),
            &h,
        ));
        let symptoms: Vec<_> = f.iter().filter_map(|f| f.symptom.as_deref()).collect();
        assert_eq!(symptoms, ["500.19", "500.21"]);
        assert!(f[1]
            .fix
            .as_deref()
            .unwrap()
            .contains("install the .NET Hosting Bundle"));
    }

    #[test]
    fn registered_but_not_enabled_and_missing_dll() {
        let mut h = host();
        cfg_mut(&mut h).modules.clear();
        h.iis.as_mut().unwrap().module_files[0].file.exists = false;
        let f = problems(run(
            &ModuleInstalled,
            &deployment(SHOP, Some(web_config())),
            &h,
        ));
        assert!(f.iter().any(|f| f.message.contains("not enabled")), "{f:?}");
        assert!(
            f.iter().any(|f| f.symptom.as_deref() == Some("503")),
            "{f:?}"
        );
    }

    #[test]
    fn module_removed_for_the_site_by_a_location_is_500_21() {
        let mut h = host();
        cfg_mut(&mut h)
            .module_overrides
            .push(crate::host::iis_config::ModuleOverride {
                location: "Default Web Site".into(),
                op: "remove".into(),
                name: Some("AspNetCoreModuleV2".into()),
            });
        let f = problems(run(
            &ModuleInstalled,
            &deployment(SHOP, Some(web_config())),
            &h,
        ));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("removed for `Default Web Site/shop`"),
            "{}",
            f[0].message
        );
        // Re-added further down for this app: enabled again.
        cfg_mut(&mut h)
            .module_overrides
            .push(crate::host::iis_config::ModuleOverride {
                location: "Default Web Site/shop".into(),
                op: "add".into(),
                name: Some("AspNetCoreModuleV2".into()),
            });
        assert!(problems(run(
            &ModuleInstalled,
            &deployment(SHOP, Some(web_config())),
            &h
        ))
        .is_empty());
    }

    #[test]
    fn out_of_process_without_handler_folder_is_500_36() {
        let mut h = host();
        h.iis
            .as_mut()
            .unwrap()
            .module_files
            .retain(|m| m.kind != ModuleFileKind::V2OutOfProcessHandler);
        let mut wc = web_config();
        wc.aspnetcore.as_mut().unwrap().hosting_model = Some(loc("outofprocess", 8));
        let f = problems(run(&ModuleInstalled, &deployment(SHOP, Some(wc)), &h));
        assert_eq!(f[0].symptom.as_deref(), Some("500.36"));
    }

    #[test]
    fn module_older_than_the_apps_aspnetcore_warns() {
        let mut h = host();
        h.iis.as_mut().unwrap().module_files[0].file.version = Some("13.1.19320.0".into());
        let mut d = deployment(SHOP, Some(web_config()));
        let rc = crate::deployment::runtime_config::parse(
            std::path::Path::new("Shop.runtimeconfig.json"),
            br#"{"runtimeOptions":{"tfm":"net8.0","framework":{"name":"Microsoft.AspNetCore.App","version":"8.0.0"}}}"#,
        )
        .unwrap();
        d.layout.runtime_config = Some(Loaded::Parsed {
            path: "Shop.runtimeconfig.json".into(),
            value: rc,
        });
        let f = problems(run(&ModuleInstalled, &d, &h));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].level, Level::Warning);
        assert!(f[0].message.contains("`18.0."), "{}", f[0].message);
    }

    #[test]
    fn missing_32_bit_module_for_a_32_bit_pool_is_an_error() {
        let mut h = host();
        h.iis
            .as_mut()
            .unwrap()
            .module_files
            .push(crate::host::facts::ModuleFile {
                kind: ModuleFileKind::V2Shim,
                bits: 32,
                file: crate::host::facts::FileFact {
                    path: r"C:\Program Files (x86)\IIS\Asp.Net Core Module\V2\aspnetcorev2.dll"
                        .into(),
                    exists: false,
                    version: None,
                },
            });
        // LegacyPool (D:\sites\legacy) runs 32-bit; ShopPool does not.
        let f = problems(run(
            &ModuleInstalled,
            &deployment(r"D:\sites\legacy", Some(web_config())),
            &h,
        ));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("32-bit"));
        assert!(problems(run(
            &ModuleInstalled,
            &deployment(SHOP, Some(web_config())),
            &h
        ))
        .is_empty());
    }

    #[test]
    fn skips_without_iis() {
        let mut h = host();
        h.iis = None;
        h.os = "linux".into();
        match run(&ModuleInstalled, &deployment(SHOP, Some(web_config())), &h) {
            CheckRun::Skip(r) => assert!(r.contains("--host"), "{r}"),
            other => panic!("{other:?}"),
        }
    }
}
