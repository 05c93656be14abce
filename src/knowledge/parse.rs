//! Turns what a user pastes (`HTTP 502.5`, `0x80008096`, `-2147450730`, `150`, `502 3 12029`,
//! `ErrorCode = '0x80004005 : 80008081'`, `SIGABRT`) into every query it could mean. Never fails:
//! input that matches no form yields no queries.

/// One way to read (part of) the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// An HTTP status, with IIS substatus when given.
    Http { status: u16, sub: Option<u32> },
    /// A number written in decimal: HRESULT (signed or unsigned), Win32 error or exit code.
    Number(i64),
    /// A number written in hex (`0x…` or a bare 8-digit / lettered hex string).
    Hex(u32),
    /// A Unix signal number (from `SIGABRT`, `signal 6`).
    Signal(u8),
}

/// Every query `input` could mean, in the order they should be reported, without duplicates.
pub fn parse(input: &str) -> Vec<Query> {
    let mut out = Vec::new();
    let cleaned = normalize(input);
    // ANCM V1 and event texts print "0x80004005 : 80008081" (HRESULT : process exit code in hex).
    let parts: Vec<&str> = cleaned
        .split(':')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    // Only that exact shape: two parts, the second one bare hex (a time `02:13:07` is not it).
    let v1_pair = parts.len() == 2
        && !parts[1].is_empty()
        && parts[1].len() <= 8
        && parts[1].chars().all(|c| c.is_ascii_hexdigit());
    if v1_pair {
        for (i, part) in parts.iter().enumerate() {
            // After the colon ANCM prints the exit code in hex without `0x`.
            let queries = if i > 0 { hex_only(part) } else { one(part) };
            push_all(&mut out, queries);
        }
    } else {
        push_all(&mut out, one(&cleaned));
    }
    if let Some(win32) = iis_log_win32(input) {
        push_all(&mut out, vec![Query::Number(win32)]);
    }
    if out.is_empty() {
        push_all(&mut out, codes_in_message(input));
    }
    out
}

/// What part a code plays in a pasted message: the role decides how it is read (a Win32 error in
/// an IIS log's `sc-win32-status`, a Windows exit code after `exit code =`), so the parts of one
/// message are read together instead of as alternative readings of each number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An IIS log's `sc-status` and `sc-substatus`.
    IisStatus,
    /// An IIS log's `sc-win32-status`: a Win32 error (what IIS or ANCM failed with).
    IisWin32,
    /// `ErrorCode = '0x…'` (ANCM's events) or another `0x…` code in the text: an HRESULT.
    ErrorCode,
    /// ANCM V1's `ErrorCode = '0x80004005 : 80008081'`: the process's exit code, in hex.
    V1ExitCode,
    /// `exit code = 'N'`, `exited with code N`: a Windows process exit code.
    ExitCode,
    /// `HTTP Error 500.30 - …` (an error page's title).
    ErrorPage,
}

impl Role {
    /// How the role is named where it comes from.
    pub fn label(self) -> &'static str {
        match self {
            Role::IisStatus => "sc-status.sc-substatus",
            Role::IisWin32 => "sc-win32-status",
            Role::ErrorCode => "ErrorCode",
            Role::V1ExitCode => "exit code (hex, after the colon)",
            Role::ExitCode => "exit code",
            Role::ErrorPage => "error page",
        }
    }
}

/// A pasted text that is a message (an IIS log line, an event-log entry, ANCM V1's
/// `0x… : …` pair, an error page's title), with the codes in it and the part each plays;
/// `None` for a bare code (`150`, `0x80008096`, `502.5`), whose readings are alternatives.
pub fn message(input: &str) -> Option<Vec<(Role, Query)>> {
    let cleaned = normalize(input);
    let parts: Vec<&str> = cleaned
        .split(':')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let v1_pair =
        parts.len() == 2 && parts[1].len() <= 8 && parts[1].chars().all(|c| c.is_ascii_hexdigit());
    if v1_pair {
        let hr = one(parts[0])
            .into_iter()
            .find(|q| matches!(q, Query::Hex(_)))?;
        let exit = hex_only(parts[1]).into_iter().next()?;
        return Some(vec![(Role::ErrorCode, hr), (Role::V1ExitCode, exit)]);
    }
    let fields: Vec<&str> = cleaned
        .split(|c: char| c == '.' || c.is_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    if fields.len() == 3 && !cleaned.contains('.') {
        if let Some(status) = http(&cleaned) {
            let mut out = vec![(Role::IisStatus, status)];
            if let Some(w) = iis_log_win32(input) {
                out.push((Role::IisWin32, Query::Number(w)));
            }
            return Some(out);
        }
    }
    if !one(&cleaned).is_empty() {
        return None;
    }
    let found = roles_in_message(input);
    (!found.is_empty()).then_some(found)
}

/// A pasted event-log or error-page text: the codes in it. `0x…` tokens (ErrorCode), numbers
/// right after the word `code` (`exited with code -2147450730`, `exit code = '150'`) and
/// `HTTP Error 502.5` substatus tokens. The one reader of ANCM's messages: `ancm explain` uses it
/// for pasted text, `evidence` for the event log, the debug log and stdout logs.
pub fn codes_in_message(input: &str) -> Vec<Query> {
    let mut out = Vec::new();
    for (_, q) in roles_in_message(input) {
        if !out.contains(&q) {
            out.push(q);
        }
    }
    out
}

/// [`codes_in_message`] with the part each code plays.
fn roles_in_message(input: &str) -> Vec<(Role, Query)> {
    let lower = input.to_ascii_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut out: Vec<(Role, Query)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let found = if let Some(hex) = t.strip_prefix("0x") {
            parse_hex(hex).map(|v| (Role::ErrorCode, Query::Hex(v)))
        } else if i > 0
            && tokens[i - 1].starts_with("0x")
            && t.len() <= 8
            && t.chars().all(|c| c.is_ascii_hexdigit())
        {
            // ANCM V1: `ErrorCode = '0x80004005 : 80008081.` — the process exit code in hex.
            parse_hex(t).map(|v| (Role::V1ExitCode, Query::Hex(v)))
        } else if i > 0 && tokens[i - 1] == "code" {
            t.parse::<i64>()
                .ok()
                .map(|n| (Role::ExitCode, Query::Number(n)))
        } else if i > 0 && tokens[i - 1] == "error" && t.contains('.') {
            http(t).map(|q| (Role::ErrorPage, q))
        } else {
            None
        };
        if let Some((role, q)) = found {
            if !out.iter().any(|(_, o)| *o == q) {
                out.push((role, q));
            }
        }
    }
    if out.is_empty() {
        out.extend(iis_log_line(&tokens));
    }
    out
}

/// A W3C IIS log line: `… sc-status sc-substatus sc-win32-status time-taken`, e.g.
/// `… GET / - 443 - 10.0.0.1 Mozilla/5.0 - 502 3 12029 120010`. The first run of three plain
/// numbers whose first is a 4xx/5xx status is taken.
fn iis_log_line(tokens: &[&str]) -> Vec<(Role, Query)> {
    let num = |t: &str| -> Option<u32> {
        if t.chars().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    for w in tokens.windows(3) {
        let (Some(status), Some(sub), Some(win32)) = (num(w[0]), num(w[1]), num(w[2])) else {
            continue;
        };
        if (400..=599).contains(&status) && sub < 1000 {
            let mut out = vec![(
                Role::IisStatus,
                Query::Http {
                    status: status as u16,
                    sub: Some(sub),
                },
            )];
            if win32 != 0 {
                out.push((Role::IisWin32, Query::Number(i64::from(win32))));
            }
            return out;
        }
    }
    Vec::new()
}

fn push_all(out: &mut Vec<Query>, qs: Vec<Query>) {
    for q in qs {
        if !out.contains(&q) {
            out.push(q);
        }
    }
}

/// Lower-case, strip quotes, trailing punctuation and labels people paste along with the code.
fn normalize(input: &str) -> String {
    let mut s = input.trim().to_ascii_lowercase();
    s = s
        .trim_matches(|c: char| c == '\'' || c == '"' || c == '`')
        .to_string();
    for label in [
        "errorcode",
        "error code",
        "hresult",
        "exit code",
        "exited with code",
        "exit",
        "http error",
        "http",
        "status",
    ] {
        if let Some(rest) = s.strip_prefix(label) {
            s = rest
                .trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == ':')
                .to_string();
            break;
        }
    }
    s.trim_matches(|c: char| c == '\'' || c == '"' || c == '`' || c == '.' || c.is_whitespace())
        .to_string()
}

fn one(s: &str) -> Vec<Query> {
    let mut out = Vec::new();
    if let Some(sig) = signal(s) {
        out.push(Query::Signal(sig));
        return out;
    }
    if let Some(q) = http(s) {
        out.push(q);
    }
    if let Some(hex) = s.strip_prefix("0x") {
        if let Some(v) = parse_hex(hex) {
            out.push(Query::Hex(v));
        }
        return out;
    }
    if let Ok(v) = s.parse::<i64>() {
        out.push(Query::Number(v));
    }
    // Bare hex (`80008096`, `8007023e`): only worth trying when it is long enough to be an HRESULT
    // or has hex letters; short digit strings are decimal exit codes or Win32 errors.
    let is_hex = !s.is_empty() && s.len() <= 8 && s.chars().all(|c| c.is_ascii_hexdigit());
    if is_hex && (s.len() == 8 || s.chars().any(|c| c.is_ascii_alphabetic())) {
        if let Some(v) = parse_hex(s) {
            out.push(Query::Hex(v));
        }
    }
    out
}

fn hex_only(s: &str) -> Vec<Query> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    parse_hex(s).map(Query::Hex).into_iter().collect()
}

fn parse_hex(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 8 {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// `502`, `502.5`, `502.5.0`, `502 5`, `502 3 12029` (IIS log: sc-status sc-substatus
/// sc-win32-status). The third number, when non-zero, is a Win32 error and is queried too.
fn http(s: &str) -> Option<Query> {
    let fields: Vec<&str> = s
        .split(|c: char| c == '.' || c.is_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    if fields.is_empty() || fields.len() > 3 || fields[0].len() != 3 {
        return None;
    }
    let status: u16 = fields[0].parse().ok()?;
    if !(400..=599).contains(&status) {
        return None;
    }
    let sub = match fields.get(1) {
        Some(f) => Some(f.parse::<u32>().ok()?),
        None => None,
    };
    if let Some(f) = fields.get(2) {
        f.parse::<u32>().ok()?;
    }
    Some(Query::Http { status, sub })
}

/// The Win32 error in the third IIS-log column, if any (`502 3 12029` → 12029).
pub fn iis_log_win32(input: &str) -> Option<i64> {
    let s = normalize(input);
    let fields: Vec<&str> = s
        .split(|c: char| c == '.' || c.is_whitespace())
        .filter(|f| !f.is_empty())
        .collect();
    if fields.len() != 3 || http(&s).is_none() {
        return None;
    }
    fields[2].parse::<i64>().ok().filter(|v| *v != 0)
}

fn signal(s: &str) -> Option<u8> {
    if let Some(n) = s.strip_prefix("signal") {
        return n.trim().parse::<u8>().ok().filter(|n| (1..=64).contains(n));
    }
    let name = s.strip_prefix("sig").unwrap_or(s);
    super::exit::signal_number(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_forms() {
        let want = vec![Query::Http {
            status: 502,
            sub: Some(5),
        }];
        for input in [
            "502.5",
            "HTTP 502.5",
            "http 502.5",
            "502.5.0",
            "  502.5 ",
            "502 5",
        ] {
            assert_eq!(parse(input), want, "{input}");
        }
        assert_eq!(
            parse("502"),
            vec![
                Query::Http {
                    status: 502,
                    sub: None
                },
                Query::Number(502)
            ]
        );
        assert_eq!(
            parse("HTTP Error 500.19"),
            vec![Query::Http {
                status: 500,
                sub: Some(19)
            }]
        );
    }

    #[test]
    fn iis_log_columns_carry_a_win32_error() {
        assert_eq!(iis_log_win32("502 3 12029"), Some(12029));
        assert_eq!(iis_log_win32("502 5 0"), None);
        assert_eq!(iis_log_win32("502.5"), None);
        assert_eq!(
            parse("502 3 12029"),
            vec![
                Query::Http {
                    status: 502,
                    sub: Some(3)
                },
                Query::Number(12029)
            ]
        );
    }

    #[test]
    fn hex_forms_are_case_insensitive() {
        for input in [
            "0x80008096",
            "0X80008096",
            "80008096",
            "0x80008096.",
            "'0x80008096'",
        ] {
            assert!(
                parse(input).contains(&Query::Hex(0x8000_8096)),
                "{input}: {:?}",
                parse(input)
            );
        }
        assert!(parse("8007023E").contains(&Query::Hex(0x8007_023E)));
        assert!(parse("0xe0434352").contains(&Query::Hex(0xE043_4352)));
    }

    #[test]
    fn decimal_forms() {
        assert_eq!(parse("-2147450730"), vec![Query::Number(-2_147_450_730)]);
        assert_eq!(parse("2147516566"), vec![Query::Number(2_147_516_566)]);
        assert_eq!(parse("150"), vec![Query::Number(150)]);
        // Eight digits are an HRESULT in hex and (uselessly) a decimal: both are tried.
        assert_eq!(
            parse("80008096"),
            vec![Query::Number(80_008_096), Query::Hex(0x8000_8096)]
        );
        assert_eq!(parse("exit code 134"), vec![Query::Number(134)]);
    }

    #[test]
    fn ancm_v1_error_code_pairs() {
        assert_eq!(
            parse("ErrorCode = '0x80004005 : 80008081.'"),
            vec![Query::Hex(0x8000_4005), Query::Hex(0x8000_8081)]
        );
        assert_eq!(
            parse("0x80004005 : ff"),
            vec![Query::Hex(0x8000_4005), Query::Hex(0xFF)]
        );
    }

    #[test]
    fn pasted_event_texts_yield_their_codes() {
        // Event 1000 (ancm-protocol.md §6).
        let e1000 = "Application '/LM/W3SVC/2/ROOT' with physical root 'C:\\inetpub\\app\\' failed to start process with commandline '\"dotnet\" .\\App.dll' at stage 'PostStartCheck', ErrorCode = '0x8027025b', assigned port 23456, retryCounter '1'.";
        assert_eq!(parse(e1000), vec![Query::Hex(0x8027_025B)]);
        // Event 1011 (in-process exit) and a muxer message.
        assert_eq!(
            parse("Application '/LM/W3SVC/1/ROOT' has exited from Program.Main with exit code = '-2147450730'."),
            vec![Query::Number(-2_147_450_730)]
        );
        assert_eq!(
            parse("HTTP Error 500.30 - ASP.NET Core app failed to start"),
            vec![Query::Http {
                status: 500,
                sub: Some(30)
            }]
        );
        assert!(parse("nothing to see here at all, really").is_empty());
        // ANCM V1 event text (ancm-reference.md §5 row 33): HRESULT, then the exit code in hex.
        let v1 = "Application 'MACHINE/WEBROOT/APPHOST/MYAPP' with physical root 'C:\\inetpub\\myapp\\' failed to start process with commandline '\"dotnet\" .\\MyApp.dll', ErrorCode = '0x80004005 : 80008081.";
        assert_eq!(
            parse(v1),
            vec![Query::Hex(0x8000_4005), Query::Hex(0x8000_8081)]
        );
        // A whole IIS log line (W3C fields).
        let line = "2024-03-01 02:13:07 10.0.0.5 GET /api/orders - 443 - 203.0.113.9 Mozilla/5.0+(Windows+NT+10.0) - 502 3 12029 120011";
        assert_eq!(
            parse(line),
            vec![
                Query::Http {
                    status: 502,
                    sub: Some(3)
                },
                Query::Number(12029)
            ]
        );
    }

    #[test]
    fn signals() {
        assert_eq!(parse("SIGABRT"), vec![Query::Signal(6)]);
        assert_eq!(parse("signal 9"), vec![Query::Signal(9)]);
        assert_eq!(parse("sigsegv"), vec![Query::Signal(11)]);
    }

    #[test]
    fn garbage_yields_nothing() {
        for input in [
            "",
            "   ",
            "hello",
            "0x",
            "0xZZ",
            "1.2.3.4.5",
            "0x123456789",
            "--",
        ] {
            assert!(parse(input).is_empty(), "{input}: {:?}", parse(input));
        }
    }
}
