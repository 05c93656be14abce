//! Fuzz target: `deps_json::parse` (`<app>.deps.json`) on arbitrary bytes, then the asset
//! expectations the `deps-assets` check computes from it: never a panic.
#![no_main]
use ancm_doctor::deployment::deps_json;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(deps) = deps_json::parse(Path::new("App.deps.json"), data) {
        for (os, arch) in [("win", "x64"), ("linux", "arm64")] {
            let rids = deps.fallbacks_for(
                &format!("{os}-{arch}"),
                deps_json::default_rid_fallbacks(os, arch),
            );
            for m in deps.expected_assets(&rids).iter().take(4) {
                let _ = deps_json::host_message("App.deps.json", m);
            }
        }
    }
});
