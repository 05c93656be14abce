//! What one ANCM / .NET host message says, read the same way wherever it comes from: an event-log
//! entry, a debug-log line, a stdout log, or text pasted into `ancm explain`. The codes come from
//! [`crate::knowledge::parse::codes_in_message`] (the one reader of message codes); this adds the
//! phrases ANCM and the host print around them. Pure.
use crate::knowledge::parse::{codes_in_message, Query};

/// The facts one message carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    /// Every code in the text (HRESULTs, exit codes, HTTP substatus), in order.
    pub codes: Vec<Query>,
    /// `Application '/LM/W3SVC/2/ROOT'` (the IIS configuration path ANCM names).
    pub config_path: Option<String>,
    /// `with physical root 'C:\inetpub\app\'`.
    pub physical_root: Option<String>,
    /// The first `Unhandled exception. System.X: message` line (.NET 5+) or
    /// `Unhandled Exception: System.X: message` (.NET Core 2.x/3.x).
    pub exception: Option<String>,
    /// The host's "framework … was not found" line (hostfxr.md §5).
    pub framework_missing: Option<String>,
    /// `Now listening on: http://127.0.0.1:12345` URLs (Kestrel's start-up line).
    pub listening: Vec<String>,
}

/// Reads one message.
pub fn read(text: &str) -> MessageFacts {
    let mut out = MessageFacts {
        codes: codes_in_message(text),
        config_path: quoted_after(text, "Application '"),
        physical_root: quoted_after(text, "physical root '"),
        ..MessageFacts::default()
    };
    for line in text.lines().map(str::trim) {
        let lower = line.to_ascii_lowercase();
        if out.exception.is_none()
            && (lower.starts_with("unhandled exception.")
                || lower.starts_with("unhandled exception:"))
        {
            out.exception = Some(clip(line));
        }
        // hostfxr: "The framework 'Microsoft.AspNetCore.App', version '9.0.0' (x64) was not found."
        // (3.x: "It was not possible to find any compatible framework version").
        if out.framework_missing.is_none()
            && ((lower.contains("framework") && lower.contains("was not found"))
                || lower.contains("not possible to find any compatible framework version"))
        {
            out.framework_missing = Some(clip(line));
        }
        if let Some(i) = lower.find("now listening on:") {
            let url = line[i + "now listening on:".len()..].trim();
            if !url.is_empty() && !out.listening.iter().any(|u| u == url) {
                out.listening.push(clip(url));
            }
        }
    }
    out
}

impl MessageFacts {
    /// Whether the message names a code (an HRESULT or exit code in hex, or a decimal number).
    pub fn has_hex(&self, code: u32) -> bool {
        self.codes.iter().any(|q| match q {
            Query::Hex(v) => *v == code,
            Query::Number(n) => *n == i64::from(code) || *n == i64::from(code as i32),
            _ => false,
        })
    }

    /// Whether the message is about the application at `physical_path` (or does not say).
    pub fn concerns(&self, physical_path: &str, config_path: Option<&str>) -> bool {
        use crate::host::facts::normalize_windows_path as norm;
        if let Some(root) = &self.physical_root {
            return norm(root) == norm(physical_path);
        }
        match (&self.config_path, config_path) {
            (Some(mine), Some(want)) => mine
                .trim_end_matches('/')
                .eq_ignore_ascii_case(want.trim_end_matches('/')),
            _ => true,
        }
    }
}

/// The text between `prefix` and the next `'`.
fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)? + prefix.len();
    let rest = &text[start..];
    let end = rest.find('\'')?;
    Some(rest[..end].to_string())
}

/// Evidence lines are kept short: a minified stack trace must not become a 10 KB report line.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 300;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_out_of_process_start_failure() {
        // Event 1000 text (ancm-reference.md §5 row 31).
        let m = read("Application '/LM/W3SVC/2/ROOT' with physical root 'C:\\inetpub\\app\\' failed to start process with commandline '\"dotnet\" .\\App.dll' at stage 'PostStartCheck', ErrorCode = '0x8027025b', assigned port 23456, retryCounter '1'.");
        assert_eq!(m.config_path.as_deref(), Some("/LM/W3SVC/2/ROOT"));
        assert_eq!(m.physical_root.as_deref(), Some("C:\\inetpub\\app\\"));
        assert!(m.has_hex(0x8027_025B));
        assert!(m.concerns(r"c:\inetpub\APP", None));
        assert!(!m.concerns(r"c:\inetpub\other", None));
    }

    #[test]
    fn reads_host_and_kestrel_lines() {
        let m = read("info: Microsoft.Hosting.Lifetime[14]\n      Now listening on: http://127.0.0.1:5123\nUnhandled exception. System.IO.FileNotFoundException: The configuration file 'appsettings.json' was not found\n   at Foo()\n");
        assert_eq!(m.listening, vec!["http://127.0.0.1:5123".to_string()]);
        assert!(m
            .exception
            .as_deref()
            .is_some_and(|e| e.contains("FileNotFoundException")));
        assert!(m.framework_missing.is_none());
        let m = read("You must install or update .NET to run this application.\n\nFramework: 'Microsoft.AspNetCore.App', version '9.0.0' (x64)\nThe framework 'Microsoft.AspNetCore.App', version '9.0.0' (x64) was not found.");
        assert!(m.framework_missing.is_some());
    }

    #[test]
    fn exit_codes_read_as_numbers_match_their_hex() {
        let m = read("Application '/LM/W3SVC/1/ROOT' has exited from Program.Main with exit code = '-2147450730'.");
        assert!(m.has_hex(0x8000_8096));
        assert_eq!(m.config_path.as_deref(), Some("/LM/W3SVC/1/ROOT"));
        assert!(m.concerns(r"c:\x", Some("/LM/W3SVC/1/ROOT/")));
        assert!(!m.concerns(r"c:\x", Some("/LM/W3SVC/2/ROOT")));
    }
}
