//! The check catalog: one Markdown file per check under top-level `checks/`, with TOML front
//! matter between `+++` lines, embedded at build time (`build.rs`). Data, not code: `ancm explain`
//! prints an entry; a test keeps the catalog and the check registry one-to-one.
use serde::Deserialize;
use thiserror::Error;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog.rs"));
}

/// The sections every entry has, in this order.
pub const SECTIONS: [&str; 4] = ["What it means", "Why it fails", "How to fix", "References"];

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FrontMatter {
    pub id: String,
    pub title: String,
    /// `error` or `warning`: the most serious level the check reports.
    pub severity: String,
    /// IIS symptoms this check accounts for ("502.5", "500.19" …).
    #[serde(default)]
    pub explains: Vec<String>,
    pub since: String,
    /// Set when a check is retired; its id stays answerable by `explain`.
    #[serde(default)]
    pub removed: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub file: &'static str,
    pub meta: FrontMatter,
    /// The Markdown after the front matter.
    pub body: &'static str,
    /// `(heading, text)` for each `## ` section, in file order.
    pub sections: Vec<(String, String)>,
}

#[derive(Debug, Error)]
pub enum CatalogError {
    #[error("checks/{file}: no `+++` front matter")]
    NoFrontMatter { file: String },
    #[error("checks/{file}: front matter: {message}")]
    BadFrontMatter { file: String, message: String },
}

/// Parses one catalog file.
pub fn parse_entry(file: &'static str, text: &'static str) -> Result<Entry, CatalogError> {
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .ok_or_else(|| CatalogError::NoFrontMatter {
            file: file.to_string(),
        })?;
    let end = rest
        .find("\n+++")
        .ok_or_else(|| CatalogError::NoFrontMatter {
            file: file.to_string(),
        })?;
    let meta: FrontMatter =
        toml::from_str(&rest[..end]).map_err(|e| CatalogError::BadFrontMatter {
            file: file.to_string(),
            message: e.message().to_string(),
        })?;
    let body = rest[end + 4..].trim_start_matches(['\r', '\n']);
    let mut sections = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in body.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            if let Some(s) = current.take() {
                sections.push(s);
            }
            current = Some((h.trim().to_string(), String::new()));
        } else if let Some((_, text)) = &mut current {
            text.push_str(line);
            text.push('\n');
        }
    }
    if let Some(s) = current.take() {
        sections.push(s);
    }
    for (_, text) in &mut sections {
        *text = text.trim().to_string();
    }
    Ok(Entry {
        file,
        meta,
        body,
        sections,
    })
}

/// Every embedded entry. Panics only if the embedded catalog itself is broken, which the catalog
/// test catches before release.
pub fn entries() -> &'static [Entry] {
    use std::sync::OnceLock;
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        embedded::CATALOG_FILES
            .iter()
            .map(|(file, text)| {
                parse_entry(file, text).unwrap_or_else(|e| panic!("embedded catalog: {e}"))
            })
            .collect()
    })
}

/// The entry for a check id.
pub fn lookup(id: &str) -> Option<&'static Entry> {
    entries()
        .iter()
        .find(|e| e.meta.id.eq_ignore_ascii_case(id))
}

/// The title of a check, from its catalog entry (the single source of titles). Plain titles were
/// taken from the front matter at build time: a doctor run needs every check's title, and parsing
/// all entries' TOML for them was a third of a small folder's run.
pub fn title(id: &str) -> &'static str {
    if let Some((_, title)) = embedded::CATALOG_TITLES
        .iter()
        .find(|(entry, _)| entry.eq_ignore_ascii_case(id))
    {
        return title;
    }
    lookup(id)
        .map(|e| e.meta.title.as_str())
        .unwrap_or("(no catalog entry)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_time_titles_are_the_front_matter_titles() {
        for (id, title) in embedded::CATALOG_TITLES {
            let entry = lookup(id).unwrap_or_else(|| panic!("`{id}` has no entry"));
            assert_eq!(*title, entry.meta.title, "{id}");
        }
        // Every entry answers with its front matter's title, through the table or the parser.
        for e in entries() {
            assert_eq!(title(&e.meta.id), e.meta.title, "{}", e.meta.id);
        }
        assert!(
            embedded::CATALOG_TITLES.len() * 2 > entries().len(),
            "most titles should be plain strings read at build time"
        );
    }
}
