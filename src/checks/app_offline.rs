//! `app-offline`: an `app_offline.htm` in the app root takes the app offline — ANCM stops it and
//! answers every request with 503 and the file's bytes (an empty file: an empty 503; the seed
//! article's ANCM ignored an empty file). ancm-reference.md §4, ancm-protocol.md §5.4, failure
//! catalog row 3. Pure.
use super::{Check, CheckRun, Context};
use crate::contract::{Hosting, ModuleVersion};
use crate::diagnostic::{Finding, Level};

pub struct AppOffline;

impl Check for AppOffline {
    fn id(&self) -> &'static str {
        "app-offline"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(offline) = &cx.deployment.app_offline else {
            return CheckRun::Findings(Vec::new());
        };
        let module = cx
            .deployment
            .web_config()
            .and_then(|wc| wc.aspnetcore.as_ref().map(|s| Hosting::of(wc, s)))
            .filter(|h| h.module_named)
            .map(|h| h.module);
        let name = offline
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "app_offline.htm".into());
        let fix = format!(
            "delete `{name}` once the deployment is done (Web Deploy removes it itself; a failed or interrupted deployment leaves it behind); the next request starts the app"
        );
        let finding = if offline.size > 0 {
            Finding::error(format!(
                "`{name}` is in the app folder: ANCM stops the app and answers every request with 503 and this file's content"
            ))
        } else if module == Some(ModuleVersion::V1) {
            Finding::warning(format!(
                "an empty `{name}` is in the app folder: early ANCM V1 ignored an empty file, later modules answer every request with an empty 503"
            ))
        } else {
            Finding::error(format!(
                "an empty `{name}` is in the app folder: ANCM stops the app and answers every request with 503 and an empty body"
            ))
        };
        CheckRun::Findings(vec![finding
            .symptom("503")
            .evidence("path", offline.path.display().to_string())
            .evidence("size", format!("{} bytes", offline.size))
            .fix(fix)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::checks::run_one;
    use crate::deployment::Deployment;
    use crate::diagnostic::{CheckResult, Outcome};

    fn run(d: &Deployment) -> CheckResult {
        let h = host("windows");
        run_one(&AppOffline, &Context::new(d, &h))
    }

    #[test]
    fn healthy_passes() {
        let r = run(&healthy());
        assert_eq!(r.outcome, Outcome::Pass);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn left_behind_file_is_a_503() {
        let r = run(&with_offline(healthy(), 120));
        assert_eq!(r.outcome, Outcome::Fail);
        let f = &r.findings[0];
        assert_eq!(f.symptom.as_deref(), Some("503"));
        assert!(f.evidence.iter().any(|e| e.value == "120 bytes"));
        assert!(f.message.contains("this file's content"));
    }

    #[test]
    fn empty_file_v2_fails_v1_warns() {
        let r = run(&with_offline(healthy(), 0));
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.findings[0].message.contains("empty body"));
        let d = deployment(
            web_config(
                "AspNetCoreModule",
                &[("processPath", "dotnet"), ("arguments", r".\App.dll")],
            ),
            &["App.dll", "App.runtimeconfig.json"],
            Some(FDD),
            &[],
        );
        let r = run(&with_offline(d, 0));
        assert_eq!(r.outcome, Outcome::Warn);
    }
}
