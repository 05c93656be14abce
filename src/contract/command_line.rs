//! The text rules of ANCM's launch, written once: `%VAR%` expansion of `processPath`, `arguments`
//! and `stdoutLogFile` (IIS expands them before ANCM sees them, ancm-protocol.md §1), the one
//! `CommandLineToArgvW` splitter, and how a web.config path reads relative to the app folder.
//!
//! Pure string functions with no knowledge of files or machines: the deployment reader uses them
//! to know which paths web.config names, the checks to judge them, the emulator to spawn them.

/// A text after `%VAR%` expansion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded {
    /// As written in web.config.
    pub written: String,
    /// After expansion (unknown variables left as written, like `ExpandEnvironmentStringsW`).
    pub text: String,
    /// Names of `%VAR%` references nothing defined.
    pub unresolved: Vec<String>,
}

/// Expands `%NAME%` references (names case-insensitive, as on Windows) with
/// [`web_config::expand_env_tracking`](crate::deployment::web_config::expand_env_tracking). IIS expands `processPath`,
/// `arguments` and `stdoutLogFile` this way before ANCM sees them (schema `expanded="true"`,
/// ancm-protocol.md §1; the exact handling of unknown names follows `ExpandEnvironmentStringsW`
/// as we understand it [INFER]).
pub fn expand_env(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Expanded {
    let (expanded, unresolved) = crate::deployment::web_config::expand_env_tracking(text, lookup);
    Expanded {
        written: text.to_string(),
        text: expanded,
        unresolved,
    }
}

/// No environment at all: every `%VAR%` stays unresolved.
pub fn no_env(_: &str) -> Option<String> {
    None
}

/// Splits an argument string like `CommandLineToArgvW` does after the program name: blanks
/// separate arguments outside quotes; `2n` backslashes before `"` give `n` backslashes and toggle
/// quoting, `2n+1` give `n` and a literal `"`; `""` inside quotes is a literal `"`.
pub fn split_arguments(s: &str) -> Vec<String> {
    split_arguments_at(s).into_iter().map(|(a, _)| a).collect()
}

/// [`split_arguments`] with the byte range of `s` each argument was read from (its quotes
/// included), so an edit can replace one argument and keep the rest of the text as written.
pub fn split_arguments_at(s: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut args = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| chars.get(i).map_or(s.len(), |(b, _)| *b);
    let mut i = 0;
    loop {
        while i < chars.len() && (chars[i].1 == ' ' || chars[i].1 == '\t') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        let mut arg = String::new();
        let mut quoted = false;
        while i < chars.len() {
            let c = chars[i].1;
            if c == '\\' {
                let mut n = 0;
                while i < chars.len() && chars[i].1 == '\\' {
                    n += 1;
                    i += 1;
                }
                if i < chars.len() && chars[i].1 == '"' {
                    arg.extend(std::iter::repeat('\\').take(n / 2));
                    if n % 2 == 1 {
                        arg.push('"');
                        i += 1;
                    }
                } else {
                    arg.extend(std::iter::repeat('\\').take(n));
                }
                continue;
            }
            if c == '"' {
                if quoted && i + 1 < chars.len() && chars[i + 1].1 == '"' {
                    arg.push('"');
                    i += 2;
                    continue;
                }
                quoted = !quoted;
                i += 1;
                continue;
            }
            if !quoted && (c == ' ' || c == '\t') {
                break;
            }
            arg.push(c);
            i += 1;
        }
        args.push((arg, at(start)..at(i)));
    }
    args
}

/// An app-relative path in canonical form (`/`-separated, no `.`), or `None` when `path` is
/// absolute (a drive, `:`, or a UNC `\\` prefix) or climbs out of the app folder with `..`.
pub fn app_relative(path: &str) -> Option<String> {
    let p = path.trim();
    if p.contains(':') || p.starts_with("\\\\") || p.starts_with("//") {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split(['\\', '/']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

/// A Windows absolute path (`C:\…`, `\\server\share`), as written on the server.
pub fn is_windows_path(p: &str) -> bool {
    let b = p.as_bytes();
    (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':') || p.starts_with("\\")
}

/// The last path component of a Windows or Unix path.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// The extension of a file name, lowercased, without the dot (`None` for `App`).
pub fn extension(name: &str) -> Option<String> {
    let name = file_name(name);
    name.rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty())
        .map(|(_, ext)| ext.to_ascii_lowercase())
}

/// Whether a file name is the .NET muxer.
pub fn is_muxer_name(name: &str) -> bool {
    let n = file_name(name.trim()).to_ascii_lowercase();
    n == "dotnet" || n == "dotnet.exe"
}

/// A lookup over `(name, value)` pairs, names case-insensitive as on Windows (the form the
/// emulator holds its inherited environment in).
pub fn lookup_in(env: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    move |name: &str| {
        env.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name.to_ascii_lowercase().as_str() {
            "programfiles" => Some(r"C:\Program Files".into()),
            "home" => Some(r"D:\home".into()),
            _ => None,
        }
    }

    #[test]
    fn expands_known_keeps_unknown() {
        let e = expand_env(r"%ProgramFiles%\dotnet\dotnet.exe", &env);
        assert_eq!(e.text, r"C:\Program Files\dotnet\dotnet.exe");
        assert!(e.unresolved.is_empty());
        let e = expand_env("%LAUNCHER_PATH%", &env);
        assert_eq!(e.text, "%LAUNCHER_PATH%");
        assert_eq!(e.unresolved, vec!["LAUNCHER_PATH"]);
        let e = expand_env(r"\\?\%home%\LogFiles\stdout", &env);
        assert_eq!(e.text, r"\\?\D:\home\LogFiles\stdout");
        let e = expand_env("100% sure %", &env);
        assert_eq!(e.text, "100% sure %");
        assert_eq!(expand_env("%%", &env).text, "%%");
    }

    #[test]
    fn splits_like_command_line_to_argv() {
        assert_eq!(split_arguments(r".\App.dll"), vec![r".\App.dll"]);
        assert_eq!(
            split_arguments(r#"  ".\My App.dll"  --urls x "#),
            vec![r".\My App.dll", "--urls", "x"]
        );
        assert_eq!(split_arguments(r#"a\\\"b"#), vec![r#"a\"b"#]);
        assert_eq!(split_arguments(r#""a\\" b"#), vec![r"a\", "b"]);
        assert_eq!(split_arguments(r"c:\path\"), vec![r"c:\path\"]);
        assert_eq!(split_arguments(r#""say ""hi""""#), vec![r#"say "hi""#]);
        assert!(split_arguments("   ").is_empty());
    }

    #[test]
    fn argument_ranges_cover_what_was_written() {
        let s = r#"  ".\My App.dll"  --urls é "#;
        let got = split_arguments_at(s);
        let texts: Vec<&str> = got.iter().map(|(_, r)| &s[r.clone()]).collect();
        assert_eq!(texts, vec![r#"".\My App.dll""#, "--urls", "é"]);
        assert_eq!(got[0].0, r".\My App.dll");
    }

    #[test]
    fn relative_paths_are_canonical() {
        assert_eq!(app_relative(r".\App.dll").as_deref(), Some("App.dll"));
        assert_eq!(app_relative(r"bin\..\App.exe").as_deref(), Some("App.exe"));
        assert_eq!(app_relative(r"..\App.exe"), None);
        assert_eq!(app_relative(r"C:\app\App.exe"), None);
        assert_eq!(app_relative(r"\\server\share\App.exe"), None);
        assert_eq!(
            app_relative("./logs/stdout").as_deref(),
            Some("logs/stdout")
        );
    }

    #[test]
    fn expands_known_variables_and_keeps_unknown_ones() {
        let env = vec![("HOME".to_string(), "/h".to_string())];
        assert_eq!(
            expand_env("%home%/x %NOPE% 100%", &lookup_in(&env)).text,
            "/h/x %NOPE% 100%"
        );
    }

    #[test]
    fn splits_like_the_c_runtime() {
        assert_eq!(
            split_arguments(r#".\App.dll --urls "a b" x\"y c:\dir\\"#),
            vec![r".\App.dll", "--urls", "a b", "x\"y", r"c:\dir\\"]
        );
        assert_eq!(split_arguments(""), Vec::<String>::new());
        assert_eq!(split_arguments(r#""""#), vec![""]);
    }

    proptest::proptest! {
        /// Quoting an argument the way the Windows CRT expects (wrap in quotes, double the
        /// backslashes that precede the closing quote) round-trips through the splitter.
        #[test]
        fn quoted_arguments_round_trip(
            parts in proptest::collection::vec(r"[a-zA-Z0-9 ._\\-]{0,12}", 1..4)
        ) {
            let quote = |p: &String| {
                let trailing = p.len() - p.trim_end_matches('\\').len();
                format!("\"{p}{}\"", "\\".repeat(trailing))
            };
            let line = parts.iter().map(quote).collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(split_arguments(&line), parts);
        }
    }
}
