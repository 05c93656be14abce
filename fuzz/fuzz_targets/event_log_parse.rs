//! Fuzz target: the event-log reader (`evidence::event_log::parse`, wevtutil's and Azure's
//! `eventlog.xml` shapes) on arbitrary text, then the message reader on each event's data:
//! events or an error, never a panic, a hang or entity expansion.
#![no_main]
use ancm_doctor::evidence::{event_log, message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(events) = event_log::parse(&text) {
        for e in events.iter().take(16) {
            let _ = message::read(&e.message);
        }
    }
});
