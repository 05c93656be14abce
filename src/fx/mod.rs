//! .NET framework resolution, pure: version ordering and the host's roll-forward algorithm,
//! mirroring hostfxr (hostfxr.md §3). No I/O: installed versions, framework folders' own
//! runtimeconfigs and the environment come in as data (gathered by `host::dotnet_install`).
//!
//! - [`version`]: `FxVersion`, the host's SemVer parsing and ordering.
//! - [`roll_forward`]: `rollForward` values, legacy settings, environment, precedence → references.
//! - [`resolve`]: reconciliation of references and roll-forward over installed versions.
//! - [`policy`]: which setting decided a reference's roll-forward, and what it allows.
//! - [`message`]: what the host prints when it fails, per hostfxr generation.
pub mod install;
pub mod message;
pub mod policy;
pub mod resolve;
pub mod roll_forward;
pub mod version;

pub use resolve::{resolve, Hive, InstalledVersion, Request, Resolution, ResolveFailure};
pub use roll_forward::{FxConfig, FxRefSpec, RollForward, RollForwardEnv};
pub use version::FxVersion;
