//! ancm-doctor: tells why an ASP.NET Core app behind IIS / Azure App Service fails, and proves it.
//!
//! Layers (see `DESIGN.md`): `deployment` and `host` gather facts once and know nothing of checks;
//! `fx` mirrors the .NET host's framework resolution (pure); `checks` are pure functions over facts;
//! `live` is the only place that starts processes and opens sockets; `report` only formats;
//! `cli` wires them together and is the only place that knows about exit codes and terminals.
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod contract;
pub mod deployment;
pub mod diagnostic;
pub mod evidence;
pub mod fx;
pub mod host;
pub mod knowledge;
pub mod live;
pub mod printer;
pub mod report;
pub mod secrets;
pub mod text_encoding;
