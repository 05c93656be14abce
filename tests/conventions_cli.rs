//! The ecosystem's conventions, through the real binary: shell completions and a man page,
//! `--version` with the commit, `ancm host --output FILE`, snapshots saved by Windows
//! PowerShell 5.1 (UTF-16LE) or with a UTF-8 BOM, and `run --listen` forms with a suggestion for
//! a busy port.
use assert_cmd::Command;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

fn ancm(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("ancm")
        .unwrap()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = ancm(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("ancm") && text.contains("doctor"),
            "{shell}:\n{text}"
        );
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(text.contains("sarif"), "{shell} completes the new formats");
        }
    }
    let out = ancm(&["man"]);
    assert!(out.status.success());
    let man = String::from_utf8(out.stdout).unwrap();
    assert!(man.contains(".TH ancm 1"), "{man}");
    assert!(man.contains("doctor") && man.contains("explain"));
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = ancm(&["--version"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("ancm {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    // Built from this checkout (git present): build.rs puts the commit in.
    if let Some(commit) = option_env!("ANCM_COMMIT") {
        assert!(text.contains(&format!("({commit})")), "{text}");
    }
    if Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        assert!(
            option_env!("ANCM_COMMIT").is_some(),
            "a git checkout has a commit"
        );
    }
}

#[test]
fn host_output_writes_a_snapshot_doctor_reads_in_every_windows_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.json");
    let out = ancm(&[
        "host",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the snapshot goes to the file only");
    let text = std::fs::read_to_string(&file).unwrap();
    let _: serde_json::Value = serde_json::from_str(&text).unwrap();
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/healthy-portable");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let bom: Vec<u8> = b"\xEF\xBB\xBF"
        .iter()
        .copied()
        .chain(text.bytes())
        .collect();
    for (name, bytes) in [("utf16le.json", utf16), ("bom.json", bom)] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = ancm(&[
            "doctor",
            "--static",
            "--format",
            "json",
            "--host",
            p.to_str().unwrap(),
            app.to_str().unwrap(),
        ]);
        assert_ne!(
            out.status.code(),
            Some(2),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["host"], p.display().to_string());
    }
    // Not a snapshot in any encoding: one clear line, exit 2.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, [0xFF, 0xFE, 0x41]).unwrap();
    let out = ancm(&[
        "doctor",
        "--static",
        "--host",
        bad.to_str().unwrap(),
        app.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json"));
}

#[test]
fn a_busy_listen_port_gets_a_free_one_suggested() {
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/healthy-portable");
    for listen in [port.clone(), format!("localhost:{port}")] {
        let out = ancm(&["run", "--listen", &listen, app.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("127.0.0.1:{port}: the port is in use")),
            "{err}"
        );
        assert!(err.contains("try `--listen 127.0.0.1:"), "{err}");
    }
    let out = ancm(&["run", "--listen", "localhost", app.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a port"));
}
