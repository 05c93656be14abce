//! Catalog Markdown as plain text: for a terminal (`ancm explain`) and SARIF's `text` fields.
//! Paragraphs are re-flowed to `width` columns, list items keep a `-` bullet, code spans keep
//! their backticks (the project's way of marking identifiers in plain text), emphasis and link
//! syntax go (a link prints as `text (url)`).
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// `md` as plain text wrapped at `width` columns (0: no wrapping).
pub fn to_plain(md: &str, width: usize) -> String {
    let mut blocks: Vec<(String, String)> = Vec::new(); // (first-line prefix, text)
    let mut cur = String::new();
    let mut prefix = String::new();
    let mut link_dest: Vec<String> = Vec::new();
    let flush = |blocks: &mut Vec<(String, String)>, cur: &mut String, prefix: &str| {
        let text = cur.trim().to_string();
        if !text.is_empty() {
            blocks.push((prefix.to_string(), text));
        }
        cur.clear();
    };
    for ev in Parser::new(md) {
        match ev {
            Event::Start(Tag::Item) => {
                flush(&mut blocks, &mut cur, &prefix);
                prefix = "- ".into();
            }
            Event::End(TagEnd::Item) => {
                flush(&mut blocks, &mut cur, &prefix);
                prefix.clear();
            }
            Event::Start(Tag::Paragraph) | Event::Start(Tag::Heading { .. })
                if prefix.is_empty() =>
            {
                flush(&mut blocks, &mut cur, &prefix);
            }
            Event::End(TagEnd::Paragraph) => {
                if prefix.is_empty() {
                    flush(&mut blocks, &mut cur, &prefix);
                } else {
                    cur.push(' ');
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                cur.push(':');
                flush(&mut blocks, &mut cur, &prefix);
            }
            Event::Start(Tag::Link { dest_url, .. }) => link_dest.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(d) = link_dest.pop() {
                    if !d.is_empty() && !cur.ends_with(d.as_str()) {
                        cur.push_str(&format!(" ({d})"));
                    }
                }
            }
            Event::Start(Tag::CodeBlock(_)) => flush(&mut blocks, &mut cur, &prefix),
            Event::End(TagEnd::CodeBlock) => {
                let code = std::mem::take(&mut cur);
                blocks.push(("    ".into(), code.trim_end().to_string()));
            }
            Event::Text(t) => cur.push_str(&t),
            Event::Code(t) => {
                cur.push('`');
                cur.push_str(&t);
                cur.push('`');
            }
            Event::SoftBreak | Event::HardBreak => {
                cur.push(if prefix == "    " { '\n' } else { ' ' })
            }
            _ => {}
        }
    }
    flush(&mut blocks, &mut cur, &prefix);
    let mut out = String::new();
    let mut prev_item = false;
    for (p, text) in blocks {
        let item = p == "- ";
        if !(out.is_empty() || item && prev_item) {
            out.push('\n');
        }
        prev_item = item;
        if p == "    " {
            for l in text.lines() {
                out.push_str("    ");
                out.push_str(l);
                out.push('\n');
            }
            continue;
        }
        out.push_str(&wrap(&text, width, &p, &" ".repeat(p.len())));
    }
    out.trim_end().to_string()
}

/// Greedy word wrap: `first` before the first line, `rest` before the others.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut line_has_word = false;
    for word in text.split_whitespace() {
        let len = line.chars().count() + usize::from(line_has_word) + word.chars().count();
        if width > 0 && line_has_word && len > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            line_has_word = false;
        }
        if line_has_word {
            line.push(' ');
        }
        line.push_str(word);
        line_has_word = true;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_plain_wrapped_text() {
        let md =
            "With *emphasis* and `code`, a [link](https://example.org).\n\n- one\n  two\n- three\n";
        let text = to_plain(md, 30);
        assert!(!text.contains('*'), "{text}");
        assert!(!text.contains("]("), "{text}");
        assert!(text.contains("`code`"));
        assert!(text.contains("link (https://example.org)"), "{text}");
        assert!(text.contains("- one two\n- three"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 30), "{text}");
    }
}
