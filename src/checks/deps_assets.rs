//! `deps-assets`: every runtime and native asset the app's `<App>.deps.json` lists for this
//! machine is in the app folder (hostfxr.md §6). A missing one stops the host before `Main` with
//! "An assembly specified in the application dependencies manifest … was not found"
//! (0x8000808C); a malformed deps.json stops it earlier (0x8000808B).
use super::{Check, CheckRun, Context};
use crate::contract::plan::rid_os;
use crate::deployment::deps_json::host_message;
use crate::diagnostic::{Finding, Level};
use crate::fx::message::exit_code_forms;
use crate::host::dotnet_install::host_arch_name;

/// hostfxr.md §2: ResolverInitFailure / ResolverResolveFailure.
const RESOLVER_INIT_FAILURE: u32 = 0x8000_808B;
const RESOLVER_RESOLVE_FAILURE: u32 = 0x8000_808C;
/// Past this many, the rest are summarised in one finding.
const LISTED: usize = 10;

pub struct DepsAssets;

impl Check for DepsAssets {
    fn id(&self) -> &'static str {
        "deps-assets"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(deps) = &cx.deployment.deps_json else {
            return CheckRun::Skip(
                "no `<App>.deps.json`: the host loads every dll in the folder".into(),
            );
        };
        let model = &cx.plan;
        let symptom = model.start_failure_symptom();
        let file = deps
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Err(e @ crate::deployment::json_file::JsonFileError::TooLarge { .. }) = &deps.parsed
        {
            return CheckRun::Skip(e.to_string());
        }
        if let Err(e) = &deps.parsed {
            return CheckRun::Findings(vec![Finding::error(format!(
                "the host cannot read `{file}`: {e}"
            ))
            .evidence("exit code", exit_code_forms(RESOLVER_INIT_FAILURE))
            .symptom(symptom)
            .fix("redeploy `<App>.deps.json` from the publish output")]);
        }
        let os = rid_os(&cx.host.os);
        let arch = host_arch_name(&cx.host.arch);
        let (missing, rids) = deps.missing(os, arch);
        let mut findings: Vec<Finding> = missing
            .iter()
            .take(LISTED)
            .map(|a| {
                Finding::error(format!(
                    "`{}` ({} asset of `{}` {}) is listed in `{file}` but not in the app folder",
                    a.app_relative_path,
                    a.kind.as_str(),
                    a.library,
                    a.version
                ))
                .evidence("host output", host_message(&file, a).join("\n"))
                .evidence("exit code", exit_code_forms(RESOLVER_RESOLVE_FAILURE))
                .evidence("runtime identifiers tried", rids.join(", "))
                .symptom(symptom)
                .fix("deploy the complete publish output (a filtered copy or a partial Web Deploy drops files), then restart the app pool")
            })
            .collect();
        if missing.len() > LISTED {
            findings.push(
                Finding::error(format!(
                    "{} more assets listed in `{file}` are missing from the app folder",
                    missing.len() - LISTED
                ))
                .symptom(symptom),
            );
        }
        CheckRun::Findings(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::dotnet::{expect, Fixture, HEALTHY_DEPS};
    use crate::diagnostic::Outcome;

    #[test]
    fn complete_folder_passes() {
        let r = expect(Fixture::healthy().run(&DepsAssets), Outcome::Pass);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn missing_package_assembly_fails_with_the_host_message() {
        let mut fx = Fixture::healthy();
        fx.deps = Some((HEALTHY_DEPS.into(), vec!["App.dll".into()]));
        let r = expect(fx.run(&DepsAssets), Outcome::Fail);
        let f = &r.findings[0];
        assert!(f.message.contains("`Dapper.dll`"), "{}", f.message);
        let out = &f
            .evidence
            .iter()
            .find(|e| e.label == "host output")
            .unwrap()
            .value;
        assert!(out.contains("An assembly specified in the application dependencies manifest (App.deps.json) was not found:"));
        assert!(out.contains("path: 'lib/net7.0/Dapper.dll'"));
        assert_eq!(f.symptom.as_deref(), Some("500.31"));
    }

    #[test]
    fn malformed_deps_json_fails() {
        let mut fx = Fixture::healthy();
        fx.deps = Some(("{".into(), Vec::new()));
        expect(fx.run(&DepsAssets), Outcome::Fail);
    }

    #[test]
    fn no_deps_json_is_skipped() {
        let mut fx = Fixture::healthy();
        fx.deps = None;
        expect(fx.run(&DepsAssets), Outcome::Skip);
    }
}
