//! The `live-site` result of `ancm doctor --static --host none --format json --url URL` on the
//! healthy example, through the real binary (shared by `tests/live_site.rs` and
//! `tests/live_site_tls.rs`; included with `#[path]`).
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

pub fn live_site(url: &str, extra: &[&str]) -> Value {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/healthy-portable");
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args([
            "doctor", "--static", "--host", "none", "--format", "json", "--url", url,
        ])
        .args(extra)
        .arg(&app)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "live-site")
        .cloned()
        .expect("live-site result")
}
