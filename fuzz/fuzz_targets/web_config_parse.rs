//! Fuzz target: `web_config::parse` on arbitrary bytes must return (a config or an error), never
//! panic, hang or blow the stack. The same property runs on stable as a proptest in
//! `src/deployment/web_config/parse/tests.rs`. Run with `scripts/fuzz 60 web_config_parse`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(wc) = ancm_doctor::deployment::web_config::parse(Path::new("web.config"), data) {
        // Exercise the accessors and snippet lookup on whatever was parsed.
        if let Some(s) = &wc.aspnetcore {
            let _ = s.hosting_model();
            let _ = s.request_timeout_secs();
            let _ = wc.location(s.span);
        }
    }
});
