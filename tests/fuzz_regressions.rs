//! Every input the fuzz targets (`fuzz/`, `scripts/fuzz`) crashed on, kept as a regression test:
//! the reader on the raw bytes, and the real `ancm` binary on a folder holding them (a clear
//! result, never a panic's exit code 101). Inputs live in `tests/data/fuzz/<target>-<what>`.
use std::path::Path;
use std::process::Command;

fn input(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fuzz")
            .join(name),
    )
    .unwrap()
}

/// `web_config_parse`, 2026-12-01: a malformed web.config with a multi-byte character after
/// `<environmentVariable/` made the code frame's secret masking slice a `str` off a character
/// boundary.
#[test]
fn web_config_slice_off_a_character_boundary() {
    malformed_web_config_is_a_finding("web_config_parse-slice-off-char-boundary");
}

/// `web_config_parse`, 2026-12-01 (the second campaign, after the first fix): a value left open
/// at the end of the text moved the masking scan one byte past the end.
#[test]
fn web_config_scan_past_the_end() {
    malformed_web_config_is_a_finding("web_config_parse-scan-past-the-end");
}

fn malformed_web_config_is_a_finding(name: &str) {
    let bytes = input(name);
    let r = ancm_doctor::deployment::web_config::parse(Path::new("web.config"), &bytes);
    assert!(r.is_err(), "the input is malformed XML");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.config"), &bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(["doctor", "--static", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    // A malformed web.config is a finding (500.19): exit 1, with the report.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let wc = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "web-config")
        .unwrap();
    assert_eq!(wc["outcome"], "fail", "{wc:#}");
}
