//! Which ANCM generation the web.config's handler selects and the hosting model it runs the app
//! in: one [`ModuleVersion`] for the checks and the emulator (ancm-reference.md §1.3), and the
//! worker's environment for `%VAR%` expansion as far as the host facts know it. Pure.
use crate::deployment::web_config::{AspNetCoreSection, HostingModel, WebConfig};
use crate::host::HostFacts;

/// Which ANCM generation the web.config's handler names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleVersion {
    /// `AspNetCoreModule` (aspnet/AspNetCoreModule, ≤ 2.1 era): out-of-process only, does not
    /// create the stdout log folder.
    V1,
    /// `AspNetCoreModuleV2` (2.2+).
    V2,
}

impl ModuleVersion {
    pub fn name(self) -> &'static str {
        match self {
            ModuleVersion::V1 => "AspNetCoreModule (V1)",
            ModuleVersion::V2 => "AspNetCoreModuleV2",
        }
    }

    /// The `modules` value of the handler that selects this generation.
    pub fn modules_attribute(self) -> &'static str {
        match self {
            ModuleVersion::V1 => "AspNetCoreModule",
            ModuleVersion::V2 => "AspNetCoreModuleV2",
        }
    }

    /// The generation the server has registered in `<globalModules>`: V2 when it is there (a
    /// server with both serves either), V1 when only V1 is; `None` without IIS facts.
    pub fn installed(host: &HostFacts) -> Option<ModuleVersion> {
        let names: Vec<&str> = host
            .iis_config()?
            .global_modules
            .iter()
            .map(|m| m.name.trim())
            .collect();
        let has = |v: ModuleVersion| {
            names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(v.modules_attribute()))
        };
        if has(ModuleVersion::V2) {
            Some(ModuleVersion::V2)
        } else if has(ModuleVersion::V1) {
            Some(ModuleVersion::V1)
        } else {
            None
        }
    }

    /// From the `modules` attribute of the aspNetCore handler; V2 (today's module) when there is
    /// none or it names something else.
    pub fn from_modules_attribute(modules: Option<&str>) -> ModuleVersion {
        match modules {
            Some(m) if m.trim().eq_ignore_ascii_case("AspNetCoreModule") => ModuleVersion::V1,
            _ => ModuleVersion::V2,
        }
    }

    /// Whether the module creates a missing stdout log folder: V2 does (`CreateDirectories` in
    /// its file output manager), V1 does not and logs nothing (ancm-reference.md §3.1).
    pub fn creates_stdout_log_folder(self) -> bool {
        self == ModuleVersion::V2
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hosting {
    pub module: ModuleVersion,
    /// Whether the handler named a module ancm knows (`AspNetCoreModule` or
    /// `AspNetCoreModuleV2`); otherwise `module` is V2 by assumption.
    pub module_named: bool,
    /// The effective model: V1 ignores `hostingModel` and always runs out-of-process; an invalid
    /// value is another check's finding and counts as out-of-process here.
    pub model: HostingModel,
}

impl Hosting {
    pub fn of(wc: &WebConfig, section: &AspNetCoreSection) -> Hosting {
        let modules = wc
            .aspnetcore_handler()
            .and_then(|h| h.modules.as_ref())
            .map(|m| m.value.trim());
        let module = ModuleVersion::from_modules_attribute(modules);
        let module_named = modules.is_some_and(|m| {
            m.eq_ignore_ascii_case("AspNetCoreModule")
                || m.eq_ignore_ascii_case("AspNetCoreModuleV2")
        });
        let model = match module {
            ModuleVersion::V1 => HostingModel::OutOfProcess,
            ModuleVersion::V2 => section
                .hosting_model()
                .unwrap_or(HostingModel::OutOfProcess),
        };
        Hosting {
            module,
            module_named,
            model,
        }
    }

    pub fn in_process(self) -> bool {
        self.model == HostingModel::InProcess
    }

    /// The status IIS shows when the app fails to start this way, for this module and model
    /// ([`super::symptom::iis_symptom`], the one map).
    pub fn start_failure(self, kind: super::symptom::StartKind) -> &'static str {
        super::symptom::iis_symptom(
            super::symptom::Trouble::Start(kind),
            self.model,
            self.module,
        )
        .unwrap_or(if self.in_process() { "500.0" } else { "502.5" })
    }

    pub fn describe(self) -> &'static str {
        match (self.model, self.module) {
            (HostingModel::InProcess, _) => "in-process (ANCM V2)",
            (HostingModel::OutOfProcess, ModuleVersion::V1) => "out-of-process (ANCM V1)",
            (HostingModel::OutOfProcess, ModuleVersion::V2) => "out-of-process",
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
    fn module_version_from_handler() {
        assert_eq!(
            ModuleVersion::from_modules_attribute(Some("AspNetCoreModule")),
            ModuleVersion::V1
        );
        assert_eq!(
            ModuleVersion::from_modules_attribute(Some("AspNetCoreModuleV2")),
            ModuleVersion::V2
        );
        assert_eq!(
            ModuleVersion::from_modules_attribute(None),
            ModuleVersion::V2
        );
    }

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
