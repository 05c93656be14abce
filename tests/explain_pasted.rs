//! `ancm explain` for what people paste: the HRESULTs and substatuses added for issue 11, several
//! codes in one call, a message on stdin (`explain -`), a pasted IIS-log or event-log line read
//! as one message, did-you-mean for a mistyped check id, and catalog entries rendered for a
//! terminal without Markdown syntax or references to files that do not ship with the binary.
use assert_cmd::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn explain_env(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::cargo_bin("ancm").expect("binary built");
    cmd.arg("explain").args(args).env_remove("FORCE_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let out = cmd.output().expect("ancm runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn explain(args: &[&str], stdin: Option<&str>) -> Run {
    explain_env(args, stdin, &[("NO_COLOR", "1")])
}

#[test]
fn each_new_code_is_known_in_the_forms_people_paste() {
    for (code, name, about) in [
        ("0x8007000d", "ERROR_INVALID_DATA", "500.19"),
        ("-2147024883", "ERROR_INVALID_DATA", "aspNetCore"),
        ("0x8007007E", "ERROR_MOD_NOT_FOUND", "failed to load"),
        ("-2147023570", "ERROR_LOGON_FAILURE", "app pool"),
        ("0x80070020", "ERROR_SHARING_VIOLATION", "app_offline.htm"),
        ("0x8007000e", "E_OUTOFMEMORY", "32-bit"),
        ("0x80070021", "ERROR_LOCK_VIOLATION", "overrideModeDefault"),
        ("0x800710DD", "ERROR_INVALID_OPERATION", "W3SVC"),
        ("-2147020579", "ERROR_INVALID_OPERATION", "net start was"),
        ("502.2", "CGI", "httpPlatformHandler"),
        ("500.22", "Integrated managed pipeline", "httpModules"),
        ("500.24", "impersonation", "impersonate"),
        (
            "500.33",
            "Request Handler Load Failure",
            "Microsoft.AspNetCore.App",
        ),
        (
            "500.36",
            "Out-Of-Process Handler Load Failure",
            "aspnetcorev2_outofprocess.dll",
        ),
    ] {
        let run = explain(&[code], None);
        assert_eq!(run.code, 0, "{code}: {}", run.stderr);
        assert!(
            run.stdout.contains(name),
            "{code} names {name}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(about),
            "{code} explains {about}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn several_codes_in_one_call_are_explained_in_turn() {
    let run = explain(&["0x8007000d", "500.24", "process-path"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let at = |s: &str| {
        run.stdout
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing:\n{}", run.stdout))
    };
    assert!(at("0x8007000D ERROR_INVALID_DATA") < at("500.24 "));
    assert!(at("500.24 ") < at("process-path: "));
    // An unknown one among them: an error line, the others still explained, exit 2.
    let run = explain(&["0x8007000d", "nonsense-code", "502.2"], None);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("ERROR_INVALID_DATA") && run.stdout.contains("502.2"));
    assert!(
        run.stderr.contains("`nonsense-code` is not a check id"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_pasted_event_log_message_on_stdin_is_one_message() {
    // Event 1000 as Event Viewer's "Copy details as text" gives it, pasted whole.
    let message = "Log Name:      Application\n\
                   Source:        IIS AspNetCore Module V2\n\
                   Event ID:      1000\n\
                   Level:         Warning\n\
                   Description:\n\
                   Application 'MACHINE/WEBROOT/APPHOST/SHOP' with physical root 'C:\\inetpub\\Shop\\' \
                   failed to start process with commandline 'dotnet .\\Shop.dll' at stage 'CreateProcessW', \
                   ErrorCode = '0x8007052e', assigned port 23456, retryCounter '1'.\n";
    let run = explain(&["-"], Some(message));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("an event-log or error-page message, read as one message\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("ErrorCode: 0x8007052E ERROR_LOGON_FAILURE"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("readings"), "{}", run.stdout);
    let run = explain(&["-"], Some("  \n"));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("read nothing on stdin"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_iis_log_line_is_one_message_with_its_parts_read_together() {
    let line = "2024-03-01 02:13:07 10.0.0.5 GET /api/orders - 443 - 203.0.113.9 Mozilla/5.0 - 502 3 12029 120011\n";
    for run in [explain(&["-"], Some(line)), explain(&["502 3 12029"], None)] {
        assert_eq!(run.code, 0, "{}", run.stderr);
        let out = &run.stdout;
        assert!(
            out.starts_with("an IIS log line, read as one message\n"),
            "{out}"
        );
        // The third number is read as the Win32 error of the 502.3, not as an exit code too.
        assert!(
            out.contains("= IIS answered 502.3 and logged Win32 error 12029 as what failed"),
            "{out}"
        );
        assert!(
            out.contains("sc-status.sc-substatus: 502.3 Bad Gateway"),
            "{out}"
        );
        assert!(
            out.contains("sc-win32-status: 0x80072EFD ERROR_WINHTTP_CANNOT_CONNECT"),
            "{out}"
        );
        assert!(
            !out.contains("readings") && !out.contains("exit code 12029"),
            "{out}"
        );
    }
    // A bare number alone is a code, not a message.
    let run = explain(&["12029"], None);
    assert!(run.stdout.starts_with("0x80072EFD "), "{}", run.stdout);
}

#[test]
fn ancm_v1s_error_code_pair_reads_the_exit_code_as_the_cause() {
    let run = explain(&["-"], Some("ErrorCode = '0x80004005 : 80008081.'"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "= ANCM V1 could not start the app (0x80004005) because the process exited with 0x80008081"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("InvalidArgFailure"), "{}", run.stdout);
}

#[test]
fn a_mistyped_check_id_gets_a_suggestion() {
    let run = explain(&["proces-path"], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `process-path`?"),
        "{}",
        run.stderr
    );
    let run = explain(&["web-confg"], None);
    assert!(
        run.stderr.contains("did you mean `web-config`?"),
        "{}",
        run.stderr
    );
}

/// Every catalog entry as `explain` prints it: no Markdown syntax, no file a user does not have.
#[test]
fn every_catalog_entry_renders_for_a_terminal_without_markdown_or_unshipped_files() {
    let ids = Command::cargo_bin("ancm")
        .expect("binary built")
        .args(["checks", "--format", "json"])
        .output()
        .expect("ancm runs");
    let doc: serde_json::Value = serde_json::from_slice(&ids.stdout).expect("json");
    let ids: Vec<String> = doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect();
    assert!(ids.len() > 20, "{ids:?}");
    for id in &ids {
        for (env, color) in [(("NO_COLOR", "1"), false), (("FORCE_COLOR", "1"), true)] {
            let run = explain_env(&[id], None, &[env]);
            assert_eq!(run.code, 0, "{id}: {}", run.stderr);
            let out = &run.stdout;
            for raw in ["## ", "](", "**", "|---"] {
                assert!(!out.contains(raw), "{id}: raw Markdown `{raw}`:\n{out}");
            }
            for unshipped in [
                "shared/reference",
                "../shared",
                "reference/",
                "ancm-reference.md",
                "ancm-protocol.md",
                "hostfxr.md",
                "peers.md",
                "publish-iis.md",
                "real-aspnetcore.md",
                "seed article",
            ] {
                assert!(
                    !out.contains(unshipped),
                    "{id}: cites `{unshipped}`:\n{out}"
                );
            }
            assert!(
                out.contains("What it means") && out.contains("How to fix"),
                "{id}:\n{out}"
            );
            if color {
                // Code spans are coloured instead of quoted; headings are bold.
                assert!(
                    !out.contains('`'),
                    "{id}: backticks on a colour terminal:\n{out}"
                );
                assert!(out.contains("\x1b[1mHow to fix\x1b[0m"), "{id}:\n{out:?}");
            }
        }
    }
}

/// Every code table entry `explain` can print names public sources only.
#[test]
fn explanations_cite_no_unshipped_file() {
    let mut inputs: Vec<String> = vec![
        "0x80008096",
        "0x8007023e",
        "0xE0434352",
        "SIGABRT",
        "0x80070002",
        "0x80072EE2",
        "0x8027025B",
        "0x80004005",
        "0x8007000d",
        "0x800710dd",
        "0x8007052e",
        "0x80008081",
        "0xC0000005",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    for s in [
        "500.0", "500.19", "500.21", "500.22", "500.24", "500.30", "500.31", "500.32", "500.33",
        "500.34", "500.35", "500.36", "500.37", "500.38", "502.2", "502.3", "502.5", "503",
    ] {
        inputs.push(s.to_string());
    }
    for input in &inputs {
        let run = explain(&[input], None);
        assert_eq!(run.code, 0, "{input}: {}", run.stderr);
        for unshipped in [
            ".md §",
            "ancm-reference.md",
            "ancm-protocol.md",
            "hostfxr.md",
            "peers.md",
            "publish-iis.md",
            "shared/reference",
        ] {
            assert!(
                !run.stdout.contains(unshipped),
                "{input}: cites `{unshipped}`:\n{}",
                run.stdout
            );
        }
    }
}
