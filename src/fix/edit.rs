//! Byte-preserving edits of web.config: an attribute value replaced, an attribute inserted after
//! another or removed, located from the reader's line:column spans in the decoded text, then
//! spliced into the file's original bytes in its own encoding (UTF-8 with or without BOM, UTF-16
//! LE/BE). Every byte outside the edited ranges is copied from the original, so comments,
//! attribute order and quoting, line endings and the BOM stay as they were.
//!
//! Pure: text and bytes in, bytes out.
use crate::deployment::web_config::{Span, TextEncoding};
use std::ops::Range;
use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum EditError {
    #[error("line {line}, column {column} is not in the file")]
    OutOfRange { line: u32, column: u32 },
    #[error("the text at line {line}, column {column} is not the attribute `{name}`")]
    NotAnAttribute {
        line: u32,
        column: u32,
        name: String,
    },
    #[error("two changes overlap at byte {at}")]
    Overlap { at: usize },
}

/// One change of the decoded text: `range` replaced by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Range<usize>,
    pub text: String,
}

/// The byte offset in `text` of a 1-based line and a 1-based column counted in characters (the
/// reader's [`Span`]); lines end at `\n`.
pub fn offset_of(text: &str, line: u32, column: u32) -> Result<usize, EditError> {
    let bad = EditError::OutOfRange { line, column };
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line as usize - 2)
            .map(|(i, _)| i + 1)
            .ok_or(bad.clone())?
    };
    let rest = &text[line_start..];
    let col = column.saturating_sub(1) as usize;
    match rest.char_indices().nth(col) {
        Some((i, _)) => Ok(line_start + i),
        None if rest.chars().count() == col => Ok(text.len()),
        None => Err(bad),
    }
}

/// An attribute as written: where its value is (between the quotes) and which quote it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeText {
    pub value: Range<usize>,
    pub quote: char,
    /// From the blank before the name to the closing quote: what removing it takes out.
    pub whole: Range<usize>,
}

/// Finds the attribute `name` whose value starts at `span` (the reader's value span).
pub fn attribute_at(text: &str, span: Span, name: &str) -> Result<AttributeText, EditError> {
    let start = offset_of(text, span.line, span.column)?;
    let not_it = || EditError::NotAnAttribute {
        line: span.line,
        column: span.column,
        name: name.to_string(),
    };
    let before = text.get(..start).ok_or_else(not_it)?;
    let quote = before
        .chars()
        .next_back()
        .filter(|c| *c == '"' || *c == '\'');
    let quote = quote.ok_or_else(not_it)?;
    let end = start + text[start..].find(quote).ok_or_else(not_it)?;
    // Back over `name = ` (XML allows blanks around `=`).
    let head = before[..before.len() - 1].trim_end_matches(is_xml_blank);
    let head = head.strip_suffix('=').ok_or_else(not_it)?;
    let head = head.trim_end_matches(is_xml_blank);
    let head = head.strip_suffix(name).ok_or_else(not_it)?;
    if !head.ends_with(is_xml_blank) {
        return Err(not_it());
    }
    let lead = head.trim_end_matches(is_xml_blank).len();
    Ok(AttributeText {
        value: start..end,
        quote,
        whole: lead..end + 1,
    })
}

fn is_xml_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// A value escaped for an attribute quoted with `quote`.
pub fn escape_value(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' if quote == '"' => out.push_str("&quot;"),
            '\'' if quote == '\'' => out.push_str("&apos;"),
            // Attribute-value normalisation would turn these into spaces.
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// The byte offset in the original file of a byte offset in its decoded text.
fn file_offset(text: &str, at: usize, encoding: TextEncoding) -> usize {
    match encoding {
        TextEncoding::Utf8 => at,
        TextEncoding::Utf8Bom => 3 + at,
        TextEncoding::Utf16Le | TextEncoding::Utf16Be => 2 + 2 * text[..at].encode_utf16().count(),
    }
}

fn encode(text: &str, encoding: TextEncoding) -> Vec<u8> {
    match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => text.as_bytes().to_vec(),
        TextEncoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        TextEncoding::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    }
}

/// Applies `edits` to the decoded `text` and to the file's `original` bytes at once: the new
/// text, and the new bytes with everything outside the edits copied from `original`.
pub fn apply(
    text: &str,
    original: &[u8],
    encoding: TextEncoding,
    edits: &[TextEdit],
) -> Result<(String, Vec<u8>), EditError> {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    for pair in sorted.windows(2) {
        if pair[1].range.start < pair[0].range.end {
            return Err(EditError::Overlap {
                at: pair[1].range.start,
            });
        }
    }
    let mut new_text = String::with_capacity(text.len() + 64);
    let mut new_bytes = Vec::with_capacity(original.len() + 128);
    let (mut t, mut b) = (0usize, 0usize);
    for e in sorted {
        let (bs, be) = (
            file_offset(text, e.range.start, encoding),
            file_offset(text, e.range.end, encoding),
        );
        new_text.push_str(&text[t..e.range.start]);
        new_text.push_str(&e.text);
        new_bytes.extend_from_slice(&original[b..bs]);
        new_bytes.extend_from_slice(&encode(&e.text, encoding));
        t = e.range.end;
        b = be;
    }
    new_text.push_str(&text[t..]);
    new_bytes.extend_from_slice(&original[b..]);
    Ok((new_text, new_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployment::web_config::parse;
    use std::path::Path;

    const XML: &str = "<?xml version=\"1.0\"?>\r\n<!-- keep -->\r\n<configuration>\r\n  <system.webServer>\r\n    <aspNetCore processPath = 'dotnet'\r\n       arguments=\"%LAUNCHER_ARGS%\" é=\"x\" />\r\n  </system.webServer>\r\n</configuration>\r\n";

    fn utf16le(s: &str) -> Vec<u8> {
        let mut b = vec![0xFF, 0xFE];
        b.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        b
    }

    #[test]
    fn finds_attributes_by_the_readers_spans_with_any_quoting() {
        let wc = parse(Path::new("web.config"), XML.as_bytes()).unwrap();
        let s = wc.aspnetcore.as_ref().unwrap();
        let pp = attribute_at(
            &wc.text,
            s.process_path.as_ref().unwrap().span,
            "processPath",
        )
        .unwrap();
        assert_eq!(&wc.text[pp.value.clone()], "dotnet");
        assert_eq!(pp.quote, '\'');
        assert_eq!(&wc.text[pp.whole.clone()], " processPath = 'dotnet'");
        let args = attribute_at(&wc.text, s.arguments.as_ref().unwrap().span, "arguments").unwrap();
        assert_eq!(
            &wc.text[args.whole.clone()],
            "\r\n       arguments=\"%LAUNCHER_ARGS%\""
        );
        assert!(attribute_at(&wc.text, s.arguments.as_ref().unwrap().span, "processPath").is_err());
    }

    #[test]
    fn utf16_edits_keep_every_other_byte() {
        let bytes = utf16le(XML);
        let wc = parse(Path::new("web.config"), &bytes).unwrap();
        let s = wc.aspnetcore.as_ref().unwrap();
        let args = attribute_at(&wc.text, s.arguments.as_ref().unwrap().span, "arguments").unwrap();
        let edits = [TextEdit {
            range: args.value.clone(),
            text: escape_value(r".\App.dll", args.quote),
        }];
        let (text, out) = apply(&wc.text, &bytes, wc.encoding, &edits).unwrap();
        assert_eq!(out, utf16le(&XML.replace("%LAUNCHER_ARGS%", r".\App.dll")));
        assert_eq!(text, XML.replace("%LAUNCHER_ARGS%", r".\App.dll"));
        let again = parse(Path::new("web.config"), &out).unwrap();
        assert_eq!(
            again.aspnetcore.unwrap().arguments.unwrap().value,
            r".\App.dll"
        );
    }

    #[test]
    fn escapes_for_the_quote_in_use() {
        assert_eq!(escape_value(r#"a"b'&<"#, '"'), "a&quot;b'&amp;&lt;");
        assert_eq!(escape_value(r#"a"b'"#, '\''), "a\"b&apos;");
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let e = |r: Range<usize>| TextEdit {
            range: r,
            text: String::new(),
        };
        assert!(matches!(
            apply("abcdef", b"abcdef", TextEncoding::Utf8, &[e(0..3), e(2..4)]),
            Err(EditError::Overlap { .. })
        ));
    }

    #[test]
    fn offsets_count_characters() {
        assert_eq!(offset_of("aé\nxyz", 1, 3), Ok(3));
        assert_eq!(offset_of("aé\nxyz", 2, 2), Ok(5));
        assert!(offset_of("a", 3, 1).is_err());
    }
}
