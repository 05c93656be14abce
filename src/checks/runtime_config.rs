//! `runtime-config`: the app's `<App>.runtimeconfig.json` is present and the .NET host accepts
//! it (hostfxr.md §3.1, §5.4): valid JSON, known `rollForward` values, no mixing of `rollForward`
//! with the legacy `rollForwardOnNoCandidateFx`/`applyPatches`, no duplicate frameworks, and a
//! valid `DOTNET_ROLL_FORWARD`. A missing file (or one naming no framework) makes the host run
//! the app as self-contained, which fails unless the runtime is in the app folder.
use super::{Check, CheckRun, Context};
use crate::contract::plan::Starter;
use crate::deployment::layout::{AppKind, Loaded};
use crate::deployment::runtime_config::RuntimeConfigError;
use crate::diagnostic::{Finding, Level, Location};
use crate::fx::message::exit_code_forms;
use crate::fx::resolve::{CORE_HOST_LIB_MISSING_FAILURE, INVALID_CONFIG_FILE};
use crate::fx::roll_forward::references;

pub struct RuntimeConfigValid;

impl Check for RuntimeConfigValid {
    fn id(&self) -> &'static str {
        "runtime-config"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let model = &cx.plan;
        if model.starter == Starter::Unknown {
            return CheckRun::Skip("no usable `processPath` in web.config".into());
        }
        let symptom = model.start_failure_symptom();
        let self_contained_files = cx.deployment.runtime_files.has_host();
        let invalid = |message: String, host_line: Option<String>| {
            let mut f = Finding::error(message)
                .evidence("exit code", exit_code_forms(INVALID_CONFIG_FILE))
                .symptom(symptom)
                .fix("fix `runtimeOptions` in the runtimeconfig (republish with `dotnet publish` to regenerate it)");
            if let Some(line) = host_line {
                f = f.evidence("host output", line);
            }
            f
        };
        let findings = match &cx.deployment.layout.runtime_config {
            None if self_contained_files => Vec::new(),
            // A .NET Framework exe has no runtimeconfig (no .NET host starts it), and a
            // single-file bundle carries its own inside the bundle (hostfxr.md §7).
            None if matches!(
                cx.deployment.layout.kind,
                AppKind::NetFramework | AppKind::SingleFileBundle
            ) =>
            {
                Vec::new()
            }
            None => vec![Finding::error("no `*.runtimeconfig.json` in the app folder: the host runs the app as self-contained and finds no runtime there")
                .evidence("exit code", exit_code_forms(CORE_HOST_LIB_MISSING_FAILURE))
                .symptom(symptom)
                .fix("deploy `<App>.runtimeconfig.json` from the publish output (it is filtered out by some copy/deploy steps)")],
            Some(Loaded::Invalid { path, error }) => {
                let loc = match error {
                    RuntimeConfigError::Json { line, column, .. } => {
                        Some(Location::new(path, *line, *column))
                    }
                    _ => None,
                };
                vec![invalid(format!("the host cannot read `{}`: {error}", file_name(path)), Some(format!(
                    "Invalid runtimeconfig.json [{}]",
                    path.display()
                )))
                .at_opt(loc)]
            }
            Some(Loaded::Parsed { path, value }) => {
                let config = crate::fx::FxConfig::from(value);
                let mut f = Vec::new();
                match references(&config, &model.roll_forward_env(cx.host.os == "windows")) {
                    // `self-contained` reports this contradiction with its cause.
                    Err(crate::fx::roll_forward::ConfigError::FrameworksAndIncludedFrameworks) => {}
                    Err(e) => f.push(
                        invalid(
                            format!("the host rejects `{}`: {e}", file_name(path)),
                            Some(e.host_lines().join("\n")).filter(|s| !s.is_empty()),
                        ),
                    ),
                    Ok(_) => {
                        if config.frameworks.is_empty()
                            && config.included_frameworks.is_empty()
                            && !self_contained_files
                        {
                            f.push(Finding::error(format!("`{}` names no framework: the host runs the app as self-contained and finds no runtime in the app folder", file_name(path)))
                                .evidence("exit code", exit_code_forms(CORE_HOST_LIB_MISSING_FAILURE))
                                .symptom(symptom)
                                .fix("republish framework-dependent (the SDK writes `runtimeOptions.framework`), or publish self-contained with the runtime files"));
                        }
                    }
                }
                f
            }
        };
        CheckRun::Findings(findings)
    }
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::dotnet::{expect, Fixture};
    use crate::diagnostic::Outcome;

    #[test]
    fn healthy_config_passes() {
        let r = expect(Fixture::healthy().run(&RuntimeConfigValid), Outcome::Pass);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn missing_config_runs_as_self_contained_and_fails() {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = None;
        let r = expect(fx.run(&RuntimeConfigValid), Outcome::Fail);
        assert!(r.findings[0].message.contains("self-contained"));
        // A real self-contained folder without a runtimeconfig is fine.
        fx.runtime_files = vec![
            "hostfxr.dll".into(),
            "hostpolicy.dll".into(),
            "coreclr.dll".into(),
        ];
        expect(fx.run(&RuntimeConfigValid), Outcome::Pass);
    }

    #[test]
    fn malformed_json_is_located() {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some("{\n  \"runtimeOptions\": {\n    \"tfm\": \n".into());
        let r = expect(fx.run(&RuntimeConfigValid), Outcome::Fail);
        assert!(r.findings[0].location.is_some());
        assert!(r.findings[0]
            .evidence
            .iter()
            .any(|e| e.value.starts_with("0x80008093")));
    }

    #[test]
    fn unrecognized_and_mixed_roll_forward() {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"rollForward":"Latest","framework":{"name":"Microsoft.NETCore.App","version":"8.0.0"}}}"#.into());
        let r = expect(fx.run(&RuntimeConfigValid), Outcome::Fail);
        assert!(
            r.findings[0]
                .message
                .contains("unrecognized roll forward setting value `Latest`"),
            "{}",
            r.findings[0].message
        );
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"rollForward":"Major","framework":{"name":"Microsoft.NETCore.App","version":"8.0.0","applyPatches":false}}}"#.into());
        let r = expect(fx.run(&RuntimeConfigValid), Outcome::Fail);
        assert!(
            r.findings[0]
                .message
                .contains("`rollForward` is used together"),
            "{}",
            r.findings[0].message
        );
        // An invalid DOTNET_ROLL_FORWARD from web.config is rejected too.
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"framework":{"name":"Microsoft.NETCore.App","version":"8.0.0"}}}"#.into());
        fx.web_env
            .push(("DOTNET_ROLL_FORWARD".into(), "Newest".into()));
        let r = expect(fx.run(&RuntimeConfigValid), Outcome::Fail);
        assert!(r.findings[0].message.contains("DOTNET_ROLL_FORWARD"));
    }
}
