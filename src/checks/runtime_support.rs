//! `runtime-support`: the framework the app will run on (or asks for) is a supported release —
//! not a preview, not a major version past its end of support. A warning: the app still starts,
//! but gets no security fixes (or preview behaviour).
use super::{Check, CheckRun, Context};
use crate::diagnostic::{Finding, Level};
use crate::fx::{self, FxVersion};

/// End of support per major version, from Microsoft's .NET (Core) support policy page
/// (dotnet.microsoft.com/platform/support/policy/dotnet-core, "out of support versions" and
/// release notes in dotnet/core `releases.json`), as of November 2026. .NET 8 (LTS) and 9 (STS,
/// extended to 24 months) both end on 2026-11-10.
pub const END_OF_SUPPORT: &[(i64, i64, &str)] = &[
    (1, 0, "2019-06-27"),
    (1, 1, "2019-06-27"),
    (2, 0, "2018-10-01"),
    (2, 1, "2021-08-21"),
    (2, 2, "2019-12-23"),
    (3, 0, "2020-03-03"),
    (3, 1, "2022-12-13"),
    (5, 0, "2022-05-10"),
    (6, 0, "2024-11-12"),
    (7, 0, "2024-05-14"),
    (8, 0, "2026-11-10"),
    (9, 0, "2026-11-10"),
    (10, 0, "2028-11-14"),
];

/// The end-of-support date of a version's major.minor, when known.
pub fn end_of_support(v: &FxVersion) -> Option<&'static str> {
    END_OF_SUPPORT
        .iter()
        .find(|(ma, mi, _)| *ma == v.major() && *mi == v.minor())
        .map(|(_, _, d)| *d)
}

pub struct RuntimeSupport;

impl Check for RuntimeSupport {
    fn id(&self) -> &'static str {
        "runtime-support"
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let today = chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        findings(cx, &today)
    }
}

/// The result as of `today` (`YYYY-MM-DD`), so tests do not depend on the clock. Judges what
/// will really run: the frameworks a self-contained app carries, or the versions the host will
/// resolve on this machine; a reference alone says little (`rollForward` may lift it).
pub fn findings(cx: &Context<'_>, today: &str) -> CheckRun {
    let model = &cx.plan;
    let Some(app) = &model.app_config else {
        return CheckRun::Skip("no readable runtimeconfig.json".into());
    };
    let versions: Vec<(String, String)> = if !app.included_frameworks.is_empty() {
        app.included_frameworks
            .iter()
            .filter_map(|r| Some((r.name.clone(), r.version.clone()?)))
            .collect()
    } else {
        let Some(install) = model.install() else {
            return CheckRun::Skip(
                "the framework that will run is not known on this machine".into(),
            );
        };
        let hives = model.hives(install);
        let env = model.roll_forward_env(cx.host.os == "windows");
        let req = fx::Request {
            app,
            env: &env,
            hives: &hives,
            separator: '/',
        };
        match fx::resolve(&req) {
            Ok(res) => res
                .frameworks
                .iter()
                .map(|f| (f.name.clone(), f.version.clone()))
                .collect(),
            Err(_) => return CheckRun::Skip(
                "the host cannot resolve the app's frameworks here (see `framework-resolution`)"
                    .into(),
            ),
        }
    };
    let mut out = Vec::new();
    for (name, text) in versions {
        let Ok(v) = FxVersion::parse(&text) else {
            continue;
        };
        let what = "will run";
        if v.is_prerelease() {
            out.push(
                Finding::warning(format!("`{name}` {text} {what}: a preview release"))
                    .fix("use a released runtime in production"),
            );
        }
        if let Some(eos) = end_of_support(&v) {
            if eos <= today {
                out.push(
                    Finding::warning(format!(
                        "`{name}` {text} {what}: {}.{} reached end of support on {eos}",
                        v.major(),
                        v.minor()
                    ))
                    .evidence("end of support", eos)
                    .fix("retarget the app to a supported .NET version and install its runtime"),
                );
            }
        }
    }
    CheckRun::Findings(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::dotnet::Fixture;

    fn at(fx: &Fixture, today: &str) -> Vec<Finding> {
        match run_at(fx, today) {
            CheckRun::Findings(f) => f,
            CheckRun::Skip(r) => panic!("skipped: {r}"),
        }
    }

    fn run_at(fx: &Fixture, today: &str) -> CheckRun {
        let d = fx.deployment();
        let cx = Context::new(&d, &fx.host);
        findings(&cx, today)
    }

    #[test]
    fn supported_release_is_quiet_until_its_end_of_support() {
        let fx = Fixture::healthy();
        assert!(at(&fx, "2026-01-01").is_empty());
        let after = at(&fx, "2026-11-25");
        assert_eq!(after.len(), 2, "{after:#?}");
        assert!(
            after[0]
                .message
                .contains("8.0.11 will run: 8.0 reached end of support on 2026-11-10"),
            "{}",
            after[0].message
        );
    }

    #[test]
    fn prerelease_is_a_warning() {
        let mut fx = Fixture::healthy();
        fx.host.dotnet.installs[0].frameworks = vec![crate::checks::fixtures::dotnet::framework(
            "Microsoft.NETCore.App",
            "10.0.0-rc.2",
            None,
        )];
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"framework":{"name":"Microsoft.NETCore.App","version":"10.0.0-rc.1"}}}"#.into());
        let f = at(&fx, "2026-01-01");
        assert!(
            f.iter().any(|f| f
                .message
                .contains("10.0.0-rc.2 will run: a preview release")),
            "{f:#?}"
        );
    }

    #[test]
    fn unresolvable_is_skipped_and_self_contained_judges_what_it_carries() {
        let mut fx = Fixture::healthy();
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"framework":{"name":"Microsoft.NETCore.App","version":"3.1.0"}}}"#.into());
        assert!(matches!(run_at(&fx, "2026-01-01"), CheckRun::Skip(_)));
        fx.runtimeconfig = Some(r#"{"runtimeOptions":{"includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"3.1.32"}]}}"#.into());
        let f = at(&fx, "2026-01-01");
        assert!(
            f[0].message
                .contains("3.1.32 will run: 3.1 reached end of support on 2022-12-13"),
            "{f:#?}"
        );
    }

    #[test]
    fn the_check_runs_on_the_clock() {
        let r = Fixture::healthy().run(&RuntimeSupport);
        assert_ne!(r.outcome, crate::diagnostic::Outcome::Fail);
    }
}
