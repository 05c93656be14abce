//! ancm-doctor: tells why an ASP.NET Core app behind IIS / Azure App Service fails, and proves it.
//!
//! Layers, bottom up (see `DESIGN.md`, `docs/design-notes.md` item 8): `deployment` and `host`
//! gather facts once, side by side, and know nothing of what uses them (`host` never reaches
//! `fx` or above); `fx` reads those facts as the .NET host does and mirrors its framework
//! resolution (pure); `contract` holds ANCM's launch rules once (expansion, splitting,
//! classification, environment, module and hosting model, the dotnet root a launch uses, the
//! failure → IIS symptom map; pure) and `contract::Plan` applies them once per run; `checks` are
//! pure functions over the facts and that plan; `live` adds a port and a token to the contract's
//! launch and is the only place that starts processes and opens sockets (never writing into the
//! app folder or where a web.config points); `report` only formats; `cli` wires them together
//! and is the only place that knows about exit codes and terminals. `fix` is the one writer:
//! it edits web.config (what publish writes, from `contract::publish`) only for
//! `ancm fix --write`, atomically after a backup.
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod contract;
pub mod deployment;
pub mod diagnostic;
pub mod evidence;
pub mod fix;
pub mod fx;
pub mod host;
pub mod knowledge;
pub mod live;
pub mod printer;
pub mod report;
pub mod secrets;
pub mod server;
pub mod text_encoding;
