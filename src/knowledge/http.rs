//! IIS / ANCM HTTP status codes with substatus (`502.5`, `500.30` …): the symptom a user sees
//! in the browser, the IIS log (`sc-status sc-substatus`) or FREB. Facts: ancm-reference.md §4
//! and §5 (failure catalog; titles from the V2 error page template, ancm_error_page.htm) and
//! ancm-protocol.md §4.9–§4.10.
use super::{Explanation, Family};

pub(crate) struct Symptom {
    pub code: &'static str,
    pub title: &'static str,
    pub meaning: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub source: &'static str,
}

pub(crate) static SYMPTOMS: &[Symptom] = &[
    Symptom {
        code: "400",
        title: "Bad Request (pairing token mismatch or client reset)",
        meaning: "the request reached the app without ANCM's pairing token, or the client went away while ANCM forwarded",
        cause: "someone called the backend port directly (or through another proxy), so the app's IIS middleware rejects it (\"'MS-ASPNETCORE-TOKEN' does not match the expected pairing token\"); or WSAECONNRESET 0x80072746 from the client",
        fix: "only reach the app through IIS; do not expose or hard-code the backend port",
        source: "ancm-reference.md §5 rows 43, 44; ancm-protocol.md §4.9",
    },
    Symptom {
        code: "403.14",
        title: "Forbidden: directory listing denied",
        meaning: "IIS found no handler for the request and would have listed the folder",
        cause: "the site's physical path is wrong or empty, the app was not deployed there, or `web.config` is missing or has no `aspNetCore` handler",
        fix: "deploy the publish output (with `web.config`) to the site's physical path (`D:\\home\\site\\wwwroot` on Azure App Service)",
        source: "ancm-reference.md §5 row 4 (D4, D6)",
    },
    Symptom {
        code: "404.13",
        title: "Not Found: request content too long",
        meaning: "IIS's request filtering rejected the request because its body is larger than `maxAllowedContentLength`; the app never saw it",
        cause: "an upload larger than `system.webServer/security/requestFiltering/requestLimits/@maxAllowedContentLength` (default 30,000,000 bytes), set lower than what the app accepts or left at the default while the app raised its own `MaxRequestBodySize`",
        fix: "raise `<requestLimits maxAllowedContentLength=\"…\" />` (bytes, at most 4294967295) in web.config to what the app accepts",
        source: "peers.md §8 row 16 (dotnet/aspnetcore#13221, #22950); learn.microsoft.com IISServerOptions.MaxRequestBodySize",
    },
    Symptom {
        code: "413",
        title: "Payload Too Large (the app's MaxRequestBodySize)",
        meaning: "the app's own server (Kestrel out-of-process, IIS's in-process server) refused a request body over its `MaxRequestBodySize`",
        cause: "a body over 30,000,000 bytes (the Kestrel and `IISServerOptions` default) or over the limit the app set; in-process, a `Kestrel:Limits:MaxRequestBodySize` setting has no effect",
        fix: "raise `MaxRequestBodySize` where the app's server reads it (`Kestrel:Limits:MaxRequestBodySize` out-of-process, `IISServerOptions.MaxRequestBodySize` in code in-process), and IIS's `maxAllowedContentLength` with it",
        source: "learn.microsoft.com IISServerOptions.MaxRequestBodySize, KestrelServerLimits.MaxRequestBodySize",
    },
    Symptom {
        code: "500.0",
        title: "ANCM In-Process Handler Load Failure (\"ASP.NET Core IIS hosting failure\")",
        meaning: "ANCM could not load its configuration or start the in-process handler / app",
        cause: "wrong `processPath`, `dotnet` not found on PATH (or wrong bitness), `arguments` not naming the app `.dll`, invalid `hostingModel` or missing `processPath` (event 1034), runtime/bundle not installed or IIS not restarted after installing",
        fix: "read events 1031/1034/1010 for the message; fix `processPath`/`arguments`; install the Hosting Bundle and restart IIS (`net stop was /y`, `net start w3svc`)",
        source: "ancm-reference.md §5 rows 14–17, 19; ancm-protocol.md §4.10",
    },
    Symptom {
        code: "500.19",
        title: "Configuration data is invalid",
        meaning: "IIS cannot read `web.config`",
        cause: "`web.config` is not well-formed XML, an attribute is outside its schema range, or it uses the `aspNetCore` section that no installed module registered (Hosting Bundle missing); also a sub-app re-adding the `aspNetCore` handler it already inherits",
        fix: "install or repair the ASP.NET Core Hosting Bundle; make `web.config` valid; wrap the parent's config in `<location path=\".\" inheritInChildApplications=\"false\">`",
        source: "ancm-reference.md §5 rows 5–7",
    },
    Symptom {
        code: "500.21",
        title: "Handler \"aspNetCore\" has a bad module in its module list",
        meaning: "the module named in the handler's `modules=` attribute is not registered with IIS",
        cause: "Hosting Bundle not installed, `AspNetCoreModuleV2` used where only V1 is installed (or the reverse), or IIS module mappings removed",
        fix: "install the Hosting Bundle; use `modules=\"AspNetCoreModuleV2\"` with ANCM V2; re-run the bundle installer (Repair) if IIS was installed after it",
        source: "ancm-reference.md §5 row 8 (issues I2)",
    },
    Symptom {
        code: "500.22",
        title: "An ASP.NET setting has been detected that does not apply in Integrated managed pipeline mode",
        meaning: "IIS's configuration validation found classic ASP.NET settings (`system.web/httpModules` or `httpHandlers`) in an app pool that runs the Integrated pipeline",
        cause: "a `web.config` carried over from an ASP.NET (.NET Framework) site, or inherited from a parent site, still declares `<system.web><httpModules>`; ASP.NET Core does not use them",
        fix: "remove the `system.web/httpModules` and `httpHandlers` entries (an ASP.NET Core app needs none), or stop the inheritance with `<location path=\".\" inheritInChildApplications=\"false\">` in the parent",
        source: "IIS status codes (KB 943891): 500.22; IIS ConfigurationValidationModule",
    },
    Symptom {
        code: "500.24",
        title: "An ASP.NET setting has been detected that does not apply in Integrated managed pipeline mode (impersonation)",
        meaning: "IIS's configuration validation found `system.web/identity impersonate=\"true\"` in an Integrated-pipeline app pool",
        cause: "a leftover ASP.NET (.NET Framework) `<identity impersonate=\"true\"/>` in the app's or a parent's `web.config`",
        fix: "remove `<identity impersonate=\"true\"/>` (ASP.NET Core impersonates with `WindowsIdentity.RunImpersonated` where it needs to), or stop the parent's inheritance",
        source: "IIS status codes (KB 943891): 500.24; MD_ERROR_SUB500_ASPNET_IMPERSONATION = 24 (Win32 Iis constants)",
    },
    Symptom {
        code: "500.30",
        title: "ASP.NET Core app failed to start (\"ANCM In-Process Start Failure\")",
        meaning: "the in-process app started and then failed or exited during start-up",
        cause: "an exception during start-up (configuration, missing file, DB/Key Vault access, Program/Startup code), events 1011/1018/1035; also an x86 app in a 64-bit pool; sticky until the app pool recycles",
        fix: "read the exception in the stdout log or event 1018/1035; run the app from the command line; set `ASPNETCORE_ENVIRONMENT=Development` briefly for details",
        source: "ancm-reference.md §5 rows 27–30; ancm-protocol.md §4.10",
    },
    Symptom {
        code: "500.31",
        title: "ANCM Failed to Find Native Dependencies (\"Failed to load ASP.NET Core runtime\")",
        meaning: "the .NET host could not resolve the in-process app (ANCM asks it for the app's native search directories before loading the runtime, and any failure there is this page)",
        cause: "most often Microsoft.NETCore.App / Microsoft.AspNetCore.App of the version (and bitness) in `<app>.runtimeconfig.json` is not installed (event 1027; 1010 with 0x8000ffff); also `arguments` naming a `.dll` that is not there (the muxer then looks for an SDK: \"Did you mean to run dotnet SDK commands?\"), a missing `<app>.runtimeconfig.json`, or a broken deps.json",
        fix: "install the Hosting Bundle for that version, retarget, or publish self-contained; check `arguments` names the app's `.dll`; `ancm doctor` lists the frameworks found and checks the rest",
        source: "ancm-reference.md §5 row 18; hostfxr.md §5.1; aspnetcore HandlerResolver.cpp FindNativeAssemblyFromHostfxr",
    },
    Symptom {
        code: "500.32",
        title: "ANCM Failed to Load dll (\"Failed to load .NET Core host\")",
        meaning: "`hostfxr.dll` could not be loaded into the worker",
        cause: "bitness mismatch: a 64-bit app/hostfxr in a 32-bit worker (`enable32BitAppOnWin64=true`) or the reverse",
        fix: "republish for the worker's architecture or change the pool's Enable 32-Bit Applications",
        source: "ancm-reference.md §5 row 20",
    },
    Symptom {
        code: "500.33",
        title: "ANCM Request Handler Load Failure",
        meaning: "`aspnetcorev2_inprocess.dll` was not found in the app's native search directories",
        cause: "the app does not reference the `Microsoft.AspNetCore.App` framework (runtimeconfig.json), or a self-contained publish lacks `aspnetcorev2_inprocess.dll`",
        fix: "target `Microsoft.AspNetCore.App` (an `Microsoft.NET.Sdk.Web` project) and republish",
        source: "ancm-reference.md §5 row 21",
    },
    Symptom {
        code: "500.34",
        title: "ANCM Mixed Hosting Models Not Supported",
        meaning: "two apps in one app pool use different hosting models",
        cause: "one app is in-process and another out-of-process in the same pool (event 1009)",
        fix: "put the apps in separate app pools",
        source: "ancm-reference.md §5 row 22",
    },
    Symptom {
        code: "500.35",
        title: "ANCM Multiple In-Process Applications in same Process",
        meaning: "more than one in-process app (including sub-apps) shares an app pool",
        cause: "only one in-process app is allowed per IIS worker (event 1008)",
        fix: "give each in-process app its own app pool, or make the extra ones out-of-process",
        source: "ancm-reference.md §5 row 23",
    },
    Symptom {
        code: "500.36",
        title: "ANCM Out-Of-Process Handler Load Failure",
        meaning: "`aspnetcorev2_outofprocess.dll` was not found next to `aspnetcorev2.dll`",
        cause: "a corrupt or partial ANCM install (event 1029)",
        fix: "repair the Hosting Bundle (IIS) or Visual Studio (IIS Express)",
        source: "ancm-reference.md §5 row 24; ancm-protocol.md §4.10",
    },
    Symptom {
        code: "500.37",
        title: "ANCM Failed to Start Within Startup Time Limit",
        meaning: "the in-process app did not finish starting within `startupTimeLimit` (120 s by default)",
        cause: "slow start-up: many apps starting at once, CPU/memory pressure, blocking work in start-up (event 1007 \"Managed server didn't initialize after N ms\")",
        fix: "stagger start-ups, remove blocking start-up work, or raise `startupTimeLimit`",
        source: "ancm-reference.md §5 row 25",
    },
    Symptom {
        code: "500.38",
        title: "ANCM Application DLL Not Found",
        meaning: "the app's main `.dll` is missing next to the executable",
        cause: "in-process hosting of a single-file publish, or `<App>.dll` not deployed next to `<App>.exe`",
        fix: "publish with `PublishSingleFile=false`, or use out-of-process hosting (`AspNetCoreHostingModel=OutOfProcess`)",
        source: "ancm-reference.md §5 row 26",
    },
    Symptom {
        code: "502.2",
        title: "Bad Gateway: the CGI application misbehaved (no complete set of HTTP headers)",
        meaning: "the process IIS handed the request to ended it without a valid HTTP response",
        cause: "not ANCM V2: a site still routed to `httpPlatformHandler` or a CGI/FastCGI handler (an old DNX-era `web.config`), whose process crashed or wrote to stdout instead of answering; with ANCM the same failures are 502.5 or 502.3",
        fix: "route the site to ANCM: `<add name=\"aspNetCore\" path=\"*\" verb=\"*\" modules=\"AspNetCoreModuleV2\" />` and an `aspNetCore` element (what `dotnet publish` writes)",
        source: "IIS status codes (KB 943891): 502.2; ancm-reference.md §5 rows 31, 41 (ANCM's own 502 substatuses)",
    },
    Symptom {
        code: "502.3",
        title: "Bad Gateway (forwarding failed)",
        meaning: "ANCM could not get a response from the running backend",
        cause: "the request ran longer than `requestTimeout` (0x80072EE2 / 12002), or the backend refused, reset or closed the connection (0x80072EFD / 12029, 0x80072EFE, 0x800704CD) — e.g. it crashed or listens on another port; no event-log entry, see FREB / IIS log `sc-win32-status`",
        fix: "decode the Win32 status in the IIS log (`ancm explain 12029`); raise `requestTimeout` for legitimately long requests; otherwise fix the backend crash",
        source: "ancm-protocol.md §4.9; ancm-reference.md §5 rows 41–42",
    },
    Symptom {
        code: "502.5",
        title: "ANCM Out-Of-Process Startup Failure (V1: \"Process Failure\")",
        meaning: "the backend process failed to start, started and then exited, or never listened on `ASPNETCORE_PORT`",
        cause: "wrong `processPath`/`arguments`, runtime missing (0x80008096), app crash at start-up, app listening on another port, `ASPNETCORE_PORT` invalid, rapid-fail limit reached (events 1000, 1020, 1003)",
        fix: "run the command line from event 1000 in the app folder, or `ancm doctor` (reproduces the start and decodes the exit code)",
        source: "ancm-reference.md §5 rows 31–40; ancm-protocol.md §3.4, §4.9, §4.10",
    },
    Symptom {
        code: "503",
        title: "Service Unavailable (app_offline.htm, shutting down, or pool stopped)",
        meaning: "nothing will serve the request right now",
        cause: "`app_offline.htm` is in the app folder (its content is the response body); the app is shutting down (\"Application Shutting Down\", E_APPLICATION_EXITING); or the app pool is stopped (possibly by IIS rapid-fail protection — no ANCM page then)",
        fix: "remove `app_offline.htm` after deploying; wait for the shutdown; start the app pool and fix why its worker crashed",
        source: "ancm-reference.md §4, §5 rows 2, 3, 45; ancm-protocol.md §4.9, §5.4",
    },
];

pub(crate) fn knows(code: &str) -> bool {
    SYMPTOMS.iter().any(|s| s.code == code)
}

pub(crate) fn codes() -> Vec<&'static str> {
    SYMPTOMS.iter().map(|s| s.code).collect()
}

fn explanation(s: &Symptom) -> Explanation {
    let (status, sub) = s.code.split_once('.').unwrap_or((s.code, "0"));
    let forms = vec![
        format!("HTTP {}", s.code),
        format!("IIS log sc-status {status}, sc-substatus {sub}"),
    ];
    Explanation {
        family: Family::HttpStatus,
        code: s.code.to_string(),
        reading: None,
        forms,
        name: s.title.to_string(),
        meaning: s.meaning.to_string(),
        cause: s.cause.to_string(),
        fix: s.fix.to_string(),
        source: s.source.to_string(),
    }
}

/// The entries for a status (and substatus): `502` alone lists every known 502.x; `503.0`
/// and `400.0` find the plain `503` / `400` entries.
pub(crate) fn explain(status: u16, sub: Option<u32>) -> Vec<Explanation> {
    let prefix = status.to_string();
    SYMPTOMS
        .iter()
        .filter(|s| {
            let (st, su) = match s.code.split_once('.') {
                Some((st, su)) => (st, su.parse::<u32>().ok()),
                None => (s.code, None),
            };
            st == prefix
                && match sub {
                    None => true,
                    Some(want) => su.unwrap_or(0) == want,
                }
        })
        .map(explanation)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_brief_symptom_is_known() {
        for c in [
            "500.0", "500.19", "500.21", "500.30", "500.31", "500.32", "500.33", "500.34",
            "500.35", "500.36", "500.37", "500.38", "502.3", "502.5", "503", "403.14", "400",
        ] {
            assert!(knows(c), "{c}");
            assert!(!explain_code(c).is_empty(), "{c}");
        }
        assert!(!knows("502"));
    }

    fn explain_code(c: &str) -> Vec<Explanation> {
        let (st, su) = c.split_once('.').unwrap_or((c, ""));
        explain(st.parse().unwrap(), su.parse().ok())
    }

    #[test]
    fn a_bare_status_lists_its_substatuses() {
        let codes: Vec<String> = explain(502, None).into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["502.2", "502.3", "502.5"]);
        assert_eq!(explain(503, Some(0))[0].code, "503");
        assert!(explain(502, Some(4)).is_empty());
    }
}
