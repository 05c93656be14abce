//! Checks: pure functions over gathered facts. No I/O here — everything a check needs is in
//! [`Context`], so each check is unit-tested with hand-built facts.
//!
//! A check is a unit struct in its own file implementing [`Check`]; [`REGISTRY`] lists them in
//! pipeline order, which is also the report order. Titles and documentation live in the catalog
//! (`checks/*.md` at the top level); `tests/catalog.rs` keeps the two one-to-one.
use crate::contract::Plan;
use crate::deployment::Deployment;
use crate::diagnostic::{CheckResult, Finding, Level};
use crate::host::HostFacts;

mod app_offline;
mod app_pool;
mod appsettings_json;
mod aspnetcore_attributes;
mod child_app_inherits_handler;
mod deps_assets;
mod dotnet_architecture;
mod dotnet_on_machine_path;
mod environment_variables;
#[cfg(test)]
pub(crate) mod fixtures;
mod framework_resolution;
mod globalization_icu;
mod handler_module;
pub(crate) mod iis_app;
mod inprocess_handler;
mod launcher_placeholders;
mod live_probe;
mod live_site;
mod module_installed;
mod path_changed_after_iis_start;
mod pool_identity_rights;
mod process_path;
mod request_size_limit;
mod runtime_config;
mod runtime_support;
mod section_locked;
mod self_contained;
mod server_evidence;
mod shared_configuration;
mod stdout_log;
mod url_rewrite_module;
mod vc_runtime;
mod virtual_directories;
mod web_config;
mod webdav;
mod websocket_module;
mod windows_auth_token;

/// Everything a check may look at: the facts, and the launch plan computed once from them.
pub struct Context<'a> {
    pub deployment: &'a Deployment,
    pub host: &'a HostFacts,
    /// What ANCM and the .NET host will do with these facts (`contract::Plan`), computed once
    /// here so every check judges the same launch.
    pub plan: Plan<'a>,
}

impl<'a> Context<'a> {
    pub fn new(deployment: &'a Deployment, host: &'a HostFacts) -> Context<'a> {
        Context {
            deployment,
            host,
            plan: Plan::of(deployment, host),
        }
    }
}

/// What one run of a check produced.
#[derive(Debug)]
pub enum CheckRun {
    /// Zero or more findings; none (or notes only) is a pass.
    Findings(Vec<Finding>),
    /// The check could not run; the reason says why (e.g. "no web.config").
    Skip(String),
}

pub trait Check: Sync {
    /// Permanent, kebab-case id; also the catalog file name (`checks/<id>.md`).
    fn id(&self) -> &'static str;
    /// The most serious level this check reports; the catalog's `severity` agrees.
    fn severity(&self) -> Level;
    fn run(&self, cx: &Context<'_>) -> CheckRun;
}

/// All checks, in pipeline order.
pub static REGISTRY: &[&dyn Check] = &[
    &web_config::WebConfigPresent,
    &handler_module::HandlerModule,
    &aspnetcore_attributes::AspNetCoreAttributes,
    &launcher_placeholders::LauncherPlaceholders,
    &process_path::ProcessPath,
    &stdout_log::StdoutLog,
    &environment_variables::EnvironmentVariables,
    &app_offline::AppOffline,
    &runtime_config::RuntimeConfigValid,
    &self_contained::SelfContained,
    &dotnet_architecture::DotnetArchitecture,
    &framework_resolution::FrameworkResolution,
    &deps_assets::DepsAssets,
    &appsettings_json::AppSettingsJson,
    &globalization_icu::GlobalizationIcu,
    &runtime_support::RuntimeSupport,
    &inprocess_handler::InProcessHandler,
    &module_installed::ModuleInstalled,
    &vc_runtime::VcRuntime,
    &dotnet_on_machine_path::DotnetOnMachinePath,
    &path_changed_after_iis_start::PathChangedAfterIisStart,
    &app_pool::AppPool,
    &virtual_directories::VirtualDirectories,
    &child_app_inherits_handler::ChildAppInheritsHandler,
    &windows_auth_token::WindowsAuthToken,
    &shared_configuration::SharedConfiguration,
    &url_rewrite_module::UrlRewriteModule,
    &section_locked::SectionLocked,
    &webdav::WebDav,
    &request_size_limit::RequestSizeLimit,
    &pool_identity_rights::PoolIdentityRights,
    &websocket_module::WebSocketModule,
    &live_probe::LiveProbe,
    &live_site::LiveSite,
    &server_evidence::ServerEvidence,
];

/// Runs every check over the context, in order.
pub fn run_all(cx: &Context<'_>) -> Vec<CheckResult> {
    REGISTRY.iter().map(|c| run_one(*c, cx)).collect()
}

pub fn run_one(check: &dyn Check, cx: &Context<'_>) -> CheckResult {
    let id = check.id();
    let title = crate::catalog::title(id);
    match check.run(cx) {
        CheckRun::Findings(findings) => {
            debug_assert!(
                findings.iter().all(|f| f.level <= check.severity()),
                "check {id} reported above its declared severity"
            );
            CheckResult::from_findings(id, title, findings)
        }
        CheckRun::Skip(reason) => CheckResult::skipped(id, title, reason),
    }
}

pub fn find(id: &str) -> Option<&'static dyn Check> {
    REGISTRY
        .iter()
        .copied()
        .find(|c| c.id().eq_ignore_ascii_case(id))
}
