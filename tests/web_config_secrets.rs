//! web.config environment values never leave `ancm` unless `--show-secrets` is given: not in the
//! human report's snippet or evidence, not in JSON.
use assert_cmd::Command;

const WEB_CONFIG: &str = r#"<configuration><system.webServer>
<handlers><add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" /></handlers>
<aspNetCore processPath="dotnet" arguments=".\App.dll">
  <environmentVariables>
    <environmentVariable name="ConnectionStrings__Db" value="Server=db;Password=Hunter2!" />
    <environmentVariable name="ASPNETCORE_PORT" value="Hunter2!80" />
  </environmentVariables>
</aspNetCore></system.webServer></configuration>"#;

fn doctor(dir: &std::path::Path, extra: &[&str]) -> String {
    let out = Command::cargo_bin("ancm")
        .unwrap()
        .arg("doctor")
        .arg(dir)
        .args(["--static", "--color", "never"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn secrets_stay_hidden_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.config"), WEB_CONFIG).unwrap();
    for format in [&["--format", "human"][..], &["--format", "json"][..]] {
        let out = doctor(dir.path(), format);
        assert!(out.contains("environment-variables"), "{out}");
        assert!(
            !out.contains("Hunter2"),
            "secret leaked with {format:?}:\n{out}"
        );
    }
    let human = doctor(dir.path(), &[]);
    assert!(human.contains("***"), "{human}");
    let shown = doctor(dir.path(), &["--show-secrets"]);
    assert!(shown.contains("Hunter2"), "{shown}");
}
