//! The human rendering of [`HostFacts`] for `ancm host`: plain text, one fact per line, grouped
//! (machine, PATHs, IIS, module, pools, sites). Only formats; the JSON form is serde's.
use super::facts::{FileFact, HostFacts, ModuleFileKind};
use std::fmt::Write;

fn file_line(out: &mut String, indent: &str, f: &FileFact) {
    let state = match (&f.exists, &f.version) {
        (true, Some(v)) => format!("present, version {v}"),
        (true, None) if f.path.to_ascii_lowercase().ends_with(".dll") => {
            "present, version unknown".to_string()
        }
        (true, None) => "present".to_string(),
        (false, _) => "missing".to_string(),
    };
    let _ = writeln!(out, "{indent}{}: {state}", f.path);
}

fn path_list(out: &mut String, title: &str, entries: Option<&Vec<String>>, windows: bool) {
    match entries {
        None if windows => {
            let _ = writeln!(out, "{title}: (not set)");
        }
        None => {
            let _ = writeln!(out, "{title}: (not available on this OS)");
        }
        Some(v) if v.is_empty() => {
            let _ = writeln!(out, "{title}: (empty)");
        }
        Some(v) => {
            let _ = writeln!(out, "{title}:");
            for p in v {
                let _ = writeln!(out, "  {p}");
            }
        }
    }
}

/// Every dotnet root found: why it was considered, its muxer, hostfxr and frameworks.
fn dotnet_roots(o: &mut String, f: &HostFacts) {
    let d = &f.dotnet;
    if let Some(scope) = d.worker_path {
        let _ = writeln!(o, "IIS workers search {} for `dotnet`", scope.describe());
    }
    for (arch, loc) in &d.registered {
        let arch = if arch.is_empty() { "legacy" } else { arch };
        let _ = writeln!(o, "registered dotnet location ({arch}): {loc}");
    }
    if d.installs.is_empty() {
        let _ = writeln!(o, "dotnet roots: none found");
        return;
    }
    let _ = writeln!(o, "dotnet roots:");
    for i in &d.installs {
        let why: Vec<String> = i
            .sources
            .iter()
            .map(|s| match s {
                super::dotnet_install::RootSource::PathEntry { index, scope, .. } => {
                    format!("on {} (entry {})", scope.describe(), index + 1)
                }
                super::dotnet_install::RootSource::Environment { variable } => {
                    format!("`{variable}`")
                }
                super::dotnet_install::RootSource::Registered { arch } => {
                    format!("registered {arch}")
                }
                super::dotnet_install::RootSource::Default => "default folder".into(),
                super::dotnet_install::RootSource::ProcessPath => {
                    "named by web.config `processPath`".into()
                }
            })
            .collect();
        let _ = writeln!(
            o,
            "  {}{} ({}; muxer {})",
            i.root,
            if i.exists { "" } else { " (missing)" },
            why.join(", "),
            i.muxer_arch.as_deref().unwrap_or("none")
        );
        if !i.hostfxr_versions.is_empty() {
            let _ = writeln!(o, "    host/fxr: {}", i.hostfxr_versions.join(", "));
        }
        let mut names: Vec<&str> = i.frameworks.iter().map(|f| f.name.as_str()).collect();
        names.dedup();
        for name in names {
            let versions: Vec<&str> = i
                .frameworks
                .iter()
                .filter(|f| f.name == name)
                .map(|f| f.version.as_str())
                .collect();
            let _ = writeln!(o, "    {name}: {}", versions.join(", "));
        }
    }
}

pub fn render(f: &HostFacts) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "os: {}  arch: {}  (snapshot schema {})",
        f.os, f.arch, f.schema
    );
    if let Some(a) = &f.azure {
        let _ = writeln!(
            o,
            "Azure App Service: site `{}`{}{}",
            a.site_name,
            a.instance_id
                .as_deref()
                .map(|i| format!(", instance {i}"))
                .unwrap_or_default(),
            a.home
                .as_deref()
                .map(|h| format!(", HOME {h}"))
                .unwrap_or_default()
        );
    }
    o.push('\n');
    path_list(
        &mut o,
        "machine PATH (what IIS workers see)",
        f.machine_path.as_ref(),
        f.os == "windows",
    );
    if let Some(t) = &f.machine_environment_changed {
        let _ = writeln!(o, "  last changed: {t}");
    }
    path_list(
        &mut o,
        "user PATH (not seen by app pools)",
        f.user_path.as_ref(),
        f.os == "windows",
    );
    path_list(&mut o, "PATH of this process", Some(&f.process_path), true);
    if f.dotnet_on_path.is_empty() {
        let _ = writeln!(o, "dotnet on PATH: none found");
    } else {
        let _ = writeln!(o, "dotnet on PATH:");
        for d in &f.dotnet_on_path {
            let scope = format!("{:?}", d.scope).to_lowercase();
            let _ = writeln!(
                o,
                "  {} ({scope} PATH, {})",
                d.path,
                d.machine.as_deref().unwrap_or("machine unknown")
            );
        }
    }
    dotnet_roots(&mut o, f);
    if !f.vc_runtime.is_empty() {
        let _ = writeln!(o, "VC++ runtime:");
        for v in &f.vc_runtime {
            file_line(&mut o, "  ", v);
        }
    }
    o.push('\n');

    let Some(iis) = &f.iis else {
        let _ = writeln!(
            o,
            "IIS: not installed{}",
            if f.os == "windows" {
                ""
            } else {
                " (not Windows)"
            }
        );
        return o;
    };
    let _ = writeln!(
        o,
        "IIS {}",
        iis.version.as_deref().unwrap_or("(version unknown)")
    );
    for p in &iis.service_processes {
        let _ = writeln!(o, "  {} (pid {}) started {}", p.name, p.pid, p.started);
    }
    let _ = writeln!(o, "  config: {}", iis.config_path);
    if let Some(e) = &iis.config_error {
        let _ = writeln!(o, "  config unreadable: {e}");
    }
    let _ = writeln!(o, "ASP.NET Core Module:");
    for s in &iis.schema_files {
        file_line(&mut o, "  schema ", s);
    }
    for m in &iis.module_files {
        let kind = match m.kind {
            ModuleFileKind::V1Module => "V1",
            ModuleFileKind::V2Shim => "V2 shim",
            ModuleFileKind::V2OutOfProcessHandler => "V2 out-of-process handler",
        };
        file_line(&mut o, &format!("  {kind} ({}-bit) ", m.bits), &m.file);
    }
    for k in &iis.module_registry {
        let _ = writeln!(
            o,
            "  registry {}: Install={} Version={}",
            k.key,
            k.install
                .map(|i| i.to_string())
                .unwrap_or_else(|| "-".into()),
            k.version.as_deref().unwrap_or("-")
        );
    }
    let Some(cfg) = &iis.config else { return o };
    let _ = writeln!(
        o,
        "  aspNetCore section: {}",
        if cfg.aspnetcore_section.is_some() {
            "registered"
        } else {
            "NOT registered"
        }
    );
    for g in cfg
        .global_modules
        .iter()
        .filter(|g| g.name.to_ascii_lowercase().starts_with("aspnetcoremodule"))
    {
        let _ = writeln!(
            o,
            "  global module {} -> {} ({})",
            g.name,
            g.image,
            if cfg.module_enabled(&g.name) {
                "enabled"
            } else {
                "NOT enabled in <modules>"
            }
        );
    }
    o.push('\n');
    let _ = writeln!(o, "application pools:");
    for p in &cfg.app_pools {
        let clr = if p.managed_runtime_version.is_empty() {
            "none".to_string()
        } else {
            format!("`{}`", p.managed_runtime_version)
        };
        let bits = if p.enable_32bit_app_on_win64 { 32 } else { 64 };
        let user = p
            .user_name
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        let env = if p.environment_variables.is_empty() {
            String::new()
        } else {
            format!(", env: {}", p.environment_variables.join(", "))
        };
        let state = match iis.pool_state(&p.name) {
            Some(st) => format!("state {}", st.state),
            None => "state unknown".to_string(),
        };
        let _ = writeln!(
            o,
            "  {}: CLR {clr}, {bits}-bit, identity {}{user}, loadUserProfile={}, setProfileEnvironment={}, autoStart={}{env}; {state}",
            p.name, p.identity_type, p.load_user_profile, p.set_profile_environment, p.auto_start
        );
    }
    let _ = writeln!(o, "sites:");
    for s in &cfg.sites {
        let b: Vec<String> = s
            .bindings
            .iter()
            .map(|b| format!("{} {}", b.protocol, b.binding_information))
            .collect();
        let _ = writeln!(
            o,
            "  {} (id {}) [{}]",
            s.name,
            s.id.as_deref().unwrap_or("?"),
            b.join(", ")
        );
        for a in &s.applications {
            let wc = a
                .web_config
                .as_ref()
                .map(|w| match &w.ancm_module {
                    Some(m) => format!(
                        ", ANCM {m} {}",
                        w.hosting_model.as_deref().unwrap_or("outofprocess")
                    ),
                    None => ", not an ANCM app".to_string(),
                })
                .unwrap_or_default();
            let _ = writeln!(o, "    app {} pool {}{wc}", a.path, a.application_pool);
            for v in &a.virtual_directories {
                let _ = writeln!(o, "      vdir {} -> {}", v.path, v.physical_path);
            }
        }
    }
    if !cfg.authentication.is_empty() {
        let _ = writeln!(o, "authentication:");
        for r in &cfg.authentication {
            let show = |v: Option<bool>| {
                v.map(|b| if b { "on" } else { "off" })
                    .unwrap_or("inherited")
            };
            let loc = if r.location.is_empty() {
                "(server)"
            } else {
                r.location.as_str()
            };
            let _ = writeln!(
                o,
                "  {loc}: windows {}, anonymous {}",
                show(r.windows),
                show(r.anonymous)
            );
        }
    }
    o
}
