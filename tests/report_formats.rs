//! One report rendered in every format: the same problems appear in human, JSON, SARIF, GitHub
//! and JUnit; SARIF validates against the official SARIF 2.1.0 schema (`tests/data`, from
//! oasis-tcs/sarif-spec `Documents/CommitteeSpecifications/2.1.0/sarif-schema-2.1.0.json`);
//! the real binary's SARIF has the same fingerprints on two runs; machine-format errors are a
//! JSON document on stdout as well as a line on stderr.
use ancm_doctor::diagnostic::{Accepted, CheckResult, Finding, Location};
use ancm_doctor::report::{github, human, json, junit, sarif, RenderOptions, Report};
use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn sample(app_dir: &Path) -> Report {
    let web_config = app_dir.join("web.config");
    let mut accepted = Finding::warning("`netcoreapp3.1` is out of support since 2022-12-13");
    accepted.accepted = Some(Accepted {
        reason: "migrating in Q3".into(),
        baseline: app_dir.join("ancm.toml"),
    });
    let checks = vec![
        CheckResult::from_findings(
            "web-config",
            "t",
            vec![Finding::note(
                "`web.config` routes every request to `AspNetCoreModuleV2`",
            )],
        ),
        CheckResult::from_findings(
            "process-path",
            "t",
            vec![
                Finding::error("`processPath` `.\\App, 1.exe` does not exist: 100% sure")
                    .at(Location::new(&web_config, 6, 14).with_len(23))
                    .symptom("502.5")
                    .fix("set `processPath=\"dotnet\"`\nand `arguments`"),
            ],
        ),
        CheckResult::from_findings(
            "stdout-log",
            "t",
            vec![Finding::warning(
                "`stdoutLogFile` folder `logs` does not exist",
            )],
        ),
        CheckResult::from_findings("runtime-support", "t", vec![accepted]),
        CheckResult::skipped(
            "app-pool",
            "t",
            "no IIS on this machine (linux); `--host FILE`",
        ),
    ];
    Report::new(app_dir.to_path_buf(), "probe".into(), checks)
}

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_valid_sarif(text: &str) -> Value {
    let instance: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema())
        .expect("the official schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}\n{text}");
    instance
}

#[test]
fn the_schema_is_the_official_one_and_rejects_a_broken_log() {
    let s = schema();
    assert_eq!(
        s["$id"],
        "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
    );
    // The validator is not vacuous: a result without a message is refused.
    let validator = jsonschema::validator_for(&s).unwrap();
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"ruleId": "a", "level": "fatal"}]}]});
    assert!(!validator.is_valid(&bad));
}

#[test]
fn every_format_reports_the_same_problems() {
    let dir = tempfile::tempdir().unwrap();
    let report = sample(dir.path());
    let opts = RenderOptions::default();
    let problems: Vec<(String, String, String)> = report
        .problems()
        .map(|(c, f)| (c.id.clone(), f.message.clone(), f.id.clone().unwrap()))
        .collect();
    assert_eq!(problems.len(), 3, "error, warning and the accepted warning");

    let text = human::render(&report, &opts);
    let doc: Value = serde_json::from_str(&json::render(&report, &opts)).unwrap();
    let log = assert_valid_sarif(&sarif::render(&report, &opts));
    let gh = github::render(&report, &opts);
    let xml = junit::render(&report, &opts);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), problems.len());
    for (check, message, id) in &problems {
        assert!(
            text.contains(message.as_str()),
            "human lacks {message}:\n{text}"
        );
        let in_json = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["findings"].as_array().unwrap())
            .any(|f| f["id"] == id.as_str() && f["message"] == message.as_str());
        assert!(in_json, "JSON lacks {id}");
        let r = results
            .iter()
            .find(|r| r["partialFingerprints"]["ancmFindingId/v1"] == id.as_str())
            .unwrap_or_else(|| panic!("SARIF lacks {id}"));
        assert_eq!(r["ruleId"], check.as_str());
        assert!(r["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with(message.as_str()));
        assert!(
            gh.contains(&github::data(message)),
            "github lacks {message}:\n{gh}"
        );
        assert!(xml.contains(check.as_str()), "junit lacks {check}");
        let escaped = message
            .replace('&', "&amp;")
            .replace('\'', "&apos;")
            .replace('"', "&quot;");
        assert!(xml.contains(&escaped), "junit lacks {message}:\n{xml}");
    }
    // The accepted finding is reported as accepted everywhere, not hidden.
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "migrating in Q3"
    );
    assert!(
        gh.contains("::notice ") && gh.contains("accepted (migrating in Q3)"),
        "{gh}"
    );
    assert!(xml.contains("accepted (migrating in Q3)"), "{xml}");
    assert!(text.contains("migrating in Q3"), "{text}");
    assert_eq!(doc["summary"]["accepted"], 1);
}

#[test]
fn sarif_locations_are_relative_to_the_app_folder() {
    let dir = tempfile::tempdir().unwrap();
    let log = assert_valid_sarif(&sarif::render(
        &sample(dir.path()),
        &RenderOptions::default(),
    ));
    let run = &log["runs"][0];
    let base = run["originalUriBaseIds"]["APPROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    let loc = &run["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "web.config");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "APPROOT");
    assert_eq!(loc["region"]["startLine"], 6);
    assert_eq!(loc["region"]["startColumn"], 14);
    assert_eq!(loc["region"]["endColumn"], 37);
    // A finding without a location still points at the app's web.config.
    let unlocated = &run["results"][1]["locations"][0]["physicalLocation"];
    assert_eq!(unlocated["artifactLocation"]["uri"], "web.config");
    // One rule per catalog entry, each with descriptions and help.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), ancm_doctor::catalog::entries().len());
    for r in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                r[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{} lacks {key}",
                r["id"]
            );
        }
    }
    let idx = run["results"][0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], "process-path");
}

#[test]
fn github_annotations_escape_what_the_runner_parses() {
    let dir = tempfile::tempdir().unwrap();
    let gh = github::render(&sample(dir.path()), &RenderOptions::default());
    let line = gh.lines().find(|l| l.starts_with("::error ")).unwrap();
    assert!(line.contains(",line=6,col=14,endColumn=37,"), "{line}");
    assert!(
        line.contains("title=ancm process-path (IIS 502.5)::"),
        "{line}"
    );
    assert!(line.contains("100%25 sure"), "{line}");
    assert!(
        line.contains("%0Ahelp: set"),
        "one line per annotation: {line}"
    );
    assert!(!line.contains('\n'));
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn ancm(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("ancm")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_real_binary_writes_valid_sarif_with_fingerprints_stable_across_runs() {
    let app = example("launcher-placeholders");
    let app = app.to_str().unwrap();
    let run = || {
        let out = ancm(&[
            "doctor", "--static", "--host", "none", "--format", "sarif", app,
        ]);
        assert_eq!(out.status.code(), Some(1), "the example fails a check");
        let log = assert_valid_sarif(&String::from_utf8(out.stdout).unwrap());
        let prints: Vec<Value> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect();
        prints
    };
    let first = run();
    assert!(!first.is_empty());
    assert_eq!(first, run());
}

#[test]
fn junit_has_one_testcase_per_check() {
    let app = example("launcher-placeholders");
    let out = ancm(&[
        "doctor",
        "--static",
        "--format",
        "junit",
        app.to_str().unwrap(),
    ]);
    let xml = String::from_utf8(out.stdout).unwrap();
    let cases = xml.matches("<testcase ").count();
    assert_eq!(cases, ancm_doctor::checks::REGISTRY.len(), "{xml}");
    assert!(xml.contains("<failure "), "{xml}");
    assert!(xml.contains("<skipped "), "{xml}");
}

#[test]
fn machine_format_errors_are_a_json_document_and_a_stderr_line() {
    for format in ["json", "sarif", "github", "junit"] {
        let out = ancm(&["doctor", "--format", format, "/nonexistent/app"]);
        assert_eq!(out.status.code(), Some(2));
        let doc: Value = serde_json::from_slice(&out.stdout).expect("a JSON error document");
        assert!(doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no such folder"));
        assert_eq!(doc["tool"]["name"], "ancm");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("error: "));
    }
    let out = ancm(&["doctor", "/nonexistent/app"]);
    assert!(out.stdout.is_empty(), "human errors go to stderr only");
}

#[test]
fn report_formats_are_for_doctor_only() {
    let out = ancm(&["host", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("report format for `ancm doctor`"));
}

#[test]
fn checks_lists_the_catalog_as_json() {
    let out = ancm(&["checks", "--format", "json"]);
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "ancm-checks/1");
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks.len(), ancm_doctor::checks::REGISTRY.len());
    let pp = checks.iter().find(|c| c["id"] == "process-path").unwrap();
    assert_eq!(pp["severity"], "error");
    assert_eq!(pp["area"], "app files");
    assert!(pp["title"].as_str().is_some_and(|t| !t.is_empty()));
}

#[test]
fn json_says_what_was_probed_and_how_long_it_took() {
    let app = example("launcher-placeholders");
    let app = app.to_str().unwrap();
    let out = ancm(&["doctor", "--static", "--format", "json", app]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["host"], "probe");
    assert_eq!(doc["live_probe"], "skipped");
    assert!(doc["duration_ms"].is_u64());
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let out = ancm(&[
        "doctor", "--static", "--host", "none", "--format", "json", app,
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["host"], "none");
    let iis = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "app-pool")
        .unwrap();
    assert_eq!(iis["outcome"], "skip");
}
