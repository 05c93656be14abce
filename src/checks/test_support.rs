//! Fixtures for check unit tests: a real app folder in a temp dir (web.config, runtimeconfig,
//! App.dll), loaded through `Deployment::load` like the CLI does, and a run of one check.
use super::{Check, CheckRun, Context};
use crate::deployment::Deployment;
use crate::diagnostic::Finding;
use crate::host::HostFacts;

/// What `dotnet publish` writes for a framework-dependent app named `App` (publish-iis.md §4).
pub const HEALTHY: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <location path="." inheritInChildApplications="false">
    <system.webServer>
      <handlers>
        <add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />
      </handlers>
      <aspNetCore processPath="dotnet" arguments=".\App.dll" stdoutLogEnabled="false" stdoutLogFile=".\logs\stdout" hostingModel="inprocess">
        <environmentVariables>
          <environmentVariable name="ASPNETCORE_ENVIRONMENT" value="Production" />
        </environmentVariables>
      </aspNetCore>
    </system.webServer>
  </location>
</configuration>
"#;

pub const FDD_RUNTIMECONFIG: &str = r#"{"runtimeOptions":{"tfm":"net8.0","frameworks":[{"name":"Microsoft.NETCore.App","version":"8.0.0"},{"name":"Microsoft.AspNetCore.App","version":"8.0.0"}]}}"#;

pub struct Fixture {
    /// Keeps the app folder alive as long as the fixture.
    pub _dir: tempfile::TempDir,
    pub deployment: Deployment,
    pub host: HostFacts,
}

/// An app folder named `App` with this web.config (`None`: no web.config).
pub fn app(web_config: Option<&str>) -> Fixture {
    app_with(web_config, Some(FDD_RUNTIMECONFIG))
}

pub fn app_with(web_config: Option<&str>, runtimeconfig: Option<&str>) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(wc) = web_config {
        std::fs::write(dir.path().join("web.config"), wc).expect("write web.config");
    }
    if let Some(rc) = runtimeconfig {
        std::fs::write(dir.path().join("App.runtimeconfig.json"), rc).expect("write runtimeconfig");
    }
    std::fs::write(dir.path().join("App.dll"), b"MZ").expect("write App.dll");
    let deployment = Deployment::load(dir.path()).expect("load app folder");
    Fixture {
        _dir: dir,
        deployment,
        host: HostFacts::default(),
    }
}

/// The healthy web.config with one text replacement (which must apply).
pub fn healthy_with(from: &str, to: &str) -> String {
    assert!(
        HEALTHY.contains(from),
        "fixture edit `{from}` does not apply"
    );
    HEALTHY.replacen(from, to, 1)
}

pub fn findings(check: &dyn Check, f: &Fixture) -> Vec<Finding> {
    let cx = Context::new(&f.deployment, &f.host);
    match check.run(&cx) {
        CheckRun::Findings(v) => {
            assert!(
                v.iter().all(|x| x.level <= check.severity()),
                "{} reported above its severity: {v:#?}",
                check.id()
            );
            for x in &v {
                assert!(
                    x.message.chars().next().is_some_and(|c| !c.is_uppercase())
                        && !x.message.ends_with('.'),
                    "message style: {}",
                    x.message
                );
            }
            v
        }
        CheckRun::Skip(reason) => panic!("{} skipped: {reason}", check.id()),
    }
}

pub fn is_skip(check: &dyn Check, f: &Fixture) -> bool {
    let cx = Context::new(&f.deployment, &f.host);
    matches!(check.run(&cx), CheckRun::Skip(_))
}

/// Findings that are warnings or errors (notes are explanations, not problems).
pub fn problems(check: &dyn Check, f: &Fixture) -> Vec<Finding> {
    findings(check, f)
        .into_iter()
        .filter(|x| x.level > crate::diagnostic::Level::Note)
        .collect()
}
