//! `websocket-module`: the app's deps.json references SignalR or Blazor Server, which need
//! WebSockets, while IIS's WebSocket Protocol feature (`WebSocketModule`) is not installed or not
//! enabled for the app, or web.config turns `<webSocket>` off. SignalR then falls back to long
//! polling and Blazor Server circuits fail (peers.md §8 row 18: dotnet/aspnetcore#8384;
//! ancm-reference.md §6.4). Pure.
use super::{iis_app, Check, CheckRun, Context};
use crate::deployment::web_config::elements::system_web_server;
use crate::diagnostic::{Finding, Level};

pub struct WebSocketModule;

/// deps.json library names that mean the app serves WebSockets.
const WEBSOCKET_LIBRARIES: &[&str] = &[
    "Microsoft.AspNetCore.SignalR",
    "Microsoft.AspNetCore.Components.Server",
];

impl Check for WebSocketModule {
    fn id(&self) -> &'static str {
        "websocket-module"
    }
    fn severity(&self) -> Level {
        Level::Warning
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(deps) = cx
            .deployment
            .deps_json
            .as_ref()
            .and_then(|d| d.parsed.as_ref().ok())
        else {
            return CheckRun::Skip("no readable `<App>.deps.json`".into());
        };
        let Some(lib) = deps.libraries.iter().find(|l| {
            WEBSOCKET_LIBRARIES
                .iter()
                .any(|w| l.name.len() >= w.len() && l.name[..w.len()].eq_ignore_ascii_case(w))
        }) else {
            return CheckRun::Findings(Vec::new());
        };
        let used = format!("`{}` {}", lib.name, lib.version);
        let (cfg, m) = match iis_app::app(cx) {
            Ok(x) => x,
            Err(skip) => return skip,
        };
        let mut out = Vec::new();
        let installed = cfg.global_module("WebSocketModule").is_some();
        let enabled = installed && cfg.module_enabled_for(&m.location_path(), "WebSocketModule");
        if !enabled {
            out.push(iis_app::with_app(
                Finding::warning(format!(
                    "the app uses {used} (WebSockets) but IIS's WebSocket Protocol feature is {}: SignalR falls back to long polling and Blazor Server circuits fail",
                    if installed { "not enabled for this app" } else { "not installed" }
                ))
                .evidence("deps.json", used.clone())
                .evidence("global module `WebSocketModule`", if installed { "registered" } else { "not registered" })
                .fix("install the IIS \"WebSocket Protocol\" feature (Server Manager → Web Server → Application Development, or `Install-WindowsFeature Web-WebSockets`)"),
                &m,
            ));
        }
        if let Some(wc) = cx.deployment.web_config() {
            if let Some(e) = system_web_server(wc).into_iter().find(|e| {
                e.path == "system.webServer/webSocket"
                    && e.attr("enabled")
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
            }) {
                out.push(
                    Finding::warning(format!(
                        "web.config turns WebSockets off (`<webSocket enabled=\"false\">`) while the app uses {used}"
                    ))
                    .at(wc.location(e.span))
                    .fix("remove the `<webSocket>` element"),
                );
            }
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;
    use crate::deployment::deps_json::DepsJsonFacts;
    use crate::host::iis_config::GlobalModule;

    fn with_deps(lib: &str) -> crate::deployment::Deployment {
        let mut d = deployment(r"C:\apps\Shop", Some(web_config()));
        let json = format!(
            r#"{{"runtimeTarget":{{"name":".NETCoreApp,Version=v8.0"}},"targets":{{".NETCoreApp,Version=v8.0":{{"Shop/1.0.0":{{}},"{lib}/8.0.0":{{}}}}}},"libraries":{{"Shop/1.0.0":{{"type":"project"}},"{lib}/8.0.0":{{"type":"package"}}}}}}"#
        );
        let path = std::path::PathBuf::from(r"C:\apps\Shop\Shop.deps.json");
        d.deps_json = Some(DepsJsonFacts {
            parsed: crate::deployment::deps_json::parse(&path, json.as_bytes()),
            path,
            present: Default::default(),
        });
        d
    }

    #[test]
    fn signalr_without_the_websocket_module_warns() {
        let d = with_deps("Microsoft.AspNetCore.SignalR.Protocols.MessagePack");
        let f = problems(run(&WebSocketModule, &d, &host()));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("not installed"));
    }

    #[test]
    fn with_the_module_or_without_signalr_passes() {
        let mut h = host();
        let c = cfg_mut(&mut h);
        c.global_modules.push(GlobalModule {
            name: "WebSocketModule".into(),
            image: r"%windir%\System32\inetsrv\iiswsock.dll".into(),
            pre_condition: None,
        });
        c.modules.push("WebSocketModule".into());
        let d = with_deps("Microsoft.AspNetCore.Components.Server");
        assert!(problems(run(&WebSocketModule, &d, &h)).is_empty());
        let d = with_deps("Newtonsoft.Json");
        assert!(problems(run(&WebSocketModule, &d, &host())).is_empty());
    }
}
