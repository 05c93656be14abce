//! `knowledge::decode_process_exit` on real processes: what the live emulator will see when an
//! app exits with a host code, is killed by a signal, or exits cleanly.
#![cfg(unix)]
use ancm_doctor::knowledge::{decode_process_exit, Family};
use std::process::Command;

fn status_of(script: &str) -> std::process::ExitStatus {
    Command::new("sh").arg("-c").arg(script).status().unwrap()
}

#[test]
fn a_host_failure_exit_byte_is_decoded() {
    // What `dotnet app.dll` returns on Linux when the framework is missing: 0x80008096 & 0xFF.
    let r = decode_process_exit(status_of("exit 150"));
    assert_eq!(r[0].name, "FrameworkMissingFailure");
    assert_eq!(r[0].family, Family::HostStatus);
}

#[test]
fn a_signal_death_is_decoded() {
    let r = decode_process_exit(status_of("kill -ABRT $$"));
    assert_eq!(r[0].code, "SIGABRT");
    let r = decode_process_exit(status_of("kill -KILL $$"));
    assert_eq!(r[0].code, "SIGKILL");
}

#[test]
fn a_clean_exit_still_explains_why_ancm_fails_it() {
    let r = decode_process_exit(status_of("exit 0"));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].family, Family::ExitCode);
    assert!(r[0].cause.contains("0x8027025B"));
}

mod support;

/// The real .NET host (dotnetcore2 3.1.23) fails in three common IIS ways; each exit code must
/// decode to the host status hostfxr.md §2 names, first.
#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23 in .tools/)"]
fn the_real_host_s_exit_codes_decode_to_their_names() {
    let dotnet = support::dotnet();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("App.dll"), b"MZ").unwrap();
    let run = |dll: &str| {
        Command::new(&dotnet)
            .arg(dir.path().join(dll))
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .output()
            .unwrap()
            .status
    };
    // No runtimeconfig: run as self-contained, no hostpolicy next to the app.
    let r = decode_process_exit(run("App.dll"));
    assert_eq!(r[0].name, "CoreHostLibMissingFailure", "{r:?}");
    // A framework that is not installed (dotnetcore2 ships only Microsoft.NETCore.App).
    std::fs::write(
        dir.path().join("App.runtimeconfig.json"),
        r#"{"runtimeOptions":{"framework":{"name":"Microsoft.AspNetCore.App","version":"3.1.0"}}}"#,
    )
    .unwrap();
    let r = decode_process_exit(run("App.dll"));
    assert_eq!(r[0].name, "FrameworkMissingFailure", "{r:?}");
    // `arguments` naming a .dll that is not there: the muxer looks for an SDK.
    let r = decode_process_exit(run("Nope.dll"));
    assert_eq!(r[0].name, "LibHostSdkFindFailure", "{r:?}");
}

/// The real host's stderr, fed to `classify_host_message`, names the same failure as its exit
/// code, and the missing framework.
#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23 in .tools/)"]
fn the_real_host_s_messages_are_classified() {
    use ancm_doctor::knowledge::classify_host_message;
    let dotnet = support::dotnet();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("App.dll"), b"MZ").unwrap();
    let stderr_of = |dll: &str| {
        let out = Command::new(&dotnet)
            .arg(dir.path().join(dll))
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .output()
            .unwrap();
        // The host writes to stderr, some muxer texts to stdout: classify both.
        let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stdout));
        (text, out.status)
    };
    let (text, status) = stderr_of("App.dll");
    let m = classify_host_message(&text).unwrap_or_else(|| panic!("unrecognised: {text}"));
    assert_eq!(m.code & 0xFF, status.code().unwrap() as u32, "{text}");
    assert_eq!(m.code, 0x8000_8083);

    std::fs::write(
        dir.path().join("App.runtimeconfig.json"),
        r#"{"runtimeOptions":{"framework":{"name":"Microsoft.AspNetCore.App","version":"3.1.0"}}}"#,
    )
    .unwrap();
    let (text, status) = stderr_of("App.dll");
    let m = classify_host_message(&text).unwrap_or_else(|| panic!("unrecognised: {text}"));
    assert_eq!(m.code & 0xFF, status.code().unwrap() as u32);
    assert_eq!(
        m.framework,
        Some(("Microsoft.AspNetCore.App".to_string(), "3.1.0".to_string()))
    );

    let (text, status) = stderr_of("Nope.dll");
    let m = classify_host_message(&text).unwrap_or_else(|| panic!("unrecognised: {text}"));
    assert_eq!(m.code & 0xFF, status.code().unwrap() as u32, "{text}");
}

/// A real .NET app that throws at start-up: its stderr names the exception and its exit
/// decodes to a managed crash (SIGABRT on Linux).
#[test]
#[ignore = "needs scripts/setup (real dotnet 3.1.23 and mcs)"]
fn a_real_unhandled_exception_is_found_and_decoded() {
    use ancm_doctor::knowledge::unhandled_exception;
    let dir = tempfile::tempdir().unwrap();
    let dll = support::compile_csharp(
        dir.path(),
        "Crash",
        r#"class P { static void Main() { throw new System.InvalidOperationException("no connection string 'Db'"); } }"#,
        &support::netcore_runtimeconfig("3.1.0"),
    );
    let out = Command::new(support::dotnet()).arg(&dll).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let x = unhandled_exception(&stderr).unwrap_or_else(|| panic!("not found in: {stderr}"));
    assert_eq!(x.type_name, "System.InvalidOperationException");
    assert_eq!(x.message, "no connection string 'Db'");
    assert!(x.hint.is_some());
    let r = decode_process_exit(out.status);
    assert_eq!(r[0].code, "SIGABRT", "{:?}", out.status);
}
