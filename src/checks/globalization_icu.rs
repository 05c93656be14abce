//! `globalization-icu` (Linux): .NET needs libicu unless the app runs in globalization-invariant
//! mode; without it the runtime aborts at start ("Couldn't find a valid ICU package installed on
//! the system. Set the configuration flag System.Globalization.Invariant to true …").
use super::{Check, CheckRun, Context};
use crate::deployment::layout::Loaded;
use crate::diagnostic::{Finding, Level};
use serde_json::Value;

pub struct GlobalizationIcu;

impl Check for GlobalizationIcu {
    fn id(&self) -> &'static str {
        "globalization-icu"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        if cx.host.os != "linux" {
            return CheckRun::Skip("ICU is only looked for on Linux".into());
        }
        let Some(icu) = &cx.host.dotnet.icu_libraries else {
            return CheckRun::Skip("ICU libraries were not probed on this host".into());
        };
        if !icu.is_empty() {
            return CheckRun::Findings(Vec::new());
        }
        let model = &cx.plan;
        let in_config = match &cx.deployment.layout.runtime_config {
            Some(Loaded::Parsed { value, .. }) => {
                match value
                    .config_properties
                    .get("System.Globalization.Invariant")
                {
                    Some(Value::Bool(b)) => *b,
                    Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
                    _ => false,
                }
            }
            _ => false,
        };
        let in_env = model
            .env
            .iter()
            .filter(|(k, _)| {
                *k == "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"
                    || *k == "COMPlus_System_Globalization_Invariant"
            })
            .any(|(_, v)| v == "1" || v.eq_ignore_ascii_case("true"));
        if in_config || in_env {
            return CheckRun::Findings(Vec::new());
        }
        CheckRun::Findings(vec![Finding::error("no libicu on this machine and the app is not globalization-invariant: the runtime aborts at start")
            .evidence("looked for", "libicuuc.so.* in /usr/lib, /lib, /usr/local/lib and the multiarch folders")
            .symptom(model.start_failure_symptom())
            .fix("install ICU (`apt-get install libicu-dev` / `libicu72`, `dnf install libicu`, `apk add icu-libs`) or set `System.Globalization.Invariant` to true in the runtimeconfig (`<InvariantGlobalization>true</InvariantGlobalization>`)")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::dotnet::{expect, Fixture};
    use crate::diagnostic::Outcome;

    fn linux(icu: Vec<String>) -> Fixture {
        let mut fx = Fixture::healthy();
        fx.host.os = "linux".into();
        fx.host.dotnet.icu_libraries = Some(icu);
        fx
    }

    #[test]
    fn icu_present_passes() {
        expect(
            linux(vec!["/usr/lib/x86_64-linux-gnu/libicuuc.so.72".into()]).run(&GlobalizationIcu),
            Outcome::Pass,
        );
    }

    #[test]
    fn no_icu_and_not_invariant_fails() {
        let fx = linux(Vec::new());
        let r = expect(fx.run(&GlobalizationIcu), Outcome::Fail);
        assert!(r.findings[0].message.contains("no libicu"));
    }

    #[test]
    fn invariant_mode_in_config_or_environment_passes() {
        let mut fx = linux(Vec::new());
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"framework":{"name":"Microsoft.NETCore.App","version":"8.0.0"},"configProperties":{"System.Globalization.Invariant":true}}}"#.into());
        expect(fx.run(&GlobalizationIcu), Outcome::Pass);
        let mut fx = linux(Vec::new());
        fx.web_env
            .push(("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT".into(), "1".into()));
        expect(fx.run(&GlobalizationIcu), Outcome::Pass);
    }

    #[test]
    fn windows_is_skipped() {
        expect(Fixture::healthy().run(&GlobalizationIcu), Outcome::Skip);
    }
}
