//! Every element of the app's own `system.webServer` (the root one, or inside
//! `<location path=".">` / no path), with its attributes and position: what the server-level
//! checks compare with applicationHost.config (sections the server must declare or unlock, module
//! and handler removals, request limits). Pure: reads [`WebConfig::text`], already decoded.
use super::{Span, WebConfig};
use quick_xml::events::Event;
use quick_xml::Reader;

/// One element under `system.webServer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigElement {
    /// From the root, without `<location>`: `system.webServer/security/authentication/windowsAuthentication`.
    pub path: String,
    pub attributes: Vec<(String, String)>,
    /// The element's `<`.
    pub span: Span,
}

impl ConfigElement {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The last segment: `add`, `remove`, `clear`, `rule` …
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
    /// The path without the last segment.
    pub fn parent(&self) -> &str {
        self.path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
    }
}

/// The elements of the app's `system.webServer`, in document order. Unreadable XML yields what
/// was read before the error (the `web-config` check reports the error itself).
pub fn system_web_server(wc: &WebConfig) -> Vec<ConfigElement> {
    let text = wc.text.as_str();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let span_at = |pos: usize| {
        let line = line_starts.partition_point(|s| *s <= pos);
        let start = line_starts[line - 1];
        let column = text.get(start..pos).map(|s| s.chars().count()).unwrap_or(0) + 1;
        Span {
            line: line as u32,
            column: column as u32,
            len: 0,
        }
    };
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    // Depth at which a `<location>` for another path started: everything below is skipped.
    let mut foreign: Option<usize> = None;
    let mut out = Vec::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let (e, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(_)) => {
                stack.pop();
                if foreign.is_some_and(|d| stack.len() < d) {
                    foreign = None;
                }
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => continue,
        };
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let attributes: Vec<(String, String)> = e
            .attributes()
            .flatten()
            .filter_map(|a| {
                Some((
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    a.unescape_value().ok()?.into_owned(),
                ))
            })
            .collect();
        if name == "location" && foreign.is_none() {
            let path = attributes
                .iter()
                .find(|(k, _)| k == "path")
                .map(|(_, v)| v.trim().trim_matches(['/', '\\']).to_string())
                .unwrap_or_default();
            if !(path.is_empty() || path == "." || empty) {
                foreign = Some(stack.len() + 1);
            }
        }
        // Only elements under `system.webServer` are kept: look at the first element of the path
        // before collecting it, so deep nesting elsewhere stays linear (a 30,000-level web.config
        // is parsed, `tests/web_config_bad_input.rs`).
        let under_web_server = || {
            stack
                .iter()
                .map(String::as_str)
                .find(|s| *s != "location" && *s != "configuration")
                == Some("system.webServer")
        };
        if foreign.is_none() && under_web_server() {
            let mut segments: Vec<&str> = stack
                .iter()
                .map(String::as_str)
                .filter(|s| *s != "location" && *s != "configuration")
                .collect();
            segments.push(&name);
            // `<` is at `pos` or after leading whitespace text.
            let lt = text
                .get(pos..)
                .and_then(|t| t.find('<'))
                .map_or(pos, |o| pos + o);
            out.push(ConfigElement {
                path: segments.join("/"),
                attributes,
                span: span_at(lt),
            });
        }
        if !empty {
            stack.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wc(xml: &str) -> WebConfig {
        super::super::parse(std::path::Path::new("web.config"), xml.as_bytes()).unwrap()
    }

    #[test]
    fn lists_the_apps_elements_with_positions_and_skips_other_locations() {
        let w = wc(r#"<configuration>
  <location path="." inheritInChildApplications="false">
    <system.webServer>
      <rewrite><rules><rule name="r" /></rules></rewrite>
      <modules><remove name="WebDAVModule" /></modules>
    </system.webServer>
  </location>
  <location path="admin">
    <system.webServer><security><authentication><windowsAuthentication enabled="true" /></authentication></security></system.webServer>
  </location>
</configuration>"#);
        let els = system_web_server(&w);
        let paths: Vec<&str> = els.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "system.webServer/rewrite",
                "system.webServer/rewrite/rules",
                "system.webServer/rewrite/rules/rule",
                "system.webServer/modules",
                "system.webServer/modules/remove",
            ]
        );
        let rw = &els[0];
        assert_eq!((rw.span.line, rw.span.column), (4, 7));
        assert_eq!(els[4].attr("name"), Some("WebDAVModule"));
        assert_eq!(els[4].name(), "remove");
        assert_eq!(els[4].parent(), "system.webServer/modules");
    }
}
