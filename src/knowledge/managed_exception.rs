//! Finds a .NET exception in captured output (stderr, the stdout log, event 1035's captured
//! text) and says what the common ones mean under IIS:
//! - the one a process died of: `Unhandled exception. System.X: message` (3.0+) or `Unhandled
//!   Exception: System.X: message` (2.x); the process then dies with 0xE0434352 on Windows,
//!   SIGABRT (134) on Linux (hostfxr.md §2);
//! - the one ASP.NET Core caught at start-up with `CaptureStartupErrors` (then every request gets
//!   500): `Application startup exception: System.X: …`, or the `crit:` log entry whose next line
//!   holds the exception;
//! - one a request threw that the server logged (`An unhandled exception was thrown by the
//!   application.`, `An unhandled exception has occurred while executing the request.`).
//!
//! The whole exception is kept: its message over several lines, each inner exception (` --->
//! System.Y: …`, where a parser's line and position usually are) and the block as printed,
//! frames included. Pure text matching.

/// An exception as the runtime printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedException {
    /// Full type name: `System.BadImageFormatException`.
    pub type_name: String,
    /// Its whole message (lines joined with a space).
    pub message: String,
    /// The inner exceptions, outermost first.
    pub inner: Vec<InnerException>,
    /// The block as printed: message lines, inner exceptions, `--- End of inner exception stack
    /// trace ---` markers and frames (at most [`MAX_BLOCK_LINES`] lines).
    pub text: String,
    /// What it usually means for an app behind IIS, when ancm knows the type.
    pub hint: Option<&'static str>,
}

/// One ` ---> System.Y: message` of an exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InnerException {
    pub type_name: String,
    pub message: String,
}

impl ManagedException {
    /// [`ManagedException::hint`] for an exception a request threw after the app started: the
    /// hints that explain a failed start (a missing registration, a refused database, a port
    /// Kestrel cannot bind) would send the operator to the wrong place.
    pub fn hint_in_a_request(&self) -> Option<&'static str> {
        if START_UP_ONLY.contains(&self.type_name.as_str()) {
            return None;
        }
        self.hint
    }

    /// `System.X: message (inner: System.Y: message)`, on one line.
    pub fn summary(&self) -> String {
        let mut out = self.type_name.clone();
        if !self.message.is_empty() {
            out.push_str(": ");
            out.push_str(&self.message);
        }
        for i in &self.inner {
            out.push_str(&format!(" (inner: {}", i.type_name));
            if !i.message.is_empty() {
                out.push_str(&format!(": {}", i.message));
            }
            out.push(')');
        }
        out
    }
}

/// The longest exception block kept.
pub const MAX_BLOCK_LINES: usize = 80;

pub(crate) const HINTS: &[(&str, &str)] = &[
    (
        "System.BadImageFormatException",
        // User-facing text: the citation stays here (ancm-reference.md §5 row 34).
        "an assembly or native library of the wrong architecture, or stale files of another platform left from an earlier deploy: delete the old files before redeploying",
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

/// The [`HINTS`] that are about a failed start only.
const START_UP_ONLY: &[&str] = &[
    "System.IO.IOException",
    "System.InvalidOperationException",
    "Microsoft.Data.SqlClient.SqlException",
    "System.Data.SqlClient.SqlException",
];

/// The first unhandled exception (the one a process died of) reported in `text`, if any.
pub fn unhandled_exception(text: &str) -> Option<ManagedException> {
    find(text, &["unhandled exception"])
}

/// The start-up exception ASP.NET Core caught (`CaptureStartupErrors`), if any.
pub fn startup_exception(text: &str) -> Option<ManagedException> {
    find(text, &["application startup exception"])
}

/// An exception a request threw that the server logged, if any.
pub fn request_exception(text: &str) -> Option<ManagedException> {
    find(
        text,
        &[
            "an unhandled exception was thrown by the application",
            "an unhandled exception has occurred while executing the request",
        ],
    )
}

/// The first exception after one of `anchors` (lowercase; matched case-insensitively): on the
/// anchor's own line after it, or on the next line (a logger's header line, then the exception).
fn find(text: &str, anchors: &[&str]) -> Option<ManagedException> {
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let lower = line.to_ascii_lowercase();
        let Some((at, anchor)) = anchors
            .iter()
            .find_map(|a| lower.find(a).map(|at| (at, *a)))
        else {
            continue;
        };
        let rest = line
            .get(at + anchor.len()..)
            .unwrap_or("")
            .trim_start_matches(['.', ':'])
            .trim();
        if let Some(first) = type_and_message(rest) {
            return Some(build(first, &lines[i + 1..]));
        }
        if let Some(first) = lines.get(i + 1).and_then(|l| type_and_message(l.trim())) {
            return Some(build(first, &lines[i + 2..]));
        }
    }
    None
}

/// `System.X: message` or a bare `System.X`, when the type is a dotted identifier.
fn type_and_message(line: &str) -> Option<(String, String)> {
    let (type_name, message) = match line.split_once(": ") {
        Some((t, m)) => (t.trim(), m.trim()),
        None => (line.trim().trim_end_matches(':'), ""),
    };
    let plausible = !type_name.is_empty()
        && type_name.contains('.')
        && !type_name.starts_with('.')
        && !type_name.ends_with('.')
        && type_name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '_' || c == '`' || c == '+');
    plausible.then(|| (type_name.to_string(), message.to_string()))
}

/// A log entry's header (`info: Category[0]`): where an exception block ends.
fn is_log_header(line: &str) -> bool {
    ["trce:", "dbug:", "info:", "warn:", "fail:", "crit:"]
        .iter()
        .any(|p| line.starts_with(p))
}

fn build((type_name, message): (String, String), after: &[&str]) -> ManagedException {
    let first = if message.is_empty() {
        type_name.clone()
    } else {
        format!("{type_name}: {message}")
    };
    let mut block = vec![first];
    let mut seen_frame = false;
    for line in after {
        let t = line.trim_start();
        if line.trim().is_empty() || is_log_header(line) || block.len() >= MAX_BLOCK_LINES {
            break;
        }
        if t.starts_with("at ") {
            seen_frame = true;
        } else if !(t.starts_with("--->") || t.starts_with("--- ") || line.starts_with([' ', '\t']))
            && seen_frame
        {
            break; // unindented text after the frames: something else
        }
        block.push(line.trim_end().to_string());
    }
    // The message: the first line's, then the lines before the first frame or inner exception.
    let mut messages = vec![message];
    let mut inner: Vec<InnerException> = Vec::new();
    let mut in_inner = false;
    let mut frames = false;
    for line in &block[1..] {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("--->") {
            frames = false;
            in_inner = true;
            let (ty, msg) = type_and_message(rest.trim())
                .unwrap_or_else(|| (rest.trim().to_string(), String::new()));
            inner.push(InnerException {
                type_name: ty,
                message: msg,
            });
            continue;
        }
        if t.starts_with("at ") || t.starts_with("--- ") {
            frames = true;
            continue;
        }
        if frames {
            continue;
        }
        match (in_inner, inner.last_mut()) {
            (true, Some(i)) => {
                if !i.message.is_empty() {
                    i.message.push(' ');
                }
                i.message.push_str(t);
            }
            _ => messages.push(t.to_string()),
        }
    }
    let message = messages
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let hint = HINTS.iter().find(|(t, _)| *t == type_name).map(|(_, h)| *h);
    ManagedException {
        type_name,
        message,
        inner,
        text: block.join("\n"),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_s_exception_gets_no_start_up_hint() {
        let out = "fail: Microsoft.AspNetCore.Server.Kestrel[13]\n      Connection id \"0HL\", Request id \"0HL:1\": An unhandled exception was thrown by the application.\nSystem.InvalidOperationException: realapp: crashed while handling /\n   at Startup.Crash()";
        let e = request_exception(out).unwrap();
        assert!(e.hint.unwrap().contains("start-up configuration"));
        assert_eq!(e.hint_in_a_request(), None);
        let denied = "Unhandled exception. System.UnauthorizedAccessException: Access to the path 'C:\\logs' is denied.";
        let e = unhandled_exception(denied).unwrap();
        assert_eq!(e.hint_in_a_request(), e.hint);
        assert!(e.hint.is_some());
    }

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
        assert!(e
            .hint
            .unwrap()
            .contains("delete the old files before redeploying"));
    }

    #[test]
    fn the_whole_exception_is_kept_with_its_inner_exceptions() {
        let out = "Unhandled exception. System.InvalidOperationException: could not read settings\n from appsettings.json\n ---> System.Text.Json.JsonException: '}' is invalid after a value. LineNumber: 3 | BytePositionInLine: 2.\n ---> System.FormatException: bad\n   at System.Text.Json.Reader.Read()\n   --- End of inner exception stack trace ---\n   at App.Main() in /src/Program.cs:line 9\n   --- End of inner exception stack trace ---\n   at App.Main()\nnext unrelated line";
        let e = unhandled_exception(out).unwrap();
        assert_eq!(e.type_name, "System.InvalidOperationException");
        assert_eq!(e.message, "could not read settings from appsettings.json");
        assert_eq!(e.inner.len(), 2);
        assert_eq!(e.inner[0].type_name, "System.Text.Json.JsonException");
        assert!(e.inner[0]
            .message
            .contains("LineNumber: 3 | BytePositionInLine: 2."));
        assert!(e
            .text
            .contains("--- End of inner exception stack trace ---"));
        assert!(e.text.ends_with("   at App.Main()"), "{}", e.text);
        assert!(e
            .summary()
            .contains("(inner: System.Text.Json.JsonException: '}' is invalid"));
    }

    #[test]
    fn startup_and_request_exceptions_as_asp_net_core_logs_them() {
        let one_line = "Hosting environment: Production\nApplication startup exception: System.InvalidOperationException: No service for type 'IFoo'\n   at Startup.Configure()\ncrit: Microsoft.AspNetCore.Hosting.Internal.WebHost[6]\n      Application startup exception\n";
        let e = startup_exception(one_line).unwrap();
        assert_eq!(e.message, "No service for type 'IFoo'");
        let logged = "crit: Microsoft.AspNetCore.Hosting.Diagnostics[6]\n      Application startup exception\n      System.InvalidOperationException: boom\n         at Startup.Configure()\ninfo: next";
        let e = startup_exception(logged).unwrap();
        assert_eq!(
            (e.type_name.as_str(), e.message.as_str()),
            ("System.InvalidOperationException", "boom")
        );
        assert!(!e.text.contains("info: next"));
        let req = "fail: Microsoft.AspNetCore.Server.Kestrel[13]\n      Connection id \"0HM\", Request id \"0HM:1\": An unhandled exception was thrown by the application.\nSystem.NullReferenceException: Object reference not set to an instance of an object.\n   at Handler.Get()";
        let e = request_exception(req).unwrap();
        assert_eq!(e.type_name, "System.NullReferenceException");
        assert_eq!(unhandled_exception(one_line), None);
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
