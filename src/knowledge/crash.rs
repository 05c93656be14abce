//! Exit codes of a crashed process on Windows: the exception/NTSTATUS code the process died with
//! (`0xE0434352` for an unhandled managed exception, `0xC0000005` access violation …) and CLR
//! HRESULTs (`0x80131506`). Facts: hostfxr.md §2 (0xE0434352), ancm-reference.md §5 rows 27–28
//! (event 1018 "exception code = '0xe0434352'"); names from ntstatus.h / corerror.h.
use super::{Explanation, Family};

pub(crate) struct Crash {
    pub value: u32,
    pub name: &'static str,
    pub meaning: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub source: &'static str,
}

pub(crate) static CODES: &[Crash] = &[
    Crash {
        value: 0xE043_4352,
        name: "CLR exception (\"CCR\" + 0xE0 marker)",
        meaning: "the process died of an unhandled managed (.NET) exception",
        cause: "an exception escaped `Main` or a thread during start-up or later: configuration error, missing file or connection string, DB/Key Vault access, DI failure; in-process ANCM logs event 1018 \"exception code = '0xe0434352'\" (500.30)",
        fix: "read the exception in the stdout log or the event log's captured output (enable `stdoutLogEnabled`), or run the app from the command line; `ancm run --trace` shows stderr",
        source: "hostfxr.md §2; ancm-reference.md §5 rows 27, 28",
    },
    Crash {
        value: 0xC000_0005,
        name: "STATUS_ACCESS_VIOLATION",
        meaning: "the process read or wrote memory it may not (a native crash)",
        cause: "native code crashed: a P/Invoke or native library bug, a native dependency of the wrong version/architecture, or memory corruption",
        fix: "collect a crash dump (WER LocalDumps or `procdump -e`) and inspect the faulting module; update or remove the native dependency",
        source: "ntstatus.h",
    },
    Crash {
        value: 0xC000_00FD,
        name: "STATUS_STACK_OVERFLOW",
        meaning: "the process overflowed its stack (managed stack overflows cannot be caught and kill the process)",
        cause: "unbounded recursion — often a property or DI registration that calls itself, or recursive configuration binding",
        fix: "find the recursion in the stack trace the runtime prints to stderr (stdout log) or in a dump",
        source: "ntstatus.h",
    },
    Crash {
        value: 0xC000_0409,
        name: "STATUS_STACK_BUFFER_OVERRUN",
        meaning: "fail-fast: the process terminated itself immediately (`__fastfail`; also how `Environment.FailFast` and some fatal runtime errors end on Windows)",
        cause: "`Environment.FailFast`, a fatal runtime error, or a detected stack buffer overrun in native code",
        fix: "check the Application event log (.NET Runtime source) for the fail-fast message and stack",
        source: "ntstatus.h",
    },
    Crash {
        value: 0xC000_0135,
        name: "STATUS_DLL_NOT_FOUND",
        meaning: "a DLL the executable needs was not found at load time",
        cause: "a native dependency missing — typically the VC++ redistributable, or a native library not deployed with the app",
        fix: "install the VC++ redistributable (x64 and x86); deploy the app's native libraries",
        source: "ntstatus.h; ancm-reference.md §5 row 10",
    },
    Crash {
        value: 0xC000_0142,
        name: "STATUS_DLL_INIT_FAILED",
        meaning: "a DLL's initialisation routine failed while the process started",
        cause: "under IIS often desktop heap exhaustion for non-interactive sessions when many processes start, or a broken native dependency",
        fix: "reduce the number of worker/child processes, or raise the non-interactive desktop heap; check native dependencies",
        source: "ntstatus.h",
    },
    Crash {
        value: 0xC000_013A,
        name: "STATUS_CONTROL_C_EXIT",
        meaning: "the console process was ended by Ctrl-C / Ctrl-Break or its console closing",
        cause: "someone pressed Ctrl-C in the console running the app, or the console window was closed; under IIS it means a console event reached the process",
        fix: "nothing to fix if it was intended; otherwise find what sent the console event",
        source: "ntstatus.h",
    },
    Crash {
        value: 0x8013_1506,
        name: "COR_E_EXECUTIONENGINE",
        meaning: "ExecutionEngineException: an internal error in the .NET runtime (fatal, cannot be caught)",
        cause: "runtime state corrupted — usually by native interop writing out of bounds, an incompatible profiler/APM agent, or a runtime bug",
        fix: "disable profilers/APM agents to test; update the runtime; collect a dump for analysis",
        source: "corerror.h",
    },
];

pub(crate) fn find(v: u32) -> Option<&'static Crash> {
    CODES.iter().find(|c| c.value == v)
}

pub(crate) fn explain(v: u32) -> Option<Explanation> {
    find(v).map(|c| {
        let mut forms = super::forms_u32(c.value);
        forms.retain(|f| !f.contains("exit byte"));
        Explanation {
            family: Family::CrashCode,
            code: format!("0x{:08X}", c.value),
            reading: None,
            forms,
            name: c.name.to_string(),
            meaning: c.meaning.to_string(),
            cause: c.cause.to_string(),
            fix: c.fix.to_string(),
            source: c.source.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_exception_has_its_signed_form() {
        let e = explain(0xE043_4352).unwrap();
        assert!(e.forms.iter().any(|f| f.starts_with("-532462766")));
        let e = explain(0xC000_0005).unwrap();
        assert!(e.forms.iter().any(|f| f.starts_with("-1073741819")));
    }
}
