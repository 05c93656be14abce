//! `appsettings.json` and `appsettings.<Environment>.json` in the app root: the configuration
//! files ASP.NET Core's default host builder reads at startup (and dies on when malformed). This
//! layer only reads their text, once, for the `appsettings-json` check, which parses it.
use super::layout::FileIndex;
use std::path::{Path, PathBuf};

/// Larger files are not read (configuration files are small; a huge one is reported as such).
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// One `appsettings*.json` file of the app root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSettingsFile {
    /// The name as on disk (`appsettings.Production.json`).
    pub name: String,
    pub path: PathBuf,
    pub text: Result<String, AppSettingsReadError>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppSettingsReadError {
    #[error("cannot be read: {0}")]
    Io(String),
    #[error("is {0} bytes, more than the {MAX_BYTES} bytes ancm reads")]
    TooLarge(u64),
}

/// Whether `name` is `appsettings.json` or `appsettings.<something>.json` (any case: IIS serves
/// from a case-insensitive file system).
fn is_app_settings(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l == "appsettings.json"
        || (l.starts_with("appsettings.")
            && l.ends_with(".json")
            && l.len() > "appsettings..json".len())
}

/// Reads every `appsettings*.json` file of the listing. The text is decoded the way .NET's
/// `StreamReader` does: a UTF-8, UTF-16 LE or UTF-16 BE byte-order mark is honoured, anything
/// else is UTF-8 with invalid bytes replaced.
pub fn read(app_dir: &Path, files: &FileIndex) -> Vec<AppSettingsFile> {
    files
        .entries()
        .filter(|e| !e.is_dir && is_app_settings(&e.name))
        .map(|e| {
            let path = app_dir.join(&e.name);
            AppSettingsFile {
                name: e.name.clone(),
                text: read_text(&path),
                path,
            }
        })
        .collect()
}

fn read_text(path: &Path) -> Result<String, AppSettingsReadError> {
    let meta = std::fs::metadata(path).map_err(|e| AppSettingsReadError::Io(e.to_string()))?;
    if meta.len() > MAX_BYTES {
        return Err(AppSettingsReadError::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| AppSettingsReadError::Io(e.to_string()))?;
    Ok(decode(&bytes))
}

/// `StreamReader`'s decoding (BOM detection, UTF-8 by default).
pub fn decode(bytes: &[u8]) -> String {
    let utf16 = |rest: &[u8], le: bool| -> String {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, true)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, false)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_decoding() {
        assert!(is_app_settings("appsettings.json"));
        assert!(is_app_settings("AppSettings.Production.json"));
        assert!(!is_app_settings("appsettings..json"));
        assert!(!is_app_settings("myappsettings.json"));
        assert_eq!(decode(b"\xEF\xBB\xBF{}"), "{}");
        assert_eq!(decode(b"\xFF\xFE{\x00}\x00"), "{}");
        assert_eq!(decode(b"\xFE\xFF\x00{\x00}"), "{}");
    }

    #[test]
    fn reads_only_app_settings_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("appsettings.json"), "{}").unwrap();
        std::fs::write(dir.path().join("appsettings.Staging.json"), "{").unwrap();
        std::fs::write(dir.path().join("web.config"), "<x/>").unwrap();
        let files = read(dir.path(), &FileIndex::read(dir.path()));
        let mut names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["appsettings.Staging.json", "appsettings.json"]);
    }
}
