//! Writing a fixed web.config safely: a byte-identical backup `web.config.bak-<timestamp>` first,
//! then the new bytes into a temporary file in the same folder, then a rename over the original
//! (atomic on one file system: IIS and ANCM never see half a file). The file is compared with the
//! bytes the fix was computed from before anything is written and again just before the rename;
//! if someone changed it meanwhile, nothing is written and the backup is removed.
//!
//! The only place `ancm` writes into an app folder, and only for `ancm fix --write`.
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WriteError {
    #[error(
        "{}: changed since ancm read it: nothing written (run `ancm fix` again)",
        crate::deployment::shown(path)
    )]
    Changed { path: PathBuf },
    #[error("{}: {error}", crate::deployment::shown(path))]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub backup: PathBuf,
    /// Folders created (absolute), parents first.
    pub folders: Vec<PathBuf>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |error| WriteError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Refuses unless `path` still holds exactly `expected`.
fn unchanged(path: &Path, expected: &[u8]) -> Result<(), WriteError> {
    match std::fs::read(path) {
        Ok(now) if now == expected => Ok(()),
        Ok(_) => Err(WriteError::Changed {
            path: path.to_path_buf(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(WriteError::Changed {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(io(path)(e)),
    }
}

/// The backup's name: `<name>.bak-<stamp>`, with `-2`, `-3` … when one of that name exists
/// already (two fixes within a second); created exclusively, never overwriting.
fn create_backup(path: &Path, stamp: &str, bytes: &[u8]) -> Result<PathBuf, WriteError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "web.config".into());
    for n in 1..1000 {
        let candidate = match n {
            1 => path.with_file_name(format!("{name}.bak-{stamp}")),
            n => path.with_file_name(format!("{name}.bak-{stamp}-{n}")),
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut f) => {
                let written = f.write_all(bytes).and_then(|_| f.sync_all());
                if let Err(e) = written {
                    let _ = std::fs::remove_file(&candidate);
                    return Err(io(&candidate)(e));
                }
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io(&candidate)(e)),
        }
    }
    Err(io(path)(std::io::Error::other(
        "too many backups with the same timestamp",
    )))
}

/// Replaces `path` with `new`, provided it still holds `original` (the bytes the fix was
/// computed from): backup, temporary file, comparison, rename. Then creates `folders`
/// (absolute paths, parents first). `stamp` names the backup (`20261201T114500Z`).
pub fn commit(
    path: &Path,
    original: &[u8],
    new: &[u8],
    folders: &[PathBuf],
    stamp: &str,
) -> Result<Written, WriteError> {
    unchanged(path, original)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let backup = create_backup(path, stamp, original)?;
    let result = (|| {
        let mut tmp = tempfile::Builder::new()
            .prefix(".web.config.ancm-fix-")
            .tempfile_in(&dir)
            .map_err(io(&dir))?;
        tmp.write_all(new).map_err(io(tmp.path()))?;
        if let Ok(meta) = std::fs::metadata(path) {
            // Keep the original's permissions (the temp file is created 0600).
            let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
        }
        tmp.as_file().sync_all().map_err(io(tmp.path()))?;
        // The last look before the rename: what is replaced is what the diff was made from.
        unchanged(path, original)?;
        tmp.persist(path).map_err(|e| io(path)(e.error))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&backup);
        return Err(e);
    }
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(&dir) {
        // The rename itself survives a crash only once the folder is synced.
        let _ = d.sync_all();
    }
    let mut created = Vec::new();
    for f in folders {
        if !f.exists() {
            std::fs::create_dir(f).map_err(io(f))?;
            created.push(f.clone());
        }
    }
    Ok(Written {
        backup,
        folders: created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_backup_then_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("web.config");
        std::fs::write(&p, b"old").unwrap();
        let logs = dir.path().join("logs");
        let w = commit(
            &p,
            b"old",
            b"new",
            std::slice::from_ref(&logs),
            "20260101T000000Z",
        )
        .unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::read(&w.backup).unwrap(), b"old");
        assert!(logs.is_dir());
        assert_eq!(
            names(dir.path()),
            vec!["logs", "web.config", "web.config.bak-20260101T000000Z"]
        );
        // A second fix in the same second keeps the first backup.
        let w2 = commit(&p, b"new", b"newer", &[], "20260101T000000Z").unwrap();
        assert!(w2.backup.ends_with("web.config.bak-20260101T000000Z-2"));
        assert_eq!(std::fs::read(&w2.backup).unwrap(), b"new");
    }

    #[test]
    fn a_changed_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("web.config");
        std::fs::write(&p, b"edited by someone else").unwrap();
        let logs = dir.path().join("logs");
        let e = commit(&p, b"old", b"new", &[logs], "20260101T000000Z").unwrap_err();
        assert!(matches!(e, WriteError::Changed { .. }), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"edited by someone else");
        assert_eq!(names(dir.path()), vec!["web.config"]);
    }
}
