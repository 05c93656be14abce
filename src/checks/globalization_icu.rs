//! `globalization-icu` (Linux): .NET needs libicu unless the app runs in globalization-invariant
//! mode; without it the runtime aborts at start ("Couldn't find a valid ICU package installed on
//! the system. Set the configuration flag System.Globalization.Invariant to true …").
use super::launch_model::LaunchModel;
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
        let model = LaunchModel::of(cx);
        let in_config = match &cx.deployment.layout.runtime_config {
            Some(Loaded::Parsed { value, .. }) => {
                match value.config_properties.get("System.Globalization.Invariant") {
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
