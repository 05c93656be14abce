//! `webdav`: IIS's WebDAV module (and its `WebDAV` handler) is active for the app. It takes
//! `PUT` and `DELETE` before the request reaches ANCM and answers 405 Method Not Allowed, which
//! looks like a CORS or routing bug in the app (peers.md §8 row 15: aspnet/IISIntegration#346).
//! Pure.
use super::{iis_app, Check, CheckRun, Context};
use crate::deployment::web_config::elements::{system_web_server, ConfigElement};
use crate::diagnostic::{Finding, Level};

pub struct WebDav;

/// Whether web.config takes `name` out of a collection (`<remove name>` or `<clear/>`).
fn removed(elements: &[ConfigElement], collection: &str, name: &str) -> bool {
    elements.iter().any(|e| {
        e.parent() == collection
            && (e.name() == "clear"
                || (e.name() == "remove"
                    && e.attr("name").is_some_and(|n| n.eq_ignore_ascii_case(name))))
    })
}

impl Check for WebDav {
    fn id(&self) -> &'static str {
        "webdav"
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable `web.config`".into());
        };
        let (cfg, m) = match iis_app::app(cx) {
            Ok(x) => x,
            Err(skip) => return skip,
        };
        if cfg.global_module("WebDAVModule").is_none() {
            return CheckRun::Findings(Vec::new());
        }
        let elements = system_web_server(wc);
        let location = m.location_path();
        let module_on = cfg.module_enabled_for(&location, "WebDAVModule")
            && !removed(&elements, "system.webServer/modules", "WebDAVModule");
        let handler_on = cfg.handler_registered("WebDAV")
            && !removed(&elements, "system.webServer/handlers", "WebDAV");
        if !module_on {
            return CheckRun::Findings(vec![Finding::note(
                "the WebDAV module is installed but not active for this app",
            )]);
        }
        let mut f = Finding::warning(
            "the WebDAV module is active for this app: it answers `PUT` and `DELETE` itself with 405 Method Not Allowed before they reach the app",
        )
        .evidence("global module", "`WebDAVModule` registered and enabled")
        .fix(r#"in web.config add `<modules><remove name="WebDAVModule" /></modules>` and `<handlers><remove name="WebDAV" /></handlers>` under `system.webServer` (or uninstall the WebDAV Publishing feature)"#);
        if handler_on {
            f = f.evidence("handler", "`WebDAV` registered at the server level");
        }
        let f = match wc.aspnetcore_handler() {
            Some(h) => f.at(wc.location(h.span)),
            None => f,
        };
        CheckRun::Findings(vec![iis_app::with_app(f, &m)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;
    use crate::host::iis_config::GlobalModule;

    fn webdav_host() -> crate::host::HostFacts {
        let mut h = host();
        let c = cfg_mut(&mut h);
        c.global_modules.push(GlobalModule {
            name: "WebDAVModule".into(),
            image: r"%windir%\System32\inetsrv\webdav.dll".into(),
            pre_condition: None,
        });
        c.modules.push("WebDAVModule".into());
        c.handlers.push("WebDAV".into());
        h
    }

    fn wc(extra: &str) -> crate::deployment::web_config::WebConfig {
        let xml = format!("<configuration><system.webServer>{extra}<handlers><add name=\"aspNetCore\" path=\"*\" verb=\"*\" modules=\"AspNetCoreModuleV2\" /></handlers><aspNetCore processPath=\"dotnet\" arguments=\".\\Shop.dll\" /></system.webServer></configuration>");
        crate::deployment::web_config::parse(
            std::path::Path::new(r"C:\apps\Shop\web.config"),
            xml.as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn active_webdav_warns_405() {
        let f = problems(run(
            &WebDav,
            &deployment(r"C:\apps\Shop", Some(wc(""))),
            &webdav_host(),
        ));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("405"));
        assert_eq!(f[0].evidence.len(), 3, "{:?}", f[0].evidence);
    }

    #[test]
    fn removed_in_web_config_or_not_installed_passes() {
        let d = deployment(
            r"C:\apps\Shop",
            Some(wc(r#"<modules><remove name="WebDAVModule" /></modules>"#)),
        );
        assert!(problems(run(&WebDav, &d, &webdav_host())).is_empty());
        let d = deployment(r"C:\apps\Shop", Some(wc("")));
        assert!(findings(run(&WebDav, &d, &host())).is_empty());
    }
}
