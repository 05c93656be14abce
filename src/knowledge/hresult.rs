//! HRESULTs ANCM writes into the event log (`ErrorCode = '0x…'`), FREB traces and IIS detailed
//! error pages, with what each means *under ANCM*. Win32 and WinHTTP errors are HRESULTs
//! `0x8007xxxx` (`HRESULT_FROM_WIN32`), so `12029` in an IIS log's `sc-win32-status` and
//! `0x80072EFD` are the same entry. Facts: ancm-protocol.md §3, §4.9, §8; ancm-reference.md §5
//! (failure catalog + HRESULT glossary); names from the Windows SDK's winerror.h.
use super::{Explanation, Family};

pub(crate) struct HResult {
    pub value: u32,
    pub name: &'static str,
    pub meaning: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub source: &'static str,
}

pub(crate) static CODES: &[HResult] = &[
    HResult {
        value: 0x8007_0002,
        name: "ERROR_FILE_NOT_FOUND",
        meaning: "the system cannot find the file specified",
        cause: "at stage `CreateProcessW`: `processPath` not found — `dotnet` not on the PATH the app pool identity sees, a wrong relative path, or an in-process hostfxr lookup that found nothing (502.5 / 500.0)",
        fix: "use `processPath=\"dotnet\"` with `C:\\Program Files\\dotnet\\` on the system PATH (then restart IIS: `net stop was /y` + `net start w3svc`), or `.\\<App>.exe` for an apphost; run `ancm doctor` to resolve the path as ANCM does",
        source: "ancm-protocol.md §8; ancm-reference.md §5 rows 14, 32; winerror.h",
    },
    HResult {
        value: 0x8007_0003,
        name: "ERROR_PATH_NOT_FOUND",
        meaning: "the system cannot find the path specified",
        cause: "usually a `stdoutLogFile` folder that does not exist (event 1004; V1 logs it as ErrorCode = -2147024893), or a bad directory in `processPath`",
        fix: "create the log folder (e.g. `logs`) and grant the app pool identity write access, or fix the path",
        source: "ancm-protocol.md §8; ancm-reference.md §3.1; winerror.h",
    },
    HResult {
        value: 0x8007_0005,
        name: "E_ACCESSDENIED",
        meaning: "access is denied",
        cause: "the app pool identity (`IIS AppPool\\<pool>`) may not start `processPath`, read the app folder or `C:\\Program Files\\dotnet`, or create the stdout log",
        fix: "grant `IIS AppPool\\<pool>` read/execute on the app folder and the dotnet folder (and write on the log folder); remove deny ACEs",
        source: "ancm-protocol.md §8; ancm-reference.md §5 rows 14, 48; winerror.h",
    },
    HResult {
        value: 0x8007_0006,
        name: "ERROR_INVALID_HANDLE",
        meaning: "the handle is invalid",
        cause: "ANCM had a process without a forwarding connection: the request gets 502.3",
        fix: "look for a backend that exited right after start (events 1000/1030); recycle the app pool",
        source: "ancm-protocol.md §4.9, §8; winerror.h",
    },
    HResult {
        value: 0x8007_000D,
        name: "ERROR_INVALID_DATA",
        meaning: "the data is invalid (Win32 error 13)",
        cause: "the classic 500.19 code: IIS cannot use `web.config` — it names the `aspNetCore` section that no installed module registered (the Hosting Bundle is not installed, or was repaired before IIS), or the XML is malformed or an attribute is outside its schema",
        fix: "install or repair the ASP.NET Core Hosting Bundle (after IIS), then `net stop was /y` and `net start w3svc`; run `ancm doctor` to locate a malformed line",
        source: "ancm-reference.md §5 rows 5, 7 (D4); peers.md (500.19 with 0x8007000d when the `aspNetCore` section is unknown); winerror.h",
    },
    HResult {
        value: 0x8007_000E,
        name: "E_OUTOFMEMORY",
        meaning: "not enough memory resources are available to complete this operation (Win32 error 14)",
        cause: "the worker process or the app could not allocate: an app pool private-memory limit, a 32-bit pool (2–4 GB address space) for a memory-hungry app, or the machine out of memory or desktop heap when many app processes start at once",
        fix: "check the pool's `privateMemory` recycling limit and whether `enable32BitAppOnWin64` is on; watch the server's memory at start-up; stagger app starts",
        source: "winerror.h; ancm-reference.md §5 row 25 (many apps starting at once)",
    },
    HResult {
        value: 0x8007_0020,
        name: "ERROR_SHARING_VIOLATION",
        meaning: "the process cannot access the file because it is being used by another process (Win32 error 32)",
        cause: "a file is held open by another process: a deployment copying over the running app's DLLs, a stdout log file held by a previous app process, or (when a site fails to start) another program already bound to the site's port",
        fix: "deploy with `app_offline.htm` (ANCM stops the app and releases its files), or stop the app pool while copying; for a site that will not start, `netstat -abno` shows who holds the port",
        source: "winerror.h; ancm-reference.md §3 (app_offline.htm releases the app's files)",
    },
    HResult {
        value: 0x8007_0021,
        name: "ERROR_LOCK_VIOLATION",
        meaning: "the process cannot access the file because another process has locked a portion of it (Win32 error 33)",
        cause: "on a 500.19 page: a configuration section `web.config` sets is locked at a parent level (`overrideModeDefault=\"Deny\"` in applicationHost.config, e.g. `handlers`, `modules` or an authentication section)",
        fix: "unlock the section for the site (`appcmd unlock config -section:system.webServer/handlers`, or `<location path=\"Site\" overrideMode=\"Allow\">` in applicationHost.config), or move the setting to applicationHost.config",
        source: "winerror.h; IIS configuration locking (overrideModeDefault), `section-locked` check",
    },
    HResult {
        value: 0x8007_007E,
        name: "ERROR_MOD_NOT_FOUND",
        meaning: "the specified module could not be found (Win32 error 126)",
        cause: "a native DLL could not be loaded: a global module listed in applicationHost.config is missing (`aspnetcorev2.dll` after an uninstall, URL Rewrite's `rewrite.dll`), or one of its dependencies is — the VC++ runtime for the module, `hostfxr.dll` for an in-process app; IIS then logs \"The Module DLL … failed to load\" and the pool stops (503) or the page shows 500.19",
        fix: "repair the ASP.NET Core Hosting Bundle (and the VC++ redistributable); remove `globalModules` entries for modules that are no longer installed",
        source: "winerror.h; ancm-reference.md §5 (module installation rows); `vc-runtime` and `module-installed` checks",
    },
    HResult {
        value: 0x8007_052E,
        name: "ERROR_LOGON_FAILURE",
        meaning: "the user name or password is incorrect (Win32 error 1326)",
        cause: "IIS could not log on as a configured identity: the app pool's custom account (password changed or expired, so the pool stops: 503), or a virtual directory's \"connect as\" credentials for a UNC physical path (500.19)",
        fix: "set the account's current password in the app pool's identity (or use `ApplicationPoolIdentity`) and start the pool; for a UNC path update the virtual directory's credentials",
        source: "winerror.h; `app-pool` and `virtual-directories` checks",
    },
    HResult {
        value: 0x8007_10DD,
        name: "ERROR_INVALID_OPERATION",
        meaning: "the operation identifier is not valid (Win32 error 4317)",
        cause: "IIS Manager or `appcmd` could not start a site or app pool: the Windows Process Activation Service (WAS) or the World Wide Web Publishing Service (W3SVC) is stopped, so there is nothing to hand the start to (reported by operators; ANCM itself does not return this code)",
        fix: "start the services (`net start was` and `net start w3svc`, or `iisreset`), then start the site; if a service will not start, the System event log says why",
        source: "winerror.h (`ERROR_INVALID_OPERATION` 4317); operators' reports of IIS Manager's \"The operation identifier is not valid (0x800710DD)\"",
    },
    HResult {
        value: 0x8007_0032,
        name: "ERROR_NOT_SUPPORTED",
        meaning: "the request is not supported",
        cause: "an unknown `hostingModel` value in the handler configuration",
        fix: "set `hostingModel` to `inprocess` or `outofprocess`",
        source: "ancm-protocol.md §8; winerror.h",
    },
    HResult {
        value: 0x8007_0057,
        name: "E_INVALIDARG",
        meaning: "the parameter is incorrect",
        cause: "out-of-process: `ASPNETCORE_PORT` set in web.config outside 1025–48000 (critical, no retry, event 1001 at Error level → 502.5); in FREB for 502.3: the backend went away mid-request",
        fix: "remove `ASPNETCORE_PORT` from the `<environmentVariables>` so ANCM picks a random port; for 502.3 correlate with process exits",
        source: "ancm-protocol.md §3.1, §8; ancm-reference.md §5 rows 39, 42; winerror.h",
    },
    HResult {
        value: 0x8007_00C1,
        name: "ERROR_BAD_EXE_FORMAT",
        meaning: "not a valid Win32 application (Win32 error 193)",
        cause: "bitness mismatch: a 64-bit app/hostfxr in a 32-bit app pool or the reverse (event 1010 \"Failed to start application …, ErrorCode '0x800700c1'\"), or `processPath` points at a `.dll` or a non-Windows binary",
        fix: "set the pool's Enable 32-Bit Applications to match the app (True for x86, False for x64), or republish for the pool's architecture; `processPath` must be `dotnet` or an `.exe`",
        source: "ancm-reference.md §5 row 35; ancm-protocol.md §8; hostfxr.md §5.3; winerror.h",
    },
    HResult {
        value: 0x8007_01B1,
        name: "ERROR_NO_SUCH_DEVICE",
        meaning: "a device which does not exist was specified (Win32 error 433)",
        cause: "a Windows service the start path depends on is not running — commonly the `null` service (event 1010 \"Failed to start application …, ErrorCode '0x800701b1'\")",
        fix: "`sc.exe query null`; start it with `sc.exe start null` and set it back to automatic",
        source: "ancm-reference.md §5 row 36 (D5, D7); winerror.h",
    },
    HResult {
        value: 0x8007_023E,
        name: "ERROR_UNHANDLED_EXCEPTION",
        meaning: "ANCM caught an exception (Win32 error 574): what ANCM returns for any C++ exception",
        cause: "config parsing or environment expansion failed, in-process hostfxr/argument resolution failed (wrong `processPath`, dotnet not found, empty `arguments`), or an x86 app in a 64-bit pool (event 1010 → 500.0 / 500.30)",
        fix: "read the event just before the 1010 entry (1031/1034/1027) for the real message; check `processPath`, `arguments` and the pool's bitness",
        source: "ancm-protocol.md §6, §8 ([CL]exceptions.h CaughtExceptionHResult); ancm-reference.md §5 rows 14, 28; winerror.h",
    },
    HResult {
        value: 0x8007_0282,
        name: "ERROR_PORT_NOT_SET",
        meaning: "no port was set (Win32 error 642)",
        cause: "out-of-process: all 10 random ports ANCM drew in 10000–48000 were already in use (stage `SetupListenPort`)",
        fix: "find what holds thousands of listening ports (`netstat -abno`); remove a fixed `ASPNETCORE_PORT`",
        source: "ancm-protocol.md §3.2, §8; winerror.h",
    },
    HResult {
        value: 0x8007_04CD,
        name: "ERROR_CONNECTION_INVALID",
        meaning: "an operation was attempted on a nonexistent network connection (Win32 error 1229)",
        cause: "in FREB for a 502.3: the backend crashed, recycled or reset the connection while ANCM was forwarding",
        fix: "correlate with process exits (events 1000/1030) and the app's own logs; fix the crash",
        source: "ancm-reference.md §5 row 42 (issues); winerror.h",
    },
    HResult {
        value: 0x8007_04E7,
        name: "ERROR_SERVER_SHUTDOWN_IN_PROGRESS",
        meaning: "the server machine is shutting down (Win32 error 1255)",
        cause: "the IIS worker is shutting down: ANCM's shim answers 503",
        fix: "transient: retry; if it persists, look for constant app pool recycles",
        source: "ancm-protocol.md §4.9, §8; winerror.h",
    },
    HResult {
        value: 0x8007_053D,
        name: "ERROR_SERVER_DISABLED",
        meaning: "the server is currently disabled (Win32 error 1341)",
        cause: "the out-of-process backend crashed more than `rapidFailsPerMinute` times in a minute (event 1003 \"Maximum rapid fail count per minute … exceeded\"): no process is started until the minute rolls over, every request gets 502.5",
        fix: "fix the crash (read event 1000/1020 and the stdout log); requests recover once the one-minute window ends",
        source: "ancm-protocol.md §3.7, §8; ancm-reference.md §5 row 40; winerror.h",
    },
    HResult {
        value: 0x8007_05B4,
        name: "ERROR_TIMEOUT",
        meaning: "this operation returned because the timeout period expired (Win32 error 1460)",
        cause: "older ANCM builds: the app did not listen on the port within `startupTimeLimit` [INFER from serverprocess.cpp]",
        fix: "see why start-up is slow (stdout log); raise `startupTimeLimit` only if start-up is legitimately long",
        source: "ancm-reference.md §5 row 37 [INFER]; winerror.h",
    },
    HResult {
        value: 0x8007_065F,
        name: "ERROR_CREATE_FAILED",
        meaning: "fatal error during installation / create failed (Win32 error 1631); ANCM reuses it",
        cause: "out-of-process: the listener on the assigned port is not the started process or one of its children (another process grabbed it), more than 16 processes in the job, or the process was not ready → 502.5",
        fix: "find the PID listening on the port in event 1000; make sure the app listens on `ASPNETCORE_PORT` itself (use `UseIISIntegration` / the default host builder)",
        source: "ancm-protocol.md §3.3, §8; winerror.h",
    },
    HResult {
        value: 0x8007_2746,
        name: "WSAECONNRESET",
        meaning: "an existing connection was forcibly closed by the remote host (Winsock 10054)",
        cause: "the client disconnected before or during forwarding: ANCM answers 400",
        fix: "client-side; nothing to fix on the server unless it is constant",
        source: "ancm-protocol.md §4.9, §8; winerror.h",
    },
    HResult {
        value: 0x8007_2EE2,
        name: "ERROR_WINHTTP_TIMEOUT",
        meaning: "the operation timed out (WinHTTP 12002)",
        cause: "502.3: the backend did not answer within `requestTimeout` (default 2 minutes); shows in FREB / IIS log `sc-win32-status` 12002, not in the event log",
        fix: "make the request faster or move long work off the request; raise `requestTimeout` in web.config",
        source: "ancm-protocol.md §4.9, §8; ancm-reference.md §5 row 41; winhttp.h",
    },
    HResult {
        value: 0x8007_2EFD,
        name: "ERROR_WINHTTP_CANNOT_CONNECT",
        meaning: "a connection with the server could not be established (WinHTTP 12029)",
        cause: "502.3: connecting to 127.0.0.1:<port> was refused — the backend died or is not listening on the port ANCM assigned (e.g. it listens elsewhere)",
        fix: "check the app still runs and listens on `ASPNETCORE_PORT` (events 1000/1030, stdout log); `ancm run --trace` shows where the app listens",
        source: "ancm-protocol.md §3.6, §4.9, §8; ancm-reference.md §5 row 42; winhttp.h",
    },
    HResult {
        value: 0x8007_2EFE,
        name: "ERROR_WINHTTP_CONNECTION_ERROR",
        meaning: "the connection with the server was reset or terminated (WinHTTP 12030)",
        cause: "502.3: the backend reset or closed the connection mid-request (crash, recycle, abort)",
        fix: "correlate with process exits and the app's logs",
        source: "ancm-protocol.md §4.9, §8; winhttp.h",
    },
    HResult {
        value: 0x8007_2F78,
        name: "ERROR_WINHTTP_INVALID_SERVER_RESPONSE",
        meaning: "the server response could not be parsed (WinHTTP 12152)",
        cause: "502.3 (or a client reset if headers were already sent): the backend sent a malformed or truncated response",
        fix: "check the app's response (e.g. it crashed mid-response, or something else answers on the port)",
        source: "ancm-protocol.md §4.9, §8; winhttp.h",
    },
    HResult {
        value: 0x8000_001A,
        name: "E_APPLICATION_EXITING",
        meaning: "the application is exiting",
        cause: "ANCM's process manager is stopping (app_offline, recycle, shutdown): the request gets 503 with an empty body",
        fix: "transient during deploys/recycles; retry",
        source: "ancm-protocol.md §4.9, §8; winerror.h",
    },
    HResult {
        value: 0x8000_4005,
        name: "E_FAIL",
        meaning: "unspecified failure",
        cause: "generic: ANCM V1 prints it before the process exit code (\"ErrorCode = '0x80004005 : 80008081'\" = the process exited with host code 0x80008081); also a shutdown POST answered with a status other than 202",
        fix: "read the part after the colon (the process exit code, in hex) and the stdout log",
        source: "ancm-reference.md §5 rows 33, 34; ancm-protocol.md §8; winerror.h",
    },
    HResult {
        value: 0x8000_FFFF,
        name: "E_UNEXPECTED",
        meaning: "catastrophic / unexpected failure",
        cause: "in-process start: hostfxr did not give ANCM the native search directories — the shared framework the app targets is not installed (500.31) or `arguments` does not name the app `.dll` (\"Did you mean to run dotnet SDK commands?\", 500.0)",
        fix: "install the runtime the app's runtimeconfig.json names (right bitness); set `arguments=\".\\<App>.dll\"`",
        source: "ancm-reference.md §5 rows 16, 18; winerror.h",
    },
    HResult {
        value: 0x8027_025A,
        name: "E_APPLICATION_ACTIVATION_TIMED_OUT",
        meaning: "the application activation timed out",
        cause: "out-of-process, stage `PostStartCheck`: nothing listened on the assigned port within `startupTimeLimit` (default 120 s); after the retries event 1020, then 502.5",
        fix: "make the app listen on `ASPNETCORE_PORT` (`UseIISIntegration` / default builder, no hard-coded URLs); look at the stdout log for a hang; raise `startupTimeLimit` only for slow legitimate start-ups",
        source: "ancm-protocol.md §3.3, §6, §8; winerror.h `#define E_APPLICATION_ACTIVATION_TIMED_OUT _HRESULT_TYPEDEF_(0x8027025AL)` (FACILITY 0x27, app model)",
    },
    HResult {
        value: 0x8027_025B,
        name: "E_APPLICATION_ACTIVATION_EXEC_FAILURE",
        meaning: "the application activation's executable failed",
        cause: "out-of-process, stage `PostStartCheck`: the started process exited during start-up — crash, bad arguments, missing runtime (0x80008096), missing DLL; ANCM does not record its exit code",
        fix: "run the command line from event 1000 in the app folder, or `ancm doctor` / `ancm run --trace`, which decode the exit code and show stderr",
        source: "ancm-protocol.md §3.3, §3.5, §8; winerror.h `#define E_APPLICATION_ACTIVATION_EXEC_FAILURE _HRESULT_TYPEDEF_(0x8027025BL)`",
    },
];

pub(crate) fn find(v: u32) -> Option<&'static HResult> {
    CODES.iter().find(|c| c.value == v)
}

pub(crate) fn explanation(c: &HResult) -> Explanation {
    let mut forms = super::forms_u32(c.value);
    // The Unix exit byte of an HRESULT is meaningless; keep hex, signed and unsigned.
    forms.retain(|f| !f.contains("exit byte"));
    if c.value & 0xFFFF_0000 == 0x8007_0000 {
        forms.push(format!(
            "{} (Win32 error, IIS log sc-win32-status)",
            c.value & 0xFFFF
        ));
    }
    Explanation {
        family: Family::HResult,
        code: format!("0x{:08X}", c.value),
        reading: None,
        forms,
        name: c.name.to_string(),
        meaning: c.meaning.to_string(),
        cause: c.cause.to_string(),
        fix: c.fix.to_string(),
        source: c.source.to_string(),
    }
}

pub(crate) fn explain(v: u32) -> Option<Explanation> {
    find(v).map(explanation)
}

/// `HRESULT_FROM_WIN32`: a Win32 error code as the `0x8007xxxx` HRESULT ANCM logs.
pub fn from_win32(code: u32) -> u32 {
    if code == 0 || code & 0x8000_0000 != 0 {
        code
    } else {
        0x8007_0000 | (code & 0xFFFF)
    }
}

/// The HRESULT `CreateProcessW` would have given for the reason an `execve` failed with `errno`
/// on Linux/macOS, so a spawn failure off Windows is labelled as ANCM would label it on the
/// server (event 1000 `ErrorCode`). Win32 codes from winerror.h; the pairing is ours [INFER]:
/// ENOENT → ERROR_FILE_NOT_FOUND (2), ENOTDIR → ERROR_PATH_NOT_FOUND (3), EACCES/EPERM →
/// ERROR_ACCESS_DENIED (5), ENOMEM → ERROR_NOT_ENOUGH_MEMORY (8), ENOEXEC → ERROR_BAD_EXE_FORMAT
/// (193), ETXTBSY → ERROR_SHARING_VIOLATION (32), ENAMETOOLONG → ERROR_FILENAME_EXCED_RANGE
/// (206), E2BIG → ERROR_INVALID_PARAMETER (87: CreateProcessW's answer to a command line over
/// 32767 characters), ELOOP → ERROR_CANT_RESOLVE_FILENAME (1921). `None` for an errno without a
/// fitting Win32 code.
pub fn from_errno(errno: i32) -> Option<u32> {
    // Linux numbering; macOS shares these (ELOOP and ENAMETOOLONG differ: 62, 63).
    let win32 = match errno {
        2 => 2,          // ENOENT
        20 => 3,         // ENOTDIR
        1 | 13 => 5,     // EPERM, EACCES
        12 => 8,         // ENOMEM
        8 => 193,        // ENOEXEC
        26 => 32,        // ETXTBSY
        7 => 87,         // E2BIG
        36 | 63 => 206,  // ENAMETOOLONG (Linux, macOS)
        40 | 62 => 1921, // ELOOP (Linux, macOS)
        _ => return None,
    };
    Some(from_win32(win32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_maps_to_the_hresult_windows_would_give() {
        assert_eq!(from_errno(13), Some(0x8007_0005));
        assert_eq!(from_errno(2), Some(0x8007_0002));
        assert_eq!(from_errno(8), Some(0x8007_00C1));
        assert_eq!(from_errno(20), Some(0x8007_0003));
        assert_eq!(from_errno(9999), None);
        assert_eq!(from_win32(193), 0x8007_00C1);
        assert_eq!(from_win32(0x8007_0005), 0x8007_0005);
    }

    #[test]
    fn values_are_unique_and_failures() {
        for (i, a) in CODES.iter().enumerate() {
            assert!(a.value >= 0x8000_0000, "{}", a.name);
            assert!(
                CODES[i + 1..].iter().all(|b| b.value != a.value),
                "{}",
                a.name
            );
            assert!(!a.source.is_empty());
        }
    }

    #[test]
    fn win32_errors_list_their_number() {
        let e = explain(0x8007_2EFD).unwrap();
        assert!(e.forms.iter().any(|f| f.starts_with("12029 ")));
        assert!(e.forms.iter().any(|f| f.starts_with("-2147012867")));
    }

    #[test]
    fn the_brief_s_event_log_codes_are_all_known() {
        for v in [
            0x8007_0002u32,
            0x8007_0005,
            0x8007_00C1,
            0x8007_023E,
            0x8007_2EFD,
            0x8007_2EE2,
            0x8007_04CD,
            0x8007_0057,
            0x8007_053D,
            0x8007_01B1,
            0x8000_FFFF,
            0x8000_4005,
            0x8027_025A,
            0x8027_025B,
        ] {
            assert!(find(v).is_some(), "0x{v:08X}");
        }
    }
}
