//! The environment block ANCM gives the app (ancm-protocol.md §2.5), written once: web.config's
//! `<environmentVariables>` over the worker's inherited block, ANCM's forced values over both
//! (forced > web.config > inherited), names compared case-insensitively as Windows does, `%VAR%`
//! expanded against the inherited block unless `ANCM_PREFER_ENVIRONMENT_VARIABLES` keeps the
//! inherited value. The static checks read the same precedence through [`config_over_worker`].
//! Pure: the emulator passes its own environment as `inherited`.
use super::command_line::{expand_env, lookup_in};
use super::module::ModuleVersion;
use std::collections::BTreeMap;
use std::path::Path;

/// What the merge needs from web.config and the module.
#[derive(Debug, Clone, Copy)]
pub struct AncmModule<'a> {
    /// web.config `environmentVariables`, in document order.
    pub config_env: &'a [(String, String)],
    pub module: ModuleVersion,
    /// The app folder (`ASPNETCORE_IIS_PHYSICAL_PATH`).
    pub app_dir: &'a Path,
    /// The IIS application's virtual path (`ASPNETCORE_APPL_PATH`).
    pub virtual_path: &'a str,
    /// What `ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED` says.
    pub websockets_supported: bool,
}

/// A variable ANCM forced or web.config set, and which of the two it came from (`ancm`,
/// `web.config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetVar {
    pub name: String,
    pub value: String,
    pub origin: &'static str,
}

/// The environment the app's .NET host sees as far as the host facts know it: the worker's
/// variables with web.config's `<environmentVariables>` over them (web.config wins,
/// ancm-reference.md §1.1). On Windows a web.config entry replaces any spelling of its name.
pub fn config_over_worker<'a>(
    worker: &BTreeMap<String, String>,
    config_env: impl IntoIterator<Item = (&'a str, &'a str)>,
    windows: bool,
) -> BTreeMap<String, String> {
    let mut env = worker.clone();
    for (name, value) in config_env {
        if windows {
            env.retain(|k, _| !k.eq_ignore_ascii_case(name));
        }
        env.insert(name.to_string(), value.to_string());
    }
    env
}

/// The child environment block, §2.5: web.config values, then ANCM's forced values, merged into
/// the inherited block (forced > web.config > inherited; `%VAR%` expanded unless
/// `ANCM_PREFER_ENVIRONMENT_VARIABLES` says the inherited value wins).
pub fn child_environment(
    cfg: &AncmModule<'_>,
    inherited: &[(String, String)],
    port: u16,
    token: &str,
) -> (Vec<(String, String)>, Vec<SetVar>) {
    // (name, value, origin); names compared case-insensitively, first spelling kept.
    let mut table: Vec<(String, String, &'static str)> = Vec::new();
    fn set(table: &mut Vec<(String, String, &'static str)>, k: &str, v: String, o: &'static str) {
        match table.iter_mut().find(|(n, _, _)| n.eq_ignore_ascii_case(k)) {
            Some(e) => {
                e.1 = v;
                e.2 = o;
            }
            None => table.push((k.to_string(), v, o)),
        }
    }
    let has = |table: &Vec<(String, String, &'static str)>, k: &str| {
        table.iter().any(|(n, _, _)| n.eq_ignore_ascii_case(k))
    };
    let inherited_value = |k: &str| {
        inherited
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    for (k, v) in cfg.config_env {
        set(&mut table, k, v.clone(), "web.config");
    }
    let v2 = cfg.module == ModuleVersion::V2;
    if v2 {
        // Emulator choice: the real folder (ANCM's code passes the application id here, an
        // UNCONFIRMED quirk, ancm-protocol.md §2.5 step 2).
        let mut phys = cfg.app_dir.display().to_string();
        if !phys.ends_with(std::path::MAIN_SEPARATOR) {
            phys.push(std::path::MAIN_SEPARATOR);
        }
        set(&mut table, "ASPNETCORE_IIS_PHYSICAL_PATH", phys, "ancm");
        if !has(&table, "ASPNETCORE_ANCM_HTTPS_PORT") {
            set(
                &mut table,
                "ASPNETCORE_ANCM_HTTPS_PORT",
                String::new(),
                "ancm",
            );
        }
    }
    // Only anonymous authentication exists here (ancm-protocol.md §7.1: send `anonymous;`).
    set(
        &mut table,
        "ASPNETCORE_IIS_HTTPAUTH",
        "anonymous;".into(),
        "ancm",
    );
    if !has(&table, "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES") {
        let inh = inherited_value("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES").unwrap_or_default();
        let value = if v2 {
            // V2 always appends, with a leading `;` when nothing is inherited (§2.5 step 5 [SRC]).
            format!("{inh};Microsoft.AspNetCore.Server.IISIntegration")
        } else if inh.is_empty() {
            "Microsoft.AspNetCore.Server.IISIntegration".to_string()
        } else {
            format!("{inh};Microsoft.AspNetCore.Server.IISIntegration")
        };
        set(
            &mut table,
            "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES",
            value,
            "ancm",
        );
    }
    // Step 6: expansion (or the inherited value when ANCM_PREFER_ENVIRONMENT_VARIABLES is on).
    let prefer_inherited = inherited_value("ANCM_PREFER_ENVIRONMENT_VARIABLES")
        .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    for e in table.iter_mut() {
        match inherited_value(&e.0) {
            Some(v) if v2 && prefer_inherited => e.1 = v,
            _ => e.1 = expand_env(&e.1, &lookup_in(inherited)).text,
        }
    }
    if v2 {
        set(
            &mut table,
            "ASPNETCORE_IIS_WEBSOCKETS_SUPPORTED",
            cfg.websockets_supported.to_string(),
            "ancm",
        );
    }
    set(&mut table, "ASPNETCORE_PORT", port.to_string(), "ancm");
    set(
        &mut table,
        "ASPNETCORE_APPL_PATH",
        cfg.virtual_path.to_string(),
        "ancm",
    );
    let token_origin = if cfg
        .config_env
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("ASPNETCORE_TOKEN"))
    {
        "web.config"
    } else {
        "ancm"
    };
    set(
        &mut table,
        "ASPNETCORE_TOKEN",
        token.to_string(),
        token_origin,
    );

    // Step 11: walk the inherited block in order, replacing; then append what is left.
    let mut out = Vec::with_capacity(inherited.len() + table.len());
    let mut used = vec![false; table.len()];
    for (k, v) in inherited {
        match table.iter().position(|(n, _, _)| n.eq_ignore_ascii_case(k)) {
            Some(i) if !used[i] => {
                used[i] = true;
                out.push((k.clone(), table[i].1.clone()));
            }
            Some(_) => {}
            None => out.push((k.clone(), v.clone())),
        }
    }
    for (i, (k, v, _)) in table.iter().enumerate() {
        if !used[i] {
            out.push((k.clone(), v.clone()));
        }
    }
    let shown = table
        .into_iter()
        .map(|(name, value, origin)| SetVar {
            name,
            value,
            origin,
        })
        .collect();
    (out, shown)
}
