//! `ancm doctor` on the real ASP.NET Core 2.2 app's failures (Linux route): each mode of
//! `tests/real_app/Program.cs` diagnosed with the exception, file or code the real app printed,
//! and the healthy modes passing without a false warning. Black box (the `ancm` binary, JSON
//! report). Real-tool tests: `#[ignore]`d, run by `scripts/test` with `--include-ignored`.
#![cfg(target_os = "linux")]
#[path = "real_helpers.rs"]
mod real;

use real::*;

/// The live probe's outcome and all its text.
fn probe(mode: &str, env: &[(&str, &str)], attrs: &str) -> (serde_json::Value, i32, String) {
    let dir = real_app(mode, env, attrs);
    let (report, code) = doctor(dir.path(), &[]);
    let text = check_text(&report, "live-probe");
    (check(&report, "live-probe").clone(), code, text)
}

/// A healthy real app passes, with no warning from the probe: before the shutdown request carried
/// `Content-Length: 0`, Kestrel's 411 made every healthy app warn.
/// One real app at a time: ten Kestrel apps starting at once on a 2-core machine made one probe
/// fail in a full-suite run (not reproduced alone); the suite costs the same run in series.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_healthy_app_passes_without_a_shutdown_warning() {
    let _serial = serial();
    let (probe, code, text) = probe("healthy", &[], "");
    assert_eq!(probe["outcome"], "pass", "{text}");
    assert!(!text.contains("shutdown request"), "{text}");
    assert_eq!(code, 0, "{text}");
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_healthy_modes_pass() {
    let _serial = serial();
    let other = free_port().to_string();
    for (mode, env) in [
        ("no-integration", vec![]),
        ("urls-after", vec![("REALAPP_OTHER_PORT", other.as_str())]),
        ("listen-after", vec![("REALAPP_OTHER_PORT", other.as_str())]),
        ("slow-start", vec![("REALAPP_SLOW_START_MS", "2000")]),
    ] {
        let (probe, _, text) = probe(mode, &env, "");
        assert_eq!(probe["outcome"], "pass", "{mode}: {text}");
    }
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_exception_in_main_is_lifted_with_the_abort() {
    let _serial = serial();
    let (probe, code, text) = probe("throw-in-main", &[], "");
    assert_eq!(probe["outcome"], "fail");
    assert!(
        text.contains(
            "System.InvalidOperationException: realapp: thrown in Main before the host was built"
        ),
        "{text}"
    );
    assert!(text.contains("SIGABRT"), "{text}");
    assert!(text.contains("symptom: 502.5"), "{text}");
    assert_eq!(code, 1);
}

/// CaptureStartupErrors: the real app keeps listening and serves a 500 error page; the probe
/// lifts `Application startup exception:` and does not blame the IIS integration for the 500 the
/// shutdown request gets.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_exception_in_configure_is_lifted_from_the_500_page() {
    let _serial = serial();
    let (probe, code, text) = probe("throw-in-configure", &[], "");
    assert_eq!(probe["outcome"], "fail", "{text}");
    assert!(
        text.contains("System.InvalidOperationException: realapp: thrown in Startup.Configure"),
        "{text}"
    );
    assert!(text.contains("start-up exception above replaced"), "{text}");
    assert!(
        !text.contains("make sure the app uses the IIS integration"),
        "{text}"
    );
    assert_eq!(code, 1);
}

/// A malformed `appsettings.json`: the static check names file:line:col, the probe lifts the
/// real `FormatException`.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_bad_appsettings_json_is_found_statically_and_reproduced() {
    let _serial = serial();
    let dir = real_app("healthy", &[], "");
    std::fs::write(
        dir.path().join("appsettings.json"),
        "{\n  \"Logging\": {\n    \"LogLevel\": { \"Default\": \"Warning\" }\n  }\n  \"AllowedHosts\": \"*\"\n}\n",
    )
    .unwrap();
    let (report, code) = doctor(dir.path(), &[]);
    let stat = check(&report, "appsettings-json");
    assert_eq!(stat["outcome"], "fail", "{stat:#}");
    let f = &stat["findings"][0];
    assert_eq!(f["location"]["line"], 4, "{f:#}");
    assert!(f["location"]["file"]
        .as_str()
        .unwrap()
        .ends_with("appsettings.json"));
    let live = check_text(&report, "live-probe");
    assert!(live.contains("System.FormatException"), "{live}");
    assert!(live.contains("Could not parse the JSON file"), "{live}");
    assert_eq!(code, 1);

    // appsettings.Staging.json is read when web.config says Staging, and only then.
    let dir = real_app("healthy", &[("ASPNETCORE_ENVIRONMENT", "Staging")], "");
    std::fs::write(
        dir.path().join("appsettings.Staging.json"),
        "{\"a\": 1, \"A\": 2}",
    )
    .unwrap();
    let (report, _) = doctor(dir.path(), &[]);
    assert_eq!(check(&report, "appsettings-json")["outcome"], "fail");
    let live = check_text(&report, "live-probe");
    assert!(live.contains("A duplicate key 'A' was found."), "{live}");
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_exit_code_is_decoded() {
    let _serial = serial();
    let (probe, _, text) = probe("exit-code", &[("REALAPP_EXIT_CODE", "7")], "");
    assert_eq!(probe["outcome"], "fail");
    assert!(text.contains("exit code 7"), "{text}");
    assert!(text.contains("symptom: 502.5"), "{text}");
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_crash_on_a_request_is_lifted() {
    let _serial = serial();
    let (probe, _, text) = probe("crash-on-request", &[], "");
    assert_eq!(probe["outcome"], "fail");
    assert!(
        text.contains("crashed while handling the request with an unhandled `System.InvalidOperationException")
            && text.contains("realapp: crashed while handling /"),
        "{text}"
    );
    assert!(text.contains("symptom: 502.3"), "{text}");
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_hang_on_a_request_is_502_3() {
    let _serial = serial();
    let (probe, _, text) = probe("hang-on-request", &[], r#"requestTimeout="00:00:02""#);
    assert_eq!(probe["outcome"], "fail");
    assert!(text.contains("never answered"), "{text}");
    assert!(text.contains("symptom: 502.3"), "{text}");
}

#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_slow_start_beyond_the_limit_is_a_start_timeout() {
    let _serial = serial();
    let (probe, _, text) = probe(
        "slow-start",
        &[("REALAPP_SLOW_START_MS", "60000")],
        r#"startupTimeLimit="2""#,
    );
    assert_eq!(probe["outcome"], "fail");
    assert!(text.contains("symptom: 502.5"), "{text}");
    assert!(text.to_lowercase().contains("startuptimelimit"), "{text}");
}

/// An app writing into its own folder: doctor lets it (the app's own doing) and adds nothing of
/// its own there.
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_only_the_app_writes_into_its_folder() {
    let _serial = serial();
    let dir = real_app("write-file", &[], "");
    let before = names(dir.path());
    let (report, code) = doctor(dir.path(), &[]);
    assert_eq!(
        check(&report, "live-probe")["outcome"],
        "pass",
        "{:#}",
        check(&report, "live-probe")
    );
    assert_eq!(code, 0);
    let mut expected = before;
    expected.push("written-by-app.txt".to_string());
    expected.sort();
    assert_eq!(names(dir.path()), expected);
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `%LAUNCHER_ARGS%` after the app's `.dll` (a project web.config half fixed by hand): the real
/// app receives it literally and starts, its command-line configuration skipping the argument.
/// `launcher-placeholders` warns without claiming a failure, agreeing with the live probe; as
/// `dotnet`'s only argument it is a start failure (the muxer takes it for an SDK command).
#[test]
#[ignore = "real tier: needs scripts/setup (scripts/setup-real)"]
fn real_doctor_launcher_args_after_the_dll_only_warns() {
    let _serial = serial();
    let dir = real_app("healthy", &[], "");
    let wc = dir.path().join("web.config");
    let xml = std::fs::read_to_string(&wc).unwrap();
    let set = |args: &str| {
        std::fs::write(
            &wc,
            xml.replace(
                r#"arguments=".\App.dll""#,
                &format!(r#"arguments="{args}""#),
            ),
        )
        .unwrap();
    };
    set(r".\App.dll %LAUNCHER_ARGS%");
    let (report, code) = doctor(dir.path(), &[]);
    let text = check_text(&report, "live-probe");
    assert_eq!(check(&report, "live-probe")["outcome"], "pass", "{text}");
    let lp = check(&report, "launcher-placeholders");
    assert_eq!(lp["outcome"], "warn", "{lp:#}");
    assert!(lp["findings"][0]["symptom"].is_null(), "{lp:#}");
    assert_eq!(code, 0, "{report:#}");

    set("%LAUNCHER_ARGS%");
    let (report, code) = doctor(dir.path(), &[]);
    let lp = check(&report, "launcher-placeholders");
    assert_eq!(lp["outcome"], "fail", "{lp:#}");
    assert_eq!(lp["findings"][0]["symptom"], "502.5", "{lp:#}");
    assert_eq!(code, 1);
}
