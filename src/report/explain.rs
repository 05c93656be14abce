//! `ancm explain` rendered for a person: a catalog entry (its Markdown rendered for a terminal,
//! its citations as the public sources they stand for) and what a pasted code or message means
//! (a bare code lists its alternative readings; a message's parts are read together). Only
//! formats: the CLI decides colour and width and does the I/O.
use super::markdown::{inline_for_terminal, to_terminal, wrap, Terminal};
use crate::catalog::Entry;
use crate::knowledge::citation::for_users;
use crate::knowledge::{Explanation, Family, Message, MessageKind, Reading};

/// How `explain` output looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// Columns to wrap at.
    pub width: usize,
    /// Whether a code's fields (meaning, cause, fix …) wrap at `width` too: on a terminal; in a
    /// pipe each stays one line, for `grep`.
    pub wrap_fields: bool,
}

impl Style {
    fn term(self) -> Terminal {
        Terminal { color: self.color }
    }

    fn bold(self, s: &str) -> String {
        if self.color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// A catalog entry: id and title, its front matter as fields, then its sections.
pub fn catalog_entry(entry: &Entry, style: Style) -> String {
    let m = &entry.meta;
    let title = inline_for_terminal(&format!("{}: {}", m.id, m.title), style.term());
    let mut text = format!("{}\n", style.bold(&title));
    let width = if style.wrap_fields { style.width } else { 0 };
    let mut field = |label: &str, value: &str| {
        let first = format!("  {label:<9} ");
        let value = inline_for_terminal(value, Terminal { color: style.color });
        text.push_str(&wrap(&value, width, &first, &" ".repeat(first.len())));
    };
    field("severity:", &m.severity);
    if !m.explains.is_empty() {
        let symptoms: Vec<String> = m
            .explains
            .iter()
            .map(|s| {
                match crate::knowledge::lookup(s)
                    .into_iter()
                    .find(|e| e.code == *s)
                {
                    Some(e) => format!("{s} ({})", e.name),
                    None => s.clone(),
                }
            })
            .collect();
        field("explains:", &symptoms.join("; "));
    }
    field("since:", &m.since);
    if let Some(r) = &m.removed {
        field("removed:", r);
    }
    text.push('\n');
    text.push_str(&to_terminal(
        &for_users(entry.body),
        style.width,
        style.term(),
    ));
    text
}

/// What `input` means: the readings of a code, or the parts of a message read together.
pub fn reading(input: &str, reading: &Reading, style: Style) -> String {
    match reading {
        Reading::Code(hits) => code_readings(input, hits, style),
        Reading::Message(m) => message(m, style),
    }
}

fn code_readings(input: &str, hits: &[Explanation], style: Style) -> String {
    let mut text = String::new();
    if hits.len() > 1 {
        text.push_str(&format!(
            "`{}` has {} readings:\n\n",
            input.trim(),
            hits.len()
        ));
    }
    for (i, h) in hits.iter().enumerate() {
        let number = if hits.len() > 1 {
            format!("{}. ", i + 1)
        } else {
            String::new()
        };
        let line = inline_for_terminal(&format!("{number}{}", headline(h)), style.term());
        text.push_str(&style.bold(&line));
        text.push('\n');
        fields(&mut text, h, style);
        text.push('\n');
    }
    text.trim_end().to_string()
}

fn headline(h: &Explanation) -> String {
    let title = h.title();
    let family = h.family.as_str();
    if title.contains(family) {
        title
    } else {
        format!("{title} ({family})")
    }
}

fn fields(text: &mut String, h: &Explanation, style: Style) {
    let mut field = |label: &str, value: &str| {
        if value.is_empty() {
            return;
        }
        let first = format!("   {label:<8} ");
        let rest = " ".repeat(first.chars().count());
        let value = inline_for_terminal(&for_users(value), style.term());
        let width = if style.wrap_fields { style.width } else { 0 };
        text.push_str(&wrap(&value, width, &first, &rest));
    };
    if let Some(r) = &h.reading {
        field("read as:", r);
    }
    field("forms:", &h.forms.join(" | "));
    field("meaning:", &h.meaning);
    field("cause:", &h.cause);
    field("fix:", &h.fix);
    field("source:", &h.source);
    if h.family == Family::HttpStatus {
        let checks: Vec<&str> = crate::catalog::entries()
            .iter()
            .filter(|e| e.meta.removed.is_none() && e.meta.explains.contains(&h.code))
            .map(|e| e.meta.id.as_str())
            .collect();
        field("checks:", &checks.join(", "));
    }
}

/// One message: a line that reads its parts together, then each part in its role.
fn message(m: &Message, style: Style) -> String {
    let mut text = String::new();
    let summary: Vec<String> = m
        .parts
        .iter()
        .map(|p| match &p.explanation {
            Some(e) if !e.name.is_empty() && e.name != e.code => {
                format!("{} {} ({})", p.role.label(), p.written, e.name)
            }
            _ => format!("{} {}", p.role.label(), p.written),
        })
        .collect();
    let together = match (m.kind, m.parts.as_slice()) {
        (MessageKind::IisLog, [status, win32]) => format!(
            "IIS answered {} and logged Win32 error {} as what failed",
            status.written, win32.written
        ),
        (MessageKind::AncmV1ErrorCode, [hr, exit]) => format!(
            "ANCM V1 could not start the app ({}) because the process exited with {}",
            hr.written, exit.written
        ),
        _ => String::new(),
    };
    text.push_str(&style.bold(&format!("{}, read as one message", m.kind.label())));
    text.push('\n');
    let summary = inline_for_terminal(&summary.join("; "), style.term());
    text.push_str(&wrap(&summary, style.width, "  ", "  "));
    if !together.is_empty() {
        text.push_str(&wrap(&together, style.width, "  = ", "    "));
    }
    for p in &m.parts {
        text.push('\n');
        match &p.explanation {
            Some(e) => {
                let line = format!("{}: {}", p.role.label(), headline(e));
                text.push_str(&style.bold(&inline_for_terminal(&line, style.term())));
                text.push('\n');
                fields(&mut text, e, style);
            }
            None => {
                text.push_str(&format!(
                    "{}: {} (not a code ancm knows)\n",
                    p.role.label(),
                    p.written
                ));
            }
        }
    }
    text.trim_end().to_string()
}
