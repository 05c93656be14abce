//! `path-changed-after-iis-start`: the machine Environment key (which holds the machine PATH) was
//! written after the IIS service processes started. Worker processes inherit WAS's environment, so
//! they keep the old PATH until IIS restarts (ancm-reference.md §6.5, §7.1, §7.4).
use super::{Check, CheckRun, Context};
use crate::diagnostic::{Finding, Level};

pub struct PathChangedAfterIisStart;

impl Check for PathChangedAfterIisStart {
    fn id(&self) -> &'static str {
        "path-changed-after-iis-start"
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        if let Some(reason) = cx.host.iis_skip_reason() {
            return CheckRun::Skip(reason);
        }
        let Some(changed_text) = &cx.host.machine_environment_changed else {
            return CheckRun::Skip(
                "the last change of the machine environment is not known".into(),
            );
        };
        let Ok(changed) = chrono::DateTime::parse_from_rfc3339(changed_text) else {
            return CheckRun::Skip(format!(
                "unreadable time `{changed_text}` in the host facts"
            ));
        };
        let Some((proc_, started)) = cx.host.iis_started() else {
            return CheckRun::Skip("no IIS service process is running (WAS, W3SVC, w3wp): the next start will see the current PATH".into());
        };
        if changed > started {
            return CheckRun::Findings(vec![Finding::warning(format!(
                "the machine PATH may have changed after IIS started: worker processes still see the old one (`{}` started {}, environment changed {})",
                proc_.name, proc_.started, changed_text
            ))
            .evidence("IIS process", format!("`{}` pid {} started {}", proc_.name, proc_.pid, proc_.started))
            .evidence("machine Environment key written", changed_text.clone())
            .fix("restart IIS so workers get the new PATH: `iisreset` (or `net stop was /y` then `net start w3svc`)")]);
        }
        CheckRun::Findings(vec![Finding::note(format!(
            "IIS (`{}`) started after the last machine environment change",
            proc_.name
        ))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;

    #[test]
    fn unchanged_since_start_passes() {
        let f = problems(run(
            &PathChangedAfterIisStart,
            &deployment(r"C:\apps\Shop", None),
            &host(),
        ));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn changed_after_start_says_iisreset() {
        let mut h = host();
        h.machine_environment_changed = Some("2026-03-01T08:00:00+00:00".into());
        let f = problems(run(
            &PathChangedAfterIisStart,
            &deployment(r"C:\apps\Shop", None),
            &h,
        ));
        assert_eq!(f.len(), 1);
        assert!(f[0].fix.as_deref().unwrap().contains("iisreset"));
    }

    #[test]
    fn earliest_iis_process_counts_and_no_process_skips() {
        let mut h = host();
        h.machine_environment_changed = Some("2026-03-01T08:00:00+00:00".into());
        h.iis
            .as_mut()
            .unwrap()
            .service_processes
            .push(crate::host::facts::ServiceProcess {
                name: "w3wp.exe".into(),
                pid: 9,
                started: "2026-04-01T08:00:00Z".into(),
            });
        assert_eq!(
            problems(run(
                &PathChangedAfterIisStart,
                &deployment(r"C:\x", None),
                &h
            ))
            .len(),
            1
        );
        h.iis.as_mut().unwrap().service_processes.clear();
        assert!(matches!(
            run(&PathChangedAfterIisStart, &deployment(r"C:\x", None), &h),
            CheckRun::Skip(_)
        ));
    }
}
