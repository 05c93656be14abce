//! `ancm fix` through the real binary on copies of the bundled examples: the diff it proposes is
//! exactly the attribute change (every other byte identical, UTF-16 stays UTF-16 with its BOM),
//! `--write` keeps a byte-identical backup and `ancm doctor --static` no longer reports what was
//! fixed; a healthy or unfixable folder gets no proposal; hostile input is one line and exit 2;
//! a file changed between read and write is refused and nothing is written; `doctor` names the
//! `ancm fix` command on exactly the findings it fixes.
use ancm_doctor::fix;
use ancm_doctor::host::HostFacts;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn ancm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ancm"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run ancm")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A copy of `examples/<name>` in a temporary folder (the examples themselves stay untouched).
fn copy_example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dst = tmp.path().join(name);
    copy_dir(&examples().join(name), &dst);
    (tmp, dst)
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Every file and folder below `dir` with its bytes (folders: `None`).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            if e.file_type().unwrap().is_dir() {
                out.insert(rel, None);
                stack.push(e.path());
            } else {
                out.insert(rel, Some(std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

/// `(check id, message)` of every warning and error `doctor --static` reports.
fn problems(dir: &Path) -> Vec<(String, String)> {
    let o = ancm(&[
        "doctor",
        "--static",
        "--host",
        "none",
        "--format",
        "json",
        dir.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("doctor JSON: {e}\n{}", text(&o.stdout)));
    let mut out = Vec::new();
    for c in v["checks"].as_array().unwrap() {
        for f in c["findings"].as_array().into_iter().flatten() {
            if f["level"] != "note" {
                out.push((
                    c["id"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

/// What `fix` must do to each broken example: the exact text replacements (so every other byte
/// is the original's), the folders it creates, and the checks whose finding must be gone after.
struct Case {
    name: &'static str,
    replace: &'static [(&'static str, &'static str)],
    folders: &'static [&'static str],
    /// `(check id, part of the message)` of the findings that must be gone after the fix.
    fixes: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "launcher-placeholders",
        replace: &[
            (
                r#"modules="AspNetCoreModule""#,
                r#"modules="AspNetCoreModuleV2""#,
            ),
            (
                r#"processPath="%LAUNCHER_PATH%" arguments="%LAUNCHER_ARGS%""#,
                r#"processPath="dotnet" arguments=".\HelloWorld.dll""#,
            ),
        ],
        folders: &[],
        fixes: &[
            ("launcher-placeholders", "placeholder"),
            ("handler-module", "(V1)"),
        ],
    },
    Case {
        name: "exe-for-portable-app",
        replace: &[(
            r#"processPath=".\HelloWorld.exe""#,
            r#"processPath="dotnet" arguments=".\HelloWorld.dll""#,
        )],
        folders: &[],
        fixes: &[("process-path", "")],
    },
    Case {
        name: "wrong-dll-argument",
        replace: &[(
            r#"arguments=".\HelloWorld.Web.dll""#,
            r#"arguments=".\HelloWorld.dll""#,
        )],
        folders: &[],
        fixes: &[("process-path", "")],
    },
    Case {
        name: "linux-publish-on-iis",
        replace: &[(
            r#"processPath=".\HelloWorld""#,
            r#"processPath="dotnet" arguments=".\HelloWorld.dll""#,
        )],
        folders: &[],
        fixes: &[("process-path", "")],
    },
    Case {
        name: "single-file-inprocess",
        replace: &[(
            r#"hostingModel="inprocess""#,
            r#"hostingModel="outofprocess""#,
        )],
        folders: &[],
        fixes: &[("process-path", "")],
    },
    Case {
        name: "netfx-inprocess",
        replace: &[(
            r#"hostingModel="inprocess""#,
            r#"hostingModel="outofprocess""#,
        )],
        folders: &[],
        fixes: &[("process-path", "")],
    },
    Case {
        name: "self-contained-started-with-dotnet",
        replace: &[(
            r#"processPath="dotnet" arguments=".\HelloWorld.dll""#,
            r#"processPath=".\HelloWorld.exe""#,
        )],
        folders: &[],
        fixes: &[("self-contained", "started through `dotnet`")],
    },
    Case {
        name: "stdout-log-folder-missing",
        replace: &[(
            r#"modules="AspNetCoreModule""#,
            r#"modules="AspNetCoreModuleV2""#,
        )],
        folders: &["logs"],
        fixes: &[("handler-module", "(V1)"), ("stdout-log", "does not exist")],
    },
];

/// Examples a web.config edit cannot fix (or that are healthy): no proposal, exit 0.
const NOTHING_TO_FIX: &[&str] = &[
    "healthy-portable",
    "app-offline-left",
    "apphost-without-dll",
];

fn replaced(original: &str, replace: &[(&str, &str)]) -> String {
    let mut s = original.to_string();
    for (from, to) in replace {
        assert_eq!(s.matches(from).count(), 1, "`{from}` once in web.config");
        s = s.replace(from, to);
    }
    s
}

#[test]
fn every_example_is_covered() {
    let mut named: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    named.extend(NOTHING_TO_FIX);
    for e in std::fs::read_dir(examples()).unwrap().flatten() {
        if e.path().join("web.config").is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                named.contains(&name.as_str()),
                "examples/{name} has no `fix` expectation in this test"
            );
        }
    }
}

#[test]
fn fix_round_trips_every_broken_example() {
    for case in CASES {
        let (_tmp, dir) = copy_example(case.name);
        let d = dir.to_str().unwrap();
        let wc = dir.join("web.config");
        let original = std::fs::read(&wc).unwrap();
        let before = snapshot(&dir);
        let problems_before = problems(&dir);
        let fixed = |(c, m): &(String, String)| {
            case.fixes
                .iter()
                .any(|(check, part)| c == check && m.contains(part))
        };
        for (check, part) in case.fixes {
            assert!(
                problems_before
                    .iter()
                    .any(|(c, m)| c == check && m.contains(part)),
                "{}: doctor reports nothing for `{check}` before the fix: {problems_before:?}",
                case.name
            );
        }

        // Default: a diff, nothing written, exit 1.
        let o = ancm(&["fix", "--host", "none", d]);
        assert_eq!(code(&o), 1, "{}: {}", case.name, text(&o.stderr));
        let diff = text(&o.stdout);
        assert!(
            diff.starts_with("--- a/web.config\n+++ b/web.config\n"),
            "{diff}"
        );
        for (from, to) in case.replace {
            let minus = diff.lines().any(|l| l.starts_with('-') && l.contains(from));
            let plus = diff.lines().any(|l| l.starts_with('+') && l.contains(to));
            assert!(
                minus && plus,
                "{}: `{from}` → `{to}` not in\n{diff}",
                case.name
            );
        }
        for f in case.folders {
            assert!(
                text(&o.stderr).contains(&format!("create folder `.\\{f}`")),
                "{}: {}",
                case.name,
                text(&o.stderr)
            );
        }
        assert_eq!(
            snapshot(&dir),
            before,
            "{}: `fix` without --write wrote",
            case.name
        );

        // --write: backup, exact replacement, folders.
        let o = ancm(&["fix", "--host", "none", "--write", d]);
        assert_eq!(code(&o), 0, "{}: {}", case.name, text(&o.stderr));
        let expected = replaced(&text(&original), case.replace);
        assert_eq!(
            text(&std::fs::read(&wc).unwrap()),
            expected,
            "{}: bytes outside the changed attributes differ",
            case.name
        );
        let after = snapshot(&dir);
        let backups: Vec<&PathBuf> = after
            .keys()
            .filter(|k| k.to_string_lossy().starts_with("web.config.bak-"))
            .collect();
        assert_eq!(backups.len(), 1, "{}: {after:?}", case.name);
        assert_eq!(
            after[backups[0]].as_deref(),
            Some(original.as_slice()),
            "{}: the backup is not the original",
            case.name
        );
        for f in case.folders {
            assert!(dir.join(f).is_dir(), "{}: `{f}` not created", case.name);
        }
        let added: Vec<&PathBuf> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        assert_eq!(
            added.len(),
            1 + case.folders.len(),
            "{}: only the backup and the folders are new: {added:?}",
            case.name
        );

        // doctor no longer reports what was fixed; nothing new appears.
        let problems_after = problems(&dir);
        let still: Vec<_> = problems_after.iter().filter(|p| fixed(p)).collect();
        assert!(
            still.is_empty(),
            "{}: still reported after the fix: {still:?}",
            case.name
        );
        let new: Vec<_> = problems_after
            .iter()
            .filter(|p| !problems_before.contains(p))
            .collect();
        assert!(new.is_empty(), "{}: the fix introduced {new:?}", case.name);

        // And a second `fix` has nothing left to do.
        let o = ancm(&["fix", "--host", "none", d]);
        assert_eq!(
            code(&o),
            0,
            "{}: {}{}",
            case.name,
            text(&o.stdout),
            text(&o.stderr)
        );
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn nothing_is_proposed_for_healthy_or_unfixable_examples() {
    for name in NOTHING_TO_FIX {
        let (_tmp, dir) = copy_example(name);
        let before = snapshot(&dir);
        for write in [false, true] {
            let mut args = vec!["fix", "--host", "none", dir.to_str().unwrap()];
            if write {
                args.push("--write");
            }
            let o = ancm(&args);
            assert_eq!(code(&o), 0, "{name}: {}", text(&o.stderr));
            assert!(o.stdout.is_empty(), "{name}: {}", text(&o.stdout));
            assert!(
                text(&o.stderr).contains("nothing to fix"),
                "{name}: {}",
                text(&o.stderr)
            );
            assert_eq!(snapshot(&dir), before, "{name}: written");
        }
    }
}

fn utf16(s: &str, le: bool) -> Vec<u8> {
    let mut b = if le {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for u in s.encode_utf16() {
        b.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    b
}

/// The seed's web.config as someone's editor saved it: CRLF, a comment, single quotes, other
/// sections, a non-ASCII character; then UTF-16 LE and BE with a BOM, and UTF-8 with a BOM.
#[test]
fn encodings_quoting_and_everything_else_survive() {
    let xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<!-- Déployé par l'équipe web -->\r\n<configuration>\r\n  <appSettings><add key=\"k\" value=\"v\" /></appSettings>\r\n  <system.webServer>\r\n    <handlers>\r\n      <add name=\"aspNetCore\" path=\"*\" verb=\"*\" modules='AspNetCoreModule' resourceType=\"Unspecified\"/>\r\n    </handlers>\r\n    <aspNetCore processPath='%LAUNCHER_PATH%'\r\n                arguments = '%LAUNCHER_ARGS% --verbose'   stdoutLogEnabled=\"false\" >\r\n      <environmentVariables><environmentVariable name=\"A\" value=\"&amp;b\" /></environmentVariables>\r\n    </aspNetCore>\r\n  </system.webServer>\r\n</configuration>\r\n";
    let want = xml
        .replace("modules='AspNetCoreModule'", "modules='AspNetCoreModuleV2'")
        .replace("processPath='%LAUNCHER_PATH%'", "processPath='dotnet'")
        .replace(
            "arguments = '%LAUNCHER_ARGS% --verbose'",
            r"arguments = '.\HelloWorld.dll --verbose'",
        );
    let mut bom8 = vec![0xEF, 0xBB, 0xBF];
    bom8.extend(xml.as_bytes());
    let mut want8 = vec![0xEF, 0xBB, 0xBF];
    want8.extend(want.as_bytes());
    for (label, bytes, expected) in [
        ("UTF-16 LE", utf16(xml, true), utf16(&want, true)),
        ("UTF-16 BE", utf16(xml, false), utf16(&want, false)),
        ("UTF-8 BOM", bom8, want8),
    ] {
        let (_tmp, dir) = copy_example("launcher-placeholders");
        let wc = dir.join("web.config");
        std::fs::write(&wc, &bytes).unwrap();
        let o = ancm(&["fix", "--host", "none", "--write", dir.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{label}: {}", text(&o.stderr));
        let got = std::fs::read(&wc).unwrap();
        assert_eq!(got[..3], expected[..3], "{label}: the BOM changed");
        assert!(
            got == expected,
            "{label}: bytes outside the edited attributes changed"
        );
        let problems = problems(&dir);
        assert!(
            !problems
                .iter()
                .any(|(c, _)| c == "launcher-placeholders" || c == "handler-module"),
            "{label}: {problems:?}"
        );
    }
}

#[test]
fn hostile_input_is_one_line_and_exit_2() {
    let (_tmp, dir) = copy_example("launcher-placeholders");
    let d = dir.to_str().unwrap().to_string();
    let wc = dir.join("web.config");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated",
            b"<configuration><system.webServer><aspNetCore processPath=\"x\"".to_vec(),
            "web.config:1:",
        ),
        (
            "binary",
            vec![0x3C, 0x01, 0x02, 0xFF, 0x00, 0x7F],
            "web.config:1:",
        ),
        (
            "utf-16 without BOM",
            "<configuration/>"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect(),
            "NUL byte",
        ),
        ("huge", vec![b' '; 300 * 1024], "larger than IIS accepts"),
    ];
    for (label, bytes, says) in cases {
        std::fs::write(&wc, &bytes).unwrap();
        let before = snapshot(&dir);
        for write in [false, true] {
            let mut args = vec!["fix", "--host", "none", d.as_str()];
            if write {
                args.push("--write");
            }
            let o = ancm(&args);
            let err = text(&o.stderr);
            assert_eq!(code(&o), 2, "{label}: {err}");
            assert_eq!(err.lines().count(), 1, "{label}: {err}");
            assert!(
                err.starts_with("error: ") && err.contains(says),
                "{label}: {err}"
            );
            assert!(o.stdout.is_empty());
            assert_eq!(snapshot(&dir), before, "{label}: written");
        }
    }
    std::fs::remove_file(&wc).unwrap();
    let o = ancm(&["fix", d.as_str()]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("no `web.config` to fix"),
        "{}",
        text(&o.stderr)
    );
    let o = ancm(&["fix", dir.join("nope").to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert_eq!(text(&o.stderr).lines().count(), 1);
}

/// The file changes between the read the diff was made from and the write: the write is
/// refused, the other writer's bytes stay, no backup, temporary file or folder is left.
#[test]
fn a_concurrent_change_is_refused_and_nothing_is_written() {
    let (_tmp, dir) = copy_example("stdout-log-folder-missing");
    let proposal = fix::propose(&dir, &HostFacts::default()).expect("proposal");
    assert!(!proposal.is_empty());
    let theirs = b"<configuration><!-- someone else's deployment --></configuration>";
    std::fs::write(dir.join("web.config"), theirs).unwrap();
    let before = snapshot(&dir);
    let e = fix::write::commit(
        &proposal.path,
        &proposal.original,
        &proposal.new_bytes,
        &proposal.folders,
        "20260101T000000Z",
    )
    .expect_err("refused");
    assert!(matches!(e, fix::write::WriteError::Changed { .. }), "{e}");
    assert!(e.to_string().contains("changed since ancm read it"), "{e}");
    assert_eq!(snapshot(&dir), before, "something was written");
    assert_eq!(std::fs::read(dir.join("web.config")).unwrap(), theirs);

    // The same bytes again: written.
    std::fs::write(dir.join("web.config"), &proposal.original).unwrap();
    let w = fix::write::commit(
        &proposal.path,
        &proposal.original,
        &proposal.new_bytes,
        &proposal.folders,
        "20260101T000000Z",
    )
    .expect("written");
    assert_eq!(std::fs::read(&w.backup).unwrap(), proposal.original);
    assert_eq!(
        std::fs::read(dir.join("web.config")).unwrap(),
        proposal.new_bytes
    );
    assert_eq!(w.folders, vec![dir.join("logs")]);
}

/// `doctor` names `ancm fix` on the findings it fixes (help text and JSON `fix_command`), and
/// that command, run as printed, makes them go away.
#[test]
fn doctor_names_the_fix_on_fixable_findings_only() {
    let (_tmp, dir) = copy_example("launcher-placeholders");
    let d = dir.to_str().unwrap();
    let o = ancm(&[
        "doctor", "--static", "--host", "none", "--format", "json", d,
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut commands = BTreeMap::new();
    for c in v["checks"].as_array().unwrap() {
        for f in c["findings"].as_array().into_iter().flatten() {
            if let Some(cmd) = f["fix_command"].as_str() {
                assert!(f["fix"].as_str().unwrap().contains(cmd), "{f}");
                commands.insert(c["id"].as_str().unwrap().to_string(), cmd.to_string());
            }
        }
    }
    assert_eq!(
        commands.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["handler-module", "launcher-placeholders"]
    );
    assert_eq!(
        commands["launcher-placeholders"],
        format!("ancm fix --host none {d}")
    );
    let human = ancm(&["doctor", "--static", "--host", "none", d]);
    assert!(
        text(&human.stdout).contains("`ancm fix --host"),
        "{}",
        text(&human.stdout)
    );

    let healthy = examples().join("healthy-portable");
    let o = ancm(&[
        "doctor",
        "--static",
        "--host",
        "none",
        "--format",
        "json",
        healthy.to_str().unwrap(),
    ]);
    assert!(!text(&o.stdout).contains("fix_command"));
    // apphost-without-dll needs the missing dll deployed, not a web.config edit.
    let unfixable = examples().join("apphost-without-dll");
    let o = ancm(&[
        "doctor",
        "--static",
        "--host",
        "none",
        "--format",
        "json",
        unfixable.to_str().unwrap(),
    ]);
    assert!(!text(&o.stdout).contains("fix_command"));
}

/// `fix --write --confirm` waiting for its answer, the file changed by someone else meanwhile:
/// after `y` the write is refused with exit 2 and nothing is written. Deterministic: the change
/// happens while ancm is blocked on stdin, after it printed the diff.
#[test]
fn a_change_while_fix_waits_for_confirmation_is_refused_with_exit_2() {
    use std::io::{Read, Write};
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let run = |dir: &Path, answer: &str, meanwhile: &dyn Fn()| -> (i32, String, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ancm"))
            .args(["fix", "--host", "none", "--write", "--confirm"])
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ancm");
        let err = Arc::new(Mutex::new(Vec::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = err.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        while !text(&err.lock().unwrap()).contains("write this change? [y/N]") {
            assert!(
                Instant::now() < deadline,
                "no prompt: {}",
                text(&err.lock().unwrap())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        meanwhile();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(answer.as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().expect("ancm ends");
        reader.join().unwrap();
        let e = text(&err.lock().unwrap());
        (out.status.code().unwrap(), text(&out.stdout), e)
    };

    // Changed while waiting: refused.
    let (_tmp, dir) = copy_example("stdout-log-folder-missing");
    let theirs = b"<configuration><!-- deployed meanwhile --></configuration>\n".to_vec();
    let wc = dir.join("web.config");
    let (code, stdout, stderr) = run(&dir, "y\n", &|| std::fs::write(&wc, &theirs).unwrap());
    assert!(stdout.starts_with("--- a/web.config"), "{stdout}");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("changed since ancm read it"), "{stderr}");
    assert_eq!(std::fs::read(&wc).unwrap(), theirs);
    let names: Vec<_> = snapshot(&dir).into_keys().collect();
    assert!(
        !names.iter().any(|n| n.to_string_lossy().contains(".bak-")) && !dir.join("logs").exists(),
        "written: {names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.to_string_lossy().starts_with(".web.config")),
        "a temporary file was left: {names:?}"
    );

    // Not confirmed: nothing written, exit 1. Confirmed and unchanged: written, exit 0.
    let (_tmp, dir) = copy_example("stdout-log-folder-missing");
    let before = snapshot(&dir);
    let (code, _, stderr) = run(&dir, "n\n", &|| {});
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(snapshot(&dir), before);
    let (code, _, stderr) = run(&dir, "y\n", &|| {});
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.join("logs").is_dir());
}

/// The handler's module follows the server's facts (`--host FILE`): a server that registers
/// only ANCM V1 keeps `AspNetCoreModule`, one with V2 gets `AspNetCoreModuleV2`; the launch is
/// fixed either way.
#[test]
fn the_module_follows_the_host_snapshot() {
    let snapshot =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/server/snapshot.json");
    let v2 = std::fs::read_to_string(&snapshot).unwrap();
    assert!(v2.contains("\"AspNetCoreModuleV2\""));
    let tmp = tempfile::tempdir().unwrap();
    let v1_path = tmp.path().join("v1-only.json");
    std::fs::write(
        &v1_path,
        v2.replace("\"AspNetCoreModuleV2\"", "\"AspNetCoreModule\""),
    )
    .unwrap();
    for (host, module_changes) in [(snapshot.as_path(), true), (v1_path.as_path(), false)] {
        let (_tmp, dir) = copy_example("launcher-placeholders");
        let o = ancm(&[
            "fix",
            "--host",
            host.to_str().unwrap(),
            dir.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 1, "{}", text(&o.stderr));
        let diff = text(&o.stdout);
        assert!(
            diff.contains(r#"+    <aspNetCore processPath="dotnet" arguments=".\HelloWorld.dll""#),
            "{diff}"
        );
        assert_eq!(
            diff.contains(
                r#"+      <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2""#
            ),
            module_changes,
            "{}: {diff}",
            host.display()
        );
    }
}

/// A framework-dependent app published with its apphost (`-r win-x64`): publish writes
/// `processPath=".\App.exe"` and no `arguments` once the launcher placeholder is gone, so the
/// attribute is removed with the blank before it.
#[test]
fn an_apphost_app_gets_its_exe_and_loses_empty_arguments() {
    let (_tmp, dir) = copy_example("launcher-placeholders");
    std::fs::copy(
        examples().join("apphost-without-dll/HelloWorld.exe"),
        dir.join("HelloWorld.exe"),
    )
    .unwrap();
    let wc = dir.join("web.config");
    let original = text(&std::fs::read(&wc).unwrap());
    let o = ancm(&["fix", "--host", "none", "--write", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let expected = replaced(
        &original,
        &[
            (
                r#"modules="AspNetCoreModule""#,
                r#"modules="AspNetCoreModuleV2""#,
            ),
            (
                r#"processPath="%LAUNCHER_PATH%" arguments="%LAUNCHER_ARGS%""#,
                r#"processPath=".\HelloWorld.exe""#,
            ),
        ],
    );
    assert_eq!(text(&std::fs::read(&wc).unwrap()), expected);
    let after = problems(&dir);
    assert!(
        !after
            .iter()
            .any(|(c, _)| c == "launcher-placeholders" || c == "process-path"),
        "{after:?}"
    );
}
