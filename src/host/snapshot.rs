//! Reading a host snapshot (`ancm host --format json`, read back by `ancm doctor --host FILE`):
//! bytes to [`HostFacts`] with one clear error naming the file. The schema id is checked before
//! the fields, so a report or another tool's JSON is named as such instead of drawing a serde
//! complaint about a missing field. [`read`] reads the file first, bounded: never a FIFO,
//! a device or a file of hundreds of MB.
use super::facts::{HostFacts, SCHEMA};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a file is not a snapshot this ancm can use. Each variant names the file.
#[derive(Debug, Error)]
pub enum SnapshotError {
    #[error("{}: cannot read host snapshot: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{}:{line}:{column}: not a host snapshot (invalid JSON): {message}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: not a host snapshot (no `schema` field; expected `{SCHEMA}` — make one with `ancm host --format json`)", path.display())]
    NoSchema { path: PathBuf },
    #[error("{}: host snapshot schema is `{found}`, this ancm reads `{SCHEMA}`; re-create it with `ancm host --format json` from this version", path.display())]
    OtherSchema { path: PathBuf, found: String },
    #[error("{}: host snapshot does not match `{SCHEMA}`: {message}", path.display())]
    Fields { path: PathBuf, message: String },
}

/// A snapshot is tens of KB (a server with hundreds of sites: a few MB).
pub const MAX_SNAPSHOT: u64 = 64 * 1024 * 1024;

/// Reads and parses the snapshot at `path` (see [`crate::deployment::json_file::read_bounded`]).
pub fn read(path: &Path) -> Result<HostFacts, SnapshotError> {
    let bytes = crate::deployment::json_file::read_bounded(path, MAX_SNAPSHOT).map_err(|e| {
        SnapshotError::Read {
            path: path.to_path_buf(),
            message: match e {
                crate::deployment::json_file::JsonFileError::Io { source, .. } => {
                    source.to_string()
                }
                crate::deployment::json_file::JsonFileError::TooLarge { size, limit, .. } => {
                    format!("{size} bytes, more than the {limit} bytes ancm reads")
                }
                other => other.to_string(),
            },
        }
    })?;
    parse(path, &bytes)
}

/// Parses a snapshot's bytes: UTF-8 with or without a BOM, or UTF-16 with a BOM (Windows
/// PowerShell 5.1's `ancm host --format json > server.json` writes UTF-16LE).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<HostFacts, SnapshotError> {
    let text = crate::text_encoding::decode(bytes).map_err(|e| SnapshotError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| SnapshotError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(SnapshotError::OtherSchema {
                path: path.to_path_buf(),
                found: other.chars().take(80).collect(),
            })
        }
        None => {
            return Err(SnapshotError::NoSchema {
                path: path.to_path_buf(),
            })
        }
    }
    serde_json::from_value(value).map_err(|e| SnapshotError::Fields {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_checked_before_fields() {
        let p = Path::new("server.json");
        let e = parse(p, br#"{"schema":"ancm-host/9"}"#).unwrap_err();
        assert!(matches!(e, SnapshotError::OtherSchema { .. }), "{e}");
        let e = parse(p, br#"{"checks":[]}"#).unwrap_err();
        assert!(matches!(e, SnapshotError::NoSchema { .. }), "{e}");
        let e = parse(p, br#"{"schema":"ancm-host/1","os":3}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("server.json: host snapshot does not match"),
            "{e}"
        );
        let e = parse(p, b"{\n\"schema\": ").unwrap_err();
        assert!(e.to_string().starts_with("server.json:2:"), "{e}");
        let ok = parse(
            p,
            b"\xEF\xBB\xBF{\"schema\":\"ancm-host/1\",\"os\":\"windows\",\"arch\":\"x86_64\"}",
        )
        .unwrap();
        assert_eq!(ok.os, "windows");
    }
}
