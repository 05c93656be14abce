//! The stdout logs ANCM already wrote: `<stdoutLogFile leaf>_<yyyyMMddHHmmss>_<pid>.log` in the
//! folder the `stdoutLogFile` prefix names (ancm-reference.md §3.1: UTC timestamp of the worker's
//! start or of the launch, the w3wp PID; never rotated, never trimmed).
//!
//! [`parse_name`] and [`read_content`] are pure; [`scan`] lists one folder and reads the tail of
//! the newest file, opening files for reading only.
use super::message::{self, MessageFacts};
use std::path::{Path, PathBuf};

/// How much of the newest log is read: its last 256 KB (the start that failed is at its end).
pub const TAIL_BYTES: u64 = 256 * 1024;

/// One log file by ANCM's naming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub path: PathBuf,
    /// The timestamp in the name, as RFC 3339 UTC.
    pub time: String,
    pub pid: u32,
    pub size: u64,
}

/// What one folder holds for one prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StdoutLogs {
    pub folder: PathBuf,
    /// Newest first.
    pub files: Vec<LogFile>,
    pub total_bytes: u64,
    /// What the newest non-empty file says.
    pub newest: Option<(LogFile, StdoutContent)>,
}

/// What a stdout log says about the start it recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StdoutContent {
    pub facts: MessageFacts,
    /// Lines that say the app or the host stopped (`Application is shutting down...`, an exit
    /// code, a crash).
    pub exit_lines: Vec<String>,
}

/// `stdout_20180205194132_1934.log` for prefix leaf `stdout` → (RFC 3339 time, pid). ANCM
/// compares names case-insensitively on NTFS, so the prefix does too.
pub fn parse_name(file_name: &str, leaf: &str) -> Option<(String, u32)> {
    let lower = file_name.to_ascii_lowercase();
    let rest = lower.strip_prefix(&leaf.to_ascii_lowercase())?;
    let rest = rest.strip_prefix('_')?.strip_suffix(".log")?;
    let (stamp, pid) = rest.split_once('_')?;
    if stamp.len() != 14 || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pid: u32 = pid.parse().ok()?;
    let t = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S").ok()?;
    Some((t.and_utc().to_rfc3339(), pid))
}

/// Reads the text of one start's log.
pub fn read_content(text: &str) -> StdoutContent {
    let facts = message::read(text);
    let exit_lines = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            let lower = l.to_ascii_lowercase();
            lower.contains("application is shutting down")
                || lower.contains("exited with code")
                || lower.contains("exit code")
                || lower.starts_with("process terminated")
                || lower.contains("stack overflow")
        })
        .map(message::clip)
        .take(5)
        .collect();
    StdoutContent { facts, exit_lines }
}

/// Lists `folder` for `leaf`'s logs and reads the newest non-empty one. `None` when the folder
/// does not exist or cannot be listed.
pub fn scan(folder: &Path, leaf: &str) -> Option<StdoutLogs> {
    let entries = std::fs::read_dir(folder).ok()?;
    let mut files: Vec<LogFile> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (time, pid) = parse_name(&name, leaf)?;
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            Some(LogFile {
                path: e.path(),
                time,
                pid,
                size: meta.len(),
            })
        })
        .collect();
    // Newest first: the timestamp sorts as text; the pid breaks ties.
    files.sort_by(|a, b| (&b.time, b.pid).cmp(&(&a.time, a.pid)));
    let total_bytes = files.iter().map(|f| f.size).sum();
    let newest = files
        .iter()
        .find(|f| f.size > 0)
        .and_then(|f| tail(&f.path).map(|t| (f.clone(), read_content(&t))));
    Some(StdoutLogs {
        folder: folder.to_path_buf(),
        files,
        total_bytes,
        newest,
    })
}

/// The last [`TAIL_BYTES`] of a file as text (lossy: a log may hold any bytes).
fn tail(path: &Path) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    if len > TAIL_BYTES {
        f.seek(SeekFrom::Start(len - TAIL_BYTES)).ok()?;
    }
    let mut buf = Vec::new();
    f.take(TAIL_BYTES).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_ancm() {
        assert_eq!(
            parse_name("stdout_20180205194132_1934.log", "stdout"),
            Some(("2018-02-05T19:41:32+00:00".to_string(), 1934))
        );
        assert_eq!(
            parse_name("STDOUT_20180205194132_1934.LOG", "stdout").map(|p| p.1),
            Some(1934)
        );
        for bad in [
            "stdout_2018020519413_1934.log",
            "stdout_20180205194132.log",
            "stdout_20181305194132_1.log",
            "other_20180205194132_1934.log",
            "stdout_20180205194132_x.log",
            "stdout_20180205194132_1934.txt",
        ] {
            assert_eq!(parse_name(bad, "stdout"), None, "{bad}");
        }
    }

    #[test]
    fn content_yields_the_exception_and_the_exit() {
        let c = read_content("info: Microsoft.Hosting.Lifetime[0]\n      Now listening on: http://127.0.0.1:20451\ninfo: Microsoft.Hosting.Lifetime[0]\n      Application is shutting down...\nUnhandled exception. System.Exception: boom\n");
        assert_eq!(c.facts.listening, vec!["http://127.0.0.1:20451"]);
        assert_eq!(c.exit_lines, vec!["Application is shutting down..."]);
        assert!(c.facts.exception.is_some());
    }

    #[test]
    fn scan_lists_newest_first_and_reads_the_newest_non_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("stdout_20260101000000_10.log"),
            "Unhandled exception. System.Exception: old\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("stdout_20260102000000_11.log"),
            "Unhandled exception. System.Exception: new\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("stdout_20260103000000_12.log"), "").unwrap();
        std::fs::write(dir.path().join("unrelated.log"), "x").unwrap();
        let logs = scan(dir.path(), "stdout").unwrap();
        assert_eq!(logs.files.len(), 3);
        assert_eq!(logs.files[0].pid, 12);
        assert_eq!(logs.total_bytes, 2 * 43);
        let (f, c) = logs.newest.unwrap();
        assert_eq!(f.pid, 11);
        assert!(c.facts.exception.unwrap().contains("new"));
        assert!(scan(&dir.path().join("missing"), "stdout").is_none());
    }
}
