//! Which machine the live probe speaks for. The probe reproduces on *this* machine; the static
//! checks judge the facts, which may be this machine's or a `--host` snapshot of the server.
//! [`Stand`] holds what tells the two apart — whether this machine can start the app the way the
//! server would (a Windows-only layout elsewhere, an ELF/Mach-O apphost meant for IIS, no
//! `dotnet` here), what the server's facts say it would use, and which static checks already
//! failed — so the probe skips instead of failing a healthy app for this machine's lack, and
//! says so when its verdict and the static one differ. Pure but for [`this_machine_dotnet`].
use crate::checks::Context;
use crate::contract::command_line::is_windows_path;
use crate::contract::dotnet_root::Launch;
use crate::contract::plan::Starter;
use crate::diagnostic::{CheckResult, Outcome};

/// What the probe knows about the machine it stands in for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stand {
    /// The facts are a snapshot of another machine (`--host FILE`): its source.
    pub snapshot: Option<String>,
    /// The launch goes through the .NET muxer (`dotnet`), wherever `processPath` says it is.
    pub muxer: bool,
    /// What the server would start the app with, from its facts ("`dotnet` in `C:\…`
    /// (Microsoft.NETCore.App 8.0.1)").
    pub server_dotnet: Option<String>,
    /// Why this machine cannot start the app as the server would, when it cannot.
    pub cannot_stand_in: Option<String>,
    /// The static checks that failed on the facts (`framework-resolution` …).
    pub static_failed: Vec<String>,
    /// `processPath` names the muxer by a Windows path this machine does not have
    /// (`C:\Program Files\dotnet\dotnet.exe`): the probe runs `dotnet` from this machine's PATH
    /// instead, and says so. The path as written.
    pub foreign_muxer: Option<String>,
    /// `processPath` names the muxer in this folder (`/opt/dotnet/dotnet`), and it is a path of
    /// this machine: the probe runs that muxer, so this machine's dotnet is the one there.
    pub muxer_root: Option<String>,
}

impl Stand {
    /// From the facts the static checks judged, and their results. `snapshot` is the `--host`
    /// source when the facts are not this machine's.
    pub fn of(cx: &Context<'_>, results: &[CheckResult], snapshot: Option<String>) -> Stand {
        let model = &cx.plan;
        let muxer = matches!(model.starter, Starter::Muxer(_));
        // A muxer named by a Windows path is the server's `dotnet`; off Windows the probe runs
        // this machine's instead (whether the facts are this machine's or a snapshot's).
        let written = || {
            model
                .target
                .as_ref()
                .map(|t| t.process_path.text.trim().to_string())
        };
        let (muxer_root, foreign_muxer) = match &model.starter {
            Starter::Muxer(Launch::MuxerAt { root }) if !cfg!(windows) && is_windows_path(root) => {
                (None, written())
            }
            Starter::Muxer(Launch::MuxerAt { root }) => (Some(root.clone()), None),
            _ => (None, model.foreign_muxer.clone()),
        };
        // Only a snapshot describes another machine; this machine's facts are what the probe
        // runs with anyway.
        let server_dotnet = (muxer && snapshot.is_some()).then(|| match model.install() {
            Some(i) => format!("`dotnet` in `{}` ({})", i.root, frameworks(i)),
            None => "no `dotnet` its facts know of for this launch".to_string(),
        });
        Stand {
            snapshot,
            muxer,
            server_dotnet,
            cannot_stand_in: cannot_stand_in(cx),
            foreign_muxer,
            muxer_root,
            static_failed: results
                .iter()
                .filter(|r| r.outcome == Outcome::Fail)
                .map(|r| r.id.clone())
                .collect(),
        }
    }
}

/// The shared frameworks of an install, newest few, for a one-line note.
fn frameworks(i: &crate::host::dotnet_install::DotnetInstall) -> String {
    let mut v: Vec<String> = i
        .frameworks
        .iter()
        .map(|f| format!("{} {}", f.name, f.version))
        .collect();
    v.sort();
    v.dedup();
    if v.is_empty() {
        return "no shared frameworks".into();
    }
    let n = v.len();
    let mut shown: Vec<String> = v.into_iter().rev().take(4).collect();
    shown.reverse();
    if n > 4 {
        shown.insert(0, "…".into());
    }
    shown.join(", ")
}

/// Why the app folder cannot be started here the way IIS would start it.
fn cannot_stand_in(cx: &Context<'_>) -> Option<String> {
    let layout = &cx.deployment.layout;
    let here = std::env::consts::OS;
    // The executable `processPath` names, when it is a file in the app folder.
    if let Some(info) = layout.process_target.as_ref().and_then(|t| t.info()) {
        let name = layout
            .process_target
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default();
        // A .NET apphost published for a Linux / macOS RID (the folder holds its app): it may
        // start here, IIS on Windows cannot start it. Any other native program (a test double,
        // a launcher) is started as it is.
        let dotnet_app = layout.kind != crate::deployment::layout::AppKind::Unknown;
        if !info.format.is_pe() && dotnet_app {
            return Some(format!(
                "`{name}` is a {} executable: this machine could start it, but IIS on Windows cannot, so a start here would prove nothing about the server",
                info.format.os()
            ));
        }
        if info.format.is_pe() && here != "windows" && !info.is_managed() {
            return Some(format!(
                "`{name}` is a Windows executable: this {here} machine cannot start it; run `ancm doctor` on the server to start it"
            ));
        }
    }
    // A self-contained app for Windows carries `hostpolicy.dll` / `coreclr.dll`: the host on
    // another OS looks for `libhostpolicy.so` and fails, which says nothing about the server.
    let runtime = layout.runtime();
    if here != "windows" {
        let windows_runtime: Vec<&str> =
            [runtime.hostpolicy.as_deref(), runtime.coreclr.as_deref()]
                .into_iter()
                .flatten()
                .filter(|n| n.to_ascii_lowercase().ends_with(".dll"))
                .collect();
        if !windows_runtime.is_empty() {
            return Some(format!(
                "the app carries a Windows runtime ({}): this {here} machine cannot run it; run `ancm doctor` on the server to start it",
                windows_runtime
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    None
}

/// This machine's `dotnet` and what it holds ("`/usr/share/dotnet/dotnet` (Microsoft.NETCore.App
/// 3.1.23)"): the muxer in `root` when `processPath` names one there, else the first on PATH;
/// `None` when there is none.
pub fn this_machine_dotnet(root: Option<&str>) -> Option<String> {
    let path = match root {
        Some(r) => {
            let muxer = std::path::Path::new(r).join(if cfg!(windows) {
                "dotnet.exe"
            } else {
                "dotnet"
            });
            muxer.is_file().then_some(muxer)?
        }
        None => which::which("dotnet").ok()?,
    };
    let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let root = real.parent()?;
    let install = crate::host::dotnet_install::probe_root(root);
    let mut versions: Vec<String> = install
        .frameworks
        .iter()
        .filter(|f| f.name == "Microsoft.NETCore.App")
        .map(|f| f.version.clone())
        .collect();
    versions.sort();
    let what = match versions.as_slice() {
        [] => "no Microsoft.NETCore.App".to_string(),
        v => format!("Microsoft.NETCore.App {}", v.join(", ")),
    };
    Some(format!("`{}` ({what})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frameworks_are_listed_newest_few() {
        let mut i = crate::host::dotnet_install::probe_root(std::path::Path::new("/nonexistent"));
        assert_eq!(frameworks(&i), "no shared frameworks");
        for v in ["6.0.1", "7.0.2", "8.0.1", "8.0.2", "9.0.0"] {
            i.frameworks
                .push(crate::host::dotnet_install::InstalledFramework {
                    name: "Microsoft.NETCore.App".into(),
                    version: v.into(),
                    has_deps_json: true,
                    config: crate::host::dotnet_install::FrameworkConfig::Absent,
                });
        }
        let s = frameworks(&i);
        assert!(
            s.starts_with("…, ") && s.ends_with("Microsoft.NETCore.App 9.0.0"),
            "{s}"
        );
    }
}
