//! `ancm doctor --format json` is a contract (README "JSON report"): run the real binary over
//! tempdir apps and check the schema id, the fields, the outcomes and that every key it emits is
//! documented in the README.
use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const WEB_CONFIG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
    </handlers>
    <aspNetCore processPath="dotnet" arguments=".\App.dll" stdoutLogEnabled="false" hostingModel="outofprocess" />
  </system.webServer>
</configuration>
"#;

fn doctor_json(dir: &Path, extra: &[&str]) -> (Value, i32) {
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).expect("UTF-8 JSON");
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{text}"));
    (v, out.status.code().unwrap_or(-1))
}

/// Checks the shape every report has, and returns the outcome counts it computed itself.
fn assert_schema(v: &Value) -> [usize; 4] {
    assert_eq!(v["schema"], "ancm-doctor/1");
    assert!(v["app_dir"].is_string());
    assert!(v["host"].is_string());
    let checks = v["checks"].as_array().expect("checks is an array");
    assert!(!checks.is_empty());
    let mut counts = [0usize; 4];
    for c in checks {
        assert!(c["id"].as_str().is_some_and(|s| !s.is_empty()), "{c}");
        assert!(c["title"].as_str().is_some_and(|s| !s.is_empty()), "{c}");
        let outcome = c["outcome"].as_str().expect("outcome");
        let i = ["pass", "warn", "fail", "skip"]
            .iter()
            .position(|o| *o == outcome)
            .unwrap_or_else(|| panic!("unknown outcome {outcome}"));
        counts[i] += 1;
        assert_eq!(
            c.get("skip_reason").is_some(),
            outcome == "skip",
            "skip_reason only with skip: {c}"
        );
        for f in c["findings"].as_array().expect("findings is an array") {
            let level = f["level"].as_str().expect("level");
            assert!(["note", "warning", "error"].contains(&level), "{f}");
            assert!(f["message"].is_string());
            if let Some(loc) = f.get("location") {
                assert!(loc["file"].is_string() && loc["line"].is_u64() && loc["column"].is_u64());
                assert!(
                    loc.get("source_line").is_none(),
                    "source lines may hold secrets"
                );
            }
        }
    }
    let s = &v["summary"];
    let got = [
        s["passed"].as_u64().unwrap() as usize,
        s["warned"].as_u64().unwrap() as usize,
        s["failed"].as_u64().unwrap() as usize,
        s["skipped"].as_u64().unwrap() as usize,
    ];
    assert_eq!(got, counts, "summary agrees with the outcomes");
    counts
}

#[test]
fn a_missing_web_config_fails_with_403_14() {
    let dir = tempfile::tempdir().unwrap();
    let (v, code) = doctor_json(dir.path(), &[]);
    let counts = assert_schema(&v);
    assert!(counts[2] >= 1, "something failed");
    assert_eq!(code, 1, "a failed check exits 1");
    let web_config = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "web-config")
        .expect("web-config ran");
    assert_eq!(web_config["outcome"], "fail");
    assert_eq!(web_config["findings"][0]["symptom"], "403.14");
}

#[test]
fn a_routed_app_passes_web_config_and_uses_the_host_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.config"), WEB_CONFIG).unwrap();
    // A snapshot made by the real binary is what `--host` reads.
    let snapshot = Command::cargo_bin("ancm")
        .unwrap()
        .args(["host", "--format", "json"])
        .output()
        .unwrap();
    assert!(snapshot.status.success());
    let host_file = dir.path().join("host.json");
    std::fs::write(&host_file, snapshot.stdout).unwrap();
    let (v, code) = doctor_json(dir.path(), &["--host", host_file.to_str().unwrap()]);
    let counts = assert_schema(&v);
    assert_eq!(v["host"], host_file.display().to_string());
    let web_config = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "web-config")
        .unwrap();
    assert_eq!(web_config["outcome"], "pass", "{web_config}");
    // Exit code contract: 1 iff something failed.
    assert_eq!(code, if counts[2] > 0 { 1 } else { 0 });
}

#[test]
fn an_unreadable_web_config_is_exit_1_with_a_located_500_19() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("web.config"),
        "<configuration>\n  <system.webServer>\n",
    )
    .unwrap();
    let (v, code) = doctor_json(dir.path(), &[]);
    assert_schema(&v);
    assert_eq!(
        code, 1,
        "a web.config IIS cannot read is a finding (500.19), not an ancm failure"
    );
    let finding = &v["checks"][0]["findings"][0];
    assert_eq!(finding["symptom"], "500.19");
    assert!(finding["location"]["line"].is_u64(), "{finding}");
}

fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// The JSON example in README's "JSON report" section.
fn readme_schema() -> Value {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("## JSON report")
        .nth(1)
        .expect("README has a JSON report section");
    let block = section
        .split("```json")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a ```json block");
    serde_json::from_str(block).expect("README's JSON example parses")
}

#[test]
fn every_key_the_report_emits_is_documented_in_the_readme() {
    let mut documented = BTreeSet::new();
    keys(&readme_schema(), &mut documented);
    let dir = tempfile::tempdir().unwrap();
    // A broken web.config makes a located finding, so `location` keys are emitted too.
    std::fs::write(
        dir.path().join("web.config"),
        "<configuration>\n  <system.webServer>\n",
    )
    .unwrap();
    let (v, _) = doctor_json(dir.path(), &[]);
    assert_schema(&v);
    let mut emitted = BTreeSet::new();
    keys(&v, &mut emitted);
    let undocumented: Vec<&String> = emitted.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "keys missing from README's JSON schema: {undocumented:?}"
    );
    assert_eq!(readme_schema()["schema"], v["schema"]);
}
