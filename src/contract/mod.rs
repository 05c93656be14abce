//! ANCM's decisions for one app on one machine, written once and pure (no I/O): how `processPath`
//! and `arguments` expand, split and classify against the app folder ([`launch_target`],
//! [`command_line`]), which module generation and hosting model the handler selects
//! ([`module`]), the environment block ([`environment`]), which dotnet root a launch uses
//! ([`dotnet_root`]), what publish writes for the app in the folder ([`publish`]), and which
//! status IIS shows for a failure under them ([`symptom`]). [`Plan`] puts them together once per
//! run, from the deployment and the host facts.
//!
//! The deployment reader uses the text rules to know which paths web.config names; the checks
//! judge the result; the emulator (`live`) adds a port and a token and spawns it. A rule of
//! ANCM's changes here, in one place.
pub mod command_line;
pub mod dotnet_root;
pub mod environment;
pub mod launch_target;
pub mod module;
pub mod plan;
pub mod publish;
pub mod symptom;

pub use command_line::{expand_env, split_arguments, Expanded};
pub use launch_target::{AppFolder, LaunchTarget, PathState, Program};
pub use module::{Hosting, ModuleVersion};
pub use plan::{Plan, Starter};
pub use publish::PublishedLaunch;
pub use symptom::{iis_symptom, StartKind, Trouble};
