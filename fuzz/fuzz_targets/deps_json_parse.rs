//! Fuzz target: `deps_json::parse` (`<app>.deps.json`) on arbitrary bytes, then the asset
//! expectations the `deps-assets` check computes from it: never a panic.
#![no_main]
use ancm_doctor::deployment::deps_json;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(deps) = deps_json::parse(Path::new("App.deps.json"), data) {
        for (os, arch) in [("win", "x64"), ("linux", "arm64")] {
            let (missing, _) = deps.missing(os, arch);
            for m in missing.iter().take(4) {
                let _ = deps_json::host_message("App.deps.json", m);
            }
        }
    }
});
