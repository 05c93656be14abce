//! Snapshots of the renderers over one shared, hand-built report (pass, warn, fail with a located
//! finding and its source line, skip, secret evidence): human in ASCII and Unicode without colour,
//! and JSON redacted and with `--show-secrets`. Then the first screen for a healthy app, a broken
//! one and one judged on Linux without IIS (real checks over the bundled examples with Linux host
//! facts), each line within 100 columns. Review changes with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test --test report_snapshots` and read the diff).
use ancm_doctor::checks::{self, Context};
use ancm_doctor::deployment::Deployment;
use ancm_doctor::diagnostic::{CheckResult, Finding, Location};
use ancm_doctor::host::HostFacts;
use ancm_doctor::report::{human, json, RenderOptions, Report};
use std::path::Path;

const SECRET: &str = "9c1f0e4b-token-value";

/// Snapshot with the temp folder replaced by `[APP]` and Windows separators made `/`, so the
/// same snapshot holds on every machine.
macro_rules! assert_report_snapshot {
    ($name:expr, $text:expr, $app_dir:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        for form in path_forms($app_dir) {
            settings.add_filter(&regex_escape(&form), "[APP]");
        }
        settings.add_filter(r"\[APP\](?:\\\\|\\)", "[APP]/");
        settings.bind(|| insta::assert_snapshot!($name, $text));
    }};
}

/// The app folder as it appears in text and inside JSON strings (backslashes doubled).
fn path_forms(dir: &Path) -> Vec<String> {
    let raw = dir.display().to_string();
    let json = serde_json::to_string(&raw).unwrap();
    let json = json.trim_matches('"').to_string();
    if json == raw {
        vec![raw]
    } else {
        vec![json, raw]
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn sample(app_dir: &Path) -> Report {
    let web_config = app_dir.join("web.config");
    let checks = vec![
        CheckResult::from_findings(
            "web-config",
            "web.config present, readable, routed to ANCM",
            vec![Finding::note(
                "`web.config` routes every request to `AspNetCoreModuleV2`",
            )],
        ),
        CheckResult::from_findings(
            "stdout-log",
            "stdout log folder exists and is writable",
            vec![Finding::warning("`stdoutLogFile` folder `logs` does not exist")
                .at(Location::new(&web_config, 6, 62)
                    .with_len(29)
                    .with_source_line(
                        "    <aspNetCore processPath=\"dotnet\" stdoutLogEnabled=\"true\" stdoutLogFile=\".\\logs\\stdout\" />",
                    ))
                .fix("create the `logs` folder and let `IIS AppPool\\<pool>` write to it")],
        ),
        CheckResult::from_findings(
            "process-path",
            "processPath and arguments resolve to a program",
            vec![Finding::error("`processPath` `.\\App.exe` does not exist in the app folder")
                .at(Location::new(&web_config, 6, 14)
                    .with_len(23)
                    .with_source_line(
                        "\t<aspNetCore processPath=\".\\App.exe\" arguments=\"\" />",
                    ))
                .evidence("app kind", "framework-dependent (`App.dll` + `App.runtimeconfig.json`)")
                .evidence_at(
                    "looked for",
                    app_dir.join("App.exe").display().to_string(),
                    Location::new(&web_config, 6, 14),
                )
                .symptom("502.5")
                .fix("set `processPath=\"dotnet\"` and `arguments=\".\\App.dll\"`")],
        ),
        CheckResult::from_findings(
            "environment",
            "environment variables ANCM passes are sane",
            vec![Finding::error("`ASPNETCORE_TOKEN` is set in `web.config`; ANCM's pairing token is overridden")
                .secret_evidence("ASPNETCORE_TOKEN", SECRET)
                .symptom("400")
                .fix("remove `ASPNETCORE_TOKEN` from `<environmentVariables>`")],
        ),
        CheckResult::skipped(
            "framework",
            "the shared framework the app needs is installed",
            "no `App.runtimeconfig.json`",
        ),
    ];
    let mut report = Report::new(app_dir.to_path_buf(), "probe".to_string(), checks);
    // The commit changes with every build: the snapshot holds the version only.
    report.tool.commit = None;
    report
}

fn opts(unicode: bool, show_secrets: bool) -> RenderOptions {
    RenderOptions {
        show_secrets,
        color: false,
        unicode,
        verbose: false,
        ..RenderOptions::default()
    }
}

#[test]
fn human_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let text = human::render(&sample(dir.path()), &opts(false, false));
    assert!(!text.contains(SECRET));
    assert!(!text.contains('\x1b'));
    assert_report_snapshot!("human_ascii", text, dir.path());
}

#[test]
fn human_unicode() {
    let dir = tempfile::tempdir().unwrap();
    let text = human::render(&sample(dir.path()), &opts(true, false));
    assert!(!text.contains('\x1b'));
    assert_report_snapshot!("human_unicode", text, dir.path());
}

#[test]
fn human_verbose_shows_notes_of_passing_checks() {
    let dir = tempfile::tempdir().unwrap();
    let note = "routes every request to `AspNetCoreModuleV2`";
    let quiet = human::render(&sample(dir.path()), &opts(false, false));
    assert!(!quiet.contains(note));
    let verbose = RenderOptions {
        verbose: true,
        ..opts(false, false)
    };
    assert!(human::render(&sample(dir.path()), &verbose).contains(note));
}

#[test]
fn human_shows_secrets_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let report = sample(dir.path());
    assert!(human::render(&report, &opts(false, false)).contains("ASPNETCORE_TOKEN: ***"));
    assert!(human::render(&report, &opts(false, true)).contains(SECRET));
}

#[test]
fn human_colour_follows_the_option_not_the_environment() {
    // `cargo test` output is not a terminal: colour must still be on when the option says so.
    let dir = tempfile::tempdir().unwrap();
    let report = sample(dir.path());
    let coloured = RenderOptions {
        color: true,
        ..opts(true, false)
    };
    let text = human::render(&report, &coloured);
    assert!(text.contains("\x1b[1;31m"), "bold red for errors: {text:?}");
    assert!(text.contains("\x1b[0m"));
    let plain = human::render(&report, &opts(true, false));
    let stripped = strip_ansi(&text);
    assert_eq!(stripped, plain, "colour changes nothing but escape codes");
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn json_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let text = json::render(&sample(dir.path()), &opts(false, false));
    assert!(!text.contains(SECRET), "secret leaked into JSON");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let evidence = &v["checks"][3]["findings"][0]["evidence"][0];
    assert_eq!(evidence["value"], "***");
    assert_eq!(evidence["secret"], true);
    assert_report_snapshot!("json_redacted", text, dir.path());
}

#[test]
fn json_show_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let text = json::render(&sample(dir.path()), &opts(false, true));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["checks"][3]["findings"][0]["evidence"][0]["value"],
        SECRET
    );
    // The source line is never serialized: it may hold a secret the check did not redact.
    assert!(!text.contains("source_line"));
    assert!(!text.contains("<aspNetCore"));
}

#[test]
fn human_names_a_host_snapshot_and_counts_in_the_singular() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = sample(dir.path());
    report.checks.truncate(1);
    let report = Report::new(report.app_dir, "server-42.json".to_string(), report.checks);
    let text = human::render(&report, &opts(false, false));
    assert!(text.starts_with(&format!(
        "ancm doctor {}\nmachine facts: from the snapshot server-42.json\n",
        dir.path().display()
    )));
    assert!(text.contains("\n1 check: 1 passed,"), "{text}");
}

/// Host facts of a Linux machine without IIS or dotnet: what a CI runner has.
fn linux_without_iis() -> HostFacts {
    HostFacts {
        os: "linux".into(),
        arch: "x86_64".into(),
        ..HostFacts::default()
    }
}

/// The real checks over a bundled example, judged with Linux facts.
fn example_report(name: &str) -> (Report, std::path::PathBuf) {
    // Relative (cargo runs tests in the package folder), so wrapping does not depend on where
    // the checkout is.
    let dir = Path::new("examples").join(name);
    let deployment = Deployment::load(&dir).unwrap();
    let host = linux_without_iis();
    let results = checks::run_all(&Context::new(&deployment, &host));
    let mut report = Report::new(dir.clone(), "probe".into(), results);
    report.tool.commit = None;
    (report, dir)
}

/// A healthy app judged against a server snapshot, the live probe passed.
fn healthy(app_dir: &Path) -> Report {
    // A fixed list (not the registry), so a new check does not change this snapshot.
    let ids = [
        "web-config",
        "handler-module",
        "process-path",
        "stdout-log",
        "runtime-config",
        "framework-resolution",
        "module-installed",
        "app-pool",
        "live-probe",
    ];
    let results = ids
        .iter()
        .map(|id| {
            let notes = if *id == "live-probe" {
                vec![Finding::note(
                    "the app answered `GET /` with 200 through the proxy",
                )]
            } else {
                Vec::new()
            };
            CheckResult::from_findings(id, ancm_doctor::catalog::title(id), notes)
        })
        .collect();
    let mut report = Report::new(app_dir.to_path_buf(), "server.json".into(), results)
        .with_live_probe(ancm_doctor::report::LiveProbeRun::Ran);
    report.tool.commit = None;
    report
}

fn assert_fits(text: &str) {
    for l in text.lines() {
        assert!(l.chars().count() <= 100, "line over 100 columns:\n{l}");
    }
}

#[test]
fn first_screen_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let text = human::render(&healthy(dir.path()), &opts(true, false));
    assert_fits(&text);
    assert!(
        text.lines().count() <= 12,
        "a healthy app is a few lines:\n{text}"
    );
    assert!(!text.contains("errors") && !text.contains("next steps"));
    assert_report_snapshot!("first_screen_healthy", text, dir.path());
}

#[test]
fn first_screen_broken() {
    let (report, dir) = example_report("launcher-placeholders");
    let text = human::render(&report, &opts(true, false));
    assert_fits(&text);
    // Summary first, then the error above the warning, whatever the catalog order.
    let areas = text.find("web.config  ").unwrap();
    let error = text.find("launcher-placeholders: `processPath`").unwrap();
    let warning = text.find("handler-module: handler uses").unwrap();
    assert!(areas < error && error < warning, "{text}");
    assert_report_snapshot!("first_screen_broken", text, &dir);
}

#[test]
fn first_screen_linux_without_iis() {
    let (report, dir) = example_report("healthy-portable");
    let text = human::render(&report, &opts(true, false));
    assert_fits(&text);
    // The IIS checks are one line that says how to judge them, not one line each.
    assert_eq!(
        text.matches("ancm doctor --host server.json").count(),
        1,
        "{text}"
    );
    assert!(!text.contains("module-installed"), "{text}");
    assert_report_snapshot!("first_screen_linux_without_iis", text, &dir);
    let verbose = human::render(
        &report,
        &RenderOptions {
            verbose: true,
            ..opts(true, false)
        },
    );
    assert_fits(&verbose);
    assert!(
        verbose.contains("module-installed"),
        "-v names every check:\n{verbose}"
    );
}

#[test]
fn quiet_prints_only_problems_and_the_summary() {
    let (report, _) = example_report("launcher-placeholders");
    let quiet = human::render(
        &report,
        &RenderOptions {
            quiet: true,
            ..opts(true, false)
        },
    );
    assert!(quiet.contains("launcher-placeholders: `processPath`"));
    assert!(quiet.contains("checks:"));
    assert!(!quiet.contains("not judged here"), "{quiet}");
    let (healthy, _) = example_report("healthy-portable");
    let quiet = human::render(
        &healthy,
        &RenderOptions {
            quiet: true,
            ..opts(true, false)
        },
    );
    assert!(
        !quiet.contains("errors") && !quiet.contains("warnings"),
        "{quiet}"
    );
}

#[test]
fn every_registered_check_has_an_area() {
    // A new check lands in "app files" until `src/report/areas.rs` names its area; this says which.
    let unlisted: Vec<&str> = checks::REGISTRY
        .iter()
        .map(|c| c.id())
        .filter(|id| !ancm_doctor::report::areas::is_listed(id))
        .collect();
    assert!(
        unlisted.is_empty(),
        "add these to src/report/areas.rs: {unlisted:?}"
    );
}
