//! Finds the unhandled .NET exception in captured output (stderr, the stdout log, event 1035's
//! captured text) — `Unhandled exception. System.X: message` (3.0+) or `Unhandled Exception:
//! System.X: message` (2.x) — and says what the common ones mean under IIS. The process then dies
//! with 0xE0434352 on Windows, SIGABRT (134) on Linux (hostfxr.md §2). Pure text matching.

/// The exception a process died of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedException {
    /// Full type name: `System.BadImageFormatException`.
    pub type_name: String,
    /// The first line of its message.
    pub message: String,
    /// What it usually means for an app behind IIS, when ancm knows the type.
    pub hint: Option<&'static str>,
}

const HINTS: &[(&str, &str)] = &[
    (
        "System.BadImageFormatException",
        "an assembly or native library of the wrong architecture, or stale files of another platform left from an earlier deploy: delete the old files before redeploying (ancm-reference.md §5 row 34)",
    ),
    (
        "System.IO.FileNotFoundException",
        "a file or an assembly the app needs is not deployed (a dependency missing from the publish output, or a config file read relative to the wrong folder)",
    ),
    (
        "System.IO.FileLoadException",
        "an assembly was found but could not be loaded: a version conflict between deployed assemblies",
    ),
    (
        "System.IO.IOException",
        "often Kestrel failing to bind its address (\"address already in use\"): the app listens on a fixed URL instead of ANCM's `ASPNETCORE_PORT`, or another process holds it",
    ),
    (
        "System.UnauthorizedAccessException",
        "the app pool identity may not read or write a path the app uses (logs, data protection keys, uploads)",
    ),
    (
        "System.TypeLoadException",
        "assemblies from different versions mixed in the app folder: redeploy the whole publish output",
    ),
    (
        "System.MissingMethodException",
        "assemblies from different versions mixed in the app folder: redeploy the whole publish output",
    ),
    (
        "System.InvalidOperationException",
        "start-up configuration: a missing service registration, connection string or setting",
    ),
    (
        "Microsoft.Data.SqlClient.SqlException",
        "the database is unreachable or refuses the app pool identity at start-up",
    ),
    (
        "System.Data.SqlClient.SqlException",
        "the database is unreachable or refuses the app pool identity at start-up",
    ),
];

/// The first unhandled exception reported in `text`, if any.
pub fn unhandled_exception(text: &str) -> Option<ManagedException> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("unhandled exception")?;
    // Skip "Unhandled exception." / "Unhandled Exception:" and whitespace.
    let rest = text.get(at + "unhandled exception".len()..)?;
    let rest = rest.trim_start_matches(['.', ':']).trim_start();
    let line = rest.lines().next().unwrap_or_default();
    let (type_name, message) = match line.split_once(": ") {
        Some((t, m)) => (t.trim(), m.trim()),
        None => (line.trim(), ""),
    };
    // A type name is a dotted identifier: anything else is not the runtime's report.
    let plausible = !type_name.is_empty()
        && type_name.contains('.')
        && type_name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '_' || c == '`' || c == '+');
    if !plausible {
        return None;
    }
    let hint = HINTS.iter().find(|(t, _)| *t == type_name).map(|(_, h)| *h);
    Some(ManagedException {
        type_name: type_name.to_string(),
        message: message.to_string(),
        hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_runtime_generations() {
        let v3 = "info: Microsoft.Hosting.Lifetime[0]\nUnhandled exception. System.IO.IOException: Failed to bind to address http://127.0.0.1:5000: address already in use.\n ---> Microsoft.AspNetCore.Connections.AddressInUseException";
        let e = unhandled_exception(v3).unwrap();
        assert_eq!(e.type_name, "System.IO.IOException");
        assert!(e.message.starts_with("Failed to bind to address"));
        assert!(e.hint.unwrap().contains("ASPNETCORE_PORT"));

        let v2 = "Unhandled Exception: System.BadImageFormatException: Could not load file or assembly 'App.dll'. An attempt was made to load a program with an incorrect format.";
        let e = unhandled_exception(v2).unwrap();
        assert_eq!(e.type_name, "System.BadImageFormatException");
        assert!(e.hint.unwrap().contains("row 34"));
    }

    #[test]
    fn unknown_types_have_no_hint_and_prose_is_not_an_exception() {
        let e = unhandled_exception("Unhandled exception. MyApp.StartupFailed: boom").unwrap();
        assert_eq!(e.type_name, "MyApp.StartupFailed");
        assert_eq!(e.hint, None);
        assert_eq!(
            unhandled_exception("we log every unhandled exception here"),
            None
        );
        assert_eq!(unhandled_exception("Unhandled exception."), None);
        assert_eq!(unhandled_exception(""), None);
    }
}
