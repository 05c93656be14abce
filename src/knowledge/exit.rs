//! Decoding numbers: a process exit code (what the live emulator sees when the app exits), a Unix
//! signal, or any number a user pastes (HRESULT in any notation, Win32 error, exit byte).
//!
//! Exit codes differ by OS (hostfxr.md §2): Windows keeps all 32 bits (a host failure is
//! 0x80008096 = -2147450730, a managed crash 0xE0434352); Linux/macOS keep only the low byte, so
//! 150 is 0x80008096 and 128+N is "killed by signal N" — 134 is SIGABRT (an unhandled .NET
//! exception on Unix), never 0x80008086.
use super::{crash, host_status, hresult, Explanation, Family};

/// Which exit-code convention applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitOs {
    /// Full 32-bit exit codes (often printed signed).
    Windows,
    /// Linux/macOS: exit status 0–255; 128+N conventionally means "killed by signal N".
    Unix,
}

impl ExitOs {
    /// The convention of the OS ancm runs on.
    pub fn current() -> ExitOs {
        if cfg!(windows) {
            ExitOs::Windows
        } else {
            ExitOs::Unix
        }
    }
}

struct Signal {
    number: u8,
    name: &'static str,
    meaning: &'static str,
    cause: &'static str,
    fix: &'static str,
}

// Linux numbering (signal(7)); macOS differs for SIGBUS (10) and SIGUSR1/2.
static SIGNALS: &[Signal] = &[
    Signal { number: 1, name: "SIGHUP", meaning: "hangup: the controlling terminal or session went away", cause: "the terminal/SSH session that started the app closed", fix: "run the app under a supervisor (systemd, the emulator) instead of a terminal" },
    Signal { number: 2, name: "SIGINT", meaning: "interrupt (Ctrl-C)", cause: "someone pressed Ctrl-C or a supervisor sent an interrupt", fix: "nothing to fix if it was intended" },
    Signal { number: 3, name: "SIGQUIT", meaning: "quit (Ctrl-\\), with a core dump", cause: "sent by a user or a supervisor", fix: "nothing to fix if it was intended" },
    Signal { number: 4, name: "SIGILL", meaning: "illegal instruction (native crash)", cause: "a native library built for a newer CPU or corrupted code", fix: "check native dependencies match the machine's CPU and OS" },
    Signal { number: 5, name: "SIGTRAP", meaning: "trace/breakpoint trap", cause: "a debugger breakpoint or a deliberate trap in native code", fix: "look for an attached debugger or a native assertion" },
    Signal { number: 6, name: "SIGABRT", meaning: "aborted: the process called abort()", cause: "an unhandled .NET exception (the runtime aborts after printing \"Unhandled exception.\" to stderr), `Environment.FailFast`, or a native assertion", fix: "read stderr / the stdout log for the exception and its stack; `ancm run --trace` shows it" },
    Signal { number: 7, name: "SIGBUS", meaning: "bus error: bad memory access (native crash)", cause: "a native bug or a truncated memory-mapped file", fix: "check native dependencies and the deployed files are complete" },
    Signal { number: 8, name: "SIGFPE", meaning: "arithmetic exception in native code", cause: "a native division by zero or similar", fix: "check native dependencies" },
    Signal { number: 9, name: "SIGKILL", meaning: "killed (cannot be caught)", cause: "the out-of-memory killer, a container memory limit, `kill -9`, or a supervisor's hard stop after its shutdown timeout", fix: "check `dmesg` / container events for OOM; raise the memory limit or reduce memory use" },
    Signal { number: 11, name: "SIGSEGV", meaning: "segmentation fault (native crash)", cause: "native code crashed: a P/Invoke bug, a native library of the wrong version/architecture, memory corruption", fix: "collect a core dump (`DOTNET_DbgEnableMiniDump=1`) and inspect the faulting module" },
    Signal { number: 13, name: "SIGPIPE", meaning: "wrote to a pipe nobody reads", cause: "stdout/stderr redirected to a pipe that was closed", fix: "keep the output pipe open (the supervisor must drain it)" },
    Signal { number: 14, name: "SIGALRM", meaning: "alarm timer expired", cause: "a native timer with no handler", fix: "check native dependencies" },
    Signal { number: 15, name: "SIGTERM", meaning: "asked to terminate", cause: "a graceful stop from a supervisor (systemd, container stop, the emulator's shutdown)", fix: "nothing to fix if it was intended; otherwise find who sent it" },
];

const SIGNAL_SOURCE: &str =
    "signal(7) (Linux numbering); shell exit status 128+N; hostfxr.md §2 (134 = SIGABRT)";

/// The number of a signal name (`abrt`, `sigabrt` is stripped by the caller), case-insensitive.
pub(crate) fn signal_number(name: &str) -> Option<u8> {
    SIGNALS
        .iter()
        .find(|s| s.name[3..].eq_ignore_ascii_case(name) || s.name.eq_ignore_ascii_case(name))
        .map(|s| s.number)
}

/// What being killed by signal `sig` means (Linux numbering).
pub fn decode_signal(sig: u8) -> Option<Explanation> {
    let s = SIGNALS.iter().find(|s| s.number == sig)?;
    Some(Explanation {
        family: Family::Signal,
        code: s.name.to_string(),
        reading: None,
        forms: vec![
            format!("signal {}", s.number),
            format!(
                "exit status {} in a shell (128 + {})",
                128 + u32::from(s.number),
                s.number
            ),
        ],
        name: s.name.to_string(),
        meaning: s.meaning.to_string(),
        cause: s.cause.to_string(),
        fix: s.fix.to_string(),
        source: SIGNAL_SOURCE.to_string(),
    })
}

/// Readings of a process exit code on `os`, most likely first. Never empty: a code with no
/// fixed meaning is explained as the app's own choice.
pub fn decode_exit_code(code: i64, os: ExitOs) -> Vec<Explanation> {
    let mut out = Vec::new();
    match os {
        ExitOs::Unix if (0..=255).contains(&code) => {
            let b = code as u8;
            out.extend(exit_byte_readings(b));
        }
        _ => {
            if let Some(v) = as_u32(code) {
                out.extend(known_u32(v));
            }
        }
    }
    out.push(plain_exit_code(code, os));
    out
}

/// Readings of how a child process ended, as `std::process` reports it: killed by a signal
/// (Unix), or an exit code decoded for the OS ancm runs on. Most likely reading first.
pub fn decode_process_exit(status: std::process::ExitStatus) -> Vec<Explanation> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let sig = u8::try_from(sig).unwrap_or(u8::MAX);
            return match decode_signal(sig) {
                Some(e) => vec![e],
                None => vec![plain_exit_code(128 + i64::from(sig), ExitOs::Unix)],
            };
        }
    }
    match status.code() {
        Some(code) => decode_exit_code(i64::from(code), ExitOs::current()),
        None => Vec::new(),
    }
}

/// The .NET host status a process exit code stands for when the host failed while resolving the
/// app — before the runtime loads: the whole 32-bit value on Windows, the low byte (129–167) on
/// Linux/macOS (hostfxr.md §2). Not the codes of loading or starting coreclr
/// (CoreClrBindFailure, CoreClrInitFailure, CoreClrExeFailure): those come after the resolution.
/// In-process ANCM runs that resolution itself (`hostfxr_get_native_search_directories`), so
/// these failures are its 500.31 and the others its 500.30 ([`crate::contract::StartKind`]).
pub fn host_resolution_failure(code: i64, os: ExitOs) -> Option<u32> {
    let c = match os {
        ExitOs::Unix => u8::try_from(code).ok().and_then(host_status::by_low_byte)?,
        ExitOs::Windows => as_u32(code).and_then(host_status::find)?,
    };
    (!c.unused && !(0x8000_8088..=0x8000_808A).contains(&c.value)).then_some(c.value)
}

/// Every reading of a number a user typed: a 32-bit code in any notation, a Win32 error number,
/// a Unix exit byte, or a plain exit code.
pub(crate) fn explain_number(n: i64) -> Vec<Explanation> {
    let mut out = Vec::new();
    if let Some(v) = as_u32(n) {
        for mut e in known_u32(v) {
            if n < 0 {
                e.reading = Some(format!("{n} is the signed form of 0x{v:08X}"));
            } else if n > 0xFFFF && v >= 0x8000_0000 {
                e.reading = Some(format!("{n} is the unsigned decimal form of 0x{v:08X}"));
            }
            out.push(e);
        }
    }
    if (1..=0xFFFF).contains(&n) {
        let hr = 0x8007_0000 | n as u32;
        if let Some(mut e) = hresult::explain(hr) {
            e.reading = Some(format!(
                "Win32 error {n} = HRESULT 0x{hr:08X} (as in the IIS log's sc-win32-status)"
            ));
            out.push(e);
        }
    }
    if (0..=255).contains(&n) {
        out.extend(exit_byte_readings(n as u8));
        out.push(plain_exit_code(n, ExitOs::Unix));
    }
    out
}

/// Every reading of a number the user wrote in hex: a 32-bit code; a small value is also an
/// exit code (ANCM V1 prints the process exit code in hex after the HRESULT: `0x80004005 : ff`).
pub(crate) fn explain_hex(v: u32) -> Vec<Explanation> {
    let mut out = known_u32(v);
    if v <= 0xFF {
        let mut e = plain_exit_code(i64::from(v), ExitOs::Windows);
        e.reading = Some(format!("0x{v:X} = exit code {v}"));
        out.extend(exit_byte_readings(v as u8));
        out.push(e);
    } else if v <= 0xFFFF {
        if let Some(mut e) = hresult::explain(0x8007_0000 | v) {
            e.reading = Some(format!(
                "Win32 error 0x{v:X} = HRESULT 0x{:08X}",
                0x8007_0000 | v
            ));
            out.push(e);
        }
    }
    out
}

/// A process exit code as Windows reports it (all 32 bits: an event's `exit code = 'N'`, ANCM
/// V1's hex after the colon): a known code first, else the app's own choice.
pub(crate) fn windows_exit_code(n: i64) -> Explanation {
    as_u32(n)
        .and_then(|v| known_u32(v).into_iter().next())
        .unwrap_or_else(|| plain_exit_code(n, ExitOs::Windows))
}

/// The most specific reading of a 32-bit code written in hex (an event's `ErrorCode`).
pub(crate) fn known_hex(v: u32) -> Option<Explanation> {
    known_u32(v).into_iter().next()
}

fn as_u32(n: i64) -> Option<u32> {
    if (i64::from(i32::MIN)..0).contains(&n) {
        Some(n as i32 as u32)
    } else {
        u32::try_from(n).ok()
    }
}

fn known_u32(v: u32) -> Vec<Explanation> {
    host_status::explain(v)
        .into_iter()
        .chain(crash::explain(v))
        .chain(hresult::explain(v))
        .collect()
}

/// Readings of a Unix exit status byte: a .NET host code's low byte first (the process exited
/// with it), then the shell convention 128+N (a launcher script or shell reporting a child killed
/// by signal N). A process ancm itself saw killed is decoded by [`decode_process_exit`] instead.
fn exit_byte_readings(b: u8) -> Vec<Explanation> {
    let mut out = Vec::new();
    if let Some(c) = host_status::by_low_byte(b) {
        let mut e = host_status::explanation(c);
        e.reading = Some(format!(
            "exit status {b} on Linux/macOS = low 8 bits of 0x{:08X}",
            c.value
        ));
        out.push(e);
    }
    if b > 128 {
        if let Some(mut e) = decode_signal(b - 128) {
            e.reading = Some(format!(
                "exit status {b} = 128 + {}: a shell or launcher reporting a child killed by {}",
                b - 128,
                e.name
            ));
            out.push(e);
        }
    }
    out
}

fn plain_exit_code(code: i64, os: ExitOs) -> Explanation {
    let (meaning, cause, fix) = if code == 0 {
        (
            "the process exited normally".to_string(),
            "under ANCM out-of-process, exiting at all before listening on `ASPNETCORE_PORT` is a start failure (0x8027025B → 502.5), even with code 0 — e.g. a console app, or a launcher that starts the real server and exits".to_string(),
            "make the process itself keep running and listen on `ASPNETCORE_PORT`".to_string(),
        )
    } else if code == 1 {
        (
            "the process exited with 1: a generic failure chosen by the app or its launcher".to_string(),
            "`return 1` / `Environment.Exit(1)` in the app, a launcher script failing, or ANCM's own cleanup: after a failed start attempt it terminates the process with exit code 1".to_string(),
            "read the app's output (stdout log, stderr) just before it exited; check whether an ANCM start attempt had already failed (event 1000)".to_string(),
        )
    } else {
        (
            format!("the process chose exit code {code} itself (`return {code}` from `Main`, `Environment.Exit({code})`, or a script's `exit {code}`)"),
            "not a .NET host status, crash code or signal; its meaning is the app's (or its launcher script's)".to_string(),
            "read the app's output (stdout log, stderr) just before it exited".to_string(),
        )
    };
    let mut forms = vec![format!("exit code {code}")];
    if os == ExitOs::Windows {
        if let Some(v) = as_u32(code) {
            forms.push(format!("0x{v:08X}"));
        }
    }
    Explanation {
        family: Family::ExitCode,
        code: format!("exit code {code}"),
        reading: None,
        forms,
        name: String::new(),
        meaning,
        cause,
        fix,
        source: "ancm-protocol.md §3.4 (cleanup terminates with exit code 1), §3.5 (any early exit fails the start); hostfxr.md §2 (which exit codes have fixed meanings)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_resolution_failures_are_read_per_os_and_exclude_the_runtime_start() {
        assert_eq!(
            host_resolution_failure(145, ExitOs::Unix),
            Some(0x8000_8091)
        );
        assert_eq!(
            host_resolution_failure(150, ExitOs::Unix),
            Some(0x8000_8096)
        );
        assert_eq!(
            host_resolution_failure(-2147450730, ExitOs::Windows),
            Some(0x8000_8096)
        );
        // coreclr_initialize failing comes after the resolution (500.30 in-process).
        assert_eq!(host_resolution_failure(137, ExitOs::Unix), None);
        assert_eq!(host_resolution_failure(0x8000_8089, ExitOs::Windows), None);
        // An app's own codes, and unused host values.
        assert_eq!(host_resolution_failure(1, ExitOs::Unix), None);
        assert_eq!(host_resolution_failure(134, ExitOs::Unix), None);
        assert_eq!(host_resolution_failure(145, ExitOs::Windows), None);
        assert_eq!(host_resolution_failure(0x8000_8086, ExitOs::Windows), None);
    }

    fn codes(v: &[Explanation]) -> Vec<String> {
        v.iter().map(|e| e.code.clone()).collect()
    }

    #[test]
    fn unix_150_is_framework_missing() {
        let r = decode_exit_code(150, ExitOs::Unix);
        assert_eq!(r[0].name, "FrameworkMissingFailure");
        assert_eq!(r.last().unwrap().family, Family::ExitCode);
    }

    #[test]
    fn unix_134_is_sigabrt_not_a_host_code() {
        let r = decode_exit_code(134, ExitOs::Unix);
        assert_eq!(codes(&r), ["SIGABRT", "exit code 134"]);
    }

    #[test]
    fn unix_137_is_coreclr_init_or_sigkill() {
        let r = decode_exit_code(137, ExitOs::Unix);
        assert_eq!(codes(&r), ["0x80008089", "SIGKILL", "exit code 137"]);
    }

    #[test]
    fn windows_keeps_all_32_bits() {
        let r = decode_exit_code(-2_147_450_730, ExitOs::Windows);
        assert_eq!(r[0].name, "FrameworkMissingFailure");
        let r = decode_exit_code(0xE043_4352, ExitOs::Windows);
        assert_eq!(r[0].family, Family::CrashCode);
        let r = decode_exit_code(-532_462_766, ExitOs::Windows);
        assert_eq!(r[0].code, "0xE0434352");
        // Windows has no signal convention: 134 is just an exit code.
        assert_eq!(
            codes(&decode_exit_code(134, ExitOs::Windows)),
            ["exit code 134"]
        );
    }

    #[test]
    fn zero_explains_that_any_early_exit_fails() {
        let r = decode_exit_code(0, ExitOs::Unix);
        assert_eq!(r.len(), 1);
        assert!(r[0].cause.contains("0x8027025B"));
    }

    #[test]
    fn out_of_range_codes_do_not_panic() {
        for c in [i64::MIN, i64::MAX, -1, 256, 1 << 40] {
            for os in [ExitOs::Unix, ExitOs::Windows] {
                assert!(!decode_exit_code(c, os).is_empty());
            }
        }
    }

    #[test]
    fn numbers_read_every_way() {
        let r = explain_number(2);
        assert_eq!(codes(&r), ["0x80070002", "exit code 2"]);
        assert!(r[0].reading.as_deref().unwrap().contains("Win32 error 2"));
        let r = explain_number(12029);
        assert_eq!(codes(&r), ["0x80072EFD"]);
        let r = explain_number(2_147_516_566);
        assert_eq!(r[0].name, "FrameworkMissingFailure");
        assert!(r[0].reading.as_deref().unwrap().contains("unsigned"));
        assert!(explain_number(80_008_096).is_empty());
    }

    #[test]
    fn signal_names_resolve() {
        assert_eq!(signal_number("abrt"), Some(6));
        assert_eq!(signal_number("SIGKILL"), Some(9));
        assert_eq!(signal_number("nope"), None);
        assert!(decode_signal(200).is_none());
    }
}
