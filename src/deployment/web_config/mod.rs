//! The app's `web.config`, as IIS and ANCM read it: the handler registration and the typed
//! `system.webServer/aspNetCore` section, every value with its line and column.
//!
//! Defaults and ranges come from ANCM's schema (`aspnetcore_schema_v2.xml`), see
//! `shared/reference/ancm-reference.md` §1.1.
pub mod elements;
mod expand;
mod parse;
pub mod secret_values;

pub use expand::{expand_env, expand_env_tracking};
pub use parse::{parse, read, read_bytes, MAX_WEB_CONFIG_BYTES};

/// The longest source line a finding carries as its snippet.
pub const MAX_SNIPPET_CHARS: usize = 240;

use crate::diagnostic::Location;
use std::path::PathBuf;
use thiserror::Error;

/// A place in web.config: 1-based line and column (in characters), and a length to underline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub len: u32,
}

/// A value read from web.config and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

/// `<location path="…" inheritInChildApplications="…">` around `system.webServer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationElement {
    pub path: Option<Located<String>>,
    pub inherit_in_child_applications: Option<Located<String>>,
    pub span: Span,
}

/// One `<handlers><add …/>` entry still in effect after `<remove>` and `<clear/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub name: Option<Located<String>>,
    pub path: Option<Located<String>>,
    pub verb: Option<Located<String>>,
    pub modules: Option<Located<String>>,
    pub resource_type: Option<Located<String>>,
    pub span: Span,
}

/// One `<environmentVariable name value/>`. Values are secrets in every output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentVariable {
    pub name: Located<String>,
    pub value: Located<String>,
}

/// One `<handlerSetting name value/>` (V2 only; names match case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerSetting {
    pub name: Located<String>,
    pub value: Located<String>,
}

/// `system.webServer/aspNetCore`, raw attribute text kept; typed accessors apply ANCM's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AspNetCoreSection {
    pub span: Span,
    pub process_path: Option<Located<String>>,
    pub arguments: Option<Located<String>>,
    pub hosting_model: Option<Located<String>>,
    pub stdout_log_enabled: Option<Located<String>>,
    pub stdout_log_file: Option<Located<String>>,
    pub startup_time_limit: Option<Located<String>>,
    pub shutdown_time_limit: Option<Located<String>>,
    pub request_timeout: Option<Located<String>>,
    pub rapid_fails_per_minute: Option<Located<String>>,
    pub processes_per_application: Option<Located<String>>,
    pub forward_windows_auth_token: Option<Located<String>>,
    pub disable_start_up_error_page: Option<Located<String>>,
    pub environment_variables: Vec<EnvironmentVariable>,
    pub handler_settings: Vec<HandlerSetting>,
    /// Attributes the schema does not define (names are case-sensitive: `ProcessPath` is one);
    /// IIS answers 500.19 "Unrecognized attribute". Those of `environmentVariable` and
    /// `handlerSetting` entries read `environmentVariable/Name`. Spans point at the name.
    pub unknown_attributes: Vec<Located<String>>,
    /// Child elements the schema does not define, as `parent/name` below `aspNetCore`
    /// (`environmentVariables/add`); IIS answers 500.19 "Unrecognized element". Spans point at
    /// the element.
    pub unknown_elements: Vec<Located<String>>,
}

/// The whole file.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub path: PathBuf,
    pub encoding: TextEncoding,
    /// The decoded text, for snippets.
    pub text: String,
    /// Set when `system.webServer` sits inside a `<location>` element (path `.`, empty or absent).
    pub location: Option<LocationElement>,
    /// `<location>` elements for other paths: they do not configure this app and are not read.
    pub other_locations: Vec<LocationElement>,
    /// Effective handlers after `<add>`, `<remove>`, `<clear/>` in document order. A name added
    /// twice stays twice (IIS rejects that with 500.19).
    pub handlers: Vec<Handler>,
    pub aspnetcore: Option<AspNetCoreSection>,
    /// A section defined a second time for this app (`system.webServer/aspNetCore`,
    /// `system.webServer/handlers`), at the second occurrence; IIS answers 500.19. The second
    /// `aspNetCore` is not read.
    pub duplicate_sections: Vec<Located<String>>,
}

impl WebConfig {
    /// A diagnostic location for a span in this file, with the source line for the snippet.
    /// A line longer than [`MAX_SNIPPET_CHARS`] (minified or generated files) gets no snippet.
    /// Environment variable values in the line are masked ([`secret_values`]).
    pub fn location(&self, span: Span) -> Location {
        let loc = Location::new(self.path.clone(), span.line, span.column).with_len(span.len);
        match secret_values::masked_line(&self.text, span.line) {
            Some(line) if line.chars().count() <= MAX_SNIPPET_CHARS => loc.with_source_line(line),
            _ => loc,
        }
    }

    /// The handler that routes requests to ANCM (`modules` names `AspNetCoreModule*`).
    pub fn aspnetcore_handler(&self) -> Option<&Handler> {
        self.handlers.iter().find(|h| {
            h.modules
                .as_ref()
                .is_some_and(|m| m.value.to_ascii_lowercase().starts_with("aspnetcoremodule"))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostingModel {
    InProcess,
    OutOfProcess,
}

/// An attribute whose text is outside what ANCM's schema accepts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{attribute}=\"{value}\"`: {expected}")]
pub struct InvalidValue {
    pub attribute: &'static str,
    pub value: String,
    pub expected: String,
    pub span: Span,
}

fn parse_bool(
    attr: &'static str,
    v: &Option<Located<String>>,
    default: bool,
) -> Result<bool, InvalidValue> {
    match v {
        None => Ok(default),
        Some(l) => match l.value.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(InvalidValue {
                attribute: attr,
                value: l.value.clone(),
                expected: "expected `true` or `false`".into(),
                span: l.span,
            }),
        },
    }
}

fn parse_uint(
    attr: &'static str,
    v: &Option<Located<String>>,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, InvalidValue> {
    let Some(l) = v else { return Ok(default) };
    match l.value.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(InvalidValue {
            attribute: attr,
            value: l.value.clone(),
            expected: format!("expected a whole number from {min} to {max}"),
            span: l.span,
        }),
    }
}

impl AspNetCoreSection {
    /// A missing or empty attribute means out-of-process: that is the module's own fallback
    /// [SRC S3 ShimOptions.cpp: `hostingModel.empty()` → out-of-process], whatever the docs say
    /// the SDK writes (ancm-reference.md §1.1). Compared case-insensitively and untrimmed, as
    /// ANCM does (`" inprocess"` is an unknown model).
    pub fn hosting_model(&self) -> Result<HostingModel, InvalidValue> {
        match &self.hosting_model {
            None => Ok(HostingModel::OutOfProcess),
            Some(l) => match l.value.to_ascii_lowercase().as_str() {
                "" | "outofprocess" => Ok(HostingModel::OutOfProcess),
                "inprocess" => Ok(HostingModel::InProcess),
                _ => Err(InvalidValue {
                    attribute: "hostingModel",
                    value: l.value.clone(),
                    expected: "expected `inprocess` or `outofprocess`".into(),
                    span: l.span,
                }),
            },
        }
    }

    pub fn stdout_log_enabled(&self) -> Result<bool, InvalidValue> {
        parse_bool("stdoutLogEnabled", &self.stdout_log_enabled, false)
    }

    /// Schema default `.\aspnetcore-stdout` (ancm-reference.md §1.1).
    pub fn stdout_log_file(&self) -> &str {
        self.stdout_log_file
            .as_ref()
            .map(|l| l.value.as_str())
            .unwrap_or(r".\aspnetcore-stdout")
    }

    /// Seconds, 0–3600, default 120 (schema).
    pub fn startup_time_limit(&self) -> Result<u32, InvalidValue> {
        parse_uint("startupTimeLimit", &self.startup_time_limit, 120, 0, 3600)
    }

    /// Seconds, 0–600, default 10 (schema).
    pub fn shutdown_time_limit(&self) -> Result<u32, InvalidValue> {
        parse_uint("shutdownTimeLimit", &self.shutdown_time_limit, 10, 0, 600)
    }

    /// 0–100, default 10 (schema).
    pub fn rapid_fails_per_minute(&self) -> Result<u32, InvalidValue> {
        parse_uint(
            "rapidFailsPerMinute",
            &self.rapid_fails_per_minute,
            10,
            0,
            100,
        )
    }

    /// 1–100, default 1 (schema).
    pub fn processes_per_application(&self) -> Result<u32, InvalidValue> {
        parse_uint(
            "processesPerApplication",
            &self.processes_per_application,
            1,
            1,
            100,
        )
    }

    pub fn forward_windows_auth_token(&self) -> Result<bool, InvalidValue> {
        parse_bool(
            "forwardWindowsAuthToken",
            &self.forward_windows_auth_token,
            true,
        )
    }

    pub fn disable_start_up_error_page(&self) -> Result<bool, InvalidValue> {
        parse_bool(
            "disableStartUpErrorPage",
            &self.disable_start_up_error_page,
            false,
        )
    }

    /// `requestTimeout` as seconds: a timeSpan `[d.]hh:mm:ss` from 00:00:00 to 360:00:00, default
    /// 00:02:00; minute and second fields must be 0–59 (ancm-reference.md §1.1, failure #7).
    pub fn request_timeout_secs(&self) -> Result<u64, InvalidValue> {
        let Some(l) = &self.request_timeout else {
            return Ok(120);
        };
        parse_timespan(&l.value)
            .filter(|s| *s <= 360 * 3600)
            .ok_or_else(|| InvalidValue {
                attribute: "requestTimeout",
                value: l.value.clone(),
                expected: "expected a timespan `hh:mm:ss` from 00:00:00 to 360:00:00, minutes and seconds 0-59".into(),
                span: l.span,
            })
    }

    /// A handler setting by name (case-insensitive, as ANCM matches them).
    pub fn handler_setting(&self, name: &str) -> Option<&HandlerSetting> {
        self.handler_settings
            .iter()
            .find(|s| s.name.value.eq_ignore_ascii_case(name))
    }
}

/// `[d.]hh:mm:ss[.fff]` → whole seconds; `None` if malformed or a minute/second field is > 59.
pub fn parse_timespan(text: &str) -> Option<u64> {
    let text = text.trim();
    let (days, rest) = match text.split_once('.') {
        Some((d, r)) if r.contains(':') && !d.contains(':') => (d.parse::<u64>().ok()?, r),
        _ => (0, text),
    };
    let mut parts = rest.split(':');
    let h: u64 = parts.next()?.trim().parse().ok()?;
    let m: u64 = parts.next()?.trim().parse().ok()?;
    let s_field = parts.next()?.trim();
    if parts.next().is_some() {
        return None;
    }
    let s: u64 = s_field.split('.').next()?.parse().ok()?;
    if m > 59 || s > 59 {
        return None;
    }
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// Why web.config could not be read as XML. Each variant names the file (and position when known).
#[derive(Debug, Error)]
pub enum WebConfigError {
    #[error("{}: no such file", crate::deployment::shown(path))]
    NotFound { path: PathBuf },
    #[error("{}: {source}", crate::deployment::shown(path))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: {size} bytes is larger than IIS accepts ({limit} bytes)",
        crate::deployment::shown(path)
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{}:{line}:{column}: {message}", crate::deployment::shown(path))]
    Malformed {
        path: PathBuf,
        line: u32,
        column: u32,
        message: String,
        /// The text of `line`, for a snippet (absent when the line is too long to show).
        source_line: Option<String>,
    },
}

impl WebConfigError {
    /// Where the error is, for a located finding.
    pub fn position(&self) -> Option<(u32, u32)> {
        match self {
            WebConfigError::Malformed { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}
