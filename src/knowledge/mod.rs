//! Codes `ancm explain` knows — ANCM HTTP substatus codes, HRESULTs seen in the event log, .NET
//! host status codes (hex, signed decimal, Unix exit byte), CLR/Windows crash codes and Unix
//! signal exits — and the ANCM module version each ASP.NET Core release ships.
//!
//! Pure data and pure functions: no I/O, no formatting for a terminal (the CLI renders an
//! [`Explanation`]). Every entry carries a `source`: the reference section or public header its
//! facts come from. An input can mean several things (`150` is the Unix exit byte of
//! 0x80008096 and a plain exit code; `2` is Win32 ERROR_FILE_NOT_FOUND and an exit code):
//! [`lookup`] returns every reading, most specific first.
mod ancm_versions;
pub mod citation;
mod crash;
mod exit;
mod host_message;
mod host_status;
mod hresult;
mod http;
mod managed_exception;
pub mod parse;

pub use ancm_versions::{
    ancm_releases, min_ancm_for_aspnetcore, AncmRelease, ModuleVersion, ModuleVersionError,
};
pub use exit::{
    decode_exit_code, decode_process_exit, decode_signal, host_resolution_failure, ExitOs,
};
pub use host_message::{classify_host_message, HostMessage};
pub use hresult::{from_errno as hresult_from_errno, from_win32 as hresult_from_win32};
pub use managed_exception::{
    request_exception, startup_exception, unhandled_exception, InnerException, ManagedException,
};

use serde::Serialize;

/// Which kind of code an explanation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// An IIS/ANCM HTTP status with substatus (`502.5`).
    HttpStatus,
    /// A Windows HRESULT or Win32 error (event log `ErrorCode`, FREB, IIS log `sc-win32-status`).
    HResult,
    /// A .NET host (`dotnet`, apphost, hostfxr, hostpolicy) status code `0x800080xx`.
    HostStatus,
    /// A Windows exception / NTSTATUS a crashing process exits with (`0xE0434352` …).
    CrashCode,
    /// A Unix process killed by a signal (`128 + N` in a shell).
    Signal,
    /// A plain process exit code with no fixed meaning.
    ExitCode,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::HttpStatus => "HTTP status",
            Family::HResult => "HRESULT",
            Family::HostStatus => ".NET host status code",
            Family::CrashCode => "crash code",
            Family::Signal => "signal",
            Family::ExitCode => "exit code",
        }
    }
}

/// One reading of a code: what it is, what it means, what to do, and where that comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub family: Family,
    /// The canonical spelling: `502.5`, `0x80008096`, `SIGABRT`, `exit code 3`.
    pub code: String,
    /// How the input was read when that is not obvious (`exit byte 150 = low 8 bits of …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// Every form the code shows up in: hex, signed decimal (what Windows prints), unsigned
    /// decimal, Unix exit byte, Win32 error number.
    pub forms: Vec<String>,
    /// The symbolic name (`FrameworkMissingFailure`, `ERROR_FILE_NOT_FOUND`) or IIS page title.
    pub name: String,
    pub meaning: String,
    /// What typically causes it under IIS / ANCM.
    pub cause: String,
    /// What to do.
    pub fix: String,
    /// Where the facts come from (reference section, public header or doc).
    pub source: String,
}

impl Explanation {
    /// A one-line title: code and name.
    pub fn title(&self) -> String {
        if self.name.is_empty() || self.name == self.code {
            self.code.clone()
        } else {
            format!("{} {}", self.code, self.name)
        }
    }
}

/// Every reading of `input`, most specific first; empty when nothing matches.
///
/// Accepted forms: `502.5`, `502.5.0`, `HTTP 502.5`, `502 5 12029` (IIS log columns), `502`
/// (every known substatus), `0x80008096`, `80008096`, `-2147450730`, `2147516566`, `150`
/// (Unix exit byte), `12029` (Win32/WinHTTP error), `SIGABRT`; hex is case-insensitive. A pasted
/// event-log text is read for the codes in it; a pasted .NET host error message for its status.
pub fn lookup(input: &str) -> Vec<Explanation> {
    let mut out: Vec<Explanation> = Vec::new();
    for query in parse::parse(input) {
        let found = match query {
            parse::Query::Http { status, sub } => http::explain(status, sub),
            parse::Query::Number(n) => exit::explain_number(n),
            parse::Query::Hex(v) => exit::explain_hex(v),
            parse::Query::Signal(sig) => decode_signal(sig).into_iter().collect(),
        };
        for e in found {
            if !out.iter().any(|o| o.code == e.code && o.family == e.family) {
                out.push(e);
            }
        }
    }
    if out.is_empty() {
        // A pasted host error message (stderr, stdout log, event 1023) without a number in it.
        if let Some(m) = classify_host_message(input) {
            if let Some(mut e) = host_status::explain(m.code) {
                let mut reading = format!("the .NET host prints \"{}\" with this status", m.quote);
                if let Some((name, version)) = &m.framework {
                    reading.push_str(&format!("; missing: {name} {version}"));
                }
                e.reading = Some(reading);
                out.push(e);
            }
        } else if let Some(x) = unhandled_exception(input) {
            // A pasted crash: the process died of this exception (0xE0434352 / SIGABRT).
            if let Some(mut e) = crash::explain(0xE043_4352) {
                let mut reading = format!("an unhandled `{}`", x.type_name);
                if !x.message.is_empty() {
                    reading.push_str(&format!(": {}", x.message));
                }
                if let Some(hint) = x.hint {
                    reading.push_str(&format!(" — {hint}"));
                }
                e.reading = Some(reading);
                out.push(e);
            }
        }
    }
    out
}

/// What a pasted text is, for `ancm explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A bare code: every thing it could mean, most specific first (alternatives).
    Code(Vec<Explanation>),
    /// One message (an IIS log line, an event-log entry, ANCM V1's `0x… : …`): its codes are
    /// parts of one story, each read in the role it plays there.
    Message(Message),
}

/// Which kind of message was pasted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    IisLog,
    /// An event-log entry or an error page (ANCM's and the .NET host's texts).
    Event,
    /// ANCM V1's `ErrorCode = '0x80004005 : 80008081'`.
    AncmV1ErrorCode,
}

impl MessageKind {
    pub fn label(self) -> &'static str {
        match self {
            MessageKind::IisLog => "an IIS log line",
            MessageKind::Event => "an event-log or error-page message",
            MessageKind::AncmV1ErrorCode => {
                "ANCM V1's ErrorCode (an HRESULT, then the process's exit code)"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    pub parts: Vec<Part>,
}

/// One code of a message, read in its role; `explanation` is `None` for a code ancm does not
/// know (it is still named, so the message is not misread as complete).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub role: parse::Role,
    /// The code as it is conventionally written (`502.3`, `12029`, `0x8007052E`).
    pub written: String,
    pub explanation: Option<Explanation>,
}

/// `input` as one message or one code. A message's parts are read together, each in its role
/// (an IIS log's third number is a Win32 error, an event's `exit code` a Windows exit code);
/// a bare code keeps every reading ([`lookup`]).
pub fn read(input: &str) -> Reading {
    let Some(found) = parse::message(input) else {
        return Reading::Code(lookup(input));
    };
    let kind = if found
        .iter()
        .any(|(r, _)| matches!(r, parse::Role::IisStatus | parse::Role::IisWin32))
    {
        MessageKind::IisLog
    } else if found.iter().any(|(r, _)| *r == parse::Role::V1ExitCode) && found.len() == 2 {
        MessageKind::AncmV1ErrorCode
    } else {
        MessageKind::Event
    };
    let parts = found
        .into_iter()
        .map(|(role, q)| {
            let (written, explanation) = match (role, q) {
                (_, parse::Query::Http { status, sub }) => (
                    match sub {
                        Some(s) => format!("{status}.{s}"),
                        None => status.to_string(),
                    },
                    http::explain(status, sub).into_iter().next(),
                ),
                (parse::Role::IisWin32, parse::Query::Number(n)) => {
                    let e = u32::try_from(n)
                        .ok()
                        .filter(|v| *v <= 0xFFFF)
                        .and_then(|v| {
                            let hr = hresult::from_win32(v);
                            hresult::explain(hr).map(|mut e| {
                                e.reading = Some(format!("Win32 error {n} = HRESULT 0x{hr:08X}"));
                                e
                            })
                        });
                    (n.to_string(), e)
                }
                (parse::Role::V1ExitCode | parse::Role::ExitCode, parse::Query::Number(n)) => {
                    (n.to_string(), Some(exit::windows_exit_code(n)))
                }
                (parse::Role::V1ExitCode | parse::Role::ExitCode, parse::Query::Hex(v)) => (
                    format!("0x{v:X}"),
                    Some(exit::windows_exit_code(i64::from(v))),
                ),
                (_, parse::Query::Hex(v)) => (format!("0x{v:08X}"), exit::known_hex(v)),
                (_, parse::Query::Number(n)) => {
                    (n.to_string(), lookup(&n.to_string()).into_iter().next())
                }
                (_, parse::Query::Signal(s)) => (format!("signal {s}"), decode_signal(s)),
            };
            Part {
                role,
                written,
                explanation,
            }
        })
        .collect();
    Reading::Message(Message { kind, parts })
}

/// Whether `explain` knows an IIS symptom code exactly (`502.5`, `500.19`, `503` …); used to
/// validate the catalog's `explains` lists.
pub fn knows_symptom(code: &str) -> bool {
    http::knows(code)
}

/// Every symptom code `explain` knows, in table order.
pub fn symptoms() -> Vec<&'static str> {
    http::codes()
}

/// The four forms of a 32-bit code: hex, signed decimal, unsigned decimal, Unix exit byte.
pub(crate) fn forms_u32(v: u32) -> Vec<String> {
    let mut forms = vec![format!("0x{v:08X}")];
    if v >= 0x8000_0000 {
        forms.push(format!("{} (signed, as Windows prints it)", v as i32));
    }
    forms.push(format!("{v} (unsigned)"));
    forms.push(format!("{} (Unix exit byte: low 8 bits)", v & 0xFF));
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(input: &str) -> Vec<String> {
        lookup(input).into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn every_notation_of_a_host_code_finds_it() {
        for input in [
            "0x80008096",
            "80008096",
            "0X80008096",
            "-2147450730",
            "2147516566",
            "exited with code -2147450730",
        ] {
            let hits = lookup(input);
            assert_eq!(hits[0].name, "FrameworkMissingFailure", "{input}");
            assert_eq!(hits[0].family, Family::HostStatus);
        }
    }

    #[test]
    fn an_exit_byte_lists_each_reading() {
        assert_eq!(codes("150"), ["0x80008096", "exit code 150"]);
        assert_eq!(codes("134"), ["SIGABRT", "exit code 134"]);
        assert_eq!(codes("2"), ["0x80070002", "exit code 2"]);
        assert_eq!(codes("193"), ["0x800700C1", "exit code 193"]);
        let readings: Vec<Option<String>> = lookup("150").into_iter().map(|e| e.reading).collect();
        assert!(readings[0].as_deref().unwrap().contains("low 8 bits"));
    }

    #[test]
    fn each_family_is_reachable() {
        let family = |input: &str| lookup(input).first().map(|e| e.family);
        assert_eq!(family("502.5"), Some(Family::HttpStatus));
        assert_eq!(family("0x8007023e"), Some(Family::HResult));
        assert_eq!(family("0x80008083"), Some(Family::HostStatus));
        assert_eq!(family("0xE0434352"), Some(Family::CrashCode));
        assert_eq!(family("-532462766"), Some(Family::CrashCode));
        assert_eq!(family("0xC00000FD"), Some(Family::CrashCode));
        assert_eq!(family("0x80131506"), Some(Family::CrashCode));
        assert_eq!(family("SIGSEGV"), Some(Family::Signal));
        assert_eq!(family("7"), Some(Family::ExitCode));
        assert_eq!(family("12002"), Some(Family::HResult));
    }

    #[test]
    fn every_host_code_in_hostfxr_md_is_known_in_all_forms() {
        for c in host_status::CODES {
            let hex = format!("0x{:08x}", c.value);
            let signed = (c.value as i32).to_string();
            let unsigned = c.value.to_string();
            for input in [&hex, &signed, &unsigned] {
                assert_eq!(
                    lookup(input)[0].code,
                    format!("0x{:08X}", c.value),
                    "{input}"
                );
            }
        }
    }

    #[test]
    fn every_entry_carries_forms_meaning_fix_and_source() {
        let mut all = Vec::new();
        for s in symptoms() {
            all.extend(lookup(s));
        }
        for input in [
            "0x80070005",
            "0x8027025A",
            "0xC0000005",
            "-2147450743",
            "137",
            "0",
        ] {
            all.extend(lookup(input));
        }
        for e in all {
            assert!(!e.forms.is_empty(), "{}", e.code);
            assert!(!e.meaning.is_empty(), "{}", e.code);
            assert!(!e.fix.is_empty(), "{}", e.code);
            assert!(!e.source.is_empty(), "{}", e.code);
        }
    }

    #[test]
    fn symptoms_are_known_exactly() {
        assert!(knows_symptom("502.5"));
        assert!(knows_symptom("503"));
        assert!(!knows_symptom("502"));
        assert!(!knows_symptom("0x80008096"));
    }

    #[test]
    fn unknown_input_finds_nothing_and_never_panics() {
        for input in [
            "",
            "nope",
            "0x12345678",
            "999.9",
            "-",
            "0x",
            "１５０",
            "1e10",
        ] {
            assert!(lookup(input).is_empty(), "{input}: {:?}", codes(input));
        }
    }

    proptest::proptest! {
        #[test]
        fn lookup_never_panics(input in ".{0,40}") {
            let _ = lookup(&input);
        }

        #[test]
        fn any_32_bit_value_round_trips_through_its_forms(v in proptest::num::u32::ANY) {
            // Whatever the hex form finds, the signed and unsigned decimal forms find too.
            let hex: Vec<String> = lookup(&format!("0x{v:08x}")).into_iter().map(|e| e.code).collect();
            let signed: Vec<String> = lookup(&(v as i32).to_string()).into_iter().map(|e| e.code).collect();
            for code in hex.iter().filter(|c| c.starts_with("0x")) {
                proptest::prop_assert!(signed.contains(code) || v < 0x8000_0000, "{code} via {}", v as i32);
            }
        }

        #[test]
        fn decode_exit_code_is_never_empty(code in proptest::num::i64::ANY) {
            proptest::prop_assert!(!decode_exit_code(code, ExitOs::Unix).is_empty());
            proptest::prop_assert!(!decode_exit_code(code, ExitOs::Windows).is_empty());
        }
    }
}
