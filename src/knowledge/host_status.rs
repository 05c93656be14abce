//! The .NET host's status codes `0x800080xx` (dotnet muxer, apphost, hostfxr, hostpolicy). They
//! become the process exit code when the host fails before managed `Main`: the full 32-bit value on
//! Windows (printed signed, e.g. -2147450730), only the low byte (129–167) on Linux/macOS.
//! Facts: hostfxr.md §2 [SRC dotnet/runtime src/native/corehost/error_codes.h,
//! DOC docs/design/features/host-error-codes.md] and §5 (message shapes).
use super::{forms_u32, Explanation, Family};

pub(crate) struct HostCode {
    pub value: u32,
    /// Current name; for unused values, the old one in parentheses.
    pub name: &'static str,
    /// Older names for the same value, if renamed.
    pub older: &'static str,
    pub meaning: &'static str,
    pub fix: &'static str,
    /// Not returned by shipped hosts (or internal only): never read an exit byte as this.
    pub unused: bool,
}

const SOURCE: &str = "hostfxr.md §2 (dotnet/runtime src/native/corehost/error_codes.h; docs/design/features/host-error-codes.md)";

// User-facing text: the citation stays here (hostfxr.md §5.5).
const FIX_TRACE: &str = "run the exact command line from the app folder as the app pool identity; set `COREHOST_TRACE=1` (and `COREHOST_TRACEFILE`) in the `<aspNetCore>` environmentVariables to see every probed path";

macro_rules! code {
    ($v:expr, $name:expr, $older:expr, $meaning:expr, $fix:expr) => {
        HostCode {
            value: $v,
            name: $name,
            older: $older,
            meaning: $meaning,
            fix: $fix,
            unused: false,
        }
    };
    (unused $v:expr, $name:expr) => {
        HostCode {
            value: $v,
            name: $name,
            older: "",
            meaning: "not returned by any shipped host (value retired or reserved)",
            fix: "if a process really exited with this, it is not the .NET host: look at the app's own exit paths",
            unused: true,
        }
    };
}

pub(crate) static CODES: &[HostCode] = &[
    // User-facing text: the citation stays here (ancm-reference.md §5 row 33).
    code!(0x8000_8081, "InvalidArgFailure", "", "a host entry point got a bad argument; also used for some unexpected internal states, invalid command-line options and a renamed `dotnet` muxer (\"cannot execute dotnet when renamed\"); the 2.x-era IIS docs show it for \"The application to execute does not exist\"", "check `processPath`/`arguments` in web.config: `dotnet` must be the real muxer and `arguments` the app's `.dll` relative to the app folder"),
    code!(0x8000_8082, "CoreHostLibLoadFailure", "", "hostfxr or hostpolicy was found but failed to load: wrong architecture (64-bit file in a 32-bit process or vice versa), missing VC++ runtime or another dependency, corrupt file", "match the app pool bitness (`enable32BitAppOnWin64`) to the runtime/app; install the VC++ redistributable; repair the .NET install"),
    code!(0x8000_8083, "CoreHostLibMissingFailure", "", "hostfxr or hostpolicy not found: \"The library hostfxr was not found\", a self-contained app missing hostpolicy, or `<app>.runtimeconfig.json` not deployed (so the host runs the app as self-contained and finds no hostpolicy)", "deploy `<app>.runtimeconfig.json` with the app; for an apphost (`App.exe`) install the .NET runtime or set `DOTNET_ROOT`; for self-contained, publish all runtime files"),
    code!(0x8000_8084, "CoreHostEntryPointFailure", "", "a host library loaded but an expected export is missing: host components of very different versions mixed", "reinstall the runtime; do not copy hostfxr/hostpolicy from another version into the app folder"),
    code!(0x8000_8085, "CurrentHostFindFailure", "CoreHostCurExeFindFailure / CoreHostCurHostFindFailure", "the host could not determine its own path (odd symlinks, path resolution failure: \"Failed to resolve full path of the current executable\")", "run the app from a plain local path; avoid symlinked or unusual UNC paths"),
    code!(unused 0x8000_8086, "(unused; 2.x CoreHostResolveModeFailure)"),
    code!(0x8000_8087, "CoreClrResolveFailure", "", "coreclr not found: not in the deps.json of the framework/app and not on disk", "repair the shared framework install, or republish a self-contained app with all runtime files"),
    code!(0x8000_8088, "CoreClrBindFailure", "", "coreclr loaded but its exports are missing", "repair the runtime install (mismatched coreclr)"),
    code!(0x8000_8089, "CoreClrInitFailure", "", "`coreclr_initialize` failed: bad runtime properties, TPA conflicts, GC settings, low memory, or managed code of the wrong architecture; ANCM reports \"dotnet.exe exited with code -2147450743\"", "check runtimeconfig.json `configProperties` and GC settings; check memory limits; match bitness"),
    code!(0x8000_808A, "CoreClrExeFailure", "", "running the managed entry assembly failed inside the runtime (the assembly cannot load, bad image)", "republish; delete stale assemblies from earlier deploys before copying"),
    code!(0x8000_808B, "ResolverInitFailure", "", "deps.json missing for a framework, or deps.json / runtimeconfig malformed when the resolver starts", "redeploy the publish output unchanged (`<app>.deps.json`, `<app>.runtimeconfig.json`); repair the framework install"),
    code!(0x8000_808C, "ResolverResolveFailure", "", "an asset listed in deps.json was not found (\"An assembly specified in the application dependencies manifest … was not found\"), or duplicate assets conflict", "deploy the whole publish folder; a partial copy or a filtered deploy leaves deps.json pointing at missing files"),
    code!(unused 0x8000_808D, "(unused; LibHostCurExeFindFailure)"),
    code!(0x8000_808E, "LibHostInitFailure", "", "hostpolicy initialisation failed: hostfxr and hostpolicy contracts incompatible", "repair the runtime install; do not mix host files of different versions"),
    code!(unused 0x8000_808F, "(unused; LibHostMuxFailure)"),
    code!(unused 0x8000_8090, "(unused; LibHostExecModeFailure)"),
    code!(0x8000_8091, "LibHostSdkFindFailure", "", "the muxer treated its argument as an SDK command and found no SDK: under IIS this means `arguments` does not name an existing app `.dll` (\"Did you mean to run dotnet SDK commands?\" / \"The application '…' does not exist\"); exit 145 on Linux", "set `arguments=\".\\<App>.dll\"` to the real file name in the app folder"),
    code!(0x8000_8092, "LibHostInvalidArgs", "", "invalid arguments to the muxer (`dotnet --fx-version` without a value …)", "fix the `arguments` attribute in web.config"),
    code!(0x8000_8093, "InvalidConfigFile", "", "runtimeconfig.json is invalid: bad JSON, invalid `rollForward` value, `rollForward` mixed with `applyPatches`/`rollForwardOnNoCandidateFx`, `includedFrameworks` plus `framework(s)`, duplicate frameworks, unparseable version", "fix or regenerate `<app>.runtimeconfig.json` (republish)"),
    code!(0x8000_8094, "AppArgNotRunnable", "", "internal: the argument is not an app (the muxer then tries the SDK)", "fix `arguments` so it names the app `.dll`"),
    code!(0x8000_8095, "AppHostExeNotBoundFailure", "", "the apphost still holds its placeholder (not bound to a `.dll`) or the binding cannot be read (\"This executable is not bound to a managed DLL to execute\")", "republish; do not copy the SDK's apphost template or edit `App.exe`"),
    code!(0x8000_8096, "FrameworkMissingFailure", "", "no compatible version of a referenced shared framework (Microsoft.NETCore.App / Microsoft.AspNetCore.App) is installed — the most common host failure; also a 32-bit app where only the 64-bit runtime is installed and vice versa", "install the ASP.NET Core Hosting Bundle / runtime the app's runtimeconfig.json names (right version and bitness), retarget, or publish self-contained; `ancm doctor` names the framework and the versions found"),
    code!(0x8000_8097, "HostApiFailed", "", "a hosting API call failed", FIX_TRACE),
    code!(0x8000_8098, "HostApiBufferTooSmall", "", "a hosting API buffer was too small (e.g. `hostfxr_get_native_search_directories`)", "internal to hosts using the API; retry with a larger buffer"),
    code!(unused 0x8000_8099, "(unused; LibHostUnknownCommand)"),
    code!(0x8000_809A, "AppPathFindFailure", "LibHostAppRootFindFailure", "the app `.dll` to run does not exist (\"The application to execute does not exist\"): an apphost copied without its `.dll`, or `dotnet wrong.dll`", "check that `<App>.dll` is deployed next to `<App>.exe` and that `arguments` names it exactly"),
    code!(0x8000_809B, "SdkResolveFailure", "SdkResolverResolveFailure", "SDK resolution failed: global.json asks for an SDK that is not installed", "not an IIS runtime problem: install the SDK or fix global.json"),
    // User-facing text: the citation stays here (hostfxr.md §5.2).
    code!(0x8000_809C, "FrameworkCompatFailure", "2.x: CoreClrCreateDelegateFailure", "two references to the same framework cannot be reconciled (\"cannot roll-forward to the previously referenced version\")", "align framework versions in runtimeconfig.json; check `DOTNET_ROLL_FORWARD`"),
    code!(0x8000_809D, "FrameworkCompatRetry", "", "internal only: framework resolution restarts; never a final exit code", FIX_TRACE),
    code!(unused 0x8000_809E, "(unused; 3.x AppHostExeNotBundle)"),
    code!(0x8000_809F, "BundleExtractionFailure", "", "a single-file bundle is corrupt or unreadable (bad header, truncated file)", "republish and redeploy the single-file app completely"),
    code!(0x8000_80A0, "BundleExtractionIOError", "", "could not write extracted bundle files (temp folder not writable for the app pool identity)", "set `DOTNET_BUNDLE_EXTRACT_BASE_DIR` to a folder the app pool identity can write"),
    code!(0x8000_80A1, "LibHostDuplicateProperty", "", "the same runtime property is set twice (configProperties vs a host-set property)", "remove the duplicate property from runtimeconfig.json"),
    code!(0x8000_80A2, "HostApiUnsupportedVersion", "", "hosting API version unsupported", FIX_TRACE),
    code!(0x8000_80A3, "HostInvalidState", "", "hosting API called in the wrong state", FIX_TRACE),
    code!(0x8000_80A4, "HostPropertyNotFound", "", "runtime property not found (hosting API)", FIX_TRACE),
    code!(0x8000_80A5, "HostIncompatibleConfig", "CoreHostIncompatibleConfig", "a second component needs a framework/config incompatible with the runtime already loaded in the process (plugin, COM/IJW, or a second in-process app in the same IIS worker)", "give each app its own app pool; align the framework versions of components loaded together"),
    code!(0x8000_80A6, "HostApiUnsupportedScenario", "", "hosting API used in an unsupported way (e.g. a self-contained app with component APIs)", FIX_TRACE),
    code!(0x8000_80A7, "HostFeatureDisabled", "", "a feature disabled by the app (e.g. `System.Runtime.InteropServices.EnableConsumingManagedCodeFromNativeHosting`)", "enable the feature in the app's project or runtimeconfig"),
];

pub(crate) fn find(v: u32) -> Option<&'static HostCode> {
    CODES.iter().find(|c| c.value == v)
}

/// The host code whose low byte is `b` (129–167), skipping unused values: on Linux a process
/// exit code is only that byte.
pub(crate) fn by_low_byte(b: u8) -> Option<&'static HostCode> {
    CODES
        .iter()
        .find(|c| !c.unused && (c.value & 0xFF) == u32::from(b))
}

pub(crate) fn explanation(c: &HostCode) -> Explanation {
    let mut meaning = c.meaning.to_string();
    if !c.older.is_empty() {
        meaning.push_str(&format!(" (older name: {})", c.older));
    }
    Explanation {
        family: Family::HostStatus,
        code: format!("0x{:08X}", c.value),
        reading: None,
        forms: forms_u32(c.value),
        name: c.name.to_string(),
        meaning,
        cause: "the .NET host (dotnet muxer or apphost, hostfxr, hostpolicy) failed before the app's `Main` ran; the process exit code is this status".to_string(),
        fix: c.fix.to_string(),
        source: SOURCE.to_string(),
    }
}

pub(crate) fn explain(v: u32) -> Option<Explanation> {
    find(v).map(explanation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_covers_every_value_from_0x81_to_0xa7_once() {
        let values: Vec<u32> = CODES.iter().map(|c| c.value).collect();
        let want: Vec<u32> = (0x8000_8081..=0x8000_80A7).collect();
        assert_eq!(values, want);
    }

    #[test]
    fn exit_bytes_of_used_codes_are_unique_and_in_129_to_167() {
        for c in CODES.iter().filter(|c| !c.unused) {
            let b = (c.value & 0xFF) as u8;
            assert!((129..=167).contains(&b));
            assert_eq!(by_low_byte(b).map(|x| x.value), Some(c.value));
        }
        assert!(by_low_byte(134).is_none(), "134 is SIGABRT, not 0x80008086");
    }

    #[test]
    fn forms_match_hostfxr_md() {
        let e = explain(0x8000_8096).unwrap();
        assert_eq!(e.name, "FrameworkMissingFailure");
        assert!(e.forms.iter().any(|f| f.starts_with("-2147450730")));
        assert!(e.forms.iter().any(|f| f.starts_with("2147516566")));
        assert!(e.forms.iter().any(|f| f.starts_with("150 ")));
        let e = explain(0x8000_8089).unwrap();
        assert!(e.forms.iter().any(|f| f.starts_with("-2147450743")));
    }
}
