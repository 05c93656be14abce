//! The live probe's progress on stderr when it is piped (a CI log): one timestamped line per
//! phase — starting, waiting for the port against `startupTimeLimit`, the request, stopping — and
//! nothing of it on stdout; none with `-q` or a machine format. The terminal form (one status
//! line rewritten in place) is driven in tmux by `tests/terminal_tmux.rs`.
#![cfg(target_os = "linux")]
#[path = "live_helpers.rs"]
mod helpers;

use helpers::testapp;
use std::path::Path;
use std::process::Command;

fn slow_app(dir: &Path, start_ms: u32) {
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <system.webServer>
    <handlers>
      <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
    </handlers>
    <aspNetCore processPath="{}" arguments="--slow-start {start_ms}" startupTimeLimit="120" hostingModel="outofprocess" />
  </system.webServer>
</configuration>
"#,
        testapp().display()
    );
    std::fs::write(dir.join("web.config"), xml).expect("write web.config");
}

fn doctor(dir: &Path, extra: &[&str], ci: bool) -> (String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ancm"));
    cmd.args(["doctor", "--host", "none"]).args(extra).arg(dir);
    cmd.env_remove("CI");
    if ci {
        cmd.env("CI", "true");
    }
    let out = cmd.output().expect("ancm runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn piped_stderr_gets_one_timestamped_line_per_phase_and_stdout_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    slow_app(dir.path(), 2_500);
    for ci in [false, true] {
        let (stdout, stderr) = doctor(dir.path(), &[], ci);
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("live probe:"))
            .collect();
        let find = |what: &str| {
            lines
                .iter()
                .position(|l| l.contains(what))
                .unwrap_or_else(|| panic!("no `{what}` line (CI={ci}) in stderr:\n{stderr}"))
        };
        let starting = find("live probe: starting the app as ANCM would");
        let waiting = find(" s of startupTimeLimit 120 s");
        let sent = find("live probe: request sent to the app on port");
        let stopping = find("live probe: stopping the app");
        assert!(
            starting < waiting && waiting < sent && sent < stopping,
            "phases out of order:\n{stderr}"
        );
        assert!(
            lines[waiting].contains("waiting for port "),
            "{}",
            lines[waiting]
        );
        for l in &lines {
            // `[   2.5s] live probe: …`: a timestamp, no carriage return or erase sequence.
            let stamp = l.split(']').next().unwrap_or_default();
            assert!(
                stamp.starts_with('[') && stamp.trim_end().ends_with('s'),
                "no timestamp: {l:?}"
            );
            assert!(
                !l.contains('\r') && !l.contains('\x1b'),
                "terminal codes: {l:?}"
            );
        }
        // A 2.5 s start is not one "waiting" line per second: a log gets one per 10 s (3 allows
        // for a start slowed to 20 s by a loaded machine).
        let waits = lines
            .iter()
            .filter(|l| l.contains("waiting for port"))
            .count();
        assert!(
            (1..=3).contains(&waits),
            "{waits} waiting lines:
{stderr}"
        );
        assert!(
            !stdout.contains("live probe: "),
            "progress on stdout:\n{stdout}"
        );
        assert!(!stdout.contains('\r'), "{stdout:?}");
    }
}

#[test]
fn quiet_and_machine_formats_print_no_progress_when_piped() {
    let dir = tempfile::tempdir().expect("temp dir");
    slow_app(dir.path(), 200);
    for extra in [&["-q"][..], &["--format", "json"], &["--format", "sarif"]] {
        let (stdout, stderr) = doctor(dir.path(), extra, false);
        assert!(!stderr.contains("live probe:"), "{extra:?}: {stderr}");
        assert!(
            !stdout.contains("live probe: starting"),
            "{extra:?}: {stdout}"
        );
    }
}
