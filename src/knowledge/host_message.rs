//! Recognises the .NET host's error messages (what `dotnet` / an apphost prints to stderr, the
//! stdout log or event 1023 before managed code runs) and names the status code each shape comes
//! with, so a captured stderr explains itself even without the exit code. Anchors and shapes:
//! hostfxr.md §5.1–§5.4 (every host version's wording that a tool has to match). Pure text
//! matching; no I/O.

/// What a host message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMessage {
    /// The host status code this message comes with.
    pub code: u32,
    /// The phrase that identified it, as the host printed it.
    pub quote: String,
    /// For a missing framework: its name and the version asked for.
    pub framework: Option<(String, String)>,
}

/// (anchor, code) in the order they are tried: more specific shapes first. Matching is
/// case-insensitive.
const ANCHORS: &[(&str, u32)] = &[
    // §5.2 FrameworkCompatFailure (3.0+).
    (
        "cannot roll-forward to the previously referenced version",
        0x8000_809C,
    ),
    // §5.4 hosting-API incompatibility.
    (
        "is incompatible with the previously loaded version",
        0x8000_80A5,
    ),
    (
        "is not present in the previously loaded runtime",
        0x8000_80A5,
    ),
    // §5.1 FrameworkMissingFailure, every host generation.
    (
        "you must install or update .net to run this application",
        0x8000_8096,
    ),
    (
        "it was not possible to find any compatible framework version",
        0x8000_8096,
    ),
    // §5.3 CoreHostLibMissingFailure (hostfxr) and §5.4 (hostpolicy).
    ("you must install .net to run this application", 0x8000_8083),
    ("the required library hostfxr", 0x8000_8083),
    (
        "required to execute the application was not found",
        0x8000_8083,
    ),
    ("failed to run as a self-contained app", 0x8000_8083),
    // §5.3 hostfxr present but unloadable / §5.4 CoreHostLibLoadFailure.
    ("was found, but loading it from", 0x8000_8082),
    (
        "an error occurred while loading required library",
        0x8000_8082,
    ),
    // §5.4 apphost / muxer.
    ("the application to execute does not exist", 0x8000_809A),
    ("this executable is not bound to a managed dll", 0x8000_8095),
    (
        "the managed dll bound to this executable could not be retrieved",
        0x8000_8095,
    ),
    (
        "failed to resolve full path of the current executable",
        0x8000_8085,
    ),
    ("cannot execute dotnet when renamed", 0x8000_8081),
    ("invalid runtimeconfig.json", 0x8000_8093),
    (
        "an assembly specified in the application dependencies manifest",
        0x8000_808C,
    ),
    // §5.4 LibHostSdkFindFailure: `dotnet <something that is not an app>`.
    ("did you mean to run dotnet sdk commands", 0x8000_8091),
    ("did you mean to run .net core sdk commands", 0x8000_8091),
    (
        "it was not possible to find any installed .net core sdks",
        0x8000_8091,
    ),
    (
        "the command could not be loaded, possibly because",
        0x8000_8091,
    ),
    (
        "could not execute because the application was not found",
        0x8000_8091,
    ),
];

/// The host failure `text` reports, if it contains one of the host's message shapes.
pub fn classify_host_message(text: &str) -> Option<HostMessage> {
    // ASCII lower-casing keeps byte offsets, so the match can be quoted from the original text.
    let lower = text.to_ascii_lowercase();
    let (at, anchor, code) = ANCHORS
        .iter()
        .find_map(|(a, c)| lower.find(a).map(|at| (at, *a, *c)))?;
    let quote = text
        .get(at..at + anchor.len())
        .unwrap_or(anchor)
        .to_string();
    let framework = if code == 0x8000_8096 {
        missing_framework(text)
    } else {
        None
    };
    Some(HostMessage {
        code,
        quote,
        framework,
    })
}

/// Name and version from `The framework '<n>', version '<v>'` (3.0–6.0.6),
/// `The specified framework '<n>', version '<v>'` (2.x) or `Framework: '<n>', version '<v>'`
/// (6.0.7+), hostfxr.md §5.1.
fn missing_framework(text: &str) -> Option<(String, String)> {
    for marker in ["framework '", "Framework: '"] {
        let mut rest = text;
        while let Some(i) = rest.find(marker) {
            rest = &rest[i + marker.len()..];
            let Some(end) = rest.find('\'') else { break };
            let name = &rest[..end];
            let after = &rest[end..];
            if let Some(v) = after.strip_prefix("', version '") {
                if let Some(vend) = v.find('\'') {
                    // 6.0.0–6.0.6 append " (<arch>)" after the version, outside the quotes.
                    return Some((name.to_string(), v[..vend].to_string()));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_missing_in_every_generation() {
        let v2 = "It was not possible to find any compatible framework version\nThe specified framework 'Microsoft.AspNetCore.App', version '2.2.0' was not found.";
        let v3 = "It was not possible to find any compatible framework version\nThe framework 'Microsoft.NETCore.App', version '5.0.0' was not found.\n  - No frameworks were found.";
        let v6 = "You must install or update .NET to run this application.\n\nApp: C:\\app\\App.exe\nArchitecture: x64\nFramework: 'Microsoft.AspNetCore.App', version '8.0.0' (x64)\n.NET location: C:\\Program Files\\dotnet";
        for (text, name, version) in [
            (v2, "Microsoft.AspNetCore.App", "2.2.0"),
            (v3, "Microsoft.NETCore.App", "5.0.0"),
            (v6, "Microsoft.AspNetCore.App", "8.0.0"),
        ] {
            let m = classify_host_message(text).expect(text);
            assert_eq!(m.code, 0x8000_8096);
            assert!(text.contains(&m.quote), "quoted from the text: {}", m.quote);
            assert_eq!(
                m.framework,
                Some((name.to_string(), version.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn other_shapes() {
        let cases = [
            ("A fatal error occurred. The required library hostfxr.dll could not be found.", 0x8000_8083),
            ("You must install .NET to run this application.\nApp host version: 8.0.0", 0x8000_8083),
            ("A fatal error was encountered. The library 'libhostpolicy.so' required to execute the application was not found in '/app/'.", 0x8000_8083),
            ("The application to execute does not exist: 'C:\\app\\Wrong.dll'.", 0x8000_809A),
            ("  It was not possible to find any installed .NET Core SDKs\n  Did you mean to run .NET Core SDK commands?", 0x8000_8091),
            ("This executable is not bound to a managed DLL to execute. The binding value is: 'c3ab8ff1'", 0x8000_8095),
            ("The specified framework 'Microsoft.NETCore.App', version '3.1.0', apply_patches=1, version_compatibility_range=minor cannot roll-forward to the previously referenced version '5.0.0'.", 0x8000_809C),
            ("Invalid runtimeconfig.json [C:\\app\\App.runtimeconfig.json] []", 0x8000_8093),
        ];
        for (text, code) in cases {
            assert_eq!(
                classify_host_message(text).map(|m| m.code),
                Some(code),
                "{text}"
            );
        }
        assert_eq!(classify_host_message("Hello, World!"), None);
        assert_eq!(classify_host_message(""), None);
    }

    #[test]
    fn a_truncated_framework_line_does_not_panic() {
        for text in [
            "It was not possible to find any compatible framework version\nThe framework '",
            "It was not possible to find any compatible framework version\nThe framework 'X', version '",
            "It was not possible to find any compatible framework version\nFramework: 'X'",
        ] {
            let m = classify_host_message(text).unwrap();
            assert_eq!(m.framework, None);
        }
    }
}
