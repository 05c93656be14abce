//! What the .NET host prints when framework resolution fails (hostfxr.md §5.1, §5.2, §3.1), in
//! the shape of the hostfxr version that will run: that version, not the app's TFM, decides the
//! wording. Pure text building; no I/O.
use super::resolve::ResolveFailure;
use super::version::FxVersion;

/// Which generation of hostfxr messages to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStyle {
    /// 2.0–2.2 hosts.
    V2,
    /// 3.0–5.0 and 6.0.0–6.0.6 ("It was not possible to find any compatible framework version").
    V3,
    /// 6.0.7+ and 7.0 ("You must install or update .NET to run this application.").
    V7,
    /// 8.0+ ("Learn more:", `&os=` in the link).
    V8,
}

impl MessageStyle {
    /// The style of the given hostfxr version (the highest folder under `host/fxr`).
    pub fn for_hostfxr(version: &FxVersion) -> MessageStyle {
        match (version.major(), version.minor(), version.patch()) {
            (0..=2, _, _) => MessageStyle::V2,
            (6, 0, 0..=6) | (3..=5, _, _) => MessageStyle::V3,
            (6 | 7, _, _) => MessageStyle::V7,
            _ => MessageStyle::V8,
        }
    }
}

/// Where and for what the host runs, for the parts of the message that name it.
#[derive(Debug, Clone)]
pub struct MessageContext<'a> {
    pub style: MessageStyle,
    /// `x64`, `x86`, `arm64` …
    pub arch: &'a str,
    /// The runtime identifier in the download link, e.g. `win10-x64`, `debian.12-x64`.
    pub rid: &'a str,
    /// `win`, `linux`, `osx` (8.0+ links).
    pub os: &'a str,
    /// The app (or muxer) path the 6.0.7+ message names.
    pub app_path: &'a str,
    /// The dotnet root the 6.0.7+ message names.
    pub dotnet_root: &'a str,
    /// The app's `<App>.runtimeconfig.json`, named in the invalid-config message.
    pub runtime_config_path: &'a str,
}

/// The lines the host writes to stderr for this failure.
pub fn host_message(f: &ResolveFailure, cx: &MessageContext<'_>) -> Vec<String> {
    match f {
        ResolveFailure::InvalidConfig {
            config_path,
            host_lines,
            ..
        } => {
            let mut lines = host_lines.clone();
            if let Some(path) = config_path {
                lines.push(format!("Invalid framework config.json [{path}]"));
            } else {
                let dev = cx
                    .runtime_config_path
                    .strip_suffix(".json")
                    .map(|stem| format!("{stem}.dev.json"))
                    .unwrap_or_default();
                lines.push(format!(
                    "Invalid runtimeconfig.json [{}] [{dev}]",
                    cx.runtime_config_path
                ));
            }
            lines
        }
        ResolveFailure::Incompatible {
            higher_version,
            lower,
            ..
        } => vec![format!(
            "The specified framework '{}', version '{}', apply_patches={}, version_compatibility_range={} cannot roll-forward to the previously referenced version '{}'.",
            lower.name,
            lower.version_text,
            u8::from(lower.apply_patches),
            lower.range.as_str(),
            higher_version
        )],
        ResolveFailure::Missing {
            name,
            version,
            found,
            ..
        } => missing(name, version.as_deref(), found, cx),
        ResolveFailure::NotAVersionFolder {
            name,
            dir,
            last: false,
        } => vec![format!(
            "Error initializing the dependency resolver: A fatal error was encountered, missing dependencies manifest at: {dir}{name}.deps.json"
        )],
        ResolveFailure::NotAVersionFolder { dir, .. } => {
            let lib = match cx.os {
                "win" => "hostpolicy.dll",
                "osx" => "libhostpolicy.dylib",
                _ => "libhostpolicy.so",
            };
            vec![format!(
                "A fatal error was encountered. The library '{lib}' required to execute the application was not found in '{dir}'."
            )]
        }
    }
}

fn missing(
    name: &str,
    version: Option<&str>,
    found: &[super::resolve::FoundVersion],
    cx: &MessageContext<'_>,
) -> Vec<String> {
    let ver = version.unwrap_or("");
    let link = |os: bool| {
        let mut l = format!("https://aka.ms/dotnet-core-applaunch?framework={name}");
        if version.is_some() {
            l.push_str(&format!("&framework_version={ver}"));
        }
        l.push_str(&format!("&arch={}&rid={}", cx.arch, cx.rid));
        if os {
            l.push_str(&format!("&os={}", cx.os));
        }
        l
    };
    let mut out = Vec::new();
    match cx.style {
        MessageStyle::V2 | MessageStyle::V3 => {
            out.push("It was not possible to find any compatible framework version".into());
            out.push(match version {
                Some(v) if cx.style == MessageStyle::V2 => {
                    format!("The specified framework '{name}', version '{v}' was not found.")
                }
                Some(v) => format!("The framework '{name}', version '{v}' was not found."),
                None => format!("The framework '{name}' was not found."),
            });
            if found.is_empty() {
                out.push("  - No frameworks were found.".into());
            } else {
                out.push("  - The following frameworks were found:".into());
                for f in found {
                    out.push(format!("      {} at [{}]", f.version, f.dir));
                }
            }
            out.push(String::new());
            out.push(
                "You can resolve the problem by installing the specified framework and/or SDK."
                    .into(),
            );
            out.push(String::new());
            out.push("The specified framework can be found at:".into());
            out.push(format!("  - {}", link(false)));
        }
        MessageStyle::V7 | MessageStyle::V8 => {
            out.push("You must install or update .NET to run this application.".into());
            out.push(String::new());
            out.push(format!("App: {}", cx.app_path));
            out.push(format!("Architecture: {}", cx.arch));
            out.push(format!(
                "Framework: '{name}', version '{ver}' ({})",
                cx.arch
            ));
            out.push(format!(".NET location: {}", cx.dotnet_root));
            out.push(String::new());
            if found.is_empty() {
                out.push("No frameworks were found.".into());
            } else {
                out.push("The following frameworks were found:".into());
                for f in found {
                    out.push(format!("  {} at [{}]", f.version, f.dir));
                }
            }
            out.push(String::new());
            if cx.style == MessageStyle::V8 {
                out.push("Learn more:".into());
            } else {
                out.push("Learn about framework resolution:".into());
            }
            out.push("https://aka.ms/dotnet/app-launch-failed".into());
            out.push(String::new());
            out.push("To install missing framework, download:".into());
            out.push(link(cx.style == MessageStyle::V8));
        }
    }
    out
}

/// A host status code in the three forms logs show it (hostfxr.md §2): hex, signed decimal
/// (Windows `ExitCode`), and the low byte a Unix shell sees.
pub fn exit_code_forms(code: u32) -> String {
    format!("0x{code:08X} = {} = Unix exit {}", code as i32, code & 0xFF)
}

/// What a "framework not found" output says, parsed back (any hostfxr generation, §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFramework {
    pub name: String,
    pub version: Option<String>,
    pub found: Vec<super::resolve::FoundVersion>,
}

/// Recognises the host's framework-missing message in captured output (stdout log, stderr,
/// event log text) and extracts the framework, the version and the versions found.
pub fn parse_missing_framework(text: &str) -> Option<MissingFramework> {
    let anchored = text.contains("It was not possible to find any compatible framework version")
        || text.contains("You must install or update .NET");
    if !anchored {
        return None;
    }
    let mut name = None;
    let mut version = None;
    let mut found = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        for prefix in [
            "The framework '",
            "The specified framework '",
            "Framework: '",
        ] {
            if let Some(rest) = l.strip_prefix(prefix) {
                if let Some((n, tail)) = rest.split_once('\'') {
                    name.get_or_insert_with(|| n.to_string());
                    if let Some(v) = tail.strip_prefix(", version '") {
                        if let Some((v, _)) = v.split_once('\'') {
                            version.get_or_insert_with(|| v.to_string());
                        }
                    }
                }
            }
        }
        // "<version> at [<dir>]"
        if let Some((v, rest)) = l.split_once(" at [") {
            if let (Some(dir), Ok(_)) =
                (rest.strip_suffix(']'), super::version::FxVersion::parse(v))
            {
                found.push(super::resolve::FoundVersion {
                    version: v.to_string(),
                    dir: dir.to_string(),
                });
            }
        }
    }
    Some(MissingFramework {
        name: name?,
        version,
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_follows_hostfxr_version() {
        let s = |v: &str| MessageStyle::for_hostfxr(&FxVersion::parse(v).unwrap());
        assert_eq!(s("2.2.8"), MessageStyle::V2);
        assert_eq!(s("3.1.23"), MessageStyle::V3);
        assert_eq!(s("6.0.6"), MessageStyle::V3);
        assert_eq!(s("6.0.7"), MessageStyle::V7);
        assert_eq!(s("7.0.20"), MessageStyle::V7);
        assert_eq!(s("8.0.11"), MessageStyle::V8);
        assert_eq!(s("10.0.0"), MessageStyle::V8);
    }

    #[test]
    fn parses_both_message_generations() {
        let v3 = "It was not possible to find any compatible framework version\nThe framework 'Microsoft.AspNetCore.App', version '8.0.0' was not found.\n  - The following frameworks were found:\n      6.0.36 at [C:\\Program Files\\dotnet\\shared\\Microsoft.AspNetCore.App]\n";
        let p = parse_missing_framework(v3).unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("Microsoft.AspNetCore.App", Some("8.0.0"))
        );
        assert_eq!(p.found[0].version, "6.0.36");
        let v8 = "You must install or update .NET to run this application.\n\nApp: C:\\app\\App.dll\nArchitecture: x64\nFramework: 'Microsoft.NETCore.App', version '9.0.0' (x64)\n.NET location: C:\\Program Files\\dotnet\\\n\nNo frameworks were found.\n";
        let p = parse_missing_framework(v8).unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("Microsoft.NETCore.App", Some("9.0.0"))
        );
        assert!(p.found.is_empty());
        assert!(parse_missing_framework("Unhandled exception. System.Exception").is_none());
    }

    #[test]
    fn exit_code_forms_are_consistent() {
        assert_eq!(
            exit_code_forms(0x8000_8096),
            "0x80008096 = -2147450730 = Unix exit 150"
        );
        assert_eq!(
            exit_code_forms(0x8000_8093),
            "0x80008093 = -2147450733 = Unix exit 147"
        );
    }
}
