//! Citations as a user may read them. The catalog (`checks/*.md`) and the code tables cite the
//! project's reference notes (`shared/reference/ancm-reference.md` §5 row 21 …) so a developer
//! can check each fact; those notes do not ship with the binary, so text shown to a user names
//! what the notes themselves cite — Microsoft's documentation and source, the .NET host, GitHub
//! issues — instead of a file and section the user cannot open. Pure string work, no I/O.
use regex::Regex;
use std::sync::OnceLock;

/// The reference notes, and the public sources each one summarises (their own §0 source lists).
const NOTES: &[(&str, &str)] = &[
    (
        "ancm-reference",
        "the ASP.NET Core Module docs and source (dotnet/AspNetCore.Docs `host-and-deploy/iis`, dotnet/aspnetcore `src/Servers/IIS`)",
    ),
    (
        "ancm-protocol",
        "the ASP.NET Core Module V2 source (dotnet/aspnetcore `src/Servers/IIS/AspNetCoreModuleV2`)",
    ),
    (
        "hostfxr",
        "the .NET host source and design docs (dotnet/runtime `src/native/corehost`, `docs/design/features`)",
    ),
    (
        "publish-iis",
        "the .NET SDK's `web.config` transform at publish (Microsoft.NET.Sdk.Publish)",
    ),
    ("peers", "reports of other diagnostic tools and users"),
    (
        "real-aspnetcore",
        "measured against Microsoft's Kestrel and IIS integration (ancm's real-app tests)",
    ),
];

/// What "the seed article" (the project's founding reading) is, for a reader who has not read it.
const SEED_ARTICLE: &str =
    "the article \"Running ASP.NET Core Applications with IIS and Antares (Azure Websites)\"";

fn mention() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let names: Vec<&str> = NOTES.iter().map(|(n, _)| *n).collect();
        // A note's name, with or without its folder and backticks, then the sections cited in
        // it (`§5 rows 14, 32`, `§7.2–7.3`, `§2.2 step 4`, `failure catalog #7`), which point
        // into the note and mean nothing without it.
        let section = r"(?:\s*,?\s*(?:§\s*[0-9][0-9.]*(?:\s*[–-]\s*§?[0-9][0-9.]*)?(?:\s+(?:rows?|step)\s+[0-9]+(?:\s*[–-]\s*[0-9]+)?(?:\s*,\s*[0-9]+(?:\s*[–-]\s*[0-9]+)?)*)?|failure catalog(?:\s*#[0-9]+,?)+))";
        Regex::new(&format!(
            r"`?(?:\.\./)?(?:shared/)?(?:reference/)?(?:{})\.md`?{section}*",
            names.join("|")
        ))
        .expect("a valid pattern")
    })
}

/// A section of a note cited after a parenthetical (`ancm-protocol.md §3.4 (cleanup …), §3.5`):
/// only the notes use `§`.
fn stray_section() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\s*,?\s*§\s*[0-9][0-9.]*(?:\s*[–-]\s*§?[0-9][0-9.]*)?(?:\s+(?:rows?|step)\s+[0-9]+(?:\s*[–-]\s*[0-9]+)?(?:\s*,\s*[0-9]+(?:\s*[–-]\s*[0-9]+)?)*)?")
            .expect("a valid pattern")
    })
}

fn tags() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // The notes' provenance tags (`[DOC D8]`, `[SRC S2]`, `[ISSUE I2]`) name rows of their own
    // source table.
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"\s*\[(?:DOC|SRC|ISSUE|INFER|COMMUNITY|TEST|MEM|BLOG)(?:\s+[A-Z][0-9]+(?:\s*[,–-]\s*[A-Z]?[0-9]+)*)?\]",
            // … and bare ids in parentheses: `(D4)`, `(issues I2)`, `(D6, D7, S13)`.
            r"|\s*\((?:issues?\s+)?[DSI][0-9]+(?:\s*[,–-]\s*[DSI]?[0-9]+)*\)"
        ))
        .expect("a valid pattern")
    })
}

/// `text` with every mention of a reference note replaced by the public sources it stands for.
/// The same source named twice in a row (`hostfxr.md §1; hostfxr.md §7`) is said once.
pub fn for_users(text: &str) -> String {
    let seed = text
        .replace(
            "The seed article's comments",
            &format!("The comments on {SEED_ARTICLE}"),
        )
        .replace(
            "the seed article's comments",
            &format!("the comments on {SEED_ARTICLE}"),
        )
        .replace("The seed article", &capitalize(SEED_ARTICLE))
        .replace("the seed article", SEED_ARTICLE);
    let untagged = tags().replace_all(&seed, "");
    let mut out = String::new();
    let mut last = 0;
    let mut last_label: Option<&str> = None;
    for m in mention().find_iter(&untagged) {
        if m.start() < last {
            continue;
        }
        let name = NOTES
            .iter()
            .find(|(n, _)| m.as_str().contains(&format!("{n}.md")))
            .map(|(_, label)| *label)
            .unwrap_or_default();
        let between = &untagged[last..m.start()];
        let adjacent = between
            .trim_matches(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .is_empty();
        let after = untagged[m.end()..].trim_start();
        if after.starts_with("(dotnet/") || after.starts_with("(aspnet/") {
            // The note is followed by the public source it read (`hostfxr.md §2 (dotnet/runtime
            // …)`): that source alone is the citation.
            out.push_str(between);
            let close = after.find(')').unwrap_or(after.len());
            out.push_str(&after[1..close]);
            last = untagged.len() - after.len() + (close + 1).min(after.len());
            last_label = None;
            continue;
        }
        if adjacent && last_label == Some(name) {
            // Drop the repeat and the separator before it.
            out.push_str(
                between.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ';'),
            );
        } else {
            out.push_str(between);
            out.push_str(name);
        }
        // Keep the whitespace the section list swallowed at its end (a line break, a space).
        let matched = m.as_str();
        let trailing = &matched[matched.trim_end().len()..];
        out.push_str(trailing);
        last_label = Some(name);
        last = m.end();
    }
    out.push_str(&untagged[last..]);
    if last > 0 {
        out = stray_section().replace_all(&out, "").into_owned();
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Whether `text` still points a user at a file that does not ship with the binary.
pub fn cites_unshipped_file(text: &str) -> bool {
    text.contains("shared/reference")
        || text.contains("seed article")
        || NOTES.iter().any(|(n, _)| text.contains(&format!("{n}.md")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_and_its_sections_become_the_public_source() {
        let s = for_users("ancm-reference.md §5 row 21; winerror.h");
        assert_eq!(
            s,
            "the ASP.NET Core Module docs and source (dotnet/AspNetCore.Docs `host-and-deploy/iis`, dotnet/aspnetcore `src/Servers/IIS`); winerror.h"
        );
        let s = for_users("- `shared/reference/hostfxr.md` §3 (roll-forward algorithm), §4 (where the host looks)\n- next");
        assert!(s.starts_with("- the .NET host source"), "{s}");
        assert!(s.contains("(roll-forward algorithm)"), "{s}");
        assert!(s.ends_with("\n- next"), "{s}");
        assert!(!cites_unshipped_file(&s), "{s}");
    }

    #[test]
    fn a_repeat_is_said_once_and_tags_go() {
        let s = for_users(
            "ancm-protocol.md §3.3, §3.5, §8; ancm-protocol.md §4.9 [SRC S8]; winerror.h",
        );
        assert_eq!(s.matches("Module V2 source").count(), 1, "{s}");
        assert!(!s.contains("[SRC"), "{s}");
        assert!(s.ends_with("; winerror.h"), "{s}");
    }

    #[test]
    fn a_note_followed_by_its_public_source_becomes_that_source() {
        let s = for_users(
            "hostfxr.md §2 (dotnet/runtime src/native/corehost/error_codes.h); winerror.h",
        );
        assert_eq!(
            s,
            "dotnet/runtime src/native/corehost/error_codes.h; winerror.h"
        );
    }

    #[test]
    fn sections_after_a_parenthetical_go_too() {
        let s = for_users("ancm-protocol.md §3.4 (cleanup), §3.5 (early exit); winerror.h");
        assert_eq!(
            s,
            "the ASP.NET Core Module V2 source (dotnet/aspnetcore `src/Servers/IIS/AspNetCoreModuleV2`) (cleanup) (early exit); winerror.h"
        );
    }

    #[test]
    fn the_seed_article_is_named() {
        let s = for_users("- The seed article: \"app_offline.htm\"");
        assert!(
            s.contains("Running ASP.NET Core Applications with IIS"),
            "{s}"
        );
        assert!(!cites_unshipped_file(&s));
        let s = for_users("- The seed article's comments: \"Virtual directories\"");
        assert!(!cites_unshipped_file(&s), "{s}");
    }

    /// The texts a report shows as they are (a finding's message, cause, fix or hint, unlike
    /// `explain`'s `source:` line, which is rewritten): none may point at a reference note.
    #[test]
    fn texts_shown_unrewritten_cite_no_unshipped_file() {
        use crate::knowledge::{crash, host_status, hresult, http, managed_exception};
        let mut texts: Vec<&str> = Vec::new();
        for c in hresult::CODES {
            texts.extend([c.meaning, c.cause, c.fix]);
        }
        for c in http::SYMPTOMS {
            texts.extend([c.title, c.meaning, c.cause, c.fix]);
        }
        for c in host_status::CODES {
            texts.extend([c.meaning, c.fix]);
        }
        for c in crash::CODES {
            texts.extend([c.meaning, c.cause, c.fix]);
        }
        for (_, hint) in managed_exception::HINTS {
            texts.push(hint);
        }
        assert!(texts.len() > 50);
        for t in texts {
            assert!(!cites_unshipped_file(t), "{t}");
        }
    }
}
