//! The bad-input catalog: hostile or broken inputs for every reader `ancm` has — web.config,
//! runtimeconfig.json, deps.json, the app's binaries, the app folder itself, app_offline.htm,
//! the host snapshot, `explain`'s paste, applicationHost.config — each run through the real
//! binary (or, for applicationHost.config, which only a Windows probe reads from disk, the
//! library reader). Every case must end in a clear result: a one-line `error:` naming the file
//! (exit 2 when ancm could not do its job, 1 for a web.config IIS cannot read — a diagnosed
//! 500.19), or a report whose finding names the file, or a normal pass. Never a panic, and
//! bounded: each run has a 60 s kill timer and a 2 GiB address-space limit (`RLIMIT_AS`), so an
//! unbounded read or a hang fails the case instead of passing slowly.
#![cfg(unix)]
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Address space allowed to each `ancm` run: far above what any case needs (tens of MB), far
/// below what reading a 4 GB file or expanding a billion-laughs entity would take.
const MEMORY_LIMIT: u64 = 2 << 30;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn report(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{}\n{}", self.stdout, self.stderr))
    }

    /// The check `id` in the JSON report.
    fn check(&self, id: &str) -> Value {
        self.report()["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no `{id}` in the report"))
            .clone()
    }

    /// Exit 2 (ancm could not do its job) and exactly one `error:` line on stderr containing
    /// every `expect`.
    fn one_line_error(&self, expect: &[&str]) -> String {
        self.one_line(2, expect)
    }

    /// A web.config IIS cannot read is a diagnosed 500.19, so a finding (exit 1, README "Exit
    /// codes"), still with exactly one `error:` line on stderr naming the file and position.
    fn one_line_finding(&self, expect: &[&str]) -> String {
        self.one_line(1, expect)
    }

    fn one_line(&self, code: i32, expect: &[&str]) -> String {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {:?}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        for e in expect {
            assert!(lines[0].contains(e), "`{e}` not in: {}", lines[0]);
        }
        lines[0].to_string()
    }
}

/// `ancm ARGS` with the catalog's bounds; `uid` runs it as another user (root reads files
/// whatever their mode, so an unreadable file needs a non-root reader).
fn ancm_as(args: &[&std::ffi::OsStr], uid: Option<u32>) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ancm"));
    cmd.args(args).env("NO_COLOR", "1");
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    // SAFETY: setrlimit is async-signal-safe and touches only the child being set up.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY_LIMIT,
                rlim_max: MEMORY_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = assert_cmd::Command::from_std(cmd)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("run ancm");
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
    assert!(
        !run.stderr.contains("memory allocation") && !run.stderr.contains("out of memory"),
        "ancm ran out of its {MEMORY_LIMIT}-byte budget:\n{}",
        run.stderr
    );
    assert_ne!(
        run.code, -1,
        "ancm was killed (timeout or signal):\n{}",
        run.stderr
    );
    run
}

fn ancm(args: &[&str]) -> Run {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    ancm_as(&args, None)
}

fn doctor(dir: &Path) -> Run {
    ancm(&[
        "doctor",
        "--static",
        "--format",
        "json",
        dir.to_str().expect("utf-8 temp path"),
    ])
}

/// A healthy framework-dependent app (web.config, App.dll, runtimeconfig, deps.json), to break
/// one file at a time.
fn healthy_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/healthy-portable");
    for f in [
        "web.config",
        "HelloWorld.dll",
        "HelloWorld.runtimeconfig.json",
        "HelloWorld.deps.json",
    ] {
        std::fs::copy(src.join(f), dir.path().join(f)).expect("copy example");
    }
    dir
}

fn replace(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    std::fs::write(&p, bytes).expect("write");
    p
}

fn fifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let c = std::ffi::CString::new(path.to_str().expect("utf-8")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

fn sparse(path: &Path, len: u64) {
    let _ = std::fs::remove_file(path);
    std::fs::File::create(path)
        .and_then(|f| f.set_len(len))
        .expect("sparse file");
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut b = vec![0xFF, 0xFE];
    b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    b
}

/// The first finding's message of check `id`, asserting the outcome.
fn finding(run: &Run, id: &str, outcome: &str) -> String {
    let c = run.check(id);
    assert_eq!(c["outcome"], outcome, "{c:#}\n{}", run.stderr);
    c["findings"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

const RC_OK: &str = r#"{"runtimeOptions":{"tfm":"netcoreapp3.1","framework":{"name":"Microsoft.NETCore.App","version":"3.1.0"},"configProperties":{"System.Globalization.Invariant":true}}}"#;

// ---- web.config -------------------------------------------------------------------------

#[test]
fn web_config_truncated_utf16_is_a_located_error() {
    let app = healthy_app();
    let text = std::fs::read_to_string(app.path().join("web.config")).unwrap();
    let mut bytes = utf16le(&text);
    bytes.truncate(bytes.len() / 2 + 1); // odd length, cut mid-element
    replace(app.path(), "web.config", &bytes);
    doctor(app.path()).one_line_finding(&["web.config"]);
}

#[test]
fn web_config_that_is_only_a_utf8_bom() {
    let app = healthy_app();
    replace(app.path(), "web.config", b"\xEF\xBB\xBF");
    doctor(app.path()).one_line_finding(&["web.config"]);
}

#[test]
fn web_config_that_is_only_a_utf16_bom() {
    let app = healthy_app();
    replace(app.path(), "web.config", b"\xFF\xFE");
    doctor(app.path()).one_line_finding(&["web.config"]);
}

#[test]
fn web_config_billion_laughs_is_not_expanded() {
    let mut dtd = String::from("<!DOCTYPE configuration [<!ENTITY l0 \"lol\">");
    for i in 1..10 {
        dtd.push_str(&format!(
            "<!ENTITY l{i} \"{}\">",
            format!("&l{};", i - 1).repeat(10)
        ));
    }
    dtd.push_str("]>");
    let app = healthy_app();
    replace(
        app.path(),
        "web.config",
        format!("<?xml version=\"1.0\"?>{dtd}<configuration><x a=\"&l9;\"/></configuration>")
            .as_bytes(),
    );
    let run = doctor(app.path());
    assert!(run.code == 1 || run.code == 2, "{}", run.stderr);
    assert!(
        run.stdout.len() < 1 << 20,
        "entity expanded into the report"
    );
}

#[test]
fn web_config_external_entity_is_never_read() {
    let app = healthy_app();
    let secret = app.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-VALUE").unwrap();
    replace(
        app.path(),
        "web.config",
        format!(
            "<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY x SYSTEM \"file://{}\">]><configuration><system.webServer><aspNetCore processPath=\"&x;\"/></system.webServer></configuration>",
            secret.display()
        )
        .as_bytes(),
    );
    let run = doctor(app.path());
    assert!(!run.stdout.contains("TOP-SECRET") && !run.stderr.contains("TOP-SECRET"));
}

#[test]
fn web_config_20000_deep_is_parsed_without_recursion() {
    let app = healthy_app();
    let deep = format!(
        "<configuration>{}{}</configuration>",
        "<a>".repeat(20_000),
        "</a>".repeat(20_000)
    );
    replace(app.path(), "web.config", deep.as_bytes());
    let run = doctor(app.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        finding(&run, "web-config", "fail").contains("ASP.NET Core Module"),
        "{}",
        run.stdout
    );
}

#[test]
fn web_config_with_nul_bytes_is_a_located_error() {
    let app = healthy_app();
    let text = std::fs::read(app.path().join("web.config")).unwrap();
    let mut bytes = text[..60].to_vec();
    bytes.extend(b"\0\0\0");
    bytes.extend(&text[60..]);
    replace(app.path(), "web.config", &bytes);
    doctor(app.path()).one_line_finding(&["web.config:3:6:", "NUL byte"]);
}

#[test]
fn web_config_that_is_a_fifo_is_refused_without_opening_it() {
    let app = healthy_app();
    fifo(&app.path().join("web.config"));
    doctor(app.path()).one_line_finding(&["web.config", "not a regular file"]);
}

#[test]
fn web_config_that_is_a_folder() {
    let app = healthy_app();
    std::fs::remove_file(app.path().join("web.config")).unwrap();
    std::fs::create_dir(app.path().join("web.config")).unwrap();
    doctor(app.path()).one_line_finding(&["web.config", "is a folder"]);
}

#[test]
fn web_config_symlink_loop() {
    let app = healthy_app();
    std::fs::remove_file(app.path().join("web.config")).unwrap();
    std::os::unix::fs::symlink("loop.b", app.path().join("web.config")).unwrap();
    std::os::unix::fs::symlink("web.config", app.path().join("loop.b")).unwrap();
    doctor(app.path()).one_line_finding(&["web.config", "symbolic links"]);
}

/// Root reads a mode-000 file anyway (CAP_DAC_OVERRIDE), so this case runs `ancm` as `nobody`
/// (uid 65534) when the test runs as root, where the permission error is real.
#[test]
fn web_config_unreadable_for_the_user_running_ancm() {
    use std::os::unix::fs::PermissionsExt;
    let app = healthy_app();
    let wc = app.path().join("web.config");
    std::fs::set_permissions(&wc, std::fs::Permissions::from_mode(0o000)).unwrap();
    // The folder must be enterable by the other user; the binary is already world-executable.
    std::fs::set_permissions(app.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: geteuid has no preconditions.
    let uid = (unsafe { libc::geteuid() } == 0).then_some(65534);
    let run = ancm_as(
        &[
            "doctor".as_ref(),
            "--static".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            app.path().as_os_str(),
        ],
        uid,
    );
    run.one_line_finding(&["web.config", "ermission denied"]);
}

// ---- runtimeconfig.json ----------------------------------------------------------------

/// The host accepts comments (rapidjson `kParseCommentsFlag`, and 3.1's parser; see
/// `real_host_agrees_on_comments_and_trailing_commas`): so must ancm.
#[test]
fn runtimeconfig_with_comments_is_accepted_like_the_host() {
    let app = healthy_app();
    replace(
        app.path(),
        "HelloWorld.runtimeconfig.json",
        format!(
            "// generated\n{{ /* the app */ \"runtimeOptions\": {} }}\n",
            &RC_OK[18..RC_OK.len() - 1]
        )
        .as_bytes(),
    );
    let run = doctor(app.path());
    assert_eq!(
        run.check("runtime-config")["outcome"],
        "pass",
        "{}",
        run.stdout
    );
}

#[test]
fn runtimeconfig_with_trailing_commas_is_refused_like_the_host() {
    let app = healthy_app();
    replace(
        app.path(),
        "HelloWorld.runtimeconfig.json",
        b"{\n  \"runtimeOptions\": {\n    \"tfm\": \"netcoreapp3.1\",\n  },\n}\n",
    );
    let run = doctor(app.path());
    let m = finding(&run, "runtime-config", "fail");
    assert!(m.contains("HelloWorld.runtimeconfig.json:4:"), "{m}");
}

#[test]
fn runtimeconfig_that_is_only_a_bom() {
    let app = healthy_app();
    replace(app.path(), "HelloWorld.runtimeconfig.json", b"\xEF\xBB\xBF");
    let m = finding(&doctor(app.path()), "runtime-config", "fail");
    assert!(m.contains("HelloWorld.runtimeconfig.json:1:"), "{m}");
}

#[test]
fn runtimeconfig_20000_deep_is_an_error_not_a_stack_overflow() {
    let app = healthy_app();
    let deep = format!(
        "{{\"runtimeOptions\":{}{}}}",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    replace(app.path(), "HelloWorld.runtimeconfig.json", deep.as_bytes());
    let m = finding(&doctor(app.path()), "runtime-config", "fail");
    assert!(
        m.contains("recursion limit") && m.contains("runtimeconfig.json:1:"),
        "{m}"
    );
}

#[test]
fn runtimeconfig_with_nul_bytes() {
    let app = healthy_app();
    let mut b = RC_OK.as_bytes()[..40].to_vec();
    b.push(0);
    b.extend(&RC_OK.as_bytes()[40..]);
    replace(app.path(), "HelloWorld.runtimeconfig.json", &b);
    let m = finding(&doctor(app.path()), "runtime-config", "fail");
    assert!(m.contains("runtimeconfig.json:1:41"), "{m}");
}

#[test]
fn runtimeconfig_that_is_a_fifo() {
    let app = healthy_app();
    fifo(&app.path().join("HelloWorld.runtimeconfig.json"));
    let m = finding(&doctor(app.path()), "runtime-config", "fail");
    assert!(
        m.contains("HelloWorld.runtimeconfig.json") && m.contains("not a regular file"),
        "{m}"
    );
}

#[test]
fn runtimeconfig_sparse_4gb_is_refused_from_its_size() {
    let app = healthy_app();
    sparse(&app.path().join("HelloWorld.runtimeconfig.json"), 4 << 30);
    let m = finding(&doctor(app.path()), "runtime-config", "fail");
    assert!(
        m.contains("HelloWorld.runtimeconfig.json") && m.contains("4294967296 bytes"),
        "{m}"
    );
}

#[test]
fn runtimeconfig_whose_root_is_not_an_object() {
    let app = healthy_app();
    replace(
        app.path(),
        "HelloWorld.runtimeconfig.json",
        b"[\"runtimeOptions\"]",
    );
    let m = finding(&doctor(app.path()), "runtime-config", "fail");
    assert!(
        m.contains("HelloWorld.runtimeconfig.json") && m.contains("not a JSON object"),
        "{m}"
    );
}

// ---- deps.json ---------------------------------------------------------------------------

/// This one hung for ever before: deps.json was read with `fs::read`, which blocks on a FIFO.
#[test]
fn deps_json_that_is_a_fifo_is_refused_without_opening_it() {
    let app = healthy_app();
    fifo(&app.path().join("HelloWorld.deps.json"));
    let m = finding(&doctor(app.path()), "deps-assets", "fail");
    assert!(
        m.contains("HelloWorld.deps.json") && m.contains("not a regular file"),
        "{m}"
    );
}

#[test]
fn deps_json_that_is_a_folder() {
    let app = healthy_app();
    std::fs::remove_file(app.path().join("HelloWorld.deps.json")).unwrap();
    std::fs::create_dir(app.path().join("HelloWorld.deps.json")).unwrap();
    let m = finding(&doctor(app.path()), "deps-assets", "fail");
    assert!(
        m.contains("HelloWorld.deps.json") && m.contains("is a folder"),
        "{m}"
    );
}

#[test]
fn deps_json_of_100_mb_is_skipped_within_bounds() {
    let app = healthy_app();
    let p = app.path().join("HelloWorld.deps.json");
    sparse(&p, 100 * 1024 * 1024);
    let run = doctor(app.path());
    let c = run.check("deps-assets");
    assert_eq!(c["outcome"], "skip", "{c:#}");
    let why = c["skip_reason"].as_str().unwrap_or_default();
    assert!(
        why.contains("HelloWorld.deps.json") && why.contains("104857600 bytes"),
        "{why}"
    );
}

#[test]
fn deps_json_of_40_mb_real_json_is_read() {
    // Under the limit: a real (if absurd) 40 MB deps.json is parsed, within the memory bound.
    let app = healthy_app();
    let mut libs = String::new();
    let mut i = 0;
    while libs.len() < 40 * 1024 * 1024 {
        libs.push_str(&format!(
            "\"Pkg{i}/1.0.0\":{{\"type\":\"package\",\"serviceable\":true,\"sha512\":\"sha512-{}\"}},",
            "A".repeat(88)
        ));
        i += 1;
    }
    libs.push_str(
        "\"HelloWorld/1.0.0\":{\"type\":\"project\",\"serviceable\":false,\"sha512\":\"\"}",
    );
    let json = format!(
        "{{\"runtimeTarget\":{{\"name\":\".NETCoreApp,Version=v3.1\"}},\"targets\":{{\".NETCoreApp,Version=v3.1\":{{\"HelloWorld/1.0.0\":{{\"runtime\":{{\"HelloWorld.dll\":{{}}}}}}}}}},\"libraries\":{{{libs}}}}}"
    );
    replace(app.path(), "HelloWorld.deps.json", json.as_bytes());
    let run = doctor(app.path());
    assert_eq!(
        run.check("deps-assets")["outcome"],
        "pass",
        "{}",
        run.stderr
    );
}

#[test]
fn deps_json_symlink_loop() {
    let app = healthy_app();
    let p = app.path().join("HelloWorld.deps.json");
    std::fs::remove_file(&p).unwrap();
    std::os::unix::fs::symlink("HelloWorld.deps.json", &p).unwrap();
    let m = finding(&doctor(app.path()), "deps-assets", "fail");
    assert!(
        m.contains("HelloWorld.deps.json") && m.contains("symbolic links"),
        "{m}"
    );
}

#[test]
fn deps_json_truncated_is_located() {
    let app = healthy_app();
    let text = std::fs::read(app.path().join("HelloWorld.deps.json")).unwrap();
    replace(app.path(), "HelloWorld.deps.json", &text[..text.len() / 2]);
    let m = finding(&doctor(app.path()), "deps-assets", "fail");
    assert!(m.contains("HelloWorld.deps.json:"), "{m}");
}

#[test]
fn deps_json_asset_paths_outside_the_app_are_not_followed() {
    let app = healthy_app();
    let json = r#"{"runtimeTarget":{"name":".NETCoreApp,Version=v3.1"},"targets":{".NETCoreApp,Version=v3.1":{"HelloWorld/1.0.0":{"runtime":{"HelloWorld.dll":{}}},"Evil/1.0.0":{"runtime":{"../../../../../../etc/passwd":{}, "/etc/shadow":{}, "C:\\Windows\\win.ini":{}}}}},"libraries":{"HelloWorld/1.0.0":{"type":"project"},"Evil/1.0.0":{"type":"project"}}}"#;
    replace(app.path(), "HelloWorld.deps.json", json.as_bytes());
    let run = doctor(app.path());
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(!run.stdout.contains("root:x:0:0"));
}

// ---- the app's binaries and the folder ---------------------------------------------------

#[test]
fn app_dll_truncated_pe_header() {
    let app = healthy_app();
    let dll = std::fs::read(app.path().join("HelloWorld.dll")).unwrap();
    replace(app.path(), "HelloWorld.dll", &dll[..0x90]);
    let run = doctor(app.path());
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
}

#[test]
fn app_dll_pe_offset_past_the_end() {
    let app = healthy_app();
    let mut mz = vec![0u8; 64];
    mz[0] = b'M';
    mz[1] = b'Z';
    mz[0x3c..0x40].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    replace(app.path(), "HelloWorld.dll", &mz);
    let run = doctor(app.path());
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
}

#[test]
fn app_dll_that_is_a_fifo() {
    let app = healthy_app();
    fifo(&app.path().join("HelloWorld.dll"));
    let run = doctor(app.path());
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
}

#[test]
fn apphost_that_is_a_link_to_a_device() {
    let app = healthy_app();
    std::os::unix::fs::symlink("/dev/zero", app.path().join("HelloWorld")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", app.path().join("HelloWorld.exe")).unwrap();
    let run = doctor(app.path());
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
}

#[test]
fn file_names_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let app = healthy_app();
    let name = std::ffi::OsStr::from_bytes(b"lib\xff\xfe.dll");
    std::fs::write(app.path().join(name), b"MZ").unwrap();
    std::fs::create_dir(app.path().join(std::ffi::OsStr::from_bytes(b"wwwroot\xc0"))).unwrap();
    let run = doctor(app.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn app_folder_path_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join(std::ffi::OsStr::from_bytes(b"site\xff"));
    std::fs::create_dir(&dir).unwrap();
    let src = healthy_app();
    for e in std::fs::read_dir(src.path()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let run = ancm_as(
        &[
            "doctor".as_ref(),
            "--static".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            dir.as_os_str(),
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn app_folder_that_is_a_symlink_loop() {
    let parent = tempfile::tempdir().unwrap();
    let a = parent.path().join("a");
    std::os::unix::fs::symlink("b", &a).unwrap();
    std::os::unix::fs::symlink("a", parent.path().join("b")).unwrap();
    doctor(&a).one_line_error(&["a"]);
}

#[test]
fn app_offline_htm_sparse_4gb_is_a_finding_not_a_read() {
    let app = healthy_app();
    sparse(&app.path().join("app_offline.htm"), 4 << 30);
    let m = finding(&doctor(app.path()), "app-offline", "fail");
    assert!(m.contains("app_offline.htm"), "{m}");
}

#[test]
fn app_offline_htm_that_is_a_folder() {
    let app = healthy_app();
    std::fs::create_dir(app.path().join("app_offline.htm")).unwrap();
    let run = doctor(app.path());
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
}

// ---- the host snapshot (`doctor --host FILE`) ------------------------------------------

fn doctor_with_host(snapshot: &[u8]) -> (Run, tempfile::TempDir) {
    let app = healthy_app();
    let p = replace(app.path(), "server.json", snapshot);
    let run = ancm(&[
        "doctor",
        "--static",
        "--format",
        "json",
        "--host",
        p.to_str().unwrap(),
        app.path().to_str().unwrap(),
    ]);
    (run, app)
}

#[test]
fn snapshot_from_a_newer_schema() {
    let (run, _app) =
        doctor_with_host(br#"{"schema":"ancm-host/2","os":"windows","arch":"x86_64","new":1}"#);
    run.one_line_error(&["server.json", "`ancm-host/2`", "`ancm-host/1`"]);
}

#[test]
fn snapshot_that_is_a_doctor_report() {
    let (run, _app) = doctor_with_host(br#"{"schema":"ancm-doctor/1","checks":[]}"#);
    run.one_line_error(&["server.json", "`ancm-doctor/1`"]);
}

#[test]
fn snapshot_that_is_empty() {
    let (run, _app) = doctor_with_host(b"");
    run.one_line_error(&["server.json:1:0", "invalid JSON"]);
}

#[test]
fn snapshot_20000_deep() {
    let deep = format!(
        "{{\"schema\":\"ancm-host/1\",\"x\":{}{}}}",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let (run, _app) = doctor_with_host(deep.as_bytes());
    run.one_line_error(&["server.json:1:", "recursion limit"]);
}

#[test]
fn snapshot_with_a_wrong_field_type() {
    let (run, _app) = doctor_with_host(
        br#"{"schema":"ancm-host/1","os":"windows","arch":"x86_64","process_path":"C:\\x"}"#,
    );
    run.one_line_error(&["server.json", "does not match `ancm-host/1`"]);
}

#[test]
fn snapshot_that_is_a_fifo() {
    let app = healthy_app();
    let p = app.path().join("server.json");
    fifo(&p);
    let run = ancm(&[
        "doctor",
        "--static",
        "--host",
        p.to_str().unwrap(),
        app.path().to_str().unwrap(),
    ]);
    run.one_line_error(&["server.json", "not a regular file"]);
}

// ---- `ancm explain` ----------------------------------------------------------------------

#[test]
fn explain_a_100_kb_paste() {
    // Linux caps one argument at 128 KiB (MAX_ARG_STRLEN): the largest paste a shell can pass.
    let paste =
        "Application '/LM/W3SVC/1/ROOT' failed ErrorCode = '0x80004005 : 80008083.\n".repeat(1_400);
    let run = ancm(&["explain", &paste]);
    assert!(run.code == 0 || run.code == 2, "{}", run.stderr);
    assert!(run.stdout.len() < 1 << 20);
}

#[test]
fn explain_invalid_utf8_and_control_characters() {
    use std::os::unix::ffi::OsStrExt;
    let arg = std::ffi::OsStr::from_bytes(b"0x8000\xff\x1b[31m8096");
    let run = ancm_as(&["explain".as_ref(), arg], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        !run.stderr.contains('\x1b'),
        "raw escape echoed: {:?}",
        run.stderr
    );
}

// ---- applicationHost.config (read by the Windows probe; the library reader here) ---------

#[test]
fn application_host_config_billion_laughs_truncated_utf16_and_deep_nesting() {
    use ancm_doctor::host::iis_config;
    let mut dtd = String::from("<!DOCTYPE configuration [<!ENTITY l0 \"lol\">");
    for i in 1..10 {
        dtd.push_str(&format!(
            "<!ENTITY l{i} \"{}\">",
            format!("&l{};", i - 1).repeat(10)
        ));
    }
    dtd.push_str("]>");
    let laughs = format!("{dtd}<configuration><system.applicationHost><sites><site name=\"&l9;\" id=\"1\"/></sites></system.applicationHost></configuration>");
    if let Ok(cfg) = iis_config::parse(laughs.as_bytes()) {
        assert!(
            cfg.sites.iter().all(|s| s.name.len() < 1 << 16),
            "entity expanded"
        );
    }
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/host/applicationHost.config"),
    )
    .unwrap();
    // Cut mid-file at an odd byte: read as far as it goes (the reader is lenient, as the
    // checks only look up what is there) or refused, never a panic.
    let mut half = utf16le(&good);
    half.truncate(half.len() / 2 + 1);
    let _ = iis_config::parse(&half);
    let deep = format!(
        "<configuration>{}{}</configuration>",
        "<a>".repeat(20_000),
        "</a>".repeat(20_000)
    );
    assert!(iis_config::parse(deep.as_bytes()).is_ok());
    let _ = iis_config::parse(b"\xEF\xBB\xBF");
    let _ = iis_config::parse(b"\xFF\xFE");
}

// ---- the real host agrees ---------------------------------------------------------------

/// Ground truth for the runtimeconfig cases: the real .NET 3.1 host (`.tools/`, `scripts/setup`)
/// starts an app whose runtimeconfig has comments and refuses one with a trailing comma, with
/// InvalidConfigFile (exit 147), as ancm says.
#[test]
#[ignore = "real .NET tier: needs ANCM_TEST_DOTNET (scripts/test sets it)"]
fn real_host_agrees_on_comments_and_trailing_commas() {
    let dotnet = std::env::var("ANCM_TEST_DOTNET").expect("ANCM_TEST_DOTNET (scripts/setup)");
    let app = healthy_app();
    let run_host = |rc: &str| {
        replace(app.path(), "HelloWorld.runtimeconfig.json", rc.as_bytes());
        let mut child = std::process::Command::new(&dotnet)
            .arg("HelloWorld.dll")
            .current_dir(app.path())
            .env("ASPNETCORE_PORT", "0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start dotnet");
        // A started app serves until killed; a refused config exits at once.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Some(status) = child.try_wait().expect("wait") {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    };
    let commented = format!(
        "// generated\n{{ /* the app */ \"runtimeOptions\": {} }}\n",
        &RC_OK[18..RC_OK.len() - 1]
    );
    assert_eq!(
        run_host(&commented),
        None,
        "the 3.1 host refused a runtimeconfig with comments"
    );
    let trailing = RC_OK.replace("\"3.1.0\"}", "\"3.1.0\",}");
    assert_eq!(
        run_host(&trailing),
        Some(147),
        "the 3.1 host accepted a trailing comma"
    );
}
