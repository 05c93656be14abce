//! `ancm explain` for what people paste: the HRESULTs and substatuses added for issue 11, several
//! codes in one call, a message on stdin (`explain -`), and did-you-mean for a mistyped check id.
use assert_cmd::Command;

fn explain(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::cargo_bin("ancm").unwrap();
    cmd.arg("explain").args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn each_new_code_is_known_in_the_forms_people_paste() {
    for (code, name, about) in [
        ("0x8007000d", "ERROR_INVALID_DATA", "500.19"),
        ("0x8007007E", "ERROR_MOD_NOT_FOUND", "failed to load"),
        ("-2147023570", "ERROR_LOGON_FAILURE", "app pool"),
        ("0x80070020", "ERROR_SHARING_VIOLATION", "app_offline.htm"),
        ("0x8007000e", "E_OUTOFMEMORY", "32-bit"),
        ("0x80070021", "ERROR_LOCK_VIOLATION", "overrideModeDefault"),
        ("502.2", "CGI", "httpPlatformHandler"),
        ("500.22", "Integrated managed pipeline", "httpModules"),
        ("500.24", "impersonation", "impersonate"),
        ("500.33", "Request Handler Load Failure", "Microsoft.AspNetCore.App"),
        ("500.36", "Out-Of-Process Handler Load Failure", "aspnetcorev2_outofprocess.dll"),
    ] {
        let (status, out, err) = explain(&[code], None);
        assert_eq!(status, 0, "{code}: {err}");
        assert!(out.contains(name), "{code} names {name}:\n{out}");
        assert!(out.contains(about), "{code} explains {about}:\n{out}");
    }
}

#[test]
fn several_codes_in_one_call() {
    let (status, out, _) = explain(&["0x8007000d", "500.24", "process-path"], None);
    assert_eq!(status, 0);
    assert!(out.contains("ERROR_INVALID_DATA") && out.contains("500.24") && out.contains("process-path:"));
}

#[test]
fn a_pasted_event_log_message_on_stdin_is_one_message() {
    let message = "Application 'MACHINE/WEBROOT/APPHOST/SHOP' with physical root 'C:\\inetpub\\Shop\\' \
                   failed to start process with commandline 'dotnet .\\Shop.dll', ErrorCode = '0x8007052e'.\n";
    let (status, out, err) = explain(&["-"], Some(message));
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("ERROR_LOGON_FAILURE"), "{out}");
    let (status, _, err) = explain(&["-"], Some("  \n"));
    assert_eq!(status, 2);
    assert!(err.contains("read nothing on stdin"), "{err}");
}

#[test]
fn a_mistyped_check_id_gets_a_suggestion() {
    let (status, _, err) = explain(&["proces-path"], None);
    assert_eq!(status, 2);
    assert!(err.contains("did you mean `process-path`?"), "{err}");
}
