//! Roll-forward settings, as the .NET host reads them (hostfxr.md §3.1–§3.3): the `rollForward`
//! values, the legacy `rollForwardOnNoCandidateFx` / `applyPatches`, the `DOTNET_ROLL_FORWARD*`
//! environment variables, and their precedence. Turns one runtimeconfig's framework section into
//! the host's framework references (name, version, range, roll-to-highest, applyPatches,
//! prefer-release). Pure: the environment comes in as data.
use super::version::FxVersion;

use std::fmt;

/// A `rollForward` value (ordered from most to least restrictive, as the host orders them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RollForward {
    Disable,
    LatestPatch,
    Minor,
    LatestMinor,
    Major,
    LatestMajor,
}

impl RollForward {
    pub const ALL: [RollForward; 6] = [
        RollForward::Disable,
        RollForward::LatestPatch,
        RollForward::Minor,
        RollForward::LatestMinor,
        RollForward::Major,
        RollForward::LatestMajor,
    ];

    /// Parses a `rollForward` value; the host compares case-insensitively.
    pub fn parse(text: &str) -> Option<RollForward> {
        RollForward::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(text))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RollForward::Disable => "Disable",
            RollForward::LatestPatch => "LatestPatch",
            RollForward::Minor => "Minor",
            RollForward::LatestMinor => "LatestMinor",
            RollForward::Major => "Major",
            RollForward::LatestMajor => "LatestMajor",
        }
    }

    /// Legacy `rollForwardOnNoCandidateFx`: 0 → LatestPatch, 1 → Minor, 2 → Major. The host casts
    /// any other number to its enum and, in release builds, ends up at `Disable`
    /// (roll_fwd_on_no_candidate_fx_option.cpp, `default:` branch).
    pub fn from_legacy(value: i64) -> RollForward {
        match value {
            0 => RollForward::LatestPatch,
            1 => RollForward::Minor,
            2 => RollForward::Major,
            _ => RollForward::Disable,
        }
    }

    /// The version compatibility range and the roll-to-highest flag this value stands for.
    pub fn range_and_highest(self) -> (Range, bool) {
        match self {
            RollForward::Disable => (Range::Exact, false),
            RollForward::LatestPatch => (Range::Patch, false),
            RollForward::Minor => (Range::Minor, false),
            RollForward::LatestMinor => (Range::Minor, true),
            RollForward::Major => (Range::Major, false),
            RollForward::LatestMajor => (Range::Major, true),
        }
    }
}

impl fmt::Display for RollForward {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The host's version compatibility range (ordered: `Exact` is the most restrictive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Range {
    Exact,
    Patch,
    Minor,
    Major,
}

impl Range {
    /// The spelling the host uses in its messages (`version_compatibility_range=minor`).
    pub fn as_str(self) -> &'static str {
        match self {
            Range::Exact => "exact",
            Range::Patch => "patch",
            Range::Minor => "minor",
            Range::Major => "major",
        }
    }
}

pub use crate::deployment::runtime_config::{FxConfig, FxRefSpec};

/// The environment variables that steer roll-forward, as the app's process will see them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollForwardEnv {
    /// `DOTNET_ROLL_FORWARD`: a `rollForward` value that overrides every reference.
    pub roll_forward: Option<String>,
    /// `DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX`: legacy default (0/1/2).
    pub roll_forward_on_no_candidate_fx: Option<String>,
    /// `DOTNET_ROLL_FORWARD_TO_PRERELEASE`: `1` lets release references roll to prereleases.
    pub roll_forward_to_prerelease: Option<String>,
    /// Not a variable but the muxer's `--roll-forward` / `--roll-forward-on-no-candidate-fx`
    /// (`dotnet --roll-forward Major App.dll`): like `DOTNET_ROLL_FORWARD` it overrides every
    /// reference, and it wins over the variable (hostfxr.md §3.3 item 6; observed with the real
    /// 3.1.23 host).
    pub command_line: Option<CommandLineRollForward>,
}

/// A roll-forward option on the muxer's command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandLineRollForward {
    /// `--roll-forward` or `--roll-forward-on-no-candidate-fx`.
    pub option: &'static str,
    pub value: RollForward,
}

/// The muxer options before the app path that take a value (3.x `fx_muxer` host options).
const MUXER_VALUE_OPTIONS: [&str; 7] = [
    "--additionalprobingpath",
    "--additional-deps",
    "--depsfile",
    "--runtimeconfig",
    "--fx-version",
    "--roll-forward",
    "--roll-forward-on-no-candidate-fx",
];

/// A `--roll-forward` value the host does not know (`--roll-forward Sideways`): the muxer refuses
/// the command line before resolving anything. The real 3.1.23 host prints
/// `Unrecognized roll forward setting value 'Sideways'.` and
/// `Invalid value for command line argument '--roll-forward'` and exits with 0x80008081
/// (InvalidArgFailure; 129 on Linux) — observed, `tests/roll_forward_real.rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCommandLineRollForward {
    pub option: &'static str,
    pub value: String,
}

impl InvalidCommandLineRollForward {
    /// InvalidArgFailure.
    pub const STATUS: u32 = 0x8000_8081;

    /// What the host prints (the 3.1 wording; later hosts say the same).
    pub fn host_output(&self) -> [String; 2] {
        [
            format!("Unrecognized roll forward setting value '{}'.", self.value),
            format!("Invalid value for command line argument '{}'", self.option),
        ]
    }
}

impl CommandLineRollForward {
    /// The roll-forward option among the muxer's arguments (`[exec] [options] app.dll …`), if
    /// any. Options end at the first argument that is not one (the app path). An unrecognized
    /// value is left out here; [`CommandLineRollForward::parse_muxer_args`] reports it.
    pub fn from_muxer_args(args: &[String]) -> Option<CommandLineRollForward> {
        Self::parse_muxer_args(args).ok().flatten()
    }

    /// [`CommandLineRollForward::from_muxer_args`], or the first `--roll-forward` value the host
    /// refuses. (`--roll-forward-on-no-candidate-fx` takes any number: the host casts it.)
    pub fn parse_muxer_args(
        args: &[String],
    ) -> Result<Option<CommandLineRollForward>, InvalidCommandLineRollForward> {
        let mut it = args.iter().peekable();
        if it.peek().is_some_and(|a| a.as_str() == "exec") {
            it.next();
        }
        let mut found = None;
        while let Some(arg) = it.next() {
            let Some(option) = MUXER_VALUE_OPTIONS.into_iter().find(|o| o == arg) else {
                break;
            };
            let Some(value) = it.next() else { break };
            let parsed = match option {
                "--roll-forward" => RollForward::parse(value),
                "--roll-forward-on-no-candidate-fx" => {
                    Some(RollForward::from_legacy(c_atoi(value)))
                }
                _ => continue,
            };
            match parsed {
                Some(value) => found = Some(CommandLineRollForward { option, value }),
                None => {
                    return Err(InvalidCommandLineRollForward {
                        option,
                        value: value.clone(),
                    })
                }
            }
        }
        Ok(found)
    }
}

impl RollForwardEnv {
    /// Picks the roll-forward variables out of an environment, in order (a later definition of
    /// the same name wins). `case_insensitive` names are compared as on Windows.
    pub fn from_vars<'a, I>(vars: I, case_insensitive: bool) -> RollForwardEnv
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let same = |a: &str, b: &str| {
            if case_insensitive {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let mut env = RollForwardEnv::default();
        for (name, value) in vars {
            let slot = if same(name, "DOTNET_ROLL_FORWARD") {
                &mut env.roll_forward
            } else if same(name, "DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX") {
                &mut env.roll_forward_on_no_candidate_fx
            } else if same(name, "DOTNET_ROLL_FORWARD_TO_PRERELEASE") {
                &mut env.roll_forward_to_prerelease
            } else {
                continue;
            };
            *slot = Some(value.to_string());
        }
        env
    }

    /// The host reads this one with `xtoi(...) == 1`: only a value that starts with the number 1
    /// counts ("true" does not).
    pub fn to_prerelease(&self) -> bool {
        self.roll_forward_to_prerelease
            .as_deref()
            .is_some_and(|v| c_atoi(v) == 1)
    }
}

/// C `atoi`-like: optional leading whitespace and sign, then digits; anything else gives 0.
/// The host parses its numeric environment variables this way (`pal::xtoi`).
pub fn c_atoi(text: &str) -> i64 {
    let t = text.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut n: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -n
    } else {
        n
    }
}

/// One framework reference with the settings the host resolves it with (`fx_reference_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxReference {
    pub name: String,
    /// The version text as written; the exact-match folder name.
    pub version_text: String,
    /// The reference has a `version` at all (the "not found" message differs without one).
    pub has_version: bool,
    pub version: FxVersion,
    pub range: Range,
    pub roll_to_highest: bool,
    pub apply_patches: bool,
    pub prefer_release: bool,
}

impl FxReference {
    /// The `rollForward` value these settings correspond to.
    pub fn roll_forward(&self) -> RollForward {
        match (self.range, self.roll_to_highest) {
            (Range::Exact, _) => RollForward::Disable,
            (Range::Patch, _) => RollForward::LatestPatch,
            (Range::Minor, false) => RollForward::Minor,
            (Range::Minor, true) => RollForward::LatestMinor,
            (Range::Major, false) => RollForward::Major,
            (Range::Major, true) => RollForward::LatestMajor,
        }
    }

    /// Whether this reference accepts `higher` (≥ its own version) — the "soft roll forward"
    /// test used when reconciling two references (fx_reference.cpp, 3.x).
    pub fn is_compatible_with_higher_version(&self, higher: &FxVersion) -> bool {
        if self.version == *higher {
            return true;
        }
        if self.version.major() != higher.major() && self.range < Range::Major {
            return false;
        }
        if self.version.minor() != higher.minor() && self.range < Range::Minor {
            return false;
        }
        if self.version.patch() != higher.patch()
            && self.range == Range::Patch
            && !self.apply_patches
        {
            return false;
        }
        // Only the prerelease part (or an allowed patch) differs: fine unless exact.
        self.range != Range::Exact
    }

    /// Merges the settings of `from` into `self`: the most restrictive range, roll-to-highest if
    /// either has it, applyPatches false if either is false, prefer-release if either has it.
    pub fn merge_roll_forward_settings_from(&mut self, from: &FxReference) {
        if from.range < self.range {
            self.range = from.range;
        }
        self.roll_to_highest |= from.roll_to_highest;
        if !from.apply_patches {
            self.apply_patches = false;
        }
        self.prefer_release |= from.prefer_release;
    }
}

/// Why a runtimeconfig is rejected by the host (0x80008093 InvalidConfigFile).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("unrecognized roll forward setting value `{value}`")]
    UnrecognizedRollForward { value: String },
    #[error("invalid value `{value}` for environment variable `DOTNET_ROLL_FORWARD`")]
    UnrecognizedEnvRollForward { value: String },
    #[error("`rollForward` is used together with `rollForwardOnNoCandidateFx` or `applyPatches` in the same runtime config")]
    MixedRollForwardSettings,
    #[error("both `framework`/`frameworks` and `includedFrameworks` are specified")]
    FrameworksAndIncludedFrameworks,
    #[error("framework `{name}` is referenced more than once")]
    DuplicateFramework { name: String },
    #[error("a framework reference has no name")]
    MissingName,
}

impl ConfigError {
    /// The lines the host prints for this error before its closing "Invalid runtimeconfig.json"
    /// line (observed with the real 3.1.23 host; hostfxr.md §3.1).
    pub fn host_lines(&self) -> Vec<String> {
        match self {
            ConfigError::UnrecognizedRollForward { value } => vec![
                format!("Unrecognized roll forward setting value '{value}'."),
                "Invalid value for property 'rollForward'.".into(),
            ],
            ConfigError::UnrecognizedEnvRollForward { value } => vec![
                format!("Unrecognized roll forward setting value '{value}'."),
                "Invalid value for environment variable 'DOTNET_ROLL_FORWARD'.".into(),
            ],
            ConfigError::MixedRollForwardSettings => vec!["It's invalid to use both `rollForward` and one of `rollForwardOnNoCandidateFx` or `applyPatches` in the same runtime config.".into()],
            ConfigError::FrameworksAndIncludedFrameworks => vec!["It's invalid to specify both `framework`/`frameworks` and `includedFrameworks` properties.".into()],
            // Only traced (verbose) by the host; the closing line is all the user sees.
            ConfigError::DuplicateFramework { .. } | ConfigError::MissingName => Vec::new(),
        }
    }
}

/// The references one runtimeconfig makes, with every setting applied in the host's order:
/// defaults (Minor, applyPatches) ← `DOTNET_ROLL_FORWARD_ON_NO_CANDIDATE_FX` ← `runtimeOptions`
/// level ← the reference's own settings ← `DOTNET_ROLL_FORWARD` (runtime_config.cpp, 3.x).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigReferences {
    pub references: Vec<FxReference>,
}

pub fn references(
    config: &FxConfig,
    env: &RollForwardEnv,
) -> Result<ConfigReferences, ConfigError> {
    // The host validates while it reads, in this order, and stops at the first problem
    // (runtime_config.cpp `parse_opts` / `parse_framework` / `mark_specified_setting`): the
    // `runtimeOptions` settings, then each reference's own settings and `DOTNET_ROLL_FORWARD`,
    // then the duplicate-name check, and `includedFrameworks` last.
    let mut uses_new = false;
    let mut uses_legacy = false;
    let mut mark = |new: bool| {
        if new {
            uses_new = true;
        } else {
            uses_legacy = true;
        }
        if uses_new && uses_legacy {
            Err(ConfigError::MixedRollForwardSettings)
        } else {
            Ok(())
        }
    };

    let mut default_rf = RollForward::Minor;
    if let Some(v) = &env.roll_forward_on_no_candidate_fx {
        default_rf = RollForward::from_legacy(c_atoi(v));
    }
    let mut default_apply_patches = true;
    if let Some(v) = &config.roll_forward {
        default_rf = RollForward::parse(v)
            .ok_or_else(|| ConfigError::UnrecognizedRollForward { value: v.clone() })?;
        mark(true)?;
    }
    if let Some(v) = config.apply_patches {
        default_apply_patches = v;
        mark(false)?;
    }
    if let Some(v) = config.roll_forward_on_no_candidate_fx {
        default_rf = RollForward::from_legacy(v);
        mark(false)?;
    }
    let to_prerelease = env.to_prerelease();

    let mut out = ConfigReferences::default();
    let mut seen: Vec<&str> = Vec::new();
    for spec in &config.frameworks {
        let mut rf = default_rf;
        let mut apply_patches = default_apply_patches;
        if let Some(v) = &spec.roll_forward {
            rf = RollForward::parse(v)
                .ok_or_else(|| ConfigError::UnrecognizedRollForward { value: v.clone() })?;
            mark(true)?;
        }
        if let Some(v) = spec.apply_patches {
            apply_patches = v;
            mark(false)?;
        }
        if let Some(v) = spec.roll_forward_on_no_candidate_fx {
            rf = RollForward::from_legacy(v);
            mark(false)?;
        }
        if let Some(v) = &env.roll_forward {
            rf = RollForward::parse(v)
                .ok_or_else(|| ConfigError::UnrecognizedEnvRollForward { value: v.clone() })?;
        }
        if let Some(cli) = env.command_line {
            rf = cli.value;
        }
        if spec.name.is_empty() {
            return Err(ConfigError::MissingName);
        }
        if seen.contains(&spec.name.as_str()) {
            return Err(ConfigError::DuplicateFramework {
                name: spec.name.clone(),
            });
        }
        seen.push(&spec.name);
        // A missing or unparsable version is not rejected by the host: it resolves as -1.-1.-1.
        let version = spec
            .version
            .as_deref()
            .and_then(|v| FxVersion::parse(v).ok())
            .unwrap_or_else(FxVersion::unspecified);
        let (range, roll_to_highest) = rf.range_and_highest();
        out.references.push(FxReference {
            name: spec.name.clone(),
            version_text: spec.version.clone().unwrap_or_default(),
            has_version: spec.version.is_some(),
            // Set only while reading a `version` (runtime_config.cpp): a reference without one
            // does not prefer releases (observed with the real 3.1 host).
            prefer_release: spec.version.is_some() && !version.is_prerelease() && !to_prerelease,
            version,
            range,
            roll_to_highest,
            apply_patches,
        });
    }
    if !config.frameworks.is_empty() && !config.included_frameworks.is_empty() {
        return Err(ConfigError::FrameworksAndIncludedFrameworks);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, version: &str) -> FxRefSpec {
        FxRefSpec {
            name: name.into(),
            version: Some(version.into()),
            ..FxRefSpec::default()
        }
    }

    fn one(config: FxConfig, env: RollForwardEnv) -> FxReference {
        references(&config, &env).unwrap().references.remove(0)
    }

    #[test]
    fn every_value_case_insensitive() {
        for v in RollForward::ALL {
            assert_eq!(RollForward::parse(&v.as_str().to_uppercase()), Some(v));
            assert_eq!(RollForward::parse(&v.as_str().to_lowercase()), Some(v));
        }
        assert_eq!(RollForward::parse("Latest"), None);
        assert_eq!(RollForward::parse(""), None);
    }

    #[test]
    fn legacy_values_map() {
        assert_eq!(RollForward::from_legacy(0), RollForward::LatestPatch);
        assert_eq!(RollForward::from_legacy(1), RollForward::Minor);
        assert_eq!(RollForward::from_legacy(2), RollForward::Major);
        assert_eq!(RollForward::from_legacy(7), RollForward::Disable);
    }

    #[test]
    fn precedence_env_wins_over_reference_over_top_level() {
        let mut cfg = FxConfig {
            roll_forward: Some("major".into()),
            frameworks: vec![spec("Microsoft.NETCore.App", "3.1.0")],
            ..FxConfig::default()
        };
        let r = one(cfg.clone(), RollForwardEnv::default());
        assert_eq!(r.roll_forward(), RollForward::Major);
        cfg.frameworks[0].roll_forward = Some("LatestPatch".into());
        assert_eq!(
            one(cfg.clone(), RollForwardEnv::default()).roll_forward(),
            RollForward::LatestPatch
        );
        let env = RollForwardEnv {
            roll_forward: Some("LATESTMAJOR".into()),
            ..RollForwardEnv::default()
        };
        assert_eq!(one(cfg, env).roll_forward(), RollForward::LatestMajor);
    }

    #[test]
    fn legacy_env_is_only_a_default() {
        let env = RollForwardEnv {
            roll_forward_on_no_candidate_fx: Some("2".into()),
            ..RollForwardEnv::default()
        };
        let cfg = FxConfig {
            frameworks: vec![spec("A", "1.0.0")],
            ..FxConfig::default()
        };
        assert_eq!(
            one(cfg.clone(), env.clone()).roll_forward(),
            RollForward::Major
        );
        let mut cfg2 = cfg;
        cfg2.roll_forward_on_no_candidate_fx = Some(0);
        assert_eq!(one(cfg2, env).roll_forward(), RollForward::LatestPatch);
    }

    #[test]
    fn mixing_new_and_legacy_is_invalid() {
        let cfg = FxConfig {
            roll_forward: Some("Minor".into()),
            frameworks: vec![FxRefSpec {
                apply_patches: Some(false),
                ..spec("A", "1.0.0")
            }],
            ..FxConfig::default()
        };
        assert_eq!(
            references(&cfg, &RollForwardEnv::default()),
            Err(ConfigError::MixedRollForwardSettings)
        );
    }

    #[test]
    fn invalid_values_and_duplicates() {
        let cfg = FxConfig {
            frameworks: vec![FxRefSpec {
                roll_forward: Some("Sometimes".into()),
                ..spec("A", "1.0.0")
            }],
            ..FxConfig::default()
        };
        assert!(matches!(
            references(&cfg, &RollForwardEnv::default()),
            Err(ConfigError::UnrecognizedRollForward { .. })
        ));
        let dup = FxConfig {
            frameworks: vec![spec("A", "1.0.0"), spec("A", "2.0.0")],
            ..FxConfig::default()
        };
        assert!(matches!(
            references(&dup, &RollForwardEnv::default()),
            Err(ConfigError::DuplicateFramework { .. })
        ));
        let env = RollForwardEnv {
            roll_forward: Some("nope".into()),
            ..RollForwardEnv::default()
        };
        assert!(matches!(
            references(
                &FxConfig {
                    frameworks: vec![spec("A", "1.0.0")],
                    ..FxConfig::default()
                },
                &env
            ),
            Err(ConfigError::UnrecognizedEnvRollForward { .. })
        ));
    }

    #[test]
    fn prefer_release_unless_to_prerelease_is_1() {
        let cfg = FxConfig {
            frameworks: vec![spec("A", "1.0.0"), spec("B", "1.0.0-preview.1")],
            ..FxConfig::default()
        };
        let r = references(&cfg, &RollForwardEnv::default())
            .unwrap()
            .references;
        assert!(r[0].prefer_release && !r[1].prefer_release);
        for (value, prefer) in [
            ("1", false),
            (" 1", false),
            ("true", true),
            ("0", true),
            ("2", true),
        ] {
            let env = RollForwardEnv {
                roll_forward_to_prerelease: Some(value.into()),
                ..RollForwardEnv::default()
            };
            assert_eq!(
                references(&cfg, &env).unwrap().references[0].prefer_release,
                prefer,
                "{value}"
            );
        }
    }

    #[test]
    fn command_line_wins_over_the_environment() {
        let args = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let cli = CommandLineRollForward::from_muxer_args(&args("--roll-forward Disable App.dll"));
        assert_eq!(cli.map(|c| c.value), Some(RollForward::Disable));
        let legacy = CommandLineRollForward::from_muxer_args(&args(
            "exec --depsfile x.json --roll-forward-on-no-candidate-fx 2 App.dll",
        ));
        assert_eq!(
            legacy.map(|c| c.option),
            Some("--roll-forward-on-no-candidate-fx")
        );
        assert_eq!(legacy.map(|c| c.value), Some(RollForward::Major));
        // After the app path, `--roll-forward` is the app's own argument.
        assert_eq!(
            CommandLineRollForward::from_muxer_args(&args("App.dll --roll-forward Major")),
            None
        );
        let cfg = FxConfig {
            frameworks: vec![spec("A", "1.0.0")],
            ..FxConfig::default()
        };
        let env = RollForwardEnv {
            roll_forward: Some("LatestMajor".into()),
            command_line: cli,
            ..RollForwardEnv::default()
        };
        assert_eq!(one(cfg, env).roll_forward(), RollForward::Disable);
    }

    #[test]
    fn an_unknown_roll_forward_value_is_refused_but_any_legacy_number_is_taken() {
        let args = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let bad =
            CommandLineRollForward::parse_muxer_args(&args("--roll-forward Sideways App.dll"))
                .unwrap_err();
        assert_eq!(bad.option, "--roll-forward");
        assert_eq!(bad.value, "Sideways");
        assert_eq!(
            bad.host_output(),
            [
                "Unrecognized roll forward setting value 'Sideways'.".to_string(),
                "Invalid value for command line argument '--roll-forward'".to_string()
            ]
        );
        // Case does not matter to the host; a legacy number is cast, never refused.
        assert!(CommandLineRollForward::parse_muxer_args(&args(
            "--roll-forward latestmajor A.dll"
        ))
        .is_ok_and(|c| c.is_some()));
        assert!(CommandLineRollForward::parse_muxer_args(&args(
            "--roll-forward-on-no-candidate-fx 7 A.dll"
        ))
        .is_ok());
        // After the app path it is the app's argument.
        assert_eq!(
            CommandLineRollForward::parse_muxer_args(&args("A.dll --roll-forward Sideways")),
            Ok(None)
        );
    }

    #[test]
    fn env_from_vars_respects_name_case_rules() {
        let vars = [
            ("dotnet_roll_forward", "Major"),
            ("DOTNET_ROLL_FORWARD_TO_PRERELEASE", "1"),
        ];
        let unix = RollForwardEnv::from_vars(vars, false);
        assert_eq!(unix.roll_forward, None);
        assert!(unix.to_prerelease());
        let win = RollForwardEnv::from_vars(vars, true);
        assert_eq!(win.roll_forward.as_deref(), Some("Major"));
    }
}
