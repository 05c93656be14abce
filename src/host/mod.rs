//! The machine: OS, IIS, the module, dotnet installs, PATHs, app pools. Gathered once by a live
//! probe (`windows.rs` / `unix.rs`) or loaded from a saved snapshot; knows nothing about checks.
pub mod dotnet_install;
pub mod facts;

pub use facts::HostFacts;
