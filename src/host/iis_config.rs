//! `applicationHost.config`, as far as ancm needs it: the `aspNetCore` section declaration, global
//! and enabled modules, app pools (after `applicationPoolDefaults`), sites with bindings,
//! applications and virtual directories, and Windows/anonymous authentication per `<location>`.
//!
//! Pure: parses bytes into serde data (part of the host snapshot) and answers questions about it
//! (which application serves a folder, which auth applies to a path). No file or registry access;
//! the probes read the file. Also summarises an app's own `web.config` for pool-mates
//! ([`summarize_web_config`]), because the pool checks need the hosting model of *other* apps.
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IisConfig {
    /// `configSections/sectionGroup[system.webServer]/section[aspNetCore]`; without it IIS
    /// answers 500.19 for any web.config with an `aspNetCore` element (ancm-reference.md §6.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspnetcore_section: Option<SectionDeclaration>,
    /// `system.webServer/globalModules/add` (native modules IIS loads).
    #[serde(default)]
    pub global_modules: Vec<GlobalModule>,
    /// `system.webServer/modules` at the server level (root or `<location path="">`), after
    /// `<remove>`/`<clear/>`: the modules enabled for every site.
    #[serde(default)]
    pub modules: Vec<String>,
    #[serde(default)]
    pub app_pools: Vec<AppPool>,
    #[serde(default)]
    pub sites: Vec<Site>,
    /// Authentication settings at the server level (`location: ""`) and per `<location path>`.
    #[serde(default)]
    pub authentication: Vec<AuthenticationRule>,
    /// `<modules>` changes under a `<location path>` below the server level, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub module_overrides: Vec<ModuleOverride>,
    /// Every section declared in `configSections`, as a path (`system.webServer/rewrite/rules`),
    /// with its `overrideModeDefault`. Empty in snapshots made before it was recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared_sections: Vec<DeclaredSection>,
    /// `<location path overrideMode>` elements and the element paths set inside them: what
    /// unlocks (`Allow`) or locks (`Deny`) a section below that path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub override_modes: Vec<LocationOverrideMode>,
    /// `system.webServer/handlers` names at the server level, after `<remove>`/`<clear/>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handlers: Vec<String>,
    /// `system.webServer/security/requestFiltering/requestLimits/@maxAllowedContentLength` at
    /// the server level, when set (IIS default 30000000 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_allowed_content_length: Option<u64>,
}

/// One `<section>` of `configSections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredSection {
    /// `system.webServer/security/authentication/windowsAuthentication`.
    pub path: String,
    /// `Allow` or `Deny`; absent means `Allow` (IIS schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_mode_default: Option<String>,
}

/// `<location path="…" overrideMode="Allow|Deny">` and the element paths set inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationOverrideMode {
    /// `""` for the server level, else `Default Web Site/app`.
    pub location: String,
    pub override_mode: String,
    /// Element paths from the root, `system.webServer/security/authentication/windowsAuthentication`.
    pub elements: Vec<String>,
}

/// Whether a web.config below a location may set a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionMode {
    /// The section is not declared: IIS answers 500.19 0x8007000d for any use of it.
    Undeclared,
    Allowed,
    /// Locked (500.19 0x80070021): by the section's `overrideModeDefault` (location `None`) or
    /// by a `<location overrideMode="Deny">`.
    Locked {
        by_location: Option<String>,
    },
}

/// One `<add>`, `<remove>` or `<clear/>` in `system.webServer/modules` under `<location path>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleOverride {
    /// `Default Web Site/app`.
    pub location: String,
    /// `add`, `remove` or `clear`.
    pub op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionDeclaration {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_mode_default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalModule {
    pub name: String,
    /// The DLL path as written (often with `%ProgramFiles%` or `%SystemRoot%`).
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_condition: Option<String>,
}

/// One app pool with `applicationPoolDefaults` and IIS schema defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPool {
    pub name: String,
    /// `""` is "No Managed Code". IIS schema default `v4.0`.
    pub managed_runtime_version: String,
    pub enable_32bit_app_on_win64: bool,
    /// `ApplicationPoolIdentity`, `NetworkService`, `LocalSystem`, `LocalService`, `SpecificUser`.
    pub identity_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// `processModel/@loadUserProfile` (IIS schema default false; the IIS installer writes true
    /// into `applicationPoolDefaults`).
    pub load_user_profile: bool,
    /// `processModel/@setProfileEnvironment` (default true, ancm-reference.md §6.5).
    pub set_profile_environment: bool,
    /// `autoStart` (default true). The pool's running state is not in the config; see
    /// `ancm-reference.md` §5 row 2.
    pub auto_start: bool,
    pub managed_pipeline_mode: String,
    /// Names of pool-level `environmentVariables` (IIS 10+). Values are not kept: snapshots are
    /// shared and the values may be secrets.
    #[serde(default)]
    pub environment_variables: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub bindings: Vec<Binding>,
    #[serde(default)]
    pub applications: Vec<Application>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub protocol: String,
    /// `*:80:host` or `ip:port:host`.
    pub binding_information: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// `/` or `/app`.
    pub path: String,
    /// After `applicationDefaults` (site, then server; IIS default `DefaultAppPool`).
    pub application_pool: String,
    #[serde(default)]
    pub virtual_directories: Vec<VirtualDirectory>,
    /// What the probe read from the application's own web.config; `None` when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_config: Option<WebConfigSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualDirectory {
    /// `/` for the application root, `/images` for a virtual directory under it.
    pub path: String,
    /// As written (may hold `%SystemDrive%`).
    pub physical_path: String,
}

/// Windows/anonymous authentication set at one level. `None` = not set here (inherited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationRule {
    /// `""` for the server level, else the `<location path>` (`Default Web Site/app`).
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<bool>,
}

/// Effective authentication for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authentication {
    pub windows: bool,
    pub anonymous: bool,
}

/// The few web.config facts the pool and inheritance checks need about an application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebConfigSummary {
    /// The `modules` of the handler routed to ANCM (`AspNetCoreModuleV2`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ancm_module: Option<String>,
    /// `aspNetCore/@hostingModel` as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosting_model: Option<String>,
    /// `false` when `system.webServer` is inside `<location inheritInChildApplications="false">`.
    pub inherited_by_child_applications: bool,
    /// `aspNetCore/@stdoutLogFile` as written, when `stdoutLogEnabled="true"`: the probe reads
    /// the log folder's ACL for `pool-identity-rights`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout_log_file: Option<String>,
    /// The `name` of the handler routed to ANCM (`aspNetCore`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ancm_handler: Option<String>,
    /// Handler names this web.config takes out of the inherited collection (`<remove name>`;
    /// `*` for `<clear/>`): a child application that removes its parent's ANCM handler does not
    /// inherit it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_handlers: Vec<String>,
}

impl WebConfigSummary {
    /// Whether this web.config takes a handler named `name` out of what it inherits.
    pub fn removes_handler(&self, name: Option<&str>) -> bool {
        self.removed_handlers
            .iter()
            .any(|r| r == "*" || name.is_some_and(|n| r.eq_ignore_ascii_case(n)))
    }
}

impl WebConfigSummary {
    /// Whether ANCM runs this app in-process (missing attribute = out-of-process, ancm-reference §1.1).
    pub fn is_in_process(&self) -> bool {
        self.hosting_model
            .as_deref()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("inprocess"))
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IisConfigError {
    #[error("line {line}: {message}")]
    Malformed { line: u32, message: String },
    #[error("not text: {0}")]
    Encoding(String),
}

/// The site, application and virtual directory that serve an app folder.
#[derive(Debug, Clone, Copy)]
pub struct AppMatch<'a> {
    pub site: &'a Site,
    pub application: &'a Application,
    pub virtual_directory: &'a VirtualDirectory,
    /// Set when no physical path matched exactly and the match was made on the folder name alone
    /// (a snapshot used on another machine).
    pub by_folder_name: bool,
}

impl<'a> AppMatch<'a> {
    /// `Default Web Site/app` — the form `<location path>` uses.
    pub fn location_path(&self) -> String {
        join_location(&self.site.name, &self.application.path)
    }
    /// Whether the folder is the application's root (not a virtual directory under it).
    pub fn is_application_root(&self) -> bool {
        self.virtual_directory.path == "/"
    }
}

fn join_location(site: &str, app_path: &str) -> String {
    let p = app_path.trim_matches('/');
    if p.is_empty() {
        site.to_string()
    } else {
        format!("{site}/{p}")
    }
}

impl IisConfig {
    pub fn pool(&self, name: &str) -> Option<&AppPool> {
        self.app_pools
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Whether a module name is registered in `globalModules` (names compare case-insensitively).
    pub fn global_module(&self, name: &str) -> Option<&GlobalModule> {
        self.global_modules
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// The declared section an element path (`system.webServer/rewrite/rules`) belongs to: the
    /// longest declared path that is the element path or a prefix of it on segment boundaries.
    pub fn section_of(&self, element_path: &str) -> Option<&DeclaredSection> {
        let want = element_path.to_ascii_lowercase();
        self.declared_sections
            .iter()
            .filter(|d| {
                let p = d.path.to_ascii_lowercase();
                want == p || want.starts_with(&format!("{p}/"))
            })
            .max_by_key(|d| d.path.len())
    }

    /// Whether a web.config at `location_path` (`Default Web Site/app`) may set the section an
    /// element path belongs to: the section's `overrideModeDefault`, then every
    /// `<location overrideMode>` at or above the path that sets it, least specific first.
    pub fn section_mode(&self, location_path: &str, element_path: &str) -> SectionMode {
        let Some(section) = self.section_of(element_path) else {
            return SectionMode::Undeclared;
        };
        let sp = section.path.to_ascii_lowercase();
        let target = location_path.trim_matches('/').to_ascii_lowercase();
        let mut locked = section
            .override_mode_default
            .as_deref()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("deny"));
        let mut by: Option<String> = None;
        let mut applicable: Vec<&LocationOverrideMode> = self
            .override_modes
            .iter()
            .filter(|o| {
                let p = o.location.trim_matches('/').to_ascii_lowercase();
                (p.is_empty() || p == target || target.starts_with(&format!("{p}/")))
                    && o.elements.iter().any(|e| {
                        let e = e.to_ascii_lowercase();
                        e == sp || e.starts_with(&format!("{sp}/"))
                    })
            })
            .collect();
        applicable.sort_by_key(|o| o.location.trim_matches('/').len());
        for o in applicable {
            match o.override_mode.trim().to_ascii_lowercase().as_str() {
                "allow" => {
                    locked = false;
                    by = None;
                }
                "deny" => {
                    locked = true;
                    by = Some(o.location.clone());
                }
                _ => {}
            }
        }
        if locked {
            SectionMode::Locked { by_location: by }
        } else {
            SectionMode::Allowed
        }
    }

    /// Whether a handler name is registered at the server level (case-insensitive).
    pub fn handler_registered(&self, name: &str) -> bool {
        self.handlers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    pub fn module_enabled(&self, name: &str) -> bool {
        self.modules.iter().any(|m| m.eq_ignore_ascii_case(name))
    }

    /// Whether a module is enabled for a `<location>`-style path (`Default Web Site/app`): the
    /// server-level list, then every `<location>` at or above the path, least specific first.
    pub fn module_enabled_for(&self, location_path: &str, name: &str) -> bool {
        let target = location_path.trim_matches('/').to_ascii_lowercase();
        let mut enabled = self.module_enabled(name);
        let mut applicable: Vec<(usize, usize, &ModuleOverride)> = self
            .module_overrides
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let p = o.location.trim_matches('/').to_ascii_lowercase();
                (p == target || target.starts_with(&format!("{p}/"))).then_some((p.len(), i, o))
            })
            .collect();
        applicable.sort_by_key(|(len, i, _)| (*len, *i));
        for (_, _, o) in applicable {
            let named = o
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name));
            match o.op.as_str() {
                "clear" => enabled = false,
                "remove" if named => enabled = false,
                "add" if named => enabled = true,
                _ => {}
            }
        }
        enabled
    }

    /// The application (and virtual directory) whose physical path is `app_dir`. `expand` turns
    /// `%SystemDrive%` and friends into their values; comparison ignores case, `/` vs `\` and
    /// trailing separators. Falls back to a unique match on the last folder name.
    pub fn find_app(&self, app_dir: &str, expand: impl Fn(&str) -> String) -> Option<AppMatch<'_>> {
        use super::facts::normalize_windows_path as norm;
        let want = norm(app_dir);
        let all: Vec<(&Site, &Application, &VirtualDirectory, String)> = self
            .sites
            .iter()
            .flat_map(|s| {
                s.applications
                    .iter()
                    .flat_map(move |a| a.virtual_directories.iter().map(move |v| (s, a, v)))
            })
            .map(|(s, a, v)| (s, a, v, norm(&expand(&v.physical_path))))
            .collect();
        // The application root wins over a virtual directory pointing at the same folder.
        let mut exact: Vec<_> = all.iter().filter(|(_, _, _, p)| *p == want).collect();
        exact.sort_by_key(|(_, _, v, _)| v.path != "/");
        if let Some((site, application, virtual_directory, _)) = exact.first() {
            return Some(AppMatch {
                site,
                application,
                virtual_directory,
                by_folder_name: false,
            });
        }
        let leaf = |p: &str| p.rsplit('\\').next().unwrap_or("").to_string();
        let want_leaf = leaf(&want);
        if want_leaf.is_empty() {
            return None;
        }
        let by_name: Vec<_> = all
            .iter()
            .filter(|(_, _, v, p)| v.path == "/" && leaf(p) == want_leaf)
            .collect();
        match by_name.as_slice() {
            [(site, application, virtual_directory, _)] => Some(AppMatch {
                site,
                application,
                virtual_directory,
                by_folder_name: true,
            }),
            _ => None,
        }
    }

    /// Every application in the same pool as `m`, other than `m`'s own.
    pub fn pool_mates<'s>(&'s self, m: &AppMatch<'_>) -> Vec<(&'s Site, &'s Application)> {
        let pool = &m.application.application_pool;
        self.sites
            .iter()
            .flat_map(|s| s.applications.iter().map(move |a| (s, a)))
            .filter(|(s, a)| {
                a.application_pool.eq_ignore_ascii_case(pool)
                    && !(s.name == m.site.name && a.path == m.application.path)
            })
            .collect()
    }

    /// Applications nested under `m`'s application in the same site (`/app/child` under `/app`).
    pub fn child_applications<'s>(&'s self, m: &AppMatch<'_>) -> Vec<&'s Application> {
        let base = m
            .application
            .path
            .trim_end_matches('/')
            .to_ascii_lowercase();
        m_site(self, m)
            .map(|s| {
                s.applications
                    .iter()
                    .filter(|a| {
                        let p = a.path.to_ascii_lowercase();
                        p != base && p.starts_with(&format!("{base}/"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The closest application above `m`'s in the same site (`/` above `/app`).
    pub fn parent_application<'s>(&'s self, m: &AppMatch<'_>) -> Option<&'s Application> {
        let me = m
            .application
            .path
            .trim_end_matches('/')
            .to_ascii_lowercase();
        if me.is_empty() {
            return None;
        }
        m_site(self, m)?
            .applications
            .iter()
            .filter(|a| {
                let p = a.path.trim_end_matches('/').to_ascii_lowercase();
                p != me && (p.is_empty() || me.starts_with(&format!("{p}/")))
            })
            .max_by_key(|a| a.path.len())
    }

    /// Windows/anonymous authentication in effect for a `<location>`-style path
    /// (`Default Web Site/app`): the server level, then every `<location>` whose path is a prefix
    /// of it on segment boundaries, least specific first. IIS defaults: anonymous on, Windows off.
    pub fn authentication_for(&self, location_path: &str) -> Authentication {
        let target = location_path.trim_matches('/').to_ascii_lowercase();
        let mut rules: Vec<(usize, &AuthenticationRule)> = self
            .authentication
            .iter()
            .filter_map(|r| {
                let p = r.location.trim_matches('/').to_ascii_lowercase();
                let applies = p.is_empty() || p == target || target.starts_with(&format!("{p}/"));
                applies.then_some((p.len(), r))
            })
            .collect();
        rules.sort_by_key(|(len, _)| *len);
        let mut auth = Authentication {
            windows: false,
            anonymous: true,
        };
        for (_, r) in rules {
            if let Some(w) = r.windows {
                auth.windows = w;
            }
            if let Some(a) = r.anonymous {
                auth.anonymous = a;
            }
        }
        auth
    }
}

fn m_site<'s>(cfg: &'s IisConfig, m: &AppMatch<'_>) -> Option<&'s Site> {
    cfg.sites.iter().find(|s| s.name == m.site.name)
}

/// Decodes config bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM.
pub fn decode(bytes: &[u8]) -> Result<String, IisConfigError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec())
            .map_err(|e| IisConfigError::Encoding(e.to_string()));
    }
    let utf16 = |rest: &[u8], le: bool| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|e| IisConfigError::Encoding(e.to_string()))
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, false);
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| IisConfigError::Encoding(e.to_string()))
}

type Attrs = BTreeMap<String, String>;

fn attrs(e: &BytesStart<'_>) -> Attrs {
    e.attributes()
        .flatten()
        .filter_map(|a| {
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let value = a.unescape_value().ok()?.into_owned();
            Some((key, value))
        })
        .collect()
}

#[derive(Default)]
struct RawPool {
    attrs: Attrs,
    process_model: Attrs,
    env: Vec<String>,
}

struct RawApp {
    attrs: Attrs,
    vdirs: Vec<VirtualDirectory>,
}

#[derive(Default)]
struct RawSite {
    attrs: Attrs,
    bindings: Vec<Binding>,
    apps: Vec<RawApp>,
    app_defaults: Attrs,
}

fn line_of(text: &str, pos: usize) -> u32 {
    text.as_bytes()[..pos.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u32
        + 1
}

/// Parses applicationHost.config bytes.
pub fn parse(bytes: &[u8]) -> Result<IisConfig, IisConfigError> {
    let text = decode(bytes)?;
    let mut reader = Reader::from_str(&text);
    reader.config_mut().trim_text(true);

    let mut cfg = IisConfig::default();
    // Element names from the root, and the `<location path>` we are inside (if any).
    let mut stack: Vec<(String, Attrs)> = Vec::new();
    let mut pools: Vec<RawPool> = Vec::new();
    let mut pool_defaults = RawPool::default();
    let mut sites: Vec<RawSite> = Vec::new();
    let mut server_app_defaults = Attrs::new();
    let mut server_modules: Vec<String> = Vec::new();
    let mut auth: BTreeMap<String, AuthenticationRule> = BTreeMap::new();
    let mut server_handlers: Vec<String> = Vec::new();
    // Index into `cfg.override_modes` of the `<location overrideMode>` we are inside.
    let mut mode_index: Option<usize> = None;

    loop {
        let pos = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| IisConfigError::Malformed {
            line: line_of(&text, pos),
            message: e.to_string(),
        })?;
        let (e, empty) = match &ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let a = attrs(e);
        let names: Vec<&str> = stack.iter().map(|(n, _)| n.as_str()).collect();
        let location: Option<String> = stack
            .iter()
            .find(|(n, _)| n == "location")
            .map(|(_, a)| a.get("path").cloned().unwrap_or_default());
        // The path inside system.webServer, independent of a wrapping <location>.
        let ws: Option<Vec<&str>> = names
            .iter()
            .position(|n| *n == "system.webServer")
            .map(|i| names[i + 1..].to_vec());
        let server_level = location
            .as_deref()
            .map_or(true, |p| p.trim_matches(['/', '.']).is_empty());

        if let (["configuration", "configSections", groups @ ..], "section") =
            (names.as_slice(), name.as_str())
        {
            if groups.iter().all(|g| *g == "sectionGroup") {
                let mut path: Vec<&str> = stack
                    .iter()
                    .filter(|(n, _)| n == "sectionGroup")
                    .filter_map(|(_, a)| a.get("name").map(String::as_str))
                    .collect();
                if let Some(n) = a.get("name") {
                    path.push(n);
                    cfg.declared_sections.push(DeclaredSection {
                        path: path.join("/"),
                        override_mode_default: a.get("overrideModeDefault").cloned(),
                    });
                }
            }
        }
        if name == "location" && names == ["configuration"] {
            mode_index = a.get("overrideMode").map(|m| {
                cfg.override_modes.push(LocationOverrideMode {
                    location: a
                        .get("path")
                        .map(|p| p.trim_matches(['/', '.']).to_string())
                        .unwrap_or_default(),
                    override_mode: m.clone(),
                    elements: Vec::new(),
                });
                cfg.override_modes.len() - 1
            });
        } else if let Some(i) = mode_index {
            if let Some(pos) = names.iter().position(|n| *n == "location") {
                let mut path: Vec<&str> = names[pos + 1..].to_vec();
                path.push(&name);
                let path = path.join("/");
                if let Some(o) = cfg.override_modes.get_mut(i) {
                    if !o.elements.contains(&path) {
                        o.elements.push(path);
                    }
                }
            }
        }

        match (names.as_slice(), name.as_str()) {
            (["configuration", "configSections", groups @ ..], "section")
                if groups.iter().all(|g| *g == "sectionGroup")
                    && stack.iter().any(|(n, a)| {
                        n == "sectionGroup"
                            && a.get("name").is_some_and(|v| v == "system.webServer")
                    })
                    && a.get("name").is_some_and(|n| n == "aspNetCore") =>
            {
                cfg.aspnetcore_section = Some(SectionDeclaration {
                    name: "aspNetCore".into(),
                    override_mode_default: a.get("overrideModeDefault").cloned(),
                });
            }
            ([.., "applicationPools"], "add") => pools.push(RawPool {
                attrs: a.clone(),
                ..RawPool::default()
            }),
            ([.., "applicationPools"], "applicationPoolDefaults") => {
                pool_defaults.attrs = a.clone()
            }
            ([.., "applicationPools", "add"], "processModel") => {
                if let Some(p) = pools.last_mut() {
                    p.process_model = a.clone();
                }
            }
            ([.., "applicationPools", "applicationPoolDefaults"], "processModel") => {
                pool_defaults.process_model = a.clone()
            }
            ([.., "applicationPools", "add", "environmentVariables"], "add") => {
                if let (Some(p), Some(n)) = (pools.last_mut(), a.get("name")) {
                    p.env.push(n.clone());
                }
            }
            ([.., "system.applicationHost", "sites"], "site") => sites.push(RawSite {
                attrs: a.clone(),
                ..RawSite::default()
            }),
            ([.., "system.applicationHost", "sites"], "applicationDefaults") => {
                server_app_defaults = a.clone()
            }
            ([.., "sites", "site"], "applicationDefaults") => {
                if let Some(s) = sites.last_mut() {
                    s.app_defaults = a.clone();
                }
            }
            ([.., "sites", "site"], "application") => {
                if let Some(s) = sites.last_mut() {
                    s.apps.push(RawApp {
                        attrs: a.clone(),
                        vdirs: Vec::new(),
                    });
                }
            }
            ([.., "site", "application"], "virtualDirectory") => {
                if let Some(app) = sites.last_mut().and_then(|s| s.apps.last_mut()) {
                    app.vdirs.push(VirtualDirectory {
                        path: a.get("path").cloned().unwrap_or_else(|| "/".into()),
                        physical_path: a.get("physicalPath").cloned().unwrap_or_default(),
                    });
                }
            }
            ([.., "site", "bindings"], "binding") => {
                if let Some(s) = sites.last_mut() {
                    s.bindings.push(Binding {
                        protocol: a.get("protocol").cloned().unwrap_or_default(),
                        binding_information: a
                            .get("bindingInformation")
                            .cloned()
                            .unwrap_or_default(),
                    });
                }
            }
            _ => {}
        }

        if let Some(ws) = &ws {
            match (ws.as_slice(), name.as_str()) {
                (["globalModules"], "add") => {
                    if let Some(n) = a.get("name") {
                        cfg.global_modules.push(GlobalModule {
                            name: n.clone(),
                            image: a.get("image").cloned().unwrap_or_default(),
                            pre_condition: a.get("preCondition").cloned(),
                        });
                    }
                }
                (["handlers"], op) if server_level => match op {
                    "add" => {
                        if let Some(n) = a.get("name") {
                            server_handlers.retain(|m| !m.eq_ignore_ascii_case(n));
                            server_handlers.push(n.clone());
                        }
                    }
                    "remove" => {
                        if let Some(n) = a.get("name") {
                            server_handlers.retain(|m| !m.eq_ignore_ascii_case(n));
                        }
                    }
                    "clear" => server_handlers.clear(),
                    _ => {}
                },
                (["security", "requestFiltering"], "requestLimits") if server_level => {
                    if let Some(v) = a
                        .get("maxAllowedContentLength")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                    {
                        cfg.max_allowed_content_length = Some(v);
                    }
                }
                (["modules"], op @ ("add" | "remove" | "clear")) if !server_level => {
                    cfg.module_overrides.push(ModuleOverride {
                        location: location.clone().unwrap_or_default(),
                        op: op.to_string(),
                        name: a.get("name").cloned(),
                    });
                }
                (["modules"], op) if server_level => match op {
                    "add" => {
                        if let Some(n) = a.get("name") {
                            server_modules.retain(|m| !m.eq_ignore_ascii_case(n));
                            server_modules.push(n.clone());
                        }
                    }
                    "remove" => {
                        if let Some(n) = a.get("name") {
                            server_modules.retain(|m| !m.eq_ignore_ascii_case(n));
                        }
                    }
                    "clear" => server_modules.clear(),
                    _ => {}
                },
                (
                    ["security", "authentication"],
                    kind @ ("windowsAuthentication" | "anonymousAuthentication"),
                ) => {
                    let key = location.clone().unwrap_or_default();
                    let rule = auth
                        .entry(key.clone())
                        .or_insert_with(|| AuthenticationRule {
                            location: key,
                            windows: None,
                            anonymous: None,
                        });
                    if let Some(v) = a
                        .get("enabled")
                        .map(|v| v.trim().eq_ignore_ascii_case("true"))
                    {
                        if kind == "windowsAuthentication" {
                            rule.windows = Some(v);
                        } else {
                            rule.anonymous = Some(v);
                        }
                    }
                }
                _ => {}
            }
        }

        if !empty {
            stack.push((name, a));
        }
    }

    cfg.modules = server_modules;
    cfg.handlers = server_handlers;
    cfg.authentication = auth.into_values().collect();
    cfg.app_pools = pools
        .into_iter()
        .filter_map(|p| resolve_pool(p, &pool_defaults))
        .collect();
    cfg.sites = sites
        .into_iter()
        .map(|s| resolve_site(s, &server_app_defaults))
        .collect();
    Ok(cfg)
}

fn pick<'a>(own: &'a Attrs, defaults: &'a Attrs, key: &str) -> Option<&'a str> {
    own.get(key)
        .or_else(|| defaults.get(key))
        .map(String::as_str)
}

fn as_bool(v: Option<&str>, default: bool) -> bool {
    match v.map(|s| s.trim().to_ascii_lowercase()) {
        Some(s) if s == "true" => true,
        Some(s) if s == "false" => false,
        _ => default,
    }
}

fn resolve_pool(p: RawPool, d: &RawPool) -> Option<AppPool> {
    let name = p.attrs.get("name")?.clone();
    let get = |k: &str| pick(&p.attrs, &d.attrs, k);
    let pm = |k: &str| pick(&p.process_model, &d.process_model, k);
    Some(AppPool {
        name,
        // IIS schema default (IIS_schema.xml) [INFER: v4.0 on IIS 8+].
        managed_runtime_version: get("managedRuntimeVersion").unwrap_or("v4.0").to_string(),
        enable_32bit_app_on_win64: as_bool(get("enable32BitAppOnWin64"), false),
        identity_type: pm("identityType")
            .unwrap_or("ApplicationPoolIdentity")
            .to_string(),
        user_name: pm("userName").map(str::to_string),
        load_user_profile: as_bool(pm("loadUserProfile"), false),
        set_profile_environment: as_bool(pm("setProfileEnvironment"), true),
        auto_start: as_bool(get("autoStart"), true),
        managed_pipeline_mode: get("managedPipelineMode")
            .unwrap_or("Integrated")
            .to_string(),
        environment_variables: p.env,
    })
}

fn resolve_site(s: RawSite, server_app_defaults: &Attrs) -> Site {
    let applications = s
        .apps
        .into_iter()
        .map(|a| Application {
            path: a.attrs.get("path").cloned().unwrap_or_else(|| "/".into()),
            application_pool: a
                .attrs
                .get("applicationPool")
                .or_else(|| s.app_defaults.get("applicationPool"))
                .or_else(|| server_app_defaults.get("applicationPool"))
                .cloned()
                .unwrap_or_else(|| "DefaultAppPool".into()),
            virtual_directories: a.vdirs,
            web_config: None,
        })
        .collect();
    Site {
        name: s.attrs.get("name").cloned().unwrap_or_default(),
        id: s.attrs.get("id").cloned(),
        bindings: s.bindings,
        applications,
    }
}

/// IIS shared configuration: `redirection.config`'s `<configurationRedirection>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedConfiguration {
    pub enabled: bool,
    /// Where IIS reads `applicationHost.config` from (`\\fileserver\iisconfig`).
    pub path: String,
}

/// Reads `redirection.config`: `configuration/configurationRedirection/@enabled` and `@path`.
/// `None` when the element is absent or the file is not XML.
pub fn parse_redirection(bytes: &[u8]) -> Option<SharedConfiguration> {
    let text = decode(bytes).ok()?;
    let mut reader = Reader::from_str(&text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e))
                if e.name().as_ref() == b"configurationRedirection" =>
            {
                let a = attrs(&e);
                return Some(SharedConfiguration {
                    enabled: as_bool(a.get("enabled").map(String::as_str), false),
                    path: a.get("path").cloned().unwrap_or_default(),
                });
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// The ANCM handler module, hosting model and inheritance of an application's web.config. Lenient:
/// anything unreadable yields the default (nothing known), never an error, because this only
/// describes *other* apps for the pool checks.
pub fn summarize_web_config(bytes: &[u8]) -> WebConfigSummary {
    let mut out = WebConfigSummary {
        inherited_by_child_applications: true,
        ..WebConfigSummary::default()
    };
    let Ok(text) = decode(bytes) else { return out };
    let mut reader = Reader::from_str(&text);
    let mut stack: Vec<(String, Attrs)> = Vec::new();
    loop {
        let (e, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(_)) => {
                stack.pop();
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let a = attrs(&e);
        let parent = stack.last().map(|(n, _)| n.as_str());
        match (parent, name.as_str()) {
            (Some("handlers"), "add") => {
                if let Some(m) = a.get("modules") {
                    if m.to_ascii_lowercase().starts_with("aspnetcoremodule") {
                        out.ancm_module = Some(m.clone());
                        out.ancm_handler = a.get("name").cloned();
                    }
                }
            }
            (Some("handlers"), "remove") => {
                if let Some(n) = a.get("name") {
                    out.removed_handlers.push(n.clone());
                }
            }
            (Some("handlers"), "clear") => out.removed_handlers.push("*".into()),
            (Some("system.webServer"), "aspNetCore") => {
                out.hosting_model = a.get("hostingModel").cloned();
                if a.get("stdoutLogEnabled")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
                {
                    out.stdout_log_file = Some(
                        a.get("stdoutLogFile")
                            .cloned()
                            .unwrap_or_else(|| r".\logs\stdout".to_string()),
                    );
                }
            }
            (_, "system.webServer") => {
                if let Some((_, la)) = stack.iter().find(|(n, _)| n == "location") {
                    if la
                        .get("inheritInChildApplications")
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
                    {
                        out.inherited_by_child_applications = false;
                    }
                }
            }
            _ => {}
        }
        if !empty {
            stack.push((name, a));
        }
    }
    out
}

#[cfg(test)]
mod redirection_tests {
    use super::*;

    #[test]
    fn reads_shared_configuration() {
        let on = br#"<configuration><configSections><section name="configurationRedirection" /></configSections><configurationRedirection enabled="true" path="\\fs01\iisconfig" userName="" password="[enc:x]" /></configuration>"#;
        assert_eq!(
            parse_redirection(on),
            Some(SharedConfiguration {
                enabled: true,
                path: r"\\fs01\iisconfig".into()
            })
        );
        let off = br#"<configuration><configurationRedirection /></configuration>"#;
        assert_eq!(parse_redirection(off).map(|s| s.enabled), Some(false));
        assert_eq!(parse_redirection(b"<configuration/>"), None);
        assert_eq!(parse_redirection(b"\xff\x00garbage"), None);
    }

    #[test]
    fn records_declarations_overrides_handlers_and_request_limits() {
        let cfg = parse(br#"<configuration>
  <configSections><sectionGroup name="system.webServer"><section name="handlers" overrideModeDefault="Deny" />
    <sectionGroup name="rewrite"><section name="rules" overrideModeDefault="Allow" /></sectionGroup></sectionGroup></configSections>
  <system.webServer>
    <handlers><add name="WebDAV" path="*" verb="PROPFIND" modules="WebDAVModule" /><add name="StaticFile" path="*" verb="*" modules="StaticFileModule" /><remove name="StaticFile" /></handlers>
    <security><requestFiltering><requestLimits maxAllowedContentLength="52428800" /></requestFiltering></security>
  </system.webServer>
  <location path="" overrideMode="Allow"><system.webServer><handlers /></system.webServer></location>
</configuration>"#).unwrap();
        let paths: Vec<&str> = cfg
            .declared_sections
            .iter()
            .map(|d| d.path.as_str())
            .collect();
        assert_eq!(
            paths,
            [
                "system.webServer/handlers",
                "system.webServer/rewrite/rules"
            ]
        );
        assert_eq!(cfg.handlers, ["WebDAV"]);
        assert_eq!(cfg.max_allowed_content_length, Some(52_428_800));
        assert_eq!(cfg.override_modes.len(), 1);
        assert_eq!(
            cfg.override_modes[0].elements,
            ["system.webServer", "system.webServer/handlers"]
        );
        assert_eq!(
            cfg.section_mode("Default Web Site/app", "system.webServer/handlers/add"),
            SectionMode::Allowed
        );
        assert_eq!(
            cfg.section_mode("x", "system.webServer/webSocket"),
            SectionMode::Undeclared
        );
    }
}
