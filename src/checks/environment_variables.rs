//! `environment-variables`: what web.config's `<environmentVariables>` hands the app — the
//! Development environment in production, secrets in plain text, names set twice, and the
//! variables that decide which port an out-of-process app listens on (ancm-reference.md §1.1,
//! §1.4, §2.1). Values are secrets: they only appear as secret evidence or redacted snippets.
use super::{Check, CheckRun, Context};
use crate::deployment::web_config::{EnvironmentVariable, HostingModel, WebConfig};
use crate::diagnostic::{Finding, Level, Location};

pub struct EnvironmentVariables;

/// ANCM's accepted range for a user-set `ASPNETCORE_PORT` (ancm-reference.md §2.1 [SRC S8]).
const PORT_RANGE: std::ops::RangeInclusive<u32> = 1025..=48000;

/// Variables that make the app choose its own listening address instead of ANCM's port.
const URL_VARIABLES: [&str; 4] = [
    "ASPNETCORE_URLS",
    "ASPNETCORE_HTTP_PORTS",
    "ASPNETCORE_HTTPS_PORTS",
    "DOTNET_URLS",
];

fn looks_secret(v: &EnvironmentVariable) -> bool {
    crate::secrets::is_credential(&v.name.value, &v.value.value)
}

/// Where the variable's value is, with the value masked in the snippet.
fn value_location(wc: &WebConfig, v: &EnvironmentVariable) -> Location {
    let loc = wc.location(v.value.span);
    if v.value.value.is_empty() || loc.len == 0 {
        return loc;
    }
    // The snippet already masks the value (`WebConfig::location`); the caret then underlines
    // the mask, not the width of the hidden value.
    loc.with_len(crate::diagnostic::REDACTED.chars().count() as u32)
}

impl Check for EnvironmentVariables {
    fn id(&self) -> &'static str {
        "environment-variables"
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
        // ASPNETCORE_PORT and the URL variables matter only when ANCM starts a process and
        // forwards to it; V1 is always out-of-process.
        let v1 = wc.aspnetcore_handler().is_some_and(|h| {
            h.modules
                .as_ref()
                .is_some_and(|m| m.value.trim().eq_ignore_ascii_case("AspNetCoreModule"))
        });
        let out_of_process = v1 || s.hosting_model() == Ok(HostingModel::OutOfProcess);
        let vars = &s.environment_variables;
        let mut f = Vec::new();
        for (i, v) in vars.iter().enumerate() {
            let name = v.name.value.trim();
            if name.is_empty() {
                // Schema: `name` is required and `nonEmptyString` [SRC S1].
                f.push(
                    Finding::error("an `environmentVariable` has no name")
                        .at(wc.location(v.name.span))
                        .symptom("500.19")
                        .fix("give it a `name`, or remove it"),
                );
                continue;
            }
            // ANCM builds a case-insensitive map with insert_or_assign: the last entry wins
            // [SRC ConfigurationSection.cpp GetMap].
            if vars[..i]
                .iter()
                .any(|e| e.name.value.trim().eq_ignore_ascii_case(name))
            {
                f.push(
                    Finding::warning(format!(
                        "`{name}` is set more than once: only this last value reaches the app"
                    ))
                    .at(value_location(wc, v))
                    .fix(format!("keep one `{name}` entry")),
                );
            }
            let upper = name.to_ascii_uppercase();
            let value = v.value.value.trim();
            if matches!(
                upper.as_str(),
                "ASPNETCORE_ENVIRONMENT" | "DOTNET_ENVIRONMENT"
            ) && value.eq_ignore_ascii_case("Development")
            {
                // ancm-reference.md §1.4, §2.2 [DOC D1, D6].
                f.push(
                    Finding::warning(format!(
                        "`{name}` selects the Development environment: the developer exception page shows stack traces and configuration to visitors"
                    ))
                    .at(wc.location(v.value.span))
                    .fix("remove the variable (Production is the default) or set it to `Production`; check `<EnvironmentName>` in the publish profile"),
                );
            } else if upper == "ASPNETCORE_DETAILEDERRORS"
                && (value == "1" || value.eq_ignore_ascii_case("true"))
            {
                // ShimOptions.cpp [SRC S3]: ANCM's error pages then include detailed errors.
                f.push(
                    Finding::warning(format!(
                        "`{name}` turns on detailed error pages for visitors"
                    ))
                    .at(wc.location(v.value.span))
                    .fix(format!(
                        "remove `{name}` once the start-up problem is found"
                    )),
                );
            } else if looks_secret(v) {
                f.push(
                    Finding::warning(format!(
                        "`{name}` looks like a secret stored in plain text in web.config"
                    ))
                    .at(value_location(wc, v))
                    .secret_evidence("value", v.value.value.clone())
                    .fix("keep secrets out of web.config: use the app pool's environment variables in applicationHost.config, App Service settings, or a key store"),
                );
            }
            if upper == "ASPNETCORE_PORT" && out_of_process {
                let in_range = value.parse::<u32>().is_ok_and(|p| PORT_RANGE.contains(&p));
                if !in_range {
                    f.push(
                        Finding::error(format!(
                            "`{name}` is outside 1025-48000: ANCM refuses to start the app"
                        ))
                        .at(value_location(wc, v))
                        .symptom("502.5")
                        .secret_evidence("value", v.value.value.clone())
                        .fix("remove it (ANCM then picks a free port) or use a port from 1025 to 48000"),
                    );
                }
            }
            if URL_VARIABLES.contains(&upper.as_str()) && out_of_process {
                f.push(
                    Finding::warning(format!(
                        "`{name}` makes the app choose its own address; ANCM forwards only to the port it passes in `ASPNETCORE_PORT`"
                    ))
                    .at(value_location(wc, v))
                    .symptom("502.5")
                    .fix(format!("remove `{name}` from web.config: behind IIS the app must listen where ANCM tells it")),
                );
            }
        }
        CheckRun::Findings(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::disk::*;

    fn with_vars(vars: &str, out_of_process: bool) -> String {
        let wc = healthy_with(
            r#"<environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Production" />"#,
            vars,
        );
        if out_of_process {
            wc.replace(
                r#"hostingModel="inprocess""#,
                r#"hostingModel="outofprocess""#,
            )
        } else {
            wc
        }
    }

    fn run(vars: &str, oop: bool) -> Vec<Finding> {
        problems(&EnvironmentVariables, &app(Some(&with_vars(vars, oop))))
    }

    #[test]
    fn production_and_ordinary_variables_pass() {
        assert!(problems(&EnvironmentVariables, &app(Some(HEALTHY))).is_empty());
        assert!(run(
            r#"<environmentVariable name="ASPNETCORE_PORT" value="5000" /><environmentVariable name="LOG_LEVEL" value="Debug" /><environmentVariable name="DB" value="%DB_FROM_POOL%" />"#,
            true
        )
        .is_empty());
    }

    #[test]
    fn development_environment_warns() {
        let f = run(
            r#"<environmentVariable name="ASPNETCORE_ENVIRONMENT" value="development" />"#,
            false,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert!(f[0].message.contains("developer exception page"));
    }

    #[test]
    fn secrets_warn_and_are_never_printed() {
        for var in [
            r#"<environmentVariable name="ConnectionStrings__Default" value="Server=db;User Id=sa;Password=Hunter2!" />"#,
            r#"<environmentVariable name="DB" value="Server=db;Pwd=Hunter2!" />"#,
            r#"<environmentVariable name="STRIPE_API_KEY" value="Hunter2!" />"#,
            r#"<environmentVariable name="UPSTREAM" value="https://bob:Hunter2!@example.com/x" />"#,
        ] {
            let f = run(var, false);
            assert_eq!(f.len(), 1, "{var}");
            let x = &f[0];
            assert!(x.message.contains("secret"), "{var}");
            assert!(!x.message.contains("Hunter2"));
            let snippet = x.location.as_ref().unwrap().source_line.as_deref().unwrap();
            assert!(!snippet.contains("Hunter2"), "{snippet}");
            assert_eq!(x.location.as_ref().unwrap().len, 3, "caret under `***`");
            assert!(x
                .evidence
                .iter()
                .all(|e| e.secret || !e.value.contains("Hunter2")));
        }
    }

    #[test]
    fn detailed_errors_warn() {
        let f = run(
            r#"<environmentVariable name="ASPNETCORE_DETAILEDERRORS" value="true" />"#,
            false,
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("detailed error"));
    }

    #[test]
    fn duplicate_names_warn() {
        let f = run(
            r#"<environmentVariable name="A" value="1" /><environmentVariable name="a" value="2" />"#,
            false,
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("more than once"));
    }

    #[test]
    fn empty_name_fails_with_500_19() {
        let f = run(r#"<environmentVariable name="" value="1" />"#, false);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
    }

    #[test]
    fn port_out_of_range_fails_out_of_process_only() {
        for port in ["80", "1024", "48001", "http"] {
            let var = format!(r#"<environmentVariable name="ASPNETCORE_PORT" value="{port}" />"#);
            let f = run(&var, true);
            assert_eq!(f.len(), 1, "{port}");
            assert_eq!(f[0].level, Level::Error);
            assert_eq!(f[0].symptom.as_deref(), Some("502.5"));
            assert!(run(&var, false).is_empty(), "{port} in-process");
        }
        for port in ["1025", "48000"] {
            let var = format!(r#"<environmentVariable name="ASPNETCORE_PORT" value="{port}" />"#);
            assert!(run(&var, true).is_empty(), "{port}");
        }
    }

    #[test]
    fn url_variables_warn_out_of_process() {
        let var = r#"<environmentVariable name="ASPNETCORE_URLS" value="http://*:5000" />"#;
        let f = run(var, true);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert!(run(var, false).is_empty());
    }
}
