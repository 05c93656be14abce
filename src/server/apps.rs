//! Which IIS applications on a server are ASP.NET Core apps: every application of every site in
//! `applicationHost.config` whose handler is ANCM, by its own web.config or inherited from an
//! application above it in the same site (IIS merges `<handlers>` down the URL tree unless the
//! parent wraps `system.webServer` in `<location inheritInChildApplications="false">`;
//! ancm-reference.md §1.4). Each comes with its own pool and physical path.
//!
//! Pure: the web.config of an application is summarised by a caller-given function (the CLI
//! reads the folder, falling back to the summary a snapshot carries), so the rules are tested
//! with hand-built configurations.
use crate::host::iis_config::{IisConfig, Site, WebConfigSummary};

/// How an application came to be served by ANCM (or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handler {
    /// Its own web.config routes requests to `module` (`AspNetCoreModuleV2`).
    Own { module: String },
    /// It has no ANCM handler of its own but inherits one from the application at `from`
    /// (`Default Web Site/` or `Default Web Site/app`).
    Inherited { module: String, from: String },
    /// Neither: a static site, classic ASP.NET, PHP … — not checked.
    NotAncm,
    /// Its web.config could not be read here and no parent hands down ANCM (a snapshot from
    /// another machine without the summary): not checked, and said so.
    Unknown,
}

/// One IIS application, as the server report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerApp {
    pub site: String,
    pub site_id: Option<String>,
    /// `/` or `/shop`.
    pub path: String,
    /// `Default Web Site/shop` — the `<location path>` form.
    pub location: String,
    pub pool: String,
    /// The root virtual directory's physical path as written (`%SystemDrive%\inetpub\Shop`).
    pub physical_path: String,
    /// The same with `%VARIABLES%` expanded: the folder the app is checked in.
    pub folder: String,
    pub handler: Handler,
}

impl ServerApp {
    /// Whether ancm checks this application.
    pub fn is_ancm(&self) -> bool {
        matches!(
            self.handler,
            Handler::Own { .. } | Handler::Inherited { .. }
        )
    }
}

/// Why a site selection cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("no site named `{wanted}` in applicationHost.config (sites: {known})")]
    UnknownSite { wanted: String, known: String },
}

/// Every application of the selected sites (all when `sites` is empty), in file order, each
/// with its handler. `expand` turns `%SystemDrive%` into its value; `summary(folder)` reads the
/// web.config in an application's folder, or `None` when there is none to read.
pub fn enumerate(
    cfg: &IisConfig,
    sites: &[String],
    expand: impl Fn(&str) -> String,
    summary: impl Fn(&Site, &crate::host::iis_config::Application, &str) -> Option<WebConfigSummary>,
) -> Result<Vec<ServerApp>, SelectError> {
    for wanted in sites {
        if !cfg
            .sites
            .iter()
            .any(|s| s.name.eq_ignore_ascii_case(wanted.trim()))
        {
            let known: Vec<String> = cfg.sites.iter().map(|s| format!("`{}`", s.name)).collect();
            return Err(SelectError::UnknownSite {
                wanted: wanted.clone(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            });
        }
    }
    let mut out = Vec::new();
    for site in &cfg.sites {
        if !sites.is_empty()
            && !sites
                .iter()
                .any(|w| site.name.eq_ignore_ascii_case(w.trim()))
        {
            continue;
        }
        // The summary of every application of the site first: children look up at parents.
        let apps: Vec<(String, String, String, Option<WebConfigSummary>)> = site
            .applications
            .iter()
            .map(|a| {
                let physical = a
                    .virtual_directories
                    .iter()
                    .find(|v| v.path == "/")
                    .map(|v| v.physical_path.clone())
                    .unwrap_or_default();
                let folder = expand(&physical);
                let s = if folder.is_empty() {
                    None
                } else {
                    summary(site, a, &folder)
                };
                (a.path.clone(), physical, folder, s)
            })
            .collect();
        for (i, a) in site.applications.iter().enumerate() {
            let (path, physical, folder, own) = &apps[i];
            let handler = match own.as_ref().and_then(|s| s.ancm_module.clone()) {
                Some(module) => Handler::Own { module },
                None => match inherited_from(site, &apps, path) {
                    // `<remove name="aspNetCore" />` (or `<clear/>`) in the child's own handlers.
                    Some((_, _, name))
                        if own
                            .as_ref()
                            .is_some_and(|s| s.removes_handler(name.as_deref())) =>
                    {
                        Handler::NotAncm
                    }
                    Some((module, from, _)) => Handler::Inherited { module, from },
                    None if own.is_some() => Handler::NotAncm,
                    None => Handler::Unknown,
                },
            };
            out.push(ServerApp {
                site: site.name.clone(),
                site_id: site.id.clone(),
                path: path.clone(),
                location: location_of(&site.name, path),
                pool: a.application_pool.clone(),
                physical_path: physical.clone(),
                folder: folder.clone(),
                handler,
            });
        }
    }
    Ok(out)
}

/// `Default Web Site/` for the root application (so it reads as a path), else `Site/app`.
pub fn location_of(site: &str, path: &str) -> String {
    format!("{site}/{}", path.trim_matches('/'))
}

/// The nearest application above `path` in the same site whose web.config routes to ANCM and
/// lets children inherit it: the module, that application's location and the handler's name.
fn inherited_from(
    site: &Site,
    apps: &[(String, String, String, Option<WebConfigSummary>)],
    path: &str,
) -> Option<(String, String, Option<String>)> {
    let me = path.trim_end_matches('/').to_ascii_lowercase();
    if me.is_empty() {
        return None;
    }
    apps.iter()
        .filter(|(p, ..)| {
            let p = p.trim_end_matches('/').to_ascii_lowercase();
            p != me && (p.is_empty() || me.starts_with(&format!("{p}/")))
        })
        // Nearest first: a closer parent's web.config is merged last and decides.
        .max_by_key(|(p, ..)| p.trim_end_matches('/').len())
        .and_then(|(p, _, _, s)| {
            let s = s.as_ref()?;
            let module = s.ancm_module.clone()?;
            s.inherited_by_child_applications
                .then(|| (module, location_of(&site.name, p), s.ancm_handler.clone()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::iis_config::parse;

    const CONFIG: &[u8] = br#"<configuration><system.applicationHost>
  <applicationPools><add name="DefaultAppPool" managedRuntimeVersion="" /><add name="ShopPool" /></applicationPools>
  <sites>
    <site name="Default Web Site" id="1">
      <application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\inetpub\wwwroot" /></application>
      <application path="/shop" applicationPool="ShopPool"><virtualDirectory path="/" physicalPath="C:\apps\Shop" /></application>
      <application path="/shop/admin"><virtualDirectory path="/" physicalPath="C:\apps\Admin" /></application>
      <application path="/legacy"><virtualDirectory path="/" physicalPath="C:\apps\Legacy" /></application>
      <application path="/shop/static"><virtualDirectory path="/" physicalPath="C:\apps\Static" /></application>
    </site>
    <site name="Api" id="2">
      <application path="/" applicationPool="ShopPool"><virtualDirectory path="/" physicalPath="C:\apps\Api" /></application>
      <application path="/v1"><virtualDirectory path="/" physicalPath="C:\apps\ApiV1" /></application>
      <application path="/docs"><virtualDirectory path="/" physicalPath="C:\apps\Docs" /></application>
    </site>
  </sites>
</system.applicationHost></configuration>"#;

    fn ancm(inherit: bool) -> Option<WebConfigSummary> {
        Some(WebConfigSummary {
            ancm_module: Some("AspNetCoreModuleV2".into()),
            hosting_model: Some("inprocess".into()),
            inherited_by_child_applications: inherit,
            ancm_handler: Some("aspNetCore".into()),
            ..WebConfigSummary::default()
        })
    }

    fn plain() -> Option<WebConfigSummary> {
        Some(WebConfigSummary {
            inherited_by_child_applications: true,
            ..WebConfigSummary::default()
        })
    }

    fn summaries(folder: &str) -> Option<WebConfigSummary> {
        match folder {
            r"C:\inetpub\wwwroot" => plain(),
            r"C:\apps\Shop" => ancm(true),
            r"C:\apps\Admin" => None,
            r"C:\apps\Static" => Some(WebConfigSummary {
                inherited_by_child_applications: true,
                removed_handlers: vec!["aspNetCore".into()],
                ..WebConfigSummary::default()
            }),
            r"C:\apps\Legacy" => plain(),
            r"C:\apps\Api" => ancm(false),
            r"C:\apps\ApiV1" => plain(),
            _ => None,
        }
    }

    fn apps(sites: &[&str]) -> Vec<ServerApp> {
        let cfg = parse(CONFIG).unwrap();
        let sites: Vec<String> = sites.iter().map(|s| s.to_string()).collect();
        enumerate(
            &cfg,
            &sites,
            |p| p.replace("%SystemDrive%", "C:"),
            |_, _, folder| summaries(folder),
        )
        .unwrap()
    }

    #[test]
    fn own_inherited_plain_and_unknown_handlers() {
        let all = apps(&[]);
        let by: Vec<(&str, &Handler, &str)> = all
            .iter()
            .map(|a| (a.location.as_str(), &a.handler, a.pool.as_str()))
            .collect();
        let own = Handler::Own {
            module: "AspNetCoreModuleV2".into(),
        };
        assert_eq!(
            by[0],
            ("Default Web Site/", &Handler::NotAncm, "DefaultAppPool")
        );
        assert_eq!(by[1], ("Default Web Site/shop", &own, "ShopPool"));
        // No web.config of its own: the nearest parent (`/shop`, not `/`) hands ANCM down.
        assert_eq!(
            by[2],
            (
                "Default Web Site/shop/admin",
                &Handler::Inherited {
                    module: "AspNetCoreModuleV2".into(),
                    from: "Default Web Site/shop".into()
                },
                "DefaultAppPool"
            )
        );
        assert_eq!(by[3].1, &Handler::NotAncm);
        // `<remove name="aspNetCore" />` in the child's own web.config: not inherited.
        assert_eq!(by[4].0, "Default Web Site/shop/static");
        assert_eq!(by[4].1, &Handler::NotAncm);
        assert_eq!(by[5], ("Api/", &own, "ShopPool"));
        // `inheritInChildApplications="false"` stops the handler at the parent.
        assert_eq!(by[6].1, &Handler::NotAncm);
        assert_eq!(by[7].1, &Handler::Unknown);
        assert_eq!(all[0].folder, r"C:\inetpub\wwwroot");
        assert_eq!(all[0].physical_path, r"%SystemDrive%\inetpub\wwwroot");
        assert_eq!(all.iter().filter(|a| a.is_ancm()).count(), 3);
        // The summary reads the removal from a real web.config.
        let s = crate::host::iis_config::summarize_web_config(
            br#"<configuration><system.webServer><handlers><remove name="aspNetCore" /></handlers></system.webServer></configuration>"#,
        );
        assert!(s.removes_handler(Some("AspNetCore")) && !s.removes_handler(None));
        let s = crate::host::iis_config::summarize_web_config(
            br#"<configuration><system.webServer><handlers><add name="h" path="*" verb="*" modules="AspNetCoreModuleV2" /></handlers></system.webServer></configuration>"#,
        );
        assert_eq!(s.ancm_handler.as_deref(), Some("h"));
    }

    #[test]
    fn a_site_selection_is_case_insensitive_and_an_unknown_site_is_named() {
        let api = apps(&["api"]);
        assert_eq!(api.len(), 3, "{api:?}");
        assert!(api
            .iter()
            .all(|a| a.site == "Api" && a.site_id.as_deref() == Some("2")));
        let cfg = parse(CONFIG).unwrap();
        let e = enumerate(&cfg, &["Shop".into()], |p| p.into(), |_, _, _| None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no site named `Shop` in applicationHost.config (sites: `Default Web Site`, `Api`)"
        );
    }
}
