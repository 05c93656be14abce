//! `url-rewrite-module`: web.config has a `<rewrite>` section but applicationHost.config does not
//! declare it, i.e. the URL Rewrite module is not installed. IIS cannot read the file and answers
//! every request with 500.19 "Config Error: This configuration section cannot be used … " /
//! 0x8007000d (peers.md §8 row 14: microsoft/aspnet-docker#109). Pure.
use super::{iis_app, Check, CheckRun, Context};
use crate::deployment::web_config::elements::system_web_server;
use crate::diagnostic::{Finding, Level};

pub struct UrlRewriteModule;

impl Check for UrlRewriteModule {
    fn id(&self) -> &'static str {
        "url-rewrite-module"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable `web.config`".into());
        };
        let elements = system_web_server(wc);
        let rewrite: Vec<_> = elements
            .iter()
            .filter(|e| e.parent() == "system.webServer/rewrite")
            .collect();
        if rewrite.is_empty() {
            return CheckRun::Findings(Vec::new());
        }
        let cfg = match iis_app::config(cx) {
            Ok(c) => c,
            Err(skip) => return skip,
        };
        if cfg.declared_sections.is_empty() {
            return CheckRun::Skip("the host facts list no declared configuration sections (a snapshot from an older ancm): re-create it with `ancm host --format json`".into());
        }
        let undeclared: Vec<_> = rewrite
            .iter()
            .filter(|e| cfg.section_of(&e.path).is_none())
            .collect();
        let Some(first) = undeclared.first() else {
            return CheckRun::Findings(vec![Finding::note(
                "`<rewrite>` is set and applicationHost.config declares its sections (URL Rewrite is installed)",
            )]);
        };
        let names: Vec<String> = undeclared
            .iter()
            .map(|e| format!("`{}`", e.name()))
            .collect();
        let mut f = Finding::error(format!(
            "web.config sets `<rewrite>` ({}) but the URL Rewrite module is not installed: IIS does not know the section and answers every request with 500.19 (0x8007000d)",
            names.join(", ")
        ))
        .at(wc.location(first.span))
        .symptom("500.19")
        .evidence(
            "declared in applicationHost.config",
            "no `system.webServer/rewrite/*` section",
        )
        .fix("install IIS URL Rewrite 2.1 on the server, or remove the `<rewrite>` section from web.config");
        f = f.evidence(
            "global module `RewriteModule`",
            if cfg.global_module("RewriteModule").is_some() {
                "registered (the schema is missing: repair the URL Rewrite install)"
            } else {
                "not registered"
            },
        );
        CheckRun::Findings(vec![f])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;
    use crate::host::iis_config::DeclaredSection;

    const REWRITE: &str = "<configuration>\n<system.webServer>\n  <rewrite>\n    <rules><rule name=\"https\" /></rules>\n  </rewrite>\n</system.webServer>\n</configuration>";

    #[test]
    fn rewrite_without_the_module_is_500_19_at_the_section() {
        let f = problems(run(
            &UrlRewriteModule,
            &deployment(r"C:\apps\Shop", Some(shop_web_config(REWRITE))),
            &host(),
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
        assert_eq!(f[0].location.as_ref().unwrap().line, 4);
    }

    #[test]
    fn rewrite_with_the_module_passes() {
        let mut h = host();
        cfg_mut(&mut h).declared_sections.push(DeclaredSection {
            path: "system.webServer/rewrite/rules".into(),
            override_mode_default: Some("Allow".into()),
        });
        assert!(problems(run(
            &UrlRewriteModule,
            &deployment(r"C:\apps\Shop", Some(shop_web_config(REWRITE))),
            &h
        ))
        .is_empty());
    }

    #[test]
    fn no_rewrite_section_passes_even_without_iis() {
        let d = deployment(r"C:\apps\Shop", Some(web_config()));
        let h = crate::host::HostFacts::basic();
        assert!(findings(run(&UrlRewriteModule, &d, &h)).is_empty());
    }
}
