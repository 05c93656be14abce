//! `framework-resolution`: predicts, before launch, which framework versions the .NET host will
//! pick for this app on this machine — or the failure it will print, with the versions it found
//! (hostfxr.md §3.5–§3.6, §5.1, §5.2). The resolver in `fx` is checked against the real host by
//! `tests/fx_differential.rs`.
use super::launch_model::{hives, message_context, rid_os, LaunchModel, Starter};
use super::{Check, CheckRun, Context};
use crate::diagnostic::{Finding, Level};
use crate::fx::message::{exit_code_forms, host_message};
use crate::fx::{self, ResolveFailure};
use crate::host::dotnet_install::host_arch_name;

pub struct FrameworkResolution;

impl Check for FrameworkResolution {
    fn id(&self) -> &'static str {
        "framework-resolution"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let model = LaunchModel::of(cx);
        if model.starter == Starter::Unknown {
            return CheckRun::Skip("no usable `processPath` in web.config".into());
        }
        let Some(app) = &model.app_config else {
            return CheckRun::Skip("no readable runtimeconfig.json (see `runtime-config`)".into());
        };
        if !model.framework_dependent() {
            return CheckRun::Skip("the app is self-contained: no shared framework to resolve".into());
        }
        let symptom = model.start_failure_symptom();
        let Some(choice) = &model.root else {
            return CheckRun::Skip("the launch does not go through a dotnet root".into());
        };
        let root_text = choice.root.clone().unwrap_or_else(|| "(none)".into());
        let Some(install) = choice.install.filter(|i| i.exists) else {
            return CheckRun::Findings(vec![Finding::error(format!(
                "the .NET runtime the launch uses is not installed: {}",
                choice.why
            ))
            .evidence("dotnet root", root_text)
            .symptom(symptom)
            .fix("install the ASP.NET Core Hosting Bundle (Windows) or the ASP.NET Core runtime for the app's version, or point the launch at an existing dotnet root")]);
        };
        if install.hostfxr_version().is_none() {
            return CheckRun::Findings(vec![Finding::error(format!(
                "`{}` has no `host/fxr/<version>`: the host cannot start any framework-dependent app",
                install.root
            ))
            .evidence("dotnet root", &install.root)
            .evidence("chosen because", &choice.why)
            .symptom(symptom)
            .fix("repair or reinstall the .NET runtime in that folder")]);
        }
        let windows = cx.host.os == "windows";
        let env = model.roll_forward_env(windows);
        let hives = hives(cx, &model, install);
        let req = fx::Request {
            app,
            env: &env,
            hives: &hives,
            separator: if windows { '\\' } else { '/' },
        };
        let arch = host_arch_name(&cx.host.arch).to_string();
        let rid = format!("{}-{arch}", rid_os(&cx.host.os));
        match fx::resolve(&req) {
            Ok(res) => CheckRun::Findings(
                res.frameworks
                    .iter()
                    .map(|f| {
                        Finding::note(format!(
                            "`{}` {} will run (requested {}, `rollForward` {})",
                            f.name,
                            f.version,
                            f.requested,
                            f.reference.roll_forward()
                        ))
                        .evidence("folder", &f.dir)
                        .evidence("dotnet root", &install.root)
                        .evidence("chosen because", &choice.why)
                    })
                    .collect(),
            ),
            Err(failure) => {
                let mcx = message_context(cx, &model, install, &arch, &rid);
                let lines = host_message(&failure, &mcx);
                let (message, fix) = describe(&failure);
                let f = Finding::error(message)
                    .evidence("dotnet root", &install.root)
                    .evidence("chosen because", &choice.why)
                    .evidence("exit code", exit_code_forms(failure.status_code()))
                    .evidence("host output", lines.join("\n"))
                    .symptom(symptom)
                    .fix(fix);
                CheckRun::Findings(vec![f])
            }
        }
    }
}

fn describe(f: &ResolveFailure) -> (String, String) {
    match f {
        ResolveFailure::Missing {
            name,
            version,
            found,
            ..
        } => {
            let installed = if found.is_empty() {
                "none is installed".to_string()
            } else {
                format!(
                    "installed: {}",
                    found
                        .iter()
                        .map(|f| f.version.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            (
                format!(
                    "no compatible `{name}` for version {}: {installed}",
                    version.as_deref().unwrap_or("(none)")
                ),
                format!("install the `{name}` runtime the app targets (on IIS: the ASP.NET Core Hosting Bundle of that version), or retarget the app / set `rollForward` to a version that is installed"),
            )
        }
        ResolveFailure::Incompatible {
            name,
            higher_version,
            lower,
        } => (
            format!(
                "two references to `{name}` cannot be reconciled: {} with `rollForward` {} cannot roll forward to {higher_version}",
                lower.version_text,
                lower.roll_forward()
            ),
            "align the framework versions the app and its frameworks reference, or relax `rollForward` / `DOTNET_ROLL_FORWARD`".into(),
        ),
        ResolveFailure::InvalidConfig {
            framework, error, ..
        } => (
            match framework {
                Some(name) => format!("the runtimeconfig of installed framework `{name}` is invalid: {error}"),
                None => format!("the host rejects the app's runtimeconfig: {error}"),
            },
            "fix the runtimeconfig (see check `runtime-config`) or the `DOTNET_ROLL_FORWARD*` variables".into(),
        ),
        ResolveFailure::NotAVersionFolder { name, dir } => (
            format!("the reference to `{name}` has no version, so the host loads from `{dir}`, which holds no runtime"),
            format!("give the `{name}` reference a `version` in the runtimeconfig"),
        ),
    }
}
