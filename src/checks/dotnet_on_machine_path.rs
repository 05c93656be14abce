//! `dotnet-on-machine-path`: when web.config starts the app through a bare `dotnet`, that
//! `dotnet.exe` must be reachable through the MACHINE PATH — the only PATH an app pool sees.
//! Out-of-process, ANCM hands `dotnet` to CreateProcess, which searches the worker's PATH
//! (ancm-reference.md §7.3); in-process it runs `where.exe dotnet.exe` on that PATH and then falls
//! back to the registry and `%ProgramFiles%\dotnet` (§7.2, hostfxr.md §4.5).
use super::{Check, CheckRun, Context};
use crate::deployment::layout::AppKind;
use crate::deployment::web_config::HostingModel;
use crate::diagnostic::{Finding, Level};
use crate::host::facts::PathScope;

pub struct DotnetOnMachinePath;

/// `dotnet` / `dotnet.exe` with no folder: the only form that depends on PATH.
fn is_bare_dotnet(process_path: &str) -> bool {
    let p = process_path.trim().trim_matches('"');
    p.eq_ignore_ascii_case("dotnet") || p.eq_ignore_ascii_case("dotnet.exe")
}

impl Check for DotnetOnMachinePath {
    fn id(&self) -> &'static str {
        "dotnet-on-machine-path"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(machine_path) = &cx.host.machine_path else {
            return CheckRun::Skip(format!(
                "the machine PATH is a Windows fact and these host facts are from `{}`; pass a server snapshot with `--host FILE`",
                cx.host.os
            ));
        };
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip(
                "no readable web.config: cannot tell whether the app is started through `dotnet`"
                    .into(),
            );
        };
        let Some(section) = &wc.aspnetcore else {
            return CheckRun::Skip("web.config has no `aspNetCore` section".into());
        };
        let Some(pp) = &section.process_path else {
            return CheckRun::Skip("web.config has no `processPath`".into());
        };
        // In-process, ANCM also looks for dotnet.exe (same search) to run a framework-dependent
        // apphost app (ancm-reference.md §7.2 step 3).
        let in_process_apphost = matches!(section.hosting_model(), Ok(HostingModel::InProcess))
            && cx.deployment.layout.kind == AppKind::FrameworkDependentApphost;
        if !is_bare_dotnet(&pp.value) && !in_process_apphost {
            return CheckRun::Findings(vec![Finding::note(format!(
                "`processPath=\"{}\"` does not depend on PATH",
                pp.value
            ))]);
        }
        let loc = wc.location(pp.span);
        let on = |scope: PathScope| {
            cx.host
                .dotnet_on_path
                .iter()
                .filter(move |d| d.scope == scope)
        };
        let in_process = matches!(section.hosting_model(), Ok(HostingModel::InProcess));
        let machine_path_text = machine_path.join(";");

        if let Some(first) = on(PathScope::Machine).next() {
            let mut out = vec![Finding::note(format!(
                "`dotnet` resolves through the machine PATH to `{}`",
                first.path
            ))];
            let pool_32 = super::iis_app::app_pool(cx).is_some_and(|p| p.enable_32bit_app_on_win64);
            let worker = if pool_32 { "x86" } else { "x64" };
            if cx.host.arch != "x86_64" {
                // ARM64 hosts (x64 emulation) are not modelled.
            } else if in_process {
                // In-process, ANCM takes the first `dotnet.exe` on PATH whose bitness is the
                // worker's and skips the others (ancm-reference.md §7.2 c, hostfxr.md §4.5).
                if !on(PathScope::Machine).any(|d| d.machine.as_deref() == Some(worker)) {
                    out.push(
                        Finding::warning(format!(
                            "no {worker} `dotnet.exe` on the machine PATH for this {}-bit pool: ANCM skips `{}` and falls back to the registry and `%ProgramFiles%\\dotnet`",
                            if pool_32 { 32 } else { 64 },
                            first.path
                        ))
                        .at(loc)
                        .symptom("500.0")
                        .fix(format!(
                            "install the {worker} .NET runtime (the Hosting Bundle installs both) and put its folder on the machine PATH, or change the pool's Enable 32-Bit Applications"
                        )),
                    );
                }
            } else if first.machine.as_deref() == Some("x86") && !pool_32 {
                // The hosting bundle's x86 folder ahead of the x64 one (ancm-reference.md §7.1).
                out.push(
                    Finding::warning(format!("the first `dotnet.exe` on the machine PATH is 32-bit (`{}`)", first.path))
                        .at(loc)
                        .symptom("502.5")
                        .fix("move `C:\\Program Files\\dotnet\\` before `C:\\Program Files (x86)\\dotnet\\` in the machine PATH, then `iisreset`"),
                );
            }
            return CheckRun::Findings(out);
        }

        let level = if in_process {
            Level::Warning
        } else {
            Level::Error
        };
        let symptom = if in_process { "500.0" } else { "502.5" };
        let consequence = if in_process {
            "ANCM falls back to the registry and `%ProgramFiles%\\dotnet`, which may not be the dotnet you expect"
        } else {
            "the app pool cannot start `dotnet` (0x80070002)"
        };
        let finding = match on(PathScope::User).next().or_else(|| on(PathScope::Process).next()) {
            Some(d) => Finding::new(
                level,
                format!(
                    "`dotnet` is found only through {} PATH (`{}`), which app pools never see: {consequence}",
                    if d.scope == PathScope::User { "your user" } else { "this shell's" },
                    d.dir
                ),
            )
            .fix(format!("add `{}` to the machine PATH (System Properties → Environment Variables → System variables → Path), then `iisreset`", d.dir.trim_end_matches('\\'))),
            None => Finding::new(level, format!("no `dotnet.exe` on the machine PATH: {consequence}"))
                .fix("install the .NET Hosting Bundle (it adds `C:\\Program Files\\dotnet\\` to the machine PATH), then `iisreset`"),
        };
        CheckRun::Findings(vec![finding
            .at(loc)
            .symptom(symptom)
            .evidence("machine PATH", machine_path_text)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;
    use crate::host::facts::DotnetOnPath;

    const SHOP: &str = r"C:\apps\Shop";

    fn only_on_user_path() -> crate::host::HostFacts {
        let mut h = host();
        h.machine_path = Some(vec![r"C:\Windows\system32".into()]);
        h.user_path = Some(vec![r"C:\Users\ops\dotnet".into()]);
        h.dotnet_on_path = vec![DotnetOnPath {
            dir: r"C:\Users\ops\dotnet".into(),
            path: r"C:\Users\ops\dotnet\dotnet.exe".into(),
            scope: PathScope::User,
            machine: Some("x64".into()),
        }];
        h
    }

    #[test]
    fn dotnet_on_machine_path_passes() {
        let f = problems(run(
            &DotnetOnMachinePath,
            &deployment(SHOP, Some(web_config())),
            &host(),
        ));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn user_path_only_fails_out_of_process_and_names_the_folder() {
        let mut wc = web_config();
        wc.aspnetcore.as_mut().unwrap().hosting_model = Some(loc("outofprocess", 8));
        let f = problems(run(
            &DotnetOnMachinePath,
            &deployment(SHOP, Some(wc)),
            &only_on_user_path(),
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Error);
        assert_eq!(f[0].symptom.as_deref(), Some("502.5"));
        assert!(f[0].message.contains("user PATH"), "{}", f[0].message);
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap()
            .contains(r"`C:\Users\ops\dotnet`"));
    }

    #[test]
    fn user_path_only_warns_in_process() {
        let f = problems(run(
            &DotnetOnMachinePath,
            &deployment(SHOP, Some(web_config())),
            &only_on_user_path(),
        ));
        assert_eq!(f[0].level, Level::Warning);
    }

    #[test]
    fn nowhere_says_install_the_bundle() {
        let mut h = only_on_user_path();
        h.dotnet_on_path.clear();
        let f = problems(run(
            &DotnetOnMachinePath,
            &deployment(SHOP, Some(web_config())),
            &h,
        ));
        assert!(f[0].fix.as_deref().unwrap().contains("Hosting Bundle"));
    }

    #[test]
    fn x86_first_on_machine_path_warns_for_a_64_bit_pool() {
        let mut h = host();
        h.dotnet_on_path[0].machine = Some("x86".into());
        let mut wc = web_config();
        wc.aspnetcore.as_mut().unwrap().hosting_model = Some(loc("outofprocess", 8));
        let f = problems(run(&DotnetOnMachinePath, &deployment(SHOP, Some(wc)), &h));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("32-bit"), "{f:?}");
    }

    #[test]
    fn in_process_needs_a_dotnet_of_the_pools_bitness_on_the_machine_path() {
        // LegacyPool is 32-bit; the only machine-PATH dotnet is x64.
        let legacy = deployment(r"D:\sites\legacy", Some(web_config()));
        let f = problems(run(&DotnetOnMachinePath, &legacy, &host()));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("no x86 `dotnet.exe`"),
            "{}",
            f[0].message
        );
        // The 64-bit ShopPool with an x64 dotnet is fine; with only an x86 one it is not.
        let shop = deployment(SHOP, Some(web_config()));
        assert!(problems(run(&DotnetOnMachinePath, &shop, &host())).is_empty());
        let mut h = host();
        h.dotnet_on_path[0].machine = Some("x86".into());
        let f = problems(run(&DotnetOnMachinePath, &shop, &h));
        assert!(f[0].message.contains("no x64 `dotnet.exe`"), "{f:?}");
    }

    #[test]
    fn in_process_framework_dependent_apphost_also_needs_dotnet_on_the_machine_path() {
        let mut wc = web_config();
        wc.aspnetcore.as_mut().unwrap().process_path = Some(loc(r".\Shop.exe", 8));
        let mut d = deployment(SHOP, Some(wc));
        d.layout.kind = AppKind::FrameworkDependentApphost;
        let f = problems(run(&DotnetOnMachinePath, &d, &only_on_user_path()));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].level, Level::Warning);
    }

    #[test]
    fn full_path_or_apphost_does_not_depend_on_path_and_linux_skips() {
        let mut wc = web_config();
        wc.aspnetcore.as_mut().unwrap().process_path = Some(loc(r".\Shop.exe", 8));
        let f = problems(run(
            &DotnetOnMachinePath,
            &deployment(SHOP, Some(wc)),
            &only_on_user_path(),
        ));
        assert!(f.is_empty());
        let mut h = host();
        h.machine_path = None;
        assert!(matches!(
            run(
                &DotnetOnMachinePath,
                &deployment(SHOP, Some(web_config())),
                &h
            ),
            CheckRun::Skip(_)
        ));
    }
}
