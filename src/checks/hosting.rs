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

/// The worker process's environment for `%VAR%` expansion, as far as the host facts know it:
/// the path variables the probe recorded (`SystemDrive`, `ProgramFiles` …) and, on Azure App
/// Service, `HOME`. Names match case-insensitively, as on Windows.
pub fn worker_env(host: &HostFacts) -> impl Fn(&str) -> Option<String> + '_ {
    move |name: &str| {
        host.path_variables
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .or_else(|| {
                name.eq_ignore_ascii_case("HOME")
                    .then(|| host.azure.as_ref().and_then(|a| a.home.clone()))
                    .flatten()
            })
    }
}

/// Whether the facts describe an Azure App Service worker: the probe records `WEBSITE_SITE_NAME`
/// when it runs there. `None` when the facts carry no OS (hand-built or truncated facts).
pub fn on_azure(host: &HostFacts) -> Option<bool> {
    if host.azure.is_some() {
        Some(true)
    } else if host.os.is_empty() {
        None
    } else {
        Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::facts::AzureAppService;

    #[test]
    fn worker_env_uses_path_variables_and_azure_home() {
        let mut h = HostFacts {
            os: "windows".into(),
            ..HostFacts::default()
        };
        h.path_variables
            .insert("ProgramFiles".into(), r"C:\Program Files".into());
        assert_eq!(
            worker_env(&h)("programfiles").as_deref(),
            Some(r"C:\Program Files")
        );
        assert_eq!(worker_env(&h)("HOME"), None);
        assert_eq!(on_azure(&h), Some(false));
        h.azure = Some(AzureAppService {
            site_name: "contoso".into(),
            instance_id: None,
            home: Some(r"D:\home".into()),
        });
        assert_eq!(worker_env(&h)("home").as_deref(), Some(r"D:\home"));
        assert_eq!(on_azure(&h), Some(true));
        assert_eq!(on_azure(&HostFacts::default()), None);
    }
}
