//! Shared by the checks about starting the app: which module version and hosting model the
//! web.config selects, and which IIS symptom a start failure shows under them. Pure.
use crate::deployment::web_config::{AspNetCoreSection, HostingModel, WebConfig};
use crate::host::HostFacts;

/// The module the `aspNetCore` handler names (ancm-reference.md §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleVersion {
    /// `AspNetCoreModule`: out-of-process only, does not create the stdout log folder.
    V1,
    /// `AspNetCoreModuleV2` (2.2+).
    V2,
    /// No handler, or a name ancm does not know: treated like V2, today's module.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hosting {
    pub module: ModuleVersion,
    /// The effective model: V1 ignores `hostingModel` and always runs out-of-process; an invalid
    /// value is another check's finding and counts as out-of-process here.
    pub model: HostingModel,
}

impl Hosting {
    pub fn of(wc: &WebConfig, section: &AspNetCoreSection) -> Hosting {
        let module = match wc.aspnetcore_handler().and_then(|h| h.modules.as_ref()) {
            Some(m) if m.value.trim().eq_ignore_ascii_case("AspNetCoreModule") => ModuleVersion::V1,
            Some(m) if m.value.trim().eq_ignore_ascii_case("AspNetCoreModuleV2") => {
                ModuleVersion::V2
            }
            _ => ModuleVersion::Unknown,
        };
        let model = match module {
            ModuleVersion::V1 => HostingModel::OutOfProcess,
            _ => section
                .hosting_model()
                .unwrap_or(HostingModel::OutOfProcess),
        };
        Hosting { module, model }
    }

    pub fn in_process(self) -> bool {
        self.model == HostingModel::InProcess
    }

    /// The symptom of a start failure: 502.5 out-of-process (V1 and V2, ancm-reference.md §5
    /// rows 31–33), or the given in-process status (500.0 / 500.30 / 500.38, rows 14, 16, 26).
    pub fn symptom(self, in_process: &'static str) -> &'static str {
        if self.in_process() {
            in_process
        } else {
            "502.5"
        }
    }

    pub fn describe(self) -> &'static str {
        match (self.model, self.module) {
            (HostingModel::InProcess, _) => "in-process (ANCM V2)",
            (HostingModel::OutOfProcess, ModuleVersion::V1) => "out-of-process (ANCM V1)",
            (HostingModel::OutOfProcess, _) => "out-of-process",
        }
    }
}

/// The worker process's environment for `%VAR%` expansion, as far as the host facts know it.
/// `HostFacts` does not record environment variables yet, so nothing expands; the host layer can
/// fill this in without touching the checks.
pub fn worker_env(_host: &HostFacts) -> impl Fn(&str) -> Option<String> + '_ {
    |_name: &str| None
}

/// Whether the facts describe an Azure App Service worker. `Some(false)` when the host is not
/// Windows (App Service for Windows is where ANCM runs); `None` when it can't be told from the
/// facts gathered today.
pub fn on_azure(host: &HostFacts) -> Option<bool> {
    if !host.os.is_empty() && host.os != "windows" {
        Some(false)
    } else {
        None
    }
}
