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
