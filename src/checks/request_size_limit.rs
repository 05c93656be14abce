//! `request-size-limit`: IIS's request filtering rejects a body over `maxAllowedContentLength`
//! with 404.13 before ANCM sees the request, whatever the app accepts (peers.md §8 row 16:
//! dotnet/aspnetcore#13221, #22950). The limit is the app's web.config
//! `system.webServer/security/requestFiltering/requestLimits/@maxAllowedContentLength`, else
//! applicationHost.config's server level, else IIS's default of 30,000,000 bytes; the app's own
//! server has its own limit, `MaxRequestBodySize`, also 30,000,000 bytes by default (Kestrel and
//! `IISServerOptions`; learn.microsoft.com `IISServerOptions.MaxRequestBodySize`: "the IIS
//! maxAllowedContentLength will still restrict content length requests (30,000,000 by
//! default)"). An operator expects the two to agree: this check warns when the app's
//! configuration (`Kestrel:Limits:MaxRequestBodySize` in appsettings) accepts more than IIS lets
//! through — IIS lowered below it, or the app raised above IIS — and when an in-process app sets
//! a Kestrel limit that in-process hosting never reads. Limits set in code are not visible here.
//! Pure.
use super::{Check, CheckRun, Context};
use crate::deployment::app_settings::AppSettingsFile;
use crate::deployment::web_config::elements::system_web_server;
use crate::deployment::web_config::HostingModel;
use crate::diagnostic::{Finding, Level, Location};
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};

pub struct RequestSizeLimit;

/// IIS's `requestLimits/@maxAllowedContentLength` default (IIS schema; the
/// `IISServerOptions.MaxRequestBodySize` documentation quotes it).
pub const IIS_DEFAULT: u64 = 30_000_000;
/// Kestrel's and `IISServerOptions`' `MaxRequestBodySize` default (~28.6 MB).
pub const APP_DEFAULT: u64 = 30_000_000;

const REQUEST_LIMITS: &str = "system.webServer/security/requestFiltering/requestLimits";

/// What the app's configuration states as its largest request body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AppLimit {
    Bytes(u64),
    /// `null`: no limit.
    Unlimited,
}

impl AppLimit {
    fn describe(&self) -> String {
        match self {
            AppLimit::Bytes(n) => format!("{} bytes", group(*n)),
            AppLimit::Unlimited => "bodies of any size (`null`)".into(),
        }
    }
    fn exceeds(&self, limit: u64) -> bool {
        match self {
            AppLimit::Bytes(n) => *n > limit,
            AppLimit::Unlimited => true,
        }
    }
}

/// `30000000` → `30,000,000`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The app's `Kestrel:Limits:MaxRequestBodySize`, from the last file that sets it
/// (`appsettings.json`, then `appsettings.<Environment>.json`, as the configuration reader
/// layers them), with where it is set. Keys compare case-insensitively, as .NET configuration's.
fn stated_limit(cx: &Context<'_>) -> Option<(AppLimit, Location, String)> {
    let env = super::appsettings_json::environment_name(cx);
    let env_file = format!("appsettings.{env}.json");
    let mut files: Vec<&AppSettingsFile> = cx
        .deployment
        .app_settings
        .iter()
        .filter(|f| {
            f.name.eq_ignore_ascii_case("appsettings.json")
                || f.name.eq_ignore_ascii_case(&env_file)
        })
        .collect();
    files.sort_by_key(|f| !f.name.eq_ignore_ascii_case("appsettings.json"));
    let mut found = None;
    for f in files {
        let Ok(text) = &f.text else { continue };
        if let Some((limit, offset)) = limit_in(text) {
            let (line, column) = line_col(text, offset);
            found = Some((limit, Location::new(&f.path, line, column), f.name.clone()));
        }
    }
    found
}

/// `Kestrel:Limits:MaxRequestBodySize` in one file's text, and the byte offset of its value.
/// A file the `appsettings-json` check rejects states nothing here.
fn limit_in(text: &str) -> Option<(AppLimit, usize)> {
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        ..ParseOptions::default()
    };
    let root = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options)
        .ok()?
        .value?;
    let kestrel = member(&root, "Kestrel")?;
    let limits = member(&kestrel, "Limits")?;
    let value = member(&limits, "MaxRequestBodySize")?;
    let offset = value.range().start;
    match &value {
        Value::NullKeyword(_) => Some((AppLimit::Unlimited, offset)),
        Value::NumberLit(n) => n
            .value
            .parse::<u64>()
            .ok()
            .map(|b| (AppLimit::Bytes(b), offset)),
        // Configuration values are strings too: `"104857600"`.
        Value::StringLit(s) => s
            .value
            .trim()
            .parse::<u64>()
            .ok()
            .map(|b| (AppLimit::Bytes(b), offset)),
        _ => None,
    }
}

/// The last property of an object named `key` (case-insensitive), as the configuration reader
/// keeps the last one.
fn member<'a>(v: &Value<'a>, key: &str) -> Option<Value<'a>> {
    let Value::Object(o) = v else { return None };
    o.properties
        .iter()
        .rev()
        .find(|p| {
            let name = match &p.name {
                ObjectPropName::String(s) => s.value.as_ref(),
                ObjectPropName::Word(w) => w.value,
            };
            name.eq_ignore_ascii_case(key)
        })
        .map(|p| p.value.clone())
}

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

impl Check for RequestSizeLimit {
    fn id(&self) -> &'static str {
        "request-size-limit"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable `web.config`".into());
        };
        let elements = system_web_server(wc);
        // The last `requestLimits` that sets the attribute is the one IIS reads.
        let own = elements
            .iter()
            .rev()
            .find(|e| e.path == REQUEST_LIMITS && e.attr("maxAllowedContentLength").is_some());
        let mut out = Vec::new();
        let (limit, source, at) = match own {
            Some(e) => {
                let text = e.attr("maxAllowedContentLength").unwrap_or_default();
                // The IIS schema types it `uint`: anything else makes the file unreadable.
                match text.trim().parse::<u32>() {
                    Ok(v) => (u64::from(v), "web.config".to_string(), Some(e.span)),
                    Err(_) => {
                        return CheckRun::Findings(vec![Finding::error(format!(
                            "`maxAllowedContentLength=\"{text}\"` is not a whole number of bytes from 0 to 4294967295: IIS cannot read web.config and answers 500.19"
                        ))
                        .at(wc.location(e.span))
                        .symptom("500.19")
                        .fix("write the limit in bytes without separators or units, e.g. `maxAllowedContentLength=\"104857600\"` for 100 MB")]);
                    }
                }
            }
            None => match cx
                .host
                .iis_config()
                .and_then(|c| c.max_allowed_content_length)
            {
                Some(v) => (v, "applicationHost.config (server level)".to_string(), None),
                None => (IIS_DEFAULT, "IIS's default".to_string(), None),
            },
        };
        let located = |f: Finding| match at {
            Some(span) => f.at(wc.location(span)),
            None => f,
        };
        let in_process = matches!(
            wc.aspnetcore.as_ref().map(|a| a.hosting_model()),
            Some(Ok(HostingModel::InProcess))
        );
        let iis_evidence = format!("{} bytes, from {source}", group(limit));
        match stated_limit(cx) {
            Some((stated, loc, file)) if in_process => {
                // In-process the app runs in w3wp.exe on IIS's own server: Kestrel is not there.
                out.push(
                    Finding::warning(format!(
                        "`Kestrel:Limits:MaxRequestBodySize` in `{file}` ({}) has no effect in-process: the app is served by IIS's in-process server, whose `IISServerOptions.MaxRequestBodySize` stays at {} bytes unless set in code, and larger bodies get 413",
                        stated.describe(),
                        group(APP_DEFAULT)
                    ))
                    .at(loc)
                    .symptom("413")
                    .evidence("IIS request filtering limit", &iis_evidence)
                    .fix("set `IISServerOptions.MaxRequestBodySize` in code (`builder.Services.Configure<IISServerOptions>(o => o.MaxRequestBodySize = …)`), or host out-of-process"),
                );
            }
            Some((stated, loc, file)) if stated.exceeds(limit) => {
                out.push(located(too_small(limit, &source, &stated, &file, loc)));
            }
            Some((stated, _, file)) => out.push(Finding::note(format!(
                "the app accepts {} (`{file}`) and IIS lets through up to {iis_evidence}",
                stated.describe()
            ))),
            None if limit > APP_DEFAULT => out.push(located(Finding::note(format!(
                "IIS lets request bodies through up to {iis_evidence}, but the app's own server stops at {} bytes (`MaxRequestBodySize`'s default) unless the app raises it in code: larger bodies get 413 from the app",
                group(APP_DEFAULT)
            )))),
            None => out.push(located(Finding::note(format!(
                "IIS rejects request bodies over {iis_evidence} with 404.13"
            )))),
        }
        CheckRun::Findings(out)
    }
}

/// IIS's limit is below what the app's configuration accepts.
fn too_small(limit: u64, source: &str, stated: &AppLimit, file: &str, app_at: Location) -> Finding {
    let want = match stated {
        AppLimit::Bytes(n) => (*n).min(u64::from(u32::MAX)),
        AppLimit::Unlimited => u64::from(u32::MAX),
    };
    Finding::warning(format!(
        "the app accepts {} (`Kestrel:Limits:MaxRequestBodySize` in `{file}`), but IIS's request filtering rejects bodies over {} bytes ({source}) with 404.13 before they reach the app",
        stated.describe(),
        group(limit)
    ))
    .symptom("404.13")
    .evidence_at("the app's limit", format!("{} in `{file}`", stated.describe()), app_at)
    .fix(format!(
        "in web.config set `<security><requestFiltering><requestLimits maxAllowedContentLength=\"{want}\" /></requestFiltering></security>` under `system.webServer` (at most 4294967295), or lower the app's limit to match"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::{cfg_mut, deployment, findings, host, run};
    use crate::deployment::app_settings::AppSettingsFile;
    use std::path::PathBuf;

    fn wc(system_web_server: &str, hosting: &str) -> crate::deployment::web_config::WebConfig {
        crate::deployment::web_config::parse(
            std::path::Path::new(r"C:\apps\Shop\web.config"),
            format!(
                r#"<configuration><system.webServer>
<handlers><add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" /></handlers>
<aspNetCore processPath="dotnet" arguments=".\Shop.dll" hostingModel="{hosting}" />
{system_web_server}
</system.webServer></configuration>"#
            )
            .as_bytes(),
        )
        .expect("test web.config parses")
    }

    fn with_settings(
        mut d: crate::deployment::Deployment,
        files: &[(&str, &str)],
    ) -> crate::deployment::Deployment {
        d.app_settings = files
            .iter()
            .map(|(name, text)| AppSettingsFile {
                name: name.to_string(),
                path: PathBuf::from(format!(r"C:\apps\Shop\{name}")),
                text: Ok(text.to_string()),
            })
            .collect();
        d
    }

    const LIMITS_100MB: &str = r#"<security><requestFiltering><requestLimits maxAllowedContentLength="104857600" /></requestFiltering></security>"#;
    const LIMITS_10MB: &str = r#"<security><requestFiltering><requestLimits maxAllowedContentLength="10485760" /></requestFiltering></security>"#;
    const KESTREL_50MB: &str = r#"{ // uploads
  "Kestrel": { "limits": { "MaxRequestBodySize": 52428800 } }, }"#;

    fn problems(f: &[Finding]) -> Vec<(&Level, &str)> {
        f.iter()
            .filter(|f| f.level > Level::Note)
            .map(|f| (&f.level, f.message.as_str()))
            .collect()
    }

    #[test]
    fn the_app_accepting_more_than_iis_lets_through_is_404_13() {
        // web.config lowers IIS's limit to 10 MB, the app accepts 50 MB.
        let d = with_settings(
            deployment(r"C:\apps\Shop", Some(wc(LIMITS_10MB, "outofprocess"))),
            &[("appsettings.json", KESTREL_50MB)],
        );
        let f = findings(run(&RequestSizeLimit, &d, &host()));
        let p = problems(&f);
        assert_eq!(p.len(), 1, "{f:?}");
        let w = f.iter().find(|f| f.level == Level::Warning).unwrap();
        assert_eq!(w.symptom.as_deref(), Some("404.13"));
        assert!(
            w.message.contains("52,428,800 bytes")
                && w.message.contains("10,485,760 bytes (web.config)"),
            "{}",
            w.message
        );
        assert!(w
            .fix
            .as_deref()
            .unwrap()
            .contains("maxAllowedContentLength=\"52428800\""));
        let at = w.location.as_ref().expect("located in web.config");
        assert_eq!(at.line, 4);
        let app_at = w
            .evidence
            .iter()
            .find_map(|e| e.location.as_ref())
            .expect("the app's limit, located");
        assert_eq!((app_at.line, app_at.column), (2, 50), "{:?}", w.evidence);

        // The app raises its limit above IIS's default (nothing in web.config or the server).
        let d = with_settings(
            deployment(r"C:\apps\Shop", Some(wc("", "outofprocess"))),
            &[("appsettings.json", KESTREL_50MB)],
        );
        let f = findings(run(&RequestSizeLimit, &d, &host()));
        let w = f
            .iter()
            .find(|f| f.level == Level::Warning)
            .expect("a warning");
        assert!(
            w.message.contains("30,000,000 bytes (IIS's default)"),
            "{}",
            w.message
        );

        // The server level raises it: applicationHost.config's value counts.
        let mut h = host();
        cfg_mut(&mut h).max_allowed_content_length = Some(60_000_000);
        let f = findings(run(&RequestSizeLimit, &d, &h));
        assert!(problems(&f).is_empty(), "{f:?}");
        assert!(
            f[0].message
                .contains("60,000,000 bytes, from applicationHost.config"),
            "{f:?}"
        );
    }

    #[test]
    fn unlimited_and_environment_files_and_agreeing_limits() {
        // `null` is unlimited; the environment file overrides appsettings.json.
        let d = with_settings(
            deployment(r"C:\apps\Shop", Some(wc(LIMITS_100MB, "outofprocess"))),
            &[
                (
                    "appsettings.Production.json",
                    r#"{"Kestrel":{"Limits":{"MaxRequestBodySize":null}}}"#,
                ),
                (
                    "appsettings.json",
                    r#"{"Kestrel":{"Limits":{"MaxRequestBodySize":1000}}}"#,
                ),
                (
                    "appsettings.Development.json",
                    r#"{"Kestrel":{"Limits":{"MaxRequestBodySize":1}}}"#,
                ),
            ],
        );
        let f = findings(run(&RequestSizeLimit, &d, &host()));
        let p = problems(&f);
        assert_eq!(p.len(), 1, "{f:?}");
        assert!(
            p[0].1.contains("bodies of any size") && p[0].1.contains("appsettings.Production.json"),
            "{p:?}"
        );
        assert!(f[0].fix.as_deref().unwrap().contains("4294967295"));

        // 100 MB both sides: a note, no problem.
        let d = with_settings(
            deployment(r"C:\apps\Shop", Some(wc(LIMITS_100MB, "outofprocess"))),
            &[(
                "appsettings.json",
                r#"{"Kestrel":{"Limits":{"MaxRequestBodySize":"104857600"}}}"#,
            )],
        );
        let f = findings(run(&RequestSizeLimit, &d, &host()));
        assert!(problems(&f).is_empty(), "{f:?}");
    }

    #[test]
    fn in_process_ignores_kestrel_limits() {
        let d = with_settings(
            deployment(r"C:\apps\Shop", Some(wc(LIMITS_100MB, "inprocess"))),
            &[("appsettings.json", KESTREL_50MB)],
        );
        let f = findings(run(&RequestSizeLimit, &d, &host()));
        let p = problems(&f);
        assert_eq!(p.len(), 1, "{f:?}");
        let w = f.iter().find(|f| f.level == Level::Warning).unwrap();
        assert_eq!(w.symptom.as_deref(), Some("413"));
        assert!(w.message.contains("no effect in-process"), "{}", w.message);
    }

    #[test]
    fn no_stated_limit_is_a_note_and_a_bad_value_is_500_19() {
        let d = deployment(r"C:\apps\Shop", Some(wc(LIMITS_100MB, "outofprocess")));
        let f = findings(run(&RequestSizeLimit, &d, &host()));
        assert!(problems(&f).is_empty(), "{f:?}");
        assert!(f[0].message.contains("stops at 30,000,000 bytes"), "{f:?}");

        let d = deployment(r"C:\apps\Shop", Some(wc("", "outofprocess")));
        let f = findings(run(
            &RequestSizeLimit,
            &d,
            &crate::host::HostFacts::default(),
        ));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("30,000,000 bytes, from IIS's default"),
            "{f:?}"
        );

        let bad = r#"<security><requestFiltering><requestLimits maxAllowedContentLength="100MB" /></requestFiltering></security>"#;
        let d = deployment(r"C:\apps\Shop", Some(wc(bad, "outofprocess")));
        let f = findings(run(&RequestSizeLimit, &d, &host()));
        assert_eq!(f[0].level, Level::Error);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
        let big = r#"<security><requestFiltering><requestLimits maxAllowedContentLength="4294967296" /></requestFiltering></security>"#;
        let d = deployment(r"C:\apps\Shop", Some(wc(big, "outofprocess")));
        assert_eq!(
            findings(run(&RequestSizeLimit, &d, &host()))[0].level,
            Level::Error
        );

        let d = deployment(r"C:\apps\Shop", None);
        assert!(matches!(
            run(&RequestSizeLimit, &d, &host()),
            CheckRun::Skip(_)
        ));
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(30_000_000), "30,000,000");
        assert_eq!(group(4_294_967_295), "4,294,967,295");
    }
}
