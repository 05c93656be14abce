//! The module's debug log (`handlerSettings` `debugFile` / `debugLevel`, or the worker's
//! `ASPNETCORE_MODULE_DEBUG_FILE`; default `aspnetcore-debug.log`). Lines read
//! `[<UTC ISO 8601>Z, PID: <pid>] [<module dll>] <message>`, and each (re)initialisation starts
//! with "Initializing logs for '<module>'" (ancm-reference.md §3.2, `debugutil.cpp`). The dotnet
//! it chose is one of `HostFxrResolver.cpp`'s "Found dotnet.exe …" lines; failures are
//! "Failed HRESULT returned: 0x…" lines.
//!
//! [`parse`] is pure; [`read`] reads the tail of a file for reading only.
use super::message;
use std::path::Path;

/// How much of a debug log is read: its last 512 KB (it is never trimmed and can be huge).
pub const TAIL_BYTES: u64 = 512 * 1024;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugLine {
    /// `2026-11-30T21:14:03.123Z`, as written.
    pub time: Option<String>,
    pub pid: Option<u32>,
    pub message: String,
}

/// What the last start in the log says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebugFacts {
    /// Lines of the last start (since the last "Initializing logs for").
    pub lines_read: usize,
    /// The `dotnet.exe` ANCM chose, and how (`via where.exe`, `in InstallLocation` …).
    pub dotnet: Option<DebugLine>,
    /// "hostfxr.dll located at '…'".
    pub hostfxr: Option<DebugLine>,
    /// Lines carrying a failure HRESULT (`Failed HRESULT returned: 0x8007023e …`), newest last.
    pub failures: Vec<DebugLine>,
    /// Lines that quote an event-log entry or an exception.
    pub errors: Vec<DebugLine>,
}

/// Splits `[time, PID: n] [module] message`; other lines are kept as a message only.
pub fn parse_line(line: &str) -> DebugLine {
    let plain = DebugLine {
        time: None,
        pid: None,
        message: line.trim().to_string(),
    };
    let Some(rest) = line.trim().strip_prefix('[') else {
        return plain;
    };
    let Some((head, rest)) = rest.split_once(']') else {
        return plain;
    };
    let (time, pid) = match head.split_once(", PID:") {
        Some((t, p)) => (Some(t.trim().to_string()), p.trim().parse().ok()),
        None => (Some(head.trim().to_string()), None),
    };
    // Then `[aspnetcorev2.dll] message`.
    let msg = rest
        .trim_start()
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map(|(_, m)| m)
        .unwrap_or(rest);
    DebugLine {
        time,
        pid,
        message: message::clip(msg.trim()),
    }
}

/// Reads the last start recorded in `text`.
pub fn parse(text: &str) -> DebugFacts {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines
        .iter()
        .rposition(|l| l.contains("Initializing logs for"))
        .unwrap_or(0);
    let mut out = DebugFacts {
        lines_read: lines.len() - start,
        ..DebugFacts::default()
    };
    for l in &lines[start..] {
        let line = parse_line(l);
        let lower = line.message.to_ascii_lowercase();
        if lower.starts_with("found dotnet.exe") {
            out.dotnet = Some(line);
        } else if lower.starts_with("hostfxr.dll located at") {
            out.hostfxr = Some(line);
        } else if lower.contains("failed hresult returned") || lower.contains("hresult 0x8") {
            out.failures.push(line);
        } else if lower.starts_with("event log:")
            || lower.contains("exception")
            || lower.contains("could not find")
            || lower.contains("was not found")
        {
            out.errors.push(line);
        }
    }
    out
}

/// The tail of the debug log at `path`, parsed; `None` when it does not exist or cannot be read.
pub fn read(path: &Path) -> Option<DebugFacts> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let meta = f.metadata().ok().filter(|m| m.is_file())?;
    if meta.len() > TAIL_BYTES {
        f.seek(SeekFrom::Start(meta.len() - TAIL_BYTES)).ok()?;
    }
    let mut buf = Vec::new();
    f.take(TAIL_BYTES).read_to_end(&mut buf).ok()?;
    Some(parse(&String::from_utf8_lossy(&buf)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of a V2 debug log (debugutil.cpp line format; messages from HostFxrResolver.cpp).
    const LOG: &str = "\
[2026-11-29T08:00:00.001Z, PID: 4000] [aspnetcorev2.dll] Initializing logs for 'C:\\Program Files\\IIS\\Asp.Net Core Module\\V2\\aspnetcorev2.dll'. Process Id: 4000.. File Version: 18.0.24141.0. Description: IIS ASP.NET Core Module V2. Commit: abc.
[2026-11-29T08:00:00.010Z, PID: 4000] [aspnetcorev2.dll] Found dotnet.exe via where.exe invocation at 'C:\\Program Files (x86)\\dotnet\\dotnet.exe'
[2026-11-30T21:14:03.100Z, PID: 5120] [aspnetcorev2.dll] Initializing logs for 'C:\\Program Files\\IIS\\Asp.Net Core Module\\V2\\aspnetcorev2.dll'. Process Id: 5120.. File Version: 18.0.24141.0. Description: IIS ASP.NET Core Module V2. Commit: abc.
[2026-11-30T21:14:03.120Z, PID: 5120] [aspnetcorev2.dll] Resolving absolute path to dotnet.exe from 'dotnet.exe'
[2026-11-30T21:14:03.130Z, PID: 5120] [aspnetcorev2.dll] Found dotnet.exe in InstallLocation at 'C:\\Program Files\\dotnet\\dotnet.exe'
[2026-11-30T21:14:03.140Z, PID: 5120] [aspnetcorev2.dll] hostfxr.dll located at 'C:\\Program Files\\dotnet\\host\\fxr\\8.0.5\\hostfxr.dll'
[2026-11-30T21:14:03.500Z, PID: 5120] [aspnetcorev2_inprocess.dll] Failed HRESULT returned: 0x8007023e at D:\\a\\_work\\1\\s\\src\\Servers\\IIS\\AspNetCoreModuleV2\\InProcessRequestHandler\\inprocessapplication.cpp:512
[2026-11-30T21:14:03.510Z, PID: 5120] [aspnetcorev2.dll] Event Log: 'Application '/LM/W3SVC/2/ROOT' with physical root 'C:\\inetpub\\shop\\' failed to load coreclr.' End Event Log Message.
";

    #[test]
    fn reads_the_last_start() {
        let f = parse(LOG);
        assert_eq!(f.lines_read, 6);
        let d = f.dotnet.unwrap();
        assert!(d.message.contains("InstallLocation"), "{}", d.message);
        assert_eq!(d.pid, Some(5120));
        assert_eq!(d.time.as_deref(), Some("2026-11-30T21:14:03.130Z"));
        assert!(f.hostfxr.unwrap().message.contains("8.0.5"));
        assert_eq!(f.failures.len(), 1);
        assert!(message::read(&f.failures[0].message).has_hex(0x8007_023E));
        assert_eq!(f.errors.len(), 1);
    }

    #[test]
    fn odd_lines_do_not_break_it() {
        assert_eq!(parse_line("no brackets").message, "no brackets");
        assert_eq!(parse_line("[unterminated").message, "[unterminated");
        let f = parse("");
        assert_eq!(f.lines_read, 0);
        assert!(f.dotnet.is_none());
    }
}
