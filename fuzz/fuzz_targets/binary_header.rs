//! Fuzz target: `binary::parse_header` and the bundle-marker scan on arbitrary bytes must return
//! a result or an error, never panic or hang. The same property runs on stable as proptests in
//! `src/deployment/binary.rs`. Run with `scripts/fuzz 60 binary_header`.
#![no_main]
use ancm_doctor::deployment::binary;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = binary::parse_header(Path::new("App.exe"), data) {
        let _ = info.describe();
        let _ = info.managed_arch();
    }
    let _ = binary::scan_bundle_marker(data);
});
