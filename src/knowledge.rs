//! Codes `ancm explain` knows: ANCM HTTP substatus codes, HRESULTs seen in the event log, .NET host
//! status codes (hex, signed decimal, Unix exit byte) and Windows crash codes.

/// One explained code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub code: &'static str,
    pub title: &'static str,
    pub text: &'static str,
}

static SYMPTOMS: &[Explanation] = &[
    Explanation { code: "500.19", title: "Configuration data is invalid", text: "IIS cannot read web.config: it is not well-formed, or it uses a section (aspNetCore) that no installed module registered." },
    Explanation { code: "403.14", title: "Forbidden: directory listing denied", text: "IIS found no handler for the request: web.config is missing, has no aspNetCore handler, or the site points at the wrong folder." },
    Explanation { code: "500.0", title: "Internal Server Error (ANCM configuration or handler load failure)", text: "ANCM could not load its configuration (missing processPath, invalid hostingModel) or could not start the in-process app." },
    Explanation { code: "500.21", title: "Handler has a bad module in its module list", text: "web.config routes requests to a module IIS does not have (AspNetCoreModuleV2 vs AspNetCoreModule), or the Hosting Bundle is not installed / was installed before IIS." },
    Explanation { code: "500.32", title: "ANCM Failed to Load dll", text: "The app (or its hostfxr) was published for a different bitness than the IIS worker process (enable32BitAppOnWin64)." },
    Explanation { code: "500.34", title: "ANCM Mixed Hosting Models Not Supported", text: "Two apps in one app pool use different hostingModel values." },
    Explanation { code: "500.35", title: "ANCM Multiple In-Process Applications in same Process", text: "More than one in-process app (sub-apps included) is assigned to one app pool." },
    Explanation { code: "500.36", title: "ANCM Out-Of-Process Handler Load Failure", text: "aspnetcorev2_outofprocess.dll is missing from the module's version folder: repair the Hosting Bundle." },
    Explanation { code: "502.5", title: "ANCM Out-Of-Process Startup Failure", text: "The app process failed to start, exited early, or never listened on ASPNETCORE_PORT." },
    Explanation { code: "503", title: "Service Unavailable", text: "app_offline.htm is in the app folder (its content is served), the app is shutting down, or the pool is stopped." },
];

/// Every reading of `code`; more than one when the input is ambiguous.
pub fn lookup(code: &str) -> Vec<&'static Explanation> {
    let code = code.trim();
    SYMPTOMS
        .iter()
        .filter(|e| e.code.eq_ignore_ascii_case(code))
        .collect()
}

/// Whether `explain` knows a symptom code (used to validate catalog `explains`).
pub fn knows_symptom(code: &str) -> bool {
    SYMPTOMS.iter().any(|e| e.code == code)
}
