//! Catalog Markdown as plain text: for a terminal (`ancm explain`) and SARIF's `text` fields.
//! Paragraphs are re-flowed to `width` columns, list items keep a `-` bullet, emphasis and link
//! syntax go (a link prints as `text (url)`). Code spans keep their backticks in plain text (the
//! project's way of marking identifiers there); on a colour terminal they are coloured instead,
//! and headings are bold lines above their indented section.
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// `md` as plain text wrapped at `width` columns (0: no wrapping).
pub fn to_plain(md: &str, width: usize) -> String {
    render(md, width, None)
}

/// How a terminal shows Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    /// ANSI colour and bold (else plain text with backticks).
    pub color: bool,
}

const BOLD: &str = "\x1b[1m";
const CODE: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// `md` for a terminal `width` columns wide: headings as their own (bold) lines, the text under
/// them indented by two, code spans coloured (or in backticks without colour), no Markdown syntax.
pub fn to_terminal(md: &str, width: usize, term: Terminal) -> String {
    render(md, width, Some(term))
}

/// `text`'s inline code spans (`` `x` ``) coloured for a terminal; unchanged without colour.
pub fn inline_for_terminal(text: &str, term: Terminal) -> String {
    if !term.color {
        return text.to_string();
    }
    let mut out = String::new();
    let mut parts = text.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    // An odd count of backticks leaves the last one unpaired: keep it as written.
    let paired = rest.len() - rest.len() % 2;
    for (i, p) in rest.iter().enumerate() {
        if i >= paired {
            out.push('`');
            out.push_str(p);
        } else if i % 2 == 0 {
            out.push_str(CODE);
            out.push_str(p);
            out.push_str(RESET);
        } else {
            out.push_str(p);
        }
    }
    out
}

fn render(md: &str, width: usize, term: Option<Terminal>) -> String {
    let color = term.is_some_and(|t| t.color);
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
    // Rows of the table being read; a table becomes one pre-formatted block.
    let mut table: Vec<Vec<String>> = Vec::new();
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES) {
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
                if term.is_some() {
                    flush(&mut blocks, &mut cur, "#");
                } else {
                    cur.push(':');
                    flush(&mut blocks, &mut cur, &prefix);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => link_dest.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(d) = link_dest.pop() {
                    if !d.is_empty() && !cur.ends_with(d.as_str()) {
                        cur.push_str(&format!(" ({d})"));
                    }
                }
            }
            Event::Start(Tag::Table(_)) => {
                flush(&mut blocks, &mut cur, &prefix);
                table.clear();
            }
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => table.push(Vec::new()),
            Event::End(TagEnd::TableCell) => {
                let cell = std::mem::take(&mut cur).trim().to_string();
                if let Some(row) = table.last_mut() {
                    row.push(cell);
                }
            }
            Event::End(TagEnd::Table) => {
                blocks.push(("|".into(), table_text(&table, width, color)));
                table.clear();
            }
            Event::Start(Tag::CodeBlock(_)) => flush(&mut blocks, &mut cur, &prefix),
            Event::End(TagEnd::CodeBlock) => {
                let code = std::mem::take(&mut cur);
                blocks.push(("    ".into(), code.trim_end().to_string()));
            }
            Event::Text(t) => cur.push_str(&t),
            Event::Code(t) if color => {
                cur.push_str(CODE);
                cur.push_str(&t);
                cur.push_str(RESET);
            }
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
    // On a terminal the text under a heading is indented by two.
    let indent = if term.is_some() { "  " } else { "" };
    let mut under_heading = false;
    for (p, text) in blocks {
        if p == "#" {
            if !out.is_empty() {
                out.push('\n');
            }
            if color {
                out.push_str(&format!("{BOLD}{text}{RESET}\n"));
            } else {
                out.push_str(&text);
                out.push('\n');
            }
            under_heading = true;
            prev_item = false;
            continue;
        }
        let item = p == "- ";
        let after_heading = std::mem::take(&mut under_heading);
        if !(out.is_empty() || item && prev_item || after_heading) {
            out.push('\n');
        }
        prev_item = item;
        if p == "    " || p == "|" {
            let pad = if p == "|" { "" } else { "    " };
            for l in text.lines() {
                out.push_str(indent);
                out.push_str(pad);
                out.push_str(l);
                out.push('\n');
            }
            continue;
        }
        let first = format!("{indent}{p}");
        let rest = " ".repeat(first.chars().count());
        out.push_str(&wrap(&text, width, &first, &rest));
    }
    out.trim_end().to_string()
}

/// Greedy word wrap: `first` before the first line, `rest` before the others.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut line_has_word = false;
    for word in text.split_whitespace() {
        let len = visible_len(&line) + usize::from(line_has_word) + visible_len(word);
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

/// A table as aligned columns (the header bold, or underlined without colour); when it does not
/// fit `width`, one line per row: `- header: cell; header: cell`.
fn table_text(rows: &[Vec<String>], width: usize, color: bool) -> String {
    let Some((head, body)) = rows.split_first() else {
        return String::new();
    };
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(visible_len(cell));
        }
    }
    let total: usize = widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1) + 4;
    let mut out = String::new();
    if width == 0 || total <= width {
        let line = |row: &[String]| -> String {
            let cells: Vec<String> = (0..columns)
                .map(|i| {
                    let c = row.get(i).map(String::as_str).unwrap_or("");
                    format!("{c}{}", " ".repeat(widths[i] - visible_len(c)))
                })
                .collect();
            cells.join("  ").trim_end().to_string()
        };
        let header = line(head);
        if color {
            out.push_str(&format!("{BOLD}{header}{RESET}\n"));
        } else {
            out.push_str(&header);
            out.push('\n');
            out.push_str(&"-".repeat(visible_len(&header)));
            out.push('\n');
        }
        for row in body {
            out.push_str(&line(row));
            out.push('\n');
        }
    } else {
        for row in body {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.is_empty())
                .map(|(i, c)| match head.get(i).filter(|h| !h.is_empty()) {
                    Some(h) => format!("{h}: {c}"),
                    None => c.clone(),
                })
                .collect();
            out.push_str(&wrap(
                &cells.join("; "),
                width.saturating_sub(2),
                "- ",
                "  ",
            ));
        }
    }
    out.trim_end().to_string()
}

/// Columns `s` takes on a terminal: ANSI escape sequences (`ESC [ … m`) take none.
pub fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        if in_escape {
            in_escape = c != 'm';
        } else if c == '\x1b' {
            in_escape = true;
        } else {
            n += 1;
        }
    }
    n
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

    #[test]
    fn a_terminal_gets_headings_and_no_markdown_syntax() {
        let md = "## What it means\nThe `processPath` is [wrong](https://example.org).\n\n## How to fix\n- set it\n";
        let plain = to_terminal(md, 40, Terminal { color: false });
        assert_eq!(
            plain,
            "What it means\n  The `processPath` is wrong\n  (https://example.org).\n\nHow to fix\n  - set it",
            "{plain}"
        );
        let colored = to_terminal(md, 40, Terminal { color: true });
        assert!(
            !colored.contains('`') && !colored.contains("##"),
            "{colored}"
        );
        assert!(
            colored.contains("\x1b[1mWhat it means\x1b[0m"),
            "{colored:?}"
        );
        assert!(
            colored.contains("\x1b[36mprocessPath\x1b[0m"),
            "{colored:?}"
        );
        assert!(colored.lines().all(|l| visible_len(l) <= 40), "{colored}");
        assert_eq!(
            inline_for_terminal("set `a` and `b", Terminal { color: true }),
            "set \x1b[36ma\x1b[0m and `b"
        );
    }
}
