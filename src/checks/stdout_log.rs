//! `stdout-log`: when `stdoutLogEnabled="true"`, the log can actually be written — its folder
//! exists (ANCM V1 never creates it; V2 does only if the pool identity may write), the prefix is
//! not a folder or under a file, the Azure-only `\\?\%home%\LogFiles\stdout` is not used off Azure
//! — and logging is not left on for good (no rotation, no size limit). ancm-reference.md §3.1,
//! failure catalog row 48; the seed article. Pure.
use super::{Check, CheckRun, Context};
use crate::contract::command_line::{app_relative, expand_env};
use crate::contract::module::{on_azure, worker_env, Hosting, ModuleVersion};
use crate::contract::{AppFolder, PathState};
use crate::diagnostic::{Finding, Level};

pub struct StdoutLog;

impl Check for StdoutLog {
    fn id(&self) -> &'static str {
        "stdout-log"
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable `web.config`".into());
        };
        let Some(section) = wc.aspnetcore.as_ref() else {
            return CheckRun::Skip("no `aspNetCore` section in `web.config`".into());
        };
        let enabled = match section.stdout_log_enabled() {
            Ok(b) => b,
            Err(e) => return CheckRun::Skip(format!("{e}")),
        };
        if !enabled {
            return CheckRun::Findings(Vec::new());
        }
        let hosting = Hosting::of(wc, section);
        let section_loc = wc.location(section.span);
        let enabled_loc = section
            .stdout_log_enabled
            .as_ref()
            .map(|l| wc.location(l.span))
            .unwrap_or_else(|| section_loc.clone());
        let file_loc = section
            .stdout_log_file
            .as_ref()
            .map(|l| wc.location(l.span))
            .unwrap_or_else(|| enabled_loc.clone());
        let written = section.stdout_log_file();
        let mut out = vec![Finding::warning(
            "stdout logging is on: ANCM never rotates or trims these files, so left on they fill the disk",
        )
        .at(enabled_loc)
        .fix(r#"set `stdoutLogEnabled="false"` once the start-up problem is found; log with a real logging provider"#)];

        // Azure publish profiles write `\\?\%home%\LogFiles\stdout`; `LogFiles` always exists
        // there (ancm-reference.md §3.1, publish-iis.md §4).
        if written.to_ascii_lowercase().contains("%home%") {
            match on_azure(cx.host) {
                Some(true) => {}
                Some(false) => out.push(
                    Finding::warning(format!(
                        "`stdoutLogFile` is `{written}`, the Azure App Service location: outside App Service `%home%` is not defined, the path does not exist and no log is written"
                    ))
                    .at(file_loc)
                    .evidence("host", format!("{} (not Azure App Service)", cx.host.os))
                    .fix(r#"for IIS use `stdoutLogFile=".\logs\stdout"` and create `logs`, writable by the app pool identity"#),
                ),
                None => out.push(
                    Finding::note(format!(
                        "`stdoutLogFile` `{written}` exists only on Azure App Service (`D:\\home\\LogFiles`)"
                    ))
                    .at(file_loc),
                ),
            }
            return CheckRun::Findings(out);
        }
        let env = worker_env(cx.host);
        let expanded = expand_env(written, &env);
        let layout = &cx.deployment.layout;
        if !expanded.unresolved.is_empty() {
            out.push(Finding::note(format!(
                "`stdoutLogFile` `{written}` uses variables the host facts do not define: not checked"
            )));
            return CheckRun::Findings(out);
        }
        let Some(rel) = app_relative(&expanded.text) else {
            out.push(Finding::note(format!(
                "`stdoutLogFile` `{written}` is outside the app folder: whether its folder exists and is writable is a fact of the server"
            )));
            return CheckRun::Findings(out);
        };
        let (folder, folder_state) = match rel.rsplit_once('/') {
            Some((parent, _)) => (parent.to_string(), layout.state(parent)),
            None => (String::new(), PathState::Dir),
        };
        let shown_folder = format!(".\\{}", folder.replace('/', "\\"));
        if layout.state(&rel) == PathState::Dir {
            let leaf = rel.rsplit('/').next().unwrap_or(&rel);
            out.push(
                Finding::warning(format!(
                    "`stdoutLogFile` `{written}` names a folder, but ANCM treats it as a file-name prefix: logs go to `{leaf}_<timestamp>_<pid>.log` beside that folder, not into it"
                ))
                .at(file_loc.clone())
                .fix(format!(r#"set `stdoutLogFile="{}\stdout"`"#, written.trim_end_matches(['\\', '/']))),
            );
        }
        let pool_write = "give the app pool identity (`IIS AppPool\\<pool>`) write access to it";
        match folder_state {
            PathState::Missing => {
                let f = match hosting.module {
                    ModuleVersion::V1 => Finding::warning(format!(
                        "the stdout log folder `{shown_folder}` does not exist and ANCM V1 (`AspNetCoreModule`) does not create it: no stdout log is written (\"Could not create stdoutLogFile …, ErrorCode = -2147024893\")"
                    )),
                    ModuleVersion::V2 => Finding::warning(format!(
                        "the stdout log folder `{shown_folder}` does not exist: ANCM V2 creates it at start-up only if the app pool identity may write to the app folder (usually it may only read), otherwise no stdout log is written"
                    )),
                };
                out.push(
                    f.at(file_loc)
                        .evidence("module", match (hosting.module_named, hosting.module) {
                            (false, _) => "unknown (treated as V2)",
                            (true, m) => m.name(),
                        })
                        .fix(format!("create `{shown_folder}` in the app folder and {pool_write}")),
                );
            }
            PathState::File => out.push(
                Finding::warning(format!(
                    "`{shown_folder}` is a file, not a folder: no stdout log can be written under it"
                ))
                .at(file_loc)
                .fix(format!("replace the file `{shown_folder}` with a folder and {pool_write}")),
            ),
            PathState::Dir | PathState::Unknown => {}
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::checks::run_one;
    use crate::deployment::Deployment;
    use crate::diagnostic::{CheckResult, Outcome};

    fn run_on(d: &Deployment, os: &str) -> CheckResult {
        let h = host(os);
        run_one(&StdoutLog, &Context::new(d, &h))
    }

    fn dep(module: &str, file: &str, files: &[&str], probes: &[(&str, PathState)]) -> Deployment {
        deployment(
            web_config(
                module,
                &[
                    ("processPath", "dotnet"),
                    ("arguments", r".\App.dll"),
                    ("stdoutLogEnabled", "true"),
                    ("stdoutLogFile", file),
                ],
            ),
            files,
            Some(FDD),
            probes,
        )
    }

    fn messages(r: &CheckResult) -> Vec<&str> {
        r.findings.iter().map(|f| f.message.as_str()).collect()
    }

    #[test]
    fn healthy_and_disabled_pass() {
        let r = run_on(&healthy(), "linux");
        assert_eq!(r.outcome, Outcome::Pass);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn enabled_with_existing_folder_only_warns_about_rotation() {
        let d = dep(
            "AspNetCoreModuleV2",
            r".\logs\stdout",
            &["App.dll", "logs/"],
            &[("logs/stdout", PathState::Missing)],
        );
        let r = run_on(&d, "windows");
        assert_eq!(r.outcome, Outcome::Warn);
        assert_eq!(r.findings.len(), 1, "{:#?}", messages(&r));
        assert!(r.findings[0].message.contains("fill the disk"));
        assert_eq!(r.findings[0].location.as_ref().unwrap().line, 9);
    }

    #[test]
    fn v1_missing_folder_means_no_log() {
        let d = dep("AspNetCoreModule", r".\logs\stdout", &["App.dll"], &[]);
        let r = run_on(&d, "windows");
        let f = r
            .findings
            .iter()
            .find(|f| f.message.contains("does not exist"))
            .expect("missing-folder finding");
        assert!(f.message.contains("ANCM V1"), "{}", f.message);
        assert_eq!(f.location.as_ref().unwrap().line, 10, "at stdoutLogFile");
        assert!(f.fix.as_ref().unwrap().contains(r"`.\logs`"));
    }

    #[test]
    fn v2_missing_folder_needs_write_access() {
        let d = dep(
            "AspNetCoreModuleV2",
            r".\logs\stdout",
            &["App.dll"],
            &[
                ("logs", PathState::Missing),
                ("logs/stdout", PathState::Missing),
            ],
        );
        let r = run_on(&d, "windows");
        assert!(messages(&r)
            .iter()
            .any(|m| m.contains("ANCM V2 creates it") && m.contains("may write")));
    }

    #[test]
    fn folder_is_a_file() {
        let d = dep(
            "AspNetCoreModuleV2",
            r".\logs\stdout",
            &["App.dll", "logs"],
            &[],
        );
        let r = run_on(&d, "windows");
        assert!(messages(&r)
            .iter()
            .any(|m| m.contains("is a file, not a folder")));
    }

    #[test]
    fn prefix_names_a_folder() {
        let d = dep("AspNetCoreModuleV2", r".\logs", &["App.dll", "logs/"], &[]);
        let r = run_on(&d, "windows");
        assert!(messages(&r).iter().any(|m| m.contains("file-name prefix")));
    }

    #[test]
    fn azure_home_path_off_and_on_azure() {
        let d = dep(
            "AspNetCoreModuleV2",
            r"\\?\%home%\LogFiles\stdout",
            &["App.dll"],
            &[],
        );
        for os in ["linux", "windows"] {
            let r = run_on(&d, os);
            assert_eq!(r.findings.len(), 2, "{os}");
            assert!(r.findings[1].message.contains("outside App Service"));
        }
        // On App Service `LogFiles` always exists: only the logging-left-on warning remains.
        let mut h = host("windows");
        h.azure = Some(crate::host::facts::AzureAppService {
            site_name: "contoso".into(),
            instance_id: None,
            home: Some(r"D:\home".into()),
        });
        let cx = Context::new(&d, &h);
        assert_eq!(run_one(&StdoutLog, &cx).findings.len(), 1);
        // Facts without an OS cannot tell: a note.
        assert_eq!(run_on(&d, "").findings[1].level, Level::Note);
    }

    #[test]
    fn invalid_enabled_value_skips() {
        let d = deployment(
            web_config(
                "AspNetCoreModuleV2",
                &[("processPath", "dotnet"), ("stdoutLogEnabled", "yes")],
            ),
            &[],
            None,
            &[],
        );
        assert_eq!(run_on(&d, "windows").outcome, Outcome::Skip);
    }
}
