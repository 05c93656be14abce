//! Framework resolution, as hostfxr 3.x+ does it (hostfxr.md §3.5–§3.6, `fx_resolver.cpp`):
//! per reference the "hard" roll-forward against the installed version folders, and across
//! references the "soft" reconciliation of several references to one framework, including the
//! references frameworks make themselves (ASP.NET Core → NETCore.App), with the host's restart
//! when an already resolved framework's effective reference changes.
//!
//! Pure: installed versions and each framework folder's own runtimeconfig come in as data.
use super::roll_forward::{references, ConfigError, FxConfig, FxReference, Range, RollForwardEnv};
use super::version::FxVersion;
use std::collections::BTreeMap;

/// The host's status codes that resolution can end in (hostfxr.md §2).
pub const INVALID_CONFIG_FILE: u32 = 0x8000_8093;
pub const FRAMEWORK_MISSING_FAILURE: u32 = 0x8000_8096;
pub const FRAMEWORK_COMPAT_FAILURE: u32 = 0x8000_809C;
pub const CORE_HOST_LIB_MISSING_FAILURE: u32 = 0x8000_8083;
pub const RESOLVER_INIT_FAILURE: u32 = 0x8000_808B;

/// The host gives up restarting resolution after this many rounds (`Max_Framework_Resolve_Retries`).
const MAX_RETRIES: usize = 100;

/// One installed framework version folder: `<root>/shared/<name>/<dir_name>`.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledVersion {
    /// The folder name (the host ignores folders whose name does not parse as a version).
    pub dir_name: String,
    /// The folder's own `<name>.runtimeconfig.json`: `Ok(None)` when there is none (no further
    /// references), `Err` when the host could not read it.
    pub config: Result<Option<FxConfig>, String>,
}

/// One place frameworks are looked for (a dotnet root; several only with Windows multi-level
/// lookup, hostfxr.md §4.3), with what is installed there by framework name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hive {
    pub root: String,
    pub frameworks: BTreeMap<String, Vec<InstalledVersion>>,
}

impl Hive {
    fn versions(&self, name: &str) -> &[InstalledVersion] {
        self.frameworks.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// What resolution is given: the app's runtimeconfig, the environment the app will see, and the
/// hives in the host's search order (the dotnet root first).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub app: &'a FxConfig,
    pub env: &'a RollForwardEnv,
    pub hives: &'a [Hive],
    /// The path separator of the machine the app runs on, for folder paths in messages.
    pub separator: char,
}

/// One framework the app will run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFramework {
    pub name: String,
    /// The chosen version folder name.
    pub version: String,
    /// The hive (dotnet root) it was found in.
    pub root: String,
    /// The folder: `<root>/shared/<name>/<version>`.
    pub dir: String,
    /// The lowest version any reference asked for.
    pub requested: String,
    /// The effective reference it was resolved with.
    pub reference: FxReference,
}

/// Every framework the app will run on, app's references first, the base framework
/// (Microsoft.NETCore.App) last — the host's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub frameworks: Vec<ResolvedFramework>,
}

impl Resolution {
    pub fn get(&self, name: &str) -> Option<&ResolvedFramework> {
        self.frameworks.iter().find(|f| f.name == name)
    }
}

/// A version found on disk, listed in the "framework not found" message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundVersion {
    pub version: String,
    /// `<root>/shared/<name>`.
    pub dir: String,
}

/// Why the host will not start the app, with what it will print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveFailure {
    /// A runtimeconfig (the app's, or a framework folder's own) is rejected: 0x80008093.
    InvalidConfig {
        /// `None` for the app's runtimeconfig, else the framework whose file is bad.
        framework: Option<String>,
        /// The framework's own runtimeconfig path (`None` for the app's).
        config_path: Option<String>,
        error: String,
        /// The lines the host prints before its closing "Invalid runtimeconfig.json" line.
        host_lines: Vec<String>,
    },
    /// No compatible version of a framework: 0x80008096.
    Missing {
        name: String,
        /// The version of the effective reference; `None` when the reference has no version.
        version: Option<String>,
        reference: Option<Box<FxReference>>,
        /// Every valid version folder found for the name, in every hive.
        found: Vec<FoundVersion>,
    },
    /// A reference without a version was "resolved" to the framework's parent folder, which
    /// holds no runtime: the launch fails loading from it, 0x80008083.
    /// When that framework comes last (where the host expects NETCore.App and hostpolicy) the
    /// load of hostpolicy fails (0x80008083); otherwise reading its deps.json does (0x8000808B).
    NotAVersionFolder {
        name: String,
        dir: String,
        last: bool,
    },
    /// Two references to one framework cannot be reconciled: 0x8000809C.
    Incompatible {
        name: String,
        /// The higher referenced version the lower reference cannot roll to.
        higher_version: String,
        lower: Box<FxReference>,
    },
}

impl ResolveFailure {
    /// The host status code this ends in (the process exit code; low byte on Unix).
    pub fn status_code(&self) -> u32 {
        match self {
            ResolveFailure::InvalidConfig { .. } => INVALID_CONFIG_FILE,
            ResolveFailure::Missing { .. } => FRAMEWORK_MISSING_FAILURE,
            ResolveFailure::Incompatible { .. } => FRAMEWORK_COMPAT_FAILURE,
            ResolveFailure::NotAVersionFolder { last: true, .. } => CORE_HOST_LIB_MISSING_FAILURE,
            ResolveFailure::NotAVersionFolder { last: false, .. } => RESOLVER_INIT_FAILURE,
        }
    }

    /// The status code's name (hostfxr.md §2).
    pub fn status_name(&self) -> &'static str {
        match self {
            ResolveFailure::InvalidConfig { .. } => "InvalidConfigFile",
            ResolveFailure::Missing { .. } => "FrameworkMissingFailure",
            ResolveFailure::Incompatible { .. } => "FrameworkCompatFailure",
            ResolveFailure::NotAVersionFolder { last: true, .. } => "CoreHostLibMissingFailure",
            ResolveFailure::NotAVersionFolder { last: false, .. } => "ResolverInitFailure",
        }
    }
}

/// Resolves every framework the app needs, or says how the host will fail.
pub fn resolve(req: &Request<'_>) -> Result<Resolution, ResolveFailure> {
    let app = references(req.app, req.env).map_err(|e| invalid(None, &e))?;
    let mut state = State {
        req,
        effective: BTreeMap::new(),
        oldest: BTreeMap::new(),
    };
    let mut rounds = 0;
    loop {
        let mut resolved = Vec::new();
        match state.read_framework(&app.references, false, &mut resolved) {
            Ok(()) => {
                // A reference without a version resolved in exact mode "finds" the
                // `shared/<name>/` folder itself; the host then fails to load from it
                // (exit 131, CoreHostLibMissingFailure — observed with the real 3.1.23 host).
                if let Some(pos) = resolved.iter().position(|f| f.version.is_empty()) {
                    let f = &resolved[pos];
                    return Err(ResolveFailure::NotAVersionFolder {
                        name: f.name.clone(),
                        dir: f.dir.clone(),
                        last: pos + 1 == resolved.len(),
                    });
                }
                return Ok(Resolution {
                    frameworks: resolved,
                });
            }
            Err(Step::Retry) if rounds < MAX_RETRIES => rounds += 1,
            // The host asserts the retry bound in debug builds only; it then reports the last
            // state, which is a compat failure in every case we can construct.
            Err(Step::Retry) => {
                return Err(ResolveFailure::InvalidConfig {
                    framework: None,
                    config_path: None,
                    error: "framework resolution did not settle".into(),
                    host_lines: Vec::new(),
                })
            }
            Err(Step::Fail(f)) => return Err(f),
        }
    }
}

fn invalid(framework: Option<(&str, String)>, e: &ConfigError) -> ResolveFailure {
    let (framework, config_path) = match framework {
        Some((name, path)) => (Some(name.to_string()), Some(path)),
        None => (None, None),
    };
    ResolveFailure::InvalidConfig {
        framework,
        config_path,
        error: e.to_string(),
        host_lines: e.host_lines(),
    }
}

enum Step {
    Retry,
    Fail(ResolveFailure),
}

struct State<'r, 'a> {
    req: &'r Request<'a>,
    /// Per framework name: the reconciled ("effective") reference so far. Kept across restarts.
    effective: BTreeMap<String, FxReference>,
    /// Per framework name: the lowest version referenced.
    oldest: BTreeMap<String, FxReference>,
}

impl State<'_, '_> {
    /// One runtimeconfig's references: reconcile, resolve on disk, then (depth first) the
    /// resolved framework's own references — the host's `read_framework`.
    fn read_framework(
        &mut self,
        refs: &[FxReference],
        parent_rolls_to_highest: bool,
        resolved: &mut Vec<ResolvedFramework>,
    ) -> Result<(), Step> {
        for r in refs {
            match self.effective.get(&r.name) {
                None => {
                    self.effective.insert(r.name.clone(), r.clone());
                    self.oldest.insert(r.name.clone(), r.clone());
                }
                Some(_) => {
                    if self
                        .oldest
                        .get(&r.name)
                        .is_some_and(|o| r.version < o.version)
                    {
                        self.oldest.insert(r.name.clone(), r.clone());
                    }
                }
            }
        }
        for original in refs {
            // LatestMinor/LatestMajor on the reference to a framework carries over to the
            // references that framework makes (fx_resolver.cpp, `effective_parent_fx_ref`).
            let mut propagated = original.clone();
            propagated.roll_to_highest |= parent_rolls_to_highest;
            let r = &propagated;
            let current = match self.effective.get(&r.name) {
                Some(c) => c.clone(),
                None => r.clone(),
            };
            let new = reconcile(r, &current).map_err(Step::Fail)?;
            if let Some(pos) = resolved.iter().position(|f| f.name == r.name) {
                if new != current {
                    self.effective.insert(r.name.clone(), new);
                    return Err(Step::Retry);
                }
                // Lower-level frameworks end up last, as the host orders them.
                let fx = resolved.remove(pos);
                resolved.push(fx);
                continue;
            }
            self.effective.insert(r.name.clone(), new.clone());
            let Some((hive, version)) = resolve_on_disk(&new, self.req.hives) else {
                return Err(Step::Fail(self.missing(
                    &new.name,
                    new.has_version.then(|| new.version_text.clone()),
                    Some(Box::new(new.clone())),
                )));
            };
            let sep = self.req.separator;
            let requested = self
                .oldest
                .get(&r.name)
                .map(|o| o.version_text.clone())
                .unwrap_or_else(|| new.version_text.clone());
            let config = hive
                .versions(&new.name)
                .iter()
                .find(|v| v.dir_name == version)
                .map(|v| v.config.clone())
                .unwrap_or(Ok(None));
            resolved.push(ResolvedFramework {
                name: new.name.clone(),
                dir: format!("{}{sep}shared{sep}{}{sep}{}", hive.root, new.name, version),
                root: hive.root.clone(),
                version,
                requested,
                reference: new.clone(),
            });
            let fx_config_path = {
                let dir = &resolved[resolved.len() - 1].dir;
                format!("{dir}{sep}{}.runtimeconfig.json", new.name)
            };
            let config = match config {
                Ok(Some(c)) => c,
                Ok(None) => continue,
                Err(e) => {
                    return Err(Step::Fail(ResolveFailure::InvalidConfig {
                        framework: Some(new.name.clone()),
                        config_path: Some(fx_config_path),
                        host_lines: Vec::new(),
                        error: e,
                    }))
                }
            };
            let fx_refs = references(&config, self.req.env)
                .map_err(|e| Step::Fail(invalid(Some((&new.name, fx_config_path.clone())), &e)))?;
            self.read_framework(&fx_refs.references, new.roll_to_highest, resolved)?;
        }
        Ok(())
    }

    fn missing(
        &self,
        name: &str,
        version: Option<String>,
        reference: Option<Box<FxReference>>,
    ) -> ResolveFailure {
        let sep = self.req.separator;
        let mut found = Vec::new();
        for hive in self.req.hives {
            let mut versions: Vec<FxVersion> = hive
                .versions(name)
                .iter()
                .filter_map(|v| FxVersion::parse(&v.dir_name).ok())
                .collect();
            versions.sort();
            for v in versions {
                found.push(FoundVersion {
                    version: v.to_string(),
                    dir: format!("{}{sep}shared{sep}{name}", hive.root),
                });
            }
        }
        ResolveFailure::Missing {
            name: name.to_string(),
            version,
            reference,
            found,
        }
    }
}

/// "Soft roll forward": merges two references to one framework, or fails when the lower one
/// cannot accept the higher version.
pub fn reconcile(a: &FxReference, b: &FxReference) -> Result<FxReference, ResolveFailure> {
    let (lower, higher) = if a.version >= b.version {
        (b, a)
    } else {
        (a, b)
    };
    if !lower.is_compatible_with_higher_version(&higher.version) {
        return Err(ResolveFailure::Incompatible {
            name: lower.name.clone(),
            higher_version: higher.version_text.clone(),
            lower: Box::new(lower.clone()),
        });
    }
    let mut effective = higher.clone();
    effective.merge_roll_forward_settings_from(lower);
    Ok(effective)
}

/// "Hard roll forward" of one reference over the hives: the hive and the version folder name.
pub fn resolve_on_disk<'h>(r: &FxReference, hives: &'h [Hive]) -> Option<(&'h Hive, String)> {
    let exact = r.range == Range::Exact
        || (r.range == Range::Patch && !r.apply_patches && !r.version.is_prerelease());
    let mut selected: Option<(&Hive, FxVersion, String)> = None;
    for hive in hives {
        let installed = hive.versions(&r.name);
        if exact {
            // The host looks for a folder named exactly as the reference's version text.
            // With no version at all the host appends "" and finds `shared/<name>/` itself
            // (observed with the real 3.1.23 host); the launch then fails further on.
            let found = installed.iter().any(|v| v.dir_name == r.version_text)
                || (r.version_text.is_empty() && hive.frameworks.contains_key(&r.name));
            if found {
                return Some((hive, r.version_text.clone()));
            }
            continue;
        }
        let list: Vec<FxVersion> = installed
            .iter()
            .filter_map(|v| FxVersion::parse(&v.dir_name).ok())
            .collect();
        let Some(found) = best_match(&list, r) else {
            continue;
        };
        let dir = found.to_string();
        if !installed.iter().any(|v| v.dir_name == dir) {
            continue;
        }
        let better = match &selected {
            None => Some(found),
            Some((_, prev, _)) => {
                let pick = best_match(&[found.clone(), prev.clone()], r);
                pick.filter(|p| p != prev)
            }
        };
        if let Some(v) = better {
            let dir = v.to_string();
            selected = Some((hive, v, dir));
        }
    }
    selected.map(|(h, _, dir)| (h, dir))
}

/// The best version in `list` for the reference: release versions first when it prefers them,
/// then all versions (`resolve_framework_reference_from_version_list`).
pub fn best_match(list: &[FxVersion], r: &FxReference) -> Option<FxVersion> {
    if r.prefer_release {
        if let Some(v) = search(list, r, true) {
            return Some(v);
        }
    }
    search(list, r, false)
}

/// One pass over the versions (release-only or all), as 3.0+ hosts search
/// (`search_for_best_framework_match`): the lowest (or, for LatestMinor/LatestMajor, highest)
/// compatible version ≥ the reference, then — only when that is a release — the highest patch of
/// its major.minor. A prerelease match is never patch-rolled (confirmed by the differential tier
/// against the real 3.1.23 host).
fn search(list: &[FxVersion], r: &FxReference, release_only: bool) -> Option<FxVersion> {
    if r.range < Range::Patch {
        return None;
    }
    let allowed = |v: &FxVersion| !release_only || !v.is_prerelease();
    // Roll-to-highest has no effect on the patch range.
    let highest = r.range != Range::Patch && r.roll_to_highest;
    let mut best: Option<FxVersion> = None;
    for v in list.iter().filter(|v| allowed(v) && **v >= r.version) {
        if !r.is_compatible_with_higher_version(v) {
            continue;
        }
        best = Some(match best {
            None => v.clone(),
            Some(b) if highest => b.max(v.clone()),
            Some(b) => b.min(v.clone()),
        });
    }
    let from = best?;
    if from.is_prerelease() {
        return Some(from);
    }
    let mut best = from.clone();
    for v in list.iter().filter(|v| allowed(v)) {
        if (r.apply_patches || v.patch() == from.patch())
            && *v >= from
            && v.major() == from.major()
            && v.minor() == from.minor()
            && *v > best
        {
            best = v.clone();
        }
    }
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fx::roll_forward::{FxRefSpec, RollForward};

    const NETCORE: &str = "Microsoft.NETCore.App";

    fn hive(installed: &[(&str, &[&str])]) -> Hive {
        let mut h = Hive {
            root: "/dn".into(),
            ..Hive::default()
        };
        for (name, versions) in installed {
            h.frameworks.insert(
                name.to_string(),
                versions
                    .iter()
                    .map(|v| InstalledVersion {
                        dir_name: v.to_string(),
                        config: Ok(None),
                    })
                    .collect(),
            );
        }
        h
    }

    fn spec(name: &str, version: &str, rf: Option<&str>) -> FxRefSpec {
        FxRefSpec {
            name: name.into(),
            version: Some(version.into()),
            roll_forward: rf.map(str::to_string),
            ..FxRefSpec::default()
        }
    }

    fn run(
        app: &FxConfig,
        env: &RollForwardEnv,
        hives: &[Hive],
    ) -> Result<Resolution, ResolveFailure> {
        resolve(&Request {
            app,
            env,
            hives,
            separator: '/',
        })
    }

    /// Resolves one NETCore.App reference; `Err(())` when the host would fail.
    fn one(
        version: &str,
        rf: Option<&str>,
        apply_patches: Option<bool>,
        pre: bool,
        installed: &[&str],
    ) -> Result<String, ()> {
        let app = FxConfig {
            frameworks: vec![FxRefSpec {
                apply_patches,
                ..spec(NETCORE, version, rf)
            }],
            ..FxConfig::default()
        };
        let env = RollForwardEnv {
            roll_forward_to_prerelease: pre.then(|| "1".to_string()),
            ..RollForwardEnv::default()
        };
        run(&app, &env, &[hive(&[(NETCORE, installed)])])
            .map(|r| r.frameworks[0].version.clone())
            .map_err(|_| ())
    }

    // hostfxr.md §3.7, RollForwardReleaseOnly.
    const RELEASES: &[&str] = &["2.1.2", "2.1.3", "2.4.0", "2.4.1", "3.1.1", "3.1.2"];

    #[test]
    fn worked_examples_release_only() {
        assert_eq!(
            one("2.1.0", None, None, false, RELEASES),
            Ok("2.1.3".into())
        );
        assert_eq!(
            one("2.1.0", Some("Minor"), Some(false), false, RELEASES).ok(),
            None,
            "mixing is invalid"
        );
        assert_eq!(
            one("2.1.0", None, Some(false), false, RELEASES),
            Ok("2.1.2".into())
        );
        assert_eq!(
            one("2.1.0", Some("LatestMinor"), None, false, RELEASES),
            Ok("2.4.1".into())
        );
        assert_eq!(
            one("2.1.0", Some("LatestMajor"), None, false, RELEASES),
            Ok("3.1.2".into())
        );
        assert_eq!(
            one("2.1.0", Some("Disable"), None, false, RELEASES),
            Err(())
        );
        assert_eq!(
            one("2.0.0", Some("LatestPatch"), None, false, RELEASES),
            Err(())
        );
        assert_eq!(one("1.1.0", Some("Minor"), None, false, RELEASES), Err(()));
        assert_eq!(
            one("1.1.0", Some("Major"), None, false, RELEASES),
            Ok("2.1.3".into())
        );
    }

    #[test]
    fn worked_examples_release_and_prerelease() {
        let installed = &[
            "4.1.0-preview.1",
            "4.1.0-preview.2",
            "4.1.1",
            "4.1.2-preview.1",
            "4.1.2",
            "4.1.3-preview.1",
        ];
        assert_eq!(
            one("4.1.1", None, None, false, installed),
            Ok("4.1.2".into())
        );
        assert_eq!(
            one("4.1.1", None, None, true, installed),
            Ok("4.1.3-preview.1".into())
        );
        // A prerelease pick is not patch-rolled (§3.5 step 5; confirmed against the real host).
        assert_eq!(
            one("4.0.0", None, None, true, installed),
            Ok("4.1.0-preview.1".into())
        );
        // Release reference with only prereleases installed rolls to them [TEST].
        assert_eq!(
            one("5.1.0", None, None, false, &["5.1.3-preview.2"]),
            Ok("5.1.3-preview.2".into())
        );
        // A prerelease reference never rolls back; it may roll to a release.
        assert_eq!(
            one("5.1.3-preview.9", None, None, false, &["5.1.3-preview.2"]),
            Err(())
        );
        assert_eq!(
            one("5.1.0-preview.1", None, None, false, &["5.1.3"]),
            Ok("5.1.3".into())
        );
        // Default Minor never crosses a major: app targets 6.0, only 8.0 installed.
        assert_eq!(one("6.0.0", None, None, false, &["8.0.11"]), Err(()));
    }

    /// RollForwardMultipleFrameworks (hostfxr.md §3.6): the app references MiddleWare 2.1.0 and
    /// NETCore.App 5.1.1; MiddleWare references NETCore.App as given.
    fn middleware(version: &str, rf: Option<&str>) -> Result<String, &'static str> {
        let installed = &[
            "5.1.1",
            "5.1.3",
            "5.4.1",
            "5.6.0",
            "6.0.0",
            "6.1.0",
            "6.1.1-preview.2",
            "6.1.1-preview.3",
            "6.2.1",
        ];
        let mut h = hive(&[(NETCORE, installed)]);
        h.frameworks.insert(
            "MiddleWare".into(),
            vec![InstalledVersion {
                dir_name: "2.1.0".into(),
                config: Ok(Some(FxConfig {
                    frameworks: vec![spec(NETCORE, version, rf)],
                    ..FxConfig::default()
                })),
            }],
        );
        let app = FxConfig {
            frameworks: vec![
                spec("MiddleWare", "2.1.0", None),
                spec(NETCORE, "5.1.1", None),
            ],
            ..FxConfig::default()
        };
        match run(&app, &RollForwardEnv::default(), &[h]) {
            Ok(r) => Ok(r.get(NETCORE).unwrap().version.clone()),
            Err(ResolveFailure::Incompatible { .. }) => Err("compat"),
            Err(ResolveFailure::Missing { .. }) => Err("missing"),
            Err(ResolveFailure::InvalidConfig { .. }) => Err("invalid"),
            Err(ResolveFailure::NotAVersionFolder { .. }) => Err("folder"),
        }
    }

    #[test]
    fn multi_framework_table() {
        assert_eq!(middleware("5.0.0", Some("Disable")), Err("compat"));
        assert_eq!(middleware("5.1.1", Some("Disable")), Ok("5.1.1".into()));
        assert_eq!(middleware("5.0.0", Some("LatestPatch")), Err("compat"));
        assert_eq!(middleware("5.1.0", Some("LatestPatch")), Ok("5.1.3".into()));
        assert_eq!(middleware("5.0.0", None), Ok("5.1.3".into()));
        assert_eq!(middleware("5.0.0", Some("LatestMinor")), Ok("5.6.0".into()));
        assert_eq!(middleware("1.0.0", Some("Minor")), Err("compat"));
        assert_eq!(middleware("1.0.0", Some("Major")), Ok("5.1.3".into()));
        assert_eq!(middleware("1.0.0", Some("LatestMajor")), Ok("5.6.0".into()));
        assert_eq!(middleware("5.4.0", None), Ok("5.4.1".into()));
        assert_eq!(middleware("5.4.0", Some("LatestMinor")), Ok("5.6.0".into()));
        assert_eq!(middleware("5.4.0", Some("Major")), Ok("5.4.1".into()));
        assert_eq!(middleware("5.7.0", Some("Minor")), Err("missing"));
        assert_eq!(middleware("6.0.0", Some("Minor")), Err("compat"));
        assert_eq!(middleware("6.0.0", Some("Major")), Err("compat"));
    }

    #[test]
    fn design_doc_reconciliation_examples() {
        let r = |v: &str, rf: RollForward| {
            let (range, roll_to_highest) = rf.range_and_highest();
            FxReference {
                name: NETCORE.into(),
                version_text: v.into(),
                has_version: true,
                version: FxVersion::parse(v).unwrap(),
                range,
                roll_to_highest,
                apply_patches: true,
                prefer_release: true,
            }
        };
        let e = reconcile(
            &r("2.1.0", RollForward::Minor),
            &r("2.2.0", RollForward::Major),
        )
        .unwrap();
        assert_eq!(
            (e.version_text.as_str(), e.roll_forward()),
            ("2.2.0", RollForward::Minor)
        );
        assert!(reconcile(
            &r("2.1.0", RollForward::Minor),
            &r("3.0.0", RollForward::Minor)
        )
        .is_err());
        let e = reconcile(
            &r("2.1.0", RollForward::LatestMajor),
            &r("3.0.0", RollForward::Minor),
        )
        .unwrap();
        assert_eq!(
            (e.version_text.as_str(), e.roll_forward()),
            ("3.0.0", RollForward::LatestMinor)
        );
    }

    #[test]
    fn missing_failure_lists_what_was_found() {
        let app = FxConfig {
            frameworks: vec![spec(NETCORE, "3.2.0", None)],
            ..FxConfig::default()
        };
        let h = hive(&[(NETCORE, &["3.1.2", "3.0.0", "not-a-version"])]);
        let f = run(&app, &RollForwardEnv::default(), &[h]).unwrap_err();
        assert_eq!(f.status_code(), FRAMEWORK_MISSING_FAILURE);
        let ResolveFailure::Missing { found, .. } = f else {
            panic!()
        };
        let found: Vec<_> = found.iter().map(|f| f.version.as_str()).collect();
        assert_eq!(found, ["3.0.0", "3.1.2"]);
    }
}
