//! `dotnet-architecture`: the `dotnet` the launch uses is built for the machine's architecture
//! (hostfxr.md §4.4, ancm-reference.md §7.1/§7.4). A 32-bit `C:\Program Files (x86)\dotnet`
//! first on PATH runs the app as a 32-bit process with only the x86 runtimes — often without the
//! ASP.NET Core framework installed for x86 — and in-process hosting in a 64-bit worker cannot
//! use it at all.
use super::{Check, CheckRun, Context};
use crate::contract::plan::Starter;
use crate::deployment::binary::ManagedArch;
use crate::diagnostic::{Finding, Level};
use crate::host::dotnet_install::host_arch_name;

pub struct DotnetArchitecture;

impl Check for DotnetArchitecture {
    fn id(&self) -> &'static str {
        "dotnet-architecture"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let model = &cx.plan;
        if !matches!(model.starter, Starter::Muxer(_)) {
            return CheckRun::Skip("the app is not started through `dotnet`".into());
        }
        let Some(install) = model.install() else {
            return CheckRun::Skip("the `dotnet` the launch uses was not probed".into());
        };
        let Some(muxer_arch) = &install.muxer_arch else {
            return CheckRun::Skip("the muxer's architecture is unknown".into());
        };
        let machine = host_arch_name(&cx.host.arch);
        let mut f = Vec::new();
        if muxer_arch != machine {
            let mut finding = Finding::warning(format!(
                "the `dotnet` the launch uses is {muxer_arch} while the machine is {machine}"
            ))
            .evidence("muxer", install.muxer.clone().unwrap_or_default())
            .fix(format!(
                "put the {machine} dotnet folder first on the machine PATH (e.g. `C:\\Program Files\\dotnet\\` before `C:\\Program Files (x86)\\dotnet\\`) and restart IIS"
            ));
            if let Some(why) = model.root.as_ref().map(|r| r.why.clone()) {
                finding = finding.evidence("chosen because", why);
            }
            f.push(finding);
        }
        // A managed dll bound to one machine (e.g. PlatformTarget x86) cannot run in the
        // muxer's process of another (ancm-reference.md §5 rows 28, 34, 35).
        if let Some(ManagedArch::Only(m)) = cx
            .deployment
            .layout
            .main_dll
            .as_ref()
            .and_then(|f| f.info())
            .and_then(|i| i.managed_arch())
        {
            if m.name() != *muxer_arch {
                let dll = cx
                    .deployment
                    .layout
                    .main_dll
                    .as_ref()
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                f.push(
                    Finding::error(format!(
                        "`{dll}` is built for {} only, but the `dotnet` the launch uses is {muxer_arch}",
                        m.name()
                    ))
                    .evidence("muxer", install.muxer.clone().unwrap_or_default())
                    .symptom(model.hosting.start_failure(crate::contract::StartKind::Crash))
                    .fix(format!(
                        "build the app as AnyCPU (remove `<PlatformTarget>`), or run it with the {} dotnet (for in-process: set the app pool's Enable 32-Bit Applications to match)",
                        m.name()
                    )),
                );
            }
        }
        CheckRun::Findings(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::dotnet::{expect, Fixture};
    use crate::diagnostic::Outcome;

    #[test]
    fn matching_architecture_passes() {
        expect(Fixture::healthy().run(&DotnetArchitecture), Outcome::Pass);
    }

    #[test]
    fn x86_dotnet_first_on_path_warns() {
        let mut fx = Fixture::healthy();
        fx.host.dotnet.installs[0].muxer_arch = Some("x86".into());
        let r = expect(fx.run(&DotnetArchitecture), Outcome::Warn);
        assert!(r.findings[0]
            .message
            .contains("x86 while the machine is x64"));
    }

    #[test]
    fn x86_only_dll_on_x64_dotnet_fails() {
        // I386 with ILONLY | 32BITREQUIRED: `<PlatformTarget>x86</PlatformTarget>`.
        let mut fx = Fixture::healthy();
        fx.main_dll = Some((0x014C, 0x1 | 0x2));
        let r = expect(fx.run(&DotnetArchitecture), Outcome::Fail);
        assert!(
            r.findings[0].message.contains("built for x86 only"),
            "{}",
            r.findings[0].message
        );
        assert_eq!(r.findings[0].symptom.as_deref(), Some("500.30"));
        // AnyCPU (ILONLY only) is fine.
        fx.main_dll = Some((0x014C, 0x1));
        expect(fx.run(&DotnetArchitecture), Outcome::Pass);
    }

    #[test]
    fn apphost_launch_is_skipped() {
        let mut fx = Fixture::healthy();
        fx.process_path = r".\App.exe".into();
        expect(fx.run(&DotnetArchitecture), Outcome::Skip);
    }
}
