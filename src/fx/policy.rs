//! The app's roll-forward policy, named: which setting decided how a framework reference may
//! roll forward (the `rollForward` / legacy settings of the runtimeconfig, the
//! `DOTNET_ROLL_FORWARD*` variables, the muxer's `--roll-forward`), what that allows in words,
//! and which installed versions it refused. The precedence is the one `roll_forward::references`
//! applies (hostfxr.md §3.3); this module only traces it back to its origin. Pure.
use super::resolve::FoundVersion;
use super::roll_forward::{c_atoi, FxConfig, FxReference, Range, RollForward, RollForwardEnv};
use super::version::FxVersion;

/// Where a roll-forward setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Nothing set it: the host's default (`Minor`, `applyPatches` true).
    Default,
    /// The app's runtimeconfig: `setting` at the `runtimeOptions` level (`framework` None) or on
    /// the reference at that index of `framework` + `frameworks`.
    Config {
        setting: &'static str,
        framework: Option<usize>,
    },
    /// `DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX` (a default the runtimeconfig can override).
    EnvLegacy,
    /// `DOTNET_ROLL_FORWARD` (overrides every reference).
    Env,
    /// The muxer's `--roll-forward` / `--roll-forward-on-no-candidate-fx`.
    CommandLine { option: &'static str },
}

impl Origin {
    /// The setting's name as the user wrote it.
    pub fn setting(self) -> &'static str {
        match self {
            Origin::Default => "the default",
            Origin::Config { setting, .. } => setting,
            Origin::EnvLegacy => "DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX",
            Origin::Env => "DOTNET_ROLL_FORWARD",
            Origin::CommandLine { option } => option,
        }
    }
}

/// The policy one framework reference of the app is resolved with, and where each part came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub roll_forward: RollForward,
    pub roll_forward_from: Origin,
    pub apply_patches: bool,
    pub apply_patches_from: Origin,
}

/// Traces the app's policy for framework `name`. A framework the app does not reference itself
/// (NETCore.App reached through AspNetCore.App) only gets the environment and the command line;
/// its reference's own settings come from the framework's runtimeconfig (`Origin::Default`).
pub fn app_policy(config: &FxConfig, env: &RollForwardEnv, name: &str) -> Policy {
    let mut p = Policy {
        roll_forward: RollForward::Minor,
        roll_forward_from: Origin::Default,
        apply_patches: true,
        apply_patches_from: Origin::Default,
    };
    let set_rf = |p: &mut Policy, rf: RollForward, from: Origin| {
        p.roll_forward = rf;
        p.roll_forward_from = from;
    };
    if let Some(v) = &env.roll_forward_on_no_candidate_fx {
        set_rf(
            &mut p,
            RollForward::from_legacy(c_atoi(v)),
            Origin::EnvLegacy,
        );
    }
    if let Some(index) = config.frameworks.iter().position(|f| f.name == name) {
        let top = |setting| Origin::Config {
            setting,
            framework: None,
        };
        let own = |setting| Origin::Config {
            setting,
            framework: Some(index),
        };
        if let Some(rf) = config.roll_forward.as_deref().and_then(RollForward::parse) {
            set_rf(&mut p, rf, top("rollForward"));
        }
        if let Some(v) = config.apply_patches {
            p.apply_patches = v;
            p.apply_patches_from = top("applyPatches");
        }
        if let Some(v) = config.roll_forward_on_no_candidate_fx {
            set_rf(
                &mut p,
                RollForward::from_legacy(v),
                top("rollForwardOnNoCandidateFx"),
            );
        }
        let spec = &config.frameworks[index];
        if let Some(rf) = spec.roll_forward.as_deref().and_then(RollForward::parse) {
            set_rf(&mut p, rf, own("rollForward"));
        }
        if let Some(v) = spec.apply_patches {
            p.apply_patches = v;
            p.apply_patches_from = own("applyPatches");
        }
        if let Some(v) = spec.roll_forward_on_no_candidate_fx {
            set_rf(
                &mut p,
                RollForward::from_legacy(v),
                own("rollForwardOnNoCandidateFx"),
            );
        }
    }
    if let Some(rf) = env.roll_forward.as_deref().and_then(RollForward::parse) {
        set_rf(&mut p, rf, Origin::Env);
    }
    if let Some(cli) = env.command_line {
        set_rf(
            &mut p,
            cli.value,
            Origin::CommandLine { option: cli.option },
        );
    }
    p
}

/// What a reference accepts, in words: "only 3.1.0 exactly", "3.1.x from 3.1.0 on", …
pub fn allows(r: &FxReference) -> String {
    let v = &r.version_text;
    let (major, minor) = (r.version.major(), r.version.minor());
    match r.range {
        Range::Exact => format!("only {v} exactly"),
        Range::Patch if !r.apply_patches && !r.version.is_prerelease() => {
            format!("only {v} exactly (`applyPatches` false turns off the patch roll)")
        }
        Range::Patch => format!("only patches of {major}.{minor} from {v} on ({major}.{minor}.x)"),
        Range::Minor => format!("only {major}.x versions from {v} on (no other major version)"),
        Range::Major => format!("any version from {v} on"),
    }
}

/// The installed versions newer than the reference that its policy refused (the ones an
/// operator expects to be used), lowest first.
pub fn refused(r: &FxReference, found: &[FoundVersion]) -> Vec<String> {
    let mut out: Vec<(FxVersion, String)> = found
        .iter()
        .filter_map(|f| {
            FxVersion::parse(&f.version)
                .ok()
                .map(|v| (v, f.version.clone()))
        })
        .filter(|(v, _)| *v > r.version)
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.1 == b.1);
    out.into_iter().map(|(_, s)| s).collect()
}

/// The least permissive `rollForward` value that would take the nearest refused version.
pub fn would_accept(r: &FxReference, refused: &[String]) -> Option<RollForward> {
    let nearest = refused.iter().find_map(|v| FxVersion::parse(v).ok())?;
    Some(if nearest.major() != r.version.major() {
        RollForward::Major
    } else if nearest.minor() != r.version.minor() {
        RollForward::Minor
    } else {
        RollForward::LatestPatch
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fx::roll_forward::{references, CommandLineRollForward, FxRefSpec};

    fn app(rf: Option<&str>, own_rf: Option<&str>) -> FxConfig {
        FxConfig {
            roll_forward: rf.map(str::to_string),
            frameworks: vec![FxRefSpec {
                name: "Microsoft.NETCore.App".into(),
                version: Some("3.1.0".into()),
                roll_forward: own_rf.map(str::to_string),
                ..FxRefSpec::default()
            }],
            ..FxConfig::default()
        }
    }

    fn found(versions: &[&str]) -> Vec<FoundVersion> {
        versions
            .iter()
            .map(|v| FoundVersion {
                version: v.to_string(),
                dir: "/d".into(),
            })
            .collect()
    }

    #[test]
    fn the_last_setting_in_precedence_order_is_named() {
        let env = RollForwardEnv::default();
        let p = app_policy(&app(Some("Disable"), None), &env, "Microsoft.NETCore.App");
        assert_eq!(p.roll_forward, RollForward::Disable);
        assert_eq!(
            p.roll_forward_from,
            Origin::Config {
                setting: "rollForward",
                framework: None
            }
        );
        let p = app_policy(
            &app(Some("Disable"), Some("LatestPatch")),
            &env,
            "Microsoft.NETCore.App",
        );
        assert_eq!(
            p.roll_forward_from,
            Origin::Config {
                setting: "rollForward",
                framework: Some(0)
            }
        );
        let env = RollForwardEnv {
            roll_forward: Some("disable".into()),
            ..RollForwardEnv::default()
        };
        let p = app_policy(&app(None, None), &env, "Microsoft.NETCore.App");
        assert_eq!(
            (p.roll_forward, p.roll_forward_from),
            (RollForward::Disable, Origin::Env)
        );
        let env = RollForwardEnv {
            command_line: Some(CommandLineRollForward {
                option: "--roll-forward",
                value: RollForward::LatestPatch,
            }),
            ..env
        };
        let p = app_policy(&app(None, None), &env, "Microsoft.NETCore.App");
        assert_eq!(p.roll_forward_from.setting(), "--roll-forward");
        // A framework the app does not reference: only the environment counts.
        let p = app_policy(
            &app(Some("Disable"), None),
            &RollForwardEnv::default(),
            "Other",
        );
        assert_eq!(p.roll_forward_from, Origin::Default);
    }

    #[test]
    fn what_a_policy_allows_and_refuses() {
        let cfg = FxConfig {
            apply_patches: Some(false),
            roll_forward_on_no_candidate_fx: Some(0),
            ..app(None, None)
        };
        let r = &references(&cfg, &RollForwardEnv::default())
            .unwrap()
            .references[0];
        assert!(allows(r).contains("only 3.1.0 exactly"), "{}", allows(r));
        let p = app_policy(&cfg, &RollForwardEnv::default(), "Microsoft.NETCore.App");
        assert_eq!(p.apply_patches_from.setting(), "applyPatches");
        let refused = refused(r, &found(&["2.1.0", "3.1.23", "3.1.2", "5.0.0"]));
        assert_eq!(refused, vec!["3.1.2", "3.1.23", "5.0.0"]);
        assert_eq!(would_accept(r, &refused), Some(RollForward::LatestPatch));
        let minor = &references(&app(None, None), &RollForwardEnv::default())
            .unwrap()
            .references[0];
        assert!(allows(minor).contains("only 3.x versions"));
        assert_eq!(
            would_accept(minor, &["5.0.0".to_string()]),
            Some(RollForward::Major)
        );
    }
}
