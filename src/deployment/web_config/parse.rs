//! Reads web.config bytes into [`WebConfig`] (quick-xml): BOM / UTF-16 decoding, line:column for
//! every element and attribute, `<location>` wrapping, comments, handler collections.
//!
//! Hostile input is expected (a broken publish, a binary file, a 50 MB file): nothing here
//! panics, recurses per nesting level, or reads more than IIS would accept. The parser only
//! reads what ANCM and IIS's handler mapping read; everything else in the file is skipped.
use super::{
    AspNetCoreSection, EnvironmentVariable, Handler, HandlerSetting, Located, LocationElement,
    Span, TextEncoding, WebConfig, WebConfigError, MAX_SNIPPET_CHARS,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::Read;
use std::path::Path;

/// The largest web.config IIS reads by default: 250 KB. IIS (nativerd.dll) reads the limit from
/// registry `HKLM\SOFTWARE\Microsoft\InetStp\Configuration\MaxWebConfigFileSizeInKB` (Microsoft
/// KB 954864 "Registry keys used by IIS"); Microsoft's IIS support blog "Web.config file maximum
/// size and count" gives the default, 250 KB. Larger files are refused with a 500.19.
pub const MAX_WEB_CONFIG_BYTES: u64 = 250 * 1024;

/// Reads and parses the file at `path`. The size is checked from metadata before reading, and
/// anything that is not a regular file (a folder, a FIFO, a device) is refused without opening it.
pub fn read(path: &Path) -> Result<WebConfig, WebConfigError> {
    parse(path, &read_bytes(path)?)
}

/// The file's bytes, with [`read`]'s refusals (not a regular file, larger than IIS accepts):
/// for `ancm fix`, which edits the bytes it parsed.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, WebConfigError> {
    let io = |source: std::io::Error| WebConfigError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symbolic link is not "no web.config": say what it is.
            if std::fs::symlink_metadata(path).is_ok() {
                return Err(io(std::io::Error::other(
                    "is a symbolic link to a file that does not exist",
                )));
            }
            return Err(WebConfigError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(io(e)),
    };
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a folder, not a file")));
    }
    if !meta.is_file() {
        return Err(io(std::io::Error::other(
            "is not a regular file (a pipe, socket or device)",
        )));
    }
    if meta.len() > MAX_WEB_CONFIG_BYTES {
        return Err(WebConfigError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit: MAX_WEB_CONFIG_BYTES,
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // The file may grow between `metadata` and `read`: never read past the limit.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_WEB_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_WEB_CONFIG_BYTES {
        return Err(WebConfigError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit: MAX_WEB_CONFIG_BYTES,
        });
    }
    Ok(bytes)
}

/// Parses web.config bytes; `path` is only used to name the file in errors and locations.
/// No size limit here ([`read`] applies IIS's); memory use is linear in the input.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<WebConfig, WebConfigError> {
    let (text, encoding) = decode(path, bytes)?;
    let mut parser = Parser {
        path,
        text: &text,
        loc: Locator::new(&text),
        out: Collected::default(),
    };
    parser.run()?;
    let Collected {
        location,
        other_locations,
        handlers,
        aspnetcore,
        duplicate_sections,
        ..
    } = parser.out;
    Ok(WebConfig {
        path: path.to_path_buf(),
        encoding,
        text,
        location,
        other_locations,
        handlers,
        aspnetcore,
        duplicate_sections,
    })
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// A Malformed error at `line:column` of `text` (the text decoded so far), with that line for
/// the report's snippet when it is short enough to show.
fn malformed(
    path: &Path,
    text: &str,
    (line, column): (u32, u32),
    message: impl Into<String>,
) -> WebConfigError {
    // The frame of a broken file masks environment values too (`secret_values` scans raw text).
    let source_line = super::secret_values::masked_line(text, line)
        .filter(|l| l.chars().count() <= MAX_SNIPPET_CHARS);
    WebConfigError::Malformed {
        path: path.to_path_buf(),
        line,
        column,
        message: message.into(),
        source_line,
    }
}

/// IIS reads UTF-8 (with or without BOM) and UTF-16 with a BOM. Everything else is refused here
/// with the position of the first byte that does not fit.
fn decode(path: &Path, bytes: &[u8]) -> Result<(String, TextEncoding), WebConfigError> {
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        (decode_utf8(path, rest)?, TextEncoding::Utf8Bom)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (
            decode_utf16(path, rest, u16::from_le_bytes, "UTF-16 LE")?,
            TextEncoding::Utf16Le,
        )
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (
            decode_utf16(path, rest, u16::from_be_bytes, "UTF-16 BE")?,
            TextEncoding::Utf16Be,
        )
    } else {
        (decode_utf8(path, bytes)?, TextEncoding::Utf8)
    };
    // XML 1.0 allows tab, LF, CR and everything from U+0020 except U+FFFE/U+FFFF.
    if let Some((i, c)) = text.char_indices().find(|(_, c)| {
        matches!(*c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
    }) {
        let pos = Locator::new(&text).at(i);
        let message = if c == '\0' && encoding == TextEncoding::Utf8 {
            "NUL byte: not text (UTF-16 without a byte-order mark? IIS needs the BOM to read UTF-16)"
                .to_string()
        } else {
            format!("character U+{:04X} is not allowed in XML (binary data?)", c as u32)
        };
        return Err(malformed(path, &text, pos, message));
    }
    Ok((text, encoding))
}

fn decode_utf8(path: &Path, bytes: &[u8]) -> Result<String, WebConfigError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let good = e.valid_up_to();
            let prefix = String::from_utf8_lossy(&bytes[..good]);
            let pos = Locator::new(&prefix).at(prefix.len());
            Err(malformed(
                path,
                &prefix,
                pos,
                format!(
                    "byte 0x{:02X} is not UTF-8 (IIS reads UTF-8, or UTF-16 with a byte-order mark)",
                    bytes[good]
                ),
            ))
        }
    }
}

fn decode_utf16(
    path: &Path,
    bytes: &[u8],
    unit: fn([u8; 2]) -> u16,
    name: &str,
) -> Result<String, WebConfigError> {
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => text.push(c),
            Err(e) => {
                let pos = Locator::new(&text).at(text.len());
                return Err(malformed(
                    path,
                    &text,
                    pos,
                    format!(
                        "unpaired surrogate 0x{:04X}: not valid {name}",
                        e.unpaired_surrogate()
                    ),
                ));
            }
        }
    }
    if bytes.len() % 2 == 1 {
        let pos = Locator::new(&text).at(text.len());
        return Err(malformed(
            path,
            &text,
            pos,
            format!("odd number of bytes: the {name} text is truncated"),
        ));
    }
    Ok(text)
}

// ---------------------------------------------------------------------------------------------
// Positions

/// Byte offset → 1-based line and column (in characters). Lines end at `\n`, so a CRLF file
/// counts the same as an LF one; the BOM is already gone, so column 1 is the first character.
struct Locator<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
    /// The last answer: positions are asked for mostly in increasing order, so counting
    /// characters restarts from here instead of from the line start (a 1 MB single-line
    /// attribute stays linear).
    last: (usize, u32, u32),
}

impl<'t> Locator<'t> {
    fn new(text: &'t str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Locator {
            text,
            line_starts,
            last: (0, 1, 1),
        }
    }

    fn at(&mut self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let idx = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let line_start = self.line_starts[idx];
        let line = idx as u32 + 1;
        let (from, col) = match self.last {
            (o, l, c) if l == line && o <= offset && o >= line_start => (o, c),
            _ => (line_start, 1),
        };
        let col = col + self.text[from..offset].chars().count() as u32;
        self.last = (offset, line, col);
        (line, col)
    }

    fn span(&mut self, offset: usize, len_text: &str) -> Span {
        let (line, column) = self.at(offset);
        let first_line = len_text.split('\n').next().unwrap_or("");
        Span {
            line,
            column,
            len: first_line.trim_end_matches('\r').chars().count() as u32,
        }
    }
}

/// Where `sub` (a slice borrowed from `text`) starts in `text`, if it is borrowed from it.
fn offset_in(text: &str, sub: &[u8]) -> Option<usize> {
    let start = text.as_ptr() as usize;
    let p = sub.as_ptr() as usize;
    (p >= start && p + sub.len() <= start + text.len()).then(|| p - start)
}

// ---------------------------------------------------------------------------------------------
// The document walk

/// Which element we are inside, for the parts of web.config ANCM reads. `applies` is false in a
/// `<location>` for another path: its content is walked but not collected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    Configuration,
    Location {
        applies: bool,
    },
    WebServer {
        applies: bool,
    },
    Handlers,
    /// `primary` is false for a second `aspNetCore` section (reported, not read).
    AspNetCore {
        primary: bool,
    },
    RecycleOnFileChange {
        primary: bool,
    },
    EnvironmentVariables {
        primary: bool,
    },
    HandlerSettings {
        primary: bool,
    },
    Other,
}

#[derive(Default)]
struct Collected {
    location: Option<LocationElement>,
    other_locations: Vec<LocationElement>,
    /// The `<location>` being walked, until we know whether it holds system.webServer.
    open_location: Option<LocationElement>,
    handlers: Vec<Handler>,
    aspnetcore: Option<AspNetCoreSection>,
    seen_handlers: bool,
    duplicate_sections: Vec<Located<String>>,
}

/// One attribute as written: name, decoded value, and spans of both.
struct Attr {
    name: String,
    value: String,
    name_span: Span,
    value_span: Span,
}

impl Attr {
    fn located(&self) -> Located<String> {
        Located {
            value: self.value.clone(),
            span: self.value_span,
        }
    }
}

struct Parser<'a> {
    path: &'a Path,
    text: &'a str,
    loc: Locator<'a>,
    out: Collected,
}

impl<'a> Parser<'a> {
    fn err(&mut self, offset: usize, message: impl Into<String>) -> WebConfigError {
        let pos = self.loc.at(offset);
        malformed(self.path, self.text, pos, message)
    }

    fn run(&mut self) -> Result<(), WebConfigError> {
        let text = self.text;
        let mut reader = Reader::from_str(text);
        {
            let c = reader.config_mut();
            c.check_end_names = true;
            c.check_comments = true;
            c.expand_empty_elements = false;
            c.trim_text(false);
        }
        // Iterative walk: nesting depth costs one small frame each, never stack.
        let mut stack: Vec<(Frame, usize)> = Vec::new();
        let mut root_done = false;
        loop {
            let start = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    let at = reader.error_position() as usize;
                    let msg = one_line(&e.to_string());
                    let msg = ["ill-formed document: ", "syntax error: "]
                        .iter()
                        .fold(msg.as_str(), |m, p| m.strip_prefix(p).unwrap_or(m))
                        .to_string();
                    return Err(self.err(at, format!("not well-formed XML: {msg}")));
                }
            };
            match event {
                Event::Start(e) | Event::Empty(e) if root_done => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    return Err(self.err(
                        start,
                        format!("second root element `<{name}>`: a web.config has one `<configuration>`"),
                    ));
                }
                Event::Start(e) => {
                    let parent = stack.last().map(|(f, _)| *f);
                    let frame = self.element(parent, &e, start)?;
                    stack.push((frame, start));
                }
                Event::Empty(e) => {
                    let parent = stack.last().map(|(f, _)| *f);
                    let frame = self.element(parent, &e, start)?;
                    self.close(frame);
                    if stack.is_empty() {
                        root_done = true;
                    }
                }
                Event::End(_) => {
                    if let Some((frame, _)) = stack.pop() {
                        self.close(frame);
                    }
                    if stack.is_empty() {
                        root_done = true;
                    }
                }
                Event::Text(t) if stack.is_empty() => {
                    if let Some(i) = t.iter().position(|b| !b.is_ascii_whitespace()) {
                        return Err(self.err(
                            start + i,
                            "text outside the root element: not an XML configuration file",
                        ));
                    }
                }
                Event::CData(_) if stack.is_empty() => {
                    return Err(self.err(start, "CDATA outside the root element"));
                }
                Event::Eof => {
                    if let Some((_, open_at)) = stack.last() {
                        let open_at = *open_at;
                        let (line, col) = self.loc.at(open_at);
                        let name = tag_name_at(text, open_at);
                        return Err(self.err(
                            text.len(),
                            format!("unexpected end of file: `<{name}>` opened at {line}:{col} is not closed"),
                        ));
                    }
                    if !root_done {
                        return Err(self.err(
                            text.len(),
                            "no root element: web.config needs `<configuration>`",
                        ));
                    }
                    return Ok(());
                }
                // Comments, processing instructions, the XML declaration, DOCTYPE, text and
                // CDATA inside elements: nothing ANCM reads.
                _ => {}
            }
        }
    }

    /// Handles one start (or empty) element and returns the frame for its content.
    fn element(
        &mut self,
        parent: Option<Frame>,
        e: &BytesStart<'_>,
        start: usize,
    ) -> Result<Frame, WebConfigError> {
        let name_bytes = e.name();
        let name = std::str::from_utf8(name_bytes.as_ref()).unwrap_or("");
        let span = self.loc.span(start, &format!("<{name}"));
        // Element and attribute names are case-sensitive in IIS configuration.
        let frame = match (parent, name) {
            (None, "configuration") => Frame::Configuration,
            (None, other) => {
                return Err(self.err(
                    start,
                    format!("the root element is `<{other}>`; IIS expects `<configuration>`"),
                ))
            }
            (Some(Frame::Configuration), "location") => {
                let attrs = self.attributes(e, start)?;
                let path = find(&attrs, "path");
                let applies = path
                    .as_ref()
                    .map_or(true, |p| matches!(p.value.trim(), "" | "."));
                self.out.open_location = Some(LocationElement {
                    path,
                    inherit_in_child_applications: find(&attrs, "inheritInChildApplications"),
                    span,
                });
                Frame::Location { applies }
            }
            (Some(Frame::Configuration), "system.webServer") => Frame::WebServer { applies: true },
            (Some(Frame::Location { applies }), "system.webServer") => {
                if applies && self.out.location.is_none() {
                    self.out.location = self.out.open_location.clone();
                }
                Frame::WebServer { applies }
            }
            (Some(Frame::WebServer { applies: true }), "handlers") => {
                if self.out.seen_handlers {
                    self.out.duplicate_sections.push(Located {
                        value: "system.webServer/handlers".into(),
                        span,
                    });
                }
                self.out.seen_handlers = true;
                Frame::Handlers
            }
            (Some(Frame::WebServer { applies: true }), "aspNetCore") => {
                let section = self.aspnetcore(e, start, span)?;
                let primary = self.out.aspnetcore.is_none();
                if primary {
                    self.out.aspnetcore = Some(section);
                } else {
                    self.out.duplicate_sections.push(Located {
                        value: "system.webServer/aspNetCore".into(),
                        span,
                    });
                }
                Frame::AspNetCore { primary }
            }
            (Some(Frame::Handlers), "add") => {
                let attrs = self.attributes(e, start)?;
                self.out.handlers.push(Handler {
                    name: find(&attrs, "name"),
                    path: find(&attrs, "path"),
                    verb: find(&attrs, "verb"),
                    modules: find(&attrs, "modules"),
                    resource_type: find(&attrs, "resourceType"),
                    span,
                });
                Frame::Other
            }
            (Some(Frame::Handlers), "remove") => {
                let attrs = self.attributes(e, start)?;
                if let Some(n) = find(&attrs, "name") {
                    // Collection keys compare case-insensitively in IIS configuration.
                    self.out.handlers.retain(|h| {
                        !h.name
                            .as_ref()
                            .is_some_and(|hn| hn.value.eq_ignore_ascii_case(&n.value))
                    });
                }
                Frame::Other
            }
            (Some(Frame::Handlers), "clear") => {
                self.out.handlers.clear();
                Frame::Other
            }
            (Some(Frame::AspNetCore { primary }), "environmentVariables") => {
                Frame::EnvironmentVariables { primary }
            }
            (Some(Frame::AspNetCore { primary }), "handlerSettings") => {
                Frame::HandlerSettings { primary }
            }
            (Some(Frame::EnvironmentVariables { primary: true }), "environmentVariable") => {
                let attrs = self.attributes(e, start)?;
                let (name, value) = name_value(&attrs, span);
                if let Some(s) = self.out.aspnetcore.as_mut() {
                    s.unknown_attributes
                        .extend(entry_extras("environmentVariable", &attrs));
                    s.environment_variables
                        .push(EnvironmentVariable { name, value });
                }
                Frame::Other
            }
            (Some(Frame::HandlerSettings { primary: true }), "handlerSetting") => {
                let attrs = self.attributes(e, start)?;
                let (name, value) = name_value(&attrs, span);
                if let Some(s) = self.out.aspnetcore.as_mut() {
                    s.unknown_attributes
                        .extend(entry_extras("handlerSetting", &attrs));
                    s.handler_settings.push(HandlerSetting { name, value });
                }
                Frame::Other
            }
            (Some(Frame::EnvironmentVariables { primary: true }), "clear") => {
                if let Some(s) = self.out.aspnetcore.as_mut() {
                    s.environment_variables.clear();
                }
                Frame::Other
            }
            (Some(Frame::HandlerSettings { primary: true }), "clear") => {
                if let Some(s) = self.out.aspnetcore.as_mut() {
                    s.handler_settings.clear();
                }
                Frame::Other
            }
            (Some(Frame::AspNetCore { primary }), "recycleOnFileChange") => {
                Frame::RecycleOnFileChange { primary }
            }
            (Some(Frame::RecycleOnFileChange { .. }), "file" | "clear") => {
                self.attributes(e, start)?;
                Frame::Other
            }
            // Anything else inside `aspNetCore` is not in ANCM's schema [SRC S1]: IIS answers
            // 500.19 "Unrecognized element" (e.g. `<add>` inside `environmentVariables`).
            (
                Some(
                    Frame::AspNetCore { primary: true }
                    | Frame::EnvironmentVariables { primary: true }
                    | Frame::HandlerSettings { primary: true }
                    | Frame::RecycleOnFileChange { primary: true },
                ),
                other,
            ) => {
                self.attributes(e, start)?;
                let parent = match parent {
                    Some(Frame::EnvironmentVariables { .. }) => "environmentVariables/",
                    Some(Frame::HandlerSettings { .. }) => "handlerSettings/",
                    Some(Frame::RecycleOnFileChange { .. }) => "recycleOnFileChange/",
                    _ => "",
                };
                let element = Located {
                    value: format!("{parent}{other}"),
                    span,
                };
                if let Some(s) = self.out.aspnetcore.as_mut() {
                    s.unknown_elements.push(element);
                }
                Frame::Other
            }
            _ => {
                // Not read, but still checked: IIS rejects a malformed attribute anywhere.
                self.attributes(e, start)?;
                Frame::Other
            }
        };
        Ok(frame)
    }

    /// Called when an element ends (or right away for `<x/>`).
    fn close(&mut self, frame: Frame) {
        if let Frame::Location { applies } = frame {
            if let Some(l) = self.out.open_location.take() {
                let chosen = self.out.location.as_ref().is_some_and(|c| c.span == l.span);
                if !applies && !chosen {
                    self.out.other_locations.push(l);
                }
            }
        }
    }

    fn aspnetcore(
        &mut self,
        e: &BytesStart<'_>,
        start: usize,
        span: Span,
    ) -> Result<AspNetCoreSection, WebConfigError> {
        let mut s = AspNetCoreSection {
            span,
            ..AspNetCoreSection::default()
        };
        for a in self.attributes(e, start)? {
            let slot = match a.name.as_str() {
                "processPath" => &mut s.process_path,
                "arguments" => &mut s.arguments,
                "hostingModel" => &mut s.hosting_model,
                "stdoutLogEnabled" => &mut s.stdout_log_enabled,
                "stdoutLogFile" => &mut s.stdout_log_file,
                "startupTimeLimit" => &mut s.startup_time_limit,
                "shutdownTimeLimit" => &mut s.shutdown_time_limit,
                "requestTimeout" => &mut s.request_timeout,
                "rapidFailsPerMinute" => &mut s.rapid_fails_per_minute,
                "processesPerApplication" => &mut s.processes_per_application,
                "forwardWindowsAuthToken" => &mut s.forward_windows_auth_token,
                "disableStartUpErrorPage" => &mut s.disable_start_up_error_page,
                _ => {
                    s.unknown_attributes.push(Located {
                        value: a.name.clone(),
                        span: a.name_span,
                    });
                    continue;
                }
            };
            *slot = Some(a.located());
        }
        Ok(s)
    }

    /// Every attribute of an element, decoded (entities, attribute-value normalisation), with
    /// the span of its value. Duplicate or malformed attributes are errors, as in IIS.
    fn attributes(
        &mut self,
        e: &BytesStart<'_>,
        start: usize,
    ) -> Result<Vec<Attr>, WebConfigError> {
        let text = self.text;
        // Attribute error positions count from the first byte after `<`.
        let base = start + 1;
        let mut out = Vec::new();
        for a in e.attributes().with_checks(true) {
            let a = match a {
                Ok(a) => a,
                Err(err) => {
                    use quick_xml::events::attributes::AttrError as E;
                    let (pos, msg) = match err {
                        E::ExpectedEq(p) => {
                            (p, "an attribute name must be followed by `=`".to_string())
                        }
                        E::ExpectedValue(p) => (p, "an attribute has no value".to_string()),
                        E::UnquotedValue(p) => {
                            (p, "an attribute value is not in quotes".to_string())
                        }
                        E::ExpectedQuote(p, q) => (
                            p,
                            format!("an attribute value is not closed with `{}`", q as char),
                        ),
                        E::Duplicated(p, _) => (p, "the same attribute appears twice".to_string()),
                    };
                    return Err(self.err(base + pos, format!("not well-formed XML: {msg}")));
                }
            };
            let name = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            let name_off = offset_in(text, a.key.as_ref()).unwrap_or(start);
            let raw = std::str::from_utf8(&a.value).unwrap_or("");
            let value_off = offset_in(text, &a.value).unwrap_or(name_off);
            if let Some(i) = raw.find('<') {
                return Err(self.err(
                    value_off + i,
                    format!("`<` in the value of `{name}` (write `&lt;`)"),
                ));
            }
            // XML attribute-value normalisation: literal line breaks and tabs read as spaces;
            // character references (`&#10;`) keep their character.
            let normalised = raw.replace("\r\n", " ").replace(['\t', '\n', '\r'], " ");
            let value = match quick_xml::escape::unescape(&normalised) {
                Ok(v) => v.into_owned(),
                Err(err) => {
                    let msg = one_line(&err.to_string());
                    return Err(self.err(
                        value_off,
                        format!("the value of `{name}` has a bad entity reference: {msg}"),
                    ));
                }
            };
            let name_span = self.loc.span(name_off, &name);
            let value_span = self.loc.span(value_off, raw);
            out.push(Attr {
                name,
                value,
                name_span,
                value_span,
            });
        }
        Ok(out)
    }
}

fn find(attrs: &[Attr], name: &str) -> Option<Located<String>> {
    attrs.iter().find(|a| a.name == name).map(Attr::located)
}

/// `name`/`value` of a collection entry; a missing one reads as empty at the element (the
/// checks report empty names, which IIS's schema rejects).
fn name_value(attrs: &[Attr], at: Span) -> (Located<String>, Located<String>) {
    let or_empty = |n: &str| {
        find(attrs, n).unwrap_or(Located {
            value: String::new(),
            span: at,
        })
    };
    (or_empty("name"), or_empty("value"))
}

/// Attributes of a collection entry other than `name` and `value` (the only two its schema
/// defines [SRC S1]), as `element/attribute` at the attribute name.
fn entry_extras<'x>(
    element: &'x str,
    attrs: &'x [Attr],
) -> impl Iterator<Item = Located<String>> + 'x {
    attrs
        .iter()
        .filter(|a| a.name != "name" && a.name != "value")
        .map(move |a| Located {
            value: format!("{element}/{}", a.name),
            span: a.name_span,
        })
}

fn tag_name_at(text: &str, at: usize) -> String {
    text.get(at + 1..)
        .unwrap_or("")
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .take(64)
        .collect()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
