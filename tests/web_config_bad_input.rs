//! The real `ancm` binary on hostile web.config files and app folders: every case ends in a
//! report and/or a one-line `error:` — exit 1 when the web.config is the problem (IIS shows
//! 500.19: a diagnosis), exit 2 when ancm cannot do its job (no folder) — or a normal 0/1 when
//! the input is valid; never a panic, a hang, or a 50 MB read.
use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn doctor(dir: &Path) -> Run {
    doctor_in(dir, None)
}

fn doctor_in(dir: &Path, cwd: Option<&Path>) -> Run {
    let mut cmd = Command::cargo_bin("ancm").unwrap();
    cmd.arg("doctor")
        .arg(dir)
        .args(["--static", "--format", "json"])
        .timeout(Duration::from_secs(60));
    if let Some(c) = cwd {
        cmd.current_dir(c);
    }
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "ancm panicked:\n{}",
        run.stderr
    );
    assert_ne!(run.code, -1, "ancm was killed (timeout?):\n{}", run.stderr);
    run
}

/// An app folder holding `web.config` with these bytes (plus a runtimeconfig so the app has a name).
fn app_with_web_config(bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.config"), bytes).unwrap();
    std::fs::write(
        dir.path().join("App.runtimeconfig.json"),
        r#"{"runtimeOptions":{"tfm":"net8.0","framework":{"name":"Microsoft.AspNetCore.App","version":"8.0.0"}}}"#,
    )
    .unwrap();
    // A real file, so the process-path check has the app it names.
    std::fs::write(dir.path().join("App.dll"), b"MZ").unwrap();
    dir
}

fn web_config_check(report: &Value) -> &Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "web-config")
        .expect("web-config check in the report")
}

/// Exit 1 (a diagnosed 500.19 is a finding), the JSON report on stdout with `web-config`
/// failed, and exactly one `error:` line on stderr containing `expect`. Returns that line.
fn assert_unreadable(run: &Run, expect: &str) -> String {
    assert_eq!(
        run.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("a JSON report on stdout");
    let wc = web_config_check(&report);
    assert_eq!(wc["outcome"], "fail", "{wc:#}");
    assert_eq!(wc["findings"][0]["symptom"], "500.19", "{wc:#}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {:?}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    assert!(lines[0].contains(expect), "`{expect}` not in: {}", lines[0]);
    lines[0].to_string()
}

/// The `file:line:col:` prefix of a Malformed error line.
fn assert_positioned(line: &str) {
    let after = line.split("web.config:").nth(1).expect("file name");
    let mut parts = after.splitn(3, ':');
    let l: u32 = parts.next().unwrap().parse().expect("line number");
    let c: u32 = parts.next().unwrap().parse().expect("column number");
    assert!(l >= 1 && c >= 1, "{line}");
}

const VALID: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <location path="." inheritInChildApplications="false">
    <system.webServer>
      <handlers>
        <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
      </handlers>
      <aspNetCore processPath="dotnet" arguments=".\App.dll" hostingModel="inprocess" />
    </system.webServer>
  </location>
</configuration>
"#;

#[test]
fn binary_garbage_is_a_located_error() {
    let mut bytes = vec![0x4D, 0x5A, 0x90, 0x00, 0x03];
    bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let dir = app_with_web_config(&bytes);
    let line = assert_unreadable(&doctor(dir.path()), "web.config:");
    assert_positioned(&line);
}

#[test]
fn fifty_megabyte_web_config_is_refused_without_reading_it() {
    let dir = app_with_web_config(b"");
    let f = std::fs::File::create(dir.path().join("web.config")).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let start = Instant::now();
    let run = doctor(dir.path());
    assert_unreadable(&run, "larger than IIS accepts (256000 bytes)");
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn utf16_web_configs_work() {
    for big_endian in [false, true] {
        let mut bytes = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in VALID.encode_utf16() {
            bytes.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        let dir = app_with_web_config(&bytes);
        let run = doctor(dir.path());
        assert!(
            run.code == 0 || run.code == 1,
            "utf16 be={big_endian}: exit {}\n{}",
            run.code,
            run.stderr
        );
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            web_config_check(&report)["outcome"],
            "pass",
            "be={big_endian}"
        );
    }
}

#[test]
fn deeply_nested_xml_never_overflows_the_stack() {
    // 100k levels is over IIS's size limit: refused before parsing.
    let deep = |levels: usize| {
        format!(
            "<configuration>{}{}</configuration>",
            "<a>".repeat(levels),
            "</a>".repeat(levels)
        )
    };
    let dir = app_with_web_config(deep(100_000).as_bytes());
    assert_unreadable(&doctor(dir.path()), "larger than IIS accepts");
    // 30k levels fits under the limit and is parsed (iteratively).
    let dir = app_with_web_config(deep(30_000).as_bytes());
    let run = doctor(dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Unclosed at depth: a located error.
    let dir = app_with_web_config(format!("<configuration>{}", "<a>".repeat(30_000)).as_bytes());
    let line = assert_unreadable(&doctor(dir.path()), "is not closed");
    assert_positioned(&line);
}

#[test]
fn megabyte_attribute_is_a_clear_size_error_and_200k_works() {
    let big = VALID.replace(
        r#"hostingModel="inprocess""#,
        &format!(
            r#"hostingModel="inprocess" arguments2="{}""#,
            "x".repeat(1 << 20)
        ),
    );
    let dir = app_with_web_config(big.as_bytes());
    assert_unreadable(&doctor(dir.path()), "larger than IIS accepts");
    let ok = VALID.replace(
        r#"arguments=".\App.dll""#,
        &format!(r#"arguments=".\App.dll {}""#, "x".repeat(200 * 1024)),
    );
    let dir = app_with_web_config(ok.as_bytes());
    let run = doctor(dir.path());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn truncated_xml_is_located() {
    let cut = &VALID[..VALID.find("<aspNetCore").unwrap() + 30];
    let dir = app_with_web_config(cut.as_bytes());
    let line = assert_unreadable(&doctor(dir.path()), "web.config:");
    assert_positioned(&line);
}

#[test]
fn web_config_that_is_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("web.config")).unwrap();
    assert_unreadable(&doctor(dir.path()), "is a folder, not a file");
}

#[cfg(unix)]
#[test]
fn unreadable_web_configs() {
    use std::os::unix::fs::PermissionsExt;
    // A FIFO: opening it would block forever; ancm must refuse it from metadata.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("web.config");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    assert_unreadable(&doctor(dir.path()), "not a regular file");

    // A dangling symbolic link is not "no web.config".
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("gone.config"),
        dir.path().join("web.config"),
    )
    .unwrap();
    assert_unreadable(&doctor(dir.path()), "does not exist");

    // chmod 000: root reads it anyway (CAP_DAC_OVERRIDE), so only a non-root run can see the
    // permission error; as root the file is read and must simply work.
    let dir = app_with_web_config(VALID.as_bytes());
    let wc = dir.path().join("web.config");
    std::fs::set_permissions(&wc, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = doctor(dir.path());
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    } else {
        assert_unreadable(&run, "ermission denied");
    }
}

#[test]
fn app_folder_that_is_a_file_or_missing_is_one_line_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.zip");
    std::fs::write(&file, b"PK").unwrap();
    for (path, expect) in [
        (file.clone(), "not a folder"),
        (dir.path().join("missing"), "no such folder"),
        (dir.path().join("bad\nname"), r"bad\nname: no such folder"),
    ] {
        let run = doctor(&path);
        assert_eq!(run.code, 2, "{}", run.stderr);
        // No report for a folder that cannot be read: in JSON mode, an error document instead.
        let doc: Value = serde_json::from_str(&run.stdout).expect("a JSON error document");
        assert!(doc.get("checks").is_none(), "{doc}");
        assert!(
            doc["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(expect)),
            "{doc}"
        );
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{:?}", run.stderr);
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains(expect),
            "{}",
            lines[0]
        );
    }
}

#[test]
fn hostile_but_real_paths_work() {
    // `../..` from a nested working folder is just a folder.
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("web.config"), VALID).unwrap();
    let nested = root.path().join("a").join("b");
    std::fs::create_dir_all(&nested).unwrap();
    let run = doctor_in(Path::new("../.."), Some(&nested));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(web_config_check(&report)["outcome"], "pass");

    // A newline in the folder name: reported normally, and an error about its web.config stays
    // on one line.
    let odd = root.path().join("new\nline");
    std::fs::create_dir(&odd).unwrap();
    std::fs::write(odd.join("web.config"), "<configuration>").unwrap();
    let line = assert_unreadable(&doctor(&odd), r"new\nline");
    assert_positioned(&line);
}

#[test]
fn human_report_shows_the_broken_line_with_a_caret() {
    let dir = app_with_web_config(b"<configuration>\n  <system.webServer>\n</configuration>\n");
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .args(["doctor", "--static", "--color", "never"])
        .arg(dir.path())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a malformed web.config is a finding (500.19)"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("web.config:3:1"), "{stdout}");
    assert!(stdout.contains("3 | </configuration>"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_generated_web_config_at_the_size_limit_is_quick() {
    // ~240 KB on one line: 23,000 unknown attributes on `aspNetCore`. Findings are summarised and
    // snippets of such a line are dropped, so the run stays fast and the report small.
    let attrs: String = (0..23_000).map(|i| format!(" a{i}=\"v\"")).collect();
    let text = format!(
        "<configuration><system.webServer><handlers><add name=\"aspNetCore\" path=\"*\" verb=\"*\" modules=\"AspNetCoreModuleV2\" /></handlers><aspNetCore processPath=\"dotnet\" arguments=\".\\App.dll\"{attrs} /></system.webServer></configuration>"
    );
    assert!(text.len() < 250 * 1024);
    let dir = app_with_web_config(text.as_bytes());
    let start = Instant::now();
    let run = doctor(dir.path());
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.len() < 64 * 1024,
        "report is {} bytes",
        run.stdout.len()
    );
}

#[test]
fn web_config_name_is_case_insensitive_like_windows() {
    // Publish keeps the project's casing (`Web.config`); IIS on Windows reads it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Web.config"), VALID).unwrap();
    let run = doctor(dir.path());
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(web_config_check(&report)["outcome"], "pass");
}
