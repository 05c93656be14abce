//! `appsettings-json`: `appsettings.json` and `appsettings.<Environment>.json` (the environment
//! from web.config's `ASPNETCORE_ENVIRONMENT`, default `Production`) must be JSON the app's
//! configuration reader accepts, or the app dies at startup (`WebHost.CreateDefaultBuilder` loads
//! both; a `FormatException` escapes `Main`: 502.5 out-of-process, 500.30 in-process).
//!
//! What the readers accept was measured against the real ASP.NET Core 2.2 app of the real-app
//! tier (Json.NET 11): comments, trailing commas, unquoted property names, single-quoted strings,
//! hexadecimal numbers, `NaN` and `.5` are read; a missing comma, `+1`, an empty file, a top-level
//! array and a duplicate configuration key (case-insensitive, the flattened `a:0:b` path, only
//! leaves count) fail. 3.0 and later read with System.Text.Json (comments skipped, trailing
//! commas allowed) and refuse the Json.NET-only syntax. Pure: the files were read by
//! `deployment::app_settings`.
use super::{Check, CheckRun, Context};
use crate::contract::{Hosting, StartKind, Trouble};
use crate::deployment::app_settings::AppSettingsFile;
use crate::diagnostic::{Finding, Level, Location};
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};
use std::collections::HashMap;

pub struct AppSettingsJson;

/// Which JSON reader the app's configuration uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// ASP.NET Core 2.x: Json.NET.
    JsonNet,
    /// 3.0 and later: System.Text.Json.
    SystemTextJson,
    /// No runtimeconfig.json says which.
    Unknown,
}

impl Check for AppSettingsJson {
    fn id(&self) -> &'static str {
        "appsettings-json"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let d = cx.deployment;
        let environment = environment_name(cx);
        let wanted = [
            "appsettings.json".to_string(),
            format!("appsettings.{environment}.json"),
        ];
        let symptom = d.web_config().and_then(|wc| {
            wc.aspnetcore.as_ref().and_then(|s| {
                crate::contract::iis_symptom(
                    Trouble::Start(StartKind::Crash),
                    Hosting::of(wc, s).model,
                    Hosting::of(wc, s).module,
                )
            })
        });
        let reader = reader(cx);
        let mut findings = Vec::new();
        for name in &wanted {
            let Some(file) = d
                .app_settings
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
            else {
                continue;
            };
            for mut f in judge(file, reader) {
                if f.level == Level::Error {
                    if let Some(s) = symptom {
                        f = f.symptom(s);
                    }
                }
                findings.push(f.evidence("environment", environment.clone()));
            }
        }
        CheckRun::Findings(findings)
    }
}

/// `ASPNETCORE_ENVIRONMENT` from web.config (the last one wins, names case-insensitive, as ANCM
/// merges them), else ASP.NET Core's default `Production`.
pub(super) fn environment_name(cx: &Context<'_>) -> String {
    cx.deployment
        .web_config()
        .and_then(|wc| wc.aspnetcore.as_ref())
        .and_then(|s| {
            s.environment_variables
                .iter()
                .rev()
                .find(|e| e.name.value.eq_ignore_ascii_case("ASPNETCORE_ENVIRONMENT"))
                .map(|e| e.value.value.trim().to_string())
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "Production".to_string())
}

/// The reader from the major version of the app's framework reference.
fn reader(cx: &Context<'_>) -> Reader {
    let major = cx
        .deployment
        .layout
        .runtime_config
        .as_ref()
        .and_then(|l| l.parsed())
        .and_then(|rc| {
            rc.frameworks
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case("Microsoft.AspNetCore.App"))
                .or_else(|| rc.frameworks.first())
        })
        .and_then(|f| f.version.split('.').next()?.parse::<u32>().ok());
    match major {
        Some(m) if m >= 3 => Reader::SystemTextJson,
        Some(_) => Reader::JsonNet,
        None => Reader::Unknown,
    }
}

/// What both readers accept (System.Text.Json with the options ASP.NET Core sets).
fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// What Json.NET (ASP.NET Core 2.x) also accepts.
fn json_net() -> ParseOptions {
    ParseOptions {
        allow_loose_object_property_names: true,
        allow_single_quoted_strings: true,
        allow_hexadecimal_numbers: true,
        allow_bare_decimal_point_numbers: true,
        allow_non_finite_numbers: true,
        allow_extended_string_escapes: true,
        ..strict()
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, col as u32)
}

fn source_line(text: &str, line: u32) -> String {
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_string()
}

fn located(file: &AppSettingsFile, text: &str, offset: usize) -> Location {
    let (line, col) = line_col(text, offset);
    Location::new(&file.path, line, col).with_source_line(source_line(text, line))
}

/// The findings for one file.
fn judge(file: &AppSettingsFile, reader: Reader) -> Vec<Finding> {
    let name = &file.name;
    let fix = format!(
        "correct `{name}` (the app reads it at startup and stops on the first error); check it with a JSON linter before publishing"
    );
    let text = match &file.text {
        Ok(t) => t.as_str(),
        Err(e) => {
            return vec![Finding::error(format!("`{name}` {e}"))
                .evidence("path", file.path.display().to_string())]
        }
    };
    let parse = |o: &ParseOptions| {
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), o).map(|r| r.value)
    };
    let value = match (parse(&strict()), reader) {
        (Ok(v), _) => v,
        (Err(strict_err), r) => match parse(&json_net()) {
            Err(e) => {
                let (line, col) = line_col(text, e.range().start);
                return vec![Finding::error(format!(
                    "`{name}` is not valid JSON at line {line}, column {col}: {}",
                    e.kind()
                ))
                .at(located(file, text, e.range().start))
                .fix(fix)];
            }
            Ok(v) => {
                let at = strict_err.range().start;
                let (line, col) = line_col(text, at);
                let what = format!(
                    "`{name}` uses syntax only Json.NET reads (line {line}, column {col}: {})",
                    strict_err.kind()
                );
                match r {
                    Reader::JsonNet => {}
                    Reader::SystemTextJson => {
                        return vec![Finding::error(format!(
                            "{what}: ASP.NET Core 3.0 and later read configuration with System.Text.Json and stop at startup"
                        ))
                        .at(located(file, text, at))
                        .fix(fix)]
                    }
                    Reader::Unknown => {
                        return vec![Finding::warning(format!(
                            "{what}: ASP.NET Core 2.x reads it, 3.0 and later stop at startup"
                        ))
                        .at(located(file, text, at))
                        .fix("use standard JSON: double-quoted names and strings, decimal numbers")]
                    }
                }
                v
            }
        },
    };
    let Some(value) = value else {
        return vec![Finding::error(format!(
            "`{name}` is empty: the configuration reader needs a JSON object and the app stops at startup"
        ))
        .at(Location::new(&file.path, 1, 1))
        .fix(fix)];
    };
    let Value::Object(_) = &value else {
        return vec![Finding::error(format!(
            "`{name}` holds a JSON {} at the top level; the configuration reader needs an object and the app stops at startup",
            kind_of(&value)
        ))
        .at(located(file, text, value.range().start))
        .fix(fix)];
    };
    let mut leaves: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    visit(&value, String::new(), &mut leaves, &mut |key, first, at| {
        let (fl, fc) = line_col(text, first);
        out.push(
            Finding::error(format!(
                "`{name}` sets the configuration key `{key}` twice (keys are case-insensitive): the app stops at startup with \"A duplicate key '{key}' was found.\""
            ))
            .at(located(file, text, at))
            .evidence("first set at", format!("line {fl}, column {fc}"))
            .fix(fix.clone()),
        );
    });
    out
}

fn kind_of(v: &Value<'_>) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::StringLit(_) => "string",
        Value::NumberLit(_) => "number",
        Value::BooleanLit(_) => "boolean",
        Value::NullKeyword(_) => "null",
        Value::Object(_) => "object",
    }
}

/// Flattens like the configuration reader (`a:b`, arrays by index) and reports a leaf key set
/// twice: `dup(key, first_offset, this_offset)`.
fn visit(
    v: &Value<'_>,
    path: String,
    leaves: &mut HashMap<String, usize>,
    dup: &mut dyn FnMut(&str, usize, usize),
) {
    let child = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}:{k}")
        }
    };
    match v {
        Value::Object(o) => {
            for p in &o.properties {
                let k = match &p.name {
                    ObjectPropName::String(s) => s.value.to_string(),
                    ObjectPropName::Word(w) => w.value.to_string(),
                };
                visit(&p.value, child(&k), leaves, dup);
            }
        }
        Value::Array(a) => {
            for (i, e) in a.elements.iter().enumerate() {
                visit(e, child(&i.to_string()), leaves, dup);
            }
        }
        leaf => {
            let at = leaf.range().start;
            match leaves.get(&path.to_lowercase()) {
                Some(first) => dup(&path, *first, at),
                None => {
                    leaves.insert(path.to_lowercase(), at);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::checks::run_one;
    use crate::deployment::Deployment;
    use crate::diagnostic::{CheckResult, Outcome};
    use std::path::PathBuf;

    fn with_settings(mut d: Deployment, files: &[(&str, &str)]) -> Deployment {
        d.app_settings = files
            .iter()
            .map(|(n, t)| AppSettingsFile {
                name: n.to_string(),
                path: PathBuf::from("app").join(n),
                text: Ok(t.to_string()),
            })
            .collect();
        d
    }

    fn run(d: &Deployment) -> CheckResult {
        let h = host("windows");
        run_one(&AppSettingsJson, &Context::new(d, &h))
    }

    fn one(text: &str) -> CheckResult {
        run(&with_settings(healthy(), &[("appsettings.json", text)]))
    }

    #[test]
    fn what_the_real_readers_accept_passes() {
        assert_eq!(run(&healthy()).outcome, Outcome::Pass);
        for ok in [
            "{}",
            "{\n  // a comment\n  \"Logging\": { \"LogLevel\": { \"Default\": \"Warning\" } } /* more */\n}",
            "{\"a\": [1, 2,], \"b\": 1,}",
            "{\"a\": {\"b\": 1}, \"a\": {\"c\": 2}}",
        ] {
            let r = one(ok);
            assert_eq!(r.outcome, Outcome::Pass, "{ok}: {:?}", r.findings);
        }
    }

    #[test]
    fn a_syntax_error_fails_with_file_line_and_column() {
        let r = one("{\n  \"a\": 1\n  \"b\": 2\n}");
        assert_eq!(r.outcome, Outcome::Fail);
        let f = &r.findings[0];
        let loc = f.location.as_ref().unwrap();
        // The comma is missing right after the `1` of line 2.
        assert_eq!(
            (loc.line, loc.column, loc.file.ends_with("appsettings.json")),
            (2, 9, true),
            "{}",
            f.message
        );
        assert!(f.message.contains("line 2, column 9"), "{}", f.message);
        // The fixture app is in-process: a startup crash there is 500.30.
        assert_eq!(f.symptom.as_deref(), Some("500.30"));
        assert!(f.evidence.iter().any(|e| e.value == "Production"));
    }

    #[test]
    fn empty_top_level_array_and_truncated_files_fail() {
        for bad in ["", "[1]", "{\"a\": {", "{\"a\": +1}"] {
            assert_eq!(one(bad).outcome, Outcome::Fail, "{bad:?}");
        }
    }

    #[test]
    fn a_duplicate_key_fails_case_insensitively_on_the_flattened_path() {
        let r = one("{\"a\": 1, \"A\": 2}");
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(
            r.findings[0].message.contains("`A`"),
            "{}",
            r.findings[0].message
        );
        let r = one("{\"a\": [1, {\"b\": 2}], \"a:1:b\": 3}");
        assert!(r.findings[0].message.contains("`a:1:b`"));
    }

    #[test]
    fn json_net_only_syntax_depends_on_the_framework() {
        // healthy() targets a 3.x+ framework: System.Text.Json refuses single quotes.
        let r = one("{'a': 1}");
        assert_eq!(r.outcome, Outcome::Fail, "{:?}", r.findings);
        assert!(r.findings[0].message.contains("System.Text.Json"));
        let mut d = with_settings(healthy(), &[("appsettings.json", "{a: 0x1F}")]);
        d.layout.runtime_config = None;
        assert_eq!(run(&d).outcome, Outcome::Warn);
    }

    #[test]
    fn only_the_environment_of_web_config_is_read() {
        let d = with_settings(
            healthy(),
            &[
                ("appsettings.json", "{}"),
                ("appsettings.Staging.json", "{"),
            ],
        );
        assert_eq!(run(&d).outcome, Outcome::Pass, "Production is the default");
        let wc = crate::deployment::web_config::parse(
            std::path::Path::new("app/web.config"),
            br#"<configuration><system.webServer><handlers><add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" /></handlers>
<aspNetCore processPath="dotnet" arguments=".\App.dll"><environmentVariables>
<environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Staging" />
</environmentVariables></aspNetCore></system.webServer></configuration>"#,
        )
        .unwrap();
        let d = with_settings(
            deployment(wc, &["App.dll", "App.runtimeconfig.json"], Some(FDD), &[]),
            &[("appsettings.staging.json", "{")],
        );
        let r = run(&d);
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.findings[0].evidence.iter().any(|e| e.value == "Staging"));
    }
}
