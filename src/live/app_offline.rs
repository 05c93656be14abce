//! Watching `app_offline.htm` the way ANCM V2 does (ancm-protocol.md §5.4): its arrival (or any
//! change) stops the app gracefully and every request gets 503 with the file's bytes as
//! `text/html`; its removal lets the next request start the app again. V2 re-checks at most every
//! 200 ms; this watcher polls at that interval. It only observes the file, never writes it.
use super::events::Event;
use super::supervisor::Supervisor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

/// V2's `c_appOfflineRefreshIntervalMS` (§5.4 [SRC]).
pub const POLL: Duration = Duration::from_millis(200);

/// The file's content while the app is offline; `None` when online.
pub type OfflineState = watch::Receiver<Option<Arc<Vec<u8>>>>;

/// `app_offline.htm` in the app folder, matched case-insensitively as ANCM does.
pub fn find(app_dir: &Path) -> Option<PathBuf> {
    let exact = app_dir.join("app_offline.htm");
    if exact.is_file() {
        return Some(exact);
    }
    std::fs::read_dir(app_dir).ok()?.flatten().find_map(|e| {
        let name = e.file_name();
        (name
            .to_string_lossy()
            .eq_ignore_ascii_case("app_offline.htm")
            && e.path().is_file())
        .then(|| e.path())
    })
}

/// The most of the file served as the 503 body. ANCM reads the whole file (and refuses one of
/// 4 GB or more, §5.4 `AppOfflineApplication.cpp`); a page is a few KB, and a huge or sparse file
/// must not make the emulator hold gigabytes, so past this the body is the file's first bytes.
pub const MAX_CONTENT: u64 = 16 * 1024 * 1024;

/// The 503 body: the file's bytes, at most [`MAX_CONTENT`] (a note says when it was cut).
/// Unreadable for a moment (being written): empty until the next poll, as ANCM counts a sharing
/// violation as "present".
fn content(path: &Path, sup: &Supervisor) -> Arc<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read =
        std::fs::File::open(path).and_then(|f| f.take(MAX_CONTENT + 1).read_to_end(&mut bytes));
    if read.is_err() {
        bytes.clear();
    }
    if bytes.len() as u64 > MAX_CONTENT {
        bytes.truncate(MAX_CONTENT as usize);
        sup.bus.emit(Event::Note {
            message: format!(
                "`{}` is larger than {MAX_CONTENT} bytes: the 503 body is its first {MAX_CONTENT} bytes (ANCM sends the whole file, and fails on one of 4 GB or more)",
                path.display()
            ),
        });
    }
    Arc::new(bytes)
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
}

/// Checks once now (a file already present means offline from the first request), then polls.
/// The task ends when every receiver is gone.
pub fn watch(sup: Arc<Supervisor>) -> OfflineState {
    let app_dir = sup.cfg.app_dir.clone();
    let initial = find(&app_dir).map(|p| {
        sup.bus.emit(Event::Offline {
            path: p.display().to_string(),
        });
        (p.clone(), stamp(&p), content(&p, &sup))
    });
    let (tx, rx) = watch::channel(initial.as_ref().map(|(_, _, c)| c.clone()));
    let mut seen = initial.map(|(p, s, _)| (p, s));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(POLL).await;
            if tx.is_closed() {
                return;
            }
            match find(&app_dir) {
                Some(p) => {
                    let s = stamp(&p);
                    let changed = seen.as_ref().map_or(true, |(q, t)| *q != p || *t != s);
                    if changed {
                        let was_online = seen.is_none();
                        seen = Some((p.clone(), s));
                        let _ = tx.send(Some(content(&p, &sup)));
                        if was_online {
                            sup.bus.emit(Event::Offline {
                                path: p.display().to_string(),
                            });
                        }
                        sup.stop().await;
                    }
                }
                None => {
                    if seen.take().is_some() {
                        let _ = tx.send(None);
                        sup.bus.emit(Event::Online);
                    }
                }
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_file_whatever_its_case() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(super::find(d.path()), None);
        std::fs::write(d.path().join("App_Offline.HTM"), b"x").unwrap();
        assert_eq!(
            super::find(d.path()),
            Some(d.path().join("App_Offline.HTM"))
        );
    }
}
