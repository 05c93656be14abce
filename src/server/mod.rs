//! Every app on an IIS server (`ancm doctor` with no APP_DIR, `--site NAME`, `--all`): which
//! applications of `applicationHost.config` are ASP.NET Core apps ([`apps`]), and the report that
//! groups their single-folder reports under a server summary ([`report`]). The CLI runs the
//! single-folder diagnosis once per app; this module only adds the server's view.
pub mod apps;
pub mod report;

use crate::host::iis_config::{self, Application, Site, WebConfigSummary};
use std::path::Path;

/// A web.config larger than this is not summarised (the single-folder reader refuses such files
/// too); the application is listed as not readable.
const MAX_WEB_CONFIG: u64 = 4 * 1024 * 1024;

/// The summary of the web.config in `folder` as this machine has it, else the one the host facts
/// carry (a snapshot made on the server summarises each application's web.config).
pub fn read_summary(app: &Application, folder: &str) -> Option<WebConfigSummary> {
    let dir = Path::new(folder);
    if dir.is_dir() {
        // IIS finds `Web.config` too; so does the single-folder reader on a case-sensitive disk.
        let file = std::fs::read_dir(dir).ok()?.flatten().find(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("web.config"))
        });
        return match file {
            Some(f) => {
                let len = f.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
                if len > MAX_WEB_CONFIG {
                    // Not summarised: listed as "not readable here" rather than guessed.
                    return None;
                }
                std::fs::read(f.path())
                    .ok()
                    .map(|b| iis_config::summarize_web_config(&b))
            }
            // A folder without web.config: nothing of its own (it may inherit).
            None => Some(WebConfigSummary {
                inherited_by_child_applications: true,
                ..WebConfigSummary::default()
            }),
        };
    }
    app.web_config.clone()
}

/// [`read_summary`] in the shape [`apps::enumerate`] takes.
pub fn summary_reader(_: &Site, app: &Application, folder: &str) -> Option<WebConfigSummary> {
    read_summary(app, folder)
}
