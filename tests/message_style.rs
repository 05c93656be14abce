//! One message style, checked once (STYLE.md (b) 6): every finding message any check produces
//! starts lowercase (an acronym such as `IIS` may lead) and has no trailing period. Runs every
//! check in the registry over a set of app folders — the bundled `examples/` plus tempdir
//! fixtures covering the common shapes — and two hosts; then scans the committed report
//! snapshots too. Every finding's `symptom` must also be a code `ancm explain` knows.
use ancm_doctor::checks::{self, Context};
use ancm_doctor::deployment::Deployment;
use ancm_doctor::host::HostFacts;
use ancm_doctor::knowledge;
use std::path::{Path, PathBuf};

/// Why `message` breaks the style, if it does.
fn style_problem(message: &str) -> Option<&'static str> {
    let first_word = message.split_whitespace().next()?;
    let first = first_word.chars().next()?;
    let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && first_word
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(|c| c.is_uppercase());
    if first.is_uppercase() && !acronym {
        return Some("starts with a capital letter");
    }
    if message.ends_with('.') && !message.ends_with("...") {
        return Some("ends with a period");
    }
    if message.trim() != message {
        return Some("has leading or trailing whitespace");
    }
    None
}

#[test]
fn the_style_rule_itself() {
    assert_eq!(style_problem("no `web.config` in the app folder"), None);
    assert_eq!(style_problem("`processPath` is empty"), None);
    assert_eq!(style_problem("IIS cannot read `web.config`"), None);
    assert_eq!(
        style_problem("No web.config"),
        Some("starts with a capital letter")
    );
    assert_eq!(style_problem("no web.config."), Some("ends with a period"));
    assert_eq!(style_problem(""), None);
}

const FDD_WEB_CONFIG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <location path="." inheritInChildApplications="false">
    <system.webServer>
      <handlers>
        <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
      </handlers>
      <aspNetCore processPath="dotnet" arguments=".\App.dll" stdoutLogEnabled="false" stdoutLogFile=".\logs\stdout" hostingModel="inprocess" />
    </system.webServer>
  </location>
</configuration>
"#;

const RUNTIMECONFIG: &str = r#"{
  "runtimeOptions": {
    "tfm": "netcoreapp3.1",
    "framework": { "name": "Microsoft.AspNetCore.App", "version": "3.1.0" }
  }
}"#;

fn web_config_with(aspnetcore: &str) -> String {
    FDD_WEB_CONFIG.replace(
        r#"<aspNetCore processPath="dotnet" arguments=".\App.dll" stdoutLogEnabled="false" stdoutLogFile=".\logs\stdout" hostingModel="inprocess" />"#,
        aspnetcore,
    )
}

/// Tempdir app folders: (name, files).
fn fixtures() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let app = |wc: String| {
        vec![
            ("web.config", wc),
            ("App.dll", "MZ not really a PE".to_string()),
            ("App.runtimeconfig.json", RUNTIMECONFIG.to_string()),
            ("App.deps.json", "{}".to_string()),
        ]
    };
    vec![
        ("empty", vec![]),
        ("healthy-fdd", app(FDD_WEB_CONFIG.to_string())),
        (
            "malformed",
            vec![(
                "web.config",
                "<configuration><system.webServer>".to_string(),
            )],
        ),
        (
            "not-xml",
            vec![("web.config", "this is not xml at all".to_string())],
        ),
        (
            "no-handler",
            vec![(
                "web.config",
                "<configuration><system.webServer></system.webServer></configuration>".to_string(),
            )],
        ),
        (
            "placeholders",
            app(web_config_with(
                r#"<aspNetCore processPath="%LAUNCHER_PATH%" arguments="%LAUNCHER_ARGS%" />"#,
            )),
        ),
        (
            "apphost-missing",
            app(web_config_with(
                r#"<aspNetCore processPath=".\App.exe" hostingModel="outofprocess" />"#,
            )),
        ),
        (
            "bad-values",
            app(web_config_with(
                r#"<aspNetCore processPath="" arguments="" hostingModel="sideways" startupTimeLimit="-5" requestTimeout="99:99:99" rapidFailsPerMinute="x" stdoutLogEnabled="maybe" />"#,
            )),
        ),
        (
            "stdout-log-missing-folder",
            app(web_config_with(
                r#"<aspNetCore processPath="dotnet" arguments=".\App.dll" stdoutLogEnabled="true" stdoutLogFile=".\nope\stdout" />"#,
            )),
        ),
        (
            "env-vars",
            app(web_config_with(
                r#"<aspNetCore processPath="dotnet" arguments=".\App.dll"><environmentVariables><environmentVariable name="ASPNETCORE_PORT" value="80" /><environmentVariable name="ASPNETCORE_TOKEN" value="secret" /><environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Development" /></environmentVariables></aspNetCore>"#,
            )),
        ),
        (
            "wrong-dll",
            app(web_config_with(
                r#"<aspNetCore processPath="dotnet" arguments=".\Other.dll" />"#,
            )),
        ),
        ("app-offline", {
            let mut f = app(FDD_WEB_CONFIG.to_string());
            f.push((
                "app_offline.htm",
                "<html>down for maintenance</html>".to_string(),
            ));
            f
        }),
        (
            "no-runtimeconfig",
            vec![
                ("web.config", FDD_WEB_CONFIG.to_string()),
                ("App.dll", "MZ".to_string()),
            ],
        ),
        (
            "bad-runtimeconfig",
            vec![
                ("web.config", FDD_WEB_CONFIG.to_string()),
                ("App.dll", "MZ".to_string()),
                ("App.runtimeconfig.json", "{ not json".to_string()),
            ],
        ),
    ]
}

fn hosts() -> Vec<HostFacts> {
    let windows = HostFacts {
        os: "windows".to_string(),
        arch: "x86_64".to_string(),
        ..HostFacts::default()
    };
    vec![HostFacts::probe(), windows, HostFacts::default()]
}

/// The bundled examples (another part of the project ships them), with their host snapshot
/// when they have one.
fn example_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

static SYMPTOMS_SEEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn check_folder(dir: &Path, host: &HostFacts, bad: &mut Vec<String>) -> usize {
    let deployment = Deployment::load(dir).expect("fixture folder loads");
    let cx = Context::new(&deployment, host);
    let mut seen = 0;
    for result in checks::run_all(&cx) {
        for f in &result.findings {
            seen += 1;
            if let Some(problem) = style_problem(&f.message) {
                bad.push(format!(
                    "{} on {}: {problem}: {:?}",
                    result.id,
                    dir.display(),
                    f.message
                ));
            }
            // `symptom` is what `ancm explain` is pointed at: it must be a code it knows.
            if let Some(sym) = &f.symptom {
                SYMPTOMS_SEEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if !knowledge::knows_symptom(sym) {
                    bad.push(format!(
                        "{} on {}: symptom {sym:?} unknown to `ancm explain`",
                        result.id,
                        dir.display()
                    ));
                }
            }
        }
        if let Some(reason) = &result.skip_reason {
            if let Some(problem) = style_problem(reason) {
                bad.push(format!("{} skip reason: {problem}: {reason:?}", result.id));
            }
        }
    }
    seen
}

#[test]
fn every_finding_message_follows_the_style() {
    let mut bad = Vec::new();
    let mut seen = 0;
    for (name, files) in fixtures() {
        let dir = tempfile::tempdir().unwrap();
        for (file, text) in files {
            std::fs::write(dir.path().join(file), text).unwrap();
        }
        for host in hosts() {
            seen += check_folder(dir.path(), &host, &mut bad);
        }
        let _ = name;
    }
    for dir in example_dirs() {
        let snapshot = ["host.json", "host-facts.json"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|t| serde_json::from_str::<HostFacts>(&t).ok());
        let hosts = snapshot.map(|h| vec![h]).unwrap_or_else(hosts);
        for host in hosts {
            seen += check_folder(&dir, &host, &mut bad);
        }
    }
    // The fixtures make the registry's checks speak; a run where nothing did tests nothing.
    assert!(seen > 0, "no check produced a finding over the fixtures");
    assert!(
        SYMPTOMS_SEEN.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "no finding carried a symptom"
    );
    assert!(
        bad.is_empty(),
        "{} finding messages break STYLE.md (b) 6:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn report_snapshots_follow_the_style() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut bad = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/snapshots exists") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let line = line.trim_start();
            // JSON snapshots carry each message whole (the human layout wraps them).
            if let Some(rest) = line.strip_prefix("\"message\": ") {
                let rest = rest.trim_end_matches(',');
                if let Ok(message) = serde_json::from_str::<String>(rest) {
                    seen += 1;
                    if let Some(problem) = style_problem(&message) {
                        bad.push(format!("{}: {problem}: {message:?}", path.display()));
                    }
                }
            }
            for label in ["error: ", "warning: ", "note: "] {
                if let Some(message) = line.strip_prefix(label) {
                    seen += 1;
                    let message = match message.rfind(" (IIS: ") {
                        Some(i) => &message[..i],
                        None => message,
                    };
                    if let Some(problem) = style_problem(message) {
                        bad.push(format!("{}: {problem}: {message:?}", path.display()));
                    }
                }
            }
        }
    }
    assert!(seen > 0, "no findings in the snapshots");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
