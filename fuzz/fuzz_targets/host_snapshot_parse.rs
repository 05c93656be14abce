//! Fuzz target: the host snapshot reader (`ancm doctor --host FILE`, `host::snapshot::parse`) on
//! arbitrary bytes: facts or an error naming the file, never a panic; the lookups the IIS checks
//! make run on whatever loaded.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(facts) = ancm_doctor::host::snapshot::parse(Path::new("server.json"), data) {
        let _ = facts.iis_skip_reason();
        let _ = facts.iis_started();
        let _ = facts.expand("%SystemDrive%\\inetpub\\%windir%");
    }
});
