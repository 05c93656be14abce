//! `self-contained`: the app's deployment mode agrees with itself and with how it is started
//! (hostfxr.md §1 mode detection, §3.1 `includedFrameworks`, §7): a self-contained app carries
//! its host files and is started through its own executable; a framework-dependent one does not
//! carry a stray `hostfxr` that would flip the host into self-contained mode.
use super::{Check, CheckRun, Context};
use crate::contract::plan::Starter;
use crate::contract::PublishedLaunch;
use crate::diagnostic::{Finding, Level};
use crate::fx::message::exit_code_forms;
use crate::fx::resolve::CORE_HOST_LIB_MISSING_FAILURE;

pub struct SelfContained;

impl Check for SelfContained {
    fn id(&self) -> &'static str {
        "self-contained"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let model = &cx.plan;
        let Some(config) = &model.app_config else {
            return CheckRun::Skip("no readable runtimeconfig.json".into());
        };
        let files = &cx.deployment.runtime_files;
        let symptom = model.start_failure_symptom();
        let mut f = Vec::new();
        let scd = !config.included_frameworks.is_empty();
        if scd && !config.frameworks.is_empty() {
            f.push(Finding::error("the runtimeconfig lists both `includedFrameworks` (self-contained) and `framework`/`frameworks` (framework-dependent)")
                .evidence("exit code", exit_code_forms(crate::fx::resolve::INVALID_CONFIG_FILE))
                .symptom(symptom)
                .fix("republish the app in one mode: `dotnet publish --self-contained true` or `false`"));
        }
        if scd && !files.has_host() {
            f.push(Finding::error(format!(
                "the app is self-contained (`includedFrameworks`) but the runtime files are missing from the app folder: {}",
                files.missing_for_self_contained().join(", ")
            ))
            .evidence("exit code", exit_code_forms(CORE_HOST_LIB_MISSING_FAILURE))
            .symptom(symptom)
            .fix("deploy the whole self-contained publish output (hostfxr, hostpolicy, coreclr and the framework assemblies)"));
        }
        if scd {
            if let Starter::Muxer(_) = model.starter {
                // The app's exe as it is on disk, when publish would start it that way.
                let exe = match PublishedLaunch::for_layout(&cx.deployment.layout) {
                    Some(p @ PublishedLaunch::Executable { .. }) => p.process_path(),
                    _ => r".\App.exe".to_string(),
                };
                f.push(Finding::warning("the self-contained app is started through `dotnet`: the machine's muxer and hostfxr start it instead of the app's own executable")
                    .fix(format!(r#"set `processPath="{exe}"` (the app's executable) and remove the dll from `arguments`"#)));
            }
        }
        if !scd && !config.frameworks.is_empty() && files.hostfxr.is_some() {
            f.push(Finding::warning(format!(
                "the app is framework-dependent but `{}` sits in the app folder: an apphost launch treats the app as self-contained",
                files.hostfxr.as_deref().unwrap_or_default()
            ))
            .symptom(symptom)
            .fix("delete stale runtime files left over from an earlier self-contained deployment"));
        }
        CheckRun::Findings(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::dotnet::{expect, Fixture};
    use crate::diagnostic::Outcome;

    const SCD: &str = r#"{"runtimeOptions":{"tfm":"net8.0","includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"8.0.11"}]}}"#;

    #[test]
    fn healthy_framework_dependent_app_passes() {
        expect(Fixture::healthy().run(&SelfContained), Outcome::Pass);
    }

    #[test]
    fn self_contained_without_runtime_files_fails() {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(SCD.into());
        fx.process_path = r".\App.exe".into();
        let r = expect(fx.run(&SelfContained), Outcome::Fail);
        assert!(
            r.findings[0]
                .message
                .contains("hostfxr, hostpolicy, coreclr"),
            "{}",
            r.findings[0].message
        );
        fx.runtime_files = vec![
            "hostfxr.dll".into(),
            "hostpolicy.dll".into(),
            "coreclr.dll".into(),
            "System.Private.CoreLib.dll".into(),
        ];
        expect(fx.run(&SelfContained), Outcome::Pass);
        // Started through dotnet: a warning.
        fx.process_path = "dotnet".into();
        expect(fx.run(&SelfContained), Outcome::Warn);
    }

    #[test]
    fn stray_hostfxr_next_to_a_framework_dependent_app() {
        let mut fx = Fixture::healthy();
        fx.runtime_files.push("hostfxr.dll".into());
        expect(fx.run(&SelfContained), Outcome::Warn);
    }
}
