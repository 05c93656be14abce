//! `doctor`'s bounded live probe against the real `ancm-testapp`: each misbehaviour becomes one
//! `live-probe` result with the right verdict, explanation and IIS symptom — quickly.
#[path = "live_helpers.rs"]
mod helpers;

use ancm_doctor::deployment::web_config::HostingModel;
use ancm_doctor::diagnostic::{CheckResult, Level, Outcome};
use ancm_doctor::live::{probe, ProbeOptions, PROBE_CHECK_ID};
use helpers::*;
use std::time::{Duration, Instant};

fn run(cfg: ancm_doctor::live::LiveConfig) -> (CheckResult, Duration) {
    let t = Instant::now();
    let mut r = probe(cfg, ProbeOptions::default());
    let took = t.elapsed();
    assert_eq!(r.len(), 1);
    let r = r.remove(0);
    assert_eq!(r.id, PROBE_CHECK_ID);
    (r, took)
}

fn all_text(r: &CheckResult) -> String {
    serde_json::to_string(r).unwrap()
}

#[test]
fn healthy_app_passes_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let (r, _) = run(config(dir.path(), ""));
    assert_eq!(r.outcome, Outcome::Pass, "{r:#?}");
    assert!(
        r.findings[0].message.contains("answered `GET /` with 200"),
        "{r:#?}"
    );
}

#[test]
fn wrong_port_is_named_in_about_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--listen-port 0");
    cfg.startup_time_limit = Duration::from_secs(60);
    let (r, took) = run(cfg);
    assert!(
        took < Duration::from_secs(10),
        "took {took:?} (startupTimeLimit is 60 s)"
    );
    assert_eq!(r.outcome, Outcome::Fail);
    let f = &r.findings[0];
    assert!(
        f.message.contains("instead of the port ANCM assigned"),
        "{}",
        f.message
    );
    assert_eq!(f.symptom.as_deref(), Some("502.5"));
}

#[test]
fn crash_is_explained_with_the_exception_and_the_symptom_per_hosting_model() {
    let dir = tempfile::tempdir().unwrap();
    let (r, took) = run(config(dir.path(), "--crash-at-start"));
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(r.outcome, Outcome::Fail);
    let f = &r.findings[0];
    assert!(
        f.message
            .contains("unhandled `System.InvalidOperationException`"),
        "{}",
        f.message
    );
    assert_eq!(f.symptom.as_deref(), Some("502.5"));
    assert!(all_text(&r).contains("SIGABRT"));

    let mut inproc = config(dir.path(), "--crash-at-start");
    inproc.hosting_model = HostingModel::InProcess;
    let (r, _) = run(inproc);
    assert_eq!(r.findings[0].symptom.as_deref(), Some("500.30"));
}

#[test]
fn hang_is_502_3_bounded_by_the_probe() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--hang");
    cfg.request_timeout = Some(Duration::from_secs(2));
    let (r, took) = run(cfg);
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.findings[0].symptom.as_deref(), Some("502.3"));
    assert!(r.findings[0].message.contains("never answered"), "{r:#?}");
}

#[test]
fn a_hung_app_is_killed_after_the_verdict_without_a_graceful_wait() {
    // The verdict is known when requestTimeout fires; a graceful stop of an app that also ignores
    // the shutdown request would add shutdownTimeLimit (60 s here) before the report.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--hang --ignore-shutdown");
    cfg.request_timeout = Some(Duration::from_secs(2));
    cfg.shutdown_time_limit = Duration::from_secs(60);
    let (r, took) = run(cfg);
    assert_eq!(r.findings[0].symptom.as_deref(), Some("502.3"), "{r:#?}");
    assert!(
        took < Duration::from_secs(30),
        "waited for a graceful stop: {took:?}"
    );
    assert!(
        !all_text(&r).contains("did not stop within shutdownTimeLimit"),
        "{r:#?}"
    );
}

#[test]
fn a_502_the_app_answered_itself_still_gets_the_graceful_stop() {
    // Only the proxy's own 502.3 (no answer, or a broken connection, from a live app) skips the
    // graceful stop; an app that answers 502 is stopped as ANCM stops it, and judged on that.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--root-status 502 --ignore-shutdown");
    cfg.shutdown_time_limit = Duration::from_secs(1);
    let (r, _) = run(cfg);
    assert!(
        all_text(&r).contains("did not stop within shutdownTimeLimit"),
        "the app's own 502 was treated as a hang (killed without the shutdown request): {r:#?}"
    );
}

#[test]
fn ignoring_shutdown_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--ignore-shutdown");
    cfg.shutdown_time_limit = Duration::from_secs(1);
    let (r, _) = run(cfg);
    assert_eq!(r.outcome, Outcome::Warn, "{r:#?}");
    assert!(r.findings.iter().any(|f| f.level == Level::Warning
        && f.message.contains("did not stop within shutdownTimeLimit")));
}

#[test]
fn app_offline_is_reported_without_starting_the_app() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app_offline.htm"), "down").unwrap();
    let (r, _) = run(config(dir.path(), "--crash-at-start"));
    assert_eq!(r.outcome, Outcome::Warn);
    assert_eq!(r.findings[0].symptom.as_deref(), Some("503"));
}

#[test]
fn secrets_do_not_leak_into_findings() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), "--crash-at-start --eprint topsecret-value-123");
    cfg.env = vec![("DB_PASSWORD".into(), "topsecret-value-123".into())];
    let (r, _) = run(cfg);
    let text = all_text(&r);
    assert!(!text.contains("topsecret-value-123"), "{text}");
    assert!(text.contains("***"), "{text}");
}

#[test]
fn a_windows_executable_is_skipped_off_windows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("App.exe"), b"MZ\x90\x00 not for this OS").unwrap();
    let cfg = ancm_doctor::live::LiveConfig::for_test(dir.path(), r".\App.exe", "");
    let (r, _) = run(cfg);
    if cfg!(windows) {
        assert_eq!(r.outcome, Outcome::Fail);
    } else {
        assert_eq!(r.outcome, Outcome::Skip, "{r:#?}");
        assert!(r
            .skip_reason
            .unwrap()
            .contains("not an executable for this OS"));
    }
}
