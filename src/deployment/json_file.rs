//! The JSON files the .NET host reads next to the app (`*.runtimeconfig.json`, `*.deps.json`):
//! one error type and one way to read their text, so both report problems alike.
use serde_json::Value;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a host JSON file could not be used. Each variant names the file (and position for JSON).
#[derive(Debug, Error)]
pub enum JsonFileError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    Json {
        path: PathBuf,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Schema { path: PathBuf, message: String },
}

/// Parses the bytes as JSON; a UTF-8 BOM is allowed, as the host allows it.
pub fn parse_value(path: &Path, bytes: &[u8]) -> Result<Value, JsonFileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| JsonFileError::Json {
        path: path.to_path_buf(),
        line: e.line() as u32,
        column: e.column() as u32,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_allowed_and_errors_are_located() {
        let p = Path::new("App.runtimeconfig.json");
        assert!(parse_value(p, b"\xEF\xBB\xBF{}").is_ok());
        let e = parse_value(p, b"{\n  \"a\": ,\n}").unwrap_err();
        assert!(
            e.to_string().starts_with("App.runtimeconfig.json:2:"),
            "{e}"
        );
    }
}
