//! Fuzz target: the readers of logs ANCM already wrote — stdout log content and file names
//! (`evidence::stdout_log`), the ANCM debug log (`evidence::debug_log`) and the message reader
//! under both — on arbitrary text: never a panic or a hang.
#![no_main]
use ancm_doctor::evidence::{debug_log, message, stdout_log};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = stdout_log::read_content(&text);
    let _ = debug_log::parse(&text);
    let _ = message::read(&text);
    if let Some(first) = text.lines().next() {
        let _ = stdout_log::parse_name(first, "stdout");
        let _ = debug_log::parse_line(first);
    }
});
