//! The live probe off Windows: OS, architecture, the process PATH and the `dotnet` on it. There is
//! no IIS here, so the IIS checks skip unless a Windows snapshot is passed with `--host FILE`.
//! (dotnet installs are gathered by `dotnet_install.rs`.)
use super::facts::{HostFacts, PathScope};
use super::path_scan::dotnet_on;

pub fn probe() -> HostFacts {
    let mut f = HostFacts::basic();
    f.dotnet_on_path = dotnet_on(&f.process_path, PathScope::Process);
    f
}
