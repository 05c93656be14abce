//! Reads web.config bytes into [`WebConfig`] (quick-xml): BOM / UTF-16 decoding, line:column for
//! every element and attribute, `<location>` wrapping, comments, handler collections.
use super::{WebConfig, WebConfigError};
use std::path::Path;

/// Reads and parses the file at `path`.
pub fn read(path: &Path) -> Result<WebConfig, WebConfigError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => WebConfigError::NotFound {
            path: path.to_path_buf(),
        },
        _ => WebConfigError::Io {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    parse(path, &bytes)
}

/// Parses web.config bytes; `path` is only used to name the file in errors and locations.
pub fn parse(path: &Path, _bytes: &[u8]) -> Result<WebConfig, WebConfigError> {
    Err(WebConfigError::Malformed {
        path: path.to_path_buf(),
        line: 1,
        column: 1,
        message: "web.config reader not implemented yet".into(),
    })
}
