//! `web-config`: the app folder has a `web.config` IIS can read, with an `aspNetCore` handler and
//! section (ancm-reference.md §1.3, §1.4, failure catalog #4, #5).
use super::{Check, CheckRun, Context};
use crate::deployment::{WebConfigError, WebConfigState};
use crate::diagnostic::{Finding, Level, Location};

pub struct WebConfigPresent;

impl Check for WebConfigPresent {
    fn id(&self) -> &'static str {
        "web-config"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let d = cx.deployment;
        let file = d.app_dir.join("web.config");
        let findings = match &d.web_config {
            WebConfigState::Missing => {
                // ancm-reference.md §1.4 [DOC D3]: without web.config IIS may serve the app's
                // JSON and XML files as static content.
                let exposed = match &d.layout.app_name {
                    Some(n) => format!("`{n}.runtimeconfig.json`, `{n}.deps.json`"),
                    None => "`*.runtimeconfig.json`, `*.deps.json`".to_string(),
                };
                vec![
                    Finding::error("no `web.config` in the app folder")
                        .symptom("403.14")
                        .evidence("looked for", file.display().to_string())
                        .fix("publish with `dotnet publish` (the Web SDK writes web.config) or copy the project's web.config with real `processPath`/`arguments`"),
                    Finding::warning(format!(
                        "without `web.config` IIS may serve {exposed} and `*.xml` files to anyone who asks"
                    ))
                    .fix("always deploy web.config, even when the app is not started by IIS"),
                ]
            }
            WebConfigState::Invalid(e) => vec![invalid(e)],
            WebConfigState::Parsed(wc) => {
                let mut f = Vec::new();
                if wc.aspnetcore_handler().is_none() {
                    f.push(Finding::error("no handler routes requests to the ASP.NET Core Module")
                        .symptom("403.14")
                        .fix(r#"add `<handlers><add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" /></handlers>` under `system.webServer`"#));
                }
                if wc.aspnetcore.is_none() {
                    let mut finding =
                        Finding::error("no `aspNetCore` section: ANCM does not know what to start")
                            .symptom("500.0")
                            .fix(r#"add `<aspNetCore processPath="dotnet" arguments=".\App.dll" />` under `system.webServer`"#);
                    for l in &wc.other_locations {
                        let path = l.path.as_ref().map(|p| p.value.as_str()).unwrap_or("");
                        finding = finding.evidence_at(
                            "ignored for this app",
                            format!("<location path=\"{path}\">"),
                            wc.location(l.span),
                        );
                    }
                    f.push(finding);
                }
                for dup in &wc.duplicate_sections {
                    f.push(
                        Finding::error(format!("`{}` is defined twice for this app", dup.value))
                            .at(wc.location(dup.span))
                            .symptom("500.19")
                            .fix("keep one: merge the two sections (check `<location path=\".\">` and the top level)"),
                    );
                }
                // ancm-reference.md §1.4 [DOC D1, D3, D4]: publish (2.2+) wraps system.webServer
                // so sub-applications do not inherit the handler.
                let inherits = wc.location.as_ref().map_or(true, |l| {
                    !l.inherit_in_child_applications
                        .as_ref()
                        .is_some_and(|v| v.value.trim().eq_ignore_ascii_case("false"))
                });
                if inherits {
                    if let Some(h) = wc.aspnetcore_handler() {
                        f.push(
                            Finding::note(
                                "sub-applications below this app inherit its `aspNetCore` handler; one that adds its own fails with 500.19",
                            )
                            .at(wc.location(h.span))
                            .fix(r#"wrap `system.webServer` in `<location path="." inheritInChildApplications="false">` as publish does"#),
                        );
                    }
                }
                for l in &wc.other_locations {
                    let path = l.path.as_ref().map(|p| p.value.as_str()).unwrap_or("");
                    f.push(
                        Finding::note(format!(
                            "`<location path=\"{path}\">` configures another path; its settings do not apply to this app"
                        ))
                        .at(wc.location(l.span)),
                    );
                }
                f
            }
        };
        CheckRun::Findings(findings)
    }
}

fn invalid(e: &WebConfigError) -> Finding {
    // The file as found (it may be `Web.config`).
    let file = match e {
        WebConfigError::NotFound { path }
        | WebConfigError::Io { path, .. }
        | WebConfigError::TooLarge { path, .. }
        | WebConfigError::Malformed { path, .. } => path.as_path(),
    };
    match e {
        WebConfigError::TooLarge { size, limit, .. } => Finding::error(format!(
            "`web.config` is {size} bytes; IIS refuses files over {limit} bytes ({} KB)",
            limit / 1024
        ))
        .symptom("500.19")
        .fix(r"make it smaller (move URL rewrite rules to a `configSource` file) or raise `MaxWebConfigFileSizeInKB` under `HKLM\SOFTWARE\Microsoft\InetStp\Configuration` and restart IIS"),
        WebConfigError::Malformed {
            line,
            column,
            message,
            source_line,
            ..
        } => {
            let mut at = Location::new(file, *line, *column).with_len(1);
            if let Some(text) = source_line {
                at = at.with_source_line(text.clone());
            }
            Finding::error(format!("`web.config` cannot be read: {message}"))
            .at(at)
            .symptom("500.19")
            .fix("make web.config well-formed XML (UTF-8, or UTF-16 with a BOM)")
        }
        WebConfigError::Io { source, .. } => {
            Finding::error(format!("`web.config` cannot be read: {source}"))
                .symptom("500.19")
                .evidence("file", file.display().to_string())
                .fix("make web.config a regular file the app pool identity (`IIS AppPool\\<pool>`) can read")
        }
        WebConfigError::NotFound { .. } => Finding::error("no `web.config` in the app folder")
            .symptom("403.14")
            .evidence("looked for", file.display().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::disk::*;

    #[test]
    fn healthy_web_config_passes() {
        assert!(problems(&WebConfigPresent, &app(Some(HEALTHY))).is_empty());
    }

    #[test]
    fn missing_web_config_is_an_error_and_warns_about_exposed_files() {
        let f = findings(&WebConfigPresent, &app(None));
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].level, Level::Error);
        assert_eq!(f[0].symptom.as_deref(), Some("403.14"));
        assert_eq!(f[1].level, Level::Warning);
        assert!(
            f[1].message.contains("`App.runtimeconfig.json`"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn malformed_web_config_is_located() {
        let fx = app(Some(
            "<configuration>\n  <system.webServer>\n</configuration>",
        ));
        let f = findings(&WebConfigPresent, &fx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
        let loc = f[0].location.as_ref().expect("location");
        assert_eq!((loc.line, loc.column), (3, 1));
    }

    #[test]
    fn too_large_web_config_names_the_limit() {
        let big = format!(
            "<configuration><!--{}--></configuration>",
            "x".repeat(300 * 1024)
        );
        let f = findings(&WebConfigPresent, &app(Some(&big)));
        assert!(
            f[0].message.contains("256000 bytes (250 KB)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn no_handler_no_section_and_duplicates_fail() {
        let f = findings(
            &WebConfigPresent,
            &app(Some("<configuration><system.webServer/></configuration>")),
        );
        assert_eq!(f.len(), 2);
        let dup = healthy_with(
            "</aspNetCore>",
            "</aspNetCore>\n      <aspNetCore processPath=\"dotnet\" />",
        );
        let f = problems(&WebConfigPresent, &app(Some(&dup)));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("defined twice"));
        assert_eq!(f[0].location.as_ref().unwrap().line, 13);
    }

    #[test]
    fn unwrapped_system_web_server_gets_a_note_about_sub_apps() {
        assert!(findings(&WebConfigPresent, &app(Some(HEALTHY))).is_empty());
        let bare = HEALTHY
            .replace(
                r#"<location path="." inheritInChildApplications="false">"#,
                "",
            )
            .replace("</location>", "");
        let f = findings(&WebConfigPresent, &app(Some(&bare)));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Note);
        assert!(f[0].message.contains("sub-applications"));
    }

    #[test]
    fn other_locations_are_noted_only() {
        let wc = healthy_with(
            "</configuration>",
            "<location path=\"api\"><system.webServer/></location>\n</configuration>",
        );
        let f = findings(&WebConfigPresent, &app(Some(&wc)));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Note);
    }
}
