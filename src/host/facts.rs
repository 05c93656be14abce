//! `HostFacts`: everything checks know about the machine. Serde, versioned: this struct *is* the
//! snapshot format written by `ancm host --format json` and read by `ancm doctor --host FILE`.
use serde::{Deserialize, Serialize};

/// The snapshot schema id; bump on incompatible change.
pub const SCHEMA: &str = "ancm-host/1";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostFacts {
    pub schema: String,
    /// `windows`, `linux`, `macos` …
    pub os: String,
    /// `x86_64`, `aarch64` …
    pub arch: String,
    /// The PATH of the process that gathered the facts, split.
    #[serde(default)]
    pub process_path: Vec<String>,
    /// .NET installs: candidate dotnet roots, what each holds, the host-relevant environment,
    /// registered locations, ICU libraries (`host::dotnet_install`).
    #[serde(default)]
    pub dotnet: super::dotnet_install::DotnetFacts,
}

impl HostFacts {
    /// Facts about this machine, probed now.
    pub fn probe() -> HostFacts {
        let process_path: Vec<String> = std::env::var_os("PATH")
            .map(|p| {
                std::env::split_paths(&p)
                    .map(|p| p.display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        HostFacts {
            schema: SCHEMA.to_string(),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            dotnet: super::dotnet_install::probe(&process_path),
            process_path,
        }
    }
}
