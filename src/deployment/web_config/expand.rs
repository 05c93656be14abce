//! `%VAR%` expansion the way ANCM applies it to `processPath`, `arguments`, `stdoutLogFile` and
//! environment values (schema `expanded="true"`, ancm-reference.md §1.1): Windows
//! `ExpandEnvironmentStrings` semantics. Pure: the caller supplies the lookup.

/// Replaces each `%NAME%` whose `lookup` answers with its value. A name `lookup` does not know is
/// left as written, `%` signs included, as Windows does; scanning then resumes at its closing `%`,
/// which may open the next name. An unterminated `%` is copied as is. Windows names are
/// case-insensitive: `lookup` should be too.
pub fn expand_env(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    expand_env_tracking(text, lookup).0
}

/// [`expand_env`], also returning the names nothing defined (each once, first spelling kept).
/// The one `%VAR%` expander in ancm: every layer that expands calls this.
pub fn expand_env_tracking(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut unresolved: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('%') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('%') else {
            out.push_str(&rest[open..]);
            return (out, unresolved);
        };
        let name = &after[..close];
        match (!name.is_empty()).then(|| lookup(name)).flatten() {
            Some(value) => {
                out.push_str(&value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('%');
                out.push_str(name);
                if !name.is_empty() && !unresolved.iter().any(|u| u.eq_ignore_ascii_case(name)) {
                    unresolved.push(name.to_string());
                }
                // The closing `%` may start the next variable.
                rest = &after[close..];
            }
        }
    }
    out.push_str(rest);
    (out, unresolved)
}

#[cfg(test)]
mod tests {
    use super::expand_env;

    fn env(name: &str) -> Option<String> {
        match name.to_ascii_uppercase().as_str() {
            "HOME" => Some(r"D:\home".into()),
            "PATH" => Some("P".into()),
            _ => None,
        }
    }

    #[test]
    fn known_names_expand_case_insensitively() {
        assert_eq!(
            expand_env(r"\\?\%home%\LogFiles\stdout", env),
            r"\\?\D:\home\LogFiles\stdout"
        );
        assert_eq!(expand_env("%HOME%%Path%", env), r"D:\homeP");
    }

    #[test]
    fn unknown_names_stay_as_written() {
        assert_eq!(expand_env("%LAUNCHER_PATH%", env), "%LAUNCHER_PATH%");
        assert_eq!(
            expand_env("%LAUNCHER_ARGS% --urls x", env),
            "%LAUNCHER_ARGS% --urls x"
        );
        // The closing `%` of an unknown name can open a known one.
        assert_eq!(expand_env("%NOPE%PATH%", env), "%NOPEP");
    }

    #[test]
    fn stray_percent_signs_are_kept() {
        assert_eq!(expand_env("100%", env), "100%");
        assert_eq!(expand_env("%%", env), "%%");
        assert_eq!(expand_env("a % b", env), "a % b");
        assert_eq!(expand_env("", env), "");
        assert_eq!(expand_env("é%HOME%é", env), r"éD:\homeé");
    }
}
