//! `child-app-inherits-handler`: IIS applications nested under an ASP.NET Core app inherit its
//! `aspNetCore` handler unless `system.webServer` is wrapped in
//! `<location path="." inheritInChildApplications="false">`; a child that adds its own handler on
//! top of the inherited one fails with 500.19 (ancm-reference.md §1.4, §5 row 6 [DOC D4]).
use super::{iis_app, Check, CheckRun, Context};
use crate::diagnostic::{Finding, Level};

pub struct ChildAppInheritsHandler;

const WRAP: &str = "wrap `<system.webServer>` in `<location path=\".\" inheritInChildApplications=\"false\">` (the Web SDK does this since 2.2)";

impl Check for ChildAppInheritsHandler {
    fn id(&self) -> &'static str {
        "child-app-inherits-handler"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let (cfg, m) = match iis_app::app(cx) {
            Ok(found) => found,
            Err(skip) => return skip,
        };
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable web.config".into());
        };
        let Some(handler) = wc.aspnetcore_handler() else {
            return CheckRun::Skip("web.config has no ASP.NET Core handler".into());
        };
        let stops_inheritance = wc.location.as_ref().is_some_and(|l| {
            l.inherit_in_child_applications
                .as_ref()
                .is_some_and(|v| v.value.trim().eq_ignore_ascii_case("false"))
        });
        let mut out = Vec::new();

        // This app's handler flows down into its child applications — except a child that takes
        // it out of its own collection (`<remove name="aspNetCore" />` or `<clear />`).
        let name = handler.name.as_ref().map(|n| n.value.as_str());
        let children: Vec<_> = cfg
            .child_applications(&m)
            .into_iter()
            .filter(|c| {
                !c.web_config
                    .as_ref()
                    .is_some_and(|s| s.removes_handler(name))
            })
            .collect();
        if !children.is_empty() && !stops_inheritance {
            let names: Vec<String> = children.iter().map(|a| format!("`{}`", a.path)).collect();
            out.push(iis_app::with_app(
                Finding::error(format!(
                    "child application{} {} inherit{} this app's `aspNetCore` handler and section",
                    if names.len() > 1 { "s" } else { "" },
                    names.join(", "),
                    if names.len() > 1 { "" } else { "s" }
                ))
                .at(wc.location(handler.span))
                .symptom("500.19")
                .fix(WRAP),
                &m,
            ));
        }

        // A parent ASP.NET Core app whose handler flows down into this one.
        if let Some(parent) = cfg.parent_application(&m) {
            if let Some(s) = &parent.web_config {
                if s.ancm_module.is_some() && s.inherited_by_child_applications {
                    out.push(iis_app::with_app(
                        Finding::error(format!(
                            "this app adds an `aspNetCore` handler on top of the one it inherits from parent application `{}`",
                            parent.path
                        ))
                        .at(wc.location(handler.span))
                        .symptom("500.19")
                        .fix(format!("in the parent's web.config, {WRAP}; or remove this app's `<handlers>` entry")),
                        &m,
                    ));
                }
            }
        }
        CheckRun::Findings(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::iis::*;
    use crate::host::iis_config::WebConfigSummary;

    #[test]
    fn wrapped_parent_passes() {
        let f = problems(run(
            &ChildAppInheritsHandler,
            &deployment(r"C:\apps\Shop", Some(web_config())),
            &host(),
        ));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn unwrapped_parent_with_child_app_fails() {
        let mut wc = web_config();
        wc.location = None;
        let f = problems(run(
            &ChildAppInheritsHandler,
            &deployment(r"C:\apps\Shop", Some(wc)),
            &host(),
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
        assert!(f[0].message.contains("`/shop/admin`"));
        assert_eq!(f[0].location.as_ref().unwrap().line, 6);
    }

    #[test]
    fn a_child_that_removes_the_handler_does_not_inherit_it() {
        let mut wc = web_config();
        wc.location = None;
        let name = wc
            .aspnetcore_handler()
            .and_then(|h| h.name.as_ref())
            .map(|n| n.value.clone());
        for removed in [name.clone().unwrap_or_default(), "*".to_string()] {
            let mut h = host();
            // applications[2] is `/shop/admin`, the child of this app (`/shop`).
            cfg_mut(&mut h).sites[0].applications[2].web_config = Some(WebConfigSummary {
                removed_handlers: vec![removed.clone()],
                ..WebConfigSummary::default()
            });
            let f = problems(run(
                &ChildAppInheritsHandler,
                &deployment(r"C:\apps\Shop", Some(wc.clone())),
                &h,
            ));
            assert!(f.is_empty(), "child removes `{removed}`: {f:?}");
        }
    }

    #[test]
    fn child_under_an_inheriting_parent_fails() {
        let mut h = host();
        cfg_mut(&mut h).sites[0].applications[1].web_config = Some(WebConfigSummary {
            ancm_module: Some("AspNetCoreModuleV2".into()),
            hosting_model: None,
            inherited_by_child_applications: true,
            ..WebConfigSummary::default()
        });
        let f = problems(run(
            &ChildAppInheritsHandler,
            &deployment(r"C:\apps\ShopAdmin", Some(web_config())),
            &h,
        ));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("parent application `/shop`"));
    }
}
