//! The human report: one line per check in pipeline order (✓ ⚠ ✗), each finding with its
//! web.config line and a caret under the position, the IIS symptom and the fix; then a summary
//! line and a numbered "next steps" list of the fixes for what failed (then what warned).
//! Only formats: the colour and glyph decisions arrive in [`RenderOptions`].
use super::{evidence_value, RenderOptions, Report};
use crate::diagnostic::{CheckResult, Finding, Level, Outcome};
use colored::{ColoredString, Colorize, Styles};
use std::fmt::Write;

struct Glyphs {
    pass: &'static str,
    warn: &'static str,
    fail: &'static str,
    skip: &'static str,
    arrow: &'static str,
    bar: &'static str,
}

const UNICODE: Glyphs = Glyphs {
    pass: "✓",
    warn: "⚠",
    fail: "✗",
    skip: "-",
    arrow: "-->",
    bar: "│",
};
const ASCII: Glyphs = Glyphs {
    pass: "ok",
    warn: "!!",
    fail: "XX",
    skip: "--",
    arrow: "-->",
    bar: "|",
};

/// Styles `s` with a `colored` style when `opts.color` says so. The escape codes are written here
/// rather than by `ColoredString`'s `Display`, which re-decides from NO_COLOR and whether stdout
/// is a terminal (so `--color always | less -R` would lose colour) and whose override is global
/// (two renders with different options would race).
fn paint(s: &str, opts: &RenderOptions, f: fn(&str) -> ColoredString) -> String {
    if !opts.color || s.is_empty() {
        return s.to_string();
    }
    let styled = f(s);
    let mut codes: Vec<String> = Vec::new();
    for (style, code) in [
        (Styles::Bold, "1"),
        (Styles::Dimmed, "2"),
        (Styles::Italic, "3"),
        (Styles::Underline, "4"),
    ] {
        if styled.style.contains(style) {
            codes.push(code.to_string());
        }
    }
    if let Some(fg) = styled.fgcolor {
        codes.push(fg.to_fg_str().into_owned());
    }
    if codes.is_empty() {
        return s.to_string();
    }
    format!("\x1b[{}m{s}\x1b[0m", codes.join(";"))
}

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let g = if opts.unicode { &UNICODE } else { &ASCII };
    let mut out = String::new();
    let _ = write!(out, "ancm doctor {}", report.app_dir.display());
    if report.host != "probe" {
        // A saved snapshot: say so, the machine facts are not this machine's.
        let _ = write!(out, " (host facts from {})", report.host);
    }
    let _ = writeln!(out);
    let _ = writeln!(out);
    for check in &report.checks {
        render_check(&mut out, check, g, opts);
    }
    let s = report.summary;
    let line = format!(
        "{} check{}: {} passed, {} warned, {} failed, {} skipped",
        report.checks.len(),
        if report.checks.len() == 1 { "" } else { "s" },
        s.passed,
        s.warned,
        s.failed,
        s.skipped
    );
    let _ = writeln!(out);
    let painted = if s.failed > 0 {
        paint(&line, opts, |x| x.red().bold())
    } else if s.warned > 0 {
        paint(&line, opts, |x| x.yellow().bold())
    } else {
        paint(&line, opts, |x| x.green().bold())
    };
    let _ = writeln!(out, "{painted}");
    render_next_steps(&mut out, report, opts);
    out
}

/// The fixes to apply, failures first, each once, tagged with its check id; plus where to read
/// more about the IIS symptoms involved.
fn render_next_steps(out: &mut String, report: &Report, opts: &RenderOptions) {
    let mut steps: Vec<(String, &str)> = Vec::new();
    let mut symptoms: Vec<&str> = Vec::new();
    for wanted in [Level::Error, Level::Warning] {
        for check in &report.checks {
            for f in check.findings.iter().filter(|f| f.level == wanted) {
                if let Some(fix) = &f.fix {
                    if !steps.iter().any(|(_, s)| *s == fix.as_str()) {
                        let tag = match wanted {
                            Level::Error => format!("[{}]", check.id),
                            _ => format!("[{}, warning]", check.id),
                        };
                        steps.push((tag, fix.as_str()));
                    }
                }
                if let Some(sym) = &f.symptom {
                    if !symptoms.contains(&sym.as_str()) {
                        symptoms.push(sym.as_str());
                    }
                }
            }
        }
    }
    if steps.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", paint("next steps:", opts, |x| x.bold()));
    for (i, (tag, fix)) in steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}. {fix} {}",
            i + 1,
            paint(tag, opts, |x| x.dimmed())
        );
    }
    if !symptoms.is_empty() {
        let commands: Vec<String> = symptoms
            .iter()
            .map(|s| format!("`ancm explain {s}`"))
            .collect();
        let _ = writeln!(out, "  more on the IIS errors: {}", commands.join(", "));
    }
}

fn render_check(out: &mut String, check: &CheckResult, g: &Glyphs, opts: &RenderOptions) {
    let (glyph, paint_fn): (&str, fn(&str) -> ColoredString) = match check.outcome {
        Outcome::Pass => (g.pass, |x| x.green()),
        Outcome::Warn => (g.warn, |x| x.yellow()),
        Outcome::Fail => (g.fail, |x| x.red()),
        Outcome::Skip => (g.skip, |x| x.dimmed()),
    };
    let _ = write!(out, "{} {}", paint(glyph, opts, paint_fn), check.title);
    let _ = write!(
        out,
        " {}",
        paint(&format!("[{}]", check.id), opts, |x| x.dimmed())
    );
    if let Some(reason) = &check.skip_reason {
        let _ = write!(
            out,
            " {}",
            paint(&format!("(skipped: {reason})"), opts, |x| x.dimmed())
        );
    }
    let _ = writeln!(out);
    for f in &check.findings {
        // Notes explain a pass; they are noise unless asked for (`--verbose`).
        if f.level == Level::Note && !opts.verbose && check.outcome == Outcome::Pass {
            continue;
        }
        render_finding(out, f, g, opts);
    }
}

fn render_finding(out: &mut String, f: &Finding, g: &Glyphs, opts: &RenderOptions) {
    let label = match f.level {
        Level::Error => paint("error", opts, |x| x.red().bold()),
        Level::Warning => paint("warning", opts, |x| x.yellow().bold()),
        Level::Note => paint("note", opts, |x| x.cyan()),
    };
    let label = match &f.accepted {
        Some(_) => paint("accepted", opts, |x| x.dimmed()) + " " + &label,
        None => label,
    };
    let _ = write!(out, "    {label}: {}", f.message);
    if let Some(sym) = &f.symptom {
        let _ = write!(
            out,
            " {}",
            paint(&format!("(IIS: {sym})"), opts, |x| x.bold())
        );
    }
    let _ = writeln!(out);
    if let Some(loc) = &f.location {
        let _ = writeln!(
            out,
            "      {} {}:{}:{}",
            paint(g.arrow, opts, |x| x.blue()),
            loc.file.display(),
            loc.line,
            loc.column
        );
        if let Some(src) = &loc.source_line {
            let num = loc.line.to_string();
            let pad = " ".repeat(num.len());
            let shown: String = src.replace('\t', " ");
            let _ = writeln!(out, "      {pad} {}", paint(g.bar, opts, |x| x.blue()));
            let _ = writeln!(
                out,
                "      {} {} {shown}",
                paint(&num, opts, |x| x.blue()),
                paint(g.bar, opts, |x| x.blue())
            );
            let col = loc.column.saturating_sub(1) as usize;
            let carets = "^".repeat(loc.len.max(1) as usize);
            let _ = writeln!(
                out,
                "      {pad} {} {}{}",
                paint(g.bar, opts, |x| x.blue()),
                " ".repeat(col),
                paint(&carets, opts, |x| x.red().bold())
            );
        }
    }
    for e in &f.evidence {
        let value = shorten(evidence_value(e, opts));
        let mut lines = value.lines();
        let first = if value.contains('\n') {
            ""
        } else {
            lines.next().unwrap_or("")
        };
        let _ = write!(
            out,
            "      {} {}: {}",
            paint("=", opts, |x| x.blue()),
            e.label,
            first
        );
        if let Some(loc) = &e.location {
            let _ = write!(out, " ({}:{}:{})", loc.file.display(), loc.line, loc.column);
        }
        let _ = writeln!(out);
        // Multi-line evidence (the host's own output) stays under its label, indented.
        for line in lines {
            let _ = writeln!(out, "          {}", line.trim_end());
        }
    }
    if let Some(a) = &f.accepted {
        let _ = writeln!(
            out,
            "      {} {} ({})",
            paint("accepted:", opts, |x| x.dimmed()),
            a.reason,
            a.baseline.display()
        );
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(
            out,
            "      {} {fix}",
            paint("help:", opts, |x| x.green().bold())
        );
    }
}

/// Evidence longer than a screenful is cut in the human report (JSON keeps it whole): a 200 KB
/// `arguments` value must not bury the rest of the report.
const MAX_EVIDENCE_CHARS: usize = 2_000;

fn shorten(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(MAX_EVIDENCE_CHARS) {
        None => std::borrow::Cow::Borrowed(value),
        Some((cut, _)) => {
            let rest = value[cut..].chars().count();
            std::borrow::Cow::Owned(format!(
                "{}… ({rest} more characters; `--format json` has all)",
                &value[..cut]
            ))
        }
    }
}

#[cfg(test)]
mod evidence_tests {
    use super::*;
    use crate::diagnostic::{CheckResult, Finding};

    fn render_one(f: Finding) -> String {
        let r = Report::new(
            "app".into(),
            "probe".into(),
            vec![CheckResult::from_findings("x", "x", vec![f])],
        );
        render(&r, &RenderOptions::default())
    }

    #[test]
    fn multi_line_evidence_is_indented_under_its_label() {
        let out = render_one(Finding::error("boom").evidence("host output", "line one\nline two"));
        assert!(
            out.contains("      = host output: \n          line one\n          line two\n"),
            "{out}"
        );
    }

    #[test]
    fn huge_evidence_is_cut_in_the_human_report() {
        let out = render_one(Finding::error("boom").evidence("arguments", "x".repeat(10_000)));
        assert!(
            out.contains("… (8000 more characters; `--format json` has all)"),
            "{out}"
        );
        assert!(out.len() < 4_000);
    }
}
