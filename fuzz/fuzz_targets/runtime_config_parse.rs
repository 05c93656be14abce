//! Fuzz target: `runtime_config::parse` (`<app>.runtimeconfig.json`) on arbitrary bytes: a
//! result or an error naming the file, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = ancm_doctor::deployment::runtime_config::parse(Path::new("App.runtimeconfig.json"), data);
});
