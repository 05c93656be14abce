//! Fuzz target: what `ancm explain` and the live diagnosis read from pasted or captured text —
//! `knowledge::lookup` (codes, IIS log lines, event-log messages), the .NET host message and
//! unhandled-exception classifiers, and the stdout scrapers of `live::explain` — on arbitrary
//! text: never a panic, never a hang.
#![no_main]
use ancm_doctor::{knowledge, live::explain};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for e in knowledge::lookup(&text) {
        let _ = e.title();
    }
    let _ = knowledge::classify_host_message(&text);
    let _ = knowledge::unhandled_exception(&text);
    let _ = explain::lift_exception(&text);
    let _ = explain::framework_missing(&text);
    let _ = explain::announced_ports(&text);
});
