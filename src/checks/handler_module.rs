//! `handler-module`: the `<handlers>` entry that routes requests to ANCM names a module IIS can
//! have (`AspNetCoreModuleV2`, or V1 `AspNetCoreModule`), matches the hosting model, and catches
//! every request (ancm-reference.md §1.3, failure catalog #6, #8). Whether the module is actually
//! registered on the machine is the host side's business; this check reads web.config only.
use super::{Check, CheckRun, Context};
use crate::deployment::web_config::{Handler, HostingModel};
use crate::diagnostic::{Finding, Level};

pub struct HandlerModule;

const V2: &str = "AspNetCoreModuleV2";
const V1: &str = "AspNetCoreModule";

/// A handler meant for ANCM: it names an `AspNetCoreModule*` module or is called `aspNetCore`
/// (the name publish writes).
fn meant_for_ancm(h: &Handler) -> bool {
    let module = h.modules.as_ref().is_some_and(|m| {
        m.value
            .trim()
            .to_ascii_lowercase()
            .starts_with("aspnetcore")
    });
    let name = h
        .name
        .as_ref()
        .is_some_and(|n| n.value.eq_ignore_ascii_case("aspNetCore"));
    module || name
}

impl Check for HandlerModule {
    fn id(&self) -> &'static str {
        "handler-module"
    }
    fn severity(&self) -> Level {
        Level::Error
    }
    fn run(&self, cx: &Context<'_>) -> CheckRun {
        let Some(wc) = cx.deployment.web_config() else {
            return CheckRun::Skip("no readable web.config".into());
        };
        let ancm: Vec<&Handler> = wc.handlers.iter().filter(|h| meant_for_ancm(h)).collect();
        if ancm.is_empty() {
            return CheckRun::Skip("no handler for ANCM (see `web-config`)".into());
        }
        let in_process = wc
            .aspnetcore
            .as_ref()
            .is_some_and(|s| s.hosting_model() == Ok(HostingModel::InProcess));
        let mut f = Vec::new();

        // Handler names are the collection's unique key: a second `add` with the same name is
        // IIS's "Cannot add duplicate collection entry" 500.19 (ancm-reference.md §1.4, #6).
        for (i, h) in wc.handlers.iter().enumerate() {
            let Some(name) = &h.name else { continue };
            let earlier = wc.handlers[..i].iter().any(|e| {
                e.name
                    .as_ref()
                    .is_some_and(|n| n.value.eq_ignore_ascii_case(&name.value))
            });
            if earlier {
                f.push(
                    Finding::error(format!("handler `{}` is added twice", name.value))
                        .at(wc.location(name.span))
                        .symptom("500.19")
                        .fix(format!(
                            "remove one `<add name=\"{0}\">`, or put `<remove name=\"{0}\" />` before it",
                            name.value
                        )),
                );
            }
        }

        for h in ancm {
            let hname = h.name.as_ref().map(|n| n.value.as_str()).unwrap_or("");
            match &h.modules {
                // IIS Settings Schema, `add` element for handlers: `modules` defaults to
                // `ManagedPipelineHandler` (classic ASP.NET), which a "No Managed Code" pool
                // reports as a bad module (500.21).
                None => f.push(
                    Finding::error(format!(
                        "handler `{hname}` names no module, so IIS uses `ManagedPipelineHandler` (classic ASP.NET), not ANCM"
                    ))
                    .at(wc.location(h.span))
                    .symptom("500.21")
                    .fix(format!("add `modules=\"{V2}\"` to the handler")),
                ),
                Some(m) => {
                    let module = m.value.trim();
                    if module.eq_ignore_ascii_case(V2) {
                        // The module today's hosting bundles register.
                    } else if module.eq_ignore_ascii_case(V1) {
                        if in_process {
                            // publish-iis.md §3.3: the SDK refuses this pair; the V1 schema has
                            // no `hostingModel` (ancm-reference.md §1.1 [SRC S2]).
                            f.push(
                                Finding::error(format!(
                                    "`hostingModel=\"inprocess\"` needs `{V2}`, but the handler uses `{V1}` (V1)"
                                ))
                                .at(wc.location(m.span))
                                .symptom("500.19")
                                .evidence(
                                    "why",
                                    "V1 only runs apps out-of-process; where only the V1 schema is installed IIS rejects the `hostingModel` attribute",
                                )
                                .fix(format!("set `modules=\"{V2}\"`")),
                            );
                        } else {
                            // ancm-reference.md §1.3 [ISSUE I2]: 3.0+ bundles register only V2.
                            f.push(
                                Finding::warning(format!(
                                    "handler uses `{V1}` (V1), which only 2.x hosting bundles install"
                                ))
                                .at(wc.location(m.span))
                                .symptom("500.21")
                                .fix(format!(
                                    "set `modules=\"{V2}\"` unless this server deliberately runs ANCM V1"
                                )),
                            );
                        }
                    } else {
                        f.push(
                            Finding::error(format!(
                                "handler `{hname}` names module `{module}`, which no hosting bundle registers"
                            ))
                            .at(wc.location(m.span))
                            .symptom("500.21")
                            .fix(format!("set `modules=\"{V2}\"` (or `{V1}` for ANCM V1)")),
                        );
                    }
                }
            }
            // `name`, `path` and `verb` are required attributes (IIS Settings Schema, `add`
            // element for handlers); publish writes `*` for path and verb so every request
            // reaches ANCM (ancm-reference.md §1.3).
            if h.name.is_none() {
                f.push(
                    Finding::error("a handler for ANCM has no `name` attribute")
                        .at(wc.location(h.span))
                        .symptom("500.19")
                        .fix("add `name=\"aspNetCore\"`"),
                );
            }
            for (attr, value) in [("path", &h.path), ("verb", &h.verb)] {
                match value {
                    None => f.push(
                        Finding::error(format!("handler `{hname}` has no `{attr}` attribute"))
                            .at(wc.location(h.span))
                            .symptom("500.19")
                            .fix(format!("add `{attr}=\"*\"`")),
                    ),
                    Some(v) if v.value.trim() != "*" => f.push(
                        Finding::warning(format!(
                            "handler `{hname}` has `{attr}=\"{}\"`: other requests never reach the app",
                            v.value
                        ))
                        .at(wc.location(v.span))
                        .fix(format!("use `{attr}=\"*\"` as publish writes it")),
                    ),
                    Some(_) => {}
                }
            }
            if let Some(rt) = &h.resource_type {
                if !rt.value.trim().eq_ignore_ascii_case("Unspecified") {
                    f.push(
                        Finding::warning(format!(
                            "handler `{hname}` has `resourceType=\"{}\"`: IIS answers 404 for routes that are not files on disk",
                            rt.value
                        ))
                        .at(wc.location(rt.span))
                        .fix("use `resourceType=\"Unspecified\"` as publish writes it"),
                    );
                }
            }
        }
        CheckRun::Findings(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::disk::*;

    fn run(wc: &str) -> Vec<Finding> {
        problems(&HandlerModule, &app(Some(wc)))
    }

    #[test]
    fn healthy_handler_passes() {
        assert!(run(HEALTHY).is_empty());
    }

    #[test]
    fn v1_with_in_process_fails() {
        let f = run(&healthy_with(
            r#"modules="AspNetCoreModuleV2""#,
            r#"modules="AspNetCoreModule""#,
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Error);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
        let loc = f[0].location.as_ref().unwrap();
        assert_eq!(loc.line, 6);
        assert_eq!(loc.len, "AspNetCoreModule".len() as u32);
    }

    #[test]
    fn v1_out_of_process_warns() {
        let wc = healthy_with(
            r#"modules="AspNetCoreModuleV2""#,
            r#"modules="AspNetCoreModule""#,
        )
        .replace(r#" hostingModel="inprocess""#, "");
        let f = run(&wc);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert_eq!(f[0].symptom.as_deref(), Some("500.21"));
    }

    #[test]
    fn unknown_or_missing_module_fails_with_500_21() {
        let f = run(&healthy_with(
            r#"modules="AspNetCoreModuleV2""#,
            r#"modules="AspNetCoreModuleV3""#,
        ));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.21"));
        let f = run(&healthy_with(r#" modules="AspNetCoreModuleV2""#, ""));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("`ManagedPipelineHandler`"));
        let f = run(&healthy_with(r#"name="aspNetCore" "#, ""));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
    }

    #[test]
    fn narrow_path_verb_and_resource_type() {
        let f = run(&healthy_with(
            r#"path="*" verb="*""#,
            r#"path="*.dll" verb="GET""#,
        ));
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|x| x.level == Level::Warning));
        let f = run(&healthy_with(r#" path="*""#, ""));
        assert_eq!(f[0].symptom.as_deref(), Some("500.19"));
        let f = run(&healthy_with("Unspecified", "File"));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("404"));
    }

    #[test]
    fn duplicate_handler_names_fail() {
        let line = r#"<add name="aspNetCore" path="*" verb="*" modules="AspNetCoreModuleV2" resourceType="Unspecified" />"#;
        let f = run(&healthy_with(line, &format!("{line}\n{line}")));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("added twice"));
        assert_eq!(f[0].location.as_ref().unwrap().line, 7);
    }

    #[test]
    fn no_ancm_handler_skips() {
        let fx = app(Some("<configuration><system.webServer/></configuration>"));
        assert!(is_skip(&HandlerModule, &fx));
    }
}
