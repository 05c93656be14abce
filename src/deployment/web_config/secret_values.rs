//! Where web.config's raw text holds secret values: the `value` of every `<environmentVariable>`
//! (the README's rule: web.config environment values are secrets). A tolerant byte scan rather
//! than the XML parser, so it also works on the malformed file whose code frame the `web-config`
//! check shows. Snippets mask exactly these ranges; nothing else in a line is touched.
use crate::diagnostic::REDACTED;

/// Byte ranges of the `value` attribute texts of `<environmentVariable>` tags (quotes excluded).
/// An unterminated value runs to the end of its tag (the next `<`) or of the text.
pub fn ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    const TAG: &str = "<environmentvariable";
    // ASCII lowercasing keeps byte offsets.
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    // Bytes, not `str` slices: the scan moves one byte at a time through non-ASCII text, and a
    // `str` slice there would panic off a character boundary (found by fuzzing web_config_parse).
    // `from` may pass the end: a value unterminated at the end of the text ends at its length.
    while let Some(found) = bytes
        .get(from..)
        .and_then(|rest| find_bytes(rest, TAG.as_bytes()))
    {
        let mut i = from + found + TAG.len();
        from = i;
        // `<environmentVariables>` (the collection) is not an entry.
        if bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        while i < bytes.len() && bytes[i] != b'>' && bytes[i] != b'<' {
            match bytes[i] {
                b'"' | b'\'' => {
                    // Another attribute's value: skip it whole.
                    i = skip_quoted(bytes, i);
                }
                _ if bytes[i..].starts_with(b"value")
                    && i > 0
                    && bytes[i - 1].is_ascii_whitespace() =>
                {
                    let mut j = i + "value".len();
                    while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                    if bytes.get(j) != Some(&b'=') {
                        i += 1;
                        continue;
                    }
                    j += 1;
                    while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                        j += 1;
                    }
                    match bytes.get(j) {
                        Some(&q) if q == b'"' || q == b'\'' => {
                            let start = j + 1;
                            let end = bytes[start..]
                                .iter()
                                .position(|&b| b == q || b == b'<')
                                .map_or(bytes.len(), |p| start + p);
                            if end > start {
                                out.push(start..end);
                            }
                            i = end + 1;
                        }
                        _ => i = j,
                    }
                }
                _ => i += 1,
            }
        }
        from = from.max(i);
    }
    out
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn skip_quoted(bytes: &[u8], at: usize) -> usize {
    let q = bytes[at];
    bytes[at + 1..]
        .iter()
        .position(|&b| b == q)
        .map_or(bytes.len(), |p| at + 1 + p + 1)
}

/// Line `line` (1-based, without its line end) of `text` with every secret value in it masked.
pub fn masked_line(text: &str, line: u32) -> Option<String> {
    let start = if line <= 1 {
        0
    } else {
        let mut seen = 1;
        let mut at = None;
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                seen += 1;
                if seen == line {
                    at = Some(i + 1);
                    break;
                }
            }
        }
        at?
    };
    let end = text[start..].find('\n').map_or(text.len(), |p| start + p);
    let mut out = String::new();
    let mut pos = start;
    for r in ranges(text) {
        let (a, b) = (r.start.max(start), r.end.min(end));
        if a >= b || a < pos {
            continue;
        }
        out.push_str(&text[pos..a]);
        out.push_str(REDACTED);
        pos = b;
    }
    out.push_str(&text[pos..end]);
    Some(out.trim_end_matches('\r').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_environment_variable_values_are_masked() {
        let text = "<environmentVariables>\r\n  <environmentVariable name=\"exit_value\" value=\"exit\" />\n  <add value=\"kept\" />\n  <environmentVariable value='s3cret' name=\"B\"/>\n</environmentVariables>";
        assert_eq!(
            masked_line(text, 2).unwrap(),
            "  <environmentVariable name=\"exit_value\" value=\"***\" />"
        );
        assert_eq!(masked_line(text, 3).unwrap(), "  <add value=\"kept\" />");
        assert_eq!(
            masked_line(text, 4).unwrap(),
            "  <environmentVariable value='***' name=\"B\"/>"
        );
        assert_eq!(masked_line(text, 9), None);
    }

    #[test]
    fn non_ascii_text_around_a_tag_does_not_panic() {
        // The fuzzer's input: a multi-byte character right after `<environmentVariable/`.
        let text = "<c<environmentVariable/\u{11c}ocation on>\n pa <locat";
        assert_eq!(ranges(text), Vec::<std::ops::Range<usize>>::new());
        assert!(masked_line(text, 1).is_some());
        let text = "<environmentVariable näme=\"ü\" \u{11c}value=\"sécret\" />";
        assert_eq!(
            masked_line(text, 1).unwrap(),
            "<environmentVariable näme=\"ü\" \u{11c}value=\"sécret\" />"
        );
        let text = "<environmentVariable näme=\"ü\" value=\"sécret\" />";
        assert_eq!(
            masked_line(text, 1).unwrap(),
            "<environmentVariable näme=\"ü\" value=\"***\" />"
        );
    }

    #[test]
    fn a_value_unterminated_at_the_end_of_the_text_does_not_panic() {
        // The fuzzer's second input, reduced: the value runs to the end of the text.
        let text = "<environmentVariable value=\"secret";
        assert_eq!(ranges(text), vec![28..34]);
        assert_eq!(
            masked_line(text, 1).unwrap(),
            "<environmentVariable value=\"***"
        );
    }

    #[test]
    fn a_malformed_value_is_masked_to_the_end_of_its_tag_and_across_lines() {
        // Unterminated quote: the parser fails here, and the snippet must not show the secret.
        let text = "<environmentVariable name=\"A\" value=\"hunter2 oops\n<next/>";
        assert_eq!(
            masked_line(text, 1).unwrap(),
            "<environmentVariable name=\"A\" value=\"***"
        );
        let text = "<environmentVariable name=\"A\"\n    value=\"multi\nline\" />";
        assert_eq!(masked_line(text, 2).unwrap(), "    value=\"***");
        assert_eq!(masked_line(text, 3).unwrap(), "***\" />");
    }
}
