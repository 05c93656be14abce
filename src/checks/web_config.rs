//! `web-config`: the app folder has a `web.config` IIS can read, with an `aspNetCore` handler and
//! section (ancm-reference.md §1.3, failure catalog #4, #5).
use super::{Check, CheckRun, Context};
use crate::deployment::WebConfigState;
use crate::diagnostic::{Finding, Level, Location};

pub struct WebConfigPresent;

impl Check for WebConfigPresent {
    fn id(&self) -> &'static str {
        "web-config"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let d = cx.deployment;
        let findings = match &d.web_config {
            WebConfigState::Missing => vec![Finding::error("no `web.config` in the app folder")
                .symptom("403.14")
                .evidence("looked for", d.app_dir.join("web.config").display().to_string())
                .fix("publish with `dotnet publish` (the Web SDK writes web.config) or copy the project's web.config with real `processPath`/`arguments`")],
            WebConfigState::Invalid(e) => {
                let loc = e.position().map(|(line, col)| Location::new(d.app_dir.join("web.config"), line, col));
                vec![Finding::error(format!("IIS cannot read `web.config`: {e}"))
                    .at_opt(loc)
                    .symptom("500.19")
                    .fix("make web.config well-formed XML (UTF-8 or UTF-16 with a BOM)")]
            }
            WebConfigState::Parsed(wc) => {
                let mut f = Vec::new();
                if wc.aspnetcore_handler().is_none() {
                    f.push(Finding::error("no handler routes requests to the ASP.NET Core Module")
                        .symptom("403.14")
                        .fix(r#"add `<handlers><add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" /></handlers>` under `system.webServer`"#));
                }
                if wc.aspnetcore.is_none() {
                    f.push(Finding::error("no `aspNetCore` section: ANCM does not know what to start")
                        .symptom("500.0")
                        .fix(r#"add `<aspNetCore processPath="dotnet" arguments=".\App.dll" />` under `system.webServer`"#));
                }
                f
            }
        };
        CheckRun::Findings(findings)
    }
}
