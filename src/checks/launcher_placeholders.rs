//! `launcher-placeholders`: `%LAUNCHER_PATH%` / `%LAUNCHER_ARGS%` (Visual Studio's placeholders)
//! left in `processPath` / `arguments`, i.e. a project web.config deployed without the publish
//! transform. IIS has no such variables, so ANCM tries to start `%LAUNCHER_PATH%` literally. The
//! fix is what publish would have written for this app (publish-iis.md §3.3, §4, §5).
use super::{Check, CheckRun, Context};
use crate::contract::command_line::is_muxer_name;
use crate::contract::module::{Hosting, ModuleVersion};
use crate::contract::StartKind;
use crate::deployment::web_config::Located;
use crate::diagnostic::{Finding, Level};

pub struct LauncherPlaceholders;

const PATH_PLACEHOLDER: &str = "%LAUNCHER_PATH%";
use crate::contract::publish::{
    strip_launcher_placeholders, PublishedLaunch, LAUNCHER_ARG_PLACEHOLDERS,
};

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

/// Both forms publish may write, when the folder does not tell which (no app `.dll` or exe to
/// go by): `dotnet` for a framework-dependent app, the exe for a self-contained one.
fn either_form(app: &str, rest: &str) -> String {
    let dotnet = PublishedLaunch::Muxer {
        dll: format!("{app}.dll"),
    };
    let exe = PublishedLaunch::Executable {
        exe: format!("{app}.exe"),
    };
    format!(
        "{} (framework-dependent) or {} (self-contained)",
        attributes(&dotnet, rest),
        attributes(&exe, rest)
    )
}

/// The `processPath` / `arguments` attributes of `launch`, as web.config text.
fn attributes(launch: &PublishedLaunch, rest: &str) -> String {
    // Publish keeps existing arguments for an exe; with none left there is nothing to write.
    match launch.arguments(rest, false) {
        Some(a) => format!(
            r#"`processPath="{}" arguments="{a}"`"#,
            launch.process_path()
        ),
        None => format!(
            r#"`processPath="{}"` (no `arguments`)"#,
            launch.process_path()
        ),
    }
}

impl Check for LauncherPlaceholders {
    fn id(&self) -> &'static str {
        "launcher-placeholders"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable web.config".into());
        };
        let Some(s) = &wc.aspnetcore else {
            return CheckRun::Skip("no `aspNetCore` section (see `web-config`)".into());
        };
        let mut hits: Vec<(&str, &Located<String>, &str)> = Vec::new();
        if let Some(p) = &s.process_path {
            if find_ci(&p.value, PATH_PLACEHOLDER).is_some() {
                hits.push(("processPath", p, PATH_PLACEHOLDER));
            }
        }
        if let Some(a) = &s.arguments {
            if let Some(ph) = LAUNCHER_ARG_PLACEHOLDERS
                .iter()
                .find(|ph| find_ci(&a.value, ph).is_some())
            {
                hits.push(("arguments", a, ph));
            }
        }
        let Some((first_attr, first, first_placeholder)) = hits.first().copied() else {
            return CheckRun::Findings(Vec::new());
        };
        let layout = &cx.deployment.layout;
        let app = layout.app_name.as_deref().unwrap_or("App");
        let rest = s
            .arguments
            .as_ref()
            .map(|a| strip_launcher_placeholders(&a.value))
            .unwrap_or_default();
        // What publish writes for this folder (`contract::publish`, the rule `ancm fix` applies).
        let fix = match PublishedLaunch::for_layout(layout) {
            Some(published) => attributes(&published, &rest),
            None => either_form(app, &rest),
        };
        // What the placeholder does decides the finding (the one map of `contract::symptom`
        // gives the status). In `processPath` nothing starts (500.0 in-process, 502.5
        // out-of-process). As `dotnet`'s first argument the muxer takes it for an SDK command
        // (500.31 / 502.5). Anywhere else the app merely receives it as a literal argument:
        // ASP.NET Core's command-line configuration skips such an argument, and the real app
        // starts and answers (tests/real_doctor.rs), so that is a warning, not a failure.
        let hosting = Hosting::of(wc, s);
        let in_path = first_attr == "processPath";
        let muxer_first = !in_path
            && s.process_path
                .as_ref()
                .is_some_and(|p| is_muxer_name(&p.value))
            && LAUNCHER_ARG_PLACEHOLDERS
                .iter()
                .any(|ph| find_ci(first.value.trim_start(), ph) == Some(0));
        let symptom = if !in_path && !muxer_first {
            None
        } else if hosting.module == ModuleVersion::V2 && s.hosting_model().is_err() {
            // An invalid hostingModel fails the configuration load before anything starts.
            Some("500.0")
        } else if in_path {
            Some(hosting.start_failure(StartKind::SpawnFailed))
        } else {
            Some(hosting.start_failure(StartKind::HostFailure))
        };
        let headline = format!(
            "`{first_attr}` holds Visual Studio's placeholder `{first_placeholder}`: this web.config was not transformed by publish"
        );
        let mut finding = match symptom {
            Some(code) => Finding::error(headline).symptom(code),
            None => Finding::warning(format!(
                "{headline}; the app receives `{first_placeholder}` literally as a command-line argument (ASP.NET Core's command-line configuration skips it; an app that reads its own arguments may not)"
            )),
        }
        .at(wc.location(first.span))
        .fix(format!("set {fix} on `aspNetCore` (what `dotnet publish` writes for this app), or publish without `IsTransformWebConfigDisabled`"));
        for (attr, value, placeholder) in &hits {
            finding = finding.evidence_at(
                *attr,
                format!("contains `{placeholder}`, which IIS never defines"),
                wc.location(value.span),
            );
        }
        if layout.app_name.is_none() {
            finding = finding.evidence(
                "app name",
                "unknown (no `*.runtimeconfig.json`): `App` stands for it",
            );
        }
        CheckRun::Findings(vec![finding])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::disk::*;

    const VS: &str = r#"processPath="%LAUNCHER_PATH%" arguments="%LAUNCHER_ARGS%""#;
    const PUBLISHED: &str = r#"processPath="dotnet" arguments=".\App.dll""#;

    #[test]
    fn published_values_pass() {
        assert!(findings(&LauncherPlaceholders, &app(Some(HEALTHY))).is_empty());
    }

    #[test]
    fn portable_app_gets_dotnet_and_the_dll() {
        let f = findings(
            &LauncherPlaceholders,
            &app(Some(&healthy_with(PUBLISHED, VS))),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.0"));
        let fix = f[0].fix.as_deref().unwrap();
        assert!(
            fix.contains(r#"processPath="dotnet" arguments=".\App.dll""#),
            "{fix}"
        );
        assert_eq!(f[0].evidence.len(), 2);
        let loc = f[0].location.as_ref().unwrap();
        assert_eq!((loc.line, loc.len), (8, "%LAUNCHER_PATH%".len() as u32));
    }

    #[test]
    fn extra_arguments_are_kept_after_the_dll() {
        let wc = healthy_with(
            PUBLISHED,
            r#"processPath="dotnet" arguments="%launcher_args% --urls http://+:80""#,
        )
        .replace(r#" hostingModel="inprocess""#, "");
        let f = findings(&LauncherPlaceholders, &app(Some(&wc)));
        assert_eq!(f[0].symptom.as_deref(), Some("502.5"));
        let fix = f[0].fix.as_deref().unwrap();
        assert!(
            fix.contains(r#"processPath="dotnet" arguments=".\App.dll --urls http://+:80""#),
            "{fix}"
        );
    }

    #[test]
    fn self_contained_app_gets_its_exe() {
        let sc = r#"{"runtimeOptions":{"tfm":"net8.0","includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"8.0.0"}]}}"#;
        let wc = healthy_with(
            PUBLISHED,
            r#"processPath="%LAUNCHER_PATH%" arguments="-argFile IISExeLauncherArgs.txt --verbose""#,
        );
        let f = findings(&LauncherPlaceholders, &app_with(Some(&wc), Some(sc)));
        let fix = f[0].fix.as_deref().unwrap();
        assert!(
            fix.contains(r#"processPath=".\App.exe" arguments="--verbose""#),
            "{fix}"
        );
        // The layout's own verdict wins over the runtimeconfig guess.
        let mut fx = app(Some(&healthy_with(PUBLISHED, VS)));
        fx.deployment.layout.kind = crate::deployment::layout::AppKind::FrameworkDependentApphost;
        fx.deployment.layout.apphost = Some(crate::deployment::layout::AppFile {
            name: "App.exe".into(),
            path: "App.exe".into(),
            binary: Err("not read in this test".into()),
            bundle: None,
        });
        let f = findings(&LauncherPlaceholders, &fx);
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap()
            .contains(r#"`processPath=".\App.exe"` (no `arguments`)"#));
    }

    #[test]
    fn v1_module_is_out_of_process_whatever_hosting_model_says() {
        let wc = healthy_with(PUBLISHED, VS).replace("AspNetCoreModuleV2", "AspNetCoreModule");
        let f = findings(&LauncherPlaceholders, &app(Some(&wc)));
        assert_eq!(f[0].symptom.as_deref(), Some("502.5"));
    }

    #[test]
    fn unknown_app_offers_both_forms() {
        let f = findings(
            &LauncherPlaceholders,
            &app_with(Some(&healthy_with(PUBLISHED, VS)), None),
        );
        let fix = f[0].fix.as_deref().unwrap();
        assert!(fix.contains("dotnet") && fix.contains(".exe"), "{fix}");
        assert!(f[0].evidence.iter().any(|e| e.label == "app name"));
    }

    #[test]
    fn placeholder_as_the_muxers_first_argument_fails_like_a_missing_dll() {
        let wc = healthy_with(
            PUBLISHED,
            r#"processPath="dotnet" arguments="%LAUNCHER_ARGS%""#,
        );
        // HEALTHY is in-process: ANCM meets the muxer's failure resolving the app.
        let f = findings(&LauncherPlaceholders, &app(Some(&wc)));
        assert_eq!(f[0].level, Level::Error);
        assert_eq!(f[0].symptom.as_deref(), Some("500.31"));
        let oop = wc.replace(
            r#"hostingModel="inprocess""#,
            r#"hostingModel="outofprocess""#,
        );
        let f = findings(&LauncherPlaceholders, &app(Some(&oop)));
        assert_eq!(f[0].symptom.as_deref(), Some("502.5"));
    }

    #[test]
    fn placeholder_only_in_arguments_is_found() {
        let wc = healthy_with(
            PUBLISHED,
            r#"processPath="dotnet" arguments=".\App.dll %LAUNCHER_ARGS%""#,
        );
        let f = findings(&LauncherPlaceholders, &app(Some(&wc)));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("`arguments`"));
        // The app only receives it as an argument: no start failure is claimed.
        assert_eq!(f[0].level, Level::Warning);
        assert_eq!(f[0].symptom, None);
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap()
            .contains(r#"arguments=".\App.dll""#));
    }
}
