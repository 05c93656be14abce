//! `ancm explain` end to end: the real binary, its output and exit codes.
use assert_cmd::Command;
use predicates::prelude::*;

fn explain(code: &str) -> assert_cmd::assert::Assert {
    Command::cargo_bin("ancm")
        .expect("binary built")
        .args(["explain", code])
        .env("NO_COLOR", "1")
        .assert()
}

#[test]
fn a_host_code_in_hex_shows_every_form() {
    explain("0x80008096")
        .success()
        .stdout(predicate::str::contains("FrameworkMissingFailure"))
        .stdout(predicate::str::contains("-2147450730"))
        .stdout(predicate::str::contains("2147516566"))
        .stdout(predicate::str::contains("150 (Unix exit byte"))
        .stdout(predicate::str::contains("fix:"))
        .stdout(predicate::str::contains(
            "source:  dotnet/runtime src/native/corehost/error_codes.h",
        ))
        .stdout(predicate::str::contains("hostfxr.md").not())
        .stdout(predicate::str::contains("readings").not());
}

#[test]
fn a_negative_decimal_is_read_as_the_signed_form() {
    explain("-2147450730")
        .success()
        .stdout(predicate::str::contains(
            "0x80008096 FrameworkMissingFailure",
        ))
        .stdout(predicate::str::contains("signed form"));
}

#[test]
fn an_exit_byte_lists_its_readings() {
    explain("150")
        .success()
        .stdout(predicate::str::starts_with("`150` has 2 readings:"))
        .stdout(predicate::str::contains(
            "1. 0x80008096 FrameworkMissingFailure",
        ))
        .stdout(predicate::str::contains("low 8 bits of 0x80008096"))
        .stdout(predicate::str::contains("2. exit code 150"));
}

#[test]
fn an_http_substatus_names_the_page_and_the_checks_behind_it() {
    explain("502.5")
        .success()
        .stdout(predicate::str::contains(
            "502.5 ANCM Out-Of-Process Startup Failure",
        ))
        .stdout(predicate::str::contains("meaning:"))
        .stdout(predicate::str::contains("fix:"));
    explain("HTTP 500.19")
        .success()
        .stdout(predicate::str::is_match(r"checks: .*\bweb-config\b").unwrap());
}

#[test]
fn a_check_id_prints_its_catalog_entry() {
    explain("web-config")
        .success()
        .stdout(predicate::str::starts_with("web-config: "))
        .stdout(predicate::str::contains("\nHow to fix\n  "))
        .stdout(predicate::str::contains("## ").not());
}

#[test]
fn an_unknown_code_is_exit_2_with_one_line_pointing_at_ancm_checks() {
    explain("definitely-not-a-code")
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("`ancm checks`"))
        .stderr(predicate::function(|s: &str| {
            s.trim_end().lines().count() == 1
        }));
}

#[test]
fn an_unknown_substatus_names_the_known_ones() {
    explain("502.4").code(2).stderr(predicate::str::contains(
        "known for 502: 502.2, 502.3, 502.5",
    ));
}

#[test]
fn a_check_id_names_its_symptoms() {
    explain("web-config")
        .success()
        .stdout(predicate::str::contains(
            "500.19 (Configuration data is invalid)",
        ));
}

#[test]
fn a_pasted_event_log_message_is_explained_by_its_error_code() {
    explain("Application '/LM/W3SVC/2/ROOT' with physical root 'C:\\app\\' failed to start process with commandline '\"dotnet\" .\\App.dll' at stage 'PostStartCheck', ErrorCode = '0x8027025b', assigned port 23456, retryCounter '1'.")
        .success()
        .stdout(predicate::str::starts_with("an event-log or error-page message, read as one message\n  ErrorCode 0x8027025B (E_APPLICATION_ACTIVATION_EXEC_FAILURE)"))
        .stdout(predicate::str::contains("\nErrorCode: 0x8027025B E_APPLICATION_ACTIVATION_EXEC_FAILURE"))
        .stdout(predicate::str::contains("readings").not());
}

#[test]
fn a_pasted_host_message_names_the_status_and_the_framework() {
    explain("It was not possible to find any compatible framework version\nThe framework 'Microsoft.AspNetCore.App', version '3.1.0' was not found.")
        .success()
        .stdout(predicate::str::starts_with("0x80008096 FrameworkMissingFailure"))
        .stdout(predicate::str::contains("missing: Microsoft.AspNetCore.App 3.1.0"));
}

#[test]
fn a_pasted_crash_names_the_exception() {
    explain("Unhandled exception. System.BadImageFormatException: Could not load file or assembly 'App.dll'.")
        .success()
        .stdout(predicate::str::starts_with("0xE0434352"))
        .stdout(predicate::str::contains("`System.BadImageFormatException`"));
}

/// The full `explain` layout, reviewed as a snapshot (`cargo insta review`).
#[test]
fn explain_output_layout() {
    for (name, code) in [("explain_150", "150"), ("explain_502_5", "502.5")] {
        let out = Command::cargo_bin("ancm")
            .unwrap()
            .args(["explain", code])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(out.status.success());
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        // The checks behind a symptom grow as checks are added; the layout is what is pinned.
        settings.add_filter(r"(?m)^   checks:  .*$", "   checks:  [catalog ids]");
        settings.bind(|| insta::assert_snapshot!(name, String::from_utf8(out.stdout).unwrap()));
    }
}
