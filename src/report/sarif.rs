//! `--format sarif`: the [`Report`] as a SARIF 2.1.0 log for code scanning (GitHub, Azure
//! DevOps). One rule per catalog entry (title, "What it means", "How to fix"); one result per
//! warning or error, located in web.config or the file concerned relative to the `APPROOT` base
//! (the app folder, in `originalUriBaseIds`), with the stable finding id as its
//! `partialFingerprints` and a baseline's acceptance as a suppression. Validated against the
//! official schema in `tests/report_formats.rs`.
use super::{evidence_value, paths, RenderOptions, Report};
use crate::diagnostic::{CheckResult, Finding, Level, Location};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The `$schema` of the log: the official schema's own `$id`.
pub const SCHEMA_URI: &str =
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json";
/// The base every relative artifact URI is resolved against.
pub const APP_ROOT: &str = "APPROOT";
/// The `partialFingerprints` key; versioned so a change of the id scheme is visible.
pub const FINGERPRINT_KEY: &str = "ancmFindingId/v1";

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let rules: Vec<Value> = crate::catalog::entries().iter().map(rule).collect();
    let results: Vec<Value> = report
        .problems()
        .map(|(c, f)| result(report, c, f, opts))
        .collect();
    let mut run = json!({
        "tool": { "driver": {
            "name": report.tool.name,
            "version": report.tool.long_version(),
            "semanticVersion": report.tool.version,
            "rules": rules,
        }},
        "invocations": [{ "executionSuccessful": true }],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "host": report.host,
            "live_probe": report.live_probe,
            "duration_ms": report.duration_ms,
        },
    });
    if let Some(uri) = dir_uri(&report.app_dir) {
        run["originalUriBaseIds"] = json!({ APP_ROOT: { "uri": uri } });
    }
    let log = json!({ "$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run] });
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

fn rule(e: &crate::catalog::Entry) -> Value {
    let section = |name: &str| {
        e.sections
            .iter()
            .find(|(h, _)| h == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or("")
    };
    let message = |md: &str| {
        let text = super::markdown::to_plain(md, 0);
        json!({ "text": if text.is_empty() { e.meta.title.clone() } else { text }, "markdown": md })
    };
    let level = if e.meta.severity == "error" {
        "error"
    } else {
        "warning"
    };
    let help_md = format!(
        "{}\n\n{}",
        section("How to fix"),
        "More: `ancm explain ".to_string() + &e.meta.id + "`"
    );
    let mut r = json!({
        "id": e.meta.id,
        "name": pascal(&e.meta.id),
        "shortDescription": { "text": e.meta.title },
        "fullDescription": message(section("What it means")),
        "help": message(&help_md),
        "defaultConfiguration": { "level": level, "enabled": e.meta.removed.is_none() },
    });
    if !e.meta.explains.is_empty() {
        r["properties"] = json!({ "tags": e.meta.explains.iter().map(|s| format!("IIS {s}")).collect::<Vec<_>>() });
    }
    r
}

/// `dotnet-on-machine-path` → `DotnetOnMachinePath` (SARIF's readable rule name).
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect()
}

fn result(report: &Report, c: &CheckResult, f: &Finding, opts: &RenderOptions) -> Value {
    let level = match f.level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    };
    let mut text = f.message.clone();
    if let Some(sym) = &f.symptom {
        text.push_str(&format!(" (IIS: {sym})"));
    }
    let mut r = json!({
        "ruleId": c.id,
        "level": level,
        "message": { "text": text },
        "locations": [location(&report.app_dir, f)],
    });
    if let Some(i) = crate::catalog::entries()
        .iter()
        .position(|e| e.meta.id == c.id)
    {
        r["ruleIndex"] = json!(i);
    }
    if let Some(id) = &f.id {
        r["partialFingerprints"] = json!({ FINGERPRINT_KEY: id });
    }
    if let Some(a) = &f.accepted {
        r["suppressions"] = json!([{
            "kind": "external",
            "state": "accepted",
            "justification": a.reason,
            "properties": { "baseline": a.baseline.display().to_string() },
        }]);
    }
    let mut props = Map::new();
    if let Some(id) = &f.id {
        props.insert("id".into(), json!(id));
    }
    if let Some(sym) = &f.symptom {
        props.insert("symptom".into(), json!(sym));
    }
    if let Some(fix) = &f.fix {
        props.insert("fix".into(), json!(fix));
    }
    if !f.evidence.is_empty() {
        let ev: Vec<Value> = f
            .evidence
            .iter()
            .map(|e| json!({ "label": e.label, "value": evidence_value(e, opts) }))
            .collect();
        props.insert("evidence".into(), Value::Array(ev));
    }
    r["properties"] = Value::Object(props);
    r
}

/// Where a result points: the finding's own location, else the first located evidence, else the
/// app's web.config (what every finding ultimately concerns: how IIS starts the app).
fn location(app_dir: &Path, f: &Finding) -> Value {
    let loc: Option<&Location> = f
        .location
        .as_ref()
        .or_else(|| f.evidence.iter().find_map(|e| e.location.as_ref()));
    let file: PathBuf = loc
        .map(|l| l.file.clone())
        .unwrap_or_else(|| app_dir.join("web.config"));
    let mut physical = json!({ "artifactLocation": artifact(app_dir, &file) });
    if let Some(l) = loc.filter(|l| l.line >= 1) {
        let mut region = json!({ "startLine": l.line });
        if l.column >= 1 {
            region["startColumn"] = json!(l.column);
            if l.len > 0 {
                region["endColumn"] = json!(l.column + l.len);
            }
        }
        physical["region"] = region;
    }
    json!({ "physicalLocation": physical })
}

fn artifact(app_dir: &Path, file: &Path) -> Value {
    match paths::relative(app_dir, file) {
        Some(rel) => json!({ "uri": encode_relative(&rel), "uriBaseId": APP_ROOT }),
        None => match file_uri(file) {
            Some(uri) => json!({ "uri": uri }),
            None => {
                json!({ "uri": encode_relative(&file.display().to_string().replace('\\', "/")) })
            }
        },
    }
}

/// Percent-encodes each `/`-separated segment (spaces, `#`, `%` … in file names).
fn encode_relative(rel: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
    const SEGMENT: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}')
        .add(b'\\')
        .add(b':');
    rel.split('/')
        .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn absolute(p: &Path) -> Option<PathBuf> {
    if p.is_absolute() {
        Some(p.to_path_buf())
    } else {
        std::env::current_dir().ok().map(|d| d.join(p))
    }
}

fn file_uri(p: &Path) -> Option<String> {
    url::Url::from_file_path(absolute(p)?)
        .ok()
        .map(|u| u.to_string())
}

fn dir_uri(p: &Path) -> Option<String> {
    url::Url::from_directory_path(absolute(p)?)
        .ok()
        .map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal("dotnet-on-machine-path"), "DotnetOnMachinePath");
        assert_eq!(
            encode_relative("my logs/std out#1"),
            "my%20logs/std%20out%231"
        );
        assert!(dir_uri(Path::new("/srv/my app"))
            .unwrap()
            .ends_with("/srv/my%20app/"));
    }
}
