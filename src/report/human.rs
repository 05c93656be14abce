//! The human report, summary first (flutter doctor, brew doctor): a line per area — app files,
//! web.config, the .NET host, IIS and the module, the live probe — with ✓ ⚠ ✗; then the problems,
//! errors before warnings, each with its web.config line and a caret under the position, the IIS
//! symptom and the fix; the checks that need a Windows server folded into one line that says how
//! to judge them; then accepted findings, passes only with `-v`, the counts and the next steps.
//! `-q` keeps the area lines, the problems and the counts. Every line fits [`WIDTH`] columns
//! (long words — a path — may overflow). Only formats: colour and glyphs come in
//! [`RenderOptions`].
use super::areas::{self, Area};
use super::markdown::wrap;
use super::{evidence_value, RenderOptions, Report, HOST_NONE, HOST_PROBE};
use crate::diagnostic::{CheckResult, Finding, Level, Outcome};
use colored::{ColoredString, Colorize, Styles};
use std::fmt::Write;

/// The widest line the report prints.
pub const WIDTH: usize = 100;

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

fn outcome_glyph(o: Outcome, g: &Glyphs) -> (&'static str, fn(&str) -> ColoredString) {
    match o {
        Outcome::Pass => (g.pass, |x| x.green()),
        Outcome::Warn => (g.warn, |x| x.yellow()),
        Outcome::Fail => (g.fail, |x| x.red()),
        Outcome::Skip => (g.skip, |x| x.dimmed()),
    }
}

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let g = if opts.unicode { &UNICODE } else { &ASCII };
    let mut out = String::new();
    let _ = writeln!(out, "ancm doctor {}", report.app_dir.display());
    let _ = writeln!(out, "{}", paint(&provenance(report), opts, |x| x.dimmed()));
    let _ = writeln!(out);
    render_areas(&mut out, report, g, opts);

    let mut problems = false;
    for (level, heading) in [(Level::Error, "errors"), (Level::Warning, "warnings")] {
        let mut first = true;
        for c in &report.checks {
            for f in c
                .findings
                .iter()
                .filter(|f| f.level == level && f.accepted.is_none())
            {
                if first {
                    let _ = writeln!(out);
                    let _ = writeln!(out, "{}", paint(heading, opts, |x| x.bold()));
                    first = false;
                }
                problems = true;
                render_finding(&mut out, c, f, g, opts);
            }
        }
    }

    if !opts.quiet {
        render_accepted(&mut out, report, g, opts);
        render_not_judged(&mut out, report, opts);
        if opts.verbose {
            render_passes_and_skips(&mut out, report, g, opts);
        }
    }

    let s = report.summary;
    let mut line = format!(
        "{} check{}: {} passed, {} warned, {} failed, {} skipped",
        report.checks.len(),
        if report.checks.len() == 1 { "" } else { "s" },
        s.passed,
        s.warned,
        s.failed,
        s.skipped
    );
    if s.accepted > 0 {
        line.push_str(&format!(", {} accepted", s.accepted));
    }
    if !opts.verbose && !opts.quiet && (s.passed + s.skipped) > 0 {
        line.push_str(" (`-v` lists them)");
    }
    let _ = writeln!(out);
    let painted = if s.failed > 0 {
        paint(&line, opts, |x| x.red().bold())
    } else if s.warned > 0 {
        paint(&line, opts, |x| x.yellow().bold())
    } else {
        paint(&line, opts, |x| x.green().bold())
    };
    let _ = writeln!(out, "{painted}");
    if problems {
        render_next_steps(&mut out, report, opts);
    }
    out
}

/// Where the facts came from, in one line: which machine, whether the app was started.
fn provenance(report: &Report) -> String {
    let host = match report.host.as_str() {
        HOST_PROBE => "machine facts: this machine".to_string(),
        HOST_NONE => "machine facts: none (`--host none`)".to_string(),
        file => format!("machine facts: from the snapshot {file}"),
    };
    let live = match report.live_probe {
        super::LiveProbeRun::Ran => "; the app was started on this machine",
        _ => "",
    };
    format!("{host}{live}")
}

/// One line per area: its worst outcome and what it adds up to.
fn render_areas(out: &mut String, report: &Report, g: &Glyphs, opts: &RenderOptions) {
    let label_width = Area::ALL.iter().map(|a| a.label().len()).max().unwrap_or(0);
    for area in Area::ALL {
        let checks: Vec<&CheckResult> = report
            .checks
            .iter()
            .filter(|c| areas::area_of(c) == area)
            .collect();
        if checks.is_empty() && area != Area::LiveProbe {
            continue;
        }
        let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
        let (failed, warned, passed, skipped) = (
            count(Outcome::Fail),
            count(Outcome::Warn),
            count(Outcome::Pass),
            count(Outcome::Skip),
        );
        let server = checks.iter().filter(|c| areas::needs_server(c)).count();
        // An area these facts cannot judge is not "fine": no ✓ while server checks are open.
        let worst = if failed > 0 {
            Outcome::Fail
        } else if warned > 0 {
            Outcome::Warn
        } else if passed > 0 && server == 0 {
            Outcome::Pass
        } else {
            Outcome::Skip
        };
        let mut parts: Vec<String> = Vec::new();
        if failed > 0 {
            parts.push(format!("{failed} failed"));
        }
        if warned > 0 {
            parts.push(format!("{warned} warned"));
        }
        if passed > 0 {
            parts.push(format!("{passed} passed"));
        }
        if server > 0 {
            parts.push(if server == checks.len() {
                "not judged: needs the IIS server's facts (`--host FILE`)".to_string()
            } else {
                format!(
                    "{server} need{} the IIS server's facts",
                    if server == 1 { "s" } else { "" }
                )
            });
        }
        let other_skips = skipped - server;
        if other_skips > 0 {
            parts.push(format!("{other_skips} skipped"));
        }
        if area == Area::LiveProbe {
            parts = live_probe_summary(report, &checks);
        }
        let (glyph, f) = outcome_glyph(worst, g);
        let label = format!("{:<label_width$}", area.label());
        let lead = format!("  {} {label}  ", paint(glyph, opts, f));
        let text = parts.join(", ");
        let lead_len = 2 + glyph.chars().count() + 1 + label_width + 2;
        let pad = " ".repeat(lead_len);
        let wrapped = wrap(&text, WIDTH, &pad, &pad);
        let _ = write!(out, "{lead}{}", wrapped.get(pad.len()..).unwrap_or("\n"));
    }
}

fn live_probe_summary(report: &Report, checks: &[&CheckResult]) -> Vec<String> {
    match report.live_probe {
        super::LiveProbeRun::Skipped => vec!["not run (`--static`)".into()],
        super::LiveProbeRun::NotPossible => {
            vec!["not run: web.config does not say how to start the app".into()]
        }
        super::LiveProbeRun::Ran => {
            let Some(c) = checks.iter().find(|c| c.id == crate::live::PROBE_CHECK_ID) else {
                return vec!["ran".into()];
            };
            match c.outcome {
                Outcome::Pass => vec!["the app started and answered".into()],
                Outcome::Skip => vec![format!(
                    "could not run: {}",
                    c.skip_reason.as_deref().unwrap_or("no reason given")
                )],
                _ => {
                    let symptom = c
                        .findings
                        .iter()
                        .filter(|f| f.accepted.is_none())
                        .max_by_key(|f| f.level)
                        .and_then(|f| f.symptom.as_deref());
                    match symptom {
                        Some(s) => vec![format!("reproduced: IIS would answer {s}")],
                        None => vec!["found a problem".into()],
                    }
                }
            }
        }
    }
}

/// The checks these host facts cannot judge, folded into one line with the way to judge them.
fn render_not_judged(out: &mut String, report: &Report, opts: &RenderOptions) {
    let ids: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| areas::needs_server(c))
        .map(|c| c.id.as_str())
        .collect();
    if ids.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let head = format!(
        "not judged here: {} check{} need{} the IIS server's facts{}.",
        ids.len(),
        if ids.len() == 1 { "" } else { "s" },
        if ids.len() == 1 { "s" } else { "" },
        if opts.verbose {
            format!(" ({})", ids.join(", "))
        } else {
            String::new()
        }
    );
    let text =
        format!("{head} On the server run `ancm host --format json > server.json`, then here:");
    let mut block = wrap(&text, WIDTH, "", "  ");
    // The command on a line of its own, whole, so it can be copied.
    block.push_str(&format!(
        "  ancm doctor --host server.json {}\n",
        report.app_dir.display()
    ));
    let _ = write!(out, "{}", paint(&block, opts, |x| x.dimmed()));
}

fn render_accepted(out: &mut String, report: &Report, g: &Glyphs, opts: &RenderOptions) {
    let accepted: Vec<(&CheckResult, &Finding)> = report
        .checks
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
        .filter(|(_, f)| f.accepted.is_some())
        .collect();
    if accepted.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", paint("accepted (baseline)", opts, |x| x.bold()));
    for (c, f) in accepted {
        let reason = f.accepted.as_ref().map(|a| a.reason.as_str()).unwrap_or("");
        let text = format!("{} {}: {} — {reason}", g.skip, c.id, f.message);
        let _ = write!(out, "{}", wrap(&text, WIDTH, "  ", "      "));
    }
}

fn render_passes_and_skips(out: &mut String, report: &Report, g: &Glyphs, opts: &RenderOptions) {
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", paint("all checks", opts, |x| x.bold()));
    for c in &report.checks {
        let (glyph, f) = outcome_glyph(c.outcome, g);
        let mut text = format!("{} [{}]", c.title, c.id);
        if let Some(r) = &c.skip_reason {
            text.push_str(&format!(" (skipped: {r})"));
        }
        let lead = format!("  {} ", paint(glyph, opts, f));
        let pad = " ".repeat(3 + glyph.chars().count());
        let wrapped = wrap(&text, WIDTH, &pad, &pad);
        let _ = write!(out, "{lead}{}", wrapped.get(pad.len()..).unwrap_or("\n"));
        for n in c.findings.iter().filter(|f| f.level == Level::Note) {
            let _ = write!(
                out,
                "{}",
                wrap(
                    &format!("note: {}", n.message),
                    WIDTH,
                    &pad,
                    &format!("{pad}      ")
                )
            );
        }
    }
}

/// The fixes to apply, failures first, each once, tagged with its check id; plus where to read
/// more about the IIS symptoms involved.
fn render_next_steps(out: &mut String, report: &Report, opts: &RenderOptions) {
    let mut steps: Vec<(String, &str)> = Vec::new();
    let mut symptoms: Vec<&str> = Vec::new();
    for wanted in [Level::Error, Level::Warning] {
        for check in &report.checks {
            for f in check
                .findings
                .iter()
                .filter(|f| f.level == wanted && f.accepted.is_none())
            {
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
        let number = format!("  {}. ", i + 1);
        let text = format!("{fix} {tag}");
        let wrapped = wrap(&text, WIDTH, &number, &" ".repeat(number.len()));
        // The tag is dimmed after wrapping, so the escape codes do not count as width.
        let _ = write!(
            out,
            "{}",
            wrapped.replacen(tag.as_str(), &paint(tag, opts, |x| x.dimmed()), 1)
        );
    }
    if !symptoms.is_empty() {
        let commands: Vec<String> = symptoms
            .iter()
            .map(|s| format!("`ancm explain {s}`"))
            .collect();
        let text = format!("more on the IIS errors: {}", commands.join(", "));
        let _ = write!(out, "{}", wrap(&text, WIDTH, "  ", "    "));
    }
}

fn render_finding(
    out: &mut String,
    check: &CheckResult,
    f: &Finding,
    g: &Glyphs,
    opts: &RenderOptions,
) {
    let (glyph, label) = match f.level {
        Level::Error => (g.fail, paint("error", opts, |x| x.red().bold())),
        Level::Warning => (g.warn, paint("warning", opts, |x| x.yellow().bold())),
        Level::Note => (g.skip, paint("note", opts, |x| x.cyan())),
    };
    let mut text = format!("{glyph} {}: {}", check.id, f.message);
    if let Some(sym) = &f.symptom {
        text.push_str(&format!(" (IIS: {sym})"));
    }
    // The level word is implied by the section; the glyph carries it, coloured.
    let _ = label;
    let wrapped = wrap(&text, WIDTH, "  ", "      ");
    let painted_glyph = match f.level {
        Level::Error => paint(glyph, opts, |x| x.red().bold()),
        Level::Warning => paint(glyph, opts, |x| x.yellow().bold()),
        Level::Note => paint(glyph, opts, |x| x.cyan()),
    };
    let _ = write!(out, "{}", wrapped.replacen(glyph, &painted_glyph, 1));
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
            render_snippet(out, src, loc.line, loc.column, loc.len, g, opts);
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
        let mut text = format!("= {}: {first}", e.label);
        if let Some(loc) = &e.location {
            text.push_str(&format!(
                " ({}:{}:{})",
                loc.file.display(),
                loc.line,
                loc.column
            ));
        }
        let wrapped = wrap(&text, WIDTH, "      ", "          ");
        let _ = write!(
            out,
            "{}",
            wrapped.replacen('=', &paint("=", opts, |x| x.blue()), 1)
        );
        // Multi-line evidence (the host's own output) stays under its label, indented.
        for line in lines {
            let _ = writeln!(out, "          {}", line.trim_end());
        }
    }
    if let Some(fix) = &f.fix {
        let wrapped = wrap(&format!("help: {fix}"), WIDTH, "      ", "            ");
        let _ = write!(
            out,
            "{}",
            wrapped.replacen("help:", &paint("help:", opts, |x| x.green().bold()), 1)
        );
    }
}

/// The source line with a caret run under the position; a line wider than the report is cut
/// around the position, with `…` where text was left out.
fn render_snippet(
    out: &mut String,
    src: &str,
    line: u32,
    column: u32,
    len: u32,
    g: &Glyphs,
    opts: &RenderOptions,
) {
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    let chars: Vec<char> = src.replace('\t', " ").chars().collect();
    let col = column.saturating_sub(1) as usize;
    let len = len.max(1) as usize;
    let room = WIDTH.saturating_sub(6 + num.len() + 3).max(20);
    let (shown, caret_at) = if chars.len() <= room {
        (chars.iter().collect::<String>(), col)
    } else {
        let start = if col + len < room - 1 {
            0
        } else {
            col.saturating_sub(room / 3)
        };
        let end = (start + room - usize::from(start > 0) - 1).min(chars.len());
        let mut s = String::new();
        if start > 0 {
            s.push('…');
        }
        s.extend(&chars[start..end]);
        if end < chars.len() {
            s.push('…');
        }
        (s, col - start + usize::from(start > 0))
    };
    let carets = "^".repeat(len.min(room.saturating_sub(caret_at)).max(1));
    let _ = writeln!(out, "      {pad} {}", paint(g.bar, opts, |x| x.blue()));
    let _ = writeln!(
        out,
        "      {} {} {shown}",
        paint(&num, opts, |x| x.blue()),
        paint(g.bar, opts, |x| x.blue())
    );
    let _ = writeln!(
        out,
        "      {pad} {} {}{}",
        paint(g.bar, opts, |x| x.blue()),
        " ".repeat(caret_at),
        paint(&carets, opts, |x| x.red().bold())
    );
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
            out.contains("      = host output:\n          line one\n          line two\n"),
            "{out}"
        );
    }

    #[test]
    fn huge_evidence_is_cut_in_the_human_report() {
        let out = render_one(Finding::error("boom").evidence("arguments", "x".repeat(10_000)));
        assert!(
            out.contains("8000 more characters; `--format json` has all)"),
            "{out}"
        );
        assert!(out.len() < 4_000);
    }

    #[test]
    fn a_long_source_line_is_cut_around_the_caret() {
        let src = format!("{}<aspNetCore processPath=\"bad\" />", " ".repeat(150));
        let mut out = String::new();
        render_snippet(&mut out, &src, 3, 176, 3, &ASCII, &RenderOptions::default());
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{out}");
        let code = lines[1];
        let carets = lines[2];
        let at = carets.find('^').unwrap();
        let code_chars: Vec<char> = code.chars().collect();
        let caret_chars = carets[..at].chars().count();
        assert_eq!(
            code_chars[caret_chars..caret_chars + 3]
                .iter()
                .collect::<String>(),
            "bad"
        );
    }
}
