//! The ASP.NET Core Module's entries in the Windows Application event log, in the XML shape
//! Windows renders events in (`wevtutil qe Application /f:xml`, `EvtRender` with
//! `EvtRenderEventXml`) and the shape Azure App Service writes to `%HOME%\LogFiles\eventlog.xml`:
//! `<Event><System><Provider Name='…'/><EventID Qualifiers='0'>1000</EventID><Level>2</Level>
//! <TimeCreated SystemTime='…'/><Computer>…</Computer></System><EventData><Data>…</Data>
//! </EventData></Event>`, one after another (wevtutil) or inside `<Events>` (Azure).
//!
//! [`parse`] is pure and runs on any OS; [`query_windows`] runs `wevtutil` (read-only: `qe` only
//! queries) on Windows. Providers and ids: ancm-reference.md §3.3.
use quick_xml::events::Event as XmlEvent;
use quick_xml::Reader;
use thiserror::Error;

/// The event sources ANCM registers (V2, IIS Express V2, V1, IIS Express V1; ancm-reference.md §3.3).
pub const PROVIDERS: &[&str] = &[
    "IIS AspNetCore Module V2",
    "IIS Express AspNetCore Module V2",
    "IIS AspNetCore Module",
    "IIS Express AspNetCore Module",
];

/// ANCM's event ids (V1 1000–1006, V2 1000–1037; the brief's window is 1000–1040).
pub const IDS: std::ops::RangeInclusive<u32> = 1000..=1040;

/// One event as rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventRecord {
    pub provider: String,
    pub event_id: u32,
    /// 1 critical, 2 error, 3 warning, 4 information (0 when absent).
    pub level: u8,
    /// `TimeCreated/@SystemTime` as written (UTC, ISO 8601).
    pub time: Option<String>,
    pub computer: Option<String>,
    /// `RenderingInfo/Message` when rendered, else the `EventData/Data` strings joined by newlines
    /// (ANCM reports its whole message as the insertion strings).
    pub message: String,
}

impl EventRecord {
    /// Whether this is one of the module's own entries.
    pub fn is_ancm(&self) -> bool {
        PROVIDERS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(self.provider.trim()))
            && IDS.contains(&self.event_id)
    }

    pub fn level_name(&self) -> &'static str {
        match self.level {
            1 => "critical",
            2 => "error",
            3 => "warning",
            4 | 0 => "information",
            _ => "verbose",
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EventLogError {
    #[error("line {line}: not event XML: {message}")]
    Malformed { line: u32, message: String },
}

#[derive(Default)]
struct Building {
    record: EventRecord,
    data: Vec<String>,
    rendered: Option<String>,
}

/// Every `<Event>` in `xml`, in document order. Elements other than those read are skipped;
/// namespaces and quote style do not matter.
pub fn parse(xml: &str) -> Result<Vec<EventRecord>, EventLogError> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut current: Option<Building> = None;
    let mut text = String::new();
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| EventLogError::Malformed {
            line: xml.as_bytes()[..pos.min(xml.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u32
                + 1,
            message: e.to_string(),
        })?;
        match ev {
            XmlEvent::Start(ref e) | XmlEvent::Empty(ref e) => {
                let empty = matches!(ev, XmlEvent::Empty(_));
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "Event" {
                    current = Some(Building::default());
                }
                if let Some(b) = current.as_mut() {
                    let attr = |key: &str| {
                        e.attributes().flatten().find_map(|a| {
                            (a.key.local_name().as_ref() == key.as_bytes())
                                .then(|| a.unescape_value().ok().map(|v| v.into_owned()))
                                .flatten()
                        })
                    };
                    match name.as_str() {
                        "Provider" => {
                            if let Some(n) = attr("Name").or_else(|| attr("EventSourceName")) {
                                b.record.provider = n;
                            }
                        }
                        "TimeCreated" => b.record.time = attr("SystemTime"),
                        _ => {}
                    }
                }
                text.clear();
                if !empty {
                    path.push(name);
                }
            }
            XmlEvent::Text(t) => {
                if let Ok(s) = t.unescape() {
                    text.push_str(&s);
                }
            }
            XmlEvent::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            XmlEvent::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let parent = path.len().checked_sub(2).map(|i| path[i].as_str());
                if let Some(b) = current.as_mut() {
                    let value = text.trim();
                    match (parent, name.as_str()) {
                        (Some("System"), "EventID") => {
                            b.record.event_id = value.parse().unwrap_or(0);
                        }
                        (Some("System"), "Level") => b.record.level = value.parse().unwrap_or(0),
                        (Some("System"), "Computer") if !value.is_empty() => {
                            b.record.computer = Some(value.to_string())
                        }
                        (Some("EventData"), "Data") if !value.is_empty() => {
                            b.data.push(value.to_string())
                        }
                        (Some("RenderingInfo"), "Message") if !value.is_empty() => {
                            b.rendered = Some(value.to_string())
                        }
                        (_, "Event") => {
                            if let Some(mut b) = current.take() {
                                b.record.message = b.rendered.unwrap_or_else(|| b.data.join("\n"));
                                out.push(b.record);
                            }
                        }
                        _ => {}
                    }
                }
                text.clear();
                path.pop();
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The XPath query `wevtutil` gets: ANCM's providers, ids 1000–1040.
pub fn query_xpath() -> String {
    let providers: Vec<String> = PROVIDERS.iter().map(|p| format!("@Name='{p}'")).collect();
    format!(
        "*[System[Provider[{}] and (EventID>={} and EventID<={})]]",
        providers.join(" or "),
        IDS.start(),
        IDS.end()
    )
}

/// The newest `max` ANCM entries of this machine's Application log, through `wevtutil qe`
/// (which only reads). `Err` says why the log could not be read.
#[cfg(windows)]
pub fn query_windows(max: u32) -> Result<Vec<EventRecord>, String> {
    let out = std::process::Command::new("wevtutil")
        .args([
            "qe".to_string(),
            "Application".to_string(),
            format!("/q:{}", query_xpath()),
            "/f:xml".to_string(),
            "/rd:true".to_string(),
            format!("/c:{max}"),
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("`wevtutil` could not be run: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "`wevtutil qe Application` failed ({}): {}",
            out.status,
            err.trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    parse(&text).map_err(|e| format!("`wevtutil` output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape `wevtutil qe Application /f:xml` prints: one `<Event>` per line, single quotes,
    /// the namespace on each event, no root element.
    const WEVTUTIL: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='IIS AspNetCore Module V2'/><EventID Qualifiers='0'>1000</EventID><Version>0</Version><Level>3</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime='2026-11-30T21:14:03.1234567Z'/><EventRecordID>4711</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/><Channel>Application</Channel><Computer>WEB01</Computer><Security/></System><EventData><Data>Application &apos;/LM/W3SVC/2/ROOT&apos; with physical root &apos;C:\\inetpub\\shop\\&apos; failed to start process with commandline &apos;\"dotnet\" .\\Shop.dll&apos; at stage &apos;PostStartCheck&apos;, ErrorCode = &apos;0x8027025b&apos;, assigned port 23456, retryCounter &apos;1&apos;.</Data><Data>Process Id: 5120.</Data><Data>File Version: 18.0.24141.0. Description: IIS ASP.NET Core Module V2. Commit: abc</Data></EventData></Event>\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Application Error'/><EventID Qualifiers='0'>1000</EventID><Level>2</Level><TimeCreated SystemTime='2026-11-30T21:15:00.0000000Z'/><Computer>WEB01</Computer></System><EventData><Data>w3wp.exe</Data></EventData></Event>\r\n";

    /// Azure App Service `D:\home\LogFiles\eventlog.xml`: an `<Events>` root, double quotes.
    const AZURE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Events>
  <Event>
    <System>
      <Provider Name="IIS AspNetCore Module V2"/>
      <EventID>1018</EventID>
      <Level>1</Level>
      <Task>0</Task>
      <Keywords>Keywords</Keywords>
      <TimeCreated SystemTime="2026-11-29T08:00:01Z"/>
      <EventRecordID>1282578593</EventRecordID>
      <Channel>Application</Channel>
      <Computer>RD0003FF4B1C2E</Computer>
      <Security/>
    </System>
    <EventData>
      <Data>Application '/LM/W3SVC/1234/ROOT' with physical root 'D:\home\site\wwwroot\' hit unexpected managed exception, exception code = '0xe0434352'. First 30KB characters of captured stdout and stderr logs:
Unhandled exception. System.InvalidOperationException: No connection string named 'Db'
   at Program.Main()
Process Id: 1234.
File Version: 18.0.24141.0. Description: IIS ASP.NET Core Module V2 Request Handler. Commit: abc</Data>
    </EventData>
  </Event>
</Events>"#;

    #[test]
    fn reads_wevtutil_output() {
        let events = parse(WEVTUTIL).unwrap();
        assert_eq!(events.len(), 2);
        let e = &events[0];
        assert!(e.is_ancm());
        assert_eq!(e.event_id, 1000);
        assert_eq!(e.level_name(), "warning");
        assert_eq!(e.time.as_deref(), Some("2026-11-30T21:14:03.1234567Z"));
        assert_eq!(e.computer.as_deref(), Some("WEB01"));
        assert!(e.message.starts_with(
            "Application '/LM/W3SVC/2/ROOT' with physical root 'C:\\inetpub\\shop\\'"
        ));
        assert!(e.message.contains("\nProcess Id: 5120."));
        // `Application Error` 1000 (a crash of w3wp) is not the module's.
        assert!(!events[1].is_ancm());
    }

    #[test]
    fn reads_azure_eventlog_xml() {
        let events = parse(AZURE).unwrap();
        assert_eq!(events.len(), 1);
        assert!(events[0].is_ancm());
        assert_eq!(events[0].event_id, 1018);
        assert_eq!(events[0].level_name(), "critical");
        assert!(events[0]
            .message
            .contains("Unhandled exception. System.InvalidOperationException"));
    }

    #[test]
    fn a_rendered_message_wins_over_the_insertion_strings() {
        let xml = "<Event><System><Provider Name='IIS AspNetCore Module V2'/><EventID>1012</EventID></System><EventData><Data>x</Data></EventData><RenderingInfo Culture='en-US'><Message>Application '/LM/W3SVC/1/ROOT' was recycled after detecting app_offline.htm.</Message></RenderingInfo></Event>";
        let events = parse(xml).unwrap();
        assert_eq!(
            events[0].message,
            "Application '/LM/W3SVC/1/ROOT' was recycled after detecting app_offline.htm."
        );
    }

    #[test]
    fn malformed_xml_names_the_line() {
        let err = parse("<Events>\n<Event><System></Event>").unwrap_err();
        assert!(
            matches!(err, EventLogError::Malformed { line: 2, .. }),
            "{err}"
        );
        assert!(parse("").unwrap().is_empty());
        assert!(parse("not xml at all").unwrap().is_empty());
    }

    #[test]
    fn the_query_names_every_provider() {
        let q = query_xpath();
        for p in PROVIDERS {
            assert!(q.contains(p));
        }
        assert!(q.contains("EventID>=1000 and EventID<=1040"));
    }
}
