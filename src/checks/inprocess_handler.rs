//! `inprocess-handler`: an in-process app (ANCM V2) must let the module find its request handler,
//! `aspnetcorev2_inprocess.dll`. It is not installed with the module: the shim asks hostfxr for
//! the app's native search directories — the app folder of a self-contained app, the
//! `Microsoft.AspNetCore.App` shared framework of a framework-dependent one — and without it IIS
//! answers 500.33 "ANCM Request Handler Load Failure" with event 1027 "Could not find
//! 'aspnetcorev2_inprocess.dll'" (ancm-reference.md §5 row 21, §9 "V2 in-process handler";
//! ancm-protocol.md §4.10). Pure: the handler's file version is read with the app folder.
use super::{Check, CheckRun, Context};
use crate::deployment::runtime_files::INPROCESS_HANDLER;
use crate::diagnostic::{Finding, Level};

pub struct InProcessHandler;

/// Frameworks that carry the handler (2.x's `Microsoft.AspNetCore.All` includes `App`).
const HANDLER_FRAMEWORKS: &[&str] = &["Microsoft.AspNetCore.App", "Microsoft.AspNetCore.All"];

impl Check for InProcessHandler {
    fn id(&self) -> &'static str {
        "inprocess-handler"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        if !cx.plan.in_process {
            return CheckRun::Skip("the app runs out-of-process".into());
        }
        let d = cx.deployment;
        let handler = d.runtime_files.inprocess_handler.as_ref();
        let found = |h: &crate::deployment::runtime_files::HandlerFile| {
            Finding::note(format!(
                "the in-process handler is in the app folder: `{}`{}",
                h.name,
                h.version
                    .as_deref()
                    .map(|v| format!(", file version {v}"))
                    .unwrap_or_default()
            ))
        };
        if d.runtime_files.carries_own_runtime() {
            // Self-contained: hostfxr's native search directories are the app folder itself.
            return CheckRun::Findings(match handler {
                Some(h) => vec![found(h)],
                None => vec![Finding::error(format!(
                    "the app is self-contained and in-process, but `{INPROCESS_HANDLER}` is not in its folder: ANCM cannot load its request handler"
                ))
                .symptom("500.33")
                .fix("publish again with the `Microsoft.AspNetCore.App` framework reference (the SDK copies the handler into a self-contained output), or set `hostingModel=\"outofprocess\"`")],
            });
        }
        let Some(config) = cx.plan.app_config.as_ref() else {
            return CheckRun::Skip("no readable `<App>.runtimeconfig.json`".into());
        };
        let framework = config.frameworks.iter().find(|f| {
            HANDLER_FRAMEWORKS
                .iter()
                .any(|n| f.name.eq_ignore_ascii_case(n))
        });
        let mut out = Vec::new();
        match (framework, handler) {
            (Some(f), h) => {
                out.push(Finding::note(format!(
                    "the in-process handler comes from the `{}` shared framework{}",
                    f.name,
                    f.version
                        .as_deref()
                        .map(|v| format!(" (the app asks for {v})"))
                        .unwrap_or_default()
                )));
                out.extend(h.map(found));
            }
            // 2.2-era apps may carry it from the Microsoft.AspNetCore.Server.IIS package.
            (None, Some(h)) => out.push(found(h)),
            (None, None) => out.push(
                Finding::error(format!(
                    "the app runs in-process but references neither `Microsoft.AspNetCore.App` nor carries `{INPROCESS_HANDLER}`: ANCM cannot load its request handler"
                ))
                .evidence(
                    "frameworks",
                    if config.frameworks.is_empty() {
                        "(none)".to_string()
                    } else {
                        config
                            .frameworks
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                )
                .symptom("500.33")
                .fix("reference `Microsoft.AspNetCore.App` (`<FrameworkReference Include=\"Microsoft.AspNetCore.App\" />` or the Web SDK), or set `hostingModel=\"outofprocess\"`"),
            ),
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::dotnet::Fixture;
    use crate::diagnostic::Outcome;

    const RC_APP: &str =
        r#"{"runtimeOptions":{"framework":{"name":"Microsoft.AspNetCore.App","version":"2.2.0"}}}"#;
    const RC_CORE: &str =
        r#"{"runtimeOptions":{"framework":{"name":"Microsoft.NETCore.App","version":"8.0.0"}}}"#;

    fn outcome(fx: &Fixture) -> (Outcome, String) {
        let r = fx.run(&InProcessHandler);
        let text = r
            .findings
            .iter()
            .map(|f| format!("{} {:?}", f.message, f.symptom))
            .collect::<Vec<_>>()
            .join("\n");
        (r.outcome, text)
    }

    fn with(rc: &str, files: &[&str]) -> Fixture {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(rc.into());
        fx.runtime_files = files.iter().map(|f| f.to_string()).collect();
        fx
    }

    #[test]
    fn a_framework_dependent_app_without_aspnetcore_app_is_500_33() {
        let (o, text) = outcome(&with(RC_CORE, &["App.dll"]));
        assert_eq!(o, Outcome::Fail, "{text}");
        assert!(
            text.contains("500.33") && text.contains("references neither"),
            "{text}"
        );
    }

    #[test]
    fn a_framework_dependent_app_on_aspnetcore_app_passes() {
        let (o, text) = outcome(&with(RC_APP, &["App.dll"]));
        assert_eq!(o, Outcome::Pass, "{text}");
        assert!(text.contains("(the app asks for 2.2.0)"), "{text}");
        // The healthy fixture (8.0, both frameworks) too.
        assert_eq!(outcome(&Fixture::healthy()).0, Outcome::Pass);
    }

    #[test]
    fn a_handler_the_app_carries_is_enough_without_the_framework() {
        let (o, text) = outcome(&with(RC_CORE, &["App.dll", "aspnetcorev2_inprocess.dll"]));
        assert_eq!(o, Outcome::Pass, "{text}");
        assert!(text.contains("in the app folder"), "{text}");
    }

    #[test]
    fn a_self_contained_app_needs_the_handler_in_its_folder() {
        let runtime = ["App.dll", "hostfxr.dll", "hostpolicy.dll", "coreclr.dll"];
        let (o, text) = outcome(&with(RC_APP, &runtime));
        assert_eq!(o, Outcome::Fail, "{text}");
        assert!(text.contains("self-contained"), "{text}");
        let mut files = runtime.to_vec();
        files.push("AspNetCoreV2_InProcess.dll");
        assert_eq!(outcome(&with(RC_APP, &files)).0, Outcome::Pass);
    }

    #[test]
    fn out_of_process_apps_are_skipped() {
        let mut fx = with(RC_CORE, &["App.dll"]);
        fx.hosting_model = Some("outofprocess".into());
        assert_eq!(outcome(&fx).0, Outcome::Skip);
    }
}
