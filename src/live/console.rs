//! What `run --trace`'s keys do to a running session (`keys.rs` reads them): restart the app,
//! take it offline and back with `app_offline.htm`, send one request through the proxy, show the
//! environment the app was started with (redacted as the timeline is). Each action says what it
//! did as a `note` event, so the timeline (human or JSON) records it.
//!
//! `o` is the one write into the app folder `run` makes, and only because the operator pressed
//! it: ancm writes `app_offline.htm` atomically, removes only a file it wrote itself, and
//! removes that one when the session ends. An `app_offline.htm` that was there before is the
//! operator's: ancm does not delete it.
use super::events::{Event, EventBus};
use super::session::Session;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The `app_offline.htm` ancm wrote for `o`, if any.
#[derive(Debug, Default)]
pub struct Offline {
    written: Option<PathBuf>,
}

/// What ancm writes as `app_offline.htm` (ANCM serves the file's content with a 503).
const OFFLINE_PAGE: &str = "<!doctype html>\n<html><body><h1>Offline</h1><p>Taken offline by <code>ancm run</code> (key o).</p></body></html>\n";

impl Offline {
    /// Writes `app_offline.htm` (offline) or removes the one ancm wrote (online).
    pub fn toggle(&mut self, app_dir: &Path, bus: &EventBus) {
        if let Some(path) = self.written.take() {
            let message = match std::fs::remove_file(&path) {
                Ok(()) => format!("key o: removed {} (ancm wrote it)", path.display()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    format!("key o: {} is already gone", path.display())
                }
                Err(e) => {
                    self.written = Some(path.clone());
                    format!("key o: cannot remove {}: {e}", path.display())
                }
            };
            bus.emit(Event::Note { message });
            return;
        }
        if let Some(existing) = super::app_offline::find(app_dir) {
            bus.emit(Event::Note {
                message: format!(
                    "key o: {} was there before ancm started: it is the operator's, so ancm leaves it (remove it to bring the app online)",
                    existing.display()
                ),
            });
            return;
        }
        let path = app_dir.join("app_offline.htm");
        let message = match write_atomically(&path, OFFLINE_PAGE) {
            Ok(()) => {
                self.written = Some(path.clone());
                format!(
                    "key o: wrote {} (press o again, or quit, to remove it)",
                    path.display()
                )
            }
            Err(e) => format!("key o: cannot write {}: {e}", path.display()),
        };
        bus.emit(Event::Note { message });
    }

    /// At the end of the session: removes the file ancm wrote, if it is still there.
    pub fn clean_up(&mut self, bus: &EventBus) {
        if let Some(path) = self.written.take() {
            if std::fs::remove_file(&path).is_ok() {
                bus.emit(Event::Note {
                    message: format!("removed {} (ancm wrote it for key o)", path.display()),
                });
            }
        }
    }
}

impl Drop for Offline {
    fn drop(&mut self) {
        // A session that ends without `clean_up` (an error, a panic) still leaves no file.
        if let Some(path) = self.written.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".ancm-app_offline-")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `r`: stops the running app gracefully and starts it again now (not at the next request).
pub fn restart(session: &Session, bus: &Arc<EventBus>) {
    bus.emit(Event::Note {
        message: "key r: restarting the app".into(),
    });
    let sup = session.sup.clone();
    tokio::spawn(async move {
        sup.stop().await;
        // Whatever the start ends in, the timeline shows it (spawn, ready or the failure).
        let _ = sup.acquire().await;
    });
}

/// `p`: one `GET /` through the proxy, as a browser would send it; its `request` event follows.
pub fn probe(session: &Session, bus: &Arc<EventBus>) {
    let url = format!("http://{}/", session.addr);
    bus.emit(Event::Note {
        message: format!("key p: GET {url}"),
    });
    let bus = bus.clone();
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(150))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                bus.emit(Event::Note {
                    message: format!("key p: cannot make a client: {e}"),
                });
                return;
            }
        };
        if let Err(e) = client
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status().map(|_| ()))
        {
            if e.status().is_none() {
                bus.emit(Event::Note {
                    message: format!("key p: no answer from the proxy: {e}"),
                });
            }
        }
    });
}

/// `e`: the environment of the last start, as the `spawn` event recorded it (web.config values
/// redacted unless `--show-secrets`).
pub fn environment(bus: &EventBus) {
    let last = bus
        .snapshot()
        .into_iter()
        .rev()
        .find_map(|e| match e.event {
            Event::Spawn { pid, env, .. } => Some((pid, env)),
            _ => None,
        });
    let message = match last {
        Some((pid, env)) => {
            let mut text = format!(
                "key e: environment of pid {pid} (what ANCM adds and web.config sets{}):",
                if bus.show_secrets() {
                    ""
                } else {
                    "; secrets as ***"
                }
            );
            for v in env {
                text.push_str(&format!(
                    "\n{:>19}{}={}  [{}]",
                    "", v.name, v.value, v.origin
                ));
            }
            text
        }
        None => {
            "key e: the app has not been started yet (press p to send a request, which starts it)"
                .into()
        }
    };
    bus.emit(Event::Note { message });
}
