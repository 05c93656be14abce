//! The probe's scratch folders (where the stdout log ANCM would write goes instead, so that
//! diagnosing writes nothing into the app folder): named after the `ancm` process that owns
//! them, so that the folders of one that was killed (SIGKILL, a closed console) — which could not
//! remove its own — are removed by the next probe instead of piling up in the temp folder.
//! Only folders named `ancm-probe-stdout-<pid>-…` whose process no longer exists are touched.
use std::path::{Path, PathBuf};

const PREFIX: &str = "ancm-probe-stdout-";

/// A new scratch folder under `parent`, after removing the ones their owners left behind.
pub fn probe_folder(parent: &Path) -> std::io::Result<tempfile::TempDir> {
    sweep_abandoned(parent);
    tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-", std::process::id()))
        .tempdir_in(parent)
}

/// Removes `parent`'s probe folders whose owning process is gone; returns what it removed.
/// Best effort: a folder that cannot be read or removed stays.
pub fn sweep_abandoned(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let candidates: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let pid = owner_pid(name.to_str()?)?;
            // Only real folders: never follow a link someone planted under that name.
            e.file_type().ok()?.is_dir().then(|| (pid, e.path()))
        })
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut system = sysinfo::System::new();
    let pids: Vec<sysinfo::Pid> = candidates
        .iter()
        .map(|(p, _)| sysinfo::Pid::from_u32(*p))
        .collect();
    system.refresh_processes(sysinfo::ProcessesToUpdate::Some(&pids), true);
    let mut removed = Vec::new();
    for (pid, path) in candidates {
        let gone =
            pid != std::process::id() && system.process(sysinfo::Pid::from_u32(pid)).is_none();
        if gone && std::fs::remove_dir_all(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
}

/// `ancm-probe-stdout-1234-AbCd12` → 1234 (folders of the older, unnumbered form are left).
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folders_of_a_gone_process_are_removed_and_live_ones_kept() {
        let parent = tempfile::tempdir().unwrap();
        // A process that has certainly exited: its pid names the abandoned folder.
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--list")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let abandoned = parent.path().join(format!("{PREFIX}{dead}-x1"));
        std::fs::create_dir(&abandoned).unwrap();
        std::fs::write(abandoned.join("stdout_1.log"), "old").unwrap();
        let ours = probe_folder(parent.path()).unwrap();
        let unnumbered = parent.path().join(format!("{PREFIX}AbCd12"));
        std::fs::create_dir(&unnumbered).unwrap();
        let removed = sweep_abandoned(parent.path());
        assert!(!abandoned.exists(), "the abandoned folder is still there");
        assert!(ours.path().exists() && unnumbered.exists());
        assert!(removed.is_empty(), "the second sweep removed {removed:?}");
    }

    #[test]
    fn only_numbered_probe_folders_have_an_owner() {
        assert_eq!(owner_pid("ancm-probe-stdout-42-Zx9"), Some(42));
        assert_eq!(owner_pid("ancm-probe-stdout-Zx9"), None);
        assert_eq!(owner_pid("ancm-run-stdout-42-Zx9"), None);
    }
}
