//! The run-time state of IIS application pools from `appcmd.exe list apppool /xml`, which
//! applicationHost.config does not hold (it has only `autoStart`; ancm-reference.md §5 row 2).
//!
//! Pure parsing only: `windows.rs` runs appcmd and hands its output here. The output is
//! `<appcmd><APPPOOL APPPOOL.NAME="…" PipelineMode="…" RuntimeVersion="…" state="Started" />…
//! </appcmd>` — one element per object, its identity and key properties as attributes
//! (IIS 7.0 Resource Kit, "Understanding Appcmd Output": `/xml` emits the objects as XML for
//! scripts; the same shape as `list app /xml`'s `<APP APP.NAME=… APPPOOL.NAME=…/>`).
use quick_xml::events::Event;
use quick_xml::Reader;
use serde::{Deserialize, Serialize};

/// One pool's state as appcmd reports it: `Started`, `Stopped`, `Starting`, `Stopping`,
/// `Unknown` (the WMI `GetState` values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPoolState {
    pub name: String,
    pub state: String,
}

impl AppPoolState {
    /// The pool is stopped (or stopping): IIS answers 503 for its apps.
    pub fn is_stopped(&self) -> bool {
        self.state.eq_ignore_ascii_case("Stopped") || self.state.eq_ignore_ascii_case("Stopping")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AppcmdError {
    #[error("appcmd output is not XML: {0}")]
    Xml(String),
    #[error("appcmd output has no `<appcmd>` root element")]
    NotAppcmd,
}

/// Parses `appcmd list apppool /xml`. Pools without a name are skipped; a pool without a
/// `state` attribute is `Unknown`.
pub fn parse_apppools(xml: &[u8]) -> Result<Vec<AppPoolState>, AppcmdError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut saw_root = false;
    let mut out = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = e.name();
                if name.as_ref().eq_ignore_ascii_case(b"appcmd") {
                    saw_root = true;
                } else if saw_root && name.as_ref().eq_ignore_ascii_case(b"APPPOOL") {
                    let mut pool = None;
                    let mut state = None;
                    for a in e.attributes().flatten() {
                        let value = a
                            .unescape_value()
                            .map(|v| v.into_owned())
                            .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
                        let key = a.key.as_ref();
                        if key.eq_ignore_ascii_case(b"APPPOOL.NAME") {
                            pool = Some(value);
                        } else if key.eq_ignore_ascii_case(b"state") {
                            state = Some(value);
                        }
                    }
                    if let Some(name) = pool.filter(|n| !n.is_empty()) {
                        out.push(AppPoolState {
                            name,
                            state: state.unwrap_or_else(|| "Unknown".into()),
                        });
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(AppcmdError::Xml(e.to_string())),
        }
        buf.clear();
    }
    if !saw_root {
        return Err(AppcmdError::NotAppcmd);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pools_and_states() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<appcmd>
    <APPPOOL APPPOOL.NAME="DefaultAppPool" PipelineMode="Integrated" RuntimeVersion="v4.0" state="Started" />
    <APPPOOL APPPOOL.NAME="Shop &amp; Co" PipelineMode="Integrated" RuntimeVersion="" state="Stopped" />
    <APPPOOL APPPOOL.NAME="NoState" />
    <APPPOOL PipelineMode="Integrated" />
</appcmd>"#;
        let pools = parse_apppools(xml).unwrap();
        assert_eq!(pools.len(), 3);
        assert_eq!(pools[0].state, "Started");
        assert!(!pools[0].is_stopped());
        assert_eq!(pools[1].name, "Shop & Co");
        assert!(pools[1].is_stopped());
        assert_eq!(pools[2].state, "Unknown");
    }

    #[test]
    fn rejects_what_is_not_appcmd_output() {
        assert_eq!(
            parse_apppools(b"ERROR ( message:Cannot find APPPOOL object )"),
            Err(AppcmdError::NotAppcmd)
        );
        assert!(
            parse_apppools(b"<appcmd><APPPOOL APPPOOL.NAME=\"x\" state=\"Started\"></appcmd>")
                .is_err()
        );
        assert_eq!(parse_apppools(b"<appcmd></appcmd>"), Ok(vec![]));
    }
}
