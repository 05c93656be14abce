//! Fuzz target: `iis_config::parse` (applicationHost.config) and `summarize_web_config` (an IIS
//! application's own web.config as the snapshot records it) on arbitrary bytes: a result or an
//! error, never a panic, a hang or a blown stack. The queries the IIS checks make run on whatever
//! parsed.
#![no_main]
use ancm_doctor::host::iis_config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cfg) = iis_config::parse(data) {
        let _ = cfg.module_enabled("AspNetCoreModuleV2");
        let _ = cfg.module_enabled_for("/app", "AspNetCoreModuleV2");
        let _ = cfg.authentication_for("Default Web Site/app");
        if let Some(m) = cfg.find_app(r"C:\inetpub\wwwroot\app", |s| s.to_string()) {
            let _ = cfg.pool_mates(&m);
            let _ = cfg.child_applications(&m);
            let _ = cfg.parent_application(&m);
        }
    }
    let _ = iis_config::summarize_web_config(data);
});
