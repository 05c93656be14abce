//! The machine: OS, IIS, the module, dotnet installs, PATHs, app pools. Gathered once by a live
//! probe (`windows.rs` / `unix.rs`) or loaded from a saved snapshot; knows nothing about checks.
pub mod acl;
pub mod appcmd;
pub mod dotnet_install;
pub mod facts;
pub mod iis_config;
pub mod path_scan;
pub mod pe;
pub mod render;
pub mod snapshot;
#[cfg(not(windows))]
mod unix;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
mod windows_acl;

pub use facts::HostFacts;
