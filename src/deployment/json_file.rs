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
    /// Larger than ancm reads (the host would read it; ancm does not judge it).
    #[error("{}: {size} bytes, more than the {limit} bytes ancm reads of such a file; not checked", path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
}

/// Reads a host JSON file of at most `limit` bytes. The size and kind come from metadata first:
/// a folder, FIFO or device (which would block a reader) is an error without being opened, and
/// a file that grows while being read is never read past the limit.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, JsonFileError> {
    use std::io::Read;
    let io = |source: std::io::Error| JsonFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a folder, not a file")));
    }
    if !meta.is_file() {
        return Err(io(std::io::Error::other(
            "is not a regular file (a pipe, socket or device)",
        )));
    }
    let too_large = |size| JsonFileError::TooLarge {
        path: path.to_path_buf(),
        size,
        limit,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Parses the bytes as the .NET host does: a UTF-8 BOM is skipped and `//` and `/* */` comments
/// are allowed (rapidjson's `kParseCommentsFlag` in `json_parser.cpp`; the 3.1 host's parser
/// accepts them too — checked on the real 3.1 host in `tests/bad_input_catalog.rs`); trailing
/// commas are not (no `kParseTrailingCommasFlag`; 3.1 says "Malformed object literal").
/// Text after the root value is refused: the 3.1 host refuses it, hosts from .NET 5 on
/// (`kParseStopWhenDoneFlag`) ignore it, and the machine's newest host decides, so a file that
/// only some hosts read is reported. Error positions are those of the original bytes.
pub fn parse_value(path: &Path, bytes: &[u8]) -> Result<Value, JsonFileError> {
    parse(path, bytes)
}

/// [`parse_value`] into any type: the same BOM, comment and trailing-text rules and the same
/// error positions. A large deps.json is read this way without building a `Value` tree.
pub fn parse<T: serde::de::DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
) -> Result<T, JsonFileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = blank_comments(bytes).map_err(|(line, column)| JsonFileError::Json {
        path: path.to_path_buf(),
        line,
        column,
        message: "unterminated `/*` comment".into(),
    })?;
    serde_json::from_slice(&text).map_err(|e| JsonFileError::Json {
        path: path.to_path_buf(),
        line: e.line() as u32,
        column: e.column() as u32,
        message: e.to_string(),
    })
}

/// The bytes with every comment outside a string replaced by spaces (line breaks kept), so the
/// JSON parser sees plain JSON and its line:column still point into the original file. An
/// unterminated block comment is an error at its `/*` (line, column, 1-based).
fn blank_comments(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, (u32, u32)> {
    if !bytes.contains(&b'/') {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = bytes.to_vec();
    let (mut i, mut in_string) = (0, false);
    while i < out.len() {
        let c = out[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match (c, out.get(i + 1)) {
            (b'"', _) => in_string = true,
            (b'/', Some(b'/')) => {
                while i < out.len() && out[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            (b'/', Some(b'*')) => {
                let start = i;
                let Some(len) = memchr::memmem::find(&out[i + 2..], b"*/") else {
                    let before = &bytes[..start];
                    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
                    let line_start = before
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |p| p + 1);
                    return Err((line, (start - line_start) as u32 + 1));
                };
                for b in &mut out[start..start + len + 4] {
                    if *b != b'\n' && *b != b'\r' {
                        *b = b' ';
                    }
                }
                i = start + len + 4;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(std::borrow::Cow::Owned(out))
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

    #[test]
    fn comments_are_accepted_like_the_host_but_not_trailing_commas() {
        let p = Path::new("App.runtimeconfig.json");
        let v = parse_value(
            p,
            b"// first\n{ /* a */ \"a\": \"x//y /* z */\", // b\n \"b\": 1 }\n// end",
        )
        .unwrap();
        assert_eq!(v["a"], "x//y /* z */");
        assert_eq!(v["b"], 1);
        let e = parse_value(p, b"{\"a\": 1,\n}").unwrap_err();
        assert!(
            e.to_string().starts_with("App.runtimeconfig.json:2:1:"),
            "{e}"
        );
        let e = parse_value(p, b"{\n  /* never closed\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("App.runtimeconfig.json:2:3: invalid JSON: unterminated"),
            "{e}"
        );
        assert!(parse_value(p, b"\xEF\xBB\xBF").is_err());
        assert!(parse_value(p, b"{} trailing").is_err());
        // A comment after a string with an escaped quote is still a comment.
        let v = parse_value(p, b"{\"a\": \"q\\\"\" /* c */}").unwrap();
        assert_eq!(v["a"], "q\"");
    }
}
