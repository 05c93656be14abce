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
        .stdout(predicate::str::contains("source:  hostfxr.md §2"))
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
        .stdout(predicate::str::contains("## How to fix"));
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
