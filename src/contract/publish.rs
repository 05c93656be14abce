//! What the SDK's publish transform writes into `aspNetCore` for the app in this folder, for IIS
//! on Windows (publish-iis.md §3.3, the outcome matrix §4): `processPath="dotnet"
//! arguments=".\App.dll"` for a framework-dependent app, `processPath=".\App.exe"` for an apphost,
//! a self-contained app, a single-file bundle or a .NET Framework exe; the launcher placeholders
//! removed from `arguments`; which apps in-process hosting can load at all. Pure, written once:
//! the checks' advice and `ancm fix`'s edits come from here.
//!
//! Unlike publish, which only knows the project, this reads the published folder: a non-Windows
//! apphost (a `linux-x64` publish copied to IIS) is never offered, since IIS cannot start it;
//! `dotnet App.dll` is, when the app's `.dll` and a framework-dependent runtimeconfig are there.
use super::command_line::split_arguments_at;
use crate::deployment::layout::{AppKind, AppLayout};

/// The `arguments` placeholders the transform removes: all occurrences, case-insensitive, then
/// the result trimmed (publish-iis.md §3.3). `%LAUNCHER_PATH%` goes with `processPath`, which
/// the transform always overwrites.
pub const LAUNCHER_ARG_PLACEHOLDERS: [&str; 2] =
    ["%LAUNCHER_ARGS%", "-argFile IISExeLauncherArgs.txt"];

/// How publish starts the app, with the file names as they are on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishedLaunch {
    /// `processPath="dotnet" arguments=".\App.dll …"`.
    Muxer { dll: String },
    /// `processPath=".\App.exe"`, existing arguments kept.
    Executable { exe: String },
}

impl PublishedLaunch {
    /// What publish would write for the app in this folder, or `None` when the folder holds
    /// nothing IIS could start that way (no app name, no Windows executable for an app that
    /// needs one, no `.dll` for a framework-dependent one).
    pub fn for_layout(layout: &AppLayout) -> Option<PublishedLaunch> {
        layout.app_name.as_deref()?;
        let windows_exe = || {
            layout
                .apphost
                .as_ref()
                .filter(|f| f.name.to_ascii_lowercase().ends_with(".exe"))
                // A header known not to be PE (a Linux apphost renamed) is no Windows exe; an
                // unreadable one is still the app's exe as far as its name tells.
                .filter(|f| f.info().map_or(true, |i| i.format.is_pe()))
                .map(|f| f.name.clone())
                .map(|exe| PublishedLaunch::Executable { exe })
        };
        let dll = || {
            layout.main_dll.as_ref().map(|f| PublishedLaunch::Muxer {
                dll: f.name.clone(),
            })
        };
        let framework_dependent = layout
            .runtime_config()
            .is_some_and(|rc| !rc.frameworks.is_empty());
        match layout.kind {
            AppKind::SelfContained | AppKind::SingleFileBundle | AppKind::NetFramework => {
                windows_exe()
            }
            // `-r win-x64` publishes write the apphost (§4); a foreign apphost falls back to the
            // muxer, which runs any framework-dependent app.
            AppKind::FrameworkDependentApphost => windows_exe().or_else(dll),
            AppKind::Portable => dll(),
            AppKind::Unknown if framework_dependent => dll(),
            AppKind::Unknown => None,
        }
    }

    /// The `processPath` value publish writes.
    pub fn process_path(&self) -> String {
        match self {
            PublishedLaunch::Muxer { .. } => "dotnet".to_string(),
            PublishedLaunch::Executable { exe } => format!(r".\{exe}"),
        }
    }

    /// The `arguments` value for this launch, keeping what the app was given besides its own
    /// path: `current` is the attribute as written, `current_is_muxer` whether today's
    /// `processPath` is `dotnet` (then its first argument is the app's `.dll`, right or wrong,
    /// and is replaced). `None`: no `arguments` attribute (publish writes none when empty).
    pub fn arguments(&self, current: &str, current_is_muxer: bool) -> Option<String> {
        let kept = strip_launcher_placeholders(current);
        let rest = if current_is_muxer {
            match split_arguments_at(&kept).first() {
                Some((_, range)) => kept[range.end..].trim().to_string(),
                None => String::new(),
            }
        } else {
            kept
        };
        match self {
            PublishedLaunch::Muxer { dll } => {
                let dll = format!(r".\{dll}");
                // publish-iis.md §3.3: skipped when the arguments already are `.\App.dll`.
                if rest.is_empty() || rest.eq_ignore_ascii_case(&dll) {
                    Some(dll)
                } else {
                    Some(format!("{dll} {rest}"))
                }
            }
            PublishedLaunch::Executable { .. } => (!rest.is_empty()).then_some(rest),
        }
    }
}

/// `arguments` with the launcher placeholders removed, as the publish transform does.
pub fn strip_launcher_placeholders(arguments: &str) -> String {
    let mut out = arguments.to_string();
    for p in LAUNCHER_ARG_PLACEHOLDERS {
        while let Some(i) = out.to_ascii_lowercase().find(&p.to_ascii_lowercase()) {
            out.replace_range(i..i + p.len(), "");
        }
    }
    out.trim().to_string()
}

/// Whether in-process hosting can load an app of this kind at all: not a single-file bundle
/// ("Single-file deployments are not supported in IIS", 500.38) and not a .NET Framework exe
/// (ancm-reference.md §7.2). Out-of-process runs both as a child process.
pub fn in_process_possible(kind: AppKind) -> bool {
    !matches!(kind, AppKind::SingleFileBundle | AppKind::NetFramework)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn muxer() -> PublishedLaunch {
        PublishedLaunch::Muxer {
            dll: "App.dll".into(),
        }
    }

    #[test]
    fn muxer_arguments_replace_the_first_and_keep_the_rest() {
        let m = muxer();
        assert_eq!(m.arguments("", false).as_deref(), Some(r".\App.dll"));
        assert_eq!(
            m.arguments("%LAUNCHER_ARGS%", false).as_deref(),
            Some(r".\App.dll")
        );
        assert_eq!(
            m.arguments(r".\App.Web.dll --urls x", true).as_deref(),
            Some(r".\App.dll --urls x")
        );
        assert_eq!(
            m.arguments(r#"".\My App.dll" "a b""#, true).as_deref(),
            Some(r#".\App.dll "a b""#)
        );
        assert_eq!(
            m.arguments(r".\app.DLL", false).as_deref(),
            Some(r".\App.dll")
        );
        assert_eq!(
            m.arguments("--port 5 -argFile IISExeLauncherArgs.txt", false)
                .as_deref(),
            Some(r".\App.dll --port 5")
        );
    }

    #[test]
    fn executable_arguments_drop_the_dll() {
        let e = PublishedLaunch::Executable {
            exe: "App.exe".into(),
        };
        assert_eq!(e.process_path(), r".\App.exe");
        assert_eq!(e.arguments(r".\App.dll", true), None);
        assert_eq!(e.arguments(r".\App.dll --x", true).as_deref(), Some("--x"));
        assert_eq!(e.arguments("%LAUNCHER_ARGS%", false), None);
    }

    #[test]
    fn in_process_limits() {
        assert!(in_process_possible(AppKind::Portable));
        assert!(!in_process_possible(AppKind::SingleFileBundle));
        assert!(!in_process_possible(AppKind::NetFramework));
    }
}
