//! What `processPath` + `arguments` start, resolved the way ANCM resolves them
//! (ancm-protocol.md §2.2, ancm-reference.md §7): `%VAR%` expansion, a path without `:` or `%`
//! tried relative to the app folder first, `dotnet` / `dotnet.exe` as the muxer (found on PATH —
//! a host fact, only classified here), and the first argument split like `CommandLineToArgvW`.
//!
//! Pure: file existence comes through [`AppFolder`], so the static checks and the live emulator
//! share this logic and tests need no disk. It never starts anything.
use super::command_line::{
    app_relative, expand_env, extension, file_name, is_muxer_name, split_arguments, Expanded,
};
use crate::deployment::web_config::AspNetCoreSection;

/// Whether a path in the app folder exists, as far as the deployment reader looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathState {
    File,
    Dir,
    Missing,
    /// Not looked at (outside the app folder, or the reader had no reason to probe it).
    Unknown,
}

impl PathState {
    pub fn exists(self) -> bool {
        matches!(self, PathState::File | PathState::Dir)
    }
}

/// Answers "does this app-relative path exist" (`rel` uses `/`, no `.` or `..` parts). Case is
/// ignored, as on the Windows file systems IIS serves from.
pub trait AppFolder {
    fn state(&self, rel: &str) -> PathState;
}

/// What `processPath` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// `processPath` is absent or blank.
    Missing,
    /// `%VAR%` references nothing defined (e.g. Visual Studio's `%LAUNCHER_PATH%`).
    Unexpanded { vars: Vec<String> },
    /// The .NET muxer: `dotnet`, `dotnet.exe` or a path ending in it. Where it is found is a host
    /// fact (PATH out-of-process; PATH / registry / Program Files in-process).
    Muxer,
    /// A path ANCM tries relative to the app folder first (no `:` and no `%`), and what is there.
    AppFolder { rel: String, state: PathState },
    /// A bare name not in the app folder (`node`, `App.exe` missing): `CreateProcess` then searches
    /// w3wp's folder, its current folder, System32 and PATH — never the app folder.
    Search { name: String },
    /// An absolute path: outside the app folder, a host fact.
    Absolute { path: String },
}

/// The first argument when the muxer runs the app (`dotnet .\App.dll`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppArgument {
    pub text: String,
    /// App-relative form, when the argument is relative.
    pub rel: Option<String>,
    pub state: PathState,
}

/// `processPath` + `arguments` resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchTarget {
    pub process_path: Expanded,
    pub arguments: Expanded,
    pub program: Program,
    /// `arguments` split like `CommandLineToArgvW`.
    pub args: Vec<String>,
    /// For the muxer: its first argument, the app to run.
    pub app_argument: Option<AppArgument>,
}

impl LaunchTarget {
    /// Resolves the section's `processPath` and `arguments` against the app folder, expanding
    /// `%VAR%` with `env` (the worker process's environment when known).
    pub fn resolve(
        section: &AspNetCoreSection,
        folder: &dyn AppFolder,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> LaunchTarget {
        let pp = section
            .process_path
            .as_ref()
            .map(|l| l.value.as_str())
            .unwrap_or("");
        let args = section
            .arguments
            .as_ref()
            .map(|l| l.value.as_str())
            .unwrap_or("");
        Self::resolve_text(pp, args, folder, env)
    }

    pub fn resolve_text(
        process_path: &str,
        arguments: &str,
        folder: &dyn AppFolder,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> LaunchTarget {
        let process_path = expand_env(process_path, env);
        let arguments = expand_env(arguments, env);
        let program = classify(&process_path, folder);
        let args = split_arguments(&arguments.text);
        let app_argument = match program {
            Program::Muxer => args.first().map(|a| {
                let rel = if a.contains('%') {
                    None
                } else {
                    app_relative(a)
                };
                let state = rel
                    .as_deref()
                    .map_or(PathState::Unknown, |r| folder.state(r));
                AppArgument {
                    text: a.clone(),
                    rel,
                    state,
                }
            }),
            _ => None,
        };
        LaunchTarget {
            process_path,
            arguments,
            program,
            args,
            app_argument,
        }
    }

    /// The command line ANCM V2 builds out-of-process: the path in quotes, one space, the
    /// arguments verbatim (ancm-protocol.md §2.2 step 3). Relative paths found in the app folder
    /// are shown as `.\path`, since the full path depends on the server.
    pub fn command_line(&self) -> String {
        let path = match &self.program {
            Program::AppFolder { rel, state } if state.exists() => {
                format!(".\\{}", rel.replace('/', "\\"))
            }
            _ => self.process_path.text.trim().to_string(),
        };
        format!("\"{path}\" {}", self.arguments.text)
    }

    /// What ANCM hands to `CreateProcess` (ancm-protocol.md §2.2 step 2): the full path when the
    /// file is in the app folder, else `processPath` as written (found by the OS search). Built
    /// with native separators, so the live emulator can use it on any OS.
    pub fn program_path(&self, app_dir: &std::path::Path) -> std::path::PathBuf {
        match &self.program {
            Program::AppFolder { rel, state } if state.exists() => {
                rel.split('/').fold(app_dir.to_path_buf(), |p, c| p.join(c))
            }
            _ => std::path::PathBuf::from(self.process_path.text.trim()),
        }
    }

    /// The app this launch refers to: the muxer's `.dll` argument, or the executable's stem.
    pub fn app_stem(&self) -> Option<String> {
        match &self.program {
            Program::Muxer => {
                let a = self.app_argument.as_ref()?;
                let name = file_name(&a.text);
                (extension(name).as_deref() == Some("dll"))
                    .then(|| name[..name.len() - 4].to_string())
            }
            Program::AppFolder { rel, .. } => Some(stem(file_name(rel))),
            Program::Search { name } => Some(stem(file_name(name))),
            _ => None,
        }
    }
}

fn stem(name: &str) -> String {
    match extension(name).as_deref() {
        Some("exe") | Some("dll") => name[..name.len() - 4].to_string(),
        _ => name.to_string(),
    }
}

fn classify(pp: &Expanded, folder: &dyn AppFolder) -> Program {
    let text = pp.text.trim();
    if text.is_empty() {
        return Program::Missing;
    }
    // A path to dotnet.exe is the muxer wherever it lives (`%ProgramFiles%\dotnet\dotnet.exe`).
    if is_muxer_name(text) {
        return Program::Muxer;
    }
    if !pp.unresolved.is_empty() {
        return Program::Unexpanded {
            vars: pp.unresolved.clone(),
        };
    }
    // ancm-protocol.md §2.2 step 2: neither `:` nor `%` ⇒ try `<physicalPath>\<processPath>`.
    // A rooted path (`/usr/bin/node`, `\tools\app.exe`) stays rooted when joined to the folder
    // (`std::filesystem::path::operator/` keeps only the drive), so it never names a file in it.
    let rooted = text.starts_with(['/', '\\']);
    if !text.contains(':') && !text.contains('%') && !rooted {
        if let Some(rel) = app_relative(text) {
            let state = folder.state(&rel);
            let bare = !text.contains(['\\', '/']);
            if state == PathState::Missing && bare {
                return Program::Search {
                    name: text.to_string(),
                };
            }
            return Program::AppFolder { rel, state };
        }
    }
    Program::Absolute {
        path: text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::command_line::no_env;
    use std::collections::BTreeMap;

    pub struct Folder(BTreeMap<String, PathState>);
    impl AppFolder for Folder {
        fn state(&self, rel: &str) -> PathState {
            self.0
                .get(&rel.to_ascii_lowercase())
                .copied()
                .unwrap_or(PathState::Missing)
        }
    }
    fn folder(files: &[&str]) -> Folder {
        Folder(
            files
                .iter()
                .map(|f| (f.to_ascii_lowercase(), PathState::File))
                .collect(),
        )
    }
    fn env(name: &str) -> Option<String> {
        match name.to_ascii_lowercase().as_str() {
            "programfiles" => Some(r"C:\Program Files".into()),
            "home" => Some(r"D:\home".into()),
            _ => None,
        }
    }

    #[test]
    fn portable_app() {
        let t = LaunchTarget::resolve_text(
            "dotnet",
            r".\HelloWorld.dll",
            &folder(&["HelloWorld.dll"]),
            &env,
        );
        assert_eq!(t.program, Program::Muxer);
        let a = t.app_argument.as_ref().unwrap();
        assert_eq!(a.rel.as_deref(), Some("HelloWorld.dll"));
        assert_eq!(a.state, PathState::File);
        assert_eq!(t.app_stem().as_deref(), Some("HelloWorld"));
        assert_eq!(t.command_line(), r#""dotnet" .\HelloWorld.dll"#);
    }

    #[test]
    fn program_path_is_native_and_full_when_in_the_app_folder() {
        let dir = std::path::Path::new("/srv/app");
        let t =
            LaunchTarget::resolve_text(r".\bin\App.exe", "", &folder(&["bin/App.exe"]), &no_env);
        assert_eq!(t.program_path(dir), dir.join("bin").join("App.exe"));
        let t = LaunchTarget::resolve_text("dotnet", r".\App.dll", &folder(&[]), &no_env);
        assert_eq!(t.program_path(dir), std::path::PathBuf::from("dotnet"));
    }

    #[test]
    fn seed_exe_for_portable_app() {
        let t = LaunchTarget::resolve_text(r".\App.exe", "", &folder(&["App.dll"]), &no_env);
        assert_eq!(
            t.program,
            Program::AppFolder {
                rel: "App.exe".into(),
                state: PathState::Missing
            }
        );
        assert_eq!(t.app_stem().as_deref(), Some("App"));
    }

    #[test]
    fn bare_names_search_and_muxer_paths() {
        let t = LaunchTarget::resolve_text("App.exe", "", &folder(&["App.exe"]), &no_env);
        assert!(matches!(
            t.program,
            Program::AppFolder {
                state: PathState::File,
                ..
            }
        ));
        let t = LaunchTarget::resolve_text("node", "server.js", &folder(&[]), &no_env);
        assert_eq!(
            t.program,
            Program::Search {
                name: "node".into()
            }
        );
        let t = LaunchTarget::resolve_text(
            r"%ProgramFiles%\dotnet\dotnet.exe",
            r".\A.dll",
            &folder(&[]),
            &no_env,
        );
        assert_eq!(t.program, Program::Muxer);
        assert_eq!(t.app_argument.unwrap().state, PathState::Missing);
        let t = LaunchTarget::resolve_text(r"C:\tools\app.exe", "", &folder(&[]), &no_env);
        assert!(matches!(t.program, Program::Absolute { .. }));
    }

    #[test]
    fn launcher_placeholders_stay_unexpanded() {
        let t =
            LaunchTarget::resolve_text("%LAUNCHER_PATH%", "%LAUNCHER_ARGS%", &folder(&[]), &no_env);
        assert_eq!(
            t.program,
            Program::Unexpanded {
                vars: vec!["LAUNCHER_PATH".into()]
            }
        );
        assert_eq!(t.arguments.unresolved, vec!["LAUNCHER_ARGS"]);
        assert_eq!(t.command_line(), r#""%LAUNCHER_PATH%" %LAUNCHER_ARGS%"#);
    }

    proptest::proptest! {
        /// Hostile web.config text never panics the resolver, and expansion without an
        /// environment changes nothing.
        #[test]
        fn any_text_resolves_without_panicking(pp in ".{0,40}", args in ".{0,60}") {
            let t = LaunchTarget::resolve_text(&pp, &args, &folder(&["App.dll"]), &env);
            let _ = t.command_line();
            let _ = t.app_stem();
            proptest::prop_assert_eq!(expand_env(&pp, &no_env).text, pp.clone());
            let _ = app_relative(&pp);
        }
    }

    #[test]
    fn muxer_without_arguments_has_no_app() {
        let t = LaunchTarget::resolve_text("dotnet", "  ", &folder(&[]), &no_env);
        assert_eq!(t.program, Program::Muxer);
        assert!(t.app_argument.is_none());
        assert_eq!(t.app_stem(), None);
    }
}
