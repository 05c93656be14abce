//! `framework-resolution`: predicts, before launch, which framework versions the .NET host will
//! pick for this app on this machine — or the failure it will print, with the versions it found
//! (hostfxr.md §3.5–§3.6, §5.1, §5.2). The resolver in `fx` is checked against the real host by
//! `tests/fx_differential.rs`.
use super::{Check, CheckRun, Context};
use crate::contract::plan::{rid_os, Plan, Starter};
use crate::contract::split_arguments;
use crate::deployment::layout::Loaded;
use crate::diagnostic::{Evidence, Finding, Level, Location};
use crate::fx::message::{exit_code_forms, host_message};
use crate::fx::policy::{self, Origin};
use crate::fx::roll_forward::{CommandLineRollForward, InvalidCommandLineRollForward, Range};
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
        let model = &cx.plan;
        if model.starter == Starter::Unknown {
            return CheckRun::Skip("no usable `processPath` in web.config".into());
        }
        if let Err(bad) = muxer_roll_forward(cx, model) {
            return CheckRun::Findings(vec![refused_option(
                cx,
                &bad,
                model.start_failure_symptom(),
            )]);
        }
        let Some(app) = &model.app_config else {
            return CheckRun::Skip("no readable runtimeconfig.json (see `runtime-config`)".into());
        };
        if !model.framework_dependent() {
            return CheckRun::Skip(
                "the app is self-contained: no shared framework to resolve".into(),
            );
        }
        // A machine with no .NET at all that is not a Windows server is not where the app runs
        // (a CI agent checking a publish folder): say so instead of failing.
        let any_install = cx
            .host
            .dotnet
            .installs
            .iter()
            .any(|i| i.exists && (i.muxer.is_some() || !i.hostfxr_versions.is_empty()));
        if !any_install && cx.host.os != "windows" {
            return CheckRun::Skip(
                "no .NET install found on this machine: run `ancm doctor` on the server, or pass its snapshot with `--host`".into(),
            );
        }
        let symptom = model.start_failure_symptom();
        let Some(choice) = &model.root else {
            return CheckRun::Skip("the launch does not go through a dotnet root".into());
        };
        if let Some(root) = model.muxer_root_not_in_facts() {
            // A snapshot lists the roots its machine's PATH, registry and defaults lead to; a
            // folder only web.config names was not read there, so it cannot be judged here.
            return CheckRun::Skip(format!(
                "`processPath` names the muxer in `{root}`, a folder the host facts do not describe (not on the worker's PATH, not registered, not a default location): run `ancm doctor` on the server, where that folder is read"
            ));
        }
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
        let mut env = model.roll_forward_env(windows);
        // Checked before the machine's installs too (below is only for the resolution).
        env.command_line = muxer_roll_forward(cx, model).ok().flatten();
        let hives = model.hives(install);
        let req = fx::Request {
            app,
            env: &env,
            hives: &hives,
            separator: if windows { '\\' } else { '/' },
        };
        let arch = host_arch_name(&cx.host.arch).to_string();
        let rid = format!("{}-{arch}", rid_os(&cx.host.os));
        match fx::resolve(&req) {
            Ok(res) => {
                // Hosts before the deps.json check (see `skips_folders_without_deps_json`) load
                // a half-uninstalled folder and fail in hostpolicy.
                let broken: Vec<Finding> = res
                    .frameworks
                    .iter()
                    .filter(|f| f.root == install.root && install.lacks_deps_json(&f.name, &f.version))
                    .map(|f| {
                        Finding::error(format!(
                            "the host picks `{}` {}, but its folder has no `{}.deps.json` (a half-uninstalled runtime): the launch fails",
                            f.name, f.version, f.name
                        ))
                        .evidence("folder", &f.dir)
                        // hostfxr.md §3.4, observed with the real 3.1.23 host.
                        .evidence(
                            "exit code",
                            format!(
                                "{} when the folder is empty (no hostpolicy), {} when it holds files",
                                exit_code_forms(0x8000_8083),
                                exit_code_forms(0x8000_808B)
                            ),
                        )
                        .symptom(symptom)
                        .fix(format!("remove the empty `{}` folder or repair/reinstall that runtime version", f.dir))
                    })
                    .collect();
                if !broken.is_empty() {
                    return CheckRun::Findings(broken);
                }
                CheckRun::Findings(
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
                )
            }
            Err(failure) => {
                let mcx = model.message_context(install, &arch, &rid);
                let lines = host_message(&failure, &mcx);
                let refused_by_policy = policy_refusal(cx, app, &env, &failure);
                // With an explicit policy, the policy is the cause; with the default, the
                // plain "no compatible version" stays the message and the policy is evidence.
                let (message, fix) = match &refused_by_policy {
                    Some(p) if p.explicit => (p.message.clone(), p.fix.clone()),
                    _ => describe(&failure),
                };
                let mut f = Finding::error(message);
                if let Some(p) = refused_by_policy {
                    f.evidence.extend(p.evidence);
                }
                let f = f
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

/// The muxer's `--roll-forward` in web.config `arguments` (only `dotnet` reads it; an apphost
/// passes it to the app), or the value the host refuses.
fn muxer_roll_forward(
    cx: &Context<'_>,
    model: &Plan<'_>,
) -> Result<Option<CommandLineRollForward>, InvalidCommandLineRollForward> {
    if !matches!(model.starter, Starter::Muxer(_)) {
        return Ok(None);
    }
    let Some(args) = cx
        .deployment
        .web_config()
        .and_then(|wc| wc.aspnetcore.as_ref())
        .and_then(|s| s.arguments.as_ref())
    else {
        return Ok(None);
    };
    CommandLineRollForward::parse_muxer_args(&split_arguments(&args.value))
}

/// `dotnet --roll-forward Sideways App.dll`: the muxer refuses its command line on any machine,
/// before it looks for a framework.
fn refused_option(cx: &Context<'_>, bad: &InvalidCommandLineRollForward, symptom: &str) -> Finding {
    let mut f = Finding::error(format!(
        "`arguments` pass `{} {}` to `dotnet`, a value the host does not know: it refuses the command line and the app never starts",
        bad.option, bad.value
    ));
    if let Some((wc, args)) = cx.deployment.web_config().and_then(|wc| {
        wc.aspnetcore
            .as_ref()
            .and_then(|s| s.arguments.as_ref())
            .map(|a| (wc, a))
    }) {
        f = f.at(wc.location(args.span));
    }
    f.evidence("host output", bad.host_output().join("\n"))
        .evidence(
            "exit code",
            exit_code_forms(InvalidCommandLineRollForward::STATUS),
        )
        .symptom(symptom)
        .fix(format!(
            "use one of {} for `{}`, or remove it",
            crate::fx::RollForward::ALL
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", "),
            bad.option
        ))
}

/// A newer version is installed but the app's roll-forward policy refuses it: the finding names
/// the policy, where it was set and what it allows, instead of "not installed".
struct PolicyRefusal {
    /// A setting (not the host's default) decided the policy.
    explicit: bool,
    message: String,
    fix: String,
    evidence: Vec<Evidence>,
}

fn policy_refusal(
    cx: &Context<'_>,
    app: &fx::FxConfig,
    env: &fx::RollForwardEnv,
    failure: &ResolveFailure,
) -> Option<PolicyRefusal> {
    let ResolveFailure::Missing {
        name,
        reference: Some(reference),
        found,
        ..
    } = failure
    else {
        return None;
    };
    let refused = policy::refused(reference, found);
    if refused.is_empty() {
        return None;
    }
    let p = policy::app_policy(app, env, name);
    // The range in force decides; name the setting that set it (applyPatches when it is what
    // made a patch roll exact).
    let by_apply_patches = reference.range == Range::Patch
        && !reference.apply_patches
        && p.apply_patches_from != Origin::Default;
    let origin = if by_apply_patches {
        p.apply_patches_from
    } else {
        p.roll_forward_from
    };
    let setting = if by_apply_patches {
        format!(
            "`applyPatches` false with `rollForward` {}",
            reference.roll_forward()
        )
    } else if origin == Origin::Default {
        format!("the default `rollForward` {}", reference.roll_forward())
    } else {
        format!("`{}` = {}", origin.setting(), reference.roll_forward())
    };
    let (where_set, location) = origin_place(cx, origin);
    let allows = policy::allows(reference);
    let version = &reference.version_text;
    let message = format!(
        "`{name}` {} is installed, but the app's roll-forward policy refuses it: {setting} (set in {where_set}) allows {allows}",
        refused.join(", ")
    );
    let mut evidence = Vec::new();
    let policy_text = format!("{setting}: {allows}");
    evidence.push(match location {
        Some(loc) => Evidence {
            label: "roll-forward policy".into(),
            value: policy_text,
            location: Some(loc),
            secret: false,
        },
        None => Evidence {
            label: "roll-forward policy".into(),
            value: format!("{policy_text} (set in {where_set})"),
            location: None,
            secret: false,
        },
    });
    evidence.push(Evidence {
        label: "refused".into(),
        value: format!(
            "{} (installed, newer than the requested {version})",
            refused.join(", ")
        ),
        location: None,
        secret: false,
    });
    let wanted = policy::would_accept(reference, &refused)
        .map(|rf| format!("`{rf}`"))
        .unwrap_or_else(|| "a wider value".into());
    let fix = format!(
        "relax the policy where it is set (`{}` in {where_set}; {wanted} takes {}), or install `{name}` {version} exactly",
        origin.setting(),
        refused[0]
    );
    Some(PolicyRefusal {
        explicit: origin != Origin::Default,
        message,
        fix,
        evidence,
    })
}

/// Where a roll-forward setting was written, in words, with the file position when it is in the
/// runtimeconfig or in web.config.
fn origin_place(cx: &Context<'_>, origin: Origin) -> (String, Option<Location>) {
    let web_config = cx.deployment.web_config();
    match origin {
        Origin::Default => ("nothing: the host's default".into(), None),
        Origin::Config { setting, framework } => {
            let Some(Loaded::Parsed { path, value }) = &cx.deployment.layout.runtime_config else {
                return ("the app's runtimeconfig.json".into(), None);
            };
            let positions = match framework {
                None => Some(&value.positions),
                Some(i) => value.frameworks.get(i).map(|f| &f.positions),
            };
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            match positions.and_then(|p| p.get(setting)) {
                Some(&(line, column)) => (
                    format!("`{file}`"),
                    Some(
                        Location::new(path.clone(), line, column)
                            .with_len(setting.len() as u32 + 2),
                    ),
                ),
                None => (format!("`{file}`"), None),
            }
        }
        Origin::Env | Origin::EnvLegacy => {
            let windows = cx.host.os == "windows";
            let var = web_config.and_then(|wc| {
                let section = wc.aspnetcore.as_ref()?;
                section
                    .environment_variables
                    .iter()
                    .rev()
                    .find(|v| {
                        if windows {
                            v.name.value.eq_ignore_ascii_case(origin.setting())
                        } else {
                            v.name.value == origin.setting()
                        }
                    })
                    .map(|v| (wc.path.clone(), v.name.span))
            });
            match var {
                Some((path, span)) => (
                    "web.config `<environmentVariables>`".into(),
                    Some(Location::new(path, span.line, span.column).with_len(span.len)),
                ),
                None => ("the machine's environment".into(), None),
            }
        }
        Origin::CommandLine { .. } => {
            let args = web_config.and_then(|wc| {
                let a = wc.aspnetcore.as_ref()?.arguments.as_ref()?;
                Some((wc.path.clone(), a.span))
            });
            match args {
                Some((path, span)) => (
                    "web.config `arguments`".into(),
                    Some(Location::new(path, span.line, span.column).with_len(span.len)),
                ),
                None => ("the muxer's command line".into(), None),
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
        ResolveFailure::NotAVersionFolder { name, dir, .. } => (
            format!("the reference to `{name}` has no version, so the host loads from `{dir}`, which holds no runtime"),
            format!("give the `{name}` reference a `version` in the runtimeconfig"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::dotnet::{expect, framework, Fixture};
    use crate::diagnostic::Outcome;

    #[test]
    fn healthy_app_notes_the_versions_that_will_run() {
        let r = expect(Fixture::healthy().run(&FrameworkResolution), Outcome::Pass);
        let msgs: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("`Microsoft.AspNetCore.App` 8.0.11 will run")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("`Microsoft.NETCore.App` 8.0.11 will run")),
            "{msgs:?}"
        );
        assert!(r.findings[0]
            .evidence
            .iter()
            .any(|e| e.value.contains("found on PATH")));
    }

    #[test]
    fn missing_aspnetcore_fails_like_the_host() {
        let mut fx = Fixture::healthy();
        fx.host.dotnet.installs[0].frameworks.remove(0);
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        let f = &r.findings[0];
        assert_eq!(f.symptom.as_deref(), Some("500.31"));
        assert!(
            f.message
                .contains("no compatible `Microsoft.AspNetCore.App`"),
            "{}",
            f.message
        );
        let out = &f
            .evidence
            .iter()
            .find(|e| e.label == "host output")
            .unwrap()
            .value;
        assert!(
            out.starts_with("You must install or update .NET to run this application."),
            "{out}"
        );
        assert!(
            out.contains("Framework: 'Microsoft.AspNetCore.App', version '8.0.0' (x64)"),
            "{out}"
        );
        assert!(out.contains("No frameworks were found."), "{out}");
        let code = &f
            .evidence
            .iter()
            .find(|e| e.label == "exit code")
            .unwrap()
            .value;
        assert!(code.starts_with("0x80008096"), "{code}");
    }

    #[test]
    fn out_of_process_targets_an_older_major() {
        let mut fx = Fixture::healthy();
        fx.hosting_model = Some("outofprocess".into());
        fx.runtimeconfig = Some(fx.runtimeconfig.unwrap().replace("8.0.0", "6.0.0"));
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        assert_eq!(r.findings[0].symptom.as_deref(), Some("502.5"));
        assert!(
            r.findings[0].message.contains("installed: 8.0.11"),
            "{}",
            r.findings[0].message
        );
    }

    #[test]
    fn web_config_environment_wins_over_the_machine() {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(fx.runtimeconfig.unwrap().replace("8.0.0", "6.0.0"));
        // LatestMajor from web.config lets the 6.0 app run on 8.0.
        fx.host
            .dotnet
            .env
            .insert("DOTNET_ROLL_FORWARD".into(), "Disable".into());
        fx.web_env
            .push(("dotnet_roll_forward".into(), "LatestMajor".into()));
        expect(fx.run(&FrameworkResolution), Outcome::Pass);
    }

    #[test]
    fn no_dotnet_on_path() {
        let mut fx = Fixture::healthy();
        fx.host.dotnet.installs[0].sources = vec![crate::host::dotnet_install::RootSource::Default];
        // In-process, ANCM falls back to Program Files.
        let r = expect(fx.run(&FrameworkResolution), Outcome::Pass);
        assert!(
            r.findings[0]
                .evidence
                .iter()
                .any(|e| e.value.contains("default folder")),
            "{r:#?}"
        );
        // Out-of-process, CreateProcess only searches PATH.
        fx.hosting_model = Some("outofprocess".into());
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        assert!(
            r.findings[0].message.contains("not installed"),
            "{}",
            r.findings[0].message
        );
        assert_eq!(r.findings[0].symptom.as_deref(), Some("502.5"));
    }

    #[test]
    fn multi_level_lookup_on_old_windows_hosts() {
        // A private dotnet first on PATH with hostfxr 3.1 and no frameworks; Program Files has 3.1.
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"tfm":"netcoreapp3.1","framework":{"name":"Microsoft.NETCore.App","version":"3.1.0"}}}"#.into());
        let mut private = fx.host.dotnet.installs[0].clone();
        private.root = r"C:\tools\dotnet".into();
        private.hostfxr_versions = vec!["3.1.23".into()];
        private.frameworks.clear();
        private.sources = vec![crate::host::dotnet_install::RootSource::PathEntry {
            index: 0,
            entry: r"C:\tools\dotnet".into(),
            scope: crate::host::facts::PathScope::Process,
        }];
        fx.host.dotnet.installs[0].frameworks =
            vec![framework("Microsoft.NETCore.App", "3.1.32", None)];
        fx.host.dotnet.installs.push(private);
        let r = expect(fx.run(&FrameworkResolution), Outcome::Pass);
        assert!(r.findings[0].message.contains("3.1.32"));
        // DOTNET_MULTILEVEL_LOOKUP=0 turns it off: the private root alone fails (3.x message).
        fx.web_env
            .push(("DOTNET_MULTILEVEL_LOOKUP".into(), "0".into()));
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        let out = &r.findings[0]
            .evidence
            .iter()
            .find(|e| e.label == "host output")
            .unwrap()
            .value;
        assert!(
            out.starts_with("It was not possible to find any compatible framework version"),
            "{out}"
        );
    }

    #[test]
    fn a_machine_without_dotnet_that_is_not_a_server_is_skipped() {
        let mut fx = Fixture::healthy();
        fx.host.os = "linux".into();
        fx.host.dotnet.installs.clear();
        expect(fx.run(&FrameworkResolution), Outcome::Skip);
        // On a Windows server the same absence is the failure.
        fx.host.os = "windows".into();
        expect(fx.run(&FrameworkResolution), Outcome::Fail);
    }

    #[test]
    fn apphost_out_of_process_uses_dotnet_root_from_web_config() {
        let mut fx = Fixture::healthy();
        fx.process_path = r".\App.exe".into();
        fx.hosting_model = Some("outofprocess".into());
        fx.web_env.push(("DOTNET_ROOT".into(), r"D:\dotnet".into()));
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        assert!(
            r.findings[0].message.contains("`DOTNET_ROOT`"),
            "{}",
            r.findings[0].message
        );
        // In-process, ANCM finds dotnet itself (PATH, x64).
        fx.hosting_model = Some("inprocess".into());
        expect(fx.run(&FrameworkResolution), Outcome::Pass);
    }

    #[test]
    fn half_uninstalled_folder_depends_on_the_hostfxr_version() {
        let mut fx = Fixture::healthy();
        let mut broken = framework("Microsoft.NETCore.App", "8.0.12", None);
        broken.has_deps_json = false;
        fx.host.dotnet.installs[0].frameworks.push(broken);
        // hostfxr 8.0.11 skips the broken 8.0.12 folder.
        let r = expect(fx.run(&FrameworkResolution), Outcome::Pass);
        assert!(r.findings.iter().any(|f| f
            .message
            .contains("`Microsoft.NETCore.App` 8.0.11 will run")));
        // An older hostfxr picks it and fails.
        fx.host.dotnet.installs[0].hostfxr_versions = vec!["6.0.5".into()];
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        assert!(
            r.findings[0]
                .message
                .contains("has no `Microsoft.NETCore.App.deps.json`"),
            "{}",
            r.findings[0].message
        );
    }

    #[test]
    fn a_newer_patch_refused_by_roll_forward_disable_names_the_policy_and_where() {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(
            "{\n  \"runtimeOptions\": {\n    \"rollForward\": \"Disable\",\n    \"frameworks\": [{\"name\":\"Microsoft.NETCore.App\",\"version\":\"8.0.0\"},{\"name\":\"Microsoft.AspNetCore.App\",\"version\":\"8.0.0\"}]\n  }\n}".into(),
        );
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        let f = &r.findings[0];
        assert!(
            f.message.contains("`Microsoft.NETCore.App` 8.0.11 is installed, but the app's roll-forward policy refuses it")
                && f.message.contains("`rollForward` = Disable")
                && f.message.contains("`App.runtimeconfig.json`")
                && f.message.contains("only 8.0.0 exactly"),
            "{}",
            f.message
        );
        let policy = f
            .evidence
            .iter()
            .find(|e| e.label == "roll-forward policy")
            .unwrap();
        let at = policy.location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (3, 5));
        assert!(at.file.ends_with("App.runtimeconfig.json"));
        let refused = f.evidence.iter().find(|e| e.label == "refused").unwrap();
        assert!(refused.value.starts_with("8.0.11"), "{}", refused.value);
        assert!(
            f.fix.as_deref().unwrap().contains("`LatestPatch`"),
            "{:?}",
            f.fix
        );
        // The host's own words are still there.
        assert!(f.evidence.iter().any(|e| e.label == "host output"));
    }

    #[test]
    fn a_policy_from_web_config_environment_points_at_the_variable() {
        let mut fx = Fixture::healthy();
        fx.web_env
            .push(("DOTNET_ROLL_FORWARD".into(), "Disable".into()));
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        let f = &r.findings[0];
        assert!(
            f.message.contains("`DOTNET_ROLL_FORWARD` = Disable")
                && f.message.contains("web.config `<environmentVariables>`"),
            "{}",
            f.message
        );
        let policy = f
            .evidence
            .iter()
            .find(|e| e.label == "roll-forward policy")
            .unwrap();
        assert!(policy
            .location
            .as_ref()
            .unwrap()
            .file
            .ends_with("web.config"));
        // Legacy settings: applyPatches false with rollForwardOnNoCandidateFx 0 is exact too.
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"applyPatches":false,"rollForwardOnNoCandidateFx":0,"frameworks":[{"name":"Microsoft.NETCore.App","version":"8.0.0"},{"name":"Microsoft.AspNetCore.App","version":"8.0.0"}]}}"#.into());
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        assert!(
            r.findings[0].message.contains("`applyPatches` false"),
            "{}",
            r.findings[0].message
        );
        // An older major installed only is not a policy refusal: the plain message stays.
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(fx.runtimeconfig.unwrap().replace("8.0.0", "9.0.0"));
        let r = expect(fx.run(&FrameworkResolution), Outcome::Fail);
        assert!(
            r.findings[0].message.starts_with("no compatible"),
            "{}",
            r.findings[0].message
        );
    }

    #[test]
    fn self_contained_apps_are_skipped() {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"8.0.11"}]}}"#.into());
        expect(fx.run(&FrameworkResolution), Outcome::Skip);
    }
}
