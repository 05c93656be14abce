//! Choosing what counts, through the real binary: `--only` / `--skip`, and a baseline
//! (`ancm.toml` in the app folder or `--config FILE`) that accepts a finding with a reason —
//! reported as accepted, not hidden, and no longer failing the run.
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// A copy of the bundled broken example (its web.config keeps Visual Studio's placeholders).
fn broken_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/launcher-placeholders");
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
        }
    }
    dir
}

fn doctor(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--host", "none", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {v}"))
}

const ACCEPT_PLACEHOLDERS: &str = r#"
[[accept]]
check = "launcher-placeholders"
reason = "transformed at deploy time by our pipeline"

[[accept]]
check = "handler-module"
match = "AspNetCoreModule"
reason = "this farm still runs ANCM V1"
"#;

#[test]
fn a_baseline_in_the_app_folder_accepts_findings_without_hiding_them() {
    let app = broken_app();
    let (code, v, _) = doctor(app.path(), &[]);
    assert_eq!(code, 1, "the example fails without a baseline");
    std::fs::write(app.path().join("ancm.toml"), ACCEPT_PLACEHOLDERS).unwrap();
    let (code, v2, stderr) = doctor(app.path(), &[]);
    assert_eq!(code, 0, "accepted findings do not fail the run: {stderr}");
    let c = check(&v2, "launcher-placeholders");
    assert_eq!(c["outcome"], "pass");
    let f = &c["findings"][0];
    assert_eq!(f["level"], "error", "still reported as what it is");
    assert_eq!(
        f["accepted"]["reason"],
        "transformed at deploy time by our pipeline"
    );
    assert_eq!(v2["summary"]["accepted"], 2);
    // The finding ids are the same with and without the baseline.
    assert_eq!(
        f["id"],
        check(&v, "launcher-placeholders")["findings"][0]["id"]
    );
}

#[test]
fn config_names_the_baseline_and_a_finding_id_can_be_matched() {
    let app = broken_app();
    let (_, v, _) = doctor(app.path(), &[]);
    let id = check(&v, "launcher-placeholders")["findings"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cfg = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        cfg.path(),
        format!(
            "[[accept]]\ncheck = \"launcher-placeholders\"\nmatch = \"{id}\"\nreason = \"r\"\n"
        ),
    )
    .unwrap();
    let (code, v, _) = doctor(app.path(), &["--config", cfg.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        check(&v, "launcher-placeholders")["findings"][0]["accepted"]["reason"],
        "r"
    );
    // `--strict` still fails on the warning nobody accepted.
    let (code, _, _) = doctor(
        app.path(),
        &["--strict", "--config", cfg.path().to_str().unwrap()],
    );
    assert_eq!(code, 1);
}

#[test]
fn a_bad_baseline_is_exit_2_naming_file_and_position() {
    let app = broken_app();
    std::fs::write(
        app.path().join("ancm.toml"),
        "[[accept]]\ncheck = \"launcher-placeholders\"\nreason = 3\n",
    )
    .unwrap();
    let (code, v, stderr) = doctor(app.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("ancm.toml:3:"), "{stderr}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ancm.toml:3:"));
}

#[test]
fn only_and_skip_choose_the_checks() {
    let app = broken_app();
    let (code, v, _) = doctor(app.path(), &["--only", "web-config,handler-module"]);
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["web-config", "handler-module"]);
    assert_eq!(code, 0, "the failing check was not run");
    let (code, v, _) = doctor(app.path(), &["--skip", "launcher-placeholders"]);
    assert_eq!(code, 0);
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["id"] != "launcher-placeholders"));
    let (code, _, stderr) = doctor(app.path(), &["--skip", "launcher-placeholder"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("did you mean `launcher-placeholders`"),
        "{stderr}"
    );
}
