//! Paths as the machine-readable formats print them: relative to the app folder with `/`
//! separators when the file is inside it (SARIF `uriBaseId`, baselines, finding ids), so the same
//! report reads the same on every machine and in every checkout.
use std::path::{Component, Path};

/// `file` relative to `app_dir`, `/`-separated, when it is inside; `None` otherwise.
pub fn relative(app_dir: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(app_dir).ok()?;
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("/"))
    }
}

/// The relative form when inside the app folder, else the path as given.
pub fn relative_display(app_dir: &Path, file: &Path) -> String {
    relative(app_dir, file).unwrap_or_else(|| file.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_and_outside_the_app_folder() {
        let app = Path::new("/srv/app");
        assert_eq!(
            relative(app, Path::new("/srv/app/sub/web.config")).as_deref(),
            Some("sub/web.config")
        );
        assert_eq!(relative(app, Path::new("/etc/hosts")), None);
        assert_eq!(relative(app, app), None);
        assert_eq!(relative_display(app, Path::new("/etc/hosts")), "/etc/hosts");
    }
}
