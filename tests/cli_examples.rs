//! The bundled examples (`examples/*/`) through the real `ancm` binary: exit code, the checks that
//! fail or warn in `--format json`, and the human report's web.config snippet with a caret under
//! the located finding. `--static`: no live probe; host facts are this machine's probe.
use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn doctor_json(name: &str) -> (i32, Value) {
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--format", "json"])
        .arg(example(name))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let code = out.status.code().expect("exit code");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, json)
}

fn ids_with(json: &Value, outcome: &str) -> BTreeSet<String> {
    json["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .filter(|c| c["outcome"] == outcome)
        .map(|c| c["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn check<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check `{id}` in the report"))
}

/// Runs one example; asserts the exit code and that every expected check fails / warns.
fn expect(name: &str, code: i32, failing: &[&str], warning: &[&str]) -> Value {
    let (got, json) = doctor_json(name);
    let failed = ids_with(&json, "fail");
    let warned = ids_with(&json, "warn");
    assert_eq!(
        got, code,
        "{name}: exit code; failed {failed:?}, warned {warned:?}"
    );
    for id in failing {
        assert!(
            failed.contains(*id),
            "{name}: `{id}` should fail; failed {failed:?}"
        );
    }
    for id in warning {
        assert!(
            warned.contains(*id),
            "{name}: `{id}` should warn; warned {warned:?}"
        );
    }
    json
}

#[test]
fn healthy_portable_has_no_failure_and_no_warning() {
    let (code, json) = doctor_json("healthy-portable");
    assert_eq!(
        (ids_with(&json, "fail"), ids_with(&json, "warn")),
        (BTreeSet::new(), BTreeSet::new()),
        "healthy-portable must be clean"
    );
    assert_eq!(code, 0);
    for id in ["process-path", "stdout-log", "app-offline"] {
        assert_eq!(check(&json, id)["outcome"], "pass", "{id}");
    }
}

#[test]
fn launcher_placeholders_is_the_seeds_diagnosis() {
    let json = expect("launcher-placeholders", 1, &["launcher-placeholders"], &[]);
    // process-path has no target to compare: it says why instead of repeating the finding.
    let pp = check(&json, "process-path");
    assert_eq!(pp["outcome"], "skip");
    assert!(pp["skip_reason"]
        .as_str()
        .unwrap()
        .contains("LAUNCHER_PATH"));
}

#[test]
fn exe_for_portable_app() {
    let json = expect("exe-for-portable-app", 1, &["process-path"], &[]);
    let f = &check(&json, "process-path")["findings"][0];
    assert_eq!(f["symptom"], "502.5");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("only `HelloWorld.dll`"));
    assert_eq!(f["location"]["line"], 8);
    assert!(f["fix"]
        .as_str()
        .unwrap()
        .contains(r#"processPath="dotnet" arguments=".\HelloWorld.dll""#));
}

#[test]
fn stdout_log_folder_missing_warns_only() {
    let json = expect("stdout-log-folder-missing", 0, &[], &["stdout-log"]);
    let messages: Vec<&str> = check(&json, "stdout-log")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("does not exist") && m.contains("V1")),
        "{messages:?}"
    );
    // --strict turns warnings into exit 1.
    Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--strict"])
        .arg(example("stdout-log-folder-missing"))
        .assert()
        .code(1);
}

#[test]
fn app_offline_left() {
    let json = expect("app-offline-left", 1, &["app-offline"], &[]);
    let f = &check(&json, "app-offline")["findings"][0];
    assert_eq!(f["symptom"], "503");
    assert!(f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["value"] == "150 bytes"));
}

#[test]
fn single_file_inprocess() {
    let json = expect("single-file-inprocess", 1, &["process-path"], &[]);
    // The bundle carries its runtimeconfig inside: no false "runtimeconfig missing".
    assert_eq!(
        ids_with(&json, "fail"),
        BTreeSet::from(["process-path".to_string()])
    );
    assert_eq!(
        check(&json, "process-path")["findings"][0]["symptom"],
        "500.38"
    );
}

#[test]
fn linux_publish_on_iis() {
    let json = expect("linux-publish-on-iis", 1, &["process-path"], &[]);
    let f = &check(&json, "process-path")["findings"][0];
    assert!(f["message"].as_str().unwrap().contains("Linux executable"));
    assert_eq!(f["symptom"], "500.0");
}

#[test]
fn wrong_dll_argument() {
    let json = expect("wrong-dll-argument", 1, &["process-path"], &[]);
    let f = &check(&json, "process-path")["findings"][0];
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("HelloWorld.Web.dll"));
    assert_eq!(f["symptom"], "502.5");
}

#[test]
fn netfx_inprocess() {
    let json = expect("netfx-inprocess", 1, &["process-path"], &[]);
    // A .NET Framework exe has no runtimeconfig, and needs none.
    assert_eq!(
        ids_with(&json, "fail"),
        BTreeSet::from(["process-path".to_string()])
    );
    let f = &check(&json, "process-path")["findings"][0];
    assert!(f["message"].as_str().unwrap().contains(".NET Framework"));
    assert_eq!(f["symptom"], "500.38");
}

#[test]
fn apphost_without_dll() {
    let json = expect("apphost-without-dll", 1, &["process-path"], &[]);
    let f = &check(&json, "process-path")["findings"][0];
    assert!(f["message"].as_str().unwrap().contains("`HelloWorld.dll`"));
    assert_eq!(f["symptom"], "502.5");
}

#[test]
fn self_contained_started_with_dotnet_warns() {
    let json = expect(
        "self-contained-started-with-dotnet",
        0,
        &[],
        &["self-contained"],
    );
    // One finding, from the check about deployment modes; process-path has nothing to add.
    assert_eq!(check(&json, "process-path")["outcome"], "pass");
}

#[test]
fn human_report_shows_the_web_config_line_with_a_caret() {
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--color", "never"])
        .arg(example("exe-for-portable-app"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = r#"      <aspNetCore processPath=".\HelloWorld.exe" stdoutLogEnabled="false""#;
    let at = text
        .lines()
        .position(|l| l.contains(line))
        .unwrap_or_else(|| panic!("snippet line missing:\n{text}"));
    let snippet = text.lines().nth(at).unwrap();
    let carets = text.lines().nth(at + 1).unwrap();
    // The caret run sits under `.\HelloWorld.exe`, the value of processPath.
    let value_col = snippet.find(r".\HelloWorld.exe").unwrap();
    let caret_col = carets.find('^').expect("a caret line");
    assert_eq!(caret_col, value_col, "\n{snippet}\n{carets}");
    assert_eq!(carets.matches('^').count(), r".\HelloWorld.exe".len());
    assert!(text.contains("web.config:8:32"), "{text}");
}

#[test]
fn every_example_is_covered_here() {
    let mut names: Vec<String> = std::fs::read_dir(example(""))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("web.config").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let this = include_str!("cli_examples.rs");
    for n in &names {
        assert!(
            this.contains(&format!("\"{n}\"")),
            "example `{n}` has no test in tests/cli_examples.rs"
        );
    }
    let readme = std::fs::read_to_string(example("README.md")).unwrap();
    for n in &names {
        assert!(
            readme.contains(&format!("`{n}`")),
            "examples/README.md does not list `{n}`"
        );
    }
}

/// Without `--static`: the real 3.1.23 `dotnet` on PATH runs the example's `HelloWorld.dll` under
/// the emulated ANCM, and the live probe passes (start, token, 200, graceful 202 shutdown).
#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23)"]
fn healthy_portable_passes_the_live_probe_with_the_real_runtime() {
    let dotnet = std::env::var_os("ANCM_TEST_DOTNET")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(".tools/dotnetcore2/dotnetcore2/bin/dotnet")
        });
    assert!(dotnet.is_file(), "real dotnet missing: run scripts/setup");
    let mut path = vec![dotnet.parent().unwrap().to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--format", "json"])
        .arg(example("healthy-portable"))
        .env("PATH", std::env::join_paths(path).unwrap())
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids_with(&json, "fail"), BTreeSet::new(), "{json:#}");
    assert_eq!(check(&json, "live-probe")["outcome"], "pass", "{json:#}");
    assert_eq!(out.status.code(), Some(0));
}
