//! `aspnetcore-attributes`: every attribute of `system.webServer/aspNetCore` is one ANCM's schema
//! defines, with a value of the right type and range, and the values ANCM itself validates when
//! it loads its configuration are valid (ancm-reference.md §1.1, §1.2, failure catalog #7, #17).
use super::{Check, CheckRun, Context};
use crate::deployment::web_config::{AspNetCoreSection, InvalidValue, Located, WebConfig};
use crate::diagnostic::{Finding, Level};

pub struct AspNetCoreAttributes;

/// Attribute names of the V2 schema [SRC S1], for "did you mean" on a wrongly cased name.
const KNOWN: [&str; 12] = [
    "processPath",
    "arguments",
    "startupTimeLimit",
    "shutdownTimeLimit",
    "rapidFailsPerMinute",
    "requestTimeout",
    "stdoutLogEnabled",
    "stdoutLogFile",
    "processesPerApplication",
    "forwardWindowsAuthToken",
    "disableStartUpErrorPage",
    "hostingModel",
];

impl Check for AspNetCoreAttributes {
    fn id(&self) -> &'static str {
        "aspnetcore-attributes"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable web.config".into());
        };
        let Some(s) = &wc.aspnetcore else {
            return CheckRun::Skip("no `aspNetCore` section (see `web-config`)".into());
        };
        let mut f = Vec::new();
        unknown_attributes(wc, s, &mut f);
        unknown_elements(wc, s, &mut f);
        schema_values(wc, s, &mut f);
        ancm_values(wc, s, &mut f);
        CheckRun::Findings(f)
    }
}

/// A generated or garbled file can hold thousands of unknown names: list the first few.
const MAX_LISTED: usize = 10;

fn more_of(what: &str, all: &[Located<String>], f: &mut Vec<Finding>) {
    if all.len() > MAX_LISTED {
        f.push(
            Finding::error(format!(
                "`aspNetCore` has {} {what}; the first {MAX_LISTED} follow",
                all.len()
            ))
            .symptom("500.19")
            .fix("compare the section with the one `dotnet publish` writes"),
        );
    }
}

/// IIS validates a section against its schema before ANCM sees it: an attribute the schema does
/// not define is "Unrecognized attribute" (names are case-sensitive), a 500.19.
fn unknown_attributes(wc: &WebConfig, s: &AspNetCoreSection, f: &mut Vec<Finding>) {
    more_of("unknown attributes", &s.unknown_attributes, f);
    for a in s.unknown_attributes.iter().take(MAX_LISTED) {
        // `environmentVariable/Name`: an entry's attribute, whose schema has `name` and `value`.
        let (element, known, written): (&str, &[&str], &str) = match a.value.split_once('/') {
            Some((element, attr)) => (element, &["name", "value"], attr),
            None => ("aspNetCore", &KNOWN, &a.value),
        };
        let mut finding = Finding::error(format!(
            "`{element}` has no attribute `{written}` (IIS: unrecognized attribute)"
        ))
        .at(wc.location(a.span))
        .symptom("500.19");
        finding = match known.iter().find(|k| k.eq_ignore_ascii_case(written)) {
            Some(k) => finding.fix(format!("write `{k}`: attribute names are case-sensitive")),
            None => {
                finding.fix("remove it, or install the ASP.NET Core Module version that defines it")
            }
        };
        f.push(finding);
    }
}

/// Elements the schema does not define below `aspNetCore`: "Unrecognized element", a 500.19.
fn unknown_elements(wc: &WebConfig, s: &AspNetCoreSection, f: &mut Vec<Finding>) {
    more_of("unknown elements", &s.unknown_elements, f);
    for e in s.unknown_elements.iter().take(MAX_LISTED) {
        let fix = match e.value.as_str() {
            "environmentVariables/add" => {
                r#"write `<environmentVariable name="…" value="…" />`: `<add>` is not used in `environmentVariables`"#.to_string()
            }
            "handlerSettings/add" => {
                r#"write `<handlerSetting name="…" value="…" />`: `<add>` is not used in `handlerSettings`"#.to_string()
            }
            "environmentVariable" | "handlerSetting" => format!(
                "put `<{0}>` inside `<{0}s>`",
                e.value
            ),
            _ => "remove it (element names are case-sensitive)".to_string(),
        };
        f.push(
            Finding::error(format!(
                "`aspNetCore` has no element `{}` (IIS: unrecognized element)",
                e.value
            ))
            .at(wc.location(e.span))
            .symptom("500.19")
            .fix(fix),
        );
    }
}

/// Type and range errors the schema catches (IIS answers 500.19) [SRC S1].
fn schema_values(wc: &WebConfig, s: &AspNetCoreSection, f: &mut Vec<Finding>) {
    let results: [Result<(), InvalidValue>; 8] = [
        s.stdout_log_enabled().map(drop),
        s.startup_time_limit().map(drop),
        s.shutdown_time_limit().map(drop),
        s.rapid_fails_per_minute().map(drop),
        s.processes_per_application().map(drop),
        s.forward_windows_auth_token().map(drop),
        s.disable_start_up_error_page().map(drop),
        s.request_timeout_secs().map(drop),
    ];
    for e in results.into_iter().filter_map(Result::err) {
        let mut finding = Finding::error(format!(
            "`{}=\"{}\"` is not a value IIS accepts: {}",
            e.attribute, e.value, e.expected
        ))
        .at(wc.location(e.span))
        .symptom("500.19");
        if e.attribute == "requestTimeout" {
            // ancm-reference.md §1.1 [DOC D1]: minutes or seconds of 60 give a 500.
            finding = finding
                .evidence(
                    "note",
                    "minutes and seconds must be 0-59: `00:60:00` is invalid, write `01:00:00`",
                )
                .fix("write the timeout as `hh:mm:ss`, at most `360:00:00`");
        } else {
            finding = finding.fix(format!(
                "set `{}` to a valid value or remove it to get the default",
                e.attribute
            ));
        }
        f.push(finding);
    }
}

/// What ANCM checks itself when it loads its configuration; a failure is event 1034 "Could not
/// load configuration" and a 500.0 (ancm-reference.md §5 #17 [SRC S3, S17]).
fn ancm_values(wc: &WebConfig, s: &AspNetCoreSection, f: &mut Vec<Finding>) {
    if let Err(e) = s.hosting_model() {
        f.push(
            Finding::error(format!("`hostingModel=\"{}\"` is neither `inprocess` nor `outofprocess`", e.value))
                .at(wc.location(e.span))
                .symptom("500.0")
                .evidence(
                    "event 1034",
                    format!("Unknown hosting model '{}'. Please specify either hostingModel=\"inprocess\" or hostingModel=\"outofprocess\" in the web.config file.", e.value),
                )
                .fix("set `hostingModel=\"inprocess\"` or `hostingModel=\"outofprocess\"`"),
        );
    }
    // `processPath` is read with GetRequiredString, which fails when it is absent or empty:
    // "Attribute 'processPath' is required." [SRC S3 ShimOptions.cpp, ConfigurationSection.cpp].
    match &s.process_path {
        None => f.push(
            Finding::error("`aspNetCore` has no `processPath`: ANCM cannot load its configuration")
                .at(wc.location(s.span))
                .symptom("500.0")
                .evidence("event 1034", "Could not load configuration. Exception message: Attribute 'processPath' is required.")
                .fix(r#"add `processPath="dotnet" arguments=".\App.dll"` (framework-dependent) or `processPath=".\App.exe"`"#),
        ),
        Some(p) if p.value.is_empty() => f.push(
            Finding::error("`processPath` is empty: ANCM cannot load its configuration")
                .at(wc.location(p.span))
                .symptom("500.0")
                .evidence("event 1034", "Could not load configuration. Exception message: Attribute 'processPath' is required.")
                .fix(r#"set `processPath="dotnet"` (with `arguments=".\App.dll"`) or `processPath=".\App.exe"`"#),
        ),
        Some(_) => {}
    }
    // `shutdownDelay` (ms, default 1000): negative is a configuration error [SRC S3].
    if let Some(d) = s.handler_setting("shutdownDelay") {
        match d.value.value.trim().parse::<i64>() {
            Ok(n) if n < 0 => f.push(
                Finding::error(format!("handler setting `shutdownDelay` is negative ({n})"))
                    .at(wc.location(d.value.span))
                    .symptom("500.0")
                    .evidence("event 1034", "Could not load configuration")
                    .fix("use a delay in milliseconds of 0 or more (default 1000)"),
            ),
            Ok(_) => {}
            Err(_) => f.push(
                Finding::warning(format!(
                    "handler setting `shutdownDelay=\"{}\"` is not a whole number of milliseconds",
                    d.value.value
                ))
                .at(wc.location(d.value.span))
                .fix("use a delay in milliseconds (default 1000)"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::disk::*;

    fn run(wc: &str) -> Vec<Finding> {
        problems(&AspNetCoreAttributes, &app(Some(wc)))
    }

    /// The healthy web.config with these attributes set on `aspNetCore` (replacing any
    /// attribute of the same name).
    fn with_attr(attrs: &str) -> String {
        let mut wc = HEALTHY.to_string();
        for a in attrs.split("\" ").filter(|a| !a.trim().is_empty()) {
            let name = a.trim().split('=').next().unwrap();
            if let Some(i) = wc.find(&format!(" {name}=\"")) {
                let close = wc[i + name.len() + 3..].find('"').unwrap() + i + name.len() + 4;
                wc.replace_range(i..close, "");
            }
        }
        wc.replace(
            r#"hostingModel="inprocess""#,
            &format!(r#"hostingModel="inprocess" {attrs}"#),
        )
    }

    #[test]
    fn healthy_section_passes() {
        assert!(run(HEALTHY).is_empty());
        assert!(run(&with_attr(
            r#"requestTimeout="01:00:00" startupTimeLimit="3600" stdoutLogEnabled="True""#
        ))
        .is_empty());
    }

    #[test]
    fn out_of_range_and_mistyped_values_fail_with_500_19() {
        for bad in [
            r#"startupTimeLimit="3601""#,
            r#"shutdownTimeLimit="-1""#,
            r#"rapidFailsPerMinute="101""#,
            r#"processesPerApplication="0""#,
            r#"stdoutLogEnabled="yes""#,
            r#"forwardWindowsAuthToken="1""#,
            r#"disableStartUpErrorPage="""#,
            r#"requestTimeout="00:60:00""#,
            r#"requestTimeout="00:00:60""#,
            r#"requestTimeout="361:00:00""#,
            r#"requestTimeout="two minutes""#,
        ] {
            let f = run(&with_attr(bad));
            assert_eq!(f.len(), 1, "{bad}: {f:#?}");
            assert_eq!(f[0].symptom.as_deref(), Some("500.19"), "{bad}");
            let loc = f[0].location.as_ref().unwrap();
            assert_eq!(loc.line, 8, "{bad}");
        }
    }

    #[test]
    fn unknown_hosting_model_quotes_event_1034() {
        let f = run(&healthy_with(
            r#"hostingModel="inprocess""#,
            r#"hostingModel="in-process""#,
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.0"));
        assert!(f[0].evidence[0]
            .value
            .contains("Unknown hosting model 'in-process'"));
    }

    #[test]
    fn missing_or_empty_process_path_fails_with_500_0() {
        let f = run(&healthy_with(r#"processPath="dotnet" "#, ""));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.0"));
        let f = run(&healthy_with(
            r#"processPath="dotnet""#,
            r#"processPath="""#,
        ));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("empty"));
    }

    #[test]
    fn empty_hosting_model_is_out_of_process_but_padded_is_unknown() {
        assert!(run(&healthy_with(
            r#"hostingModel="inprocess""#,
            r#"hostingModel="""#
        ))
        .is_empty());
        let f = run(&healthy_with(
            r#"hostingModel="inprocess""#,
            r#"hostingModel=" inprocess""#,
        ));
        assert_eq!(f[0].symptom.as_deref(), Some("500.0"));
    }

    #[test]
    fn wrongly_cased_attribute_is_unrecognized() {
        let f = run(&healthy_with("hostingModel=", "HostingModel="));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
        assert!(f[0].fix.as_deref().unwrap().contains("`hostingModel`"));
    }

    #[test]
    fn thousands_of_unknown_attributes_are_summarised() {
        let many: String = (0..5000).map(|i| format!(" a{i}=\"v\"")).collect();
        let f = run(&healthy_with(
            r#"hostingModel="inprocess""#,
            &format!(r#"hostingModel="inprocess"{many}"#),
        ));
        assert_eq!(f.len(), MAX_LISTED + 1);
        assert!(f[0].message.contains("5000 unknown attributes"));
        // The line is far too long for a snippet.
        assert!(f[1].location.as_ref().unwrap().source_line.is_none());
    }

    #[test]
    fn wrongly_cased_entry_attribute_is_unrecognized() {
        let f = run(&healthy_with(
            r#"name="ASPNETCORE_ENVIRONMENT" value="Production""#,
            r#"Name="ASPNETCORE_ENVIRONMENT" value="Production""#,
        ));
        // Unrecognized `Name`; the entry also has no `name` (reported by environment-variables).
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0]
            .message
            .starts_with("`environmentVariable` has no attribute `Name`"));
        assert!(f[0].fix.as_deref().unwrap().contains("write `name`"));
    }

    #[test]
    fn add_inside_environment_variables_is_unrecognized() {
        let f = run(&healthy_with(
            r#"<environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Production" />"#,
            r#"<add name="ASPNETCORE_ENVIRONMENT" value="Production" />"#,
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
        assert!(f[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("<environmentVariable"));
        assert_eq!(f[0].location.as_ref().unwrap().line, 10);
    }

    #[test]
    fn negative_shutdown_delay_fails() {
        let wc = healthy_with(
            "</environmentVariables>",
            "</environmentVariables>\n<handlerSettings><handlerSetting name=\"shutdownDelay\" value=\"-100\" /></handlerSettings>",
        );
        let f = run(&wc);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.0"));
        let ok = wc.replace("-100", "5000");
        assert!(run(&ok).is_empty());
    }
}
