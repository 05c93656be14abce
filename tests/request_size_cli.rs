//! `request-size-limit` through the real binary on a real app folder: the app's appsettings.json
//! accepts 50 MB, its web.config leaves IIS at its 30,000,000-byte default (404.13 above it);
//! raising `maxAllowedContentLength` in web.config makes the two agree.
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn check(app: &Path) -> Value {
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--host", "none", "--format", "json"])
        .args(["--only", "request-size-limit"])
        .arg(app)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    doc["checks"][0].clone()
}

#[test]
fn an_upload_limit_iis_does_not_let_through_is_404_13_until_web_config_raises_it() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/healthy-portable"),
        &app,
    );
    std::fs::write(
        app.join("appsettings.json"),
        "{\n  \"Kestrel\": {\n    \"Limits\": { \"MaxRequestBodySize\": 52428800 }\n  }\n}\n",
    )
    .unwrap();
    let c = check(&app);
    assert_eq!(c["id"], "request-size-limit");
    assert_eq!(c["outcome"], "warn", "{c:#}");
    let f = &c["findings"][0];
    assert_eq!(f["symptom"], "404.13", "{c:#}");
    assert!(
        f["message"].as_str().unwrap().contains(
            "IIS's request filtering rejects bodies over 30,000,000 bytes (IIS's default)"
        ),
        "{f:#}"
    );
    assert_eq!(f["evidence"][0]["location"]["line"], 3, "{f:#}");

    let wc = std::fs::read_to_string(app.join("web.config")).unwrap();
    let raised = wc.replace(
        "<handlers>",
        "<security><requestFiltering><requestLimits maxAllowedContentLength=\"52428800\" /></requestFiltering></security>\n      <handlers>",
    );
    assert_ne!(wc, raised);
    std::fs::write(app.join("web.config"), raised).unwrap();
    let c = check(&app);
    assert_eq!(c["outcome"], "pass", "{c:#}");
}
